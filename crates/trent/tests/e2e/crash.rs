//! Durability: whatever the server acknowledged survives `kill -9` at any moment.

use std::time::Duration;

use aws_sdk_kms::types::Tag;

use crate::{blob, server};

struct Acknowledged {
    key_id: String,
    ciphertext: Vec<u8>,
    plaintext: Vec<u8>,
    tagged: bool,
    /// DisableKey was sent; its effect may have landed even if unacknowledged.
    disable_sent: bool,
    disabled: bool,
}

/// Writers create keys, encrypt, tag and disable as fast as they can while the
/// server is killed with SIGKILL at a varying moment; after each restart every
/// acknowledged key, tag, state change and ciphertext must be there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9() {
    let mut server = server();
    let mut acknowledged: Vec<Acknowledged> = Vec::new();
    for round in 0..6u64 {
        let client = server.client();
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let mut writers = Vec::new();
        for writer in 0..4u64 {
            let client = client.clone();
            let sender = sender.clone();
            writers.push(tokio::spawn(async move {
                for n in 0.. {
                    let Ok(created) = client
                        .create_key()
                        .description(format!("r{round}w{writer}n{n}"))
                        .send()
                        .await
                    else {
                        return;
                    };
                    let key_id = created.key_metadata().unwrap().key_id().to_owned();
                    let plaintext = format!("round {round} writer {writer} n {n}").into_bytes();
                    let Ok(encrypted) = client
                        .encrypt()
                        .key_id(&key_id)
                        .plaintext(blob(&plaintext))
                        .send()
                        .await
                    else {
                        let _ = sender.send(Acknowledged {
                            key_id,
                            ciphertext: Vec::new(),
                            plaintext,
                            tagged: false,
                            disable_sent: false,
                            disabled: false,
                        });
                        return;
                    };
                    let ciphertext = encrypted.ciphertext_blob().unwrap().as_ref().to_vec();
                    let tag = Tag::builder()
                        .tag_key("round")
                        .tag_value(round.to_string())
                        .build()
                        .unwrap();
                    let tagged = client
                        .tag_resource()
                        .key_id(&key_id)
                        .tags(tag)
                        .send()
                        .await
                        .is_ok();
                    let disable_sent = tagged && n % 2 == 1;
                    let disabled =
                        disable_sent && client.disable_key().key_id(&key_id).send().await.is_ok();
                    let _ = sender.send(Acknowledged {
                        key_id,
                        ciphertext,
                        plaintext,
                        tagged,
                        disable_sent,
                        disabled,
                    });
                    if !tagged {
                        return;
                    }
                }
            }));
        }
        drop(sender);
        // Fault injection: the kill lands at a different point of the write stream each round.
        tokio::time::sleep(Duration::from_millis(150 + 97 * round)).await;
        server.kill();
        for writer in writers {
            let _ = writer.await;
        }
        while let Some(entry) = receiver.recv().await {
            acknowledged.push(entry);
        }
        server.restart();
    }
    assert!(
        acknowledged.len() >= 12,
        "too few writes acknowledged: {}",
        acknowledged.len()
    );
    eprintln!(
        "checking {} acknowledged keys after 6 kills",
        acknowledged.len()
    );

    let client = server.client();
    for entry in &acknowledged {
        let described = client
            .describe_key()
            .key_id(&entry.key_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("key {} lost: {e:?}", entry.key_id));
        let metadata = described.key_metadata().unwrap();
        if entry.disabled {
            assert!(!metadata.enabled(), "disable of {} lost", entry.key_id);
        }
        if !entry.disable_sent {
            assert!(
                metadata.enabled(),
                "{} disabled without a request",
                entry.key_id
            );
        }
        if !metadata.enabled() {
            client
                .enable_key()
                .key_id(&entry.key_id)
                .send()
                .await
                .unwrap();
        }
        let tags = client
            .list_resource_tags()
            .key_id(&entry.key_id)
            .send()
            .await
            .unwrap();
        if entry.tagged {
            assert_eq!(tags.tags().len(), 1, "tag of {} lost", entry.key_id);
        }
        if !entry.ciphertext.is_empty() {
            let decrypted = client
                .decrypt()
                .ciphertext_blob(blob(&entry.ciphertext))
                .send()
                .await
                .unwrap();
            assert_eq!(
                decrypted.plaintext().unwrap().as_ref(),
                entry.plaintext.as_slice()
            );
        }
    }
}
