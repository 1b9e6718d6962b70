//! Both clients against the emulator: every route, the rules it enforces,
//! expiry via its clock, and each injected fault reaching the client as the
//! right typed error. Each scenario is a sequence of calls on one emulator,
//! played once per driver.

use crate::drivers::{assert_scenarios, Answer, Call, Driver, Scenario, TestClient};
use clerk_m2m::{
    Config, ConfigBuilder, CreateTokenParams, Delivery, Error, ListTokensParams, M2mToken,
    RetryPolicy, RevokeTokenParams, TransportErrorKind, VerifyTokenParams,
};
use clerk_m2m::{RequestError, RetryAfter, TransportSettings};
use clerk_m2m_emulator::{Emulator, EmulatorHandle, Fault, RateLimit, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

fn builder(emulator: &EmulatorHandle, machine: usize) -> ConfigBuilder {
    Config::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[machine].secret_key().clone())
}

/// The `driver`'s client for machine number `machine`.
fn client(emulator: &EmulatorHandle, machine: usize, driver: Driver) -> TestClient {
    TestClient::new(driver, builder(emulator, machine).build().unwrap(), None)
}

fn token(client: &TestClient, call: Call) -> M2mToken {
    client.call(call).map(Answer::into_token).unwrap()
}

fn total(client: &TestClient, params: ListTokensParams) -> u64 {
    client.call(Call::List(params)).unwrap().list().total_count
}

fn value(token: &M2mToken) -> String {
    token
        .token
        .as_ref()
        .expect("create returns the value")
        .expose_secret()
        .to_owned()
}

fn verify(token: &M2mToken) -> Call {
    Call::Verify(VerifyTokenParams::new(value(token)))
}

fn full_lifecycle_of_an_opaque_token(driver: Driver) {
    let emulator = Emulator::start().unwrap();
    let (a, b) = (client(&emulator, 0, driver), client(&emulator, 1, driver));
    let machine_a = emulator.machines()[0].id().to_owned();

    let created = token(
        &a,
        Call::Create(
            CreateTokenParams::new()
                .seconds_until_expiration(3600)
                .claims(json!({"role": "reader", "nestedObject": {"camelCase": true}})),
        ),
    );
    assert!(clerk_m2m::is_token_id(&created.id));
    assert_eq!(created.subject, machine_a);
    assert!(created.has_scope(emulator.machines()[1].id()));
    let lifetime = created.expiration.unwrap() - created.created_at;
    assert_eq!(lifetime, 3_600_000);

    let verified = token(&b, verify(&created));
    assert_eq!(verified.id, created.id);
    assert_eq!(verified.claims, created.claims);
    assert!(verified.token.is_none());
    assert!(
        verified.last_used_at.is_some(),
        "verify marks the token used"
    );

    let list = a
        .call(Call::List(ListTokensParams::new(machine_a.clone())))
        .unwrap();
    assert_eq!(list.list().total_count, 1);
    assert_eq!(list.list().tokens[0].id, created.id);

    let revoked = token(
        &a,
        Call::Revoke(RevokeTokenParams::new(created.id.clone()).revocation_reason("rotated")),
    );
    assert!(revoked.revoked);
    assert_eq!(revoked.revocation_reason.as_deref(), Some("rotated"));
    // Revoking again converges: same answer, so a retried revoke is harmless.
    let again = token(&a, Call::Revoke(RevokeTokenParams::new(created.id.clone())));
    assert_eq!(again.revocation_reason.as_deref(), Some("rotated"));

    let error = b.call(verify(&created)).unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    assert_eq!(error.code(), Some("resource_not_found"));
    assert!(error.trace_id().is_some());

    assert_eq!(total(&a, ListTokensParams::new(machine_a).revoked(true)), 1);
}

