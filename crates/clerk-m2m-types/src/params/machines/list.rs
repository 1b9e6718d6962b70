//! `GET /v1/machines`: list the instance's machines.

use super::query::Query;
use crate::error::{MachineRequestError, RequestError, ResponseError};
use crate::{Config, Endpoint, MachineList, Operation};
use http::Method;

/// Params for listing machines, one page at a time.
///
/// The query is sent in the spec's order (`limit`, `offset`, `query`,
/// `order_by`), form-encoded as `@clerk/backend` sends it (a space as `+`, a
/// `+` as `%2B`). As it does, a zero offset and an empty query are not sent
/// (they are the server's defaults).
///
/// ```
/// use clerk_m2m_types::{Config, Endpoint, ListMachinesParams};
///
/// let config = Config::builder().secret_key("sk_test_example").build()?;
/// let request = ListMachinesParams::new()
///     .limit(5)
///     .offset(10)
///     .query("billing worker")
///     .order_by("+name")
///     .build_request(&config)?;
/// assert_eq!(
///     request.uri(),
///     "https://api.clerk.com/v1/machines?limit=5&offset=10&query=billing+worker&order_by=%2Bname"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ListMachinesParams {
    limit: Option<u64>,
    offset: Option<u64>,
    query: Option<String>,
    order_by: Option<String>,
}

impl ListMachinesParams {
    /// The first page, in the server's order (newest first), its default size (10).
    pub fn new() -> Self {
        Self::default()
    }

    /// Page size, 1–500 (server default 10).
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// How many machines to skip.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Only machines whose id is exactly this, or whose name contains it.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// Sort field, `name` or `created_at`, with `+` (ascending, the default
    /// when no sign is given) or `-` (descending) in front. Server default:
    /// `-created_at`.
    pub fn order_by(mut self, order_by: impl Into<String>) -> Self {
        self.order_by = Some(order_by.into());
        self
    }

    fn encoded_query(&self) -> Result<Query, MachineRequestError> {
        let mut query = Query::default();
        if let Some(limit) = self.limit {
            if !(1..=500).contains(&limit) {
                return Err(MachineRequestError::LimitOutOfRange { limit });
            }
            query.push("limit", &limit.to_string());
        }
        if let Some(offset) = self.offset.filter(|offset| *offset > 0) {
            query.push("offset", &offset.to_string());
        }
        if let Some(text) = self.query.as_deref().filter(|text| !text.is_empty()) {
            query.push("query", text);
        }
        if let Some(order_by) = &self.order_by {
            if !is_order_by(order_by) {
                return Err(MachineRequestError::InvalidOrderBy);
            }
            query.push("order_by", order_by);
        }
        Ok(query)
    }
}

/// A field name (lowercase letters, digits, `_`) with an optional `+`/`-`.
/// Field names beyond `name` and `created_at` pass, should Clerk add some.
fn is_order_by(value: &str) -> bool {
    let field = value.strip_prefix(['+', '-']).unwrap_or(value);
    !field.is_empty()
        && field
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

impl Endpoint for ListMachinesParams {
    type Output = MachineList;
    const OPERATION: Operation = Operation::ListMachines;

    fn build_request(&self, config: &Config) -> Result<http::Request<Vec<u8>>, RequestError> {
        let query = self.encoded_query()?;
        super::machines_request(config, Method::GET, "", query.as_str(), Vec::new())
    }

    fn parse_response(response: http::Response<Vec<u8>>) -> Result<MachineList, ResponseError> {
        crate::params::parse_json(response)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{answer, assert_request, build, refusal, A, MACHINE_JSON};
    use super::*;

    #[test]
    fn sends_the_recorded_request() {
        let request = build(
            &ListMachinesParams::new()
                .order_by("-created_at")
                .query("ci")
                .offset(10)
                .limit(5),
        );
        assert_request(
            &request,
            "GET",
            "https://api.clerk.com/v1/machines?limit=5&offset=10&query=ci&order_by=-created_at",
            "",
        );
        assert_request(
            &build(&ListMachinesParams::new()),
            "GET",
            "https://api.clerk.com/v1/machines",
            "",
        );
    }

    #[test]
    fn defaults_are_dropped_and_values_form_encoded() {
        let request = build(
            &ListMachinesParams::new()
                .query("billing worker")
                .order_by("+name")
                .offset(0),
        );
        assert_eq!(
            request.uri(),
            "https://api.clerk.com/v1/machines?query=billing+worker&order_by=%2Bname"
        );
        let request = build(&ListMachinesParams::new().query("").order_by("name"));
        assert_eq!(
            request.uri(),
            "https://api.clerk.com/v1/machines?order_by=name"
        );
        let request = build(&ListMachinesParams::new().query("a&b=c/é"));
        assert_eq!(
            request.uri(),
            "https://api.clerk.com/v1/machines?query=a%26b%3Dc%2F%C3%A9"
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for limit in [0, 501] {
            assert_eq!(
                refusal(&ListMachinesParams::new().limit(limit)),
                MachineRequestError::LimitOutOfRange { limit }
            );
        }
        assert_eq!(
            build(&ListMachinesParams::new().limit(500)).uri(),
            "https://api.clerk.com/v1/machines?limit=500"
        );
        for order_by in ["", "-", "+-name", "name desc", "Name", "name&x=1"] {
            assert_eq!(
                refusal(&ListMachinesParams::new().order_by(order_by)),
                MachineRequestError::InvalidOrderBy,
                "{order_by:?}"
            );
        }
    }

    #[test]
    fn parses_a_page() {
        let body = format!(r#"{{"data":[{MACHINE_JSON}],"total_count":21,"extra":true}}"#);
        let list = ListMachinesParams::parse_response(answer(200, &body)).unwrap();
        assert_eq!(list.total_count, 21);
        assert_eq!(list.machines.len(), 1);
        assert_eq!(list.machines[0].id, A);
        let error = ListMachinesParams::parse_response(answer(
            403,
            r#"{"errors":[{"code":"authorization_invalid","message":"no","long_message":"no"}]}"#,
        ))
        .unwrap_err();
        assert_eq!(error.status(), 403);
    }
}
