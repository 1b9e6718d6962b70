//! The built-in transport: ureq 3 with rustls (aws-lc-rs) and the OS trust store.

mod classify;
mod resolver;
mod whole_millisecond_timeouts;

#[cfg(feature = "fuzzing")]
pub(crate) use classify::classify as classify_error;

use crate::Transport;
use clerk_m2m_types::{
    AttemptBudget, ConfigError, Delivery, FromTransportSettings, Proxy, TlsBackend,
    TransportBuilder, TransportError, TransportErrorKind, TransportSettings,
};
use http::{Method, Request, Response};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::transport::Connector as _;
use ureq::AsSendBody;

/// The built-in [`Transport`]: ureq 3 over rustls, built from
/// [`TransportSettings`].
///
/// - TLS: rustls with the aws-lc-rs crypto provider, named explicitly (never
///   a process-wide default), and the operating system's trust store through
///   `rustls-platform-verifier` — the same roots as the async client; with
///   [root certificates](TransportBuilder::add_root_certificates) added, the
///   operating system's roots (read once, through `rustls-native-certs`) and
///   those; or the platform's TLS library with [`TlsBackend::NativeTls`]
///   (feature `native-tls`);
/// - redirects are never followed (they would forward `Authorization`): a
///   3xx is returned as the answer;
/// - HTTP/1.1; a pooled connection idle longer than the
///   [pool idle timeout](TransportBuilder::pool_idle_timeout) is not reused,
///   and one the server has closed is detected (ureq probes it) and never
///   written to;
/// - a [connect timeout](TransportBuilder::connect_timeout) and a
///   whole-attempt [timeout](TransportBuilder::attempt_timeout), shortened
///   to the request's [`AttemptBudget`] (the time left before the call's
///   deadline): an attempt ends in time whatever the server does (silent,
///   late, dribbling or stalling the body), so a blocking call ends at its
///   deadline;
/// - the response body is refused past the
///   [cap](TransportBuilder::max_body_bytes) with
///   [`TransportErrorKind::BodyTooLarge`];
/// - every response header is kept; 4xx and 5xx are answers, not errors;
/// - failures are classified: a refused connection, a DNS failure, a
///   connect timeout or a TLS handshake failure is [`Delivery::NotSent`]; a
///   timeout, a reset or a broken answer after the connection was made is
///   [`Delivery::MaybeSent`].
///
/// Proxies: by default ([`Proxy::FromEnv`]) ureq reads `ALL_PROXY`,
/// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (either case) when the
/// transport is built, and tunnels through the proxy with `CONNECT`;
/// [`Proxy::Url`] sends every request through one proxy and
/// [`Proxy::Disabled`] through none.
///
/// Logging: ureq writes every byte it sends and receives (the
/// `Authorization` header, token values in bodies) at TRACE through the
/// `log` crate, and cannot be told not to. The transport runs each exchange
/// with no `tracing` subscriber in effect on its thread, so a `tracing`
/// subscriber, including one that takes `log` records through
/// `tracing-log`, receives none of ureq's records; the client's own attempt
/// span (feature `tracing`) is recorded outside. A `log` logger installed
/// directly (`env_logger` and the like) is process-wide and cannot be
/// scoped: keep the `ureq` and `ureq_proto` targets below TRACE there, e.g.
/// `RUST_LOG=trace,ureq=info,ureq_proto=info`.
///
/// ```
/// use clerk_m2m_blocking::{Proxy, UreqTransport};
/// use std::time::Duration;
///
/// let transport = UreqTransport::builder()
///     .connect_timeout(Duration::from_secs(2))
///     .attempt_timeout(Duration::from_secs(5))
///     .max_body_bytes(64 * 1024)
///     .proxy(Proxy::Disabled)
///     .build()?;
/// assert_eq!(transport.max_body_bytes(), 64 * 1024);
/// # Ok::<(), clerk_m2m_blocking::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    /// The agent's own bound on an attempt (`Duration::MAX`: none).
    attempt_timeout: Duration,
    max_body_bytes: usize,
    /// Whether the agent was handed in: its config is the caller's, so each
    /// request sets what the contract needs.
    handed_in: bool,
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the agent: its config may hold a proxy URL with credentials.
        f.debug_struct("UreqTransport")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// Builds a [`UreqTransport`]: the [`TransportBuilder`] of the settings
