//! Rotation and scheduled deletion that really happen, on the server's test
//! clock (`--dev --test-clock`): years of rotations and whole waiting periods
//! pass in milliseconds.

use aws_sdk_kms::types::RotationType;
use trent_testkit::TestServer;

use crate::{blob, create_key, expect_error};

const DAY: u64 = 86_400;

fn clocked() -> TestServer {
    TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .test_clock()
        .start()
}

/// The material version a ciphertext names (docs/ciphertext-format.md: a
/// big-endian u32 at offset 17).
fn material_version(ciphertext: &[u8]) -> u32 {
    u32::from_be_bytes(ciphertext[17..21].try_into().unwrap())
}

async fn encrypt(client: &aws_sdk_kms::Client, key_id: &str, text: &str) -> Vec<u8> {
    client
        .encrypt()
        .key_id(key_id)
        .plaintext(blob(text.as_bytes()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .as_ref()
        .to_vec()
}

async fn decrypt(client: &aws_sdk_kms::Client, ciphertext: &[u8]) -> String {
    let plain = client
        .decrypt()
        .ciphertext_blob(blob(ciphertext))
        .send()
        .await
        .unwrap();
    String::from_utf8(plain.plaintext().unwrap().as_ref().to_vec()).unwrap()
}

#[tokio::test]
async fn ten_rotations_later_every_ciphertext_still_decrypts() {
    let server = clocked();
    let client = server.client();
    let key_id = create_key(&client).await;
    expect_error(
        client
            .enable_key_rotation()
            .key_id(&key_id)
            .rotation_period_in_days(30)
            .send()
            .await,
        "ValidationException",
    );
    client
        .enable_key_rotation()
        .key_id(&key_id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let status = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), Some(90));
    let first_due = status.next_rotation_date().unwrap().secs();

    let mut ciphertexts = vec![(encrypt(&client, &key_id, "version 1").await, 1)];
    for round in 2..=11u32 {
        let answer = server.advance_clock(90 * DAY + 1).await;
        assert_eq!(answer["Rotated"], 1, "{answer}");
        let ciphertext = encrypt(&client, &key_id, &format!("version {round}")).await;
        assert_eq!(
            material_version(&ciphertext),
            round,
            "new encryptions use the new material"
        );
        ciphertexts.push((ciphertext, round));
    }
    for (ciphertext, round) in &ciphertexts {
        assert_eq!(
            decrypt(&client, ciphertext).await,
            format!("version {round}")
        );
    }
    let rotations = client
        .list_key_rotations()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(rotations.rotations().len(), 10);
    assert!(rotations
        .rotations()
        .iter()
        .all(|r| r.rotation_type() == Some(&RotationType::Automatic)));
    // Each rotation is dated at its due date, 90 days apart.
    assert_eq!(
        rotations.rotations()[0].rotation_date().unwrap().secs(),
        first_due
    );
    let status = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status.next_rotation_date().unwrap().secs(),
        first_due + 10 * 90 * DAY as i64
    );

    // ReEncrypt moves the oldest ciphertext to the current material.
    let moved = client
        .re_encrypt()
        .ciphertext_blob(blob(&ciphertexts[0].0))
        .destination_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let moved = moved.ciphertext_blob().unwrap().as_ref().to_vec();
    assert_eq!(material_version(&moved), 11);
    assert_eq!(decrypt(&client, &moved).await, "version 1");

    // A server that was down for three periods catches up: one rotation per
    // missed due date.
    let answer = server.advance_clock(3 * 90 * DAY).await;
    assert_eq!(answer["Rotated"], 3, "{answer}");

    // Disabled: no more automatic rotations.
    client
        .disable_key_rotation()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let answer = server.advance_clock(365 * DAY).await;
    assert_eq!(answer["Rotated"], 0, "{answer}");
    assert!(!client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap()
        .key_rotation_enabled());
}

