//! What `TokenMiddleware` adds to a reqwest request once a token is cached
//! (target: under 1 µs), measured in one run against the same loopback
//! server:
//!
//! - `bare_reqwest`: a `GET` with plain reqwest;
//! - `reqwest_middleware_alone`: the same through `reqwest_middleware` with
//!   no middleware (the chain's own cost);
//! - `with_token_middleware`: the same with `TokenMiddleware`;
//! - `token_middleware_work`: the middleware's own steps without I/O (a
//!   cached `get`, the header, the request copy kept for a resend), each
//!   and together.
//!
//! `cargo bench --bench token_middleware --features reqwest-middleware`

use clerk_m2m::driver::outgoing::{wants_token, AuthorizationCache};
use clerk_m2m::TokenSourceSettings;
use clerk_m2m::{Client, CreateTokenParams, TokenMiddleware, TokenSource, TransportError};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::future::Future as _;
use std::hint::black_box;

const TOKEN: &str = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","token":"mt_opaquetokenvalue0123456789abcdefghijklmnopqrstuv","revoked":false,"revocation_reason":null,"expired":false,"expiration":4102444800000,"last_used_at":null,"created_at":1716879600000,"updated_at":1716879600000}"#;

/// A source whose token (valid until 2100) is already cached; the create
/// is answered by a closure, so no emulator runs during the measurement.
fn cached_source(runtime: &tokio::runtime::Runtime) -> TokenSource {
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
    source
}

/// A loopback server that answers every request `200 ok`, on its own
/// runtime thread.
fn start_server() -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let url = format!("http://{}/", listener.local_addr().expect("addr"));
            sender.send(url).expect("send url");
            let app = axum::Router::new().fallback(|| async { "ok" });
            axum::serve(listener, app).await.expect("serve");
        });
    });
    receiver.recv().expect("server url")
}

fn middleware_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = start_server();
    let source = cached_source(&runtime);
    let bare = reqwest::Client::new();
    let chain_only = reqwest_middleware::ClientBuilder::new(bare.clone()).build();
    let with_token = reqwest_middleware::ClientBuilder::new(bare.clone())
        .with(TokenMiddleware::new(source.clone()))
        .build();

    let mut group = c.benchmark_group("loopback_get");
    group.bench_function("bare_reqwest", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let response = bare.get(&url).send().await.expect("send");
                black_box(response.bytes().await.expect("body"))
            })
        })
    });
    group.bench_function("reqwest_middleware_alone", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let response = chain_only.get(&url).send().await.expect("send");
                black_box(response.bytes().await.expect("body"))
            })
        })
    });
    group.bench_function("with_token_middleware", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let response = with_token.get(&url).send().await.expect("send");
                assert_eq!(response.status(), 200);
                black_box(response.bytes().await.expect("body"))
            })
        })
    });
    group.finish();

    let request = bare.get(&url).build().expect("request");
    let waker = std::task::Waker::noop();
    let mut context = std::task::Context::from_waker(waker);
    let mut cached_get = || {
        // The cached path completes on its first poll.
        let mut get = std::pin::pin!(black_box(&source).get());
        match get.as_mut().poll(&mut context) {
            std::task::Poll::Ready(token) => token.expect("cached"),
            std::task::Poll::Pending => unreachable!("a cached get never waits"),
        }
    };
    let token = cached_get();
    let headers = AuthorizationCache::new();
    let fresh = || request.try_clone().expect("no body");
    let mut group = c.benchmark_group("token_middleware_work");
    group.bench_function("cached_get", |b| b.iter(&mut cached_get));
    group.bench_function("authorize", |b| {
        b.iter_batched_ref(
            fresh,
            |request| headers.authorize(request.headers_mut(), black_box(&token)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("copy_for_resend", |b| {
        b.iter_batched_ref(fresh, |request| request.try_clone(), BatchSize::SmallInput)
    });
    group.bench_function("all", |b| {
        b.iter_batched_ref(
            fresh,
            |request| {
                assert!(wants_token(request.headers()));
                let token = cached_get();
                let headers = black_box(&headers);
                headers
                    .authorize(request.headers_mut(), &token)
                    .expect("header");
                request.try_clone()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, middleware_overhead);
criterion_main!(benches);
