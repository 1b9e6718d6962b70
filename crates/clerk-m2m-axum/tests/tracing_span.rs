//! One `clerk_m2m.authenticate` span per request, with the token's kind,
//! how it was verified, the machine and the outcome; never the token.

mod support;

use clerk_m2m_axum::M2mAuthLayer;
use clerk_m2m_emulator::Emulator;
use std::io::Write;
use std::sync::{Arc, Mutex};
use support::*;
use tracing_subscriber::fmt::format::FmtSpan;

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn take(&self) -> String {
        let mut bytes = self.0.lock().unwrap();
        String::from_utf8(std::mem::take(&mut *bytes)).unwrap()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The close events of authentication spans (not of the client's attempt
/// spans nested in them, which the `tracing` feature of the clients adds).
fn spans_of(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| {
            line.contains("clerk_m2m.authenticate{")
                && line.contains("close")
                && !line.contains("clerk_m2m.attempt{")
        })
        .collect()
}

// One thread: the server, the client and the subscriber share it.
#[tokio::test(flavor = "current_thread")]
async fn each_authentication_has_one_span_without_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emulator = Emulator::start().unwrap();
    let url = serve(whoami_app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let whoami = format!("{url}/whoami");
    let caller = machine_id(&emulator, CALLER);
    let (_, opaque) = mint_opaque(&emulator).await;
    let (_, jwt) = mint_jwt(&emulator).await;
    captured.take();

    assert_eq!(get_bearer(&whoami, &opaque).await.status, 200);
    let log = captured.take();
    let spans = spans_of(&log);
    assert_eq!(spans.len(), 1, "{log}");
    for field in [
        "token_kind=\"opaque\"".to_owned(),
        "verification=\"remote\"".to_owned(),
        format!("machine_id=\"{caller}\""),
        "outcome=\"verified\"".to_owned(),
    ] {
        assert!(spans[0].contains(&field), "{field} in {}", spans[0]);
    }

    assert_eq!(get_bearer(&whoami, &jwt).await.status, 200);
    let log = captured.take();
    let spans = spans_of(&log);
    assert_eq!(spans.len(), 1, "{log}");
    assert!(spans[0].contains("token_kind=\"jwt\""), "{}", spans[0]);
    assert!(spans[0].contains("verification=\"local\""), "{}", spans[0]);

    let unknown = "mt_0123456789abcdef0123456789abcdef";
    assert_eq!(get_bearer(&whoami, unknown).await.status, 401);
    let log = captured.take();
    let spans = spans_of(&log);
    assert_eq!(spans.len(), 1, "{log}");
    for field in [
        "outcome=\"rejected\"",
        "status=401",
        "code=\"token-invalid\"",
        "error=\"invalid_token\"",
    ] {
        assert!(spans[0].contains(field), "{field} in {}", spans[0]);
    }
    assert!(!log.contains(unknown), "{log}");

    // Our fault: a warning with its cause, still no token.
    emulator.shutdown();
    assert_eq!(get_bearer(&whoami, &opaque).await.status, 503);
    let log = captured.take();
    assert!(log.contains("WARN"), "{log}");
    assert!(log.contains("status=503"), "{log}");

    assert_eq!(get_with(&whoami, &[]).await.status, 401);
    let all = format!("{log}{}", captured.take());
    for secret in [opaque.as_str(), jwt.as_str()] {
        assert!(!all.contains(secret), "a token leaked into the log");
    }
}
