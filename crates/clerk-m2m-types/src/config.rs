//! Where to send calls and with which keys.

use crate::clock::{Clock, SystemClock};
use crate::error::{ConfigError, RequestError};
use crate::{RetryPolicy, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The Backend API's public base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.clerk.com";
/// The `Clerk-API-Version` header value sent by default (as `@clerk/backend` 3.x does).
pub const DEFAULT_API_VERSION: &str = "2026-05-12";
/// `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("clerk-m2m-rust/", env!("CARGO_PKG_VERSION"));

/// Environment variable holding the machine secret key (`ak_…`).
pub const ENV_MACHINE_SECRET_KEY: &str = "CLERK_MACHINE_SECRET_KEY";
/// Environment variable holding the instance secret key (`sk_…`).
pub const ENV_SECRET_KEY: &str = "CLERK_SECRET_KEY";
/// Environment variable overriding the base URL.
pub const ENV_API_URL: &str = "CLERK_API_URL";
/// Default bound on one call, every attempt and wait included: 30 s.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything a client is configured with, for both clients: where to send
/// calls (base URL, API version, path prefix), with which keys, how to retry,
/// how long a call may take, which clock to read and, with the `jwt` feature,
/// how to verify M2M JWTs locally.
///
/// Build one with [`Config::builder`] or [`Config::from_env`]. `Debug` never
/// shows a key.
#[derive(Clone)]
pub struct Config {
    base_url: String,
    machine_secret_key: Option<SecretString>,
    secret_key: Option<SecretString>,
    api_version: String,
    /// `api_version` as the header value every request carries, made once.
    api_version_header: http::HeaderValue,
    m2m_path_prefix: String,
    retry_policy: RetryPolicy,
    call_timeout: Duration,
    clock: Arc<dyn Clock>,
    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    jwt: crate::jwt::JwtKeySettings,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Config");
        debug
            .field("base_url", &self.base_url)
            .field("machine_secret_key", &self.machine_secret_key)
            .field("secret_key", &self.secret_key)
            .field("api_version", &self.api_version)
            .field("m2m_path_prefix", &self.m2m_path_prefix)
            .field("retry_policy", &self.retry_policy)
            .field("call_timeout", &self.call_timeout);
        #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
        debug.field("jwt", &self.jwt);
        debug.finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            machine_secret_key: None,
            secret_key: None,
            api_version: DEFAULT_API_VERSION.to_owned(),
            api_version_header: http::HeaderValue::from_static(DEFAULT_API_VERSION),
            m2m_path_prefix: String::new(),
            retry_policy: RetryPolicy::default(),
            call_timeout: DEFAULT_CALL_TIMEOUT,
            clock: Arc::new(SystemClock),
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            jwt: crate::jwt::JwtKeySettings::default(),
        }
    }
}

