//! The parts of the two clients' public API that are the same but for
//! `async`/`.await`, written once. Each macro is expanded inside the client
//! crate (`clerk-m2m-async` with `async; .await`, `clerk-m2m-blocking` with
//! nothing), where `crate::…` names that client's own types, so a method
//! and its documentation exist in one place and cannot drift.

/// The Machines API methods (`impl Machines<'_>`) and
/// `Client::machines`, over the client's `send`.
#[doc(hidden)]
#[macro_export]
// `crate` is meant: the client crate expanding the macro.
#[allow(clippy::crate_in_macro_def)]
macro_rules! machines_api {
    ($($async:ident)?; $(.$await:ident)?) => {
        impl crate::Client {
            /// The Machines API: create, list, read, update and delete machines,
            /// read and rotate their secret keys, and change which machines each may
            /// call. Needs the instance secret key (`CLERK_SECRET_KEY`, `sk_…`).
            pub fn machines(&self) -> crate::Machines<'_> {
                crate::Machines { client: self }
            }
        }

        impl crate::Machines<'_> {
            /// Lists the instance's machines, a page at a time (`GET /v1/machines`).
            pub $($async)? fn list(
                &self,
                params: $crate::ListMachinesParams,
            ) -> Result<$crate::MachineList, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }

            /// Creates a machine (`POST /v1/machines`); the answer carries its secret
            /// key, the only answer that does. Never retried once it may have been sent.
            pub $($async)? fn create(
                &self,
                params: $crate::CreateMachineParams,
            ) -> Result<$crate::Machine, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }

            /// Reads a machine (`GET /v1/machines/{id}`).
            pub $($async)? fn get(
                &self,
                params: $crate::GetMachineParams,
            ) -> Result<$crate::Machine, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }

            /// Renames a machine or changes its default token lifetime (`PATCH /v1/machines/{id}`).
            pub $($async)? fn update(
                &self,
                params: $crate::UpdateMachineParams,
            ) -> Result<$crate::Machine, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }

            /// Deletes a machine (`DELETE /v1/machines/{id}`): its keys stop working.
            pub $($async)? fn delete(
                &self,
                params: $crate::DeleteMachineParams,
            ) -> Result<$crate::DeletedMachine, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }

            /// Reads a machine's current secret key (`GET /v1/machines/{id}/secret_key`).
            pub $($async)? fn get_secret_key(
                &self,
                params: $crate::GetMachineSecretKeyParams,
            ) -> Result<$crate::MachineSecretKey, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }

            /// Mints a new secret key for a machine; the previous one keeps working
            /// for the grace period given (`POST /v1/machines/{id}/secret_key/rotate`).
            /// Never retried once it may have been sent.
            pub $($async)? fn rotate_secret_key(
                &self,
                params: $crate::RotateMachineSecretKeyParams,
            ) -> Result<$crate::MachineSecretKey, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }

            /// Lets a machine call another (`POST /v1/machines/{id}/scopes`); tokens
            /// created afterwards carry the scope.
            pub $($async)? fn add_scope(
                &self,
                params: $crate::AddMachineScopeParams,
            ) -> Result<$crate::MachineScope, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }

            /// Stops a machine from calling another (`DELETE
            /// /v1/machines/{id}/scopes/{other_id}`); tokens created afterwards lose the scope.
            pub $($async)? fn remove_scope(
                &self,
                params: $crate::RemoveMachineScopeParams,
            ) -> Result<$crate::DeletedMachineScope, $crate::Error> {
                self.client.send(&params) $(.$await)?
            }
        }
    };
}

