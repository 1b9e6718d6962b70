//! The JWKS verifier state machine, step by step: who fetches, who waits,
//! stale keys served during a refresh, one refetch per key miss and per
//! cooldown, which error wins, abandoned fetches. Real tokens and keys, a
//! stepped clock, no I/O and no sleeping: each test is a driver that does by
//! hand what a client does.
#![cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]

#[path = "fixtures/mint.rs"]
mod mint;

use clerk_m2m_types::driver::jwks::{
    classify, Checked, Classified, FetchJwks, FetchReport, FetchTicket, JwksCache, JwksStep,
    JwksVerifier, KeyLookup, KeyPlan, Route,
};
use clerk_m2m_types::jwt::{JwtErrorKind, KeySet, VerifyOptions};
use clerk_m2m_types::{Endpoint, Error, Operation, TransportError};
use mint::*;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

fn key_set(entries: &[(&TestKey, &str)]) -> KeySet {
    let keys: Vec<_> = entries
        .iter()
        .map(|(key, kid)| key.jwk(kid, json!({"use": "sig", "alg": "RS256"})))
        .collect();
    KeySet::from_jwks_json(json!({ "keys": keys }).to_string().as_bytes()).unwrap()
}

fn token(key: &TestKey, kid: &str) -> String {
    mint(&header(kid), &payload(), key)
}

fn down() -> Error {
    Error::Transport {
        operation: Operation::FetchJwks,
        attempts: 1,
        source: TransportError::other("connection refused"),
    }
}

fn fetch(step: JwksStep) -> FetchTicket {
    match step {
        JwksStep::Fetch(ticket) => ticket,
        other => panic!("expected Fetch, got {other:?}"),
    }
}

fn check(step: JwksStep) -> Arc<KeySet> {
    match step {
        JwksStep::Check(keys) => keys,
        other => panic!("expected Check, got {other:?}"),
    }
}

fn fail(step: JwksStep) -> Error {
    match step {
        JwksStep::Fail(error) => error,
        other => panic!("expected Fail, got {other:?}"),
    }
}

fn wait(step: JwksStep) {
    assert!(
        matches!(step, JwksStep::Wait),
        "expected Wait, got {step:?}"
    );
}

/// Checks `token` against `keys` as a driver does ([`KeyLookup::check`]):
/// `true` if it passes, else the failure is recorded in `lookup`.
fn passes(lookup: &mut KeyLookup, token: &str, keys: &KeySet) -> bool {
    match lookup.check(m2m_jwt(token), keys, now, &VerifyOptions::new()) {
        Checked::Done(result) => {
            assert_eq!(result.expect("verified").id, JTI);
            true
        }
        Checked::Again(_) => false,
    }
}

fn m2m_jwt(token: &str) -> clerk_m2m_types::driver::jwks::M2mJwt<'_> {
    let Classified::M2mJwt(jwt) = classify(token).unwrap() else {
        panic!("an M2M JWT");
    };
    jwt
}

fn jwt_kind(error: &Error) -> Option<JwtErrorKind> {
    match error {
        Error::Jwt { source } => Some(source.kind()),
        _ => None,
    }
}

/// A verifier whose keys `entries` were fetched at `at`.
fn warm(entries: &[(&TestKey, &str)], at: SystemTime) -> JwksVerifier {
    let mut verifier = JwksVerifier::new(JwksCache::new());
    let ticket = fetch(verifier.poll(&mut KeyLookup::new(), at));
    verifier.finish_fetch(ticket, Ok(key_set(entries)), at);
    verifier
}

#[test]
fn a_cold_cache_fetches_once_and_every_other_verification_waits() {
    let t0 = now();
    let good = token(TestKey::a(), "ins_a");
    let mut verifier = JwksVerifier::new(JwksCache::new());
    let mut lookups: Vec<KeyLookup> = (0..1000).map(|_| KeyLookup::new()).collect();
    let ticket = fetch(verifier.poll(&mut lookups[0], t0));
    assert!(verifier.is_fetching());
    for lookup in &mut lookups {
        wait(verifier.poll(lookup, t0 + secs(1)));
    }
    verifier.finish_fetch(
        ticket,
        Ok(key_set(&[(TestKey::a(), "ins_a")])),
        t0 + secs(2),
    );
    assert!(!verifier.is_fetching());
    assert_eq!(verifier.cache().fetched_at(), Some(t0 + secs(2)));
    for lookup in &mut lookups {
        let keys = check(verifier.poll(lookup, t0 + secs(2)));
        assert!(passes(lookup, &good, &keys));
    }
}

