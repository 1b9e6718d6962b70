//! Client settings and tokens for tests against the in-process emulator,
//! the same whichever client the test drives.
#![allow(dead_code)] // each test binary uses a different part of it

use clerk_m2m::{Config, ConfigBuilder};
use clerk_m2m_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, MintToken, SigningKey};
use std::sync::OnceLock;
use std::time::Duration;

/// An emulator builder signing with one RSA key generated once for the
/// whole test binary: each emulator is still its own instance, without
/// the cost of a key generation each.
pub fn emulator_builder() -> EmulatorBuilder {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    let key = KEY.get_or_init(|| SigningKey::generate().expect("an RSA key"));
    Emulator::builder().signing_key(key.clone())
}

/// A started [`emulator_builder`].
pub fn start_emulator() -> EmulatorHandle {
    emulator_builder().start().expect("emulator")
}

/// The config of a client calling `emulator` as its machine number
/// `machine` (its machine secret key).
pub fn machine_config(emulator: &EmulatorHandle, machine: usize) -> Config {
    Config::builder()
        .base_url(emulator.url())
        .machine_secret_key(emulator.machines()[machine].secret_key().clone())
        .build()
        .expect("config")
}

/// A config builder for a client calling `emulator` with its instance
/// secret key (JWTs verify with the instance's JWKS), for more settings.
pub fn instance_config_builder(emulator: &EmulatorHandle) -> ConfigBuilder {
    Config::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
}

/// A one-hour M2M JWT of the first machine, with `claims` (an object),
/// minted by `emulator` as a create by that machine would.
pub fn mint_jwt(emulator: &EmulatorHandle, claims: serde_json::Value) -> String {
    let serde_json::Value::Object(claims) = claims else {
        panic!("claims are an object, got {claims}");
    };
    let request = MintToken::new(emulator.machines()[0].id())
        .jwt()
        .expires_in(Duration::from_secs(3600))
        .claims(claims);
    emulator
        .mint_token(&request)
        .expect("mint a JWT")
        .token
        .expect("the token's value")
        .expose_secret()
        .to_owned()
}
