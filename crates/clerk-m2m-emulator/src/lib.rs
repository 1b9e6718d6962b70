//! A local emulator of Clerk's machine-to-machine (M2M) token Backend API.
//!
//! A real HTTP server (axum and hyper on tokio) that speaks the four M2M
//! operations and the JWKS exactly as `@clerk/backend` and Clerk's other SDKs
//! call them, with Clerk's shapes (the types crate's models serialize every
//! response), Clerk's error envelope for every failure, and test keys only.
//! Use it in-process from tests, or run the `clerk-m2m-emulator` binary.
//!
//! ```
//! use clerk_m2m_emulator::Emulator;
//! use std::time::Duration;
//!
//! let emulator = Emulator::builder().frozen_clock(true).start()?;
//! let machine_a = emulator.machine("machine-a").unwrap();
//! // Point any Clerk SDK at it:
//! //   CLERK_API_URL            = emulator.url()
//! //   CLERK_MACHINE_SECRET_KEY = machine_a.secret_key().expose_secret()
//! //   CLERK_SECRET_KEY         = emulator.secret_key().expose_secret()
//! assert!(machine_a.secret_key().expose_secret().starts_with("ak_test_"));
//! emulator.advance(Duration::from_secs(3600)); // expire one-hour tokens
//! # Ok::<(), clerk_m2m_emulator::EmulatorError>(())
//! ```
//!
//! # Routes
//!
//! Each M2M route is served both as `/m2m_tokens…` (what `@clerk/backend`
//! calls) and `/v1/m2m_tokens…` (Go, Python):
//!
//! | route | key | answer |
//! |---|---|---|
//! | `POST /m2m_tokens` | machine `ak_…` only | 201, the token with its `token` value |
//! | `GET /m2m_tokens?subject=mch_…` | machine (own subject) or instance `sk_…` | 200, `{"m2m_tokens": […], "total_count": N}` |
//! | `POST /m2m_tokens/{id}/revoke` | owner machine or instance | 200, the revoked token |
//! | `POST /m2m_tokens/verify` | scoped machine or instance | 200, the token (no `token` field) |
//! | `GET /v1/jwks` (and `/jwks`) | instance `sk_…` only | 200, `{"keys": [RS256 JWK, kid = instance id]}` |
//!
//! # Behaviour where Clerk's reference is silent
//!
//! These are the emulator's documented choices (the most plausible reading
//! of Clerk's docs and SDKs):
//!
//! - **Expiry.** `seconds_until_expiration` absent → the machine's default
//!   token lifetime (one hour unless configured); explicit `null` → an opaque
//!   token never expires; a JWT always gets an `exp`: its number, else the
//!   machine's default lifetime. `expiration` is the expiry in Unix ms
//!   (`exp * 1000` for a JWT); `expired` is computed on every read from the
//!   emulator's clock, and a token is expired from the exact millisecond of
//!   its expiration on. Numbers must be integral (`600` and `600.0` pass,
//!   `1.5` is refused), lifetimes > 0.
//! - **Reuse.** `min_remaining_ttl_seconds` (opaque only; ignored for JWTs)
//!   returns the newest live, unrevoked token of the same machine with equal
//!   `claims` and `scopes` and at least that many seconds left (201, same id
//!   and value). It must be below the effective lifetime (explicit number,
//!   else the machine default; a never-expiring request has no bound), else
//!   400 `form_param_value_invalid`.
//! - **JWTs** are RS256 with header `{"alg","kid" = instance id,"typ":"JWT",
//!   "cat":"cl_B7d4PD333AAA"}` and payload `iss` (the emulator's URL unless
//!   configured), `sub`, `iat`, `nbf` (= `iat`), `exp`, `jti` (= the `mt_…`
//!   id), then the custom claims at the top level exactly as given (`scopes`
//!   and `aud` included; nothing added). Custom claims named like one of
//!   those six are refused (422) rather than silently overridden. JWTs are
//!   not stored: not listed, not revocable (404).
//! - **Verify.** Unknown, revoked and expired tokens all answer **404**
//!   `resource_not_found` (what `@clerk/backend` maps to "token invalid"),
//!   with a `long_message` saying which. A machine key verifies only tokens
//!   whose `scopes` contain its machine, else 404 as if unknown (this is
//!   checked before the revoked/expired state, so nothing leaks). A
//!   successful opaque verify sets `last_used_at`. JWTs posted here are
//!   checked for signature, `kid`, `cat`, `typ`, `exp` and `nbf`; the
//!   subject machine's scopes stand in for the token's (for the scope check
//!   and in the answer), and the rest mirrors what `@clerk/backend` derives
//!   locally: `id = jti`, claims = payload minus the six registered claims
//!   (null if none remain), `expiration = exp * 1000`,
//!   `created_at = updated_at = iat * 1000`.
//! - **List.** `revoked` and `expired` filter by equality: the default
//!   (both false) lists live tokens; `revoked=true` lists revoked tokens
//!   that are not expired; `expired=true` expired ones that are not revoked;
//!   both true, tokens that are both. Newest first; `limit` 1–100 (default
//!   10), `offset` ≥ 0; `total_count` counts every match. A machine key may
//!   list only its own subject (403 `authorization_invalid`); the instance
//!   key any machine of the instance (404 for an unknown one).
//! - **Revoke.** The id must match `^mt_[0-9A-Fa-f]{32}$` (400, param
//!   `m2m_token_id`). A machine key revokes only its own tokens (404
//!   otherwise). Revoking a revoked token answers 200 with the token
//!   unchanged (first reason and `updated_at` kept), so retries converge. An
//!   empty body is accepted.
//! - **Auth.** No or malformed `Authorization` → 401
//!   `authorization_header_format_invalid`; an unknown `ak_…` → 401
//!   `machine_secret_key_invalid`; an unknown other key → 401
//!   `clerk_key_invalid`; create with the instance key → 401
//!   `machine_secret_key_invalid`; JWKS with a machine key → 401
//!   `clerk_key_invalid`.
//! - **Errors.** Every error, the framework's own included, is Clerk's
//!   envelope `{"errors":[{"message","long_message","code","meta"}],
//!   "clerk_trace_id"}` with `Content-Type: application/json`. Body
//!   parameters: 422 `form_param_unknown` (extra properties, as the spec's
//!   `additionalProperties: false`), `form_param_missing`,
//!   `form_param_format_invalid`, `form_param_value_invalid`, each with
//!   `meta.param_name`; query and path parameters: 400 with the same codes.
//!   Malformed JSON or a non-object body: 400 `request_body_invalid`; a
//!   non-JSON `Content-Type` with a body: 415 `unsupported_media_type`; over
//!   1 MiB: 413; unknown route: 404 `resource_not_found`; wrong method: 405
//!   `method_not_allowed` with `Allow`. An empty body counts as `{}`.
//! - **Tolerance.** `Clerk-API-Version` may be absent or any date
//!   (`2026-05-12`, `2025-11-10`, …); anything else is 400
//!   `api_version_invalid`. Unknown query parameters are ignored; booleans
//!   accept `true`/`false`/`1`/`0`; integral floats pass everywhere.
//!
//! # Testing aids
//!
//! [`EmulatorHandle`] controls a running emulator: its clock
//! ([`advance`](EmulatorHandle::advance), [`set_time`](EmulatorHandle::set_time),
//! [`freeze_time`](EmulatorHandle::freeze_time)), an optional [`RateLimit`]
//! (429 + `Retry-After`, windows on the emulated clock) and [`Fault`]s for
//! the next N requests (a status, a delay, a dropped connection after the
//! request was read and processed, a malformed or empty body).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_error;
mod backend;
pub mod cli;
mod clock;
mod config;
mod emulator;
mod error;
mod faults;
mod ids;
mod instance;
mod jwt;
mod params;
mod rate_limit;
mod routes;
mod server;
mod signing;

pub use config::EmulatorConfig;
pub use emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
pub use error::EmulatorError;
pub use faults::Fault;
pub use instance::{Machine, MachineConfig, DEFAULT_TOKEN_TTL};
pub use rate_limit::RateLimit;
pub use signing::SigningKey;

/// Re-exported for [`Fault::status`].
pub use http::StatusCode;

/// The `cat` (category) header of M2M JWTs.
pub const M2M_JWT_CATEGORY: &str = jwt::M2M_CATEGORY;
