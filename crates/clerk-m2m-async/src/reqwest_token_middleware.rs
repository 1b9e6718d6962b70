//! Outgoing requests through `reqwest-middleware` carry a cached M2M token.

use crate::TokenSource;
use clerk_m2m_types::driver::outgoing::{
    retry_with, verdict, wants_token, Attempt, AuthorizationCache, Verdict,
};
use clerk_m2m_types::{Error, M2mToken};
use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use std::sync::Arc;

/// A [`reqwest_middleware::Middleware`] that sends every request with
/// `Authorization: Bearer <token>` from a [`TokenSource`] (feature
/// `reqwest-middleware`).
///
/// - A request that already has an `Authorization` header is sent as it is.
/// - The token is the source's cached one: one create for all requests
///   until the refresh point (see
///   [`RefreshPolicy`](clerk_m2m_types::RefreshPolicy)). If no
///   token can be had, the request is not sent and the call fails with
///   [`reqwest_middleware::Error::Middleware`] wrapping the typed
///   [`Error`] (downcast it to read its status or code).
/// - On a `401` from the callee, the token that was sent is invalidated
///   (only if it is still the cached one, so many rejections cause one
///   create) and the request is sent once more with the next token, if its
///   body can be cloned ([`Request::try_clone`]; a streaming body cannot)
///   and that token differs. Otherwise the `401` is returned unchanged.
/// - The header is marked sensitive; the token is never logged.
///
/// ```no_run
/// use clerk_m2m_async::{Client, TokenMiddleware, TokenSource};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let source = TokenSource::new(Client::from_env()?);
/// let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(TokenMiddleware::new(source))
///     .build();
/// let answer = http.get("https://billing.internal/invoices").send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TokenMiddleware {
    source: TokenSource,
    headers: Arc<AuthorizationCache>,
}

impl TokenMiddleware {
    /// A middleware that authorizes requests with tokens from `source`.
    pub fn new(source: TokenSource) -> Self {
        Self {
            source,
            headers: Arc::default(),
        }
    }

    /// The source of the tokens.
    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    async fn token(&self) -> Result<Arc<M2mToken>, reqwest_middleware::Error> {
        self.source.get().await.map_err(middleware_error)
    }
}

fn middleware_error(error: Error) -> reqwest_middleware::Error {
    reqwest_middleware::Error::middleware(error)
}

#[async_trait::async_trait]
impl Middleware for TokenMiddleware {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if !wants_token(request.headers()) {
            return next.run(request, extensions).await;
        }
        let sent = self.token().await?;
        self.headers
            .authorize(request.headers_mut(), &sent)
            .map_err(middleware_error)?;
        let replay = request.try_clone();
        let response = next.clone().run(request, extensions).await?;
        let Verdict::Rejected { retry } =
            verdict(response.status(), Attempt::First, replay.is_some())
        else {
            return Ok(response);
        };
        self.source.invalidate_token(&sent.id);
        let Some(mut replay) = replay.filter(|_| retry) else {
            return Ok(response);
        };
        let fresh = self.token().await?;
        if !retry_with(&sent, &fresh) {
            return Ok(response);
        }
        self.headers
            .authorize(replay.headers_mut(), &fresh)
            .map_err(middleware_error)?;
        drop(response);
        let response = next.run(replay, extensions).await?;
        if let Verdict::Rejected { .. } = verdict(response.status(), Attempt::Retry, false) {
            self.source.invalidate_token(&fresh.id);
        }
        Ok(response)
    }
}
