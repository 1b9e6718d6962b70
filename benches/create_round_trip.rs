//! What the SDK adds to a create call, measured against the floor.
//!
//! - `build_and_parse`: building a create request and parsing its 201 answer
//!   (pure, no I/O).
//! - `async` / `blocking`: a full `create_token` round trip over loopback
//!   HTTP/1.1 keep-alive, the SDK's transport alone sending the same request
//!   (`transport_send`), and a bare reqwest / ureq POST of the same bytes to
//!   the same server, in the same run.
//!
//! `cargo bench --bench create_round_trip`

#[path = "../tests/support/mod.rs"]
mod support;

use clerk_m2m::{Config, CreateTokenParams, Endpoint};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use std::hint::black_box;
use support::{Reply, ScriptedServer, TOKEN_JSON};

const KEY: &str = "ak_test_bench_only";

fn params() -> CreateTokenParams {
    CreateTokenParams::new()
        .seconds_until_expiration(3600)
        .claims(json!({"role": "reader", "tenantId": "t_42"}))
}

/// `request` with the call's remaining time attached, as the clients send it.
fn with_budget(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut budgeted = request.clone();
    budgeted
        .extensions_mut()
        .insert(clerk_m2m::AttemptBudget::new(
            std::time::Duration::from_secs(30),
        ));
    budgeted
}

fn server() -> ScriptedServer {
    ScriptedServer::start(Reply::json(201, TOKEN_JSON))
}

fn build_and_parse(c: &mut Criterion) {
    let config = Config::builder()
        .machine_secret_key(KEY)
        .build()
        .expect("config");
    let params = params();
    c.bench_function("build_and_parse", |b| {
        b.iter(|| {
            let request = black_box(&params).build_request(&config).expect("request");
            black_box(request);
            let response = http::Response::builder()
                .status(201)
                .header("content-type", "application/json")
                .body(TOKEN_JSON.as_bytes().to_vec())
                .expect("response");
            CreateTokenParams::parse_response(response).expect("token")
        })
    });
}

/// The whole client path (params, call, retry policy, parse) over a
/// transport that answers at once: the SDK's own cost per call, no I/O.
fn canned(c: &mut Criterion) {
    let answer = || {
        http::Response::builder()
            .status(201)
            .header("content-type", "application/json")
            .body(TOKEN_JSON.as_bytes().to_vec())
            .map_err(clerk_m2m::TransportError::other)
    };
    let blocking = clerk_m2m::blocking::Client::builder()
        .machine_secret_key(KEY)
        .transport(move |_request: http::Request<Vec<u8>>| answer())
        .build()
        .expect("client");
    c.bench_function("canned/blocking_create_token", |b| {
        b.iter(|| blocking.create_token(params()).expect("created"))
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = clerk_m2m::Client::builder()
        .machine_secret_key(KEY)
        .transport(move |_request: http::Request<Vec<u8>>| async move { answer() })
        .build()
        .expect("client");
    c.bench_function("canned/async_create_token", |b| {
        b.iter(|| {
            runtime
                .block_on(client.create_token(params()))
                .expect("created")
        })
    });
}

fn async_round_trip(c: &mut Criterion) {
    let server = server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = clerk_m2m::Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .build()
        .expect("client");
    let config = client.config().clone();
    let template = params().build_request(&config).expect("request");
    let bare = reqwest::Client::builder().build().expect("reqwest");
    let mut group = c.benchmark_group("async");
    group.bench_function("create_token", |b| {
        b.iter(|| {
            runtime
                .block_on(client.create_token(params()))
                .expect("created")
        })
    });
    // The SDK's transport alone (request conversion, the attempt budget as
    // reqwest's timeout, the capped body read), without the call around it.
    let transport = clerk_m2m::ReqwestTransport::new().expect("transport");
    group.bench_function("transport_send", |b| {
        b.iter(|| {
            runtime
                .block_on(clerk_m2m::Transport::send(&transport, template.clone()))
                .expect("answered")
        })
    });
    let budgeted = with_budget(&template);
    group.bench_function("transport_send_with_budget", |b| {
        b.iter(|| {
            runtime
                .block_on(clerk_m2m::Transport::send(&transport, budgeted.clone()))
                .expect("answered")
        })
    });
    group.bench_function("bare_reqwest_post", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let mut request = bare
                    .post(template.uri().to_string())
                    .body(template.body().clone());
                for (name, value) in template.headers() {
                    request = request.header(name, value);
                }
                let response = request.send().await.expect("sent");
                response.bytes().await.expect("body")
            })
        })
    });
    group.finish();
}

fn blocking_round_trip(c: &mut Criterion) {
    let server = server();
    let client = clerk_m2m::blocking::Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .build()
        .expect("client");
    let template = params().build_request(client.config()).expect("request");
    let bare: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut group = c.benchmark_group("blocking");
    group.bench_function("create_token", |b| {
        b.iter(|| client.create_token(params()).expect("created"))
    });
    let transport = clerk_m2m::blocking::UreqTransport::new().expect("transport");
    group.bench_function("transport_send", |b| {
        b.iter(|| {
            clerk_m2m::blocking::Transport::send(&transport, template.clone()).expect("answered")
        })
    });
    let budgeted = with_budget(&template);
    group.bench_function("transport_send_with_budget", |b| {
        b.iter(|| {
            clerk_m2m::blocking::Transport::send(&transport, budgeted.clone()).expect("answered")
        })
    });
    group.bench_function("bare_ureq_post", |b| {
        b.iter(|| {
            let mut request = bare.post(template.uri().to_string());
            for (name, value) in template.headers() {
                request = request.header(name, value);
            }
            let mut response = request.send(template.body().as_slice()).expect("sent");
            response.body_mut().read_to_vec().expect("body")
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    build_and_parse,
    canned,
    async_round_trip,
    blocking_round_trip
);
criterion_main!(benches);
