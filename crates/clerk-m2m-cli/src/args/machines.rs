//! `clerk-m2m machines …`: the Machines API subcommands and their flags.

use super::values::parse_duration;
use crate::exit::exit_codes_short;
use clap::{Args, Subcommand};

/// `clerk-m2m machines`.
#[derive(Debug, Args)]
pub struct MachinesArgs {
    /// What to do with machines.
    #[command(subcommand)]
    pub command: MachinesCommand,
}

/// The `machines` subcommands.
#[derive(Debug, Subcommand)]
pub enum MachinesCommand {
    /// List the instance's machines, newest first by default
    #[command(after_help = exit_codes_short())]
    List(MachinesListArgs),
    /// Create a machine and print it with its secret key (shown only this once)
    #[command(after_help = exit_codes_short())]
    Create(MachinesCreateArgs),
    /// Show a machine and the machines it may call
    #[command(after_help = exit_codes_short())]
    Get(MachineIdArg),
    /// Rename a machine or change the default lifetime of its tokens
    #[command(after_help = exit_codes_short())]
    Update(MachinesUpdateArgs),
    /// Delete a machine: its secret keys stop working
    #[command(after_help = exit_codes_short())]
    Delete(MachineIdArg),
    /// Print a machine's current secret key
    #[command(after_help = exit_codes_short())]
    SecretKey(MachinesSecretKeyArgs),
    /// Give a machine a new secret key; the previous one keeps working for a grace period
    #[command(after_help = exit_codes_short())]
    RotateSecretKey(MachinesRotateArgs),
    /// Let a machine call another: tokens it creates from now on carry the scope
    #[command(after_help = exit_codes_short())]
    AddScope(MachinesScopeArgs),
    /// Stop a machine from calling another: tokens it creates from now on lose the scope
    #[command(after_help = exit_codes_short())]
    RemoveScope(MachinesScopeArgs),
}

/// `machines list`.
#[derive(Debug, Args)]
pub struct MachinesListArgs {
    /// Only machines whose id is exactly Q, or whose name contains Q
    #[arg(long, value_name = "Q")]
    pub query: Option<String>,

    /// Sort by name or created_at; a leading - sorts descending, + (or nothing) ascending
    /// [default: -created_at]
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub order_by: Option<String>,

    /// Page size, 1–500 [default: 10, the API's]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=500))]
    pub limit: Option<u64>,

    /// How many machines to skip [default: 0]
    #[arg(long, value_name = "N")]
    pub offset: Option<u64>,
}

/// `machines create`.
#[derive(Debug, Args)]
pub struct MachinesCreateArgs {
    /// The machine's name, 1–255 characters
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// A machine the new one may call; repeat for more (at most 150)
    #[arg(long = "scope", value_name = "MACHINE_ID", value_parser = parse_machine_id)]
    pub scopes: Vec<String>,

    /// Lifetime of the tokens it creates without --expires-in, 1s to 3650d (10 years), e.g.
    /// 10m, 1h or 7d; a bare number is seconds [default: 1h, the API's]
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_token_ttl,
        allow_hyphen_values = true
    )]
    pub default_token_ttl: Option<u64>,

    /// Print only the new secret key and a newline, e.g. for KEY=$(clerk-m2m machines create
    /// --name ci --secret-only); overrides -o
    #[arg(long)]
    pub secret_only: bool,
}

/// A machine id, the only argument of `get` and `delete`.
#[derive(Debug, Args)]
pub struct MachineIdArg {
    /// The machine's id (mch_…)
    #[arg(value_name = "ID", value_parser = parse_machine_id)]
    pub id: String,
}

/// `machines update`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("change").required(true).multiple(true))]
pub struct MachinesUpdateArgs {
    /// The machine's id (mch_…)
    #[arg(value_name = "ID", value_parser = parse_machine_id)]
    pub id: String,

    /// The new name, 1–255 characters
    #[arg(long, value_name = "NAME", group = "change")]
    pub name: Option<String>,

