//! One tracing span per authentication. Never the token.

use crate::authenticate::Outcome;
use clerk_m2m_types::AuthError;
use clerk_m2m_types::TokenFormat;
use std::fmt;
use tracing::field::Empty;

/// The `clerk_m2m.authenticate` span: `token_kind`, `verification`,
/// `machine_id`, `outcome`, and for a refusal `status`, `code`, `error`.
pub(crate) struct AuthSpan(tracing::Span);

impl AuthSpan {
    pub(crate) fn start() -> Self {
        Self(tracing::info_span!(
            "clerk_m2m.authenticate",
            token_kind = Empty,
            verification = Empty,
            machine_id = Empty,
            outcome = Empty,
            status = Empty,
            code = Empty,
            error = Empty,
        ))
    }

    pub(crate) fn span(&self) -> &tracing::Span {
        &self.0
    }

    /// How the token will be verified, before it is.
    pub(crate) fn record_format(&self, format: &TokenFormat) {
        self.0.record("token_kind", format.as_str());
        let verification = if *format == TokenFormat::Jwt {
            "local"
        } else {
            "remote"
        };
        self.0.record("verification", verification);
    }

    pub(crate) fn record_outcome(&self, outcome: &Outcome, error: Option<&AuthError>) {
        match outcome {
            Outcome::Verified(machine) => {
                self.0.record("machine_id", machine.machine_id());
                self.0.record("outcome", "verified");
            }
            Outcome::Anonymous(_) => {
                self.0.record("outcome", "anonymous");
            }
            Outcome::Rejected(rejection) => {
                self.0.record("outcome", "rejected");
                self.0.record("status", rejection.status().as_u16());
                self.0.record("code", rejection.code());
                if let Some(code) = rejection.rfc6750_error() {
                    self.0.record("error", code.as_str());
                }
                match error {
                    Some(error) if !rejection.status().is_client_error() => tracing::warn!(
                        parent: &self.0,
                        cause = %Chain(error),
                        "could not verify the token: the fault is on our side"
                    ),
                    _ => tracing::debug!(parent: &self.0, "token refused"),
                }
            }
        }
    }
}

/// An error and its sources, `: `-separated (each Display is fixed text
/// without secrets, and none repeats its source).
struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}
