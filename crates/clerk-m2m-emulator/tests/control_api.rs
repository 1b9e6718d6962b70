//! The control API (`/_emulator/…`) over HTTP against the built binary, as
//! a test suite written in another language drives it: every route, the
//! instance-key guard, the journal, faults as a client sees them, minting
//! and state import/export.

mod common;

use clerk_m2m_types::{CreateTokenParams, Error, ListTokensParams, VerifyTokenParams};
use common::process::Binary;
use common::Conn;
use serde_json::{json, Value};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A blocking client acting as machine `machine`, with the instance key for the JWKS.
fn client(emulator: &Binary, machine: usize) -> clerk_m2m_blocking::Client {
    clerk_m2m_blocking::Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machine_key(machine))
        .secret_key(emulator.instance_key())
        .build()
        .expect("client")
}

fn create(emulator: &Binary, machine: usize, body: &Value) -> Value {
    let reply = emulator.call(
        "POST",
        "/m2m_tokens",
        Some(&emulator.machine_key(machine)),
        Some(body),
    );
    assert_eq!(
        reply.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

fn journal(emulator: &Binary) -> Vec<Value> {
    let reply = emulator.control("GET", "/_emulator/requests", None);
    assert_eq!(reply.status, 200);
    reply.json()["requests"].as_array().unwrap().clone()
}

/// Every control route (method, path, a valid body).
fn control_routes(machine_id: &str) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("POST", "/_emulator/reset".into(), None),
        ("GET", "/_emulator/clock".into(), None),
        (
            "POST",
            "/_emulator/clock".into(),
            Some(json!({"advance_seconds": 1})),
        ),
        (
            "POST",
            "/_emulator/faults".into(),
            Some(json!({"kind": "empty_body", "count": 1})),
        ),
        ("DELETE", "/_emulator/faults".into(), None),
        ("GET", "/_emulator/rate_limit".into(), None),
        (
            "PUT",
            "/_emulator/rate_limit".into(),
            Some(json!({"requests": 5, "window_seconds": 10})),
        ),
        ("GET", "/_emulator/requests".into(), None),
        ("GET", "/_emulator/requests?since=0".into(), None),
        ("DELETE", "/_emulator/requests".into(), None),
        (
            "POST",
            "/_emulator/tokens".into(),
            Some(json!({ "machine_id": machine_id })),
        ),
        ("GET", "/_emulator/state".into(), None),
        ("PUT", "/_emulator/state".into(), Some(json!({}))),
        ("POST", "/_emulator/state/save".into(), None),
    ]
}

#[test]
fn health_is_open_and_every_other_route_needs_the_instance_key() {
    let emulator = Binary::start(&[]);
    let health = emulator.call("GET", "/_emulator/health", None, None);
    assert_eq!(health.status, 200);
    assert_eq!(
        health.json(),
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    // One API request, so that the journal has something in it.
    create(&emulator, 0, &json!({}));

    let machine_key = emulator.machine_key(0);
    let machine_id = emulator.machine_id(0);
    for (method, path, body) in control_routes(&machine_id) {
        for (key, code) in [
            (None, "authorization_header_format_invalid"),
            (Some(machine_key.as_str()), "clerk_key_invalid"),
            (Some("sk_test_not_this_instance"), "clerk_key_invalid"),
            (
                Some("ak_test_not_this_instance"),
                "machine_secret_key_invalid",
            ),
        ] {
            let reply = emulator.call(method, &path, key, body.as_ref());
            assert_eq!(reply.status, 401, "{method} {path} with {key:?}");
            assert_eq!(reply.error_code(), code, "{method} {path}");
        }
    }
    // Nothing happened: the token is still there, and no control call is journaled.
    let entries = journal(&emulator);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["path"], "/m2m_tokens");
    let unknown = emulator.control("GET", "/_emulator/nothing", None);
    assert_eq!(
        (unknown.status, unknown.error_code()),
        (404, "resource_not_found".into())
    );
    let wrong_method = emulator.control("DELETE", "/_emulator/clock", None);
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("allow"), Some("GET, POST"));
    assert_eq!(journal(&emulator).len(), 1);
    assert!(emulator.terminate().success());
}

