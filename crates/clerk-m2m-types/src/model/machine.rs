//! The machine object (`"object": "machine"`).

use super::lenient;
use crate::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

fn default_object() -> String {
    Machine::OBJECT.to_owned()
}

/// A machine: a server or service that creates M2M tokens with its secret
/// key, and may call the machines in its scopes.
///
/// Times are the API's integers as sent (`created_at`, `updated_at`: Unix
/// milliseconds, as every Backend API time; the spec says only "Unix
/// timestamp", so this is UNCONFIRMED and they are kept as numbers).
/// [`secret_key`](Self::secret_key) is present only on the answer to a
/// create call; `Debug` never shows it. Unknown fields are ignored.
///
/// Serializing writes the API's snake_case shape; `default_token_ttl` and
/// `secret_key` only when present.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Machine {
    /// Always `"machine"`.
    #[serde(default = "default_object")]
    pub object: String,
    /// The machine id, `mch_` and 27 word characters.
    pub id: String,
    /// Its name, 1–255 characters.
    pub name: String,
    /// The instance it belongs to (`ins_…`).
    pub instance_id: String,
    /// Creation time (an integer; see the type's docs for the unit).
    #[serde(deserialize_with = "lenient::integer")]
    pub created_at: i64,
    /// Last update (an integer; see the type's docs for the unit).
    #[serde(deserialize_with = "lenient::integer")]
    pub updated_at: i64,
    /// Lifetime in seconds of the tokens it creates without an explicit one;
    /// `None` when the API leaves it out (its default is 3600).
    #[serde(
        default,
        deserialize_with = "optional_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_token_ttl: Option<u64>,
    /// The machines it may call (empty when none, or when the API leaves the
    /// field out).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub scoped_machines: Vec<ScopedMachine>,
    /// Its secret key (`ak_…`): only in the answer to a create call.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "SecretString::serialize_exposed_option"
    )]
    pub secret_key: Option<SecretString>,
}

/// A machine listed in another's `scoped_machines`: the machine object
/// without scopes of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScopedMachine {
    /// Always `"machine"`.
    #[serde(default = "default_object")]
    pub object: String,
    /// The machine id (`mch_…`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The instance it belongs to (`ins_…`).
    pub instance_id: String,
    /// Creation time, as [`Machine::created_at`].
    #[serde(deserialize_with = "lenient::integer")]
    pub created_at: i64,
    /// Last update, as [`Machine::updated_at`].
    #[serde(deserialize_with = "lenient::integer")]
    pub updated_at: i64,
    /// As [`Machine::default_token_ttl`].
    #[serde(
        default,
        deserialize_with = "optional_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_token_ttl: Option<u64>,
}

fn optional_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    lenient::optional_integer(deserializer)?
        .map(|value| {
            u64::try_from(value).map_err(|_| {
                serde::de::Error::custom(format_args!("expected seconds, found {value}"))
            })
        })
        .transpose()
}

fn null_as_empty<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ScopedMachine>, D::Error> {
    Ok(Option::<Vec<ScopedMachine>>::deserialize(deserializer)?.unwrap_or_default())
}

impl Machine {
    /// The value of the `object` field.
    pub const OBJECT: &'static str = "machine";

