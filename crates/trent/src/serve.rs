//! `trent serve`: open (or create) a data folder and serve the KMS API.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::root_key::RootKeyArgs;
use crate::store::{OpenStore, StoreLocation};
use anyhow::{bail, Context};
use clap::Args;
use trent_core::clock::SystemClock;
use trent_core::id::AccountId;
use trent_server::{AuthMode, Config};
use trent_service::bootstrap::SecretAccessKey;
use trent_service::Kms;

/// The address Trent listens on by default: loopback only.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:7979";
/// The admin listener's default address: loopback only.
const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:7980";

/// Log line formats.
/// `--audit-sync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuditSync {
    /// Written and synced before each answer.
    Always,
    /// Written before each answer, synced in the background.
    Interval,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LogFormat {
    /// Readable lines.
    Human,
    /// JSON objects.
    Json,
}

/// Where the admin listener listens, if anywhere.
#[derive(Clone, Debug)]
struct AdminListen(Option<SocketAddr>);

fn parse_admin_listen(text: &str) -> Result<AdminListen, String> {
    if text == "off" {
        return Ok(AdminListen(None));
    }
    text.parse()
        .map(|address| AdminListen(Some(address)))
        .map_err(|_| format!("expected an address such as 127.0.0.1:7980, or off; got {text:?}"))
}

