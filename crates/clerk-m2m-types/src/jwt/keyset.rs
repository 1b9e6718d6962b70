//! The keys a verifier trusts, by `kid`.

use super::backend::PreparedKey;
use super::error::{KeyError, KeyErrorKind};
use super::key::{Algorithm, RsaPublicKey};
use base64::Engine as _;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Environment variable holding the PEM public key for networkless verification.
pub const ENV_JWT_KEY: &str = "CLERK_JWT_KEY";

/// One trusted key, with its crypto state kept across verifications.
pub(crate) struct KeyEntry {
    key: RsaPublicKey,
    algorithm: Option<Algorithm>,
    prepared: PreparedKey,
}

impl KeyEntry {
    fn new(key: RsaPublicKey, algorithm: Option<Algorithm>) -> Arc<Self> {
        Arc::new(Self {
            key,
            algorithm,
            prepared: PreparedKey::new(),
        })
    }

    /// Whether this key may verify a token signed with `algorithm`.
    pub(crate) fn allows(&self, algorithm: Algorithm) -> bool {
        self.algorithm.is_none_or(|own| own == algorithm)
    }

    pub(crate) fn verify(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        self.prepared
            .verify(&self.key, algorithm, message, signature)
    }

    fn same_material(&self, other: &Self) -> bool {
        self.key == other.key && self.algorithm == other.algorithm
    }
}

/// Why a JWKS entry was left out of a [`KeySet`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Not an object with `"kty": "RSA"`.
    NotRsa,
    /// It carries private key members (`d`, `p`, …): a JWKS publishes public keys only.
    PrivateKeyMaterial,
    /// No string `kid`, so no token could select it.
    MissingKeyId,
    /// `use` is present and not `sig`, or `key_ops` lacks `verify`.
    NotForSigning,
    /// `alg` is present and is not RS256, RS384 or RS512.
    UnsupportedAlgorithm,
    /// `n`/`e` missing or not base64url, or the key itself is refused
    /// (e.g. [`KeyErrorKind::KeyTooSmall`]).
    InvalidKey(KeyErrorKind),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRsa => f.write_str("not an RSA key"),
            Self::PrivateKeyMaterial => f.write_str("contains private key material"),
            Self::MissingKeyId => f.write_str("has no kid"),
            Self::NotForSigning => f.write_str("not a signature verification key (use/key_ops)"),
            Self::UnsupportedAlgorithm => f.write_str("alg is not RS256, RS384 or RS512"),
            Self::InvalidKey(kind) => write!(f, "{kind}"),
        }
    }
}

/// A JWKS entry that was skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    kid: Option<String>,
    reason: SkipReason,
}

impl SkippedKey {
    /// The entry's `kid`, if it had a string one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Why it was skipped.
    pub fn reason(&self) -> &SkipReason {
        &self.reason
    }
}

/// The public keys a verifier trusts.
///
/// Keys are found by the token header's `kid`. A key added with
/// [`insert_for_any_kid`](Self::insert_for_any_kid) (what
/// [`from_pem`](Self::from_pem) does, as `CLERK_JWT_KEY` works in
/// `@clerk/backend`) is used for tokens whose `kid` has no key of its own.
/// Several keys may share a `kid` (e.g. during a rotation); each is tried.
///
/// Cloning is cheap (keys are shared), and each key keeps its parsed crypto
/// state for the life of the set (aws-lc-rs: parsed once per algorithm).
///
/// ```
/// use clerk_m2m_types::jwt::{KeyErrorKind, KeySet, SkipReason};
///
/// # let n = "x".repeat(342) + "E"; // base64url of an odd 2056-bit modulus
/// let jwks = format!(r#"{{"keys":[
///     {{"kty":"EC","kid":"ins_ec","crv":"P-256","x":"AA","y":"AA"}},
///     {{"kty":"RSA","kid":"ins_small","n":"AQAB","e":"AQAB"}},
///     {{"kty":"RSA","kid":"ins_good","use":"sig","alg":"RS256","n":"{n}","e":"AQAB"}}
/// ]}}"#);
/// let keys = KeySet::from_jwks_json(jwks.as_bytes())?;
/// assert!(keys.contains_kid("ins_good"));
/// // Unusable entries are skipped, not fatal…
/// assert_eq!(keys.skipped()[0].reason(), &SkipReason::NotRsa);
/// assert_eq!(
///     keys.skipped()[1].reason(),
///     &SkipReason::InvalidKey(KeyErrorKind::KeyTooSmall)
/// );
/// // …but a set with no usable key at all is an error.
/// let empty = KeySet::from_jwks_json(br#"{"keys":[]}"#).unwrap_err();
/// assert_eq!(empty.kind(), KeyErrorKind::NoUsableKeys);
/// # Ok::<(), clerk_m2m_types::jwt::KeyError>(())
/// ```
#[derive(Clone, Default)]
pub struct KeySet {
    by_kid: HashMap<Box<str>, Vec<Arc<KeyEntry>>>,
    any_kid: Vec<Arc<KeyEntry>>,
    skipped: Vec<SkippedKey>,
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set holding one PEM public key (SPKI `PUBLIC KEY` or PKCS#1
    /// `RSA PUBLIC KEY`), used whatever the token's `kid`: the
    /// `CLERK_JWT_KEY` setup, with no network.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let mut set = Self::new();
        set.insert_for_any_kid(RsaPublicKey::from_pem(pem)?);
        Ok(set)
    }

