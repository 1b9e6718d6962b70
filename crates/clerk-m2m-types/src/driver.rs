//! The plumbing for people who write their own client: the sans-I/O state
//! machines and rules that `clerk-m2m-async` and `clerk-m2m-blocking` drive.
//!
//! An application never needs this module: the clients' `Client`,
//! `TokenSource`, `Authenticator` and middleware wrap all of it. A driver
//! (your own client over another HTTP stack or runtime) holds these values
//! under its own lock, passes the time in, performs the I/O they ask for and
//! hands the results back. In scope here: deciding. Out of scope: sockets,
//! sleeping, locks, clocks and threads, which stay with the driver.
//!
//! - [`call`]: one API call from first attempt to result (retries, deadline).
//! - [`retry`]: what the retry policy is told and what it decides.
//! - [`token_cache`]: the calling side's cached token (who creates, who waits).
//! - [`outgoing`]: the rules for adding that token to outgoing requests.
//! - [`auth`]: reading and classifying a bearer token on the receiving side.
//! - `jwks` (feature `jwt`): routing a token to local verification and
//!   verifying it against a fetched JWKS.

pub mod call {
    //! One call from first attempt to final result, as a sans-I/O state machine.
    //!
    //! A client asks [`Call::next_attempt`] for the bytes to send, sends them its
    //! own way, and hands what happened to [`Call::handle`], which says whether
    //! the call is done or should be tried again after a delay. Sleeping, the
    //! clock and randomness stay with the client, so both clients (and any
    //! custom one) share the same retry and parsing behaviour.

    pub use crate::attempt_span::AttemptSpan;
    pub use crate::call::{Attempt, Call, Step};
}

pub mod retry {
    //! When to try a call again: a pure function of what happened.
    //!
    //! The clock (`now`) and randomness (`jitter`) are arguments, so the policy
    //! is deterministic and both clients share it.

    pub use crate::retry::{Outcome, RetryDecision};
}

pub mod token_cache {
    //! The calling side's token cache as a sans-I/O state machine.
    //!
    //! Each create mints a billed token, so a caller that needs a token to send
    //! asks a [`TokenCache`] first. The cache decides everything — whether the
    //! cached token is still good, who creates, who waits, which failure is
    //! shared, when to try again — and the driver (a client's `TokenSource`,
    //! your own code) only holds it under a lock, runs the create it is told to
    //! run, and wakes the waiters when [`TokenCache::finish`] was called.
    //!
    //! Time is passed in: a monotonic [`Instant`](std::time::Instant) for everything the cache
    //! measures (a token's remaining lifetime is the lifetime the server granted,
    //! `expiration − created_at`, counted from when the answer arrived, so a
    //! wrong wall clock cannot make a token look fresh or stale), the wall clock
    //! only where the server's times must be compared with it.
    //!
    //! ```
    //! use clerk_m2m_types::driver::token_cache::{Step, TokenCache};
    //! use clerk_m2m_types::RefreshPolicy;
    //! use clerk_m2m_types::M2mToken;
    //! use std::time::{Duration, Instant, SystemTime};
    //!
    //! let mut cache = TokenCache::new(RefreshPolicy::new());
    //! let start = Instant::now();
    //! let Step::Create(ticket) = cache.poll(start) else { panic!("a cold cache creates") };
    //! assert!(matches!(cache.poll(start), Step::Wait { until: None }), "others wait");
    //!
    //! // …the driver sends the create; the API grants one hour:
    //! let mut token = M2mToken::new("mt_0123456789abcdef0123456789abcdef", "mch_1", 1_716_879_600_000);
    //! token.expiration = Some(1_716_883_200_000);
    //! token.token = Some("mt_value".into());
    //! let wall = SystemTime::now();
    //! cache.finish(ticket, Ok(token), start, wall, 0.0)?;
    //!
    //! let later = start + Duration::from_secs(3000);
    //! assert!(matches!(cache.poll(later), Step::Ready(_)));
    //! let due = start + Duration::from_secs(3540); // 60 s margin before the hour
    //! assert!(matches!(cache.poll(due), Step::Create(_)));
    //! # Ok::<(), clerk_m2m_types::Error>(())
    //! ```

