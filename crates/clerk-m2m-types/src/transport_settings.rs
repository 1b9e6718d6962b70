//! Settings of the built-in HTTP transports, defined once for both.
//!
//! The async client's `ReqwestTransport` and the blocking client's
//! `UreqTransport` are both built from a [`TransportSettings`], through the
//! one [`TransportBuilder`]: a setting means the same thing for both and is
//! added in one place. This module holds only values; the transports apply
//! them.

use crate::error::ConfigError;
use crate::SecretString;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// Default connect timeout (name resolution, TCP and TLS handshake): 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default bound on one attempt, from connecting to the last body byte: 15 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default cap on a response body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default idle time after which a pooled connection is no longer used: 4 s.
///
/// Node.js and Apache close idle keep-alive connections after 5 s. A client
/// that keeps them longer eventually sends a request on a connection the
/// server is closing at that moment, and that request fails after its bytes
/// may have left: a create could then be neither retried nor trusted.
/// Retiring idle connections first avoids the race.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// Which proxy a built-in transport sends through.
///
/// `Debug` never shows the URL (it may carry credentials).
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proxy {
    /// The proxy named by the environment (the default): `HTTPS_PROXY`,
    /// `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, in either case, as each
    /// HTTP library reads them when the transport is built.
    #[default]
    FromEnv,
    /// No proxy, whatever the environment says.
    Disabled,
    /// Every request goes through this `http://` or `https://` proxy URL
    /// (credentials as `http://user:password@host:port`); `NO_PROXY` is not
    /// consulted.
    Url(SecretString),
}

impl Proxy {
    /// Every request through the proxy at `url`, e.g. `http://proxy.internal:3128`.
    pub fn url(url: impl Into<String>) -> Self {
        Self::Url(SecretString::new(url))
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FromEnv => f.write_str("FromEnv"),
            Self::Disabled => f.write_str("Disabled"),
            Self::Url(_) => f.write_str("Url([redacted])"),
        }
    }
}

/// The TLS implementation of a built-in transport.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsBackend {
    /// rustls with the aws-lc-rs provider and the operating system's trust
    /// store (the default).
    #[default]
    Rustls,
    /// The platform's TLS library through the `native-tls` crate (OpenSSL on
    /// Linux, Secure Transport on macOS, SChannel on Windows). Needs the
    /// client crate's `native-tls` feature; without it, building the
    /// transport fails with [`ConfigError::TlsBackendUnavailable`].
    NativeTls,
}

impl TlsBackend {
    /// The backend's name, as in the feature that enables it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rustls => "rustls",
            Self::NativeTls => "native-tls",
        }
    }
}

/// Settings of a built-in transport: timeouts, body cap, pooling, proxy and TLS.
///
/// Made with [`TransportSettings::builder`] (validated when built) or
/// [`Default`]. Each built-in transport applies all of them the same way:
///
/// - [`connect_timeout`](Self::connect_timeout): making the connection,
///   name resolution and TLS included. A connect timeout means the request
///   was not sent;
/// - [`attempt_timeout`](Self::attempt_timeout): one attempt, from
///   connecting to the last body byte. A request that carries an
///   [`AttemptBudget`](crate::AttemptBudget) (the clients attach the time left
///   before the call's deadline) is bounded by the smaller of the two;
/// - [`max_body_bytes`](Self::max_body_bytes): a longer response body is
///   refused, whether announced by `Content-Length` or sent chunked;
/// - [`pool_idle_timeout`](Self::pool_idle_timeout): see
///   [`DEFAULT_POOL_IDLE_TIMEOUT`];
/// - [`proxy`](Self::proxy), [`root_certificates`](Self::root_certificates)
///   and [`tls_backend`](Self::tls_backend) for networks that need them.
///
/// ```
/// use clerk_m2m_types::{Proxy, TransportSettings};
/// use std::time::Duration;
///
/// let settings = TransportSettings::builder()
///     .attempt_timeout(Duration::from_secs(5))
///     .max_body_bytes(64 * 1024)
///     .proxy(Proxy::url("http://proxy.internal:3128"))
///     .build()?;
/// assert_eq!(settings.attempt_timeout(), Duration::from_secs(5));
/// assert_eq!(settings.connect_timeout(), clerk_m2m_types::DEFAULT_CONNECT_TIMEOUT);
/// assert!(!format!("{settings:?}").contains("proxy.internal"));
/// # Ok::<(), clerk_m2m_types::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportSettings {
    connect_timeout: Duration,
    attempt_timeout: Duration,
    pool_idle_timeout: Duration,
    max_body_bytes: usize,
    proxy: Proxy,
    root_certificates: Vec<Vec<u8>>,
    tls_backend: TlsBackend,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            proxy: Proxy::FromEnv,
            root_certificates: Vec::new(),
            tls_backend: TlsBackend::Rustls,
        }
    }
}

