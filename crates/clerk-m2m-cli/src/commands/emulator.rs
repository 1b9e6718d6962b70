//! `clerk-m2m emulator`: the emulator crate's own command line, run in the foreground.

use crate::args::OutputFormat;
use crate::exit::{Exit, Failure};
use clerk_m2m_emulator::cli::{run, EmulatorArgs};
use clerk_m2m_emulator::EmulatorError;

/// Runs the emulator until Ctrl-C or SIGTERM; `-o json` means `--json`.
pub(crate) fn emulator(mut args: EmulatorArgs, output: OutputFormat) -> Result<String, Failure> {
    args.json |= output == OutputFormat::Json;
    run(args).map(|()| String::new()).map_err(failure)
}

fn failure(error: EmulatorError) -> Failure {
    let mut message = format!("the emulator could not start: {error}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    let exit = match error {
        EmulatorError::InvalidConfig { .. }
        | EmulatorError::InvalidState { .. }
        | EmulatorError::SigningKey { .. }
        | EmulatorError::Io { .. } => Exit::Usage,
        _ => Exit::Failure,
    };
    let failure = Failure::new(exit, message);
    match error {
        EmulatorError::Bind { .. } => {
            failure.with_hint("pick another --port, or --port 0 for any free port")
        }
        EmulatorError::InvalidConfig { .. } | EmulatorError::Io { .. } => {
            failure.with_hint("see `clerk-m2m emulator --help` for the --config file format")
        }
        EmulatorError::InvalidState { .. } => {
            failure.with_hint("fix or remove the --state file (it is rewritten on shutdown)")
        }
        _ => failure,
    }
}
