//! The emulator's controllable clock.
//!
//! By default it follows the system clock. Tests move it with
//! [`advance`](Clock::advance) / [`set_time`](Clock::set_time) (it keeps
//! ticking from the new time) and may [`freeze`](Clock::freeze) it so that
//! nothing moves unless they say so.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Default, Clone, Copy)]
struct State {
    /// Added to the system clock, in milliseconds.
    offset_ms: i64,
    /// When frozen, the time the clock shows.
    frozen_at_ms: Option<i64>,
}

/// A clock in Unix milliseconds that tests can move.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    state: Mutex<State>,
    /// The offset the clock started with, for [`reset`](Self::reset).
    start_offset_ms: i64,
}

pub(crate) fn system_to_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis())
            .map(|ms| -ms)
            .unwrap_or(i64::MIN),
    }
}

pub(crate) fn millis_to_system(millis: i64) -> SystemTime {
    let magnitude = Duration::from_millis(millis.unsigned_abs());
    if millis >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

fn duration_millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Clock {
    /// A clock showing `start` (default: the system time), frozen there if `frozen`.
    pub(crate) fn new(start: Option<SystemTime>, frozen: bool) -> Self {
        let system = system_to_millis(SystemTime::now());
        let now = start.map(system_to_millis).unwrap_or(system);
        let offset_ms = now.saturating_sub(system);
        Self {
            state: Mutex::new(State {
                offset_ms,
                frozen_at_ms: frozen.then_some(now),
            }),
            start_offset_ms: offset_ms,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }

    /// The current emulated time in Unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        let system = system_to_millis(SystemTime::now());
        self.with(|state| {
            state
                .frozen_at_ms
                .unwrap_or_else(|| system.saturating_add(state.offset_ms))
        })
    }

    /// Moves the clock forward.
    pub(crate) fn advance(&self, by: Duration) {
        let by = duration_millis(by);
        self.with(|state| {
            state.offset_ms = state.offset_ms.saturating_add(by);
            if let Some(frozen) = state.frozen_at_ms.as_mut() {
                *frozen = frozen.saturating_add(by);
            }
        });
    }

    /// Sets the clock to `time`; it keeps ticking from there unless frozen.
    pub(crate) fn set_time(&self, time: SystemTime) {
        let target = system_to_millis(time);
        let system = system_to_millis(SystemTime::now());
        self.with(|state| {
            state.offset_ms = target.saturating_sub(system);
            if state.frozen_at_ms.is_some() {
                state.frozen_at_ms = Some(target);
            }
        });
    }

    /// Stops the clock at the current emulated time.
    pub(crate) fn freeze(&self) {
        let now = self.now_ms();
        self.with(|state| state.frozen_at_ms = Some(now));
    }

    /// Whether the clock is frozen.
    pub(crate) fn is_frozen(&self) -> bool {
        self.with(|state| state.frozen_at_ms.is_some())
    }

    /// Back to the offset it started with, ticking (not frozen).
    pub(crate) fn reset(&self) {
        let start = self.start_offset_ms;
        self.with(|state| {
            *state = State {
                offset_ms: start,
                frozen_at_ms: None,
            }
        });
    }

    /// Lets a frozen clock tick again, from the time it shows.
    pub(crate) fn unfreeze(&self) {
        let system = system_to_millis(SystemTime::now());
        self.with(|state| {
            if let Some(frozen) = state.frozen_at_ms.take() {
                state.offset_ms = frozen.saturating_sub(system);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_when_told() {
        let clock = Clock::default();
        clock.set_time(UNIX_EPOCH + Duration::from_secs(1_000));
        clock.freeze();
        let start = clock.now_ms();
        assert!((1_000_000..1_000_100).contains(&start));
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.now_ms(), start + 60_000);
        clock.set_time(UNIX_EPOCH + Duration::from_secs(5));
        assert_eq!(clock.now_ms(), 5_000);
        clock.unfreeze();
        assert!(clock.now_ms() >= 5_000 && clock.now_ms() < 6_000);
    }

    #[test]
    fn starts_exactly_at_the_start_time_and_resets_to_its_offset() {
        let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = Clock::new(Some(start), true);
        assert_eq!(clock.now_ms(), 1_800_000_000_000);
        assert!(clock.is_frozen());
        clock.advance(Duration::from_secs(3600));
        clock.reset();
        assert!(!clock.is_frozen());
        // Ticking again from (about) the start time, not from the advanced time.
        let now = clock.now_ms();
        assert!((1_800_000_000_000..1_800_000_000_000 + 3_600_000).contains(&now));
        let system = Clock::new(None, false);
        system.advance(Duration::from_secs(60));
        system.reset();
        assert!(system.now_ms() < system_to_millis(SystemTime::now()) + 60_000);
    }

    #[test]
    fn advance_shifts_a_ticking_clock() {
        let clock = Clock::default();
        let before = system_to_millis(SystemTime::now());
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now_ms() >= before + 3_600_000);
    }

    #[test]
    fn conversions_round_trip() {
        for ms in [0, 1, 1_716_883_200_000, -5] {
            assert_eq!(system_to_millis(millis_to_system(ms)), ms);
        }
    }
}
