//! `Client::verify_token` on M2M JWTs: local verification with the
//! emulator's PEM or its JWKS, the JWKS cache (one fetch for concurrent
//! misses, cooldown, rotation, outage, stale keys served during a refresh,
//! a fetch that outlives the callers who gave up, a panicking transport),
//! routing (oversized tokens never sent, opaque tokens posted), and local
//! results equal to the API's.

mod support;

use clerk_m2m::jwt::JwtErrorKind;
use clerk_m2m::Error;
use clerk_m2m::{
    Client, CreateTokenParams, ManualClock, ReqwestTransport, RetryPolicy, TokenFormat, Transport,
    VerifyTokenParams,
};
use clerk_m2m_emulator::{Emulator, EmulatorHandle, SigningKey};
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{Reply, ScriptedServer};

/// Requests seen by a counting transport, by path, and JWKS answers
/// received. (On these single-threaded runtimes a fetch's task records its
/// result in the same poll that receives the answer, so once an answer is
/// counted the cache holds it.) JWKS requests can be held at a gate (a slow key endpoint), or
/// make the transport panic once.
struct Counts {
    jwks: AtomicUsize,
    jwks_answered: AtomicUsize,
    other: AtomicUsize,
    /// Notified on each JWKS request and each JWKS answer.
    changed: tokio::sync::Notify,
    /// JWKS requests wait for a permit here when `gated`.
    gate: tokio::sync::Semaphore,
    gated: bool,
    panic_once: AtomicBool,
}

impl Counts {
    fn jwks(&self) -> usize {
        self.jwks.load(Ordering::SeqCst)
    }
    fn other(&self) -> usize {
        self.other.load(Ordering::SeqCst)
    }
    /// Lets one held JWKS request through.
    fn release_one(&self) {
        self.gate.add_permits(1);
    }
    /// Waits until `n` JWKS answers have come back (10 s at most).
    async fn jwks_answered(&self, n: usize) {
        self.wait_until(|counts| counts.jwks_answered.load(Ordering::SeqCst) >= n)
            .await;
    }
    /// Waits until `n` JWKS requests have reached the transport (10 s at most).
    async fn jwks_requested(&self, n: usize) {
        self.wait_until(|counts| counts.jwks() >= n).await;
    }
    async fn wait_until(&self, done: impl Fn(&Self) -> bool) {
        let reached = async {
            loop {
                let next = self.changed.notified();
                if done(self) {
                    return;
                }
                next.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), reached)
            .await
            .expect("the JWKS requests and answers arrive");
    }
}

/// A client builder whose reqwest transport counts JWKS fetches and other requests.
fn counting(base_url: &str) -> (clerk_m2m::ClientBuilder, Arc<Counts>) {
    counting_with(base_url, false)
}

