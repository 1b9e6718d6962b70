//! Checks of the scripted test server itself, over raw sockets.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use support::{Reply, ScriptedServer};

fn exchange(url: &str, raw: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(url.trim_start_matches("http://"))?;
    stream.write_all(raw.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn records_requests_and_follows_the_script() {
    let server = ScriptedServer::ok();
    server.push([Reply::json(404, r#"{"errors":[]}"#).and_close()]);
    let answer = exchange(
        &server.url(),
        "POST /m2m_tokens/verify?x=1 HTTP/1.1\r\nHost: a\r\nX-Test: yes\r\nContent-Length: 2\r\n\r\n{}",
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let request = server.single_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/m2m_tokens/verify");
    assert_eq!(request.query.as_deref(), Some("x=1"));
    assert_eq!(request.header("x-test"), Some("yes"));
    assert_eq!(request.body_str(), "{}");
}

#[test]
fn reset_gives_no_answer() {
    let server = ScriptedServer::ok();
    server.push([Reply::Reset]);
    let answer = exchange(&server.url(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(answer.map(|text| text.is_empty()).unwrap_or(true));
    assert_eq!(server.requests().len(), 1);
}
