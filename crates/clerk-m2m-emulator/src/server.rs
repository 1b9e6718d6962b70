//! The accept loop and per-connection serving.
//!
//! Connections are served one by one with hyper (HTTP/1.1, keep-alive), not
//! through `axum::serve`, so that a fault can drop a connection after its
//! request was read, and so that shutdown closes every connection at once.

use crate::api_error::ApiFailure;
use crate::app_state::SharedState;
use crate::faults::Fault;
use crate::routes::{self, extract::MAX_BODY};
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::header::{HeaderValue, CONTENT_LENGTH, RETRY_AFTER};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

/// Accepts connections until `shutdown` changes or its sender is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    state: SharedState,
    mut shutdown: watch::Receiver<()>,
) {
    let router = routes::router(Arc::clone(&state));
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::spawn(connection(
                    stream,
                    Arc::clone(&state),
                    router.clone(),
                    shutdown.clone(),
                ));
            }
            // Out of file descriptors and the like: back off briefly.
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

async fn connection(
    stream: TcpStream,
    state: SharedState,
    router: Router,
    mut shutdown: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = Arc::clone(&kill);
        hyper::service::service_fn(move |request| {
            let state = Arc::clone(&state);
            let router = router.clone();
            let kill = Arc::clone(&kill);
            async move { Ok::<_, Infallible>(dispatch(state, router, kill, request).await) }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    // Dropping the connection future closes the socket.
    tokio::select! {
        _ = connection => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

async fn read_all(body: Incoming) -> Bytes {
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

/// One request: faults and the rate limit first, then the routes.
async fn dispatch(
    state: SharedState,
    router: Router,
    kill: Arc<Notify>,
    request: Request<Incoming>,
) -> Response {
    state.count_request();
    let fault = state.faults.take();
    match &fault {
        Some(Fault::Delay(delay)) => tokio::time::sleep(*delay).await,
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            read_all(request.into_body()).await;
            return fault_response(*status, *retry_after);
        }
        _ => {}
    }
    if let Some(retry_after) = state.throttle.check(state.clock.now_ms()) {
        read_all(request.into_body()).await;
        return ApiFailure::rate_limited(retry_after).into_response();
    }
    let request = if fault == Some(Fault::DropConnection) {
        // The whole request is read before anything else happens.
        let (parts, body) = request.into_parts();
        Request::from_parts(parts, Body::from(read_all(body).await))
    } else {
        request.map(Body::new)
    };
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
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
