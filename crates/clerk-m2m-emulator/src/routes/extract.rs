//! What handlers take (the caller, the JSON body, the query, a path id)
//! and what they return ([`JsonReply`]). Each extractor rejects with
//! Clerk's error envelope.

use crate::api_error::ApiFailure;
use crate::app_state::SharedState;
use crate::auth::{authenticate, Authenticated, Caller};
use crate::instance::Machine;
use crate::journal::CreatedTokenId;
use crate::read_timeout::BodyReadTimeout;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

/// The largest request body read, in bytes.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// The largest control request body (a state import can be large).
pub(crate) const MAX_CONTROL_BODY: usize = 64 * 1024 * 1024;

/// The `Clerk-API-Version` header.
const API_VERSION_HEADER: &str = "clerk-api-version";

/// Accepts no header or any date-shaped version (`2026-05-12`, `2025-11-10`, …).
fn check_api_version(headers: &HeaderMap) -> Result<(), ApiFailure> {
    let Some(value) = headers.get(API_VERSION_HEADER) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or("").trim();
    let bytes = text.as_bytes();
    let date_shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if date_shaped {
        Ok(())
    } else {
        Err(ApiFailure::api_version_invalid(
            &text.chars().take(40).collect::<String>(),
        ))
    }
}

/// Any caller with a valid key, after the `Clerk-API-Version` check. The
/// key is resolved once per request: by the request pipeline when it
/// already did (see `Authenticated`), else here.
impl FromRequestParts<SharedState> for Caller {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, ApiFailure> {
        check_api_version(&parts.headers)?;
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(result)) => result.clone(),
            None => authenticate(state, &parts.headers),
        }
    }
}

/// A caller with a machine secret key; the instance key is refused with
/// 401 `machine_secret_key_invalid`.
pub(crate) struct MachineCaller(pub(crate) Machine);

impl FromRequestParts<SharedState> for MachineCaller {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, ApiFailure> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::Machine(machine) => Ok(Self(machine)),
            Caller::Instance => Err(ApiFailure::machine_key_invalid(
                "This route needs a machine secret key (ak_…); \
                 the instance secret key cannot be used here (it cannot create M2M tokens).",
            )),
        }
    }
}

/// A caller with the instance secret key; machine keys are refused with
/// 401 `clerk_key_invalid`.
pub(crate) struct InstanceCaller;

impl FromRequestParts<SharedState> for InstanceCaller {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, ApiFailure> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::Instance => Ok(Self),
            Caller::Machine(_) => Err(ApiFailure::new(
                StatusCode::UNAUTHORIZED,
                "clerk_key_invalid",
                "Secret Key is invalid",
                "This route needs the instance secret key (sk_…), not a machine secret key.",
            )),
        }
    }
}

/// The query string as name/value pairs (400 `query_invalid` if undecodable).
pub(crate) struct QueryPairs(pub(crate) Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiFailure> {
        let Query(pairs) = Query::try_from_uri(&parts.uri).map_err(|_| {
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                "query_invalid",
                "Invalid query string",
                "The query string could not be decoded.",
            )
        })?;
        Ok(Self(pairs))
    }
}

/// The route's one path parameter; empty if it cannot be decoded (the
/// operation then rejects it as a malformed id, naming the parameter).
pub(crate) struct PathId(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Self, std::convert::Infallible> {
        let id = Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| id)
            .unwrap_or_default();
        Ok(Self(id))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            let media = value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == "application/json"
                || (media.starts_with("application/") && media.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Whether an error of type `E` is somewhere in `error`'s source chain.
fn caused_by<E: std::error::Error + 'static>(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<E>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// The whole body: 413 over `limit`, 408 past the read timeout (the
/// connection then closes), 400 if it breaks off.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiFailure> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(current) = source {
            if let Some(timeout) = current.downcast_ref::<BodyReadTimeout>() {
                return ApiFailure::request_timeout(timeout.0);
            }
            source = current.source();
        }
        if caused_by::<http_body_util::LengthLimitError>(&error) {
            ApiFailure::body_too_large(limit)
        } else {
            ApiFailure::body_invalid("The request body could not be read.")
        }
    })
}

