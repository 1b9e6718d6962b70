//! A tiny HTTP/1.1 client over `std::net::TcpStream`, so the tests see the
//! exact bytes on the wire (status, headers, body) and can send requests no
//! SDK would (wrong method, bad JSON, no content type).
#![allow(dead_code)]

pub mod process;

use clerk_m2m_emulator::{Emulator, EmulatorHandle, SigningKey};
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

/// One key for every emulator of a test binary: generation is the slow part.
pub fn shared_signing_key() -> SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().expect("key generation"))
        .clone()
}

/// A default emulator (two machines) sharing the test key, clock frozen.
pub fn emulator() -> EmulatorHandle {
    Emulator::builder()
        .signing_key(shared_signing_key())
        .frozen_clock(true)
        .start()
        .expect("emulator starts")
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "body is not JSON ({error}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts Clerk's error envelope and returns the first error's code.
    pub fn error_code(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "error content type"
        );
        let body = self.json();
        let object = body.as_object().expect("envelope is an object");
        assert!(
            object
                .keys()
                .all(|key| key == "errors" || key == "clerk_trace_id"),
            "{body}"
        );
        let trace = body["clerk_trace_id"].as_str().expect("clerk_trace_id");
        assert!(!trace.is_empty());
        let errors = body["errors"].as_array().expect("errors array");
        assert_eq!(errors.len(), 1, "{body}");
        let error = &errors[0];
        for field in ["message", "long_message", "code"] {
            assert!(error[field].is_string(), "{field} in {body}");
        }
        assert!(error["meta"].is_object(), "meta in {body}");
        error["code"].as_str().unwrap_or_default().to_owned()
    }

    /// `meta.param_name` of the first error.
    pub fn param_name(&self) -> Option<String> {
        self.json()["errors"][0]["meta"]["param_name"]
            .as_str()
            .map(str::to_owned)
    }
}

/// A keep-alive HTTP/1.1 connection.
pub struct Conn {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            addr,
            reader: BufReader::new(stream),
        })
    }

    /// Sends a raw request (the caller writes every header but Host and
    /// Content-Length) and reads the answer.
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<Reply> {
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body.unwrap_or_default());
        self.reader.get_mut().write_all(&bytes)?;
        read_reply(&mut self.reader, method == "HEAD")
    }
}

fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed before a response",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn read_reply(reader: &mut BufReader<TcpStream>, head_only: bool) -> io::Result<Reply> {
    let status_line = read_line(reader)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, status_line.clone()))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(key, _): &&(String, String)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    };
    let mut body = Vec::new();
    if head_only {
        // no body
    } else if let Some(length) = find("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "content-length"))?;
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else if find("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
        loop {
            let size_line = read_line(reader)?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "chunk size"))?;
            if size == 0 {
                read_line(reader)?;
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            read_line(reader)?;
        }
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// One request on a fresh connection, with JS's headers: bearer key,
/// `Clerk-API-Version: 2026-05-12`, `Content-Type: application/json`.
pub fn call(
    emulator: &EmulatorHandle,
    method: &str,
    target: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    call_at(emulator.addr(), method, target, key, body)
}

/// [`call`] against an address.
pub fn call_at(
    addr: SocketAddr,
    method: &str,
    target: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let body = body.map(|value| value.to_string().into_bytes());
    let auth = key.map(|key| format!("Bearer {key}"));
    let mut headers = vec![
        ("Clerk-API-Version", "2026-05-12"),
        ("User-Agent", "clerk-m2m-emulator-tests"),
        ("Content-Type", "application/json"),
        ("Connection", "close"),
    ];
    if let Some(auth) = &auth {
        headers.push(("Authorization", auth));
    }
    Conn::open(addr)
        .and_then(|mut conn| conn.send(method, target, &headers, body.as_deref()))
        .unwrap_or_else(|error| panic!("{method} {target}: {error}"))
}

/// The secret key of the machine at `index`.
pub fn machine_key(emulator: &EmulatorHandle, index: usize) -> String {
    emulator.machines()[index]
        .secret_key()
        .expose_secret()
        .to_owned()
}

/// The instance secret key.
pub fn instance_key(emulator: &EmulatorHandle) -> String {
    emulator.secret_key().expose_secret().to_owned()
}
