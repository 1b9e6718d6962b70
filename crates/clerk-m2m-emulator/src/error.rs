//! Errors from configuring and starting an emulator.

use std::path::PathBuf;

/// Why an emulator could not be configured or started.
///
/// Messages never contain secret keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The configuration is inconsistent (bad id, duplicate machine, unknown scope…).
    #[error("invalid emulator configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// The signing key could not be generated, loaded or used.
    #[error("signing key: {reason}")]
    SigningKey {
        /// What went wrong.
        reason: String,
    },
    /// A file could not be read.
    #[error("could not read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The listening socket could not be bound.
    #[error("could not listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The emulator's thread or runtime could not be started.
    #[error("could not start the emulator's runtime")]
    Runtime(#[source] std::io::Error),
    /// A state document (`--state FILE`, an import) is malformed or does
    /// not fit the instance.
    #[error("invalid emulator state: {reason}")]
    InvalidState {
        /// What is wrong.
        reason: String,
    },
    /// A file could not be written.
    #[error("could not write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A control call was refused, with the status and Clerk-style error
    /// code the HTTP control API answers for the same call (an unknown
    /// machine, the state of another instance, no state file…).
    #[error("refused with {status} {code}: {message}")]
    Refused {
        /// The HTTP status of the same call over `/_emulator/…`.
        status: http::StatusCode,
        /// The error code (e.g. `resource_not_found`).
        code: String,
        /// What was wrong.
        message: String,
    },
}

impl EmulatorError {
    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Self::InvalidConfig {
            reason: reason.into(),
        }
    }

    pub(crate) fn state(reason: impl Into<String>) -> Self {
        Self::InvalidState {
            reason: reason.into(),
        }
    }
}

impl From<crate::api_error::ApiFailure> for EmulatorError {
    fn from(failure: crate::api_error::ApiFailure) -> Self {
        Self::Refused {
            status: failure.status,
            code: failure.detail.code.clone(),
            message: failure
                .detail
                .long_message
                .clone()
                .unwrap_or_else(|| failure.detail.message.clone()),
        }
    }
}
