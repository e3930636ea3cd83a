//! Evaluating one policy document against one request.
//!
//! Within a document an explicit Deny wins whatever the statement order; else
//! any matching Allow allows; else the document is silent (implicit deny).
//! Combining documents (key policy, identity policies, grants) is the
//! caller's job; the [`PrincipalMatch`] of an Allow tells it whether the key
//! policy named the caller itself or only the caller's account, which then
//! needs an identity policy too.

use std::collections::HashMap;

use crate::condition::Condition;
use crate::document::{Effect, Matcher, PolicyDocument, Principals, Statement};
use crate::wildcard::{self, Case};

/// The caller, as policies see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Principal<'a> {
    /// The caller's ARN: `arn:aws:iam::111122223333:root`, `...:user/name`,
    /// or `arn:aws:sts::111122223333:assumed-role/Role/session`.
    pub arn: &'a str,
    /// The caller's account id.
    pub account: &'a str,
    /// For an assumed-role session, the role's ARN, which policies name.
    pub role_arn: Option<&'a str>,
    /// For an AWS service calling as itself, its name (`rds.amazonaws.com`).
    pub service: Option<&'a str>,
}

/// Condition keys of a request; names compare without regard to case, as in IAM.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContextKeys(HashMap<String, Vec<String>>);

impl ContextKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_ascii_lowercase(), vec![value.into()]);
    }

    /// Sets a multi-valued key.
    pub fn set_all(&mut self, key: &str, values: Vec<String>) {
        self.0.insert(key.to_ascii_lowercase(), values);
    }

    /// The values of a key, if present.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.0.get(&key.to_ascii_lowercase()).map(Vec::as_slice)
    }
}

/// One request, as a policy is asked about it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// Who asks.
    pub principal: Principal<'a>,
    /// The action, such as `kms:Encrypt`.
    pub action: &'a str,
    /// The resource ARN.
    pub resource: &'a str,
    /// The condition keys.
    pub keys: &'a ContextKeys,
}

/// How a statement's `Principal` matched the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalMatch {
    /// The statement names the caller (its ARN, its role, `*`, or its service).
    Direct,
    /// The statement names the caller's account (account id or root ARN):
    /// for a principal other than the root, an identity policy must allow too.
    Account,
}

/// The outcome of one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A Deny statement matched (its index).
    ExplicitDeny(usize),
    /// An Allow statement matched (its index), and how its principal matched
    /// (`None` in identity policies, which name no principal).
    Allow(usize, Option<PrincipalMatch>),
    /// Nothing matched.
    ImplicitDeny,
}

/// Why a statement did or did not apply, for an administrator's trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementOutcome {
    /// Every element matched.
    Matched(Option<PrincipalMatch>),
    /// The principal is not named (or is excluded by `NotPrincipal`).
    PrincipalDidNotMatch,
    /// The action is not covered.
    ActionDidNotMatch,
    /// The resource is not covered.
    ResourceDidNotMatch,
    /// A condition failed: its operator and key.
    ConditionFailed {
        /// The key.
        key: String,
    },
}

/// One statement's line in a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementTrace {
    /// The statement's index in the document.
    pub index: usize,
    /// Its `Sid`.
    pub sid: Option<String>,
    /// Its effect.
    pub effect: Effect,
    /// What happened.
    pub outcome: StatementOutcome,
}

/// A decision and the trace that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// One line per statement, in document order.
    pub trace: Vec<StatementTrace>,
}

/// Evaluates `document` for `request`, with a trace of every statement (for
/// an administrator asking why).
pub fn evaluate(document: &PolicyDocument, request: &Request<'_>) -> Evaluation {
    let mut trace = Vec::with_capacity(document.statements.len());
    let decision = run(document, request, Some(&mut trace));
    Evaluation { decision, trace }
}

/// Evaluates `document` for `request` without a trace: the hot path.
pub fn decide(document: &PolicyDocument, request: &Request<'_>) -> Decision {
    run(document, request, None)
}

fn run(
    document: &PolicyDocument,
    request: &Request<'_>,
    mut trace: Option<&mut Vec<StatementTrace>>,
) -> Decision {
    let variables = document.supports_variables();
    let mut deny = None;
    let mut allow: Option<(usize, Option<PrincipalMatch>)> = None;
    for (index, statement) in document.statements.iter().enumerate() {
        let outcome = statement_outcome(statement, request, variables);
        if let StatementOutcome::Matched(how) = &outcome {
            match statement.effect {
                Effect::Deny => {
                    deny.get_or_insert(index);
                }
                Effect::Allow => {
                    // Prefer a statement that names the caller over one that names its account.
                    let better = match allow {
                        None => true,
                        Some((_, previous)) => {
                            previous == Some(PrincipalMatch::Account)
                                && *how == Some(PrincipalMatch::Direct)
                        }
                    };
                    if better {
                        allow = Some((index, *how));
                    }
                }
            }
        }
        if let Some(trace) = trace.as_deref_mut() {
            trace.push(StatementTrace {
                index,
                sid: statement.sid.clone(),
                effect: statement.effect,
                outcome,
            });
        }
    }
    match (deny, allow) {
        (Some(index), _) => Decision::ExplicitDeny(index),
        (None, Some((index, how))) => Decision::Allow(index, how),
        (None, None) => Decision::ImplicitDeny,
    }
}

