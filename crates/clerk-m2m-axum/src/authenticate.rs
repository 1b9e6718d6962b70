//! One authentication: from the bearer token to a verdict, in one span.

use crate::context::Settings;
use crate::span::AuthSpan;
use crate::verify::verify_token;
use crate::{Rejection, VerifiedMachine};
use clerk_m2m_types::driver::auth::token_format;
use clerk_m2m_types::SecretString;
use clerk_m2m_types::{AuthError, AuthRules};
use tracing::Instrument as _;

/// What the layer does with a request.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Let it through with this machine.
    Verified(VerifiedMachine),
    /// Let it through without a machine (passthrough, no credentials);
    /// routes that need one answer this.
    Anonymous(Rejection),
    /// Answer this instead of calling the service.
    Rejected(Rejection),
}

/// Decides on a request given its bearer token (or why it has none).
pub(crate) async fn authenticate(
    settings: &Settings,
    token: Result<SecretString, AuthError>,
) -> Outcome {
    let span = AuthSpan::start();
    let result = decide(settings, token, &span)
        .instrument(span.span().clone())
        .await;
    let (outcome, error) = match result {
        Ok(machine) => (Outcome::Verified(machine), None),
        Err(error) => {
            let rejection = settings.reject(&error, settings.rules.required_scope());
            if settings.passthrough && error.is_without_credentials() {
                (Outcome::Anonymous(rejection), Some(error))
            } else {
                (Outcome::Rejected(rejection), Some(error))
            }
        }
    };
    span.record_outcome(&outcome, error.as_ref());
    outcome
}

async fn decide(
    settings: &Settings,
    token: Result<SecretString, AuthError>,
    span: &AuthSpan,
) -> Result<VerifiedMachine, AuthError> {
    let token = token?;
    let token = token.expose_secret();
    AuthRules::check_token(token)?;
    let format = token_format(token);
    span.record_format(&format);
    let verified = verify_token(&settings.client, token).await;
    let verified = settings.rules.accept_verified(verified, &format)?;
    Ok(VerifiedMachine::new(verified, format))
}
