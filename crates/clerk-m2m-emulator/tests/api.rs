//! Every route and rule over raw HTTP: shapes against Clerk's schemas,
//! expiry and reuse, scopes, list filters and pagination, revoke, verify,
//! JWTs and the JWKS, and Clerk's envelope for every error.

mod common;

use clerk_m2m_emulator::{Emulator, MachineConfig};
use common::{call, emulator, instance_key, machine_key, shared_signing_key, Conn, Reply};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

// ---- schema checks (clerk-bapi-m2m.openapi.yml) ---------------------------

const TOKEN_PROPERTIES: [&str; 13] = [
    "object",
    "id",
    "subject",
    "claims",
    "scopes",
    "token",
    "revoked",
    "revocation_reason",
    "expired",
    "expiration",
    "last_used_at",
    "created_at",
    "updated_at",
];
const TOKEN_REQUIRED: [&str; 10] = [
    "object",
    "id",
    "subject",
    "revoked",
    "revocation_reason",
    "expired",
    "expiration",
    "last_used_at",
    "created_at",
    "updated_at",
];

fn is_token_id(value: &str) -> bool {
    value
        .strip_prefix("mt_")
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_machine_id(value: &str) -> bool {
    value.strip_prefix("mch_").is_some_and(|rest| {
        rest.len() == 27 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// Validates a token object against the spec; `with_token`: the create answer.
fn assert_token_shape(token: &Value, with_token: bool) {
    let object = token.as_object().expect("token is an object");
    for key in object.keys() {
        assert!(
            TOKEN_PROPERTIES.contains(&key.as_str()),
            "extra property {key}"
        );
    }
    for key in TOKEN_REQUIRED {
        assert!(
            object.contains_key(key),
            "missing required {key} in {token}"
        );
    }
    assert_eq!(object.contains_key("token"), with_token, "{token}");
    assert_eq!(token["object"], "machine_to_machine_token");
    assert!(is_token_id(token["id"].as_str().unwrap()), "{token}");
    assert!(is_machine_id(token["subject"].as_str().unwrap()));
    for scope in token["scopes"].as_array().expect("scopes array") {
        assert!(is_machine_id(scope.as_str().unwrap()));
    }
    assert!(token["revoked"].is_boolean() && token["expired"].is_boolean());
    assert!(token["revocation_reason"].is_null() || token["revocation_reason"].is_string());
    for key in ["expiration", "last_used_at"] {
        assert!(token[key].is_null() || token[key].is_i64(), "{key}");
    }
    assert!(token["created_at"].is_i64() && token["updated_at"].is_i64());
    if with_token {
        let value = token["token"].as_str().unwrap();
        assert!(!is_token_id(value), "token value looks like an id");
    }
}

// ---- helpers ----------------------------------------------------------------

fn create(emulator: &clerk_m2m_emulator::EmulatorHandle, key: &str, body: Value) -> Value {
    let reply = call(emulator, "POST", "/m2m_tokens", Some(key), Some(&body));
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let token = reply.json();
    assert_token_shape(&token, true);
    token
}

fn verify(emulator: &clerk_m2m_emulator::EmulatorHandle, key: &str, token: &str) -> Reply {
    call(
        emulator,
        "POST",
        "/m2m_tokens/verify",
        Some(key),
        Some(&json!({ "token": token })),
    )
}

fn list(emulator: &clerk_m2m_emulator::EmulatorHandle, key: &str, query: &str) -> Reply {
    call(
        emulator,
        "GET",
        &format!("/m2m_tokens?{query}"),
        Some(key),
        None,
    )
}

fn revoke(
    emulator: &clerk_m2m_emulator::EmulatorHandle,
    key: &str,
    id: &str,
    reason: Value,
) -> Reply {
    call(
        emulator,
        "POST",
        &format!("/m2m_tokens/{id}/revoke"),
        Some(key),
        Some(&json!({ "revocation_reason": reason })),
    )
}

fn b64(part: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url")
}

// ---- create -------------------------------------------------------------------

#[test]
fn create_opaque_matches_the_spec() {
    let emulator = emulator();
    let a = &emulator.machines()[0];
    let reply = call(
        &emulator,
        "POST",
        "/m2m_tokens",
        Some(a.secret_key().expose_secret()),
        Some(
            &json!({"seconds_until_expiration": 3600, "claims": {"role": "reader"},
                     "token_format": "opaque"}),
        ),
    );
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let token = reply.json();
    assert_token_shape(&token, true);
    assert_eq!(token["subject"], a.id());
    assert_eq!(token["scopes"], json!(a.scopes()));
    assert_eq!(token["claims"], json!({"role": "reader"}));
    assert_eq!(token["revoked"], false);
    assert_eq!(token["expired"], false);
    assert!(token["last_used_at"].is_null() && token["revocation_reason"].is_null());
    assert_eq!(
        token["expiration"].as_i64().unwrap() - token["created_at"].as_i64().unwrap(),
        3_600_000
    );
    let value = token["token"].as_str().unwrap();
    assert!(value.starts_with("mt_") && value.len() >= 51);
}

#[test]
fn absent_null_and_explicit_expiry() {
    let emulator = Emulator::builder()
        .signing_key(shared_signing_key())
        .frozen_clock(true)
        .machine(MachineConfig::new("short").default_token_ttl(Duration::from_secs(120)))
        .start()
        .unwrap();
    let key = machine_key(&emulator, 0);
    let absent = create(&emulator, &key, json!({}));
    let created_at = absent["created_at"].as_i64().unwrap();
    assert_eq!(absent["expiration"].as_i64(), Some(created_at + 120_000));
    let null = create(&emulator, &key, json!({"seconds_until_expiration": null}));
    assert!(null["expiration"].is_null());
    let float = create(&emulator, &key, json!({"seconds_until_expiration": 600.0}));
    assert_eq!(float["expiration"].as_i64(), Some(created_at + 600_000));
    // An empty body is `{}`.
    let reply = Conn::open(emulator.addr())
        .unwrap()
        .send(
            "POST",
            "/m2m_tokens",
            &[("Authorization", &format!("Bearer {key}"))],
            None,
        )
        .unwrap();
    assert_eq!(reply.status, 201);

    emulator.advance(Duration::from_secs(120));
    let token = absent["token"].as_str().unwrap();
    let expired = verify(&emulator, &instance_key(&emulator), token);
    assert_eq!(expired.status, 404);
    assert_eq!(expired.error_code(), "resource_not_found");
    assert!(expired.json()["errors"][0]["long_message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    let never = verify(
        &emulator,
        &instance_key(&emulator),
        null["token"].as_str().unwrap(),
    );
    assert_eq!(never.status, 200);
    let listed = list(
        &emulator,
        &key,
        &format!("subject={}&expired=true", emulator.machines()[0].id()),
    )
    .json();
    assert_eq!(listed["total_count"], 2, "{listed}");
    for token in listed["m2m_tokens"].as_array().unwrap() {
        assert_eq!(token["expired"], true);
    }
}

#[test]
fn create_needs_a_machine_key() {
    let emulator = emulator();
    let body = json!({"seconds_until_expiration": null, "claims": null, "token_format": "opaque"});
    let cases = [
        (Some(instance_key(&emulator)), "machine_secret_key_invalid"),
        (
            Some("ak_test_unknown".to_owned()),
            "machine_secret_key_invalid",
        ),
        (Some("sk_test_unknown".to_owned()), "clerk_key_invalid"),
        (None, "authorization_header_format_invalid"),
    ];
    for (key, code) in cases {
        let reply = call(
            &emulator,
            "POST",
            "/m2m_tokens",
            key.as_deref(),
            Some(&body),
        );
        assert_eq!(reply.status, 401, "{key:?}");
        assert_eq!(reply.error_code(), code);
    }
    assert_eq!(emulator.stored_tokens(), 0);
}

#[test]
fn body_parameter_errors_name_the_parameter() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    let cases = [
        (json!({"extra": true}), 422, "form_param_unknown", "extra"),
        (
            json!({"token_format": "paseto"}),
            422,
            "form_param_value_invalid",
            "token_format",
        ),
        (
            json!({"seconds_until_expiration": 0}),
            422,
            "form_param_value_invalid",
            "seconds_until_expiration",
        ),
        (
            json!({"seconds_until_expiration": 1.5}),
            422,
            "form_param_format_invalid",
            "seconds_until_expiration",
        ),
        (
            json!({"claims": "role=reader"}),
            422,
            "form_param_format_invalid",
            "claims",
        ),
        (
            json!({"min_remaining_ttl_seconds": -1}),
            422,
            "form_param_value_invalid",
            "min_remaining_ttl_seconds",
        ),
        (
            json!({"seconds_until_expiration": 60, "min_remaining_ttl_seconds": 60}),
            400,
            "form_param_value_invalid",
            "min_remaining_ttl_seconds",
        ),
        (
            json!({"min_remaining_ttl_seconds": 3600}),
            400,
            "form_param_value_invalid",
            "min_remaining_ttl_seconds",
        ),
        (
            json!({"token_format": "jwt", "claims": {"exp": 1}}),
            422,
            "form_param_value_invalid",
            "claims",
        ),
    ];
    for (body, status, code, param) in cases {
        let reply = call(&emulator, "POST", "/m2m_tokens", Some(&key), Some(&body));
        assert_eq!(reply.status, status, "{body}");
        assert_eq!(reply.error_code(), code, "{body}");
        assert_eq!(reply.param_name().as_deref(), Some(param), "{body}");
    }
    let verify_extra = call(
        &emulator,
        "POST",
        "/m2m_tokens/verify",
        Some(&key),
        Some(&json!({"token": "mt_x", "extra": 1})),
    );
    assert_eq!(verify_extra.status, 422);
    assert_eq!(verify_extra.error_code(), "form_param_unknown");
    assert_eq!(verify_extra.param_name().as_deref(), Some("extra"));
    let verify_missing = call(
        &emulator,
        "POST",
        "/m2m_tokens/verify",
        Some(&key),
        Some(&json!({})),
    );
    assert_eq!(verify_missing.error_code(), "form_param_missing");
    assert_eq!(verify_missing.param_name().as_deref(), Some("token"));
    assert_eq!(emulator.stored_tokens(), 0);
}

// ---- reuse ----------------------------------------------------------------------

#[test]
fn min_remaining_ttl_reuses_a_live_token() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    let body = json!({"seconds_until_expiration": 100, "claims": {"role": "reader"},
                      "min_remaining_ttl_seconds": 30, "token_format": "opaque"});
    let first = create(&emulator, &key, body.clone());
    let second = create(&emulator, &key, body.clone());
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["token"], second["token"]);
    // Different claims: a new token.
    let other = create(
        &emulator,
        &key,
        json!({"seconds_until_expiration": 100, "claims": {"role": "writer"},
               "min_remaining_ttl_seconds": 30}),
    );
    assert_ne!(other["id"], first["id"]);
    // Without min_remaining_ttl_seconds: always new.
    let plain = create(
        &emulator,
        &key,
        json!({"seconds_until_expiration": 100, "claims": {"role": "reader"}}),
    );
    assert_ne!(plain["id"], first["id"]);
    // 71 s later 29 s are left: not enough, a new one is minted.
    emulator.advance(Duration::from_secs(71));
    let third = create(&emulator, &key, body.clone());
    assert_ne!(third["id"], first["id"]);
    // A revoked token is never reused.
    revoke(&emulator, &key, third["id"].as_str().unwrap(), Value::Null);
    let fourth = create(&emulator, &key, body);
    assert_ne!(fourth["id"], third["id"]);
    // JWTs are never reused.
    let jwt_body = json!({"token_format": "jwt", "seconds_until_expiration": 100,
                          "min_remaining_ttl_seconds": 30});
    let jwt1 = create(&emulator, &key, jwt_body.clone());
    let jwt2 = create(&emulator, &key, jwt_body);
    assert_ne!(jwt1["id"], jwt2["id"]);
}

// ---- list -------------------------------------------------------------------------

#[test]
fn list_paginates_newest_first() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    let subject = emulator.machines()[0].id().to_owned();
    let created: Vec<String> = (0..25)
        .map(|_| {
            create(&emulator, &key, json!({"seconds_until_expiration": null}))["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    let page = |query: &str| {
        let reply = list(&emulator, &key, &format!("subject={subject}{query}"));
        assert_eq!(reply.status, 200);
        let body = reply.json();
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["m2m_tokens", "total_count"]);
        assert_eq!(body["total_count"], 25);
        body["m2m_tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|token| {
                assert_token_shape(token, false);
                token["id"].as_str().unwrap().to_owned()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(page(""), newest_first[..10]);
    assert_eq!(page("&limit=5&offset=20"), newest_first[20..]);
    assert_eq!(page("&limit=100"), newest_first);
    assert_eq!(page("&limit=10.0&offset=10.0"), newest_first[10..20]);
    assert!(page("&offset=30").is_empty());
    for (query, param) in [
        ("&limit=0", "limit"),
        ("&limit=101", "limit"),
        ("&limit=ten", "limit"),
        ("&offset=-1", "offset"),
        ("&revoked=maybe", "revoked"),
    ] {
        let reply = list(&emulator, &key, &format!("subject={subject}{query}"));
        assert_eq!(reply.status, 400, "{query}");
        reply.error_code();
        assert_eq!(reply.param_name().as_deref(), Some(param));
    }
    let missing = list(&emulator, &key, "limit=5");
    assert_eq!(
        (missing.status, missing.error_code()),
        (400, "form_param_missing".into())
    );
    let bad = list(&emulator, &key, "subject=mch_nope");
    assert_eq!(bad.param_name().as_deref(), Some("subject"));
}

#[test]
fn list_filters_and_authorization() {
    let emulator = emulator();
    let a_key = machine_key(&emulator, 0);
    let b_key = machine_key(&emulator, 1);
    let a = emulator.machines()[0].id().to_owned();
    let live = create(&emulator, &a_key, json!({"seconds_until_expiration": 1000}));
    let short = create(&emulator, &a_key, json!({"seconds_until_expiration": 10}));
    let gone = create(&emulator, &a_key, json!({"seconds_until_expiration": null}));
    create(&emulator, &a_key, json!({"token_format": "jwt"})); // not stored
    revoke(
        &emulator,
        &a_key,
        gone["id"].as_str().unwrap(),
        json!("done"),
    );
    emulator.advance(Duration::from_secs(10));
    let ids = |query: &str| -> Vec<Value> {
        let body = list(
            &emulator,
            &instance_key(&emulator),
            &format!("subject={a}{query}"),
        )
        .json();
        body["m2m_tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|token| token["id"].clone())
            .collect()
    };
    assert_eq!(ids(""), [live["id"].clone()]);
    assert_eq!(ids("&expired=true"), [short["id"].clone()]);
    assert_eq!(ids("&revoked=true"), [gone["id"].clone()]);
    assert_eq!(ids("&revoked=false&expired=false"), [live["id"].clone()]);
    assert!(ids("&revoked=true&expired=true").is_empty());

    // A machine key lists only its own subject.
    let forbidden = list(&emulator, &b_key, &format!("subject={a}"));
    assert_eq!(
        (forbidden.status, forbidden.error_code()),
        (403, "authorization_invalid".into())
    );
    let unknown = list(
        &emulator,
        &instance_key(&emulator),
        "subject=mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
    );
    assert_eq!(
        (unknown.status, unknown.error_code()),
        (404, "resource_not_found".into())
    );
    let unauthenticated = call(
        &emulator,
        "GET",
        &format!("/m2m_tokens?subject={a}"),
        None,
        None,
    );
    assert_eq!(unauthenticated.status, 401);
}

// ---- revoke ---------------------------------------------------------------------

#[test]
fn revoke_rules() {
    let emulator = emulator();
    let a_key = machine_key(&emulator, 0);
    let b_key = machine_key(&emulator, 1);
    let token = create(&emulator, &a_key, json!({}));
    let id = token["id"].as_str().unwrap();

    let not_owner = revoke(&emulator, &b_key, id, Value::Null);
    assert_eq!(
        (not_owner.status, not_owner.error_code()),
        (404, "resource_not_found".into())
    );

    emulator.advance(Duration::from_secs(1));
    let first = revoke(&emulator, &a_key, id, json!("compromised"));
    assert_eq!(first.status, 200);
    let first = first.json();
    assert_token_shape(&first, false);
    assert_eq!(first["revoked"], true);
    assert_eq!(first["revocation_reason"], "compromised");
    assert!(first["updated_at"].as_i64() > token["updated_at"].as_i64());

    emulator.advance(Duration::from_secs(1));
    let again = revoke(&emulator, &instance_key(&emulator), id, json!("other"));
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), first, "an already revoked token is unchanged");

    let value = token["token"].as_str().unwrap();
    let verify_revoked = verify(&emulator, &b_key, value);
    assert_eq!(verify_revoked.status, 404);
    assert!(verify_revoked.json()["errors"][0]["long_message"]
        .as_str()
        .unwrap()
        .contains("revoked"));

    let unknown = revoke(
        &emulator,
        &a_key,
        "mt_00000000000000000000000000000000",
        Value::Null,
    );
    assert_eq!(unknown.status, 404);
    for bad in [
        "mt_short",
        "not_an_id",
        "mt_0000000000000000000000000000000g",
    ] {
        let reply = revoke(&emulator, &a_key, bad, Value::Null);
        assert_eq!(reply.status, 400, "{bad}");
        assert_eq!(reply.param_name().as_deref(), Some("m2m_token_id"));
    }
    let extra = call(
        &emulator,
        "POST",
        &format!("/m2m_tokens/{id}/revoke"),
        Some(&a_key),
        Some(&json!({"reason": "x"})),
    );
    assert_eq!(
        (extra.status, extra.param_name()),
        (422, Some("reason".into()))
    );
}

// ---- verify ---------------------------------------------------------------------

#[test]
fn verify_scopes_and_last_used_at() {
    let emulator = Emulator::builder()
        .signing_key(shared_signing_key())
        .frozen_clock(true)
        .machine(MachineConfig::new("a").scope("b"))
        .machine(MachineConfig::new("b").scope("a"))
        .machine(MachineConfig::new("c"))
        .start()
        .unwrap();
    let [a_key, b_key, c_key] = [0, 1, 2].map(|index| machine_key(&emulator, index));
    let token = create(&emulator, &a_key, json!({"claims": {"k": "v"}}));
    let value = token["token"].as_str().unwrap();

    // c is not in the token's scopes; neither is a, its owner.
    for key in [&c_key, &a_key] {
        let reply = verify(&emulator, key, value);
        assert_eq!(
            (reply.status, reply.error_code()),
            (404, "resource_not_found".into())
        );
    }
    emulator.advance(Duration::from_secs(5));
    let ok = verify(&emulator, &b_key, value);
    assert_eq!(ok.status, 200);
    let verified = ok.json();
    assert_token_shape(&verified, false);
    assert_eq!(verified["id"], token["id"]);
    assert_eq!(verified["claims"], json!({"k": "v"}));
    let used_at = verified["last_used_at"].as_i64().expect("last_used_at set");
    assert_eq!(used_at, token["created_at"].as_i64().unwrap() + 5_000);
    let listed = list(
        &emulator,
        &a_key,
        &format!("subject={}", emulator.machines()[0].id()),
    )
    .json();
    assert_eq!(listed["m2m_tokens"][0]["last_used_at"], used_at);
    // The instance key verifies anything.
    assert_eq!(
        verify(&emulator, &instance_key(&emulator), value).status,
        200
    );
    // Unknown values and ids are 404.
    for bogus in [
        "mt_nope".to_owned(),
        token["id"].as_str().unwrap().to_owned(),
        "a.b.c".to_owned(),
    ] {
        assert_eq!(verify(&emulator, &b_key, &bogus).status, 404, "{bogus}");
    }
}

// ---- JWTs ---------------------------------------------------------------------------

#[test]
fn jwt_structure_and_signature_against_the_jwks() {
    let emulator = emulator();
    let a = &emulator.machines()[0];
    let token = create(
        &emulator,
        a.secret_key().expose_secret(),
        json!({"token_format": "jwt", "seconds_until_expiration": 600,
               "claims": {"role": "reader", "scopes": "mch_x mch_y", "aud": ["svc"],
                          "nestedKey": {"camelCase": 1}}}),
    );
    let jwt = token["token"].as_str().unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&b64(parts[0])).unwrap();
    assert_eq!(
        header,
        json!({"alg": "RS256", "kid": emulator.instance_id(), "typ": "JWT", "cat": "cl_B7d4PD333AAA"})
    );
    let payload: Value = serde_json::from_slice(&b64(parts[1])).unwrap();
    let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "iss",
            "sub",
            "iat",
            "nbf",
            "exp",
            "jti",
            "role",
            "scopes",
            "aud",
            "nestedKey"
        ]
    );
    assert_eq!(payload["iss"], emulator.url());
    assert_eq!(payload["sub"], a.id());
    assert_eq!(payload["jti"], token["id"]);
    assert_eq!(payload["scopes"], "mch_x mch_y");
    assert_eq!(payload["aud"], json!(["svc"]));
    let iat = payload["iat"].as_i64().unwrap();
    assert_eq!(payload["nbf"].as_i64(), Some(iat));
    assert_eq!(payload["exp"].as_i64(), Some(iat + 600));
    assert_eq!(token["expiration"].as_i64(), Some((iat + 600) * 1000));

    // Verify the RS256 signature with the JWKS's n and e.
    let jwks = call(
        &emulator,
        "GET",
        "/v1/jwks",
        Some(&instance_key(&emulator)),
        None,
    );
    assert_eq!(jwks.status, 200);
    let jwks = jwks.json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let jwk = &keys[0];
    let jwk_keys: HashSet<&str> = jwk
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        jwk_keys,
        HashSet::from(["kid", "alg", "use", "kty", "n", "e"])
    );
    assert_eq!(
        (
            jwk["kty"].as_str(),
            jwk["alg"].as_str(),
            jwk["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(jwk["kid"], emulator.instance_id());
    let public = aws_lc_rs::rsa::PublicKeyComponents {
        n: b64(jwk["n"].as_str().unwrap()),
        e: b64(jwk["e"].as_str().unwrap()),
    };
    assert_eq!(public.n.len(), 256, "RSA-2048");
    let signed = format!("{}.{}", parts[0], parts[1]);
    public
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &b64(parts[2]),
        )
        .expect("signature verifies against the JWKS");
    assert!(public
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            b"tampered",
            &b64(parts[2])
        )
        .is_err());
}

