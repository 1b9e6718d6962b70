//! One call from first attempt to final result, as a sans-I/O state machine.

use crate::error::{ApiError, Delivery, Error, TransportError, TransportErrorKind};
use crate::retry::{Outcome, RetryDecision};
use crate::{Config, Endpoint, Operation};
use std::time::{Duration, SystemTime};

/// What to do after an attempt.
///
/// Deliberately exhaustive: a driver must handle every step, so a new one
/// would be a breaking change.
#[derive(Debug)]
pub enum Step<T> {
    /// The call is finished.
    Done(Result<T, Error>),
    /// Wait this long, then ask [`Call::next_attempt`] again.
    RetryAfter(Duration),
}

/// One attempt to send: the request and the time it may take.
#[derive(Debug)]
#[non_exhaustive]
pub struct Attempt {
    /// The request, exactly as built for the call.
    pub request: http::Request<Vec<u8>>,
    /// Time left before the call's deadline (`None`: no deadline). The
    /// attempt must end within it, whatever the server does; the request
    /// carries it as an [`AttemptBudget`](crate::AttemptBudget) extension.
    pub time_left: Option<Duration>,
    /// Its number, from 1.
    pub number: u32,
}

/// Which call and which attempt a request is: a request extension, beside
/// the [`AttemptBudget`](crate::AttemptBudget), on every request
/// [`Call::next_attempt`] hands out.
///
/// For a transport that reports on attempts (a log line, a metric) without
/// parsing paths: with the config's [`RetryPolicy`](crate::RetryPolicy), it
/// also tells whether an outcome is one the call may retry.
///
/// ```
/// use clerk_m2m_types::driver::call::Call;
/// use clerk_m2m_types::AttemptInfo;
/// use clerk_m2m_types::{Config, Operation, VerifyTokenParams};
/// use std::time::SystemTime;
///
/// let config = Config::builder().machine_secret_key("ak_test_example").build()?;
/// let params = VerifyTokenParams::new("mt_value");
/// let mut call = Call::new(&config, &params, SystemTime::UNIX_EPOCH)?;
/// let attempt = call.next_attempt(SystemTime::UNIX_EPOCH)?;
/// let info = AttemptInfo::of(&attempt.request).expect("set on every attempt");
/// assert_eq!((info.operation, info.number), (Operation::VerifyToken, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AttemptInfo {
    /// The call being made.
    pub operation: Operation,
    /// The attempt's number, from 1.
    pub number: u32,
}

impl AttemptInfo {
    /// The attempt info `request` carries, if any.
    pub fn of<B>(request: &http::Request<B>) -> Option<Self> {
        request.extensions().get::<Self>().copied()
    }
}

/// The state of one call: its request, attempts so far and deadline.
///
/// The request is built and validated once, in [`Call::new`]; the first
/// attempt sends it as built (no copy), a retry rebuilds it from the params.
///
/// ```
/// use clerk_m2m_types::driver::call::{Call, Step};
/// use clerk_m2m_types::{Config, VerifyTokenParams};
/// use std::time::{Duration, SystemTime};
///
/// let config = Config::builder().machine_secret_key("ak_test_example").build()?;
/// let now = SystemTime::UNIX_EPOCH;
/// let params = VerifyTokenParams::new("mt_value");
/// let mut call = Call::new(&config, &params, now)?;
/// let attempt = call.next_attempt(now)?; // send it somehow; the server is busy:
/// assert_eq!(attempt.time_left, Some(Duration::from_secs(30)));
/// let busy = http::Response::builder().status(503).body(Vec::new())?;
/// let Step::RetryAfter(delay) = call.handle(Ok(busy), now, 0.0) else { panic!() };
/// assert_eq!(delay, Duration::from_millis(100));
/// let _attempt = call.next_attempt(now + delay)?; // the second attempt succeeds:
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
pub struct Call<'a, E: Endpoint> {
    config: &'a Config,
    params: &'a E,
    /// The request as built, until the first attempt takes it.
    first: Option<http::Request<Vec<u8>>>,
    attempts: u32,
    deadline: Option<SystemTime>,
}