#[test]
fn control_routes_are_never_faulted_rate_limited_or_journaled() {
    let emulator = Binary::start(&[]);
    let limit = emulator.control(
        "PUT",
        "/_emulator/rate_limit",
        Some(&json!({"requests": 1, "window_seconds": 3600})),
    );
    assert_eq!(limit.status, 200);
    assert_eq!(
        limit.json(),
        json!({"rate_limit": {"requests": 1, "window_seconds": 3600}})
    );
    let fault = emulator.control(
        "POST",
        "/_emulator/faults",
        Some(&json!({"kind": "status", "status": 503, "count": 1})),
    );
    assert_eq!(fault.json(), json!({"pending": 1}));
    for _ in 0..5 {
        assert_eq!(
            emulator.control("GET", "/_emulator/clock", None).status,
            200
        );
        assert_eq!(
            emulator
                .control("GET", "/_emulator/rate_limit", None)
                .status,
            200
        );
    }
    let key = emulator.machine_key(0);
    let body = json!({});
    // The fault waited for an API request; the limit counts API requests only.
    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            emulator
                .call("POST", "/m2m_tokens", Some(&key), Some(&body))
                .status
        })
        .collect();
    assert_eq!(statuses, [503, 201, 429]);
    assert_eq!(journal(&emulator).len(), 3);
    assert!(emulator.terminate().success());
}

#[test]
fn advancing_the_clock_expires_a_token() {
    let emulator = Binary::start(&[]);
    let reading = emulator.control("GET", "/_emulator/clock", None).json();
    assert_eq!(reading["frozen"], false);
    assert!(reading["now_ms"].as_i64().unwrap() > 1_700_000_000_000);
    let frozen = emulator
        .control("POST", "/_emulator/clock", Some(&json!({"frozen": true})))
        .json();
    assert_eq!(frozen["frozen"], true);
    let still = emulator.control("GET", "/_emulator/clock", None).json();
    assert_eq!(still["now_ms"], frozen["now_ms"]);

    let a = client(&emulator, 0);
    let b = client(&emulator, 1);
    let token = a
        .create_token(CreateTokenParams::new().seconds_until_expiration(60))
        .unwrap();
    let value = token.token.clone().unwrap();
    assert_eq!(
        b.verify_token(VerifyTokenParams::new(value.clone()))
            .unwrap()
            .id,
        token.id
    );
    let advanced = emulator
        .control(
            "POST",
            "/_emulator/clock",
            Some(&json!({"advance_seconds": 59.5})),
        )
        .json();
    assert_eq!(
        advanced["now_ms"].as_i64().unwrap(),
        frozen["now_ms"].as_i64().unwrap() + 59_500
    );
    assert!(b
        .verify_token(VerifyTokenParams::new(value.clone()))
        .is_ok());
    emulator.control(
        "POST",
        "/_emulator/clock",
        Some(&json!({"advance_seconds": 0.5})),
    );
    let expired = b.verify_token(VerifyTokenParams::new(value)).unwrap_err();
    assert!(matches!(expired, Error::Api { .. }), "{expired:?}");
    assert_eq!(expired.status().map(|status| status.as_u16()), Some(404));

    let set = emulator
        .control(
            "POST",
            "/_emulator/clock",
            Some(&json!({"now_ms": 1_900_000_000_000_i64})),
        )
        .json();
    assert_eq!(
        set,
        json!({"now_ms": 1_900_000_000_000_i64, "frozen": true})
    );
    let thawed = emulator
        .control("POST", "/_emulator/clock", Some(&json!({"frozen": false})))
        .json();
    assert_eq!(thawed["frozen"], false);
    let bad = emulator.control(
        "POST",
        "/_emulator/clock",
        Some(&json!({"advance_seconds": -1})),
    );
    assert_eq!(
        (bad.status, bad.error_code(), bad.param_name()),
        (
            422,
            "form_param_value_invalid".into(),
            Some("advance_seconds".into())
        )
    );
    assert!(emulator.terminate().success());
}

fn inject(emulator: &Binary, fault: Value) {
    let reply = emulator.control("POST", "/_emulator/faults", Some(&fault));
    assert_eq!(reply.status, 200, "{:?}", reply.json());
}

fn clear_faults(emulator: &Binary) {
    let reply = emulator.control("DELETE", "/_emulator/faults", None);
    assert_eq!(reply.json(), json!({"pending": 0}));
}

