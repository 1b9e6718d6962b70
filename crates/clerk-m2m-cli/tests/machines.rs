//! `clerk-m2m machines …` against the in-process emulator: every
//! subcommand in both output modes, what the emulator then holds, and a
//! provisioning script (create a pair, scope one to the other, mint and
//! verify a token, rotate with a grace period, the old key expires).

mod common;

use assert_cmd::Command;
use common::{assert_error_lines, Setup};
use serde_json::Value;
use std::time::Duration;

/// `clerk-m2m machines ARGS` with the instance key; checks the exit code
/// and that the instance key and the configured machine keys never reach
/// the output (a new machine's key is printed on purpose).
fn machines(setup: &Setup, args: &[&str], code: i32) -> (String, String) {
    let mut command = setup.as_instance();
    command.arg("machines").args(args);
    setup.run(&mut command, code)
}

/// The same with `-o json`, parsed.
fn machines_json(setup: &Setup, args: &[&str]) -> Value {
    let (stdout, _) = machines(setup, &[args, &["-o", "json"]].concat(), 0);
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

/// Creates a machine (JSON mode): its id and secret key.
fn create(setup: &Setup, args: &[&str]) -> (String, String) {
    let created = machines_json(setup, &[&["create"], args].concat());
    (text(&created["id"]), text(&created["secret_key"]))
}

/// `clerk-m2m` acting as the machine with `key`.
fn as_machine(setup: &Setup, key: &str) -> Command {
    let mut command = setup.cmd();
    command.env("CLERK_MACHINE_SECRET_KEY", key);
    command
}

#[test]
fn list_in_both_modes_with_query_order_and_pages() {
    let setup = Setup::new();
    let json = machines_json(&setup, &["list"]);
    assert_eq!(json["total_count"], 2);
    let names: Vec<String> = json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|machine| text(&machine["name"]))
        .collect();
    assert_eq!(names.len(), 2);
    for machine in json["data"].as_array().unwrap() {
        assert_eq!(machine["scoped_machines"].as_array().unwrap().len(), 1);
        assert!(machine.get("secret_key").is_none());
    }
    let by_name = machines_json(&setup, &["list", "--order-by", "-name", "--limit", "1"]);
    assert_eq!(by_name["total_count"], 2);
    assert_eq!(by_name["data"][0]["name"], "machine-b");
    let ascending = machines_json(
        &setup,
        &[
            "list",
            "--order-by",
            "+name",
            "--limit",
            "1",
            "--offset",
            "1",
        ],
    );
    assert_eq!(ascending["data"][0]["name"], "machine-b");
    let queried = machines_json(&setup, &["list", "--query", "ine-a"]);
    assert_eq!(queried["total_count"], 1);
    assert_eq!(queried["data"][0]["id"], setup.machine_a().as_str());

    let (table, _) = machines(&setup, &["list", "--order-by", "name"], 0);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID "), "{table}");
    assert!(lines[1].starts_with(&setup.machine_a()), "{table}");
    assert!(
        lines[1].contains("machine-a") && lines[1].contains("3600 s"),
        "{table}"
    );
    assert!(lines[2].starts_with(&setup.machine_b()), "{table}");
    assert_eq!(lines[3], "1–2 of 2 machines");
    let (stderr_free, stderr) = machines(&setup, &["list", "--query", "nobody"], 0);
    assert!(stderr.is_empty(), "{stderr}");
    assert!(!stderr_free.contains("mch_"), "{stderr_free}");
}

