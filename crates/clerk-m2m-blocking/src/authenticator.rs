//! The receiving side: from an `Authorization` header to a verified machine.

use crate::Client;
use clerk_m2m_types::driver::auth::{
    bearer_token, bearer_token_from_headers, bearer_token_from_value, classify_bearer,
};
use clerk_m2m_types::M2mToken;
use clerk_m2m_types::{AuthError, AuthRules};
use http::HeaderValue;

/// Authenticates incoming machine-to-machine requests.
///
/// Takes the `Authorization: Bearer <token>` header, verifies the token with
/// [`Client::verify_token`] (an M2M JWT locally, an opaque token through the
/// API) and returns the verified token: its `subject` is the calling
/// machine. A bearer that is neither (an API key, a session JWT, junk) is
/// refused without a request to Clerk
/// ([`classify_bearer`](clerk_m2m_types::driver::auth::classify_bearer)). Optionally requires that the token be allowed to call this
/// service ([`require_scope`](Self::require_scope)).
///
/// A JWT's scopes are its creator's own claims, so a scope check on a JWT
/// fails closed unless trusted: see [`AuthRules`](crate::AuthRules#jwt-scopes-are-not-trusted-by-default).
///
/// ```
/// use clerk_m2m_blocking::{AuthErrorKind, Authenticator, Client};
///
/// let client = Client::builder()
///     .secret_key("sk_test_example")
///     .transport(|_request: http::Request<Vec<u8>>| {
///         http::Response::builder()
///             .status(404)
///             .header("content-type", "application/json")
///             .body(br#"{"errors":[{"code":"not_found","message":"not found"}]}"#.to_vec())
///             .map_err(clerk_m2m_blocking::TransportError::other)
///     })
///     .build()?;
/// let auth = Authenticator::new(client).require_scope("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em");
///
/// let missing = auth.authenticate_header(None).unwrap_err();
/// assert_eq!(missing.kind(), AuthErrorKind::MissingToken);
/// assert_eq!(missing.status(), 401);
///
/// let unknown = auth.authenticate_header(Some("Bearer mt_unknown")).unwrap_err();
/// assert_eq!((unknown.code(), unknown.status().as_u16()), ("token-invalid", 401));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Authenticator {
    client: Client,
    rules: AuthRules,
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
            rules: AuthRules::new(),
        }
    }

    /// [`AuthRules::require_scope`](crate::AuthRules::require_scope): this token may call me.
    pub fn require_scope(mut self, machine_id: impl Into<String>) -> Self {
        self.rules = self.rules.require_scope(machine_id);
        self
    }

    /// [`AuthRules::trust_jwt_scopes`](crate::AuthRules::trust_jwt_scopes) (default `false`).
    pub fn trust_jwt_scopes(mut self, trust: bool) -> Self {
        self.rules = self.rules.trust_jwt_scopes(trust);
        self
    }

    /// The client used to verify.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Authenticates a request by its `Authorization` header.
    pub fn authenticate<B>(&self, request: &http::Request<B>) -> Result<M2mToken, AuthError> {
        let token = bearer_token_from_headers(request.headers())?;
        self.authenticate_token(token)
    }

    /// Authenticates an `Authorization` header value (`None` when absent).
    pub fn authenticate_header_value(
        &self,
        value: Option<&HeaderValue>,
    ) -> Result<M2mToken, AuthError> {
        let token = bearer_token_from_value(value)?;
        self.authenticate_token(token)
    }

    /// Authenticates an `Authorization` header value given as text
    /// (`Bearer <token>`; the scheme is case-insensitive).
    pub fn authenticate_header(&self, value: Option<&str>) -> Result<M2mToken, AuthError> {
        let token = bearer_token(value)?;
        self.authenticate_token(token)
    }

    /// Authenticates a bare token value (no `Bearer`).
    pub fn authenticate_token(&self, token: &str) -> Result<M2mToken, AuthError> {
        classify_bearer(token)?;
        let verified = self.client.verify_token_str(token);
        self.rules.accept(token, verified)
    }
}
