//! Why a request was not authenticated, and what to answer: the pure
//! mapping from a verification [`Error`] to `@clerk/backend`'s machine-token
//! error codes and an HTTP status. No I/O: the `Authenticator` of both
//! clients (`clerk-m2m-async`, `clerk-m2m-blocking`) shares it.

use crate::{Error, M2mToken, RequestError, TokenFormat};
use http::StatusCode;
use std::borrow::Cow;
use std::fmt;

/// Why an `Authenticator` (of either client) refused a request.
///
/// Each kind has the `@clerk/backend` code ([`code`](Self::code)) and the
/// status to answer ([`status`](Self::status)): 401 when the caller's token
/// is missing or bad, 403 when a valid token lacks the required scope, a
/// 5xx when the fault is on the receiving side (its key, its configuration,
/// or Clerk out of reach). A 5xx must not be reported to the caller as a
/// bad token: retrying later may succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No `Authorization` header, or `Bearer` with no token. 401, `token-invalid`.
    MissingToken,
    /// An `Authorization` header that is not `Bearer <token>`: another
    /// scheme, a value that is not an RFC 6750 `b64token`, more than one
    /// header. 401, `token-invalid`.
    MalformedHeader,
    /// A bearer that is neither an opaque M2M token (`mt_…`) nor an M2M JWT
    /// (an API key, a secret key, a session JWT, junk): refused without a
    /// call to Clerk ([`classify_bearer`]). 401, `token-invalid`.
    NotM2mToken,
    /// The API does not know the token, or it is revoked or expired; or the
    /// token is too large to be one. 401, `token-invalid`.
    InvalidToken,
    /// Local JWT verification refused the token (signature, key, header,
    /// claims, expiry). 401, `token-verification-failed`.
    VerificationFailed,
    /// The token is valid but its scopes do not include this service's
    /// machine id (or it is a JWT and JWT scopes are not trusted). 403,
    /// `token-invalid`.
    MissingScope,
    /// Our own key was rejected by Clerk (401/403 on verify or on the JWKS
    /// fetch), or is missing or unusable. 500, `secret-key-invalid`.
    SecretKeyInvalid,
    /// Clerk could not be reached or answered with a server error or 429
    /// (the verify call, or the JWKS fetch). 503, `unexpected-error`.
    Unavailable,
    /// Anything else on our side (an unreadable answer, an unexpected
    /// status). 500, `unexpected-error`.
    Unexpected,
}

