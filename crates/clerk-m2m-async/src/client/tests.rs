use crate::{
    Client, ConfigError, CreateTokenParams, Delivery, Error, ListTokensParams, RetryPolicy,
    RevokeTokenParams, TransportError, TransportErrorKind, VerifyTokenParams,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const TOKEN: &str = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1","token":"mt_secret_value","revoked":false,"revocation_reason":null,"expired":false,"expiration":null,"last_used_at":null,"created_at":1,"updated_at":1}"#;

type Answer = Result<http::Response<Vec<u8>>, TransportError>;

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// A client whose transport answers attempt `n` (1-based) with `script(n)`,
/// and the attempt counter.
fn scripted(script: impl Fn(u32) -> Answer + Send + Sync + 'static) -> (Client, Arc<AtomicU32>) {
    let attempts = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&attempts);
    let script = Arc::new(script);
    let client = Client::builder()
        .machine_secret_key("ak_test_sentinel")
        .transport(move |_request: http::Request<Vec<u8>>| {
            let attempt = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let script = Arc::clone(&script);
            async move { script(attempt) }
        })
        .build()
        .unwrap();
    (client, attempts)
}

#[tokio::test(start_paused = true)]
async fn a_503_then_200_takes_two_attempts() {
    let (client, attempts) = scripted(|attempt| match attempt {
        1 => Ok(response(503, r#"{"errors":[]}"#)),
        _ => Ok(response(200, TOKEN)),
    });
    let token = client
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap();
    assert_eq!(token.subject, "mch_1");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn idempotent_calls_give_up_after_three_attempts() {
    let (client, attempts) = scripted(|_| Ok(response(502, "<html>bad gateway</html>")));
    let error = client
        .list_tokens(ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), 3);
    assert_eq!(error.status(), Some(http::StatusCode::BAD_GATEWAY));
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn create_is_sent_once_on_a_500() {
    let (client, attempts) = scripted(|_| Ok(response(500, r#"{"errors":[]}"#)));
    let error = client
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api { attempts: 1, .. }), "{error:?}");
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn create_is_sent_once_when_the_request_may_have_left() {
    for kind in [
        TransportErrorKind::Timeout,
        TransportErrorKind::ConnectionLost,
        TransportErrorKind::Other,
    ] {
        let (client, attempts) = scripted(move |_| Err(TransportError::new(kind)));
        let error = client
            .create_token(CreateTokenParams::new())
            .await
            .unwrap_err();
        let transport = error.transport_error().unwrap();
        assert_eq!(transport.kind(), kind);
        assert_eq!(transport.delivery(), Delivery::MaybeSent);
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "{kind:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn create_is_retried_after_a_refused_connection() {
    let (client, attempts) = scripted(|attempt| match attempt {
        1 => Err(TransportError::new(TransportErrorKind::Connect)),
        _ => Ok(response(201, TOKEN)),
    });
    let token = client.create_token(CreateTokenParams::new()).await.unwrap();
    assert_eq!(token.id, "mt_0123456789abcdef0123456789abcdef");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn create_is_retried_after_a_429_honouring_retry_after() {
    let (client, attempts) = scripted(|attempt| match attempt {
        1 => Ok(http::Response::builder()
            .status(429)
            .header("retry-after", "3")
            .body(Vec::new())
            .unwrap()),
        _ => Ok(response(201, TOKEN)),
    });
    let started = Instant::now();
    client.create_token(CreateTokenParams::new()).await.unwrap();
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_deadline_returns_the_429_at_once() {
    let (client, attempts) = scripted(|_| {
        Ok(http::Response::builder()
            .status(429)
            .header("retry-after", "120")
            .body(Vec::new())
            .unwrap())
    });
    let started = Instant::now();
    let error = client
        .revoke_token(RevokeTokenParams::new(
            "mt_0123456789abcdef0123456789abcdef",
        ))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

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

#[tokio::test]
async fn invalid_params_never_reach_the_transport() {
    let (client, attempts) = scripted(|_| Ok(response(200, TOKEN)));
    let error = client
        .revoke_token(RevokeTokenParams::new("mt_secret_value_not_an_id"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }));
    assert_eq!(error.attempts(), 0);
    assert_eq!(attempts.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_request_carries_the_chosen_key_and_headers() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let client = Client::builder()
        .machine_secret_key("ak_client")
        .m2m_path_prefix("/v1")
        .transport(move |request: http::Request<Vec<u8>>| {
            let record = Arc::clone(&record);
            async move {
                let headers = request.headers();
                record.lock().unwrap().push((
                    request.method().clone(),
                    request.uri().to_string(),
                    headers["authorization"].to_str().unwrap().to_owned(),
                    headers["authorization"].is_sensitive(),
                    request.into_body(),
                ));
                Ok(response(201, TOKEN))
            }
        })
        .build()
        .unwrap();
    client
        .create_token(CreateTokenParams::new().machine_secret_key("ak_per_call"))
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    let (method, uri, authorization, sensitive, body) = &seen[0];
    assert_eq!(method, http::Method::POST);
    assert_eq!(uri, "https://api.clerk.com/v1/m2m_tokens");
    assert_eq!(authorization, "Bearer ak_per_call");
    assert!(sensitive);
    assert_eq!(
        body,
        br#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#
    );
}

#[test]
fn setters_override_the_config_whatever_the_order() {
    let config = crate::Config::builder()
        .base_url("http://from-config.example")
        .api_version("2025-01-01")
        .machine_secret_key("ak_config")
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url("http://from-setter.example/")
        .config(config)
        .transport(|_request: http::Request<Vec<u8>>| std::future::pending::<Answer>())
        .build()
        .unwrap();
    assert_eq!(client.config().base_url(), "http://from-setter.example");
    assert_eq!(client.config().api_version(), "2025-01-01");
    assert_eq!(
        client
            .config()
            .machine_secret_key()
            .unwrap()
            .expose_secret(),
        "ak_config"
    );
    assert_eq!(
        client.config().call_timeout(),
        clerk_m2m_types::DEFAULT_CALL_TIMEOUT
    );
}

#[test]
fn invalid_config_is_refused_at_build() {
    let error = Client::builder()
        .base_url("ftp://x")
        .transport(|_request: http::Request<Vec<u8>>| std::future::pending::<Answer>())
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::InvalidBaseUrl { .. }));
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
fn debug_shows_no_secret() {
    let client = Client::builder()
        .machine_secret_key("ak_test_sentinel")
        .secret_key("sk_test_sentinel");
    assert!(!format!("{client:?} {client:#?}").contains("sentinel"));
    let client = client
        .transport(|_request: http::Request<Vec<u8>>| std::future::pending::<Answer>())
        .build()
        .unwrap();
    assert!(!format!("{client:?} {client:#?}").contains("sentinel"));
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
