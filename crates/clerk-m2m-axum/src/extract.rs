//! axum extractors: `VerifiedMachine` and `Option<VerifiedMachine>`.

use crate::context::lookup;
use crate::{Rejection, VerifiedMachine};
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

/// The machine the layer verified. Without one (a passthrough layer let a
/// request without credentials through), the same 401 the layer would have
/// answered; without a layer in front of the route, a 500.
impl<S: Send + Sync> FromRequestParts<S> for VerifiedMachine {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let (context, machine) = lookup(&parts.extensions)?;
        machine.cloned().ok_or_else(|| context.no_machine())
    }
}

/// `Some` when the layer verified a machine, `None` when a passthrough
/// layer let a request without credentials through. Without a layer in
/// front of the route, a 500: a missing layer must not make every caller
/// anonymous.
impl<S: Send + Sync> OptionalFromRequestParts<S> for VerifiedMachine {
    type Rejection = Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let (_context, machine) = lookup(&parts.extensions)?;
        Ok(machine.cloned())
    }
}
