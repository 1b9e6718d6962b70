//! The Machines routes (`/v1/machines…`): every rule over raw HTTP (exact
//! statuses, shapes and error codes), then the same rules through the
//! blocking client.

mod common;

use clerk_m2m_emulator::EmulatorHandle;
use clerk_m2m_types::{
    AddMachineScopeParams, CreateMachineParams, CreateTokenParams, DeleteMachineParams,
    GetMachineParams, GetMachineSecretKeyParams, ListMachinesParams, RemoveMachineScopeParams,
    RotateMachineSecretKeyParams, TokenFormat, UpdateMachineParams, VerifyTokenParams,
};
use common::{call, emulator, instance_key, machine_key, Reply};
use serde_json::{json, Value};
use std::time::Duration;

fn ok(reply: Reply) -> Value {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

/// `method target` with the instance key.
fn admin(emulator: &EmulatorHandle, method: &str, target: &str, body: Option<&Value>) -> Reply {
    call(
        emulator,
        method,
        target,
        Some(&instance_key(emulator)),
        body,
    )
}

fn create_machine(emulator: &EmulatorHandle, body: Value) -> Value {
    ok(admin(emulator, "POST", "/v1/machines", Some(&body)))
}

fn create_token(emulator: &EmulatorHandle, key: &str, format: &str) -> Reply {
    call(
        emulator,
        "POST",
        "/m2m_tokens",
        Some(key),
        // No `seconds_until_expiration`: the machine's default lifetime.
        Some(&json!({ "token_format": format })),
    )
}

fn verify(emulator: &EmulatorHandle, key: &str, token: &str) -> Reply {
    call(
        emulator,
        "POST",
        "/m2m_tokens/verify",
        Some(key),
        Some(&json!({ "token": token })),
    )
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

/// Every field the OpenAPI excerpt requires, with the right types; times in ms.
fn assert_machine_shape(machine: &Value, emulator: &EmulatorHandle) {
    assert_eq!(machine["object"], "machine");
    assert!(text(&machine["id"]).starts_with("mch_"));
    assert!(machine["name"].is_string());
    assert_eq!(machine["instance_id"], emulator.instance_id());
    let now_ms = emulator
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for field in ["created_at", "updated_at"] {
        let at = machine[field].as_i64().expect(field);
        assert!(
            at > 1_000_000_000_000 && at <= now_ms,
            "{field} in ms: {at}"
        );
    }
    assert!(machine["default_token_ttl"].as_u64().unwrap() >= 1);
    let scoped = machine["scoped_machines"]
        .as_array()
        .expect("scoped_machines always present");
    for nested in scoped {
        assert_eq!(nested["object"], "machine");
        assert!(nested.get("scoped_machines").is_none());
        assert!(nested.get("secret_key").is_none());
    }
}

#[test]
fn only_the_instance_key_is_admitted_on_every_route() {
    let emulator = emulator();
    let a = emulator.machines()[0].id().to_owned();
    let b = emulator.machines()[1].id().to_owned();
    let routes = [
        ("GET", "/v1/machines".to_owned(), None),
        (
            "POST",
            "/v1/machines".to_owned(),
            Some(json!({"name": "x"})),
        ),
        ("GET", format!("/v1/machines/{a}"), None),
        (
            "PATCH",
            format!("/v1/machines/{a}"),
            Some(json!({"name": "x"})),
        ),
        ("DELETE", format!("/v1/machines/{a}"), None),
        ("GET", format!("/v1/machines/{a}/secret_key"), None),
        (
            "POST",
            format!("/v1/machines/{a}/secret_key/rotate"),
            Some(json!({"previous_token_ttl": 0})),
        ),
        (
            "POST",
            format!("/v1/machines/{a}/scopes"),
            Some(json!({ "to_machine_id": b })),
        ),
        ("DELETE", format!("/v1/machines/{a}/scopes/{b}"), None),
    ];
    for (method, target, body) in &routes {
        let machine = call(
            &emulator,
            method,
            target,
            Some(&machine_key(&emulator, 0)),
            body.as_ref(),
        );
        assert_eq!(machine.status, 401, "{method} {target}");
        assert_eq!(machine.error_code(), "clerk_key_invalid");
        let anonymous = call(&emulator, method, target, None, body.as_ref());
        assert_eq!(anonymous.status, 401, "{method} {target}");
    }
    // Nothing changed: a still has its name, key and scope.
    let a_now = ok(admin(&emulator, "GET", &format!("/v1/machines/{a}"), None));
    assert_eq!(a_now["name"], "machine-a");
    assert_eq!(a_now["scoped_machines"][0]["id"], b.as_str());
    // Every success is 200; the M2M token paths' unversioned form does not exist here.
    assert_eq!(admin(&emulator, "GET", "/machines", None).status, 404);
    let wrong = admin(&emulator, "PUT", "/v1/machines", None);
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("GET, POST"));
}

#[test]
fn configured_machines_are_listed_with_their_scopes_in_the_api_shape() {
    let emulator = emulator();
    let list = ok(admin(&emulator, "GET", "/v1/machines", None));
    assert_eq!(list["total_count"], 2);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    for machine in data {
        assert_machine_shape(machine, &emulator);
        assert_eq!(machine["scoped_machines"].as_array().unwrap().len(), 1);
        assert!(machine.get("secret_key").is_none());
    }
    let a = &emulator.machines()[0];
    let got = ok(admin(
        &emulator,
        "GET",
        &format!("/v1/machines/{}", a.id()),
        None,
    ));
    assert_eq!(got["id"], a.id());
    assert_eq!(got["default_token_ttl"], 3600);
    assert_eq!(got["scoped_machines"][0]["id"], a.scopes()[0].as_str());
}

#[test]
fn create_answers_200_with_the_key_once_and_the_key_works_at_once() {
    let emulator = emulator();
    let b = emulator.machines()[1].id().to_owned();
    let created = create_machine(
        &emulator,
        json!({"name": "ci-runner", "scoped_machines": [b, b], "default_token_ttl": 120}),
    );
    assert_machine_shape(&created, &emulator);
    assert_eq!(created["name"], "ci-runner");
    assert_eq!(created["default_token_ttl"], 120);
    assert_eq!(created["created_at"], created["updated_at"]);
    let scoped = created["scoped_machines"].as_array().unwrap();
    assert_eq!(scoped.len(), 1, "a repeated id counts once");
    assert_eq!(scoped[0]["id"], b.as_str());
    assert_eq!(scoped[0]["name"], "machine-b");
    let key = text(&created["secret_key"]);
    assert!(key.starts_with("ak_"));
    let id = text(&created["id"]);

    // Not shown again, but readable through the secret key route.
    let got = ok(admin(&emulator, "GET", &format!("/v1/machines/{id}"), None));
    assert!(got.get("secret_key").is_none());
    let secret = ok(admin(
        &emulator,
        "GET",
        &format!("/v1/machines/{id}/secret_key"),
        None,
    ));
    assert_eq!(
        secret,
        json!({"object": "machine_secret_key", "secret": key})
    );

    // The key creates tokens at once, with the machine's lifetime and scopes.
    let token = create_token(&emulator, &key, "opaque");
    assert_eq!(token.status, 201);
    let token = token.json();
    assert_eq!(token["subject"], id.as_str());
    assert_eq!(token["scopes"], json!([b]));
    assert_eq!(
        token["expiration"].as_i64().unwrap() - token["created_at"].as_i64().unwrap(),
        120_000
    );
    // b may verify it: it is in the new machine's scopes.
    let verified = verify(
        &emulator,
        &machine_key(&emulator, 1),
        &text(&token["token"]),
    );
    assert_eq!(verified.status, 200);

    // Defaults: no scopes, an hour.
    let plain = create_machine(&emulator, json!({"name": "plain"}));
    assert_eq!(plain["scoped_machines"], json!([]));
    assert_eq!(plain["default_token_ttl"], 3600);
    assert_eq!(emulator.current_machines().len(), 4);
    assert_eq!(
        emulator.machines().len(),
        2,
        "the configured machines stay as started"
    );
    assert_eq!(
        emulator
            .current_machine(&id)
            .map(|machine| machine.name().to_owned()),
        Some("ci-runner".to_owned())
    );
}

#[test]
fn create_rejections() {
    let emulator = emulator();
    let missing = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
    let cases = [
        (json!({}), 422, "form_param_missing", "name"),
        (json!({"name": ""}), 422, "form_param_value_invalid", "name"),
        (
            json!({"name": "x".repeat(256)}),
            422,
            "form_param_value_invalid",
            "name",
        ),
        (
            json!({"name": "x", "default_token_ttl": 0}),
            422,
            "form_param_value_invalid",
            "default_token_ttl",
        ),
        (
            json!({"name": "x", "unknown": 1}),
            422,
            "form_param_unknown",
            "unknown",
        ),
        (
            json!({"name": "x", "scoped_machines": ["nope"]}),
            422,
            "form_param_format_invalid",
            "scoped_machines",
        ),
        (
            json!({"name": "x", "scoped_machines": [missing]}),
            404,
            "resource_not_found",
            "scoped_machines",
        ),
        (
            json!({"name": "x", "scoped_machines": vec![missing; 151]}),
            422,
            "form_param_value_invalid",
            "scoped_machines",
        ),
    ];
    for (body, status, code, param) in cases {
        let reply = admin(&emulator, "POST", "/v1/machines", Some(&body));
        assert_eq!(reply.status, status, "{body}");
        assert_eq!(reply.error_code(), code, "{body}");
        assert_eq!(reply.param_name().as_deref(), Some(param), "{body}");
    }
    assert_eq!(emulator.current_machines().len(), 2);
}

#[test]
fn update_changes_only_what_is_set() {
    let emulator = emulator();
    let created = create_machine(&emulator, json!({"name": "worker"}));
    let id = text(&created["id"]);
    emulator.advance(Duration::from_secs(5));
    let path = format!("/v1/machines/{id}");
    let renamed = ok(admin(
        &emulator,
        "PATCH",
        &path,
        Some(&json!({"name": "renamed"})),
    ));
    assert_machine_shape(&renamed, &emulator);
    assert_eq!(renamed["name"], "renamed");
    assert_eq!(renamed["default_token_ttl"], 3600);
    assert_eq!(
        renamed["updated_at"].as_i64().unwrap() - renamed["created_at"].as_i64().unwrap(),
        5_000
    );
    let ttl = ok(admin(
        &emulator,
        "PATCH",
        &path,
        Some(&json!({"default_token_ttl": 600})),
    ));
    assert_eq!(
        (ttl["name"].clone(), ttl["default_token_ttl"].clone()),
        (json!("renamed"), json!(600))
    );
    // No body (what @clerk/backend sends for an empty update): unchanged.
    let same = ok(admin(&emulator, "PATCH", &path, None));
    assert_eq!(same, ttl);
    let bad = admin(
        &emulator,
        "PATCH",
        &path,
        Some(&json!({"default_token_ttl": 315_360_001})),
    );
    assert_eq!(bad.status, 422);
    let unknown = admin(
        &emulator,
        "PATCH",
        "/v1/machines/mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
        Some(&json!({"name": "x"})),
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.error_code(), "resource_not_found");
    let malformed = admin(&emulator, "GET", "/v1/machines/mch_short", None);
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.param_name().as_deref(), Some("machine_id"));
    // The new lifetime applies to tokens created afterwards.
    let key = text(&ok(admin(&emulator, "GET", &format!("{path}/secret_key"), None))["secret"]);
    let token = create_token(&emulator, &key, "opaque").json();
    assert_eq!(
        token["expiration"].as_i64().unwrap() - token["created_at"].as_i64().unwrap(),
        600_000
    );
}

