//! The parts every request shares: URL, method and headers.

use crate::error::RequestError;
use crate::{Config, SecretString};
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{Method, Request};

/// Header carrying the Backend API version.
pub const CLERK_API_VERSION_HEADER: &str = "clerk-api-version";

/// [`CLERK_API_VERSION_HEADER`] as a header name, checked once at compile time.
const CLERK_API_VERSION: HeaderName = HeaderName::from_static(CLERK_API_VERSION_HEADER);

/// `Bearer <secret>` as a sensitive header value (the API key on every call,
/// a token on outgoing requests), the bytes written once, straight into the
/// buffer the value keeps; `None` if the secret cannot go in a header.
pub(crate) fn bearer(secret: &SecretString) -> Option<HeaderValue> {
    const SCHEME: &[u8] = b"Bearer ";
    let secret = secret.expose_secret().as_bytes();
    let mut bytes = Vec::with_capacity(SCHEME.len() + secret.len());
    bytes.extend_from_slice(SCHEME);
    bytes.extend_from_slice(secret);
    let mut value = HeaderValue::try_from(bytes).ok()?;
    value.set_sensitive(true);
    Some(value)
}

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
    let authorization = bearer(key).ok_or(RequestError::InvalidSecretKey)?;
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = url.parse().map_err(|_| RequestError::InvalidUrl)?;
    let headers = request.headers_mut();
    headers.insert(AUTHORIZATION, authorization);
    headers.insert(CLERK_API_VERSION, config.api_version_header().clone());
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(crate::config::USER_AGENT),
    );
    Ok(request)
}

/// Serializes a request body.
pub(crate) fn json_body(value: &impl serde::Serialize) -> Result<Vec<u8>, RequestError> {
    // Room for a typical body up front: no regrowth while writing it.
    let mut body = Vec::with_capacity(256);
    serde_json::to_writer(&mut body, value).map_err(|_| RequestError::BodyNotSerializable)?;
    Ok(body)
}
