//! Keys: PEM (SPKI and PKCS#1), DER, JWKS entries, and the JWKS request
//! and response.
#![cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]

#[path = "fixtures/mint.rs"]
mod mint;

use clerk_m2m_types::driver::jwks::{jwks_request, parse_jwks_response, JwksRequestError};
use clerk_m2m_types::jwt::{
    verify, Algorithm, KeyErrorKind, KeySet, RsaPublicKey, SkipReason, VerifyOptions, ENV_JWT_KEY,
};
use clerk_m2m_types::{Config, ResponseError};
use mint::*;
use serde_json::json;

const EC_P256: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC4WxUEyb2eqrdV+6e8b7FvlNcODc
S0bvm1JYOBS45qJyOCBUPv3uPl9vAwKEHTOSGF6kkDzjwG79KpTaEejO6Q==
-----END PUBLIC KEY-----";

const ED25519: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA5slWvqd3C3wZncYqflkMx0V2DiqRWguMVwxRDaub1P0=
-----END PUBLIC KEY-----";

const RSA_PSS_2048: &str = "-----BEGIN PUBLIC KEY-----
MIIBIDALBgkqhkiG9w0BAQoDggEPADCCAQoCggEBANKfR6dgAoQycOCblekeTvHJ
bm29MhRCM1CdI2RtW8Vumx4BKXBDRyY8ewcR9DziCe01o9k+13mU5LjhI2dZzFlY
zIGuwsi3TmIMiKGujujDxwyXXUPOmvd3qf4tk/joNIbYmTCNKvPqtA0I04HyNcSq
j/VRj/hPgQvcczE2pxYhFy/zMZksSk9wpDsv/YeJu7FQV0rHpAeF6Msj+EgNcW4B
ffobAp86z0RI+iIangIZFudkfM/VwROziArN7lTsVx9QEEkzuRnKDLZJEiQnGtwV
Q7ioWv55/AvehGb3fmw/c4n6ndGy8pmXrN6rPRSyOkCxU/K4bADVXz24FCZXswEC
AwEAAQ==
-----END PUBLIC KEY-----";

#[test]
fn spki_and_pkcs1_pems_give_the_same_key() {
    let a = TestKey::a();
    let from_spki = RsaPublicKey::from_pem(&a.spki_pem()).unwrap();
    let from_pkcs1 = RsaPublicKey::from_pem(&a.pkcs1_pem()).unwrap();
    assert_eq!(from_spki, from_pkcs1);
    assert_eq!(from_spki.modulus_bits(), 2048);
    assert_eq!(from_spki.exponent(), &[1, 0, 1]);
    assert_eq!(from_spki.pkcs1_der(), &a.pkcs1_der()[..]);
    assert_eq!(RsaPublicKey::from_der(&a.spki_der()).unwrap(), from_spki);
    assert_eq!(RsaPublicKey::from_der(&a.pkcs1_der()).unwrap(), from_spki);
    // Node's own PEM exports of the same key.
    let node = node_fixtures();
    assert_eq!(
        RsaPublicKey::from_pem(node["spki_pem_a"].as_str().unwrap()).unwrap(),
        from_spki
    );
    assert_eq!(
        RsaPublicKey::from_pem(node["pkcs1_pem_a"].as_str().unwrap()).unwrap(),
        from_spki
    );
    // Debug shows the size only.
    assert_eq!(format!("{from_spki:?}"), "RsaPublicKey { bits: 2048, .. }");
}

#[test]
fn clerk_jwt_key_as_environment_variables_carry_it() {
    let a = TestKey::a();
    let expected = RsaPublicKey::from_pem(&a.spki_pem()).unwrap();
    let pem = a.spki_pem();
    // Escaped newlines on one line, CRLF, surrounding text, no armour at all.
    let variants = [
        pem.replace('\n', "\\n"),
        pem.replace('\n', "\r\n"),
        format!("  key:\n{pem}\n  "),
        pem.lines()
            .filter(|line| !line.starts_with("-----"))
            .collect::<String>(),
    ];
    for variant in &variants {
        assert_eq!(
            RsaPublicKey::from_pem(variant).unwrap(),
            expected,
            "{variant}"
        );
    }
    let lookup = |name: &str| (name == ENV_JWT_KEY).then(|| variants[0].clone());
    let keys = KeySet::from_env_with(lookup).unwrap().unwrap();
    assert_eq!(keys.len(), 1);
    assert!(KeySet::from_env_with(|_| Some(" ".to_owned()))
        .unwrap()
        .is_none());
    assert!(KeySet::from_env_with(|_| None).unwrap().is_none());
}

