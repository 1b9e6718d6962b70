//! One test per defect fixed: reuse of an expiring token, hyper's bare
//! refusals, a stalled body, the Python SDK's `secret` on verify. (Zero
//! rate limits on the command line: `tests/binary.rs`.)

mod common;

use clerk_m2m_emulator::Emulator;
use common::{call, emulator, instance_key, machine_key, shared_signing_key, Conn, Reply};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn min_remaining_ttl_zero_never_returns_a_token_expiring_now() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    let body = json!({"seconds_until_expiration": 60, "min_remaining_ttl_seconds": 0});
    let first = call(&emulator, "POST", "/m2m_tokens", Some(&key), Some(&body)).json();
    assert_eq!(
        call(&emulator, "POST", "/m2m_tokens", Some(&key), Some(&body)).json()["id"],
        first["id"],
        "reused while alive"
    );
    emulator.advance(Duration::from_secs(60));
    let at_expiry = call(&emulator, "POST", "/m2m_tokens", Some(&key), Some(&body));
    assert_eq!(at_expiry.status, 201);
    let at_expiry = at_expiry.json();
    assert_ne!(at_expiry["id"], first["id"]);
    assert_eq!(at_expiry["expired"], false);
    // With a minimum, exactly that much left is not enough.
    let thirty = json!({"seconds_until_expiration": 60, "min_remaining_ttl_seconds": 30});
    let fresh = call(&emulator, "POST", "/m2m_tokens", Some(&key), Some(&thirty)).json();
    emulator.advance(Duration::from_secs(30));
    let next = call(&emulator, "POST", "/m2m_tokens", Some(&key), Some(&thirty)).json();
    assert_ne!(next["id"], fresh["id"]);
}

/// Writes raw bytes on a fresh connection and reads the whole answer.
fn raw(emulator: &clerk_m2m_emulator::EmulatorHandle, request: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // The server may answer (and close) before it has read everything.
    let _ = stream.write_all(request);
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole answer");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn requests_hyper_refuses_get_clerks_envelope() {
    let emulator = emulator();
    let long_uri = format!(
        "GET /m2m_tokens?subject={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let many_headers = format!(
        "GET /m2m_tokens HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..200)
            .map(|n| format!("X-{n}: y\r\n"))
            .collect::<String>()
    );
    let huge_header = format!(
        "GET /m2m_tokens HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(500_000)
    );
    for (request, status, code) in [
        (long_uri.as_str(), 414, "request_uri_too_long"),
        (
            many_headers.as_str(),
            431,
            "request_header_fields_too_large",
        ),
        (huge_header.as_str(), 431, "request_header_fields_too_large"),
        ("GARBAGE\r\n\r\n", 400, "request_malformed"),
        (
            "GET /m2m_tokens HTTP/1.1\r\nBad Header\r\n\r\n",
            400,
            "request_malformed",
        ),
    ] {
        let reply = raw(&emulator, request.as_bytes());
        assert_eq!(
            reply.status,
            status,
            "{}",
            &request[..40.min(request.len())]
        );
        assert_eq!(reply.error_code(), code);
        assert_eq!(reply.header("connection"), Some("close"));
    }
    // Also after a good request on the same keep-alive connection.
    let mut conn = Conn::open(emulator.addr()).unwrap();
    let good = conn
        .send(
            "GET",
            "/v1/jwks",
            &[(
                "Authorization",
                &format!("Bearer {}", instance_key(&emulator)),
            )],
            None,
        )
        .unwrap();
    assert_eq!(good.status, 200);
    let refused = conn
        .send("GET", &format!("/{}", "b".repeat(70_000)), &[], None)
        .unwrap();
    assert_eq!(
        (refused.status, refused.error_code()),
        (414, "request_uri_too_long".into())
    );
    // Refused before routing: not journaled.
    assert_eq!(emulator.journal().len(), 1);
}

#[test]
fn a_body_that_never_arrives_times_out_with_408() {
    let emulator = Emulator::builder()
        .signing_key(shared_signing_key())
        .read_timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    let key = machine_key(&emulator, 0);
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /m2m_tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"cla"
    )
    .unwrap();
    // The server answers and closes: read_to_end returns.
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let reply = parse(&bytes);
    assert_eq!(reply.status, 408);
    assert_eq!(reply.error_code(), "request_timeout");
    assert_eq!(reply.header("connection"), Some("close"));
    assert_eq!(emulator.stored_tokens(), 0);
    let entries = emulator.journal();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status, 408);
    // A zero timeout is refused at start.
    let zero = Emulator::builder()
        .signing_key(shared_signing_key())
        .read_timeout(Duration::ZERO)
        .start();
    assert!(zero.is_err());
}

#[test]
fn verify_accepts_the_python_sdks_secret_and_token_wins() {
    let emulator = emulator();
    let a = machine_key(&emulator, 0);
    let b = machine_key(&emulator, 1);
    let first = call(&emulator, "POST", "/m2m_tokens", Some(&a), None).json();
    let second = call(&emulator, "POST", "/m2m_tokens", Some(&a), None).json();
    let by_secret = call(
        &emulator,
        "POST",
        "/m2m_tokens/verify",
        Some(&b),
        Some(&json!({"secret": first["token"]})),
    );
    assert_eq!(by_secret.status, 200);
    assert_eq!(by_secret.json()["id"], first["id"]);
    let both = call(
        &emulator,
        "POST",
        "/v1/m2m_tokens/verify",
        Some(&b),
        Some(&json!({"token": second["token"], "secret": first["token"]})),
    );
    assert_eq!(both.status, 200);
    assert_eq!(both.json()["id"], second["id"]);
    let unknown_secret = call(
        &emulator,
        "POST",
        "/m2m_tokens/verify",
        Some(&b),
        Some(&json!({"secret": "mt_unknown"})),
    );
    assert_eq!(unknown_secret.status, 404);
}
