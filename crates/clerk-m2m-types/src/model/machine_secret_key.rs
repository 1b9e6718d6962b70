//! A machine's secret key (`"object": "machine_secret_key"`).

use crate::SecretString;
use serde::{Deserialize, Serialize};

fn default_object() -> String {
    MachineSecretKey::OBJECT.to_owned()
}

/// A machine's secret key, as read or just minted by a rotation.
/// `Debug` never shows it; serializing writes it (the API's shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MachineSecretKey {
    /// Always `"machine_secret_key"`.
    #[serde(default = "default_object")]
    pub object: String,
    /// The key, `ak_…`.
    #[serde(serialize_with = "SecretString::serialize_exposed")]
    pub secret: SecretString,
}

impl MachineSecretKey {
    /// The value of the `object` field.
    pub const OBJECT: &'static str = "machine_secret_key";

    /// Wraps a key.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Self {
            object: default_object(),
            secret: secret.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_redacts() {
        let key: MachineSecretKey = serde_json::from_str(
            r#"{"object":"machine_secret_key","secret":"ak_test_sentinel","x":1}"#,
        )
        .unwrap();
        assert_eq!(key.secret.expose_secret(), "ak_test_sentinel");
        assert!(!format!("{key:?}").contains("sentinel"));
        assert_eq!(
            serde_json::to_string(&MachineSecretKey::new("ak_v")).unwrap(),
            r#"{"object":"machine_secret_key","secret":"ak_v"}"#
        );
        assert!(
            serde_json::from_str::<MachineSecretKey>(r#"{"object":"machine_secret_key"}"#).is_err()
        );
    }
}
