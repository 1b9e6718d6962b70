//! `Retry-After` parsing and the retry policy, driven through the call state
//! machine with any sequence of answers and failures.
//!
//! Input lines: first `<operation c|l|r|v> <max attempts> <timeout ms or ->
//! <base delay ms> <max delay ms> [<max Retry-After ms>]`, then one attempt
//! per line:
//! `s <status> <elapsed ms> <Retry-After value…>` for an answer, or
//! `t <kind 0-8> <delivery n|m|-> <elapsed ms>` for a transport failure.
//!
//! Oracles: a create is never retried after it may have been sent (a
//! transport failure that may have been sent, or any answer but 429); no
//! wait ends at or past the deadline; deadline or not, no wait is longer
//! than the larger of the backoff bound and the `Retry-After` cap; attempts
//! never exceed the limit; a delay-seconds `Retry-After` parses to exactly
//! its number.
#![no_main]

use clerk_m2m_types::driver::call::{Call, Step};
use clerk_m2m_types::{
    Config, CreateTokenParams, Delivery, Endpoint, ListTokensParams, RetryAfter, RetryPolicy,
    RevokeTokenParams, TransportError, TransportErrorKind, VerifyTokenParams,
};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const KINDS: [TransportErrorKind; 9] = [
    TransportErrorKind::Dns,
    TransportErrorKind::Connect,
    TransportErrorKind::ConnectTimeout,
    TransportErrorKind::Tls,
    TransportErrorKind::Timeout,
    TransportErrorKind::ConnectionLost,
    TransportErrorKind::BodyTooLarge { limit: 1024 },
    TransportErrorKind::Protocol,
    TransportErrorKind::Other,
];

struct Setup {
    policy: RetryPolicy,
    timeout: Option<Duration>,
    /// The policy's backoff bound.
    max_delay: Duration,
}

fn number(word: Option<&str>) -> u64 {
    word.and_then(|word| word.parse().ok()).unwrap_or(0)
}

fn check_retry_after(value: &str) {
    let parsed = RetryAfter::parse(value);
    let trimmed = value.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
        assert_eq!(parsed, trimmed.parse().ok().map(RetryAfter::Seconds));
    }
    if let Some(parsed) = parsed {
        let _ = parsed.delay_from(UNIX_EPOCH);
        let _ = parsed.delay_from(UNIX_EPOCH + Duration::from_secs(1 << 34));
    }
}

fn drive<E: Endpoint>(params: &E, setup: &Setup, attempts: &[&str]) {
    let config = Config::builder()
        .machine_secret_key("ak_test_fuzz")
        .retry_policy(setup.policy.clone())
        .call_timeout(setup.timeout.unwrap_or(Duration::MAX))
        .build()
        .expect("a static config");
    let start = UNIX_EPOCH + Duration::from_secs(1_716_880_000);
    let deadline: Option<SystemTime> = setup.timeout.map(|timeout| start + timeout);
    let limit = setup.policy.attempt_limit();
    let is_create = E::OPERATION == clerk_m2m_types::Operation::CreateToken;
    let mut call = Call::new(&config, params, start).expect("valid params");
    let mut now = start;
    for (index, line) in attempts.iter().enumerate() {
        if call.next_attempt(now).is_err() {
            // No attempt starts past the deadline.
            assert!(deadline.is_some_and(|deadline| now >= deadline));
            break;
        }
        let mut words = line.splitn(4, ' ');
        let tag = words.next();
        let (result, may_have_been_processed) = match tag {
            Some("t") => {
                let kind = KINDS[number(words.next()) as usize % KINDS.len()];
                let mut error = TransportError::new(kind);
                match words.next() {
                    Some("n") => error = error.with_delivery(Delivery::NotSent),
                    Some("m") => error = error.with_delivery(Delivery::MaybeSent),
                    _ => {}
                }
                let maybe_sent = error.delivery() == Delivery::MaybeSent;
                now += Duration::from_millis(number(words.next()) % 120_000);
                (Err(error), maybe_sent)
            }
            _ => {
                let status = http::StatusCode::from_u16(number(words.next()) as u16)
                    .unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE);
                now += Duration::from_millis(number(words.next()) % 120_000);
                let mut response = http::Response::new(Vec::new());
                *response.status_mut() = status;
                if let Some(value) = words.next() {
                    check_retry_after(value);
                    if let Ok(value) = http::HeaderValue::from_str(value) {
                        response
                            .headers_mut()
                            .insert(http::header::RETRY_AFTER, value);
                    }
                }
                (Ok(response), status != http::StatusCode::TOO_MANY_REQUESTS)
            }
        };
        let jitter = (index as f64 * 0.377).fract();
        match call.handle(result, now, jitter) {
            Step::Done(_) => break,
            Step::RetryAfter(delay) => {
                assert!(call.attempts() < limit, "retried past the attempt limit");
                if is_create {
                    assert!(
                        !may_have_been_processed,
                        "create retried after it may have been sent"
                    );
                }
                if let Some(deadline) = deadline {
                    assert!(now + delay < deadline, "waits past the deadline");
                }
                let longest = setup.max_delay.max(setup.policy.retry_after_limit());
                assert!(delay <= longest, "waits {delay:?}, longer than {longest:?}");
                // A cap of `Duration::MAX` may still lie beyond any clock.
                match now.checked_add(delay) {
                    Some(later) => now = later,
                    None => break,
                }
            }
        }
    }
    assert!(call.attempts() <= limit);
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let mut lines = text.lines();
    let mut first = lines.next().unwrap_or_default().split(' ');
    let operation = first.next().unwrap_or_default();
    let max_attempts = (number(first.next()) % 12) as u32;
    let timeout = match first.next() {
        Some("-") | None => None,
        Some(ms) => Some(Duration::from_millis(number(Some(ms)) % 600_000)),
    };
    let base_delay = Duration::from_millis(number(first.next()) % 60_000);
    let max_delay = Duration::from_millis(number(first.next()) % 600_000);
    let mut policy = RetryPolicy::default()
        .max_attempts(max_attempts)
        .base_delay(base_delay)
        .max_delay(max_delay);
    match first.next() {
        Some("-") => policy = policy.max_retry_after(Duration::MAX),
        Some(ms) => policy = policy.max_retry_after(Duration::from_millis(number(Some(ms)))),
        None => {}
    }
    let setup = Setup {
        policy,
        timeout,
        max_delay,
    };
    let attempts: Vec<&str> = lines.take(16).collect();
    match operation {
        "c" => drive(&CreateTokenParams::new(), &setup, &attempts),
        "l" => drive(
            &ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"),
            &setup,
            &attempts,
        ),
        "r" => drive(
            &RevokeTokenParams::new("mt_f7f0ba8c3b4843ce7d85fcdd5e71853e"),
            &setup,
            &attempts,
        ),
        _ => drive(&VerifyTokenParams::new("mt_fuzz"), &setup, &attempts),
    }
});
