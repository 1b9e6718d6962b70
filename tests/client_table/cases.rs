//! The table: the exact requests each call sends, and the typed result or
//! error for every kind of answer, one row a behaviour, played by both
//! clients.

use crate::drivers::Call;
use crate::support::{Reply, TOKEN_JSON};
use crate::table::{standard, Case, Expect, Step, Wire};
use clerk_m2m::{
    CreateTokenParams, Delivery, Error, ListTokensParams, RetryPolicy, RevokeTokenParams,
    TokenFormat, TransportErrorKind, VerifyTokenParams,
};
use clerk_m2m::{RetryAfter, TransportSettings};
use serde_json::json;
use std::time::{Duration, SystemTime};

const TOKEN_ID: &str = "mt_0123456789abcdef0123456789abcdef";
const TOKEN_VALUE: &str = "mt_opaquetokenvalue0123456789abcdefghijklmnopqrstuv";
const MACHINE: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const LIST_JSON: &str = r#"{"m2m_tokens":[{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":[],"claims":{"role":"reader"},"revoked":false,"revocation_reason":null,"expired":false,"expiration":1716883200000,"last_used_at":1716880000000,"created_at":1716879600000,"updated_at":1716879600000}],"total_count":1}"#;
const DEFAULT_CREATE_BODY: &str =
    r#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#;
const HTML_502: &[u8] =
    b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>";
const TOO_MANY: &str = r#"{"errors":[{"code":"too_many_requests","message":"slow down"}]}"#;
const ONE_MIB: usize = 1024 * 1024;

fn create() -> Call {
    Call::Create(CreateTokenParams::new())
}

fn list() -> Call {
    Call::List(ListTokensParams::new(MACHINE))
}

fn verify() -> Call {
    Call::Verify(VerifyTokenParams::new("mt_value"))
}

fn revoke() -> Call {
    Call::Revoke(RevokeTokenParams::new(TOKEN_ID))
}

/// A client whose retries wait 10 ms instead of 200 ms, to keep cases quick.
fn quick(url: &str) -> clerk_m2m::ConfigBuilder {
    standard(url).retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(10)))
}

fn attempt_timeout(timeout: Duration) -> TransportSettings {
    TransportSettings::builder()
        .attempt_timeout(timeout)
        .build()
        .expect("transport settings")
}

fn transport_kind(error: &Error) -> TransportErrorKind {
    error
        .transport_error()
        .unwrap_or_else(|| panic!("expected a transport error, got {error:?}"))
        .kind()
}

fn delivery(error: &Error) -> Delivery {
    error
        .transport_error()
        .unwrap_or_else(|| panic!("expected a transport error, got {error:?}"))
        .delivery()
}

/// An API error with this status, Clerk code and attempt count.
fn assert_api(error: &Error, status: u16, code: Option<&str>, attempts: u32) {
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    assert_eq!(
        error.status().map(|s| s.as_u16()),
        Some(status),
        "{error:?}"
    );
    assert_eq!(error.code(), code);
    assert_eq!(error.attempts(), attempts, "attempts of {error:?}");
}

/// A transport error of this kind, delivery and attempt count.
fn assert_transport(error: &Error, kind: TransportErrorKind, sent: Delivery, attempts: u32) {
    assert_eq!(transport_kind(error), kind, "{error:?}");
    assert_eq!(delivery(error), sent, "{error:?}");
    assert_eq!(error.attempts(), attempts, "attempts of {error:?}");
}

/// Every case of the table.
pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(wire_cases());
    cases.extend(api_error_cases());
    cases.extend(transport_cases());
    cases
}

