//! Routing a token and decoding it, once: an M2M JWT is decoded by the same
//! pass that decides it is one, and verified from that decoding.

use super::error::{JwtError, JwtErrorKind as Kind};
use super::json::{sub_starts_with, Field, Header, Payload};
use super::key::Algorithm;
use super::keyset::KeySet;
use super::verify::{into_token, VerifyOptions, MACHINE_ID_PREFIX, MAX_TOKEN_BYTES};
use super::M2M_JWT_CATEGORY;
use crate::M2mToken;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::fmt;
use std::time::SystemTime;

const fn error(kind: Kind, detail: &'static str) -> JwtError {
    JwtError::new(kind, detail)
}

const fn malformed(detail: &'static str) -> JwtError {
    error(Kind::Malformed, detail)
}

const fn too_large() -> JwtError {
    error(
        Kind::TooLarge,
        "refused before decoding; do not send it anywhere",
    )
}

/// What [`classify`] found: where a token is verified.
///
/// Exhaustive on purpose: a caller must handle both routes.
#[derive(Debug)]
// A value that lives for one verification: boxing the large variant would
// cost an allocation on every one.
#[allow(clippy::large_enum_variant)]
pub enum Classified<'t> {
    /// An M2M JWT, already decoded: verify it locally
    /// ([`M2mJwt::verify`]), never send it to the API.
    M2mJwt(M2mJwt<'t>),
    /// Anything else (an opaque `mt_…` token, a JWT of another kind): for
    /// `POST /m2m_tokens/verify`.
    NotM2mJwt,
}

/// Decides where `token` is verified, decoding it once: an M2M JWT is three
/// base64url parts whose payload has a string `sub` starting `mch_` (as
/// `@clerk/backend` decides), and comes back decoded for
/// [`M2mJwt::verify`]; anything else goes to `POST /m2m_tokens/verify`.
///
/// A token over [`MAX_TOKEN_BYTES`] is an error of kind
/// [`TooLarge`](Kind::TooLarge), found before any decoding: refuse it
/// outright and never send it anywhere. No other error is possible here: a
/// malformed M2M JWT is refused by [`M2mJwt::verify`], in the order
/// [`verify`](super::verify) documents.
///
/// ```
/// use clerk_m2m_types::driver::jwks::{classify, Classified};
/// use clerk_m2m_types::jwt::{JwtErrorKind, KeySet, VerifyOptions};
/// use std::time::SystemTime;
///
/// // {"alg":"RS256"} . {"sub":"mch_1"} . signature
/// let Classified::M2mJwt(jwt) = classify("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY2hfMSJ9.c2ln")? else {
///     panic!("an M2M JWT");
/// };
/// let error = jwt.verify(&KeySet::new(), SystemTime::now(), &VerifyOptions::new()).unwrap_err();
/// assert_eq!(error.kind(), JwtErrorKind::UnknownKey);
///
/// // {"sub":"user_1"}: a JWT, but not an M2M one; and an opaque token.
/// assert!(matches!(classify("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2ln")?, Classified::NotM2mJwt));
/// assert!(matches!(classify("mt_0123456789abcdef")?, Classified::NotM2mJwt));
/// # Ok::<(), clerk_m2m_types::jwt::JwtError>(())
/// ```
pub fn classify(token: &str) -> Result<Classified<'_>, JwtError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(too_large());
    }
    let Ok(parts) = split(token) else {
        return Ok(Classified::NotM2mJwt);
    };
    let jwt = M2mJwt::decode(&parts);
    // A header and a signature that decoded are base64url; only when one
    // did not is its alphabet checked, to tell "not a JWT" (for the API)
    // from "a malformed one" (refused locally).
    if jwt.undecodable.is_some() && !(is_base64url(parts.header) && is_base64url(parts.signature)) {
        return Ok(Classified::NotM2mJwt);
    }
    Ok(if jwt.is_m2m() {
        Classified::M2mJwt(jwt)
    } else {
        Classified::NotM2mJwt
    })
}

