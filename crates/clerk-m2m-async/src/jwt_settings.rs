//! The client's local JWT verifier, from its config (feature `jwt`).

use crate::local_verify::LocalVerifier;
use clerk_m2m_types::{Config, ConfigError};
use std::sync::Arc;

/// The local verifier for `config`'s JWT settings and clock.
pub(crate) fn local_verifier(config: &Config) -> Result<LocalVerifier, ConfigError> {
    let (plan, options) = config.jwt().clone().plan(config)?;
    Ok(LocalVerifier::new(
        plan,
        options,
        Arc::clone(config.clock()),
    ))
}
