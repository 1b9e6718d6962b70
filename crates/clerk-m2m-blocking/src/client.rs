//! The blocking client: sends what `clerk-m2m-types` builds, retries as its policy says.

use crate::Transport;
use clerk_m2m_types::driver::call::{AttemptSpan, Call, Step};
use clerk_m2m_types::{
    CreateTokenParams, Endpoint, Error, ListTokensParams, M2mToken, M2mTokenList,
    RevokeTokenParams, VerifyTokenParams,
};
use std::time::{Instant, SystemTime};

clerk_m2m_types::client_core! {
    /// Blocking client for Clerk's M2M token API.
    ///
    /// Cheap to clone (one `Arc` inside), `Send + Sync`, no type parameters:
    /// share one between threads. Each call validates its params locally, sends
    /// the request through the [`Transport`] on the calling thread, retries per
    /// the config's [`RetryPolicy`](clerk_m2m_types::RetryPolicy) within its call timeout (sleeping the thread between
    /// attempts), and parses the answer. No async runtime is needed; calling it
    /// from inside one blocks that runtime's worker thread.
    ///
    /// Each attempt carries the time left before the call's deadline (an
    /// [`AttemptBudget`](clerk_m2m_types::AttemptBudget)); the built-in
    /// transport ends it by then, and the client never starts an attempt or a
    /// wait past the deadline. `Debug` never shows a key.
    ///
    /// # Examples
    ///
    /// Any closure from request to response is a transport (tests, or your own
    /// HTTP stack); here one plays the Backend API for a verify call:
    ///
    /// ```
    /// use clerk_m2m_blocking::{Client, TransportError, VerifyTokenParams};
    ///
    /// let transport = |request: http::Request<Vec<u8>>| {
    ///     assert_eq!(request.uri(), "https://api.clerk.com/m2m_tokens/verify");
    ///     assert_eq!(request.body(), br#"{"token":"mt_test_only_value"}"#);
    ///     let token = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef",
    ///         "subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":["mch_2yJ0xY0O1dUzV6RqvQ8sB3nT4kP"],
    ///         "revoked":false,"expired":false,"created_at":1716879600000,"updated_at":1716879600000}"#;
    ///     http::Response::builder()
    ///         .status(200)
    ///         .header("content-type", "application/json")
    ///         .body(token.as_bytes().to_vec())
    ///         .map_err(TransportError::other)
    /// };
    /// let client = Client::builder()
    ///     .secret_key("sk_test_example")
    ///     .transport(transport)
    ///     .build()?;
    /// // Clones share the transport and the JWKS cache: clone freely.
    /// let for_a_request_handler = client.clone();
    /// let caller = for_a_request_handler
    ///     .verify_token(VerifyTokenParams::new("mt_test_only_value"))?;
    /// assert_eq!(caller.subject, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
}

