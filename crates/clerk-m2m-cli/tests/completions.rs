//! `clerk-m2m completions <shell>`.

mod common;

use common::{bare, texts};

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = bare().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let (stdout, stderr) = texts(&output);
        assert!(stderr.is_empty(), "{shell}: {stderr}");
        assert!(stdout.len() > 500, "{shell}: {stdout}");
        for word in ["clerk-m2m", "verify", "machines", "completions"] {
            assert!(stdout.contains(word), "{shell}: {word} missing");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let output = bare().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}
