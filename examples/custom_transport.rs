//! Bring your own HTTP stack: any function from `http::Request<Vec<u8>>` to
//! `http::Response<Vec<u8>>` is a transport. This one speaks plain HTTP/1.1
//! over a `std::net::TcpStream` (loopback only, no TLS) to the local emulator,
//! with the blocking client.
//!
//! ```sh
//! cargo run --example custom_transport
//! ```

use clerk_m2m::blocking::Client;
use clerk_m2m::{CreateTokenParams, ListTokensParams};
use clerk_m2m::{TransportError, TransportErrorKind};
use clerk_m2m_emulator::Emulator;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// One request per connection (`Connection: close`), the simplest HTTP/1.1 there is.
fn plain_http(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
    let authority = request
        .uri()
        .authority()
        .ok_or_else(|| TransportError::other("the URL has no host"))?
        .to_string();
    let mut stream = TcpStream::connect(&authority)
        .map_err(|error| TransportError::new(TransportErrorKind::Connect).with_source(error))?;
    let lost = |error: std::io::Error| {
        TransportError::new(TransportErrorKind::ConnectionLost).with_source(error)
    };

    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        let value = value.to_str().map_err(TransportError::other)?;
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", request.body().len()));
    stream.write_all(head.as_bytes()).map_err(lost)?;
    stream.write_all(request.body()).map_err(lost)?;

    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(lost)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| TransportError::new(TransportErrorKind::Protocol))?;
    let mut response = http::Response::builder().status(status);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(lost)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            response = response.header(name.trim(), value.trim());
        }
    }
    let mut body = Vec::new();
    reader
        .take(1024 * 1024)
        .read_to_end(&mut body)
        .map_err(lost)?;
    response.body(body).map_err(TransportError::other)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start()?;
    println!(
        "Using the built-in local emulator at {} over a hand-written transport",
        emulator.url()
    );
    let client = Client::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[0].secret_key().clone())
        .transport(plain_http)
        .build()?;

    let token = client.create_token(CreateTokenParams::new().seconds_until_expiration(60))?;
    println!("created {} for {}", token.id, token.subject);
    let list = client.list_tokens(ListTokensParams::new(token.subject.clone()))?;
    println!("{} live token(s)", list.total_count);
    Ok(())
}
