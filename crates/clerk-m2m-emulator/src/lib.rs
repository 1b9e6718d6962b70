#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_error;
mod app_state;
mod auth;
pub mod cli;
mod clock;
mod config;
mod control;
mod control_params;
mod dispatch;
mod duration;
mod emulator;
mod error;
mod faults;
mod ids;
mod instance;
mod journal;
mod jwt;
mod m2m;
mod machine_params;
mod machine_store;
mod machines;
mod params;
mod rate_limit;
mod read_timeout;
mod refusals;
mod routes;
mod server;
mod signing;
mod state_file;
mod token_store;

pub use config::EmulatorConfig;
pub use control::MintToken;
pub use emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
pub use error::EmulatorError;
pub use faults::Fault;
pub use instance::{Machine, MachineConfig, DEFAULT_TOKEN_TTL};
pub use journal::JournalEntry;
pub use rate_limit::RateLimit;
pub use signing::SigningKey;
pub use state_file::EmulatorState;

/// Re-exported for [`Fault::status`].
pub use http::StatusCode;

/// The `cat` (category) header of M2M JWTs.
pub const M2M_JWT_CATEGORY: &str = jwt::M2M_CATEGORY;
