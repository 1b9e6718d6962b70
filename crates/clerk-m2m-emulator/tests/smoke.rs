//! The JS SDK's sequence (observed-requests.md) end to end, from blocking
//! code and from inside a tokio test.

mod common;

use common::{call, emulator, instance_key, machine_key};
use serde_json::json;

fn js_sequence() {
    let emulator = emulator();
    let a = machine_key(&emulator, 0);
    let b = machine_key(&emulator, 1);
    let a_id = emulator.machines()[0].id().to_owned();

    let created = call(
        &emulator,
        "POST",
        "/m2m_tokens",
        Some(&a),
        Some(&json!({"seconds_until_expiration": 3600,
                     "claims": {"role": "reader", "nestedKey": {"camelCase": 1}},
                     "token_format": "opaque"})),
    );
    assert_eq!(created.status, 201);
    let token = created.json();
    let value = token["token"].as_str().unwrap().to_owned();
    let id = token["id"].as_str().unwrap().to_owned();

    let listed = call(
        &emulator,
        "GET",
        &format!("/m2m_tokens?subject={a_id}"),
        Some(&a),
        None,
    );
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["total_count"], 1);

    let verified = call(
        &emulator,
        "POST",
        "/m2m_tokens/verify",
        Some(&b),
        Some(&json!({"token": value})),
    );
    assert_eq!(verified.status, 200, "{:?}", verified.json());
    assert_eq!(verified.json()["id"], id.as_str());

    let revoked = call(
        &emulator,
        "POST",
        &format!("/m2m_tokens/{id}/revoke"),
        Some(&a),
        Some(&json!({"revocation_reason": "interop"})),
    );
    assert_eq!(revoked.status, 200);
    assert_eq!(revoked.json()["revoked"], true);

    let again = call(
        &emulator,
        "POST",
        "/m2m_tokens/verify",
        Some(&b),
        Some(&json!({"token": value})),
    );
    assert_eq!(again.status, 404);
    assert_eq!(again.error_code(), "resource_not_found");

    let jwks = call(
        &emulator,
        "GET",
        "/v1/jwks",
        Some(&instance_key(&emulator)),
        None,
    );
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.json()["keys"][0]["kid"], emulator.instance_id());
}

#[test]
fn js_sequence_from_blocking_code() {
    js_sequence();
}

#[tokio::test]
async fn js_sequence_inside_a_current_thread_runtime() {
    // The emulator runs on its own thread and runtime: blocking calls here
    // and dropping the handle are fine.
    js_sequence();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_and_drop_inside_a_multi_thread_runtime() {
    let emulator = emulator();
    let addr = emulator.addr();
    drop(emulator);
    // Stopped: nothing listens any more.
    assert!(std::net::TcpStream::connect(addr).is_err());
}