#[test]
fn create_get_update_and_delete_in_both_modes() {
    let setup = Setup::new();
    let b = setup.machine_b();
    let created = machines_json(
        &setup,
        &[
            "create",
            "--name",
            "billing-worker",
            "--scope",
            &b,
            "--default-token-ttl",
            "2h",
        ],
    );
    assert_eq!(created["name"], "billing-worker");
    assert_eq!(created["default_token_ttl"], 7200);
    assert_eq!(created["scoped_machines"][0]["id"], b.as_str());
    let id = text(&created["id"]);
    let key = text(&created["secret_key"]);
    assert!(key.starts_with("ak_"));
    assert!(setup.emulator.current_machine(&id).is_some());

    let (table, _) = machines(&setup, &["create", "--name", "ci-runner", "--scope", &b], 0);
    assert!(table.contains("secret key  ak_"), "{table}");
    assert!(
        table.contains(&format!("may call    machine-b ({b})")),
        "{table}"
    );
    let (only, _) = machines(
        &setup,
        &["create", "--name", "scripted", "--secret-only"],
        0,
    );
    assert!(
        only.starts_with("ak_") && only.lines().count() == 1,
        "{only}"
    );
    assert_eq!(setup.emulator.current_machines().len(), 5);

    let got = machines_json(&setup, &["get", &id]);
    assert_eq!(got["id"], id.as_str());
    assert!(got.get("secret_key").is_none());
    let (table, _) = machines(&setup, &["get", &id], 0);
    assert!(table.starts_with(&format!("id          {id}\n")), "{table}");
    assert!(table.contains("billing-worker"), "{table}");
    assert!(!table.contains("secret key"), "{table}");

    let updated = machines_json(&setup, &["update", &id, "--name", "renamed-worker"]);
    assert_eq!(updated["name"], "renamed-worker");
    assert_eq!(updated["default_token_ttl"], 7200);
    let (table, _) = machines(&setup, &["update", &id, "--default-token-ttl", "10m"], 0);
    assert!(table.contains("renamed-worker"), "{table}");
    assert!(table.contains("600 s"), "{table}");
    assert_eq!(
        setup
            .emulator
            .current_machine(&id)
            .unwrap()
            .default_token_ttl(),
        Duration::from_secs(600)
    );

    let deleted = machines_json(&setup, &["delete", &id]);
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["id"], id.as_str());
    let (other, _) = create(&setup, &["--name", "short-lived"]);
    let (table, _) = machines(&setup, &["delete", &other], 0);
    assert_eq!(table, format!("deleted machine {other}\n"));
    // Gone: the API answers 404, exit 1 with a hint; its key no longer works.
    let (stdout, stderr) = machines(&setup, &["get", &id], 1);
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    assert!(stderr.contains("Clerk answered 404"), "{stderr}");
    assert!(stderr.contains("hint: no such machine"), "{stderr}");
    let (_, stderr) = setup.run(as_machine(&setup, &key).arg("create"), 1);
    assert!(stderr.contains("401"), "{stderr}");
}

