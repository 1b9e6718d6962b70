//! The Machines API through both clients over real loopback HTTP: the exact
//! requests of the nine calls, checked against what `@clerk/backend` 3.25.0
//! was recorded sending (`tests/js-interop/observed-requests.md`), the typed
//! error of a 4xx, the retry rule of each call, and the local refusals.

mod support;

use clerk_m2m::{
    AddMachineScopeParams, Config, CreateMachineParams, DeleteMachineParams, Error,
    GetMachineParams, GetMachineSecretKeyParams, ListMachinesParams, RemoveMachineScopeParams,
    RotateMachineSecretKeyParams, UpdateMachineParams,
};
use clerk_m2m::{MachineRequestError, Operation, RequestError, RetryPolicy};
use std::time::Duration;
use support::{RecordedRequest, Reply, ScriptedServer};

/// Test-only fake keys.
const INSTANCE_KEY: &str = "sk_test_machines_wire";
const MACHINE_KEY: &str = "ak_test_machines_wire";
const A: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const B: &str = "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em";
const C: &str = "mch_2zHlMqR8Z4sYTxuV35DaUl0J8Fn";

const MACHINE_JSON: &str = r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","name":"billing-worker","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz","created_at":1716879600000,"updated_at":1716879600000,"default_token_ttl":7200,"scoped_machines":[{"object":"machine","id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","name":"billing-api","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz","created_at":1716879500000,"updated_at":1716879500000,"default_token_ttl":3600}]}"#;
const CREATED_JSON: &str = r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","name":"ci-runner","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz","created_at":1716879600000,"updated_at":1716879600000,"default_token_ttl":3600,"scoped_machines":[],"secret_key":"ak_test_created_sentinel"}"#;
const LIST_JSON: &str = r#"{"data":[],"total_count":0}"#;
const DELETED_JSON: &str =
    r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","deleted":true}"#;
const SECRET_JSON: &str = r#"{"object":"machine_secret_key","secret":"ak_test_secret_sentinel"}"#;
const SCOPE_JSON: &str = r#"{"object":"machine_scope","from_machine_id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","to_machine_id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","created_at":1716879600000}"#;
const SCOPE_DELETED_JSON: &str = r#"{"object":"machine_scope","from_machine_id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","to_machine_id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","deleted":true}"#;
const NOT_FOUND_JSON: &str = r#"{"errors":[{"message":"not found","long_message":"No machine was found with id mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","code":"resource_not_found","meta":{}}],"clerk_trace_id":"trace_machines_404"}"#;

/// One answer per call of the recorded sequence, in order (every success is 200).
fn recorded_sequence_answers() -> Vec<Reply> {
    [
        LIST_JSON,
        CREATED_JSON,
        CREATED_JSON,
        MACHINE_JSON,
        MACHINE_JSON,
        DELETED_JSON,
        SECRET_JSON,
        SECRET_JSON,
        SCOPE_JSON,
        SCOPE_DELETED_JSON,
    ]
    .map(|body| Reply::json(200, body))
    .into()
}

/// `(request line, body)` of each call in the Machines table of
/// `observed-requests.md`, in its order.
fn recorded_by_the_js_sdk() -> Vec<(String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/js-interop/observed-requests.md"
    );
    let text = std::fs::read_to_string(path).expect("observed-requests.md is readable");
    let section = text
        .split("## Machines")
        .nth(1)
        .expect("a Machines section")
        .split("Edge cases")
        .next()
        .unwrap_or_default();
    let unquote = |cell: &str| cell.trim().trim_matches('`').to_owned();
    let rows: Vec<(String, String)> = section
        .lines()
        .filter(|line| line.starts_with("| `machines."))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            let body = unquote(cells[2].trim_end_matches('|'));
            (
                unquote(cells[1]),
                if body == "none" { String::new() } else { body },
            )
        })
        .collect();
    assert_eq!(rows.len(), 10, "ten recorded calls expected: {rows:#?}");
    rows
}

