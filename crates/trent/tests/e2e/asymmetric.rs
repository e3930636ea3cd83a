//! Asymmetric, HMAC, key-agreement and ML-KEM keys: every KeySpec × KeyUsage
//! of AWS's table created, described and its public key read (checked by the
//! `openssl` CLI), CreateKey's refusals, rotation, the key states of the new
//! operations, and authorization (a condition on the signing algorithm,
//! grants per key kind). Also the helpers the other asymmetric modules share.

use std::path::PathBuf;
use std::process::Command;

use aws_sdk_kms::types::{
    DataKeyPairSpec, GrantConstraints, GrantOperation, KeySpec, KeyUsageType, MacAlgorithmSpec,
    MessageType, SigningAlgorithmSpec,
};
use base64::Engine as _;
use serde_json::Value;
use trent_testkit::{RawRequest, TestServer};

use crate::{blob, create_key, expect_error, server};

/// Base64 as the wire and the audit log write it.
pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Creates a key of `spec` and `usage`; returns its id.
pub(crate) async fn create(client: &aws_sdk_kms::Client, spec: &str, usage: &str) -> String {
    client
        .create_key()
        .key_spec(KeySpec::from(spec))
        .key_usage(KeyUsageType::from(usage))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateKey {spec} {usage}: {e:?}"))
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned()
}

/// The key's ARN.
pub(crate) fn arn(server: &TestServer, key_id: &str) -> String {
    format!("arn:aws:kms:us-east-1:{}:key/{key_id}", server.account())
}

/// The DER SubjectPublicKeyInfo GetPublicKey returns.
pub(crate) async fn public_key(client: &aws_sdk_kms::Client, key_id: &str) -> Vec<u8> {
    client
        .get_public_key()
        .key_id(key_id)
        .send()
        .await
        .unwrap()
        .public_key()
        .unwrap()
        .as_ref()
        .to_vec()
}

/// A raw KMS request as the root; the answer's status and JSON body.
pub(crate) async fn raw(server: &TestServer, operation: &str, body: &Value) -> (u16, Value) {
    let response = RawRequest::kms(operation, &body.to_string())
        .send(server, &server.root_credentials())
        .await;
    (response.status, response.json())
}

/// A scratch folder in which the `openssl` CLI runs.
pub(crate) struct Openssl {
    dir: tempfile::TempDir,
}

impl Openssl {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Writes `bytes` to the file `name` of the folder.
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The bytes of the file `name` of the folder.
    pub(crate) fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(name)).unwrap()
    }

    /// Runs `openssl args…` in the folder; whether it succeeded, and its
    /// standard output and error.
    pub(crate) fn try_run(&self, args: &[&str]) -> (bool, String) {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("the openssl CLI");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// Runs `openssl args…`, which must succeed; its output.
    pub(crate) fn run(&self, args: &[&str]) -> String {
        let (ok, text) = self.try_run(args);
        assert!(ok, "openssl {args:?} failed:\n{text}");
        text
    }

    /// Writes a DER SubjectPublicKeyInfo to `<name>.pem` as OpenSSL reads
    /// it back (this fails unless OpenSSL parses the key); returns the PEM's
    /// file name.
    pub(crate) fn public_pem(&self, name: &str, der: &[u8]) -> String {
        let der_file = format!("{name}.der");
        let pem_file = format!("{name}.pem");
        self.write(&der_file, der);
        self.run(&[
            "pkey", "-pubin", "-inform", "DER", "-in", &der_file, "-out", &pem_file,
        ]);
        pem_file
    }

    /// The binary digest of the file `input` with `hash` (`sha256`, …).
    pub(crate) fn digest(&self, hash: &str, input: &str) -> Vec<u8> {
        let out = format!("{input}.{hash}");
        self.run(&["dgst", &format!("-{hash}"), "-binary", "-out", &out, input]);
        self.read(&out)
    }
}

/// The algorithm-list member of KeyMetadata and GetPublicKey for a usage.
fn list_member(usage: &str) -> &'static str {
    match usage {
        "ENCRYPT_DECRYPT" => "EncryptionAlgorithms",
        "SIGN_VERIFY" => "SigningAlgorithms",
        "GENERATE_VERIFY_MAC" => "MacAlgorithms",
        "KEY_AGREEMENT" => "KeyAgreementAlgorithms",
        "ENCAPSULATE_DECAPSULATE" => "EncapsulationAlgorithms",
        other => panic!("usage {other}"),
    }
}

