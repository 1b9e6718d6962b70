//! `verify_token` on M2M JWTs, played by both clients: local verification
//! with a PEM or the instance's JWKS, the JWKS cache (one fetch for
//! concurrent misses, freshness, cooldown, rotation, outages, stale keys
//! served during a refresh, retries), routing (oversized tokens never sent,
//! opaque tokens posted), local results equal to the API's, and the
//! `Authenticator` over it. Each scenario counts what the client's transport
//! sends; time moves by `ManualClock`; the emulator mints the tokens, and a
//! scripted server plays the key endpoint where it must misbehave.

use crate::drivers::{
    assert_scenarios, Answer, Bearer, Call, Counts, Driver, Scenario, TestClient,
};
use crate::support::emulator::{
    emulator_builder, instance_config_builder, machine_config, mint_jwt, start_emulator,
};
use crate::support::{Reply, ScriptedServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clerk_m2m::jwt::JwtErrorKind;
use clerk_m2m::{
    AuthErrorKind, Config, ConfigBuilder, ConfigError, CreateTokenParams, Error, M2mToken,
    ManualClock, RetryPolicy, VerifyTokenParams,
};
use clerk_m2m_emulator::{Emulator, EmulatorHandle, SigningKey};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const UNAVAILABLE: &str = r#"{"errors":[]}"#;
const SCRIPTED_KEY: &str = "sk_test_scripted";

/// Callers at once on one client: tasks for the async client, threads
/// (each a stack) for the blocking one.
fn crowd(driver: Driver) -> usize {
    match driver {
        Driver::Async => 1000,
        Driver::Blocking => 200,
    }
}

fn verify(token: &str) -> Call {
    Call::Verify(VerifyTokenParams::new(token))
}

fn verify_str(token: &str) -> Call {
    Call::VerifyStr(token.to_owned())
}

fn ok(client: &TestClient, call: Call) -> M2mToken {
    match client.call(call) {
        Ok(answer) => answer.into_token(),
        Err(error) => panic!("expected a token, got {error:?}"),
    }
}

fn err(client: &TestClient, call: Call) -> Error {
    client.call(call).map(Answer::into_token).unwrap_err()
}

fn jwt_kind(error: &Error) -> Option<JwtErrorKind> {
    match error {
        Error::Jwt { source } => Some(source.kind()),
        _ => None,
    }
}

/// `token` with its header replaced by one naming `kid` (the signature no
/// longer matches, but the unknown `kid` is found first).
fn with_kid(token: &str, kid: &str) -> String {
    let header = json!({"alg": "RS256", "kid": kid, "typ": "JWT", "cat": "cl_B7d4PD333AAA"});
    let rest = token.split_once('.').expect("a JWT").1;
    format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header.to_string()))
}

/// The emulator's JWKS document, as its key endpoint serves it.
fn jwks_body(emulator: &EmulatorHandle) -> String {
    let mut response = ureq::get(format!("{}/v1/jwks", emulator.url()))
        .header(
            "authorization",
            format!("Bearer {}", emulator.secret_key().expose_secret()),
        )
        .call()
        .expect("jwks");
    assert_eq!(response.status(), 200);
    response.body_mut().read_to_string().expect("jwks body")
}

/// The driver's client for `config`, counting in `counts`.
fn counting(driver: Driver, config: ConfigBuilder, counts: &Arc<Counts>) -> TestClient {
    TestClient::counting(driver, config.build().expect("config"), counts).expect("client")
}

/// A config verifying JWTs with `emulator`'s PEM.
fn with_pem(emulator: &EmulatorHandle) -> ConfigBuilder {
    Config::builder()
        .base_url(emulator.url())
        .jwt_key(emulator.public_key_pem())
}

/// A config fetching the JWKS from `server` with [`SCRIPTED_KEY`], on
/// `clock`, no retries (one fetch is one request).
fn scripted(server: &ScriptedServer, clock: &ManualClock) -> ConfigBuilder {
    Config::builder()
        .base_url(server.url())
        .secret_key(SCRIPTED_KEY)
        .retry_policy(RetryPolicy::never())
        .clock(clock.clone())
}

/// An emulator, a JWT it minted, a manual clock, and a client counting in
/// `counts` that verifies with the emulator's JWKS on that clock.
fn with_jwks(
    driver: Driver,
    counts: Arc<Counts>,
) -> (EmulatorHandle, String, ManualClock, TestClient, Arc<Counts>) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({}));
    let clock = ManualClock::starting_now();
    let config = instance_config_builder(&emulator).clock(clock.clone());
    let client = counting(driver, config, &counts);
    (emulator, jwt, clock, client, counts)
}

