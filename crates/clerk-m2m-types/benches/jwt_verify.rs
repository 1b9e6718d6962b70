//! Local verification of a cached-key RS256 M2M JWT, beside the raw
//! signature check alone (aws-lc-rs `ParsedPublicKey::verify_sig` on the
//! same key and signing input, the signature already decoded).
//!
//! `cargo bench -p clerk-m2m-types --features jwt --bench jwt_verify`
//!
//! Target: `full_verify` within 1.15× of `raw_signature_check`.
//!
//! On a busy machine wall-clock figures swing. To count one side alone, run
//! it in a loop under `perf stat` (`-e cycles:u,instructions:u` where the
//! CPU exposes counters, else `-e task-clock`):
//! `JWT_BENCH_LOOP=raw|full|parse|classify JWT_BENCH_CALLS=N perf stat -e … target/release/deps/jwt_verify-… --bench`,
//! with two values of N to cancel start-up costs.

#[path = "../tests/fixtures/mint.rs"]
mod mint;

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clerk_m2m_types::driver::jwks::{classify, Classified};
use clerk_m2m_types::jwt::{is_m2m_jwt, verify, KeySet, VerifyOptions, CRYPTO_BACKEND};
use criterion::{black_box, criterion_group, Criterion};
use mint::{header, now, payload, TestKey};
use serde_json::json;

struct Fixture {
    token: String,
    keys: KeySet,
    signing_input: String,
    signature: Vec<u8>,
    raw_key: ParsedPublicKey,
}

fn fixture() -> Fixture {
    let key = TestKey::a();
    let token = mint::mint(&header("ins_a"), &payload(), key);
    let jwks = json!({"keys": [key.jwk("ins_a", json!({"use": "sig", "alg": "RS256"}))]});
    let keys = KeySet::from_jwks_json(jwks.to_string().as_bytes()).unwrap();
    // Cached key: the first verification parses it, the measured ones reuse it.
    verify(&token, &keys, now(), &VerifyOptions::new()).unwrap();

    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let raw_key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.pkcs1_der()).unwrap();
    raw_key
        .verify_sig(signing_input.as_bytes(), &signature)
        .unwrap();

    Fixture {
        signing_input: signing_input.to_owned(),
        token,
        keys,
        signature,
        raw_key,
    }
}

fn rs256(c: &mut Criterion) {
    let Fixture {
        token,
        keys,
        signing_input,
        signature,
        raw_key,
    } = fixture();
    let options = VerifyOptions::new();
    let now = now();
    let mut group = c.benchmark_group(format!("rs256_m2m_jwt/{CRYPTO_BACKEND}"));
    group.bench_function("raw_signature_check", |b| {
        b.iter(|| {
            raw_key
                .verify_sig(black_box(signing_input.as_bytes()), black_box(&signature))
                .unwrap()
        })
    });
    group.bench_function("full_verify", |b| {
        b.iter(|| verify(black_box(&token), &keys, now, &options).unwrap())
    });
    // Everything but the crypto and the result: decoding and parsing up to
    // the key lookup, which fails on an empty key set.
    let no_keys = KeySet::new();
    group.bench_function("decode_and_parse_only", |b| {
        b.iter(|| verify(black_box(&token), &no_keys, now, &options).unwrap_err())
    });
    // Routing, then verifying from scratch (two decodings)…
    group.bench_function("route_then_full_verify", |b| {
        b.iter(|| {
            assert!(is_m2m_jwt(black_box(&token)).unwrap());
            verify(black_box(&token), &keys, now, &options).unwrap()
        })
    });
    // …and in one pass, as the clients' `verify_token` does.
    group.bench_function("classify_then_verify", |b| {
        b.iter(|| classify_then_verify(black_box(&token), &keys, now, &options))
    });
    group.finish();

    // The same comparison interleaved (raw, full, raw, full…), so that
    // machine noise hits both sides alike; prints the median ratio.
    let mut ratios = Vec::new();
    for _ in 0..41 {
        let raw = time_per_iter(|| {
            raw_key
                .verify_sig(black_box(signing_input.as_bytes()), black_box(&signature))
                .unwrap()
        });
        let full = time_per_iter(|| {
            verify(black_box(&token), &keys, now, &options).unwrap();
        });
        ratios.push((full / raw, raw, full));
    }
    let fastest_raw = ratios.iter().map(|r| r.1).fold(f64::MAX, f64::min);
    let fastest_full = ratios.iter().map(|r| r.2).fold(f64::MAX, f64::min);
    ratios.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (ratio, raw, full) = ratios[ratios.len() / 2];
    println!(
        "interleaved, median round: raw_signature_check {:.2} µs, full_verify {:.2} µs, ratio {ratio:.3}",
        raw * 1e6,
        full * 1e6
    );
    println!(
        "interleaved, fastest rounds: raw_signature_check {:.2} µs, full_verify {:.2} µs, ratio {:.3}",
        fastest_raw * 1e6,
        fastest_full * 1e6,
        fastest_full / fastest_raw
    );
}

fn classify_then_verify(
    token: &str,
    keys: &KeySet,
    now: std::time::SystemTime,
    options: &VerifyOptions,
) -> clerk_m2m_types::M2mToken {
    match classify(token).unwrap() {
        Classified::M2mJwt(jwt) => jwt.verify(keys, now, options).unwrap(),
        Classified::NotM2mJwt => panic!("an M2M JWT"),
    }
}

/// Seconds per call of `f`, over 2000 calls.
fn time_per_iter(mut f: impl FnMut()) -> f64 {
    const CALLS: u32 = 2000;
    let start = std::time::Instant::now();
    for _ in 0..CALLS {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(CALLS)
}

/// `JWT_BENCH_LOOP` mode: runs one side `JWT_BENCH_CALLS` times and exits.
fn calls_loop() -> bool {
    let Ok(mode) = std::env::var("JWT_BENCH_LOOP") else {
        return false;
    };
    let calls: u64 = std::env::var("JWT_BENCH_CALLS")
        .ok()
        .and_then(|calls| calls.parse().ok())
        .unwrap_or(100_000);
    let fixture = fixture();
    let options = VerifyOptions::new();
    let now = now();
    let no_keys = KeySet::new();
    for _ in 0..calls {
        match mode.as_str() {
            "raw" => fixture
                .raw_key
                .verify_sig(
                    black_box(fixture.signing_input.as_bytes()),
                    black_box(&fixture.signature),
                )
                .unwrap(),
            "full" => {
                black_box(verify(black_box(&fixture.token), &fixture.keys, now, &options).unwrap());
            }
            "parse" => {
                black_box(verify(black_box(&fixture.token), &no_keys, now, &options).unwrap_err());
            }
            "classify" => {
                black_box(classify_then_verify(
                    black_box(&fixture.token),
                    &fixture.keys,
                    now,
                    &options,
                ));
            }
            other => panic!("JWT_BENCH_LOOP={other}: expected raw, full, parse or classify"),
        }
    }
    true
}

criterion_group!(benches, rs256);

fn main() {
    if !calls_loop() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
}
