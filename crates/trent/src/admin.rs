//! `trent admin`: offline administration of a stopped data folder (accounts,
//! users, access keys, identity policies), for bootstrap and recovery; and
//! `trent explain`: ask a running server why a request would be allowed or
//! denied.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use trent_core::id::PrincipalKind;
use trent_core::id::{AccountId, Region};
use trent_core::view::AccessKeyStatus;
use trent_protocol::query::check;
use trent_service::Caller;

use crate::client::{read_credentials, Client};
use crate::root_key::{Location, ProgressBar, RootKeyArgs};
use crate::serve::{open_data_folder, write_credentials};

#[derive(Debug, Args)]
pub(crate) struct AdminArgs {
    /// The data folder (the server must not be running on it).
    #[arg(long, default_value = "trent-data", env = "TRENT_DATA_DIR")]
    data_dir: PathBuf,
    #[command(flatten)]
    root_key: RootKeyArgs,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Re-seal every sealed value (key material of every version, access
    /// key secrets, the audit signing key) under a new root key, then retire
    /// the old one. Offline on a stopped data folder, or with --endpoint
    /// through a running server, which keeps serving meanwhile. Resumable:
    /// after a crash, run it again (or start the server) and it goes on
    /// where it stopped. Also the way from a root key file to an HSM.
    RotateRootKey {
        /// The new root key: a file path (created if absent) or a PKCS#11
        /// URI (the key is generated in the token if absent).
        #[arg(long)]
        to: String,
        /// Rotate through the running server at this address instead of
        /// opening the data folder (which the server holds).
        #[arg(long)]
        endpoint: Option<std::net::SocketAddr>,
        /// With --endpoint: the first account root's credentials.
        #[arg(long, default_value = "trent-data/root-credentials")]
        credentials: PathBuf,
    },
    /// Show which root key seals the data folder, a rotation under way,
    /// and how many values each root key seals.
    DescribeRootKey,
    /// Create the root key inside a PKCS#11 token (given by --root-key)
    /// if it is absent, and show its attributes as the token reports them.
    InitHsm,
    /// Create another account and its root access key; the credentials are
    /// written (mode 0600, shared-credentials format) to --credentials-file.
    CreateAccount {
        /// The 12-digit account id (random if omitted).
        #[arg(long)]
        account_id: Option<String>,
        /// Where to write the new root credentials.
        #[arg(long)]
        credentials_file: PathBuf,
    },
    /// List the accounts of the data folder.
    ListAccounts,
    /// Copy a whole stopped store into another, empty one (SQLite to
    /// PostgreSQL, or back): keys, material versions, aliases, tags,
    /// grants, identities, policies, every row as it is (still sealed
    /// under the same root key), then read every row of both back to
    /// check the copy. Stop every server of the source first. A copy that
    /// was interrupted resumes when run again with the same arguments.
    Migrate(crate::migrate::MigrateArgs),
    /// Create an IAM user in an account.
    CreateUser {
        /// The account.
        #[arg(long)]
        account: String,
        /// The user name.
        #[arg(long)]
        name: String,
    },
    /// List the users of an account.
    ListUsers {
        /// The account.
        #[arg(long)]
        account: String,
    },
    /// Create an access key for a user (or, without --user, the account
    /// root) and write it to --credentials-file (mode 0600).
    CreateAccessKey {
        /// The account.
        #[arg(long)]
        account: String,
        /// The user; the account root if omitted.
        #[arg(long)]
        user: Option<String>,
        /// Where to write the credentials.
        #[arg(long)]
        credentials_file: PathBuf,
    },
    /// Deactivate (or with --activate, reactivate) an access key.
    SetAccessKey {
        /// The account.
        #[arg(long)]
        account: String,
        /// The key's user; the account root if omitted.
        #[arg(long)]
        user: Option<String>,
        /// The access key id.
        #[arg(long)]
        access_key_id: String,
        /// Reactivate instead of deactivating.
        #[arg(long)]
        activate: bool,
    },
    /// Add or replace an inline identity policy of a user, from a JSON file.
    PutUserPolicy {
        /// The account.
        #[arg(long)]
        account: String,
        /// The user.
        #[arg(long)]
        user: String,
        /// The policy name.
        #[arg(long)]
        policy_name: String,
        /// The policy document (a JSON file).
        #[arg(long)]
        document: PathBuf,
    },
}

fn account(text: &str) -> anyhow::Result<AccountId> {
    AccountId::parse(text).map_err(|_| anyhow::anyhow!("an account id is 12 digits, got {text:?}"))
}

fn root(account_id: &str) -> anyhow::Result<Caller> {
    let region = Region::parse("us-east-1").map_err(|_| anyhow::anyhow!("region"))?;
    Ok(Caller::account_root(account(account_id)?, region))
}

pub(crate) fn admin(args: AdminArgs) -> anyhow::Result<()> {
    match &args.command {
        AdminCommand::RotateRootKey {
            to,
            endpoint: Some(endpoint),
            credentials,
        } => return rotate_online(&parse_to(to)?, *endpoint, credentials),
        AdminCommand::InitHsm => return init_hsm(&args.root_key, &args.data_dir),
        AdminCommand::Migrate(migrate) => return crate::migrate::migrate(migrate),
        _ => {}
    }
    let folder = open_data_folder(&args.data_dir, &args.root_key)?;
    let kms = &folder.kms;
    let iam = |error: trent_core::error::IamError| anyhow::anyhow!("{}", iam_message(&error));
    match args.command {
        AdminCommand::CreateAccount {
            account_id,
            credentials_file,
        } => {
            let requested = account_id.as_deref().map(account).transpose()?;
            let created = kms
                .create_account(requested, |_, id, secret| {
                    write_credentials(&credentials_file, id, secret)
                })
                .map_err(|error| anyhow::anyhow!("creating the account failed: {error}"))?;
            println!("created account {created}");
            println!("root credentials in {}", credentials_file.display());
        }
        AdminCommand::RotateRootKey { to, .. } => rotate_offline(kms, &parse_to(&to)?)?,
        AdminCommand::DescribeRootKey => describe_root_key(kms)?,
        AdminCommand::InitHsm | AdminCommand::Migrate(_) => {}
        AdminCommand::ListAccounts => {
            for account in kms.accounts().map_err(|error| anyhow::anyhow!("{error}"))? {
                println!("{account}");
            }
        }
        AdminCommand::CreateUser { account, name } => {
            let user = kms
                .create_user(
                    &root(&account)?,
                    check::user_name(&name).map_err(iam)?,
                    None,
                )
                .map_err(iam)?;
            println!("{}\t{}", user.arn, user.id);
        }
        AdminCommand::ListUsers { account } => {
            for user in kms.list_users(&root(&account)?).map_err(iam)? {
                println!("{}\t{}", user.arn, user.id);
            }
        }
        AdminCommand::CreateAccessKey {
            account,
            user,
            credentials_file,
        } => {
            let key = kms
                .create_access_key(
                    &root(&account)?,
                    checked_user(user.as_deref()).map_err(iam)?,
                )
                .map_err(iam)?;
            write_credentials(&credentials_file, &key.metadata.access_key_id, &key.secret)
                .with_context(|| format!("writing {}", credentials_file.display()))?;
            println!("created access key {}", key.metadata.access_key_id);
            println!("credentials in {}", credentials_file.display());
        }
        AdminCommand::SetAccessKey {
            account,
            user,
            access_key_id,
            activate,
        } => {
            let status = if activate {
                AccessKeyStatus::Active
            } else {
                AccessKeyStatus::Inactive
            };
            let user = checked_user(user.as_deref()).map_err(iam)?;
            kms.update_access_key(&root(&account)?, user, &access_key_id, status)
                .map_err(iam)?;
            println!(
                "{access_key_id} is {}",
                if activate { "active" } else { "inactive" }
            );
        }
        AdminCommand::PutUserPolicy {
            account,
            user,
            policy_name,
            document,
        } => {
            let text = std::fs::read_to_string(&document)
                .with_context(|| format!("reading {}", document.display()))?;
            let checked_policy = check::policy_name(&policy_name).map_err(iam)?;
            kms.put_identity_policy(
                &root(&account)?,
                PrincipalKind::User,
                check::user_name(&user).map_err(iam)?,
                checked_policy,
                &text,
            )
            .map_err(iam)?;
            println!("policy {policy_name} set on user {user}");
        }
    }
    folder.store.close()?;
    drop(folder.lock);
    Ok(())
}

/// A user name given on the command line, checked as IAM checks it.
fn checked_user(user: Option<&str>) -> Result<Option<&str>, trent_core::error::IamError> {
    user.map(check::user_name).transpose()
}

fn iam_message(error: &trent_core::error::IamError) -> String {
    let rendered = trent_protocol::query::render_iam(error);
    format!("{}: {}", rendered.code, rendered.message)
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The server's address.
    #[arg(long, default_value = crate::serve::DEFAULT_LISTEN)]
    endpoint: std::net::SocketAddr,
    /// The account root's credentials (shared-credentials file).
    #[arg(long, default_value = "trent-data/root-credentials")]
    credentials: PathBuf,
    /// The region of the key.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The principal to evaluate: a root, user, role or assumed-role ARN.
    #[arg(long)]
    principal: String,
    /// The action, such as kms:Encrypt.
    #[arg(long)]
    action: String,
    /// The key: id, ARN, alias name or alias ARN.
    #[arg(long)]
    key_id: String,
    /// Encryption context pairs, as KEY=VALUE (repeatable).
    #[arg(long = "context", value_parser = parse_pair)]
    context: Vec<(String, String)>,
    /// Print the raw JSON answer instead of the table.
    #[arg(long)]
    json: bool,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))
}

