//! The command line: flags, start-up summary and the run loop.
//!
//! The `clerk-m2m-emulator` binary is a thin `main` around [`run`]; another
//! command line (e.g. `clerk-m2m emulator`) flattens [`EmulatorArgs`] into
//! its own subcommand and calls [`run`] to get exactly the same flags and
//! behaviour:
//!
//! ```no_run
//! use clap::Parser;
//! use clerk_m2m_emulator::cli::{run, EmulatorArgs};
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     emulator: EmulatorArgs,
//! }
//!
//! run(Cli::parse().emulator)?;
//! # Ok::<(), clerk_m2m_emulator::EmulatorError>(())
//! ```

pub use crate::duration::{parse_duration_seconds, DurationError};
use crate::{EmulatorBuilder, EmulatorConfig, EmulatorError, EmulatorHandle, RateLimit};
use serde_json::json;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The emulator's flags. Flags win over the config file, which wins over
/// the defaults.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on [default: 127.0.0.1, or the config file's `host`]
    #[arg(long, value_name = "ADDR")]
    pub host: Option<IpAddr>,

    /// Port to listen on; 0 picks any free port [default: 0, or the config file's `port`]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// JSON config file: instance id and secret key, machines (name, id, secret_key,
    /// scopes, default_token_ttl_seconds), signing_key_pem_file, issuer,
    /// default_token_ttl_seconds, rate_limit {requests, window_seconds}, host, port.
    /// A value starting with `{` is the JSON itself
    #[arg(long, value_name = "FILE", env = "CLERK_EMULATOR_CONFIG")]
    pub config: Option<PathBuf>,

    /// State file: if it exists, the instance id and keys, machines, signing key and
    /// opaque tokens are loaded from it (they win over --config); it is written back on
    /// Ctrl-C / SIGTERM and on POST /_emulator/state/save
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Print one JSON object as the first line of stdout instead of the human summary:
    /// {"url", "instance_id", "secret_key", "machines": [{"name", "id", "secret_key", "scopes"}]}
    #[arg(long)]
    pub json: bool,

    /// PEM file with the RSA private key that signs JWT-format tokens (PKCS#8 or PKCS#1)
    /// [default: a fresh RSA-2048 key]
    #[arg(long, value_name = "PEM_FILE")]
    pub signing_key: Option<PathBuf>,

    /// Lifetime of tokens created without `seconds_until_expiration`, and of JWTs created
    /// without a number, e.g. 90s, 15m, 1h or 7d (a bare number is seconds) [default: 1h]
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_duration_seconds,
        allow_hyphen_values = true
    )]
    pub default_token_ttl: Option<u64>,

    /// Answer 429 with Retry-After once this many requests arrived in the current window
    /// (at least 1) [default: no limit]
    #[arg(long, value_name = "REQUESTS", value_parser = parse_rate_limit)]
    pub rate_limit: Option<u32>,

    /// Length of the rate-limit window, at least 1s, e.g. 10s or 1m (a bare number is
    /// seconds) [default: 10s]
    #[arg(
        long,
        value_name = "DURATION",
        requires = "rate_limit",
        value_parser = parse_rate_limit_window,
        allow_hyphen_values = true
    )]
    pub rate_limit_window: Option<u64>,
}

fn parse_rate_limit(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(0) => Err("a rate limit of 0 requests would refuse every request; \
                      use at least 1, or leave --rate-limit out for no limit"
            .into()),
        Ok(requests) => Ok(requests),
        Err(_) => Err(format!("{text:?} is not a whole number of requests")),
    }
}

fn parse_rate_limit_window(text: &str) -> Result<u64, String> {
    match parse_duration_seconds(text) {
        Ok(0) => Err("the rate-limit window must be at least 1 second".into()),
        Ok(seconds) => Ok(seconds),
        Err(error) => Err(error.to_string()),
    }
}

