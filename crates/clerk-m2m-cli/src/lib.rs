//! `clerk-m2m`: a command-line tool for Clerk machine-to-machine (M2M) tokens.
//!
//! Create a token to try an API with curl, find out why a token is
//! rejected, revoke a leaked token, mint tokens in CI, or run the local
//! emulator of the Backend API:
//!
//! ```text
//! clerk-m2m create [--format opaque|jwt] [--expires-in DURATION] [--claims JSON]
//!                  [--min-remaining-ttl DURATION] [--machine-secret-key KEY] [--token-only]
//! clerk-m2m list --subject mch_… [--revoked] [--expired] [--limit N] [--offset N]
//! clerk-m2m revoke TOKEN_ID [--reason TEXT]
//! clerk-m2m verify TOKEN|- [--jwt-key PEM]
//! clerk-m2m emulator [--port P] [--host ADDR] [--config FILE] [--json] …
//! clerk-m2m completions bash|zsh|fish|powershell|elvish
//!
//! clerk-m2m machines list [--query Q] [--order-by FIELD] [--limit N] [--offset N]
//! clerk-m2m machines create --name NAME [--scope MACHINE_ID]… [--default-token-ttl DURATION] [--secret-only]
//! clerk-m2m machines get ID
//! clerk-m2m machines update ID [--name NAME] [--default-token-ttl DURATION]
//! clerk-m2m machines delete ID
//! clerk-m2m machines secret-key ID [--secret-only]
//! clerk-m2m machines rotate-secret-key ID --previous-token-ttl DURATION [--secret-only]
//! clerk-m2m machines add-scope ID TO_MACHINE_ID
//! clerk-m2m machines remove-scope ID TO_MACHINE_ID
//! ```
//!
//! Global flags, accepted before or after the subcommand: `--api-url`
//! (env `CLERK_API_URL`), `--machine-secret-key` (env
//! `CLERK_MACHINE_SECRET_KEY`), `--secret-key` (env `CLERK_SECRET_KEY`),
//! `-o, --output table|json`, `--timeout DURATION` (the deadline of each
//! API call, retries included; default 30 s) and `-v, --verbose` (one line
//! per HTTP attempt on stderr: method, path without query values, status or
//! network error, duration, and why it is retried; never a key, a token or a
//! body). Prefer the environment variables for keys: a flag value ends up in
//! shell history and in the process list.
//!
//! Durations are a whole number with a unit, `90s`, `15m`, `1h` or `7d`, or
//! a bare number of seconds.
//!
//! `verify` checks an M2M JWT locally, with the PEM public key in
//! `CLERK_JWT_KEY` or `--jwt-key` (no network call) or else with the JWKS fetched using
//! `CLERK_SECRET_KEY`; any other token is verified through the API. `verify -`
//! reads the token from standard input, so it need not appear in shell
//! history. A token id (`mt_` and 32 hex digits) or a machine id given to
//! `verify` is refused with a hint, as a token value given to `revoke` is.
//!
//! `-o json` prints the API's snake_case token object (for `list`,
//! `{"data": […], "total_count": N}`); the default is a table for people.
//!
//! `machines …` manages the instance's machines with the instance secret key
//! (`CLERK_SECRET_KEY`; a machine key cannot). `-o json` prints the API's
//! machine objects; `--secret-only` on `create`, `secret-key` and
//! `rotate-secret-key` prints just the secret key, for scripts.
//!
//! # Errors and exit codes
//!
//! The exit codes are [`exit::Exit`]'s (0 success, 1 API error or
//! verification failure, 2 usage error or missing key, 3 network failure);
//! [`Exit::meaning`](exit::Exit::meaning) says each in full, as `--help`
//! does.
//!
//! Errors are one or two lines on stderr: what failed, Clerk's code and
//! message, the trace id, and a hint (such as which environment variable to
//! set). With `-o json` they are one JSON object instead,
//! `{"error": {"code", "message", "status", "trace_id", "hint"}}`: `code`
//! is Clerk's first error code, or clerk-m2m's own (`usage`, `missing_key`,
//! `wrong_key`, `invalid_key`, `not_a_token`, `network`, `token_invalid`,
//! `invalid_response`, `api_error`, `failed`, `output`); `status` and
//! `trace_id` are `null` unless the API answered. Secret keys are never
//! printed; the only token value ever printed is the one `create` exists to
//! print.
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
mod verbose;

use args::OutputFormat;
use clap::Parser;
use exit::{Exit, Failure};
use std::io::Write;

/// Runs `clerk-m2m` with the process's arguments, standard streams and
/// environment, and returns how the process should exit.
pub fn main() -> Exit {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let format = cli.global.output;
    match commands::execute(cli, &mut std::io::stdin().lock()) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A closed pipe (`clerk-m2m list | head -1`) is not a failure.
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => report(
                    &Failure::new(
                        Exit::Failure,
                        format!("could not write the output: {error}"),
                    )
                    .with_code("output"),
                    format,
                ),
                _ => Exit::Success,
            }
        }
        Err(failure) => report(&failure, format),
    }
}

/// Prints `failure` on stderr (`error:`/`hint:` lines, or one JSON object
/// with `-o json`) and returns its exit code.
fn report(failure: &Failure, format: OutputFormat) -> Exit {
    match format {
        OutputFormat::Json => eprintln!("{}", failure.to_json()),
        OutputFormat::Table => eprintln!("{failure}"),
    }
    failure.exit()
}

/// A command line clap refused (or `--help` / `--version`, which go to
/// stdout with exit 0). With `-o json` the usage error is JSON too.
fn usage_error(error: &clap::Error) -> Exit {
    if error.exit_code() == 0 {
        let _ = error.print();
        return Exit::Success;
    }
    if args::requested_output(std::env::args_os()) == OutputFormat::Json {
        return report(&Failure::usage(clap_message(error)), OutputFormat::Json);
    }
    let _ = error.print();
    Exit::Usage
}

/// Clap's error without its `error: ` prefix and usage footer, on one line.
fn clap_message(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let text: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let text = text.join(" ");
    text.strip_prefix("error: ").unwrap_or(&text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn clap_messages_lose_the_prefix_and_footer_and_keep_the_flag() {
        let error =
            args::Cli::try_parse_from(["clerk-m2m", "create", "--expires-in", "5x"]).unwrap_err();
        let message = clap_message(&error);
        assert!(
            message.starts_with("invalid value '5x' for '--expires-in"),
            "{message}"
        );
        assert!(
            !message.contains('\n') && !message.contains("--help"),
            "{message}"
        );
        let error = args::Cli::try_parse_from(["clerk-m2m", "list"]).unwrap_err();
        let message = clap_message(&error);
        assert!(message.contains("--subject"), "{message}");
    }
}
