//! Emulator throughput: creates/s for opaque and JWT tokens, 16 concurrent
//! keep-alive clients over loopback.
//!
//! `cargo bench -p clerk-m2m-emulator --bench creates`

#[path = "../tests/common/mod.rs"]
mod common;

use common::{emulator, Conn};
use serde_json::Value;
use std::time::Instant;

fn post(conn: &mut Conn, auth: &str, path: &str, body: &str) -> (u16, Value) {
    let reply = conn
        .send(
            "POST",
            path,
            &[
                ("Authorization", auth),
                ("Content-Type", "application/json"),
            ],
            Some(body.as_bytes()),
        )
        .expect("answer");
    let status = reply.status;
    (status, reply.json())
}

fn creates_per_second(format: &str, clients: usize, per_client: usize) -> f64 {
    let emulator = emulator();
    let auth = format!(
        "Bearer {}",
        emulator.machines()[0].secret_key().expose_secret()
    );
    let addr = emulator.addr();
    let body = format!(
        r#"{{"seconds_until_expiration":3600,"claims":{{"role":"reader"}},"token_format":"{format}"}}"#
    );
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients {
            let (auth, body) = (&auth, &body);
            scope.spawn(move || {
                let mut conn = Conn::open(addr).unwrap();
                for _ in 0..per_client {
                    let (status, _) = post(&mut conn, auth, "/m2m_tokens", body);
                    assert_eq!(status, 201);
                }
            });
        }
    });
    (clients * per_client) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let opaque = creates_per_second("opaque", 16, 2000);
    let jwt = creates_per_second("jwt", 16, 500);
    println!("opaque creates/s: {opaque:.0}");
    println!("jwt creates/s:    {jwt:.0}");
}
