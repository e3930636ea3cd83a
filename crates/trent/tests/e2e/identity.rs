//! Identities through the official IAM and STS SDK clients: users, access
//! keys, inline policies, roles, AssumeRole sessions, and how they combine
//! with key policies on KMS requests.

use aws_sdk_iam::types::StatusType;
use trent_testkit::Identity;

use crate::{blob, create_key, expect_error, server};

/// An identity policy allowing `actions` on `resource`.
fn allow(actions: &[&str], resource: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]
    })
    .to_string()
}

/// IAM returns policy documents percent-encoded (RFC 3986), and the SDKs
/// pass them on as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            out.push(u8::from_str_radix(&text[at + 1..at + 3], 16).unwrap());
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn users_access_keys_and_inline_policies() {
    let server = server();
    let iam = server.iam();
    let account = server.account().to_owned();

    let created = iam.create_user().user_name("alice").send().await.unwrap();
    let user = created.user().unwrap();
    assert_eq!(user.arn(), format!("arn:aws:iam::{account}:user/alice"));
    assert!(user.user_id().starts_with("AIDA"), "{}", user.user_id());
    // Names are unique without regard to case, as in IAM.
    expect_error(
        iam.create_user().user_name("ALICE").send().await,
        "EntityAlreadyExists",
    );
    expect_error(
        iam.create_user().user_name("bad name").send().await,
        "ValidationError",
    );
    expect_error(
        iam.get_user().user_name("nobody").send().await,
        "NoSuchEntity",
    );
    let listed = iam.list_users().send().await.unwrap();
    let names: Vec<_> = listed.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, ["alice"]);

    // Two access keys at most; the secret is returned once.
    let alice = server.iam_as(&server.root());
    let first = alice
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let first = first.access_key().unwrap();
    assert_eq!(first.secret_access_key().len(), 40);
    assert_eq!(first.status(), &StatusType::Active);
    iam.create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    expect_error(
        iam.create_access_key().user_name("alice").send().await,
        "LimitExceeded",
    );
    let keys = iam
        .list_access_keys()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(keys.access_key_metadata().len(), 2);
    assert!(keys
        .access_key_metadata()
        .iter()
        .all(|key| key.user_name() == Some("alice")));

    // The key signs requests as alice.
    let credentials = Identity {
        access_key_id: first.access_key_id().to_owned(),
        secret_access_key: first.secret_access_key().to_owned(),
        session_token: None,
    };
    let who = server
        .sts_as(&credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        who.arn(),
        Some(format!("arn:aws:iam::{account}:user/alice").as_str())
    );
    assert_eq!(who.account(), Some(account.as_str()));
    assert!(who.user_id().unwrap().starts_with("AIDA"));

    // Without an identity policy alice may do nothing, IAM included.
    let as_alice = server.kms_as(&credentials);
    let denied = expect_error(as_alice.create_key().send().await, "AccessDeniedException");
    assert_eq!(
        denied,
        format!("User: arn:aws:iam::{account}:user/alice is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action")
    );
    expect_error(
        server
            .iam_as(&credentials)
            .create_user()
            .user_name("mallory")
            .send()
            .await,
        "AccessDenied",
    );
    expect_error(as_alice.list_keys().send().await, "AccessDeniedException");

    // An inline policy changes that on the next request.
    let policy = allow(&["kms:CreateKey", "kms:ListKeys"], "*");
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("keys")
        .policy_document(&policy)
        .send()
        .await
        .unwrap();
    as_alice.create_key().send().await.unwrap();
    as_alice.list_keys().send().await.unwrap();
    let read = iam
        .get_user_policy()
        .user_name("alice")
        .policy_name("keys")
        .send()
        .await
        .unwrap();
    assert_ne!(
        read.policy_document(),
        policy,
        "percent-encoded, as IAM sends it"
    );
    assert_eq!(percent_decode(read.policy_document()), policy);
    let names = iam
        .list_user_policies()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["keys"]);
    expect_error(
        iam.put_user_policy()
            .user_name("alice")
            .policy_name("bad")
            .policy_document("{\"Statement\": 7}")
            .send()
            .await,
        "MalformedPolicyDocument",
    );
    let huge = allow(&vec!["kms:Encrypt"; 300], "*");
    expect_error(
        iam.put_user_policy()
            .user_name("alice")
            .policy_name("huge")
            .policy_document(&huge)
            .send()
            .await,
        "LimitExceeded",
    );

    // A deny in an identity policy wins over the allow.
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("no-list")
        .policy_document(
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "kms:List*", "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let denied = expect_error(as_alice.list_keys().send().await, "AccessDeniedException");
    assert!(
        denied.ends_with("with an explicit deny in an identity-based policy"),
        "{denied}"
    );

    // A deactivated key stops working on its next request, and comes back.
    iam.update_access_key()
        .user_name("alice")
        .access_key_id(first.access_key_id())
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    expect_error(
        as_alice.create_key().send().await,
        "UnrecognizedClientException",
    );
    expect_error(
        server
            .sts_as(&credentials)
            .get_caller_identity()
            .send()
            .await,
        "InvalidClientTokenId",
    );
    iam.update_access_key()
        .user_name("alice")
        .access_key_id(first.access_key_id())
        .status(StatusType::Active)
        .send()
        .await
        .unwrap();
    as_alice.create_key().send().await.unwrap();

    // A user with keys or policies cannot be deleted.
    expect_error(
        iam.delete_user().user_name("alice").send().await,
        "DeleteConflict",
    );
    for key in keys.access_key_metadata() {
        iam.delete_access_key()
            .user_name("alice")
            .access_key_id(key.access_key_id().unwrap())
            .send()
            .await
            .unwrap();
    }
    expect_error(
        as_alice.create_key().send().await,
        "UnrecognizedClientException",
    );
    expect_error(
        iam.delete_user().user_name("alice").send().await,
        "DeleteConflict",
    );
    for name in ["keys", "no-list"] {
        iam.delete_user_policy()
            .user_name("alice")
            .policy_name(name)
            .send()
            .await
            .unwrap();
    }
    expect_error(
        iam.delete_user_policy()
            .user_name("alice")
            .policy_name("keys")
            .send()
            .await,
        "NoSuchEntity",
    );
    iam.delete_user().user_name("alice").send().await.unwrap();
    expect_error(
        iam.get_user().user_name("alice").send().await,
        "NoSuchEntity",
    );
}

