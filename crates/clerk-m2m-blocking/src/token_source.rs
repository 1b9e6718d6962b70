//! The calling side: one token, created once and reused until near its expiry.

use crate::{Client, Clock, SystemClock};
use clerk_m2m_types::{CreateTokenParams, DecodeError, Error, M2mToken, Operation};
use http::HeaderValue;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
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
/// - Concurrent threads on a cold or expiring source share one create: one
///   thread creates, the others wait for its outcome.
/// - A failed create is reported to every thread that waited for it (the
///   same [`Arc<Error>`]); the next [`get`](Self::get) tries again.
/// - A thread whose create panics (a panicking transport) strands no one:
///   the next waiter creates instead.
/// - A cached `get` reads a lock-protected `Arc` and the clock: no
///   allocation.
///
/// Cheap to clone (one `Arc`); clones share the token.
///
/// ```
/// use clerk_m2m_blocking::{Client, CreateTokenParams, TokenSource, TransportError};
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
/// let source = TokenSource::builder(client)
///     .params(CreateTokenParams::new().seconds_until_expiration(3600))
///     .build();
/// let header = source.authorization_header()?;
/// assert!(header.is_sensitive());
/// let token = source.get()?;
/// assert_eq!(token.subject, "mch_1");
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
    flight: Mutex<Flight>,
    /// Signalled when a create ends (whatever its outcome).
    created: Condvar,
}

#[derive(Clone)]
struct Cached {
    token: Arc<M2mToken>,
    /// When to create the next one; `None`: never (a non-expiring token).
    refresh_at: Option<SystemTime>,
}

#[derive(Default)]
struct Flight {
    /// A create is in flight.
    creating: bool,
    /// Counts finished creates.
    epoch: u64,
    /// The last create's failure, if it failed.
    error: Option<Arc<Error>>,
    /// Threads waiting for a create in flight (for tests).
    waiting: usize,
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

/// Ends a create when dropped, even if it panicked, and wakes the waiters.
struct CreateGuard<'a>(&'a Inner);

impl Drop for CreateGuard<'_> {
    fn drop(&mut self) {
        self.0
            .flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .creating = false;
        self.0.created.notify_all();
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
    /// within the refresh margin of its expiry. Blocks while another thread
    /// creates one.
    pub fn get(&self) -> Result<Arc<M2mToken>, Arc<Error>> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        self.create()
    }

    /// `Bearer <token>` for an `Authorization` header, marked sensitive.
    pub fn authorization_header(&self) -> Result<HeaderValue, Arc<Error>> {
        let token = self.get()?;
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

    fn flight(&self) -> MutexGuard<'_, Flight> {
        self.inner
            .flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.flight().waiting
    }

    fn create(&self) -> Result<Arc<M2mToken>, Arc<Error>> {
        let mut flight = self.flight();
        let seen = flight.epoch;
        if flight.creating {
            flight.waiting += 1;
            while flight.creating {
                flight = self
                    .inner
                    .created
                    .wait(flight)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            flight.waiting -= 1;
        }
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if flight.epoch != seen {
            // A create finished while we waited: share its failure.
            if let Some(error) = &flight.error {
                return Err(Arc::clone(error));
            }
        }
        flight.creating = true;
        drop(flight);
        let guard = CreateGuard(&self.inner);
        let result = self
            .inner
            .client
            .create_token(self.inner.params.clone())
            .and_then(|token| {
                if token.token.is_some() {
                    Ok(token)
                } else {
                    Err(no_token_value("the create answer has no token value"))
                }
            });
        let outcome = {
            let mut flight = self.flight();
            flight.epoch = flight.epoch.wrapping_add(1);
            match result {
                Ok(token) => {
                    flight.error = None;
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
                    flight.error = Some(Arc::clone(&error));
                    Err(error)
                }
            }
        };
        drop(guard);
        outcome
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
                flight: Mutex::new(Flight::default()),
                created: Condvar::new(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_m2m_types::TransportError;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    fn answer(status: u16, body: &str) -> Result<http::Response<Vec<u8>>, TransportError> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
            .map_err(TransportError::other)
    }

    const TOKEN: &str = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1","token":"mt_value","revoked":false,"revocation_reason":null,"expired":false,"expiration":null,"last_used_at":null,"created_at":0,"updated_at":0}"#;

    /// A source whose creates wait for a permit on `release`, then answer
    /// 500 for the first and 201 after.
    fn gated() -> (TokenSource, Arc<AtomicUsize>, mpsc::Sender<()>) {
        let creates = Arc::new(AtomicUsize::new(0));
        let (release, permits) = mpsc::channel::<()>();
        let permits = Mutex::new(permits);
        let seen = Arc::clone(&creates);
        let client = Client::builder()
            .machine_secret_key("ak_test_x")
            .retry_policy(clerk_m2m_types::RetryPolicy::never())
            .transport(move |_request: http::Request<Vec<u8>>| {
                let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
                permits
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .recv()
                    .map_err(TransportError::other)?;
                if n == 1 {
                    answer(500, r#"{"errors":[{"code":"boom","message":"boom"}]}"#)
                } else {
                    answer(201, TOKEN)
                }
            })
            .build()
            .unwrap();
        (TokenSource::new(client), creates, release)
    }

    #[test]
    fn a_failed_create_reaches_every_waiter_and_the_next_get_retries() {
        let (source, creates, release) = gated();
        let threads: Vec<_> = (0..100)
            .map(|_| {
                let source = source.clone();
                std::thread::spawn(move || source.get())
            })
            .collect();
        // One thread creates, the other 99 wait for it (no sleep: spin until
        // they are all parked on the condition variable).
        while source.waiting() < 99 {
            std::thread::yield_now();
        }
        assert_eq!(creates.load(Ordering::SeqCst), 1);
        release.send(()).unwrap();
        let errors: Vec<_> = threads
            .into_iter()
            .map(|thread| thread.join().unwrap().unwrap_err())
            .collect();
        assert_eq!(creates.load(Ordering::SeqCst), 1, "create is not retried");
        assert!(matches!(*errors[0], Error::Api { .. }), "{:?}", errors[0]);
        assert!(
            errors.iter().all(|error| Arc::ptr_eq(error, &errors[0])),
            "one shared error"
        );

        release.send(()).unwrap();
        let token = source.get().unwrap();
        assert_eq!(token.subject, "mch_1");
        assert_eq!(creates.load(Ordering::SeqCst), 2);
        assert!(source.get().is_ok());
        assert_eq!(creates.load(Ordering::SeqCst), 2, "cached");
    }

    #[test]
    fn a_panicking_create_strands_no_one() {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&calls);
        let client = Client::builder()
            .machine_secret_key("ak_test_x")
            .transport(move |_request: http::Request<Vec<u8>>| {
                if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("transport bug");
                }
                answer(201, TOKEN)
            })
            .build()
            .unwrap();
        let source = TokenSource::new(client);
        let first = {
            let source = source.clone();
            std::thread::spawn(move || source.get())
        };
        assert!(first.join().is_err(), "the first create panicked");
        assert_eq!(source.get().unwrap().subject, "mch_1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