/// Whether `token` is to be verified locally, by the rule [`classify`]
/// applies, without decoding more than the payload: for a caller that only
/// routes (a token about to be verified should go through [`classify`],
/// which decodes it once for both). Anything else goes to
/// `POST /m2m_tokens/verify`.
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
    Ok(starts_json_object(&payload) && sub_starts_with(&payload, MACHINE_ID_PREFIX))
}

/// An M2M JWT decoded once (by [`classify`]), ready to be checked against
/// keys, possibly several times, and turned into the token it stands for.
///
/// The signing input is borrowed from the token; the decoded header,
/// payload and signature share one buffer. `Debug` shows nothing of the
/// token.
///
/// A driver that may need fresh keys (a JWKS) calls
/// [`check_signature`](Self::check_signature) until a key set settles it,
/// then [`into_token`](Self::into_token); [`verify`](Self::verify) does both.
pub struct M2mJwt<'t> {
    signing_input: &'t [u8],
    /// Header, payload and signature, decoded, one after the other.
    decoded: Vec<u8>,
    header_end: usize,
    payload_end: usize,
    /// Whether the payload part decoded (it routes the token).
    payload_decoded: bool,
    /// The first part that did not decode, in check order.
    undecodable: Option<JwtError>,
    /// The payload, or why it cannot be used (checked after the header).
    payload: Result<Payload<'static>, JwtError>,
    /// Set by a successful [`check_signature`](Self::check_signature).
    signature_checked: bool,
}

impl fmt::Debug for M2mJwt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("M2mJwt").finish_non_exhaustive()
    }
}

impl<'t> M2mJwt<'t> {
    /// Decodes the three parts into one buffer, keeping each failure for
    /// the checks to report in their order, and reads the payload.
    fn decode(parts: &Parts<'t>) -> Self {
        let mut decoded = Vec::with_capacity(
            (parts.header.len() + parts.payload.len() + parts.signature.len()) / 4 * 3 + 3,
        );
        let header_decoded = append_decoded(parts.header, &mut decoded);
        let header_end = decoded.len();
        let payload_decoded = append_decoded(parts.payload, &mut decoded);
        let payload_end = decoded.len();
        let signature_decoded = append_decoded(parts.signature, &mut decoded);
        let undecodable = if !header_decoded {
            Some(malformed("the header is not base64url"))
        } else if !payload_decoded {
            Some(malformed("the payload is not base64url"))
        } else if !signature_decoded {
            Some(if parts.signature.contains('.') {
                malformed("not three dot-separated parts")
            } else {
                malformed("the signature is not base64url")
            })
        } else {
            None
        };
        let payload = if payload_decoded {
            read_payload(&decoded[header_end..payload_end])
        } else {
            Err(malformed("the payload is not base64url"))
        };
        Self {
            signing_input: parts.signing_input,
            decoded,
            header_end,
            payload_end,
            payload_decoded,
            undecodable,
            payload,
            signature_checked: false,
        }
    }

    /// The routing rule: a decodable payload that is a JSON object with a
    /// string `sub` starting `mch_`.
    fn is_m2m(&self) -> bool {
        if !self.payload_decoded {
            return false;
        }
        let payload = &self.decoded[self.header_end..self.payload_end];
        if !starts_json_object(payload) {
            return false;
        }
        match &self.payload {
            Ok(_) => true,
            Err(error) if error.kind() == Kind::NotM2mToken => false,
            // A payload the verifier refuses (e.g. a repeated `exp`) is
            // still routed by its `sub` alone, and then refused locally.
            Err(_) => sub_starts_with(payload, MACHINE_ID_PREFIX),
        }
    }

