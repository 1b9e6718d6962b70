//! The test controls of a running emulator: clock, rate limit, faults.

mod common;

use clerk_m2m_emulator::{Emulator, EmulatorError, Fault, MintToken, RateLimit};
use common::{call, emulator, instance_key, machine_key, shared_signing_key, Conn};
use http::StatusCode;
use serde_json::json;
use std::io::ErrorKind;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn create_raw(conn: &mut Conn, key: &str) -> std::io::Result<common::Reply> {
    conn.send(
        "POST",
        "/m2m_tokens",
        &[
            ("Authorization", &format!("Bearer {key}")),
            ("Content-Type", "application/json"),
        ],
        Some(br#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#),
    )
}

#[test]
fn clock_set_advance_freeze() {
    let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let emulator = Emulator::builder()
        .signing_key(shared_signing_key())
        .start_time(start)
        .frozen_clock(true)
        .start()
        .unwrap();
    assert_eq!(emulator.now(), start);
    let key = machine_key(&emulator, 0);
    let token = call(
        &emulator,
        "POST",
        "/m2m_tokens",
        Some(&key),
        Some(&json!({"seconds_until_expiration": 30})),
    )
    .json();
    assert_eq!(token["created_at"], 1_800_000_000_000_i64);
    emulator.advance(Duration::from_secs(29));
    assert_eq!(emulator.now(), start + Duration::from_secs(29));
    let value = token["token"].as_str().unwrap();
    let verify = |emulator: &clerk_m2m_emulator::EmulatorHandle| {
        call(
            emulator,
            "POST",
            "/m2m_tokens/verify",
            Some(&instance_key(emulator)),
            Some(&json!({ "token": value })),
        )
        .status
    };
    assert_eq!(verify(&emulator), 200);
    emulator.advance(Duration::from_secs(1));
    assert_eq!(verify(&emulator), 404);
    // Back in time: alive again (expired is computed from the clock).
    emulator.set_time(start);
    assert_eq!(verify(&emulator), 200);
    emulator.resume_time();
    assert!(emulator.now() >= start);
    emulator.freeze_time();
    let frozen = emulator.now();
    assert_eq!(emulator.now(), frozen);
    // A ticking default clock follows the system clock.
    let ticking = Emulator::builder()
        .signing_key(shared_signing_key())
        .start()
        .unwrap();
    let drift = ticking
        .now()
        .duration_since(SystemTime::now() - Duration::from_secs(5))
        .unwrap();
    assert!(drift < Duration::from_secs(10));
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let emulator = Emulator::builder()
        .signing_key(shared_signing_key())
        .start_time(UNIX_EPOCH + Duration::from_secs(1_800_000_000))
        .frozen_clock(true)
        .rate_limit(RateLimit::new(2, Duration::from_secs(10)))
        .start()
        .unwrap();
    let key = machine_key(&emulator, 0);
    let mut conn = Conn::open(emulator.addr()).unwrap();
    assert_eq!(create_raw(&mut conn, &key).unwrap().status, 201);
    emulator.advance(Duration::from_millis(2500));
    assert_eq!(create_raw(&mut conn, &key).unwrap().status, 201);
    let limited = create_raw(&mut conn, &key).unwrap();
    assert_eq!(limited.status, 429);
    assert_eq!(limited.error_code(), "too_many_requests");
    assert_eq!(limited.header("retry-after"), Some("8"));
    assert_eq!(
        emulator.stored_tokens(),
        2,
        "a limited request is not processed"
    );
    emulator.advance(Duration::from_millis(7500));
    assert_eq!(create_raw(&mut conn, &key).unwrap().status, 201);
    emulator.set_rate_limit(None);
    for _ in 0..5 {
        assert_eq!(create_raw(&mut conn, &key).unwrap().status, 201);
    }
    emulator.set_rate_limit(Some(RateLimit::new(0, Duration::from_secs(1))));
    assert_eq!(create_raw(&mut conn, &key).unwrap().status, 429);
}

#[test]
fn status_fault_for_the_next_n_requests() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    emulator.inject_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), 2);
    emulator.inject_fault(
        Fault::status_with_retry_after(StatusCode::TOO_MANY_REQUESTS, Duration::from_millis(1500)),
        1,
    );
    assert_eq!(emulator.pending_faults(), 3);
    let mut conn = Conn::open(emulator.addr()).unwrap();
    for _ in 0..2 {
        let reply = create_raw(&mut conn, &key).unwrap();
        assert_eq!(reply.status, 503);
        assert_eq!(reply.error_code(), "emulator_fault");
        assert_eq!(reply.header("retry-after"), None);
    }
    let throttled = create_raw(&mut conn, &key).unwrap();
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("retry-after"), Some("2"));
    assert_eq!(
        emulator.stored_tokens(),
        0,
        "faulted requests are not processed"
    );
    assert_eq!(emulator.pending_faults(), 0);
    assert_eq!(create_raw(&mut conn, &key).unwrap().status, 201);

    emulator.inject_fault(Fault::status(StatusCode::BAD_GATEWAY), 10);
    emulator.clear_faults();
    assert_eq!(create_raw(&mut conn, &key).unwrap().status, 201);
}

