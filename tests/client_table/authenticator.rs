//! The receiving side's `Authenticator` against the emulator, played by
//! both clients: header parsing, opaque and JWT tokens, the scope check
//! (JWT scopes untrusted by default), 401 for bad, revoked or expired
//! tokens, bearers that cannot be M2M tokens refused without a request,
//! 5xx when our key is rejected or Clerk is unreachable.

use crate::drivers::{assert_scenarios, Answer, Bearer, Call, Driver, Scenario, TestClient};
use crate::support::emulator::{
    emulator_builder, instance_config_builder, machine_config, start_emulator,
};
use clerk_m2m::test_util::LoopbackServer;
use clerk_m2m::{
    AuthError, AuthErrorKind, Config, CreateTokenParams, M2mToken, RetryPolicy, RevokeTokenParams,
    TokenFormat,
};
use clerk_m2m_emulator::EmulatorHandle;
use serde_json::json;
use std::time::Duration;

/// A machine ID no token is allowed to call.
const NOT_ALLOWED: &str = "mch_notAllowedToBeCalled000000";

/// The first machine, which creates the tokens.
fn creator(emulator: &EmulatorHandle, driver: Driver) -> TestClient {
    TestClient::new(driver, machine_config(emulator, 0), None)
}

/// The receiving service: the instance's secret key.
fn receiver(emulator: &EmulatorHandle, driver: Driver) -> TestClient {
    TestClient::new(
        driver,
        instance_config_builder(emulator).build().unwrap(),
        None,
    )
}

/// Creates a token as the first machine: its ID and its value.
fn mint(emulator: &EmulatorHandle, driver: Driver, params: CreateTokenParams) -> (String, String) {
    let token = creator(emulator, driver)
        .call(Call::Create(params))
        .map(Answer::into_token)
        .unwrap();
    let value = token.token.unwrap().expose_secret().to_owned();
    (token.id, value)
}

/// A request carrying `Authorization: Bearer {value}`.
fn request(value: &str) -> Bearer {
    Bearer::Request(
        http::Request::builder()
            .header("authorization", format!("Bearer {value}"))
            .body(())
            .unwrap(),
    )
}

fn outcome(result: Result<M2mToken, AuthError>) -> (&'static str, u16) {
    let error = result.unwrap_err();
    (error.code(), error.status().as_u16())
}

fn missing_and_malformed_headers_are_401(driver: Driver) {
    let emulator = start_emulator();
    let auth = receiver(&emulator, driver);
    let empty = Bearer::Request(http::Request::builder().body(()).unwrap());
    let error = auth.authenticate(None, false, &empty).unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingToken);
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("token-invalid", 401)
    );
    for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "mt_abc"] {
        let header = Bearer::Header(Some(value.to_owned()));
        let error = auth.authenticate(None, false, &header).unwrap_err();
        assert_eq!(error.status(), 401, "{value}");
        assert_eq!(error.code(), "token-invalid", "{value}");
    }
    assert_eq!(emulator.requests_received(), 0, "nothing was sent");
    let unknown = auth.authenticate(None, false, &request("mt_not_a_real_token"));
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

fn bearers_that_are_not_m2m_tokens_never_reach_clerk(driver: Driver) {
    let emulator = start_emulator();
    let auth = receiver(&emulator, driver);
    for token in NOT_M2M_TOKENS {
        let error = auth.authenticate(None, false, &request(token)).unwrap_err();
        assert_eq!(error.kind(), AuthErrorKind::NotM2mToken, "{token}");
        assert_eq!(
            (error.code(), error.status().as_u16()),
            ("token-invalid", 401)
        );
    }
    assert_eq!(emulator.requests_received(), 0, "nothing was sent");
    // An opaque token still goes to the API.
    let unknown = auth.authenticate(None, false, &request("mt_not_a_real_token"));
    assert_eq!(outcome(unknown), ("token-invalid", 401));
    assert_eq!(emulator.requests_received(), 1);
}

fn opaque_tokens_pass_the_scope_check_by_clerks_scopes(driver: Driver) {
    let emulator = start_emulator();
    let me = emulator.machines()[1].id().to_owned();
    let (_, value) = mint(&emulator, driver, CreateTokenParams::new());
    let auth = receiver(&emulator, driver);
    let verified = auth
        .authenticate(Some(&me), false, &request(&value))
        .unwrap();
    assert_eq!(verified.subject, emulator.machines()[0].id());

    let error = auth
        .authenticate(Some(NOT_ALLOWED), false, &request(&value))
        .unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingScope);
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("token-invalid", 403)
    );
}

