//! One module per subcommand. Each returns what to print on stdout, or a
//! [`Failure`](crate::exit::Failure) for stderr and the exit code.

mod emulator;

use crate::args::{Cli, Command};
use crate::exit::Failure;
use std::io::Read;

/// Runs the parsed command line; `stdin` is read only by `verify -`.
pub(crate) fn execute(cli: Cli, _stdin: &mut dyn Read) -> Result<String, Failure> {
    let output = cli.global.output;
    match cli.command {
        Command::Emulator(args) => emulator::emulator(args, output),
        _ => Err(Failure::usage("not yet")),
    }
}
