//! Both clients' builders, one set of checks: the macro expands it once per
//! client, with a transport that is never called.

use clerk_m2m::{Config, ConfigError, RetryPolicy, TransportError, DEFAULT_CALL_TIMEOUT};

type Answer = Result<http::Response<Vec<u8>>, TransportError>;

macro_rules! builder_checks {
    ($client:ident, $Client:path, $never_called:expr) => {
        mod $client {
            use super::*;
            use $Client as Client;

            #[test]
            fn setters_override_the_config_whatever_the_order() {
                let config = Config::builder()
                    .base_url("http://from-config.example")
                    .api_version("2025-01-01")
                    .machine_secret_key("ak_config")
                    .build()
                    .expect("config");
                let client = Client::builder()
                    .base_url("http://from-setter.example/")
                    .config(config)
                    .transport($never_called)
                    .build()
                    .expect("client");
                let config = client.config();
                assert_eq!(config.base_url(), "http://from-setter.example");
                assert_eq!(config.api_version(), "2025-01-01");
                let key = config.machine_secret_key().expect("the config's key");
                assert_eq!(key.expose_secret(), "ak_config");
                assert_eq!(config.call_timeout(), DEFAULT_CALL_TIMEOUT);
                assert_eq!(config.retry_policy(), &RetryPolicy::default());
            }

            #[test]
            fn invalid_config_is_refused_at_build() {
                let error = Client::builder()
                    .base_url("ftp://x")
                    .transport($never_called)
                    .build()
                    .expect_err("an ftp base URL");
                assert!(
                    matches!(error, ConfigError::InvalidBaseUrl { .. }),
                    "{error:?}"
                );
            }

            #[test]
            fn debug_shows_no_secret() {
                let builder = Client::builder()
                    .machine_secret_key("ak_test_sentinel")
                    .secret_key("sk_test_sentinel");
                assert!(!format!("{builder:?} {builder:#?}").contains("sentinel"));
                let client = builder.transport($never_called).build().expect("client");
                assert!(!format!("{client:?} {client:#?}").contains("sentinel"));
            }
        }
    };
}

builder_checks!(
    async_client,
    clerk_m2m::Client,
    |_request: http::Request<Vec<u8>>| { std::future::pending::<Answer>() }
);
builder_checks!(
    blocking_client,
    clerk_m2m::blocking::Client,
    |_request: http::Request<Vec<u8>>| -> Answer {
        Err(TransportError::other("not expected to be called"))
    }
);
