//! The async and the blocking client behind one interface, so that a table of
//! cases is written once and run by both: a case names a [`Call`], a driver
//! makes it with its client and hands back the same `Result<Answer, Error>`.
//! A client can also count what its transport sends ([`Counts`]), and hold
//! or break its JWKS fetches, the same way for both.
#![allow(dead_code)] // each test binary uses a different part of it

use clerk_m2m::TransportSettings;
use clerk_m2m::{
    AuthError, Config, ConfigError, CreateTokenParams, Error, ListTokensParams, M2mToken,
    M2mTokenList, RevokeTokenParams, VerifyTokenParams,
};
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::time::Duration;

/// Which client makes the calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// `clerk_m2m::Client` (reqwest) on a Tokio runtime of its own.
    Async,
    /// `clerk_m2m::blocking::Client` (ureq) on the calling thread.
    Blocking,
}

impl Driver {
    /// Both drivers.
    pub const ALL: [Driver; 2] = [Driver::Async, Driver::Blocking];

    /// `async` or `blocking`.
    pub fn name(self) -> &'static str {
        match self {
            Driver::Async => "async",
            Driver::Blocking => "blocking",
        }
    }
}

impl fmt::Display for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One of the four token calls, with its params.
#[derive(Clone, Debug)]
pub enum Call {
    Create(CreateTokenParams),
    List(ListTokensParams),
    Verify(VerifyTokenParams),
    /// Verify of a borrowed token (`verify_token_str`).
    VerifyStr(String),
    /// Verify posted to the API whatever the token (`send`), never locally.
    VerifyWithApi(VerifyTokenParams),
    Revoke(RevokeTokenParams),
}

impl Call {
    /// `create`, `list`, `verify` or `revoke`.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Create(_) => "create",
            Call::List(_) => "list",
            Call::Verify(_) => "verify",
            Call::VerifyStr(_) => "verify a borrowed token",
            Call::VerifyWithApi(_) => "verify with the API",
            Call::Revoke(_) => "revoke",
        }
    }
}

/// What a call returned.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per call, moved once: no need to box
pub enum Answer {
    Token(M2mToken),
    List(M2mTokenList),
}

impl Answer {
    /// The token of a create, verify or revoke; panics on a list.
    pub fn token(&self) -> &M2mToken {
        match self {
            Answer::Token(token) => token,
            Answer::List(list) => panic!("expected a token, got {list:?}"),
        }
    }

    /// The token, owned; panics on a list.
    pub fn into_token(self) -> M2mToken {
        match self {
            Answer::Token(token) => token,
            Answer::List(list) => panic!("expected a token, got {list:?}"),
        }
    }

    /// The page of a list; panics on a token.
    pub fn list(&self) -> &M2mTokenList {
        match self {
            Answer::List(list) => list,
            Answer::Token(token) => panic!("expected a list, got {token:?}"),
        }
    }
}

/// A client of either kind, built from one [`Config`] and, if given, the
/// settings of its built-in transport.
pub struct TestClient {
    inner: Inner,
}

enum Inner {
    Async {
        client: clerk_m2m::Client,
        runtime: tokio::runtime::Runtime,
    },
    Blocking(clerk_m2m::blocking::Client),
}

impl TestClient {
    /// The `driver`'s client for `config`, over its built-in transport
    /// (built from `transport` when given).
    ///
    /// # Panics
    ///
    /// If the transport or the client cannot be built.
    pub fn new(driver: Driver, config: Config, transport: Option<TransportSettings>) -> Self {
        Self::try_new(driver, config, transport).expect("client")
    }

    /// As [`new`](Self::new), the client's own error if it cannot be built.
    pub fn try_new(
        driver: Driver,
        config: Config,
        transport: Option<TransportSettings>,
    ) -> Result<Self, ConfigError> {
        let inner = match driver {
            Driver::Async => {
                let client = match transport {
                    Some(settings) => clerk_m2m::Client::with_transport(
                        config,
                        clerk_m2m::ReqwestTransport::with_settings(settings).expect("transport"),
                    ),
                    None => clerk_m2m::Client::new(config),
                };
                Inner::Async {
                    client: client?,
                    runtime: client_runtime(),
                }
            }
            Driver::Blocking => {
                let client = match transport {
                    Some(settings) => clerk_m2m::blocking::Client::with_transport(
                        config,
                        clerk_m2m::blocking::UreqTransport::with_settings(settings)
                            .expect("transport"),
                    ),
                    None => clerk_m2m::blocking::Client::new(config),
                };
                Inner::Blocking(client?)
            }
        };
        Ok(Self { inner })
    }

