//! A downstream service for the calling-side tests, on 127.0.0.1: it
//! accepts a request only with a valid M2M token, verified through the
//! emulator with machine B's key (so an expired token is refused), and can
//! be told to refuse given tokens as if they were revoked, holding those
//! refusals until a number of them have arrived (so that many requests are
//! provably in flight with the same token).
#![allow(dead_code)] // each test binary uses a different part of it

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clerk_m2m::{Authenticator, Client};
use clerk_m2m_emulator::EmulatorHandle;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Barrier;

pub struct Downstream {
    base: String,
    state: Arc<Shared>,
}

struct Shared {
    auth: Authenticator,
    accepted: AtomicUsize,
    rejected: AtomicUsize,
    accepted_tokens: Mutex<HashSet<String>>,
    revoked: Mutex<HashSet<String>>,
    hold: Mutex<Option<Arc<Barrier>>>,
}

impl Downstream {
    /// Starts on the current Tokio runtime, verifying through `emulator`.
    pub async fn start(emulator: &EmulatorHandle) -> Self {
        let verifier = Client::builder()
            .base_url(emulator.url())
            .machine_secret_key(emulator.machines()[1].secret_key().clone())
            .build()
            .expect("verifier client");
        let state = Arc::new(Shared {
            auth: Authenticator::new(verifier),
            accepted: AtomicUsize::new(0),
            rejected: AtomicUsize::new(0),
            accepted_tokens: Mutex::new(HashSet::new()),
            revoked: Mutex::new(HashSet::new()),
            hold: Mutex::new(None),
        });
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Requests answered 200.
    pub fn accepted(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// Requests answered 401 (missing, invalid, expired or revoked token).
    pub fn rejected(&self) -> usize {
        self.state.rejected.load(Ordering::SeqCst)
    }

    /// The ids of the tokens it accepted.
    pub fn accepted_tokens(&self) -> HashSet<String> {
        self.state.accepted_tokens.lock().unwrap().clone()
    }

    /// From now on, answers 401 to every request carrying this token.
    pub fn revoke(&self, token_id: &str) {
        self.state
            .revoked
            .lock()
            .unwrap()
            .insert(token_id.to_owned());
    }

    /// Holds each refusal of a revoked token until `n` of them are waiting.
    pub fn hold_refusals_until(&self, n: usize) {
        *self.state.hold.lock().unwrap() = Some(Arc::new(Barrier::new(n)));
    }
}

/// Any method, any path: 200 with `<subject>:<request body>` for a valid
/// token, 401 otherwise.
async fn answer(
    State(state): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let header = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let token = match state.auth.authenticate_header(header).await {
        Ok(token) => token,
        Err(error) => {
            state.rejected.fetch_add(1, Ordering::SeqCst);
            return (
                StatusCode::UNAUTHORIZED,
                format!("refused: {}", error.code()),
            );
        }
    };
    if state.revoked.lock().unwrap().contains(&token.id) {
        let hold = state.hold.lock().unwrap().clone();
        if let Some(barrier) = hold {
            barrier.wait().await;
        }
        state.rejected.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::UNAUTHORIZED, "refused: revoked".to_owned());
    }
    state.accepted.fetch_add(1, Ordering::SeqCst);
    state
        .accepted_tokens
        .lock()
        .unwrap()
        .insert(token.id.clone());
    (
        StatusCode::OK,
        format!("{}:{}", token.subject, String::from_utf8_lossy(&body)),
    )
}
