//! The blocking client against the emulator: the lifecycle, scope rules,
//! expiry via the emulator's clock, and injected faults as typed errors.

use clerk_m2m::blocking::Client;
use clerk_m2m::{
    CreateTokenParams, ListTokensParams, M2mToken, RevokeTokenParams, VerifyTokenParams,
};
use clerk_m2m::{Delivery, Error, RetryAfter, RetryPolicy, TransportErrorKind};
use clerk_m2m_emulator::{Emulator, EmulatorHandle, Fault, RateLimit, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

fn client(emulator: &EmulatorHandle, machine: usize) -> Client {
    Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[machine].secret_key().clone())
        .build()
        .expect("client")
}

fn value(token: &M2mToken) -> String {
    token
        .token
        .as_ref()
        .expect("create returns the value")
        .expose_secret()
        .to_owned()
}

#[test]
fn lifecycle_and_scope_rules() {
    let emulator = Emulator::start().unwrap();
    let (a, b) = (client(&emulator, 0), client(&emulator, 1));
    let created = a
        .create_token(
            CreateTokenParams::new()
                .seconds_until_expiration(600)
                .claims(json!({"job": "export"})),
        )
        .unwrap();
    let verified = b
        .verify_token(VerifyTokenParams::new(value(&created)))
        .unwrap();
    assert_eq!(
        (verified.id.as_str(), verified.claims.as_ref()),
        (created.id.as_str(), created.claims.as_ref())
    );
    // A is not in its own token's scopes; B may not list A's tokens.
    let error = a
        .verify_token(VerifyTokenParams::new(value(&created)))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    let error = b
        .list_tokens(ListTokensParams::new(created.subject.clone()))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FORBIDDEN));

    assert_eq!(
        a.list_tokens(ListTokensParams::new(created.subject.clone()))
            .unwrap()
            .total_count,
        1
    );
    let revoked = a
        .revoke_token(RevokeTokenParams::new(created.id.clone()).revocation_reason("done"))
        .unwrap();
    assert!(revoked.revoked);
    let error = b
        .verify_token(VerifyTokenParams::new(value(&created)))
        .unwrap_err();
    assert_eq!(error.code(), Some("resource_not_found"));
}

#[test]
fn expiry_follows_the_emulator_clock() {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let (a, b) = (client(&emulator, 0), client(&emulator, 1));
    let token = a
        .create_token(CreateTokenParams::new().seconds_until_expiration(30))
        .unwrap();
    emulator.advance(Duration::from_secs(30));
    let error = b
        .verify_token(VerifyTokenParams::new(value(&token)))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    let expired = a
        .list_tokens(ListTokensParams::new(token.subject.clone()).expired(true))
        .unwrap();
    assert_eq!(expired.total_count, 1);
}

#[test]
fn faults_reach_the_client_as_typed_errors() {
    let emulator = Emulator::start().unwrap();
    let a = client(&emulator, 0);
    let subject = emulator.machines()[0].id().to_owned();

    emulator.inject_fault(Fault::status(StatusCode::BAD_GATEWAY), 1);
    let before = emulator.requests_received();
    a.list_tokens(ListTokensParams::new(subject.clone()))
        .unwrap();
    assert_eq!(emulator.requests_received() - before, 2, "502 retried once");

    emulator.inject_fault(Fault::status(StatusCode::INTERNAL_SERVER_ERROR), 1);
    let error = a.create_token(CreateTokenParams::new()).unwrap_err();
    assert_eq!(
        (error.status(), error.attempts()),
        (Some(http::StatusCode::INTERNAL_SERVER_ERROR), 1)
    );

    let stored = emulator.stored_tokens();
    emulator.inject_fault(Fault::DropConnection, 1);
    let error = a.create_token(CreateTokenParams::new()).unwrap_err();
    assert_eq!(
        error.transport_error().map(|e| e.delivery()),
        Some(Delivery::MaybeSent)
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(
        emulator.stored_tokens(),
        stored + 1,
        "create sent exactly once"
    );

    for fault in [Fault::MalformedBody, Fault::EmptyBody] {
        emulator.inject_fault(fault, 1);
        let error = a
            .list_tokens(ListTokensParams::new(subject.clone()))
            .unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    }

    // A server slower than the attempt timeout: a timeout, well before the delay ends.
    let impatient = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .transport(
            clerk_m2m::blocking::UreqTransport::builder()
                .attempt_timeout(Duration::from_millis(300))
                .build()
                .unwrap(),
        )
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    emulator.inject_fault(Fault::Delay(Duration::from_secs(20)), 1);
    let started = Instant::now();
    let error = impatient
        .list_tokens(ListTokensParams::new(subject))
        .unwrap_err();
    assert_eq!(
        error.transport_error().map(|e| e.kind()),
        Some(TransportErrorKind::Timeout)
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    emulator.set_rate_limit(Some(RateLimit::new(1, Duration::from_secs(10))));
    let a = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let subject = emulator.machines()[0].id().to_owned();
    a.list_tokens(ListTokensParams::new(subject.clone()))
        .unwrap();
    let error = a.list_tokens(ListTokensParams::new(subject)).unwrap_err();
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status(), http::StatusCode::TOO_MANY_REQUESTS);
    assert!(matches!(api.retry_after(), Some(RetryAfter::Seconds(s)) if (1..=10).contains(&s)));
}
