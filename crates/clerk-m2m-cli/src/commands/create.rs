//! `clerk-m2m create`.

use crate::args::{CreateArgs, GlobalArgs};
use crate::client::client;
use crate::exit::{Action, Exit, Failure};
use crate::output;
use clerk_m2m_types::CreateTokenParams;

/// Creates a token and prints it (only its value with `--token-only`).
pub(crate) fn create(args: CreateArgs, global: &GlobalArgs) -> Result<String, Failure> {
    let mut params = CreateTokenParams::new().token_format(args.format.into());
    if let Some(seconds) = args.expires_in {
        params = params.seconds_until_expiration(seconds);
    }
    if let Some(claims) = args.claims {
        params = params.claims(claims);
    }
    if let Some(seconds) = args.min_remaining_ttl {
        params = params.min_remaining_ttl_seconds(seconds);
    }
    let client = client(global)?;
    let token = client
        .create_token(params)
        .map_err(|error| Failure::from_call(Action::Create, &error, client.config().base_url()))?;
    if args.token_only {
        return match &token.token {
            Some(value) => Ok(format!("{}\n", value.expose_secret())),
            None => Err(Failure::new(
                Exit::Failure,
                format!("the API created token {} but sent no token value", token.id),
            )),
        };
    }
    output::token(&token, global.output)
}
