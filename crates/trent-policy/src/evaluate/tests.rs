//! Evaluation tests: one helper per question, tables of cases.

use proptest::prelude::*;

use super::*;
use crate::document::{PolicyDocument, PolicyError, PolicyKind};

const ACCOUNT: &str = "111122223333";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn user(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

fn key_policy(text: &str) -> PolicyDocument {
    PolicyDocument::parse(text, PolicyKind::Resource).unwrap()
}

fn decide(document: &PolicyDocument, arn: &str, action: &str, keys: &ContextKeys) -> Decision {
    let principal = Principal {
        arn,
        account: ACCOUNT,
        role_arn: None,
        service: None,
    };
    let request = Request {
        principal,
        action,
        resource: KEY,
        keys,
    };
    let decision = super::decide(document, &request);
    assert_eq!(
        evaluate(document, &request).decision,
        decision,
        "traced and untraced evaluation agree"
    );
    decision
}

/// Four statements shaped like a typical managed-key policy: the account,
/// administrators, users, and grants only for AWS resources.
fn layered_policy() -> PolicyDocument {
    key_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Sid":"Account","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},
        {{"Sid":"Admins","Effect":"Allow","Principal":{{"AWS":"{admin}"}},"Action":["kms:Create*","kms:Describe*","kms:Put*","kms:ScheduleKeyDeletion"],"Resource":"*"}},
        {{"Sid":"Users","Effect":"Allow","Principal":{{"AWS":["{app}"]}},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*"],"Resource":"*"}},
        {{"Sid":"Grants","Effect":"Allow","Principal":{{"AWS":"{app}"}},"Action":["kms:CreateGrant"],"Resource":"*",
          "Condition":{{"Bool":{{"kms:GrantIsForAWSResource":"true"}}}}}}
    ]}}"#,
        admin = user("admin"),
        app = user("app"),
    ))
}

#[test]
fn statements_naming_the_caller_allow_directly() {
    let policy = layered_policy();
    let keys = ContextKeys::new();
    assert_eq!(
        decide(&policy, &user("app"), "kms:Encrypt", &keys),
        Decision::Allow(2, Some(PrincipalMatch::Direct))
    );
    assert_eq!(
        decide(&policy, &user("app"), "kms:reencryptfrom", &keys),
        Decision::Allow(2, Some(PrincipalMatch::Direct))
    );
    assert_eq!(
        decide(&policy, &user("admin"), "kms:PutKeyPolicy", &keys),
        Decision::Allow(1, Some(PrincipalMatch::Direct))
    );
    // Only the account statement covers this: an identity policy must allow too.
    assert_eq!(
        decide(&policy, &user("admin"), "kms:Encrypt", &keys),
        Decision::Allow(0, Some(PrincipalMatch::Account))
    );
    assert_eq!(
        decide(&policy, &user("other"), "kms:Decrypt", &keys),
        Decision::Allow(0, Some(PrincipalMatch::Account))
    );
}

#[test]
fn another_account_is_not_covered() {
    let policy = layered_policy();
    let principal = Principal {
        arn: "arn:aws:iam::444455556666:user/app",
        account: "444455556666",
        role_arn: None,
        service: None,
    };
    let keys = ContextKeys::new();
    let evaluation = evaluate(
        &policy,
        &Request {
            principal,
            action: "kms:Encrypt",
            resource: KEY,
            keys: &keys,
        },
    );
    assert_eq!(evaluation.decision, Decision::ImplicitDeny);
    assert!(evaluation
        .trace
        .iter()
        .all(|line| line.outcome == StatementOutcome::PrincipalDidNotMatch));
}

