//! The clock a call reads: wall time at the start, advanced monotonically.

use std::time::SystemTime;
use tokio::time::Instant;

/// Time as one call sees it.
///
/// The call starts at `SystemTime::now()` and moves forward with Tokio's
/// monotonic clock, so a wall-clock jump (NTP, a suspended VM) cannot stretch
/// or cut the deadline, `Retry-After` dates are still compared with
/// wall time, and Tokio's paused test clock drives the whole call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallClock {
    wall_at_start: SystemTime,
    started: Instant,
}

impl CallClock {
    /// Starts the clock at `wall` (the config's clock, read now).
    pub(crate) fn start(wall: SystemTime) -> Self {
        Self {
            wall_at_start: wall,
            started: Instant::now(),
        }
    }

    /// The current time for the call.
    pub(crate) fn now(&self) -> SystemTime {
        let elapsed = self.started.elapsed();
        self.wall_at_start
            .checked_add(elapsed)
            .unwrap_or(self.wall_at_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn follows_the_monotonic_clock() {
        let clock = CallClock::start(SystemTime::now());
        let before = clock.now();
        tokio::time::advance(Duration::from_secs(90)).await;
        let elapsed = clock.now().duration_since(before).unwrap_or_default();
        assert!(elapsed >= Duration::from_secs(90), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(91), "{elapsed:?}");
    }
}
