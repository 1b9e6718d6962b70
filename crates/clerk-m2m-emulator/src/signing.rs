//! The instance's RSA signing key: generation, PEM in and out, RS256, JWKS.

use crate::EmulatorError;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clerk_m2m_types::jwt::pem;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// The RSA key an emulated instance signs JWT-format tokens with.
///
/// Cheap to clone (shared). Generate one ([`SigningKey::generate`], RSA-2048)
/// or load one from PEM (`PRIVATE KEY` PKCS#8 or `RSA PRIVATE KEY` PKCS#1,
/// 2048 to 8192 bits). `Debug` shows only the key size.
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<Inner>,
}

struct Inner {
    pair: KeyPair,
    /// `RSAPublicKey` DER (PKCS#1), for verification.
    public_pkcs1: Vec<u8>,
    n: Vec<u8>,
    e: Vec<u8>,
}

/// One JSON Web Key, as `GET /v1/jwks` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Jwk {
    pub(crate) use_: &'static str,
    pub(crate) kty: &'static str,
    pub(crate) kid: String,
    pub(crate) alg: &'static str,
    pub(crate) n: String,
    pub(crate) e: String,
}

impl Jwk {
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "use": self.use_,
            "kty": self.kty,
            "kid": self.kid,
            "alg": self.alg,
            "n": self.n,
            "e": self.e,
        })
    }
}

fn key_error(reason: impl Into<String>) -> EmulatorError {
    EmulatorError::SigningKey {
        reason: reason.into(),
    }
}

impl SigningKey {
    fn from_pair(pair: KeyPair) -> Self {
        let public = pair.public_key();
        let components = PublicKeyComponents::<Vec<u8>>::from(public);
        Self {
            inner: Arc::new(Inner {
                public_pkcs1: public.as_ref().to_vec(),
                n: components.n,
                e: components.e,
                pair,
            }),
        }
    }

    /// Generates a fresh RSA-2048 key.
    pub fn generate() -> Result<Self, EmulatorError> {
        KeyPair::generate(KeySize::Rsa2048)
            .map(Self::from_pair)
            .map_err(|_| key_error("RSA-2048 key generation failed"))
    }

    /// Loads a private key from PEM text: `-----BEGIN PRIVATE KEY-----`
    /// (PKCS#8) or `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1).
    pub fn from_pem(text: &str) -> Result<Self, EmulatorError> {
        let block = pem::parse(text).map_err(|error| key_error(error.to_string()))?;
        let pair = match block.label() {
            "PRIVATE KEY" => KeyPair::from_pkcs8(block.der()),
            "RSA PRIVATE KEY" => KeyPair::from_der(block.der()),
            other => {
                return Err(key_error(format!(
                    "expected a `PRIVATE KEY` or `RSA PRIVATE KEY` PEM block, found `{other}`"
                )))
            }
        }
        .map_err(|error| key_error(format!("not an acceptable RSA private key: {error}")))?;
        Ok(Self::from_pair(pair))
    }

