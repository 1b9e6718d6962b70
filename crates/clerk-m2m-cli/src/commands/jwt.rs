//! The client that verifies an M2M JWT for `verify`: the PEM key of
//! `CLERK_JWT_KEY` alone (no network), else the instance's JWKS fetched
//! with `CLERK_SECRET_KEY`. Routing, keys and the JWKS are the client's.

use crate::args::GlobalArgs;
use crate::client::{build, client};
use crate::exit::Failure;
use clerk_m2m_blocking::Client;
use clerk_m2m_types::jwt::KeySet;
use clerk_m2m_types::Config;

/// A client that verifies JWTs with `jwt_key` (a PEM) if given, else with
/// the JWKS of the instance whose secret key is configured.
pub(crate) fn jwt_client(jwt_key: Option<&str>, global: &GlobalArgs) -> Result<Client, Failure> {
    let Some(pem) = jwt_key else {
        return client(global);
    };
    let keys = KeySet::from_pem(pem).map_err(|error| {
        Failure::usage(format!("CLERK_JWT_KEY is not a usable public key: {error}"))
            .with_code("invalid_key")
            .with_hint("give the instance's PEM public key (-----BEGIN PUBLIC KEY-----…)")
    })?;
    // The key alone decides: no URL, no secret key, no request.
    build(Config::builder().jwt_keys(keys), global)
}
