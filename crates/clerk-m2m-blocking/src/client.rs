//! The blocking client: sends what `clerk-m2m-types` builds, retries as its policy says.

use crate::tracing_span::AttemptSpan;
use crate::{ClientBuilder, Transport};
use clerk_m2m_types::call::{Call, Step};
use clerk_m2m_types::{
    Config, CreateTokenParams, Delivery, Endpoint, Error, ListTokensParams, M2mToken, M2mTokenList,
    RetryPolicy, RevokeTokenParams, TransportError, TransportErrorKind, VerifyTokenParams,
};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Default bound on one call, every attempt and wait included: 30 s.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Blocking client for Clerk's M2M token API.
///
/// Cheap to clone (one `Arc` inside), `Send + Sync`, no type parameters:
/// share one between threads. Each call validates its params locally, sends
/// the request through the [`Transport`] on the calling thread, retries per
/// the [`RetryPolicy`] within the call timeout (sleeping the thread between
/// attempts), and parses the answer. No async runtime is needed; calling it
/// from inside one blocks that runtime's worker thread.
///
/// Each attempt carries the time left before the call's deadline (an
/// [`AttemptBudget`](clerk_m2m_types::AttemptBudget)); the built-in
/// transport ends it by then, and the client never starts an attempt or a
/// wait past the deadline. `Debug` never shows a key.
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
    /// the `ureq` feature is on.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY`
    /// and `CLERK_SECRET_KEY` (and, with the `jwt` feature, `CLERK_JWT_KEY`),
    /// with the built-in ureq transport.
    #[cfg(feature = "ureq")]
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
    pub fn create_token(&self, params: CreateTokenParams) -> Result<M2mToken, Error> {
        self.send(&params)
    }

    /// Lists a machine's tokens (`GET /m2m_tokens?subject=…`).
    pub fn list_tokens(&self, params: ListTokensParams) -> Result<M2mTokenList, Error> {
        self.send(&params)
    }

    /// Revokes a token by id (`POST /m2m_tokens/{id}/revoke`).
    pub fn revoke_token(&self, params: RevokeTokenParams) -> Result<M2mToken, Error> {
        self.send(&params)
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
    ///   (`CLERK_SECRET_KEY`) through the client's transport and cached:
    ///   5 minutes fresh, refetched on an unknown `kid` or a bad signature at
    ///   most once per 30 s, one fetch shared by concurrent threads (the
    ///   others wait for its outcome), known keys kept when a fetch fails.
    ///   With neither key: [`Error::NoJwtKey`];
    /// - anything else is posted to `POST /m2m_tokens/verify`.
    ///
    /// Without the `jwt` feature every token is posted. To send a JWT to the
    /// API anyway, use [`send`](Self::send) with the params.
    pub fn verify_token(&self, params: VerifyTokenParams) -> Result<M2mToken, Error> {
        #[cfg(feature = "jwt")]
        {
            let token = params.token().expose_secret();
            match clerk_m2m_types::jwt::is_m2m_jwt(token) {
                Err(source) => return Err(Error::Jwt { source }),
                Ok(true) => {
                    let inner = &*self.inner;
                    return inner
                        .local
                        .verify(token, &inner.config, inner.transport.as_ref());
                }
                Ok(false) => {}
            }
        }
        self.send(&params)
    }

    /// Sends any call: validates and builds its request once, sends it,
    /// retries per the policy within the call timeout, and parses the answer.
    ///
    /// A blocking attempt cannot be cut short by the client: it hands the
    /// transport the time left as an
    /// [`AttemptBudget`](clerk_m2m_types::AttemptBudget), which the built-in
    /// transport honours (a custom one that ignores it is bounded by its own
    /// timeouts). The client never starts an attempt, nor a
    /// wait before a retry, past the deadline: a wait that would end after
    /// it returns the last answer at once.
    pub fn send<E: Endpoint>(&self, params: &E) -> Result<E::Output, Error> {
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
            if call.attempts() > 0 && call.remaining(clock.now()) == Some(Duration::ZERO) {
                // The wait before this retry ended at the deadline: no new attempt.
                return Err(Error::Transport {
                    operation: E::OPERATION,
                    attempts: call.attempts(),
                    source: TransportError::new(TransportErrorKind::Timeout)
                        .with_delivery(Delivery::NotSent)
                        .with_source("the call deadline passed before the next attempt"),
                });
            }
            let request = call.next_request_at(clock.now());
            let span = AttemptSpan::start(E::OPERATION, request.method(), call.attempts());
            let result = span.run(|| inner.transport.send(request));
            span.record(&result);
            match call.handle(result, clock.now(), fastrand::f64()) {
                Step::Done(result) => return result,
                Step::RetryAfter(delay) => std::thread::sleep(delay),
            }
        }
    }
}

/// Time as one call sees it: wall time at the start, advanced with the
/// monotonic clock, so a wall-clock jump cannot stretch or cut the deadline
/// while `Retry-After` dates are still compared with wall time.
#[derive(Clone, Copy, Debug)]
struct CallClock {
    wall_at_start: SystemTime,
    started: Instant,
}

impl CallClock {
    fn start() -> Self {
        Self {
            wall_at_start: SystemTime::now(),
            started: Instant::now(),
        }
    }

    fn now(&self) -> SystemTime {
        let elapsed = self.started.elapsed();
        self.wall_at_start
            .checked_add(elapsed)
            .unwrap_or(self.wall_at_start)
    }
}

#[cfg(test)]
mod tests;
