//! GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: the private
//! key (PKCS#8) is sealed under a symmetric key with the encryption context,
//! and the pair works offline with the `openssl` CLI.

use aws_sdk_kms::types::DataKeyPairSpec;

use crate::asymmetric::{arn, create, Openssl};
use crate::{create_key, expect_error, server};

/// Signs `message.bin` with the PKCS#8 private key and verifies the
/// signature with the SubjectPublicKeyInfo, both by OpenSSL; also checks
/// that the public key is the private key's.
fn check_pair_offline(openssl: &Openssl, name: &str, private: &[u8], public: &[u8]) {
    let private_der = format!("{name}.key.der");
    let private_pem = format!("{name}.key.pem");
    let derived = format!("{name}.derived.der");
    openssl.write(&private_der, private);
    openssl.run(&[
        "pkey",
        "-inform",
        "DER",
        "-in",
        &private_der,
        "-out",
        &private_pem,
    ]);
    openssl.run(&[
        "pkey",
        "-in",
        &private_pem,
        "-pubout",
        "-outform",
        "DER",
        "-out",
        &derived,
    ]);
    assert_eq!(openssl.read(&derived), public, "{name}: the pair's halves");
    let public_pem = openssl.public_pem(name, public);
    let signature = format!("{name}.sig");
    let ed25519 = name.contains("EDWARDS");
    if ed25519 {
        openssl.run(&[
            "pkeyutl",
            "-sign",
            "-inkey",
            &private_pem,
            "-rawin",
            "-in",
            "message.bin",
            "-out",
            &signature,
        ]);
        openssl.run(&[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            &public_pem,
            "-rawin",
            "-in",
            "message.bin",
            "-sigfile",
            &signature,
        ]);
    } else {
        openssl.run(&[
            "dgst",
            "-sha256",
            "-sign",
            &private_pem,
            "-out",
            &signature,
            "message.bin",
        ]);
        let shown = openssl.run(&[
            "dgst",
            "-sha256",
            "-verify",
            &public_pem,
            "-signature",
            &signature,
            "message.bin",
        ]);
        assert!(shown.contains("Verified OK"), "{shown}");
    }
}

/// The post-quantum pair, which OpenSSL 3.0 cannot use: only its DER
/// structure and algorithm identifier are checked.
fn check_ml_kem_768(openssl: &Openssl, private: &[u8], public: &[u8]) {
    assert_eq!(public.len(), 1206);
    openssl.write("ml-kem.pub.der", public);
    let shown = openssl.run(&["asn1parse", "-inform", "DER", "-in", "ml-kem.pub.der"]);
    assert!(shown.contains(":2.16.840.1.101.3.4.4.2"), "{shown}");
    openssl.write("ml-kem.key.der", private);
    let shown = openssl.run(&["asn1parse", "-inform", "DER", "-in", "ml-kem.key.der"]);
    assert!(shown.contains(":2.16.840.1.101.3.4.4.2"), "{shown}");
    // AWS writes the 64-byte seed form (86 bytes for every ML-KEM spec).
    // Trent deliberately writes the `expandedKey` form (OCTET STRING of the
    // 2400-byte FIPS 203 dk): aws-lc-rs exports no ML-KEM seed
    // (docs/key-material-format.md).
    assert_eq!(private.len(), 2428);
    assert!(shown.contains("l=2404 prim: OCTET STRING"), "{shown}");
}

const SPECS: [DataKeyPairSpec; 4] = [
    DataKeyPairSpec::Rsa2048,
    DataKeyPairSpec::EccNistP256,
    DataKeyPairSpec::EccNistEdwards25519,
    DataKeyPairSpec::MlKem768,
];

