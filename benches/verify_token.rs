//! `verify_token` on an M2M JWT whose key is already cached (a PEM key, or
//! the instance's JWKS fetched once from a local emulator), beside the raw
//! aws-lc-rs signature check on the same key and signing input.
//!
//! `cargo bench --bench verify_token`
//!
//! Target: the client's `verify_token` within 1.15× of `raw_signature_check`;
//! `verify_token_str` is the borrowing path (no copy of the token).
//! The async calls complete on their first poll when the key is cached, so
//! they are polled once with a no-op waker: no runtime in the measurement.
//! After criterion's groups, the same pairs run interleaved (raw, client,
//! raw, client…) so machine noise hits both sides alike; the median ratio is
//! printed.
//!
//! On a busy machine wall-clock figures swing. To count one side alone, run
//! it in a loop under callgrind, which counts the loop alone:
//! `VERIFY_BENCH_LOOP=raw|<client side name> VERIFY_BENCH_CALLS=N valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_calls*' target/release/deps/verify_token-… --bench`.

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clerk_m2m::jwt::RsaPublicKey;
use clerk_m2m::{Client, CreateTokenParams, TokenFormat, VerifyTokenParams};
use clerk_m2m_emulator::Emulator;
use criterion::{criterion_group, Criterion};
use std::future::Future;
use std::hint::black_box;
use std::task::{Context, Poll, Waker};

/// Polls `future` once; a cached verification never waits.
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut context = Context::from_waker(Waker::noop());
    match std::pin::pin!(future).poll(&mut context) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("a cached verification never waits"),
    }
}

struct Fixture {
    jwt: String,
    pem_client: Client,
    jwks_client: Client,
    blocking_pem_client: clerk_m2m::blocking::Client,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
    raw_key: ParsedPublicKey,
}

fn fixture(runtime: &tokio::runtime::Runtime) -> (Fixture, clerk_m2m_emulator::EmulatorHandle) {
    let emulator = Emulator::start().expect("emulator");
    let creator = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .build()
        .expect("client");
    let created = runtime
        .block_on(
            creator.create_token(
                CreateTokenParams::new()
                    .token_format(TokenFormat::Jwt)
                    .seconds_until_expiration(3600)
                    .claims(serde_json::json!({"role": "reader"})),
            ),
        )
        .expect("create a JWT");
    let jwt = created
        .token
        .expect("token value")
        .expose_secret()
        .to_owned();

    let pem = emulator.public_key_pem();
    let pem_client = Client::builder()
        .base_url(emulator.url())
        .jwt_key(pem.clone())
        .build()
        .expect("client");
    let jwks_client = Client::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
        .build()
        .expect("client");
    let blocking_pem_client = clerk_m2m::blocking::Client::builder()
        .base_url(emulator.url())
        .jwt_key(pem.clone())
        .build()
        .expect("client");
    // Warm every cache: the JWKS fetch, and each key's parsed state.
    runtime
        .block_on(jwks_client.verify_token(VerifyTokenParams::new(jwt.clone())))
        .expect("JWKS verification");
    ready(pem_client.verify_token(VerifyTokenParams::new(jwt.clone()))).expect("PEM verification");
    blocking_pem_client
        .verify_token(VerifyTokenParams::new(jwt.clone()))
        .expect("blocking PEM verification");

    let (signing_input, signature) = jwt.rsplit_once('.').expect("a JWT");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    let key = RsaPublicKey::from_pem(&pem).expect("PEM");
    let raw_key =
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.pkcs1_der()).expect("RSA key");
    raw_key
        .verify_sig(signing_input.as_bytes(), &signature)
        .expect("raw check");
    let fixture = Fixture {
        signing_input: signing_input.as_bytes().to_vec(),
        jwt,
        pem_client,
        jwks_client,
        blocking_pem_client,
        signature,
        raw_key,
    };
    (fixture, emulator)
}

