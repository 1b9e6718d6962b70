//! Local verification of M2M JWTs for [`Client::verify_token`](crate::Client::verify_token):
//! the keys (a PEM, or the JWKS fetched and cached with single-flight) and
//! the verification loop.
//!
//! The pure parts (checks, key parsing, the cache's decisions) are in
//! `clerk_m2m_types::jwt`; this module adds the I/O, the clock and the
//! sharing of one fetch among concurrent verifications (a `Mutex` and a
//! `Condvar`: threads that miss while a fetch runs wait for its outcome).

use crate::{Clock, Transport};
use clerk_m2m_types::jwt::{
    jwks_request, parse_jwks_response, verify, FetchDecision, JwksCache, JwksRequestError,
    JwtError, JwtErrorKind, KeySet, VerifyOptions,
};
use clerk_m2m_types::{Config, Error, M2mToken, Operation, RequestError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Where the keys come from, decided when the client is built.
pub(crate) enum KeySource {
    /// A PEM public key (`CLERK_JWT_KEY`): no network, ever.
    Pem(Arc<KeySet>),
    /// The instance's JWKS, fetched with the instance secret key.
    Jwks(Box<Jwks>),
    /// Neither: every JWT verification fails with [`Error::NoJwtKey`].
    Missing,
}

/// The JWKS state shared by every verification of one client.
pub(crate) struct Jwks {
    state: Mutex<JwksState>,
    /// Signalled when a fetch ends (whatever its outcome).
    fetched: Condvar,
}

struct JwksState {
    cache: JwksCache,
    /// The cache's keys, shared so that verifications run without the lock.
    keys: Arc<KeySet>,
    /// The last fetch failure, while no fetch has succeeded since.
    last_error: Option<Arc<Error>>,
    /// A fetch is in flight: key misses wait for it instead of deciding.
    fetching: bool,
}

impl Jwks {
    pub(crate) fn new(cache: JwksCache) -> Self {
        Self {
            state: Mutex::new(JwksState {
                keys: Arc::new(cache.keys().clone()),
                cache,
                last_error: None,
                fetching: false,
            }),
            fetched: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, JwksState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until no fetch is in flight.
    fn idle<'a>(&'a self, mut state: MutexGuard<'a, JwksState>) -> MutexGuard<'a, JwksState> {
        while state.fetching {
            state = self
                .fetched
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state
    }
}

/// Marks the end of a fetch when dropped, even if the transport panicked,
/// and wakes the threads waiting for it.
struct FetchGuard<'a>(&'a Jwks);

impl Drop for FetchGuard<'_> {
    fn drop(&mut self) {
        self.0.state().fetching = false;
        self.0.fetched.notify_all();
    }
}

/// Everything local verification needs.
pub(crate) struct LocalVerifier {
    pub(crate) keys: KeySource,
    pub(crate) options: VerifyOptions,
    pub(crate) clock: Arc<dyn Clock>,
}

impl LocalVerifier {
    pub(crate) fn source_name(&self) -> &'static str {
        match self.keys {
            KeySource::Pem(_) => "pem",
            KeySource::Jwks(_) => "jwks",
            KeySource::Missing => "none",
        }
    }

    /// Verifies an M2M JWT locally (the caller checked [`is_m2m_jwt`](clerk_m2m_types::jwt::is_m2m_jwt)).
    pub(crate) fn verify(
        &self,
        token: &str,
        config: &Config,
        transport: &dyn Transport,
    ) -> Result<M2mToken, Error> {
        match &self.keys {
            KeySource::Pem(keys) => verify(token, keys, self.clock.now(), &self.options)
                .map_err(|source| Error::Jwt { source }),
            KeySource::Missing => Err(Error::NoJwtKey),
            KeySource::Jwks(jwks) => {
                let fetcher = Fetcher {
                    config,
                    transport,
                    clock: self.clock.as_ref(),
                };
                self.verify_with_jwks(token, jwks, &fetcher)
            }
        }
    }

    fn verify_with_jwks(
        &self,
        token: &str,
        jwks: &Jwks,
        fetcher: &Fetcher<'_>,
    ) -> Result<M2mToken, Error> {
        self.refresh_if_due(jwks, fetcher);
        let mut refetched = false;
        loop {
            let (keys, generation) = {
                let state = jwks.state();
                (Arc::clone(&state.keys), state.cache.generation())
            };
            let error = match verify(token, &keys, self.clock.now(), &self.options) {
                Ok(verified) => return Ok(verified),
                Err(error) => error,
            };
            if !error.is_key_miss() || refetched {
                return Err(settle(jwks, &keys, error));
            }
            // A key miss: wait for a fetch in flight, then decide under the
            // lock, so concurrent misses share one fetch.
            let mut state = jwks.idle(jwks.state());
            let now = self.clock.now();
            let decision = if error.kind() == JwtErrorKind::UnknownKey {
                state.cache.on_unknown_kid(generation, now)
            } else {
                state.cache.on_signature_failure(generation, now)
            };
            refetched = true;
            match decision {
                FetchDecision::Retry => continue,
                FetchDecision::Fetch => {
                    state.fetching = true;
                    drop(state);
                    if let Err(source) = fetcher.fetch_into(jwks) {
                        return Err(Error::Jwks { source });
                    }
                }
                FetchDecision::CoolingDown { .. } => {
                    drop(state);
                    return Err(settle(jwks, &keys, error));
                }
            }
        }
    }

    /// Fetches the JWKS first when there are no keys yet (waiting for a
    /// fetch in flight), or refreshes stale keys when no fetch is in flight
    /// (other verifications keep using the stale keys meanwhile).
    fn refresh_if_due(&self, jwks: &Jwks, fetcher: &Fetcher<'_>) {
        let mut state = jwks.state();
        if !state.cache.needs_refresh(self.clock.now()) {
            return;
        }
        if state.fetching {
            if !state.keys.is_empty() {
                return;
            }
            state = jwks.idle(state);
            // Someone fetched while we waited.
            if !state.cache.needs_refresh(self.clock.now()) {
                return;
            }
        }
        state.fetching = true;
        drop(state);
        // A failure is kept in the state; the verification reports it.
        let _ = fetcher.fetch_into(jwks);
    }
}

/// The error for a key miss that no fetch can settle: the fetch failure when
/// there are no keys at all (the fault is ours), else the token's.
fn settle(jwks: &Jwks, keys: &KeySet, error: JwtError) -> Error {
    if keys.is_empty() {
        if let Some(source) = jwks.state().last_error.clone() {
            return Error::Jwks { source };
        }
    }
    Error::Jwt { source: error }
}

struct Fetcher<'a> {
    config: &'a Config,
    transport: &'a dyn Transport,
    clock: &'a dyn Clock,
}