#[test]
fn fresh_keys_are_used_without_fetching() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let good = token(TestKey::a(), "ins_a");
    for offset in [0, 1, 150, 299] {
        let mut lookup = KeyLookup::new();
        let keys = check(verifier.poll(&mut lookup, t0 + secs(offset)));
        assert!(passes(&mut lookup, &good, &keys));
    }
    assert!(!verifier.is_fetching());
}

#[test]
fn stale_keys_are_served_while_one_refresh_runs() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let good = token(TestKey::a(), "ins_a");
    let stale = t0 + secs(300);

    // The first verification past the max age starts the refresh…
    let mut first = KeyLookup::new();
    let ticket = fetch(verifier.poll(&mut first, stale));
    // …and, polled again, is served the stale keys, like everyone else.
    let keys = check(verifier.poll(&mut first, stale));
    assert!(passes(&mut first, &good, &keys));
    for _ in 0..100 {
        let mut other = KeyLookup::new();
        let keys = check(verifier.poll(&mut other, stale + secs(1)));
        assert!(passes(&mut other, &good, &keys));
    }
    let generation = verifier.cache().generation();
    verifier.finish_fetch(
        ticket,
        Ok(key_set(&[(TestKey::a(), "ins_a")])),
        stale + secs(2),
    );
    assert_eq!(verifier.cache().generation(), generation + 1);
    assert!(verifier.cache().is_fresh(stale + secs(2)));
}

#[test]
fn a_failed_refresh_keeps_the_stale_keys_and_waits_for_the_cooldown() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let good = token(TestKey::a(), "ins_a");
    let stale = t0 + secs(600);
    let ticket = fetch(verifier.poll(&mut KeyLookup::new(), stale));
    verifier.finish_fetch(ticket, Err(down()), stale);
    assert!(verifier.last_failure().is_some());
    // Within the cooldown: the stale key verifies, nothing is fetched.
    for offset in [0, 10, 29] {
        let mut lookup = KeyLookup::new();
        let keys = check(verifier.poll(&mut lookup, stale + secs(offset)));
        assert!(passes(&mut lookup, &good, &keys));
    }
    // After it: the next verification tries again.
    let ticket = fetch(verifier.poll(&mut KeyLookup::new(), stale + secs(30)));
    verifier.finish_fetch(
        ticket,
        Ok(key_set(&[(TestKey::a(), "ins_a")])),
        stale + secs(31),
    );
    assert!(verifier.last_failure().is_none(), "a success clears it");
}

#[test]
fn a_cold_failure_is_reported_as_the_fetch_failure() {
    let t0 = now();
    let good = token(TestKey::a(), "ins_a");
    let mut verifier = JwksVerifier::new(JwksCache::new());
    let mut first = KeyLookup::new();
    let mut second = KeyLookup::new();
    let ticket = fetch(verifier.poll(&mut first, t0));
    wait(verifier.poll(&mut second, t0));
    verifier.finish_fetch(ticket, Err(down()), t0);
    for lookup in [&mut first, &mut second] {
        let keys = check(verifier.poll(lookup, t0));
        assert!(keys.is_empty());
        assert!(!passes(lookup, &good, &keys));
        match fail(verifier.poll(lookup, t0)) {
            Error::Jwks { source } => assert_eq!(source.operation(), Operation::FetchJwks),
            other => panic!("expected a JWKS error, got {other:?}"),
        }
    }
    // During the cooldown, new verifications fail the same way, at once.
    let mut late = KeyLookup::new();
    let keys = check(verifier.poll(&mut late, t0 + secs(29)));
    assert!(!passes(&mut late, &good, &keys));
    assert!(matches!(
        fail(verifier.poll(&mut late, t0 + secs(29))),
        Error::Jwks { .. }
    ));
    // Even a token refused for another reason: with no keys, the fault is ours.
    let expired = mint(
        &header("ins_a"),
        &with(payload(), json!({"exp": NOW - 3600})),
        TestKey::a(),
    );
    let mut lookup = KeyLookup::new();
    let keys = check(verifier.poll(&mut lookup, t0 + secs(29)));
    assert!(!passes(&mut lookup, &expired, &keys));
    assert!(matches!(
        fail(verifier.poll(&mut lookup, t0 + secs(29))),
        Error::Jwks { .. }
    ));
    // After the cooldown: one new fetch, and the token verifies.
    let mut lookup = KeyLookup::new();
    let ticket = fetch(verifier.poll(&mut lookup, t0 + secs(30)));
    wait(verifier.poll(&mut lookup, t0 + secs(30)));
    verifier.finish_fetch(
        ticket,
        Ok(key_set(&[(TestKey::a(), "ins_a")])),
        t0 + secs(31),
    );
    let keys = check(verifier.poll(&mut lookup, t0 + secs(31)));
    assert!(passes(&mut lookup, &good, &keys));
}

