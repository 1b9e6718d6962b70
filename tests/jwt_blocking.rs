//! The blocking `Client::verify_token` on M2M JWTs: local verification with
//! the emulator's PEM or its JWKS, the JWKS cache (one fetch for concurrent
//! threads, cooldown, outage, retries, a panicking transport), routing
//! (oversized tokens never sent, opaque tokens posted), and local results
//! equal to the API's. Time moves by `ManualClock`; every server is on
//! loopback.

use clerk_m2m::blocking::{Client, ClientBuilder, Transport, UreqTransport};
use clerk_m2m::jwt::JwtErrorKind;
use clerk_m2m::Error;
use clerk_m2m::{CreateTokenParams, TokenFormat, VerifyTokenParams};
use clerk_m2m::{ManualClock, RetryPolicy, TransportError};
use clerk_m2m_emulator::{Emulator, EmulatorHandle};
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Requests seen by a counting transport, by path; `down` makes JWKS
/// fetches answer 503 (an outage of the key endpoint), `fail_next` the next
/// few of them, and `panic_once` makes the next one panic in the transport.
#[derive(Default)]
struct Counts {
    jwks: AtomicUsize,
    other: AtomicUsize,
    down: AtomicBool,
    fail_next: AtomicUsize,
    panic_once: AtomicBool,
}