#[test]
fn unusable_pems_are_refused_with_a_reason() {
    let small = node_fixtures()["spki_pem_1024"].as_str().unwrap();
    let private = fixture("test-only-rsa2048-a.pem");
    let a = TestKey::a();
    let mut truncated = a.spki_der();
    truncated.pop();
    let mut trailing = a.spki_der();
    trailing.push(0);
    let cases: Vec<(String, KeyErrorKind)> = vec![
        (small.to_owned(), KeyErrorKind::KeyTooSmall),
        (private, KeyErrorKind::InvalidPem),
        (EC_P256.to_owned(), KeyErrorKind::UnsupportedKeyType),
        (ED25519.to_owned(), KeyErrorKind::UnsupportedKeyType),
        (RSA_PSS_2048.to_owned(), KeyErrorKind::UnsupportedKeyType),
        (a.pem("PUBLIC KEY", &truncated), KeyErrorKind::InvalidDer),
        (a.pem("PUBLIC KEY", &trailing), KeyErrorKind::InvalidDer),
        // PKCS#1 content under an SPKI label and the reverse.
        (
            a.pem("PUBLIC KEY", &a.pkcs1_der()),
            KeyErrorKind::InvalidDer,
        ),
        (
            a.pem("RSA PUBLIC KEY", &a.spki_der()),
            KeyErrorKind::InvalidDer,
        ),
        (
            "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----".to_owned(),
            KeyErrorKind::InvalidPem,
        ),
        (String::new(), KeyErrorKind::InvalidPem),
    ];
    for (pem, kind) in cases {
        let error = RsaPublicKey::from_pem(&pem).unwrap_err();
        assert_eq!(error.kind(), kind, "{pem}");
        assert_eq!(KeySet::from_pem(&pem).unwrap_err().kind(), kind);
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn jwks_entries_are_skipped_with_reasons() {
    let a = TestKey::a();
    let small = node_fixtures()["jwks"]["keys"][1].clone();
    let jwks = json!({"keys": [
        a.jwk("ins_ok", json!({"use": "sig", "alg": "RS512", "key_ops": ["verify"], "x5c": ["ignored"]})),
        "not an object",
        {"kty": "EC", "kid": "ins_ec"},
        a.jwk("ins_private", json!({"p": "AQAB"})),
        a.jwk("ins_enc", json!({"use": "enc"})),
        a.jwk("ins_use_number", json!({"use": 1})),
        a.jwk("ins_ops", json!({"key_ops": "verify"})),
        a.jwk("ins_hs", json!({"alg": "HS256"})),
        a.jwk("ins_none", json!({"alg": "none"})),
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        small,
        a.jwk("ins_no_e", json!({"e": null})),
        a.jwk("ins_e_even", json!({"e": "AQAA"})),
    ]});
    let keys = KeySet::from_jwks_json(jwks.to_string().as_bytes()).unwrap();
    assert_eq!(keys.kids().collect::<Vec<_>>(), ["ins_ok"]);
    let reasons: Vec<(Option<&str>, &SkipReason)> = keys
        .skipped()
        .iter()
        .map(|skipped| (skipped.kid(), skipped.reason()))
        .collect();
    assert_eq!(
        reasons,
        [
            (None, &SkipReason::NotRsa),
            (Some("ins_ec"), &SkipReason::NotRsa),
            (Some("ins_private"), &SkipReason::PrivateKeyMaterial),
            (Some("ins_enc"), &SkipReason::NotForSigning),
            (Some("ins_use_number"), &SkipReason::NotForSigning),
            (Some("ins_ops"), &SkipReason::NotForSigning),
            (Some("ins_hs"), &SkipReason::UnsupportedAlgorithm),
            (Some("ins_none"), &SkipReason::UnsupportedAlgorithm),
            (None, &SkipReason::MissingKeyId),
            (
                Some("ins_small"),
                &SkipReason::InvalidKey(KeyErrorKind::KeyTooSmall)
            ),
            (
                Some("ins_no_e"),
                &SkipReason::InvalidKey(KeyErrorKind::InvalidDer)
            ),
            (
                Some("ins_e_even"),
                &SkipReason::InvalidKey(KeyErrorKind::InvalidExponent)
            ),
        ]
    );
    // The kept key verifies RS512 only (its JWK alg).
    let h = json!({"alg": "RS512", "kid": "ins_ok"});
    verify(
        &mint(&h, &payload(), a),
        &keys,
        now(),
        &VerifyOptions::new(),
    )
    .unwrap();
    let error = verify(
        &mint(&header("ins_ok"), &payload(), a),
        &keys,
        now(),
        &VerifyOptions::new(),
    )
    .unwrap_err();
    assert_eq!(
        error.kind(),
        clerk_m2m_types::jwt::JwtErrorKind::KeyAlgorithmMismatch
    );
}

#[test]
fn documents_that_are_not_a_usable_jwks_are_errors() {
    for (body, kind) in [
        (&b"not json"[..], KeyErrorKind::InvalidJwks),
        (br#"{"keys": {}}"#, KeyErrorKind::InvalidJwks),
        (br#"[]"#, KeyErrorKind::InvalidJwks),
        (br#"{"keys": []}"#, KeyErrorKind::NoUsableKeys),
        (
            br#"{"keys": [{"kty": "EC", "kid": "x"}]}"#,
            KeyErrorKind::NoUsableKeys,
        ),
    ] {
        assert_eq!(KeySet::from_jwks_json(body).unwrap_err().kind(), kind);
    }
}

#[test]
fn keys_can_be_assembled_by_hand() {
    let a = TestKey::a();
    let key = RsaPublicKey::from_der(&a.pkcs1_der()).unwrap();
    let mut keys = KeySet::new();
    assert!(keys.is_empty());
    keys.insert("ins_a", key.clone(), Some(Algorithm::Rs256));
    keys.insert("ins_a", key, None);
    assert_eq!(keys.len(), 2);
    assert!(keys.contains_kid("ins_a") && !keys.contains_kid("ins_b"));
    verify(
        &mint(&header("ins_a"), &payload(), a),
        &keys,
        now(),
        &VerifyOptions::new(),
    )
    .unwrap();
    assert!(format!("{keys:?}").contains("ins_a"));
    assert_eq!(
        Algorithm::ALL.map(Algorithm::name),
        ["RS256", "RS384", "RS512"]
    );
    assert_eq!(Algorithm::Rs384.to_string(), "RS384");
}

#[test]
fn the_jwks_request_is_authorised_with_the_instance_key() {
    let config = Config::builder()
        .base_url("http://127.0.0.1:8080/")
        .machine_secret_key("ak_machine")
        .secret_key("sk_test_instance")
        .api_version("2099-01-01")
        .build()
        .unwrap();
    let request = jwks_request(&config).unwrap();
    assert_eq!(request.method(), "GET");
    assert_eq!(request.uri(), "http://127.0.0.1:8080/v1/jwks");
    let headers = request.headers();
    assert_eq!(headers["authorization"], "Bearer sk_test_instance");
    assert!(headers["authorization"].is_sensitive());
    assert_eq!(headers["clerk-api-version"], "2099-01-01");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["user-agent"], clerk_m2m_types::USER_AGENT);
    assert!(request.body().is_empty());
    assert!(!format!("{request:?}").contains("sk_test_instance"));

    let machine_only = Config::builder()
        .machine_secret_key("ak_machine")
        .build()
        .unwrap();
    let error = jwks_request(&machine_only).unwrap_err();
    assert_eq!(error, JwksRequestError::MissingSecretKey);
    assert!(error.to_string().contains("CLERK_SECRET_KEY"));
    let bad_key = Config::builder().secret_key("sk_bad\nkey").build().unwrap();
    assert!(matches!(
        jwks_request(&bad_key).unwrap_err(),
        JwksRequestError::Request(_)
    ));
}

fn response(status: u16, content_type: &str, body: &[u8]) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.to_vec())
        .unwrap()
}

#[test]
fn the_jwks_response_is_parsed_or_a_typed_error() {
    let a = TestKey::a();
    let jwks = json!({"keys": [a.jwk("ins_a", json!({"use": "sig", "alg": "RS256"}))]}).to_string();
    let keys = parse_jwks_response(response(200, "application/json", jwks.as_bytes())).unwrap();
    assert!(keys.contains_kid("ins_a"));
    verify(
        &mint(&header("ins_a"), &payload(), a),
        &keys,
        now(),
        &VerifyOptions::new(),
    )
    .unwrap();

    let unauthorised = br#"{"errors":[{"code":"authentication_invalid","message":"Unauthorized"}],"clerk_trace_id":"t1"}"#;
    match parse_jwks_response(response(401, "application/json", unauthorised)).unwrap_err() {
        ResponseError::Api(error) => {
            assert_eq!(error.status(), 401);
            assert_eq!(error.code(), Some("authentication_invalid"));
            assert_eq!(error.trace_id(), Some("t1"));
        }
        other => panic!("{other:?}"),
    }
    match parse_jwks_response(response(502, "text/html", b"<html>bad gateway</html>")).unwrap_err()
    {
        ResponseError::Api(error) => assert!(error.is_retryable()),
        other => panic!("{other:?}"),
    }
    for body in [&b"<html>"[..], br#"{"keys":[]}"#] {
        match parse_jwks_response(response(200, "application/json", body)).unwrap_err() {
            ResponseError::Decode(error) => assert_eq!(error.status(), 200),
            other => panic!("{other:?}"),
        }
    }
}
