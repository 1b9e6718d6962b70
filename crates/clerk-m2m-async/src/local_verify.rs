//! Local verification of M2M JWTs for [`Client::verify_token`]: the keys
//! decided when the client was built, and the driver of
//! [`JwksVerifier`](clerk_m2m_types::driver::jwks::JwksVerifier), which holds every
//! rule. This module adds its lock, its wait (a [`Notify`]) and its fetch:
//! a task of its own, so that callers that give up do not cancel it.

use crate::{Client, Clock};
use clerk_m2m_types::driver::jwks::{
    classify, Checked, Classified, FetchJwks, FetchReport, FetchTicket, JwksStep, JwksVerifier,
    KeyLookup, KeyPlan, M2mJwt, Route,
};
use clerk_m2m_types::jwt::{KeySet, VerifyOptions};
use clerk_m2m_types::{Error, M2mToken};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;
use tokio::sync::Notify;

/// Everything local verification needs, decided when the client is built.
pub(crate) struct LocalVerifier {
    keys: KeyPlan<Arc<Shared>>,
    options: VerifyOptions,
    clock: Arc<dyn Clock>,
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

    fn report(&self, ticket: FetchTicket, result: Result<KeySet, Error>, now: SystemTime) {
        self.lock().finish_fetch(ticket, result, now);
        self.fetched.notify_waiters();
    }
}

impl LocalVerifier {
    pub(crate) fn new(plan: KeyPlan, options: VerifyOptions, clock: Arc<dyn Clock>) -> Self {
        let keys = plan.map_jwks(|verifier| {
            Arc::new(Shared {
                state: Mutex::new(verifier),
                fetched: Notify::new(),
            })
        });
        Self {
            keys,
            options,
            clock,
        }
    }

    pub(crate) fn source_name(&self) -> &'static str {
        self.keys.source_name()
    }

    async fn verify(&self, client: &Client, jwt: M2mJwt<'_>) -> Result<M2mToken, Error> {
        let (shared, mut jwt) = match self.keys.route(jwt, self.clock.now(), &self.options) {
            Route::Settled(result) => return result,
            Route::Jwks(shared, jwt) => (shared, jwt),
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
                JwksStep::Check(keys) => {
                    match lookup.check(jwt, &keys, || self.clock.now(), &self.options) {
                        Checked::Done(result) => return result,
                        Checked::Again(unsettled) => jwt = unsettled,
                    }
                }
                JwksStep::Fetch(ticket) => {
                    let (shared, clock) = (Arc::clone(shared), Arc::clone(&self.clock));
                    let report = FetchReport::new(ticket, move |ticket, result| {
                        shared.report(ticket, result, clock.now());
                    });
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
