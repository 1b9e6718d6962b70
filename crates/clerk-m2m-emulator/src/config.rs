//! The JSON config file of the binary (also usable from code).
//!
//! Every field is optional; unknown fields are an error (typos do not pass
//! silently). Example:
//!
//! ```json
//! {
//!   "port": 8787,
//!   "instance_id": "ins_local",
//!   "secret_key": "sk_test_local_instance_key",
//!   "signing_key_pem_file": "jwt-key.pem",
//!   "default_token_ttl_seconds": 3600,
//!   "rate_limit": {"requests": 1000, "window_seconds": 10},
//!   "machines": [
//!     {"name": "billing", "secret_key": "ak_test_billing", "scopes": ["reports"]},
//!     {"name": "reports", "scopes": ["billing"], "default_token_ttl_seconds": 600}
//!   ]
//! }
//! ```
//!
//! A relative `signing_key_pem_file` is read relative to the config file.

use crate::instance::MachineConfig;
use crate::rate_limit::RateLimit;
use crate::EmulatorError;
use clerk_m2m_types::SecretString;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An emulator configuration read from JSON. Apply it with
/// [`EmulatorBuilder::config`](crate::EmulatorBuilder::config).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmulatorConfig {
    #[serde(default)]
    host: Option<IpAddr>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    secret_key: Option<SecretString>,
    #[serde(default)]
    signing_key_pem_file: Option<PathBuf>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    default_token_ttl_seconds: Option<u64>,
    #[serde(default)]
    rate_limit: Option<RateLimitConfig>,
    #[serde(default)]
    machines: Vec<MachineConfig>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitConfig {
    requests: u32,
    window_seconds: u64,
}

/// The settings, unpacked for the builder.
pub(crate) struct ConfigParts {
    pub(crate) host: Option<IpAddr>,
    pub(crate) port: Option<u16>,
    pub(crate) instance_id: Option<String>,
    pub(crate) secret_key: Option<SecretString>,
    pub(crate) signing_key_pem_file: Option<PathBuf>,
    pub(crate) issuer: Option<String>,
    pub(crate) default_token_ttl: Option<Duration>,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) machines: Vec<MachineConfig>,
}

impl EmulatorConfig {
    /// Parses JSON text.
    pub fn from_json(text: &str) -> Result<Self, EmulatorError> {
        let config: Self = serde_json::from_str(text).map_err(|error| {
            EmulatorError::config(format!(
                "config file: {}",
                crate::state_file::describe_json_error(&error)
            ))
        })?;
        if let Some(limit) = config.rate_limit {
            if limit.requests == 0 || limit.window_seconds == 0 {
                return Err(EmulatorError::config(
                    "config file: rate_limit needs requests >= 1 and window_seconds >= 1 \
                     (leave rate_limit out for no limit)",
                ));
            }
        }
        Ok(config)
    }

    /// Reads and parses a JSON file; a relative `signing_key_pem_file` is
    /// taken relative to the file's folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, EmulatorError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Self::from_json(&text).map_err(|error| match error {
            EmulatorError::InvalidConfig { reason } => {
                EmulatorError::config(format!("{}: {reason}", path.display()))
            }
            other => other,
        })?;
        if let Some(pem) = &config.signing_key_pem_file {
            if pem.is_relative() {
                if let Some(folder) = path.parent() {
                    config.signing_key_pem_file = Some(folder.join(pem));
                }
            }
        }
        Ok(config)
    }

    pub(crate) fn into_parts(self) -> ConfigParts {
        ConfigParts {
            host: self.host,
            port: self.port,
            instance_id: self.instance_id,
            secret_key: self.secret_key,
            signing_key_pem_file: self.signing_key_pem_file,
            issuer: self.issuer,
            default_token_ttl: self.default_token_ttl_seconds.map(Duration::from_secs),
            rate_limit: self.rate_limit.map(|limit| {
                RateLimit::new(limit.requests, Duration::from_secs(limit.window_seconds))
            }),
            machines: self.machines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let text = r#"{
          "port": 8787,
          "instance_id": "ins_local",
          "secret_key": "sk_test_local_instance_key",
          "signing_key_pem_file": "jwt-key.pem",
          "default_token_ttl_seconds": 3600,
          "rate_limit": {"requests": 1000, "window_seconds": 10},
          "machines": [
            {"name": "billing", "secret_key": "ak_test_billing", "scopes": ["reports"]},
            {"name": "reports", "scopes": ["billing"], "default_token_ttl_seconds": 600}
          ]
        }"#;
        let parts = EmulatorConfig::from_json(text).unwrap().into_parts();
        assert_eq!(parts.port, Some(8787));
        assert_eq!(parts.machines.len(), 2);
        assert_eq!(
            parts.rate_limit,
            Some(RateLimit::new(1000, Duration::from_secs(10)))
        );
        assert!(!format!("{:?}", parts.secret_key).contains("local_instance_key"));
    }

    #[test]
    fn zero_rate_limits_are_refused() {
        for limit in [
            r#"{"requests": 0, "window_seconds": 10}"#,
            r#"{"requests": 5, "window_seconds": 0}"#,
        ] {
            let error =
                EmulatorConfig::from_json(&format!(r#"{{"rate_limit": {limit}}}"#)).unwrap_err();
            assert!(error.to_string().contains("requests >= 1"), "{error}");
        }
    }

    #[test]
    fn type_errors_do_not_echo_values() {
        let error = EmulatorConfig::from_json(r#"{"port": "sk_test_do_not_print"}"#).unwrap_err();
        assert!(!error.to_string().contains("do_not_print"), "{error}");
    }

    #[test]
    fn unknown_fields_are_errors() {
        let error = EmulatorConfig::from_json(r#"{"machnies": []}"#).unwrap_err();
        assert!(error.to_string().contains("machnies"), "{error}");
        let error =
            EmulatorConfig::from_json(r#"{"machines": [{"name": "a", "scope": []}]}"#).unwrap_err();
        assert!(error.to_string().contains("scope"), "{error}");
    }
}