#[test]
fn a_token_refused_for_its_own_reasons_never_fetches() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let expired = mint(
        &header("ins_a"),
        &with(payload(), json!({"exp": NOW - 3600})),
        TestKey::a(),
    );
    let wrong_alg = mint(
        &json!({"alg": "HS256", "kid": "ins_a"}),
        &payload(),
        TestKey::a(),
    );
    for (token, kind) in [
        (&expired, None),
        (&wrong_alg, Some(JwtErrorKind::UnsupportedAlgorithm)),
    ] {
        let mut lookup = KeyLookup::new();
        let keys = check(verifier.poll(&mut lookup, t0 + secs(60)));
        let Classified::M2mJwt(mut jwt) = classify(token).unwrap() else {
            panic!("an M2M JWT");
        };
        match (jwt.check_signature(&keys), kind) {
            // The signature passes; the claims are refused afterwards.
            (Ok(()), None) => {
                let error = jwt.into_token(now(), &VerifyOptions::new()).unwrap_err();
                assert_eq!(error.kind(), JwtErrorKind::Expired);
            }
            (Err(error), Some(kind)) => {
                assert_eq!(error.kind(), kind);
                lookup.failed(error);
                let error = fail(verifier.poll(&mut lookup, t0 + secs(60)));
                assert_eq!(jwt_kind(&error), Some(kind));
            }
            (result, kind) => panic!("{result:?} for {kind:?}"),
        }
    }
    assert!(!verifier.is_fetching());
}

#[test]
fn unknown_kids_cost_one_fetch_per_cooldown() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let mut fetches = 0;
    // 1000 random kids within the cooldown of the first fetch: no fetch.
    for i in 0..1000u64 {
        let forged = token(TestKey::a(), &format!("ins_random_{i}"));
        let at = t0 + Duration::from_millis(10 * i);
        let mut lookup = KeyLookup::new();
        let keys = check(verifier.poll(&mut lookup, at));
        assert!(!passes(&mut lookup, &forged, &keys));
        let error = fail(verifier.poll(&mut lookup, at));
        assert_eq!(jwt_kind(&error), Some(JwtErrorKind::UnknownKey));
    }
    // After the cooldown, a storm: one of them fetches, the others wait for
    // that fetch, retry with its keys once, and fail with the token's error.
    let at = t0 + secs(30);
    let forged = token(TestKey::a(), "ins_random_storm");
    let mut storm: Vec<KeyLookup> = (0..100).map(|_| KeyLookup::new()).collect();
    let mut ticket = None;
    for lookup in &mut storm {
        let keys = check(verifier.poll(lookup, at));
        assert!(!passes(lookup, &forged, &keys));
        match verifier.poll(lookup, at) {
            JwksStep::Fetch(started) => {
                assert!(ticket.replace(started).is_none(), "one fetch");
                fetches += 1;
            }
            step => wait(step),
        }
    }
    verifier.finish_fetch(ticket.unwrap(), Ok(key_set(&[(TestKey::a(), "ins_a")])), at);
    for lookup in &mut storm {
        let keys = check(verifier.poll(lookup, at));
        assert!(!passes(lookup, &forged, &keys));
        let error = fail(verifier.poll(lookup, at));
        assert_eq!(
            jwt_kind(&error),
            Some(JwtErrorKind::UnknownKey),
            "{error:?}"
        );
    }
    assert_eq!(fetches, 1);
    // The known kid still verifies, without fetching.
    let mut lookup = KeyLookup::new();
    let keys = check(verifier.poll(&mut lookup, at + secs(1)));
    assert!(passes(&mut lookup, &token(TestKey::a(), "ins_a"), &keys));
}

