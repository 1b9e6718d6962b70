//! The request journal: every API request that reached the emulator's
//! routing, in the order the emulator finished answering them.
//!
//! Entries name the caller by machine id (or `instance`), never by key, and
//! secret-shaped path segments and query values are replaced by
//! `[redacted]` before anything is stored.

use serde::Serialize;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

/// The most entries kept; the oldest go first.
pub(crate) const JOURNAL_CAPACITY: usize = 100_000;

/// What replaces a secret in a recorded path.
const REDACTED: &str = "[redacted]";

/// One API request as the journal records it
/// (`GET /_emulator/requests`, [`EmulatorHandle::journal`](crate::EmulatorHandle::journal)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct JournalEntry {
    /// Position in the journal, from 1, in the order answers were finished.
    /// It keeps counting across clears and resets.
    pub seq: u64,
    /// The HTTP method.
    pub method: String,
    /// The path with its query, secret-shaped parts replaced by `[redacted]`.
    pub path: String,
    /// The caller's machine id, `instance`, or `None` when no valid key was sent.
    pub caller: Option<String>,
    /// The status the emulator answered (for a dropped connection, the
    /// status it computed and never sent).
    pub status: u16,
    /// For `POST /m2m_tokens` that produced a token: its id.
    pub token_id: Option<String>,
}

/// A response extension: the id of the token a create produced.
#[derive(Debug, Clone)]
pub(crate) struct CreatedTokenId(pub(crate) String);

/// What the request pipeline hands over to record.
pub(crate) struct NewEntry {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) caller: Option<String>,
    pub(crate) status: u16,
    pub(crate) token_id: Option<String>,
}

#[derive(Default)]
struct Entries {
    entries: VecDeque<JournalEntry>,
    last_seq: u64,
}

/// The journal.
#[derive(Default)]
pub(crate) struct Journal {
    inner: Mutex<Entries>,
}

impl Journal {
    fn with<T>(&self, f: impl FnOnce(&mut Entries) -> T) -> T {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut inner)
    }

    /// Appends an entry and returns its `seq`.
    pub(crate) fn record(&self, entry: NewEntry) -> u64 {
        self.with(|journal| {
            journal.last_seq += 1;
            if journal.entries.len() == JOURNAL_CAPACITY {
                journal.entries.pop_front();
            }
            journal.entries.push_back(JournalEntry {
                seq: journal.last_seq,
                method: entry.method,
                path: entry.path,
                caller: entry.caller,
                status: entry.status,
                token_id: entry.token_id,
            });
            journal.last_seq
        })
    }

    /// The entries with `seq` greater than `since` (all with 0), in order.
    pub(crate) fn since(&self, since: u64) -> Vec<JournalEntry> {
        self.with(|journal| {
            // Entries are in seq order: skip the older ones quickly.
            let start = journal.entries.partition_point(|entry| entry.seq <= since);
            journal.entries.range(start..).cloned().collect()
        })
    }

    /// Drops every entry; `seq` keeps counting.
    pub(crate) fn clear(&self) {
        self.with(|journal| journal.entries.clear());
    }
}

/// Whether a path segment or query value looks like a secret: a key
/// (`sk_…`, `ak_…`), an opaque token value (`mt_…` that is not a token id)
/// or a JWT.
fn is_secret_shaped(text: &str) -> bool {
    let text = text.trim();
    if text.starts_with("sk_") || text.starts_with("ak_") {
        return true;
    }
    if text.starts_with("mt_") {
        return !clerk_m2m_types::is_token_id(text);
    }
    crate::jwt::looks_like_jwt(text) || text.starts_with("eyJ")
}

/// `path?query` with secret-shaped path segments and query values (raw
/// and percent-decoded) replaced by `[redacted]`.
pub(crate) fn redact_target(path: &str, query: Option<&str>) -> String {
    let mut out = String::with_capacity(path.len() + query.map_or(0, str::len) + 1);
    for (index, segment) in path.split('/').enumerate() {
        if index > 0 {
            out.push('/');
        }
        out.push_str(if is_secret_shaped(&decode(segment)) {
            REDACTED
        } else {
            segment
        });
    }
    if let Some(query) = query {
        out.push('?');
        for (index, pair) in query.split('&').enumerate() {
            if index > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, value)) if is_secret_shaped(&decode(value)) => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(REDACTED);
                }
                Some(_) => out.push_str(pair),
                None if is_secret_shaped(&decode(pair)) => out.push_str(REDACTED),
                None => out.push_str(pair),
            }
        }
    }
    out
}

/// Percent- and `+`-decoding, lossy (only to judge the shape); borrows
/// when there is nothing to decode (the usual case).
fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains(['%', '+']) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        index += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        index += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> NewEntry {
        NewEntry {
            method: "GET".into(),
            path: path.into(),
            caller: None,
            status: 200,
            token_id: None,
        }
    }

    #[test]
    fn sequence_since_and_clear() {
        let journal = Journal::default();
        assert_eq!(journal.record(entry("/a")), 1);
        assert_eq!(journal.record(entry("/b")), 2);
        assert_eq!(journal.record(entry("/c")), 3);
        let paths = |entries: Vec<JournalEntry>| -> Vec<String> {
            entries.into_iter().map(|entry| entry.path).collect()
        };
        assert_eq!(paths(journal.since(0)), ["/a", "/b", "/c"]);
        assert_eq!(paths(journal.since(2)), ["/c"]);
        assert!(journal.since(3).is_empty());
        journal.clear();
        assert!(journal.since(0).is_empty());
        assert_eq!(journal.record(entry("/d")), 4);
    }

    #[test]
    fn oldest_entries_go_first_at_capacity() {
        let journal = Journal::default();
        for _ in 0..JOURNAL_CAPACITY + 2 {
            journal.record(entry("/x"));
        }
        let entries = journal.since(0);
        assert_eq!(entries.len(), JOURNAL_CAPACITY);
        assert_eq!(entries[0].seq, 3);
    }

    #[test]
    fn secrets_are_redacted_ids_kept() {
        let id = "mt_0123456789abcdef0123456789abcdef";
        assert_eq!(
            redact_target(&format!("/m2m_tokens/{id}/revoke"), None),
            format!("/m2m_tokens/{id}/revoke")
        );
        assert_eq!(
            redact_target(
                "/m2m_tokens/mt_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv/revoke",
                None
            ),
            "/m2m_tokens/[redacted]/revoke"
        );
        assert_eq!(
            redact_target(
                "/m2m_tokens",
                Some("subject=mch_x&key=sk_test_abc&k2=ak%5Ftest_x&t=eyJh.eyJi.c2ln&limit=5&flag")
            ),
            "/m2m_tokens?subject=mch_x&key=[redacted]&k2=[redacted]&t=[redacted]&limit=5&flag"
        );
        assert_eq!(redact_target("/x", Some("sk_live_1")), "/x?[redacted]");
        assert_eq!(decode("a%2Fb+c%zz%4"), "a/b c%zz%4");
    }
}
