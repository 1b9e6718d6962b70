//! The strict DER reader for RSA public keys (PKCS#1 and SPKI). Oracles:
//! strict DER has one encoding, so a parsed PKCS#1 key re-encodes to exactly
//! the input; an SPKI's inner key parses as PKCS#1 whenever the SPKI loads.
#![no_main]

use clerk_m2m_types::fuzzing::{
    der_encode_pkcs1, der_looks_like_spki, der_parse_pkcs1, der_unwrap_spki,
};
use clerk_m2m_types::jwt::RsaPublicKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if let Ok((modulus, exponent)) = der_parse_pkcs1(input) {
        assert_eq!(
            der_encode_pkcs1(modulus, exponent),
            input,
            "PKCS#1 round trip"
        );
    }
    let _ = der_looks_like_spki(input);
    if let Ok(inner) = der_unwrap_spki(input) {
        if RsaPublicKey::from_spki_der(input).is_ok() {
            assert!(der_parse_pkcs1(inner).is_ok());
        }
    }
    if let Ok(key) = RsaPublicKey::from_der(input) {
        let (modulus, exponent) = der_parse_pkcs1(key.pkcs1_der()).expect("a loaded key re-parses");
        assert_eq!((modulus, exponent), (key.modulus(), key.exponent()));
    }
});
