//! The condition keys of imported key material, as AWS defines them:
//! `kms:WrappingAlgorithm` and `kms:WrappingKeySpec` on GetParametersForImport,
//! `kms:ExpirationModel` and `kms:ValidTo` on ImportKeyMaterial. Wrapping here
//! uses Trent's own client-side `wrap`: the cryptography is checked against
//! OpenSSL in `import.rs`; this file checks only who may do what.

use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{AlgorithmSpec, ExpirationModelType, OriginType, WrappingKeySpec};
use trent_core::import::WrappingAlgorithm;
use trent_core::key::KeySpec;
use trent_crypto::asymmetric::PublicKey;

use crate::{expect_error, server};

const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "kms:GetParametersForImport",
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "kms:WrappingAlgorithm": "RSA_AES_KEY_WRAP_SHA_256",
          "kms:WrappingKeySpec": "RSA_3072"
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "kms:ImportKeyMaterial",
      "Resource": "*",
      "Condition": {
        "StringEquals": { "kms:ExpirationModel": "KEY_MATERIAL_EXPIRES" },
        "NumericLessThanEquals": { "kms:ValidTo": "VALID_TO_LIMIT" }
      }
    }
  ]
}"#;

#[tokio::test]
async fn import_condition_keys_limit_who_imports_what() {
    let server = server();
    let root = server.client();
    let key_id = root
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let user = server.new_user("importer").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let limit = now + 30 * 86_400;
    server
        .iam()
        .put_user_policy()
        .user_name("importer")
        .policy_name("import")
        .policy_document(POLICY.replace("\"VALID_TO_LIMIT\"", &format!("\"{limit}\"")))
        .send()
        .await
        .unwrap();
    let client = server.kms_as(&user);

    // Only the algorithm and key size the policy names.
    for (algorithm, spec) in [
        (AlgorithmSpec::RsaesOaepSha256, WrappingKeySpec::Rsa3072),
        (AlgorithmSpec::RsaAesKeyWrapSha256, WrappingKeySpec::Rsa2048),
    ] {
        expect_error(
            client
                .get_parameters_for_import()
                .key_id(&key_id)
                .wrapping_algorithm(algorithm)
                .wrapping_key_spec(spec)
                .send()
                .await,
            "AccessDeniedException",
        );
    }
    let parameters = client
        .get_parameters_for_import()
        .key_id(&key_id)
        .wrapping_algorithm(AlgorithmSpec::RsaAesKeyWrapSha256)
        .wrapping_key_spec(WrappingKeySpec::Rsa3072)
        .send()
        .await
        .unwrap();
    let public =
        PublicKey::from_der(KeySpec::Rsa3072, parameters.public_key().unwrap().as_ref()).unwrap();
    let wrapped =
        trent_crypto::import::wrap(&public, WrappingAlgorithm::RsaAesKeyWrapSha256, &[3u8; 32])
            .unwrap();
    let token = parameters.import_token().unwrap().clone();
    let import = |model: ExpirationModelType, valid_to: Option<i64>| {
        let mut request = client
            .import_key_material()
            .key_id(&key_id)
            .import_token(token.clone())
            .encrypted_key_material(Blob::new(wrapped.clone()))
            .expiration_model(model);
        if let Some(seconds) = valid_to {
            request = request.valid_to(DateTime::from_secs(seconds));
        }
        request.send()
    };
    // Material that never expires, or expires after the limit: denied.
    expect_error(
        import(ExpirationModelType::KeyMaterialDoesNotExpire, None).await,
        "AccessDeniedException",
    );
    expect_error(
        import(
            ExpirationModelType::KeyMaterialExpires,
            Some(limit + 86_400),
        )
        .await,
        "AccessDeniedException",
    );
    // Within the policy: imported (the refusals above did not use the token up).
    let imported = import(ExpirationModelType::KeyMaterialExpires, Some(now + 86_400))
        .await
        .unwrap();
    assert_eq!(imported.key_material_id().map(str::len), Some(64));
    let described = root.describe_key().key_id(&key_id).send().await.unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(
        metadata.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert!(metadata.enabled());
}
