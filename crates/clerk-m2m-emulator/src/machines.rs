//! What the nine Machines operations do, independent of HTTP.
//!
//! Handlers authenticate (the instance key only) and parse; this module
//! decides. Times are the emulator clock's Unix milliseconds, as every
//! other Backend API time. A machine's key authenticates from the moment it
//! is created or rotated in; a deleted machine's key stops at once and its
//! tokens no longer verify. Scopes are copied into a token when it is
//! created, so a scope change affects only tokens created afterwards.

use crate::api_error::ApiFailure;
use crate::app_state::AppState;
use crate::instance::{Machine, MachineData};
use crate::machine_params::{
    check_path_id, too_many_scopes, MachineChange, MachineOrder, MachineQuery, NewMachine,
};
use crate::machine_store::{MachineRecord, Machines};
use clerk_m2m_types::{
    DeletedMachine, DeletedMachineScope, MachineList, MachineScope, MachineSecretKey,
    ScopedMachine, MAX_SCOPED_MACHINES,
};
use http::StatusCode;
use std::time::Duration;

/// The API's machine object: `clerk_m2m_types::Machine`.
type MachineObject = clerk_m2m_types::Machine;

fn machine_not_found(id: &str) -> ApiFailure {
    ApiFailure::not_found(format!("No machine {id} exists in this instance."))
}

/// The record of machine `id`, after checking the id's shape (`param` names it).
fn find_record<'a>(
    machines: &'a Machines,
    id: &str,
    param: &str,
) -> Result<&'a MachineRecord, ApiFailure> {
    check_path_id(id, param)?;
    machines.by_id(id).ok_or_else(|| machine_not_found(id))
}

fn find_record_mut<'a>(
    machines: &'a mut Machines,
    id: &str,
) -> Result<&'a mut MachineRecord, ApiFailure> {
    check_path_id(id, "machine_id")?;
    machines.by_id_mut(id).ok_or_else(|| machine_not_found(id))
}

impl AppState {
    /// The machine object of `record`: `scoped_machines` always present
    /// (`[]` when empty), listing the scoped machines that exist in this
    /// instance (a configured scope outside it is kept for tokens only).
    fn machine_object(&self, machines: &Machines, record: &MachineRecord) -> MachineObject {
        let machine = &record.machine;
        let mut object = MachineObject::new(
            machine.id(),
            machine.name(),
            &self.instance.id,
            record.created_at,
        );
        object.updated_at = record.updated_at;
        object.default_token_ttl = Some(machine.default_token_ttl().as_secs());
        object.scoped_machines = machine
            .scopes()
            .iter()
            .filter_map(|id| machines.by_id(id))
            .map(|scoped| self.scoped_object(scoped))
            .collect();
        object
    }

    fn scoped_object(&self, record: &MachineRecord) -> ScopedMachine {
        let mut object = MachineObject::new(
            record.machine.id(),
            record.machine.name(),
            &self.instance.id,
            record.created_at,
        );
        object.updated_at = record.updated_at;
        object.default_token_ttl = Some(record.machine.default_token_ttl().as_secs());
        object.to_scoped()
    }

    /// `GET /v1/machines`: `query` matches an id exactly or a name in part
    /// (ignoring case). Ties (machines created in the same millisecond)
    /// follow creation order, reversed when descending: newest first.
    pub(crate) fn list_machines(&self, query: &MachineQuery) -> MachineList {
        let machines = self.machines.lock();
        let needle = query.query.as_deref().map(str::to_lowercase);
        let mut matching: Vec<&MachineRecord> = machines
            .all()
            .filter(|record| match (&query.query, &needle) {
                (Some(exact), Some(needle)) => {
                    record.machine.id() == exact
                        || record
                            .machine
                            .name()
                            .to_lowercase()
                            .contains(needle.as_str())
                }
                _ => true,
            })
            .collect();
        // A stable sort of records in creation order: ties keep that order.
        matching.sort_by(|a, b| match query.order {
            MachineOrder::Name => a.machine.name().cmp(b.machine.name()),
            MachineOrder::CreatedAt => a.created_at.cmp(&b.created_at),
        });
        if query.descending {
            matching.reverse();
        }
        let total = u64::try_from(matching.len()).unwrap_or(u64::MAX);
        let page = matching
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .map(|record| self.machine_object(&machines, record))
            .collect();
        MachineList::new(page, total)
    }

    /// `POST /v1/machines`: the answer carries the new secret key.
    pub(crate) fn create_machine(&self, new: NewMachine) -> Result<MachineObject, ApiFailure> {
        let now = self.clock.now_ms();
        let mut machines = self.machines.lock();
        let mut scopes: Vec<String> = Vec::with_capacity(new.scoped_machines.len());
        for id in new.scoped_machines {
            if machines.by_id(&id).is_none() {
                return Err(machine_not_found(&id).param("scoped_machines"));
            }
            // A repeated id counts once.
            if !scopes.contains(&id) {
                scopes.push(id);
            }
        }
        let (id, key) = loop {
            let id = crate::ids::machine_id();
            let key = crate::ids::machine_secret_key();
            if !machines.is_taken(&id, &key) && key != self.instance.secret_key.expose_secret() {
                break (id, key);
            }
        };
        let machine = Machine::from_data(MachineData {
            name: new.name,
            id: id.clone(),
            secret_key: key.clone().into(),
            scopes,
            default_token_ttl: Duration::from_secs(new.default_token_ttl),
        });
        machines.insert(machine, now);
        let record = machines.by_id(&id).ok_or_else(|| machine_not_found(&id))?;
        let mut object = self.machine_object(&machines, record);
        object.secret_key = Some(key.into());
        Ok(object)
    }

