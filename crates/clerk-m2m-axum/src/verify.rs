//! The one call that verifies a token.

use clerk_m2m_async::Client;
use clerk_m2m_types::{Error, M2mToken, VerifyTokenParams};

/// Verifies `token` as [`Client::verify_token`] routes it: an M2M JWT
/// locally, anything else through `POST /m2m_tokens/verify`.
///
/// Kept alone so the call can move to a borrowing verify path without
/// touching the layer (today the params take their own copy of the token).
pub(crate) async fn verify_token(client: &Client, token: &str) -> Result<M2mToken, Error> {
    client.verify_token(VerifyTokenParams::new(token)).await
}
