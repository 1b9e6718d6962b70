//! **clerk-m2m**: Clerk machine-to-machine (M2M) tokens for Rust.
//!
//! Unofficial: not affiliated with or endorsed by Clerk.
//!
//! This facade re-exports the workspace's crates:
//! - [`types`]: the sans-I/O core (params, models, errors, request building,
//!   response parsing, retry policy), usable alone to mock or to bring your
//!   own HTTP stack; its everyday items (params, models, errors, [`Config`],
//!   [`RetryPolicy`], clocks, [`TokenSourceSettings`]…) are also at the crate
//!   root, whatever the features;
//! - the async client (feature `async`, on by default) at the crate root:
//!   `Client`, `ClientBuilder`, `Authenticator`, `TokenSource`, `Transport`
//!   and `ReqwestTransport`, all of `clerk-m2m-async`;
//! - `blocking`: the blocking client (feature `blocking`, on by default),
//!   all of `clerk-m2m-blocking`, built on ureq.
//!
//! # Features
//!
//! - `async` (default): the async client at the crate root, with the
//!   reqwest transport (`clerk-m2m-async` with `reqwest`).
//! - `blocking` (default): the blocking client in `clerk_m2m::blocking`,
//!   with the ureq transport (`clerk-m2m-blocking` with `ureq`).
//! - `jwt` (default): local verification of JWT-format M2M tokens in both
//!   clients' `verify_token` and `Authenticator` (keys from `CLERK_JWT_KEY`
//!   or the instance's JWKS), and the `types::jwt` module. Without it every
//!   token is verified through the API.
//! - `tracing`: one `tracing` span per attempt in both clients (operation,
//!   method, path template, attempt, status, trace id; never a secret).
//! - `test-util`: the clients' `test_util` modules (`ReplayTransport`,
//!   `CaptureTransport`) and the model constructors of the types crate.
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

pub use clerk_m2m_types as types;
pub use clerk_m2m_types::auth::AuthError;
pub use clerk_m2m_types::clock::{Clock, ManualClock, SystemClock};
pub use clerk_m2m_types::token_cache::{RefreshPolicy, TokenSourceSettings};
pub use clerk_m2m_types::{
    AddMachineScopeParams, CreateMachineParams, DeleteMachineParams, DeletedMachine,
    DeletedMachineScope, GetMachineParams, GetMachineSecretKeyParams, ListMachinesParams, Machine,
    MachineList, MachineScope, MachineSecretKey, RemoveMachineScopeParams,
    RotateMachineSecretKeyParams, ScopedMachine, UpdateMachineParams,
};
pub use clerk_m2m_types::{
    ApiError, AuthErrorKind, Config, ConfigBuilder, ConfigError, CreateTokenParams, Delivery,
    Endpoint, Error, ListTokensParams, M2mToken, M2mTokenList, Operation, RetryPolicy,
    RevokeTokenParams, SecretString, TokenFormat, TransportError, TransportErrorKind,
    VerifyTokenParams,
};

#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub use clerk_m2m_async::*;

/// The blocking client (ureq): everything of `clerk-m2m-blocking`.
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking {
    pub use clerk_m2m_blocking::*;
}

/// The README's examples, compiled and run as doctests (they assume the
/// default features).
#[cfg(all(doctest, feature = "async", feature = "blocking", feature = "jwt"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
