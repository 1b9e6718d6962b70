//! Outgoing requests through a tower HTTP client (hyper, tonic, …) carry a
//! cached M2M token.

use crate::TokenSource;
use clerk_m2m_types::driver::outgoing::{
    retry_with, verdict, wants_token, Attempt, AuthorizationCache, Verdict,
};
use http::{Request, Response};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

/// The error of a [`TokenService`]: the inner service's, or the typed
/// [`Error`](crate::Error) of a token that could not be had (downcast it).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How a [`TokenService`] gets a second copy of a request body, to send the
/// request once more after the callee rejected its token.
///
/// [`CloneBody`] (the default) clones bodies that are `Clone`;
/// [`NoReplay`] never resends (streaming bodies, e.g. tonic's); a closure
/// `Fn(&B) -> Option<B>` decides per body.
pub trait ReplayBody<B>: Clone {
    /// A copy of `body` to send again, or `None` if it cannot be sent twice.
    fn replay(&self, body: &B) -> Option<B>;
}

/// Resends a rejected request with a clone of its body: for bodies that are
/// `Clone` (`String`, `Vec<u8>`, `Bytes`, `http_body_util::Full`, `Empty`).
#[derive(Clone, Copy, Debug, Default)]
pub struct CloneBody;

impl<B: Clone> ReplayBody<B> for CloneBody {
    fn replay(&self, body: &B) -> Option<B> {
        Some(body.clone())
    }
}

/// Never resends: a rejected request is answered with the callee's `401`
/// (its token is still invalidated, so the next request carries a new one).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoReplay;

impl<B> ReplayBody<B> for NoReplay {
    fn replay(&self, _body: &B) -> Option<B> {
        None
    }
}

impl<B, F> ReplayBody<B> for F
where
    F: Fn(&B) -> Option<B> + Clone,
{
    fn replay(&self, body: &B) -> Option<B> {
        self(body)
    }
}

/// A tower [`Layer`] that sends every request with `Authorization: Bearer
/// <token>` from a [`TokenSource`] (feature `tower`), for any client that is
/// a `Service<http::Request<B>, Response = http::Response<_>>`: hyper-util's
/// client, tonic's channel, tower stacks.
///
/// - A request that already has an `Authorization` header is sent as it is.
/// - If no token can be had, the request is not sent and the call fails
///   with the typed [`Error`](crate::Error) (as a [`BoxError`]).
/// - On a `401`, the token that was sent is invalidated (only if it is
///   still the cached one, so many rejections cause one create) and the
///   request is sent once more with the next token, if [`ReplayBody`]
///   gives a copy of its body and that token differs; otherwise the `401`
///   is returned unchanged. The inner service must be `Clone` (as tower
///   clients are) to be called again.
/// - The header is marked sensitive; the token is never logged.
///
/// ```no_run
/// use clerk_m2m_async::{Client, NoReplay, TokenLayer, TokenSource};
/// use tower_layer::Layer;
///
/// # fn run<S: Clone>(hyper_client: S) -> Result<(), Box<dyn std::error::Error>> {
/// let source = TokenSource::new(Client::from_env()?);
/// // Bodies that are `Clone` (e.g. `Full<Bytes>`) are resent after a 401.
/// let client = TokenLayer::new(source.clone()).layer(hyper_client.clone());
/// // Streaming bodies (tonic) are never resent.
/// let grpc = TokenLayer::new(source).replay(NoReplay).layer(hyper_client);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TokenLayer<R = CloneBody> {
    source: TokenSource,
    headers: Arc<AuthorizationCache>,
    replay: R,
}

impl TokenLayer {
    /// A layer that authorizes requests with tokens from `source` and
    /// resends a rejected request with a clone of its body.
    pub fn new(source: TokenSource) -> Self {
        Self {
            source,
            headers: Arc::default(),
            replay: CloneBody,
        }
    }
}

impl<R> TokenLayer<R> {
    /// How bodies are copied for the one resend: [`CloneBody`],
    /// [`NoReplay`] or a closure `Fn(&B) -> Option<B>`.
    pub fn replay<R2>(self, replay: R2) -> TokenLayer<R2> {
        TokenLayer {
            source: self.source,
            headers: self.headers,
            replay,
        }
    }
}

impl<S, R: Clone> Layer<S> for TokenLayer<R> {
    type Service = TokenService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        TokenService {
            inner,
            source: self.source.clone(),
            headers: Arc::clone(&self.headers),
            replay: self.replay.clone(),
        }
    }
}

/// The service made by a [`TokenLayer`].
#[derive(Clone, Debug)]
pub struct TokenService<S, R = CloneBody> {
    inner: S,
    source: TokenSource,
    headers: Arc<AuthorizationCache>,
    replay: R,
}

impl<S, R, B, RB> Service<Request<B>> for TokenService<S, R>
where
    S: Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    R: ReplayBody<B> + Send + 'static,
    B: Send + 'static,
    RB: Send + 'static,
{
    type Response = Response<RB>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<RB>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The ready service goes into the future; a clone stays for the next
        // poll_ready (tower's usual hand-over).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let source = self.source.clone();
        let replay = self.replay.clone();
        let headers = Arc::clone(&self.headers);
        Box::pin(async move {
            if !wants_token(request.headers()) {
                return inner.call(request).await.map_err(Into::into);
            }
            let sent = source.get().await?;
            headers.authorize(request.headers_mut(), &sent)?;
            let copy = replay
                .replay(request.body())
                .map(|body| copy_request(&request, body));
            let response = inner.call(request).await.map_err(Into::into)?;
            let Verdict::Rejected { retry } =
                verdict(response.status(), Attempt::First, copy.is_some())
            else {
                return Ok(response);
            };
            source.invalidate_token(&sent.id);
            let Some(mut copy) = copy.filter(|_| retry) else {
                return Ok(response);
            };
            let fresh = source.get().await?;
            if !retry_with(&sent, &fresh) {
                return Ok(response);
            }
            headers.authorize(copy.headers_mut(), &fresh)?;
            drop(response);
            poll_fn(|cx| inner.poll_ready(cx))
                .await
                .map_err(Into::into)?;
            let response = inner.call(copy).await.map_err(Into::into)?;
            if let Verdict::Rejected { .. } = verdict(response.status(), Attempt::Retry, false) {
                source.invalidate_token(&fresh.id);
            }
            Ok(response)
        })
    }
}

/// `request` with another body: method, URI, version, headers, extensions.
fn copy_request<B>(request: &Request<B>, body: B) -> Request<B> {
    let mut copy = Request::new(body);
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}
