//! The async driver's own waits, with Tokio's paused clock; every other
//! behaviour of the call loop is played for both clients by
//! `tests/client_table` and decided by `clerk_m2m_types::driver::call`.

use crate::{
    Client, CreateTokenParams, Delivery, ListTokensParams, RetryPolicy, RevokeTokenParams,
    TransportError, TransportErrorKind, VerifyTokenParams,
};
use std::time::Duration;
use tokio::time::Instant;

type Answer = Result<http::Response<Vec<u8>>, TransportError>;

#[tokio::test(start_paused = true)]
async fn a_transport_that_never_answers_times_out_at_the_deadline() {
    let client = Client::builder()
        .machine_secret_key("ak_test_sentinel")
        .call_timeout(Duration::from_secs(10))
        .transport(|_request: http::Request<Vec<u8>>| std::future::pending::<Answer>())
        .build()
        .unwrap();
    for operation in ["create", "verify"] {
        let started = Instant::now();
        let result = match operation {
            "create" => client.create_token(CreateTokenParams::new()).await,
            _ => {
                client
                    .verify_token(VerifyTokenParams::new("mt_value"))
                    .await
            }
        };
        let error = result.unwrap_err();
        let transport = error.transport_error().expect("a transport error");
        assert_eq!(transport.kind(), TransportErrorKind::Timeout);
        assert_eq!(transport.delivery(), Delivery::MaybeSent);
        assert_eq!(error.attempts(), 1);
        assert_eq!(started.elapsed(), Duration::from_secs(10), "{operation}");
    }
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_deadline() {
    let client = Client::builder()
        .machine_secret_key("ak_test_sentinel")
        .call_timeout(Duration::from_secs(1))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(100)
                .base_delay(Duration::from_millis(100))
                .max_delay(Duration::from_millis(100)),
        )
        .transport(|_request: http::Request<Vec<u8>>| async {
            Err::<http::Response<Vec<u8>>, _>(TransportError::new(TransportErrorKind::Connect))
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap_err();
    assert!(started.elapsed() <= Duration::from_secs(1));
    assert!(error.attempts() > 1 && error.attempts() < 100, "{error:?}");
}

#[cfg(not(feature = "reqwest"))]
#[test]
fn without_reqwest_a_transport_is_required() {
    assert_eq!(
        Client::builder().build().unwrap_err(),
        ConfigError::NoTransport
    );
}

#[cfg(feature = "reqwest")]
#[test]
fn with_reqwest_the_built_in_transport_is_the_default() {
    assert!(Client::builder().build().is_ok());
}

#[test]
fn clients_and_their_futures_can_cross_threads() {
    fn send_sync_clone<T: Send + Sync + Clone + 'static>(_: &T) {}
    fn send<T: Send>(_: T) {}
    let client = Client::builder()
        .machine_secret_key("ak_x")
        .transport(|_request: http::Request<Vec<u8>>| std::future::pending::<Answer>())
        .build()
        .unwrap();
    send_sync_clone(&client);
    send(client.create_token(CreateTokenParams::new()));
    send(client.list_tokens(ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")));
    send(client.revoke_token(RevokeTokenParams::new(
        "mt_0123456789abcdef0123456789abcdef",
    )));
    send(client.verify_token(VerifyTokenParams::new("mt_value")));
}
