//! Problems found in a call's parameters before anything is sent.

/// A call refused locally: nothing was sent.
///
/// Messages never include a key or token value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// No key to authorise the call.
    #[error("no secret key: set CLERK_MACHINE_SECRET_KEY (a machine secret key, ak_…), or CLERK_SECRET_KEY for calls other than create, or pass a key for this call")]
    MissingSecretKey,
    /// Create was attempted with an instance secret key.
    #[error("creating a token needs a machine secret key (ak_…), not an instance secret key (sk_…): set CLERK_MACHINE_SECRET_KEY or pass machine_secret_key")]
    InstanceKeyCannotCreate,
    /// The key contains characters that cannot go in an HTTP header.
    #[error("the secret key contains characters not allowed in an HTTP header")]
    InvalidSecretKey,
    /// `claims` was not a JSON object.
    #[error("claims must be a JSON object, found {found}")]
    ClaimsNotObject {
        /// The JSON type given instead.
        found: &'static str,
    },
    /// `seconds_until_expiration` was 0.
    #[error("seconds_until_expiration must be greater than 0 (leave it unset for a token that never expires)")]
    ZeroExpiration,
    /// `min_remaining_ttl_seconds` was not below the token lifetime.
    #[error("min_remaining_ttl_seconds ({min_remaining_ttl_seconds}) must be less than seconds_until_expiration ({seconds_until_expiration})")]
    MinRemainingTtlNotBelowExpiration {
        /// The reuse threshold given.
        min_remaining_ttl_seconds: u64,
        /// The lifetime given.
        seconds_until_expiration: u64,
    },
    /// A list `limit` outside 1–100.
    #[error("limit must be between 1 and 100, got {limit}")]
    LimitOutOfRange {
        /// The limit given.
        limit: u64,
    },
    /// A list call without a subject.
    #[error("subject must be a machine id (mch_…), got an empty string")]
    EmptySubject,
    /// A machine id (e.g. a list call's `subject`) that is not `mch_`
    /// followed by 27 word characters.
    #[error(
        "{field} must be a machine id matching ^mch_\\w{{27}}$ (got {length} characters){hint}"
    )]
    InvalidMachineId {
        /// The parameter, e.g. `subject`.
        field: &'static str,
        /// Length of the value given (the value itself is never shown).
        length: usize,
        /// A hint when the value looks like a secret or a token id.
        hint: &'static str,
    },
    /// A token id that is not `mt_` followed by 32 hex digits.
    #[error("token id must match ^mt_[0-9A-Fa-f]{{32}}$ (got {length} characters){hint}")]
    InvalidTokenId {
        /// Length of the value given (the value itself is never shown).
        length: usize,
        /// A hint when the value looks like a token value rather than an id.
        hint: &'static str,
    },
    /// The base URL and path do not form a valid URL.
    #[error("the request URL is invalid: check the base URL")]
    InvalidUrl,
    /// The body could not be serialized as JSON.
    #[error("the request body could not be serialized as JSON")]
    BodyNotSerializable,
    /// An empty token for verification.
    #[error("token to verify is empty")]
    EmptyToken,
    /// A Machines API call with a bad key or parameter.
    #[error(transparent)]
    Machine(#[from] super::MachineRequestError),
}

impl RequestError {
    /// The error for a value given where a machine id belongs.
    pub(crate) fn invalid_machine_id(field: &'static str, value: &str) -> Self {
        let hint = if crate::is_token_id(value) {
            "; this is a token id, not a machine id (use the token's `subject`)"
        } else if crate::error::scrub_secrets(value) != value || value.matches('.').count() == 2 {
            "; this looks like a key or token value, not a machine id"
        } else {
            ""
        };
        Self::InvalidMachineId {
            field,
            length: value.len(),
            hint,
        }
    }

    /// The error for a value given where a token id belongs.
    pub(crate) fn invalid_token_id(value: &str) -> Self {
        let looks_like_token =
            (value.starts_with("mt_") && value.len() > 35) || value.matches('.').count() == 2;
        Self::InvalidTokenId {
            length: value.len(),
            hint: if looks_like_token {
                "; this looks like a token value, not its id (use the `id` field of the token object)"
            } else {
                ""
            },
        }
    }
}