/// `trent explain`: asks the server (as the account root) why a request
/// would be allowed or denied, and prints every statement's outcome.
pub(crate) fn explain(args: ExplainArgs) -> anyhow::Result<()> {
    let client = Client {
        address: args.endpoint,
        region: args.region.clone(),
        credentials: read_credentials(&args.credentials)?,
    };
    let mut body = serde_json::json!({
        "PrincipalArn": args.principal,
        "Action": args.action,
        "KeyId": args.key_id,
    });
    if !args.context.is_empty() {
        let pairs: serde_json::Map<String, serde_json::Value> = args
            .context
            .into_iter()
            .map(|(key, value)| (key, serde_json::Value::String(value)))
            .collect();
        body["EncryptionContext"] = serde_json::Value::Object(pairs);
    }
    let answer = client.call("TrentAdmin.ExplainDecision", &body)?;
    if args.json {
        println!("{answer}");
        return Ok(());
    }
    println!(
        "{} {} on {}: {}{}",
        answer["PrincipalArn"].as_str().unwrap_or_default(),
        answer["Action"].as_str().unwrap_or_default(),
        answer["Resource"].as_str().unwrap_or_default(),
        answer["Decision"].as_str().unwrap_or_default(),
        answer["Denial"]
            .as_str()
            .map(|denial| format!(" ({denial})"))
            .unwrap_or_default()
    );
    let print = |title: &str, statements: &serde_json::Value| {
        println!("{title}");
        for statement in statements.as_array().into_iter().flatten() {
            println!(
                "  #{} {:<6} {:<40} {}{}",
                statement["Index"],
                statement["Effect"].as_str().unwrap_or_default(),
                statement["Sid"].as_str().unwrap_or("-"),
                statement["Outcome"].as_str().unwrap_or_default(),
                statement["ConditionKey"]
                    .as_str()
                    .map(|key| format!(" ({key})"))
                    .unwrap_or_default()
            );
        }
    };
    print("key policy:", &answer["KeyPolicy"]);
    for policy in answer["IdentityPolicies"].as_array().into_iter().flatten() {
        print(
            &format!(
                "identity policy {}:",
                policy["PolicyName"].as_str().unwrap_or_default()
            ),
            &policy["Statements"],
        );
    }
    Ok(())
}

