//! The blocking client over real loopback HTTP: the exact requests it sends
//! for every call, and the typed error it returns for every kind of bad
//! answer. No async runtime is involved (except in the one test that shows
//! the client also works from inside one).

mod support;

use clerk_m2m::blocking::{Client, UreqTransport};
use clerk_m2m::{
    CreateTokenParams, Delivery, Error, ListTokensParams, RetryPolicy, RevokeTokenParams,
    TokenFormat, TransportErrorKind, VerifyTokenParams,
};
use clerk_m2m::{RetryAfter, USER_AGENT};
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{RecordedRequest, Reply, ScriptedServer, TOKEN_JSON};

const KEY: &str = "ak_test_client_key";
const TOKEN_ID: &str = "mt_0123456789abcdef0123456789abcdef";
const TOKEN_VALUE: &str = "mt_opaquetokenvalue0123456789abcdefghijklmnopqrstuv";
const MACHINE: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const LIST_JSON: &str = r#"{"m2m_tokens":[{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":[],"claims":{"role":"reader"},"revoked":false,"revocation_reason":null,"expired":false,"expiration":1716883200000,"last_used_at":1716880000000,"created_at":1716879600000,"updated_at":1716879600000}],"total_count":1}"#;
const DEFAULT_CREATE_BODY: &str =
    r#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#;

fn client(server: &ScriptedServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .build()
        .expect("client")
}

/// A client whose retries wait 10 ms instead of 200 ms, to keep tests quick.
fn quick_client(server: &ScriptedServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(10)))
        .build()
        .expect("client")
}

/// A client with a short per-attempt timeout, for servers that never answer.
fn impatient_client(server: &ScriptedServer, attempt: Duration, call: Duration) -> Client {
    let transport = UreqTransport::builder()
        .attempt_timeout(attempt)
        .build()
        .expect("transport");
    Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .transport(transport)
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(10)))
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
    for name in ["authorization", "user-agent", "content-type"] {
        let count = request.headers.iter().filter(|(n, _)| n == name).count();
        assert_eq!(count, 1, "{name} sent {count} times");
    }
}

fn assert_create(request: &RecordedRequest, key: &str, body: &str) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/m2m_tokens");
    assert_eq!(request.query, None);
    assert_common_headers(request, key);
    assert_eq!(
        request.header("content-length"),
        Some(&*body.len().to_string())
    );
    assert_eq!(request.body_str(), body);
}

fn transport_kind(error: &Error) -> TransportErrorKind {
    error
        .transport_error()
        .unwrap_or_else(|| panic!("expected a transport error, got {error:?}"))
        .kind()
}

fn delivery(error: &Error) -> Delivery {
    error
        .transport_error()
        .unwrap_or_else(|| panic!("expected a transport error, got {error:?}"))
        .delivery()
}

// ---- create: the three seed examples and the body variants ----

#[test]
fn create_default_opaque_token() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    let token = client(&server)
        .create_token(CreateTokenParams::new())
        .unwrap();
    assert_create(&server.single_request(), KEY, DEFAULT_CREATE_BODY);
    assert_eq!(token.id, TOKEN_ID);
    assert_eq!(token.subject, MACHINE);
    assert_eq!(
        token.token.as_ref().map(|value| value.expose_secret()),
        Some(TOKEN_VALUE)
    );
    assert_eq!(token.expiration, None);
    assert!(!token.revoked);
}

#[test]
fn create_jwt_token() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(CreateTokenParams::new().token_format(TokenFormat::Jwt))
        .unwrap();
    assert_create(
        &server.single_request(),
        KEY,
        r#"{"seconds_until_expiration":null,"claims":null,"token_format":"jwt"}"#,
    );
}

#[test]
fn create_with_a_per_call_machine_secret_key() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(CreateTokenParams::new().machine_secret_key("ak_test_other_machine"))
        .unwrap();
    assert_create(
        &server.single_request(),
        "ak_test_other_machine",
        DEFAULT_CREATE_BODY,
    );
}

#[test]
fn create_with_expiry_and_camel_case_nested_claims() {
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
        .unwrap();
    assert_create(
        &server.single_request(),
        KEY,
        r#"{"seconds_until_expiration":3600,"claims":{"role":"reader","tenantId":"t_42","permissionSet":{"canRead":true,"maxItems":10,"subScopes":["a","b"]}},"token_format":"opaque"}"#,
    );
}

#[test]
fn create_sends_explicit_nulls() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(CreateTokenParams::new().claims(json!({"optionalField": null})))
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

#[test]
fn create_with_min_remaining_ttl_seconds() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    client(&server)
        .create_token(
            CreateTokenParams::new()
                .seconds_until_expiration(600)
                .min_remaining_ttl_seconds(60),
        )
        .unwrap();
    assert_create(
        &server.single_request(),
        KEY,
        r#"{"seconds_until_expiration":600,"claims":null,"min_remaining_ttl_seconds":60,"token_format":"opaque"}"#,
    );
}

