//! The audit trail of the asymmetric, HMAC, key-agreement and ML-KEM
//! operations: one event each with the algorithm names, and never a
//! message, signature, MAC, shared secret, private or public key.

use aws_sdk_kms::operation::RequestId;
use aws_sdk_kms::types::{
    DataKeyPairSpec, EncapsulationAlgorithmSpec, KeyAgreementAlgorithmSpec, MacAlgorithmSpec,
    MessageType, SigningAlgorithmSpec,
};
use serde_json::Value;

use crate::asymmetric::{b64, create, public_key, Openssl};
use crate::{audit_events, blob, create_key, server};

/// Member names that hold secret or bulky values and must never be logged
/// (compared without case: CloudTrail writes them in camelCase).
const NEVER_LOGGED: [&str; 9] = [
    "message",
    "signature",
    "mac",
    "sharedsecret",
    "sharedsecretciphertextblob",
    "privatekeyplaintext",
    "privatekeyciphertextblob",
    "publickey",
    "plaintext",
];

/// Every object key anywhere in `value`.
fn member_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, inner) in map {
                names.push(name.to_lowercase());
                member_names(inner, names);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| member_names(item, names)),
        _ => {}
    }
}

/// A request's event name, request id, and what its requestParameters must say.
type Expected = (&'static str, String, Vec<(&'static str, &'static str)>);

#[tokio::test]
async fn the_audit_trail_records_no_message_signature_mac_secret_or_key() {
    let mut server = server();
    let client = server.client();
    let signing = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let hmac = create(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let agreement = create(&client, "ECC_NIST_P256", "KEY_AGREEMENT").await;
    let kem = create(&client, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE").await;
    let symmetric = create_key(&client).await;
    let message = b"the-signed-message-secret";
    let mut requests: Vec<Expected> = Vec::new();
    let mut secrets: Vec<Vec<u8>> = vec![message.to_vec()];

    let signed = client
        .sign()
        .key_id(&signing)
        .message(blob(message))
        .message_type(MessageType::Raw)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    let signature = signed.signature().unwrap().clone();
    secrets.push(signature.as_ref().to_vec());
    requests.push((
        "Sign",
        signed.request_id().unwrap().to_owned(),
        vec![
            ("signingAlgorithm", "ECDSA_SHA_256"),
            ("messageType", "RAW"),
        ],
    ));
    let verified = client
        .verify()
        .key_id(&signing)
        .message(blob(message))
        .signature(signature)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    requests.push((
        "Verify",
        verified.request_id().unwrap().to_owned(),
        vec![("signingAlgorithm", "ECDSA_SHA_256")],
    ));

    let mac = client
        .generate_mac()
        .key_id(&hmac)
        .message(blob(message))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    let tag = mac.mac().unwrap().clone();
    secrets.push(tag.as_ref().to_vec());
    requests.push((
        "GenerateMac",
        mac.request_id().unwrap().to_owned(),
        vec![("macAlgorithm", "HMAC_SHA_256")],
    ));
    let verified = client
        .verify_mac()
        .key_id(&hmac)
        .message(blob(message))
        .mac(tag)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    requests.push((
        "VerifyMac",
        verified.request_id().unwrap().to_owned(),
        vec![("macAlgorithm", "HMAC_SHA_256")],
    ));

    let openssl = Openssl::new();
    openssl.run(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "peer.pem",
    ]);
    openssl.run(&[
        "pkey", "-in", "peer.pem", "-pubout", "-outform", "DER", "-out", "peer.der",
    ]);
    let peer = openssl.read("peer.der");
    secrets.push(peer.clone());
    let derived = client
        .derive_shared_secret()
        .key_id(&agreement)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(blob(&peer))
        .send()
        .await
        .unwrap();
    secrets.push(derived.shared_secret().unwrap().as_ref().to_vec());
    requests.push((
        "DeriveSharedSecret",
        derived.request_id().unwrap().to_owned(),
        vec![("keyAgreementAlgorithm", "ECDH")],
    ));

    let encapsulated = client
        .encapsulate()
        .key_id(&kem)
        .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
        .send()
        .await
        .unwrap();
    let kem_ciphertext = encapsulated
        .shared_secret_ciphertext_blob()
        .unwrap()
        .clone();
    secrets.push(encapsulated.shared_secret().unwrap().as_ref().to_vec());
    secrets.push(kem_ciphertext.as_ref().to_vec());
    requests.push((
        "Encapsulate",
        encapsulated.request_id().unwrap().to_owned(),
        vec![("encapsulationAlgorithm", "ML_KEM")],
    ));
    let decapsulated = client
        .decapsulate()
        .key_id(&kem)
        .shared_secret_ciphertext_blob(kem_ciphertext)
        .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
        .send()
        .await
        .unwrap();
    requests.push((
        "Decapsulate",
        decapsulated.request_id().unwrap().to_owned(),
        vec![("encapsulationAlgorithm", "ML_KEM")],
    ));

    let pair = client
        .generate_data_key_pair()
        .key_id(&symmetric)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .encryption_context("tenant", "blue")
        .send()
        .await
        .unwrap();
    secrets.push(pair.private_key_plaintext().unwrap().as_ref().to_vec());
    secrets.push(
        pair.private_key_ciphertext_blob()
            .unwrap()
            .as_ref()
            .to_vec(),
    );
    secrets.push(pair.public_key().unwrap().as_ref().to_vec());
    requests.push((
        "GenerateDataKeyPair",
        pair.request_id().unwrap().to_owned(),
        vec![("keyPairSpec", "ECC_NIST_P256")],
    ));
    let pair = client
        .generate_data_key_pair_without_plaintext()
        .key_id(&symmetric)
        .key_pair_spec(DataKeyPairSpec::EccNistEdwards25519)
        .send()
        .await
        .unwrap();
    secrets.push(
        pair.private_key_ciphertext_blob()
            .unwrap()
            .as_ref()
            .to_vec(),
    );
    secrets.push(pair.public_key().unwrap().as_ref().to_vec());
    requests.push((
        "GenerateDataKeyPairWithoutPlaintext",
        pair.request_id().unwrap().to_owned(),
        vec![("keyPairSpec", "ECC_NIST_EDWARDS25519")],
    ));
    // The public keys of the KMS keys themselves are not secret, but
    // CloudTrail does not log them either.
    let signing_public = public_key(&client, &signing).await;
    server.terminate();

    let all = audit_events(&server.data_dir().join("audit"));
    for (name, request_id, parameters) in &requests {
        let event = all
            .iter()
            .find(|e| e["requestID"] == request_id.as_str())
            .unwrap_or_else(|| panic!("no {name} event"));
        assert_eq!(event["eventName"], *name);
        assert!(event.get("errorCode").is_none(), "{name}: {event}");
        for (member, value) in parameters {
            assert_eq!(
                event["requestParameters"][member], *value,
                "{name}: {event}"
            );
        }
        assert_eq!(event["responseElements"], Value::Null, "{name}: {event}");
        let mut names = Vec::new();
        member_names(event, &mut names);
        for never in NEVER_LOGGED {
            assert!(
                !names.iter().any(|n| n == never),
                "{name} logs a {never} member: {event}"
            );
        }
    }
    let text: String = all.iter().map(Value::to_string).collect();
    for (index, secret) in secrets.iter().enumerate() {
        assert!(
            !text.contains(&b64(secret)),
            "secret #{index} reached the audit log"
        );
    }
    // The KMS keys' own public keys only ever went out in GetPublicKey's
    // answer, which is not recorded.
    assert!(!text.contains(&b64(&signing_public)));
}
