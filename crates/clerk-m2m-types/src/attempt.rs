//! How long one attempt may take: the part of the transport contract about time.

use crate::error::{Delivery, TransportError, TransportErrorKind};
use std::time::Duration;

/// The most time one attempt may take, from when the transport starts it to
/// the last byte of the answer: the time left before the call's deadline.
///
/// The clients attach it to every request they hand a transport, as an
/// [`http::Request`] extension (see
/// [`Call::next_attempt`](crate::call::Call::next_attempt)). A
/// transport honours it by ending the attempt, whatever the server does
/// (silent, slow to answer, dribbling or stalling the body), within the
/// budget, across all phases: connecting, sending, awaiting the head and
/// reading the body. Both built-in transports do, bounded by the smaller of
/// the budget and their own attempt timeout, so a blocking call ends at its
/// deadline.
///
/// A custom transport may ignore it: an async client still cuts a late
/// attempt off at the deadline, but a blocking client cannot interrupt a
/// blocking `send`, so there the transport's own timeouts bound the call.
///
/// ```
/// use clerk_m2m_types::AttemptBudget;
/// use std::time::Duration;
///
/// let mut request = http::Request::new(Vec::<u8>::new());
/// assert_eq!(AttemptBudget::of(&request), None);
/// request
///     .extensions_mut()
///     .insert(AttemptBudget::new(Duration::from_secs(2)));
/// assert_eq!(AttemptBudget::of(&request), Some(Duration::from_secs(2)));
/// // A transport with a 15 s attempt timeout gives this attempt 2 s:
/// let bound = AttemptBudget::tighter_bound(&request, Duration::from_secs(15))?;
/// assert_eq!(bound, Some(Duration::from_secs(2)));
/// # Ok::<(), clerk_m2m_types::TransportError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttemptBudget(Duration);

impl AttemptBudget {
    /// A budget of `remaining`.
    pub fn new(remaining: Duration) -> Self {
        Self(remaining)
    }

    /// The time the attempt may take.
    pub fn remaining(self) -> Duration {
        self.0
    }

    /// The budget `request` carries, if any.
    pub fn of<B>(request: &http::Request<B>) -> Option<Duration> {
        request
            .extensions()
            .get::<Self>()
            .map(|budget| budget.remaining())
    }

    /// How a transport whose own attempt timeout is `attempt_timeout`
    /// bounds an attempt at `request`:
    /// - `Ok(None)`: by its own timeout (no budget, or a longer one);
    /// - `Ok(Some(budget))`: by the budget, which is shorter;
    /// - `Err`: not at all: the budget is spent, so the request must not be
    ///   sent ([`TransportErrorKind::Timeout`](crate::TransportErrorKind::Timeout),
    ///   [`Delivery::NotSent`](crate::Delivery::NotSent)).
    pub fn tighter_bound<B>(
        request: &http::Request<B>,
        attempt_timeout: Duration,
    ) -> Result<Option<Duration>, TransportError> {
        match Self::of(request) {
            Some(Duration::ZERO) => Err(TransportError::new(TransportErrorKind::Timeout)
                .with_delivery(Delivery::NotSent)
                .with_source("the call deadline passed before the attempt started")),
            Some(budget) if budget < attempt_timeout => Ok(Some(budget)),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Call;
    use crate::{Config, VerifyTokenParams};
    use std::time::SystemTime;

    fn call(timeout: Option<Duration>) -> (Config, VerifyTokenParams) {
        let config = Config::builder()
            .machine_secret_key("ak_test_only")
            .build()
            .unwrap();
        let config = config
            .to_builder()
            .call_timeout(timeout.unwrap_or(Duration::MAX))
            .build()
            .unwrap();
        (config, VerifyTokenParams::new("mt_test_only"))
    }

    #[test]
    fn each_attempt_carries_the_time_left_before_the_deadline() {
        let (config, params) = call(Some(Duration::from_secs(30)));
        let start = SystemTime::UNIX_EPOCH;
        let mut call = Call::new(&config, &params, start).unwrap();
        let first = call.next_attempt(start).unwrap().request;
        assert_eq!(AttemptBudget::of(&first), Some(Duration::from_secs(30)));
        let later = call
            .next_attempt(start + Duration::from_millis(29_500))
            .unwrap()
            .request;
        assert_eq!(AttemptBudget::of(&later), Some(Duration::from_millis(500)));
        assert!(call.next_attempt(start + Duration::from_secs(31)).is_err());
        assert_eq!(call.attempts(), 2);
        assert_eq!(later.body(), first.body());
    }

    #[test]
    fn no_deadline_no_budget() {
        let (config, params) = call(None);
        let mut call = Call::new(&config, &params, SystemTime::UNIX_EPOCH).unwrap();
        let request = call.next_attempt(SystemTime::UNIX_EPOCH).unwrap().request;
        assert_eq!(AttemptBudget::of(&request), None);
        let bound = AttemptBudget::tighter_bound(&request, Duration::from_secs(15));
        assert_eq!(bound.unwrap(), None);
    }

    #[test]
    fn the_smaller_bound_wins_and_a_spent_budget_sends_nothing() {
        let with = |budget| {
            let mut request = http::Request::new(());
            request.extensions_mut().insert(AttemptBudget::new(budget));
            AttemptBudget::tighter_bound(&request, Duration::from_secs(15))
        };
        assert_eq!(with(Duration::from_secs(40)).unwrap(), None);
        assert_eq!(with(Duration::from_secs(15)).unwrap(), None);
        assert_eq!(
            with(Duration::from_millis(1)).unwrap(),
            Some(Duration::from_millis(1))
        );
        let spent = with(Duration::ZERO).unwrap_err();
        assert_eq!(spent.kind(), TransportErrorKind::Timeout);
        assert_eq!(spent.delivery(), Delivery::NotSent);
    }
}