#[test]
fn invalid_params_never_reach_the_server() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    let client = client(&server);
    let error = client
        .revoke_token(RevokeTokenParams::new(TOKEN_VALUE))
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert_eq!(error.attempts(), 0);
    let error = client
        .create_token(CreateTokenParams::new().seconds_until_expiration(0))
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(server.requests().is_empty());
}

// ---- list, revoke, verify ----

#[test]
fn list_without_filters() {
    let server = ScriptedServer::start(Reply::json(200, LIST_JSON));
    let list = client(&server)
        .list_tokens(ListTokensParams::new(MACHINE))
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
    assert_eq!(list.tokens[0].expiration, Some(1_716_883_200_000));
    assert_eq!(list.tokens[0].last_used_at, Some(1_716_880_000_000));
    assert!(list.tokens[0].token.is_none());
}

#[test]
fn list_with_filters() {
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
    assert!(request.body.is_empty());
    assert_eq!(list.tokens.len(), 1);
    assert_eq!(list.total_count, 1);
}

#[test]
fn list_drops_false_and_zero_filters() {
    let server = ScriptedServer::start(Reply::json(200, LIST_JSON));
    client(&server)
        .list_tokens(
            ListTokensParams::new(MACHINE)
                .revoked(false)
                .expired(false)
                .offset(0),
        )
        .unwrap();
    assert_eq!(
        server.single_request().query.as_deref(),
        Some(&*format!("subject={MACHINE}"))
    );
}

#[test]
fn revoke_without_and_with_a_reason() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let client = client(&server);
    client
        .revoke_token(RevokeTokenParams::new(TOKEN_ID))
        .unwrap();
    client
        .revoke_token(RevokeTokenParams::new(TOKEN_ID).revocation_reason("compromised"))
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

#[test]
fn verify_posts_the_token() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let token = client(&server)
        .verify_token(VerifyTokenParams::new(TOKEN_VALUE))
        .unwrap();
    let request = server.single_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/m2m_tokens/verify");
    assert_eq!(request.query, None);
    assert_common_headers(&request, KEY);
    assert_eq!(
        request.body_str(),
        format!(r#"{{"token":"{TOKEN_VALUE}"}}"#)
    );
    assert_eq!(token.subject, MACHINE);
}

#[test]
fn verify_with_a_per_call_key() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    client(&server)
        .verify_token(VerifyTokenParams::new(TOKEN_VALUE).machine_secret_key("ak_test_receiver"))
        .unwrap();
    assert_common_headers(&server.single_request(), "ak_test_receiver");
}

#[test]
fn the_version_header_and_path_prefix_are_configurable() {
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
        .unwrap();
    let request = server.single_request();
    assert_eq!(request.path, "/v1/m2m_tokens/verify");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk_test_instance")
    );
    assert_eq!(request.header("clerk-api-version"), Some("2025-04-10"));
}

#[test]
fn calls_reuse_one_pooled_connection() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let client = client(&server);
    for _ in 0..3 {
        client
            .verify_token(VerifyTokenParams::new("mt_value"))
            .unwrap();
    }
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn a_client_is_shared_between_threads() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let client = client(&server);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let client = client.clone();
            scope.spawn(move || {
                client
                    .verify_token(VerifyTokenParams::new("mt_value"))
                    .unwrap()
            });
        }
    });
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test(flavor = "current_thread")]
async fn works_from_inside_an_async_runtime() {
    // No runtime of its own: it blocks this thread and returns, no panic.
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let token = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap();
    assert_eq!(token.id, TOKEN_ID);
}

// ---- API errors ----

#[test]
fn client_errors_keep_everything_clerk_sent() {
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
        let result = match status {
            409 => client.create_token(CreateTokenParams::new()).map(drop),
            400 => client.list_tokens(ListTokensParams::new(MACHINE)).map(drop),
            403 => client
                .revoke_token(RevokeTokenParams::new(TOKEN_ID))
                .map(drop),
            _ => client
                .verify_token(VerifyTokenParams::new("mt_value"))
                .map(drop),
        };
        let error = result.unwrap_err();
        assert!(matches!(error, Error::Api { .. }), "{status}: {error:?}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.code(), Some(code));
        assert_eq!(error.trace_id(), Some(&*format!("trace-{status}")));
        assert_eq!(error.attempts(), 1, "{status} must not be retried");
        let api = error.api_error().unwrap();
        assert!(!api.is_retryable());
        assert_eq!(api.errors()[0].message, format!("short {status}"));
        assert_eq!(
            api.errors()[0].long_message.as_deref(),
            Some(&*format!("long {status}"))
        );
        assert_eq!(
            api.errors()[0].meta.as_ref().unwrap()["param_name"],
            format!("p{status}")
        );
        assert!(error.to_string().contains("after 1 attempt"), "{error}");
        assert_eq!(server.requests().len(), 1, "{status}");
    }
}