#[tokio::test]
async fn on_demand_rotation_has_a_quota_and_keeps_the_schedule() {
    let server = clocked();
    let client = server.client();
    let key_id = create_key(&client).await;
    let key_arn = client
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let before = encrypt(&client, &key_id, "before").await;
    for _ in 0..25 {
        let rotated = client
            .rotate_key_on_demand()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert_eq!(rotated.key_id(), Some(key_arn.as_str()));
    }
    expect_error(
        client.rotate_key_on_demand().key_id(&key_id).send().await,
        "LimitExceededException",
    );
    let after = encrypt(&client, &key_id, "after").await;
    assert_eq!(material_version(&after), 26);
    assert_eq!(decrypt(&client, &before).await, "before");
    let rotations = client
        .list_key_rotations()
        .key_id(&key_id)
        .limit(10)
        .send()
        .await
        .unwrap();
    assert_eq!(rotations.rotations().len(), 10);
    assert!(rotations.truncated());
    assert_eq!(
        rotations.rotations()[0].rotation_type(),
        Some(&RotationType::OnDemand)
    );
    // Disabled keys cannot rotate.
    client.disable_key().key_id(&key_id).send().await.unwrap();
    expect_error(
        client.rotate_key_on_demand().key_id(&key_id).send().await,
        "DisabledException",
    );
    expect_error(
        client.enable_key_rotation().key_id(&key_id).send().await,
        "DisabledException",
    );
}

#[tokio::test]
async fn deletion_destroys_the_key_when_its_window_ends() {
    let server = clocked();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/doomed")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let ciphertext = encrypt(&client, &key_id, "last words").await;
    let other = create_key(&client).await;
    client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();

    // Six days on: still pending; cancelling would still be possible.
    let answer = server.advance_clock(6 * DAY).await;
    assert_eq!(answer["Deleted"], serde_json::json!([]));
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(blob(&ciphertext))
            .send()
            .await,
        "KMSInvalidStateException",
    );

    // The window ends: the key, its material, its alias are gone.
    let answer = server.advance_clock(DAY).await;
    assert_eq!(answer["Deleted"], serde_json::json!([key_id]));
    expect_error(
        client.describe_key().key_id(&key_id).send().await,
        "NotFoundException",
    );
    expect_error(
        client.describe_key().key_id("alias/doomed").send().await,
        "NotFoundException",
    );
    expect_error(
        client.cancel_key_deletion().key_id(&key_id).send().await,
        "NotFoundException",
    );
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(blob(&ciphertext))
            .send()
            .await,
        "InvalidCiphertextException",
    );
    let aliases = client.list_aliases().send().await.unwrap();
    assert!(aliases.aliases().is_empty());
    let keys = client.list_keys().send().await.unwrap();
    let ids: Vec<_> = keys.keys().iter().filter_map(|k| k.key_id()).collect();
    assert_eq!(ids, [other.as_str()], "other keys are untouched");
}

#[tokio::test]
async fn a_window_that_ends_while_the_server_is_down_is_honoured_at_start() {
    let mut server = clocked();
    let client = server.client();
    let key_id = create_key(&client).await;
    let ciphertext = encrypt(&client, &key_id, "x").await;
    client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    server.terminate();
    server.advance_clock_offline(8 * DAY);
    server.restart();
    let client = server.client();
    expect_error(
        client.describe_key().key_id(&key_id).send().await,
        "NotFoundException",
    );
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(blob(&ciphertext))
            .send()
            .await,
        "InvalidCiphertextException",
    );
}

#[tokio::test]
async fn the_test_clock_exists_only_in_dev_mode() {
    // Refused without --dev.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["serve", "--test-clock", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    // A normal server has no AdvanceClock.
    let server = crate::server();
    let mut request = trent_testkit::RawRequest::kms("AdvanceClock", r#"{"Seconds": 1}"#);
    request.target = Some("TrentAdmin.AdvanceClock".into());
    let response = request.send(&server, &server.root_credentials()).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["__type"], "UnknownOperationException");
}
