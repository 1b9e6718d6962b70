//! The sans-I/O core of **clerk-m2m**, a Rust SDK for Clerk machine-to-machine
//! (M2M) tokens.
//!
//! In scope: params with validation, the exact HTTP requests `@clerk/backend`
//! sends (as `http::Request<Vec<u8>>`), parsing of responses
//! (`http::Response<Vec<u8>>`) into models and typed errors, and the retry
//! policy as a pure function.
//!
//! Out of scope: sockets, TLS, timeouts, sleeping and reading the clock. The
//! clients (`clerk-m2m-async`, `clerk-m2m-blocking`) or your own code send the
//! requests; time is passed in wherever it matters.
//!
//! ```
//! use clerk_m2m_types::{Config, CreateTokenParams, Endpoint};
//!
//! let config = Config::builder().machine_secret_key("ak_test_example").build()?;
//! let request = CreateTokenParams::new().build_request(&config)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(
//!     request.body(),
//!     br#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#
//! );
//! // …send it with any HTTP stack, then:
//! let response = http::Response::builder()
//!     .status(201)
//!     .header("content-type", "application/json")
//!     .body(br#"{"object":"machine_to_machine_token","id":"mt_f7f0ba8c3b4843ce7d85fcdd5e71853e",
//!               "subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","token":"mt_value","revoked":false,
//!               "revocation_reason":null,"expired":false,"expiration":null,"last_used_at":null,
//!               "created_at":1716879600000,"updated_at":1716879600000}"#.to_vec())?;
//! let token = CreateTokenParams::parse_response(response)?;
//! assert_eq!(token.id, "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod attempt;
pub mod auth;
pub mod call;
mod config;
pub mod error;
#[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
pub mod jwt;
mod model;
mod operation;
mod params;
mod parse;
mod request;
pub mod retry;
mod secret;
#[cfg(feature = "test-util")]
pub mod test_util;
mod transport_settings;
mod url;

pub use attempt::AttemptBudget;
pub use auth::{AuthError, AuthErrorKind, AuthRules};
pub use config::{
    Config, ConfigBuilder, DEFAULT_API_VERSION, DEFAULT_BASE_URL, ENV_API_URL,
    ENV_MACHINE_SECRET_KEY, ENV_SECRET_KEY, USER_AGENT,
};
pub use error::{
    ApiError, ClerkErrorDetail, ConfigError, DecodeError, Delivery, Error, RequestError,
    ResponseError, RetryAfter, TransportError, TransportErrorKind,
};
pub use model::{M2mToken, M2mTokenList, TokenFormat};
pub use operation::{Endpoint, Operation};
pub use params::{CreateTokenParams, ListTokensParams, RevokeTokenParams, VerifyTokenParams};
pub use request::CLERK_API_VERSION_HEADER;
pub use retry::RetryPolicy;
pub use secret::SecretString;
pub use transport_settings::{
    FromTransportSettings, Proxy, TlsBackend, TransportBuilder, TransportSettings,
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_POOL_IDLE_TIMEOUT,
};
pub use url::is_token_id;