#[tokio::test]
async fn roles_sessions_and_key_policies() {
    let server = server();
    let iam = server.iam();
    let account = server.account().to_owned();
    let root = server.client();
    let alice = server.new_user("alice").await;
    let bob = server.new_user("bob").await;

    // The service-linked roles AWS keeps in every account exist.
    let roles = iam.list_roles().send().await.unwrap();
    let arns: Vec<_> = roles.roles().iter().map(|role| role.arn()).collect();
    assert!(arns.contains(&format!("arn:aws:iam::{account}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport").as_str()), "{arns:?}");
    expect_error(
        iam.delete_role()
            .role_name("AWSServiceRoleForSupport")
            .send()
            .await,
        "UnmodifiableEntity",
    );
    let linked = iam
        .create_service_linked_role()
        .aws_service_name("rds.amazonaws.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        linked.role().unwrap().arn(),
        format!(
            "arn:aws:iam::{account}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRds"
        )
    );

    // A role alice may assume (trust policy names her), with an inline policy.
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:user/alice")},
        "Action": "sts:AssumeRole"}]})
    .to_string();
    let role = iam
        .create_role()
        .role_name("app")
        .assume_role_policy_document(&trust)
        .send()
        .await
        .unwrap();
    let role_arn = role.role().unwrap().arn().to_owned();
    assert!(role.role().unwrap().role_id().starts_with("AROA"));
    let fetched = iam.get_role().role_name("app").send().await.unwrap();
    assert_eq!(
        percent_decode(
            fetched
                .role()
                .unwrap()
                .assume_role_policy_document()
                .unwrap()
        ),
        trust
    );
    expect_error(
        iam.create_role()
            .role_name("ghost")
            .assume_role_policy_document(
                serde_json::json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:aws:iam::{account}:user/nobody")},
                    "Action": "sts:AssumeRole"}]})
                .to_string(),
            )
            .send()
            .await,
        "MalformedPolicyDocument",
    );
    let key_id = create_key(&root).await;
    let key_arn = format!("arn:aws:kms:us-east-1:{account}:key/{key_id}");
    iam.put_role_policy()
        .role_name("app")
        .policy_name("encrypt")
        .policy_document(allow(&["kms:Encrypt"], &key_arn))
        .send()
        .await
        .unwrap();

    // bob is not trusted; the root may not assume roles at all.
    let sts_bob = server.sts_as(&bob);
    let denied = expect_error(
        sts_bob
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("s1")
            .send()
            .await,
        "AccessDenied",
    );
    assert!(denied.contains("sts:AssumeRole"), "{denied}");
    expect_error(
        server
            .sts_as(&server.root())
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("s1")
            .send()
            .await,
        "AccessDenied",
    );
    expect_error(
        server
            .sts_as(&alice)
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("s1")
            .duration_seconds(7200)
            .send()
            .await,
        "ValidationError",
    );

    let assumed = server
        .sts_as(&alice)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("deploy")
        .send()
        .await
        .unwrap();
    let session_arn = format!("arn:aws:sts::{account}:assumed-role/app/deploy");
    assert_eq!(assumed.assumed_role_user().unwrap().arn(), session_arn);
    let credentials = assumed.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    let session = Identity {
        access_key_id: credentials.access_key_id().to_owned(),
        secret_access_key: credentials.secret_access_key().to_owned(),
        session_token: Some(credentials.session_token().to_owned()),
    };
    let who = server
        .sts_as(&session)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(who.arn(), Some(session_arn.as_str()));
    assert!(who.user_id().unwrap().ends_with(":deploy"));

    // The default key policy delegates to IAM: the role's policy allows
    // Encrypt on this key, and nothing else.
    let kms = server.kms_as(&session);
    let ciphertext = kms
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    let denied = expect_error(
        kms.decrypt()
            .ciphertext_blob(ciphertext.clone())
            .send()
            .await,
        "AccessDeniedException",
    );
    assert_eq!(
        denied,
        format!("User: {session_arn} is not authorized to perform: kms:Decrypt on resource: {key_arn} because no identity-based policy allows the kms:Decrypt action")
    );

    // A key policy naming the role allows its sessions directly.
    let direct = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": "kms:Decrypt", "Resource": "*"}]})
    .to_string();
    root.put_key_policy()
        .key_id(&key_id)
        .policy(&direct)
        .send()
        .await
        .unwrap();
    let plain = kms
        .decrypt()
        .ciphertext_blob(ciphertext)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"x");

    // A session token that was tampered with, or belongs to another key id, is refused.
    let mut forged = session.clone();
    let mut token = forged.session_token.take().unwrap();
    let last = token.pop().unwrap();
    token.push(if last == 'A' { 'B' } else { 'A' });
    forged.session_token = Some(token);
    expect_error(
        server.kms_as(&forged).list_keys().send().await,
        "UnrecognizedClientException",
    );
    let mut swapped = session.clone();
    swapped.access_key_id = "ASIAAAAAAAAAAAAAAAAA".into();
    expect_error(
        server.kms_as(&swapped).list_keys().send().await,
        "UnrecognizedClientException",
    );

    // Deleting the role ends its sessions.
    expect_error(
        iam.delete_role().role_name("app").send().await,
        "DeleteConflict",
    );
    iam.delete_role_policy()
        .role_name("app")
        .policy_name("encrypt")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("app").send().await.unwrap();
    expect_error(
        kms.encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "UnrecognizedClientException",
    );
}