    /// Reads `CLERK_JWT_KEY` through `lookup`: `Ok(None)` when unset or empty.
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, KeyError> {
        match lookup(ENV_JWT_KEY).filter(|value| !value.trim().is_empty()) {
            Some(pem) => Self::from_pem(&pem).map(Some),
            None => Ok(None),
        }
    }

    /// Parses a JSON Web Key Set (`{"keys": [...]}`, the body of
    /// `GET /v1/jwks`).
    ///
    /// Entries that are not RSA public keys of at least 2048 bits with a
    /// `kid`, whose `use` is not `sig`, or whose `alg` is not RS256/384/512
    /// are skipped (see [`skipped`](Self::skipped)). A document that is not
    /// a JWKS, or has no usable key, is an error.
    pub fn from_jwks_json(json: &[u8]) -> Result<Self, KeyError> {
        let document: Value = serde_json::from_slice(json)
            .map_err(|_| KeyError::new(KeyErrorKind::InvalidJwks, "not JSON"))?;
        let entries = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(KeyError::new(
                KeyErrorKind::InvalidJwks,
                "no \"keys\" array",
            ))?;
        let mut set = Self::new();
        for entry in entries {
            match parse_jwk(entry) {
                Ok((kid, key, algorithm)) => set.insert(kid, key, algorithm),
                Err(reason) => set.skipped.push(SkippedKey {
                    kid: entry.get("kid").and_then(Value::as_str).map(str::to_owned),
                    reason,
                }),
            }
        }
        if set.is_empty() {
            return Err(KeyError::new(KeyErrorKind::NoUsableKeys, ""));
        }
        Ok(set)
    }

    /// Adds `key` under `kid`; `algorithm` (a JWK's `alg`), when given, is
    /// the only algorithm it verifies.
    pub fn insert(
        &mut self,
        kid: impl Into<String>,
        key: RsaPublicKey,
        algorithm: Option<Algorithm>,
    ) {
        self.by_kid
            .entry(kid.into().into_boxed_str())
            .or_default()
            .push(KeyEntry::new(key, algorithm));
    }

    /// Adds `key` for tokens whose `kid` (or lack of one) has no key of its own.
    pub fn insert_for_any_kid(&mut self, key: RsaPublicKey) {
        self.any_kid.push(KeyEntry::new(key, None));
    }

    /// Whether some key is registered under exactly `kid`.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.by_kid.contains_key(kid)
    }

    /// The `kid`s with keys, in no particular order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.by_kid.keys().map(|kid| &**kid)
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.by_kid.values().map(Vec::len).sum::<usize>() + self.any_kid.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The JWKS entries left out by [`from_jwks_json`](Self::from_jwks_json).
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// The keys to try for a token with `kid`.
    pub(crate) fn candidates(&self, kid: Option<&str>) -> &[Arc<KeyEntry>] {
        kid.and_then(|kid| self.by_kid.get(kid))
            .map_or(&self.any_kid[..], |keys| &keys[..])
    }

    /// Reuses the entries (and their parsed crypto state) of `previous` for
    /// keys that did not change.
    pub(crate) fn adopt_prepared(&mut self, previous: &Self) {
        for (kid, entries) in &mut self.by_kid {
            let Some(old) = previous.by_kid.get(kid) else {
                continue;
            };
            for entry in entries.iter_mut() {
                if let Some(same) = old.iter().find(|old| old.same_material(entry)) {
                    *entry = Arc::clone(same);
                }
            }
        }
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kids: Vec<&str> = self.kids().collect();
        kids.sort_unstable();
        f.debug_struct("KeySet")
            .field("kids", &kids)
            .field("any_kid", &self.any_kid.len())
            .field("skipped", &self.skipped.len())
            .finish()
    }
}

/// Members that only a private JWK has.
const PRIVATE_MEMBERS: [&str; 6] = ["d", "p", "q", "dp", "dq", "qi"];

fn parse_jwk(entry: &Value) -> Result<(String, RsaPublicKey, Option<Algorithm>), SkipReason> {
    let object = entry.as_object().ok_or(SkipReason::NotRsa)?;
    if object.get("kty").and_then(Value::as_str) != Some("RSA") {
        return Err(SkipReason::NotRsa);
    }
    if PRIVATE_MEMBERS
        .iter()
        .any(|member| object.contains_key(*member))
    {
        return Err(SkipReason::PrivateKeyMaterial);
    }
    if object
        .get("use")
        .is_some_and(|value| value.as_str() != Some("sig"))
    {
        return Err(SkipReason::NotForSigning);
    }
    if let Some(ops) = object.get("key_ops") {
        let verifies = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !verifies {
            return Err(SkipReason::NotForSigning);
        }
    }
    let algorithm = match object.get("alg") {
        None => None,
        Some(alg) => Some(
            alg.as_str()
                .and_then(Algorithm::from_name)
                .ok_or(SkipReason::UnsupportedAlgorithm)?,
        ),
    };
    let kid = object
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(SkipReason::MissingKeyId)?;
    let component = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .and_then(|text| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(text.trim_end_matches('='))
                    .ok()
            })
            .ok_or(SkipReason::InvalidKey(KeyErrorKind::InvalidDer))
    };
    let key = RsaPublicKey::from_components(&component("n")?, &component("e")?)
        .map_err(|error| SkipReason::InvalidKey(error.kind()))?;
    Ok((kid.to_owned(), key, algorithm))
}
