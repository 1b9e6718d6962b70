//! The async client: sends what `clerk-m2m-types` builds, retries as its policy says.

use crate::clock::CallClock;
use crate::{ClientBuilder, Transport};
use clerk_m2m_types::call::{AttemptSpan, Call, Step};
use clerk_m2m_types::{
    Config, ConfigError, CreateTokenParams, Endpoint, Error, ListTokensParams, M2mToken,
    M2mTokenList, RevokeTokenParams, TransportError, TransportErrorKind, VerifyTokenParams,
};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Async client for Clerk's M2M token API.
///
/// Cheap to clone (one `Arc` inside), `Send + Sync`, no type parameters: keep
/// one in your application state. Each call validates its params locally,
/// sends the request through the [`Transport`], retries per the config's
/// [`RetryPolicy`](clerk_m2m_types::RetryPolicy) within its call timeout,
/// and parses the answer.
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
    #[cfg(feature = "jwt")]
    local: crate::local_verify::LocalVerifier,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Client");
        debug.field("config", &self.inner.config);
        #[cfg(feature = "jwt")]
        debug.field("jwt_keys", &self.inner.local.source_name());
        debug.finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config` over the built-in transport (feature
    /// `reqwest`; without it, [`ConfigError::NoTransport`]).
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        Self::from_shared_transport(config, crate::builder::default_transport()?)
    }

    /// A client for `config` over `transport` (any [`Transport`], a
    /// closure, or an `Arc` of one shared with other clients).
    pub fn with_transport(
        config: Config,
        transport: impl Transport + 'static,
    ) -> Result<Self, ConfigError> {
        Self::from_shared_transport(config, Arc::new(transport))
    }

    /// A client configured from the environment ([`Config::from_env`]:
    /// `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY`, `CLERK_SECRET_KEY`,
    /// `CLERK_JWT_KEY`) over the built-in transport.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(Config::from_env()?)
    }

    /// A builder: every [`Config`] setting, plus the transport.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_shared_transport(
        config: Config,
        transport: Arc<dyn Transport>,
    ) -> Result<Self, ConfigError> {
        #[cfg(feature = "jwt")]
        let local = crate::jwt_settings::local_verifier(&config)?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                transport,
                #[cfg(feature = "jwt")]
                local,
            }),
        })
    }

    /// The configuration in use (keys, base URL, retry policy, call
    /// timeout, clock, local JWT verification).
    pub fn config(&self) -> &Config {
        &self.inner.config
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
                            inner.config.call_timeout(),
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
        let clock = CallClock::start(inner.config.clock().now());
        let mut call = Call::new(&inner.config, params, clock.now())?;
        loop {
            let attempt = call.next_attempt(clock.now())?;
            let span = AttemptSpan::start(E::OPERATION, attempt.request.method(), attempt.number);
            let result = span
                .instrument(send_attempt(
                    inner.transport.as_ref(),
                    attempt.request,
                    attempt.time_left,
                ))
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
async fn send_attempt(
    transport: &dyn Transport,
    request: http::Request<Vec<u8>>,
    time_left: Option<Duration>,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    // Let the runtime take in I/O events that have already arrived before the
    // request goes out. A server that closed an idle pooled connection has
    // sent its FIN; once the runtime has seen it, the pool retires that
    // connection instead of writing the request onto it. Written onto a
    // closing connection, a create fails after it may have been sent and
    // cannot be retried. Costs one trip through the scheduler.
    tokio::task::yield_now().await;
    match time_left {
        None => transport.send(request).await,
        Some(time_left) => tokio::time::timeout(time_left, transport.send(request))
            .await
            .unwrap_or_else(|_elapsed| {
                Err(TransportError::new(TransportErrorKind::Timeout)
                    .with_source("the call timeout elapsed before the answer"))
            }),
    }
}

#[cfg(test)]
mod tests;
