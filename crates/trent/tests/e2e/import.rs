//! Imported key material (BYOK) through the SDK: keys created with
//! `Origin=EXTERNAL`, material wrapped by the `openssl` CLI (an
//! implementation we did not write) to the public key GetParametersForImport
//! hands out, imported, used, deleted, expired by the test clock, re-imported
//! and rotated. Every check of a refusal names AWS's error code, and its
//! message where AWS's is known. Tests skip (with a note) without `openssl`.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::DateTime;
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, ImportState, ImportType, IncludeKeyMaterial,
    KeyMaterialState, KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, MessageType, OriginType,
    RotationType, SigningAlgorithmSpec, WrappingKeySpec,
};
use serde_json::json;
use trent_testkit::TestServer;

use crate::asymmetric::{arn, b64, public_key, raw, Openssl};
use crate::{blob, create_key, expect_error, server};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// Whether the `openssl` CLI can run; prints the skip note when it cannot.
pub(crate) fn have_openssl(test: &str) -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !ok {
        eprintln!("note: {test} skipped: the openssl CLI is not installed");
    }
    ok
}

fn clocked() -> TestServer {
    TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .test_clock()
        .start()
}

/// Seconds since the epoch, by the real clock (a test-clock server is this
/// plus however far the test advanced it).
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn random_bytes(n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut bytes)
        .unwrap();
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_material_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A file name no other call of this process uses.
fn unique(stem: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{stem}-{}.bin", NEXT.fetch_add(1, Ordering::SeqCst))
}

/// Creates a key with `Origin=EXTERNAL`; returns its id.
async fn create_external(client: &aws_sdk_kms::Client, spec: &str, usage: &str) -> String {
    create_external_request(client, spec, usage)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateKey EXTERNAL {spec} {usage}: {e:?}"))
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned()
}

/// CreateKey with `Origin=EXTERNAL`, to send.
fn create_external_request(
    client: &aws_sdk_kms::Client,
    spec: &str,
    usage: &str,
) -> aws_sdk_kms::operation::create_key::builders::CreateKeyFluentBuilder {
    client
        .create_key()
        .origin(OriginType::External)
        .key_spec(KeySpec::from(spec))
        .key_usage(KeyUsageType::from(usage))
}

async fn create_external_symmetric(client: &aws_sdk_kms::Client) -> String {
    create_external(client, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT").await
}

/// One GetParametersForImport answer.
struct Parameters {
    public_key: Vec<u8>,
    token: Vec<u8>,
}

async fn parameters(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    algorithm: &str,
    spec: &str,
) -> Parameters {
    let answer = client
        .get_parameters_for_import()
        .key_id(key_id)
        .wrapping_algorithm(AlgorithmSpec::from(algorithm))
        .wrapping_key_spec(WrappingKeySpec::from(spec))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetParametersForImport {algorithm} {spec}: {e:?}"));
    Parameters {
        public_key: answer.public_key().unwrap().as_ref().to_vec(),
        token: answer.import_token().unwrap().as_ref().to_vec(),
    }
}

/// RSAES-OAEP with SHA-256 (MGF1 SHA-256) of `material` to the DER public key,
/// by `openssl pkeyutl` as the Developer Guide does it.
fn wrap_oaep_sha256(openssl: &Openssl, public_key: &[u8], material: &[u8]) -> Vec<u8> {
    wrap_oaep(openssl, "sha256", public_key, material)
}

/// RSAES-OAEP with `hash` (`sha1`, `sha256`; MGF1 the same hash).
fn wrap_oaep(openssl: &Openssl, hash: &str, public_key: &[u8], material: &[u8]) -> Vec<u8> {
    let oaep_md = format!("rsa_oaep_md:{hash}");
    let mgf1_md = format!("rsa_mgf1_md:{hash}");
    let public = unique("WrappingPublicKey");
    let plain = unique("PlaintextKeyMaterial");
    let wrapped = unique("EncryptedKeyMaterial");
    openssl.write(&public, public_key);
    openssl.write(&plain, material);
    openssl.run(&[
        "pkeyutl",
        "-encrypt",
        "-in",
        &plain,
        "-out",
        &wrapped,
        "-inkey",
        &public,
        "-keyform",
        "DER",
        "-pubin",
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        &oaep_md,
        "-pkeyopt",
        &mgf1_md,
    ]);
    openssl.read(&wrapped)
}

/// RSA_AES_KEY_WRAP_SHA_256 as the Developer Guide does it: a random AES-256
/// key (`openssl rand`) wrapped with RSA-OAEP-SHA-256, followed by the
/// material wrapped with AES-KWP (`openssl enc -id-aes256-wrap-pad`).
fn wrap_rsa_aes_sha256(openssl: &Openssl, public_key: &[u8], material: &[u8]) -> Vec<u8> {
    wrap_rsa_aes(openssl, "sha256", public_key, material)
}

/// RSA_AES_KEY_WRAP_SHA_x: the AES key wrapped with RSA-OAEP-`hash`.
fn wrap_rsa_aes(openssl: &Openssl, hash: &str, public_key: &[u8], material: &[u8]) -> Vec<u8> {
    let aes_key = unique("aes-key");
    let plain = unique("PrivateKey");
    let kwp = unique("key-material-wrapped");
    openssl.write(&plain, material);
    openssl.run(&["rand", "-out", &aes_key, "32"]);
    let aes = openssl.read(&aes_key);
    assert_eq!(aes.len(), 32);
    openssl.run(&[
        "enc",
        "-id-aes256-wrap-pad",
        "-K",
        &hex(&aes),
        "-iv",
        "A65959A6",
        "-in",
        &plain,
        "-out",
        &kwp,
    ]);
    let mut wrapped = wrap_oaep(openssl, hash, public_key, &aes);
    wrapped.extend(openssl.read(&kwp));
    wrapped
}

/// What ImportKeyMaterial answers.
type ImportOutcome = Result<
    aws_sdk_kms::operation::import_key_material::ImportKeyMaterialOutput,
    aws_sdk_kms::error::SdkError<
        aws_sdk_kms::operation::import_key_material::ImportKeyMaterialError,
    >,
>;

/// ImportKeyMaterial of `wrapped` with `token`; the caller adds the rest.
fn import_request(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    token: &[u8],
    wrapped: &[u8],
) -> aws_sdk_kms::operation::import_key_material::builders::ImportKeyMaterialFluentBuilder {
    client
        .import_key_material()
        .key_id(key_id)
        .import_token(blob(token))
        .encrypted_key_material(blob(wrapped))
}

/// ImportKeyMaterial with `KEY_MATERIAL_DOES_NOT_EXPIRE`.
async fn import_forever(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    token: &[u8],
    wrapped: &[u8],
) -> ImportOutcome {
    import_request(client, key_id, token, wrapped)
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
}

/// ImportKeyMaterial of `NEW_KEY_MATERIAL` with `KEY_MATERIAL_DOES_NOT_EXPIRE`,
/// to send.
fn import_new(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    token: &[u8],
    wrapped: &[u8],
) -> aws_sdk_kms::operation::import_key_material::builders::ImportKeyMaterialFluentBuilder {
    import_request(client, key_id, token, wrapped)
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .import_type(ImportType::NewKeyMaterial)
}

/// Fresh parameters (RSAES_OAEP_SHA_256, RSA_2048) for `key_id` and
/// `material` wrapped by openssl to their public key: the import token and
/// the wrapped material.
async fn wrapped_oaep(
    client: &aws_sdk_kms::Client,
    openssl: &Openssl,
    key_id: &str,
    material: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let params = parameters(client, key_id, "RSAES_OAEP_SHA_256", "RSA_2048").await;
    let wrapped = wrap_oaep_sha256(openssl, &params.public_key, material);
    (params.token, wrapped)
}

/// GetParametersForImport of RSAES_OAEP_SHA_256 and RSA_2048, to send.
fn parameters_request(
    client: &aws_sdk_kms::Client,
    key_id: &str,
) -> aws_sdk_kms::operation::get_parameters_for_import::builders::GetParametersForImportFluentBuilder
{
    client
        .get_parameters_for_import()
        .key_id(key_id)
        .wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256)
        .wrapping_key_spec(WrappingKeySpec::Rsa2048)
}

/// Asserts that `result` failed with the AWS error `code` and `message`.
fn expect_refusal<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
    code: &str,
    message: &str,
) {
    assert_eq!(expect_error(result, code), message);
}

/// `<ARN> is pending import.`, AWS's message for a key waiting for material.
fn pending_import(server: &TestServer, key_id: &str) -> String {
    format!("{} is pending import.", arn(server, key_id))
}

/// A test that needs openssl: `None` (after the skip note) without it, else
/// the server `start` makes, its client and openssl's scratch folder.
fn with_openssl(
    test: &str,
    start: fn() -> TestServer,
) -> Option<(TestServer, aws_sdk_kms::Client, Openssl)> {
    if !have_openssl(test) {
        return None;
    }
    let server = start();
    let client = server.client();
    Some((server, client, Openssl::new()))
}