#[test]
fn grant_statement_needs_the_condition() {
    let policy = key_policy(&format!(
        r#"{{"Statement":{{"Effect":"Allow","Principal":{{"AWS":"{app}"}},"Action":"kms:CreateGrant","Resource":"*",
        "Condition":{{"Bool":{{"kms:GrantIsForAWSResource":"true"}}}}}}}}"#,
        app = user("app")
    ));
    let mut keys = ContextKeys::new();
    let evaluation = evaluate(
        &policy,
        &Request {
            principal: Principal {
                arn: &user("app"),
                account: ACCOUNT,
                role_arn: None,
                service: None,
            },
            action: "kms:CreateGrant",
            resource: KEY,
            keys: &keys,
        },
    );
    assert_eq!(evaluation.decision, Decision::ImplicitDeny);
    assert_eq!(
        evaluation.trace[0].outcome,
        StatementOutcome::ConditionFailed {
            key: "kms:GrantIsForAWSResource".into()
        }
    );
    keys.set("kms:grantisforawsresource", "true");
    assert_eq!(
        decide(&policy, &user("app"), "kms:CreateGrant", &keys),
        Decision::Allow(0, Some(PrincipalMatch::Direct))
    );
}

#[test]
fn assumed_role_sessions_match_their_role() {
    let role = format!("arn:aws:iam::{ACCOUNT}:role/deployer");
    let policy = key_policy(&format!(
        r#"{{"Statement":{{"Effect":"Allow","Principal":{{"AWS":"{role}"}},"Action":"kms:Decrypt","Resource":"*"}}}}"#
    ));
    let session = format!("arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci");
    let principal = Principal {
        arn: &session,
        account: ACCOUNT,
        role_arn: Some(&role),
        service: None,
    };
    let keys = ContextKeys::new();
    let decision = evaluate(
        &policy,
        &Request {
            principal,
            action: "kms:Decrypt",
            resource: KEY,
            keys: &keys,
        },
    )
    .decision;
    assert_eq!(decision, Decision::Allow(0, Some(PrincipalMatch::Direct)));
}

