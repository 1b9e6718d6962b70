//! The negative matrix (every token refused with the expected kind) and the
//! control tokens (accepted, boundaries included).
#![cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]

#[path = "fixtures/mint.rs"]
mod mint;

use clerk_m2m_types::jwt::{verify, JwtErrorKind as Kind, KeySet, VerifyOptions};
use mint::*;
use serde_json::{json, Value};
use std::time::Duration;

/// The JWKS every matrix token is checked against: good keys and entries
/// that must be skipped (non-RSA, small, private, wrong use/ops/alg).
fn jwks() -> Value {
    let a = TestKey::a();
    let b = TestKey::b();
    let small = node_fixtures()["jwks"]["keys"][1].clone();
    assert_eq!(small["kid"], "ins_small");
    json!({"keys": [
        a.jwk("ins_a", json!({"use": "sig", "alg": "RS256"})),
        a.jwk("ins_any", json!({})),
        a.jwk("ins_rs384_only", json!({"alg": "RS384"})),
        b.jwk("ins_b", json!({"use": "sig"})),
        b.jwk("ins_rot", json!({})),
        a.jwk("ins_rot", json!({})),
        a.jwk("ins_enc", json!({"use": "enc"})),
        a.jwk("ins_ops", json!({"key_ops": ["encrypt"]})),
        a.jwk("ins_ps256", json!({"alg": "PS256"})),
        a.jwk("ins_private", json!({"d": "AQAB"})),
        small,
        {"kty": "EC", "kid": "ins_ec", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": "oct", "kid": "ins_oct", "k": "c2VjcmV0"},
        {"kty": "RSA", "kid": "ins_garbage", "n": "!!", "e": "AQAB"},
        a.jwk("", json!({})).as_object().map(|jwk| {
            let mut jwk = jwk.clone();
            jwk.remove("kid");
            Value::Object(jwk)
        }).unwrap(),
    ]})
}

fn keys() -> KeySet {
    KeySet::from_jwks_json(jwks().to_string().as_bytes()).unwrap()
}

fn good() -> String {
    mint(&header("ins_a"), &payload(), TestKey::a())
}

/// Replaces the `index`th dot-separated part of `token`.
fn replace_part(token: &str, index: usize, part: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[index] = part;
    parts.join(".")
}

/// A token that differs from `good()` only in the raw JSON of its parts.
fn raw(header: &str, payload: &str) -> String {
    mint_raw(header, payload, TestKey::a(), "RS256")
}

struct Case {
    name: &'static str,
    token: String,
    options: VerifyOptions,
    expected: Kind,
}

fn case(name: &'static str, token: String, expected: Kind) -> Case {
    Case {
        name,
        token,
        options: VerifyOptions::new(),
        expected,
    }
}

fn matrix() -> Vec<Case> {
    let a = TestKey::a();
    let b = TestKey::b();
    let h = header("ins_a");
    let p = payload();
    let spki_pem = a.spki_pem();
    let good = good();
    let tampered_payload = b64(with(p.clone(), json!({"scopes": "mch_attacker"}))
        .to_string()
        .as_bytes());
    let tampered_header = b64(with(h.clone(), json!({"x": 1})).to_string().as_bytes());
    let node_small = node_fixtures()["tokens"]["rsa1024"]
        .as_str()
        .unwrap()
        .to_owned();
    let filler = "x".repeat(MAX_FILLER);
    let with_aud = |aud: Value| mint(&h, &with(p.clone(), json!({"aud": aud})), a);

    vec![
        // Algorithms.
        case(
            "alg none, no signature",
            replace_part(
                &mint(&with(h.clone(), json!({"alg": "none"})), &p, a),
                2,
                "",
            ),
            Kind::UnsupportedAlgorithm,
        ),
        case(
            "alg None",
            mint(&with(h.clone(), json!({"alg": "None"})), &p, a),
            Kind::UnsupportedAlgorithm,
        ),
        case(
            "HS256 keyed with the public key PEM",
            mint_hs256(
                &with(h.clone(), json!({"alg": "HS256"})),
                &p,
                spki_pem.as_bytes(),
            ),
            Kind::UnsupportedAlgorithm,
        ),
        case(
            "HS256 keyed with the public key DER",
            mint_hs256(
                &with(h.clone(), json!({"alg": "HS256"})),
                &p,
                &a.pkcs1_der(),
            ),
            Kind::UnsupportedAlgorithm,
        ),
        case(
            "alg missing",
            mint(&with(h.clone(), json!({"alg": null})), &p, a),
            Kind::UnsupportedAlgorithm,
        ),
        case(
            "alg lowercase rs256",
            mint(&with(h.clone(), json!({"alg": "rs256"})), &p, a),
            Kind::UnsupportedAlgorithm,
        ),
        case(
            "alg PS256",
            mint(&with(h.clone(), json!({"alg": "PS256"})), &p, a),
            Kind::UnsupportedAlgorithm,
        ),
        case(
            "alg ES256",
            mint(&with(h.clone(), json!({"alg": "ES256"})), &p, a),
            Kind::UnsupportedAlgorithm,
        ),
        case(
            "alg as a number",
            mint(&with(h.clone(), json!({"alg": 256})), &p, a),
            Kind::UnsupportedAlgorithm,
        ),
        // Signatures.
        case(
            "RS256 signed by another key",
            mint(&h, &p, b),
            Kind::InvalidSignature,
        ),
        case(
            "tampered payload",
            replace_part(&good, 1, &tampered_payload),
            Kind::InvalidSignature,
        ),
        case(
            "tampered header",
            replace_part(&good, 0, &tampered_header),
            Kind::InvalidSignature,
        ),
        case(
            "signature truncated",
            replace_part(&good, 2, &good.split('.').nth(2).unwrap()[..300]),
            Kind::InvalidSignature,
        ),
        case(
            "signature empty",
            replace_part(&good, 2, ""),
            Kind::InvalidSignature,
        ),
        case(
            "signed RS384, labelled RS256",
            mint_raw(&h.to_string(), &p.to_string(), a, "RS384"),
            Kind::InvalidSignature,
        ),
        // Keys.
        case(
            "unknown kid",
            mint(&header("ins_unknown"), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "no kid",
            mint(&with(h.clone(), json!({"kid": null})), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "kid not a string",
            mint(&with(h.clone(), json!({"kid": 7})), &p, a),
            Kind::Malformed,
        ),
        case(
            "1024-bit key (minted by Node)",
            node_small,
            Kind::UnknownKey,
        ),
        case(
            "JWKS entry with use enc",
            mint(&header("ins_enc"), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "JWKS entry with key_ops encrypt",
            mint(&header("ins_ops"), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "JWKS entry with alg PS256",
            mint(&header("ins_ps256"), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "JWKS entry with private members",
            mint(&header("ins_private"), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "JWKS entry of kty EC",
            mint(&header("ins_ec"), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "JWKS entry of kty oct",
            mint(&header("ins_oct"), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "JWKS entry with a broken modulus",
            mint(&header("ins_garbage"), &p, a),
            Kind::UnknownKey,
        ),
        case(
            "JWK alg RS384, token RS256",
            mint(&header("ins_rs384_only"), &p, a),
            Kind::KeyAlgorithmMismatch,
        ),
        // Header.
        case(
            "session token category",
            mint(&with(h.clone(), json!({"cat": "cl_B7d4PD111AAA"})), &p, a),
            Kind::WrongCategory,
        ),
        case(
            "cat null",
            raw(
                r#"{"alg":"RS256","kid":"ins_a","cat":null}"#,
                &p.to_string(),
            ),
            Kind::WrongCategory,
        ),
        case(
            "typ at+jwt",
            mint(&with(h.clone(), json!({"typ": "at+jwt"})), &p, a),
            Kind::WrongType,
        ),
        case(
            "typ lowercase jwt",
            mint(&with(h.clone(), json!({"typ": "jwt"})), &p, a),
            Kind::WrongType,
        ),
        case(
            "crit present",
            mint(&with(h.clone(), json!({"crit": ["exp"]})), &p, a),
            Kind::CriticalHeader,
        ),
        case(
            "crit null",
            raw(
                r#"{"alg":"RS256","kid":"ins_a","crit":null}"#,
                &p.to_string(),
            ),
            Kind::CriticalHeader,
        ),
        case(
            "duplicate alg",
            raw(
                r#"{"alg":"none","kid":"ins_a","alg":"RS256"}"#,
                &p.to_string(),
            ),
            Kind::Malformed,
        ),
        case(
            "header is an array",
            raw(r#"["RS256","ins_a"]"#, &p.to_string()),
            Kind::Malformed,
        ),
        // Subject.
        case(
            "sub without mch_",
            mint(
                &h,
                &with(
                    p.clone(),
                    json!({"sub": "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk"}),
                ),
                a,
            ),
            Kind::NotM2mToken,
        ),
        case(
            "sub missing",
            mint(&h, &with(p.clone(), json!({"sub": null})), a),
            Kind::NotM2mToken,
        ),
        case(
            "sub a number",
            mint(&h, &with(p.clone(), json!({"sub": 4})), a),
            Kind::NotM2mToken,
        ),
        // Time.
        case(
            "expired by 6 s",
            mint(&h, &with(p.clone(), json!({"exp": NOW - 6})), a),
            Kind::Expired,
        ),
        case(
            "exp exactly at now - skew",
            mint(&h, &with(p.clone(), json!({"exp": NOW - 5})), a),
            Kind::Expired,
        ),
        case(
            "nbf 6 s in the future",
            mint(&h, &with(p.clone(), json!({"nbf": NOW + 6})), a),
            Kind::NotYetValid,
        ),
        case(
            "iat 6 s in the future",
            mint(&h, &with(p.clone(), json!({"iat": NOW + 6})), a),
            Kind::IssuedInFuture,
        ),
        // Claims.
        case(
            "exp missing",
            mint(&h, &with(p.clone(), json!({"exp": null})), a),
            Kind::MissingClaim,
        ),
        case(
            "exp as a string",
            mint(
                &h,
                &with(p.clone(), json!({"exp": (NOW + 3600).to_string()})),
                a,
            ),
            Kind::InvalidClaim,
        ),
        case(
            "exp null",
            raw(
                &h.to_string(),
                &format!(r#"{{"sub":"{SUBJECT}","exp":null}}"#),
            ),
            Kind::InvalidClaim,
        ),
        case(
            "exp 1e300",
            raw(
                &h.to_string(),
                &format!(r#"{{"sub":"{SUBJECT}","exp":1e300}}"#),
            ),
            Kind::InvalidClaim,
        ),
        case(
            "exp beyond i64",
            raw(
                &h.to_string(),
                &format!(r#"{{"sub":"{SUBJECT}","exp":18446744073709551615}}"#),
            ),
            Kind::InvalidClaim,
        ),
        case(
            "nbf as a string",
            mint(&h, &with(p.clone(), json!({"nbf": "0"})), a),
            Kind::InvalidClaim,
        ),
        case(
            "iat a boolean",
            mint(&h, &with(p.clone(), json!({"iat": true})), a),
            Kind::InvalidClaim,
        ),
        case(
            "jti a number",
            mint(&h, &with(p.clone(), json!({"jti": 12})), a),
            Kind::InvalidClaim,
        ),
        case(
            "scopes an array",
            mint(&h, &with(p.clone(), json!({"scopes": [OTHER_MACHINE]})), a),
            Kind::InvalidClaim,
        ),
        case(
            "aud a number, no scopes",
            mint(&h, &with(p.clone(), json!({"scopes": null, "aud": 3})), a),
            Kind::InvalidClaim,
        ),
        case(
            "duplicate exp",
            raw(
                &h.to_string(),
                &format!(
                    r#"{{"sub":"{SUBJECT}","exp":{},"exp":{}}}"#,
                    NOW - 100,
                    NOW + 100
                ),
            ),
            Kind::Malformed,
        ),
        Case {
            options: VerifyOptions::new().audience("mch_me"),
            ..case(
                "audience required, another in aud",
                with_aud(json!(["mch_other"])),
                Kind::AudienceMismatch,
            )
        },
        Case {
            options: VerifyOptions::new().audience("mch_me"),
            ..case(
                "audience required, no aud",
                good.clone(),
                Kind::AudienceMismatch,
            )
        },
        // Structure.
        case(
            "four parts",
            format!("{good}.{}", b64(b"x")),
            Kind::Malformed,
        ),
        case(
            "two parts",
            good.rsplit_once('.').unwrap().0.to_owned(),
            Kind::Malformed,
        ),
        case("empty token", String::new(), Kind::Malformed),
        case("only dots", "..".to_owned(), Kind::Malformed),
        case(
            "over 8 KiB (validly signed)",
            mint(&h, &with(p.clone(), json!({"filler": filler})), a),
            Kind::TooLarge,
        ),
        case(
            "standard base64 characters",
            replace_part(
                &good,
                1,
                &(good
                    .split('.')
                    .nth(1)
                    .unwrap()
                    .replace('-', "+")
                    .replace('_', "/")
                    + "+/"),
            ),
            Kind::Malformed,
        ),
        case("padded signature", format!("{good}=="), Kind::Malformed),
        case(
            "non-ASCII header",
            replace_part(&good, 0, "eyJhbGciOiJSUzI1NiJ9é"),
            Kind::Malformed,
        ),
        case(
            "header not JSON",
            replace_part(&good, 0, &b64(b"RS256")),
            Kind::Malformed,
        ),
        case(
            "payload an array",
            raw(&h.to_string(), &format!(r#"["{SUBJECT}"]"#)),
            Kind::Malformed,
        ),
        case(
            "payload not JSON",
            raw(&h.to_string(), "sub=mch_1"),
            Kind::Malformed,
        ),
        case(
            "payload JSON with trailing bytes",
            raw(&h.to_string(), &format!(r#"{{"sub":"{SUBJECT}"}} x"#)),
            Kind::Malformed,
        ),
    ]
}

/// Filler that pushes a token just over 8 KiB.
const MAX_FILLER: usize = 6000;

#[test]
fn every_matrix_token_is_refused_with_the_expected_kind() {
    let keys = keys();
    let cases = matrix();
    assert!(cases.len() >= 35, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        match verify(&case.token, &keys, now(), &case.options) {
            Ok(token) => failures.push(format!("{}: accepted as {}", case.name, token.id)),
            Err(error) if error.kind() != case.expected => failures.push(format!(
                "{}: expected {:?}, got {:?} ({error})",
                case.name,
                case.expected,
                error.kind()
            )),
            Err(error) => {
                let message = error.to_string();
                for secret in [SUBJECT, JTI, "ins_", "reader", "mch_2", "mch_3"] {
                    assert!(!message.contains(secret), "{}: {message}", case.name);
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_matrix_tokens_differ_from_a_good_one_only_in_their_defect() {
    // The same minting path yields a token that verifies.
    let token = verify(&good(), &keys(), now(), &VerifyOptions::new()).unwrap();
    assert_eq!(token.id, JTI);
    // And the 1024-bit token really is signed by its key: Node minted it
    // correctly (its key's size is the only thing wrong).
    let small = node_fixtures()["tokens"]["rsa1024"].as_str().unwrap();
    let (input, signature) = small.rsplit_once('.').unwrap();
    let spki = pem_body(node_fixtures()["spki_pem_1024"].as_str().unwrap());
    aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        &spki,
    )
    .verify(
        input.as_bytes(),
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, signature)
            .unwrap(),
    )
    .unwrap();
    let skipped: Vec<_> = keys()
        .skipped()
        .iter()
        .map(|skipped| {
            (
                skipped.kid().unwrap_or("-").to_owned(),
                skipped.reason().to_string(),
            )
        })
        .collect();
    assert!(
        skipped
            .iter()
            .any(|(kid, reason)| kid == "ins_small" && reason.contains("2048")),
        "{skipped:?}"
    );
    assert_eq!(skipped.len(), 9, "{skipped:?}");
}

#[test]
fn controls_pass() {
    let keys = keys();
    let a = TestKey::a();
    let h = header("ins_a");
    let p = payload();
    let options = VerifyOptions::new();
    let ok = |token: &str, options: &VerifyOptions| {
        verify(token, &keys, now(), options).unwrap_or_else(|error| panic!("{error}"))
    };

    let token = ok(&good(), &options);
    assert_eq!(token.subject, SUBJECT);

    // Boundaries: nbf/iat exactly at now + skew pass; exp one second past
    // now - skew passes.
    ok(
        &mint(
            &h,
            &with(p.clone(), json!({"nbf": NOW + 5, "iat": NOW + 5})),
            a,
        ),
        &options,
    );
    ok(
        &mint(&h, &with(p.clone(), json!({"exp": NOW - 4})), a),
        &options,
    );
    // A wider skew moves the boundaries.
    let wide = VerifyOptions::new().clock_skew(Duration::from_secs(60));
    ok(
        &mint(
            &h,
            &with(p.clone(), json!({"exp": NOW - 59, "nbf": NOW + 60})),
            a,
        ),
        &wide,
    );
    let exact = VerifyOptions::new().clock_skew(Duration::ZERO);
    ok(
        &mint(
            &h,
            &with(p.clone(), json!({"exp": NOW + 1, "nbf": NOW, "iat": NOW})),
            a,
        ),
        &exact,
    );
    let expired = verify(
        &mint(&h, &with(p.clone(), json!({"exp": NOW})), a),
        &keys,
        now(),
        &exact,
    );
    assert_eq!(expired.unwrap_err().kind(), Kind::Expired);

    // Optional header members absent; nbf/iat absent.
    ok(
        &mint(
            &json!({"alg": "RS256", "kid": "ins_a"}),
            &with(p.clone(), json!({"nbf": null, "iat": null})),
            a,
        ),
        &options,
    );
    // RS384 and RS512 with a JWK without alg.
    for alg in ["RS384", "RS512"] {
        ok(
            &mint(&with(header("ins_any"), json!({"alg": alg})), &p, a),
            &options,
        );
    }
    ok(
        &mint(
            &with(header("ins_rs384_only"), json!({"alg": "RS384"})),
            &p,
            a,
        ),
        &options,
    );
    // Two keys under one kid (a rotation in progress): either verifies.
    ok(&mint(&header("ins_rot"), &p, a), &options);
    ok(&mint(&header("ins_rot"), &p, TestKey::b()), &options);
    // Unknown header members (jku, x5u) are ignored, never followed.
    ok(
        &mint(
            &with(
                h.clone(),
                json!({"jku": "https://attacker.test/jwks", "x5u": "https://attacker.test/c"}),
            ),
            &p,
            a,
        ),
        &options,
    );
    // Fractional time claims.
    ok(
        &raw(
            &h.to_string(),
            &format!(
                r#"{{"sub":"{SUBJECT}","exp":{}.5,"iat":{}.25}}"#,
                NOW + 10,
                NOW
            ),
        ),
        &options,
    );
    // Audience: a string or an array containing one of the wanted values.
    let wanted = VerifyOptions::new()
        .audience("mch_me")
        .audience("mch_also_me");
    ok(
        &mint(&h, &with(p.clone(), json!({"aud": "mch_also_me"})), a),
        &wanted,
    );
    ok(
        &mint(&h, &with(p.clone(), json!({"aud": ["mch_x", "mch_me"]})), a),
        &wanted,
    );
}

#[test]
fn exactly_8_kib_is_accepted_and_one_byte_more_refused() {
    let keys = keys();
    let a = TestKey::a();
    let limit = clerk_m2m_types::jwt::MAX_TOKEN_BYTES;
    // Signature: 342 base64url characters for a 2048-bit key.
    let length = |h: &Value, filler: usize| {
        let p = with(payload(), json!({"filler": "f".repeat(filler)}));
        b64(h.to_string().as_bytes()).len() + b64(p.to_string().as_bytes()).len() + 2 + 342
    };
    let mut at_limit = None;
    'search: for header_pad in 0..4 {
        let h = with(header("ins_a"), json!({"pad": "p".repeat(header_pad)}));
        for filler in 5000..6500 {
            if length(&h, filler) == limit {
                at_limit = Some((h, filler));
                break 'search;
            }
        }
    }
    let (h, filler) = at_limit.expect("a filler giving exactly 8192 bytes");
    let token = mint(
        &h,
        &with(payload(), json!({"filler": "f".repeat(filler)})),
        a,
    );
    assert_eq!(token.len(), limit);
    verify(&token, &keys, now(), &VerifyOptions::new()).unwrap();
    let over = mint(
        &h,
        &with(payload(), json!({"filler": "f".repeat(filler + 3)})),
        a,
    );
    assert!(over.len() > limit);
    let error = verify(&over, &keys, now(), &VerifyOptions::new()).unwrap_err();
    assert_eq!(error.kind(), Kind::TooLarge);
    assert_eq!(
        clerk_m2m_types::jwt::is_m2m_jwt(&over).unwrap_err().kind(),
        Kind::TooLarge
    );
}

#[test]
fn the_result_is_the_api_token_model() {
    let keys = keys();
    let a = TestKey::a();
    let h = header("ins_a");
    let token = verify(&good(), &keys, now(), &VerifyOptions::new()).unwrap();
    assert_eq!(token.object, "machine_to_machine_token");
    assert_eq!(token.id, JTI);
    assert_eq!(token.subject, SUBJECT);
    assert_eq!(
        token.scopes,
        [OTHER_MACHINE, "mch_3zHlMqR8Z4sYTxuV35DaUl0J8Fn"]
    );
    assert_eq!(
        token.claims,
        Some(
            json!({"scopes": format!("{OTHER_MACHINE} mch_3zHlMqR8Z4sYTxuV35DaUl0J8Fn"), "role": "reader"})
        )
    );
    assert_eq!(token.expiration, Some((NOW + 3600) * 1000));
    assert_eq!(token.created_at, (NOW - 10) * 1000);
    assert_eq!(token.updated_at, token.created_at);
    assert!(!token.revoked && !token.expired);
    assert!(
        token.token.is_none() && token.revocation_reason.is_none() && token.last_used_at.is_none()
    );
    // Serialized like an API answer (claims order kept).
    let json = serde_json::to_string(&token.claims).unwrap();
    assert!(json.starts_with(r#"{"scopes""#), "{json}");

    let only_registered =
        json!({"iss": "x", "sub": SUBJECT, "exp": NOW + 60, "nbf": NOW, "iat": NOW, "jti": JTI});
    let token = verify(
        &mint(&h, &only_registered, a),
        &keys,
        now(),
        &VerifyOptions::new(),
    )
    .unwrap();
    assert_eq!(token.claims, None);
    assert!(token.scopes.is_empty());

    // Scopes from aud when there is no scopes claim; a string counts as one.
    let aud_array = with(
        payload(),
        json!({"scopes": null, "aud": [OTHER_MACHINE, "mch_b"]}),
    );
    let token = verify(
        &mint(&h, &aud_array, a),
        &keys,
        now(),
        &VerifyOptions::new(),
    )
    .unwrap();
    assert_eq!(token.scopes, [OTHER_MACHINE, "mch_b"]);
    assert_eq!(
        token.claims.unwrap()["aud"],
        json!([OTHER_MACHINE, "mch_b"])
    );
    let aud_string = with(payload(), json!({"scopes": null, "aud": OTHER_MACHINE}));
    let token = verify(
        &mint(&h, &aud_string, a),
        &keys,
        now(),
        &VerifyOptions::new(),
    )
    .unwrap();
    assert_eq!(token.scopes, [OTHER_MACHINE]);
    // scopes wins over aud.
    let both = with(payload(), json!({"scopes": "mch_s", "aud": "mch_a"}));
    let token = verify(&mint(&h, &both, a), &keys, now(), &VerifyOptions::new()).unwrap();
    assert_eq!(token.scopes, ["mch_s"]);
    // No jti, no iat: empty id and created_at 0 (as @clerk/backend, which gives "" and NaN).
    let bare = json!({"sub": SUBJECT, "exp": NOW + 60});
    let token = verify(&mint(&h, &bare, a), &keys, now(), &VerifyOptions::new()).unwrap();
    assert_eq!((token.id.as_str(), token.created_at), ("", 0));
}

#[test]
fn a_pem_key_serves_any_kid() {
    let a = TestKey::a();
    for pem in [a.spki_pem(), a.pkcs1_pem()] {
        let keys = KeySet::from_pem(&pem).unwrap();
        for h in [
            header("ins_whatever"),
            with(header("x"), json!({"kid": null})),
        ] {
            verify(
                &mint(&h, &payload(), a),
                &keys,
                now(),
                &VerifyOptions::new(),
            )
            .unwrap();
        }
        let error = verify(
            &mint(&header("ins_a"), &payload(), TestKey::b()),
            &keys,
            now(),
            &VerifyOptions::new(),
        )
        .unwrap_err();
        assert_eq!(error.kind(), Kind::InvalidSignature);
        assert!(error.is_key_miss());
    }
}
