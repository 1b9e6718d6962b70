//! Local verification of M2M JWTs for [`Client::verify_token`]: the keys
//! decided when the client was built, and the driver of
//! [`JwksVerifier`](clerk_m2m_types::jwt::JwksVerifier), which holds every
//! rule. This module adds its lock, its wait (a [`Notify`]) and its fetch:
//! a task of its own, so that callers that give up do not cancel it.

use crate::{Client, Clock};
use clerk_m2m_types::jwt::{
    classify, Classified, FetchJwks, FetchTicket, JwksStep, JwksVerifier, KeyLookup, KeyPlan,
    KeySet, M2mJwt, VerifyOptions,
};
use clerk_m2m_types::{Error, M2mToken};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;

/// Everything local verification needs, decided when the client is built.
pub(crate) struct LocalVerifier {
    keys: Keys,
    options: VerifyOptions,
    clock: Arc<dyn Clock>,
}

enum Keys {
    /// Fixed keys (a PEM or a given key set): no network, no lock.
    Static(KeySet),
    Jwks(Arc<Shared>),
    Missing,
}

/// The JWKS state every verification of one client shares.
struct Shared {
    state: Mutex<JwksVerifier>,
    /// Woken whenever a fetch is reported.
    fetched: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, JwksVerifier> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl LocalVerifier {
    pub(crate) fn new(plan: KeyPlan, options: VerifyOptions, clock: Arc<dyn Clock>) -> Self {
        let keys = match plan {
            KeyPlan::Static(keys) => Keys::Static(keys),
            KeyPlan::Jwks(verifier) => Keys::Jwks(Arc::new(Shared {
                state: Mutex::new(verifier),
                fetched: Notify::new(),
            })),
            KeyPlan::Missing => Keys::Missing,
        };
        Self {
            keys,
            options,
            clock,
        }
    }

    pub(crate) fn source_name(&self) -> &'static str {
        match self.keys {
            Keys::Static(_) => "pem",
            Keys::Jwks(_) => "jwks",
            Keys::Missing => "none",
        }
    }

    async fn verify(&self, client: &Client, mut jwt: M2mJwt<'_>) -> Result<M2mToken, Error> {
        let shared = match &self.keys {
            Keys::Static(keys) => {
                return jwt_result(jwt.verify(keys, self.clock.now(), &self.options))
            }
            Keys::Missing => return Err(Error::NoJwtKey),
            Keys::Jwks(shared) => shared,
        };
        let mut lookup = KeyLookup::new();
        loop {
            let (step, fetched) = {
                let mut state = shared.lock();
                let step = state.poll(&mut lookup, self.clock.now());
                // Created under the lock, so a fetch reported after it wakes it.
                let fetched = matches!(step, JwksStep::Wait).then(|| shared.fetched.notified());
                (step, fetched)
            };
            match step {
                JwksStep::Check(keys) => match jwt.check_signature(&keys) {
                    Ok(()) => return jwt_result(jwt.into_token(self.clock.now(), &self.options)),
                    Err(error) => lookup.failed(error),
                },
                JwksStep::Fetch(ticket) => {
                    let report = FetchReport {
                        shared: Arc::clone(shared),
                        clock: Arc::clone(&self.clock),
                        ticket: Some(ticket),
                    };
                    let client = client.clone();
                    tokio::spawn(async move { report.finish(client.send(&FetchJwks).await) });
                }
                JwksStep::Wait => {
                    if let Some(fetched) = fetched {
                        fetched.await;
                    }
                }
                JwksStep::Fail(error) => return Err(error),
            }
        }
    }
}

fn jwt_result<T>(result: Result<T, clerk_m2m_types::jwt::JwtError>) -> Result<T, Error> {
    result.map_err(|source| Error::Jwt { source })
}

/// Reports a fetch to the verifier and wakes the waiters; dropped before
/// that (the transport panicked, the runtime is shutting down), reports the
/// fetch abandoned, so that no one waits forever.
struct FetchReport {
    shared: Arc<Shared>,
    clock: Arc<dyn Clock>,
    ticket: Option<FetchTicket>,
}

impl FetchReport {
    fn finish(mut self, result: Result<KeySet, Error>) {
        if let Some(ticket) = self.ticket.take() {
            let now = self.clock.now();
            self.shared.lock().finish_fetch(ticket, result, now);
            self.shared.fetched.notify_waiters();
        }
    }
}

impl Drop for FetchReport {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            let now = self.clock.now();
            self.shared.lock().abandon_fetch(ticket, now);
            self.shared.fetched.notify_waiters();
        }
    }
}

impl Client {
    /// Verifies `token` locally if it is an M2M JWT (or refuses it if it is
    /// too large to be sent anywhere); `None`: it is for the API.
    pub(crate) async fn verify_locally(&self, token: &str) -> Option<Result<M2mToken, Error>> {
        match classify(token) {
            Err(source) => Some(Err(Error::Jwt { source })),
            Ok(Classified::NotM2mJwt) => None,
            Ok(Classified::M2mJwt(jwt)) => Some(self.local_verifier().verify(self, jwt).await),
        }
    }
}
