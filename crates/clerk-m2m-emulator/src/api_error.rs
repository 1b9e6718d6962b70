//! Error answers in Clerk's envelope:
//! `{"errors":[{"message","long_message","code","meta"}],"clerk_trace_id"}`.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use clerk_m2m_types::ClerkErrorDetail;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::StatusCode;
use serde::Serialize;

/// A failed API call: the status and one Clerk error entry (boxed: it
/// travels in the `Err` arm of every handler result).
#[derive(Debug, Clone)]
pub(crate) struct ApiFailure(Box<Failure>);

/// What an [`ApiFailure`] holds.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) detail: ClerkErrorDetail,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl std::ops::Deref for ApiFailure {
    type Target = Failure;

    fn deref(&self) -> &Failure {
        &self.0
    }
}

#[derive(Serialize)]
struct WireDetail<'a> {
    message: &'a str,
    long_message: &'a str,
    code: &'a str,
    meta: &'a serde_json::Value,
}

#[derive(Serialize)]
struct WireEnvelope<'a> {
    errors: [WireDetail<'a>; 1],
    clerk_trace_id: String,
}

impl ApiFailure {
    pub(crate) fn new(
        status: StatusCode,
        code: &str,
        message: &str,
        long_message: impl Into<String>,
    ) -> Self {
        let mut detail = ClerkErrorDetail::new(code, message);
        detail.long_message = Some(long_message.into());
        detail.meta = Some(serde_json::json!({}));
        Self(Box::new(Failure {
            status,
            detail,
            headers: Vec::new(),
        }))
    }

    /// Adds `meta.param_name`.
    pub(crate) fn param(mut self, name: &str) -> Self {
        self.0.detail.meta = Some(serde_json::json!({ "param_name": name }));
        self
    }

    /// Adds a response header.
    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.push((name, value));
        self
    }

    /// The JSON body bytes, with a fresh trace id.
    pub(crate) fn body(&self) -> Vec<u8> {
        let empty = serde_json::json!({});
        let envelope = WireEnvelope {
            errors: [WireDetail {
                message: &self.detail.message,
                long_message: self
                    .detail
                    .long_message
                    .as_deref()
                    .unwrap_or(&self.detail.message),
                code: &self.detail.code,
                meta: self.detail.meta.as_ref().unwrap_or(&empty),
            }],
            clerk_trace_id: crate::ids::trace_id(),
        };
        serde_json::to_vec(&envelope).unwrap_or_else(|_| b"{\"errors\":[]}".to_vec())
    }

    // ---- the catalogue -------------------------------------------------

    pub(crate) fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authorization_header_format_invalid",
            "Invalid Authorization header format",
            "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'.",
        )
    }

    pub(crate) fn instance_key_invalid() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "clerk_key_invalid",
            "Secret Key is invalid",
            "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
        )
    }

    pub(crate) fn machine_key_invalid(long_message: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "machine_secret_key_invalid",
            "Machine secret key is invalid",
            long_message,
        )
    }

    pub(crate) fn forbidden(long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "authorization_invalid",
            "Unauthorized request",
            long_message,
        )
    }

    pub(crate) fn not_found(long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            long_message,
        )
    }

    pub(crate) fn route_not_found(method: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            format!("No {method} route exists at this path on this Backend API emulator."),
        )
    }

    pub(crate) fn method_not_allowed(allow: &'static str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            format!("This route accepts only {allow}."),
        )
        .header(http::header::ALLOW, HeaderValue::from_static(allow))
    }

    pub(crate) fn body_invalid(long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "request_body_invalid",
            "Request body is invalid",
            long_message,
        )
    }

    pub(crate) fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_body_too_large",
            "Request body is too large",
            format!("The request body exceeds {limit} bytes."),
        )
    }

    pub(crate) fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "Request bodies must be JSON: send `Content-Type: application/json`.",
        )
    }

    /// A body parameter that is not part of the operation (422).
    pub(crate) fn param_unknown(name: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_unknown",
            "is unknown",
            format!("{name} is not a valid parameter for this request."),
        )
        .param(name)
    }

    /// A required parameter is missing (`status`: 422 for body, 400 for query).
    pub(crate) fn param_missing(status: StatusCode, name: &str) -> Self {
        Self::new(
            status,
            "form_param_missing",
            "is missing",
            format!("{name} must be included."),
        )
        .param(name)
    }

    /// A parameter of the wrong type or shape.
    pub(crate) fn param_format(status: StatusCode, name: &str, expected: &str) -> Self {
        Self::new(
            status,
            "form_param_format_invalid",
            "is invalid",
            format!("{name} must be {expected}."),
        )
        .param(name)
    }

    /// A parameter with a well-formed but unacceptable value.
    pub(crate) fn param_value(status: StatusCode, name: &str, why: impl Into<String>) -> Self {
        Self::new(status, "form_param_value_invalid", "is invalid", why).param(name)
    }

    pub(crate) fn api_version_invalid(value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "api_version_invalid",
            "Invalid API version",
            format!(
                "Clerk-API-Version {value:?} is not a version (expected a date such as 2026-05-12)."
            ),
        )
        .param("Clerk-API-Version")
    }

    pub(crate) fn rate_limited(retry_after_secs: u64) -> Self {
        let value = HeaderValue::from(retry_after_secs);
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many requests",
            format!("Rate limit exceeded. Retry after {retry_after_secs} seconds."),
        )
        .header(http::header::RETRY_AFTER, value)
    }

    /// The body did not arrive within the read timeout; the connection closes.
    pub(crate) fn request_timeout(timeout: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "Request timeout",
            format!(
                "The request body did not arrive within {} seconds.",
                timeout.as_secs_f64()
            ),
        )
        .header(http::header::CONNECTION, HeaderValue::from_static("close"))
    }

    /// What replaces hyper's empty answer to a request it could not parse
    /// (414, 431 or 400), or `None` for another status.
    pub(crate) fn unparsable_request(status: StatusCode) -> Option<Self> {
        let (code, message, long_message) = match status.as_u16() {
            414 => (
                "request_uri_too_long",
                "Request URI too long",
                "The request URI is longer than 65534 bytes.",
            ),
            431 => (
                "request_header_fields_too_large",
                "Request header fields too large",
                "The request has too many header fields, or they are too large.",
            ),
            400 => (
                "request_malformed",
                "Malformed request",
                "The request line or a header could not be parsed as HTTP/1.1.",
            ),
            _ => return None,
        };
        Some(Self::new(status, code, message, long_message))
    }

    pub(crate) fn internal(long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_clerk_error",
            "Something went wrong",
            long_message,
        )
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body()));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in self.0.headers {
            headers.insert(name, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        let failure = ApiFailure::param_missing(StatusCode::BAD_REQUEST, "subject");
        let body: serde_json::Value = serde_json::from_slice(&failure.body()).unwrap();
        let error = &body["errors"][0];
        assert_eq!(error["code"], "form_param_missing");
        assert_eq!(error["meta"]["param_name"], "subject");
        assert!(error["message"].is_string());
        assert!(error["long_message"].is_string());
        assert_eq!(body["clerk_trace_id"].as_str().unwrap().len(), 32);
        let plain = ApiFailure::not_found("x");
        let body: serde_json::Value = serde_json::from_slice(&plain.body()).unwrap();
        assert_eq!(body["errors"][0]["meta"], serde_json::json!({}));
    }
}
