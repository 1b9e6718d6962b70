//! `DELETE /v1/machines/{id}`: delete a machine.

use crate::error::{RequestError, ResponseError};
use crate::{Config, DeletedMachine, Endpoint, Operation};
use http::Method;

/// Params for deleting a machine by id. Its secret keys stop working.
///
/// Retried only when it was certainly not processed (a 429, or a failure
/// before sending): a repeat of a delete that landed answers 404.
///
/// ```
/// use clerk_m2m_types::{Config, DeleteMachineParams, Endpoint};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = DeleteMachineParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk").build_request(&config)?;
/// assert_eq!(request.method(), "DELETE");
/// assert_eq!(request.uri(), "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct DeleteMachineParams {
    machine_id: String,
}

impl DeleteMachineParams {
    /// Delete the machine with id `machine_id` (`mch_…`).
    pub fn new(machine_id: impl Into<String>) -> Self {
        Self {
            machine_id: machine_id.into(),
        }
    }
}

impl Endpoint for DeleteMachineParams {
    type Output = DeletedMachine;
    const OPERATION: Operation = Operation::DeleteMachine;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        super::check_machine_id("machine_id", &self.machine_id)?;
        let path = format!("/{}", self.machine_id);
        super::machines_request(config, Method::DELETE, &path, "", Vec::new())
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<DeletedMachine, ResponseError> {
        crate::params::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{answer, assert_request, build, refusal, A};
    use super::*;
    use crate::MachineRequestError;

    #[test]
    fn sends_the_recorded_request() {
        assert_request(
            &build(&DeleteMachineParams::new(A)),
            "DELETE",
            "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            "",
        );
        assert_eq!(
            refusal(&DeleteMachineParams::new("")),
            MachineRequestError::EmptyMachineId {
                field: "machine_id"
            }
        );
    }

    #[test]
    fn parses_the_deletion() {
        let deleted = DeleteMachineParams::parse_response(answer(
            200,
            r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","deleted":true}"#,
        ))
        .unwrap();
        assert_eq!(deleted.id, A);
        assert!(deleted.deleted);
        assert_eq!(deleted.object, "machine");
    }
}