#[test]
fn each_fault_kind_reaches_a_client_as_its_typed_error() {
    let emulator = Binary::start(&[]);
    let a = client(&emulator, 0);
    let create = || a.create_token(CreateTokenParams::new());
    // Enough faults for every attempt the client may make.
    let count = 10;

    inject(
        &emulator,
        json!({"kind": "status", "status": 503, "count": count}),
    );
    let unavailable = create().unwrap_err();
    assert!(matches!(unavailable, Error::Api { .. }), "{unavailable:?}");
    assert_eq!(unavailable.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(unavailable.code(), Some("emulator_fault"));
    clear_faults(&emulator);

    inject(&emulator, json!({"kind": "malformed_body", "count": count}));
    let malformed = create().unwrap_err();
    assert!(matches!(malformed, Error::Decode { .. }), "{malformed:?}");
    clear_faults(&emulator);

    inject(&emulator, json!({"kind": "empty_body", "count": count}));
    let empty = create().unwrap_err();
    assert!(matches!(empty, Error::Decode { .. }), "{empty:?}");
    clear_faults(&emulator);

    emulator.control("DELETE", "/_emulator/requests", None);
    inject(
        &emulator,
        json!({"kind": "drop_connection", "count": count}),
    );
    let dropped = create().unwrap_err();
    assert!(matches!(dropped, Error::Transport { .. }), "{dropped:?}");
    clear_faults(&emulator);
    // Each dropped create was processed: its token exists and is listed.
    let minted: Vec<Value> = journal(&emulator)
        .into_iter()
        .map(|entry| entry["token_id"].clone())
        .collect();
    assert!(
        !minted.is_empty() && minted.iter().all(Value::is_string),
        "{minted:?}"
    );
    let listed = a
        .list_tokens(ListTokensParams::new(emulator.machine_id(0)))
        .unwrap();
    for id in &minted {
        assert!(listed.tokens.iter().any(|token| token.id == *id), "{id}");
    }

    // Retry-After reaches the wire.
    inject(
        &emulator,
        json!({"kind": "status", "status": 429, "retry_after_seconds": 2, "count": 1}),
    );
    let throttled = emulator.call("POST", "/m2m_tokens", Some(&emulator.machine_key(0)), None);
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("retry-after"), Some("2"));

    // A delay: nothing within 200 ms of a 1.5 s delay, then the real answer.
    inject(
        &emulator,
        json!({"kind": "delay", "delay_ms": 1500, "count": 1}),
    );
    let mut stream = TcpStream::connect(emulator.addr).unwrap();
    write!(
        stream,
        "POST /m2m_tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Connection: close\r\nContent-Length: 0\r\n\r\n",
        emulator.machine_key(0)
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut first = [0u8; 1];
    let early = stream.read(&mut first).unwrap_err();
    assert!(
        matches!(early.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{early:?}"
    );
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201 "), "{answer}");

    // A fault aimed at one route leaves the others alone.
    inject(
        &emulator,
        json!({"kind": "status", "status": 500, "count": 1, "route": "POST /m2m_tokens/verify"}),
    );
    let key = emulator.machine_key(0);
    let created = emulator.call("POST", "/m2m_tokens", Some(&key), None);
    assert_eq!(created.status, 201);
    let value = created.json()["token"].clone();
    let verify = |emulator: &Binary| {
        emulator
            .call(
                "POST",
                "/v1/m2m_tokens/verify",
                Some(&emulator.machine_key(1)),
                Some(&json!({ "token": value })),
            )
            .status
    };
    assert_eq!(verify(&emulator), 500);
    assert_eq!(verify(&emulator), 200);
    let bad = emulator.control(
        "POST",
        "/_emulator/faults",
        Some(&json!({"kind": "status", "count": 1, "route": "nowhere"})),
    );
    assert_eq!(bad.status, 422);
    assert_eq!(bad.param_name().as_deref(), Some("route"));
    assert!(emulator.terminate().success());
}

#[test]
fn rate_limit_route_limits_and_lifts() {
    let emulator = Binary::start(&[]);
    emulator.control("POST", "/_emulator/clock", Some(&json!({"frozen": true})));
    assert_eq!(
        emulator
            .control("GET", "/_emulator/rate_limit", None)
            .json(),
        json!({"rate_limit": null})
    );
    emulator.control(
        "PUT",
        "/_emulator/rate_limit",
        Some(&json!({"requests": 2, "window_seconds": 60})),
    );
    let key = emulator.machine_key(0);
    let mut conn = Conn::open(emulator.addr).unwrap();
    let mut create = || {
        conn.send(
            "POST",
            "/m2m_tokens",
            &[("Authorization", &format!("Bearer {key}"))],
            None,
        )
        .unwrap()
    };
    assert_eq!(create().status, 201);
    assert_eq!(create().status, 201);
    let limited = create();
    assert_eq!(limited.status, 429);
    assert_eq!(limited.error_code(), "too_many_requests");
    assert!(limited.header("retry-after").is_some());
    let lifted = emulator.control("PUT", "/_emulator/rate_limit", Some(&Value::Null));
    assert_eq!(lifted.json(), json!({"rate_limit": null}));
    assert_eq!(create().status, 201);
    for (body, param) in [
        (json!({"requests": 0, "window_seconds": 60}), "requests"),
        (
            json!({"requests": 1, "window_seconds": 0}),
            "window_seconds",
        ),
        (json!({"requests": 1}), "window_seconds"),
    ] {
        let refused = emulator.control("PUT", "/_emulator/rate_limit", Some(&body));
        assert_eq!(refused.status, 422, "{body}");
        assert_eq!(refused.param_name().as_deref(), Some(param), "{body}");
    }
    assert!(emulator.terminate().success());
}

/// The journal fields but `seq`.
fn entry(method: &str, path: &str, caller: Value, status: u16, token_id: Value) -> Value {
    json!({"method": method, "path": path, "caller": caller, "status": status, "token_id": token_id})
}

#[test]
fn the_journal_records_a_scripted_sequence_exactly_and_never_a_key() {
    let emulator = Binary::start(&[]);
    emulator.control("POST", "/_emulator/clock", Some(&json!({"frozen": true})));
    let (a_key, b_key, sk) = (
        emulator.machine_key(0),
        emulator.machine_key(1),
        emulator.instance_key(),
    );
    let (a_id, b_id) = (emulator.machine_id(0), emulator.machine_id(1));

    let token = create(&emulator, 0, &json!({"claims": {"step": 1}}));
    let token_id = token["id"].as_str().unwrap().to_owned();
    let value = token["token"].as_str().unwrap().to_owned();
    emulator.control("GET", "/_emulator/clock", None);
    let listed = emulator.call(
        "GET",
        &format!("/m2m_tokens?subject={a_id}"),
        Some(&sk),
        None,
    );
    assert_eq!(listed.status, 200);
    let verified = emulator.call(
        "POST",
        "/v1/m2m_tokens/verify",
        Some(&b_key),
        Some(&json!({ "token": value })),
    );
    assert_eq!(verified.status, 200);
    assert_eq!(
        emulator
            .call("POST", "/m2m_tokens", None, Some(&json!({})))
            .status,
        401
    );
    assert_eq!(
        emulator.call("GET", "/nope", Some(&b_key), None).status,
        404
    );
    inject(
        &emulator,
        json!({"kind": "status", "status": 503, "count": 1, "route": "POST /m2m_tokens"}),
    );
    assert_eq!(
        emulator
            .call("POST", "/m2m_tokens", Some(&a_key), None)
            .status,
        503
    );
    emulator.control(
        "PUT",
        "/_emulator/rate_limit",
        Some(&json!({"requests": 1, "window_seconds": 60})),
    );
    assert_eq!(
        emulator.call("GET", "/v1/jwks", Some(&sk), None).status,
        200
    );
    assert_eq!(
        emulator.call("GET", "/v1/jwks", Some(&sk), None).status,
        429
    );
    emulator.control("PUT", "/_emulator/rate_limit", Some(&Value::Null));
    // Secrets in a path or a query are never recorded.
    assert_eq!(
        emulator
            .call(
                "POST",
                &format!("/m2m_tokens/{value}/revoke"),
                Some(&a_key),
                None
            )
            .status,
        400
    );
    assert_eq!(
        emulator
            .call(
                "GET",
                &format!("/m2m_tokens?subject={b_id}&leaked={sk}"),
                Some(&b_key),
                None
            )
            .status,
        200
    );

    let entries = journal(&emulator);
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let first = seqs[0];
    assert_eq!(seqs, (first..first + 10).collect::<Vec<_>>());
    let without_seq: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.as_object_mut().unwrap().remove("seq");
            e
        })
        .collect();
    let (a, b, instance) = (json!(a_id), json!(b_id), json!("instance"));
    assert_eq!(
        without_seq,
        [
            entry("POST", "/m2m_tokens", a.clone(), 201, json!(token_id)),
            entry(
                "GET",
                &format!("/m2m_tokens?subject={a_id}"),
                instance.clone(),
                200,
                Value::Null
            ),
            entry("POST", "/v1/m2m_tokens/verify", b.clone(), 200, Value::Null),
            entry("POST", "/m2m_tokens", Value::Null, 401, Value::Null),
            entry("GET", "/nope", b.clone(), 404, Value::Null),
            entry("POST", "/m2m_tokens", a.clone(), 503, Value::Null),
            entry("GET", "/v1/jwks", instance.clone(), 200, Value::Null),
            entry("GET", "/v1/jwks", instance, 429, Value::Null),
            entry("POST", "/m2m_tokens/[redacted]/revoke", a, 400, Value::Null),
            entry(
                "GET",
                &format!("/m2m_tokens?subject={b_id}&leaked=[redacted]"),
                b,
                200,
                Value::Null
            ),
        ]
    );
    let text = emulator.control("GET", "/_emulator/requests", None).body;
    let text = String::from_utf8(text).unwrap();
    for secret in [&a_key, &b_key, &sk, &value] {
        assert!(
            !text.contains(secret.as_str()),
            "a secret in the journal: {text}"
        );
    }

    let since = emulator.control(
        "GET",
        &format!("/_emulator/requests?since={}", first + 7),
        None,
    );
    let tail: Vec<u64> = since.json()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(tail, [first + 8, first + 9]);
    let cleared = emulator.control("DELETE", "/_emulator/requests", None);
    assert_eq!(cleared.json(), json!({"requests": []}));
    assert!(journal(&emulator).is_empty());
    emulator.call("GET", "/v1/jwks", Some(&sk), None);
    assert_eq!(journal(&emulator)[0]["seq"], first + 10);
    let bad = emulator.control("GET", "/_emulator/requests?since=-1", None);
    assert_eq!(bad.status, 400);
    assert_eq!(bad.param_name().as_deref(), Some("since"));
    assert!(emulator.terminate().success());
}