#[test]
fn deleting_a_machine_fails_its_key_and_its_tokens() {
    let emulator = emulator();
    let b = emulator.machines()[1].id().to_owned();
    let created = create_machine(&emulator, json!({"name": "doomed", "scoped_machines": [b]}));
    let id = text(&created["id"]);
    let key = text(&created["secret_key"]);
    let opaque = text(&create_token(&emulator, &key, "opaque").json()["token"]);
    let jwt = text(&create_token(&emulator, &key, "jwt").json()["token"]);
    let b_key = machine_key(&emulator, 1);
    assert_eq!(verify(&emulator, &b_key, &opaque).status, 200);
    assert_eq!(verify(&emulator, &b_key, &jwt).status, 200);
    // Scoped from a to doomed, to see that scope go too.
    let a = emulator.machines()[0].id().to_owned();
    ok(admin(
        &emulator,
        "POST",
        &format!("/v1/machines/{a}/scopes"),
        Some(&json!({"to_machine_id": id})),
    ));

    let deleted = ok(admin(
        &emulator,
        "DELETE",
        &format!("/v1/machines/{id}"),
        None,
    ));
    assert_eq!(
        deleted,
        json!({"object": "machine", "id": id, "deleted": true})
    );

    let refused = create_token(&emulator, &key, "opaque");
    assert_eq!(refused.status, 401);
    assert_eq!(refused.error_code(), "machine_secret_key_invalid");
    for token in [&opaque, &jwt] {
        for caller in [&b_key, &instance_key(&emulator)] {
            let reply = verify(&emulator, caller, token);
            assert_eq!(reply.status, 404);
            assert_eq!(reply.error_code(), "resource_not_found");
        }
    }
    let a_now = ok(admin(&emulator, "GET", &format!("/v1/machines/{a}"), None));
    assert_eq!(
        a_now["scoped_machines"],
        json!([{
            "object": "machine", "id": b, "name": "machine-b", "instance_id": emulator.instance_id(),
            "created_at": a_now["scoped_machines"][0]["created_at"],
            "updated_at": a_now["scoped_machines"][0]["updated_at"],
            "default_token_ttl": 3600
        }])
    );
    for (method, target) in [
        ("GET", format!("/v1/machines/{id}")),
        ("DELETE", format!("/v1/machines/{id}")),
        ("GET", format!("/v1/machines/{id}/secret_key")),
    ] {
        assert_eq!(
            admin(&emulator, method, &target, None).status,
            404,
            "{method} {target}"
        );
    }
    let tokens = admin(&emulator, "GET", &format!("/m2m_tokens?subject={id}"), None);
    assert_eq!(tokens.status, 404);
    // A configured machine can be deleted too.
    ok(admin(
        &emulator,
        "DELETE",
        &format!("/v1/machines/{b}"),
        None,
    ));
    assert_eq!(create_token(&emulator, &b_key, "opaque").status, 401);
    assert_eq!(emulator.current_machines().len(), 1);
}

