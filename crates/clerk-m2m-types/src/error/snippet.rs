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
    truncate_between_runs(scrubbed, SNIPPET_LIMIT)
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
    &window[..end_of_last_separator(window)]
}

/// The length of `bytes` up to and including its last byte that cannot be
/// inside a secret (0 if there is none): cutting there drops a trailing run
/// whole. The byte is ASCII or the last byte of a character, so in text the
/// cut stays on a character boundary.
fn end_of_last_separator(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .rposition(|byte| !could_be_in_a_secret(*byte))
        .map_or(0, |index| index + 1)
}

fn could_be_in_a_secret(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'%' | b'\\')
}

/// `text` cut to at most `limit` bytes, on a character boundary and never
/// inside a run of characters that could form a secret: cut in part, a token
/// id the scrubber kept (`mt_` and 32 hex digits) would read as a shorter
/// `mt_…` run, which is what a secret looks like. Such a run is dropped whole.
fn truncate_between_runs(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let bytes = text.as_bytes();
    let splits_a_run =
        end > 0 && could_be_in_a_secret(bytes[end - 1]) && could_be_in_a_secret(bytes[end]);
    if splits_a_run {
        end = end_of_last_separator(&bytes[..end]);
    }
    text.truncate(end);
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

    #[test]
    fn a_token_id_at_the_limit_is_dropped_whole_not_cut() {
        let id = "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e";
        // The id starts `start` bytes into the body: from well before the
        // limit to just after it, so every cut position inside it is tried.
        for start in SNIPPET_LIMIT - id.len() - 2..=SNIPPET_LIMIT + 1 {
            let body = format!("{}:{id} tail", " ".repeat(start - 1));
            let snippet = body_snippet(body.as_bytes());
            assert!(snippet.len() <= SNIPPET_LIMIT);
            assert_eq!(scrub_secrets(&snippet), snippet, "start {start}");
            if let Some(at) = snippet.find("mt_") {
                assert_eq!(&snippet[at..at + id.len()], id, "start {start}: a cut id");
            }
        }
    }

    #[test]
    fn a_cut_between_runs_keeps_everything_before_it() {
        let body = format!("{} tail", "a ".repeat(SNIPPET_LIMIT));
        let snippet = body_snippet(body.as_bytes());
        assert_eq!(snippet.len(), SNIPPET_LIMIT);
        assert!(snippet.starts_with("a a a"));
    }
}
