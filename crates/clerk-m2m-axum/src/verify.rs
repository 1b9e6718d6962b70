//! The one call that verifies a token.

use clerk_m2m_async::Client;
use clerk_m2m_types::{Error, M2mToken};

/// Verifies `token` as [`Client::verify_token`] routes it: an M2M JWT
/// locally, anything else through `POST /m2m_tokens/verify`. Borrows the
/// header's token: nothing is copied on the local path.
pub(crate) async fn verify_token(client: &Client, token: &str) -> Result<M2mToken, Error> {
    client.verify_token_str(token).await
}
