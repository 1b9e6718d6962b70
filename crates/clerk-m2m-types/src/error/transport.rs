//! What a transport reports when it could not deliver a request or read the answer.

use std::fmt;
use std::io;
use std::sync::Arc;

/// Whether request bytes may have reached the server.
///
/// This decides whether a create call may be retried: creating a token is not
/// idempotent, so it is retried only when the request was certainly not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// Certainly not sent: refused connection, DNS failure, connect timeout,
    /// TLS handshake failure.
    NotSent,
    /// Possibly sent (and processed): everything else, and whatever a
    /// transport does not classify.
    MaybeSent,
}

/// The kind of transport failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name did not resolve.
    Dns,
    /// The TCP connection could not be made (refused, unreachable).
    Connect,
    /// The connection was not made in time.
    ConnectTimeout,
    /// The TLS handshake failed.
    Tls,
    /// The answer did not arrive in time.
    Timeout,
    /// The connection broke while sending or receiving (reset, closed early).
    ConnectionLost,
    /// The response body was larger than the transport accepts.
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The response was not valid HTTP.
    Protocol,
    /// Anything else.
    Other,
}

impl TransportErrorKind {
    /// The delivery a failure of this kind implies when nothing more is known.
    pub fn default_delivery(self) -> Delivery {
        match self {
            Self::Dns | Self::Connect | Self::ConnectTimeout | Self::Tls => Delivery::NotSent,
            _ => Delivery::MaybeSent,
        }
    }

    fn describe(self) -> String {
        match self {
            Self::Dns => "host name did not resolve".into(),
            Self::Connect => "could not connect".into(),
            Self::ConnectTimeout => "connect timed out".into(),
            Self::Tls => "tls handshake failed".into(),
            Self::Timeout => "timed out waiting for the response".into(),
            Self::ConnectionLost => "connection lost".into(),
            Self::BodyTooLarge { limit } => format!("response body exceeds {limit} bytes"),
            Self::Protocol => "invalid http response".into(),
            Self::Other => "transport failed".into(),
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
type SharedError = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A failure reported by a transport, with whether the request may have been sent.
///
/// Transports classify what they can. [`TransportError::new`] takes the
/// delivery from the kind ([`TransportErrorKind::default_delivery`]); an
/// unclassified failure ([`TransportError::other`]) counts as maybe sent.
///
/// Cheap to clone (the source is shared), so one failure can be handed to
/// every caller that waited for the same request.
#[derive(Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    delivery: Delivery,
    source: Option<SharedError>,
}

impl TransportError {
    /// A failure of `kind`, delivery implied by the kind.
    pub fn new(kind: TransportErrorKind) -> Self {
        Self {
            kind,
            delivery: kind.default_delivery(),
            source: None,
        }
    }

    /// An unclassified failure: maybe sent.
    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Other).with_source(source)
    }

    /// A failure classified from an I/O error alone, for a transport that
    /// cannot tell in which phase of the attempt (connecting, sending,
    /// receiving) the error arose. Only what proves that no request byte
    /// left counts as [`Delivery::NotSent`]:
    ///
    /// - a refused connection or an address not available:
    ///   [`Connect`](TransportErrorKind::Connect), not sent (only
    ///   connecting yields them);
    /// - a host or network unreachable: `Connect`, maybe sent (an
    ///   established connection can get them too);
    /// - a name that did not resolve (the system resolver's "failed to
    ///   lookup address information"): [`Dns`](TransportErrorKind::Dns),
    ///   not sent;
    /// - a reset, an abort, a broken pipe, an early end of stream, not
    ///   connected: [`ConnectionLost`](TransportErrorKind::ConnectionLost),
    ///   maybe sent;
    /// - timed out, would block: [`Timeout`](TransportErrorKind::Timeout),
    ///   maybe sent;
    /// - anything else: [`Other`](TransportErrorKind::Other), maybe sent.
    ///
    /// The error is not attached: add what the transport got with
    /// [`with_source`](Self::with_source). A TLS failure wrapped in the I/O
    /// error is the transport's to recognise first (only its TLS library
    /// knows whether the handshake had completed).
    ///
    /// ```
    /// use clerk_m2m_types::{Delivery, TransportError, TransportErrorKind};
    /// use std::io;
    ///
    /// let refused = TransportError::classify_io(&io::ErrorKind::ConnectionRefused.into());
    /// assert_eq!(refused.kind(), TransportErrorKind::Connect);
    /// assert_eq!(refused.delivery(), Delivery::NotSent);
    /// let reset = TransportError::classify_io(&io::ErrorKind::ConnectionReset.into());
    /// assert_eq!(reset.kind(), TransportErrorKind::ConnectionLost);
    /// assert_eq!(reset.delivery(), Delivery::MaybeSent);
    /// ```
    pub fn classify_io(error: &io::Error) -> Self {
        use io::ErrorKind as Io;
        use TransportErrorKind as Kind;
        let (kind, delivery) = match error.kind() {
            Io::ConnectionRefused | Io::AddrNotAvailable => (Kind::Connect, Delivery::NotSent),
            Io::HostUnreachable | Io::NetworkUnreachable => (Kind::Connect, Delivery::MaybeSent),
            Io::ConnectionReset
            | Io::ConnectionAborted
            | Io::BrokenPipe
            | Io::UnexpectedEof
            | Io::NotConnected => (Kind::ConnectionLost, Delivery::MaybeSent),
            Io::TimedOut | Io::WouldBlock => (Kind::Timeout, Delivery::MaybeSent),
            // How std reports a `getaddrinfo` failure (ureq's default
            // resolver passes it on as it is).
            _ if error
                .to_string()
                .starts_with("failed to lookup address information") =>
            {
                (Kind::Dns, Delivery::NotSent)
            }
            _ => (Kind::Other, Delivery::MaybeSent),
        };
        Self::new(kind).with_delivery(delivery)
    }

