//! The JWKS cache state value: freshness, refetch cooldown, rotation under
//! a kept `kid`, outages. Time is injected; nothing sleeps.
#![cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]

#[path = "fixtures/mint.rs"]
mod mint;

use clerk_m2m_types::driver::jwks::{FetchDecision, JwksCache};
use clerk_m2m_types::jwt::{
    verify, JwtError, JwtErrorKind, KeyErrorKind, VerifyOptions, DEFAULT_JWKS_MAX_AGE,
    DEFAULT_JWKS_REFETCH_COOLDOWN,
};
use mint::*;
use serde_json::json;
use std::time::{Duration, SystemTime};

fn jwks(entries: &[(&TestKey, &str)]) -> Vec<u8> {
    let keys: Vec<_> = entries
        .iter()
        .map(|(key, kid)| key.jwk(kid, json!({"use": "sig", "alg": "RS256"})))
        .collect();
    json!({ "keys": keys }).to_string().into_bytes()
}

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

/// One verification through the cache, as a driver would do it: returns
/// the result and how many fetches it made (`fetch` answers each one).
fn verify_through(
    cache: &mut JwksCache,
    token: &str,
    now: SystemTime,
    fetch: &mut dyn FnMut() -> Option<Vec<u8>>,
) -> (Result<String, JwtError>, u32) {
    let mut fetches = 0;
    let mut report = |cache: &mut JwksCache, fetches: &mut u32| {
        *fetches += 1;
        match fetch() {
            Some(body) => {
                let _ = cache.update(&body, now);
            }
            None => cache.fetch_failed(now),
        }
    };
    if cache.needs_refresh(now) {
        report(cache, &mut fetches);
    }
    loop {
        let seen = cache.generation();
        let error = match verify(token, cache.keys(), now, &VerifyOptions::new()) {
            Ok(token) => return (Ok(token.id), fetches),
            Err(error) => error,
        };
        let decision = match error.kind() {
            JwtErrorKind::UnknownKey => cache.on_unknown_kid(seen, now),
            JwtErrorKind::InvalidSignature => cache.on_signature_failure(seen, now),
            _ => return (Err(error), fetches),
        };
        match decision {
            FetchDecision::Fetch => report(cache, &mut fetches),
            FetchDecision::Retry => {}
            FetchDecision::CoolingDown { .. } => return (Err(error), fetches),
        }
    }
}

#[test]
fn defaults_are_five_minutes_and_thirty_seconds() {
    assert_eq!(DEFAULT_JWKS_MAX_AGE, secs(300));
    assert_eq!(DEFAULT_JWKS_REFETCH_COOLDOWN, secs(30));
    let t0 = now();
    let mut cache = JwksCache::new();
    assert!(cache.needs_refresh(t0) && !cache.is_fresh(t0));
    assert!(cache.keys().is_empty());
    cache.update(&jwks(&[(TestKey::a(), "ins_a")]), t0).unwrap();
    assert_eq!(cache.fetched_at(), Some(t0));
    assert!(cache.is_fresh(t0 + secs(299)) && !cache.needs_refresh(t0 + secs(299)));
    assert!(!cache.is_fresh(t0 + secs(300)) && cache.needs_refresh(t0 + secs(300)));
}

#[test]
fn a_thousand_unknown_kids_cost_one_fetch_per_cooldown() {
    let t0 = now();
    let mut cache = JwksCache::new();
    cache.update(&jwks(&[(TestKey::a(), "ins_a")]), t0).unwrap();
    let mut fetch = || Some(jwks(&[(TestKey::a(), "ins_a")]));
    let mut fetches = 0;
    for i in 0..1000u64 {
        // Random kids, 10 ms apart: 10 s in all, within one cooldown of t0.
        let token = mint(
            &header(&format!("ins_random_{i}")),
            &payload(),
            TestKey::a(),
        );
        let at = t0 + Duration::from_millis(10 * i);
        let (result, made) = verify_through(&mut cache, &token, at, &mut fetch);
        assert_eq!(result.unwrap_err().kind(), JwtErrorKind::UnknownKey);
        fetches += made;
    }
    assert_eq!(fetches, 0, "the initial fetch at t0 starts the cooldown");
    // After the cooldown, the next unknown kid may fetch once more; the
    // following ones within the new cooldown may not.
    let token = mint(&header("ins_other"), &payload(), TestKey::a());
    for offset in [30, 31, 45, 59] {
        let (result, made) = verify_through(&mut cache, &token, t0 + secs(offset), &mut fetch);
        assert!(result.is_err());
        fetches += made;
    }
    assert_eq!(fetches, 1);
    let (result, made) = verify_through(&mut cache, &token, t0 + secs(60), &mut fetch);
    assert!(result.is_err());
    assert_eq!(made, 1);
}