/// Create, list, revoke and verify: the bytes on the wire and the answer.
fn wire_cases() -> Vec<Case> {
    let token = || Reply::json(201, TOKEN_JSON);
    let create_sends = |name: &str, params: CreateTokenParams, body: &'static str| {
        Case::always(name, token())
            .ok(Call::Create(params), |_| {})
            .wire(vec![Wire::create(body)])
    };
    vec![
        Case::always("create: the default opaque token", token())
            .ok(create(), |answer| {
                let token = answer.token();
                assert_eq!(token.id, TOKEN_ID);
                assert_eq!(token.subject, MACHINE);
                assert_eq!(
                    token.token.as_ref().map(|value| value.expose_secret()),
                    Some(TOKEN_VALUE)
                );
                assert_eq!(token.expiration, None);
                assert!(!token.revoked);
            })
            .wire(vec![Wire::create(DEFAULT_CREATE_BODY)]),
        create_sends(
            "create: a JWT",
            CreateTokenParams::new().token_format(TokenFormat::Jwt),
            r#"{"seconds_until_expiration":null,"claims":null,"token_format":"jwt"}"#,
        ),
        Case::always("create: with a per-call machine secret key", token())
            .ok(
                Call::Create(CreateTokenParams::new().machine_secret_key("ak_test_other_machine")),
                |_| {},
            )
            .wire(vec![
                Wire::create(DEFAULT_CREATE_BODY).key("ak_test_other_machine")
            ]),
        create_sends(
            "create: expiry and camelCase nested claims",
            CreateTokenParams::new()
                .seconds_until_expiration(3600)
                .claims(json!({
                    "role": "reader",
                    "tenantId": "t_42",
                    "permissionSet": {"canRead": true, "maxItems": 10, "subScopes": ["a", "b"]}
                })),
            r#"{"seconds_until_expiration":3600,"claims":{"role":"reader","tenantId":"t_42","permissionSet":{"canRead":true,"maxItems":10,"subScopes":["a","b"]}},"token_format":"opaque"}"#,
        ),
        // The exact body also shows `seconds_until_expiration` sent as an
        // explicit null and `min_remaining_ttl_seconds` left out.
        create_sends(
            "create: explicit nulls",
            CreateTokenParams::new().claims(json!({"optionalField": null})),
            r#"{"seconds_until_expiration":null,"claims":{"optionalField":null},"token_format":"opaque"}"#,
        ),
        create_sends(
            "create: min_remaining_ttl_seconds",
            CreateTokenParams::new()
                .seconds_until_expiration(600)
                .min_remaining_ttl_seconds(60),
            r#"{"seconds_until_expiration":600,"claims":null,"min_remaining_ttl_seconds":60,"token_format":"opaque"}"#,
        ),
        Case::always("invalid params never reach the server", token())
            .err(Call::Revoke(RevokeTokenParams::new(TOKEN_VALUE)), |error| {
                assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
                assert_eq!(error.attempts(), 0);
            })
            .err(
                Call::Create(CreateTokenParams::new().seconds_until_expiration(0)),
                |error| assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}"),
            )
            .requests(0),
        Case::always("list: without filters", Reply::json(200, LIST_JSON))
            .ok(list(), |answer| {
                let list = answer.list();
                assert_eq!(list.total_count, 1);
                assert_eq!(list.tokens[0].id, TOKEN_ID);
                assert_eq!(list.tokens[0].expiration, Some(1_716_883_200_000));
                assert_eq!(list.tokens[0].last_used_at, Some(1_716_880_000_000));
                assert!(list.tokens[0].token.is_none());
            })
            .wire(vec![Wire::list(format!("subject={MACHINE}"))]),
        Case::always(
            "list: with filters, in the `data` shape",
            Reply::json(200, &LIST_JSON.replace("m2m_tokens", "data")),
        )
        .ok(
            Call::List(
                ListTokensParams::new(MACHINE)
                    .revoked(true)
                    .expired(true)
                    .limit(20)
                    .offset(40),
            ),
            |answer| {
                assert_eq!(answer.list().tokens.len(), 1);
                assert_eq!(answer.list().total_count, 1);
            },
        )
        .wire(vec![Wire::list(format!(
            "subject={MACHINE}&revoked=true&expired=true&limit=20&offset=40"
        ))]),
        Case::always(
            "list: false and zero filters are dropped",
            Reply::json(200, LIST_JSON),
        )
        .ok(
            Call::List(
                ListTokensParams::new(MACHINE)
                    .revoked(false)
                    .expired(false)
                    .offset(0),
            ),
            |_| {},
        )
        .wire(vec![Wire::list(format!("subject={MACHINE}"))]),
        Case::always(
            "revoke: without and with a reason",
            Reply::json(200, TOKEN_JSON),
        )
        .ok(revoke(), |_| {})
        .ok(
            Call::Revoke(RevokeTokenParams::new(TOKEN_ID).revocation_reason("compromised")),
            |_| {},
        )
        .wire(vec![
            Wire::revoke(TOKEN_ID, r#"{"revocation_reason":null}"#),
            Wire::revoke(TOKEN_ID, r#"{"revocation_reason":"compromised"}"#),
        ]),
        Case::always("verify: posts the token", Reply::json(200, TOKEN_JSON))
            .ok(
                Call::Verify(VerifyTokenParams::new(TOKEN_VALUE)),
                |answer| assert_eq!(answer.token().subject, MACHINE),
            )
            .wire(vec![Wire::verify(TOKEN_VALUE)]),
        Case::always("verify: with a per-call key", Reply::json(200, TOKEN_JSON))
            .ok(
                Call::Verify(
                    VerifyTokenParams::new(TOKEN_VALUE).machine_secret_key("ak_test_receiver"),
                ),
                |_| {},
            )
            .wire(vec![Wire::verify(TOKEN_VALUE).key("ak_test_receiver")]),
        Case::always(
            "the version header and the path prefix are configurable",
            Reply::json(200, TOKEN_JSON),
        )
        .settings(|url| {
            clerk_m2m::Config::builder()
                .base_url(format!("{url}/"))
                .secret_key("sk_test_instance")
                .api_version("2025-04-10")
                .m2m_path_prefix("/v1")
        })
        .ok(verify(), |_| {})
        .wire(vec![Wire::verify("mt_value")
            .path("/v1/m2m_tokens/verify")
            .key("sk_test_instance")
            .api_version("2025-04-10")]),
        Case::always(
            "calls reuse one pooled connection",
            Reply::json(200, TOKEN_JSON),
        )
        .ok(verify(), |_| {})
        .ok(verify(), |_| {})
        .ok(verify(), |_| {})
        .requests(3)
        .connections(1),
        Case::always(
            "a client is shared between threads",
            Reply::json(200, TOKEN_JSON),
        )
        .step(Step::Concurrently(
            vec![verify(), verify(), verify(), verify()],
            Expect::Ok(Box::new(|answer| assert_eq!(answer.token().id, TOKEN_ID))),
        ))
        .requests(4),
        // The blocking client has no runtime of its own: it blocks the
        // runtime's thread and returns, no panic.
        Case::always(
            "works from inside an async runtime",
            Reply::json(200, TOKEN_JSON),
        )
        .step(Step::CallFromAsyncContext(
            verify(),
            Expect::Ok(Box::new(|answer| assert_eq!(answer.token().id, TOKEN_ID))),
        )),
    ]
}

