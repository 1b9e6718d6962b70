//! Verification against the instance's JWKS as a state machine: the cache,
//! one fetch at a time, who waits, and which error wins. No I/O, no clock,
//! no lock: a driver holds it in a mutex and does what each step says.

use super::cache::{FetchDecision, JwksCache};
use super::error::{JwtError, JwtErrorKind};
use super::keyset::KeySet;
use super::m2m_jwt::M2mJwt;
use super::VerifyOptions;
use crate::error::{Delivery, TransportError, TransportErrorKind};
use crate::{Error, M2mToken, Operation};
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

/// The JWKS side of local verification, shared by every verification of one
/// client: the [`JwksCache`], the fetch in flight, and the last fetch failure.
///
/// A driver keeps it in a mutex, gives each verification a [`KeyLookup`],
/// and loops on [`poll`](Self::poll), doing what the [`JwksStep`] says:
///
/// - [`Check`](JwksStep::Check): check the token against the keys
///   ([`M2mJwt::check_signature`](crate::driver::jwks::M2mJwt::check_signature)) *outside
///   the lock*; on success the lookup is over, on failure report it with
///   [`KeyLookup::failed`] and poll again;
/// - [`Fetch`](JwksStep::Fetch): send [`FetchJwks`](crate::driver::jwks::FetchJwks),
///   report the result with [`finish_fetch`](Self::finish_fetch) (a
///   [`FetchReport`] reports it abandoned if it never ends), wake the
///   waiters, and poll again. The fetch must run to its end even if the
///   verification that started it is dropped: other verifications wait for it;
/// - [`Wait`](JwksStep::Wait): a fetch is in flight and this verification
///   needs its outcome; poll again when a fetch finishes;
/// - [`Fail`](JwksStep::Fail): the verification's result.
///
/// The rules it keeps: with no keys yet, verifications wait for the first
/// fetch; stale keys keep being served while one refresh runs; an unknown
/// `kid` or a bad signature refetches once, at most once per cooldown for
/// all verifications together ([`JwksCache::on_unknown_kid`]); a failed
/// fetch keeps the known keys. A verification that fails for want of keys
/// reports the fetch failure ([`Error::Jwks`]) when there were no keys at
/// all (the fault is ours), else the token's own error ([`Error::Jwt`]).
///
/// ```
/// use clerk_m2m_types::driver::jwks::{
///     classify, Classified, JwksCache, JwksStep, JwksVerifier, KeyLookup,
/// };
/// use clerk_m2m_types::{Error, Operation, TransportError};
/// use std::time::{Duration, SystemTime};
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_716_880_000);
/// let mut verifier = JwksVerifier::new(JwksCache::new());
/// // {"alg":"RS256","kid":"ins_1"} . {"sub":"mch_1"} . signature
/// let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18xIn0.eyJzdWIiOiJtY2hfMSJ9.c2ln";
///
/// // A first verification on a cold cache fetches; a second one waits for it.
/// let mut first = KeyLookup::new();
/// let JwksStep::Fetch(ticket) = verifier.poll(&mut first, now) else { panic!("fetch") };
/// let mut second = KeyLookup::new();
/// assert!(matches!(verifier.poll(&mut second, now), JwksStep::Wait));
///
/// // The fetch fails (the driver sent it, then wakes the waiters).
/// let refused = Error::Transport {
///     operation: Operation::FetchJwks,
///     attempts: 1,
///     source: TransportError::other("connection refused"),
/// };
/// verifier.finish_fetch(ticket, Err(refused), now);
///
/// // Each verification checks its token against no keys, reports the miss,
/// // and gets the fetch failure: with no keys at all, the fault is ours.
/// for lookup in [&mut first, &mut second] {
///     let JwksStep::Check(keys) = verifier.poll(lookup, now) else { panic!("check") };
///     let Classified::M2mJwt(mut jwt) = classify(token)? else { panic!("an M2M JWT") };
///     lookup.failed(jwt.check_signature(&keys).unwrap_err());
///     let JwksStep::Fail(error) = verifier.poll(lookup, now) else { panic!("fail") };
///     assert!(matches!(error, Error::Jwks { .. }));
/// }
/// # Ok::<(), clerk_m2m_types::jwt::JwtError>(())
/// ```
#[derive(Debug)]
pub struct JwksVerifier {
    cache: JwksCache,
    /// The cache's keys, shared so that checks run outside the driver's lock.
    keys: Arc<KeySet>,
    /// The id of the fetch in flight.
    in_flight: Option<u64>,
    next_ticket: u64,
    /// The last fetch failure, while no fetch has succeeded since.
    last_failure: Option<Arc<Error>>,
}

