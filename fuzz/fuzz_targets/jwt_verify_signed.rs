//! The JWT verifier's header and claim checks behind a real signature: the
//! fuzzed header and payload are signed with the test-only key (loaded once
//! at startup) and verified with its public half.
//!
//! Input: line 1 the header JSON (empty: a valid RS256 header with the
//! test kid), line 2 the payload JSON, optional line 3 `<now offset
//! seconds> <skew seconds>`.
//!
//! Oracles: a validly signed token with the standard header never fails on
//! its signature or key; an accepted token is not expired at `now - skew`,
//! has `exp` and a `mch_` subject, and its claims hold no registered claim.
#![no_main]

use clerk_m2m_fuzz::{now, TestSigner, TEST_KID};
use clerk_m2m_types::jwt::{verify, JwtErrorKind, KeySet, VerifyOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::Duration;

fn signer() -> &'static (TestSigner, KeySet) {
    static SIGNER: OnceLock<(TestSigner, KeySet)> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let signer = TestSigner::load();
        let keys = signer.key_set();
        (signer, keys)
    })
}

fuzz_target!(|input: &[u8]| {
    let mut lines = input.splitn(3, |byte| *byte == b'\n');
    let header_line = lines.next().unwrap_or_default();
    let payload = lines.next().unwrap_or_default();
    let settings = String::from_utf8_lossy(lines.next().unwrap_or_default());
    let mut numbers = settings
        .split_ascii_whitespace()
        .map(|word| word.parse::<i64>().unwrap_or(0));
    let offset = numbers.next().unwrap_or(0).clamp(-1 << 40, 1 << 40);
    let skew = Duration::from_secs(numbers.next().unwrap_or(5).clamp(0, 1 << 32) as u64);
    let at = if offset >= 0 {
        now() + Duration::from_secs(offset as u64)
    } else {
        now() - Duration::from_secs(offset.unsigned_abs())
    };

    let standard_header = format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{TEST_KID}"}}"#);
    let header: &[u8] = if header_line.is_empty() {
        standard_header.as_bytes()
    } else {
        header_line
    };
    let (signer, keys) = signer();
    let token = signer.sign(header, payload);
    let result = verify(&token, keys, at, &VerifyOptions::new().clock_skew(skew));

    match result {
        Err(error) => {
            if header_line.is_empty() {
                assert!(
                    !matches!(
                        error.kind(),
                        JwtErrorKind::InvalidSignature
                            | JwtErrorKind::UnknownKey
                            | JwtErrorKind::KeyAlgorithmMismatch
                            | JwtErrorKind::UnsupportedAlgorithm
                    ),
                    "a validly signed token failed with {error:?}"
                );
            }
        }
        Ok(verified) => {
            assert!(verified.subject.starts_with("mch_"));
            // Decoded as `@clerk/backend` does (TextDecoder: invalid UTF-8
            // becomes U+FFFD), since the verifier, like it, tolerates invalid
            // UTF-8 inside a claim it ignores (`iss`).
            let payload: serde_json::Value =
                serde_json::from_str(&String::from_utf8_lossy(payload))
                    .expect("an accepted payload is JSON");
            let exp = payload["exp"]
                .as_f64()
                .expect("an accepted token has a numeric exp");
            let now_ms = at
                .duration_since(std::time::UNIX_EPOCH)
                .map(|since| since.as_millis() as f64)
                .unwrap_or(0.0);
            assert!(
                exp.trunc() * 1000.0 > now_ms - skew.as_millis() as f64,
                "expired token accepted: exp {exp} at {now_ms} ms, skew {skew:?}"
            );
            if let Some(claims) = verified
                .claims
                .as_ref()
                .and_then(|claims| claims.as_object())
            {
                for registered in ["iss", "sub", "exp", "nbf", "iat", "jti"] {
                    assert!(
                        !claims.contains_key(registered),
                        "{registered} left in claims"
                    );
                }
            }
        }
    }
});
