//! The opaque tokens of an instance, in creation order, indexed by id,
//! value and subject.
//!
//! JWT-format tokens are never stored (Clerk does not list or revoke them).
//! One mutex guards the whole store; it is held only for in-memory work.

use clerk_m2m_types::M2mToken;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A stored opaque token.
pub(crate) struct Record {
    /// The token as the API shows it (no `token` field; `expired` computed on read).
    pub(crate) token: M2mToken,
    /// The secret value, `mt_…`.
    pub(crate) value: String,
}

impl Record {
    /// Expired from the exact millisecond of its expiration on.
    pub(crate) fn is_expired(&self, now_ms: i64) -> bool {
        self.token
            .expiration
            .is_some_and(|expiration| expiration <= now_ms)
    }

    /// The token as the API shows it at `now_ms`.
    pub(crate) fn snapshot(&self, now_ms: i64) -> M2mToken {
        let mut token = self.token.clone();
        token.expired = self.is_expired(now_ms);
        token
    }
}

/// The indexed collection (what the lock guards).
#[derive(Default)]
pub(crate) struct Tokens {
    records: Vec<Record>,
    by_id: HashMap<String, usize>,
    by_value: HashMap<String, usize>,
    by_subject: HashMap<String, Vec<usize>>,
    /// The scopes of each JWT created, by `jti`: a JWT is not stored, but
    /// its scopes are fixed when it is created, like an opaque token's.
    jwt_scopes: HashMap<String, Vec<String>>,
}

impl Tokens {
    /// Stores a token; the caller makes sure its id and value are new.
    pub(crate) fn insert(&mut self, token: M2mToken, value: String) {
        let index = self.records.len();
        self.by_id.insert(token.id.clone(), index);
        self.by_value.insert(value.clone(), index);
        self.by_subject
            .entry(token.subject.clone())
            .or_default()
            .push(index);
        self.records.push(Record { token, value });
    }

    /// Remembers the scopes of the JWT `jti`.
    pub(crate) fn remember_jwt_scopes(&mut self, jti: &str, scopes: Vec<String>) {
        self.jwt_scopes.insert(jti.to_owned(), scopes);
    }

    /// The scopes the JWT `jti` was created with, if this store saw it created.
    pub(crate) fn jwt_scopes(&self, jti: &str) -> Option<&[String]> {
        self.jwt_scopes.get(jti).map(Vec::as_slice)
    }

    /// Whether a token has this id or this value.
    pub(crate) fn is_taken(&self, id: &str, value: &str) -> bool {
        self.by_id.contains_key(id) || self.by_value.contains_key(value)
    }

    /// The subject's tokens, last created first.
    pub(crate) fn newest_first<'a>(
        &'a self,
        subject: &str,
    ) -> impl Iterator<Item = &'a Record> + 'a {
        self.by_subject
            .get(subject)
            .into_iter()
            .flat_map(|indices| indices.iter().rev())
            .map(|&index| &self.records[index])
    }

    /// The token with this id.
    pub(crate) fn by_id_mut(&mut self, id: &str) -> Option<&mut Record> {
        let index = *self.by_id.get(id)?;
        self.records.get_mut(index)
    }

    /// The token with this secret value.
    pub(crate) fn by_value_mut(&mut self, value: &str) -> Option<&mut Record> {
        let index = *self.by_value.get(value)?;
        self.records.get_mut(index)
    }

    /// Every token, in creation order.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Record> {
        self.records.iter()
    }

    /// How many tokens are stored (all subjects, any state).
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }
}

/// The store: [`Tokens`] behind one mutex.
#[derive(Default)]
pub(crate) struct TokenStore {
    tokens: Mutex<Tokens>,
}

impl TokenStore {
    pub(crate) fn new(tokens: Tokens) -> Self {
        Self {
            tokens: Mutex::new(tokens),
        }
    }

    /// Replaces every token at once (reset, state import).
    pub(crate) fn replace(&self, tokens: Tokens) {
        *self.lock() = tokens;
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: &str, subject: &str) -> M2mToken {
        M2mToken::new(id, subject, 1_000)
    }

    #[test]
    fn indexes_follow_inserts() {
        let mut tokens = Tokens::default();
        tokens.insert(token("mt_1", "mch_a"), "mt_value_1".into());
        tokens.insert(token("mt_2", "mch_b"), "mt_value_2".into());
        tokens.insert(token("mt_3", "mch_a"), "mt_value_3".into());
        assert_eq!(tokens.len(), 3);
        let ids: Vec<&str> = tokens
            .newest_first("mch_a")
            .map(|record| record.token.id.as_str())
            .collect();
        assert_eq!(ids, ["mt_3", "mt_1"]);
        assert_eq!(tokens.newest_first("mch_c").count(), 0);
        assert!(tokens.is_taken("mt_2", "other"));
        assert!(tokens.is_taken("other", "mt_value_2"));
        assert!(!tokens.is_taken("mt_9", "mt_value_9"));
        assert_eq!(
            tokens
                .by_value_mut("mt_value_2")
                .map(|r| r.token.id.clone()),
            Some("mt_2".into())
        );
        assert!(tokens.by_id_mut("mt_9").is_none());
        let store = TokenStore::new(tokens);
        assert_eq!(store.lock().all().count(), 3);
        store.replace(Tokens::default());
        assert_eq!(store.lock().len(), 0);
    }

    #[test]
    fn expiry_is_exclusive_of_the_expiration_millisecond() {
        let mut expiring = token("mt_1", "mch_a");
        expiring.expiration = Some(5_000);
        let record = Record {
            token: expiring,
            value: "mt_v".into(),
        };
        assert!(!record.is_expired(4_999));
        assert!(record.is_expired(5_000));
        assert!(record.snapshot(5_000).expired);
        let never = Record {
            token: token("mt_2", "mch_a"),
            value: "mt_w".into(),
        };
        assert!(!never.is_expired(i64::MAX));
    }
}
