//! Value parsers: each flag value is checked as clap reads it, so a bad
//! value is a usage error (exit 2) in clap's own format.

use super::TokenSource;
use clerk_m2m_emulator::cli::parse_duration_seconds;
use clerk_m2m_types::SecretString;
use std::time::Duration;

/// Infallible: an empty value (e.g. `CLERK_SECRET_KEY=`) is kept, and the
/// accessors on [`GlobalArgs`] treat it as unset.
pub(super) fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::new(value.trim()))
}

pub(super) fn parse_token_source(value: &str) -> Result<TokenSource, String> {
    match value {
        "-" => Ok(TokenSource::Stdin),
        "" => Err("the token is empty (use - to read it from standard input)".into()),
        token => Ok(TokenSource::Value(SecretString::new(token))),
    }
}

/// A lifetime: a duration above zero (`90s`, `15m`, `1h`, `7d`, or seconds).
pub(super) fn parse_lifetime(value: &str) -> Result<u64, String> {
    match parse_duration(value)? {
        0 => Err("must be above 0 (leave --expires-in out for a token that never expires)".into()),
        seconds => Ok(seconds),
    }
}

/// A duration in whole seconds, 0 allowed: `90s`, `15m`, `1h`, `7d`, or a
/// bare number of seconds.
pub(super) fn parse_duration(value: &str) -> Result<u64, String> {
    parse_duration_seconds(value).map_err(|error| error.to_string())
}

/// `--timeout`: a duration above zero.
pub(super) fn parse_timeout(value: &str) -> Result<Duration, String> {
    match parse_duration(value)? {
        0 => Err("must be above 0, e.g. 10s or 2m".into()),
        seconds => Ok(Duration::from_secs(seconds)),
    }
}

pub(super) fn parse_claims(value: &str) -> Result<serde_json::Value, String> {
    let claims: serde_json::Value = serde_json::from_str(value).map_err(|error| {
        format!("not valid JSON ({error}); quote it, e.g. '{{\"role\":\"reader\"}}'")
    })?;
    if claims.is_object() {
        Ok(claims)
    } else {
        Err("must be a JSON object, e.g. '{\"role\":\"reader\"}'".into())
    }
}

pub(super) fn parse_machine_id(value: &str) -> Result<String, String> {
    let valid = value.strip_prefix("mch_").is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if valid {
        Ok(value.to_owned())
    } else {
        Err("must be a machine id: mch_ followed by letters and digits".into())
    }
}
