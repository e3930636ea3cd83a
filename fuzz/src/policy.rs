//! Policy documents built from the IAM grammar's own words (effects,
//! operators, condition keys, actions, ARNs, policy variables), and the
//! requests they are asked about.

use arbitrary::Arbitrary;
use serde_json::{json, Map, Value};

use crate::pick;

const ACTIONS: &[&str] = &[
    "kms:*",
    "*",
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:CreateGrant",
    "kms:DescribeKey",
    "kms:Enc?ypt",
    "KMS:ENCRYPT",
    "iam:*",
    "sts:AssumeRole",
    "kms:",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:kms:us-east-1:111122223333:key/*",
    "arn:aws:kms:*:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:us-east-1:111122223333:key/${aws:ResourceTag/project}",
    "arn:aws:kms:us-east-1:111122223333:key/${kms:ViaService, 'none'}",
    "arn:aws:kms:us-east-1:${aws:PrincipalAccount}:key/*",
    "arn:aws:kms:us-east-1:111122223333:key/${*}",
    "arn:aws:iam::111122223333:user/${aws:username}",
];
const PRINCIPALS: &[&str] = &[
    "111122223333",
    "444455556666",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:role/Admin",
    "arn:aws:sts::111122223333:assumed-role/Admin/session",
    "*",
];
const SERVICES: &[&str] = &["rds.amazonaws.com", "ec2.amazonaws.com"];
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];
/// Condition keys; also the request's context keys.
pub const KEYS: &[&str] = &[
    "kms:EncryptionContext:purpose",
    "kms:EncryptionContextKeys",
    "kms:ViaService",
    "kms:CallerAccount",
    "kms:GrantIsForAWSResource",
    "kms:ResourceAliases",
    "aws:ResourceTag/project",
    "aws:resourcetag/Project",
    "aws:PrincipalTag/project",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:SecureTransport",
    "aws:username",
    "kms:RequestAlias",
];
const VALUES: &[&str] = &[
    "db",
    "DB",
    "d*",
    "?b",
    "true",
    "false",
    "111122223333",
    "10.0.0.0/8",
    "10.1.2.3",
    "::1",
    "2001:db8::/32",
    "2026-01-01T00:00:00Z",
    "1767225600",
    "30",
    "7.5",
    "rds.us-east-1.amazonaws.com",
    "alias/example",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::*:user/*",
    "${aws:ResourceTag/project}",
    "${aws:PrincipalTag/project}",
    "${kms:CallerAccount}",
    "${aws:username}",
    "${*}",
    "${?}",
    "${$}",
    "",
    "YWJj",
];

/// Text from a vocabulary, or raw.
#[derive(Arbitrary, Debug, Clone)]
pub enum Word {
    /// From the vocabulary.
    Known(u8),
    /// Any text.
    Raw(String),
}

impl Word {
    fn render(&self, vocabulary: &[&str]) -> String {
        match self {
            Self::Known(index) => pick(vocabulary, *index).to_owned(),
            Self::Raw(text) => text.clone(),
        }
    }
}

/// One or several words, as a string or an array.
#[derive(Arbitrary, Debug, Clone)]
pub struct Words {
    first: Word,
    more: Vec<Word>,
    as_array: bool,
}

impl Words {
    fn render(&self, vocabulary: &[&str]) -> Value {
        if self.more.is_empty() && !self.as_array {
            return Value::String(self.first.render(vocabulary));
        }
        Value::Array(
            std::iter::once(&self.first)
                .chain(&self.more)
                .map(|word| Value::String(word.render(vocabulary)))
                .collect(),
        )
    }
}

/// A statement's `Principal` or `NotPrincipal`.
#[derive(Arbitrary, Debug, Clone)]
pub enum PrincipalBlock {
    /// `"*"`.
    Star,
    /// `{"AWS": ...}`.
    Aws(Words),
    /// `{"Service": ...}`.
    Service(Words),
    /// Both.
    Both(Words, Words),
}

/// A condition block entry: operator (maybe qualified, maybe IfExists), key, values.
#[derive(Arbitrary, Debug, Clone)]
pub struct ConditionEntry {
    qualifier: u8,
    operator: Word,
    if_exists: bool,
    key: Word,
    values: Words,
}

/// A statement of IAM's grammar.
#[derive(Arbitrary, Debug, Clone)]
pub struct StatementShape {
    sid: Option<String>,
    deny: bool,
    principal: Option<(bool, PrincipalBlock)>,
    not_action: bool,
    action: Words,
    resource: Option<(bool, Words)>,
    conditions: Vec<ConditionEntry>,
    /// A member IAM does not have.
    extra: Option<(String, Word)>,
}

/// A document of IAM's grammar.
#[derive(Arbitrary, Debug, Clone)]
pub struct DocumentShape {
    /// 0: none, 1: 2012-10-17, 2: 2008-10-17, else raw.
    version: (u8, String),
    id: Option<String>,
    statements: Vec<StatementShape>,
    single_object: bool,
}

impl DocumentShape {
    /// The document as JSON.
    pub fn render(&self) -> Value {
        let mut document = Map::new();
        match self.version.0 % 4 {
            0 => {}
            1 => drop(document.insert("Version".into(), json!("2012-10-17"))),
            2 => drop(document.insert("Version".into(), json!("2008-10-17"))),
            _ => drop(document.insert("Version".into(), json!(self.version.1))),
        }
        if let Some(id) = &self.id {
            document.insert("Id".into(), json!(id));
        }
        let statements: Vec<Value> = self.statements.iter().map(StatementShape::render).collect();
        let statement = match (self.single_object, statements.as_slice()) {
            (true, [only]) => only.clone(),
            _ => Value::Array(statements),
        };
        document.insert("Statement".into(), statement);
        Value::Object(document)
    }

    /// The same document with its statements in reverse order.
    pub fn reversed(&self) -> Self {
        let mut reversed = self.clone();
        reversed.statements.reverse();
        reversed
    }
}

impl StatementShape {
    fn render(&self) -> Value {
        let mut statement = Map::new();
        if let Some(sid) = &self.sid {
            statement.insert("Sid".into(), json!(sid));
        }
        statement.insert(
            "Effect".into(),
            json!(if self.deny { "Deny" } else { "Allow" }),
        );
        if let Some((positive, block)) = &self.principal {
            let value = match block {
                PrincipalBlock::Star => json!("*"),
                PrincipalBlock::Aws(words) => json!({"AWS": words.render(PRINCIPALS)}),
                PrincipalBlock::Service(words) => json!({"Service": words.render(SERVICES)}),
                PrincipalBlock::Both(aws, service) => {
                    json!({"AWS": aws.render(PRINCIPALS), "Service": service.render(SERVICES)})
                }
            };
            let name = if *positive {
                "Principal"
            } else {
                "NotPrincipal"
            };
            statement.insert(name.into(), value);
        }
        let name = if self.not_action {
            "NotAction"
        } else {
            "Action"
        };
        statement.insert(name.into(), self.action.render(ACTIONS));
        if let Some((positive, words)) = &self.resource {
            let name = if *positive { "Resource" } else { "NotResource" };
            statement.insert(name.into(), words.render(RESOURCES));
        }
        if !self.conditions.is_empty() {
            let mut blocks = Map::new();
            for entry in &self.conditions {
                let qualifier = match entry.qualifier % 3 {
                    0 => "",
                    1 => "ForAnyValue:",
                    _ => "ForAllValues:",
                };
                let suffix = if entry.if_exists { "IfExists" } else { "" };
                let operator = format!("{qualifier}{}{suffix}", entry.operator.render(OPERATORS));
                let block = blocks
                    .entry(operator)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(keys) = block {
                    keys.insert(entry.key.render(KEYS), entry.values.render(VALUES));
                }
            }
            statement.insert("Condition".into(), Value::Object(blocks));
        }
        if let Some((name, value)) = &self.extra {
            statement.insert(name.clone(), json!(value.render(VALUES)));
        }
        Value::Object(statement)
    }
}

/// The caller, action, resource and context keys a document is asked about.
#[derive(Arbitrary, Debug, Clone)]
pub struct RequestShape {
    /// Index into the principals (ARNs), or raw.
    pub principal: Word,
    /// Whether the caller is an assumed-role session of `role/Admin`.
    pub assumed_role: bool,
    /// Whether the caller is an AWS service.
    pub service: Option<Word>,
    /// The action.
    pub action: Word,
    /// The resource.
    pub resource: Word,
    /// Context keys and their values.
    pub keys: Vec<(Word, Vec<Word>)>,
}

/// The owned texts of a request.
#[derive(Debug, Clone)]
pub struct RequestTexts {
    /// The caller's ARN.
    pub arn: String,
    /// The role ARN of a session.
    pub role_arn: Option<String>,
    /// The service's name.
    pub service: Option<String>,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The context keys.
    pub keys: Vec<(String, Vec<String>)>,
}

const REQUEST_ACTIONS: &[&str] = &[
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:CreateGrant",
    "kms:DescribeKey",
    "sts:AssumeRole",
    "iam:CreateUser",
];
const REQUEST_RESOURCES: &[&str] = &[
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:eu-west-1:111122223333:key/db",
    "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:iam::111122223333:user/alice",
    "*",
];

impl RequestShape {
    /// The request's texts.
    pub fn texts(&self) -> RequestTexts {
        RequestTexts {
            arn: self.principal.render(&PRINCIPALS[2..6]),
            role_arn: self
                .assumed_role
                .then(|| "arn:aws:iam::111122223333:role/Admin".to_owned()),
            service: self.service.as_ref().map(|word| word.render(SERVICES)),
            action: self.action.render(REQUEST_ACTIONS),
            resource: self.resource.render(REQUEST_RESOURCES),
            keys: self
                .keys
                .iter()
                .map(|(key, values)| {
                    (
                        key.render(KEYS),
                        values.iter().map(|value| value.render(VALUES)).collect(),
                    )
                })
                .collect(),
        }
    }
}
