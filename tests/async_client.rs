//! The async client over real loopback HTTP: the exact requests it sends for
//! every call, and the typed error it returns for every kind of bad answer.

mod support;

use clerk_m2m::{
    Client, CreateTokenParams, Delivery, Error, ListTokensParams, ReqwestTransport, RetryPolicy,
    RevokeTokenParams, TokenFormat, TransportErrorKind, VerifyTokenParams,
};
use clerk_m2m::{RetryAfter, USER_AGENT};
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{RecordedRequest, Reply, ScriptedServer, TOKEN_JSON};

const KEY: &str = "ak_test_client_key";
const TOKEN_ID: &str = "mt_0123456789abcdef0123456789abcdef";
const MACHINE: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const LIST_JSON: &str = r#"{"m2m_tokens":[{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":[],"claims":{"role":"reader"},"revoked":false,"revocation_reason":null,"expired":false,"expiration":1716883200000,"last_used_at":1716880000000,"created_at":1716879600000,"updated_at":1716879600000}],"total_count":1}"#;

fn client(server: &ScriptedServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .build()
        .expect("client")
}

/// A client with short transport timeouts, for servers that never answer.
fn impatient_client(server: &ScriptedServer, attempt: Duration, call: Duration) -> Client {
    let transport = ReqwestTransport::builder()
        .attempt_timeout(attempt)
        .build()
        .expect("transport");
    Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .transport(transport)
        .call_timeout(call)
        .build()
        .expect("client")
}

/// The headers `@clerk/backend` sends on every call, and nothing that leaks.
fn assert_common_headers(request: &RecordedRequest, key: &str) {
    let expected_authorization = format!("Bearer {key}");
    assert_eq!(
        request.header("authorization"),
        Some(expected_authorization.as_str())
    );
    assert_eq!(request.header("clerk-api-version"), Some("2026-05-12"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("clerk-m2m-rust/"));
    let allowed = [
        "host",
        "authorization",
        "clerk-api-version",
        "content-type",
        "user-agent",
        "accept",
        "content-length",
    ];
    for (name, _) in &request.headers {
        assert!(allowed.contains(&name.as_str()), "unexpected header {name}");
    }
}

fn assert_create(request: &RecordedRequest, key: &str, body: &str) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/m2m_tokens");
    assert_eq!(request.query, None);
    assert_common_headers(request, key);
    assert_eq!(request.body_str(), body);
}

fn transport_kind(error: &Error) -> TransportErrorKind {
    error
        .transport_error()
        .unwrap_or_else(|| panic!("expected a transport error, got {error:?}"))
        .kind()
}

// ---- create: the three seed examples and the body variants ----

#[tokio::test]
async fn create_default_opaque_token() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    let token = client(&server)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap();
    assert_create(
        &server.single_request(),
        KEY,
        r#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#,
    );
    assert_eq!(token.id, TOKEN_ID);
    assert_eq!(token.subject, MACHINE);
    assert_eq!(
        token.token.as_ref().map(|value| value.expose_secret()),
        Some("mt_opaquetokenvalue0123456789abcdefghijklmnopqrstuv")
    );
    assert_eq!(token.expiration, None);
}

#[tokio::test]
async fn create_jwt_token() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(CreateTokenParams::new().token_format(TokenFormat::Jwt))
        .await
        .unwrap();
    assert_create(
        &server.single_request(),
        KEY,
        r#"{"seconds_until_expiration":null,"claims":null,"token_format":"jwt"}"#,
    );
}

#[tokio::test]
async fn create_with_a_per_call_machine_secret_key() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(CreateTokenParams::new().machine_secret_key("ak_test_other_machine"))
        .await
        .unwrap();
    assert_create(
        &server.single_request(),
        "ak_test_other_machine",
        r#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#,
    );
}

#[tokio::test]
async fn create_with_expiry_and_camel_case_nested_claims() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(
            CreateTokenParams::new()
                .seconds_until_expiration(3600)
                .claims(json!({
                    "role": "reader",
                    "tenantId": "t_42",
                    "permissionSet": {"canRead": true, "maxItems": 10, "subScopes": ["a", "b"]}
                })),
        )
        .await
        .unwrap();
    assert_create(
        &server.single_request(),
        KEY,
        r#"{"seconds_until_expiration":3600,"claims":{"role":"reader","tenantId":"t_42","permissionSet":{"canRead":true,"maxItems":10,"subScopes":["a","b"]}},"token_format":"opaque"}"#,
    );
}

#[tokio::test]
async fn create_sends_explicit_nulls() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(CreateTokenParams::new().claims(json!({"optionalField": null})))
        .await
        .unwrap();
    let request = server.single_request();
    assert_create(
        &request,
        KEY,
        r#"{"seconds_until_expiration":null,"claims":{"optionalField":null},"token_format":"opaque"}"#,
    );
    let body = request.json();
    let object = body.as_object().unwrap();
    assert!(object["seconds_until_expiration"].is_null());
    assert!(!object.contains_key("min_remaining_ttl_seconds"));
}

