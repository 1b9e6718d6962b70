//! `machines secret-key` and `machines rotate-secret-key`.

use super::{render, Session};
use crate::args::{MachinesRotateArgs, MachinesSecretKeyArgs};
use crate::exit::Failure;
use clerk_m2m_types::{GetMachineSecretKeyParams, RotateMachineSecretKeyParams};

/// Prints a machine's current secret key.
pub(super) fn secret_key(
    session: &Session,
    args: MachinesSecretKeyArgs,
) -> Result<String, Failure> {
    let params = GetMachineSecretKeyParams::new(args.id.clone());
    let key = session.check(session.machines.get_secret_key(params))?;
    if args.secret_only {
        return Ok(format!("{}\n", key.secret.expose_secret()));
    }
    render::secret_key(&args.id, &key, None, session.format)
}

/// Rotates a machine's secret key and prints the new one.
pub(super) fn rotate(session: &Session, args: MachinesRotateArgs) -> Result<String, Failure> {
    let params = RotateMachineSecretKeyParams::new(args.id.clone(), args.previous_token_ttl);
    let key = session.check(session.machines.rotate_secret_key(params))?;
    if args.secret_only {
        return Ok(format!("{}\n", key.secret.expose_secret()));
    }
    render::secret_key(
        &args.id,
        &key,
        Some(args.previous_token_ttl),
        session.format,
    )
}