    /// A machine with the given id, name, instance and creation time (also
    /// its update time), no scopes, no key, the TTL left out.
    ///
    /// The models are `#[non_exhaustive]`, so this and the public fields are
    /// how code outside this crate (an emulator, a test) builds one.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        instance_id: impl Into<String>,
        created_at: i64,
    ) -> Self {
        Self {
            object: default_object(),
            id: id.into(),
            name: name.into(),
            instance_id: instance_id.into(),
            created_at,
            updated_at: created_at,
            default_token_ttl: None,
            scoped_machines: Vec::new(),
            secret_key: None,
        }
    }

    /// This machine as it appears in another's `scoped_machines`.
    pub fn to_scoped(&self) -> ScopedMachine {
        ScopedMachine {
            object: self.object.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
            instance_id: self.instance_id.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            default_token_ttl: self.default_token_ttl,
        }
    }

    /// The ids of the machines this one may call.
    pub fn scoped_machine_ids(&self) -> impl Iterator<Item = &str> {
        self.scoped_machines.iter().map(|scoped| scoped.id.as_str())
    }

    /// Whether this machine may call `machine_id`.
    pub fn has_scope(&self, machine_id: &str) -> bool {
        self.scoped_machine_ids().any(|id| id == machine_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field the spec lists, a nested machine, and fields from the future.
    const FULL: &str = r#"{
        "object": "machine",
        "id": "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
        "name": "billing-worker",
        "instance_id": "ins_2abcdefghijklmnopqrstuvwxyz",
        "created_at": 1716879600000,
        "updated_at": 1716879700000.0,
        "default_token_ttl": 7200,
        "scoped_machines": [{
            "object": "machine",
            "id": "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em",
            "name": "billing-api",
            "instance_id": "ins_2abcdefghijklmnopqrstuvwxyz",
            "created_at": 1716879500000,
            "updated_at": 1716879500000,
            "default_token_ttl": 3600,
            "a_nested_field_from_the_future": 1
        }],
        "secret_key": "ak_test_sentinel",
        "a_field_from_the_future": {"x": 1}
    }"#;

    #[test]
    fn parses_every_field_and_ignores_unknown_ones() {
        let machine: Machine = serde_json::from_str(FULL).unwrap();
        assert_eq!(machine.id, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
        assert_eq!(machine.updated_at, 1_716_879_700_000);
        assert_eq!(machine.default_token_ttl, Some(7200));
        assert!(machine.has_scope("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"));
        assert_eq!(machine.scoped_machines[0].name, "billing-api");
        assert_eq!(
            machine.secret_key.as_ref().unwrap().expose_secret(),
            "ak_test_sentinel"
        );
        assert!(!format!("{machine:?}").contains("sentinel"));
    }

    #[test]
    fn optional_fields_may_be_absent() {
        let machine: Machine = serde_json::from_str(
            r#"{"id":"mch_1","name":"n","instance_id":"ins_1","created_at":1,"updated_at":2}"#,
        )
        .unwrap();
        assert_eq!(machine.object, Machine::OBJECT);
        assert_eq!(machine.default_token_ttl, None);
        assert!(machine.scoped_machines.is_empty());
        let machine: Machine = serde_json::from_str(
            r#"{"id":"mch_1","name":"n","instance_id":"ins_1","created_at":1,"updated_at":2,"scoped_machines":null,"default_token_ttl":null}"#,
        )
        .unwrap();
        assert!(machine.scoped_machines.is_empty());
        assert!(serde_json::from_str::<Machine>(
            r#"{"id":"mch_1","name":"n","instance_id":"ins_1","created_at":1,"updated_at":2,"default_token_ttl":-1}"#
        )
        .is_err());
    }

    #[test]
    fn serializes_the_api_shape() {
        let mut machine = Machine::new("mch_a", "a", "ins_1", 5);
        let json = serde_json::to_value(&machine).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"object":"machine","id":"mch_a","name":"a","instance_id":"ins_1",
                "created_at":5,"updated_at":5,"scoped_machines":[]})
        );
        let other = Machine::new("mch_b", "b", "ins_1", 6);
        machine.scoped_machines.push(other.to_scoped());
        machine.default_token_ttl = Some(60);
        machine.secret_key = Some(SecretString::new("ak_value"));
        let text = serde_json::to_string(&machine).unwrap();
        assert!(text.ends_with(r#""default_token_ttl":60,"scoped_machines":[{"object":"machine","id":"mch_b","name":"b","instance_id":"ins_1","created_at":6,"updated_at":6}],"secret_key":"ak_value"}"#), "{text}");
        let back: Machine = serde_json::from_str(&text).unwrap();
        assert_eq!(back, machine);
    }
}