    /// `GET /v1/machines/{id}`.
    pub(crate) fn get_machine(&self, id: &str) -> Result<MachineObject, ApiFailure> {
        let machines = self.machines.lock();
        let record = find_record(&machines, id, "machine_id")?;
        Ok(self.machine_object(&machines, record))
    }

    /// `PATCH /v1/machines/{id}`: only what is set changes; nothing set
    /// answers the machine unchanged.
    pub(crate) fn update_machine(
        &self,
        id: &str,
        change: MachineChange,
    ) -> Result<MachineObject, ApiFailure> {
        let now = self.clock.now_ms();
        let mut machines = self.machines.lock();
        let record = find_record_mut(&mut machines, id)?;
        if change != MachineChange::default() {
            record.machine = record.machine.changed(|data| {
                if let Some(name) = change.name {
                    data.name = name;
                }
                if let Some(seconds) = change.default_token_ttl {
                    data.default_token_ttl = Duration::from_secs(seconds);
                }
            });
            record.updated_at = now;
        }
        let record = find_record(&machines, id, "machine_id")?;
        Ok(self.machine_object(&machines, record))
    }

    /// `DELETE /v1/machines/{id}`: its key fails from now on, its tokens no
    /// longer verify, and other machines' scopes to it are removed.
    pub(crate) fn delete_machine(&self, id: &str) -> Result<DeletedMachine, ApiFailure> {
        check_path_id(id, "machine_id")?;
        if self.machines.lock().remove(id) {
            Ok(DeletedMachine::new(id))
        } else {
            Err(machine_not_found(id))
        }
    }

    /// `GET /v1/machines/{id}/secret_key`: the current key.
    pub(crate) fn machine_secret_key(&self, id: &str) -> Result<MachineSecretKey, ApiFailure> {
        let machines = self.machines.lock();
        let record = find_record(&machines, id, "machine_id")?;
        Ok(MachineSecretKey::new(record.machine.secret_key().clone()))
    }

    /// `POST /v1/machines/{id}/secret_key/rotate`: a new key at once; the
    /// old one works for `previous_token_ttl` more seconds of emulator time.
    pub(crate) fn rotate_machine_key(
        &self,
        id: &str,
        previous_token_ttl: u64,
    ) -> Result<MachineSecretKey, ApiFailure> {
        let now = self.clock.now_ms();
        let mut machines = self.machines.lock();
        let key = loop {
            let key = crate::ids::machine_secret_key();
            if !machines.is_taken("", &key) {
                break key;
            }
        };
        let grace_ms = i64::try_from(previous_token_ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
        let record = find_record_mut(&mut machines, id)?;
        record.rotate_key(key.clone(), now, now.saturating_add(grace_ms));
        Ok(MachineSecretKey::new(key))
    }

    /// `POST /v1/machines/{id}/scopes`: 404 for an unknown machine, 409 if
    /// the scope exists, Clerk's limit error past 150 scopes.
    pub(crate) fn add_machine_scope(
        &self,
        id: &str,
        to_machine_id: &str,
    ) -> Result<MachineScope, ApiFailure> {
        let now = self.clock.now_ms();
        let mut machines = self.machines.lock();
        find_record(&machines, id, "machine_id")?;
        if machines.by_id(to_machine_id).is_none() {
            return Err(machine_not_found(to_machine_id).param("to_machine_id"));
        }
        let record = find_record_mut(&mut machines, id)?;
        if record.machine.may_call(to_machine_id) {
            return Err(ApiFailure::new(
                StatusCode::CONFLICT,
                "machine_scope_exists",
                "Scope already exists",
                format!("Machine {id} may already call machine {to_machine_id}."),
            ));
        }
        if record.machine.scopes().len() >= MAX_SCOPED_MACHINES {
            return Err(too_many_scopes("to_machine_id"));
        }
        record.machine = record
            .machine
            .changed(|data| data.scopes.push(to_machine_id.to_owned()));
        record.updated_at = now;
        Ok(MachineScope::new(id, to_machine_id, now))
    }

    /// `DELETE /v1/machines/{id}/scopes/{other_id}`: 404 if there is no such scope.
    pub(crate) fn remove_machine_scope(
        &self,
        id: &str,
        other_machine_id: &str,
    ) -> Result<DeletedMachineScope, ApiFailure> {
        check_path_id(other_machine_id, "other_machine_id")?;
        let now = self.clock.now_ms();
        let mut machines = self.machines.lock();
        let record = find_record_mut(&mut machines, id)?;
        if !record.machine.may_call(other_machine_id) {
            return Err(ApiFailure::not_found(format!(
                "Machine {id} has no scope to machine {other_machine_id}."
            )));
        }
        record.machine = record
            .machine
            .changed(|data| data.scopes.retain(|scope| scope != other_machine_id));
        record.updated_at = now;
        Ok(DeletedMachineScope::new(id, other_machine_id))
    }
}
