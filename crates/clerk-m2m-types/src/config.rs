//! Where to send calls and with which keys.

use crate::error::{ConfigError, RequestError};
use crate::SecretString;

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

/// Client configuration: base URL, keys, API version and path prefix.
///
/// Build one with [`Config::builder`] or [`Config::from_env`]. `Debug` never
/// shows a key.
#[derive(Clone, Debug)]
pub struct Config {
    base_url: String,
    machine_secret_key: Option<SecretString>,
    secret_key: Option<SecretString>,
    api_version: String,
    m2m_path_prefix: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            machine_secret_key: None,
            secret_key: None,
            api_version: DEFAULT_API_VERSION.to_owned(),
            m2m_path_prefix: String::new(),
        }
    }
}

impl Config {
    /// A builder starting from the defaults (no keys).
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY` and `CLERK_SECRET_KEY`
    /// from the process environment. Unset or empty variables are ignored.
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
        }
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The `Clerk-API-Version` header value.
    pub fn api_version(&self) -> &str {
        &self.api_version
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
        format!("{}{}{}", self.base_url, self.m2m_path_prefix, path)
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
#[derive(Clone, Debug, Default)]
pub struct ConfigBuilder {
    base_url: Option<String>,
    machine_secret_key: Option<SecretString>,
    secret_key: Option<SecretString>,
    api_version: Option<String>,
    m2m_path_prefix: Option<String>,
}

impl ConfigBuilder {
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

    /// Fills unset values from `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY` and
    /// `CLERK_SECRET_KEY` read through `lookup`; empty values count as unset.
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
        if http::HeaderValue::from_str(&api_version).is_err() {
            return Err(ConfigError::InvalidApiVersion);
        }
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
            m2m_path_prefix,
        })
    }
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
