//! A string that never shows itself, and is wiped from memory when dropped.

use std::fmt;
use zeroize::Zeroize;

/// A secret value: a secret key (`ak_…`, `sk_…`) or a token value.
///
/// - `Debug` prints `SecretString([redacted])` and there is no `Display`,
///   so a secret cannot reach a log line by accident. Read it with
///   [`expose_secret`](Self::expose_secret).
/// - Its memory is overwritten with zeros when it is dropped (best effort:
///   copies made by code that read the secret, e.g. an HTTP library's
///   buffers, are out of reach).
/// - It does not implement `Serialize`: a struct that must write a secret
///   on purpose (a created token answered by an emulator or printed by a
///   CLI) says so with
///   `#[serde(serialize_with = "SecretString::serialize_exposed")]` (or
///   [`serialize_exposed_option`](Self::serialize_exposed_option)). It does
///   implement `Deserialize`, to read secrets from answers.
///
/// ```
/// use clerk_m2m_types::SecretString;
///
/// #[derive(serde::Serialize)]
/// struct Created {
///     #[serde(serialize_with = "SecretString::serialize_exposed")]
///     token: SecretString,
/// }
///
/// let created = Created { token: SecretString::new("mt_example") };
/// assert_eq!(serde_json::to_string(&created)?, r#"{"token":"mt_example"}"#);
/// assert_eq!(format!("{:?}", created.token), "SecretString([redacted])");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Box<str>);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        let mut value: String = value.into();
        // Copy into an allocation of the exact size and wipe the original
        // buffer: shrinking it in place could leave a copy behind.
        let secret = Self(Box::from(value.as_str()));
        value.zeroize();
        secret
    }

    /// The secret itself. Call this only where the value must leave the
    /// process (an `Authorization` header, a token handed to a peer).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret starts with `prefix` (e.g. `"sk_"`), without exposing it.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.0.starts_with(prefix)
    }

    /// Writes the secret itself, for
    /// `#[serde(serialize_with = "SecretString::serialize_exposed")]` on a
    /// field that is meant to carry it (e.g. the `token` of a created token).
    pub fn serialize_exposed<S: serde::Serializer>(
        secret: &SecretString,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose_secret())
    }

    /// [`serialize_exposed`](Self::serialize_exposed) for an
    /// `Option<SecretString>` field (`None` is written as `null`).
    pub fn serialize_exposed_option<S: serde::Serializer>(
        secret: &Option<SecretString>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match secret {
            Some(secret) => serializer.serialize_some(secret.expose_secret()),
            None => serializer.serialize_none(),
        }
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let secret = SecretString::new("ak_sentinel");
        assert!(!format!("{secret:?}").contains("sentinel"));
        assert_eq!(secret.expose_secret(), "ak_sentinel");
        assert!(secret.has_prefix("ak_"));
    }

    #[test]
    fn serializing_the_value_takes_an_explicit_opt_in() {
        #[derive(serde::Serialize)]
        struct Wire {
            #[serde(serialize_with = "SecretString::serialize_exposed")]
            key: SecretString,
            #[serde(serialize_with = "SecretString::serialize_exposed_option")]
            token: Option<SecretString>,
            #[serde(serialize_with = "SecretString::serialize_exposed_option")]
            none: Option<SecretString>,
        }
        let wire = Wire {
            key: SecretString::new("ak_x"),
            token: Some(SecretString::new("mt_y")),
            none: None,
        };
        assert_eq!(
            serde_json::to_string(&wire).unwrap(),
            r#"{"key":"ak_x","token":"mt_y","none":null}"#
        );
        let read: SecretString = serde_json::from_str(r#""mt_z""#).unwrap();
        assert_eq!(read.expose_secret(), "mt_z");
    }
}
