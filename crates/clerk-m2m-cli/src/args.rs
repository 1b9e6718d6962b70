//! The command line: global flags, subcommands and their flags (clap derive).
//!
//! Values are checked while parsing where the check needs nothing but the
//! value itself (a `--claims` that is not a JSON object, a negative
//! `--expires-in`, a `--limit` outside 1–100), so such mistakes are usage
//! errors (exit 2) reported by clap in its usual format, which names the
//! flag.
//!
//! Durations (`--expires-in`, `--min-remaining-ttl`, `--timeout`, the
//! `machines` TTL flags and the emulator's) are a whole number with a unit,
//! `90s`, `15m`, `1h` or `7d`, or a bare number of seconds.

use crate::exit::{exit_codes_help, exit_codes_short};
use clap::{Args, Parser, Subcommand, ValueEnum};
use clerk_m2m_emulator::cli::EmulatorArgs;
use clerk_m2m_types::{SecretString, TokenFormat};
use std::ffi::OsString;
use std::time::Duration;
use values::{
    parse_claims, parse_duration, parse_lifetime, parse_machine_id, parse_secret, parse_timeout,
    parse_token_source,
};

mod machines;
mod values;

pub use machines::{
    MachineIdArg, MachinesArgs, MachinesCommand, MachinesCreateArgs, MachinesListArgs,
    MachinesRotateArgs, MachinesScopeArgs, MachinesSecretKeyArgs, MachinesUpdateArgs,
};

/// Environment variables, exit codes and where output goes, shown at the
/// end of `--help`.
pub fn after_help() -> String {
    format!(
        "\
Environment:
  CLERK_API_URL             base URL of the Backend API (default https://api.clerk.com)
  CLERK_MACHINE_SECRET_KEY  machine secret key ak_…: create; list, revoke and verify its own tokens
  CLERK_SECRET_KEY          instance secret key sk_…: list, revoke and verify any token; JWKS;
                            `machines` (create and manage machines)
  CLERK_JWT_KEY             PEM public key: verify JWT tokens locally, without a network call

{}
Durations (--expires-in, --timeout, the TTL flags): 90s, 15m, 1h, 7d, or a bare number of
seconds.

Errors go to stderr (what failed, Clerk's code and message, the trace id, a hint); with -o json,
as one JSON object: {{\"error\": {{\"code\", \"message\", \"status\", \"trace_id\", \"hint\"}}}}.
Results go to stdout. Secret keys are never printed; the only token value printed is the one
`create` makes. Shell completions: clerk-m2m completions bash|zsh|fish|powershell|elvish.",
        exit_codes_help()
    )
}

/// clerk-m2m: create, list, revoke and verify Clerk machine-to-machine (M2M) tokens.
///
/// Talks to the Clerk Backend API (or the local emulator: `clerk-m2m emulator`) with a machine
/// secret key (ak_…) or the instance secret key (sk_…), both best given through the
/// environment.
#[derive(Debug, Parser)]
#[command(name = "clerk-m2m", version, after_help = after_help(), propagate_version = true)]
pub struct Cli {
    /// Flags every subcommand accepts.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted before or after any subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The Backend API's base URL (`--api-url`, `CLERK_API_URL`).
    #[arg(
        long,
        help = "Base URL of the Clerk Backend API [default: https://api.clerk.com]",
        env = "CLERK_API_URL",
        global = true,
        help_heading = "Global options",
        value_name = "URL"
    )]
    api_url: Option<String>,

    /// Machine secret key (ak_…). Prefer the environment variable: a key given as a flag ends
    /// up in your shell history and in the process list
    #[arg(
        long,
        env = "CLERK_MACHINE_SECRET_KEY",
        hide_env_values = true,
        global = true,
        help_heading = "Global options",
        value_name = "KEY",
        value_parser = parse_secret
    )]
    machine_secret_key: Option<SecretString>,

    /// Instance secret key (sk_…). Prefer the environment variable: a key given as a flag ends
    /// up in your shell history and in the process list
    #[arg(
        long,
        env = "CLERK_SECRET_KEY",
        hide_env_values = true,
        global = true,
        help_heading = "Global options",
        value_name = "KEY",
        value_parser = parse_secret
    )]
    secret_key: Option<SecretString>,

    /// Output: a table for people, or JSON for scripts (the API's snake_case objects;
    /// `{"data": […], "total_count": N}` for lists)
    #[arg(
        short,
        long,
        value_enum,
        global = true,
        help_heading = "Global options",
        default_value_t = OutputFormat::Table,
        value_name = "FORMAT"
    )]
    pub output: OutputFormat,

    /// Deadline for each API call, retries included, e.g. 10s or 2m [default: 30s]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "DURATION",
        value_parser = parse_timeout
    )]
    pub timeout: Option<Duration>,

    /// Print one line per HTTP attempt on stderr: method, path, status or network error,
    /// duration, and why it is retried (never a key, token or body)
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub verbose: bool,
}

