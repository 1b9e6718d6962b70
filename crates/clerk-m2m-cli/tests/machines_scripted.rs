//! `clerk-m2m machines …` against a scripted loopback server: the request
//! list and create send (the bytes `@clerk/backend` 3.25.0 sends),
//! `--secret-only`, and what the emulator cannot answer: server errors,
//! an unreachable API, and what is refused before sending. Every
//! subcommand against the emulator, in both modes: `machines.rs`.

mod common;
mod scripted;

use common::{assert_error_lines, bare, texts, unreachable_url};
use scripted::{Scripted, Seen};
use serde_json::Value;

/// Test-only fake keys.
const INSTANCE_KEY: &str = "sk_test_cli_machines";
const MACHINE_KEY: &str = "ak_test_cli_machines";
const NEW_KEY: &str = "ak_test_cli_new_machine_key";
const A: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const B: &str = "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em";
const C: &str = "mch_2zHlMqR8Z4sYTxuV35DaUl0J8Fn";

const MACHINE_JSON: &str = r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","name":"billing-worker","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz","created_at":1716879600000,"updated_at":1716879600000,"default_token_ttl":7200,"scoped_machines":[{"object":"machine","id":"mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","name":"billing-api","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz","created_at":1716879500000,"updated_at":1716879500000,"default_token_ttl":3600}]}"#;
const SECRET_JSON: &str =
    r#"{"object":"machine_secret_key","secret":"ak_test_cli_new_machine_key"}"#;

