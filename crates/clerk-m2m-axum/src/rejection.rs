//! The answer to a request that was not authenticated: status, RFC 6750
//! challenge and body.

use crate::Realm;
use clerk_m2m_types::driver::auth::Rfc6750Error;
use clerk_m2m_types::AuthError;
use clerk_m2m_types::AuthErrorKind;
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Renders a custom body for a [`Rejection`].
pub(crate) type BodyRenderer = dyn Fn(&Rejection) -> RejectionBody + Send + Sync;

/// How rejections look: the realm and the body renderer, set on the layer.
#[derive(Clone, Default)]
pub(crate) struct Style {
    pub(crate) realm: Realm,
    pub(crate) body: Option<Arc<BodyRenderer>>,
}

impl fmt::Debug for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Style")
            .field("realm", &self.realm)
            .field("custom_body", &self.body.is_some())
            .finish()
    }
}

/// Why a request was refused, and the answer it gets.
///
/// The status and the `WWW-Authenticate` challenge follow RFC 6750 §3 (see
/// the [crate docs](crate)); the body is [`default_body`](Self::default_body)
/// unless the layer has a [custom one](crate::M2mAuthLayer::rejection_body).
/// It is an axum response (`IntoResponse`), and
/// [`to_response`](Self::to_response) builds one for any body type.
/// Nothing in it quotes the token.
#[derive(Clone)]
pub struct Rejection {
    status: StatusCode,
    rfc6750_error: Option<Rfc6750Error>,
    kind: AuthErrorKind,
    message: Cow<'static, str>,
    required_scope: Option<Arc<str>>,
    style: Arc<Style>,
}

impl Rejection {
    /// The answer to `error`; `required_scope` is named in the challenge of
    /// an `insufficient_scope` refusal.
    pub(crate) fn new(error: &AuthError, required_scope: Option<&str>, style: Arc<Style>) -> Self {
        let rfc6750_error = error.rfc6750_error();
        Self {
            status: error.rfc6750_status(),
            rfc6750_error,
            kind: error.kind(),
            message: error.caller_message(),
            required_scope: required_scope
                .filter(|_| rfc6750_error == Some(Rfc6750Error::InsufficientScope))
                .map(Arc::from),
            style,
        }
    }

    /// Our own misconfiguration: a route reads the verified machine, but no
    /// [`M2mAuthLayer`](crate::M2mAuthLayer) ran in front of it.
    pub(crate) fn layer_missing() -> Self {
        tracing::error!(
            "a route expects a verified machine but no M2mAuthLayer runs in front of it"
        );
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            rfc6750_error: None,
            kind: AuthErrorKind::Unexpected,
            message: Cow::Borrowed("the M2M authentication layer is not installed on this route"),
            required_scope: None,
            style: Arc::default(),
        }
    }

    /// The status: 400, 401, 403, or 500/503 when the fault is ours.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The RFC 6750 error code (`None` without credentials, and for a 5xx).
    pub fn rfc6750_error(&self) -> Option<Rfc6750Error> {
        self.rfc6750_error
    }

    /// Why, as the `Authenticator` classifies it.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// The `@clerk/backend` machine-token error code (`token-invalid`,
    /// `token-verification-failed`, `secret-key-invalid`,
    /// `unexpected-error`).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// A fixed description, safe to show the caller (never a cause on our
    /// side, never the token).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The scope the token lacked, for an `insufficient_scope` refusal.
    pub fn required_scope(&self) -> Option<&str> {
        self.required_scope.as_deref()
    }

    /// The `WWW-Authenticate` challenge: `Bearer realm="…"`, then
    /// `error="…"` and, for `insufficient_scope`, `scope="…"`. `None` for a
    /// 5xx, which is not a challenge.
    pub fn www_authenticate(&self) -> Option<HeaderValue> {
        if !self.status.is_client_error() {
            return None;
        }
        let mut challenge = format!("Bearer realm={}", self.style.realm.quoted());
        if let Some(error) = self.rfc6750_error {
            challenge.push_str(", error=\"");
            challenge.push_str(error.as_str());
            challenge.push('"');
        }
        if let Some(scope) = self.required_scope.as_deref().filter(|s| is_scope_token(s)) {
            challenge.push_str(", scope=\"");
            challenge.push_str(scope);
            challenge.push('"');
        }
        // Every part is printable ASCII (the realm is checked, the rest fixed
        // or filtered), so this cannot fail; stay safe regardless.
        HeaderValue::from_str(&challenge).ok()
    }

    /// The default body: `{"error": <RFC 6750 code or null>, "code": …,
    /// "message": …}` as `application/json`.
    pub fn default_body(&self) -> RejectionBody {
        RejectionBody::json(&serde_json::json!({
            "error": self.rfc6750_error.map(Rfc6750Error::as_str),
            "code": self.code(),
            "message": self.message(),
        }))
    }

    /// The whole answer, for any body type built from bytes (axum's
    /// `Body`, `http_body_util::Full<Bytes>`, …).
    pub fn to_response<B: From<Vec<u8>>>(&self) -> http::Response<B> {
        let body = match &self.style.body {
            Some(render) => render(self),
            None => self.default_body(),
        };
        let mut response = http::Response::new(B::from(body.bytes));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, body.content_type);
        if let Some(challenge) = self.www_authenticate() {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejection")
            .field("status", &self.status.as_u16())
            .field("rfc6750_error", &self.rfc6750_error)
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("required_scope", &self.required_scope)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "request refused ({}, {}): {}",
            self.status.as_u16(),
            self.code(),
            self.message
        )
    }
}