    pub use crate::token_cache::key::CreateKey;
    pub use crate::token_cache::settings::bearer_header;
    pub use crate::token_cache::shared::{CreateReport, SharedSource, Wake};
    pub use crate::token_cache::sources::{NewTokenSource, TokenSources};
    pub use crate::token_cache::{Step, Ticket, TokenCache};
}

pub mod outgoing {
    //! The rules every outgoing-request adapter follows (the reqwest
    //! middleware, the tower layer, the ureq middleware, or your own): when to
    //! add the token, what a `401` means, and when to send the request again.
    //!
    //! An adapter runs them with its client's `TokenSource`:
    //!
    //! 1. [`wants_token`]: a request that already has an `Authorization` header
    //!    is sent as it is.
    //! 2. Get a token and [`authorize`] the request with it.
    //! 3. Send it; on the answer, [`verdict`]. On [`Verdict::Rejected`], call
    //!    the source's `invalidate_token` with the id of the token that was
    //!    sent, and if `retry`, get a token again and send a copy of the
    //!    request only if [`retry_with`] says the new token differs.
    //!
    //! ```
    //! use clerk_m2m_types::driver::outgoing::{authorize, verdict, wants_token, Attempt, Verdict};
    //! use clerk_m2m_types::M2mToken;
    //! use http::StatusCode;
    //!
    //! let mut token = M2mToken::new("mt_0123456789abcdef0123456789abcdef", "mch_1", 0);
    //! token.token = Some("mt_value".into());
    //! let mut headers = http::HeaderMap::new();
    //! assert!(wants_token(&headers));
    //! authorize(&mut headers, &token)?;
    //! assert!(headers["authorization"].is_sensitive());
    //! assert!(!wants_token(&headers), "never replaces the caller's own header");
    //!
    //! assert_eq!(verdict(StatusCode::OK, Attempt::First, true), Verdict::Deliver);
    //! assert_eq!(
    //!     verdict(StatusCode::UNAUTHORIZED, Attempt::First, true),
    //!     Verdict::Rejected { retry: true }
    //! );
    //! assert_eq!(
    //!     verdict(StatusCode::UNAUTHORIZED, Attempt::First, false),
    //!     Verdict::Rejected { retry: false },
    //!     "a body that cannot be sent twice is not"
    //! );
    //! # Ok::<(), clerk_m2m_types::Error>(())
    //! ```

    pub use crate::token_cache::outgoing::{
        authorize, retry_with, verdict, wants_token, Attempt, AuthorizationCache, Verdict,
    };
}

pub mod auth {
    //! The receiving side's first steps, before any verification: reading
    //! the bearer token from a request and telling, without a network call,
    //! whether it is an M2M JWT, an opaque `mt_` token or neither.

    pub use crate::auth::{
        bearer_token, bearer_token_from_headers, bearer_token_from_value, classify_bearer,
        token_format, BearerKind, Rfc6750Error, MAX_BEARER_BYTES,
    };
}

#[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "jwt", feature = "jwt-ring"))))]
pub mod jwks {
    //! Local verification as a driver runs it: one pass that routes a token
    //! (M2M JWT or not) and decodes it ([`classify`]), where the keys come
    //! from ([`KeyPlan`]), the JWKS fetch as a call ([`FetchJwks`]), the
    //! JWKS cache as a value ([`JwksCache`]) and verification against it as
    //! a state machine ([`JwksVerifier`]: one fetch at a time, who waits,
    //! which error wins).

    pub use crate::jwt::cache::{FetchDecision, JwksCache};
    pub use crate::jwt::jwks::{jwks_request, parse_jwks_response, FetchJwks, JwksRequestError};
    pub use crate::jwt::jwks_verifier::{
        Checked, FetchReport, FetchTicket, JwksStep, JwksVerifier, KeyLookup,
    };
    pub use crate::jwt::m2m_jwt::{classify, Classified, M2mJwt};
    pub use crate::jwt::settings::{KeyPlan, Route};
}
