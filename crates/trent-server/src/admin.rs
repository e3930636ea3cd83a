//! The admin API (`X-Amz-Target: TrentAdmin.<Operation>`, JSON, SigV4 as
//! `kms`): operations beyond AWS for the account root only.
//!
//! `TrentAdmin.ExplainDecision` takes `PrincipalArn`, `Action`, `KeyId` and
//! an optional `EncryptionContext`, and returns the decision with a trace of
//! every statement of the key policy and of the principal's identity
//! policies. A denied caller never sees this; only the root of the key's
//! account may ask.
//!
//! `TrentAdmin.RotateRootKey {"NewRootKey": LOCATION}` starts moving every sealed
//! value to another root key (a file path or a PKCS#11 URI, as the server
//! sees it) in the background; `TrentAdmin.DescribeRootKey` reports the root
//! key and the rotation's progress. Only the root of the data folder's first
//! account (the operator's, made at first start) may ask: the root key is
//! the whole server's, not one account's.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use std::sync::Arc;
use trent_core::clock::OffsetClock;
use trent_core::error::{DenialReason, KmsError};
use trent_policy::evaluate::{StatementOutcome, StatementTrace};
use trent_protocol::check;
use trent_protocol::error::{Failure, RequestError, SerializationProblem};
use trent_protocol::error::{ShownValue, ValidationFailure};
use trent_service::root_key::{RootKeyOpener, RootKeyState};
use trent_service::{Caller, Kms};

/// The admin operations' target prefix.
pub(crate) const PREFIX: &str = "TrentAdmin.";

/// What some admin operations need beyond the service.
pub(crate) struct Extras<'a> {
    /// The test clock (`--dev --test-clock`).
    pub(crate) test_clock: Option<&'a OffsetClock>,
    /// Opens the target of a root-key rotation.
    pub(crate) root_key_opener: Option<&'a RootKeyOpener>,
}

pub(crate) fn dispatch(
    kms: &Arc<Kms>,
    extras: Extras<'_>,
    caller: &Caller,
    target: &str,
    body: &[u8],
) -> Result<Vec<u8>, Failure> {
    match (target.strip_prefix(PREFIX), extras.test_clock) {
        (Some("ExplainDecision"), _) => explain(kms, caller, body),
        // Exists only with `--dev --test-clock`.
        (Some("AdvanceClock"), Some(clock)) => advance_clock(kms, clock, caller, body),
        (Some("RotateRootKey"), _) => {
            operator_only(kms, caller)?;
            rotate_root_key(kms, extras.root_key_opener, body)
        }
        (Some("DescribeRootKey"), _) => {
            operator_only(kms, caller)?;
            describe_root_key(kms)
        }
        _ => Err(RequestError::UnknownOperation.into()),
    }
}

/// Refuses anyone but the root of the first account, as an unknown operation.
fn operator_only(kms: &Kms, caller: &Caller) -> Result<(), Failure> {
    let first = kms.accounts()?.into_iter().next();
    if caller.is_root() && first.as_ref() == Some(caller.account()) {
        Ok(())
    } else {
        Err(RequestError::UnknownOperation.into())
    }
}

fn refused(member: &str, constraint: String) -> Failure {
    RequestError::Validation(vec![ValidationFailure {
        member: member.to_owned(),
        value: ShownValue::Hidden,
        constraint,
    }])
    .into()
}

fn rotate_root_key(
    kms: &Arc<Kms>,
    opener: Option<&RootKeyOpener>,
    body: &[u8],
) -> Result<Vec<u8>, Failure> {
    let request: Value = trent_protocol::decode(body)?;
    let to = text(&request, "NewRootKey")?;
    let Some(opener) = opener else {
        return Err(refused("to", "this server cannot open root keys".into()));
    };
    kms.check_can_rotate()
        .map_err(|error| refused("to", error.to_string()))?;
    let next = opener.open(to).map_err(|error| refused("to", error))?;
    let rotation = kms
        .rotate_root_key_in_background(next)
        .map_err(|error| refused("to", error.to_string()))?;
    let response = json!({
        "From": rotation.from.location,
        "FromRootKeyId": rotation.from.id.to_string(),
        "To": rotation.to.location,
        "ToRootKeyId": rotation.to.id.to_string(),
        "StartedAt": rotation.started_at.as_epoch_seconds(),
    });
    serde_json::to_vec(&response).map_err(|error| KmsError::internal("encoding", error).into())
}

