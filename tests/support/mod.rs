//! A scripted HTTP/1.1 server on 127.0.0.1 for client tests.
//!
//! Each request is read in full, recorded, and answered by the next
//! [`Reply`] in the script (or the fallback reply once the script is empty).
//! Replies can also misbehave on purpose: reset the connection after reading
//! the request, never answer, or close the connection after answering.
//! Plain threads and std sockets, so it serves async and blocking clients
//! alike; dropping the server stops every connection. [`emulator`] has the
//! helpers for tests against the in-process emulator.
#![allow(dead_code)] // each test binary uses a different part of it

pub mod emulator;

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which accepted connection carried it (0-based).
    pub connection: usize,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).expect("request body is UTF-8")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    /// Panics unless the request has exactly the headers `@clerk/backend`
    /// sends, with this key and API version, each once, and nothing that
    /// leaks; a body comes with its length.
    pub fn assert_sdk_headers(&self, key: &str, api_version: &str) {
        let authorization = format!("Bearer {key}");
        assert_eq!(self.header("authorization"), Some(&*authorization));
        assert_eq!(self.header("clerk-api-version"), Some(api_version));
        assert_eq!(self.header("content-type"), Some("application/json"));
        let user_agent = clerk_m2m_types::USER_AGENT;
        assert_eq!(self.header("user-agent"), Some(user_agent));
        assert!(user_agent.starts_with("clerk-m2m-rust/"));
        let allowed = [
            "host",
            "authorization",
            "clerk-api-version",
            "content-type",
            "user-agent",
            "accept",
            "content-length",
        ];
        for (name, _) in &self.headers {
            assert!(allowed.contains(&name.as_str()), "unexpected header {name}");
        }
        for name in ["authorization", "user-agent", "content-type"] {
            let count = self.headers.iter().filter(|(n, _)| n == name).count();
            assert_eq!(count, 1, "{name} sent {count} times");
        }
        if !self.body.is_empty() {
            assert_eq!(
                self.header("content-length"),
                Some(&*self.body.len().to_string())
            );
        }
    }
}

/// A canned HTTP response.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the server does with a request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer and keep the connection open.
    Respond(Canned),
    /// Answer, then close the connection.
    RespondAndClose(Canned),
    /// Read the request, then reset the connection (RST) without answering.
    Reset,
    /// Read the request and never answer (until the server is dropped).
    Hang,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: &str) -> Self {
        Self::with(status, "application/json", body.as_bytes())
    }

    /// `status` with a body of the given content type.
    pub fn with(status: u16, content_type: &str, body: &[u8]) -> Self {
        Self::Respond(Canned {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_vec(),
        })
    }

    /// Adds a header to a response reply.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Self::Respond(canned) | Self::RespondAndClose(canned) = &mut self {
            canned.headers.push((name.into(), value.into()));
        }
        self
    }

    /// The same response, then close the connection.
    pub fn and_close(self) -> Self {
        match self {
            Self::Respond(canned) => Self::RespondAndClose(canned),
            other => other,
        }
    }
}

/// A token object as the API returns it (id and subject fixed, `token` set).
pub const TOKEN_JSON: &str = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"],"claims":null,"token":"mt_opaquetokenvalue0123456789abcdefghijklmnopqrstuv","revoked":false,"revocation_reason":null,"expired":false,"expiration":null,"last_used_at":null,"created_at":1716879600000,"updated_at":1716879600000}"#;

struct Shared {
    script: Mutex<VecDeque<Reply>>,
    fallback: Mutex<Reply>,
    requests: Mutex<Vec<RecordedRequest>>,
    /// Every open connection by index, with whether it is between requests.
    connections: Mutex<HashMap<usize, (TcpStream, Arc<AtomicBool>)>>,
    accepted: AtomicUsize,
    stopping: AtomicBool,
    hang: (Mutex<bool>, Condvar),
}

