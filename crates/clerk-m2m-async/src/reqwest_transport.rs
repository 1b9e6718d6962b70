//! The built-in transport: reqwest 0.13 with rustls and the OS trust store.

mod classify;
mod request_url;

use crate::Transport;
use async_trait::async_trait;
use clerk_m2m_types::{
    AttemptBudget, ConfigError, Delivery, FromTransportSettings, Proxy, TlsBackend,
    TransportBuilder, TransportError, TransportErrorKind, TransportSettings,
};
use http::{Request, Response};
use std::fmt;
use std::time::Duration;

/// The built-in [`Transport`]: reqwest 0.13 over rustls, built from
/// [`TransportSettings`].
///
/// - TLS: rustls with the aws-lc-rs crypto provider and the operating
///   system's trust store (through `rustls-platform-verifier`), as reqwest's
///   `rustls` feature sets them up, plus any
///   [root certificates](TransportBuilder::add_root_certificates) added;
///   or the platform's TLS library with [`TlsBackend::NativeTls`] (feature
///   `native-tls`);
/// - redirects are never followed (they would forward `Authorization`);
///   reqwest's own retries are off (the client decides on retries);
/// - HTTP/1.1 only; pooled connections idle longer than the
///   [pool idle timeout](TransportBuilder::pool_idle_timeout) are dropped;
/// - a [connect timeout](TransportBuilder::connect_timeout) and a
///   whole-attempt [timeout](TransportBuilder::attempt_timeout), shortened
///   to the request's [`AttemptBudget`] (the time left before the call's
///   deadline);
/// - the response body is read chunk by chunk and refused past the
///   [cap](TransportBuilder::max_body_bytes) with
///   [`TransportErrorKind::BodyTooLarge`];
/// - every response header is kept; 4xx and 5xx are answers, not errors;
/// - failures are classified: a refused connection, a DNS failure, a
///   connect timeout or a TLS handshake failure is
///   [`Delivery::NotSent`]; a timeout, a reset or a broken answer after the
///   connection was made is [`Delivery::MaybeSent`].
///
/// Proxies: by default ([`Proxy::FromEnv`]) reqwest reads `HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case) when the transport
/// is built; [`Proxy::Url`] sends every request through one proxy and
/// [`Proxy::Disabled`] through none.
///
/// ```
/// use clerk_m2m_async::{Proxy, ReqwestTransport};
/// use std::time::Duration;
///
/// let transport = ReqwestTransport::builder()
///     .connect_timeout(Duration::from_secs(2))
///     .attempt_timeout(Duration::from_secs(5))
///     .max_body_bytes(64 * 1024)
///     .proxy(Proxy::Disabled)
///     .build()?;
/// assert_eq!(transport.max_body_bytes(), 64 * 1024);
/// # Ok::<(), clerk_m2m_async::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    /// The client's own bound on an attempt; `None` for a handed-in
    /// client, whose settings are not known.
    attempt_timeout: Option<Duration>,
    max_body_bytes: usize,
    request_url: std::sync::Arc<request_url::RequestUrl>,
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the client: its Debug lists proxies, whose URLs may hold credentials.
        f.debug_struct("ReqwestTransport")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// Builds a [`ReqwestTransport`]: the [`TransportBuilder`] of the settings
/// shared with the blocking client's transport.
pub type ReqwestTransportBuilder = TransportBuilder<ReqwestTransport>;

impl FromTransportSettings for ReqwestTransport {
    /// Fails if a setting cannot be applied (a proxy URL or a certificate
    /// reqwest refuses, a TLS backend not compiled in) or reqwest cannot set
    /// up TLS (e.g. the platform verifier cannot start).
    fn from_transport_settings(settings: TransportSettings) -> Result<Self, ConfigError> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .connect_timeout(settings.connect_timeout())
            .timeout(settings.attempt_timeout())
            .pool_idle_timeout(settings.pool_idle_timeout())
            .http1_only();
        let builder = with_proxy(builder, settings.proxy())?;
        let builder = with_tls(builder, &settings)?;
        let client = builder
            .build()
            .map_err(|error| ConfigError::TransportInit {
                reason: classify::describe_chain(&error),
            })?;
        Ok(ReqwestTransport {
            client,
            attempt_timeout: Some(settings.attempt_timeout()),
            max_body_bytes: settings.max_body_bytes(),
            request_url: Default::default(),
        })
    }
}

fn with_proxy(
    builder: reqwest::ClientBuilder,
    proxy: &Proxy,
) -> Result<reqwest::ClientBuilder, ConfigError> {
    Ok(match proxy {
        Proxy::Disabled => builder.no_proxy(),
        Proxy::Url(url) => {
            // reqwest's error would quote the URL, credentials included.
            let proxy = reqwest::Proxy::all(url.expose_secret()).map_err(|_| {
                ConfigError::InvalidProxyUrl {
                    reason: "refused by reqwest",
                }
            })?;
            builder.proxy(proxy)
        }
        // `FromEnv` and anything newer: reqwest's own environment lookup.
        _ => builder,
    })
}

/// The certificates of one PEM bundle, each checked to be a usable trust
/// anchor here, so a broken one is reported as such rather than as a
/// failure to build the client.
fn extra_roots(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = Vec::new();
    for der in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
        let der = der.map_err(|error| error.to_string())?;
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|error| error.to_string())?;
        roots.push(reqwest::Certificate::from_der(&der).map_err(|error| error.to_string())?);
    }
    if roots.is_empty() {
        return Err("no certificate in the bundle".to_owned());
    }
    Ok(roots)
}

