//! The error a client call returns.

use super::{ApiError, DecodeError, RequestError, ResponseError, TransportError};
use crate::Operation;

/// Why a client call failed. Every variant after the request left the
/// process says how many attempts were made.
#[derive(Debug, thiserror::Error)]
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
    #[error("{operation} failed after {attempts} attempt(s)")]
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
    #[error("{operation} answer unreadable after {attempts} attempt(s)")]
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
    #[error("{operation} transport failure after {attempts} attempt(s)")]
    Transport {
        /// The call.
        operation: Operation,
        /// Attempts made, the last one included.
        attempts: u32,
        /// What the transport reported.
        #[source]
        source: TransportError,
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
        }
    }

    /// Attempts made (0 when refused before sending).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::InvalidRequest { .. } => 0,
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