/// The builder these flags describe (config file first, then flags; a
/// state file's instance wins over both).
pub fn builder(args: &EmulatorArgs) -> Result<EmulatorBuilder, EmulatorError> {
    let mut builder = crate::Emulator::builder();
    if let Some(config) = &args.config {
        let inline = config
            .to_str()
            .map(str::trim_start)
            .filter(|text| text.starts_with('{'));
        let config = match inline {
            Some(json) => EmulatorConfig::from_json(json)?,
            None => EmulatorConfig::from_file(config)?,
        };
        builder = builder.config(config);
    }
    if let Some(path) = &args.state {
        builder = builder.state_file(path.clone());
    }
    if let Some(host) = args.host {
        builder = builder.host(host);
    }
    if let Some(port) = args.port {
        builder = builder.port(port);
    }
    if let Some(path) = &args.signing_key {
        builder = builder.signing_key_pem_file(path.clone());
    }
    if let Some(seconds) = args.default_token_ttl {
        builder = builder.default_token_ttl(Duration::from_secs(seconds));
    }
    if let Some(requests) = args.rate_limit {
        let window = Duration::from_secs(args.rate_limit_window.unwrap_or(10));
        builder = builder.rate_limit(RateLimit::new(requests, window));
    }
    Ok(builder)
}

/// Starts an emulator as these flags describe.
pub fn start(args: &EmulatorArgs) -> Result<EmulatorHandle, EmulatorError> {
    builder(args)?.start()
}

/// The `--json` summary: `{"url", "instance_id", "secret_key", "machines":
/// [{"name", "id", "secret_key", "scopes"}]}`. It contains the emulator's
/// (test) secret keys on purpose.
pub fn summary_json(handle: &EmulatorHandle) -> serde_json::Value {
    let machines: Vec<_> = handle
        .machines()
        .iter()
        .map(|machine| {
            json!({
                "name": machine.name(),
                "id": machine.id(),
                "secret_key": machine.secret_key().expose_secret(),
                "scopes": machine.scopes(),
            })
        })
        .collect();
    json!({
        "url": handle.url(),
        "instance_id": handle.instance_id(),
        "secret_key": handle.secret_key().expose_secret(),
        "machines": machines,
    })
}

/// The human start-up summary (several lines, keys included on purpose:
/// they are the emulator's test keys).
pub fn summary_text(handle: &EmulatorHandle) -> String {
    let name_of = |id: &str| {
        handle
            .machines()
            .iter()
            .find(|machine| machine.id() == id)
            .map(|machine| format!("{} ({id})", machine.name()))
            .unwrap_or_else(|| id.to_owned())
    };
    let mut out = format!(
        "Clerk M2M emulator listening on {url}  (local test instance, test keys only)\n\
         \n  instance      {id}\n  secret key    {sk}   (instance key: list, revoke, verify, JWKS)\n",
        url = handle.url(),
        id = handle.instance_id(),
        sk = handle.secret_key().expose_secret(),
    );
    for machine in handle.machines() {
        let calls: Vec<String> = machine.scopes().iter().map(|id| name_of(id)).collect();
        out.push_str(&format!(
            "\n  machine       {name}\n    id          {id}\n    secret key  {key}\n    may call    {calls}\n",
            name = machine.name(),
            id = machine.id(),
            key = machine.secret_key().expose_secret(),
            calls = if calls.is_empty() {
                "(no machine)".to_owned()
            } else {
                calls.join(", ")
            },
        ));
    }
    if let Some(first) = handle.machines().first() {
        out.push_str(&format!(
            "\nTry it:\n  export CLERK_API_URL={url} CLERK_MACHINE_SECRET_KEY={key}\n",
            url = handle.url(),
            key = first.secret_key().expose_secret(),
        ));
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    out
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, caught from the moment this is
/// created (so a signal sent right after the summary is printed is not lost).
struct ShutdownSignal {
    runtime: tokio::runtime::Runtime,
    #[cfg(unix)]
    signals: (tokio::signal::unix::Signal, tokio::signal::unix::Signal),
}

impl ShutdownSignal {
    fn install() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        #[cfg(unix)]
        let signals = {
            use tokio::signal::unix::{signal, SignalKind};
            let _guard = runtime.enter();
            (
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            )
        };
        Ok(Self {
            runtime,
            #[cfg(unix)]
            signals,
        })
    }

    fn wait(mut self) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            let (interrupt, terminate) = &mut self.signals;
            self.runtime.block_on(async {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            });
            Ok(())
        }
        #[cfg(not(unix))]
        {
            self.runtime.block_on(tokio::signal::ctrl_c())
        }
    }
}