#[test]
fn secret_keys_rotation_and_scopes_in_both_modes() {
    let setup = Setup::new();
    let (id, key) = create(&setup, &["--name", "rotating"]);
    let a = setup.machine_a();

    let secret = machines_json(&setup, &["secret-key", &id]);
    assert_eq!(secret["object"], "machine_secret_key");
    assert_eq!(secret["secret"], key.as_str());
    let (table, _) = machines(&setup, &["secret-key", &id], 0);
    assert!(table.contains(&key), "{table}");
    let (only, _) = machines(&setup, &["secret-key", &id, "--secret-only"], 0);
    assert_eq!(only, format!("{key}\n"));

    let rotated = machines_json(
        &setup,
        &["rotate-secret-key", &id, "--previous-token-ttl", "0"],
    );
    let second = text(&rotated["secret"]);
    assert_ne!(second, key);
    let (table, _) = machines(
        &setup,
        &["rotate-secret-key", &id, "--previous-token-ttl", "1h"],
        0,
    );
    let third = text(&machines_json(&setup, &["secret-key", &id])["secret"]);
    assert_eq!(
        table,
        format!(
            "machine       {id}\nsecret key    {third}\nprevious key  keeps working for 3600 s\n"
        )
    );
    let (only, _) = machines(
        &setup,
        &[
            "rotate-secret-key",
            &id,
            "--previous-token-ttl",
            "0",
            "--secret-only",
        ],
        0,
    );
    let fourth = only.trim_end().to_owned();
    assert!(fourth.starts_with("ak_") && fourth != third, "{only}");
    // The first key failed at once (0 s), the second has its hour of
    // grace, the third failed at once when the fourth replaced it.
    for (old, code) in [(&key, 1), (&second, 0), (&third, 1), (&fourth, 0)] {
        setup.run(
            as_machine(&setup, old).args(["create", "--token-only"]),
            code,
        );
    }

    let added = machines_json(&setup, &["add-scope", &id, &a]);
    assert_eq!(added["object"], "machine_scope");
    assert_eq!(added["from_machine_id"], id.as_str());
    assert_eq!(added["to_machine_id"], a.as_str());
    let (_, stderr) = machines(&setup, &["add-scope", &id, &a], 1);
    assert!(
        stderr.contains("could not add the scope: Clerk answered 409"),
        "{stderr}"
    );
    assert!(stderr.contains("already"), "{stderr}");
    let removed = machines_json(&setup, &["remove-scope", &id, &a]);
    assert_eq!(removed["deleted"], true);
    let (table, _) = machines(&setup, &["add-scope", &id, &a], 0);
    assert!(
        table.starts_with(&format!("{id} may now call {a}")),
        "{table}"
    );
    let (table, _) = machines(&setup, &["remove-scope", &id, &a], 0);
    assert!(
        table.starts_with(&format!("{id} may no longer call {a}")),
        "{table}"
    );
    let (_, stderr) = machines(&setup, &["remove-scope", &id, &a], 1);
    assert!(stderr.contains("404"), "{stderr}");
    assert!(setup
        .emulator
        .current_machine(&id)
        .unwrap()
        .scopes()
        .is_empty());
}

#[test]
fn script_provisions_a_pair_scopes_rotates_and_the_old_key_expires() {
    let setup = Setup::new();
    setup.emulator.freeze_time();
    let secret_only = |args: &[&str]| -> String {
        let (stdout, _) = machines(&setup, &[args, &["--secret-only"]].concat(), 0);
        stdout.trim_end().to_owned()
    };
    // Two machines; the caller may call the callee.
    let (callee, callee_key) = create(&setup, &["--name", "reports-api"]);
    let (caller, caller_key) = create(&setup, &["--name", "billing-worker"]);
    machines(&setup, &["add-scope", &caller, &callee], 0);

    // Mint with the caller's new key, verify as the callee.
    let (token, _) = setup.run(
        as_machine(&setup, &caller_key).args(["create", "--token-only"]),
        0,
    );
    let token = token.trim_end().to_owned();
    let verified: Value = {
        let (stdout, _) = setup.run(
            as_machine(&setup, &callee_key).args(["verify", &token, "-o", "json"]),
            0,
        );
        serde_json::from_str(&stdout).unwrap()
    };
    assert_eq!(verified["subject"], caller.as_str());
    assert_eq!(verified["scopes"], serde_json::json!([callee]));

    // Rotate with a 5-minute grace period: both keys work.
    let new_key = secret_only(&["rotate-secret-key", &caller, "--previous-token-ttl", "300"]);
    assert_ne!(new_key, caller_key);
    for key in [&caller_key, &new_key] {
        setup.run(as_machine(&setup, key).args(["create", "--token-only"]), 0);
    }
    // Past the grace period (emulator time): the old key fails, the new one works.
    setup.emulator.advance(Duration::from_secs(300));
    let (stdout, stderr) = setup.run(
        as_machine(&setup, &caller_key).args(["create", "--token-only"]),
        1,
    );
    assert!(stdout.is_empty());
    assert!(stderr.contains("401"), "{stderr}");
    let (fresh, _) = setup.run(
        as_machine(&setup, &new_key).args(["create", "--token-only"]),
        0,
    );
    setup.run(
        as_machine(&setup, &callee_key).args(["verify", fresh.trim_end()]),
        0,
    );
    // The old key can no longer verify either.
    let (_, stderr) = setup.run(
        as_machine(&setup, &caller_key).args(["verify", fresh.trim_end()]),
        1,
    );
    assert!(stderr.contains("401"), "{stderr}");
}
