//! Internal functions for the project's fuzz targets (`fuzz/` in the
//! repository), behind the `fuzzing` feature.
//!
//! **Not public API**: hidden from the docs, not covered by semver, and may
//! change or vanish in any release. Use the crate's public API instead.

/// The error scrubber: every secret in `text` replaced by `[redacted]`.
pub fn scrub_secrets(text: &str) -> String {
    crate::error::scrub_secrets(text)
}

/// The bounded, scrubbed body copy kept in errors.
pub fn body_snippet(body: &[u8]) -> String {
    crate::error::body_snippet(body)
}

/// The largest [`body_snippet`], in bytes.
pub const SNIPPET_LIMIT: usize = crate::error::SNIPPET_LIMIT;

/// Whether a response's `Content-Type` is JSON.
pub fn is_json(headers: &http::HeaderMap) -> bool {
    crate::parse::is_json(headers)
}

#[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
pub use jwt_parsers::*;

#[cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]
mod jwt_parsers {
    use crate::jwt::{der, pem, KeyError};

    /// PEM armour: the label (`"PUBLIC KEY"`, `"RSA PUBLIC KEY"`, or `""`
    /// for bare base64) and the DER inside.
    pub fn pem_decode(text: &str) -> Result<(&'static str, Vec<u8>), KeyError> {
        let (label, der) = pem::decode(text)?;
        let label = match label {
            pem::PemLabel::Spki => "PUBLIC KEY",
            pem::PemLabel::Pkcs1 => "RSA PUBLIC KEY",
            pem::PemLabel::Bare => "",
        };
        Ok((label, der))
    }

    /// The modulus and exponent of a DER PKCS#1 `RSAPublicKey`.
    pub fn der_parse_pkcs1(input: &[u8]) -> Result<(&[u8], &[u8]), KeyError> {
        der::parse_pkcs1(input)
    }

    /// The PKCS#1 key inside a DER SubjectPublicKeyInfo.
    pub fn der_unwrap_spki(input: &[u8]) -> Result<&[u8], KeyError> {
        der::unwrap_spki(input)
    }

    /// Whether DER starts like a SubjectPublicKeyInfo.
    pub fn der_looks_like_spki(input: &[u8]) -> bool {
        der::looks_like_spki(input)
    }

    /// Encodes a PKCS#1 `RSAPublicKey` from big-endian magnitudes.
    pub fn der_encode_pkcs1(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
        der::encode_pkcs1(modulus, exponent)
    }
}
