//! A router-wide layer plus a per-route scope requirement verify each
//! request once: counted at the emulator, which sees every verify call.

mod support;

use axum::routing::get;
use axum::Router;
use clerk_m2m_axum::{M2mAuthLayer, RequireScope};
use clerk_m2m_emulator::Emulator;
use support::*;

#[tokio::test]
async fn a_route_requirement_reads_what_the_router_layer_verified() {
    let emulator = Emulator::start().unwrap();
    let receiver = machine_id(&emulator, RECEIVER);
    let caller = machine_id(&emulator, CALLER);
    let app = Router::new()
        .route("/whoami", get(whoami))
        .route(
            "/scoped/whoami",
            get(whoami).route_layer(RequireScope::new(receiver.clone())),
        )
        .route(
            "/for-a/whoami",
            get(whoami).route_layer(RequireScope::new(caller.clone())),
        )
        .layer(M2mAuthLayer::new(receiver_client(&emulator)));
    let url = serve(app).await;
    let (_, token) = mint_opaque(&emulator).await;

    let before = emulator.requests_received();
    for _ in 0..5 {
        let answer = get_bearer(&format!("{url}/scoped/whoami"), &token).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.body["machine_id"], caller);
    }
    assert_eq!(
        emulator.requests_received() - before,
        5,
        "one verify call per request"
    );

    // A refusal by the route's requirement costs no second verification either.
    let before = emulator.requests_received();
    let answer = get_bearer(&format!("{url}/for-a/whoami"), &token).await;
    answer.assert_insufficient_scope(&caller);
    assert_eq!(emulator.requests_received() - before, 1);

    // An invalid token is refused by the router layer before the route's requirement.
    let before = emulator.requests_received();
    let answer = get_bearer(&format!("{url}/scoped/whoami"), "mt_unknown").await;
    answer.assert_invalid_token("token-invalid");
    assert_eq!(emulator.requests_received() - before, 1);
}

#[tokio::test]
async fn route_requirements_follow_the_layers_jwt_scope_trust() {
    let emulator = Emulator::start().unwrap();
    let receiver = machine_id(&emulator, RECEIVER);
    let (_, jwt) = mint(
        &emulator,
        CALLER,
        clerk_m2m_async::CreateTokenParams::new()
            .token_format(clerk_m2m_async::TokenFormat::Jwt)
            .claims(serde_json::json!({ "scopes": receiver })),
    )
    .await;
    let app = |layer: M2mAuthLayer| {
        Router::new()
            .route(
                "/scoped/whoami",
                get(whoami).route_layer(RequireScope::new(receiver.clone())),
            )
            .layer(layer)
    };

    let strict = serve(app(M2mAuthLayer::new(receiver_client(&emulator)))).await;
    let answer = get_bearer(&format!("{strict}/scoped/whoami"), &jwt).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(answer.body["error"], "insufficient_scope");

    let trusting = M2mAuthLayer::new(receiver_client(&emulator)).trust_jwt_scopes(true);
    let trusting = serve(app(trusting)).await;
    let answer = get_bearer(&format!("{trusting}/scoped/whoami"), &jwt).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["verified_locally"], true);
}