#[cfg(feature = "jwt")]
fn jwt_tokens_are_not_stored_and_verify_through_the_api(driver: Driver) {
    let emulator = Emulator::start().unwrap();
    let (a, b) = (client(&emulator, 0, driver), client(&emulator, 1, driver));
    // `verify_token` checks an M2M JWT locally; `send` posts it to the API,
    // which the emulator answers too.
    let jwt = token(
        &a,
        Call::Create(
            CreateTokenParams::new()
                .token_format(clerk_m2m::TokenFormat::Jwt)
                .seconds_until_expiration(600),
        ),
    );
    assert_eq!(value(&jwt).split('.').count(), 3);
    let verified = token(&b, Call::VerifyWithApi(VerifyTokenParams::new(value(&jwt))));
    assert_eq!(verified.id, jwt.id);
    let without_keys = b.call(verify(&jwt)).unwrap_err();
    assert!(matches!(without_keys, Error::NoJwtKey), "{without_keys:?}");
    let with_the_pem = Config::builder()
        .base_url(emulator.url())
        .jwt_key(emulator.public_key_pem())
        .build()
        .unwrap();
    let local = token(&TestClient::new(driver, with_the_pem, None), verify(&jwt));
    assert_eq!((local.id, local.subject), (verified.id, verified.subject));
    assert_eq!(
        total(&a, ListTokensParams::new(jwt.subject.clone())),
        0,
        "JWTs are not stored"
    );
}

fn expiry_follows_the_emulator_clock(driver: Driver) {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let (a, b) = (client(&emulator, 0, driver), client(&emulator, 1, driver));
    let created = token(
        &a,
        Call::Create(CreateTokenParams::new().seconds_until_expiration(60)),
    );
    emulator.advance(Duration::from_secs(59));
    b.call(verify(&created)).unwrap();
    emulator.advance(Duration::from_secs(1));
    let error = b.call(verify(&created)).unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    let expired = a
        .call(Call::List(
            ListTokensParams::new(created.subject.clone()).expired(true),
        ))
        .unwrap();
    assert_eq!(expired.list().total_count, 1);
    assert!(expired.list().tokens[0].expired);
}

fn min_remaining_ttl_reuses_a_live_token(driver: Driver) {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let a = client(&emulator, 0, driver);
    let create = || {
        Call::Create(
            CreateTokenParams::new()
                .seconds_until_expiration(600)
                .claims(json!({"role": "reader"}))
                .min_remaining_ttl_seconds(300),
        )
    };
    let first = token(&a, create());
    let second = token(&a, create());
    assert_eq!(first.id, second.id, "reused while at least 300 s remain");
    emulator.advance(Duration::from_secs(301));
    let third = token(&a, create());
    assert_ne!(
        third.id, first.id,
        "fresh token once less than 300 s remain"
    );
    // Checked locally before sending.
    let error = a
        .call(Call::Create(
            CreateTokenParams::new()
                .seconds_until_expiration(60)
                .min_remaining_ttl_seconds(60),
        ))
        .unwrap_err();
    assert!(matches!(
        error,
        Error::InvalidRequest {
            source: RequestError::MinRemainingTtlNotBelowExpiration { .. },
            ..
        }
    ));
}

fn scope_and_key_rules(driver: Driver) {
    let emulator = Emulator::start().unwrap();
    let (a, b) = (client(&emulator, 0, driver), client(&emulator, 1, driver));
    let created = token(&a, Call::Create(CreateTokenParams::new()));
    // A is not in its own token's scopes.
    let error = a.call(verify(&created)).unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    // B may not list A's tokens.
    let error = b
        .call(Call::List(ListTokensParams::new(created.subject.clone())))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FORBIDDEN));
    // The instance key may list and verify any token, but not create.
    let instance = TestClient::new(
        driver,
        Config::builder()
            .base_url(emulator.url())
            .secret_key(emulator.secret_key().clone())
            .build()
            .unwrap(),
        None,
    );
    assert_eq!(
        total(&instance, ListTokensParams::new(created.subject.clone())),
        1
    );
    instance.call(verify(&created)).unwrap();
    let error = instance
        .call(Call::Create(CreateTokenParams::new()))
        .unwrap_err();
    assert!(matches!(
        error,
        Error::InvalidRequest {
            source: RequestError::InstanceKeyCannotCreate,
            ..
        }
    ));
    // A wrong machine key is Clerk's 401.
    let stranger = TestClient::new(
        driver,
        Config::builder()
            .base_url(emulator.url())
            .machine_secret_key("ak_test_not_a_known_key")
            .build()
            .unwrap(),
        None,
    );
    let error = stranger
        .call(Call::Create(CreateTokenParams::new()))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(error.code(), Some("machine_secret_key_invalid"));
    assert!(!format!("{error:?} {error}").contains("ak_test_not_a_known_key"));
}

