//! Signature algorithms and RSA public keys.

use super::error::{KeyError, KeyErrorKind};
use super::{der, pem};
use std::fmt;

/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: u32 = 2048;
/// Largest RSA modulus accepted, in bits (what both crypto backends verify).
pub const MAX_RSA_BITS: u32 = 8192;

/// A JWS algorithm this crate verifies: RSASSA-PKCS1-v1_5 with SHA-2.
///
/// `none`, HMAC and every other algorithm are refused by construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256 (what Clerk signs with).
    Rs256,
    /// `RS384`: RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// `RS512`: RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Self; 3] = [Self::Rs256, Self::Rs384, Self::Rs512];

    /// The JWS name, e.g. `"RS256"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
        }
    }

    /// The algorithm with this exact JWS name, if supported.
    ///
    /// ```
    /// use clerk_m2m_types::jwt::Algorithm;
    ///
    /// assert_eq!(Algorithm::from_name("RS256"), Some(Algorithm::Rs256));
    /// assert_eq!(Algorithm::from_name("HS256"), None);
    /// assert_eq!(Algorithm::from_name("none"), None);
    /// assert_eq!(Algorithm::from_name("rs256"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "RS384" => Some(Self::Rs384),
            "RS512" => Some(Self::Rs512),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A validated RSA public key of 2048 to 8192 bits.
///
/// Built from PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`, the format of
/// `CLERK_JWT_KEY`), from DER, or from the modulus and exponent of a JWK.
/// `Debug` shows only the size.
///
/// ```
/// use clerk_m2m_types::jwt::{KeyErrorKind, RsaPublicKey};
///
/// let small = RsaPublicKey::from_components(&[0xc5; 128], &[1, 0, 1]).unwrap_err();
/// assert_eq!(small.kind(), KeyErrorKind::KeyTooSmall);
/// let key = RsaPublicKey::from_components(&[0xc5; 256], &[1, 0, 1])?;
/// assert_eq!(key.modulus_bits(), 2048);
/// # Ok::<(), clerk_m2m_types::jwt::KeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    modulus: Box<[u8]>,
    exponent: Box<[u8]>,
    pkcs1_der: Box<[u8]>,
    bits: u32,
}

impl RsaPublicKey {
    /// Parses a PEM public key: `-----BEGIN PUBLIC KEY-----` (SPKI) or
    /// `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1). Text around the block is
    /// ignored; literal `\n` sequences count as line breaks; base64 DER
    /// without armour is accepted too.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem::decode(pem)?;
        match label {
            pem::PemLabel::Spki => Self::from_spki_der(&der),
            pem::PemLabel::Pkcs1 => Self::from_pkcs1_der(&der),
            pem::PemLabel::Bare => Self::from_der(&der),
        }
    }

    /// Parses DER: an SPKI or a PKCS#1 `RSAPublicKey`, whichever it is.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        if der::looks_like_spki(der) {
            Self::from_spki_der(der)
        } else {
            Self::from_pkcs1_der(der)
        }
    }

    /// Parses a DER SubjectPublicKeyInfo holding an `rsaEncryption` key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_pkcs1_der(der::unwrap_spki(der)?)
    }

    /// Parses a DER PKCS#1 `RSAPublicKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let (modulus, exponent) = der::parse_pkcs1(der)?;
        Self::from_components(modulus, exponent)
    }

    /// A key from its big-endian modulus `n` and public exponent `e` (as in
    /// a JWK, once base64url-decoded). Leading zero bytes are ignored.
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<Self, KeyError> {
        let modulus = strip_leading_zeros(modulus);
        let exponent = strip_leading_zeros(exponent);
        let bits = bit_length(modulus);
        if bits < u64::from(MIN_RSA_BITS) {
            return Err(KeyError::new(KeyErrorKind::KeyTooSmall, ""));
        }
        if bits > u64::from(MAX_RSA_BITS) {
            return Err(KeyError::new(KeyErrorKind::KeyTooLarge, ""));
        }
        if modulus.last().is_some_and(|byte| byte & 1 == 0) {
            return Err(KeyError::new(
                KeyErrorKind::InvalidDer,
                "the RSA modulus is even",
            ));
        }
        let exponent_bits = bit_length(exponent);
        let odd = exponent.last().is_some_and(|byte| byte & 1 == 1);
        if !(2..=33).contains(&exponent_bits) || !odd {
            return Err(KeyError::new(KeyErrorKind::InvalidExponent, ""));
        }
        Ok(Self {
            pkcs1_der: der::encode_pkcs1(modulus, exponent).into_boxed_slice(),
            modulus: modulus.into(),
            exponent: exponent.into(),
            bits: u32::try_from(bits).unwrap_or(u32::MAX),
        })
    }

    /// The modulus size in bits.
    pub fn modulus_bits(&self) -> u32 {
        self.bits
    }

    /// The modulus `n`, big-endian, without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.modulus
    }

    /// The public exponent `e`, big-endian, without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.exponent
    }

    /// The key as a DER PKCS#1 `RSAPublicKey`.
    pub fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1_der
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|byte| **byte == 0).count();
    &bytes[zeros..]
}

fn bit_length(magnitude: &[u8]) -> u64 {
    match magnitude.first() {
        None => 0,
        Some(first) => (magnitude.len() as u64) * 8 - u64::from(first.leading_zeros()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_exponents() {
        let mut n = vec![0u8; 257];
        n[1] = 0x80;
        n[256] = 1;
        let key = RsaPublicKey::from_components(&n, &[0, 1, 0, 1]).unwrap();
        assert_eq!(key.modulus_bits(), 2048);
        assert_eq!(key.modulus().len(), 256);
        assert_eq!(key.exponent(), &[1, 0, 1]);
        let reparsed = RsaPublicKey::from_pkcs1_der(key.pkcs1_der()).unwrap();
        assert_eq!(reparsed, key);
        assert!(!format!("{key:?}").contains("128"));

        let mut short = vec![0u8; 256];
        short[0] = 0x7f;
        short[255] = 1;
        assert_eq!(
            RsaPublicKey::from_components(&short, &[1, 0, 1])
                .unwrap_err()
                .kind(),
            KeyErrorKind::KeyTooSmall
        );
        let huge = vec![0xffu8; 1025];
        assert_eq!(
            RsaPublicKey::from_components(&huge, &[1, 0, 1])
                .unwrap_err()
                .kind(),
            KeyErrorKind::KeyTooLarge
        );
        for e in [&[1u8][..], &[2], &[1, 0, 0], &[3, 0, 0, 0, 1]] {
            assert_eq!(
                RsaPublicKey::from_components(&n, e).unwrap_err().kind(),
                KeyErrorKind::InvalidExponent,
                "{e:?}"
            );
        }
        assert!(RsaPublicKey::from_components(&n, &[3]).is_ok());
    }
}
