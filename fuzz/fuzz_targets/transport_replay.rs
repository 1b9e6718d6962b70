//! Both built-in transports against a loopback server that answers with
//! the fuzz input, byte for byte: the response head (status line, headers,
//! `Content-Length`, `Transfer-Encoding: chunked`, `Retry-After`…) and body
//! as reqwest/hyper and ureq read them, the body cap, and how each
//! transport classifies what its library makes of it.
//!
//! One server thread for the whole run, one connection per transport per
//! input: it reads the whole request, writes the input, and closes. Input:
//! `[flags, response bytes…]`; flag bit 0 sends a create-like `POST` with a
//! JSON body instead of a `GET`.
//!
//! Oracles: each transport returns a response or a typed error, never
//! panics and never takes longer than its attempt timeout (plus slack);
//! every error is "maybe sent" (the server had read the whole request
//! before answering, so a "not sent" would let a create be retried after
//! it landed); a response's body is within the cap; when both transports
//! return a response, the statuses agree; a response goes through a call's
//! state machine to a typed result or a wait within the policy's bounds;
//! no key or token value of the answer shows in an error's `Display` or
//! `Debug`.
#![no_main]

use clerk_m2m_types::driver::call::{Call, Step};
use clerk_m2m_types::fuzzing::scrub_secrets;
use clerk_m2m_types::{Config, Delivery, ListTokensParams, Proxy, RetryPolicy, TransportError};
use libfuzzer_sys::fuzz_target;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// The body cap both transports are built with: small, so that fuzzed
/// lengths and chunk sizes cross it.
const MAX_BODY: usize = 1024;
/// Each transport's own bound on an attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// Slack on a loaded machine.
const SLACK: Duration = Duration::from_secs(3);

/// One connection to serve: the answer, and where to report that the whole
/// request was read before it was written.
struct Job {
    answer: Arc<Vec<u8>>,
    done: mpsc::Sender<bool>,
}

struct Harness {
    base: String,
    jobs: Mutex<mpsc::Sender<Job>>,
    runtime: tokio::runtime::Runtime,
    reqwest: clerk_m2m_async::ReqwestTransport,
    ureq: clerk_m2m_blocking::UreqTransport,
    config: Config,
}

/// Reads one request: the head up to its blank line, then as many body
/// bytes as its `Content-Length` says. `false` if it did not all arrive.
fn read_request(stream: &mut TcpStream) -> bool {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    }
    true
}

fn serve(listener: TcpListener, jobs: mpsc::Receiver<Job>) {
    for job in jobs {
        let Ok((mut stream, _)) = listener.accept() else {
            let _ = job.done.send(false);
            continue;
        };
        let _ = stream.set_read_timeout(Some(ATTEMPT_TIMEOUT + SLACK));
        let _ = stream.set_nodelay(true);
        let read = read_request(&mut stream);
        if read {
            let _ = stream.write_all(&job.answer);
        }
        // FIN after the answer: whatever it promised, no more is coming.
        let _ = stream.shutdown(Shutdown::Write);
        let _ = job.done.send(read);
    }
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let (jobs, queue) = mpsc::channel();
        std::thread::spawn(move || serve(listener, queue));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let reqwest = clerk_m2m_async::ReqwestTransport::builder()
            .connect_timeout(ATTEMPT_TIMEOUT)
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .max_body_bytes(MAX_BODY)
            .proxy(Proxy::Disabled)
            .build()
            .expect("the reqwest transport");
        let ureq = clerk_m2m_blocking::UreqTransport::builder()
            .connect_timeout(ATTEMPT_TIMEOUT)
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .max_body_bytes(MAX_BODY)
            .proxy(Proxy::Disabled)
            .build()
            .expect("the ureq transport");
        let base = format!("http://127.0.0.1:{port}");
        let config = Config::builder()
            .base_url(base.clone())
            .machine_secret_key("ak_test_fuzz")
            .call_timeout(Duration::MAX)
            .retry_policy(RetryPolicy::default())
            .build()
            .expect("a static config");
        Harness {
            base,
            jobs: Mutex::new(jobs),
            runtime,
            reqwest,
            ureq,
            config,
        }
    })
}

