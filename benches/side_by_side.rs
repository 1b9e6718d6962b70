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
//! - `hand_rolled`: what a minimal hand-written client does: the body
//!   serialised from JSON, the bare POST, the answer parsed into a plain
//!   struct with serde;
//! - `bare`: a bare reqwest / ureq POST of the same bytes (the floor).
//!
//! `cargo bench --bench side_by_side` (add `taskset -c 0` in front for one
//! CPU, where loopback wake-ups cost least and the SDK's share is largest).
//! `SIDE_BY_SIDE_ROUNDS` (default 150) and `SIDE_BY_SIDE_SLICE` (default 200
//! calls) size the run; `SIDE_BY_SIDE_GROUPS=async` (or `blocking`) runs one
//! client only. `SIDE_BY_SIDE_PROFILE=<variant>` runs only that variant
//! (`ROUNDS × SLICE` calls, nothing printed), for a profiler such as
//! `perf record` or `valgrind --tool=callgrind`.

mod create_setup;

use create_setup::{server, AsyncSide, BlockingSide, RoundTrip};
use std::time::Instant;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The variants, in the order printed; the last is the floor.
const VARIANTS: [&str; 5] = [
    "create_token",
    "transport_send",
    "with_budget",
    "hand_rolled",
    "bare",
];

fn run(side: &impl RoundTrip, variant: usize) {
    match variant {
        0 => side.create_token(),
        1 => side.transport_send(false),
        2 => side.transport_send(true),
        3 => side.hand_rolled(),
        _ => side.bare_post(),
    }
}

/// Runs `rounds` rounds of `slice` calls of each variant (the order rotates
/// each round) and prints each variant's median time per call and its ratio
/// to the last variant (the floor) and to `hand_rolled`.
fn compare(group: &str, side: &impl RoundTrip, rounds: usize, slice: usize) {
    let mut samples = vec![Vec::with_capacity(rounds); VARIANTS.len()];
    for variant in 0..VARIANTS.len() {
        for _ in 0..slice {
            run(side, variant);
        }
    }
    for round in 0..rounds {
        for offset in 0..VARIANTS.len() {
            let index = (round + offset) % VARIANTS.len();
            let started = Instant::now();
            for _ in 0..slice {
                run(side, index);
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
    let floor = medians[VARIANTS.len() - 1];
    let hand_rolled = medians[3];
    for (name, median) in VARIANTS.iter().zip(&medians) {
        println!(
            "{group}/{name:<16} median {median:8.2} µs/call   {:.3}× bare   {:.3}× hand_rolled",
            median / floor,
            median / hand_rolled,
        );
    }
}

/// Runs one variant `calls` times, for a profiler.
fn profile(side: &impl RoundTrip, variant: &str, calls: usize) {
    let Some(index) = VARIANTS.iter().position(|name| *name == variant) else {
        eprintln!("side_by_side: unknown variant {variant:?} ({VARIANTS:?})");
        return;
    };
    for _ in 0..calls {
        run(side, index);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter is not supported.
    let rounds = setting("SIDE_BY_SIDE_ROUNDS", 150);
    let slice = setting("SIDE_BY_SIDE_SLICE", 200);
    let server = server();

    if let Ok(variant) = std::env::var("SIDE_BY_SIDE_PROFILE") {
        let groups = std::env::var("SIDE_BY_SIDE_GROUPS").unwrap_or_else(|_| "async".into());
        for group in groups.split(',') {
            match group {
                "async" => profile(&AsyncSide::new(&server), &variant, rounds * slice),
                "blocking" => profile(&BlockingSide::new(&server), &variant, rounds * slice),
                other => eprintln!("side_by_side: unknown group {other:?} (async, blocking)"),
            }
        }
        return;
    }

    let groups = std::env::var("SIDE_BY_SIDE_GROUPS").unwrap_or_else(|_| "async,blocking".into());
    for group in groups.split(',') {
        match group {
            "async" => compare(group, &AsyncSide::new(&server), rounds, slice),
            "blocking" => compare(group, &BlockingSide::new(&server), rounds, slice),
            other => eprintln!("side_by_side: unknown group {other:?} (async, blocking)"),
        }
    }
}
