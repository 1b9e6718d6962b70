//! Every answer of the layer, over loopback HTTP: an axum app with the
//! layer, a real HTTP client, the in-process emulator as Clerk. Each test
//! asserts the status, the `WWW-Authenticate` challenge and the JSON body.

mod support;

use clerk_m2m_async::{Client, CreateTokenParams, ManualClock, RevokeTokenParams};
use clerk_m2m_axum::M2mAuthLayer;
use clerk_m2m_emulator::{Emulator, Fault, StatusCode};
use serde_json::json;
use std::time::Duration;
use support::*;

#[tokio::test]
async fn no_credentials_is_401_without_an_error_code() {
    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let whoami = format!("{url}/whoami");

    let missing = get_with(&whoami, &[]).await;
    missing.assert_no_credentials();
    assert_eq!(missing.body["message"], "no Authorization header");

    for other_scheme in ["Basic dXNlcjpwYXNz", "mt_0123456789abcdef", ""] {
        let answer = get_with(&whoami, &[other_scheme]).await;
        answer.assert_no_credentials();
    }
    assert_eq!(emulator.requests_received(), 0, "nothing was verified");
}

#[tokio::test]
async fn an_empty_or_malformed_bearer_is_400_invalid_request() {
    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let whoami = format!("{url}/whoami");

    for value in [
        "Bearer",
        "Bearer    ",
        "Bearer a b",
        "Bearer mt_abc$",
        "Bearer ab\"c",
    ] {
        let answer = get_with(&whoami, &[value]).await;
        answer.assert_invalid_request();
    }
    let (_, token) = mint_opaque(&emulator).await;
    let bearer = format!("Bearer {token}");
    let twice = get_with(&whoami, &[&bearer, &bearer]).await;
    twice.assert_invalid_request();
    assert_eq!(twice.body["message"], "more than one Authorization header");
    assert_eq!(emulator.requests_received(), 1, "only the create");
}

#[tokio::test]
async fn garbage_and_tampered_tokens_are_401_invalid_token() {
    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let whoami = format!("{url}/whoami");

    for garbage in ["garbage", "mt_0123456789abcdef0123456789abcdef", "a.b.c"] {
        let answer = get_bearer(&whoami, garbage).await;
        answer.assert_invalid_token("token-invalid");
    }

    let (_, jwt) = mint_jwt(&emulator).await;
    let tampered = format!("{}AAAA", &jwt[..jwt.len() - 4]);
    let answer = get_bearer(&whoami, &tampered).await;
    answer.assert_invalid_token("token-verification-failed");
    assert_eq!(
        answer.body["message"],
        "token verification failed: invalid signature"
    );
}

#[tokio::test]
async fn a_token_expired_on_the_emulator_clock_is_401_invalid_token() {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let whoami = format!("{url}/whoami");
    let (_, token) = mint(
        &emulator,
        CALLER,
        CreateTokenParams::new().seconds_until_expiration(60),
    )
    .await;

    emulator.advance(Duration::from_secs(59));
    assert_eq!(get_bearer(&whoami, &token).await.status, 200);
    emulator.advance(Duration::from_secs(1));
    let answer = get_bearer(&whoami, &token).await;
    answer.assert_invalid_token("token-invalid");
}

#[tokio::test]
async fn an_expired_jwt_is_401_invalid_token() {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    // Local verification reads the receiving client's clock.
    let clock = ManualClock::new(emulator.now());
    let client = Client::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(client))).await;
    let whoami = format!("{url}/whoami");
    let (_, jwt) = mint_jwt(&emulator).await;

    assert_eq!(get_bearer(&whoami, &jwt).await.status, 200);
    // Past `exp` plus the default 5 s of clock skew.
    clock.advance(Duration::from_secs(606));
    let answer = get_bearer(&whoami, &jwt).await;
    answer.assert_invalid_token("token-verification-failed");
    assert_eq!(
        answer.body["message"],
        "token verification failed: the token has expired"
    );
}

#[tokio::test]
async fn a_revoked_token_is_401_invalid_token() {
    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let whoami = format!("{url}/whoami");
    let (created, token) = mint_opaque(&emulator).await;
    assert_eq!(get_bearer(&whoami, &token).await.status, 200);

    machine_client(&emulator, CALLER)
        .revoke_token(RevokeTokenParams::new(created.id))
        .await
        .unwrap();
    let answer = get_bearer(&whoami, &token).await;
    answer.assert_invalid_token("token-invalid");
}

#[tokio::test]
async fn a_token_not_scoped_to_this_machine_is_401_invalid_token() {
    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    // The receiver's own token is scoped to machine A, not to itself: Clerk
    // answers 404 to the receiver's key.
    let (_, own) = mint(&emulator, RECEIVER, CreateTokenParams::new()).await;
    let answer = get_bearer(&format!("{url}/whoami"), &own).await;
    answer.assert_invalid_token("token-invalid");
}

