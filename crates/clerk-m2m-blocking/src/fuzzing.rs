//! Internal functions for the project's fuzz targets (`fuzz/` in the
//! repository), behind the `fuzzing` feature.
//!
//! **Not public API**: hidden from the docs, not covered by semver, and may
//! change or vanish in any release.

use clerk_m2m_types::TransportError;

/// How [`UreqTransport`](crate::UreqTransport) classifies a ureq failure:
/// its kind, and whether the request may have been sent.
pub fn classify_ureq_error(error: ureq::Error) -> TransportError {
    crate::ureq_transport::classify_error(error)
}
