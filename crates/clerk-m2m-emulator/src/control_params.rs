//! Bodies and queries of the control routes (`/_emulator/…`), checked as
//! strictly as the API's own: unknown properties 422 `form_param_unknown`,
//! wrong types `form_param_format_invalid`, bad values
//! `form_param_value_invalid`, each naming the parameter.

use crate::api_error::ApiFailure;
use crate::control::MintToken;
use crate::faults::{Fault, RouteFilter};
use crate::params::{check_known, integral, integral_str, parse_create, BODY, MAX_SECONDS, QUERY};
use crate::rate_limit::RateLimit;
use http::StatusCode;
use serde_json::{Map, Value};
use std::time::Duration;

/// The longest delay a fault may ask for: ten minutes.
pub(crate) const MAX_FAULT_DELAY_MS: i64 = 600_000;

/// What `POST /_emulator/clock` asks for (applied in this order).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ClockRequest {
    pub(crate) frozen: Option<bool>,
    pub(crate) now_ms: Option<i64>,
    pub(crate) advance: Option<Duration>,
}

/// What `POST /_emulator/faults` asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FaultRequest {
    pub(crate) fault: Fault,
    pub(crate) route: Option<RouteFilter>,
    pub(crate) count: usize,
}

fn bounded_integer(
    body: &Map<String, Value>,
    name: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, ApiFailure> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let number = integral(value)
                .ok_or_else(|| ApiFailure::param_format(BODY, name, "an integer"))?;
            if (min..=max).contains(&number) {
                Ok(Some(number))
            } else {
                Err(ApiFailure::param_value(
                    BODY,
                    name,
                    format!("{name} must be between {min} and {max}."),
                ))
            }
        }
    }
}

fn required<T>(value: Option<T>, name: &str) -> Result<T, ApiFailure> {
    value.ok_or_else(|| ApiFailure::param_missing(BODY, name))
}

/// `{"advance_seconds": N}` (N ≥ 0, fractions to the millisecond),
/// `{"frozen": true|false}`, `{"now_ms": T}`, or several of them.
pub(crate) fn parse_clock(body: Option<Map<String, Value>>) -> Result<ClockRequest, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(&body, &["advance_seconds", "frozen", "now_ms"])?;
    let frozen = match body.get("frozen") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(frozen)) => Some(*frozen),
        Some(_) => return Err(ApiFailure::param_format(BODY, "frozen", "true or false")),
    };
    let limit_ms = MAX_SECONDS.saturating_mul(1000);
    let now_ms = bounded_integer(&body, "now_ms", -limit_ms, limit_ms)?;
    let advance = match body.get("advance_seconds") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let seconds = value
                .as_f64()
                .filter(|seconds| seconds.is_finite())
                .ok_or_else(|| {
                    ApiFailure::param_format(BODY, "advance_seconds", "a number of seconds")
                })?;
            if !(0.0..=MAX_SECONDS as f64).contains(&seconds) {
                return Err(ApiFailure::param_value(
                    BODY,
                    "advance_seconds",
                    format!("advance_seconds must be between 0 and {MAX_SECONDS}."),
                ));
            }
            Some(Duration::from_millis((seconds * 1000.0).round() as u64))
        }
    };
    if frozen.is_none() && now_ms.is_none() && advance.is_none() {
        return Err(ApiFailure::param_missing(BODY, "advance_seconds"));
    }
    Ok(ClockRequest {
        frozen,
        now_ms,
        advance,
    })
}

