//! The machines of a running instance, in creation order: those configured
//! at start, then those created through `POST /v1/machines`.
//!
//! Each record keeps the machine (its current name, key, scopes and token
//! lifetime), its times, and the keys it rotated away from that still work
//! for a while. One mutex guards the whole store; it is held only for
//! in-memory work.

use crate::instance::Machine;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A stored machine.
pub(crate) struct MachineRecord {
    /// The machine as it is now.
    pub(crate) machine: Machine,
    /// Creation time, Unix milliseconds.
    pub(crate) created_at: i64,
    /// Last change of name, lifetime or scopes, Unix milliseconds.
    pub(crate) updated_at: i64,
    /// Keys replaced by a rotation, each with the millisecond it stops working.
    previous_keys: Vec<(String, i64)>,
}

impl MachineRecord {
    /// Whether `key` authenticates this machine at `now_ms`: its current
    /// key, or a rotated-away key still in its grace period.
    fn accepts(&self, key: &str, now_ms: i64) -> bool {
        self.machine.secret_key().expose_secret() == key
            || self
                .previous_keys
                .iter()
                .any(|(previous, until)| previous == key && now_ms < *until)
    }

    /// Replaces the key; the old one keeps working until `old_valid_until_ms`
    /// (not at all when that is not in the future).
    pub(crate) fn rotate_key(&mut self, new_key: String, now_ms: i64, old_valid_until_ms: i64) {
        self.previous_keys.retain(|(_, until)| now_ms < *until);
        let old = self.machine.secret_key().expose_secret().to_owned();
        if now_ms < old_valid_until_ms {
            self.previous_keys.push((old, old_valid_until_ms));
        }
        self.machine = self
            .machine
            .changed(|data| data.secret_key = new_key.into());
    }
}

/// The collection (what the lock guards).
#[derive(Default)]
pub(crate) struct Machines {
    records: Vec<MachineRecord>,
}

impl Machines {
    /// `machines`, all created at `now_ms`.
    pub(crate) fn new(machines: &[Machine], now_ms: i64) -> Self {
        let mut store = Self::default();
        for machine in machines {
            store.insert(machine.clone(), now_ms);
        }
        store
    }

    /// Adds a machine created at `now_ms`; the caller makes sure its id and key are new.
    pub(crate) fn insert(&mut self, machine: Machine, now_ms: i64) {
        self.records.push(MachineRecord {
            machine,
            created_at: now_ms,
            updated_at: now_ms,
            previous_keys: Vec::new(),
        });
    }

    /// Removes the machine `id` and every scope pointing at it; `false` if there is none.
    pub(crate) fn remove(&mut self, id: &str) -> bool {
        let before = self.records.len();
        self.records.retain(|record| record.machine.id() != id);
        if self.records.len() == before {
            return false;
        }
        for record in &mut self.records {
            if record.machine.may_call(id) {
                record.machine = record
                    .machine
                    .changed(|data| data.scopes.retain(|scope| scope != id));
            }
        }
        true
    }

    /// The machine with this id.
    pub(crate) fn by_id(&self, id: &str) -> Option<&MachineRecord> {
        self.records.iter().find(|record| record.machine.id() == id)
    }

    /// The machine with this id, to change it.
    pub(crate) fn by_id_mut(&mut self, id: &str) -> Option<&mut MachineRecord> {
        self.records
            .iter_mut()
            .find(|record| record.machine.id() == id)
    }

    /// The machine `key` authenticates at `now_ms`.
    pub(crate) fn by_key(&self, key: &str, now_ms: i64) -> Option<&Machine> {
        self.records
            .iter()
            .find(|record| record.accepts(key, now_ms))
            .map(|record| &record.machine)
    }

    /// Whether a machine has this id, or has (or had, in a grace period) this key.
    pub(crate) fn is_taken(&self, id: &str, key: &str) -> bool {
        self.records.iter().any(|record| {
            record.machine.id() == id
                || record.machine.secret_key().expose_secret() == key
                || record
                    .previous_keys
                    .iter()
                    .any(|(previous, _)| previous == key)
        })
    }

    /// Every machine, in creation order.
    pub(crate) fn all(&self) -> impl Iterator<Item = &MachineRecord> {
        self.records.iter()
    }
}

/// The store: [`Machines`] behind one mutex.
pub(crate) struct MachineStore {
    machines: Mutex<Machines>,
}

impl MachineStore {
    pub(crate) fn new(machines: Machines) -> Self {
        Self {
            machines: Mutex::new(machines),
        }
    }

    /// Replaces every machine at once (reset, state import).
    pub(crate) fn replace(&self, machines: Machines) {
        *self.lock() = machines;
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Machines> {
        self.machines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A snapshot of the machine with this id.
    pub(crate) fn get(&self, id: &str) -> Option<Machine> {
        self.lock().by_id(id).map(|record| record.machine.clone())
    }

    /// Every machine as it is now, in creation order.
    pub(crate) fn snapshot(&self) -> Vec<Machine> {
        self.lock()
            .all()
            .map(|record| record.machine.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::MachineData;
    use std::time::Duration;

    fn machine(id: &str, key: &str, scopes: &[&str]) -> Machine {
        Machine::from_data(MachineData {
            name: id.into(),
            id: id.into(),
            secret_key: key.into(),
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
            default_token_ttl: Duration::from_secs(60),
        })
    }

    #[test]
    fn keys_rotate_with_a_grace_period() {
        let mut machines = Machines::new(&[machine("mch_a", "ak_one", &[])], 0);
        assert!(machines.by_key("ak_one", 5).is_some());
        let record = machines.by_id_mut("mch_a").unwrap();
        record.rotate_key("ak_two".into(), 10, 20);
        assert_eq!(
            machines.by_key("ak_one", 19).map(Machine::id),
            Some("mch_a")
        );
        assert!(machines.by_key("ak_one", 20).is_none());
        assert!(machines.by_key("ak_two", 20).is_some());
        assert!(machines.is_taken("mch_b", "ak_one"));
        let record = machines.by_id_mut("mch_a").unwrap();
        record.rotate_key("ak_three".into(), 30, 30);
        assert!(machines.by_key("ak_two", 30).is_none());
        assert!(!machines.is_taken("mch_b", "ak_one"));
    }

    #[test]
    fn removing_a_machine_removes_the_scopes_to_it() {
        let mut machines = Machines::new(
            &[
                machine("mch_a", "ak_a", &["mch_b"]),
                machine("mch_b", "ak_b", &["mch_a"]),
            ],
            0,
        );
        assert!(machines.remove("mch_b"));
        assert!(!machines.remove("mch_b"));
        assert!(machines.by_key("ak_b", 0).is_none());
        assert!(machines.by_id("mch_a").unwrap().machine.scopes().is_empty());
        let store = MachineStore::new(machines);
        assert_eq!(store.snapshot().len(), 1);
        assert!(store.get("mch_a").is_some());
        store.replace(Machines::default());
        assert!(store.get("mch_a").is_none());
    }
}
