//! Replacing secrets in text that came from elsewhere (error bodies, Clerk's
//! messages, codes, trace ids) before it is kept in an error.
//!
//! A secret is found wherever it starts after a character that is not an
//! ASCII letter or digit (or at the start), in the text as it is and in the
//! text with URL escapes (`%20`) and JSON escapes (`\u0073`, `\n`) decoded,
//! once and twice. Secrets are:
//! - a run starting `ak_`, `sk_`, `mt_` or `oat_` with at least one more
//!   letter, digit, `_` or `-` (a token id, `mt_` and exactly 32 hex digits,
//!   is kept);
//! - a JWT: base64url segments joined by at least one dot, the first two
//!   decoding to JSON objects (a header that does not start `eyJ`, e.g. with
//!   whitespace after the brace, is found too; `example.com` is not).
//!
//! Finding more than needed is the safe side: an error message loses a word,
//! a secret never reaches a log.

use std::ops::Range;

/// What each secret is replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

const SECRET_PREFIXES: [&str; 4] = ["ak_", "sk_", "mt_", "oat_"];

/// Views searched: the text, decoded once, decoded twice.
const VIEWS: usize = 3;

/// How far into a JWT segment whitespace may push the `{"`.
const MAX_HEADER_PROBE_CHARS: usize = 64;

/// One character of a view, and the bytes of the original text it stands for.
#[derive(Clone, Copy)]
struct Unit {
    ch: char,
    start: usize,
    end: usize,
}

