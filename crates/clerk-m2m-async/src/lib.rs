#![doc = include_str!("../README.md")]
//!
//! # Features
//!
//! - `reqwest` (default): `ReqwestTransport`, `Client::from_env`, and a
//!   client built without a transport uses it. Without it the crate has no
//!   HTTP stack and [`ClientBuilder::build`] needs a transport
//!   ([`ConfigError::NoTransport`] otherwise).
//! - `tracing`: one span per attempt (`clerk_m2m.attempt`) with the
//!   operation, method, path template (never a real id), attempt number,
//!   status and Clerk trace id. Never a header, body, claim, key or token.
//! - `jwt` (default): [`Client::verify_token`] verifies M2M JWTs locally
//!   (keys from `CLERK_JWT_KEY` or the instance's JWKS, cached) and posts
//!   only other tokens; see [`ClientBuilder::jwt_key`]. Without it every
//!   token is posted to the API.
//! - `reqwest-middleware`: [`TokenMiddleware`], a `reqwest_middleware`
//!   middleware that sends each request with a cached M2M token from a
//!   [`TokenSource`], and resends it once with a new token after a `401`.
//! - `tower`: [`TokenLayer`], the same as a tower layer for hyper, tonic and
//!   other tower HTTP clients.
//! - `test-util`: the `test_util` module (`ReplayTransport`,
//!   `CaptureTransport`), and the model constructors of `clerk-m2m-types`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod authenticator;
mod builder;
mod client;
mod clock;
#[cfg(feature = "jwt")]
mod local_verify;
mod machines;
#[cfg(feature = "reqwest-middleware")]
mod reqwest_token_middleware;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
mod token_source;
#[cfg(feature = "tower")]
mod tower_token_layer;
mod transport;

pub use authenticator::Authenticator;
pub use builder::ClientBuilder;
pub use client::Client;
pub use machines::Machines;
#[cfg(feature = "reqwest-middleware")]
pub use reqwest_token_middleware::TokenMiddleware;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use reqwest_transport::{ReqwestTransport, ReqwestTransportBuilder};
pub use token_source::{TokenSource, TokenSources};
#[cfg(feature = "tower")]
pub use tower_token_layer::{BoxError, CloneBody, NoReplay, ReplayBody, TokenLayer, TokenService};
pub use transport::Transport;

// Everything of the core (models, params, errors, settings, and its
// `driver`, `jwt` and `test_util` modules) at this crate's root, once.
pub use clerk_m2m_types::*;