    /// Loads a private key from a PEM file (see [`from_pem`](Self::from_pem)).
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, EmulatorError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem(&text)
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), e.g.
    /// to keep an emulator's JWT key stable across restarts.
    pub fn to_pkcs8_pem(&self) -> Result<String, EmulatorError> {
        let der: Pkcs8V1Der<'static> = self
            .inner
            .pair
            .as_der()
            .map_err(|_| key_error("could not encode the key as PKCS#8"))?;
        Ok(pem::encode("PRIVATE KEY", der.as_ref()))
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`): what
    /// `CLERK_JWT_KEY` holds for networkless JWT verification.
    pub fn public_key_pem(&self) -> String {
        let der: Result<PublicKeyX509Der<'static>, _> = self.inner.pair.public_key().as_der();
        match der {
            Ok(der) => pem::encode("PUBLIC KEY", der.as_ref()),
            // Encoding a key aws-lc-rs already validated does not fail;
            // fall back to the PKCS#1 form rather than panic.
            Err(_) => pem::encode("RSA PUBLIC KEY", &self.inner.public_pkcs1),
        }
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.pair.public_modulus_len() * 8
    }

    /// The public modulus `n`, big-endian, no leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.inner.n
    }

    /// The public exponent `e`, big-endian, no leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.inner.e
    }

    /// An RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature over `message`.
    pub(crate) fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, EmulatorError> {
        let mut signature = vec![0u8; self.inner.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.inner
            .pair
            .sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature)
            .map_err(|_| key_error("RS256 signing failed"))?;
        Ok(signature)
    }

    /// Whether `signature` is a valid RS256 signature of `message` by this key.
    pub(crate) fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            &self.inner.public_pkcs1,
        )
        .verify(message, signature)
        .is_ok()
    }

    /// The JWK for this key with the given `kid`.
    pub(crate) fn jwk(&self, kid: &str) -> Jwk {
        Jwk {
            use_: "sig",
            kty: "RSA",
            kid: kid.to_owned(),
            alg: "RS256",
            n: URL_SAFE_NO_PAD.encode(&self.inner.n),
            e: URL_SAFE_NO_PAD.encode(&self.inner.e),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// One key per test process: generation is the slow part.
    pub(crate) fn shared_key() -> SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate().unwrap()).clone()
    }

    #[test]
    fn pem_round_trip_and_signatures() {
        let key = shared_key();
        assert_eq!(key.bits(), 2048);
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let again = SigningKey::from_pem(&format!("leading text\n{pem}")).unwrap();
        assert_eq!(again.modulus(), key.modulus());
        let signature = again.sign_rs256(b"hello").unwrap();
        assert!(key.verify_rs256(b"hello", &signature));
        assert!(!key.verify_rs256(b"hellO", &signature));
        assert!(key
            .public_key_pem()
            .starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(!format!("{key:?}").contains("MII"));
    }

    /// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`: the
    /// OCTET STRING after the version and the algorithm.
    fn pkcs1_inside(pkcs8: &[u8]) -> Vec<u8> {
        // (tag, header length, content length) of the DER element at `input`.
        fn element(input: &[u8]) -> (u8, usize, usize) {
            let first = usize::from(input[1]);
            if first < 0x80 {
                return (input[0], 2, first);
            }
            let count = first & 0x7f;
            let length = input[2..2 + count]
                .iter()
                .fold(0, |length, byte| length << 8 | usize::from(*byte));
            (input[0], 2 + count, length)
        }
        let (tag, header, _) = element(pkcs8);
        assert_eq!(tag, 0x30, "PrivateKeyInfo is a SEQUENCE");
        let mut rest = &pkcs8[header..];
        for expected in [0x02, 0x30] {
            let (tag, header, length) = element(rest);
            assert_eq!(tag, expected);
            rest = &rest[header + length..];
        }
        let (tag, header, length) = element(rest);
        assert_eq!(tag, 0x04, "the key is an OCTET STRING");
        rest[header..header + length].to_vec()
    }

    #[test]
    fn pkcs1_and_pkcs8_private_keys_load_through_the_shared_parser() {
        let key = shared_key();
        let pkcs8_pem = key.to_pkcs8_pem().unwrap();
        let pkcs8 = pem::parse(&pkcs8_pem).unwrap();
        assert_eq!(pkcs8.label(), "PRIVATE KEY");
        let pkcs1_pem = pem::encode("RSA PRIVATE KEY", &pkcs1_inside(pkcs8.der()));
        assert!(pkcs1_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        for text in [pkcs8_pem, pkcs1_pem] {
            let loaded = SigningKey::from_pem(&text).unwrap();
            assert_eq!(loaded.modulus(), key.modulus());
            assert_eq!(loaded.exponent(), key.exponent());
        }
        // Escaped line breaks, as an environment variable holds them.
        let escaped = key.to_pkcs8_pem().unwrap().replace('\n', "\\n");
        assert_eq!(
            SigningKey::from_pem(&escaped).unwrap().modulus(),
            key.modulus()
        );
    }

    #[test]
    fn bad_pem_is_explained() {
        for (pem, needle) in [
            ("nothing here", "no PEM block"),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                "CERTIFICATE",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
                "base64",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                "acceptable",
            ),
        ] {
            let error = SigningKey::from_pem(pem).unwrap_err().to_string();
            assert!(error.contains(needle), "{error}");
        }
    }

    #[test]
    fn jwk_fields() {
        let key = shared_key();
        let jwk = key.jwk("ins_test").to_json();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["kid"], "ins_test");
        assert_eq!(jwk["e"], "AQAB");
    }
}
