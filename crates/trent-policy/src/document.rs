//! Policy documents: the model and its parser.
//!
//! The parser accepts AWS's JSON grammar and refuses what AWS refuses:
//! unknown members, a missing `Effect` or `Action`, both `Action` and
//! `NotAction`, a `Principal` where the kind of policy forbids one (or none
//! where it needs one), unknown condition operators, documents over 32 KB.

use serde_json::{Map, Value};
use trent_core::quota::MAX_POLICY_BYTES;

use crate::condition::{Condition, Operator};

/// Where a policy is attached, which decides whether it names principals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// A key policy: every statement names a `Principal` (or `NotPrincipal`).
    Resource,
    /// A user's or role's identity policy: no statement names a principal.
    Identity,
    /// A role's trust policy: principals, and no resources.
    Trust,
}

/// Allow or Deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The statement allows.
    Allow,
    /// The statement denies, whatever else allows.
    Deny,
}

/// Principals named by a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principals {
    /// `"*"` or `{"AWS": "*"}`: anyone.
    Anyone,
    /// Named principals.
    Named {
        /// `AWS` entries: account ids, root ARNs, user, role and assumed-role ARNs.
        aws: Vec<String>,
        /// `Service` entries, such as `rds.amazonaws.com`.
        service: Vec<String>,
        /// `Federated` entries.
        federated: Vec<String>,
        /// `CanonicalUser` entries.
        canonical_user: Vec<String>,
    },
}