impl Fetcher<'_> {
    /// Fetches the JWKS once and records the outcome in the cache. The
    /// caller has set `fetching`; this clears it and wakes the waiters.
    fn fetch_into(&self, jwks: &Jwks) -> Result<(), Arc<Error>> {
        let guard = FetchGuard(jwks);
        let result = self.fetch();
        let now = self.clock.now();
        let outcome = {
            let mut state = jwks.state();
            match result {
                Ok(keys) => {
                    state.cache.update_keys(keys, now);
                    state.keys = Arc::new(state.cache.keys().clone());
                    state.last_error = None;
                    Ok(())
                }
                Err(error) => {
                    state.cache.fetch_failed(now);
                    let error = Arc::new(error);
                    state.last_error = Some(Arc::clone(&error));
                    Err(error)
                }
            }
        };
        drop(guard);
        outcome
    }

    /// `GET {base}/v1/jwks` with the instance key, one attempt bounded by the
    /// transport's own timeout. Not retried: the cache's cooldown paces
    /// refetches.
    fn fetch(&self) -> Result<KeySet, Error> {
        let operation = Operation::VerifyToken;
        let request = jwks_request(self.config).map_err(|error| match error {
            JwksRequestError::MissingSecretKey => Error::NoJwtKey,
            JwksRequestError::Request(source) => Error::InvalidRequest { operation, source },
            _ => Error::InvalidRequest {
                operation,
                source: RequestError::MissingSecretKey,
            },
        })?;
        let response = self
            .transport
            .send(request)
            .map_err(|source| Error::Transport {
                operation,
                attempts: 1,
                source,
            })?;
        parse_jwks_response(response).map_err(|error| Error::from_response(operation, 1, error))
    }
}