/// Checks one request against a recorded `(request line, body)`, and the
/// headers every Machines call sends.
fn assert_matches_recording(request: &RecordedRequest, (line, body): &(String, String)) {
    let target = match &request.query {
        Some(query) => format!("{}?{query}", request.path),
        None => request.path.clone(),
    };
    assert_eq!(&format!("{} {target}", request.method), line);
    assert_eq!(request.body_str(), body, "{line}");
    request.assert_sdk_headers(INSTANCE_KEY, "2026-05-12");
}

fn assert_all_match_the_recording(server: &ScriptedServer) {
    let requests = server.requests();
    let recorded = recorded_by_the_js_sdk();
    assert_eq!(requests.len(), recorded.len(), "{requests:#?}");
    for (request, expected) in requests.iter().zip(&recorded) {
        assert_matches_recording(request, expected);
    }
}

// The recorded sequence, as params.
fn list_params() -> ListMachinesParams {
    ListMachinesParams::new()
        .limit(5)
        .offset(10)
        .query("ci")
        .order_by("-created_at")
}
fn create_scoped_params() -> CreateMachineParams {
    CreateMachineParams::new("billing-worker")
        .scoped_machines([B, C])
        .default_token_ttl(7200)
}
fn update_params() -> UpdateMachineParams {
    UpdateMachineParams::new(A)
        .name("renamed-worker")
        .default_token_ttl(600)
}

/// Both keys, as an app that also mints tokens has them: machine calls use the instance key.
fn config(server: &ScriptedServer) -> Config {
    Config::builder()
        .base_url(server.url())
        .secret_key(INSTANCE_KEY)
        .machine_secret_key(MACHINE_KEY)
        .build()
        .expect("config")
}

/// The default policy, with 10 ms backoff to keep the tests quick.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().base_delay(Duration::from_millis(10))
}

fn assert_not_found(error: &Error, operation: Operation) {
    let Error::Api {
        operation: failed,
        attempts,
        source,
    } = error
    else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(*failed, operation);
    assert_eq!(*attempts, 1);
    assert_eq!(source.status(), 404);
    assert_eq!(error.code(), Some("resource_not_found"));
    assert_eq!(error.trace_id(), Some("trace_machines_404"));
}

fn assert_refused_locally(error: &Error, expected: MachineRequestError) {
    match error {
        Error::InvalidRequest {
            source: RequestError::Machine(refusal),
            ..
        } => assert_eq!(refusal, &expected),
        other => panic!("expected a local refusal, got {other:?}"),
    }
    assert_eq!(error.attempts(), 0);
}

mod async_client {
    use super::*;
    use clerk_m2m::Client;

    fn client(server: &ScriptedServer) -> Client {
        Client::builder()
            .config(config(server))
            .retry_policy(quick_retries())
            .build()
            .expect("client")
    }

    #[tokio::test]
    async fn the_nine_calls_send_what_the_js_sdk_sends() {
        let server = ScriptedServer::start(Reply::json(500, "{}"));
        server.push(recorded_sequence_answers());
        let client = client(&server);
        let machines = client.machines();
        let list = machines.list(list_params()).await.unwrap();
        assert_eq!(list.total_count, 0);
        let created = machines
            .create(CreateMachineParams::new("ci-runner"))
            .await
            .unwrap();
        let key = created.secret_key.as_ref().expect("create answers the key");
        assert_eq!(key.expose_secret(), "ak_test_created_sentinel");
        assert!(!format!("{created:?}").contains("sentinel"));
        machines.create(create_scoped_params()).await.unwrap();
        let machine = machines.get(GetMachineParams::new(A)).await.unwrap();
        assert!(machine.has_scope(B));
        machines.update(update_params()).await.unwrap();
        let deleted = machines.delete(DeleteMachineParams::new(A)).await.unwrap();
        assert!(deleted.deleted);
        let secret = machines
            .get_secret_key(GetMachineSecretKeyParams::new(A))
            .await
            .unwrap();
        assert_eq!(secret.secret.expose_secret(), "ak_test_secret_sentinel");
        machines
            .rotate_secret_key(RotateMachineSecretKeyParams::new(A, 3600))
            .await
            .unwrap();
        let scope = machines
            .add_scope(AddMachineScopeParams::new(A, B))
            .await
            .unwrap();
        assert_eq!(scope.to_machine_id, B);
        let removed = machines
            .remove_scope(RemoveMachineScopeParams::new(A, B))
            .await
            .unwrap();
        assert!(removed.deleted);
        assert_all_match_the_recording(&server);
    }

