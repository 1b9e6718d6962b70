//! Building a [`Client`]: its [`Config`] and its transport.

use crate::Transport;
use clerk_m2m_types::ConfigError;
use std::sync::Arc;

clerk_m2m_types::client_builder! {
    /// Builds a [`Client`]: every [`ConfigBuilder`] setter, plus the transport.
    /// Setters never fail; [`build`](Self::build) validates.
    ///
    /// ```
    /// use clerk_m2m_blocking::{Client, Config, RetryPolicy, TransportError};
    /// use std::time::Duration;
    ///
    /// let client = Client::builder()
    ///     .base_url("http://127.0.0.1:8080")
    ///     .machine_secret_key("ak_test_example")
    ///     .retry_policy(RetryPolicy::never())
    ///     .call_timeout(Duration::from_secs(5))
    ///     .transport(|_request: http::Request<Vec<u8>>| {
    ///         Err::<http::Response<Vec<u8>>, _>(TransportError::other("offline"))
    ///     })
    ///     .build()?;
    /// assert_eq!(client.config().base_url(), "http://127.0.0.1:8080");
    /// assert_eq!(client.config().call_timeout(), Duration::from_secs(5));
    /// # Ok::<(), clerk_m2m_blocking::ConfigError>(())
    /// ```
}

/// The built-in transport, for [`Client::new`].
#[cfg(feature = "ureq")]
pub(crate) fn default_transport() -> Result<Arc<dyn Transport>, ConfigError> {
    Ok(Arc::new(crate::UreqTransport::new()?))
}

#[cfg(not(feature = "ureq"))]
pub(crate) fn default_transport() -> Result<Arc<dyn Transport>, ConfigError> {
    Err(ConfigError::NoTransport)
}
