//! Encapsulate and Decapsulate (ML-KEM). OpenSSL 3.0 has no ML-KEM, so the
//! secrets are checked through Trent: Decapsulate recovers Encapsulate's
//! secret; implicit rejection; the ciphertext lengths.

use aws_sdk_kms::types::EncapsulationAlgorithmSpec;

use crate::asymmetric::{arn, create};
use crate::{blob, expect_error, server};

const ML_KEM: EncapsulationAlgorithmSpec = EncapsulationAlgorithmSpec::MlKem;

async fn encapsulate(client: &aws_sdk_kms::Client, key_id: &str) -> (Vec<u8>, Vec<u8>) {
    let out = client
        .encapsulate()
        .key_id(key_id)
        .encapsulation_algorithm(ML_KEM)
        .send()
        .await
        .unwrap();
    assert_eq!(out.encapsulation_algorithm(), Some(&ML_KEM));
    (
        out.shared_secret().unwrap().as_ref().to_vec(),
        out.shared_secret_ciphertext_blob()
            .unwrap()
            .as_ref()
            .to_vec(),
    )
}

async fn decapsulate(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    ciphertext: &[u8],
) -> Result<
    Vec<u8>,
    aws_sdk_kms::error::SdkError<aws_sdk_kms::operation::decapsulate::DecapsulateError>,
> {
    client
        .decapsulate()
        .key_id(key_id)
        .shared_secret_ciphertext_blob(blob(ciphertext))
        .encapsulation_algorithm(ML_KEM)
        .send()
        .await
        .map(|out| out.shared_secret().unwrap().as_ref().to_vec())
}

#[tokio::test]
async fn decapsulate_recovers_the_encapsulated_secret() {
    let server = server();
    let client = server.client();
    for (spec, length) in [
        ("ML_KEM_512", 768),
        ("ML_KEM_768", 1088),
        ("ML_KEM_1024", 1568),
    ] {
        let key_id = create(&client, spec, "ENCAPSULATE_DECAPSULATE").await;
        let encapsulated = client
            .encapsulate()
            .key_id(&key_id)
            .encapsulation_algorithm(ML_KEM)
            .send()
            .await
            .unwrap();
        assert_eq!(encapsulated.key_id(), Some(arn(&server, &key_id).as_str()));
        let (secret, ciphertext) = encapsulate(&client, &key_id).await;
        assert_eq!(secret.len(), 32, "{spec}");
        assert_eq!(ciphertext.len(), length, "{spec}");
        let decapsulated = client
            .decapsulate()
            .key_id(&key_id)
            .shared_secret_ciphertext_blob(blob(&ciphertext))
            .encapsulation_algorithm(ML_KEM)
            .send()
            .await
            .unwrap();
        assert_eq!(decapsulated.shared_secret().unwrap().as_ref(), secret);
        assert_eq!(decapsulated.key_id(), Some(arn(&server, &key_id).as_str()));
        assert_eq!(decapsulated.encapsulation_algorithm(), Some(&ML_KEM));
        // Each encapsulation is fresh.
        let (other_secret, other_ciphertext) = encapsulate(&client, &key_id).await;
        assert_ne!(other_secret, secret);
        assert_ne!(other_ciphertext, ciphertext);

        // A tampered ciphertext of the right length decapsulates, without
        // error, to another 32-byte value (FIPS 203 implicit rejection).
        let mut tampered = ciphertext.clone();
        tampered[length / 2] ^= 0x01;
        let rejected = decapsulate(&client, &key_id, &tampered).await.unwrap();
        assert_eq!(rejected.len(), 32);
        assert_ne!(rejected, secret, "{spec}");
        // Deterministically so.
        assert_eq!(
            decapsulate(&client, &key_id, &tampered).await.unwrap(),
            rejected
        );
        // Another key of the spec: no error either, another value.
        let other_key = create(&client, spec, "ENCAPSULATE_DECAPSULATE").await;
        let foreign = decapsulate(&client, &other_key, &ciphertext).await.unwrap();
        assert_ne!(foreign, secret, "{spec}");

        // A length the spec does not have is an InvalidCiphertextException.
        for wrong in [
            ciphertext[..length - 1].to_vec(),
            [ciphertext.as_slice(), &[0]].concat(),
            vec![0; 1],
        ] {
            expect_error(
                decapsulate(&client, &key_id, &wrong).await,
                "InvalidCiphertextException",
            );
        }
    }
    // ML_KEM_512's ciphertext is refused by an ML_KEM_768 key on length.
    let small = create(&client, "ML_KEM_512", "ENCAPSULATE_DECAPSULATE").await;
    let large = create(&client, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE").await;
    let (_, ciphertext) = encapsulate(&client, &small).await;
    expect_error(
        decapsulate(&client, &large, &ciphertext).await,
        "InvalidCiphertextException",
    );
}

#[tokio::test]
async fn encapsulation_needs_an_ml_kem_key() {
    let server = server();
    let client = server.client();
    let signing = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let message = expect_error(
        client
            .encapsulate()
            .key_id(&signing)
            .encapsulation_algorithm(ML_KEM)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        format!(
            "{} key usage is SIGN_VERIFY which is not valid for Encapsulate.",
            arn(&server, &signing)
        )
    );
    let message = expect_error(
        decapsulate(&client, &signing, &[0; 768]).await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        format!(
            "{} key usage is SIGN_VERIFY which is not valid for Decapsulate.",
            arn(&server, &signing)
        )
    );
    // DryRun answers after the checks.
    let kem = create(&client, "ML_KEM_512", "ENCAPSULATE_DECAPSULATE").await;
    expect_error(
        client
            .encapsulate()
            .key_id(&kem)
            .encapsulation_algorithm(ML_KEM)
            .dry_run(true)
            .send()
            .await,
        "DryRunOperationException",
    );
}
