//! `machines add-scope` and `machines remove-scope`.

use super::{render, Session};
use crate::args::MachinesScopeArgs;
use crate::exit::Failure;
use clerk_m2m_types::{AddMachineScopeParams, RemoveMachineScopeParams};

/// Lets a machine call another.
pub(super) fn add(session: &Session, args: MachinesScopeArgs) -> Result<String, Failure> {
    let params = AddMachineScopeParams::new(args.id, args.to_machine_id);
    let scope = session.check(session.machines.add_scope(params))?;
    render::scope_added(&scope, session.format)
}

/// Stops a machine from calling another.
pub(super) fn remove(session: &Session, args: MachinesScopeArgs) -> Result<String, Failure> {
    let params = RemoveMachineScopeParams::new(args.id, args.to_machine_id);
    let removed = session.check(session.machines.remove_scope(params))?;
    render::scope_removed(&removed, session.format)
}
