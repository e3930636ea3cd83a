//! The HTTP face of Trent.
//!
//! Owns the axum router on `POST /`, the request limits, request ids, SigV4
//! extraction and verification (through `trent-sigv4`), dispatch of each
//! operation to the [`trent_service::Kms`] facade, and graceful shutdown.
//! Its entry point is [`run`].
//!
//! It contains no business rules: it authenticates, decodes, calls the
//! service and renders.

mod admin;
mod admission;
mod audit;
mod auth;
mod dispatch;
mod metrics;
mod query;
pub mod tls;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use tokio::net::TcpListener;
use trent_core::error::{IamError, KmsError};
use trent_core::operation::Operation;
use trent_protocol::error::{Failure, RequestError};
use trent_protocol::limit::MAX_REQUEST_BODY_BYTES;
use trent_service::Kms;

pub use auth::AuthMode;
pub use metrics::{admin_router, Metrics};

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// How callers are authenticated.
    pub auth: AuthMode,
    /// How long a connection may take to send a request's headers before it
    /// is closed (slow-client protection).
    pub header_read_timeout: Duration,
    /// Most connections served at once; further clients wait to be accepted.
    pub max_connections: usize,
    /// Most connections open at once from one address; beyond, a new
    /// connection from it is closed at once.
    pub max_connections_per_ip: usize,
    /// How long a request's body may take to arrive once its headers have.
    pub body_read_timeout: Duration,
    /// Admission control: most requests served at once ...
    pub max_in_flight: usize,
    /// ... most requests waiting for one of those places (beyond, a request
    /// is answered ThrottlingException at once) ...
    pub max_queued: usize,
    /// ... and how long one waits before it is answered ThrottlingException.
    pub queue_timeout: Duration,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    /// The test clock, when the server runs with `--dev --test-clock`: the
    /// admin API may then move it forward (`TrentAdmin.AdvanceClock`).
    pub test_clock: Option<Arc<trent_core::clock::OffsetClock>>,
    /// Where request counts and latencies are recorded (served by
    /// [`admin_router`] on the admin listener).
    pub metrics: Arc<Metrics>,
    /// The audit log every request is recorded in before its response is
    /// sent; `None` only in tests of other things.
    pub audit: Option<trent_audit::log::AuditLog>,
    /// When the audit log cannot be written: `false` (the default) fails
    /// the request; `true` serves it anyway and logs the failure.
    pub audit_fail_open: bool,
    /// Opens the target of an online root-key rotation
    /// (`TrentAdmin.RotateRootKey`); without it the operation is refused.
    pub root_key_opener: Option<Arc<trent_service::root_key::RootKeyOpener>>,
    /// HTTPS on the listener (`--tls-cert`, `--tls-key`); plain HTTP when `None`.
    pub tls: Option<Arc<tls::Tls>>,
}

impl Config {
    /// The defaults: 10 s to send headers and 10 s for the body, 10,000
    /// connections (1,024 from one address), 256 requests served at once
    /// and 256 waiting up to 1 s, 30 s of grace.
    pub fn new(auth: AuthMode) -> Self {
        Self {
            auth,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            max_connections_per_ip: 1024,
            body_read_timeout: Duration::from_secs(10),
            max_in_flight: 256,
            max_queued: 256,
            queue_timeout: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(30),
            test_clock: None,
            metrics: Arc::new(Metrics::new()),
            audit: None,
            audit_fail_open: false,
            root_key_opener: None,
            tls: None,
        }
    }
}

/// The address a connection came from.
#[derive(Clone, Copy, Debug)]
struct Peer(std::net::IpAddr);

struct AppState {
    kms: Arc<Kms>,
    metrics: Arc<Metrics>,
    audit: Option<trent_audit::log::AuditLog>,
    audit_fail_open: bool,
    test_clock: Option<Arc<trent_core::clock::OffsetClock>>,
    root_key_opener: Option<Arc<trent_service::root_key::RootKeyOpener>>,
    auth: auth::Authenticator,
    admission: admission::Admission,
    body_read_timeout: Duration,
}

