//! Building a [`Client`]: its [`Config`] and its transport.

use crate::{Client, Transport};
use clerk_m2m_types::{Config, ConfigBuilder, ConfigError};
use std::fmt;
use std::sync::Arc;

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
#[derive(Default)]
pub struct ClientBuilder {
    config: ConfigBuilder,
    transport: Option<Arc<dyn Transport>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("custom_transport", &self.transport.is_some())
            .finish()
    }
}

impl ClientBuilder {
    clerk_m2m_types::config_setters!();

    /// The transport: a [`Transport`] implementation, a closure, or an
    /// `Arc` of one shared with other clients (default: `ReqwestTransport`
    /// when the `reqwest` feature is on).
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Validates the configuration and builds the client.
    ///
    /// Fails with [`ConfigError::NoTransport`] when no transport was set and
    /// the `reqwest` feature is off.
    pub fn build(self) -> Result<Client, ConfigError> {
        let config = self.config.build()?;
        match self.transport {
            Some(transport) => Client::from_shared_transport(config, transport),
            None => Client::new(config),
        }
    }
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

/// For `Client::builder().config(...)`-style code that holds a `Config`.
impl From<Config> for ClientBuilder {
    fn from(config: Config) -> Self {
        Self {
            config: config.to_builder(),
            transport: None,
        }
    }
}
