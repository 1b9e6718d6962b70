//! The `reqwest::Url` of each request, without parsing the host again.
//!
//! reqwest takes an `http::Request` by formatting its URI and parsing the
//! text as a `Url`: about 6 k instructions, most of them for the host
//! (IDNA processing), a third of what the SDK adds to a create. A transport
//! talks to one API base and most calls repeat one path, so:
//! - the URL of the last request is kept: the same URI again is a clone;
//! - the first request's scheme and authority are parsed once and kept:
//!   another path on that base clones it and sets the path and query,
//!   which the `url` crate parses exactly as in a whole URL;
//! - a request to any other base is parsed in full, as reqwest would.

use http::uri::{Authority, Scheme};
use http::Uri;
use reqwest::Url;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The parsed base (`scheme://authority/`) of the first request, and the
/// last request's URI with its URL.
#[derive(Debug, Default)]
pub(super) struct RequestUrl {
    base: OnceLock<Option<Base>>,
    last: Mutex<Option<(Uri, Url)>>,
}

#[derive(Debug)]
struct Base {
    scheme: Scheme,
    authority: Authority,
    url: Url,
}

impl Base {
    fn parse(scheme: &Scheme, authority: &Authority) -> Option<Self> {
        let url = Url::parse(&format!("{scheme}://{authority}/")).ok()?;
        // A base that cannot carry a path (`data:`-like) is never kept.
        (!url.cannot_be_a_base()).then(|| Self {
            scheme: scheme.clone(),
            authority: authority.clone(),
            url,
        })
    }
}

impl RequestUrl {
    /// `uri` as a `Url`, equal to `Url::parse(&uri.to_string())`.
    pub(super) fn of(&self, uri: &Uri) -> Result<Url, <Url as FromStr>::Err> {
        if let Some(url) = self.last_if_same(uri) {
            return Ok(url);
        }
        // Parsed outside the lock: a miss does not hold up other requests.
        let url = self.convert(uri)?;
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((uri.clone(), url.clone()));
        Ok(url)
    }

    /// The last URL, if `uri` is the last request's URI. Compared as text:
    /// `Uri`'s own equality ignores the case of the authority, whose user
    /// info is case-sensitive.
    fn last_if_same(&self, uri: &Uri) -> Option<Url> {
        let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let (last_uri, url) = last.as_ref()?;
        let same = last_uri.scheme() == uri.scheme()
            && last_uri.authority().map(Authority::as_str)
                == uri.authority().map(Authority::as_str)
            && last_uri.path_and_query().map(|p| p.as_str())
                == uri.path_and_query().map(|p| p.as_str());
        same.then(|| url.clone())
    }

    fn convert(&self, uri: &Uri) -> Result<Url, <Url as FromStr>::Err> {
        if let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) {
            let base = self
                .base
                .get_or_init(|| Base::parse(scheme, authority))
                .as_ref();
            if let Some(base) = base.filter(|base| {
                base.scheme == *scheme && base.authority.as_str() == authority.as_str()
            }) {
                let mut url = base.url.clone();
                url.set_path(uri.path());
                url.set_query(uri.query());
                return Ok(url);
            }
        }
        Url::parse(&uri.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every URI parsed through the cache equals reqwest's own conversion.
    #[test]
    fn the_cached_base_gives_the_same_url_as_a_full_parse() {
        let cases = [
            "http://127.0.0.1:8080/v1/m2m_tokens",
            "http://127.0.0.1:8080/v1/m2m_tokens?subject=mch_1&revoked=true",
            "http://127.0.0.1:8080/v1/m2m_tokens/mt_0123/revoke",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/a/./b/../c",
            "http://127.0.0.1:8080/%2e%2e/x",
            "http://127.0.0.1:8080/a%20b/%7Ec?q=a+b&r=%20&s=%zz",
            "http://127.0.0.1:8080/p?",
            "http://127.0.0.1:8080/p?a=1?b=2",
            "http://127.0.0.1:8080/p;x=1/q",
            "http://127.0.0.1:8080//double//slash",
            "http://127.0.0.1:8080/%E2%82%AC?%E2%82%AC=1",
        ];
        let cache = RequestUrl::default();
        for case in cases {
            let uri: Uri = case.parse().expect("a valid URI");
            let expected = Url::parse(&uri.to_string()).expect("a valid URL");
            assert_eq!(cache.of(&uri).expect("converted"), expected, "{case}");
            // Twice: the second one from the kept base.
            assert_eq!(cache.of(&uri).expect("converted"), expected, "{case}");
        }
    }

    proptest::proptest! {
        /// Any path and query http accepts, dot segments and percent signs
        /// included, converts as a full parse would.
        #[test]
        fn any_path_and_query_converts_as_a_full_parse(
            path in "(/[a-zA-Z0-9._~%!$&'()*+,;=:@-]{0,12}){0,5}",
            query in proptest::option::of("[a-zA-Z0-9._~%!$&'()*+,;=:@/?-]{0,24}"),
        ) {
            let text = match &query {
                Some(query) => format!("http://127.0.0.1:8080{path}?{query}"),
                None => format!("http://127.0.0.1:8080{path}"),
            };
            let Ok(uri) = text.parse::<Uri>() else { return Ok(()) };
            let cache = RequestUrl::default();
            let _ = cache.of(&"http://127.0.0.1:8080/".parse::<Uri>().expect("base"));
            let expected = Url::parse(&uri.to_string()).expect("a valid URL");
            proptest::prop_assert_eq!(cache.of(&uri).expect("converted"), expected);
        }
    }

    #[test]
    fn a_uri_differing_only_in_the_case_of_its_user_info_is_not_taken_for_the_last() {
        let cache = RequestUrl::default();
        let lower: Uri = "http://user:pw@h/p".parse().expect("uri");
        let upper: Uri = "http://USER:pw@h/p".parse().expect("uri");
        assert_eq!(cache.of(&lower).expect("lower").username(), "user");
        assert_eq!(cache.of(&upper).expect("upper").username(), "USER");
    }

    #[test]
    fn another_base_is_parsed_in_full() {
        let cache = RequestUrl::default();
        let first: Uri = "https://api.clerk.com/v1/m2m_tokens".parse().expect("uri");
        let other: Uri = "http://user:pw@Example.COM:8443/v1/jwks?x=1"
            .parse()
            .expect("uri");
        assert_eq!(
            cache.of(&first).expect("first").as_str(),
            "https://api.clerk.com/v1/m2m_tokens"
        );
        assert_eq!(
            cache.of(&other).expect("other"),
            Url::parse(&other.to_string()).expect("url")
        );
        // The kept base is still the first one.
        let again: Uri = "https://api.clerk.com/v1/jwks".parse().expect("uri");
        assert_eq!(
            cache.of(&again).expect("again").as_str(),
            "https://api.clerk.com/v1/jwks"
        );
    }

    #[test]
    fn a_uri_without_a_host_is_refused_as_reqwest_refuses_it() {
        let cache = RequestUrl::default();
        let relative: Uri = "/v1/m2m_tokens".parse().expect("uri");
        assert!(cache.of(&relative).is_err());
    }
}
