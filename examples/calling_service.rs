//! The calling service: N `GET` requests to a target, C in flight at once,
//! all through reqwest with [`TokenMiddleware`], which adds one cached M2M
//! token to each, replaces it before it expires, and replaces it once if
//! the target answers `401`.
//!
//! ```sh
//! # No Clerk variables: the built-in emulator and a small downstream of its own.
//! cargo run --example calling_service --features reqwest-middleware -- --requests 1000 --concurrency 50
//!
//! # The real Backend API (or an emulator at CLERK_API_URL), against a service you run,
//! # e.g. the protected_api example's /whoami:
//! CLERK_MACHINE_SECRET_KEY=ak_… cargo run --example calling_service --features reqwest-middleware -- \
//!     --target http://127.0.0.1:3000/whoami --requests 100 --concurrency 10
//! ```
//!
//! Prints `tokens created: T` and `requests succeeded: M/N`, and exits
//! non-zero unless every request succeeded (a 2xx answer).

use clerk_m2m::TokenSourceSettings;
use clerk_m2m::{Authenticator, Client, CreateTokenParams, TokenMiddleware, TokenSource};
use clerk_m2m_emulator::{Emulator, EmulatorHandle};
use std::error::Error;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const USAGE: &str = "usage: calling_service [--target URL] [--requests N] [--concurrency C]";

struct Args {
    target: Option<String>,
    requests: usize,
    concurrency: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        target: None,
        requests: 100,
        concurrency: 10,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let value = given
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let count = |value: &str| match value.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "{flag} must be a whole number above 0, not {value:?}"
            )),
        };
        match flag.as_str() {
            "--target" => args.target = Some(value),
            "--requests" => args.requests = count(&value)?,
            "--concurrency" => args.concurrency = count(&value)?,
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// Where tokens come from and where requests go.
struct Setup {
    client: Client,
    target: String,
    /// Keeps the in-process emulator running while the example runs.
    _emulator: Option<EmulatorHandle>,
}

async fn setup(target: Option<String>) -> Result<Setup, Box<dyn Error>> {
    let key_set = std::env::var("CLERK_MACHINE_SECRET_KEY").is_ok_and(|key| !key.is_empty());
    if key_set {
        let target = target.ok_or("--target is required with CLERK_MACHINE_SECRET_KEY")?;
        return Ok(Setup {
            client: Client::from_env()?,
            target,
            _emulator: None,
        });
    }
    let emulator = Emulator::start()?;
    eprintln!(
        "No CLERK_MACHINE_SECRET_KEY: using the built-in emulator at {}",
        emulator.url()
    );
    let client = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .build()?;
    let target = match target {
        Some(target) => target,
        None => {
            let url = downstream(&emulator).await?;
            eprintln!("No --target: calling a downstream of our own at {url}");
            url
        }
    };
    Ok(Setup {
        client,
        target,
        _emulator: Some(emulator),
    })
}

/// A service that answers `/whoami` only to a valid M2M token, verified
/// through the emulator as machine B.
async fn downstream(emulator: &EmulatorHandle) -> Result<String, Box<dyn Error>> {
    let verifier = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[1].secret_key().clone())
        .build()?;
    let auth = Arc::new(Authenticator::new(verifier));
    let whoami = |headers: axum::http::HeaderMap| async move {
        let header = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        match auth.authenticate_header(header).await {
            Ok(token) => (
                axum::http::StatusCode::OK,
                format!("hello {}", token.subject),
            ),
            Err(error) => (error.status(), error.code().to_owned()),
        }
    };
    let app = axum::Router::new().route("/whoami", axum::routing::get(whoami));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/whoami", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("calling_service: {error}");
            ExitCode::from(2)
        }
    }
}

/// Whether every request succeeded.
async fn run() -> Result<bool, Box<dyn Error>> {
    let args = parse_args()?;
    let setup = setup(args.target).await?;
    // No min_remaining_ttl_seconds: a rejected token is replaced by a new one.
    let settings =
        TokenSourceSettings::new().params(CreateTokenParams::new().seconds_until_expiration(3600));
    let source = TokenSource::with_settings(setup.client, settings);
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(TokenMiddleware::new(source.clone()))
        .build();

    let (next, succeeded) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let target = Arc::new(setup.target);
    let workers: Vec<_> = (0..args.concurrency.min(args.requests))
        .map(|_| {
            let (http, target) = (http.clone(), Arc::clone(&target));
            let (next, succeeded) = (Arc::clone(&next), Arc::clone(&succeeded));
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < args.requests {
                    match http.get(target.as_str()).send().await {
                        Ok(response) if response.status().is_success() => {
                            succeeded.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(response) => eprintln!("answered {}", response.status()),
                        Err(error) => eprintln!("failed: {error}"),
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await?;
    }
    let succeeded = succeeded.load(Ordering::Relaxed);
    println!("tokens created: {}", source.tokens_created());
    println!("requests succeeded: {succeeded}/{}", args.requests);
    Ok(succeeded == args.requests)
}