fn parse_to(text: &str) -> anyhow::Result<Location> {
    Location::parse(text).map_err(|error| anyhow::anyhow!("--to: {error}"))
}

/// Offline: starts (or resumes) a rotation to `to` and walks it to the end.
fn rotate_offline(kms: &std::sync::Arc<trent_service::Kms>, to: &Location) -> anyhow::Result<()> {
    use trent_service::root_key::RootKeyState;
    let next = crate::root_key::open(to, true)?;
    match kms
        .root_key_state()
        .map_err(|error| anyhow::anyhow!("{error}"))?
    {
        RootKeyState::Rotating(rotation) if rotation.to.id == next.id() => {
            eprintln!(
                "resuming the rotation from {} to {}",
                rotation.from.location, rotation.to.location
            );
        }
        _ => {
            let rotation = kms
                .begin_root_key_rotation(next)
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            eprintln!(
                "rotating the root key from {} to {}",
                rotation.from.location, rotation.to.location
            );
        }
    }
    let mut bar = ProgressBar::new();
    let done = kms
        .reseal_all(&mut |progress| bar.show(progress))
        .map_err(|error| anyhow::anyhow!("{error} (run the command again to resume)"))?;
    bar.show(trent_service::root_key::RotationProgress {
        done: done.total,
        ..done
    });
    bar.finish();
    println!(
        "re-sealed {} of {} values; the root key is now {}",
        done.resealed, done.total, to
    );
    println!("start the server with --root-key {to}; the previous root key opens nothing in the data folder any more, but backups taken before this still need it: keep it until they expire");
    Ok(())
}

