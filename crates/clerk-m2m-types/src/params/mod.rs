//! Params for the four token calls and the nine machine calls. Setters never fail; validation happens when
//! the request is built ([`Endpoint::build_request`](crate::Endpoint::build_request)).

mod create;
mod list;
pub(crate) mod machines;
mod revoke;
mod verify;

pub use create::CreateTokenParams;
pub use list::ListTokensParams;
pub use machines::{
    AddMachineScopeParams, CreateMachineParams, DeleteMachineParams, GetMachineParams,
    GetMachineSecretKeyParams, ListMachinesParams, RemoveMachineScopeParams,
    RotateMachineSecretKeyParams, UpdateMachineParams, MAX_DEFAULT_TOKEN_TTL,
    MAX_MACHINE_NAME_CHARS, MAX_PREVIOUS_TOKEN_TTL, MAX_SCOPED_MACHINES,
};
pub use revoke::RevokeTokenParams;
pub use verify::VerifyTokenParams;

use crate::error::{ApiError, DecodeError, ResponseError};
use serde::de::DeserializeOwned;

/// `value` for `Debug` if it passes `is_valid` (an id), else a placeholder
/// with its length: a secret passed where an id belongs never shows.
pub(crate) fn shown_if(value: &str, is_valid: fn(&str) -> bool) -> std::borrow::Cow<'_, str> {
    if is_valid(value) {
        value.into()
    } else {
        format!("[not shown: {} characters]", value.len()).into()
    }
}

/// Parses a 2xx JSON body as `T`, anything else as an API error.
pub(crate) fn parse_json<T: DeserializeOwned>(
    response: http::Response<Vec<u8>>,
) -> Result<T, ResponseError> {
    let status = response.status();
    if !status.is_success() {
        return Err(ApiError::from_response(status, response.headers(), response.body()).into());
    }
    serde_json::from_slice(response.body())
        .map_err(|error| DecodeError::new(status, error, response.body()).into())
}