fn describe_root_key(kms: &Kms) -> Result<Vec<u8>, Failure> {
    let state = kms
        .root_key_state()
        .map_err(|error| KmsError::internal("reading the root key record", error))?;
    let current = kms
        .current_root_key_record()
        .map_err(|error| KmsError::internal("reading the root keys", error))?;
    let rotation = match state {
        RootKeyState::Rotating(rotation) => {
            let walk = kms.walk();
            json!({
                "From": rotation.from.location,
                "To": rotation.to.location,
                "StartedAt": rotation.started_at.as_epoch_seconds(),
                "Running": walk.running,
                "Done": walk.progress.done,
                "Resealed": walk.progress.resealed,
                "Total": walk.progress.total,
                "LastError": walk.last_error,
            })
        }
        _ => Value::Null,
    };
    let response = json!({
        "RootKeyId": current.id.to_string(),
        "Location": current.location,
        "Rotation": rotation,
    });
    serde_json::to_vec(&response).map_err(|error| KmsError::internal("encoding", error).into())
}

/// `TrentAdmin.AdvanceClock {"Seconds": n}`: moves the test clock forward
/// and runs maintenance at once (deletions and rotations now due).
fn advance_clock(
    kms: &Kms,
    clock: &OffsetClock,
    caller: &Caller,
    body: &[u8],
) -> Result<Vec<u8>, Failure> {
    if !caller.is_root() {
        return Err(RequestError::UnknownOperation.into());
    }
    let request: Value = trent_protocol::decode(body)?;
    let seconds = request
        .get("Seconds")
        .and_then(Value::as_u64)
        .ok_or(RequestError::Serialization(SerializationProblem::WrongType))?;
    let offset = clock.advance(std::time::Duration::from_secs(seconds));
    let report = kms.run_maintenance()?;
    let response = json!({
        "OffsetSeconds": offset.as_secs(),
        "Deleted": report.deleted.iter().map(|(key_id, _)| key_id.to_string()).collect::<Vec<_>>(),
        "Rotated": report.rotated,
    });
    serde_json::to_vec(&response).map_err(|error| KmsError::internal("encoding", error).into())
}

fn text<'a>(request: &'a Value, name: &str) -> Result<&'a str, RequestError> {
    request
        .get(name)
        .and_then(Value::as_str)
        .ok_or(RequestError::Serialization(SerializationProblem::WrongType))
}

fn explain(kms: &Kms, caller: &Caller, body: &[u8]) -> Result<Vec<u8>, Failure> {
    let request: Value = trent_protocol::decode(body)?;
    let principal = text(&request, "PrincipalArn")?;
    let action = text(&request, "Action")?;
    let key = check::key_reference(text(&request, "KeyId")?)?;
    let context = match request.get("EncryptionContext") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let pairs: BTreeMap<String, String> = serde_json::from_value(value.clone())
                .map_err(|_| RequestError::Serialization(SerializationProblem::WrongType))?;
            Some(check::encryption_context(
                "encryptionContext",
                Some(&pairs),
            )?)
        }
    };
    let explanation = kms.explain(caller, principal, action, &key, context.as_ref())?;
    let denial = explanation.denial.map(|reason| match reason {
        DenialReason::NoResourcePolicyAllows => "NoResourcePolicyAllows",
        DenialReason::ExplicitDenyInResourcePolicy => "ExplicitDenyInResourcePolicy",
        DenialReason::NoIdentityPolicyAllows => "NoIdentityPolicyAllows",
        DenialReason::ExplicitDenyInIdentityPolicy => "ExplicitDenyInIdentityPolicy",
        DenialReason::RootMayNotAssumeRoles => "RootMayNotAssumeRoles",
    });
    let identity: Vec<Value> = explanation
        .identity_policies
        .iter()
        .map(|(name, trace)| json!({"PolicyName": name, "Statements": statements(trace)}))
        .collect();
    let response = json!({
        "PrincipalArn": explanation.principal_arn,
        "Action": explanation.action,
        "Resource": explanation.resource,
        "Decision": if explanation.allowed { "Allow" } else { "Deny" },
        "Denial": denial,
        "KeyPolicy": statements(&explanation.key_policy),
        "IdentityPolicies": identity,
    });
    serde_json::to_vec(&response).map_err(|error| KmsError::internal("encoding", error).into())
}

fn statements(trace: &[StatementTrace]) -> Vec<Value> {
    trace
        .iter()
        .map(|line| {
            let (outcome, key) = match &line.outcome {
                StatementOutcome::Matched(Some(
                    trent_policy::evaluate::PrincipalMatch::Account,
                )) => ("MatchedAccount", None),
                StatementOutcome::Matched(_) => ("Matched", None),
                StatementOutcome::PrincipalDidNotMatch => ("PrincipalDidNotMatch", None),
                StatementOutcome::ActionDidNotMatch => ("ActionDidNotMatch", None),
                StatementOutcome::ResourceDidNotMatch => ("ResourceDidNotMatch", None),
                StatementOutcome::ConditionFailed { key } => ("ConditionFailed", Some(key.clone())),
            };
            json!({
                "Index": line.index,
                "Sid": line.sid,
                "Effect": format!("{:?}", line.effect),
                "Outcome": outcome,
                "ConditionKey": key,
            })
        })
        .collect()
}
