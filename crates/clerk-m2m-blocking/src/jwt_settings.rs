//! The client's local JWT verifier, from its config (feature `jwt`).

use crate::local_verify::{Jwks, KeySource, LocalVerifier};
use clerk_m2m_types::jwt::KeyPlan;
use clerk_m2m_types::{Config, ConfigError};
use std::sync::Arc;

/// The local verifier for `config`'s JWT settings and clock.
pub(crate) fn local_verifier(config: &Config) -> Result<LocalVerifier, ConfigError> {
    let (plan, options) = config.jwt().clone().plan(config)?;
    let keys = match plan {
        KeyPlan::Static(keys) => KeySource::Pem(Arc::new(keys)),
        KeyPlan::Jwks(cache) => KeySource::Jwks(Box::new(Jwks::new(cache))),
        KeyPlan::Missing => KeySource::Missing,
    };
    Ok(LocalVerifier {
        keys,
        options,
        clock: Arc::clone(config.clock()),
    })
}
