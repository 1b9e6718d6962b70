//! One token source per distinct create: a service that calls two audiences
//! with different claims keeps two tokens.

use super::{CreateKey, TokenSourceSettings};
use crate::CreateTokenParams;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A client's token source, as [`TokenSources`] makes it.
pub trait NewTokenSource: Clone {
    /// The client it creates tokens with.
    type Client: Clone + fmt::Debug;

    /// A source over `client` with `settings`; nothing is created yet.
    fn new_source(client: Self::Client, settings: TokenSourceSettings) -> Self;
}

/// One cached token per distinct create (key, format, claims, lifetime,
/// `min_remaining_ttl_seconds`; see [`CreateKey`]): every caller asking for
/// the same create shares one source `S` (a client's `TokenSource`), made
/// on first use.
///
/// Each client names it `TokenSources`. Cheap to clone; clones share the
/// sources.
pub struct TokenSources<S: NewTokenSource> {
    client: S::Client,
    settings: TokenSourceSettings,
    sources: Arc<Mutex<HashMap<CreateKey, S>>>,
}

impl<S: NewTokenSource> Clone for TokenSources<S> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            settings: self.settings.clone(),
            sources: Arc::clone(&self.sources),
        }
    }
}

impl<S: NewTokenSource> fmt::Debug for TokenSources<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSources")
            .field("client", &self.client)
            .field("settings", &self.settings)
            .field("sources", &self.len())
            .finish()
    }
}

impl<S: NewTokenSource> TokenSources<S> {
    /// Sources over `client` with the default refresh policy and clock.
    pub fn new(client: S::Client) -> Self {
        Self::with_settings(client, TokenSourceSettings::new())
    }

    /// Sources over `client` whose refresh policy and clock come from
    /// `settings` (their params are each [`get`](Self::get)'s).
    pub fn with_settings(client: S::Client, settings: TokenSourceSettings) -> Self {
        Self {
            client,
            settings,
            sources: Arc::default(),
        }
    }

    /// The source for the create `params` describe: made on first use,
    /// shared after.
    pub fn get(&self, params: CreateTokenParams) -> S {
        self.lock()
            .entry(CreateKey::of(&params))
            .or_insert_with(|| {
                let settings = self.settings.clone().params(params);
                S::new_source(self.client.clone(), settings)
            })
            .clone()
    }

    /// How many distinct creates have a source.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no source has been made yet.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<CreateKey, S>> {
        self.sources.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A source that only remembers its params and a serial number.
    #[derive(Clone, Debug)]
    struct Made(u32, CreateTokenParams);

    impl NewTokenSource for Made {
        type Client = Arc<std::sync::atomic::AtomicU32>;

        fn new_source(client: Self::Client, settings: TokenSourceSettings) -> Self {
            let serial = client.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Made(serial, settings.get_params().clone())
        }
    }

    #[test]
    fn one_source_per_distinct_create() {
        let sources = TokenSources::<Made>::new(Arc::default());
        assert!(sources.is_empty());
        let billing = || CreateTokenParams::new().claims(json!({"aud": "billing", "v": 1}));
        let first = sources.get(billing());
        assert_eq!(first.0, 0);
        assert_eq!(
            first.1.claims_value(),
            Some(&json!({"aud": "billing", "v": 1}))
        );
        let reordered = CreateTokenParams::new().claims(json!({"v": 1, "aud": "billing"}));
        assert_eq!(sources.clone().get(reordered).0, 0, "shared by clones");
        assert_eq!(sources.get(billing().seconds_until_expiration(60)).0, 1);
        assert_eq!(sources.get(CreateTokenParams::new()).0, 2);
        assert_eq!(sources.get(billing()).0, 0);
        assert_eq!(sources.len(), 3);
    }
}
