//! Who is calling: the `Authorization: Bearer <key>` header, resolved
//! against the instance's keys.
//!
//! This is the only place keys are compared. The HTTP extractors
//! (`routes::extract`) and the request journal both build on [`authenticate`].

use crate::api_error::ApiFailure;
use crate::app_state::AppState;
use crate::instance::Machine;
use http::HeaderMap;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// The instance secret key (`sk_…`).
    Instance,
    /// A machine secret key.
    Machine(Machine),
}

impl Caller {
    /// How the journal names the caller: the machine id, or `instance`.
    /// Never a key.
    pub(crate) fn label(&self) -> &str {
        match self {
            Self::Instance => "instance",
            Self::Machine(machine) => machine.id(),
        }
    }
}

/// The result of [`authenticate`] for a request, computed once by the
/// request pipeline and kept in the request's extensions for the handler.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub(crate) Result<Caller, ApiFailure>);

/// Reads `Authorization: Bearer <key>` and says who is calling.
/// Machine keys are looked up among the machines as they are now: a
/// created machine's key works at once, a deleted one's never again, a
/// rotated-away key until its grace period ends (emulator time).
pub(crate) fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiFailure> {
    let instance = &state.instance;
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Err(ApiFailure::unauthenticated());
    };
    let value = value.to_str().map_err(|_| ApiFailure::unauthenticated())?;
    let Some((scheme, key)) = value.trim().split_once(' ') else {
        return Err(ApiFailure::unauthenticated());
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiFailure::unauthenticated());
    }
    let key = key.trim();
    if key.is_empty() {
        return Err(ApiFailure::unauthenticated());
    }
    if key == instance.secret_key.expose_secret() {
        return Ok(Caller::Instance);
    }
    let now = state.clock.now_ms();
    if let Some(machine) = state.machines.lock().by_key(key, now) {
        return Ok(Caller::Machine(machine.clone()));
    }
    if key.starts_with("ak_") {
        Err(ApiFailure::machine_key_invalid(
            "The provided machine secret key is invalid: no machine of this instance has it.",
        ))
    } else {
        Err(ApiFailure::instance_key_invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::instance::{Instance, InstanceSpec, MachineConfig, DEFAULT_TOKEN_TTL};
    use crate::signing::tests::shared_key;

    #[test]
    fn keys_schemes_and_failures() {
        let instance = Instance::resolve(InstanceSpec {
            id: None,
            secret_key: None,
            machines: vec![MachineConfig::new("solo").secret_key("ak_test_solo")],
            default_token_ttl: DEFAULT_TOKEN_TTL,
            signing_key: shared_key(),
            issuer: "http://127.0.0.1".into(),
            from_state: false,
        })
        .unwrap();
        let state = AppState::new(
            instance,
            Clock::default(),
            Default::default(),
            Default::default(),
        );
        let instance = &state.instance;
        let solo = instance.machines[0].clone();
        let mut headers = HeaderMap::new();
        let mut check = |value: &str| {
            headers.insert(http::header::AUTHORIZATION, value.parse().unwrap());
            authenticate(&state, &headers).map_err(|failure| failure.detail.code.clone())
        };
        assert_eq!(
            check("Bearer ak_test_solo"),
            Ok(Caller::Machine(solo.clone()))
        );
        assert_eq!(check("bearer ak_test_solo"), Ok(Caller::Machine(solo)));
        let sk = format!("Bearer {}", instance.secret_key.expose_secret());
        assert_eq!(check(&sk), Ok(Caller::Instance));
        assert_eq!(
            check("Bearer ak_test_other"),
            Err("machine_secret_key_invalid".into())
        );
        assert_eq!(
            check("Bearer sk_test_other"),
            Err("clerk_key_invalid".into())
        );
        assert_eq!(
            check("Basic abc"),
            Err("authorization_header_format_invalid".into())
        );
        assert_eq!(
            authenticate(&state, &HeaderMap::new()).map_err(|failure| failure.status.as_u16()),
            Err(401)
        );
        assert_eq!(Caller::Instance.label(), "instance");
        assert_eq!(
            Caller::Machine(instance.machines[0].clone()).label(),
            instance.machines[0].id()
        );
    }
}
