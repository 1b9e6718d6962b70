#![doc = include_str!("../README.md")]
//!
//! # Features
//!
//! None is on by default.
//!
//! - `jwt`: local verification of JWT-format M2M tokens, the `jwt`
//!   module (key parsing, JWKS key sets and their cache, the checks
//!   `@clerk/backend` makes), with the aws-lc-rs backend (`jwt-aws-lc-rs`).
//! - `jwt-aws-lc-rs`: `jwt` with aws-lc-rs: each key is parsed once per
//!   algorithm and kept. Wins if both backends are on.
//! - `jwt-ring`: `jwt` with ring 0.17 instead.
//! - `tracing`: one `tracing` span per attempt ([`driver::call::AttemptSpan`]):
//!   operation, method, path template (never a real id), attempt number,
//!   status and Clerk trace id. Never a header, body, claim, key or token.
//! - `test-util`: the `test_util` module: constructors for the
//!   `#[non_exhaustive]` models, for users who mock the API.
//! - `preserve_order`: JSON objects keep their key order: claims built
//!   with `serde_json::json!` are sent in the order written, and claims read
//!   from the API or a JWT keep theirs. It turns on
//!   `serde_json/preserve_order`, which changes `serde_json::Map` for the
//!   whole build, so it is not forced on anyone. Off, keys are in
//!   serde_json's default (sorted) order: the same JSON object (key order
//!   carries no meaning in JSON). The top-level keys of request
//!   bodies are always in `@clerk/backend`'s order, with or without it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attempt;
mod attempt_span;
mod auth;
mod call;
mod client_api;
mod clock;
mod config;
pub mod driver;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
pub mod jwt;
mod model;
mod operation;
mod params;
mod parse;
mod request;
mod retry;
mod secret;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
mod token_cache;
mod transport_settings;
mod url;

pub use attempt::AttemptBudget;
pub use auth::{AuthError, AuthErrorKind, AuthRules};
pub use call::AttemptInfo;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    Config, ConfigBuilder, DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_CALL_TIMEOUT,
    ENV_API_URL, ENV_MACHINE_SECRET_KEY, ENV_SECRET_KEY, USER_AGENT,
};
pub use error::{
    ApiError, ClerkErrorDetail, ConfigError, DecodeError, Delivery, Error, MachineRequestError,
    RequestError, ResponseError, RetryAfter, TransportError, TransportErrorKind,
};
pub use model::{
    DeletedMachine, DeletedMachineScope, M2mToken, M2mTokenList, Machine, MachineList,
    MachineScope, MachineSecretKey, ScopedMachine, TokenFormat,
};
pub use operation::{Endpoint, Operation};
pub use params::{
    AddMachineScopeParams, CreateMachineParams, DeleteMachineParams, GetMachineParams,
    GetMachineSecretKeyParams, ListMachinesParams, RemoveMachineScopeParams,
    RotateMachineSecretKeyParams, UpdateMachineParams, MAX_DEFAULT_TOKEN_TTL,
    MAX_MACHINE_NAME_CHARS, MAX_PREVIOUS_TOKEN_TTL, MAX_SCOPED_MACHINES,
};
pub use params::{CreateTokenParams, ListTokensParams, RevokeTokenParams, VerifyTokenParams};
pub use request::CLERK_API_VERSION_HEADER;
pub use retry::{RetryPolicy, DEFAULT_MAX_RETRY_AFTER};
pub use secret::SecretString;
pub use token_cache::{
    RefreshPolicy, TokenSourceSettings, DEFAULT_FAILURE_BACKOFF, DEFAULT_MAX_FAILURE_BACKOFF,
    DEFAULT_REFRESH_JITTER, DEFAULT_REFRESH_MARGIN,
};
pub use transport_settings::{
    FromTransportSettings, Proxy, TlsBackend, TransportBuilder, TransportSettings,
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_POOL_IDLE_TIMEOUT,
};
pub use url::{is_machine_id, is_token_id};
