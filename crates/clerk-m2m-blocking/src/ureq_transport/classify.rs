//! What a ureq failure means: its kind, and whether the request may have left.

use clerk_m2m_types::{Delivery, TransportError, TransportErrorKind};
use std::io;
use ureq::Timeout;

/// Classifies a ureq failure. Only failures before a connection was
/// established (or a request that could not even be built) count as not sent.
pub(crate) fn classify(error: ureq::Error) -> TransportError {
    let (kind, delivery) = kind_of(&error);
    TransportError::new(kind)
        .with_delivery(delivery)
        .with_source(error)
}

fn kind_of(error: &ureq::Error) -> (TransportErrorKind, Delivery) {
    use TransportErrorKind as Kind;
    let not_sent = |kind| (kind, Delivery::NotSent);
    let maybe_sent = |kind| (kind, Delivery::MaybeSent);
    match error {
        ureq::Error::Io(io) => io_kind(io),
        ureq::Error::HostNotFound => not_sent(Kind::Dns),
        ureq::Error::ConnectionFailed => not_sent(Kind::Connect),
        ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve) => not_sent(Kind::ConnectTimeout),
        ureq::Error::Timeout(_) => maybe_sent(Kind::Timeout),
        // `Tls` comes from setting TLS up (e.g. a host name that is not a
        // valid server name) and `Rustls` from creating the connection
        // state: both before any byte of the request.
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => not_sent(Kind::Tls),
        // Setting native-tls up and its handshake; failures on an
        // established native-tls stream arrive as `Io`.
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) | ureq::Error::Der(_) => not_sent(Kind::Tls),
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => {
            maybe_sent(Kind::Protocol)
        }
        // The proxy refused the tunnel (or never answered the `CONNECT`):
        // no byte of the request went through it.
        ureq::Error::ConnectProxyFailed(_) => not_sent(Kind::Connect),
        // The connector gave a plain connection for `https`: refused
        // before sending.
        ureq::Error::TlsRequired => not_sent(Kind::Tls),
        // The request could not be turned into HTTP: nothing left.
        ureq::Error::Http(_) | ureq::Error::BadUri(_) | ureq::Error::RequireHttpsOnly(_) => {
            not_sent(Kind::Other)
        }
        _ => maybe_sent(Kind::Other),
    }
}

/// A TLS failure on the stream is ureq's to place (handshake or not); any
/// other I/O failure follows the shared rule.
fn io_kind(error: &io::Error) -> (TransportErrorKind, Delivery) {
    if let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return if is_handshake_failure(tls) {
            (TransportErrorKind::Tls, Delivery::NotSent)
        } else {
            // A TLS failure on an established connection: the request may
            // have been written before it.
            (TransportErrorKind::ConnectionLost, Delivery::MaybeSent)
        };
    }
    let classified = TransportError::classify_io(error);
    (classified.kind(), classified.delivery())
}

/// Whether a rustls error can only come from a handshake that did not
/// complete: the server then cannot have read a request.
fn is_handshake_failure(error: &rustls::Error) -> bool {
    use rustls::AlertDescription as Alert;
    match error {
        rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::UnsupportedNameType
        | rustls::Error::PeerIncompatible(_)
        | rustls::Error::HandshakeNotComplete
        | rustls::Error::InvalidCertRevocationList(_)
        | rustls::Error::NoApplicationProtocol => true,
        rustls::Error::AlertReceived(alert) => matches!(
            alert,
            Alert::HandshakeFailure
                | Alert::ProtocolVersion
                | Alert::InsufficientSecurity
                | Alert::UnrecognisedName
                | Alert::BadCertificate
                | Alert::UnsupportedCertificate
                | Alert::CertificateRevoked
                | Alert::CertificateExpired
                | Alert::CertificateUnknown
                | Alert::UnknownCA
                | Alert::CertificateRequired
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_before_the_connection_are_not_sent() {
        for (error, kind) in [
            (ureq::Error::HostNotFound, TransportErrorKind::Dns),
            (ureq::Error::ConnectionFailed, TransportErrorKind::Connect),
            (
                ureq::Error::Timeout(Timeout::Connect),
                TransportErrorKind::ConnectTimeout,
            ),
            (
                ureq::Error::Timeout(Timeout::Resolve),
                TransportErrorKind::ConnectTimeout,
            ),
            (ureq::Error::Tls("bad name"), TransportErrorKind::Tls),
            (
                ureq::Error::Io(io::Error::new(
                    io::ErrorKind::InvalidData,
                    rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
                )),
                TransportErrorKind::Tls,
            ),
            (
                ureq::Error::Io(io::ErrorKind::ConnectionRefused.into()),
                TransportErrorKind::Connect,
            ),
            (
                ureq::Error::Io(io::Error::other(
                    "failed to lookup address information: Name or service not known",
                )),
                TransportErrorKind::Dns,
            ),
            (
                ureq::Error::ConnectProxyFailed("proxy server responded 407".into()),
                TransportErrorKind::Connect,
            ),
            (ureq::Error::TlsRequired, TransportErrorKind::Tls),
        ] {
            let classified = classify(error);
            assert_eq!(classified.kind(), kind);
            assert_eq!(classified.delivery(), Delivery::NotSent, "{kind:?}");
        }
    }

    #[test]
    fn failures_after_the_connection_may_have_been_sent() {
        for (error, kind) in [
            (
                ureq::Error::Timeout(Timeout::Global),
                TransportErrorKind::Timeout,
            ),
            (
                ureq::Error::Timeout(Timeout::RecvResponse),
                TransportErrorKind::Timeout,
            ),
            (
                ureq::Error::Io(io::ErrorKind::ConnectionReset.into()),
                TransportErrorKind::ConnectionLost,
            ),
            (
                ureq::Error::Io(io::ErrorKind::BrokenPipe.into()),
                TransportErrorKind::ConnectionLost,
            ),
            (
                ureq::Error::Io(io::ErrorKind::UnexpectedEof.into()),
                TransportErrorKind::ConnectionLost,
            ),
            (
                ureq::Error::Io(io::Error::new(
                    io::ErrorKind::InvalidData,
                    rustls::Error::DecryptError,
                )),
                TransportErrorKind::ConnectionLost,
            ),
            (
                ureq::Error::Io(io::ErrorKind::HostUnreachable.into()),
                TransportErrorKind::Connect,
            ),
            (
                ureq::Error::Io(io::ErrorKind::Other.into()),
                TransportErrorKind::Other,
            ),
            (ureq::Error::InvalidProxyUrl, TransportErrorKind::Other),
        ] {
            let classified = classify(error);
            assert_eq!(classified.kind(), kind);
            assert_eq!(classified.delivery(), Delivery::MaybeSent, "{kind:?}");
        }
    }
}