/// A fresh request or event id: a random version-4 UUID, as AWS's are,
/// lower-case and hyphenated. Its 122 random bits come from aws-lc-rs's
/// generator, which works in user space once seeded, so that naming a
/// request costs no system call (`uuid::Uuid::new_v4` reads the kernel's
/// generator every time).
fn random_id() -> Arc<str> {
    let mut bytes = [0u8; 16];
    let uuid = match trent_crypto::aead::fill_random(&mut bytes) {
        Ok(()) => uuid::Builder::from_random_bytes(bytes).into_uuid(),
        // aws-lc-rs does not fail once seeded; should it, the kernel's
        // generator still gives an id rather than none.
        Err(_) => uuid::Uuid::new_v4(),
    };
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    Arc::from(&*uuid.hyphenated().encode_lower(&mut text))
}

/// Serves `kms` on `listener` until `shutdown` completes; requests in flight
/// then finish (within `Config::shutdown_grace`) before this returns.
pub async fn run(
    kms: Arc<Kms>,
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = Arc::new(AppState {
        test_clock: config.test_clock.clone(),
        root_key_opener: config.root_key_opener.clone(),
        metrics: config.metrics.clone(),
        audit: config.audit.clone(),
        audit_fail_open: config.audit_fail_open,
        auth: auth::Authenticator::new(config.auth),
        admission: admission::Admission::new(
            config.max_in_flight,
            config.max_queued,
            config.queue_timeout,
        ),
        body_read_timeout: config.body_read_timeout,
        kms,
    });
    let per_ip = admission::PerIp::new(config.max_connections_per_ip);
    let app = Router::new().fallback(handle).with_state(state);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    let connections = Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: log, back off, go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // One address may not hold every connection: beyond its share, a
        // new connection is closed before a byte is read.
        let Some(held) = per_ip.open(peer.ip()) else {
            tracing::debug!(%peer, "connection refused: too many from this address");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        // The peer's address reaches policies as `aws:SourceIp`.
        let service =
            hyper_util::service::TowerToHyperService::new(tower::ServiceExt::map_request(
                app.clone(),
                move |mut request: Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(Peer(peer.ip()));
                    request
                },
            ));
        let watcher = graceful.watcher();
        match config.tls.as_ref().map(|tls| tls.acceptor()) {
            None => {
                let connection =
                    http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                let connection = watcher.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                    drop((permit, held));
                });
            }
            Some(acceptor) => {
                let http = http.clone();
                let handshake_timeout = config.header_read_timeout;
                tokio::spawn(async move {
                    // The handshake counts against the header timeout: a
                    // client that opens a socket and says nothing is dropped.
                    let stream = match tokio::time::timeout(
                        handshake_timeout,
                        acceptor.accept(stream),
                    )
                    .await
                    {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(error)) => {
                            tracing::debug!(%error, %peer, "TLS handshake failed");
                            drop((permit, held));
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            drop((permit, held));
                            return;
                        }
                    };
                    let connection =
                        http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                    drop((permit, held));
                });
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over; closing connections still open");
    }
    Ok(())
}

/// Serves the admin router (metrics, health) on `listener`, over HTTPS with
/// its own certificate when `tls` is given, until the process ends.
pub async fn serve_admin(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<tls::Tls>>,
) -> std::io::Result<()> {
    let Some(tls) = tls else {
        return axum::serve(listener, router).await;
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "admin accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let acceptor = tls.acceptor();
        let http = http.clone();
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                Ok(Ok(stream)) => {
                    let _ = http
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                }
                Ok(Err(error)) => tracing::debug!(%error, %peer, "admin TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "admin TLS handshake timed out"),
            }
        });
    }
}

/// What a request turned out to be, for its audit event.
#[derive(Default)]
struct Seen {
    caller: Option<trent_service::Caller>,
    /// A KMS request's JSON body.
    body: Option<axum::body::Bytes>,
    /// An IAM or STS request's form parameters.
    form: Option<Vec<(String, String)>>,
    /// A KMS response's JSON body.
    response: Option<axum::body::Bytes>,
    record_response: bool,
    /// Shed at admission (overload), before authentication.
    shed: bool,
    /// The request's place in service, held until its answer and audit
    /// event are done (the wait for the audit's group commit is service too).
    admitted: Option<Admitted>,
}