    #[tokio::test]
    async fn a_404_is_a_typed_api_error() {
        let server = ScriptedServer::start(Reply::json(404, NOT_FOUND_JSON));
        let error = client(&server)
            .machines()
            .get(GetMachineParams::new(A))
            .await
            .unwrap_err();
        assert_not_found(&error, Operation::GetMachine);
    }

    #[tokio::test]
    async fn create_is_not_resent_after_a_500_or_a_reset() {
        let server = ScriptedServer::start(Reply::json(200, CREATED_JSON));
        server.push([Reply::json(500, "{}")]);
        let machines = client(&server);
        let error = machines
            .machines()
            .create(CreateMachineParams::new("ci-runner"))
            .await
            .unwrap_err();
        assert_eq!(error.status().map(|status| status.as_u16()), Some(500));
        server.push([Reply::Reset]);
        let error = machines
            .machines()
            .rotate_secret_key(RotateMachineSecretKeyParams::new(A, 0))
            .await
            .unwrap_err();
        assert!(error.transport_error().is_some(), "{error:?}");
        assert_eq!(error.attempts(), 1);
        assert_eq!(server.requests().len(), 2, "neither call may be resent");
    }

    #[tokio::test]
    async fn list_is_retried_on_a_503_and_a_scope_change_only_on_a_429() {
        let lists = ScriptedServer::start(Reply::json(200, LIST_JSON));
        lists.push([Reply::json(503, "{}")]);
        let list = client(&lists)
            .machines()
            .list(ListMachinesParams::new())
            .await
            .unwrap();
        assert_eq!(list.total_count, 0);
        assert_eq!(lists.requests().len(), 2);

        let scopes = ScriptedServer::start(Reply::json(200, SCOPE_JSON));
        scopes.push([Reply::json(503, "{}")]);
        let scoping = client(&scopes);
        let error = scoping
            .machines()
            .add_scope(AddMachineScopeParams::new(A, B))
            .await
            .unwrap_err();
        assert_eq!(error.attempts(), 1);
        scopes.push([Reply::json(429, "{}").header("retry-after", "0")]);
        scoping
            .machines()
            .add_scope(AddMachineScopeParams::new(A, B))
            .await
            .unwrap();
        assert_eq!(scopes.requests().len(), 3);
    }

    #[tokio::test]
    async fn a_machine_key_is_refused_before_sending() {
        let server = ScriptedServer::start(Reply::json(200, MACHINE_JSON));
        let only_machine_key = Client::builder()
            .base_url(server.url())
            .machine_secret_key(MACHINE_KEY)
            .build()
            .unwrap();
        let error = only_machine_key
            .machines()
            .get(GetMachineParams::new(A))
            .await
            .unwrap_err();
        assert_refused_locally(&error, MachineRequestError::MissingInstanceKey);
        let machine_key_as_instance_key = Client::builder()
            .base_url(server.url())
            .secret_key(MACHINE_KEY)
            .build()
            .unwrap();
        let error = machine_key_as_instance_key
            .machines()
            .delete(DeleteMachineParams::new(A))
            .await
            .unwrap_err();
        assert_refused_locally(&error, MachineRequestError::MachineKeyRefused);
        assert!(!error.to_string().contains(MACHINE_KEY));
        assert!(server.requests().is_empty());
    }
}

mod blocking_client {
    use super::*;
    use clerk_m2m::blocking::Client;

    fn client(server: &ScriptedServer) -> Client {
        Client::builder()
            .config(config(server))
            .retry_policy(quick_retries())
            .build()
            .expect("client")
    }