#[test]
fn delay_fault_then_normal_processing() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    emulator.inject_fault(Fault::Delay(Duration::from_millis(300)), 1);
    let mut conn = Conn::open(emulator.addr()).unwrap();
    let started = Instant::now();
    assert_eq!(create_raw(&mut conn, &key).unwrap().status, 201);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(emulator.stored_tokens(), 1);
}

#[test]
fn dropped_connection_after_the_request_was_processed() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    emulator.inject_fault(Fault::DropConnection, 1);
    let mut conn = Conn::open(emulator.addr()).unwrap();
    let error = create_raw(&mut conn, &key).expect_err("no answer");
    assert!(
        matches!(
            error.kind(),
            ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
        ),
        "{error:?}"
    );
    // The request was read and processed: the token exists.
    assert_eq!(emulator.stored_tokens(), 1);
    let mut fresh = Conn::open(emulator.addr()).unwrap();
    assert_eq!(create_raw(&mut fresh, &key).unwrap().status, 201);
}

#[test]
fn malformed_and_empty_bodies() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    let mut conn = Conn::open(emulator.addr()).unwrap();
    emulator.inject_fault(Fault::MalformedBody, 1);
    let malformed = create_raw(&mut conn, &key).unwrap();
    assert_eq!(malformed.status, 201);
    assert_eq!(malformed.header("content-type"), Some("application/json"));
    assert!(!malformed.body.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&malformed.body).is_err());

    emulator.inject_fault(Fault::EmptyBody, 1);
    let empty = create_raw(&mut conn, &key).unwrap();
    assert_eq!(empty.status, 201);
    assert!(empty.body.is_empty());
    assert_eq!(empty.header("content-length"), Some("0"));

    // Errors can be cut too.
    emulator.inject_fault(Fault::MalformedBody, 1);
    let cut_error = call(&emulator, "POST", "/m2m_tokens", None, Some(&json!({})));
    assert_eq!(cut_error.status, 401);
    assert!(serde_json::from_slice::<serde_json::Value>(&cut_error.body).is_err());

    // The keep-alive connection still works, and both tokens were created.
    assert_eq!(create_raw(&mut conn, &key).unwrap().status, 201);
    assert_eq!(emulator.stored_tokens(), 3);
}

#[test]
fn faults_are_scoped_to_one_emulator() {
    let faulty = emulator();
    let healthy = emulator();
    faulty.inject_fault(Fault::status(StatusCode::INTERNAL_SERVER_ERROR), 5);
    let mut conn = Conn::open(healthy.addr()).unwrap();
    assert_eq!(
        create_raw(&mut conn, &machine_key(&healthy, 0))
            .unwrap()
            .status,
        201
    );
    assert_eq!(faulty.pending_faults(), 5);
    let mut conn = Conn::open(faulty.addr()).unwrap();
    assert_eq!(
        create_raw(&mut conn, &machine_key(&faulty, 0))
            .unwrap()
            .status,
        500
    );
    assert_eq!(faulty.requests_received(), 1);
}

