//! No secret reaches `Debug` (`{:?}`, `{:#?}`) or `Display` (`{}`): sentinel
//! values in every key and token field, and in bodies the errors quote.

use clerk_m2m::driver::call::Call;
use clerk_m2m::{
    ApiError, Config, ConfigBuilder, CreateTokenParams, DecodeError, Endpoint, Error,
    ListTokensParams, M2mToken, M2mTokenList, RequestError, RevokeTokenParams, SecretString,
    TransportError, TransportErrorKind, VerifyTokenParams,
};
use std::fmt::{Debug, Display};
use std::time::SystemTime;

const MACHINE_KEY: &str = "ak_SENTINELmachinekey";
const INSTANCE_KEY: &str = "sk_test_SENTINELinstancekey";
const CALL_KEY: &str = "ak_SENTINELpercallkey";
const TOKEN: &str = "mt_SENTINELtokenvalue0123456789abcdefghijklmnopqrstuv";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJTRU5USU5FTCJ9.SENTINELsig";

fn assert_debug_clean(what: &str, value: &impl Debug) {
    for rendered in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(
            !rendered.contains("SENTINEL"),
            "{what} leaks in Debug: {rendered}"
        );
    }
}

fn assert_clean(what: &str, value: &(impl Debug + Display)) {
    assert_debug_clean(what, value);
    let shown = value.to_string();
    assert!(
        !shown.contains("SENTINEL"),
        "{what} leaks in Display: {shown}"
    );
}

fn config() -> Config {
    Config::builder()
        .machine_secret_key(MACHINE_KEY)
        .secret_key(INSTANCE_KEY)
        .build()
        .unwrap()
}

fn token() -> M2mToken {
    let mut token = M2mToken::new("mt_0123456789abcdef0123456789abcdef", "mch_1", 1);
    token.token = Some(SecretString::new(TOKEN));
    token
}

