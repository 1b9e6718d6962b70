//! `--state FILE` with the built binary: the instance survives a restart
//! (SIGTERM writes the file, the next start loads it), `POST
//! /_emulator/state/save` writes it at once, a broken file stops the start
//! without printing keys. Also the config from `CLERK_EMULATOR_CONFIG`.

mod common;

use clerk_m2m_types::VerifyTokenParams;
use common::process::{temp_folder, Binary, Running, BIN};
use serde_json::{json, Value};
use std::process::Command;

/// The binary with `--json --state <path>` and its own, freshly generated
/// signing key (no `--signing-key`), so that a restart can only verify old
/// JWTs if the state carried the key.
fn start_with_state(path: &str) -> Binary {
    let mut running = Running::start(&["--json", "--state", path]);
    let summary: Value = serde_json::from_str(&running.line()).expect("JSON summary");
    let addr = summary["url"].as_str().unwrap()["http://".len()..]
        .parse()
        .unwrap();
    Binary {
        running,
        summary,
        addr,
    }
}

fn verify_status(emulator: &Binary, token: &str) -> u16 {
    emulator
        .call(
            "POST",
            "/m2m_tokens/verify",
            Some(&emulator.instance_key()),
            Some(&json!({ "token": token })),
        )
        .status
}

#[test]
fn the_instance_and_its_tokens_survive_a_restart() {
    let folder = temp_folder("restart");
    let path = folder.join("state.json");
    let path_text = path.to_str().unwrap();

    let first = start_with_state(path_text);
    let a = first.machine_key(0);
    let live = first
        .call(
            "POST",
            "/m2m_tokens",
            Some(&a),
            Some(&json!({"claims": {"n": 1}})),
        )
        .json();
    let revoked = first.call("POST", "/m2m_tokens", Some(&a), None).json();
    let revoked_id = revoked["id"].as_str().unwrap();
    let revoke = first.call(
        "POST",
        &format!("/m2m_tokens/{revoked_id}/revoke"),
        Some(&a),
        Some(&json!({"revocation_reason": "before restart"})),
    );
    assert_eq!(revoke.status, 200);
    let jwt = first
        .control(
            "POST",
            "/_emulator/tokens",
            Some(&json!({"machine_id": first.machine_id(0), "token_format": "jwt"})),
        )
        .json();
    let summary = first.summary.clone();
    assert!(!path.exists(), "nothing is written before shutdown");
    assert!(first.terminate().success());

    // SIGTERM wrote the state, owner-only.
    let text = std::fs::read_to_string(&path).unwrap();
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["instance_id"], summary["instance_id"]);
    assert_eq!(saved["tokens"].as_array().unwrap().len(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let second = start_with_state(path_text);
    for field in ["instance_id", "secret_key", "machines"] {
        assert_eq!(second.summary[field], summary[field], "{field}");
    }
    assert_ne!(second.summary["url"], Value::Null);
    assert_eq!(verify_status(&second, live["token"].as_str().unwrap()), 200);
    assert_eq!(
        verify_status(&second, revoked["token"].as_str().unwrap()),
        404
    );
    let listed = second
        .call(
            "GET",
            &format!("/m2m_tokens?subject={}&revoked=true", second.machine_id(0)),
            Some(&second.instance_key()),
            None,
        )
        .json();
    assert_eq!(listed["m2m_tokens"][0]["id"], revoked["id"]);
    assert_eq!(
        listed["m2m_tokens"][0]["revocation_reason"],
        "before restart"
    );
    // The JWT minted before the restart verifies against the new process's JWKS.
    let client = clerk_m2m_blocking::Client::builder()
        .base_url(second.url())
        .machine_secret_key(second.machine_key(1))
        .secret_key(second.instance_key())
        .build()
        .unwrap();
    let verified = client
        .verify_token(VerifyTokenParams::new(jwt["token"].as_str().unwrap()))
        .unwrap();
    assert_eq!(verified.id, jwt["id"].as_str().unwrap());
    assert!(second.terminate().success());
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn the_save_route_writes_the_file_at_once() {
    let folder = temp_folder("save");
    let path = folder.join("state.json");
    let path_text = path.to_str().unwrap();
    let first = start_with_state(path_text);
    let token = first
        .call("POST", "/m2m_tokens", Some(&first.machine_key(0)), None)
        .json();
    let saved = first.control("POST", "/_emulator/state/save", None);
    assert_eq!(saved.status, 200);
    assert_eq!(saved.json(), json!({ "path": path_text }));
    // Killed (no clean shutdown): the saved state is all there is.
    first.running.kill();
    let second = start_with_state(path_text);
    assert_eq!(
        verify_status(&second, token["token"].as_str().unwrap()),
        200
    );
    assert!(second.terminate().success());
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn a_broken_state_file_stops_the_start_without_printing_keys() {
    let folder = temp_folder("broken-state");
    let path = folder.join("state.json");
    std::fs::write(
        &path,
        json!({"version": 1, "instance_id": "ins_x", "secret_key": 5,
               "signing_key_pem": "sk_test_must_not_print", "machines": []})
        .to_string(),
    )
    .unwrap();
    let output = Command::new(BIN)
        .args(["--state", path.to_str().unwrap()])
        .env_remove("CLERK_EMULATOR_CONFIG")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("invalid emulator state"), "{stderr}");
    assert!(!stderr.contains("must_not_print"), "{stderr}");
    // The file is left as it was.
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("must_not_print"));
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn the_config_can_come_from_the_environment() {
    let inline = Binary::start_with_env(
        &[],
        &[(
            "CLERK_EMULATOR_CONFIG",
            r#"{"instance_id": "ins_fromenv", "machines": [{"name": "solo"}]}"#,
        )],
    );
    assert_eq!(inline.summary["instance_id"], "ins_fromenv");
    assert_eq!(inline.summary["machines"][0]["name"], "solo");
    assert!(inline.terminate().success());

    let folder = temp_folder("env-config");
    let file = folder.join("emulator.json");
    std::fs::write(&file, r#"{"instance_id": "ins_fromfile"}"#).unwrap();
    let from_file =
        Binary::start_with_env(&[], &[("CLERK_EMULATOR_CONFIG", file.to_str().unwrap())]);
    assert_eq!(from_file.summary["instance_id"], "ins_fromfile");
    assert!(from_file.terminate().success());
    std::fs::remove_dir_all(&folder).unwrap();
}
