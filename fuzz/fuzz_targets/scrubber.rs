//! The error scrubber, with an oracle: a secret planted in any text (after
//! any separator that is not a letter or digit; plain, URL-encoded, JSON
//! `\u`-escaped or double-encoded; a key, a token value or a JWT of any
//! header) never survives, in the output as it is or once or twice
//! unescaped. Also: scrubbing is idempotent, and body snippets stay within
//! their limit.
//!
//! Input: `[kind, separator, encoding]` then text split by `\x01` into
//! before, secret body and after. Other inputs are scrubbed as they are.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clerk_m2m_fuzz::unescape_once;
use clerk_m2m_types::fuzzing::{body_snippet, scrub_secrets, SNIPPET_LIMIT};
use libfuzzer_sys::fuzz_target;

const PREFIXES: [&str; 4] = ["ak_", "sk_", "mt_", "oat_"];
/// JOSE headers, not all starting `eyJ` once encoded.
const HEADERS: [&str; 4] = [
    r#"{"alg":"RS256","kid":"ins_1"}"#,
    r#"{ "alg": "RS256" }"#,
    "\n\t{\"typ\":\"JWT\"}",
    r#"{"cat":"cl_B7d4PD333AAA","alg":"RS512"}"#,
];

fn views(text: &str) -> [String; 3] {
    let once = unescape_once(text);
    let twice = unescape_once(&once);
    [text.to_owned(), once, twice]
}

fn percent(text: &str) -> String {
    text.bytes().map(|byte| format!("%{byte:02X}")).collect()
}

fn json_escaped(text: &str) -> String {
    text.chars()
        .map(|ch| format!("\\u{:04x}", u32::from(ch)))
        .collect()
}

/// Encodes the first character only (the prefix's first letter, or the
/// JWT's first base64url character).
fn first_encoded(text: &str, encode: fn(&str) -> String) -> String {
    let mut chars = text.chars();
    let first = chars
        .next()
        .map(|ch| encode(&ch.to_string()))
        .unwrap_or_default();
    first + chars.as_str()
}

fn encode(secret: &str, choice: u8) -> String {
    match choice % 7 {
        0 => secret.to_owned(),
        1 => percent(secret),
        2 => first_encoded(secret, percent),
        3 => json_escaped(secret),
        4 => first_encoded(secret, json_escaped),
        // %25 + the hex of the first byte: URL-encoded twice.
        5 => first_encoded(secret, |first| percent(first).replace('%', "%25")),
        _ => secret.replace('.', "%2E"),
    }
}

fn planted(input: &[u8]) -> Option<(String, String)> {
    let [kind, separator, encoding, rest @ ..] = input else {
        return None;
    };
    let separator = char::from(*separator);
    if !separator.is_ascii() || separator.is_ascii_alphanumeric() || matches!(separator, '%' | '\\')
    {
        return None;
    }
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.split('\u{1}');
    let (before, body, after) = (parts.next()?, parts.next()?, parts.next()?);
    if before.ends_with(['\\', '%']) {
        return None;
    }
    let body: String = body.chars().filter(char::is_ascii_alphanumeric).collect();
    if body.len() < 8 || "[redacted]".contains(body.as_str()) {
        return None;
    }
    let secret = match usize::from(*kind) % (PREFIXES.len() + 1) {
        index if index < PREFIXES.len() => {
            let prefix = PREFIXES[index];
            let secret = format!("{prefix}{body}");
            if clerk_m2m_types::is_token_id(&secret) {
                return None;
            }
            secret
        }
        _ => {
            let header = HEADERS[usize::from(*kind / 8) % HEADERS.len()];
            format!(
                "{}.{}.{body}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(r#"{"sub":"mch_1"}"#)
            )
        }
    };
    // A token id (`mt_` and 32 hex digits) is kept by design: a planted
    // `mt_` secret that runs on into `after` and forms one is no secret.
    let runs_into_token_id = views(after).iter().any(|view| {
        let run: String = view
            .chars()
            .take_while(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-'))
            .collect();
        clerk_m2m_types::is_token_id(&format!("{secret}{run}"))
    });
    if runs_into_token_id {
        return None;
    }
    // The body must be found only where it was planted.
    if views(before)
        .iter()
        .chain(views(after).iter())
        .any(|view| view.contains(&body))
    {
        return None;
    }
    let text = format!("{before}{separator}{}{after}", encode(&secret, *encoding));
    Some((text, body))
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let scrubbed = scrub_secrets(&text);
    assert_eq!(
        scrub_secrets(&scrubbed),
        scrubbed,
        "scrubbing is not idempotent"
    );
    assert!(body_snippet(input).len() <= SNIPPET_LIMIT);

    if let Some((text, body)) = planted(input) {
        let scrubbed = scrub_secrets(&text);
        for view in views(&scrubbed) {
            assert!(
                !view.contains(&body),
                "planted secret survived: {text:?} -> {scrubbed:?}"
            );
        }
        let snippet = body_snippet(text.as_bytes());
        for view in views(&snippet) {
            assert!(
                !view.contains(&body),
                "planted secret survived in a snippet: {snippet:?}"
            );
        }
    }
});
