//! Local verification of M2M JWTs for [`Client::verify_token`]: the keys
//! decided when the client was built, and the driver of
//! [`JwksVerifier`](clerk_m2m_types::driver::jwks::JwksVerifier), which holds every
//! rule. This module adds its lock, its wait (a [`Condvar`]) and its fetch,
//! made by the calling thread (which cannot be cancelled); a transport that
//! panics still releases the threads waiting for that fetch.

use crate::{Client, Clock};
use clerk_m2m_types::driver::jwks::{
    classify, Checked, Classified, FetchJwks, FetchReport, JwksStep, JwksVerifier, KeyLookup,
    KeyPlan, M2mJwt, Route,
};
use clerk_m2m_types::jwt::VerifyOptions;
use clerk_m2m_types::{Error, M2mToken};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Everything local verification needs, decided when the client is built.
pub(crate) struct LocalVerifier {
    keys: KeyPlan<Shared>,
    options: VerifyOptions,
    clock: Arc<dyn Clock>,
}

/// The JWKS state every verification of one client shares.
struct Shared {
    state: Mutex<JwksVerifier>,
    /// Signalled whenever a fetch is reported.
    fetched: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, JwksVerifier> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl LocalVerifier {
    pub(crate) fn new(plan: KeyPlan, options: VerifyOptions, clock: Arc<dyn Clock>) -> Self {
        let keys = plan.map_jwks(|verifier| Shared {
            state: Mutex::new(verifier),
            fetched: Condvar::new(),
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

    fn verify(&self, client: &Client, jwt: M2mJwt<'_>) -> Result<M2mToken, Error> {
        let (shared, mut jwt) = match self.keys.route(jwt, self.clock.now(), &self.options) {
            Route::Settled(result) => return result,
            Route::Jwks(shared, jwt) => (shared, jwt),
        };
        let mut lookup = KeyLookup::new();
        let mut state = shared.lock();
        loop {
            match state.poll(&mut lookup, self.clock.now()) {
                JwksStep::Check(keys) => {
                    drop(state);
                    match lookup.check(jwt, &keys, || self.clock.now(), &self.options) {
                        Checked::Done(result) => return result,
                        Checked::Again(unsettled) => jwt = unsettled,
                    }
                }
                JwksStep::Fetch(ticket) => {
                    drop(state);
                    // Reports the fetch even if the transport panics.
                    let report = FetchReport::new(ticket, |ticket, result| {
                        shared.lock().finish_fetch(ticket, result, self.clock.now());
                        shared.fetched.notify_all();
                    });
                    report.finish(client.send(&FetchJwks));
                }
                JwksStep::Wait => {
                    state = shared
                        .fetched
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                    continue;
                }
                JwksStep::Fail(error) => return Err(error),
            }
            state = shared.lock();
        }
    }
}

impl Client {
    /// Verifies `token` locally if it is an M2M JWT (or refuses it if it is
    /// too large to be sent anywhere); `None`: it is for the API.
    pub(crate) fn verify_locally(&self, token: &str) -> Option<Result<M2mToken, Error>> {
        match classify(token) {
            Err(source) => Some(Err(Error::Jwt { source })),
            Ok(Classified::NotM2mJwt) => None,
            Ok(Classified::M2mJwt(jwt)) => Some(self.local_verifier().verify(self, jwt)),
        }
    }
}