impl GlobalArgs {
    /// `--api-url` / `CLERK_API_URL`, unless empty.
    pub fn api_url(&self) -> Option<&str> {
        self.api_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty())
    }

    /// `--machine-secret-key` / `CLERK_MACHINE_SECRET_KEY`, unless empty.
    pub fn machine_secret_key(&self) -> Option<&SecretString> {
        non_empty(self.machine_secret_key.as_ref())
    }

    /// `--secret-key` / `CLERK_SECRET_KEY`, unless empty.
    pub fn secret_key(&self) -> Option<&SecretString> {
        non_empty(self.secret_key.as_ref())
    }
}

/// The output format a command line asks for, read leniently: for a command
/// line clap refused, so that its usage error can be JSON too.
pub fn requested_output<I, T>(args: I) -> OutputFormat
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    use clap::CommandFactory;
    fn find(matches: &clap::ArgMatches) -> Option<OutputFormat> {
        let here = matches
            .try_get_one::<OutputFormat>("output")
            .ok()
            .flatten()
            .copied();
        let deeper = matches.subcommand().and_then(|(_, sub)| find(sub));
        // An explicit value anywhere wins over the default.
        match matches.value_source("output") {
            Some(clap::parser::ValueSource::CommandLine) => here,
            _ => deeper.or(here),
        }
    }
    /// Every value accepted as text, but `--output`'s: a value refused
    /// before `-o json` must not stop the parse short of it.
    fn lenient(command: clap::Command) -> clap::Command {
        command
            .mut_args(|arg| {
                if arg.get_id() == "output" || !arg.get_action().takes_values() {
                    arg
                } else {
                    arg.value_parser(clap::builder::ValueParser::os_string())
                }
            })
            .mut_subcommands(lenient)
    }
    lenient(Cli::command())
        .ignore_errors(true)
        .try_get_matches_from(args)
        .ok()
        .and_then(|matches| find(&matches))
        .unwrap_or(OutputFormat::Table)
}

fn non_empty(key: Option<&SecretString>) -> Option<&SecretString> {
    key.filter(|key| !key.expose_secret().is_empty())
}

/// How results are written to stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for people.
    Table,
    /// JSON for scripts.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a token (needs a machine secret key) and print it
    #[command(after_help = exit_codes_short())]
    Create(CreateArgs),
    /// List a machine's opaque tokens (JWT tokens are not stored, so never listed)
    #[command(after_help = exit_codes_short())]
    List(ListArgs),
    /// Revoke an opaque token by its id (mt_…)
    #[command(after_help = exit_codes_short())]
    Revoke(RevokeArgs),
    /// Verify a token (its value, not its mt_ id): an M2M JWT locally, anything else through
    /// the API
    #[command(after_help = exit_codes_short())]
    Verify(VerifyArgs),
    /// Create, list, update and delete machines, read and rotate their secret keys, and manage
    /// which machines each may call (needs the instance secret key, CLERK_SECRET_KEY)
    Machines(MachinesArgs),
    /// Run the local emulator of the M2M Backend API in the foreground (Ctrl-C stops it)
    ///
    /// Prints the URL, the instance key and each machine's id and key (test keys only), then
    /// serves until Ctrl-C or SIGTERM. `-o json` is the same as `--json`.
    Emulator(EmulatorArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish) on stdout
    ///
    /// Bash: save it as ~/.local/share/bash-completion/completions/clerk-m2m. Zsh: save it as
    /// _clerk-m2m in a directory of $fpath. Fish: save it as
    /// ~/.config/fish/completions/clerk-m2m.fish. PowerShell: add `clerk-m2m completions
    /// powershell | Out-String | Invoke-Expression` to $PROFILE. Elvish: add `eval
    /// (clerk-m2m completions elvish | slurp)` to rc.elv.
    Completions(CompletionsArgs),
}

/// `clerk-m2m completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `clerk-m2m create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Token format: opaque (verified through the API) or jwt (verifiable locally)
    #[arg(long, value_enum, default_value_t = FormatArg::Opaque)]
    pub format: FormatArg,

    /// Lifetime above 0, e.g. 90s, 15m, 1h or 7d; a bare number is seconds [default: an opaque
    /// token never expires]
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_lifetime,
        allow_hyphen_values = true
    )]
    pub expires_in: Option<u64>,

    /// Custom claims, a JSON object, e.g. '{"role":"reader"}' (keys are sent as given)
    #[arg(long, value_name = "JSON", value_parser = parse_claims)]
    pub claims: Option<serde_json::Value>,

    /// Reuse: return a live opaque token of this machine with the same claims if it has at
    /// least this long left (e.g. 10m; a bare number is seconds), instead of creating one
    /// (must be below --expires-in)
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        allow_hyphen_values = true
    )]
    pub min_remaining_ttl: Option<u64>,

    /// Print only the token value and a newline, e.g. for TOKEN=$(clerk-m2m create
    /// --token-only); overrides -o
    #[arg(long)]
    pub token_only: bool,
}