#[test]
fn a_new_kid_is_picked_up_by_one_refetch() {
    let t0 = now();
    let mut cache = JwksCache::new();
    cache.update(&jwks(&[(TestKey::a(), "ins_a")]), t0).unwrap();
    let token_b = mint(&header("ins_b"), &payload(), TestKey::b());
    let mut fetch = || Some(jwks(&[(TestKey::a(), "ins_a"), (TestKey::b(), "ins_b")]));
    let (result, fetches) = verify_through(&mut cache, &token_b, t0 + secs(40), &mut fetch);
    assert_eq!(result.unwrap(), JTI);
    assert_eq!(fetches, 1);
    assert_eq!(cache.generation(), 2);
}

#[test]
fn a_rotated_key_under_the_same_kid_is_picked_up() {
    // Clerk's kid is the instance id: the key changes, the kid does not.
    let t0 = now();
    let mut cache = JwksCache::new();
    cache.update(&jwks(&[(TestKey::a(), "ins_x")]), t0).unwrap();
    let rotated = mint(&header("ins_x"), &payload(), TestKey::b());
    let mut fetch = || Some(jwks(&[(TestKey::b(), "ins_x")]));
    // Within the cooldown of the last fetch: refused, no fetch.
    let (result, fetches) = verify_through(&mut cache, &rotated, t0 + secs(5), &mut fetch);
    assert_eq!(result.unwrap_err().kind(), JwtErrorKind::InvalidSignature);
    assert_eq!(fetches, 0);
    // After it: one refetch, and the token verifies.
    let (result, fetches) = verify_through(&mut cache, &rotated, t0 + secs(31), &mut fetch);
    assert_eq!(result.unwrap(), JTI);
    assert_eq!(fetches, 1);
    // Forged signatures on the known kid then cost no fetch for 30 s.
    let forged = mint(&header("ins_x"), &payload(), TestKey::a());
    for offset in [32, 45, 60] {
        let (result, fetches) = verify_through(&mut cache, &forged, t0 + secs(offset), &mut fetch);
        assert_eq!(result.unwrap_err().kind(), JwtErrorKind::InvalidSignature);
        assert_eq!(fetches, 0);
    }
}