/// shared with the async client's transport.
pub type UreqTransportBuilder = TransportBuilder<UreqTransport>;

impl FromTransportSettings for UreqTransport {
    /// Fails if a setting cannot be applied (a proxy URL or a certificate
    /// ureq refuses, a TLS backend not compiled in).
    ///
    /// ureq sets TLS up on the first `https` connection: a TLS setup failure
    /// (e.g. the platform verifier cannot start) is reported by that first
    /// attempt as [`TransportErrorKind::Tls`], not sent.
    fn from_transport_settings(settings: TransportSettings) -> Result<Self, ConfigError> {
        // One whole-attempt timeout rather than one per phase: ureq checks it
        // in every phase, the body included, and `send` shortens it to the
        // attempt's budget.
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(settings.connect_timeout()))
            .timeout_global(Some(settings.attempt_timeout()))
            .max_idle_age(settings.pool_idle_timeout())
            .tls_config(tls_config(&settings)?);
        let config = match settings.proxy() {
            Proxy::Disabled => config.proxy(None),
            Proxy::Url(url) => {
                // ureq's error would quote the URL, credentials included.
                let proxy = ureq::Proxy::new(url.expose_secret()).map_err(|_| {
                    ConfigError::InvalidProxyUrl {
                        reason: "refused by ureq",
                    }
                })?;
                config.proxy(Some(proxy))
            }
            // `FromEnv` and anything newer: ureq's default config read the environment.
            _ => config,
        };
        let agent = ureq::Agent::with_parts(
            config.build(),
            ureq::unversioned::transport::DefaultConnector::new()
                .chain(whole_millisecond_timeouts::WholeMillisecondTimeouts),
            resolver::LiteralFirstResolver::default(),
        );
        Ok(UreqTransport {
            agent,
            attempt_timeout: settings.attempt_timeout(),
            max_body_bytes: settings.max_body_bytes(),
            handed_in: false,
        })
    }
}

fn tls_config(settings: &TransportSettings) -> Result<TlsConfig, ConfigError> {
    let provider = match settings.tls_backend() {
        TlsBackend::Rustls => TlsProvider::Rustls,
        #[cfg(feature = "native-tls")]
        TlsBackend::NativeTls => TlsProvider::NativeTls,
        backend => return Err(ConfigError::TlsBackendUnavailable { backend }),
    };
    let roots = if settings.root_certificates().is_empty() {
        RootCerts::PlatformVerifier
    } else {
        // ureq cannot add roots to the platform verifier: trust the
        // operating system's roots, read here, and the extra ones.
        let mut roots: Vec<ureq::tls::Certificate<'static>> =
            rustls_native_certs::load_native_certs()
                .certs
                .iter()
                .map(|der| ureq::tls::Certificate::from_der(der).to_owned())
                .collect();
        for (index, pem) in settings.root_certificates().iter().enumerate() {
            roots.extend(
                extra_roots(pem)
                    .map_err(|reason| ConfigError::InvalidRootCertificate { index, reason })?,
            );
        }
        RootCerts::Specific(Arc::new(roots))
    };
    let provider_crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(TlsConfig::builder()
        .provider(provider)
        .root_certs(roots)
        .unversioned_rustls_crypto_provider(provider_crypto)
        .build())
}

/// The certificates of one PEM bundle, each checked to be a usable trust
/// anchor (ureq would skip a broken one silently).
fn extra_roots(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    let mut roots = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        let ureq::tls::PemItem::Certificate(certificate) =
            item.map_err(|error| error.to_string())?
        else {
            continue;
        };
        rustls::RootCertStore::empty()
            .add(certificate.der().to_vec().into())
            .map_err(|error| error.to_string())?;
        roots.push(certificate);
    }
    if roots.is_empty() {
        return Err("no certificate in the bundle".to_owned());
    }
    Ok(roots)
}

impl UreqTransport {
    /// The transport with default settings.
    pub fn new() -> Result<Self, ConfigError> {
        Self::builder().build()
    }

    /// A builder for non-default settings.
    pub fn builder() -> UreqTransportBuilder {
        UreqTransportBuilder::default()
    }

    /// The transport with `settings`.
    pub fn with_settings(settings: TransportSettings) -> Result<Self, ConfigError> {
        Self::builder().settings(settings).build()
    }

