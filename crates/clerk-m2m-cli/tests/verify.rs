//! `clerk-m2m verify`: opaque tokens through the API, M2M JWTs locally.

mod common;

use clerk_m2m_emulator::Emulator;
use common::{assert_error_lines, unreachable_url, Setup};
use std::time::{Duration, SystemTime};

#[test]
fn an_opaque_token_through_the_api_in_both_output_modes() {
    let setup = Setup::new();
    let token = setup.create(&["--claims", r#"{"role":"reader"}"#]);
    let value = token["token"].as_str().unwrap();
    // Machine B is in the token's scopes: it is the receiving service.
    let verified = setup.json(setup.as_b().args(["verify", value]));
    assert_eq!(verified["id"], token["id"]);
    assert_eq!(verified["subject"], setup.machine_a());
    assert_eq!(verified["claims"]["role"], "reader");
    assert!(verified.get("token").is_none(), "{verified}");

    let (stdout, _) = setup.run(setup.as_instance().args(["verify", value]), 0);
    assert!(stdout.contains(token["id"].as_str().unwrap()), "{stdout}");
    assert!(stdout.contains("status      active"), "{stdout}");
    assert!(
        !stdout.contains(value),
        "the token value is not printed: {stdout}"
    );
}

#[test]
fn reads_the_token_from_stdin() {
    let setup = Setup::new();
    let token = setup.create(&[]);
    let value = token["token"].as_str().unwrap();
    let verified = setup.json(
        setup
            .as_b()
            .args(["verify", "-"])
            .write_stdin(format!("{value}\n")),
    );
    assert_eq!(verified["id"], token["id"]);

    let (_, stderr) = setup.run(setup.as_b().args(["verify", "-"]).write_stdin("\n"), 2);
    assert_error_lines(&stderr);
    assert!(stderr.contains("no token"), "{stderr}");
}

#[test]
fn a_revoked_token_fails_with_code_and_trace_id() {
    let setup = Setup::new();
    let token = setup.create(&[]);
    setup.json(setup.as_a().args(["revoke", token["id"].as_str().unwrap()]));
    let value = token["token"].as_str().unwrap();
    let (stdout, stderr) = setup.run(setup.as_b().args(["verify", value]), 1);
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    assert!(
        stderr.starts_with("error: the token did not verify: Clerk answered 404"),
        "{stderr}"
    );
    assert!(stderr.contains("resource_not_found"), "{stderr}");
    assert!(stderr.contains("trace id "), "{stderr}");
    assert!(!stderr.contains(value), "{stderr}");
}

#[test]
fn a_jwt_locally_with_clerk_jwt_key_and_no_network() {
    let setup = Setup::new();
    let token = setup.create(&["--format", "jwt", "--claims", r#"{"role":"reader"}"#]);
    let jwt = token["token"].as_str().unwrap();
    // Nothing listens at the API URL: the check must not need the network.
    let verified = setup.json(
        common::bare()
            .env("CLERK_API_URL", unreachable_url())
            .env("CLERK_JWT_KEY", setup.emulator.public_key_pem())
            .args(["verify", "-"])
            .write_stdin(jwt),
    );
    assert_eq!(verified["id"], token["id"]);
    assert_eq!(verified["subject"], setup.machine_a());
    assert_eq!(verified["claims"]["role"], "reader");
    assert_eq!(verified["expiration"], token["expiration"]);
    assert!(verified.get("token").is_none(), "{verified}");

    let (stdout, _) = setup.run(
        common::bare()
            .env("CLERK_JWT_KEY", setup.emulator.public_key_pem())
            .args(["verify", jwt]),
        0,
    );
    assert!(stdout.contains("status      active"), "{stdout}");
    assert!(!stdout.contains(jwt), "{stdout}");
}

#[test]
fn a_jwt_locally_with_the_jwks_fetched_with_clerk_secret_key() {
    let setup = Setup::new();
    let token = setup.create(&["--format", "jwt"]);
    let jwt = token["token"].as_str().unwrap();
    let before = setup.emulator.requests_received();
    let verified = setup.json(setup.as_instance().args(["verify", jwt]));
    assert_eq!(verified["id"], token["id"]);
    // One request, the JWKS; the token itself is never posted.
    assert_eq!(setup.emulator.requests_received(), before + 1);
}

#[test]
fn a_jwt_without_keys_exits_2_naming_both_variables() {
    let setup = Setup::new();
    let token = setup.create(&["--format", "jwt"]);
    let jwt = token["token"].as_str().unwrap();
    // A machine key alone cannot fetch the JWKS: a missing key, as --help says.
    let before = setup.emulator.requests_received();
    let (stdout, stderr) = setup.run(setup.as_b().args(["verify", jwt]), 2);
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    assert!(stderr.contains("CLERK_JWT_KEY"), "{stderr}");
    assert!(stderr.contains("CLERK_SECRET_KEY"), "{stderr}");
    assert_eq!(setup.emulator.requests_received(), before, "nothing sent");
}

#[test]
fn a_jwt_signed_by_another_key_or_expired_does_not_verify() {
    let setup = Setup::new();
    let other = Emulator::start().unwrap();
    let token = setup.create(&["--format", "jwt"]);
    let jwt = token["token"].as_str().unwrap();
    let (_, stderr) = setup.run(
        common::bare()
            .env("CLERK_JWT_KEY", other.public_key_pem())
            .args(["verify", jwt]),
        1,
    );
    assert_error_lines(&stderr);
    assert!(
        stderr.starts_with("error: the token did not verify"),
        "{stderr}"
    );

    // Minted two hours ago with a one-minute lifetime.
    setup
        .emulator
        .set_time(SystemTime::now() - Duration::from_secs(7200));
    let old = setup.create(&["--format", "jwt", "--expires-in", "60"]);
    let (_, stderr) = setup.run(
        common::bare()
            .env("CLERK_JWT_KEY", setup.emulator.public_key_pem())
            .args(["verify", old["token"].as_str().unwrap()]),
        1,
    );
    assert_error_lines(&stderr);
    assert!(stderr.contains("expired"), "{stderr}");
}

#[test]
fn a_bad_clerk_jwt_key_is_a_usage_error() {
    let setup = Setup::new();
    let token = setup.create(&["--format", "jwt"]);
    let (_, stderr) = setup.run(
        common::bare()
            .env("CLERK_JWT_KEY", "not a pem key")
            .args(["verify", token["token"].as_str().unwrap()]),
        2,
    );
    assert_error_lines(&stderr);
    assert!(stderr.contains("CLERK_JWT_KEY"), "{stderr}");
}

#[test]
fn a_token_id_or_machine_id_is_not_a_token_and_nothing_is_sent() {
    let setup = Setup::new();
    let token = setup.create(&[]);
    let id = token["id"].as_str().unwrap();
    let before = setup.emulator.requests_received();
    let (stdout, stderr) = setup.run(setup.as_b().args(["verify", id]), 2);
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    assert!(stderr.contains("this is a token id"), "{stderr}");
    assert!(stderr.contains("hint: give the `token` value"), "{stderr}");
    let (_, stderr) = setup.run(
        setup
            .as_b()
            .args(["verify", "-"])
            .write_stdin(format!("{}\n", setup.machine_a())),
        2,
    );
    assert!(stderr.contains("this is a machine id"), "{stderr}");
    assert_eq!(setup.emulator.requests_received(), before, "nothing sent");
    // The value itself still verifies.
    let value = token["token"].as_str().unwrap();
    setup.run(setup.as_b().args(["verify", value]), 0);
}