#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub(crate) struct ServeArgs {
    /// A TOML file with any of these settings (keys are the flag names,
    /// e.g. `listen = "0.0.0.0:7979"`, `audit_fail_open = true`); flags on
    /// the command line override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Address to listen on. Use port 0 for any free port; the chosen
    /// address is printed as "trent listening on ADDR".
    #[arg(long, default_value = DEFAULT_LISTEN, env = "TRENT_LISTEN")]
    listen: SocketAddr,

    /// Log line format on standard error: human (default) or json (one
    /// object per line, with the request id of the request it belongs to).
    /// The level comes from TRENT_LOG (e.g. info, debug).
    #[arg(long, value_enum, default_value = "human")]
    log_format: LogFormat,

    /// Address of the admin listener: Prometheus metrics (/metrics), liveness
    /// (/healthz) and readiness (/readyz: store and root key reachable).
    /// Printed as "trent admin listening on ADDR"; "off" disables it. Keep it
    /// off the network the API is exposed to.
    #[arg(long, default_value = DEFAULT_ADMIN_LISTEN, value_parser = parse_admin_listen, env = "TRENT_ADMIN_LISTEN")]
    admin_listen: AdminListen,

    /// Data folder: the SQLite store, the root key (unless --root-key or
    /// --root-key-file) and the root credentials. Created on first start.
    #[arg(long, default_value = "trent-data", env = "TRENT_DATA_DIR")]
    data_dir: PathBuf,

    /// The store: a path or sqlite:PATH for the embedded store (default:
    /// DATA_DIR/trent.db), or a postgres://USER@HOST:PORT/DB URL for a
    /// PostgreSQL database that several nodes share (each with its
    /// own data folder and the same root key). The password comes from the
    /// URL, --store-password-file or PGPASSWORD; sslmode=require (or
    /// prefer) speaks TLS to the database, verified against the system's
    /// roots or sslrootcert=FILE.
    #[arg(long, value_name = "URL", env = "TRENT_STORE")]
    store: Option<String>,

    /// A file holding the PostgreSQL password (one line), when the --store
    /// URL does not.
    #[arg(long, value_name = "FILE")]
    store_password_file: Option<PathBuf>,

    #[command(flatten)]
    root_key: RootKeyArgs,

    /// A PKCS#11 module (path) an online root-key rotation
    /// (`trent admin rotate-root-key --endpoint`) may load, besides the one
    /// of the current root key. Repeatable.
    #[arg(long)]
    allow_pkcs11_module: Vec<PathBuf>,

    /// The 12-digit id of the account created at first start (random if
    /// omitted). Ignored once the data folder exists.
    #[arg(long)]
    account_id: Option<String>,

    /// Development mode: accept any well-formed SigV4 signature without
    /// checking its secret, acting as the root of the account named by a
    /// 12-digit access key id (else 000000000000). Loopback addresses only.
    /// Never use it for real keys.
    #[arg(long)]
    dev: bool,

    /// Seconds a client may take to send a request's headers before its
    /// connection is closed (protects against slow clients holding sockets).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    header_timeout: u64,

    /// Seconds between maintenance passes: deleting keys whose waiting
    /// period has ended and performing due automatic rotations. A pass also
    /// runs at start, so work that fell due while the server was down is
    /// done before the first request.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    maintenance_interval: u64,

    /// The audit log folder (hash-chained JSON lines, signed digests).
    /// Defaults to DATA_DIR/audit.
    #[arg(long, env = "TRENT_AUDIT_DIR")]
    audit_dir: Option<PathBuf>,

    /// Serve requests even when their audit event cannot be written (the
    /// failure is logged). By default such requests fail: nothing is
    /// answered without its record. The choice is itself recorded.
    #[arg(long)]
    audit_fail_open: bool,

    /// When a request's audit event counts as recorded. `always` (the
    /// default): written and synced to the disk before the answer leaves,
    /// so nothing answered is lost, even to a power cut. `interval`:
    /// written to the file before the answer (it survives the process
    /// being killed) and synced in the background every
    /// --audit-sync-interval-ms, so a power cut or kernel crash can lose
    /// that window's events. The choice is recorded as the first event of
    /// every start and shown in /metrics and `trent audit verify`.
    #[arg(long, value_enum, default_value_t = AuditSync::Always, value_name = "MODE")]
    audit_sync: AuditSync,

    /// With --audit-sync=interval: the most time between an event being
    /// written and its sync (milliseconds).
    #[arg(long, default_value_t = 10, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    audit_sync_interval_ms: u64,

    /// Start a new audit file when the current one passes this size (MiB).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    audit_segment_mib: u64,

    /// Tests only: the audit segment size in bytes (overrides the MiB setting).
    #[arg(long, hide = true)]
    audit_segment_bytes: Option<u64>,

    /// Tests only, and only with --dev: a clock the admin API can move
    /// forward (TrentAdmin.AdvanceClock), to cross deletion windows and
    /// rotation periods in a test. Refused without --dev.
    #[arg(long, requires = "dev")]
    test_clock: bool,

    /// Serve HTTPS with this certificate chain (PEM; the server's
    /// certificate first). Needs --tls-key. Replaced without a restart when
    /// the file changes (checked every 2 s) or on SIGHUP; connections
    /// already open keep theirs.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM: PKCS#8, RSA or EC). Keep it
    /// readable by Trent only.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Serve the admin listener over HTTPS with this certificate chain
    /// (PEM), its own, apart from the API's. Needs --admin-tls-key.
    /// Reloaded like --tls-cert.
    #[arg(long, value_name = "FILE", requires = "admin_tls_key")]
    admin_tls_cert: Option<PathBuf>,

    /// The private key of --admin-tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "admin_tls_cert")]
    admin_tls_key: Option<PathBuf>,

    /// Serve only these Regions (comma-separated, e.g.
    /// `us-east-1,eu-west-1`; TOML `regions = "us-east-1,eu-west-1"`). A KMS
    /// request signed for another Region is refused as AWS refuses a
    /// credential scoped to the wrong Region, and no multi-Region replica is
    /// made there. Default: every valid Region name. IAM and STS, global,
    /// are not affected.
    #[arg(long, value_delimiter = ',', value_name = "REGIONS", value_parser = parse_region)]
    regions: Vec<trent_core::id::Region>,

    /// Request-rate quota overrides, per account and Region, as
    /// NAME=PER_SECOND (comma-separated or repeated; 0 lifts the quota).
    /// NAME is an operation with a quota of its own (CreateKey, DescribeKey,
    /// ...), a shared cryptographic quota (cryptographic-symmetric,
    /// cryptographic-rsa, cryptographic-ecc, cryptographic-post-quantum) or a
    /// data key pair quota (data-key-pair-RSA_2048, ...). Defaults: AWS
    /// KMS's (CreateKey 5, DescribeKey 100, symmetric cryptography 10,000;
    /// docs/throttling.md lists them). Beyond a quota: ThrottlingException.
    #[arg(long, value_delimiter = ',', value_name = "NAME=PER_SECOND", value_parser = parse_quota)]
    quota: Vec<(trent_core::rate::RateQuota, f64)>,

    /// Multiply every default quota by this factor (for a machine larger or
    /// smaller than the defaults assume); 0 turns request-rate quotas off.
    /// --quota values are not scaled.
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR", value_parser = parse_scale)]
    quota_scale: f64,

    /// Admission control: most requests in service at once. Beyond, a
    /// request waits in a queue of --max-queued places for up to
    /// --queue-timeout-ms, and is answered ThrottlingException when the
    /// queue is full or the wait runs out, so latency stays bounded under
    /// overload.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_in_flight: u64,

    /// Admission control: most requests waiting for a place in service.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    max_queued: u64,

    /// Admission control: how long a request waits for a place (milliseconds).
    #[arg(long, default_value_t = 1000, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=60_000))]
    queue_timeout_ms: u64,

    /// Seconds a request's body may take to arrive after its headers
    /// (answered RequestTimeoutException, HTTP 408, beyond).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    body_timeout: u64,

    /// Most connections open at once from one client address; a further
    /// one is closed at once. Behind a load balancer or proxy every client
    /// has its address: raise it there.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections_per_ip: u64,

    /// Tests only: start the test clock this many seconds ahead (to test
    /// what a server does with work that fell due while it was down).
    #[arg(long, requires = "test_clock", hide = true)]
    test_clock_offset: Option<u64>,
}