/// As [`counting`]; with `gated`, JWKS requests wait for [`Counts::release_one`].
fn counting_with(base_url: &str, gated: bool) -> (clerk_m2m::ClientBuilder, Arc<Counts>) {
    let counts = Arc::new(Counts {
        jwks: AtomicUsize::new(0),
        jwks_answered: AtomicUsize::new(0),
        other: AtomicUsize::new(0),
        changed: tokio::sync::Notify::new(),
        gate: tokio::sync::Semaphore::new(0),
        gated,
        panic_once: AtomicBool::new(false),
    });
    let inner = Arc::new(ReqwestTransport::new().expect("transport"));
    let seen = Arc::clone(&counts);
    let transport = move |request: http::Request<Vec<u8>>| {
        let is_jwks = request.uri().path() == "/v1/jwks";
        if is_jwks {
            seen.jwks.fetch_add(1, Ordering::SeqCst);
            seen.changed.notify_waiters();
            if seen.panic_once.swap(false, Ordering::SeqCst) {
                panic!("test transport: panics on purpose");
            }
        } else {
            seen.other.fetch_add(1, Ordering::SeqCst);
        }
        let (inner, seen) = (Arc::clone(&inner), Arc::clone(&seen));
        async move {
            if is_jwks && seen.gated {
                seen.gate.acquire().await.expect("gate open").forget();
            }
            let response = inner.send(request).await;
            if is_jwks {
                seen.jwks_answered.fetch_add(1, Ordering::SeqCst);
                seen.changed.notify_waiters();
            }
            response
        }
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

async fn mint_jwt(emulator: &EmulatorHandle, claims: serde_json::Value) -> String {
    creator(emulator)
        .create_token(
            CreateTokenParams::new()
                .token_format(TokenFormat::Jwt)
                .seconds_until_expiration(3600)
                .claims(claims),
        )
        .await
        .expect("create jwt")
        .token
        .expect("token value")
        .expose_secret()
        .to_owned()
}

/// An emulator, a JWT it minted, a manual clock, and a counting client
/// that verifies with the emulator's JWKS on that clock (JWKS requests held
/// at the gate when `gated`).
async fn with_jwks(gated: bool) -> (EmulatorHandle, String, ManualClock, Client, Arc<Counts>) {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({})).await;
    let clock = ManualClock::starting_now();
    let (builder, counts) = counting_with(emulator.url(), gated);
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

/// The emulator's JWKS document.
async fn jwks_body(emulator: &EmulatorHandle) -> String {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/jwks", emulator.url()))
        .bearer_auth(emulator.secret_key().expose_secret())
        .send()
        .await
        .expect("jwks");
    assert_eq!(response.status(), 200);
    response.text().await.expect("jwks body")
}

fn jwt_kind(error: &Error) -> Option<JwtErrorKind> {
    match error {
        Error::Jwt { source } => Some(source.kind()),
        _ => None,
    }
}

#[tokio::test]
async fn emulator_jwts_verify_with_its_pem_and_no_network() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({"role": "reader"})).await;
    let (builder, counts) = counting(emulator.url());
    let client = builder.jwt_key(emulator.public_key_pem()).build().unwrap();
    let verified = client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .await
        .unwrap();
    assert_eq!(verified.subject, emulator.machines()[0].id());
    assert_eq!(verified.claims, Some(json!({"role": "reader"})));
    assert_eq!((counts.jwks(), counts.other()), (0, 0), "no network");
}

#[tokio::test]
async fn local_result_equals_the_apis_for_the_same_token() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({"role": "reader", "n": 1})).await;
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .secret_key(emulator.secret_key().clone())
        .build()
        .unwrap();
    let local = client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .await
        .unwrap();
    assert_eq!((counts.jwks(), counts.other()), (1, 0));
    let borrowed = client.verify_token_str(&jwt).await.unwrap();
    assert_eq!(borrowed, local, "the borrowing path verifies alike");
    assert_eq!((counts.jwks(), counts.other()), (1, 0));
    // `send` posts the JWT to the API regardless of its format.
    let remote = client.send(&VerifyTokenParams::new(jwt)).await.unwrap();
    assert_eq!(counts.other(), 1);
    assert_eq!(local.id, remote.id);
    assert_eq!(local.subject, remote.subject);
    assert_eq!(local.claims, remote.claims);
    assert_eq!(local.expiration, remote.expiration);
    assert_eq!(local.created_at, remote.created_at);
    assert_eq!(local.revoked, remote.revoked);
}

