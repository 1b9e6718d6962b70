//! JWT-format M2M tokens: minting and checking (RS256).

use crate::signing::SigningKey;
use crate::EmulatorError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

/// The `cat` header Clerk puts on M2M JWTs.
pub(crate) const M2M_CATEGORY: &str = "cl_B7d4PD333AAA";

/// The registered claims the emulator sets itself; custom claims may not use them.
pub(crate) const REGISTERED_CLAIMS: [&str; 6] = ["iss", "sub", "iat", "nbf", "exp", "jti"];

/// Clerk's M2M JWT header, its keys in Clerk's order (a struct, so the
/// order holds whatever serde_json's features).
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    kid: &'a str,
    typ: &'static str,
    cat: &'static str,
}

/// An M2M JWT payload: the registered claims in Clerk's order, then the
/// custom claims (in the order the map keeps them).
#[derive(Serialize)]
pub(crate) struct Payload<'a> {
    pub(crate) iss: &'a str,
    pub(crate) sub: &'a str,
    pub(crate) iat: i64,
    pub(crate) nbf: i64,
    pub(crate) exp: i64,
    pub(crate) jti: &'a str,
    #[serde(flatten)]
    pub(crate) claims: Option<&'a Map<String, Value>>,
}

/// Signs `payload` as a compact JWS with Clerk's M2M header.
pub(crate) fn encode(
    key: &SigningKey,
    kid: &str,
    payload: &impl Serialize,
) -> Result<String, EmulatorError> {
    let header = Header {
        alg: "RS256",
        kid,
        typ: "JWT",
        cat: M2M_CATEGORY,
    };
    let header = serde_json::to_vec(&header).map_err(|error| EmulatorError::SigningKey {
        reason: error.to_string(),
    })?;
    let payload = serde_json::to_vec(payload).map_err(|error| EmulatorError::SigningKey {
        reason: error.to_string(),
    })?;
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = key.sign_rs256(token.as_bytes())?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

/// Whether `token` has the shape of a compact JWS (three base64url parts).
pub(crate) fn looks_like_jwt(token: &str) -> bool {
    let mut parts = 0;
    for part in token.split('.') {
        parts += 1;
        if part.is_empty()
            || !part
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        {
            return false;
        }
    }
    parts == 3
}

/// Why a JWT did not verify. Each maps to a 404 on the verify route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwtRejection {
    Malformed,
    WrongAlgorithm,
    UnknownKey,
    WrongCategory,
    WrongType,
    BadSignature,
    MissingClaim(&'static str),
    Expired,
    NotYetValid,
}

impl JwtRejection {
    pub(crate) fn describe(self) -> String {
        match self {
            Self::Malformed => "The token is not a well-formed JWT.".into(),
            Self::WrongAlgorithm => "The JWT is not signed with RS256.".into(),
            Self::UnknownKey => "The JWT's `kid` is not this instance's signing key.".into(),
            Self::WrongCategory => "The JWT is not an M2M token (wrong `cat` header).".into(),
            Self::WrongType => "The JWT's `typ` header is not `JWT`.".into(),
            Self::BadSignature => "The JWT signature is invalid.".into(),
            Self::MissingClaim(name) => format!("The JWT has no valid `{name}` claim."),
            Self::Expired => "The M2M token has expired.".into(),
            Self::NotYetValid => "The M2M token is not valid yet (`nbf`).".into(),
        }
    }
}

fn decode_part(part: &str) -> Result<Map<String, Value>, JwtRejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtRejection::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtRejection::Malformed),
    }
}

/// Checks header, signature and time claims; returns the payload.
///
/// `now_ms` is the emulator's clock. No clock skew: the emulator is the
/// issuer and shares its clock with itself.
pub(crate) fn verify(
    key: &SigningKey,
    kid: &str,
    token: &str,
    now_ms: i64,
) -> Result<Map<String, Value>, JwtRejection> {
    if !looks_like_jwt(token) {
        return Err(JwtRejection::Malformed);
    }
    let mut parts = token.splitn(3, '.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtRejection::Malformed);
    };
    let header = decode_part(header_b64)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(JwtRejection::WrongAlgorithm);
    }
    if header.get("kid").and_then(Value::as_str) != Some(kid) {
        return Err(JwtRejection::UnknownKey);
    }
    if let Some(cat) = header.get("cat") {
        if cat.as_str() != Some(M2M_CATEGORY) {
            return Err(JwtRejection::WrongCategory);
        }
    }
    if let Some(typ) = header.get("typ") {
        if typ.as_str() != Some("JWT") {
            return Err(JwtRejection::WrongType);
        }
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| JwtRejection::Malformed)?;
    let signed_len = header_b64.len() + 1 + payload_b64.len();
    if !key.verify_rs256(&token.as_bytes()[..signed_len], &signature) {
        return Err(JwtRejection::BadSignature);
    }
    let payload = decode_part(payload_b64)?;
    let exp = numeric_claim(&payload, "exp")?.ok_or(JwtRejection::MissingClaim("exp"))?;
    if exp.saturating_mul(1000) <= now_ms {
        return Err(JwtRejection::Expired);
    }
    if let Some(nbf) = numeric_claim(&payload, "nbf")? {
        if nbf.saturating_mul(1000) > now_ms {
            return Err(JwtRejection::NotYetValid);
        }
    }
    Ok(payload)
}

