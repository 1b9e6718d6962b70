//! What the server's request handlers and the in-process handle share: one
//! value per running emulator, holding each store.
//!
//! Each part keeps its own lock, so a slow part (JWT signing) never blocks
//! another. Adding a feature means adding its store here and its routes in
//! a file of their own under `routes/`.

use crate::clock::Clock;
use crate::faults::FaultQueue;
use crate::instance::Instance;
use crate::rate_limit::{RateLimit, Throttle};
use crate::token_store::TokenStore;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The state of one running emulator.
pub(crate) struct AppState {
    /// Ids, keys, machines and the signing key: fixed while it runs.
    pub(crate) instance: Instance,
    /// The emulated clock.
    pub(crate) clock: Clock,
    /// Opaque tokens.
    pub(crate) tokens: TokenStore,
    /// Faults queued for the next requests.
    pub(crate) faults: FaultQueue,
    /// The optional rate limit and its current window.
    pub(crate) throttle: Throttle,
    /// API requests received (faulted and rate-limited ones too).
    requests: AtomicU64,
}

/// How handlers and the handle hold the state.
pub(crate) type SharedState = Arc<AppState>;

impl AppState {
    pub(crate) fn new(instance: Instance, clock: Clock, rate_limit: Option<RateLimit>) -> Self {
        Self {
            instance,
            clock,
            tokens: TokenStore::default(),
            faults: FaultQueue::default(),
            throttle: Throttle::new(rate_limit),
            requests: AtomicU64::new(0),
        }
    }

    /// Counts an API request as received.
    pub(crate) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// How many API requests were received.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}
