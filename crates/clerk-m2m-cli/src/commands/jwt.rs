//! Local verification of M2M JWTs for `verify`: keys from `CLERK_JWT_KEY`
//! (no network) or from the JWKS fetched with `CLERK_SECRET_KEY`.

use crate::args::GlobalArgs;
use crate::client::client;
use crate::exit::{Action, Failure};
use clerk_m2m_types::jwt::{
    jwks_request, parse_jwks_response, verify, JwksRequestError, KeySet, VerifyOptions,
};
use clerk_m2m_types::{
    Config, Endpoint, M2mToken, Operation, RequestError, ResponseError, SecretString,
};
use std::time::SystemTime;

/// Verifies an M2M JWT with the PEM key if given, else the instance's JWKS.
pub(crate) fn verify_locally(
    token: &SecretString,
    jwt_key: Option<&str>,
    global: &GlobalArgs,
) -> Result<M2mToken, Failure> {
    let keys = match jwt_key {
        Some(pem) => KeySet::from_pem(pem).map_err(|error| {
            Failure::usage(format!("CLERK_JWT_KEY is not a usable public key: {error}"))
                .with_hint("give the instance's PEM public key (-----BEGIN PUBLIC KEY-----…)")
        })?,
        None if global.secret_key().is_some() => fetch_jwks(global)?,
        None => return Err(Failure::no_jwt_key()),
    };
    verify(
        token.expose_secret(),
        &keys,
        SystemTime::now(),
        &VerifyOptions::new(),
    )
    .map_err(|error| Failure::from_jwt(&error, jwt_key.is_some()))
}

/// `GET /v1/jwks` through the blocking client (its transport, timeouts and
/// retries), as an [`Endpoint`] built from the types crate's JWKS request.
struct FetchJwks;

impl Endpoint for FetchJwks {
    type Output = KeySet;
    // The closest of the four calls: a read that is safe to retry.
    const OPERATION: Operation = Operation::VerifyToken;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        jwks_request(config).map_err(|error| match error {
            JwksRequestError::Request(error) => error,
            _ => RequestError::MissingSecretKey,
        })
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<KeySet, ResponseError> {
        parse_jwks_response(response)
    }
}

fn fetch_jwks(global: &GlobalArgs) -> Result<KeySet, Failure> {
    let client = client(global)?;
    client
        .send(&FetchJwks)
        .map_err(|error| Failure::from_call(Action::FetchJwks, &error, client.config().base_url()))
}