    /// The `driver`'s client for `config` over its built-in transport
    /// wrapped to count what it sends in `counts` (see [`Counts`]).
    pub fn counting(
        driver: Driver,
        config: Config,
        counts: &Arc<Counts>,
    ) -> Result<Self, ConfigError> {
        let inner = match driver {
            Driver::Async => Inner::Async {
                client: counting_async(config, counts)?,
                runtime: client_runtime(),
            },
            Driver::Blocking => Inner::Blocking(counting_blocking(config, counts)?),
        };
        Ok(Self { inner })
    }

    /// Makes `call` and waits for its result.
    pub fn call(&self, call: Call) -> Result<Answer, Error> {
        match &self.inner {
            Inner::Async { client, runtime } => runtime.block_on(call_async(client.clone(), call)),
            Inner::Blocking(client) => call_blocking(client, call),
        }
    }

    /// Makes `call` from inside an async context: the async client as
    /// always, the blocking one from a task of a current-thread runtime
    /// (it blocks that thread, and must neither panic nor deadlock).
    pub fn call_from_async_context(&self, call: Call) -> Result<Answer, Error> {
        match &self.inner {
            Inner::Async { .. } => self.call(call),
            Inner::Blocking(client) => {
                client_runtime().block_on(async { call_blocking(client, call) })
            }
        }
    }

    /// Makes every call at once from clones of the client: one task each
    /// for the async client (`tokio::spawn` demands `Send + 'static`), one
    /// thread each for the blocking one, all let go at once from a barrier.
    /// Results in the order of `calls`.
    pub fn call_concurrently(&self, calls: Vec<Call>) -> Vec<Result<Answer, Error>> {
        match &self.inner {
            Inner::Async { client, runtime } => runtime.block_on(async {
                let tasks: Vec<_> = calls
                    .into_iter()
                    .map(|call| tokio::spawn(call_async(client.clone(), call)))
                    .collect();
                let mut results = Vec::new();
                for task in tasks {
                    results.push(task.await.expect("call task"));
                }
                results
            }),
            Inner::Blocking(client) => {
                let barrier = Barrier::new(calls.len());
                std::thread::scope(|scope| {
                    let threads: Vec<_> = calls
                        .into_iter()
                        .map(|call| {
                            let (client, barrier) = (client.clone(), &barrier);
                            scope.spawn(move || {
                                barrier.wait();
                                call_blocking(&client, call)
                            })
                        })
                        .collect();
                    threads
                        .into_iter()
                        .map(|thread| thread.join().expect("call thread"))
                        .collect()
                })
            }
        }
    }

    /// Starts `call` and returns at once; [`Pending::join`] waits for its
    /// result. The async client's call is a task of its runtime, which runs
    /// whenever this client waits for something; the blocking one's is a
    /// thread of its own.
    pub fn start(&self, call: Call) -> Pending {
        match &self.inner {
            Inner::Async { client, runtime } => {
                Pending::Task(runtime.spawn(call_async(client.clone(), call)))
            }
            Inner::Blocking(client) => {
                let client = client.clone();
                Pending::Thread(std::thread::spawn(move || call_blocking(&client, call)))
            }
        }
    }

    /// Waits for `pending`, started by [`start`](Self::start).
    pub fn join(&self, pending: Pending) -> Result<Answer, Error> {
        match (pending, &self.inner) {
            (Pending::Task(task), Inner::Async { runtime, .. }) => {
                runtime.block_on(task).expect("call task")
            }
            (Pending::Thread(thread), _) => thread.join().expect("call thread"),
            (Pending::Task(_), Inner::Blocking(_)) => unreachable!("a task of a blocking client"),
        }
    }

