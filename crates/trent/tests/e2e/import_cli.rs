//! The AWS Developer Guide's recipe for importing key material, run through
//! the `aws` CLI (botocore) and the `openssl` CLI as `sh` scripts in a
//! scratch folder, so that the commands are the recipe's, with only
//! `--endpoint-url` added. Skipped (with a note) without `aws` or `openssl`.

use std::process::Command;

use trent_testkit::TestServer;

use crate::server;

/// Whether `program` runs; prints the skip note when it does not.
fn have(program: &str, version: &str, test: &str) -> bool {
    let ok = Command::new(program)
        .arg(version)
        .output()
        .is_ok_and(|output| output.status.success());
    if !ok {
        eprintln!("note: {test} skipped: `{program}` is not installed");
    }
    ok
}

fn have_tools(test: &str, extra: &[&str]) -> bool {
    have("aws", "--version", test)
        && have("openssl", "version", test)
        && extra.iter().all(|program| have(program, "-v", test))
}

/// A scratch folder where scripts run with the server's root credentials in
/// the environment and `$ENDPOINT` set to its URL.
struct Recipe<'a> {
    server: &'a TestServer,
    dir: tempfile::TempDir,
}

impl<'a> Recipe<'a> {
    fn new(server: &'a TestServer) -> Self {
        Self {
            server,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs `script` with `sh -c` (after `set -eu`).
    fn run(&self, script: &str) -> std::process::Output {
        let credentials = self.server.root_credentials();
        Command::new("sh")
            .arg("-c")
            .arg(format!("set -eu\n{script}"))
            .current_dir(self.dir.path())
            .env("ENDPOINT", self.server.endpoint())
            .env("AWS_ACCESS_KEY_ID", &credentials.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &credentials.secret_access_key)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_PAGER", "")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_KMS")
            .output()
            .unwrap()
    }

    /// Runs `script`, which must succeed; its standard output, trimmed.
    /// Panics, showing both streams, when it fails.
    fn sh(&self, script: &str) -> String {
        let output = self.run(script);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success(),
            "script failed:\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        );
        stdout.trim().to_owned()
    }

    /// Runs `script`, which must fail; its standard error.
    fn sh_fails(&self, script: &str) -> String {
        let output = self.run(script);
        assert!(!output.status.success(), "script succeeded:\n{script}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(name)).unwrap()
    }
}

/// Step 2 of the recipe for `key_id`: the wrapping public key and the import
/// token into `WrappingPublicKey.bin` and `ImportToken.bin`. The Developer
/// Guide copies both members of one answer; the script asks once for both
/// (two calls would give two different key pairs, the second token not
/// matching the first public key).
fn get_parameters(recipe: &Recipe<'_>, key_id: &str, algorithm: &str, spec: &str) {
    recipe.sh(&format!(
        r#"
aws kms get-parameters-for-import --key-id {key_id} \
    --wrapping-algorithm {algorithm} \
    --wrapping-key-spec {spec} \
    --endpoint-url "$ENDPOINT" \
    --query '[PublicKey,ImportToken]' --output text > Parameters.txt
cut -f1 Parameters.txt | openssl enc -d -base64 -A -out WrappingPublicKey.bin
cut -f2 Parameters.txt | openssl enc -d -base64 -A -out ImportToken.bin
test -s WrappingPublicKey.bin
test -s ImportToken.bin
"#
    ));
}

/// Step 4 of the recipe: `aws kms import-key-material` of the wrapped
/// material in the file `material` with the token in the file `token`, with
/// no expiry.
fn import_script(key_id: &str, material: &str, token: &str) -> String {
    format!(
        r#"
aws kms import-key-material --key-id {key_id} \
    --encrypted-key-material fileb://{material} \
    --import-token fileb://{token} \
    --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE \
    --endpoint-url "$ENDPOINT"
"#
    )
}

/// The recipe's `openssl pkeyutl` wrapping the file `input` into `output`
/// with RSAES-OAEP-SHA-256 (MGF1 SHA-256) to the DER public key in `public`.
fn oaep_script(input: &str, output: &str, public: &str) -> String {
    format!(
        r#"openssl pkeyutl -encrypt -in {input} -out {output} -inkey {public} -keyform DER -pubin \
    -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256"#
    )
}

/// `aws kms decrypt` of `Secret.enc` into the file `out`.
fn decrypt_script(out: &str) -> String {
    format!(
        r#"aws kms decrypt --ciphertext-blob fileb://Secret.enc \
    --endpoint-url "$ENDPOINT" --query Plaintext --output text \
    | openssl enc -d -base64 -A -out {out}"#
    )
}

/// The key's state, by `aws kms describe-key`.
fn key_state(recipe: &Recipe<'_>, key_id: &str) -> String {
    recipe.sh(&format!(
        r#"aws kms describe-key --key-id {key_id} --endpoint-url "$ENDPOINT" --query KeyMetadata.KeyState --output text"#
    ))
}

#[tokio::test]
async fn aws_cli_imports_symmetric_key_material_by_the_developer_guide() {
    let test = "aws_cli_imports_symmetric_key_material_by_the_developer_guide";
    if !have_tools(test, &[]) {
        return;
    }
    let server = server();
    let recipe = Recipe::new(&server);

    // Step 1.
    let created = recipe.sh(r#"aws kms create-key --origin EXTERNAL --endpoint-url "$ENDPOINT""#);
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    assert_eq!(created["KeyMetadata"]["KeyState"], "PendingImport");
    assert_eq!(created["KeyMetadata"]["Enabled"], false);
    assert_eq!(created["KeyMetadata"]["Origin"], "EXTERNAL");

    // Each call answers a new key pair: the public key of one call with the
    // token of another is refused.
    recipe.sh(&format!(
        r#"
aws kms get-parameters-for-import --key-id {key_id} --wrapping-algorithm RSAES_OAEP_SHA_256 \
    --wrapping-key-spec RSA_2048 --endpoint-url "$ENDPOINT" \
    --query PublicKey --output text | openssl enc -d -base64 -A -out OtherPublicKey.bin
aws kms get-parameters-for-import --key-id {key_id} --wrapping-algorithm RSAES_OAEP_SHA_256 \
    --wrapping-key-spec RSA_2048 --endpoint-url "$ENDPOINT" \
    --query ImportToken --output text | openssl enc -d -base64 -A -out OtherImportToken.bin
test -s OtherPublicKey.bin
test -s OtherImportToken.bin
openssl rand -out Unused.bin 32
{wrap}
"#,
        wrap = oaep_script("Unused.bin", "Mismatched.bin", "OtherPublicKey.bin"),
    ));
    let stderr = recipe.sh_fails(&import_script(
        &key_id,
        "Mismatched.bin",
        "OtherImportToken.bin",
    ));
    assert!(stderr.contains("InvalidCiphertextException"), "{stderr}");

    // Step 2: an RSA_4096 wrapping key for RSAES_OAEP_SHA_256.
    get_parameters(&recipe, &key_id, "RSAES_OAEP_SHA_256", "RSA_4096");
    let text = recipe.sh("openssl pkey -pubin -inform DER -in WrappingPublicKey.bin -noout -text");
    assert!(text.contains("Public-Key: (4096 bit)"), "{text}");

    // Step 3: 256 random bits, wrapped by openssl.
    recipe.sh(&format!(
        "openssl rand -out PlaintextKeyMaterial.bin 32\n{}",
        oaep_script(
            "PlaintextKeyMaterial.bin",
            "EncryptedKeyMaterial.bin",
            "WrappingPublicKey.bin"
        )
    ));
    assert_eq!(recipe.read("EncryptedKeyMaterial.bin").len(), 512);

    // Step 4.
    let imported = recipe.sh(&import_script(
        &key_id,
        "EncryptedKeyMaterial.bin",
        "ImportToken.bin",
    ));
    let imported: serde_json::Value = serde_json::from_str(&imported).unwrap();
    assert_eq!(
        imported["KeyId"],
        format!("arn:aws:kms:us-east-1:{}:key/{key_id}", server.account())
    );
    let material_id = imported["KeyMaterialId"].as_str().unwrap().to_owned();
    assert_eq!(material_id.len(), 64, "{imported}");

    let described = recipe.sh(&format!(
        r#"aws kms describe-key --key-id {key_id} --endpoint-url "$ENDPOINT""#
    ));
    let described: serde_json::Value = serde_json::from_str(&described).unwrap();
    let metadata = &described["KeyMetadata"];
    assert_eq!(metadata["KeyState"], "Enabled", "{described}");
    assert_eq!(metadata["Enabled"], true, "{described}");
    assert_eq!(
        metadata["ExpirationModel"], "KEY_MATERIAL_DOES_NOT_EXPIRE",
        "{described}"
    );
    assert_eq!(
        metadata["CurrentKeyMaterialId"],
        material_id.as_str(),
        "{described}"
    );

    // The key works: encrypt and decrypt with the CLI.
    recipe.sh(&format!(
        r#"
printf 'imported by the recipe' > Secret.txt
aws kms encrypt --key-id {key_id} --plaintext fileb://Secret.txt \
    --endpoint-url "$ENDPOINT" --query CiphertextBlob --output text \
    | openssl enc -d -base64 -A -out Secret.enc
test -s Secret.enc
{decrypt}
cmp Secret.txt Secret.out
"#,
        decrypt = decrypt_script("Secret.out"),
    ));
    assert_eq!(recipe.read("Secret.out"), b"imported by the recipe");

    // Deleting the material and importing it again with fresh parameters
    // (the recipe's "reimport") restores the key; the old ciphertext decrypts.
    recipe.sh(&format!(
        r#"aws kms delete-imported-key-material --key-id {key_id} --endpoint-url "$ENDPOINT""#
    ));
    let state = key_state(&recipe, &key_id);
    assert_eq!(state, "PendingImport");
    get_parameters(&recipe, &key_id, "RSAES_OAEP_SHA_256", "RSA_2048");
    recipe.sh(&format!(
        r#"
{wrap}
{import} > Reimported.json
{decrypt}
cmp Secret.txt Again.out
"#,
        wrap = oaep_script(
            "PlaintextKeyMaterial.bin",
            "EncryptedKeyMaterial.bin",
            "WrappingPublicKey.bin"
        ),
        import = import_script(&key_id, "EncryptedKeyMaterial.bin", "ImportToken.bin").trim(),
        decrypt = decrypt_script("Again.out"),
    ));
    let reimported: serde_json::Value =
        serde_json::from_slice(&recipe.read("Reimported.json")).unwrap();
    assert_eq!(reimported["KeyMaterialId"], material_id.as_str());
}

/// The recipe for an asymmetric key: an RSA_3072 private key made by
/// openssl, wrapped with RSA_AES_KEY_WRAP_SHA_256 exactly as the Developer
/// Guide does it (`xxd` for the hex of the AES key).
#[tokio::test]
async fn aws_cli_imports_an_rsa_signing_key_with_rsa_aes_key_wrap() {
    let test = "aws_cli_imports_an_rsa_signing_key_with_rsa_aes_key_wrap";
    if !have_tools(test, &["xxd"]) {
        return;
    }
    let server = server();
    let recipe = Recipe::new(&server);
    let key_id = recipe.sh(
        r#"aws kms create-key --origin EXTERNAL --key-spec RSA_3072 --key-usage SIGN_VERIFY \
    --endpoint-url "$ENDPOINT" --query KeyMetadata.KeyId --output text"#,
    );
    get_parameters(&recipe, &key_id, "RSA_AES_KEY_WRAP_SHA_256", "RSA_3072");
    recipe.sh(&format!(
        r#"
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:3072 | openssl pkcs8 -topk8 -outform der -nocrypt > RSA_3072_PrivateKey.der
test -s RSA_3072_PrivateKey.der
openssl rand -out aes-key.bin 32
openssl enc -id-aes256-wrap-pad \
    -K "$(xxd -p < aes-key.bin | tr -d '\n')" \
    -iv A65959A6 \
    -in RSA_3072_PrivateKey.der \
    -out key-material-wrapped.bin
{wrap}
cat aes-key-wrapped.bin key-material-wrapped.bin > EncryptedKeyMaterial.bin
"#,
        wrap = oaep_script("aes-key.bin", "aes-key-wrapped.bin", "WrappingPublicKey.bin"),
    ));
    recipe.sh(&import_script(
        &key_id,
        "EncryptedKeyMaterial.bin",
        "ImportToken.bin",
    ));
    let state = key_state(&recipe, &key_id);
    assert_eq!(state, "Enabled");
    // The public key is the imported private key's, and Trent's signature
    // verifies with openssl.
    recipe.sh(&format!(
        r#"
openssl pkey -inform DER -in RSA_3072_PrivateKey.der -pubout -outform DER -out OpensslPublicKey.der
aws kms get-public-key --key-id {key_id} --endpoint-url "$ENDPOINT" \
    --query PublicKey --output text | openssl enc -d -base64 -A -out KmsPublicKey.der
cmp OpensslPublicKey.der KmsPublicKey.der
openssl pkey -pubin -inform DER -in KmsPublicKey.der -out KmsPublicKey.pem
printf 'signed through the CLI' > Message.txt
aws kms sign --key-id {key_id} --message fileb://Message.txt --message-type RAW \
    --signing-algorithm RSASSA_PKCS1_V1_5_SHA_256 --endpoint-url "$ENDPOINT" \
    --query Signature --output text | openssl enc -d -base64 -A -out Signature.bin
openssl dgst -sha256 -verify KmsPublicKey.pem -signature Signature.bin Message.txt
"#
    ));
}
