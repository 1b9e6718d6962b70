//! `--verbose`: one line on stderr per HTTP attempt.
//!
//! A [`Transport`] around the real one. It sees each request as the client
//! hands it over, with the [`AttemptInfo`] (call and attempt number) and
//! [`AttemptBudget`] the call attaches, and how the attempt ended; whether
//! the attempt is retried is the config's [`RetryPolicy`] deciding on the
//! same outcome, as the client does. Nothing here repeats a retry rule.
//!
//! A line holds the method, the path (query values left out), the status or
//! the transport failure, the duration and why the attempt is retried. Never
//! a header, a body (a verify body is a token), a key or a query value.

use crate::args::OutputFormat;
use clerk_m2m_blocking::Transport;
use clerk_m2m_types::driver::retry::{Outcome, RetryDecision};
use clerk_m2m_types::AttemptInfo;
use clerk_m2m_types::{ApiError, AttemptBudget, Delivery, RetryPolicy, TransportError};
use serde::Serialize;
use std::time::{Duration, Instant, SystemTime};

type Sink = Box<dyn Fn(&str) + Send + Sync>;

/// The built-in transport with a line per attempt written to a sink.
pub(crate) struct Verbose<T> {
    inner: T,
    policy: RetryPolicy,
    format: OutputFormat,
    sink: Sink,
}

impl<T: Transport> Verbose<T> {
    /// Reports on `inner`'s attempts to stderr; `policy` must be the
    /// client's, `format` picks text or JSON lines.
    pub(crate) fn to_stderr(inner: T, policy: RetryPolicy, format: OutputFormat) -> Self {
        Self::new(inner, policy, format, Box::new(|line| eprintln!("{line}")))
    }

    fn new(inner: T, policy: RetryPolicy, format: OutputFormat, sink: Sink) -> Self {
        Self {
            inner,
            policy,
            format,
            sink,
        }
    }

    /// Why the call will try again after `result`, or `None` if it will not.
    fn retry_reason(
        &self,
        info: AttemptInfo,
        remaining: Option<Duration>,
        result: &Result<http::Response<Vec<u8>>, TransportError>,
    ) -> Option<String> {
        let (outcome, reason) = match result {
            // A success ends the call: the policy is not asked.
            Ok(response) if response.status().is_success() => return None,
            Ok(response) => {
                // The answer as the client reads it, `Retry-After` included.
                let error =
                    ApiError::from_response(response.status(), response.headers(), response.body());
                let reason = match error.status().as_u16() {
                    429 => "rate limited".to_owned(),
                    500..=599 => "the server is unavailable".to_owned(),
                    _ => format!("answered {}", error.status()),
                };
                let outcome = Outcome::Response {
                    status: error.status(),
                    retry_after: error.retry_after(),
                };
                (outcome, reason)
            }
            Err(error) => {
                let reason = match error.delivery() {
                    Delivery::NotSent => "the request was not sent",
                    _ => "the call is safe to send again",
                };
                (Outcome::Transport(error), reason.to_owned())
            }
        };
        // The longest backoff (jitter 1): "retrying" is said only when the
        // client retries whatever jitter it draws; near the deadline it may
        // retry unannounced, and the next attempt's line shows it.
        let decision = self.policy.decide(
            info.operation,
            outcome,
            info.number,
            SystemTime::now(),
            remaining,
            1.0,
        );
        match decision {
            RetryDecision::RetryAfter(delay) => Some(format!(
                "{reason}, next attempt within {} ms",
                delay.as_millis()
            )),
            _ => None,
        }
    }
}

impl<T: Transport> Transport for Verbose<T> {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let info = AttemptInfo::of(&request);
        let budget = AttemptBudget::of(&request);
        let method = request.method().to_string();
        let path = path_without_query_values(request.uri());
        let started = Instant::now();
        let result = self.inner.send(request);
        let elapsed = started.elapsed();
        let retry = info.and_then(|info| {
            let remaining = budget.map(|budget| budget.saturating_sub(elapsed));
            self.retry_reason(info, remaining, &result)
        });
        let line = AttemptLine {
            method,
            path,
            attempt: info.map(|info| info.number),
            max_attempts: self.policy.attempt_limit(),
            status: result
                .as_ref()
                .ok()
                .map(|response| response.status().as_u16()),
            status_text: result
                .as_ref()
                .ok()
                .map(|response| response.status().to_string()),
            error: result.as_ref().err().map(ToString::to_string),
            duration_ms: elapsed.as_millis(),
            retry,
        };
        (self.sink)(&line.render(self.format));
        result
    }
}

/// The path, and the query's names with their values left out: a query
/// value is never printed (`/m2m_tokens?subject=…&limit=…`).
fn path_without_query_values(uri: &http::Uri) -> String {
    let mut out = uri.path().to_owned();
    if let Some(query) = uri.query() {
        let names: Vec<String> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let name = pair.split('=').next().unwrap_or_default();
                format!("{name}=…")
            })
            .collect();
        out.push('?');
        out.push_str(&names.join("&"));
    }
    out
}

/// One attempt, as printed.
#[derive(Serialize)]
struct AttemptLine {
    method: String,
    path: String,
    attempt: Option<u32>,
    max_attempts: u32,
    status: Option<u16>,
    #[serde(skip)]
    status_text: Option<String>,
    error: Option<String>,
    duration_ms: u128,
    retry: Option<String>,
}

