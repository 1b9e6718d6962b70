//! The transport contract as a table of server behaviours and expectations.
//!
//! Each [`ContractCase`] starts a [`LoopbackServer`] that behaves one way,
//! sends one request through the transport under test, and checks what came
//! back. Run the whole table against your own transport with
//! [`assert_transport_contract`]; a blocking transport is passed as its
//! `send`, an async one as a closure that blocks on its `send` (the server
//! runs on its own threads).
//!
//! The transport must be built with the body cap given to the table, and
//! must honour the [`AttemptBudget`] the deadline cases attach.

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
    /// An error of this kind and delivery.
    Error {
        kind: TransportErrorKind,
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

fn timeout() -> Expect {
    Expect::Error {
        kind: TransportErrorKind::Timeout,
        delivery: Delivery::MaybeSent,
    }
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
    };
    let within_budget = |name, reply: Reply| ContractCase {
        budget: Some(CONTRACT_BUDGET),
        ..case(name, vec![reply], timeout())
    };
    vec![
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
                Expect::Error {
                    kind: TransportErrorKind::Timeout,
                    delivery: Delivery::NotSent,
                },
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
        let seen = server.map_or(0, |server| server.requests().len());
        if seen != self.requests {
            return Err(format!(
                "the server read {seen} requests, expected {}",
                self.requests
            ));
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
                if error.kind() != *kind || error.delivery() != *delivery {
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
    let failures: Vec<String> = contract_cases(max_body_bytes)
        .iter()
        .filter_map(|case| {
            case.run(&mut send)
                .err()
                .map(|why| format!("{}: {why}", case.name()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "transport contract: {} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
