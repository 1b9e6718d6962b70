//! Fault injection: what the next N requests to one emulator suffer.

use http::{Method, StatusCode};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// A fault applied to one request.
///
/// Queue faults with [`EmulatorHandle::inject_fault`](crate::EmulatorHandle::inject_fault);
/// each affects the next requests that reach that emulator, in arrival order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer `status` in Clerk's error envelope (code `emulator_fault`) without
    /// processing the request, with a `Retry-After` header when `retry_after`
    /// is set. See [`Fault::status`].
    Status {
        /// The status to answer.
        status: StatusCode,
        /// The `Retry-After` value to send (whole seconds, rounded up).
        retry_after: Option<Duration>,
    },
    /// Wait this long (real time) before processing the request normally.
    Delay(Duration),
    /// Read the whole request, process it, then close the connection without
    /// answering: the client cannot know whether it took effect (a created
    /// token does exist).
    DropConnection,
    /// Process the request, then answer its real status and headers with a
    /// body cut in half (not valid JSON; `{` for an empty one).
    MalformedBody,
    /// Process the request, then answer its real status and headers with an
    /// empty body.
    EmptyBody,
}

impl Fault {
    /// Answer `status` with Clerk's envelope, without processing the request.
    pub fn status(status: StatusCode) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }

    /// Answer `status` with a `Retry-After` header, without processing the request.
    pub fn status_with_retry_after(status: StatusCode, retry_after: Duration) -> Self {
        Self::Status {
            status,
            retry_after: Some(retry_after),
        }
    }
}

/// Which requests a queued fault applies to: `METHOD /path`, where a
/// `{name}` segment matches any one segment and a leading `/v1` is ignored
/// on both sides (`POST /m2m_tokens` also matches `POST /v1/m2m_tokens`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RouteFilter {
    method: Method,
    segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Any,
}

/// The path's segments after the leading `/`, without a leading `v1`.
fn route_segments(path: &str) -> impl Iterator<Item = &str> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = match path.strip_prefix("v1") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            rest.strip_prefix('/').unwrap_or(rest)
        }
        _ => path,
    };
    path.split('/')
}

impl RouteFilter {
    /// Parses `METHOD /path`; the error says what is wrong.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let Some((method, path)) = text.trim().split_once(' ') else {
            return Err(format!(
                "route {text:?} must be a method and a path, e.g. \"POST /m2m_tokens\""
            ));
        };
        let path = path.trim();
        if !path.starts_with('/') {
            return Err(format!("route {text:?}: the path must start with `/`"));
        }
        let method = Method::from_bytes(method.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("route {text:?}: {method:?} is not an HTTP method"))?;
        let segments = route_segments(path)
            .map(|segment| {
                if segment.starts_with('{') && segment.ends_with('}') {
                    Segment::Any
                } else {
                    Segment::Literal(segment.to_owned())
                }
            })
            .collect();
        Ok(Self { method, segments })
    }

    /// Whether a request with this method and path (no query) matches.
    pub(crate) fn matches(&self, method: &Method, path: &str) -> bool {
        if *method != self.method {
            return false;
        }
        let mut wanted = self.segments.iter();
        for segment in route_segments(path) {
            match wanted.next() {
                Some(Segment::Any) if !segment.is_empty() => {}
                Some(Segment::Literal(literal)) if literal == segment => {}
                _ => return false,
            }
        }
        wanted.next().is_none()
    }
}

/// One queued fault: what, for which requests, how many more times.
#[derive(Debug)]
struct Queued {
    fault: Fault,
    route: Option<RouteFilter>,
    remaining: usize,
}

/// Queued faults, applied in order: a request takes the first entry whose
/// route matches it (an entry without a route matches every request).
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queue: Mutex<Vec<Queued>>,
}

