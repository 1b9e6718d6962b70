//! PEM armour (RFC 7468): one parser for every key this workspace reads.
//!
//! [`parse`] finds the first `-----BEGIN <label>-----` block of a text and
//! decodes its base64 body; [`encode`] writes one. They know nothing of what
//! the DER inside means: [`RsaPublicKey::from_pem`](super::RsaPublicKey::from_pem)
//! reads public keys with them, and the emulator reads and writes its RSA
//! private keys (`PRIVATE KEY`, PKCS#8, and `RSA PRIVATE KEY`, PKCS#1) with
//! them.
//!
//! ```
//! use clerk_m2m_types::jwt::pem;
//!
//! let text = pem::encode("PRIVATE KEY", &[1, 2, 3]);
//! assert_eq!(text, "-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n");
//! let block = pem::parse(&format!("a comment line\n{text}"))?;
//! assert_eq!(block.label(), "PRIVATE KEY");
//! assert_eq!(block.der(), [1, 2, 3]);
//! # Ok::<(), pem::PemError>(())
//! ```

use super::error::{KeyError, KeyErrorKind};
use base64::Engine as _;
use std::fmt;
use zeroize::Zeroizing;

/// A PEM text that could not be read. Its message names the problem, never
/// any of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid PEM: {detail}")]
pub struct PemError {
    detail: &'static str,
}

impl PemError {
    const EMPTY: Self = Self::new("the body is empty");
    const NOT_BASE64: Self = Self::new("the body is not valid base64");

    const fn new(detail: &'static str) -> Self {
        Self { detail }
    }

    /// What is wrong, e.g. `the body is not valid base64`.
    pub fn detail(&self) -> &'static str {
        self.detail
    }
}

/// One decoded PEM block: its label and the DER bytes of its body.
///
/// The bytes may be a private key: they are zeroed when the block is
/// dropped, and `Debug` shows only the label and the length.
#[derive(Clone, PartialEq, Eq)]
pub struct PemBlock {
    label: String,
    der: Zeroizing<Vec<u8>>,
}

impl PemBlock {
    /// The label between `BEGIN ` and the dashes, e.g. `PUBLIC KEY`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The decoded body.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PemBlock")
            .field("label", &self.label)
            .field("der_len", &self.der.len())
            .finish()
    }
}

/// Decodes the first PEM block of `text`; anything before it (a comment, a
/// certificate's text form) and after it is ignored. Literal `\n` and `\r`
/// sequences, as environment variables often carry them, count as line
/// breaks; whitespace inside the body is ignored.
pub fn parse(text: &str) -> Result<PemBlock, PemError> {
    let text = unescape(text);
    let begin = text
        .find("-----BEGIN ")
        .ok_or(PemError::new("no PEM block (-----BEGIN …-----) found"))?;
    let after_begin = &text[begin + "-----BEGIN ".len()..];
    let label_end = after_begin
        .find("-----")
        .ok_or(PemError::new("unterminated BEGIN line"))?;
    let label = &after_begin[..label_end];
    if label.is_empty() {
        return Err(PemError::new("the BEGIN line has no label"));
    }
    if label.contains(['\n', '\r']) {
        return Err(PemError::new("unterminated BEGIN line"));
    }
    let body_and_rest = &after_begin[label_end + "-----".len()..];
    let end_line = format!("-----END {label}-----");
    let body_end = body_and_rest
        .find(&end_line)
        .ok_or(PemError::new("missing END line for the BEGIN label"))?;
    Ok(PemBlock {
        label: label.to_owned(),
        der: decode_base64(&body_and_rest[..body_end])?,
    })
}

/// `der` armoured as a PEM block labelled `label`: base64 in lines of 64
/// characters, each line ending with `\n`.
pub fn encode(label: &str, der: &[u8]) -> String {
    let body = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der));
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    // Base64 is ASCII, so every 64-byte chunk is whole characters.
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

fn unescape(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.replace("\\n", "\n").replace("\\r", "\r"))
}

fn decode_base64(body: &str) -> Result<Zeroizing<Vec<u8>>, PemError> {
    let compact: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    if compact.is_empty() {
        return Err(PemError::EMPTY);
    }
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| PemError::NOT_BASE64)
}

/// What a public key's PEM label says it holds.
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

/// A public key: the first PEM block of `text`, which must be labelled
/// `PUBLIC KEY` or `RSA PUBLIC KEY`, or, with no armour at all, the whole
/// text as base64 DER.
pub(crate) fn decode(text: &str) -> Result<(PemLabel, Vec<u8>), KeyError> {
    let unescaped = unescape(text);
    if !unescaped.contains("-----BEGIN ") {
        let der = decode_base64(&unescaped).map_err(|error| {
            invalid(if error == PemError::EMPTY {
                "empty key"
            } else {
                "the key is not valid base64"
            })
        })?;
        return Ok((PemLabel::Bare, der.to_vec()));
    }
    let block = parse(text).map_err(|error| invalid(error.detail))?;
    let kind = match block.label() {
        "PUBLIC KEY" => PemLabel::Spki,
        "RSA PUBLIC KEY" => PemLabel::Pkcs1,
        label if label.contains("PRIVATE KEY") => {
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
    Ok((kind, block.der().to_vec()))
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

    #[test]
    fn private_key_blocks_parse_with_their_labels() {
        // The two forms an RSA private key comes in: PKCS#8 and PKCS#1.
        for label in ["PRIVATE KEY", "RSA PRIVATE KEY"] {
            let der: Vec<u8> = (0..=255).collect();
            let text = encode(label, &der);
            assert!(text.starts_with(&format!("-----BEGIN {label}-----\n")));
            assert!(text.ends_with(&format!("-----END {label}-----\n")));
            assert!(text.lines().all(|line| line.len() <= 64), "{text}");
            let block = parse(&format!("leading text\n{text}trailing text")).unwrap();
            assert_eq!(block.label(), label);
            assert_eq!(block.der(), der.as_slice());
            let shown = format!("{block:?}");
            assert!(
                shown.contains("der_len: 256") && !shown.contains("255"),
                "{shown}"
            );
            // A public-key reader refuses it without decoding further.
            let error = decode(&text).unwrap_err();
            assert!(error.to_string().contains("private key"), "{error}");
        }
    }

    #[test]
    fn encode_wraps_at_64_characters() {
        let text = encode("PRIVATE KEY", &[0xAB; 96]);
        let body: Vec<&str> = text
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("-----"))
            .collect();
        assert_eq!(
            body.iter().map(|line| line.len()).collect::<Vec<_>>(),
            [64, 64]
        );
        assert_eq!(encode("X", &[]), "-----BEGIN X-----\n-----END X-----\n");
    }

    #[test]
    fn parse_errors_name_the_problem() {
        for (text, detail) in [
            ("nothing here", "no PEM block"),
            ("-----BEGIN PRIVATE KEY", "unterminated BEGIN line"),
            ("-----BEGIN -----\nAQID\n-----END -----", "no label"),
            (
                "-----BEGIN X\nAQID\n-----END X-----",
                "unterminated BEGIN line",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAQID\n-----END RSA PRIVATE KEY-----",
                "missing END line",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
                "base64",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\n \n-----END PRIVATE KEY-----",
                "empty",
            ),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.detail().contains(detail), "{text}: {error}");
            assert!(error.to_string().starts_with("invalid PEM: "), "{error}");
        }
    }
}