#[test]
fn jwt_without_a_lifetime_still_expires() {
    let emulator = Emulator::builder()
        .signing_key(shared_signing_key())
        .frozen_clock(true)
        .default_token_ttl(Duration::from_secs(900))
        .start()
        .unwrap();
    let key = machine_key(&emulator, 0);
    for body in [
        json!({"token_format": "jwt"}),
        json!({"token_format": "jwt", "seconds_until_expiration": null, "claims": null}),
    ] {
        let token = create(&emulator, &key, body);
        let jwt = token["token"].as_str().unwrap();
        let payload: Value = serde_json::from_slice(&b64(jwt.split('.').nth(1).unwrap())).unwrap();
        assert_eq!(
            payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
            900
        );
        assert!(token["claims"].is_null());
        assert_eq!(
            payload.as_object().unwrap().len(),
            6,
            "nothing added: {payload}"
        );
    }
}

#[test]
fn jwts_verify_on_the_server_but_are_not_stored() {
    let emulator = emulator();
    let a_key = machine_key(&emulator, 0);
    let b_key = machine_key(&emulator, 1);
    let token = create(
        &emulator,
        &a_key,
        json!({"token_format": "jwt", "seconds_until_expiration": 60, "claims": {"role": "x"}}),
    );
    let jwt = token["token"].as_str().unwrap();
    let verified = verify(&emulator, &b_key, jwt);
    assert_eq!(verified.status, 200);
    let verified = verified.json();
    assert_token_shape(&verified, false);
    assert_eq!(verified["id"], token["id"]);
    assert_eq!(verified["claims"], json!({"role": "x"}));
    assert_eq!(verified["expiration"], token["expiration"]);
    // Not listed, not revocable.
    assert_eq!(emulator.stored_tokens(), 0);
    assert_eq!(
        revoke(
            &emulator,
            &a_key,
            token["id"].as_str().unwrap(),
            Value::Null
        )
        .status,
        404
    );
    // Tampered or foreign JWTs do not verify.
    let mut tampered: Vec<&str> = jwt.split('.').collect();
    let forged_payload = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"mch_x","exp":99999999999}"#)
    };
    tampered[1] = &forged_payload;
    assert_eq!(verify(&emulator, &b_key, &tampered.join(".")).status, 404);
    let other = Emulator::builder()
        .signing_key(shared_signing_key())
        .start()
        .unwrap();
    let foreign = create(
        &other,
        &machine_key(&other, 0),
        json!({"token_format": "jwt"}),
    );
    assert_eq!(
        verify(&emulator, &b_key, foreign["token"].as_str().unwrap()).status,
        404
    );
    // Expiry on the emulated clock.
    emulator.advance(Duration::from_secs(60));
    let expired = verify(&emulator, &b_key, jwt);
    assert_eq!(expired.status, 404);
}

