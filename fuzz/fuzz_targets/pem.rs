//! PEM decoding and key loading from PEM text (`CLERK_JWT_KEY`). Oracles:
//! an accepted key is an RSA key of 2048–8192 bits, and loading it as a key
//! set agrees with loading it as a key.
#![no_main]

use clerk_m2m_types::fuzzing::pem_decode;
use clerk_m2m_types::jwt::{KeySet, RsaPublicKey, MAX_RSA_BITS, MIN_RSA_BITS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let decoded = pem_decode(&text);
    let key = RsaPublicKey::from_pem(&text);
    if key.is_ok() {
        assert!(
            decoded.is_ok(),
            "a key loaded from PEM that does not decode"
        );
    }
    if let Ok(key) = &key {
        assert!((MIN_RSA_BITS..=MAX_RSA_BITS).contains(&key.modulus_bits()));
    }
    assert_eq!(KeySet::from_pem(&text).is_ok(), key.is_ok());
});
