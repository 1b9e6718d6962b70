//! The nine Machines routes, under `/v1/machines` only (as
//! `@clerk/backend` calls them), each admitting only the instance secret
//! key. Every success answers 200, create included.

use super::allow;
use super::extract::{InstanceCaller, JsonBody, JsonReply, PathId, QueryPairs};
use crate::api_error::ApiFailure;
use crate::app_state::SharedState;
use crate::machine_params;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::{delete, get, post};
use axum::Router;
use clerk_m2m_types::{
    DeletedMachine, DeletedMachineScope, Machine, MachineList, MachineScope, MachineSecretKey,
};

/// The routes.
pub(super) fn routes() -> Router<SharedState> {
    Router::new()
        .route("/v1/machines", allow(get(list).post(create), "GET, POST"))
        .route(
            "/v1/machines/{machine_id}",
            allow(
                get(get_one).patch(update).delete(delete_one),
                "GET, PATCH, DELETE",
            ),
        )
        .route(
            "/v1/machines/{machine_id}/secret_key",
            allow(get(secret_key), "GET"),
        )
        .route(
            "/v1/machines/{machine_id}/secret_key/rotate",
            allow(post(rotate), "POST"),
        )
        .route(
            "/v1/machines/{machine_id}/scopes",
            allow(post(add_scope), "POST"),
        )
        .route(
            "/v1/machines/{machine_id}/scopes/{other_machine_id}",
            allow(delete(remove_scope), "DELETE"),
        )
}

async fn list(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    QueryPairs(pairs): QueryPairs,
) -> Result<JsonReply<MachineList>, ApiFailure> {
    let query = machine_params::parse_list(&pairs)?;
    Ok(JsonReply::ok(state.list_machines(&query)))
}

async fn create(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    JsonBody(body): JsonBody,
) -> Result<JsonReply<Machine>, ApiFailure> {
    let new = machine_params::parse_create(body)?;
    state.create_machine(new).map(JsonReply::ok)
}

async fn get_one(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    PathId(id): PathId,
) -> Result<JsonReply<Machine>, ApiFailure> {
    state.get_machine(&id).map(JsonReply::ok)
}

async fn update(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<JsonReply<Machine>, ApiFailure> {
    let change = machine_params::parse_update(body)?;
    state.update_machine(&id, change).map(JsonReply::ok)
}

async fn delete_one(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    PathId(id): PathId,
) -> Result<JsonReply<DeletedMachine>, ApiFailure> {
    state.delete_machine(&id).map(JsonReply::ok)
}

async fn secret_key(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    PathId(id): PathId,
) -> Result<JsonReply<MachineSecretKey>, ApiFailure> {
    state.machine_secret_key(&id).map(JsonReply::ok)
}

async fn rotate(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<JsonReply<MachineSecretKey>, ApiFailure> {
    let previous_token_ttl = machine_params::parse_rotate(body)?;
    state
        .rotate_machine_key(&id, previous_token_ttl)
        .map(JsonReply::ok)
}

async fn add_scope(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<JsonReply<MachineScope>, ApiFailure> {
    let to_machine_id = machine_params::parse_add_scope(body)?;
    state
        .add_machine_scope(&id, &to_machine_id)
        .map(JsonReply::ok)
}

async fn remove_scope(
    State(state): State<SharedState>,
    _instance: InstanceCaller,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Result<JsonReply<DeletedMachineScope>, ApiFailure> {
    // Undecodable ids become empty ones, refused as malformed by the operation.
    let (id, other_machine_id) = ids.map(|Path(ids)| ids).unwrap_or_default();
    state
        .remove_machine_scope(&id, &other_machine_id)
        .map(JsonReply::ok)
}