fn request(base: &str, post: bool) -> http::Request<Vec<u8>> {
    let builder = http::Request::builder()
        .uri(format!("{base}/m2m_tokens"))
        .header("authorization", "Bearer ak_test_fuzz")
        // One connection per exchange: none is pooled for the next input.
        .header("connection", "close");
    let request = if post {
        builder
            .method(http::Method::POST)
            .header("content-type", "application/json")
            .body(br#"{"seconds_until_expiration":60}"#.to_vec())
    } else {
        builder.method(http::Method::GET).body(Vec::new())
    };
    request.expect("a static request")
}

/// Sends one request through `send` while the server answers `answer`.
fn exchange(
    harness: &Harness,
    answer: &Arc<Vec<u8>>,
    send: impl FnOnce() -> Result<http::Response<Vec<u8>>, TransportError>,
    name: &str,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    let (done, report) = mpsc::channel();
    harness
        .jobs
        .lock()
        .expect("the job queue")
        .send(Job {
            answer: Arc::clone(answer),
            done,
        })
        .expect("the server thread runs");
    let started = Instant::now();
    let result = send();
    let elapsed = started.elapsed();
    assert!(
        elapsed < ATTEMPT_TIMEOUT + SLACK,
        "{name}: took {elapsed:?}, past its attempt timeout"
    );
    let read = report
        .recv_timeout(ATTEMPT_TIMEOUT + SLACK)
        .unwrap_or_else(|_| panic!("{name}: never connected"));
    assert!(read, "{name}: the server did not get the whole request");
    match &result {
        Ok(response) => assert!(
            response.body().len() <= MAX_BODY,
            "{name}: a body of {} bytes passed the cap",
            response.body().len()
        ),
        Err(error) => {
            assert_eq!(
                error.delivery(),
                Delivery::MaybeSent,
                "{name}: {error:?} after the server had read the request"
            );
            check_hidden(&[error.to_string(), format!("{error:?}")], answer);
        }
    }
    result
}

/// The keys and token values in `answer`: runs of letters, digits, `_` and
/// `-` that start with a secret's prefix and that the scrubber redacts
/// (token ids, `mt_` and 32 hex digits, are not secrets). Encoded forms
/// and JWTs are the `scrubber` target's.
fn secrets_in(answer: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(answer)
        .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
        .filter(|run| {
            run.len() >= 8
                && ["ak_", "sk_", "mt_", "oat_"]
                    .iter()
                    .any(|prefix| run.starts_with(prefix))
                && scrub_secrets(run) != *run
        })
        .map(str::to_owned)
        .collect()
}

/// Whether `secret` is in `text` where the scrubber would see it: after a
/// character that is not a letter or digit, and as a whole run (not as the
/// start of a longer one, such as a token id).
fn shows(text: &str, secret: &str) -> bool {
    text.match_indices(secret).any(|(at, _)| {
        let after_a_boundary = text[..at]
            .chars()
            .next_back()
            .is_none_or(|before| !before.is_ascii_alphanumeric());
        let whole = text[at + secret.len()..]
            .chars()
            .next()
            .is_none_or(|next| !(next.is_ascii_alphanumeric() || next == '_' || next == '-'));
        after_a_boundary && whole
    })
}

fn check_hidden(shown: &[String], answer: &[u8]) {
    for secret in secrets_in(answer) {
        for text in shown {
            assert!(!shows(text, &secret), "{secret} shown in {text}");
        }
    }
}

/// The answer through a list call's state machine: a typed result, or a
/// wait the policy allows.
fn through_a_call(
    harness: &Harness,
    result: Result<http::Response<Vec<u8>>, TransportError>,
    answer: &[u8],
) {
    let params = ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_716_880_000);
    let mut call = Call::new(&harness.config, &params, now).expect("valid params");
    let _attempt = call.next_attempt(now).expect("no deadline");
    match call.handle(result, now, 0.5) {
        Step::Done(Ok(_)) => {}
        Step::Done(Err(error)) => {
            check_hidden(&[error.to_string(), format!("{error:?}")], answer);
        }
        Step::RetryAfter(delay) => {
            let policy = harness.config.retry_policy();
            assert!(delay <= policy.retry_after_limit().max(Duration::from_secs(5)));
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let [flags, answer @ ..] = input else {
        return;
    };
    let harness = harness();
    let post = flags & 1 == 1;
    let answer = Arc::new(answer.to_vec());

    let from_ureq = exchange(
        harness,
        &answer,
        || {
            use clerk_m2m_blocking::Transport as _;
            harness.ureq.send(request(&harness.base, post))
        },
        "ureq",
    );
    let from_reqwest = exchange(
        harness,
        &answer,
        || {
            use clerk_m2m_async::Transport as _;
            harness
                .runtime
                .block_on(harness.reqwest.send(request(&harness.base, post)))
        },
        "reqwest",
    );
    if let (Ok(ureq), Ok(reqwest)) = (&from_ureq, &from_reqwest) {
        assert_eq!(ureq.status(), reqwest.status(), "the transports disagree");
    }
    through_a_call(harness, from_ureq, &answer);
    through_a_call(harness, from_reqwest, &answer);
});