impl Config {
    /// A builder starting from the defaults (no keys).
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY`, `CLERK_SECRET_KEY`
    /// and, with the `jwt` feature, `CLERK_JWT_KEY` from the process
    /// environment. Unset or empty variables are ignored.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::builder().env_with(lookup).build()
    }

    /// A builder holding this config's values, to change some of them.
    pub fn to_builder(&self) -> ConfigBuilder {
        ConfigBuilder {
            base_url: Some(self.base_url.clone()),
            machine_secret_key: self.machine_secret_key.clone(),
            secret_key: self.secret_key.clone(),
            api_version: Some(self.api_version.clone()),
            m2m_path_prefix: Some(self.m2m_path_prefix.clone()),
            retry_policy: Some(self.retry_policy.clone()),
            call_timeout: Some(self.call_timeout),
            clock: Some(Arc::clone(&self.clock)),
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            jwt: self.jwt.clone(),
        }
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry_policy
    }

    /// The bound on one call, every attempt and wait included.
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// The clock calls, the JWKS cache and local verification read.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The local JWT verification settings (feature `jwt`).
    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
    pub fn jwt(&self) -> &crate::jwt::JwtKeySettings {
        &self.jwt
    }

    /// Where this config's JWT keys come from, and the check options: the
    /// decision every client makes once, when it is built (feature `jwt`).
    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
    pub fn jwt_key_plan(
        &self,
    ) -> Result<(crate::jwt::KeyPlan, crate::jwt::VerifyOptions), ConfigError> {
        self.jwt.clone().plan(self)
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The `Clerk-API-Version` header value.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// [`api_version`](Self::api_version) as a header value.
    pub(crate) fn api_version_header(&self) -> &http::HeaderValue {
        &self.api_version_header
    }

    /// The prefix before `/m2m_tokens` (empty by default; `/v1` is also accepted by the API).
    pub fn m2m_path_prefix(&self) -> &str {
        &self.m2m_path_prefix
    }

    /// The machine secret key, if configured.
    pub fn machine_secret_key(&self) -> Option<&SecretString> {
        self.machine_secret_key.as_ref()
    }

    /// The instance secret key, if configured.
    pub fn secret_key(&self) -> Option<&SecretString> {
        self.secret_key.as_ref()
    }

    /// The URL of the instance's JSON Web Key Set: `{base}/v1/jwks`.
    pub fn jwks_url(&self) -> String {
        format!("{}/v1/jwks", self.base_url)
    }

    /// `{base}{prefix}{path}`.
    pub(crate) fn m2m_url(&self, path: &str) -> String {
        let mut url =
            String::with_capacity(self.base_url.len() + self.m2m_path_prefix.len() + path.len());
        url.push_str(&self.base_url);
        url.push_str(&self.m2m_path_prefix);
        url.push_str(path);
        url
    }

    /// The key for an M2M call, as `@clerk/backend` chooses it: the per-call
    /// machine key, else the configured machine key, else the instance key.
    pub fn select_key<'a>(
        &'a self,
        per_call: Option<&'a SecretString>,
    ) -> Result<&'a SecretString, RequestError> {
        per_call
            .or(self.machine_secret_key.as_ref())
            .or(self.secret_key.as_ref())
            .ok_or(RequestError::MissingSecretKey)
    }
}

/// Builds a [`Config`]. Setters never fail; [`build`](Self::build) validates.
///
/// Both clients' builders forward these setters (see
/// [`config_setters!`](crate::config_setters)), so a setting is added here
/// once.
#[derive(Clone, Default)]
pub struct ConfigBuilder {
    base_url: Option<String>,
    machine_secret_key: Option<SecretString>,
    secret_key: Option<SecretString>,
    api_version: Option<String>,
    m2m_path_prefix: Option<String>,
    retry_policy: Option<RetryPolicy>,
    call_timeout: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
    jwt: crate::jwt::JwtKeySettings,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ConfigBuilder");
        debug
            .field("base_url", &self.base_url)
            .field("machine_secret_key", &self.machine_secret_key)
            .field("secret_key", &self.secret_key)
            .field("api_version", &self.api_version)
            .field("m2m_path_prefix", &self.m2m_path_prefix)
            .field("retry_policy", &self.retry_policy)
            .field("call_timeout", &self.call_timeout);
        #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
        debug.field("jwt", &self.jwt);
        debug.finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// Takes every value not set on this builder from `config`: values set
    /// here win, whatever the order of the calls.
    pub fn config(self, config: Config) -> Self {
        let base = config.to_builder();
        Self {
            base_url: self.base_url.or(base.base_url),
            machine_secret_key: self.machine_secret_key.or(base.machine_secret_key),
            secret_key: self.secret_key.or(base.secret_key),
            api_version: self.api_version.or(base.api_version),
            m2m_path_prefix: self.m2m_path_prefix.or(base.m2m_path_prefix),
            retry_policy: self.retry_policy.or(base.retry_policy),
            call_timeout: self.call_timeout.or(base.call_timeout),
            clock: self.clock.or(base.clock),
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            jwt: self.jwt.or(base.jwt),
        }
    }

    /// The retry policy (default [`RetryPolicy::default`]: 3 attempts, a
    /// create retried only when certainly not sent or on 429).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Bound on one call, every attempt and wait included (default
    /// [`DEFAULT_CALL_TIMEOUT`], 30 s). `Duration::MAX` means no bound: each
    /// attempt is then limited by the transport alone.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// The clock read by calls (deadlines), the JWKS cache and local JWT
    /// verification (default [`SystemClock`]). Tests pass a
    /// [`ManualClock`](crate::ManualClock) to move through expiry
    /// and cooldowns without sleeping.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The base URL (default `https://api.clerk.com`). A trailing `/` is dropped.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The machine secret key (`ak_…`) used for create and, by default, every call.
    pub fn machine_secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.machine_secret_key = Some(key.into());
        self
    }

    /// The instance secret key (`sk_…`): used when no machine key is set, and for the JWKS.
    pub fn secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// The `Clerk-API-Version` header value (default [`DEFAULT_API_VERSION`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The prefix before `/m2m_tokens`, e.g. `/v1` (default: none, as `@clerk/backend`).
    pub fn m2m_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.m2m_path_prefix = Some(prefix.into());
        self
    }

    /// Fills unset values from `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY`,
    /// `CLERK_SECRET_KEY` and (feature `jwt`) `CLERK_JWT_KEY` read through
    /// `lookup`; empty values count as unset.
    pub fn env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        if self.base_url.is_none() {
            self.base_url = read(ENV_API_URL);
        }
        if self.machine_secret_key.is_none() {
            self.machine_secret_key = read(ENV_MACHINE_SECRET_KEY).map(SecretString::from);
        }
        if self.secret_key.is_none() {
            self.secret_key = read(ENV_SECRET_KEY).map(SecretString::from);
        }
        #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
        if let Some(pem) = read(crate::jwt::ENV_JWT_KEY) {
            self.jwt = self.jwt.pem_if_unset(pem);
        }
        self
    }

    /// Validates and builds the config.
    pub fn build(self) -> Result<Config, ConfigError> {
        let defaults = Config::default();
        let base_url = match self.base_url {
            Some(url) => validate_base_url(&url)?,
            None => defaults.base_url,
        };
        let api_version = self.api_version.unwrap_or(defaults.api_version);
        let api_version_header = http::HeaderValue::from_str(&api_version)
            .map_err(|_| ConfigError::InvalidApiVersion)?;
        let m2m_path_prefix = self
            .m2m_path_prefix
            .map(|prefix| prefix.trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let prefix_ok = m2m_path_prefix.is_empty()
            || (m2m_path_prefix.starts_with('/')
                && m2m_path_prefix
                    .bytes()
                    .all(|byte| byte == b'/' || crate::url::is_unreserved(byte)));
        if !prefix_ok {
            return Err(ConfigError::InvalidPathPrefix);
        }
        Ok(Config {
            base_url,
            machine_secret_key: self.machine_secret_key,
            secret_key: self.secret_key,
            api_version,
            api_version_header,
            m2m_path_prefix,
            retry_policy: self.retry_policy.unwrap_or(defaults.retry_policy),
            call_timeout: self.call_timeout.unwrap_or(defaults.call_timeout),
            clock: self.clock.unwrap_or(defaults.clock),
            #[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
            jwt: self.jwt,
        })
    }
}