fn a_pem_verifies_with_no_network(driver: Driver) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({"role": "reader"}));
    let counts = Counts::new();
    let client = counting(driver, with_pem(&emulator), &counts);
    let verified = ok(&client, verify(&jwt));
    assert_eq!(verified.subject, emulator.machines()[0].id());
    assert_eq!(verified.claims, Some(json!({"role": "reader"})));
    assert_eq!((counts.jwks(), counts.other()), (0, 0), "no network");
    assert!(format!("{client:?}").contains("pem"), "{client:?}");
}

fn the_local_result_equals_the_apis(driver: Driver) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({"role": "reader", "n": 1}));
    let counts = Counts::new();
    let client = counting(driver, instance_config_builder(&emulator), &counts);
    let local = ok(&client, verify(&jwt));
    assert_eq!((counts.jwks(), counts.other()), (1, 0));
    let borrowed = ok(&client, verify_str(&jwt));
    assert_eq!(borrowed, local, "the borrowing path verifies alike");
    assert_eq!((counts.jwks(), counts.other()), (1, 0));
    // `send` posts the JWT to the API regardless of its format.
    let remote = ok(&client, Call::VerifyWithApi(VerifyTokenParams::new(jwt)));
    assert_eq!(counts.other(), 1);
    assert_eq!(local.id, remote.id);
    assert_eq!(local.subject, remote.subject);
    assert_eq!(local.claims, remote.claims);
    assert_eq!(local.expiration, remote.expiration);
    assert_eq!(local.created_at, remote.created_at);
    assert_eq!(local.revoked, remote.revoked);
}

fn the_jwks_is_fetched_once_then_cached_until_stale(driver: Driver) {
    let (_emulator, jwt, clock, client, counts) = with_jwks(driver, Counts::new());
    // A crowd of verifications on a cold cache: one fetch.
    for result in client.call_concurrently(vec![verify(&jwt); crowd(driver)]) {
        result.unwrap();
    }
    assert_eq!(counts.jwks(), 1);

    clock.advance(Duration::from_secs(299));
    ok(&client, verify(&jwt));
    assert_eq!(counts.jwks(), 1, "still fresh");
    clock.advance(Duration::from_secs(1));
    ok(&client, verify(&jwt));
    // The async client's stale key served that verification while the
    // refresh runs beside it; the blocking client refreshed first.
    client.wait(counts.until_jwks_answered(2));
    assert_eq!(counts.jwks(), 2, "refreshed after 5 minutes");
    ok(&client, verify(&jwt));
    assert_eq!((counts.jwks(), counts.other()), (2, 0));
}

fn stale_keys_keep_serving_while_one_refresh_runs(driver: Driver) {
    let (_emulator, jwt, clock, client, counts) = with_jwks(driver, Counts::gated());
    counts.release_one();
    ok(&client, verify_str(&jwt));
    assert_eq!(counts.jwks(), 1);

    // Stale: the refresh starts and is held at the gate. The async client
    // fetches in a task of its own and serves its caller with the stale
    // key at once; the blocking client's caller makes the fetch itself.
    clock.advance(Duration::from_secs(300));
    let refreshing = client.start(verify_str(&jwt));
    client.wait(counts.until_jwks_requested(2));
    assert_eq!(refreshing.is_finished(), driver == Driver::Async);
    // 100 verifications pass with the stale key meanwhile, starting no
    // other fetch.
    for _ in 0..100 {
        ok(&client, verify_str(&jwt));
    }
    assert_eq!((counts.jwks(), counts.jwks_answered()), (2, 1));
    counts.release_one();
    client.wait(counts.until_jwks_answered(2));
    client.join(refreshing).unwrap();
    ok(&client, verify_str(&jwt));
    assert_eq!((counts.jwks(), counts.other()), (2, 0));
}

fn unknown_kids_cost_at_most_one_fetch_per_cooldown(driver: Driver) {
    let (_emulator, jwt, clock, client, counts) = with_jwks(driver, Counts::new());
    ok(&client, verify(&jwt));
    assert_eq!(counts.jwks(), 1);

    // A crowd of verifications at once, each with a `kid` of its own.
    let storm = |round: usize| {
        let forged = (0..crowd(driver))
            .map(|i| verify(&with_kid(&jwt, &format!("ins_random_{round}_{i}"))))
            .collect();
        for result in client.call_concurrently(forged) {
            let error = result.map(Answer::into_token).unwrap_err();
            assert_eq!(
                jwt_kind(&error),
                Some(JwtErrorKind::UnknownKey),
                "{error:?}"
            );
        }
    };
    // Within the cooldown of the first fetch: no fetch at all.
    storm(0);
    assert_eq!(counts.jwks(), 1);
    // After the cooldown: one fetch for the whole storm.
    clock.advance(Duration::from_secs(30));
    storm(1);
    assert_eq!(counts.jwks(), 2);
    clock.advance(Duration::from_secs(29));
    storm(2);
    assert_eq!(counts.jwks(), 2);
    clock.advance(Duration::from_secs(1));
    storm(3);
    assert_eq!(counts.jwks(), 3);
    // Known keys still work.
    ok(&client, verify(&jwt));
    assert_eq!(counts.other(), 0);
}