#[test]
fn not_elements_invert_matching() {
    let policy = key_policy(
        r#"{"Statement":[
        {"Effect":"Allow","Principal":"*","NotAction":"kms:ScheduleKeyDeletion","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"kms:*","NotResource":"arn:aws:kms:us-east-1:111122223333:key/*"}]}"#,
    );
    let keys = ContextKeys::new();
    assert_eq!(
        decide(&policy, &user("x"), "kms:Encrypt", &keys),
        Decision::Allow(0, Some(PrincipalMatch::Direct))
    );
    assert_eq!(
        decide(&policy, &user("x"), "kms:ScheduleKeyDeletion", &keys),
        Decision::ImplicitDeny
    );
}

#[test]
fn policy_variables_are_substituted_in_version_2012() {
    let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Encrypt","Resource":"*",
        "Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}}}"#;
    let policy = key_policy(text);
    let mut keys = ContextKeys::new();
    keys.set("aws:username", "alice");
    keys.set("kms:EncryptionContext:owner", "alice");
    assert!(matches!(
        decide(&policy, &user("alice"), "kms:Encrypt", &keys),
        Decision::Allow(..)
    ));
    keys.set("kms:EncryptionContext:owner", "bob");
    assert_eq!(
        decide(&policy, &user("alice"), "kms:Encrypt", &keys),
        Decision::ImplicitDeny
    );
    // Without Version 2012-10-17 the text is literal.
    let literal = key_policy(&text.replace(r#""Version":"2012-10-17","#, ""));
    keys.set("kms:EncryptionContext:owner", "alice");
    assert_eq!(
        decide(&literal, &user("alice"), "kms:Encrypt", &keys),
        Decision::ImplicitDeny
    );
    // `${*}` is a literal star, kept apart from the wildcard.
    let substituted = substitute("a-${*}-${aws:missing, 'd'}", &keys).unwrap();
    assert_eq!(crate::wildcard::unescape(&substituted), "a-*-d");
    assert!(crate::wildcard::matches(
        &substituted,
        "a-*-d",
        crate::wildcard::Case::Sensitive
    ));
    assert!(!crate::wildcard::matches(
        &substituted,
        "a-x-d",
        crate::wildcard::Case::Sensitive
    ));
    assert_eq!(substitute("${aws:missing}", &keys), None);
}

#[test]
fn documents_are_validated_as_aws_does() {
    let cases: &[(&str, PolicyKind)] = &[
        ("[]", PolicyKind::Resource),
        ("{", PolicyKind::Resource),
        (r#"{"Statement":[]}"#, PolicyKind::Resource),
        (
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
            PolicyKind::Resource,
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}"#,
            PolicyKind::Identity,
        ),
        (
            r#"{"Statement":{"Effect":"Maybe","Principal":"*","Action":"kms:*","Resource":"*"}}"#,
            PolicyKind::Resource,
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","NotAction":"kms:x","Resource":"*"}}"#,
            PolicyKind::Resource,
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Extra":1}}"#,
            PolicyKind::Resource,
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"kms:*","Resource":"*"}}"#,
            PolicyKind::Resource,
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"encrypt","Resource":"*"}}"#,
            PolicyKind::Resource,
        ),
        (
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEqual":{"a:b":"c"}}}}"#,
            PolicyKind::Resource,
        ),
        (
            r#"{"Version":"2020-01-01","Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}"#,
            PolicyKind::Resource,
        ),
    ];
    for (text, kind) in cases {
        assert!(
            PolicyDocument::parse(text, *kind).is_err(),
            "accepted: {text}"
        );
    }
    let big = format!(r#"{{"Id":"{}","Statement":[]}}"#, "x".repeat(40_000));
    assert_eq!(
        PolicyDocument::parse(&big, PolicyKind::Resource),
        Err(PolicyError::TooLarge)
    );
}

/// The founding scenario's policy, read in place from `../shared` (never
/// copied into the project); skipped when absent.
#[test]
fn founding_scenario_policy_parses_and_names_its_principals() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/scenarios/rds-key/policy.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    let policy = key_policy(&text);
    assert_eq!(policy.statements.len(), 4);
    let keys = ContextKeys::new();
    let kmsuser = user("kmsuser");
    for action in [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:DescribeKey",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "kms:CreateGrant",
    ] {
        assert_eq!(
            decide(&policy, &kmsuser, action, &keys),
            Decision::Allow(1, Some(PrincipalMatch::Direct)),
            "{action}"
        );
    }
    assert_eq!(
        decide(&policy, &user("second"), "kms:Encrypt", &keys),
        Decision::Allow(0, Some(PrincipalMatch::Account))
    );
}

proptest! {
    /// An explicit Deny wins whatever the order of the statements.
    #[test]
    fn explicit_deny_wins_in_any_order(allow_count in 0usize..4, position in 0usize..5) {
        let allow = r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}"#;
        let deny = r#"{"Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*"}"#;
        let mut statements = vec![allow; allow_count];
        let at = position.min(statements.len());
        statements.insert(at, deny);
        let policy = key_policy(&format!(r#"{{"Statement":[{}]}}"#, statements.join(",")));
        let keys = ContextKeys::new();
        prop_assert_eq!(decide(&policy, &user("x"), "kms:Encrypt", &keys), Decision::ExplicitDeny(at));
    }

    /// A policy whose statements name other principals never allows.
    #[test]
    fn unrelated_statements_deny_implicitly(count in 1usize..5, action in "kms:[A-Z][a-z]{2,12}") {
        let statement = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:user/x"},"Action":"kms:*","Resource":"*"}"#;
        let policy = key_policy(&format!(r#"{{"Statement":[{}]}}"#, vec![statement; count].join(",")));
        let keys = ContextKeys::new();
        prop_assert_eq!(decide(&policy, &user("x"), &action, &keys), Decision::ImplicitDeny);
    }
}

#[test]
fn reads_key_sees_keys_read_through_policy_variables() {
    let parse = |text: &str| PolicyDocument::parse(text, PolicyKind::Resource).unwrap();
    let by_key = parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:resourcetag/team":"x"}}}]}"#,
    );
    assert!(by_key.reads_key("aws:ResourceTag/"));
    let in_value = parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"${ aws:ResourceTag/team}"}}}]}"#,
    );
    assert!(in_value.reads_key("aws:ResourceTag/"));
    assert!(!in_value.reads_key("kms:ResourceAliases"));
    let in_resource = parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Encrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/${kms:ResourceAliases}"}}"#,
    );
    assert!(in_resource.reads_key("kms:ResourceAliases"));
    let none = parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"aws:ResourceTag/team"}}}}"#,
    );
    assert!(
        !none.reads_key("aws:ResourceTag/"),
        "a literal value is not a variable"
    );
}
