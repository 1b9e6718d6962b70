//! JSON detection of a `Content-Type`. Oracles: ASCII case does not
//! matter, and adding a parameter never changes the answer.
#![no_main]

use clerk_m2m_types::fuzzing::is_json;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fn detect(value: &[u8]) -> Option<bool> {
    let value = HeaderValue::from_bytes(value).ok()?;
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, value);
    Some(is_json(&headers))
}

fuzz_target!(|input: &[u8]| {
    let Some(detected) = detect(input) else {
        return;
    };
    if input.is_ascii() {
        assert_eq!(detect(&input.to_ascii_uppercase()), Some(detected));
        assert_eq!(detect(&input.to_ascii_lowercase()), Some(detected));
    }
    let mut with_parameter = input.to_vec();
    with_parameter.extend_from_slice(b"; charset=utf-8");
    if let Some(with_parameter) = detect(&with_parameter) {
        assert_eq!(with_parameter, detected);
    }
    if detected {
        let text = std::str::from_utf8(input).expect("JSON media types are ASCII");
        let media_type = text
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        assert!(media_type.starts_with("application/") && media_type.contains("json"));
    }
});
