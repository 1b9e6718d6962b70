//! `clerk-m2m`: a command-line tool for Clerk machine-to-machine (M2M) tokens.
//!
//! Create a token to try an API with curl, find out why a token is
//! rejected, revoke a leaked token, mint tokens in CI, or run the local
//! emulator of the Backend API:
//!
//! ```text
//! clerk-m2m create [--format opaque|jwt] [--expires-in SECONDS] [--claims JSON]
//!                  [--min-remaining-ttl SECONDS] [--machine-secret-key KEY] [--token-only]
//! clerk-m2m list --subject mch_… [--revoked] [--expired] [--limit N] [--offset N]
//! clerk-m2m revoke TOKEN_ID [--reason TEXT]
//! clerk-m2m verify TOKEN|- [--jwt-key PEM]
//! clerk-m2m emulator [--port P] [--host ADDR] [--config FILE] [--json] …
//!
//! clerk-m2m machines list [--query Q] [--order-by FIELD] [--limit N] [--offset N]
//! clerk-m2m machines create --name NAME [--scope MACHINE_ID]… [--default-token-ttl SECONDS] [--secret-only]
//! clerk-m2m machines get ID
//! clerk-m2m machines update ID [--name NAME] [--default-token-ttl SECONDS]
//! clerk-m2m machines delete ID
//! clerk-m2m machines secret-key ID [--secret-only]
//! clerk-m2m machines rotate-secret-key ID --previous-token-ttl SECONDS [--secret-only]
//! clerk-m2m machines add-scope ID TO_MACHINE_ID
//! clerk-m2m machines remove-scope ID TO_MACHINE_ID
//! ```
//!
//! Global flags, accepted before or after the subcommand: `--api-url`
//! (env `CLERK_API_URL`), `--machine-secret-key` (env
//! `CLERK_MACHINE_SECRET_KEY`), `--secret-key` (env `CLERK_SECRET_KEY`) and
//! `-o, --output table|json`. Prefer the environment variables for keys: a
//! flag value ends up in shell history and in the process list.
//!
//! `verify` checks an M2M JWT locally, with the PEM public key in
//! `CLERK_JWT_KEY` or `--jwt-key` (no network call) or else with the JWKS fetched using
//! `CLERK_SECRET_KEY`; any other token is verified through the API. `verify -`
//! reads the token from standard input, so it need not appear in shell
//! history.
//!
//! `-o json` prints the API's snake_case token object (for `list`,
//! `{"data": […], "total_count": N}`); the default is a table for people.
//!
//! `machines …` manages the instance's machines with the instance secret key
//! (`CLERK_SECRET_KEY`; a machine key cannot). `-o json` prints the API's
//! machine objects; `--secret-only` on `create`, `secret-key` and
//! `rotate-secret-key` prints just the secret key, for scripts.
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the API answered with an error, the token did not verify, or the emulator could not start |
//! | 2 | usage error: a bad flag or value (clap's own errors, `--claims` that is not a JSON object, a negative `--expires-in`…), or no key to make the call with |
//! | 3 | network failure: the API could not be reached, or the connection broke |
//!
//! Errors are one or two lines on stderr: what failed, Clerk's code and
//! message, the trace id, and a hint (such as which environment variable to
//! set). Secret keys are never printed; the only token value ever printed is
//! the one `create` exists to print.
//!
//! The library part of this crate is the binary's implementation: the clap
//! definitions in [`args`], the exit codes and error lines in [`exit`] and the
//! formatting in [`output`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod args;
mod call_errors;
mod client;
mod commands;
mod datetime;
pub mod exit;
pub mod output;

use clap::Parser;
use exit::Exit;
use std::io::Write;

/// Runs `clerk-m2m` with the process's arguments, standard streams and
/// environment, and returns how the process should exit.
pub fn main() -> Exit {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout (exit 0), usage errors to stderr.
            let _ = error.print();
            return if error.exit_code() == 0 {
                Exit::Success
            } else {
                Exit::Usage
            };
        }
    };
    match commands::execute(cli, &mut std::io::stdin().lock()) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A closed pipe (`clerk-m2m list | head -1`) is not a failure.
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: could not write the output: {error}");
                    Exit::Failure
                }
                _ => Exit::Success,
            }
        }
        Err(failure) => {
            eprintln!("{failure}");
            failure.exit()
        }
    }
}