fn the_jwks_fetch_is_retried_like_any_get(driver: Driver) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({}));
    let server = ScriptedServer::start(Reply::json(200, &jwks_body(&emulator)));
    server.push([Reply::json(503, UNAVAILABLE), Reply::json(503, UNAVAILABLE)]);
    let counts = Counts::new();
    let client = counting(
        driver,
        scripted(&server, &ManualClock::starting_now())
            .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(1))),
        &counts,
    );
    let verified = ok(&client, verify_str(&jwt));
    assert_eq!(verified.subject, emulator.machines()[0].id());
    assert_eq!(counts.jwks(), 3, "two 503s, then the keys");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in requests {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("GET", "/v1/jwks")
        );
        assert_eq!(
            request.header("authorization"),
            Some(&*format!("Bearer {SCRIPTED_KEY}"))
        );
        assert!(request.body.is_empty());
    }
}

/// Two emulators for one instance (same `kid`), with different signing keys.
fn rotated_pair() -> (EmulatorHandle, EmulatorHandle) {
    let old = emulator_builder()
        .instance_id("ins_2xRotationTestInstance0000")
        .start()
        .unwrap();
    let new = Emulator::builder()
        .instance_id("ins_2xRotationTestInstance0000")
        .signing_key(SigningKey::generate().unwrap())
        .start()
        .unwrap();
    assert_ne!(old.public_key_pem(), new.public_key_pem());
    (old, new)
}

fn a_rotated_key_with_the_same_kid_is_picked_up_after_the_cooldown(driver: Driver) {
    let (old, new) = rotated_pair();
    let old_jwt = mint_jwt(&old, json!({}));
    let new_jwt = mint_jwt(&new, json!({}));
    let server = ScriptedServer::start(Reply::json(200, &jwks_body(&old)));
    let clock = ManualClock::starting_now();
    let counts = Counts::new();
    let client = counting(
        driver,
        scripted(&server, &clock).retry_policy(RetryPolicy::default()),
        &counts,
    );
    ok(&client, verify(&old_jwt));
    assert_eq!(counts.jwks(), 1);

    // The instance rotates its key; the kid stays.
    let rotated = jwks_body(&new);
    server.push((0..4).map(|_| Reply::json(200, &rotated)));
    let error = err(&client, verify(&new_jwt));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature));
    assert_eq!(counts.jwks(), 1, "within the cooldown: no refetch");

    clock.advance(Duration::from_secs(30));
    ok(&client, verify(&new_jwt));
    assert_eq!(counts.jwks(), 2, "the signature failure refetched once");
    let error = err(&client, verify(&old_jwt));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature));
    assert_eq!(counts.jwks(), 2);
    // Every request carried the instance key.
    for request in server.requests() {
        assert_eq!(request.path, "/v1/jwks");
        assert_eq!(
            request.header("authorization"),
            Some(&*format!("Bearer {SCRIPTED_KEY}"))
        );
    }
}

fn an_outage_keeps_known_keys_working(driver: Driver) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({}));
    let keys = Reply::json(200, &jwks_body(&emulator));
    let server = ScriptedServer::start(Reply::json(503, UNAVAILABLE));
    server.push([keys.clone()]);
    let clock = ManualClock::starting_now();
    let counts = Counts::new();
    let client = counting(driver, scripted(&server, &clock), &counts);
    ok(&client, verify(&jwt));
    assert_eq!(counts.jwks(), 1);
    // Stale keys: the refresh fails, the known key still verifies.
    clock.advance(Duration::from_secs(600));
    ok(&client, verify(&jwt));
    client.wait(counts.until_jwks_answered(2));
    assert_eq!(counts.jwks(), 2);
    // The failed attempt starts a cooldown: no hammering during the outage,
    // one caller at a time or many at once.
    for _ in 0..10 {
        ok(&client, verify(&jwt));
    }
    for result in client.call_concurrently(vec![verify(&jwt); 50]) {
        result.unwrap();
    }
    assert_eq!(counts.jwks(), 2);
    clock.advance(Duration::from_secs(30));
    ok(&client, verify(&jwt));
    client.wait(counts.until_jwks_answered(3));
    assert_eq!(counts.jwks(), 3, "retried after the cooldown, still down");
    // Back up: the next refresh after the cooldown gets the keys.
    server.push([keys]);
    clock.advance(Duration::from_secs(30));
    ok(&client, verify(&jwt));
    client.wait(counts.until_jwks_answered(4));
    assert_eq!(counts.jwks(), 4);
    assert_eq!(server.requests().len(), 4);
}

