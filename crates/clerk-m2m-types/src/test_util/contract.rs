//! The transport contract as a table of server behaviours and expectations.
//!
//! Each [`ContractCase`] starts a [`LoopbackServer`] that behaves one way,
//! sends one request through the transport under test, and checks what came
//! back and what the server read:
//!
//! - errors are responses: a 503 with every header (repeated ones too) and
//!   the body; a 302 is returned, not followed;
//! - a POST body arrives whole;
//! - the body cap: a body of exactly the cap is accepted; one byte more is
//!   refused with `BodyTooLarge`, announced by `Content-Length` (at once,
//!   before the body arrives) or chunked;
//! - delivery: a refused connection was not sent; a reset after the
//!   request, or an answer that is not HTTP, may have been sent;
//! - time: with an [`AttemptBudget`], a silent server, a late head, a
//!   dribbling body and a stalled body each end the attempt with `Timeout`
//!   within the budget plus [`CONTRACT_SLACK`]; an answer inside the budget
//!   is returned; a spent budget sends nothing.
//!
//! Run the whole table with [`assert_transport_contract`], passing the
//! transport's body cap and its `send`: a blocking transport as
//! `|request| transport.send(request)`, an async one as
//! `|request| runtime.block_on(transport.send(request))` (the server runs on
//! its own threads). The built-in transports run it in their tests, built
//! from settings and from a handed-in `reqwest::Client` / `ureq::Agent`.

use super::loopback::{LoopbackServer, Reply};
use crate::{AttemptBudget, Delivery, TransportError, TransportErrorKind};
use http::{Request, Response};
use std::fmt;
use std::time::{Duration, Instant};

/// The budget the deadline cases give their attempt.
pub const CONTRACT_BUDGET: Duration = Duration::from_millis(500);
/// The smallest body cap the table can check.
pub const CONTRACT_MIN_BODY_CAP: usize = 16;
/// How late after its budget an attempt may end.
pub const CONTRACT_SLACK: Duration = Duration::from_millis(250);

type Answer = Result<Response<Vec<u8>>, TransportError>;

/// What the transport must return.
#[derive(Clone, Debug)]
enum Expect {
    /// This status, headers and body.
    Response {
        status: u16,
        headers: &'static [(&'static str, &'static str)],
        body: Vec<u8>,
    },
    /// An error of this kind (`None`: any) and delivery.
    Error {
        kind: Option<TransportErrorKind>,
        delivery: Delivery,
    },
}

/// One row of the table: a server behaviour and what the transport must do.
#[derive(Clone)]
pub struct ContractCase {
    name: &'static str,
    /// `None`: nothing listens at the address.
    script: Option<Vec<Reply>>,
    post: bool,
    budget: Option<Duration>,
    expect: Expect,
    /// Requests the server must have read.
    requests: usize,
    /// The body the server must have read, if checked.
    received_body: Option<&'static [u8]>,
}

impl fmt::Debug for ContractCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContractCase")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn head(status: u16, headers: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status} Scripted\r\n{headers}\r\n").into_bytes()
}

fn error(kind: TransportErrorKind, delivery: Delivery) -> Expect {
    Expect::Error {
        kind: Some(kind),
        delivery,
    }
}

fn timeout() -> Expect {
    error(TransportErrorKind::Timeout, Delivery::MaybeSent)
}

/// A chunked body of `length` bytes, in chunks of up to 7.
fn chunked(length: usize) -> Vec<u8> {
    let mut bytes = head(200, "transfer-encoding: chunked\r\n");
    let body = b"0123456789".repeat(length / 10 + 1);
    for chunk in body[..length].chunks(7) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    bytes
}

