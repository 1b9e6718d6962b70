//! `clerk-m2m list`.

use crate::args::{GlobalArgs, ListArgs};
use crate::client::client;
use crate::exit::{Action, Failure};
use crate::output;
use clerk_m2m_types::ListTokensParams;

/// Lists one page of a machine's tokens.
pub(crate) fn list(args: ListArgs, global: &GlobalArgs) -> Result<String, Failure> {
    let mut params = ListTokensParams::new(args.subject)
        .revoked(args.revoked)
        .expired(args.expired);
    if let Some(limit) = args.limit {
        params = params.limit(limit);
    }
    if let Some(offset) = args.offset {
        params = params.offset(offset);
    }
    let client = client(global)?;
    let mut list = client
        .list_tokens(params)
        .map_err(|error| Failure::from_call(Action::List, &error, client.config().base_url()))?;
    // Listed tokens carry no value; never print one should a server send it.
    for token in &mut list.tokens {
        token.token = None;
    }
    output::token_list(&list, global.output, args.offset.unwrap_or(0))
}
