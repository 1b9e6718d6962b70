//! Bounded, scrubbed copies of response bodies for error reports.

use super::scrub::scrub_secrets;

/// The largest snippet kept, in bytes.
pub(crate) const SNIPPET_LIMIT: usize = 1024;

/// How much of a body is scrubbed: enough that the snippet is full even when
/// secrets before it were replaced by shorter text, little enough that a
/// large body costs nothing.
const SCRUB_WINDOW: usize = 16 * SNIPPET_LIMIT;

/// Up to [`SNIPPET_LIMIT`] bytes of `body`, decoded lossily, with anything
/// that looks like a secret (keys, token values, JWTs) replaced.
pub(crate) fn body_snippet(body: &[u8]) -> String {
    let window = scrub_window(body);
    let text = String::from_utf8_lossy(window);
    let scrubbed = scrub_secrets(&text);
    truncate_at_char_boundary(scrubbed, SNIPPET_LIMIT)
}

/// The start of `body` that is scrubbed. When the body is longer than the
/// window, the cut backs off to just after a byte that cannot be inside a
/// secret or an escape, so a secret is never kept in part (the part might
/// look like something else, e.g. a token id).
fn scrub_window(body: &[u8]) -> &[u8] {
    if body.len() <= SCRUB_WINDOW {
        return body;
    }
    let window = &body[..SCRUB_WINDOW];
    let keep = window
        .iter()
        .rposition(|byte| !could_be_in_a_secret(*byte))
        .map_or(0, |index| index + 1);
    &window[..keep]
}

fn could_be_in_a_secret(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'%' | b'\\')
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

    #[test]
    fn a_secret_cut_by_the_scrub_window_is_dropped_whole() {
        // Many secrets shrink to `[redacted]`, pulling the text at the end of
        // the window into the snippet; the opaque token cut there must not
        // survive as something that looks like a token id.
        let filler = "sk_".to_owned() + &"x".repeat(200) + " ";
        let mut body = filler.repeat(SCRUB_WINDOW / filler.len());
        let room = SCRUB_WINDOW - body.len();
        // The window ends right after `mt_` and 32 hex digits.
        body.push_str(&" ".repeat(room - 35));
        body.push_str("mt_0123456789abcdef0123456789abcdefSENTINELtail");
        let snippet = body_snippet(body.as_bytes());
        assert!(!snippet.contains("mt_0123"), "{snippet}");
        assert!(!snippet.contains("SENTINEL"), "{snippet}");
    }
}
