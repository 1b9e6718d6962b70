//! `clerk-m2m completions <shell>`: the completion script, from the clap
//! definitions themselves, so it never lags behind a flag.

use crate::args::{Cli, CompletionsArgs};
use crate::exit::{Exit, Failure};
use clap::CommandFactory;

/// The completion script for the shell asked for.
pub(crate) fn completions(args: CompletionsArgs) -> Result<String, Failure> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    String::from_utf8(script).map_err(|_| {
        Failure::new(Exit::Failure, "the completion script is not UTF-8").with_code("output")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap_complete::Shell;

    #[test]
    fn every_shell_gets_a_script_that_knows_the_subcommands() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Elvish,
        ] {
            let script = completions(CompletionsArgs { shell }).unwrap();
            assert!(script.len() > 500, "{shell}: {script}");
            // Fish names flags without their dashes (`-l timeout`).
            for word in [
                "clerk-m2m",
                "verify",
                "machines",
                "rotate-secret-key",
                "timeout",
            ] {
                assert!(script.contains(word), "{shell}: {word} missing");
            }
        }
    }
}