#[test]
fn jwks_needs_the_instance_key() {
    let emulator = emulator();
    for path in ["/v1/jwks", "/jwks"] {
        let machine = call(
            &emulator,
            "GET",
            path,
            Some(&machine_key(&emulator, 0)),
            None,
        );
        assert_eq!(
            (machine.status, machine.error_code()),
            (401, "clerk_key_invalid".into())
        );
        let none = call(&emulator, "GET", path, None, None);
        assert_eq!(none.status, 401);
        none.error_code();
        assert_eq!(
            call(&emulator, "GET", path, Some(&instance_key(&emulator)), None).status,
            200
        );
    }
}

// ---- paths, versions, framework errors --------------------------------------------

#[test]
fn v1_prefix_and_api_versions() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    let subject = emulator.machines()[0].id().to_owned();
    let token = call(
        &emulator,
        "POST",
        "/v1/m2m_tokens",
        Some(&key),
        Some(&json!({})),
    )
    .json();
    let id = token["id"].as_str().unwrap();
    assert_eq!(
        list(&emulator, &key, &format!("subject={subject}")).json()["total_count"],
        1
    );
    let v1_list = call(
        &emulator,
        "GET",
        &format!("/v1/m2m_tokens?subject={subject}"),
        Some(&key),
        None,
    );
    assert_eq!(v1_list.json()["total_count"], 1);
    let v1_verify = call(
        &emulator,
        "POST",
        "/v1/m2m_tokens/verify",
        Some(&machine_key(&emulator, 1)),
        Some(&json!({"token": token["token"]})),
    );
    assert_eq!(v1_verify.status, 200);
    let v1_revoke = call(
        &emulator,
        "POST",
        &format!("/v1/m2m_tokens/{id}/revoke"),
        Some(&key),
        Some(&json!({})),
    );
    assert_eq!(v1_revoke.status, 200);

    let mut conn = Conn::open(emulator.addr()).unwrap();
    let auth = format!("Bearer {key}");
    for version in ["2026-05-12", "2025-11-10"] {
        let reply = conn
            .send(
                "GET",
                &format!("/m2m_tokens?subject={subject}"),
                &[("Authorization", &auth), ("Clerk-API-Version", version)],
                None,
            )
            .unwrap();
        assert_eq!(reply.status, 200, "{version}");
    }
    let bad = conn
        .send(
            "GET",
            &format!("/m2m_tokens?subject={subject}"),
            &[("Authorization", &auth), ("Clerk-API-Version", "latest")],
            None,
        )
        .unwrap();
    assert_eq!(
        (bad.status, bad.error_code()),
        (400, "api_version_invalid".into())
    );
}