fn statement_outcome(
    statement: &Statement,
    request: &Request<'_>,
    variables: bool,
) -> StatementOutcome {
    let principal_match = match &statement.principal {
        None => None,
        Some(Matcher::Is(principals)) => match principal_matches(principals, &request.principal) {
            Some(how) => Some(how),
            None => return StatementOutcome::PrincipalDidNotMatch,
        },
        Some(Matcher::IsNot(principals)) => match principal_matches(principals, &request.principal)
        {
            Some(PrincipalMatch::Direct) => return StatementOutcome::PrincipalDidNotMatch,
            _ => Some(PrincipalMatch::Direct),
        },
    };
    let action_listed = |actions: &Vec<String>| {
        actions
            .iter()
            .any(|pattern| wildcard::matches(pattern, request.action, Case::Insensitive))
    };
    let action_ok = match &statement.action {
        Matcher::Is(actions) => action_listed(actions),
        Matcher::IsNot(actions) => !action_listed(actions),
    };
    if !action_ok {
        return StatementOutcome::ActionDidNotMatch;
    }
    let resource_listed = |resources: &Vec<String>| {
        resources.iter().any(|pattern| {
            let pattern = if variables {
                substitute(pattern, request.keys)
            } else {
                Some(pattern.clone())
            };
            pattern.is_some_and(|pattern| {
                wildcard::matches(&pattern, request.resource, Case::Sensitive)
            })
        })
    };
    let resource_ok = match &statement.resource {
        None => true,
        Some(Matcher::Is(resources)) => resource_listed(resources),
        Some(Matcher::IsNot(resources)) => !resource_listed(resources),
    };
    if !resource_ok {
        return StatementOutcome::ResourceDidNotMatch;
    }
    for condition in &statement.conditions {
        if !condition_holds(condition, request.keys, variables) {
            return StatementOutcome::ConditionFailed {
                key: condition.key.clone(),
            };
        }
    }
    StatementOutcome::Matched(principal_match)
}

fn condition_holds(condition: &Condition, keys: &ContextKeys, variables: bool) -> bool {
    let wildcards = matches!(
        condition.operator.comparison,
        crate::condition::Comparison::StringLike | crate::condition::Comparison::ArnLike
    );
    let values: Vec<Option<String>> = condition
        .values
        .iter()
        .map(|value| {
            if !variables {
                return Some(value.clone());
            }
            let substituted = substitute(value, keys)?;
            Some(if wildcards {
                substituted
            } else {
                wildcard::unescape(&substituted).into_owned()
            })
        })
        .collect();
    condition.holds(keys.get(&condition.key), &values)
}

fn principal_matches(principals: &Principals, caller: &Principal<'_>) -> Option<PrincipalMatch> {
    match principals {
        Principals::Anyone => Some(PrincipalMatch::Direct),
        Principals::Named { aws, service, .. } => {
            if let Some(name) = caller.service {
                return service
                    .iter()
                    .any(|entry| entry == name)
                    .then_some(PrincipalMatch::Direct);
            }
            let mut found = None;
            for entry in aws {
                if entry == caller.arn || Some(entry.as_str()) == caller.role_arn {
                    return Some(PrincipalMatch::Direct);
                }
                let account = entry
                    .strip_prefix("arn:")
                    .and_then(|rest| rest.split_once(":iam::"))
                    .and_then(|(_, rest)| rest.strip_suffix(":root"))
                    .unwrap_or(entry);
                if account == caller.account {
                    found = Some(PrincipalMatch::Account);
                }
            }
            found
        }
    }
}

/// Replaces `${key}` (and `${key, 'default'}`) with the key's value, and the
/// escapes `${*}`, `${?}`, `${$}` with their characters. `None` when a key
/// has no single value and no default: the text then matches nothing.
pub fn substitute(text: &str, keys: &ContextKeys) -> Option<String> {
    if !text.contains("${") {
        return Some(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Some(out);
        };
        let inner = &after[..end];
        match inner {
            // Literal characters: `*` and `?` must not act as wildcards.
            "*" => out.push(wildcard::LITERAL_STAR),
            "?" => out.push(wildcard::LITERAL_QUESTION),
            "$" => out.push('$'),
            _ => {
                let (name, default) = match inner.split_once(',') {
                    Some((name, default)) => (name.trim(), Some(default.trim().trim_matches('\''))),
                    None => (inner.trim(), None),
                };
                match (keys.get(name), default) {
                    (Some([value]), _) => out.push_str(value),
                    (_, Some(default)) => out.push_str(default),
                    _ => return None,
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests;
