//! Building a [`Client`]: configuration, transport, retries, deadline.

use crate::{Client, Transport, DEFAULT_CALL_TIMEOUT};
use clerk_m2m_types::{Config, ConfigError, RetryPolicy, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`Client`]. Setters never fail; [`build`](Self::build) validates.
///
/// The single-value setters (`base_url`, keys, …) override the matching
/// values of [`config`](Self::config), whatever the order of the calls.
///
/// ```
/// use clerk_m2m_blocking::{Client, Config, RetryPolicy, TransportError};
/// use std::time::Duration;
///
/// let config = Config::builder().base_url("http://127.0.0.1:8080").build()?;
/// let client = Client::builder()
///     .config(config)
///     .machine_secret_key("ak_test_example")
///     .retry_policy(RetryPolicy::never())
///     .call_timeout(Duration::from_secs(5))
///     .transport(|_request: http::Request<Vec<u8>>| {
///         Err::<http::Response<Vec<u8>>, _>(TransportError::other("offline"))
///     })
///     .build()?;
/// assert_eq!(client.config().base_url(), "http://127.0.0.1:8080");
/// assert_eq!(client.call_timeout(), Duration::from_secs(5));
/// # Ok::<(), clerk_m2m_blocking::ConfigError>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    config: Option<Config>,
    base_url: Option<String>,
    machine_secret_key: Option<SecretString>,
    secret_key: Option<SecretString>,
    api_version: Option<String>,
    m2m_path_prefix: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    retry_policy: Option<RetryPolicy>,
    call_timeout: Option<Duration>,
    #[cfg(feature = "jwt")]
    pub(crate) jwt: crate::jwt_settings::JwtSettings,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("base_url", &self.base_url)
            .field("machine_secret_key", &self.machine_secret_key)
            .field("secret_key", &self.secret_key)
            .field("api_version", &self.api_version)
            .field("m2m_path_prefix", &self.m2m_path_prefix)
            .field("custom_transport", &self.transport.is_some())
            .field("retry_policy", &self.retry_policy)
            .field("call_timeout", &self.call_timeout)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Starts from `config` (e.g. [`Config::from_env`]) instead of the defaults.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// The base URL (default `https://api.clerk.com`; a trailing `/` is dropped).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The machine secret key (`ak_…`): used for create and, by default, every call.
    pub fn machine_secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.machine_secret_key = Some(key.into());
        self
    }

    /// The instance secret key (`sk_…`): used when no machine key is set.
    pub fn secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// The `Clerk-API-Version` header value (default `2026-05-12`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The prefix before `/m2m_tokens`, e.g. `/v1` (default: none, as `@clerk/backend`).
    pub fn m2m_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.m2m_path_prefix = Some(prefix.into());
        self
    }

    /// The transport: a [`Transport`] implementation or a closure (default:
    /// `UreqTransport` when the `ureq` feature is on).
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A transport shared with other clients (one connection pool for
    /// several keys) or kept by a test for inspection.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]: 3 attempts, create
    /// retried only when certainly not sent or on 429).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Bound on one call, every attempt and wait included (default
    /// [`DEFAULT_CALL_TIMEOUT`], 30 s). `Duration::MAX` means no bound.
    ///
    /// A blocking attempt cannot be interrupted: each attempt is bounded by
    /// the transport's own timeout, and the client never starts an attempt
    /// or a wait past the deadline. Keep the transport's attempt timeout
    /// below this bound.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Validates the configuration and builds the client.
    ///
    /// Fails with [`ConfigError::NoTransport`] when no transport was set and
    /// the `ureq` feature is off.
    pub fn build(self) -> Result<Client, ConfigError> {
        let mut config = self
            .config
            .map(|config| config.to_builder())
            .unwrap_or_default();
        if let Some(base_url) = self.base_url {
            config = config.base_url(base_url);
        }
        if let Some(key) = self.machine_secret_key {
            config = config.machine_secret_key(key);
        }
        if let Some(key) = self.secret_key {
            config = config.secret_key(key);
        }
        if let Some(version) = self.api_version {
            config = config.api_version(version);
        }
        if let Some(prefix) = self.m2m_path_prefix {
            config = config.m2m_path_prefix(prefix);
        }
        let config = config.build()?;
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport()?,
        };
        #[cfg(feature = "jwt")]
        let local = self.jwt.build(&config)?;
        Ok(Client::from_parts(
            config,
            transport,
            self.retry_policy.unwrap_or_default(),
            self.call_timeout.unwrap_or(DEFAULT_CALL_TIMEOUT),
            #[cfg(feature = "jwt")]
            local,
        ))
    }
}

#[cfg(feature = "ureq")]
fn default_transport() -> Result<Arc<dyn Transport>, ConfigError> {
    Ok(Arc::new(crate::UreqTransport::new()?))
}

#[cfg(not(feature = "ureq"))]
fn default_transport() -> Result<Arc<dyn Transport>, ConfigError> {
    Err(ConfigError::NoTransport)
}
