//! Every endpoint's response parser on any status, headers and body (the
//! input read as an HTTP response: status line, headers, empty line, body).
//! Oracles: a non-2xx answer is always an API error with that status; an
//! error's `Display` and `Debug` are already scrubbed (scrubbing them again
//! changes nothing).
#![no_main]

use clerk_m2m_fuzz::response_from;
use clerk_m2m_types::fuzzing::scrub_secrets;
use clerk_m2m_types::ResponseError;
use clerk_m2m_types::{
    CreateTokenParams, Endpoint, ListTokensParams, RevokeTokenParams, VerifyTokenParams,
};
use libfuzzer_sys::fuzz_target;

fn check<T>(status: http::StatusCode, result: Result<T, ResponseError>) {
    match result {
        Ok(_) => assert!(status.is_success(), "parsed a {status} answer as success"),
        Err(error) => {
            assert_eq!(error.status(), status);
            if !status.is_success() {
                assert!(matches!(error, ResponseError::Api(_)), "{error:?}");
            }
            for shown in [error.to_string(), format!("{error:?}")] {
                assert_eq!(scrub_secrets(&shown), shown, "a secret survived in {shown}");
            }
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let response = response_from(input);
    let status = response.status();
    let copy = || {
        let mut copy = http::Response::new(response.body().clone());
        *copy.status_mut() = status;
        *copy.headers_mut() = response.headers().clone();
        copy
    };
    check(status, CreateTokenParams::parse_response(copy()));
    check(status, ListTokensParams::parse_response(copy()));
    check(status, RevokeTokenParams::parse_response(copy()));
    check(status, VerifyTokenParams::parse_response(copy()));
});
