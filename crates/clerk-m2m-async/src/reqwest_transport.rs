//! The built-in transport: reqwest 0.13 with rustls and the OS trust store.

mod classify;

use crate::Transport;
use async_trait::async_trait;
use clerk_m2m_types::{ConfigError, Delivery, TransportError, TransportErrorKind};
use http::{Request, Response};
use std::time::Duration;

/// Default connect timeout: 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default bound on one attempt (connect, send, receive the whole body): 15 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default cap on a response body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default idle time after which a pooled connection is dropped: 4 s.
///
/// Node.js and Apache close idle keep-alive connections after 5 s. A client
/// that keeps them longer eventually sends a request on a connection the
/// server is closing at that moment, and that request fails after its bytes
/// may have left: a create could then be neither retried nor trusted.
/// Dropping idle connections first avoids the race.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// The built-in [`Transport`]: reqwest 0.13 over rustls.
///
/// - TLS: rustls with the aws-lc-rs crypto provider and the operating
///   system's trust store (through `rustls-platform-verifier`), as reqwest's
///   `rustls` feature sets them up; this crate builds no TLS config itself;
/// - redirects are never followed (they would forward `Authorization`);
///   reqwest's own retries are off (the client decides on retries);
/// - HTTP/1.1 only; pooled connections idle longer than
///   [`DEFAULT_POOL_IDLE_TIMEOUT`] are dropped;
/// - connect timeout [`DEFAULT_CONNECT_TIMEOUT`], whole-attempt timeout
///   [`DEFAULT_ATTEMPT_TIMEOUT`];
/// - the response body is read chunk by chunk and refused past
///   [`DEFAULT_MAX_BODY_BYTES`] with [`TransportErrorKind::BodyTooLarge`];
/// - every response header is kept; 4xx and 5xx are answers, not errors;
/// - failures are classified: a refused connection, a DNS failure, a
///   connect timeout or a TLS handshake failure is
///   [`Delivery::NotSent`]; a timeout, a reset or a broken answer after the
///   connection was made is [`Delivery::MaybeSent`].
///
/// Proxies: reqwest reads `HTTPS_PROXY` and friends only when its
/// `system-proxy` feature is enabled (features are additive, so enabling it
/// in your own `Cargo.toml` applies here).
///
/// ```
/// use clerk_m2m_async::ReqwestTransport;
/// use std::time::Duration;
///
/// let transport = ReqwestTransport::builder()
///     .connect_timeout(Duration::from_secs(2))
///     .attempt_timeout(Duration::from_secs(5))
///     .max_body_bytes(64 * 1024)
///     .build()?;
/// # drop(transport);
/// # Ok::<(), clerk_m2m_async::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_bytes: usize,
}

/// Builds a [`ReqwestTransport`]. Setters never fail.
#[derive(Clone, Debug)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    attempt_timeout: Duration,
    pool_idle_timeout: Duration,
    max_body_bytes: usize,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl ReqwestTransportBuilder {
    /// Bound on making the connection, TLS included (default 5 s). A connect
    /// timeout means the request was not sent.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on one attempt from connect to the last body byte (default 15 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Idle time before a pooled connection is dropped (default 4 s; keep it
    /// below the server's keep-alive timeout, see [`DEFAULT_POOL_IDLE_TIMEOUT`]).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Largest response body accepted, in bytes (default 1 MiB).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Builds the transport. Fails only if reqwest cannot set up TLS (e.g.
    /// the platform verifier cannot start).
    pub fn build(self) -> Result<ReqwestTransport, ConfigError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .connect_timeout(self.connect_timeout)
            .timeout(self.attempt_timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .http1_only()
            .build()
            .map_err(|error| ConfigError::TransportInit {
                reason: classify::describe_chain(&error),
            })?;
        Ok(ReqwestTransport {
            client,
            max_body_bytes: self.max_body_bytes,
        })
    }
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
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let request = reqwest::Request::try_from(request).map_err(|error| {
            TransportError::new(TransportErrorKind::Other)
                .with_delivery(Delivery::NotSent)
                .with_source(error)
        })?;
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

#[cfg(test)]
mod tests;
