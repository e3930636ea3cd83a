//! What Terraform's AWS provider does with the founding scenario, in secure
//! mode with the root credentials.
//!
//! `terraform_call_sequence` replays, through the official SDKs, the calls
//! the provider (v5) was seen making for `apply`, a second `plan` and
//! `destroy` of an `aws_iam_user`, an `aws_kms_key` with the scenario's
//! policy, tags and deletion window, and an `aws_kms_alias`.
//!
//! `terraform_apply_plan_destroy` runs the real `terraform` binary when it
//! and a local mirror of the `hashicorp/aws` provider are on the machine
//! (`TRENT_TF_PLUGIN_DIR`, default `/opt/tf-plugins`), and skips otherwise.
//! The key and alias are declared as the `terraform-aws-modules/kms` module
//! declares them; the module itself is not fetched (no registry access).
//! Both read `../shared/scenarios/rds-key/policy.json` and skip without it.

use std::path::Path;
use std::process::Command;

use aws_sdk_kms::types::Tag;

use crate::expect_error;

const ACCOUNT: &str = "111122223333";
const DESCRIPTION: &str = "Complete key example showing various configurations available";

fn scenario_policy() -> Option<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scenarios/rds-key/policy.json");
    match std::fs::read_to_string(&path) {
        Ok(policy) => Some(policy),
        Err(_) => {
            eprintln!("skipping: {} not found", path.display());
            None
        }
    }
}

fn scenario_server() -> trent_testkit::TestServer {
    trent_testkit::TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .account_id(ACCOUNT)
        .start()
}

#[tokio::test]
#[allow(deprecated, reason = "the provider sends CustomerMasterKeySpec")]
async fn terraform_call_sequence() {
    let Some(policy) = scenario_policy() else {
        return;
    };
    let server = scenario_server();
    let root = server.root();
    let sts = server.sts_as(&root);
    let iam = server.iam();
    let kms = server.client();

    // Provider configuration, then data "aws_caller_identity".
    let identity = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(identity.account(), Some(ACCOUNT));
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:root").as_str())
    );
    // aws_iam_user: CreateUser, then GetUser until it is visible.
    iam.create_user().user_name("kmsuser").send().await.unwrap();
    let user = iam.get_user().user_name("kmsuser").send().await.unwrap();
    assert_eq!(user.user().unwrap().user_name(), "kmsuser");
    // aws_kms_key: CreateKey, then reads until they match the configuration.
    let created = kms
        .create_key()
        .description(DESCRIPTION)
        .policy(&policy)
        .key_usage(aws_sdk_kms::types::KeyUsageType::EncryptDecrypt)
        // The provider still sends the deprecated member; so do we.
        .customer_master_key_spec(aws_sdk_kms::types::CustomerMasterKeySpec::SymmetricDefault)
        .bypass_policy_lockout_safety_check(false)
        .multi_region(false)
        .tags(
            Tag::builder()
                .tag_key("Name")
                .tag_value("rds_kms")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let key_id = created.key_metadata().unwrap().key_id().to_owned();
    let read_back = || async {
        let described = kms.describe_key().key_id(&key_id).send().await.unwrap();
        let metadata = described.key_metadata().unwrap();
        assert_eq!(metadata.description(), Some(DESCRIPTION));
        assert!(metadata.enabled());
        let stored = kms
            .get_key_policy()
            .key_id(&key_id)
            .policy_name("default")
            .send()
            .await
            .unwrap();
        assert_eq!(stored.policy(), Some(policy.as_str()));
        let rotation = kms
            .get_key_rotation_status()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert!(!rotation.key_rotation_enabled());
        let tags = kms
            .list_resource_tags()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert_eq!(tags.tags().len(), 1);
        let aliases = kms.list_aliases().key_id(&key_id).send().await.unwrap();
        aliases.aliases().len()
    };
    assert_eq!(read_back().await, 0);
    // aws_kms_alias.
    kms.create_alias()
        .alias_name("alias/rds_kms")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    // A second plan reads the same values: no changes.
    sts.get_caller_identity().send().await.unwrap();
    iam.get_user().user_name("kmsuser").send().await.unwrap();
    assert_eq!(read_back().await, 1);
    // destroy: alias, key (7-day window), user (its group memberships first).
    kms.delete_alias()
        .alias_name("alias/rds_kms")
        .send()
        .await
        .unwrap();
    let scheduled = kms
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.pending_window_in_days(), Some(7));
    let groups = iam
        .list_groups_for_user()
        .user_name("kmsuser")
        .send()
        .await
        .unwrap();
    assert!(groups.groups().is_empty());
    iam.delete_user().user_name("kmsuser").send().await.unwrap();
    expect_error(
        iam.get_user().user_name("kmsuser").send().await,
        "NoSuchEntity",
    );
}