const LISTS: [&str; 5] = [
    "EncryptionAlgorithms",
    "SigningAlgorithms",
    "MacAlgorithms",
    "KeyAgreementAlgorithms",
    "EncapsulationAlgorithms",
];

/// Asserts that `object` carries exactly one algorithm list, the one for
/// `usage`, equal to `algorithms` in this order (AWS's observed order).
fn assert_one_list(object: &Value, usage: &str, algorithms: &[&str], what: &str) {
    let member = list_member(usage);
    for list in LISTS {
        if list == member {
            let mut listed: Vec<&str> = object[list]
                .as_array()
                .unwrap_or_else(|| panic!("{what}: no {list} in {object}"))
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let mut expected = algorithms.to_vec();
            if algorithms.contains(&"ED25519_SHA_512") {
                // Trent lists Ed25519's two algorithms in the other order
                // (ed25519_algorithms_are_listed_in_aws_order); the set is right.
                listed.sort_unstable();
                expected.sort_unstable();
            }
            assert_eq!(listed, expected, "{what}: {list}");
        } else {
            assert!(
                object.get(list).is_none(),
                "{what}: {list} must be absent, not {}",
                object[list]
            );
        }
    }
}

/// One row of AWS's table: spec, usage, the algorithm list, the size of the
/// DER public key, and what `openssl pkey -text` (or, for the post-quantum
/// kinds OpenSSL 3.0 does not know, `openssl asn1parse`) must show of it.
struct Row {
    spec: &'static str,
    usage: &'static str,
    algorithms: &'static [&'static str],
    spki_len: usize,
    openssl_shows: &'static [&'static str],
}

const RSA_SIGNING: &[&str] = &[
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
];

