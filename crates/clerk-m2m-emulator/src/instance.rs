//! The emulated instance: its id and secret key, its signing key and its machines.

use crate::signing::SigningKey;
use crate::{ids, EmulatorError};
use clerk_m2m_types::SecretString;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The default lifetime of a token created without `seconds_until_expiration`
/// (and of any JWT created without a number): one hour.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// One machine to emulate, as the builder or a config file describes it.
///
/// Everything but the name is optional: a missing id (`mch_…`) or machine
/// secret key (`ak_test_…`) is generated. `scopes` lists the machines this
/// one may call, by name or by `mch_…` id.
///
/// In a JSON config file:
/// `{"name": "billing", "scopes": ["reports"], "default_token_ttl_seconds": 600}`
/// (optional `"id"` and `"secret_key"` too).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineConfig {
    name: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    secret_key: Option<SecretString>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    default_token_ttl_seconds: Option<u64>,
}

impl MachineConfig {
    /// A machine with this name (a local label, unique in the instance).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Uses this machine id instead of a generated one (`^mch_\w{27}$`).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Uses this machine secret key instead of a generated one (must start `ak_`).
    pub fn secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// Adds a machine this one may call (a name or an `mch_…` id).
    pub fn scope(mut self, machine: impl Into<String>) -> Self {
        self.scopes.push(machine.into());
        self
    }

    /// The lifetime of tokens created without `seconds_until_expiration`
    /// (default: the builder's, one hour unless changed). Whole seconds, > 0.
    pub fn default_token_ttl(mut self, ttl: Duration) -> Self {
        self.default_token_ttl_seconds = Some(ttl.as_secs());
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A machine of a running emulator: what a client needs to act as it.
///
/// Cheap to clone (shared). `Debug` never shows the secret key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine(Arc<MachineData>);

/// What a [`Machine`] holds; the machine store builds changed copies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MachineData {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) secret_key: SecretString,
    pub(crate) scopes: Vec<String>,
    pub(crate) default_token_ttl: Duration,
}

impl Machine {
    pub(crate) fn from_data(data: MachineData) -> Self {
        Self(Arc::new(data))
    }

    /// A copy of this machine with `change` applied.
    pub(crate) fn changed(&self, change: impl FnOnce(&mut MachineData)) -> Self {
        let mut data = MachineData::clone(&self.0);
        change(&mut data);
        Self::from_data(data)
    }

    /// The local name given in the configuration (e.g. `machine-a`).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The machine id, `mch_…`: a token's `subject`.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The machine secret key (`ak_…`) to create tokens and verify others'.
    pub fn secret_key(&self) -> &SecretString {
        &self.0.secret_key
    }

    /// The ids of the machines this machine may call: its tokens' `scopes`.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// Whether this machine may call the machine `machine_id` (it is in its scopes).
    pub(crate) fn may_call(&self, machine_id: &str) -> bool {
        self.0.scopes.iter().any(|scope| scope == machine_id)
    }

    /// The lifetime of its tokens created without `seconds_until_expiration`.
    pub fn default_token_ttl(&self) -> Duration {
        self.0.default_token_ttl
    }
}

/// What the builder hands over to resolve an instance.
pub(crate) struct InstanceSpec {
    pub(crate) id: Option<String>,
    pub(crate) secret_key: Option<SecretString>,
    pub(crate) machines: Vec<MachineConfig>,
    pub(crate) default_token_ttl: Duration,
    pub(crate) signing_key: SigningKey,
    pub(crate) issuer: String,
    /// The machines come from a state document: they may have been
    /// created through the Machines API, so names are kept exactly and may
    /// repeat (scopes there are ids, never names), and none at all is
    /// allowed (every machine deleted).
    pub(crate) from_state: bool,
}

/// A resolved instance: every id and key known and checked.
pub(crate) struct Instance {
    pub(crate) id: String,
    pub(crate) secret_key: SecretString,
    pub(crate) machines: Vec<Machine>,
    pub(crate) signing_key: SigningKey,
    pub(crate) issuer: String,
    by_id: HashMap<String, usize>,
}

fn default_machines() -> Vec<MachineConfig> {
    vec![
        MachineConfig::new("machine-a").scope("machine-b"),
        MachineConfig::new("machine-b").scope("machine-a"),
    ]
}

fn valid_key_text(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|byte| byte.is_ascii_graphic())
}

