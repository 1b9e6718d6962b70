//! **clerk-m2m**: Clerk machine-to-machine (M2M) tokens for Rust.
//!
//! This facade re-exports the workspace's crates:
//! - [`types`]: the sans-I/O core (params, models, errors, request building,
//!   response parsing, retry policy), usable alone to mock or to bring your
//!   own HTTP stack;
//! - the async client (feature `async`, on by default) at the crate root as
//!   [`Client`], built on reqwest;
//! - [`blocking`]: the blocking client (feature `blocking`, on by default),
//!   built on ureq.
//!
//! Calling another service with a cached M2M token on every request:
//! feature `reqwest-middleware` (`TokenMiddleware`, for
//! `reqwest_middleware`), `tower` (`TokenLayer`, for hyper, tonic and
//! other tower clients) or `ureq-middleware` (`blocking::TokenMiddleware`,
//! for ureq 3).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use clerk_m2m_types as types;
pub use clerk_m2m_types::{
    Config, CreateTokenParams, Error, ListTokensParams, M2mToken, M2mTokenList, RevokeTokenParams,
    SecretString, TokenFormat, VerifyTokenParams,
};

#[cfg(feature = "async")]
pub use clerk_m2m_async::*;

/// The blocking client (ureq).
#[cfg(feature = "blocking")]
pub mod blocking {
    pub use clerk_m2m_blocking::*;
}
