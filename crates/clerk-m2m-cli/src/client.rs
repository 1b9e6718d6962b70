//! The blocking client, configured from the global flags and environment.

use crate::args::GlobalArgs;
use crate::exit::Failure;
use crate::verbose::Verbose;
use clerk_m2m_blocking::{Client, UreqTransport};
use clerk_m2m_types::{Config, ConfigBuilder};

/// A client for `--api-url` and the keys given (flags or environment).
/// A bad URL is a usage error; missing keys are reported by the call that
/// needs one.
pub(crate) fn client(global: &GlobalArgs) -> Result<Client, Failure> {
    let mut builder = Config::builder();
    if let Some(url) = global.api_url() {
        builder = builder.base_url(url);
    }
    if let Some(key) = global.machine_secret_key() {
        builder = builder.machine_secret_key(key.clone());
    }
    if let Some(key) = global.secret_key() {
        builder = builder.secret_key(key.clone());
    }
    let config = builder.build().map_err(|error| {
        Failure::usage(format!("invalid configuration: {error}"))
            .with_hint("check --api-url / CLERK_API_URL, e.g. https://api.clerk.com")
    })?;
    build(config.to_builder(), global)
}

/// The client for `config` with `--timeout` as its call timeout, over the
/// built-in transport, which `--verbose` wraps to print each attempt.
pub(crate) fn build(mut config: ConfigBuilder, global: &GlobalArgs) -> Result<Client, Failure> {
    if let Some(timeout) = global.timeout {
        config = config.call_timeout(timeout);
    }
    let invalid = |error: clerk_m2m_types::ConfigError| {
        Failure::usage(format!("invalid configuration: {error}"))
    };
    let config = config.build().map_err(invalid)?;
    if !global.verbose {
        return Client::new(config).map_err(invalid);
    }
    let transport = UreqTransport::new().map_err(invalid)?;
    let verbose = Verbose::to_stderr(transport, config.retry_policy().clone(), global.output);
    Client::with_transport(config, verbose).map_err(invalid)
}
