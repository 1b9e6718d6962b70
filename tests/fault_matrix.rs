//! The fault matrix: 16 server behaviours × 2 clients × 4 calls, one table.
//!
//! Each case starts a loopback server that misbehaves one way, makes one call
//! with a 1 s call timeout, and checks the typed error (kind, and whether the
//! request may have been delivered), how many requests the server read (a
//! create that may have been delivered is never sent again; the other calls
//! retry as the policy says) and that the call ended within its deadline
//! plus [`SLACK`]. The cases run on a pool of threads; servers that stall
//! hold their connection until the case drops them, never by sleeping.

mod drivers;

use clerk_m2m::test_util::{LoopbackServer, Reply};
use clerk_m2m::TransportSettings;
use clerk_m2m::{
    Config, CreateTokenParams, Delivery, Error, ListTokensParams, RetryPolicy, RevokeTokenParams,
    TransportErrorKind, VerifyTokenParams,
};
use drivers::{assert_none_failed, play_all, Call, Driver, TestClient};
use std::time::{Duration, Instant, SystemTime};

/// Every call's deadline.
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// How late after its deadline a call may end.
const SLACK: Duration = Duration::from_millis(250);
/// The transports' body cap, small so that going over it is cheap.
const BODY_CAP: usize = 4096;
/// The retry policy's attempt limit (the default).
const ATTEMPTS: u32 = 3;
/// Cases played at once.
const WORKERS: usize = 16;

const JSON: (&str, &str) = ("content-type", "application/json");
const MACHINE: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const TOKEN_ID: &str = "mt_0123456789abcdef0123456789abcdef";

/// The four token calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Create,
    List,
    Verify,
    Revoke,
}

impl Op {
    const ALL: [Op; 4] = [Op::Create, Op::List, Op::Verify, Op::Revoke];

    fn call(self) -> Call {
        match self {
            Op::Create => Call::Create(CreateTokenParams::new()),
            Op::List => Call::List(ListTokensParams::new(MACHINE)),
            Op::Verify => Call::Verify(VerifyTokenParams::new("mt_opaque_fault_matrix")),
            Op::Revoke => Call::Revoke(RevokeTokenParams::new(TOKEN_ID)),
        }
    }

    /// Whether the call may be sent again after it may have arrived.
    fn is_idempotent(self) -> bool {
        self != Op::Create
    }
}

/// The error a case must end with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// An API error with this status.
    Api(u16),
    /// A success status whose body did not parse.
    Decode,
    /// A transport error of this kind and delivery.
    Transport(TransportErrorKind, Delivery),
}

/// What a case must end with: the error, the attempts the client reports,
/// and the requests the server read.
#[derive(Clone, Copy, Debug)]
struct Expected {
    failure: Failure,
    attempts: u32,
    requests: usize,
}

impl Expected {
    /// Answered once, never retried.
    fn once(failure: Failure) -> Self {
        Self {
            failure,
            attempts: 1,
            requests: 1,
        }
    }

    /// Retried up to the limit: by every call when `every_call`, else only
    /// by the idempotent ones (a create that may have been delivered is
    /// never sent again).
    fn retried(failure: Failure, op: Op, every_call: bool) -> Self {
        if every_call || op.is_idempotent() {
            Self {
                failure,
                attempts: ATTEMPTS,
                requests: ATTEMPTS as usize,
            }
        } else {
            Self::once(failure)
        }
    }
}

/// One server behaviour: its script (`None`: nothing listens) and what each
/// call must end with.
struct Behaviour {
    name: &'static str,
    /// Whether it holds the call until its deadline (played first, so the
    /// pool is not left waiting on them at the end).
    stalls: bool,
    script: fn() -> Option<Vec<Reply>>,
    expected: fn(Op) -> Expected,
}

fn head(status: u16, headers: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status} Fault\r\n{headers}\r\n").into_bytes()
}

/// The same reply for every attempt the policy may make.
fn every_attempt(reply: Reply) -> Option<Vec<Reply>> {
    Some(vec![reply; ATTEMPTS as usize])
}

fn timeout(_: Op) -> Expected {
    Expected::once(Failure::Transport(
        TransportErrorKind::Timeout,
        Delivery::MaybeSent,
    ))
}

