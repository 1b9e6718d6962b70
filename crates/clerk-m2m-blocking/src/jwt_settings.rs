//! The builder's settings for local JWT verification (feature `jwt`).

use crate::local_verify::{Jwks, KeySource, LocalVerifier};
use crate::{ClientBuilder, Clock, SystemClock};
use clerk_m2m_types::jwt::{JwksCache, KeySet, VerifyOptions};
use clerk_m2m_types::{Config, ConfigError};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What the builder collected; turned into a [`LocalVerifier`] by `build`.
#[derive(Default)]
pub(crate) struct JwtSettings {
    pem: Option<String>,
    keys: Option<KeySet>,
    options: Option<VerifyOptions>,
    max_age: Option<Duration>,
    cooldown: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSettings")
            .field("pem", &self.pem.is_some())
            .field("keys", &self.keys.as_ref().map(KeySet::len))
            .field("options", &self.options)
            .field("max_age", &self.max_age)
            .field("cooldown", &self.cooldown)
            .finish_non_exhaustive()
    }
}

impl JwtSettings {
    pub(crate) fn build(self, config: &Config) -> Result<LocalVerifier, ConfigError> {
        let keys = match (self.keys, self.pem) {
            (Some(keys), _) => KeySource::Pem(Arc::new(keys)),
            (None, Some(pem)) => KeySource::Pem(Arc::new(
                KeySet::from_pem(&pem).map_err(|source| ConfigError::InvalidJwtKey { source })?,
            )),
            (None, None) if config.secret_key().is_some() => {
                let mut cache = JwksCache::new();
                if let Some(max_age) = self.max_age {
                    cache = cache.max_age(max_age);
                }
                if let Some(cooldown) = self.cooldown {
                    cache = cache.refetch_cooldown(cooldown);
                }
                KeySource::Jwks(Box::new(Jwks::new(cache)))
            }
            (None, None) => KeySource::Missing,
        };
        Ok(LocalVerifier {
            keys,
            options: self.options.unwrap_or_default(),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
        })
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
        self.jwt.pem = Some(pem.into());
        self
    }

    /// Keys already parsed (e.g. with [`KeySet::from_jwks_json`] from a
    /// JWKS you ship): used instead of [`jwt_key`](Self::jwt_key) or the
    /// JWKS endpoint. No network.
    pub fn jwt_keys(mut self, keys: KeySet) -> Self {
        self.jwt.keys = Some(keys);
        self
    }

    /// The clock skew and optional audience for local verification (default
    /// [`VerifyOptions::new`]: 5 s skew, no audience check).
    pub fn jwt_verify_options(mut self, options: VerifyOptions) -> Self {
        self.jwt.options = Some(options);
        self
    }

    /// How long fetched JWKS keys stay fresh (default 5 minutes).
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.jwt.max_age = Some(max_age);
        self
    }

    /// The least time between two JWKS fetches prompted by an unknown `kid`
    /// or a bad signature (default 30 s).
    pub fn jwks_refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwt.cooldown = Some(cooldown);
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