/// Replaces each secret in `text` with `[redacted]`.
pub(crate) fn scrub_secrets(text: &str) -> String {
    let ranges = secret_ranges(text);
    if ranges.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for range in ranges {
        out.push_str(&text[copied..range.start]);
        out.push_str(REDACTED);
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// The byte ranges of `text` holding secrets: sorted, merged, on character
/// boundaries.
pub(crate) fn secret_ranges(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut view: Vec<Unit> = text
        .char_indices()
        .map(|(start, ch)| Unit {
            ch,
            start,
            end: start + ch.len_utf8(),
        })
        .collect();
    for level in 0..VIEWS {
        find_in_view(&view, &mut found);
        if level + 1 == VIEWS {
            break;
        }
        match decode_once(&view) {
            Some(decoded) => view = decoded,
            None => break,
        }
    }
    merge(found)
}

fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|range| range.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

fn find_in_view(view: &[Unit], found: &mut Vec<Range<usize>>) {
    let mut index = 0;
    while index < view.len() {
        let at_boundary = index == 0 || !view[index - 1].ch.is_ascii_alphanumeric();
        if at_boundary {
            let end = jwt_end(view, index).or_else(|| {
                prefixed_secret_end(view, index).map(|end| jwt_inside_end(view, index, end))
            });
            if let Some(end) = end {
                found.push(view[index].start..view[end - 1].end);
                index = end;
                continue;
            }
        }
        index += 1;
    }
}

fn is_secret_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'
}

/// The end of a prefixed secret starting at `start`, if one does.
fn prefixed_secret_end(view: &[Unit], start: usize) -> Option<usize> {
    let prefix = SECRET_PREFIXES
        .iter()
        .find(|prefix| starts_with(&view[start..], prefix))?;
    let body_start = start + prefix.len();
    let end = body_start
        + view[body_start..]
            .iter()
            .take_while(|unit| is_secret_char(unit.ch))
            .count();
    if end == body_start {
        return None;
    }
    if *prefix == "mt_" {
        let run: String = view[start..end].iter().map(|unit| unit.ch).collect();
        if crate::is_token_id(&run) {
            return None;
        }
    }
    Some(end)
}

fn starts_with(view: &[Unit], prefix: &str) -> bool {
    let mut units = view.iter();
    prefix
        .chars()
        .all(|expected| units.next().is_some_and(|unit| unit.ch == expected))
}

fn base64url_value(ch: char) -> Option<u32> {
    match ch {
        'A'..='Z' => Some(u32::from(ch) - u32::from('A')),
        'a'..='z' => Some(u32::from(ch) - u32::from('a') + 26),
        '0'..='9' => Some(u32::from(ch) - u32::from('0') + 52),
        '-' => Some(62),
        '_' => Some(63),
        _ => None,
    }
}

fn segment_end(view: &[Unit], start: usize) -> usize {
    start
        + view[start..]
            .iter()
            .take_while(|unit| base64url_value(unit.ch).is_some())
            .count()
}

/// A prefixed secret's run `start..end` is made of base64url characters, so
/// a JWT header may start inside it (after a `_` or `-`) and end where it
/// ends: `ak_x_eyJ….eyJ….sig`. The end of that JWT if there is one, else
/// `end`.
fn jwt_inside_end(view: &[Unit], start: usize, end: usize) -> usize {
    if view.get(end).is_none_or(|unit| unit.ch != '.') {
        return end;
    }
    (start + 1..end)
        .filter(|&index| !view[index - 1].ch.is_ascii_alphanumeric())
        .find_map(|index| jwt_end_after_header(view, index, end))
        .unwrap_or(end)
}

/// The end of a JWT starting at `start`: a first segment that decodes to a
/// JSON object with a member (`{"`), a dot, a second segment that decodes to
/// a JSON object (`{`), then any further `.segment` (a signature, possibly
/// empty).
fn jwt_end(view: &[Unit], start: usize) -> Option<usize> {
    jwt_end_after_header(view, start, segment_end(view, start))
}

/// [`jwt_end`] with the first segment's end already known.
fn jwt_end_after_header(view: &[Unit], start: usize, header_end: usize) -> Option<usize> {
    if header_end == start || view.get(header_end)?.ch != '.' {
        return None;
    }
    let payload_end = segment_end(view, header_end + 1);
    if !decodes_to_json_object(&view[start..header_end], true)
        || !decodes_to_json_object(&view[header_end + 1..payload_end], false)
    {
        return None;
    }
    let mut end = payload_end;
    while view.get(end).is_some_and(|unit| unit.ch == '.') {
        end = segment_end(view, end + 1);
    }
    Some(end)
}

/// Whether a base64url segment decodes to text that starts like a JSON
/// object: `{`, then (for a JOSE header) `"`; JSON whitespace may come
/// before either. Bytes past what the segment holds count as a mismatch.
fn decodes_to_json_object(segment: &[Unit], member_follows: bool) -> bool {
    let mut expected: &[u8] = if member_follows { b"{\"" } else { b"{" };
    let mut bits: u32 = 0;
    let mut count = 0;
    for unit in segment.iter().take(MAX_HEADER_PROBE_CHARS) {
        let Some(value) = base64url_value(unit.ch) else {
            return false;
        };
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            let byte = ((bits >> count) & 0xff) as u8;
            bits &= (1 << count) - 1;
            match expected.split_first() {
                Some(_) if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') => {}
                Some((want, rest)) if *want == byte => {
                    expected = rest;
                    if expected.is_empty() {
                        return true;
                    }
                }
                _ => return false,
            }
        }
    }
    false
}

fn hex_value(ch: char) -> Option<u32> {
    ch.to_digit(16)
}

/// Stands for a decoded byte or code point that is not ASCII: never part of
/// a secret, so a separator.
const NOT_ASCII: char = '\u{fffd}';

/// The view with one level of URL escapes (`%XX`) and JSON escapes
/// (`\uXXXX`, `\n`, `\"`…) decoded; `None` when there is none.
fn decode_once(view: &[Unit]) -> Option<Vec<Unit>> {
    let mut out = Vec::with_capacity(view.len());
    let mut decoded_any = false;
    let mut index = 0;
    while index < view.len() {
        let unit = view[index];
        let escape = match unit.ch {
            '%' => percent_escape(&view[index..]),
            '\\' => json_escape(&view[index..]),
            _ => None,
        };
        match escape {
            Some((ch, length)) => {
                out.push(Unit {
                    ch,
                    start: unit.start,
                    end: view[index + length - 1].end,
                });
                decoded_any = true;
                index += length;
            }
            None => {
                out.push(unit);
                index += 1;
            }
        }
    }
    decoded_any.then_some(out)
}

