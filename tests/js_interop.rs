//! Interop: Clerk's official JS SDK (`@clerk/backend` 3.25.0, pinned by
//! `tests/js-interop/package-lock.json`) against our emulator.
//!
//! Needs Node.js ≥ 20 and npm; installs the pinned SDK with `npm ci` on first
//! run (from the npm registry).

use clerk_m2m_emulator::Emulator;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js-interop")
}

/// Installs the pinned SDK once (`npm ci`), unless already installed.
fn ensure_sdk_installed(dir: &Path) {
    if dir
        .join("node_modules/@clerk/backend/package.json")
        .exists()
    {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .status()
        .expect("npm must be installed (Node.js >= 20) to run the interop test");
    assert!(status.success(), "npm ci failed in {}", dir.display());
}

#[test]
fn official_js_sdk_round_trip_against_the_emulator() {
    let dir = harness_dir();
    ensure_sdk_installed(&dir);
    let emulator = Emulator::start().expect("emulator starts");
    let machines = emulator.machines();
    let (a, b) = (&machines[0], &machines[1]);
    assert!(
        a.scopes().iter().any(|scope| scope == b.id()),
        "A may call B"
    );

    let output = Command::new("node")
        .arg(dir.join("interop.mjs"))
        .env("CLERK_API_URL", emulator.url())
        .env("MACHINE_A_ID", a.id())
        .env("MACHINE_A_SECRET_KEY", a.secret_key().expose_secret())
        .env("MACHINE_B_ID", b.id())
        .env("MACHINE_B_SECRET_KEY", b.secret_key().expose_secret())
        .env("CLERK_SECRET_KEY", emulator.secret_key().expose_secret())
        .output()
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "interop script failed: {stderr}");
    let result: Value = serde_json::from_slice(&output.stdout).expect("one JSON object on stdout");

    let opaque = &result["create_opaque"];
    let opaque_id = opaque["id"].as_str().expect("opaque id");
    assert!(clerk_m2m_types::is_token_id(opaque_id), "{opaque_id}");
    assert_eq!(opaque["subject"], a.id());
    assert_eq!(
        opaque["claims"]["nestedKey"]["camelCase"], 1,
        "claim keys kept as sent"
    );
    assert!(opaque["token"]
        .as_str()
        .is_some_and(|token| token.starts_with("mt_")));

    let jwt = &result["create_jwt"];
    assert_eq!(
        jwt["token"].as_str().map(|token| token.split('.').count()),
        Some(3)
    );

    let listed: Vec<&str> = result["list"]["data"]
        .as_array()
        .expect("list data")
        .iter()
        .filter_map(|token| token["id"].as_str())
        .collect();
    assert!(listed.contains(&opaque_id), "{listed:?}");
    assert!(
        !listed.contains(&jwt["id"].as_str().unwrap_or_default()),
        "JWTs are not stored"
    );
    assert_eq!(result["list"]["totalCount"], 1);

    let verified = &result["verify_opaque"];
    assert_eq!(verified["id"], opaque_id);
    assert_eq!(verified["subject"], a.id());
    assert!(
        verified.get("token").is_none(),
        "verify never returns the token value"
    );

    // JS verified the JWT locally with the emulator's JWKS.
    let local = &result["verify_jwt"];
    assert_eq!(local["id"], jwt["id"]);
    assert_eq!(local["subject"], a.id());
    assert_eq!(local["claims"]["role"], opaque["claims"]["role"]);
    assert_eq!(local["expiration"], jwt["expiration"]);

    assert_eq!(result["revoke"]["revoked"], true);
    assert_eq!(result["revoke"]["revocationReason"], "interop");
    assert_eq!(result["verify_revoked_error"]["status"], 404);

    assert_machines_round_trip(&result["machines"], &emulator, b.id());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("ak_") && !stdout.contains("sk_"),
        "no key printed: {stdout}"
    );
}

/// What `clerk.machines.*` returned against the emulator: the SDK parsed
/// every answer (camelCase `Machine`s), and the keys behaved as Clerk's do.
fn assert_machines_round_trip(
    machines: &Value,
    emulator: &clerk_m2m_emulator::EmulatorHandle,
    b_id: &str,
) {
    let callee = &machines["create_callee"];
    let caller = &machines["create_caller"];
    let callee_id = callee["id"].as_str().expect("callee id");
    let caller_id = caller["id"].as_str().expect("caller id");
    assert!(clerk_m2m_types::is_machine_id(callee_id), "{callee_id}");
    assert_eq!(callee["name"], "interop-callee");
    assert_eq!(callee["defaultTokenTtl"], 600);
    assert_eq!(callee["instanceId"], emulator.instance_id());
    assert_eq!(callee["secretKey"], true, "create answers the key");
    assert_eq!(callee["scopedMachines"], serde_json::json!([]));
    assert_eq!(caller["scopedMachines"][0]["id"], b_id);
    assert!(caller["createdAt"].as_i64().unwrap() > 1_000_000_000_000);

    assert_eq!(machines["list"]["totalCount"], 2);
    let listed: Vec<&str> = machines["list"]["data"]
        .as_array()
        .expect("list data")
        .iter()
        .filter_map(|machine| machine["name"].as_str())
        .collect();
    assert_eq!(listed, ["interop-callee", "interop-caller"]);
    assert_eq!(machines["get"]["id"], caller_id);
    assert!(machines["get"].get("secretKey").is_none());
    assert_eq!(machines["update"]["name"], "interop-caller-renamed");
    assert_eq!(machines["update"]["defaultTokenTtl"], 900);
    assert_eq!(machines["create_scope"]["fromMachineId"], caller_id);
    assert_eq!(machines["create_scope"]["toMachineId"], callee_id);
    assert_eq!(machines["delete_scope"]["deleted"], true);

    assert_eq!(machines["minted"]["subject"], caller_id);
    assert_eq!(machines["minted"]["scopes"], serde_json::json!([callee_id]));
    assert_eq!(machines["verified_by_callee"]["subject"], caller_id);
    assert_eq!(machines["secret_key_is_the_created_one"], true);
    assert_eq!(machines["rotated_key_differs"], true);
    assert_eq!(machines["old_key_status_after_rotation"], 401);
    assert_eq!(machines["new_key_mints"], true);
    assert_eq!(machines["delete"]["id"], callee_id);
    assert_eq!(machines["delete"]["deleted"], true);
    assert_eq!(machines["deleted_key_status"], 401);
    assert_eq!(machines["get_deleted_status"], 404);
    assert!(emulator.current_machine(callee_id).is_none());
    assert_eq!(
        emulator
            .current_machine(caller_id)
            .map(|machine| machine.name().to_owned()),
        Some("interop-caller-renamed".to_owned())
    );
}
