//! The HTTP surface: routes, request reading, and Clerk-shaped answers for
//! everything the framework would otherwise answer itself (unknown route,
//! wrong method, unreadable or non-JSON bodies).

use crate::api_error::ApiFailure;
use crate::instance::Caller;
use crate::params;
use crate::server::App;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, Method, StatusCode, Uri};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The largest request body read, in bytes.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// The `Clerk-API-Version` header.
const API_VERSION_HEADER: &str = "clerk-api-version";

type AppState = State<Arc<App>>;

fn allow(method_router: MethodRouter<Arc<App>>, allow: &'static str) -> MethodRouter<Arc<App>> {
    method_router.fallback(move || async move { ApiFailure::method_not_allowed(allow) })
}

/// Every route, with and without the `/v1` prefix.
pub(crate) fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for prefix in ["", "/v1"] {
        router = router
            .route(
                &format!("{prefix}/m2m_tokens"),
                allow(post(create).get(list), "GET, POST"),
            )
            .route(
                &format!("{prefix}/m2m_tokens/verify"),
                allow(post(verify), "POST"),
            )
            .route(
                &format!("{prefix}/m2m_tokens/{{m2m_token_id}}/revoke"),
                allow(post(revoke), "POST"),
            )
            .route(&format!("{prefix}/jwks"), allow(get(jwks), "GET"));
    }
    router.fallback(route_not_found).with_state(app)
}

fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(error) => ApiFailure::internal(error.to_string()).into_response(),
    }
}

fn respond<T: Serialize>(status: StatusCode, result: Result<T, ApiFailure>) -> Response {
    match result {
        Ok(value) => json_response(status, &value),
        Err(failure) => failure.into_response(),
    }
}

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

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// Reads a JSON object body; `None` for an empty body.
async fn read_json_body(
    headers: &HeaderMap,
    body: Body,
) -> Result<Option<Map<String, Value>>, ApiFailure> {
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|error| {
            if is_length_limit(&error) {
                ApiFailure::body_too_large(MAX_BODY)
            } else {
                ApiFailure::body_invalid("The request body could not be read.")
            }
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !is_json(headers) {
        return Err(ApiFailure::unsupported_media_type());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) => Err(ApiFailure::body_invalid(
            "The request body must be a JSON object.",
        )),
        Err(error) => Err(ApiFailure::body_invalid(format!(
            "The request body is not valid JSON: {error}."
        ))),
    }
}

async fn create(State(app): AppState, headers: HeaderMap, body: Body) -> Response {
    let result = async {
        check_api_version(&headers)?;
        let Caller::Machine(machine) = app.backend.instance.authenticate(&headers)? else {
            return Err(ApiFailure::machine_key_invalid(
                "Creating M2M tokens requires a machine secret key (ak_…); \
                 the instance secret key cannot create them.",
            ));
        };
        let request = params::parse_create(read_json_body(&headers, body).await?)?;
        app.backend.create(machine, request)
    }
    .await;
    respond(StatusCode::CREATED, result)
}

async fn list(State(app): AppState, headers: HeaderMap, uri: Uri) -> Response {
    let result = (|| {
        check_api_version(&headers)?;
        let caller = app.backend.instance.authenticate(&headers)?;
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&uri).map_err(|_| {
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                "query_invalid",
                "Invalid query string",
                "The query string could not be decoded.",
            )
        })?;
        let query = params::parse_list(&pairs)?;
        app.backend.list(caller, &query)
    })();
    respond(StatusCode::OK, result)
}

async fn revoke(
    State(app): AppState,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Body,
) -> Response {
    let result = async {
        check_api_version(&headers)?;
        let caller = app.backend.instance.authenticate(&headers)?;
        let reason = params::parse_revoke(read_json_body(&headers, body).await?)?;
        let id = id.map(|Path(id)| id).unwrap_or_default();
        app.backend.revoke(caller, &id, reason)
    }
    .await;
    respond(StatusCode::OK, result)
}

async fn verify(State(app): AppState, headers: HeaderMap, body: Body) -> Response {
    let result = async {
        check_api_version(&headers)?;
        let caller = app.backend.instance.authenticate(&headers)?;
        let token = params::parse_verify(read_json_body(&headers, body).await?)?;
        app.backend.verify(caller, &token)
    }
    .await;
    respond(StatusCode::OK, result)
}

async fn jwks(State(app): AppState, headers: HeaderMap) -> Response {
    let result = check_api_version(&headers)
        .and_then(|()| app.backend.instance.authenticate(&headers))
        .and_then(|caller| app.backend.jwks(caller));
    respond(StatusCode::OK, result)
}

async fn route_not_found(method: Method) -> Response {
    ApiFailure::route_not_found(method.as_str()).into_response()
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