/// Fresh parameters (RSAES_OAEP_SHA_256, RSA_2048), `material` wrapped by
/// openssl, imported with no expiry; returns the KeyMaterialId.
async fn import_symmetric(
    client: &aws_sdk_kms::Client,
    openssl: &Openssl,
    key_id: &str,
    material: &[u8],
) -> String {
    let (token, wrapped) = wrapped_oaep(client, openssl, key_id, material).await;
    let answer = import_forever(client, key_id, &token, &wrapped)
        .await
        .unwrap_or_else(|e| panic!("ImportKeyMaterial: {e:?}"));
    answer.key_material_id().unwrap().to_owned()
}

/// Imports the PKCS#8 private key `der` into an asymmetric EXTERNAL key with
/// RSA_AES_KEY_WRAP_SHA_256 and an RSA_3072 wrapping key.
async fn import_private_key(
    client: &aws_sdk_kms::Client,
    openssl: &Openssl,
    key_id: &str,
    der: &[u8],
) -> ImportOutcome {
    let params = parameters(client, key_id, "RSA_AES_KEY_WRAP_SHA_256", "RSA_3072").await;
    let wrapped = wrap_rsa_aes_sha256(openssl, &params.public_key, der);
    import_forever(client, key_id, &params.token, &wrapped).await
}

async fn describe(client: &aws_sdk_kms::Client, key_id: &str) -> aws_sdk_kms::types::KeyMetadata {
    client
        .describe_key()
        .key_id(key_id)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .clone()
}

/// The key's state, by DescribeKey.
async fn key_state(client: &aws_sdk_kms::Client, key_id: &str) -> Option<KeyState> {
    describe(client, key_id).await.key_state().cloned()
}

async fn delete_material(
    client: &aws_sdk_kms::Client,
    key_id: &str,
) -> aws_sdk_kms::operation::delete_imported_key_material::DeleteImportedKeyMaterialOutput {
    client
        .delete_imported_key_material()
        .key_id(key_id)
        .send()
        .await
        .unwrap()
}

async fn rotate(
    client: &aws_sdk_kms::Client,
    key_id: &str,
) -> aws_sdk_kms::operation::rotate_key_on_demand::RotateKeyOnDemandOutput {
    client
        .rotate_key_on_demand()
        .key_id(key_id)
        .send()
        .await
        .unwrap()
}

/// Decrypt of `ciphertext`, to send.
fn decrypt_request(
    client: &aws_sdk_kms::Client,
    ciphertext: &[u8],
) -> aws_sdk_kms::operation::decrypt::builders::DecryptFluentBuilder {
    client.decrypt().ciphertext_blob(blob(ciphertext))
}

/// The key has lost its material: PendingImport, disabled, no expiration
/// model, and `ciphertext` is refused with `<ARN> is pending import.`
async fn assert_waits_for_material(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    key_arn: &str,
    ciphertext: &[u8],
) {
    let metadata = describe(client, key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::PendingImport));
    assert!(!metadata.enabled());
    assert_eq!(metadata.expiration_model(), None);
    expect_refusal(
        decrypt_request(client, ciphertext).send().await,
        "KMSInvalidStateException",
        &format!("{key_arn} is pending import."),
    );
}

/// The key is PendingDeletion and GetParametersForImport refuses it with
/// `<ARN> is pending deletion.`
async fn assert_pending_deletion(client: &aws_sdk_kms::Client, key_id: &str, key_arn: &str) {
    assert_eq!(
        key_state(client, key_id).await,
        Some(KeyState::PendingDeletion)
    );
    expect_refusal(
        parameters_request(client, key_id).send().await,
        "KMSInvalidStateException",
        &format!("{key_arn} is pending deletion."),
    );
}

