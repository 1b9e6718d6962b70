//! Which crypto backend the enabled features select.
#![cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]

use clerk_m2m_types::jwt::CRYPTO_BACKEND;

#[test]
fn aws_lc_rs_wins_whenever_it_is_enabled() {
    let expected = if cfg!(feature = "jwt-aws-lc-rs") {
        "aws-lc-rs"
    } else {
        "ring"
    };
    assert_eq!(CRYPTO_BACKEND, expected);
}