#[test]
fn binds_loopback_on_an_ephemeral_port_and_stops_on_drop() {
    let emulator = emulator();
    assert!(emulator.addr().ip().is_loopback());
    assert_ne!(emulator.addr().port(), 0);
    assert_eq!(emulator.url(), format!("http://{}", emulator.addr()));
    let mut idle = Conn::open(emulator.addr()).unwrap();
    assert_eq!(
        create_raw(&mut idle, &machine_key(&emulator, 0))
            .unwrap()
            .status,
        201
    );
    let addr = emulator.addr();
    // An idle keep-alive connection does not keep the emulator alive.
    emulator.shutdown();
    assert!(create_raw(&mut idle, "ak_x").is_err());
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn the_handle_and_the_control_routes_are_one_implementation() {
    let emulator = emulator();
    let sk = instance_key(&emulator);
    let a = emulator.machines()[0].clone();
    let mut claims = serde_json::Map::new();
    claims.insert("role".into(), json!("reader"));
    // Minted in-process, verified over HTTP.
    let minted = emulator
        .mint_token(
            &MintToken::new(a.id())
                .claims(claims)
                .expires_in(Duration::from_secs(60)),
        )
        .unwrap();
    let value = minted.token.clone().unwrap();
    let verify = |emulator: &clerk_m2m_emulator::EmulatorHandle| {
        call(
            emulator,
            "POST",
            "/m2m_tokens/verify",
            Some(&sk),
            Some(&json!({"token": value.expose_secret()})),
        )
        .status
    };
    assert_eq!(verify(&emulator), 200);
    assert_eq!(emulator.stored_tokens(), 1);
    // A fault queued over HTTP is the handle's, and the other way round.
    let queued = call(
        &emulator,
        "POST",
        "/_emulator/faults",
        Some(&sk),
        Some(&json!({"kind": "empty_body", "count": 3})),
    );
    assert_eq!(queued.json(), json!({"pending": 3}));
    assert_eq!(emulator.pending_faults(), 3);
    emulator.clear_faults();
    emulator
        .inject_fault_on(
            "POST /m2m_tokens/verify",
            Fault::status(StatusCode::BAD_GATEWAY),
            1,
        )
        .unwrap();
    assert_eq!(verify(&emulator), 502);
    assert_eq!(verify(&emulator), 200);
    assert!(matches!(
        emulator.inject_fault_on("verify", Fault::DropConnection, 1),
        Err(EmulatorError::InvalidConfig { .. })
    ));
    // One journal, one clock, one rate limit.
    let over_http = call(&emulator, "GET", "/_emulator/requests", Some(&sk), None).json();
    assert_eq!(
        serde_json::to_value(emulator.journal()).unwrap(),
        over_http["requests"]
    );
    assert_eq!(emulator.journal().len(), 3);
    let second = emulator.journal()[1].seq;
    assert_eq!(emulator.journal_since(second).len(), 1);
    call(
        &emulator,
        "POST",
        "/_emulator/clock",
        Some(&sk),
        Some(&json!({"frozen": false})),
    );
    assert!(!emulator.is_time_frozen());
    emulator.freeze_time();
    let clock = call(&emulator, "GET", "/_emulator/clock", Some(&sk), None).json();
    assert_eq!(clock["frozen"], true);
    call(
        &emulator,
        "PUT",
        "/_emulator/rate_limit",
        Some(&sk),
        Some(&json!({"requests": 7, "window_seconds": 3})),
    );
    assert_eq!(
        emulator.rate_limit(),
        Some(RateLimit::new(7, Duration::from_secs(3)))
    );
    // State: exported in-process, refused in-process with the HTTP status and code.
    let state = emulator.export_state().unwrap();
    assert_eq!(state.token_count(), 1);
    assert_eq!(emulator.import_state(&state).unwrap(), 1);
    let other = self::emulator().export_state().unwrap();
    match emulator.import_state(&other) {
        Err(EmulatorError::Refused { status, code, .. }) => {
            assert_eq!((status.as_u16(), code.as_str()), (409, "state_conflict"));
        }
        other => panic!("{other:?}"),
    }
    match emulator.mint_token(&MintToken::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")) {
        Err(EmulatorError::Refused { status, code, .. }) => {
            assert_eq!(
                (status.as_u16(), code.as_str()),
                (404, "resource_not_found")
            );
        }
        other => panic!("{other:?}"),
    }
    let zero = emulator.mint_token(&MintToken::new(a.id()).expires_in(Duration::from_millis(10)));
    assert!(zero
        .unwrap_err()
        .to_string()
        .contains("seconds_until_expiration"));
    assert!(emulator.save_state().is_err());
    assert_eq!(emulator.state_file(), None);
    // Reset in-process: the HTTP side sees it.
    emulator.reset();
    assert_eq!(emulator.stored_tokens(), 0);
    assert_eq!(emulator.requests_received(), 0);
    assert_eq!(emulator.rate_limit(), None);
    assert!(!emulator.is_time_frozen());
    let after = call(&emulator, "GET", "/_emulator/requests", Some(&sk), None).json();
    assert_eq!(after, json!({"requests": []}));
    assert_eq!(verify(&emulator), 404);
}

#[test]
fn shutdown_and_save_writes_the_state_file_in_process() {
    let folder =
        std::env::temp_dir().join(format!("clerk-m2m-emulator-handle-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("state.json");
    let start = || {
        Emulator::builder()
            .signing_key(shared_signing_key())
            .state_file(&path)
            .start()
            .unwrap()
    };
    let first = start();
    assert_eq!(first.state_file(), Some(path.as_path()));
    let token = call(
        &first,
        "POST",
        "/m2m_tokens",
        Some(&machine_key(&first, 0)),
        None,
    )
    .json();
    let instance_id = first.instance_id().to_owned();
    first.shutdown_and_save().unwrap();
    let second = start();
    assert_eq!(second.instance_id(), instance_id);
    assert_eq!(second.stored_tokens(), 1);
    let verified = call(
        &second,
        "POST",
        "/m2m_tokens/verify",
        Some(&instance_key(&second)),
        Some(&json!({"token": token["token"]})),
    );
    assert_eq!(verified.status, 200);
    drop(second);
    std::fs::remove_dir_all(&folder).unwrap();
}
