//! Prometheus metrics and health checks, served on the admin listener
//! (`/metrics`, `/healthz`, `/readyz`), never on the API port.
//!
//! Requests are counted by operation and outcome (`ok` or the error type AWS
//! names), and timed per operation. Keys by state are read from the store
//! when scraped. Operation names are from a closed set (unknown ones count as
//! `unknown`), so a caller cannot grow the label space.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Response, StatusCode};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use trent_service::Kms;
use trent_store::StoreObserver;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ThrottleLabels {
    operation: &'static str,
    /// The caller's account; `none` for load shed before authentication.
    account: String,
    /// `quota` (a request-rate quota) or `overload` (shed at admission).
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreLabels {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AuditConfigLabels {
    sync: &'static str,
    sync_interval_ms: String,
    fail_open: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<OperationLabels, Histogram>,
    keys: Family<StateLabels, Gauge>,
    audit_latency: Histogram,
    audit_failures: Counter,
    audit_syncs: Counter,
    audit_unsynced: Histogram,
    audit_config: Family<AuditConfigLabels, Gauge>,
    store_latency: Family<StoreLabels, Histogram>,
    throttled: Family<ThrottleLabels, Counter>,
    in_flight: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty metrics, registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("trent");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "API requests by operation and outcome (ok, or the AWS error type)",
            requests.clone(),
        );
        let latency = Family::<OperationLabels, Histogram>::new_with_constructor(|| {
            // 50 µs to about 3.3 s.
            Histogram::new(exponential_buckets(0.000_05, 2.0, 17))
        });
        registry.register(
            "request_duration_seconds",
            "API request latency by operation, from headers read to response built",
            latency.clone(),
        );
        let keys = Family::<StateLabels, Gauge>::default();
        registry.register("keys", "KMS keys by key state", keys.clone());
        let audit_latency = Histogram::new(exponential_buckets(0.000_05, 2.0, 17));
        registry.register(
            "audit_write_duration_seconds",
            "Time from building an audit event to its being recorded (synced, or with --audit-sync=interval written)",
            audit_latency.clone(),
        );
        let audit_failures = Counter::default();
        registry.register(
            "audit_write_failures",
            "Audit events that could not be written",
            audit_failures.clone(),
        );
        let audit_syncs = Counter::default();
        registry.register(
            "audit_syncs",
            "Audit log syncs (group commits: one per batch, or with --audit-sync=interval one per interval); events per sync is trent_audit_write_duration_seconds_count over this",
            audit_syncs.clone(),
        );
        // 100 µs to ~3 s.
        let audit_unsynced = Histogram::new(exponential_buckets(0.000_1, 2.0, 16));
        registry.register(
            "audit_unsynced_duration_seconds",
            "For each audit sync, how long the oldest event it covered had been written but not synced: with --audit-sync=interval, the age of what a power loss just before the sync would have lost (about the interval; more means the disk syncs slower than the interval); with always, the batch's write and sync, before any of its requests answered",
            audit_unsynced.clone(),
        );
        let audit_config = Family::<AuditConfigLabels, Gauge>::default();
        registry.register(
            "audit_config",
            "How audit events are recorded (1 for the settings in force): sync always (written and synced before the answer) or interval (written before, synced within sync_interval_ms), and whether requests are served when their event cannot be written",
            audit_config.clone(),
        );
        let store_latency = Family::<StoreLabels, Histogram>::new_with_constructor(|| {
            // 5 µs to about 2.6 s.
            Histogram::new(exponential_buckets(0.000_005, 2.0, 20))
        });
        registry.register(
            "store_operation_duration_seconds",
            "Store calls by operation (the KeyStore method), including waiting for the store's lock and, for writes, the durable commit",
            store_latency.clone(),
        );
        let throttled = Family::<ThrottleLabels, Counter>::default();
        registry.register(
            "throttled_requests",
            "Requests answered ThrottlingException, by operation, caller account and reason (quota: a request-rate quota; overload: shed at admission, before authentication)",
            throttled.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "requests_in_flight",
            "API requests admitted and not yet answered",
            in_flight.clone(),
        );
        Self {
            throttled,
            in_flight,
            registry,
            requests,
            latency,
            keys,
            audit_latency,
            audit_failures,
            audit_syncs,
            audit_unsynced,
            audit_config,
            store_latency,
        }
    }

    /// Records one request.
    pub(crate) fn record(&self, operation: &'static str, outcome: &'static str, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels { operation, outcome })
            .inc();
        self.latency
            .get_or_create(&OperationLabels { operation })
            .observe(elapsed.as_secs_f64());
    }

    /// Records a request answered ThrottlingException.
    pub(crate) fn record_throttled(
        &self,
        operation: &'static str,
        account: Option<&str>,
        reason: &'static str,
    ) {
        self.throttled
            .get_or_create(&ThrottleLabels {
                operation,
                account: account.unwrap_or("none").to_owned(),
                reason,
            })
            .inc();
    }

    /// The gauge of admitted requests not yet answered.
    pub(crate) fn in_flight(&self) -> &Gauge {
        &self.in_flight
    }

    /// Shows the audit settings in force as `trent_audit_config`.
    pub fn record_audit_config(&self, durability: trent_audit::log::Durability, fail_open: bool) {
        let sync_interval_ms = match durability {
            trent_audit::log::Durability::Always => "0".to_owned(),
            trent_audit::log::Durability::Interval(every) => every.as_millis().to_string(),
        };
        self.audit_config
            .get_or_create(&AuditConfigLabels {
                sync: durability.name(),
                sync_interval_ms,
                fail_open: if fail_open { "true" } else { "false" },
            })
            .set(1);
    }

    /// The hook the audit log calls after each sync, counting it in
    /// `trent_audit_syncs_total` and its events' unsynced time in
    /// `trent_audit_unsynced_duration_seconds`; see
    /// [`trent_audit::log::Options`].
    pub fn audit_sync_hook(&self) -> impl Fn(Duration) + Send + Sync + 'static {
        let syncs = self.audit_syncs.clone();
        let unsynced = self.audit_unsynced.clone();
        move |unsynced_for| {
            syncs.inc();
            unsynced.observe(unsynced_for.as_secs_f64());
        }
    }

    /// Records one audit write.
    pub(crate) fn record_audit(&self, elapsed: Duration, written: bool) {
        self.audit_latency.observe(elapsed.as_secs_f64());
        if !written {
            self.audit_failures.inc();
        }
    }

    /// The text exposition, with key counts read now.
    fn render(&self, kms: &Kms) -> Result<String, std::fmt::Error> {
        if let Ok(counts) = kms.key_counts_by_state() {
            for (state, count) in counts {
                self.keys
                    .get_or_create(&StateLabels {
                        state: state.as_str(),
                    })
                    .set(i64::try_from(count).unwrap_or(i64::MAX));
            }
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Store calls, timed by the store itself into
/// `trent_store_operation_duration_seconds{operation}`.
impl StoreObserver for Metrics {
    fn observe(&self, operation: &'static str, elapsed: Duration) {
        self.store_latency
            .get_or_create(&StoreLabels { operation })
            .observe(elapsed.as_secs_f64());
    }
}

struct AdminState {
    kms: Arc<Kms>,
    metrics: Arc<Metrics>,
    audit_dir: Option<std::path::PathBuf>,
}

/// The admin router: `/metrics`, `/healthz` (the process answers) and
/// `/readyz` (the store answers, the root key opens it, and the audit
/// folder can take a file).
pub fn admin_router(
    kms: Arc<Kms>,
    metrics: Arc<Metrics>,
    audit_dir: Option<std::path::PathBuf>,
) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(Arc::new(AdminState {
            kms,
            metrics,
            audit_dir,
        }))
}

/// Whether a file can be created (and removed) in the audit folder.
fn audit_writable(dir: &std::path::Path) -> bool {
    let probe = dir.join(".readyz");
    let created = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    created
}

async fn scrape(State(state): State<Arc<AdminState>>) -> Response<Body> {
    let rendered = tokio::task::spawn_blocking(move || state.metrics.render(&state.kms)).await;
    match rendered {
        Ok(Ok(text)) => {
            let mut response = Response::new(Body::from(text));
            response.headers_mut().insert(
                "content-type",
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            );
            response
        }
        _ => status(StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable\n"),
    }
}

async fn ready(State(state): State<Arc<AdminState>>) -> Response<Body> {
    let checked = tokio::task::spawn_blocking(move || {
        // Bounded (about a second) on a shared store, unlike the check.
        if state.kms.ping_store().is_err() {
            return Err("store unavailable");
        }
        if state.kms.check_root_key().is_err() {
            return Err("store or root key unavailable");
        }
        match &state.audit_dir {
            Some(dir) if !audit_writable(dir) => Err("audit folder not writable"),
            _ => Ok(()),
        }
    })
    .await;
    match checked {
        Ok(Ok(())) => status(StatusCode::OK, "ready\n"),
        Ok(Err(why)) => status(StatusCode::SERVICE_UNAVAILABLE, why),
        Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "readiness check failed"),
    }
}

fn status(code: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = code;
    response
}
