//! Both clients over real loopback HTTP, from one table of cases: the exact
//! requests each call sends, and the typed result or error each kind of
//! answer gives; then both against the emulator, one scenario at a time;
//! then local JWT verification, the JWKS cache and the receiving side's
//! `Authenticator` (feature `jwt`). Every case and scenario is played by
//! the async client and by the blocking one, so no behaviour is checked for
//! one client only.

#[path = "../drivers/mod.rs"]
mod drivers;
#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "jwt")]
mod authenticator;
mod builders;
mod cases;
mod emulator;
#[cfg(feature = "jwt")]
mod jwt;
mod table;

use drivers::Driver;

#[test]
fn every_case_with_the_async_client() {
    table::assert_table(cases::cases(), Driver::Async);
}

#[test]
fn every_case_with_the_blocking_client() {
    table::assert_table(cases::cases(), Driver::Blocking);
}

#[test]
fn every_emulator_scenario_with_the_async_client() {
    emulator::assert_emulator_scenarios(Driver::Async);
}

#[test]
fn every_emulator_scenario_with_the_blocking_client() {
    emulator::assert_emulator_scenarios(Driver::Blocking);
}

#[cfg(feature = "jwt")]
#[test]
fn every_jwt_scenario_with_the_async_client() {
    jwt::assert_jwt_scenarios(Driver::Async);
}

#[cfg(feature = "jwt")]
#[test]
fn every_jwt_scenario_with_the_blocking_client() {
    jwt::assert_jwt_scenarios(Driver::Blocking);
}

#[cfg(feature = "jwt")]
#[test]
fn every_authenticator_scenario_with_the_async_client() {
    authenticator::assert_authenticator_scenarios(Driver::Async);
}

#[cfg(feature = "jwt")]
#[test]
fn every_authenticator_scenario_with_the_blocking_client() {
    authenticator::assert_authenticator_scenarios(Driver::Blocking);
}
