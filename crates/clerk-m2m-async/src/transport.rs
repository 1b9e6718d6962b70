//! The transport contract: one HTTP exchange, bytes in, bytes out.

use clerk_m2m_types::TransportError;
use std::future::Future;

/// Sends one HTTP request and returns the response.
///
/// The client builds every request (URL, headers, JSON body), decides on
/// retries and parses answers; a transport only moves bytes. Any async HTTP
/// stack can be one, and so can a closure (see below).
///
/// # Contract
///
/// A transport:
/// - owns sockets, TLS, connection pooling, proxies and its own timeouts
///   (the client also bounds each attempt by the call's deadline);
/// - may end the attempt within the request's
///   [`AttemptBudget`](clerk_m2m_types::AttemptBudget) extension, the time
///   left before the call's deadline (the client cuts a later attempt off
///   anyway, but a transport that stops by itself frees its connection at
///   once);
/// - **must not follow redirects**: a redirect would forward the
///   `Authorization` header to another location. Return the 3xx as is;
/// - **must return 4xx and 5xx answers as responses**, not errors, with
///   every header kept (`Retry-After`, `cf-ray` and `Content-Type` matter)
///   and the body as received;
/// - sends the request exactly once per call of [`send`](Self::send): the
///   client decides whether to try again;
/// - reports failures as [`TransportError`], classified with
///   [`Delivery::NotSent`](clerk_m2m_types::Delivery::NotSent) **only when
///   certain** that no request byte can have reached the server (refused
///   connection, DNS failure, connect timeout, TLS handshake failure).
///   Creating a token is not idempotent, so a create is retried only after
///   such a failure; anything unclassified counts as maybe sent;
/// - never logs or reports header values or bodies, nor lets its HTTP
///   library do so: they carry secret keys and token values (the
///   `Authorization` header is marked sensitive).
///
/// `clerk_m2m_types::test_util::assert_transport_contract` (feature
/// `test-util`) checks a transport against these rules over loopback.
///
/// # A closure as a transport
///
/// Any `Fn(http::Request<Vec<u8>>) -> impl Future<Output = Result<http::Response<Vec<u8>>,
/// TransportError>> + Send` that is `Send + Sync` is a transport:
///
/// ```
/// use clerk_m2m_async::{Transport, TransportError};
///
/// let transport = |request: http::Request<Vec<u8>>| async move {
///     assert_eq!(request.uri().path(), "/m2m_tokens/verify");
///     http::Response::builder()
///         .status(404)
///         .body(Vec::new())
///         .map_err(TransportError::other)
/// };
/// fn is_transport(_: &impl Transport) {}
/// is_transport(&transport);
/// ```
#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    /// Sends `request` once and returns the server's answer, whatever its status.
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError>;

    /// Whether this transport ends every attempt within the request's
    /// [`AttemptBudget`](clerk_m2m_types::AttemptBudget) on its own (the
    /// built-in one does). If not (the default), the client bounds each
    /// attempt with a timer of its own.
    fn enforces_attempt_budget(&self) -> bool {
        false
    }
}

#[async_trait::async_trait]
impl<F, Fut> Transport for F
where
    F: Fn(http::Request<Vec<u8>>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send,
{
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        (self)(request).await
    }
}

/// A shared transport (one connection pool for several clients, or kept by
/// a test for inspection) is a transport.
#[async_trait::async_trait]
impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        (**self).send(request).await
    }

    fn enforces_attempt_budget(&self) -> bool {
        (**self).enforces_attempt_budget()
    }
}
