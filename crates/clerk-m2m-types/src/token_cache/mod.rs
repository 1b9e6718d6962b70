//! The calling side's token cache as a sans-I/O state machine.

pub(crate) mod key;
pub(crate) mod outgoing;
mod policy;
pub(crate) mod settings;
pub(crate) mod shared;
pub(crate) mod sources;

pub use key::CreateKey;
pub use policy::{
    RefreshPolicy, DEFAULT_FAILURE_BACKOFF, DEFAULT_MAX_FAILURE_BACKOFF, DEFAULT_REFRESH_JITTER,
    DEFAULT_REFRESH_MARGIN,
};
pub use settings::{bearer_header, TokenSourceSettings};

use crate::error::{DecodeError, Error, TransportError, TransportErrorKind};
use crate::{M2mToken, Operation};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// What the caller of [`TokenCache::poll`] does next.
///
/// Deliberately exhaustive: a driver must handle every step.
#[derive(Debug)]
pub enum Step {
    /// Use this token.
    Ready(Arc<M2mToken>),
    /// Use this token, and start a create in the background for `ticket`
    /// (background refresh): report it with [`TokenCache::finish`].
    ReadyAndRefresh {
        /// The still-valid token.
        token: Arc<M2mToken>,
        /// The create to run, detached from this caller.
        ticket: Ticket,
    },
    /// Start the create for `ticket`, report it with [`TokenCache::finish`]
    /// (or [`TokenCache::abandon`] if it ends without a result), then poll
    /// again. Run it detached from the caller where possible: a caller that
    /// gives up must not cancel a create that may already have been sent.
    Create(Ticket),
    /// A create is running: wait until the cache changes (the driver's
    /// notification after `finish`/`abandon`/`invalidate`) or until `until`,
    /// whichever comes first, then poll again.
    Wait {
        /// When the load timeout of the running create expires, if set.
        until: Option<Instant>,
    },
    /// The call fails with this error: the last create failed and its
    /// backoff has not passed, or the create ran past the load timeout.
    Failed(Error),
}

/// The right to report one create's result. Not `Clone`: one create, one
/// report.
#[must_use = "a ticket's create must be reported with finish or abandon"]
#[derive(Debug, PartialEq, Eq)]
pub struct Ticket(u64);

/// A cached token and the monotonic times that govern it.
#[derive(Clone)]
struct Cached {
    token: Arc<M2mToken>,
    /// When to start replacing it; `None`: never (a non-expiring token).
    refresh_at: Option<Instant>,
    /// When it stops being handed out; `None`: never.
    expires_at: Option<Instant>,
    /// How many tokens in a row were rejected by a callee before this one
    /// was created to replace them.
    rejected_before: u32,
    /// Until when a callee's rejection of it is not believed (it replaced
    /// a rejected token; see [`TokenCache::invalidate_token`]).
    hold_until: Option<Instant>,
}

struct InFlight {
    ticket: u64,
    started: Instant,
}

struct Failure {
    error: Error,
    retry_at: Instant,
    in_a_row: u32,
}

/// The token cache's state: at most one token, at most one create in
/// flight, the last failure and its backoff.
///
/// Drive it with [`poll`](Self::poll); see the [module docs](crate::driver::token_cache).
pub struct TokenCache {
    policy: RefreshPolicy,
    /// With `min_remaining_ttl_seconds`, the server may return an older
    /// token that has at least this much left.
    reuse_floor: Option<Duration>,
    cached: Option<Cached>,
    in_flight: Option<InFlight>,
    failure: Option<Failure>,
    next_ticket: u64,
    /// The `rejected_before` of the next token admitted.
    rejected_streak: u32,
    tokens_created: u64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("policy", &self.policy)
            .field("cached", &self.cached.is_some())
            .field("creating", &self.in_flight.is_some())
            .field("failing", &self.failure.as_ref().map(|f| f.in_a_row))
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// An empty cache.
    pub fn new(policy: RefreshPolicy) -> Self {
        Self {
            policy,
            reuse_floor: None,
            cached: None,
            in_flight: None,
            failure: None,
            next_ticket: 0,
            rejected_streak: 0,
            tokens_created: 0,
        }
    }

