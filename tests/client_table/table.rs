//! A case of the table and the runner that plays it with one driver.
//!
//! A case is data: the client's settings, the scripted server's replies, the
//! calls in order with what each must return, and what the server must have
//! read (each request's bytes, or how many there were). The runner starts the
//! server, builds the driver's client, makes the calls and checks it all;
//! any failed check is the case's failure, named in the report.

use crate::drivers::{assert_none_failed, play_all, Answer, Call, Driver, TestClient};
use crate::support::{RecordedRequest, Reply, ScriptedServer};
use clerk_m2m::test_util::LoopbackServer;
use clerk_m2m::TransportSettings;
use clerk_m2m::{ConfigBuilder, Error};
use std::time::{Duration, Instant};

pub const KEY: &str = "ak_test_client_key";
pub const DEFAULT_API_VERSION: &str = "2026-05-12";

type Check<T> = Box<dyn Fn(&T) + Send + Sync>;

/// The config of a case's client, given the server's URL.
pub type Settings = Box<dyn Fn(&str) -> ConfigBuilder + Send + Sync>;

/// Where the client sends its requests.
pub enum Server {
    /// A scripted server: `replies` for the first requests, in order, then
    /// `fallback` for every later one.
    Scripted {
        replies: Vec<Reply>,
        fallback: Reply,
    },
    /// An address where nothing listens.
    Refusing,
}

/// What one call must return.
pub enum Expect {
    /// A result, checked by the closure.
    Ok(Check<Answer>),
    /// An error, checked by the closure.
    Err(Check<Error>),
}

/// What the client does next.
pub enum Step {
    /// Makes the call and checks its result.
    Call(Call, Expect),
    /// The same from inside an async context.
    CallFromAsyncContext(Call, Expect),
    /// Makes all the calls at once from clones of the client; each result
    /// must meet the expectation.
    Concurrently(Vec<Call>, Expect),
    /// Acts on (or checks) the server between two calls.
    Server(Check<ScriptedServer>),
}

/// What the server must have read.
pub enum Requests {
    /// Exactly these requests, in order, byte for byte.
    Exactly(Vec<Wire>),
    /// This many requests.
    Count(usize),
}

/// One request as it must arrive: line, headers and body.
#[derive(Clone, Debug)]
pub struct Wire {
    method: &'static str,
    path: String,
    query: Option<String>,
    key: String,
    api_version: String,
    body: String,
    connection: Option<usize>,
}

impl Wire {
    fn new(method: &'static str, path: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: None,
            key: KEY.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            body: body.into(),
            connection: None,
        }
    }

    /// `POST /m2m_tokens` with `body`.
    pub fn create(body: &str) -> Self {
        Self::new("POST", "/m2m_tokens", body)
    }

    /// `GET /m2m_tokens?{query}`, no body.
    pub fn list(query: impl Into<String>) -> Self {
        Self {
            query: Some(query.into()),
            ..Self::new("GET", "/m2m_tokens", "")
        }
    }

    /// `POST /m2m_tokens/verify` for `token`.
    pub fn verify(token: &str) -> Self {
        Self::new(
            "POST",
            "/m2m_tokens/verify",
            format!(r#"{{"token":"{token}"}}"#),
        )
    }

    /// `POST /m2m_tokens/{id}/revoke` with `body`.
    pub fn revoke(id: &str, body: &str) -> Self {
        Self::new("POST", format!("/m2m_tokens/{id}/revoke"), body)
    }

    /// Sent with this key (default [`KEY`]).
    pub fn key(mut self, key: &str) -> Self {
        self.key = key.to_owned();
        self
    }

    /// Sent with this `Clerk-API-Version`.
    pub fn api_version(mut self, version: &str) -> Self {
        self.api_version = version.to_owned();
        self
    }

    /// Sent to this path instead.
    pub fn path(mut self, path: &str) -> Self {
        self.path = path.to_owned();
        self
    }

    /// Carried by the server's `index`th accepted connection (from 0).
    pub fn on_connection(mut self, index: usize) -> Self {
        self.connection = Some(index);
        self
    }

    /// Panics unless `request` is this one, with exactly the headers
    /// `@clerk/backend` sends and nothing that leaks.
    fn assert_matches(&self, request: &RecordedRequest) {
        assert_eq!(request.method, self.method);
        assert_eq!(request.path, self.path);
        assert_eq!(request.query, self.query);
        request.assert_sdk_headers(&self.key, &self.api_version);
        assert_eq!(request.body_str(), self.body);
        if let Some(connection) = self.connection {
            assert_eq!(request.connection, connection, "carried by connection");
        }
    }
}

/// One row of the table.
pub struct Case {
    pub name: String,
    pub server: Server,
    pub settings: Settings,
    /// The built-in transport's settings (default: its defaults).
    pub transport: Option<TransportSettings>,
    pub steps: Vec<Step>,
    pub requests: Requests,
    /// Connections the server must have accepted, if checked.
    pub connections: Option<usize>,
    /// Bounds on the time all the steps took, if checked.
    pub took: Option<(Duration, Duration)>,
}

