//! What makes two creates the same, so that they share one cached token.

use crate::{CreateTokenParams, SecretString, TokenFormat};
use serde_json::Value;
use std::fmt;
use std::hash::{Hash, Hasher};

/// What makes two creates interchangeable: the same per-call key (or none:
/// the client's), format, claims, lifetime and `min_remaining_ttl_seconds`.
///
/// Claims compare as JSON values, so their key order does not matter. The
/// key is compared and hashed (into the map's randomly keyed hasher) but
/// never shown: `Debug` prints it as `[redacted]`.
///
/// ```
/// use clerk_m2m_types::driver::token_cache::CreateKey;
/// use clerk_m2m_types::CreateTokenParams;
/// use serde_json::json;
///
/// let reader = CreateTokenParams::new().claims(json!({"role": "reader", "tenant": 1}));
/// let same = CreateTokenParams::new().claims(json!({"tenant": 1, "role": "reader"}));
/// let writer = CreateTokenParams::new().claims(json!({"role": "writer", "tenant": 1}));
/// assert_eq!(CreateKey::of(&reader), CreateKey::of(&same));
/// assert_ne!(CreateKey::of(&reader), CreateKey::of(&writer));
///
/// let keyed = CreateTokenParams::new().machine_secret_key("ak_test_doc_only");
/// assert!(!format!("{:?}", CreateKey::of(&keyed)).contains("ak_test"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CreateKey {
    key: Option<SecretString>,
    format: TokenFormat,
    /// Canonical JSON: object keys sorted at every depth.
    claims: Option<String>,
    lifetime: Option<u64>,
    min_remaining_ttl: Option<u64>,
}

impl CreateKey {
    /// The key of the create `params` describe.
    pub fn of(params: &CreateTokenParams) -> Self {
        Self {
            key: params.key_override().cloned(),
            format: params.format().clone(),
            claims: params
                .claims_value()
                .map(|claims| canonical(claims).to_string()),
            lifetime: params.lifetime_seconds(),
            min_remaining_ttl: params.min_remaining_ttl(),
        }
    }
}

impl Hash for CreateKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key
            .as_ref()
            .map(SecretString::expose_secret)
            .hash(state);
        self.format.hash(state);
        self.claims.hash(state);
        self.lifetime.hash(state);
        self.min_remaining_ttl.hash(state);
    }
}

impl fmt::Debug for CreateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateKey")
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .field("format", &self.format)
            .field("claims", &self.claims)
            .field("lifetime", &self.lifetime)
            .field("min_remaining_ttl", &self.min_remaining_ttl)
            .finish()
    }
}

/// `value` with every object's keys in sorted order.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key.clone(), canonical(value)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_part_of_a_create_makes_a_distinct_key() {
        let base = || {
            CreateTokenParams::new()
                .seconds_until_expiration(600)
                .claims(json!({"aud": "billing", "nested": {"b": 1, "a": [2, {"y": 1, "x": 0}]}}))
        };
        let key = CreateKey::of(&base());
        let reordered = CreateTokenParams::new()
            .claims(json!({"nested": {"a": [2, {"x": 0, "y": 1}], "b": 1}, "aud": "billing"}))
            .seconds_until_expiration(600);
        assert_eq!(CreateKey::of(&reordered), key);
        let variants = [
            base().machine_secret_key("ak_test_other_only"),
            base().token_format(TokenFormat::Jwt),
            base().claims(json!({"aud": "search"})),
            base().seconds_until_expiration(601),
            base().min_remaining_ttl_seconds(60),
            CreateTokenParams::new()
                .seconds_until_expiration(600)
                .claims(json!({"aud": "billing", "nested": {"b": 1, "a": [{"y": 1, "x": 0}, 2]}})),
        ];
        for variant in &variants {
            assert_ne!(CreateKey::of(variant), key, "{variant:?}");
        }
        let distinct: std::collections::HashSet<_> =
            variants.iter().map(CreateKey::of).chain([key]).collect();
        assert_eq!(distinct.len(), variants.len() + 1);
    }

    #[test]
    fn two_keys_differ_without_either_being_shown() {
        let one = CreateKey::of(&CreateTokenParams::new().machine_secret_key("ak_test_one_x"));
        let two = CreateKey::of(&CreateTokenParams::new().machine_secret_key("ak_test_two_x"));
        assert_ne!(one, two);
        let shown = format!("{one:?} {two:?}");
        assert!(!shown.contains("ak_test"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }
}
