//! The verified caller, as handlers see it.

use clerk_m2m_types::{M2mToken, TokenFormat};
use std::sync::Arc;
use std::time::SystemTime;

/// The machine that called, proven by a verified, unrevoked, unexpired M2M
/// token.
///
/// [`M2mAuthLayer`](crate::M2mAuthLayer) puts it into the request's
/// extensions. In axum, take it as an extractor (`VerifiedMachine`, or
/// `Option<VerifiedMachine>` behind a passthrough layer); elsewhere read
/// `request.extensions().get::<VerifiedMachine>()`. Cheap to clone. It
/// never holds the token value.
#[derive(Clone, Debug)]
pub struct VerifiedMachine {
    inner: Arc<Verified>,
}

#[derive(Debug)]
struct Verified {
    token: M2mToken,
    format: TokenFormat,
}

impl VerifiedMachine {
    /// A verified machine from what verification returned and how the
    /// token was verified ([`TokenFormat::Jwt`]: locally). The layer builds
    /// these; build one yourself to test a handler.
    pub fn new(token: M2mToken, format: TokenFormat) -> Self {
        Self {
            inner: Arc::new(Verified { token, format }),
        }
    }

    /// The calling machine's id (`mch_…`): the token's subject.
    pub fn machine_id(&self) -> &str {
        &self.inner.token.subject
    }

    /// The token's id (`mt_…`; a JWT's `jti`).
    pub fn token_id(&self) -> &str {
        &self.inner.token.id
    }

    /// The machines the token may call (`mch_…`). For a JWT these are its
    /// creator's own claims (see the [crate docs](crate#scopes)).
    pub fn scopes(&self) -> &[String] {
        &self.inner.token.scopes
    }

    /// Whether the token's scopes include `machine_id`. For a JWT this is
    /// only what its creator claimed.
    pub fn has_scope(&self, machine_id: &str) -> bool {
        self.inner.token.has_scope(machine_id)
    }

    /// The custom claims given when the token was created, if any.
    pub fn claims(&self) -> Option<&serde_json::Value> {
        self.inner.token.claims.as_ref()
    }

    /// When the token expires; `None` if it never does.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.inner.token.expiration_time()
    }

    /// Whether the token was checked here, with no call to Clerk (an M2M
    /// JWT), rather than through Clerk's API (an opaque token).
    pub fn verified_locally(&self) -> bool {
        self.inner.format == TokenFormat::Jwt
    }

    /// The token's format: [`TokenFormat::Jwt`] (verified locally) or
    /// [`TokenFormat::Opaque`] (verified by Clerk).
    pub fn format(&self) -> &TokenFormat {
        &self.inner.format
    }

    /// Everything verification returned (no token value).
    pub fn token(&self) -> &M2mToken {
        &self.inner.token
    }
}