/// Every case of the contract, for a transport whose body cap is
/// `max_body_bytes`.
///
/// # Panics
///
/// If `max_body_bytes` is below [`CONTRACT_MIN_BODY_CAP`]: the body cases
/// need room for a partial body.
pub fn contract_cases(max_body_bytes: usize) -> Vec<ContractCase> {
    assert!(
        max_body_bytes >= CONTRACT_MIN_BODY_CAP,
        "the transport contract needs a body cap of at least {CONTRACT_MIN_BODY_CAP} bytes"
    );
    let case = |name, script: Vec<Reply>, expect| ContractCase {
        name,
        script: Some(script),
        post: false,
        budget: None,
        expect,
        requests: 1,
        received_body: None,
    };
    let over_cap = max_body_bytes + 1;
    let cap_body = b"0123456789".repeat(max_body_bytes / 10 + 1)[..max_body_bytes].to_vec();
    let within_budget = |name, reply: Reply| ContractCase {
        budget: Some(CONTRACT_BUDGET),
        ..case(name, vec![reply], timeout())
    };
    vec![
        case(
            "an error status is an answer, every header and the body kept",
            vec![Reply::response(
                503,
                &[
                    ("content-type", "application/json"),
                    ("retry-after", "7"),
                    ("x-extra", "a"),
                    ("x-extra", "b"),
                ],
                br#"{"errors":[]}"#,
            )],
            Expect::Response {
                status: 503,
                headers: &[
                    ("content-type", "application/json"),
                    ("retry-after", "7"),
                    ("x-extra", "a"),
                    ("x-extra", "b"),
                ],
                body: br#"{"errors":[]}"#.to_vec(),
            },
        ),
        case(
            "a redirect is an answer, not followed",
            vec![Reply::response(
                302,
                &[("location", "http://127.0.0.1:1/elsewhere")],
                b"",
            )],
            Expect::Response {
                status: 302,
                headers: &[("location", "http://127.0.0.1:1/elsewhere")],
                body: Vec::new(),
            },
        ),
        ContractCase {
            post: true,
            received_body: Some(br#"{"claims":null}"#),
            ..case(
                "a POST body arrives whole",
                vec![Reply::response(201, &[], b"{}")],
                Expect::Response {
                    status: 201,
                    headers: &[],
                    body: b"{}".to_vec(),
                },
            )
        },
        case(
            "a body of exactly the cap is accepted",
            vec![Reply::response(200, &[], &cap_body)],
            Expect::Response {
                status: 200,
                headers: &[],
                body: cap_body.clone(),
            },
        ),
        case(
            "an announced body over the cap is refused",
            vec![Reply::response(200, &[], &vec![b'x'; over_cap])],
            error(
                TransportErrorKind::BodyTooLarge {
                    limit: max_body_bytes,
                },
                Delivery::MaybeSent,
            ),
        ),
        ContractCase {
            budget: Some(CONTRACT_BUDGET),
            ..case(
                "an announced body over the cap is refused before it arrives",
                vec![Reply::Write(head(
                    200,
                    &format!("content-length: {over_cap}\r\n"),
                ))],
                error(
                    TransportErrorKind::BodyTooLarge {
                        limit: max_body_bytes,
                    },
                    Delivery::MaybeSent,
                ),
            )
        },
        case(
            "a chunked body over the cap is refused",
            vec![Reply::Write(chunked(over_cap))],
            error(
                TransportErrorKind::BodyTooLarge {
                    limit: max_body_bytes,
                },
                Delivery::MaybeSent,
            ),
        ),
        case(
            "a chunked body of exactly the cap is accepted",
            vec![Reply::Write(chunked(max_body_bytes))],
            Expect::Response {
                status: 200,
                headers: &[],
                body: cap_body,
            },
        ),
        ContractCase {
            script: None,
            requests: 0,
            ..case(
                "a refused connection was not sent",
                Vec::new(),
                error(TransportErrorKind::Connect, Delivery::NotSent),
            )
        },
        case(
            "a reset after the request may have been sent",
            vec![Reply::Reset],
            error(TransportErrorKind::ConnectionLost, Delivery::MaybeSent),
        ),
        case(
            "an answer that is not HTTP may have been sent",
            vec![Reply::WriteAndClose(b"SMTP ready\r\n\r\n".to_vec())],
            Expect::Error {
                kind: None,
                delivery: Delivery::MaybeSent,
            },
        ),
        within_budget(
            "a silent server ends the attempt by its budget",
            Reply::Silent,
        ),
        within_budget(
            "a head later than the budget ends the attempt by its budget",
            Reply::Late {
                delay: Duration::from_secs(5),
                bytes: head(200, "content-length: 0\r\n"),
            },
        ),
        within_budget(
            "a dribbling body ends the attempt by its budget",
            Reply::Dribble {
                // A body within the cap whose last byte would come at four budgets.
                head: head(200, &format!("content-length: {max_body_bytes}\r\n")),
                interval: (CONTRACT_BUDGET * 4
                    / u32::try_from(max_body_bytes.max(1)).unwrap_or(u32::MAX))
                .max(Duration::from_millis(1)),
            },
        ),
        within_budget(
            "a stalled body ends the attempt by its budget",
            Reply::Write(
                [
                    head(200, &format!("content-length: {max_body_bytes}\r\n")),
                    b"partial".to_vec(),
                ]
                .concat(),
            ),
        ),
        ContractCase {
            budget: Some(CONTRACT_BUDGET),
            ..case(
                "an answer within the budget is returned",
                vec![Reply::Late {
                    delay: CONTRACT_BUDGET / 5,
                    bytes: [head(200, "content-length: 2\r\n"), b"ok".to_vec()].concat(),
                }],
                Expect::Response {
                    status: 200,
                    headers: &[("content-length", "2")],
                    body: b"ok".to_vec(),
                },
            )
        },
        ContractCase {
            budget: Some(Duration::ZERO),
            requests: 0,
            ..case(
                "a spent budget sends nothing",
                vec![Reply::Silent],
                error(TransportErrorKind::Timeout, Delivery::NotSent),
            )
        },
    ]
}

impl ContractCase {
    /// What the case checks, in words.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the case through `send`; `Err` says what went wrong.
    pub fn run(&self, send: &mut dyn FnMut(Request<Vec<u8>>) -> Answer) -> Result<(), String> {
        let server = self.script.clone().map(LoopbackServer::start);
        let base = server
            .as_ref()
            .map_or_else(LoopbackServer::refusing_url, LoopbackServer::url);
        let started = Instant::now();
        let answer = send(self.request(&base));
        let elapsed = started.elapsed();
        if let Some(budget) = self.budget {
            if elapsed > budget + CONTRACT_SLACK {
                return Err(format!(
                    "took {elapsed:?}, budget {budget:?} + {CONTRACT_SLACK:?} slack"
                ));
            }
        }
        self.check(answer)?;
        let received = server.map(|server| server.requests()).unwrap_or_default();
        if received.len() != self.requests {
            return Err(format!(
                "the server read {} requests, expected {}",
                received.len(),
                self.requests
            ));
        }
        if let (Some(expected), Some(request)) = (self.received_body, received.first()) {
            if request.body != expected {
                return Err(format!(
                    "the server read the body {:?}",
                    String::from_utf8_lossy(&request.body)
                ));
            }
        }
        Ok(())
    }

    fn request(&self, base: &str) -> Request<Vec<u8>> {
        let mut request = Request::new(Vec::new());
        *request.uri_mut() = format!("{base}/m2m_tokens?subject=mch_contract")
            .parse()
            .unwrap_or_default();
        if self.post {
            *request.method_mut() = http::Method::POST;
            *request.body_mut() = br#"{"claims":null}"#.to_vec();
        }
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        if let Some(budget) = self.budget {
            request.extensions_mut().insert(AttemptBudget::new(budget));
        }
        request
    }

    fn check(&self, answer: Answer) -> Result<(), String> {
        match (&self.expect, answer) {
            (
                Expect::Response {
                    status,
                    headers,
                    body,
                },
                Ok(response),
            ) => {
                if response.status() != *status {
                    return Err(format!("status {}, expected {status}", response.status()));
                }
                for (name, value) in *headers {
                    let values: Vec<_> = response.headers().get_all(*name).iter().collect();
                    if !values.iter().any(|seen| seen == value) {
                        return Err(format!("header {name}: {values:?}, expected {value:?}"));
                    }
                }
                if response.body() != body {
                    return Err(format!(
                        "body {:?}, expected {:?}",
                        String::from_utf8_lossy(response.body()),
                        String::from_utf8_lossy(body)
                    ));
                }
                Ok(())
            }
            (Expect::Error { kind, delivery }, Err(error)) => {
                if kind.is_some_and(|kind| kind != error.kind()) || error.delivery() != *delivery {
                    return Err(format!(
                        "{:?} / {:?} ({error}), expected {kind:?} / {delivery:?}",
                        error.kind(),
                        error.delivery()
                    ));
                }
                Ok(())
            }
            (expected, Ok(response)) => Err(format!(
                "answered {}, expected {expected:?}",
                response.status()
            )),
            (expected, Err(error)) => Err(format!("failed ({error:?}), expected {expected:?}")),
        }
    }
}

/// Runs every case of the contract through `send` and panics listing each
/// case that failed. The transport must have the body cap
/// `max_body_bytes`.
///
/// # Panics
///
/// If any case fails.
pub fn assert_transport_contract(
    max_body_bytes: usize,
    mut send: impl FnMut(Request<Vec<u8>>) -> Answer,
) {
    let cases = contract_cases(max_body_bytes);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            case.run(&mut send)
                .err()
                .map(|why| format!("{}: {why}", case.name()))
        })
        .collect();
    eprintln!(
        "transport contract: {}/{}",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "transport contract: {} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transport_that_never_talks_to_the_server_fails_every_case() {
        let cases = contract_cases(CONTRACT_MIN_BODY_CAP);
        assert_eq!(cases.len(), 17);
        let mut canned = |_request| Ok(Response::new(Vec::new()));
        for case in &cases {
            assert!(case.run(&mut canned).is_err(), "{}", case.name());
        }
    }

    #[test]
    #[should_panic(expected = "needs a body cap of at least 16 bytes")]
    fn a_tiny_body_cap_is_refused() {
        contract_cases(8);
    }
}
