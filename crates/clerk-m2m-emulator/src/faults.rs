//! Fault injection: what the next N requests to one emulator suffer.

use http::StatusCode;
use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// A fault applied to one request.
///
/// Queue faults with [`EmulatorHandle::inject_fault`](crate::EmulatorHandle::inject_fault);
/// each affects the next requests that reach that emulator, in arrival order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer `status` in Clerk's error envelope (code `emulator_fault`) without
    /// processing the request, with a `Retry-After` header when `retry_after`
    /// is set. See [`Fault::status`].
    Status {
        /// The status to answer.
        status: StatusCode,
        /// The `Retry-After` value to send (whole seconds, rounded up).
        retry_after: Option<Duration>,
    },
    /// Wait this long (real time) before processing the request normally.
    Delay(Duration),
    /// Read the whole request, process it, then close the connection without
    /// answering: the client cannot know whether it took effect (a created
    /// token does exist).
    DropConnection,
    /// Process the request, then answer its real status and headers with a
    /// body cut in half (not valid JSON; `{` for an empty one).
    MalformedBody,
    /// Process the request, then answer its real status and headers with an
    /// empty body.
    EmptyBody,
}

impl Fault {
    /// Answer `status` with Clerk's envelope, without processing the request.
    pub fn status(status: StatusCode) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }

    /// Answer `status` with a `Retry-After` header, without processing the request.
    pub fn status_with_retry_after(status: StatusCode, retry_after: Duration) -> Self {
        Self::Status {
            status,
            retry_after: Some(retry_after),
        }
    }
}

/// Queued faults: each entry applies to its next `remaining` requests.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queue: Mutex<VecDeque<(Fault, usize)>>,
}

impl FaultQueue {
    fn with<T>(&self, f: impl FnOnce(&mut VecDeque<(Fault, usize)>) -> T) -> T {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut queue)
    }

    pub(crate) fn push(&self, fault: Fault, times: usize) {
        if times > 0 {
            self.with(|queue| queue.push_back((fault, times)));
        }
    }

    /// The fault for the request that just arrived, if any.
    pub(crate) fn take(&self) -> Option<Fault> {
        self.with(|queue| {
            let (fault, remaining) = queue.front_mut()?;
            let fault = fault.clone();
            *remaining -= 1;
            if *remaining == 0 {
                queue.pop_front();
            }
            Some(fault)
        })
    }

    pub(crate) fn clear(&self) {
        self.with(VecDeque::clear);
    }

    /// How many requests are still to be faulted.
    pub(crate) fn pending(&self) -> usize {
        self.with(|queue| queue.iter().map(|(_, remaining)| remaining).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_applies_in_order_and_counts_down() {
        let queue = FaultQueue::default();
        queue.push(Fault::DropConnection, 2);
        queue.push(Fault::EmptyBody, 1);
        queue.push(Fault::MalformedBody, 0);
        assert_eq!(queue.pending(), 3);
        assert_eq!(queue.take(), Some(Fault::DropConnection));
        assert_eq!(queue.take(), Some(Fault::DropConnection));
        assert_eq!(queue.take(), Some(Fault::EmptyBody));
        assert_eq!(queue.take(), None);
        queue.push(Fault::status(StatusCode::BAD_GATEWAY), 5);
        queue.clear();
        assert_eq!(queue.pending(), 0);
    }
}
