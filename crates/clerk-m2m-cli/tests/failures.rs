//! API failures the emulator injects: server errors, rate limiting, an
//! unreadable answer, a connection dropped after a create was processed.

mod common;

use clerk_m2m_emulator::{Fault, StatusCode};
use common::{assert_error_lines, Setup};
use std::time::Duration;

#[test]
fn a_server_error_on_create_exits_1_and_warns_about_a_possible_token() {
    let setup = Setup::new();
    setup
        .emulator
        .inject_fault(Fault::status(StatusCode::INTERNAL_SERVER_ERROR), 1);
    let (stdout, stderr) = setup.run(setup.as_a().arg("create"), 1);
    assert!(stdout.is_empty());
    assert_error_lines(&stderr);
    assert!(
        stderr.starts_with("error: could not create the token: Clerk answered 500 Internal Server Error: emulator_fault"),
        "{stderr}"
    );
    assert!(stderr.contains("(trace id "), "{stderr}");
    assert!(
        stderr.contains("check `clerk-m2m list` before retrying"),
        "{stderr}"
    );
}

#[test]
fn rate_limiting_exits_1_with_the_wait() {
    let setup = Setup::new();
    // Longer than the call's deadline: the client gives up at once.
    setup.emulator.inject_fault(
        Fault::status_with_retry_after(StatusCode::TOO_MANY_REQUESTS, Duration::from_secs(3600)),
        5,
    );
    let (_, stderr) = setup.run(
        setup.as_a().args(["list", "--subject", &setup.machine_a()]),
        1,
    );
    assert_error_lines(&stderr);
    assert!(stderr.contains("Clerk answered 429"), "{stderr}");
    assert!(
        stderr.contains("hint: rate limited: try again in 3600 s"),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_answer_exits_1() {
    let setup = Setup::new();
    setup.create(&[]);
    setup.emulator.inject_fault(Fault::MalformedBody, 5);
    let (_, stderr) = setup.run(
        setup.as_a().args(["list", "--subject", &setup.machine_a()]),
        1,
    );
    assert_error_lines(&stderr);
    assert!(stderr.contains("the answer could not be read"), "{stderr}");
}

#[test]
fn a_connection_dropped_after_create_exits_3_and_says_the_token_may_exist() {
    let setup = Setup::new();
    setup.emulator.inject_fault(Fault::DropConnection, 1);
    let (_, stderr) = setup.run(setup.as_a().arg("create"), 3);
    assert_error_lines(&stderr);
    assert!(stderr.contains("network failure"), "{stderr}");
    assert!(stderr.contains("may have been created"), "{stderr}");
    // Sent once, never retried: exactly one token exists.
    assert_eq!(setup.emulator.stored_tokens(), 1);
}