#[test]
fn reset_empties_tokens_and_journal_and_restores_the_start() {
    let emulator = Binary::start(&[]);
    let sk = emulator.instance_key();
    let a_id = emulator.machine_id(0);
    let old = create(&emulator, 0, &json!({}));
    create(&emulator, 0, &json!({}));
    emulator.control(
        "POST",
        "/_emulator/clock",
        Some(&json!({"frozen": true, "advance_seconds": 86400})),
    );
    inject(&emulator, json!({"kind": "status", "count": 5}));
    emulator.control(
        "PUT",
        "/_emulator/rate_limit",
        Some(&json!({"requests": 1, "window_seconds": 60})),
    );
    assert_eq!(journal(&emulator).len(), 2);

    let reset = emulator.control("POST", "/_emulator/reset", None);
    assert_eq!((reset.status, reset.json()), (200, json!({"status": "ok"})));
    assert!(journal(&emulator).is_empty());
    let clock = emulator.control("GET", "/_emulator/clock", None).json();
    assert_eq!(clock["frozen"], false);
    let system_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((clock["now_ms"].as_i64().unwrap() - system_ms).abs() < 3_600_000);
    assert_eq!(
        emulator
            .control("GET", "/_emulator/rate_limit", None)
            .json(),
        json!({"rate_limit": null})
    );
    // No fault left, no token left; machines and keys unchanged.
    let listed = emulator.call(
        "GET",
        &format!("/m2m_tokens?subject={a_id}"),
        Some(&sk),
        None,
    );
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["total_count"], 0);
    let verify = emulator.call(
        "POST",
        "/m2m_tokens/verify",
        Some(&sk),
        Some(&json!({"token": old["token"]})),
    );
    assert_eq!(verify.status, 404);
    create(&emulator, 0, &json!({}));
    assert_eq!(journal(&emulator).len(), 3);
    assert!(emulator.terminate().success());
}