#[tokio::test]
async fn create_with_min_remaining_ttl_seconds() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(
            CreateTokenParams::new()
                .seconds_until_expiration(600)
                .min_remaining_ttl_seconds(60),
        )
        .await
        .unwrap();
    assert_create(
        &server.single_request(),
        KEY,
        r#"{"seconds_until_expiration":600,"claims":null,"min_remaining_ttl_seconds":60,"token_format":"opaque"}"#,
    );
}

// ---- list, revoke, verify ----

#[tokio::test]
async fn list_without_filters() {
    let server = ScriptedServer::start(Reply::json(200, LIST_JSON));
    let list = client(&server)
        .list_tokens(ListTokensParams::new(MACHINE))
        .await
        .unwrap();
    let request = server.single_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/m2m_tokens");
    assert_eq!(
        request.query.as_deref(),
        Some(&*format!("subject={MACHINE}"))
    );
    assert_common_headers(&request, KEY);
    assert!(request.body.is_empty());
    assert_eq!(list.total_count, 1);
    assert_eq!(list.tokens[0].id, TOKEN_ID);
    assert_eq!(list.tokens[0].last_used_at, Some(1_716_880_000_000));
    assert!(list.tokens[0].token.is_none());
}

#[tokio::test]
async fn list_with_filters() {
    let data_shape = LIST_JSON.replace("m2m_tokens", "data");
    let server = ScriptedServer::start(Reply::json(200, &data_shape));
    let list = client(&server)
        .list_tokens(
            ListTokensParams::new(MACHINE)
                .revoked(true)
                .expired(true)
                .limit(20)
                .offset(40),
        )
        .await
        .unwrap();
    let request = server.single_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/m2m_tokens");
    assert_eq!(
        request.query.as_deref(),
        Some(&*format!(
            "subject={MACHINE}&revoked=true&expired=true&limit=20&offset=40"
        ))
    );
    assert_common_headers(&request, KEY);
    assert_eq!(list.tokens.len(), 1);
}

#[tokio::test]
async fn revoke_without_and_with_a_reason() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let client = client(&server);
    client
        .revoke_token(RevokeTokenParams::new(TOKEN_ID))
        .await
        .unwrap();
    client
        .revoke_token(RevokeTokenParams::new(TOKEN_ID).revocation_reason("compromised"))
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for (request, body) in requests.iter().zip([
        r#"{"revocation_reason":null}"#,
        r#"{"revocation_reason":"compromised"}"#,
    ]) {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, format!("/m2m_tokens/{TOKEN_ID}/revoke"));
        assert_eq!(request.query, None);
        assert_common_headers(request, KEY);
        assert_eq!(request.body_str(), body);
    }
}

#[tokio::test]
async fn verify_posts_the_token() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let token_value = "mt_opaquetokenvalue0123456789abcdefghijklmnopqrstuv";
    let token = client(&server)
        .verify_token(VerifyTokenParams::new(token_value))
        .await
        .unwrap();
    let request = server.single_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/m2m_tokens/verify");
    assert_eq!(request.query, None);
    assert_common_headers(&request, KEY);
    assert_eq!(
        request.body_str(),
        format!(r#"{{"token":"{token_value}"}}"#)
    );
    assert_eq!(token.subject, MACHINE);
}

#[tokio::test]
async fn the_version_header_and_path_prefix_are_configurable() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let client = Client::builder()
        .base_url(format!("{}/", server.url()))
        .secret_key("sk_test_instance")
        .api_version("2025-04-10")
        .m2m_path_prefix("/v1")
        .build()
        .unwrap();
    client
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap();
    let request = server.single_request();
    assert_eq!(request.path, "/v1/m2m_tokens/verify");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk_test_instance")
    );
    assert_eq!(request.header("clerk-api-version"), Some("2025-04-10"));
}

// ---- API errors ----

