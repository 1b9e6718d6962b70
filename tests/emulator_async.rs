//! The async client against the emulator: every route, the rules the
//! emulator enforces, expiry via its clock, and each injected fault reaching
//! the client as the right typed error.

use clerk_m2m::{
    Client, CreateTokenParams, ListTokensParams, RevokeTokenParams, TokenFormat, VerifyTokenParams,
};
use clerk_m2m::{Delivery, Error, RequestError, RetryAfter, RetryPolicy, TransportErrorKind};
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

fn instance_client(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
        .build()
        .expect("client")
}

fn token_value(token: &clerk_m2m::M2mToken) -> String {
    token
        .token
        .as_ref()
        .expect("create returns the value")
        .expose_secret()
        .to_owned()
}

#[tokio::test]
async fn full_lifecycle_of_an_opaque_token() {
    let emulator = Emulator::start().unwrap();
    let (a, b) = (client(&emulator, 0), client(&emulator, 1));
    let machine_a = emulator.machines()[0].id().to_owned();

    let created = a
        .create_token(
            CreateTokenParams::new()
                .seconds_until_expiration(3600)
                .claims(json!({"role": "reader", "nestedObject": {"camelCase": true}})),
        )
        .await
        .unwrap();
    assert!(clerk_m2m::is_token_id(&created.id));
    assert_eq!(created.subject, machine_a);
    assert!(created.has_scope(emulator.machines()[1].id()));
    let lifetime = created.expiration.unwrap() - created.created_at;
    assert_eq!(lifetime, 3_600_000);

    let verified = b
        .verify_token(VerifyTokenParams::new(token_value(&created)))
        .await
        .unwrap();
    assert_eq!(verified.id, created.id);
    assert_eq!(verified.claims, created.claims);
    assert!(verified.token.is_none());
    assert!(
        verified.last_used_at.is_some(),
        "verify marks the token used"
    );

    let list = a
        .list_tokens(ListTokensParams::new(machine_a.clone()))
        .await
        .unwrap();
    assert_eq!(list.total_count, 1);
    assert_eq!(list.tokens[0].id, created.id);

    let revoked = a
        .revoke_token(RevokeTokenParams::new(created.id.clone()).revocation_reason("rotated"))
        .await
        .unwrap();
    assert!(revoked.revoked);
    assert_eq!(revoked.revocation_reason.as_deref(), Some("rotated"));
    // Revoking again converges: same answer, so a retried revoke is harmless.
    let again = a
        .revoke_token(RevokeTokenParams::new(created.id.clone()))
        .await
        .unwrap();
    assert_eq!(again.revocation_reason.as_deref(), Some("rotated"));

    let error = b
        .verify_token(VerifyTokenParams::new(token_value(&created)))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    assert_eq!(error.code(), Some("resource_not_found"));
    assert!(error.trace_id().is_some());

    let revoked_list = a
        .list_tokens(ListTokensParams::new(machine_a).revoked(true))
        .await
        .unwrap();
    assert_eq!(revoked_list.total_count, 1);
}

#[tokio::test]
async fn jwt_tokens_are_not_stored_and_verify_through_the_api() {
    let emulator = Emulator::start().unwrap();
    let (a, b) = (client(&emulator, 0), client(&emulator, 1));
    // `verify_token` checks an M2M JWT locally; `send` posts it to the API,
    // which the emulator answers too.
    let jwt = a
        .create_token(
            CreateTokenParams::new()
                .token_format(TokenFormat::Jwt)
                .seconds_until_expiration(600),
        )
        .await
        .unwrap();
    assert_eq!(token_value(&jwt).split('.').count(), 3);
    let verified = b
        .send(&VerifyTokenParams::new(token_value(&jwt)))
        .await
        .unwrap();
    assert_eq!(verified.id, jwt.id);
    let without_keys = b
        .verify_token(VerifyTokenParams::new(token_value(&jwt)))
        .await
        .unwrap_err();
    assert!(matches!(without_keys, Error::NoJwtKey), "{without_keys:?}");
    let local = Client::builder()
        .base_url(emulator.url())
        .jwt_key(emulator.public_key_pem())
        .build()
        .unwrap()
        .verify_token(VerifyTokenParams::new(token_value(&jwt)))
        .await
        .unwrap();
    assert_eq!((local.id, local.subject), (verified.id, verified.subject));
    let list = a
        .list_tokens(ListTokensParams::new(jwt.subject.clone()))
        .await
        .unwrap();
    assert_eq!(list.total_count, 0, "JWTs are not stored");
}

#[tokio::test]
async fn expiry_follows_the_emulator_clock() {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let (a, b) = (client(&emulator, 0), client(&emulator, 1));
    let token = a
        .create_token(CreateTokenParams::new().seconds_until_expiration(60))
        .await
        .unwrap();
    emulator.advance(Duration::from_secs(59));
    b.verify_token(VerifyTokenParams::new(token_value(&token)))
        .await
        .unwrap();
    emulator.advance(Duration::from_secs(1));
    let error = b
        .verify_token(VerifyTokenParams::new(token_value(&token)))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    let expired = a
        .list_tokens(ListTokensParams::new(token.subject.clone()).expired(true))
        .await
        .unwrap();
    assert_eq!(expired.total_count, 1);
    assert!(expired.tokens[0].expired);
}

