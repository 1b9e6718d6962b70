//! The layer: its settings and builder.

use crate::context::Settings;
use crate::{M2mAuthService, Realm, Rejection, RejectionBody};
use clerk_m2m_async::Client;
use clerk_m2m_types::AuthRules;
use std::sync::Arc;

/// A tower [`Layer`](tower_layer::Layer) that authenticates every request
/// by its M2M bearer token (see the [crate docs](crate) for the answers).
///
/// Cheap to clone; every service it makes shares one set of settings and
/// one client (its JWKS cache included). Setters never fail.
///
/// ```
/// use clerk_m2m_axum::{M2mAuthLayer, Realm, RejectionBody};
///
/// # fn client() -> clerk_m2m_async::Client {
/// #     clerk_m2m_async::Client::builder()
/// #         .machine_secret_key("ak_test_example")
/// #         .transport(|_request: http::Request<Vec<u8>>| async {
/// #             Err::<http::Response<Vec<u8>>, _>(clerk_m2m_async::TransportError::other("offline"))
/// #         })
/// #         .build()
/// #         .unwrap()
/// # }
/// let layer = M2mAuthLayer::new(client())
///     // Only machines allowed to call this one (opaque tokens: Clerk's scopes).
///     .require_scope("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em")
///     .realm(Realm::new("billing")?)
///     .rejection_body(|rejection| {
///         RejectionBody::json(&serde_json::json!({ "problem": rejection.message() }))
///     });
/// # Ok::<(), clerk_m2m_axum::InvalidRealm>(())
/// ```
#[derive(Clone, Debug)]
pub struct M2mAuthLayer {
    settings: Arc<Settings>,
}

impl M2mAuthLayer {
    /// A layer verifying with `client`, requiring no scope.
    ///
    /// The client needs the keys that verify the callers' tokens: this
    /// service's machine key (`CLERK_MACHINE_SECRET_KEY`) or the instance
    /// key for opaque tokens; `CLERK_JWT_KEY` or the instance key
    /// (`CLERK_SECRET_KEY`) for JWTs.
    pub fn new(client: Client) -> Self {
        Self {
            settings: Arc::new(Settings {
                client,
                rules: AuthRules::new(),
                passthrough: false,
                style: Arc::default(),
            }),
        }
    }

    /// A layer with a client configured from the environment
    /// ([`Client::from_env`]: `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY`,
    /// `CLERK_SECRET_KEY`, `CLERK_JWT_KEY`).
    #[cfg(feature = "reqwest")]
    pub fn from_env() -> Result<Self, clerk_m2m_types::ConfigError> {
        Ok(Self::new(Client::from_env()?))
    }

    /// Requires every token's scopes to include `machine_id` (`mch_…`,
    /// usually this service's own machine id): 403 `insufficient_scope`
    /// otherwise. For a single route, use [`RequireScope`](crate::RequireScope).
    pub fn require_scope(mut self, machine_id: impl Into<String>) -> Self {
        let rules = &mut self.settings_mut().rules;
        *rules = std::mem::take(rules).require_scope(machine_id);
        self
    }

    /// Whether a JWT's `scopes`/`aud` claims count for scope checks, this
    /// layer's and every [`RequireScope`](crate::RequireScope) behind it
    /// (default `false`: a JWT fails them, since any machine of the
    /// instance can mint a JWT claiming any scope).
    pub fn trust_jwt_scopes(mut self, trust: bool) -> Self {
        let rules = &mut self.settings_mut().rules;
        *rules = std::mem::take(rules).trust_jwt_scopes(trust);
        self
    }

    /// Lets requests without bearer credentials (no `Authorization`
    /// header, or another scheme) through without a machine, so the handler
    /// decides (`Option<VerifiedMachine>`). A bearer token that fails is
    /// still refused. Default `false`.
    pub fn passthrough(mut self, passthrough: bool) -> Self {
        self.settings_mut().passthrough = passthrough;
        self
    }

    /// The realm of the `WWW-Authenticate` challenge (default `clerk-m2m`).
    pub fn realm(mut self, realm: Realm) -> Self {
        Arc::make_mut(&mut self.settings_mut().style).realm = realm;
        self
    }

    /// Replaces the JSON body of every rejection (the status and the
    /// challenge stay as RFC 6750 says). Extractors and
    /// [`RequireScope`](crate::RequireScope) behind this layer use it too.
    pub fn rejection_body(
        mut self,
        render: impl Fn(&Rejection) -> RejectionBody + Send + Sync + 'static,
    ) -> Self {
        Arc::make_mut(&mut self.settings_mut().style).body = Some(Arc::new(render));
        self
    }

    /// The client that verifies.
    pub fn client(&self) -> &Client {
        &self.settings.client
    }

    fn settings_mut(&mut self) -> &mut Settings {
        Arc::make_mut(&mut self.settings)
    }
}

impl<S> tower_layer::Layer<S> for M2mAuthLayer {
    type Service = M2mAuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        M2mAuthService::new(inner, self.settings.clone())
    }
}
