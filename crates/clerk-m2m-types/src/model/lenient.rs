//! Lenient number parsing: JSON integers, or floats with no fractional part.

use serde::{de, Deserialize, Deserializer};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A JSON number that must hold an integer value; `600` and `600.0` both pass.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Signed(i64),
    Unsigned(u64),
    Float(f64),
}

fn to_i64<E: de::Error>(number: Number) -> Result<i64, E> {
    match number {
        Number::Signed(value) => Ok(value),
        Number::Unsigned(value) => i64::try_from(value)
            .map_err(|_| E::custom(format_args!("number {value} is out of range"))),
        Number::Float(value) => {
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
}

/// Deserializes an integer-valued JSON number.
pub(crate) fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    to_i64(Number::deserialize(deserializer)?)
}

/// Deserializes an optional integer-valued JSON number (`null` → `None`).
pub(crate) fn optional_integer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    Option::<Number>::deserialize(deserializer)?
        .map(to_i64)
        .transpose()
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
}
