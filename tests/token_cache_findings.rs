//! Regression tests for what a review measured against the token source,
//! over loopback HTTP with the emulator:
//! - callers that give up (request timeouts) must not cancel a create that
//!   was already sent, nor start one each;
//! - a failing API must not be hammered: failures back off;
//! - a wrong local wall clock must not change how often tokens are minted.

use clerk_m2m::{Client, CreateTokenParams, ManualClock, TokenSource};
use clerk_m2m::{RefreshPolicy, TokenSourceSettings};
use clerk_m2m_emulator::{Emulator, EmulatorHandle, Fault};
use std::time::Duration;

fn client(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_that_time_out_do_not_cancel_or_repeat_the_create() {
    let emulator = Emulator::start().unwrap();
    // The API takes 400 ms to answer the create; each caller gives up
    // after 20 ms (its own request timeout drops the future).
    emulator.inject_fault(Fault::Delay(Duration::from_millis(400)), 1);
    let source = TokenSource::new(client(&emulator));
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_millis(20), source.get()).await
            })
        })
        .collect();
    for caller in callers {
        assert!(caller.await.unwrap().is_err(), "every caller gave up");
    }
    // A later caller gets the token the first create minted.
    let token = source.get().await.unwrap();
    assert_eq!(emulator.stored_tokens(), 1, "one create for 20 callers");
    assert_eq!(emulator.requests_received(), 1);
    assert!(token.token.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_against_a_failing_api_back_off() {
    let emulator = Emulator::start().unwrap();
    emulator.inject_fault(Fault::status(http::StatusCode::SERVICE_UNAVAILABLE), 1000);
    let clock = ManualClock::starting_now();
    let settings = TokenSourceSettings::new().clock(clock.clone());
    let source = TokenSource::with_settings(client(&emulator), settings);

    // The bound: one create per backoff window. With the clock standing
    // still, the 1000 callers fit in one window: exactly one create.
    let callers: Vec<_> = (0..1000)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.get().await })
        })
        .collect();
    for caller in callers {
        let error = caller.await.unwrap().unwrap_err();
        assert_eq!(error.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    }
    assert_eq!(emulator.requests_received(), 1);

    // Each window that passes allows one more create; the windows grow
    // (0.5–1 s, 1–2 s, 2–4 s, …), so 4 s of failures cost at most 3 more.
    for _ in 0..8 {
        clock.advance(Duration::from_millis(500));
        let callers: Vec<_> = (0..50)
            .map(|_| {
                let source = source.clone();
                tokio::spawn(async move { source.get().await })
            })
            .collect();
        for caller in callers {
            assert!(caller.await.unwrap().is_err());
        }
    }
    let creates = emulator.requests_received();
    assert!((2..=4).contains(&creates), "{creates} creates in 4 s");
}

/// Gets a token every 10 s for 30 min with the local wall clock 5 min ahead
/// or behind the API's; returns how many tokens were minted.
async fn creates_with_skew(skew_ahead: bool) -> usize {
    let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
    let clock = ManualClock::new(emulator.now());
    let five_minutes = Duration::from_secs(300);
    let skewed = if skew_ahead {
        emulator.now() + five_minutes
    } else {
        emulator.now() - five_minutes
    };
    clock.set(skewed);
    let settings = TokenSourceSettings::new()
        .params(CreateTokenParams::new().seconds_until_expiration(600))
        .refresh_policy(RefreshPolicy::new().jitter(Duration::ZERO))
        .clock(clock.clone());
    let source = TokenSource::with_settings(client(&emulator), settings);
    // Three token lifetimes, a get every 10 s.
    for _ in 0..180 {
        let token = source.get().await.unwrap();
        let expiration = token.expiration_time().unwrap();
        assert!(expiration > emulator.now(), "never an expired token");
        clock.advance(Duration::from_secs(10));
        emulator.advance(Duration::from_secs(10));
    }
    emulator.stored_tokens()
}

#[tokio::test]
async fn a_skewed_wall_clock_mints_one_token_per_lifetime() {
    // 600 s tokens replaced 60 s before expiry: one create per 540 s, so
    // 1800 s of gets mint 4 tokens (at 0, 540, 1080, 1620 s), skew or not.
    assert_eq!(creates_with_skew(true).await, 4, "clock 5 min ahead");
    assert_eq!(creates_with_skew(false).await, 4, "clock 5 min behind");
}
