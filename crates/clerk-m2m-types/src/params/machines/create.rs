//! `POST /v1/machines`: create a machine.

use crate::error::{MachineRequestError, RequestError, ResponseError};
use crate::{Config, Endpoint, Machine, Operation};
use http::Method;
use serde::Serialize;

/// Params for creating a machine. The answer is the new [`Machine`] with
/// its secret key (`secret_key`, `ak_…`), the only answer that carries it.
///
/// Never retried once it may have reached the server: each call creates a
/// machine and mints its key.
///
/// ```
/// use clerk_m2m_types::{Config, CreateMachineParams, Endpoint};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = CreateMachineParams::new("billing-worker")
///     .scoped_machine("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em")
///     .default_token_ttl(7200)
///     .build_request(&config)?;
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.uri(), "https://api.clerk.com/v1/machines");
/// assert_eq!(
///     request.body(),
///     br#"{"name":"billing-worker","scoped_machines":["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"],"default_token_ttl":7200}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CreateMachineParams {
    name: String,
    scoped_machines: Option<Vec<String>>,
    default_token_ttl: Option<u64>,
}

/// Key order as `@clerk/backend` 3.25.0 sends it; unset keys are absent.
#[derive(Serialize)]
struct CreateBody<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scoped_machines: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_token_ttl: Option<u64>,
}

impl CreateMachineParams {
    /// A machine called `name` (1–255 characters), with no scopes and the
    /// server's default token lifetime (3600 s).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            scoped_machines: None,
            default_token_ttl: None,
        }
    }

    /// The machines this one may call (`mch_…`, at most 150), replacing any
    /// given before. An empty list is sent as `[]`.
    pub fn scoped_machines<I, S>(mut self, machine_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scoped_machines = Some(machine_ids.into_iter().map(Into::into).collect());
        self
    }

    /// Adds one machine this one may call (`mch_…`).
    pub fn scoped_machine(mut self, machine_id: impl Into<String>) -> Self {
        self.scoped_machines
            .get_or_insert_with(Vec::new)
            .push(machine_id.into());
        self
    }

    /// Lifetime in seconds of the tokens this machine creates without
    /// `seconds_until_expiration`: 1–315360000 (server default 3600).
    pub fn default_token_ttl(mut self, seconds: u64) -> Self {
        self.default_token_ttl = Some(seconds);
        self
    }

    fn validate(&self) -> Result<(), MachineRequestError> {
        super::check_name(&self.name)?;
        if let Some(scoped) = &self.scoped_machines {
            if scoped.len() > super::MAX_SCOPED_MACHINES {
                return Err(MachineRequestError::TooManyScopes {
                    count: scoped.len(),
                });
            }
            for id in scoped {
                super::check_machine_id("scoped_machines", id)?;
            }
        }
        if let Some(seconds) = self.default_token_ttl {
            super::check_default_token_ttl(seconds)?;
        }
        Ok(())
    }
}

impl Endpoint for CreateMachineParams {
    type Output = Machine;
    const OPERATION: Operation = Operation::CreateMachine;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        self.validate()?;
        let body = crate::request::json_body(&CreateBody {
            name: &self.name,
            scoped_machines: self.scoped_machines.as_deref(),
            default_token_ttl: self.default_token_ttl,
        })?;
        super::machines_request(config, Method::POST, "", "", body)
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<Machine, ResponseError> {
        crate::params::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{answer, assert_request, build, refusal, A, B, C};
    use super::*;

    const URI: &str = "https://api.clerk.com/v1/machines";

    #[test]
    fn sends_the_recorded_requests() {
        assert_request(
            &build(&CreateMachineParams::new("ci-runner")),
            "POST",
            URI,
            r#"{"name":"ci-runner"}"#,
        );
        assert_request(
            &build(
                &CreateMachineParams::new("billing-worker")
                    .default_token_ttl(7200)
                    .scoped_machines([B, C]),
            ),
            "POST",
            URI,
            r#"{"name":"billing-worker","scoped_machines":["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","mch_2zHlMqR8Z4sYTxuV35DaUl0J8Fn"],"default_token_ttl":7200}"#,
        );
        assert_request(
            &build(&CreateMachineParams::new("x").scoped_machines(Vec::<String>::new())),
            "POST",
            URI,
            r#"{"name":"x","scoped_machines":[]}"#,
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert_eq!(
            refusal(&CreateMachineParams::new("")),
            MachineRequestError::NameLength { length: 0 }
        );
        assert_eq!(
            refusal(&CreateMachineParams::new("x".repeat(256))),
            MachineRequestError::NameLength { length: 256 }
        );
        assert_eq!(
            refusal(&CreateMachineParams::new("x").default_token_ttl(0)),
            MachineRequestError::DefaultTokenTtlOutOfRange { seconds: 0 }
        );
        assert_eq!(
            refusal(&CreateMachineParams::new("x").default_token_ttl(315_360_001)),
            MachineRequestError::DefaultTokenTtlOutOfRange {
                seconds: 315_360_001
            }
        );
        assert_eq!(
            refusal(&CreateMachineParams::new("x").scoped_machine("")),
            MachineRequestError::EmptyMachineId {
                field: "scoped_machines"
            }
        );
        assert!(matches!(
            refusal(&CreateMachineParams::new("x").scoped_machine("user_1")),
            MachineRequestError::InvalidMachineId {
                field: "scoped_machines",
                ..
            }
        ));
        let at_limit = CreateMachineParams::new("x").scoped_machines(vec![A; 150]);
        assert_eq!(build(&at_limit).method(), "POST");
        assert_eq!(
            refusal(&CreateMachineParams::new("x").scoped_machines(vec![A; 151])),
            MachineRequestError::TooManyScopes { count: 151 }
        );
    }

    #[test]
    fn parses_the_new_machine_and_keeps_its_key_secret() {
        let body = r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","name":"ci-runner","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz","created_at":1716879600000,"updated_at":1716879600000,"default_token_ttl":3600,"scoped_machines":[],"secret_key":"ak_test_sentinel"}"#;
        let machine = CreateMachineParams::parse_response(answer(200, body)).unwrap();
        assert_eq!(machine.id, A);
        assert_eq!(machine.default_token_ttl, Some(3600));
        let key = machine.secret_key.as_ref().unwrap();
        assert_eq!(key.expose_secret(), "ak_test_sentinel");
        assert!(!format!("{machine:?}").contains("sentinel"));
    }
}
