//! Random ids, keys and token values in the shapes Clerk uses.
//!
//! Everything comes from the operating system's CSPRNG (through aws-lc-rs);
//! should that ever fail, a non-cryptographic generator fills in, which is
//! acceptable for an emulator that only ever holds test keys.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Length of the random part of an opaque token value. `mt_` + 48 characters
/// can never match the token id pattern `^mt_[0-9A-Fa-f]{32}$` (wrong length).
pub(crate) const OPAQUE_VALUE_LEN: usize = 48;

fn fill(buf: &mut [u8]) {
    if aws_lc_rs::rand::fill(buf).is_err() {
        for byte in buf.iter_mut() {
            *byte = fastrand::u8(..);
        }
    }
}

fn base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill(&mut buf);
        for &byte in &buf {
            // 248 = 4 * 62: rejecting the rest keeps the distribution uniform.
            if byte < 248 && out.len() < len {
                out.push(char::from(BASE62[usize::from(byte % 62)]));
            }
        }
    }
    out
}

fn hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    fill(&mut buf);
    let mut out = String::with_capacity(bytes * 2);
    for byte in buf {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// A token id: `mt_` + 32 lowercase hex digits.
pub(crate) fn token_id() -> String {
    format!("mt_{}", hex(16))
}

/// An opaque token value: `mt_` + 48 base62 characters.
pub(crate) fn opaque_token_value() -> String {
    format!("mt_{}", base62(OPAQUE_VALUE_LEN))
}

/// A machine id: `mch_` + 27 word characters.
pub(crate) fn machine_id() -> String {
    format!("mch_{}", base62(27))
}

/// An instance id: `ins_` + 27 word characters.
pub(crate) fn instance_id() -> String {
    format!("ins_{}", base62(27))
}

/// An instance secret key that looks like a test key: `sk_test_` + 43 characters.
pub(crate) fn instance_secret_key() -> String {
    format!("sk_test_{}", base62(43))
}

/// A machine secret key that looks like a test key: `ak_test_` + 40 characters.
pub(crate) fn machine_secret_key() -> String {
    format!("ak_test_{}", base62(40))
}

/// A trace id for error envelopes: 32 lowercase hex digits.
pub(crate) fn trace_id() -> String {
    hex(16)
}

/// Whether `value` is a machine id: `mch_` + exactly 27 word characters
/// (Clerk's `^mch_\w{27}$`).
pub(crate) fn is_machine_id(value: &str) -> bool {
    value.strip_prefix("mch_").is_some_and(|rest| {
        rest.len() == 27
            && rest
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
    })
}

/// Whether `value` is an instance id: `ins_` + one or more word characters.
pub(crate) fn is_instance_id(value: &str) -> bool {
    value.strip_prefix("ins_").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_m2m_types::is_token_id;
    use std::collections::HashSet;

    #[test]
    fn shapes() {
        assert!(is_token_id(&token_id()));
        assert!(is_machine_id(&machine_id()));
        assert!(is_instance_id(&instance_id()));
        assert!(instance_secret_key().starts_with("sk_test_"));
        assert!(machine_secret_key().starts_with("ak_test_"));
        assert_eq!(trace_id().len(), 32);
    }

    #[test]
    fn opaque_values_never_look_like_ids() {
        for _ in 0..1000 {
            let value = opaque_token_value();
            assert!(value.starts_with("mt_"));
            assert_eq!(value.len(), 3 + OPAQUE_VALUE_LEN);
            assert!(!is_token_id(&value));
        }
    }

    #[test]
    fn no_repeats() {
        let ids: HashSet<String> = (0..10_000).map(|_| token_id()).collect();
        assert_eq!(ids.len(), 10_000);
    }

    #[test]
    fn machine_id_pattern() {
        assert!(is_machine_id("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"));
        assert!(!is_machine_id("mch_2xhFjEI5X2qWRvtV13BzSj8H6D"));
        assert!(!is_machine_id("mch_2xhFjEI5X2qWRvtV13BzSj8H6D-"));
        assert!(!is_machine_id("mt_2xhFjEI5X2qWRvtV13BzSj8H6Dk"));
    }
}
