//! The async client: sends what `clerk-m2m-types` builds, retries as its policy says.

use crate::clock::CallClock;
use crate::Transport;
use clerk_m2m_types::driver::call::{AttemptSpan, Call, Step};
use clerk_m2m_types::{
    CreateTokenParams, Endpoint, Error, ListTokensParams, M2mToken, M2mTokenList,
    RevokeTokenParams, TransportError, TransportErrorKind, VerifyTokenParams,
};
use std::time::Duration;

clerk_m2m_types::client_core! {
    /// Async client for Clerk's M2M token API.
    ///
    /// Cheap to clone (one `Arc` inside), `Send + Sync`, no type parameters: keep
    /// one in your application state. Each call validates its params locally,
    /// sends the request through the [`Transport`], retries per the config's
    /// [`RetryPolicy`](clerk_m2m_types::RetryPolicy) within its call timeout,
    /// and parses the answer.
    ///
    /// Calls need a Tokio runtime with the time driver enabled (`#[tokio::main]`
    /// enables it). `Debug` never shows a key.
    ///
    /// # Examples
    ///
    /// Any closure from request to response is a transport (tests, or your own
    /// HTTP stack); here one plays the Backend API for a verify call:
    ///
    /// ```
    /// use clerk_m2m_async::{Client, TransportError, VerifyTokenParams};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// let transport = |request: http::Request<Vec<u8>>| async move {
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
    ///     .verify_token(VerifyTokenParams::new("mt_test_only_value"))
    ///     .await?;
    /// assert_eq!(caller.subject, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
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
    /// use clerk_m2m_async::{Client, CreateTokenParams};
    /// # use clerk_m2m_async::TransportError;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// # // A closure plays the Backend API: it checks the request and answers with
    /// # // canned JSON.
    /// # let transport = |request: http::Request<Vec<u8>>| async move {
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
    ///     .create_token(CreateTokenParams::new().seconds_until_expiration(3600))
    ///     .await?;
    /// assert_eq!(token.subject, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    /// // Send this value to the other service, e.g. as `Authorization: Bearer …`.
    /// assert_eq!(token.token_value(), Some("mt_test_only_value"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn create_token(&self, params: CreateTokenParams) -> Result<M2mToken, Error> {
        self.send(&params).await
    }

    /// Lists a machine's tokens (`GET /m2m_tokens?subject=…`).
    ///
    /// # Examples
    ///
    /// A machine's live tokens, ten at most:
    ///
    /// ```
    /// use clerk_m2m_async::{Client, ListTokensParams};
    /// # use clerk_m2m_async::TransportError;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// # // A closure plays the Backend API: it checks the request and answers with
    /// # // canned JSON.
    /// # let transport = |request: http::Request<Vec<u8>>| async move {
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
    ///     .list_tokens(ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk").limit(10))
    ///     .await?;
    /// assert_eq!(page.total_count, 1);
    /// for token in &page.tokens {
    ///     // Live tokens by default; a listed token never carries its value.
    ///     assert!(!token.revoked && token.token_value().is_none());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn list_tokens(&self, params: ListTokensParams) -> Result<M2mTokenList, Error> {
        self.send(&params).await
    }

    /// Revokes a token by id (`POST /m2m_tokens/{id}/revoke`).
    ///
    /// # Examples
    ///
    /// Revoking twice is harmless: the API answers with the token unchanged.
    ///
    /// ```
    /// use clerk_m2m_async::{Client, RevokeTokenParams};
    /// # use clerk_m2m_async::TransportError;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// # // A closure plays the Backend API: it checks the request and answers with
    /// # // canned JSON.
    /// # let transport = |request: http::Request<Vec<u8>>| async move {
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
    ///     )
    ///     .await?;
    /// assert!(token.revoked);
    /// assert_eq!(token.revocation_reason.as_deref(), Some("rotated"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn revoke_token(&self, params: RevokeTokenParams) -> Result<M2mToken, Error> {
        self.send(&params).await
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
    ///   (`CLERK_SECRET_KEY`) and cached: 5 minutes fresh (stale keys keep
    ///   serving while one refresh runs), refetched on an unknown `kid` or a
    ///   bad signature at most once per 30 s, one fetch shared by concurrent
    ///   verifications and run on a task of its own (a caller that gives up
    ///   does not cancel it), retried like any GET, known keys kept when a
    ///   fetch fails. With neither key: [`Error::NoJwtKey`];
    /// - anything else is posted to `POST /m2m_tokens/verify`.
    ///
    /// To send a JWT to the API anyway, use [`send`](Self::send) with the
    /// params. For a token you hold as a `&str` (e.g. from a request
    /// header), [`verify_token_str`](Self::verify_token_str) does the same
    /// without copying it.
    ///
    /// # Examples
    ///
    /// On the receiving service: an opaque token goes to the API, which names the
    /// calling machine and whom it may call:
    ///
    /// ```
    /// use clerk_m2m_async::{Client, VerifyTokenParams};
    /// # use clerk_m2m_async::TransportError;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// # // A closure plays the Backend API: it checks the request and answers with
    /// # // canned JSON.
    /// # let transport = |request: http::Request<Vec<u8>>| async move {
    /// #     assert_eq!(request.method(), "POST");
    /// #     assert_eq!(request.uri().path(), "/m2m_tokens/verify");
    /// #     let body = r#"{"object":"machine_to_machine_token","id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk","scopes":["mch_2yJ0xY0O1dUzV6RqvQ8sB3nT4kP"],"claims":null,"revoked":false,"revocation_reason":null,"expired":false,"expiration":null,"last_used_at":null,"created_at":1716879600000,"updated_at":1716879600000}"#.to_owned();
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
    ///     .verify_token(VerifyTokenParams::new("mt_test_only_value"))
    ///     .await?;
    /// assert_eq!(token.subject, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
    /// assert!(token.has_scope("mch_2yJ0xY0O1dUzV6RqvQ8sB3nT4kP")); // this service
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn verify_token(&self, params: VerifyTokenParams) -> Result<M2mToken, Error> {
        #[cfg(feature = "jwt")]
        if let Some(verified) = self.verify_locally(params.token().expose_secret()).await {
            return verified;
        }
        self.send(&params).await
    }

    /// [`verify_token`](Self::verify_token) for a borrowed token: an M2M JWT
    /// is routed and verified in place, with no copy; any other token is
    /// posted with the client's keys.
    pub async fn verify_token_str(&self, token: &str) -> Result<M2mToken, Error> {
        #[cfg(feature = "jwt")]
        if let Some(verified) = self.verify_locally(token).await {
            return verified;
        }
        self.send(&VerifyTokenParams::new(token)).await
    }

    /// Sends any call: validates and builds its request once, sends it,
    /// retries per the policy within the call timeout, and parses the answer.
    ///
    /// Each attempt is bounded by the time left before the call's deadline: a
    /// transport that never answers ends the call with a
    /// [`TransportErrorKind::Timeout`] error when the deadline passes.
    pub async fn send<E: Endpoint>(&self, params: &E) -> Result<E::Output, Error> {
        let inner = &*self.inner;
        let clock = CallClock::start(inner.config.clock().now());
        let mut call = Call::new(&inner.config, params, clock.now())?;
        loop {
            let attempt = call.next_attempt(clock.now())?;
            let span = AttemptSpan::start(E::OPERATION, attempt.request.method(), attempt.number);
            let result = span
                .instrument(send_attempt(
                    inner.transport.as_ref(),
                    attempt.request,
                    attempt.time_left,
                ))
                .await;
            span.record(&result);
            match call.handle(result, clock.now(), fastrand::f64()) {
                Step::Done(result) => return result,
                Step::RetryAfter(delay) => tokio::time::sleep(delay).await,
            }
        }
    }
}

/// One attempt, bounded by the time left before the call's deadline.
async fn send_attempt(
    transport: &dyn Transport,
    request: http::Request<Vec<u8>>,
    time_left: Option<Duration>,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    // Let the runtime take in I/O events that have already arrived before the
    // request goes out. A server that closed an idle pooled connection has
    // sent its FIN; once the runtime has seen it, the pool retires that
    // connection instead of writing the request onto it. Written onto a
    // closing connection, a create fails after it may have been sent and
    // cannot be retried. Costs one trip through the scheduler (about 0.5 µs,
    // `benches/side_by_side.rs`). Best effort: a FIN that arrives after this
    // point, or one the I/O driver of a multi-thread runtime has not turned
    // over yet (another worker holds it), is not seen in time.
    tokio::task::yield_now().await;
    match time_left {
        Some(time_left) if !transport.enforces_attempt_budget() => {
            tokio::time::timeout(time_left, transport.send(request))
                .await
                .unwrap_or_else(|_elapsed| {
                    Err(TransportError::new(TransportErrorKind::Timeout)
                        .with_source("the call timeout elapsed before the answer"))
                })
        }
        _ => transport.send(request).await,
    }
}

#[cfg(test)]
mod tests;
