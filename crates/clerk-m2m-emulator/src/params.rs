//! Request parameters: strict like the spec (no extra body properties,
//! `^mch_\w{27}$` subjects, bounds) and tolerant like the real API
//! (integral floats such as `600.0` or `limit=10.0`).
//!
//! Body parameter errors answer 422, query and path parameter errors 400,
//! always with `meta.param_name`.

use crate::api_error::ApiFailure;
use clerk_m2m_types::TokenFormat;
use http::StatusCode;
use serde_json::{Map, Value};

pub(crate) const BODY: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
pub(crate) const QUERY: StatusCode = StatusCode::BAD_REQUEST;

/// The largest lifetime accepted, in seconds (keeps millisecond arithmetic
/// far inside JSON's safe integer range).
pub(crate) const MAX_SECONDS: i64 = 1_000_000_000_000;

/// An integral JSON number: `600` or `600.0`; `None` for anything else.
pub(crate) fn integral(value: &Value) -> Option<i64> {
    if let Some(int) = value.as_i64() {
        return Some(int);
    }
    if value.is_u64() {
        return None; // above i64::MAX
    }
    let float = value.as_f64()?;
    // i64::MAX is not representable as f64: the upper bound is exclusive.
    let in_range = float >= i64::MIN as f64 && float < i64::MAX as f64;
    (float.is_finite() && float.fract() == 0.0 && in_range).then_some(float as i64)
}

/// An integral number in a query string: `10` or `10.0`.
pub(crate) fn integral_str(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(int) = text.parse::<i64>() {
        return Some(int);
    }
    let float: f64 = text.parse().ok()?;
    let in_range = float >= i64::MIN as f64 && float < i64::MAX as f64;
    (float.is_finite() && float.fract() == 0.0 && in_range).then_some(float as i64)
}

/// What `seconds_until_expiration` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// Absent: the machine's default token lifetime.
    MachineDefault,
    /// Explicit `null`: never expires (JWTs still get the default lifetime).
    Never,
    /// A lifetime in seconds (> 0).
    Seconds(i64),
}

/// A validated create body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CreateRequest {
    pub(crate) format: TokenFormat,
    pub(crate) expiry: Expiry,
    pub(crate) claims: Option<Map<String, Value>>,
    pub(crate) min_remaining_ttl_seconds: Option<i64>,
}

pub(crate) fn check_known(body: &Map<String, Value>, known: &[&str]) -> Result<(), ApiFailure> {
    match body.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => Err(ApiFailure::param_unknown(unknown)),
        None => Ok(()),
    }
}

fn bounded_seconds(value: &Value, name: &str, minimum: i64) -> Result<i64, ApiFailure> {
    let seconds = integral(value)
        .ok_or_else(|| ApiFailure::param_format(BODY, name, "an integer number of seconds"))?;
    if seconds < minimum {
        let rule = if minimum == 0 {
            "greater than or equal to 0"
        } else {
            "greater than 0"
        };
        return Err(ApiFailure::param_value(
            BODY,
            name,
            format!("{name} must be {rule}."),
        ));
    }
    if seconds > MAX_SECONDS {
        return Err(ApiFailure::param_value(
            BODY,
            name,
            format!("{name} must be at most {MAX_SECONDS}."),
        ));
    }
    Ok(seconds)
}

/// `POST /m2m_tokens` body. `None` (an empty body) counts as `{}`.
pub(crate) fn parse_create(body: Option<Map<String, Value>>) -> Result<CreateRequest, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(
        &body,
        &[
            "token_format",
            "seconds_until_expiration",
            "claims",
            "min_remaining_ttl_seconds",
        ],
    )?;
    let format = match body.get("token_format") {
        None => TokenFormat::Opaque,
        Some(Value::String(text)) => match TokenFormat::from(text.as_str()) {
            TokenFormat::Unknown(_) => {
                return Err(ApiFailure::param_value(
                    BODY,
                    "token_format",
                    "token_format must be one of: opaque, jwt.",
                ))
            }
            known => known,
        },
        Some(_) => {
            return Err(ApiFailure::param_format(
                BODY,
                "token_format",
                "a string (opaque or jwt)",
            ))
        }
    };
    let expiry = match body.get("seconds_until_expiration") {
        None => Expiry::MachineDefault,
        Some(Value::Null) => Expiry::Never,
        Some(value) => Expiry::Seconds(bounded_seconds(value, "seconds_until_expiration", 1)?),
    };
    let claims = match body.get("claims") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map.clone()),
        Some(_) => {
            return Err(ApiFailure::param_format(
                BODY,
                "claims",
                "a JSON object or null",
            ))
        }
    };
    let min_remaining_ttl_seconds = match body.get("min_remaining_ttl_seconds") {
        None | Some(Value::Null) => None,
        Some(value) => Some(bounded_seconds(value, "min_remaining_ttl_seconds", 0)?),
    };
    Ok(CreateRequest {
        format,
        expiry,
        claims,
        min_remaining_ttl_seconds,
    })
}

