//! The reqwest transport over loopback: the transport contract table (built
//! from settings and from a handed-in client), then what is particular to
//! this transport.

use super::*;
use clerk_m2m_types::test_util::{assert_transport_contract, LoopbackServer, Reply};
use std::time::Duration;

fn get(url: &str) -> Request<Vec<u8>> {
    Request::builder()
        .uri(format!("{url}/m2m_tokens?subject=mch_1"))
        .body(Vec::new())
        .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_transport_contract_holds() {
    let runtime = runtime();
    let transport = runtime
        .block_on(async { ReqwestTransport::builder().max_body_bytes(64).build() })
        .unwrap();
    assert_transport_contract(64, |request| runtime.block_on(transport.send(request)));
}

#[test]
fn the_transport_contract_holds_with_a_handed_in_client() {
    let runtime = runtime();
    // reqwest's defaults but redirects (the caller's to turn off).
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let transport = ReqwestTransport::from_client(client, 64);
    assert_transport_contract(64, |request| runtime.block_on(transport.send(request)));
}

#[tokio::test]
async fn a_silent_server_hits_the_attempt_timeout_without_a_budget() {
    let server = LoopbackServer::start([Reply::Silent]);
    let transport = ReqwestTransport::builder()
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = transport.send(get(&server.url())).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Timeout);
    assert_eq!(error.delivery(), Delivery::MaybeSent);
}

#[tokio::test]
async fn an_unresolvable_host_was_not_sent() {
    // `.invalid` never resolves (RFC 6761): no network is involved.
    let transport = ReqwestTransport::new().unwrap();
    let error = transport
        .send(get("http://clerk-api.invalid"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Dns, "{error:?}");
    assert_eq!(error.delivery(), Delivery::NotSent);
}

#[test]
fn debug_shows_settings_only() {
    let transport = ReqwestTransport::builder()
        .proxy(Proxy::url("http://user:hunter2@proxy.internal:3128"))
        .build()
        .unwrap();
    let text = format!("{transport:?}");
    assert!(text.contains("max_body_bytes"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("proxy.internal"), "{text}");
}
