//! One request's way through the emulator: control routes straight to
//! their handlers; API requests through the caller check, the fault queue,
//! the rate limit, the routes and into the journal.

use crate::api_error::ApiFailure;
use crate::app_state::SharedState;
use crate::auth::{authenticate, Authenticated};
use crate::faults::Fault;
use crate::journal::{redact_target, CreatedTokenId, NewEntry};
use crate::read_timeout::TimedBody;
use crate::routes::{extract::MAX_BODY, CONTROL_PREFIX};
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::header::{HeaderValue, CONTENT_LENGTH, RETRY_AFTER};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Reads and discards a body the emulator answers without processing.
async fn read_all(body: Body) -> Bytes {
    Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default()
}

fn fault_response(status: StatusCode, retry_after: Option<Duration>) -> Response {
    let mut failure = ApiFailure::new(
        status,
        "emulator_fault",
        "Injected fault",
        format!("The emulator was told to answer {status} to this request."),
    );
    if let Some(retry_after) = retry_after {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        failure = failure.header(RETRY_AFTER, HeaderValue::from(seconds));
    }
    failure.into_response()
}

async fn route(router: Router, request: Request<Body>) -> Response {
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// One request. `kill` closes the connection (for a dropped-connection fault).
pub(crate) async fn dispatch(
    state: SharedState,
    router: Router,
    kill: Arc<Notify>,
    request: Request<Incoming>,
) -> Response {
    let read_timeout = state.read_timeout;
    let mut request = request.map(|body| Body::new(TimedBody::new(body, read_timeout)));
    // Control routes: never faulted, rate-limited, counted or journaled.
    if request.uri().path().starts_with(CONTROL_PREFIX) {
        return route(router, request).await;
    }
    state.count_request();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let target = redact_target(&path, request.uri().query());
    let caller = authenticate(&state, request.headers());
    let caller_label = caller.as_ref().ok().map(|caller| caller.label().to_owned());
    request.extensions_mut().insert(Authenticated(caller));
    let record = |status: StatusCode, token_id: Option<String>| {
        state.journal.record(NewEntry {
            method: method.to_string(),
            path: target,
            caller: caller_label,
            status: status.as_u16(),
            token_id,
        });
    };

    let fault = state.faults.take(&method, &path);
    match &fault {
        Some(Fault::Delay(delay)) => tokio::time::sleep(*delay).await,
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            read_all(request.into_body()).await;
            record(*status, None);
            return fault_response(*status, *retry_after);
        }
        _ => {}
    }
    if let Some(retry_after) = state.throttle.check(state.clock.now_ms()) {
        read_all(request.into_body()).await;
        record(StatusCode::TOO_MANY_REQUESTS, None);
        return ApiFailure::rate_limited(retry_after).into_response();
    }
    let request = if fault == Some(Fault::DropConnection) {
        // The whole request is read before anything else happens.
        let (parts, body) = request.into_parts();
        Request::from_parts(parts, Body::from(read_all(body).await))
    } else {
        request
    };
    let response = route(router, request).await;
    let token_id = response
        .extensions()
        .get::<CreatedTokenId>()
        .map(|created| created.0.clone());
    record(response.status(), token_id);
    match fault {
        Some(Fault::DropConnection) => {
            kill.notify_one();
            std::future::pending().await
        }
        Some(Fault::MalformedBody) => {
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = if bytes.len() < 2 {
                Bytes::from_static(b"{")
            } else {
                bytes.slice(..bytes.len() / 2)
            };
            parts.headers.remove(CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(cut))
        }
        Some(Fault::EmptyBody) => {
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(CONTENT_LENGTH);
            Response::from_parts(parts, Body::empty())
        }
        _ => response,
    }
}
