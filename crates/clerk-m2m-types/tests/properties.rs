//! Property tests: params that pass validation produce requests whose
//! bodies and queries read back to the same values; every endpoint's
//! `parse_response` takes any status, headers and body without panicking;
//! the retry policy never retries a create once it may have been sent, never
//! waits past the deadline and never exceeds the attempt limit.

use clerk_m2m_types::driver::call::{Call, Step};
use clerk_m2m_types::driver::retry::{Outcome, RetryDecision};
use clerk_m2m_types::{
    Config, CreateTokenParams, Delivery, Endpoint, ListTokensParams, Operation, RequestError,
    RetryAfter, RetryPolicy, RevokeTokenParams, TokenFormat, TransportError, TransportErrorKind,
    VerifyTokenParams,
};
use proptest::prelude::*;
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn config() -> Config {
    Config::builder()
        .machine_secret_key("ak_test_properties")
        .build()
        .unwrap()
}

fn body_json(request: &http::Request<Vec<u8>>) -> Value {
    serde_json::from_slice(request.body()).expect("request bodies are JSON")
}

/// JSON values a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |number| number.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((".{0,8}", inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn token_format() -> impl Strategy<Value = TokenFormat> {
    prop_oneof![Just(TokenFormat::Opaque), Just(TokenFormat::Jwt)]
}

fn machine_id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "mch_[A-Za-z0-9_]{27}",
        "mch_[A-Za-z0-9_]{0,30}",
        "[a-z]{2,4}_[A-Za-z0-9_.~%&=+ -]{0,30}",
        ".{0,40}",
    ]
}