pub(crate) fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    if args.dev && !args.listen.ip().is_loopback() {
        bail!("--dev accepts unverified signatures and refuses to listen on a non-loopback address ({})", args.listen);
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(
            trent_server::tls::Tls::load(cert, key).context("loading the TLS certificate")?,
        )),
        _ => None,
    };
    let admin_tls = match (&args.admin_tls_cert, &args.admin_tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(
            trent_server::tls::Tls::load(cert, key)
                .context("loading the admin listener's TLS certificate")?,
        )),
        _ => None,
    };
    if tls.is_none() && !args.listen.ip().is_loopback() {
        eprintln!(
            "warning: {} is not a loopback address and TLS is off (--tls-cert, --tls-key): \
             credentials' signatures, plaintexts and data keys travel in clear",
            args.listen
        );
        tracing::warn!(listen = %args.listen, "serving plain HTTP on a non-loopback address");
    }
    let requested_account = args
        .account_id
        .as_deref()
        .map(AccountId::parse)
        .transpose()
        .map_err(|_| anyhow::anyhow!("--account-id must be 12 digits"))?;
    let test_clock = args.test_clock.then(|| {
        let clock = trent_core::clock::OffsetClock::new();
        clock.advance(std::time::Duration::from_secs(
            args.test_clock_offset.unwrap_or(0),
        ));
        Arc::new(clock)
    });
    let clock: Arc<dyn trent_core::clock::Clock> = match &test_clock {
        Some(clock) => clock.clone(),
        None => Arc::new(SystemClock),
    };
    let metrics = Arc::new(trent_server::Metrics::new());
    let location = StoreLocation::parse(args.store.as_deref(), &args.data_dir)?;
    let DataFolder { lock, store, kms } = open_data_folder_with(
        &args.data_dir,
        &location,
        args.store_password_file.as_deref(),
        &args.root_key,
        clock,
        Some(&metrics),
    )?;
    if kms
        .watch_store()
        .map_err(|error| anyhow::anyhow!("listening for the store's changes: {error}"))?
    {
        tracing::info!(store = %location.redacted(), "shared store: this node hears the others' changes");
    }
    start_service(&kms, &args.data_dir, requested_account)?;
    let mut quotas = trent_service::QuotaSettings::scaled(args.quota_scale);
    for (quota, per_second) in &args.quota {
        quotas.set(*quota, *per_second);
    }
    kms.set_quotas(quotas);
    if !args.regions.is_empty() {
        let names: Vec<&str> = args.regions.iter().map(|region| region.as_str()).collect();
        tracing::info!(regions = %names.join(","), "serving only these Regions");
        kms.serve_only(args.regions.clone());
    }
    // A rotation a crash interrupted goes on in the background.
    kms.resume_root_key_rotation();
    let auth = auth_mode(&args);

    // One worker per core (no worker waits on the disk: the audit writer
    // is a thread of its own).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let audit_dir = args
        .audit_dir
        .clone()
        .unwrap_or_else(|| args.data_dir.join("audit"));
    // The audit writer is a thread of its own.
    let audit = open_audit_log(&args, &kms, &audit_dir, &metrics)?;
    runtime.block_on(async {
        record_audit_mode(&audit, &kms, args.audit_fail_open).await?;
        if let AdminListen(Some(admin_address)) = args.admin_listen {
            listen_admin(admin_address, &kms, &metrics, &audit_dir, admin_tls.clone()).await?;
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr()?;
        if let Some(tls) = &tls {
            let (cert, _) = tls.files();
            tracing::info!(cert = %cert.display(), "serving HTTPS");
            // Registered before the address is printed: a SIGHUP from then
            // on reloads, never ends, the server.
            let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .map_err(|error| tracing::warn!(%error, "no SIGHUP handler: TLS files are still watched"))
                .ok();
            tokio::spawn(reload_tls(tls.clone(), hangup));
        }
        println!("trent listening on {address}");
        std::io::stdout().flush()?;
        tracing::info!(%address, "listening");
        let config = Config {
            header_read_timeout: std::time::Duration::from_secs(args.header_timeout),
            body_read_timeout: std::time::Duration::from_secs(args.body_timeout),
            max_in_flight: usize::try_from(args.max_in_flight).unwrap_or(usize::MAX),
            max_queued: usize::try_from(args.max_queued).unwrap_or(usize::MAX),
            queue_timeout: std::time::Duration::from_millis(args.queue_timeout_ms),
            max_connections_per_ip: usize::try_from(args.max_connections_per_ip)
                .unwrap_or(usize::MAX),
            test_clock,
            metrics,
            audit: recorded(&audit),
            audit_fail_open: args.audit_fail_open,
            // In --dev mode any local caller is a root: no online rotation.
            root_key_opener: (!args.dev).then(|| {
                let mut modules = args.allow_pkcs11_module.clone();
                modules.extend(
                    args.root_key
                        .location(&args.data_dir)
                        .ok()
                        .as_ref()
                        .and_then(crate::root_key::module_of),
                );
                crate::root_key::opener(modules)
            }),
            tls: tls.clone(),
            ..Config::new(auth)
        };
        let maintenance = tokio::spawn(maintain(
            kms.clone(),
            std::time::Duration::from_secs(args.maintenance_interval),
        ));
        let usage = tokio::spawn(persist_key_usage(kms.clone()));
        trent_server::run(kms.clone(), config, listener, shutdown_signal()).await?;
        maintenance.abort();
        usage.abort();
        // The uses of the last second, now that no request is in flight.
        if let Err(error) = kms.persist_key_usage() {
            tracing::error!(%error, "key usage not persisted at shutdown");
        }
        audit.flush().await;
        anyhow::Ok(())
    })?;
    store.close()?;
    tracing::info!("stopped cleanly");
    drop(lock);
    Ok(())
}