#[test]
fn a_new_kid_or_a_rotated_key_is_picked_up_by_one_refetch() {
    let t0 = now();
    // A new kid.
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let new_kid = token(TestKey::b(), "ins_b");
    let mut lookup = KeyLookup::new();
    let at = t0 + secs(40);
    let keys = check(verifier.poll(&mut lookup, at));
    assert!(!passes(&mut lookup, &new_kid, &keys));
    let ticket = fetch(verifier.poll(&mut lookup, at));
    wait(verifier.poll(&mut lookup, at));
    verifier.finish_fetch(
        ticket,
        Ok(key_set(&[(TestKey::a(), "ins_a"), (TestKey::b(), "ins_b")])),
        at,
    );
    let keys = check(verifier.poll(&mut lookup, at));
    assert!(passes(&mut lookup, &new_kid, &keys));

    // A rotated key under the same kid (Clerk's kid is the instance id).
    let mut verifier = warm(&[(TestKey::a(), "ins_x")], t0);
    let rotated = token(TestKey::b(), "ins_x");
    let mut lookup = KeyLookup::new();
    let keys = check(verifier.poll(&mut lookup, t0 + secs(5)));
    assert!(!passes(&mut lookup, &rotated, &keys));
    let error = fail(verifier.poll(&mut lookup, t0 + secs(5)));
    assert_eq!(
        jwt_kind(&error),
        Some(JwtErrorKind::InvalidSignature),
        "cooling down"
    );
    let mut lookup = KeyLookup::new();
    let keys = check(verifier.poll(&mut lookup, t0 + secs(31)));
    assert!(!passes(&mut lookup, &rotated, &keys));
    let ticket = fetch(verifier.poll(&mut lookup, t0 + secs(31)));
    verifier.finish_fetch(
        ticket,
        Ok(key_set(&[(TestKey::b(), "ins_x")])),
        t0 + secs(31),
    );
    let keys = check(verifier.poll(&mut lookup, t0 + secs(31)));
    assert!(passes(&mut lookup, &rotated, &keys));
}

#[test]
fn a_refetch_that_does_not_help_is_final() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let forged = token(TestKey::b(), "ins_a");
    let at = t0 + secs(30);
    let mut lookup = KeyLookup::new();
    let keys = check(verifier.poll(&mut lookup, at));
    assert!(!passes(&mut lookup, &forged, &keys));
    let ticket = fetch(verifier.poll(&mut lookup, at));
    verifier.finish_fetch(ticket, Ok(key_set(&[(TestKey::a(), "ins_a")])), at);
    let keys = check(verifier.poll(&mut lookup, at));
    assert!(!passes(&mut lookup, &forged, &keys));
    // No second fetch, even past the cooldown: one refetch per verification.
    let error = fail(verifier.poll(&mut lookup, at + secs(60)));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature));
    assert!(!verifier.is_fetching());
}

#[test]
fn a_failed_refetch_with_known_keys_reports_the_tokens_error() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let unknown = token(TestKey::b(), "ins_b");
    let at = t0 + secs(30);
    let mut fetcher = KeyLookup::new();
    let mut waiter = KeyLookup::new();
    for lookup in [&mut fetcher, &mut waiter] {
        let keys = check(verifier.poll(lookup, at));
        assert!(!passes(lookup, &unknown, &keys));
    }
    let ticket = fetch(verifier.poll(&mut fetcher, at));
    wait(verifier.poll(&mut waiter, at));
    wait(verifier.poll(&mut fetcher, at));
    verifier.finish_fetch(ticket, Err(down()), at);
    for lookup in [&mut fetcher, &mut waiter] {
        let error = fail(verifier.poll(lookup, at));
        assert_eq!(
            jwt_kind(&error),
            Some(JwtErrorKind::UnknownKey),
            "{error:?}"
        );
    }
    // The known key keeps verifying.
    let mut lookup = KeyLookup::new();
    let keys = check(verifier.poll(&mut lookup, at));
    assert!(passes(&mut lookup, &token(TestKey::a(), "ins_a"), &keys));
}

