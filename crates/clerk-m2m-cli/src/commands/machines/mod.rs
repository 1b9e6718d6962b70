//! `clerk-m2m machines …`: the Machines API, with the instance secret key.

mod hints;
mod keys;
mod manage;
mod render;
mod scopes;

pub(crate) use hints::{api_hint, failed, maybe_sent_hint};

use crate::args::{GlobalArgs, MachinesArgs, MachinesCommand, OutputFormat};
use crate::exit::{Action, Failure};
use clerk_m2m_blocking::Machines;
use clerk_m2m_types::Error;

/// Runs one `machines` subcommand.
pub(crate) fn machines(args: MachinesArgs, global: &GlobalArgs) -> Result<String, Failure> {
    let client = crate::client::client(global)?;
    let session = Session {
        machines: client.machines(),
        base_url: client.config().base_url(),
        format: global.output,
    };
    match args.command {
        MachinesCommand::List(args) => manage::list(&session, args),
        MachinesCommand::Create(args) => manage::create(&session, args),
        MachinesCommand::Get(args) => manage::get(&session, args),
        MachinesCommand::Update(args) => manage::update(&session, args),
        MachinesCommand::Delete(args) => manage::delete(&session, args),
        MachinesCommand::SecretKey(args) => keys::secret_key(&session, args),
        MachinesCommand::RotateSecretKey(args) => keys::rotate(&session, args),
        MachinesCommand::AddScope(args) => scopes::add(&session, args),
        MachinesCommand::RemoveScope(args) => scopes::remove(&session, args),
    }
}

/// What every `machines` subcommand needs: the calls, where they go (for
/// error hints) and how to print.
struct Session<'a> {
    machines: Machines<'a>,
    base_url: &'a str,
    format: OutputFormat,
}

impl Session<'_> {
    /// A call's result, its error turned into the failure printed on stderr.
    fn check<T>(&self, result: Result<T, Error>) -> Result<T, Failure> {
        result.map_err(|error| {
            Failure::from_call(Action::Machine(error.operation()), &error, self.base_url)
        })
    }
}