/// The server. Dropping it closes the listener and every connection.
pub struct ScriptedServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl ScriptedServer {
    /// Starts a server answering `fallback` whenever the script is empty.
    pub fn start(fallback: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            script: Mutex::new(VecDeque::new()),
            fallback: Mutex::new(fallback),
            requests: Mutex::new(Vec::new()),
            connections: Mutex::new(HashMap::new()),
            accepted: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            hang: (Mutex::new(false), Condvar::new()),
        });
        let accept_shared = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_shared.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let index = accept_shared.accepted.fetch_add(1, Ordering::SeqCst);
                let shared = Arc::clone(&accept_shared);
                thread::spawn(move || serve_connection(stream, index, &shared));
            }
        });
        Self { addr, shared }
    }

    /// A server answering every request with `200` and [`TOKEN_JSON`].
    pub fn ok() -> Self {
        Self::start(Reply::json(200, TOKEN_JSON))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues replies for the next requests, in order.
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) -> &Self {
        self.shared.script.lock().unwrap().extend(replies);
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The only request received; panics if there were more or none.
    pub fn single_request(&self) -> RecordedRequest {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, got {requests:#?}"
        );
        requests.into_iter().next().unwrap()
    }

    /// Connections accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Closes every connection that is waiting for its next request, the way
    /// a server's keep-alive timeout does, and returns how many it closed.
    pub fn close_idle_connections(&self) -> usize {
        let connections = self.shared.connections.lock().unwrap();
        let mut closed = 0;
        for (stream, idle) in connections.values() {
            if idle.load(Ordering::SeqCst) && stream.shutdown(Shutdown::Both).is_ok() {
                closed += 1;
            }
        }
        closed
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let (lock, condvar) = &self.shared.hang;
        *lock.lock().unwrap() = true;
        condvar.notify_all();
        for (stream, _) in self.shared.connections.lock().unwrap().values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // Wake the accept loop so it sees `stopping`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

fn serve_connection(stream: TcpStream, index: usize, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let idle = Arc::new(AtomicBool::new(true));
    if let Ok(clone) = stream.try_clone() {
        shared
            .connections
            .lock()
            .unwrap()
            .insert(index, (clone, Arc::clone(&idle)));
    }
    handle_requests(stream, index, shared, &idle);
    // Release the registry's handle too, so the socket really closes.
    shared.connections.lock().unwrap().remove(&index);
}

fn handle_requests(stream: TcpStream, index: usize, shared: &Shared, idle: &AtomicBool) {
    let mut writer = match stream.try_clone() {
        Ok(writer) => writer,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        idle.store(true, Ordering::SeqCst);
        let Some(mut request) = read_request(&mut reader, idle) else {
            return;
        };
        request.connection = index;
        shared.requests.lock().unwrap().push(request);
        let reply = shared
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| shared.fallback.lock().unwrap().clone());
        match reply {
            Reply::Respond(canned) => {
                if write_response(&mut writer, &canned).is_err() {
                    return;
                }
            }
            Reply::RespondAndClose(canned) => {
                let _ = write_response(&mut writer, &canned);
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Reply::Reset => {
                let socket = socket2::SockRef::from(&writer);
                let _ = socket.set_linger(Some(Duration::ZERO));
                // Closing the last handle with linger 0 sends RST.
                drop(reader);
                drop(writer);
                shared.connections.lock().unwrap().remove(&index);
                return;
            }
            Reply::Hang => {
                let (lock, condvar) = &shared.hang;
                let mut released = lock.lock().unwrap();
                while !*released {
                    released = condvar.wait(released).unwrap();
                }
                return;
            }
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>, idle: &AtomicBool) -> Option<RecordedRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    idle.store(false, Ordering::SeqCst);
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target, None),
    };
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(RecordedRequest {
        method,
        path,
        query,
        headers,
        body,
        connection: 0,
    })
}

fn write_response(writer: &mut TcpStream, canned: &Canned) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} Scripted\r\n", canned.status);
    for (name, value) in &canned.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", canned.body.len()));
    // One write: head and body in separate segments would meet the client's
    // delayed ACK (Nagle) and add ~40 ms to every exchange.
    let mut message = head.into_bytes();
    message.extend_from_slice(&canned.body);
    writer.write_all(&message)?;
    writer.flush()
}
