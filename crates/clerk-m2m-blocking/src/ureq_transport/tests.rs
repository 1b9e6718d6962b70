//! The ureq transport against raw loopback sockets.

use super::*;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What the one-connection server does after reading the request head.
enum Then {
    Write(Vec<u8>),
    Reset,
    /// Keeps the connection open without answering until the client leaves.
    Hang,
}

/// Serves one connection on 127.0.0.1 and returns the base URL and the
/// request head the server read.
fn serve_once(then: Then) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (heads, received) = mpsc::channel();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let head = read_head(&mut stream);
        let _ = heads.send(head);
        match then {
            Then::Write(bytes) => {
                let _ = stream.write_all(&bytes);
                let _ = stream.shutdown(Shutdown::Write);
                // Wait for the client to close, so no RST races the answer.
                let _ = stream.read_to_end(&mut Vec::new());
            }
            Then::Reset => reset(stream),
            Then::Hang => {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
    });
    (url, received)
}

/// Closes with an RST (linger 0) instead of a FIN.
fn reset(stream: TcpStream) {
    let socket = socket2::Socket::from(stream);
    let _ = socket.set_linger(Some(Duration::ZERO));
    drop(socket);
}

fn read_head(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    while !seen.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => seen.extend_from_slice(&buffer[..read]),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

fn get(url: &str) -> Request<Vec<u8>> {
    Request::builder()
        .uri(format!("{url}/m2m_tokens?subject=mch_1"))
        .header("content-type", "application/json")
        .body(Vec::new())
        .unwrap()
}

fn transport() -> UreqTransport {
    UreqTransport::builder()
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn error_statuses_are_answers_with_every_header() {
    let (url, heads) = serve_once(Then::Write(
        b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json; charset=utf-8\r\nretry-after: 7\r\ncf-ray: 8a1b\r\nx-extra: a\r\nx-extra: b\r\ncontent-length: 13\r\n\r\n{\"errors\":[]}"
            .to_vec(),
    ));
    let response = transport().send(get(&url)).unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(response.headers()["cf-ray"], "8a1b");
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(response.headers().get_all("x-extra").iter().count(), 2);
    assert_eq!(response.body(), br#"{"errors":[]}"#);
    let head = heads.recv().unwrap().to_ascii_lowercase();
    assert!(
        head.starts_with("get /m2m_tokens?subject=mch_1 http/1.1\r\n"),
        "{head}"
    );
    assert!(
        !head.contains("content-length"),
        "a GET carries no body: {head}"
    );
}

#[test]
fn redirects_are_not_followed() {
    let (url, _heads) = serve_once(Then::Write(
        b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:1/elsewhere\r\ncontent-length: 0\r\n\r\n"
            .to_vec(),
    ));
    let response = transport().send(get(&url)).unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "http://127.0.0.1:1/elsewhere"
    );
}

#[test]
fn a_post_body_is_sent_with_its_length() {
    let (url, heads) = serve_once(Then::Write(
        b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}".to_vec(),
    ));
    let request = Request::builder()
        .method("POST")
        .uri(format!("{url}/m2m_tokens"))
        .body(b"{\"claims\":null}".to_vec())
        .unwrap();
    let response = transport().send(request).unwrap();
    assert_eq!(response.status(), 201);
    let head = heads.recv().unwrap().to_ascii_lowercase();
    assert!(head.contains("content-length: 15\r\n"), "{head}");
}

#[test]
fn an_announced_body_over_the_cap_is_refused() {
    let (url, _heads) = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world".to_vec(),
    ));
    let transport = UreqTransport::builder().max_body_bytes(10).build().unwrap();
    let error = transport.send(get(&url)).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge { limit: 10 });
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[test]
fn a_chunked_body_over_the_cap_is_refused() {
    let (url, _heads) = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"
            .to_vec(),
    ));
    let transport = UreqTransport::builder().max_body_bytes(10).build().unwrap();
    let error = transport.send(get(&url)).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge { limit: 10 });
    let (url, _heads) = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nhello \r\n4\r\nworl\r\n0\r\n\r\n"
            .to_vec(),
    ));
    let response = transport.send(get(&url)).unwrap();
    assert_eq!(response.body(), b"hello worl");
}

