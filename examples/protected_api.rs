//! A service that only machines with a valid Clerk M2M token may call: an
//! axum app behind `M2mAuthLayer`, ready to copy.
//!
//! ```sh
//! cargo run --example protected_api -- --port 8080                          # built-in emulator
//! cargo run --example protected_api -- --port 0 --require-scope mch_…       # any free port
//! CLERK_MACHINE_SECRET_KEY=ak_… CLERK_SECRET_KEY=sk_… cargo run --example protected_api -- --port 8080
//! ```
//!
//! The first line on stdout is exactly `listening on http://127.0.0.1:PORT`.
//!
//! Keys: `CLERK_MACHINE_SECRET_KEY` is this service's own machine key, which
//! verifies opaque tokens scoped to this machine; `CLERK_JWT_KEY` (a PEM
//! public key) or `CLERK_SECRET_KEY` (to fetch the JWKS) verifies JWTs;
//! `CLERK_API_URL` points elsewhere than `https://api.clerk.com`. With none
//! of them set, the built-in emulator runs in-process: this service is its
//! `machine-b`, and a `curl` line with a fresh token from `machine-a` is
//! printed after the first line.
//!
//! Routes:
//! - `GET /whoami`: `{"machine_id", "token_id"}` for any valid M2M token;
//! - `GET /scoped/whoami`: the same, only for tokens whose scopes include
//!   the `--require-scope` machine id (403 otherwise); without the flag the
//!   route does not exist (404);
//! - `GET /health`: 200, no token needed.
//!
//! It never prints a key, nor a token it received.

use axum::routing::get;
use axum::{Json, Router};
use clerk_m2m::{Client, CreateTokenParams};
use clerk_m2m_axum::{M2mAuthLayer, RequireScope, VerifiedMachine};
use clerk_m2m_emulator::{Emulator, EmulatorHandle};
use serde_json::{json, Value};
use std::error::Error;

const USAGE: &str = "usage: protected_api --port PORT [--require-scope MACHINE_ID]";

const CLERK_VARIABLES: [&str; 4] = [
    "CLERK_API_URL",
    "CLERK_MACHINE_SECRET_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_JWT_KEY",
];

struct Args {
    port: u16,
    require_scope: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        port: 0,
        require_scope: None,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let port = value()?;
                parsed.port = port
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {port:?}"))?;
            }
            "--require-scope" => {
                let machine_id = value()?;
                if !machine_id.starts_with("mch_") {
                    return Err(format!(
                        "--require-scope: not a machine id (mch_…): {machine_id:?}"
                    ));
                }
                parsed.require_scope = Some(machine_id);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

/// The client that verifies, and the emulator when it stands in for Clerk.
struct Verifier {
    client: Client,
    emulator: Option<EmulatorHandle>,
}

fn verifier() -> Result<Verifier, Box<dyn Error>> {
    let set = |name: &str| std::env::var(name).is_ok_and(|value| !value.is_empty());
    if CLERK_VARIABLES.iter().any(|name| set(name)) {
        return Ok(Verifier {
            client: Client::from_env()?,
            emulator: None,
        });
    }
    let emulator = Emulator::start()?;
    let this_service = emulator.machine("machine-b").ok_or("no machine-b")?;
    let client = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(this_service.secret_key().clone())
        .secret_key(emulator.secret_key().clone())
        .build()?;
    Ok(Verifier {
        client,
        emulator: Some(emulator),
    })
}

async fn whoami(machine: VerifiedMachine) -> Json<Value> {
    Json(json!({
        "machine_id": machine.machine_id(),
        "token_id": machine.token_id(),
    }))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

fn app(client: Client, require_scope: Option<String>) -> Router {
    let mut protected = Router::new().route("/whoami", get(whoami));
    if let Some(machine_id) = require_scope {
        protected = protected.route(
            "/scoped/whoami",
            get(whoami).route_layer(RequireScope::new(machine_id)),
        );
    }
    // `route_layer`: only the routes above are protected, and an unknown
    // path is a plain 404 rather than a 401.
    protected
        .route_layer(M2mAuthLayer::new(client))
        .route("/health", get(health))
}

/// With the emulator: a `curl` line with a fresh token from machine A.
async fn print_try_it(emulator: &EmulatorHandle, base: &str) -> Result<(), Box<dyn Error>> {
    let caller = emulator.machine("machine-a").ok_or("no machine-a")?;
    let token = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(caller.secret_key().clone())
        .build()?
        .create_token(CreateTokenParams::new().seconds_until_expiration(3600))
        .await?;
    let value = token.token.ok_or("create answered without a token value")?;
    println!(
        "curl -H 'Authorization: Bearer {}' {base}/whoami",
        value.expose_secret()
    );
    let this_service = emulator.machine("machine-b").ok_or("no machine-b")?;
    println!(
        "# emulator at {}: the token is machine-a's ({}), scoped to this service, machine-b ({})",
        emulator.url(),
        caller.id(),
        this_service.id()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("protected_api: {problem}");
            }
            eprintln!("{USAGE}");
            std::process::exit(if problem.is_empty() { 0 } else { 2 });
        }
    };
    let verifier = verifier()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("listening on {base}");
    match &verifier.emulator {
        Some(emulator) => print_try_it(emulator, &base).await?,
        None => println!("curl -H \"Authorization: Bearer $TOKEN\" {base}/whoami"),
    }
    axum::serve(listener, app(verifier.client, args.require_scope)).await?;
    Ok(())
}
