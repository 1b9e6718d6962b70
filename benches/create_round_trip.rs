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

mod create_setup;

use clerk_m2m::{Config, CreateTokenParams, Endpoint};
use create_setup::support::TOKEN_JSON;
use create_setup::{params, server, AsyncSide, BlockingSide, RoundTrip, KEY};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

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

/// A client's round trip, its transport alone and a bare POST, in one group.
fn round_trip(c: &mut Criterion, group: &str, side: &impl RoundTrip, bare: &str) {
    let mut group = c.benchmark_group(group);
    group.bench_function("create_token", |b| b.iter(|| side.create_token()));
    group.bench_function("transport_send", |b| b.iter(|| side.transport_send(false)));
    group.bench_function("transport_send_with_budget", |b| {
        b.iter(|| side.transport_send(true))
    });
    group.bench_function("hand_rolled", |b| b.iter(|| side.hand_rolled()));
    group.bench_function(bare, |b| b.iter(|| side.bare_post()));
    group.finish();
}

fn async_round_trip(c: &mut Criterion) {
    let server = server();
    round_trip(c, "async", &AsyncSide::new(&server), "bare_reqwest_post");
}

fn blocking_round_trip(c: &mut Criterion) {
    let server = server();
    round_trip(c, "blocking", &BlockingSide::new(&server), "bare_ureq_post");
}

criterion_group!(
    benches,
    build_and_parse,
    canned,
    async_round_trip,
    blocking_round_trip
);
criterion_main!(benches);
