//! The builder's settings for local JWT verification (feature `jwt`).

use crate::local_verify::LocalVerifier;
use crate::{ClientBuilder, Clock, SystemClock};
use clerk_m2m_types::jwt::{JwtKeySettings, KeySet, VerifyOptions};
use clerk_m2m_types::{Config, ConfigError};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What the builder collected; turned into a [`LocalVerifier`] by `build`.
#[derive(Default)]
pub(crate) struct JwtSettings {
    keys: JwtKeySettings,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSettings")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl JwtSettings {
    pub(crate) fn build(self, config: &Config) -> Result<LocalVerifier, ConfigError> {
        let (plan, options) = self.keys.plan(config)?;
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        Ok(LocalVerifier::new(plan, options, clock))
    }
}

/// Local JWT verification (feature `jwt`).
impl ClientBuilder {
    /// The PEM public key (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`) that
    /// verifies M2M JWTs locally with no network: the value of
    /// `CLERK_JWT_KEY` (the Clerk dashboard's "JWKS Public Key"). Parsed by
    /// [`build`](Self::build), which fails with
    /// [`ConfigError::InvalidJwtKey`] if it cannot be used.
    ///
    /// Without it, JWTs are verified with the instance's JWKS, fetched with
    /// the instance secret key (`CLERK_SECRET_KEY`).
    pub fn jwt_key(mut self, pem: impl Into<String>) -> Self {
        self.jwt.keys = self.jwt.keys.pem(pem);
        self
    }

    /// Keys already parsed (e.g. with [`KeySet::from_jwks_json`] from a
    /// JWKS you ship): used instead of [`jwt_key`](Self::jwt_key) or the
    /// JWKS endpoint. No network.
    pub fn jwt_keys(mut self, keys: KeySet) -> Self {
        self.jwt.keys = self.jwt.keys.keys(keys);
        self
    }

    /// The clock skew and optional audience for local verification (default
    /// [`VerifyOptions::new`]: 5 s skew, no audience check).
    pub fn jwt_verify_options(mut self, options: VerifyOptions) -> Self {
        self.jwt.keys = self.jwt.keys.verify_options(options);
        self
    }

    /// How long fetched JWKS keys stay fresh (default 5 minutes).
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.jwt.keys = self.jwt.keys.jwks_max_age(max_age);
        self
    }

    /// The least time between two JWKS fetches prompted by an unknown `kid`
    /// or a bad signature (default 30 s).
    pub fn jwks_refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwt.keys = self.jwt.keys.jwks_refetch_cooldown(cooldown);
        self
    }

    /// The wall clock for local verification and the JWKS cache (default
    /// [`SystemClock`]). Tests pass a [`ManualClock`](crate::ManualClock)
    /// to move through expiry and cooldowns without sleeping.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.jwt.clock = Some(Arc::new(clock));
        self
    }
}