/// The `--format` of `create`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// An opaque `mt_…` value.
    Opaque,
    /// A signed JWT.
    Jwt,
}

impl From<FormatArg> for TokenFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Opaque => TokenFormat::Opaque,
            FormatArg::Jwt => TokenFormat::Jwt,
        }
    }
}

/// `clerk-m2m list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The machine whose tokens to list (mch_…)
    #[arg(long, value_name = "MACHINE_ID", value_parser = parse_machine_id)]
    pub subject: String,

    /// List revoked tokens instead of live ones
    #[arg(long)]
    pub revoked: bool,

    /// List expired tokens instead of live ones
    #[arg(long)]
    pub expired: bool,

    /// Page size, 1–100 [default: 10, the API's]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100))]
    pub limit: Option<u64>,

    /// How many tokens to skip [default: 0]
    #[arg(long, value_name = "N")]
    pub offset: Option<u64>,
}

/// `clerk-m2m revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The token's id (mt_ and 32 hex digits; the `id` field, not the token value)
    #[arg(value_name = "TOKEN_ID")]
    pub token_id: String,

    /// Why the token is revoked, e.g. "leaked in CI logs"
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

/// `clerk-m2m verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The token, or - to read it from standard input (keeps it out of your shell history)
    #[arg(value_name = "TOKEN|-", value_parser = parse_token_source, allow_hyphen_values = true)]
    pub token: TokenSource,

    /// PEM public key to verify JWT tokens locally (Clerk Dashboard → API keys → JWT public
    /// key); without it the JWKS is fetched with the instance secret key
    #[arg(
        long,
        env = "CLERK_JWT_KEY",
        hide_env_values = true,
        value_name = "PEM"
    )]
    jwt_key: Option<String>,
}

impl VerifyArgs {
    /// `--jwt-key` / `CLERK_JWT_KEY`, unless blank.
    pub fn jwt_key(&self) -> Option<&str> {
        self.jwt_key.as_deref().filter(|pem| !pem.trim().is_empty())
    }
}