#[test]
fn an_outage_keeps_known_keys_and_is_not_hammered() {
    let t0 = now();
    let mut cache = JwksCache::new();
    cache.update(&jwks(&[(TestKey::a(), "ins_a")]), t0).unwrap();
    let good = mint(&header("ins_a"), &payload(), TestKey::a());
    let mut attempts = 0;
    let mut down = || {
        attempts += 1;
        None
    };
    // Stale after 5 minutes: one attempt fails, the known key still verifies.
    let stale = t0 + secs(301);
    let (result, fetches) = verify_through(&mut cache, &good, stale, &mut down);
    assert_eq!(result.unwrap(), JTI);
    assert_eq!(fetches, 1);
    assert_eq!(cache.fetched_at(), Some(t0));
    // Requests during the outage: one attempt per cooldown, keys kept.
    for offset in (302..400).step_by(2) {
        let (result, _) = verify_through(&mut cache, &good, t0 + secs(offset), &mut down);
        assert_eq!(result.unwrap(), JTI);
    }
    // Attempts at 301, 331, 361, 391.
    assert_eq!(attempts, 4);
    // A garbage answer is a failed fetch too: keys kept.
    let error = cache
        .update(b"<html>maintenance</html>", t0 + secs(500))
        .unwrap_err();
    assert_eq!(error.kind(), KeyErrorKind::InvalidJwks);
    let error = cache.update(br#"{"keys":[]}"#, t0 + secs(501)).unwrap_err();
    assert_eq!(error.kind(), KeyErrorKind::NoUsableKeys);
    assert!(cache.keys().contains_kid("ins_a"));
    assert!(!cache.needs_refresh(t0 + secs(510)));
}

#[test]
fn a_cold_cache_that_cannot_fetch_retries_after_the_cooldown() {
    let t0 = now();
    let mut cache = JwksCache::new();
    let good = mint(&header("ins_a"), &payload(), TestKey::a());
    let mut up = false;
    let mut fetch = || up.then(|| jwks(&[(TestKey::a(), "ins_a")]));
    let (result, fetches) = verify_through(&mut cache, &good, t0, &mut fetch);
    assert_eq!(result.unwrap_err().kind(), JwtErrorKind::UnknownKey);
    assert_eq!(fetches, 1);
    let (_, fetches) = verify_through(&mut cache, &good, t0 + secs(29), &mut fetch);
    assert_eq!(fetches, 0);
    up = true;
    let mut fetch = || up.then(|| jwks(&[(TestKey::a(), "ins_a")]));
    let (result, fetches) = verify_through(&mut cache, &good, t0 + secs(30), &mut fetch);
    assert_eq!(result.unwrap(), JTI);
    assert_eq!(fetches, 1);
}

#[test]
fn decisions_follow_the_generation_and_survive_clock_steps() {
    let t0 = now();
    let mut cache = JwksCache::new()
        .max_age(secs(60))
        .refetch_cooldown(secs(10));
    let seen = cache.generation();
    assert_eq!(cache.on_unknown_kid(seen, t0), FetchDecision::Fetch);
    // A second miss before the fetch reports back: cooling down.
    assert_eq!(
        cache.on_unknown_kid(seen, t0 + secs(1)),
        FetchDecision::CoolingDown {
            until: t0 + secs(10)
        }
    );
    cache
        .update(&jwks(&[(TestKey::a(), "ins_a")]), t0 + secs(2))
        .unwrap();
    // A verification that started before the update should just retry.
    assert_eq!(
        cache.on_signature_failure(seen, t0 + secs(3)),
        FetchDecision::Retry
    );
    let seen = cache.generation();
    assert_eq!(
        cache.on_signature_failure(seen, t0 + secs(3)),
        FetchDecision::CoolingDown {
            until: t0 + secs(12)
        }
    );
    assert_eq!(
        cache.on_signature_failure(seen, t0 + secs(12)),
        FetchDecision::Fetch
    );
    assert!(
        !cache.needs_refresh(t0 + secs(61)),
        "attempted at 12 s, cooldown 10 s, fetched at 2 s"
    );
    assert!(cache.needs_refresh(t0 + secs(62)));
    // The clock steps back an hour: neither freshness nor cooldown freezes.
    let back = t0 - secs(3600);
    assert!(!cache.is_fresh(back));
    assert_eq!(cache.on_unknown_kid(seen, back), FetchDecision::Fetch);
}

#[test]
fn the_cache_is_cheap_to_clone_and_keys_keep_verifying() {
    let t0 = now();
    let mut cache = JwksCache::new();
    cache.update(&jwks(&[(TestKey::a(), "ins_a")]), t0).unwrap();
    let snapshot = cache.clone();
    // Same keys again (a periodic refresh): generation moves, keys verify.
    cache
        .update(&jwks(&[(TestKey::a(), "ins_a")]), t0 + secs(300))
        .unwrap();
    let good = mint(&header("ins_a"), &payload(), TestKey::a());
    for keys in [snapshot.keys(), cache.keys()] {
        verify(&good, keys, t0, &VerifyOptions::new()).unwrap();
    }
    assert_ne!(snapshot.generation(), cache.generation());
}
