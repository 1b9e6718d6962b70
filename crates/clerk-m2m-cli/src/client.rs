//! The blocking client, configured from the global flags and environment.

use crate::args::GlobalArgs;
use crate::exit::Failure;
use clerk_m2m_blocking::Client;

/// A client for `--api-url` and the keys given (flags or environment).
/// A bad URL is a usage error; missing keys are reported by the call that
/// needs one.
pub(crate) fn client(global: &GlobalArgs) -> Result<Client, Failure> {
    let mut builder = Client::builder();
    if let Some(url) = global.api_url() {
        builder = builder.base_url(url);
    }
    if let Some(key) = global.machine_secret_key() {
        builder = builder.machine_secret_key(key.clone());
    }
    if let Some(key) = global.secret_key() {
        builder = builder.secret_key(key.clone());
    }
    builder.build().map_err(|error| {
        Failure::usage(format!("invalid configuration: {error}"))
            .with_hint("check --api-url / CLERK_API_URL, e.g. https://api.clerk.com")
    })
}
