//! The blocking driver's own waits; every other behaviour of the call loop
//! is played for both clients by `tests/client_table` and decided by
//! `clerk_m2m_types::driver::call`.

use crate::{
    Client, ListTokensParams, RetryPolicy, TransportError, TransportErrorKind, VerifyTokenParams,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1","token":"mt_secret_value","revoked":false,"revocation_reason":null,"expired":false,"expiration":null,"last_used_at":null,"created_at":1,"updated_at":1}"#;

type Answer = Result<http::Response<Vec<u8>>, TransportError>;

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// Backoff of a millisecond: retries without slowing the tests down.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
}

/// A client whose transport answers attempt `n` (1-based) with `script(n)`,
/// and the attempt counter.
fn scripted(script: impl Fn(u32) -> Answer + Send + Sync + 'static) -> (Client, Arc<AtomicU32>) {
    let attempts = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&attempts);
    let client = Client::builder()
        .machine_secret_key("ak_test_sentinel")
        .retry_policy(quick_retries())
        .transport(move |_request: http::Request<Vec<u8>>| {
            script(counter.fetch_add(1, Ordering::SeqCst) + 1)
        })
        .build()
        .unwrap();
    (client, attempts)
}

#[test]
fn retries_stop_at_the_deadline() {
    let client = Client::builder()
        .machine_secret_key("ak_test_sentinel")
        .call_timeout(Duration::from_millis(200))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(1000)
                .base_delay(Duration::from_millis(20))
                .max_delay(Duration::from_millis(20)),
        )
        .transport(|_request: http::Request<Vec<u8>>| -> Answer {
            Err(TransportError::new(TransportErrorKind::Connect))
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    // No wait starts past the deadline; the attempts here are instant.
    assert!(
        started.elapsed() <= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    assert!(error.attempts() > 1 && error.attempts() < 1000, "{error:?}");
    assert!(error.transport_error().is_some(), "{error:?}");
}

#[test]
fn no_attempt_starts_after_the_deadline() {
    // The transport itself takes longer than the whole call timeout: the
    // client cannot interrupt it, but does not start another attempt.
    let (client, attempts) = {
        let attempts = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&attempts);
        let client = Client::builder()
            .machine_secret_key("ak_test_sentinel")
            .call_timeout(Duration::from_millis(50))
            .retry_policy(quick_retries())
            .transport(move |_request: http::Request<Vec<u8>>| -> Answer {
                counter.fetch_add(1, Ordering::SeqCst);
                // Plays a transport whose own timeout is 60 ms.
                std::thread::sleep(Duration::from_millis(60));
                Err(TransportError::new(TransportErrorKind::Timeout))
            })
            .build()
            .unwrap();
        (client, attempts)
    };
    let error = client
        .list_tokens(ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"))
        .unwrap_err();
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(error.attempts(), 1);
    assert_eq!(
        error.transport_error().map(TransportError::kind),
        Some(TransportErrorKind::Timeout)
    );
}

#[cfg(not(feature = "ureq"))]
#[test]
fn without_ureq_a_transport_is_required() {
    assert_eq!(
        Client::builder().build().unwrap_err(),
        ConfigError::NoTransport
    );
}

#[cfg(feature = "ureq")]
#[test]
fn with_ureq_the_built_in_transport_is_the_default() {
    assert!(Client::builder().build().is_ok());
}

#[test]
fn clients_can_be_shared_between_threads() {
    fn send_sync_clone<T: Send + Sync + Clone + 'static>(_: &T) {}
    let (client, attempts) = scripted(|_| Ok(response(200, TOKEN)));
    send_sync_clone(&client);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.verify_token(VerifyTokenParams::new("mt_value")))
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 4);
}