    #[test]
    fn the_nine_calls_send_what_the_js_sdk_sends() {
        let server = ScriptedServer::start(Reply::json(500, "{}"));
        server.push(recorded_sequence_answers());
        let client = client(&server);
        let machines = client.machines();
        assert_eq!(machines.list(list_params()).unwrap().total_count, 0);
        let created = machines
            .create(CreateMachineParams::new("ci-runner"))
            .unwrap();
        assert!(created.secret_key.is_some());
        assert!(!format!("{created:?}").contains("sentinel"));
        machines.create(create_scoped_params()).unwrap();
        assert!(machines.get(GetMachineParams::new(A)).unwrap().has_scope(B));
        machines.update(update_params()).unwrap();
        assert!(
            machines
                .delete(DeleteMachineParams::new(A))
                .unwrap()
                .deleted
        );
        let secret = machines
            .get_secret_key(GetMachineSecretKeyParams::new(A))
            .unwrap();
        assert_eq!(secret.secret.expose_secret(), "ak_test_secret_sentinel");
        machines
            .rotate_secret_key(RotateMachineSecretKeyParams::new(A, 3600))
            .unwrap();
        machines
            .add_scope(AddMachineScopeParams::new(A, B))
            .unwrap();
        machines
            .remove_scope(RemoveMachineScopeParams::new(A, B))
            .unwrap();
        assert_all_match_the_recording(&server);
    }

    #[test]
    fn a_404_is_a_typed_api_error() {
        let server = ScriptedServer::start(Reply::json(404, NOT_FOUND_JSON));
        let error = client(&server)
            .machines()
            .get_secret_key(GetMachineSecretKeyParams::new(A))
            .unwrap_err();
        assert_not_found(&error, Operation::GetMachineSecretKey);
    }

    #[test]
    fn create_and_delete_are_not_resent_after_a_500_or_a_reset() {
        let server = ScriptedServer::start(Reply::json(200, CREATED_JSON));
        server.push([Reply::Reset]);
        let client = client(&server);
        let error = client
            .machines()
            .create(CreateMachineParams::new("ci-runner"))
            .unwrap_err();
        assert!(error.transport_error().is_some(), "{error:?}");
        assert_eq!(error.attempts(), 1);
        server.push([Reply::json(503, "{}")]);
        let error = client
            .machines()
            .delete(DeleteMachineParams::new(A))
            .unwrap_err();
        assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
        assert_eq!(server.requests().len(), 2, "neither call may be resent");
    }

    #[test]
    fn reads_and_updates_are_retried_after_a_503_or_a_reset() {
        let server = ScriptedServer::start(Reply::json(200, MACHINE_JSON));
        server.push([Reply::json(503, "{}")]);
        let client = client(&server);
        client.machines().update(update_params()).unwrap();
        server.push([Reply::Reset]);
        client.machines().get(GetMachineParams::new(A)).unwrap();
        assert_eq!(server.requests().len(), 4);
    }

    #[test]
    fn list_values_are_form_encoded_as_recorded() {
        let server = ScriptedServer::start(Reply::json(200, LIST_JSON));
        client(&server)
            .machines()
            .list(
                ListMachinesParams::new()
                    .query("billing worker")
                    .order_by("+name")
                    .offset(0),
            )
            .unwrap();
        let request = server.single_request();
        // As recorded from the JS SDK (observed-requests.md, edge cases).
        assert_eq!(
            request.query.as_deref(),
            Some("query=billing+worker&order_by=%2Bname")
        );
        assert_eq!(request.path, "/v1/machines");
    }

    #[test]
    fn bad_params_never_reach_the_server() {
        let server = ScriptedServer::start(Reply::json(200, MACHINE_JSON));
        let client = client(&server);
        let error = client
            .machines()
            .update(UpdateMachineParams::new(A))
            .unwrap_err();
        assert_refused_locally(&error, MachineRequestError::NothingToUpdate);
        let error = client
            .machines()
            .remove_scope(RemoveMachineScopeParams::new(A, ""))
            .unwrap_err();
        assert_refused_locally(
            &error,
            MachineRequestError::EmptyMachineId {
                field: "other_machine_id",
            },
        );
        let error = client
            .machines()
            .rotate_secret_key(RotateMachineSecretKeyParams::new(A, 28_801))
            .unwrap_err();
        assert_refused_locally(
            &error,
            MachineRequestError::PreviousTokenTtlOutOfRange { seconds: 28_801 },
        );
        assert!(server.requests().is_empty());
    }
}