impl<'a, E: Endpoint> Call<'a, E> {
    /// Validates `params` and builds the request; the config's call timeout
    /// bounds the whole call (all attempts and waits) from `now`, its retry
    /// policy decides the retries.
    pub fn new(config: &'a Config, params: &'a E, now: SystemTime) -> Result<Self, Error> {
        let request = params
            .build_request(config)
            .map_err(|source| Error::InvalidRequest {
                operation: E::OPERATION,
                source,
            })?;
        Ok(Self {
            config,
            params,
            first: Some(request),
            attempts: 0,
            deadline: now.checked_add(config.call_timeout()),
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

    /// Time left before the deadline (`None`: no deadline; zero: passed).
    pub fn remaining(&self, now: SystemTime) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.duration_since(now).unwrap_or(Duration::ZERO))
    }

    /// The next attempt, counting it; or, once the deadline has passed, the
    /// timeout that ends the call (no attempt starts past the deadline).
    pub fn next_attempt(&mut self, now: SystemTime) -> Result<Attempt, Error> {
        let time_left = self.remaining(now);
        if time_left == Some(Duration::ZERO) {
            return Err(Error::Transport {
                operation: E::OPERATION,
                attempts: self.attempts,
                source: TransportError::new(TransportErrorKind::Timeout)
                    .with_delivery(Delivery::NotSent)
                    .with_source("the call deadline passed before the next attempt"),
            });
        }
        let request =
            match self.first.take() {
                Some(request) => request,
                None => self.params.build_request(self.config).map_err(|source| {
                    Error::InvalidRequest {
                        operation: E::OPERATION,
                        source,
                    }
                })?,
            };
        let mut request = request;
        if let Some(remaining) = time_left {
            // Part of the transport contract: a transport ends the attempt
            // within it (the built-in ones do), whatever the server does.
            request
                .extensions_mut()
                .insert(crate::AttemptBudget::new(remaining));
        }
        self.attempts += 1;
        request.extensions_mut().insert(AttemptInfo {
            operation: E::OPERATION,
            number: self.attempts,
        });
        Ok(Attempt {
            request,
            time_left,
            number: self.attempts,
        })
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
        let policy = self.config.retry_policy();
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
                match policy.decide(operation, outcome, attempts, now, remaining, jitter) {
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
                match policy.decide(operation, outcome, attempts, now, remaining, jitter) {
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
    use crate::{CreateTokenParams, RetryPolicy};

    const NOW: SystemTime = SystemTime::UNIX_EPOCH;

    fn config() -> Config {
        Config::builder()
            .machine_secret_key("ak_x")
            .build()
            .unwrap()
    }

    #[test]
    fn create_stops_on_500_with_attempt_count() {
        let (config, params) = (config(), CreateTokenParams::new());
        let mut call = Call::new(&config, &params, NOW).unwrap();
        let _ = call.next_attempt(NOW).unwrap();
        let response = http::Response::builder()
            .status(500)
            .body(b"oops".to_vec())
            .unwrap();
        match call.handle(Ok(response), NOW, 0.0) {
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
        let (config, params) = (config(), CreateTokenParams::new());
        let built = params.build_request(&config).unwrap();
        let mut call = Call::new(&config, &params, NOW).unwrap();
        for attempt in 1..=3 {
            let next = call.next_attempt(NOW).unwrap();
            assert_eq!(next.number, attempt);
            assert_eq!(
                next.request.body(),
                built.body(),
                "the same bytes each time"
            );
            assert_eq!(next.request.uri(), built.uri());
            assert_eq!(next.request.headers(), built.headers());
            let refused = TransportError::new(TransportErrorKind::Connect);
            match call.handle(Err(refused), NOW, 0.0) {
                Step::RetryAfter(_) if attempt < 3 => {}
                Step::Done(Err(error)) if attempt == 3 => assert_eq!(error.attempts(), 3),
                other => panic!("attempt {attempt}: {other:?}"),
            }
        }
    }

    #[test]
    fn no_attempt_starts_past_the_deadline() {
        let config = config()
            .to_builder()
            .call_timeout(Duration::from_secs(2))
            .retry_policy(RetryPolicy::default().max_attempts(5))
            .build()
            .unwrap();
        let params = CreateTokenParams::new();
        let mut call = Call::new(&config, &params, NOW).unwrap();
        let first = call.next_attempt(NOW).unwrap();
        assert_eq!(first.time_left, Some(Duration::from_secs(2)));
        let later = NOW + Duration::from_millis(1500);
        let refused = TransportError::new(TransportErrorKind::Connect);
        let Step::RetryAfter(_) = call.handle(Err(refused), later, 0.0) else {
            panic!("a refused connection is retried")
        };
        let second = call.next_attempt(later).unwrap();
        assert_eq!(second.time_left, Some(Duration::from_millis(500)));
        let past = NOW + Duration::from_secs(2);
        let error = call.next_attempt(past).unwrap_err();
        assert_eq!(error.attempts(), 2);
        let transport = error.transport_error().unwrap();
        assert!(transport.is_timeout());
        assert_eq!(transport.delivery(), Delivery::NotSent);
    }

    #[test]
    fn every_attempt_says_which_call_and_which_attempt_it_is() {
        let (config, params) = (config(), CreateTokenParams::new());
        let mut call = Call::new(&config, &params, NOW).unwrap();
        for number in 1..=2 {
            let attempt = call.next_attempt(NOW).unwrap();
            let info = AttemptInfo::of(&attempt.request).unwrap();
            assert_eq!(info.operation, Operation::CreateToken);
            assert_eq!(info.number, number);
            assert_eq!(info.number, attempt.number);
        }
        let bare = http::Request::new(());
        assert_eq!(AttemptInfo::of(&bare), None);
    }

    #[test]
    fn a_retry_after_past_the_cap_ends_the_call_with_the_answer() {
        // No deadline: only the policy's cap stands between the call and
        // an hour-long sleep.
        let config = config()
            .to_builder()
            .call_timeout(Duration::MAX)
            .build()
            .unwrap();
        let params = CreateTokenParams::new();
        let mut call = Call::new(&config, &params, NOW).unwrap();
        let _ = call.next_attempt(NOW).unwrap();
        let throttled = http::Response::builder()
            .status(429)
            .header("retry-after", "3600")
            .body(Vec::new())
            .unwrap();
        match call.handle(Ok(throttled), NOW, 0.0) {
            Step::Done(Err(error)) => {
                assert_eq!(error.attempts(), 1);
                let api = error.api_error().expect("the 429 itself");
                assert_eq!(api.status(), http::StatusCode::TOO_MANY_REQUESTS);
                assert_eq!(api.retry_after(), Some(crate::RetryAfter::Seconds(3600)));
            }
            other => panic!("expected the 429 at once, got {other:?}"),
        }
    }

    #[test]
    fn invalid_params_fail_before_any_attempt() {
        let config = Config::default();
        let params = CreateTokenParams::new();
        let error = Call::new(&config, &params, NOW).unwrap_err();
        assert_eq!(error.attempts(), 0);
        assert!(matches!(error, Error::InvalidRequest { .. }));
    }
}