fn a_cold_outage_is_our_fault_and_shared_by_all_waiters(driver: Driver) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({}));
    let server = ScriptedServer::start(Reply::json(503, UNAVAILABLE));
    let clock = ManualClock::starting_now();
    let counts = Counts::new();
    let client = counting(driver, scripted(&server, &clock), &counts);
    for result in client.call_concurrently(vec![verify(&jwt); 200]) {
        match result.map(Answer::into_token).unwrap_err() {
            Error::Jwks { source } => {
                assert_eq!(source.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE))
            }
            other => panic!("expected a JWKS error, got {other:?}"),
        }
    }
    assert_eq!(counts.jwks(), 1);
    // Back up after the cooldown: the next verification fetches and passes.
    server.push([Reply::json(200, &jwks_body(&emulator))]);
    clock.advance(Duration::from_secs(30));
    ok(&client, verify(&jwt));
    assert_eq!(counts.jwks(), 2);
}

fn without_a_pem_or_an_instance_key_jwts_fail_clearly_unsent(driver: Driver) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({}));
    let counts = Counts::new();
    let client = counting(driver, machine_config(&emulator, 1).to_builder(), &counts);
    let error = err(&client, verify(&jwt));
    assert!(matches!(error, Error::NoJwtKey), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("CLERK_JWT_KEY"), "{message}");
    assert!(message.contains("CLERK_SECRET_KEY"), "{message}");
    assert_eq!((counts.jwks(), counts.other()), (0, 0));
}

fn a_bad_pem_fails_the_build(driver: Driver) {
    let config = || {
        Config::builder()
            .secret_key("sk_test_x")
            .jwt_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            .build()
            .expect("the key is read when a client is built")
    };
    // Over the built-in transport and over one of the test's own.
    for built in [
        TestClient::try_new(driver, config(), None),
        TestClient::counting(driver, config(), &Counts::new()),
    ] {
        let error = built.unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidJwtKey { .. }),
            "{error:?}"
        );
    }
}

fn oversized_tokens_are_refused_unsent_and_opaque_ones_are_posted(driver: Driver) {
    let emulator = start_emulator();
    let counts = Counts::new();
    let client = counting(driver, instance_config_builder(&emulator), &counts);
    let huge = format!("mt_{}", "a".repeat(8 * 1024));
    let error = err(&client, verify(&huge));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::TooLarge));
    assert_eq!((counts.jwks(), counts.other()), (0, 0));

    let creator = TestClient::new(driver, machine_config(&emulator, 0), None);
    let opaque = ok(&creator, Call::Create(CreateTokenParams::new()));
    let value = opaque.token.unwrap().expose_secret().to_owned();
    let verified = ok(&client, verify(&value));
    assert_eq!(verified.id, opaque.id);
    assert_eq!((counts.jwks(), counts.other()), (0, 1), "posted to the API");

    // The borrowing path routes alike.
    let error = err(&client, verify_str(&huge));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::TooLarge));
    let verified = ok(&client, verify_str(&value));
    assert_eq!(verified.id, opaque.id);
    assert_eq!((counts.jwks(), counts.other()), (0, 2));
}

fn a_tampered_or_expired_jwt_is_refused_locally(driver: Driver) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({"role": "reader"}));
    let clock = ManualClock::starting_now();
    let counts = Counts::new();
    let client = counting(driver, with_pem(&emulator).clock(clock.clone()), &counts);
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(
        json!({"sub": emulator.machines()[0].id(), "exp": 4_000_000_000u64, "jti": "mt_x"})
            .to_string(),
    );
    let error = err(&client, verify(&parts.join(".")));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature));
    // Expired once exp is at or before now minus the 5 s skew.
    clock.advance(Duration::from_secs(3600 + 5));
    let error = err(&client, verify(&jwt));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::Expired));
    assert_eq!((counts.jwks(), counts.other()), (0, 0));
}

fn a_closure_is_a_clock(driver: Driver) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({}));
    let config = with_pem(&emulator)
        .clock(|| std::time::SystemTime::now() + Duration::from_secs(7200))
        .build()
        .unwrap();
    let client = TestClient::new(driver, config, None);
    let error = err(&client, verify(&jwt));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::Expired));
}

