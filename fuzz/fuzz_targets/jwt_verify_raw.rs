//! The JWT verifier, the M2M-JWT router and the bearer classifier over raw
//! strings. Oracles: a verified token was routed as an M2M JWT, and its
//! subject is a machine's.
#![no_main]

use clerk_m2m_fuzz::{now, TestSigner};
use clerk_m2m_types::driver::auth::{classify_bearer, BearerKind};
use clerk_m2m_types::jwt::{is_m2m_jwt, verify, KeySet, VerifyOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| TestSigner::load().key_set())
}

fuzz_target!(|input: &[u8]| {
    let token = String::from_utf8_lossy(input);
    let routed = is_m2m_jwt(&token);
    let classified = classify_bearer(&token);
    if let Ok(true) = routed {
        assert_eq!(
            classified.map_err(|error| error.kind()),
            Ok(BearerKind::M2mJwt)
        );
    }
    let options = VerifyOptions::new().audience("mch_fuzz");
    for options in [VerifyOptions::new(), options] {
        if let Ok(verified) = verify(&token, keys(), now(), &options) {
            assert_eq!(routed.as_ref().ok(), Some(&true));
            assert!(verified.subject.starts_with("mch_"));
        }
    }
});
