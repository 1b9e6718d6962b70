//! Routing and local verification of M2M JWTs (wire document §5).

use super::error::{JwtError, JwtErrorKind as Kind};
use super::key::Algorithm;
use super::keyset::KeySet;
use crate::M2mToken;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Tokens longer than this (8 KiB) are refused before any decoding, and must
/// not be sent to the API either.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The header `cat` of M2M tokens (session tokens carry `cl_B7d4PD111AAA`).
pub const M2M_JWT_CATEGORY: &str = "cl_B7d4PD333AAA";
/// The clock skew allowed by default on `exp`, `nbf` and `iat`.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5);

const MACHINE_ID_PREFIX: &str = "mch_";

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

fn malformed(detail: &'static str) -> JwtError {
    error(Kind::Malformed, detail)
}

fn too_large() -> JwtError {
    error(
        Kind::TooLarge,
        "refused before decoding; do not send it anywhere",
    )
}

/// The three parts of a compact JWS, and the bytes its signature covers.
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    signing_input: &'a [u8],
}

fn split(token: &str) -> Result<Parts<'_>, JwtError> {
    let not_three = || malformed("not three dot-separated parts");
    let (header, rest) = token.split_once('.').ok_or_else(not_three)?;
    // A further dot, in the signature, fails its base64url decoding.
    let (payload, signature) = rest.split_once('.').ok_or_else(not_three)?;
    if header.is_empty() || payload.is_empty() {
        return Err(malformed("empty header or payload"));
    }
    Ok(Parts {
        header,
        payload,
        signature,
        signing_input: &token.as_bytes()[..header.len() + 1 + payload.len()],
    })
}

fn is_base64url(part: &str) -> bool {
    part.bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

fn starts_json_object(json: &[u8]) -> bool {
    json.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'{')
}

/// A JSON member read without committing to its type.
#[derive(Default)]
enum Field<'a> {
    /// Not in the object.
    #[default]
    Absent,
    /// A string (borrowed from the input when it has no escapes).
    Str(Cow<'a, str>),
    /// Any other JSON value, `null` included.
    Other,
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(value)))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_str(FieldVisitor)? {
            Field::Str(key) => Ok(Key(key)),
            _ => Err(de::Error::custom("expected a string key")),
        }
    }
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer)?;
    Ok(true)
}

/// The JOSE header members this verifier looks at. `jku`, `x5u`, `jwk` and
/// the like are ignored: keys never come from the token.
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow, default)]
    alg: Field<'a>,
    #[serde(borrow, default)]
    kid: Field<'a>,
    #[serde(borrow, default)]
    typ: Field<'a>,
    #[serde(borrow, default)]
    cat: Field<'a>,
    #[serde(default, deserialize_with = "present")]
    crit: bool,
}

/// The payload: registered claims apart, everything else kept in order.
struct Payload<'a> {
    sub: Field<'a>,
    jti: Field<'a>,
    exp: Option<Value>,
    nbf: Option<Value>,
    iat: Option<Value>,
    claims: Map<String, Value>,
}

struct PayloadVisitor;

fn once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    if slot.replace(value).is_some() {
        return Err(E::custom("repeated registered claim"));
    }
    Ok(())
}

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = Payload<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload<'de>, A::Error> {
        let mut sub = None;
        let mut jti = None;
        let mut iss = None;
        let (mut exp, mut nbf, mut iat) = (None, None, None);
        let mut claims = Map::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match &*key {
                "sub" => once(&mut sub, map.next_value::<Field<'de>>()?)?,
                "jti" => once(&mut jti, map.next_value::<Field<'de>>()?)?,
                "exp" => once(&mut exp, map.next_value::<Value>()?)?,
                "nbf" => once(&mut nbf, map.next_value::<Value>()?)?,
                "iat" => once(&mut iat, map.next_value::<Value>()?)?,
                "iss" => once(&mut iss, map.next_value::<IgnoredAny>()?)?,
                _ => {
                    let value = map.next_value::<Value>()?;
                    claims.insert(key.into_owned(), value);
                }
            }
        }
        Ok(Payload {
            sub: sub.unwrap_or_default(),
            jti: jti.unwrap_or_default(),
            exp,
            nbf,
            iat,
            claims,
        })
    }
}

impl<'de> Deserialize<'de> for Payload<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PayloadVisitor)
    }
}

