//! The three create calls of Clerk's `createToken()` documentation, in Rust:
//! a default (opaque) token, a JWT-format token, and a token created with a
//! machine secret key given for this one call.
//!
//! ```sh
//! cargo run --example create_tokens    # local emulator unless CLERK_MACHINE_SECRET_KEY is set
//! ```

use clerk_m2m::{Client, CreateTokenParams, TokenFormat};
use clerk_m2m_emulator::Emulator;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Against Clerk when a key is configured; otherwise against a local emulator.
    let (client, other_machine_key, _emulator) =
        if std::env::var_os("CLERK_MACHINE_SECRET_KEY").is_some() {
            let other = std::env::var("OTHER_MACHINE_SECRET_KEY").ok();
            (Client::from_env()?, other, None)
        } else {
            let emulator = Emulator::start()?;
            println!(
                "No CLERK_MACHINE_SECRET_KEY set: using the built-in local emulator at {}",
                emulator.url()
            );
            let machines = emulator.machines();
            let client = Client::builder()
                .base_url(emulator.url())
                .machine_secret_key(machines[0].secret_key().clone())
                .build()?;
            let other = Some(machines[1].secret_key().expose_secret().to_owned());
            (client, other, Some(emulator))
        };

    // 1. Defaults: an opaque token that never expires.
    let opaque = client.create_token(CreateTokenParams::new()).await?;
    println!("opaque token {} for {}", opaque.id, opaque.subject);

    // 2. A JWT-format token.
    let jwt = client
        .create_token(CreateTokenParams::new().token_format(TokenFormat::Jwt))
        .await?;
    println!("JWT token {} for {}", jwt.id, jwt.subject);

    // 3. With another machine's secret key, for this call only.
    if let Some(key) = other_machine_key {
        let token = client
            .create_token(CreateTokenParams::new().machine_secret_key(key))
            .await?;
        println!("token {} for {} (per-call key)", token.id, token.subject);
    }
    Ok(())
}
