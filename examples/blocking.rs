//! The blocking client (ureq): no async runtime anywhere.
//!
//! ```sh
//! cargo run --example blocking    # local emulator unless CLERK_MACHINE_SECRET_KEY is set
//! ```

use clerk_m2m::blocking::Client;
use clerk_m2m::{CreateTokenParams, VerifyTokenParams};
use clerk_m2m_emulator::Emulator;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (caller, receiver, _emulator) = if std::env::var_os("CLERK_MACHINE_SECRET_KEY").is_some() {
        (Client::from_env()?, Client::from_env()?, None)
    } else {
        let emulator = Emulator::start()?;
        println!(
            "No CLERK_MACHINE_SECRET_KEY set: using the built-in local emulator at {}",
            emulator.url()
        );
        let client_for = |index: usize| {
            Client::builder()
                .base_url(emulator.url())
                .machine_secret_key(emulator.machines()[index].secret_key().clone())
                .build()
        };
        (client_for(0)?, client_for(1)?, Some(emulator))
    };

    let token = caller.create_token(
        CreateTokenParams::new()
            .seconds_until_expiration(300)
            .claims(json!({"job": "nightly-export"})),
    )?;
    let value = token.token.ok_or("create answered without a token value")?;
    println!("created {} for {}", token.id, token.subject);

    let verified = receiver.verify_token(VerifyTokenParams::new(value))?;
    println!(
        "verified {}: claims {}",
        verified.id,
        verified.claims.unwrap_or_default()
    );
    Ok(())
}