#[tokio::test]
async fn the_jwks_is_fetched_once_then_cached_until_stale() {
    let (_emulator, jwt, clock, client, counts) = with_jwks(false).await;

    // 1000 concurrent verifications on a cold cache: one fetch.
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (client, jwt) = (client.clone(), jwt.clone());
            tokio::spawn(async move { client.verify_token(VerifyTokenParams::new(jwt)).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(counts.jwks(), 1);

    clock.advance(Duration::from_secs(299));
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .await
        .unwrap();
    assert_eq!(counts.jwks(), 1, "still fresh");
    clock.advance(Duration::from_secs(1));
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .await
        .unwrap();
    // The stale key served that verification; the refresh runs beside it.
    counts.jwks_answered(2).await;
    assert_eq!(counts.jwks(), 2, "refreshed after 5 minutes");
    client
        .verify_token(VerifyTokenParams::new(jwt))
        .await
        .unwrap();
    assert_eq!((counts.jwks(), counts.other()), (2, 0));
}

#[tokio::test]
async fn stale_keys_keep_serving_while_one_refresh_runs() {
    let (_emulator, jwt, clock, client, counts) = with_jwks(true).await;
    counts.release_one();
    client.verify_token_str(&jwt).await.unwrap();
    assert_eq!(counts.jwks(), 1);

    // Stale: the refresh starts and is held at the gate; 100 verifications
    // pass with the stale key meanwhile, starting no other fetch.
    clock.advance(Duration::from_secs(300));
    client.verify_token_str(&jwt).await.unwrap();
    counts.jwks_requested(2).await;
    for _ in 0..100 {
        client.verify_token_str(&jwt).await.unwrap();
    }
    assert_eq!(
        (counts.jwks(), counts.jwks_answered.load(Ordering::SeqCst)),
        (2, 1)
    );
    counts.release_one();
    counts.jwks_answered(2).await;
    client.verify_token_str(&jwt).await.unwrap();
    assert_eq!((counts.jwks(), counts.other()), (2, 0));
}

#[tokio::test]
async fn callers_that_give_up_do_not_cancel_the_fetch() {
    let (emulator, jwt, _clock, client, counts) = with_jwks(true).await;

    // 50 callers on a cold cache give up before the (held) JWKS answers:
    // their futures are dropped mid-wait, the first one's mid-fetch.
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (client, jwt) = (client.clone(), jwt.clone());
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_millis(200), client.verify_token_str(&jwt))
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().is_err(), "the caller timed out");
    }
    assert_eq!(counts.jwks(), 1, "one fetch for every caller");

    // The fetch runs on: once it answers, the cache serves everyone.
    counts.release_one();
    counts.jwks_answered(1).await;
    let verified = client.verify_token_str(&jwt).await.unwrap();
    assert_eq!(verified.subject, emulator.machines()[0].id());
    assert_eq!((counts.jwks(), counts.other()), (1, 0));
}

#[tokio::test]
async fn a_panicking_transport_releases_the_verifications_waiting_for_its_fetch() {
    let (_emulator, jwt, clock, client, counts) = with_jwks(false).await;
    counts.panic_once.store(true, Ordering::SeqCst);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (client, jwt) = (client.clone(), jwt.clone());
            tokio::spawn(async move { client.verify_token_str(&jwt).await })
        })
        .collect();
    for task in tasks {
        match task.await.unwrap().unwrap_err() {
            Error::Jwks { source } => {
                assert!(source.to_string().contains("fetch_jwks"), "{source}")
            }
            other => panic!("expected a JWKS error, got {other:?}"),
        }
    }
    assert_eq!(counts.jwks(), 1);
    // After the cooldown the next verification fetches again, and passes.
    clock.advance(Duration::from_secs(30));
    client.verify_token_str(&jwt).await.unwrap();
    assert_eq!(counts.jwks(), 2);
}

#[tokio::test]
async fn the_jwks_fetch_is_retried_like_any_get() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({})).await;
    let server = ScriptedServer::start(Reply::json(200, &jwks_body(&emulator).await));
    server.push([Reply::json(503, r#"{"errors":[]}"#)]);
    let (builder, counts) = counting(&server.url());
    let client = builder
        .secret_key("sk_test_scripted")
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    client.verify_token_str(&jwt).await.unwrap();
    assert_eq!(counts.jwks(), 2, "a 503, then the keys");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("GET", "/v1/jwks")
        );
        assert_eq!(
            request.header("authorization"),
            Some("Bearer sk_test_scripted")
        );
        assert!(request.body.is_empty());
    }
}

#[test]
fn verification_futures_can_cross_threads() {
    fn send<T: Send>(_: T) {}
    let client = Client::builder().secret_key("sk_test_x").build().unwrap();
    send(client.verify_token(VerifyTokenParams::new("mt_value")));
    send(client.verify_token_str("mt_value"));
}

