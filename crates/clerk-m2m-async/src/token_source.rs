//! The calling side: one token, created once and reused until near its expiry.

use crate::{Client, Clock, SystemClock};
use clerk_m2m_types::{CreateTokenParams, DecodeError, Error, M2mToken, Operation};
use http::HeaderValue;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

/// How long before its expiry a token is replaced, by default: 60 s.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A cached M2M token for outbound calls.
///
/// Each create mints a billed token; a `TokenSource` creates one on first
/// use and reuses it until it is within the refresh margin (default
/// [`DEFAULT_REFRESH_MARGIN`], at most half the token's lifetime) of its
/// expiry; a token that never expires is reused for good.
///
/// - Concurrent callers on a cold or expiring source share one create.
/// - A failed create is reported to every caller that waited for it (the
///   same [`Arc<Error>`]); the next [`get`](Self::get) tries again.
/// - A caller that gives up (drops its future) never strands the others:
///   the next waiter creates instead.
/// - A cached `get` reads a lock-protected `Arc` and the clock: no await,
///   no allocation.
///
/// Cheap to clone (one `Arc`); clones share the token.
///
/// ```
/// use clerk_m2m_async::{Client, CreateTokenParams, TokenSource, TransportError};
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
/// let source = TokenSource::builder(client)
///     .params(CreateTokenParams::new().seconds_until_expiration(3600))
///     .build();
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
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    params: CreateTokenParams,
    margin: Duration,
    clock: Arc<dyn Clock>,
    current: RwLock<Option<Cached>>,
    outcome: Mutex<Outcome>,
    /// Held by the one caller creating; a Tokio mutex so a dropped caller
    /// leaves the queue or releases it.
    gate: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Cached {
    token: Arc<M2mToken>,
    /// When to create the next one; `None`: never (a non-expiring token).
    refresh_at: Option<SystemTime>,
}

#[derive(Default)]
struct Outcome {
    /// Counts finished creates.
    epoch: u64,
    /// The last create's failure, if it failed.
    error: Option<Arc<Error>>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("client", &self.inner.client)
            .field("params", &self.inner.params)
            .field("refresh_margin", &self.inner.margin)
            .field("cached", &self.cached().is_some())
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A source creating tokens with default params (the server's default
    /// lifetime, no claims, opaque format).
    pub fn new(client: Client) -> Self {
        Self::builder(client).build()
    }

    /// A builder for a source over `client` (which needs a machine secret key).
    pub fn builder(client: Client) -> TokenSourceBuilder {
        TokenSourceBuilder {
            client,
            params: CreateTokenParams::new(),
            margin: DEFAULT_REFRESH_MARGIN,
            clock: None,
        }
    }

    /// A valid token: the cached one, or a new one if there is none or it is
    /// within the refresh margin of its expiry.
    pub async fn get(&self) -> Result<Arc<M2mToken>, Arc<Error>> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        self.create().await
    }

    /// `Bearer <token>` for an `Authorization` header, marked sensitive.
    pub async fn authorization_header(&self) -> Result<HeaderValue, Arc<Error>> {
        let token = self.get().await?;
        let value = token
            .token
            .as_ref()
            .map(|value| format!("Bearer {}", value.expose_secret()))
            .and_then(|value| HeaderValue::from_str(&value).ok())
            .ok_or_else(|| Arc::new(no_token_value("the token value cannot go in a header")))?;
        let mut value = value;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Forgets the cached token (e.g. after the callee answered 401 because
    /// it was revoked): the next [`get`](Self::get) creates one.
    pub fn invalidate(&self) {
        *self
            .inner
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The refresh margin in use.
    pub fn refresh_margin(&self) -> Duration {
        self.inner.margin
    }

    fn cached(&self) -> Option<Cached> {
        self.inner
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The cached token if it is not due for replacement.
    fn fresh(&self) -> Option<Arc<M2mToken>> {
        let current = self
            .inner
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let cached = current.as_ref()?;
        match cached.refresh_at {
            None => Some(Arc::clone(&cached.token)),
            Some(at) if self.inner.clock.now() < at => Some(Arc::clone(&cached.token)),
            Some(_) => None,
        }
    }

    fn outcome(&self) -> std::sync::MutexGuard<'_, Outcome> {
        self.inner
            .outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn create(&self) -> Result<Arc<M2mToken>, Arc<Error>> {
        let seen = self.outcome().epoch;
        let _gate = self.inner.gate.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        {
            // A create finished while we waited: share its failure.
            let outcome = self.outcome();
            if outcome.epoch != seen {
                if let Some(error) = &outcome.error {
                    return Err(Arc::clone(error));
                }
            }
        }
        let result = self
            .inner
            .client
            .create_token(self.inner.params.clone())
            .await
            .and_then(|token| {
                if token.token.is_some() {
                    Ok(token)
                } else {
                    Err(no_token_value("the create answer has no token value"))
                }
            });
        let mut outcome = self.outcome();
        outcome.epoch = outcome.epoch.wrapping_add(1);
        match result {
            Ok(token) => {
                outcome.error = None;
                let cached = Cached {
                    refresh_at: refresh_at(&token, self.inner.margin),
                    token: Arc::new(token),
                };
                let token = Arc::clone(&cached.token);
                *self
                    .inner
                    .current
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Some(cached);
                Ok(token)
            }
            Err(error) => {
                let error = Arc::new(error);
                outcome.error = Some(Arc::clone(&error));
                Err(error)
            }
        }
    }
}

/// When to replace `token`: `margin` before its expiry, the margin capped at
/// half its lifetime (so a short-lived token is still reused).
fn refresh_at(token: &M2mToken, margin: Duration) -> Option<SystemTime> {
    let expiration = token.expiration_time()?;
    let lifetime = expiration
        .duration_since(token.created_at_time())
        .unwrap_or_default();
    let margin = margin.min(lifetime / 2);
    Some(expiration.checked_sub(margin).unwrap_or(expiration))
}

fn no_token_value(reason: &str) -> Error {
    Error::Decode {
        operation: Operation::CreateToken,
        attempts: 1,
        source: DecodeError::new(http::StatusCode::CREATED, reason, b""),
    }
}

/// Builds a [`TokenSource`].
pub struct TokenSourceBuilder {
    client: Client,
    params: CreateTokenParams,
    margin: Duration,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for TokenSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceBuilder")
            .field("client", &self.client)
            .field("params", &self.params)
            .field("refresh_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl TokenSourceBuilder {
    /// The params of each create (lifetime, claims, format, key).
    pub fn params(mut self, params: CreateTokenParams) -> Self {
        self.params = params;
        self
    }

    /// How long before expiry to replace the token (default
    /// [`DEFAULT_REFRESH_MARGIN`]; capped at half the token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The wall clock compared with the token's expiration (default
    /// [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Builds the source. Nothing is created until the first [`TokenSource::get`].
    pub fn build(self) -> TokenSource {
        TokenSource {
            inner: Arc::new(Inner {
                client: self.client,
                params: self.params,
                margin: self.margin,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                current: RwLock::new(None),
                outcome: Mutex::new(Outcome::default()),
                gate: tokio::sync::Mutex::new(()),
            }),
        }
    }
}