impl AuthErrorKind {
    /// The `@clerk/backend` machine-token error code: `token-invalid`,
    /// `token-verification-failed`, `secret-key-invalid` or
    /// `unexpected-error`.
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingToken
            | Self::MalformedHeader
            | Self::NotM2mToken
            | Self::InvalidToken
            | Self::MissingScope => "token-invalid",
            Self::VerificationFailed => "token-verification-failed",
            Self::SecretKeyInvalid => "secret-key-invalid",
            Self::Unavailable | Self::Unexpected => "unexpected-error",
        }
    }

    /// The status to answer the caller with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::MissingToken
            | Self::MalformedHeader
            | Self::NotM2mToken
            | Self::InvalidToken
            | Self::VerificationFailed => StatusCode::UNAUTHORIZED,
            Self::MissingScope => StatusCode::FORBIDDEN,
            Self::SecretKeyInvalid | Self::Unexpected => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Whether the fault is the caller's (a 4xx): otherwise it is ours.
    pub fn is_client_error(self) -> bool {
        self.status().is_client_error()
    }

    /// Classifies a failed `Client::verify_token` (of either client).
    ///
    /// ```
    /// use clerk_m2m_types::AuthErrorKind;
    /// use clerk_m2m_types::{ApiError, Error, Operation};
    ///
    /// let not_found = Error::Api {
    ///     operation: Operation::VerifyToken,
    ///     attempts: 1,
    ///     source: ApiError::new(http::StatusCode::NOT_FOUND, Vec::new()),
    /// };
    /// let kind = AuthErrorKind::from_verify_error(&not_found);
    /// assert_eq!((kind.code(), kind.status().as_u16()), ("token-invalid", 401));
    ///
    /// let our_key = Error::Api {
    ///     operation: Operation::VerifyToken,
    ///     attempts: 1,
    ///     source: ApiError::new(http::StatusCode::UNAUTHORIZED, Vec::new()),
    /// };
    /// let kind = AuthErrorKind::from_verify_error(&our_key);
    /// assert_eq!((kind.code(), kind.status().as_u16()), ("secret-key-invalid", 500));
    /// ```
    pub fn from_verify_error(error: &Error) -> Self {
        match error {
            Error::Api { source, .. } => match source.status().as_u16() {
                // Unknown, revoked or expired token; or a body the API
                // refused because of the token.
                400 | 404 | 422 => Self::InvalidToken,
                401 | 403 => Self::SecretKeyInvalid,
                429 => Self::Unavailable,
                status if status >= 500 => Self::Unavailable,
                _ => Self::Unexpected,
            },
            Error::Transport { .. } => Self::Unavailable,
            Error::Decode { .. } => Self::Unexpected,
            Error::InvalidRequest { source, .. } => match source {
                RequestError::EmptyToken => Self::MissingToken,
                RequestError::MissingSecretKey | RequestError::InvalidSecretKey => {
                    Self::SecretKeyInvalid
                }
                _ => Self::Unexpected,
            },
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            Error::Jwt { source } => {
                if source.kind() == crate::jwt::JwtErrorKind::TooLarge {
                    Self::InvalidToken
                } else {
                    Self::VerificationFailed
                }
            }
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            Error::NoJwtKey => Self::SecretKeyInvalid,
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            Error::Jwks { source } => match Self::from_verify_error(source) {
                // Whatever the JWKS fetch met, it is not the caller's fault.
                Self::SecretKeyInvalid => Self::SecretKeyInvalid,
                Self::Unavailable => Self::Unavailable,
                _ => Self::Unexpected,
            },
            #[allow(unreachable_patterns)] // reachable without the `jwt` feature
            _ => Self::Unexpected,
        }
    }

    /// A fixed description of the kind, for `Display`.
    pub fn description(self) -> &'static str {
        match self {
            Self::MissingToken => "no token",
            Self::MalformedHeader => "malformed Authorization header",
            Self::NotM2mToken => "not an M2M token",
            Self::InvalidToken => "invalid token",
            Self::VerificationFailed => "token verification failed",
            Self::MissingScope => "token lacks the required scope",
            Self::SecretKeyInvalid => "our secret key is missing or was rejected",
            Self::Unavailable => "Clerk is unreachable",
            Self::Unexpected => "unexpected error",
        }
    }
}

#[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
fn is_jwt(token: &str) -> bool {
    crate::jwt::is_m2m_jwt(token).unwrap_or(false)
}

/// How a token counts for the scope rule: [`TokenFormat::Jwt`] for an M2M
/// JWT (which `verify_token` checks locally, and whose scopes are its
/// creator's own claims), else [`TokenFormat::Opaque`] (posted to the API,
/// which vouches for its scopes). Without local verification anything
/// JWT-shaped counts as a JWT.
pub fn token_format(token: &str) -> TokenFormat {
    if is_jwt(token) {
        TokenFormat::Jwt
    } else {
        TokenFormat::Opaque
    }
}

/// Without local verification every token goes to the API, which vouches
/// for opaque tokens only; count anything JWT-shaped as a JWT (for routing
/// and for scopes).
#[cfg(not(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring")))]
fn is_jwt(token: &str) -> bool {
    let mut parts = 0;
    token.split('.').all(|part| {
        parts += 1;
        part.bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    }) && parts == 3
}

/// The largest bearer accepted (8 KiB, as for JWTs): anything longer is
/// refused before it is decoded or sent anywhere.
pub const MAX_BEARER_BYTES: usize = 8 * 1024;

