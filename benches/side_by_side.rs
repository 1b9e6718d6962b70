//! The create round trip side by side with its floor, in interleaved slices.
//!
//! Criterion measures one function after another, so a machine that drifts
//! (frequency, a neighbour's load) between two functions moves their ratio.
//! Here every round runs a slice of each variant in turn and the ratio is
//! taken between medians of slices, so drift hits all variants alike.
//!
//! Variants, per client, against one loopback keep-alive server:
//! - `create_token`: the SDK call (params, request, attempt, parse);
//! - `transport_send`: the SDK's transport alone sending the built request;
//! - `with_budget`: the same with the call's remaining time attached, as the
//!   clients send it (what bounding each attempt by the deadline costs);
//! - `bare`: a bare reqwest / ureq POST of the same bytes.
//!
//! `cargo bench --bench side_by_side` (add `taskset -c 0` in front for one
//! CPU, where loopback wake-ups cost least and the SDK's share is largest).
//! `SIDE_BY_SIDE_ROUNDS` (default 150) and `SIDE_BY_SIDE_SLICE` (default 200
//! calls) size the run.

#[path = "../tests/support/mod.rs"]
mod support;

use clerk_m2m::{CreateTokenParams, Endpoint};
use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::{Reply, ScriptedServer, TOKEN_JSON};

const KEY: &str = "ak_test_bench_only";

fn params() -> CreateTokenParams {
    CreateTokenParams::new()
        .seconds_until_expiration(3600)
        .claims(json!({"role": "reader", "tenantId": "t_42"}))
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// `request` with a call's remaining time attached, shorter than the
/// transport's own attempt timeout, so the transport bounds the attempt by it.
fn with_budget(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut budgeted = request.clone();
    budgeted
        .extensions_mut()
        .insert(clerk_m2m::AttemptBudget::new(Duration::from_secs(10)));
    budgeted
}

/// One variant: a name and a call that runs it once.
type Variant<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Runs `rounds` rounds of `slice` calls of each variant (the order rotates
/// each round) and prints each variant's median time per call and its ratio
/// to the last variant (the floor).
fn compare(group: &str, variants: &mut [Variant<'_>], rounds: usize, slice: usize) {
    let mut samples = vec![Vec::with_capacity(rounds); variants.len()];
    for (_, run) in variants.iter_mut() {
        for _ in 0..slice {
            run();
        }
    }
    for round in 0..rounds {
        for offset in 0..variants.len() {
            let index = (round + offset) % variants.len();
            let run = &mut variants[index].1;
            let started = Instant::now();
            for _ in 0..slice {
                run();
            }
            samples[index].push(started.elapsed().as_secs_f64() * 1e6 / slice as f64);
        }
    }
    let medians: Vec<f64> = samples
        .iter_mut()
        .map(|slices| {
            slices.sort_by(f64::total_cmp);
            slices[slices.len() / 2]
        })
        .collect();
    let floor = medians[medians.len() - 1];
    for ((name, _), median) in variants.iter().zip(&medians) {
        println!(
            "{group}/{name:<16} median {median:8.2} µs/call   {:.3}× {}",
            median / floor,
            variants[variants.len() - 1].0
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter is not supported.
    let rounds = setting("SIDE_BY_SIDE_ROUNDS", 150);
    let slice = setting("SIDE_BY_SIDE_SLICE", 200);
    let server = ScriptedServer::start(Reply::json(201, TOKEN_JSON));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = clerk_m2m::Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .build()
        .expect("client");
    let template = params().build_request(client.config()).expect("request");
    let transport = clerk_m2m::ReqwestTransport::new().expect("transport");
    let bare = reqwest::Client::builder().build().expect("reqwest");
    let mut async_variants: Vec<Variant<'_>> = vec![
        (
            "create_token",
            Box::new(|| {
                let token = runtime.block_on(client.create_token(params()));
                black_box(token.expect("created"));
            }),
        ),
        (
            "transport_send",
            Box::new(|| {
                let sent =
                    runtime.block_on(clerk_m2m::Transport::send(&transport, template.clone()));
                black_box(sent.expect("answered"));
            }),
        ),
        (
            "with_budget",
            Box::new(|| {
                let sent = runtime.block_on(clerk_m2m::Transport::send(
                    &transport,
                    with_budget(&template),
                ));
                black_box(sent.expect("answered"));
            }),
        ),
        (
            "bare",
            Box::new(|| {
                let body = runtime.block_on(async {
                    let mut request = bare
                        .post(template.uri().to_string())
                        .body(template.body().clone());
                    for (name, value) in template.headers() {
                        request = request.header(name, value);
                    }
                    let response = request.send().await.expect("sent");
                    response.bytes().await.expect("body")
                });
                black_box(body);
            }),
        ),
    ];
    compare("async", &mut async_variants, rounds, slice);
    drop(async_variants);

    let client = clerk_m2m::blocking::Client::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .build()
        .expect("client");
    let transport = clerk_m2m::blocking::UreqTransport::new().expect("transport");
    let bare: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut blocking_variants: Vec<Variant<'_>> = vec![
        (
            "create_token",
            Box::new(|| {
                black_box(client.create_token(params()).expect("created"));
            }),
        ),
        (
            "transport_send",
            Box::new(|| {
                let sent = clerk_m2m::blocking::Transport::send(&transport, template.clone());
                black_box(sent.expect("answered"));
            }),
        ),
        (
            "with_budget",
            Box::new(|| {
                let sent =
                    clerk_m2m::blocking::Transport::send(&transport, with_budget(&template));
                black_box(sent.expect("answered"));
            }),
        ),
        (
            "bare",
            Box::new(|| {
                let mut request = bare.post(template.uri().to_string());
                for (name, value) in template.headers() {
                    request = request.header(name, value);
                }
                let mut response = request.send(template.body().as_slice()).expect("sent");
                black_box(response.body_mut().read_to_vec().expect("body"));
            }),
        ),
    ];
    compare("blocking", &mut blocking_variants, rounds, slice);
}