    /// Runs `future` (a wait on [`Counts`]) to its end; meanwhile the async
    /// client's tasks (its JWKS fetches, calls [`start`](Self::start)ed)
    /// run. The blocking client's fetches run on the threads calling it.
    pub fn wait<T>(&self, future: impl Future<Output = T>) -> T {
        match &self.inner {
            Inner::Async { runtime, .. } => runtime.block_on(future),
            Inner::Blocking(_) => client_runtime().block_on(future),
        }
    }

    /// An `Authenticator` over this client, requiring `scope` if given and
    /// trusting JWT scopes if told, authenticates `bearer`.
    pub fn authenticate(
        &self,
        scope: Option<&str>,
        trust_jwt_scopes: bool,
        bearer: &Bearer,
    ) -> Result<M2mToken, AuthError> {
        match &self.inner {
            Inner::Async { client, runtime } => {
                let mut auth = clerk_m2m::Authenticator::new(client.clone());
                if let Some(scope) = scope {
                    auth = auth.require_scope(scope);
                }
                let auth = auth.trust_jwt_scopes(trust_jwt_scopes);
                runtime.block_on(async {
                    match bearer {
                        Bearer::Request(request) => auth.authenticate(request).await,
                        Bearer::Header(value) => auth.authenticate_header(value.as_deref()).await,
                        Bearer::Token(token) => auth.authenticate_token(token).await,
                    }
                })
            }
            Inner::Blocking(client) => {
                let mut auth = clerk_m2m::blocking::Authenticator::new(client.clone());
                if let Some(scope) = scope {
                    auth = auth.require_scope(scope);
                }
                let auth = auth.trust_jwt_scopes(trust_jwt_scopes);
                match bearer {
                    Bearer::Request(request) => auth.authenticate(request),
                    Bearer::Header(value) => auth.authenticate_header(value.as_deref()),
                    Bearer::Token(token) => auth.authenticate_token(token),
                }
            }
        }
    }
}

/// The client's own `Debug`.
impl fmt::Debug for TestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Async { client, .. } => client.fmt(f),
            Inner::Blocking(client) => client.fmt(f),
        }
    }
}

/// A call started by [`TestClient::start`].
pub enum Pending {
    Task(tokio::task::JoinHandle<Result<Answer, Error>>),
    Thread(std::thread::JoinHandle<Result<Answer, Error>>),
}

impl Pending {
    /// Whether the call has returned.
    pub fn is_finished(&self) -> bool {
        match self {
            Pending::Task(task) => task.is_finished(),
            Pending::Thread(thread) => thread.is_finished(),
        }
    }
}

/// What an `Authenticator` is handed.
pub enum Bearer {
    /// A request, by its `Authorization` header.
    Request(http::Request<()>),
    /// An `Authorization` header value, `None` when absent.
    Header(Option<String>),
    /// A bare token.
    Token(String),
}

/// One thread, as `#[tokio::test]` gives: it takes in the I/O events that
/// arrived (a server's FIN on an idle pooled connection) at the client's
/// yield before each attempt, so cases about pooled connections play the
/// same every time.
fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn call_async(client: clerk_m2m::Client, call: Call) -> Result<Answer, Error> {
    match call {
        Call::Create(params) => client.create_token(params).await.map(Answer::Token),
        Call::List(params) => client.list_tokens(params).await.map(Answer::List),
        Call::Verify(params) => client.verify_token(params).await.map(Answer::Token),
        Call::VerifyStr(token) => client.verify_token_str(&token).await.map(Answer::Token),
        Call::VerifyWithApi(params) => client.send(&params).await.map(Answer::Token),
        Call::Revoke(params) => client.revoke_token(params).await.map(Answer::Token),
    }
}

fn call_blocking(client: &clerk_m2m::blocking::Client, call: Call) -> Result<Answer, Error> {
    match call {
        Call::Create(params) => client.create_token(params).map(Answer::Token),
        Call::List(params) => client.list_tokens(params).map(Answer::List),
        Call::Verify(params) => client.verify_token(params).map(Answer::Token),
        Call::VerifyStr(token) => client.verify_token_str(&token).map(Answer::Token),
        Call::VerifyWithApi(params) => client.send(&params).map(Answer::Token),
        Call::Revoke(params) => client.revoke_token(params).map(Answer::Token),
    }
}

