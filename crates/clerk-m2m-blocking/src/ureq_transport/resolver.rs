//! Name resolution for the built-in agent: cheap for IP literals, typed on failure.
//!
//! ureq resolves the host before every request, even one sent on a pooled
//! connection, and once an attempt has a deadline its default resolver runs
//! each lookup on a new thread to bound it (about 100 µs per request on
//! loopback, more than the rest of the exchange). An IP literal needs no
//! lookup, so this resolver answers it at once; a host name still goes to
//! ureq's resolver, bounded by the deadline.
//!
//! ureq's resolver reports an unresolvable name as an I/O error, which says
//! nothing about whether a request left. Here any lookup failure becomes
//! [`ureq::Error::HostNotFound`] and a lookup timeout
//! [`ureq::Timeout::Resolve`]: both mean nothing was sent.
//!
//! The resolver trait is in ureq's `unversioned` module, which may change in
//! a minor release; the dependency is pinned to ureq 3.5 for that reason.

use std::net::{IpAddr, SocketAddr};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

#[derive(Debug, Default)]
pub(super) struct LiteralFirstResolver(DefaultResolver);

impl Resolver for LiteralFirstResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(address) = literal_address(uri) {
            let mut addresses = self.empty();
            addresses.push(address);
            return Ok(addresses);
        }
        match self.0.resolve(uri, config, timeout) {
            Err(ureq::Error::Io(_)) => Err(ureq::Error::HostNotFound),
            Err(ureq::Error::Timeout(_)) => Err(ureq::Error::Timeout(ureq::Timeout::Resolve)),
            other => other,
        }
    }
}

/// The socket address of a URI whose host is an IP address.
fn literal_address(uri: &Uri) -> Option<SocketAddr> {
    let host = uri.host()?;
    let host = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = host.parse().ok()?;
    let port = uri.port_u16().or(match uri.scheme_str()? {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    })?;
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(uri: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = uri.parse().unwrap();
        LiteralFirstResolver::default()
            .resolve(&uri, &Config::default(), NextTimeout::default())
            .map(|addresses| addresses.iter().copied().collect())
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        for (uri, expected) in [
            ("http://127.0.0.1:8080/x", "127.0.0.1:8080"),
            ("https://10.1.2.3/", "10.1.2.3:443"),
            ("http://[::1]:9000", "[::1]:9000"),
            ("http://[::1]", "[::1]:80"),
        ] {
            let expected: SocketAddr = expected.parse().unwrap();
            assert_eq!(resolve(uri).unwrap(), [expected], "{uri}");
        }
    }

    #[test]
    fn an_unresolvable_name_is_host_not_found() {
        // `.invalid` never resolves (RFC 6761); no network is needed to learn it.
        let error = resolve("http://clerk-api.invalid/m2m_tokens").unwrap_err();
        assert!(matches!(error, ureq::Error::HostNotFound), "{error:?}");
    }
}
