//! `TokenSource`, per driver: one create for concurrent callers (tasks or
//! threads), reuse until the refresh margin, errors shared by every waiter
//! and retried after the backoff, a caller that gives up never cancels the
//! create. Time moves by `ManualClock`; the emulator is on loopback. The
//! decisions themselves are the types crate's `TokenCache`, tested there
//! transition by transition.

use clerk_m2m::TransportError;

/// A created token expiring at `expiration` (ms), or never.
fn token_json(expiration: Option<i64>) -> String {
    let expiration = expiration.map_or("null".to_owned(), |ms| ms.to_string());
    format!(
        r#"{{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1","token":"mt_value","revoked":false,"revocation_reason":null,"expired":false,"expiration":{expiration},"last_used_at":null,"created_at":0,"updated_at":0}}"#
    )
}

/// A JSON answer with `status`.
fn answer(status: u16, body: &str) -> Result<http::Response<Vec<u8>>, TransportError> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .map_err(TransportError::other)
}

/// The async `TokenSource` (tasks on Tokio).
mod async_source {
    use super::{answer, token_json};
    use clerk_m2m::Error;
    use clerk_m2m::{Client, CreateTokenParams, ManualClock, TokenSource, TransportError};
    use clerk_m2m::{RefreshPolicy, TokenSourceSettings};
    use clerk_m2m_emulator::Emulator;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_thousand_concurrent_gets_on_a_cold_source_create_once() {
        let emulator = Emulator::start().unwrap();
        let client = Client::builder()
            .base_url(emulator.url())
            .machine_secret_key(emulator.machines()[0].secret_key().clone())
            .build()
            .unwrap();
        let settings = TokenSourceSettings::new()
            .params(CreateTokenParams::new().seconds_until_expiration(600));
        let source = TokenSource::with_settings(client, settings);
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let source = source.clone();
                tokio::spawn(async move { source.get().await })
            })
            .collect();
        let mut ids = std::collections::HashSet::new();
        for task in tasks {
            ids.insert(task.await.unwrap().unwrap().id.clone());
        }
        assert_eq!(ids.len(), 1);
        assert_eq!(emulator.stored_tokens(), 1, "exactly one create");
    }

    #[tokio::test]
    async fn the_token_is_replaced_at_the_refresh_margin() {
        let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
        let clock = ManualClock::new(emulator.now());
        let client = Client::builder()
            .base_url(emulator.url())
            .machine_secret_key(emulator.machines()[0].secret_key().clone())
            .build()
            .unwrap();
        let settings = TokenSourceSettings::new()
            .params(CreateTokenParams::new().seconds_until_expiration(600))
            .refresh_policy(
                RefreshPolicy::new()
                    .margin(Duration::from_secs(60))
                    .jitter(Duration::ZERO),
            )
            .clock(clock.clone());
        let source = TokenSource::with_settings(client, settings);
        let first = source.get().await.unwrap();
        clock.advance(Duration::from_secs(539));
        assert_eq!(source.get().await.unwrap().id, first.id);
        assert_eq!(emulator.stored_tokens(), 1);
        clock.advance(Duration::from_secs(1));
        emulator.advance(Duration::from_secs(540));
        let second = source.get().await.unwrap();
        assert_ne!(second.id, first.id);
        assert_eq!(emulator.stored_tokens(), 2);
        assert_eq!(source.get().await.unwrap().id, second.id);

        source.invalidate();
        let third = source.get().await.unwrap();
        assert_ne!(third.id, second.id);
        assert_eq!(emulator.stored_tokens(), 3);
        let header = source.authorization_header().await.unwrap();
        assert!(header.is_sensitive());
        assert!(header.to_str().unwrap().starts_with("Bearer mt_"));
    }

    #[tokio::test]
    async fn a_never_expiring_token_is_reused_for_good() {
        let creates = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&creates);
        let client = Client::builder()
            .machine_secret_key("ak_test_x")
            .transport(move |_request: http::Request<Vec<u8>>| {
                seen.fetch_add(1, Ordering::SeqCst);
                async { answer(201, &token_json(None)) }
            })
            .build()
            .unwrap();
        let clock = ManualClock::starting_now();
        let source =
            TokenSource::with_settings(client, TokenSourceSettings::new().clock(clock.clone()));
        source.get().await.unwrap();
        clock.advance(Duration::from_secs(10 * 365 * 86_400));
        source.get().await.unwrap();
        assert_eq!(creates.load(Ordering::SeqCst), 1);
    }

    /// A client whose creates wait for a permit, then answer with `script(n)`.
    fn gated(
        script: impl Fn(usize) -> Result<http::Response<Vec<u8>>, TransportError>
            + Send
            + Sync
            + 'static,
    ) -> (Client, Arc<AtomicUsize>, Arc<tokio::sync::Semaphore>) {
        let creates = Arc::new(AtomicUsize::new(0));
        let permits = Arc::new(tokio::sync::Semaphore::new(0));
        let (seen, gate, script) = (Arc::clone(&creates), Arc::clone(&permits), Arc::new(script));
        let client = Client::builder()
            .machine_secret_key("ak_test_x")
            .transport(move |_request: http::Request<Vec<u8>>| {
                let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
                let (gate, script) = (Arc::clone(&gate), Arc::clone(&script));
                async move {
                    gate.acquire()
                        .await
                        .map_err(TransportError::other)?
                        .forget();
                    script(n)
                }
            })
            .build()
            .unwrap();
        (client, creates, permits)
    }

    async fn settle() {
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_failed_create_reaches_every_waiter_and_is_retried_after_the_backoff() {
        let (client, creates, permits) = gated(|n| match n {
            1 => answer(500, r#"{"errors":[{"code":"boom","message":"boom"}]}"#),
            _ => answer(201, &token_json(Some(4_102_444_800_000))),
        });
        let clock = ManualClock::starting_now();
        let source =
            TokenSource::with_settings(client, TokenSourceSettings::new().clock(clock.clone()));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let source = source.clone();
                tokio::spawn(async move { source.get().await })
            })
            .collect();
        settle().await;
        assert_eq!(creates.load(Ordering::SeqCst), 1);
        permits.add_permits(1);
        let mut errors = Vec::new();
        for task in tasks {
            errors.push(task.await.unwrap().unwrap_err());
        }
        assert_eq!(creates.load(Ordering::SeqCst), 1, "create is not retried");
        assert!(matches!(errors[0], Error::Api { .. }), "{:?}", errors[0]);
        assert!(
            errors
                .iter()
                .all(|error| error.to_string() == errors[0].to_string()
                    && error.code() == Some("boom")),
            "one shared error"
        );
        // During the backoff (at most 1 s after a first failure) callers get
        // the same error at once, without a create.
        permits.add_permits(1);
        let during = source.get().await.unwrap_err();
        assert_eq!(during.code(), Some("boom"));
        assert_eq!(creates.load(Ordering::SeqCst), 1);

        clock.advance(Duration::from_secs(1));
        let token = source.get().await.unwrap();
        assert_eq!(token.subject, "mch_1");
        assert_eq!(creates.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_does_not_cancel_the_create() {
        let (client, creates, permits) = gated(|_| answer(201, &token_json(None)));
        let source = TokenSource::new(client);
        // The first caller starts the create, then gives up.
        tokio::select! {
            biased;
            _ = source.get() => unreachable!("the create is held"),
            () = settle() => {}
        }
        assert_eq!(creates.load(Ordering::SeqCst), 1);
        let waiter = {
            let source = source.clone();
            tokio::spawn(async move { source.get().await })
        };
        settle().await;
        permits.add_permits(1);
        let token = waiter.await.unwrap().unwrap();
        assert_eq!(token.subject, "mch_1");
        assert_eq!(
            creates.load(Ordering::SeqCst),
            1,
            "the first create landed for everyone"
        );
    }
}

/// The blocking `TokenSource` (threads).
mod blocking_source {
    use super::{answer, token_json};
    use clerk_m2m::blocking::{Client, TokenSource};
    use clerk_m2m::CreateTokenParams;
    use clerk_m2m::ManualClock;
    use clerk_m2m::{Error, RetryPolicy};
    use clerk_m2m::{RefreshPolicy, TokenSourceSettings};
    use clerk_m2m_emulator::{Emulator, EmulatorHandle};
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    fn client(emulator: &EmulatorHandle) -> Client {
        Client::builder()
            .base_url(emulator.url())
            .machine_secret_key(emulator.machines()[0].secret_key().clone())
            .build()
            .unwrap()
    }

    /// `threads` threads calling `get` at once; their results.
    fn concurrently(
        source: &TokenSource,
        threads: usize,
    ) -> Vec<Result<Arc<clerk_m2m::M2mToken>, Error>> {
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (source, barrier) = (source.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    source.get()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("no panic"))
            .collect()
    }

    #[test]
    fn two_hundred_concurrent_gets_on_a_cold_source_create_once() {
        let emulator = Emulator::start().unwrap();
        let settings = TokenSourceSettings::new()
            .params(CreateTokenParams::new().seconds_until_expiration(600));
        let source = TokenSource::with_settings(client(&emulator), settings);
        let ids: HashSet<_> = concurrently(&source, 200)
            .into_iter()
            .map(|result| result.unwrap().id.clone())
            .collect();
        assert_eq!(ids.len(), 1);
        assert_eq!(emulator.stored_tokens(), 1, "exactly one create");
    }

    #[test]
    fn an_expiring_source_is_replaced_once_by_concurrent_threads() {
        let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
        let clock = ManualClock::new(emulator.now());
        let settings = TokenSourceSettings::new()
            .params(CreateTokenParams::new().seconds_until_expiration(600))
            .refresh_policy(RefreshPolicy::new().jitter(Duration::ZERO))
            .clock(clock.clone());
        let source = TokenSource::with_settings(client(&emulator), settings);
        let first = source.get().unwrap();
        clock.advance(Duration::from_secs(540));
        emulator.advance(Duration::from_secs(540));
        let ids: HashSet<_> = concurrently(&source, 200)
            .into_iter()
            .map(|result| result.unwrap().id.clone())
            .collect();
        assert_eq!(ids.len(), 1);
        assert!(!ids.contains(&first.id));
        assert_eq!(emulator.stored_tokens(), 2, "one replacement");
    }

    #[test]
    fn the_token_is_replaced_at_the_refresh_margin() {
        let emulator = Emulator::builder().frozen_clock(true).start().unwrap();
        let clock = ManualClock::new(emulator.now());
        let settings = TokenSourceSettings::new()
            .params(CreateTokenParams::new().seconds_until_expiration(600))
            .refresh_policy(
                RefreshPolicy::new()
                    .margin(Duration::from_secs(60))
                    .jitter(Duration::ZERO),
            )
            .clock(clock.clone());
        let source = TokenSource::with_settings(client(&emulator), settings);
        assert_eq!(
            source.settings().policy().get_margin(),
            Duration::from_secs(60)
        );
        let first = source.get().unwrap();
        clock.advance(Duration::from_secs(539));
        assert_eq!(source.get().unwrap().id, first.id);
        assert_eq!(emulator.stored_tokens(), 1);
        clock.advance(Duration::from_secs(1));
        emulator.advance(Duration::from_secs(540));
        let second = source.get().unwrap();
        assert_ne!(second.id, first.id);
        assert_eq!(emulator.stored_tokens(), 2);
        assert_eq!(source.get().unwrap().id, second.id);

        source.invalidate();
        let third = source.get().unwrap();
        assert_ne!(third.id, second.id);
        assert_eq!(emulator.stored_tokens(), 3);
        let header = source.authorization_header().unwrap();
        assert!(header.is_sensitive());
        assert!(header.to_str().unwrap().starts_with("Bearer mt_"));
        assert!(!format!("{source:?}").contains("mt_"), "no token in Debug");
    }

    #[test]
    fn a_never_expiring_token_is_reused_for_good() {
        let creates = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&creates);
        let client = Client::builder()
            .machine_secret_key("ak_test_x")
            .transport(move |_request: http::Request<Vec<u8>>| {
                seen.fetch_add(1, Ordering::SeqCst);
                answer(201, &token_json(None))
            })
            .build()
            .unwrap();
        let clock = ManualClock::starting_now();
        let source =
            TokenSource::with_settings(client, TokenSourceSettings::new().clock(clock.clone()));
        source.get().unwrap();
        clock.advance(Duration::from_secs(10 * 365 * 86_400));
        source.get().unwrap();
        assert_eq!(creates.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_failed_create_is_shared_and_retried_after_the_backoff() {
        let creates = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&creates);
        let client = Client::builder()
            .machine_secret_key("ak_test_x")
            .retry_policy(RetryPolicy::never())
            .transport(move |_request: http::Request<Vec<u8>>| {
                match seen.fetch_add(1, Ordering::SeqCst) {
                    0 => answer(500, r#"{"errors":[{"code":"boom","message":"boom"}]}"#),
                    _ => answer(201, &token_json(Some(4_102_444_800_000))),
                }
            })
            .build()
            .unwrap();
        let clock = ManualClock::starting_now();
        let source =
            TokenSource::with_settings(client, TokenSourceSettings::new().clock(clock.clone()));
        let error = source.get().unwrap_err();
        assert!(matches!(error, Error::Api { .. }), "{error:?}");
        assert_eq!(creates.load(Ordering::SeqCst), 1);
        // During the backoff the error comes back at once, without a create.
        for result in concurrently(&source, 20) {
            assert_eq!(result.unwrap_err().code(), Some("boom"));
        }
        assert_eq!(creates.load(Ordering::SeqCst), 1);
        // After it, the next get tries again; concurrent threads share the token.
        clock.advance(Duration::from_secs(1));
        for result in concurrently(&source, 50) {
            assert_eq!(result.unwrap().subject, "mch_1");
        }
        assert_eq!(creates.load(Ordering::SeqCst), 2);
    }
}