impl Case {
    /// A case with the standard client and a server answering `fallback`
    /// after `replies`; one request expected, not checked byte for byte.
    pub fn new(name: impl Into<String>, replies: Vec<Reply>, fallback: Reply) -> Self {
        Self {
            name: name.into(),
            server: Server::Scripted { replies, fallback },
            settings: Box::new(standard),
            transport: None,
            steps: Vec::new(),
            requests: Requests::Count(1),
            connections: None,
            took: None,
        }
    }

    /// A case whose server answers every request with `reply`.
    pub fn always(name: impl Into<String>, reply: Reply) -> Self {
        Self::new(name, Vec::new(), reply)
    }

    /// Adds a step.
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// Adds a call that must succeed, its answer checked by `check`.
    pub fn ok(self, call: Call, check: impl Fn(&Answer) + Send + Sync + 'static) -> Self {
        self.step(Step::Call(call, Expect::Ok(Box::new(check))))
    }

    /// Adds a call that must fail, its error checked by `check`.
    pub fn err(self, call: Call, check: impl Fn(&Error) + Send + Sync + 'static) -> Self {
        self.step(Step::Call(call, Expect::Err(Box::new(check))))
    }

    /// The client's config.
    pub fn settings(
        mut self,
        settings: impl Fn(&str) -> ConfigBuilder + Send + Sync + 'static,
    ) -> Self {
        self.settings = Box::new(settings);
        self
    }

    /// The built-in transport's settings.
    pub fn transport(mut self, settings: TransportSettings) -> Self {
        self.transport = Some(settings);
        self
    }

    /// The server must have read exactly these requests.
    pub fn wire(mut self, requests: Vec<Wire>) -> Self {
        self.requests = Requests::Exactly(requests);
        self
    }

    /// The server must have read this many requests.
    pub fn requests(mut self, count: usize) -> Self {
        self.requests = Requests::Count(count);
        self
    }

    /// The server must have accepted this many connections.
    pub fn connections(mut self, count: usize) -> Self {
        self.connections = Some(count);
        self
    }

    /// All the steps must take at least `least` and less than `most`.
    pub fn took(mut self, least: Duration, most: Duration) -> Self {
        self.took = Some((least, most));
        self
    }

    /// Nothing listens at the client's address.
    pub fn refusing(mut self) -> Self {
        self.server = Server::Refusing;
        self.requests = Requests::Count(0);
        self
    }

    /// Plays the case with `driver`; panics at the first check that fails.
    fn play(&self, driver: Driver) {
        let server = match &self.server {
            Server::Scripted { replies, fallback } => {
                let server = ScriptedServer::start(fallback.clone());
                server.push(replies.iter().cloned());
                Some(server)
            }
            Server::Refusing => None,
        };
        let url = server
            .as_ref()
            .map_or_else(LoopbackServer::refusing_url, ScriptedServer::url);
        let config = (self.settings)(&url).build().expect("config");
        let client = TestClient::new(driver, config, self.transport.clone());
        let started = Instant::now();
        for step in &self.steps {
            match step {
                Step::Call(call, expect) => check(expect, client.call(call.clone())),
                Step::CallFromAsyncContext(call, expect) => {
                    check(expect, client.call_from_async_context(call.clone()))
                }
                Step::Concurrently(calls, expect) => {
                    for result in client.call_concurrently(calls.clone()) {
                        check(expect, result);
                    }
                }
                Step::Server(action) => action(
                    server
                        .as_ref()
                        .expect("a step on a server that was not started"),
                ),
            }
        }
        let took = started.elapsed();
        if let Some((least, most)) = self.took {
            assert!(took >= least, "took {took:?}, at least {least:?} expected");
            assert!(took < most, "took {took:?}, less than {most:?} expected");
        }
        let received = server
            .as_ref()
            .map(ScriptedServer::requests)
            .unwrap_or_default();
        match &self.requests {
            Requests::Count(count) => {
                assert_eq!(received.len(), *count, "requests read by the server")
            }
            Requests::Exactly(expected) => {
                assert_eq!(
                    received.len(),
                    expected.len(),
                    "requests read by the server: {received:#?}"
                );
                for (request, wire) in received.iter().zip(expected) {
                    wire.assert_matches(request);
                }
            }
        }
        if let (Some(count), Some(server)) = (self.connections, &server) {
            assert_eq!(server.connections_accepted(), count, "connections accepted");
        }
    }
}

fn check(expect: &Expect, result: Result<Answer, Error>) {
    match (expect, result) {
        (Expect::Ok(check), Ok(answer)) => check(&answer),
        (Expect::Err(check), Err(error)) => check(&error),
        (Expect::Ok(_), Err(error)) => panic!("expected an answer, got {error:?}"),
        (Expect::Err(_), Ok(answer)) => panic!("expected an error, got {answer:?}"),
    }
}

/// The client most cases use: the server's URL and [`KEY`].
pub fn standard(url: &str) -> ConfigBuilder {
    clerk_m2m::Config::builder()
        .base_url(url)
        .machine_secret_key(KEY)
}

/// Plays every case with `driver`, a few at a time, and panics listing each
/// case that failed.
pub fn assert_table(cases: Vec<Case>, driver: Driver) {
    let failures = play_all(
        &cases,
        4,
        |case| format!("{} [{driver}]", case.name),
        |case| {
            case.play(driver);
            Ok(())
        },
    );
    assert_none_failed(&format!("client table [{driver}]"), cases.len(), &failures);
}