#[test]
fn rotation_keeps_the_old_key_for_the_grace_period_of_emulator_time() {
    let emulator = emulator();
    let created = create_machine(&emulator, json!({"name": "rotating"}));
    let id = text(&created["id"]);
    let first = text(&created["secret_key"]);
    let rotate = format!("/v1/machines/{id}/secret_key/rotate");
    let rotated = ok(admin(
        &emulator,
        "POST",
        &rotate,
        Some(&json!({"previous_token_ttl": 60})),
    ));
    assert_eq!(rotated["object"], "machine_secret_key");
    let second = text(&rotated["secret"]);
    assert_ne!(first, second);
    let current = ok(admin(
        &emulator,
        "GET",
        &format!("/v1/machines/{id}/secret_key"),
        None,
    ));
    assert_eq!(current["secret"], second.as_str());
    // Both work during the grace period, the old one until its last millisecond.
    assert_eq!(create_token(&emulator, &second, "opaque").status, 201);
    emulator.advance(Duration::from_millis(59_999));
    let old = create_token(&emulator, &first, "opaque");
    assert_eq!(old.status, 201);
    assert_eq!(old.json()["subject"], id.as_str());
    emulator.advance(Duration::from_millis(1));
    let expired = create_token(&emulator, &first, "opaque");
    assert_eq!(expired.status, 401);
    assert_eq!(expired.error_code(), "machine_secret_key_invalid");
    assert_eq!(create_token(&emulator, &second, "opaque").status, 201);

    // 0: the old key fails at once.
    let third = text(
        &ok(admin(
            &emulator,
            "POST",
            &rotate,
            Some(&json!({"previous_token_ttl": 0})),
        ))["secret"],
    );
    assert_eq!(create_token(&emulator, &second, "opaque").status, 401);
    assert_eq!(create_token(&emulator, &third, "opaque").status, 201);

    // A configured machine's key rotates the same way.
    let a = emulator.machines()[0].id().to_owned();
    let a_key = machine_key(&emulator, 0);
    ok(admin(
        &emulator,
        "POST",
        &format!("/v1/machines/{a}/secret_key/rotate"),
        Some(&json!({"previous_token_ttl": 0})),
    ));
    assert_eq!(create_token(&emulator, &a_key, "opaque").status, 401);

    for (body, code) in [
        (json!({}), "form_param_missing"),
        (
            json!({"previous_token_ttl": 28_801}),
            "form_param_value_invalid",
        ),
        (
            json!({"previous_token_ttl": -1}),
            "form_param_value_invalid",
        ),
    ] {
        let reply = admin(&emulator, "POST", &rotate, Some(&body));
        assert_eq!(reply.status, 422, "{body}");
        assert_eq!(reply.error_code(), code, "{body}");
    }
    assert_eq!(
        create_token(&emulator, &third, "opaque").status,
        201,
        "refused rotations change nothing"
    );
}

