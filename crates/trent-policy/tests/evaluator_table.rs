//! The evaluator against a table of cases: every condition operator (with
//! and without `IfExists`, with the key present and absent), set operators,
//! wildcards, `Not*` elements, explicit deny ordering, principals of every
//! kind (roots, users, roles, assumed-role sessions, services, other
//! accounts), and policy variables. Each row is one request against one
//! document and the decision AWS's evaluation logic gives.

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code fails loudly")]

use trent_policy::document::{PolicyDocument, PolicyKind};
use trent_policy::evaluate::{
    decide, evaluate, ContextKeys, Decision, Principal, PrincipalMatch, Request,
};

const ACCOUNT: &str = "111122223333";
const OTHER: &str = "444455556666";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// What a row expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Allowed by a statement naming the caller (or, in identity policies, any Allow).
    Allow,
    /// Allowed by a statement naming only the caller's account.
    AllowAccount,
    /// A Deny statement matched.
    Deny,
    /// Nothing matched.
    Silent,
}
use Expect::*;

/// Who calls.
#[derive(Clone, Copy, Debug)]
enum Who {
    Root,
    User(&'static str),
    Session(&'static str, &'static str),
    OtherUser,
    Service(&'static str),
}

struct Case {
    name: String,
    kind: PolicyKind,
    statements: String,
    who: Who,
    action: &'static str,
    resource: &'static str,
    keys: Vec<(&'static str, Vec<&'static str>)>,
    expect: Expect,
}

fn principal_of(who: Who) -> (String, String, Option<String>, Option<&'static str>) {
    match who {
        Who::Root => (
            format!("arn:aws:iam::{ACCOUNT}:root"),
            ACCOUNT.into(),
            None,
            None,
        ),
        Who::User(name) => (
            format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
            ACCOUNT.into(),
            None,
            None,
        ),
        Who::Session(role, session) => (
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
            ACCOUNT.into(),
            Some(format!("arn:aws:iam::{ACCOUNT}:role/{role}")),
            None,
        ),
        Who::OtherUser => (
            format!("arn:aws:iam::{OTHER}:user/eve"),
            OTHER.into(),
            None,
            None,
        ),
        Who::Service(name) => (name.into(), String::new(), None, Some(name)),
    }
}

fn run(case: &Case) -> Decision {
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":{}}}"#,
        case.statements
    );
    let document = PolicyDocument::parse(&text, case.kind)
        .unwrap_or_else(|error| panic!("{}: policy does not parse: {error:?}\n{text}", case.name));
    let (arn, account, role_arn, service) = principal_of(case.who);
    let mut keys = ContextKeys::new();
    for (key, values) in &case.keys {
        keys.set_all(key, values.iter().map(|v| (*v).to_owned()).collect());
    }
    let request = Request {
        principal: Principal {
            arn: &arn,
            account: &account,
            role_arn: role_arn.as_deref(),
            service,
        },
        action: case.action,
        resource: case.resource,
        keys: &keys,
    };
    let decision = decide(&document, &request);
    assert_eq!(
        evaluate(&document, &request).decision,
        decision,
        "{}: trace agrees",
        case.name
    );
    decision
}

fn matches(decision: Decision, expect: Expect) -> bool {
    matches!(
        (decision, expect),
        (
            Decision::Allow(_, Some(PrincipalMatch::Account)),
            AllowAccount
        ) | (
            Decision::Allow(_, Some(PrincipalMatch::Direct) | None),
            Allow
        ) | (Decision::ExplicitDeny(_), Deny)
            | (Decision::ImplicitDeny, Silent)
    )
}

/// An identity-policy row: one Allow statement with one condition.
fn condition(
    operator: &str,
    key: &'static str,
    values: &str,
    request: Option<Vec<&'static str>>,
    expect: Expect,
) -> Case {
    Case {
        name: format!("{operator} {key} {values} with {request:?}"),
        kind: PolicyKind::Identity,
        statements: format!(
            r#"[{{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{{"{operator}":{{"{key}":{values}}}}}}}]"#
        ),
        who: Who::User("alice"),
        action: "kms:Encrypt",
        resource: KEY,
        keys: request
            .map(|values| vec![(key, values)])
            .unwrap_or_default(),
        expect,
    }
}

/// A row with statements of our own.
fn row(
    name: &str,
    kind: PolicyKind,
    statements: &str,
    who: Who,
    action: &'static str,
    expect: Expect,
) -> Case {
    Case {
        name: name.to_owned(),
        kind,
        statements: statements.to_owned(),
        who,
        action,
        resource: KEY,
        keys: Vec::new(),
        expect,
    }
}

fn operator_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |operator: &str,
                   key: &'static str,
                   values: &str,
                   request: Option<Vec<&'static str>>,
                   expect: Expect| {
        cases.push(condition(operator, key, values, request, expect));
    };
    // Strings.
    add(
        "StringEquals",
        "kms:CallerAccount",
        r#""111122223333""#,
        Some(vec!["111122223333"]),
        Allow,
    );
    add(
        "StringEquals",
        "kms:CallerAccount",
        r#""111122223333""#,
        Some(vec!["999999999999"]),
        Silent,
    );
    add(
        "StringEquals",
        "kms:CallerAccount",
        r#""111122223333""#,
        None,
        Silent,
    );
    add(
        "StringEquals",
        "kms:CallerAccount",
        r#"["1","111122223333"]"#,
        Some(vec!["111122223333"]),
        Allow,
    );
    add(
        "StringEquals",
        "aws:username",
        r#""Alice""#,
        Some(vec!["alice"]),
        Silent,
    );
    add(
        "StringNotEquals",
        "kms:CallerAccount",
        r#""111122223333""#,
        Some(vec!["999999999999"]),
        Allow,
    );
    add(
        "StringNotEquals",
        "kms:CallerAccount",
        r#""111122223333""#,
        Some(vec!["111122223333"]),
        Silent,
    );
    add(
        "StringNotEquals",
        "kms:CallerAccount",
        r#""111122223333""#,
        None,
        Allow,
    );
    add(
        "StringNotEquals",
        "kms:CallerAccount",
        r#"["a","b"]"#,
        Some(vec!["b"]),
        Silent,
    );
    add(
        "StringEqualsIgnoreCase",
        "aws:username",
        r#""ALICE""#,
        Some(vec!["alice"]),
        Allow,
    );
    add(
        "StringEqualsIgnoreCase",
        "aws:username",
        r#""bob""#,
        Some(vec!["alice"]),
        Silent,
    );
    add(
        "StringNotEqualsIgnoreCase",
        "aws:username",
        r#""ALICE""#,
        Some(vec!["alice"]),
        Silent,
    );
    add(
        "StringNotEqualsIgnoreCase",
        "aws:username",
        r#""bob""#,
        Some(vec!["alice"]),
        Allow,
    );
    add(
        "StringLike",
        "kms:RequestAlias",
        r#""alias/app-*""#,
        Some(vec!["alias/app-prod"]),
        Allow,
    );
    add(
        "StringLike",
        "kms:RequestAlias",
        r#""alias/app-*""#,
        Some(vec!["alias/db"]),
        Silent,
    );
    add(
        "StringLike",
        "kms:RequestAlias",
        r#""alias/app-?""#,
        Some(vec!["alias/app-1"]),
        Allow,
    );
    add(
        "StringLike",
        "kms:RequestAlias",
        r#""alias/app-?""#,
        Some(vec!["alias/app-12"]),
        Silent,
    );
    add(
        "StringLike",
        "kms:RequestAlias",
        r#""alias/app-*""#,
        None,
        Silent,
    );
    add(
        "StringLike",
        "kms:RequestAlias",
        r#""ALIAS/*""#,
        Some(vec!["alias/x"]),
        Silent,
    );
    add(
        "StringNotLike",
        "kms:RequestAlias",
        r#""alias/app-*""#,
        Some(vec!["alias/db"]),
        Allow,
    );
    add(
        "StringNotLike",
        "kms:RequestAlias",
        r#""alias/app-*""#,
        Some(vec!["alias/app-x"]),
        Silent,
    );
    add(
        "StringNotLike",
        "kms:RequestAlias",
        r#""alias/app-*""#,
        None,
        Allow,
    );
    add(
        "StringEqualsIfExists",
        "kms:RequestAlias",
        r#""alias/a""#,
        None,
        Allow,
    );
    add(
        "StringEqualsIfExists",
        "kms:RequestAlias",
        r#""alias/a""#,
        Some(vec!["alias/a"]),
        Allow,
    );
    add(
        "StringEqualsIfExists",
        "kms:RequestAlias",
        r#""alias/a""#,
        Some(vec!["alias/b"]),
        Silent,
    );
    add(
        "StringLikeIfExists",
        "kms:RequestAlias",
        r#""alias/*""#,
        None,
        Allow,
    );
    add(
        "StringNotEqualsIfExists",
        "kms:RequestAlias",
        r#""alias/a""#,
        Some(vec!["alias/a"]),
        Silent,
    );
    // Encryption context keys, as KMS supplies them.
    add(
        "StringEquals",
        "kms:EncryptionContext:Department",
        r#""IT""#,
        Some(vec!["IT"]),
        Allow,
    );
    add(
        "StringEquals",
        "kms:EncryptionContext:Department",
        r#""IT""#,
        Some(vec!["HR"]),
        Silent,
    );
    add(
        "StringEquals",
        "kms:EncryptionContext:Department",
        r#""IT""#,
        None,
        Silent,
    );
    add(
        "StringEqualsIgnoreCase",
        "kms:EncryptionContext:Department",
        r#""it""#,
        Some(vec!["IT"]),
        Allow,
    );
    // Numbers.
    add(
        "NumericEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "7",
        Some(vec!["7"]),
        Allow,
    );
    add(
        "NumericEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        r#""7""#,
        Some(vec!["30"]),
        Silent,
    );
    add(
        "NumericNotEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "7",
        Some(vec!["30"]),
        Allow,
    );
    add(
        "NumericNotEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "7",
        Some(vec!["7"]),
        Silent,
    );
    add(
        "NumericLessThan",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "10",
        Some(vec!["7"]),
        Allow,
    );
    add(
        "NumericLessThan",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "10",
        Some(vec!["10"]),
        Silent,
    );
    add(
        "NumericLessThanEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "10",
        Some(vec!["10"]),
        Allow,
    );
    add(
        "NumericLessThanEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "10",
        Some(vec!["11"]),
        Silent,
    );
    add(
        "NumericGreaterThan",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "20",
        Some(vec!["21"]),
        Allow,
    );
    add(
        "NumericGreaterThan",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "20",
        Some(vec!["20"]),
        Silent,
    );
    add(
        "NumericGreaterThanEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "20",
        Some(vec!["20"]),
        Allow,
    );
    add(
        "NumericGreaterThanEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "20",
        Some(vec!["19"]),
        Silent,
    );
    add(
        "NumericGreaterThanEquals",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "20",
        None,
        Silent,
    );
    add(
        "NumericGreaterThanEqualsIfExists",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "20",
        None,
        Allow,
    );
    add(
        "NumericLessThan",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "10",
        Some(vec!["not a number"]),
        Silent,
    );
    add(
        "NumericLessThan",
        "kms:RotationPeriodInDays",
        "1.5e3",
        Some(vec!["365"]),
        Allow,
    );
    // Dates, in ISO 8601 and in epoch seconds.
    add(
        "DateGreaterThan",
        "aws:CurrentTime",
        r#""2026-01-01T00:00:00Z""#,
        Some(vec!["2026-11-28T12:00:00Z"]),
        Allow,
    );
    add(
        "DateGreaterThan",
        "aws:CurrentTime",
        r#""2027-01-01T00:00:00Z""#,
        Some(vec!["2026-11-28T12:00:00Z"]),
        Silent,
    );
    add(
        "DateLessThan",
        "aws:CurrentTime",
        r#""2027-01-01T00:00:00Z""#,
        Some(vec!["2026-11-28T12:00:00Z"]),
        Allow,
    );
    add(
        "DateLessThan",
        "aws:CurrentTime",
        r#""2026-01-01""#,
        Some(vec!["2026-11-28T12:00:00Z"]),
        Silent,
    );
    add(
        "DateLessThanEquals",
        "aws:CurrentTime",
        r#""2026-11-28T12:00:00Z""#,
        Some(vec!["2026-11-28T12:00:00Z"]),
        Allow,
    );
    add(
        "DateGreaterThanEquals",
        "aws:CurrentTime",
        r#""2026-11-28T12:00:01Z""#,
        Some(vec!["2026-11-28T12:00:00Z"]),
        Silent,
    );
    add(
        "DateEquals",
        "aws:CurrentTime",
        r#""2026-11-28T12:00:00Z""#,
        Some(vec!["2026-11-28T12:00:00Z"]),
        Allow,
    );
    add(
        "DateNotEquals",
        "aws:CurrentTime",
        r#""2026-11-28T12:00:00Z""#,
        Some(vec!["2026-11-28T12:00:00Z"]),
        Silent,
    );
    add(
        "DateGreaterThan",
        "aws:EpochTime",
        "1700000000",
        Some(vec!["1800000000"]),
        Allow,
    );
    add(
        "DateGreaterThan",
        "aws:EpochTime",
        r#""2026-01-01T00:00:00Z""#,
        Some(vec!["1700000000"]),
        Silent,
    );
    add(
        "DateLessThan",
        "aws:CurrentTime",
        r#""2027-01-01T00:00:00Z""#,
        None,
        Silent,
    );
    add(
        "DateLessThanIfExists",
        "aws:CurrentTime",
        r#""2027-01-01T00:00:00Z""#,
        None,
        Allow,
    );
    // Booleans.
    add(
        "Bool",
        "kms:GrantIsForAWSResource",
        r#""true""#,
        Some(vec!["true"]),
        Allow,
    );
    add(
        "Bool",
        "kms:GrantIsForAWSResource",
        "true",
        Some(vec!["true"]),
        Allow,
    );
    add(
        "Bool",
        "kms:GrantIsForAWSResource",
        r#""true""#,
        Some(vec!["false"]),
        Silent,
    );
    add(
        "Bool",
        "kms:GrantIsForAWSResource",
        r#""true""#,
        None,
        Silent,
    );
    add(
        "Bool",
        "aws:SecureTransport",
        r#""false""#,
        Some(vec!["false"]),
        Allow,
    );
    add(
        "BoolIfExists",
        "kms:GrantIsForAWSResource",
        r#""true""#,
        None,
        Allow,
    );
    add(
        "BoolIfExists",
        "kms:GrantIsForAWSResource",
        r#""true""#,
        Some(vec!["false"]),
        Silent,
    );
    add(
        "Bool",
        "kms:BypassPolicyLockoutSafetyCheck",
        r#""true""#,
        Some(vec!["true"]),
        Allow,
    );
    // Binary.
    add(
        "BinaryEquals",
        "aws:SomeBinary",
        r#""QmluYXJ5""#,
        Some(vec!["QmluYXJ5"]),
        Allow,
    );
    add(
        "BinaryEquals",
        "aws:SomeBinary",
        r#""QmluYXJ5""#,
        Some(vec!["T3RoZXI="]),
        Silent,
    );
    // IP addresses.
    add(
        "IpAddress",
        "aws:SourceIp",
        r#""203.0.113.0/24""#,
        Some(vec!["203.0.113.7"]),
        Allow,
    );
    add(
        "IpAddress",
        "aws:SourceIp",
        r#""203.0.113.0/24""#,
        Some(vec!["198.51.100.7"]),
        Silent,
    );
    add(
        "IpAddress",
        "aws:SourceIp",
        r#""203.0.113.7""#,
        Some(vec!["203.0.113.7"]),
        Allow,
    );
    add(
        "IpAddress",
        "aws:SourceIp",
        r#"["10.0.0.0/8","203.0.113.0/24"]"#,
        Some(vec!["10.1.2.3"]),
        Allow,
    );
    add(
        "IpAddress",
        "aws:SourceIp",
        r#""2001:db8::/32""#,
        Some(vec!["2001:db8::1"]),
        Allow,
    );
    add(
        "IpAddress",
        "aws:SourceIp",
        r#""2001:db8::/32""#,
        Some(vec!["203.0.113.7"]),
        Silent,
    );
    add(
        "IpAddress",
        "aws:SourceIp",
        r#""203.0.113.0/24""#,
        None,
        Silent,
    );
    add(
        "NotIpAddress",
        "aws:SourceIp",
        r#""203.0.113.0/24""#,
        Some(vec!["198.51.100.7"]),
        Allow,
    );
    add(
        "NotIpAddress",
        "aws:SourceIp",
        r#""203.0.113.0/24""#,
        Some(vec!["203.0.113.9"]),
        Silent,
    );
    add(
        "NotIpAddress",
        "aws:SourceIp",
        r#""203.0.113.0/24""#,
        None,
        Allow,
    );
    add(
        "IpAddressIfExists",
        "aws:SourceIp",
        r#""203.0.113.0/24""#,
        None,
        Allow,
    );
    // ARNs.
    add(
        "ArnEquals",
        "aws:PrincipalArn",
        r#""arn:aws:iam::111122223333:role/app""#,
        Some(vec!["arn:aws:iam::111122223333:role/app"]),
        Allow,
    );
    add(
        "ArnLike",
        "aws:PrincipalArn",
        r#""arn:aws:iam::111122223333:role/*""#,
        Some(vec!["arn:aws:iam::111122223333:role/app"]),
        Allow,
    );
    add(
        "ArnLike",
        "aws:PrincipalArn",
        r#""arn:aws:iam::111122223333:role/*""#,
        Some(vec!["arn:aws:iam::111122223333:user/app"]),
        Silent,
    );
    add(
        "ArnLike",
        "aws:PrincipalArn",
        r#""arn:aws:iam::*:role/app""#,
        Some(vec!["arn:aws:iam::444455556666:role/app"]),
        Allow,
    );
    add(
        "ArnNotLike",
        "aws:PrincipalArn",
        r#""arn:aws:iam::111122223333:role/*""#,
        Some(vec!["arn:aws:iam::111122223333:user/app"]),
        Allow,
    );
    add(
        "ArnNotEquals",
        "aws:PrincipalArn",
        r#""arn:aws:iam::111122223333:role/app""#,
        Some(vec!["arn:aws:iam::111122223333:role/app"]),
        Silent,
    );
    add(
        "ArnLike",
        "aws:PrincipalArn",
        r#""arn:aws:iam::111122223333:role/*""#,
        None,
        Silent,
    );
    add(
        "ArnLikeIfExists",
        "aws:PrincipalArn",
        r#""arn:aws:iam::111122223333:role/*""#,
        None,
        Allow,
    );
    // Null.
    add(
        "Null",
        "kms:EncryptionContext:Department",
        r#""true""#,
        None,
        Allow,
    );
    add(
        "Null",
        "kms:EncryptionContext:Department",
        r#""true""#,
        Some(vec!["IT"]),
        Silent,
    );
    add(
        "Null",
        "kms:EncryptionContext:Department",
        r#""false""#,
        Some(vec!["IT"]),
        Allow,
    );
    add(
        "Null",
        "kms:EncryptionContext:Department",
        r#""false""#,
        None,
        Silent,
    );
    add(
        "Null",
        "aws:TagKeys",
        r#""false""#,
        Some(vec!["a", "b"]),
        Allow,
    );
    // Set operators on multi-valued keys.
    add(
        "ForAnyValue:StringEquals",
        "kms:EncryptionContextKeys",
        r#"["Department"]"#,
        Some(vec!["Project", "Department"]),
        Allow,
    );
    add(
        "ForAnyValue:StringEquals",
        "kms:EncryptionContextKeys",
        r#"["Department"]"#,
        Some(vec!["Project"]),
        Silent,
    );
    add(
        "ForAnyValue:StringEquals",
        "kms:EncryptionContextKeys",
        r#"["Department"]"#,
        None,
        Silent,
    );
    add(
        "ForAnyValue:StringEquals",
        "kms:EncryptionContextKeys",
        r#"["Department"]"#,
        Some(vec![]),
        Silent,
    );
    add(
        "ForAllValues:StringEquals",
        "kms:EncryptionContextKeys",
        r#"["Department","Project"]"#,
        Some(vec!["Project", "Department"]),
        Allow,
    );
    add(
        "ForAllValues:StringEquals",
        "kms:EncryptionContextKeys",
        r#"["Department"]"#,
        Some(vec!["Project", "Department"]),
        Silent,
    );
    add(
        "ForAllValues:StringEquals",
        "kms:EncryptionContextKeys",
        r#"["Department"]"#,
        None,
        Allow,
    );
    add(
        "ForAllValues:StringEquals",
        "kms:EncryptionContextKeys",
        r#"["Department"]"#,
        Some(vec![]),
        Allow,
    );
    add(
        "ForAllValues:StringLike",
        "aws:TagKeys",
        r#"["team-*"]"#,
        Some(vec!["team-a", "team-b"]),
        Allow,
    );
    add(
        "ForAllValues:StringLike",
        "aws:TagKeys",
        r#"["team-*"]"#,
        Some(vec!["team-a", "cost"]),
        Silent,
    );
    add(
        "ForAnyValue:StringLike",
        "kms:ResourceAliases",
        r#"["alias/prod-*"]"#,
        Some(vec!["alias/x", "alias/prod-db"]),
        Allow,
    );
    add(
        "ForAnyValue:StringNotLike",
        "kms:ResourceAliases",
        r#"["alias/prod-*"]"#,
        Some(vec!["alias/prod-a", "alias/test"]),
        Allow,
    );
    add(
        "ForAnyValue:StringNotLike",
        "kms:ResourceAliases",
        r#"["alias/prod-*"]"#,
        Some(vec!["alias/prod-a"]),
        Silent,
    );
    add(
        "ForAllValues:StringNotEquals",
        "kms:GrantOperations",
        r#"["Decrypt"]"#,
        Some(vec!["Encrypt", "DescribeKey"]),
        Allow,
    );
    add(
        "ForAllValues:StringNotEquals",
        "kms:GrantOperations",
        r#"["Decrypt"]"#,
        Some(vec!["Encrypt", "Decrypt"]),
        Silent,
    );
    add(
        "ForAnyValue:StringEqualsIfExists",
        "kms:GrantOperations",
        r#"["Decrypt"]"#,
        None,
        Allow,
    );
    // Single-valued keys given several values (the request side): one must match.
    add(
        "StringEquals",
        "aws:PrincipalTag/team",
        r#""red""#,
        Some(vec!["red"]),
        Allow,
    );
    cases
}

