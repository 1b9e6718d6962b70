//! Helpers shared by the fuzz targets: reading a fuzz input as an HTTP
//! response, the test-only signing key, and an independent decoder for the
//! scrubber's oracle.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The moment the JWT targets verify at (Unix seconds).
pub const NOW_SECONDS: u64 = 1_716_880_000;

/// [`NOW_SECONDS`] as a `SystemTime`.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECONDS)
}

/// Reads `input` like an HTTP response head: a first line whose leading
/// digits are the status, `name: value` lines, an empty line, the body. A
/// status that is not valid HTTP becomes 200; header lines that are not
/// valid are skipped. Any input gives a response.
pub fn response_from(input: &[u8]) -> http::Response<Vec<u8>> {
    let mut rest = input;
    let mut next_line = || -> Option<&[u8]> {
        let end = rest.iter().position(|byte| *byte == b'\n')?;
        let line = &rest[..end];
        rest = &rest[end + 1..];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    };
    let status_line = next_line().unwrap_or_default();
    let digits: Vec<u8> = status_line
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .take(3)
        .collect();
    let status = std::str::from_utf8(&digits)
        .ok()
        .and_then(|digits| digits.parse::<u16>().ok())
        .and_then(|code| http::StatusCode::from_u16(code).ok())
        .unwrap_or(http::StatusCode::OK);
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() = status;
    while let Some(line) = next_line() {
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|byte| *byte == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(name), Ok(value)) = (
            http::header::HeaderName::from_bytes(name),
            http::HeaderValue::from_bytes(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    *response.body_mut() = rest.to_vec();
    response
}

/// TEST-ONLY private key (published in the repository on purpose, protects
/// nothing): `crates/clerk-m2m-types/tests/fixtures/test-only-rsa2048-a.pem`.
const TEST_ONLY_PRIVATE_KEY_PEM: &str =
    include_str!("../../crates/clerk-m2m-types/tests/fixtures/test-only-rsa2048-a.pem");

/// The kid the signing targets put in their headers.
pub const TEST_KID: &str = "ins_test";

/// The test-only RSA key: signs RS256 and gives its public half as a key set.
pub struct TestSigner {
    pair: aws_lc_rs::rsa::KeyPair,
}

impl TestSigner {
    /// Loads the test-only key (panics if the fixture is broken: a setup bug).
    pub fn load() -> Self {
        let body: String = TEST_ONLY_PRIVATE_KEY_PEM
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(body).expect("fixture key is base64");
        let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).expect("fixture key is PKCS#8");
        Self { pair }
    }

    /// The public key for `kid`, as a verifier's key set.
    pub fn key_set(&self) -> clerk_m2m_types::jwt::KeySet {
        use aws_lc_rs::signature::KeyPair as _;
        let public =
            clerk_m2m_types::jwt::RsaPublicKey::from_pkcs1_der(self.pair.public_key().as_ref())
                .expect("fixture public key parses");
        let mut keys = clerk_m2m_types::jwt::KeySet::new();
        keys.insert(TEST_KID, public, None);
        keys
    }

    /// `base64url(header).base64url(payload).base64url(RS256 signature)`.
    pub fn sign(&self, header: &[u8], payload: &[u8]) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .expect("RS256 signing with a valid key");
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// `text` with one level of URL escapes (`%XX`) and JSON escapes
/// (`\uXXXX`, `\n`, `\"`, …) decoded; other characters kept. Written apart
/// from the scrubber so that its oracle does not share its code.
pub fn unescape_once(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let hex = |slice: &[char]| -> Option<u32> {
        slice
            .iter()
            .try_fold(0u32, |acc, ch| Some(acc * 16 + ch.to_digit(16)?))
    };
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        let ch = chars[index];
        if ch == '%' && index + 3 <= chars.len() {
            if let Some(value) = hex(&chars[index + 1..index + 3]) {
                out.push(
                    char::from_u32(value)
                        .filter(char::is_ascii)
                        .unwrap_or('\u{fffd}'),
                );
                index += 3;
                continue;
            }
        }
        if ch == '\\' && index + 1 < chars.len() {
            let simple = match chars[index + 1] {
                'n' => Some('\n'),
                't' => Some('\t'),
                'r' => Some('\r'),
                'b' => Some('\u{8}'),
                'f' => Some('\u{c}'),
                '/' => Some('/'),
                '"' => Some('"'),
                '\\' => Some('\\'),
                _ => None,
            };
            if let Some(decoded) = simple {
                out.push(decoded);
                index += 2;
                continue;
            }
            if chars[index + 1] == 'u' && index + 6 <= chars.len() {
                if let Some(value) = hex(&chars[index + 2..index + 6]) {
                    out.push(
                        char::from_u32(value)
                            .filter(char::is_ascii)
                            .unwrap_or('\u{fffd}'),
                    );
                    index += 6;
                    continue;
                }
            }
        }
        out.push(ch);
        index += 1;
    }
    out
}
