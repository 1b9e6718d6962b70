//! An optional fixed-window rate limit on the emulator's clock.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// At most `max_requests` requests per `window`, for the whole instance
/// (production Clerk: 1000 per 10 s). Excess requests get 429 with
/// `Retry-After` (whole seconds until the window ends, at least 1) and are
/// not processed.
///
/// Windows are aligned to the emulator's clock, so tests move past one with
/// [`EmulatorHandle::advance`](crate::EmulatorHandle::advance) instead of sleeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    max_requests: u32,
    window: Duration,
}

impl RateLimit {
    /// `max_requests` per `window` (a zero window counts as one millisecond).
    pub fn new(max_requests: u32, window: Duration) -> Self {
        Self {
            max_requests,
            window,
        }
    }

    /// Requests allowed per window.
    pub fn max_requests(&self) -> u32 {
        self.max_requests
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        self.window
    }
}

/// A rate limit and its current window.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    window_start_ms: i64,
    count: u32,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            window_start_ms: i64::MIN,
            count: 0,
        }
    }

    /// Counts a request at `now_ms`; `Err(seconds)` when over the limit.
    pub(crate) fn check(&mut self, now_ms: i64) -> Result<(), u64> {
        let window_ms = i64::try_from(self.limit.window.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let start = now_ms - now_ms.rem_euclid(window_ms);
        if start != self.window_start_ms {
            self.window_start_ms = start;
            self.count = 0;
        }
        if self.count >= self.limit.max_requests {
            let left_ms = start.saturating_add(window_ms).saturating_sub(now_ms);
            let seconds = u64::try_from(left_ms).unwrap_or(0).div_ceil(1000).max(1);
            return Err(seconds);
        }
        self.count += 1;
        Ok(())
    }
}

/// The running emulator's rate limit, if any, and its current window.
#[derive(Debug)]
pub(crate) struct Throttle {
    limiter: Mutex<Option<RateLimiter>>,
    /// The limit the emulator started with, for [`reset`](Self::reset).
    initial: Option<RateLimit>,
}

impl Throttle {
    pub(crate) fn new(limit: Option<RateLimit>) -> Self {
        Self {
            limiter: Mutex::new(limit.map(RateLimiter::new)),
            initial: limit,
        }
    }

    /// The limit in force.
    pub(crate) fn limit(&self) -> Option<RateLimit> {
        let limiter = self.limiter.lock().unwrap_or_else(PoisonError::into_inner);
        limiter.as_ref().map(|limiter| limiter.limit)
    }

    /// Back to the limit it started with, counting afresh.
    pub(crate) fn reset(&self) {
        self.set(self.initial);
    }

    /// Sets or removes the limit; the count starts afresh.
    pub(crate) fn set(&self, limit: Option<RateLimit>) {
        *self.limiter.lock().unwrap_or_else(PoisonError::into_inner) = limit.map(RateLimiter::new);
    }

    /// Counts a request at `now_ms`; `Some(seconds)` to wait if over the limit.
    pub(crate) fn check(&self, now_ms: i64) -> Option<u64> {
        let mut limiter = self.limiter.lock().unwrap_or_else(PoisonError::into_inner);
        limiter
            .as_mut()
            .and_then(|limiter| limiter.check(now_ms).err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_counts_and_resets() {
        let mut limiter = RateLimiter::new(RateLimit::new(2, Duration::from_secs(10)));
        assert_eq!(limiter.check(100_000), Ok(()));
        assert_eq!(limiter.check(101_000), Ok(()));
        assert_eq!(limiter.check(101_500), Err(9));
        assert_eq!(limiter.check(109_999), Err(1));
        assert_eq!(limiter.check(110_000), Ok(()));
        let mut closed = RateLimiter::new(RateLimit::new(0, Duration::ZERO));
        assert_eq!(closed.check(5), Err(1));
    }

    #[test]
    fn throttle_is_off_until_set() {
        let throttle = Throttle::new(None);
        assert_eq!(throttle.check(0), None);
        throttle.set(Some(RateLimit::new(1, Duration::from_secs(10))));
        assert_eq!(throttle.check(0), None);
        assert_eq!(throttle.check(1_000), Some(9));
        assert_eq!(
            throttle.limit(),
            Some(RateLimit::new(1, Duration::from_secs(10)))
        );
        throttle.reset();
        assert_eq!(throttle.limit(), None);
        assert_eq!(throttle.check(2_000), None);
    }
}