#[test]
fn framework_errors_use_clerks_envelope() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    let auth = format!("Bearer {key}");
    let mut conn = Conn::open(emulator.addr()).unwrap();
    let json_headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];

    let bad_json = conn
        .send("POST", "/m2m_tokens", &json_headers, Some(b"{\"claims\":"))
        .unwrap();
    assert_eq!(
        (bad_json.status, bad_json.error_code()),
        (400, "request_body_invalid".into())
    );
    let array = conn
        .send("POST", "/m2m_tokens", &json_headers, Some(b"[]"))
        .unwrap();
    assert_eq!(
        (array.status, array.error_code()),
        (400, "request_body_invalid".into())
    );
    let text = conn
        .send(
            "POST",
            "/m2m_tokens",
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "text/plain"),
            ],
            Some(b"{}"),
        )
        .unwrap();
    assert_eq!(
        (text.status, text.error_code()),
        (415, "unsupported_media_type".into())
    );
    let no_type = conn
        .send(
            "POST",
            "/m2m_tokens/verify",
            &[("Authorization", auth.as_str())],
            Some(b"{\"token\":\"x\"}"),
        )
        .unwrap();
    assert_eq!(no_type.status, 415);
    no_type.error_code();
    let huge = vec![b' '; 1024 * 1024 + 10];
    let too_large = conn
        .send("POST", "/m2m_tokens", &json_headers, Some(&huge))
        .unwrap();
    assert_eq!(
        (too_large.status, too_large.error_code()),
        (413, "request_body_too_large".into())
    );

    let fresh = || Conn::open(emulator.addr()).unwrap();
    for (method, path) in [
        ("GET", "/nope"),
        ("GET", "/m2m_tokens/"),
        ("POST", "/v2/m2m_tokens"),
        ("GET", "/"),
    ] {
        let reply = fresh()
            .send(method, path, &[("Authorization", auth.as_str())], None)
            .unwrap();
        assert_eq!(
            (reply.status, reply.error_code()),
            (404, "resource_not_found".into()),
            "{method} {path}"
        );
    }
    for (method, path, allow) in [
        ("DELETE", "/m2m_tokens", "GET, POST"),
        ("PUT", "/v1/m2m_tokens", "GET, POST"),
        ("GET", "/m2m_tokens/verify", "POST"),
        (
            "GET",
            "/m2m_tokens/mt_00000000000000000000000000000000/revoke",
            "POST",
        ),
        ("POST", "/v1/jwks", "GET"),
    ] {
        let reply = fresh()
            .send(method, path, &[("Authorization", auth.as_str())], None)
            .unwrap();
        assert_eq!(
            (reply.status, reply.error_code()),
            (405, "method_not_allowed".into()),
            "{method} {path}"
        );
        assert_eq!(reply.header("allow"), Some(allow));
    }
}

#[test]
fn keep_alive_connection_serves_many_requests() {
    let emulator = emulator();
    let key = machine_key(&emulator, 0);
    let auth = format!("Bearer {key}");
    let mut conn = Conn::open(emulator.addr()).unwrap();
    for _ in 0..20 {
        let reply = conn
            .send(
                "POST",
                "/m2m_tokens",
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                ],
                Some(br#"{"seconds_until_expiration":null,"claims":null,"token_format":"opaque"}"#),
            )
            .unwrap();
        assert_eq!(reply.status, 201);
    }
    assert_eq!(emulator.stored_tokens(), 20);
    assert_eq!(emulator.requests_received(), 20);
}