/// `{"kind", "status"?, "retry_after_seconds"?, "delay_ms"?, "count", "route"?}`.
pub(crate) fn parse_fault(body: Option<Map<String, Value>>) -> Result<FaultRequest, ApiFailure> {
    let body = body.unwrap_or_default();
    check_known(
        &body,
        &[
            "kind",
            "status",
            "retry_after_seconds",
            "delay_ms",
            "count",
            "route",
        ],
    )?;
    let kind = match body.get("kind") {
        None | Some(Value::Null) => return Err(ApiFailure::param_missing(BODY, "kind")),
        Some(Value::String(kind)) => kind.as_str(),
        Some(_) => return Err(ApiFailure::param_format(BODY, "kind", "a string")),
    };
    let only_for = |name: &str, wanted: &str| -> Result<(), ApiFailure> {
        if body.get(name).is_some_and(|value| !value.is_null()) && kind != wanted {
            Err(ApiFailure::param_value(
                BODY,
                name,
                format!("{name} applies only to kind \"{wanted}\"."),
            ))
        } else {
            Ok(())
        }
    };
    only_for("status", "status")?;
    only_for("retry_after_seconds", "status")?;
    only_for("delay_ms", "delay")?;
    let fault = match kind {
        "status" => {
            let code = bounded_integer(&body, "status", 200, 599)?.unwrap_or(503);
            let status = u16::try_from(code)
                .ok()
                .and_then(|code| StatusCode::from_u16(code).ok())
                .ok_or_else(|| {
                    ApiFailure::param_value(BODY, "status", "status must be between 200 and 599.")
                })?;
            let retry_after = bounded_integer(&body, "retry_after_seconds", 0, 86_400)?;
            Fault::Status {
                status,
                retry_after: retry_after
                    .map(|seconds| Duration::from_secs(u64::try_from(seconds).unwrap_or(0))),
            }
        }
        "delay" => {
            let delay = required(
                bounded_integer(&body, "delay_ms", 0, MAX_FAULT_DELAY_MS)?,
                "delay_ms",
            )?;
            Fault::Delay(Duration::from_millis(u64::try_from(delay).unwrap_or(0)))
        }
        "drop_connection" => Fault::DropConnection,
        "malformed_body" => Fault::MalformedBody,
        "empty_body" => Fault::EmptyBody,
        _ => {
            return Err(ApiFailure::param_value(
                BODY,
                "kind",
                "kind must be one of: status, delay, drop_connection, malformed_body, empty_body.",
            ))
        }
    };
    let count = required(bounded_integer(&body, "count", 1, 1_000_000)?, "count")?;
    let route = match body.get("route") {
        None | Some(Value::Null) => None,
        Some(Value::String(route)) => Some(
            RouteFilter::parse(route).map_err(|why| ApiFailure::param_value(BODY, "route", why))?,
        ),
        Some(_) => {
            return Err(ApiFailure::param_format(
                BODY,
                "route",
                "a string such as \"POST /m2m_tokens\"",
            ))
        }
    };
    Ok(FaultRequest {
        fault,
        route,
        count: usize::try_from(count).unwrap_or(1),
    })
}

/// `{"requests": N, "window_seconds": S}` (both ≥ 1) or `null` (no limit).
pub(crate) fn parse_rate_limit(body: Option<Value>) -> Result<Option<RateLimit>, ApiFailure> {
    let body = match body {
        Some(Value::Null) => return Ok(None),
        Some(Value::Object(map)) => map,
        None => Map::new(),
        Some(_) => {
            return Err(ApiFailure::body_invalid(
                "The request body must be a JSON object or null.",
            ))
        }
    };
    check_known(&body, &["requests", "window_seconds"])?;
    let requests = required(
        bounded_integer(&body, "requests", 1, i64::from(u32::MAX))?,
        "requests",
    )?;
    let window = required(
        bounded_integer(&body, "window_seconds", 1, MAX_SECONDS)?,
        "window_seconds",
    )?;
    Ok(Some(RateLimit::new(
        u32::try_from(requests).unwrap_or(u32::MAX),
        Duration::from_secs(u64::try_from(window).unwrap_or(1)),
    )))
}

/// `{"machine_id", "token_format"?, "seconds_until_expiration"?, "claims"?}`,
/// with the create route's rules for the last three.
pub(crate) fn parse_mint(body: Option<Map<String, Value>>) -> Result<MintToken, ApiFailure> {
    let mut body = body.unwrap_or_default();
    check_known(
        &body,
        &[
            "machine_id",
            "token_format",
            "seconds_until_expiration",
            "claims",
        ],
    )?;
    let machine_id = match body.remove("machine_id") {
        None | Some(Value::Null) => return Err(ApiFailure::param_missing(BODY, "machine_id")),
        Some(Value::String(id)) => id,
        Some(_) => {
            return Err(ApiFailure::param_format(
                BODY,
                "machine_id",
                "a machine id (mch_…)",
            ))
        }
    };
    let request = parse_create(Some(body))?;
    Ok(MintToken::from_parts(machine_id, request))
}

