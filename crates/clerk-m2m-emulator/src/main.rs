//! `clerk-m2m-emulator`: a local Clerk M2M Backend API for tests and demos.

use clap::Parser;
use clerk_m2m_emulator::cli::{run, EmulatorArgs};
use std::process::ExitCode;

/// A local emulator of Clerk's machine-to-machine (M2M) token Backend API.
///
/// Serves POST/GET /m2m_tokens, POST /m2m_tokens/{id}/revoke, POST /m2m_tokens/verify
/// (also under /v1) and GET /v1/jwks with test keys. On start it prints the URL, the
/// instance id and secret key, and each machine's id, secret key and scopes (with --json:
/// one JSON object on the first line of stdout). Stops on Ctrl-C or SIGTERM.
#[derive(Parser)]
#[command(name = "clerk-m2m-emulator", version)]
struct Cli {
    #[command(flatten)]
    emulator: EmulatorArgs,
}

fn main() -> ExitCode {
    match run(Cli::parse().emulator) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let mut message = format!("clerk-m2m-emulator: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
