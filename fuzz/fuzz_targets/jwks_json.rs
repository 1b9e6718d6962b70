//! Reading a JWKS (the answer to `GET /v1/jwks`). Oracles: an accepted key
//! set is never empty, and the response parser agrees with the JSON reader.
#![no_main]

use clerk_m2m_types::driver::jwks::parse_jwks_response;
use clerk_m2m_types::jwt::KeySet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let direct = KeySet::from_jwks_json(input);
    if let Ok(keys) = &direct {
        assert!(!keys.is_empty(), "an empty key set was accepted");
        assert!(keys.kids().count() <= keys.len());
    }
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(input.to_vec())
        .expect("a static response");
    let parsed = parse_jwks_response(response);
    assert_eq!(parsed.is_ok(), direct.is_ok());
});
