//! What the server's request handlers and the in-process handle share: one
//! value per running emulator, holding each store.
//!
//! Each part keeps its own lock, so a slow part (JWT signing) never blocks
//! another. Adding a feature means adding its store here and its routes in
//! a file of their own under `routes/`.

use crate::clock::Clock;
use crate::faults::FaultQueue;
use crate::instance::Instance;
use crate::journal::Journal;
use crate::machine_store::{MachineStore, Machines};
use crate::rate_limit::{RateLimit, Throttle};
use crate::token_store::{TokenStore, Tokens};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a client may take to send a request's head, and then its
/// body, unless configured otherwise.
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings fixed at start, beside the instance and the clock.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) rate_limit: Option<RateLimit>,
    /// Where `POST /_emulator/state/save` and a clean shutdown write the state.
    pub(crate) state_file: Option<PathBuf>,
    pub(crate) read_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rate_limit: None,
            state_file: None,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }
}

/// The state of one running emulator.
pub(crate) struct AppState {
    /// Ids, keys, the machines configured at start and the signing key:
    /// fixed while it runs.
    pub(crate) instance: Instance,
    /// The machines as they are now (created, changed, deleted through the API).
    pub(crate) machines: MachineStore,
    /// The emulated clock.
    pub(crate) clock: Clock,
    /// Opaque tokens.
    pub(crate) tokens: TokenStore,
    /// Faults queued for the next requests.
    pub(crate) faults: FaultQueue,
    /// The optional rate limit and its current window.
    pub(crate) throttle: Throttle,
    /// Every API request answered.
    pub(crate) journal: Journal,
    /// The state file, if any.
    pub(crate) state_file: Option<PathBuf>,
    /// The head and body read timeout.
    pub(crate) read_timeout: Duration,
    /// API requests received (faulted and rate-limited ones too).
    requests: AtomicU64,
}

/// How handlers and the handle hold the state.
pub(crate) type SharedState = Arc<AppState>;

impl AppState {
    pub(crate) fn new(
        instance: Instance,
        clock: Clock,
        tokens: Tokens,
        settings: Settings,
    ) -> Self {
        let machines = MachineStore::new(Machines::new(&instance.machines, clock.now_ms()));
        Self {
            instance,
            machines,
            clock,
            tokens: TokenStore::new(tokens),
            faults: FaultQueue::default(),
            throttle: Throttle::new(settings.rate_limit),
            journal: Journal::default(),
            state_file: settings.state_file,
            read_timeout: settings.read_timeout,
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

    /// Starts the request count afresh.
    pub(crate) fn reset_requests(&self) {
        self.requests.store(0, Ordering::Relaxed);
    }
}
