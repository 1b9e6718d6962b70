//! A string that never shows itself in `Debug` or `Display`.

use std::fmt;

/// A secret value: a secret key (`ak_…`, `sk_…`) or a token value.
///
/// `Debug` prints `SecretString([redacted])` and there is no `Display`, so a
/// secret cannot reach a log line by accident. Read it with
/// [`expose_secret`](Self::expose_secret). Serialization (used to answer API
/// calls and to print a freshly created token on purpose) writes the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Box<str>);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().into_boxed_str())
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

impl serde::Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
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
}