impl Counts {
    fn jwks(&self) -> usize {
        self.jwks.load(Ordering::SeqCst)
    }
    fn other(&self) -> usize {
        self.other.load(Ordering::SeqCst)
    }
    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

/// A client builder whose ureq transport counts JWKS fetches and other requests.
fn counting(base_url: &str) -> (ClientBuilder, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let inner = UreqTransport::new().expect("transport");
    let seen = Arc::clone(&counts);
    let transport = move |request: http::Request<Vec<u8>>| {
        if request.uri().path() == "/v1/jwks" {
            seen.jwks.fetch_add(1, Ordering::SeqCst);
            if seen.panic_once.swap(false, Ordering::SeqCst) {
                panic!("test transport: panics on purpose");
            }
            let failing = seen
                .fail_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing || seen.down.load(Ordering::SeqCst) {
                return http::Response::builder()
                    .status(503)
                    .header("content-type", "application/json")
                    .body(br#"{"errors":[]}"#.to_vec())
                    .map_err(TransportError::other);
            }
        } else {
            seen.other.fetch_add(1, Ordering::SeqCst);
        }
        inner.send(request)
    };
    (
        Client::builder().base_url(base_url).transport(transport),
        counts,
    )
}

fn creator(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .build()
        .expect("client")
}

fn mint_jwt(emulator: &EmulatorHandle, claims: serde_json::Value) -> String {
    creator(emulator)
        .create_token(
            CreateTokenParams::new()
                .token_format(TokenFormat::Jwt)
                .seconds_until_expiration(3600)
                .claims(claims),
        )
        .expect("create jwt")
        .token
        .expect("token value")
        .expose_secret()
        .to_owned()
}

/// An emulator, a JWT it minted, a manual clock, and a counting client
/// that verifies with the emulator's JWKS on that clock.
fn with_jwks() -> (EmulatorHandle, String, ManualClock, Client, Arc<Counts>) {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({}));
    let clock = ManualClock::starting_now();
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .secret_key(emulator.secret_key().clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    (emulator, jwt, clock, client, counts)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64url(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, byte)| n | (u32::from(*byte) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// `token` with its header replaced by one naming `kid` (the signature no
/// longer matches, but the unknown `kid` is found first).
fn with_kid(token: &str, kid: &str) -> String {
    let header = json!({"alg": "RS256", "kid": kid, "typ": "JWT", "cat": "cl_B7d4PD333AAA"});
    let rest = token.split_once('.').expect("a JWT").1;
    format!("{}.{rest}", b64url(header.to_string().as_bytes()))
}

fn jwt_kind(error: &Error) -> Option<JwtErrorKind> {
    match error {
        Error::Jwt { source } => Some(source.kind()),
        _ => None,
    }
}

/// `threads` threads verifying `token(i)` at once; their results in order.
fn concurrently(
    client: &Client,
    threads: usize,
    token: impl Fn(usize) -> String,
) -> Vec<Result<clerk_m2m::M2mToken, Error>> {
    let barrier = Arc::new(std::sync::Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (client, token, barrier) = (client.clone(), token(i), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                client.verify_token(VerifyTokenParams::new(token))
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|handle| handle.join().expect("no panic"))
        .collect()
}

#[test]
fn emulator_jwts_verify_with_its_pem_and_no_network() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({"role": "reader"}));
    let (builder, counts) = counting(emulator.url());
    let client = builder.jwt_key(emulator.public_key_pem()).build().unwrap();
    let verified = client.verify_token(VerifyTokenParams::new(jwt)).unwrap();
    assert_eq!(verified.subject, emulator.machines()[0].id());
    assert_eq!(verified.claims, Some(json!({"role": "reader"})));
    assert_eq!((counts.jwks(), counts.other()), (0, 0), "no network");
    assert!(format!("{client:?}").contains("pem"));
}

#[test]
fn local_result_equals_the_apis_for_the_same_token() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({"role": "reader", "n": 1}));
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .secret_key(emulator.secret_key().clone())
        .build()
        .unwrap();
    let local = client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .unwrap();
    assert_eq!((counts.jwks(), counts.other()), (1, 0));
    let borrowed = client.verify_token_str(&jwt).unwrap();
    assert_eq!(borrowed, local, "the borrowing path verifies alike");
    assert_eq!((counts.jwks(), counts.other()), (1, 0));
    // `send` posts the JWT to the API regardless of its format.
    let remote = client.send(&VerifyTokenParams::new(jwt)).unwrap();
    assert_eq!(counts.other(), 1);
    assert_eq!(local.id, remote.id);
    assert_eq!(local.subject, remote.subject);
    assert_eq!(local.claims, remote.claims);
    assert_eq!(local.expiration, remote.expiration);
    assert_eq!(local.created_at, remote.created_at);
    assert_eq!(local.revoked, remote.revoked);
}

#[test]
fn two_hundred_threads_on_a_cold_cache_fetch_the_jwks_once() {
    let (_emulator, jwt, clock, client, counts) = with_jwks();

    for result in concurrently(&client, 200, |_| jwt.clone()) {
        result.unwrap();
    }
    assert_eq!(counts.jwks(), 1);

    clock.advance(Duration::from_secs(299));
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .unwrap();
    assert_eq!(counts.jwks(), 1, "still fresh");
    clock.advance(Duration::from_secs(1));
    client.verify_token(VerifyTokenParams::new(jwt)).unwrap();
    assert_eq!(counts.jwks(), 2, "refreshed after 5 minutes");
    assert_eq!(counts.other(), 0);
}

#[test]
fn unknown_kids_cost_at_most_one_fetch_per_cooldown() {
    let (_emulator, jwt, clock, client, counts) = with_jwks();
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .unwrap();
    assert_eq!(counts.jwks(), 1);

    let storm = |round: usize| {
        let results = concurrently(&client, 200, |i| {
            with_kid(&jwt, &format!("ins_random_{round}_{i}"))
        });
        for result in results {
            let error = result.unwrap_err();
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
    client.verify_token(VerifyTokenParams::new(jwt)).unwrap();
    assert_eq!(counts.other(), 0);
}

#[test]
fn an_outage_keeps_known_keys_working() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({}));
    let clock = ManualClock::starting_now();
    let (builder, counts) = counting(emulator.url());
    // No retries: one fetch is one request.
    let client = builder
        .secret_key(emulator.secret_key().clone())
        .retry_policy(RetryPolicy::never())
        .clock(clock.clone())
        .build()
        .unwrap();
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .unwrap();
    assert_eq!(counts.jwks(), 1);
    // Stale keys: the refresh fails, the known key still verifies.
    counts.set_down(true);
    clock.advance(Duration::from_secs(600));
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .unwrap();
    assert_eq!(counts.jwks(), 2);
    // The failed attempt starts a cooldown: no hammering during the outage.
    for result in concurrently(&client, 50, |_| jwt.clone()) {
        result.unwrap();
    }
    assert_eq!(counts.jwks(), 2);
    clock.advance(Duration::from_secs(30));
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .unwrap();
    assert_eq!(counts.jwks(), 3, "retried after the cooldown, still down");
    counts.set_down(false);
    clock.advance(Duration::from_secs(30));
    client.verify_token(VerifyTokenParams::new(jwt)).unwrap();
    assert_eq!(counts.jwks(), 4);
}

#[test]
fn a_cold_outage_is_our_fault_and_shared_by_all_waiters() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({}));
    let clock = ManualClock::starting_now();
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .secret_key(emulator.secret_key().clone())
        .retry_policy(RetryPolicy::never())
        .clock(clock.clone())
        .build()
        .unwrap();
    counts.set_down(true);
    for result in concurrently(&client, 200, |_| jwt.clone()) {
        match result.unwrap_err() {
            Error::Jwks { source } => {
                assert_eq!(source.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE))
            }
            other => panic!("expected a JWKS error, got {other:?}"),
        }
    }
    assert_eq!(counts.jwks(), 1);
    // Back up after the cooldown: the next verification fetches and passes.
    counts.set_down(false);
    clock.advance(Duration::from_secs(30));
    client.verify_token(VerifyTokenParams::new(jwt)).unwrap();
    assert_eq!(counts.jwks(), 2);
}