#[test]
fn scope_changes_apply_to_tokens_created_afterwards_only() {
    let emulator = emulator();
    let a_key = machine_key(&emulator, 0);
    let b_key = machine_key(&emulator, 1);
    let a = emulator.machines()[0].id().to_owned();
    let b = emulator.machines()[1].id().to_owned();
    let c = create_machine(&emulator, json!({"name": "c"}));
    let c_id = text(&c["id"]);
    let c_key = text(&c["secret_key"]);
    let before_opaque = create_token(&emulator, &a_key, "opaque").json();
    let before_jwt = create_token(&emulator, &a_key, "jwt").json();
    assert_eq!(before_opaque["scopes"], json!([b]));

    emulator.advance(Duration::from_secs(1));
    let added = ok(admin(
        &emulator,
        "POST",
        &format!("/v1/machines/{a}/scopes"),
        Some(&json!({"to_machine_id": c_id})),
    ));
    assert_eq!(added["object"], "machine_scope");
    assert_eq!(added["from_machine_id"], a.as_str());
    assert_eq!(added["to_machine_id"], c_id.as_str());
    assert!(added["created_at"].as_i64().unwrap() > 1_000_000_000_000);
    let a_now = ok(admin(&emulator, "GET", &format!("/v1/machines/{a}"), None));
    assert_eq!(a_now["scoped_machines"].as_array().unwrap().len(), 2);
    assert_eq!(a_now["updated_at"], added["created_at"]);

    let after = create_token(&emulator, &a_key, "opaque").json();
    assert_eq!(after["scopes"], json!([b, c_id]));
    // c verifies the new token, not the earlier ones (opaque or JWT).
    assert_eq!(
        verify(&emulator, &c_key, &text(&after["token"])).status,
        200
    );
    assert_eq!(
        verify(&emulator, &c_key, &text(&before_opaque["token"])).status,
        404
    );
    assert_eq!(
        verify(&emulator, &c_key, &text(&before_jwt["token"])).status,
        404
    );

    // Duplicate → 409, unknown target → 404.
    let duplicate = admin(
        &emulator,
        "POST",
        &format!("/v1/machines/{a}/scopes"),
        Some(&json!({"to_machine_id": c_id})),
    );
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.error_code(), "machine_scope_exists");
    let unknown = admin(
        &emulator,
        "POST",
        &format!("/v1/machines/{a}/scopes"),
        Some(&json!({"to_machine_id": "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"})),
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(
        admin(&emulator, "POST", &format!("/v1/machines/{a}/scopes"), None).status,
        422
    );

    // Removing b: earlier tokens keep b, later ones lose it.
    let removed = ok(admin(
        &emulator,
        "DELETE",
        &format!("/v1/machines/{a}/scopes/{b}"),
        None,
    ));
    assert_eq!(
        removed,
        json!({"object": "machine_scope", "from_machine_id": a, "to_machine_id": b, "deleted": true})
    );
    let later_opaque = create_token(&emulator, &a_key, "opaque").json();
    let later_jwt = create_token(&emulator, &a_key, "jwt").json();
    assert_eq!(later_opaque["scopes"], json!([c_id]));
    assert_eq!(
        verify(&emulator, &b_key, &text(&before_opaque["token"])).status,
        200
    );
    let before_jwt_verified = verify(&emulator, &b_key, &text(&before_jwt["token"]));
    assert_eq!(before_jwt_verified.status, 200);
    assert_eq!(before_jwt_verified.json()["scopes"], json!([b]));
    assert_eq!(
        verify(&emulator, &b_key, &text(&later_opaque["token"])).status,
        404
    );
    assert_eq!(
        verify(&emulator, &b_key, &text(&later_jwt["token"])).status,
        404
    );
    let again = admin(
        &emulator,
        "DELETE",
        &format!("/v1/machines/{a}/scopes/{b}"),
        None,
    );
    assert_eq!(again.status, 404);
    assert_eq!(
        admin(
            &emulator,
            "DELETE",
            &format!("/v1/machines/{a}/scopes/mch_bad"),
            None
        )
        .status,
        400
    );
}

