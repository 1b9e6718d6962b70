//! `GET {base}/v1/jwks`: the request, and reading its answer.

use super::keyset::KeySet;
use crate::error::{ApiError, DecodeError, RequestError, ResponseError};
use crate::{Config, Endpoint, Operation};
use http::Method;

/// Why the JWKS request could not be built. Nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksRequestError {
    /// The config has no instance secret key; a machine key cannot fetch the JWKS.
    #[error("fetching the JWKS needs the instance secret key (sk_…): set CLERK_SECRET_KEY, or set CLERK_JWT_KEY to verify with a PEM public key and no network")]
    MissingSecretKey,
    /// The request could not be formed (a key or API version that cannot go in a header).
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// Builds `GET {base}/v1/jwks`, authorised with the instance secret key
/// (`Authorization` marked sensitive), with the headers every call sends.
///
/// ```
/// use clerk_m2m_types::driver::jwks::{jwks_request, parse_jwks_response};
/// use clerk_m2m_types::Config;
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = jwks_request(&config)?;
/// assert_eq!(request.method(), "GET");
/// assert_eq!(request.uri(), "https://api.clerk.com/v1/jwks");
/// assert!(request.headers()["authorization"].is_sensitive());
///
/// let answer = http::Response::builder()
///     .status(401)
///     .header("content-type", "application/json")
///     .body(br#"{"errors":[{"code":"authentication_invalid","message":"Unauthorized"}]}"#.to_vec())?;
/// let error = parse_jwks_response(answer).unwrap_err();
/// assert_eq!(error.status(), 401);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn jwks_request(config: &Config) -> Result<http::Request<Vec<u8>>, JwksRequestError> {
    let key = config
        .secret_key()
        .ok_or(JwksRequestError::MissingSecretKey)?;
    Ok(crate::request::build_request(
        config,
        Method::GET,
        config.jwks_url(),
        key,
        Vec::new(),
    )?)
}

/// Reads the answer to [`jwks_request`]: a non-2xx status is an
/// [`ApiError`]; a body that is not a JWKS, or has no usable key, is a
/// [`DecodeError`]. Unusable entries beside usable ones are skipped
/// ([`KeySet::skipped`]).
pub fn parse_jwks_response(response: http::Response<Vec<u8>>) -> Result<KeySet, ResponseError> {
    let status = response.status();
    if !status.is_success() {
        return Err(ApiError::from_response(status, response.headers(), response.body()).into());
    }
    KeySet::from_jwks_json(response.body())
        .map_err(|error| DecodeError::new(status, error, response.body()).into())
}

/// The JWKS fetch as a call: [`jwks_request`] and [`parse_jwks_response`]
/// behind [`Endpoint`], so a client sends it like any other call (retried as
/// an idempotent GET, within the call timeout, traced as
/// [`Operation::FetchJwks`]).
///
/// Without an instance secret key the request is refused before sending
/// with [`RequestError::MissingSecretKey`].
///
/// ```
/// use clerk_m2m_types::driver::jwks::FetchJwks;
/// use clerk_m2m_types::{Config, Endpoint, Operation, RequestError};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = FetchJwks.build_request(&config)?;
/// assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/v1/jwks"));
/// assert_eq!(FetchJwks::OPERATION, Operation::FetchJwks);
///
/// let machine_only = Config::builder().machine_secret_key("ak_test_example").build()?;
/// assert_eq!(FetchJwks.build_request(&machine_only).unwrap_err(), RequestError::MissingSecretKey);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchJwks;

impl Endpoint for FetchJwks {
    type Output = KeySet;
    const OPERATION: Operation = Operation::FetchJwks;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        jwks_request(config).map_err(|error| match error {
            JwksRequestError::MissingSecretKey => RequestError::MissingSecretKey,
            JwksRequestError::Request(error) => error,
        })
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<KeySet, ResponseError> {
        parse_jwks_response(response)
    }
}