const ROWS: &[Row] = &[
    Row {
        spec: "RSA_2048",
        usage: "ENCRYPT_DECRYPT",
        algorithms: &["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
        spki_len: 294,
        openssl_shows: &["Public-Key: (2048 bit)", "Exponent: 65537"],
    },
    Row {
        spec: "RSA_2048",
        usage: "SIGN_VERIFY",
        algorithms: RSA_SIGNING,
        spki_len: 294,
        openssl_shows: &["Public-Key: (2048 bit)", "Exponent: 65537"],
    },
    // The suite's one RSA_4096 key (its generation takes a while).
    Row {
        spec: "RSA_4096",
        usage: "SIGN_VERIFY",
        algorithms: RSA_SIGNING,
        spki_len: 550,
        openssl_shows: &["Public-Key: (4096 bit)", "Exponent: 65537"],
    },
    Row {
        spec: "ECC_NIST_P256",
        usage: "SIGN_VERIFY",
        algorithms: &["ECDSA_SHA_256"],
        spki_len: 91,
        openssl_shows: &["Public-Key: (256 bit)", "ASN1 OID: prime256v1"],
    },
    Row {
        spec: "ECC_NIST_P384",
        usage: "SIGN_VERIFY",
        algorithms: &["ECDSA_SHA_384"],
        spki_len: 120,
        openssl_shows: &["Public-Key: (384 bit)", "ASN1 OID: secp384r1"],
    },
    Row {
        spec: "ECC_NIST_P521",
        usage: "SIGN_VERIFY",
        algorithms: &["ECDSA_SHA_512"],
        spki_len: 158,
        openssl_shows: &["Public-Key: (521 bit)", "ASN1 OID: secp521r1"],
    },
    Row {
        spec: "ECC_NIST_P256",
        usage: "KEY_AGREEMENT",
        algorithms: &["ECDH"],
        spki_len: 91,
        openssl_shows: &["Public-Key: (256 bit)", "ASN1 OID: prime256v1"],
    },
    Row {
        spec: "ECC_NIST_P384",
        usage: "KEY_AGREEMENT",
        algorithms: &["ECDH"],
        spki_len: 120,
        openssl_shows: &["Public-Key: (384 bit)", "ASN1 OID: secp384r1"],
    },
    Row {
        spec: "ECC_NIST_P521",
        usage: "KEY_AGREEMENT",
        algorithms: &["ECDH"],
        spki_len: 158,
        openssl_shows: &["Public-Key: (521 bit)", "ASN1 OID: secp521r1"],
    },
    Row {
        spec: "ECC_SECG_P256K1",
        usage: "SIGN_VERIFY",
        algorithms: &["ECDSA_SHA_256"],
        spki_len: 88,
        openssl_shows: &["Public-Key: (256 bit)", "ASN1 OID: secp256k1"],
    },
    Row {
        spec: "ECC_NIST_EDWARDS25519",
        usage: "SIGN_VERIFY",
        algorithms: &["ED25519_PH_SHA_512", "ED25519_SHA_512"],
        spki_len: 44,
        openssl_shows: &["ED25519 Public-Key:"],
    },
    Row {
        spec: "ML_DSA_44",
        usage: "SIGN_VERIFY",
        algorithms: &["ML_DSA_SHAKE_256"],
        spki_len: 1334,
        openssl_shows: &[":2.16.840.1.101.3.4.3.17", "l=1313 prim: BIT STRING"],
    },
    Row {
        spec: "ML_DSA_65",
        usage: "SIGN_VERIFY",
        algorithms: &["ML_DSA_SHAKE_256"],
        spki_len: 1974,
        openssl_shows: &[":2.16.840.1.101.3.4.3.18", "l=1953 prim: BIT STRING"],
    },
    Row {
        spec: "ML_DSA_87",
        usage: "SIGN_VERIFY",
        algorithms: &["ML_DSA_SHAKE_256"],
        spki_len: 2614,
        openssl_shows: &[":2.16.840.1.101.3.4.3.19", "l=2593 prim: BIT STRING"],
    },
    Row {
        spec: "ML_KEM_512",
        usage: "ENCAPSULATE_DECAPSULATE",
        algorithms: &["ML_KEM"],
        spki_len: 822,
        openssl_shows: &[":2.16.840.1.101.3.4.4.1", "l= 801 prim: BIT STRING"],
    },
    Row {
        spec: "ML_KEM_768",
        usage: "ENCAPSULATE_DECAPSULATE",
        algorithms: &["ML_KEM"],
        spki_len: 1206,
        openssl_shows: &[":2.16.840.1.101.3.4.4.2", "l=1185 prim: BIT STRING"],
    },
    Row {
        spec: "ML_KEM_1024",
        usage: "ENCAPSULATE_DECAPSULATE",
        algorithms: &["ML_KEM"],
        spki_len: 1590,
        openssl_shows: &[":2.16.840.1.101.3.4.4.3", "l=1569 prim: BIT STRING"],
    },
    Row {
        spec: "HMAC_224",
        usage: "GENERATE_VERIFY_MAC",
        algorithms: &["HMAC_SHA_224"],
        spki_len: 0,
        openssl_shows: &[],
    },
    Row {
        spec: "HMAC_256",
        usage: "GENERATE_VERIFY_MAC",
        algorithms: &["HMAC_SHA_256"],
        spki_len: 0,
        openssl_shows: &[],
    },
    Row {
        spec: "HMAC_384",
        usage: "GENERATE_VERIFY_MAC",
        algorithms: &["HMAC_SHA_384"],
        spki_len: 0,
        openssl_shows: &[],
    },
    Row {
        spec: "HMAC_512",
        usage: "GENERATE_VERIFY_MAC",
        algorithms: &["HMAC_SHA_512"],
        spki_len: 0,
        openssl_shows: &[],
    },
];

/// The KeyMetadata members AWS shows for an asymmetric or HMAC key.
fn assert_metadata(metadata: &Value, row: &Row, what: &str) {
    assert_eq!(metadata["KeySpec"], row.spec, "{what}");
    // AWS echoes the spec in the deprecated member, even where that
    // member's enum has no such value (ML_DSA_44, ECC_NIST_EDWARDS25519).
    assert_eq!(metadata["CustomerMasterKeySpec"], row.spec, "{what}");
    assert_eq!(metadata["KeyUsage"], row.usage, "{what}");
    assert_eq!(metadata["KeyState"], "Enabled", "{what}");
    assert_eq!(metadata["Enabled"], true, "{what}");
    assert_eq!(metadata["Origin"], "AWS_KMS", "{what}");
    assert_eq!(metadata["KeyManager"], "CUSTOMER", "{what}");
    assert_eq!(metadata["MultiRegion"], false, "{what}");
    assert!(
        metadata.get("CurrentKeyMaterialId").is_none(),
        "{what}: only symmetric keys have a CurrentKeyMaterialId: {metadata}"
    );
    assert_one_list(metadata, row.usage, row.algorithms, what);
}

#[tokio::test]
async fn every_spec_and_usage_is_created_described_and_its_public_key_read() {
    let server = server();
    let openssl = Openssl::new();
    for row in ROWS {
        let what = format!("{} {}", row.spec, row.usage);
        let (status, created) = raw(
            &server,
            "CreateKey",
            &serde_json::json!({"KeySpec": row.spec, "KeyUsage": row.usage}),
        )
        .await;
        assert_eq!(status, 200, "{what}: {created}");
        let metadata = &created["KeyMetadata"];
        assert_metadata(metadata, row, &format!("CreateKey {what}"));
        let key_id = metadata["KeyId"].as_str().unwrap().to_owned();
        let key_arn = arn(&server, &key_id);
        assert_eq!(metadata["Arn"], key_arn.as_str());

        let (status, described) = raw(
            &server,
            "DescribeKey",
            &serde_json::json!({"KeyId": key_id}),
        )
        .await;
        assert_eq!(status, 200, "{what}: {described}");
        assert_eq!(&described["KeyMetadata"], metadata, "{what}");

        let (status, public) = raw(
            &server,
            "GetPublicKey",
            &serde_json::json!({"KeyId": key_id}),
        )
        .await;
        if row.usage == "GENERATE_VERIFY_MAC" {
            // An HMAC key has no public key.
            assert_eq!(status, 400, "{what}: {public}");
            assert_eq!(public["__type"], "UnsupportedOperationException", "{what}");
            continue;
        }
        assert_eq!(status, 200, "{what}: {public}");
        assert_eq!(public["KeyId"], key_arn.as_str(), "{what}");
        assert_eq!(public["KeySpec"], row.spec, "{what}");
        assert_eq!(public["CustomerMasterKeySpec"], row.spec, "{what}");
        assert_eq!(public["KeyUsage"], row.usage, "{what}");
        assert_one_list(
            &public,
            row.usage,
            row.algorithms,
            &format!("GetPublicKey {what}"),
        );
        let der = base64::engine::general_purpose::STANDARD
            .decode(public["PublicKey"].as_str().unwrap())
            .unwrap();
        assert_eq!(der.len(), row.spki_len, "{what}: DER SPKI length");
        let file = format!("{}-{}.der", row.spec, row.usage);
        openssl.write(&file, &der);
        let shown = if row.spec.starts_with("ML_") {
            // OpenSSL 3.0 has no ML-DSA or ML-KEM: it can only check the
            // DER structure, the algorithm OID and the key's length.
            openssl.run(&["asn1parse", "-inform", "DER", "-in", &file])
        } else {
            openssl.run(&[
                "pkey", "-pubin", "-inform", "DER", "-in", &file, "-noout", "-text",
            ])
        };
        for needle in row.openssl_shows {
            assert!(shown.contains(needle), "{what}: {needle:?} not in\n{shown}");
        }
    }
    // Each key has a public key of its own.
    let client = server.client();
    let a = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let b = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    assert_ne!(public_key(&client, &a).await, public_key(&client, &b).await);
    // A symmetric key has none either.
    let symmetric = create_key(&client).await;
    let message = expect_error(
        client.get_public_key().key_id(&symmetric).send().await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, "");
}

#[tokio::test]
async fn create_key_refuses_what_aws_refuses() {
    let server = server();
    let client = server.client();
    for spec in [
        "RSA_2048",
        "ECC_NIST_P256",
        "ECC_SECG_P256K1",
        "ECC_NIST_EDWARDS25519",
        "ML_DSA_44",
        "ML_KEM_768",
        "HMAC_256",
    ] {
        let message = expect_error(
            client
                .create_key()
                .key_spec(KeySpec::from(spec))
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(
            message, "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
            "{spec}"
        );
    }
    // AWS's sentence has no final period.
    for (usage, spec) in [
        ("ENCRYPT_DECRYPT", "ECC_NIST_P256"),
        ("ENCRYPT_DECRYPT", "ECC_SECG_P256K1"),
        ("ENCRYPT_DECRYPT", "ECC_NIST_EDWARDS25519"),
        ("ENCRYPT_DECRYPT", "ML_DSA_65"),
        ("KEY_AGREEMENT", "RSA_2048"),
        ("KEY_AGREEMENT", "ML_DSA_44"),
        ("KEY_AGREEMENT", "ECC_SECG_P256K1"),
        ("KEY_AGREEMENT", "ECC_NIST_EDWARDS25519"),
        ("SIGN_VERIFY", "ML_KEM_512"),
        ("ENCAPSULATE_DECAPSULATE", "ECC_NIST_P256"),
        ("ENCRYPT_DECRYPT", "HMAC_256"),
        ("GENERATE_VERIFY_MAC", "RSA_2048"),
        ("SIGN_VERIFY", "SYMMETRIC_DEFAULT"),
    ] {
        let message = expect_error(
            client
                .create_key()
                .key_spec(KeySpec::from(spec))
                .key_usage(KeyUsageType::from(usage))
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(
            message,
            format!("KeyUsage {usage} is not compatible with KeySpec {spec}")
        );
    }
    for usage in ["SIGN_VERIFY", "ENCRYPT_DECRYPT", "KEY_AGREEMENT"] {
        let message = expect_error(
            client
                .create_key()
                .key_spec(KeySpec::Sm2)
                .key_usage(KeyUsageType::from(usage))
                .send()
                .await,
            "UnsupportedOperationException",
        );
        assert_eq!(message, "KeySpec SM2 is not supported in this Region");
    }
    // Nothing was created by any of them.
    let keys = client.list_keys().send().await.unwrap();
    assert!(keys.keys().is_empty(), "{:?}", keys.keys());
}

#[tokio::test]
async fn asymmetric_and_hmac_keys_do_not_rotate() {
    let server = server();
    let client = server.client();
    for (spec, usage) in [
        ("ECC_NIST_P256", "SIGN_VERIFY"),
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
        ("ML_KEM_512", "ENCAPSULATE_DECAPSULATE"),
    ] {
        let key_id = create(&client, spec, usage).await;
        expect_error(
            client.enable_key_rotation().key_id(&key_id).send().await,
            "UnsupportedOperationException",
        );
        expect_error(
            client.rotate_key_on_demand().key_id(&key_id).send().await,
            "UnsupportedOperationException",
        );
        client
            .disable_key_rotation()
            .key_id(&key_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{spec}: {e:?}"));
        let status = client
            .get_key_rotation_status()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert!(!status.key_rotation_enabled(), "{spec}");
        let rotations = client
            .list_key_rotations()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert!(rotations.rotations().is_empty(), "{spec}");
    }
}

#[tokio::test]
async fn disabled_and_pending_deletion_keys_refuse_the_new_operations() {
    let server = server();
    let client = server.client();
    let signing = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let mac = create(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let kem = create(&client, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE").await;
    let agreement = create(&client, "ECC_NIST_P256", "KEY_AGREEMENT").await;
    let signature = client
        .sign()
        .key_id(&signing)
        .message(blob(b"m"))
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap()
        .signature()
        .unwrap()
        .clone();
    let tag = client
        .generate_mac()
        .key_id(&mac)
        .message(blob(b"m"))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap()
        .mac()
        .unwrap()
        .clone();
    let encapsulated = client
        .encapsulate()
        .key_id(&kem)
        .encapsulation_algorithm("ML_KEM".into())
        .send()
        .await
        .unwrap()
        .shared_secret_ciphertext_blob()
        .unwrap()
        .clone();
    let signing_public = public_key(&client, &signing).await;
    let agreement_public = public_key(&client, &agreement).await;
    for key in [&signing, &mac, &kem, &agreement] {
        client.disable_key().key_id(key).send().await.unwrap();
    }

    let disabled = |key: &str| format!("{} is disabled.", arn(&server, key));
    let sign = || {
        client
            .sign()
            .key_id(&signing)
            .message(blob(b"m"))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
    };
    assert_eq!(
        expect_error(sign().await, "DisabledException"),
        disabled(&signing)
    );
    let verify = client
        .verify()
        .key_id(&signing)
        .message(blob(b"m"))
        .signature(signature)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await;
    assert_eq!(
        expect_error(verify, "DisabledException"),
        disabled(&signing)
    );
    // The state is checked before the algorithm (AWS's order).
    let wrong_algorithm = client
        .generate_mac()
        .key_id(&mac)
        .message(blob(b"m"))
        .mac_algorithm(MacAlgorithmSpec::HmacSha512)
        .send()
        .await;
    assert_eq!(
        expect_error(wrong_algorithm, "DisabledException"),
        disabled(&mac)
    );
    let verify_mac = client
        .verify_mac()
        .key_id(&mac)
        .message(blob(b"m"))
        .mac(tag)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await;
    assert_eq!(
        expect_error(verify_mac, "DisabledException"),
        disabled(&mac)
    );
    let encapsulate = client
        .encapsulate()
        .key_id(&kem)
        .encapsulation_algorithm("ML_KEM".into())
        .send()
        .await;
    assert_eq!(
        expect_error(encapsulate, "DisabledException"),
        disabled(&kem)
    );
    let decapsulate = client
        .decapsulate()
        .key_id(&kem)
        .shared_secret_ciphertext_blob(encapsulated)
        .encapsulation_algorithm("ML_KEM".into())
        .send()
        .await;
    assert_eq!(
        expect_error(decapsulate, "DisabledException"),
        disabled(&kem)
    );
    let derive = client
        .derive_shared_secret()
        .key_id(&agreement)
        .key_agreement_algorithm("ECDH".into())
        .public_key(blob(&agreement_public))
        .send()
        .await;
    assert_eq!(
        expect_error(derive, "DisabledException"),
        disabled(&agreement)
    );
    // GetPublicKey works on a disabled key (observed on AWS in 2026; the
    // 2023 Developer Guide's table said DisabledException).
    assert_eq!(public_key(&client, &signing).await, signing_public);
    assert_eq!(public_key(&client, &agreement).await, agreement_public);
    public_key(&client, &kem).await;

    client
        .schedule_key_deletion()
        .key_id(&signing)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let pending = format!("{} is pending deletion.", arn(&server, &signing));
    let message = expect_error(
        client.get_public_key().key_id(&signing).send().await,
        "KMSInvalidStateException",
    );
    assert_eq!(message, pending);
    assert_eq!(
        expect_error(sign().await, "KMSInvalidStateException"),
        pending
    );
    client
        .schedule_key_deletion()
        .key_id(&mac)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let message = expect_error(
        client
            .generate_mac()
            .key_id(&mac)
            .message(blob(b"m"))
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .send()
            .await,
        "KMSInvalidStateException",
    );
    assert_eq!(
        message,
        format!("{} is pending deletion.", arn(&server, &mac))
    );
    // Cancelled, the key is Disabled again, then usable once enabled.
    client
        .cancel_key_deletion()
        .key_id(&signing)
        .send()
        .await
        .unwrap();
    client.enable_key().key_id(&signing).send().await.unwrap();
    sign().await.unwrap();
}

fn key_policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

#[tokio::test]
async fn a_signing_algorithm_condition_decides_which_algorithms_may_sign() {
    let server = server();
    let client = server.client();
    let key_id = create(&client, "RSA_2048", "SIGN_VERIFY").await;
    let account = server.account();
    let document = key_policy(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}},
           {{"Effect":"Deny","Principal":"*","Action":"kms:Sign","Resource":"*",
             "Condition":{{"StringEquals":{{"kms:SigningAlgorithm":"RSASSA_PKCS1_V1_5_SHA_256"}}}}}}"#
    ));
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(document)
        .send()
        .await
        .unwrap();
    let sign = |algorithm: SigningAlgorithmSpec| {
        client
            .sign()
            .key_id(&key_id)
            .message(blob(b"release-1.0.tar.gz"))
            .signing_algorithm(algorithm)
            .send()
    };
    let message = expect_error(
        sign(SigningAlgorithmSpec::RsassaPkcs1V15Sha256).await,
        "AccessDeniedException",
    );
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{account}:root is not authorized to perform: kms:Sign on resource: {} with an explicit deny in a resource-based policy",
            arn(&server, &key_id)
        )
    );
    let pss = sign(SigningAlgorithmSpec::RsassaPssSha256).await.unwrap();
    sign(SigningAlgorithmSpec::RsassaPkcs1V15Sha384)
        .await
        .unwrap();
    // The Deny names only Sign: Verify with the denied algorithm still runs
    // (and fails on the signature, not on authorization).
    expect_error(
        client
            .verify()
            .key_id(&key_id)
            .message(blob(b"release-1.0.tar.gz"))
            .signature(pss.signature().unwrap().clone())
            .signing_algorithm(SigningAlgorithmSpec::RsassaPkcs1V15Sha256)
            .send()
            .await,
        "KMSInvalidSignatureException",
    );
}

#[tokio::test]
async fn a_message_type_condition_is_enforced() {
    let server = server();
    let client = server.client();
    let key_id = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let account = server.account();
    // Only digests may be signed; an absent MessageType is RAW.
    let document = key_policy(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}},
           {{"Effect":"Deny","Principal":"*","Action":"kms:Sign","Resource":"*",
             "Condition":{{"StringNotEquals":{{"kms:MessageType":"DIGEST"}}}}}}"#
    ));
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(document)
        .send()
        .await
        .unwrap();
    expect_error(
        client
            .sign()
            .key_id(&key_id)
            .message(blob(b"m"))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await,
        "AccessDeniedException",
    );
    client
        .sign()
        .key_id(&key_id)
        .message(blob(&[7; 32]))
        .message_type(MessageType::Digest)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn key_spec_mac_and_data_key_pair_conditions_are_enforced() {
    let server = server();
    let client = server.client();
    let account = server.account();
    let allow = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}}"#
    );
    let deny = |action: &str, key: &str, value: &str| {
        key_policy(&format!(
            r#"{allow},{{"Effect":"Deny","Principal":"*","Action":"{action}","Resource":"*",
               "Condition":{{"StringEquals":{{"{key}":"{value}"}}}}}}"#
        ))
    };
    let p256 = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let p384 = create(&client, "ECC_NIST_P384", "SIGN_VERIFY").await;
    let hmac = create(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let symmetric = create_key(&client).await;
    for (key, document) in [
        (&p256, deny("kms:Sign", "kms:KeySpec", "ECC_NIST_P256")),
        (&p384, deny("kms:Sign", "kms:KeySpec", "ECC_NIST_P256")),
        (
            &hmac,
            deny("kms:GenerateMac", "kms:MacAlgorithm", "HMAC_SHA_256"),
        ),
        (
            &symmetric,
            deny("kms:GenerateDataKeyPair", "kms:DataKeyPairSpec", "RSA_2048"),
        ),
    ] {
        client
            .put_key_policy()
            .key_id(key)
            .policy(document)
            .send()
            .await
            .unwrap();
    }
    let sign = |key: &str, algorithm: SigningAlgorithmSpec| {
        client
            .sign()
            .key_id(key)
            .message(blob(b"m"))
            .signing_algorithm(algorithm)
            .send()
    };
    expect_error(
        sign(&p256, SigningAlgorithmSpec::EcdsaSha256).await,
        "AccessDeniedException",
    );
    sign(&p384, SigningAlgorithmSpec::EcdsaSha384)
        .await
        .unwrap();
    expect_error(
        client
            .generate_mac()
            .key_id(&hmac)
            .message(blob(b"m"))
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .send()
            .await,
        "AccessDeniedException",
    );
    let pair = |spec: DataKeyPairSpec| {
        client
            .generate_data_key_pair()
            .key_id(&symmetric)
            .key_pair_spec(spec)
            .send()
    };
    expect_error(
        pair(DataKeyPairSpec::Rsa2048).await,
        "AccessDeniedException",
    );
    pair(DataKeyPairSpec::EccNistP256).await.unwrap();
}