#[tokio::test]
async fn key_policies_must_name_principals_that_exist() {
    let server = server();
    let account = server.account().to_owned();
    let root = server.client();
    let policy = |principal: &str| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:Encrypt", "Resource": "*"}]})
        .to_string()
    };
    let message = expect_error(
        root.create_key()
            .policy(policy(&format!("arn:aws:iam::{account}:user/ghost")))
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
    assert_eq!(
        message,
        "Policy contains a statement with one or more invalid principals."
    );
    server.new_user("ghost").await;
    root.create_key()
        .policy(policy(&format!("arn:aws:iam::{account}:user/ghost")))
        .send()
        .await
        .unwrap();
    // Accounts (and their roots) need no record here.
    root.create_key()
        .policy(policy("arn:aws:iam::444455556666:root"))
        .send()
        .await
        .unwrap();
    // The path is part of the ARN.
    expect_error(
        root.create_key()
            .policy(policy(&format!("arn:aws:iam::{account}:user/team/ghost")))
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
}

#[tokio::test]
async fn condition_keys_reach_policies() {
    let server = server();
    let account = server.account().to_owned();
    let root = server.client();
    let alice = server.new_user("alice").await;
    let kms = server.kms_as(&alice);
    let alice_arn = format!("arn:aws:iam::{account}:user/alice");
    let statement = |action: &str, condition: serde_json::Value| serde_json::json!({"Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": action, "Resource": "*", "Condition": condition});
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"},
        // aws:SourceIp: the test client connects from loopback.
        statement("kms:Encrypt", serde_json::json!({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})),
        statement("kms:Decrypt", serde_json::json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        // aws:ResourceTag: the key's own tags.
        statement("kms:DescribeKey", serde_json::json!({"StringEquals": {"aws:ResourceTag/team": "red"}})),
        // kms:RequestAlias: only when the request names the key by this alias.
        statement("kms:GenerateDataKey", serde_json::json!({"StringEquals": {"kms:RequestAlias": "alias/red"}})),
        // kms:ScheduleKeyDeletionPendingWindowInDays.
        statement("kms:ScheduleKeyDeletion", serde_json::json!({"NumericGreaterThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": 20}})),
        // aws:RequestTag and aws:TagKeys on TagResource.
        statement("kms:TagResource", serde_json::json!({"StringEquals": {"aws:RequestTag/team": "red"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}})),
        // aws:username as a variable.
        statement("kms:ListResourceTags", serde_json::json!({"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}})),
    ]})
    .to_string();
    let key_id = root
        .create_key()
        .policy(&policy)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    root.create_alias()
        .alias_name("alias/red")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    root.create_alias()
        .alias_name("alias/blue")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let denied = "AccessDeniedException";

    let ciphertext = kms
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    expect_error(
        kms.decrypt().ciphertext_blob(ciphertext).send().await,
        denied,
    );

    expect_error(kms.describe_key().key_id(&key_id).send().await, denied);
    let tag = |key: &str, value: &str| {
        aws_sdk_kms::types::Tag::builder()
            .tag_key(key)
            .tag_value(value)
            .build()
            .unwrap()
    };
    // alice may add the tag team=red only.
    expect_error(
        kms.tag_resource()
            .key_id(&key_id)
            .tags(tag("team", "blue"))
            .send()
            .await,
        denied,
    );
    expect_error(
        kms.tag_resource()
            .key_id(&key_id)
            .tags(tag("team", "red"))
            .tags(tag("cost", "1"))
            .send()
            .await,
        denied,
    );
    kms.tag_resource()
        .key_id(&key_id)
        .tags(tag("team", "red"))
        .send()
        .await
        .unwrap();
    kms.describe_key().key_id(&key_id).send().await.unwrap();

    expect_error(
        kms.list_resource_tags().key_id(&key_id).send().await,
        denied,
    );
    root.tag_resource()
        .key_id(&key_id)
        .tags(tag("owner", "alice"))
        .send()
        .await
        .unwrap();
    kms.list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();

    expect_error(
        kms.generate_data_key()
            .key_id(&key_id)
            .number_of_bytes(16)
            .send()
            .await,
        denied,
    );
    expect_error(
        kms.generate_data_key()
            .key_id("alias/blue")
            .number_of_bytes(16)
            .send()
            .await,
        denied,
    );
    kms.generate_data_key()
        .key_id("alias/red")
        .number_of_bytes(16)
        .send()
        .await
        .unwrap();

    expect_error(
        kms.schedule_key_deletion()
            .key_id(&key_id)
            .pending_window_in_days(7)
            .send()
            .await,
        denied,
    );
    kms.schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(21)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn identity_policies_see_create_key_parameters() {
    let server = server();
    let alice = server.new_user("alice").await;
    server
        .iam()
        .put_user_policy()
        .user_name("alice")
        .policy_name("tagged-keys-only")
        .policy_document(
            serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:RequestTag/project": "rds", "kms:KeySpec": "SYMMETRIC_DEFAULT"},
                    "Bool": {"kms:BypassPolicyLockoutSafetyCheck": "false"}}}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let kms = server.kms_as(&alice);
    let tag = aws_sdk_kms::types::Tag::builder()
        .tag_key("project")
        .tag_value("rds")
        .build()
        .unwrap();
    expect_error(kms.create_key().send().await, "AccessDeniedException");
    expect_error(
        kms.create_key()
            .tags(tag.clone())
            .bypass_policy_lockout_safety_check(true)
            .send()
            .await,
        "AccessDeniedException",
    );
    kms.create_key().tags(tag).send().await.unwrap();
}

#[tokio::test]
async fn aliases_need_permission_on_the_alias_and_the_key() {
    let server = server();
    let account = server.account().to_owned();
    let root = server.client();
    let key_id = create_key(&root).await;
    let key_arn = format!("arn:aws:kms:us-east-1:{account}:key/{key_id}");
    root.create_alias()
        .alias_name("alias/prod")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let nobody = server.new_user("nobody").await;
    let kms = server.kms_as(&nobody);
    let denied = "AccessDeniedException";
    // No permissions at all: the alias can be neither made, moved nor removed.
    expect_error(
        kms.delete_alias().alias_name("alias/prod").send().await,
        denied,
    );
    expect_error(
        kms.update_alias()
            .alias_name("alias/prod")
            .target_key_id(&key_id)
            .send()
            .await,
        denied,
    );
    expect_error(
        kms.create_alias()
            .alias_name("alias/mine")
            .target_key_id(&key_id)
            .send()
            .await,
        denied,
    );
    // Permission on the key only is not enough; on alias/team-* and the key it is.
    server
        .iam()
        .put_user_policy()
        .user_name("nobody")
        .policy_name("aliases")
        .policy_document(
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["kms:CreateAlias", "kms:DeleteAlias"], "Resource": key_arn},
                {"Effect": "Allow", "Action": ["kms:CreateAlias", "kms:DeleteAlias"],
                 "Resource": format!("arn:aws:kms:us-east-1:{account}:alias/team-*")}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let message = expect_error(
        kms.create_alias()
            .alias_name("alias/mine")
            .target_key_id(&key_id)
            .send()
            .await,
        denied,
    );
    assert!(message.contains("alias/mine"), "{message}");
    kms.create_alias()
        .alias_name("alias/team-a")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    kms.delete_alias()
        .alias_name("alias/team-a")
        .send()
        .await
        .unwrap();
    expect_error(
        kms.delete_alias().alias_name("alias/prod").send().await,
        denied,
    );
    // The root still may.
    root.delete_alias()
        .alias_name("alias/prod")
        .send()
        .await
        .unwrap();
}
