//! `clerk-m2m create` against the in-process emulator.

mod common;

use common::{assert_error_lines, Setup};

#[test]
fn opaque_token_as_json_is_the_api_object_with_its_value() {
    let setup = Setup::new();
    let token = setup.create(&["--claims", r#"{"role":"reader"}"#, "--expires-in", "600"]);
    assert_eq!(token["object"], "machine_to_machine_token");
    assert!(token["id"].as_str().unwrap().starts_with("mt_"));
    assert!(token["token"].as_str().unwrap().starts_with("mt_"));
    assert_eq!(token["subject"], setup.machine_a());
    assert_eq!(token["claims"]["role"], "reader");
    assert_eq!(token["revoked"], false);
    let lifetime = token["expiration"].as_i64().unwrap() - token["created_at"].as_i64().unwrap();
    assert_eq!(lifetime, 600_000);
}

#[test]
fn table_output_shows_the_fields_and_the_value() {
    let setup = Setup::new();
    let (stdout, stderr) = setup.run(
        setup.as_a().args(["create", "--claims", r#"{"env":"ci"}"#]),
        0,
    );
    assert!(stderr.is_empty(), "{stderr}");
    let row = |label: &str| {
        stdout
            .lines()
            .find(|line| line.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row: {stdout}"))
            .to_owned()
    };
    assert!(row("id ").contains("mt_"));
    assert!(row("subject ").contains(&setup.machine_a()));
    assert!(row("status ").contains("active"));
    assert!(row("scopes ").contains(&setup.machine_b()));
    assert!(row("claims ").contains(r#"{"env":"ci"}"#));
    assert!(row("expires ").ends_with("never"));
    assert!(row("created ").ends_with(" UTC"));
    assert!(row("token ").contains("mt_"));
}

#[test]
fn token_only_prints_just_the_value() {
    let setup = Setup::new();
    for format in ["opaque", "jwt"] {
        let (stdout, _) = setup.run(
            setup
                .as_a()
                .args(["create", "--token-only", "--format", format]),
            0,
        );
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        let value = stdout.trim_end();
        match format {
            "opaque" => assert!(value.starts_with("mt_"), "{value}"),
            _ => assert_eq!(value.split('.').count(), 3, "{value}"),
        }
    }
}

#[test]
fn jwt_format_and_a_per_call_machine_key() {
    let setup = Setup::new();
    // Machine B's key given as a flag beats machine A's from the environment.
    let token = setup.json(setup.as_a().args([
        "create",
        "--format",
        "jwt",
        "--expires-in",
        "60",
        "--machine-secret-key",
        &setup.key_b(),
    ]));
    assert_eq!(token["subject"], setup.machine_b());
    assert_eq!(token["token"].as_str().unwrap().split('.').count(), 3);
}

#[test]
fn min_remaining_ttl_reuses_a_live_token() {
    let setup = Setup::new();
    let args = [
        "--expires-in",
        "3600",
        "--min-remaining-ttl",
        "600",
        "--claims",
        r#"{"job":"nightly"}"#,
    ];
    let first = setup.create(&args);
    let second = setup.create(&args);
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["token"], second["token"]);
}

#[test]
fn local_validation_is_a_usage_error() {
    let setup = Setup::new();
    for (args, expected) in [
        (&["create", "--claims", "{not json"][..], "not valid JSON"),
        (&["create", "--claims", "[1,2]"], "must be a JSON object"),
        (&["create", "--expires-in", "-60"], "must not be negative"),
        (&["create", "--expires-in", "0"], "must be above 0"),
        (
            &["create", "--expires-in", "soon"],
            "whole number of seconds",
        ),
        (
            &["create", "--expires-in", "60", "--min-remaining-ttl", "60"],
            "min_remaining_ttl_seconds (60) must be less than",
        ),
    ] {
        let (stdout, stderr) = setup.run(setup.as_a().args(args), 2);
        assert!(stdout.is_empty());
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert_eq!(setup.emulator.requests_received(), 0);
}

#[test]
fn missing_or_wrong_keys() {
    let setup = Setup::new();
    let (_, stderr) = setup.run(setup.cmd().arg("create"), 2);
    assert_error_lines(&stderr);
    assert!(stderr.contains("no secret key"), "{stderr}");
    assert!(stderr.contains("CLERK_MACHINE_SECRET_KEY"), "{stderr}");

    // An empty variable counts as unset.
    let (_, stderr) = setup.run(
        setup
            .cmd()
            .env("CLERK_MACHINE_SECRET_KEY", "")
            .arg("create"),
        2,
    );
    assert!(stderr.contains("no secret key"), "{stderr}");

    let (_, stderr) = setup.run(setup.as_instance().arg("create"), 2);
    assert_error_lines(&stderr);
    assert!(stderr.contains("CLERK_MACHINE_SECRET_KEY"), "{stderr}");

    // The instance key where the machine key belongs: said as it is.
    let (_, stderr) = setup.run(
        setup
            .cmd()
            .env("CLERK_MACHINE_SECRET_KEY", setup.instance_key())
            .arg("create"),
        2,
    );
    assert_error_lines(&stderr);
    assert!(
        stderr.contains("CLERK_MACHINE_SECRET_KEY (or --machine-secret-key) holds an instance secret key (sk_…)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: an instance secret key belongs in CLERK_SECRET_KEY; a machine secret key starts with ak_"),
        "{stderr}"
    );
    assert_eq!(setup.emulator.requests_received(), 0, "nothing sent");

    let (_, stderr) = setup.run(
        setup
            .cmd()
            .env("CLERK_MACHINE_SECRET_KEY", "ak_test_not_a_real_key")
            .arg("create"),
        1,
    );
    assert_error_lines(&stderr);
    assert!(stderr.contains("Clerk answered 401"), "{stderr}");
    assert!(stderr.contains("machine_secret_key_invalid"), "{stderr}");
    assert!(stderr.contains("trace id "), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(!stderr.contains("ak_test_not_a_real_key"), "{stderr}");
}

#[test]
fn lifetimes_take_units() {
    let setup = Setup::new();
    for (flag, millis) in [
        ("90s", 90_000),
        ("15m", 900_000),
        ("1h", 3_600_000),
        ("7d", 604_800_000),
        ("600", 600_000),
    ] {
        let token = setup.create(&["--expires-in", flag]);
        let lifetime =
            token["expiration"].as_i64().unwrap() - token["created_at"].as_i64().unwrap();
        assert_eq!(lifetime, millis, "{flag}");
    }
    let reused = setup.create(&["--expires-in", "1h", "--min-remaining-ttl", "30m"]);
    let again = setup.create(&["--expires-in", "1h", "--min-remaining-ttl", "1800"]);
    assert_eq!(reused["id"], again["id"], "the live token is reused");

    let before = setup.emulator.requests_received();
    for (flag, value, reason) in [
        ("--expires-in", "0s", "must be above 0"),
        ("--expires-in", "5x", "unknown unit"),
        ("--expires-in", "1.5h", "whole number"),
        ("--min-remaining-ttl", "-1m", "must not be negative"),
    ] {
        let (_, stderr) = setup.run(setup.as_a().args(["create", flag, value]), 2);
        let prefix = format!("error: invalid value '{value}' for '{flag} <DURATION>': ");
        assert!(stderr.starts_with(&prefix), "{stderr}");
        assert!(stderr.lines().next().unwrap().contains(reason), "{stderr}");
    }
    assert_eq!(setup.emulator.requests_received(), before, "nothing sent");
}

#[test]
fn a_bad_api_url_is_a_usage_error() {
    let setup = Setup::new();
    let (_, stderr) = setup.run(
        setup
            .as_a()
            .args(["--api-url", "ftp://example.invalid", "create"]),
        2,
    );
    assert_error_lines(&stderr);
    assert!(stderr.contains("CLERK_API_URL"), "{stderr}");
}
