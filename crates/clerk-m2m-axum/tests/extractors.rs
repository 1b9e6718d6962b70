//! The extractors and the per-route requirement in the corner cases:
//! passthrough, no layer at all, a custom realm and body.

mod support;

use axum::routing::get;
use axum::Router;
use clerk_m2m_axum::{M2mAuthLayer, Realm, RejectionBody, RequireScope, VerifiedMachine};
use clerk_m2m_emulator::Emulator;
use http::HeaderValue;
use support::*;

async fn maybe(machine: Option<VerifiedMachine>) -> String {
    match machine {
        Some(machine) => format!("machine {}", machine.machine_id()),
        None => "anonymous".to_owned(),
    }
}

#[tokio::test]
async fn passthrough_lets_requests_without_credentials_reach_the_handler() {
    let emulator = Emulator::start().unwrap();
    let receiver = machine_id(&emulator, RECEIVER);
    let app = Router::new()
        .route("/maybe", get(maybe))
        .route("/whoami", get(whoami))
        .route(
            "/scoped",
            get(whoami).route_layer(RequireScope::new(receiver)),
        )
        .layer(M2mAuthLayer::new(receiver_client(&emulator)).passthrough(true));
    let url = serve(app).await;
    let (_, token) = mint_opaque(&emulator).await;

    let anonymous = get_with(&format!("{url}/maybe"), &[]).await;
    assert_eq!(
        (anonymous.status, anonymous.body.as_str()),
        (200, Some("anonymous"))
    );
    let other_scheme = get_with(&format!("{url}/maybe"), &["Basic dXNlcjpwYXNz"]).await;
    assert_eq!(other_scheme.body.as_str(), Some("anonymous"));
    let known = get_bearer(&format!("{url}/maybe"), &token).await;
    assert_eq!(
        known.body.as_str(),
        Some(format!("machine {}", machine_id(&emulator, CALLER)).as_str())
    );

    // A bearer token that fails is still refused.
    let bad = get_bearer(&format!("{url}/maybe"), "mt_unknown").await;
    bad.assert_invalid_token("token-invalid");
    let empty = get_with(&format!("{url}/maybe"), &["Bearer "]).await;
    empty.assert_invalid_request();

    // Routes that need a machine answer what the layer would have.
    for route in ["/whoami", "/scoped"] {
        let answer = get_with(&format!("{url}{route}"), &[]).await;
        answer.assert_no_credentials();
        assert_eq!(answer.body["message"], "no Authorization header");
    }
}

#[tokio::test]
async fn a_route_without_the_layer_is_our_fault_500() {
    let emulator = Emulator::start().unwrap();
    let app = Router::new()
        .route("/whoami", get(whoami))
        .route("/maybe", get(maybe))
        .route(
            "/scoped",
            get(|| async { "unreachable" }).route_layer(RequireScope::new("mch_x")),
        );
    let url = serve(app).await;
    let (_, token) = mint_opaque(&emulator).await;
    for route in ["/whoami", "/maybe", "/scoped"] {
        let answer = get_bearer(&format!("{url}{route}"), &token).await;
        answer.assert_our_fault(500, "unexpected-error");
    }
}

#[tokio::test]
async fn a_custom_realm_and_body_apply_to_every_answer() {
    let emulator = Emulator::start().unwrap();
    let layer = M2mAuthLayer::new(receiver_client(&emulator))
        .realm(Realm::new(r#"billing "v2""#).unwrap())
        .rejection_body(|rejection| {
            RejectionBody::new(
                HeaderValue::from_static("text/plain; charset=utf-8"),
                format!("{} {}", rejection.status().as_u16(), rejection.code()),
            )
        });
    let app = Router::new()
        .route(
            "/scoped",
            get(whoami).route_layer(RequireScope::new(machine_id(&emulator, CALLER))),
        )
        .layer(layer);
    let url = serve(app).await;

    let missing = get_with(&format!("{url}/scoped"), &[]).await;
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.challenge.as_deref(),
        Some(r#"Bearer realm="billing \"v2\"""#)
    );
    assert_eq!(
        missing.content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(missing.body.as_str(), Some("401 token-invalid"));

    // The route's own refusal uses the layer's style too.
    let (_, token) = mint_opaque(&emulator).await;
    let unscoped = get_bearer(&format!("{url}/scoped"), &token).await;
    assert_eq!(unscoped.status, 403);
    assert_eq!(unscoped.body.as_str(), Some("403 token-invalid"));
    assert!(unscoped
        .challenge
        .as_deref()
        .unwrap()
        .starts_with(r#"Bearer realm="billing \"v2\"", error="insufficient_scope""#));
}
