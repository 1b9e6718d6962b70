//! The built-in transport: ureq 3 with rustls (aws-lc-rs) and the OS trust store.

mod classify;

use crate::Transport;
use clerk_m2m_types::{ConfigError, Delivery, TransportError, TransportErrorKind};
use http::{Method, Request, Response};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};

/// Default connect timeout (DNS, TCP and TLS handshake): 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default bound on each phase of an attempt (send, await the answer, read the body): 15 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default cap on a response body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default idle time after which a pooled connection is no longer used: 4 s.
///
/// Node.js and Apache close idle keep-alive connections after 5 s. A client
/// that keeps them longer eventually sends a request on a connection the
/// server is closing at that moment, and that request fails after its bytes
/// may have left: a create could then be neither retried nor trusted.
/// Retiring idle connections first avoids the race. (ureq also probes a
/// pooled connection before reusing it, so one the server has already
/// closed is never written to.)
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// The built-in [`Transport`]: ureq 3 over rustls.
///
/// - TLS: rustls with the aws-lc-rs crypto provider, named explicitly (never
///   a process-wide default), and the operating system's trust store through
///   `rustls-platform-verifier` — the same roots as the async client;
/// - redirects are never followed (they would forward `Authorization`): a
///   3xx is returned as the answer;
/// - HTTP/1.1; a pooled connection idle longer than
///   [`DEFAULT_POOL_IDLE_TIMEOUT`] is not reused, and one the server has
///   closed is detected (ureq probes it) and never written to;
/// - connect timeout [`DEFAULT_CONNECT_TIMEOUT`], and
///   [`DEFAULT_ATTEMPT_TIMEOUT`] for each later phase (send the request,
///   await the answer, read the body);
/// - the response body is refused past [`DEFAULT_MAX_BODY_BYTES`] with
///   [`TransportErrorKind::BodyTooLarge`];
/// - every response header is kept; 4xx and 5xx are answers, not errors;
/// - failures are classified: a refused connection, a DNS failure, a
///   connect timeout or a TLS handshake failure is [`Delivery::NotSent`]; a
///   timeout, a reset or a broken answer after the connection was made is
///   [`Delivery::MaybeSent`].
///
/// Proxies: ureq reads `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
/// `NO_PROXY` from the environment.
///
/// ```
/// use clerk_m2m_blocking::UreqTransport;
/// use std::time::Duration;
///
/// let transport = UreqTransport::builder()
///     .connect_timeout(Duration::from_secs(2))
///     .attempt_timeout(Duration::from_secs(5))
///     .max_body_bytes(64 * 1024)
///     .build()?;
/// # drop(transport);
/// # Ok::<(), clerk_m2m_blocking::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    settings: UreqTransportBuilder,
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the agent: its config may hold a proxy URL with credentials.
        f.debug_struct("UreqTransport")
            .field("connect_timeout", &self.settings.connect_timeout)
            .field("attempt_timeout", &self.settings.attempt_timeout)
            .field("pool_idle_timeout", &self.settings.pool_idle_timeout)
            .field("max_body_bytes", &self.settings.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// Builds a [`UreqTransport`]. Setters never fail.
#[derive(Clone, Debug)]
pub struct UreqTransportBuilder {
    connect_timeout: Duration,
    attempt_timeout: Duration,
    pool_idle_timeout: Duration,
    max_body_bytes: usize,
}

impl Default for UreqTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl UreqTransportBuilder {
    /// Bound on making the connection, DNS and TLS included (default 5 s). A
    /// connect timeout means the request was not sent.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on each phase of an attempt after connecting: sending the
    /// request, awaiting the answer's head, reading its body (default 15 s
    /// each). The client cannot interrupt a blocking attempt, so this is what
    /// bounds a server that never answers.
    ///
    /// Per phase rather than ureq's single global timeout: measured on
    /// loopback, the global timeout cost about 180 µs per request, several
    /// times the rest of the exchange.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Idle time after which a pooled connection is not reused (default
    /// 4 s; keep it below the server's keep-alive timeout, see
    /// [`DEFAULT_POOL_IDLE_TIMEOUT`]).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Largest response body accepted, in bytes (default 1 MiB).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Builds the transport.
    ///
    /// ureq sets TLS up on the first `https` connection, so this does not
    /// fail today; a TLS setup failure (e.g. the platform verifier cannot
    /// start) is reported by that first attempt as
    /// [`TransportErrorKind::Tls`], not sent.
    pub fn build(self) -> Result<UreqTransport, ConfigError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::PlatformVerifier)
            .unversioned_rustls_crypto_provider(provider)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_send_request(Some(self.attempt_timeout))
            .timeout_send_body(Some(self.attempt_timeout))
            .timeout_recv_response(Some(self.attempt_timeout))
            .timeout_recv_body(Some(self.attempt_timeout))
            .max_idle_age(self.pool_idle_timeout)
            .tls_config(tls)
            .build()
            .into();
        Ok(UreqTransport {
            agent,
            settings: self,
        })
    }
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

    /// The response body cap in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.settings.max_body_bytes
    }

    fn run(&self, request: Request<Vec<u8>>) -> Result<Response<ureq::Body>, ureq::Error> {
        let bodiless = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
        );
        if bodiless && request.body().is_empty() {
            // No `content-length: 0` on a GET, as `@clerk/backend` sends it.
            self.agent.run(request.map(|_| ureq::SendBody::none()))
        } else {
            self.agent.run(request)
        }
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let response = self.run(request).map_err(classify::classify)?;
        let (parts, mut body) = response.into_parts();
        let limit = self.settings.max_body_bytes;
        let body = body
            .with_config()
            .limit(u64::try_from(limit).unwrap_or(u64::MAX))
            .read_to_vec()
            .map_err(|error| match error {
                ureq::Error::BodyExceedsLimit(_) => {
                    TransportError::new(TransportErrorKind::BodyTooLarge { limit })
                        .with_delivery(Delivery::MaybeSent)
                }
                other => classify::classify(other),
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