    /// Declares that creates ask the server to reuse a token with at least
    /// `floor` left (`min_remaining_ttl_seconds`): such a token may be older
    /// than its `created_at` suggests, so its remaining lifetime is taken
    /// from the wall clock, never below `floor`.
    pub fn with_reuse_floor(mut self, floor: Option<Duration>) -> Self {
        self.reuse_floor = floor;
        self
    }

    /// The policy in use.
    pub fn policy(&self) -> &RefreshPolicy {
        &self.policy
    }

    /// The cached token, whatever its age.
    pub fn cached(&self) -> Option<&Arc<M2mToken>> {
        self.cached.as_ref().map(|cached| &cached.token)
    }

    /// Whether a create is in flight.
    pub fn is_creating(&self) -> bool {
        self.in_flight.is_some()
    }

    /// How many creates have returned a token (each one minted, and billed).
    pub fn tokens_created(&self) -> u64 {
        self.tokens_created
    }

    /// What to do now: see [`Step`].
    pub fn poll(&mut self, now: Instant) -> Step {
        let usable = self
            .cached
            .as_ref()
            .filter(|cached| cached.expires_at.is_none_or(|at| now < at));
        if let Some(cached) = usable {
            let due = cached.refresh_at.is_some_and(|at| now >= at);
            let token = Arc::clone(&cached.token);
            if !due {
                return Step::Ready(token);
            }
            if self.in_backoff(now) {
                return Step::Ready(token);
            }
            if self.policy.get_background_refresh() {
                if self.in_flight.is_some() {
                    return Step::Ready(token);
                }
                let ticket = self.start(now);
                return Step::ReadyAndRefresh { token, ticket };
            }
        }
        if let Some(in_flight) = &self.in_flight {
            return match self.policy.get_load_timeout() {
                None => Step::Wait { until: None },
                Some(timeout) => {
                    let until = in_flight.started.checked_add(timeout);
                    match until {
                        Some(until) if now < until => Step::Wait { until: Some(until) },
                        _ => Step::Failed(load_timeout_error(timeout)),
                    }
                }
            };
        }
        if let Some(failure) = &self.failure {
            if now < failure.retry_at {
                return Step::Failed(failure.error.clone());
            }
        }
        Step::Create(self.start(now))
    }

    /// Records the result of the create for `ticket` and returns what its
    /// caller gets: the token now cached, or the error now shared.
    ///
    /// `now` is when the answer arrived, `wall` the wall clock then (used
    /// only with a reuse floor), `jitter` a sample in `[0, 1)`. A ticket
    /// that is not the one in flight (already reported) changes nothing
    /// but its token is still returned.
    pub fn finish(
        &mut self,
        ticket: Ticket,
        result: Result<M2mToken, Error>,
        now: Instant,
        wall: SystemTime,
        jitter: f64,
    ) -> Result<Arc<M2mToken>, Error> {
        let current = self
            .in_flight
            .as_ref()
            .is_some_and(|f| f.ticket == ticket.0);
        if current {
            self.in_flight = None;
        }
        let result = result.and_then(require_value);
        match result {
            Ok(token) => {
                let token = Arc::new(token);
                self.tokens_created = self.tokens_created.saturating_add(1);
                if current {
                    self.failure = None;
                    self.cached = Some(self.admit(Arc::clone(&token), now, wall, jitter));
                    self.rejected_streak = 0;
                }
                Ok(token)
            }
            Err(error) => {
                if current {
                    let in_a_row = self.failure.as_ref().map_or(0, |f| f.in_a_row) + 1;
                    let retry_after = error
                        .api_error()
                        .and_then(|api| api.retry_after())
                        .map(|after| after.delay_from(wall));
                    let wait = self.policy.failure_wait(in_a_row, retry_after, jitter);
                    self.failure = Some(Failure {
                        error: error.clone(),
                        retry_at: now.checked_add(wait).unwrap_or(now),
                        in_a_row,
                    });
                }
                Err(error)
            }
        }
    }

