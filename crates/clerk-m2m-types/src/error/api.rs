//! An error answer from the Backend API, with everything Clerk sent about it.

use super::scrub_secrets;
use super::snippet::body_snippet;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use std::fmt;
use std::time::{Duration, SystemTime};

/// One entry of Clerk's `errors` array.
///
/// Read from an answer ([`ApiError::from_response`]), every text in it
/// (code, messages, `meta` keys and values) has had secrets replaced by
/// `[redacted]`; `Debug` scrubs again, so an entry built by hand shows none
/// either.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ClerkErrorDetail {
    /// A stable machine-readable code, e.g. `machine_secret_key_invalid`.
    #[serde(default)]
    pub code: String,
    /// A short human-readable message.
    #[serde(default)]
    pub message: String,
    /// A longer explanation, if Clerk gave one.
    #[serde(default)]
    pub long_message: Option<String>,
    /// Extra structured detail, e.g. `{"param_name": "limit"}`.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

impl fmt::Debug for ClerkErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |value: &str| scrub_secrets(value);
        f.debug_struct("ClerkErrorDetail")
            .field("code", &shown(&self.code))
            .field("message", &shown(&self.message))
            .field("long_message", &self.long_message.as_deref().map(shown))
            .field("meta", &self.meta.clone().map(scrub_json))
            .finish()
    }
}

impl ClerkErrorDetail {
    /// An error entry with a code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            long_message: None,
            meta: None,
        }
    }
}

/// The value of a `Retry-After` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfter {
    /// Wait this many seconds.
    Seconds(u64),
    /// Wait until this moment (an HTTP-date).
    At(SystemTime),
}

impl RetryAfter {
    /// Parses `Retry-After`: delay-seconds or an HTTP-date. `None` if neither.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
            return value.parse().ok().map(Self::Seconds);
        }
        httpdate::parse_http_date(value).ok().map(Self::At)
    }

    /// How long to wait, counted from `now` (zero for a date in the past).
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match self {
            Self::Seconds(seconds) => Duration::from_secs(*seconds),
            Self::At(moment) => moment.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    errors: Vec<ClerkErrorDetail>,
    #[serde(default)]
    clerk_trace_id: Option<String>,
}

/// A non-success answer from the Backend API.
///
/// Keeps the status, Clerk's `errors` list, the trace id (the body's
/// `clerk_trace_id`, else the `cf-ray` header) and `Retry-After`. When the
/// body was not Clerk's JSON envelope (an HTML page from a proxy, an empty
/// body), a scrubbed snippet of at most 1 KiB is kept instead. Anything in
/// the messages that looks like a key or token value is replaced by
/// `[redacted]`, in the error codes, `meta` and the trace id too; `Display`
/// and `Debug` scrub again, so an error built by hand shows none either.
#[derive(Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    errors: Vec<ClerkErrorDetail>,
    trace_id: Option<String>,
    retry_after: Option<RetryAfter>,
    body_snippet: Option<String>,
}

impl ApiError {
    /// An API error with a status and error entries (handy for tests and
    /// emulators; clients get theirs from [`ApiError::from_response`]).
    pub fn new(status: StatusCode, errors: Vec<ClerkErrorDetail>) -> Self {
        Self {
            status,
            errors,
            trace_id: None,
            retry_after: None,
            body_snippet: None,
        }
    }

    /// Sets the trace id.
    pub fn with_trace_id(mut self, trace_id: impl Into<String>) -> Self {
        self.trace_id = Some(trace_id.into());
        self
    }

    /// Sets `Retry-After`.
    pub fn with_retry_after(mut self, retry_after: RetryAfter) -> Self {
        self.retry_after = Some(retry_after);
        self
    }

    /// Reads an error answer: the envelope if the media type is JSON (any
    /// charset parameter) and the body parses, else a body snippet.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let envelope = if crate::parse::is_json(headers) {
            serde_json::from_slice::<Envelope>(body).ok()
        } else {
            None
        };
        let header_trace_id = || {
            headers
                .get("cf-ray")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = headers
            .get(http::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(RetryAfter::parse);
        match envelope {
            Some(envelope) => Self {
                status,
                errors: envelope.errors.into_iter().map(scrub_detail).collect(),
                trace_id: envelope
                    .clerk_trace_id
                    .or_else(header_trace_id)
                    .map(|trace_id| scrub_secrets(&trace_id)),
                retry_after,
                body_snippet: None,
            },
            None => Self {
                status,
                errors: Vec::new(),
                trace_id: header_trace_id().map(|trace_id| scrub_secrets(&trace_id)),
                retry_after,
                body_snippet: Some(body_snippet(body)),
            },
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Clerk's error entries (empty if the body was not Clerk's envelope).
    pub fn errors(&self) -> &[ClerkErrorDetail] {
        &self.errors
    }

    /// The first error's code, e.g. `machine_secret_key_invalid`.
    pub fn code(&self) -> Option<&str> {
        self.errors.first().map(|error| error.code.as_str())
    }

    /// Clerk's trace id for support requests.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// The parsed `Retry-After` header.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        self.retry_after
    }

    /// A scrubbed, bounded copy of a body that was not Clerk's envelope.
    pub fn body_snippet(&self) -> Option<&str> {
        self.body_snippet.as_deref()
    }

    /// Whether the same request may succeed later (429, 502, 503, 504).
    pub fn is_retryable(&self) -> bool {
        crate::retry::is_retryable_status(self.status)
    }
}