/// One measured call, by name.
type Side<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// The client-side measurements.
fn client_sides(f: &Fixture) -> Vec<Side<'_>> {
    vec![
        (
            "async_verify_token_pem",
            Box::new(|| {
                black_box(
                    ready(
                        f.pem_client
                            .verify_token(VerifyTokenParams::new(black_box(&*f.jwt))),
                    )
                    .unwrap(),
                );
            }),
        ),
        (
            "async_verify_token_jwks",
            Box::new(|| {
                black_box(
                    ready(
                        f.jwks_client
                            .verify_token(VerifyTokenParams::new(black_box(&*f.jwt))),
                    )
                    .unwrap(),
                );
            }),
        ),
        (
            "async_verify_token_str_pem",
            Box::new(|| {
                black_box(ready(f.pem_client.verify_token_str(black_box(&f.jwt))).unwrap());
            }),
        ),
        (
            "async_verify_token_str_jwks",
            Box::new(|| {
                black_box(ready(f.jwks_client.verify_token_str(black_box(&f.jwt))).unwrap());
            }),
        ),
        (
            "blocking_verify_token_str_pem",
            Box::new(|| {
                black_box(
                    f.blocking_pem_client
                        .verify_token_str(black_box(&f.jwt))
                        .unwrap(),
                );
            }),
        ),
        (
            "blocking_verify_token_pem",
            Box::new(|| {
                black_box(
                    f.blocking_pem_client
                        .verify_token(VerifyTokenParams::new(black_box(&*f.jwt)))
                        .unwrap(),
                );
            }),
        ),
    ]
}

fn verify_token(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (fixture, _emulator) = fixture(&runtime);
    let raw = || {
        fixture
            .raw_key
            .verify_sig(
                black_box(&fixture.signing_input),
                black_box(&fixture.signature),
            )
            .unwrap()
    };
    let sides = client_sides(&fixture);

    let mut group = c.benchmark_group("verify_token_cached_key");
    group.bench_function("raw_signature_check", |b| b.iter(raw));
    for (name, side) in &sides {
        group.bench_function(*name, |b| b.iter(side));
    }
    group.finish();

    for (name, side) in &sides {
        let mut ratios: Vec<f64> = (0..41)
            .map(|_| time_per_call(side) / time_per_call(raw))
            .collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "interleaved, median round: {name} / raw_signature_check = {:.3}",
            ratios[ratios.len() / 2]
        );
    }
}

/// Seconds per call of `f`, over 2000 calls.
fn time_per_call(f: impl Fn()) -> f64 {
    const CALLS: u32 = 2000;
    let start = std::time::Instant::now();
    for _ in 0..CALLS {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(CALLS)
}

/// `VERIFY_BENCH_LOOP` mode: runs one side `VERIFY_BENCH_CALLS` times and exits.
fn calls_loop() -> bool {
    let Ok(mode) = std::env::var("VERIFY_BENCH_LOOP") else {
        return false;
    };
    let calls: u64 = std::env::var("VERIFY_BENCH_CALLS")
        .ok()
        .and_then(|calls| calls.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (fixture, _emulator) = fixture(&runtime);
    let sides = client_sides(&fixture);
    let side: &dyn Fn() = if mode == "raw" {
        &|| {
            fixture
                .raw_key
                .verify_sig(
                    black_box(&fixture.signing_input),
                    black_box(&fixture.signature),
                )
                .unwrap()
        }
    } else {
        match sides.iter().find(|(name, _)| *name == mode) {
            Some((_, side)) => side,
            None => panic!("VERIFY_BENCH_LOOP={mode}: expected raw or a client side name"),
        }
    };
    run_calls(side, calls);
    true
}

/// The measured loop, on its own so that callgrind can count it alone
/// (`--collect-atstart=no --toggle-collect='*run_calls*'`).
#[inline(never)]
fn run_calls(side: &dyn Fn(), calls: u64) {
    for _ in 0..calls {
        side();
    }
}

criterion_group!(benches, verify_token);

fn main() {
    if calls_loop() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