fn lost(op: Op) -> Expected {
    Expected::retried(
        Failure::Transport(TransportErrorKind::ConnectionLost, Delivery::MaybeSent),
        op,
        false,
    )
}

/// The sixteen behaviours.
fn behaviours() -> Vec<Behaviour> {
    vec![
        Behaviour {
            name: "silent (never answers)",
            stalls: true,
            script: || every_attempt(Reply::Silent),
            expected: timeout,
        },
        Behaviour {
            name: "head later than the deadline",
            stalls: true,
            script: || {
                every_attempt(Reply::Late {
                    delay: Duration::from_secs(30),
                    bytes: head(200, "content-length: 0\r\n"),
                })
            },
            expected: timeout,
        },
        Behaviour {
            name: "head, then a stalled body",
            stalls: true,
            script: || {
                every_attempt(Reply::Write(
                    [head(200, "content-length: 100\r\n"), b"{\"id\":".to_vec()].concat(),
                ))
            },
            expected: timeout,
        },
        Behaviour {
            name: "dribbling body (a byte every 50 ms)",
            stalls: true,
            script: || {
                every_attempt(Reply::Dribble {
                    head: head(200, "content-length: 4000\r\n"),
                    interval: Duration::from_millis(50),
                })
            },
            expected: timeout,
        },
        Behaviour {
            name: "connection refused",
            stalls: false,
            script: || None,
            expected: |op| Expected {
                requests: 0,
                ..Expected::retried(
                    Failure::Transport(TransportErrorKind::Connect, Delivery::NotSent),
                    op,
                    true,
                )
            },
        },
        Behaviour {
            name: "closed after reading the request, no answer",
            stalls: false,
            script: || every_attempt(Reply::WriteAndClose(Vec::new())),
            expected: lost,
        },
        Behaviour {
            name: "reset after reading the request",
            stalls: false,
            script: || every_attempt(Reply::Reset),
            expected: lost,
        },
        Behaviour {
            name: "truncated body (content-length larger than sent)",
            stalls: false,
            script: || {
                every_attempt(Reply::WriteAndClose(
                    [head(200, "content-length: 100\r\n"), b"{\"id\":".to_vec()].concat(),
                ))
            },
            expected: lost,
        },
        Behaviour {
            name: "500 with a Clerk error",
            stalls: false,
            script: || {
                every_attempt(Reply::response(
                    500,
                    &[JSON],
                    br#"{"errors":[{"code":"internal_clerk_error","message":"oops"}]}"#,
                ))
            },
            expected: |_| Expected::once(Failure::Api(500)),
        },
        Behaviour {
            name: "502 with an HTML body",
            stalls: false,
            script: || {
                every_attempt(Reply::response(
                    502,
                    &[("content-type", "text/html")],
                    b"<html><title>502 Bad Gateway</title></html>",
                ))
            },
            expected: |op| Expected::retried(Failure::Api(502), op, false),
        },
        Behaviour {
            name: "503 with a Retry-After past the deadline",
            stalls: false,
            script: || {
                every_attempt(Reply::response(
                    503,
                    &[JSON, ("retry-after", "120")],
                    br#"{"errors":[]}"#,
                ))
            },
            expected: |_| Expected::once(Failure::Api(503)),
        },
        Behaviour {
            name: "429 with a Retry-After date already past",
            stalls: false,
            script: || {
                let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
                every_attempt(Reply::response(
                    429,
                    &[JSON, ("retry-after", &past)],
                    br#"{"errors":[{"code":"too_many_requests","message":"slow down"}]}"#,
                ))
            },
            // A 429 was not processed: even a create is sent again.
            expected: |op| Expected::retried(Failure::Api(429), op, true),
        },
        Behaviour {
            name: "200 that is not JSON",
            stalls: false,
            script: || {
                every_attempt(Reply::response(
                    200,
                    &[("content-type", "text/html")],
                    b"<html>ok</html>",
                ))
            },
            expected: |_| Expected::once(Failure::Decode),
        },
        Behaviour {
            name: "200 with JSON of the wrong shape",
            stalls: false,
            script: || every_attempt(Reply::response(200, &[JSON], b"[1,2,3]")),
            expected: |_| Expected::once(Failure::Decode),
        },
        Behaviour {
            name: "body over the cap",
            stalls: false,
            script: || every_attempt(Reply::response(200, &[JSON], &[b' '; BODY_CAP + 1])),
            expected: |_| {
                Expected::once(Failure::Transport(
                    TransportErrorKind::BodyTooLarge { limit: BODY_CAP },
                    Delivery::MaybeSent,
                ))
            },
        },
        // Followed, it would reach this server again and be counted.
        Behaviour {
            name: "302 redirect",
            stalls: false,
            script: || every_attempt(Reply::response(302, &[("location", "/elsewhere")], b"")),
            expected: |_| Expected::once(Failure::Api(302)),
        },
    ]
}

