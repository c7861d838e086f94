//! gRPC adapters: proto <-> domain, errors -> Status, and the server itself
//! (health, reflection, gRPC-Web and CORS on one port).
use std::{future::Future, sync::Arc, time::Duration};

use tokio::net::TcpListener;
use tower_http::{
    cors::CorsLayer,
    trace::{DefaultOnFailure, TraceLayer},
};
use tracing::Level;

use crate::{
    app::App,
    clock::Clock,
    pb::{
        FILE_DESCRIPTOR_SET,
        ppid::v1::{
            agency_service_server::AgencyServiceServer,
            calendar_service_server::CalendarServiceServer,
            event_service_server::EventServiceServer,
            exemption_service_server::ExemptionServiceServer,
            indicator_service_server::IndicatorServiceServer, key_service_server::KeyServiceServer,
            letter_service_server::LetterServiceServer,
            objection_service_server::ObjectionServiceServer,
            public_information_service_server::PublicInformationServiceServer,
            report_service_server::ReportServiceServer,
            request_service_server::RequestServiceServer,
        },
    },
    store::Store,
};

pub mod agency;
pub mod auth;
pub mod calendar;
pub mod codec;
pub mod convert;
pub mod dip;
pub mod error;
pub mod event;
pub mod exemption;
pub mod indicator;
pub mod key;
pub mod letter;
pub mod objection;
pub mod report;
pub mod request;

/// How the server guards itself and whom it trusts (`ppid serve` flags;
/// README's *Access control* explains each).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// A database without keys runs open (local use).
    pub allow_open: bool,
    /// TrackRequest attempts per client address per minute.
    pub track_per_minute: u32,
    /// Failed authentications (unknown or revoked tokens) per client
    /// address per minute; past it the address waits a minute.
    pub failed_auth_per_minute: u32,
    /// Resolved tokens kept in memory (known and unknown alike).
    pub token_cache_entries: u64,
    /// Proxies whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins a browser may call from; empty: any origin.
    pub cors_origins: Vec<http::HeaderValue>,
    /// Export streams open at once, in total.
    pub max_exports: usize,
    /// Export streams open at once per API key (or per address without one).
    pub max_exports_per_caller: usize,
    /// An export whose reader takes nothing for this long is ended.
    pub export_idle: Duration,
    /// HTTP/2 streams per connection.
    pub max_concurrent_streams: u32,
    /// Figures recomputed from the register (ranges not on whole months)
    /// at once; more wait up to `recompute_wait`, then are refused.
    pub recompute_concurrency: usize,
    /// How long a recomputation waits for its turn.
    pub recompute_wait: Duration,
    /// How long a recomputation may run.
    pub recompute_timeout: Duration,
    /// How often deadline alerts are looked for.
    pub alert_interval: Duration,
    /// Scheduled backups of the SQLite database, if any.
    pub backup: Option<crate::backup::Schedule>,
    /// How often the metrics' register gauges are recomputed (when the
    /// metrics endpoint is on).
    pub metrics_refresh_every: Duration,
    /// The public portal's settings; `None`: API only (`--no-portal`).
    pub portal: Option<crate::portal::Settings>,
}

