//! The HTTP surface: one router built from one file of routes per feature,
//! and Clerk-shaped answers for everything the framework would otherwise
//! answer itself (unknown route, wrong method).
//!
//! Every handler has the same shape: `State`, then the extractors of
//! [`extract`] (the caller first, the body last), returning
//! `Result<JsonReply<T>, ApiFailure>`. A new feature adds a file with a
//! `routes()` function and merges it in [`router`].

mod control;
pub(crate) mod extract;
mod m2m;
mod machines;

use crate::api_error::ApiFailure;
use crate::app_state::SharedState;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use http::Method;

/// Where the control routes live: a prefix Clerk's API never uses.
pub(crate) const CONTROL_PREFIX: &str = "/_emulator/";

/// Every route: the emulated API and the control routes.
pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .merge(m2m::routes())
        .merge(machines::routes())
        .merge(control::routes())
        .fallback(route_not_found)
        .with_state(state)
}

/// Answers any other method with 405 and `Allow: <allow>`.
fn allow(
    method_router: MethodRouter<SharedState>,
    allow: &'static str,
) -> MethodRouter<SharedState> {
    method_router.fallback(move || async move { ApiFailure::method_not_allowed(allow) })
}

async fn route_not_found(method: Method) -> Response {
    ApiFailure::route_not_found(method.as_str()).into_response()
}
