//! Response models: the token object, the token list and the token format.
//!
//! Every model ignores fields it does not know (Clerk adds fields over time)
//! and reads numbers leniently (an integral `1716883200000.0` is accepted
//! where the API documents an integer).

mod lenient;
mod token;
mod token_format;
mod token_list;

pub use token::M2mToken;
pub use token_format::TokenFormat;
pub use token_list::M2mTokenList;

pub(crate) use lenient::millis_to_system_time;