/// What Clerk answered, typed: API errors, `Retry-After`, bodies that do not
/// parse.
fn api_error_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (status, code) in [
        (400, "form_param_invalid"),
        (401, "machine_secret_key_invalid"),
        (403, "authorization_invalid"),
        (404, "resource_not_found"),
        (409, "duplicate_record"),
        (422, "form_param_value_invalid"),
    ] {
        let body = format!(
            r#"{{"errors":[{{"message":"short {status}","long_message":"long {status}","code":"{code}","meta":{{"param_name":"p{status}"}}}}],"clerk_trace_id":"trace-{status}"}}"#
        );
        // Each status on one call of its own, and every one of them on verify.
        let calls = match status {
            409 => vec![create()],
            400 => vec![list(), verify()],
            403 => vec![revoke(), verify()],
            _ => vec![verify()],
        };
        for call in calls {
            let name = format!("a {status} keeps everything Clerk sent ({})", call.name());
            cases.push(
                Case::always(name, Reply::json(status, &body)).err(call, move |error| {
                    assert_api(error, status, Some(code), 1);
                    assert_eq!(error.trace_id(), Some(&*format!("trace-{status}")));
                    let api = error.api_error().unwrap();
                    assert!(!api.is_retryable());
                    assert_eq!(api.errors()[0].message, format!("short {status}"));
                    assert_eq!(
                        api.errors()[0].long_message.as_deref(),
                        Some(&*format!("long {status}"))
                    );
                    assert_eq!(
                        api.errors()[0].meta.as_ref().unwrap()["param_name"],
                        format!("p{status}")
                    );
                    assert!(error.to_string().contains("after 1 attempt"), "{error}");
                }),
            );
        }
    }
    cases.extend([
        Case::always(
            "the trace id falls back to cf-ray",
            Reply::json(
                404,
                r#"{"errors":[{"code":"resource_not_found","message":"nope"}]}"#,
            )
            .header("cf-ray", "8a1b2c3d4e5f-AMS"),
        )
        .err(verify(), |error| {
            assert_eq!(error.code(), Some("resource_not_found"));
            assert_eq!(error.trace_id(), Some("8a1b2c3d4e5f-AMS"));
        }),
        Case::always(
            "a JSON error with a charset parameter is parsed",
            Reply::with(
                422,
                "application/json; charset=utf-8",
                br#"{"errors":[{"code":"form_param_value_invalid","message":"bad limit"}],"clerk_trace_id":"t"}"#,
            ),
        )
        .err(list(), |error| {
            assert_eq!(error.code(), Some("form_param_value_invalid"));
            assert_eq!(error.trace_id(), Some("t"));
        }),
        Case::always(
            "a success with a charset parameter is parsed",
            Reply::with(
                200,
                "application/json; charset=utf-8",
                TOKEN_JSON.as_bytes(),
            ),
        )
        .ok(verify(), |answer| assert_eq!(answer.token().id, TOKEN_ID)),
        Case::new(
            "a 429 with Retry-After seconds is waited out, even for create",
            vec![Reply::json(429, TOO_MANY).header("retry-after", "1")],
            Reply::json(200, TOKEN_JSON),
        )
        .ok(create(), |answer| assert_eq!(answer.token().id, TOKEN_ID))
        .took(Duration::from_secs(1), Duration::from_secs(10))
        // "Retried once", and the same bytes both times.
        .wire(vec![
            Wire::create(DEFAULT_CREATE_BODY),
            Wire::create(DEFAULT_CREATE_BODY),
        ]),
        Case::always(
            "a 429 waiting past the deadline is returned at once",
            Reply::json(429, TOO_MANY).header("retry-after", "120"),
        )
        .err(create(), |error| {
            assert_api(error, 429, Some("too_many_requests"), 1);
            let api = error.api_error().unwrap();
            assert_eq!(api.retry_after(), Some(RetryAfter::Seconds(120)));
            assert!(api.is_retryable());
        })
        .took(Duration::ZERO, Duration::from_secs(5)),
        Case::always(
            "a Retry-After past the cap with no call deadline is returned at once",
            Reply::json(
                503,
                r#"{"errors":[{"code":"unavailable","message":"come back later"}]}"#,
            )
            .header("retry-after", "3600"),
        )
        // No deadline: only the retry policy's cap (60 s) keeps an hour's
        // Retry-After from parking the call.
        .settings(|url| standard(url).call_timeout(Duration::MAX))
        .err(list(), |error| {
            assert_api(error, 503, Some("unavailable"), 1);
            let api = error.api_error().unwrap();
            assert_eq!(api.retry_after(), Some(RetryAfter::Seconds(3600)));
        })
        .requests(1)
        .took(Duration::ZERO, Duration::from_secs(5)),
        Case::new(
            "a 429 with an HTTP date already past is retried at once",
            vec![Reply::json(429, "{}").header(
                "retry-after",
                &httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30)),
            )],
            Reply::json(200, TOKEN_JSON),
        )
        .ok(verify(), |_| {})
        .requests(2),
        Case::always(
            "a 429 with an HTTP date beyond the deadline comes back with the date",
            Reply::json(429, "{}").header(
                "retry-after",
                &httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(600)),
            ),
        )
        .err(verify(), |error| {
            assert_eq!(error.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
            match error.api_error().unwrap().retry_after() {
                Some(RetryAfter::At(at)) => {
                    let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
                    assert!(wait > Duration::from_secs(500), "{wait:?}");
                }
                other => panic!("expected an HTTP-date, got {other:?}"),
            }
        })
        .took(Duration::ZERO, Duration::from_secs(5)),
        Case::always(
            "create is sent exactly once on a 500",
            Reply::json(
                500,
                r#"{"errors":[{"code":"internal_clerk_error","message":"oops"}]}"#,
            ),
        )
        .err(create(), |error| {
            assert_api(error, 500, Some("internal_clerk_error"), 1)
        }),
        Case::always(
            "a 500 is not retried for idempotent calls either",
            Reply::json(500, r#"{"errors":[]}"#),
        )
        .settings(quick)
        .err(verify(), |error| assert_api(error, 500, None, 1)),
        Case::always(
            "a 502 with an HTML body is retried for verify",
            Reply::with(502, "text/html", HTML_502).header("cf-ray", "ray-502"),
        )
        .settings(quick)
        .err(verify(), |error| {
            assert_api(error, 502, None, 3);
            let api = error.api_error().unwrap();
            assert!(api.errors().is_empty());
            assert_eq!(api.trace_id(), Some("ray-502"));
            assert!(api.body_snippet().unwrap().contains("502 Bad Gateway"));
        })
        .wire(vec![Wire::verify("mt_value"); 3]),
        // The token may have been minted.
        Case::always(
            "a 502 is never retried for create",
            Reply::with(502, "text/html", HTML_502),
        )
        .settings(quick)
        .err(create(), |error| assert_api(error, 502, None, 1)),
        Case::new(
            "a 503 then a success takes two attempts",
            vec![Reply::json(503, r#"{"errors":[]}"#)],
            Reply::json(200, TOKEN_JSON),
        )
        .settings(quick)
        .ok(revoke(), |answer| assert_eq!(answer.token().id, TOKEN_ID))
        .wire(vec![
            Wire::revoke(TOKEN_ID, r#"{"revocation_reason":null}"#),
            Wire::revoke(TOKEN_ID, r#"{"revocation_reason":null}"#),
        ]),
        Case::always(
            "malformed JSON in a success is a decode error",
            Reply::json(
                201,
                r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"#,
            ),
        )
        .err(create(), |error| match error {
            Error::Decode {
                source, attempts, ..
            } => {
                assert_eq!(source.status(), http::StatusCode::CREATED);
                assert_eq!(
                    source.body_snippet(),
                    r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"#
                );
                assert_eq!(*attempts, 1);
            }
            other => panic!("expected a decode error, got {other:?}"),
        }),
        Case::always(
            "malformed JSON in an error keeps a snippet",
            Reply::json(400, r#"{"errors":[{"code":"#),
        )
        .err(verify(), |error| {
            assert_api(error, 400, None, 1);
            assert_eq!(
                error.api_error().unwrap().body_snippet(),
                Some(r#"{"errors":[{"code":"#)
            );
        }),
        Case::always("an empty success body", Reply::json(200, ""))
            .err(verify(), |error| {
                assert!(matches!(error, Error::Decode { .. }), "{error:?}");
                assert_eq!(error.status(), Some(http::StatusCode::OK));
            }),
        Case::always(
            "an empty error body",
            Reply::with(401, "application/json", b""),
        )
        .err(verify(), |error| {
            assert_api(error, 401, None, 1);
            assert_eq!(error.api_error().unwrap().body_snippet(), Some(""));
        }),
        Case::always(
            "a redirect is returned, not followed",
            Reply::with(307, "text/plain", b"elsewhere").header("location", "http://127.0.0.1:9/x"),
        )
        .err(verify(), |error| assert_api(error, 307, None, 1)),
    ]);
    cases
}

/// Failures below HTTP: body caps, resets, silence, refusals, pooling.
fn transport_cases() -> Vec<Case> {
    let big = vec![b'x'; ONE_MIB + 1];
    vec![
        Case::always(
            "a body over the cap is refused",
            Reply::with(201, "application/json", &big),
        )
        .err(create(), |error| {
            assert_transport(
                error,
                TransportErrorKind::BodyTooLarge { limit: ONE_MIB },
                Delivery::MaybeSent,
                1,
            )
        }),
        // A decode error: it is not JSON, but it was read.
        Case::always(
            "a body of exactly the cap is read",
            Reply::with(200, "application/json", &big[1..]),
        )
        .err(verify(), |error| {
            assert!(matches!(error, Error::Decode { .. }), "{error:?}")
        }),
        Case::always("the body cap is configurable", Reply::json(200, TOKEN_JSON))
            .transport(
                TransportSettings::builder()
                    .max_body_bytes(64)
                    .build()
                    .expect("transport settings"),
            )
            .err(verify(), |error| {
                assert_eq!(
                    transport_kind(error),
                    TransportErrorKind::BodyTooLarge { limit: 64 }
                )
            }),
        Case::new(
            "create is sent exactly once on a reset after the request",
            vec![Reply::Reset],
            Reply::json(200, TOKEN_JSON),
        )
        .err(create(), |error| {
            assert_transport(
                error,
                TransportErrorKind::ConnectionLost,
                Delivery::MaybeSent,
                1,
            )
        })
        .wire(vec![Wire::create(DEFAULT_CREATE_BODY)]),
        Case::new(
            "a reset is retried for verify",
            vec![Reply::Reset],
            Reply::json(200, TOKEN_JSON),
        )
        .settings(quick)
        .ok(verify(), |answer| assert_eq!(answer.token().id, TOKEN_ID))
        .requests(2),
        Case::always("a reset is retried for list until the limit", Reply::Reset)
            .settings(quick)
            .err(list(), |error| {
                assert_eq!(transport_kind(error), TransportErrorKind::ConnectionLost);
                assert_eq!(error.attempts(), 3);
            })
            .requests(3),
        // The transport would wait 15 s for the answer.
        Case::always("the call deadline ends a silent server's call", Reply::Hang)
            .settings(|url| standard(url).call_timeout(Duration::from_millis(500)))
            .transport(attempt_timeout(Duration::from_secs(15)))
            .err(create(), |error| {
                assert_transport(error, TransportErrorKind::Timeout, Delivery::MaybeSent, 1)
            })
            .took(Duration::from_millis(500), Duration::from_secs(3)),
        // A create that may have arrived is not resent.
        Case::always(
            "the attempt timeout ends a silent server's create",
            Reply::Hang,
        )
        .settings(|url| quick(url).call_timeout(Duration::from_secs(10)))
        .transport(attempt_timeout(Duration::from_millis(300)))
        .err(create(), |error| {
            assert_transport(error, TransportErrorKind::Timeout, Delivery::MaybeSent, 1)
        })
        .took(Duration::from_millis(300), Duration::from_secs(3)),
        // Each attempt cut at 300 ms, all within the deadline.
        Case::always(
            "verify retries a silent server within the deadline",
            Reply::Hang,
        )
        .settings(|url| quick(url).call_timeout(Duration::from_secs(10)))
        .transport(attempt_timeout(Duration::from_millis(300)))
        .err(verify(), |error| {
            assert_eq!(transport_kind(error), TransportErrorKind::Timeout);
            assert_eq!(error.attempts(), 3);
        })
        .took(Duration::from_millis(900), Duration::from_secs(5))
        .requests(3),
        Case::always(
            "a refused connection is retried even for create",
            Reply::Hang,
        )
        .refusing()
        .settings(quick)
        .err(create(), |error| {
            assert_transport(error, TransportErrorKind::Connect, Delivery::NotSent, 3)
        }),
        Case::always(
            "create after the server closed an idle pooled connection",
            Reply::json(201, TOKEN_JSON),
        )
        .ok(create(), |_| {})
        .step(Step::Server(Box::new(|server| {
            assert_eq!(server.connections_accepted(), 1);
            // The server's keep-alive timeout fires. Its connection thread
            // marks the connection idle right after writing the answer,
            // which can trail the client reading it by a moment: retry the
            // close until it finds it.
            let mut closed = 0;
            for _ in 0..100_000 {
                closed = server.close_idle_connections();
                if closed > 0 {
                    break;
                }
                std::thread::yield_now();
            }
            assert_eq!(closed, 1);
        })))
        .ok(create(), |answer| assert_eq!(answer.token().id, TOKEN_ID))
        // The second create was sent exactly once, on a fresh connection.
        .wire(vec![
            Wire::create(DEFAULT_CREATE_BODY).on_connection(0),
            Wire::create(DEFAULT_CREATE_BODY).on_connection(1),
        ]),
    ]
}

#[test]
fn case_names_are_unique() {
    let mut names: Vec<_> = cases().into_iter().map(|case| case.name).collect();
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count, "two cases share a name");
}
