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
    let body = response.body();
    // Checked as UTF-8 once, the text parses without checking each string
    // again (a fifth of the parse); bytes that are not UTF-8 go to the byte
    // parser, which names the position.
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
    .map_err(|error| DecodeError::new(status, error, body).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::M2mToken;

    fn response(status: u16, body: &[u8]) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .unwrap()
    }

    #[test]
    fn a_success_that_does_not_parse_is_a_decode_error_with_the_body() {
        for body in [
            &br#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"#[..],
            b"",
            b"[1,2,3]",
            b"<html>ok</html>",
        ] {
            match parse_json::<M2mToken>(response(201, body)) {
                Err(ResponseError::Decode(error)) => {
                    assert_eq!(error.status(), http::StatusCode::CREATED);
                    assert_eq!(error.body_snippet(), String::from_utf8_lossy(body));
                }
                other => panic!("{body:?}: expected a decode error, got {other:?}"),
            }
        }
    }

    #[test]
    fn text_and_bytes_parse_alike() {
        // Valid UTF-8 goes through the text parser: same token, same errors.
        let body = b"{\"id\":\"mt_0123456789abcdef0123456789abcdef\",\"subject\":\"mch_\\u00e9t\xc3\xa9\",\"created_at\":1,\"updated_at\":1}";
        let token = parse_json::<M2mToken>(response(200, body)).expect("a token");
        assert_eq!(token.subject, "mch_\u{e9}t\u{e9}");
        for broken in [&br#"{"id":1}"#[..], br#"{"id":"a","#] {
            let Err(ResponseError::Decode(error)) = parse_json::<M2mToken>(response(200, broken))
            else {
                panic!("{broken:?}: expected a decode error");
            };
            let from_bytes = serde_json::from_slice::<M2mToken>(broken).expect_err("broken");
            assert_eq!(error.reason(), from_bytes.to_string());
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_a_decode_error_naming_the_position() {
        let body = b"{\"id\":\"mt_\xff\",\"subject\":\"mch_1\",\"created_at\":1,\"updated_at\":1}";
        let Err(ResponseError::Decode(error)) = parse_json::<M2mToken>(response(200, body)) else {
            panic!("expected a decode error");
        };
        assert!(
            error
                .reason()
                .contains("invalid unicode code point at line 1 column"),
            "{}",
            error.reason()
        );
    }

    #[test]
    fn any_other_status_is_an_api_error() {
        for status in [302, 307, 400, 429, 500, 502] {
            match parse_json::<M2mToken>(response(status, b"{}")) {
                Err(ResponseError::Api(error)) => assert_eq!(error.status(), status),
                other => panic!("{status}: expected an API error, got {other:?}"),
            }
        }
    }
}
