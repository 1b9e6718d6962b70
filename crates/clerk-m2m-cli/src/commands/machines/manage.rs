//! `machines list`, `create`, `get`, `update` and `delete`.

use super::{render, Session};
use crate::args::{MachineIdArg, MachinesCreateArgs, MachinesListArgs, MachinesUpdateArgs};
use crate::exit::{Exit, Failure};
use clerk_m2m_types::{
    CreateMachineParams, DeleteMachineParams, GetMachineParams, ListMachinesParams,
    UpdateMachineParams,
};

/// Lists one page of machines.
pub(super) fn list(session: &Session, args: MachinesListArgs) -> Result<String, Failure> {
    let mut params = ListMachinesParams::new();
    if let Some(limit) = args.limit {
        params = params.limit(limit);
    }
    if let Some(offset) = args.offset {
        params = params.offset(offset);
    }
    if let Some(query) = args.query {
        params = params.query(query);
    }
    if let Some(order_by) = args.order_by {
        params = params.order_by(order_by);
    }
    let mut list = session.check(session.machines.list(params))?;
    // Listed machines carry no key; never print one should a server send it.
    for machine in &mut list.machines {
        machine.secret_key = None;
    }
    render::machine_list(&list, session.format, args.offset.unwrap_or(0))
}

/// Creates a machine and prints it with its key (only the key with `--secret-only`).
pub(super) fn create(session: &Session, args: MachinesCreateArgs) -> Result<String, Failure> {
    let mut params = CreateMachineParams::new(args.name);
    if !args.scopes.is_empty() {
        params = params.scoped_machines(args.scopes);
    }
    if let Some(seconds) = args.default_token_ttl {
        params = params.default_token_ttl(seconds);
    }
    let machine = session.check(session.machines.create(params))?;
    if args.secret_only {
        return match &machine.secret_key {
            Some(key) => Ok(format!("{}\n", key.expose_secret())),
            None => Err(Failure::new(
                Exit::Failure,
                format!(
                    "the API created machine {} but sent no secret key",
                    crate::exit::one_line(&machine.id, 100)
                ),
            )
            .with_hint("`clerk-m2m machines secret-key ID --secret-only` reads it")),
        };
    }
    render::machine(&machine, session.format)
}

/// Prints one machine.
pub(super) fn get(session: &Session, args: MachineIdArg) -> Result<String, Failure> {
    let mut machine = session.check(session.machines.get(GetMachineParams::new(args.id)))?;
    machine.secret_key = None;
    render::machine(&machine, session.format)
}

/// Changes a machine's name or default token lifetime and prints it.
pub(super) fn update(session: &Session, args: MachinesUpdateArgs) -> Result<String, Failure> {
    let mut params = UpdateMachineParams::new(args.id);
    if let Some(name) = args.name {
        params = params.name(name);
    }
    if let Some(seconds) = args.default_token_ttl {
        params = params.default_token_ttl(seconds);
    }
    let mut machine = session.check(session.machines.update(params))?;
    machine.secret_key = None;
    render::machine(&machine, session.format)
}

/// Deletes a machine.
pub(super) fn delete(session: &Session, args: MachineIdArg) -> Result<String, Failure> {
    let deleted = session.check(session.machines.delete(DeleteMachineParams::new(args.id)))?;
    render::deleted_machine(&deleted, session.format)
}
