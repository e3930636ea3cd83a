//! Policy evaluation cost with a four-statement key policy shaped like the
//! founding scenario's (account, administrators, users, grants with a condition).

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark code")]

use criterion::{criterion_group, criterion_main, Criterion};
use trent_policy::document::{PolicyDocument, PolicyKind};
use trent_policy::evaluate::{decide, evaluate, ContextKeys, Principal, Request};

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"Admins","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/admin","arn:aws:iam::111122223333:role/ops"]},"Action":"kms:*","Resource":"*"},
 {"Sid":"Users","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/app","arn:aws:iam::111122223333:role/ops"]},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"},
 {"Sid":"Grants","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/app","arn:aws:iam::111122223333:role/ops"]},"Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}
]}"#;

fn benches(c: &mut Criterion) {
    c.bench_function("policy_parse", |b| {
        b.iter(|| PolicyDocument::parse(POLICY, PolicyKind::Resource).unwrap())
    });
    let policy = PolicyDocument::parse(POLICY, PolicyKind::Resource).unwrap();
    let mut keys = ContextKeys::new();
    keys.set("kms:CallerAccount", "111122223333");
    keys.set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    let principal = Principal {
        arn: "arn:aws:iam::111122223333:user/app",
        account: "111122223333",
        role_arn: None,
        service: None,
    };
    let request = Request {
        principal,
        action: "kms:Encrypt",
        resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        keys: &keys,
    };
    c.bench_function("policy_decide_encrypt", |b| {
        b.iter(|| decide(&policy, &request))
    });
    c.bench_function("policy_evaluate_encrypt_with_trace", |b| {
        b.iter(|| evaluate(&policy, &request))
    });
}

criterion_group!(policy_benches, benches);
criterion_main!(policy_benches);
