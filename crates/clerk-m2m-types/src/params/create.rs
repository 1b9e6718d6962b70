//! `POST /m2m_tokens`: create a token.

use crate::error::{RequestError, ResponseError};
use crate::{Config, Endpoint, M2mToken, Operation, SecretString, TokenFormat};
use http::Method;
use serde::Serialize;
use std::fmt;

/// Params for creating a token.
///
/// ```
/// use clerk_m2m_types::{Config, CreateTokenParams, Endpoint, TokenFormat};
/// use serde_json::json;
///
/// let config = Config::builder().machine_secret_key("ak_test_example").build()?;
/// let params = CreateTokenParams::new()
///     .token_format(TokenFormat::Jwt)
///     .seconds_until_expiration(3600)
///     .claims(json!({"role": "reader"}));
/// let request = params.build_request(&config)?;
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.uri(), "https://api.clerk.com/m2m_tokens");
/// assert_eq!(
///     request.body(),
///     br#"{"seconds_until_expiration":3600,"claims":{"role":"reader"},"token_format":"jwt"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// `Debug` shows the claims with anything that looks like a key or token
/// value replaced.
#[derive(Clone, Default)]
pub struct CreateTokenParams {
    machine_secret_key: Option<SecretString>,
    token_format: TokenFormat,
    seconds_until_expiration: Option<u64>,
    claims: Option<serde_json::Value>,
    min_remaining_ttl_seconds: Option<u64>,
}

/// Key order as `@clerk/backend` 3.25.0 sends it (observed on the wire).
#[derive(Serialize)]
struct CreateBody<'a> {
    seconds_until_expiration: Option<u64>,
    claims: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_remaining_ttl_seconds: Option<u64>,
    token_format: &'a str,
}

impl CreateTokenParams {
    /// An opaque token that never expires, no claims.
    pub fn new() -> Self {
        Self::default()
    }

    /// The machine secret key for this call, overriding the client's.
    pub fn machine_secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.machine_secret_key = Some(key.into());
        self
    }

    /// Opaque (default) or JWT.
    pub fn token_format(mut self, format: TokenFormat) -> Self {
        self.token_format = format;
        self
    }

    /// Lifetime in seconds (must be > 0). Unset: the token never expires
    /// (sent as `null`, as `@clerk/backend` does).
    pub fn seconds_until_expiration(mut self, seconds: u64) -> Self {
        self.seconds_until_expiration = Some(seconds);
        self
    }

    /// Custom claims: must be a JSON object. Keys are sent as given.
    pub fn claims(mut self, claims: serde_json::Value) -> Self {
        self.claims = Some(claims);
        self
    }

    /// Server-side reuse: return a live opaque token of this machine with the
    /// same claims if it has at least this many seconds left. Must be below
    /// the lifetime. Ignored by the API for JWTs.
    pub fn min_remaining_ttl_seconds(mut self, seconds: u64) -> Self {
        self.min_remaining_ttl_seconds = Some(seconds);
        self
    }

    /// The requested format.
    pub fn format(&self) -> &TokenFormat {
        &self.token_format
    }

    /// The requested lifetime, if any.
    pub fn lifetime_seconds(&self) -> Option<u64> {
        self.seconds_until_expiration
    }

    /// The requested `min_remaining_ttl_seconds`, if any.
    pub fn min_remaining_ttl(&self) -> Option<u64> {
        self.min_remaining_ttl_seconds
    }

    /// The claims as set (for keying a token cache).
    pub(crate) fn claims_value(&self) -> Option<&serde_json::Value> {
        self.claims.as_ref()
    }

    /// The per-call key, if set (for keying a token cache).
    pub(crate) fn key_override(&self) -> Option<&SecretString> {
        self.machine_secret_key.as_ref()
    }

    fn validate(&self) -> Result<(), RequestError> {
        if let Some(claims) = &self.claims {
            if !claims.is_object() {
                return Err(RequestError::ClaimsNotObject {
                    found: json_type_name(claims),
                });
            }
        }
        if self.seconds_until_expiration == Some(0) {
            return Err(RequestError::ZeroExpiration);
        }
        if let (Some(min), Some(lifetime)) = (
            self.min_remaining_ttl_seconds,
            self.seconds_until_expiration,
        ) {
            if min >= lifetime {
                return Err(RequestError::MinRemainingTtlNotBelowExpiration {
                    min_remaining_ttl_seconds: min,
                    seconds_until_expiration: lifetime,
                });
            }
        }
        Ok(())
    }
}

