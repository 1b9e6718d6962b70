//! The JWKS cache as a plain state value: no I/O, no clock, no locks.

use super::error::KeyError;
use super::keyset::KeySet;
use std::time::{Duration, SystemTime};

/// How long fetched keys count as fresh.
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(5 * 60);
/// The least time between two fetches prompted by an unknown `kid` or a bad
/// signature (also counted from the last fetch of any kind).
pub const DEFAULT_JWKS_REFETCH_COOLDOWN: Duration = Duration::from_secs(30);

/// What to do after a verification failed for want of the right key.
///
/// Deliberately exhaustive: a driver must handle every case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchDecision {
    /// Fetch the JWKS now, report the result with [`JwksCache::update`],
    /// [`JwksCache::update_keys`] or [`JwksCache::fetch_failed`], then
    /// verify again. The cooldown runs from now.
    Fetch,
    /// The keys changed since the failed verification: verify again with
    /// [`JwksCache::keys`], without fetching.
    Retry,
    /// The JWKS was fetched (or a fetch was attempted) less than the
    /// cooldown ago: do not fetch; the verification error stands.
    CoolingDown {
        /// When a refetch will next be allowed.
        until: SystemTime,
    },
}

/// The state of a JWKS cache: the keys, when they were fetched, and when a
/// fetch was last attempted.
///
/// The driver (a client, or your code) owns the I/O and the clock:
///
/// 1. Before verifying, if [`needs_refresh`](Self::needs_refresh), fetch
///    (see [`jwks_request`](crate::driver::jwks::jwks_request)) and report with
///    [`update`](Self::update) / [`fetch_failed`](Self::fetch_failed). With
///    no keys yet the fetch must come first; with stale keys it may run
///    alongside, since known keys keep being served.
/// 2. Note [`generation`](Self::generation) and verify with
///    [`keys`](Self::keys).
/// 3. On an [`UnknownKey`](super::JwtErrorKind::UnknownKey) or
///    [`InvalidSignature`](super::JwtErrorKind::InvalidSignature) error, ask
///    [`on_unknown_kid`](Self::on_unknown_kid) /
///    [`on_signature_failure`](Self::on_signature_failure) and follow the
///    [`FetchDecision`]. Refetches share one cooldown, so random `kid`s from
///    an attacker cost at most one fetch per cooldown.
///
/// A failed fetch keeps the known keys. [`JwksVerifier`](super::JwksVerifier)
/// adds the rest a client needs around this value: one fetch at a time for
/// many concurrent verifications, who waits, and which error wins.
///
/// ```
/// use clerk_m2m_types::driver::jwks::{FetchDecision, JwksCache};
/// use std::time::{Duration, SystemTime};
///
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_716_880_000);
/// let mut cache = JwksCache::new();
/// assert!(cache.needs_refresh(start));
/// // …fetch GET /v1/jwks; here the API is down:
/// cache.fetch_failed(start);
/// assert!(!cache.needs_refresh(start + Duration::from_secs(10)));
/// assert!(cache.needs_refresh(start + Duration::from_secs(30)));
///
/// // A token with an unknown kid, 10 s after the failed attempt:
/// let seen = cache.generation();
/// let later = start + Duration::from_secs(10);
/// assert_eq!(
///     cache.on_unknown_kid(seen, later),
///     FetchDecision::CoolingDown { until: start + Duration::from_secs(30) }
/// );
/// assert_eq!(cache.on_unknown_kid(seen, start + Duration::from_secs(31)), FetchDecision::Fetch);
/// ```
#[derive(Clone, Debug)]
pub struct JwksCache {
    keys: KeySet,
    generation: u64,
    fetched_at: Option<SystemTime>,
    attempted_at: Option<SystemTime>,
    max_age: Duration,
    cooldown: Duration,
}