#[test]
fn a_panicking_transport_releases_the_threads_waiting_for_its_fetch() {
    let (_emulator, jwt, clock, client, counts) = with_jwks();
    counts.panic_once.store(true, Ordering::SeqCst);
    let barrier = Arc::new(std::sync::Barrier::new(50));
    let handles: Vec<_> = (0..50)
        .map(|_| {
            let (client, jwt, barrier) = (client.clone(), jwt.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                client.verify_token_str(&jwt)
            })
        })
        .collect();
    let mut panicked = 0;
    for handle in handles {
        match handle.join() {
            Err(_) => panicked += 1,
            Ok(Err(Error::Jwks { source })) => {
                assert!(source.to_string().contains("fetch_jwks"), "{source}")
            }
            Ok(other) => panic!("expected a JWKS error, got {other:?}"),
        }
    }
    assert_eq!(panicked, 1, "the fetching thread alone");
    assert_eq!(counts.jwks(), 1);
    // After the cooldown the next verification fetches again, and passes.
    clock.advance(Duration::from_secs(30));
    client.verify_token_str(&jwt).unwrap();
    assert_eq!(counts.jwks(), 2);
}

#[test]
fn the_jwks_fetch_is_retried_like_any_get() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({}));
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .secret_key(emulator.secret_key().clone())
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    counts.fail_next.store(2, Ordering::SeqCst);
    let verified = client.verify_token_str(&jwt).unwrap();
    assert_eq!(verified.subject, emulator.machines()[0].id());
    assert_eq!(counts.jwks(), 3, "two 503s, then the keys");
}

#[test]
fn without_a_pem_or_an_instance_key_jwts_fail_clearly_and_nothing_is_sent() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({}));
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .machine_secret_key(emulator.machines()[1].secret_key().clone())
        .build()
        .unwrap();
    let error = client
        .verify_token(VerifyTokenParams::new(jwt))
        .unwrap_err();
    assert!(matches!(error, Error::NoJwtKey), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("CLERK_JWT_KEY"), "{message}");
    assert!(message.contains("CLERK_SECRET_KEY"), "{message}");
    assert_eq!((counts.jwks(), counts.other()), (0, 0));
}

#[test]
fn a_bad_pem_fails_the_build() {
    let error = Client::builder()
        .secret_key("sk_test_x")
        .jwt_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
        .transport(|_request: http::Request<Vec<u8>>| {
            Err::<http::Response<Vec<u8>>, _>(TransportError::other("offline"))
        })
        .build()
        .unwrap_err();
    assert!(
        matches!(error, clerk_m2m::ConfigError::InvalidJwtKey { .. }),
        "{error:?}"
    );
}