/// An integral numeric claim in seconds (`600` or `600.0`), if present.
pub(crate) fn numeric_claim(
    payload: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<i64>, JwtRejection> {
    match payload.get(name) {
        None => Ok(None),
        Some(value) => crate::params::integral(value)
            .map(Some)
            .ok_or(JwtRejection::MissingClaim(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::tests::shared_key;

    fn payload(exp: i64) -> Map<String, Value> {
        let Value::Object(map) = serde_json::json!({
            "iss": "http://127.0.0.1", "sub": "mch_x", "iat": 100, "nbf": 100, "exp": exp,
            "jti": "mt_0", "role": "reader"
        }) else {
            unreachable!()
        };
        map
    }

    #[test]
    fn round_trip() {
        let key = shared_key();
        let token = encode(&key, "ins_a", &payload(200)).unwrap();
        assert!(looks_like_jwt(&token));
        let claims = verify(&key, "ins_a", &token, 150_000).unwrap();
        assert_eq!(claims["role"], "reader");
        // The bytes as signed: Clerk's key order, whatever serde_json's features.
        let header = URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(header).unwrap(),
            r#"{"alg":"RS256","kid":"ins_a","typ":"JWT","cat":"cl_B7d4PD333AAA"}"#
        );
    }

    #[test]
    fn the_payload_starts_with_the_registered_claims_in_clerks_order() {
        let key = shared_key();
        let mut claims = Map::new();
        claims.insert("role".into(), Value::from("reader"));
        claims.insert("aud".into(), Value::from("api"));
        let payload = Payload {
            iss: "http://127.0.0.1",
            sub: "mch_x",
            iat: 100,
            nbf: 100,
            exp: 200,
            jti: "mt_0",
            claims: Some(&claims),
        };
        let token = encode(&key, "ins_a", &payload).unwrap();
        let payload = URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap();
        let payload = String::from_utf8(payload).unwrap();
        assert!(
            payload.starts_with(
                r#"{"iss":"http://127.0.0.1","sub":"mch_x","iat":100,"nbf":100,"exp":200,"jti":"mt_0","#
            ),
            "{payload}"
        );
        assert!(payload.contains(r#""role":"reader""#) && payload.contains(r#""aud":"api""#));
        let without: Payload = Payload {
            claims: None,
            ..Payload {
                iss: "i",
                sub: "s",
                iat: 1,
                nbf: 1,
                exp: 2,
                jti: "j",
                claims: None,
            }
        };
        let token = encode(&key, "ins_a", &without).unwrap();
        let payload = URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(payload).unwrap(),
            r#"{"iss":"i","sub":"s","iat":1,"nbf":1,"exp":2,"jti":"j"}"#
        );
    }

    #[test]
    fn rejections() {
        let key = shared_key();
        let token = encode(&key, "ins_a", &payload(200)).unwrap();
        assert_eq!(
            verify(&key, "ins_b", &token, 150_000),
            Err(JwtRejection::UnknownKey)
        );
        assert_eq!(
            verify(&key, "ins_a", &token, 200_000),
            Err(JwtRejection::Expired)
        );
        assert!(verify(&key, "ins_a", &token, 199_999).is_ok());
        assert_eq!(
            verify(&key, "ins_a", &token, 99_999),
            Err(JwtRejection::NotYetValid)
        );
        let mut tampered = token.clone().into_bytes();
        let at = tampered.len() - 20;
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            verify(&key, "ins_a", &tampered, 150_000),
            Err(JwtRejection::BadSignature)
        );
        assert_eq!(
            verify(&key, "ins_a", "a.b", 0),
            Err(JwtRejection::Malformed)
        );
        assert!(!looks_like_jwt("mt_abc"));
        assert!(!looks_like_jwt("a..c"));
    }
}