fn jwt_scopes_are_untrusted_unless_opted_in(driver: Driver) {
    let emulator = start_emulator();
    let me = emulator.machines()[1].id().to_owned();
    let (_, jwt) = mint(
        &emulator,
        driver,
        CreateTokenParams::new()
            .token_format(TokenFormat::Jwt)
            .seconds_until_expiration(600)
            .claims(json!({"scopes": me})),
    );
    let auth = receiver(&emulator, driver);
    // No scope required: a valid JWT authenticates.
    assert_eq!(
        auth.authenticate(None, false, &request(&jwt))
            .unwrap()
            .subject,
        emulator.machines()[0].id()
    );
    // Scope required: fails closed…
    let error = auth
        .authenticate(Some(&me), false, &request(&jwt))
        .unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingScope);
    assert_eq!(error.status(), 403);
    // …unless the integrator trusts JWT scopes.
    auth.authenticate(Some(&me), true, &request(&jwt)).unwrap();
    assert_eq!(
        outcome(auth.authenticate(Some(NOT_ALLOWED), true, &request(&jwt))),
        ("token-invalid", 403)
    );
    // A tampered JWT is a verification failure.
    let tampered = format!("{}x", &jwt[..jwt.len() - 1]);
    assert_eq!(
        outcome(auth.authenticate(None, false, &request(&tampered))),
        ("token-verification-failed", 401)
    );
}

fn revoked_and_expired_tokens_are_401(driver: Driver) {
    let emulator = emulator_builder().frozen_clock(true).start().unwrap();
    let auth = receiver(&emulator, driver);
    let (id, revoked) = mint(&emulator, driver, CreateTokenParams::new());
    creator(&emulator, driver)
        .call(Call::Revoke(RevokeTokenParams::new(id)))
        .unwrap();
    assert_eq!(
        outcome(auth.authenticate(None, false, &request(&revoked))),
        ("token-invalid", 401)
    );
    let (_, expiring) = mint(
        &emulator,
        driver,
        CreateTokenParams::new().seconds_until_expiration(60),
    );
    auth.authenticate(None, false, &request(&expiring)).unwrap();
    emulator.advance(Duration::from_secs(61));
    assert_eq!(
        outcome(auth.authenticate(None, false, &request(&expiring))),
        ("token-invalid", 401)
    );
}

fn our_rejected_key_or_an_unreachable_api_is_5xx(driver: Driver) {
    let emulator = start_emulator();
    let (_, opaque) = mint(&emulator, driver, CreateTokenParams::new());
    let (_, jwt) = mint(
        &emulator,
        driver,
        CreateTokenParams::new()
            .token_format(TokenFormat::Jwt)
            .seconds_until_expiration(600),
    );
    let wrong_key = Config::builder()
        .base_url(emulator.url())
        .secret_key("sk_test_not_this_instance")
        .build()
        .unwrap();
    let auth = TestClient::new(driver, wrong_key, None);
    for token in [&opaque, &jwt] {
        let error = auth.authenticate(None, false, &request(token)).unwrap_err();
        assert_eq!(error.kind(), AuthErrorKind::SecretKeyInvalid, "{error:?}");
        assert_eq!(
            (error.code(), error.status().as_u16()),
            ("secret-key-invalid", 500)
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("sk_test_not_this_instance"), "{shown}");
        assert!(!shown.contains(token.as_str()), "the token never shows");
    }

    let unreachable = Config::builder()
        .base_url(LoopbackServer::refusing_url())
        .secret_key("sk_test_x")
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let auth = TestClient::new(driver, unreachable, None);
    for token in [&opaque, &jwt] {
        let error = auth.authenticate(None, false, &request(token)).unwrap_err();
        assert_eq!(error.kind(), AuthErrorKind::Unavailable, "{error:?}");
        assert_eq!(
            (error.code(), error.status().as_u16()),
            ("unexpected-error", 503)
        );
    }

    // A machine key cannot fetch the instance's JWKS.
    let no_keys = TestClient::new(driver, machine_config(&emulator, 1), None);
    assert_eq!(
        outcome(no_keys.authenticate(None, false, &request(&jwt))),
        ("secret-key-invalid", 500)
    );
}

fn scenarios() -> Vec<Scenario> {
    vec![
        (
            "missing and malformed headers are 401",
            missing_and_malformed_headers_are_401,
        ),
        (
            "bearers that are not M2M tokens never reach Clerk",
            bearers_that_are_not_m2m_tokens_never_reach_clerk,
        ),
        (
            "opaque tokens pass the scope check by Clerk's scopes",
            opaque_tokens_pass_the_scope_check_by_clerks_scopes,
        ),
        (
            "JWT scopes are untrusted unless opted in",
            jwt_scopes_are_untrusted_unless_opted_in,
        ),
        (
            "revoked and expired tokens are 401",
            revoked_and_expired_tokens_are_401,
        ),
        (
            "our rejected key or an unreachable API is 5xx",
            our_rejected_key_or_an_unreachable_api_is_5xx,
        ),
    ]
}

/// Plays every `Authenticator` scenario with `driver` and panics listing
/// each that failed.
pub fn assert_authenticator_scenarios(driver: Driver) {
    assert_scenarios("authenticator scenarios", &scenarios(), driver);
}