/// The provider mirror, when Terraform and the AWS provider are installed.
fn terraform_mirror() -> Option<std::path::PathBuf> {
    if Command::new("terraform").arg("version").output().is_err() {
        eprintln!("skipping: terraform is not installed");
        return None;
    }
    let mirror = std::env::var_os("TRENT_TF_PLUGIN_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/opt/tf-plugins".into());
    if !mirror.join("registry.terraform.io/hashicorp/aws").is_dir() {
        eprintln!(
            "skipping: no hashicorp/aws provider under {}",
            mirror.display()
        );
        return None;
    }
    Some(mirror)
}

const CONFIGURATION: &str = r#"
variable "endpoint" {}
variable "credentials" {}
variable "policy_file" {}

provider "aws" {
  region                   = "us-east-1"
  shared_credentials_files = [var.credentials]
  skip_region_validation   = true
  skip_metadata_api_check  = true
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
    kms = var.endpoint
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_iam_user" "kmsuser" {
  name = "kmsuser"
}

resource "aws_kms_key" "this" {
  description             = "Complete key example showing various configurations available"
  deletion_window_in_days = 7
  enable_key_rotation     = false
  is_enabled              = true
  key_usage               = "ENCRYPT_DECRYPT"
  multi_region            = false
  policy                  = file(var.policy_file)
  tags                    = { Name = "rds_kms" }
  depends_on              = [aws_iam_user.kmsuser]
}

resource "aws_kms_alias" "this" {
  name          = "alias/rds_kms"
  target_key_id = aws_kms_key.this.key_id
}

output "account" { value = data.aws_caller_identity.current.account_id }
output "key_arn" { value = aws_kms_key.this.arn }
"#;

#[test]
fn terraform_apply_plan_destroy() {
    let Some(_) = scenario_policy() else {
        return;
    };
    let Some(mirror) = terraform_mirror() else {
        return;
    };
    let server = scenario_server();
    let dir = tempfile::tempdir().unwrap();
    let cli_config = dir.path().join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{ exclude = [\"registry.terraform.io/hashicorp/aws\"] }}\n}}\n",
            mirror.display()
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("main.tf"), CONFIGURATION).unwrap();
    let policy_file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scenarios/rds-key/policy.json");
    let variables = [
        format!("endpoint={}", server.endpoint()),
        format!(
            "credentials={}",
            server.data_dir().join("root-credentials").display()
        ),
        format!("policy_file={}", policy_file.display()),
    ];
    let terraform = |args: &[&str]| {
        let mut command = Command::new("terraform");
        command
            .args(args)
            .current_dir(dir.path())
            .env("TF_CLI_CONFIG_FILE", &cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY");
        if args[0] != "init" {
            for variable in &variables {
                command.arg("-var").arg(variable);
            }
        }
        command.output().unwrap()
    };
    let ok = |output: std::process::Output, what: &str| {
        assert!(
            output.status.success(),
            "terraform {what} failed:\n{}\n{}\nserver log:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            server.log()
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    ok(terraform(&["init", "-no-color", "-input=false"]), "init");
    let applied = ok(
        terraform(&["apply", "-auto-approve", "-no-color", "-input=false"]),
        "apply",
    );
    assert!(applied.contains("Resources: 3 added"), "{applied}");
    assert!(
        applied.contains(&format!("account = \"{ACCOUNT}\"")),
        "{applied}"
    );
    // A second plan must find nothing to change (exit code 0, not 2).
    let plan = terraform(&["plan", "-detailed-exitcode", "-no-color", "-input=false"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "second plan shows changes:\n{}",
        String::from_utf8_lossy(&plan.stdout)
    );
    let destroyed = ok(
        terraform(&["destroy", "-auto-approve", "-no-color", "-input=false"]),
        "destroy",
    );
    assert!(destroyed.contains("Resources: 3 destroyed"), "{destroyed}");
}