fn scrub_detail(detail: ClerkErrorDetail) -> ClerkErrorDetail {
    ClerkErrorDetail {
        code: scrub_secrets(&detail.code),
        message: scrub_secrets(&detail.message),
        long_message: detail.long_message.map(|message| scrub_secrets(&message)),
        meta: detail.meta.map(scrub_json),
    }
}

/// Scrubs every string and object key of a JSON value.
fn scrub_json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(scrub_secrets(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub_json).collect()),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(key, value)| (scrub_secrets(&key), scrub_json(value)))
                .collect(),
        ),
        other => other,
    }
}

/// Clerk's explanation: the first error's message, how many more there are
/// and the trace id. The status and code are the headline of the error that
/// holds this one ([`Error::Api`](crate::Error::Api),
/// [`ResponseError::Api`](crate::ResponseError::Api)), so they are not
/// repeated here.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = match self.errors.first() {
            Some(first) => {
                let message = first.long_message.as_deref().unwrap_or(&first.message);
                let mut shown = if message.is_empty() {
                    String::from("no message")
                } else {
                    message.to_owned()
                };
                if self.errors.len() > 1 {
                    shown.push_str(&format!(" (and {} more)", self.errors.len() - 1));
                }
                shown
            }
            None => String::from("the body was not a Clerk error"),
        };
        if let Some(trace_id) = &self.trace_id {
            shown.push_str(&format!(" [trace id {trace_id}]"));
        }
        f.write_str(&scrub_secrets(&shown))
    }
}