impl Default for JwksCache {
    fn default() -> Self {
        Self {
            keys: KeySet::new(),
            generation: 0,
            fetched_at: None,
            attempted_at: None,
            max_age: DEFAULT_JWKS_MAX_AGE,
            cooldown: DEFAULT_JWKS_REFETCH_COOLDOWN,
        }
    }
}

/// Whether `interval` has passed between `since` and `now`. A clock that went
/// backwards counts as passed, so a clock step cannot freeze the cache.
fn elapsed(since: SystemTime, now: SystemTime, interval: Duration) -> bool {
    now.duration_since(since)
        .map_or(true, |passed| passed >= interval)
}

impl JwksCache {
    /// An empty cache with the default freshness (5 minutes) and cooldown (30 s).
    pub fn new() -> Self {
        Self::default()
    }

    /// How long fetched keys stay fresh.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The least time between two fetches prompted by a key miss.
    pub fn refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// The keys to verify with (empty until the first successful fetch).
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// A number that changes whenever the keys are replaced. Note it before
    /// verifying and hand it to the `on_*` methods after a failure.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When the keys were last fetched successfully.
    pub fn fetched_at(&self) -> Option<SystemTime> {
        self.fetched_at
    }

    /// Whether the keys were fetched less than the max age ago.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        self.fetched_at
            .is_some_and(|fetched| !elapsed(fetched, now, self.max_age))
    }

    /// Whether to fetch the JWKS now: never attempted, or stale and no
    /// attempt within the cooldown (so an outage is not hammered).
    pub fn needs_refresh(&self, now: SystemTime) -> bool {
        match self.attempted_at {
            None => true,
            Some(attempted) => !self.is_fresh(now) && elapsed(attempted, now, self.cooldown),
        }
    }

    /// A token's `kid` had no key in the generation `seen_generation`.
    pub fn on_unknown_kid(&mut self, seen_generation: u64, now: SystemTime) -> FetchDecision {
        self.on_key_miss(seen_generation, now)
    }

    /// A token's signature failed with a known `kid` in the generation
    /// `seen_generation`. Clerk's `kid` is the instance id, so a rotated key
    /// can keep it: this refetches under the same cooldown as an unknown `kid`.
    pub fn on_signature_failure(&mut self, seen_generation: u64, now: SystemTime) -> FetchDecision {
        self.on_key_miss(seen_generation, now)
    }

    fn on_key_miss(&mut self, seen_generation: u64, now: SystemTime) -> FetchDecision {
        if seen_generation != self.generation {
            return FetchDecision::Retry;
        }
        match self.attempted_at {
            Some(attempted) if !elapsed(attempted, now, self.cooldown) => {
                FetchDecision::CoolingDown {
                    until: attempted + self.cooldown,
                }
            }
            _ => {
                self.attempted_at = Some(now);
                FetchDecision::Fetch
            }
        }
    }

    /// Reports a fetched JWKS body. On success the keys are replaced (keys
    /// that did not change keep their parsed state); a body that is not a
    /// JWKS or has no usable key counts as a failed fetch, and the known
    /// keys stay.
    pub fn update(&mut self, jwks_json: &[u8], now: SystemTime) -> Result<(), KeyError> {
        match KeySet::from_jwks_json(jwks_json) {
            Ok(keys) => {
                self.update_keys(keys, now);
                Ok(())
            }
            Err(error) => {
                self.fetch_failed(now);
                Err(error)
            }
        }
    }

    /// Reports a successful fetch already parsed (e.g. by
    /// [`parse_jwks_response`](crate::driver::jwks::parse_jwks_response)).
    pub fn update_keys(&mut self, mut keys: KeySet, now: SystemTime) {
        keys.adopt_prepared(&self.keys);
        self.keys = keys;
        self.generation = self.generation.wrapping_add(1);
        self.fetched_at = Some(now);
        self.attempted_at = Some(now);
    }

    /// Reports a failed fetch: the known keys stay, and the cooldown runs
    /// from `now`.
    pub fn fetch_failed(&mut self, now: SystemTime) {
        self.attempted_at = Some(now);
    }
}
