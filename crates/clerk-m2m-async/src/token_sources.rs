//! One `TokenSource` per distinct create, for a service that calls several
//! audiences.

use crate::{Client, TokenSource};
use clerk_m2m_types::token_cache::{PerCreate, TokenSourceSettings};
use clerk_m2m_types::CreateTokenParams;
use std::sync::Arc;

/// One cached token per distinct create (key, format, claims, lifetime,
/// `min_remaining_ttl_seconds`; see
/// [`CreateKey`](clerk_m2m_types::token_cache::CreateKey)): a service that
/// calls two audiences with different claims keeps two tokens, and every
/// caller asking for the same create shares one.
///
/// Cheap to clone; clones share the sources.
///
/// ```
/// use clerk_m2m_async::{Client, CreateTokenParams, TokenSources, TransportError};
/// use serde_json::json;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let transport = |_request: http::Request<Vec<u8>>| async {
///     let token = r#"{"id":"mt_0123456789abcdef0123456789abcdef","subject":"mch_1",
///         "token":"mt_secret_value","expiration":null,"created_at":1,"updated_at":1}"#;
///     http::Response::builder()
///         .status(201)
///         .body(token.as_bytes().to_vec())
///         .map_err(TransportError::other)
/// };
/// let client = Client::builder()
///     .machine_secret_key("ak_test_example")
///     .transport(transport)
///     .build()?;
/// let sources = TokenSources::new(client);
/// let billing = sources.get(CreateTokenParams::new().claims(json!({"aud": "billing"})));
/// let search = sources.get(CreateTokenParams::new().claims(json!({"aud": "search"})));
/// billing.get().await?;
/// search.get().await?;
/// sources.get(CreateTokenParams::new().claims(json!({"aud": "billing"}))).get().await?;
/// assert_eq!(sources.len(), 2);
/// assert_eq!((billing.tokens_created(), search.tokens_created()), (1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TokenSources {
    client: Client,
    settings: TokenSourceSettings,
    sources: Arc<PerCreate<TokenSource>>,
}

impl TokenSources {
    /// Sources over `client` with the default refresh policy and clock.
    pub fn new(client: Client) -> Self {
        Self::with_settings(client, TokenSourceSettings::new())
    }

    /// Sources over `client` whose refresh policy and clock come from
    /// `settings` (their params are each [`get`](Self::get)'s).
    pub fn with_settings(client: Client, settings: TokenSourceSettings) -> Self {
        Self {
            client,
            settings,
            sources: Arc::new(PerCreate::new()),
        }
    }

    /// The source for the create `params` describe: made on first use,
    /// shared after. Nothing is created until its first `get`.
    pub fn get(&self, params: CreateTokenParams) -> TokenSource {
        self.sources.get_or_insert_with(&params, || {
            let settings = self.settings.clone().params(params.clone());
            TokenSource::with_settings(self.client.clone(), settings)
        })
    }

    /// How many distinct creates have a source.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether no source has been made yet.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}
