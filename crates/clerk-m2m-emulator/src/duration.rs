//! Durations on the command line: `90s`, `15m`, `1h`, `7d`, or a bare
//! number of seconds. Shared by this crate's flags and `clerk-m2m`'s.

/// Why a duration flag value was refused. Each message says what is
/// accepted; clap puts the flag and the value in front of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Nothing (or only spaces) was given.
    #[error("no duration: give e.g. 90s, 15m, 1h or 7d (a bare number is seconds)")]
    Empty,
    /// A minus sign.
    #[error("must not be negative: give e.g. 90s, 15m, 1h or 7d (a bare number is seconds)")]
    Negative,
    /// No whole number in front, or a fraction (`1.5h`).
    #[error("must be a whole number of seconds, or one with a unit: e.g. 90s, 15m, 1h or 7d (for 1.5h write 90m)")]
    NotAWholeNumber,
    /// A unit other than `s`, `m`, `h` or `d` (or several, as in `1h30m`).
    #[error("unknown unit: use one of s, m, h or d after the number, e.g. 90s, 15m, 1h or 7d (for 1h30m write 90m)")]
    UnknownUnit,
    /// More seconds than a `u64` holds.
    #[error("too large: at most {} seconds", u64::MAX)]
    TooLarge,
}

/// Reads a duration as a whole number of seconds: a whole number followed
/// by `s` (seconds), `m` (minutes), `h` (hours) or `d` (days), or a bare
/// number, which is seconds (`3600`, as the flags took before units). Space
/// around the value and between the number and the unit is ignored; `0` is
/// accepted (a flag that needs more says so itself).
///
/// ```
/// use clerk_m2m_emulator::cli::{parse_duration_seconds, DurationError};
///
/// assert_eq!(parse_duration_seconds("90s"), Ok(90));
/// assert_eq!(parse_duration_seconds("15m"), Ok(900));
/// assert_eq!(parse_duration_seconds("7d"), Ok(604_800));
/// assert_eq!(parse_duration_seconds("3600"), Ok(3600));
/// assert_eq!(parse_duration_seconds("2w"), Err(DurationError::UnknownUnit));
/// ```
pub fn parse_duration_seconds(text: &str) -> Result<u64, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if text.starts_with('-') {
        return Err(DurationError::Negative);
    }
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() || unit.starts_with(['.', ',']) {
        return Err(DurationError::NotAWholeNumber);
    }
    let scale: u64 = match unit.trim_start() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        _ => return Err(DurationError::UnknownUnit),
    };
    // Only digits remain, so the one way to fail is a number beyond u64.
    let count: u64 = digits.parse().map_err(|_| DurationError::TooLarge)?;
    count.checked_mul(scale).ok_or(DurationError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_bare_seconds() {
        for (text, seconds) in [
            ("90s", 90),
            ("15m", 900),
            ("1h", 3600),
            ("7d", 604_800),
            ("3600", 3600),
            (" 2 h ", 7200),
            ("0", 0),
            ("0s", 0),
            ("0d", 0),
            ("007m", 420),
        ] {
            assert_eq!(parse_duration_seconds(text), Ok(seconds), "{text:?}");
        }
    }

    #[test]
    fn refusals_say_why() {
        for (text, error) in [
            ("", DurationError::Empty),
            ("  ", DurationError::Empty),
            ("-5", DurationError::Negative),
            ("-1h", DurationError::Negative),
            ("h", DurationError::NotAWholeNumber),
            ("+5", DurationError::NotAWholeNumber),
            ("1.5h", DurationError::NotAWholeNumber),
            ("1,5h", DurationError::NotAWholeNumber),
            ("5x", DurationError::UnknownUnit),
            ("5ms", DurationError::UnknownUnit),
            ("5H", DurationError::UnknownUnit),
            ("1h30m", DurationError::UnknownUnit),
            ("2w", DurationError::UnknownUnit),
            ("18446744073709551616", DurationError::TooLarge),
            ("213503982334602d", DurationError::TooLarge),
            ("307445734561825861m", DurationError::TooLarge),
        ] {
            assert_eq!(parse_duration_seconds(text), Err(error), "{text:?}");
        }
    }

    #[test]
    fn the_largest_values_fit() {
        assert_eq!(parse_duration_seconds("18446744073709551615"), Ok(u64::MAX));
        // u64::MAX / 86400 = 213503982334601 days (and a bit).
        assert_eq!(
            parse_duration_seconds("213503982334601d"),
            Ok(213_503_982_334_601 * 86_400)
        );
        assert_eq!(
            parse_duration_seconds("307445734561825860m"),
            Ok(307_445_734_561_825_860 * 60)
        );
    }

    #[test]
    fn messages_show_the_accepted_forms() {
        for error in [
            DurationError::Empty,
            DurationError::Negative,
            DurationError::NotAWholeNumber,
            DurationError::UnknownUnit,
        ] {
            assert!(error.to_string().contains("90s, 15m, 1h or 7d"), "{error}");
        }
        assert!(DurationError::TooLarge.to_string().contains("at most"));
    }
}
