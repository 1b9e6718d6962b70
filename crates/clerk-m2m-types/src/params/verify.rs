//! `POST /m2m_tokens/verify`: verify a token through the API.

use crate::error::{RequestError, ResponseError};
use crate::{Config, Endpoint, M2mToken, Operation, SecretString};
use http::Method;
use serde::Serialize;

/// Params for verifying a token through the Backend API.
///
/// The receiving service usually verifies with its own machine key: the
/// token must list that machine in its scopes.
#[derive(Clone, Debug)]
pub struct VerifyTokenParams {
    machine_secret_key: Option<SecretString>,
    token: SecretString,
}

#[derive(Serialize)]
struct VerifyBody<'a> {
    token: &'a str,
}

impl VerifyTokenParams {
    /// Verify `token` (an opaque `mt_…` value or a JWT).
    pub fn new(token: impl Into<SecretString>) -> Self {
        Self {
            machine_secret_key: None,
            token: token.into(),
        }
    }

    /// The key for this call, overriding the client's.
    pub fn machine_secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.machine_secret_key = Some(key.into());
        self
    }

    /// The token to verify.
    pub fn token(&self) -> &SecretString {
        &self.token
    }
}

impl Endpoint for VerifyTokenParams {
    type Output = M2mToken;
    const OPERATION: Operation = Operation::VerifyToken;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        let key = config.select_key(self.machine_secret_key.as_ref())?;
        if self.token.expose_secret().is_empty() {
            return Err(RequestError::EmptyToken);
        }
        let body = crate::request::json_body(&VerifyBody {
            token: self.token.expose_secret(),
        })?;
        crate::request::build_request(
            config,
            Method::POST,
            config.m2m_url("/m2m_tokens/verify"),
            key,
            body,
        )
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<M2mToken, ResponseError> {
        super::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tokens_are_refused_and_values_hidden() {
        let config = Config::builder()
            .machine_secret_key("ak_x")
            .build()
            .unwrap();
        assert_eq!(
            VerifyTokenParams::new("")
                .build_request(&config)
                .unwrap_err(),
            RequestError::EmptyToken
        );
        let params = VerifyTokenParams::new("mt_sentinel");
        assert!(!format!("{params:?}").contains("sentinel"));
    }
}
