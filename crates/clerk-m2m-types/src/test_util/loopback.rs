//! A small scripted HTTP/1.1 server on 127.0.0.1 that misbehaves on request.
//!
//! Plain threads and std sockets, so async and blocking tests can both use
//! it. Each request is read in full and recorded, then answered by the next
//! [`Reply`] of the script. Dropping the server ends every connection and
//! wakes every paused reply.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// What the server does with one request, once it has read it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Reply {
    /// Writes these bytes (a response, or anything), then keeps the
    /// connection open for the next request.
    Write(Vec<u8>),
    /// Writes these bytes, then closes the connection (FIN).
    WriteAndClose(Vec<u8>),
    /// Resets the connection (RST) without answering.
    Reset,
    /// Never answers; holds the connection until the server is dropped.
    Silent,
    /// Waits `delay`, then writes `bytes` and keeps the connection open.
    Late {
        /// How long to wait first.
        delay: Duration,
        /// What to write then.
        bytes: Vec<u8>,
    },
    /// Writes `head`, then one body byte every `interval` until the client
    /// leaves or the server is dropped.
    Dribble {
        /// The response head (and any first body bytes).
        head: Vec<u8>,
        /// The pause between two body bytes.
        interval: Duration,
    },
}

impl Reply {
    /// A complete response: `status`, the given headers, and `body` with its
    /// `content-length`.
    pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Self {
        let mut bytes = format!("HTTP/1.1 {status} Scripted\r\n").into_bytes();
        for (name, value) in headers {
            bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        bytes.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
        bytes.extend_from_slice(body);
        Self::Write(bytes)
    }
}

/// A request as the server read it.
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    /// The request line and headers, as sent.
    pub head: String,
    /// The body (read by `content-length`).
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// The request line, e.g. `GET /m2m_tokens?subject=mch_1 HTTP/1.1`.
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    requests: Vec<ReceivedRequest>,
    /// A handle on each open connection, to end it when the server stops.
    connections: HashMap<usize, TcpStream>,
    accepted: usize,
    stopped: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits up to `delay`; false if the server stopped meanwhile.
    fn pause(&self, delay: Duration) -> bool {
        let deadline = Instant::now().checked_add(delay);
        let mut state = self.lock();
        loop {
            if state.stopped {
                return false;
            }
            state = match deadline {
                None => self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                        return true;
                    };
                    self.wake
                        .wait_timeout(state, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

/// The server. Dropping it closes the listener and every connection.
///
/// ```
/// use clerk_m2m_types::test_util::{LoopbackServer, Reply};
/// use std::io::{Read, Write};
///
/// let server = LoopbackServer::start([Reply::response(204, &[], b"")]);
/// let mut stream = std::net::TcpStream::connect(server.addr())?;
/// stream.write_all(b"GET /ping HTTP/1.1\r\nhost: x\r\n\r\n")?;
/// let mut answer = [0u8; 12];
/// stream.read_exact(&mut answer)?;
/// assert_eq!(&answer, b"HTTP/1.1 204");
/// assert_eq!(server.requests()[0].request_line(), "GET /ping HTTP/1.1");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct LoopbackServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LoopbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl LoopbackServer {
    /// Starts a server answering requests with `script`, in order. A request
    /// beyond the script gets a `500` and the connection is closed.
    ///
    /// # Panics
    ///
    /// If no port can be bound on 127.0.0.1.
    pub fn start(script: impl IntoIterator<Item = Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared::default());
        shared.lock().script = script.into_iter().collect();
        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mut state = accepting.lock();
                if state.stopped {
                    break;
                }
                let id = state.accepted;
                state.accepted += 1;
                if let Ok(handle) = stream.try_clone() {
                    state.connections.insert(id, handle);
                }
                drop(state);
                let serving = Arc::clone(&accepting);
                thread::spawn(move || {
                    serve(stream, &serving);
                    // Drop the last handle too, so the socket really closes
                    // (with an RST when input was left unread).
                    serving.lock().connections.remove(&id);
                });
            }
        });
        Self { addr, shared }
    }

    /// An address where nothing listens: connecting to it is refused.
    ///
    /// # Panics
    ///
    /// If no port can be bound on 127.0.0.1.
    pub fn refusing_url() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        drop(listener);
        format!("http://{addr}")
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.lock().requests.clone()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.stopped = true;
        for (_, connection) in state.connections.drain() {
            let _ = connection.shutdown(Shutdown::Both);
        }
        drop(state);
        self.shared.wake.notify_all();
        // Wake the accept loop so it sees `stopped`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

fn serve(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    loop {
        // The last byte stays unread until the reply is known: closing with
        // unread input is what makes the kernel send an RST.
        let Some((mut request, last)) = read_all_but_last_byte(&mut stream) else {
            return;
        };
        let reply = shared.lock().script.pop_front();
        if matches!(reply, Some(Reply::Reset)) {
            shared.lock().requests.push(request);
            return; // dropped with the last byte unread: RST
        }
        let mut byte = [0u8];
        if stream.read_exact(&mut byte).is_err() {
            return;
        }
        match last {
            Part::Head => request.head.push(char::from(byte[0])),
            Part::Body => request.body.push(byte[0]),
        }
        shared.lock().requests.push(request);
        let keep_open = match reply {
            Some(reply) => answer(&mut stream, reply, shared),
            None => {
                let _ = stream.write_all(
                    b"HTTP/1.1 500 Unscripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
                false
            }
        };
        if !keep_open {
            let _ = stream.shutdown(Shutdown::Write);
            // Wait for the client to close, so no RST races the answer.
            let _ = stream.read_to_end(&mut Vec::new());
            return;
        }
    }
}

/// Writes `reply`; whether the connection stays open for another request.
fn answer(stream: &mut TcpStream, reply: Reply, shared: &Shared) -> bool {
    match reply {
        Reply::Write(bytes) => stream.write_all(&bytes).is_ok(),
        Reply::WriteAndClose(bytes) => {
            let _ = stream.write_all(&bytes);
            false
        }
        Reply::Late { delay, bytes } => shared.pause(delay) && stream.write_all(&bytes).is_ok(),
        Reply::Dribble { head, interval } => {
            if stream.write_all(&head).is_ok() {
                while shared.pause(interval) && stream.write_all(b"x").is_ok() {}
            }
            false
        }
        // Silent, and `Reset` (handled before the last byte is read).
        _ => {
            shared.pause(Duration::MAX);
            false
        }
    }
}

enum Part {
    Head,
    Body,
}

/// Reads one request except its last byte; `None` once the client is gone.
fn read_all_but_last_byte(stream: &mut TcpStream) -> Option<(ReceivedRequest, Part)> {
    // Byte by byte, so nothing past the request is consumed. Only the
    // blank line that ends the head contains `\r\n\r`.
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r") {
        stream.read_exact(&mut byte).ok()?;
        head.push(byte[0]);
    }
    let mut request = ReceivedRequest {
        head: String::from_utf8_lossy(&head).into_owned(),
        body: Vec::new(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    if length == 0 {
        return Some((request, Part::Head));
    }
    stream.read_exact(&mut byte).ok()?;
    request.head.push('\n');
    request.body = vec![0; length - 1];
    stream.read_exact(&mut request.body).ok()?;
    Some((request, Part::Body))
}