/// Local JWT verification (feature `jwt`).
#[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
impl ConfigBuilder {
    /// The PEM public key (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`) that
    /// verifies M2M JWTs locally with no network: the value of
    /// `CLERK_JWT_KEY` (the Clerk dashboard's "JWKS Public Key"). A client's
    /// `build` fails with [`ConfigError::InvalidJwtKey`] if it cannot be used.
    ///
    /// Without it, JWTs are verified with the instance's JWKS, fetched with
    /// the instance secret key (`CLERK_SECRET_KEY`).
    pub fn jwt_key(mut self, pem: impl Into<String>) -> Self {
        self.jwt = self.jwt.pem(pem);
        self
    }

    /// Keys already parsed (e.g. with
    /// [`KeySet::from_jwks_json`](crate::jwt::KeySet::from_jwks_json) from a
    /// JWKS you ship): used instead of [`jwt_key`](Self::jwt_key) or the
    /// JWKS endpoint. No network.
    pub fn jwt_keys(mut self, keys: crate::jwt::KeySet) -> Self {
        self.jwt = self.jwt.keys(keys);
        self
    }

    /// The clock skew and optional audience for local verification (default
    /// [`VerifyOptions::new`](crate::jwt::VerifyOptions::new): 5 s skew, no
    /// audience check).
    pub fn jwt_verify_options(mut self, options: crate::jwt::VerifyOptions) -> Self {
        self.jwt = self.jwt.verify_options(options);
        self
    }

