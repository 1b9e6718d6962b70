//! When a cached token is replaced and how failed creates back off.

use std::time::Duration;

/// How long before its expiry a token is replaced, by default: 60 s.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// The default spread added to the margin, so a fleet started together
/// does not refresh together: up to 10 s.
pub const DEFAULT_REFRESH_JITTER: Duration = Duration::from_secs(10);
/// The first wait after a failed create, by default: 1 s.
pub const DEFAULT_FAILURE_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between failed creates, by default: 30 s.
pub const DEFAULT_MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(30);

/// The rules of a [`TokenCache`](super::TokenCache).
///
/// - A token is replaced `margin` plus a random share of `jitter` before it
///   expires, the two together capped at half its lifetime (so a short-lived
///   token is still reused).
/// - With [`background_refresh`](Self::background_refresh), callers keep
///   getting the still-valid token while one create replaces it; without
///   it, callers wait for the new token once the refresh point has passed.
/// - A failed create is shared with every caller that waited for it; for
///   the backoff that follows (doubling from `failure_backoff` up to
///   `max_failure_backoff`, jittered, never shorter than the API's
///   `Retry-After`) new callers get that error at once instead of starting
///   another create (or the old token, while it is still valid).
/// - With a [`load_timeout`](Self::load_timeout), a caller waits at most
///   that long for a create; the create itself goes on, and its token is
///   cached when it lands.
/// - A token a callee rejects is replaced at once; a replacement that is
///   rejected too is kept for the same backoff as a failed create before a
///   rejection replaces it (see
///   [`TokenCache::invalidate_token`](super::TokenCache::invalidate_token)).
///
/// ```
/// use clerk_m2m_types::RefreshPolicy;
/// use std::time::Duration;
///
/// let policy = RefreshPolicy::new()
///     .margin(Duration::from_secs(30))
///     .background_refresh(true)
///     .load_timeout(Some(Duration::from_secs(5)));
/// assert_eq!(policy.get_margin(), Duration::from_secs(30));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    margin: Duration,
    jitter: Duration,
    background_refresh: bool,
    load_timeout: Option<Duration>,
    failure_backoff: Duration,
    max_failure_backoff: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            margin: DEFAULT_REFRESH_MARGIN,
            jitter: DEFAULT_REFRESH_JITTER,
            background_refresh: false,
            load_timeout: None,
            failure_backoff: DEFAULT_FAILURE_BACKOFF,
            max_failure_backoff: DEFAULT_MAX_FAILURE_BACKOFF,
        }
    }
}

impl RefreshPolicy {
    /// The defaults: 60 s margin, 10 s jitter, no background refresh, no
    /// load timeout, failures backing off from 1 s to 30 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long before expiry to replace the token.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Up to how much earlier than `margin`, at random, to replace it.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Whether callers keep the still-valid token while it is replaced.
    pub fn background_refresh(mut self, on: bool) -> Self {
        self.background_refresh = on;
        self
    }

    /// The longest a caller waits for a create (`None`: as long as the
    /// create takes, which the client's call timeout bounds).
    pub fn load_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.load_timeout = timeout;
        self
    }

    /// The first wait after a failed create (at least 1 ms).
    pub fn failure_backoff(mut self, backoff: Duration) -> Self {
        self.failure_backoff = backoff.max(Duration::from_millis(1));
        self
    }

    /// The longest wait between failed creates.
    pub fn max_failure_backoff(mut self, backoff: Duration) -> Self {
        self.max_failure_backoff = backoff;
        self
    }

    /// The margin set by [`margin`](Self::margin).
    pub fn get_margin(&self) -> Duration {
        self.margin
    }

    /// The jitter set by [`jitter`](Self::jitter).
    pub fn get_jitter(&self) -> Duration {
        self.jitter
    }

    /// Whether background refresh is on.
    pub fn get_background_refresh(&self) -> bool {
        self.background_refresh
    }

    /// The load timeout, if any.
    pub fn get_load_timeout(&self) -> Option<Duration> {
        self.load_timeout
    }

    /// How long before expiry a token of `lifetime` is replaced, for a
    /// jitter sample in `[0, 1)`.
    pub fn lead_time(&self, lifetime: Duration, jitter: f64) -> Duration {
        let spread = self.jitter.mul_f64(jitter.clamp(0.0, 1.0));
        self.margin.saturating_add(spread).min(lifetime / 2)
    }

    /// The wait after the `failures`-th failure in a row (1 = the first),
    /// for a jitter sample in `[0, 1)`, at least `retry_after` up to
    /// [`DEFAULT_MAX_RETRY_AFTER`](crate::DEFAULT_MAX_RETRY_AFTER) (60 s): a
    /// bogus hour-long `Retry-After` must not stop every create for an hour.
    ///
    /// Full backoff for the first failure, then doubling, capped; each wait
    /// is drawn from its upper half so that callers in many processes
    /// spread out without ever retrying at once.
    pub fn failure_wait(
        &self,
        failures: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Duration {
        let doublings = failures.saturating_sub(1).min(20);
        let ceiling = self
            .failure_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_failure_backoff)
            .max(self.failure_backoff.min(self.max_failure_backoff));
        let wait = ceiling.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let asked = retry_after.unwrap_or_default();
        wait.max(asked.min(crate::DEFAULT_MAX_RETRY_AFTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lead_time_is_capped_at_half_the_lifetime() {
        let policy = RefreshPolicy::new();
        let hour = Duration::from_secs(3600);
        assert_eq!(policy.lead_time(hour, 0.0), Duration::from_secs(60));
        assert_eq!(policy.lead_time(hour, 0.5), Duration::from_secs(65));
        assert_eq!(
            policy.lead_time(Duration::from_secs(60), 0.9),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn failure_waits_double_up_to_the_cap_and_respect_retry_after() {
        let policy = RefreshPolicy::new();
        let secs = |n| Duration::from_secs(n);
        assert_eq!(policy.failure_wait(1, None, 1.0), secs(1));
        assert_eq!(
            policy.failure_wait(1, None, 0.0),
            Duration::from_millis(500)
        );
        assert_eq!(policy.failure_wait(3, None, 1.0), secs(4));
        assert_eq!(policy.failure_wait(9, None, 1.0), secs(30));
        assert_eq!(policy.failure_wait(u32::MAX, None, 1.0), secs(30));
        assert_eq!(policy.failure_wait(1, Some(secs(7)), 0.0), secs(7));
    }

    #[test]
    fn a_huge_retry_after_is_honoured_only_up_to_the_cap() {
        let policy = RefreshPolicy::new();
        let hour = Duration::from_secs(3600);
        assert_eq!(
            policy.failure_wait(1, Some(hour), 0.0),
            crate::DEFAULT_MAX_RETRY_AFTER
        );
        assert_eq!(
            policy.failure_wait(1, Some(Duration::MAX), 1.0),
            crate::DEFAULT_MAX_RETRY_AFTER
        );
    }
}
