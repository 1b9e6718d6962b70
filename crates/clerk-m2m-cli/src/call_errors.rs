//! How a failed client call, or a JWT refused locally, becomes a [`Failure`]:
//! the exit code, the error line (Clerk's code, message and trace id) and a
//! hint that fits the subcommand.

use crate::exit::{one_line, Action, Exit, Failure};
use clerk_m2m_types::jwt::{JwtError, JwtErrorKind};
use clerk_m2m_types::{ApiError, Delivery, Error, RequestError, TransportError};

impl Failure {
    /// The failure of a client call made for `action` to the API at `base_url`.
    pub fn from_call(action: Action, error: &Error, base_url: &str) -> Self {
        match error {
            Error::InvalidRequest { source, .. } => from_request(action, source),
            Error::Api { source, .. } => from_api(action, source),
            Error::Decode { source, .. } => Self::new(
                Exit::Failure,
                format!(
                    "{}: the answer could not be read: {source}",
                    action.failed()
                ),
            )
            .with_code("invalid_response")
            .with_hint("check that --api-url / CLERK_API_URL points at the Clerk Backend API"),
            Error::Transport { source, .. } => from_transport(action, source, base_url),
            Error::Jwt { source } => Self::from_jwt(source, false),
            Error::NoJwtKey => Self::no_jwt_key(),
            Error::Jwks { source } => Self::from_call(Action::FetchJwks, source, base_url),
            other => Self::new(Exit::Failure, format!("{}: {other}", action.failed())),
        }
    }

    /// The failure for a JWT refused by local verification; `with_pem` says
    /// whether the key came from `CLERK_JWT_KEY` (else from the JWKS).
    pub fn from_jwt(error: &JwtError, with_pem: bool) -> Self {
        let failure = Self::new(
            Exit::Failure,
            format!("{}: {error}", Action::Verify.failed()),
        )
        .with_code("token_invalid");
        let keys = if with_pem {
            "CLERK_JWT_KEY"
        } else {
            "CLERK_SECRET_KEY and CLERK_API_URL"
        };
        match error.kind() {
            JwtErrorKind::Expired => failure.with_hint("the token has expired: create a new one"),
            JwtErrorKind::NotYetValid | JwtErrorKind::IssuedInFuture => {
                failure.with_hint("check this computer's clock")
            }
            JwtErrorKind::UnknownKey | JwtErrorKind::InvalidSignature => failure.with_hint(
                format!("check that {keys} belong to the instance that issued the token"),
            ),
            _ => failure,
        }
    }

    /// An M2M JWT with neither `CLERK_JWT_KEY` nor `CLERK_SECRET_KEY` to
    /// check it: a missing key, so a usage error (exit 2).
    pub fn no_jwt_key() -> Self {
        Self::usage("the token is an M2M JWT, and there is no key to verify it with")
            .with_code("missing_key")
            .with_hint(
                "set CLERK_JWT_KEY to the instance's PEM public key, or CLERK_SECRET_KEY (sk_…) to fetch its JWKS",
            )
    }
}

const KEY_HINT: &str = "set CLERK_MACHINE_SECRET_KEY (ak_…) or CLERK_SECRET_KEY (sk_…)";

fn from_request(action: Action, error: &RequestError) -> Failure {
    let failed = action.failed();
    match error {
        RequestError::MissingSecretKey => {
            let hint = if action == Action::Create {
                "set CLERK_MACHINE_SECRET_KEY to a machine secret key (ak_…), or pass --machine-secret-key"
            } else {
                KEY_HINT
            };
            Failure::usage(format!("{failed}: no secret key"))
                .with_code("missing_key")
                .with_hint(hint)
        }
        RequestError::InstanceKeyCannotCreate => Failure::usage(format!(
            "{failed}: only an instance secret key (sk_…) is set, and creating needs a machine secret key"
        ))
        .with_code("wrong_key")
        .with_hint("set CLERK_MACHINE_SECRET_KEY to a machine secret key (ak_…)"),
        RequestError::InvalidTokenId { .. } => Failure::usage(format!("{failed}: {error}"))
            .with_hint("`clerk-m2m list --subject mch_…` shows token ids"),
        other => Failure::usage(format!("{failed}: {other}")),
    }
}