/// What a bearer token is, as far as verifying it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BearerKind {
    /// An opaque M2M token (`mt_…`): verified by `POST /m2m_tokens/verify`.
    Opaque,
    /// An M2M JWT (three base64url parts whose payload `sub` starts `mch_`):
    /// verified locally with the `jwt` feature.
    M2mJwt,
}

/// Decides, without any I/O, whether a bearer token can be an M2M token,
/// and how it is verified. Both clients' `Authenticator` call this before
/// verifying, so a bearer that cannot be one costs no request to Clerk.
///
/// As `@clerk/backend` decides (its machine-token routing accepts a
/// prefix, or a JWT whose payload `sub` starts `mch_`): an M2M JWT is
/// [`M2mJwt`](BearerKind::M2mJwt) (even if it starts `mt_`); any other
/// `mt_…` value is [`Opaque`](BearerKind::Opaque); anything else (`ak_…` API keys,
/// `oat_…` OAuth tokens, `sk_…` secret keys, session JWTs, junk) is refused
/// with [`NotM2mToken`](AuthErrorKind::NotM2mToken), 401 `token-invalid`.
/// (`@clerk/backend` reports that case as a token type mismatch.) An empty
/// token is [`MissingToken`](AuthErrorKind::MissingToken); one over
/// [`MAX_BEARER_BYTES`] is [`InvalidToken`](AuthErrorKind::InvalidToken).
///
/// Without the `jwt` feature the payload is not decoded: any three-part
/// base64url token counts as an M2M JWT and is left to the API.
///
/// ```
/// use clerk_m2m_types::driver::auth::{classify_bearer, BearerKind};
/// use clerk_m2m_types::AuthErrorKind;
///
/// assert_eq!(classify_bearer("mt_opaque_value")?, BearerKind::Opaque);
/// for junk in ["hello", "sk_live_example", "ak_example", "oat_example"] {
///     let refused = classify_bearer(junk).unwrap_err();
///     assert_eq!(refused.kind(), AuthErrorKind::NotM2mToken);
///     assert_eq!((refused.code(), refused.status().as_u16()), ("token-invalid", 401));
/// }
/// # Ok::<(), clerk_m2m_types::AuthError>(())
/// ```
pub fn classify_bearer(token: &str) -> Result<BearerKind, AuthError> {
    if token.is_empty() {
        return Err(AuthError::new(AuthErrorKind::MissingToken, "empty token"));
    }
    if token.len() > MAX_BEARER_BYTES {
        return Err(AuthError::new(
            AuthErrorKind::InvalidToken,
            "the token is larger than any M2M token",
        ));
    }
    // The JWT test first, as the clients route: `mt_` is valid base64url,
    // so an M2M JWT's header may start with it.
    if is_jwt(token) {
        return Ok(BearerKind::M2mJwt);
    }
    if token.starts_with("mt_") {
        return Ok(BearerKind::Opaque);
    }
    Err(AuthError::new(
        AuthErrorKind::NotM2mToken,
        "neither an opaque M2M token (mt_…) nor an M2M JWT",
    ))
}

/// The bearer token of a request's headers: exactly one `Authorization`
/// header, visible ASCII, `Bearer <token>`.
pub fn bearer_token_from_headers(headers: &http::HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let value = values.next();
    if values.next().is_some() {
        return Err(AuthError::new(
            AuthErrorKind::MalformedHeader,
            "more than one Authorization header",
        ));
    }
    bearer_token_from_value(value)
}

/// The bearer token of an `Authorization` header value (`None`: absent).
pub fn bearer_token_from_value(value: Option<&http::HeaderValue>) -> Result<&str, AuthError> {
    match value {
        None => bearer_token(None),
        Some(value) => match value.to_str() {
            Ok(value) => bearer_token(Some(value)),
            Err(_) => Err(AuthError::new(
                AuthErrorKind::MalformedHeader,
                "the Authorization header is not visible ASCII",
            )),
        },
    }
}