    /// Checks 1 to 4 of [`verify`](super::verify) against `keys`: structure,
    /// header, key and signature. May be called again with other keys (e.g.
    /// after a JWKS refetch); an error of kind
    /// [`UnknownKey`](Kind::UnknownKey) or
    /// [`InvalidSignature`](Kind::InvalidSignature) is one that fresh keys
    /// could change ([`JwtError::is_key_miss`]).
    pub fn check_signature(&mut self, keys: &KeySet) -> Result<(), JwtError> {
        self.signature_checked = false;
        if let Some(error) = &self.undecodable {
            return Err(error.clone());
        }
        let header_json = &self.decoded[..self.header_end];
        if !starts_json_object(header_json) {
            return Err(malformed("the header is not a JSON object"));
        }
        let header: Header<'_> = serde_json::from_slice(header_json)
            .map_err(|_| malformed("the header is not a valid JOSE header"))?;
        if let Err(error) = &self.payload {
            return Err(error.clone());
        }
        let (algorithm, kid) = check_header(&header)?;

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
        let signature = &self.decoded[self.payload_end..];
        if !usable.any(|key| key.verify(algorithm, self.signing_input, signature)) {
            return Err(error(Kind::InvalidSignature, ""));
        }
        self.signature_checked = true;
        Ok(())
    }

    /// Check 5 of [`verify`](super::verify) (the claims, at `now`) and the
    /// result. Refused with [`InvalidSignature`](Kind::InvalidSignature)
    /// unless the last [`check_signature`](Self::check_signature) succeeded.
    pub fn into_token(
        self,
        now: SystemTime,
        options: &VerifyOptions,
    ) -> Result<M2mToken, JwtError> {
        if !self.signature_checked {
            return Err(error(
                Kind::InvalidSignature,
                "the signature was not checked",
            ));
        }
        into_token(self.payload?, now, options)
    }

    /// [`check_signature`](Self::check_signature) with `keys`, then
    /// [`into_token`](Self::into_token): every check of
    /// [`verify`](super::verify), on a token decoded once.
    pub fn verify(
        mut self,
        keys: &KeySet,
        now: SystemTime,
        options: &VerifyOptions,
    ) -> Result<M2mToken, JwtError> {
        self.check_signature(keys)?;
        self.into_token(now, options)
    }
}

/// Decodes a token for [`verify`](super::verify), which refuses what
/// [`classify`] would route elsewhere with the reason.
pub(super) fn decode_for_verify(token: &str) -> Result<M2mJwt<'_>, JwtError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(too_large());
    }
    Ok(M2mJwt::decode(&split(token)?))
}

/// The payload as the checks need it, or why it cannot be used.
fn read_payload(json: &[u8]) -> Result<Payload<'static>, JwtError> {
    let payload: Payload<'_> = serde_json::from_slice(json).map_err(|_| {
        malformed("the payload is not a JSON object, or repeats a registered claim")
    })?;
    match &payload.sub {
        Field::Str(sub) if sub.starts_with(MACHINE_ID_PREFIX) => Ok(payload.into_owned()),
        _ => Err(error(Kind::NotM2mToken, "")),
    }
}