impl fmt::Debug for TransportSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportSettings")
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("proxy", &self.proxy)
            .field("root_certificates", &self.root_certificates.len())
            .field("tls_backend", &self.tls_backend)
            .finish()
    }
}

impl TransportSettings {
    /// A builder starting from the defaults.
    pub fn builder() -> TransportBuilder<TransportSettings> {
        TransportBuilder::from_settings(Self::default())
    }

    /// A builder starting from these settings.
    pub fn to_builder(&self) -> TransportBuilder<TransportSettings> {
        TransportBuilder::from_settings(self.clone())
    }

    /// Bound on making the connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Bound on one attempt, connect to last body byte (default [`DEFAULT_ATTEMPT_TIMEOUT`]).
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// Idle time after which a pooled connection is not reused (default [`DEFAULT_POOL_IDLE_TIMEOUT`]).
    pub fn pool_idle_timeout(&self) -> Duration {
        self.pool_idle_timeout
    }

    /// Largest response body accepted, in bytes (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The proxy (default [`Proxy::FromEnv`]).
    pub fn proxy(&self) -> &Proxy {
        &self.proxy
    }

    /// PEM bundles trusted in addition to the operating system's roots
    /// (default none).
    pub fn root_certificates(&self) -> &[Vec<u8>] {
        &self.root_certificates
    }

    /// The TLS implementation (default [`TlsBackend::Rustls`]).
    pub fn tls_backend(&self) -> TlsBackend {
        self.tls_backend
    }

    /// Checks what can be checked without an HTTP library: the proxy URL's
    /// form and that each PEM bundle holds certificates.
    fn validate(&self) -> Result<(), ConfigError> {
        if let Proxy::Url(url) = &self.proxy {
            check_proxy_url(url.expose_secret())?;
        }
        for (index, pem) in self.root_certificates.iter().enumerate() {
            check_pem_certificates(pem).map_err(|reason| ConfigError::InvalidRootCertificate {
                index,
                reason: reason.to_owned(),
            })?;
        }
        Ok(())
    }
}

/// What can be built from [`TransportSettings`]: a transport, or the
/// settings themselves. Implement it for your own transport to get a
/// [`TransportBuilder`] for it.
pub trait FromTransportSettings: Sized {
    /// Builds `Self` from validated settings.
    fn from_transport_settings(settings: TransportSettings) -> Result<Self, ConfigError>;
}

impl FromTransportSettings for TransportSettings {
    fn from_transport_settings(settings: TransportSettings) -> Result<Self, ConfigError> {
        Ok(settings)
    }
}

/// Sets [`TransportSettings`], then builds `T` from them: the settings
/// themselves ([`TransportSettings::builder`]) or a transport
/// (`ReqwestTransport::builder()`, `UreqTransport::builder()`). Setters
/// never fail; [`build`](Self::build) validates.
///
/// ```
/// use clerk_m2m_types::{TlsBackend, TransportSettings};
/// use std::time::Duration;
///
/// let settings = TransportSettings::builder()
///     .connect_timeout(Duration::from_secs(2))
///     .pool_idle_timeout(Duration::from_secs(1))
///     .tls_backend(TlsBackend::Rustls)
///     .build()?;
/// assert_eq!(settings.pool_idle_timeout(), Duration::from_secs(1));
/// let bad = TransportSettings::builder().add_root_certificates("not pem").build();
/// assert!(bad.is_err());
/// # Ok::<(), clerk_m2m_types::ConfigError>(())
/// ```
pub struct TransportBuilder<T> {
    settings: TransportSettings,
    target: PhantomData<fn() -> T>,
}

impl<T> Clone for TransportBuilder<T> {
    fn clone(&self) -> Self {
        Self::from_settings(self.settings.clone())
    }
}

