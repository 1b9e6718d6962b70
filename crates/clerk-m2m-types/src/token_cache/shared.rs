//! The part of a token source both clients hold the same way: the cache
//! under a mutex, its settings and client, and the report of each create.
//! A client adds only how its callers wait and where a create runs.

use super::{Step, Ticket, TokenCache, TokenSourceSettings};
use crate::{CreateTokenParams, Error, M2mToken};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// How a driver wakes every caller waiting on a [`SharedSource`] (a Tokio
/// `Notify`, a `Condvar`…): called after each create is finished or
/// abandoned, with the lock released.
pub trait Wake {
    /// Wakes every waiter; each polls the cache again.
    fn wake_all(&self);
}

/// A [`TokenCache`] under a mutex with what its creates need: the client,
/// the [`TokenSourceSettings`] and the driver's [`Wake`]. A client's
/// `TokenSource` is an `Arc` of one; it polls with [`poll`](Self::poll),
/// waits its own way on [`waiters`](Self::waiters), and runs each create
/// it is told to run through a [`CreateReport`].
pub struct SharedSource<C, W> {
    client: C,
    settings: TokenSourceSettings,
    cache: Mutex<TokenCache>,
    waiters: W,
}

impl<C: fmt::Debug, W: Wake> fmt::Debug for SharedSource<C, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("client", &self.client)
            .field("settings", &self.settings)
            .field("cache", &*self.lock())
            .finish()
    }
}

impl<C, W: Wake> SharedSource<C, W> {
    /// A cold source: nothing is created until the first poll.
    pub fn new(client: C, settings: TokenSourceSettings, waiters: W) -> Self {
        let cache = Mutex::new(settings.new_cache());
        Self {
            client,
            settings,
            cache,
            waiters,
        }
    }

    /// The client creates are sent with.
    pub fn client(&self) -> &C {
        &self.client
    }

    /// The settings in use.
    pub fn settings(&self) -> &TokenSourceSettings {
        &self.settings
    }

    /// What callers wait on.
    pub fn waiters(&self) -> &W {
        &self.waiters
    }

    /// The cache, locked. A poisoned lock is taken over: the cache is a
    /// plain value whose every method leaves it consistent.
    pub fn lock(&self) -> MutexGuard<'_, TokenCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The settings' monotonic clock, read.
    pub fn now(&self) -> Instant {
        self.settings.get_clock().instant()
    }

    /// [`TokenCache::poll`] at [`now`](Self::now), under the lock.
    pub fn poll(&self) -> Step {
        self.lock().poll(self.now())
    }

    /// [`TokenCache::invalidate`].
    pub fn invalidate(&self) {
        self.lock().invalidate();
    }

    /// [`TokenCache::invalidate_token`] at [`now`](Self::now).
    pub fn invalidate_token(&self, token_id: &str) -> bool {
        let now = self.now();
        self.lock().invalidate_token(token_id, now)
    }

    /// [`TokenCache::tokens_created`].
    pub fn tokens_created(&self) -> u64 {
        self.lock().tokens_created()
    }
}

/// The create a [`Step::Create`] or [`Step::ReadyAndRefresh`] asked for,
/// reported exactly once: its result through [`finish`](Self::finish), or,
/// if it is dropped first (a panicking transport, a runtime shutting down,
/// a thread that could not start), as abandoned, so waiters are released
/// either way.
pub struct CreateReport<C, W: Wake> {
    source: Arc<SharedSource<C, W>>,
    ticket: Option<Ticket>,
}

impl<C, W: Wake> CreateReport<C, W> {
    /// The report of `ticket`'s create on `source`.
    pub fn new(source: &Arc<SharedSource<C, W>>, ticket: Ticket) -> Self {
        Self {
            source: Arc::clone(source),
            ticket: Some(ticket),
        }
    }

    /// The client to send the create with.
    pub fn client(&self) -> &C {
        &self.source.client
    }

    /// What to create.
    pub fn params(&self) -> CreateTokenParams {
        self.source.settings.get_params().clone()
    }

    /// Hands the create's result to the cache (read at the settings'
    /// clock; `jitter` in `[0, 1)` spreads the next refresh) and wakes the
    /// waiters.
    pub fn finish(mut self, result: Result<M2mToken, Error>, jitter: f64) {
        if let Some(ticket) = self.ticket.take() {
            let clock = self.source.settings.get_clock();
            let (now, wall) = (clock.instant(), clock.now());
            // A stale ticket is refused by the cache; nothing to report.
            let _ = self.source.lock().finish(ticket, result, now, wall, jitter);
            self.source.waiters.wake_all();
        }
    }
}

impl<C, W: Wake> Drop for CreateReport<C, W> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.source.lock().abandon(ticket);
            self.source.waiters.wake_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake_all(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn source() -> Arc<SharedSource<&'static str, Count>> {
        let settings = TokenSourceSettings::new().clock(ManualClock::new(std::time::UNIX_EPOCH));
        Arc::new(SharedSource::new("client", settings, Count::default()))
    }

    fn token() -> M2mToken {
        let mut token = M2mToken::new("mt_0123456789abcdef0123456789abcdef", "mch_1", 0);
        token.token = Some("mt_value".into());
        token
    }

    #[test]
    fn a_finished_create_is_cached_and_wakes_the_waiters_once() {
        let source = source();
        let Step::Create(ticket) = source.poll() else {
            panic!("a cold source creates")
        };
        assert!(matches!(source.poll(), Step::Wait { .. }));
        let report = CreateReport::new(&source, ticket);
        assert_eq!(*report.client(), "client");
        report.finish(Ok(token()), 0.0);
        assert_eq!(source.waiters().0.load(Ordering::SeqCst), 1);
        assert!(matches!(source.poll(), Step::Ready(_)));
        assert_eq!(source.tokens_created(), 1);
        assert!(source.invalidate_token("mt_0123456789abcdef0123456789abcdef"));
        assert!(matches!(source.poll(), Step::Create(_)));
    }

    #[test]
    fn a_dropped_report_abandons_the_create_and_wakes_the_waiters() {
        let source = source();
        let Step::Create(ticket) = source.poll() else {
            panic!("a cold source creates")
        };
        drop(CreateReport::new(&source, ticket));
        assert_eq!(source.waiters().0.load(Ordering::SeqCst), 1);
        assert!(
            matches!(source.poll(), Step::Create(_)),
            "the next caller creates instead of waiting forever"
        );
        assert_eq!(source.tokens_created(), 0);
    }

    #[test]
    fn debug_shows_no_token_value() {
        let source = source();
        let Step::Create(ticket) = source.poll() else {
            panic!("a cold source creates")
        };
        CreateReport::new(&source, ticket).finish(Ok(token()), 0.0);
        let shown = format!("{source:?}");
        assert!(shown.starts_with("TokenSource"), "{shown}");
        assert!(!shown.contains("mt_value"), "{shown}");
    }
}