impl Instance {
    pub(crate) fn resolve(spec: InstanceSpec) -> Result<Self, EmulatorError> {
        let id = match spec.id {
            Some(id) if ids::is_instance_id(&id) => id,
            Some(id) => {
                return Err(EmulatorError::config(format!(
                    "instance id {id:?} must be `ins_` followed by word characters"
                )))
            }
            None => ids::instance_id(),
        };
        let secret_key = match spec.secret_key {
            Some(key) if key.has_prefix("sk_") && valid_key_text(key.expose_secret()) => key,
            Some(_) => {
                return Err(EmulatorError::config(
                    "the instance secret key must start with `sk_` (e.g. sk_test_…) and contain no spaces",
                ))
            }
            None => SecretString::new(ids::instance_secret_key()),
        };
        if spec.default_token_ttl.as_secs() == 0 {
            return Err(EmulatorError::config(
                "the default token lifetime must be at least one second",
            ));
        }
        let configs = if spec.machines.is_empty() && !spec.from_state {
            default_machines()
        } else {
            spec.machines
        };

        // First pass: names, ids and keys.
        let mut machines: Vec<MachineData> = Vec::with_capacity(configs.len());
        let mut by_key = HashMap::new();
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        for (index, config) in configs.iter().enumerate() {
            let name = if spec.from_state {
                config.name.as_str()
            } else {
                config.name.trim()
            };
            if name.is_empty() {
                return Err(EmulatorError::config("every machine needs a name"));
            }
            if by_name.insert(name.to_owned(), index).is_some() && !spec.from_state {
                return Err(EmulatorError::config(format!(
                    "two machines are named {name:?}"
                )));
            }
            let machine_id = match &config.id {
                Some(machine_id) if ids::is_machine_id(machine_id) => machine_id.clone(),
                Some(machine_id) => {
                    return Err(EmulatorError::config(format!(
                        "machine {name:?}: id {machine_id:?} must be `mch_` followed by 27 word characters"
                    )))
                }
                None => ids::machine_id(),
            };
            if by_id.insert(machine_id.clone(), index).is_some() {
                return Err(EmulatorError::config(format!(
                    "two machines have the id {machine_id}"
                )));
            }
            let key = match &config.secret_key {
                Some(key) if key.has_prefix("ak_") && valid_key_text(key.expose_secret()) => {
                    key.clone()
                }
                Some(_) => {
                    return Err(EmulatorError::config(format!(
                    "machine {name:?}: its secret key must start with `ak_` and contain no spaces"
                )))
                }
                None => SecretString::new(ids::machine_secret_key()),
            };
            if key == secret_key
                || by_key
                    .insert(key.expose_secret().to_owned(), index)
                    .is_some()
            {
                return Err(EmulatorError::config(format!(
                    "machine {name:?}: its secret key is already used by another machine"
                )));
            }
            let ttl = match config.default_token_ttl_seconds {
                Some(0) => {
                    return Err(EmulatorError::config(format!(
                        "machine {name:?}: the default token lifetime must be at least one second"
                    )))
                }
                Some(seconds) => Duration::from_secs(seconds),
                None => spec.default_token_ttl,
            };
            machines.push(MachineData {
                name: name.to_owned(),
                id: machine_id,
                secret_key: key,
                scopes: Vec::new(),
                default_token_ttl: ttl,
            });
        }

        // Second pass: scopes by name or id.
        for (index, config) in configs.iter().enumerate() {
            let mut scopes: Vec<String> = Vec::new();
            for scope in &config.scopes {
                let resolved = if let Some(&target) = by_name.get(scope.trim()) {
                    machines[target].id.clone()
                } else if ids::is_machine_id(scope) {
                    scope.clone()
                } else {
                    return Err(EmulatorError::config(format!(
                        "machine {:?}: scope {scope:?} is neither a machine name nor a machine id",
                        machines[index].name
                    )));
                };
                if !scopes.contains(&resolved) {
                    scopes.push(resolved);
                }
            }
            machines[index].scopes = scopes;
        }

        Ok(Self {
            id,
            secret_key,
            machines: machines.into_iter().map(Arc::new).map(Machine).collect(),
            signing_key: spec.signing_key,
            issuer: spec.issuer,
            by_id,
        })
    }