/// Whether a list names what matches or what does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher<T> {
    /// `Action`, `Resource`, `Principal`: the request must match one entry.
    Is(T),
    /// `NotAction`, `NotResource`, `NotPrincipal`: the request must match none.
    IsNot(T),
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The `Sid`, if any.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`; `None` in identity policies.
    pub principal: Option<Matcher<Principals>>,
    /// `Action` or `NotAction` patterns.
    pub action: Matcher<Vec<String>>,
    /// `Resource` or `NotResource` patterns; `None` in trust policies.
    pub resource: Option<Matcher<Vec<String>>>,
    /// Conditions, all of which must hold.
    pub conditions: Vec<Condition>,
}

/// A parsed policy document.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDocument {
    /// `Version`: `2012-10-17` enables policy variables.
    pub version: Option<String>,
    /// `Id`, if any.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// Why a document was refused; the text is AWS-like and names no secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Larger than [`MAX_POLICY_BYTES`].
    #[error("policy document is larger than {MAX_POLICY_BYTES} bytes")]
    TooLarge,
    /// Not a JSON object.
    #[error("policy document is not valid JSON")]
    NotJson,
    /// A member is missing, unexpected or of the wrong shape.
    #[error("{0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> PolicyError {
    PolicyError::Invalid(message.into())
}

impl PolicyDocument {
    /// Parses and validates a document for the given kind of policy.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Self, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge);
        }
        let value: Value = serde_json::from_str(text).map_err(|_| PolicyError::NotJson)?;
        let object = value.as_object().ok_or(PolicyError::NotJson)?;
        for name in object.keys() {
            if !matches!(name.as_str(), "Version" | "Id" | "Statement") {
                return Err(invalid(format!(
                    "Policy document has an unknown field: {name}"
                )));
            }
        }
        let version = optional_string(object, "Version")?;
        if let Some(version) = &version {
            if version != "2012-10-17" && version != "2008-10-17" {
                return Err(invalid(format!(
                    "The policy document version {version} is not valid"
                )));
            }
        }
        let statements = match object.get("Statement") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|item| parse_statement(item, kind))
                .collect::<Result<_, _>>()?,
            Some(item @ Value::Object(_)) => vec![parse_statement(item, kind)?],
            _ => return Err(invalid("Policy document must contain a Statement")),
        };
        Ok(Self {
            version,
            id: optional_string(object, "Id")?,
            statements,
        })
    }

    /// Whether evaluating this document can read condition keys: it has
    /// conditions, or resources with policy variables. When it cannot, a
    /// caller may skip gathering them.
    pub fn reads_context(&self) -> bool {
        self.statements.iter().any(|statement| {
            !statement.conditions.is_empty()
                || match &statement.resource {
                    Some(Matcher::Is(resources) | Matcher::IsNot(resources)) => {
                        resources.iter().any(|resource| resource.contains("${"))
                    }
                    None => false,
                }
        })
    }

    /// Whether evaluating this document can read a key starting with
    /// `prefix` (compared without regard to case), such as
    /// `aws:ResourceTag/`: as a condition's key, or inside a `${...}` policy
    /// variable of a condition value or a resource. A caller may skip
    /// gathering costly keys no policy reads; answering false for a key
    /// that is read would let a Deny that names it never apply.
    pub fn reads_key(&self, prefix: &str) -> bool {
        let names =
            |text: &str| starts_with_ignore_case(text, prefix) || variables_name(text, prefix);
        self.statements.iter().any(|statement| {
            statement.conditions.iter().any(|condition| {
                names(&condition.key)
                    || condition
                        .values
                        .iter()
                        .any(|value| variables_name(value, prefix))
            }) || match &statement.resource {
                Some(Matcher::Is(resources) | Matcher::IsNot(resources)) => resources
                    .iter()
                    .any(|resource| variables_name(resource, prefix)),
                None => false,
            }
        })
    }

    /// Whether `${...}` policy variables are substituted (Version 2012-10-17).
    pub fn supports_variables(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// Whether a `${...}` variable in `text` names a key starting with `prefix`
/// (leading spaces in the variable ignored, as substitution ignores them).
fn variables_name(text: &str, prefix: &str) -> bool {
    text.match_indices("${")
        .any(|(at, _)| starts_with_ignore_case(text[at + 2..].trim_start(), prefix))
}

fn optional_string(object: &Map<String, Value>, name: &str) -> Result<Option<String>, PolicyError> {
    match object.get(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid(format!("{name} must be a string"))),
    }
}

/// A string or an array of strings.
fn string_list(value: &Value, name: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(text) => Ok(vec![text.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(format!("{name} entries must be strings")))
            })
            .collect(),
        _ => Err(invalid(format!(
            "{name} must be a string or a non-empty array of strings"
        ))),
    }
}

fn either<'a>(
    object: &'a Map<String, Value>,
    is: &str,
    is_not: &str,
) -> Result<Option<(bool, &'a Value)>, PolicyError> {
    match (object.get(is), object.get(is_not)) {
        (Some(_), Some(_)) => Err(invalid(format!(
            "Statement cannot contain both {is} and {is_not}"
        ))),
        (Some(value), None) => Ok(Some((true, value))),
        (None, Some(value)) => Ok(Some((false, value))),
        (None, None) => Ok(None),
    }
}

fn wrap<T>(positive: bool, value: T) -> Matcher<T> {
    if positive {
        Matcher::Is(value)
    } else {
        Matcher::IsNot(value)
    }
}

fn parse_statement(value: &Value, kind: PolicyKind) -> Result<Statement, PolicyError> {
    let object = value
        .as_object()
        .ok_or_else(|| invalid("Statement entries must be objects"))?;
    for name in object.keys() {
        if !matches!(
            name.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(invalid(format!("Statement has an unknown field: {name}")));
        }
    }
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(invalid(format!("Invalid effect: {other}"))),
        None => return Err(invalid("Statement is missing required field Effect")),
    };
    let principal = match (either(object, "Principal", "NotPrincipal")?, kind) {
        (Some(_), PolicyKind::Identity) => {
            return Err(invalid("Policy document should not specify a principal."))
        }
        (None, PolicyKind::Resource | PolicyKind::Trust) => {
            return Err(invalid("Statement is missing required field Principal"))
        }
        (None, PolicyKind::Identity) => None,
        (Some((positive, value)), _) => Some(wrap(positive, parse_principals(value)?)),
    };
    let action = match either(object, "Action", "NotAction")? {
        Some((positive, value)) => {
            let actions = string_list(value, "Action")?;
            for action in &actions {
                if action != "*" && !action.contains(':') {
                    return Err(invalid(format!(
                        "Actions/Condition can contain only one colon. Invalid action: {action}"
                    )));
                }
            }
            wrap(positive, actions)
        }
        None => return Err(invalid("Statement is missing required field Action")),
    };
    let resource = match (either(object, "Resource", "NotResource")?, kind) {
        (Some(_), PolicyKind::Trust) => {
            return Err(invalid("Trust policies cannot name a Resource"))
        }
        (None, PolicyKind::Resource | PolicyKind::Identity) => {
            return Err(invalid("Statement is missing required field Resource"))
        }
        (None, PolicyKind::Trust) => None,
        (Some((positive, value)), _) => Some(wrap(positive, string_list(value, "Resource")?)),
    };
    let conditions = match object.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(blocks)) => {
            let conditions = parse_conditions(blocks)?;
            if kind == PolicyKind::Resource {
                refuse_overly_permissive(&conditions)?;
            }
            conditions
        }
        Some(_) => return Err(invalid("Condition must be an object")),
    };
    Ok(Statement {
        sid: optional_string(object, "Sid")?,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn parse_principals(value: &Value) -> Result<Principals, PolicyError> {
    match value {
        Value::String(text) if text == "*" => Ok(Principals::Anyone),
        Value::Object(map) if !map.is_empty() => {
            let (mut aws, mut service, mut federated, mut canonical_user) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (name, entries) in map {
                let list = string_list(entries, "Principal")?;
                match name.as_str() {
                    "AWS" if list.iter().any(|entry| entry == "*") => {
                        return Ok(Principals::Anyone)
                    }
                    "AWS" => {
                        for entry in &list {
                            if !is_aws_principal(entry) {
                                return Err(invalid(format!(
                                    "Invalid principal in policy: \"AWS\":\"{entry}\""
                                )));
                            }
                        }
                        aws = list;
                    }
                    "Service" => service = list,
                    "Federated" => federated = list,
                    "CanonicalUser" => canonical_user = list,
                    other => {
                        return Err(invalid(format!(
                            "Invalid principal type in policy: {other}"
                        )))
                    }
                }
            }
            Ok(Principals::Named {
                aws,
                service,
                federated,
                canonical_user,
            })
        }
        _ => Err(invalid("Principal must be \"*\" or an object")),
    }
}

/// A 12-digit account id, or an IAM/STS ARN of a root, user, role or assumed role.
fn is_aws_principal(entry: &str) -> bool {
    if entry.len() == 12 && entry.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let parts: Vec<&str> = entry.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam" | "sts", "", account, resource]
        if !partition.is_empty()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && (*resource == "root"
                || resource.starts_with("user/")
                || resource.starts_with("role/")
                || resource.starts_with("assumed-role/")))
}

/// AWS KMS refuses `ForAllValues` on the single-valued keys
/// `kms:EncryptionContext:<key>` and `aws:RequestTag/<key>` in key policies:
/// the condition would also match requests without that context or tag.
fn refuse_overly_permissive(conditions: &[Condition]) -> Result<(), PolicyError> {
    for condition in conditions {
        if condition.operator.qualifier != crate::condition::SetQualifier::ForAllValues {
            continue;
        }
        let key = condition.key.to_ascii_lowercase();
        let what = if key.starts_with("kms:encryptioncontext:") {
            "encryption context"
        } else if key.starts_with("aws:requesttag/") {
            "tag"
        } else {
            continue;
        };
        return Err(invalid(format!(
            "OverlyPermissiveCondition: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified {what} or with an unspecified {what}. To fix, remove ForAllValues."
        )));
    }
    Ok(())
}

fn parse_conditions(blocks: &Map<String, Value>) -> Result<Vec<Condition>, PolicyError> {
    let mut conditions = Vec::new();
    for (operator_text, entries) in blocks {
        let operator = Operator::parse(operator_text)
            .ok_or_else(|| invalid(format!("Invalid Condition type : {operator_text}")))?;
        let entries = entries
            .as_object()
            .filter(|entries| !entries.is_empty())
            .ok_or_else(|| invalid(format!("Condition {operator_text} must map keys to values")))?;
        for (key, values) in entries {
            let values = match values {
                Value::Array(items) if !items.is_empty() => {
                    items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?
                }
                other => vec![scalar(other)?],
            };
            conditions.push(Condition::new(operator, key, values)?);
        }
    }
    Ok(conditions)
}

fn scalar(value: &Value) -> Result<String, PolicyError> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Number(number) => Ok(number.to_string()),
        _ => Err(invalid(
            "Condition values must be strings, numbers or booleans",
        )),
    }
}