/// The path of the JWKS, under the base URL.
const JWKS_PATH: &str = "/v1/jwks";
/// How long a JWKS request is held at a gate at most.
const GATE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a counting transport (see [`TestClient::counting`]) saw: JWKS
/// requests, the JWKS answers that came back, and every other request. A
/// fetch records its result in the client's cache right after its answer
/// comes back, in the same poll (async) or on the same thread (blocking), so
/// once an answer is counted and the client waited on, the cache holds it.
/// JWKS requests can be held at a gate (a slow key endpoint) or make the
/// transport panic once.
pub struct Counts {
    jwks: AtomicUsize,
    jwks_answered: AtomicUsize,
    other: AtomicUsize,
    /// Notified on each JWKS request, JWKS answer and gate permit.
    changed: tokio::sync::Notify,
    /// Permits of the gate, when JWKS requests are held there.
    gate: Option<Mutex<usize>>,
    /// Signalled on each gate permit, for blocking transports.
    opened: Condvar,
    panic_once: AtomicBool,
}

impl Counts {
    /// Counts that let every request through.
    pub fn new() -> Arc<Self> {
        Self::with_gate(None)
    }

    /// Counts whose JWKS requests each wait for a [`release_one`](Self::release_one).
    pub fn gated() -> Arc<Self> {
        Self::with_gate(Some(Mutex::new(0)))
    }

    fn with_gate(gate: Option<Mutex<usize>>) -> Arc<Self> {
        Arc::new(Self {
            jwks: AtomicUsize::new(0),
            jwks_answered: AtomicUsize::new(0),
            other: AtomicUsize::new(0),
            changed: tokio::sync::Notify::new(),
            gate,
            opened: Condvar::new(),
            panic_once: AtomicBool::new(false),
        })
    }

    /// JWKS requests sent (held ones included).
    pub fn jwks(&self) -> usize {
        self.jwks.load(Ordering::SeqCst)
    }

    /// JWKS answers received.
    pub fn jwks_answered(&self) -> usize {
        self.jwks_answered.load(Ordering::SeqCst)
    }

    /// Requests other than the JWKS.
    pub fn other(&self) -> usize {
        self.other.load(Ordering::SeqCst)
    }

    /// The next JWKS request makes the transport panic.
    pub fn panic_once(&self) {
        self.panic_once.store(true, Ordering::SeqCst);
    }

    /// Lets one held JWKS request through.
    pub fn release_one(&self) {
        let gate = self.gate.as_ref().expect("counts with a gate");
        *gate.lock().unwrap() += 1;
        self.opened.notify_all();
        self.changed.notify_waiters();
    }

    /// Waits until `n` JWKS requests have reached the transport (10 s at
    /// most); run it with [`TestClient::wait`].
    pub async fn until_jwks_requested(&self, n: usize) {
        self.until(|counts| counts.jwks() >= n).await;
    }

    /// Waits until `n` JWKS answers have come back (10 s at most); run it
    /// with [`TestClient::wait`].
    pub async fn until_jwks_answered(&self, n: usize) {
        self.until(|counts| counts.jwks_answered() >= n).await;
    }

    async fn until(&self, done: impl Fn(&Self) -> bool) {
        let reached = async {
            loop {
                let next = self.changed.notified();
                if done(self) {
                    return;
                }
                next.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), reached)
            .await
            .expect("the JWKS requests and answers arrive");
    }

    /// Counts `request`; whether it is for the JWKS. Panics if told to.
    fn saw(&self, request: &http::Request<Vec<u8>>) -> bool {
        if request.uri().path() != JWKS_PATH {
            self.other.fetch_add(1, Ordering::SeqCst);
            return false;
        }
        self.jwks.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
        if self.panic_once.swap(false, Ordering::SeqCst) {
            panic!("test transport: panics on purpose");
        }
        true
    }

    /// Takes a gate permit if there is one (or no gate).
    fn try_pass(&self) -> bool {
        let Some(gate) = &self.gate else { return true };
        let mut permits = gate.lock().unwrap();
        let open = *permits > 0;
        if open {
            *permits -= 1;
        }
        open
    }