/// Failed authentications per address per minute by default.
pub const DEFAULT_FAILED_AUTH_PER_MINUTE: u32 = 30;
/// Export streams at once by default.
pub const DEFAULT_MAX_EXPORTS: u32 = 8;
/// Export streams at once per caller by default.
pub const DEFAULT_MAX_EXPORTS_PER_CALLER: u32 = 2;
/// Seconds a stalled export lives by default.
pub const DEFAULT_EXPORT_IDLE_SECONDS: u64 = 60;
/// Seconds between rounds of deadline alerts by default.
pub const DEFAULT_ALERT_INTERVAL_SECONDS: u64 = 30;
/// HTTP/2 streams per connection by default.
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 100;

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            allow_open: true,
            track_per_minute: 10,
            failed_auth_per_minute: DEFAULT_FAILED_AUTH_PER_MINUTE,
            token_cache_entries: 10_000,
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
            max_exports: DEFAULT_MAX_EXPORTS as usize,
            max_exports_per_caller: DEFAULT_MAX_EXPORTS_PER_CALLER as usize,
            export_idle: Duration::from_secs(DEFAULT_EXPORT_IDLE_SECONDS),
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            recompute_concurrency: crate::app::figures::DEFAULT_RECOMPUTE_CONCURRENCY,
            recompute_wait: crate::app::figures::DEFAULT_RECOMPUTE_WAIT,
            recompute_timeout: crate::app::figures::DEFAULT_RECOMPUTE_TIMEOUT,
            alert_interval: Duration::from_secs(DEFAULT_ALERT_INTERVAL_SECONDS),
            backup: None,
            metrics_refresh_every: crate::metrics::DEFAULT_REFRESH_EVERY,
            portal: Some(crate::portal::Settings::default()),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// Who is calling.
    pub access: Arc<auth::Authenticator>,
    /// The server's guards.
    pub settings: Arc<ServerSettings>,
    /// Export streams open now.
    pub exports: Arc<report::ExportSlots>,
}

impl AppState {
    /// The state of a server over `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: ServerSettings) -> Self {
        let app = App::new(store, clock).with_recompute_limits(
            settings.recompute_concurrency,
            settings.recompute_wait,
            settings.recompute_timeout,
        );
        let access = Arc::new(auth::Authenticator::new(app.clone(), &settings));
        let exports = Arc::new(report::ExportSlots::new(
            settings.max_exports,
            settings.max_exports_per_caller,
        ));
        Self {
            app,
            access,
            settings: Arc::new(settings),
            exports,
        }
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
pub(crate) async fn stopping(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The largest message a client may send: a request's texts are bounded
/// far below this (see `convert::Text`), so anything larger is abuse.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// The CORS policy for gRPC-Web from browsers: exactly the request headers
/// gRPC-Web sends (a key in `authorization` included), the grpc-status and
/// grpc-message trailers exposed, from `origins` (none given: any origin;
/// no cookies are ever used, so a key must be sent explicitly).
fn cors(origins: &[http::HeaderValue]) -> CorsLayer {
    use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName};
    let allow_origin = if origins.is_empty() {
        tower_http::cors::AllowOrigin::any()
    } else {
        tower_http::cors::AllowOrigin::list(origins.iter().cloned())
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([http::Method::POST, http::Method::OPTIONS])
        .allow_headers([
            AUTHORIZATION,
            CONTENT_TYPE,
            HeaderName::from_static("x-grpc-web"),
            HeaderName::from_static("x-user-agent"),
            HeaderName::from_static("grpc-timeout"),
        ])
        .expose_headers([
            HeaderName::from_static("grpc-status"),
            HeaderName::from_static("grpc-message"),
            HeaderName::from_static("grpc-status-details-bin"),
        ])
        .max_age(Duration::from_secs(600))
}

/// CORS and gRPC-Web for the API's paths; the portal's pages go around
/// both (tonic-web answers 400 to any other HTTP/1 request, and a page is
/// for its own origin only).
#[derive(Clone)]
struct GrpcWebOrPortal(CorsLayer);

impl<S: Clone> tower::Layer<S> for GrpcWebOrPortal {
    type Service = GrpcWebOrPortalService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        let web = tower::Layer::layer(&tonic_web::GrpcWebLayer::new(), inner.clone());
        GrpcWebOrPortalService {
            web: tower::Layer::layer(&self.0, web),
            plain: inner,
        }
    }
}

/// See [`GrpcWebOrPortal`].
#[derive(Clone)]
struct GrpcWebOrPortalService<S> {
    web: tower_http::cors::Cors<tonic_web::GrpcWebService<S>>,
    plain: S,
}

impl<S> tower::Service<http::Request<tonic::body::Body>> for GrpcWebOrPortalService<S>
where
    S: tower::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // Each call drives its own clone to readiness (oneshot).
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        use tower::ServiceExt as _;
        // gRPC-Web's own requests (and CORS preflights) take the web
        // path; everything else (pages, plain gRPC over HTTP/2 too, which
        // tonic-web passes through anyway) goes straight on.
        let web = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"))
            || req.method() == http::Method::OPTIONS;
        if crate::portal::is_portal_path(req.uri().path()) || !web {
            Box::pin(self.plain.clone().oneshot(req))
        } else {
            Box::pin(self.web.clone().oneshot(req))
        }
    }
}