/// Logs to standard error, at the level `TRENT_LOG` names (default `info`).
fn init_logging(format: LogFormat) {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("TRENT_LOG").unwrap_or_else(|_| "info".into())
    };
    match format {
        LogFormat::Human => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
    }
}

/// Before the first request: the maintenance that came due while the
/// server was down, the key-usage tracking date, and on a first start the
/// account and its root credentials.
fn start_service(
    kms: &Kms,
    data_dir: &Path,
    requested_account: Option<AccountId>,
) -> anyhow::Result<()> {
    let report = kms
        .run_maintenance()
        .map_err(|error| anyhow::anyhow!("maintenance at start failed: {error}"))?;
    if !report.deleted.is_empty() || report.rotated > 0 {
        tracing::info!(
            deleted = report.deleted.len(),
            rotated = report.rotated,
            "maintenance at start"
        );
    }
    // Key uses are tracked from the first start that knows how.
    kms.key_usage_tracking_since()
        .map_err(|error| anyhow::anyhow!("reading the key usage tracking date: {error}"))?;
    let credentials_path = data_dir.join("root-credentials");
    let bootstrap = kms
        .bootstrap(requested_account, |_, access_key_id, secret| {
            write_credentials(&credentials_path, access_key_id, secret)
        })
        .map_err(|error| anyhow::anyhow!("first start failed: {error}"))?;
    if bootstrap.created {
        tracing::info!(account = %bootstrap.account, path = %credentials_path.display(), "created account and root credentials");
    }
    println!("trent account {}", bootstrap.account);
    println!("trent root credentials in {}", credentials_path.display());
    Ok(())
}

