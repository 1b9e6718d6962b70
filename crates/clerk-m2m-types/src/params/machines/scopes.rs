//! `POST /v1/machines/{id}/scopes` and `DELETE …/scopes/{other_id}`: which
//! machines a machine may call.

use crate::error::{RequestError, ResponseError};
use crate::{Config, DeletedMachineScope, Endpoint, MachineScope, Operation};
use http::Method;
use serde::Serialize;

/// Params for letting machine `machine_id` call machine `to_machine_id`.
///
/// Tokens created afterwards carry the new scope; existing tokens keep
/// theirs. Retried only when certainly not processed (a 429, or a failure
/// before sending): a repeat of one that landed answers 409.
///
/// ```
/// use clerk_m2m_types::{AddMachineScopeParams, Config, Endpoint};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = AddMachineScopeParams::new(
///     "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
///     "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em",
/// )
/// .build_request(&config)?;
/// assert_eq!(request.uri(), "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk/scopes");
/// assert_eq!(request.body(), br#"{"to_machine_id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct AddMachineScopeParams {
    machine_id: String,
    to_machine_id: String,
}

#[derive(Serialize)]
struct AddScopeBody<'a> {
    to_machine_id: &'a str,
}

impl AddMachineScopeParams {
    /// Let `machine_id` call `to_machine_id` (both `mch_…`).
    pub fn new(machine_id: impl Into<String>, to_machine_id: impl Into<String>) -> Self {
        Self {
            machine_id: machine_id.into(),
            to_machine_id: to_machine_id.into(),
        }
    }
}

impl Endpoint for AddMachineScopeParams {
    type Output = MachineScope;
    const OPERATION: Operation = Operation::AddMachineScope;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        super::check_machine_id("machine_id", &self.machine_id)?;
        super::check_machine_id("to_machine_id", &self.to_machine_id)?;
        let body = crate::request::json_body(&AddScopeBody {
            to_machine_id: &self.to_machine_id,
        })?;
        let path = format!("/{}/scopes", self.machine_id);
        super::machines_request(config, Method::POST, &path, "", body)
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<MachineScope, ResponseError> {
        crate::params::parse_json(response)
    }
}

/// Params for no longer letting machine `machine_id` call `other_machine_id`.
///
/// Tokens created afterwards lose the scope; existing tokens keep theirs.
/// Retried only when certainly not processed: a repeat of one that landed
/// answers 404.
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, RemoveMachineScopeParams};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = RemoveMachineScopeParams::new(
///     "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
///     "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em",
/// )
/// .build_request(&config)?;
/// assert_eq!(request.method(), "DELETE");
/// assert_eq!(
///     request.uri(),
///     "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk/scopes/mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct RemoveMachineScopeParams {
    machine_id: String,
    other_machine_id: String,
}

impl RemoveMachineScopeParams {
    /// Stop `machine_id` from calling `other_machine_id` (both `mch_…`).
    pub fn new(machine_id: impl Into<String>, other_machine_id: impl Into<String>) -> Self {
        Self {
            machine_id: machine_id.into(),
            other_machine_id: other_machine_id.into(),
        }
    }
}

impl Endpoint for RemoveMachineScopeParams {
    type Output = DeletedMachineScope;
    const OPERATION: Operation = Operation::RemoveMachineScope;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        super::check_machine_id("machine_id", &self.machine_id)?;
        super::check_machine_id("other_machine_id", &self.other_machine_id)?;
        let path = format!("/{}/scopes/{}", self.machine_id, self.other_machine_id);
        super::machines_request(config, Method::DELETE, &path, "", Vec::new())
    }

    fn parse_response(
        response: http::Response<Vec<u8>>,
    ) -> Result<DeletedMachineScope, ResponseError> {
        crate::params::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{answer, assert_request, build, refusal, A, B};
    use super::*;
    use crate::MachineRequestError;

    const URI: &str = "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

    #[test]
    fn add_sends_the_recorded_request() {
        assert_request(
            &build(&AddMachineScopeParams::new(A, B)),
            "POST",
            &format!("{URI}/scopes"),
            r#"{"to_machine_id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"}"#,
        );
    }

    #[test]
    fn remove_sends_the_recorded_request() {
        assert_request(
            &build(&RemoveMachineScopeParams::new(A, B)),
            "DELETE",
            &format!("{URI}/scopes/mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"),
            "",
        );
    }

    #[test]
    fn both_ids_are_checked() {
        assert_eq!(
            refusal(&AddMachineScopeParams::new(A, "")),
            MachineRequestError::EmptyMachineId {
                field: "to_machine_id"
            }
        );
        assert_eq!(
            refusal(&AddMachineScopeParams::new("", B)),
            MachineRequestError::EmptyMachineId {
                field: "machine_id"
            }
        );
        // @clerk/backend would send `DELETE /v1/machines/{id}/scopes` here.
        assert_eq!(
            refusal(&RemoveMachineScopeParams::new(A, "")),
            MachineRequestError::EmptyMachineId {
                field: "other_machine_id"
            }
        );
        assert!(matches!(
            refusal(&RemoveMachineScopeParams::new(A, "../..")),
            MachineRequestError::InvalidMachineId {
                field: "other_machine_id",
                ..
            }
        ));
    }

    #[test]
    fn parses_both_answers() {
        let added = AddMachineScopeParams::parse_response(answer(
            200,
            r#"{"object":"machine_scope","from_machine_id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","to_machine_id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","created_at":1716879600000}"#,
        ))
        .unwrap();
        assert_eq!(
            (added.from_machine_id.as_str(), added.to_machine_id.as_str()),
            (A, B)
        );
        assert_eq!(added.created_at, 1_716_879_600_000);
        let removed = RemoveMachineScopeParams::parse_response(answer(
            200,
            r#"{"object":"machine_scope","from_machine_id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","to_machine_id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","deleted":true}"#,
        ))
        .unwrap();
        assert!(removed.deleted);
        assert_eq!(removed.to_machine_id, B);
        let conflict = AddMachineScopeParams::parse_response(answer(
            409,
            r#"{"errors":[{"code":"duplicate_record","message":"exists","long_message":"exists"}]}"#,
        ))
        .unwrap_err();
        assert_eq!(conflict.status(), 409);
    }
}
