//! Starting an emulator and controlling a running one.

use crate::app_state::{AppState, Settings, SharedState, DEFAULT_READ_TIMEOUT};
use crate::clock::{millis_to_system, Clock};
use crate::config::EmulatorConfig;
use crate::control::MintToken;
use crate::faults::{Fault, RouteFilter};
use crate::instance::{Instance, InstanceSpec, Machine, MachineConfig, DEFAULT_TOKEN_TTL};
use crate::journal::JournalEntry;
use crate::rate_limit::RateLimit;
use crate::server;
use crate::signing::SigningKey;
use crate::state_file::EmulatorState;
use crate::token_store::Tokens;
use crate::EmulatorError;
use clerk_m2m_types::{M2mToken, SecretString};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

/// Entry point: `Emulator::builder()…start()`, or [`Emulator::start`] for the defaults.
///
/// ```
/// use clerk_m2m_emulator::Emulator;
///
/// let emulator = Emulator::start()?; // 127.0.0.1, any free port, two machines
/// assert!(emulator.url().starts_with("http://127.0.0.1:"));
/// assert!(emulator.instance_id().starts_with("ins_"));
/// let [a, b] = emulator.machines() else { unreachable!() };
/// assert_eq!(a.scopes(), [b.id().to_owned()]);
/// # Ok::<(), clerk_m2m_emulator::EmulatorError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: 127.0.0.1, port 0 (any free port), a
    /// fresh instance with two machines that may call each other.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Starts an emulator with the defaults.
    pub fn start() -> Result<EmulatorHandle, EmulatorError> {
        Self::builder().start()
    }
}

