//! Blocking client for Clerk machine-to-machine (M2M) tokens.
//!
//! [`Client`] creates, lists, revokes and verifies M2M tokens with the same
//! bytes on the wire as Clerk's `@clerk/backend`. Requests are built and
//! answers parsed by the sans-I/O core [`clerk_m2m_types`]; this crate sends
//! them from the calling thread, keeps each call within a deadline and
//! retries as the [`RetryPolicy`] says (a create is never sent twice once it
//! may have reached the server). No async runtime is involved.
//!
//! The HTTP stack sits behind the [`Transport`] trait: the built-in
//! `UreqTransport` (feature `ureq`, on by default: ureq 3, rustls with
//! aws-lc-rs, the OS trust store through the platform verifier), your own
//! implementation, or a closure.
//!
//! ```
//! use clerk_m2m_blocking::{Client, CreateTokenParams, TokenFormat, TransportError};
//!
//! // A closure is a transport: here it plays the Backend API.
//! let transport = |request: http::Request<Vec<u8>>| {
//!     assert_eq!(request.uri(), "https://api.clerk.com/m2m_tokens");
//!     assert_eq!(
//!         request.body(),
//!         br#"{"seconds_until_expiration":3600,"claims":null,"token_format":"jwt"}"#
//!     );
//!     let token = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef",
//!         "subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
//!         "revoked":false,"revocation_reason":null,"expired":false,"expiration":1716883200000,
//!         "last_used_at":null,"created_at":1716879600000,"updated_at":1716879600000}"#;
//!     http::Response::builder()
//!         .status(201)
//!         .header("content-type", "application/json")
//!         .body(token.as_bytes().to_vec())
//!         .map_err(TransportError::other)
//! };
//! let client = Client::builder()
//!     .machine_secret_key("ak_test_example")
//!     .transport(transport)
//!     .build()?;
//! let token = client.create_token(
//!     CreateTokenParams::new()
//!         .token_format(TokenFormat::Jwt)
//!         .seconds_until_expiration(3600),
//! )?;
//! assert_eq!(token.subject, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
//! assert!(token.token.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Deadlines in blocking code
//!
//! Each call is bounded by [`ClientBuilder::call_timeout`] (default
//! [`DEFAULT_CALL_TIMEOUT`], 30 s). A blocking transport cannot be
//! interrupted from outside, so the client hands each attempt the time left
//! before the deadline as a [`types::AttemptBudget`] request extension, and
//! never starts an attempt, nor a wait before a retry, past the deadline.
//! `UreqTransport` ends every attempt within its budget whatever the server
//! does (silent, late, dribbling or stalling the body), so a call with it
//! ends at its deadline. A custom transport that ignores the budget is
//! bounded by its own timeouts instead.
//!
//! # Features
//!
//! - `ureq` (default): `UreqTransport`, `Client::from_env`, and a client
//!   built without a transport uses it. Without it the crate has no HTTP
//!   stack and [`ClientBuilder::build`] needs a transport
//!   ([`ConfigError::NoTransport`] otherwise).
//! - `tracing`: one span per attempt (`clerk_m2m.attempt`) with the
//!   operation, method, path template (never a real id), attempt number,
//!   status and Clerk trace id. Never a header, body, claim, key or token.
//! - `jwt` (default): [`Client::verify_token`] verifies M2M JWTs locally
//!   (keys from `CLERK_JWT_KEY` or the instance's JWKS, cached) and posts
//!   only other tokens; see [`ClientBuilder::jwt_key`]. Without it every
//!   token is posted to the API.
//! - `test-util`: the `test_util` module (`ReplayTransport`,
//!   `CaptureTransport`), and the model constructors of `clerk-m2m-types`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod authenticator;
mod builder;
mod client;
#[cfg(feature = "jwt")]
mod jwt_settings;
#[cfg(feature = "jwt")]
mod local_verify;
#[cfg(feature = "test-util")]
pub mod test_util;
mod token_source;
mod tracing_span;
mod transport;
#[cfg(feature = "ureq")]
mod ureq_transport;
mod wall_clock;

pub use authenticator::Authenticator;
pub use builder::ClientBuilder;
pub use clerk_m2m_types::auth::AuthError;
#[cfg(feature = "ureq")]
pub use clerk_m2m_types::{
    Proxy, TlsBackend, TransportSettings, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_POOL_IDLE_TIMEOUT,
};
pub use client::{Client, DEFAULT_CALL_TIMEOUT};
pub use token_source::{TokenSource, TokenSourceBuilder, DEFAULT_REFRESH_MARGIN};
pub use transport::Transport;
#[cfg(feature = "ureq")]
pub use ureq_transport::{UreqTransport, UreqTransportBuilder};
pub use wall_clock::{Clock, ManualClock, SystemClock};

pub use clerk_m2m_types as types;
pub use clerk_m2m_types::{
    ApiError, AuthErrorKind, Config, ConfigBuilder, ConfigError, CreateTokenParams, Delivery,
    Endpoint, Error, ListTokensParams, M2mToken, M2mTokenList, Operation, RetryPolicy,
    RevokeTokenParams, SecretString, TokenFormat, TransportError, TransportErrorKind,
    VerifyTokenParams,
};
