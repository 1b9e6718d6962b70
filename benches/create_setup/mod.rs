//! What the create benchmarks share: the key, the params, the server and the
//! budgeted request.

#[path = "../../tests/support/mod.rs"]
pub mod support;

use clerk_m2m::{Config, CreateTokenParams, Endpoint};
use serde_json::json;
use std::hint::black_box;
use std::time::Duration;
use support::{Reply, ScriptedServer, TOKEN_JSON};

/// The machine key every benchmark client uses (test-only).
pub const KEY: &str = "ak_test_bench_only";

/// The create call measured: a lifetime and two custom claims.
pub fn params() -> CreateTokenParams {
    CreateTokenParams::new()
        .seconds_until_expiration(3600)
        .claims(json!({"role": "reader", "tenantId": "t_42"}))
}

/// A loopback keep-alive server answering every request with a created token.
pub fn server() -> ScriptedServer {
    ScriptedServer::start(Reply::json(201, TOKEN_JSON))
}

/// `request` with a call's remaining time attached, as the clients send it:
/// shorter than the transports' default attempt timeout, so the transport
/// bounds the attempt by it.
pub fn with_budget(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut budgeted = request.clone();
    budgeted
        .extensions_mut()
        .insert(clerk_m2m::AttemptBudget::new(Duration::from_secs(10)));
    budgeted
}

/// The clients' config for `server`, and the create request it builds.
fn setup(server: &ScriptedServer) -> (Config, http::Request<Vec<u8>>) {
    let config = Config::builder()
        .base_url(server.url())
        .machine_secret_key(KEY)
        .build()
        .expect("config");
    let template = params().build_request(&config).expect("request");
    (config, template)
}

/// A copy of `template` to send, with a budget if `budgeted`.
fn copy_of(template: &http::Request<Vec<u8>>, budgeted: bool) -> http::Request<Vec<u8>> {
    if budgeted {
        with_budget(template)
    } else {
        template.clone()
    }
}

/// One client's side of the comparison: the SDK call, the SDK's transport
/// alone, and a bare POST of the same bytes, each run once per call.
pub trait RoundTrip {
    /// The SDK call.
    fn create_token(&self);
    /// The built request (with or without a budget) through the SDK's
    /// transport alone: request conversion, the attempt timeout, the capped
    /// body read, without the call around it.
    fn transport_send(&self, budgeted: bool);
    /// A bare POST of the same bytes with the HTTP library alone.
    fn bare_post(&self);
    /// What a minimal client written by hand does: the body serialised
    /// from JSON, the bare POST, the answer parsed into a plain struct.
    fn hand_rolled(&self);
}

/// A created token as a minimal hand-written client would read it: the same
/// fields, plain serde, nothing lenient, no secret wrapper.
#[derive(serde::Deserialize)]
#[allow(dead_code)] // read by black_box only
struct HandRolledToken {
    object: String,
    id: String,
    subject: String,
    scopes: Vec<String>,
    claims: Option<serde_json::Value>,
    token: Option<String>,
    revoked: bool,
    revocation_reason: Option<String>,
    expired: bool,
    expiration: Option<i64>,
    last_used_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

/// The create body a hand-written client would serialise.
fn hand_rolled_body() -> Vec<u8> {
    let body = serde_json::json!({
        "seconds_until_expiration": 3600,
        "claims": {"role": "reader", "tenantId": "t_42"},
        "token_format": "opaque",
    });
    serde_json::to_vec(&body).expect("body")
}

fn hand_rolled_parse(body: &[u8]) {
    let token: HandRolledToken = serde_json::from_slice(body).expect("token");
    black_box(token);
}

/// The async side: the client, the SDK's transport alone and a bare reqwest
/// client, on one current-thread runtime, all aimed at one server.
pub struct AsyncSide {
    runtime: tokio::runtime::Runtime,
    client: clerk_m2m::Client,
    template: http::Request<Vec<u8>>,
    transport: clerk_m2m::ReqwestTransport,
    bare: reqwest::Client,
}

impl AsyncSide {
    pub fn new(server: &ScriptedServer) -> Self {
        let (config, template) = setup(server);
        let client = clerk_m2m::Client::new(config).expect("client");
        Self {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            client,
            template,
            transport: clerk_m2m::ReqwestTransport::new().expect("transport"),
            bare: reqwest::Client::builder().build().expect("reqwest"),
        }
    }
}

impl AsyncSide {
    /// A bare reqwest POST of `body` with the template's URL and headers.
    fn bare_post_of(&self, body: Vec<u8>) -> bytes::Bytes {
        self.runtime.block_on(async {
            let template = &self.template;
            let mut request = self.bare.post(template.uri().to_string()).body(body);
            for (name, value) in template.headers() {
                request = request.header(name, value);
            }
            let response = request.send().await.expect("sent");
            response.bytes().await.expect("body")
        })
    }
}

impl RoundTrip for AsyncSide {
    fn create_token(&self) {
        let created = self.runtime.block_on(self.client.create_token(params()));
        black_box(created.expect("created"));
    }

    fn transport_send(&self, budgeted: bool) {
        let request = copy_of(&self.template, budgeted);
        let sent = self
            .runtime
            .block_on(clerk_m2m::Transport::send(&self.transport, request));
        black_box(sent.expect("answered"));
    }

    fn bare_post(&self) {
        black_box(self.bare_post_of(self.template.body().clone()));
    }

    fn hand_rolled(&self) {
        hand_rolled_parse(&self.bare_post_of(hand_rolled_body()));
    }
}

/// The blocking side: the client, the SDK's transport alone and a bare ureq
/// agent, all aimed at one server.
pub struct BlockingSide {
    client: clerk_m2m::blocking::Client,
    template: http::Request<Vec<u8>>,
    transport: clerk_m2m::blocking::UreqTransport,
    bare: ureq::Agent,
}

impl BlockingSide {
    pub fn new(server: &ScriptedServer) -> Self {
        let (config, template) = setup(server);
        let client = clerk_m2m::blocking::Client::new(config).expect("client");
        Self {
            client,
            template,
            transport: clerk_m2m::blocking::UreqTransport::new().expect("transport"),
            bare: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into(),
        }
    }
}

impl BlockingSide {
    /// A bare ureq POST of `body` with the template's URL and headers.
    fn bare_post_of(&self, body: &[u8]) -> Vec<u8> {
        let template = &self.template;
        let mut request = self.bare.post(template.uri().to_string());
        for (name, value) in template.headers() {
            request = request.header(name, value);
        }
        let mut response = request.send(body).expect("sent");
        response.body_mut().read_to_vec().expect("body")
    }
}

impl RoundTrip for BlockingSide {
    fn create_token(&self) {
        black_box(self.client.create_token(params()).expect("created"));
    }

    fn transport_send(&self, budgeted: bool) {
        let request = copy_of(&self.template, budgeted);
        let sent = clerk_m2m::blocking::Transport::send(&self.transport, request);
        black_box(sent.expect("answered"));
    }

    fn bare_post(&self) {
        black_box(self.bare_post_of(self.template.body()));
    }

    fn hand_rolled(&self) {
        hand_rolled_parse(&self.bare_post_of(&hand_rolled_body()));
    }
}
