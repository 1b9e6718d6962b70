//! Test doubles for code that uses the client (feature `test-util`).
//!
//! [`ReplayTransport`] answers from a queue of canned responses or transport
//! errors, in order; [`CaptureTransport`] answers every request with the same
//! response. Both record the requests they get. They live in
//! `clerk-m2m-types` (so the async client can use them too); this module
//! makes them blocking [`Transport`]s. Hand one to the client with
//! [`ClientBuilder::transport`](crate::ClientBuilder::transport) (an `Arc` of a transport is a transport)
//! and keep an `Arc` to inspect it. Models for expected values are built with
//! [`M2mToken::new`](crate::M2mToken::new) and
//! [`M2mTokenList::new`](crate::M2mTokenList::new).
//!
//! Replaying a busy server, then success:
//!
//! ```
//! use clerk_m2m_blocking::test_util::{json_response, ReplayTransport};
//! use clerk_m2m_blocking::{Client, RetryPolicy, VerifyTokenParams};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! let replay = Arc::new(ReplayTransport::new([
//!     Ok(json_response(503, r#"{"errors":[]}"#)),
//!     Ok(json_response(200, r#"{"id":"mt_0123456789abcdef0123456789abcdef",
//!         "subject":"mch_1","created_at":1,"updated_at":1}"#)),
//! ]));
//! let client = Client::builder()
//!     .machine_secret_key("ak_test_example")
//!     // No real waiting in a test: the retry comes after a millisecond.
//!     .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(1)))
//!     .transport(replay.clone())
//!     .build()?;
//! let token = client.verify_token(VerifyTokenParams::new("mt_value"))?;
//! assert_eq!(token.subject, "mch_1");
//! let requests = replay.requests();
//! assert_eq!(requests.len(), 2);
//! assert_eq!(requests[1].body(), br#"{"token":"mt_value"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Capturing what would be sent:
//!
//! ```
//! use clerk_m2m_blocking::test_util::{json_response, CaptureTransport};
//! use clerk_m2m_blocking::{Client, RevokeTokenParams};
//! use std::sync::Arc;
//!
//! let capture = Arc::new(CaptureTransport::new(json_response(200, r#"{"id":"mt_0123456789abcdef0123456789abcdef",
//!     "subject":"mch_1","revoked":true,"created_at":1,"updated_at":1}"#)));
//! let client = Client::builder()
//!     .machine_secret_key("ak_test_example")
//!     .transport(capture.clone())
//!     .build()?;
//! client.revoke_token(RevokeTokenParams::new("mt_0123456789abcdef0123456789abcdef"))?;
//! let sent = capture.requests();
//! assert_eq!(sent[0].uri().path(), "/m2m_tokens/mt_0123456789abcdef0123456789abcdef/revoke");
//! assert_eq!(sent[0].body(), br#"{"revocation_reason":null}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::Transport;
use clerk_m2m_types::TransportError;
use http::{Request, Response};

pub use clerk_m2m_types::test_util::*;

impl Transport for ReplayTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.answer(request)
    }
}

impl Transport for CaptureTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.answer(request)
    }
}
