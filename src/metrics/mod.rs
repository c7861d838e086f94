//! Prometheus metrics on a listener of their own (`serve --metrics-listen`):
//! gRPC calls, the single writer, the connection pools, each Pemda's
//! register and the build.
//!
//! One registry per server (prometheus-client), not a process-wide
//! recorder, so servers sharing a process (the tests) count apart. A scrape
//! only reads memory: the register's gauges are recomputed by a background
//! task every `--metrics-refresh-every`, and pool use and the writer's
//! state are read from memory at the scrape. No label carries a request, a
//! person or an agency below the Pemda.
use std::{
    collections::HashSet,
    convert::Infallible,
    sync::{Arc, Mutex, atomic::AtomicU64},
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::Full;
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, info::Info},
    registry::Registry,
};
use tokio::{net::TcpListener, sync::watch};

use crate::{app::App, store::Health};

pub mod grpc;

/// How often the register's gauges are recomputed by default.
pub const DEFAULT_REFRESH_EVERY: Duration = Duration::from_secs(60);

/// The OpenMetrics text format's content type.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A Pemda (the root of an agency tree).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PemdaLabels {
    pemda: String,
}

/// A connection pool.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
}

/// What the build is.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    git_hash: &'static str,
    backend: &'static str,
}

/// The per-Pemda gauges, set by the refresh task.
#[derive(Default)]
struct RegisterGauges {
    open: Family<PemdaLabels, Gauge>,
    due_soon: Family<PemdaLabels, Gauge>,
    overdue_for_notice: Family<PemdaLabels, Gauge>,
    overdue_for_delivery: Family<PemdaLabels, Gauge>,
    objections_to_answer: Family<PemdaLabels, Gauge>,
    /// Unix time of the last refresh that succeeded.
    refreshed: Gauge,
    /// How long it took, in seconds.
    refresh_seconds: Gauge<f64, AtomicU64>,
    /// Refreshes that failed.
    refresh_failures: Counter,
    /// The Pemdas last set, to drop the ones that are gone.
    pemdas: Mutex<HashSet<String>>,
}

/// A server's metrics.
pub struct Metrics {
    registry: Registry,
    /// The gRPC layer's metrics.
    pub calls: Arc<grpc::CallMetrics>,
    register: Arc<RegisterGauges>,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_idle: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolLabels, Gauge>,
    writer_up: Gauge,
    app: App,
    writer_health: watch::Receiver<Health>,
}

impl Metrics {
    /// The metrics of a server over `app`.
    pub fn new(app: App) -> Self {
        let mut registry = Registry::with_prefix("ppid");
        let calls = Arc::new(grpc::CallMetrics::new(grpc::Methods::of_this_server()));
        registry.register(
            "grpc_server_handled",
            "gRPC calls finished, by service, method and status code",
            calls.handled.clone(),
        );
        registry.register(
            "grpc_server_handling_seconds",
            "gRPC call durations, from the request to the end of the answer (streams: their whole life)",
            calls.seconds.clone(),
        );
        registry.register(
            "grpc_server_in_flight",
            "gRPC calls running now",
            calls.in_flight.clone(),
        );

        let writer = app.store().writer().metrics().clone();
        registry.register(
            "writer_queue_depth",
            "Writes waiting for the single writer",
            writer.queue_depth,
        );
        registry.register(
            "writer_group_size",
            "Writes committed together in one transaction",
            writer.group_size,
        );
        registry.register(
            "writer_group_seconds",
            "A write group from BEGIN until its callers are answered",
            writer.group_seconds,
        );
        registry.register(
            "writer_commit_seconds",
            "The COMMIT of a write group (on SQLite, with its fsync)",
            writer.commit_seconds,
        );
        let writer_up = Gauge::default();
        registry.register(
            "writer_up",
            "1 while the writer writes, 0 once it stopped after a failed commit",
            writer_up.clone(),
        );

        let pool_connections = Family::<PoolLabels, Gauge>::default();
        let pool_idle = Family::<PoolLabels, Gauge>::default();
        let pool_max = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Connections open in a database pool",
            pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle connections in a database pool",
            pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "The most connections a database pool opens",
            pool_max.clone(),
        );

