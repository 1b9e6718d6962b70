//! A success answer whose body is not what the API documents.

use http::StatusCode;

/// The response had a success status but its body could not be read.
///
/// Keeps the status, a scrubbed snippet of at most 1 KiB of the body, and
/// the parser's reason (also scrubbed: a parser may quote the value it
/// choked on).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("could not decode the {status} response body: {reason}")]
pub struct DecodeError {
    status: StatusCode,
    reason: String,
    body_snippet: String,
}

impl DecodeError {
    /// A decode error for `body` received with `status`.
    pub fn new(status: StatusCode, reason: impl std::fmt::Display, body: &[u8]) -> Self {
        Self {
            status,
            reason: super::scrub_secrets(&reason.to_string()),
            body_snippet: super::body_snippet(body),
        }
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Why decoding failed.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// A scrubbed copy of at most 1 KiB of the body.
    pub fn body_snippet(&self) -> &str {
        &self.body_snippet
    }
}