    /// The new default lifetime of its tokens, 1s to 3650d (10 years), e.g. 10m, 1h or 7d; a
    /// bare number is seconds
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_token_ttl,
        allow_hyphen_values = true,
        group = "change"
    )]
    pub default_token_ttl: Option<u64>,
}

/// `machines secret-key`.
#[derive(Debug, Args)]
pub struct MachinesSecretKeyArgs {
    /// The machine's id (mch_…)
    #[arg(value_name = "ID", value_parser = parse_machine_id)]
    pub id: String,

    /// Print only the secret key and a newline; overrides -o
    #[arg(long)]
    pub secret_only: bool,
}

/// `machines rotate-secret-key`.
#[derive(Debug, Args)]
pub struct MachinesRotateArgs {
    /// The machine's id (mch_…)
    #[arg(value_name = "ID", value_parser = parse_machine_id)]
    pub id: String,

    /// How long the previous key keeps working, 0 to 8h, e.g. 30m or 1h; a bare number is
    /// seconds (0: it stops at once)
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_grace_period,
        allow_hyphen_values = true
    )]
    pub previous_token_ttl: u64,

    /// Print only the new secret key and a newline; overrides -o
    #[arg(long)]
    pub secret_only: bool,
}

/// `machines add-scope` and `machines remove-scope`.
#[derive(Debug, Args)]
pub struct MachinesScopeArgs {
    /// The machine that calls (mch_…)
    #[arg(value_name = "ID", value_parser = parse_machine_id)]
    pub id: String,

    /// The machine it calls (mch_…)
    #[arg(value_name = "TO_MACHINE_ID", value_parser = parse_machine_id)]
    pub to_machine_id: String,
}

/// A machine id, checked as the API's pattern `^mch_\w{27}$`.
fn parse_machine_id(value: &str) -> Result<String, String> {
    if clerk_m2m_types::is_machine_id(value) {
        Ok(value.to_owned())
    } else {
        Err("must be a machine id: mch_ followed by 27 letters, digits or _".into())
    }
}

/// A `default_token_ttl`: 1–315360000 seconds.
fn parse_token_ttl(value: &str) -> Result<u64, String> {
    match parse_duration(value)? {
        seconds @ 1..=clerk_m2m_types::MAX_DEFAULT_TOKEN_TTL => Ok(seconds),
        _ => Err("must be between 1 and 315360000 seconds (1s to 3650d, 10 years)".into()),
    }
}