fn created_json() -> String {
    MACHINE_JSON.replace(
        r#""scoped_machines""#,
        &format!(r#""secret_key":"{NEW_KEY}","scoped_machines""#),
    )
}

/// Runs `clerk-m2m machines ARGS` with the instance key against `server`;
/// checks the exit code and that no configured key reaches the output.
fn run(server: &Scripted, args: &[&str], code: i32) -> (String, String) {
    let mut command = bare();
    command
        .env("CLERK_API_URL", server.url())
        .env("CLERK_SECRET_KEY", INSTANCE_KEY)
        .env("CLERK_MACHINE_SECRET_KEY", MACHINE_KEY)
        .arg("machines")
        .args(args);
    let output = command.output().expect("the binary runs");
    let (stdout, stderr) = texts(&output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    for key in [INSTANCE_KEY, MACHINE_KEY] {
        assert!(!stdout.contains(key) && !stderr.contains(key), "key leaked");
    }
    (stdout, stderr)
}

/// Runs with `-o json` and parses stdout.
fn run_json(server: &Scripted, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["-o", "json"]);
    let (stdout, _) = run(server, &args, 0);
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

/// The request line, body and headers of a Machines call as recorded from the JS SDK.
fn assert_sent(seen: &Seen, line: &str, body: &str) {
    assert_eq!(format!("{} {}", seen.method, seen.target), line);
    assert_eq!(seen.body, body);
    let authorization = format!("Bearer {INSTANCE_KEY}");
    assert_eq!(seen.header("authorization"), Some(&*authorization));
    assert_eq!(seen.header("clerk-api-version"), Some("2026-05-12"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
}

#[test]
fn list_sends_the_query_and_prints_both_modes() {
    let page = format!(r#"{{"data":[{MACHINE_JSON}],"total_count":11}}"#);
    let server = Scripted::start([(200, page.clone()), (200, page)]);
    let json = run_json(
        &server,
        &[
            "list",
            "--limit",
            "5",
            "--offset",
            "10",
            "--query",
            "ci",
            "--order-by",
            "-created_at",
        ],
    );
    assert_eq!(json["total_count"], 11);
    assert_eq!(json["data"][0]["scoped_machines"][0]["id"], B);
    let (table, _) = run(
        &server,
        &["list", "--query", "billing worker", "--order-by", "+name"],
        0,
    );
    let seen = server.seen();
    assert_sent(
        &seen[0],
        "GET /v1/machines?limit=5&offset=10&query=ci&order_by=-created_at",
        "",
    );
    assert_sent(
        &seen[1],
        "GET /v1/machines?query=billing+worker&order_by=%2Bname",
        "",
    );
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID "), "{table}");
    assert!(
        lines[1].starts_with(A) && lines[1].contains("7200 s"),
        "{table}"
    );
    assert_eq!(lines[2], "1–1 of 11 machines");
}

#[test]
fn create_sends_name_scopes_and_ttl_and_prints_the_key_once() {
    let server = Scripted::start([(200, created_json()), (200, created_json())]);
    let json = run_json(
        &server,
        &[
            "create",
            "--name",
            "billing-worker",
            "--scope",
            B,
            "--scope",
            C,
            "--default-token-ttl",
            "7200",
        ],
    );
    assert_eq!(json["secret_key"], NEW_KEY);
    assert_eq!(json["id"], A);
    let (table, _) = run(&server, &["create", "--name", "ci-runner"], 0);
    assert!(
        table.contains(&format!("secret key  {NEW_KEY}\n")),
        "{table}"
    );
    assert!(
        table.contains("may call    billing-api (mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em)"),
        "{table}"
    );
    let seen = server.seen();
    assert_sent(
        &seen[0],
        "POST /v1/machines",
        r#"{"name":"billing-worker","scoped_machines":["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em","mch_2zHlMqR8Z4sYTxuV35DaUl0J8Fn"],"default_token_ttl":7200}"#,
    );
    assert_sent(&seen[1], "POST /v1/machines", r#"{"name":"ci-runner"}"#);
}

#[test]
fn secret_only_prints_just_the_key() {
    let server = Scripted::start([
        (200, created_json()),
        (200, SECRET_JSON.to_owned()),
        (200, SECRET_JSON.to_owned()),
    ]);
    let expected = format!("{NEW_KEY}\n");
    for args in [
        &[
            "create",
            "--name",
            "ci-runner",
            "--secret-only",
            "-o",
            "json",
        ][..],
        &["secret-key", A, "--secret-only"],
        &[
            "rotate-secret-key",
            A,
            "--previous-token-ttl",
            "0",
            "--secret-only",
        ],
    ] {
        let (stdout, stderr) = run(&server, args, 0);
        assert_eq!(stdout, expected, "{args:?}");
        assert!(stderr.is_empty(), "{stderr}");
    }
    let seen = server.seen();
    assert_sent(&seen[1], &format!("GET /v1/machines/{A}/secret_key"), "");
    assert_sent(
        &seen[2],
        &format!("POST /v1/machines/{A}/secret_key/rotate"),
        r#"{"previous_token_ttl":0}"#,
    );
}

#[test]
fn api_errors_exit_1_with_a_hint() {
    let not_found = r#"{"errors":[{"code":"resource_not_found","message":"not found","long_message":"No machine found"}],"clerk_trace_id":"trace_cli_404"}"#;
    let conflict = r#"{"errors":[{"code":"duplicate_record","message":"exists","long_message":"The scope exists"}]}"#;
    let server = Scripted::start([
        (404, not_found.to_owned()),
        (409, conflict.to_owned()),
        (503, r#"{"errors":[]}"#.to_owned()),
    ]);
    let (stdout, stderr) = run(&server, &["get", A], 1);
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    assert!(
        stderr.starts_with("error: could not get the machine: Clerk answered 404 Not Found: resource_not_found: No machine found (trace id trace_cli_404)"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: no such machine"), "{stderr}");
    let (_, stderr) = run(&server, &["add-scope", A, B], 1);
    assert!(
        stderr.contains("could not add the scope: Clerk answered 409"),
        "{stderr}"
    );
    assert!(stderr.contains("already"), "{stderr}");
    // A create answered 503 is not sent again (a list would be).
    let (_, stderr) = run(&server, &["create", "--name", "x"], 1);
    assert!(stderr.contains("may have been created"), "{stderr}");
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn a_machine_key_alone_is_a_usage_error_and_nothing_is_sent() {
    let server = Scripted::ok(MACHINE_JSON);
    let output = bare()
        .env("CLERK_API_URL", server.url())
        .env("CLERK_MACHINE_SECRET_KEY", MACHINE_KEY)
        .args(["machines", "get", A])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    assert!(stderr.contains("CLERK_SECRET_KEY"), "{stderr}");
    let output = bare()
        .env("CLERK_API_URL", server.url())
        .env("CLERK_SECRET_KEY", MACHINE_KEY)
        .args(["machines", "list"])
        .output()
        .unwrap();
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("machine secret key (ak_…)"), "{stderr}");
    assert!(!stderr.contains(MACHINE_KEY), "{stderr}");
    assert!(server.seen().is_empty());
}

#[test]
fn bad_values_are_refused_before_sending() {
    let server = Scripted::ok(MACHINE_JSON);
    let long_name = "x".repeat(256);
    let (_, stderr) = run(&server, &["create", "--name", &long_name], 2);
    assert!(
        stderr.contains("name must be 1 to 255 characters"),
        "{stderr}"
    );
    let (_, stderr) = run(&server, &["get", "mch_short"], 2);
    assert!(stderr.contains("machine id"), "{stderr}");
    let (_, stderr) = run(&server, &["list", "--order-by", "created at"], 2);
    assert!(stderr.contains("order_by"), "{stderr}");
    run(&server, &["rotate-secret-key", A], 2);
    run(&server, &["update", A], 2);
    assert!(server.seen().is_empty());
}

#[test]
fn an_unreachable_api_exits_3() {
    let output = bare()
        .env("CLERK_API_URL", unreachable_url())
        .env("CLERK_SECRET_KEY", INSTANCE_KEY)
        .args(["machines", "list"])
        .output()
        .unwrap();
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_error_lines(&stderr);
    assert!(
        stderr.starts_with("error: could not list the machines: network failure"),
        "{stderr}"
    );
}