impl AttemptLine {
    fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => {
                let line = serde_json::json!({ "http": self });
                line.to_string()
            }
            OutputFormat::Table => {
                let outcome = self
                    .status_text
                    .as_deref()
                    .or(self.error.as_deref())
                    .unwrap_or("no answer");
                let mut text = format!(
                    "http: {} {} -> {outcome} in {} ms",
                    self.method, self.path, self.duration_ms
                );
                if let Some(attempt) = self.attempt {
                    text.push_str(&format!(" (attempt {attempt} of {}", self.max_attempts));
                    if let Some(reason) = &self.retry {
                        text.push_str(&format!("; retrying: {reason}"));
                    }
                    text.push(')');
                }
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_m2m_blocking::Client;
    use clerk_m2m_types::{
        CreateTokenParams, ListTokensParams, TransportErrorKind, VerifyTokenParams,
    };
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    const TOKEN: &str = "mt_verbose_test_token_value_0123456789";
    const KEY: &str = "ak_verbose_test_key";

    fn token_json() -> Vec<u8> {
        br#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","created_at":1,"updated_at":1}"#.to_vec()
    }

    /// A client whose transport answers `answers` in turn (a status, or a
    /// transport failure), and the lines `--verbose` printed.
    fn client(
        answers: Vec<Result<u16, TransportErrorKind>>,
        format: OutputFormat,
    ) -> (Client, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&lines);
        let next = AtomicUsize::new(0);
        let inner = move |_request: http::Request<Vec<u8>>| {
            let index = next.fetch_add(1, Ordering::SeqCst);
            match answers.get(index).copied().unwrap_or(Ok(500)) {
                Ok(status) => {
                    let mut response = http::Response::builder()
                        .status(status)
                        .header("content-type", "application/json");
                    if status == 429 {
                        response = response.header("retry-after", "0");
                    }
                    let body = if status < 300 {
                        token_json()
                    } else {
                        b"{}".to_vec()
                    };
                    response.body(body).map_err(TransportError::other)
                }
                Err(kind) => Err(TransportError::new(kind)),
            }
        };
        let policy = clerk_m2m_types::RetryPolicy::default()
            .base_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(2));
        let sink: Sink = Box::new(move |line| seen.lock().unwrap().push(line.to_owned()));
        let client = Client::builder()
            .machine_secret_key(KEY)
            .retry_policy(policy.clone())
            .transport(Verbose::new(inner, policy, format, sink))
            .build()
            .unwrap();
        (client, lines)
    }

    fn lines(lines: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
        lines.lock().unwrap().clone()
    }

    #[test]
    fn a_retried_verify_prints_two_lines_and_no_secret() {
        let (client, printed) = client(vec![Ok(503), Ok(200)], OutputFormat::Table);
        client.verify_token(VerifyTokenParams::new(TOKEN)).unwrap();
        let printed = lines(&printed);
        assert_eq!(printed.len(), 2, "{printed:?}");
        assert!(
            printed[0].starts_with("http: POST /m2m_tokens/verify -> 503 Service Unavailable in "),
            "{printed:?}"
        );
        assert!(
            printed[0].contains(
                "(attempt 1 of 3; retrying: the server is unavailable, next attempt within "
            ),
            "{printed:?}"
        );
        assert!(printed[1].contains("-> 200 OK in "), "{printed:?}");
        assert!(printed[1].ends_with("(attempt 2 of 3)"), "{printed:?}");
        for line in &printed {
            assert!(!line.contains(TOKEN) && !line.contains(KEY), "{line}");
        }
    }

    #[test]
    fn a_create_is_not_retried_after_a_5xx_and_the_line_says_nothing_of_a_retry() {
        let (client, printed) = client(vec![Ok(503)], OutputFormat::Table);
        assert!(client.create_token(CreateTokenParams::new()).is_err());
        let printed = lines(&printed);
        assert_eq!(printed.len(), 1, "{printed:?}");
        assert!(printed[0].ends_with("(attempt 1 of 3)"), "{printed:?}");
    }

    #[test]
    fn transport_failures_rate_limits_and_the_last_attempt() {
        let (client, printed) = client(
            vec![Err(TransportErrorKind::Connect), Ok(429), Ok(503)],
            OutputFormat::Table,
        );
        let list = ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk").limit(5);
        assert!(client.list_tokens(list).is_err());
        let printed = lines(&printed);
        assert_eq!(printed.len(), 3, "{printed:?}");
        assert!(
            printed[0].starts_with(
                "http: GET /m2m_tokens?subject=…&limit=… -> could not connect (request not sent)"
            ),
            "{printed:?}"
        );
        assert!(
            printed[0].contains("retrying: the request was not sent"),
            "{printed:?}"
        );
        assert!(printed[1].contains("retrying: rate limited"), "{printed:?}");
        // The third attempt is the last: no retry, whatever the status.
        assert!(printed[2].ends_with("(attempt 3 of 3)"), "{printed:?}");
        assert!(
            printed.iter().all(|line| !line.contains("mch_2xh")),
            "{printed:?}"
        );
    }

    #[test]
    fn json_lines_parse_and_carry_the_fields() {
        let (client, printed) = client(vec![Ok(502), Ok(200)], OutputFormat::Json);
        client.verify_token(VerifyTokenParams::new(TOKEN)).unwrap();
        let printed = lines(&printed);
        assert_eq!(printed.len(), 2);
        let first: serde_json::Value = serde_json::from_str(&printed[0]).unwrap();
        let http = &first["http"];
        assert_eq!(http["method"], "POST");
        assert_eq!(http["path"], "/m2m_tokens/verify");
        assert_eq!(
            (http["attempt"].as_u64(), http["status"].as_u64()),
            (Some(1), Some(502))
        );
        assert!(http["duration_ms"].is_u64());
        assert!(http["error"].is_null());
        assert!(http["retry"]
            .as_str()
            .unwrap()
            .starts_with("the server is unavailable"));
        let second: serde_json::Value = serde_json::from_str(&printed[1]).unwrap();
        assert!(second["http"]["retry"].is_null());
        assert_eq!(second["http"]["status"], 200);
    }
}