/// Whether `token` is to be verified locally: three base64url parts whose
/// payload has a string `sub` starting `mch_` (as `@clerk/backend` decides).
/// Anything else goes to `POST /m2m_tokens/verify`.
///
/// A token over [`MAX_TOKEN_BYTES`] is an error of kind
/// [`TooLarge`](Kind::TooLarge), found before any decoding: refuse it
/// outright and never send it anywhere.
///
/// ```
/// use clerk_m2m_types::jwt::{is_m2m_jwt, JwtErrorKind};
///
/// // {"alg":"RS256"} . {"sub":"mch_1"} . signature
/// assert!(is_m2m_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY2hfMSJ9.c2ln")?);
/// // {"sub":"user_1"}: a JWT, but not an M2M one.
/// assert!(!is_m2m_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2ln")?);
/// assert!(!is_m2m_jwt("mt_0123456789abcdef")?);
/// let huge = "a".repeat(8 * 1024 + 1);
/// assert_eq!(is_m2m_jwt(&huge).unwrap_err().kind(), JwtErrorKind::TooLarge);
/// # Ok::<(), clerk_m2m_types::jwt::JwtError>(())
/// ```
pub fn is_m2m_jwt(token: &str) -> Result<bool, JwtError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(too_large());
    }
    let Ok(parts) = split(token) else {
        return Ok(false);
    };
    if !is_base64url(parts.header) || !is_base64url(parts.signature) {
        return Ok(false);
    }
    let Ok(payload) = URL_SAFE_NO_PAD.decode(parts.payload) else {
        return Ok(false);
    };

    #[derive(Deserialize)]
    struct SubProbe<'a> {
        #[serde(borrow, default)]
        sub: Field<'a>,
    }
    if !starts_json_object(&payload) {
        return Ok(false);
    }
    Ok(matches!(
        serde_json::from_slice::<SubProbe<'_>>(&payload),
        Ok(SubProbe { sub: Field::Str(sub) }) if sub.starts_with(MACHINE_ID_PREFIX)
    ))
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
    // 1. Structure.
    if token.len() > MAX_TOKEN_BYTES {
        return Err(too_large());
    }
    let parts = split(token)?;
    // One buffer for the three decoded parts (one allocation).
    let mut decoded = Vec::with_capacity(token.len() / 4 * 3 + 3);
    URL_SAFE_NO_PAD
        .decode_vec(parts.header, &mut decoded)
        .map_err(|_| malformed("the header is not base64url"))?;
    let header_end = decoded.len();
    URL_SAFE_NO_PAD
        .decode_vec(parts.payload, &mut decoded)
        .map_err(|_| malformed("the payload is not base64url"))?;
    let payload_end = decoded.len();
    URL_SAFE_NO_PAD
        .decode_vec(parts.signature, &mut decoded)
        .map_err(|_| {
            if parts.signature.contains('.') {
                malformed("not three dot-separated parts")
            } else {
                malformed("the signature is not base64url")
            }
        })?;
    let (header_json, rest) = decoded.split_at(header_end);
    let (payload_json, signature) = rest.split_at(payload_end - header_end);
    if !starts_json_object(header_json) {
        return Err(malformed("the header is not a JSON object"));
    }
    let header: Header<'_> = serde_json::from_slice(header_json)
        .map_err(|_| malformed("the header is not a valid JOSE header"))?;
    let payload: Payload<'_> = serde_json::from_slice(payload_json).map_err(|_| {
        malformed("the payload is not a JSON object, or repeats a registered claim")
    })?;
    let subject = match payload.sub {
        Field::Str(ref sub) if sub.starts_with(MACHINE_ID_PREFIX) => sub,
        _ => return Err(error(Kind::NotM2mToken, "")),
    };

    // 2. Header.
    match header.cat {
        Field::Absent => {}
        Field::Str(ref cat) if cat == M2M_JWT_CATEGORY => {}
        _ => return Err(error(Kind::WrongCategory, "")),
    }
    match header.typ {
        Field::Absent => {}
        Field::Str(ref typ) if typ == "JWT" => {}
        _ => return Err(error(Kind::WrongType, "")),
    }
    let algorithm = match header.alg {
        Field::Str(ref name) => Algorithm::from_name(name),
        _ => None,
    }
    .ok_or(error(Kind::UnsupportedAlgorithm, ""))?;
    if header.crit {
        return Err(error(Kind::CriticalHeader, ""));
    }
    let kid = match header.kid {
        Field::Absent => None,
        Field::Str(ref kid) => Some(&**kid),
        Field::Other => return Err(malformed("kid is not a string")),
    };

    // 3. Key.
    let candidates = keys.candidates(kid);
    if candidates.is_empty() {
        return Err(error(Kind::UnknownKey, ""));
    }
    let mut usable = candidates
        .iter()
        .filter(|key| key.allows(algorithm))
        .peekable();
    if usable.peek().is_none() {
        return Err(error(Kind::KeyAlgorithmMismatch, ""));
    }

    // 4. Signature.
    if !usable.any(|key| key.verify(algorithm, parts.signing_input, signature)) {
        return Err(error(Kind::InvalidSignature, ""));
    }

    // 5. Claims.
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

    let mut token = M2mToken::new(id, subject.as_ref(), created_at);
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
