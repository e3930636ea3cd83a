//! ReplicateKey.

use trent_core::id::{KeyReference, Region};
use trent_core::view::{ReplicateKeyInput, ReplicatedKey};

use crate::check::Checks;
use crate::dto::{ReplicateKeyRequest, ReplicateKeyResponse, TagDto};
use crate::error::Failure;

/// A checked ReplicateKey request.
#[derive(Debug)]
pub struct Request {
    /// The primary key.
    pub key: KeyReference,
    /// What the replica is to be.
    pub input: ReplicateKeyInput,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ReplicateKeyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let region = region_member(&mut checks, "replicaRegion", &request.replica_region);
    checks.policy(request.policy.as_ref());
    checks.description(request.description.as_ref());
    let tags = checks.tags("tags", request.tags.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        input: ReplicateKeyInput {
            replica_region: checked_region("replicaRegion", region)?,
            policy: request.policy,
            bypass_policy_lockout_safety_check: request
                .bypass_policy_lockout_safety_check
                .unwrap_or(false),
            description: request.description.unwrap_or_default(),
            tags,
        },
    })
}

/// A required `RegionType` member: 1 to 32 characters matching the model's
/// pattern; `None` after a recorded failure.
pub(crate) fn region_member(
    checks: &mut Checks,
    member: &str,
    value: &Option<String>,
) -> Option<Region> {
    let text = checks.required(member, value)?;
    if !checks.length(member, text, 1, 32) {
        return None;
    }
    let region = Region::parse(text).ok().filter(|_| region_pattern(text));
    checks.pattern(member, text, region.is_some(), REGION_PATTERN);
    region
}

const REGION_PATTERN: &str = "^([a-z]+-){2,3}\\d+$";

/// The region [`region_member`] read, once the checks passed (which they
/// cannot without one).
pub(crate) fn checked_region(member: &str, region: Option<Region>) -> Result<Region, Failure> {
    region.ok_or_else(|| {
        crate::error::RequestError::validation(
            member,
            crate::error::ShownValue::Hidden,
            format!("Member must satisfy regular expression pattern: {REGION_PATTERN}"),
        )
        .into()
    })
}

/// `^([a-z]+-){2,3}\d+$`: two or three dash-ended words of lower-case
/// letters, then digits.
fn region_pattern(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let Some((digits, words)) = parts.split_last() else {
        return false;
    };
    (2..=3).contains(&words.len())
        && words
            .iter()
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()))
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Encodes the replica as it is being created.
pub fn encode(replicated: &ReplicatedKey) -> super::Reply {
    crate::encode(&ReplicateKeyResponse {
        replica_key_metadata: super::metadata_dto(&replicated.metadata),
        replica_policy: replicated.policy.clone(),
        replica_tags: replicated
            .tags
            .iter()
            .map(|tag| TagDto {
                tag_key: Some(tag.key.clone()),
                tag_value: Some(tag.value.clone()),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::region_pattern;

    #[test]
    fn regions_match_the_model_pattern() {
        for good in ["us-east-1", "eu-west-3", "us-gov-west-1", "ap-southeast-22"] {
            assert!(region_pattern(good), "{good}");
        }
        for bad in [
            "nowhere",
            "us-1",
            "US-east-1",
            "us-east-",
            "a-b-c-d-1",
            "us-east-1a",
            "",
        ] {
            assert!(!region_pattern(bad), "{bad}");
        }
    }
}
