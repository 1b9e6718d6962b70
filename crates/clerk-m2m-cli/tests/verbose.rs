//! `--verbose`: one line per HTTP attempt on stderr, never a secret.

mod common;

use clerk_m2m_emulator::{Fault, StatusCode};
use common::Setup;
use serde_json::Value;

#[test]
fn a_503_then_a_success_prints_two_lines_without_the_token_or_a_key() {
    let setup = Setup::new();
    let token = setup.create(&[]);
    let value = token["token"].as_str().unwrap();
    setup
        .emulator
        .inject_fault(Fault::status(StatusCode::SERVICE_UNAVAILABLE), 1);
    let (stdout, stderr) = setup.run(setup.as_b().args(["verify", value, "-v"]), 0);
    assert!(stdout.contains("status      active"), "{stdout}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("http: POST /m2m_tokens/verify -> 503 Service Unavailable in "),
        "{stderr}"
    );
    assert!(
        lines[0].contains("(attempt 1 of 3; retrying: the server is unavailable"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("http: POST /m2m_tokens/verify -> 200 OK in "),
        "{stderr}"
    );
    assert!(lines[1].ends_with(" ms (attempt 2 of 3)"), "{stderr}");
    // `run` checked the keys; the token value is not there either.
    assert!(
        !stderr.contains(value) && !stdout.contains(value),
        "{stderr}"
    );
}

#[test]
fn a_create_is_one_line_and_query_values_stay_out() {
    let setup = Setup::new();
    let (stdout, stderr) = setup.run(
        setup.as_a().args(["--verbose", "create", "--token-only"]),
        0,
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("http: POST /m2m_tokens -> 201 Created in "),
        "{stderr}"
    );
    assert!(!stderr.contains(stdout.trim()), "{stderr}");

    let machine = setup.machine_a();
    let (_, stderr) = setup.run(
        setup
            .as_a()
            .args(["list", "--subject", &machine, "--limit", "5", "-v"]),
        0,
    );
    assert!(
        stderr.starts_with("http: GET /m2m_tokens?subject=…&limit=… -> 200 OK in "),
        "{stderr}"
    );
    assert!(!stderr.contains(&machine), "{stderr}");
}

#[test]
fn the_jwks_fetch_is_an_attempt_too_and_json_mode_prints_json_lines() {
    let setup = Setup::new();
    let jwt = setup.create(&["--format", "jwt"])["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (stdout, stderr) = setup.run(
        setup
            .as_instance()
            .args(["-o", "json", "-v", "verify", "-"])
            .write_stdin(jwt.clone()),
        0,
    );
    let verified: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(verified["subject"], setup.machine_a());
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let http = &lines[0]["http"];
    assert_eq!(http["method"], "GET");
    assert_eq!(http["path"], "/v1/jwks");
    assert_eq!(http["status"], 200);
    assert_eq!(http["attempt"], 1);
    assert!(http["retry"].is_null());
    assert!(!stderr.contains(&jwt));

    // Without --verbose, nothing on stderr.
    let (_, stderr) = setup.run(
        setup.as_instance().args(["verify", "-"]).write_stdin(jwt),
        0,
    );
    assert!(stderr.is_empty(), "{stderr}");
}
