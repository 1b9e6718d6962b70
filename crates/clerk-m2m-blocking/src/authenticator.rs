//! The receiving side: from an `Authorization` header to a verified machine.

clerk_m2m_types::authenticator_api! {
    ;;
    /// Authenticates incoming machine-to-machine requests.
    ///
    /// Takes the `Authorization: Bearer <token>` header, verifies the token with
    /// [`Client::verify_token`] (an M2M JWT locally, an opaque token through the
    /// API) and returns the verified token: its `subject` is the calling
    /// machine. A bearer that is neither (an API key, a session JWT, junk) is
    /// refused without a request to Clerk
    /// ([`classify_bearer`](clerk_m2m_types::driver::auth::classify_bearer)). Optionally requires that the token be allowed to call this
    /// service ([`require_scope`](Self::require_scope)).
    ///
    /// A JWT's scopes are its creator's own claims, so a scope check on a JWT
    /// fails closed unless trusted: see [`AuthRules`](crate::AuthRules#jwt-scopes-are-not-trusted-by-default).
    ///
    /// ```
    /// use clerk_m2m_blocking::{AuthErrorKind, Authenticator, Client};
    ///
    /// let client = Client::builder()
    ///     .secret_key("sk_test_example")
    ///     .transport(|_request: http::Request<Vec<u8>>| {
    ///         http::Response::builder()
    ///             .status(404)
    ///             .header("content-type", "application/json")
    ///             .body(br#"{"errors":[{"code":"not_found","message":"not found"}]}"#.to_vec())
    ///             .map_err(clerk_m2m_blocking::TransportError::other)
    ///     })
    ///     .build()?;
    /// let auth = Authenticator::new(client).require_scope("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em");
    ///
    /// let missing = auth.authenticate_header(None).unwrap_err();
    /// assert_eq!(missing.kind(), AuthErrorKind::MissingToken);
    /// assert_eq!(missing.status(), 401);
    ///
    /// let unknown = auth.authenticate_header(Some("Bearer mt_unknown")).unwrap_err();
    /// assert_eq!((unknown.code(), unknown.status().as_u16()), ("token-invalid", 401));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
}
