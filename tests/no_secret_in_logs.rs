//! No key, token value or JWT reaches any log or span, with the most
//! talkative common setup: a `tracing` subscriber at TRACE that also takes
//! the `log` crate's records (`tracing-log`), both clients' `tracing`
//! feature on, and a server that echoes secrets in its answers. Every call
//! runs on both clients: success, an API error and a retry, over loopback.
//!
//! One test function: the subscriber and the `log` bridge are process-wide.

#[path = "support/mod.rs"]
mod support;

use clerk_m2m::{CreateTokenParams, ListTokensParams, RevokeTokenParams, VerifyTokenParams};
use clerk_m2m::{Error, RetryPolicy};
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use support::{Reply, ScriptedServer};

// Test-only fake secrets, each long enough that ureq's 16-byte hex-dump rows
// would carry whole windows of it.
const MACHINE_KEY: &str = "ak_test_only_sentinel_machine_key_01234567890abcdef";
const SECRET_KEY: &str = "sk_test_only_sentinel_instance_key_1234567890abcdef";
const TOKEN_VALUE: &str = "mt_test_only_sentinel_token_value_234567890abcdefgh";
/// An M2M JWT (`sub` is a machine) with a test-only signature.
const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18xIiwidHlwIjoiSldUIn0.eyJzdWIiOiJtY2hfMnhoRmpFSTVYMnFXUnZ0VjEzQnpTajhINkRrIiwiZXhwIjo0MTAyNDQ0ODAwfQ.test_only_sentinel_jwt_signature_34567890abcdefghij";
const SENTINELS: [&str; 4] = [MACHINE_KEY, SECRET_KEY, TOKEN_VALUE, JWT];
/// Every window this long of a sentinel's secret part is searched for.
const WINDOW: usize = 12;

/// Everything the subscriber writes, shared with the test.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn clear(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install_trace_subscriber() -> Capture {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
    tracing_log::LogTracer::init().expect("first log bridge");
    capture
}

/// The windows of `sentinel` found in `text`: a leak, even one cut into
/// pieces by a hex dump, shows up here.
fn leaked_windows(text: &str, sentinel: &str) -> Vec<String> {
    // Past the shared prefix (`ak_test_only_`…), so a window is specific.
    let secret = &sentinel[13..];
    (0..=secret.len() - WINDOW)
        .map(|start| &secret[start..start + WINDOW])
        .filter(|window| text.contains(window))
        .map(str::to_owned)
        .collect()
}

fn token_json() -> String {
    support::TOKEN_JSON.replace(
        "mt_opaquetokenvalue0123456789abcdefghijklmnopqrstuv",
        TOKEN_VALUE,
    )
}

/// Replies for every call, in the order both drivers make them; each
/// answer echoes a secret in a header and in its body.
fn script(server: &ScriptedServer) {
    let echo = |reply: Reply| reply.header("x-echo", TOKEN_VALUE);
    let token = token_json();
    let list = format!(r#"{{"m2m_tokens":[{token}],"total_count":1}}"#);
    let api_error = format!(
        r#"{{"errors":[{{"message":"bad token {TOKEN_VALUE}","long_message":"key {MACHINE_KEY}","code":"form_param_format_invalid"}}]}}"#
    );
    let jwks = r#"{"keys":[]}"#;
    server.push([
        echo(Reply::json(201, &token)),     // create
        echo(Reply::json(200, &list)),      // list
        echo(Reply::json(200, &token)),     // revoke
        echo(Reply::json(200, &token)),     // verify (opaque, posted)
        echo(Reply::json(422, &api_error)), // create: an API error
        echo(Reply::json(503, &api_error)), // list: busy, retried…
        echo(Reply::json(200, &list)),      // …then answered
        echo(Reply::json(200, jwks)),       // verify (JWT): the JWKS fetch, no usable key
    ]);
}

const SUBJECT: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const TOKEN_ID: &str = "mt_0123456789abcdef0123456789abcdef";

fn retry_fast() -> RetryPolicy {
    RetryPolicy::default().base_delay(Duration::from_millis(1))
}

fn run_blocking(server: &ScriptedServer) {
    let client = clerk_m2m::blocking::Client::builder()
        .base_url(server.url())
        .machine_secret_key(MACHINE_KEY)
        .secret_key(SECRET_KEY)
        .retry_policy(retry_fast())
        .build()
        .expect("client");
    let created = client
        .create_token(CreateTokenParams::new())
        .expect("create");
    assert_eq!(
        created.token.as_ref().map(|t| t.expose_secret()),
        Some(TOKEN_VALUE)
    );
    client
        .list_tokens(ListTokensParams::new(SUBJECT))
        .expect("list");
    client
        .revoke_token(RevokeTokenParams::new(TOKEN_ID))
        .expect("revoke");
    client
        .verify_token(VerifyTokenParams::new(TOKEN_VALUE))
        .expect("verify");
    let error = client.create_token(CreateTokenParams::new()).unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422));
    let retried = client.list_tokens(ListTokensParams::new(SUBJECT));
    assert_eq!(retried.expect("list after a retry").total_count, 1);
    let error = client
        .verify_token(VerifyTokenParams::new(JWT))
        .unwrap_err();
    assert!(matches!(error, Error::Jwks { .. }), "{error:?}");
}