#[tokio::test]
async fn unknown_kids_cost_at_most_one_fetch_per_cooldown() {
    let (_emulator, jwt, clock, client, counts) = with_jwks(false).await;
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .await
        .unwrap();
    assert_eq!(counts.jwks(), 1);

    let storm = |round: usize| {
        let tasks: Vec<_> = (0..1000)
            .map(|i| {
                let client = client.clone();
                let forged = with_kid(&jwt, &format!("ins_random_{round}_{i}"));
                tokio::spawn(async move {
                    client
                        .verify_token(VerifyTokenParams::new(forged))
                        .await
                        .unwrap_err()
                })
            })
            .collect();
        async move {
            for task in tasks {
                let error = task.await.unwrap();
                assert_eq!(
                    jwt_kind(&error),
                    Some(JwtErrorKind::UnknownKey),
                    "{error:?}"
                );
            }
        }
    };

    // Within the cooldown of the first fetch: no fetch at all.
    storm(0).await;
    assert_eq!(counts.jwks(), 1);
    // After the cooldown: one fetch for the whole storm.
    clock.advance(Duration::from_secs(30));
    storm(1).await;
    assert_eq!(counts.jwks(), 2);
    clock.advance(Duration::from_secs(29));
    storm(2).await;
    assert_eq!(counts.jwks(), 2);
    clock.advance(Duration::from_secs(1));
    storm(3).await;
    assert_eq!(counts.jwks(), 3);
    // Known keys still work.
    client
        .verify_token(VerifyTokenParams::new(jwt))
        .await
        .unwrap();
    assert_eq!(counts.other(), 0);
}

/// Two emulators for one instance (same `kid`), with different signing keys.
fn rotated_pair() -> (EmulatorHandle, EmulatorHandle) {
    let old = Emulator::builder()
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

#[tokio::test]
async fn a_rotated_key_with_the_same_kid_is_picked_up_after_the_cooldown() {
    let (old, new) = rotated_pair();
    let old_jwt = mint_jwt(&old, json!({})).await;
    let new_jwt = mint_jwt(&new, json!({})).await;
    let server = ScriptedServer::start(Reply::json(200, &jwks_body(&old).await));
    let clock = ManualClock::starting_now();
    let (builder, counts) = counting(&server.url());
    let client = builder
        .secret_key("sk_test_scripted")
        .clock(clock.clone())
        .build()
        .unwrap();
    client
        .verify_token(VerifyTokenParams::new(old_jwt.clone()))
        .await
        .unwrap();
    assert_eq!(counts.jwks(), 1);

    // The instance rotates its key; the kid stays.
    let rotated = jwks_body(&new).await;
    server.push((0..4).map(|_| Reply::json(200, &rotated)));
    let error = client
        .verify_token(VerifyTokenParams::new(new_jwt.clone()))
        .await
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature));
    assert_eq!(counts.jwks(), 1, "within the cooldown: no refetch");

    clock.advance(Duration::from_secs(30));
    client
        .verify_token(VerifyTokenParams::new(new_jwt))
        .await
        .unwrap();
    assert_eq!(counts.jwks(), 2, "the signature failure refetched once");
    let error = client
        .verify_token(VerifyTokenParams::new(old_jwt))
        .await
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature));
    assert_eq!(counts.jwks(), 2);
    // Every request carried the instance key.
    for request in server.requests() {
        assert_eq!(request.path, "/v1/jwks");
        assert_eq!(
            request.header("authorization"),
            Some("Bearer sk_test_scripted")
        );
    }
}

