//! `clerk-m2m list` against the in-process emulator.

mod common;

use common::{assert_error_lines, Setup};

#[test]
fn json_is_data_and_total_count_without_token_values() {
    let setup = Setup::new();
    let created: Vec<_> = (0..3).map(|_| setup.create(&[])).collect();
    let list = setup.json(setup.as_a().args(["list", "--subject", &setup.machine_a()]));
    assert_eq!(list["total_count"], 3);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    for token in data {
        assert!(token.get("token").is_none(), "{token}");
        assert_eq!(token["object"], "machine_to_machine_token");
    }
    // Newest first.
    assert_eq!(data[0]["id"], created[2]["id"]);
    let stdout = serde_json::to_string(&list).unwrap();
    for token in &created {
        assert!(!stdout.contains(token["token"].as_str().unwrap()));
    }
}

#[test]
fn table_has_a_row_per_token_and_a_footer() {
    let setup = Setup::new();
    let token = setup.create(&["--expires-in", "600", "--claims", r#"{"a":1}"#]);
    setup.create(&[]);
    let (stdout, _) = setup.run(
        setup.as_instance().args([
            "list",
            "--subject",
            &setup.machine_a(),
            "--limit",
            "1",
            "--offset",
            "1",
        ]),
        0,
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("ID "), "{stdout}");
    assert!(
        lines[1].starts_with(token["id"].as_str().unwrap()),
        "{stdout}"
    );
    assert!(lines[1].contains("active"), "{stdout}");
    assert!(lines[1].contains(r#"{"a":1}"#), "{stdout}");
    assert_eq!(lines[2], "2–2 of 2 tokens");
}

#[test]
fn revoked_filter_and_an_empty_page() {
    let setup = Setup::new();
    let token = setup.create(&[]);
    let (stdout, _) = setup.run(
        setup
            .as_a()
            .args(["list", "--subject", &setup.machine_a(), "--revoked"]),
        0,
    );
    assert_eq!(stdout, "no tokens on this page (0 tokens match)\n");
    setup.json(setup.as_a().args(["revoke", token["id"].as_str().unwrap()]));
    let list =
        setup.json(
            setup
                .as_a()
                .args(["list", "--subject", &setup.machine_a(), "--revoked"]),
        );
    assert_eq!(list["total_count"], 1);
    assert_eq!(list["data"][0]["revoked"], true);
}

#[test]
fn another_machines_tokens_need_the_instance_key() {
    let setup = Setup::new();
    let (stdout, stderr) = setup.run(
        setup.as_a().args(["list", "--subject", &setup.machine_b()]),
        1,
    );
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    assert!(stderr.contains("Clerk answered 403"), "{stderr}");
    assert!(stderr.contains("trace id "), "{stderr}");
    assert!(stderr.contains("CLERK_SECRET_KEY"), "{stderr}");
    setup.json(
        setup
            .as_instance()
            .args(["list", "--subject", &setup.machine_b()]),
    );
}

#[test]
fn without_a_key_it_is_a_usage_error_naming_both_variables() {
    let setup = Setup::new();
    let (_, stderr) = setup.run(
        setup.cmd().args(["list", "--subject", &setup.machine_a()]),
        2,
    );
    assert_error_lines(&stderr);
    assert!(stderr.contains("CLERK_MACHINE_SECRET_KEY"), "{stderr}");
    assert!(stderr.contains("CLERK_SECRET_KEY"), "{stderr}");
}