fn run_async(server: &ScriptedServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = clerk_m2m::Client::builder()
            .base_url(server.url())
            .machine_secret_key(MACHINE_KEY)
            .secret_key(SECRET_KEY)
            .retry_policy(retry_fast())
            .build()
            .expect("client");
        let created = client
            .create_token(CreateTokenParams::new())
            .await
            .expect("create");
        assert_eq!(
            created.token.as_ref().map(|t| t.expose_secret()),
            Some(TOKEN_VALUE)
        );
        client
            .list_tokens(ListTokensParams::new(SUBJECT))
            .await
            .expect("list");
        client
            .revoke_token(RevokeTokenParams::new(TOKEN_ID))
            .await
            .expect("revoke");
        client
            .verify_token(VerifyTokenParams::new(TOKEN_VALUE))
            .await
            .expect("verify");
        let error = client
            .create_token(CreateTokenParams::new())
            .await
            .unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(422));
        let retried = client.list_tokens(ListTokensParams::new(SUBJECT)).await;
        assert_eq!(retried.expect("list after a retry").total_count, 1);
        let error = client
            .verify_token(VerifyTokenParams::new(JWT))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Jwks { .. }), "{error:?}");
    });
}

/// The capture would see a leak: ureq used directly, outside the
/// transport, dumps the raw exchange at TRACE.
fn assert_the_capture_sees_a_raw_ureq_exchange(capture: &Capture) {
    let server = ScriptedServer::start(Reply::json(200, &token_json()));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(format!("{}/m2m_tokens", server.url()))
        .header("authorization", format!("Bearer {MACHINE_KEY}"))
        .call()
        .expect("bare ureq call");
    response.body_mut().read_to_vec().expect("body");
    let text = capture.text();
    assert!(
        !leaked_windows(&text, MACHINE_KEY).is_empty(),
        "the capture misses ureq's wire log:\n{text}"
    );
    assert!(!leaked_windows(&text, TOKEN_VALUE).is_empty());
    capture.clear();
}

#[test]
fn no_secret_reaches_a_trace_subscriber_that_bridges_log() {
    let capture = install_trace_subscriber();
    assert_the_capture_sees_a_raw_ureq_exchange(&capture);

    let server = ScriptedServer::start(Reply::json(500, "{}"));
    script(&server);
    run_blocking(&server);
    script(&server);
    run_async(&server);
    assert_eq!(server.requests().len(), 16, "every call reached the server");

    let text = capture.text();
    // The capture was live: our attempt spans and the HTTP libraries' own
    // records are in it.
    assert!(text.contains("clerk_m2m.attempt"), "{text}");
    assert!(text.contains("TRACE"), "{text}");
    assert!(text.contains("reqwest") || text.contains("hyper"), "{text}");
    for sentinel in SENTINELS {
        let leaked = leaked_windows(&text, sentinel);
        assert!(
            leaked.is_empty(),
            "{} leaked ({leaked:?}) into:\n{text}",
            &sentinel[..3]
        );
    }
}
