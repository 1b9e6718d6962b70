//! `GET /v1/machines/{id}`: one machine.

use crate::error::{RequestError, ResponseError};
use crate::{Config, Endpoint, Machine, Operation};
use http::Method;

/// Params for reading one machine by id.
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, GetMachineParams};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = GetMachineParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk").build_request(&config)?;
/// assert_eq!(request.uri(), "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
/// assert!(request.body().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct GetMachineParams {
    machine_id: String,
}

impl GetMachineParams {
    /// The machine with id `machine_id` (`mch_…`).
    pub fn new(machine_id: impl Into<String>) -> Self {
        Self {
            machine_id: machine_id.into(),
        }
    }
}

impl Endpoint for GetMachineParams {
    type Output = Machine;
    const OPERATION: Operation = Operation::GetMachine;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        super::check_machine_id("machine_id", &self.machine_id)?;
        let path = format!("/{}", self.machine_id);
        super::machines_request(config, Method::GET, &path, "", Vec::new())
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<Machine, ResponseError> {
        crate::params::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{answer, assert_request, build, refusal, A, B, MACHINE_JSON};
    use super::*;
    use crate::MachineRequestError;

    #[test]
    fn sends_the_recorded_request() {
        assert_request(
            &build(&GetMachineParams::new(A)),
            "GET",
            "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            "",
        );
    }

    #[test]
    fn ids_are_checked_before_they_reach_a_path() {
        assert_eq!(
            refusal(&GetMachineParams::new("")),
            MachineRequestError::EmptyMachineId {
                field: "machine_id"
            }
        );
        for bad in [
            "..",
            "mch_1/secret_key",
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk?x=1",
        ] {
            assert!(
                matches!(
                    refusal(&GetMachineParams::new(bad)),
                    MachineRequestError::InvalidMachineId { .. }
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn parses_the_machine_and_its_scopes() {
        let machine = GetMachineParams::parse_response(answer(200, MACHINE_JSON)).unwrap();
        assert_eq!(machine.name, "billing-worker");
        assert_eq!(machine.scoped_machines.len(), 1);
        assert_eq!(machine.scoped_machines[0].id, B);
        assert!(machine.secret_key.is_none());
        let error = GetMachineParams::parse_response(answer(
            404,
            r#"{"errors":[{"code":"resource_not_found","message":"not found","long_message":"not found"}],"clerk_trace_id":"t1"}"#,
        ))
        .unwrap_err();
        assert_eq!(error.status(), 404);
    }
}
