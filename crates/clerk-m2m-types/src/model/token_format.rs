//! The `token_format` of a token: opaque or JWT.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How a created token is encoded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenFormat {
    /// An opaque `mt_…` value, verified through the Backend API (the default).
    #[default]
    Opaque,
    /// A signed JWT (RS256), verifiable locally without a network call.
    Jwt,
    /// A value this version does not know; kept as sent.
    Unknown(String),
}

impl TokenFormat {
    /// The wire spelling: `"opaque"`, `"jwt"`, or the unknown value as received.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Opaque => "opaque",
            Self::Jwt => "jwt",
            Self::Unknown(value) => value,
        }
    }
}

impl From<&str> for TokenFormat {
    fn from(value: &str) -> Self {
        match value {
            "opaque" => Self::Opaque,
            "jwt" => Self::Jwt,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for TokenFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TokenFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Ok(Self::from(value.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_kept() {
        let format: TokenFormat = serde_json::from_str(r#""paseto""#).unwrap();
        assert_eq!(format, TokenFormat::Unknown("paseto".into()));
        assert_eq!(serde_json::to_string(&format).unwrap(), r#""paseto""#);
        assert_eq!(
            serde_json::to_string(&TokenFormat::Jwt).unwrap(),
            r#""jwt""#
        );
    }
}