#[test]
fn an_abandoned_fetch_releases_its_waiters() {
    let t0 = now();
    let good = token(TestKey::a(), "ins_a");
    let mut verifier = JwksVerifier::new(JwksCache::new());
    let mut waiter = KeyLookup::new();
    let ticket = fetch(verifier.poll(&mut KeyLookup::new(), t0));
    wait(verifier.poll(&mut waiter, t0));
    verifier.abandon_fetch(ticket, t0);
    assert!(!verifier.is_fetching());
    let keys = check(verifier.poll(&mut waiter, t0));
    assert!(!passes(&mut waiter, &good, &keys));
    match fail(verifier.poll(&mut waiter, t0)) {
        Error::Jwks { source } => {
            let message = source.to_string();
            assert!(message.contains("fetch_jwks"), "{message}");
            assert!(
                format!("{source:?}").contains("without an answer"),
                "{source:?}"
            );
        }
        other => panic!("expected a JWKS error, got {other:?}"),
    }
}

#[test]
fn a_ticket_from_another_verifier_is_ignored() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let generation = verifier.cache().generation();
    let mut other = JwksVerifier::new(JwksCache::new());
    let foreign = fetch(other.poll(&mut KeyLookup::new(), t0));
    verifier.finish_fetch(foreign, Err(down()), t0 + secs(1));
    assert!(verifier.last_failure().is_none());
    assert_eq!(verifier.cache().generation(), generation);
    assert!(other.is_fetching(), "its own fetch is still in flight");
}

#[test]
fn a_failure_reported_without_keys_handed_out_is_final() {
    let t0 = now();
    let mut verifier = warm(&[(TestKey::a(), "ins_a")], t0);
    let mut lookup = KeyLookup::new();
    let unknown = token(TestKey::b(), "ins_b");
    let Classified::M2mJwt(mut jwt) = classify(&unknown).unwrap() else {
        panic!("an M2M JWT");
    };
    lookup.failed(jwt.check_signature(&KeySet::new()).unwrap_err());
    let error = fail(verifier.poll(&mut lookup, t0 + secs(60)));
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::UnknownKey));
    assert!(!verifier.is_fetching());
}

#[test]
fn the_fetch_is_a_get_with_the_instance_key() {
    let config = clerk_m2m_types::Config::builder()
        .secret_key("sk_test_fetch")
        .build()
        .unwrap();
    let request = FetchJwks.build_request(&config).unwrap();
    let expected = clerk_m2m_types::driver::jwks::jwks_request(&config).unwrap();
    assert_eq!(request.method(), expected.method());
    assert_eq!(request.uri(), expected.uri());
    assert_eq!(request.headers(), expected.headers());
    assert_eq!(request.body(), expected.body());
    assert_eq!(FetchJwks::OPERATION.name(), "fetch_jwks");
    assert_eq!(FetchJwks::OPERATION.path_template(), "/v1/jwks");
    assert!(FetchJwks::OPERATION.is_idempotent());
    let answer = http::Response::builder()
        .status(200)
        .body(
            json!({"keys": [TestKey::a().jwk("ins_a", json!({}))]})
                .to_string()
                .into_bytes(),
        )
        .unwrap();
    assert!(FetchJwks::parse_response(answer)
        .unwrap()
        .contains_kid("ins_a"));
}

