//! `-o json`: every failure is one JSON object on stderr,
//! `{"error": {"code", "message", "status", "trace_id", "hint"}}`, with the
//! exit code of the text mode and no secret in it.

mod common;

use clerk_m2m_emulator::{Emulator, Fault, StatusCode};
use common::{bare, unreachable_url, Setup};
use serde_json::Value;

/// Runs `command` with `-o json` (already among its arguments), checks the
/// exit code, that stdout is empty and that stderr is one JSON object with
/// every field, and returns `error`.
fn json_error(setup: &Setup, command: &mut assert_cmd::Command, code: i32) -> Value {
    let (stdout, stderr) = setup.run(command, code);
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    let value: Value =
        serde_json::from_str(&stderr).unwrap_or_else(|error| panic!("{error}: {stderr}"));
    let error = value["error"].clone();
    for field in ["code", "message", "status", "trace_id", "hint"] {
        assert!(error.get(field).is_some(), "{field} missing: {stderr}");
    }
    assert!(error["code"].as_str().is_some_and(|code| !code.is_empty()));
    assert!(error["message"]
        .as_str()
        .is_some_and(|text| !text.is_empty()));
    error
}

#[test]
fn an_api_error_carries_clerks_code_status_and_trace_id() {
    let setup = Setup::new();
    let error = json_error(
        &setup,
        setup.as_a().args([
            "-o",
            "json",
            "revoke",
            "mt_0123456789abcdef0123456789abcdef",
        ]),
        1,
    );
    assert_eq!(error["code"], "resource_not_found");
    assert_eq!(error["status"], 404);
    assert!(error["trace_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("could not revoke the token: Clerk answered 404"));
    assert!(error["hint"].is_string());

    setup
        .emulator
        .inject_fault(Fault::status(StatusCode::INTERNAL_SERVER_ERROR), 1);
    let error = json_error(&setup, setup.as_a().args(["create", "-o", "json"]), 1);
    assert_eq!(
        (error["code"].as_str(), error["status"].as_u64()),
        (Some("emulator_fault"), Some(500))
    );
}

#[test]
fn usage_errors_are_json_too_even_clap_s_own() {
    let setup = Setup::new();
    let before = setup.emulator.requests_received();
    for (args, needle) in [
        (
            &["-o", "json", "create", "--expires-in", "5x"][..],
            "--expires-in",
        ),
        (&["list", "-o", "json"], "--subject"),
        (&["--output=json", "create", "--timeout", "0"], "--timeout"),
        (&["machines", "get", "mch_1", "-o", "json"], "machine id"),
    ] {
        let error = json_error(&setup, setup.as_a().args(args), 2);
        assert_eq!(error["code"], "usage", "{args:?}");
        assert!(error["status"].is_null() && error["trace_id"].is_null());
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(needle), "{args:?}: {message}");
        assert!(!message.starts_with("error:"), "{message}");
    }
    assert_eq!(setup.emulator.requests_received(), before, "nothing sent");

    // Without -o json, clap's own text as before.
    let output = bare()
        .args(["create", "--expires-in", "5x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: invalid value '5x' for '--expires-in"),
        "{stderr}"
    );
}

#[test]
fn missing_and_wrong_keys() {
    let setup = Setup::new();
    let error = json_error(&setup, setup.cmd().args(["create", "-o", "json"]), 2);
    assert_eq!(error["code"], "missing_key");
    assert!(error["hint"]
        .as_str()
        .unwrap()
        .contains("CLERK_MACHINE_SECRET_KEY"));

    let error = json_error(
        &setup,
        setup
            .cmd()
            .env("CLERK_MACHINE_SECRET_KEY", setup.instance_key())
            .args(["create", "-o", "json"]),
        2,
    );
    assert_eq!(error["code"], "wrong_key");

    let jwt = setup.create(&["--format", "jwt"])["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A machine key alone cannot fetch the JWKS: no key to verify with.
    let error = json_error(&setup, setup.as_b().args(["-o", "json", "verify", &jwt]), 2);
    assert_eq!(error["code"], "missing_key");
    assert!(!error.to_string().contains(&jwt));
}

#[test]
fn network_failures_exit_3() {
    let setup = Setup::new();
    let error = json_error(
        &setup,
        bare()
            .env("CLERK_API_URL", unreachable_url())
            .env("CLERK_MACHINE_SECRET_KEY", setup.key_a())
            .args(["-o", "json", "list", "--subject", &setup.machine_a()]),
        3,
    );
    assert_eq!(error["code"], "network");
    assert!(error["status"].is_null() && error["trace_id"].is_null());
    assert!(error["hint"].as_str().unwrap().contains("CLERK_API_URL"));
}

#[test]
fn tokens_that_do_not_verify_and_ids_that_are_not_tokens() {
    let setup = Setup::new();
    let other = Emulator::start().unwrap();
    let jwt = setup.create(&["--format", "jwt"])["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let error = json_error(
        &setup,
        bare()
            .env("CLERK_JWT_KEY", other.public_key_pem())
            .args(["-o", "json", "verify", "-"])
            .write_stdin(jwt.clone()),
        1,
    );
    assert_eq!(error["code"], "token_invalid");
    assert!(!error.to_string().contains(&jwt));

    let token = setup.create(&[]);
    let id = token["id"].as_str().unwrap();
    let error = json_error(&setup, setup.as_b().args(["-o", "json", "verify", id]), 2);
    assert_eq!(error["code"], "not_a_token");
    let value = token["token"].as_str().unwrap();
    let error = json_error(
        &setup,
        setup.as_a().args(["-o", "json", "revoke", value]),
        2,
    );
    assert_eq!(error["code"], "usage");
    assert!(!error.to_string().contains(value));
}
