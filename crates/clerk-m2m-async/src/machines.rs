//! The Machines API (`/v1/machines…`) through [`Client::machines`].

use crate::Client;
use clerk_m2m_types::{
    AddMachineScopeParams, CreateMachineParams, DeleteMachineParams, DeletedMachine,
    DeletedMachineScope, Error, GetMachineParams, GetMachineSecretKeyParams, ListMachinesParams,
    Machine, MachineList, MachineScope, MachineSecretKey, RemoveMachineScopeParams,
    RotateMachineSecretKeyParams, UpdateMachineParams,
};

impl Client {
    /// The Machines API: create, list, read, update and delete machines,
    /// read and rotate their secret keys, and change which machines each may
    /// call. Needs the instance secret key (`CLERK_SECRET_KEY`, `sk_…`).
    pub fn machines(&self) -> Machines<'_> {
        Machines { client: self }
    }
}

/// The Machines API calls of a [`Client`], as `@clerk/backend`'s
/// `clerk.machines.*`: get one with [`Client::machines`].
///
/// Every call is authorised with the instance secret key (`sk_…`); a call
/// without one, or with a machine key (`ak_…`) in its place, is refused
/// before sending ([`MachineRequestError`](clerk_m2m_types::MachineRequestError)).
/// Each goes through [`Client::send`], so params are checked locally, and
/// retries follow the [`RetryPolicy`](crate::RetryPolicy): list, get, update
/// and get-secret-key retry like the token list; the others only when
/// certainly not processed.
///
/// ```
/// use clerk_m2m_async::{Client, CreateMachineParams, TransportError};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let transport = |request: http::Request<Vec<u8>>| async move {
///     assert_eq!(request.uri(), "https://api.clerk.com/v1/machines");
///     assert_eq!(request.headers()["authorization"], "Bearer sk_test_example");
///     assert_eq!(request.body(), br#"{"name":"ci-runner"}"#);
///     let machine = r#"{"object":"machine","id":"mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
///         "name":"ci-runner","instance_id":"ins_2abcdefghijklmnopqrstuvwxyz",
///         "created_at":1716879600000,"updated_at":1716879600000,"default_token_ttl":3600,
///         "scoped_machines":[],"secret_key":"ak_test_new_machine"}"#;
///     http::Response::builder()
///         .status(200)
///         .header("content-type", "application/json")
///         .body(machine.as_bytes().to_vec())
///         .map_err(TransportError::other)
/// };
/// let client = Client::builder()
///     .secret_key("sk_test_example")
///     .transport(transport)
///     .build()?;
/// let machine = client
///     .machines()
///     .create(CreateMachineParams::new("ci-runner"))
///     .await?;
/// assert_eq!(machine.id, "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
/// assert!(machine.secret_key.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Machines<'a> {
    client: &'a Client,
}

impl Machines<'_> {
    /// Lists the instance's machines, a page at a time (`GET /v1/machines`).
    pub async fn list(&self, params: ListMachinesParams) -> Result<MachineList, Error> {
        self.client.send(&params).await
    }

    /// Creates a machine (`POST /v1/machines`); the answer carries its secret
    /// key, the only answer that does. Never retried once it may have been sent.
    pub async fn create(&self, params: CreateMachineParams) -> Result<Machine, Error> {
        self.client.send(&params).await
    }

    /// Reads a machine (`GET /v1/machines/{id}`).
    pub async fn get(&self, params: GetMachineParams) -> Result<Machine, Error> {
        self.client.send(&params).await
    }

    /// Renames a machine or changes its default token lifetime (`PATCH /v1/machines/{id}`).
    pub async fn update(&self, params: UpdateMachineParams) -> Result<Machine, Error> {
        self.client.send(&params).await
    }

    /// Deletes a machine (`DELETE /v1/machines/{id}`): its keys stop working.
    pub async fn delete(&self, params: DeleteMachineParams) -> Result<DeletedMachine, Error> {
        self.client.send(&params).await
    }

    /// Reads a machine's current secret key (`GET /v1/machines/{id}/secret_key`).
    pub async fn get_secret_key(
        &self,
        params: GetMachineSecretKeyParams,
    ) -> Result<MachineSecretKey, Error> {
        self.client.send(&params).await
    }

    /// Mints a new secret key for a machine; the previous one keeps working
    /// for the grace period given (`POST /v1/machines/{id}/secret_key/rotate`).
    /// Never retried once it may have been sent.
    pub async fn rotate_secret_key(
        &self,
        params: RotateMachineSecretKeyParams,
    ) -> Result<MachineSecretKey, Error> {
        self.client.send(&params).await
    }

    /// Lets a machine call another (`POST /v1/machines/{id}/scopes`); tokens
    /// created afterwards carry the scope.
    pub async fn add_scope(&self, params: AddMachineScopeParams) -> Result<MachineScope, Error> {
        self.client.send(&params).await
    }

    /// Stops a machine from calling another (`DELETE
    /// /v1/machines/{id}/scopes/{other_id}`); tokens created afterwards lose the scope.
    pub async fn remove_scope(
        &self,
        params: RemoveMachineScopeParams,
    ) -> Result<DeletedMachineScope, Error> {
        self.client.send(&params).await
    }
}
