//! The error a client call returns.

use super::{ApiError, DecodeError, RequestError, ResponseError, TransportError};
use crate::Operation;
#[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
use std::sync::Arc;

/// Why a client call failed. Every variant after the request left the
/// process says how many attempts were made.
///
/// `Clone`, so one failure can be shared by every caller that waited for
/// the same call (a token cache's create, a JWKS fetch).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The call was refused locally, before anything was sent.
    #[error("{operation} refused before sending")]
    InvalidRequest {
        /// The call.
        operation: Operation,
        /// What was wrong.
        #[source]
        source: RequestError,
    },
    /// The API answered with an error status.
    #[error("{operation} failed after {}: {}", Attempts(*.attempts), .source.headline())]
    Api {
        /// The call.
        operation: Operation,
        /// Attempts made, the last one included.
        attempts: u32,
        /// Clerk's answer.
        #[source]
        source: ApiError,
    },
    /// The API answered success with a body that could not be read.
    #[error("{operation} answer unreadable after {}", Attempts(*.attempts))]
    Decode {
        /// The call.
        operation: Operation,
        /// Attempts made, the last one included.
        attempts: u32,
        /// What was wrong with the body.
        #[source]
        source: DecodeError,
    },
    /// The transport failed (connect, timeout, reset, body too large…).
    #[error("{operation} transport failure after {}", Attempts(*.attempts))]
    Transport {
        /// The call.
        operation: Operation,
        /// Attempts made, the last one included.
        attempts: u32,
        /// What the transport reported.
        #[source]
        source: TransportError,
    },
    /// An M2M JWT was refused by local verification (feature `jwt`):
    /// malformed, over 8 KiB, a bad signature, an unknown key, expired…
    /// Nothing was sent.
    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
    #[error("the M2M JWT was refused by local verification")]
    Jwt {
        /// Which check failed.
        #[source]
        source: crate::jwt::JwtError,
    },
    /// An M2M JWT cannot be verified locally: no key is configured
    /// (feature `jwt`).
    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
    #[error("no key to verify M2M JWTs locally: set CLERK_JWT_KEY (a PEM public key, no network) or CLERK_SECRET_KEY (the instance secret key sk_…, to fetch the JWKS)")]
    NoJwtKey,
    /// The JWKS needed to verify an M2M JWT could not be fetched, and no
    /// known key settles the token (feature `jwt`). The source is the fetch
    /// failure (an [`Error::Api`], [`Error::Transport`], [`Error::Decode`] or
    /// [`Error::InvalidRequest`]), shared by every verification that waited
    /// for that fetch.
    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
    #[error("the JWKS could not be fetched to verify the M2M JWT")]
    Jwks {
        /// Why the fetch failed.
        #[source]
        source: Arc<Error>,
    },
}

impl Error {
    /// Wraps a response error after `attempts` attempts.
    pub fn from_response(operation: Operation, attempts: u32, error: ResponseError) -> Self {
        match error {
            ResponseError::Api(source) => Self::Api {
                operation,
                attempts,
                source,
            },
            ResponseError::Decode(source) => Self::Decode {
                operation,
                attempts,
                source,
            },
        }
    }

    /// The call that failed.
    pub fn operation(&self) -> Operation {
        match self {
            Self::InvalidRequest { operation, .. }
            | Self::Api { operation, .. }
            | Self::Decode { operation, .. }
            | Self::Transport { operation, .. } => *operation,
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            Self::Jwt { .. } | Self::NoJwtKey | Self::Jwks { .. } => Operation::VerifyToken,
        }
    }

    /// Attempts made (0 when refused before sending).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::InvalidRequest { .. } => 0,
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            Self::Jwt { .. } | Self::NoJwtKey => 0,
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            Self::Jwks { source } => source.attempts(),
            Self::Api { attempts, .. }
            | Self::Decode { attempts, .. }
            | Self::Transport { attempts, .. } => *attempts,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Self::Api { source, .. } => Some(source.status()),
            Self::Decode { source, .. } => Some(source.status()),
            _ => None,
        }
    }

    /// Clerk's first error code, when the API answered with one.
    pub fn code(&self) -> Option<&str> {
        self.api_error().and_then(ApiError::code)
    }

    /// Clerk's trace id, when the API answered with one.
    pub fn trace_id(&self) -> Option<&str> {
        self.api_error().and_then(ApiError::trace_id)
    }

    /// The API's answer, for [`Error::Api`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The transport's report, for [`Error::Transport`].
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            Self::Transport { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// "1 attempt", "2 attempts".
struct Attempts(u32);

impl std::fmt::Display for Attempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            1 => f.write_str("1 attempt"),
            n => write!(f, "{n} attempts"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    fn answered(status: u16, body: &str) -> ApiError {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        ApiError::from_response(
            http::StatusCode::from_u16(status).unwrap(),
            &headers,
            body.as_bytes(),
        )
    }

    #[test]
    fn api_display_names_status_and_first_code_and_the_source_the_rest() {
        let body = r#"{"errors":[{"code":"form_param_format_invalid","message":"seconds_until_expiration must be positive"}],"clerk_trace_id":"t9"}"#;
        let error = Error::from_response(
            Operation::CreateToken,
            1,
            ResponseError::Api(answered(422, body)),
        );
        assert_eq!(
            error.to_string(),
            "create_token failed after 1 attempt: 422 form_param_format_invalid"
        );
        let source = error.source().expect("the api error is the source");
        assert_eq!(
            source.to_string(),
            "seconds_until_expiration must be positive [trace id t9]"
        );
        assert!(!source.to_string().contains("422"), "no repetition");
    }

    #[test]
    fn api_display_without_clerk_body_shows_the_status_and_plural_attempts() {
        let error = Error::from_response(
            Operation::ListTokens,
            3,
            ResponseError::Api(answered(502, "<html>bad gateway</html>")),
        );
        assert_eq!(
            error.to_string(),
            "list_tokens failed after 3 attempts: 502"
        );
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("the body was not a Clerk error")
        );
    }
}
