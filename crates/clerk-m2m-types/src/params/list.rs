//! `GET /m2m_tokens`: list a machine's tokens.

use crate::error::{RequestError, ResponseError};
use crate::{Config, Endpoint, M2mTokenList, Operation, SecretString};
use http::Method;
use std::fmt;

/// Params for listing the tokens of a machine.
///
/// As `@clerk/backend` does, `false` flags and a zero offset are not sent
/// (they are the server's defaults). The subject must be a machine id
/// (`^mch_\w{27}$`, Clerk's pattern): anything else, such as a token value
/// passed by mistake, is refused before it can reach a URL, and `Debug`
/// shows the subject only when it is a machine id.
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, ListTokensParams};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = ListTokensParams::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")
///     .revoked(true)
///     .limit(20)
///     .offset(0)
///     .build_request(&config)?;
/// assert_eq!(
///     request.uri(),
///     "https://api.clerk.com/m2m_tokens?subject=mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk&revoked=true&limit=20"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ListTokensParams {
    machine_secret_key: Option<SecretString>,
    subject: String,
    revoked: bool,
    expired: bool,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl ListTokensParams {
    /// Tokens of the machine `subject` (`mch_…`).
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            machine_secret_key: None,
            subject: subject.into(),
            revoked: false,
            expired: false,
            limit: None,
            offset: None,
        }
    }

    /// The key for this call, overriding the client's.
    pub fn machine_secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.machine_secret_key = Some(key.into());
        self
    }

    /// Filter on revoked tokens (`revoked=true`).
    pub fn revoked(mut self, revoked: bool) -> Self {
        self.revoked = revoked;
        self
    }

    /// Filter on expired tokens (`expired=true`).
    pub fn expired(mut self, expired: bool) -> Self {
        self.expired = expired;
        self
    }

    /// Page size, 1–100 (server default 10).
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// How many tokens to skip.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    fn query(&self) -> Result<String, RequestError> {
        if self.subject.is_empty() {
            return Err(RequestError::EmptySubject);
        }
        if !crate::is_machine_id(&self.subject) {
            return Err(RequestError::invalid_machine_id("subject", &self.subject));
        }
        if let Some(limit) = self.limit {
            if !(1..=100).contains(&limit) {
                return Err(RequestError::LimitOutOfRange { limit });
            }
        }
        let mut query = String::from("subject=");
        crate::url::encode_query_value(&self.subject, &mut query);
        if self.revoked {
            query.push_str("&revoked=true");
        }
        if self.expired {
            query.push_str("&expired=true");
        }
        if let Some(limit) = self.limit {
            query.push_str(&format!("&limit={limit}"));
        }
        if let Some(offset) = self.offset.filter(|offset| *offset > 0) {
            query.push_str(&format!("&offset={offset}"));
        }
        Ok(query)
    }
}

impl fmt::Debug for ListTokensParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListTokensParams")
            .field("machine_secret_key", &self.machine_secret_key)
            .field(
                "subject",
                &super::shown_if(&self.subject, crate::is_machine_id),
            )
            .field("revoked", &self.revoked)
            .field("expired", &self.expired)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .finish()
    }
}

impl Endpoint for ListTokensParams {
    type Output = M2mTokenList;
    const OPERATION: Operation = Operation::ListTokens;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        let key = config.select_key(self.machine_secret_key.as_ref())?;
        let url = format!("{}?{}", config.m2m_url("/m2m_tokens"), self.query()?);
        crate::request::build_request(config, Method::GET, url, key, Vec::new())
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<M2mTokenList, ResponseError> {
        super::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACHINE: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

    fn uri(params: ListTokensParams) -> Result<String, RequestError> {
        let config = Config::builder()
            .machine_secret_key("ak_x")
            .m2m_path_prefix("/v1")
            .build()
            .unwrap();
        params
            .build_request(&config)
            .map(|request| request.uri().to_string())
    }

    #[test]
    fn falsy_filters_are_dropped() {
        assert_eq!(
            uri(ListTokensParams::new(MACHINE)
                .revoked(false)
                .expired(false)
                .offset(0))
            .unwrap(),
            "https://api.clerk.com/v1/m2m_tokens?subject=mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"
        );
        assert_eq!(
            uri(ListTokensParams::new(MACHINE).revoked(true).expired(true).limit(100).offset(5)).unwrap(),
            "https://api.clerk.com/v1/m2m_tokens?subject=mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk&revoked=true&expired=true&limit=100&offset=5"
        );
    }

    #[test]
    fn bad_params_are_refused() {
        assert_eq!(
            uri(ListTokensParams::new(MACHINE).limit(0)),
            Err(RequestError::LimitOutOfRange { limit: 0 })
        );
        assert_eq!(
            uri(ListTokensParams::new(MACHINE).limit(101)),
            Err(RequestError::LimitOutOfRange { limit: 101 })
        );
        assert_eq!(
            uri(ListTokensParams::new("")),
            Err(RequestError::EmptySubject)
        );
    }

    #[test]
    fn get_requests_have_an_empty_body() {
        let config = Config::builder()
            .machine_secret_key("ak_x")
            .build()
            .unwrap();
        let request = ListTokensParams::new(MACHINE)
            .build_request(&config)
            .unwrap();
        assert_eq!(request.method(), "GET");
        assert!(request.body().is_empty());
        assert_eq!(request.headers()["content-type"], "application/json");
    }

    #[test]
    fn subject_must_be_a_machine_id_and_is_never_echoed() {
        let cases = [
            ("mch_1", ""),
            ("mch_2xhFjEI5X2qWRvtV13BzSj8H6D!", ""),
            ("user_2xhFjEI5X2qWRvtV13BzSj8H6Dk", ""),
            (
                "mt_SENTINELopaqueSENTINELopaqueSENTINEL",
                "looks like a key or token value",
            ),
            ("ak_SENTINEL", "looks like a key or token value"),
            (
                "eyJhbGciOi.eyJzdWIi.SENTINEL",
                "looks like a key or token value",
            ),
            ("mt_0123456789abcdef0123456789abcdef", "is a token id"),
        ];
        for (subject, hint) in cases {
            let error = uri(ListTokensParams::new(subject)).unwrap_err();
            let RequestError::InvalidMachineId { field, length, .. } = error else {
                panic!("{subject}: {error:?}");
            };
            assert_eq!((field, length), ("subject", subject.len()));
            let message = error.to_string();
            assert!(
                message.starts_with("subject must be a machine id"),
                "{message}"
            );
            assert!(message.contains(hint), "{message}");
            assert!(!message.contains(subject), "{message}");
            assert!(!format!("{error:?}").contains(subject));
        }
    }

    #[test]
    fn debug_shows_the_subject_only_when_it_is_a_machine_id() {
        let shown = format!(
            "{:?}",
            ListTokensParams::new(MACHINE).machine_secret_key("ak_SENTINEL")
        );
        assert!(shown.contains(MACHINE), "{shown}");
        assert!(!shown.contains("SENTINEL"), "{shown}");
        let mistaken = format!("{:?}", ListTokensParams::new("mt_SENTINELvalue"));
        assert!(!mistaken.contains("SENTINEL"), "{mistaken}");
    }
}
