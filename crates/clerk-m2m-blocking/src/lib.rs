#![doc = include_str!("../README.md")]
//!
//! # Deadlines in blocking code
//!
//! Each call is bounded by [`ClientBuilder::call_timeout`] (default
//! [`DEFAULT_CALL_TIMEOUT`], 30 s). A blocking transport cannot be
//! interrupted from outside, so the client hands each attempt the time left
//! before the deadline as a [`AttemptBudget`] request extension, and
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
//! - `ureq-middleware`: [`TokenMiddleware`], a ureq 3 middleware that sends
//!   each request with a cached M2M token from a [`TokenSource`].
//! - `test-util`: the `test_util` module (`ReplayTransport`,
//!   `CaptureTransport`), and the model constructors of `clerk-m2m-types`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod authenticator;
mod builder;
mod client;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "jwt")]
mod local_verify;
mod machines;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
mod token_source;
mod transport;
#[cfg(feature = "ureq-middleware")]
mod ureq_token_middleware;
#[cfg(feature = "ureq")]
mod ureq_transport;

pub use authenticator::Authenticator;
pub use builder::ClientBuilder;
pub use client::Client;
pub use machines::Machines;
pub use token_source::{TokenSource, TokenSources};
pub use transport::Transport;
#[cfg(feature = "ureq-middleware")]
pub use ureq_token_middleware::TokenMiddleware;
#[cfg(feature = "ureq")]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
pub use ureq_transport::{UreqTransport, UreqTransportBuilder};

// Everything of the core (models, params, errors, settings, and its
// `driver`, `jwt` and `test_util` modules) at this crate's root, once.
pub use clerk_m2m_types::*;
