//! The accept loop and per-connection serving.
//!
//! Connections are served one by one with hyper (HTTP/1.1, keep-alive), not
//! through `axum::serve`, so that a fault can drop a connection after its
//! request was read, so that hyper's own refusals can be rewritten
//! ([`Refusals`]), and so that shutdown closes every connection at once.

use crate::app_state::SharedState;
use crate::dispatch::dispatch;
use crate::refusals::Refusals;
use crate::routes;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

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
    let read_timeout = state.read_timeout;
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
        .header_read_timeout(read_timeout)
        .serve_connection(TokioIo::new(Refusals::new(stream)), service);
    // Dropping the connection future closes the socket.
    tokio::select! {
        _ = connection => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}