/// The client type itself: its shared state (config, transport, local
/// JWT verifier), `Debug`, constructors and `config()`; the attributes
/// given (the type's docs) go on the struct.
#[doc(hidden)]
#[macro_export]
// `crate` is meant: the client crate expanding the macro.
#[allow(clippy::crate_in_macro_def)]
macro_rules! client_core {
    ($(#[$doc:meta])*) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct Client {
            inner: ::std::sync::Arc<Inner>,
        }

        struct Inner {
            config: $crate::Config,
            transport: ::std::sync::Arc<dyn crate::Transport>,
            #[cfg(feature = "jwt")]
            local: crate::local_verify::LocalVerifier,
        }

        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let mut debug = f.debug_struct("Client");
                debug.field("config", &self.inner.config);
                #[cfg(feature = "jwt")]
                debug.field("jwt_keys", &self.inner.local.source_name());
                debug.finish_non_exhaustive()
            }
        }

        impl Client {
            /// A client for `config` over the built-in transport (the crate's HTTP
            /// feature, on by default; without it, [`ConfigError::NoTransport`](clerk_m2m_types::ConfigError::NoTransport)).
            pub fn new(config: $crate::Config) -> Result<Self, $crate::ConfigError> {
                Self::from_shared_transport(config, crate::builder::default_transport()?)
            }

            /// A client for `config` over `transport` (any [`Transport`](crate::Transport), a
            /// closure, or an `Arc` of one shared with other clients).
            pub fn with_transport(
                config: $crate::Config,
                transport: impl crate::Transport + 'static,
            ) -> Result<Self, $crate::ConfigError> {
                Self::from_shared_transport(config, ::std::sync::Arc::new(transport))
            }

            /// A client configured from the environment ([`Config::from_env`](clerk_m2m_types::Config::from_env):
            /// `CLERK_API_URL`, `CLERK_MACHINE_SECRET_KEY`, `CLERK_SECRET_KEY`,
            /// `CLERK_JWT_KEY`) over the built-in transport.
            pub fn from_env() -> Result<Self, $crate::ConfigError> {
                Self::new($crate::Config::from_env()?)
            }

            /// A builder: every [`Config`](clerk_m2m_types::Config) setting, plus the transport.
            pub fn builder() -> crate::ClientBuilder {
                crate::ClientBuilder::default()
            }

            pub(crate) fn from_shared_transport(
                config: $crate::Config,
                transport: ::std::sync::Arc<dyn crate::Transport>,
            ) -> Result<Self, $crate::ConfigError> {
                #[cfg(feature = "jwt")]
                let local = {
                    let (plan, options) = config.jwt_key_plan()?;
                    crate::local_verify::LocalVerifier::new(plan, options, ::std::sync::Arc::clone(config.clock()))
                };
                Ok(Self {
                    inner: ::std::sync::Arc::new(Inner {
                        config,
                        transport,
                        #[cfg(feature = "jwt")]
                        local,
                    }),
                })
            }

            /// The configuration in use (keys, base URL, retry policy, call
            /// timeout, clock, local JWT verification).
            pub fn config(&self) -> &$crate::Config {
                &self.inner.config
            }

            #[cfg(feature = "jwt")]
            pub(crate) fn local_verifier(&self) -> &crate::local_verify::LocalVerifier {
                &self.inner.local
            }
        }
    };
}

/// The `Authenticator`: from an `Authorization` header to a verified
/// machine through the client's `verify_token_str` and [`AuthRules`](crate::AuthRules);
/// the attributes given (the type's docs) go on the struct.
#[doc(hidden)]
#[macro_export]
// `crate` is meant: the client crate expanding the macro.
#[allow(clippy::crate_in_macro_def)]
macro_rules! authenticator_api {
    ($($async:ident)?; $(.$await:ident)?; $(#[$doc:meta])*) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct Authenticator {
            client: crate::Client,
            rules: $crate::AuthRules,
        }

        impl Authenticator {
            /// An authenticator verifying with `client` and requiring no scope.
            ///
            /// The client needs a key that may verify the callers' tokens: the
            /// instance secret key (`sk_…`), or a machine key for tokens scoped to
            /// that machine; for JWTs, `CLERK_JWT_KEY` or the instance key.
            pub fn new(client: crate::Client) -> Self {
                Self {
                    client,
                    rules: $crate::AuthRules::new(),
                }
            }

            /// [`AuthRules::require_scope`](clerk_m2m_types::AuthRules::require_scope): this token may call me.
            pub fn require_scope(mut self, machine_id: impl Into<String>) -> Self {
                self.rules = self.rules.require_scope(machine_id);
                self
            }

            /// [`AuthRules::trust_jwt_scopes`](clerk_m2m_types::AuthRules::trust_jwt_scopes) (default `false`).
            pub fn trust_jwt_scopes(mut self, trust: bool) -> Self {
                self.rules = self.rules.trust_jwt_scopes(trust);
                self
            }

            /// The client used to verify.
            pub fn client(&self) -> &crate::Client {
                &self.client
            }

            /// Authenticates a request by its `Authorization` header.
            pub $($async)? fn authenticate<B>(
            &self,
            request: &::http::Request<B>,
        ) -> Result<$crate::M2mToken, $crate::AuthError> {
                let token = $crate::driver::auth::bearer_token_from_headers(request.headers())?;
                self.authenticate_token(token) $(.$await)?
            }

            /// Authenticates an `Authorization` header value (`None` when absent).
            pub $($async)? fn authenticate_header_value(
                &self,
                value: Option<&::http::HeaderValue>,
            ) -> Result<$crate::M2mToken, $crate::AuthError> {
                let token = $crate::driver::auth::bearer_token_from_value(value)?;
                self.authenticate_token(token) $(.$await)?
            }

            /// Authenticates an `Authorization` header value given as text
            /// (`Bearer <token>`; the scheme is case-insensitive).
            pub $($async)? fn authenticate_header(
                &self,
                value: Option<&str>,
            ) -> Result<$crate::M2mToken, $crate::AuthError> {
                let token = $crate::driver::auth::bearer_token(value)?;
                self.authenticate_token(token) $(.$await)?
            }

            /// Authenticates a bare token value (no `Bearer`).
            pub $($async)? fn authenticate_token(
                &self,
                token: &str,
            ) -> Result<$crate::M2mToken, $crate::AuthError> {
                $crate::driver::auth::classify_bearer(token)?;
                let verified = self.client.verify_token_str(token) $(.$await)?;
                self.rules.accept(token, verified)
            }
        }
    };
}

