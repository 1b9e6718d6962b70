//! One span per attempt, when the `tracing` feature is on; nothing otherwise.
//!
//! Fields: `operation`, `method`, `path` (the template, e.g.
//! `/m2m_tokens/{id}/revoke`, never a real id), `attempt`, then `status` and
//! `trace_id` once the answer is in, or `error` (the failure kind) when the
//! transport failed. Never a header, body, claim, key or token.

use clerk_m2m_types::{Operation, TransportError};

/// The span of one attempt.
pub(crate) struct AttemptSpan {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl AttemptSpan {
    /// Opens the span for attempt number `attempt` of `operation`.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn start(operation: Operation, method: &http::Method, attempt: u32) -> Self {
        Self {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(
                "clerk_m2m.attempt",
                operation = operation.name(),
                method = method.as_str(),
                path = operation.path_template(),
                attempt,
                status = tracing::field::Empty,
                trace_id = tracing::field::Empty,
                error = tracing::field::Empty,
            ),
        }
    }

    /// Runs `attempt` inside the span.
    pub(crate) fn run<T>(&self, attempt: impl FnOnce() -> T) -> T {
        #[cfg(feature = "tracing")]
        {
            self.span.in_scope(attempt)
        }
        #[cfg(not(feature = "tracing"))]
        {
            attempt()
        }
    }

    /// Records how the attempt ended.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn record(&self, result: &Result<http::Response<Vec<u8>>, TransportError>) {
        #[cfg(feature = "tracing")]
        match result {
            Ok(response) => {
                self.span.record("status", response.status().as_u16());
                if let Some(trace_id) = trace_id(response) {
                    self.span.record("trace_id", trace_id.as_str());
                }
                tracing::debug!(parent: &self.span, status = response.status().as_u16(), "clerk api answered");
            }
            Err(error) => {
                let kind = format!("{:?}", error.kind());
                self.span.record("error", kind.as_str());
                tracing::debug!(parent: &self.span, error = %error, "transport failed");
            }
        }
    }
}

/// Clerk's trace id: the error body's `clerk_trace_id`, else the `cf-ray` header.
#[cfg(feature = "tracing")]
fn trace_id(response: &http::Response<Vec<u8>>) -> Option<String> {
    if response.status().is_success() {
        response
            .headers()
            .get("cf-ray")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    } else {
        clerk_m2m_types::ApiError::from_response(
            response.status(),
            response.headers(),
            response.body(),
        )
        .trace_id()
        .map(str::to_owned)
    }
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use crate::{Client, RevokeTokenParams, TransportError};
    use std::fmt::{self, Write as _};
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Writes every span and event, with its fields, as one line.
    #[derive(Default)]
    struct Recorder {
        lines: Arc<Mutex<Vec<String>>>,
        next_id: AtomicU64,
    }

    struct Line<'a>(&'a mut String);

    impl Visit for Line<'_> {
        fn record_str(&mut self, field: &Field, value: &str) {
            let _ = write!(self.0, " {}={}", field.name(), value);
        }
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    impl Recorder {
        fn push(&self, line: String) {
            self.lines.lock().unwrap().push(line);
        }
    }

    impl Subscriber for Recorder {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut line = format!("span {}", span.metadata().name());
            span.record(&mut Line(&mut line));
            self.push(line);
            Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
        }
        fn record(&self, span: &Id, values: &Record<'_>) {
            let mut line = format!("record {}", span.into_u64());
            values.record(&mut Line(&mut line));
            self.push(line);
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut line = String::from("event");
            event.record(&mut Line(&mut line));
            self.push(line);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn one_span_per_attempt_without_ids_or_secrets() {
        let recorder = Recorder::default();
        let lines = Arc::clone(&recorder.lines);
        let attempts = Arc::new(AtomicU32::new(0));
        let client = Client::builder()
            .machine_secret_key("ak_test_sentinel")
            .retry_policy(
                crate::RetryPolicy::default().base_delay(std::time::Duration::from_millis(1)),
            )
            .transport(move |_request: http::Request<Vec<u8>>| {
                let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
                let (status, body) = if attempt == 1 {
                    (503, r#"{"errors":[{"code":"busy","message":"mt_sentinel_token"}],"clerk_trace_id":"trace-1"}"#)
                } else {
                    (200, r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1","token":"mt_sentinel_token","revoked":true,"created_at":1,"updated_at":1}"#)
                };
                http::Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .header("cf-ray", "ray-2")
                    .body(body.as_bytes().to_vec())
                    .map_err(TransportError::other)
            })
            .build()
            .unwrap();
        tracing::subscriber::with_default(recorder, || {
            client
                .revoke_token(
                    RevokeTokenParams::new("mt_0123456789abcdef0123456789abcdef")
                        .revocation_reason("sentinel reason"),
                )
                .unwrap();
        });
        let lines = lines.lock().unwrap();
        let text = lines.join("\n");
        let spans: Vec<_> = lines
            .iter()
            .filter(|line| line.starts_with("span "))
            .collect();
        assert_eq!(spans.len(), 2, "{text}");
        for (index, span) in spans.iter().enumerate() {
            assert!(span.contains("clerk_m2m.attempt"), "{span}");
            assert!(span.contains("operation=revoke_token"), "{span}");
            assert!(span.contains("method=POST"), "{span}");
            assert!(span.contains("path=/m2m_tokens/{id}/revoke"), "{span}");
            assert!(span.contains(&format!("attempt={}", index + 1)), "{span}");
        }
        assert!(text.contains("status=503"), "{text}");
        assert!(text.contains("trace_id=trace-1"), "{text}");
        assert!(text.contains("status=200"), "{text}");
        assert!(text.contains("trace_id=ray-2"), "{text}");
        assert!(!text.contains("sentinel"), "{text}");
        assert!(
            !text.contains("mt_0123456789abcdef0123456789abcdef"),
            "{text}"
        );
    }
}
