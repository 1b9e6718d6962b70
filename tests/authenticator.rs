//! `Authenticator` against the emulator: header parsing, opaque and JWT
//! tokens, the scope check (JWT scopes untrusted by default), 401 for bad,
//! revoked or expired tokens, bearers that cannot be M2M tokens refused
//! without a request, 5xx when our key is rejected or Clerk is unreachable.

use clerk_m2m::{AuthErrorKind, Authenticator, Client, CreateTokenParams, TokenFormat};
use clerk_m2m_emulator::{Emulator, EmulatorHandle};
use serde_json::json;
use std::time::Duration;

fn creator(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .build()
        .unwrap()
}

fn receiver(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
        .build()
        .unwrap()
}

async fn mint(emulator: &EmulatorHandle, params: CreateTokenParams) -> (String, String) {
    let token = creator(emulator).create_token(params).await.unwrap();
    let value = token.token.unwrap().expose_secret().to_owned();
    (token.id, value)
}

fn request(value: &str) -> http::Request<()> {
    http::Request::builder()
        .header("authorization", format!("Bearer {value}"))
        .body(())
        .unwrap()
}

fn outcome(result: Result<clerk_m2m::M2mToken, clerk_m2m::AuthError>) -> (&'static str, u16) {
    let error = result.unwrap_err();
    (error.code(), error.status().as_u16())
}

#[tokio::test]
async fn missing_and_malformed_headers_are_401() {
    let emulator = Emulator::start().unwrap();
    let auth = Authenticator::new(receiver(&emulator));
    let empty = http::Request::builder().body(()).unwrap();
    let error = auth.authenticate(&empty).await.unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingToken);
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("token-invalid", 401)
    );
    for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "mt_abc"] {
        let error = auth.authenticate_header(Some(value)).await.unwrap_err();
        assert_eq!(error.status(), 401, "{value}");
        assert_eq!(error.code(), "token-invalid", "{value}");
    }
    assert_eq!(emulator.requests_received(), 0, "nothing was sent");
    let unknown = auth.authenticate(&request("mt_not_a_real_token")).await;
    assert_eq!(outcome(unknown), ("token-invalid", 401));
}

/// Bearers that are neither `mt_…` nor an M2M JWT. Test-only fake values.
const NOT_M2M_TOKENS: [&str; 6] = [
    "hello",
    "sk_live_notarealkey0000",
    "ak_notarealmachinekey0000",
    "oat_notarealoauthtoken0000",
    // {"alg":"RS256","typ":"JWT"} . {"sub":"user_2x"} . sig: a session JWT.
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyXzJ4In0.c2ln",
    "Mt_wrongcase",
];

#[tokio::test]
async fn async_bearers_that_are_not_m2m_tokens_never_reach_clerk() {
    let emulator = Emulator::start().unwrap();
    let auth = Authenticator::new(receiver(&emulator));
    for token in NOT_M2M_TOKENS {
        let error = auth.authenticate(&request(token)).await.unwrap_err();
        assert_eq!(error.kind(), AuthErrorKind::NotM2mToken, "{token}");
        assert_eq!(
            (error.code(), error.status().as_u16()),
            ("token-invalid", 401)
        );
    }
    assert_eq!(emulator.requests_received(), 0, "nothing was sent");
    // An opaque token still goes to the API.
    let unknown = auth.authenticate(&request("mt_not_a_real_token")).await;
    assert_eq!(outcome(unknown), ("token-invalid", 401));
    assert_eq!(emulator.requests_received(), 1);
}

#[test]
fn blocking_bearers_that_are_not_m2m_tokens_never_reach_clerk() {
    use clerk_m2m::blocking;
    let emulator = Emulator::start().unwrap();
    let client = blocking::Client::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
        .build()
        .unwrap();
    let auth = blocking::Authenticator::new(client);
    for token in NOT_M2M_TOKENS {
        let error = auth.authenticate(&request(token)).unwrap_err();
        assert_eq!(error.kind(), AuthErrorKind::NotM2mToken, "{token}");
        assert_eq!(
            (error.code(), error.status().as_u16()),
            ("token-invalid", 401)
        );
    }
    assert_eq!(emulator.requests_received(), 0, "nothing was sent");
    let unknown = auth.authenticate(&request("mt_not_a_real_token"));
    assert_eq!(outcome(unknown), ("token-invalid", 401));
    assert_eq!(emulator.requests_received(), 1);
}

