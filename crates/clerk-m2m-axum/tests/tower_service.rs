//! The layer is not axum-only: a plain tower `service_fn` behind it, served
//! by hyper itself over loopback, reads the verified machine from the
//! request's extensions. Hyper's request body is not `Sync`; the response
//! body is `http_body_util::Full`.

mod support;

use clerk_m2m_axum::{M2mAuthLayer, VerifiedMachine};
use clerk_m2m_emulator::Emulator;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use support::*;
use tower::ServiceBuilder;

async fn hello(
    request: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let machine = request
        .extensions()
        .get::<VerifiedMachine>()
        .expect("the layer let only verified requests through");
    Ok(http::Response::new(Full::from(format!(
        "hello {}",
        machine.machine_id()
    ))))
}

#[tokio::test]
async fn a_plain_tower_service_behind_the_layer() {
    let emulator = Emulator::start().unwrap();
    let service = ServiceBuilder::new()
        .layer(M2mAuthLayer::new(receiver_client(&emulator)))
        .service_fn(hello);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    let url = format!("http://{addr}/anything");

    let missing = get_with(&url, &[]).await;
    missing.assert_no_credentials();

    let (_, token) = mint_opaque(&emulator).await;
    let answer = get_bearer(&url, &token).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let expected = format!("hello {}", machine_id(&emulator, CALLER));
    assert_eq!(answer.body.as_str(), Some(expected.as_str()));

    let revoked = get_bearer(&url, "mt_unknown").await;
    revoked.assert_invalid_token("token-invalid");
}
