//! The transports' error classification over every error value reachable
//! without a network: `std::io::Error`s of any kind, OS error code, message
//! and wrapped TLS failure, through the shared rule
//! (`TransportError::classify_io`), and every `ureq::Error` variant the
//! blocking transport can get, through its classification (the blocking
//! crate's hidden `fuzzing` feature). reqwest's errors cannot be built
//! outside reqwest: `transport_replay` reaches them over loopback.
//!
//! Input: `[variant, io kind, inner, tls, rest…]`; `rest` is the error's
//! text (a message, a URI), and its first bytes an OS error code, a TLS
//! alert or a number the variant holds.
//!
//! Oracles: only a failure before any request byte can have left is not
//! sent (a reset, an early end, a timeout after connecting, a TLS failure
//! after the handshake always may have been sent); a not-sent failure is of
//! a pre-connection kind; ureq's I/O path agrees with the shared rule
//! whenever no TLS error is inside; classifying twice gives the same
//! answer; `Display` and `Debug` show no secret-looking run, whatever the
//! error's text.
#![no_main]

use clerk_m2m_blocking::fuzzing::classify_ureq_error;
use clerk_m2m_types::fuzzing::scrub_secrets;
use clerk_m2m_types::{Delivery, TransportError, TransportErrorKind};
use libfuzzer_sys::fuzz_target;
use std::io::{self, ErrorKind};

const IO_KINDS: [ErrorKind; 39] = [
    ErrorKind::NotFound,
    ErrorKind::PermissionDenied,
    ErrorKind::ConnectionRefused,
    ErrorKind::ConnectionReset,
    ErrorKind::HostUnreachable,
    ErrorKind::NetworkUnreachable,
    ErrorKind::ConnectionAborted,
    ErrorKind::NotConnected,
    ErrorKind::AddrInUse,
    ErrorKind::AddrNotAvailable,
    ErrorKind::NetworkDown,
    ErrorKind::BrokenPipe,
    ErrorKind::AlreadyExists,
    ErrorKind::WouldBlock,
    ErrorKind::NotADirectory,
    ErrorKind::IsADirectory,
    ErrorKind::DirectoryNotEmpty,
    ErrorKind::ReadOnlyFilesystem,
    ErrorKind::StaleNetworkFileHandle,
    ErrorKind::InvalidInput,
    ErrorKind::InvalidData,
    ErrorKind::TimedOut,
    ErrorKind::WriteZero,
    ErrorKind::StorageFull,
    ErrorKind::NotSeekable,
    ErrorKind::QuotaExceeded,
    ErrorKind::FileTooLarge,
    ErrorKind::ResourceBusy,
    ErrorKind::ExecutableFileBusy,
    ErrorKind::Deadlock,
    ErrorKind::CrossesDevices,
    ErrorKind::TooManyLinks,
    ErrorKind::InvalidFilename,
    ErrorKind::ArgumentListTooLong,
    ErrorKind::Interrupted,
    ErrorKind::Unsupported,
    ErrorKind::UnexpectedEof,
    ErrorKind::OutOfMemory,
    ErrorKind::Other,
];

/// I/O kinds that only an established connection reports, or that come
/// after the request may have been written: never "not sent".
const MAYBE_SENT_IO: [ErrorKind; 9] = [
    ErrorKind::ConnectionReset,
    ErrorKind::ConnectionAborted,
    ErrorKind::BrokenPipe,
    ErrorKind::UnexpectedEof,
    ErrorKind::NotConnected,
    ErrorKind::TimedOut,
    ErrorKind::WouldBlock,
    ErrorKind::HostUnreachable,
    ErrorKind::NetworkUnreachable,
];

const TIMEOUTS: [ureq::Timeout; 11] = [
    ureq::Timeout::PerRead,
    ureq::Timeout::PerWrite,
    ureq::Timeout::Global,
    ureq::Timeout::PerCall,
    ureq::Timeout::Resolve,
    ureq::Timeout::Connect,
    ureq::Timeout::SendRequest,
    ureq::Timeout::Await100,
    ureq::Timeout::SendBody,
    ureq::Timeout::RecvResponse,
    ureq::Timeout::RecvBody,
];

