//! Response models: the token object, the token list and the token format;
//! the machine object and the other answers of the Machines API.
//!
//! Every model ignores fields it does not know (Clerk adds fields over time)
//! and reads numbers leniently (an integral `1716883200000.0` is accepted
//! where the API documents an integer).

mod deleted_machine;
mod lenient;
mod machine;
mod machine_list;
mod machine_scope;
mod machine_secret_key;
mod token;
mod token_format;
mod token_list;

pub use deleted_machine::DeletedMachine;
pub use machine::{Machine, ScopedMachine};
pub use machine_list::MachineList;
pub use machine_scope::{DeletedMachineScope, MachineScope};
pub use machine_secret_key::MachineSecretKey;
pub use token::M2mToken;
pub use token_format::TokenFormat;
pub use token_list::M2mTokenList;

pub(crate) use lenient::millis_to_system_time;
