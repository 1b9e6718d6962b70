//! PEM armour (RFC 7468) around a public key.

use super::error::{KeyError, KeyErrorKind};
use base64::Engine as _;

/// What a PEM block's label says it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PemLabel {
    /// `PUBLIC KEY`: a SubjectPublicKeyInfo.
    Spki,
    /// `RSA PUBLIC KEY`: a PKCS#1 `RSAPublicKey`.
    Pkcs1,
    /// No armour: base64 of DER, either form.
    Bare,
}

fn invalid(detail: &'static str) -> KeyError {
    KeyError::new(KeyErrorKind::InvalidPem, detail)
}

/// Decodes the first PEM block of `text` (or, with no armour at all, the
/// whole text as base64 DER). Literal `\n` sequences, as environment
/// variables often carry them, count as line breaks.
pub(crate) fn decode(text: &str) -> Result<(PemLabel, Vec<u8>), KeyError> {
    let text = text.replace("\\n", "\n").replace("\\r", "\r");
    let Some(begin) = text.find("-----BEGIN ") else {
        return Ok((PemLabel::Bare, decode_base64(&text)?));
    };
    let after_begin = &text[begin + "-----BEGIN ".len()..];
    let label_end = after_begin
        .find("-----")
        .ok_or_else(|| invalid("unterminated BEGIN line"))?;
    let label = &after_begin[..label_end];
    let kind = match label {
        "PUBLIC KEY" => PemLabel::Spki,
        "RSA PUBLIC KEY" => PemLabel::Pkcs1,
        _ if label.contains("PRIVATE KEY") => {
            return Err(invalid(
                "this is a private key: give the public key (PUBLIC KEY)",
            ))
        }
        "CERTIFICATE" => {
            return Err(invalid(
                "this is a certificate: give the public key (PUBLIC KEY)",
            ))
        }
        _ => return Err(invalid("unexpected PEM label")),
    };
    let body_and_rest = &after_begin[label_end + "-----".len()..];
    let end_line = format!("-----END {label}-----");
    let body_end = body_and_rest
        .find(&end_line)
        .ok_or_else(|| invalid("missing END line"))?;
    Ok((kind, decode_base64(&body_and_rest[..body_end])?))
}

fn decode_base64(body: &str) -> Result<Vec<u8>, KeyError> {
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(invalid("empty key"));
    }
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| invalid("the key is not valid base64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let (label, der) =
            decode("-----BEGIN PUBLIC KEY-----\nAQID\n-----END PUBLIC KEY-----\n").unwrap();
        assert_eq!((label, der), (PemLabel::Spki, vec![1, 2, 3]));
        let (label, _) =
            decode("-----BEGIN RSA PUBLIC KEY-----\\nAQID\\n-----END RSA PUBLIC KEY-----").unwrap();
        assert_eq!(label, PemLabel::Pkcs1);
        assert_eq!(decode(" AQID\n").unwrap(), (PemLabel::Bare, vec![1, 2, 3]));
    }

    #[test]
    fn refusals() {
        for text in [
            "-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----",
            "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----\nAQID\n-----END RSA PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nAQ*D\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\n\n-----END PUBLIC KEY-----",
            "",
        ] {
            assert_eq!(
                decode(text).unwrap_err().kind(),
                KeyErrorKind::InvalidPem,
                "{text}"
            );
        }
    }
}