/// Configures an emulator. Setters never fail; [`start`](Self::start) checks everything.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    host: IpAddr,
    port: u16,
    instance_id: Option<String>,
    secret_key: Option<SecretString>,
    signing_key: Option<SigningKey>,
    signing_key_pem_file: Option<PathBuf>,
    issuer: Option<String>,
    default_token_ttl: Duration,
    machines: Vec<MachineConfig>,
    rate_limit: Option<RateLimit>,
    start_time: Option<SystemTime>,
    frozen_clock: bool,
    read_timeout: Duration,
    state_file: Option<PathBuf>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            instance_id: None,
            secret_key: None,
            signing_key: None,
            signing_key_pem_file: None,
            issuer: None,
            default_token_ttl: DEFAULT_TOKEN_TTL,
            machines: Vec::new(),
            rate_limit: None,
            start_time: None,
            frozen_clock: false,
            read_timeout: DEFAULT_READ_TIMEOUT,
            state_file: None,
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default 127.0.0.1).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The port (default 0: any free port; read it back from [`EmulatorHandle::url`]).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The instance id (`ins_…`; default: generated). It is the JWTs' `kid`.
    pub fn instance_id(mut self, id: impl Into<String>) -> Self {
        self.instance_id = Some(id.into());
        self
    }

    /// The instance secret key (`sk_…`; default: a generated `sk_test_…`).
    pub fn secret_key(mut self, key: impl Into<SecretString>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// The RSA key JWTs are signed with (default: a fresh RSA-2048 key).
    /// Sharing one key between emulators saves the generation time.
    pub fn signing_key(mut self, key: SigningKey) -> Self {
        self.signing_key = Some(key);
        self
    }

    /// Loads the signing key from a PEM file at start (PKCS#8 or PKCS#1).
    /// [`signing_key`](Self::signing_key) wins if both are set.
    pub fn signing_key_pem_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.signing_key_pem_file = Some(path.into());
        self
    }

    /// The JWTs' `iss` claim (default: the emulator's URL).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The lifetime of tokens created without `seconds_until_expiration` and
    /// of JWTs created without a number, for machines that do not set their
    /// own (default one hour; whole seconds).
    pub fn default_token_ttl(mut self, ttl: Duration) -> Self {
        self.default_token_ttl = ttl;
        self
    }

    /// Adds a machine. With none added, the instance has two,
    /// `machine-a` and `machine-b`, each allowed to call the other.
    pub fn machine(mut self, machine: MachineConfig) -> Self {
        self.machines.push(machine);
        self
    }

    /// Limits requests per window (default: no limit). See [`RateLimit`].
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Starts the emulated clock at `time` instead of now.
    pub fn start_time(mut self, time: SystemTime) -> Self {
        self.start_time = Some(time);
        self
    }

    /// Starts with a frozen clock: time moves only through
    /// [`EmulatorHandle::advance`] and [`EmulatorHandle::set_time`].
    pub fn frozen_clock(mut self, frozen: bool) -> Self {
        self.frozen_clock = frozen;
        self
    }

    /// How long a client may take to send a request's head, and then its
    /// body (default 30 s each). A late head closes the connection; a late
    /// body gets 408 `request_timeout` and closes it.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Keeps the instance in a state file: if `path` exists at start, its
    /// instance id and secret key, machines, signing key and opaque tokens
    /// are loaded (they win over the builder's and the config's);
    /// [`EmulatorHandle::save_state`] and
    /// [`EmulatorHandle::shutdown_and_save`] write them back.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Applies a config file's settings (those it sets) on top of this builder.
    pub fn config(mut self, config: EmulatorConfig) -> Self {
        let parts = config.into_parts();
        if let Some(host) = parts.host {
            self.host = host;
        }
        if let Some(port) = parts.port {
            self.port = port;
        }
        if parts.instance_id.is_some() {
            self.instance_id = parts.instance_id;
        }
        if parts.secret_key.is_some() {
            self.secret_key = parts.secret_key;
        }
        if parts.signing_key_pem_file.is_some() {
            self.signing_key_pem_file = parts.signing_key_pem_file;
        }
        if parts.issuer.is_some() {
            self.issuer = parts.issuer;
        }
        if let Some(ttl) = parts.default_token_ttl {
            self.default_token_ttl = ttl;
        }
        if parts.rate_limit.is_some() {
            self.rate_limit = parts.rate_limit;
        }
        self.machines.extend(parts.machines);
        self
    }

    /// Binds, generates or loads what is missing, and starts serving on a
    /// thread of its own with its own tokio runtime. Works from blocking
    /// code and from inside any async runtime (it blocks only briefly, for
    /// key generation and the bind).
    pub fn start(self) -> Result<EmulatorHandle, EmulatorError> {
        if self.read_timeout.is_zero() {
            return Err(EmulatorError::config("the read timeout must be above zero"));
        }
        let saved = match &self.state_file {
            Some(path) => EmulatorState::read_file(path)?,
            None => None,
        };
        let (instance_id, secret_key, machines, signing_key) = match &saved {
            Some(state) => {
                let (id, key, machines) = state.identity();
                (Some(id), Some(key), machines, state.signing_key()?)
            }
            None => {
                let signing_key = match (self.signing_key, &self.signing_key_pem_file) {
                    (Some(key), _) => key,
                    (None, Some(path)) => SigningKey::from_pem_file(path)?,
                    (None, None) => SigningKey::generate()?,
                };
                (
                    self.instance_id,
                    self.secret_key,
                    self.machines,
                    signing_key,
                )
            }
        };
        let requested = SocketAddr::new(self.host, self.port);
        let bind_error = |source| EmulatorError::Bind {
            addr: requested,
            source,
        };
        let listener = std::net::TcpListener::bind(requested).map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let url = format!("http://{addr}");
        let instance = Instance::resolve(InstanceSpec {
            id: instance_id,
            secret_key,
            machines,
            default_token_ttl: self.default_token_ttl,
            signing_key,
            issuer: self.issuer.unwrap_or_else(|| url.clone()),
            from_state: saved.is_some(),
        })
        .map_err(|error| match (&saved, error) {
            (Some(_), EmulatorError::InvalidConfig { reason }) => EmulatorError::state(reason),
            (_, error) => error,
        })?;
        let tokens = match &saved {
            Some(state) => state
                .tokens_for(&instance.machines)
                .map_err(EmulatorError::state)?,
            None => Tokens::default(),
        };
        let clock = Clock::new(self.start_time, self.frozen_clock);
        let settings = Settings {
            rate_limit: self.rate_limit,
            state_file: self.state_file,
            read_timeout: self.read_timeout,
        };
        let state = Arc::new(AppState::new(instance, clock, tokens, settings));
        let (shutdown, shutdown_rx) = watch::channel(());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let server_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("clerk-m2m-emulator".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("clerk-m2m-emulator-worker")
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            let _ = ready_tx.send(Ok(()));
                            server::serve(listener, server_state, shutdown_rx).await;
                        }
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                        }
                    }
                });
                // Dropping the runtime here cancels every connection task.
            })
            .map_err(EmulatorError::Runtime)?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                let _ = thread.join();
                return Err(EmulatorError::Runtime(error));
            }
            Err(_) => {
                let _ = thread.join();
                return Err(EmulatorError::Runtime(std::io::Error::other(
                    "the emulator thread exited during start",
                )));
            }
        }
        Ok(EmulatorHandle {
            state,
            addr,
            url,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

/// A running emulator. Dropping it (or [`shutdown`](Self::shutdown)) stops
/// the server and closes its connections.
///
/// Control methods (`advance`, `inject_fault`, …) act immediately and may be
/// called from any thread; the handle is `Send + Sync`.
pub struct EmulatorHandle {
    state: SharedState,
    addr: SocketAddr,
    url: String,
    shutdown: Option<watch::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("url", &self.url)
            .field("instance_id", &self.instance_id())
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash): the
    /// value for `CLERK_API_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The instance id (`ins_…`), also the JWTs' `kid`.
    pub fn instance_id(&self) -> &str {
        &self.state.instance.id
    }

    /// The instance secret key (`sk_test_…`): list, revoke and verify any
    /// token, fetch the JWKS. It cannot create tokens.
    pub fn secret_key(&self) -> &SecretString {
        &self.state.instance.secret_key
    }

    /// The machines configured at start, in configuration order, as they
    /// were then (see [`current_machines`](Self::current_machines) for the
    /// machines as the Machines API has left them).
    pub fn machines(&self) -> &[Machine] {
        &self.state.instance.machines
    }

    /// The machines as they are now, in creation order: those configured at
    /// start (with any change made through `/v1/machines…`) unless deleted,
    /// then those created through the API.
    pub fn current_machines(&self) -> Vec<Machine> {
        self.state.machines.snapshot()
    }

    /// The machine with this id as it is now (`None` if it does not exist
    /// or was deleted).
    pub fn current_machine(&self, id: &str) -> Option<Machine> {
        self.state.machines.get(id)
    }

    /// The machine with this configured name (e.g. `machine-a`).
    pub fn machine(&self, name: &str) -> Option<&Machine> {
        self.machines()
            .iter()
            .find(|machine| machine.name() == name)
    }

    /// The signing key's public half as SPKI PEM, for `CLERK_JWT_KEY`.
    pub fn public_key_pem(&self) -> String {
        self.state.instance.signing_key.public_key_pem()
    }

    /// The signing key (to reuse it for another emulator or save it).
    pub fn signing_key(&self) -> &SigningKey {
        &self.state.instance.signing_key
    }

    /// The JWTs' `iss` claim.
    pub fn issuer(&self) -> &str {
        &self.state.instance.issuer
    }

    /// The emulated time.
    pub fn now(&self) -> SystemTime {
        millis_to_system(self.state.clock.now_ms())
    }

    /// Moves the emulated clock forward by `by` (expiry, rate-limit windows).
    pub fn advance(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Sets the emulated clock; it keeps ticking from there unless frozen.
    pub fn set_time(&self, time: SystemTime) {
        self.state.clock.set_time(time);
    }

    /// Stops the emulated clock: only `advance`/`set_time` move it.
    pub fn freeze_time(&self) {
        self.state.clock.freeze();
    }

    /// Lets a frozen clock tick again from the time it shows.
    pub fn resume_time(&self) {
        self.state.clock.unfreeze();
    }

    /// Whether the emulated clock is frozen.
    pub fn is_time_frozen(&self) -> bool {
        self.state.clock.is_frozen()
    }

    /// Applies `fault` to the next `times` requests (after any faults
    /// already queued).
    pub fn inject_fault(&self, fault: Fault, times: usize) {
        self.state.faults.push(fault, None, times);
    }

    /// Applies `fault` to the next `times` requests matching `route`:
    /// `METHOD /path`, a `{name}` segment matching any one segment, a
    /// leading `/v1` ignored (`"POST /m2m_tokens"` also faults
    /// `POST /v1/m2m_tokens`; `"POST /m2m_tokens/{id}/revoke"` any revoke).
    /// A request takes the first queued fault that matches it.
    pub fn inject_fault_on(
        &self,
        route: &str,
        fault: Fault,
        times: usize,
    ) -> Result<(), EmulatorError> {
        let route = RouteFilter::parse(route).map_err(EmulatorError::config)?;
        self.state.faults.push(fault, Some(route), times);
        Ok(())
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// How many upcoming requests still get a fault.
    pub fn pending_faults(&self) -> usize {
        self.state.faults.pending()
    }

    /// Sets or removes the rate limit (the count starts afresh).
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.state.throttle.set(limit);
    }

    /// The rate limit in force.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.state.throttle.limit()
    }

    /// How many API requests have arrived since start or the last
    /// [`reset`](Self::reset) (faulted and rate-limited ones too; control
    /// routes are not counted).
    pub fn requests_received(&self) -> u64 {
        self.state.requests()
    }

    /// The request journal: every API request answered since start or the
    /// last clear, oldest first (see [`JournalEntry`]).
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.state.journal.since(0)
    }

    /// The journal entries with `seq` greater than `seq`.
    pub fn journal_since(&self, seq: u64) -> Vec<JournalEntry> {
        self.state.journal.since(seq)
    }

    /// Empties the journal (`seq` keeps counting).
    pub fn clear_journal(&self) {
        self.state.journal.clear();
    }

    /// Back to how the emulator started: no tokens, the machines configured
    /// at start (created ones gone, changes undone), an empty journal, no
    /// faults, the start's rate limit with a fresh window, the clock's
    /// start offset, ticking.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Mints a token for a machine without its key: the same rules and
    /// answer as a create by that machine.
    pub fn mint_token(&self, request: &MintToken) -> Result<M2mToken, EmulatorError> {
        Ok(self.state.mint(request)?)
    }

    /// The instance and its opaque tokens, as a state document.
    pub fn export_state(&self) -> Result<EmulatorState, EmulatorError> {
        Ok(self.state.export_state()?)
    }

    /// Replaces every opaque token with the document's; returns how many.
    /// The document must be this instance's (same ids, keys, machines and
    /// signing key; refused with 409 `state_conflict` otherwise).
    pub fn import_state(&self, state: &EmulatorState) -> Result<usize, EmulatorError> {
        Ok(self.state.import_state(state)?)
    }

    /// The state file given to the builder, if any.
    pub fn state_file(&self) -> Option<&Path> {
        self.state.state_file.as_deref()
    }

    /// Writes the state file now and returns its path (refused with 409
    /// `state_file_not_configured` without one).
    pub fn save_state(&self) -> Result<PathBuf, EmulatorError> {
        Ok(self.state.save_state()?)
    }

    /// How many opaque tokens are stored (any subject, any state).
    pub fn stored_tokens(&self) -> usize {
        self.state.tokens.lock().len()
    }

    /// Stops the server and waits for its thread (same as dropping the
    /// handle). The state file, if any, is not written: see
    /// [`shutdown_and_save`](Self::shutdown_and_save).
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Stops the server (no request changes anything after this), then
    /// writes the state file if one was given.
    pub fn shutdown_and_save(mut self) -> Result<(), EmulatorError> {
        self.stop();
        if self.state.state_file.is_some() {
            self.state.save_state()?;
        }
        Ok(())
    }

    fn stop(&mut self) {
        // Dropping the sender tells the accept loop and every connection to stop.
        drop(self.shutdown.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
