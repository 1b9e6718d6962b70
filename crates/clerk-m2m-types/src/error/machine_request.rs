//! Problems found in a Machines API call before anything is sent.

/// A Machines API call (`/v1/machines…`) refused locally: nothing was sent.
///
/// Messages never include a key, and never the value given for a machine
/// id (a secret key pasted in its place would otherwise be shown).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineRequestError {
    /// No instance secret key is configured.
    #[error("the Machines API needs the instance secret key (sk_…): set CLERK_SECRET_KEY (a machine secret key cannot manage machines)")]
    MissingInstanceKey,
    /// The configured instance key is a machine secret key (`ak_…`).
    #[error("the Machines API needs the instance secret key (sk_…), and the key given as the instance key is a machine secret key (ak_…): set CLERK_SECRET_KEY to the instance key")]
    MachineKeyRefused,
    /// A machine id was empty.
    #[error("{field} is empty: give a machine id (mch_…)")]
    EmptyMachineId {
        /// Which parameter (`machine_id`, `to_machine_id`, `scoped_machines`…).
        field: &'static str,
    },
    /// A machine id that does not match `^mch_\w{27}$`.
    #[error(
        "{field} must be a machine id matching ^mch_\\w{{27}}$ (got {length} characters){hint}"
    )]
    InvalidMachineId {
        /// Which parameter (`machine_id`, `to_machine_id`, `scoped_machines`…).
        field: &'static str,
        /// Length of the value given (the value itself is never shown).
        length: usize,
        /// A hint when the value looks like a secret key rather than an id.
        hint: &'static str,
    },
    /// A machine name that is empty or longer than 255 characters.
    #[error("name must be 1 to 255 characters long, got {length}")]
    NameLength {
        /// The number of characters given.
        length: usize,
    },
    /// `default_token_ttl` outside 1–315360000 seconds.
    #[error("default_token_ttl must be between 1 and 315360000 seconds (10 years), got {seconds}")]
    DefaultTokenTtlOutOfRange {
        /// The value given.
        seconds: u64,
    },
    /// `previous_token_ttl` above 28800 seconds.
    #[error("previous_token_ttl must be between 0 and 28800 seconds (8 hours), got {seconds}")]
    PreviousTokenTtlOutOfRange {
        /// The value given.
        seconds: u64,
    },
    /// More than 150 machines in `scoped_machines`.
    #[error("scoped_machines may list at most 150 machines, got {count}")]
    TooManyScopes {
        /// How many were given.
        count: usize,
    },
    /// An update that sets no field.
    #[error("an update must change at least one field: name or default_token_ttl")]
    NothingToUpdate,
    /// A list `limit` outside 1–500.
    #[error("limit must be between 1 and 500, got {limit}")]
    LimitOutOfRange {
        /// The limit given.
        limit: u64,
    },
    /// An `order_by` that is not a field name with an optional `+`/`-`.
    #[error("order_by must be a field name such as name or created_at, optionally prefixed with + or - (e.g. -created_at)")]
    InvalidOrderBy,
}

impl MachineRequestError {
    /// The error for a value given as the machine id in `field`.
    pub(crate) fn invalid_machine_id(field: &'static str, value: &str) -> Self {
        if value.is_empty() {
            return Self::EmptyMachineId { field };
        }
        let looks_like_key = ["ak_", "sk_"]
            .iter()
            .any(|prefix| value.starts_with(prefix));
        Self::InvalidMachineId {
            field,
            length: value.chars().count(),
            hint: if looks_like_key {
                "; this looks like a secret key, not a machine id"
            } else {
                ""
            },
        }
    }
}