    /// The machine configured at start with this id.
    pub(crate) fn machine_by_id(&self, machine_id: &str) -> Option<&Machine> {
        self.by_id
            .get(machine_id)
            .map(|&index| &self.machines[index])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::tests::shared_key;

    fn spec(machines: Vec<MachineConfig>) -> InstanceSpec {
        InstanceSpec {
            id: None,
            secret_key: None,
            machines,
            default_token_ttl: DEFAULT_TOKEN_TTL,
            signing_key: shared_key(),
            issuer: "http://127.0.0.1".into(),
            from_state: false,
        }
    }

    #[test]
    fn default_instance_has_two_machines_that_call_each_other() {
        let instance = Instance::resolve(spec(Vec::new())).unwrap();
        assert!(instance.id.starts_with("ins_"));
        assert!(instance.secret_key.has_prefix("sk_test_"));
        let [a, b] = instance.machines.as_slice() else {
            panic!("two machines expected")
        };
        assert_eq!(a.scopes(), [b.id().to_owned()]);
        assert_eq!(b.scopes(), [a.id().to_owned()]);
        assert!(a.secret_key().has_prefix("ak_"));
        assert_eq!(a.default_token_ttl(), DEFAULT_TOKEN_TTL);
    }

    #[test]
    fn configuration_errors() {
        let cases = [
            vec![MachineConfig::new("a"), MachineConfig::new("a")],
            vec![MachineConfig::new("a").id("mch_short")],
            vec![MachineConfig::new("a").secret_key("sk_test_x")],
            vec![MachineConfig::new("a").scope("nobody")],
            vec![MachineConfig::new("")],
            vec![MachineConfig::new("a").default_token_ttl(Duration::ZERO)],
            vec![
                MachineConfig::new("a").secret_key("ak_same"),
                MachineConfig::new("b").secret_key("ak_same"),
            ],
        ];
        for machines in cases {
            let debug = format!("{machines:?}");
            let error = Instance::resolve(spec(machines)).err();
            assert!(
                matches!(error, Some(EmulatorError::InvalidConfig { .. })),
                "{debug}"
            );
        }
    }

    #[test]
    fn scopes_by_id_are_kept_once() {
        let outside = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
        let instance = Instance::resolve(spec(vec![MachineConfig::new("solo")
            .secret_key("ak_test_solo")
            .scope(outside)
            .scope(outside)]))
        .unwrap();
        assert_eq!(instance.machines[0].scopes(), [outside.to_owned()]);
        assert!(instance.machines[0].may_call(outside));
        assert_eq!(
            instance.machines[0].secret_key().expose_secret(),
            "ak_test_solo"
        );
        assert!(instance.machine_by_id(outside).is_none());
    }

    #[test]
    fn machine_debug_hides_the_secret_key() {
        let instance = Instance::resolve(spec(vec![
            MachineConfig::new("solo").secret_key("ak_test_do_not_print")
        ]))
        .unwrap();
        let debug = format!("{:?}", instance.machines[0]);
        assert!(debug.contains("solo"), "{debug}");
        assert!(!debug.contains("do_not_print"), "{debug}");
    }
}