/// The failure of a fetch that ended without a result.
fn abandoned() -> Error {
    Error::Transport {
        operation: Operation::FetchJwks,
        attempts: 1,
        source: TransportError::new(TransportErrorKind::Other)
            .with_delivery(Delivery::MaybeSent)
            .with_source("the JWKS fetch ended without an answer (the transport panicked or its task was stopped)"),
    }
}

/// A fetch in flight, reported exactly once through `report`: with its
/// result by [`finish`](Self::finish), or, if the report is dropped first
/// (the transport panicked, the task running the fetch was stopped), as
/// abandoned ([`JwksVerifier::abandon_fetch`]'s failure). A driver's
/// `report` locks the verifier, calls [`JwksVerifier::finish_fetch`] and
/// wakes the waiters.
///
/// ```
/// use clerk_m2m_types::driver::jwks::{FetchReport, JwksCache, JwksStep, JwksVerifier, KeyLookup};
/// use std::sync::Mutex;
/// use std::time::SystemTime;
///
/// let verifier = Mutex::new(JwksVerifier::new(JwksCache::new()));
/// let step = verifier.lock().unwrap().poll(&mut KeyLookup::new(), SystemTime::UNIX_EPOCH);
/// let JwksStep::Fetch(ticket) = step else { panic!("a cold cache fetches") };
/// let report = FetchReport::new(ticket, |ticket, result| {
///     verifier.lock().unwrap().finish_fetch(ticket, result, SystemTime::UNIX_EPOCH);
/// });
/// drop(report); // e.g. a panic in the transport unwinds past it
/// let verifier = verifier.lock().unwrap();
/// assert!(!verifier.is_fetching());
/// assert!(verifier.last_failure().is_some());
/// ```
#[must_use = "dropped, the fetch is reported abandoned"]
pub struct FetchReport<F: FnOnce(FetchTicket, Result<KeySet, Error>)> {
    pending: Option<(FetchTicket, F)>,
}

impl<F: FnOnce(FetchTicket, Result<KeySet, Error>)> FetchReport<F> {
    /// Reports the fetch of `ticket` through `report`, once.
    pub fn new(ticket: FetchTicket, report: F) -> Self {
        Self {
            pending: Some((ticket, report)),
        }
    }

    /// Reports the fetch's result.
    pub fn finish(mut self, result: Result<KeySet, Error>) {
        if let Some((ticket, report)) = self.pending.take() {
            report(ticket, result);
        }
    }
}

impl<F: FnOnce(FetchTicket, Result<KeySet, Error>)> Drop for FetchReport<F> {
    fn drop(&mut self) {
        if let Some((ticket, report)) = self.pending.take() {
            report(ticket, Err(abandoned()));
        }
    }
}

impl<F: FnOnce(FetchTicket, Result<KeySet, Error>)> fmt::Debug for FetchReport<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchReport")
            .field("pending", &self.pending.is_some())
            .finish()
    }
}

/// The right to report one JWKS fetch, handed out by [`JwksVerifier::poll`].
/// Report it once, with [`JwksVerifier::finish_fetch`] or
/// [`JwksVerifier::abandon_fetch`]; until then every verification that needs
/// fresh keys waits.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a fetch must be reported, or its waiters wait forever"]
pub struct FetchTicket {
    id: u64,
}

