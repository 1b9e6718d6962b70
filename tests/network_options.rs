//! Network options of both built-in transports, set through the shared
//! `TransportSettings`: an explicit proxy (recorded by a loopback proxy) and
//! extra root certificates (a private CA made at test time, with a loopback
//! TLS server), with rustls and, under the `native-tls` feature, native-tls.
//! Every transport here names its proxy setting, so the environment's
//! proxies do not matter (they are tested in `proxy_from_env.rs`).

#[path = "support/proxy.rs"]
mod proxy;
#[path = "support/tls.rs"]
mod tls;

use clerk_m2m::{Delivery, Proxy, TlsBackend, TransportErrorKind, TransportSettings};
use clerk_m2m::{TransportBuilder, TransportError};
use proxy::{RecordingProxy, PROXIED};
use tls::{PrivateCaServer, TLS_OK};

type Answer = Result<http::Response<Vec<u8>>, TransportError>;

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(format!("{url}/m2m_tokens"))
        .body(Vec::new())
        .expect("request")
}

fn via_ureq(settings: &TransportSettings, url: &str) -> Answer {
    use clerk_m2m::blocking::{Transport, UreqTransport};
    let transport = UreqTransport::with_settings(settings.clone()).expect("ureq transport");
    transport.send(get(url))
}

fn via_reqwest(settings: &TransportSettings, url: &str) -> Answer {
    use clerk_m2m::{ReqwestTransport, Transport};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let transport =
            ReqwestTransport::with_settings(settings.clone()).expect("reqwest transport");
        transport.send(get(url)).await
    })
}

/// Both transports' answers to `GET {url}/m2m_tokens`, named.
fn both(settings: &TransportSettings, url: &str) -> [(&'static str, Answer); 2] {
    [
        ("ureq", via_ureq(settings, url)),
        ("reqwest", via_reqwest(settings, url)),
    ]
}

fn settings() -> TransportBuilder<TransportSettings> {
    TransportSettings::builder().proxy(Proxy::Disabled)
}

#[test]
fn an_explicit_proxy_carries_every_request() {
    let proxy = RecordingProxy::start();
    let settings = settings()
        .proxy(Proxy::url(proxy.url()))
        .build()
        .expect("settings");
    // The host does not exist: only the proxy can answer for it.
    let [(_, ureq), (_, reqwest)] = both(&settings, "http://clerk-api.test");
    assert_eq!(ureq.expect("ureq through the proxy").body(), PROXIED);
    assert_eq!(reqwest.expect("reqwest through the proxy").body(), PROXIED);
    assert_eq!(
        proxy.seen(),
        [
            // ureq tunnels, then sends the request inside the tunnel…
            "CONNECT clerk-api.test:80 HTTP/1.1",
            "GET /m2m_tokens HTTP/1.1",
            // …reqwest sends plain HTTP in absolute form.
            "GET http://clerk-api.test/m2m_tokens HTTP/1.1",
        ]
    );
}

fn trusting(ca_pem: &str, backend: TlsBackend) -> TransportSettings {
    settings()
        .add_root_certificates(ca_pem)
        .tls_backend(backend)
        .build()
        .expect("settings")
}

fn assert_trusted_only_with_the_extra_root(backend: TlsBackend) {
    let server = PrivateCaServer::start();
    for (name, answer) in both(&trusting(server.ca_pem(), backend), server.url()) {
        let response = answer.unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(response.body(), TLS_OK, "{name}");
    }
    let without = settings().tls_backend(backend).build().expect("settings");
    for (name, answer) in both(&without, server.url()) {
        let error = answer.expect_err(name);
        assert_eq!(error.kind(), TransportErrorKind::Tls, "{name}: {error:?}");
        assert_eq!(error.delivery(), Delivery::NotSent, "{name}");
    }
}

#[test]
fn an_extra_root_certificate_is_trusted_and_needed() {
    assert_trusted_only_with_the_extra_root(TlsBackend::Rustls);
}

#[cfg(feature = "native-tls")]
#[test]
fn an_extra_root_certificate_is_trusted_and_needed_with_native_tls() {
    assert_trusted_only_with_the_extra_root(TlsBackend::NativeTls);
}

#[test]
fn a_bundle_without_a_usable_certificate_is_refused_when_built() {
    // Well-formed PEM whose DER is not a certificate.
    let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let settings = settings()
        .add_root_certificates(pem)
        .build()
        .expect("the PEM form is fine");
    let errors = [
        clerk_m2m::blocking::UreqTransport::with_settings(settings.clone()).unwrap_err(),
        clerk_m2m::ReqwestTransport::with_settings(settings).unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(
                error,
                clerk_m2m::ConfigError::InvalidRootCertificate { index: 0, .. }
            ),
            "{error:?}"
        );
    }
}

#[test]
fn the_same_settings_build_both_transports() {
    let settings = settings().max_body_bytes(10).build().expect("settings");
    let server = clerk_m2m_types::test_util::LoopbackServer::start([
        clerk_m2m_types::test_util::Reply::response(200, &[], b"hello world"),
        clerk_m2m_types::test_util::Reply::response(200, &[], b"hello world"),
    ]);
    for (name, answer) in both(&settings, &server.url()) {
        let error = answer.expect_err(name);
        assert_eq!(
            error.kind(),
            TransportErrorKind::BodyTooLarge { limit: 10 },
            "{name}"
        );
    }
}

#[cfg(not(feature = "native-tls"))]
#[test]
fn native_tls_needs_its_feature() {
    let settings = settings()
        .tls_backend(TlsBackend::NativeTls)
        .build()
        .expect("settings");
    let expected = clerk_m2m::ConfigError::TlsBackendUnavailable {
        backend: TlsBackend::NativeTls,
    };
    let errors = [
        clerk_m2m::blocking::UreqTransport::with_settings(settings.clone()).unwrap_err(),
        clerk_m2m::ReqwestTransport::with_settings(settings).unwrap_err(),
    ];
    assert_eq!(errors, [expected.clone(), expected]);
    assert_eq!(
        errors[0].to_string(),
        "tls backend native-tls is not available: enable the client crate's `native-tls` feature"
    );
}
