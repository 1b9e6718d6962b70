//! Errors in client configuration.

/// A configuration value that cannot work.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL is not an absolute `http`/`https` URL without query or fragment.
    #[error("invalid base url: {reason}")]
    InvalidBaseUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The API version cannot be sent as a header value.
    #[error("invalid Clerk-API-Version: not a valid header value")]
    InvalidApiVersion,
    /// The path prefix is neither empty nor `/segment…` of URL-safe characters.
    #[error("invalid m2m path prefix: must be empty or start with '/' and contain only URL-safe characters")]
    InvalidPathPrefix,
    /// A client was built without a transport and without a built-in HTTP stack.
    #[error("no transport: enable the client's default HTTP feature or set a transport")]
    NoTransport,
    /// The built-in HTTP transport could not be set up (e.g. TLS initialisation).
    #[error("could not set up the HTTP transport: {reason}")]
    TransportInit {
        /// What the HTTP library reported.
        reason: String,
    },
    /// The proxy URL of the transport settings cannot work. The URL itself
    /// is not repeated: it may carry credentials.
    #[error("invalid proxy url: {reason}")]
    InvalidProxyUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A PEM bundle added as root certificates holds no usable certificate.
    #[error("invalid root certificate bundle #{index}: {reason}")]
    InvalidRootCertificate {
        /// Which bundle, counting from 0 in the order they were added.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The transport settings ask for a TLS implementation this build does
    /// not include.
    #[error("tls backend {} is not available: enable the client crate's `{}` feature", .backend.name(), .backend.name())]
    TlsBackendUnavailable {
        /// The backend asked for.
        backend: crate::TlsBackend,
    },
    /// The PEM public key for local JWT verification (`CLERK_JWT_KEY`)
    /// cannot be used (feature `jwt`).
    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
    #[error("invalid JWT verification key (CLERK_JWT_KEY): {source}")]
    InvalidJwtKey {
        /// What is wrong with the key.
        #[source]
        source: crate::jwt::KeyError,
    },
}
