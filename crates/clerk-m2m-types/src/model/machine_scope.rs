//! Scope records (`"object": "machine_scope"`): machine A may call machine B.

use super::lenient;
use serde::{Deserialize, Serialize};

fn default_object() -> String {
    MachineScope::OBJECT.to_owned()
}

/// A scope just added: `from_machine_id` may now call `to_machine_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MachineScope {
    /// Always `"machine_scope"`.
    #[serde(default = "default_object")]
    pub object: String,
    /// The machine that may call (`mch_…`).
    pub from_machine_id: String,
    /// The machine it may call (`mch_…`).
    pub to_machine_id: String,
    /// When the scope was added (an integer, as [`Machine::created_at`](crate::Machine::created_at)).
    #[serde(deserialize_with = "lenient::integer")]
    pub created_at: i64,
}

impl MachineScope {
    /// The value of the `object` field.
    pub const OBJECT: &'static str = "machine_scope";

    /// A scope record from its parts.
    pub fn new(
        from_machine_id: impl Into<String>,
        to_machine_id: impl Into<String>,
        created_at: i64,
    ) -> Self {
        Self {
            object: default_object(),
            from_machine_id: from_machine_id.into(),
            to_machine_id: to_machine_id.into(),
            created_at,
        }
    }
}

/// A scope just removed: `from_machine_id` may no longer call `to_machine_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeletedMachineScope {
    /// Always `"machine_scope"`.
    #[serde(default = "default_object")]
    pub object: String,
    /// The machine that could call (`mch_…`).
    pub from_machine_id: String,
    /// The machine it could call (`mch_…`).
    pub to_machine_id: String,
    /// Always `true`.
    pub deleted: bool,
}

impl DeletedMachineScope {
    /// The record of a removed scope.
    pub fn new(from_machine_id: impl Into<String>, to_machine_id: impl Into<String>) -> Self {
        Self {
            object: default_object(),
            from_machine_id: from_machine_id.into(),
            to_machine_id: to_machine_id.into(),
            deleted: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_records_round_trip() {
        let added = MachineScope::new("mch_a", "mch_b", 7);
        let text = serde_json::to_string(&added).unwrap();
        assert_eq!(
            text,
            r#"{"object":"machine_scope","from_machine_id":"mch_a","to_machine_id":"mch_b","created_at":7}"#
        );
        assert_eq!(serde_json::from_str::<MachineScope>(&text).unwrap(), added);
        let removed = DeletedMachineScope::new("mch_a", "mch_b");
        let text = serde_json::to_string(&removed).unwrap();
        assert_eq!(
            text,
            r#"{"object":"machine_scope","from_machine_id":"mch_a","to_machine_id":"mch_b","deleted":true}"#
        );
        assert_eq!(
            serde_json::from_str::<DeletedMachineScope>(&text).unwrap(),
            removed
        );
    }
}
