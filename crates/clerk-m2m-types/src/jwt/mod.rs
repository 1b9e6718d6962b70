//! Local verification of JWT-format M2M tokens (feature `jwt`).
//!
//! Clerk can issue M2M tokens as RS256 JWTs so that the receiving service
//! checks them without calling the API. This module is that check, pure:
//! a token, the trusted keys and `now` go in; a [`M2mToken`](crate::M2mToken)
//! or a [`JwtError`] comes out. It follows `@clerk/backend`'s rules and adds
//! a few of its own (size limit, `crit`, key size, JWK `alg`/`use`).
//!
//! In scope: [`verify`] (a token against trusted keys), [`is_m2m_jwt`], keys
//! from PEM (`CLERK_JWT_KEY`) or a JWKS ([`KeySet`]), PEM armour itself
//! ([`pem`]) and where a client's keys come from ([`JwtKeySettings`]). The
//! JWKS fetch, cache and the verifier state machine a client drives are in
//! [`driver::jwks`](crate::driver::jwks). Out of scope: sending the request,
//! the clock, locks and waiting: the clients do that.
//!
//! Crypto backends: `jwt` (= `jwt-aws-lc-rs`) uses aws-lc-rs and parses each
//! key once per algorithm; `jwt-ring` uses ring. With both on, aws-lc-rs is
//! used. No types of either crate appear in this API.
//!
//! ```
//! use clerk_m2m_types::jwt::{is_m2m_jwt, verify, JwtErrorKind, KeySet, VerifyOptions};
//! use std::time::SystemTime;
//!
//! # let pem = format!(
//! #     "-----BEGIN RSA PUBLIC KEY-----\n{}{}{}\n-----END RSA PUBLIC KEY-----\n",
//! #     "MIIBCgKCAQEA", "xcXF".repeat(85), "xQIDAQAB"
//! # );
//! let keys = KeySet::from_pem(&pem)?; // e.g. the value of CLERK_JWT_KEY
//!
//! // {"alg":"RS256","typ":"JWT","kid":"ins_1"} . {"sub":"mch_1","exp":1716883200} . signature
//! let token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Imluc18xIn0\
//!              .eyJzdWIiOiJtY2hfMSIsImV4cCI6MTcxNjg4MzIwMH0.c2lnbmF0dXJl";
//! assert!(is_m2m_jwt(token)?); // verify locally, never POST it
//! let error = verify(token, &keys, SystemTime::now(), &VerifyOptions::new()).unwrap_err();
//! assert_eq!(error.kind(), JwtErrorKind::InvalidSignature);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backend;
pub(crate) mod cache;
pub(crate) mod der;
mod error;
mod json;
pub(crate) mod jwks;
pub(crate) mod jwks_verifier;
mod key;
mod keyset;
pub(crate) mod m2m_jwt;
pub mod pem;
pub(crate) mod settings;
mod verify;

pub(crate) use cache::JwksCache;
pub use cache::{DEFAULT_JWKS_MAX_AGE, DEFAULT_JWKS_REFETCH_COOLDOWN};
pub use error::{JwtError, JwtErrorKind, KeyError, KeyErrorKind};
pub(crate) use jwks_verifier::JwksVerifier;
pub use key::{Algorithm, RsaPublicKey, MAX_RSA_BITS, MIN_RSA_BITS};
pub use keyset::{KeySet, SkipReason, SkippedKey, ENV_JWT_KEY};
pub use m2m_jwt::is_m2m_jwt;
pub use settings::JwtKeySettings;
pub(crate) use settings::KeyPlan;
pub use verify::{verify, VerifyOptions, DEFAULT_CLOCK_SKEW, M2M_JWT_CATEGORY, MAX_TOKEN_BYTES};

/// The crypto backend in use: `"aws-lc-rs"` or `"ring"`.
pub const CRYPTO_BACKEND: &str = backend::NAME;