/// The token from an `Authorization` header value `Bearer <token>` (the
/// scheme is case-insensitive); `None` is a missing header.
///
/// The token must be an RFC 6750 `b64token` (letters, digits, `-._~+/`,
/// then `=` padding): every M2M token is one. Another scheme (or none) is a
/// request without bearer credentials (no RFC 6750 error code); `Bearer`
/// with an empty or malformed value is `invalid_request`.
pub fn bearer_token(value: Option<&str>) -> Result<&str, AuthError> {
    let value = value.ok_or(AuthError::new(
        AuthErrorKind::MissingToken,
        "no Authorization header",
    ))?;
    let value = value.trim();
    let no_token = || {
        AuthError::new(
            AuthErrorKind::MissingToken,
            "the Authorization header has no token",
        )
        .with_rfc6750_error(Some(Rfc6750Error::InvalidRequest))
    };
    if value.eq_ignore_ascii_case("bearer") {
        return Err(no_token());
    }
    let other_scheme = || {
        AuthError::new(
            AuthErrorKind::MalformedHeader,
            "the Authorization scheme is not Bearer",
        )
        .with_rfc6750_error(None)
    };
    let (scheme, token) = value.split_once(' ').ok_or_else(other_scheme)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(other_scheme());
    }
    let token = token.trim_start_matches(' ');
    if token.is_empty() {
        return Err(no_token());
    }
    if !is_b64token(token) {
        return Err(AuthError::new(
            AuthErrorKind::MalformedHeader,
            "the bearer token is not a b64token (RFC 6750)",
        ));
    }
    Ok(token)
}

/// RFC 6750 §2.1: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte))
}

/// The error code of an RFC 6750 §3.1 `WWW-Authenticate: Bearer` challenge,
/// for [`AuthError::rfc6750_error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rfc6750Error {
    /// `invalid_request` (400): `Bearer` with an empty or malformed value,
    /// or more than one `Authorization` header.
    InvalidRequest,
    /// `invalid_token` (401): unknown, revoked, expired or otherwise invalid.
    InvalidToken,
    /// `insufficient_scope` (403): a valid token without the required scope.
    InsufficientScope,
}

impl Rfc6750Error {
    /// The code as written in the challenge: `invalid_request`,
    /// `invalid_token` or `insufficient_scope`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }

    /// The status RFC 6750 §3.1 gives it: 400, 401 or 403.
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidRequest => StatusCode::BAD_REQUEST,
            Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope => StatusCode::FORBIDDEN,
        }
    }

    /// What a kind means in RFC 6750 terms when nothing finer is known.
    fn of_kind(kind: AuthErrorKind) -> Option<Self> {
        match kind {
            AuthErrorKind::MalformedHeader => Some(Self::InvalidRequest),
            AuthErrorKind::InvalidToken
            | AuthErrorKind::NotM2mToken
            | AuthErrorKind::VerificationFailed => Some(Self::InvalidToken),
            AuthErrorKind::MissingScope => Some(Self::InsufficientScope),
            AuthErrorKind::MissingToken
            | AuthErrorKind::SecretKeyInvalid
            | AuthErrorKind::Unavailable
            | AuthErrorKind::Unexpected => None,
        }
    }
}

