//! Protect axum routes, and any tower service, with Clerk machine-to-machine
//! (M2M) tokens.
//!
//! [`M2mAuthLayer`] reads `Authorization: Bearer <token>`, verifies the token
//! with a [`clerk_m2m_async::Client`] (an M2M JWT locally against the
//! instance's key, an opaque `mt_…` token through Clerk's API: the routing
//! of [`Client::verify_token`](clerk_m2m_async::Client::verify_token)),
//! applies [`AuthRules`](clerk_m2m_types::AuthRules) (not revoked, not
//! expired, an optional scope) and puts the [`VerifiedMachine`] into the
//! request's extensions. Otherwise it answers itself, as RFC 6750 §3 says:
//!
//! | request | status | `WWW-Authenticate` | body `error` |
//! |---|---|---|---|
//! | no `Authorization`, or another scheme | 401 | `Bearer realm="…"` | `null` |
//! | `Bearer` with an empty or malformed value | 400 | `…, error="invalid_request"` | `"invalid_request"` |
//! | unknown, invalid, expired or revoked token | 401 | `…, error="invalid_token"` | `"invalid_token"` |
//! | valid token without the required scope | 403 | `…, error="insufficient_scope", scope="mch_…"` | `"insufficient_scope"` |
//! | Clerk or the JWKS unreachable | 503 | none | `null` |
//! | our own key or setup wrong | 500 | none | `null` |
//!
//! The body is JSON: `{"error": <RFC 6750 code or null>, "code": <the
//! `@clerk/backend` code, e.g. "token-invalid">, "message": <a fixed
//! description>}`; [`M2mAuthLayer::rejection_body`] replaces it. A fault on
//! our side is never a 401: a caller must not be told its good token is bad
//! because Clerk is down.
//!
//! In axum, take [`VerifiedMachine`] (or `Option<VerifiedMachine>` on a
//! [`passthrough`](M2mAuthLayer::passthrough) layer) as an extractor; give a
//! single route a stricter requirement with [`RequireScope`], which reads
//! what the router-wide layer verified instead of verifying again. In any
//! other tower server, read `request.extensions().get::<VerifiedMachine>()`.
//!
//! ```
//! use axum::{routing::get, Router};
//! use clerk_m2m_axum::{M2mAuthLayer, VerifiedMachine};
//! use tower::ServiceExt as _;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! # let client = clerk_m2m_async::Client::builder()
//! #     .machine_secret_key("ak_test_example")
//! #     .transport(|_request: http::Request<Vec<u8>>| async {
//! #         Err::<http::Response<Vec<u8>>, _>(clerk_m2m_async::TransportError::other("offline"))
//! #     })
//! #     .build()?;
//! // `client` verifies: `Client::from_env()` in a real service.
//! let app = Router::new()
//!     .route("/whoami", get(|machine: VerifiedMachine| async move {
//!         machine.machine_id().to_owned()
//!     }))
//!     .layer(M2mAuthLayer::new(client));
//!
//! let request = http::Request::get("/whoami").body(axum::body::Body::empty())?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), 401);
//! assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="clerk-m2m""#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Keys
//!
//! The client verifies opaque tokens with the receiving service's own machine
//! key (`CLERK_MACHINE_SECRET_KEY`): Clerk answers "not found" for a token
//! not scoped to that machine, which is an invalid token here. JWTs need
//! `CLERK_JWT_KEY` (a PEM public key, no network) or the instance key
//! `CLERK_SECRET_KEY` (to fetch the JWKS, cached).
//!
//! # Scopes
//!
//! [`M2mAuthLayer::require_scope`] and [`RequireScope`] name a machine id the
//! token's scopes must include. Clerk vouches for an opaque token's scopes; a
//! JWT's scopes are its creator's own claims, so a JWT fails a scope check
//! (403) unless you opt in with [`M2mAuthLayer::trust_jwt_scopes`].
//!
//! # Tracing
//!
//! Each authentication runs in one `clerk_m2m.authenticate` span with
//! `token_kind` (`jwt` or `opaque`), `verification` (`local` or `remote`),
//! `machine_id`, `outcome` (`verified`, `anonymous` or `rejected`), and for
//! a refusal `status`, `code` and `error`. Never the token. A fault on our
//! side is logged at `WARN` with its cause.
//!
//! # Features
//!
//! - `reqwest` (default): the async client's built-in transport, and
//!   [`M2mAuthLayer::from_env`]. Without it, build the client with your own
//!   transport.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod authenticate;
mod context;
mod extract;
mod layer;
mod machine;
mod realm;
mod rejection;
mod require_scope;
mod service;
mod span;
mod verify;

pub use layer::M2mAuthLayer;
pub use machine::VerifiedMachine;
pub use realm::{InvalidRealm, Realm};
pub use rejection::{Rejection, RejectionBody};
pub use require_scope::{RequireScope, RequireScopeService};
pub use service::M2mAuthService;

pub use clerk_m2m_types::driver::auth::Rfc6750Error;
pub use clerk_m2m_types::{AuthErrorKind, TokenFormat};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
