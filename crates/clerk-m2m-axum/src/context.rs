//! What a layer shares with its services, and what it leaves in each
//! request it lets through for the extractors and [`RequireScope`](crate::RequireScope).

use crate::rejection::Style;
use crate::{Rejection, VerifiedMachine};
use clerk_m2m_async::Client;
use clerk_m2m_types::{AuthError, AuthRules};
use http::Extensions;
use std::sync::Arc;

/// A layer's settings.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) client: Client,
    pub(crate) rules: AuthRules,
    pub(crate) passthrough: bool,
    pub(crate) style: Arc<Style>,
}

impl Settings {
    /// The answer to `error`, in this layer's style.
    pub(crate) fn reject(&self, error: &AuthError, required_scope: Option<&str>) -> Rejection {
        Rejection::new(error, required_scope, self.style.clone())
    }
}

/// Left in every request the layer lets through. Private: a handler or
/// another layer cannot forge it.
#[derive(Clone, Debug)]
pub(crate) struct AuthContext {
    pub(crate) settings: Arc<Settings>,
    /// Set when a passthrough layer let a request without credentials
    /// through: what a route that needs a machine answers.
    anonymous: Option<Rejection>,
}

impl AuthContext {
    pub(crate) fn verified(settings: Arc<Settings>) -> Self {
        Self {
            settings,
            anonymous: None,
        }
    }

    pub(crate) fn anonymous(settings: Arc<Settings>, rejection: Rejection) -> Self {
        Self {
            settings,
            anonymous: Some(rejection),
        }
    }

    /// What a route that needs a verified machine answers when there is none.
    pub(crate) fn no_machine(&self) -> Rejection {
        self.anonymous
            .clone()
            .unwrap_or_else(Rejection::layer_missing)
    }
}

/// What the layer left in a request: its context and the machine, if one
/// was verified. No context means no layer ran: our misconfiguration (500).
pub(crate) fn lookup(
    extensions: &Extensions,
) -> Result<(&AuthContext, Option<&VerifiedMachine>), Rejection> {
    let context = extensions
        .get::<AuthContext>()
        .ok_or_else(Rejection::layer_missing)?;
    Ok((context, extensions.get::<VerifiedMachine>()))
}