/// The `ClientBuilder`: every [`ConfigBuilder`](crate::ConfigBuilder)
/// setter (through `config_setters!`), the transport and `build`; the
/// attributes given (the type's docs) go on the struct.
#[doc(hidden)]
#[macro_export]
// `crate` is meant: the client crate expanding the macro.
#[allow(clippy::crate_in_macro_def)]
macro_rules! client_builder {
    ($(#[$doc:meta])*) => {
        $(#[$doc])*
        #[derive(Default)]
        pub struct ClientBuilder {
            config: $crate::ConfigBuilder,
            transport: Option<::std::sync::Arc<dyn crate::Transport>>,
        }

        impl ::std::fmt::Debug for ClientBuilder {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("ClientBuilder")
                    .field("config", &self.config)
                    .field("custom_transport", &self.transport.is_some())
                    .finish()
            }
        }

        impl ClientBuilder {
            $crate::config_setters!();

            /// The transport: a [`Transport`](crate::Transport) implementation, a closure, or an
            /// `Arc` of one shared with other clients (default: the crate's built-in
            /// transport, when its HTTP feature is on).
            pub fn transport(mut self, transport: impl crate::Transport + 'static) -> Self {
                self.transport = Some(::std::sync::Arc::new(transport));
                self
            }

            /// Validates the configuration and builds the client.
            ///
            /// Fails with [`ConfigError::NoTransport`](clerk_m2m_types::ConfigError::NoTransport) when no transport was set and
            /// the crate's HTTP feature is off.
            pub fn build(self) -> Result<crate::Client, $crate::ConfigError> {
                let config = self.config.build()?;
                match self.transport {
                    Some(transport) => crate::Client::from_shared_transport(config, transport),
                    None => crate::Client::new(config),
                }
            }
        }

        /// For `Client::builder().config(...)`-style code that holds a `Config`.
        impl From<$crate::Config> for ClientBuilder {
            fn from(config: $crate::Config) -> Self {
                Self {
                    config: config.to_builder(),
                    transport: None,
                }
            }
        }
    };
}

/// The `TokenSource` methods that only delegate to its
/// [`SharedSource`](crate::driver::token_cache::SharedSource) (a field
/// `shared`), `authorization_header` over the client's `get`, and
/// `NewTokenSource` so `TokenSources` can make one.
#[doc(hidden)]
#[macro_export]
// `crate` is meant: the client crate expanding the macro.
#[allow(clippy::crate_in_macro_def)]
macro_rules! token_source_api {
    ($($async:ident)?; $(.$await:ident)?) => {
        impl crate::TokenSource {
            /// A source with the default settings (the server's default lifetime,
            /// no claims, opaque format, 60 s refresh margin).
            pub fn new(client: crate::Client) -> Self {
                Self::with_settings(client, $crate::TokenSourceSettings::new())
            }

            /// The settings in use.
            pub fn settings(&self) -> &$crate::TokenSourceSettings {
                self.shared.settings()
            }

            /// `Bearer <token>` for an `Authorization` header, marked sensitive.
            pub $($async)? fn authorization_header(
                &self,
            ) -> Result<::http::HeaderValue, $crate::Error> {
                $crate::driver::token_cache::bearer_header(&*self.get() $(.$await)? ?)
            }

            /// Forgets the cached token: the next [`get`](Self::get) creates one.
            pub fn invalidate(&self) {
                self.shared.invalidate();
            }

            /// Forgets the cached token only if it is `token_id` (the callee
            /// rejected it): many rejections of one token cause one new create, and
            /// a replacement rejected too is kept for a backoff first (see
            /// [`TokenCache::invalidate_token`](clerk_m2m_types::driver::token_cache::TokenCache::invalidate_token)).
            /// Returns whether it was dropped.
            pub fn invalidate_token(&self, token_id: &str) -> bool {
                self.shared.invalidate_token(token_id)
            }

            /// How many creates have returned a token so far (each one billed).
            pub fn tokens_created(&self) -> u64 {
                self.shared.tokens_created()
            }
        }

        impl $crate::driver::token_cache::NewTokenSource for crate::TokenSource {
            type Client = crate::Client;

            fn new_source(client: crate::Client, settings: $crate::TokenSourceSettings) -> Self {
                Self::with_settings(client, settings)
            }
        }
    };
}