impl fmt::Display for Rfc6750Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
    rfc6750_error: Option<Rfc6750Error>,
    source: Option<Box<Error>>,
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, detail: &'static str) -> Self {
        Self {
            kind,
            detail,
            rfc6750_error: Rfc6750Error::of_kind(kind),
            source: None,
        }
    }

    /// Where the header parser knows better than the kind (`Bearer` with
    /// no token; another scheme).
    fn with_rfc6750_error(mut self, error: Option<Rfc6750Error>) -> Self {
        self.rfc6750_error = error;
        self
    }

    /// Wraps a failed `verify_token` call (of either client).
    pub fn from_verify_error(error: Error) -> Self {
        let kind = AuthErrorKind::from_verify_error(&error);
        Self {
            kind,
            detail: "verification failed",
            rfc6750_error: Rfc6750Error::of_kind(kind),
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

    /// The RFC 6750 §3.1 error code for a `WWW-Authenticate: Bearer`
    /// challenge: `None` when the request carried no bearer credentials (no
    /// header, another scheme) and when the fault is ours (a 5xx).
    ///
    /// ```
    /// use clerk_m2m_types::driver::auth::{bearer_token, Rfc6750Error};
    ///
    /// let no_header = bearer_token(None).unwrap_err();
    /// assert_eq!(no_header.rfc6750_error(), None);
    /// let basic = bearer_token(Some("Basic dXNlcjpwYXNz")).unwrap_err();
    /// assert_eq!((basic.rfc6750_error(), basic.rfc6750_status().as_u16()), (None, 401));
    /// let empty = bearer_token(Some("Bearer ")).unwrap_err();
    /// assert_eq!(empty.rfc6750_error(), Some(Rfc6750Error::InvalidRequest));
    /// assert_eq!(empty.rfc6750_status().as_u16(), 400);
    /// ```
    pub fn rfc6750_error(&self) -> Option<Rfc6750Error> {
        self.rfc6750_error
    }

    /// The status RFC 6750 §3.1 answers with: as [`status`](Self::status),
    /// except 400 for `invalid_request` (where `@clerk/backend` says 401).
    pub fn rfc6750_status(&self) -> StatusCode {
        match self.rfc6750_error {
            Some(error) => error.status(),
            None => self.status(),
        }
    }

    /// Whether the request carried no bearer credentials at all (no
    /// `Authorization` header, or another scheme): RFC 6750's 401 without an
    /// error code, which an optional-authentication route may let through.
    pub fn is_without_credentials(&self) -> bool {
        self.rfc6750_error.is_none() && self.kind.is_client_error()
    }

    /// A fixed text that is safe to show the caller: what was wrong with
    /// its request (a local JWT check names the failed check), or for a
    /// fault on our side only the kind's description, never its cause.
    pub fn caller_message(&self) -> Cow<'static, str> {
        if !self.kind.is_client_error() {
            return Cow::Borrowed(self.kind.description());
        }
        match self.source.as_deref() {
            None => Cow::Borrowed(self.detail),
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            Some(Error::Jwt { source }) => {
                Cow::Owned(format!("{}: {source}", self.kind.description()))
            }
            Some(_) => Cow::Borrowed(self.kind.description()),
        }
    }
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthError")
            .field("kind", &self.kind)
            .field("code", &self.code())
            .field("status", &self.status().as_u16())
            .field("detail", &self.detail)
            .field("rfc6750_error", &self.rfc6750_error)
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

/// What an `Authenticator` (of either client, or the axum layer) demands of
/// a verified token: not revoked, not expired, and optionally a scope. Pure:
/// the clients verify, these rules decide.
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthRules {
    required_scope: Option<String>,
    trust_jwt_scopes: bool,
}

impl AuthRules {
    /// No scope required; JWT scopes not trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires the token's scopes to contain `machine_id` (the receiving
    /// service's own machine id, `mch_…`): "this token may call me". A valid
    /// token without it is refused with [`AuthErrorKind::MissingScope`] (403).
    pub fn require_scope(mut self, machine_id: impl Into<String>) -> Self {
        self.required_scope = Some(machine_id.into());
        self
    }

    /// Whether a JWT's `scopes`/`aud` claims count for the scope check
    /// (default `false`: they are the creator's own claims, so the check
    /// fails closed on a JWT; see [why](Self#jwt-scopes-are-not-trusted-by-default)).
    pub fn trust_jwt_scopes(mut self, trust: bool) -> Self {
        self.trust_jwt_scopes = trust;
        self
    }

    /// Refuses, before anything is verified, a token that cannot be an M2M
    /// token: [`classify_bearer`] without the kind.
    pub fn check_token(token: &str) -> Result<(), AuthError> {
        classify_bearer(token).map(drop)
    }

    /// The scope this service requires, if any.
    pub fn required_scope(&self) -> Option<&str> {
        self.required_scope.as_deref()
    }

    /// Whether a JWT's scopes count for the scope check.
    pub fn trusts_jwt_scopes(&self) -> bool {
        self.trust_jwt_scopes
    }

    /// Decides on `token` given what verifying it returned.
    pub fn accept(
        &self,
        token: &str,
        verified: Result<M2mToken, Error>,
    ) -> Result<M2mToken, AuthError> {
        self.accept_verified(verified, &token_format(token))
    }

    /// As [`accept`](Self::accept), for a caller that already knows the
    /// token's [`token_format`].
    pub fn accept_verified(
        &self,
        verified: Result<M2mToken, Error>,
        format: &TokenFormat,
    ) -> Result<M2mToken, AuthError> {
        let verified = verified.map_err(AuthError::from_verify_error)?;
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
        self.check_scope(&verified, format)?;
        Ok(verified)
    }

    /// The scope rule alone, for a token already verified and accepted
    /// (e.g. by a router-wide check, before a route's own requirement).
    /// Only an opaque token's scopes count unless JWT scopes are trusted.
    pub fn check_scope(&self, verified: &M2mToken, format: &TokenFormat) -> Result<(), AuthError> {
        let Some(scope) = &self.required_scope else {
            return Ok(());
        };
        if *format != TokenFormat::Opaque && !self.trust_jwt_scopes {
            return Err(AuthError::new(
                AuthErrorKind::MissingScope,
                "a JWT's scopes are its creator's own claims and are not trusted (see trust_jwt_scopes)",
            ));
        }
        if !verified.has_scope(scope) {
            return Err(AuthError::new(
                AuthErrorKind::MissingScope,
                "the token is not allowed to call this machine",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiError, Operation, TransportError, TransportErrorKind};

    fn api(status: u16) -> Error {
        Error::Api {
            operation: Operation::VerifyToken,
            attempts: 1,
            source: ApiError::new(StatusCode::from_u16(status).unwrap(), Vec::new()),
        }
    }

    fn pair(error: &Error) -> (&'static str, u16) {
        let kind = AuthErrorKind::from_verify_error(error);
        (kind.code(), kind.status().as_u16())
    }

    #[test]
    fn api_statuses() {
        assert_eq!(pair(&api(404)), ("token-invalid", 401));
        assert_eq!(pair(&api(401)), ("secret-key-invalid", 500));
        assert_eq!(pair(&api(403)), ("secret-key-invalid", 500));
        assert_eq!(pair(&api(429)), ("unexpected-error", 503));
        assert_eq!(pair(&api(502)), ("unexpected-error", 503));
        assert_eq!(pair(&api(409)), ("unexpected-error", 500));
    }

    #[test]
    fn local_failures() {
        let transport = Error::Transport {
            operation: Operation::VerifyToken,
            attempts: 3,
            source: TransportError::new(TransportErrorKind::Connect),
        };
        assert_eq!(pair(&transport), ("unexpected-error", 503));
        let missing = Error::InvalidRequest {
            operation: Operation::VerifyToken,
            source: RequestError::MissingSecretKey,
        };
        assert_eq!(pair(&missing), ("secret-key-invalid", 500));
    }

    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    #[test]
    fn jwt_failures() {
        use std::sync::Arc;
        let expired = AuthError::from_verify_error(Error::Jwt {
            source: crate::jwt::JwtError::new(crate::jwt::JwtErrorKind::Expired, ""),
        });
        assert_eq!(
            expired.caller_message(),
            "token verification failed: the token has expired"
        );
        assert_eq!(expired.rfc6750_error(), Some(Rfc6750Error::InvalidToken));
        let too_large = crate::jwt::is_m2m_jwt(&"a".repeat(9000)).unwrap_err();
        assert_eq!(
            pair(&Error::Jwt { source: too_large }),
            ("token-invalid", 401)
        );
        assert_eq!(pair(&Error::NoJwtKey), ("secret-key-invalid", 500));
        let jwks_rejected = Error::Jwks {
            source: Arc::new(api(401)),
        };
        assert_eq!(pair(&jwks_rejected), ("secret-key-invalid", 500));
        let jwks_down = Error::Jwks {
            source: Arc::new(api(503)),
        };
        assert_eq!(pair(&jwks_down), ("unexpected-error", 503));
        let jwks_404 = Error::Jwks {
            source: Arc::new(api(404)),
        };
        assert_eq!(pair(&jwks_404), ("unexpected-error", 500));
    }

    #[test]
    fn bearers_that_cannot_be_m2m_tokens_are_refused_locally() {
        let not_m2m = |token: &str| classify_bearer(token).unwrap_err().kind();
        for junk in [
            "hello",
            "sk_live_example",
            "sk_test_example",
            "ak_example",
            "oat_example",
            "Mt_example",
            "a.b",
            "xmt_example",
        ] {
            assert_eq!(not_m2m(junk), AuthErrorKind::NotM2mToken, "{junk}");
        }
        let refused = classify_bearer("hello").unwrap_err();
        assert_eq!(
            (refused.code(), refused.status().as_u16()),
            ("token-invalid", 401)
        );
        assert!(!refused.to_string().contains("hello"));
        assert_eq!(not_m2m(""), AuthErrorKind::MissingToken);
        let huge = format!("mt_{}", "a".repeat(MAX_BEARER_BYTES));
        assert_eq!(not_m2m(&huge), AuthErrorKind::InvalidToken);
        assert_eq!(classify_bearer("mt_x").unwrap(), BearerKind::Opaque);
        assert_eq!(
            AuthRules::check_token("ak_example").unwrap_err().kind(),
            AuthErrorKind::NotM2mToken
        );
    }

    #[test]
    fn m2m_jwts_are_recognised_and_session_jwts_refused() {
        // {"alg":"RS256"} . {"sub":"mch_1"} . signature
        let m2m = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY2hfMSJ9.c2ln";
        assert_eq!(classify_bearer(m2m).unwrap(), BearerKind::M2mJwt);
        // {"alg":"RS256"} . {"sub":"user_1"} . signature: a session JWT.
        let session = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2ln";
        let expected = if cfg!(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring")) {
            Err(AuthErrorKind::NotM2mToken)
        } else {
            // Not decoded without local verification: the API decides.
            Ok(BearerKind::M2mJwt)
        };
        assert_eq!(
            classify_bearer(session).map_err(|error| error.kind()),
            expected
        );
        assert_eq!(
            classify_bearer("not a.jwt.at all").unwrap_err().kind(),
            AuthErrorKind::NotM2mToken
        );
    }

    #[test]
    fn an_m2m_jwt_whose_header_starts_mt_is_routed_as_a_jwt() {
        // Found by fuzzing: `mt_` is valid base64url, so a JWT header
        // segment can start with it; clients verify such a token locally,
        // and the classification must agree.
        let jwt = "mt_eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY2hfMSJ9.c2ln";
        assert_eq!(classify_bearer(jwt).unwrap(), BearerKind::M2mJwt);
    }

    #[test]
    fn parses_bearer_headers() {
        assert_eq!(bearer_token(Some("Bearer mt_abc")).unwrap(), "mt_abc");
        assert_eq!(bearer_token(Some("bearer  a.b.c ")).unwrap(), "a.b.c");
        assert_eq!(bearer_token(Some("BEARER x")).unwrap(), "x");
        assert_eq!(
            bearer_token(Some("Bearer a-_~+/Z9==")).unwrap(),
            "a-_~+/Z9=="
        );
        let kind = |value| bearer_token(value).unwrap_err().kind();
        assert_eq!(kind(None), AuthErrorKind::MissingToken);
        assert_eq!(kind(Some("Bearer ")), AuthErrorKind::MissingToken);
        assert_eq!(kind(Some("Bearer")), AuthErrorKind::MissingToken);
        assert_eq!(kind(Some("Bearerx")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Basic abc")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("mt_abc")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Bearer a b")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Bearer a\tb")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Bearer a,b")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Bearer ==")), AuthErrorKind::MalformedHeader);
        assert_eq!(kind(Some("Bearer a=b")), AuthErrorKind::MalformedHeader);
    }

    fn rfc6750(error: &AuthError) -> (Option<&'static str>, u16, bool) {
        (
            error.rfc6750_error().map(Rfc6750Error::as_str),
            error.rfc6750_status().as_u16(),
            error.is_without_credentials(),
        )
    }

    #[test]
    fn rfc6750_answers_for_headers() {
        let header = |value| rfc6750(&bearer_token(value).unwrap_err());
        // No bearer credentials at all: 401 without an error code.
        for value in [None, Some(""), Some("Basic dXNlcjpwYXNz"), Some("mt_abc")] {
            assert_eq!(header(value), (None, 401, true), "{value:?}");
        }
        // Bearer, but empty or malformed: 400 invalid_request.
        for value in [
            "Bearer",
            "Bearer   ",
            "Bearer a b",
            "Bearer a\"b",
            "Bearer ü",
        ] {
            assert_eq!(
                header(Some(value)),
                (Some("invalid_request"), 400, false),
                "{value:?}"
            );
        }
        let mut headers = http::HeaderMap::new();
        headers.append(http::header::AUTHORIZATION, "Bearer a".parse().unwrap());
        headers.append(http::header::AUTHORIZATION, "Bearer b".parse().unwrap());
        let twice = bearer_token_from_headers(&headers).unwrap_err();
        assert_eq!(rfc6750(&twice), (Some("invalid_request"), 400, false));
        let binary = http::HeaderValue::from_bytes(b"Bearer \xff").unwrap();
        let binary = bearer_token_from_value(Some(&binary)).unwrap_err();
        assert_eq!(rfc6750(&binary), (Some("invalid_request"), 400, false));
    }

    fn token(scopes: &[&str]) -> M2mToken {
        let mut token = M2mToken::new("mt_0123456789abcdef0123456789abcdef", "mch_a", 0);
        token.scopes = scopes.iter().map(|scope| (*scope).to_owned()).collect();
        token
    }

    #[test]
    fn rfc6750_answers_for_tokens() {
        let rules = AuthRules::new().require_scope("mch_me");
        let opaque = TokenFormat::Opaque;
        let accept = |verified: Result<M2mToken, Error>| {
            rules.accept_verified(verified, &opaque).unwrap_err()
        };
        assert_eq!(
            rfc6750(&accept(Err(api(404)))),
            (Some("invalid_token"), 401, false)
        );
        let mut revoked = token(&["mch_me"]);
        revoked.revoked = true;
        let revoked = accept(Ok(revoked));
        assert_eq!(rfc6750(&revoked), (Some("invalid_token"), 401, false));
        assert_eq!(revoked.caller_message(), "the token is revoked");
        let unscoped = accept(Ok(token(&["mch_other"])));
        assert_eq!(rfc6750(&unscoped), (Some("insufficient_scope"), 403, false));
        // Our faults: no RFC 6750 code, a 5xx, and never the cause in the message.
        let down = accept(Err(api(503)));
        assert_eq!(rfc6750(&down), (None, 503, false));
        assert_eq!(down.caller_message(), "Clerk is unreachable");
        let our_key = accept(Err(api(401)));
        assert_eq!(rfc6750(&our_key), (None, 500, false));
    }

    #[test]
    fn scope_rule_alone() {
        let rules = AuthRules::new().require_scope("mch_me");
        assert_eq!(rules.required_scope(), Some("mch_me"));
        let scoped = token(&["mch_me"]);
        rules.check_scope(&scoped, &TokenFormat::Opaque).unwrap();
        let error = rules.check_scope(&scoped, &TokenFormat::Jwt).unwrap_err();
        assert_eq!(error.kind(), AuthErrorKind::MissingScope);
        let unknown = TokenFormat::Unknown("future".into());
        assert!(
            rules.check_scope(&scoped, &unknown).is_err(),
            "fails closed"
        );
        let trusting = rules.clone().trust_jwt_scopes(true);
        assert!(trusting.trusts_jwt_scopes() && !rules.trusts_jwt_scopes());
        trusting.check_scope(&scoped, &TokenFormat::Jwt).unwrap();
        AuthRules::new()
            .check_scope(&token(&[]), &TokenFormat::Jwt)
            .unwrap();
    }
}
