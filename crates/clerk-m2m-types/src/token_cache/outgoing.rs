//! The rules every outgoing-request adapter follows (the reqwest

use super::bearer_header;
use crate::{Error, M2mToken};
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue, StatusCode};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Whether an adapter adds its token to a request with these headers: only
/// when the request has no `Authorization` header of its own.
pub fn wants_token(headers: &HeaderMap) -> bool {
    !headers.contains_key(AUTHORIZATION)
}

/// Sets `Authorization: Bearer <token value>`, marked sensitive so HTTP
/// libraries never log it. Fails only for a token without a value (one
/// that did not come from a create).
pub fn authorize(headers: &mut HeaderMap, token: &M2mToken) -> Result<(), Error> {
    headers.insert(AUTHORIZATION, bearer_header(token)?);
    Ok(())
}

/// [`authorize`] that remembers the header of the last token, so that
/// requests sharing a cached token do not each format and check it again.
///
/// ```
/// use clerk_m2m_types::driver::outgoing::AuthorizationCache;
/// use clerk_m2m_types::M2mToken;
/// use std::sync::Arc;
///
/// let mut token = M2mToken::new("mt_0123456789abcdef0123456789abcdef", "mch_1", 0);
/// token.token = Some("mt_value".into());
/// let token = Arc::new(token);
/// let cache = AuthorizationCache::new();
/// let mut headers = http::HeaderMap::new();
/// cache.authorize(&mut headers, &token)?;
/// assert_eq!(headers["authorization"], "Bearer mt_value");
/// assert!(headers["authorization"].is_sensitive());
/// # Ok::<(), clerk_m2m_types::Error>(())
/// ```
#[derive(Default)]
pub struct AuthorizationCache {
    last: Mutex<Option<(Arc<M2mToken>, HeaderValue)>>,
}

impl fmt::Debug for AuthorizationCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationCache").finish_non_exhaustive()
    }
}

impl AuthorizationCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `Authorization: Bearer <token value>` (sensitive), as
    /// [`authorize`] does.
    pub fn authorize(&self, headers: &mut HeaderMap, token: &Arc<M2mToken>) -> Result<(), Error> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let header = match &*last {
            Some((seen, header)) if Arc::ptr_eq(seen, token) => header.clone(),
            _ => {
                let header = bearer_header(token)?;
                *last = Some((Arc::clone(token), header.clone()));
                header
            }
        };
        drop(last);
        headers.insert(AUTHORIZATION, header);
        Ok(())
    }
}

/// Which send of a request an answer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The request as the caller made it.
    First,
    /// The one resend after a rejection.
    Retry,
}

/// What to do with the answer to a request that carried the adapter's
/// token.
///
/// Deliberately exhaustive: an adapter must handle both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Hand the response to the caller.
    Deliver,
    /// The callee rejected the token (`401`): invalidate it by its id; then,
    /// if `retry`, send the request again with the next token when
    /// [`retry_with`] allows, else hand the response to the caller
    /// unchanged.
    Rejected {
        /// Whether one resend is allowed: first attempt, and a body that
        /// can be sent again.
        retry: bool,
    },
}

/// The verdict on an answer with `status` to `attempt`, whose body can be
/// sent again if `replayable`.
pub fn verdict(status: StatusCode, attempt: Attempt, replayable: bool) -> Verdict {
    if status != StatusCode::UNAUTHORIZED {
        return Verdict::Deliver;
    }
    Verdict::Rejected {
        retry: attempt == Attempt::First && replayable,
    }
}

/// Whether to resend after `rejected` was refused, now that the source
/// hands out `next`: only with a different token (the source keeps a
/// token it just created for a while even if rejected, so that a callee
/// that rejects every token does not cost a create per request).
pub fn retry_with(rejected: &M2mToken, next: &M2mToken) -> bool {
    rejected.id != next.id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: &str) -> M2mToken {
        let mut token = M2mToken::new(id, "mch_1", 0);
        token.token = Some("mt_value".into());
        token
    }

    #[test]
    fn only_a_401_is_a_rejection_and_only_a_replayable_first_attempt_is_resent() {
        for status in [200, 204, 302, 400, 403, 404, 407, 429, 500, 503] {
            let status = StatusCode::from_u16(status).unwrap();
            for attempt in [Attempt::First, Attempt::Retry] {
                assert_eq!(verdict(status, attempt, true), Verdict::Deliver, "{status}");
            }
        }
        let cases = [
            (Attempt::First, true, true),
            (Attempt::First, false, false),
            (Attempt::Retry, true, false),
            (Attempt::Retry, false, false),
        ];
        for (attempt, replayable, retry) in cases {
            assert_eq!(
                verdict(StatusCode::UNAUTHORIZED, attempt, replayable),
                Verdict::Rejected { retry },
                "{attempt:?} {replayable}"
            );
        }
    }

    #[test]
    fn a_resend_needs_a_different_token() {
        assert!(!retry_with(&token("mt_a"), &token("mt_a")));
        assert!(retry_with(&token("mt_a"), &token("mt_b")));
    }

    #[test]
    fn the_cached_header_follows_the_token() {
        let cache = AuthorizationCache::new();
        let mut second = token("mt_b");
        second.token = Some("mt_other_value".into());
        let (first, second) = (Arc::new(token("mt_a")), Arc::new(second));
        for (token, expected) in [
            (&first, "Bearer mt_value"),
            (&first, "Bearer mt_value"),
            (&second, "Bearer mt_other_value"),
            (&first, "Bearer mt_value"),
        ] {
            let mut headers = HeaderMap::new();
            cache.authorize(&mut headers, token).unwrap();
            assert_eq!(headers[AUTHORIZATION], expected);
            assert!(headers[AUTHORIZATION].is_sensitive());
        }
        assert!(!format!("{cache:?}").contains("mt_"));
    }

    #[test]
    fn the_callers_own_authorization_is_left_alone() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(!wants_token(&headers));
        let mut none = HeaderMap::new();
        let mut no_value = token("mt_a");
        no_value.token = None;
        assert!(authorize(&mut none, &no_value).is_err());
        assert!(none.is_empty());
        authorize(&mut none, &token("mt_a")).unwrap();
        assert_eq!(none[AUTHORIZATION], "Bearer mt_value");
    }
}
