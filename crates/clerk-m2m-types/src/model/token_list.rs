//! A page of tokens from the list call.

use super::{lenient, M2mToken};
use serde::{Deserialize, Serialize};

/// One page of tokens and the total number matching the filters.
///
/// The API answers `{"m2m_tokens": […], "total_count": N}`; `{"data": […]}`
/// is accepted too, since the endpoint may move to that shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct M2mTokenList {
    /// The tokens on this page, newest first.
    #[serde(rename = "m2m_tokens", alias = "data")]
    pub tokens: Vec<M2mToken>,
    /// How many tokens match the filters in all.
    #[serde(deserialize_with = "lenient::unsigned")]
    pub total_count: u64,
}

impl M2mTokenList {
    /// A list page from its parts.
    pub fn new(tokens: Vec<M2mToken>, total_count: u64) -> Self {
        Self {
            tokens,
            total_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_parse() {
        let item = r#"{"id":"mt_1","subject":"mch_1","created_at":1,"updated_at":1}"#;
        for key in ["m2m_tokens", "data"] {
            let json = format!(r#"{{"{key}":[{item}],"total_count":7.0}}"#);
            let list: M2mTokenList = serde_json::from_str(&json).unwrap();
            assert_eq!(list.tokens.len(), 1);
            assert_eq!(list.total_count, 7);
        }
    }
}
