//! One tracing span per attempt (feature `tracing`); a no-op otherwise.
//!
//! Fields: `operation`, `method`, `path` (the template, e.g.
//! `/m2m_tokens/{id}/revoke`, never a real id), `attempt`, then `status` and
//! `trace_id` once the answer is in, or `error` (the failure kind) when the
//! transport failed. Never a header, body, claim, key or token. Drivers only
//! run the attempt inside it.

use crate::error::TransportError;
use crate::Operation;
use std::future::Future;

/// The span of one attempt. No `tracing` type appears in its API.
#[derive(Debug)]
pub struct AttemptSpan {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl AttemptSpan {
    /// Opens the span of attempt `number` of `operation`.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub fn start(operation: Operation, method: &http::Method, number: u32) -> Self {
        Self {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(
                "clerk_m2m.attempt",
                operation = operation.name(),
                method = method.as_str(),
                path = operation.path_template(),
                attempt = number,
                status = tracing::field::Empty,
                trace_id = tracing::field::Empty,
                error = tracing::field::Empty,
            ),
        }
    }

    /// Runs a blocking attempt inside the span.
    pub fn in_scope<R>(&self, attempt: impl FnOnce() -> R) -> R {
        #[cfg(feature = "tracing")]
        {
            self.span.in_scope(attempt)
        }
        #[cfg(not(feature = "tracing"))]
        {
            attempt()
        }
    }

    /// Runs an async attempt inside the span.
    pub fn instrument<F: Future>(&self, attempt: F) -> impl Future<Output = F::Output> {
        #[cfg(feature = "tracing")]
        {
            tracing::Instrument::instrument(attempt, self.span.clone())
        }
        #[cfg(not(feature = "tracing"))]
        {
            attempt
        }
    }

    /// Records how the attempt ended: the status and Clerk's trace id (from
    /// the error body, else `cf-ray`), or the transport failure's kind.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub fn record(&self, result: &Result<http::Response<Vec<u8>>, TransportError>) {
        // Nothing listens: the trace id is not looked for, nor an error
        // body parsed for it.
        #[cfg(feature = "tracing")]
        if self.span.is_disabled() {
            return;
        }
        #[cfg(feature = "tracing")]
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                self.span.record("status", status);
                if let Some(trace_id) = trace_id(response) {
                    self.span.record("trace_id", trace_id.as_str());
                }
                tracing::debug!(parent: &self.span, status, "clerk api answered");
            }
            Err(error) => {
                let kind = format!("{:?}", error.kind());
                self.span.record("error", kind.as_str());
                tracing::debug!(parent: &self.span, error = %error, "transport failed");
            }
        }
    }
}

/// The trace id of an answer: Clerk's `clerk_trace_id` (scrubbed) for an
/// error, else the `cf-ray` header.
#[cfg(feature = "tracing")]
fn trace_id(response: &http::Response<Vec<u8>>) -> Option<String> {
    if response.status().is_success() {
        response
            .headers()
            .get("cf-ray")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    } else {
        crate::ApiError::from_response(response.status(), response.headers(), response.body())
            .trace_id()
            .map(str::to_owned)
    }
}