/// `POST /m2m_tokens/{id}/revoke` body: the reason, if any. An empty body is accepted.
pub(crate) fn parse_revoke(body: Option<Map<String, Value>>) -> Result<Option<String>, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(&body, &["revocation_reason"])?;
    match body.get("revocation_reason") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(reason)) => Ok(Some(reason.clone())),
        Some(_) => Err(ApiFailure::param_format(
            BODY,
            "revocation_reason",
            "a string or null",
        )),
    }
}

/// `POST /m2m_tokens/verify` body: the token, as `token` or as `secret`
/// (what the official Python SDK's `verify_token` helper sends); `token`
/// wins when both are given.
pub(crate) fn parse_verify(body: Option<Map<String, Value>>) -> Result<String, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(&body, &["token", "secret"])?;
    let (name, value) = match (body.get("token"), body.get("secret")) {
        (Some(token), _) if !token.is_null() => ("token", token),
        (_, Some(secret)) if !secret.is_null() => ("secret", secret),
        _ => return Err(ApiFailure::param_missing(BODY, "token")),
    };
    match value {
        Value::String(token) if token.is_empty() => Err(ApiFailure::param_value(
            BODY,
            name,
            format!("{name} must not be empty."),
        )),
        Value::String(token) => Ok(token.clone()),
        _ => Err(ApiFailure::param_format(BODY, name, "a string")),
    }
}

/// `GET /m2m_tokens` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListQuery {
    pub(crate) subject: String,
    pub(crate) revoked: bool,
    pub(crate) expired: bool,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

fn query_bool(name: &str, value: &str) -> Result<bool, ApiFailure> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" | "null" => Ok(false),
        _ => Err(ApiFailure::param_format(QUERY, name, "true or false")),
    }
}

/// Unknown query parameters are ignored; a repeated one counts by its last value.
pub(crate) fn parse_list(pairs: &[(String, String)]) -> Result<ListQuery, ApiFailure> {
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let subject = match get("subject") {
        None | Some("") => return Err(ApiFailure::param_missing(QUERY, "subject")),
        Some(subject) if !crate::ids::is_machine_id(subject) => {
            return Err(ApiFailure::param_format(
                QUERY,
                "subject",
                "a machine id (mch_ followed by 27 word characters)",
            ))
        }
        Some(subject) => subject.to_owned(),
    };
    let revoked = get("revoked")
        .map(|value| query_bool("revoked", value))
        .transpose()?
        .unwrap_or(false);
    let expired = get("expired")
        .map(|value| query_bool("expired", value))
        .transpose()?
        .unwrap_or(false);
    let limit = match get("limit") {
        None => 10,
        Some(text) => match integral_str(text) {
            Some(limit @ 1..=100) => limit,
            Some(_) => {
                return Err(ApiFailure::param_value(
                    QUERY,
                    "limit",
                    "limit must be between 1 and 100.",
                ))
            }
            None => return Err(ApiFailure::param_format(QUERY, "limit", "an integer")),
        },
    };
    let offset = match get("offset") {
        None | Some("") | Some("null") => 0,
        Some(text) => match integral_str(text) {
            Some(offset) if offset >= 0 => offset,
            Some(_) => {
                return Err(ApiFailure::param_value(
                    QUERY,
                    "offset",
                    "offset must be greater than or equal to 0.",
                ))
            }
            None => return Err(ApiFailure::param_format(QUERY, "offset", "an integer")),
        },
    };
    Ok(ListQuery {
        subject,
        revoked,
        expired,
        limit: usize::try_from(limit).unwrap_or(10),
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
    })
}