fn faults_reach_the_client_as_typed_errors(driver: Driver) {
    let emulator = Emulator::start().unwrap();
    let a = client(&emulator, 0, driver);
    let subject = emulator.machines()[0].id().to_owned();
    let list = || Call::List(ListTokensParams::new(subject.clone()));

    // A transient 502 or 503 on list is retried once and the call succeeds.
    for status in [StatusCode::BAD_GATEWAY, StatusCode::SERVICE_UNAVAILABLE] {
        emulator.inject_fault(Fault::status(status), 1);
        let before = emulator.requests_received();
        a.call(list()).unwrap();
        assert_eq!(
            emulator.requests_received() - before,
            2,
            "{status} retried once"
        );
    }

    // A 500 on create is final after one attempt.
    emulator.inject_fault(Fault::status(StatusCode::INTERNAL_SERVER_ERROR), 1);
    let error = a.call(Call::Create(CreateTokenParams::new())).unwrap_err();
    assert_eq!(
        (error.status(), error.attempts()),
        (Some(http::StatusCode::INTERNAL_SERVER_ERROR), 1)
    );

    // A connection dropped after the create was processed: not retried, so
    // one token exists.
    let stored = emulator.stored_tokens();
    emulator.inject_fault(Fault::DropConnection, 1);
    let error = a.call(Call::Create(CreateTokenParams::new())).unwrap_err();
    let transport = error.transport_error().expect("a transport error");
    assert_eq!(transport.delivery(), Delivery::MaybeSent);
    assert_eq!(error.attempts(), 1);
    assert_eq!(emulator.stored_tokens(), stored + 1, "sent exactly once");

    // Malformed and empty success bodies are decode errors.
    for fault in [Fault::MalformedBody, Fault::EmptyBody] {
        emulator.inject_fault(fault, 1);
        let error = a.call(list()).unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    }

    // A server slower than the call's deadline, or than the attempt
    // timeout: a timeout, well before the delay ends.
    let by_the_deadline = TestClient::new(
        driver,
        builder(&emulator, 0)
            .call_timeout(Duration::from_millis(300))
            .build()
            .unwrap(),
        None,
    );
    let by_the_attempt_timeout = TestClient::new(
        driver,
        builder(&emulator, 0)
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap(),
        Some(
            TransportSettings::builder()
                .attempt_timeout(Duration::from_millis(300))
                .build()
                .unwrap(),
        ),
    );
    for impatient in [by_the_deadline, by_the_attempt_timeout] {
        emulator.inject_fault(Fault::Delay(Duration::from_secs(20)), 3);
        let started = Instant::now();
        let error = impatient.call(list()).unwrap_err();
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
}

fn rate_limit_answers_429_with_retry_after(driver: Driver) {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    emulator.set_rate_limit(Some(RateLimit::new(1, Duration::from_secs(10))));
    let a = TestClient::new(
        driver,
        builder(&emulator, 0)
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap(),
        None,
    );
    let list = || Call::List(ListTokensParams::new(emulator.machines()[0].id()));
    a.call(list()).unwrap();
    let error = a.call(list()).unwrap_err();
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status(), http::StatusCode::TOO_MANY_REQUESTS);
    assert!(
        matches!(api.retry_after(), Some(RetryAfter::Seconds(seconds)) if (1..=10).contains(&seconds))
    );
}

fn scenarios() -> Vec<Scenario> {
    vec![
        (
            "full lifecycle of an opaque token",
            full_lifecycle_of_an_opaque_token,
        ),
        #[cfg(feature = "jwt")]
        (
            "JWTs are not stored and verify through the API",
            jwt_tokens_are_not_stored_and_verify_through_the_api,
        ),
        (
            "expiry follows the emulator's clock",
            expiry_follows_the_emulator_clock,
        ),
        (
            "min_remaining_ttl_seconds reuses a live token",
            min_remaining_ttl_reuses_a_live_token,
        ),
        ("scope and key rules", scope_and_key_rules),
        (
            "faults reach the client as typed errors",
            faults_reach_the_client_as_typed_errors,
        ),
        (
            "the rate limit answers 429 with Retry-After",
            rate_limit_answers_429_with_retry_after,
        ),
    ]
}

/// Plays every scenario with `driver` and panics listing each that failed.
pub fn assert_emulator_scenarios(driver: Driver) {
    assert_scenarios("emulator scenarios", &scenarios(), driver);
}
