//! The receiving side: from an `Authorization` header to a verified machine.

use crate::{AuthErrorKind, Client};
use clerk_m2m_types::{Error, M2mToken, VerifyTokenParams};
use http::header::AUTHORIZATION;
use http::HeaderValue;
use std::fmt;

/// Authenticates incoming machine-to-machine requests.
///
/// Takes the `Authorization: Bearer <token>` header, verifies the token with
/// [`Client::verify_token`] (an M2M JWT locally, an opaque token through the
/// API) and returns the verified token: its `subject` is the calling
/// machine. Optionally requires that the token be allowed to call this
/// service ([`require_scope`](Self::require_scope)).
///
/// # JWT scopes are not trusted by default
///
/// For an opaque token, `scopes` comes from Clerk: the machines the creator
/// was allowed to call when the token was minted. A JWT's `scopes` (and
/// `aud`) are only what its creator put in its own `claims` at creation:
/// Clerk adds none and checks none, so any machine of the instance can mint
/// a JWT claiming any scope. The scope check on a JWT therefore fails closed
/// ([`AuthErrorKind::MissingScope`]) unless you opt in with
/// [`trust_jwt_scopes(true)`](Self::trust_jwt_scopes), which is sound only
/// if you trust every machine that can create tokens in your instance to
/// claim only the scopes it was granted.
///
/// ```
/// use clerk_m2m_async::{AuthErrorKind, Authenticator, Client};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let client = Client::builder()
///     .secret_key("sk_test_example")
///     .transport(|_request: http::Request<Vec<u8>>| async {
///         http::Response::builder()
///             .status(404)
///             .header("content-type", "application/json")
///             .body(br#"{"errors":[{"code":"not_found","message":"not found"}]}"#.to_vec())
///             .map_err(clerk_m2m_async::TransportError::other)
///     })
///     .build()?;
/// let auth = Authenticator::new(client).require_scope("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em");
///
/// let missing = auth.authenticate_header(None).await.unwrap_err();
/// assert_eq!(missing.kind(), AuthErrorKind::MissingToken);
/// assert_eq!(missing.status(), 401);
///
/// let unknown = auth.authenticate_header(Some("Bearer mt_unknown")).await.unwrap_err();
/// assert_eq!((unknown.code(), unknown.status().as_u16()), ("token-invalid", 401));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Authenticator {
    client: Client,
    required_scope: Option<String>,
    trust_jwt_scopes: bool,
}

impl Authenticator {
    /// An authenticator verifying with `client` and requiring no scope.
    ///
    /// The client needs a key that may verify the callers' tokens: the
    /// instance secret key (`sk_…`), or a machine key for tokens scoped to
    /// that machine; for JWTs, `CLERK_JWT_KEY` or the instance key.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            required_scope: None,
            trust_jwt_scopes: false,
        }
    }

    /// Requires the token's scopes to contain `machine_id` (this service's
    /// own machine id, `mch_…`): "this token may call me". A valid token
    /// without it is refused with [`AuthErrorKind::MissingScope`] (403).
    pub fn require_scope(mut self, machine_id: impl Into<String>) -> Self {
        self.required_scope = Some(machine_id.into());
        self
    }

    /// Whether a JWT's `scopes`/`aud` claims count for
    /// [`require_scope`](Self::require_scope) (default `false`: a JWT fails
    /// the scope check). See the [type docs](Self) for why.
    pub fn trust_jwt_scopes(mut self, trust: bool) -> Self {
        self.trust_jwt_scopes = trust;
        self
    }

    /// The client used to verify.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Authenticates a request by its `Authorization` header.
    pub async fn authenticate<B>(&self, request: &http::Request<B>) -> Result<M2mToken, AuthError> {
        let mut values = request.headers().get_all(AUTHORIZATION).iter();
        let value = values.next();
        if values.next().is_some() {
            return Err(AuthError::new(
                AuthErrorKind::MalformedHeader,
                "more than one Authorization header",
            ));
        }
        self.authenticate_header_value(value).await
    }

    /// Authenticates an `Authorization` header value (`None` when absent).
    pub async fn authenticate_header_value(
        &self,
        value: Option<&HeaderValue>,
    ) -> Result<M2mToken, AuthError> {
        match value {
            None => self.authenticate_header(None).await,
            Some(value) => match value.to_str() {
                Ok(value) => self.authenticate_header(Some(value)).await,
                Err(_) => Err(AuthError::new(
                    AuthErrorKind::MalformedHeader,
                    "the Authorization header is not visible ASCII",
                )),
            },
        }
    }

    /// Authenticates an `Authorization` header value given as text
    /// (`Bearer <token>`; the scheme is case-insensitive).
    pub async fn authenticate_header(&self, value: Option<&str>) -> Result<M2mToken, AuthError> {
        let token = bearer_token(value)?;
        self.authenticate_token(token).await
    }

    /// Authenticates a bare token value (no `Bearer`).
    pub async fn authenticate_token(&self, token: &str) -> Result<M2mToken, AuthError> {
        if token.is_empty() {
            return Err(AuthError::new(AuthErrorKind::MissingToken, "empty token"));
        }
        let is_jwt = is_jwt(token);
        let verified = self
            .client
            .verify_token(VerifyTokenParams::new(token))
            .await
            .map_err(AuthError::from_verify_error)?;
        if verified.revoked {
            return Err(AuthError::new(
                AuthErrorKind::InvalidToken,
                "the token is revoked",
            ));
        }
        if verified.expired {
            return Err(AuthError::new(
                AuthErrorKind::InvalidToken,
                "the token has expired",
            ));
        }
        if let Some(scope) = &self.required_scope {
            if is_jwt && !self.trust_jwt_scopes {
                return Err(AuthError::new(
                    AuthErrorKind::MissingScope,
                    "a JWT's scopes are its creator's own claims and are not trusted (see Authenticator::trust_jwt_scopes)",
                ));
            }
            if !verified.has_scope(scope) {
                return Err(AuthError::new(
                    AuthErrorKind::MissingScope,
                    "the token is not allowed to call this machine",
                ));
            }
        }
        Ok(verified)
    }
}