    /// How long fetched JWKS keys stay fresh (default 5 minutes).
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.jwt = self.jwt.jwks_max_age(max_age);
        self
    }

    /// The least time between two JWKS fetches prompted by an unknown `kid`
    /// or a bad signature (default 30 s).
    pub fn jwks_refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwt = self.jwt.jwks_refetch_cooldown(cooldown);
        self
    }
}

/// Defines, inside an `impl` block of a client builder with a field
/// `config: ConfigBuilder`, one forwarding setter per [`ConfigBuilder`]
/// setter, so both clients' builders offer every setting without
/// repeating it.
#[doc(hidden)]
#[macro_export]
macro_rules! config_setters {
    () => {
        $crate::config_setters! {
            /// Takes every value not set on this builder from `config` (e.g. [`Config::from_env`](clerk_m2m_types::Config::from_env)).
            config(config: $crate::Config);
            /// The base URL (default `https://api.clerk.com`; a trailing `/` is dropped).
            base_url(base_url: impl Into<String>);
            /// The machine secret key (`ak_…`): used for create and, by default, every call.
            machine_secret_key(key: impl Into<$crate::SecretString>);
            /// The instance secret key (`sk_…`): used when no machine key is set, and for the JWKS.
            secret_key(key: impl Into<$crate::SecretString>);
            /// The `Clerk-API-Version` header value (default `2026-05-12`).
            api_version(version: impl Into<String>);
            /// The prefix before `/m2m_tokens`, e.g. `/v1` (default: none, as `@clerk/backend`).
            m2m_path_prefix(prefix: impl Into<String>);
            /// The retry policy (see [`ConfigBuilder::retry_policy`](clerk_m2m_types::ConfigBuilder::retry_policy)).
            retry_policy(policy: $crate::RetryPolicy);
            /// Bound on one call, every attempt and wait included (see [`ConfigBuilder::call_timeout`](clerk_m2m_types::ConfigBuilder::call_timeout)).
            call_timeout(timeout: ::std::time::Duration);
            /// The clock (see [`ConfigBuilder::clock`](clerk_m2m_types::ConfigBuilder::clock)).
            clock(clock: impl $crate::Clock);
        }
        #[cfg(feature = "jwt")]
        $crate::config_setters! {
            #[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
            /// The PEM public key for local JWT verification (see [`ConfigBuilder::jwt_key`](clerk_m2m_types::ConfigBuilder::jwt_key)).
            jwt_key(pem: impl Into<String>);
            #[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
            /// Keys already parsed for local JWT verification (see [`ConfigBuilder::jwt_keys`](clerk_m2m_types::ConfigBuilder::jwt_keys)).
            jwt_keys(keys: $crate::jwt::KeySet);
            #[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
            /// Clock skew and audience for local verification (see [`ConfigBuilder::jwt_verify_options`](clerk_m2m_types::ConfigBuilder::jwt_verify_options)).
            jwt_verify_options(options: $crate::jwt::VerifyOptions);
            #[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
            /// How long fetched JWKS keys stay fresh (default 5 minutes).
            jwks_max_age(max_age: ::std::time::Duration);
            #[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
            /// The least time between two JWKS refetches prompted by a key miss (default 30 s).
            jwks_refetch_cooldown(cooldown: ::std::time::Duration);
        }
    };
    ($( $(#[$doc:meta])* $name:ident($arg:ident: $ty:ty); )*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $arg: $ty) -> Self {
                self.config = self.config.$name($arg);
                self
            }
        )*
    };
}

