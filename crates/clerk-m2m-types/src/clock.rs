//! Time as the SDK reads it: a wall clock and a monotonic clock behind one trait.
//!
//! The core never reads a clock: every decision takes `now` as an argument.
//! The drivers (both clients, your own) read it through [`Clock`], so tests
//! move time with a [`ManualClock`] instead of sleeping.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A source of time.
///
/// - [`now`](Clock::now), the wall clock, is compared with what the server
///   says (`exp`, `nbf` and `iat` of a JWT, `Retry-After` dates).
/// - [`instant`](Clock::instant), a monotonic clock, measures durations the
///   process controls (a cached token's remaining lifetime, cache
///   freshness, backoff), so a wall clock that is wrong or jumps (NTP, a
///   suspended VM) cannot make a token look expired or fresh.
///
/// [`SystemClock`] is the default; any `Fn() -> SystemTime + Send + Sync`
/// closure is a clock too (its monotonic side is [`Instant::now`]).
pub trait Clock: Send + Sync + 'static {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;

    /// The current monotonic time.
    fn instant(&self) -> Instant {
        Instant::now()
    }
}

/// The system's clocks: [`SystemTime::now`] and [`Instant::now`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

impl<F> Clock for F
where
    F: Fn() -> SystemTime + Send + Sync + 'static,
{
    fn now(&self) -> SystemTime {
        self()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }

    fn instant(&self) -> Instant {
        (**self).instant()
    }
}

/// A clock that moves only when told to; clones share the same time.
///
/// [`advance`](Self::advance) moves the wall and the monotonic clock
/// together; [`set`](Self::set) moves the wall clock alone (a skewed or
/// corrected system clock), which the monotonic side never sees.
///
/// ```
/// use clerk_m2m_types::{Clock, ManualClock};
/// use std::time::{Duration, SystemTime};
///
/// let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_716_880_000));
/// let shared = clock.clone();
/// let started = shared.instant();
/// clock.advance(Duration::from_secs(31));
/// assert_eq!(shared.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(1_716_880_031));
/// assert_eq!(shared.instant() - started, Duration::from_secs(31));
///
/// clock.set(SystemTime::UNIX_EPOCH); // the wall clock jumps back…
/// assert_eq!(shared.instant() - started, Duration::from_secs(31)); // …elapsed time does not
/// ```
#[derive(Clone)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Clone, Copy)]
struct ManualState {
    wall: SystemTime,
    /// Fixed when the clock is made; the monotonic time is `origin + elapsed`.
    origin: Instant,
    elapsed: Duration,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("ManualClock")
            .field("now", &state.wall)
            .field("elapsed", &state.elapsed)
            .finish()
    }
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            state: Arc::new(Mutex::new(ManualState {
                wall: start,
                origin: Instant::now(),
                elapsed: Duration::ZERO,
            })),
        }
    }

    /// A clock showing the current system time, from then on moved by hand.
    pub fn starting_now() -> Self {
        Self::new(SystemTime::now())
    }

    /// Moves both clocks forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.wall = state.wall.checked_add(by).unwrap_or(state.wall);
        state.elapsed = state.elapsed.saturating_add(by);
    }

    /// Sets the wall clock to `time` (backwards too); the monotonic clock
    /// does not move.
    pub fn set(&self, time: SystemTime) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .wall = time;
    }

    fn state(&self) -> ManualState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.state().wall
    }

    fn instant(&self) -> Instant {
        let state = self.state();
        state
            .origin
            .checked_add(state.elapsed)
            .unwrap_or(state.origin)
    }
}
