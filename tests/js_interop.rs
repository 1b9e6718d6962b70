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
}
