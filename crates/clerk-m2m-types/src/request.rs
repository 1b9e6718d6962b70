//! The parts every request shares: URL, method and headers.

use crate::error::RequestError;
use crate::{Config, SecretString};
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{Method, Request};

/// Header carrying the Backend API version.
pub const CLERK_API_VERSION_HEADER: &str = "clerk-api-version";

/// Builds a request to `url` with the headers `@clerk/backend` sends on every
/// call: `Authorization: Bearer <key>` (marked sensitive), `Clerk-API-Version`,
/// `Content-Type: application/json` (GET included) and `User-Agent`.
pub(crate) fn build_request(
    config: &Config,
    method: Method,
    url: String,
    key: &SecretString,
    body: Vec<u8>,
) -> Result<Request<Vec<u8>>, RequestError> {
    let mut authorization = HeaderValue::try_from(format!("Bearer {}", key.expose_secret()))
        .map_err(|_| RequestError::InvalidSecretKey)?;
    authorization.set_sensitive(true);
    let api_version =
        HeaderValue::from_str(config.api_version()).map_err(|_| RequestError::InvalidApiVersion)?;
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = url.parse().map_err(|_| RequestError::InvalidUrl)?;
    let headers = request.headers_mut();
    headers.insert(AUTHORIZATION, authorization);
    headers.insert(CLERK_API_VERSION_HEADER, api_version);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(crate::config::USER_AGENT),
    );
    Ok(request)
}

/// Serializes a request body.
pub(crate) fn json_body(value: &impl serde::Serialize) -> Result<Vec<u8>, RequestError> {
    serde_json::to_vec(value).map_err(|_| RequestError::BodyNotSerializable)
}