async fn handle(State(state): State<Arc<AppState>>, request: Request<Body>) -> Response<Body> {
    let request_id = random_id();
    // The server's own log lines of a request name its id. A span (0.35 to
    // 0.5 µs a request) adds it to the lines of the layers below too, but
    // only when debug lines are on: at the default level the few lines
    // below are failures that name what failed (a stored policy, the store).
    if tracing::enabled!(tracing::Level::DEBUG) {
        let span = tracing::info_span!("request", request_id = %request_id);
        return tracing::Instrument::instrument(handle_request(state, request, request_id), span)
            .await;
    }
    handle_request(state, request, request_id).await
}

/// A request's place in service (`admission.rs`), counted in
/// `trent_requests_in_flight` while it lives.
struct Admitted {
    _place: tokio::sync::OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.metrics.in_flight().dec();
    }
}

/// Admission, once the body has arrived (so a client that never sends its
/// body holds no place) and before the signature is checked: under
/// overload a request is answered ThrottlingException at once rather than
/// waiting without bound behind the others. A shed request was not
/// authenticated: it has no audit event, only its count in the metrics.
async fn admit(state: &AppState, seen: &mut Seen) -> Result<(), KmsError> {
    match state.admission.admit().await {
        Some(place) => {
            state.metrics.in_flight().inc();
            seen.admitted = Some(Admitted {
                _place: place,
                metrics: state.metrics.clone(),
            });
            Ok(())
        }
        None => {
            seen.shed = true;
            Err(KmsError::Throttling)
        }
    }
}