#[tokio::test]
async fn data_key_pairs_are_sealed_with_the_context_and_work_offline() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let key_arn = arn(&server, &key_id);
    let openssl = Openssl::new();
    openssl.write("message.bin", b"signed with a data key pair");
    for spec in SPECS {
        let what = spec.as_str();
        let pair = client
            .generate_data_key_pair()
            .key_id(&key_id)
            .key_pair_spec(spec.clone())
            .encryption_context("tenant", "blue")
            .send()
            .await
            .unwrap();
        assert_eq!(pair.key_id(), Some(key_arn.as_str()), "{what}");
        assert_eq!(pair.key_pair_spec(), Some(&spec), "{what}");
        assert!(pair.ciphertext_for_recipient().is_none());
        let private = pair.private_key_plaintext().unwrap().as_ref().to_vec();
        if spec == DataKeyPairSpec::EccNistEdwards25519 {
            // RFC 8410's 48-byte form, as AWS writes it.
            assert_eq!(private.len(), 48);
        }
        let public = pair.public_key().unwrap().as_ref().to_vec();
        let sealed = pair.private_key_ciphertext_blob().unwrap().clone();
        let opened = client
            .decrypt()
            .ciphertext_blob(sealed.clone())
            .encryption_context("tenant", "blue")
            .send()
            .await
            .unwrap();
        assert_eq!(opened.plaintext().unwrap().as_ref(), private, "{what}");
        assert_eq!(opened.key_id(), Some(key_arn.as_str()));
        for context in [None, Some("green")] {
            let mut request = client.decrypt().ciphertext_blob(sealed.clone());
            if let Some(value) = context {
                request = request.encryption_context("tenant", value);
            }
            expect_error(request.send().await, "InvalidCiphertextException");
        }
        if spec == DataKeyPairSpec::MlKem768 {
            check_ml_kem_768(&openssl, &private, &public);
        } else {
            check_pair_offline(&openssl, what, &private, &public);
        }

        let without = client
            .generate_data_key_pair_without_plaintext()
            .key_id(&key_id)
            .key_pair_spec(spec.clone())
            .encryption_context("tenant", "blue")
            .send()
            .await
            .unwrap();
        assert_eq!(without.key_id(), Some(key_arn.as_str()), "{what}");
        assert_eq!(without.key_pair_spec(), Some(&spec), "{what}");
        let public_2 = without.public_key().unwrap().as_ref().to_vec();
        assert_ne!(public_2, public, "{what}: a new pair each time");
        let private_2 = client
            .decrypt()
            .ciphertext_blob(without.private_key_ciphertext_blob().unwrap().clone())
            .encryption_context("tenant", "blue")
            .send()
            .await
            .unwrap()
            .plaintext()
            .unwrap()
            .as_ref()
            .to_vec();
        if spec == DataKeyPairSpec::MlKem768 {
            check_ml_kem_768(&openssl, &private_2, &public_2);
        } else {
            check_pair_offline(&openssl, &format!("{what}-2"), &private_2, &public_2);
        }
    }
}

#[tokio::test]
async fn data_key_pairs_need_a_symmetric_key() {
    let server = server();
    let client = server.client();
    let rsa = create(&client, "RSA_2048", "ENCRYPT_DECRYPT").await;
    let message = expect_error(
        client
            .generate_data_key_pair()
            .key_id(&rsa)
            .key_pair_spec(DataKeyPairSpec::EccNistP256)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        "You cannot generate a data key pair with an asymmetric CMK"
    );
    let message = expect_error(
        client
            .generate_data_key_pair_without_plaintext()
            .key_id(&rsa)
            .key_pair_spec(DataKeyPairSpec::EccNistP256)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        "You cannot generate a data key pair with an asymmetric CMK"
    );
    // DryRun answers after the checks.
    let symmetric = create_key(&client).await;
    expect_error(
        client
            .generate_data_key_pair()
            .key_id(&symmetric)
            .key_pair_spec(DataKeyPairSpec::EccNistP256)
            .dry_run(true)
            .send()
            .await,
        "DryRunOperationException",
    );
    // A disabled wrapping key.
    client
        .disable_key()
        .key_id(&symmetric)
        .send()
        .await
        .unwrap();
    let message = expect_error(
        client
            .generate_data_key_pair()
            .key_id(&symmetric)
            .key_pair_spec(DataKeyPairSpec::EccNistP256)
            .send()
            .await,
        "DisabledException",
    );
    assert_eq!(
        message,
        format!("{} is disabled.", arn(&server, &symmetric))
    );
}