/// Where `verify` gets the token.
#[derive(Clone, Debug)]
pub enum TokenSource {
    /// From standard input (`-`).
    Stdin,
    /// From the command line.
    Value(SecretString),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("clerk-m2m").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn create_flags_parse() {
        let cli = parse(&[
            "create",
            "--format",
            "jwt",
            "--expires-in",
            "3600",
            "--claims",
            r#"{"role":"reader"}"#,
            "--min-remaining-ttl",
            "0",
            "--token-only",
        ])
        .unwrap();
        let Command::Create(args) = cli.command else {
            panic!("not create");
        };
        assert_eq!(args.format, FormatArg::Jwt);
        assert_eq!(args.expires_in, Some(3600));
        assert_eq!(args.claims.unwrap()["role"], "reader");
        assert_eq!(args.min_remaining_ttl, Some(0));
        assert!(args.token_only);
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["create", "--expires-in", "-5"][..],
            &["create", "--expires-in", "0"],
            &["create", "--expires-in", "1.5"],
            &["create", "--min-remaining-ttl", "-1"],
            &["create", "--claims", "{role:reader}"],
            &["create", "--claims", "[1,2]"],
            &["create", "--format", "paseto"],
            &["list", "--subject", "user_1"],
            &["list", "--subject", "mch_1", "--limit", "0"],
            &["list", "--subject", "mch_1", "--limit", "101"],
            &["list"],
            &["revoke"],
            &["verify"],
            &["verify", ""],
        ] {
            let error = parse(args).expect_err(&args.join(" "));
            assert_eq!(error.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn durations_take_units_and_bare_seconds() {
        let cli = parse(&["create", "--expires-in", "7d", "--min-remaining-ttl", "15m"]).unwrap();
        let Command::Create(args) = cli.command else {
            panic!("not create");
        };
        assert_eq!(args.expires_in, Some(7 * 86_400));
        assert_eq!(args.min_remaining_ttl, Some(900));
        for (text, seconds) in [("90s", 90), ("1h", 3600), ("3600", 3600)] {
            let Command::Create(args) = parse(&["create", "--expires-in", text]).unwrap().command
            else {
                panic!("not create");
            };
            assert_eq!(args.expires_in, Some(seconds), "{text}");
        }
        let cli = parse(&["--timeout", "2m", "list", "--subject", "mch_1"]).unwrap();
        assert_eq!(cli.global.timeout, Some(Duration::from_secs(120)));
        assert_eq!(
            parse(&["list", "--subject", "mch_1"])
                .unwrap()
                .global
                .timeout,
            None
        );
    }

    #[test]
    fn bad_durations_name_the_flag() {
        for (flag, value, reason) in [
            ("--expires-in", "5x", "unknown unit"),
            ("--expires-in", "0s", "must be above 0"),
            ("--expires-in", "1.5h", "whole number"),
            ("--expires-in", "99999999999999999999", "too large"),
            ("--min-remaining-ttl", "-1m", "must not be negative"),
            ("--timeout", "0", "must be above 0"),
            ("--timeout", "soon", "whole number"),
        ] {
            let error = parse(&["create", flag, value]).expect_err(value);
            assert_eq!(error.exit_code(), 2, "{flag} {value}");
            let text = error.to_string();
            assert!(text.contains(flag), "{text}");
            assert!(text.contains(reason), "{text}");
        }
    }

    #[test]
    fn verbose_and_timeout_are_global() {
        let cli = parse(&["verify", "-", "-v", "--timeout", "5s"]).unwrap();
        assert!(cli.global.verbose);
        assert_eq!(cli.global.timeout, Some(Duration::from_secs(5)));
        assert!(!parse(&["verify", "-"]).unwrap().global.verbose);
    }

    #[test]
    fn completions_take_each_shell() {
        for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
            let cli = parse(&["completions", shell]).unwrap();
            let Command::Completions(args) = cli.command else {
                panic!("not completions");
            };
            assert_eq!(args.shell.to_string(), shell);
        }
        assert_eq!(parse(&["completions", "tcsh"]).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn the_output_format_is_found_in_a_refused_command_line() {
        let requested = |args: &[&str]| {
            requested_output(std::iter::once("clerk-m2m").chain(args.iter().copied()))
        };
        assert_eq!(
            requested(&["-o", "json", "create", "--expires-in", "5x"]),
            OutputFormat::Json
        );
        assert_eq!(requested(&["list", "--output=json"]), OutputFormat::Json);
        assert_eq!(
            requested(&["machines", "get", "-o", "json"]),
            OutputFormat::Json
        );
        assert_eq!(
            requested(&["machines", "get", "mch_1", "-o", "json"]),
            OutputFormat::Json
        );
        assert_eq!(
            requested(&["create", "--expires-in", "-5", "--output", "json"]),
            OutputFormat::Json
        );
        assert_eq!(requested(&["verify", "", "-o", "json"]), OutputFormat::Json);
        assert_eq!(requested(&["list"]), OutputFormat::Table);
        assert_eq!(requested(&["-o", "yaml", "list"]), OutputFormat::Table);
    }

    #[test]
    fn negative_lifetimes_say_so() {
        let error = parse(&["create", "--expires-in", "-5"]).unwrap_err();
        assert!(
            error.to_string().contains("must not be negative"),
            "{error}"
        );
    }

    #[test]
    fn global_flags_go_anywhere_and_keys_stay_hidden() {
        let cli = parse(&[
            "create",
            "-o",
            "json",
            "--machine-secret-key",
            "ak_sentinel",
            "--api-url",
            "http://127.0.0.1:1",
        ])
        .unwrap();
        assert_eq!(cli.global.output, OutputFormat::Json);
        assert_eq!(cli.global.api_url.as_deref(), Some("http://127.0.0.1:1"));
        assert!(!format!("{cli:?}").contains("sentinel"));
        let blank = parse(&[
            "--secret-key",
            " ",
            "--api-url",
            "",
            "list",
            "--subject",
            "mch_1",
        ])
        .unwrap();
        assert!(blank.global.secret_key().is_none());
        assert!(blank.global.api_url().is_none());
    }

    #[test]
    fn verify_reads_stdin_with_a_dash() {
        let cli = parse(&["verify", "-"]).unwrap();
        let Command::Verify(args) = cli.command else {
            panic!("not verify");
        };
        assert!(matches!(args.token, TokenSource::Stdin));
    }

    #[test]
    fn help_documents_exit_codes_and_warns_about_history() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("Exit codes:"));
        assert!(help.contains("3  network failure"));
        assert!(help.contains(&crate::exit::exit_codes_help()));
        assert!(help.contains("shell history"));
        for flag in ["--timeout", "--verbose", "completions"] {
            assert!(help.contains(flag), "{flag}");
        }
        let emulator_help = Cli::command()
            .find_subcommand_mut("emulator")
            .unwrap()
            .render_long_help()
            .to_string();
        for flag in ["--port", "--host", "--config", "--json", "--rate-limit"] {
            assert!(emulator_help.contains(flag), "{flag}");
        }
    }
}
