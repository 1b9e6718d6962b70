//! hyper answers a request it cannot parse (a URI over 64 KiB, too many or
//! too large headers, a malformed request line) by itself, before any
//! routing, with an empty body. [`Refusals`] wraps a connection's socket
//! and replaces exactly those answers with Clerk's error envelope.
//!
//! They are recognisable on the way out: a complete response head with no
//! body, status 400, 414 or 431, and no `Content-Type`, which every answer
//! of the emulator's own carries.

use crate::api_error::ApiFailure;
use http::StatusCode;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket whose hyper-generated refusals are rewritten.
pub(crate) struct Refusals<S> {
    inner: S,
    /// A replacement answer still to be written, and how much of it was.
    pending: Vec<u8>,
    written: usize,
}

impl<S> Refusals<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// The envelope answer replacing `bytes`, if they are one of hyper's refusals.
fn replacement_for(bytes: &[u8]) -> Option<Vec<u8>> {
    let head_end = bytes.windows(4).position(|window| window == b"\r\n\r\n")?;
    if head_end + 4 != bytes.len() {
        return None;
    }
    let head = std::str::from_utf8(&bytes[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let rest = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))?;
    let status = StatusCode::from_bytes(rest.get(..3)?.as_bytes()).ok()?;
    if lines.any(|line| line.to_ascii_lowercase().starts_with("content-type:")) {
        return None;
    }
    let failure = ApiFailure::unparsable_request(status)?;
    let body = failure.body();
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

impl<S: AsyncWrite + Unpin> Refusals<S> {
    /// Writes what is left of a replacement answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let written =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += written;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Refusals<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

/// Not vectored, so hyper hands over each response in one buffer.
impl<S: AsyncWrite + Unpin> AsyncWrite for Refusals<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(answer) = replacement_for(buf) {
            this.pending = answer;
            // hyper's bytes are replaced, not lost: report them written.
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_code(answer: &[u8]) -> String {
        let text = String::from_utf8(answer.to_vec()).unwrap();
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        json["errors"][0]["code"].as_str().unwrap().to_owned()
    }

    #[test]
    fn hypers_refusals_are_replaced() {
        for (status, code) in [
            ("414 URI Too Long", "request_uri_too_long"),
            (
                "431 Request Header Fields Too Large",
                "request_header_fields_too_large",
            ),
            ("400 Bad Request", "request_malformed"),
        ] {
            let hyper = format!(
                "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n"
            );
            let answer = replacement_for(hyper.as_bytes()).unwrap();
            assert!(answer.starts_with(format!("HTTP/1.1 {status}\r\n").as_bytes()));
            assert_eq!(body_code(&answer), code);
        }
    }

    #[test]
    fn the_emulators_own_answers_pass() {
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement_for(ours).is_none());
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}";
        assert!(replacement_for(with_body).is_none());
        let other = b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement_for(other).is_none());
        assert!(replacement_for(b"HTTP/1.1 100 Continue\r\n\r\n").is_none());
        assert!(replacement_for(b"{\"partial\":").is_none());
    }
}