fn from_api(action: Action, error: &ApiError) -> Failure {
    let status = error.status();
    let mut message = format!("{}: Clerk answered {status}", action.failed());
    if let Some(first) = error.errors().first() {
        message.push_str(&format!(": {}", first.code));
        let text = first.long_message.as_deref().unwrap_or(&first.message);
        if !text.is_empty() {
            message.push_str(&format!(": {}", one_line(text, 200)));
        }
        if error.errors().len() > 1 {
            message.push_str(&format!(" (and {} more)", error.errors().len() - 1));
        }
    } else if let Some(snippet) = error.body_snippet().filter(|s| !s.trim().is_empty()) {
        message.push_str(&format!(", not Clerk's JSON: {}", one_line(snippet, 120)));
    }
    if let Some(trace_id) = error.trace_id() {
        message.push_str(&format!(" (trace id {})", one_line(trace_id, 80)));
    }
    let code = error.code().unwrap_or("api_error");
    let trace_id = error.trace_id().map(|trace_id| one_line(trace_id, 80));
    let failure = Failure::new(Exit::Failure, message)
        .with_code(one_line(code, 80))
        .with_answer(status.as_u16(), trace_id);
    match api_hint(action, error) {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    }
}

fn api_hint(action: Action, error: &ApiError) -> Option<String> {
    if let Action::Machine(operation) = action {
        if let Some(hint) = crate::commands::machines::api_hint(operation, error) {
            return Some(hint);
        }
    }
    let code = error.code().unwrap_or("");
    let hint = match error.status().as_u16() {
        401 if action == Action::Create => {
            "creating needs a valid machine secret key: check CLERK_MACHINE_SECRET_KEY (ak_…)".into()
        }
        401 if action == Action::FetchJwks => {
            "the JWKS needs the instance secret key: check CLERK_SECRET_KEY (sk_…)".into()
        }
        401 if code == "machine_secret_key_invalid" => {
            "check CLERK_MACHINE_SECRET_KEY (ak_…), and that CLERK_API_URL is the right instance".into()
        }
        401 => format!("check the key: {KEY_HINT}, for the instance at CLERK_API_URL"),
        403 if action == Action::List => {
            "a machine key lists only its own tokens: use its own mch_ id, or set CLERK_SECRET_KEY (sk_…) and unset CLERK_MACHINE_SECRET_KEY".into()
        }
        403 => "this key may not do that: try the instance secret key (CLERK_SECRET_KEY)".into(),
        404 => match action {
            Action::Revoke => "no such token for this key: ids come from `clerk-m2m list --subject mch_…`; JWT tokens cannot be revoked".into(),
            Action::Verify => "the token is unknown, revoked or expired, or the calling machine is not in its scopes".into(),
            Action::List => "no such machine in this instance".into(),
            _ => return None,
        },
        400 | 422 => "check the flag values: `clerk-m2m <command> --help`".into(),
        429 => match error.retry_after() {
            Some(clerk_m2m_types::RetryAfter::Seconds(seconds)) => {
                format!("rate limited: try again in {seconds} s")
            }
            _ => "rate limited: try again shortly".into(),
        },
        500..=599 if action == Action::Create => {
            "Clerk had a problem; the token may still have been created: check `clerk-m2m list` before retrying".into()
        }
        500..=599 => "Clerk had a problem; try again later, and quote the trace id if it persists".into(),
        _ => return None,
    };
    Some(hint)
}

