//! The control routes under `/_emulator/`: health, reset, clock, faults,
//! rate limit, the request journal, token minting and state. Every one but
//! `health` needs the instance secret key. They only parse and answer: what
//! they do is in `crate::control`, shared with the in-process handle.

use super::allow;
use super::extract::{ControlBody, InstanceCaller, JsonReply, QueryPairs};
use crate::api_error::ApiFailure;
use crate::app_state::SharedState;
use crate::control::ClockReading;
use crate::control_params;
use crate::journal::JournalEntry;
use crate::rate_limit::RateLimit;
use crate::state_file::{describe_json_error, EmulatorState};
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use clerk_m2m_types::M2mToken;
use http::StatusCode;
use serde::Serialize;
use serde_json::{json, Value};

pub(super) fn routes() -> Router<SharedState> {
    Router::new()
        .route("/_emulator/health", allow(get(health), "GET"))
        .route("/_emulator/reset", allow(post(reset), "POST"))
        .route(
            "/_emulator/clock",
            allow(get(clock).post(change_clock), "GET, POST"),
        )
        .route(
            "/_emulator/faults",
            allow(post(add_fault).delete(clear_faults), "DELETE, POST"),
        )
        .route(
            "/_emulator/rate_limit",
            allow(get(rate_limit).put(set_rate_limit), "GET, PUT"),
        )
        .route(
            "/_emulator/requests",
            allow(get(journal).delete(clear_journal), "DELETE, GET"),
        )
        .route("/_emulator/tokens", allow(post(mint), "POST"))
        .route(
            "/_emulator/state",
            allow(get(export_state).put(import_state), "GET, PUT"),
        )
        .route("/_emulator/state/save", allow(post(save_state), "POST"))
}

type Reply = Result<JsonReply<Value>, ApiFailure>;

fn ok(value: Value) -> Reply {
    Ok(JsonReply::ok(value))
}

async fn health() -> Reply {
    ok(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn reset(State(state): State<SharedState>, _: InstanceCaller) -> Reply {
    state.reset();
    ok(json!({"status": "ok"}))
}

async fn clock(
    State(state): State<SharedState>,
    _: InstanceCaller,
) -> Result<JsonReply<ClockReading>, ApiFailure> {
    Ok(JsonReply::ok(state.clock_reading()))
}

async fn change_clock(
    State(state): State<SharedState>,
    _: InstanceCaller,
    body: ControlBody,
) -> Result<JsonReply<ClockReading>, ApiFailure> {
    let change = control_params::parse_clock(body.object()?)?;
    Ok(JsonReply::ok(state.change_clock(&change)))
}

async fn add_fault(
    State(state): State<SharedState>,
    _: InstanceCaller,
    body: ControlBody,
) -> Reply {
    let request = control_params::parse_fault(body.object()?)?;
    state
        .faults
        .push(request.fault, request.route, request.count);
    ok(json!({"pending": state.faults.pending()}))
}

async fn clear_faults(State(state): State<SharedState>, _: InstanceCaller) -> Reply {
    state.faults.clear();
    ok(json!({"pending": 0}))
}

/// `{"rate_limit": {"requests", "window_seconds"} | null}`.
fn rate_limit_reply(limit: Option<RateLimit>) -> Reply {
    let limit = limit.map(|limit| {
        let window = limit.window();
        let seconds = if window.subsec_nanos() == 0 {
            json!(window.as_secs())
        } else {
            json!(window.as_secs_f64())
        };
        json!({"requests": limit.max_requests(), "window_seconds": seconds})
    });
    ok(json!({ "rate_limit": limit }))
}

async fn rate_limit(State(state): State<SharedState>, _: InstanceCaller) -> Reply {
    rate_limit_reply(state.throttle.limit())
}

async fn set_rate_limit(
    State(state): State<SharedState>,
    _: InstanceCaller,
    ControlBody(body): ControlBody,
) -> Reply {
    let limit = control_params::parse_rate_limit(body)?;
    state.throttle.set(limit);
    rate_limit_reply(limit)
}

#[derive(Serialize)]
struct Journal {
    requests: Vec<JournalEntry>,
}

async fn journal(
    State(state): State<SharedState>,
    _: InstanceCaller,
    QueryPairs(pairs): QueryPairs,
) -> Result<JsonReply<Journal>, ApiFailure> {
    let since = control_params::parse_since(&pairs)?;
    Ok(JsonReply::ok(Journal {
        requests: state.journal.since(since),
    }))
}

async fn clear_journal(State(state): State<SharedState>, _: InstanceCaller) -> Reply {
    state.journal.clear();
    ok(json!({"requests": []}))
}

async fn mint(
    State(state): State<SharedState>,
    _: InstanceCaller,
    body: ControlBody,
) -> Result<JsonReply<M2mToken>, ApiFailure> {
    let request = control_params::parse_mint(body.object()?)?;
    state.mint(&request).map(JsonReply::created)
}

async fn export_state(
    State(state): State<SharedState>,
    _: InstanceCaller,
) -> Result<JsonReply<EmulatorState>, ApiFailure> {
    state.export_state().map(JsonReply::ok)
}

async fn import_state(
    State(state): State<SharedState>,
    _: InstanceCaller,
    ControlBody(body): ControlBody,
) -> Reply {
    let document: EmulatorState =
        serde_json::from_value(body.unwrap_or(Value::Null)).map_err(|error| {
            ApiFailure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "state_invalid",
                "Invalid state",
                format!(
                    "This state cannot be imported: {}.",
                    describe_json_error(&error)
                ),
            )
        })?;
    let tokens = state.import_state(&document)?;
    ok(json!({ "tokens": tokens }))
}

async fn save_state(State(state): State<SharedState>, _: InstanceCaller) -> Reply {
    let path = state.save_state()?;
    ok(json!({ "path": path.display().to_string() }))
}
