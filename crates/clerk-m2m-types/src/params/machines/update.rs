//! `PATCH /v1/machines/{id}`: rename a machine or change its token lifetime.

use crate::error::{MachineRequestError, RequestError, ResponseError};
use crate::{Config, Endpoint, Machine, Operation};
use http::Method;
use serde::Serialize;

/// Params for updating a machine: only the fields set are sent, and at
/// least one must be (an update with nothing to change is refused).
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, UpdateMachineParams};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = UpdateMachineParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")
///     .default_token_ttl(600)
///     .build_request(&config)?;
/// assert_eq!(request.method(), "PATCH");
/// assert_eq!(request.body(), br#"{"default_token_ttl":600}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct UpdateMachineParams {
    machine_id: String,
    name: Option<String>,
    default_token_ttl: Option<u64>,
}

/// Key order as `@clerk/backend` 3.25.0 sends it; unset keys are absent.
#[derive(Serialize)]
struct UpdateBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_token_ttl: Option<u64>,
}

impl UpdateMachineParams {
    /// Update the machine with id `machine_id` (`mch_…`); set at least one field.
    pub fn new(machine_id: impl Into<String>) -> Self {
        Self {
            machine_id: machine_id.into(),
            name: None,
            default_token_ttl: None,
        }
    }

    /// The new name (1–255 characters).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The new default lifetime of the machine's tokens, 1–315360000 seconds.
    pub fn default_token_ttl(mut self, seconds: u64) -> Self {
        self.default_token_ttl = Some(seconds);
        self
    }

    fn validate(&self) -> Result<(), MachineRequestError> {
        super::check_machine_id("machine_id", &self.machine_id)?;
        if self.name.is_none() && self.default_token_ttl.is_none() {
            return Err(MachineRequestError::NothingToUpdate);
        }
        if let Some(name) = &self.name {
            super::check_name(name)?;
        }
        if let Some(seconds) = self.default_token_ttl {
            super::check_default_token_ttl(seconds)?;
        }
        Ok(())
    }
}

impl Endpoint for UpdateMachineParams {
    type Output = Machine;
    const OPERATION: Operation = Operation::UpdateMachine;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        self.validate()?;
        let body = crate::request::json_body(&UpdateBody {
            name: self.name.as_deref(),
            default_token_ttl: self.default_token_ttl,
        })?;
        let path = format!("/{}", self.machine_id);
        super::machines_request(config, Method::PATCH, &path, "", body)
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<Machine, ResponseError> {
        crate::params::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{answer, assert_request, build, refusal, A, MACHINE_JSON};
    use super::*;

    const URI: &str = "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

    #[test]
    fn sends_only_what_is_set() {
        assert_request(
            &build(
                &UpdateMachineParams::new(A)
                    .default_token_ttl(600)
                    .name("renamed-worker"),
            ),
            "PATCH",
            URI,
            r#"{"name":"renamed-worker","default_token_ttl":600}"#,
        );
        assert_request(
            &build(&UpdateMachineParams::new(A).name("renamed-worker")),
            "PATCH",
            URI,
            r#"{"name":"renamed-worker"}"#,
        );
        assert_request(
            &build(&UpdateMachineParams::new(A).default_token_ttl(600)),
            "PATCH",
            URI,
            r#"{"default_token_ttl":600}"#,
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert_eq!(
            refusal(&UpdateMachineParams::new(A)),
            MachineRequestError::NothingToUpdate
        );
        assert_eq!(
            refusal(&UpdateMachineParams::new("").name("x")),
            MachineRequestError::EmptyMachineId {
                field: "machine_id"
            }
        );
        assert_eq!(
            refusal(&UpdateMachineParams::new(A).name("")),
            MachineRequestError::NameLength { length: 0 }
        );
        assert_eq!(
            refusal(&UpdateMachineParams::new(A).default_token_ttl(0)),
            MachineRequestError::DefaultTokenTtlOutOfRange { seconds: 0 }
        );
    }

    #[test]
    fn parses_the_updated_machine() {
        let machine = UpdateMachineParams::parse_response(answer(200, MACHINE_JSON)).unwrap();
        assert_eq!(machine.default_token_ttl, Some(7200));
    }
}
