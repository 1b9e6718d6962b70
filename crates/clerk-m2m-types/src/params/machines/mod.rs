//! Params for the nine Machines API calls (`/v1/machines…`).
//!
//! Every call is authorised with the instance secret key (`sk_…`, from
//! `CLERK_SECRET_KEY`), never with a machine key, and carries `/v1` in its
//! path (the M2M token paths do not). Headers are those of every call
//! (`Clerk-API-Version`, `User-Agent`, `Content-Type: application/json`).
//! Bodies hold only the fields that are set, in the order `@clerk/backend`
//! 3.25.0 sends them. Ids are checked against `^mch_\w{27}$` before they go
//! into a path.

mod create;
mod delete;
mod get;
mod list;
mod query;
mod scopes;
mod secret_key;
#[cfg(test)]
mod test_support;
mod update;

pub use create::CreateMachineParams;
pub use delete::DeleteMachineParams;
pub use get::GetMachineParams;
pub use list::ListMachinesParams;
pub use scopes::{AddMachineScopeParams, RemoveMachineScopeParams};
pub use secret_key::{GetMachineSecretKeyParams, RotateMachineSecretKeyParams};
pub use update::UpdateMachineParams;

use crate::error::{MachineRequestError, RequestError};
use crate::{Config, SecretString};
use http::Method;

/// The most machines one machine may have in its scopes.
pub const MAX_SCOPED_MACHINES: usize = 150;
/// The longest `default_token_ttl`, in seconds (10 years).
pub const MAX_DEFAULT_TOKEN_TTL: u64 = 315_360_000;
/// The longest grace period of a rotated key, `previous_token_ttl`, in seconds (8 hours).
pub const MAX_PREVIOUS_TOKEN_TTL: u64 = 28_800;
/// The longest machine name, in characters.
pub const MAX_MACHINE_NAME_CHARS: usize = 255;

use crate::url::is_machine_id;

/// Checks the machine id given for `field`.
fn check_machine_id(field: &'static str, value: &str) -> Result<(), MachineRequestError> {
    if is_machine_id(value) {
        Ok(())
    } else {
        Err(MachineRequestError::invalid_machine_id(field, value))
    }
}

/// Checks a machine name: 1 to 255 characters.
fn check_name(name: &str) -> Result<(), MachineRequestError> {
    let length = name.chars().count();
    if (1..=MAX_MACHINE_NAME_CHARS).contains(&length) {
        Ok(())
    } else {
        Err(MachineRequestError::NameLength { length })
    }
}

/// Checks a `default_token_ttl`: 1 to 315360000 seconds.
fn check_default_token_ttl(seconds: u64) -> Result<(), MachineRequestError> {
    if (1..=MAX_DEFAULT_TOKEN_TTL).contains(&seconds) {
        Ok(())
    } else {
        Err(MachineRequestError::DefaultTokenTtlOutOfRange { seconds })
    }
}

/// The instance secret key, refused when missing or when it is a machine key.
fn instance_key(config: &Config) -> Result<&SecretString, MachineRequestError> {
    let key = config
        .secret_key()
        .ok_or(MachineRequestError::MissingInstanceKey)?;
    if key.has_prefix("ak_") {
        return Err(MachineRequestError::MachineKeyRefused);
    }
    Ok(key)
}

/// Builds a Machines API request: `{base}/v1/machines{path}` with the
/// instance key and the shared headers. `path` is empty or starts with `/`
/// and holds only checked ids; `query` is already encoded.
fn machines_request(
    config: &Config,
    method: Method,
    path: &str,
    query: &str,
    body: Vec<u8>,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let key = instance_key(config)?;
    let mut url = format!("{}/v1/machines{path}", config.base_url());
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    crate::request::build_request(config, method, url, key, body)
}

#[cfg(test)]
mod tests {
    use super::test_support::{instance_config, A};
    use super::*;

    #[test]
    fn machine_id_pattern() {
        assert!(is_machine_id(A));
        assert!(is_machine_id("mch_abcdefghijklmnopqrstuvwxy_0"));
        for bad in [
            "",
            "mch_",
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6D",
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dkk",
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6D-",
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dé",
            "MCH_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            "mt_2xhFjEI5X2qWRvtV13BzSj8H6Dk00",
            "mch_../../../../v1/jwks/abcde",
        ] {
            assert!(!is_machine_id(bad), "{bad}");
        }
    }

    #[test]
    fn only_an_instance_key_authorises_machine_calls() {
        let only_machine_key = Config::builder()
            .machine_secret_key("ak_test_only")
            .build()
            .unwrap();
        let error = instance_key(&only_machine_key).unwrap_err();
        assert_eq!(error, MachineRequestError::MissingInstanceKey);
        assert!(error.to_string().contains("CLERK_SECRET_KEY"));

        let machine_key_as_instance_key = Config::builder()
            .secret_key("ak_test_sentinel")
            .build()
            .unwrap();
        let error = instance_key(&machine_key_as_instance_key).unwrap_err();
        assert_eq!(error, MachineRequestError::MachineKeyRefused);
        let message = error.to_string();
        assert!(message.contains("CLERK_SECRET_KEY"), "{message}");
        assert!(!message.contains("sentinel"), "{message}");

        let both = instance_config()
            .to_builder()
            .machine_secret_key("ak_test_other")
            .build()
            .unwrap();
        assert_eq!(
            instance_key(&both).unwrap().expose_secret(),
            "sk_test_machines"
        );
    }

    #[test]
    fn ids_in_errors_are_never_shown() {
        let error = MachineRequestError::invalid_machine_id("machine_id", "ak_test_sentinel");
        let message = error.to_string();
        assert!(!message.contains("sentinel"), "{message}");
        assert!(message.contains("looks like a secret key"), "{message}");
        assert!(message.contains("16 characters"), "{message}");
        assert_eq!(
            MachineRequestError::invalid_machine_id("to_machine_id", ""),
            MachineRequestError::EmptyMachineId {
                field: "to_machine_id"
            }
        );
    }

    #[test]
    fn names_and_ttls_have_bounds() {
        assert!(check_name("a").is_ok());
        assert!(check_name(&"é".repeat(255)).is_ok());
        assert_eq!(
            check_name(""),
            Err(MachineRequestError::NameLength { length: 0 })
        );
        assert_eq!(
            check_name(&"x".repeat(256)),
            Err(MachineRequestError::NameLength { length: 256 })
        );
        assert!(check_default_token_ttl(1).is_ok());
        assert!(check_default_token_ttl(MAX_DEFAULT_TOKEN_TTL).is_ok());
        for seconds in [0, MAX_DEFAULT_TOKEN_TTL + 1] {
            assert_eq!(
                check_default_token_ttl(seconds),
                Err(MachineRequestError::DefaultTokenTtlOutOfRange { seconds })
            );
        }
    }

    #[test]
    fn a_base_url_with_a_path_keeps_it() {
        let config = Config::builder()
            .base_url("https://proxy.example/clerk/")
            .secret_key("sk_test_machines")
            .build()
            .unwrap();
        let request = machines_request(&config, Method::GET, "", "", Vec::new()).unwrap();
        assert_eq!(request.uri(), "https://proxy.example/clerk/v1/machines");
    }
}
