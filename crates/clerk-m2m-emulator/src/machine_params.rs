//! Parameters of the Machines routes, checked as Clerk's spec states them:
//! no extra body properties, `name` 1–255 characters, `default_token_ttl`
//! 1–315360000 s, `previous_token_ttl` 0–28800 s (required), at most 150
//! `scoped_machines`, `limit` 1–500, `offset` ≥ 0, `order_by` `name` or
//! `created_at` with an optional `+`/`-`.
//!
//! Body errors answer 422, query and path errors 400, with `meta.param_name`.

use crate::api_error::ApiFailure;
use crate::params::{check_known, integral, integral_str, BODY, QUERY};
use clerk_m2m_types::{
    MAX_DEFAULT_TOKEN_TTL, MAX_MACHINE_NAME_CHARS, MAX_PREVIOUS_TOKEN_TTL, MAX_SCOPED_MACHINES,
};
use serde_json::{Map, Value};

/// The token lifetime of a machine created without `default_token_ttl`.
pub(crate) const DEFAULT_MACHINE_TOKEN_TTL: u64 = 3600;

/// A validated `POST /v1/machines` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewMachine {
    pub(crate) name: String,
    /// As sent (ids checked for shape only; the operation checks they exist).
    pub(crate) scoped_machines: Vec<String>,
    pub(crate) default_token_ttl: u64,
}

/// A validated `PATCH /v1/machines/{id}` body: only what is set changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MachineChange {
    pub(crate) name: Option<String>,
    pub(crate) default_token_ttl: Option<u64>,
}

/// What a list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MachineOrder {
    Name,
    CreatedAt,
}

/// A validated `GET /v1/machines` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MachineQuery {
    pub(crate) limit: usize,
    pub(crate) offset: usize,
    /// An exact id or part of a name; `None` when absent or empty.
    pub(crate) query: Option<String>,
    pub(crate) order: MachineOrder,
    pub(crate) descending: bool,
}

fn name(value: &Value) -> Result<String, ApiFailure> {
    let text = value
        .as_str()
        .ok_or_else(|| ApiFailure::param_format(BODY, "name", "a string"))?;
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_MACHINE_NAME_CHARS {
        return Err(ApiFailure::param_value(
            BODY,
            "name",
            format!("name must be between 1 and {MAX_MACHINE_NAME_CHARS} characters long."),
        ));
    }
    Ok(text.to_owned())
}

fn seconds_between(value: &Value, param: &str, min: u64, max: u64) -> Result<u64, ApiFailure> {
    let seconds = integral(value)
        .ok_or_else(|| ApiFailure::param_format(BODY, param, "an integer number of seconds"))?;
    u64::try_from(seconds)
        .ok()
        .filter(|seconds| (min..=max).contains(seconds))
        .ok_or_else(|| {
            ApiFailure::param_value(
                BODY,
                param,
                format!("{param} must be between {min} and {max}."),
            )
        })
}

fn default_token_ttl(value: &Value) -> Result<u64, ApiFailure> {
    seconds_between(value, "default_token_ttl", 1, MAX_DEFAULT_TOKEN_TTL)
}

/// A machine id in a body.
fn body_machine_id(value: &Value, param: &str) -> Result<String, ApiFailure> {
    value
        .as_str()
        .filter(|id| crate::ids::is_machine_id(id))
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiFailure::param_format(
                BODY,
                param,
                "a machine id (mch_ followed by 27 word characters)",
            )
        })
}

/// The error for a machine that would have more than 150 scopes.
/// Clerk's exact code is UNCONFIRMED; this follows its other limit errors.
pub(crate) fn too_many_scopes(param: &str) -> ApiFailure {
    ApiFailure::param_value(
        BODY,
        param,
        format!("A machine may have at most {MAX_SCOPED_MACHINES} scoped machines."),
    )
}

/// `POST /v1/machines`.
pub(crate) fn parse_create(body: Option<Map<String, Value>>) -> Result<NewMachine, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(&body, &["name", "scoped_machines", "default_token_ttl"])?;
    let name = name(
        body.get("name")
            .ok_or_else(|| ApiFailure::param_missing(BODY, "name"))?,
    )?;
    let scoped_machines = match body.get("scoped_machines") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            if items.len() > MAX_SCOPED_MACHINES {
                return Err(too_many_scopes("scoped_machines"));
            }
            items
                .iter()
                .map(|item| body_machine_id(item, "scoped_machines"))
                .collect::<Result<_, _>>()?
        }
        Some(_) => {
            return Err(ApiFailure::param_format(
                BODY,
                "scoped_machines",
                "an array of machine ids",
            ))
        }
    };
    let default_token_ttl = match body.get("default_token_ttl") {
        None | Some(Value::Null) => DEFAULT_MACHINE_TOKEN_TTL,
        Some(value) => default_token_ttl(value)?,
    };
    Ok(NewMachine {
        name,
        scoped_machines,
        default_token_ttl,
    })
}

