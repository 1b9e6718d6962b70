//! What the layer costs: axum `GET /whoami` behind `M2mAuthLayer` with an
//! M2M JWT whose key is cached (no network per request: the JWKS is
//! fetched once from the in-process emulator), against the same route with
//! no authentication. Both run through the router in-process
//! (`tower::ServiceExt::oneshot`), so the difference is the layer: header
//! parsing, local RS256 verification, the rules, the span, the extractor.
//! A third measurement, `Client::verify_token` alone on the same JWT, shows
//! how much of that is the signature check.
//!
//! `cargo bench -p clerk-m2m-axum --bench whoami`

use axum::body::Body;
use axum::routing::get;
use axum::{Json, Router};
use clerk_m2m_async::{Client, CreateTokenParams, TokenFormat, VerifyTokenParams};
use clerk_m2m_axum::{M2mAuthLayer, VerifiedMachine};
use clerk_m2m_emulator::Emulator;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use std::hint::black_box;
use tower::ServiceExt as _;

const MACHINE_ID: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const TOKEN_ID: &str = "mt_0123456789abcdef0123456789abcdef";

async fn whoami(machine: VerifiedMachine) -> Json<Value> {
    Json(json!({ "machine_id": machine.machine_id(), "token_id": machine.token_id() }))
}

async fn whoami_unprotected() -> Json<Value> {
    Json(json!({ "machine_id": MACHINE_ID, "token_id": TOKEN_ID }))
}

fn request(authorization: Option<&str>) -> http::Request<Body> {
    let mut request = http::Request::get("/whoami");
    if let Some(value) = authorization {
        request = request.header(http::header::AUTHORIZATION, value);
    }
    request.body(Body::empty()).expect("request")
}

fn whoami_with_and_without_the_layer(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = Emulator::start().expect("emulator");
    let creator = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .build()
        .expect("creator");
    let receiver = Client::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
        .build()
        .expect("receiver");
    let jwt = runtime
        .block_on(
            creator.create_token(
                CreateTokenParams::new()
                    .token_format(TokenFormat::Jwt)
                    .seconds_until_expiration(3600),
            ),
        )
        .expect("create");
    let jwt_value = jwt
        .token
        .as_ref()
        .expect("value")
        .expose_secret()
        .to_owned();
    let bearer = format!("Bearer {jwt_value}");

    let protected = Router::new()
        .route("/whoami", get(whoami))
        .layer(M2mAuthLayer::new(receiver.clone()));
    let unprotected = Router::new().route("/whoami", get(whoami_unprotected));

    // Fetch the JWKS once; from here on no request leaves the process.
    let warm = runtime
        .block_on(protected.clone().oneshot(request(Some(&bearer))))
        .expect("infallible");
    assert_eq!(warm.status(), 200, "the JWT verifies");
    let requests_after_warmup = emulator.requests_received();

    let mut group = c.benchmark_group("get_whoami");
    group.throughput(Throughput::Elements(1));
    group.bench_function("no_auth", |b| {
        b.iter(|| {
            let response = runtime
                .block_on(unprotected.clone().oneshot(request(None)))
                .expect("infallible");
            black_box(response.status())
        })
    });
    group.bench_function("m2m_layer_cached_jwt", |b| {
        b.iter(|| {
            let response = runtime
                .block_on(protected.clone().oneshot(request(Some(&bearer))))
                .expect("infallible");
            debug_assert_eq!(response.status(), 200);
            black_box(response.status())
        })
    });
    group.bench_function("verify_token_only", |b| {
        b.iter(|| {
            let verified = runtime
                .block_on(receiver.verify_token(VerifyTokenParams::new(jwt_value.as_str())))
                .expect("verifies");
            black_box(verified)
        })
    });
    group.finish();
    assert_eq!(
        emulator.requests_received(),
        requests_after_warmup,
        "the key stayed cached: no request reached Clerk"
    );
}

criterion_group!(benches, whoami_with_and_without_the_layer);
criterion_main!(benches);
