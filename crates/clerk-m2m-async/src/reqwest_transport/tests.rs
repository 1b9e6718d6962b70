//! The reqwest transport against raw loopback sockets.

use super::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the one-connection server does after reading the request head.
enum Then {
    Write(Vec<u8>),
    Reset,
    Hang,
}

/// Serves one connection on 127.0.0.1 and returns the base URL.
async fn serve_once(then: Then) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_head(&mut stream).await;
        match then {
            Then::Write(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
            }
            Then::Reset => {
                // Linger 0 makes the close an RST; the drop cannot block with it.
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(Duration::ZERO));
                drop(stream);
            }
            Then::Hang => std::future::pending::<()>().await,
        }
    });
    url
}

async fn read_head(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    while !seen.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => seen.extend_from_slice(&buffer[..read]),
        }
    }
}

fn get(url: &str) -> Request<Vec<u8>> {
    Request::builder()
        .uri(format!("{url}/m2m_tokens?subject=mch_1"))
        .body(Vec::new())
        .unwrap()
}

fn transport() -> ReqwestTransport {
    ReqwestTransport::builder()
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test]
async fn error_statuses_are_answers_with_every_header() {
    let url = serve_once(Then::Write(
        b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json; charset=utf-8\r\nretry-after: 7\r\ncf-ray: 8a1b\r\nx-extra: a\r\nx-extra: b\r\ncontent-length: 13\r\n\r\n{\"errors\":[]}"
            .to_vec(),
    ))
    .await;
    let response = transport().send(get(&url)).await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(response.headers()["cf-ray"], "8a1b");
    assert_eq!(response.headers().get_all("x-extra").iter().count(), 2);
    assert_eq!(response.body(), br#"{"errors":[]}"#);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let url = serve_once(Then::Write(
        b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:1/elsewhere\r\ncontent-length: 0\r\n\r\n"
            .to_vec(),
    ))
    .await;
    let response = transport().send(get(&url)).await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "http://127.0.0.1:1/elsewhere"
    );
}

#[tokio::test]
async fn an_announced_body_over_the_cap_is_refused() {
    let url = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world".to_vec(),
    ))
    .await;
    let transport = ReqwestTransport::builder()
        .max_body_bytes(10)
        .build()
        .unwrap();
    let error = transport.send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge { limit: 10 });
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_refused() {
    let url = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"
            .to_vec(),
    ))
    .await;
    let transport = ReqwestTransport::builder()
        .max_body_bytes(10)
        .build()
        .unwrap();
    let error = transport.send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge { limit: 10 });
    let url = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nhello \r\n4\r\nworl\r\n0\r\n\r\n"
            .to_vec(),
    ))
    .await;
    let response = transport.send(get(&url)).await.unwrap();
    assert_eq!(response.body(), b"hello worl");
}

#[tokio::test]
async fn a_refused_connection_was_not_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = transport().send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Connect);
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[tokio::test]
async fn a_reset_after_the_request_may_have_been_sent() {
    let url = serve_once(Then::Reset).await;
    let error = transport().send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::ConnectionLost);
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[tokio::test]
async fn a_broken_answer_is_a_protocol_error() {
    let url = serve_once(Then::Write(b"SMTP ready\r\n\r\n".to_vec())).await;
    let error = transport().send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Protocol);
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[tokio::test]
async fn a_silent_server_hits_the_attempt_timeout() {
    let url = serve_once(Then::Hang).await;
    let transport = ReqwestTransport::builder()
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = transport.send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Timeout);
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[tokio::test]
async fn shared_settings_build_the_transport() {
    let settings = TransportSettings::builder()
        .max_body_bytes(10)
        .build()
        .unwrap();
    let transport = ReqwestTransport::with_settings(settings).unwrap();
    assert_eq!(transport.max_body_bytes(), 10);
    let url = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world".to_vec(),
    ))
    .await;
    let error = transport.send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge { limit: 10 });
}

#[cfg(not(feature = "native-tls"))]
#[test]
fn native_tls_needs_its_feature() {
    let error = ReqwestTransport::builder()
        .tls_backend(TlsBackend::NativeTls)
        .build()
        .unwrap_err();
    assert_eq!(
        error,
        ConfigError::TlsBackendUnavailable {
            backend: TlsBackend::NativeTls
        }
    );
}

#[test]
fn the_transport_contract_holds() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let transport = runtime
        .block_on(async { ReqwestTransport::builder().max_body_bytes(64).build() })
        .unwrap();
    clerk_m2m_types::test_util::assert_transport_contract(64, |request| {
        runtime.block_on(transport.send(request))
    });
}

#[tokio::test]
async fn an_unresolvable_host_was_not_sent() {
    // `.invalid` never resolves (RFC 6761): no network is involved.
    let error = transport()
        .send(get("http://clerk-api.invalid"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Dns, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[tokio::test]
async fn a_handed_in_client_caps_the_body() {
    let transport = ReqwestTransport::from_client(reqwest::Client::new(), 10);
    let url = serve_once(Then::Write(
        b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world".to_vec(),
    ))
    .await;
    let error = transport.send(get(&url)).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge { limit: 10 });
}
