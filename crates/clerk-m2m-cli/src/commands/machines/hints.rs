//! How a failed `machines` call is worded, and the hint line that goes with it.

use clerk_m2m_types::{ApiError, Delivery, Operation};

/// "could not …": the start of the error line for `operation`.
pub(crate) fn failed(operation: Operation) -> &'static str {
    match operation {
        Operation::ListMachines => "could not list the machines",
        Operation::CreateMachine => "could not create the machine",
        Operation::GetMachine => "could not get the machine",
        Operation::UpdateMachine => "could not update the machine",
        Operation::DeleteMachine => "could not delete the machine",
        Operation::GetMachineSecretKey => "could not read the machine's secret key",
        Operation::RotateMachineSecretKey => "could not rotate the machine's secret key",
        Operation::AddMachineScope => "could not add the scope",
        Operation::RemoveMachineScope => "could not remove the scope",
        _ => "the machines call failed",
    }
}

/// The hint for an API error answered to `operation`, where the Machines API
/// needs its own (else the general hints apply: rate limiting, 5xx…).
pub(crate) fn api_hint(operation: Operation, error: &ApiError) -> Option<String> {
    let hint = match error.status().as_u16() {
        401 => "the Machines API needs the instance secret key: check CLERK_SECRET_KEY (sk_…), and that CLERK_API_URL is the right instance",
        403 => "this key may not manage machines: use the instance secret key (CLERK_SECRET_KEY)",
        404 if operation == Operation::RemoveMachineScope => {
            "no such machine or scope: `clerk-m2m machines get ID` shows which machines it may call"
        }
        404 => "no such machine in this instance: `clerk-m2m machines list` shows the ids",
        409 if operation == Operation::AddMachineScope => {
            "it may call that machine already: `clerk-m2m machines get ID` shows its scopes"
        }
        400 | 422 => "check the values: `clerk-m2m machines <command> --help`",
        500..=599 => return maybe_processed_hint(operation).map(str::to_owned),
        _ => return None,
    };
    Some(hint.to_owned())
}

/// The hint for a transport failure of `operation` that may have reached
/// the server, for the calls a repeat must not blindly follow.
pub(crate) fn maybe_sent_hint(operation: Operation, delivery: Delivery) -> Option<&'static str> {
    match delivery {
        Delivery::MaybeSent => maybe_processed_hint(operation),
        _ => None,
    }
}

fn maybe_processed_hint(operation: Operation) -> Option<&'static str> {
    match operation {
        Operation::CreateMachine => Some(
            "the machine may have been created: check `clerk-m2m machines list --query NAME` before retrying",
        ),
        Operation::RotateMachineSecretKey => Some(
            "the key may have been rotated: `clerk-m2m machines secret-key ID` shows the current key",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{Action, Exit, Failure};
    use clerk_m2m_types::{ClerkErrorDetail, Error, TransportError, TransportErrorKind};
    use http::StatusCode;

    fn api_failure(operation: Operation, status: StatusCode) -> Failure {
        let error = Error::Api {
            operation,
            attempts: 1,
            source: ApiError::new(
                status,
                vec![ClerkErrorDetail::new("some_code", "went wrong")],
            ),
        };
        Failure::from_call(Action::Machine(operation), &error, "https://api.clerk.com")
    }

    #[test]
    fn api_errors_name_the_call_and_hint_at_the_fix() {
        let failure = api_failure(Operation::GetMachine, StatusCode::NOT_FOUND);
        assert_eq!(failure.exit(), Exit::Failure);
        assert!(
            failure
                .message()
                .starts_with("could not get the machine: Clerk answered 404 Not Found: some_code"),
            "{failure}"
        );
        assert!(failure.hint().unwrap().contains("machines list"));
        let failure = api_failure(Operation::ListMachines, StatusCode::UNAUTHORIZED);
        assert!(failure.hint().unwrap().contains("CLERK_SECRET_KEY"));
        let failure = api_failure(Operation::AddMachineScope, StatusCode::CONFLICT);
        assert!(failure.hint().unwrap().contains("already"), "{failure}");
        let failure = api_failure(Operation::CreateMachine, StatusCode::BAD_GATEWAY);
        assert!(failure.hint().unwrap().contains("may have been created"));
        // No hint of its own: the general one (5xx) applies.
        let failure = api_failure(Operation::DeleteMachine, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            failure.hint().unwrap().contains("try again later"),
            "{failure}"
        );
    }

    #[test]
    fn a_maybe_sent_rotation_says_the_key_may_have_changed() {
        let error = Error::Transport {
            operation: Operation::RotateMachineSecretKey,
            attempts: 1,
            source: TransportError::new(TransportErrorKind::ConnectionLost),
        };
        let failure = Failure::from_call(
            Action::Machine(Operation::RotateMachineSecretKey),
            &error,
            "http://127.0.0.1:9",
        );
        assert_eq!(failure.exit(), Exit::Network);
        assert!(failure
            .message()
            .starts_with("could not rotate the machine's secret key: network failure"));
        assert!(failure.hint().unwrap().contains("may have been rotated"));
        let error = Error::Transport {
            operation: Operation::GetMachine,
            attempts: 3,
            source: TransportError::new(TransportErrorKind::Connect),
        };
        let failure = Failure::from_call(
            Action::Machine(Operation::GetMachine),
            &error,
            "http://127.0.0.1:9",
        );
        assert!(failure.hint().unwrap().contains("CLERK_API_URL"));
    }

    #[test]
    fn local_refusals_are_usage_errors() {
        let error = Error::InvalidRequest {
            operation: Operation::ListMachines,
            source: clerk_m2m_types::MachineRequestError::MissingInstanceKey.into(),
        };
        let failure = Failure::from_call(Action::Machine(Operation::ListMachines), &error, "");
        assert_eq!(failure.exit(), Exit::Usage);
        assert!(failure.message().contains("CLERK_SECRET_KEY"), "{failure}");
    }
}
