use std::time::Duration;

use super::*;
use crate::testing::{harness, Harness};
use trent_core::id::PrincipalKind;
use trent_core::id::Region;

fn region() -> Region {
    Region::parse("us-east-1").unwrap()
}

#[test]
fn session_tokens_expire_and_cannot_be_forged() {
    let Harness {
        clock, kms, root, ..
    } = harness();
    kms.create_user(&root, "alice", None).unwrap();
    let key = kms.create_access_key(&root, Some("alice")).unwrap();
    let (alice, ..) = kms
        .credentials(&key.metadata.access_key_id, None, region())
        .unwrap()
        .unwrap();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}"#;
    kms.create_role(&root, "app", None, trust, None).unwrap();
    let session = kms
        .assume_role(
            &alice,
            "arn:aws:iam::111122223333:role/app",
            "s1",
            Some(900),
        )
        .unwrap();
    let (caller, secret, expires) = kms
        .credentials(
            &session.access_key_id,
            Some(&session.session_token),
            region(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        caller.principal_arn(),
        "arn:aws:sts::111122223333:assumed-role/app/s1"
    );
    assert_eq!(
        caller.role_arn(),
        Some("arn:aws:iam::111122223333:role/app")
    );
    assert_eq!(secret.expose(), session.secret.expose());
    assert_eq!(expires, Some(session.expiration));
    // The token names its access key id: another id is refused.
    assert!(matches!(
        kms.credentials("ASIAOTHER", Some(&session.session_token), region()),
        Err(KmsError::UnrecognizedClient)
    ));
    // A changed token does not open.
    let mut forged = session.session_token.clone();
    forged.insert(10, 'A');
    assert!(matches!(
        kms.credentials(&session.access_key_id, Some(&forged), region()),
        Err(KmsError::UnrecognizedClient)
    ));
    // Expiry, on the injected clock.
    clock.advance(Duration::from_secs(899));
    assert!(kms
        .credentials(
            &session.access_key_id,
            Some(&session.session_token),
            region()
        )
        .is_ok());
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        kms.credentials(
            &session.access_key_id,
            Some(&session.session_token),
            region()
        ),
        Err(KmsError::ExpiredToken)
    ));
    // The debug output of the credentials shows neither secret nor token.
    let shown = format!("{session:?}");
    assert!(!shown.contains(session.secret.expose()));
    assert!(!shown.contains(&session.session_token));
}

#[test]
fn identity_changes_bump_the_generation() {
    let Harness { kms, root, .. } = harness();
    let mut seen = kms.identity_generation();
    let mut changed = |kms: &Kms| {
        let now = kms.identity_generation();
        assert!(now > seen, "generation did not move");
        seen = now;
    };
    kms.create_user(&root, "bob", None).unwrap();
    changed(&kms);
    let key = kms.create_access_key(&root, Some("bob")).unwrap();
    changed(&kms);
    kms.update_access_key(
        &root,
        Some("bob"),
        &key.metadata.access_key_id,
        trent_core::view::AccessKeyStatus::Inactive,
    )
    .unwrap();
    changed(&kms);
    assert!(kms
        .credentials(&key.metadata.access_key_id, None, region())
        .unwrap()
        .is_none());
    kms.put_identity_policy(
        &root,
        PrincipalKind::User,
        "bob",
        "p",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
    )
    .unwrap();
    changed(&kms);
    kms.delete_identity_policy(&root, PrincipalKind::User, "bob", "p")
        .unwrap();
    changed(&kms);
    kms.delete_access_key(&root, Some("bob"), &key.metadata.access_key_id)
        .unwrap();
    changed(&kms);
    kms.delete_user(&root, "bob").unwrap();
    changed(&kms);
}