    /// Waits at the gate, from a task; panics after 10 s (a fetch nobody
    /// lets through is a failed case, not a hung one).
    async fn pass(&self) {
        let opened = async {
            loop {
                let next = self.changed.notified();
                if self.try_pass() {
                    return;
                }
                next.await;
            }
        };
        tokio::time::timeout(GATE_TIMEOUT, opened)
            .await
            .expect("a held JWKS request is let through");
    }

    /// Waits at the gate, on a thread; panics after 10 s.
    fn pass_blocking(&self) {
        let Some(gate) = &self.gate else { return };
        let permits = gate.lock().unwrap();
        let (mut permits, waited) = self
            .opened
            .wait_timeout_while(permits, GATE_TIMEOUT, |permits| *permits == 0)
            .unwrap();
        assert!(!waited.timed_out(), "a held JWKS request is let through");
        *permits -= 1;
    }

    fn answered(&self) {
        self.jwks_answered.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
    }
}

/// The async client for `config` over reqwest, counting in `counts`.
pub fn counting_async(
    config: Config,
    counts: &Arc<Counts>,
) -> Result<clerk_m2m::Client, ConfigError> {
    use clerk_m2m::Transport as _;
    let inner = Arc::new(clerk_m2m::ReqwestTransport::new()?);
    let counts = Arc::clone(counts);
    let transport = move |request: http::Request<Vec<u8>>| {
        let is_jwks = counts.saw(&request);
        let (inner, counts) = (Arc::clone(&inner), Arc::clone(&counts));
        async move {
            if is_jwks {
                counts.pass().await;
            }
            let response = inner.send(request).await;
            if is_jwks {
                counts.answered();
            }
            response
        }
    };
    clerk_m2m::Client::with_transport(config, transport)
}

/// The blocking client for `config` over ureq, counting in `counts`.
pub fn counting_blocking(
    config: Config,
    counts: &Arc<Counts>,
) -> Result<clerk_m2m::blocking::Client, ConfigError> {
    use clerk_m2m::blocking::Transport as _;
    let inner = clerk_m2m::blocking::UreqTransport::new()?;
    let counts = Arc::clone(counts);
    let transport = move |request: http::Request<Vec<u8>>| {
        let is_jwks = counts.saw(&request);
        if is_jwks {
            counts.pass_blocking();
        }
        let response = inner.send(request);
        if is_jwks {
            counts.answered();
        }
        response
    };
    clerk_m2m::blocking::Client::with_transport(config, transport)
}

/// Plays every case, `workers` at a time, each on a thread of the pool, and
/// returns the failures as `name: why`, sorted. A case fails when `play`
/// returns `Err` or panics (an assertion inside it).
pub fn play_all<C: Sync>(
    cases: &[C],
    workers: usize,
    name: impl Fn(&C) -> String + Sync,
    play: impl Fn(&C) -> Result<(), String> + Sync,
) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let outcome = catch_unwind(AssertUnwindSafe(|| play(case)))
                        .unwrap_or_else(|panic| Err(panic_message(panic.as_ref())));
                    if let Err(why) = outcome {
                        let failure = format!("{}: {why}", name(case));
                        failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    failures
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
        .unwrap_or_else(|| "panicked".to_owned())
}

/// A scenario: its name and its steps, given the driver.
pub type Scenario = (&'static str, fn(Driver));

/// Plays every scenario with `driver`, a few at a time, and panics listing
/// each that failed.
pub fn assert_scenarios(what: &str, scenarios: &[Scenario], driver: Driver) {
    let failures = play_all(
        scenarios,
        4,
        |(name, _)| format!("{name} [{driver}]"),
        |(_, scenario)| {
            scenario(driver);
            Ok(())
        },
    );
    assert_none_failed(&format!("{what} [{driver}]"), scenarios.len(), &failures);
}

/// Prints `{what}: passed/total` and panics listing the failures, if any.
pub fn assert_none_failed(what: &str, total: usize, failures: &[String]) {
    println!("{what}: {}/{total}", total - failures.len());
    assert!(
        failures.is_empty(),
        "{what}: {} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