fn leaky_body() -> Vec<u8> {
    format!(r#"{{"token":"{TOKEN}","jwt":"{JWT}","key":"{MACHINE_KEY}","auth":"Bearer {INSTANCE_KEY}"}}"#).into_bytes()
}

#[test]
fn models_params_and_config() {
    assert_debug_clean("SecretString", &SecretString::new(MACHINE_KEY));
    assert_debug_clean("Config", &config());
    let builder: ConfigBuilder = Config::builder()
        .machine_secret_key(MACHINE_KEY)
        .secret_key(INSTANCE_KEY);
    assert_debug_clean("ConfigBuilder", &builder);
    assert_debug_clean("M2mToken", &token());
    assert_debug_clean("M2mTokenList", &M2mTokenList::new(vec![token()], 1));
    assert_debug_clean(
        "CreateTokenParams",
        &CreateTokenParams::new().machine_secret_key(CALL_KEY),
    );
    assert_debug_clean(
        "ListTokensParams",
        &ListTokensParams::new("mch_1").machine_secret_key(CALL_KEY),
    );
    assert_debug_clean(
        "RevokeTokenParams",
        &RevokeTokenParams::new("mt_x").machine_secret_key(CALL_KEY),
    );
    assert_debug_clean(
        "VerifyTokenParams",
        &VerifyTokenParams::new(TOKEN).machine_secret_key(CALL_KEY),
    );
    assert_debug_clean(
        "RevokeTokenParams(token value as id)",
        &RevokeTokenParams::new(TOKEN),
    );
    assert_debug_clean("RevokeTokenParams(jwt as id)", &RevokeTokenParams::new(JWT));
    assert_debug_clean(
        "ListTokensParams(token value as subject)",
        &ListTokensParams::new(TOKEN),
    );
    assert_debug_clean("VerifyTokenParams(jwt)", &VerifyTokenParams::new(JWT));
    let (call_config, params) = (config(), VerifyTokenParams::new(TOKEN));
    let call = Call::new(&call_config, &params, SystemTime::now()).unwrap();
    assert_debug_clean("Call", &call);
    let request = VerifyTokenParams::new(TOKEN)
        .build_request(&config())
        .unwrap();
    assert_debug_clean("built request headers", request.headers());
}

#[test]
fn every_error_variant() {
    let status = http::StatusCode::BAD_REQUEST;
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    let envelope = format!(
        r#"{{"errors":[{{"code":"x","message":"bad token {TOKEN}","long_message":"key {MACHINE_KEY} / {JWT}"}}],"clerk_trace_id":"t"}}"#
    );
    let api = ApiError::from_response(status, &headers, envelope.as_bytes());
    assert_clean("ApiError(envelope)", &api);
    let html = ApiError::from_response(
        http::StatusCode::BAD_GATEWAY,
        &http::HeaderMap::new(),
        &leaky_body(),
    );
    assert_clean("ApiError(snippet)", &html);
    let decode = DecodeError::new(
        http::StatusCode::OK,
        format!("invalid type: string \"{TOKEN}\""),
        &leaky_body(),
    );
    assert_clean("DecodeError", &decode);
    let transport = TransportError::new(TransportErrorKind::ConnectionLost);
    assert_clean("TransportError", &transport);

    let operation = clerk_m2m::Operation::VerifyToken;
    let errors = [
        Error::InvalidRequest {
            operation,
            source: RequestError::MissingSecretKey,
        },
        Error::Api {
            operation,
            attempts: 1,
            source: api,
        },
        Error::Api {
            operation,
            attempts: 1,
            source: html,
        },
        Error::Decode {
            operation,
            attempts: 1,
            source: decode,
        },
        Error::Transport {
            operation,
            attempts: 3,
            source: transport,
        },
    ];
    for error in &errors {
        assert_clean("Error", error);
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            assert!(
                !inner.to_string().contains("SENTINEL"),
                "source leaks: {inner}"
            );
            source = inner.source();
        }
    }
    let invalid_id = RevokeTokenParams::new(TOKEN)
        .build_request(&config())
        .unwrap_err();
    assert_clean("RequestError::InvalidTokenId", &invalid_id);
    let jwt_as_id = RevokeTokenParams::new(JWT)
        .build_request(&config())
        .unwrap_err();
    assert_clean("RequestError::InvalidTokenId(jwt)", &jwt_as_id);
    for subject in [TOKEN, JWT] {
        let token_as_subject = ListTokensParams::new(subject)
            .build_request(&config())
            .unwrap_err();
        assert!(matches!(
            token_as_subject,
            RequestError::InvalidMachineId { .. }
        ));
        assert_clean("RequestError::InvalidMachineId", &token_as_subject);
    }
    for error in [
        RequestError::MissingSecretKey,
        RequestError::InstanceKeyCannotCreate,
        RequestError::InvalidSecretKey,
        RequestError::EmptyToken,
    ] {
        assert_clean("RequestError", &error);
    }
    let bad_key = Config::builder()
        .machine_secret_key("ak_SENTINEL\nbad")
        .build()
        .unwrap();
    let error = CreateTokenParams::new()
        .build_request(&bad_key)
        .unwrap_err();
    assert_clean("RequestError::InvalidSecretKey", &error);
}

#[test]
fn async_client_and_builder() {
    let builder = clerk_m2m::Client::builder()
        .machine_secret_key(MACHINE_KEY)
        .secret_key(INSTANCE_KEY);
    assert_debug_clean("async ClientBuilder", &builder);
    assert_debug_clean("async Client", &builder.build().unwrap());
}

#[test]
fn blocking_client_and_builder() {
    let builder = clerk_m2m::blocking::Client::builder()
        .machine_secret_key(MACHINE_KEY)
        .secret_key(INSTANCE_KEY);
    assert_debug_clean("blocking ClientBuilder", &builder);
    assert_debug_clean("blocking Client", &builder.build().unwrap());
}