#[tokio::test]
async fn client_errors_keep_everything_clerk_sent() {
    let cases = [
        (400, "form_param_invalid"),
        (401, "machine_secret_key_invalid"),
        (403, "authorization_invalid"),
        (404, "resource_not_found"),
        (409, "duplicate_record"),
        (422, "form_param_value_invalid"),
    ];
    for (status, code) in cases {
        let body = format!(
            r#"{{"errors":[{{"message":"short {status}","long_message":"long {status}","code":"{code}","meta":{{"param_name":"p{status}"}}}}],"clerk_trace_id":"trace-{status}"}}"#
        );
        let server = ScriptedServer::start(Reply::json(status, &body));
        let client = client(&server);
        let result = if status == 409 {
            client
                .create_token(CreateTokenParams::new())
                .await
                .map(drop)
        } else {
            client
                .verify_token(VerifyTokenParams::new("mt_value"))
                .await
                .map(drop)
        };
        let error = result.unwrap_err();
        assert!(matches!(error, Error::Api { .. }), "{status}: {error:?}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.code(), Some(code));
        assert_eq!(error.trace_id(), Some(&*format!("trace-{status}")));
        assert_eq!(error.attempts(), 1, "{status} must not be retried");
        let api = error.api_error().unwrap();
        assert_eq!(api.errors()[0].message, format!("short {status}"));
        assert_eq!(
            api.errors()[0].long_message.as_deref(),
            Some(&*format!("long {status}"))
        );
        assert_eq!(
            api.errors()[0].meta.as_ref().unwrap()["param_name"],
            format!("p{status}")
        );
        assert_eq!(server.requests().len(), 1, "{status}");
    }
}

#[tokio::test]
async fn the_trace_id_falls_back_to_cf_ray() {
    let server = ScriptedServer::start(
        Reply::json(
            404,
            r#"{"errors":[{"code":"resource_not_found","message":"nope"}]}"#,
        )
        .header("cf-ray", "8a1b2c3d4e5f-AMS"),
    );
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap_err();
    assert_eq!(error.trace_id(), Some("8a1b2c3d4e5f-AMS"));
}

#[tokio::test]
async fn a_json_error_with_a_charset_parameter_is_parsed() {
    let server = ScriptedServer::start(Reply::with(
        422,
        "application/json; charset=utf-8",
        br#"{"errors":[{"code":"form_param_value_invalid","message":"bad limit"}],"clerk_trace_id":"t"}"#,
    ));
    let error = client(&server)
        .list_tokens(ListTokensParams::new(MACHINE))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("form_param_value_invalid"));
    assert_eq!(error.trace_id(), Some("t"));
}

#[tokio::test]
async fn a_success_with_a_charset_parameter_is_parsed() {
    let server = ScriptedServer::start(Reply::with(
        200,
        "application/json; charset=utf-8",
        TOKEN_JSON.as_bytes(),
    ));
    let token = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap();
    assert_eq!(token.id, TOKEN_ID);
}