#[test]
fn the_trace_id_falls_back_to_cf_ray() {
    let server = ScriptedServer::start(
        Reply::json(
            404,
            r#"{"errors":[{"code":"resource_not_found","message":"nope"}]}"#,
        )
        .header("cf-ray", "8a1b2c3d4e5f-AMS"),
    );
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    assert_eq!(error.code(), Some("resource_not_found"));
    assert_eq!(error.trace_id(), Some("8a1b2c3d4e5f-AMS"));
}

#[test]
fn a_json_error_with_a_charset_parameter_is_parsed() {
    let server = ScriptedServer::start(Reply::with(
        422,
        "application/json; charset=utf-8",
        br#"{"errors":[{"code":"form_param_value_invalid","message":"bad limit"}],"clerk_trace_id":"t"}"#,
    ));
    let error = client(&server)
        .list_tokens(ListTokensParams::new(MACHINE))
        .unwrap_err();
    assert_eq!(error.code(), Some("form_param_value_invalid"));
    assert_eq!(error.trace_id(), Some("t"));
}

#[test]
fn a_success_with_a_charset_parameter_is_parsed() {
    let server = ScriptedServer::start(Reply::with(
        200,
        "application/json; charset=utf-8",
        TOKEN_JSON.as_bytes(),
    ));
    let token = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap();
    assert_eq!(token.id, TOKEN_ID);
}

#[test]
fn a_429_with_retry_after_seconds_is_waited_out_even_for_create() {
    let server = ScriptedServer::ok();
    server.push([Reply::json(
        429,
        r#"{"errors":[{"code":"too_many_requests","message":"slow down"}]}"#,
    )
    .header("retry-after", "1")]);
    let started = Instant::now();
    let token = client(&server)
        .create_token(CreateTokenParams::new())
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(token.id, TOKEN_ID);
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "a 429 was not processed: retried once");
    assert_eq!(requests[0].body, requests[1].body);
}