fn structure_cases() -> Vec<Case> {
    use PolicyKind::{Identity as Id, Resource as Res};
    let root = format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}}"#);
    let account = format!(r#"{{"AWS":"{ACCOUNT}"}}"#);
    let alice = format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:user/alice"}}"#);
    let role = format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:role/app"}}"#);
    let session = format!(r#"{{"AWS":"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1"}}"#);
    let other_root = format!(r#"{{"AWS":"arn:aws:iam::{OTHER}:root"}}"#);
    let stmt = |effect: &str, principal: &str, action: &str| {
        format!(
            r#"{{"Effect":"{effect}","Principal":{principal},"Action":{action},"Resource":"*"}}"#
        )
    };
    let one = |s: String| format!("[{s}]");
    let two = |a: String, b: String| format!("[{a},{b}]");
    let mut cases = vec![
        // Principals.
        row(
            "root statement names the root itself",
            Res,
            &one(stmt("Allow", &root, r#""kms:*""#)),
            Who::Root,
            "kms:Encrypt",
            Allow,
        ),
        row(
            "root statement names a user's account",
            Res,
            &one(stmt("Allow", &root, r#""kms:*""#)),
            Who::User("alice"),
            "kms:Encrypt",
            AllowAccount,
        ),
        row(
            "bare account id is the account",
            Res,
            &one(stmt("Allow", &account, r#""kms:*""#)),
            Who::User("alice"),
            "kms:Encrypt",
            AllowAccount,
        ),
        row(
            "root statement names assumed roles' account",
            Res,
            &one(stmt("Allow", &root, r#""kms:*""#)),
            Who::Session("app", "s1"),
            "kms:Encrypt",
            AllowAccount,
        ),
        row(
            "root statement does not name another account",
            Res,
            &one(stmt("Allow", &root, r#""kms:*""#)),
            Who::OtherUser,
            "kms:Encrypt",
            Silent,
        ),
        row(
            "another account's root statement names its users",
            Res,
            &one(stmt("Allow", &other_root, r#""kms:*""#)),
            Who::OtherUser,
            "kms:Encrypt",
            AllowAccount,
        ),
        row(
            "user statement names the user",
            Res,
            &one(stmt("Allow", &alice, r#""kms:*""#)),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "user statement does not name another user",
            Res,
            &one(stmt("Allow", &alice, r#""kms:*""#)),
            Who::User("bob"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "user statement does not name the root",
            Res,
            &one(stmt("Allow", &alice, r#""kms:*""#)),
            Who::Root,
            "kms:Encrypt",
            Silent,
        ),
        row(
            "role statement names its sessions",
            Res,
            &one(stmt("Allow", &role, r#""kms:*""#)),
            Who::Session("app", "s1"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "role statement does not name another role's sessions",
            Res,
            &one(stmt("Allow", &role, r#""kms:*""#)),
            Who::Session("other", "s1"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "session statement names that session",
            Res,
            &one(stmt("Allow", &session, r#""kms:*""#)),
            Who::Session("app", "s1"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "session statement does not name another session",
            Res,
            &one(stmt("Allow", &session, r#""kms:*""#)),
            Who::Session("app", "s2"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "star names everyone",
            Res,
            &one(stmt("Allow", r#""*""#, r#""kms:*""#)),
            Who::OtherUser,
            "kms:Encrypt",
            Allow,
        ),
        row(
            "AWS star names everyone",
            Res,
            &one(stmt("Allow", r#"{"AWS":"*"}"#, r#""kms:*""#)),
            Who::User("bob"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "service principal names the service",
            Res,
            &one(stmt(
                "Allow",
                r#"{"Service":"rds.amazonaws.com"}"#,
                r#""kms:*""#,
            )),
            Who::Service("rds.amazonaws.com"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "service principal does not name users",
            Res,
            &one(stmt(
                "Allow",
                r#"{"Service":"rds.amazonaws.com"}"#,
                r#""kms:*""#,
            )),
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "user principal does not name services",
            Res,
            &one(stmt("Allow", &alice, r#""kms:*""#)),
            Who::Service("rds.amazonaws.com"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "user and account: the direct match is preferred",
            Res,
            &two(
                stmt("Allow", &root, r#""kms:*""#),
                stmt("Allow", &alice, r#""kms:Encrypt""#),
            ),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "direct match only for its actions",
            Res,
            &two(
                stmt("Allow", &root, r#""kms:*""#),
                stmt("Allow", &alice, r#""kms:Encrypt""#),
            ),
            Who::User("alice"),
            "kms:Decrypt",
            AllowAccount,
        ),
        // NotPrincipal.
        row(
            "NotPrincipal excludes the named user",
            Res,
            &format!(
                r#"[{{"Effect":"Deny","NotPrincipal":{alice},"Action":"kms:*","Resource":"*"}}]"#
            ),
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "NotPrincipal applies to everyone else",
            Res,
            &format!(
                r#"[{{"Effect":"Deny","NotPrincipal":{alice},"Action":"kms:*","Resource":"*"}}]"#
            ),
            Who::User("bob"),
            "kms:Encrypt",
            Deny,
        ),
        row(
            "NotPrincipal applies to other accounts",
            Res,
            &format!(
                r#"[{{"Effect":"Deny","NotPrincipal":{alice},"Action":"kms:*","Resource":"*"}}]"#
            ),
            Who::OtherUser,
            "kms:Encrypt",
            Deny,
        ),
        // Actions and wildcards.
        row(
            "action wildcard",
            Res,
            &one(stmt("Allow", &alice, r#""kms:Generate*""#)),
            Who::User("alice"),
            "kms:GenerateDataKeyWithoutPlaintext",
            Allow,
        ),
        row(
            "action wildcard does not over-match",
            Res,
            &one(stmt("Allow", &alice, r#""kms:Generate*""#)),
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "actions compare without case",
            Res,
            &one(stmt("Allow", &alice, r#""KMS:encrypt""#)),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "action question mark",
            Res,
            &one(stmt("Allow", &alice, r#""kms:?ncrypt""#)),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "action list",
            Res,
            &one(stmt("Allow", &alice, r#"["kms:Decrypt","kms:Encrypt"]"#)),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "action star",
            Res,
            &one(stmt("Allow", &alice, r#""*""#)),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "other service's actions",
            Res,
            &one(stmt("Allow", &alice, r#""s3:*""#)),
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "ReEncrypt* covers both halves",
            Res,
            &one(stmt("Allow", &alice, r#""kms:ReEncrypt*""#)),
            Who::User("alice"),
            "kms:ReEncryptFrom",
            Allow,
        ),
        row(
            "NotAction allows what it does not list",
            Res,
            &format!(
                r#"[{{"Effect":"Allow","Principal":{alice},"NotAction":"kms:Decrypt","Resource":"*"}}]"#
            ),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "NotAction does not allow what it lists",
            Res,
            &format!(
                r#"[{{"Effect":"Allow","Principal":{alice},"NotAction":"kms:Decrypt","Resource":"*"}}]"#
            ),
            Who::User("alice"),
            "kms:Decrypt",
            Silent,
        ),
        row(
            "NotAction with wildcard",
            Res,
            &format!(
                r#"[{{"Effect":"Allow","Principal":{alice},"NotAction":"kms:*Key*","Resource":"*"}}]"#
            ),
            Who::User("alice"),
            "kms:ScheduleKeyDeletion",
            Silent,
        ),
        row(
            "Deny NotAction denies the rest",
            Res,
            &two(
                stmt("Allow", &alice, r#""kms:*""#),
                format!(
                    r#"{{"Effect":"Deny","Principal":{alice},"NotAction":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}}"#
                ),
            ),
            Who::User("alice"),
            "kms:PutKeyPolicy",
            Deny,
        ),
        row(
            "Deny NotAction leaves the listed",
            Res,
            &two(
                stmt("Allow", &alice, r#""kms:*""#),
                format!(
                    r#"{{"Effect":"Deny","Principal":{alice},"NotAction":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}}"#
                ),
            ),
            Who::User("alice"),
            "kms:Decrypt",
            Allow,
        ),
        // Explicit deny ordering.
        row(
            "deny after allow wins",
            Res,
            &two(
                stmt("Allow", &alice, r#""kms:*""#),
                stmt("Deny", &alice, r#""kms:Decrypt""#),
            ),
            Who::User("alice"),
            "kms:Decrypt",
            Deny,
        ),
        row(
            "deny before allow wins",
            Res,
            &two(
                stmt("Deny", &alice, r#""kms:Decrypt""#),
                stmt("Allow", &alice, r#""kms:*""#),
            ),
            Who::User("alice"),
            "kms:Decrypt",
            Deny,
        ),
        row(
            "deny on the account covers its users",
            Res,
            &two(
                stmt("Allow", &alice, r#""kms:*""#),
                stmt("Deny", &root, r#""kms:Decrypt""#),
            ),
            Who::User("alice"),
            "kms:Decrypt",
            Deny,
        ),
        row(
            "deny on star covers everyone",
            Res,
            &two(
                stmt("Allow", &alice, r#""kms:*""#),
                stmt("Deny", r#""*""#, r#""kms:Decrypt""#),
            ),
            Who::User("alice"),
            "kms:Decrypt",
            Deny,
        ),
        row(
            "deny for other actions does not apply",
            Res,
            &two(
                stmt("Allow", &alice, r#""kms:*""#),
                stmt("Deny", &alice, r#""kms:Decrypt""#),
            ),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "deny for others does not apply",
            Res,
            &two(
                stmt("Allow", &alice, r#""kms:*""#),
                stmt("Deny", &role, r#""kms:*""#),
            ),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "deny on a role covers its sessions",
            Res,
            &two(
                stmt("Allow", &root, r#""kms:*""#),
                stmt("Deny", &role, r#""kms:*""#),
            ),
            Who::Session("app", "x"),
            "kms:Encrypt",
            Deny,
        ),
        row(
            "conditional deny that does not hold",
            Res,
            &two(
                stmt("Allow", &alice, r#""kms:*""#),
                format!(
                    r#"{{"Effect":"Deny","Principal":{alice},"Action":"kms:*","Resource":"*","Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}"#
                ),
            ),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        // Resources.
        row(
            "resource star",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "resource exact ARN",
            Id,
            &format!(r#"[{{"Effect":"Allow","Action":"kms:*","Resource":"{KEY}"}}]"#),
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "resource other key",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/other"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "resource wildcard region and key",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:111122223333:key/*"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "resource wildcard other account",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:444455556666:key/*"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "resources compare with case",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:KEY/*"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "resource alias ARN is not the key",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:alias/*"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "NotResource excludes its ARN",
            Id,
            &format!(r#"[{{"Effect":"Allow","Action":"kms:*","NotResource":"{KEY}"}}]"#),
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "NotResource allows others",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","NotResource":"arn:aws:kms:*:*:key/other"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        row(
            "identity deny wins in the same document",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Deny,
        ),
        row(
            "identity policy for another action",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "an empty statement list is not a policy: a statement that grants nothing is silent",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:*:*:key/none"}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "a single statement object",
            Id,
            r#"{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}"#,
            Who::User("alice"),
            "kms:Encrypt",
            Allow,
        ),
        // Several conditions: keys AND, values OR.
        row(
            "two keys both hold",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","aws:username":"alice"}}}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
        row(
            "two operators, one fails",
            Id,
            r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}}]"#,
            Who::User("alice"),
            "kms:Encrypt",
            Silent,
        ),
    ];
    // Rows whose keys are set.
    let mut keyed = |name: &str,
                     statements: &str,
                     who: Who,
                     keys: Vec<(&'static str, Vec<&'static str>)>,
                     expect: Expect| {
        cases.push(Case {
            name: name.to_owned(),
            kind: Id,
            statements: statements.to_owned(),
            who,
            action: "kms:Encrypt",
            resource: KEY,
            keys,
            expect,
        });
    };
    keyed(
        "two keys both hold (set)",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","aws:username":"alice"}}}]"#,
        Who::User("alice"),
        vec![
            ("kms:CallerAccount", vec!["111122223333"]),
            ("aws:username", vec!["alice"]),
        ],
        Allow,
    );
    keyed(
        "two keys, one differs",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","aws:username":"alice"}}}]"#,
        Who::User("alice"),
        vec![
            ("kms:CallerAccount", vec!["111122223333"]),
            ("aws:username", vec!["bob"]),
        ],
        Silent,
    );
    keyed(
        "two operators both hold",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"false"}}}]"#,
        Who::User("alice"),
        vec![
            ("aws:username", vec!["alice"]),
            ("aws:SecureTransport", vec!["false"]),
        ],
        Allow,
    );
    keyed(
        "condition key names ignore case",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"AWS:UserName":"alice"}}}]"#,
        Who::User("alice"),
        vec![("aws:username", vec!["alice"])],
        Allow,
    );
    // Policy variables.
    keyed(
        "username variable in resource",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/${aws:username}"}]"#,
        Who::User("alice"),
        vec![("aws:username", vec!["1234abcd-12ab-34cd-56ef-1234567890ab"])],
        Allow,
    );
    keyed(
        "username variable mismatched",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/${aws:username}"}]"#,
        Who::User("alice"),
        vec![("aws:username", vec!["alice"])],
        Silent,
    );
    keyed(
        "variable in condition value",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}}]"#,
        Who::User("alice"),
        vec![
            ("aws:username", vec!["alice"]),
            ("kms:EncryptionContext:owner", vec!["alice"]),
        ],
        Allow,
    );
    keyed(
        "variable in condition value, other owner",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}}]"#,
        Who::User("alice"),
        vec![
            ("aws:username", vec!["alice"]),
            ("kms:EncryptionContext:owner", vec!["bob"]),
        ],
        Silent,
    );
    keyed(
        "absent variable matches nothing",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}}]"#,
        Who::Root,
        vec![("kms:EncryptionContext:owner", vec!["alice"])],
        Silent,
    );
    keyed(
        "variable default",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username, 'nobody'}"}}}]"#,
        Who::Root,
        vec![("kms:EncryptionContext:owner", vec!["nobody"])],
        Allow,
    );
    keyed(
        "escaped star is literal",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:x":"a${*}"}}}]"#,
        Who::Root,
        vec![("kms:EncryptionContext:x", vec!["a*"])],
        Allow,
    );
    keyed(
        "escaped question mark is literal",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:x":"a${?}"}}}]"#,
        Who::Root,
        vec![("kms:EncryptionContext:x", vec!["a?"])],
        Allow,
    );
    keyed(
        "escaped star does not match others",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:x":"a${*}"}}}]"#,
        Who::Root,
        vec![("kms:EncryptionContext:x", vec!["ab"])],
        Silent,
    );
    keyed(
        "principal ARN of a session is the role",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app"}}}]"#,
        Who::Session("app", "s1"),
        vec![(
            "aws:PrincipalArn",
            vec!["arn:aws:iam::111122223333:role/app"],
        )],
        Allow,
    );
    keyed(
        "caller account other",
        r#"[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}]"#,
        Who::OtherUser,
        vec![("kms:CallerAccount", vec![OTHER])],
        Silent,
    );
    keyed(
        "grant for AWS resource true",
        r#"[{"Effect":"Allow","Action":"kms:CreateGrant","Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]"#,
        Who::User("alice"),
        vec![("kms:GrantIsForAWSResource", vec!["true"])],
        Silent,
    );
    cases
}

#[test]
fn the_table_holds() {
    let mut cases = operator_cases();
    cases.extend(structure_cases());
    assert!(cases.len() >= 150, "the table has {} rows", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let decision = run(case);
        if !matches(decision, case.expect) {
            failures.push(format!(
                "{}: expected {:?}, got {decision:?}",
                case.name, case.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn key_policies_refuse_for_all_values_on_single_valued_keys() {
    for key in ["kms:EncryptionContext:Department", "aws:RequestTag/team"] {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{{"ForAllValues:StringEquals":{{"{key}":"x"}}}}}}]}}"#
        );
        let error = PolicyDocument::parse(&text, PolicyKind::Resource).unwrap_err();
        let message = format!("{error:?}");
        assert!(message.contains("OverlyPermissiveCondition"), "{message}");
        // ForAnyValue, multi-valued keys, and identity policies are accepted.
        PolicyDocument::parse(
            &text.replace("ForAllValues", "ForAnyValue"),
            PolicyKind::Resource,
        )
        .unwrap();
        PolicyDocument::parse(
            &text.replace(r#""Principal":"*","#, ""),
            PolicyKind::Identity,
        )
        .unwrap();
    }
    let multi = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"x"}}}]}"#;
    PolicyDocument::parse(multi, PolicyKind::Resource).unwrap();
}
