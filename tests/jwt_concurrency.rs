//! Local JWT verification under concurrency that each client meets in its
//! own way: async callers that give up (their futures dropped) while the
//! JWKS fetch they wait for runs, verification futures crossing threads,
//! and a transport that panics in the middle of a fetch (the async client's
//! fetch is a task of its own; the blocking client's runs on the calling
//! thread, which the panic unwinds). Everything else about JWTs is played
//! by both clients in the `client_table` binary.

#[path = "drivers/mod.rs"]
mod drivers;
mod support;

use clerk_m2m::{Config, ManualClock};
use clerk_m2m_emulator::EmulatorHandle;
use drivers::Counts;
use serde_json::json;
use std::sync::Arc;
use support::emulator::{instance_config_builder, mint_jwt, start_emulator};

/// An emulator, a JWT it minted, a manual clock, and the config of a client
/// that verifies with the emulator's JWKS on that clock.
fn with_jwks() -> (EmulatorHandle, String, ManualClock, Config) {
    let emulator = start_emulator();
    let jwt = mint_jwt(&emulator, json!({}));
    let clock = ManualClock::starting_now();
    let config = instance_config_builder(&emulator)
        .clock(clock.clone())
        .build()
        .unwrap();
    (emulator, jwt, clock, config)
}

mod async_client {
    use super::*;
    use clerk_m2m::{Client, Error, VerifyTokenParams};
    use std::time::Duration;

    /// A counting client (JWKS requests held at the gate when `gated`).
    fn counting(config: Config, gated: bool) -> (Client, Arc<Counts>) {
        let counts = if gated {
            Counts::gated()
        } else {
            Counts::new()
        };
        let client = drivers::counting_async(config, &counts).unwrap();
        (client, counts)
    }

    #[tokio::test]
    async fn callers_that_give_up_do_not_cancel_the_fetch() {
        let (emulator, jwt, _clock, config) = with_jwks();
        let (client, counts) = counting(config, true);

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
        counts.until_jwks_answered(1).await;
        let verified = client.verify_token_str(&jwt).await.unwrap();
        assert_eq!(verified.subject, emulator.machines()[0].id());
        assert_eq!((counts.jwks(), counts.other()), (1, 0));
    }

    #[tokio::test]
    async fn a_panicking_transport_releases_the_verifications_waiting_for_its_fetch() {
        let (_emulator, jwt, clock, config) = with_jwks();
        let (client, counts) = counting(config, false);
        counts.panic_once();
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

    #[test]
    fn verification_futures_can_cross_threads() {
        fn send<T: Send>(_: T) {}
        let config = Config::builder().secret_key("sk_test_x").build().unwrap();
        let client = Client::new(config).unwrap();
        send(client.verify_token(VerifyTokenParams::new("mt_value")));
        send(client.verify_token_str("mt_value"));
    }
}

mod blocking_client {
    use super::*;
    use clerk_m2m::Error;
    use std::sync::Barrier;
    use std::time::Duration;

    #[test]
    fn a_panicking_transport_releases_the_threads_waiting_for_its_fetch() {
        let (_emulator, jwt, clock, config) = with_jwks();
        let counts = Counts::new();
        let client = drivers::counting_blocking(config, &counts).unwrap();
        counts.panic_once();
        let barrier = Arc::new(Barrier::new(50));
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
}