#[test]
fn the_key_plan_settles_fixed_keys_and_no_keys_and_hands_the_jwks_path_back() {
    let good = token(TestKey::a(), "ins_a");
    let options = VerifyOptions::new();
    let fixed: KeyPlan<()> = KeyPlan::Static(key_set(&[(TestKey::a(), "ins_a")]));
    match fixed.route(m2m_jwt(&good), now(), &options) {
        Route::Settled(Ok(token)) => assert_eq!(token.id, JTI),
        other => panic!("expected a verified token, got {other:?}"),
    }
    let wrong: KeyPlan<()> = KeyPlan::Static(key_set(&[(TestKey::b(), "ins_a")]));
    match wrong.route(m2m_jwt(&good), now(), &options) {
        Route::Settled(Err(error)) => {
            assert_eq!(jwt_kind(&error), Some(JwtErrorKind::InvalidSignature))
        }
        other => panic!("expected a signature failure, got {other:?}"),
    }
    match KeyPlan::<()>::Missing.route(m2m_jwt(&good), now(), &options) {
        Route::Settled(Err(Error::NoJwtKey)) => {}
        other => panic!("expected NoJwtKey, got {other:?}"),
    }
    let jwks = KeyPlan::Jwks("the holder");
    match jwks.route(m2m_jwt(&good), now(), &options) {
        Route::Jwks(holder, jwt) => {
            assert_eq!(*holder, "the holder");
            // The token comes back undecided, and verifies with the keys.
            let keys = key_set(&[(TestKey::a(), "ins_a")]);
            assert_eq!(
                jwt.verify(&keys, now(), &options).expect("verified").id,
                JTI
            );
        }
        other => panic!("expected the JWKS path, got {other:?}"),
    }
}

#[test]
fn a_check_reads_the_clock_only_once_the_signature_holds() {
    let good = token(TestKey::a(), "ins_a");
    let options = VerifyOptions::new();
    let mut lookup = KeyLookup::new();
    let wrong = key_set(&[(TestKey::b(), "ins_a")]);
    let never = || -> SystemTime { panic!("the clock is not read for a bad signature") };
    let Checked::Again(jwt) = lookup.check(m2m_jwt(&good), &wrong, never, &options) else {
        panic!("a signature the keys do not settle hands the token back");
    };
    // The same token, handed back, passes with the right keys; an expired
    // one fails on its claims once the signature holds.
    let right = key_set(&[(TestKey::a(), "ins_a")]);
    let Checked::Done(Ok(token)) = lookup.check(jwt, &right, now, &options) else {
        panic!("verified with the right keys");
    };
    assert_eq!(token.id, JTI);
    let late = || now() + secs(365 * 24 * 3600);
    let Checked::Done(Err(error)) = KeyLookup::new().check(m2m_jwt(&good), &right, late, &options)
    else {
        panic!("refused on its claims");
    };
    assert_eq!(jwt_kind(&error), Some(JwtErrorKind::Expired));
}

#[test]
fn a_fetch_report_reports_once_with_the_result_or_as_abandoned() {
    let t0 = now();
    let good = token(TestKey::a(), "ins_a");
    let verifier = std::sync::Mutex::new(JwksVerifier::new(JwksCache::new()));
    let reports = std::cell::Cell::new(0);
    let report = |ticket, result| {
        reports.set(reports.get() + 1);
        verifier.lock().unwrap().finish_fetch(ticket, result, t0);
    };
    // Finished: the result, once.
    let ticket = fetch(verifier.lock().unwrap().poll(&mut KeyLookup::new(), t0));
    FetchReport::new(ticket, report).finish(Ok(key_set(&[(TestKey::a(), "ins_a")])));
    assert_eq!(reports.get(), 1);
    let mut lookup = KeyLookup::new();
    let keys = check(verifier.lock().unwrap().poll(&mut lookup, t0));
    assert!(passes(&mut lookup, &good, &keys));
    // Dropped unfinished (a panic unwinding past it): abandoned, once.
    let stale = t0 + secs(300);
    let ticket = fetch(verifier.lock().unwrap().poll(&mut KeyLookup::new(), stale));
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _report = FetchReport::new(ticket, report);
        panic!("the transport panics");
    }));
    assert!(unwound.is_err());
    assert_eq!(reports.get(), 2);
    let verifier = verifier.lock().unwrap();
    assert!(!verifier.is_fetching());
    assert!(format!("{:?}", verifier.last_failure()).contains("without an answer"));
}