/// How callers are authenticated; `--dev` says loudly what it gives up.
fn auth_mode(args: &ServeArgs) -> AuthMode {
    if !args.dev {
        return AuthMode::Verify;
    }
    eprintln!("\n!!! WARNING: trent is running with --dev: request signatures are NOT verified.");
    eprintln!(
        "!!! Anyone who can reach {} can use every key. Never keep real keys here.\n",
        args.listen
    );
    tracing::warn!("development mode: signatures are not verified");
    AuthMode::Dev
}

/// Opens the audit log and says at start how it records.
fn open_audit_log(
    args: &ServeArgs,
    kms: &Kms,
    audit_dir: &Path,
    metrics: &trent_server::Metrics,
) -> anyhow::Result<trent_audit::log::AuditLog> {
    let signer = kms
        .audit_signer()
        .map_err(|error| anyhow::anyhow!("audit signing key: {error}"))?;
    let durability = durability(args);
    let audit = trent_audit::log::AuditLog::open_with(
        audit_dir,
        signer,
        trent_audit::log::Options {
            segment_bytes: args
                .audit_segment_bytes
                .unwrap_or(args.audit_segment_mib * 1024 * 1024),
            durability,
            on_sync: Box::new(metrics.audit_sync_hook()),
        },
    )
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    metrics.record_audit_config(durability, args.audit_fail_open);
    match durability {
        trent_audit::log::Durability::Always => {
            println!(
                "audit: every event written and synced before its answer ({})",
                audit_dir.display()
            );
        }
        trent_audit::log::Durability::Interval(every) => {
            println!(
                "audit: events written before their answer, synced every {} ms ({}); a power cut can lose the last {} ms of events",
                every.as_millis(),
                audit_dir.display(),
                every.as_millis()
            );
            eprintln!("WARNING: --audit-sync=interval: a power cut or kernel crash can lose up to {} ms of acknowledged audit events.", every.as_millis());
        }
    }
    if args.audit_fail_open {
        eprintln!(
            "WARNING: --audit-fail-open: requests are served even when they cannot be audited."
        );
    }
    Ok(audit)
}

/// The audit log requests are recorded in: always, except in a build made
/// to measure what the audit trail costs (`--features
/// measure-without-audit`, never shipped), where no event is built,
/// written or synced.
fn recorded(audit: &trent_audit::log::AuditLog) -> Option<trent_audit::log::AuditLog> {
    if cfg!(feature = "measure-without-audit") {
        eprintln!("MEASUREMENT BUILD: requests are not audited (built with measure-without-audit)");
        return None;
    }
    Some(audit.clone())
}

