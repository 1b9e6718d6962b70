//! A request body that must arrive within the read timeout, like the
//! request head (hyper's header read timeout): a client that sends its
//! headers and then stalls cannot hold a connection forever.

use hyper::body::{Body, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body did not arrive in time.
#[derive(Debug)]
pub(crate) struct BodyReadTimeout(pub(crate) Duration);

impl std::fmt::Display for BodyReadTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body did not arrive within {} s",
            self.0.as_secs_f64()
        )
    }
}

impl std::error::Error for BodyReadTimeout {}

/// `inner`, failing with [`BodyReadTimeout`] once reading it has waited
/// `timeout` in total. The clock starts at the first wait, so a body read
/// late (after a delay fault) is not cut short.
pub(crate) struct TimedBody<B> {
    inner: B,
    timeout: Duration,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<B> TimedBody<B> {
    pub(crate) fn new(inner: B, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: None,
        }
    }
}

impl<B> Body for TimedBody<B>
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|result| result.map_err(Into::into)));
        }
        let timeout = this.timeout;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyReadTimeout(timeout))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Full};

    /// A body that never sends anything.
    struct Stalled;

    impl Body for Stalled {
        type Data = axum::body::Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn a_complete_body_passes() {
        let body = TimedBody::new(
            Full::new(axum::body::Bytes::from_static(b"{}")),
            Duration::ZERO,
        );
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"{}");
    }

    #[tokio::test]
    async fn a_stalled_body_times_out() {
        let timeout = Duration::from_millis(20);
        let error = TimedBody::new(Stalled, timeout)
            .collect()
            .await
            .err()
            .unwrap();
        assert_eq!(error.downcast_ref::<BodyReadTimeout>().unwrap().0, timeout);
        assert!(error.to_string().contains("0.02 s"), "{error}");
    }
}