#[test]
fn a_machine_holds_at_most_150_scopes() {
    let emulator = emulator();
    let targets: Vec<String> = (0..151)
        .map(|index| text(&create_machine(&emulator, json!({ "name": format!("t{index}") }))["id"]))
        .collect();
    let full = create_machine(
        &emulator,
        json!({"name": "full", "scoped_machines": &targets[..150]}),
    );
    assert_eq!(full["scoped_machines"].as_array().unwrap().len(), 150);
    let id = text(&full["id"]);
    let over = admin(
        &emulator,
        "POST",
        &format!("/v1/machines/{id}/scopes"),
        Some(&json!({"to_machine_id": targets[150]})),
    );
    assert_eq!(over.status, 422);
    assert_eq!(over.error_code(), "form_param_value_invalid");
    assert_eq!(over.param_name().as_deref(), Some("to_machine_id"));
    let all = admin(
        &emulator,
        "POST",
        "/v1/machines",
        Some(&json!({"name": "x", "scoped_machines": targets})),
    );
    assert_eq!(all.status, 422);
    assert_eq!(all.param_name().as_deref(), Some("scoped_machines"));
}

#[test]
fn list_orders_filters_and_pages() {
    let emulator = emulator();
    let b = emulator.machines()[1].id().to_owned();
    for name in ["Billing Worker", "alpha", "billing-reports"] {
        emulator.advance(Duration::from_secs(1));
        create_machine(&emulator, json!({ "name": name }));
    }
    let names = |query: &str| -> (Vec<String>, u64) {
        let list = ok(admin(
            &emulator,
            "GET",
            &format!("/v1/machines{query}"),
            None,
        ));
        let names = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| text(&m["name"]))
            .collect();
        (names, list["total_count"].as_u64().unwrap())
    };
    // Default: newest first.
    assert_eq!(
        names("").0,
        [
            "billing-reports",
            "alpha",
            "Billing Worker",
            "machine-b",
            "machine-a"
        ]
    );
    assert_eq!(
        names("?order_by=created_at").0,
        [
            "machine-a",
            "machine-b",
            "Billing Worker",
            "alpha",
            "billing-reports"
        ]
    );
    assert_eq!(
        names("?order_by=%2Bname").0,
        [
            "Billing Worker",
            "alpha",
            "billing-reports",
            "machine-a",
            "machine-b"
        ]
    );
    assert_eq!(
        names("?order_by=-name").0,
        [
            "machine-b",
            "machine-a",
            "billing-reports",
            "alpha",
            "Billing Worker"
        ]
    );
    // query: part of a name (any case, `+` is a space), or an exact id.
    assert_eq!(
        names("?query=billing"),
        (
            vec!["billing-reports".to_owned(), "Billing Worker".to_owned()],
            2
        )
    );
    assert_eq!(names("?query=billing+worker").0, ["Billing Worker"]);
    assert_eq!(
        names(&format!("?query={b}")),
        (vec!["machine-b".to_owned()], 1)
    );
    assert_eq!(
        names(&format!("?query={}", &b[..10])).1,
        0,
        "ids match exactly only"
    );
    // Pages: the total counts every match.
    assert_eq!(
        names("?limit=2&offset=1&order_by=name"),
        (vec!["alpha".to_owned(), "billing-reports".to_owned()], 5)
    );
    assert_eq!(names("?offset=9"), (vec![], 5));
    for query in [
        "?limit=0",
        "?limit=501",
        "?offset=-1",
        "?order_by=id",
        "?limit=x",
    ] {
        let reply = admin(&emulator, "GET", &format!("/v1/machines{query}"), None);
        assert_eq!(reply.status, 400, "{query}");
    }
    assert_eq!(names("?limit=500").0.len(), 5);
}

