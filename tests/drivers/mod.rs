//! The async and the blocking client behind one interface, so that a table of
//! cases is written once and run by both: a case names a [`Call`], a driver
//! makes it with its client and hands back the same `Result<Answer, Error>`.
#![allow(dead_code)] // each test binary uses a different part of it

use clerk_m2m::TransportSettings;
use clerk_m2m::{
    Config, CreateTokenParams, Error, ListTokensParams, M2mToken, M2mTokenList, RevokeTokenParams,
    VerifyTokenParams,
};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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
        let inner = match driver {
            Driver::Async => {
                let client = match transport {
                    Some(settings) => clerk_m2m::Client::with_transport(
                        config,
                        clerk_m2m::ReqwestTransport::with_settings(settings).expect("transport"),
                    ),
                    None => clerk_m2m::Client::new(config),
                };
                // One thread, as `#[tokio::test]` gives: it takes in the I/O
                // events that arrived (a server's FIN on an idle pooled
                // connection) at the client's yield before each attempt, so
                // cases about pooled connections play the same every time.
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                Inner::Async {
                    client: client.expect("client"),
                    runtime,
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
                Inner::Blocking(client.expect("client"))
            }
        };
        Self { inner }
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
            Inner::Blocking(client) => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async { call_blocking(client, call) }),
        }
    }

    /// Makes every call at once from clones of the client: one task each
    /// for the async client (`tokio::spawn` demands `Send + 'static`), one
    /// thread each for the blocking one. Results in the order of `calls`.
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
            Inner::Blocking(client) => std::thread::scope(|scope| {
                let threads: Vec<_> = calls
                    .into_iter()
                    .map(|call| {
                        let client = client.clone();
                        scope.spawn(move || call_blocking(&client, call))
                    })
                    .collect();
                threads
                    .into_iter()
                    .map(|thread| thread.join().expect("call thread"))
                    .collect()
            }),
        }
    }
}

async fn call_async(client: clerk_m2m::Client, call: Call) -> Result<Answer, Error> {
    match call {
        Call::Create(params) => client.create_token(params).await.map(Answer::Token),
        Call::List(params) => client.list_tokens(params).await.map(Answer::List),
        Call::Verify(params) => client.verify_token(params).await.map(Answer::Token),
        Call::VerifyWithApi(params) => client.send(&params).await.map(Answer::Token),
        Call::Revoke(params) => client.revoke_token(params).await.map(Answer::Token),
    }
}

fn call_blocking(client: &clerk_m2m::blocking::Client, call: Call) -> Result<Answer, Error> {
    match call {
        Call::Create(params) => client.create_token(params).map(Answer::Token),
        Call::List(params) => client.list_tokens(params).map(Answer::List),
        Call::Verify(params) => client.verify_token(params).map(Answer::Token),
        Call::VerifyWithApi(params) => client.send(&params).map(Answer::Token),
        Call::Revoke(params) => client.revoke_token(params).map(Answer::Token),
    }
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
