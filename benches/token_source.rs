//! A cached `TokenSource::get()`: the cost every outbound call pays once a
//! token is in hand (target: well under a microsecond). Local JWT
//! verification has its own bench in `clerk-m2m-types` (`jwt_verify`).
//!
//! `cargo bench --bench token_source`

use clerk_m2m::TokenSourceSettings;
use clerk_m2m::{Client, CreateTokenParams, TokenSource, TransportError};
use criterion::{criterion_group, criterion_main, Criterion};
use std::future::Future as _;
use std::hint::black_box;

const TOKEN: &str = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","token":"mt_opaquetokenvalue0123456789abcdefghijklmnopqrstuv","revoked":false,"revocation_reason":null,"expired":false,"expiration":4102444800000,"last_used_at":null,"created_at":1716879600000,"updated_at":1716879600000}"#;

fn cached_get(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let client = Client::builder()
        .machine_secret_key("ak_test_bench_only")
        .transport(|_request: http::Request<Vec<u8>>| async {
            http::Response::builder()
                .status(201)
                .header("content-type", "application/json")
                .body(TOKEN.as_bytes().to_vec())
                .map_err(TransportError::other)
        })
        .build()
        .expect("client");
    let settings =
        TokenSourceSettings::new().params(CreateTokenParams::new().seconds_until_expiration(3600));
    let source = TokenSource::with_settings(client, settings);
    runtime.block_on(source.get()).expect("first get creates");

    let waker = std::task::Waker::noop();
    let mut context = std::task::Context::from_waker(waker);
    c.bench_function("token_source_cached_get", |b| {
        b.iter(|| {
            // The cached path completes on its first poll: no runtime needed.
            let mut future = std::pin::pin!(black_box(&source).get());
            match future.as_mut().poll(&mut context) {
                std::task::Poll::Ready(token) => black_box(token.expect("cached")),
                std::task::Poll::Pending => unreachable!("a cached get never waits"),
            }
        })
    });
    c.bench_function("token_source_cached_get_block_on", |b| {
        b.iter(|| runtime.block_on(black_box(&source).get()).expect("cached"))
    });
}

criterion_group!(benches, cached_get);
criterion_main!(benches);