/// One request, step by step: serve it (authenticate, decode, call the
/// service), record its audit event, count it, and answer.
async fn handle_request(
    state: Arc<AppState>,
    request: Request<Body>,
    request_id: Arc<str>,
) -> Response<Body> {
    let started = std::time::Instant::now();
    let arrival = Arrival::of(&request);
    let event_id = state.audit.as_ref().map(|_| random_id());
    let mut seen = Seen::default();
    let served = if arrival.query {
        serve_query(state.clone(), request, &request_id, &mut seen).await
    } else {
        let ids = trent_service::RequestIds {
            request_id: request_id.clone(),
            event_id: event_id.clone(),
        };
        serve_kms(state.clone(), request, ids, &arrival, &mut seen).await
    };
    let mut response = served.response;
    if served.outcome == "ThrottlingException" || served.outcome == "Throttling" {
        let account = seen.caller.as_ref().map(|caller| caller.account().as_str());
        let reason = if seen.shed { "overload" } else { "quota" };
        state.metrics.record_throttled(served.name, account, reason);
    }
    // A shed request was not authenticated: no audit event.
    if let (Some(audit), false) = (&state.audit, seen.shed) {
        let event = AuditFacts {
            arrival: &arrival,
            seen: &seen,
            name: served.name,
            outcome: served.outcome,
            error_message: served.error_message.as_deref(),
            request_id: &request_id,
            event_id: event_id.as_deref().unwrap_or_default(),
        };
        if let Err(error) = record(&state, audit, &event).await {
            tracing::error!(request_id = %request_id, %error, fail_open = state.audit_fail_open, "audit event not recorded");
            if !state.audit_fail_open {
                // Fail closed: no answer leaves without its record.
                response = audit_failure(arrival.query, error, &request_id);
            }
        }
    }
    state
        .metrics
        .record(served.name, served.outcome, started.elapsed());
    if let Some(clock) = &state.test_clock {
        stamp_date(&mut response, clock.as_ref());
    }
    tracing::debug!(
        request_id = %request_id,
        target = %arrival.target.unwrap_or_default().chars().take(80).collect::<String>(),
        status = response.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// What the request's headers say before it is served.
struct Arrival {
    target: Option<String>,
    /// The `User-Agent` header's own bytes (shared, not copied), for the audit event.
    user_agent: Option<HeaderValue>,
    peer: Option<std::net::IpAddr>,
    /// IAM or STS: a form without `X-Amz-Target`.
    query: bool,
    /// The KMS operation `X-Amz-Target` names, if Trent serves it.
    operation: Option<Operation>,
}

impl Arrival {
    fn of(request: &Request<Body>) -> Self {
        let target = header_text(request.headers(), "x-amz-target");
        let form = header_text(request.headers(), "content-type")
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        let operation = target
            .as_deref()
            .and_then(|target| trent_protocol::operation(target).ok());
        Self {
            query: target.is_none() && form,
            user_agent: request.headers().get("user-agent").cloned(),
            peer: request.extensions().get::<Peer>().map(|peer| peer.0),
            operation,
            target,
        }
    }
}

/// A served request: its response, and for metrics and the audit event its
/// name (from a closed set), outcome and error message.
struct Served {
    response: Response<Body>,
    name: &'static str,
    outcome: &'static str,
    error_message: Option<String>,
}

/// A KMS (or admin) request: JSON in, JSON out.
async fn serve_kms(
    state: Arc<AppState>,
    request: Request<Body>,
    ids: trent_service::RequestIds,
    arrival: &Arrival,
    seen: &mut Seen,
) -> Served {
    let name = match (arrival.target.as_deref(), arrival.operation) {
        (Some(target), _) if target.starts_with(admin::PREFIX) => "TrentAdmin",
        (_, Some(known)) => known.name(),
        // An AWS operation Trent does not serve keeps its own name (from a
        // closed list) in the audit trail and the metrics.
        (Some(target), None) => target
            .strip_prefix(trent_protocol::TARGET_PREFIX)
            .and_then(trent_core::operation::not_served)
            .map_or("unknown", |(name, _)| name),
        _ => "unknown",
    };
    let request_id = ids.request_id.clone();
    let record_response = state.audit.is_some();
    match serve(state, request, ids, seen).await {
        Ok(body) => {
            let body = axum::body::Bytes::from(body);
            if record_response {
                seen.response = Some(body.clone());
                // As CloudTrail, no response elements for cryptographic
                // operations (their answers are ciphertexts and plaintexts).
                seen.record_response = !arrival.operation.is_some_and(Operation::cryptographic);
            }
            Served {
                response: respond(StatusCode::OK, body, &request_id, JSON),
                name,
                outcome: "ok",
                error_message: None,
            }
        }
        Err(error) => {
            log_internal(error.internal(), &request_id);
            let wire = trent_protocol::error::render(&error);
            let status =
                StatusCode::from_u16(wire.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Served {
                response: respond(status, wire.body(), &request_id, JSON),
                name,
                outcome: wire.type_name,
                error_message: Some(wire.message_text().to_owned()),
            }
        }
    }
}

/// What the audit event of a served request is made of.
struct AuditFacts<'a> {
    arrival: &'a Arrival,
    seen: &'a Seen,
    name: &'static str,
    outcome: &'static str,
    error_message: Option<&'a str>,
    request_id: &'a str,
    event_id: &'a str,
}

/// Builds the request's audit event and waits until it is durable.
async fn record(
    state: &AppState,
    audit: &trent_audit::log::AuditLog,
    facts: &AuditFacts<'_>,
) -> Result<(), trent_audit::log::AuditError> {
    let source = match (
        facts.arrival.query,
        trent_core::query_action::QueryService::of_action(facts.name),
    ) {
        (false, _) => "kms.amazonaws.com",
        (true, trent_core::query_action::QueryService::Sts) => "sts.amazonaws.com",
        (true, trent_core::query_action::QueryService::Iam) => "iam.amazonaws.com",
    };
    let read_only = if facts.arrival.query {
        facts.name.starts_with("Get") || facts.name.starts_with("List")
    } else {
        facts.arrival.operation.is_some_and(Operation::read_only)
    };
    let request = match (&facts.seen.body, &facts.seen.form) {
        (Some(body), _) => audit::event::Members::Json(body),
        (None, Some(form)) => audit::event::Members::Form(form),
        (None, None) => audit::event::Members::None,
    };
    let writing = std::time::Instant::now();
    let written = match audit::event::serialize(&audit::event::Facts {
        source,
        name: facts.name,
        time_millis: state.kms.clock().now().as_millis(),
        caller: facts.seen.caller.as_ref(),
        source_ip: facts.arrival.peer,
        user_agent: facts
            .arrival
            .user_agent
            .as_ref()
            .and_then(|value| value.to_str().ok()),
        request,
        response: facts.seen.response.as_deref(),
        record_response: facts.seen.record_response,
        request_id: facts.request_id,
        event_id: facts.event_id,
        read_only,
        error: facts.error_message.map(|message| (facts.outcome, message)),
    }) {
        Ok(line) => audit.append(line).await,
        Err(error) => Err(trent_audit::log::AuditError::encoding(&error)),
    };
    state
        .metrics
        .record_audit(writing.elapsed(), written.is_ok());
    written
}

/// The answer to a request whose audit event could not be written.
fn audit_failure(
    query: bool,
    error: trent_audit::log::AuditError,
    request_id: &str,
) -> Response<Body> {
    let error = KmsError::internal("audit log unavailable", error);
    if query {
        let wire = trent_protocol::query::render(&error.into());
        respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            wire.body(trent_core::query_action::QueryService::Iam, request_id),
            request_id,
            XML,
        )
    } else {
        let wire = trent_protocol::error::render(&error.into());
        respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            wire.body(),
            request_id,
            JSON,
        )
    }
}