fn with_tls(
    builder: reqwest::ClientBuilder,
    settings: &TransportSettings,
) -> Result<reqwest::ClientBuilder, ConfigError> {
    let mut roots = Vec::new();
    for (index, pem) in settings.root_certificates().iter().enumerate() {
        roots.extend(
            extra_roots(pem)
                .map_err(|reason| ConfigError::InvalidRootCertificate { index, reason })?,
        );
    }
    // Named explicitly: with reqwest's native-tls compiled in (by anyone in
    // the build), its default backend would be native-tls.
    let builder = match settings.tls_backend() {
        TlsBackend::Rustls => builder.tls_backend_rustls(),
        #[cfg(feature = "native-tls")]
        TlsBackend::NativeTls => builder.tls_backend_native(),
        backend => return Err(ConfigError::TlsBackendUnavailable { backend }),
    };
    Ok(if roots.is_empty() {
        builder
    } else {
        builder.tls_certs_merge(roots)
    })
}

impl ReqwestTransport {
    /// The transport with default settings.
    pub fn new() -> Result<Self, ConfigError> {
        Self::builder().build()
    }

    /// A builder for non-default settings.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// The transport with `settings`.
    pub fn with_settings(settings: TransportSettings) -> Result<Self, ConfigError> {
        Self::builder().settings(settings).build()
    }

    /// A transport sending through your own `client`, e.g. one with
    /// custom TLS, DNS or middleware-free connection settings.
    ///
    /// The client's configuration is yours, and so are its redirects,
    /// timeouts, proxy and TLS: set `redirect(Policy::none())` (a followed
    /// redirect would forward `Authorization`, and the client never sees
    /// it) and the timeouts you want. The transport still refuses a body
    /// over `max_body_bytes` and ends each attempt within the request's
    /// [`AttemptBudget`] (with one more timer: the client's own total
    /// timeout cannot be read, so it is left in place).
    ///
    /// ```
    /// use clerk_m2m_async::{ReqwestTransport, DEFAULT_MAX_BODY_BYTES};
    ///
    /// let client = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .timeout(std::time::Duration::from_secs(10))
    ///     .build()?;
    /// let transport = ReqwestTransport::from_client(client, DEFAULT_MAX_BODY_BYTES);
    /// assert_eq!(transport.max_body_bytes(), DEFAULT_MAX_BODY_BYTES);
    /// # Ok::<(), reqwest::Error>(())
    /// ```
    pub fn from_client(client: reqwest::Client, max_body_bytes: usize) -> Self {
        Self {
            client,
            attempt_timeout: None,
            max_body_bytes,
            request_url: Default::default(),
        }
    }

    /// The response body cap in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    fn too_large(&self) -> TransportError {
        TransportError::new(TransportErrorKind::BodyTooLarge {
            limit: self.max_body_bytes,
        })
    }

    /// Reads the body chunk by chunk, refusing it once it passes the cap.
    async fn read_body(&self, response: &mut reqwest::Response) -> Result<Vec<u8>, TransportError> {
        let limit = self.max_body_bytes;
        let announced = response.content_length();
        if announced.is_some_and(|length| length > limit as u64) {
            return Err(self.too_large());
        }
        let capacity = announced.map_or(0, |length| length as usize);
        let mut body = Vec::with_capacity(capacity);
        while let Some(chunk) = response.chunk().await.map_err(classify::classify)? {
            if chunk.len() > limit.saturating_sub(body.len()) {
                return Err(self.too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// `request` for reqwest. Like reqwest's own conversion, but the host is
    /// not parsed again for every request (`request_url`); the extensions
    /// stay behind (reqwest cannot take them, and nothing it runs reads
    /// ours).
    fn to_reqwest(&self, request: Request<Vec<u8>>) -> Result<reqwest::Request, TransportError> {
        let (parts, body) = request.into_parts();
        let url = self.request_url.of(&parts.uri).map_err(|error| {
            TransportError::new(TransportErrorKind::Other)
                .with_delivery(Delivery::NotSent)
                .with_source(error)
        })?;
        let mut converted = reqwest::Request::new(parts.method, url);
        *converted.headers_mut() = parts.headers;
        *converted.version_mut() = parts.version;
        *converted.body_mut() = Some(body.into());
        Ok(converted)
    }

    /// One exchange: the request, then the body within the cap.
    async fn exchange(
        &self,
        request: reqwest::Request,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(classify::classify)?;
        let body = self.read_body(&mut response).await?;
        let mut answer = Response::new(body);
        *answer.status_mut() = response.status();
        *answer.version_mut() = response.version();
        *answer.headers_mut() = std::mem::take(response.headers_mut());
        Ok(answer)
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    /// The budget becomes reqwest's own request timeout: one timer per attempt.
    fn enforces_attempt_budget(&self) -> bool {
        true
    }

    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let own_timeout = self.attempt_timeout.unwrap_or(Duration::MAX);
        let budget = AttemptBudget::tighter_bound(&request, own_timeout)?;
        let mut request = self.to_reqwest(request)?;
        match (budget, self.attempt_timeout) {
            (None, _) => self.exchange(request).await,
            // Replaces the client's attempt timeout for this request: still
            // one timer, and it covers the body too.
            (Some(budget), Some(_)) => {
                *request.timeout_mut() = Some(budget);
                self.exchange(request).await
            }
            // A handed-in client keeps its own timeout; the budget is one more.
            (Some(budget), None) => tokio::time::timeout(budget, self.exchange(request))
                .await
                .unwrap_or_else(|_elapsed| {
                    Err(TransportError::new(TransportErrorKind::Timeout)
                        .with_source("the attempt's budget elapsed"))
                }),
        }
    }
}

#[cfg(test)]
mod tests;