impl ApiError {
    /// The status code and Clerk's first error code, e.g.
    /// `422 form_param_format_invalid` (scrubbed): the headline of
    /// [`Error::Api`](crate::Error::Api)'s `Display`.
    pub fn headline(&self) -> String {
        match self.code() {
            Some(code) => scrub_secrets(&format!("{} {code}", self.status.as_u16())),
            None => self.status.as_u16().to_string(),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("errors", &self.errors)
            .field("trace_id", &self.trace_id.as_deref().map(scrub_secrets))
            .field("retry_after", &self.retry_after)
            .field(
                "body_snippet",
                &self.body_snippet.as_deref().map(scrub_secrets),
            )
            .finish()
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn envelope_with_charset_parameter() {
        let body = br#"{"errors":[{"code":"form_param_invalid","message":"bad","long_message":"limit is bad","meta":{"param_name":"limit"}}],"clerk_trace_id":"t1"}"#;
        let error = ApiError::from_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &headers(&[
                ("content-type", "application/json; charset=utf-8"),
                ("cf-ray", "ray"),
            ]),
            body,
        );
        assert_eq!(error.code(), Some("form_param_invalid"));
        assert_eq!(
            error.errors()[0].meta.as_ref().unwrap()["param_name"],
            "limit"
        );
        assert_eq!(error.trace_id(), Some("t1"));
        assert_eq!(
            error.to_string(),
            "limit is bad [trace id t1]",
            "the message; the status and code are the headline's"
        );
        assert_eq!(error.headline(), "422 form_param_invalid");
    }

    #[test]
    fn html_body_keeps_a_snippet_and_the_cf_ray() {
        let error = ApiError::from_response(
            StatusCode::BAD_GATEWAY,
            &headers(&[("content-type", "text/html"), ("cf-ray", "8a1b")]),
            b"<html>bad gateway</html>",
        );
        assert!(error.errors().is_empty());
        assert_eq!(error.trace_id(), Some("8a1b"));
        assert_eq!(error.body_snippet(), Some("<html>bad gateway</html>"));
        assert!(error.is_retryable());
    }

    #[test]
    fn clerk_code_meta_and_trace_id_are_scrubbed_from_the_answer() {
        let body = br#"{"errors":[{"code":"bad_sk_live_SENTINEL1 x-ak_SENTINEL2","message":"token=mt_SENTINEL3","meta":{"param":"sk_SENTINEL4","sk_SENTINEL5":["\u0061k_SENTINEL6"]}}],"clerk_trace_id":"trace/mt_SENTINEL7"}"#;
        let error = ApiError::from_response(
            StatusCode::BAD_REQUEST,
            &headers(&[("content-type", "application/json")]),
            body,
        );
        let shown = format!("{error} {error:?} {:?}", error.errors());
        assert!(!shown.contains("SENTINEL"), "{shown}");
        assert_eq!(error.code(), Some("bad_[redacted] x-[redacted]"));
        assert_eq!(error.trace_id(), Some("trace/[redacted]"));
        assert_eq!(
            error.errors()[0].meta,
            Some(serde_json::json!({"param": "[redacted]", "[redacted]": ["[redacted]"]}))
        );
    }

    #[test]
    fn cf_ray_trace_id_is_scrubbed() {
        let error = ApiError::from_response(
            StatusCode::BAD_GATEWAY,
            &headers(&[("cf-ray", "ray-sk_SENTINEL")]),
            b"",
        );
        assert_eq!(error.trace_id(), Some("ray-[redacted]"));
    }

    #[test]
    fn display_and_debug_scrub_an_error_built_by_hand() {
        let mut detail = ClerkErrorDetail::new("code=sk_SENTINEL1", "Bearer%20ak_SENTINEL2");
        detail.meta = Some(serde_json::json!({"token": "mt_SENTINEL3"}));
        let error = ApiError::new(StatusCode::UNAUTHORIZED, vec![detail.clone()])
            .with_trace_id("mt_SENTINEL4");
        for shown in [
            error.to_string(),
            format!("{error:?}"),
            format!("{error:#?}"),
            format!("{detail:?}"),
        ] {
            assert!(!shown.contains("SENTINEL"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
    }

    /// Clerk's `code`, `meta` and `clerk_trace_id` carrying each form the
    /// review found: none reaches the call error's `Display`, `Debug`
    /// (plain and pretty) or its source's.
    #[test]
    fn code_meta_and_trace_id_pass_the_scrubber_before_display_and_debug() {
        let body = br#"{"errors":[{"code":"token=mt_SENTINEL1","message":"a+mt_SENTINEL2","long_message":"Bearer%20ak_SENTINEL3","meta":{"path":"/m2m_tokens/mt_SENTINEL4","key=sk_SENTINEL5":"eyAiYWxnIjogIlJTMjU2IiB9.eyJzdWIiOiJtY2hfMSJ9.SENTINEL6","escaped":"\u0061k_SENTINEL7"}}],"clerk_trace_id":"key=sk_SENTINEL8"}"#;
        let api = ApiError::from_response(
            StatusCode::BAD_REQUEST,
            &headers(&[("content-type", "application/json")]),
            body,
        );
        let error = crate::Error::Api {
            operation: crate::Operation::CreateToken,
            attempts: 1,
            source: api.clone(),
        };
        let source = std::error::Error::source(&error).map(ToString::to_string);
        for shown in [
            error.to_string(),
            format!("{error:?}"),
            format!("{error:#?}"),
            source.unwrap_or_default(),
            format!("{:?}", api.errors()),
            api.code().unwrap_or_default().to_owned(),
            api.trace_id().unwrap_or_default().to_owned(),
            serde_json::to_string(&api.errors()[0].meta).unwrap(),
        ] {
            assert!(!shown.contains("SENTINEL"), "{shown}");
        }
        assert_eq!(api.code(), Some("token=[redacted]"));
        assert_eq!(api.trace_id(), Some("key=[redacted]"));
        // The code is the headline of the call error's Display.
        assert!(
            error.to_string().contains("400 token=[redacted]"),
            "{error}"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(RetryAfter::parse(" 7 "), Some(RetryAfter::Seconds(7)));
        let date = RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:30 GMT").unwrap();
        assert_eq!(date.delay_from(now), Duration::from_secs(7));
        assert_eq!(
            date.delay_from(now + Duration::from_secs(60)),
            Duration::ZERO
        );
        assert_eq!(RetryAfter::parse("soon"), None);
        assert_eq!(RetryAfter::parse("-1"), None);
    }

    #[test]
    fn a_json_error_that_does_not_parse_keeps_its_body() {
        let json = headers(&[("content-type", "application/json")]);
        for body in [&br#"{"errors":[{"code":"#[..], b""] {
            let error = ApiError::from_response(StatusCode::BAD_REQUEST, &json, body);
            assert!(error.errors().is_empty());
            assert_eq!(error.code(), None);
            assert_eq!(error.body_snippet(), std::str::from_utf8(body).ok());
            assert!(!error.is_retryable());
        }
    }
}
