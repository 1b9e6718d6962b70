//! `--timeout`: the deadline of a call against a server that never answers.

mod common;

use common::{bare, Setup};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A loopback server that accepts connections, reads nothing and never
/// answers; the connections stay open until the test process ends.
fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            held.lock().unwrap().push(stream);
        }
    });
    url
}

#[test]
fn a_silent_server_is_given_up_on_at_the_timeout() {
    let setup = Setup::new();
    let url = silent_server();
    let started = Instant::now();
    let (stdout, stderr) = setup.run(
        bare()
            .env("CLERK_API_URL", &url)
            .env("CLERK_MACHINE_SECRET_KEY", setup.key_a())
            .args([
                "--timeout",
                "1s",
                "-v",
                "list",
                "--subject",
                &setup.machine_a(),
            ]),
        3,
    );
    let elapsed = started.elapsed();
    // The call's own default is 30 s: ending well before proves the flag.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("network failure: timed out"), "{stderr}");
    let attempts: Vec<&str> = stderr.lines().filter(|l| l.starts_with("http: ")).collect();
    assert!(!attempts.is_empty(), "{stderr}");
    assert!(attempts[0].contains("-> timed out"), "{stderr}");
}

#[test]
fn the_json_error_says_network() {
    let setup = Setup::new();
    let url = silent_server();
    let (_, stderr) = setup.run(
        bare()
            .env("CLERK_API_URL", &url)
            .env("CLERK_MACHINE_SECRET_KEY", setup.key_a())
            .args(["create", "--timeout", "1", "-o", "json"]),
        3,
    );
    let value: serde_json::Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(value["error"]["code"], "network");
    assert!(value["error"]["hint"]
        .as_str()
        .unwrap()
        .contains("may have been created"));
}
