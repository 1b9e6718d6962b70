//! The ureq transport over loopback: the transport contract table (built
//! from settings and from a handed-in agent), then what is particular to
//! this transport.

use super::*;
use clerk_m2m_types::test_util::{assert_transport_contract, LoopbackServer, Reply};
use clerk_m2m_types::{CreateTokenParams, Error, ListTokensParams, RetryPolicy};
use std::time::{Duration, Instant};

/// `.invalid` never resolves (RFC 6761): no network is involved.
const UNRESOLVABLE: &str = "http://clerk-api.invalid";

fn get(url: &str) -> Request<Vec<u8>> {
    Request::builder()
        .uri(format!("{url}/m2m_tokens?subject=mch_1"))
        .header("content-type", "application/json")
        .body(Vec::new())
        .unwrap()
}

#[test]
fn the_transport_contract_holds() {
    let transport = UreqTransport::builder().max_body_bytes(64).build().unwrap();
    assert_transport_contract(64, |request| transport.send(request));
}

#[test]
fn the_transport_contract_holds_with_a_handed_in_agent() {
    // ureq's defaults but redirects (the caller's to turn off): 4xx as
    // errors, no timeouts, ureq's own resolver.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .build()
        .into();
    let transport = UreqTransport::from_agent(agent, 64);
    assert_transport_contract(64, |request| transport.send(request));
}

#[test]
fn a_get_carries_no_body_headers() {
    let server = LoopbackServer::start([Reply::response(200, &[], b"{}")]);
    let response = UreqTransport::new()
        .unwrap()
        .send(get(&server.url()))
        .unwrap();
    assert_eq!(response.status(), 200);
    let request = &server.requests()[0];
    assert_eq!(
        request.request_line(),
        "GET /m2m_tokens?subject=mch_1 HTTP/1.1"
    );
    assert_eq!(request.header("content-length"), None, "{}", request.head);
    assert_eq!(request.header("transfer-encoding"), None);
}

#[test]
fn a_silent_server_hits_the_attempt_timeout_without_a_budget() {
    let server = LoopbackServer::start([Reply::Silent]);
    let transport = UreqTransport::builder()
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = transport.send(get(&server.url())).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    assert!(started.elapsed() < Duration::from_millis(450));
}

/// A blocking call ends at its deadline with the default transport, whose
/// own attempt timeout (15 s) is far longer: each attempt gets only the
/// time left.
#[test]
fn a_blocking_call_ends_at_its_deadline_across_retries() {
    let server = LoopbackServer::start([Reply::response(503, &[], b"busy"), Reply::Silent]);
    let call_timeout = Duration::from_millis(800);
    let client = crate::Client::builder()
        .base_url(server.url())
        .machine_secret_key("ak_test_only_deadline")
        .call_timeout(call_timeout)
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .list_tokens(ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed < call_timeout + Duration::from_millis(250),
        "{elapsed:?}"
    );
    assert_eq!(error.attempts(), 2, "{error:?}");
    let Error::Transport { source, .. } = error else {
        panic!("{error:?}")
    };
    assert_eq!(source.kind(), TransportErrorKind::Timeout);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_unresolvable_host_was_not_sent_so_a_create_is_retried() {
    let client = crate::Client::builder()
        .base_url(UNRESOLVABLE)
        .machine_secret_key("ak_test_only_dns")
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client.create_token(CreateTokenParams::new()).unwrap_err();
    assert_eq!(error.attempts(), 3, "retried: {error:?}");
    let Error::Transport { source, .. } = error else {
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
fn debug_shows_settings_only() {
    let transport = UreqTransport::builder()
        .proxy(Proxy::url("http://user:hunter2@proxy.internal:3128"))
        .build()
        .unwrap();
    let text = format!("{transport:?}");
    assert!(text.contains("max_body_bytes"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("proxy.internal"), "{text}");
}
