//! One `clerk_m2m.attempt` span per attempt, with the same fields for both
//! clients, and never an id, key or token in any span or event.

use clerk_m2m::{RevokeTokenParams, TransportError};
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Writes every span, record and event as a line of text.
#[derive(Default)]
struct Recorder {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: AtomicU64,
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Recorder {
    fn push(&self, line: String) {
        self.lines.lock().unwrap().push(line);
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Line(&mut line));
        self.push(line);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut line = format!("record {}", span.into_u64());
        values.record(&mut Line(&mut line));
        self.push(line);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = String::from("event");
        event.record(&mut Line(&mut line));
        self.push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// First a 503 with a trace id in the body, then a 200 with `cf-ray`; both
/// bodies carry a sentinel token value.
fn answer(attempt: u32) -> Result<http::Response<Vec<u8>>, TransportError> {
    let (status, body) = if attempt == 1 {
        (
            503,
            r#"{"errors":[{"code":"busy","message":"mt_sentinel_token"}],"clerk_trace_id":"trace-1"}"#,
        )
    } else {
        (
            200,
            r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1","token":"mt_sentinel_token","revoked":true,"created_at":1,"updated_at":1}"#,
        )
    };
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cf-ray", "ray-2")
        .body(body.as_bytes().to_vec())
        .map_err(TransportError::other)
}

fn revoke() -> RevokeTokenParams {
    RevokeTokenParams::new("mt_0123456789abcdef0123456789abcdef")
        .revocation_reason("sentinel reason")
}

/// Runs `call` under a recording subscriber and checks its output.
fn assert_two_clean_spans(call: impl FnOnce()) {
    let recorder = Recorder::default();
    let lines = Arc::clone(&recorder.lines);
    tracing::subscriber::with_default(recorder, call);
    let lines = lines.lock().unwrap();
    let text = lines.join("\n");
    let spans: Vec<_> = lines
        .iter()
        .filter(|line| line.starts_with("span "))
        .collect();
    assert_eq!(spans.len(), 2, "{text}");
    for (index, span) in spans.iter().enumerate() {
        assert!(span.contains("clerk_m2m.attempt"), "{span}");
        assert!(span.contains("operation=revoke_token"), "{span}");
        assert!(span.contains("method=POST"), "{span}");
        assert!(span.contains("path=/m2m_tokens/{id}/revoke"), "{span}");
        assert!(span.contains(&format!("attempt={}", index + 1)), "{span}");
    }
    assert!(text.contains("status=503"), "{text}");
    assert!(text.contains("trace_id=trace-1"), "{text}");
    assert!(text.contains("status=200"), "{text}");
    assert!(text.contains("trace_id=ray-2"), "{text}");
    assert!(!text.contains("sentinel"), "{text}");
    assert!(
        !text.contains("mt_0123456789abcdef0123456789abcdef"),
        "{text}"
    );
}

#[test]
fn async_client_one_span_per_attempt() {
    let attempts = Arc::new(AtomicU32::new(0));
    let client = clerk_m2m::Client::builder()
        .machine_secret_key("ak_test_sentinel")
        .transport(move |_request: http::Request<Vec<u8>>| {
            let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
            async move { answer(attempt) }
        })
        .build()
        .unwrap();
    assert_two_clean_spans(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(client.revoke_token(revoke()))
            .unwrap();
    });
}

#[test]
fn blocking_client_one_span_per_attempt() {
    let attempts = AtomicU32::new(0);
    let client = clerk_m2m::blocking::Client::builder()
        .machine_secret_key("ak_test_sentinel")
        .transport(move |_request: http::Request<Vec<u8>>| {
            answer(attempts.fetch_add(1, Ordering::SeqCst) + 1)
        })
        .build()
        .unwrap();
    assert_two_clean_spans(|| {
        client.revoke_token(revoke()).unwrap();
    });
}
