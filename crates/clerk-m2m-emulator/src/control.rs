//! What the control API does, independent of HTTP: both the in-process
//! [`EmulatorHandle`](crate::EmulatorHandle) and the `/_emulator/…` routes
//! call these, so the two doors cannot drift apart. Failures are
//! [`ApiFailure`]s: the routes answer them, the handle turns them into
//! [`EmulatorError::Refused`](crate::EmulatorError::Refused).

use crate::api_error::ApiFailure;
use crate::app_state::AppState;
use crate::clock::millis_to_system;
use crate::control_params::ClockRequest;
use crate::machine_store::Machines;
use crate::params::{CreateRequest, Expiry};
use crate::state_file::EmulatorState;
use crate::token_store::Tokens;
use clerk_m2m_types::{M2mToken, TokenFormat};
use http::StatusCode;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// A token to mint for a machine without its key
/// ([`EmulatorHandle::mint_token`](crate::EmulatorHandle::mint_token),
/// `POST /_emulator/tokens`): the same rules and answer as a create by that
/// machine.
///
/// ```
/// use clerk_m2m_emulator::MintToken;
/// use std::time::Duration;
///
/// let request = MintToken::new("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk")
///     .jwt()
///     .expires_in(Duration::from_secs(600));
/// assert_eq!(request.machine_id(), "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MintToken {
    machine_id: String,
    request: CreateRequest,
}

impl MintToken {
    /// An opaque token for the machine `machine_id` (`mch_…`), with the
    /// machine's default lifetime and no claims.
    pub fn new(machine_id: impl Into<String>) -> Self {
        Self::from_parts(
            machine_id.into(),
            CreateRequest {
                format: TokenFormat::Opaque,
                expiry: Expiry::MachineDefault,
                claims: None,
                min_remaining_ttl_seconds: None,
            },
        )
    }

    pub(crate) fn from_parts(machine_id: String, request: CreateRequest) -> Self {
        Self {
            machine_id,
            request,
        }
    }

    /// A JWT-format token instead of an opaque one.
    pub fn jwt(mut self) -> Self {
        self.request.format = TokenFormat::Jwt;
        self
    }

    /// Expires this long after minting (whole seconds, at least one: a
    /// shorter lifetime is refused when minting).
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.request.expiry =
            Expiry::Seconds(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX));
        self
    }

    /// Never expires (an opaque token; a JWT still gets the machine's
    /// default lifetime, as with a create).
    pub fn never_expires(mut self) -> Self {
        self.request.expiry = Expiry::Never;
        self
    }

    /// Custom claims.
    pub fn claims(mut self, claims: Map<String, Value>) -> Self {
        self.request.claims = Some(claims);
        self
    }

    /// The machine the token is for.
    pub fn machine_id(&self) -> &str {
        &self.machine_id
    }
}

/// `GET /_emulator/clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub(crate) struct ClockReading {
    pub(crate) now_ms: i64,
    pub(crate) frozen: bool,
}

impl AppState {
    /// Tokens, machines, journal, faults, rate-limit window (and limit)
    /// and clock back to how the emulator started.
    pub(crate) fn reset(&self) {
        self.tokens.replace(Tokens::default());
        self.journal.clear();
        self.faults.clear();
        self.throttle.reset();
        self.clock.reset();
        self.machines
            .replace(Machines::new(&self.instance.machines, self.clock.now_ms()));
        self.reset_requests();
    }

    /// The clock as `GET /_emulator/clock` shows it.
    pub(crate) fn clock_reading(&self) -> ClockReading {
        ClockReading {
            now_ms: self.clock.now_ms(),
            frozen: self.clock.is_frozen(),
        }
    }

    /// Freezes or unfreezes, sets, then advances the clock.
    pub(crate) fn change_clock(&self, change: &ClockRequest) -> ClockReading {
        match change.frozen {
            Some(true) => self.clock.freeze(),
            Some(false) => self.clock.unfreeze(),
            None => {}
        }
        if let Some(now_ms) = change.now_ms {
            self.clock.set_time(millis_to_system(now_ms));
        }
        if let Some(advance) = change.advance {
            self.clock.advance(advance);
        }
        self.clock_reading()
    }

    /// A token for a machine, as if that machine had created it.
    pub(crate) fn mint(&self, mint: &MintToken) -> Result<M2mToken, ApiFailure> {
        if let Expiry::Seconds(seconds) = mint.request.expiry {
            if seconds < 1 {
                return Err(ApiFailure::param_value(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "seconds_until_expiration",
                    "seconds_until_expiration must be greater than 0.",
                ));
            }
        }
        let machine = self.machines.get(&mint.machine_id).ok_or_else(|| {
            ApiFailure::not_found(format!(
                "No machine {} exists in this instance.",
                mint.machine_id
            ))
        })?;
        self.create(&machine, mint.request.clone())
    }

    /// The instance and its tokens as a state document.
    pub(crate) fn export_state(&self) -> Result<EmulatorState, ApiFailure> {
        let machines = self.machines.snapshot();
        let tokens = self.tokens.lock();
        EmulatorState::capture(&self.instance, &machines, &tokens)
            .map_err(|error| ApiFailure::internal(error.to_string()))
    }

    /// Replaces every token with the document's; the document must
    /// describe this very instance (ids, keys, machines, signing key).
    /// Returns how many tokens were loaded.
    pub(crate) fn import_state(&self, state: &EmulatorState) -> Result<usize, ApiFailure> {
        state
            .check_version()
            .map_err(|error| state_invalid(error.to_string()))?;
        let machines = self.machines.snapshot();
        state
            .check_same_instance(&self.instance, &machines)
            .map_err(|why| {
                ApiFailure::new(
                    StatusCode::CONFLICT,
                    "state_conflict",
                    "State of another instance",
                    format!(
                        "This state cannot be imported: {why}. Only the tokens of the instance as \
                     it is now can be imported; start the emulator with --state FILE to load \
                     another instance or other machines."
                    ),
                )
            })?;
        let tokens = state.tokens_for(&machines).map_err(state_invalid)?;
        let count = tokens.len();
        self.tokens.replace(tokens);
        Ok(count)
    }

    /// Writes the state file; 409 if the emulator has none.
    pub(crate) fn save_state(&self) -> Result<PathBuf, ApiFailure> {
        let path = self.state_file.clone().ok_or_else(|| {
            ApiFailure::new(
                StatusCode::CONFLICT,
                "state_file_not_configured",
                "No state file",
                "The emulator was started without a state file (--state FILE), so there is \
                 nowhere to save; GET /_emulator/state exports the state instead.",
            )
        })?;
        self.export_state()?.write_file(&path).map_err(|error| {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            ApiFailure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "state_write_failed",
                "State not saved",
                message,
            )
        })?;
        Ok(path)
    }
}

fn state_invalid(why: impl Into<String>) -> ApiFailure {
    ApiFailure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "state_invalid",
        "Invalid state",
        format!("This state cannot be imported: {}.", why.into()),
    )
}