/// Percent-decodes a query value (the inverse of the request builder's
/// encoding; a `+` stays a `+`).
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn create_params_that_pass_validation_read_back(
        format in token_format(),
        lifetime in proptest::option::of(0u64..=u64::MAX),
        claims in proptest::option::of(json_value()),
        min_ttl in proptest::option::of(0u64..=u64::MAX),
    ) {
        let mut params = CreateTokenParams::new().token_format(format.clone());
        if let Some(lifetime) = lifetime {
            params = params.seconds_until_expiration(lifetime);
        }
        if let Some(claims) = &claims {
            params = params.claims(claims.clone());
        }
        if let Some(min_ttl) = min_ttl {
            params = params.min_remaining_ttl_seconds(min_ttl);
        }
        match params.build_request(&config()) {
            Ok(request) => {
                let body = body_json(&request);
                let object = body.as_object().unwrap();
                prop_assert_eq!(&body["token_format"], format.as_str());
                prop_assert_eq!(&body["seconds_until_expiration"], &lifetime.map_or(Value::Null, Value::from));
                prop_assert_eq!(&body["claims"], claims.as_ref().unwrap_or(&Value::Null));
                if let Some(claims) = claims.as_ref().and_then(Value::as_object) {
                    let sent: Vec<&String> = body["claims"].as_object().unwrap().keys().collect();
                    let given: Vec<&String> = claims.keys().collect();
                    prop_assert_eq!(sent, given, "claim keys keep their order");
                }
                prop_assert_eq!(object.get("min_remaining_ttl_seconds").cloned(), min_ttl.map(Value::from));
                let keys: Vec<&str> = object.keys().map(String::as_str).collect();
                let expected: Vec<&str> = if min_ttl.is_some() {
                    vec!["seconds_until_expiration", "claims", "min_remaining_ttl_seconds", "token_format"]
                } else {
                    vec!["seconds_until_expiration", "claims", "token_format"]
                };
                prop_assert_eq!(keys, expected);
            }
            Err(error) => {
                let explained = match &error {
                    RequestError::ClaimsNotObject { .. } => claims.as_ref().is_some_and(|c| !c.is_object()),
                    RequestError::ZeroExpiration => lifetime == Some(0),
                    RequestError::MinRemainingTtlNotBelowExpiration { min_remaining_ttl_seconds, seconds_until_expiration } => {
                        Some(*min_remaining_ttl_seconds) == min_ttl
                            && Some(*seconds_until_expiration) == lifetime
                            && min_remaining_ttl_seconds >= seconds_until_expiration
                    }
                    _ => false,
                };
                prop_assert!(explained, "unexpected refusal {:?}", error);
            }
        }
    }

    #[test]
    fn list_params_that_pass_validation_read_back(
        subject in machine_id_like(),
        revoked in any::<bool>(),
        expired in any::<bool>(),
        limit in proptest::option::of(0u64..=200),
        offset in proptest::option::of(0u64..=u64::MAX),
    ) {
        let mut params = ListTokensParams::new(subject.clone()).revoked(revoked).expired(expired);
        if let Some(limit) = limit {
            params = params.limit(limit);
        }
        if let Some(offset) = offset {
            params = params.offset(offset);
        }
        match params.build_request(&config()) {
            Ok(request) => {
                prop_assert!(clerk_m2m_types::is_machine_id(&subject));
                prop_assert!(request.body().is_empty());
                let query = request.uri().query().unwrap();
                let pairs: Vec<(String, String)> = query
                    .split('&')
                    .map(|pair| {
                        let (name, value) = pair.split_once('=').unwrap();
                        (name.to_owned(), percent_decode(value))
                    })
                    .collect();
                let mut expected = vec![("subject".to_owned(), subject.clone())];
                if revoked {
                    expected.push(("revoked".into(), "true".into()));
                }
                if expired {
                    expected.push(("expired".into(), "true".into()));
                }
                if let Some(limit) = limit {
                    expected.push(("limit".into(), limit.to_string()));
                }
                if let Some(offset) = offset.filter(|offset| *offset > 0) {
                    expected.push(("offset".into(), offset.to_string()));
                }
                prop_assert_eq!(pairs, expected);
            }
            Err(RequestError::EmptySubject) => prop_assert!(subject.is_empty()),
            Err(RequestError::InvalidMachineId { field, length, .. }) => {
                prop_assert!(!clerk_m2m_types::is_machine_id(&subject));
                prop_assert_eq!((field, length), ("subject", subject.len()));
            }
            Err(RequestError::LimitOutOfRange { limit: refused }) => {
                prop_assert_eq!(Some(refused), limit);
                prop_assert!(!(1..=100).contains(&refused));
            }
            Err(other) => prop_assert!(false, "unexpected refusal {:?}", other),
        }
    }

    #[test]
    fn revoke_and_verify_params_that_pass_validation_read_back(
        id in prop_oneof!["mt_[0-9a-fA-F]{32}", ".{0,40}"],
        reason in proptest::option::of(".{0,40}"),
        token in ".{0,60}",
    ) {
        let mut revoke = RevokeTokenParams::new(id.clone());
        if let Some(reason) = &reason {
            revoke = revoke.revocation_reason(reason.clone());
        }
        match revoke.build_request(&config()) {
            Ok(request) => {
                prop_assert!(clerk_m2m_types::is_token_id(&id));
                prop_assert_eq!(request.uri().path(), format!("/m2m_tokens/{id}/revoke"));
                prop_assert_eq!(body_json(&request), serde_json::json!({"revocation_reason": reason}));
            }
            Err(error) => {
                prop_assert!(matches!(error, RequestError::InvalidTokenId { .. }), "{:?}", error);
                prop_assert!(!clerk_m2m_types::is_token_id(&id));
            }
        }
        match VerifyTokenParams::new(token.clone()).build_request(&config()) {
            Ok(request) => prop_assert_eq!(body_json(&request), serde_json::json!({"token": token})),
            Err(error) => {
                prop_assert_eq!(error, RequestError::EmptyToken);
                prop_assert!(token.is_empty());
            }
        }
    }
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        Just("application/json".to_owned()),
        Just("application/json; charset=utf-8".to_owned()),
        Just("application/problem+json".to_owned()),
        Just("text/html".to_owned()),
        "[ -~]{0,30}",
    ])
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        json_value().prop_map(|value| value.to_string().into_bytes()),
        (json_value(), json_value()).prop_map(|(errors, items)| {
            serde_json::json!({
                "errors": [{"code": errors, "message": "m", "meta": items}],
                "clerk_trace_id": "t",
                "data": [items],
                "m2m_tokens": [],
                "total_count": 1,
                "id": "mt_0123456789abcdef0123456789abcdef",
                "subject": "mch_1",
                "created_at": 1,
                "updated_at": 1,
            })
            .to_string()
            .into_bytes()
        }),
    ]
}

fn response(
    status: u16,
    content_type: &Option<String>,
    retry_after: &Option<String>,
    body: &[u8],
) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
    if let Some(value) = content_type
        .as_deref()
        .and_then(|v| http::HeaderValue::from_str(v).ok())
    {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    if let Some(value) = retry_after
        .as_deref()
        .and_then(|v| http::HeaderValue::from_str(v).ok())
    {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, value);
    }
    response
}

