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
}

impl EmulatorError {
    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Self::InvalidConfig {
            reason: reason.into(),
        }
    }
}
