//! The async client: sends what `clerk-m2m-types` builds, retries as its policy says.

use crate::clock::CallClock;
use crate::tracing_span::AttemptSpan;
use crate::{ClientBuilder, Transport};
use clerk_m2m_types::call::{Call, Step};
use clerk_m2m_types::{
    Config, CreateTokenParams, Endpoint, Error, ListTokensParams, M2mToken, M2mTokenList,
    RetryPolicy, RevokeTokenParams, TransportError, TransportErrorKind, VerifyTokenParams,
};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Default bound on one call, every attempt and wait included: 30 s.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Async client for Clerk's M2M token API.
///
/// Cheap to clone (one `Arc` inside), `Send + Sync`, no type parameters: keep
/// one in your application state. Each call validates its params locally,
/// sends the request through the [`Transport`], retries per the
/// [`RetryPolicy`] within the call timeout, and parses the answer.
///
/// Calls need a Tokio runtime with the time driver enabled (`#[tokio::main]`
/// enables it). `Debug` never shows a key.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    transport: Arc<dyn Transport>,
    retry_policy: RetryPolicy,
    call_timeout: Duration,
    #[cfg(feature = "jwt")]
    local: crate::local_verify::LocalVerifier,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Client");
        debug
            .field("config", &self.inner.config)
            .field("retry_policy", &self.inner.retry_policy)
            .field("call_timeout", &self.inner.call_timeout);
        #[cfg(feature = "jwt")]
        debug.field("jwt_keys", &self.inner.local.source_name());
        debug.finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn from_parts(
        config: Config,
        transport: Arc<dyn Transport>,
        retry_policy: RetryPolicy,
        call_timeout: Duration,
        #[cfg(feature = "jwt")] local: crate::local_verify::LocalVerifier,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                transport,
                retry_policy,
                call_timeout,
                #[cfg(feature = "jwt")]
                local,
            }),
        }
    }

    /// A builder: no keys, the default base URL, the built-in transport when
    /// the `reqwest` feature is on.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY`
    /// and `CLERK_SECRET_KEY` (and, with the `jwt` feature, `CLERK_JWT_KEY`),
    /// with the built-in reqwest transport.
    #[cfg(feature = "reqwest")]
    pub fn from_env() -> Result<Self, clerk_m2m_types::ConfigError> {
        let builder = Self::builder().config(Config::from_env()?);
        #[cfg(feature = "jwt")]
        let builder = match std::env::var(clerk_m2m_types::jwt::ENV_JWT_KEY) {
            Ok(pem) if !pem.trim().is_empty() => builder.jwt_key(pem),
            _ => builder,
        };
        builder.build()
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The retry policy in use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry_policy
    }

    /// The bound on one call, every attempt and wait included.
    pub fn call_timeout(&self) -> Duration {
        self.inner.call_timeout
    }

    /// Creates a token (`POST /m2m_tokens`).
    ///
    /// Never retried once the request may have reached the server (each
    /// create mints a billed token): only a 429 or a failure before sending
    /// is tried again.
    pub async fn create_token(&self, params: CreateTokenParams) -> Result<M2mToken, Error> {
        self.send(&params).await
    }

    /// Lists a machine's tokens (`GET /m2m_tokens?subject=…`).
    pub async fn list_tokens(&self, params: ListTokensParams) -> Result<M2mTokenList, Error> {
        self.send(&params).await
    }

    /// Revokes a token by id (`POST /m2m_tokens/{id}/revoke`).
    pub async fn revoke_token(&self, params: RevokeTokenParams) -> Result<M2mToken, Error> {
        self.send(&params).await
    }

    /// Verifies a token.
    ///
    /// With the `jwt` feature (on by default), as `@clerk/backend` does:
    /// - a token over 8 KiB is refused locally ([`Error::Jwt`], kind
    ///   `TooLarge`) and never sent;
    /// - an M2M JWT (three base64url parts, payload `sub` starting `mch_`) is
    ///   verified locally, with the PEM key set by
    ///   [`ClientBuilder::jwt_key`] (`CLERK_JWT_KEY`, no network), else with
    ///   the instance's JWKS fetched with the instance secret key
    ///   (`CLERK_SECRET_KEY`) and cached: 5 minutes fresh, refetched on an
    ///   unknown `kid` or a bad signature at most once per 30 s, one fetch
    ///   shared by concurrent verifications, known keys kept when a fetch
    ///   fails. With neither key: [`Error::NoJwtKey`];
    /// - anything else is posted to `POST /m2m_tokens/verify`.
    ///
    /// To send a JWT to the API anyway, use [`send`](Self::send) with the
    /// params.
    pub async fn verify_token(&self, params: VerifyTokenParams) -> Result<M2mToken, Error> {
        #[cfg(feature = "jwt")]
        {
            let token = params.token().expose_secret();
            match clerk_m2m_types::jwt::is_m2m_jwt(token) {
                Err(source) => return Err(Error::Jwt { source }),
                Ok(true) => {
                    let inner = &*self.inner;
                    return inner
                        .local
                        .verify(
                            token,
                            &inner.config,
                            inner.transport.as_ref(),
                            inner.call_timeout,
                        )
                        .await;
                }
                Ok(false) => {}
            }
        }
        self.send(&params).await
    }

    /// Sends any call: validates and builds its request once, sends it,
    /// retries per the policy within the call timeout, and parses the answer.
    ///
    /// Each attempt is bounded by the time left before the call's deadline: a
    /// transport that never answers ends the call with a
    /// [`TransportErrorKind::Timeout`] error when the deadline passes.
    pub async fn send<E: Endpoint>(&self, params: &E) -> Result<E::Output, Error> {
        let inner = &*self.inner;
        let clock = CallClock::start();
        let mut call = Call::new(
            &inner.config,
            params,
            inner.retry_policy.clone(),
            clock.now(),
            Some(inner.call_timeout),
        )?;
        loop {
            let request = call.next_request_at(clock.now());
            let span = AttemptSpan::start(E::OPERATION, request.method(), call.attempts());
            let remaining = call.remaining(clock.now());
            let result = span
                .run(attempt(inner.transport.as_ref(), request, remaining))
                .await;
            span.record(&result);
            match call.handle(result, clock.now(), fastrand::f64()) {
                Step::Done(result) => return result,
                Step::RetryAfter(delay) => tokio::time::sleep(delay).await,
            }
        }
    }
}

/// One attempt, bounded by the time left before the call's deadline.
async fn attempt(
    transport: &dyn Transport,
    request: http::Request<Vec<u8>>,
    remaining: Option<Duration>,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    // Let the runtime take in I/O events that have already arrived before the
    // request goes out. A server that closed an idle pooled connection has
    // sent its FIN; once the runtime has seen it, the pool retires that
    // connection instead of writing the request onto it. Written onto a
    // closing connection, a create fails after it may have been sent and
    // cannot be retried. Costs one trip through the scheduler.
    tokio::task::yield_now().await;
    match remaining {
        None => transport.send(request).await,
        Some(remaining) => tokio::time::timeout(remaining, transport.send(request))
            .await
            .unwrap_or_else(|_elapsed| {
                Err(TransportError::new(TransportErrorKind::Timeout)
                    .with_source("the call timeout elapsed before the answer"))
            }),
    }
}

#[cfg(test)]
mod tests;
