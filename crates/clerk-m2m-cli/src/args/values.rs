//! Value parsers: each flag value is checked as clap reads it, so a bad
//! value is a usage error (exit 2) in clap's own format.

use super::TokenSource;
use clerk_m2m_types::SecretString;

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

/// A lifetime: a whole number of seconds above zero.
pub(super) fn parse_lifetime(value: &str) -> Result<u64, String> {
    match parse_seconds(value)? {
        0 => Err("must be above 0 (leave --expires-in out for a token that never expires)".into()),
        seconds => Ok(seconds),
    }
}

/// A whole, non-negative number of seconds.
pub(super) fn parse_seconds(value: &str) -> Result<u64, String> {
    let value = value.trim();
    if value.starts_with('-') {
        return Err("must not be negative: give a whole number of seconds".into());
    }
    value
        .parse::<u64>()
        .map_err(|_| "must be a whole number of seconds, e.g. 3600".into())
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