impl FaultQueue {
    fn with<T>(&self, f: impl FnOnce(&mut Vec<Queued>) -> T) -> T {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut queue)
    }

    /// Queues `fault` for the next `times` requests matching `route` (all if `None`).
    pub(crate) fn push(&self, fault: Fault, route: Option<RouteFilter>, times: usize) {
        if times > 0 {
            self.with(|queue| {
                queue.push(Queued {
                    fault,
                    route,
                    remaining: times,
                })
            });
        }
    }

    /// The fault for the request that just arrived, if any.
    pub(crate) fn take(&self, method: &Method, path: &str) -> Option<Fault> {
        self.with(|queue| {
            let index = queue.iter().position(|queued| {
                queued
                    .route
                    .as_ref()
                    .is_none_or(|route| route.matches(method, path))
            })?;
            let queued = &mut queue[index];
            let fault = queued.fault.clone();
            queued.remaining -= 1;
            if queued.remaining == 0 {
                queue.remove(index);
            }
            Some(fault)
        })
    }

    pub(crate) fn clear(&self) {
        self.with(Vec::clear);
    }

    /// How many requests are still to be faulted.
    pub(crate) fn pending(&self) -> usize {
        self.with(|queue| queue.iter().map(|queued| queued.remaining).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_applies_in_order_and_counts_down() {
        let queue = FaultQueue::default();
        let any = |queue: &FaultQueue| queue.take(&Method::GET, "/anything");
        queue.push(Fault::DropConnection, None, 2);
        queue.push(Fault::EmptyBody, None, 1);
        queue.push(Fault::MalformedBody, None, 0);
        assert_eq!(queue.pending(), 3);
        assert_eq!(any(&queue), Some(Fault::DropConnection));
        assert_eq!(any(&queue), Some(Fault::DropConnection));
        assert_eq!(any(&queue), Some(Fault::EmptyBody));
        assert_eq!(any(&queue), None);
        queue.push(Fault::status(StatusCode::BAD_GATEWAY), None, 5);
        queue.clear();
        assert_eq!(queue.pending(), 0);
    }

    #[test]
    fn routed_faults_wait_for_their_route() {
        let queue = FaultQueue::default();
        let creates = RouteFilter::parse("POST /m2m_tokens").unwrap();
        queue.push(Fault::EmptyBody, Some(creates), 1);
        queue.push(Fault::DropConnection, None, 1);
        // A list is not a create: it takes the route-less entry behind.
        assert_eq!(
            queue.take(&Method::GET, "/m2m_tokens"),
            Some(Fault::DropConnection)
        );
        assert_eq!(queue.take(&Method::GET, "/m2m_tokens"), None);
        assert_eq!(
            queue.take(&Method::POST, "/v1/m2m_tokens"),
            Some(Fault::EmptyBody)
        );
        assert_eq!(queue.pending(), 0);
    }

    #[test]
    fn route_filters() {
        let revoke = RouteFilter::parse("post /v1/m2m_tokens/{id}/revoke").unwrap();
        assert!(revoke.matches(&Method::POST, "/m2m_tokens/mt_1/revoke"));
        assert!(revoke.matches(&Method::POST, "/v1/m2m_tokens/mt_1/revoke"));
        assert!(!revoke.matches(&Method::POST, "/m2m_tokens//revoke"));
        assert!(!revoke.matches(&Method::GET, "/m2m_tokens/mt_1/revoke"));
        assert!(!revoke.matches(&Method::POST, "/m2m_tokens/mt_1/revoke/x"));
        let jwks = RouteFilter::parse("GET /jwks").unwrap();
        assert!(jwks.matches(&Method::GET, "/v1/jwks"));
        assert!(!jwks.matches(&Method::GET, "/v1jwks"));
        assert!(!jwks.matches(&Method::GET, "/jwks/"));
        for bad in ["POST", "POST m2m_tokens", "P(ST /m2m_tokens", ""] {
            assert!(RouteFilter::parse(bad).is_err(), "{bad}");
        }
    }
}