#[test]
fn reset_and_state_export_follow_the_machines() {
    let emulator = emulator();
    let created = create_machine(&emulator, json!({"name": "saved"}));
    let key = text(&created["secret_key"]);
    create_token(&emulator, &key, "opaque");
    let state = emulator.export_state().unwrap();
    assert_eq!(state.machine_count(), 3);
    assert_eq!(state.token_count(), 1);
    assert_eq!(emulator.import_state(&state).unwrap(), 1);
    // Another machine since the export: the document no longer matches.
    create_machine(&emulator, json!({"name": "later"}));
    assert!(emulator.import_state(&state).is_err());
    emulator.reset();
    assert_eq!(emulator.current_machines(), emulator.machines());
    assert_eq!(create_token(&emulator, &key, "opaque").status, 401);
}

#[test]
fn a_state_file_keeps_created_machines_across_a_restart() {
    let folder = common::process::temp_folder("machines-restart");
    let file = folder.join("state.json");
    let start = || {
        clerk_m2m_emulator::Emulator::builder()
            .signing_key(common::shared_signing_key())
            .frozen_clock(true)
            .state_file(&file)
            .start()
            .expect("emulator starts")
    };
    let first = start();
    let a = first.machines()[0].id().to_owned();
    // Names may repeat and keep their spaces; a configured machine may go.
    let one = create_machine(&first, json!({"name": " twin", "default_token_ttl": 60}));
    let two = create_machine(&first, json!({"name": " twin", "scoped_machines": [a]}));
    ok(admin(
        &first,
        "DELETE",
        &format!("/v1/machines/{}", first.machines()[1].id()),
        None,
    ));
    let two_key = text(&two["secret_key"]);
    let token = text(&create_token(&first, &two_key, "opaque").json()["token"]);
    first.shutdown_and_save().expect("state saved");

    let second = start();
    let names: Vec<String> = second
        .machines()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    assert_eq!(names, ["machine-a", " twin", " twin"]);
    let two_now = ok(admin(
        &second,
        "GET",
        &format!("/v1/machines/{}", text(&two["id"])),
        None,
    ));
    assert_eq!(two_now["scoped_machines"][0]["id"], a.as_str());
    let one_now = ok(admin(
        &second,
        "GET",
        &format!("/v1/machines/{}", text(&one["id"])),
        None,
    ));
    assert_eq!(one_now["default_token_ttl"], 60);
    assert_eq!(create_token(&second, &two_key, "opaque").status, 201);
    assert_eq!(
        verify(&second, &machine_key(&second, 0), &token).status,
        200
    );
    drop(second);

    // Every machine deleted: the instance restarts with none (no defaults).
    let third = start();
    for machine in third.machines() {
        ok(admin(
            &third,
            "DELETE",
            &format!("/v1/machines/{}", machine.id()),
            None,
        ));
    }
    third.shutdown_and_save().expect("state saved");
    let empty = start();
    assert!(empty.machines().is_empty());
    assert_eq!(
        ok(admin(&empty, "GET", "/v1/machines", None))["total_count"],
        0
    );
    drop(empty);
    let _ = std::fs::remove_dir_all(&folder);
}

