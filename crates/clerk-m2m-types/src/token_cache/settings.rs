//! What a client's `TokenSource` is built from: the same for both clients.

use super::RefreshPolicy;
use crate::clock::{Clock, SystemClock};
use crate::error::{DecodeError, Error};
use crate::{CreateTokenParams, M2mToken, Operation};
use http::HeaderValue;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The settings of a token source: what to create, when to replace it, and
/// which clock to read.
///
/// ```
/// use clerk_m2m_types::TokenSourceSettings;
/// use clerk_m2m_types::CreateTokenParams;
/// use std::time::Duration;
///
/// let settings = TokenSourceSettings::new()
///     .params(CreateTokenParams::new().seconds_until_expiration(3600))
///     .refresh_margin(Duration::from_secs(30));
/// assert_eq!(settings.policy().get_margin(), Duration::from_secs(30));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenSourceSettings {
    params: CreateTokenParams,
    policy: RefreshPolicy,
    clock: Arc<dyn Clock>,
}

impl Default for TokenSourceSettings {
    fn default() -> Self {
        Self {
            params: CreateTokenParams::new(),
            policy: RefreshPolicy::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

impl fmt::Debug for TokenSourceSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceSettings")
            .field("params", &self.params)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl TokenSourceSettings {
    /// Default params (the server's default lifetime, no claims, opaque),
    /// the default [`RefreshPolicy`], the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// The params of each create (lifetime, claims, format, key).
    pub fn params(mut self, params: CreateTokenParams) -> Self {
        self.params = params;
        self
    }

    /// The whole refresh policy.
    pub fn policy(&self) -> &RefreshPolicy {
        &self.policy
    }

    /// Replaces the refresh policy.
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How long before expiry to replace the token (see
    /// [`RefreshPolicy::margin`]).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.policy = self.policy.margin(margin);
        self
    }

    /// The clock (default [`SystemClock`]); tests pass a
    /// [`ManualClock`](crate::clock::ManualClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The params in use.
    pub fn get_params(&self) -> &CreateTokenParams {
        &self.params
    }

    /// The clock in use.
    pub fn get_clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// A cache for these settings (with the reuse floor the params ask for).
    pub fn new_cache(&self) -> super::TokenCache {
        let floor = self.params.min_remaining_ttl().map(Duration::from_secs);
        super::TokenCache::new(self.policy.clone()).with_reuse_floor(floor)
    }
}

/// `Bearer <token value>` for an `Authorization` header, marked sensitive so
/// HTTP libraries never log it.
pub fn bearer_header(token: &M2mToken) -> Result<HeaderValue, Error> {
    let value = token
        .token
        .as_ref()
        .ok_or_else(|| unreadable("the token has no value (only a create answer carries one)"))?;
    crate::request::bearer(value).ok_or_else(|| unreadable("the token value cannot go in a header"))
}

fn unreadable(reason: &str) -> Error {
    Error::Decode {
        operation: Operation::CreateToken,
        attempts: 1,
        source: DecodeError::new(http::StatusCode::CREATED, reason, b""),
    }
}