/// Online: asks the running server to rotate, then follows its progress.
fn rotate_online(
    to: &Location,
    endpoint: std::net::SocketAddr,
    credentials: &std::path::Path,
) -> anyhow::Result<()> {
    let client = Client {
        address: endpoint,
        region: "us-east-1".into(),
        credentials: read_credentials(credentials)?,
    };
    let location = match to {
        Location::File(path) => Location::File(std::path::absolute(path)?),
        other => other.clone(),
    };
    let started = client.call(
        "TrentAdmin.RotateRootKey",
        &serde_json::json!({ "NewRootKey": location.to_string() }),
    )?;
    eprintln!(
        "rotating the root key from {} to {}",
        started["From"].as_str().unwrap_or_default(),
        started["To"].as_str().unwrap_or_default()
    );
    let mut bar = ProgressBar::new();
    loop {
        let status = client.call("TrentAdmin.DescribeRootKey", &serde_json::json!({}))?;
        let rotation = &status["Rotation"];
        if rotation.is_null() {
            bar.finish();
            println!(
                "the root key is now {} (id {})",
                status["Location"].as_str().unwrap_or_default(),
                status["RootKeyId"].as_str().unwrap_or_default()
            );
            return Ok(());
        }
        if let Some(error) = rotation["LastError"].as_str() {
            eprintln!("the server retries after: {error}");
        }
        bar.show(trent_service::root_key::RotationProgress {
            done: rotation["Done"].as_u64().unwrap_or(0),
            resealed: rotation["Resealed"].as_u64().unwrap_or(0),
            total: rotation["Total"].as_u64().unwrap_or(0),
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn describe_root_key(kms: &trent_service::Kms) -> anyhow::Result<()> {
    use trent_service::root_key::RootKeyState;
    match kms
        .root_key_state()
        .map_err(|error| anyhow::anyhow!("{error}"))?
    {
        RootKeyState::Unrecorded => println!("root key: not recorded yet"),
        RootKeyState::Settled(record) => {
            println!("root key: {} (id {})", record.location, record.id);
        }
        RootKeyState::Rotating(rotation) => {
            println!(
                "rotation under way since {:.0} (Unix time): from {} (id {}) to {} (id {})",
                rotation.started_at.as_epoch_seconds(),
                rotation.from.location,
                rotation.from.id,
                rotation.to.location,
                rotation.to.id
            );
        }
    }
    for (id, count) in kms
        .sealed_by_counts()
        .map_err(|error| anyhow::anyhow!("{error}"))?
    {
        match id {
            Some(id) => println!("  {count} values sealed by root key {id}"),
            None => println!("  {count} values sealed before root keys had ids"),
        }
    }
    Ok(())
}

/// Creates the root key in the token if absent and prints its attributes.
fn init_hsm(root_key: &RootKeyArgs, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let Location::Pkcs11(uri) = root_key.location(data_dir)? else {
        anyhow::bail!("init-hsm needs --root-key pkcs11:… (a PKCS#11 URI)");
    };
    let provider = trent_pkcs11::Pkcs11RootKeyProvider::open(&uri, true)
        .map_err(|error| anyhow::anyhow!("the root key {uri}: {error}"))?;
    let attributes = provider
        .key_attributes()
        .map_err(|error| anyhow::anyhow!("reading the key's attributes: {error}"))?;
    let origin = match provider.key_origin() {
        trent_pkcs11::KeyOrigin::Created => "created",
        trent_pkcs11::KeyOrigin::Found => "found",
    };
    use trent_crypto::root_key::RootKeyProvider as _;
    println!(
        "root key {origin} in token {:?}: id {}",
        provider.token_label(),
        provider.id()
    );
    println!("  location     {uri}");
    println!("  mechanism    {}", provider.mechanism());
    println!("  AES key of   {} bytes", attributes.value_len);
    println!("  sensitive    {}", attributes.sensitive);
    println!("  extractable  {}", attributes.extractable);
    println!("  never extractable {}", attributes.never_extractable);
    println!(
        "  value read   {}",
        match attributes.value {
            trent_pkcs11::ValueRead::Refused => "refused by the token",
            trent_pkcs11::ValueRead::Returned => "RETURNED (the token gave out the key)",
        }
    );
    Ok(())
}
