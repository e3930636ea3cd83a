//! GetParametersForImport: a fresh RSA wrapping key pair and an import
//! token that carries its private half, sealed, for 24 hours.

use trent_core::error::{ImportProblem, InvalidState, KmsError};
use trent_core::id::KeyReference;
use trent_core::import::{WrappingAlgorithm, WrappingKeySpec};
use trent_core::key::{KeyState, Origin};
use trent_core::operation::Operation;
use trent_core::view::ImportParameters;
use trent_crypto::import::WrappingKey;
use trent_store::record::KeyRecord;

use super::imported::{ImportToken, TOKEN_LABEL, TOKEN_LIFETIME_MILLIS};
use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// GetParametersForImport.
    pub fn get_parameters_for_import(
        &self,
        caller: &Caller,
        key: &KeyReference,
        algorithm: WrappingAlgorithm,
        wrapping_key_spec: WrappingKeySpec,
    ) -> Result<ImportParameters, KmsError> {
        let record = self.resolve_with(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::GetParametersForImport.action(),
            crate::authorize::Facts {
                request: &[
                    ("kms:WrappingAlgorithm", algorithm.as_str()),
                    ("kms:WrappingKeySpec", wrapping_key_spec.as_str()),
                ],
                ..crate::authorize::Facts::default()
            },
        )?;
        check_import_target(&record, &[])?;
        match (algorithm, wrapping_key_spec) {
            (WrappingAlgorithm::RsaesPkcs1V15, _) => {
                return Err(KmsError::Import(ImportProblem::Wrapping(
                    "RSAES_PKCS1_V1_5",
                )))
            }
            (WrappingAlgorithm::Sm2Pke, _) | (_, WrappingKeySpec::Sm2) => {
                return Err(KmsError::Import(ImportProblem::Wrapping(
                    "SM2 (offered only in the China Regions)",
                )))
            }
            _ => {}
        }
        // RSA-OAEP cannot hold an RSA private key: AWS requires key wrap.
        if record.spec.rsa_modulus_len().is_some() && !algorithm.uses_aes_key_wrap() {
            return Err(KmsError::Import(ImportProblem::WrappingForSpec {
                algorithm,
                spec: record.spec,
            }));
        }
        let generating = |error| KmsError::internal("generating a wrapping key pair", error);
        let wrapping = {
            // SM2 was refused above: every spec left is an RSA key pair.
            let _turn = wrapping_key_spec
                .key_spec()
                .map(|spec| self.generating(spec));
            WrappingKey::generate(wrapping_key_spec).map_err(generating)?
        };
        let mut id = [0u8; 16];
        trent_crypto::aead::fill_random(&mut id).map_err(generating)?;
        let key_arn = record.scope.key_arn(&record.key_id);
        let valid_to = trent_core::clock::Timestamp::from_millis(
            self.clock.now().as_millis() + TOKEN_LIFETIME_MILLIS,
        );
        let private = wrapping.to_pkcs8().map_err(generating)?;
        let token = ImportToken {
            id,
            key_arn: key_arn.clone(),
            algorithm,
            wrapping_key_spec,
            valid_to,
            wrapping_key: zeroize::Zeroizing::new(private.expose().to_vec()),
        };
        let import_token = self.seal_token(TOKEN_LABEL, &token.encode())?;
        let public_key = wrapping.public_key().map_err(generating)?.der().to_vec();
        Ok(ImportParameters {
            key_arn,
            import_token,
            public_key,
            valid_to,
        })
    }
}

/// Refuses a key that cannot take imported material: not `EXTERNAL`, or in
/// a state other than Enabled, Disabled, PendingImport and the `also` the
/// operation takes too.
pub(crate) fn check_import_target(record: &KeyRecord, also: &[KeyState]) -> Result<(), KmsError> {
    let arn = || record.scope.key_arn(&record.key_id);
    if record.origin != Origin::External {
        return Err(KmsError::Import(ImportProblem::Origin {
            arn: arn(),
            origin: record.origin,
        }));
    }
    match record.state {
        KeyState::Enabled | KeyState::Disabled | KeyState::PendingImport => Ok(()),
        state if also.contains(&state) => Ok(()),
        state => Err(KmsError::KmsInvalidState(InvalidState {
            arn: arn(),
            state,
        })),
    }
}
