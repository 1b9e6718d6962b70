//! The M2M token object (`"object": "machine_to_machine_token"`).

use super::lenient;
use crate::SecretString;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

fn default_object() -> String {
    M2mToken::OBJECT.to_owned()
}

/// A machine-to-machine token as the Backend API describes it.
///
/// Timestamps are Unix milliseconds, as on the wire; the `*_time` accessors
/// convert them. [`token`](Self::token) is present only on the response to a
/// create call. `Debug` never shows the token value.
///
/// Serializing writes the API's snake_case shape, every field the API marks
/// as required included (nulls too), and `token` only when present.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct M2mToken {
    /// Always `"machine_to_machine_token"`.
    #[serde(default = "default_object")]
    pub object: String,
    /// The token id, `mt_` and 32 hex digits (a JWT's `jti`).
    pub id: String,
    /// The machine that owns the token (`mch_…`).
    pub subject: String,
    /// The machines this token may call (`mch_…`); empty when absent.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub scopes: Vec<String>,
    /// Custom claims given at creation (a JSON object), or `None`.
    #[serde(default)]
    pub claims: Option<serde_json::Value>,
    /// The token value itself: only on the response to a create call.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "SecretString::serialize_exposed_option"
    )]
    pub token: Option<SecretString>,
    /// Whether the token was revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Why it was revoked, if a reason was given.
    #[serde(default)]
    pub revocation_reason: Option<String>,
    /// Whether the token has expired.
    #[serde(default)]
    pub expired: bool,
    /// Expiry in Unix milliseconds; `None` means it never expires.
    #[serde(default, deserialize_with = "lenient::optional_integer")]
    pub expiration: Option<i64>,
    /// Last successful verification in Unix milliseconds, if any.
    #[serde(default, deserialize_with = "lenient::optional_integer")]
    pub last_used_at: Option<i64>,
    /// Creation time in Unix milliseconds.
    #[serde(deserialize_with = "lenient::integer")]
    pub created_at: i64,
    /// Last update in Unix milliseconds.
    #[serde(deserialize_with = "lenient::integer")]
    pub updated_at: i64,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

impl M2mToken {
    /// The value of the `object` field.
    pub const OBJECT: &'static str = "machine_to_machine_token";

    /// A token with the given id, subject and creation time, nothing else set.
    ///
    /// The models are `#[non_exhaustive]`, so this and the public fields are
    /// how code outside this crate (an emulator, a local JWT verifier, a
    /// test) builds one.
    pub fn new(id: impl Into<String>, subject: impl Into<String>, created_at_ms: i64) -> Self {
        Self {
            object: default_object(),
            id: id.into(),
            subject: subject.into(),
            scopes: Vec::new(),
            claims: None,
            token: None,
            revoked: false,
            revocation_reason: None,
            expired: false,
            expiration: None,
            last_used_at: None,
            created_at: created_at_ms,
            updated_at: created_at_ms,
        }
    }

    /// Expiry as a `SystemTime`; `None` if the token never expires.
    pub fn expiration_time(&self) -> Option<SystemTime> {
        self.expiration.map(super::millis_to_system_time)
    }

    /// Creation time as a `SystemTime`.
    pub fn created_at_time(&self) -> SystemTime {
        super::millis_to_system_time(self.created_at)
    }

    /// The token value to send as `Authorization: Bearer …`: present only on
    /// the answer to a create. Keep it out of logs.
    pub fn token_value(&self) -> Option<&str> {
        self.token.as_ref().map(SecretString::expose_secret)
    }

    /// Whether this machine token lists `machine_id` among the machines it may call.
    pub fn has_scope(&self, machine_id: &str) -> bool {
        self.scopes.iter().any(|scope| scope == machine_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{
        "object": "machine_to_machine_token",
        "id": "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e",
        "subject": "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
        "claims": {"role": "reader"},
        "scopes": ["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"],
        "token": "mt_secret_value",
        "revoked": false,
        "revocation_reason": null,
        "expired": false,
        "expiration": 1716883200000.0,
        "last_used_at": null,
        "created_at": 1716879600000,
        "updated_at": 1716879600000,
        "a_field_from_the_future": {"x": 1}
    }"#;

    #[test]
    fn parses_every_field_and_ignores_unknown_ones() {
        let token: M2mToken = serde_json::from_str(FULL).unwrap();
        assert_eq!(token.id, "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e");
        assert_eq!(token.expiration, Some(1_716_883_200_000));
        assert_eq!(token.claims.as_ref().unwrap()["role"], "reader");
        assert!(token.has_scope("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"));
        assert_eq!(
            token.token.as_ref().unwrap().expose_secret(),
            "mt_secret_value"
        );
        assert!(!format!("{token:?}").contains("mt_secret_value"));
    }

    #[test]
    fn serializes_required_nulls() {
        let token = M2mToken::new("mt_f7f0ba8c3b4843ce7d85fcdd5e71853e", "mch_x", 1);
        let json = serde_json::to_value(&token).unwrap();
        for field in ["revocation_reason", "expiration", "last_used_at", "claims"] {
            assert!(json[field].is_null(), "{field} must be an explicit null");
            assert!(json.get(field).is_some(), "{field} must be present");
        }
        assert!(json.get("token").is_none());
        assert_eq!(json["scopes"], serde_json::json!([]));
    }

    #[test]
    fn missing_optional_fields_default() {
        let token: M2mToken = serde_json::from_str(
            r#"{"id":"mt_1","subject":"mch_1","created_at":1,"updated_at":2,"scopes":null}"#,
        )
        .unwrap();
        assert!(token.scopes.is_empty());
        assert_eq!(token.object, M2mToken::OBJECT);
        assert_eq!(token.expiration_time(), None);
    }
}