/// SDKs correct their clock by the server's `Date`: a server on a test
/// clock must send its own time.
fn stamp_date(response: &mut Response<Body>, clock: &trent_core::clock::OffsetClock) {
    use trent_core::clock::Clock as _;
    let now = std::time::UNIX_EPOCH
        + Duration::from_millis(u64::try_from(clock.now().as_millis()).unwrap_or(0));
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(now)) {
        response.headers_mut().insert("date", value);
    }
}

const JSON: &str = "application/x-amz-json-1.1";
const XML: &str = "text/xml";

fn log_internal(internal: Option<&trent_core::error::InternalError>, request_id: &str) {
    if let Some(internal) = internal {
        tracing::error!(request_id = %request_id, context = internal.context, source = ?internal.source, "internal error");
    }
}

/// The body, at most [`MAX_REQUEST_BODY_BYTES`], arriving within `timeout`
/// (a client that sends its headers and then trickles, or nothing, does not
/// hold its place in the server).
async fn read_body(
    parts: &axum::http::request::Parts,
    body: Body,
    timeout: Duration,
) -> Result<axum::body::Bytes, RequestError> {
    let declared =
        header_text(&parts.headers, "content-length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_REQUEST_BODY_BYTES) {
        return Err(RequestError::TooLarge);
    }
    match tokio::time::timeout(timeout, to_bytes(body, MAX_REQUEST_BODY_BYTES)).await {
        Ok(read) => read.map_err(|_| RequestError::TooLarge),
        Err(_) => Err(RequestError::BodyTimeout),
    }
}

