//! Bounded, scrubbed copies of response bodies for error reports.

/// The largest snippet kept, in bytes.
pub(crate) const SNIPPET_LIMIT: usize = 1024;

const REDACTED: &str = "[redacted]";

/// Up to [`SNIPPET_LIMIT`] bytes of `body`, decoded lossily, with anything
/// that looks like a secret (keys, token values, JWTs) replaced.
pub(crate) fn body_snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let scrubbed = scrub_secrets(&text);
    truncate_at_char_boundary(scrubbed, SNIPPET_LIMIT)
}

fn truncate_at_char_boundary(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        let mut end = limit;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'+' | b'/' | b'=')
}

/// Whether a word could be a credential: a secret key, an opaque token value
/// (anything `mt_…` that is not a token id) or a compact JWS.
fn looks_secret(word: &str) -> bool {
    let word = word.trim_end_matches('.');
    word.starts_with("ak_")
        || word.starts_with("sk_")
        || (word.starts_with("mt_") && !crate::is_token_id(word))
        || (word.starts_with("eyJ") && word.matches('.').count() >= 1)
}

/// Replaces each secret-looking word in `text`.
pub(crate) fn scrub_secrets(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < bytes.len() {
        if is_word_byte(bytes[index]) {
            let start = index;
            while index < bytes.len() && is_word_byte(bytes[index]) {
                index += 1;
            }
            let word = &text[start..index];
            out.push_str(if looks_secret(word) { REDACTED } else { word });
        } else {
            let start = index;
            while index < bytes.len() && !is_word_byte(bytes[index]) {
                index += 1;
            }
            out.push_str(&text[start..index]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_and_ids_kept() {
        let body = r#"{"token":"mt_0123sentinel","key":"sk_test_sentinel","id":"mt_0123456789abcdef0123456789abcdef","jwt":"eyJhbGciOi.eyJzdWIi.sig","a":"Bearer ak_sentinel"}"#;
        let snippet = body_snippet(body.as_bytes());
        assert!(!snippet.contains("sentinel"), "{snippet}");
        assert!(!snippet.contains("eyJ"), "{snippet}");
        assert!(snippet.contains("mt_0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn long_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(2000);
        let snippet = body_snippet(body.as_bytes());
        assert!(snippet.len() <= SNIPPET_LIMIT);
        assert!(snippet.chars().all(|c| c == 'é'));
    }

    #[test]
    fn invalid_utf8_is_tolerated() {
        assert_eq!(body_snippet(&[0xff, b'o', b'k']), "\u{fffd}ok");
    }
}
