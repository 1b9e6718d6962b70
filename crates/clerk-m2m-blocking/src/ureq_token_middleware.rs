//! Outgoing requests through a ureq 3 agent carry a cached M2M token.

use crate::TokenSource;
use clerk_m2m_types::driver::outgoing::{
    retry_with, verdict, wants_token, Attempt, AuthorizationCache, Verdict,
};
use clerk_m2m_types::{Error, M2mToken};
use std::sync::Arc;
use ureq::http::{Request, Response, StatusCode};
use ureq::middleware::{Middleware, MiddlewareNext};
use ureq::{Body, SendBody};

/// A ureq 3 [`Middleware`] that sends every request with `Authorization:
/// Bearer <token>` from a [`TokenSource`] (feature `ureq-middleware`).
///
/// - A request that already has an `Authorization` header is sent as it is.
/// - If no token can be had, the request is not sent and the call fails
///   with `ureq::Error::Other` wrapping the typed [`Error`] (downcast it).
/// - On a `401` (a response, or `ureq::Error::StatusCode(401)` with ureq's
///   default `http_status_as_error`), the token that was sent is
///   invalidated (only if it is still the cached one, so many rejections
///   cause one create), and the `401` is returned unchanged: ureq runs a
///   middleware chain once per request and its `SendBody` cannot be read
///   twice, so a middleware cannot resend. The next request carries a new
///   token; [`send_with_retry`](Self::send_with_retry) resends at once.
/// - The header is marked sensitive; the token is never logged.
///
/// ```no_run
/// use clerk_m2m_blocking::{Client, TokenMiddleware, TokenSource};
///
/// let source = TokenSource::new(Client::from_env()?);
/// let agent: ureq::Agent = ureq::Agent::config_builder()
///     .middleware(TokenMiddleware::new(source))
///     .build()
///     .into();
/// let invoices = agent.get("https://billing.internal/invoices").call()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TokenMiddleware {
    source: TokenSource,
    headers: Arc<AuthorizationCache>,
}

/// Left in a `401` response's extensions: the token that was sent.
#[derive(Clone)]
struct RejectedToken(Arc<M2mToken>);

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

    /// Runs `send` (one request through an agent that has this middleware)
    /// and, if the callee answered `401` to this middleware's token and a
    /// different token is now at hand, runs it once more: `send` builds the
    /// request anew, so its body is sent again as built.
    ///
    /// Needs the `401` as a response: set `http_status_as_error(false)` on
    /// the agent (with ureq's default, a `401` is an error and is returned
    /// as it is).
    ///
    /// ```no_run
    /// use clerk_m2m_blocking::{Client, TokenMiddleware, TokenSource};
    ///
    /// let auth = TokenMiddleware::new(TokenSource::new(Client::from_env()?));
    /// let agent: ureq::Agent = ureq::Agent::config_builder()
    ///     .http_status_as_error(false)
    ///     .middleware(auth.clone())
    ///     .build()
    ///     .into();
    /// let url = "https://billing.internal/invoices";
    /// let created = auth.send_with_retry(|| agent.post(url).send(r#"{"amount":5}"#))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_with_retry(
        &self,
        mut send: impl FnMut() -> Result<Response<Body>, ureq::Error>,
    ) -> Result<Response<Body>, ureq::Error> {
        let response = send()?;
        let Some(RejectedToken(sent)) = response.extensions().get::<RejectedToken>().cloned()
        else {
            return Ok(response);
        };
        let fresh = self.source.get().map_err(ureq_error)?;
        if !retry_with(&sent, &fresh) {
            return Ok(response);
        }
        drop(response);
        send()
    }
}

fn ureq_error(error: Error) -> ureq::Error {
    ureq::Error::Other(Box::new(error))
}

impl Middleware for TokenMiddleware {
    fn handle(
        &self,
        mut request: Request<SendBody>,
        next: MiddlewareNext,
    ) -> Result<Response<Body>, ureq::Error> {
        if !wants_token(request.headers()) {
            return next.handle(request);
        }
        let sent = self.source.get().map_err(ureq_error)?;
        self.headers
            .authorize(request.headers_mut(), &sent)
            .map_err(ureq_error)?;
        let result = next.handle(request);
        let status = match &result {
            Ok(response) => Some(response.status()),
            Err(ureq::Error::StatusCode(code)) => StatusCode::from_u16(*code).ok(),
            Err(_) => None,
        };
        // The chain runs once: this middleware never resends by itself.
        let rejected = status.is_some_and(|status| {
            matches!(
                verdict(status, Attempt::First, false),
                Verdict::Rejected { .. }
            )
        });
        if !rejected {
            return result;
        }
        self.source.invalidate_token(&sent.id);
        result.map(|mut response| {
            response.extensions_mut().insert(RejectedToken(sent));
            response
        })
    }
}
