//! The calls (four on M2M tokens, the JWKS fetch, nine on machines), and
//! the contract each one's params fulfil.

use crate::error::{RequestError, ResponseError};
use crate::Config;
use std::fmt;

/// One of the calls: on M2M tokens, the JWKS fetch local JWT verification
/// makes, or on machines (`/v1/machines…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /m2m_tokens`: not idempotent (each call mints a billed token).
    CreateToken,
    /// `GET /m2m_tokens`.
    ListTokens,
    /// `POST /m2m_tokens/{id}/revoke`: converges when repeated.
    RevokeToken,
    /// `POST /m2m_tokens/verify`.
    VerifyToken,
    /// `GET /v1/jwks`: the instance's public keys, for local JWT verification.
    FetchJwks,
    /// `GET /v1/machines`.
    ListMachines,
    /// `POST /v1/machines`: not idempotent (each call creates a machine and its secret key).
    CreateMachine,
    /// `GET /v1/machines/{id}`.
    GetMachine,
    /// `PATCH /v1/machines/{id}`.
    UpdateMachine,
    /// `DELETE /v1/machines/{id}`: a repeat after it landed answers 404.
    DeleteMachine,
    /// `GET /v1/machines/{id}/secret_key`.
    GetMachineSecretKey,
    /// `POST /v1/machines/{id}/secret_key/rotate`: not idempotent (each call mints a key).
    RotateMachineSecretKey,
    /// `POST /v1/machines/{id}/scopes`: a repeat after it landed answers 409.
    AddMachineScope,
    /// `DELETE /v1/machines/{id}/scopes/{other_id}`: a repeat after it landed answers 404.
    RemoveMachineScope,
}

impl Operation {
    /// The call's name, e.g. `create_token`.
    pub fn name(self) -> &'static str {
        match self {
            Self::CreateToken => "create_token",
            Self::ListTokens => "list_tokens",
            Self::RevokeToken => "revoke_token",
            Self::VerifyToken => "verify_token",
            Self::FetchJwks => "fetch_jwks",
            Self::ListMachines => "list_machines",
            Self::CreateMachine => "create_machine",
            Self::GetMachine => "get_machine",
            Self::UpdateMachine => "update_machine",
            Self::DeleteMachine => "delete_machine",
            Self::GetMachineSecretKey => "get_machine_secret_key",
            Self::RotateMachineSecretKey => "rotate_machine_secret_key",
            Self::AddMachineScope => "add_machine_scope",
            Self::RemoveMachineScope => "remove_machine_scope",
        }
    }

    /// The path template, for logs and spans (never a real id): token paths
    /// without the configurable prefix, machine paths with their fixed `/v1`.
    pub fn path_template(self) -> &'static str {
        match self {
            Self::CreateToken | Self::ListTokens => "/m2m_tokens",
            Self::RevokeToken => "/m2m_tokens/{id}/revoke",
            Self::VerifyToken => "/m2m_tokens/verify",
            Self::FetchJwks => "/v1/jwks",
            Self::ListMachines | Self::CreateMachine => "/v1/machines",
            Self::GetMachine | Self::UpdateMachine | Self::DeleteMachine => "/v1/machines/{id}",
            Self::GetMachineSecretKey => "/v1/machines/{id}/secret_key",
            Self::RotateMachineSecretKey => "/v1/machines/{id}/secret_key/rotate",
            Self::AddMachineScope => "/v1/machines/{id}/scopes",
            Self::RemoveMachineScope => "/v1/machines/{id}/scopes/{other_id}",
        }
    }

    /// Whether sending the same request twice has the effect of sending it once.
    pub fn is_idempotent(self) -> bool {
        !matches!(
            self,
            Self::CreateToken | Self::CreateMachine | Self::RotateMachineSecretKey
        )
    }

    /// Whether a request that may have reached the server may be sent
    /// again: when a repeat has the effect and the answer of the first.
    ///
    /// False for calls that mint a token or a secret key (create, rotate),
    /// and for calls whose repeat answers differently once the first landed
    /// (deleting a machine, adding or removing a scope: 404 or 409). Those
    /// are retried only when they were certainly not processed (see
    /// [`RetryPolicy`](crate::RetryPolicy)).
    pub fn is_safe_to_resend(self) -> bool {
        matches!(
            self,
            Self::ListTokens
                | Self::RevokeToken
                | Self::VerifyToken
                | Self::FetchJwks
                | Self::ListMachines
                | Self::GetMachine
                | Self::UpdateMachine
                | Self::GetMachineSecretKey
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The params of one call: how to build its request and read its response.
///
/// Both are pure: no I/O, no clock. A client builds the request once, sends
/// it (again, if the retry policy says so) and parses the answer.
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, VerifyTokenParams};
///
/// let config = Config::builder().machine_secret_key("ak_test_example").build()?;
/// let request = VerifyTokenParams::new("mt_opaque_value").build_request(&config)?;
/// assert_eq!(request.uri(), "https://api.clerk.com/m2m_tokens/verify");
/// assert_eq!(request.body(), br#"{"token":"mt_opaque_value"}"#);
///
/// let answer = http::Response::builder()
///     .status(200)
///     .header("content-type", "application/json")
///     .body(br#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1","created_at":1,"updated_at":1}"#.to_vec())?;
/// let token = VerifyTokenParams::parse_response(answer)?;
/// assert_eq!(token.subject, "mch_1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Endpoint {
    /// What a successful call yields.
    type Output;
    /// Which call this is (for the retry policy, errors and tracing).
    const OPERATION: Operation;

    /// Validates the params and builds the HTTP request.
    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError>;

    /// Reads the HTTP response.
    fn parse_response(response: http::Response<Vec<u8>>) -> Result<Self::Output, ResponseError>;
}
