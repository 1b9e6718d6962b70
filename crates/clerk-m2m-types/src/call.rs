//! One call from first attempt to final result, as a sans-I/O state machine.
//!
//! A client asks [`Call::next_request`] for the bytes to send, sends them its
//! own way, and hands what happened to [`Call::handle`], which says whether
//! the call is done or should be tried again after a delay. Sleeping, the
//! clock and randomness stay with the client, so both clients (and any
//! custom one) share the same retry and parsing behaviour.

use crate::error::{ApiError, Error, TransportError};
use crate::retry::{Outcome, RetryDecision, RetryPolicy};
use crate::{Config, Endpoint, Operation};
use std::marker::PhantomData;
use std::time::{Duration, SystemTime};

/// What to do after an attempt.
///
/// Deliberately exhaustive: a driver must handle every step, so a new one
/// would be a breaking change.
#[derive(Debug)]
pub enum Step<T> {
    /// The call is finished.
    Done(Result<T, Error>),
    /// Wait this long, then send [`Call::next_request`] again.
    RetryAfter(Duration),
}

/// The state of one call: its request, attempts so far and deadline.
///
/// ```
/// use clerk_m2m_types::call::{Call, Step};
/// use clerk_m2m_types::{Config, RetryPolicy, VerifyTokenParams};
/// use std::time::{Duration, SystemTime};
///
/// let config = Config::builder().machine_secret_key("ak_test_example").build()?;
/// let now = SystemTime::UNIX_EPOCH;
/// let mut call = Call::new(
///     &config,
///     &VerifyTokenParams::new("mt_value"),
///     RetryPolicy::default(),
///     now,
///     Some(Duration::from_secs(30)),
/// )?;
/// let _request = call.next_request(); // send it somehow; the server is busy:
/// let busy = http::Response::builder().status(503).body(Vec::new())?;
/// let Step::RetryAfter(delay) = call.handle(Ok(busy), now, 0.0) else { panic!() };
/// assert_eq!(delay, Duration::from_millis(100));
/// let _request = call.next_request(); // second attempt succeeds:
/// let ok = http::Response::builder()
///     .status(200)
///     .header("content-type", "application/json")
///     .body(br#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1","created_at":1,"updated_at":1}"#.to_vec())?;
/// let Step::Done(Ok(token)) = call.handle(Ok(ok), now + delay, 0.0) else { panic!() };
/// assert_eq!(token.subject, "mch_1");
/// assert_eq!(call.attempts(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Call<E: Endpoint> {
    request: http::Request<Vec<u8>>,
    attempts: u32,
    policy: RetryPolicy,
    deadline: Option<SystemTime>,
    endpoint: PhantomData<fn() -> E>,
}

impl<E: Endpoint> Call<E> {
    /// Validates `params` and builds the request; `timeout` bounds the whole
    /// call (all attempts and waits) from `now`.
    pub fn new(
        config: &Config,
        params: &E,
        policy: RetryPolicy,
        now: SystemTime,
        timeout: Option<Duration>,
    ) -> Result<Self, Error> {
        let request = params
            .build_request(config)
            .map_err(|source| Error::InvalidRequest {
                operation: E::OPERATION,
                source,
            })?;
        Ok(Self {
            request,
            attempts: 0,
            policy,
            deadline: timeout.and_then(|timeout| now.checked_add(timeout)),
            endpoint: PhantomData,
        })
    }

    /// The call being made.
    pub fn operation(&self) -> Operation {
        E::OPERATION
    }

    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The request as built (for inspection; send [`next_request`](Self::next_request)).
    pub fn request(&self) -> &http::Request<Vec<u8>> {
        &self.request
    }

