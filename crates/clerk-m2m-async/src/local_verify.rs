//! Local verification of M2M JWTs for [`Client::verify_token`](crate::Client::verify_token):
//! the keys (a PEM, or the JWKS fetched and cached with single-flight) and
//! the verification loop.
//!
//! The pure parts (checks, key parsing, the cache's decisions) are in
//! `clerk_m2m_types::jwt`; this module adds the I/O, the clock and the
//! sharing of one fetch among concurrent verifications.

use crate::{Clock, Transport};
use clerk_m2m_types::jwt::{
    jwks_request, parse_jwks_response, verify, FetchDecision, JwksCache, JwksRequestError,
    JwtError, JwtErrorKind, KeySet, VerifyOptions,
};
use clerk_m2m_types::{
    Config, Error, M2mToken, Operation, RequestError, TransportError, TransportErrorKind,
};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

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
    /// Held while a fetch runs and while a key miss is decided, so N
    /// concurrent misses cause one fetch. A Tokio mutex: a waiter whose
    /// future is dropped leaves the queue, and a fetcher that is dropped
    /// releases it, so the next waiter decides (and fetches) itself.
    gate: tokio::sync::Mutex<()>,
}

struct JwksState {
    cache: JwksCache,
    /// The cache's keys, shared so that verifications run without the lock.
    keys: Arc<KeySet>,
    /// The last fetch failure, while no fetch has succeeded since.
    last_error: Option<Arc<Error>>,
}

impl Jwks {
    pub(crate) fn new(cache: JwksCache) -> Self {
        Self {
            state: Mutex::new(JwksState {
                keys: Arc::new(cache.keys().clone()),
                cache,
                last_error: None,
            }),
            gate: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> MutexGuard<'_, JwksState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
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
    pub(crate) async fn verify(
        &self,
        token: &str,
        config: &Config,
        transport: &dyn Transport,
        timeout: Duration,
    ) -> Result<M2mToken, Error> {
        match &self.keys {
            KeySource::Pem(keys) => verify(token, keys, self.clock.now(), &self.options)
                .map_err(|source| Error::Jwt { source }),
            KeySource::Missing => Err(Error::NoJwtKey),
            KeySource::Jwks(jwks) => {
                let fetcher = Fetcher {
                    config,
                    transport,
                    timeout,
                    clock: self.clock.as_ref(),
                };
                self.verify_with_jwks(token, jwks, &fetcher).await
            }
        }
    }

    async fn verify_with_jwks(
        &self,
        token: &str,
        jwks: &Jwks,
        fetcher: &Fetcher<'_>,
    ) -> Result<M2mToken, Error> {
        self.refresh_if_due(jwks, fetcher).await;
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
            // A key miss: decide under the gate, so a fetch in flight is
            // waited for and concurrent misses share it.
            let _gate = jwks.gate.lock().await;
            let now = self.clock.now();
            let decision = {
                let mut state = jwks.state();
                if error.kind() == JwtErrorKind::UnknownKey {
                    state.cache.on_unknown_kid(generation, now)
                } else {
                    state.cache.on_signature_failure(generation, now)
                }
            };
            refetched = true;
            match decision {
                FetchDecision::Retry => continue,
                FetchDecision::Fetch => {
                    if let Err(source) = fetcher.fetch_into(jwks).await {
                        return Err(Error::Jwks { source });
                    }
                }
                FetchDecision::CoolingDown { .. } => return Err(settle(jwks, &keys, error)),
            }
        }
    }

    /// Fetches the JWKS first when there are no keys yet (waiting for a
    /// fetch in flight), or refreshes stale keys when no fetch is in flight
    /// (other verifications keep using the stale keys meanwhile).
    async fn refresh_if_due(&self, jwks: &Jwks, fetcher: &Fetcher<'_>) {
        let (due, cold) = {
            let state = jwks.state();
            (
                state.cache.needs_refresh(self.clock.now()),
                state.keys.is_empty(),
            )
        };
        if !due {
            return;
        }
        let _gate = if cold {
            jwks.gate.lock().await
        } else {
            match jwks.gate.try_lock() {
                Ok(gate) => gate,
                Err(_) => return,
            }
        };
        // Someone may have fetched while we waited.
        if jwks.state().cache.needs_refresh(self.clock.now()) {
            // A failure is kept in the state; the verification reports it.
            let _ = fetcher.fetch_into(jwks).await;
        }
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
    timeout: Duration,
    clock: &'a dyn Clock,
}

impl Fetcher<'_> {
    /// Fetches the JWKS once and records the outcome in the cache.
    async fn fetch_into(&self, jwks: &Jwks) -> Result<(), Arc<Error>> {
        let result = self.fetch().await;
        let now = self.clock.now();
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
    }

    /// `GET {base}/v1/jwks` with the instance key, one attempt bounded by the
    /// call timeout. Not retried: the cache's cooldown paces refetches.
    async fn fetch(&self) -> Result<KeySet, Error> {
        let operation = Operation::VerifyToken;
        let request = jwks_request(self.config).map_err(|error| match error {
            JwksRequestError::MissingSecretKey => Error::NoJwtKey,
            JwksRequestError::Request(source) => Error::InvalidRequest { operation, source },
            _ => Error::InvalidRequest {
                operation,
                source: RequestError::MissingSecretKey,
            },
        })?;
        let response = tokio::time::timeout(self.timeout, self.transport.send(request))
            .await
            .unwrap_or_else(|_elapsed| {
                Err(TransportError::new(TransportErrorKind::Timeout)
                    .with_source("the call timeout elapsed before the JWKS answer"))
            })
            .map_err(|source| Error::Transport {
                operation,
                attempts: 1,
                source,
            })?;
        parse_jwks_response(response).map_err(|error| Error::from_response(operation, 1, error))
    }
}