/// The key is enabled with material that expires at `valid_to`.
async fn assert_expires_at(client: &aws_sdk_kms::Client, key_id: &str, valid_to: i64) {
    let metadata = describe(client, key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        metadata.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(metadata.valid_to().map(DateTime::secs), Some(valid_to));
}

async fn encrypt(client: &aws_sdk_kms::Client, key_id: &str, text: &[u8]) -> Vec<u8> {
    client
        .encrypt()
        .key_id(key_id)
        .plaintext(blob(text))
        .send()
        .await
        .unwrap_or_else(|e| panic!("Encrypt: {e:?}"))
        .ciphertext_blob()
        .unwrap()
        .as_ref()
        .to_vec()
}

async fn decrypt(client: &aws_sdk_kms::Client, ciphertext: &[u8]) -> Vec<u8> {
    decrypt_request(client, ciphertext)
        .send()
        .await
        .unwrap_or_else(|e| panic!("Decrypt: {e:?}"))
        .plaintext()
        .unwrap()
        .as_ref()
        .to_vec()
}

/// A private key made by `openssl genpkey <args>`, converted as the Developer
/// Guide does (`openssl pkcs8 -topk8 -outform der -nocrypt`); the PEM file's
/// name and the PKCS#8 DER bytes.
fn private_key(openssl: &Openssl, name: &str, genpkey: &[&str]) -> (String, Vec<u8>) {
    let pem = format!("{name}.pem");
    let der = format!("{name}.der");
    let mut args = vec!["genpkey"];
    args.extend_from_slice(genpkey);
    args.extend_from_slice(&["-out", &pem]);
    openssl.run(&args);
    openssl.run(&[
        "pkcs8", "-topk8", "-outform", "der", "-nocrypt", "-in", &pem, "-out", &der,
    ]);
    (pem, openssl.read(&der))
}

/// An EC private key on `curve` (`P-256`, `P-384`), as [`private_key`].
fn ec_private_key(openssl: &Openssl, name: &str, curve: &str) -> (String, Vec<u8>) {
    let curve = format!("ec_paramgen_curve:{curve}");
    private_key(openssl, name, &["-algorithm", "EC", "-pkeyopt", &curve])
}

/// An RSA private key of `bits` bits, as [`private_key`].
fn rsa_private_key(openssl: &Openssl, name: &str, bits: u32) -> (String, Vec<u8>) {
    let bits = format!("rsa_keygen_bits:{bits}");
    private_key(openssl, name, &["-algorithm", "RSA", "-pkeyopt", &bits])
}

/// `openssl pkey -pubout -outform der` of the private key in `pem`.
fn openssl_public_der(openssl: &Openssl, pem: &str) -> Vec<u8> {
    let out = format!("{pem}.pub.der");
    openssl.run(&[
        "pkey", "-in", pem, "-pubout", "-outform", "der", "-out", &out,
    ]);
    openssl.read(&out)
}

// --- AES-256-GCM by hand (openssl's block cipher and CTR mode, GHASH here),
// --- to read and write ciphertexts of docs/ciphertext-format.md offline.

fn aes_ecb_block(openssl: &Openssl, key: &[u8], block: [u8; 16]) -> u128 {
    let input = unique("block");
    let output = unique("block-out");
    openssl.write(&input, &block);
    openssl.run(&[
        "enc",
        "-aes-256-ecb",
        "-nopad",
        "-K",
        &hex(key),
        "-in",
        &input,
        "-out",
        &output,
    ]);
    u128::from_be_bytes(openssl.read(&output).try_into().unwrap())
}

/// AES-256-CTR of `data` from the counter block `iv || 00000002` (GCM's
/// first data block for a 96-bit IV).
fn gcm_ctr(openssl: &Openssl, key: &[u8], iv: &[u8], data: &[u8]) -> Vec<u8> {
    let input = unique("ctr");
    let output = unique("ctr-out");
    openssl.write(&input, data);
    openssl.run(&[
        "enc",
        "-aes-256-ctr",
        "-K",
        &hex(key),
        "-iv",
        &format!("{}00000002", hex(iv)),
        "-in",
        &input,
        "-out",
        &output,
    ]);
    openssl.read(&output)
}

fn gf_mul(x: u128, y: u128) -> u128 {
    let mut z = 0u128;
    let mut v = y;
    for i in 0..128 {
        if (x >> (127 - i)) & 1 == 1 {
            z ^= v;
        }
        v = if v & 1 == 1 {
            (v >> 1) ^ (0xE1u128 << 120)
        } else {
            v >> 1
        };
    }
    z
}

fn ghash(h: u128, aad: &[u8], ciphertext: &[u8]) -> u128 {
    let mut y = 0u128;
    for part in [aad, ciphertext] {
        for chunk in part.chunks(16) {
            let mut block = [0u8; 16];
            block[..chunk.len()].copy_from_slice(chunk);
            y = gf_mul(y ^ u128::from_be_bytes(block), h);
        }
    }
    let lengths = ((aad.len() as u128 * 8) << 64) | (ciphertext.len() as u128 * 8);
    gf_mul(y ^ lengths, h)
}

fn gcm_tag(openssl: &Openssl, key: &[u8], iv: &[u8], aad: &[u8], ciphertext: &[u8]) -> [u8; 16] {
    let h = aes_ecb_block(openssl, key, [0u8; 16]);
    let mut j0 = [0u8; 16];
    j0[..12].copy_from_slice(iv);
    j0[15] = 1;
    (aes_ecb_block(openssl, key, j0) ^ ghash(h, aad, ciphertext)).to_be_bytes()
}

/// The AAD of a blob with an empty encryption context: the 21-byte header
/// and a zero pair count.
fn aad(header: &[u8]) -> Vec<u8> {
    let mut aad = header[..21].to_vec();
    aad.extend_from_slice(&[0, 0, 0, 0]);
    aad
}

/// Opens a Trent ciphertext blob (no encryption context) with `key`; `None`
/// when the tag does not match.
fn gcm_open(openssl: &Openssl, key: &[u8], blob: &[u8]) -> Option<Vec<u8>> {
    let (header, rest) = blob.split_at(21);
    let (iv, rest) = rest.split_at(12);
    let (ciphertext, tag) = rest.split_at(rest.len() - 16);
    if gcm_tag(openssl, key, iv, &aad(header), ciphertext) != tag {
        return None;
    }
    Some(gcm_ctr(openssl, key, iv, ciphertext))
}

/// Seals `plaintext` as a Trent ciphertext blob with `header` (version, key
/// id, material version), under `key`.
fn gcm_seal(openssl: &Openssl, key: &[u8], header: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let iv = random_bytes(12);
    let ciphertext = gcm_ctr(openssl, key, &iv, plaintext);
    let tag = gcm_tag(openssl, key, &iv, &aad(header), &ciphertext);
    let mut blob = header[..21].to_vec();
    blob.extend_from_slice(&iv);
    blob.extend_from_slice(&ciphertext);
    blob.extend_from_slice(&tag);
    blob
}

// --- 1. Symmetric BYOK ---

#[tokio::test]
async fn symmetric_material_wrapped_by_openssl_imports_and_encrypts() {
    let Some((mut server, client, openssl)) = with_openssl(
        "symmetric_material_wrapped_by_openssl_imports_and_encrypts",
        server,
    ) else {
        return;
    };
    let created = client
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap();
    let metadata = created.key_metadata().unwrap();
    let key_id = metadata.key_id().to_owned();
    let key_arn = arn(&server, &key_id);
    assert_eq!(metadata.key_state(), Some(&KeyState::PendingImport));
    assert!(!metadata.enabled());
    assert_eq!(metadata.origin(), Some(&OriginType::External));
    assert_eq!(metadata.expiration_model(), None);
    assert_eq!(metadata.current_key_material_id(), None);
    assert_eq!(
        key_state(&client, &key_id).await,
        Some(KeyState::PendingImport)
    );

    let before = now();
    let answer = parameters_request(&client, &key_id).send().await.unwrap();
    assert_eq!(answer.key_id(), Some(key_arn.as_str()));
    let valid_to = answer.parameters_valid_to().unwrap().secs();
    assert!(
        (before + DAY - 5..=now() + DAY + 5).contains(&valid_to),
        "ParametersValidTo {valid_to} is not now + 24 h ({before})"
    );
    let public_key = answer.public_key().unwrap().as_ref().to_vec();
    let token = answer.import_token().unwrap().as_ref().to_vec();
    // openssl reads the public key as a 2048-bit RSA SubjectPublicKeyInfo.
    openssl.write("WrappingPublicKey.der", &public_key);
    let text = openssl.run(&[
        "pkey",
        "-pubin",
        "-inform",
        "DER",
        "-in",
        "WrappingPublicKey.der",
        "-noout",
        "-text",
    ]);
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    // Each call makes a fresh wrapping key.
    let again = parameters(&client, &key_id, "RSAES_OAEP_SHA_256", "RSA_2048").await;
    assert_ne!(again.public_key, public_key);

    let material = random_bytes(32);
    let wrapped = wrap_oaep_sha256(&openssl, &public_key, &material);
    let imported = import_forever(&client, &key_id, &token, &wrapped)
        .await
        .unwrap();
    assert_eq!(imported.key_id(), Some(key_arn.as_str()));
    let material_id = imported.key_material_id().unwrap().to_owned();
    assert!(is_material_id(&material_id), "{material_id}");

    let metadata = describe(&client, &key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert!(metadata.enabled());
    assert_eq!(
        metadata.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(metadata.valid_to(), None);
    assert_eq!(
        metadata.current_key_material_id(),
        Some(material_id.as_str())
    );

    let ciphertext = encrypt(&client, &key_id, b"bring your own key").await;
    assert_eq!(decrypt(&client, &ciphertext).await, b"bring your own key");
    let data_key = client
        .generate_data_key()
        .key_id(&key_id)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    assert_eq!(
        decrypt(&client, data_key.ciphertext_blob().unwrap().as_ref()).await,
        data_key.plaintext().unwrap().as_ref()
    );

    // The imported material and its metadata survive a restart.
    server.restart();
    let client = server.client();
    let metadata = describe(&client, &key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        metadata.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(
        metadata.current_key_material_id(),
        Some(material_id.as_str())
    );
    assert_eq!(decrypt(&client, &ciphertext).await, b"bring your own key");
    let after = encrypt(&client, &key_id, b"after the restart").await;
    assert_eq!(decrypt(&client, &after).await, b"after the restart");
}

/// Trent's ciphertexts are AES-256-GCM under the key's material
/// (docs/ciphertext-format.md); an imported key's are under the very bytes
/// imported: openssl opens Trent's ciphertext with them, and Trent decrypts
/// a ciphertext made offline with them.
#[tokio::test]
async fn the_imported_bytes_are_the_aes_key_of_its_ciphertexts() {
    let Some((_server, client, openssl)) = with_openssl(
        "the_imported_bytes_are_the_aes_key_of_its_ciphertexts",
        server,
    ) else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let material = random_bytes(32);
    import_symmetric(&client, &openssl, &key_id, &material).await;

    let ciphertext = encrypt(&client, &key_id, b"opened offline").await;
    assert_eq!(
        gcm_open(&openssl, &material, &ciphertext).as_deref(),
        Some(&b"opened offline"[..]),
        "the ciphertext is not AES-256-GCM under the imported bytes"
    );
    assert_eq!(gcm_open(&openssl, &random_bytes(32), &ciphertext), None);

    let forged = gcm_seal(&openssl, &material, &ciphertext[..21], b"sealed offline");
    assert_eq!(decrypt(&client, &forged).await, b"sealed offline");
    let wrong = gcm_seal(&openssl, &random_bytes(32), &ciphertext[..21], b"x");
    expect_error(
        decrypt_request(&client, &wrong).send().await,
        "InvalidCiphertextException",
    );
}

#[tokio::test]
async fn deleted_material_comes_back_only_as_the_same_bytes() {
    let Some((server, client, openssl)) =
        with_openssl("deleted_material_comes_back_only_as_the_same_bytes", server)
    else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let key_arn = arn(&server, &key_id);
    let material = random_bytes(32);
    let material_id = import_symmetric(&client, &openssl, &key_id, &material).await;
    let ciphertext = encrypt(&client, &key_id, b"made before the deletion").await;

    // Different bytes into a key that has material.
    let (token, other) = wrapped_oaep(&client, &openssl, &key_id, &random_bytes(32)).await;
    expect_error(
        import_forever(&client, &key_id, &token, &other).await,
        "IncorrectKeyMaterialException",
    );

    let deleted = delete_material(&client, &key_id).await;
    assert_eq!(deleted.key_id(), Some(key_arn.as_str()));
    assert_eq!(deleted.key_material_id(), Some(material_id.as_str()));
    assert_waits_for_material(&client, &key_id, &key_arn, &ciphertext).await;

    // Different bytes after the deletion: the key stays bound to its material.
    let (token, other) = wrapped_oaep(&client, &openssl, &key_id, &random_bytes(32)).await;
    expect_error(
        import_forever(&client, &key_id, &token, &other).await,
        "IncorrectKeyMaterialException",
    );
    assert_eq!(
        key_state(&client, &key_id).await,
        Some(KeyState::PendingImport)
    );

    // The same bytes again: the same KeyMaterialId, the old ciphertext decrypts.
    let again = import_symmetric(&client, &openssl, &key_id, &material).await;
    assert_eq!(again, material_id);
    let metadata = describe(&client, &key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        metadata.current_key_material_id(),
        Some(material_id.as_str())
    );
    assert_eq!(
        decrypt(&client, &ciphertext).await,
        b"made before the deletion"
    );
}

#[tokio::test]
async fn deleting_material_of_a_key_pending_deletion_keeps_it_pending_deletion() {
    let Some((server, client, openssl)) = with_openssl(
        "deleting_material_of_a_key_pending_deletion_keeps_it_pending_deletion",
        server,
    ) else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let key_arn = arn(&server, &key_id);
    import_symmetric(&client, &openssl, &key_id, &random_bytes(32)).await;
    client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    delete_material(&client, &key_id).await;
    assert_pending_deletion(&client, &key_id, &key_arn).await;
}

// --- 2. Refusals ---

#[tokio::test]
async fn external_origin_is_offered_for_the_specs_aws_imports() {
    let server = server();
    let client = server.client();
    for (spec, usage) in [
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
        ("HMAC_224", "GENERATE_VERIFY_MAC"),
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
        ("HMAC_384", "GENERATE_VERIFY_MAC"),
        ("HMAC_512", "GENERATE_VERIFY_MAC"),
        ("RSA_2048", "ENCRYPT_DECRYPT"),
        ("RSA_3072", "SIGN_VERIFY"),
        ("RSA_4096", "SIGN_VERIFY"),
        ("ECC_NIST_P256", "SIGN_VERIFY"),
        ("ECC_NIST_P384", "KEY_AGREEMENT"),
        ("ECC_NIST_P521", "SIGN_VERIFY"),
        ("ECC_SECG_P256K1", "SIGN_VERIFY"),
    ] {
        let key_id = create_external(&client, spec, usage).await;
        let metadata = describe(&client, &key_id).await;
        assert_eq!(
            metadata.key_state(),
            Some(&KeyState::PendingImport),
            "{spec}"
        );
        assert!(!metadata.enabled(), "{spec}");
        assert_eq!(metadata.origin(), Some(&OriginType::External), "{spec}");
        assert_eq!(metadata.expiration_model(), None, "{spec}");
        assert_eq!(metadata.current_key_material_id(), None, "{spec}");
    }
    for (spec, usage) in [
        ("ML_DSA_44", "SIGN_VERIFY"),
        ("ML_DSA_87", "SIGN_VERIFY"),
        ("ML_KEM_768", "ENCAPSULATE_DECAPSULATE"),
        ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"),
    ] {
        expect_error(
            create_external_request(&client, spec, usage).send().await,
            "UnsupportedOperationException",
        );
    }
}

#[tokio::test]
async fn get_parameters_for_import_refuses_what_cannot_be_imported() {
    let server = server();
    let client = server.client();
    let aws_kms = create_key(&client).await;
    let aws_kms_arn = arn(&server, &aws_kms);
    // Exactly AWS's answer on the wire.
    let (status, body) = raw(
        &server,
        "GetParametersForImport",
        &json!({
            "KeyId": aws_kms,
            "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
            "WrappingKeySpec": "RSA_2048",
        }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "UnsupportedOperationException", "{body}");
    assert_eq!(
        body["message"],
        format!("{aws_kms_arn} origin is AWS_KMS which is not valid for this operation."),
        "{body}"
    );
    expect_refusal(
        client
            .delete_imported_key_material()
            .key_id(&aws_kms)
            .send()
            .await,
        "UnsupportedOperationException",
        &format!("{aws_kms_arn} origin is AWS_KMS which is not valid for this operation."),
    );

    let external = create_external_symmetric(&client).await;
    for (algorithm, spec) in [
        ("RSAES_PKCS1_V1_5", "RSA_2048"),
        ("SM2PKE", "SM2"),
        ("RSAES_OAEP_SHA_256", "SM2"),
    ] {
        expect_error(
            client
                .get_parameters_for_import()
                .key_id(&external)
                .wrapping_algorithm(AlgorithmSpec::from(algorithm))
                .wrapping_key_spec(WrappingKeySpec::from(spec))
                .send()
                .await,
            "UnsupportedOperationException",
        );
    }
    // The other algorithms and sizes are offered.
    for (algorithm, spec) in [
        ("RSAES_OAEP_SHA_1", "RSA_3072"),
        ("RSA_AES_KEY_WRAP_SHA_1", "RSA_2048"),
        ("RSA_AES_KEY_WRAP_SHA_256", "RSA_4096"),
    ] {
        parameters(&client, &external, algorithm, spec).await;
    }
}

/// AWS's key-state table: a key waiting for its material can still be
/// scheduled for deletion (a key created with Origin=EXTERNAL by mistake
/// must not be undeletable); then GetParametersForImport is refused as for
/// any key pending deletion.
#[tokio::test]
async fn a_key_pending_import_can_be_scheduled_for_deletion() {
    let server = server();
    let client = server.client();
    let key_id = create_external_symmetric(&client).await;
    let scheduled = client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await;
    let scheduled = match scheduled {
        Ok(scheduled) => scheduled,
        Err(error) => panic!(
            "ScheduleKeyDeletion of a PendingImport key refused: {}",
            outcome::<(), _>(Err(error)).unwrap_err()
        ),
    };
    assert_eq!(scheduled.key_state(), Some(&KeyState::PendingDeletion));
    assert_pending_deletion(&client, &key_id, &arn(&server, &key_id)).await;
}

/// An SDK outcome as `Ok`, or the error's code and message.
fn outcome<T, E: aws_sdk_kms::error::ProvideErrorMetadata>(
    result: Result<T, E>,
) -> Result<(), String> {
    result
        .map(|_| ())
        .map_err(|e| format!("{} {}", e.code().unwrap_or("?"), e.message().unwrap_or("")))
}

/// AWS's key-state table (Pending Import column): a key waiting for its
/// material can be tagged, described, aliased.
#[tokio::test]
async fn a_key_pending_import_can_be_tagged_described_and_aliased() {
    let server = server();
    let client = server.client();
    let key_id = create_external_symmetric(&client).await;
    let other = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/moved")
        .target_key_id(&other)
        .send()
        .await
        .unwrap();
    let tag = aws_sdk_kms::types::Tag::builder()
        .tag_key("team")
        .tag_value("byok")
        .build()
        .unwrap();
    let outcomes = [
        (
            "TagResource",
            outcome(client.tag_resource().key_id(&key_id).tags(tag).send().await),
        ),
        (
            "UntagResource",
            outcome(
                client
                    .untag_resource()
                    .key_id(&key_id)
                    .tag_keys("team")
                    .send()
                    .await,
            ),
        ),
        (
            "UpdateKeyDescription",
            outcome(
                client
                    .update_key_description()
                    .key_id(&key_id)
                    .description("waiting for its material")
                    .send()
                    .await,
            ),
        ),
        (
            "CreateAlias",
            outcome(
                client
                    .create_alias()
                    .alias_name("alias/pending")
                    .target_key_id(&key_id)
                    .send()
                    .await,
            ),
        ),
        (
            "UpdateAlias",
            outcome(
                client
                    .update_alias()
                    .alias_name("alias/moved")
                    .target_key_id(&key_id)
                    .send()
                    .await,
            ),
        ),
    ];
    let refused: Vec<String> = outcomes
        .iter()
        .filter_map(|(operation, outcome)| {
            outcome
                .as_ref()
                .err()
                .map(|error| format!("{operation}: {error}"))
        })
        .collect();
    assert!(
        refused.is_empty(),
        "refused on a PendingImport key:\n{}",
        refused.join("\n")
    );
}

/// AWS's key-state table: EnableKey, DisableKey and CreateGrant refuse a key
/// pending import with `<ARN> is pending import.`
#[tokio::test]
async fn a_key_pending_import_cannot_be_enabled_disabled_or_granted() {
    let server = server();
    let client = server.client();
    let key_id = create_external_symmetric(&client).await;
    let pending = pending_import(&server, &key_id);
    expect_refusal(
        client.enable_key().key_id(&key_id).send().await,
        "KMSInvalidStateException",
        &pending,
    );
    expect_refusal(
        client.disable_key().key_id(&key_id).send().await,
        "KMSInvalidStateException",
        &pending,
    );
    expect_refusal(
        client
            .create_grant()
            .key_id(&key_id)
            .grantee_principal(format!("arn:aws:iam::{}:root", server.account()))
            .operations(aws_sdk_kms::types::GrantOperation::Encrypt)
            .send()
            .await,
        "KMSInvalidStateException",
        &pending,
    );
    assert_eq!(
        key_state(&client, &key_id).await,
        Some(KeyState::PendingImport)
    );
}

#[tokio::test]
async fn an_import_token_belongs_to_one_key_and_one_import() {
    let Some((_server, client, openssl)) =
        with_openssl("an_import_token_belongs_to_one_key_and_one_import", server)
    else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let other_key = create_external_symmetric(&client).await;
    let material = random_bytes(32);

    // The other key's token (and material wrapped to its public key).
    let theirs = parameters(&client, &other_key, "RSAES_OAEP_SHA_256", "RSA_2048").await;
    let wrapped = wrap_oaep_sha256(&openssl, &theirs.public_key, &material);
    expect_error(
        import_forever(&client, &key_id, &theirs.token, &wrapped).await,
        "InvalidImportTokenException",
    );
    // Garbage, and a real token with a changed byte.
    let (ours_token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
    expect_error(
        import_forever(&client, &key_id, &random_bytes(ours_token.len()), &wrapped).await,
        "InvalidImportTokenException",
    );
    expect_error(
        import_forever(&client, &key_id, b"not a token", &wrapped).await,
        "InvalidImportTokenException",
    );
    let mut changed = ours_token.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 1;
    expect_error(
        import_forever(&client, &key_id, &changed, &wrapped).await,
        "InvalidImportTokenException",
    );
    assert_eq!(
        key_state(&client, &key_id).await,
        Some(KeyState::PendingImport)
    );

    // The right token works once.
    import_forever(&client, &key_id, &ours_token, &wrapped)
        .await
        .unwrap();
    expect_error(
        import_forever(&client, &key_id, &ours_token, &wrapped).await,
        "InvalidImportTokenException",
    );
    // Still once after a deletion, when the same import would otherwise restore the key.
    delete_material(&client, &key_id).await;
    expect_error(
        import_forever(&client, &key_id, &ours_token, &wrapped).await,
        "InvalidImportTokenException",
    );
    // The other key's token still serves the other key.
    let wrapped = wrap_oaep_sha256(&openssl, &theirs.public_key, &material);
    import_forever(&client, &other_key, &theirs.token, &wrapped)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_import_token_expires_after_24_hours() {
    let Some((server, client, openssl)) =
        with_openssl("an_import_token_expires_after_24_hours", clocked)
    else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let material = random_bytes(32);
    let (stale_token, stale_wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
    // Another key's token, used just before its 24 hours end, still works.
    let other_key = create_external_symmetric(&client).await;
    let (fresh_token, fresh_wrapped) = wrapped_oaep(&client, &openssl, &other_key, &material).await;
    server.advance_clock(86_340).await;
    import_forever(&client, &other_key, &fresh_token, &fresh_wrapped)
        .await
        .unwrap_or_else(|e| panic!("a 23 h 59 min old token: {e:?}"));
    server.advance_clock(61).await;
    expect_error(
        import_forever(&client, &key_id, &stale_token, &stale_wrapped).await,
        "ExpiredImportTokenException",
    );
    // A token fetched now is valid until now + 24 h by the server's clock.
    let answer = parameters_request(&client, &key_id).send().await.unwrap();
    let valid_to = answer.parameters_valid_to().unwrap().secs();
    let expected = now() + 86_340 + 61 + DAY;
    assert!(
        (expected - 10..=expected + 10).contains(&valid_to),
        "ParametersValidTo {valid_to}, expected about {expected}"
    );
    let wrapped = wrap_oaep_sha256(&openssl, answer.public_key().unwrap().as_ref(), &material);
    import_forever(
        &client,
        &key_id,
        answer.import_token().unwrap().as_ref(),
        &wrapped,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn material_that_does_not_unwrap_is_invalid_ciphertext() {
    let Some((_server, client, openssl)) = with_openssl(
        "material_that_does_not_unwrap_is_invalid_ciphertext",
        server,
    ) else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let material = random_bytes(32);

    // Wrapped to another call's public key.
    let first = parameters(&client, &key_id, "RSAES_OAEP_SHA_256", "RSA_2048").await;
    let (_, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
    expect_error(
        import_forever(&client, &key_id, &first.token, &wrapped).await,
        "InvalidCiphertextException",
    );
    // A changed byte.
    let (token, mut wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
    wrapped[10] ^= 0x40;
    expect_error(
        import_forever(&client, &key_id, &token, &wrapped).await,
        "InvalidCiphertextException",
    );
    // Wrapped with the other OAEP hash than the token's algorithm.
    let params = parameters(&client, &key_id, "RSAES_OAEP_SHA_1", "RSA_2048").await;
    let wrapped = wrap_oaep_sha256(&openssl, &params.public_key, &material);
    expect_error(
        import_forever(&client, &key_id, &params.token, &wrapped).await,
        "InvalidCiphertextException",
    );
    assert_eq!(
        key_state(&client, &key_id).await,
        Some(KeyState::PendingImport)
    );
}

#[tokio::test]
async fn material_of_the_wrong_size_or_kind_is_incorrect_key_material() {
    let Some((_server, client, openssl)) = with_openssl(
        "material_of_the_wrong_size_or_kind_is_incorrect_key_material",
        server,
    ) else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    for size in [16, 31, 33, 64] {
        let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &random_bytes(size)).await;
        expect_error(
            import_forever(&client, &key_id, &token, &wrapped).await,
            "IncorrectKeyMaterialException",
        );
    }
    let hmac = create_external(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &hmac, &random_bytes(28)).await;
    expect_error(
        import_forever(&client, &hmac, &token, &wrapped).await,
        "IncorrectKeyMaterialException",
    );
    // An EC private key into an RSA key, a P-384 key into a P-256 key.
    let rsa = create_external(&client, "RSA_2048", "SIGN_VERIFY").await;
    let (_, ec_p256) = ec_private_key(&openssl, "p256", "P-256");
    expect_error(
        import_private_key(&client, &openssl, &rsa, &ec_p256).await,
        "IncorrectKeyMaterialException",
    );
    let p256 = create_external(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let (_, ec_p384) = ec_private_key(&openssl, "p384", "P-384");
    expect_error(
        import_private_key(&client, &openssl, &p256, &ec_p384).await,
        "IncorrectKeyMaterialException",
    );
    for key in [&key_id, &hmac, &rsa, &p256] {
        assert_eq!(key_state(&client, key).await, Some(KeyState::PendingImport));
    }
}

#[tokio::test]
async fn expiring_material_needs_a_valid_to_within_a_year() {
    let Some((server, client, openssl)) =
        with_openssl("expiring_material_needs_a_valid_to_within_a_year", server)
    else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let material = random_bytes(32);

    // Neither ExpirationModel nor ValidTo: the default model expires. On the wire.
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
    let (status, body) = raw(
        &server,
        "ImportKeyMaterial",
        &json!({
            "KeyId": key_id,
            "ImportToken": b64(&token),
            "EncryptedKeyMaterial": b64(&wrapped),
        }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "ValidationException", "{body}");
    assert_eq!(
        body["message"],
        "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        "{body}"
    );
    // The same through the SDK, model given explicitly.
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
    expect_refusal(
        import_request(&client, &key_id, &token, &wrapped)
            .expiration_model(ExpirationModelType::KeyMaterialExpires)
            .send()
            .await,
        "ValidationException",
        "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
    );

    // ValidTo with DOES_NOT_EXPIRE, in the past, more than 365 days ahead.
    for (model, valid_to) in [
        (ExpirationModelType::KeyMaterialDoesNotExpire, now() + DAY),
        (ExpirationModelType::KeyMaterialExpires, now() - HOUR),
        (ExpirationModelType::KeyMaterialExpires, now() + 366 * DAY),
    ] {
        let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
        expect_error(
            import_request(&client, &key_id, &token, &wrapped)
                .expiration_model(model.clone())
                .valid_to(DateTime::from_secs(valid_to))
                .send()
                .await,
            "ValidationException",
        );
    }
    assert_eq!(
        key_state(&client, &key_id).await,
        Some(KeyState::PendingImport)
    );
    // A year ahead less a day is accepted.
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
    let valid_to = now() + 364 * DAY;
    import_request(&client, &key_id, &token, &wrapped)
        .valid_to(DateTime::from_secs(valid_to))
        .send()
        .await
        .unwrap();
    assert_expires_at(&client, &key_id, valid_to).await;
}

#[tokio::test]
async fn a_key_pending_import_refuses_cryptography() {
    let server = server();
    let client = server.client();
    let key_id = create_external_symmetric(&client).await;
    let key_arn = arn(&server, &key_id);
    let pending = format!("{key_arn} is pending import.");
    let (status, body) = raw(
        &server,
        "Encrypt",
        &json!({ "KeyId": key_id, "Plaintext": b64(b"nothing yet") }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "KMSInvalidStateException", "{body}");
    assert_eq!(body["message"], pending, "{body}");
    expect_refusal(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"nothing yet"))
            .send()
            .await,
        "KMSInvalidStateException",
        &pending,
    );
    expect_refusal(
        client
            .generate_data_key()
            .key_id(&key_id)
            .number_of_bytes(32)
            .send()
            .await,
        "KMSInvalidStateException",
        &pending,
    );

    let signer = create_external(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    expect_refusal(
        client
            .sign()
            .key_id(&signer)
            .message(blob(b"m"))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await,
        "KMSInvalidStateException",
        &pending_import(&server, &signer),
    );
    let mac = create_external(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    expect_refusal(
        client
            .generate_mac()
            .key_id(&mac)
            .message(blob(b"m"))
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .send()
            .await,
        "KMSInvalidStateException",
        &pending_import(&server, &mac),
    );
}

// --- 3. Expiry by the clock ---

#[tokio::test]
async fn expired_material_is_deleted_and_the_same_bytes_restore_the_key() {
    let Some((server, client, openssl)) = with_openssl(
        "expired_material_is_deleted_and_the_same_bytes_restore_the_key",
        clocked,
    ) else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    // A --dev server's keys are in the account its access key names (not the
    // one it printed), so the ARN comes from the key itself.
    let key_arn = describe(&client, &key_id).await.arn().unwrap().to_owned();
    let material = random_bytes(32);
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material).await;
    let valid_to = now() + HOUR;
    let imported = import_request(&client, &key_id, &token, &wrapped)
        .expiration_model(ExpirationModelType::KeyMaterialExpires)
        .valid_to(DateTime::from_secs(valid_to))
        .send()
        .await
        .unwrap();
    let material_id = imported.key_material_id().unwrap().to_owned();
    assert_expires_at(&client, &key_id, valid_to).await;
    let entries = all_material(&client, &key_id).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let listed = entry(&entries, &material_id);
    assert_eq!(
        listed.import_state(),
        Some(&ImportState::Imported),
        "{listed:?}"
    );
    assert_eq!(
        listed.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires),
        "{listed:?}"
    );
    assert_eq!(
        listed.valid_to().map(DateTime::secs),
        Some(valid_to),
        "{listed:?}"
    );
    assert_eq!(
        listed.key_material_state(),
        Some(&KeyMaterialState::Current),
        "{listed:?}"
    );
    let ciphertext = encrypt(&client, &key_id, b"before expiry").await;

    // Not yet: half an hour on, the material is there.
    server.advance_clock(1_800).await;
    assert_eq!(key_state(&client, &key_id).await, Some(KeyState::Enabled));
    server.advance_clock(5_400).await;
    assert_waits_for_material(&client, &key_id, &key_arn, &ciphertext).await;
    let entries = all_material(&client, &key_id).await;
    assert_eq!(
        entry(&entries, &material_id).import_state(),
        Some(&ImportState::PendingImport),
        "{entries:?}"
    );

    // The token of the first import is spent; a fresh one brings the key back.
    let again = import_symmetric(&client, &openssl, &key_id, &material).await;
    assert_eq!(again, material_id);
    let metadata = describe(&client, &key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        metadata.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(metadata.valid_to(), None);
    assert_eq!(decrypt(&client, &ciphertext).await, b"before expiry");
    // Material that does not expire stays.
    server.advance_clock(400 * DAY as u64).await;
    assert_eq!(decrypt(&client, &ciphertext).await, b"before expiry");
}

/// The SHA-1 variants of both wrapping algorithms, and wrapping keys of
/// every size.
#[tokio::test]
async fn sha1_wrappings_and_every_wrapping_key_size_import() {
    let Some((_server, client, openssl)) =
        with_openssl("sha1_wrappings_and_every_wrapping_key_size_import", server)
    else {
        return;
    };
    for (algorithm, hash, spec) in [
        ("RSAES_OAEP_SHA_1", "sha1", "RSA_2048"),
        ("RSAES_OAEP_SHA_1", "sha1", "RSA_3072"),
        ("RSAES_OAEP_SHA_256", "sha256", "RSA_4096"),
    ] {
        let key_id = create_external_symmetric(&client).await;
        let material = random_bytes(32);
        let params = parameters(&client, &key_id, algorithm, spec).await;
        let wrapped = wrap_oaep(&openssl, hash, &params.public_key, &material);
        import_forever(&client, &key_id, &params.token, &wrapped)
            .await
            .unwrap_or_else(|e| panic!("{algorithm} {spec}: {e:?}"));
        let ciphertext = encrypt(&client, &key_id, b"wrapped").await;
        assert_eq!(
            gcm_open(&openssl, &material, &ciphertext).as_deref(),
            Some(&b"wrapped"[..]),
            "{algorithm} {spec}"
        );
    }
    let (pem, der) = ec_private_key(&openssl, "p256", "P-256");
    let key_id = create_external(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let params = parameters(&client, &key_id, "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048").await;
    let wrapped = wrap_rsa_aes(&openssl, "sha1", &params.public_key, &der);
    import_forever(&client, &key_id, &params.token, &wrapped)
        .await
        .unwrap_or_else(|e| panic!("RSA_AES_KEY_WRAP_SHA_1: {e:?}"));
    assert_eq!(
        public_key(&client, &key_id).await,
        openssl_public_der(&openssl, &pem)
    );
}

/// Material whose ValidTo passed while the server was down is gone when it
/// starts (maintenance runs at start).
#[tokio::test]
async fn material_that_expired_while_the_server_was_down_is_gone_at_start() {
    let Some((mut server, client, openssl)) = with_openssl(
        "material_that_expired_while_the_server_was_down_is_gone_at_start",
        clocked,
    ) else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &random_bytes(32)).await;
    import_request(&client, &key_id, &token, &wrapped)
        .valid_to(DateTime::from_secs(now() + HOUR))
        .send()
        .await
        .unwrap();
    let ciphertext = encrypt(&client, &key_id, b"x").await;
    server.terminate();
    server.advance_clock_offline(2 * HOUR as u64);
    server.restart();
    let client = server.client();
    let metadata = describe(&client, &key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::PendingImport));
    assert_eq!(metadata.expiration_model(), None);
    expect_error(
        decrypt_request(&client, &ciphertext).send().await,
        "KMSInvalidStateException",
    );
}

// --- 4. HMAC ---

#[tokio::test]
async fn imported_hmac_keys_mac_as_openssl_does() {
    let Some((_server, client, openssl)) =
        with_openssl("imported_hmac_keys_mac_as_openssl_does", server)
    else {
        return;
    };
    let message = b"the message both sides MAC";
    openssl.write("message.bin", message);
    for (spec, size, hash, algorithm) in [
        ("HMAC_224", 28, "sha224", MacAlgorithmSpec::HmacSha224),
        ("HMAC_256", 32, "sha256", MacAlgorithmSpec::HmacSha256),
        ("HMAC_384", 48, "sha384", MacAlgorithmSpec::HmacSha384),
        ("HMAC_512", 64, "sha512", MacAlgorithmSpec::HmacSha512),
    ] {
        let key_id = create_external(&client, spec, "GENERATE_VERIFY_MAC").await;
        let material = random_bytes(size);
        import_symmetric(&client, &openssl, &key_id, &material).await;
        assert_eq!(
            key_state(&client, &key_id).await,
            Some(KeyState::Enabled),
            "{spec}"
        );
        let mac = client
            .generate_mac()
            .key_id(&key_id)
            .message(blob(message))
            .mac_algorithm(algorithm.clone())
            .send()
            .await
            .unwrap();
        let out = format!("{spec}.mac");
        openssl.run(&[
            "dgst",
            &format!("-{hash}"),
            "-mac",
            "HMAC",
            "-macopt",
            &format!("hexkey:{}", hex(&material)),
            "-binary",
            "-out",
            &out,
            "message.bin",
        ]);
        let expected = openssl.read(&out);
        assert_eq!(mac.mac().unwrap().as_ref(), expected.as_slice(), "{spec}");
        let verified = client
            .verify_mac()
            .key_id(&key_id)
            .message(blob(message))
            .mac_algorithm(algorithm)
            .mac(blob(&expected))
            .send()
            .await
            .unwrap();
        assert!(verified.mac_valid(), "{spec}");

        // Only symmetric encryption keys take new material.
        let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &random_bytes(size)).await;
        let refused = import_new(&client, &key_id, &token, &wrapped).send().await;
        assert!(
            refused.is_err(),
            "{spec}: NEW_KEY_MATERIAL accepted: {refused:?}"
        );
        let again = client
            .generate_mac()
            .key_id(&key_id)
            .message(blob(message))
            .mac_algorithm(MacAlgorithmSpec::from(
                format!("HMAC_SHA_{}", &spec[5..]).as_str(),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(again.mac().unwrap().as_ref(), expected.as_slice(), "{spec}");
    }
}

// --- 5, 6. Asymmetric keys ---

/// `openssl dgst -sha256 -verify` of `signature` over `message.bin`.
fn openssl_verifies(openssl: &Openssl, public_pem: &str, signature: &[u8], pss: bool) -> bool {
    let sig = unique("signature");
    openssl.write(&sig, signature);
    let mut args = vec!["dgst", "-sha256", "-verify", public_pem, "-signature", &sig];
    if pss {
        args.extend_from_slice(&[
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
        ]);
    }
    args.push("message.bin");
    let (ok, text) = openssl.try_run(&args);
    assert_eq!(ok, text.contains("Verified OK"), "{text}");
    ok
}

async fn trent_signs(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    message: &[u8],
    algorithm: SigningAlgorithmSpec,
) -> Vec<u8> {
    client
        .sign()
        .key_id(key_id)
        .message(blob(message))
        .message_type(MessageType::Raw)
        .signing_algorithm(algorithm)
        .send()
        .await
        .unwrap_or_else(|e| panic!("Sign: {e:?}"))
        .signature()
        .unwrap()
        .as_ref()
        .to_vec()
}

/// Trent's RSASSA_PKCS1_V1_5_SHA_256 signature of `message` verifies with
/// openssl and `public_pem`.
async fn assert_pkcs1_signature_verifies(
    client: &aws_sdk_kms::Client,
    openssl: &Openssl,
    key_id: &str,
    message: &[u8],
    public_pem: &str,
) {
    let signature = trent_signs(
        client,
        key_id,
        message,
        SigningAlgorithmSpec::RsassaPkcs1V15Sha256,
    )
    .await;
    assert!(openssl_verifies(openssl, public_pem, &signature, false));
}

async fn trent_verifies(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    message: &[u8],
    signature: &[u8],
    algorithm: SigningAlgorithmSpec,
) -> bool {
    match client
        .verify()
        .key_id(key_id)
        .message(blob(message))
        .message_type(MessageType::Raw)
        .signature(blob(signature))
        .signing_algorithm(algorithm)
        .send()
        .await
    {
        Ok(answer) => answer.signature_valid(),
        Err(error) => {
            use aws_sdk_kms::error::ProvideErrorMetadata;
            assert_eq!(
                error.code(),
                Some("KMSInvalidSignatureException"),
                "{error:?}"
            );
            false
        }
    }
}

#[tokio::test]
async fn an_imported_rsa_signing_key_is_openssls_key() {
    let Some((server, client, openssl)) =
        with_openssl("an_imported_rsa_signing_key_is_openssls_key", server)
    else {
        return;
    };
    let message = b"signed by an imported RSA key";
    openssl.write("message.bin", message);
    let (pem, der) = rsa_private_key(&openssl, "rsa", 2048);
    let key_id = create_external(&client, "RSA_2048", "SIGN_VERIFY").await;
    let imported = import_private_key(&client, &openssl, &key_id, &der)
        .await
        .unwrap_or_else(|e| panic!("ImportKeyMaterial RSA: {e:?}"));
    assert_eq!(imported.key_id(), Some(arn(&server, &key_id).as_str()));
    let metadata = describe(&client, &key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        metadata.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );

    let expected = openssl_public_der(&openssl, &pem);
    assert_eq!(public_key(&client, &key_id).await, expected);
    let public_pem = openssl.public_pem("rsa-public", &expected);

    assert_pkcs1_signature_verifies(&client, &openssl, &key_id, message, &public_pem).await;
    let signature = trent_signs(
        &client,
        &key_id,
        message,
        SigningAlgorithmSpec::RsassaPssSha256,
    )
    .await;
    assert!(openssl_verifies(&openssl, &public_pem, &signature, true));
    // openssl's signature verifies in Trent.
    openssl.run(&[
        "dgst",
        "-sha256",
        "-sign",
        &pem,
        "-out",
        "openssl.sig",
        "message.bin",
    ]);
    let signature = openssl.read("openssl.sig");
    assert!(
        trent_verifies(
            &client,
            &key_id,
            message,
            &signature,
            SigningAlgorithmSpec::RsassaPkcs1V15Sha256
        )
        .await
    );
    assert!(
        !trent_verifies(
            &client,
            &key_id,
            b"another message",
            &signature,
            SigningAlgorithmSpec::RsassaPkcs1V15Sha256
        )
        .await
    );

    // The key is bound to this private key: another one is refused, the same
    // one restores the key after a deletion.
    let (_, other) = rsa_private_key(&openssl, "rsa-other", 2048);
    expect_error(
        import_private_key(&client, &openssl, &key_id, &other).await,
        "IncorrectKeyMaterialException",
    );
    delete_material(&client, &key_id).await;
    assert_eq!(
        key_state(&client, &key_id).await,
        Some(KeyState::PendingImport)
    );
    expect_error(
        import_private_key(&client, &openssl, &key_id, &other).await,
        "IncorrectKeyMaterialException",
    );
    import_private_key(&client, &openssl, &key_id, &der)
        .await
        .unwrap();
    assert_eq!(public_key(&client, &key_id).await, expected);
    assert_pkcs1_signature_verifies(&client, &openssl, &key_id, message, &public_pem).await;
}

#[tokio::test]
async fn an_imported_rsa_decryption_key_decrypts_what_openssl_encrypts() {
    let Some((_server, client, openssl)) = with_openssl(
        "an_imported_rsa_decryption_key_decrypts_what_openssl_encrypts",
        server,
    ) else {
        return;
    };
    let (pem, der) = rsa_private_key(&openssl, "rsa", 3072);
    let key_id = create_external(&client, "RSA_3072", "ENCRYPT_DECRYPT").await;
    import_private_key(&client, &openssl, &key_id, &der)
        .await
        .unwrap_or_else(|e| panic!("ImportKeyMaterial RSA_3072: {e:?}"));
    let public = openssl_public_der(&openssl, &pem);
    assert_eq!(public_key(&client, &key_id).await, public);
    let ciphertext = wrap_oaep_sha256(&openssl, &public, b"for the imported key only");
    let plaintext = client
        .decrypt()
        .key_id(&key_id)
        .ciphertext_blob(blob(&ciphertext))
        .encryption_algorithm(aws_sdk_kms::types::EncryptionAlgorithmSpec::RsaesOaepSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(
        plaintext.plaintext().unwrap().as_ref(),
        b"for the imported key only"
    );
}

#[tokio::test]
async fn imported_ecc_signing_keys_are_openssls_keys() {
    let Some((_server, client, openssl)) =
        with_openssl("imported_ecc_signing_keys_are_openssls_keys", server)
    else {
        return;
    };
    let message = b"signed by an imported EC key";
    openssl.write("message.bin", message);
    // P-256 wrapped with plain RSAES_OAEP_SHA_256, P-384 with RSA_AES_KEY_WRAP_SHA_256.
    for (spec, curve, algorithm, hash) in [
        (
            "ECC_NIST_P256",
            "P-256",
            SigningAlgorithmSpec::EcdsaSha256,
            "sha256",
        ),
        (
            "ECC_NIST_P384",
            "P-384",
            SigningAlgorithmSpec::EcdsaSha384,
            "sha384",
        ),
    ] {
        let (pem, der) = ec_private_key(&openssl, spec, curve);
        let key_id = create_external(&client, spec, "SIGN_VERIFY").await;
        if spec == "ECC_NIST_P256" {
            let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &der).await;
            import_forever(&client, &key_id, &token, &wrapped)
                .await
                .unwrap_or_else(|e| panic!("ImportKeyMaterial {spec}: {e:?}"));
        } else {
            import_private_key(&client, &openssl, &key_id, &der)
                .await
                .unwrap_or_else(|e| panic!("ImportKeyMaterial {spec}: {e:?}"));
        }
        assert_eq!(
            key_state(&client, &key_id).await,
            Some(KeyState::Enabled),
            "{spec}"
        );
        let expected = openssl_public_der(&openssl, &pem);
        assert_eq!(public_key(&client, &key_id).await, expected, "{spec}");
        let public_pem = openssl.public_pem(&format!("{spec}-public"), &expected);

        let signature = trent_signs(&client, &key_id, message, algorithm.clone()).await;
        let sig = format!("{spec}.sig");
        openssl.write(&sig, &signature);
        let (ok, text) = openssl.try_run(&[
            "dgst",
            &format!("-{hash}"),
            "-verify",
            &public_pem,
            "-signature",
            &sig,
            "message.bin",
        ]);
        assert!(ok && text.contains("Verified OK"), "{spec}: {text}");
        let ours = format!("{spec}.openssl.sig");
        openssl.run(&[
            "dgst",
            &format!("-{hash}"),
            "-sign",
            &pem,
            "-out",
            &ours,
            "message.bin",
        ]);
        assert!(
            trent_verifies(&client, &key_id, message, &openssl.read(&ours), algorithm).await,
            "{spec}"
        );
    }
}

// --- 7. Rotation of imported material ---

/// ListKeyRotations with `IncludeKeyMaterial=ALL_KEY_MATERIAL`.
async fn all_material(
    client: &aws_sdk_kms::Client,
    key_id: &str,
) -> Vec<aws_sdk_kms::types::RotationsListEntry> {
    rotations_with(client, key_id, Some(IncludeKeyMaterial::AllKeyMaterial)).await
}

/// ListKeyRotations without IncludeKeyMaterial: the rotations.
async fn list_rotations(
    client: &aws_sdk_kms::Client,
    key_id: &str,
) -> Vec<aws_sdk_kms::types::RotationsListEntry> {
    rotations_with(client, key_id, None).await
}

async fn rotations_with(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    include: Option<IncludeKeyMaterial>,
) -> Vec<aws_sdk_kms::types::RotationsListEntry> {
    client
        .list_key_rotations()
        .key_id(key_id)
        .set_include_key_material(include)
        .send()
        .await
        .unwrap()
        .rotations()
        .to_vec()
}

fn entry<'a>(
    entries: &'a [aws_sdk_kms::types::RotationsListEntry],
    material_id: &str,
) -> &'a aws_sdk_kms::types::RotationsListEntry {
    entries
        .iter()
        .find(|e| e.key_material_id() == Some(material_id))
        .unwrap_or_else(|| panic!("no entry for {material_id} in {entries:?}"))
}

#[tokio::test]
async fn imported_material_rotates_on_demand_to_new_imported_material() {
    let Some((server, client, openssl)) = with_openssl(
        "imported_material_rotates_on_demand_to_new_imported_material",
        server,
    ) else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let key_arn = arn(&server, &key_id);
    let nothing_pending =
        format!("No available key material pending rotation for the key: {key_arn}.");

    let material_a = random_bytes(32);
    let id_a = import_symmetric(&client, &openssl, &key_id, &material_a).await;
    assert_eq!(
        describe(&client, &key_id).await.current_key_material_id(),
        Some(id_a.as_str())
    );
    let under_a = encrypt(&client, &key_id, b"under A").await;
    expect_refusal(
        client.rotate_key_on_demand().key_id(&key_id).send().await,
        "KMSInvalidStateException",
        &nothing_pending,
    );

    // NEW_KEY_MATERIAL with A's own bytes is not new.
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material_a).await;
    expect_error(
        import_new(&client, &key_id, &token, &wrapped).send().await,
        "IncorrectKeyMaterialException",
    );

    // B, new material, waits for a rotation.
    let material_b = random_bytes(32);
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &material_b).await;
    let imported = import_new(&client, &key_id, &token, &wrapped)
        .key_material_description("Q2 2025 Rotation")
        .send()
        .await
        .unwrap();
    let id_b = imported.key_material_id().unwrap().to_owned();
    assert!(is_material_id(&id_b), "{id_b}");
    assert_ne!(id_b, id_a);

    let entries = all_material(&client, &key_id).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let a = entry(&entries, &id_a);
    assert_eq!(
        a.key_material_state(),
        Some(&KeyMaterialState::Current),
        "{a:?}"
    );
    assert_eq!(a.import_state(), Some(&ImportState::Imported), "{a:?}");
    assert_eq!(
        a.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire),
        "{a:?}"
    );
    assert_eq!(a.rotation_date(), None, "{a:?}");
    assert_eq!(a.rotation_type(), None, "{a:?}");
    let b = entry(&entries, &id_b);
    assert_eq!(
        b.key_material_state(),
        Some(&KeyMaterialState::PendingRotation),
        "{b:?}"
    );
    assert_eq!(b.import_state(), Some(&ImportState::Imported), "{b:?}");
    assert_eq!(
        b.key_material_description(),
        Some("Q2 2025 Rotation"),
        "{b:?}"
    );
    assert_eq!(b.rotation_date(), None, "{b:?}");
    assert_eq!(b.rotation_type(), None, "{b:?}");
    let rotations = list_rotations(&client, &key_id).await;
    assert!(rotations.is_empty(), "{rotations:?}");
    assert_eq!(
        describe(&client, &key_id).await.current_key_material_id(),
        Some(id_a.as_str())
    );
    // Still A's until the rotation.
    let still_a = encrypt(&client, &key_id, b"still A").await;
    assert_eq!(
        gcm_open(&openssl, &material_a, &still_a).as_deref(),
        Some(&b"still A"[..])
    );

    // A second new material while B is pending.
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &random_bytes(32)).await;
    expect_error(
        import_new(&client, &key_id, &token, &wrapped).send().await,
        "KMSInvalidStateException",
    );

    let rotated = rotate(&client, &key_id).await;
    assert!(
        rotated.key_id() == Some(key_id.as_str()) || rotated.key_id() == Some(key_arn.as_str()),
        "{rotated:?}"
    );
    assert_eq!(
        describe(&client, &key_id).await.current_key_material_id(),
        Some(id_b.as_str())
    );
    assert_eq!(decrypt(&client, &under_a).await, b"under A");
    assert_eq!(decrypt(&client, &still_a).await, b"still A");
    let under_b = encrypt(&client, &key_id, b"under B").await;
    assert_eq!(decrypt(&client, &under_b).await, b"under B");
    assert_eq!(
        gcm_open(&openssl, &material_b, &under_b).as_deref(),
        Some(&b"under B"[..]),
        "new ciphertexts use the new material"
    );

    let rotations = list_rotations(&client, &key_id).await;
    assert_eq!(rotations.len(), 1, "{rotations:?}");
    assert_eq!(rotations[0].rotation_type(), Some(&RotationType::OnDemand));
    assert_eq!(rotations[0].key_material_id(), Some(id_b.as_str()));
    assert!(rotations[0].rotation_date().is_some(), "{rotations:?}");
    let entries = all_material(&client, &key_id).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(
        entry(&entries, &id_a).key_material_state(),
        Some(&KeyMaterialState::NonCurrent)
    );
    assert_eq!(
        entry(&entries, &id_b).key_material_state(),
        Some(&KeyMaterialState::Current)
    );

    expect_refusal(
        client.rotate_key_on_demand().key_id(&key_id).send().await,
        "KMSInvalidStateException",
        &nothing_pending,
    );
    expect_error(
        client.enable_key_rotation().key_id(&key_id).send().await,
        "UnsupportedOperationException",
    );
}

/// DeleteImportedKeyMaterial with a KeyMaterialId deletes that material (here
/// the non-current one): the key waits for it (PendingImport) and
/// re-importing the same bytes brings every ciphertext back.
#[tokio::test]
async fn a_named_non_current_material_is_deleted_and_comes_back() {
    let Some((server, client, openssl)) = with_openssl(
        "a_named_non_current_material_is_deleted_and_comes_back",
        server,
    ) else {
        return;
    };
    let key_id = create_external_symmetric(&client).await;
    let key_arn = arn(&server, &key_id);
    let material_a = random_bytes(32);
    let id_a = import_symmetric(&client, &openssl, &key_id, &material_a).await;
    let under_a = encrypt(&client, &key_id, b"under A").await;
    let (token, wrapped) = wrapped_oaep(&client, &openssl, &key_id, &random_bytes(32)).await;
    let id_b = import_new(&client, &key_id, &token, &wrapped)
        .send()
        .await
        .unwrap()
        .key_material_id()
        .unwrap()
        .to_owned();
    rotate(&client, &key_id).await;
    let under_b = encrypt(&client, &key_id, b"under B").await;

    let deleted = client
        .delete_imported_key_material()
        .key_id(&key_id)
        .key_material_id(&id_a)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.key_id(), Some(key_arn.as_str()));
    assert_eq!(deleted.key_material_id(), Some(id_a.as_str()));
    let metadata = describe(&client, &key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::PendingImport));
    assert_eq!(metadata.current_key_material_id(), Some(id_b.as_str()));
    let entries = all_material(&client, &key_id).await;
    assert_eq!(
        entry(&entries, &id_a).import_state(),
        Some(&ImportState::PendingImport),
        "{entries:?}"
    );
    assert_eq!(
        entry(&entries, &id_b).import_state(),
        Some(&ImportState::Imported),
        "{entries:?}"
    );
    expect_refusal(
        decrypt_request(&client, &under_a).send().await,
        "KMSInvalidStateException",
        &format!("{key_arn} is pending import."),
    );

    let again = import_symmetric(&client, &openssl, &key_id, &material_a).await;
    assert_eq!(again, id_a);
    let metadata = describe(&client, &key_id).await;
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(metadata.current_key_material_id(), Some(id_b.as_str()));
    assert_eq!(decrypt(&client, &under_a).await, b"under A");
    assert_eq!(decrypt(&client, &under_b).await, b"under B");
}

// --- 8. Material ids of AWS_KMS keys ---

#[tokio::test]
async fn aws_kms_keys_name_their_current_key_material() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let first = describe(&client, &key_id)
        .await
        .current_key_material_id()
        .map(str::to_owned)
        .expect("CurrentKeyMaterialId from creation");
    assert!(is_material_id(&first), "{first}");
    let entries = all_material(&client, &key_id).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].key_material_id(), Some(first.as_str()));
    assert_eq!(
        entries[0].key_material_state(),
        Some(&KeyMaterialState::Current)
    );

    rotate(&client, &key_id).await;
    let second = describe(&client, &key_id)
        .await
        .current_key_material_id()
        .map(str::to_owned)
        .unwrap();
    assert!(is_material_id(&second), "{second}");
    assert_ne!(second, first);

    let entries = all_material(&client, &key_id).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0].key_material_id(), Some(first.as_str()));
    assert_eq!(
        entries[0].key_material_state(),
        Some(&KeyMaterialState::NonCurrent)
    );
    assert_eq!(entries[1].key_material_id(), Some(second.as_str()));
    assert_eq!(
        entries[1].key_material_state(),
        Some(&KeyMaterialState::Current)
    );
    assert_eq!(entries[1].rotation_type(), Some(&RotationType::OnDemand));
    for entry in &entries {
        // Import fields are only for EXTERNAL keys.
        assert_eq!(entry.import_state(), None, "{entry:?}");
        assert_eq!(entry.expiration_model(), None, "{entry:?}");
    }
    let rotations = list_rotations(&client, &key_id).await;
    assert_eq!(rotations.len(), 1);
    assert_eq!(rotations[0].key_material_id(), Some(second.as_str()));
}