impl std::error::Error for Rejection {}

impl axum_core::response::IntoResponse for Rejection {
    fn into_response(self) -> axum_core::response::Response {
        self.to_response()
    }
}

/// RFC 6750 §3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`. A required
/// scope that is not one is left out of the challenge (the body still says
/// why).
fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'"' && byte != b'\\')
}

/// The body of a rejection: a content type and bytes. See
/// [`M2mAuthLayer::rejection_body`](crate::M2mAuthLayer::rejection_body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectionBody {
    content_type: HeaderValue,
    bytes: Vec<u8>,
}

impl RejectionBody {
    /// A JSON body (`application/json`).
    pub fn json(value: &serde_json::Value) -> Self {
        Self {
            content_type: HeaderValue::from_static("application/json"),
            bytes: value.to_string().into_bytes(),
        }
    }

    /// Any body, with its content type.
    pub fn new(content_type: HeaderValue, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            content_type,
            bytes: bytes.into(),
        }
    }

    /// The content type.
    pub fn content_type(&self) -> &HeaderValue {
        &self.content_type
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_m2m_types::driver::auth::bearer_token;
    use clerk_m2m_types::AuthRules;
    use clerk_m2m_types::{M2mToken, TokenFormat};

    fn unscoped() -> AuthError {
        let token = M2mToken::new("mt_0123456789abcdef0123456789abcdef", "mch_caller", 0);
        AuthRules::new()
            .require_scope("mch_me")
            .check_scope(&token, &TokenFormat::Opaque)
            .unwrap_err()
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let rejection = Rejection::new(&unscoped(), Some("mch_me"), Arc::default());
        assert_eq!(rejection.status(), 403);
        assert_eq!(
            rejection.www_authenticate().unwrap(),
            r#"Bearer realm="clerk-m2m", error="insufficient_scope", scope="mch_me""#
        );
        let odd = Rejection::new(&unscoped(), Some("two words"), Arc::default());
        assert_eq!(
            odd.www_authenticate().unwrap(),
            r#"Bearer realm="clerk-m2m", error="insufficient_scope""#
        );
    }

    #[test]
    fn the_scope_is_named_only_for_insufficient_scope() {
        let missing = bearer_token(None).unwrap_err();
        let rejection = Rejection::new(&missing, Some("mch_me"), Arc::default());
        assert_eq!(rejection.required_scope(), None);
        assert_eq!(
            rejection.www_authenticate().unwrap(),
            r#"Bearer realm="clerk-m2m""#
        );
    }

    #[test]
    fn a_missing_layer_is_our_fault_without_a_challenge() {
        let rejection = Rejection::layer_missing();
        let response: http::Response<Vec<u8>> = rejection.to_response();
        assert_eq!(response.status(), 500);
        assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["error"], serde_json::Value::Null);
        assert_eq!(body["code"], "unexpected-error");
    }

    #[test]
    fn a_custom_body_keeps_status_and_challenge() {
        let style = Style {
            realm: Realm::new("billing").unwrap(),
            body: Some(Arc::new(|rejection: &Rejection| {
                RejectionBody::new(
                    HeaderValue::from_static("text/plain"),
                    format!("no: {}", rejection.code()),
                )
            })),
        };
        let missing = bearer_token(None).unwrap_err();
        let response: http::Response<Vec<u8>> =
            Rejection::new(&missing, None, Arc::new(style)).to_response();
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(
            response.headers()[WWW_AUTHENTICATE],
            r#"Bearer realm="billing""#
        );
        assert_eq!(response.body(), b"no: token-invalid");
    }
}
