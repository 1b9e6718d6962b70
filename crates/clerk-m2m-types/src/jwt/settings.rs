//! Where a client's verification keys come from: the decision both clients share.

use super::m2m_jwt::M2mJwt;
use super::{JwksCache, JwksVerifier, KeySet, VerifyOptions};
use crate::{Config, ConfigError, Error, M2mToken};
use std::fmt;
use std::time::{Duration, SystemTime};

/// What a client builder collects for local JWT verification.
///
/// Turned into a [`KeyPlan`] when the client is built: keys given as a
/// [`KeySet`] win, then a PEM public key (`CLERK_JWT_KEY`), then the
/// instance's JWKS when an instance secret key is configured.
#[derive(Clone, Default)]
pub struct JwtKeySettings {
    pem: Option<String>,
    keys: Option<KeySet>,
    options: Option<VerifyOptions>,
    max_age: Option<Duration>,
    cooldown: Option<Duration>,
}

/// How JWTs will be verified, decided once when a client is built.
///
/// `J` is what holds the JWKS verifier: [`JwksVerifier`] as
/// [`JwtKeySettings::plan`] returns it, or whatever a client wraps it in
/// ([`map_jwks`](Self::map_jwks), e.g. a mutex). Exhaustive on purpose,
/// like [`Step`](crate::call::Step): every client must handle every key
/// source.
#[derive(Debug)]
pub enum KeyPlan<J = JwksVerifier> {
    /// Fixed keys (a PEM or a given key set): no network, ever.
    Static(KeySet),
    /// The instance's JWKS, fetched with the instance secret key
    /// ([`FetchJwks`](crate::driver::jwks::FetchJwks)) and cached: the verifier decides
    /// when.
    Jwks(J),
    /// No key source: every JWT verification fails with `Error::NoJwtKey`.
    Missing,
}

/// Where one verification goes under a [`KeyPlan`] ([`KeyPlan::route`]).
///
/// Exhaustive on purpose, like [`KeyPlan`].
#[derive(Debug)]
pub enum Route<'p, 't, J> {
    /// Settled without the network: fixed keys, or no key source at all.
    Settled(Result<M2mToken, Error>),
    /// Through the instance's JWKS: the holder of the verifier, and the
    /// token to check against the keys it hands out.
    Jwks(&'p J, M2mJwt<'t>),
}

impl<J> KeyPlan<J> {
    /// The same plan, with the JWKS verifier wrapped by `wrap`.
    pub fn map_jwks<T>(self, wrap: impl FnOnce(J) -> T) -> KeyPlan<T> {
        match self {
            Self::Static(keys) => KeyPlan::Static(keys),
            Self::Jwks(verifier) => KeyPlan::Jwks(wrap(verifier)),
            Self::Missing => KeyPlan::Missing,
        }
    }

    /// Where the verification of `jwt` goes: settled at once with fixed
    /// keys (checked at `now`) or without any key source, else handed back
    /// with the JWKS holder for the driver to run [`JwksVerifier`].
    pub fn route<'p, 't>(
        &'p self,
        jwt: M2mJwt<'t>,
        now: SystemTime,
        options: &VerifyOptions,
    ) -> Route<'p, 't, J> {
        match self {
            Self::Static(keys) => Route::Settled(
                jwt.verify(keys, now, options)
                    .map_err(|source| Error::Jwt { source }),
            ),
            Self::Missing => Route::Settled(Err(Error::NoJwtKey)),
            Self::Jwks(holder) => Route::Jwks(holder, jwt),
        }
    }

    /// A short name of the key source for `Debug` output: `"pem"` (fixed
    /// keys), `"jwks"` or `"none"`.
    pub fn source_name(&self) -> &'static str {
        match self {
            Self::Static(_) => "pem",
            Self::Jwks(_) => "jwks",
            Self::Missing => "none",
        }
    }
}

impl fmt::Debug for JwtKeySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeySettings")
            .field("pem", &self.pem.is_some())
            .field("keys", &self.keys.as_ref().map(KeySet::len))
            .field("options", &self.options)
            .field("max_age", &self.max_age)
            .field("cooldown", &self.cooldown)
            .finish()
    }
}

impl JwtKeySettings {
    /// A PEM public key (SPKI or PKCS#1), parsed by [`plan`](Self::plan).
    pub fn pem(mut self, pem: impl Into<String>) -> Self {
        self.pem = Some(pem.into());
        self
    }

    /// Each value set here, else `other`'s.
    pub fn or(self, other: Self) -> Self {
        Self {
            pem: self.pem.or(other.pem),
            keys: self.keys.or(other.keys),
            options: self.options.or(other.options),
            max_age: self.max_age.or(other.max_age),
            cooldown: self.cooldown.or(other.cooldown),
        }
    }

    /// The PEM unless one is already set (for environment defaults).
    pub fn pem_if_unset(mut self, pem: impl Into<String>) -> Self {
        if self.pem.is_none() {
            self.pem = Some(pem.into());
        }
        self
    }

    /// Keys already parsed; used before a PEM or the JWKS.
    pub fn keys(mut self, keys: KeySet) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Clock skew and audience (default [`VerifyOptions::new`]).
    pub fn verify_options(mut self, options: VerifyOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// How long fetched JWKS keys stay fresh.
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The least time between two refetches prompted by a key miss.
    pub fn jwks_refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = Some(cooldown);
        self
    }

    /// Decides the key source for `config`; fails if the PEM is unusable.
    pub fn plan(self, config: &Config) -> Result<(KeyPlan, VerifyOptions), ConfigError> {
        let plan = match (self.keys, self.pem) {
            (Some(keys), _) => KeyPlan::Static(keys),
            (None, Some(pem)) => KeyPlan::Static(
                KeySet::from_pem(&pem).map_err(|source| ConfigError::InvalidJwtKey { source })?,
            ),
            (None, None) if config.secret_key().is_some() => {
                let mut cache = JwksCache::new();
                if let Some(max_age) = self.max_age {
                    cache = cache.max_age(max_age);
                }
                if let Some(cooldown) = self.cooldown {
                    cache = cache.refetch_cooldown(cooldown);
                }
                KeyPlan::Jwks(JwksVerifier::new(cache))
            }
            (None, None) => KeyPlan::Missing,
        };
        Ok((plan, self.options.unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_source_precedence() {
        let with_instance = Config::builder().secret_key("sk_test_x").build().unwrap();
        let plan = |settings: JwtKeySettings, config: &Config| settings.plan(config).unwrap().0;
        assert!(matches!(
            plan(JwtKeySettings::default(), &with_instance),
            KeyPlan::Jwks(_)
        ));
        assert!(matches!(
            plan(JwtKeySettings::default(), &Config::default()),
            KeyPlan::Missing
        ));
        let given = JwtKeySettings::default()
            .keys(KeySet::new())
            .pem("not a pem");
        assert!(matches!(plan(given, &with_instance), KeyPlan::Static(_)));
        let bad = JwtKeySettings::default()
            .pem("not a pem")
            .plan(&with_instance);
        assert!(matches!(bad, Err(ConfigError::InvalidJwtKey { .. })));
        let fixed = JwtKeySettings::default().keys(KeySet::new());
        assert_eq!(plan(fixed, &with_instance).source_name(), "pem");
        let jwks = plan(JwtKeySettings::default(), &with_instance).map_jwks(|_| "wrapped");
        assert!(matches!(jwks, KeyPlan::Jwks("wrapped")));
        assert_eq!(jwks.source_name(), "jwks");
        assert_eq!(
            plan(JwtKeySettings::default(), &Config::default()).source_name(),
            "none"
        );
    }
}