impl<T> fmt::Debug for TransportBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TransportBuilder")
            .field(&self.settings)
            .finish()
    }
}

impl<T> Default for TransportBuilder<T> {
    fn default() -> Self {
        Self::from_settings(TransportSettings::default())
    }
}

impl<T> TransportBuilder<T> {
    /// A builder starting from `settings`.
    pub fn from_settings(settings: TransportSettings) -> Self {
        Self {
            settings,
            target: PhantomData,
        }
    }

    /// Replaces every setting with `settings`.
    pub fn settings(mut self, settings: TransportSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Bound on making the connection, name resolution and TLS included
    /// (default 5 s). A connect timeout means the request was not sent.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Bound on one attempt, from connecting to the last body byte (default
    /// 15 s). An attempt is also bounded by the request's
    /// [`AttemptBudget`](crate::AttemptBudget), the time left before the
    /// call's deadline, whichever ends first.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout = timeout;
        self
    }

    /// Idle time after which a pooled connection is not reused (default
    /// 4 s; keep it below the server's keep-alive timeout, see
    /// [`DEFAULT_POOL_IDLE_TIMEOUT`]).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.settings.pool_idle_timeout = timeout;
        self
    }

    /// Largest response body accepted, in bytes (default 1 MiB). A longer
    /// body fails the attempt with
    /// [`TransportErrorKind::BodyTooLarge`](crate::TransportErrorKind::BodyTooLarge).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_body_bytes = bytes;
        self
    }

    /// The proxy (default [`Proxy::FromEnv`]).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.settings.proxy = proxy;
        self
    }

    /// Also trusts the certificates of this PEM bundle (one or more
    /// `-----BEGIN CERTIFICATE-----` blocks), in addition to the operating
    /// system's roots: for a private CA, e.g. a TLS-intercepting proxy. May be
    /// called more than once.
    pub fn add_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.settings.root_certificates.push(pem.into());
        self
    }

    /// The TLS implementation (default [`TlsBackend::Rustls`]).
    pub fn tls_backend(mut self, backend: TlsBackend) -> Self {
        self.settings.tls_backend = backend;
        self
    }
}

impl<T: FromTransportSettings> TransportBuilder<T> {
    /// Validates the settings and builds `T` from them.
    ///
    /// Fails with [`ConfigError::InvalidProxyUrl`] or
    /// [`ConfigError::InvalidRootCertificate`] for values that cannot work,
    /// and with whatever `T` reports (e.g.
    /// [`ConfigError::TlsBackendUnavailable`]).
    pub fn build(self) -> Result<T, ConfigError> {
        self.settings.validate()?;
        T::from_transport_settings(self.settings)
    }
}

fn check_proxy_url(url: &str) -> Result<(), ConfigError> {
    let invalid = |reason| Err(ConfigError::InvalidProxyUrl { reason });
    let Ok(uri) = url.parse::<http::Uri>() else {
        return invalid("not a URL");
    };
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(_) => return invalid("the scheme must be http or https"),
        None => return invalid("no scheme: write http://host:port"),
    }
    match uri.host() {
        Some(host) if !host.is_empty() => {}
        _ => return invalid("no host"),
    }
    match uri.path_and_query().map(|path| path.as_str()) {
        None | Some("" | "/") => Ok(()),
        Some(_) => invalid("a proxy URL has no path or query"),
    }
}

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

