//! The crypto backend: aws-lc-rs when `jwt-aws-lc-rs` is on (even if
//! `jwt-ring` is on too), else ring.

use super::key::{Algorithm, RsaPublicKey};

#[cfg(feature = "jwt-aws-lc-rs")]
mod imp {
    use super::{Algorithm, RsaPublicKey};
    use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters};
    use std::sync::OnceLock;

    /// The backend's name.
    pub(crate) const NAME: &str = "aws-lc-rs";

    fn parameters(algorithm: Algorithm) -> &'static RsaParameters {
        match algorithm {
            Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        }
    }

    /// A key parsed at most once per algorithm, on first use, then kept.
    pub(crate) struct PreparedKey {
        parsed: [OnceLock<Option<ParsedPublicKey>>; 3],
    }

    impl PreparedKey {
        pub(crate) fn new() -> Self {
            Self {
                parsed: Default::default(),
            }
        }

        pub(crate) fn verify(
            &self,
            key: &RsaPublicKey,
            algorithm: Algorithm,
            message: &[u8],
            signature: &[u8],
        ) -> bool {
            let slot = match algorithm {
                Algorithm::Rs256 => 0,
                Algorithm::Rs384 => 1,
                Algorithm::Rs512 => 2,
            };
            let parsed = self.parsed[slot]
                .get_or_init(|| ParsedPublicKey::new(parameters(algorithm), key.pkcs1_der()).ok());
            parsed
                .as_ref()
                .is_some_and(|parsed| parsed.verify_sig(message, signature).is_ok())
        }
    }
}

#[cfg(all(feature = "jwt-ring", not(feature = "jwt-aws-lc-rs")))]
mod imp {
    use super::{Algorithm, RsaPublicKey};
    use ring::signature::{self, RsaParameters, UnparsedPublicKey};

    /// The backend's name.
    pub(crate) const NAME: &str = "ring";

    fn parameters(algorithm: Algorithm) -> &'static RsaParameters {
        match algorithm {
            Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        }
    }

    /// ring has no parsed RSA key type: the PKCS#1 DER (computed once, at
    /// key construction) is handed over on every verification.
    pub(crate) struct PreparedKey;

    impl PreparedKey {
        pub(crate) fn new() -> Self {
            Self
        }

        pub(crate) fn verify(
            &self,
            key: &RsaPublicKey,
            algorithm: Algorithm,
            message: &[u8],
            signature: &[u8],
        ) -> bool {
            UnparsedPublicKey::new(parameters(algorithm), key.pkcs1_der())
                .verify(message, signature)
                .is_ok()
        }
    }
}

pub(crate) use imp::{PreparedKey, NAME};