/// A TLS failure, and whether it can only come from a handshake that did
/// not complete (the server then cannot have read a request).
fn tls_error(choice: u8, alert: u8, text: &str) -> (rustls::Error, bool) {
    use rustls::{AlertDescription, CertificateError, Error, PeerIncompatible, PeerMisbehaved};
    match choice % 12 {
        0 => (
            Error::InvalidCertificate(CertificateError::UnknownIssuer),
            true,
        ),
        1 => (Error::InvalidCertificate(CertificateError::Expired), true),
        2 => (
            Error::InvalidCertificate(CertificateError::NotValidForName),
            true,
        ),
        3 => (Error::NoCertificatesPresented, true),
        4 => (
            Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon),
            true,
        ),
        5 => (Error::HandshakeNotComplete, true),
        6 => (Error::DecryptError, false),
        7 => (Error::EncryptError, false),
        8 => (
            Error::PeerMisbehaved(PeerMisbehaved::TooMuchEarlyDataReceived),
            false,
        ),
        9 => (Error::General(text.to_owned()), false),
        // Any alert: the handshake ones are failures before the request.
        _ => {
            let alert = AlertDescription::from(alert);
            let handshake = matches!(
                alert,
                AlertDescription::HandshakeFailure
                    | AlertDescription::ProtocolVersion
                    | AlertDescription::InsufficientSecurity
                    | AlertDescription::UnrecognisedName
                    | AlertDescription::BadCertificate
                    | AlertDescription::UnsupportedCertificate
                    | AlertDescription::CertificateRevoked
                    | AlertDescription::CertificateExpired
                    | AlertDescription::CertificateUnknown
                    | AlertDescription::UnknownCA
                    | AlertDescription::CertificateRequired
            );
            (Error::AlertReceived(alert), handshake)
        }
    }
}

/// An I/O error, whether it wraps a handshake-only TLS failure (`Some`) or
/// any TLS failure at all.
struct Io {
    error: io::Error,
    tls: Option<bool>,
}

fn io_error(kind: u8, inner: u8, tls: u8, text: &str, bytes: &[u8]) -> Io {
    let kind = IO_KINDS[usize::from(kind) % IO_KINDS.len()];
    let mut tls_inner = None;
    let error = match inner % 5 {
        0 => io::Error::from(kind),
        1 => io::Error::new(kind, text.to_owned()),
        2 => {
            let (error, handshake) = tls_error(tls, bytes.first().copied().unwrap_or(0), text);
            tls_inner = Some(handshake);
            io::Error::new(kind, error)
        }
        // A real OS error code, mapped to its kind by std.
        3 => {
            let mut code = [0u8; 4];
            for (slot, byte) in code.iter_mut().zip(bytes) {
                *slot = *byte;
            }
            io::Error::from_raw_os_error(i32::from_le_bytes(code) & 0xff)
        }
        // What std's resolver says, with any text after it.
        _ => io::Error::new(
            kind,
            format!("failed to lookup address information: {text}"),
        ),
    };
    Io {
        error,
        tls: tls_inner,
    }
}

/// A ureq error other than I/O, with whether it proves that no request
/// byte left (what ureq documents for each variant).
fn ureq_error(variant: u8, text: &str, bytes: &[u8]) -> (ureq::Error, bool) {
    use ureq::Error;
    let number = bytes
        .iter()
        .take(8)
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    match variant % 17 {
        0 => (Error::StatusCode(number as u16), false),
        1 => {
            // An `http::Error` as building a request yields it.
            let error = http::Request::builder()
                .uri(text)
                .header(text, text)
                .body(())
                .err()
                .unwrap_or_else(|| {
                    http::Request::builder()
                        .uri("\u{0}")
                        .body(())
                        .expect_err("a NUL is not a URI")
                });
            (Error::Http(error), true)
        }
        2 => (Error::BadUri(text.to_owned()), true),
        3 => {
            let timeout = TIMEOUTS[(number % TIMEOUTS.len() as u64) as usize];
            let before_connecting =
                matches!(timeout, ureq::Timeout::Connect | ureq::Timeout::Resolve);
            (Error::Timeout(timeout), before_connecting)
        }
        4 => (Error::HostNotFound, true),
        5 => (Error::RedirectFailed, false),
        6 => (Error::InvalidProxyUrl, false),
        7 => (Error::ConnectionFailed, true),
        8 => (Error::BodyExceedsLimit(number), false),
        9 => (Error::TooManyRedirects, false),
        10 => (Error::Tls("tls setup failed"), true),
        11 => {
            let choice = bytes.first().copied().unwrap_or(0);
            let alert = bytes.get(1).copied().unwrap_or(0);
            let (error, _) = tls_error(choice, alert, text);
            // Creating the connection state: before any request byte.
            (Error::Rustls(error), true)
        }
        12 => (Error::RequireHttpsOnly(text.to_owned()), true),
        13 => (
            Error::LargeResponseHeader(number as usize, (number >> 32) as usize),
            false,
        ),
        14 => (Error::ConnectProxyFailed(text.to_owned()), true),
        15 => (Error::TlsRequired, true),
        _ => (Error::Other(text.to_owned().into()), false),
    }
}