    /// The create for `ticket` ended without a result (its task panicked or
    /// was torn down): the next [`poll`](Self::poll) starts another.
    pub fn abandon(&mut self, ticket: Ticket) {
        if self
            .in_flight
            .as_ref()
            .is_some_and(|f| f.ticket == ticket.0)
        {
            self.in_flight = None;
        }
    }

    /// Forgets the cached token and any backoff: the next poll creates.
    /// A create in flight goes on and its token is cached.
    pub fn invalidate(&mut self) {
        self.cached = None;
        self.failure = None;
        self.rejected_streak = 0;
    }

    /// A callee rejected `token_id` at `now`: forgets the cached token only
    /// if it is that token, so of many callers rejected with the same token
    /// only the first causes a new create. Returns whether it was dropped.
    ///
    /// A token that itself replaced a rejected one is kept for the failure
    /// backoff after it arrived (doubling with each rejected replacement,
    /// see [`RefreshPolicy::failure_wait`]): a callee that rejects every
    /// token costs one create per backoff window, not one per request.
    pub fn invalidate_token(&mut self, token_id: &str, now: Instant) -> bool {
        let Some(cached) = self
            .cached
            .as_ref()
            .filter(|cached| cached.token.id == token_id)
        else {
            return false;
        };
        if cached.hold_until.is_some_and(|until| now < until) {
            return false;
        }
        let streak = cached.rejected_before.saturating_add(1);
        self.invalidate();
        self.rejected_streak = streak;
        true
    }

    fn in_backoff(&self, now: Instant) -> bool {
        self.failure.as_ref().is_some_and(|f| now < f.retry_at)
    }

    fn start(&mut self, now: Instant) -> Ticket {
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.in_flight = Some(InFlight {
            ticket: self.next_ticket,
            started: now,
        });
        Ticket(self.next_ticket)
    }

    fn admit(&self, token: Arc<M2mToken>, now: Instant, wall: SystemTime, jitter: f64) -> Cached {
        let rejected_before = self.rejected_streak;
        let hold_until = (rejected_before > 0)
            .then(|| now.checked_add(self.policy.failure_wait(rejected_before, None, jitter)))
            .flatten();
        let Some(remaining) = remaining_lifetime(&token, wall, self.reuse_floor) else {
            return Cached {
                token,
                refresh_at: None,
                expires_at: None,
                rejected_before,
                hold_until,
            };
        };
        let lead = self.policy.lead_time(remaining, jitter);
        let expires_at = now.checked_add(remaining);
        Cached {
            refresh_at: expires_at.map(|at| at.checked_sub(lead).unwrap_or(now)),
            expires_at,
            token,
            rejected_before,
            hold_until,
        }
    }
}

/// How long `token` is good for from when it arrived: the lifetime the
/// server granted (`expiration − created_at`, both the server's clock), or,
/// when the server may have reused an older token, what is left by the wall
/// clock, never less than the floor the server guarantees nor more than the
/// lifetime. `None`: it never expires.
fn remaining_lifetime(
    token: &M2mToken,
    wall: SystemTime,
    reuse_floor: Option<Duration>,
) -> Option<Duration> {
    let expiration = token.expiration?;
    let lifetime = millis(expiration.saturating_sub(token.created_at));
    let Some(floor) = reuse_floor else {
        return Some(lifetime);
    };
    let wall_ms = wall
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        });
    let left = millis(expiration.saturating_sub(wall_ms));
    Some(left.max(floor).min(lifetime))
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn require_value(token: M2mToken) -> Result<M2mToken, Error> {
    if token.token.is_some() {
        Ok(token)
    } else {
        Err(Error::Decode {
            operation: Operation::CreateToken,
            attempts: 1,
            source: DecodeError::new(
                http::StatusCode::CREATED,
                "the create answer has no token value",
                b"",
            ),
        })
    }
}

fn load_timeout_error(timeout: Duration) -> Error {
    Error::Transport {
        operation: Operation::CreateToken,
        attempts: 1,
        source: TransportError::new(TransportErrorKind::Timeout).with_source(format!(
            "no token within the load timeout ({} ms); the create goes on",
            timeout.as_millis()
        )),
    }
}

#[cfg(test)]
mod tests;