fn from_transport(action: Action, error: &TransportError, base_url: &str) -> Failure {
    let mut message = format!("{}: network failure: {error}", action.failed());
    if let Some(cause) = std::error::Error::source(error) {
        message.push_str(&format!(": {}", one_line(&cause.to_string(), 200)));
    }
    let machine_hint = match action {
        Action::Machine(operation) => {
            crate::commands::machines::maybe_sent_hint(operation, error.delivery())
        }
        _ => None,
    };
    let hint = if action == Action::Create && error.delivery() == Delivery::MaybeSent {
        "the token may have been created: check `clerk-m2m list --subject mch_…` before retrying"
            .to_owned()
    } else if let Some(hint) = machine_hint {
        hint.to_owned()
    } else {
        format!(
            "check --api-url / CLERK_API_URL ({}) and that the server is reachable",
            one_line(base_url, 200)
        )
    };
    Failure::new(Exit::Network, message).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clerk_m2m_types::{ClerkErrorDetail, Operation, TransportErrorKind};
    use http::StatusCode;

    #[test]
    fn api_errors_carry_code_message_and_trace_id() {
        let error = Error::Api {
            operation: Operation::RevokeToken,
            attempts: 1,
            source: ApiError::new(
                StatusCode::NOT_FOUND,
                vec![ClerkErrorDetail::new("resource_not_found", "not found")],
            )
            .with_trace_id("trace123"),
        };
        let failure = Failure::from_call(Action::Revoke, &error, "https://api.clerk.com");
        assert_eq!(failure.exit(), Exit::Failure);
        let text = failure.to_string();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.starts_with("error: could not revoke the token: Clerk answered 404 Not Found: resource_not_found: not found (trace id trace123)"), "{text}");
        assert!(text.contains("hint: "), "{text}");
        assert_eq!(failure.code(), "resource_not_found");
        assert_eq!(failure.status(), Some(404));
        assert_eq!(failure.trace_id(), Some("trace123"));
    }

    #[test]
    fn missing_keys_are_usage_errors_with_the_env_var() {
        let error = Error::InvalidRequest {
            operation: Operation::CreateToken,
            source: RequestError::MissingSecretKey,
        };
        let failure = Failure::from_call(Action::Create, &error, "https://api.clerk.com");
        assert_eq!(failure.exit(), Exit::Usage);
        assert_eq!(failure.code(), "missing_key");
        assert!(failure.hint().unwrap().contains("CLERK_MACHINE_SECRET_KEY"));
    }

    #[test]
    fn transport_failures_exit_3() {
        let error = Error::Transport {
            operation: Operation::ListTokens,
            attempts: 3,
            source: TransportError::new(TransportErrorKind::Connect).with_source("refused"),
        };
        let failure = Failure::from_call(Action::List, &error, "http://127.0.0.1:9");
        assert_eq!(failure.exit(), Exit::Network);
        assert_eq!((failure.code(), failure.status()), ("network", None));
        assert!(failure.message().contains("could not connect"));
        assert!(failure
            .hint()
            .unwrap()
            .contains("CLERK_API_URL (http://127.0.0.1:9)"));
    }

    #[test]
    fn jwks_fetch_failures_keep_their_exit_code() {
        let fetch = Error::Transport {
            operation: Operation::VerifyToken,
            attempts: 1,
            source: TransportError::new(TransportErrorKind::Connect),
        };
        let error = Error::Jwks {
            source: std::sync::Arc::new(fetch),
        };
        let failure = Failure::from_call(Action::Verify, &error, "http://127.0.0.1:9");
        assert_eq!(failure.exit(), Exit::Network);
        assert!(failure.message().starts_with("could not fetch the JWKS"));
        let failure = Failure::from_call(Action::Verify, &Error::NoJwtKey, "");
        assert_eq!(failure.exit(), Exit::Usage);
        assert_eq!(failure.code(), "missing_key");
        let hint = failure.hint().unwrap();
        assert!(hint.contains("CLERK_JWT_KEY") && hint.contains("CLERK_SECRET_KEY"));
    }
}
