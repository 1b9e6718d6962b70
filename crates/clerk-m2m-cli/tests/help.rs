//! `--help`, `--version` and clap's own usage errors.

mod common;

use common::{bare, texts};

#[test]
fn help_documents_exit_codes_environment_and_the_history_warning() {
    let output = bare().arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let (stdout, _) = texts(&output);
    for text in [
        "Exit codes:",
        "0  success",
        "1  the API answered with an error",
        "2  usage error",
        "3  network failure",
        "CLERK_JWT_KEY",
        "shell history",
        "create",
        "list",
        "revoke",
        "verify",
        "emulator",
        "completions",
        "--timeout <DURATION>",
        "-v, --verbose",
        "90s, 15m, 1h, 7d",
        "with -o json",
    ] {
        assert!(stdout.contains(text), "{text} missing from --help");
    }
    for command in ["create", "list", "revoke", "verify"] {
        let output = bare().args([command, "--help"]).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        assert!(
            texts(&output).0.contains("Exit codes: 0 success"),
            "{command}"
        );
    }
}

#[test]
fn version_exits_0() {
    let output = bare().arg("--version").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(texts(&output).0.starts_with("clerk-m2m "));
}

#[test]
fn clap_usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["list"],
        &["revoke"],
        &["create", "--format", "paseto"],
        &["list", "--subject", "mch_x", "--limit", "500"],
        &["-o", "yaml", "create"],
    ] {
        let output = bare().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

/// The README's exit-code table says what `Exit::meaning` says (which
/// `--help` prints): the codes are documented in one place.
#[test]
fn the_readme_table_is_the_help_text() {
    use clerk_m2m_cli::exit::Exit;
    let readme = include_str!("../README.md");
    for exit in Exit::ALL {
        let row = format!("| {} | {} |", exit.code(), exit.meaning());
        assert!(readme.contains(&row), "README lacks: {row}");
    }
    let output = bare().arg("--help").output().unwrap();
    let help: Vec<String> = texts(&output)
        .0
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let help = help.join(" ");
    for exit in Exit::ALL {
        assert!(
            help.contains(
                &format!("{}  {}", exit.code(), exit.meaning())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "--help lacks {exit:?}"
        );
    }
}
