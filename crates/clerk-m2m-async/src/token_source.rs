//! The calling side: the core's [`SharedSource`] (a token cache behind a
//! mutex), waiters woken by a `Notify`, each create run in its own task.

use crate::Client;
use clerk_m2m_types::driver::token_cache::{CreateReport, SharedSource, Step, Ticket, Wake};
use clerk_m2m_types::TokenSourceSettings;
use clerk_m2m_types::{Error, M2mToken};
use std::fmt;
use std::pin::pin;
use std::sync::Arc;
use tokio::sync::Notify;

/// A cached M2M token for outbound calls.
///
/// Each create mints a billed token; a `TokenSource` creates one on first
/// use and reuses it until its refresh point (see
/// [`RefreshPolicy`](clerk_m2m_types::RefreshPolicy)). The
/// rules live in the core's token cache; this type only runs them:
///
/// - concurrent callers on a cold or expiring source share one create;
/// - the create runs in its own task: a caller that gives up (drops its
///   future, hits a request timeout) never cancels a create that may
///   already have been sent, and the token it mints is cached for everyone;
/// - a failed create is returned to every caller that waited for it, and to
///   callers during the backoff that follows;
/// - a cached `get` takes a mutex and reads the clock: no await.
///
/// Cheap to clone (one `Arc`); clones share the token. Needs a Tokio
/// runtime (creates are spawned).
///
/// ```
/// use clerk_m2m_async::{Client, CreateTokenParams, TokenSource, TransportError};
/// use clerk_m2m_async::TokenSourceSettings;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let transport = |_request: http::Request<Vec<u8>>| async {
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
/// let header = source.authorization_header().await?;
/// assert!(header.is_sensitive());
/// let token = source.get().await?;
/// assert_eq!(token.subject, "mch_1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TokenSource {
    shared: Arc<Shared>,
}

type Shared = SharedSource<Client, Waiters>;

/// Callers waiting for a create.
struct Waiters(Notify);

impl Wake for Waiters {
    fn wake_all(&self) {
        self.0.notify_waiters();
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
        let shared = Shared::new(client, settings, Waiters(Notify::new()));
        Self {
            shared: Arc::new(shared),
        }
    }

    /// A valid token: the cached one, or a new one.
    pub async fn get(&self) -> Result<Arc<M2mToken>, Error> {
        let shared = &self.shared;
        loop {
            let mut changed = pin!(shared.waiters().0.notified());
            let step = {
                let mut cache = shared.lock();
                let step = cache.poll(shared.now());
                // Registered under the lock: a finish that follows this poll
                // cannot be missed.
                changed.as_mut().enable();
                step
            };
            match step {
                Step::Ready(token) => return Ok(token),
                Step::ReadyAndRefresh { token, ticket } => {
                    spawn_create(shared, ticket);
                    return Ok(token);
                }
                // Poll again: the wait that follows is bounded by the load
                // timeout like everyone else's.
                Step::Create(ticket) => spawn_create(shared, ticket),
                Step::Wait { until: None } => changed.await,
                Step::Wait { until: Some(until) } => {
                    let left = until.saturating_duration_since(shared.now());
                    let _woken_or_timed_out = tokio::time::timeout(left, changed).await;
                }
                Step::Failed(error) => return Err(error),
            }
        }
    }
}

/// One [`TokenSource`] per distinct create (key, format, claims, lifetime,
/// `min_remaining_ttl_seconds`; see
/// [`CreateKey`](clerk_m2m_types::driver::token_cache::CreateKey)): a service that
/// calls two audiences with different claims keeps two tokens, and every
/// caller asking for the same create shares one. See
/// [`token_cache::TokenSources`](clerk_m2m_types::driver::token_cache::TokenSources)
/// for its methods.
///
/// Cheap to clone; clones share the sources.
///
/// ```
/// use clerk_m2m_async::{Client, CreateTokenParams, TokenSources, TransportError};
/// use serde_json::json;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let transport = |_request: http::Request<Vec<u8>>| async {
///     let token = r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1",
///         "token":"mt_secret_value","expiration":null,"created_at":1,"updated_at":1}"#;
///     http::Response::builder()
///         .status(201)
///         .body(token.as_bytes().to_vec())
///         .map_err(TransportError::other)
/// };
/// let client = Client::builder()
///     .machine_secret_key("ak_test_example")
///     .transport(transport)
///     .build()?;
/// let sources = TokenSources::new(client);
/// let billing = sources.get(CreateTokenParams::new().claims(json!({"aud": "billing"})));
/// let search = sources.get(CreateTokenParams::new().claims(json!({"aud": "search"})));
/// billing.get().await?;
/// search.get().await?;
/// sources.get(CreateTokenParams::new().claims(json!({"aud": "billing"}))).get().await?;
/// assert_eq!(sources.len(), 2);
/// assert_eq!((billing.tokens_created(), search.tokens_created()), (1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type TokenSources = clerk_m2m_types::driver::token_cache::TokenSources<TokenSource>;

clerk_m2m_types::token_source_api!(async; .await);

/// Runs the create in its own task, detached from the caller; the report
/// releases the waiters even if the task never finishes it.
fn spawn_create(shared: &Arc<Shared>, ticket: Ticket) {
    let report = CreateReport::new(shared, ticket);
    tokio::spawn(async move {
        let result = report.client().create_token(report.params()).await;
        report.finish(result, fastrand::f64());
    });
}
