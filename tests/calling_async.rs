//! The calling side, async: the reqwest-middleware `TokenMiddleware` and the
//! tower `TokenLayer` (over hyper-util's client), each case run through
//! both, over loopback HTTP to a downstream that verifies every token with
//! the in-process emulator. Creates are counted by the emulator.

mod downstream;
mod support;

use bytes::Bytes;
use clerk_m2m::{
    BoxError, Client, CreateTokenParams, ManualClock, TokenLayer, TokenMiddleware, TokenService,
    TokenSource,
};
use clerk_m2m::{RefreshPolicy, TokenSourceSettings};
use clerk_m2m_emulator::{Emulator, EmulatorHandle, Fault};
use downstream::Downstream;
use http::StatusCode;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Either, Full, StreamBody};
use hyper_util::client::legacy::connect::HttpConnector;
use std::convert::Infallible;
use std::time::{Duration, Instant};
use support::emulator::machine_config;
use tower::{Layer, ServiceExt};

/// What a request carries.
#[derive(Clone, Copy)]
enum Payload {
    /// A `GET` without a body.
    Nothing,
    /// A `POST` whose body can be sent twice.
    Bytes(&'static str),
    /// A `POST` whose body is a one-shot stream.
    Stream(&'static str),
}

/// How a call failed.
#[derive(Debug)]
enum Failure {
    /// No token could be had: the typed error.
    Token(clerk_m2m::Error),
    #[allow(dead_code)] // read through Debug, in failure messages
    Other(String),
}

type TowerBody = Either<Full<Bytes>, BoxBody<Bytes, Infallible>>;
type Replay = fn(&TowerBody) -> Option<TowerBody>;
type Hyper = hyper_util::client::legacy::Client<HttpConnector, TowerBody>;

/// The two async adapters, behind one `send`.
#[derive(Clone)]
enum Caller {
    Reqwest(reqwest_middleware::ClientWithMiddleware),
    Tower(TokenService<Hyper, Replay>),
}

const ADAPTERS: [&str; 2] = ["reqwest", "tower"];

fn one_shot_stream(
    text: &'static str,
) -> StreamBody<impl futures_util::Stream<Item = Result<http_body::Frame<Bytes>, Infallible>>> {
    StreamBody::new(futures_util::stream::iter([Ok(http_body::Frame::data(
        Bytes::from_static(text.as_bytes()),
    ))]))
}

impl Caller {
    fn new(adapter: &str, source: TokenSource) -> Self {
        match adapter {
            "reqwest" => Self::Reqwest(
                reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
                    .with(TokenMiddleware::new(source))
                    .build(),
            ),
            _ => {
                let hyper: Hyper = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .build_http();
                // Full bodies are resent, streams are not.
                let replay: Replay = |body| match body {
                    Either::Left(full) => Some(Either::Left(full.clone())),
                    Either::Right(_) => None,
                };
                Self::Tower(TokenLayer::new(source).replay(replay).layer(hyper))
            }
        }
    }

    /// Sends one request; the status and body of the answer.
    async fn send(&self, url: &str, payload: Payload) -> Result<(StatusCode, String), Failure> {
        match self {
            Self::Reqwest(client) => {
                let request = match payload {
                    Payload::Nothing => client.get(url),
                    Payload::Bytes(text) => client.post(url).body(text),
                    Payload::Stream(text) => client
                        .post(url)
                        .body(reqwest::Body::wrap(one_shot_stream(text))),
                };
                let response = request.send().await.map_err(|error| match error {
                    reqwest_middleware::Error::Middleware(error) => {
                        match error.downcast::<clerk_m2m::Error>() {
                            Ok(error) => Failure::Token(error),
                            Err(other) => Failure::Other(other.to_string()),
                        }
                    }
                    other => Failure::Other(other.to_string()),
                })?;
                let status = response.status();
                let text = response
                    .text()
                    .await
                    .map_err(|e| Failure::Other(e.to_string()))?;
                Ok((status, text))
            }
            Self::Tower(service) => {
                let (method, body) = match payload {
                    Payload::Nothing => ("GET", Either::Left(Full::new(Bytes::new()))),
                    Payload::Bytes(text) => ("POST", Either::Left(Full::new(Bytes::from(text)))),
                    Payload::Stream(text) => ("POST", Either::Right(one_shot_stream(text).boxed())),
                };
                let request = http::Request::builder()
                    .method(method)
                    .uri(url)
                    .body(body)
                    .map_err(|e| Failure::Other(e.to_string()))?;
                let response =
                    service
                        .clone()
                        .oneshot(request)
                        .await
                        .map_err(
                            |error: BoxError| match error.downcast::<clerk_m2m::Error>() {
                                Ok(error) => Failure::Token(*error),
                                Err(other) => Failure::Other(other.to_string()),
                            },
                        )?;
                let status = response.status();
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| Failure::Other(e.to_string()))?
                    .to_bytes();
                Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
            }
        }
    }

    async fn get_ok(&self, url: &str) -> String {
        match self.send(url, Payload::Nothing).await {
            Ok((StatusCode::OK, text)) => text,
            other => panic!("expected 200, got {other:?}"),
        }
    }
}

/// A 10-minute token, replaced 60 s before expiry (no jitter).
fn settings() -> TokenSourceSettings {
    TokenSourceSettings::new()
        .params(CreateTokenParams::new().seconds_until_expiration(600))
        .refresh_policy(RefreshPolicy::new().jitter(Duration::ZERO))
}

struct Setup {
    emulator: EmulatorHandle,
    downstream: Downstream,
    source: TokenSource,
    caller: Caller,
    clock: ManualClock,
}

/// A frozen emulator, a `ManualClock` at its time, a downstream, and a
/// caller through `adapter` with `policy`.
async fn setup(adapter: &str, policy: RefreshPolicy) -> Setup {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let clock = ManualClock::new(emulator.now());
    let settings = settings()
        .refresh_policy(policy.jitter(Duration::ZERO))
        .clock(clock.clone());
    let source =
        TokenSource::with_settings(Client::new(machine_config(&emulator, 0)).unwrap(), settings);
    let downstream = Downstream::start(&emulator).await;
    let caller = Caller::new(adapter, source.clone());
    Setup {
        emulator,
        downstream,
        source,
        caller,
        clock,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_requests_from_fifty_tasks_cost_one_create() {
    for adapter in ADAPTERS {
        let s = setup(adapter, RefreshPolicy::new()).await;
        let url = s.downstream.url("/work");
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (caller, url) = (s.caller.clone(), url.clone());
                tokio::spawn(async move {
                    for _ in 0..20 {
                        caller.get_ok(&url).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(s.emulator.stored_tokens(), 1, "{adapter}: one create");
        assert_eq!(s.downstream.accepted(), 1000, "{adapter}");
        assert_eq!(s.downstream.rejected(), 0, "{adapter}");
        assert_eq!(s.source.tokens_created(), 1, "{adapter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_refresh_point_one_more_create_and_never_an_expired_token() {
    for adapter in ADAPTERS {
        let s = setup(adapter, RefreshPolicy::new()).await;
        let url = s.downstream.url("/work");
        let advance = |by: u64| {
            s.clock.advance(Duration::from_secs(by));
            s.emulator.advance(Duration::from_secs(by));
        };
        s.caller.get_ok(&url).await;
        advance(539);
        s.caller.get_ok(&url).await;
        assert_eq!(
            s.emulator.stored_tokens(),
            1,
            "{adapter}: before the refresh point"
        );
        advance(1);
        for _ in 0..10 {
            s.caller.get_ok(&url).await;
        }
        assert_eq!(s.emulator.stored_tokens(), 2, "{adapter}: one more create");
        // Past the first token's expiry: still the second token, no create.
        advance(120);
        s.caller.get_ok(&url).await;
        assert_eq!(s.emulator.stored_tokens(), 2, "{adapter}");
        assert_eq!(s.downstream.accepted_tokens().len(), 2, "{adapter}");
        assert_eq!(
            s.downstream.rejected(),
            0,
            "{adapter}: no expired token was sent"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_replaced_once_and_the_request_succeeds() {
    for adapter in ADAPTERS {
        let s = setup(adapter, RefreshPolicy::new()).await;
        let url = s.downstream.url("/work");
        s.caller.get_ok(&url).await;
        let first = s.source.get().await.unwrap();
        s.downstream.revoke(&first.id);
        let (status, text) = s
            .caller
            .send(&url, Payload::Bytes("payload"))
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{adapter}: {text}");
        assert!(
            text.ends_with(":payload"),
            "{adapter}: the body was resent: {text}"
        );
        assert_eq!(s.downstream.rejected(), 1, "{adapter}");
        assert_eq!(s.emulator.stored_tokens(), 2, "{adapter}: replaced once");
        assert_ne!(s.source.get().await.unwrap().id, first.id, "{adapter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_rejections_of_one_token_cost_one_create() {
    for adapter in ADAPTERS {
        let s = setup(adapter, RefreshPolicy::new()).await;
        let url = s.downstream.url("/work");
        s.caller.get_ok(&url).await;
        let first = s.source.get().await.unwrap();
        s.downstream.revoke(&first.id);
        // No refusal is answered before all 100 requests arrived with it.
        s.downstream.hold_refusals_until(100);
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let (caller, url) = (s.caller.clone(), url.clone());
                tokio::spawn(async move { caller.get_ok(&url).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(s.downstream.rejected(), 100, "{adapter}");
        assert_eq!(s.downstream.accepted(), 101, "{adapter}");
        assert_eq!(s.emulator.stored_tokens(), 2, "{adapter}: one new create");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_of_a_streaming_body_is_returned_unchanged() {
    for adapter in ADAPTERS {
        let s = setup(adapter, RefreshPolicy::new()).await;
        let url = s.downstream.url("/upload");
        s.caller.get_ok(&url).await;
        let first = s.source.get().await.unwrap();
        s.downstream.revoke(&first.id);
        let (status, text) = s.caller.send(&url, Payload::Stream("chunk")).await.unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{adapter}");
        assert_eq!(
            text, "refused: revoked",
            "{adapter}: the callee's own answer"
        );
        assert_eq!(s.emulator.stored_tokens(), 1, "{adapter}: not resent");
        // The rejected token was dropped: the next request has a new one.
        let (status, text) = s.caller.send(&url, Payload::Stream("chunk")).await.unwrap();
        assert_eq!(
            (status, text.ends_with(":chunk")),
            (StatusCode::OK, true),
            "{adapter}"
        );
        assert_eq!(s.emulator.stored_tokens(), 2, "{adapter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_create_fails_callers_within_the_load_timeout() {
    for adapter in ADAPTERS {
        let emulator = Emulator::start().unwrap();
        emulator.inject_fault(Fault::Delay(Duration::from_secs(60)), 1);
        // The load timeout is measured on the system clock here: it is
        // what bounds a real wait.
        let settings = settings()
            .refresh_policy(RefreshPolicy::new().load_timeout(Some(Duration::from_millis(200))));
        let source = TokenSource::with_settings(
            Client::new(machine_config(&emulator, 0)).unwrap(),
            settings,
        );
        let downstream = Downstream::start(&emulator).await;
        let caller = Caller::new(adapter, source);
        let url = downstream.url("/work");
        let started = Instant::now();
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (caller, url) = (caller.clone(), url.clone());
                tokio::spawn(async move { caller.send(&url, Payload::Nothing).await })
            })
            .collect();
        for task in tasks {
            match task.await.unwrap() {
                Err(Failure::Token(error)) => assert!(
                    error.transport_error().is_some_and(|t| t.is_timeout()),
                    "{adapter}: {error:?}"
                ),
                other => panic!("{adapter}: expected a token timeout, got {other:?}"),
            }
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{adapter}");
        assert_eq!(emulator.requests_received(), 1, "{adapter}: one create");
        assert_eq!(
            downstream.accepted() + downstream.rejected(),
            0,
            "{adapter}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_create_is_a_typed_error_and_is_retried_after_the_backoff() {
    for adapter in ADAPTERS {
        let s = setup(adapter, RefreshPolicy::new()).await;
        s.emulator
            .inject_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), 1);
        let url = s.downstream.url("/work");
        for _ in 0..2 {
            match s.caller.send(&url, Payload::Nothing).await {
                Err(Failure::Token(error)) => {
                    assert_eq!(
                        error.status(),
                        Some(StatusCode::SERVICE_UNAVAILABLE),
                        "{adapter}"
                    );
                    assert_eq!(error.operation(), clerk_m2m::Operation::CreateToken);
                }
                other => panic!("{adapter}: expected the create's error, got {other:?}"),
            }
        }
        assert_eq!(s.emulator.requests_received(), 1, "{adapter}: backing off");
        // The first backoff is at most 1 s.
        s.clock.advance(Duration::from_secs(1));
        s.caller.get_ok(&url).await;
        assert_eq!(s.emulator.stored_tokens(), 1, "{adapter}");
        assert_eq!(s.downstream.accepted(), 1, "{adapter}");
    }
}

#[tokio::test]
async fn the_callers_own_authorization_is_sent_as_it_is() {
    for adapter in ADAPTERS {
        let s = setup(adapter, RefreshPolicy::new()).await;
        let url = s.downstream.url("/work");
        let own = "Bearer mt_not_a_real_token";
        let status = match &s.caller {
            Caller::Reqwest(client) => {
                let response = client.get(&url).header("authorization", own).send().await;
                response.unwrap().status()
            }
            Caller::Tower(service) => {
                let request = http::Request::get(&url)
                    .header("authorization", own)
                    .body(Either::Left(Full::new(Bytes::new())))
                    .unwrap();
                service.clone().oneshot(request).await.unwrap().status()
            }
        };
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{adapter}: not replaced, not retried"
        );
        assert_eq!(s.downstream.rejected(), 1, "{adapter}");
        assert_eq!(
            s.emulator.stored_tokens(),
            0,
            "{adapter}: no token was needed"
        );
    }
}
