//! The calling side: the core's [`SharedSource`] (a token cache behind a
//! mutex), waiters woken by a `Condvar`, each create run on its own thread.

use crate::Client;
use clerk_m2m_types::driver::token_cache::{
    CreateReport, SharedSource, Step, Ticket, TokenCache, Wake,
};
use clerk_m2m_types::TokenSourceSettings;
use clerk_m2m_types::{Error, M2mToken};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// A cached M2M token for outbound calls.
///
/// Each create mints a billed token; a `TokenSource` creates one on first
/// use and reuses it until its refresh point (see
/// [`RefreshPolicy`](clerk_m2m_types::RefreshPolicy)). The
/// rules live in the core's token cache; this type only runs them:
///
/// - concurrent threads on a cold or expiring source share one create;
/// - the create runs on its own thread, so a load timeout bounds every
///   caller, and a create that may already have been sent always lands in
///   the cache; a panicking transport releases the waiters;
/// - a failed create is returned to every thread that waited for it, and
///   to callers during the backoff that follows;
/// - a cached `get` takes a mutex and reads the clock.
///
/// Cheap to clone (one `Arc`); clones share the token.
///
/// ```
/// use clerk_m2m_blocking::{Client, CreateTokenParams, TokenSource, TransportError};
/// use clerk_m2m_blocking::TokenSourceSettings;
///
/// let transport = |_request: http::Request<Vec<u8>>| {
///     let token = r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1",
///         "token":"mt_secret_value","expiration":null,"created_at":1,"updated_at":1}"#;
///     http::Response::builder()
///         .status(201)
///         .header("content-type", "application/json")
///         .body(token.as_bytes().to_vec())
///         .map_err(TransportError::other)
/// };
/// let client = Client::builder()
///     .machine_secret_key("ak_test_example")
///     .transport(transport)
///     .build()?;
/// let settings = TokenSourceSettings::new()
///     .params(CreateTokenParams::new().seconds_until_expiration(3600));
/// let source = TokenSource::with_settings(client, settings);
/// let header = source.authorization_header()?;
/// assert!(header.is_sensitive());
/// let token = source.get()?;
/// assert_eq!(token.subject, "mch_1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TokenSource {
    shared: Arc<Shared>,
}

type Shared = SharedSource<Client, Waiters>;

/// Threads waiting for a create.
struct Waiters(Condvar);

impl Wake for Waiters {
    fn wake_all(&self) {
        self.0.notify_all();
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

impl TokenSource {
    /// A source over `client` (which needs a machine secret key). Nothing
    /// is created until the first [`get`](Self::get).
    pub fn with_settings(client: Client, settings: TokenSourceSettings) -> Self {
        let shared = Shared::new(client, settings, Waiters(Condvar::new()));
        Self {
            shared: Arc::new(shared),
        }
    }

    /// A valid token: the cached one, or a new one. Blocks while it is
    /// created (at most the load timeout, if one is set).
    pub fn get(&self) -> Result<Arc<M2mToken>, Error> {
        let shared = &self.shared;
        let mut cache = shared.lock();
        loop {
            cache = match cache.poll(shared.now()) {
                Step::Ready(token) => return Ok(token),
                Step::ReadyAndRefresh { token, ticket } => {
                    drop(cache);
                    spawn_create(shared, ticket);
                    return Ok(token);
                }
                Step::Create(ticket) => {
                    drop(cache);
                    spawn_create(shared, ticket);
                    shared.lock()
                }
                Step::Wait { until: None } => wait(shared, cache),
                Step::Wait { until: Some(until) } => {
                    let left = until.saturating_duration_since(shared.now());
                    shared
                        .waiters()
                        .0
                        .wait_timeout(cache, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                Step::Failed(error) => return Err(error),
            };
        }
    }
}

/// One [`TokenSource`] per distinct create, shared by every caller asking
/// for it: see
/// [`token_cache::TokenSources`](clerk_m2m_types::driver::token_cache::TokenSources).
pub type TokenSources = clerk_m2m_types::driver::token_cache::TokenSources<TokenSource>;

clerk_m2m_types::token_source_api!(;);

fn wait<'a>(shared: &Shared, cache: MutexGuard<'a, TokenCache>) -> MutexGuard<'a, TokenCache> {
    shared
        .waiters()
        .0
        .wait(cache)
        .unwrap_or_else(PoisonError::into_inner)
}

/// Runs the create on its own thread, detached from the caller; if no
/// thread can be started, on the caller's. The report releases the waiters
/// even if the create never finishes (a panicking transport).
fn spawn_create(shared: &Arc<Shared>, ticket: Ticket) {
    let report = CreateReport::new(shared, ticket);
    let create = move || {
        let result = report.client().create_token(report.params());
        report.finish(result, fastrand::f64());
    };
    // Shared with the thread so that, if it cannot start, the create still
    // runs here instead of being dropped (which would abandon it and make
    // every caller start another).
    let shared_create = Arc::new(Mutex::new(Some(create)));
    let on_thread = Arc::clone(&shared_create);
    let spawned = std::thread::Builder::new()
        .name("clerk-m2m-token-create".into())
        .spawn(move || take_and_run(&on_thread));
    if spawned.is_err() {
        take_and_run(&shared_create);
    }
}

fn take_and_run(create: &Mutex<Option<impl FnOnce()>>) {
    let create = create.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(create) = create {
        create();
    }
}