#[tokio::test]
async fn grants_let_grantees_use_asymmetric_and_hmac_keys_within_their_kind() {
    let server = server();
    let root = server.client();
    let signing = create(&root, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let mac = create(&root, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let signer = server.new_user("signer").await;
    let signer_arn = format!("arn:aws:iam::{}:user/signer", server.account());
    let as_signer = server.kms_as(&signer);
    let sign = || {
        as_signer
            .sign()
            .key_id(&signing)
            .message(blob(b"invoice"))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
    };
    expect_error(sign().await, "AccessDeniedException");
    root.create_grant()
        .key_id(&signing)
        .grantee_principal(&signer_arn)
        .operations(GrantOperation::Sign)
        .operations(GrantOperation::GetPublicKey)
        .send()
        .await
        .unwrap();
    let signed = sign().await.unwrap();
    as_signer
        .get_public_key()
        .key_id(&signing)
        .send()
        .await
        .unwrap();
    // Verify was not granted; the root still verifies.
    let verify = |client: &aws_sdk_kms::Client| {
        client
            .verify()
            .key_id(&signing)
            .message(blob(b"invoice"))
            .signature(signed.signature().unwrap().clone())
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
    };
    expect_error(verify(&as_signer).await, "AccessDeniedException");
    assert!(verify(&root).await.unwrap().signature_valid());

    // Operations outside the key's kind are refused.
    let message = expect_error(
        root.create_grant()
            .key_id(&mac)
            .grantee_principal(&signer_arn)
            .operations(GrantOperation::Encrypt)
            .send()
            .await,
        "ValidationException",
    );
    // AWS: "Operations [Encrypt] are not supported when creating a grant for
    // a symmetric KMS key with key usage GENERATE_VERIFY_MAC. Valid
    // operations are [CreateGrant, RetireGrant, DescribeKey, GenerateMac,
    // VerifyMac]"; Trent words it as a model validation error (see
    // grant_operation_refusal_uses_aws_words).
    assert!(message.contains("Encrypt"), "{message}");
    expect_error(
        root.create_grant()
            .key_id(&signing)
            .grantee_principal(&signer_arn)
            .operations(GrantOperation::GenerateMac)
            .send()
            .await,
        "ValidationException",
    );
    // No encryption-context constraint on a non-symmetric key (here with
    // an operation that takes a context elsewhere; for the operations that
    // never take one see grant_context_refusal_on_signing_and_hmac_keys).
    let kem = create(&root, "ML_KEM_512", "ENCAPSULATE_DECAPSULATE").await;
    let message = expect_error(
        root.create_grant()
            .key_id(&kem)
            .grantee_principal(&signer_arn)
            .operations(GrantOperation::Encapsulate)
            .constraints(
                GrantConstraints::builder()
                    .encryption_context_subset("purpose", "x")
                    .build(),
            )
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key."
    );
    // A compatible grant on the HMAC key works.
    root.create_grant()
        .key_id(&mac)
        .grantee_principal(&signer_arn)
        .operations(GrantOperation::GenerateMac)
        .send()
        .await
        .unwrap();
    as_signer
        .generate_mac()
        .key_id(&mac)
        .message(blob(b"token"))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn grant_operation_refusal_uses_aws_words() {
    let server = server();
    let client = server.client();
    let mac = create(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let message = expect_error(
        client
            .create_grant()
            .key_id(&mac)
            .grantee_principal(format!("arn:aws:iam::{}:root", server.account()))
            .operations(GrantOperation::Encrypt)
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "Operations [Encrypt] are not supported when creating a grant for a symmetric KMS key with key usage GENERATE_VERIFY_MAC. Valid operations are [CreateGrant, RetireGrant, DescribeKey, GenerateMac, VerifyMac]"
    );
}

#[tokio::test]
async fn grant_context_refusal_on_signing_and_hmac_keys() {
    let server = server();
    let client = server.client();
    let grantee = format!("arn:aws:iam::{}:root", server.account());
    for (spec, usage, operation) in [
        ("ECC_NIST_P256", "SIGN_VERIFY", GrantOperation::Sign),
        (
            "HMAC_256",
            "GENERATE_VERIFY_MAC",
            GrantOperation::GenerateMac,
        ),
    ] {
        let key_id = create(&client, spec, usage).await;
        let message = expect_error(
            client
                .create_grant()
                .key_id(&key_id)
                .grantee_principal(&grantee)
                .operations(operation)
                .constraints(
                    GrantConstraints::builder()
                        .encryption_context_equals("purpose", "x")
                        .build(),
                )
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(
            message,
            "EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key.",
            "{spec}"
        );
    }
}

#[tokio::test]
async fn ed25519_algorithms_are_listed_in_aws_order() {
    let server = server();
    let client = server.client();
    let key_id = create(&client, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY").await;
    let described = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        described.key_metadata().unwrap().signing_algorithms(),
        [
            SigningAlgorithmSpec::Ed25519PhSha512,
            SigningAlgorithmSpec::Ed25519Sha512
        ]
    );
}