    /// Attaches the underlying error.
    ///
    /// Its `Display` must not contain secrets: the SDK never puts keys or
    /// token values in URLs, so an HTTP library's error is safe here.
    /// (`Debug` scrubs it anyway.)
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(Arc::from(source.into()));
        self
    }

    /// Overrides the delivery implied by the kind.
    pub fn with_delivery(mut self, delivery: Delivery) -> Self {
        self.delivery = delivery;
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request may have reached the server.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }

    /// Whether a timeout (connect or response) caused this.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Timeout | TransportErrorKind::ConnectTimeout
        )
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("delivery", &self.delivery)
            .field(
                "source",
                &self
                    .source
                    .as_ref()
                    .map(|source| super::scrub_secrets(&source.to_string())),
            )
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let delivery = match self.delivery {
            Delivery::NotSent => "request not sent",
            Delivery::MaybeSent => "request may have been sent",
        };
        write!(f, "{} ({delivery})", self.kind.describe())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_not_sent_only_when_nothing_can_have_left() {
        use io::ErrorKind as Io;
        let not_sent = [
            (
                io::Error::from(Io::ConnectionRefused),
                TransportErrorKind::Connect,
            ),
            (Io::AddrNotAvailable.into(), TransportErrorKind::Connect),
            (
                io::Error::other("failed to lookup address information: Name or service not known"),
                TransportErrorKind::Dns,
            ),
        ];
        for (error, kind) in not_sent {
            let classified = TransportError::classify_io(&error);
            assert_eq!(
                (classified.kind(), classified.delivery()),
                (kind, Delivery::NotSent),
                "{error}"
            );
            assert!(std::error::Error::source(&classified).is_none());
        }
        let maybe_sent = [
            (Io::HostUnreachable, TransportErrorKind::Connect),
            (Io::NetworkUnreachable, TransportErrorKind::Connect),
            (Io::ConnectionReset, TransportErrorKind::ConnectionLost),
            (Io::ConnectionAborted, TransportErrorKind::ConnectionLost),
            (Io::BrokenPipe, TransportErrorKind::ConnectionLost),
            (Io::UnexpectedEof, TransportErrorKind::ConnectionLost),
            (Io::NotConnected, TransportErrorKind::ConnectionLost),
            (Io::TimedOut, TransportErrorKind::Timeout),
            (Io::WouldBlock, TransportErrorKind::Timeout),
            (Io::InvalidData, TransportErrorKind::Other),
            (Io::Other, TransportErrorKind::Other),
        ];
        for (error, kind) in maybe_sent {
            let classified = TransportError::classify_io(&error.into());
            assert_eq!(
                (classified.kind(), classified.delivery()),
                (kind, Delivery::MaybeSent),
                "{error:?}"
            );
        }
        // The resolver's words count only at the start, from an unclassified kind.
        let echoed = io::Error::new(Io::ConnectionReset, "failed to lookup address information");
        assert_eq!(
            TransportError::classify_io(&echoed).delivery(),
            Delivery::MaybeSent
        );
        let quoted = io::Error::other("proxy said: failed to lookup address information");
        assert_eq!(
            TransportError::classify_io(&quoted).kind(),
            TransportErrorKind::Other
        );
    }

    #[test]
    fn delivery_follows_the_kind() {
        assert_eq!(
            TransportError::new(TransportErrorKind::Connect).delivery(),
            Delivery::NotSent
        );
        assert_eq!(
            TransportError::new(TransportErrorKind::Timeout).delivery(),
            Delivery::MaybeSent
        );
        assert_eq!(
            TransportError::other("boom").delivery(),
            Delivery::MaybeSent
        );
        let leaky = TransportError::other("GET /m2m_tokens?subject=mt_SENTINEL failed");
        assert!(!format!("{leaky:?}").contains("SENTINEL"));
        let error = TransportError::new(TransportErrorKind::Connect).with_source("refused");
        assert_eq!(error.to_string(), "could not connect (request not sent)");
        assert_eq!(
            std::error::Error::source(&error).unwrap().to_string(),
            "refused"
        );
    }
}