/// Blocks until Ctrl-C (SIGINT) or, on Unix, SIGTERM. Call it from a plain
/// thread, not from inside an async runtime.
pub fn wait_for_shutdown_signal() -> std::io::Result<()> {
    ShutdownSignal::install()?.wait()
}

/// Starts the emulator, prints the summary (JSON with `--json`) to stdout,
/// serves until Ctrl-C or SIGTERM, then stops and writes the state file
/// (with `--state`). Call it from `main` (not from inside an async runtime).
pub fn run(args: EmulatorArgs) -> Result<(), EmulatorError> {
    let signal = ShutdownSignal::install().map_err(EmulatorError::Runtime)?;
    let handle = start(&args)?;
    let summary = if args.json {
        format!("{}\n", summary_json(&handle))
    } else {
        summary_text(&handle)
    };
    let mut stdout = std::io::stdout().lock();
    // A closed stdout must not stop the server: scripts may read one line and go.
    let _ = stdout.write_all(summary.as_bytes());
    let _ = stdout.flush();
    drop(stdout);
    signal.wait().map_err(EmulatorError::Runtime)?;
    handle.shutdown_and_save()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    #[test]
    fn flags_parse_and_are_documented() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "emulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--json",
            "--rate-limit",
            "5",
            "--rate-limit-window",
            "2",
        ])
        .unwrap();
        assert!(cli.args.json);
        assert_eq!(cli.args.port, Some(0));
        assert_eq!(cli.args.rate_limit, Some(5));
        let help = Cli::command().render_long_help().to_string();
        for flag in [
            "--host",
            "--port",
            "--config",
            "--json",
            "--signing-key",
            "--default-token-ttl",
            "--rate-limit",
            "--rate-limit-window",
            "--state",
            "CLERK_EMULATOR_CONFIG",
        ] {
            assert!(help.contains(flag), "{flag} missing from --help");
        }
        assert!(Cli::try_parse_from(["emulator", "--rate-limit-window", "2"]).is_err());
    }

    #[test]
    fn zero_rate_limits_are_refused_with_a_reason() {
        for args in [
            vec!["emulator", "--rate-limit", "0"],
            vec!["emulator", "--rate-limit", "5", "--rate-limit-window", "0"],
        ] {
            let error = Cli::try_parse_from(&args).err().unwrap().to_string();
            assert!(error.contains("at least 1"), "{args:?}: {error}");
        }
        assert!(Cli::try_parse_from(["emulator", "--rate-limit", "x"]).is_err());
    }

    #[test]
    fn durations_take_units() {
        let cli = Cli::try_parse_from([
            "emulator",
            "--default-token-ttl",
            "2h",
            "--rate-limit",
            "5",
            "--rate-limit-window",
            "1m",
        ])
        .unwrap();
        assert_eq!(cli.args.default_token_ttl, Some(7200));
        assert_eq!(cli.args.rate_limit_window, Some(60));
        let bare = Cli::try_parse_from(["emulator", "--default-token-ttl", "600"]).unwrap();
        assert_eq!(bare.args.default_token_ttl, Some(600));
        for (flag, value) in [
            ("--default-token-ttl", "5x"),
            ("--default-token-ttl", "-1h"),
            ("--rate-limit-window", "1.5m"),
        ] {
            let args = ["emulator", "--rate-limit", "5", flag, value];
            let error = Cli::try_parse_from(args).err().unwrap();
            assert_eq!(error.exit_code(), 2);
            assert!(error.to_string().contains(flag), "{error}");
        }
    }

    #[test]
    fn inline_json_config() {
        let args = EmulatorArgs {
            config: Some(PathBuf::from(
                r#" {"instance_id": "ins_inline", "port": 0}"#,
            )),
            ..EmulatorArgs::default()
        };
        let debug = format!("{:?}", builder(&args).unwrap());
        assert!(debug.contains("ins_inline"), "{debug}");
        let bad = EmulatorArgs {
            config: Some(PathBuf::from(r#"{"instance_idd": "x"}"#)),
            ..EmulatorArgs::default()
        };
        let error = builder(&bad).err().unwrap().to_string();
        assert!(error.contains("instance_idd"), "{error}");
    }
}