impl Client {
    /// Creates a token (`POST /m2m_tokens`).
    ///
    /// Never retried once the request may have reached the server (each
    /// create mints a billed token): only a 429 or a failure before sending
    /// is tried again.
    ///
    /// # Examples
    ///
    /// A token with a one-hour lifetime; its value is on this answer only:
    ///
    /// ```
    /// use clerk_m2m_blocking::{Client, CreateTokenParams};
    /// # use clerk_m2m_blocking::TransportError;
    ///
    /// # // A closure plays the Backend API: it checks the request and answers with
    /// # // canned JSON.
    /// # let transport = |request: http::Request<Vec<u8>>| {
    /// #     assert_eq!(request.method(), "POST");
    /// #     assert_eq!(request.uri().path(), "/m2m_tokens");
    /// #     let body = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":["mch_2yJ0xY0O1dUzV6RqvQ8sB3nT4kP"],"claims":null,"token":"mt_test_only_value","revoked":false,"revocation_reason":null,"expired":false,"expiration":1716883200000,"last_used_at":null,"created_at":1716879600000,"updated_at":1716879600000}"#.to_owned();
    /// #     http::Response::builder()
    /// #         .status(201)
    /// #         .header("content-type", "application/json")
    /// #         .body(body.into_bytes())
    /// #         .map_err(TransportError::other)
    /// # };
    /// # let client = Client::builder()
    /// #     .machine_secret_key("ak_test_example")
    /// #     .transport(transport)
    /// #     .build()?;
    /// let token = client
    ///     .create_token(CreateTokenParams::new().seconds_until_expiration(3600))?;
    /// assert_eq!(token.subject, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    /// // Send this value to the other service, e.g. as `Authorization: Bearer …`.
    /// assert_eq!(token.token_value(), Some("mt_test_only_value"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_token(&self, params: CreateTokenParams) -> Result<M2mToken, Error> {
        self.send(&params)
    }

    /// Lists a machine's tokens (`GET /m2m_tokens?subject=…`).
    ///
    /// # Examples
    ///
    /// A machine's live tokens, ten at most:
    ///
    /// ```
    /// use clerk_m2m_blocking::{Client, ListTokensParams};
    /// # use clerk_m2m_blocking::TransportError;
    ///
    /// # // A closure plays the Backend API: it checks the request and answers with
    /// # // canned JSON.
    /// # let transport = |request: http::Request<Vec<u8>>| {
    /// #     assert_eq!(request.method(), "GET");
    /// #     assert_eq!(request.uri().path(), "/m2m_tokens");
    /// #     let body = r#"{"m2m_tokens":[{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":["mch_2yJ0xY0O1dUzV6RqvQ8sB3nT4kP"],"claims":null,"revoked":false,"revocation_reason":null,"expired":false,"expiration":null,"last_used_at":null,"created_at":1716879600000,"updated_at":1716879600000}],"total_count":1}"#.to_owned();
    /// #     http::Response::builder()
    /// #         .status(200)
    /// #         .header("content-type", "application/json")
    /// #         .body(body.into_bytes())
    /// #         .map_err(TransportError::other)
    /// # };
    /// # let client = Client::builder()
    /// #     .machine_secret_key("ak_test_example")
    /// #     .transport(transport)
    /// #     .build()?;
    /// let page = client
    ///     .list_tokens(ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk").limit(10))?;
    /// assert_eq!(page.total_count, 1);
    /// for token in &page.tokens {
    ///     // Live tokens by default; a listed token never carries its value.
    ///     assert!(!token.revoked && token.token_value().is_none());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list_tokens(&self, params: ListTokensParams) -> Result<M2mTokenList, Error> {
        self.send(&params)
    }

    /// Revokes a token by id (`POST /m2m_tokens/{id}/revoke`).
    ///
    /// # Examples
    ///
    /// Revoking twice is harmless: the API answers with the token unchanged.
    ///
    /// ```
    /// use clerk_m2m_blocking::{Client, RevokeTokenParams};
    /// # use clerk_m2m_blocking::TransportError;
    ///
    /// # // A closure plays the Backend API: it checks the request and answers with
    /// # // canned JSON.
    /// # let transport = |request: http::Request<Vec<u8>>| {
    /// #     assert_eq!(request.method(), "POST");
    /// #     assert_eq!(request.uri().path(), "/m2m_tokens/mt_0123456789abcdef0123456789abcdef/revoke");
    /// #     let body = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":["mch_2yJ0xY0O1dUzV6RqvQ8sB3nT4kP"],"claims":null,"revoked":true,"revocation_reason":"rotated","expired":false,"expiration":null,"last_used_at":null,"created_at":1716879600000,"updated_at":1716879600000}"#.to_owned();
    /// #     http::Response::builder()
    /// #         .status(200)
    /// #         .header("content-type", "application/json")
    /// #         .body(body.into_bytes())
    /// #         .map_err(TransportError::other)
    /// # };
    /// # let client = Client::builder()
    /// #     .machine_secret_key("ak_test_example")
    /// #     .transport(transport)
    /// #     .build()?;
    /// let token = client
    ///     .revoke_token(
    ///         RevokeTokenParams::new("mt_0123456789abcdef0123456789abcdef")
    ///             .revocation_reason("rotated"),
    ///     )?;
    /// assert!(token.revoked);
    /// assert_eq!(token.revocation_reason.as_deref(), Some("rotated"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn revoke_token(&self, params: RevokeTokenParams) -> Result<M2mToken, Error> {
        self.send(&params)
    }

    /// Verifies a token.
    ///
    /// With the `jwt` feature (on by default), as `@clerk/backend` does:
    /// - a token over 8 KiB is refused locally ([`Error::Jwt`], kind
    ///   `TooLarge`) and never sent;
    /// - an M2M JWT (three base64url parts, payload `sub` starting `mch_`) is
    ///   verified locally, with the PEM key set by
    ///   [`ClientBuilder::jwt_key`](crate::ClientBuilder::jwt_key) (`CLERK_JWT_KEY`, no network), else with
    ///   the instance's JWKS fetched with the instance secret key
    ///   (`CLERK_SECRET_KEY`) through the client's transport and cached:
    ///   5 minutes fresh, refetched on an unknown `kid` or a bad signature at
    ///   most once per 30 s, one fetch shared by concurrent threads (the
    ///   others wait for its outcome; a stale key keeps serving them while
    ///   one thread refreshes it), retried like any GET, known keys kept when
    ///   a fetch fails. With neither key: [`Error::NoJwtKey`];
    /// - anything else is posted to `POST /m2m_tokens/verify`.
    ///
    /// Without the `jwt` feature every token is posted. To send a JWT to the
    /// API anyway, use [`send`](Self::send) with the params. For a token you
    /// hold as a `&str` (e.g. from a request header),
    /// [`verify_token_str`](Self::verify_token_str) does the same without
    /// copying it.
    pub fn verify_token(&self, params: VerifyTokenParams) -> Result<M2mToken, Error> {
        #[cfg(feature = "jwt")]
        if let Some(verified) = self.verify_locally(params.token().expose_secret()) {
            return verified;
        }
        self.send(&params)
    }

    /// [`verify_token`](Self::verify_token) for a borrowed token: an M2M JWT
    /// is routed and verified in place, with no copy; any other token is
    /// posted with the client's keys.
    pub fn verify_token_str(&self, token: &str) -> Result<M2mToken, Error> {
        #[cfg(feature = "jwt")]
        if let Some(verified) = self.verify_locally(token) {
            return verified;
        }
        self.send(&VerifyTokenParams::new(token))
    }

    /// Sends any call: validates and builds its request once, sends it,
    /// retries per the policy within the call timeout, and parses the answer.
    ///
    /// A blocking attempt cannot be cut short by the client: it hands the
    /// transport the time left as an
    /// [`AttemptBudget`](clerk_m2m_types::AttemptBudget), which the built-in
    /// transport honours (a custom one that ignores it is bounded by its own
    /// timeouts). The client never starts an attempt, nor a
    /// wait before a retry, past the deadline: a wait that would end after
    /// it returns the last answer at once.
    pub fn send<E: Endpoint>(&self, params: &E) -> Result<E::Output, Error> {
        let inner = &*self.inner;
        let clock = CallClock::start(inner.config.clock().now());
        let mut call = Call::new(&inner.config, params, clock.now())?;
        loop {
            let attempt = call.next_attempt(clock.now())?;
            let span = AttemptSpan::start(E::OPERATION, attempt.request.method(), attempt.number);
            let result = span.in_scope(|| inner.transport.send(attempt.request));
            span.record(&result);
            match call.handle(result, clock.now(), fastrand::f64()) {
                Step::Done(result) => return result,
                Step::RetryAfter(delay) => std::thread::sleep(delay),
            }
        }
    }
}

/// Time as one call sees it: the config's wall clock at the start, advanced
/// with the monotonic clock, so a wall-clock jump cannot stretch or cut the
/// deadline while `Retry-After` dates are still compared with wall time.
#[derive(Clone, Copy, Debug)]
struct CallClock {
    wall_at_start: SystemTime,
    started: Instant,
}

impl CallClock {
    fn start(wall: SystemTime) -> Self {
        Self {
            wall_at_start: wall,
            started: Instant::now(),
        }
    }

    fn now(&self) -> SystemTime {
        let elapsed = self.started.elapsed();
        self.wall_at_start
            .checked_add(elapsed)
            .unwrap_or(self.wall_at_start)
    }
}

#[cfg(test)]
mod tests;