/// What a verification does next (see [`JwksVerifier`]).
///
/// Exhaustive on purpose, like [`Step`](crate::call::Step): a driver must
/// handle every case.
#[derive(Debug)]
pub enum JwksStep {
    /// Check the token against these keys, outside any lock; report a
    /// failure with [`KeyLookup::failed`] and poll again.
    Check(Arc<KeySet>),
    /// Fetch the JWKS ([`FetchJwks`](crate::driver::jwks::FetchJwks)), report it with
    /// [`JwksVerifier::finish_fetch`], wake the waiters, and poll again.
    Fetch(FetchTicket),
    /// A fetch this verification needs is in flight: poll again once a
    /// fetch has been reported.
    Wait,
    /// The verification failed.
    Fail(Error),
}

/// What [`KeyLookup::check`] found.
///
/// Exhaustive on purpose, like [`JwksStep`].
#[derive(Debug)]
pub enum Checked<'t> {
    /// The verification is over.
    Done(Result<M2mToken, Error>),
    /// The keys did not settle the token: poll the verifier again with it.
    Again(M2mJwt<'t>),
}

/// The progress of one verification through a [`JwksVerifier`].
#[derive(Clone, Debug, Default)]
pub struct KeyLookup {
    stage: Stage,
}

#[derive(Clone, Debug, Default)]
enum Stage {
    /// Nothing checked yet.
    #[default]
    Start,
    /// Keys were handed out; a failure will be reported.
    Checking(Handed),
    /// The check with those keys failed.
    Failed(Handed, JwtError),
    /// This verification started a refetch after a key miss.
    Refetching(Handed, JwtError),
}

/// Which keys a verification was given.
#[derive(Clone, Copy, Debug)]
struct Handed {
    generation: u64,
    /// The key set was empty: nothing was ever fetched.
    empty: bool,
    /// The keys came from a refetch (or a retry) after a miss: a miss now is final.
    last_try: bool,
}

impl KeyLookup {
    /// A verification that has not started.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks `jwt` against the keys of a [`JwksStep::Check`], outside any
    /// lock: the signature first, then the claims at `now()` (read once the
    /// signature holds). A signature the keys do not settle is recorded
    /// ([`failed`](Self::failed)) and the token handed back: poll again.
    pub fn check<'t>(
        &mut self,
        mut jwt: M2mJwt<'t>,
        keys: &KeySet,
        now: impl FnOnce() -> SystemTime,
        options: &VerifyOptions,
    ) -> Checked<'t> {
        match jwt.check_signature(keys) {
            Ok(()) => Checked::Done(
                jwt.into_token(now(), options)
                    .map_err(|source| Error::Jwt { source }),
            ),
            Err(error) => {
                self.failed(error);
                Checked::Again(jwt)
            }
        }
    }

    /// The keys of the last [`JwksStep::Check`] did not settle the token:
    /// `error` is why. Poll again for what follows.
    pub fn failed(&mut self, error: JwtError) {
        let handed = match self.stage {
            Stage::Checking(handed) => handed,
            // No keys were handed out: nothing a fetch could change.
            _ => Handed {
                generation: 0,
                empty: false,
                last_try: true,
            },
        };
        self.stage = Stage::Failed(handed, error);
    }
}

impl JwksVerifier {
    /// A verifier around `cache` (its keys, freshness and cooldown).
    pub fn new(cache: JwksCache) -> Self {
        Self {
            keys: Arc::new(cache.keys().clone()),
            cache,
            in_flight: None,
            next_ticket: 0,
            last_failure: None,
        }
    }

    /// The cache: its keys, when they were fetched, its generation.
    pub fn cache(&self) -> &JwksCache {
        &self.cache
    }

