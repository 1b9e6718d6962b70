//! Minimal URL helpers: percent-encoding of query values and id checks.

/// RFC 3986 unreserved characters: kept as they are in a query value.
pub(crate) fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(crate) fn encode_query_value(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        if is_unreserved(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// Whether `value` is a token id: `mt_` and exactly 32 hex digits (Clerk's
/// `^mt_[0-9A-Fa-f]{32}$`). Opaque token values and JWTs never match, so a
/// secret never lands in a URL path.
pub fn is_token_id(value: &str) -> bool {
    value
        .strip_prefix("mt_")
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// Whether `value` is a machine id: `mch_` and exactly 27 word characters
/// (`[A-Za-z0-9_]`, Clerk's `^mch_\w{27}$`).
pub fn is_machine_id(value: &str) -> bool {
    value.strip_prefix("mch_").is_some_and(|rest| {
        rest.len() == 27
            && rest
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        let mut out = String::new();
        encode_query_value("mch_a b&c=é", &mut out);
        assert_eq!(out, "mch_a%20b%26c%3D%C3%A9");
    }

    #[test]
    fn token_id_pattern() {
        assert!(is_token_id("mt_f7f0ba8c3b4843ce7d85fcdd5e71853e"));
        assert!(is_token_id("mt_F7F0BA8C3B4843CE7D85FCDD5E71853E"));
        assert!(!is_token_id("mt_f7f0ba8c3b4843ce7d85fcdd5e71853"));
        assert!(!is_token_id("mt_f7f0ba8c3b4843ce7d85fcdd5e71853e0"));
        assert!(!is_token_id("mt_g7f0ba8c3b4843ce7d85fcdd5e71853e"));
        assert!(!is_token_id("../m2m_tokens"));
        assert!(!is_token_id(""));
    }

    #[test]
    fn machine_id_pattern() {
        assert!(is_machine_id("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"));
        assert!(is_machine_id("mch_billing00000000000000000000"));
        assert!(is_machine_id("mch_with_underscores_0000000000"));
        assert!(!is_machine_id("mch_2xhFjEI5X2qWRvtV13BzSj8H6D"));
        assert!(!is_machine_id("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dkk"));
        assert!(!is_machine_id("mch_2xhFjEI5X2qWRvtV13BzSj8H6D-"));
        assert!(!is_machine_id("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dé"));
        assert!(!is_machine_id("MCH_2xhFjEI5X2qWRvtV13BzSj8H6Dk"));
        assert!(!is_machine_id("mt_0123456789abcdef0123456789abcdef"));
        assert!(!is_machine_id(""));
    }
}
