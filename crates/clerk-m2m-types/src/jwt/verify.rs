//! Local verification of M2M JWTs (wire document §5): the options, and the
//! claims check that ends it.

use super::error::{JwtError, JwtErrorKind as Kind};
use super::json::{Field, Payload};
use super::keyset::KeySet;
use super::m2m_jwt::decode_for_verify;
use crate::M2mToken;
use serde_json::{Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Tokens longer than this (8 KiB) are refused before any decoding, and must
/// not be sent to the API either.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The header `cat` of M2M tokens (session tokens carry `cl_B7d4PD111AAA`).
pub const M2M_JWT_CATEGORY: &str = "cl_B7d4PD333AAA";
/// The clock skew allowed by default on `exp`, `nbf` and `iat`.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5);

/// The subject prefix of machines: what makes a JWT an M2M one.
pub(super) const MACHINE_ID_PREFIX: &str = "mch_";

/// Settings for [`verify`]: the clock skew and an optional audience.
///
/// ```
/// use clerk_m2m_types::jwt::VerifyOptions;
/// use std::time::Duration;
///
/// let options = VerifyOptions::new()
///     .clock_skew(Duration::from_secs(10))
///     .audience("mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em");
/// # let _ = options;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    clock_skew: Duration,
    audiences: Vec<String>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            clock_skew: DEFAULT_CLOCK_SKEW,
            audiences: Vec::new(),
        }
    }
}

impl VerifyOptions {
    /// A clock skew of [`DEFAULT_CLOCK_SKEW`] and no audience check.
    pub fn new() -> Self {
        Self::default()
    }

    /// The leeway on `exp`, `nbf` and `iat`.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Requires the token's `aud` (a string or an array) to contain this
    /// value. Called several times, any one of the values will do. Without
    /// it, `aud` is not checked.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }
}

const fn error(kind: Kind, detail: &'static str) -> JwtError {
    JwtError::new(kind, detail)
}

/// Verifies an M2M JWT against `keys` at `now`, and returns the token as the
/// API would describe it.
///
/// Checks, in order (the first failure is returned):
/// 1. structure: at most [`MAX_TOKEN_BYTES`], three base64url parts, a JSON
///    object header and payload, a payload `sub` starting `mch_`;
/// 2. header: `cat`, if present, is [`M2M_JWT_CATEGORY`]; `typ`, if present,
///    is `JWT`; `alg` is RS256, RS384 or RS512; no `crit`. `jku`/`x5u` are
///    never followed;
/// 3. key: by `kid` ([`KeySet`]); a JWK `alg`, if any, must equal the token's;
/// 4. signature;
/// 5. claims: `exp` required and numeric, expired if `exp*1000 <= now -
///    skew`; `nbf` and `iat`, if present, numeric and not after `now + skew`;
///    the audience, if [configured](VerifyOptions::audience).
///
/// The result: `id` = `jti` (empty if absent), `subject` = `sub`, `scopes` =
/// `scopes` split on spaces, else `aud` (a string counts as one), else
/// empty; `claims` = the payload minus `iss, sub, exp, nbf, iat, jti`
/// (`None` if nothing is left); `expiration` = `exp*1000`; `created_at` =
/// `updated_at` = `iat*1000` (0 if absent); not revoked, not expired.
///
/// Time is an argument: nothing here reads the clock.
///
/// ```no_run
/// use clerk_m2m_types::jwt::{verify, KeySet, VerifyOptions};
/// use std::time::SystemTime;
///
/// # fn example(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let keys = KeySet::from_pem(&std::env::var("CLERK_JWT_KEY")?)?;
/// let verified = verify(token, &keys, SystemTime::now(), &VerifyOptions::new())?;
/// println!("{} may call {:?}", verified.subject, verified.scopes);
/// # Ok(()) }
/// ```
pub fn verify(
    token: &str,
    keys: &KeySet,
    now: SystemTime,
    options: &VerifyOptions,
) -> Result<M2mToken, JwtError> {
    decode_for_verify(token)?.verify(keys, now, options)
}

