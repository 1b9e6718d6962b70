//! The calling side, blocking: the ureq 3 `TokenMiddleware` from many
//! threads, over loopback HTTP to a downstream that verifies every token
//! with the in-process emulator. Creates are counted by the emulator.
//!
//! ureq runs its middleware chain once per request, so the middleware
//! itself never resends: a `401` is returned unchanged (its token
//! invalidated), and `send_with_retry`, which builds the request anew,
//! resends it once.

mod downstream;
mod support;

use clerk_m2m::blocking::{Client, TokenMiddleware, TokenSource};
use clerk_m2m::{CreateTokenParams, ManualClock};
use clerk_m2m::{RefreshPolicy, TokenSourceSettings};
use clerk_m2m_emulator::{Emulator, EmulatorHandle, Fault};
use downstream::Downstream;
use http::StatusCode;
use std::io::Cursor;
use std::time::{Duration, Instant};
use support::emulator::machine_config;
use ureq::{Agent, SendBody};

struct Setup {
    emulator: EmulatorHandle,
    downstream: Downstream,
    source: TokenSource,
    auth: TokenMiddleware,
    agent: Agent,
    clock: ManualClock,
    // Serves the downstream; dropped last.
    _runtime: tokio::runtime::Runtime,
}

fn agent(auth: &TokenMiddleware, status_as_error: bool) -> Agent {
    Agent::config_builder()
        .http_status_as_error(status_as_error)
        .middleware(auth.clone())
        .build()
        .into()
}

/// A 10-minute token, replaced 60 s before expiry (no jitter), from a
/// frozen emulator (or one with `fault` queued, on the system clock).
fn setup(policy: RefreshPolicy, fault: Option<Fault>) -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emulator = Emulator::builder()
        .frozen_clock(fault.is_none())
        .start()
        .unwrap();
    let clock = ManualClock::new(emulator.now());
    let mut settings = TokenSourceSettings::new()
        .params(CreateTokenParams::new().seconds_until_expiration(600))
        .refresh_policy(policy.jitter(Duration::ZERO));
    match fault {
        Some(fault) => emulator.inject_fault(fault, 1),
        None => settings = settings.clock(clock.clone()),
    }
    let source =
        TokenSource::with_settings(Client::new(machine_config(&emulator, 0)).unwrap(), settings);
    let downstream = runtime.block_on(Downstream::start(&emulator));
    let auth = TokenMiddleware::new(source.clone());
    Setup {
        agent: agent(&auth, false),
        emulator,
        downstream,
        source,
        auth,
        clock,
        _runtime: runtime,
    }
}

/// Status and body text.
fn answer(result: Result<http::Response<ureq::Body>, ureq::Error>) -> (StatusCode, String) {
    let mut response = result.unwrap();
    let text = response.body_mut().read_to_string().unwrap();
    (response.status(), text)
}

fn get_ok(agent: &Agent, url: &str) {
    let (status, text) = answer(agent.get(url).call());
    assert_eq!(status, StatusCode::OK, "{text}");
}

/// The typed error behind a failed call.
fn token_error(result: Result<http::Response<ureq::Body>, ureq::Error>) -> clerk_m2m::Error {
    match result {
        Err(ureq::Error::Other(error)) => *error
            .downcast::<clerk_m2m::Error>()
            .unwrap_or_else(|other| panic!("not a token error: {other}")),
        other => panic!("expected a token error, got {other:?}"),
    }
}

#[test]
fn a_thousand_requests_from_fifty_threads_cost_one_create() {
    let s = setup(RefreshPolicy::new(), None);
    let url = s.downstream.url("/work");
    std::thread::scope(|scope| {
        for _ in 0..50 {
            scope.spawn(|| {
                for _ in 0..20 {
                    get_ok(&s.agent, &url);
                }
            });
        }
    });
    assert_eq!(s.emulator.stored_tokens(), 1, "one create");
    assert_eq!(s.downstream.accepted(), 1000);
    assert_eq!(s.downstream.rejected(), 0);
    assert_eq!(s.source.tokens_created(), 1);
}

#[test]
fn past_the_refresh_point_one_more_create_and_never_an_expired_token() {
    let s = setup(RefreshPolicy::new(), None);
    let url = s.downstream.url("/work");
    let advance = |by: u64| {
        s.clock.advance(Duration::from_secs(by));
        s.emulator.advance(Duration::from_secs(by));
    };
    get_ok(&s.agent, &url);
    advance(539);
    get_ok(&s.agent, &url);
    assert_eq!(s.emulator.stored_tokens(), 1, "before the refresh point");
    advance(1);
    for _ in 0..10 {
        get_ok(&s.agent, &url);
    }
    assert_eq!(s.emulator.stored_tokens(), 2, "one more create");
    advance(120);
    get_ok(&s.agent, &url);
    assert_eq!(s.emulator.stored_tokens(), 2);
    assert_eq!(s.downstream.accepted_tokens().len(), 2);
    assert_eq!(s.downstream.rejected(), 0, "no expired token was sent");
}

