//! The Machines API (`/v1/machines…`) through [`Client::machines`].

use crate::Client;

/// The Machines API calls of a [`Client`], as `@clerk/backend`'s
/// `clerk.machines.*`: get one with [`Client::machines`].
///
/// Every call is authorised with the instance secret key (`sk_…`); a call
/// without one, or with a machine key (`ak_…`) in its place, is refused
/// before sending ([`MachineRequestError`](clerk_m2m_types::MachineRequestError)).
/// Each goes through [`Client::send`], so params are checked locally, and
/// retries follow the [`RetryPolicy`](crate::RetryPolicy): list, get, update
/// and get-secret-key retry like the token list; the others only when
/// certainly not processed.
///
/// ```
/// use clerk_m2m_blocking::{Client, CreateMachineParams, TransportError};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!(request.uri(), "https://api.clerk.com/v1/machines");
///     assert_eq!(request.headers()["authorization"], "Bearer sk_test_example");
///     assert_eq!(request.body(), br#"{"name":"ci-runner"}"#);
///     let machine = r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
///         "name":"ci-runner","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz",
///         "created_at":1716879600000,"updated_at":1716879600000,"default_token_ttl":3600,
///         "scoped_machines":[],"secret_key":"ak_test_new_machine"}"#;
///     http::Response::builder()
///         .status(200)
///         .header("content-type", "application/json")
///         .body(machine.as_bytes().to_vec())
///         .map_err(TransportError::other)
/// };
/// let client = Client::builder()
///     .secret_key("sk_test_example")
///     .transport(transport)
///     .build()?;
/// let machine = client.machines().create(CreateMachineParams::new("ci-runner"))?;
/// assert_eq!(machine.id, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
/// assert!(machine.secret_key.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Machines<'a> {
    client: &'a Client,
}

clerk_m2m_types::machines_api!(;);