/// A `previous_token_ttl`: 0–28800 seconds.
fn parse_grace_period(value: &str) -> Result<u64, String> {
    match parse_duration(value)? {
        seconds @ 0..=clerk_m2m_types::MAX_PREVIOUS_TOKEN_TTL => Ok(seconds),
        _ => Err("must be between 0 and 28800 seconds (0 to 8h)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command, OutputFormat};
    use clap::Parser;

    const A: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
    const B: &str = "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em";

    fn parse(args: &[&str]) -> Result<MachinesCommand, clap::Error> {
        let cli = Cli::try_parse_from(
            ["clerk-m2m", "machines"]
                .into_iter()
                .chain(args.iter().copied()),
        )?;
        match cli.command {
            Command::Machines(machines) => Ok(machines.command),
            other => panic!("not machines: {other:?}"),
        }
    }

    #[test]
    fn list_takes_signed_order_by_values() {
        for order_by in ["-created_at", "+name", "name"] {
            let MachinesCommand::List(args) = parse(&["list", "--order-by", order_by]).unwrap()
            else {
                panic!("not list");
            };
            assert_eq!(args.order_by.as_deref(), Some(order_by));
        }
        let MachinesCommand::List(args) =
            parse(&["list", "--query", "ci", "--limit", "500", "--offset", "20"]).unwrap()
        else {
            panic!("not list");
        };
        assert_eq!(args.query.as_deref(), Some("ci"));
        assert_eq!((args.limit, args.offset), (Some(500), Some(20)));
    }

    #[test]
    fn create_collects_scopes() {
        let MachinesCommand::Create(args) = parse(&[
            "create",
            "--name",
            "billing-worker",
            "--scope",
            A,
            "--scope",
            B,
            "--default-token-ttl",
            "2h",
            "--secret-only",
        ])
        .unwrap() else {
            panic!("not create");
        };
        assert_eq!(args.name, "billing-worker");
        assert_eq!(args.scopes, [A, B]);
        assert_eq!(args.default_token_ttl, Some(7200));
        assert!(args.secret_only);
        let MachinesCommand::Create(args) = parse(&["create", "--name", "x"]).unwrap() else {
            panic!("not create");
        };
        assert!(args.scopes.is_empty() && args.default_token_ttl.is_none() && !args.secret_only);
    }

    #[test]
    fn ids_and_pairs_parse() {
        assert!(matches!(parse(&["get", A]).unwrap(), MachinesCommand::Get(args) if args.id == A));
        assert!(
            matches!(parse(&["delete", A]).unwrap(), MachinesCommand::Delete(args) if args.id == A)
        );
        assert!(matches!(
            parse(&["secret-key", A, "--secret-only"]).unwrap(),
            MachinesCommand::SecretKey(args) if args.id == A && args.secret_only
        ));
        assert!(matches!(
            parse(&["rotate-secret-key", A, "--previous-token-ttl", "0"]).unwrap(),
            MachinesCommand::RotateSecretKey(args) if args.previous_token_ttl == 0 && !args.secret_only
        ));
        assert!(matches!(
            parse(&["rotate-secret-key", A, "--previous-token-ttl", "8h"]).unwrap(),
            MachinesCommand::RotateSecretKey(args) if args.previous_token_ttl == 28_800
        ));
        assert!(matches!(
            parse(&["add-scope", A, B]).unwrap(),
            MachinesCommand::AddScope(args) if args.id == A && args.to_machine_id == B
        ));
        assert!(matches!(
            parse(&["remove-scope", A, B]).unwrap(),
            MachinesCommand::RemoveScope(args) if args.to_machine_id == B
        ));
        let MachinesCommand::Update(args) =
            parse(&["update", A, "--default-token-ttl", "600"]).unwrap()
        else {
            panic!("not update");
        };
        assert_eq!((args.name, args.default_token_ttl), (None, Some(600)));
    }

    #[test]
    fn global_flags_work_after_the_nested_subcommand() {
        let cli = Cli::try_parse_from([
            "clerk-m2m",
            "machines",
            "get",
            A,
            "-o",
            "json",
            "--secret-key",
            "sk_test_sentinel",
        ])
        .unwrap();
        assert_eq!(cli.global.output, OutputFormat::Json);
        assert!(cli.global.secret_key().is_some());
        assert!(!format!("{cli:?}").contains("sentinel"));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["list", "--limit", "0"][..],
            &["list", "--limit", "501"],
            &["create"],
            &["create", "--name", "x", "--scope", "mch_1"],
            &["create", "--name", "x", "--default-token-ttl", "0"],
            &["create", "--name", "x", "--default-token-ttl", "-5"],
            &["create", "--name", "x", "--default-token-ttl", "315360001"],
            &["get"],
            &["get", ""],
            &["get", "ak_test_not_an_id"],
            &["update", A],
            &["delete", "mch_../../v1/jwks"],
            &["rotate-secret-key", A],
            &["rotate-secret-key", A, "--previous-token-ttl", "28801"],
            &["rotate-secret-key", A, "--previous-token-ttl", "-1"],
            &["rotate-secret-key", A, "--previous-token-ttl", "481m"],
            &["rotate-secret-key", A, "--previous-token-ttl", "1h30m"],
            &["create", "--name", "x", "--default-token-ttl", "3651d"],
            &["create", "--name", "x", "--default-token-ttl", "5x"],
            &["add-scope", A],
            &["remove-scope", A, ""],
            &["frobnicate"],
        ] {
            let error = parse(args).expect_err(&args.join(" "));
            assert_eq!(error.exit_code(), 2, "{args:?}");
        }
        let error = parse(&["rotate-secret-key", A]).unwrap_err();
        assert!(
            error.to_string().contains("--previous-token-ttl"),
            "{error}"
        );
        let error = parse(&["update", A]).unwrap_err();
        assert!(error.to_string().contains("--name"), "{error}");
    }
}