/// Whether `pem` holds at least one well-formed certificate block. The
/// HTTP library decodes the DER inside.
fn check_pem_certificates(pem: &[u8]) -> Result<(), &'static str> {
    let text = std::str::from_utf8(pem).map_err(|_| "not UTF-8 text")?;
    let mut rest = text;
    let mut blocks = 0;
    while let Some(start) = rest.find(PEM_BEGIN) {
        let after = &rest[start + PEM_BEGIN.len()..];
        let end = after
            .find(PEM_END)
            .ok_or("a certificate block has no END line")?;
        let body = &after[..end];
        let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
        if body.trim().is_empty() || !body.chars().all(|c| base64(c) || c.is_ascii_whitespace()) {
            return Err("a certificate block is not base64");
        }
        blocks += 1;
        rest = &after[end + PEM_END.len()..];
    }
    if blocks == 0 {
        return Err("no -----BEGIN CERTIFICATE----- block");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str =
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n";

    #[test]
    fn defaults_are_the_documented_constants() {
        let settings = TransportSettings::builder().build().unwrap();
        assert_eq!(settings, TransportSettings::default());
        assert_eq!(settings.connect_timeout(), Duration::from_secs(5));
        assert_eq!(settings.attempt_timeout(), Duration::from_secs(15));
        assert_eq!(settings.pool_idle_timeout(), Duration::from_secs(4));
        assert_eq!(settings.max_body_bytes(), 1024 * 1024);
        assert_eq!(settings.proxy(), &Proxy::FromEnv);
        assert!(settings.root_certificates().is_empty());
        assert_eq!(settings.tls_backend(), TlsBackend::Rustls);
    }

    #[test]
    fn setters_set_and_the_builder_round_trips() {
        let settings = TransportSettings::builder()
            .connect_timeout(Duration::from_millis(1))
            .attempt_timeout(Duration::from_millis(2))
            .pool_idle_timeout(Duration::from_millis(3))
            .max_body_bytes(4)
            .proxy(Proxy::Disabled)
            .add_root_certificates(PEM)
            .add_root_certificates(PEM.repeat(2))
            .tls_backend(TlsBackend::NativeTls)
            .build()
            .unwrap();
        assert_eq!(settings.connect_timeout(), Duration::from_millis(1));
        assert_eq!(settings.attempt_timeout(), Duration::from_millis(2));
        assert_eq!(settings.pool_idle_timeout(), Duration::from_millis(3));
        assert_eq!(settings.max_body_bytes(), 4);
        assert_eq!(settings.proxy(), &Proxy::Disabled);
        assert_eq!(settings.root_certificates().len(), 2);
        assert_eq!(settings.tls_backend(), TlsBackend::NativeTls);
        assert_eq!(settings.to_builder().build().unwrap(), settings);
    }

    #[test]
    fn proxy_urls_are_checked_without_echoing_them() {
        for (url, reason) in [
            ("proxy.internal:3128", "no scheme: write http://host:port"),
            (
                "socks5://proxy.internal:1080",
                "the scheme must be http or https",
            ),
            ("http://", "not a URL"),
            (
                "http://user:hunter2@proxy.internal:3128/path",
                "a proxy URL has no path or query",
            ),
            ("not a url at all", "not a URL"),
        ] {
            let error = TransportSettings::builder()
                .proxy(Proxy::url(url))
                .build()
                .unwrap_err();
            assert_eq!(error, ConfigError::InvalidProxyUrl { reason }, "{url}");
            assert!(!error.to_string().contains("hunter2"), "{error}");
        }
        for url in ["http://proxy.internal:3128", "https://u:p@10.0.0.1:8443/"] {
            let settings = TransportSettings::builder().proxy(Proxy::url(url)).build();
            assert!(settings.is_ok(), "{url}");
        }
    }

    #[test]
    fn root_certificates_must_be_pem_certificate_blocks() {
        for (pem, reason) in [
            (b"".to_vec(), "no -----BEGIN CERTIFICATE----- block"),
            (b"MIIB".to_vec(), "no -----BEGIN CERTIFICATE----- block"),
            (vec![0xff, 0xfe], "not UTF-8 text"),
            (
                b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec(),
                "a certificate block has no END line",
            ),
            (
                b"-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----".to_vec(),
                "a certificate block is not base64",
            ),
            (
                b"-----BEGIN CERTIFICATE-----\nMI*B\n-----END CERTIFICATE-----".to_vec(),
                "a certificate block is not base64",
            ),
        ] {
            let error = TransportSettings::builder()
                .add_root_certificates(PEM)
                .add_root_certificates(pem)
                .build()
                .unwrap_err();
            assert_eq!(
                error,
                ConfigError::InvalidRootCertificate {
                    index: 1,
                    reason: reason.to_owned()
                }
            );
        }
    }

    #[test]
    fn debug_hides_the_proxy_url_and_certificate_bytes() {
        let settings = TransportSettings::builder()
            .proxy(Proxy::url("http://user:hunter2@proxy.internal:3128"))
            .add_root_certificates(PEM)
            .build()
            .unwrap();
        let text = format!("{settings:?} {:?}", settings.to_builder());
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("proxy.internal"), "{text}");
        assert!(!text.contains("MIIB"), "{text}");
        assert!(text.contains("root_certificates: 1"), "{text}");
    }
}
