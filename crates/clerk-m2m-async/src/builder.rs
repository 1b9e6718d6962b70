//! Building a [`Client`]: its [`Config`] and its transport.

use crate::Transport;
use clerk_m2m_types::ConfigError;
use std::sync::Arc;

clerk_m2m_types::client_builder! {
    /// Builds a [`Client`]: every [`ConfigBuilder`] setter, plus the transport.
    /// Setters never fail; [`build`](Self::build) validates.
    ///
    /// ```
    /// use clerk_m2m_async::{Client, Config, RetryPolicy, TransportError};
    /// use std::time::Duration;
    ///
    /// let client = Client::builder()
    ///     .base_url("http://127.0.0.1:8080")
    ///     .machine_secret_key("ak_test_example")
    ///     .retry_policy(RetryPolicy::never())
    ///     .call_timeout(Duration::from_secs(5))
    ///     .transport(|_request: http::Request<Vec<u8>>| async {
    ///         Err::<http::Response<Vec<u8>>, _>(TransportError::other("offline"))
    ///     })
    ///     .build()?;
    /// assert_eq!(client.config().base_url(), "http://127.0.0.1:8080");
    /// assert_eq!(client.config().call_timeout(), Duration::from_secs(5));
    /// # Ok::<(), clerk_m2m_async::ConfigError>(())
    /// ```
}

/// The built-in transport, for [`Client::new`].
#[cfg(feature = "reqwest")]
pub(crate) fn default_transport() -> Result<Arc<dyn Transport>, ConfigError> {
    Ok(Arc::new(crate::ReqwestTransport::new()?))
}

#[cfg(not(feature = "reqwest"))]
pub(crate) fn default_transport() -> Result<Arc<dyn Transport>, ConfigError> {
    Err(ConfigError::NoTransport)
}
