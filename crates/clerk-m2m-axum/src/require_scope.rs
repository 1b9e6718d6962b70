//! A per-route scope requirement that reads what the layer verified.

use crate::context::lookup;
use crate::Rejection;
use clerk_m2m_types::AuthRules;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Requires the verified token's scopes to include a machine id, on one
/// route: 403 `insufficient_scope` otherwise.
///
/// It does not verify anything: it reads the
/// [`VerifiedMachine`](crate::VerifiedMachine) an
/// [`M2mAuthLayer`](crate::M2mAuthLayer) in front of it left, so the token
/// is verified once per request however many requirements apply. JWT scopes
/// count only if that layer [trusts them](crate::M2mAuthLayer::trust_jwt_scopes).
/// With no machine (a passthrough layer, no credentials) it answers 401;
/// with no layer in front, 500.
///
/// ```
/// use axum::{routing::get, Router};
/// use clerk_m2m_axum::{M2mAuthLayer, RequireScope, VerifiedMachine};
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
/// async fn whoami(machine: VerifiedMachine) -> String {
///     machine.machine_id().to_owned()
/// }
///
/// let app: Router = Router::new()
///     .route("/whoami", get(whoami))
///     .route(
///         "/billing",
///         get(whoami).route_layer(RequireScope::new("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em")),
///     )
///     .layer(M2mAuthLayer::new(client()));
/// ```
#[derive(Clone, Debug)]
pub struct RequireScope {
    rules: Arc<ScopeRules>,
}

/// The requirement, with JWT scopes trusted or not (the layer in front
/// decides, per request).
#[derive(Debug)]
struct ScopeRules {
    untrusting: AuthRules,
    trusting: AuthRules,
}

impl RequireScope {
    /// Requires `machine_id` (`mch_…`) among the token's scopes.
    pub fn new(machine_id: impl Into<String>) -> Self {
        let rules = AuthRules::new().require_scope(machine_id);
        Self {
            rules: Arc::new(ScopeRules {
                trusting: rules.clone().trust_jwt_scopes(true),
                untrusting: rules,
            }),
        }
    }

    /// The machine id required.
    pub fn machine_id(&self) -> &str {
        self.rules.untrusting.required_scope().unwrap_or_default()
    }

    fn check(&self, extensions: &http::Extensions) -> Result<(), Rejection> {
        let (context, machine) = lookup(extensions)?;
        let machine = machine.ok_or_else(|| context.no_machine())?;
        let settings = &context.settings;
        let rules = if settings.rules.trusts_jwt_scopes() {
            &self.rules.trusting
        } else {
            &self.rules.untrusting
        };
        rules
            .check_scope(machine.token(), machine.format())
            .map_err(|error| {
                tracing::debug!(
                    machine_id = machine.machine_id(),
                    "the token lacks the route's required scope"
                );
                settings.reject(&error, rules.required_scope())
            })
    }
}

impl<S> tower_layer::Layer<S> for RequireScope {
    type Service = RequireScopeService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireScopeService {
            inner,
            requirement: self.clone(),
        }
    }
}

/// The service made by [`RequireScope`].
#[derive(Clone)]
pub struct RequireScopeService<S> {
    inner: S,
    requirement: RequireScope,
}

impl<S: fmt::Debug> fmt::Debug for RequireScopeService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireScopeService")
            .field("inner", &self.inner)
            .field("machine_id", &self.requirement.machine_id())
            .finish()
    }
}

impl<S, ReqBody, ResBody> tower_service::Service<http::Request<ReqBody>> for RequireScopeService<S>
where
    S: tower_service::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: From<Vec<u8>> + Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        match self.requirement.check(request.extensions()) {
            Ok(()) => Box::pin(self.inner.call(request)),
            Err(rejection) => {
                let response = rejection.to_response();
                Box::pin(std::future::ready(Ok(response)))
            }
        }
    }
}
