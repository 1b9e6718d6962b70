//! Errors, in layers: what was wrong before sending ([`RequestError`]), what
//! the API answered ([`ApiError`]), an answer that could not be read
//! ([`DecodeError`]), what the transport reported ([`TransportError`]), and
//! the error a client call returns ([`Error`]), which adds the attempt count.

mod api;
mod call;
mod config;
mod decode;
mod machine_request;
mod request;
mod scrub;
mod snippet;
mod transport;

pub use api::{ApiError, ClerkErrorDetail, RetryAfter};
pub use call::Error;
pub use config::ConfigError;
pub use decode::DecodeError;
pub use machine_request::MachineRequestError;
pub use request::RequestError;
pub use transport::{Delivery, TransportError, TransportErrorKind};

pub(crate) use scrub::scrub_secrets;
pub(crate) use snippet::body_snippet;
#[cfg(feature = "fuzzing")]
pub(crate) use snippet::SNIPPET_LIMIT;

/// Why a response could not be turned into a result.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The API answered with a non-success status.
    #[error("clerk api answered {}", .0.headline())]
    Api(#[from] ApiError),
    /// A success status with a body that is not the expected JSON.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

impl ResponseError {
    /// The HTTP status of the response.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::Api(error) => error.status(),
            Self::Decode(error) => error.status(),
        }
    }
}
