//! Why a token or a key was refused.
//!
//! Messages are fixed text: they never quote a token, a claim value, a `kid`
//! or key material, so they are safe to log and to return to a caller.

use std::fmt;

/// What failed when a token was checked, in the order the checks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwtErrorKind {
    /// Longer than [`MAX_TOKEN_BYTES`](super::MAX_TOKEN_BYTES): refused
    /// before decoding. Such a token must not be sent anywhere either.
    TooLarge,
    /// Not three base64url parts holding a JSON header, a JSON payload and a
    /// signature, or a header field of the wrong type.
    Malformed,
    /// The payload's `sub` is not a machine id (`mch_…`): not an M2M JWT.
    NotM2mToken,
    /// The header's `cat` is present and is not the M2M token category.
    WrongCategory,
    /// The header's `typ` is present and is not `JWT`.
    WrongType,
    /// `alg` is missing or not one of RS256, RS384, RS512 (`none` and HMAC
    /// are always refused).
    UnsupportedAlgorithm,
    /// The header has a `crit` member.
    CriticalHeader,
    /// No key for the token's `kid` (a JWKS refetch may help).
    UnknownKey,
    /// Keys exist for the `kid`, but their JWK `alg` differs from the token's.
    KeyAlgorithmMismatch,
    /// The signature does not verify (with a known `kid`, a JWKS refetch may
    /// help: Clerk's `kid` can survive a key rotation).
    InvalidSignature,
    /// A required claim (`exp`) is absent.
    MissingClaim,
    /// A claim has the wrong type or an unusable value.
    InvalidClaim,
    /// `exp` is at or before now minus the clock skew.
    Expired,
    /// `nbf` is after now plus the clock skew.
    NotYetValid,
    /// `iat` is after now plus the clock skew.
    IssuedInFuture,
    /// An audience was required and the token's `aud` does not contain it.
    AudienceMismatch,
}

impl JwtErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::TooLarge => "token is larger than 8 KiB",
            Self::Malformed => "malformed token",
            Self::NotM2mToken => "not an M2M token: the subject is not a machine id (mch_…)",
            Self::WrongCategory => "wrong token category (cat): not an M2M token",
            Self::WrongType => "wrong token type (typ): expected JWT",
            Self::UnsupportedAlgorithm => {
                "unsupported signature algorithm: only RS256, RS384 and RS512 are accepted"
            }
            Self::CriticalHeader => "the token has a crit header, which is not supported",
            Self::UnknownKey => "no key matches the token's key id (kid)",
            Self::KeyAlgorithmMismatch => "the key for this key id is for another algorithm",
            Self::InvalidSignature => "invalid signature",
            Self::MissingClaim => "a required claim is missing",
            Self::InvalidClaim => "invalid claim",
            Self::Expired => "the token has expired",
            Self::NotYetValid => "the token is not valid yet (nbf)",
            Self::IssuedInFuture => "the token is issued in the future (iat)",
            Self::AudienceMismatch => "the token's audience (aud) does not match",
        }
    }
}

impl fmt::Display for JwtErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A token that failed local verification.
///
/// [`kind`](Self::kind) says which check failed; `Display` adds a fixed
/// detail (e.g. which part or claim) and never any token content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtError {
    kind: JwtErrorKind,
    detail: &'static str,
}

impl JwtError {
    pub(crate) const fn new(kind: JwtErrorKind, detail: &'static str) -> Self {
        Self { kind, detail }
    }

    /// Which check failed.
    pub fn kind(&self) -> JwtErrorKind {
        self.kind
    }

    /// Whether fresh keys could change the outcome: an unknown `kid`, or a
    /// bad signature (Clerk's `kid` is the instance id, so a rotated key can
    /// keep it). A JWKS cache answers whether to refetch
    /// ([`JwksCache::on_unknown_kid`](super::JwksCache::on_unknown_kid),
    /// [`JwksCache::on_signature_failure`](super::JwksCache::on_signature_failure)).
    pub fn is_key_miss(&self) -> bool {
        matches!(
            self.kind,
            JwtErrorKind::UnknownKey | JwtErrorKind::InvalidSignature
        )
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.detail)
        }
    }
}

impl std::error::Error for JwtError {}

/// What is wrong with a public key or a key set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyErrorKind {
    /// Not a PEM `PUBLIC KEY` / `RSA PUBLIC KEY` block (or base64 DER).
    InvalidPem,
    /// The DER inside is not a well-formed SPKI or PKCS#1 RSA public key.
    InvalidDer,
    /// A public key of another type (EC, Ed25519, RSA-PSS…).
    UnsupportedKeyType,
    /// An RSA modulus under [`MIN_RSA_BITS`](super::MIN_RSA_BITS).
    KeyTooSmall,
    /// An RSA modulus over [`MAX_RSA_BITS`](super::MAX_RSA_BITS).
    KeyTooLarge,
    /// An RSA public exponent that is even, below 3 or over 33 bits.
    InvalidExponent,
    /// Not a JWKS document (`{"keys": [...]}`).
    InvalidJwks,
    /// A JWKS with no usable RSA signing key.
    NoUsableKeys,
}

impl KeyErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::InvalidPem => "not a PEM public key (expected PUBLIC KEY or RSA PUBLIC KEY)",
            Self::InvalidDer => "not a valid DER-encoded RSA public key",
            Self::UnsupportedKeyType => "unsupported key type: only RSA public keys are accepted",
            Self::KeyTooSmall => "RSA key is smaller than 2048 bits",
            Self::KeyTooLarge => "RSA key is larger than 8192 bits",
            Self::InvalidExponent => "invalid RSA public exponent",
            Self::InvalidJwks => "not a JSON Web Key Set",
            Self::NoUsableKeys => "the JSON Web Key Set has no usable RSA signing key",
        }
    }
}

impl fmt::Display for KeyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A public key or key set that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyError {
    kind: KeyErrorKind,
    detail: &'static str,
}

impl KeyError {
    pub(crate) const fn new(kind: KeyErrorKind, detail: &'static str) -> Self {
        Self { kind, detail }
    }

    /// What is wrong.
    pub fn kind(&self) -> KeyErrorKind {
        self.kind
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.detail)
        }
    }
}

impl std::error::Error for KeyError {}