/// Helpers for the body-parsing tests of this module and `control_params`.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::api_error::ApiFailure;
    use serde_json::{Map, Value};

    pub(crate) fn object(value: Value) -> Option<Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub(crate) fn code_and_param(failure: &ApiFailure) -> (u16, &str, &str) {
        (
            failure.status.as_u16(),
            failure.detail.code.as_str(),
            failure
                .detail
                .meta
                .as_ref()
                .and_then(|meta| meta["param_name"].as_str())
                .unwrap_or(""),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{code_and_param, object};
    use super::*;
    use serde_json::json;

    #[test]
    fn create_absent_null_and_floats() {
        let absent = parse_create(None).unwrap();
        assert_eq!(absent.expiry, Expiry::MachineDefault);
        assert_eq!(absent.format, TokenFormat::Opaque);
        let js = parse_create(object(json!({
            "seconds_until_expiration": null, "claims": null, "token_format": "opaque"
        })))
        .unwrap();
        assert_eq!(js.expiry, Expiry::Never);
        let floats = parse_create(object(json!({
            "seconds_until_expiration": 600.0, "min_remaining_ttl_seconds": 30.0,
            "token_format": "jwt", "claims": {"a": 1}
        })))
        .unwrap();
        assert_eq!(floats.expiry, Expiry::Seconds(600));
        assert_eq!(floats.min_remaining_ttl_seconds, Some(30));
        assert_eq!(floats.format, TokenFormat::Jwt);
        assert_eq!(floats.claims.unwrap()["a"], 1);
    }

    #[test]
    fn create_rejections() {
        let cases = [
            (json!({"extra": 1}), (422, "form_param_unknown", "extra")),
            (
                json!({"token_format": "paseto"}),
                (422, "form_param_value_invalid", "token_format"),
            ),
            (
                json!({"token_format": 1}),
                (422, "form_param_format_invalid", "token_format"),
            ),
            (
                json!({"seconds_until_expiration": 0}),
                (422, "form_param_value_invalid", "seconds_until_expiration"),
            ),
            (
                json!({"seconds_until_expiration": -5}),
                (422, "form_param_value_invalid", "seconds_until_expiration"),
            ),
            (
                json!({"seconds_until_expiration": 1.5}),
                (422, "form_param_format_invalid", "seconds_until_expiration"),
            ),
            (
                json!({"seconds_until_expiration": "60"}),
                (422, "form_param_format_invalid", "seconds_until_expiration"),
            ),
            (
                json!({"seconds_until_expiration": 1e15}),
                (422, "form_param_value_invalid", "seconds_until_expiration"),
            ),
            (
                json!({"claims": [1]}),
                (422, "form_param_format_invalid", "claims"),
            ),
            (
                json!({"min_remaining_ttl_seconds": -1}),
                (422, "form_param_value_invalid", "min_remaining_ttl_seconds"),
            ),
        ];
        for (body, expected) in cases {
            let failure = parse_create(object(body.clone())).unwrap_err();
            assert_eq!(code_and_param(&failure), expected, "{body}");
        }
    }

    #[test]
    fn revoke_and_verify_bodies() {
        assert_eq!(parse_revoke(None).unwrap(), None);
        assert_eq!(
            parse_revoke(object(json!({"revocation_reason": "x"}))).unwrap(),
            Some("x".into())
        );
        assert!(parse_revoke(object(json!({"reason": "x"}))).is_err());
        assert_eq!(
            parse_verify(object(json!({"token": "mt_x"}))).unwrap(),
            "mt_x"
        );
        let missing = parse_verify(None).unwrap_err();
        assert_eq!(
            code_and_param(&missing),
            (422, "form_param_missing", "token")
        );
        // The Python SDK's helper sends `secret`; `token` wins over it.
        assert_eq!(
            parse_verify(object(json!({"secret": "mt_x"}))).unwrap(),
            "mt_x"
        );
        assert_eq!(
            parse_verify(object(json!({"token": "mt_t", "secret": "mt_s"}))).unwrap(),
            "mt_t"
        );
        assert_eq!(
            parse_verify(object(json!({"token": null, "secret": "mt_s"}))).unwrap(),
            "mt_s"
        );
        let bad_secret = parse_verify(object(json!({"secret": 5}))).unwrap_err();
        assert_eq!(
            code_and_param(&bad_secret),
            (422, "form_param_format_invalid", "secret")
        );
        let extra = parse_verify(object(json!({"token": "mt_x", "other": 1}))).unwrap_err();
        assert_eq!(code_and_param(&extra), (422, "form_param_unknown", "other"));
    }

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn list_query() {
        let subject = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
        let query = parse_list(&pairs(&[("subject", subject)])).unwrap();
        assert_eq!((query.limit, query.offset), (10, 0));
        assert!(!query.revoked && !query.expired);
        let query = parse_list(&pairs(&[
            ("subject", subject),
            ("revoked", "true"),
            ("expired", "True"),
            ("limit", "10.0"),
            ("offset", "20"),
            ("unknown", "ignored"),
        ]))
        .unwrap();
        assert!(query.revoked && query.expired);
        assert_eq!((query.limit, query.offset), (10, 20));
        for (query, expected) in [
            (vec![], (400, "form_param_missing", "subject")),
            (
                vec![("subject", "mch_short")],
                (400, "form_param_format_invalid", "subject"),
            ),
            (
                vec![("subject", subject), ("limit", "0")],
                (400, "form_param_value_invalid", "limit"),
            ),
            (
                vec![("subject", subject), ("limit", "101")],
                (400, "form_param_value_invalid", "limit"),
            ),
            (
                vec![("subject", subject), ("limit", "2.5")],
                (400, "form_param_format_invalid", "limit"),
            ),
            (
                vec![("subject", subject), ("offset", "-1")],
                (400, "form_param_value_invalid", "offset"),
            ),
            (
                vec![("subject", subject), ("revoked", "yes")],
                (400, "form_param_format_invalid", "revoked"),
            ),
        ] {
            let failure = parse_list(&pairs(&query)).unwrap_err();
            assert_eq!(code_and_param(&failure), expected, "{query:?}");
        }
    }

    #[test]
    fn integral_numbers() {
        assert_eq!(integral(&json!(600)), Some(600));
        assert_eq!(integral(&json!(600.0)), Some(600));
        assert_eq!(integral(&json!(0.5)), None);
        assert_eq!(integral(&json!(u64::MAX)), None);
        assert_eq!(integral(&json!("600")), None);
        assert_eq!(integral_str("10.0"), Some(10));
        assert_eq!(integral_str("1e1"), Some(10));
        assert_eq!(integral_str("NaN"), None);
        assert_eq!(integral_str("ten"), None);
    }
}