#[tokio::test]
async fn an_outage_keeps_known_keys_working() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({})).await;
    let server = ScriptedServer::start(Reply::json(503, r#"{"errors":[]}"#));
    server.push([Reply::json(200, &jwks_body(&emulator).await)]);
    let clock = ManualClock::starting_now();
    let (builder, counts) = counting(&server.url());
    // No retries: one fetch is one request.
    let client = builder
        .secret_key("sk_test_scripted")
        .retry_policy(RetryPolicy::never())
        .clock(clock.clone())
        .build()
        .unwrap();
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .await
        .unwrap();
    // Stale keys: the refresh fails, the known key still verifies.
    clock.advance(Duration::from_secs(600));
    client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .await
        .unwrap();
    counts.jwks_answered(2).await;
    assert_eq!(counts.jwks(), 2);
    // The failed attempt starts a cooldown: no hammering during the outage.
    for _ in 0..10 {
        client
            .verify_token(VerifyTokenParams::new(jwt.clone()))
            .await
            .unwrap();
    }
    assert_eq!(counts.jwks(), 2);
    clock.advance(Duration::from_secs(30));
    client
        .verify_token(VerifyTokenParams::new(jwt))
        .await
        .unwrap();
    counts.jwks_answered(3).await;
    assert_eq!(counts.jwks(), 3);
}

#[tokio::test]
async fn a_cold_outage_is_our_fault_and_shared_by_all_waiters() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({})).await;
    let server = ScriptedServer::start(Reply::json(503, r#"{"errors":[]}"#));
    let clock = ManualClock::starting_now();
    let (builder, counts) = counting(&server.url());
    // No retries: one fetch is one request.
    let client = builder
        .secret_key("sk_test_scripted")
        .retry_policy(RetryPolicy::never())
        .clock(clock.clone())
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (client, jwt) = (client.clone(), jwt.clone());
            tokio::spawn(async move { client.verify_token(VerifyTokenParams::new(jwt)).await })
        })
        .collect();
    for task in tasks {
        match task.await.unwrap().unwrap_err() {
            Error::Jwks { source } => {
                assert_eq!(source.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE))
            }
            other => panic!("expected a JWKS error, got {other:?}"),
        }
    }
    assert_eq!(counts.jwks(), 1);
    // Back up after the cooldown: the next verification fetches and passes.
    server.push([Reply::json(200, &jwks_body(&emulator).await)]);
    clock.advance(Duration::from_secs(30));
    client
        .verify_token(VerifyTokenParams::new(jwt))
        .await
        .unwrap();
    assert_eq!(counts.jwks(), 2);
}

#[tokio::test]
async fn without_a_pem_or_an_instance_key_jwts_fail_clearly_and_nothing_is_sent() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({})).await;
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .machine_secret_key(emulator.machines()[1].secret_key().clone())
        .build()
        .unwrap();
    let error = client
        .verify_token(VerifyTokenParams::new(jwt))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NoJwtKey), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("CLERK_JWT_KEY"), "{message}");
    assert!(message.contains("CLERK_SECRET_KEY"), "{message}");
    assert_eq!((counts.jwks(), counts.other()), (0, 0));
}

#[tokio::test]
async fn a_bad_pem_fails_the_build() {
    let error = Client::builder()
        .secret_key("sk_test_x")
        .jwt_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
        .build()
        .unwrap_err();
    assert!(
        matches!(error, clerk_m2m::ConfigError::InvalidJwtKey { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn oversized_tokens_are_refused_and_never_sent_and_opaque_ones_are_posted() {
    let emulator = Emulator::start().unwrap();
    let (builder, counts) = counting(emulator.url());
    let client = builder
        .secret_key(emulator.secret_key().clone())
        .build()
        .unwrap();
    let huge = format!("mt_{}", "a".repeat(8 * 1024));
    let error = client
        .verify_token(VerifyTokenParams::new(huge.clone()))
        .await
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::TooLarge));
    assert_eq!((counts.jwks(), counts.other()), (0, 0));

    let opaque = creator(&emulator)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap();
    let value = opaque.token.unwrap().expose_secret().to_owned();
    let verified = client
        .verify_token(VerifyTokenParams::new(value.clone()))
        .await
        .unwrap();
    assert_eq!(verified.id, opaque.id);
    assert_eq!((counts.jwks(), counts.other()), (0, 1), "posted to the API");

    // The borrowing path routes alike.
    let error = client.verify_token_str(&huge).await.unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::TooLarge));
    let verified = client.verify_token_str(&value).await.unwrap();
    assert_eq!(verified.id, opaque.id);
    assert_eq!((counts.jwks(), counts.other()), (0, 2));
}

#[tokio::test]
async fn a_tampered_or_expired_jwt_is_refused_locally() {
    let emulator = Emulator::start().unwrap();
    let jwt = mint_jwt(&emulator, json!({"role": "reader"})).await;
    let clock = ManualClock::starting_now();
    let client = Client::builder()
        .base_url(emulator.url())
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
        .await
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature));
    // Expired once exp is at or before now minus the 5 s skew.
    clock.advance(Duration::from_secs(3600 + 5));
    let error = client
        .verify_token(VerifyTokenParams::new(jwt))
        .await
        .unwrap_err();
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::Expired));
}
