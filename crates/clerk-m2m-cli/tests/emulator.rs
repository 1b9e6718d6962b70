//! `clerk-m2m emulator`: the emulator crate's command line, in the foreground.

mod common;

use common::{bare, texts};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// A running `clerk-m2m emulator`, killed (by its own pid) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, BufReader<std::process::ChildStdout>) {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("clerk-m2m"));
    let mut child = command
        .args(args)
        .env_remove("CLERK_API_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    (Running(child), BufReader::new(stdout))
}

fn start(args: &[&str]) -> (Running, Value) {
    let (running, mut stdout) = spawn(args);
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let summary = serde_json::from_str(&line).unwrap_or_else(|error| panic!("{error}: {line}"));
    (running, summary)
}

#[test]
fn serves_the_api_and_prints_its_keys_as_json() {
    for args in [
        &["emulator", "--json", "--port", "0"][..],
        &["-o", "json", "emulator"],
    ] {
        let (_running, summary) = start(args);
        let url = summary["url"].as_str().unwrap();
        assert!(url.starts_with("http://127.0.0.1:"), "{summary}");
        let key = summary["machines"][0]["secret_key"].as_str().unwrap();
        assert!(key.starts_with("ak_test_"));
        let output = bare()
            .env("CLERK_API_URL", url)
            .env("CLERK_MACHINE_SECRET_KEY", key)
            .args(["create", "--token-only"])
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(stdout.starts_with("mt_"), "{stdout}");
    }
}

#[test]
fn prints_the_human_summary_by_default() {
    let (_running, mut stdout) = spawn(&["emulator"]);
    let mut text = String::new();
    while !text.contains("Press Ctrl-C to stop.") {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "{text}");
        text.push_str(&line);
    }
    assert!(
        text.starts_with("Clerk M2M emulator listening on http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("machine-a") && text.contains("machine-b"),
        "{text}"
    );
    assert!(text.contains("export CLERK_API_URL="), "{text}");
}

#[test]
fn bad_configuration_is_a_usage_error() {
    let output = bare()
        .args([
            "emulator",
            "--config",
            "/nonexistent/clerk-m2m-emulator.json",
        ])
        .output()
        .unwrap();
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: the emulator could not start"),
        "{stderr}"
    );
    let output = bare()
        .args(["emulator", "--rate-limit-window", "5"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn an_unreadable_state_file_is_a_usage_error_with_a_hint() {
    let dir = std::env::temp_dir().join(format!("clerk-m2m-cli-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    std::fs::write(&state, "{ not json").unwrap();
    let output = bare()
        .args(["emulator", "--state", state.to_str().unwrap()])
        .output()
        .unwrap();
    let (_, stderr) = texts(&output);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--state file"), "{stderr}");
}