#[tokio::test]
async fn opaque_tokens_pass_the_scope_check_by_clerks_scopes() {
    let emulator = Emulator::start().unwrap();
    let me = emulator.machines()[1].id().to_owned();
    let (_, value) = mint(&emulator, CreateTokenParams::new()).await;
    let auth = Authenticator::new(receiver(&emulator)).require_scope(me);
    let verified = auth.authenticate(&request(&value)).await.unwrap();
    assert_eq!(verified.subject, emulator.machines()[0].id());

    let other =
        Authenticator::new(receiver(&emulator)).require_scope("mch_notAllowedToBeCalled000000");
    let error = other.authenticate(&request(&value)).await.unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingScope);
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("token-invalid", 403)
    );
}

#[tokio::test]
async fn jwt_scopes_are_untrusted_unless_opted_in() {
    let emulator = Emulator::start().unwrap();
    let me = emulator.machines()[1].id().to_owned();
    let (_, jwt) = mint(
        &emulator,
        CreateTokenParams::new()
            .token_format(TokenFormat::Jwt)
            .seconds_until_expiration(600)
            .claims(json!({"scopes": me})),
    )
    .await;
    // No scope required: a valid JWT authenticates.
    let plain = Authenticator::new(receiver(&emulator));
    assert_eq!(
        plain.authenticate(&request(&jwt)).await.unwrap().subject,
        emulator.machines()[0].id()
    );
    // Scope required: fails closed…
    let strict = Authenticator::new(receiver(&emulator)).require_scope(me.clone());
    let error = strict.authenticate(&request(&jwt)).await.unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingScope);
    assert_eq!(error.status(), 403);
    // …unless the integrator trusts JWT scopes.
    let trusting = strict.clone().trust_jwt_scopes(true);
    trusting.authenticate(&request(&jwt)).await.unwrap();
    let elsewhere = Authenticator::new(receiver(&emulator))
        .require_scope("mch_notAllowedToBeCalled000000")
        .trust_jwt_scopes(true);
    assert_eq!(
        outcome(elsewhere.authenticate(&request(&jwt)).await),
        ("token-invalid", 403)
    );
    // A tampered JWT is a verification failure.
    let tampered = format!("{}x", &jwt[..jwt.len() - 1]);
    assert_eq!(
        outcome(plain.authenticate(&request(&tampered)).await),
        ("token-verification-failed", 401)
    );
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_401() {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let auth = Authenticator::new(receiver(&emulator));
    let (id, revoked) = mint(&emulator, CreateTokenParams::new()).await;
    creator(&emulator)
        .revoke_token(clerk_m2m::RevokeTokenParams::new(id))
        .await
        .unwrap();
    assert_eq!(
        outcome(auth.authenticate(&request(&revoked)).await),
        ("token-invalid", 401)
    );
    let (_, expiring) = mint(
        &emulator,
        CreateTokenParams::new().seconds_until_expiration(60),
    )
    .await;
    auth.authenticate(&request(&expiring)).await.unwrap();
    emulator.advance(Duration::from_secs(61));
    assert_eq!(
        outcome(auth.authenticate(&request(&expiring)).await),
        ("token-invalid", 401)
    );
}

#[tokio::test]
async fn our_rejected_key_or_an_unreachable_api_is_5xx() {
    let emulator = Emulator::start().unwrap();
    let (_, opaque) = mint(&emulator, CreateTokenParams::new()).await;
    let (_, jwt) = mint(
        &emulator,
        CreateTokenParams::new()
            .token_format(TokenFormat::Jwt)
            .seconds_until_expiration(600),
    )
    .await;
    let wrong_key = Client::builder()
        .base_url(emulator.url())
        .secret_key("sk_test_not_this_instance")
        .build()
        .unwrap();
    let auth = Authenticator::new(wrong_key);
    for token in [&opaque, &jwt] {
        let error = auth.authenticate(&request(token)).await.unwrap_err();
        assert_eq!(error.kind(), AuthErrorKind::SecretKeyInvalid, "{error:?}");
        assert_eq!(
            (error.code(), error.status().as_u16()),
            ("secret-key-invalid", 500)
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("sk_test_not_this_instance"), "{shown}");
        assert!(!shown.contains(token.as_str()), "the token never shows");
    }

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let unreachable = Client::builder()
        .base_url(url)
        .secret_key("sk_test_x")
        .retry_policy(clerk_m2m::RetryPolicy::never())
        .build()
        .unwrap();
    let auth = Authenticator::new(unreachable);
    for token in [&opaque, &jwt] {
        let error = auth.authenticate(&request(token)).await.unwrap_err();
        assert_eq!(error.kind(), AuthErrorKind::Unavailable, "{error:?}");
        assert_eq!(
            (error.code(), error.status().as_u16()),
            ("unexpected-error", 503)
        );
    }

    let no_keys = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[1].secret_key().clone())
        .build()
        .unwrap();
    assert_eq!(
        outcome(
            Authenticator::new(no_keys)
                .authenticate(&request(&jwt))
                .await
        ),
        ("secret-key-invalid", 500)
    );
}
