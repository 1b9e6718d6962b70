//! `clerk-m2m create`.

use crate::args::{CreateArgs, GlobalArgs};
use crate::client::client;
use crate::exit::{Action, Exit, Failure};
use crate::output;
use clerk_m2m_types::{CreateTokenParams, Error, RequestError};

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
    let token = client.create_token(params).map_err(|error| match error {
        Error::InvalidRequest {
            source: RequestError::InstanceKeyCannotCreate,
            ..
        } if instance_key_as_machine_key(global) => instance_key_in_the_machine_slot(),
        error => Failure::from_call(Action::Create, &error, client.config().base_url()),
    })?;
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

/// Whether the machine secret key given (flag or environment) is an
/// instance secret key.
fn instance_key_as_machine_key(global: &GlobalArgs) -> bool {
    global
        .machine_secret_key()
        .is_some_and(|key| key.has_prefix("sk_"))
}

/// An `sk_` key where the machine secret key belongs: say where it goes,
/// and what a machine key looks like.
fn instance_key_in_the_machine_slot() -> Failure {
    Failure::usage(
        "could not create the token: CLERK_MACHINE_SECRET_KEY (or --machine-secret-key) holds an \
         instance secret key (sk_…), and creating needs a machine secret key",
    )
    .with_code("wrong_key")
    .with_hint(
        "an instance secret key belongs in CLERK_SECRET_KEY; a machine secret key starts with ak_ \
         (Clerk Dashboard → Machines, or `clerk-m2m machines secret-key mch_…`)",
    )
}