/// `--audit-sync` and its interval.
fn durability(args: &ServeArgs) -> trent_audit::log::Durability {
    match args.audit_sync {
        AuditSync::Always => trent_audit::log::Durability::Always,
        AuditSync::Interval => trent_audit::log::Durability::Interval(
            std::time::Duration::from_millis(args.audit_sync_interval_ms),
        ),
    }
}

/// The audit mode is itself on record: the first event of every start.
async fn record_audit_mode(
    audit: &trent_audit::log::AuditLog,
    kms: &Kms,
    fail_open: bool,
) -> anyhow::Result<()> {
    let mut parameters = serde_json::Map::new();
    parameters.insert("failOpen".into(), fail_open.into());
    parameters.insert("sync".into(), audit.durability().name().into());
    if let trent_audit::log::Durability::Interval(every) = audit.durability() {
        parameters.insert(
            "syncIntervalMs".into(),
            u64::try_from(every.as_millis()).unwrap_or(u64::MAX).into(),
        );
    }
    let mut mode = serde_json::Map::new();
    mode.insert("eventVersion".into(), "1.08".into());
    mode.insert(
        "eventTime".into(),
        trent_protocol::query::iso8601(kms.clock().now().as_millis()).into(),
    );
    mode.insert("eventSource".into(), "trent".into());
    mode.insert("eventName".into(), "AuditConfiguration".into());
    mode.insert(
        "requestParameters".into(),
        serde_json::Value::Object(parameters),
    );
    audit
        .append(serde_json::to_vec(&serde_json::Value::Object(mode))?)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))
}

/// Serves `/metrics`, `/healthz` and `/readyz` on their own listener.
async fn listen_admin(
    address: std::net::SocketAddr,
    kms: &Arc<Kms>,
    metrics: &Arc<trent_server::Metrics>,
    audit_dir: &Path,
    tls: Option<Arc<trent_server::tls::Tls>>,
) -> anyhow::Result<()> {
    let admin = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("admin listener on {address}"))?;
    let address = admin.local_addr()?;
    if let Some(tls) = &tls {
        let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        tokio::spawn(reload_tls(tls.clone(), hangup));
    } else if !address.ip().is_loopback() {
        eprintln!(
            "warning: the admin listener {address} is not on a loopback address and has no TLS \
             (--admin-tls-cert, --admin-tls-key)"
        );
    }
    println!("trent admin listening on {address}");
    tracing::info!(%address, https = tls.is_some(), "admin listening");
    let router =
        trent_server::admin_router(kms.clone(), metrics.clone(), Some(audit_dir.to_path_buf()));
    tokio::spawn(async move {
        if let Err(error) = trent_server::serve_admin(admin, router, tls).await {
            tracing::error!(%error, "admin listener failed");
        }
    });
    Ok(())
}

/// An open data folder: its lock, store and service.
pub(crate) struct DataFolder {
    pub(crate) lock: fs::File,
    pub(crate) store: OpenStore,
    pub(crate) kms: Arc<Kms>,
}

/// Persists the key uses recorded in memory once a second, on the blocking
/// pool (a write): at most one store write per second, whatever the load.
async fn persist_key_usage(kms: Arc<Kms>) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let kms = kms.clone();
        match tokio::task::spawn_blocking(move || kms.persist_key_usage()).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(%error, "key usage not persisted; retrying"),
            Err(error) => tracing::error!(%error, "key usage task failed"),
        }
    }
}

