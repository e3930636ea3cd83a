//! Tags: add, overwrite, remove, list with pagination, and AWS's limits.

use aws_sdk_kms::types::Tag;

use crate::{create_key, expect_error, server};

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .tag_key(key)
        .tag_value(value)
        .build()
        .unwrap()
}

#[tokio::test]
async fn tags_are_added_overwritten_and_removed() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("b", "1"))
        .tags(tag("a", "2"))
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("b", "3"))
        .send()
        .await
        .unwrap();
    let listed = client
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let pairs: Vec<_> = listed
        .tags()
        .iter()
        .map(|t| (t.tag_key(), t.tag_value()))
        .collect();
    assert_eq!(pairs, [("a", "2"), ("b", "3")]);
    assert!(!listed.truncated());
    client
        .untag_resource()
        .key_id(&key_id)
        .tag_keys("a")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let listed = client
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let pairs: Vec<_> = listed
        .tags()
        .iter()
        .map(|t| (t.tag_key(), t.tag_value()))
        .collect();
    assert_eq!(pairs, [("b", "3")]);
}

#[tokio::test]
async fn tag_limits_and_reserved_keys_are_enforced() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    expect_error(
        client
            .tag_resource()
            .key_id(&key_id)
            .tags(tag("aws:x", "1"))
            .send()
            .await,
        "TagException",
    );
    expect_error(
        client
            .tag_resource()
            .key_id(&key_id)
            .tags(tag("k", "1"))
            .tags(tag("k", "2"))
            .send()
            .await,
        "TagException",
    );
    let message = expect_error(
        client
            .tag_resource()
            .key_id(&key_id)
            .tags(tag(&"k".repeat(129), "1"))
            .send()
            .await,
        "ValidationException",
    );
    assert!(message.contains("tags.1.member.tagKey"), "{message}");
    let fifty: Vec<Tag> = (0..50).map(|n| tag(&format!("k{n:02}"), "v")).collect();
    client
        .tag_resource()
        .key_id(&key_id)
        .set_tags(Some(fifty))
        .send()
        .await
        .unwrap();
    // Overwriting an existing tag is fine at the limit; a 51st tag is not.
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("k00", "w"))
        .send()
        .await
        .unwrap();
    expect_error(
        client
            .tag_resource()
            .key_id(&key_id)
            .tags(tag("extra", "v"))
            .send()
            .await,
        "TagException",
    );

    let mut seen = 0;
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_resource_tags()
            .key_id(&key_id)
            .limit(20)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        seen += page.tags().len();
        if !page.truncated() {
            break;
        }
        marker = page.next_marker().map(str::to_owned);
    }
    assert_eq!(seen, 50);
    let many: Vec<Tag> = (0..51).map(|n| tag(&format!("n{n}"), "v")).collect();
    expect_error(
        client.create_key().set_tags(Some(many)).send().await,
        "TagException",
    );
}
