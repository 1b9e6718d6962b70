//! The `clerk-m2m-emulator` binary: `--json`, the human summary, `--config`,
//! `--help`, bad configuration, and a clean stop on SIGTERM.

mod common;

use common::process::{Running, BIN};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

/// A raw `POST /m2m_tokens` as `key` against `url` (`http://127.0.0.1:PORT`).
fn create(url: &str, key: &str) -> (u16, Value) {
    let addr = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    let body = r#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#;
    write!(
        stream,
        "POST /m2m_tokens HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let (_, body) = response.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(body).unwrap())
}

#[test]
#[cfg(unix)]
fn json_summary_then_serves_then_stops_on_sigterm() {
    let mut running = Running::start(&["--json", "--port", "0"]);
    let summary: Value = serde_json::from_str(&running.line()).expect("first line is JSON");
    let url = summary["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));
    assert!(summary["instance_id"].as_str().unwrap().starts_with("ins_"));
    assert!(summary["secret_key"]
        .as_str()
        .unwrap()
        .starts_with("sk_test_"));
    let machines = summary["machines"].as_array().unwrap();
    assert_eq!(machines.len(), 2);
    for (machine, other) in [(&machines[0], &machines[1]), (&machines[1], &machines[0])] {
        assert!(machine["id"].as_str().unwrap().starts_with("mch_"));
        assert!(machine["secret_key"].as_str().unwrap().starts_with("ak_"));
        assert_eq!(machine["scopes"], json!([other["id"]]));
    }
    let (status, token) = create(&url, machines[0]["secret_key"].as_str().unwrap());
    assert_eq!(status, 201);
    assert_eq!(token["subject"], machines[0]["id"]);
    assert!(running.terminate().success());
}

#[test]
#[cfg(unix)]
fn config_file_sets_ids_keys_and_scopes() {
    let folder =
        std::env::temp_dir().join(format!("clerk-m2m-emulator-test-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let key_path = folder.join("jwt.pem");
    let key = clerk_m2m_emulator::SigningKey::generate().unwrap();
    std::fs::write(&key_path, key.to_pkcs8_pem().unwrap()).unwrap();
    let config = folder.join("emulator.json");
    std::fs::write(
        &config,
        json!({
            "instance_id": "ins_fixed",
            "secret_key": "sk_test_fixed_instance_key",
            "signing_key_pem_file": "jwt.pem",
            "machines": [
                {"name": "billing", "id": "mch_billing00000000000000000000",
                 "secret_key": "ak_test_billing", "scopes": ["reports"]},
                {"name": "reports", "scopes": []}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let mut running = Running::start(&["--config", config.to_str().unwrap(), "--json"]);
    let summary: Value = serde_json::from_str(&running.line()).unwrap();
    assert_eq!(summary["instance_id"], "ins_fixed");
    assert_eq!(summary["secret_key"], "sk_test_fixed_instance_key");
    let machines = summary["machines"].as_array().unwrap();
    assert_eq!(machines[0]["id"], "mch_billing00000000000000000000");
    assert_eq!(machines[0]["name"], "billing");
    assert_eq!(machines[0]["secret_key"], "ak_test_billing");
    assert_eq!(machines[0]["scopes"], json!([machines[1]["id"]]));
    assert_eq!(machines[1]["scopes"], json!([]));
    let (status, _) = create(summary["url"].as_str().unwrap(), "ak_test_billing");
    assert_eq!(status, 201);
    assert!(running.terminate().success());
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
#[cfg(unix)]
fn human_summary() {
    let mut running = Running::start(&["--port", "0"]);
    let first = running.line();
    assert!(
        first.starts_with("Clerk M2M emulator listening on http://127.0.0.1:"),
        "{first}"
    );
    let mut rest = String::new();
    loop {
        let line = running.line();
        rest.push_str(&line);
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    for needle in [
        "ins_",
        "sk_test_",
        "machine-a",
        "machine-b",
        "ak_test_",
        "may call",
        "CLERK_API_URL=",
    ] {
        assert!(rest.contains(needle), "{needle} missing from:\n{rest}");
    }
    assert!(running.terminate().success());
}

#[test]
fn help_documents_every_flag() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--host",
        "--port",
        "--config",
        "--json",
        "--signing-key",
        "--default-token-ttl",
        "--rate-limit",
        "--rate-limit-window",
        "--state",
        "CLERK_EMULATOR_CONFIG",
        "--help",
        "--version",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[test]
fn bad_configuration_fails_without_leaking_keys() {
    let folder =
        std::env::temp_dir().join(format!("clerk-m2m-emulator-bad-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let config = folder.join("bad.json");
    std::fs::write(
        &config,
        json!({"machines": [{"name": "a", "secret_key": "sk_test_should_not_print", "scopes": []}]})
            .to_string(),
    )
    .unwrap();
    let output = Command::new(BIN)
        .args(["--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("must start with `ak_`"), "{stderr}");
    assert!(!stderr.contains("should_not_print"), "{stderr}");
    let missing = Command::new(BIN)
        .args(["--config", folder.join("missing.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn zero_rate_limits_are_refused_with_a_clear_message() {
    for args in [
        &["--rate-limit", "0"][..],
        &["--rate-limit", "10", "--rate-limit-window", "0"][..],
    ] {
        let output = Command::new(BIN)
            .args(args)
            .env_remove("CLERK_EMULATOR_CONFIG")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("at least 1"), "{args:?}: {stderr}");
    }
}