fn check_shown(error: &TransportError) {
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert_eq!(
            scrub_secrets(&shown),
            shown,
            "a secret-looking run is shown"
        );
    }
}

fn check_not_sent_kind(error: &TransportError) {
    if error.delivery() == Delivery::NotSent {
        assert!(
            matches!(
                error.kind(),
                TransportErrorKind::Dns
                    | TransportErrorKind::Connect
                    | TransportErrorKind::ConnectTimeout
                    | TransportErrorKind::Tls
                    | TransportErrorKind::Other
            ),
            "not sent, yet {:?}",
            error.kind()
        );
    }
}

/// The I/O oracle: not sent only for a refused connection, an address not
/// available, a name that did not resolve or a handshake-only TLS failure.
fn check_io(io: &Io, classified: &TransportError) {
    let kind = io.error.kind();
    let not_sent = classified.delivery() == Delivery::NotSent;
    match io.tls {
        Some(handshake) => assert_eq!(not_sent, handshake, "TLS failure {:?}", io.error),
        None => {
            if MAYBE_SENT_IO.contains(&kind) {
                assert!(!not_sent, "{kind:?} classified as not sent");
            }
            if not_sent {
                let resolver = io
                    .error
                    .to_string()
                    .starts_with("failed to lookup address information");
                assert!(
                    matches!(
                        kind,
                        ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable
                    ) || resolver,
                    "{kind:?} ({}) classified as not sent",
                    io.error
                );
            }
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let [variant, kind, inner, tls, rest @ ..] = input else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    // Built afresh for each use: `io::Error` is not `Clone`.
    let make_io = || io_error(*kind, *inner, *tls, &text, rest);

    // The shared rule, as a custom transport would use it.
    let io = make_io();
    let shared = TransportError::classify_io(&io.error)
        .with_source(io::Error::new(io.error.kind(), io.error.to_string()));
    check_not_sent_kind(&shared);
    check_shown(&shared);
    if io.tls.is_none() {
        check_io(&io, &shared);
    }

    // The ureq transport: its I/O path, or any other variant.
    if variant % 2 == 0 {
        let classified = classify_ureq_error(ureq::Error::Io(make_io().error));
        let again = classify_ureq_error(ureq::Error::Io(make_io().error));
        assert_eq!(
            (classified.kind(), classified.delivery()),
            (again.kind(), again.delivery())
        );
        check_not_sent_kind(&classified);
        check_shown(&classified);
        match io.tls {
            Some(handshake) => assert_eq!(
                classified.delivery() == Delivery::NotSent,
                handshake,
                "{:?}",
                io.error
            ),
            // Without TLS inside, ureq follows the shared rule exactly.
            None => assert_eq!(
                (classified.kind(), classified.delivery()),
                (shared.kind(), shared.delivery())
            ),
        }
    } else {
        let (error, proves_not_sent) = ureq_error(variant / 2, &text, rest);
        let shown = format!("{error:?}");
        let classified = classify_ureq_error(error);
        check_not_sent_kind(&classified);
        check_shown(&classified);
        assert_eq!(
            classified.delivery() == Delivery::NotSent,
            proves_not_sent,
            "{shown}"
        );
    }
});
