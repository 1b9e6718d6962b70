//! A small, strict DER reader and writer for RSA public keys.
//!
//! Reads a SubjectPublicKeyInfo (RFC 5280) carrying `rsaEncryption`, or a
//! bare PKCS#1 `RSAPublicKey` (RFC 8017), and writes PKCS#1, the form every
//! backend (ring included) accepts. Only definite, minimal lengths and
//! minimal positive integers are accepted, and nothing may trail a value.

use super::error::{KeyError, KeyErrorKind};

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// 1.2.840.113549.1.1.1 (rsaEncryption), content octets.
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

fn invalid(detail: &'static str) -> KeyError {
    KeyError::new(KeyErrorKind::InvalidDer, detail)
}

/// Consumes DER values from the front of a byte slice.
struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Self {
        Self { input }
    }

    fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], KeyError> {
        if count > self.input.len() {
            return Err(invalid("truncated value"));
        }
        let (head, rest) = self.input.split_at(count);
        self.input = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, KeyError> {
        Ok(self.take(1)?[0])
    }

    fn length(&mut self) -> Result<usize, KeyError> {
        let first = self.byte()?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let count = usize::from(first & 0x7f);
        if count == 0 {
            return Err(invalid("indefinite length"));
        }
        if count > 3 {
            return Err(invalid("length too large"));
        }
        let bytes = self.take(count)?;
        if bytes[0] == 0 {
            return Err(invalid("non-minimal length"));
        }
        let length = bytes
            .iter()
            .fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
        if length < 0x80 {
            return Err(invalid("non-minimal length"));
        }
        Ok(length)
    }

    /// Reads one value with `tag` and returns its contents.
    fn read(&mut self, tag: u8) -> Result<&'a [u8], KeyError> {
        if self.byte()? != tag {
            return Err(invalid("unexpected tag"));
        }
        let length = self.length()?;
        self.take(length)
    }

    fn peek_tag(&self) -> Option<u8> {
        self.input.first().copied()
    }
}

/// The contents of a positive INTEGER, without its sign octet.
fn positive_integer(contents: &[u8]) -> Result<&[u8], KeyError> {
    match contents {
        [] => Err(invalid("empty integer")),
        [first, ..] if first & 0x80 != 0 => Err(invalid("negative integer")),
        [0, next, ..] if next & 0x80 == 0 => Err(invalid("non-minimal integer")),
        [0] => Err(invalid("zero integer")),
        [0, rest @ ..] => Ok(rest),
        _ => Ok(contents),
    }
}

/// The modulus and exponent (big-endian, no leading zeros) of a PKCS#1
/// `RSAPublicKey`.
pub(crate) fn parse_pkcs1(der: &[u8]) -> Result<(&[u8], &[u8]), KeyError> {
    let mut outer = Reader::new(der);
    let mut sequence = Reader::new(outer.read(TAG_SEQUENCE)?);
    if !outer.is_empty() {
        return Err(invalid("data after the key"));
    }
    let modulus = positive_integer(sequence.read(TAG_INTEGER)?)?;
    let exponent = positive_integer(sequence.read(TAG_INTEGER)?)?;
    if !sequence.is_empty() {
        return Err(invalid("data after the exponent"));
    }
    Ok((modulus, exponent))
}

/// The PKCS#1 `RSAPublicKey` inside an RSA SubjectPublicKeyInfo.
pub(crate) fn unwrap_spki(der: &[u8]) -> Result<&[u8], KeyError> {
    let mut outer = Reader::new(der);
    let mut info = Reader::new(outer.read(TAG_SEQUENCE)?);
    if !outer.is_empty() {
        return Err(invalid("data after the key"));
    }
    let mut algorithm = Reader::new(info.read(TAG_SEQUENCE)?);
    let bits = info.read(TAG_BIT_STRING)?;
    if !info.is_empty() {
        return Err(invalid("data after the public key"));
    }
    if algorithm.read(TAG_OID)? != OID_RSA_ENCRYPTION {
        return Err(KeyError::new(
            KeyErrorKind::UnsupportedKeyType,
            "the key's algorithm is not rsaEncryption",
        ));
    }
    // RFC 3279: the parameters are NULL; an absent field is tolerated.
    if algorithm.peek_tag().is_some()
        && (!algorithm.read(TAG_NULL)?.is_empty() || !algorithm.is_empty())
    {
        return Err(invalid("unexpected rsaEncryption parameters"));
    }
    match bits {
        [0, key @ ..] => Ok(key),
        _ => Err(invalid("public key bit string has unused bits")),
    }
}

/// Whether `der` starts like an SPKI (a SEQUENCE whose first element is a SEQUENCE).
pub(crate) fn looks_like_spki(der: &[u8]) -> bool {
    let mut outer = Reader::new(der);
    match outer.read(TAG_SEQUENCE) {
        Ok(contents) => contents.first() == Some(&TAG_SEQUENCE),
        Err(_) => false,
    }
}

fn push_length(out: &mut Vec<u8>, length: usize) {
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes = length.to_be_bytes();
        let skip = bytes.iter().take_while(|byte| **byte == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn push_integer(out: &mut Vec<u8>, magnitude: &[u8]) {
    let pad = magnitude.first().is_some_and(|byte| byte & 0x80 != 0);
    out.push(TAG_INTEGER);
    push_length(out, magnitude.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(magnitude);
}

/// Encodes a PKCS#1 `RSAPublicKey` from big-endian magnitudes without
/// leading zeros.
pub(crate) fn encode_pkcs1(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(modulus.len() + exponent.len() + 16);
    push_integer(&mut body, modulus);
    push_integer(&mut body, exponent);
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(TAG_SEQUENCE);
    push_length(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs1_round_trip() {
        let modulus = [0xc1u8; 256];
        let der = encode_pkcs1(&modulus, &[0x01, 0x00, 0x01]);
        assert_eq!(&der[..4], &[0x30, 0x82, 0x01, 0x0a]);
        let (n, e) = parse_pkcs1(&der).unwrap();
        assert_eq!(n, &modulus[..]);
        assert_eq!(e, &[0x01, 0x00, 0x01]);
    }

    #[test]
    fn strictness() {
        // Non-minimal length form for a short value.
        assert!(parse_pkcs1(&[0x30, 0x81, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03]).is_err());
        // Indefinite length.
        assert!(parse_pkcs1(&[0x30, 0x80, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03, 0, 0]).is_err());
        // Negative modulus.
        assert!(parse_pkcs1(&[0x30, 0x06, 0x02, 0x01, 0x85, 0x02, 0x01, 0x03]).is_err());
        // Non-minimal integer.
        assert!(parse_pkcs1(&[0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x03]).is_err());
        // Trailing data.
        assert!(parse_pkcs1(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03, 0x00]).is_err());
        // Truncated.
        assert!(parse_pkcs1(&[0x30, 0x06, 0x02, 0x01]).is_err());
        // Well-formed tiny key (size is checked elsewhere).
        assert!(parse_pkcs1(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03]).is_ok());
    }

    #[test]
    fn spki_with_another_algorithm_is_unsupported() {
        // id-ecPublicKey 1.2.840.10045.2.1
        let der = [
            0x30, 0x0f, 0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x03,
            0x02, 0x00, 0x00,
        ];
        assert!(looks_like_spki(&der));
        assert_eq!(
            unwrap_spki(&der).unwrap_err().kind(),
            KeyErrorKind::UnsupportedKeyType
        );
    }
}