#[test]
fn minted_tokens_verify_opaque_through_the_api_and_jwt_through_the_jwks() {
    let emulator = Binary::start(&[]);
    let a_id = emulator.machine_id(0);
    let opaque = emulator.control(
        "POST",
        "/_emulator/tokens",
        Some(&json!({"machine_id": a_id, "claims": {"role": "reader"}})),
    );
    assert_eq!(opaque.status, 201);
    let opaque = opaque.json();
    assert_eq!(opaque["subject"], a_id.as_str());
    assert_eq!(opaque["scopes"], json!([emulator.machine_id(1)]));
    let b = client(&emulator, 1);
    let verified = b
        .verify_token(VerifyTokenParams::new(opaque["token"].as_str().unwrap()))
        .unwrap();
    assert_eq!(verified.id, opaque["id"].as_str().unwrap());
    assert_eq!(verified.claims, Some(json!({"role": "reader"})));

    let jwt = emulator.control(
        "POST",
        "/_emulator/tokens",
        Some(&json!({"machine_id": a_id, "token_format": "jwt", "seconds_until_expiration": 600})),
    );
    assert_eq!(jwt.status, 201);
    let jwt = jwt.json();
    let value = jwt["token"].as_str().unwrap();
    assert_eq!(value.split('.').count(), 3);
    emulator.control("DELETE", "/_emulator/requests", None);
    let local = b.verify_token(VerifyTokenParams::new(value)).unwrap();
    assert_eq!(local.id, jwt["id"].as_str().unwrap());
    assert_eq!(local.subject, a_id);
    // Verified locally with the JWKS: the only API request was its fetch.
    let paths: Vec<Value> = journal(&emulator)
        .into_iter()
        .map(|entry| entry["path"].clone())
        .collect();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].as_str().unwrap().ends_with("/jwks"), "{paths:?}");
    let via_api = emulator.call(
        "POST",
        "/m2m_tokens/verify",
        Some(&emulator.instance_key()),
        Some(&json!({ "token": value })),
    );
    assert_eq!(via_api.status, 200);

    let unknown = emulator.control(
        "POST",
        "/_emulator/tokens",
        Some(&json!({"machine_id": "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"})),
    );
    assert_eq!(
        (unknown.status, unknown.error_code()),
        (404, "resource_not_found".into())
    );
    let missing = emulator.control("POST", "/_emulator/tokens", Some(&json!({})));
    assert_eq!(
        (missing.status, missing.param_name()),
        (422, Some("machine_id".into()))
    );
    // Opaque mints are stored like creates: listed for the machine.
    let listed = client(&emulator, 0)
        .list_tokens(ListTokensParams::new(a_id.clone()))
        .unwrap();
    assert_eq!(listed.total_count, 1);
    assert!(emulator.terminate().success());
}