    /// Time left before the deadline (`None`: no deadline; zero: passed).
    pub fn remaining(&self, now: SystemTime) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.duration_since(now).unwrap_or(Duration::ZERO))
    }

    /// A copy of the request for the next attempt, counting the attempt.
    pub fn next_request(&mut self) -> http::Request<Vec<u8>> {
        self.attempts += 1;
        let mut copy = http::Request::new(self.request.body().clone());
        *copy.method_mut() = self.request.method().clone();
        *copy.uri_mut() = self.request.uri().clone();
        *copy.version_mut() = self.request.version();
        *copy.headers_mut() = self.request.headers().clone();
        copy
    }

    /// [`next_request`](Self::next_request), carrying the time left before
    /// the deadline at `now` as an [`AttemptBudget`](crate::AttemptBudget)
    /// extension, so the transport can end the attempt by the deadline.
    pub fn next_request_at(&mut self, now: SystemTime) -> http::Request<Vec<u8>> {
        let mut request = self.next_request();
        if let Some(remaining) = self.remaining(now) {
            let budget = crate::AttemptBudget::new(remaining);
            request.extensions_mut().insert(budget);
        }
        request
    }

    /// Decides what follows the attempt that ended with `result`.
    ///
    /// `jitter` is a random sample in `[0, 1)` for the backoff.
    pub fn handle(
        &mut self,
        result: Result<http::Response<Vec<u8>>, TransportError>,
        now: SystemTime,
        jitter: f64,
    ) -> Step<E::Output> {
        let operation = E::OPERATION;
        let attempts = self.attempts.max(1);
        let remaining = self.remaining(now);
        match result {
            Ok(response) if response.status().is_success() => Step::Done(
                E::parse_response(response)
                    .map_err(|error| Error::from_response(operation, attempts, error)),
            ),
            Ok(response) => {
                let error =
                    ApiError::from_response(response.status(), response.headers(), response.body());
                let outcome = Outcome::Response {
                    status: error.status(),
                    retry_after: error.retry_after(),
                };
                match self
                    .policy
                    .decide(operation, outcome, attempts, now, remaining, jitter)
                {
                    RetryDecision::RetryAfter(delay) => Step::RetryAfter(delay),
                    _ => Step::Done(Err(Error::Api {
                        operation,
                        attempts,
                        source: error,
                    })),
                }
            }
            Err(source) => {
                let outcome = Outcome::Transport(&source);
                match self
                    .policy
                    .decide(operation, outcome, attempts, now, remaining, jitter)
                {
                    RetryDecision::RetryAfter(delay) => Step::RetryAfter(delay),
                    _ => Step::Done(Err(Error::Transport {
                        operation,
                        attempts,
                        source,
                    })),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CreateTokenParams, TransportErrorKind};

    fn create_call() -> Call<CreateTokenParams> {
        let config = Config::builder()
            .machine_secret_key("ak_x")
            .build()
            .unwrap();
        Call::new(
            &config,
            &CreateTokenParams::new(),
            RetryPolicy::default(),
            SystemTime::UNIX_EPOCH,
            None,
        )
        .unwrap()
    }

    #[test]
    fn create_stops_on_500_with_attempt_count() {
        let mut call = create_call();
        let _ = call.next_request();
        let response = http::Response::builder()
            .status(500)
            .body(b"oops".to_vec())
            .unwrap();
        match call.handle(Ok(response), SystemTime::UNIX_EPOCH, 0.0) {
            Step::Done(Err(error)) => {
                assert_eq!(error.attempts(), 1);
                assert_eq!(
                    error.status(),
                    Some(http::StatusCode::INTERNAL_SERVER_ERROR)
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn create_retries_a_refused_connection_then_gives_up() {
        let mut call = create_call();
        for attempt in 1..=3 {
            let request = call.next_request();
            assert_eq!(request.body(), call.request().body());
            let refused = TransportError::new(TransportErrorKind::Connect);
            match call.handle(Err(refused), SystemTime::UNIX_EPOCH, 0.0) {
                Step::RetryAfter(_) if attempt < 3 => {}
                Step::Done(Err(error)) if attempt == 3 => assert_eq!(error.attempts(), 3),
                other => panic!("attempt {attempt}: {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_params_fail_before_any_attempt() {
        let config = Config::default();
        let error = Call::new(
            &config,
            &CreateTokenParams::new(),
            RetryPolicy::default(),
            SystemTime::UNIX_EPOCH,
            None,
        )
        .unwrap_err();
        assert_eq!(error.attempts(), 0);
        assert!(matches!(error, Error::InvalidRequest { .. }));
    }
}
