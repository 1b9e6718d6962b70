//! Socket timeouts in whole milliseconds, so a pooled connection's timeouts
//! are set once rather than before every read and write.
//!
//! ureq bounds each socket operation by the time left before the attempt's
//! deadline and sets it on the socket (`SO_SNDTIMEO` / `SO_RCVTIMEO`)
//! whenever the value differs from the last one set. The time left is
//! counted in nanoseconds, so it differs on every request: three
//! `setsockopt` calls per create, which a bare POST without a timeout does
//! not make. Rounded down to whole milliseconds, the time left before each
//! operation is the same from one request to the next (the operations start
//! microseconds into the attempt), so ureq finds it unchanged and skips the
//! system call. An operation may end at most a millisecond before the
//! deadline ureq computed, never after it; below 2 ms the time is passed on
//! exactly.
//!
//! The connector sits last in ureq's chain, over TLS when there is TLS, so
//! the rounded time is what reaches the socket.

use std::time::Duration;
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// Wraps each connection ureq makes in [`WholeMilliseconds`].
#[derive(Debug, Default)]
pub(super) struct WholeMillisecondTimeouts;

impl Connector<Box<dyn Transport>> for WholeMillisecondTimeouts {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| Box::new(WholeMilliseconds { inner }) as Box<dyn Transport>))
    }
}

/// A connection whose socket operations get their time rounded down to
/// whole milliseconds.
#[derive(Debug)]
struct WholeMilliseconds {
    inner: Box<dyn Transport>,
}

/// `timeout` with its time left rounded down to whole milliseconds, from
/// 2 ms up.
fn rounded(mut timeout: NextTimeout) -> NextTimeout {
    if let UreqDuration::Exact(left) = timeout.after {
        if left >= Duration::from_millis(2) {
            let whole = u64::try_from(left.as_millis()).unwrap_or(u64::MAX);
            timeout.after = UreqDuration::Exact(Duration::from_millis(whole));
        }
    }
    timeout
}

impl Transport for WholeMilliseconds {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.inner.transmit_output(amount, rounded(timeout))
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.inner.maybe_await_input(rounded(timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.inner.await_input(rounded(timeout))
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    fn after(left: Duration) -> NextTimeout {
        NextTimeout {
            after: UreqDuration::Exact(left),
            ..NextTimeout::default()
        }
    }

    #[test]
    fn the_time_left_is_rounded_down_to_whole_milliseconds() {
        let cases = [
            (
                Duration::new(14, 999_987_654),
                Duration::from_millis(14_999),
            ),
            (
                Duration::new(14, 999_912_000),
                Duration::from_millis(14_999),
            ),
            (Duration::from_micros(2_500), Duration::from_millis(2)),
            (Duration::from_millis(2), Duration::from_millis(2)),
        ];
        for (left, expected) in cases {
            assert_eq!(
                rounded(after(left)).after,
                UreqDuration::Exact(expected),
                "{left:?}"
            );
        }
    }

    #[test]
    fn short_times_and_no_deadline_pass_unchanged() {
        for left in [
            Duration::from_micros(1_999),
            Duration::from_micros(1),
            Duration::ZERO,
        ] {
            assert_eq!(rounded(after(left)), after(left));
        }
        assert_eq!(rounded(NextTimeout::default()), NextTimeout::default());
    }

    #[test]
    fn the_reason_and_per_operation_limits_are_kept() {
        let timeout = NextTimeout {
            after: UreqDuration::Exact(Duration::new(3, 400_000)),
            reason: ureq::Timeout::RecvBody,
            per_read: Some(UreqDuration::from_secs(1)),
            per_write: Some(UreqDuration::from_millis(5)),
        };
        let out = rounded(timeout);
        assert_eq!(out.reason, ureq::Timeout::RecvBody);
        assert_eq!(out.per_read, timeout.per_read);
        assert_eq!(out.per_write, timeout.per_write);
        assert_eq!(out.after, UreqDuration::Exact(Duration::from_secs(3)));
    }
}