#[cfg(feature = "jwt")]
fn is_jwt(token: &str) -> bool {
    clerk_m2m_types::jwt::is_m2m_jwt(token).unwrap_or(false)
}

/// Without local verification every token goes to the API, which vouches
/// for opaque tokens only; count anything JWT-shaped as a JWT for scopes.
#[cfg(not(feature = "jwt"))]
fn is_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// The token from `Bearer <token>`.
fn bearer_token(value: Option<&str>) -> Result<&str, AuthError> {
    let value = value.ok_or(AuthError::new(
        AuthErrorKind::MissingToken,
        "no Authorization header",
    ))?;
    let value = value.trim();
    let malformed = || {
        AuthError::new(
            AuthErrorKind::MalformedHeader,
            "the Authorization header is not `Bearer <token>`",
        )
    };
    if value.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::new(
            AuthErrorKind::MissingToken,
            "the Authorization header has no token",
        ));
    }
    let (scheme, token) = value.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(malformed());
    }
    let token = token.trim_start_matches(' ');
    if token.is_empty() {
        return Err(AuthError::new(
            AuthErrorKind::MissingToken,
            "the Authorization header has no token",
        ));
    }
    if token.bytes().any(|byte| !byte.is_ascii_graphic()) {
        return Err(malformed());
    }
    Ok(token)
}

/// Why a request was not authenticated: the kind (with its
/// `@clerk/backend` code and the status to answer) and, when verification
/// failed, the client error behind it.
///
/// `Display` gives a fixed description, never the token. Answer the caller
/// with [`status`](Self::status) and [`code`](Self::code); log the
/// [`source`](std::error::Error::source) for the 5xx cases.
pub struct AuthError {
    kind: AuthErrorKind,
    detail: &'static str,
    source: Option<Box<Error>>,
}

impl AuthError {
    fn new(kind: AuthErrorKind, detail: &'static str) -> Self {
        Self {
            kind,
            detail,
            source: None,
        }
    }

    /// Wraps a failed [`Client::verify_token`].
    pub fn from_verify_error(error: Error) -> Self {
        Self {
            kind: AuthErrorKind::from_verify_error(&error),
            detail: "verification failed",
            source: Some(Box::new(error)),
        }
    }

    /// Why.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// The `@clerk/backend` machine-token error code.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The status to answer with: 401, 403, or a 5xx when the fault is ours.
    pub fn status(&self) -> http::StatusCode {
        self.kind.status()
    }

    /// The verification error, when verification was attempted.
    pub fn verify_error(&self) -> Option<&Error> {
        self.source.as_deref()
    }
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthError")
            .field("kind", &self.kind)
            .field("code", &self.code())
            .field("status", &self.status().as_u16())
            .field("detail", &self.detail)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {}): {}",
            self.code(),
            self.status().as_u16(),
            self.kind.description(),
            self.detail
        )
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|error| &**error as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_headers() {
        assert_eq!(bearer_token(Some("Bearer mt_abc")).unwrap(), "mt_abc");
        assert_eq!(bearer_token(Some("bearer  a.b.c ")).unwrap(), "a.b.c");
        assert_eq!(bearer_token(Some("BEARER x")).unwrap(), "x");
        let kind = |value| bearer_token(value).unwrap_err().kind();
        assert_eq!(kind(None), AuthErrorKind::MissingToken);
        assert_eq!(kind(Some("Bearer ")), AuthErrorKind::MissingToken);
        assert_eq!(kind(Some("Bearer")), AuthErrorKind::MissingToken);
        assert_eq!(kind(Some("Bearerx")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Basic abc")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("mt_abc")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Bearer a b")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Bearer a\tb")), AuthErrorKind::MalformedHeader);
    }
}
