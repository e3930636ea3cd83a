//! Sign, and the checks Sign and Verify share, in the order AWS applies
//! them: key state, key usage, algorithm for the key spec, message type for
//! the spec and algorithm, then the message's length.

use trent_core::algorithm::{MessageType, SigningAlgorithm};
use trent_core::error::{Invalid, KeyUsageProblem, KmsError, Unsupported};
use trent_core::key::{KeySpec, KeyUsage};
use trent_core::operation::Operation;
use trent_core::view::{SignInput, Signed};
use trent_crypto::sign::{self, Message};
use trent_crypto::CryptoError;
use trent_store::record::KeyRecord;

use crate::{Caller, Kms};

impl Kms {
    /// Sign: a signature of the message (or digest, or μ) with the key's private key.
    pub fn sign(&self, caller: &Caller, input: &SignInput) -> Result<Signed, KmsError> {
        let record = self.signing_key(caller, input, Operation::Sign)?;
        let opened = self.opened_key(&record)?;
        let (private, _) = opened.pair()?;
        let signature = sign::sign(private, input.algorithm, message(input))
            .map_err(|error| crypto_refusal(error, input))?;
        let signed = super::unless_dry_run(
            input.dry_run,
            Signed {
                key_arn: record.scope.key_arn(&record.key_id),
                signature,
                algorithm: input.algorithm,
            },
        )?;
        self.used(caller, record.key_id, Operation::Sign);
        Ok(signed)
    }

    /// The key of a Sign or Verify request, authorized and checked as AWS
    /// checks it.
    pub(crate) fn signing_key(
        &self,
        caller: &Caller,
        input: &SignInput,
        operation: Operation,
    ) -> Result<std::sync::Arc<KeyRecord>, KmsError> {
        let request = [
            ("kms:SigningAlgorithm", input.algorithm.as_str()),
            ("kms:MessageType", input.message_type.as_str()),
        ];
        let record = self.key_for(
            caller,
            &input.key,
            operation,
            KeyUsage::SignVerify,
            &request,
        )?;
        check_signing(record.spec, input)?;
        Ok(record)
    }
}

/// AWS's checks of an algorithm and message against a signing key's spec.
fn check_signing(spec: KeySpec, input: &SignInput) -> Result<(), KmsError> {
    let algorithm = input.algorithm;
    let offered = spec
        .algorithms(KeyUsage::SignVerify)
        .is_some_and(|algorithms| algorithms.signing.contains(&algorithm));
    if !offered {
        return Err(KmsError::InvalidKeyUsage(KeyUsageProblem::Algorithm {
            algorithm: algorithm.as_str(),
            spec,
        }));
    }
    let message_type = input.message_type;
    if !algorithm.accepts(message_type) {
        // AWS names the key spec for EXTERNAL_MU off ML-DSA and DIGEST on
        // ML-DSA, and the algorithm for Ed25519's RAW/DIGEST mismatches.
        let ed25519 = matches!(
            algorithm,
            SigningAlgorithm::Ed25519Sha512 | SigningAlgorithm::Ed25519PhSha512
        );
        return Err(KmsError::Invalid(
            if ed25519 && message_type != MessageType::ExternalMu {
                Invalid::MessageTypeForAlgorithm {
                    message_type,
                    algorithm,
                }
            } else {
                Invalid::MessageTypeForSpec { message_type, spec }
            },
        ));
    }
    if let Some(len) = algorithm.required_message_len(message_type) {
        if input.message.expose().len() != len {
            return Err(KmsError::Invalid(match message_type {
                MessageType::ExternalMu => Invalid::ExternalMuLength(algorithm),
                _ => Invalid::DigestLength(algorithm),
            }));
        }
    }
    Ok(())
}

/// The message as trent-crypto takes it.
pub(crate) fn message(input: &SignInput) -> Message<'_> {
    let bytes = input.message.expose();
    match input.message_type {
        MessageType::Raw => Message::Raw(bytes),
        MessageType::Digest => Message::Digest(bytes),
        MessageType::ExternalMu => Message::ExternalMu(bytes),
    }
}

/// A refusal of the cryptography layer after AWS's checks passed: what
/// aws-lc-rs cannot do (Ed25519ph, ML-DSA with an external μ) is
/// unsupported; anything else is a server fault.
pub(crate) fn crypto_refusal(error: CryptoError, input: &SignInput) -> KmsError {
    match error {
        CryptoError::Unsupported => KmsError::UnsupportedOperation(Unsupported::Algorithm {
            algorithm: input.algorithm,
            message_type: input.message_type,
        }),
        other => KmsError::internal("signing", other),
    }
}
