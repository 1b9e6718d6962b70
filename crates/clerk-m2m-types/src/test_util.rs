//! Test doubles for code that mocks the API, and a loopback test bed for
//! transports (feature `test-util`).
//!
//! [`ReplayTransport`] answers from a queue of canned results and
//! [`CaptureTransport`] answers every request the same way; both record the
//! requests they get. They are transport-agnostic: each client crate
//! implements its own `Transport` trait for them, so the same double works
//! with the async and the blocking client. Models are built with
//! [`M2mToken::new`](crate::M2mToken::new), [`M2mTokenList::new`](crate::M2mTokenList::new)
//! and [`ApiError::new`](crate::ApiError::new).
//!
//! [`LoopbackServer`] is a small scripted HTTP/1.1 server that misbehaves on
//! request (resets, silence, late or dribbling answers), and
//! [`assert_transport_contract`] runs the transport contract's table of
//! cases against any transport with it.

mod contract;
mod loopback;

pub use contract::{
    assert_transport_contract, contract_cases, ContractCase, CONTRACT_BUDGET,
    CONTRACT_MIN_BODY_CAP, CONTRACT_SLACK,
};
pub use loopback::{LoopbackServer, ReceivedRequest, Reply};

use crate::error::{TransportError, TransportErrorKind};
use http::{Request, Response};
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

type Answer = Result<Response<Vec<u8>>, TransportError>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A JSON response with `status`.
pub fn json_response(status: u16, body: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(body.as_bytes().to_vec());
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn copy_response(response: &Response<Vec<u8>>) -> Response<Vec<u8>> {
    let mut copy = Response::new(response.body().clone());
    *copy.status_mut() = response.status();
    *copy.headers_mut() = response.headers().clone();
    copy
}

/// Answers requests from a queue of canned results, in order.
///
/// Once the queue is empty it answers with a transport error of kind
/// `Other`, so a test that sends more than it expected fails loudly.
///
/// ```
/// use clerk_m2m_types::test_util::{json_response, ReplayTransport};
///
/// let replay = ReplayTransport::new([Ok(json_response(503, "{}"))]);
/// let answer = replay.answer(http::Request::new(Vec::new()));
/// assert_eq!(answer.unwrap().status(), 503);
/// assert_eq!(replay.requests().len(), 1);
/// assert!(replay.answer(http::Request::new(Vec::new())).is_err());
/// ```
#[derive(Debug, Default)]
pub struct ReplayTransport {
    answers: Mutex<VecDeque<Answer>>,
    requests: Mutex<Vec<Request<Vec<u8>>>>,
}

impl ReplayTransport {
    /// A transport answering with `answers`, in order.
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        Self {
            answers: Mutex::new(answers.into_iter().collect()),
            requests: Mutex::default(),
        }
    }

    /// Queues another answer.
    pub fn push(&self, answer: Answer) {
        lock(&self.answers).push_back(answer);
    }

    /// Records `request` and returns the next answer.
    pub fn answer(&self, request: Request<Vec<u8>>) -> Answer {
        lock(&self.requests).push(request);
        lock(&self.answers).pop_front().unwrap_or_else(|| {
            Err(TransportError::new(TransportErrorKind::Other)
                .with_source("ReplayTransport has no answer left"))
        })
    }

    /// The requests received so far (taken out of the transport).
    pub fn requests(&self) -> Vec<Request<Vec<u8>>> {
        std::mem::take(&mut *lock(&self.requests))
    }
}

/// Records every request and answers each with a copy of one response.
///
/// ```
/// use clerk_m2m_types::test_util::{json_response, CaptureTransport};
///
/// let capture = CaptureTransport::new(json_response(200, "{}"));
/// capture.answer(http::Request::new(b"one".to_vec())).unwrap();
/// capture.answer(http::Request::new(b"two".to_vec())).unwrap();
/// let bodies: Vec<_> = capture.requests().into_iter().map(|r| r.into_body()).collect();
/// assert_eq!(bodies, [b"one".to_vec(), b"two".to_vec()]);
/// ```
#[derive(Debug)]
pub struct CaptureTransport {
    response: Response<Vec<u8>>,
    requests: Mutex<Vec<Request<Vec<u8>>>>,
}

impl CaptureTransport {
    /// A transport answering every request with `response`.
    pub fn new(response: Response<Vec<u8>>) -> Self {
        Self {
            response,
            requests: Mutex::default(),
        }
    }

    /// Records `request` and returns a copy of the response.
    pub fn answer(&self, request: Request<Vec<u8>>) -> Answer {
        lock(&self.requests).push(request);
        Ok(copy_response(&self.response))
    }

    /// The requests received so far (taken out of the transport).
    pub fn requests(&self) -> Vec<Request<Vec<u8>>> {
        std::mem::take(&mut *lock(&self.requests))
    }
}