/// `?since=SEQ` (default 0: everything).
pub(crate) fn parse_since(pairs: &[(String, String)]) -> Result<u64, ApiFailure> {
    match pairs.iter().rev().find(|(name, _)| name == "since") {
        None => Ok(0),
        Some((_, value)) => integral_str(value)
            .and_then(|since| u64::try_from(since).ok())
            .ok_or_else(|| ApiFailure::param_format(QUERY, "since", "an integer >= 0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::test_support::{code_and_param, object};
    use serde_json::json;

    #[test]
    fn clock_bodies() {
        assert_eq!(
            parse_clock(object(json!({"advance_seconds": 1.5}))).unwrap(),
            ClockRequest {
                advance: Some(Duration::from_millis(1500)),
                ..ClockRequest::default()
            }
        );
        assert_eq!(
            parse_clock(object(json!({"frozen": true, "now_ms": 5}))).unwrap(),
            ClockRequest {
                frozen: Some(true),
                now_ms: Some(5),
                advance: None
            }
        );
        for (body, param, code) in [
            (json!({}), "advance_seconds", "form_param_missing"),
            (
                json!({"advance_seconds": -1}),
                "advance_seconds",
                "form_param_value_invalid",
            ),
            (
                json!({"advance_seconds": "1"}),
                "advance_seconds",
                "form_param_format_invalid",
            ),
            (
                json!({"frozen": "yes"}),
                "frozen",
                "form_param_format_invalid",
            ),
            (
                json!({"now_ms": 1.5}),
                "now_ms",
                "form_param_format_invalid",
            ),
            (json!({"speed": 2}), "speed", "form_param_unknown"),
        ] {
            let failure = parse_clock(object(body.clone())).unwrap_err();
            assert_eq!(code_and_param(&failure), (422, code, param), "{body}");
        }
    }

    #[test]
    fn fault_bodies() {
        let status = parse_fault(object(json!({"kind": "status", "count": 2,
            "retry_after_seconds": 3, "route": "POST /m2m_tokens"})))
        .unwrap();
        assert_eq!(
            status.fault,
            Fault::status_with_retry_after(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(3))
        );
        assert_eq!(status.count, 2);
        assert!(status.route.is_some());
        let delay = parse_fault(object(
            json!({"kind": "delay", "delay_ms": 1500, "count": 1}),
        ))
        .unwrap();
        assert_eq!(delay.fault, Fault::Delay(Duration::from_millis(1500)));
        for (kind, fault) in [
            ("drop_connection", Fault::DropConnection),
            ("malformed_body", Fault::MalformedBody),
            ("empty_body", Fault::EmptyBody),
        ] {
            let parsed = parse_fault(object(json!({"kind": kind, "count": 1}))).unwrap();
            assert_eq!(parsed.fault, fault);
            assert_eq!(parsed.route, None);
        }
        for (body, param, code) in [
            (json!({"count": 1}), "kind", "form_param_missing"),
            (
                json!({"kind": "explode", "count": 1}),
                "kind",
                "form_param_value_invalid",
            ),
            (json!({"kind": "status"}), "count", "form_param_missing"),
            (
                json!({"kind": "status", "count": 0}),
                "count",
                "form_param_value_invalid",
            ),
            (
                json!({"kind": "status", "status": 99, "count": 1}),
                "status",
                "form_param_value_invalid",
            ),
            (
                json!({"kind": "delay", "count": 1}),
                "delay_ms",
                "form_param_missing",
            ),
            (
                json!({"kind": "delay", "delay_ms": 5, "status": 500, "count": 1}),
                "status",
                "form_param_value_invalid",
            ),
            (
                json!({"kind": "empty_body", "delay_ms": 5, "count": 1}),
                "delay_ms",
                "form_param_value_invalid",
            ),
            (
                json!({"kind": "status", "count": 1, "route": "m2m_tokens"}),
                "route",
                "form_param_value_invalid",
            ),
            (
                json!({"kind": "status", "count": 1, "route": 5}),
                "route",
                "form_param_format_invalid",
            ),
            (
                json!({"kind": "status", "count": 1, "times": 5}),
                "times",
                "form_param_unknown",
            ),
        ] {
            let failure = parse_fault(object(body.clone())).unwrap_err();
            assert_eq!(code_and_param(&failure), (422, code, param), "{body}");
        }
    }

    #[test]
    fn rate_limit_bodies() {
        assert_eq!(parse_rate_limit(Some(Value::Null)).unwrap(), None);
        assert_eq!(
            parse_rate_limit(Some(json!({"requests": 5, "window_seconds": 2}))).unwrap(),
            Some(RateLimit::new(5, Duration::from_secs(2)))
        );
        for (body, param) in [
            (json!({"requests": 0, "window_seconds": 2}), "requests"),
            (
                json!({"requests": 5, "window_seconds": 0}),
                "window_seconds",
            ),
            (json!({"requests": 5}), "window_seconds"),
        ] {
            let failure = parse_rate_limit(Some(body.clone())).unwrap_err();
            assert_eq!(code_and_param(&failure).2, param, "{body}");
        }
        assert_eq!(
            parse_rate_limit(Some(json!([1]))).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn mint_and_since() {
        let mint = parse_mint(object(
            json!({"machine_id": "mch_x", "token_format": "jwt"}),
        ))
        .unwrap();
        assert_eq!(mint.machine_id(), "mch_x");
        let missing = parse_mint(object(json!({"token_format": "jwt"}))).unwrap_err();
        assert_eq!(code_and_param(&missing).2, "machine_id");
        let reuse = parse_mint(object(
            json!({"machine_id": "mch_x", "min_remaining_ttl_seconds": 5}),
        ))
        .unwrap_err();
        assert_eq!(code_and_param(&reuse).1, "form_param_unknown");
        let pairs = |value: &str| vec![("since".to_owned(), value.to_owned())];
        assert_eq!(parse_since(&[]).unwrap(), 0);
        assert_eq!(parse_since(&pairs("7")).unwrap(), 7);
        assert_eq!(
            parse_since(&pairs("-1")).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}