#[tokio::test]
async fn a_429_with_retry_after_seconds_is_waited_out() {
    let server = ScriptedServer::ok();
    server.push([Reply::json(
        429,
        r#"{"errors":[{"code":"too_many_requests","message":"slow down"}]}"#,
    )
    .header("retry-after", "1")]);
    let started = Instant::now();
    let token = client(&server)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap();
    assert_eq!(token.id, TOKEN_ID);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(started.elapsed() < Duration::from_secs(10));
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "a 429 was not processed: retried once");
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn a_429_waiting_past_the_deadline_is_returned_at_once() {
    let server = ScriptedServer::start(
        Reply::json(
            429,
            r#"{"errors":[{"code":"too_many_requests","message":"slow down"}]}"#,
        )
        .header("retry-after", "120"),
    );
    let started = Instant::now();
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(error.code(), Some("too_many_requests"));
    assert_eq!(
        error.api_error().unwrap().retry_after(),
        Some(RetryAfter::Seconds(120))
    );
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn a_429_with_an_http_date() {
    // A date already past: retry at once.
    let server = ScriptedServer::ok();
    let past = http_date(SystemTime::now() - Duration::from_secs(30));
    server.push([Reply::json(429, "{}").header("retry-after", &past)]);
    client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);

    // A date beyond the deadline: the 429 comes back with the date.
    let future = http_date(SystemTime::now() + Duration::from_secs(600));
    let server = ScriptedServer::start(Reply::json(429, "{}").header("retry-after", &future));
    let started = Instant::now();
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
    match error.api_error().unwrap().retry_after() {
        Some(RetryAfter::At(at)) => {
            let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
            assert!(wait > Duration::from_secs(500), "{wait:?}");
        }
        other => panic!("expected an HTTP-date, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn create_is_sent_exactly_once_on_a_500() {
    let server = ScriptedServer::start(Reply::json(
        500,
        r#"{"errors":[{"code":"internal_clerk_error","message":"oops"}]}"#,
    ));
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(error.code(), Some("internal_clerk_error"));
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_502_with_an_html_body() {
    let html = b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>";
    let server =
        ScriptedServer::start(Reply::with(502, "text/html", html).header("cf-ray", "ray-502"));
    let quick = Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(10)))
        .build()
        .unwrap();
    let error = quick
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::BAD_GATEWAY));
    assert_eq!(error.attempts(), 3, "502 is retried for verify");
    assert_eq!(server.requests().len(), 3);
    let api = error.api_error().unwrap();
    assert!(api.errors().is_empty());
    assert_eq!(api.trace_id(), Some("ray-502"));
    assert!(api.body_snippet().unwrap().contains("502 Bad Gateway"));

    // Create is never retried on a 502: the token may have been minted.
    let server = ScriptedServer::start(Reply::with(502, "text/html", html));
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn malformed_json_in_a_success_is_a_decode_error() {
    let server = ScriptedServer::start(Reply::json(
        201,
        r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"#,
    ));
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    match &error {
        Error::Decode {
            source, attempts, ..
        } => {
            assert_eq!(source.status(), http::StatusCode::CREATED);
            assert_eq!(
                source.body_snippet(),
                r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"#
            );
            assert_eq!(*attempts, 1);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_empty_body() {
    let server = ScriptedServer::start(Reply::json(200, ""));
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_eq!(error.status(), Some(http::StatusCode::OK));

    let server = ScriptedServer::start(Reply::with(401, "application/json", b""));
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(error.code(), None);
    assert_eq!(error.api_error().unwrap().body_snippet(), Some(""));
}

// ---- transport failures ----

#[tokio::test]
async fn a_body_over_the_cap_is_refused() {
    let big = vec![b'x'; 1024 * 1024 + 1];
    let server = ScriptedServer::start(Reply::with(201, "application/json", &big));
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::BodyTooLarge { limit: 1024 * 1024 }
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);

    // Exactly at the cap is fine (a decode error here: it is not JSON).
    let server = ScriptedServer::start(Reply::with(200, "application/json", &big[1..]));
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn create_is_sent_exactly_once_on_a_reset_after_the_request() {
    let server = ScriptedServer::ok();
    server.push([Reply::Reset]);
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&error), TransportErrorKind::ConnectionLost);
    assert_eq!(
        error.transport_error().unwrap().delivery(),
        Delivery::MaybeSent
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1, "create must not be resent");
}

#[tokio::test]
async fn a_reset_is_retried_for_idempotent_calls() {
    let server = ScriptedServer::ok();
    server.push([Reply::Reset]);
    let token = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap();
    assert_eq!(token.id, TOKEN_ID);
    assert_eq!(server.requests().len(), 2);

    let server = ScriptedServer::start(Reply::Reset);
    let error = client(&server)
        .list_tokens(ListTokensParams::new(MACHINE))
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&error), TransportErrorKind::ConnectionLost);
    assert_eq!(error.attempts(), 3);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_within_the_deadline() {
    // The call deadline ends it (the transport would wait 15 s).
    let server = ScriptedServer::start(Reply::Hang);
    let client = impatient_client(&server, Duration::from_secs(15), Duration::from_millis(500));
    let started = Instant::now();
    let error = client
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(transport_kind(&error), TransportErrorKind::Timeout);
    assert_eq!(error.attempts(), 1);
    assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(server.requests().len(), 1);

    // The per-attempt timeout ends each attempt; verify retries within the deadline.
    let server = ScriptedServer::start(Reply::Hang);
    let client = impatient_client(&server, Duration::from_millis(200), Duration::from_secs(5));
    let started = Instant::now();
    let error = client
        .verify_token(VerifyTokenParams::new("mt_value"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(transport_kind(&error), TransportErrorKind::Timeout);
    assert_eq!(error.attempts(), 3);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_create() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .base_url(url)
        .machine_secret_key(KEY)
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(10)))
        .build()
        .unwrap();
    let error = client
        .create_token(CreateTokenParams::new())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&error), TransportErrorKind::Connect);
    assert_eq!(
        error.transport_error().unwrap().delivery(),
        Delivery::NotSent
    );
    assert_eq!(error.attempts(), 3);
}

#[tokio::test]
async fn create_after_the_server_closed_an_idle_pooled_connection() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    let client = client(&server);
    client.create_token(CreateTokenParams::new()).await.unwrap();
    assert_eq!(server.connections_accepted(), 1);

    // The server's keep-alive timeout fires. Its connection thread marks the
    // connection idle right after writing the answer, which can trail the
    // client reading it by a moment: retry the close until it finds it.
    let mut closed = 0;
    for _ in 0..100_000 {
        closed = server.close_idle_connections();
        if closed > 0 {
            break;
        }
        std::thread::yield_now();
    }
    assert_eq!(closed, 1);

    let token = client.create_token(CreateTokenParams::new()).await.unwrap();
    assert_eq!(token.id, TOKEN_ID);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "the second create was sent exactly once");
    assert_eq!(requests[0].connection, 0);
    assert_eq!(requests[1].connection, 1, "on a fresh connection");
}

// ---- helpers ----

/// `time` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(time: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let seconds = time.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[test]
fn http_date_formats_the_rfc_example() {
    let example = UNIX_EPOCH + Duration::from_secs(784_111_777);
    assert_eq!(http_date(example), "Sun, 06 Nov 1994 08:49:37 GMT");
}