/// The answer to a path no service or page has.
async fn not_routed(req: http::Request<axum::body::Body>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let grpc = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    if grpc {
        let (parts, ()) = tonic::Status::unimplemented("")
            .into_http::<()>()
            .into_parts();
        return http::Response::from_parts(parts, axum::body::Body::empty());
    }
    (
        http::StatusCode::NOT_FOUND,
        [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Halaman tidak ditemukan. / Page not found.\n",
    )
        .into_response()
}

/// Serves the API on `listener` until `shutdown` completes, then drains
/// in-flight calls for at most `grace`.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> anyhow::Result<()> {
    serve_with_metrics(listener, None, state, shutdown, grace).await
}

/// [`serve`], with Prometheus metrics on `metrics` (`GET /metrics`) when
/// given.
pub async fn serve_with_metrics(
    listener: TcpListener,
    metrics: Option<TcpListener>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> anyhow::Result<()> {
    let (health, health_service) = tonic_health::server::health_reporter();
    let services = [
        <AgencyServiceServer<agency::AgencyApi> as tonic::server::NamedService>::NAME,
        <RequestServiceServer<request::RequestApi> as tonic::server::NamedService>::NAME,
        <CalendarServiceServer<calendar::CalendarApi> as tonic::server::NamedService>::NAME,
        <ExemptionServiceServer<exemption::ExemptionApi> as tonic::server::NamedService>::NAME,
        <ObjectionServiceServer<objection::ObjectionApi> as tonic::server::NamedService>::NAME,
        <IndicatorServiceServer<indicator::IndicatorApi> as tonic::server::NamedService>::NAME,
        <KeyServiceServer<key::KeyApi> as tonic::server::NamedService>::NAME,
        <ReportServiceServer<report::ReportApi> as tonic::server::NamedService>::NAME,
        <EventServiceServer<event::EventApi> as tonic::server::NamedService>::NAME,
        <LetterServiceServer<letter::LetterApi> as tonic::server::NamedService>::NAME,
        <PublicInformationServiceServer<dip::DipApi> as tonic::server::NamedService>::NAME,
    ];
    for name in services {
        health
            .set_service_status(name, tonic_health::ServingStatus::Serving)
            .await;
    }
    // A failed commit stops the store's writer for good: say so, for the
    // whole server ("") and each service, so load balancers take it out.
    let mut writer = state.app.writer_health();
    let reporter = health.clone();
    tokio::spawn(async move {
        if writer
            .wait_for(|h| matches!(h, crate::store::Health::Stopped(_)))
            .await
            .is_ok()
        {
            for name in services.into_iter().chain([""]) {
                reporter
                    .set_service_status(name, tonic_health::ServingStatus::NotServing)
                    .await;
            }
        }
    });

    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    // Client errors (INVALID_ARGUMENT, NOT_FOUND, ...) are normal traffic:
    // log failures at DEBUG; internal errors are logged where they happen.
    let trace = TraceLayer::new_for_grpc().on_failure(DefaultOnFailure::new().level(Level::DEBUG));

    // Small replies must leave at once: without TCP_NODELAY, Nagle's
    // algorithm and delayed ACKs hold each one back for ~40 ms.
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut server_stop = stop_rx.clone();
    // Rate-limit state of addresses not seen lately is dropped each minute.
    let access = state.access.clone();
    let mut prune_stop = stop_rx.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => access.prune(),
                _ = prune_stop.wait_for(|stop| *stop) => return,
            }
        }
    });
    // Deadline alerts for the feed, each round on its own (a failed round
    // is retried by the next).
    let alerts = state.app.clone();
    let alert_interval = state.settings.alert_interval;
    let mut alert_stop = stop_rx.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(alert_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = alerts.emit_deadline_alerts().await {
                        tracing::warn!(error = %e, "deadline alerts: this round failed");
                    }
                }
                () = stopping(&mut alert_stop) => return,
            }
        }
    });
    // Scheduled backups, each on a connection of its own (a failed one is
    // logged and the next tried).
    let backups = state.settings.backup.clone().map(|schedule| {
        tracing::info!(
            dir = %schedule.dir.display(),
            every_seconds = schedule.every.as_secs(),
            keep = schedule.keep,
            "scheduled backups"
        );
        tokio::spawn(crate::backup::run_schedule(schedule, stop_rx.clone()))
    });
    // Metrics: the endpoint and the register's refresh, each stopping with
    // the server.
    let call_metrics = metrics.map(|listener| {
        let metrics = Arc::new(crate::metrics::Metrics::new(state.app.clone()));
        tokio::spawn(crate::metrics::serve_endpoint(
            listener,
            metrics.clone(),
            stop_rx.clone(),
        ));
        tokio::spawn(crate::metrics::refresh_loop(
            metrics.clone(),
            state.settings.metrics_refresh_every,
            stop_rx.clone(),
        ));
        metrics.calls.clone()
    });
    let mut routes = tonic::service::Routes::builder();
    routes
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            AgencyServiceServer::new(agency::AgencyApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            RequestServiceServer::new(request::RequestApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            CalendarServiceServer::new(calendar::CalendarApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            ExemptionServiceServer::new(exemption::ExemptionApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            ObjectionServiceServer::new(objection::ObjectionApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            KeyServiceServer::new(key::KeyApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            IndicatorServiceServer::new(indicator::IndicatorApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            EventServiceServer::new(event::EventApi::new(state.clone(), stop_rx.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            LetterServiceServer::new(letter::LetterApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            PublicInformationServiceServer::new(dip::DipApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            ReportServiceServer::new(report::ReportApi(state.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        );
    let mut router = routes.routes().into_axum_router();
    if let Some(portal) = &state.settings.portal {
        router = router.merge(crate::portal::router(&state, portal));
    }
    // What matches no route: gRPC's UNIMPLEMENTED for gRPC clients, the
    // portal's page for people.
    router = router.fallback(not_routed);
    let server = tonic::transport::Server::builder()
        .accept_http1(true)
        .max_concurrent_streams(Some(state.settings.max_concurrent_streams))
        .layer(trace)
        .layer(GrpcWebOrPortal(cors(&state.settings.cors_origins)))
        // Inside gRPC-Web (plain gRPC trailers), outside authorisation (so
        // refusals are counted).
        .layer(crate::metrics::grpc::CallMetricsLayer(call_metrics))
        .layer(auth::AuthLayer(state.access.clone()))
        .add_routes(tonic::service::Routes::from(router))
        .serve_with_incoming_shutdown(incoming, async move {
            let _ = server_stop.wait_for(|stop| *stop).await;
        });
    tokio::pin!(server);

    let drain_deadline = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = &mut server => result?,
        () = drain_deadline => {
            tracing::warn!(grace_seconds = grace.as_secs(), "in-flight calls did not finish in time; stopping");
        }
    }
    drop(stop_rx);
    if let Some(backups) = backups {
        // A backup under way may finish (a few seconds at most; dropped
        // later, it removes its temporary file).
        let _ = tokio::time::timeout(Duration::from_secs(5), backups).await;
    }
    Ok(())
}
