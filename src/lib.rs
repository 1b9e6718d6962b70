//! **clerk-m2m**: Clerk machine-to-machine (M2M) tokens for Rust.
//!
//! Unofficial: not affiliated with or endorsed by Clerk.
//!
//! This facade re-exports the workspace's crates, each item at one path:
//! - the crate root: the everyday items of the sans-I/O core
//!   (`clerk-m2m-types`: params, models, errors, [`Config`], [`RetryPolicy`],
//!   clocks, [`TokenSourceSettings`]…), whatever the features, and the async
//!   client (feature `async`, on by default): `Client`, `ClientBuilder`,
//!   `Authenticator`, `TokenSource`, `Transport`, `ReqwestTransport` and the
//!   outgoing-request middleware;
//! - [`blocking`]-prefixed: the blocking client (feature `blocking`, on by
//!   default, built on ureq): the same names, for blocking code;
//! - `jwt` (feature `jwt`): local JWT verification, usable on its own;
//! - [`driver`]: the state machines and rules the clients drive, for
//!   people who write their own client;
//! - `test_util` (feature `test-util`): replaying and capturing transports
//!   and model constructors for tests.
//!
//! # Features
//!
//! - `async` (default): the async client at the crate root, with the
//!   reqwest transport (`clerk-m2m-async` with `reqwest`).
//! - `blocking` (default): the blocking client in `clerk_m2m::blocking`,
//!   with the ureq transport (`clerk-m2m-blocking` with `ureq`).
//! - `jwt` (default): local verification of JWT-format M2M tokens in both
//!   clients' `verify_token` and `Authenticator` (keys from `CLERK_JWT_KEY`
//!   or the instance's JWKS), and the `jwt` module. Without it every
//!   token is verified through the API.
//! - `tracing`: one `tracing` span per attempt in both clients (operation,
//!   method, path template, attempt, status, trace id; never a secret).
//! - `test-util`: the `test_util` module (`ReplayTransport`,
//!   `CaptureTransport`, model constructors, the transport contract).
//! - `preserve_order`: claims keep the caller's key order on the wire
//!   (`serde_json/preserve_order` for the whole build; off, keys are sorted,
//!   the same JSON object).
//!
//! With no features this crate is the types crate alone.
//!
//! Calling another service with a cached M2M token on every request:
//! feature `reqwest-middleware` (default; `TokenMiddleware`, for
//! `reqwest_middleware`), `tower` (`TokenLayer`, for hyper, tonic and
//! other tower clients) or `ureq-middleware` (`blocking::TokenMiddleware`,
//! for ureq 3).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The core's items (and its `driver`, `jwt` and `test_util` modules), once.
pub use clerk_m2m_types::*;

#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use clerk_m2m_async::TokenMiddleware;
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub use clerk_m2m_async::{
    Authenticator, Client, ClientBuilder, Machines, TokenSource, TokenSources, Transport,
};
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use clerk_m2m_async::{BoxError, CloneBody, NoReplay, ReplayBody, TokenLayer, TokenService};
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub use clerk_m2m_async::{ReqwestTransport, ReqwestTransportBuilder};

/// The blocking client (ureq): the same names as the crate root's async
/// client, for blocking code. Models, params and errors are the root's.
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking {
    #[cfg(feature = "ureq-middleware")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ureq-middleware")))]
    pub use clerk_m2m_blocking::TokenMiddleware;
    pub use clerk_m2m_blocking::{
        Authenticator, Client, ClientBuilder, Machines, TokenSource, TokenSources, Transport,
        UreqTransport, UreqTransportBuilder,
    };
}

/// The README's examples, compiled and run as doctests (they assume the
/// default features).
#[cfg(all(doctest, feature = "async", feature = "blocking", feature = "jwt"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
