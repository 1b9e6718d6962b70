//! The answer to deleting a machine.

use serde::{Deserialize, Serialize};

fn default_object() -> String {
    crate::Machine::OBJECT.to_owned()
}

/// A machine just deleted: `{"object":"machine","id":"mch_…","deleted":true}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeletedMachine {
    /// Always `"machine"`.
    #[serde(default = "default_object")]
    pub object: String,
    /// The id of the deleted machine.
    pub id: String,
    /// Always `true`.
    pub deleted: bool,
}

impl DeletedMachine {
    /// The record of the deletion of machine `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            object: default_object(),
            id: id.into(),
            deleted: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let text = serde_json::to_string(&DeletedMachine::new("mch_a")).unwrap();
        assert_eq!(text, r#"{"object":"machine","id":"mch_a","deleted":true}"#);
        let parsed: DeletedMachine = serde_json::from_str(&text).unwrap();
        assert!(parsed.deleted);
    }
}
