//! The state document: an instance's ids and keys, its machines, its
//! signing key and its opaque tokens. `--state FILE` reads it at start and
//! writes it on shutdown; `GET`/`PUT /_emulator/state` and
//! [`EmulatorHandle::export_state`](crate::EmulatorHandle::export_state) /
//! [`import_state`](crate::EmulatorHandle::import_state) carry it.
//!
//! It holds the emulator's test secrets on purpose (that is what makes a
//! restart keep its keys), so files are written owner-only on Unix and
//! `Debug` shows only ids and counts.

use crate::instance::{Instance, Machine, MachineConfig};
use crate::signing::SigningKey;
use crate::token_store::Tokens;
use crate::EmulatorError;
use clerk_m2m_types::{is_token_id, M2mToken, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The document's format version.
const VERSION: u32 = 1;

/// A snapshot of an emulated instance: ids, keys, machines, signing key
/// and opaque tokens (JWTs are never stored, so never saved).
///
/// Serialize it with `serde_json` to write a state file; `Debug` shows the
/// instance id and counts, never a key or token value.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmulatorState {
    version: u32,
    instance_id: String,
    #[serde(serialize_with = "SecretString::serialize_exposed")]
    secret_key: SecretString,
    #[serde(serialize_with = "SecretString::serialize_exposed")]
    signing_key_pem: SecretString,
    machines: Vec<StateMachine>,
    #[serde(default)]
    tokens: Vec<StateToken>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateMachine {
    name: String,
    id: String,
    #[serde(serialize_with = "SecretString::serialize_exposed")]
    secret_key: SecretString,
    #[serde(default)]
    scopes: Vec<String>,
    default_token_ttl_seconds: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateToken {
    id: String,
    subject: String,
    /// The secret value, `mt_…`.
    #[serde(serialize_with = "SecretString::serialize_exposed")]
    token: SecretString,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    claims: Option<Value>,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    revocation_reason: Option<String>,
    #[serde(default)]
    expiration: Option<i64>,
    created_at: i64,
    updated_at: i64,
    #[serde(default)]
    last_used_at: Option<i64>,
}

impl fmt::Debug for EmulatorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorState")
            .field("instance_id", &self.instance_id)
            .field("machines", &self.machines.len())
            .field("tokens", &self.tokens.len())
            .finish_non_exhaustive()
    }
}

/// A serde error described without echoing the document's values (which
/// may be keys): missing, unknown and duplicate fields are named, other
/// problems located by line and column.
pub(crate) fn describe_json_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let names_a_field = ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|start| message.starts_with(start));
    if names_a_field {
        message
    } else {
        let what = match error.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "malformed JSON"
            }
            _ => "a value of the wrong type or range",
        };
        // A document parsed from a value (not text) has no position.
        if error.line() == 0 {
            what.to_owned()
        } else {
            format!("{what} at line {} column {}", error.line(), error.column())
        }
    }
}

impl EmulatorState {
    /// Parses a state document (JSON).
    pub fn from_json(text: &str) -> Result<Self, EmulatorError> {
        let state: Self = serde_json::from_str(text)
            .map_err(|error| EmulatorError::state(describe_json_error(&error)))?;
        state.check_version()?;
        Ok(state)
    }

    /// The document as pretty-printed JSON (secrets included, on purpose).
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialization cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The instance id (`ins_…`).
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// How many machines it holds.
    pub fn machine_count(&self) -> usize {
        self.machines.len()
    }

