//! Both clients over real loopback HTTP, from one table of cases: the exact
//! requests each call sends, and the typed result or error each kind of
//! answer gives. Every case is played by the async client and by the
//! blocking one, so no behaviour is checked for one client only.

#[path = "../drivers/mod.rs"]
mod drivers;
#[path = "../support/mod.rs"]
mod support;

mod cases;
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