/// Runs a maintenance pass every `interval`, on the blocking pool (it writes).
async fn maintain(kms: Arc<Kms>, interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let kms = kms.clone();
        match tokio::task::spawn_blocking(move || kms.run_maintenance()).await {
            Ok(Ok(report)) if !report.deleted.is_empty() || report.rotated > 0 => {
                tracing::info!(
                    deleted = report.deleted.len(),
                    rotated = report.rotated,
                    "maintenance"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(%error, "maintenance failed; retrying next pass"),
            Err(error) => tracing::error!(%error, "maintenance task failed"),
        }
    }
}

/// Creates (first start) or opens a data folder: lock, root key, store, and
/// the check that the root key opens the store.
pub(crate) fn open_data_folder(
    data_dir: &Path,
    root_key: &RootKeyArgs,
) -> anyhow::Result<DataFolder> {
    let location = StoreLocation::parse(None, data_dir)?;
    open_data_folder_with(
        data_dir,
        &location,
        None,
        root_key,
        Arc::new(SystemClock),
        None,
    )
}

/// [`open_data_folder`] with a given clock.
fn open_data_folder_with(
    data_dir: &Path,
    store_location: &StoreLocation,
    password_file: Option<&Path>,
    root_key: &RootKeyArgs,
    clock: Arc<dyn trent_core::clock::Clock>,
    metrics: Option<&Arc<trent_server::Metrics>>,
) -> anyhow::Result<DataFolder> {
    create_private_dir(data_dir)?;
    let lock = fs::File::create(data_dir.join("lock")).context("creating the data folder lock")?;
    lock.try_lock()
        .map_err(|_| anyhow::anyhow!("another trent process is using {}", data_dir.display()))?;
    let new_file = match store_location {
        StoreLocation::Sqlite(path) => !path.exists(),
        StoreLocation::Postgres(_) => false,
    };
    // The server times every store call (`/metrics`).
    let observer = metrics.map(|metrics| metrics.clone() as Arc<dyn trent_store::StoreObserver>);
    let store = OpenStore::open(store_location, password_file, observer)?;
    // A new root key only for a new store: a node joining a shared store
    // must be given the key the first node made.
    let fresh = new_file || (store_location.shared() && store.is_empty()?);
    let location = root_key.location(data_dir)?;
    let configured = crate::root_key::open(&location, fresh).map_err(|error| {
        if store_location.shared() {
            error.context(format!(
                "every node of the shared store {} needs the root key the first node made (copy it, or pass --root-key-file)",
                store_location.redacted()
            ))
        } else {
            error
        }
    })?;
    let keys = crate::root_key::reconcile(store.store().as_ref(), configured).map_err(|error| {
        if store_location.shared() {
            error.context(format!(
                "the store {}: every node of a shared store must hold the same root key",
                store_location.redacted()
            ))
        } else {
            error
        }
    })?;
    let kms = Arc::new(Kms::with_root_keys(store.store(), keys, clock));
    kms.check_root_key().map_err(|error| {
        // The root key unreachable (a token gone) is not a wrong root key.
        let cause = match &error {
            trent_core::error::KmsError::Internal(internal) => internal
                .source
                .as_ref()
                .map(|source| source.to_string())
                .unwrap_or_default(),
            other => other.to_string(),
        };
        if store_location.shared() {
            anyhow::anyhow!(
                "the root key at {location} does not open the store {} ({cause}): every node of a shared store must hold the same root key",
                store_location.redacted()
            )
        } else {
            anyhow::anyhow!("the root key at {location} does not open this data folder ({cause})")
        }
    })?;
    kms.record_root_key()
        .map_err(|error| anyhow::anyhow!("recording the root key: {error}"))?;
    Ok(DataFolder { lock, store, kms })
}

#[derive(Debug, Args)]
pub(crate) struct SeedArgs {
    /// The data folder to fill (created if new).
    #[arg(long, default_value = "trent-data")]
    data_dir: PathBuf,
    #[command(flatten)]
    root_key: RootKeyArgs,
    /// How many keys to add.
    #[arg(long)]
    keys: usize,
    /// The region of the keys.
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

/// `trent bench-seed`: adds default symmetric keys to the data folder's
/// account, 10,000 per transaction.
pub(crate) fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let DataFolder { lock, store, kms } = open_data_folder(&args.data_dir, &args.root_key)?;
    let credentials_path = args.data_dir.join("root-credentials");
    let bootstrap = kms
        .bootstrap(None, |_, access_key_id, secret| {
            write_credentials(&credentials_path, access_key_id, secret)
        })
        .map_err(|error| anyhow::anyhow!("first start failed: {error}"))?;
    let region = trent_core::id::Region::parse(&args.region)
        .map_err(|_| anyhow::anyhow!("invalid region"))?;
    let caller = trent_service::Caller::account_root(bootstrap.account, region);
    let started = std::time::Instant::now();
    let created = kms
        .seed_keys(&caller, args.keys, 10_000)
        .map_err(|error| anyhow::anyhow!("seeding failed: {error}"))?;
    store.close()?;
    drop(lock);
    println!(
        "added {created} keys in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}

fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .with_context(|| format!("creating the data folder {}", path.display()))
}

/// Writes the root credentials in the AWS shared-credentials format (mode
/// 0600), through a synced temporary file renamed into place.
pub(crate) fn write_credentials(
    path: &Path,
    access_key_id: &str,
    secret: &SecretAccessKey,
) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let _ = fs::remove_file(&temporary);
    let contents = zeroize::Zeroizing::new(format!(
        "[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {}\n",
        secret.expose()
    ));
    trent_crypto::root_key::write_new_secret_file(&temporary, contents.as_bytes())?;
    fs::rename(&temporary, path)?;
    if let Some(parent) = path.parent() {
        fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

/// A `--quota` entry: `NAME=PER_SECOND`.
fn parse_quota(text: &str) -> Result<(trent_core::rate::RateQuota, f64), String> {
    let (name, rate) = text
        .trim()
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=PER_SECOND (such as CreateKey=50)"))?;
    let quota = trent_core::rate::RateQuota::parse(name.trim()).ok_or_else(|| {
        let names: Vec<String> = trent_core::rate::RateQuota::all()
            .map(|quota| quota.name())
            .collect();
        format!("'{name}' names no quota; quotas are: {}", names.join(", "))
    })?;
    let rate = parse_scale(rate.trim()).map_err(|_| {
        format!("'{rate}' is not a number of requests per second (0 lifts the quota)")
    })?;
    Ok((quota, rate))
}

fn parse_scale(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|value| value.is_finite() && *value >= 0.0)
        .ok_or_else(|| format!("'{text}' is not a number of at least 0"))
}

/// A `--regions` entry: a Region name as AWS spells them (`eu-west-1`).
fn parse_region(text: &str) -> Result<trent_core::id::Region, String> {
    trent_core::id::Region::parse(text.trim())
        .map_err(|_| format!("'{text}' is not a Region name (such as us-east-1)"))
}

/// Reloads the TLS certificate on SIGHUP and when either file changes
/// (modification time or size, polled every 2 s). A failed reload is logged
/// and the certificate in use stays.
async fn reload_tls(
    tls: Arc<trent_server::tls::Tls>,
    mut hangup: Option<tokio::signal::unix::Signal>,
) {
    let stamp = |path: &std::path::Path| {
        fs::metadata(path)
            .ok()
            .map(|meta| (meta.modified().ok(), meta.len()))
    };
    let (cert, key) = tls.files();
    let (cert, key) = (cert.to_owned(), key.to_owned());
    let mut seen = (stamp(&cert), stamp(&key));
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        let signalled = tokio::select! {
            _ = tick.tick() => false,
            Some(()) = async {
                match hangup.as_mut() {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            } => true,
        };
        let now = (stamp(&cert), stamp(&key));
        if !signalled && now == seen {
            continue;
        }
        seen = now;
        match tls.reload() {
            Ok(()) => tracing::info!(cert = %cert.display(), "TLS certificate reloaded"),
            Err(error) => {
                tracing::error!(%error, "TLS certificate not reloaded; the previous one stays")
            }
        }
    }
}