    /// How many opaque tokens it holds.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    pub(crate) fn check_version(&self) -> Result<(), EmulatorError> {
        if self.version == VERSION {
            Ok(())
        } else {
            Err(EmulatorError::state(format!(
                "version {} is not supported (this emulator reads version {VERSION})",
                self.version
            )))
        }
    }

    /// Reads `path`; `None` if there is no such file.
    pub(crate) fn read_file(path: &Path) -> Result<Option<Self>, EmulatorError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(EmulatorError::Io {
                    path: path.to_owned(),
                    source,
                })
            }
        };
        Self::from_json(&text)
            .map(Some)
            .map_err(|error| match error {
                EmulatorError::InvalidState { reason } => {
                    EmulatorError::state(format!("{}: {reason}", path.display()))
                }
                other => other,
            })
    }

    /// Writes `path` atomically (a temporary file next to it, then a
    /// rename), readable by its owner only on Unix.
    pub(crate) fn write_file(&self, path: &Path) -> Result<(), EmulatorError> {
        let write_error = |source| EmulatorError::Write {
            path: path.to_owned(),
            source,
        };
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary).map_err(write_error)?;
        std::io::Write::write_all(&mut file, self.to_json().as_bytes()).map_err(write_error)?;
        file.sync_all().map_err(write_error)?;
        drop(file);
        std::fs::rename(&temporary, path).map_err(write_error)
    }

    /// The signing key it holds.
    pub(crate) fn signing_key(&self) -> Result<SigningKey, EmulatorError> {
        SigningKey::from_pem(self.signing_key_pem.expose_secret())
    }

    /// The instance's id and key, and its machines as configurations.
    pub(crate) fn identity(&self) -> (String, SecretString, Vec<MachineConfig>) {
        let machines = self
            .machines
            .iter()
            .map(|machine| {
                let config = MachineConfig::new(machine.name.clone())
                    .id(machine.id.clone())
                    .secret_key(machine.secret_key.clone())
                    .default_token_ttl(Duration::from_secs(machine.default_token_ttl_seconds));
                machine
                    .scopes
                    .iter()
                    .fold(config, |config, scope| config.scope(scope.clone()))
            })
            .collect();
        (self.instance_id.clone(), self.secret_key.clone(), machines)
    }

    /// Exports `instance`, its current `machines` and their `tokens` (those
    /// of deleted machines are left out: they can never verify again).
    /// Rotated-away keys in their grace period are not kept.
    pub(crate) fn capture(
        instance: &Instance,
        machines: &[Machine],
        tokens: &Tokens,
    ) -> Result<Self, EmulatorError> {
        Ok(Self {
            version: VERSION,
            instance_id: instance.id.clone(),
            secret_key: instance.secret_key.clone(),
            signing_key_pem: SecretString::new(instance.signing_key.to_pkcs8_pem()?),
            machines: machines
                .iter()
                .map(|machine| StateMachine {
                    name: machine.name().to_owned(),
                    id: machine.id().to_owned(),
                    secret_key: machine.secret_key().clone(),
                    scopes: machine.scopes().to_vec(),
                    default_token_ttl_seconds: machine.default_token_ttl().as_secs(),
                })
                .collect(),
            tokens: tokens
                .all()
                .filter(|record| {
                    machines
                        .iter()
                        .any(|machine| machine.id() == record.token.subject)
                })
                .map(|record| {
                    let token = &record.token;
                    StateToken {
                        id: token.id.clone(),
                        subject: token.subject.clone(),
                        token: SecretString::new(record.value.clone()),
                        scopes: token.scopes.clone(),
                        claims: token.claims.clone(),
                        revoked: token.revoked,
                        revocation_reason: token.revocation_reason.clone(),
                        expiration: token.expiration,
                        created_at: token.created_at,
                        updated_at: token.updated_at,
                        last_used_at: token.last_used_at,
                    }
                })
                .collect(),
        })
    }

    /// Whether this document describes `instance` itself with its current
    /// `machines`: the same ids, keys, machines and signing key. `Err`
    /// names what differs.
    pub(crate) fn check_same_instance(
        &self,
        instance: &Instance,
        machines: &[Machine],
    ) -> Result<(), String> {
        if self.instance_id != instance.id {
            return Err(format!(
                "it belongs to instance {}, not {}",
                self.instance_id, instance.id
            ));
        }
        if self.secret_key != instance.secret_key {
            return Err("its instance secret key differs".into());
        }
        let ours: Vec<(&str, &str, &SecretString, &[String], u64)> = machines
            .iter()
            .map(|machine| {
                (
                    machine.name(),
                    machine.id(),
                    machine.secret_key(),
                    machine.scopes(),
                    machine.default_token_ttl().as_secs(),
                )
            })
            .collect();
        let theirs: Vec<(&str, &str, &SecretString, &[String], u64)> = self
            .machines
            .iter()
            .map(|machine| {
                (
                    machine.name.as_str(),
                    machine.id.as_str(),
                    &machine.secret_key,
                    machine.scopes.as_slice(),
                    machine.default_token_ttl_seconds,
                )
            })
            .collect();
        if ours != theirs {
            return Err("its machines (names, ids, keys, scopes or lifetimes) differ".into());
        }
        let key = self
            .signing_key()
            .map_err(|_| "its signing key cannot be read".to_owned())?;
        if key.modulus() != instance.signing_key.modulus()
            || key.exponent() != instance.signing_key.exponent()
        {
            return Err("its signing key differs".into());
        }
        Ok(())
    }

    /// The tokens, checked against `machines`, ready for the store.
    pub(crate) fn tokens_for(&self, machines: &[Machine]) -> Result<Tokens, String> {
        let mut tokens = Tokens::default();
        let mut values = HashSet::new();
        let mut ids = HashSet::new();
        for (index, state) in self.tokens.iter().enumerate() {
            let at = |problem: &str| format!("tokens[{index}]: {problem}");
            if !is_token_id(&state.id) {
                return Err(at("id must be mt_ followed by 32 hex digits"));
            }
            let value = state.token.expose_secret();
            let value_shaped = value.len() > 3
                && value.starts_with("mt_")
                && !is_token_id(value)
                && value.bytes().all(|byte| byte.is_ascii_graphic());
            if !value_shaped {
                return Err(at("token must be an opaque token value (mt_…, not an id)"));
            }
            if !ids.insert(state.id.as_str()) {
                return Err(at("two tokens have this id"));
            }
            if !values.insert(value) {
                return Err(at("two tokens have the same value"));
            }
            if !machines.iter().any(|machine| machine.id() == state.subject) {
                return Err(at("subject is not a machine of this instance"));
            }
            if !state
                .scopes
                .iter()
                .all(|scope| crate::ids::is_machine_id(scope))
            {
                return Err(at("every scope must be a machine id (mch_…)"));
            }
            if !matches!(state.claims, None | Some(Value::Object(_))) {
                return Err(at("claims must be a JSON object or null"));
            }
            let mut token =
                M2mToken::new(state.id.clone(), state.subject.clone(), state.created_at);
            token.scopes = state.scopes.clone();
            token.claims = state.claims.clone().filter(|claims| !claims.is_null());
            token.revoked = state.revoked;
            token.revocation_reason = state.revocation_reason.clone();
            token.expiration = state.expiration;
            token.updated_at = state.updated_at;
            token.last_used_at = state.last_used_at;
            tokens.insert(token, value.to_owned());
        }
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::{InstanceSpec, DEFAULT_TOKEN_TTL};
    use crate::signing::tests::shared_key;

    const SECRET_INSTANCE_KEY: &str = "sk_test_state_instance_do_not_print";
    const SECRET_MACHINE_KEY: &str = "ak_test_state_machine_do_not_print";
    const SECRET_VALUE: &str = "mt_statevaluedonotprint0000000000000000000000000000";

    fn instance() -> Instance {
        Instance::resolve(InstanceSpec {
            id: Some("ins_state".into()),
            secret_key: Some(SecretString::new(SECRET_INSTANCE_KEY)),
            machines: vec![
                MachineConfig::new("a")
                    .secret_key(SECRET_MACHINE_KEY)
                    .scope("b"),
                MachineConfig::new("b"),
            ],
            default_token_ttl: DEFAULT_TOKEN_TTL,
            signing_key: shared_key(),
            issuer: "http://127.0.0.1".into(),
            from_state: false,
        })
        .unwrap()
    }

    fn state_with_one_token(instance: &Instance) -> EmulatorState {
        let mut tokens = Tokens::default();
        let a = &instance.machines[0];
        let mut token = M2mToken::new("mt_0123456789abcdef0123456789abcdef", a.id(), 1_000);
        token.scopes = a.scopes().to_vec();
        token.claims = Some(serde_json::json!({"role": "reader"}));
        token.revoked = true;
        token.revocation_reason = Some("why".into());
        token.expiration = Some(5_000);
        tokens.insert(token, SECRET_VALUE.into());
        EmulatorState::capture(instance, &instance.machines, &tokens).unwrap()
    }

    #[test]
    fn round_trip_keeps_everything_and_debug_shows_no_secret() {
        let instance = instance();
        let state = state_with_one_token(&instance);
        let debug = format!("{state:?}");
        for secret in [
            SECRET_INSTANCE_KEY,
            SECRET_MACHINE_KEY,
            SECRET_VALUE,
            "PRIVATE KEY",
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(
            debug.contains("ins_state") && debug.contains("tokens: 1"),
            "{debug}"
        );
        let json = state.to_json();
        assert!(json.contains(SECRET_VALUE) && json.contains(SECRET_MACHINE_KEY));
        let back = EmulatorState::from_json(&json).unwrap();
        assert_eq!(back, state);
        assert_eq!(
            (back.instance_id(), back.machine_count(), back.token_count()),
            ("ins_state", 2, 1)
        );
        assert_eq!(
            back.check_same_instance(&instance, &instance.machines),
            Ok(())
        );
        let tokens = back.tokens_for(&instance.machines).unwrap();
        let record = tokens.all().next().unwrap();
        assert_eq!(record.value, SECRET_VALUE);
        assert!(record.token.revoked);
        assert_eq!(record.token.revocation_reason.as_deref(), Some("why"));
        assert_eq!(
            record.token.claims,
            Some(serde_json::json!({"role": "reader"}))
        );
        let (id, key, machines) = back.identity();
        assert_eq!(
            (id.as_str(), key.expose_secret()),
            ("ins_state", SECRET_INSTANCE_KEY)
        );
        assert_eq!(machines.len(), 2);
    }

    #[test]
    fn another_instance_or_bad_tokens_are_named() {
        let instance = instance();
        let state = state_with_one_token(&instance);
        let mut other = state.clone();
        other.instance_id = "ins_other".into();
        assert!(other
            .check_same_instance(&instance, &instance.machines)
            .unwrap_err()
            .contains("ins_other"));
        let mut other_key = state.clone();
        other_key.machines[0].secret_key = SecretString::new("ak_test_changed");
        let why = other_key
            .check_same_instance(&instance, &instance.machines)
            .unwrap_err();
        assert!(
            why.contains("machines") && !why.contains("ak_test"),
            "{why}"
        );
        let mut other_signing = state.clone();
        other_signing.signing_key_pem =
            SecretString::new(SigningKey::generate().unwrap().to_pkcs8_pem().unwrap());
        assert!(other_signing
            .check_same_instance(&instance, &instance.machines)
            .unwrap_err()
            .contains("signing key"));
        let broken = |edit: fn(&mut StateToken)| {
            let mut state = state.clone();
            edit(&mut state.tokens[0]);
            state.tokens_for(&instance.machines).err().unwrap()
        };
        assert!(broken(|token| token.id = "mt_short".into()).contains("tokens[0]: id"));
        assert!(broken(
            |token| token.token = SecretString::new("mt_0123456789abcdef0123456789abcdef")
        )
        .contains("opaque token value"));
        assert!(
            broken(|token| token.subject = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk".into())
                .contains("subject")
        );
        assert!(broken(|token| token.scopes = vec!["machine-b".into()]).contains("scope"));
        assert!(broken(|token| token.claims = Some(Value::from(5))).contains("claims"));
        let mut twice = state.clone();
        twice.tokens.push(twice.tokens[0].clone());
        assert!(twice
            .tokens_for(&instance.machines)
            .err()
            .unwrap()
            .contains("tokens[1]"));
        let mut future = state;
        future.version = 2;
        assert!(future.check_version().is_err());
    }

    #[test]
    fn json_errors_never_echo_values() {
        let error =
            serde_json::from_str::<EmulatorState>(r#"{"version": "sk_test_secret"}"#).unwrap_err();
        let described = describe_json_error(&error);
        assert!(!described.contains("sk_test_secret"), "{described}");
        assert!(described.contains("line 1"), "{described}");
        let missing = serde_json::from_str::<EmulatorState>(r#"{"version": 1}"#).unwrap_err();
        assert!(describe_json_error(&missing).starts_with("missing field"));
        let unknown = EmulatorState::from_json(r#"{"versoin": 1}"#).unwrap_err();
        assert!(unknown.to_string().contains("versoin"), "{unknown}");
    }
}