/// Check 5 (the claims, at `now`) and the result, for a payload whose
/// token passed checks 1 to 4.
pub(super) fn into_token(
    payload: Payload<'static>,
    now: SystemTime,
    options: &VerifyOptions,
) -> Result<M2mToken, JwtError> {
    let subject = match payload.sub {
        Field::Str(sub) if sub.starts_with(MACHINE_ID_PREFIX) => sub.into_owned(),
        _ => return Err(error(Kind::NotM2mToken, "")),
    };
    let now_ms = unix_millis(now);
    let skew_ms = i128::try_from(options.clock_skew.as_millis()).unwrap_or(i128::MAX);
    let exp = match &payload.exp {
        None => return Err(error(Kind::MissingClaim, "exp")),
        Some(value) => time_claim(value).ok_or(error(Kind::InvalidClaim, "exp"))?,
    };
    if exp.check_millis() <= now_ms.saturating_sub(skew_ms) {
        return Err(error(Kind::Expired, ""));
    }
    let latest = now_ms.saturating_add(skew_ms);
    if let Some(value) = &payload.nbf {
        let nbf = time_claim(value).ok_or(error(Kind::InvalidClaim, "nbf"))?;
        if nbf.check_millis() > latest {
            return Err(error(Kind::NotYetValid, ""));
        }
    }
    let created_at = match &payload.iat {
        None => 0,
        Some(value) => {
            let iat = time_claim(value).ok_or(error(Kind::InvalidClaim, "iat"))?;
            if iat.check_millis() > latest {
                return Err(error(Kind::IssuedInFuture, ""));
            }
            iat.millis
        }
    };
    let id = match payload.jti {
        Field::Absent => String::new(),
        Field::Str(jti) => jti.into_owned(),
        Field::Other => return Err(error(Kind::InvalidClaim, "jti")),
    };
    let scopes = scopes(&payload.claims)?;
    if !options.audiences.is_empty() && !audience_matches(&payload.claims, &options.audiences) {
        return Err(error(Kind::AudienceMismatch, ""));
    }

    let mut token = M2mToken::new(id, subject, created_at);
    token.scopes = scopes;
    token.expiration = Some(exp.millis);
    token.claims = if payload.claims.is_empty() {
        None
    } else {
        Some(Value::Object(payload.claims))
    };
    Ok(token)
}

/// A time claim: whole seconds (what the checks compare, truncated as
/// `@clerk/backend` does) and milliseconds (what the model stores).
struct TimeClaim {
    seconds: i64,
    millis: i64,
}

impl TimeClaim {
    fn check_millis(&self) -> i128 {
        i128::from(self.seconds) * 1000
    }
}

fn time_claim(value: &Value) -> Option<TimeClaim> {
    let Value::Number(number) = value else {
        return None;
    };
    if let Some(seconds) = number.as_i64() {
        return Some(TimeClaim {
            seconds,
            millis: seconds.checked_mul(1000)?,
        });
    }
    // Fractional, or beyond i64. Keep milliseconds well inside i64.
    let seconds = number.as_f64()?;
    if !seconds.is_finite() || seconds.abs() >= 9.0e15 {
        return None;
    }
    Some(TimeClaim {
        seconds: seconds.trunc() as i64,
        millis: (seconds * 1000.0).trunc() as i64,
    })
}

fn unix_millis(now: SystemTime) -> i128 {
    match now.duration_since(UNIX_EPOCH) {
        Ok(since) => i128::try_from(since.as_millis()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_millis()).unwrap_or(i128::MAX),
    }
}

fn scopes(claims: &Map<String, Value>) -> Result<Vec<String>, JwtError> {
    match claims.get("scopes") {
        Some(Value::String(scopes)) => return Ok(scopes.split(' ').map(str::to_owned).collect()),
        None | Some(Value::Null) => {}
        Some(_) => return Err(error(Kind::InvalidClaim, "scopes")),
    }
    match claims.get("aud") {
        Some(Value::String(audience)) => Ok(vec![audience.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or(error(Kind::InvalidClaim, "aud")),
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => Err(error(Kind::InvalidClaim, "aud")),
    }
}

fn audience_matches(claims: &Map<String, Value>, wanted: &[String]) -> bool {
    let matches = |value: &Value| {
        value
            .as_str()
            .is_some_and(|audience| wanted.iter().any(|want| want == audience))
    };
    match claims.get("aud") {
        Some(Value::Array(items)) => items.iter().any(matches),
        Some(value) => matches(value),
        None => false,
    }
}
