//! `clerk-m2m revoke`.

use crate::args::{GlobalArgs, RevokeArgs};
use crate::client::client;
use crate::exit::{Action, Failure};
use crate::output;
use clerk_m2m_types::RevokeTokenParams;

/// Revokes a token by id and prints the revoked token.
pub(crate) fn revoke(args: RevokeArgs, global: &GlobalArgs) -> Result<String, Failure> {
    let mut params = RevokeTokenParams::new(args.token_id);
    if let Some(reason) = args.reason {
        params = params.revocation_reason(reason);
    }
    let client = client(global)?;
    let mut token = client
        .revoke_token(params)
        .map_err(|error| Failure::from_call(Action::Revoke, &error, client.config().base_url()))?;
    token.token = None;
    output::token(&token, global.output)
}