#[test]
fn state_export_import_and_save_without_a_file() {
    let emulator = Binary::start(&[]);
    let sk = emulator.instance_key();
    let kept = create(&emulator, 0, &json!({"claims": {"kept": true}}));
    let exported = emulator.control("GET", "/_emulator/state", None);
    assert_eq!(exported.status, 200);
    let document = exported.json();
    assert_eq!(document["instance_id"], emulator.summary["instance_id"]);
    assert_eq!(document["tokens"].as_array().unwrap().len(), 1);

    let dropped = create(&emulator, 0, &json!({}));
    let imported = emulator.control("PUT", "/_emulator/state", Some(&document));
    assert_eq!(
        (imported.status, imported.json()),
        (200, json!({"tokens": 1}))
    );
    let status_of = |token: &Value| {
        emulator
            .call(
                "POST",
                "/m2m_tokens/verify",
                Some(&sk),
                Some(&json!({"token": token["token"]})),
            )
            .status
    };
    assert_eq!(status_of(&kept), 200);
    assert_eq!(status_of(&dropped), 404);

    let mut other = document.clone();
    other["instance_id"] = json!("ins_someoneelse");
    let conflict = emulator.control("PUT", "/_emulator/state", Some(&other));
    assert_eq!(
        (conflict.status, conflict.error_code()),
        (409, "state_conflict".into())
    );
    let mut broken = document.clone();
    broken["tokens"][0]["subject"] = json!("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    let invalid = emulator.control("PUT", "/_emulator/state", Some(&broken));
    assert_eq!(
        (invalid.status, invalid.error_code()),
        (422, "state_invalid".into())
    );
    let garbage = emulator.control("PUT", "/_emulator/state", Some(&json!({"tokens": 5})));
    assert_eq!(garbage.status, 422);
    // Rejected imports changed nothing.
    assert_eq!(status_of(&kept), 200);

    let save = emulator.control("POST", "/_emulator/state/save", None);
    assert_eq!(
        (save.status, save.error_code()),
        (409, "state_file_not_configured".into())
    );
    assert!(emulator.terminate().success());
}