/// `PATCH /v1/machines/{id}`; an empty body changes nothing (what
/// `@clerk/backend` sends for an update without fields).
pub(crate) fn parse_update(body: Option<Map<String, Value>>) -> Result<MachineChange, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(&body, &["name", "default_token_ttl"])?;
    Ok(MachineChange {
        name: body
            .get("name")
            .filter(|value| !value.is_null())
            .map(name)
            .transpose()?,
        default_token_ttl: body
            .get("default_token_ttl")
            .filter(|value| !value.is_null())
            .map(default_token_ttl)
            .transpose()?,
    })
}

/// `POST /v1/machines/{id}/secret_key/rotate`: `previous_token_ttl`, required.
pub(crate) fn parse_rotate(body: Option<Map<String, Value>>) -> Result<u64, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(&body, &["previous_token_ttl"])?;
    match body.get("previous_token_ttl") {
        None | Some(Value::Null) => Err(ApiFailure::param_missing(BODY, "previous_token_ttl")),
        Some(value) => seconds_between(value, "previous_token_ttl", 0, MAX_PREVIOUS_TOKEN_TTL),
    }
}

/// `POST /v1/machines/{id}/scopes`: `to_machine_id`, required.
pub(crate) fn parse_add_scope(body: Option<Map<String, Value>>) -> Result<String, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(&body, &["to_machine_id"])?;
    match body.get("to_machine_id") {
        None | Some(Value::Null) => Err(ApiFailure::param_missing(BODY, "to_machine_id")),
        Some(value) => body_machine_id(value, "to_machine_id"),
    }
}

/// A machine id in a path (`machine_id`, `other_machine_id`): 400 if malformed.
pub(crate) fn check_path_id(id: &str, param: &str) -> Result<(), ApiFailure> {
    if crate::ids::is_machine_id(id) {
        Ok(())
    } else {
        Err(ApiFailure::param_format(
            QUERY,
            param,
            "a machine id (mch_ followed by 27 word characters)",
        ))
    }
}

