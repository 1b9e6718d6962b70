//! Both built-in transports honour `HTTPS_PROXY` by default, and
//! `Proxy::Disabled` ignores it. Alone in its test binary: it sets the
//! process environment, which the transports read when built.

#[path = "support/proxy.rs"]
mod proxy;

use clerk_m2m::{Proxy, TransportSettings};
use clerk_m2m_types::test_util::{LoopbackServer, Reply};
use proxy::RecordingProxy;

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(format!("{url}/m2m_tokens"))
        .body(Vec::new())
        .expect("request")
}

fn send_both(settings: &TransportSettings, url: &str) -> Vec<Result<u16, String>> {
    use clerk_m2m::blocking::{Transport as _, UreqTransport};
    use clerk_m2m::{ReqwestTransport, Transport as _};
    let ureq = UreqTransport::with_settings(settings.clone())
        .expect("ureq transport")
        .send(get(url));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let reqwest = runtime.block_on(async {
        ReqwestTransport::with_settings(settings.clone())
            .expect("reqwest transport")
            .send(get(url))
            .await
    });
    [ureq, reqwest]
        .into_iter()
        .map(|answer| {
            answer
                .map(|r| r.status().as_u16())
                .map_err(|e| format!("{e:?}"))
        })
        .collect()
}

#[test]
fn https_proxy_from_the_environment_is_used_unless_disabled() {
    let proxy = RecordingProxy::start();
    for name in ["ALL_PROXY", "HTTP_PROXY", "NO_PROXY"] {
        std::env::remove_var(name);
        std::env::remove_var(name.to_ascii_lowercase());
    }
    std::env::set_var("HTTPS_PROXY", proxy.url());

    // The default settings take the proxy from the environment: both
    // transports ask it for a tunnel to the API host (which does not exist).
    let answers = send_both(&TransportSettings::default(), "https://clerk-api.test");
    assert!(answers.iter().all(Result::is_err), "{answers:?}");
    assert_eq!(
        proxy.seen(),
        ["CONNECT clerk-api.test:443 HTTP/1.1"; 2],
        "{answers:?}"
    );

    // Disabled: straight to the server, the proxy sees nothing more.
    let server = LoopbackServer::start([
        Reply::response(204, &[], b""),
        Reply::response(204, &[], b""),
    ]);
    let disabled = TransportSettings::builder()
        .proxy(Proxy::Disabled)
        .build()
        .expect("settings");
    let answers = send_both(&disabled, &server.url());
    assert_eq!(answers, [Ok(204), Ok(204)]);
    assert_eq!(proxy.seen().len(), 2);
    assert_eq!(server.requests().len(), 2);
}