fn hex_digits(view: &[Unit], count: usize) -> Option<u32> {
    if view.len() < count {
        return None;
    }
    view[..count]
        .iter()
        .try_fold(0, |acc, unit| Some(acc * 16 + hex_value(unit.ch)?))
}

fn percent_escape(view: &[Unit]) -> Option<(char, usize)> {
    let value = hex_digits(view.get(1..)?, 2)?;
    let ch = if value < 0x80 {
        char::from_u32(value)?
    } else {
        NOT_ASCII
    };
    Some((ch, 3))
}

fn json_escape(view: &[Unit]) -> Option<(char, usize)> {
    let ch = match view.get(1)?.ch {
        'u' => {
            let value = hex_digits(view.get(2..)?, 4)?;
            let ch = match char::from_u32(value) {
                Some(ch) if ch.is_ascii() => ch,
                _ => NOT_ASCII,
            };
            return Some((ch, 6));
        }
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'b' => '\u{8}',
        'f' => '\u{c}',
        '/' => '/',
        '"' => '"',
        '\\' => '\\',
        _ => return None,
    };
    Some((ch, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "mt_0123456789abcdef0123456789abcdef";

    fn assert_scrubbed(text: &str, secret: &str) -> String {
        let scrubbed = scrub_secrets(text);
        assert!(
            !scrubbed.contains(secret),
            "{secret} survived in {scrubbed}"
        );
        assert!(scrubbed.contains(REDACTED), "{scrubbed}");
        scrubbed
    }

    #[test]
    fn token_after_an_equals_sign_is_scrubbed() {
        let scrubbed = assert_scrubbed("bad request: token=mt_SENTINEL0value", "SENTINEL");
        assert_eq!(scrubbed, "bad request: token=[redacted]");
    }

    #[test]
    fn key_after_an_equals_sign_is_scrubbed() {
        assert_scrubbed("?key=sk_test_SENTINEL&x=1", "SENTINEL");
    }

    #[test]
    fn token_in_a_url_path_is_scrubbed() {
        let scrubbed = assert_scrubbed("POST /m2m_tokens/mt_SENTINELvalue/revoke", "SENTINEL");
        assert_eq!(scrubbed, "POST /m2m_tokens/[redacted]/revoke");
    }

    #[test]
    fn token_after_a_plus_is_scrubbed() {
        assert_scrubbed("a+mt_SENTINELvalue", "SENTINEL");
    }

    #[test]
    fn key_after_a_hyphen_is_scrubbed() {
        let scrubbed = assert_scrubbed("header x-ak_SENTINEL1 set", "SENTINEL");
        assert_eq!(scrubbed, "header x-[redacted] set");
    }

    #[test]
    fn url_encoded_bearer_is_scrubbed() {
        assert_scrubbed("authorization=Bearer%20ak_SENTINEL1", "SENTINEL");
        // Escaped prefix letters and double encoding too.
        assert_scrubbed("v=%61k_SENTINEL1", "SENTINEL");
        assert_scrubbed("Bearer%2520sk_live_SENTINEL", "SENTINEL");
    }

    #[test]
    fn json_escaped_key_is_scrubbed() {
        let scrubbed = assert_scrubbed(r#"{"key":"\u0073k_test_SENTINEL"}"#, "SENTINEL");
        assert_eq!(scrubbed, r#"{"key":"[redacted]"}"#);
        assert_scrubbed(r#"line one\nak_SENTINEL"#, "SENTINEL");
        assert_scrubbed(r#"\u0020mt_SENTINEL"#, "SENTINEL");
    }

    #[test]
    fn oauth_token_is_scrubbed() {
        assert_scrubbed("got oat_SENTINEL", "SENTINEL");
    }

    #[test]
    fn key_after_an_underscore_or_non_ascii_is_scrubbed() {
        assert_scrubbed("x_sk_SENTINEL", "SENTINEL");
        assert_scrubbed("éak_SENTINEL", "SENTINEL");
    }

    #[test]
    fn jwt_whose_header_does_not_start_eyj_is_scrubbed() {
        // `{ "alg": "RS256" }` with a space after the brace: `eyAi…`.
        let jwt = "eyAiYWxnIjogIlJTMjU2IiB9.eyJzdWIiOiJtY2hfMSJ9.SENTINELsig";
        assert_scrubbed(&format!("token {jwt} refused"), "SENTINEL");
        // Leading whitespace before the brace: `ICB7…`.
        let spaced = "ICB7ImFsZyI6IlJTMjU2In0.e30.SENTINELsig";
        assert_scrubbed(&format!("[{spaced}]"), "SENTINEL");
        // Percent-encoded dots.
        assert_scrubbed("t=eyJhbGciOiJSUzI1NiJ9%2Ee30%2ESENTINELsig", "SENTINEL");
    }

    #[test]
    fn jwt_inside_a_prefixed_run_is_scrubbed() {
        // Found by fuzzing: `mt_…_` ran into a JWT whose first character
        // was URL-encoded, and only the header was redacted.
        let text = "&mt_01233_%65yJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY2hfMSJ9.SENTINELsig";
        let scrubbed = assert_scrubbed(text, "SENTINEL");
        assert_eq!(scrubbed, "&[redacted]");
        assert_scrubbed("ak_x-eyJhbGciOiJSUzI1NiJ9.e30.SENTINEL", "SENTINEL");
    }

    #[test]
    fn jwt_after_a_hyphen_is_scrubbed() {
        assert_scrubbed("x-eyJhbGciOi.eyJzdWIi.SENTINEL", "SENTINEL");
    }

    /// Every form the adversarial review found passing the scrubber, each
    /// with the secret after a different separator, as it is and as it
    /// would arrive inside a JSON string or a form-encoded query.
    #[test]
    fn every_form_found_passing_the_old_scrubber_is_redacted() {
        // `{ "alg": "RS256" }`, `{"sub":"mch_1"}`: a JWT not starting `eyJ`.
        let spaced_jwt = "eyAiYWxnIjogIlJTMjU2IiB9.eyJzdWIiOiJtY2hfMSJ9.SENTINELjwt";
        for text in [
            "token=mt_SENTINEL1".to_owned(),
            "key=sk_test_SENTINEL2".to_owned(),
            "/m2m_tokens/mt_SENTINEL3/revoke".to_owned(),
            r#"\/m2m_tokens\/mt_SENTINEL3"#.to_owned(),
            "a+mt_SENTINEL4".to_owned(),
            "Authorization: Bearer%20ak_SENTINEL5".to_owned(),
            "q=Bearer+ak_SENTINEL5".to_owned(),
            format!("bearer {spaced_jwt}"),
            format!("jwt={spaced_jwt}"),
            // The JWT's first character JSON-escaped, then URL-encoded.
            format!(r#"{{"t":"\u{:04x}{}"}}"#, u32::from('e'), &spaced_jwt[1..]),
            format!("t=%{:02X}{}", u32::from('e'), &spaced_jwt[1..]),
            r#"{"key":"\u0073k_live_SENTINEL6"}"#.to_owned(),
            r#"\u0061\u006b\u005f\u0053ENTINEL7"#.to_owned(),
        ] {
            assert_scrubbed(&text, "SENTINEL");
            // Scrubbing is stable: what is left is not found again.
            let scrubbed = scrub_secrets(&text);
            assert_eq!(scrub_secrets(&scrubbed), scrubbed, "{text}");
        }
    }

    #[test]
    fn token_ids_and_plain_words_are_kept() {
        for text in [
            ID,
            "/m2m_tokens/mt_0123456789abcdef0123456789abcdef/revoke",
            "machine_secret_key_invalid",
            "task_id mask_value desk_lamp",
            "api.clerk.com v1.2.3 www.example.com e30.e30",
            "set sk_ or ak_ keys",
            "clerk api answered 404 Not Found",
        ] {
            assert_eq!(scrub_secrets(text), text);
        }
    }

    #[test]
    fn ranges_merge_and_stay_on_char_boundaries() {
        let text = "é=sk_a mt_b,oat_c";
        let scrubbed = scrub_secrets(text);
        assert_eq!(scrubbed, "é=[redacted] [redacted],[redacted]");
        assert_eq!(merge(vec![4..6, 0..2, 1..3]), vec![0..3, 4..6]);
    }
}