fn validate_base_url(url: &str) -> Result<String, ConfigError> {
    let trimmed = url.trim().trim_end_matches('/');
    let uri: http::Uri = trimmed.parse().map_err(|_| ConfigError::InvalidBaseUrl {
        reason: "not a valid URL",
    })?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(ConfigError::InvalidBaseUrl {
                reason: "scheme must be http or https",
            })
        }
    }
    if uri.authority().is_none() {
        return Err(ConfigError::InvalidBaseUrl {
            reason: "host is missing",
        });
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(ConfigError::InvalidBaseUrl {
            reason: "must not have a query or fragment",
        });
    }
    if uri
        .authority()
        .is_some_and(|authority| authority.as_str().contains('@'))
    {
        return Err(ConfigError::InvalidBaseUrl {
            reason: "must not contain credentials",
        });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn from_env_reads_the_three_variables() {
        let config = Config::from_env_with(env(&[
            ("CLERK_API_URL", "http://127.0.0.1:8080/"),
            ("CLERK_MACHINE_SECRET_KEY", "ak_test_a"),
            ("CLERK_SECRET_KEY", "sk_test_b"),
        ]))
        .unwrap();
        assert_eq!(config.base_url(), "http://127.0.0.1:8080");
        assert_eq!(
            config.select_key(None).unwrap().expose_secret(),
            "ak_test_a"
        );
        assert_eq!(config.jwks_url(), "http://127.0.0.1:8080/v1/jwks");
    }

    #[test]
    fn key_choice_follows_the_js_order() {
        let per_call = SecretString::new("ak_per_call");
        let only_instance =
            Config::from_env_with(env(&[("CLERK_SECRET_KEY", "sk_test_b")])).unwrap();
        assert_eq!(
            only_instance.select_key(None).unwrap().expose_secret(),
            "sk_test_b"
        );
        assert_eq!(
            only_instance
                .select_key(Some(&per_call))
                .unwrap()
                .expose_secret(),
            "ak_per_call"
        );
        let empty = Config::from_env_with(env(&[("CLERK_MACHINE_SECRET_KEY", " ")])).unwrap();
        assert_eq!(empty.select_key(None), Err(RequestError::MissingSecretKey));
        assert!(RequestError::MissingSecretKey
            .to_string()
            .contains("CLERK_MACHINE_SECRET_KEY"));
    }

    #[test]
    fn bad_base_urls_are_refused() {
        for url in [
            "api.clerk.com",
            "ftp://x",
            "https://x?a=1",
            "https://user:pw@x",
            "http://",
        ] {
            assert!(
                matches!(
                    Config::builder().base_url(url).build(),
                    Err(ConfigError::InvalidBaseUrl { .. })
                ),
                "{url}"
            );
        }
        assert!(Config::builder()
            .base_url("https://proxy.example/clerk/")
            .build()
            .is_ok());
    }

    #[test]
    fn prefix_and_version_are_checked() {
        let config = Config::builder().m2m_path_prefix("/v1/").build().unwrap();
        assert_eq!(
            config.m2m_url("/m2m_tokens"),
            "https://api.clerk.com/v1/m2m_tokens"
        );
        assert_eq!(
            Config::builder().m2m_path_prefix("v1").build().unwrap_err(),
            ConfigError::InvalidPathPrefix
        );
        assert_eq!(
            Config::builder().api_version("a\nb").build().unwrap_err(),
            ConfigError::InvalidApiVersion
        );
    }
}
