//! Fixtures for the Machines API unit tests (test-only fake keys and ids).

use crate::{Config, Endpoint};

/// Test-only fake instance key.
pub(super) const INSTANCE_KEY: &str = "sk_test_machines";
pub(super) const A: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
pub(super) const B: &str = "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em";
pub(super) const C: &str = "mch_2zHlMqR8Z4sYTxuV35DaUl0J8Fn";

/// A machine as the API answers it (the shapes of `clerk-bapi-machines.openapi.yml`).
pub(super) const MACHINE_JSON: &str = r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","name":"billing-worker","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz","created_at":1716879600000,"updated_at":1716879600000,"default_token_ttl":7200,"scoped_machines":[{"object":"machine","id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","name":"billing-api","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz","created_at":1716879500000,"updated_at":1716879500000,"default_token_ttl":3600}]}"#;

/// A config holding the instance key, against the public API.
pub(super) fn instance_config() -> Config {
    Config::builder()
        .secret_key(INSTANCE_KEY)
        .build()
        .expect("a valid config")
}

/// The request `params` builds with [`instance_config`].
pub(super) fn build(params: &impl Endpoint) -> http::Request<Vec<u8>> {
    params
        .build_request(&instance_config())
        .expect("the request builds")
}

/// Checks method, URI, body and the headers every Machines call sends.
pub(super) fn assert_request(
    request: &http::Request<Vec<u8>>,
    method: &str,
    uri: &str,
    body: &str,
) {
    assert_eq!(request.method(), method);
    assert_eq!(request.uri(), uri);
    assert_eq!(std::str::from_utf8(request.body()).unwrap(), body);
    let headers = request.headers();
    assert_eq!(headers.len(), 4, "{headers:?}");
    assert_eq!(headers["authorization"], format!("Bearer {INSTANCE_KEY}"));
    assert!(headers["authorization"].is_sensitive());
    assert_eq!(headers["clerk-api-version"], crate::DEFAULT_API_VERSION);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["user-agent"], crate::USER_AGENT);
}

/// A JSON answer with `status`.
pub(super) fn answer(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .expect("a valid response")
}

/// The machine-request error `params` is refused with.
pub(super) fn refusal(params: &impl Endpoint) -> crate::MachineRequestError {
    match params.build_request(&instance_config()) {
        Err(crate::RequestError::Machine(error)) => error,
        other => panic!("expected a machine request error, got {other:?}"),
    }
}