/// Opaque and JWT tokens, the scope check (JWT scopes untrusted by
/// default), and the code and status to answer.
fn the_authenticator_maps_outcomes_to_codes_and_statuses(driver: Driver) {
    let emulator = start_emulator();
    let me = emulator.machines()[1].id().to_owned();
    let receiver = TestClient::new(
        driver,
        instance_config_builder(&emulator).build().unwrap(),
        None,
    );
    let auth = |trust_jwt_scopes: bool, bearer: Bearer| {
        receiver.authenticate(Some(&me), trust_jwt_scopes, &bearer)
    };

    // An opaque token: Clerk's scopes decide.
    let creator = TestClient::new(driver, machine_config(&emulator, 0), None);
    let opaque = ok(&creator, Call::Create(CreateTokenParams::new()));
    let value = opaque.token.unwrap().expose_secret().to_owned();
    let request = http::Request::builder()
        .header("authorization", format!("Bearer {value}"))
        .body(())
        .unwrap();
    let verified = auth(false, Bearer::Request(request)).unwrap();
    assert_eq!(verified.subject, emulator.machines()[0].id());

    // A JWT claiming the scope: refused (403) unless JWT scopes are trusted.
    let jwt = mint_jwt(&emulator, json!({"scopes": me}));
    let error = auth(false, Bearer::Header(Some(format!("Bearer {jwt}")))).unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingScope);
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("token-invalid", 403)
    );
    auth(true, Bearer::Token(jwt)).unwrap();

    // Missing, malformed, unknown: 401. Not a secret in the message.
    let error = auth(false, Bearer::Header(None)).unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingToken);
    let error = auth(false, Bearer::Header(Some("Basic abc".into()))).unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MalformedHeader);
    let error = auth(false, Bearer::Token("mt_unknown_token_value".into())).unwrap_err();
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("token-invalid", 401)
    );
    assert!(!error.to_string().contains("mt_unknown_token_value"));

    // Our key rejected by Clerk: 500, secret-key-invalid.
    let wrong_key = Config::builder()
        .base_url(emulator.url())
        .secret_key("sk_test_not_the_instance_key")
        .build()
        .unwrap();
    let error = TestClient::new(driver, wrong_key, None)
        .authenticate(None, false, &Bearer::Token(value))
        .unwrap_err();
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("secret-key-invalid", 500)
    );
}

fn scenarios() -> Vec<Scenario> {
    vec![
        (
            "a PEM verifies with no network",
            a_pem_verifies_with_no_network,
        ),
        (
            "the local result equals the API's",
            the_local_result_equals_the_apis,
        ),
        (
            "the JWKS is fetched once, then cached until stale",
            the_jwks_is_fetched_once_then_cached_until_stale,
        ),
        (
            "stale keys keep serving while one refresh runs",
            stale_keys_keep_serving_while_one_refresh_runs,
        ),
        (
            "unknown kids cost at most one fetch per cooldown",
            unknown_kids_cost_at_most_one_fetch_per_cooldown,
        ),
        (
            "the JWKS fetch is retried like any GET",
            the_jwks_fetch_is_retried_like_any_get,
        ),
        (
            "a rotated key with the same kid is picked up after the cooldown",
            a_rotated_key_with_the_same_kid_is_picked_up_after_the_cooldown,
        ),
        (
            "an outage keeps known keys working",
            an_outage_keeps_known_keys_working,
        ),
        (
            "a cold outage is our fault and shared by all waiters",
            a_cold_outage_is_our_fault_and_shared_by_all_waiters,
        ),
        (
            "without a PEM or an instance key, JWTs fail clearly, unsent",
            without_a_pem_or_an_instance_key_jwts_fail_clearly_unsent,
        ),
        ("a bad PEM fails the build", a_bad_pem_fails_the_build),
        (
            "oversized tokens are refused unsent, opaque ones are posted",
            oversized_tokens_are_refused_unsent_and_opaque_ones_are_posted,
        ),
        (
            "a tampered or expired JWT is refused locally",
            a_tampered_or_expired_jwt_is_refused_locally,
        ),
        ("a closure is a clock", a_closure_is_a_clock),
        (
            "the authenticator maps outcomes to codes and statuses",
            the_authenticator_maps_outcomes_to_codes_and_statuses,
        ),
    ]
}

/// Plays every JWT scenario with `driver` and panics listing each that
/// failed.
pub fn assert_jwt_scenarios(driver: Driver) {
    assert_scenarios("JWT scenarios", &scenarios(), driver);
}
