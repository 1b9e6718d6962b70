//! One module per subcommand. Each returns what to print on stdout, or a
//! [`Failure`](crate::exit::Failure) for stderr and the exit code.

mod completions;
mod create;
mod emulator;
mod jwt;
mod list;
pub(crate) mod machines;
mod revoke;
mod verify;

use crate::args::{Cli, Command};
use crate::exit::Failure;
use std::io::Read;

/// Runs the parsed command line; `stdin` is read only by `verify -`.
pub(crate) fn execute(cli: Cli, stdin: &mut dyn Read) -> Result<String, Failure> {
    let global = &cli.global;
    match cli.command {
        Command::Create(args) => create::create(args, global),
        Command::List(args) => list::list(args, global),
        Command::Revoke(args) => revoke::revoke(args, global),
        Command::Verify(args) => verify::verify(args, global, stdin),
        Command::Machines(args) => machines::machines(args, global),
        Command::Emulator(args) => emulator::emulator(args, global.output),
        Command::Completions(args) => completions::completions(args),
    }
}