#[test]
fn a_refused_connection_was_not_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = transport().send(get(&url)).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Connect);
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[test]
fn a_reset_after_the_request_may_have_been_sent() {
    let (url, _heads) = serve_once(Then::Reset);
    let error = transport().send(get(&url)).unwrap_err();
    assert_eq!(
        error.kind(),
        TransportErrorKind::ConnectionLost,
        "{error:?}"
    );
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[test]
fn a_broken_answer_is_a_protocol_error() {
    let (url, _heads) = serve_once(Then::Write(b"SMTP ready\r\n\r\n".to_vec()));
    let error = transport().send(get(&url)).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Protocol, "{error:?}");
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[test]
fn a_silent_server_hits_the_attempt_timeout() {
    let (url, _heads) = serve_once(Then::Hang);
    let transport = UreqTransport::builder()
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = transport.send(get(&url)).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn debug_shows_settings_only() {
    let text = format!("{:?}", transport());
    assert!(text.contains("max_body_bytes"), "{text}");
    assert!(!text.contains("proxy"), "{text}");
}

#[test]
fn shared_settings_build_the_transport() {
    let settings = TransportSettings::builder()
        .max_body_bytes(10)
        .build()
        .unwrap();
    let transport = UreqTransport::with_settings(settings).unwrap();
    assert_eq!(transport.max_body_bytes(), 10);
    let (url, _heads) = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world".to_vec(),
    ));
    let error = transport.send(get(&url)).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge { limit: 10 });
}

#[cfg(not(feature = "native-tls"))]
#[test]
fn native_tls_needs_its_feature() {
    let error = UreqTransport::builder()
        .tls_backend(TlsBackend::NativeTls)
        .build()
        .unwrap_err();
    assert_eq!(
        error,
        ConfigError::TlsBackendUnavailable {
            backend: TlsBackend::NativeTls
        }
    );
    assert_eq!(
        error.to_string(),
        "tls backend native-tls is not available: enable the client crate's `native-tls` feature"
    );
}

#[test]
fn the_transport_contract_holds() {
    let transport = UreqTransport::builder().max_body_bytes(64).build().unwrap();
    clerk_m2m_types::test_util::assert_transport_contract(64, |request| transport.send(request));
}

/// A blocking call ends at its deadline with the default transport, whose
/// own attempt timeout (15 s) is far longer: each attempt gets only the
/// time left.
#[test]
fn a_blocking_call_ends_at_its_deadline_across_retries() {
    use clerk_m2m_types::test_util::{LoopbackServer, Reply};
    let server = LoopbackServer::start([Reply::response(503, &[], b"busy"), Reply::Silent]);
    let call_timeout = Duration::from_millis(800);
    let client = crate::Client::builder()
        .base_url(server.url())
        .machine_secret_key("ak_test_only_deadline")
        .call_timeout(call_timeout)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client
        .list_tokens(clerk_m2m_types::ListTokensParams::new(
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
        ))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed < call_timeout + Duration::from_millis(250),
        "{elapsed:?}"
    );
    assert_eq!(error.attempts(), 2, "{error:?}");
    let clerk_m2m_types::Error::Transport { source, .. } = error else {
        panic!("{error:?}")
    };
    assert_eq!(source.kind(), TransportErrorKind::Timeout);
    assert_eq!(server.requests().len(), 2);
}

/// `.invalid` never resolves (RFC 6761): no network is involved.
const UNRESOLVABLE: &str = "http://clerk-api.invalid";

#[test]
fn an_unresolvable_host_was_not_sent_so_a_create_is_retried() {
    let client = crate::Client::builder()
        .base_url(UNRESOLVABLE)
        .machine_secret_key("ak_test_only_dns")
        .retry_policy(
            clerk_m2m_types::RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client
        .create_token(clerk_m2m_types::CreateTokenParams::new())
        .unwrap_err();
    assert_eq!(error.attempts(), 3, "retried: {error:?}");
    let clerk_m2m_types::Error::Transport { source, .. } = error else {
        panic!("{error:?}")
    };
    assert_eq!(source.kind(), TransportErrorKind::Dns);
    assert_eq!(source.delivery(), Delivery::NotSent);
}

#[test]
fn a_handed_in_agent_reports_an_unresolvable_host_as_not_sent() {
    let transport = UreqTransport::from_agent(ureq::Agent::new_with_defaults(), 1024);
    let error = transport.send(get(UNRESOLVABLE)).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Dns, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[test]
fn a_handed_in_agent_answers_error_statuses_and_caps_the_body() {
    // ureq's defaults turn a 4xx into an error; the transport turns that off.
    let transport = UreqTransport::from_agent(ureq::Agent::new_with_defaults(), 10);
    let (url, _heads) = serve_once(Then::Write(
        b"HTTP/1.1 404 Not Found\r\ncontent-length: 5\r\n\r\nnope!".to_vec(),
    ));
    let response = transport.send(get(&url)).unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.body(), b"nope!");
    let (url, _heads) = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world".to_vec(),
    ));
    let error = transport.send(get(&url)).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge { limit: 10 });
}
