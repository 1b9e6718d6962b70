//! A loopback HTTP proxy that records what it is asked: `CONNECT host:port`
//! tunnels and absolute-form requests (`GET http://host/path`).
//!
//! It plays the origin too: a request that arrives through it (absolute-form,
//! or inside a tunnel to port 80) is answered `200` with the body
//! [`PROXIED`]. A tunnel to any other port is refused with `502`.
#![allow(dead_code)] // each test binary uses a different part of it

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// The body of every answer given through the proxy.
pub const PROXIED: &[u8] = b"proxied!";

pub struct RecordingProxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let recorder = Arc::clone(&recorder);
                thread::spawn(move || serve(stream, &recorder));
            }
        });
        Self { url, seen }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The request lines received, in order (tunnelled ones included).
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, seen: &Mutex<Vec<String>>) {
    let Some(line) = read_request_line(&mut stream) else {
        return;
    };
    seen.lock().unwrap().push(line.clone());
    if let Some(target) = line.strip_prefix("CONNECT ") {
        if !target
            .split(' ')
            .next()
            .unwrap_or_default()
            .ends_with(":80")
        {
            let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
            return;
        }
        let _ = stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let Some(inner) = read_request_line(&mut stream) else {
            return;
        };
        seen.lock().unwrap().push(inner);
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        PROXIED.len()
    );
    let _ = stream.write_all(&[head.as_bytes(), PROXIED].concat());
    let _ = stream.flush();
}

/// Reads a request head (without a body) and returns its first line.
fn read_request_line(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).ok()?;
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    text.lines().next().map(str::to_owned)
}
