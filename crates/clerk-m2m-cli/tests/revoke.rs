//! `clerk-m2m revoke` against the in-process emulator.

mod common;

use common::{assert_error_lines, Setup};

#[test]
fn revokes_with_a_reason_in_both_output_modes() {
    let setup = Setup::new();
    let first = setup.create(&[]);
    let revoked = setup.json(setup.as_a().args([
        "revoke",
        first["id"].as_str().unwrap(),
        "--reason",
        "leaked in CI logs",
    ]));
    assert_eq!(revoked["id"], first["id"]);
    assert_eq!(revoked["revoked"], true);
    assert_eq!(revoked["revocation_reason"], "leaked in CI logs");
    assert!(revoked.get("token").is_none());

    let second = setup.create(&[]);
    let (stdout, _) = setup.run(
        setup
            .as_instance()
            .args(["revoke", second["id"].as_str().unwrap()]),
        0,
    );
    assert!(stdout.contains(second["id"].as_str().unwrap()), "{stdout}");
    assert!(stdout.contains("status      revoked"), "{stdout}");
    assert!(
        !stdout.contains(second["token"].as_str().unwrap()),
        "{stdout}"
    );
}

#[test]
fn an_unknown_id_exits_1_with_code_and_trace_id() {
    let setup = Setup::new();
    let (stdout, stderr) = setup.run(
        setup
            .as_a()
            .args(["revoke", "mt_0123456789abcdef0123456789abcdef"]),
        1,
    );
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    let first = stderr.lines().next().unwrap();
    assert!(
        first.starts_with(
            "error: could not revoke the token: Clerk answered 404 Not Found: resource_not_found"
        ),
        "{stderr}"
    );
    assert!(first.contains("(trace id "), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn a_token_value_is_not_an_id_and_is_never_echoed() {
    let setup = Setup::new();
    let token = setup.create(&[]);
    let value = token["token"].as_str().unwrap();
    let (_, stderr) = setup.run(setup.as_a().args(["revoke", value]), 2);
    assert_error_lines(&stderr);
    assert!(stderr.contains("looks like a token value"), "{stderr}");
    assert!(!stderr.contains(value), "{stderr}");
}
