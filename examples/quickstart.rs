//! The M2M round trip: create, verify, list, revoke — against Clerk's API, or
//! the built-in local emulator when no key is configured.
//!
//! ```sh
//! cargo run --example quickstart                          # local emulator, no account needed
//! CLERK_MACHINE_SECRET_KEY=ak_… cargo run --example quickstart   # the real Backend API
//! ```
//!
//! With the real API, the receiving service verifies with
//! `CLERK_RECEIVER_MACHINE_SECRET_KEY` (a machine in the token's scopes),
//! else `CLERK_SECRET_KEY`, else machine A's own key. The JWT is verified
//! locally, with no API call: with the emulator's instance key (its JWKS), or
//! against the real API only when `CLERK_JWT_KEY` (a PEM public key) or
//! `CLERK_SECRET_KEY` (to fetch the JWKS) is set.

use clerk_m2m::{
    Client, CreateTokenParams, ListTokensParams, RevokeTokenParams, TokenFormat, VerifyTokenParams,
};
use clerk_m2m_emulator::{Emulator, EmulatorHandle};
use serde_json::json;
use std::error::Error;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the calls go and with which keys.
struct Target {
    base_url: Option<String>,
    caller_key: String,
    receiver_key: String,
    /// Verifies JWTs locally, or why it cannot.
    jwt_verifier: Result<Client, &'static str>,
    /// Keeps the in-process emulator running while the example runs.
    _emulator: Option<EmulatorHandle>,
}

fn target() -> Result<Target, Box<dyn Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    if let Some(caller_key) = env("CLERK_MACHINE_SECRET_KEY") {
        println!(
            "Using the Clerk Backend API ({})",
            env("CLERK_API_URL").unwrap_or_else(|| "https://api.clerk.com".into())
        );
        let receiver_key = env("CLERK_RECEIVER_MACHINE_SECRET_KEY")
            .or_else(|| env("CLERK_SECRET_KEY"))
            .unwrap_or_else(|| caller_key.clone());
        let jwt_verifier = if env("CLERK_JWT_KEY").is_some() || env("CLERK_SECRET_KEY").is_some() {
            Ok(Client::from_env()?)
        } else {
            Err("set CLERK_JWT_KEY (PEM public key) or CLERK_SECRET_KEY (to fetch the JWKS)")
        };
        return Ok(Target {
            base_url: env("CLERK_API_URL"),
            caller_key,
            receiver_key,
            jwt_verifier,
            _emulator: None,
        });
    }
    let emulator = Emulator::start()?;
    println!(
        "No CLERK_MACHINE_SECRET_KEY set: using the built-in local emulator at {}",
        emulator.url()
    );
    let machines = emulator.machines();
    // The receiving service's JWKS comes from the instance key.
    let jwt_verifier = Client::builder()
        .base_url(emulator.url())
        .secret_key(emulator.secret_key().clone())
        .build()?;
    Ok(Target {
        base_url: Some(emulator.url().to_owned()),
        caller_key: machines[0].secret_key().expose_secret().to_owned(),
        receiver_key: machines[1].secret_key().expose_secret().to_owned(),
        jwt_verifier: Ok(jwt_verifier),
        _emulator: Some(emulator),
    })
}

fn client(base_url: Option<&str>, key: &str) -> Result<Client, Box<dyn Error>> {
    let mut builder = Client::builder().machine_secret_key(key);
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    Ok(builder.build()?)
}

fn seconds_left(expiration_ms: Option<i64>) -> String {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    match expiration_ms {
        Some(at) => format!("expires in {} s", (at - now_ms) / 1000),
        None => "never expires".into(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = target()?;
    let base_url = target.base_url.as_deref();
    let machine_a = client(base_url, &target.caller_key)?;
    let machine_b = client(base_url, &target.receiver_key)?;

    // 1. The calling service (machine A) creates an opaque token with claims.
    let opaque = machine_a
        .create_token(
            CreateTokenParams::new()
                .seconds_until_expiration(3600)
                .claims(json!({"role": "reader", "tenantId": "t_42"})),
        )
        .await?;
    println!(
        "1. created opaque token {} for {} ({})",
        opaque.id,
        opaque.subject,
        seconds_left(opaque.expiration)
    );

    // 2. …and a JWT-format token, verifiable without a network call.
    let jwt = machine_a
        .create_token(
            CreateTokenParams::new()
                .token_format(TokenFormat::Jwt)
                .seconds_until_expiration(600),
        )
        .await?;
    let jwt_value = jwt
        .token
        .clone()
        .ok_or("create answered without a token value")?;
    println!(
        "2. created JWT token {} ({} bytes, {})",
        jwt.id,
        jwt_value.expose_secret().len(),
        seconds_left(jwt.expiration)
    );

    // 3. The receiving service (machine B) verifies the opaque token.
    let opaque_value = opaque
        .token
        .clone()
        .ok_or("create answered without a token value")?;
    let verified = machine_b
        .verify_token(VerifyTokenParams::new(opaque_value.clone()))
        .await?;
    println!(
        "3. machine B verified {}: subject {}, claims {}",
        verified.id,
        verified.subject,
        verified.claims.clone().unwrap_or_default()
    );

    // 4. Machine A lists its live tokens.
    let list = machine_a
        .list_tokens(ListTokensParams::new(opaque.subject.clone()).limit(10))
        .await?;
    println!(
        "4. machine A has {} live token(s); newest: {}",
        list.total_count,
        list.tokens.first().map_or("-", |t| t.id.as_str())
    );

    // 5. Revoke the opaque token…
    let revoked = machine_a
        .revoke_token(
            RevokeTokenParams::new(opaque.id.clone()).revocation_reason("quickstart done"),
        )
        .await?;
    println!(
        "5. revoked {} (reason: {})",
        revoked.id,
        revoked.revocation_reason.as_deref().unwrap_or("-")
    );

    // 6. …and it no longer verifies.
    match machine_b
        .verify_token(VerifyTokenParams::new(opaque_value))
        .await
    {
        Ok(token) => return Err(format!("revoked token {} still verifies", token.id).into()),
        Err(error) => println!(
            "6. the revoked token is rejected: {} {}",
            error
                .status()
                .map_or_else(|| "-".to_owned(), |status| status.to_string()),
            error.code().unwrap_or("-")
        ),
    }

    // 7. The receiving service verifies the JWT locally: signature and claims
    //    against the instance's public key, no API call per token.
    match &target.jwt_verifier {
        Ok(verifier) => {
            let local = verifier
                .verify_token(VerifyTokenParams::new(jwt_value))
                .await?;
            println!(
                "7. verified JWT {} locally: subject {}, {}",
                local.id,
                local.subject,
                seconds_left(local.expiration)
            );
        }
        Err(why) => println!("7. skipped local JWT verification: {why}"),
    }
    Ok(())
}