fn query_count(text: &str, param: &str, min: i64, max: i64) -> Result<usize, ApiFailure> {
    let count =
        integral_str(text).ok_or_else(|| ApiFailure::param_format(QUERY, param, "an integer"))?;
    if !(min..=max).contains(&count) {
        let rule = if max == i64::MAX {
            format!("{param} must be greater than or equal to {min}.")
        } else {
            format!("{param} must be between {min} and {max}.")
        };
        return Err(ApiFailure::param_value(QUERY, param, rule));
    }
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// `GET /v1/machines`: `limit` (default 10), `offset`, `query`, `order_by`
/// (default `-created_at`). The last of repeated parameters counts.
pub(crate) fn parse_list(pairs: &[(String, String)]) -> Result<MachineQuery, ApiFailure> {
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let limit = match get("limit") {
        None | Some("") => 10,
        Some(text) => query_count(text, "limit", 1, 500)?,
    };
    let offset = match get("offset") {
        None | Some("") => 0,
        Some(text) => query_count(text, "offset", 0, i64::MAX)?,
    };
    let query = get("query")
        .filter(|query| !query.is_empty())
        .map(str::to_owned);
    let order_by = get("order_by")
        .filter(|order| !order.is_empty())
        .unwrap_or("-created_at");
    let (descending, field) = match order_by.as_bytes().first() {
        Some(b'-') => (true, &order_by[1..]),
        Some(b'+') => (false, &order_by[1..]),
        _ => (false, order_by),
    };
    let order = match field {
        "name" => MachineOrder::Name,
        "created_at" => MachineOrder::CreatedAt,
        _ => {
            return Err(ApiFailure::param_value(
                QUERY,
                "order_by",
                "order_by must be name or created_at, optionally prefixed with + or -.",
            ))
        }
    };
    Ok(MachineQuery {
        limit,
        offset,
        query,
        order,
        descending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::test_support::{code_and_param, object};
    use serde_json::json;

    const A: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn create_bodies() {
        let created = parse_create(object(json!({"name": "ci"}))).unwrap();
        assert_eq!(created.default_token_ttl, 3600);
        assert!(created.scoped_machines.is_empty());
        let full = parse_create(object(
            json!({"name": "w", "scoped_machines": [A], "default_token_ttl": 7200.0}),
        ))
        .unwrap();
        assert_eq!(full.scoped_machines, [A]);
        assert_eq!(full.default_token_ttl, 7200);
        let cases = [
            (json!({}), (422, "form_param_missing", "name")),
            (
                json!({"name": ""}),
                (422, "form_param_value_invalid", "name"),
            ),
            (
                json!({"name": "x".repeat(256)}),
                (422, "form_param_value_invalid", "name"),
            ),
            (
                json!({"name": 5}),
                (422, "form_param_format_invalid", "name"),
            ),
            (
                json!({"name": "x", "extra": 1}),
                (422, "form_param_unknown", "extra"),
            ),
            (
                json!({"name": "x", "default_token_ttl": 0}),
                (422, "form_param_value_invalid", "default_token_ttl"),
            ),
            (
                json!({"name": "x", "default_token_ttl": 315_360_001}),
                (422, "form_param_value_invalid", "default_token_ttl"),
            ),
            (
                json!({"name": "x", "scoped_machines": ["mch_short"]}),
                (422, "form_param_format_invalid", "scoped_machines"),
            ),
            (
                json!({"name": "x", "scoped_machines": vec![A; 151]}),
                (422, "form_param_value_invalid", "scoped_machines"),
            ),
        ];
        for (body, expected) in cases {
            let failure = parse_create(object(body.clone())).unwrap_err();
            assert_eq!(code_and_param(&failure), expected, "{body}");
        }
        assert!(parse_create(object(json!({"name": "x".repeat(255)}))).is_ok());
        assert!(parse_create(object(
            json!({"name": "x", "scoped_machines": vec![A; 150]})
        ))
        .is_ok());
    }

    #[test]
    fn update_rotate_and_scope_bodies() {
        assert_eq!(parse_update(None).unwrap(), MachineChange::default());
        let change = parse_update(object(json!({"name": "n", "default_token_ttl": 600}))).unwrap();
        assert_eq!(change.name.as_deref(), Some("n"));
        assert_eq!(change.default_token_ttl, Some(600));
        assert!(parse_update(object(json!({"scoped_machines": []}))).is_err());
        assert_eq!(
            parse_rotate(object(json!({"previous_token_ttl": 0}))).unwrap(),
            0
        );
        assert_eq!(
            parse_rotate(object(json!({"previous_token_ttl": 28_800}))).unwrap(),
            28_800
        );
        for body in [
            json!({}),
            json!({"previous_token_ttl": 28_801}),
            json!({"previous_token_ttl": -1}),
        ] {
            assert!(parse_rotate(object(body.clone())).is_err(), "{body}");
        }
        assert_eq!(
            parse_add_scope(object(json!({"to_machine_id": A}))).unwrap(),
            A
        );
        assert!(parse_add_scope(None).is_err());
        assert!(parse_add_scope(object(json!({"to_machine_id": "x"}))).is_err());
        assert!(check_path_id(A, "machine_id").is_ok());
        assert_eq!(
            code_and_param(&check_path_id("mch_x", "machine_id").unwrap_err()),
            (400, "form_param_format_invalid", "machine_id")
        );
    }

    #[test]
    fn list_queries() {
        let default = parse_list(&[]).unwrap();
        assert_eq!(
            default,
            MachineQuery {
                limit: 10,
                offset: 0,
                query: None,
                order: MachineOrder::CreatedAt,
                descending: true
            }
        );
        let named = parse_list(&pairs(&[
            ("order_by", "+name"),
            ("limit", "500"),
            ("offset", "3"),
            ("query", "ci"),
        ]))
        .unwrap();
        assert_eq!(
            (named.order, named.descending, named.limit, named.offset),
            (MachineOrder::Name, false, 500, 3)
        );
        assert_eq!(named.query.as_deref(), Some("ci"));
        assert!(
            !parse_list(&pairs(&[("order_by", "created_at")]))
                .unwrap()
                .descending
        );
        for (name, value) in [
            ("limit", "0"),
            ("limit", "501"),
            ("offset", "-1"),
            ("limit", "x"),
            ("order_by", "-id"),
        ] {
            let failure = parse_list(&pairs(&[(name, value)])).unwrap_err();
            assert_eq!(failure.status.as_u16(), 400, "{name}={value}");
        }
    }
}