/// One cell of the matrix.
struct Case<'a> {
    behaviour: &'a Behaviour,
    driver: Driver,
    op: Op,
}

impl Case<'_> {
    fn name(&self) -> String {
        format!("{} / {} / {:?}", self.behaviour.name, self.driver, self.op)
    }

    /// Plays the case; `Err` lists what was wrong.
    fn run(&self) -> Result<(), String> {
        let server = (self.behaviour.script)().map(LoopbackServer::start);
        let url = server
            .as_ref()
            .map_or_else(LoopbackServer::refusing_url, LoopbackServer::url);
        let config = Config::builder()
            .base_url(url)
            .machine_secret_key("ak_test_fault_matrix")
            .call_timeout(CALL_TIMEOUT)
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(ATTEMPTS)
                    .base_delay(Duration::from_millis(10)),
            )
            .build()
            .map_err(|error| format!("config: {error}"))?;
        let transport = TransportSettings::builder()
            .max_body_bytes(BODY_CAP)
            .build()
            .map_err(|error| format!("transport settings: {error}"))?;
        let client = TestClient::new(self.driver, config, Some(transport));
        let started = Instant::now();
        let result = client.call(self.op.call());
        let took = started.elapsed();
        let received = server.as_ref().map_or(0, |server| server.requests().len());
        drop(server); // releases any stalled connection

        let expected = (self.behaviour.expected)(self.op);
        let mut wrong = Vec::new();
        match result {
            Ok(answer) => wrong.push(format!("succeeded: {answer:?}")),
            Err(error) => {
                let failure = failure_of(&error);
                if failure != Some(expected.failure) {
                    wrong.push(format!(
                        "ended with {failure:?}, expected {:?} ({error})",
                        expected.failure
                    ));
                }
                if error.attempts() != expected.attempts {
                    wrong.push(format!(
                        "{} attempts reported, expected {}",
                        error.attempts(),
                        expected.attempts
                    ));
                }
            }
        }
        if received != expected.requests {
            wrong.push(format!(
                "the server read {received} requests, expected {}",
                expected.requests
            ));
        }
        if took > CALL_TIMEOUT + SLACK {
            wrong.push(format!(
                "took {took:?}, deadline {CALL_TIMEOUT:?} + {SLACK:?}"
            ));
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join("; "))
        }
    }
}

fn failure_of(error: &Error) -> Option<Failure> {
    match error {
        Error::Api { .. } => error.status().map(|status| Failure::Api(status.as_u16())),
        Error::Decode { .. } => Some(Failure::Decode),
        Error::Transport { source, .. } => {
            Some(Failure::Transport(source.kind(), source.delivery()))
        }
        _ => None,
    }
}

#[test]
fn fault_matrix() {
    let behaviours = behaviours();
    assert_eq!(behaviours.len(), 16, "sixteen behaviours");
    let mut cases = Vec::new();
    // The stalling behaviours first: each holds a worker for the deadline.
    for stalls in [true, false] {
        for behaviour in behaviours.iter().filter(|b| b.stalls == stalls) {
            for driver in Driver::ALL {
                for op in Op::ALL {
                    cases.push(Case {
                        behaviour,
                        driver,
                        op,
                    });
                }
            }
        }
    }
    let failures = play_all(&cases, WORKERS, Case::name, Case::run);
    assert_none_failed("fault matrix", cases.len(), &failures);
}
