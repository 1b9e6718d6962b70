//! `POST /m2m_tokens/{id}/revoke`: revoke a token.

use crate::error::{RequestError, ResponseError};
use crate::{Config, Endpoint, M2mToken, Operation, SecretString};
use http::Method;
use serde::Serialize;
use std::fmt;

/// Params for revoking a token by id.
///
/// The id must match `^mt_[0-9A-Fa-f]{32}$`, so a token value passed by
/// mistake is refused and never lands in a URL; `Debug` shows the id only
/// when it is one.
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, RevokeTokenParams};
///
/// let config = Config::builder().machine_secret_key("ak_test_example").build()?;
/// let request = RevokeTokenParams::new("mt_f7f0ba8c3b4843ce7d85fcdd5e71853e")
///     .revocation_reason("compromised")
///     .build_request(&config)?;
/// assert_eq!(request.uri(), "https://api.clerk.com/m2m_tokens/mt_f7f0ba8c3b4843ce7d85fcdd5e71853e/revoke");
/// assert_eq!(request.body(), br#"{"revocation_reason":"compromised"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RevokeTokenParams {
    machine_secret_key: Option<SecretString>,
    token_id: String,
    revocation_reason: Option<String>,
}

#[derive(Serialize)]
struct RevokeBody<'a> {
    revocation_reason: Option<&'a str>,
}

impl RevokeTokenParams {
    /// Revoke the token with id `token_id` (`mt_…`).
    pub fn new(token_id: impl Into<String>) -> Self {
        Self {
            machine_secret_key: None,
            token_id: token_id.into(),
            revocation_reason: None,
        }
    }

    /// The key for this call, overriding the client's.
    pub fn machine_secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.machine_secret_key = Some(key.into());
        self
    }

    /// Why the token is revoked (sent as `null` when unset).
    pub fn revocation_reason(mut self, reason: impl Into<String>) -> Self {
        self.revocation_reason = Some(reason.into());
        self
    }
}

impl fmt::Debug for RevokeTokenParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevokeTokenParams")
            .field("machine_secret_key", &self.machine_secret_key)
            .field(
                "token_id",
                &super::shown_if(&self.token_id, crate::is_token_id),
            )
            .field(
                "revocation_reason",
                &self
                    .revocation_reason
                    .as_deref()
                    .map(crate::error::scrub_secrets),
            )
            .finish()
    }
}

impl Endpoint for RevokeTokenParams {
    type Output = M2mToken;
    const OPERATION: Operation = Operation::RevokeToken;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        let key = config.select_key(self.machine_secret_key.as_ref())?;
        if !crate::is_token_id(&self.token_id) {
            return Err(RequestError::invalid_token_id(&self.token_id));
        }
        let body = crate::request::json_body(&RevokeBody {
            revocation_reason: self.revocation_reason.as_deref(),
        })?;
        let url = config.m2m_url(&format!("/m2m_tokens/{}/revoke", self.token_id));
        crate::request::build_request(config, Method::POST, url, key, body)
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<M2mToken, ResponseError> {
        super::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_always_sent() {
        let config = Config::builder()
            .machine_secret_key("ak_x")
            .build()
            .unwrap();
        let request = RevokeTokenParams::new("mt_f7f0ba8c3b4843ce7d85fcdd5e71853e")
            .build_request(&config)
            .unwrap();
        assert_eq!(request.body(), br#"{"revocation_reason":null}"#);
    }

    #[test]
    fn token_values_are_not_ids() {
        let config = Config::builder()
            .machine_secret_key("ak_x")
            .build()
            .unwrap();
        let secret = "mt_sentinelsentinelsentinelsentinelsentinel";
        let error = RevokeTokenParams::new(secret)
            .build_request(&config)
            .unwrap_err();
        let message = error.to_string();
        assert!(!message.contains("sentinel"), "{message}");
        assert!(message.contains("looks like a token value"), "{message}");
        for bad in ["", "..", "mt_../../x", "eyJ.eyJ.sig"] {
            assert!(matches!(
                RevokeTokenParams::new(bad).build_request(&config),
                Err(RequestError::InvalidTokenId { .. })
            ));
        }
    }

    #[test]
    fn debug_never_shows_a_token_value_given_as_an_id() {
        let mistaken = RevokeTokenParams::new("mt_SENTINELvalueSENTINELvalueSENTINELvalue")
            .revocation_reason("leaked as sk_SENTINEL");
        let shown = format!("{mistaken:?}");
        assert!(!shown.contains("SENTINEL"), "{shown}");
        assert!(shown.contains("[not shown: 42 characters]"), "{shown}");
        let id = "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e";
        assert!(format!("{:?}", RevokeTokenParams::new(id)).contains(id));
    }
}