    /// A transport sending through your own `agent`, e.g. one with a
    /// custom connector, resolver or TLS setup.
    ///
    /// The agent's configuration is yours, and so are its redirects,
    /// timeouts, proxy and TLS: set `max_redirects(0)` (a followed redirect
    /// is never seen by the client) and the timeouts you want. The transport
    /// still, for each request: returns 4xx and 5xx as answers (it turns
    /// `http_status_as_error` off), refuses a body over `max_body_bytes`,
    /// shortens the agent's global timeout to the request's
    /// [`AttemptBudget`], and keeps ureq's wire log away from `tracing`.
    /// With ureq's default resolver, an attempt with a budget resolves a
    /// host name on a helper thread (ureq's way of bounding it).
    ///
    /// ```
    /// use clerk_m2m_blocking::{UreqTransport, DEFAULT_MAX_BODY_BYTES};
    ///
    /// let agent: ureq::Agent = ureq::Agent::config_builder()
    ///     .max_redirects(0)
    ///     .timeout_global(Some(std::time::Duration::from_secs(10)))
    ///     .build()
    ///     .into();
    /// let transport = UreqTransport::from_agent(agent, DEFAULT_MAX_BODY_BYTES);
    /// assert_eq!(transport.max_body_bytes(), DEFAULT_MAX_BODY_BYTES);
    /// ```
    pub fn from_agent(agent: ureq::Agent, max_body_bytes: usize) -> Self {
        let attempt_timeout = agent.config().timeouts().global.unwrap_or(Duration::MAX);
        Self {
            agent,
            attempt_timeout,
            max_body_bytes,
            handed_in: true,
        }
    }

    /// The response body cap in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Sends the request and reads the head; `budget` shortens the
    /// agent's attempt timeout for this request.
    fn run(
        &self,
        request: Request<Vec<u8>>,
        budget: Option<Duration>,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        let bodiless = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
        );
        if bodiless && request.body().is_empty() {
            // No `content-length: 0` on a GET, as `@clerk/backend` sends it.
            self.run_bounded(request.map(|_| ureq::SendBody::none()), budget)
        } else {
            self.run_bounded(request, budget)
        }
    }

    fn run_bounded<B: AsSendBody>(
        &self,
        request: Request<B>,
        budget: Option<Duration>,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        if budget.is_none() && !self.handed_in {
            return self.agent.run(request);
        }
        // A request-level config: ureq still pools the connection, since
        // neither setting concerns the connection.
        let mut config = self.agent.configure_request(request);
        if self.handed_in {
            config = config.http_status_as_error(false);
        }
        if budget.is_some() {
            config = config.timeout_global(budget);
        }
        self.agent.run(config.build())
    }

    /// The body, within the cap. ureq's attempt timeout, set when the
    /// request was sent, bounds every read.
    fn read_body(&self, body: &mut ureq::Body) -> Result<Vec<u8>, TransportError> {
        let limit = self.max_body_bytes;
        let too_large = || {
            TransportError::new(TransportErrorKind::BodyTooLarge { limit })
                .with_delivery(Delivery::MaybeSent)
        };
        // An announced length over the cap is refused before any byte of it.
        if body
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large());
        }
        body.with_config()
            .limit(u64::try_from(limit).unwrap_or(u64::MAX))
            .read_to_vec()
            .map_err(|error| match error {
                ureq::Error::BodyExceedsLimit(_) => too_large(),
                other => classify::classify(other),
            })
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let budget = AttemptBudget::tighter_bound(&request, self.attempt_timeout)?;
        // ureq logs every byte it sends and receives (the `Authorization`
        // header, token values in bodies) at TRACE through `log`, whatever
        // its configuration. With no `tracing` subscriber in effect on this
        // thread for the exchange, a subscriber that bridges `log`
        // (`tracing-log`) receives none of it.
        let silent = tracing_core::Dispatch::none();
        let (parts, body) = tracing_core::dispatcher::with_default(&silent, || {
            let response = self.run(request, budget).map_err(classify::classify)?;
            let (parts, mut body) = response.into_parts();
            self.read_body(&mut body).map(|body| (parts, body))
        })?;
        let mut answer = Response::new(body);
        *answer.status_mut() = parts.status;
        *answer.version_mut() = parts.version;
        *answer.headers_mut() = parts.headers;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests;
