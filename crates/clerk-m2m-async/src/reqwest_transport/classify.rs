//! What a reqwest failure means: its kind, and whether the request may have left.

use clerk_m2m_types::{Delivery, TransportError, TransportErrorKind};
use std::error::Error as StdError;

/// Classifies a reqwest failure. Only failures before the connection was
/// established (or a request that could not even be built) count as not sent.
pub(super) fn classify(error: reqwest::Error) -> TransportError {
    let kind = kind_of(&error);
    let classified = TransportError::new(kind);
    let classified = if error.is_builder() {
        classified.with_delivery(Delivery::NotSent)
    } else {
        classified
    };
    classified.with_source(error)
}

fn kind_of(error: &reqwest::Error) -> TransportErrorKind {
    if error.is_connect() {
        if error.is_timeout() {
            TransportErrorKind::ConnectTimeout
        } else if error.is_dns() {
            TransportErrorKind::Dns
        } else if chain(error).any(is_tls_error) {
            TransportErrorKind::Tls
        } else {
            TransportErrorKind::Connect
        }
    } else if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_builder() {
        TransportErrorKind::Other
    } else if let Some(hyper_error) = chain(error).find_map(|e| e.downcast_ref::<hyper::Error>()) {
        if hyper_error.is_parse() || hyper_error.is_parse_status() {
            TransportErrorKind::Protocol
        } else {
            TransportErrorKind::ConnectionLost
        }
    } else if error.is_request() || error.is_body() || error.is_decode() {
        TransportErrorKind::ConnectionLost
    } else {
        TransportErrorKind::Other
    }
}

/// `error`'s sources, outermost first, looking inside `io::Error`s too
/// (their `source()` skips the error they wrap).
fn chain<'a>(error: &'a reqwest::Error) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next: Option<&'a (dyn StdError + 'static)> = error.source();
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn StdError + 'static))
                .or_else(|| current.source()),
            None => current.source(),
        };
        Some(current)
    })
}

fn is_tls_error(error: &(dyn StdError + 'static)) -> bool {
    #[cfg(feature = "native-tls")]
    if error.is::<native_tls::Error>() {
        return true;
    }
    error.is::<rustls::Error>()
}

/// `error` and its sources on one line, for [`ConfigError::TransportInit`](clerk_m2m_types::ConfigError::TransportInit).
pub(super) fn describe_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    for source in chain(error) {
        let line = source.to_string();
        if !text.ends_with(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
    }
    text
}