        let register = Arc::new(RegisterGauges::default());
        for (name, help, family) in [
            (
                "register_open_requests",
                "Open requests (no written notice yet, not withdrawn) in the Pemda",
                &register.open,
            ),
            (
                "register_due_soon_requests",
                "Written notices due within the due-soon threshold (GetWorkload)",
                &register.due_soon,
            ),
            (
                "register_overdue_notice_requests",
                "Requests past their due date without a written notice",
                &register.overdue_for_notice,
            ),
            (
                "register_overdue_delivery_requests",
                "Requests answered with information not delivered by its date",
                &register.overdue_for_delivery,
            ),
            (
                "register_objections_awaiting_answer",
                "Objections the atasan PPID has not answered",
                &register.objections_to_answer,
            ),
        ] {
            registry.register(name, help, family.clone());
        }
        registry.register(
            "register_refresh_timestamp_seconds",
            "Unix time of the last successful refresh of the register gauges",
            register.refreshed.clone(),
        );
        registry.register(
            "register_refresh_duration_seconds",
            "How long the last refresh of the register gauges took",
            register.refresh_seconds.clone(),
        );
        registry.register(
            "register_refresh_failures",
            "Refreshes of the register gauges that failed",
            register.refresh_failures.clone(),
        );

        registry.register(
            "build",
            "The running build",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                git_hash: option_env!("PPID_GIT_HASH").unwrap_or("unknown"),
                backend: app.store().backend(),
            }),
        );

        let writer_health = app.writer_health();
        Self {
            registry,
            calls,
            register,
            pool_connections,
            pool_idle,
            pool_max,
            writer_up,
            app,
            writer_health,
        }
    }

    /// The scrape: what is read from memory now, then the whole registry
    /// in the OpenMetrics text format.
    pub fn render(&self) -> String {
        for pool in self.app.store().pools() {
            let labels = PoolLabels { pool: pool.name };
            self.pool_connections
                .get_or_create(&labels)
                .set(i64::from(pool.size));
            self.pool_idle.get_or_create(&labels).set(pool.idle as i64);
            self.pool_max
                .get_or_create(&labels)
                .set(i64::from(pool.max));
        }
        let up = matches!(*self.writer_health.borrow(), Health::Writing);
        self.writer_up.set(i64::from(up));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Recomputes the register's gauges once.
    pub async fn refresh(&self) -> crate::error::Result<()> {
        let started = Instant::now();
        let counts = match self.app.register_counts().await {
            Ok(c) => c,
            Err(e) => {
                self.register.refresh_failures.inc();
                return Err(e);
            }
        };
        let r = &self.register;
        let mut seen = HashSet::new();
        for (pemda, c) in counts {
            let labels = PemdaLabels { pemda: pemda.id };
            r.open.get_or_create(&labels).set(c.open);
            r.due_soon.get_or_create(&labels).set(c.due_soon);
            r.overdue_for_notice
                .get_or_create(&labels)
                .set(c.overdue_for_notice);
            r.overdue_for_delivery
                .get_or_create(&labels)
                .set(c.overdue_for_delivery);
            r.objections_to_answer
                .get_or_create(&labels)
                .set(c.objections_to_answer);
            seen.insert(labels.pemda);
        }
        let mut last = r.pemdas.lock().unwrap_or_else(|e| e.into_inner());
        for gone in last.difference(&seen) {
            let labels = PemdaLabels {
                pemda: gone.clone(),
            };
            for family in [
                &r.open,
                &r.due_soon,
                &r.overdue_for_notice,
                &r.overdue_for_delivery,
                &r.objections_to_answer,
            ] {
                family.remove(&labels);
            }
        }
        *last = seen;
        r.refresh_seconds.set(started.elapsed().as_secs_f64());
        // Wall-clock time: it says whether the task is alive.
        r.refreshed.set(jiff::Timestamp::now().as_second());
        Ok(())
    }
}

/// Recomputes the register's gauges every `every` (the first at once)
/// until `stop`; a failed round is logged and the next tried.
pub async fn refresh_loop(metrics: Arc<Metrics>, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = metrics.refresh().await {
                    tracing::warn!(error = %e, "metrics: refreshing the register gauges failed");
                }
            }
            () = crate::api::stopping(&mut stop) => return,
        }
    }
}

/// Serves `GET /metrics` over HTTP/1 on `listener` until `stop`.
pub async fn serve_endpoint(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(error = %e, "metrics: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = crate::api::stopping(&mut stop) => return,
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let answer = answer(&metrics, &req);
                async move { Ok::<_, Infallible>(answer) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            // A scraper that hangs up early is not our error.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

fn answer<B>(metrics: &Metrics, req: &http::Request<B>) -> http::Response<Full<Bytes>> {
    let reply = |status: http::StatusCode, content_type: &'static str, body: String| {
        let mut r = http::Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        r.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(content_type),
        );
        r
    };
    match (req.method(), req.uri().path()) {
        (&http::Method::GET | &http::Method::HEAD, "/metrics") => {
            reply(http::StatusCode::OK, CONTENT_TYPE, metrics.render())
        }
        (_, "/metrics") => reply(
            http::StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "GET /metrics\n".into(),
        ),
        _ => reply(
            http::StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "metrics are at /metrics\n".into(),
        ),
    }
}
