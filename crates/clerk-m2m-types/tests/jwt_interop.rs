//! Tokens minted by an independent implementation (Node's `crypto`) verify
//! identically, and the result matches what `@clerk/backend` 3.25.0's
//! `m2m.verify` returned for the same token (recorded in node-minted.json).
#![cfg(any(feature = "jwt-aws-lc-rs", feature = "jwt-ring"))]

#[path = "fixtures/mint.rs"]
mod mint;

use clerk_m2m_types::jwt::{is_m2m_jwt, verify, JwtErrorKind, KeySet, VerifyOptions};
use mint::*;
use serde_json::{json, Value};

fn node() -> &'static Value {
    node_fixtures()
}

fn node_now() -> std::time::SystemTime {
    at(node()["now"].as_i64().unwrap())
}

fn token(name: &str) -> &'static str {
    node()["tokens"][name].as_str().unwrap()
}

#[test]
fn node_minted_tokens_verify_with_the_jwks_and_with_the_pem() {
    let from_jwks = KeySet::from_jwks_json(node()["jwks"].to_string().as_bytes()).unwrap();
    let any_alg = KeySet::from_jwks_json(node()["jwks_any_alg"].to_string().as_bytes()).unwrap();
    let from_spki = KeySet::from_pem(node()["spki_pem_a"].as_str().unwrap()).unwrap();
    let from_pkcs1 = KeySet::from_pem(node()["pkcs1_pem_a"].as_str().unwrap()).unwrap();
    let options = VerifyOptions::new();

    assert!(is_m2m_jwt(token("rs256")).unwrap());
    let reference = verify(token("rs256"), &from_jwks, node_now(), &options).unwrap();
    for keys in [&any_alg, &from_spki, &from_pkcs1] {
        assert_eq!(
            verify(token("rs256"), keys, node_now(), &options).unwrap(),
            reference
        );
    }
    for name in ["rs384", "rs512"] {
        for keys in [&any_alg, &from_spki, &from_pkcs1] {
            let verified = verify(token(name), keys, node_now(), &options).unwrap();
            assert_eq!(verified.subject, reference.subject);
        }
        // The JWKS entry says alg RS256.
        let error = verify(token(name), &from_jwks, node_now(), &options).unwrap_err();
        assert_eq!(error.kind(), JwtErrorKind::KeyAlgorithmMismatch);
    }
    // RS384 has no scopes claim: scopes come from aud.
    let rs384 = verify(token("rs384"), &any_alg, node_now(), &options).unwrap();
    assert_eq!(rs384.scopes, ["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"]);
    // RS512 has only sub, exp, jti: no claims left, no scopes, created_at 0.
    let rs512 = verify(token("rs512"), &any_alg, node_now(), &options).unwrap();
    assert_eq!(
        (rs512.claims, rs512.scopes.len(), rs512.created_at),
        (None, 0, 0)
    );
    // The 1024-bit key's entry is skipped, so its token has no key.
    let error = verify(token("rsa1024"), &from_jwks, node_now(), &options).unwrap_err();
    assert_eq!(error.kind(), JwtErrorKind::UnknownKey);
}

#[test]
fn the_result_matches_clerk_backend() {
    let js = &node()["js_verify_rs256"];
    assert!(
        js.is_object(),
        "node-minted.json was generated without @clerk/backend"
    );
    let keys = KeySet::from_pem(node()["spki_pem_a"].as_str().unwrap()).unwrap();
    let ours = verify(token("rs256"), &keys, node_now(), &VerifyOptions::new()).unwrap();
    assert_eq!(ours.id, js["id"]);
    assert_eq!(ours.subject, js["subject"]);
    assert_eq!(json!(ours.scopes), js["scopes"]);
    // Same claims, same order.
    assert_eq!(
        serde_json::to_string(&ours.claims).unwrap(),
        serde_json::to_string(&js["claims"]).unwrap()
    );
    assert_eq!(json!(ours.expiration), js["expiration"]);
    assert_eq!(json!(ours.created_at), js["createdAt"]);
    assert_eq!(json!(ours.updated_at), js["updatedAt"]);
    assert_eq!(json!(ours.revoked), js["revoked"]);
    assert_eq!(json!(ours.expired), js["expired"]);
    assert_eq!(json!(ours.revocation_reason), js["revocationReason"]);
}

#[test]
fn our_tokens_and_nodes_are_interchangeable() {
    // The same header and payload minted here sign to the same bytes as
    // Node's (RSASSA-PKCS1-v1_5 is deterministic).
    let rs256 = token("rs256");
    let mut parts = rs256.split('.');
    let header = String::from_utf8(
        base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            parts.next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let payload = String::from_utf8(
        base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            parts.next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(mint_raw(&header, &payload, TestKey::a(), "RS256"), rs256);
}