    /// Whether a fetch is in flight.
    pub fn is_fetching(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The last fetch failure, if no fetch has succeeded since.
    pub fn last_failure(&self) -> Option<&Error> {
        self.last_failure.as_deref()
    }

    /// What the verification `lookup` does next, at `now`.
    pub fn poll(&mut self, lookup: &mut KeyLookup, now: SystemTime) -> JwksStep {
        match lookup.stage.clone() {
            Stage::Start | Stage::Checking(_) => {
                if self.in_flight.is_none() && self.cache.needs_refresh(now) {
                    return JwksStep::Fetch(self.start_fetch());
                }
                if self.in_flight.is_some() && self.keys.is_empty() {
                    return JwksStep::Wait;
                }
                self.hand_out(lookup, false)
            }
            Stage::Failed(handed, error) => {
                if !error.is_key_miss() || handed.last_try {
                    return JwksStep::Fail(self.settle(error, handed));
                }
                if self.in_flight.is_some() {
                    return JwksStep::Wait;
                }
                let decision = match error.kind() {
                    JwtErrorKind::UnknownKey => self.cache.on_unknown_kid(handed.generation, now),
                    _ => self.cache.on_signature_failure(handed.generation, now),
                };
                match decision {
                    FetchDecision::Retry => self.hand_out(lookup, true),
                    FetchDecision::Fetch => {
                        lookup.stage = Stage::Refetching(handed, error);
                        JwksStep::Fetch(self.start_fetch())
                    }
                    FetchDecision::CoolingDown { .. } => JwksStep::Fail(self.settle(error, handed)),
                }
            }
            Stage::Refetching(handed, error) => {
                if self.in_flight.is_some() {
                    return JwksStep::Wait;
                }
                if self.cache.generation() == handed.generation {
                    // The refetch failed: the known keys stand.
                    return JwksStep::Fail(self.settle(error, handed));
                }
                self.hand_out(lookup, true)
            }
        }
    }

    /// Reports the fetch of `ticket`: new keys replace the known ones (keys
    /// that did not change keep their parsed state); a failure keeps them,
    /// and is what verifications with no keys at all report. Either way the
    /// next fetch waits for the cooldown, counted from `now`.
    pub fn finish_fetch(
        &mut self,
        ticket: FetchTicket,
        result: Result<KeySet, Error>,
        now: SystemTime,
    ) {
        if self.in_flight != Some(ticket.id) {
            return;
        }
        self.in_flight = None;
        match result {
            Ok(keys) => {
                self.cache.update_keys(keys, now);
                self.keys = Arc::new(self.cache.keys().clone());
                self.last_failure = None;
            }
            Err(error) => {
                self.cache.fetch_failed(now);
                self.last_failure = Some(Arc::new(error));
            }
        }
    }

    /// Reports that the fetch of `ticket` ended without a result (the
    /// transport panicked, or the task running it was stopped): a failed
    /// fetch, so that its waiters go on.
    pub fn abandon_fetch(&mut self, ticket: FetchTicket, now: SystemTime) {
        self.finish_fetch(ticket, Err(abandoned()), now);
    }

    fn start_fetch(&mut self) -> FetchTicket {
        let id = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.in_flight = Some(id);
        FetchTicket { id }
    }

    fn hand_out(&self, lookup: &mut KeyLookup, last_try: bool) -> JwksStep {
        lookup.stage = Stage::Checking(Handed {
            generation: self.cache.generation(),
            empty: self.keys.is_empty(),
            last_try,
        });
        JwksStep::Check(Arc::clone(&self.keys))
    }

    /// The error for a miss no fetch can settle: the fetch failure when
    /// there were no keys at all (the fault is ours), else the token's.
    fn settle(&self, error: JwtError, handed: Handed) -> Error {
        match &self.last_failure {
            Some(failure) if handed.empty => Error::Jwks {
                source: Arc::clone(failure),
            },
            _ => Error::Jwt { source: error },
        }
    }
}