#[test]
fn oversized_tokens_are_refused_and_never_sent_and_opaque_ones_are_posted() {
    let emulator = Emulator::start().unwrap();
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .secret_key(emulator.secret_key().clone())
        .build()
        .unwrap();
    let huge = format!("mt_{}", "a".repeat(8 * 1024));
    let error = client
        .verify_token(VerifyTokenParams::new(huge.clone()))
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::TooLarge));
    assert_eq!((counts.jwks(), counts.other()), (0, 0));

    let opaque = creator(&emulator)
        .create_token(CreateTokenParams::new())
        .unwrap();
    let value = opaque.token.unwrap().expose_secret().to_owned();
    let verified = client
        .verify_token(VerifyTokenParams::new(value.clone()))
        .unwrap();
    assert_eq!(verified.id, opaque.id);
    assert_eq!((counts.jwks(), counts.other()), (0, 1), "posted to the API");

    // The borrowing path routes alike.
    let error = client.verify_token_str(&huge).unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::TooLarge));
    let verified = client.verify_token_str(&value).unwrap();
    assert_eq!(verified.id, opaque.id);
    assert_eq!((counts.jwks(), counts.other()), (0, 2));
}

#[test]
fn a_tampered_or_expired_jwt_is_refused_locally() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({"role": "reader"}));
    let clock = ManualClock::starting_now();
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .jwt_key(emulator.public_key_pem())
        .clock(clock.clone())
        .build()
        .unwrap();
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[1] = b64url(
        json!({"sub": emulator.machines()[0].id(), "exp": 4_000_000_000u64, "jti": "mt_x"})
            .to_string()
            .as_bytes(),
    );
    let tampered = parts.join(".");
    let error = client
        .verify_token(VerifyTokenParams::new(tampered))
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature));
    // Expired once exp is at or before now minus the 5 s skew.
    clock.advance(Duration::from_secs(3600 + 5));
    let error = client
        .verify_token(VerifyTokenParams::new(jwt))
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::Expired));
    assert_eq!((counts.jwks(), counts.other()), (0, 0));
}

#[test]
fn a_closure_is_a_clock() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({}));
    let client = Client::builder()
        .base_url(emulator.url())
        .jwt_key(emulator.public_key_pem())
        .clock(|| std::time::SystemTime::now() + Duration::from_secs(7200))
        .build()
        .unwrap();
    let error = client
        .verify_token(VerifyTokenParams::new(jwt))
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::Expired));
}

/// The blocking `Authenticator`: opaque and JWT tokens, the scope check
/// (JWT scopes untrusted by default), and the status to answer.
#[test]
fn the_blocking_authenticator_maps_outcomes_to_codes_and_statuses() {
    use clerk_m2m::blocking::Authenticator;
    use clerk_m2m::AuthErrorKind;

    let emulator = Emulator::start().unwrap();
    let me = emulator.machines()[1].id().to_owned();
    let receiver = Client::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
        .build()
        .unwrap();
    let auth = Authenticator::new(receiver).require_scope(me.clone());

    // An opaque token: Clerk's scopes decide.
    let opaque = creator(&emulator)
        .create_token(CreateTokenParams::new())
        .unwrap();
    let value = opaque.token.unwrap().expose_secret().to_owned();
    let request = http::Request::builder()
        .header("authorization", format!("Bearer {value}"))
        .body(())
        .unwrap();
    let verified = auth.authenticate(&request).unwrap();
    assert_eq!(verified.subject, emulator.machines()[0].id());

    // A JWT claiming the scope: refused (403) unless JWT scopes are trusted.
    let jwt = mint_jwt(&emulator, json!({"scopes": me}));
    let error = auth
        .authenticate_header(Some(&format!("Bearer {jwt}")))
        .unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingScope);
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("token-invalid", 403)
    );
    let trusting = auth.clone().trust_jwt_scopes(true);
    trusting.authenticate_token(&jwt).unwrap();

    // Missing, malformed, unknown: 401. Not a secret in the message.
    let error = auth.authenticate_header(None).unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MissingToken);
    let error = auth.authenticate_header(Some("Basic abc")).unwrap_err();
    assert_eq!(error.kind(), AuthErrorKind::MalformedHeader);
    let error = auth
        .authenticate_token("mt_unknown_token_value")
        .unwrap_err();
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("token-invalid", 401)
    );
    assert!(!error.to_string().contains("mt_unknown_token_value"));

    // Our key rejected by Clerk: 500, secret-key-invalid.
    let wrong_key = Client::builder()
        .base_url(emulator.url())
        .secret_key("sk_test_not_the_instance_key")
        .build()
        .unwrap();
    let error = Authenticator::new(wrong_key)
        .authenticate_token(&value)
        .unwrap_err();
    assert_eq!(
        (error.code(), error.status().as_u16()),
        ("secret-key-invalid", 500)
    );
}