#[test]
fn a_429_waiting_past_the_deadline_is_returned_at_once() {
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
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(error.code(), Some("too_many_requests"));
    assert_eq!(
        error.api_error().unwrap().retry_after(),
        Some(RetryAfter::Seconds(120))
    );
    assert!(error.api_error().unwrap().is_retryable());
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_429_with_an_http_date() {
    // A date already past: retry at once.
    let server = ScriptedServer::ok();
    let past = http_date(SystemTime::now() - Duration::from_secs(30));
    server.push([Reply::json(429, "{}").header("retry-after", &past)]);
    client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap();
    assert_eq!(server.requests().len(), 2);

    // A date beyond the deadline: the 429 comes back with the date.
    let future = http_date(SystemTime::now() + Duration::from_secs(600));
    let server = ScriptedServer::start(Reply::json(429, "{}").header("retry-after", &future));
    let started = Instant::now();
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
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

#[test]
fn create_is_sent_exactly_once_on_a_500() {
    let server = ScriptedServer::start(Reply::json(
        500,
        r#"{"errors":[{"code":"internal_clerk_error","message":"oops"}]}"#,
    ));
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .unwrap_err();
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    assert_eq!(
        error.status(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(error.code(), Some("internal_clerk_error"));
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_500_is_not_retried_for_idempotent_calls_either() {
    let server = ScriptedServer::start(Reply::json(500, r#"{"errors":[]}"#));
    let error = quick_client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_502_with_an_html_body() {
    let html = b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>";
    let server =
        ScriptedServer::start(Reply::with(502, "text/html", html).header("cf-ray", "ray-502"));
    let error = quick_client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
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
    let error = quick_client(&server)
        .create_token(CreateTokenParams::new())
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::BAD_GATEWAY));
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_503_then_success_takes_two_attempts() {
    let server = ScriptedServer::ok();
    server.push([Reply::json(503, r#"{"errors":[]}"#)]);
    let token = quick_client(&server)
        .revoke_token(RevokeTokenParams::new(TOKEN_ID))
        .unwrap();
    assert_eq!(token.id, TOKEN_ID);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
}

#[test]
fn malformed_json_in_a_success_is_a_decode_error() {
    let server = ScriptedServer::start(Reply::json(
        201,
        r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"#,
    ));
    let error = client(&server)
        .create_token(CreateTokenParams::new())
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

#[test]
fn malformed_json_in_an_error_keeps_a_snippet() {
    let server = ScriptedServer::start(Reply::json(400, r#"{"errors":[{"code":"#));
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::BAD_REQUEST));
    assert_eq!(error.code(), None);
    assert_eq!(
        error.api_error().unwrap().body_snippet(),
        Some(r#"{"errors":[{"code":"#)
    );
}

#[test]
fn an_empty_body() {
    let server = ScriptedServer::start(Reply::json(200, ""));
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_eq!(error.status(), Some(http::StatusCode::OK));

    let server = ScriptedServer::start(Reply::with(401, "application/json", b""));
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(error.code(), None);
    assert_eq!(error.api_error().unwrap().body_snippet(), Some(""));
}

#[test]
fn a_redirect_is_returned_not_followed() {
    let server = ScriptedServer::start(
        Reply::with(307, "text/plain", b"elsewhere").header("location", "http://127.0.0.1:9/x"),
    );
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::TEMPORARY_REDIRECT));
    assert_eq!(server.requests().len(), 1);
}

// ---- transport failures ----

#[test]
fn a_body_over_the_cap_is_refused() {
    let big = vec![b'x'; 1024 * 1024 + 1];
    let server = ScriptedServer::start(Reply::with(201, "application/json", &big));
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::BodyTooLarge { limit: 1024 * 1024 }
    );
    assert_eq!(delivery(&error), Delivery::MaybeSent);
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);

    // Exactly at the cap is fine (a decode error here: it is not JSON).
    let server = ScriptedServer::start(Reply::with(200, "application/json", &big[1..]));
    let error = client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}

#[test]
fn the_body_cap_is_configurable() {
    let server = ScriptedServer::start(Reply::json(200, TOKEN_JSON));
    let transport = UreqTransport::builder().max_body_bytes(64).build().unwrap();
    let client = Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .transport(transport)
        .build()
        .unwrap();
    let error = client
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    assert_eq!(
        transport_kind(&error),
        TransportErrorKind::BodyTooLarge { limit: 64 }
    );
}

#[test]
fn create_is_sent_exactly_once_on_a_reset_after_the_request() {
    let server = ScriptedServer::ok();
    server.push([Reply::Reset]);
    let error = client(&server)
        .create_token(CreateTokenParams::new())
        .unwrap_err();
    assert_eq!(transport_kind(&error), TransportErrorKind::ConnectionLost);
    assert_eq!(delivery(&error), Delivery::MaybeSent);
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1, "create must not be resent");
    assert_create(&server.single_request(), KEY, DEFAULT_CREATE_BODY);
}

#[test]
fn a_reset_is_retried_for_idempotent_calls() {
    let server = ScriptedServer::ok();
    server.push([Reply::Reset]);
    let token = quick_client(&server)
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap();
    assert_eq!(token.id, TOKEN_ID);
    assert_eq!(server.requests().len(), 2);

    let server = ScriptedServer::start(Reply::Reset);
    let error = quick_client(&server)
        .list_tokens(ListTokensParams::new(MACHINE))
        .unwrap_err();
    assert_eq!(transport_kind(&error), TransportErrorKind::ConnectionLost);
    assert_eq!(error.attempts(), 3);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_server_that_never_answers_times_out_within_the_deadline() {
    // A blocking attempt is bounded by the transport's attempt timeout.
    let server = ScriptedServer::start(Reply::Hang);
    let client = impatient_client(&server, Duration::from_millis(300), Duration::from_secs(10));
    let started = Instant::now();
    let error = client.create_token(CreateTokenParams::new()).unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(transport_kind(&error), TransportErrorKind::Timeout);
    assert_eq!(delivery(&error), Delivery::MaybeSent);
    assert_eq!(
        error.attempts(),
        1,
        "a create that may have arrived is not resent"
    );
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(server.requests().len(), 1);

    // Verify retries, each attempt cut at 300 ms, all within the deadline.
    let server = ScriptedServer::start(Reply::Hang);
    let client = impatient_client(&server, Duration::from_millis(300), Duration::from_secs(10));
    let started = Instant::now();
    let error = client
        .verify_token(VerifyTokenParams::new("mt_value"))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(transport_kind(&error), TransportErrorKind::Timeout);
    assert_eq!(error.attempts(), 3);
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_refused_connection_is_retried_even_for_create() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .base_url(url)
        .machine_secret_key(KEY)
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(10)))
        .build()
        .unwrap();
    let error = client.create_token(CreateTokenParams::new()).unwrap_err();
    assert_eq!(transport_kind(&error), TransportErrorKind::Connect);
    assert_eq!(delivery(&error), Delivery::NotSent);
    assert_eq!(error.attempts(), 3);
}

#[test]
fn create_after_the_server_closed_an_idle_pooled_connection() {
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));
    let client = client(&server);
    client.create_token(CreateTokenParams::new()).unwrap();
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

    let token = client.create_token(CreateTokenParams::new()).unwrap();
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
