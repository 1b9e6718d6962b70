//! Shared by the binary's tests: an in-process emulator, the `clerk-m2m`
//! command with a clean environment, and a check that no secret key leaks.
#![allow(dead_code)]

use assert_cmd::Command;
use clerk_m2m_emulator::{Emulator, EmulatorHandle};
use serde_json::Value;
use std::net::TcpListener;
use std::process::Output;
use std::time::Duration;

/// The variables the binary reads; removed so the developer's own never leak in.
const CLERK_VARS: [&str; 5] = [
    "CLERK_API_URL",
    "CLERK_MACHINE_SECRET_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_JWT_KEY",
    "CLERK_API_VERSION",
];

/// `clerk-m2m` with none of the CLERK_* variables set.
pub fn bare() -> Command {
    let mut command = Command::cargo_bin("clerk-m2m").expect("the binary is built");
    for var in CLERK_VARS {
        command.env_remove(var);
    }
    command.timeout(Duration::from_secs(60));
    command
}

/// A running emulator and its keys.
pub struct Setup {
    pub emulator: EmulatorHandle,
}

impl Setup {
    pub fn new() -> Self {
        Self {
            emulator: Emulator::start().expect("the emulator starts"),
        }
    }

    /// Machine A's secret key (the default machine; its tokens may call B).
    pub fn key_a(&self) -> String {
        self.emulator.machines()[0]
            .secret_key()
            .expose_secret()
            .to_owned()
    }

    /// Machine B's secret key.
    pub fn key_b(&self) -> String {
        self.emulator.machines()[1]
            .secret_key()
            .expose_secret()
            .to_owned()
    }

    pub fn machine_a(&self) -> String {
        self.emulator.machines()[0].id().to_owned()
    }

    pub fn machine_b(&self) -> String {
        self.emulator.machines()[1].id().to_owned()
    }

    /// The instance secret key.
    pub fn instance_key(&self) -> String {
        self.emulator.secret_key().expose_secret().to_owned()
    }

    /// `clerk-m2m` pointed at the emulator, with no key.
    pub fn cmd(&self) -> Command {
        let mut command = bare();
        command.env("CLERK_API_URL", self.emulator.url());
        command
    }

    /// `clerk-m2m` as machine A.
    pub fn as_a(&self) -> Command {
        let mut command = self.cmd();
        command.env("CLERK_MACHINE_SECRET_KEY", self.key_a());
        command
    }

    /// `clerk-m2m` as machine B.
    pub fn as_b(&self) -> Command {
        let mut command = self.cmd();
        command.env("CLERK_MACHINE_SECRET_KEY", self.key_b());
        command
    }

    /// `clerk-m2m` with the instance key only.
    pub fn as_instance(&self) -> Command {
        let mut command = self.cmd();
        command.env("CLERK_SECRET_KEY", self.instance_key());
        command
    }

    /// Every secret key of the emulator.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.instance_key()];
        for machine in self.emulator.machines() {
            secrets.push(machine.secret_key().expose_secret().to_owned());
        }
        secrets
    }

    /// Runs `command`, checks the exit code and that no secret key is in
    /// its output, and returns (stdout, stderr).
    pub fn run(&self, command: &mut Command, code: i32) -> (String, String) {
        let output = command.output().expect("the binary runs");
        let (stdout, stderr) = texts(&output);
        assert_eq!(
            output.status.code(),
            Some(code),
            "exit code\nstdout: {stdout}\nstderr: {stderr}"
        );
        for secret in self.secrets() {
            assert!(!stdout.contains(&secret), "secret key on stdout: {stdout}");
            assert!(!stderr.contains(&secret), "secret key on stderr: {stderr}");
        }
        (stdout, stderr)
    }

    /// Runs `command`, expects exit 0 and JSON on stdout.
    pub fn json(&self, command: &mut Command) -> Value {
        let (stdout, _) = self.run(command.args(["-o", "json"]), 0);
        serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
    }

    /// Creates a token as machine A with `args`, returns the token object.
    pub fn create(&self, args: &[&str]) -> Value {
        self.json(self.as_a().arg("create").args(args))
    }
}

pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A loopback URL where nothing listens: a port that was bound, then released.
pub fn unreachable_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// The error lines on stderr: at most two, `error:` then maybe `hint:`.
pub fn assert_error_lines(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        (1..=2).contains(&lines.len()),
        "one or two lines expected: {stderr}"
    );
    assert!(lines[0].starts_with("error: "), "{stderr}");
    if let Some(hint) = lines.get(1) {
        assert!(hint.starts_with("hint: "), "{stderr}");
    }
}
