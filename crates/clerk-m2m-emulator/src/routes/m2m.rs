//! The M2M token routes and the JWKS, each served both as `/m2m_tokens…`
//! (what `@clerk/backend` calls) and `/v1/m2m_tokens…` (Go, Python).

use super::allow;
use super::extract::{InstanceCaller, JsonBody, JsonReply, MachineCaller, PathId, QueryPairs};
use crate::api_error::ApiFailure;
use crate::app_state::SharedState;
use crate::auth::Caller;
use crate::params;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use clerk_m2m_types::{M2mToken, M2mTokenList};
use serde_json::Value;

/// The routes, with and without the `/v1` prefix.
pub(super) fn routes() -> Router<SharedState> {
    let mut router = Router::new();
    for prefix in ["", "/v1"] {
        router = router
            .route(
                &format!("{prefix}/m2m_tokens"),
                allow(post(create).get(list), "GET, POST"),
            )
            .route(
                &format!("{prefix}/m2m_tokens/verify"),
                allow(post(verify), "POST"),
            )
            .route(
                &format!("{prefix}/m2m_tokens/{{m2m_token_id}}/revoke"),
                allow(post(revoke), "POST"),
            )
            .route(&format!("{prefix}/jwks"), allow(get(jwks), "GET"));
    }
    router
}

async fn create(
    State(state): State<SharedState>,
    MachineCaller(machine): MachineCaller,
    JsonBody(body): JsonBody,
) -> Result<JsonReply<M2mToken>, ApiFailure> {
    let request = params::parse_create(body)?;
    state
        .create(&machine, request)
        .map(JsonReply::created_token)
}

async fn list(
    State(state): State<SharedState>,
    caller: Caller,
    QueryPairs(pairs): QueryPairs,
) -> Result<JsonReply<M2mTokenList>, ApiFailure> {
    let query = params::parse_list(&pairs)?;
    state.list(&caller, &query).map(JsonReply::ok)
}

async fn revoke(
    State(state): State<SharedState>,
    caller: Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<JsonReply<M2mToken>, ApiFailure> {
    let reason = params::parse_revoke(body)?;
    state.revoke(&caller, &id, reason).map(JsonReply::ok)
}

async fn verify(
    State(state): State<SharedState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<JsonReply<M2mToken>, ApiFailure> {
    let token = params::parse_verify(body)?;
    state.verify(&caller, &token).map(JsonReply::ok)
}

async fn jwks(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
) -> Result<JsonReply<Value>, ApiFailure> {
    Ok(JsonReply::ok(state.jwks()))
}