/// Check 2: `cat`, `typ`, `alg`, `crit`, and the `kid` to look up.
fn check_header<'h>(header: &'h Header<'_>) -> Result<(Algorithm, Option<&'h str>), JwtError> {
    match &header.cat {
        Field::Absent => {}
        Field::Str(cat) if cat == M2M_JWT_CATEGORY => {}
        _ => return Err(error(Kind::WrongCategory, "")),
    }
    match &header.typ {
        Field::Absent => {}
        Field::Str(typ) if typ == "JWT" => {}
        _ => return Err(error(Kind::WrongType, "")),
    }
    let algorithm = match &header.alg {
        Field::Str(name) => Algorithm::from_name(name),
        _ => None,
    }
    .ok_or(error(Kind::UnsupportedAlgorithm, ""))?;
    if header.crit {
        return Err(error(Kind::CriticalHeader, ""));
    }
    let kid = match &header.kid {
        Field::Absent => None,
        Field::Str(kid) => Some(&**kid),
        Field::Other => return Err(malformed("kid is not a string")),
    };
    Ok((algorithm, kid))
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

/// Appends the base64url decoding of `part` to `out`; on failure `out` is
/// left as it was.
fn append_decoded(part: &str, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    let decoded = URL_SAFE_NO_PAD.decode_vec(part, out).is_ok();
    if !decoded {
        out.truncate(start);
    }
    decoded
}

fn is_base64url(part: &str) -> bool {
    part.bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

fn starts_json_object(json: &[u8]) -> bool {
    json.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    fn token(header: &str, payload: &str, signature: &str) -> String {
        format!("{}.{}.{signature}", b64(header), b64(payload))
    }

    fn tokens() -> Vec<String> {
        let header = r#"{"alg":"RS256","kid":"ins_1"}"#;
        let mut tokens: Vec<String> = [
            r#"{"sub":"mch_1","exp":1}"#,
            r#"{"sub":"mch_1","exp":1,"exp":2}"#,
            r#"{"sub":"mch_1","sub":"mch_2"}"#,
            r#"{"sub":"user_1"}"#,
            r#"{"sub":1}"#,
            r#"{"sub":null}"#,
            r#"{}"#,
            r#"["mch_1"]"#,
            r#"  {"sub":"mch_1"}"#,
            r#"{"sub":"\u006dch_1"}"#,
            r#"{"sub":"mch_1","big":1e400}"#,
            r#"{"sub":"mch_1","jti":"mt_1","iss":"x","iss":"y"}"#,
            r#"{"sub":"mch_1"} trailing"#,
            r#"{"sub":"mch_1""#,
            r#""mch_1""#,
            "",
        ]
        .iter()
        .map(|payload| token(header, payload, "c2ln"))
        .collect();
        let payload = r#"{"sub":"mch_1","exp":1}"#;
        tokens.extend([
            token(header, payload, "c2ln.more"),
            token(header, payload, "c"),
            token(header, payload, "c2l+"),
            token(header, payload, "c2ln="),
            format!("e30=.{}.c2ln", b64(payload)),
            token(header, payload, ""),
            format!("a.{}.c2ln", b64(payload)),
            format!("e30*.{}.c2ln", b64(payload)),
            format!("{}.not base64.c2ln", b64(header)),
            format!("{}.{}=.c2ln", b64(header), b64(payload)),
            format!(".{}.c2ln", b64(payload)),
            format!("{}..c2ln", b64(header)),
            token("[]", payload, "c2ln"),
            token(r#"{"alg":"RS256","alg":"RS384"}"#, payload, "c2ln"),
            token(r#"{"alg":"none"}"#, payload, "c2ln"),
            "mt_0123456789abcdef".to_owned(),
            "a.b".to_owned(),
            "a".repeat(MAX_TOKEN_BYTES + 1),
        ]);
        tokens
    }

    #[test]
    fn classify_routes_as_is_m2m_jwt_does() {
        for token in tokens() {
            let expected = is_m2m_jwt(&token);
            let routed = classify(&token).map(|c| matches!(c, Classified::M2mJwt(_)));
            assert_eq!(routed, expected, "{token}");
        }
    }

    #[test]
    fn a_classified_token_fails_as_verify_does() {
        let keys = KeySet::new();
        let now = SystemTime::UNIX_EPOCH;
        let options = VerifyOptions::new();
        let mut local = 0;
        for token in tokens() {
            let expected = super::super::verify(&token, &keys, now, &options).unwrap_err();
            if let Ok(Classified::M2mJwt(jwt)) = classify(&token) {
                local += 1;
                assert_eq!(
                    jwt.verify(&keys, now, &options).unwrap_err(),
                    expected,
                    "{token}"
                );
            }
        }
        assert!(local >= 10, "{local} tokens routed locally");
    }

    #[test]
    fn into_token_refuses_an_unchecked_signature() {
        let tokens = tokens();
        let Ok(Classified::M2mJwt(mut jwt)) = classify(&tokens[0]) else {
            panic!("an M2M JWT");
        };
        assert!(jwt.check_signature(&KeySet::new()).is_err());
        let error = jwt
            .into_token(SystemTime::UNIX_EPOCH, &VerifyOptions::new())
            .unwrap_err();
        assert_eq!(error.kind(), Kind::InvalidSignature);
        let debug = format!("{:?}", classify(&tokens[0]).unwrap());
        assert_eq!(debug, "M2mJwt(M2mJwt { .. })");
    }
}
