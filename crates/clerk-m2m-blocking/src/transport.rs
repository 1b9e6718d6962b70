//! The transport contract: one HTTP exchange, bytes in, bytes out.

use clerk_m2m_types::TransportError;
use http::{Request, Response};

/// Sends one HTTP request and returns the response, blocking the thread.
///
/// The client builds every request (URL, headers, JSON body), decides on
/// retries and parses answers; a transport only moves bytes. Any blocking
/// HTTP stack can be one, and so can a closure (see below).
///
/// # Contract
///
/// A transport:
/// - owns sockets, TLS, connection pooling, proxies and its own timeouts;
/// - **should end the attempt within the request's
///   [`AttemptBudget`](clerk_m2m_types::AttemptBudget)** extension, the time
///   left before the call's deadline, across all phases (connect, send,
///   await the head, read the body), whatever the server does: a blocking
///   client cannot interrupt `send`, so otherwise the call outlives its
///   deadline by up to the transport's own timeouts;
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
/// Any `Fn(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>,
/// TransportError>` that is `Send + Sync` is a transport:
///
/// ```
/// use clerk_m2m_blocking::{Transport, TransportError};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!(request.uri().path(), "/m2m_tokens/verify");
///     http::Response::builder()
///         .status(404)
///         .body(Vec::new())
///         .map_err(TransportError::other)
/// };
/// let answer = transport.send(http::Request::post("https://api.clerk.com/m2m_tokens/verify").body(Vec::new())?);
/// assert_eq!(answer?.status(), 404);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Transport: Send + Sync {
    /// Sends `request` once and returns the server's answer, whatever its status.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

impl<F> Transport for F
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> + Send + Sync,
{
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (self)(request)
    }
}

/// A shared transport (one connection pool for several clients, or kept by
/// a test for inspection) is a transport.
impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (**self).send(request)
    }
}