/// Any JSON value; `None` for an empty (or all-whitespace) body.
fn parse_json(bytes: &[u8]) -> Result<Option<Value>, ApiFailure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes).map(Some).map_err(|error| {
        ApiFailure::body_invalid(format!("The request body is not valid JSON: {error}."))
    })
}

/// A JSON object body; `None` for an empty (or all-whitespace) body.
///
/// 413 over [`MAX_BODY`], 415 for a non-JSON `Content-Type` with a body,
/// 400 `request_body_invalid` for malformed JSON or a non-object.
pub(crate) struct JsonBody(pub(crate) Option<Map<String, Value>>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiFailure;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiFailure> {
        let (parts, body) = request.into_parts();
        let bytes = read_body(body, MAX_BODY).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        if !is_json(&parts.headers) {
            return Err(ApiFailure::unsupported_media_type());
        }
        parse_json(&bytes)?.map(into_object).transpose().map(Self)
    }
}

/// A control route's JSON body, whatever its `Content-Type` (so that a
/// plain `curl -d '{…}'` works); `None` for an empty body. Up to
/// [`MAX_CONTROL_BODY`].
pub(crate) struct ControlBody(pub(crate) Option<Value>);

impl ControlBody {
    /// The body as an object (`None` if empty); 400 for another JSON value.
    pub(crate) fn object(self) -> Result<Option<Map<String, Value>>, ApiFailure> {
        self.0.map(into_object).transpose()
    }
}

impl<S: Send + Sync> FromRequest<S> for ControlBody {
    type Rejection = ApiFailure;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiFailure> {
        let bytes = read_body(request.into_body(), MAX_CONTROL_BODY).await?;
        parse_json(&bytes).map(Self)
    }
}

fn into_object(value: Value) -> Result<Map<String, Value>, ApiFailure> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiFailure::body_invalid(
            "The request body must be a JSON object.",
        )),
    }
}

/// A successful answer: a status and a JSON body.
pub(crate) struct JsonReply<T> {
    status: StatusCode,
    value: T,
    /// For the journal: the id of the token a create produced.
    created_token: Option<CreatedTokenId>,
}

impl<T> JsonReply<T> {
    /// 200 with `value`.
    pub(crate) fn ok(value: T) -> Self {
        Self {
            status: StatusCode::OK,
            value,
            created_token: None,
        }
    }

    /// 201 with `value`.
    pub(crate) fn created(value: T) -> Self {
        Self {
            status: StatusCode::CREATED,
            value,
            created_token: None,
        }
    }
}

impl JsonReply<clerk_m2m_types::M2mToken> {
    /// 201 with a token a create produced (the journal records its id).
    pub(crate) fn created_token(token: clerk_m2m_types::M2mToken) -> Self {
        let id = CreatedTokenId(token.id.clone());
        Self {
            created_token: Some(id),
            ..Self::created(token)
        }
    }
}

impl<T: Serialize> IntoResponse for JsonReply<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.value) {
            Ok(bytes) => {
                let mut response = Response::new(Body::from(bytes));
                *response.status_mut() = self.status;
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                if let Some(id) = self.created_token {
                    response.extensions_mut().insert(id);
                }
                response
            }
            Err(error) => ApiFailure::internal(error.to_string()).into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn api_versions() {
        assert!(check_api_version(&headers(&[])).is_ok());
        for ok in ["2026-05-12", "2025-11-10", " 2024-10-01 "] {
            assert!(check_api_version(&headers(&[(API_VERSION_HEADER, ok)])).is_ok());
        }
        for bad in ["v1", "2026-5-12", "latest"] {
            let failure = check_api_version(&headers(&[(API_VERSION_HEADER, bad)])).unwrap_err();
            assert_eq!(failure.status, StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn json_media_types() {
        assert!(is_json(&headers(&[("content-type", "application/json")])));
        assert!(is_json(&headers(&[(
            "content-type",
            "Application/JSON; charset=utf-8"
        )])));
        assert!(is_json(&headers(&[(
            "content-type",
            "application/merge+json"
        )])));
        assert!(!is_json(&headers(&[("content-type", "text/plain")])));
        assert!(!is_json(&headers(&[])));
    }
}