fn check_parse<E: Endpoint>(
    status: u16,
    content_type: &Option<String>,
    retry_after: &Option<String>,
    body: &[u8],
) -> Result<(), TestCaseError> {
    let result = E::parse_response(response(status, content_type, retry_after, body));
    match result {
        Ok(_) => prop_assert!((200..300).contains(&status)),
        Err(error) => {
            prop_assert_eq!(error.status().as_u16(), status);
            let _ = (error.to_string(), format!("{error:?}"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn parse_response_never_panics(
        status in 100u16..=999,
        content_type in content_type(),
        retry_after in proptest::option::of(prop_oneof!["[0-9]{1,25}", "[ -~]{0,30}"]),
        body in body(),
    ) {
        check_parse::<CreateTokenParams>(status, &content_type, &retry_after, &body)?;
        check_parse::<ListTokensParams>(status, &content_type, &retry_after, &body)?;
        check_parse::<RevokeTokenParams>(status, &content_type, &retry_after, &body)?;
        check_parse::<VerifyTokenParams>(status, &content_type, &retry_after, &body)?;
    }
}

fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        Just(Operation::CreateToken),
        Just(Operation::ListTokens),
        Just(Operation::RevokeToken),
        Just(Operation::VerifyToken),
    ]
}

/// A transport failure as its parts (`TransportError` is not `Clone`).
#[derive(Clone, Copy, Debug)]
struct Failure {
    kind: TransportErrorKind,
    delivery: Option<Delivery>,
}

impl Failure {
    fn error(self) -> TransportError {
        let error = TransportError::new(self.kind);
        match self.delivery {
            Some(delivery) => error.with_delivery(delivery),
            None => error,
        }
    }
}

fn failure() -> impl Strategy<Value = Failure> {
    let kind = prop_oneof![
        Just(TransportErrorKind::Dns),
        Just(TransportErrorKind::Connect),
        Just(TransportErrorKind::ConnectTimeout),
        Just(TransportErrorKind::Tls),
        Just(TransportErrorKind::Timeout),
        Just(TransportErrorKind::ConnectionLost),
        Just(TransportErrorKind::BodyTooLarge { limit: 10 }),
        Just(TransportErrorKind::Protocol),
        Just(TransportErrorKind::Other),
    ];
    let delivery = proptest::option::of(prop_oneof![
        Just(Delivery::NotSent),
        Just(Delivery::MaybeSent)
    ]);
    (kind, delivery).prop_map(|(kind, delivery)| Failure { kind, delivery })
}

fn retry_after() -> impl Strategy<Value = Option<RetryAfter>> {
    proptest::option::of(prop_oneof![
        any::<u64>().prop_map(RetryAfter::Seconds),
        (0u64..4_000_000_000)
            .prop_map(|seconds| RetryAfter::At(UNIX_EPOCH + Duration::from_secs(seconds))),
    ])
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (
        0u32..8,
        0u64..10_000,
        0u64..100_000,
        proptest::option::of(0u64..200_000),
    )
        .prop_map(|(attempts, base, max, max_retry_after)| {
            let policy = RetryPolicy::default()
                .max_attempts(attempts)
                .base_delay(Duration::from_millis(base))
                .max_delay(Duration::from_millis(max));
            match max_retry_after {
                Some(limit) => policy.max_retry_after(Duration::from_millis(limit)),
                None => policy,
            }
        })
}

/// One attempt's end: an answer (status, Retry-After) or a transport failure.
#[derive(Clone, Debug)]
enum Ending {
    Answer(u16, Option<RetryAfter>),
    Failure(Failure),
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        (
            prop_oneof![
                Just(429u16),
                Just(500),
                Just(502),
                Just(503),
                Just(504),
                100u16..=599
            ],
            retry_after()
        )
            .prop_map(|(status, retry_after)| Ending::Answer(status, retry_after)),
        failure().prop_map(Ending::Failure),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn retry_decisions_respect_create_the_deadline_and_the_limit(
        operation in operation(),
        ending in ending(),
        policy in policy(),
        attempt in 1u32..12,
        now_seconds in 0u64..4_000_000_000,
        remaining in proptest::option::of(0u64..1_000_000),
        jitter in prop_oneof![any::<f64>(), 0.0f64..1.0],
    ) {
        let now = UNIX_EPOCH + Duration::from_secs(now_seconds);
        let remaining = remaining.map(Duration::from_millis);
        let failure_error = match &ending {
            Ending::Failure(failure) => Some(failure.error()),
            Ending::Answer(..) => None,
        };
        let (outcome, may_have_been_processed) = match (&ending, &failure_error) {
            (Ending::Answer(status, retry_after), _) => (
                Outcome::Response { status: http::StatusCode::from_u16(*status).unwrap(), retry_after: *retry_after },
                *status != 429,
            ),
            (Ending::Failure(_), Some(error)) => (Outcome::Transport(error), error.delivery() == Delivery::MaybeSent),
            (Ending::Failure(_), None) => unreachable!("built above"),
        };
        let decision = policy.decide(operation, outcome, attempt, now, remaining, jitter);
        if let RetryDecision::RetryAfter(delay) = decision {
            prop_assert!(attempt < policy.attempt_limit(), "retry after attempt {} of {}", attempt, policy.attempt_limit());
            if operation == Operation::CreateToken {
                prop_assert!(!may_have_been_processed, "create retried after {:?}", ending);
            }
            if let Some(remaining) = remaining {
                prop_assert!(delay < remaining, "waits {:?} with {:?} left", delay, remaining);
            }
            if let Ending::Answer(_, Some(_)) = ending {
                prop_assert!(delay <= policy.retry_after_limit(), "waits {:?} for a Retry-After past the cap", delay);
            }
        }
    }

    #[test]
    fn a_call_ends_within_its_attempts_and_deadline(
        operation in operation(),
        endings in prop::collection::vec((ending(), 0u64..20_000), 1..12),
        policy in policy(),
        timeout in proptest::option::of(0u64..120_000),
    ) {
        let start = UNIX_EPOCH + Duration::from_secs(1_716_880_000);
        let timeout = timeout.map(Duration::from_millis);
        match operation {
            Operation::CreateToken => drive(&CreateTokenParams::new(), &endings, &policy, start, timeout)?,
            Operation::ListTokens => drive(&ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"), &endings, &policy, start, timeout)?,
            Operation::RevokeToken => drive(&RevokeTokenParams::new("mt_f7f0ba8c3b4843ce7d85fcdd5e71853e"), &endings, &policy, start, timeout)?,
            _ => drive(&VerifyTokenParams::new("mt_value"), &endings, &policy, start, timeout)?,
        }
    }
}

fn drive<E: Endpoint>(
    params: &E,
    endings: &[(Ending, u64)],
    policy: &RetryPolicy,
    start: SystemTime,
    timeout: Option<Duration>,
) -> Result<(), TestCaseError> {
    let config = config()
        .to_builder()
        .retry_policy(policy.clone())
        .call_timeout(timeout.unwrap_or(Duration::MAX))
        .build()
        .unwrap();
    let mut call = Call::new(&config, params, start).unwrap();
    let deadline = timeout.map(|timeout| start + timeout);
    let mut now = start;
    let mut sent_maybe_processed = false;
    for (ending, elapsed_ms) in endings {
        if call.next_attempt(now).is_err() {
            // The deadline passed: no attempt starts.
            prop_assert!(deadline.is_some_and(|deadline| now >= deadline));
            break;
        }
        now += Duration::from_millis(*elapsed_ms);
        let result = match ending {
            Ending::Answer(status, retry_after) => {
                sent_maybe_processed |= *status != 429;
                let value = retry_after.map(|retry_after| match retry_after {
                    RetryAfter::Seconds(seconds) => seconds.to_string(),
                    RetryAfter::At(moment) => httpdate::fmt_http_date(moment),
                    _ => String::new(),
                });
                Ok(response(*status, &None, &value, b""))
            }
            Ending::Failure(failure) => {
                let error = failure.error();
                sent_maybe_processed |= error.delivery() == Delivery::MaybeSent;
                Err(error)
            }
        };
        match call.handle(result, now, 0.5) {
            Step::Done(_) => break,
            Step::RetryAfter(delay) => {
                prop_assert!(call.attempts() < policy.attempt_limit());
                if E::OPERATION == Operation::CreateToken {
                    prop_assert!(
                        !sent_maybe_processed,
                        "create retried after it may have been sent"
                    );
                }
                if let Some(deadline) = deadline {
                    prop_assert!(now + delay < deadline, "the wait ends past the deadline");
                }
                // Deadline or not, no wait is longer than the policy allows.
                // (The strategy's backoff bound is under 100 s.)
                let longest = policy.retry_after_limit().max(Duration::from_secs(100));
                prop_assert!(delay <= longest, "waits {:?}, past {:?}", delay, longest);
                now += delay;
            }
        }
    }
    prop_assert!(call.attempts() <= policy.attempt_limit());
    Ok(())
}