#[tokio::test]
async fn min_remaining_ttl_reuses_a_live_token() {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let a = client(&emulator, 0);
    let params = || {
        CreateTokenParams::new()
            .seconds_until_expiration(600)
            .claims(json!({"role": "reader"}))
            .min_remaining_ttl_seconds(300)
    };
    let first = a.create_token(params()).await.unwrap();
    let second = a.create_token(params()).await.unwrap();
    assert_eq!(first.id, second.id, "reused while at least 300 s remain");
    emulator.advance(Duration::from_secs(301));
    let third = a.create_token(params()).await.unwrap();
    assert_ne!(
        third.id, first.id,
        "fresh token once less than 300 s remain"
    );
    // Checked locally before sending.
    let error = a
        .create_token(
            CreateTokenParams::new()
                .seconds_until_expiration(60)
                .min_remaining_ttl_seconds(60),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        Error::InvalidRequest {
            source: RequestError::MinRemainingTtlNotBelowExpiration { .. },
            ..
        }
    ));
}

#[tokio::test]
async fn scope_and_key_rules() {
    let emulator = Emulator::start().unwrap();
    let (a, b) = (client(&emulator, 0), client(&emulator, 1));
    let token = a.create_token(CreateTokenParams::new()).await.unwrap();
    // A is not in its own token's scopes.
    let error = a
        .verify_token(VerifyTokenParams::new(token_value(&token)))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    // B may not list A's tokens.
    let error = b
        .list_tokens(ListTokensParams::new(token.subject.clone()))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FORBIDDEN));
    // The instance key may list and verify any token, but not create.
    let instance = instance_client(&emulator);
    assert_eq!(
        instance
            .list_tokens(ListTokensParams::new(token.subject.clone()))
            .await
            .unwrap()
            .total_count,
        1
    );
    instance
        .verify_token(VerifyTokenParams::new(token_value(&token)))
        .await
        .unwrap();
    let error = instance
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        Error::InvalidRequest {
            source: RequestError::InstanceKeyCannotCreate,
            ..
        }
    ));
    // A wrong machine key is Clerk's 401.
    let stranger = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key("ak_test_not_a_known_key")
        .build()
        .unwrap();
    let error = stranger
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(error.code(), Some("machine_secret_key_invalid"));
    assert!(!format!("{error:?} {error}").contains("ak_test_not_a_known_key"));
}

#[tokio::test]
async fn faults_reach_the_client_as_typed_errors() {
    let emulator = Emulator::start().unwrap();
    let a = client(&emulator, 0);
    let subject = emulator.machines()[0].id().to_owned();

    // A transient 503 on list is retried and the call succeeds.
    emulator.inject_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), 1);
    let before = emulator.requests_received();
    a.list_tokens(ListTokensParams::new(subject.clone()))
        .await
        .unwrap();
    assert_eq!(emulator.requests_received() - before, 2);

    // A 500 on create is final after one attempt.
    emulator.inject_fault(Fault::status(StatusCode::INTERNAL_SERVER_ERROR), 1);
    let error = a.create_token(CreateTokenParams::new()).await.unwrap_err();
    assert_eq!(
        (error.status(), error.attempts()),
        (Some(http::StatusCode::INTERNAL_SERVER_ERROR), 1)
    );

    // A connection dropped after the create was processed: not retried, so one token exists.
    let stored = emulator.stored_tokens();
    emulator.inject_fault(Fault::DropConnection, 1);
    let error = a.create_token(CreateTokenParams::new()).await.unwrap_err();
    let transport = error.transport_error().expect("a transport error");
    assert_eq!(transport.delivery(), Delivery::MaybeSent);
    assert_eq!(error.attempts(), 1);
    assert_eq!(emulator.stored_tokens(), stored + 1, "sent exactly once");

    // Malformed and empty success bodies are decode errors.
    for fault in [Fault::MalformedBody, Fault::EmptyBody] {
        emulator.inject_fault(fault, 1);
        let error = a
            .list_tokens(ListTokensParams::new(subject.clone()))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    }

    // A server slower than the call's deadline: a timeout, within the deadline.
    let impatient = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .call_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    emulator.inject_fault(Fault::Delay(Duration::from_secs(20)), 3);
    let started = Instant::now();
    let error = impatient
        .list_tokens(ListTokensParams::new(subject))
        .await
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

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
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
        .await
        .unwrap();
    let error = a
        .list_tokens(ListTokensParams::new(subject))
        .await
        .unwrap_err();
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status(), http::StatusCode::TOO_MANY_REQUESTS);
    assert!(
        matches!(api.retry_after(), Some(RetryAfter::Seconds(seconds)) if (1..=10).contains(&seconds))
    );
}
