//! The built `clerk-m2m-emulator` binary as a child process: started with
//! `--json`, its first stdout line read, stopped with SIGTERM.

use super::{call_at, shared_signing_key, Reply};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_clerk-m2m-emulator");

/// A fresh folder under the system temp dir, unique to this test binary and `name`.
pub fn temp_folder(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("clerk-m2m-emulator-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("temp folder");
    folder
}

/// The test binary's shared signing key as a PEM file (test-only key), so
/// that each start skips key generation.
pub fn shared_key_file() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = temp_folder("signing-key").join("test-only-jwt-key.pem");
        std::fs::write(&path, shared_signing_key().to_pkcs8_pem().unwrap()).unwrap();
        path.to_str().unwrap().to_owned()
    })
}

/// A running child process.
pub struct Running {
    child: Option<Child>,
    stdout: BufReader<ChildStdout>,
}

impl Running {
    pub fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_remove("CLERK_EMULATOR_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("binary starts");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child: Some(child),
            stdout,
        }
    }

    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        if line.is_empty() {
            let mut stderr = String::new();
            if let Some(child) = self.child.as_mut() {
                if let Some(pipe) = child.stderr.as_mut() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
            }
            panic!("the emulator printed nothing more; stderr: {stderr}");
        }
        line
    }

    /// Kills the child at once (SIGKILL: no clean shutdown) and reaps it.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Sends SIGTERM (to this child only) and waits, bounded, for its exit.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done_tx.send(child.wait());
        });
        done_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the emulator stops on SIGTERM")
            .unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The binary started with `--json` (and the shared test key), and what it printed.
pub struct Binary {
    pub running: Running,
    pub summary: Value,
    pub addr: SocketAddr,
}

impl Binary {
    /// Starts it with `--json --signing-key <shared> <args>`.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut all = vec!["--json", "--signing-key", shared_key_file()];
        all.extend_from_slice(args);
        let mut running = Running::start_with_env(&all, env);
        let summary: Value = serde_json::from_str(&running.line()).expect("first line is JSON");
        let addr = summary["url"]
            .as_str()
            .and_then(|url| url.strip_prefix("http://"))
            .and_then(|addr| addr.parse().ok())
            .expect("url");
        Self {
            running,
            summary,
            addr,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The instance secret key (test-only).
    pub fn instance_key(&self) -> String {
        self.summary["secret_key"].as_str().unwrap().to_owned()
    }

    /// The secret key (test-only) of machine `index`.
    pub fn machine_key(&self, index: usize) -> String {
        self.summary["machines"][index]["secret_key"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn machine_id(&self, index: usize) -> String {
        self.summary["machines"][index]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// One request on a fresh connection.
    pub fn call(
        &self,
        method: &str,
        target: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        call_at(self.addr, method, target, key, body)
    }

    /// A control request with the instance key.
    pub fn control(&self, method: &str, target: &str, body: Option<&Value>) -> Reply {
        self.call(method, target, Some(&self.instance_key()), body)
    }

    pub fn terminate(self) -> ExitStatus {
        self.running.terminate()
    }
}
