//! The service the layer wraps around yours.

use crate::authenticate::{authenticate, Outcome};
use crate::context::{AuthContext, Settings};
use clerk_m2m_types::driver::auth::bearer_token_from_headers;
use clerk_m2m_types::SecretString;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The service made by [`M2mAuthLayer`](crate::M2mAuthLayer): authenticates
/// each request, then calls the inner service with the
/// [`VerifiedMachine`](crate::VerifiedMachine) in the request's extensions,
/// or answers the [`Rejection`](crate::Rejection) itself.
///
/// Works for any tower server whose response body can be built from bytes
/// (`ResBody: From<Vec<u8>>`: axum's `Body`, `http_body_util::Full<Bytes>`, …).
#[derive(Clone)]
pub struct M2mAuthService<S> {
    inner: S,
    settings: Arc<Settings>,
}

impl<S> M2mAuthService<S> {
    pub(crate) fn new(inner: S, settings: Arc<Settings>) -> Self {
        Self { inner, settings }
    }
}

impl<S: fmt::Debug> fmt::Debug for M2mAuthService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("M2mAuthService")
            .field("inner", &self.inner)
            .field("settings", &self.settings)
            .finish()
    }
}

impl<S, ReqBody, ResBody> tower_service::Service<http::Request<ReqBody>> for M2mAuthService<S>
where
    S: tower_service::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: From<Vec<u8>>,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        // The service that was polled ready is the one to call; leave a
        // fresh clone in its place.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let settings = self.settings.clone();
        // Owned before the first await: the request need not be `Sync`.
        let token = bearer_token_from_headers(request.headers()).map(SecretString::from);
        Box::pin(async move {
            let context = match authenticate(&settings, token).await {
                Outcome::Verified(machine) => {
                    request.extensions_mut().insert(machine);
                    AuthContext::verified(settings)
                }
                Outcome::Anonymous(rejection) => AuthContext::anonymous(settings, rejection),
                Outcome::Rejected(rejection) => return Ok(rejection.to_response()),
            };
            request.extensions_mut().insert(context);
            inner.call(request).await
        })
    }
}
