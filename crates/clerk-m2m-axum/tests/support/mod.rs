//! Shared by the integration tests: the emulator's machines, tokens minted
//! through it, an axum app served on a loopback port, and a real HTTP client.
#![allow(dead_code)] // each test binary uses its own subset

use axum::routing::get;
use axum::{Json, Router};
use clerk_m2m_async::{Client, CreateTokenParams, M2mToken, RetryPolicy, TokenFormat};
use clerk_m2m_axum::{M2mAuthLayer, VerifiedMachine};
use clerk_m2m_emulator::EmulatorHandle;
use serde_json::{json, Value};

/// Machine A: the caller. Its tokens are scoped to machine B.
pub const CALLER: usize = 0;
/// Machine B: the receiving service.
pub const RECEIVER: usize = 1;

pub fn machine_id(emulator: &EmulatorHandle, index: usize) -> String {
    emulator.machines()[index].id().to_owned()
}

/// A client with one machine's key (creates its tokens).
pub fn machine_client(emulator: &EmulatorHandle, index: usize) -> Client {
    Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[index].secret_key().clone())
        .build()
        .expect("machine client")
}

/// The receiving service's client: its own machine key (opaque tokens
/// scoped to it) and the instance key (the JWKS, for JWTs).
pub fn receiver_client(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[RECEIVER].secret_key().clone())
        .secret_key(emulator.secret_key().clone())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("receiver client")
}

/// Creates a token as `machine`; returns it and its value.
pub async fn mint(
    emulator: &EmulatorHandle,
    machine: usize,
    params: CreateTokenParams,
) -> (M2mToken, String) {
    let token = machine_client(emulator, machine)
        .create_token(params)
        .await
        .expect("create");
    let value = token
        .token
        .as_ref()
        .expect("value")
        .expose_secret()
        .to_owned();
    (token, value)
}

pub async fn mint_opaque(emulator: &EmulatorHandle) -> (M2mToken, String) {
    mint(
        emulator,
        CALLER,
        CreateTokenParams::new().seconds_until_expiration(600),
    )
    .await
}

pub async fn mint_jwt(emulator: &EmulatorHandle) -> (M2mToken, String) {
    mint(
        emulator,
        CALLER,
        CreateTokenParams::new()
            .token_format(TokenFormat::Jwt)
            .seconds_until_expiration(600),
    )
    .await
}

/// `GET /whoami` as the example serves it, plus how it was verified.
pub async fn whoami(machine: VerifiedMachine) -> Json<Value> {
    Json(json!({
        "machine_id": machine.machine_id(),
        "token_id": machine.token_id(),
        "verified_locally": machine.verified_locally(),
        "scopes": machine.scopes(),
    }))
}

/// `/whoami` behind `layer`.
pub fn whoami_app(layer: M2mAuthLayer) -> Router {
    Router::new().route("/whoami", get(whoami)).layer(layer)
}

/// Serves `app` on a free loopback port for the rest of the test; returns
/// its base URL.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}")
}

/// What the service answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub challenge: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

impl Answer {
    /// Asserts a refusal: status, challenge and the JSON body's three fields.
    #[track_caller]
    pub fn assert_refused(
        &self,
        status: u16,
        challenge: Option<&str>,
        error: Option<&str>,
        code: &str,
    ) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.challenge.as_deref(), challenge, "{self:?}");
        assert_eq!(self.content_type.as_deref(), Some("application/json"));
        assert_eq!(self.body["error"], json!(error), "{self:?}");
        assert_eq!(self.body["code"], code, "{self:?}");
        let message = self.body["message"].as_str().expect("a message");
        assert!(!message.is_empty());
        let keys: Vec<&String> = self.body.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["error", "code", "message"], "exactly three fields");
    }

    /// 401 without an error code: no bearer credentials.
    #[track_caller]
    pub fn assert_no_credentials(&self) {
        self.assert_refused(401, Some(CHALLENGE), None, "token-invalid");
    }

    /// 400 `invalid_request`: `Bearer` with an empty or malformed value.
    #[track_caller]
    pub fn assert_invalid_request(&self) {
        self.assert_refused(
            400,
            Some(INVALID_REQUEST),
            Some("invalid_request"),
            "token-invalid",
        );
    }

    /// 401 `invalid_token`, with the Authenticator's `code`.
    #[track_caller]
    pub fn assert_invalid_token(&self, code: &str) {
        self.assert_refused(401, Some(INVALID_TOKEN), Some("invalid_token"), code);
    }

    /// 403 `insufficient_scope`, naming the required scope.
    #[track_caller]
    pub fn assert_insufficient_scope(&self, required: &str) {
        let challenge =
            format!(r#"Bearer realm="clerk-m2m", error="insufficient_scope", scope="{required}""#);
        self.assert_refused(
            403,
            Some(&challenge),
            Some("insufficient_scope"),
            "token-invalid",
        );
    }

    /// A 5xx: our fault, no challenge, no RFC 6750 code.
    #[track_caller]
    pub fn assert_our_fault(&self, status: u16, code: &str) {
        self.assert_refused(status, None, None, code);
    }
}

/// `GET {url}` with these `Authorization` header values (none, one, or several).
pub async fn get_with(url: &str, authorization: &[&str]) -> Answer {
    let mut request = http_client().get(url);
    for value in authorization {
        request = request.header("authorization", *value);
    }
    let response = request.send().await.expect("the service answers");
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().expect("ASCII").to_owned())
    };
    let challenge = header("www-authenticate");
    let content_type = header("content-type");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Answer {
        status,
        challenge,
        content_type,
        body,
    }
}

/// `GET {url}` with `Authorization: Bearer {token}`.
pub async fn get_bearer(url: &str, token: &str) -> Answer {
    get_with(url, &[&format!("Bearer {token}")]).await
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("http client")
}

pub const CHALLENGE: &str = r#"Bearer realm="clerk-m2m""#;
pub const INVALID_REQUEST: &str = r#"Bearer realm="clerk-m2m", error="invalid_request""#;
pub const INVALID_TOKEN: &str = r#"Bearer realm="clerk-m2m", error="invalid_token""#;
