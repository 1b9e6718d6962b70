//! When to try a call again: a pure function of what happened.

use crate::error::{Delivery, RetryAfter, TransportError, TransportErrorKind};
use crate::Operation;
use http::StatusCode;
use std::time::{Duration, SystemTime};

/// What an attempt ended with.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The server answered with this status (and maybe `Retry-After`).
    Response {
        /// The HTTP status.
        status: StatusCode,
        /// The parsed `Retry-After` header.
        retry_after: Option<RetryAfter>,
    },
    /// The transport failed.
    Transport(&'a TransportError),
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Return the outcome to the caller.
    Stop,
    /// Send the same request again after this delay.
    RetryAfter(Duration),
}

/// The longest `Retry-After` a [`RetryPolicy`] waits for by default: 60 s.
///
/// A longer one ends the call at once with the server's answer (its
/// [`retry_after`](crate::ApiError::retry_after) kept), rather than
/// sleeping for as long as the header says: a prompt typed error that the
/// caller can act on beats a call silently parked for an hour by a
/// misconfigured proxy. `@clerk/backend` never retries and leaves the wait
/// to its caller, so the bound is this crate's choice: long enough for
/// Clerk's rate-limit window (1000 requests per 10 s per instance).
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Whether a status means "try again later": 429, 502, 503, 504.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Retry rules shared by both clients.
///
/// - calls safe to resend ([`Operation::is_safe_to_resend`]: token list,
///   verify and revoke; machine list, get, update and get-secret-key) retry
///   connect failures, timeouts, lost connections, 429, 502, 503 and 504;
/// - every other call (token create; machine create, rotate-secret-key,
///   delete, add-scope, remove-scope) retries only a 429 and transport
///   failures where the request was certainly not sent: a token or secret
///   key must never be minted twice, and a repeated delete or scope change
///   that landed would answer 404 or 409;
/// - at most [`max_attempts`](Self::max_attempts) attempts (default 3);
/// - `Retry-After` is honoured up to
///   [`max_retry_after`](Self::max_retry_after) (default
///   [`DEFAULT_MAX_RETRY_AFTER`], 60 s); a longer one, or a wait longer
///   than the remaining deadline, stops at once, returning the answer with
///   its `Retry-After`;
/// - otherwise exponential backoff with jitter: half the backoff fixed, half
///   scaled by the jitter sample.
///
/// ```
/// use clerk_m2m_types::driver::retry::{Outcome, RetryDecision};
/// use clerk_m2m_types::RetryPolicy;
/// use clerk_m2m_types::{Operation, RetryAfter};
/// use std::time::{Duration, SystemTime};
///
/// let policy = RetryPolicy::default();
/// let throttled = Outcome::Response {
///     status: http::StatusCode::TOO_MANY_REQUESTS,
///     retry_after: Some(RetryAfter::Seconds(2)),
/// };
/// let now = SystemTime::UNIX_EPOCH;
/// assert_eq!(
///     policy.decide(Operation::CreateToken, throttled, 1, now, Some(Duration::from_secs(10)), 0.5),
///     RetryDecision::RetryAfter(Duration::from_secs(2))
/// );
/// // Not enough time left to wait: stop now.
/// assert_eq!(
///     policy.decide(Operation::CreateToken, throttled, 1, now, Some(Duration::from_secs(1)), 0.5),
///     RetryDecision::Stop
/// );
/// // A wait past the cap (60 s by default) is not made, deadline or not.
/// let for_an_hour = Outcome::Response {
///     status: http::StatusCode::TOO_MANY_REQUESTS,
///     retry_after: Some(RetryAfter::Seconds(3600)),
/// };
/// assert_eq!(
///     policy.decide(Operation::CreateToken, for_an_hour, 1, now, None, 0.5),
///     RetryDecision::Stop
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts at most (1 = no retry; 0 is treated as 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff before the first retry (doubles each time).
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Upper bound of the backoff (`Retry-After` has its own:
    /// [`max_retry_after`](Self::max_retry_after)).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` waited for (default
    /// [`DEFAULT_MAX_RETRY_AFTER`], 60 s). An answer asking for a longer
    /// wait is returned as it is, [`ApiError::retry_after`](crate::ApiError::retry_after)
    /// included, so the caller decides whether to wait that long.
    /// `Duration::MAX` waits for any `Retry-After` (still within the
    /// call's deadline).
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// The configured attempt limit.
    pub fn attempt_limit(&self) -> u32 {
        self.max_attempts
    }

    /// The configured bound on a `Retry-After` wait.
    pub fn retry_after_limit(&self) -> Duration {
        self.max_retry_after
    }

    /// Decides after attempt number `attempt` (1-based) ended with `outcome`.
    ///
    /// `remaining` is the time left before the call's deadline (`None`: no
    /// deadline); `jitter` a random sample in `[0, 1)` (clamped).
    pub fn decide(
        &self,
        operation: Operation,
        outcome: Outcome<'_>,
        attempt: u32,
        now: SystemTime,
        remaining: Option<Duration>,
        jitter: f64,
    ) -> RetryDecision {
        if attempt >= self.max_attempts || !self.is_retryable(operation, outcome) {
            return RetryDecision::Stop;
        }
        let delay = match outcome {
            Outcome::Response {
                retry_after: Some(retry_after),
                ..
            } => {
                let delay = retry_after.delay_from(now);
                if delay > self.max_retry_after {
                    return RetryDecision::Stop;
                }
                delay
            }
            _ => self.backoff(attempt, jitter),
        };
        match remaining {
            Some(remaining) if delay >= remaining => RetryDecision::Stop,
            _ => RetryDecision::RetryAfter(delay),
        }
    }

    fn is_retryable(&self, operation: Operation, outcome: Outcome<'_>) -> bool {
        match outcome {
            Outcome::Response { status, .. } if operation.is_safe_to_resend() => {
                is_retryable_status(status)
            }
            Outcome::Response { status, .. } => status == StatusCode::TOO_MANY_REQUESTS,
            Outcome::Transport(error) if error.delivery() == Delivery::NotSent => true,
            Outcome::Transport(error) => {
                operation.is_safe_to_resend()
                    && matches!(
                        error.kind(),
                        TransportErrorKind::Connect
                            | TransportErrorKind::ConnectTimeout
                            | TransportErrorKind::Dns
                            | TransportErrorKind::Timeout
                            | TransportErrorKind::ConnectionLost
                    )
            }
        }
    }

    fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let full = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        full / 2 + (full / 2).mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TransportErrorKind as Kind;

    const NOW: SystemTime = SystemTime::UNIX_EPOCH;
    const LONG: Option<Duration> = Some(Duration::from_secs(60));

    fn status(code: u16) -> Outcome<'static> {
        Outcome::Response {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
        }
    }

    fn retries(operation: Operation, outcome: Outcome<'_>) -> bool {
        RetryPolicy::default().decide(operation, outcome, 1, NOW, LONG, 0.0) != RetryDecision::Stop
    }

    #[test]
    fn idempotent_calls_retry_transient_failures() {
        for operation in [
            Operation::ListTokens,
            Operation::VerifyToken,
            Operation::RevokeToken,
            Operation::FetchJwks,
        ] {
            for code in [429, 502, 503, 504] {
                assert!(retries(operation, status(code)), "{operation} {code}");
            }
            for code in [400, 401, 403, 404, 409, 422, 500] {
                assert!(!retries(operation, status(code)), "{operation} {code}");
            }
            for kind in [
                Kind::Connect,
                Kind::Timeout,
                Kind::ConnectionLost,
                Kind::ConnectTimeout,
            ] {
                assert!(retries(
                    operation,
                    Outcome::Transport(&TransportError::new(kind))
                ));
            }
            let too_large = TransportError::new(Kind::BodyTooLarge { limit: 1 });
            assert!(!retries(operation, Outcome::Transport(&too_large)));
        }
    }

    #[test]
    fn create_retries_only_what_was_not_processed() {
        let create = Operation::CreateToken;
        assert!(retries(create, status(429)));
        for code in [500, 502, 503, 504] {
            assert!(!retries(create, status(code)), "{code}");
        }
        assert!(retries(
            create,
            Outcome::Transport(&TransportError::new(Kind::Connect))
        ));
        assert!(retries(
            create,
            Outcome::Transport(&TransportError::new(Kind::Tls))
        ));
        for kind in [Kind::Timeout, Kind::ConnectionLost, Kind::Other] {
            assert!(
                !retries(create, Outcome::Transport(&TransportError::new(kind))),
                "{kind:?}"
            );
        }
        let unclassified = TransportError::other("custom transport failure");
        assert!(!retries(create, Outcome::Transport(&unclassified)));
        let classified_not_sent = TransportError::other("x").with_delivery(Delivery::NotSent);
        assert!(retries(create, Outcome::Transport(&classified_not_sent)));
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy::default();
        assert_ne!(
            policy.decide(Operation::ListTokens, status(503), 2, NOW, None, 0.0),
            RetryDecision::Stop
        );
        assert_eq!(
            policy.decide(Operation::ListTokens, status(503), 3, NOW, None, 0.0),
            RetryDecision::Stop
        );
        assert_eq!(
            RetryPolicy::never().decide(Operation::ListTokens, status(503), 1, NOW, None, 0.0),
            RetryDecision::Stop
        );
    }

    #[test]
    fn backoff_grows_with_jitter_inside_bounds() {
        let policy = RetryPolicy::default();
        let delay = |attempt, jitter| match policy.decide(
            Operation::ListTokens,
            status(503),
            attempt,
            NOW,
            None,
            jitter,
        ) {
            RetryDecision::RetryAfter(delay) => delay,
            RetryDecision::Stop => panic!("expected a retry"),
        };
        assert_eq!(delay(1, 0.0), Duration::from_millis(100));
        assert_eq!(
            delay(1, 0.999_999),
            Duration::from_millis(100) + Duration::from_millis(100).mul_f64(0.999_999)
        );
        assert_eq!(delay(2, 0.0), Duration::from_millis(200));
        assert_eq!(delay(1, f64::NAN), Duration::from_millis(100));
        let capped = RetryPolicy::default()
            .max_attempts(40)
            .max_delay(Duration::from_secs(1));
        assert_eq!(
            capped.decide(Operation::ListTokens, status(503), 30, NOW, None, 1.0),
            RetryDecision::RetryAfter(Duration::from_secs(1))
        );
    }

    #[test]
    fn retry_after_is_honoured_within_the_deadline() {
        let policy = RetryPolicy::default();
        let dated = Outcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(RetryAfter::At(NOW + Duration::from_secs(3))),
        };
        assert_eq!(
            policy.decide(Operation::VerifyToken, dated, 1, NOW, LONG, 0.5),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            policy.decide(
                Operation::VerifyToken,
                dated,
                1,
                NOW,
                Some(Duration::from_secs(2)),
                0.5
            ),
            RetryDecision::Stop
        );
    }

    fn throttled(retry_after: RetryAfter) -> Outcome<'static> {
        Outcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(retry_after),
        }
    }

    #[test]
    fn retry_after_up_to_the_cap_is_honoured_without_a_deadline() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.retry_after_limit(), DEFAULT_MAX_RETRY_AFTER);
        assert_eq!(
            policy.decide(
                Operation::CreateToken,
                throttled(RetryAfter::Seconds(60)),
                1,
                NOW,
                None,
                0.5
            ),
            RetryDecision::RetryAfter(Duration::from_secs(60))
        );
    }

    #[test]
    fn retry_after_past_the_cap_gives_up_at_once() {
        let policy = RetryPolicy::default();
        for (operation, outcome) in [
            (Operation::CreateToken, throttled(RetryAfter::Seconds(61))),
            (
                Operation::ListTokens,
                Outcome::Response {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    retry_after: Some(RetryAfter::Seconds(3600)),
                },
            ),
            (
                Operation::VerifyToken,
                throttled(RetryAfter::Seconds(u64::MAX)),
            ),
            (
                Operation::RevokeToken,
                throttled(RetryAfter::At(NOW + Duration::from_secs(2 * 3600))),
            ),
        ] {
            for remaining in [None, Some(Duration::MAX)] {
                assert_eq!(
                    policy.decide(operation, outcome, 1, NOW, remaining, 0.5),
                    RetryDecision::Stop,
                    "{operation} {outcome:?} {remaining:?}"
                );
            }
        }
    }

    #[test]
    fn the_retry_after_cap_is_configurable() {
        let short = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        assert_eq!(short.retry_after_limit(), Duration::from_secs(5));
        let decide = |policy: &RetryPolicy, seconds| {
            policy.decide(
                Operation::ListTokens,
                throttled(RetryAfter::Seconds(seconds)),
                1,
                NOW,
                None,
                0.0,
            )
        };
        assert_eq!(
            decide(&short, 5),
            RetryDecision::RetryAfter(Duration::from_secs(5))
        );
        assert_eq!(decide(&short, 6), RetryDecision::Stop);
        let patient = RetryPolicy::default().max_retry_after(Duration::MAX);
        assert_eq!(
            decide(&patient, 3600),
            RetryDecision::RetryAfter(Duration::from_secs(3600))
        );
        // The deadline still bounds it.
        assert_eq!(
            patient.decide(
                Operation::ListTokens,
                throttled(RetryAfter::Seconds(3600)),
                1,
                NOW,
                LONG,
                0.0
            ),
            RetryDecision::Stop
        );
    }

    #[test]
    fn machine_calls_retry_as_their_effects_allow() {
        let maybe_sent = [Kind::Timeout, Kind::ConnectionLost, Kind::Other];
        for operation in [
            Operation::ListMachines,
            Operation::GetMachine,
            Operation::UpdateMachine,
            Operation::GetMachineSecretKey,
        ] {
            for code in [429, 502, 503, 504] {
                assert!(retries(operation, status(code)), "{operation} {code}");
            }
            for code in [400, 401, 403, 404, 409, 422, 500] {
                assert!(!retries(operation, status(code)), "{operation} {code}");
            }
            for kind in [Kind::Timeout, Kind::ConnectionLost] {
                let error = TransportError::new(kind);
                assert!(
                    retries(operation, Outcome::Transport(&error)),
                    "{operation}"
                );
            }
        }
        for operation in [
            Operation::CreateMachine,
            Operation::RotateMachineSecretKey,
            Operation::DeleteMachine,
            Operation::AddMachineScope,
            Operation::RemoveMachineScope,
        ] {
            assert!(retries(operation, status(429)), "{operation}");
            for code in [400, 404, 409, 500, 502, 503, 504] {
                assert!(!retries(operation, status(code)), "{operation} {code}");
            }
            for kind in maybe_sent {
                let error = TransportError::new(kind);
                assert!(
                    !retries(operation, Outcome::Transport(&error)),
                    "{operation} {kind:?}"
                );
            }
            let refused = TransportError::new(Kind::Connect);
            assert!(
                retries(operation, Outcome::Transport(&refused)),
                "{operation}"
            );
            let not_sent = TransportError::other("x").with_delivery(Delivery::NotSent);
            assert!(
                retries(operation, Outcome::Transport(&not_sent)),
                "{operation}"
            );
        }
    }
}