#[tokio::test]
async fn a_token_without_the_required_scope_is_403_insufficient_scope() {
    let emulator = Emulator::start().unwrap();
    // A route only tokens allowed to call machine A may use: the caller's
    // own tokens are scoped to B.
    let required = machine_id(&emulator, CALLER);
    let layer = M2mAuthLayer::new(receiver_client(&emulator)).require_scope(required.clone());
    let url = serve(whoami_app(layer)).await;
    let whoami = format!("{url}/whoami");

    let (_, opaque) = mint_opaque(&emulator).await;
    let answer = get_bearer(&whoami, &opaque).await;
    answer.assert_insufficient_scope(&required);
    assert_eq!(
        answer.body["message"],
        "the token is not allowed to call this machine"
    );

    // A JWT claiming the scope fails closed: its scopes are its creator's claims.
    let (_, jwt) = mint(
        &emulator,
        CALLER,
        CreateTokenParams::new()
            .token_format(clerk_m2m_async::TokenFormat::Jwt)
            .claims(json!({ "scopes": required })),
    )
    .await;
    let answer = get_bearer(&whoami, &jwt).await;
    answer.assert_insufficient_scope(&required);
}

#[tokio::test]
async fn a_valid_opaque_token_reaches_the_handler() {
    let emulator = Emulator::start().unwrap();
    let receiver = machine_id(&emulator, RECEIVER);
    let layer = M2mAuthLayer::new(receiver_client(&emulator)).require_scope(receiver.clone());
    let url = serve(whoami_app(layer)).await;
    let (created, token) = mint_opaque(&emulator).await;

    let answer = get_bearer(&format!("{url}/whoami"), &token).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.challenge, None);
    assert_eq!(
        answer.body,
        json!({
            "machine_id": machine_id(&emulator, CALLER),
            "token_id": created.id,
            "verified_locally": false,
            "scopes": [receiver],
        })
    );
}

#[tokio::test]
async fn a_valid_jwt_is_verified_locally_with_the_cached_key() {
    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let whoami = format!("{url}/whoami");
    let (created, jwt) = mint_jwt(&emulator).await;

    let before = emulator.requests_received();
    let answer = get_bearer(&whoami, &jwt).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["machine_id"], machine_id(&emulator, CALLER));
    assert_eq!(answer.body["token_id"], created.id);
    assert_eq!(answer.body["verified_locally"], true);
    assert_eq!(emulator.requests_received() - before, 1, "one JWKS fetch");

    for _ in 0..3 {
        assert_eq!(get_bearer(&whoami, &jwt).await.status, 200);
    }
    assert_eq!(
        emulator.requests_received() - before,
        1,
        "the key is cached"
    );
}

#[tokio::test]
async fn clerk_unreachable_is_503_never_401() {
    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let (_, token) = mint_opaque(&emulator).await;
    emulator.shutdown();

    let answer = get_bearer(&format!("{url}/whoami"), &token).await;
    answer.assert_our_fault(503, "unexpected-error");
    assert_eq!(answer.body["message"], "Clerk is unreachable");
}

#[tokio::test]
async fn a_jwks_that_cannot_be_fetched_is_503_never_401() {
    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let whoami = format!("{url}/whoami");
    let (_, jwt) = mint_jwt(&emulator).await;

    // Clerk answers the JWKS fetch with a 503.
    emulator.inject_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), 1);
    let answer = get_bearer(&whoami, &jwt).await;
    answer.assert_our_fault(503, "unexpected-error");
    assert_eq!(emulator.pending_faults(), 0, "the JWKS was asked for");

    // Clerk is gone before any key was fetched.
    let emulator_gone = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(
        &emulator_gone,
    ))))
    .await;
    let (_, jwt) = mint_jwt(&emulator_gone).await;
    emulator_gone.shutdown();
    let answer = get_bearer(&format!("{url}/whoami"), &jwt).await;
    answer.assert_our_fault(503, "unexpected-error");
}

#[tokio::test]
async fn our_own_misconfiguration_is_500_never_401() {
    let emulator = Emulator::start().unwrap();
    // A machine key Clerk does not know: Clerk answers 401 to us.
    let wrong_key = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key("ak_test_not_a_known_key")
        .build()
        .unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(wrong_key))).await;
    let (_, token) = mint_opaque(&emulator).await;
    let answer = get_bearer(&format!("{url}/whoami"), &token).await;
    answer.assert_our_fault(500, "secret-key-invalid");
    assert!(!answer.body.to_string().contains("ak_test"));

    // No key to verify JWTs with (neither CLERK_JWT_KEY nor CLERK_SECRET_KEY).
    let machine_key_only = machine_client(&emulator, RECEIVER);
    let url = serve(whoami_app(M2mAuthLayer::new(machine_key_only))).await;
    let (_, jwt) = mint_jwt(&emulator).await;
    let answer = get_bearer(&format!("{url}/whoami"), &jwt).await;
    answer.assert_our_fault(500, "secret-key-invalid");
}