mod through_the_blocking_client {
    use super::*;
    use clerk_m2m_blocking::Client;

    fn admin_client(emulator: &EmulatorHandle) -> Client {
        Client::builder()
            .base_url(emulator.url())
            .secret_key(instance_key(emulator))
            .build()
            .expect("client")
    }

    #[test]
    fn provision_scope_rotate_and_delete() {
        let emulator = emulator();
        let client = admin_client(&emulator);
        let machines = client.machines();
        let callee = machines
            .create(CreateMachineParams::new("callee").default_token_ttl(600))
            .unwrap();
        let caller = machines.create(CreateMachineParams::new("caller")).unwrap();
        assert_eq!(callee.default_token_ttl, Some(600));
        let caller_key = caller.secret_key.clone().expect("create answers the key");
        let callee_key = callee.secret_key.clone().expect("create answers the key");
        let scope = machines
            .add_scope(AddMachineScopeParams::new(&caller.id, &callee.id))
            .unwrap();
        assert_eq!(scope.to_machine_id, callee.id);
        let duplicate = machines
            .add_scope(AddMachineScopeParams::new(&caller.id, &callee.id))
            .unwrap_err();
        assert_eq!(duplicate.status().map(|status| status.as_u16()), Some(409));

        let token = client
            .create_token(
                CreateTokenParams::new()
                    .machine_secret_key(caller_key.clone())
                    .token_format(TokenFormat::Opaque),
            )
            .unwrap();
        assert_eq!(token.scopes, std::slice::from_ref(&callee.id));
        let value = token.token.clone().unwrap();
        let verified = client
            .verify_token(
                VerifyTokenParams::new(value.clone()).machine_secret_key(callee_key.clone()),
            )
            .unwrap();
        assert_eq!(verified.subject, caller.id);

        let listed = machines
            .list(ListMachinesParams::new().query("call").order_by("+name"))
            .unwrap();
        assert_eq!(listed.total_count, 2);
        assert_eq!(
            listed
                .machines
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>(),
            ["callee", "caller"]
        );
        let got = machines.get(GetMachineParams::new(&caller.id)).unwrap();
        assert!(got.has_scope(&callee.id));
        assert!(got.secret_key.is_none());
        let renamed = machines
            .update(UpdateMachineParams::new(&caller.id).name("renamed"))
            .unwrap();
        assert_eq!(renamed.name, "renamed");

        let secret = machines
            .get_secret_key(GetMachineSecretKeyParams::new(&caller.id))
            .unwrap();
        assert_eq!(secret.secret, caller_key);
        let rotated = machines
            .rotate_secret_key(RotateMachineSecretKeyParams::new(&caller.id, 30))
            .unwrap();
        assert_ne!(rotated.secret, caller_key);
        let with_old =
            || client.create_token(CreateTokenParams::new().machine_secret_key(caller_key.clone()));
        with_old().expect("the old key works during the grace period");
        emulator.advance(Duration::from_secs(30));
        let failed = with_old().unwrap_err();
        assert_eq!(failed.status().map(|status| status.as_u16()), Some(401));
        client
            .create_token(CreateTokenParams::new().machine_secret_key(rotated.secret.clone()))
            .expect("the new key works");

        let removed = machines
            .remove_scope(RemoveMachineScopeParams::new(&caller.id, &callee.id))
            .unwrap();
        assert!(removed.deleted);
        let later = client
            .create_token(CreateTokenParams::new().machine_secret_key(rotated.secret.clone()))
            .unwrap();
        assert!(later.scopes.is_empty());
        // The earlier token keeps its scope.
        client
            .verify_token(
                VerifyTokenParams::new(value.clone()).machine_secret_key(callee_key.clone()),
            )
            .expect("scopes are fixed at creation");

        let deleted = machines
            .delete(DeleteMachineParams::new(&caller.id))
            .unwrap();
        assert!(deleted.deleted);
        let after = client
            .verify_token(VerifyTokenParams::new(value).machine_secret_key(callee_key))
            .unwrap_err();
        assert_eq!(after.status().map(|status| status.as_u16()), Some(404));
        let gone = machines.get(GetMachineParams::new(&caller.id)).unwrap_err();
        assert_eq!(gone.status().map(|status| status.as_u16()), Some(404));
    }

    #[test]
    fn a_machine_key_is_refused_and_limits_hold() {
        let emulator = emulator();
        // A machine key as the instance key: the client sends it (as JS
        // does) only if it cannot tell; ours refuses locally, so go raw.
        let raw = call(
            &emulator,
            "GET",
            "/v1/machines",
            Some(&machine_key(&emulator, 0)),
            None,
        );
        assert_eq!(raw.status, 401);
        let client = admin_client(&emulator);
        let machines = client.machines();
        let page = machines.list(ListMachinesParams::new().limit(1)).unwrap();
        assert_eq!((page.machines.len(), page.total_count), (1, 2));
        assert_eq!(page.machines[0].name, "machine-b", "newest first");
        let missing = machines
            .add_scope(AddMachineScopeParams::new(
                emulator.machines()[0].id(),
                "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            ))
            .unwrap_err();
        assert_eq!(missing.status().map(|status| status.as_u16()), Some(404));
    }
}