/// IAM and STS: form-encoded Query requests, XML responses.
async fn serve_query(
    state: Arc<AppState>,
    request: Request<Body>,
    request_id: &str,
    seen: &mut Seen,
) -> Served {
    use trent_core::query_action::QueryService;
    use trent_protocol::query::QueryRequest;
    let (parts, body) = request.into_parts();
    let mut service = QueryService::Iam;
    let mut action = "unknown";
    let outcome: Result<Vec<u8>, Failure<IamError>> = async {
        if parts.method != axum::http::Method::POST || parts.uri.path() != "/" {
            return Err(IamError::InvalidAction(parts.uri.path().chars().take(80).collect()).into());
        }
        let body = read_body(&parts, body, state.body_read_timeout).await?;
        let query = QueryRequest::parse(&body)?;
        service = QueryService::of_action(&query.action);
        action = trent_core::query_action::label(&query.action);
        admit(&state, seen).await.map_err(IamError::Kms)?;
        if state.audit.is_some() {
            seen.form = Some(
                query
                    .params()
                    .map(|(name, value)| (name.to_owned(), value.to_owned()))
                    .collect(),
            );
        }
        tracing::debug!(request_id = %request_id, action = %query.action.chars().take(64).collect::<String>(), "query request");
        let caller = with_peer(
            state
                .auth
                .authenticate(&state.kms, &parts, &body, service.signing_name())?,
            &parts,
        );
        seen.caller = Some(caller.clone());
        let request_id = request_id.to_owned();
        let kms = state.kms.clone();
        // IAM changes are writes (an fsync each): keep them off the async workers.
        tokio::task::spawn_blocking(move || {
            query::dispatch(&kms, &caller, &query, &request_id)
        })
        .await
        .map_err(|error| KmsError::internal("request task failed", error))?
        .map_err(Failure::Service)
    }
    .await;
    match outcome {
        Ok(body) => Served {
            response: respond(StatusCode::OK, body, request_id, XML),
            name: action,
            outcome: "ok",
            error_message: None,
        },
        Err(error) => {
            if let Failure::Service(IamError::Kms(KmsError::Internal(internal))) = &error {
                log_internal(Some(internal), request_id);
            }
            let wire = trent_protocol::query::render(&error);
            let status =
                StatusCode::from_u16(wire.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Served {
                response: respond(status, wire.body(service, request_id), request_id, XML),
                name: action,
                outcome: wire.code,
                error_message: Some(wire.message),
            }
        }
    }
}

async fn serve(
    state: Arc<AppState>,
    request: Request<Body>,
    ids: trent_service::RequestIds,
    seen: &mut Seen,
) -> Result<Vec<u8>, Failure> {
    let (parts, body) = request.into_parts();
    if parts.method != axum::http::Method::POST || parts.uri.path() != "/" {
        return Err(RequestError::UnknownOperation.into());
    }
    let body = read_body(&parts, body, state.body_read_timeout).await?;
    admit(&state, seen).await?;
    if state.audit.is_some() {
        seen.body = Some(body.clone());
    }
    // Kept for the audit event; the operation borrows it.
    let caller = seen.caller.insert(
        with_peer(
            state.auth.authenticate(&state.kms, &parts, &body, "kms")?,
            &parts,
        )
        .in_request(ids),
    );
    let target =
        header_text(&parts.headers, "x-amz-target").ok_or(RequestError::UnknownOperation)?;
    if target.starts_with(admin::PREFIX) {
        let caller = caller.clone();
        // Rare, and AdvanceClock runs maintenance (writes): off the workers.
        return tokio::task::spawn_blocking(move || {
            admin::dispatch(
                &state.kms,
                admin::Extras {
                    test_clock: state.test_clock.as_deref(),
                    root_key_opener: state.root_key_opener.as_deref(),
                },
                &caller,
                &target,
                &body,
            )
        })
        .await
        .map_err(|error| KmsError::internal("request task failed", error))?;
    }
    let operation = trent_protocol::operation(&target)?;
    state.kms.admit(caller, operation)?;
    if operation.blocking() {
        // Writes wait for a durable commit (an fsync): keep them off the
        // async workers.
        let caller = caller.clone();
        tokio::task::spawn_blocking(move || {
            dispatch::dispatch(&state.kms, &caller, operation, &body)
        })
        .await
        .map_err(|error| KmsError::internal("request task failed", error))?
    } else {
        // Reads are served from memory, or from a WAL reader connection
        // that never waits for the writer.
        dispatch::dispatch(&state.kms, caller, operation, &body)
    }
}

fn with_peer(
    caller: trent_service::Caller,
    parts: &axum::http::request::Parts,
) -> trent_service::Caller {
    match parts.extensions.get::<Peer>() {
        Some(Peer(ip)) => caller.from_address(*ip),
        None => caller,
    }
}

fn respond(
    status: StatusCode,
    body: impl Into<Body>,
    request_id: &str,
    content_type: &'static str,
) -> Response<Body> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_random_version_4_uuids() {
        let ids: Vec<Arc<str>> = (0..1000).map(|_| random_id()).collect();
        for id in &ids {
            let parsed = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(parsed.get_version(), Some(uuid::Version::Random), "{id}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(
                **id,
                *parsed.hyphenated().to_string(),
                "lower-case, hyphenated"
            );
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "distinct");
        // No shared prefix and no counter: the first group (32 random bits)
        // takes about as many values as there are ids, and consecutive ids
        // differ in it.
        let mut first_groups: Vec<&str> = ids.iter().map(|id| &id[..8]).collect();
        first_groups.sort_unstable();
        first_groups.dedup();
        assert!(
            first_groups.len() > 990,
            "{} first groups",
            first_groups.len()
        );
        assert!(ids.windows(2).all(|pair| pair[0][..8] != pair[1][..8]));
        // Nor do they count up at the end.
        let last = |id: &str| u64::from_str_radix(&id[24..], 16).unwrap();
        assert!(ids
            .windows(2)
            .all(|pair| last(&pair[1]).wrapping_sub(last(&pair[0])) != 1));
    }
}
