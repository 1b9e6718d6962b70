//! `GET /v1/machines/{id}/secret_key` and `POST …/secret_key/rotate`.

use crate::error::{MachineRequestError, RequestError, ResponseError};
use crate::{Config, Endpoint, MachineSecretKey, Operation};
use http::Method;
use serde::Serialize;

/// Params for reading a machine's current secret key.
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, GetMachineSecretKeyParams};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = GetMachineSecretKeyParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")
///     .build_request(&config)?;
/// assert_eq!(
///     request.uri(),
///     "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk/secret_key"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct GetMachineSecretKeyParams {
    machine_id: String,
}

impl GetMachineSecretKeyParams {
    /// The secret key of the machine with id `machine_id` (`mch_…`).
    pub fn new(machine_id: impl Into<String>) -> Self {
        Self {
            machine_id: machine_id.into(),
        }
    }
}

impl Endpoint for GetMachineSecretKeyParams {
    type Output = MachineSecretKey;
    const OPERATION: Operation = Operation::GetMachineSecretKey;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        super::check_machine_id("machine_id", &self.machine_id)?;
        let path = format!("/{}/secret_key", self.machine_id);
        super::machines_request(config, Method::GET, &path, "", Vec::new())
    }

    fn parse_response(
        response: http::Response<Vec<u8>>,
    ) -> Result<MachineSecretKey, ResponseError> {
        crate::params::parse_json(response)
    }
}

/// Params for rotating a machine's secret key: the answer is the new key,
/// and the previous one keeps working for `previous_token_ttl` seconds
/// (0–28800; 0 ends it at once), time to roll the new key out.
///
/// The grace period is required, so it is an argument of [`new`](Self::new)
/// (`@clerk/backend` would post `{}` without it, which the API refuses).
/// Never retried once it may have reached the server: each call mints a key.
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, RotateMachineSecretKeyParams};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = RotateMachineSecretKeyParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk", 3600)
///     .build_request(&config)?;
/// assert_eq!(
///     request.uri(),
///     "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk/secret_key/rotate"
/// );
/// assert_eq!(request.body(), br#"{"previous_token_ttl":3600}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct RotateMachineSecretKeyParams {
    machine_id: String,
    previous_token_ttl: u64,
}

#[derive(Serialize)]
struct RotateBody {
    previous_token_ttl: u64,
}

impl RotateMachineSecretKeyParams {
    /// Rotate the key of machine `machine_id` (`mch_…`), keeping the previous
    /// key valid for `previous_token_ttl` seconds (0–28800).
    pub fn new(machine_id: impl Into<String>, previous_token_ttl: u64) -> Self {
        Self {
            machine_id: machine_id.into(),
            previous_token_ttl,
        }
    }
}

impl Endpoint for RotateMachineSecretKeyParams {
    type Output = MachineSecretKey;
    const OPERATION: Operation = Operation::RotateMachineSecretKey;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        super::check_machine_id("machine_id", &self.machine_id)?;
        let seconds = self.previous_token_ttl;
        if seconds > super::MAX_PREVIOUS_TOKEN_TTL {
            return Err(MachineRequestError::PreviousTokenTtlOutOfRange { seconds }.into());
        }
        let body = crate::request::json_body(&RotateBody {
            previous_token_ttl: seconds,
        })?;
        let path = format!("/{}/secret_key/rotate", self.machine_id);
        super::machines_request(config, Method::POST, &path, "", body)
    }

    fn parse_response(
        response: http::Response<Vec<u8>>,
    ) -> Result<MachineSecretKey, ResponseError> {
        crate::params::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{answer, assert_request, build, refusal, A};
    use super::*;

    const URI: &str = "https://api.clerk.com/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
    const KEY_JSON: &str = r#"{"object":"machine_secret_key","secret":"ak_test_sentinel"}"#;

    #[test]
    fn get_sends_the_recorded_request() {
        assert_request(
            &build(&GetMachineSecretKeyParams::new(A)),
            "GET",
            &format!("{URI}/secret_key"),
            "",
        );
        assert_eq!(
            refusal(&GetMachineSecretKeyParams::new("")),
            MachineRequestError::EmptyMachineId {
                field: "machine_id"
            }
        );
    }

    #[test]
    fn rotate_sends_the_recorded_requests() {
        for (seconds, body) in [
            (3600, r#"{"previous_token_ttl":3600}"#),
            (0, r#"{"previous_token_ttl":0}"#),
            (28_800, r#"{"previous_token_ttl":28800}"#),
        ] {
            assert_request(
                &build(&RotateMachineSecretKeyParams::new(A, seconds)),
                "POST",
                &format!("{URI}/secret_key/rotate"),
                body,
            );
        }
    }

    #[test]
    fn rotate_refuses_bad_values() {
        assert_eq!(
            refusal(&RotateMachineSecretKeyParams::new(A, 28_801)),
            MachineRequestError::PreviousTokenTtlOutOfRange { seconds: 28_801 }
        );
        assert_eq!(
            refusal(&RotateMachineSecretKeyParams::new("", 0)),
            MachineRequestError::EmptyMachineId {
                field: "machine_id"
            }
        );
    }

    #[test]
    fn the_key_is_parsed_and_redacted() {
        for parsed in [
            GetMachineSecretKeyParams::parse_response(answer(200, KEY_JSON)).unwrap(),
            RotateMachineSecretKeyParams::parse_response(answer(200, KEY_JSON)).unwrap(),
        ] {
            assert_eq!(parsed.secret.expose_secret(), "ak_test_sentinel");
            assert!(!format!("{parsed:?}").contains("sentinel"));
        }
    }
}
