//! Lenient number parsing: JSON integers, or floats with no fractional part.

use serde::{de, Deserializer};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Accepts a JSON number holding an integer value: `600` and `600.0` both
/// pass. A visitor rather than an untagged enum: nothing is buffered.
struct IntegerVisitor;

impl<'de> de::Visitor<'de> for IntegerVisitor {
    type Value = i64;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an integer")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(|_| E::custom(format_args!("number {value} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<i64, E> {
        // Bounds are exclusive at the top: i64::MAX is not representable as f64.
        let in_range = value >= i64::MIN as f64 && value < i64::MAX as f64;
        if value.is_finite() && value.fract() == 0.0 && in_range {
            Ok(value as i64)
        } else {
            Err(E::custom(format_args!(
                "expected an integer, found {value}"
            )))
        }
    }
}

/// [`IntegerVisitor`], with `null` (or an absent value) as `None`.
struct OptionalIntegerVisitor;

impl<'de> de::Visitor<'de> for OptionalIntegerVisitor {
    type Value = Option<i64>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an integer or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<i64>, D::Error> {
        integer(deserializer).map(Some)
    }
}

/// Deserializes an integer-valued JSON number.
pub(crate) fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(IntegerVisitor)
}

/// Deserializes an optional integer-valued JSON number (`null` → `None`).
pub(crate) fn optional_integer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_option(OptionalIntegerVisitor)
}

/// Deserializes a non-negative integer-valued JSON number.
pub(crate) fn unsigned<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = integer(deserializer)?;
    u64::try_from(value)
        .map_err(|_| de::Error::custom(format_args!("expected a count, found {value}")))
}

/// Unix milliseconds to a `SystemTime` (negative values count back from the epoch).
pub(crate) fn millis_to_system_time(millis: i64) -> SystemTime {
    let magnitude = Duration::from_millis(millis.unsigned_abs());
    if millis >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "integer")]
        value: i64,
    }

    fn parse(json: &str) -> Result<i64, serde_json::Error> {
        serde_json::from_str::<Probe>(json).map(|probe| probe.value)
    }

    #[test]
    fn integral_floats_are_accepted() {
        assert_eq!(
            parse(r#"{"value":1716883200000}"#).unwrap(),
            1_716_883_200_000
        );
        assert_eq!(
            parse(r#"{"value":1716883200000.0}"#).unwrap(),
            1_716_883_200_000
        );
        assert_eq!(parse(r#"{"value":-5}"#).unwrap(), -5);
    }

    #[test]
    fn fractions_and_strings_are_refused() {
        assert!(parse(r#"{"value":1.5}"#).is_err());
        assert!(parse(r#"{"value":"12"}"#).is_err());
        assert!(parse(r#"{"value":1e300}"#).is_err());
    }

    #[derive(Deserialize)]
    struct OptionalProbe {
        #[serde(default, deserialize_with = "optional_integer")]
        value: Option<i64>,
    }

    fn parse_optional(json: &str) -> Result<Option<i64>, serde_json::Error> {
        serde_json::from_str::<OptionalProbe>(json).map(|probe| probe.value)
    }

    #[test]
    fn optional_integers_take_null_absent_and_integral_floats() {
        assert_eq!(parse_optional(r#"{"value":null}"#).unwrap(), None);
        assert_eq!(parse_optional("{}").unwrap(), None);
        assert_eq!(parse_optional(r#"{"value":600}"#).unwrap(), Some(600));
        assert_eq!(parse_optional(r#"{"value":600.0}"#).unwrap(), Some(600));
        assert!(parse_optional(r#"{"value":0.5}"#).is_err());
        assert!(parse_optional(r#"{"value":"600"}"#).is_err());
    }

    #[test]
    fn errors_name_what_was_wrong() {
        let too_big = parse(r#"{"value":18446744073709551615}"#)
            .unwrap_err()
            .to_string();
        assert!(too_big.contains("out of range"), "{too_big}");
        let fraction = parse(r#"{"value":1.5}"#).unwrap_err().to_string();
        assert!(
            fraction.contains("expected an integer, found 1.5"),
            "{fraction}"
        );
        let string = parse(r#"{"value":"12"}"#).unwrap_err().to_string();
        assert!(string.contains("expected an integer"), "{string}");
    }
}