#[test]
fn a_rejected_token_is_replaced_once_and_the_resent_request_succeeds() {
    let s = setup(RefreshPolicy::new(), None);
    let url = s.downstream.url("/work");
    get_ok(&s.agent, &url);
    let first = s.source.get().unwrap();
    s.downstream.revoke(&first.id);
    let (status, text) = answer(
        s.auth
            .send_with_retry(|| s.agent.post(&url).send("payload")),
    );
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        text.ends_with(":payload"),
        "the body was sent again: {text}"
    );
    assert_eq!(s.downstream.rejected(), 1);
    assert_eq!(s.emulator.stored_tokens(), 2, "replaced once");
    assert_ne!(s.source.get().unwrap().id, first.id);
}

#[test]
fn a_hundred_concurrent_rejections_of_one_token_cost_one_create() {
    let s = setup(RefreshPolicy::new(), None);
    let url = s.downstream.url("/work");
    get_ok(&s.agent, &url);
    s.downstream.revoke(&s.source.get().unwrap().id);
    s.downstream.hold_refusals_until(100);
    std::thread::scope(|scope| {
        for _ in 0..100 {
            scope.spawn(|| {
                let (status, text) = answer(s.auth.send_with_retry(|| s.agent.get(&url).call()));
                assert_eq!(status, StatusCode::OK, "{text}");
            });
        }
    });
    assert_eq!(s.downstream.rejected(), 100);
    assert_eq!(s.downstream.accepted(), 101);
    assert_eq!(s.emulator.stored_tokens(), 2, "one new create");
}

#[test]
fn a_rejection_is_returned_unchanged_and_a_later_request_has_a_new_token() {
    let s = setup(RefreshPolicy::new(), None);
    let url = s.downstream.url("/upload");
    get_ok(&s.agent, &url);
    let first = s.source.get().unwrap();
    s.downstream.revoke(&first.id);
    let stream = || SendBody::from_owned_reader(Cursor::new(b"chunk".to_vec()));
    let (status, text) = answer(s.agent.post(&url).send(stream()));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(text, "refused: revoked", "the callee's own answer");
    assert_eq!(s.emulator.stored_tokens(), 1, "not resent");
    let (status, text) = answer(s.agent.post(&url).send(stream()));
    assert_eq!((status, text.ends_with(":chunk")), (StatusCode::OK, true));
    assert_eq!(s.emulator.stored_tokens(), 2);

    // The replacement is rejected too: it is kept for the first backoff
    // (at most 1 s), so a callee that rejects every token cannot cost a
    // create per request. With ureq's default a 401 is an error; it counts
    // all the same.
    let second = s.source.get().unwrap();
    s.downstream.revoke(&second.id);
    let strict = agent(&s.auth, true);
    for _ in 0..3 {
        let rejected = strict.get(&url).call();
        assert!(matches!(rejected, Err(ureq::Error::StatusCode(401))));
    }
    assert_eq!(s.source.get().unwrap().id, second.id, "held");
    assert_eq!(s.emulator.stored_tokens(), 2);
    s.clock.advance(Duration::from_secs(1));
    s.emulator.advance(Duration::from_secs(1));
    let rejected = strict.get(&url).call();
    assert!(matches!(rejected, Err(ureq::Error::StatusCode(401))));
    get_ok(&strict, &url);
    assert_eq!(s.emulator.stored_tokens(), 3);
}

#[test]
fn a_hung_create_fails_callers_within_the_load_timeout() {
    let policy = RefreshPolicy::new().load_timeout(Some(Duration::from_millis(200)));
    let s = setup(policy, Some(Fault::Delay(Duration::from_secs(60))));
    let url = s.downstream.url("/work");
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..10 {
            scope.spawn(|| {
                let error = token_error(s.agent.get(&url).call());
                assert!(
                    error.transport_error().is_some_and(|t| t.is_timeout()),
                    "{error:?}"
                );
            });
        }
    });
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(s.emulator.requests_received(), 1, "one create");
    assert_eq!(s.downstream.accepted() + s.downstream.rejected(), 0);
}

#[test]
fn a_failed_create_is_a_typed_error_and_is_retried_after_the_backoff() {
    let s = setup(RefreshPolicy::new(), None);
    s.emulator
        .inject_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), 1);
    let url = s.downstream.url("/work");
    for _ in 0..2 {
        let error = token_error(s.agent.get(&url).call());
        assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(error.operation(), clerk_m2m::Operation::CreateToken);
    }
    assert_eq!(s.emulator.requests_received(), 1, "backing off");
    s.clock.advance(Duration::from_secs(1));
    get_ok(&s.agent, &url);
    assert_eq!(s.emulator.stored_tokens(), 1);
    assert_eq!(s.downstream.accepted(), 1);
}

#[test]
fn the_callers_own_authorization_is_sent_as_it_is() {
    let s = setup(RefreshPolicy::new(), None);
    let url = s.downstream.url("/work");
    let (status, _) = answer(
        s.agent
            .get(&url)
            .header("authorization", "Bearer mt_not_a_real_token")
            .call(),
    );
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.downstream.rejected(), 1);
    assert_eq!(s.emulator.stored_tokens(), 0, "no token was needed");
}