fn json_type_name(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl fmt::Debug for CreateTokenParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateTokenParams")
            .field("machine_secret_key", &self.machine_secret_key)
            .field("token_format", &self.token_format)
            .field("seconds_until_expiration", &self.seconds_until_expiration)
            .field(
                "claims",
                &self
                    .claims
                    .as_ref()
                    .map(|claims| crate::error::scrub_secrets(&claims.to_string())),
            )
            .field("min_remaining_ttl_seconds", &self.min_remaining_ttl_seconds)
            .finish()
    }
}

impl Endpoint for CreateTokenParams {
    type Output = M2mToken;
    const OPERATION: Operation = Operation::CreateToken;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        let key = config.select_key(self.machine_secret_key.as_ref())?;
        if key.has_prefix("sk_") {
            return Err(RequestError::InstanceKeyCannotCreate);
        }
        self.validate()?;
        let body = crate::request::json_body(&CreateBody {
            seconds_until_expiration: self.seconds_until_expiration,
            claims: self.claims.as_ref(),
            min_remaining_ttl_seconds: self.min_remaining_ttl_seconds,
            token_format: self.token_format.as_str(),
        })?;
        crate::request::build_request(
            config,
            Method::POST,
            config.m2m_url("/m2m_tokens"),
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
    use serde_json::json;

    fn config() -> Config {
        Config::builder()
            .machine_secret_key("ak_test_client")
            .build()
            .unwrap()
    }

    fn body(params: &CreateTokenParams) -> String {
        String::from_utf8(params.build_request(&config()).unwrap().into_body()).unwrap()
    }

    #[test]
    fn default_body_has_explicit_nulls() {
        assert_eq!(
            body(&CreateTokenParams::new()),
            r#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#
        );
    }

    #[test]
    fn claims_keep_their_keys_and_order() {
        let params = CreateTokenParams::new()
            .claims(json!({"zeta": 1, "camelCase": {"innerKey": true}, "alpha": null}))
            .seconds_until_expiration(60)
            .min_remaining_ttl_seconds(30);
        assert_eq!(
            body(&params),
            r#"{"seconds_until_expiration":60,"claims":{"zeta":1,"camelCase":{"innerKey":true},"alpha":null},"min_remaining_ttl_seconds":30,"token_format":"opaque"}"#
        );
    }

    #[test]
    fn headers_match_the_js_sdk() {
        let request = CreateTokenParams::new()
            .machine_secret_key("ak_per_call")
            .build_request(&config())
            .unwrap();
        let headers = request.headers();
        assert_eq!(headers["authorization"], "Bearer ak_per_call");
        assert!(headers["authorization"].is_sensitive());
        assert_eq!(headers["clerk-api-version"], "2026-05-12");
        assert_eq!(headers["content-type"], "application/json");
        assert!(headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("clerk-m2m-rust/"));
    }

    #[test]
    fn invalid_params_are_refused() {
        let cases = [
            (
                CreateTokenParams::new().claims(json!([1])),
                RequestError::ClaimsNotObject { found: "an array" },
            ),
            (
                CreateTokenParams::new().claims(json!("x")),
                RequestError::ClaimsNotObject { found: "a string" },
            ),
            (
                CreateTokenParams::new().seconds_until_expiration(0),
                RequestError::ZeroExpiration,
            ),
            (
                CreateTokenParams::new()
                    .seconds_until_expiration(60)
                    .min_remaining_ttl_seconds(60),
                RequestError::MinRemainingTtlNotBelowExpiration {
                    min_remaining_ttl_seconds: 60,
                    seconds_until_expiration: 60,
                },
            ),
        ];
        for (params, expected) in cases {
            assert_eq!(params.build_request(&config()).unwrap_err(), expected);
        }
    }

    #[test]
    fn instance_key_cannot_create() {
        let config = Config::builder()
            .secret_key("sk_test_instance")
            .build()
            .unwrap();
        assert_eq!(
            CreateTokenParams::new().build_request(&config).unwrap_err(),
            RequestError::InstanceKeyCannotCreate
        );
        assert_eq!(
            CreateTokenParams::new()
                .build_request(&Config::default())
                .unwrap_err(),
            RequestError::MissingSecretKey
        );
    }

    #[test]
    fn debug_hides_the_key_and_secrets_in_claims() {
        let params = CreateTokenParams::new()
            .machine_secret_key("ak_SENTINEL")
            .claims(json!({"role": "reader", "upstream": "sk_live_SENTINEL"}));
        let shown = format!("{params:?}");
        assert!(!shown.contains("SENTINEL"), "{shown}");
        assert!(shown.contains("reader"), "{shown}");
    }
}
