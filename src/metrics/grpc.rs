//! The gRPC layer: every call counted by service, method and status code,
//! timed from its request to the end of its answer, and counted while in
//! flight.
//!
//! The status is read where tonic puts it: in the response headers for an
//! answer without a body (a refusal before the handler, an error of a unary
//! handler), else in the trailers that end the body. A call whose answer is
//! dropped before either (the client went away) counts as `CANCELLED`.
use std::{
    collections::HashSet,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body::{Frame, SizeHint};
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{family::Family, gauge::Gauge, histogram::Histogram},
};
use prost::Message as _;
use tonic::Code;

/// The label of every path that is not a method this server serves, so a
/// caller cannot grow the label set.
pub const UNKNOWN: &str = "unknown";

/// A method's labels.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabels {
    /// `ppid.v1.RequestService`, or [`UNKNOWN`].
    pub service: String,
    /// `SubmitRequest`, or [`UNKNOWN`].
    pub method: String,
}

/// A finished call's labels.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    /// See [`MethodLabels`].
    pub service: String,
    /// See [`MethodLabels`].
    pub method: String,
    /// The gRPC status code's name: `OK`, `INVALID_ARGUMENT`, ...
    pub code: &'static str,
}

/// The methods this server serves, read from the descriptor sets it
/// registers for reflection (its own, health's and reflection's).
#[derive(Debug, Clone, Default)]
pub struct Methods {
    services: HashSet<String>,
    /// `/package.Service/Method`, as requests name them.
    paths: HashSet<String>,
}

impl Methods {
    /// Every service in the encoded `FileDescriptorSet`s.
    pub fn from_descriptor_sets(sets: &[&[u8]]) -> Self {
        let mut out = Self::default();
        for set in sets {
            // The sets are compiled in; one that does not decode adds nothing
            // (its calls count as unknown).
            let Ok(set) = prost_types::FileDescriptorSet::decode(*set) else {
                continue;
            };
            for file in set.file {
                let package = file.package.unwrap_or_default();
                for service in file.service {
                    let name = match (package.as_str(), service.name) {
                        (_, None) => continue,
                        ("", Some(n)) => n,
                        (p, Some(n)) => format!("{p}.{n}"),
                    };
                    for method in service.method {
                        if let Some(m) = method.name {
                            out.paths.insert(format!("/{name}/{m}"));
                        }
                    }
                    out.services.insert(name);
                }
            }
        }
        out
    }

    /// The methods of this server.
    pub fn of_this_server() -> Self {
        Self::from_descriptor_sets(&[
            crate::pb::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ])
    }

    /// The labels of a request path `/package.Service/Method`: a method
    /// this server does not serve is `unknown`, and so is its service when
    /// that is not served either.
    pub fn labels(&self, path: &str) -> MethodLabels {
        let unknown = || MethodLabels {
            service: UNKNOWN.into(),
            method: UNKNOWN.into(),
        };
        let Some((service, method)) = path.strip_prefix('/').and_then(|p| p.split_once('/')) else {
            return unknown();
        };
        if !self.services.contains(service) {
            return unknown();
        }
        let known = self.paths.contains(path);
        MethodLabels {
            service: service.into(),
            method: if known { method.into() } else { UNKNOWN.into() },
        }
    }
}

/// The name of a gRPC status code, as gRPC's own documentation spells it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The code a `grpc-status` header or trailer carries (a value that is not
/// a code is `UNKNOWN`, as gRPC clients read it).
fn status_of(headers: &http::HeaderMap) -> Option<&'static str> {
    let value = headers.get("grpc-status")?;
    let code = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<i32>().ok())
        .map_or(Code::Unknown, Code::from_i32);
    Some(code_name(code))
}

/// Latency buckets, in seconds: 1 ms to 10 s.
const SECONDS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(SECONDS)
}

/// The gRPC calls' metrics.
pub struct CallMetrics {
    methods: Methods,
    /// Finished calls.
    pub handled: Family<CallLabels, prometheus_client::metrics::counter::Counter>,
    /// Their durations.
    pub seconds: Family<MethodLabels, Histogram, fn() -> Histogram>,
    /// Calls running now.
    pub in_flight: Family<MethodLabels, Gauge>,
}

impl CallMetrics {
    /// Empty metrics over `methods`.
    pub fn new(methods: Methods) -> Self {
        Self {
            methods,
            handled: Family::default(),
            seconds: Family::new_with_constructor(latency_histogram),
            in_flight: Family::default(),
        }
    }
}

/// One call, counted in flight until finished (or dropped).
struct Call {
    metrics: Arc<CallMetrics>,
    labels: MethodLabels,
    started: Instant,
    /// The status in the response headers, if any.
    header_code: Option<&'static str>,
    done: bool,
}

impl Call {
    fn start(metrics: Arc<CallMetrics>, labels: MethodLabels) -> Self {
        metrics.in_flight.get_or_create(&labels).inc();
        Self {
            metrics,
            labels,
            started: Instant::now(),
            header_code: None,
            done: false,
        }
    }

    /// Counts the call once, with `code`.
    fn finish(&mut self, code: &'static str) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let m = &self.metrics;
        m.in_flight.get_or_create(&self.labels).dec();
        m.seconds
            .get_or_create(&self.labels)
            .observe(self.started.elapsed().as_secs_f64());
        m.handled
            .get_or_create(&CallLabels {
                service: self.labels.service.clone(),
                method: self.labels.method.clone(),
                code,
            })
            .inc();
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        // An answer without a body carries its status in the headers (tonic
        // drops such a body unread); anything else ended early.
        let code = self.header_code.unwrap_or("CANCELLED");
        self.finish(code);
    }
}

/// A response body that counts its call when the trailers (or the end)
/// arrive.
struct MeteredBody {
    inner: tonic::body::Body,
    call: Call,
}

impl http_body::Body for MeteredBody {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    this.call.finish(status_of(trailers).unwrap_or("UNKNOWN"));
                }
            }
            Poll::Ready(Some(Err(_))) => this.call.finish("UNKNOWN"),
            Poll::Ready(None) => {
                let code = this.call.header_code.unwrap_or("UNKNOWN");
                this.call.finish(code);
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The tower layer (between gRPC-Web and authorisation, so it sees plain
/// gRPC and counts refused calls too). Without metrics it passes calls
/// through.
#[derive(Clone)]
pub struct CallMetricsLayer(pub Option<Arc<CallMetrics>>);

impl<S> tower::Layer<S> for CallMetricsLayer {
    type Service = CallMetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallMetricsService {
            metrics: self.0.clone(),
            inner,
        }
    }
}

/// See [`CallMetricsLayer`].
#[derive(Clone)]
pub struct CallMetricsService<S> {
    metrics: Option<Arc<CallMetrics>>,
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for CallMetricsService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let Some(metrics) = self.metrics.clone() else {
            return Box::pin(self.inner.call(req));
        };
        // Portal pages are not gRPC calls.
        if crate::portal::is_portal_path(req.uri().path()) {
            return Box::pin(self.inner.call(req));
        }
        let labels = metrics.methods.labels(req.uri().path());
        let mut call = Call::start(metrics, labels);
        let answer = self.inner.call(req);
        Box::pin(async move {
            match answer.await {
                Ok(response) => {
                    call.header_code = status_of(response.headers());
                    let (parts, body) = response.into_parts();
                    let body = tonic::body::Body::new(MeteredBody { inner: body, call });
                    Ok(http::Response::from_parts(parts, body))
                }
                Err(e) => {
                    call.finish("UNKNOWN");
                    Err(e)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(m: &Methods, path: &str) -> (String, String) {
        let l = m.labels(path);
        (l.service, l.method)
    }

    #[test]
    fn paths_to_labels() {
        let m = Methods::of_this_server();
        let pair = |s: &str, m: &str| (s.to_string(), m.to_string());
        assert_eq!(
            labels(&m, "/ppid.v1.RequestService/SubmitRequest"),
            pair("ppid.v1.RequestService", "SubmitRequest")
        );
        assert_eq!(
            labels(&m, "/ppid.v1.AgencyService/ListAgencies"),
            pair("ppid.v1.AgencyService", "ListAgencies")
        );
        assert_eq!(
            labels(&m, "/grpc.health.v1.Health/Check"),
            pair("grpc.health.v1.Health", "Check")
        );
        assert_eq!(
            labels(
                &m,
                "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
            ),
            pair(
                "grpc.reflection.v1alpha.ServerReflection",
                "ServerReflectionInfo"
            )
        );
        // A served service with a method it lacks keeps the service.
        for path in [
            "/ppid.v1.RequestService/DropTables",
            "/ppid.v1.RequestService/SubmitRequest/extra",
            "/ppid.v1.RequestService/",
        ] {
            assert_eq!(
                labels(&m, path),
                pair("ppid.v1.RequestService", UNKNOWN),
                "{path:?}"
            );
        }
        // Everything else is one bucket, whatever the caller sends.
        for path in [
            "",
            "/",
            "/metrics",
            "/ppid.v1.RequestService",
            "/ppid.v1.NoSuchService/SubmitRequest",
            "/requests/0b9a4f0e-8a4c-4e53-9d6b-3f0c3d1f4a11/Get",
            "ppid.v1.RequestService/SubmitRequest",
        ] {
            assert_eq!(labels(&m, path), pair(UNKNOWN, UNKNOWN), "{path:?}");
        }
    }

    #[test]
    fn every_service_of_the_contract_is_known() {
        let m = Methods::of_this_server();
        for service in [
            "ppid.v1.AgencyService",
            "ppid.v1.RequestService",
            "ppid.v1.CalendarService",
            "ppid.v1.ExemptionService",
            "ppid.v1.ObjectionService",
            "ppid.v1.IndicatorService",
            "ppid.v1.KeyService",
            "ppid.v1.ReportService",
            "ppid.v1.EventService",
            "ppid.v1.LetterService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
        ] {
            assert!(m.services.contains(service), "{service}");
        }
        // No google.* helper package brings services.
        assert!(m.services.iter().all(|s| !s.starts_with("google.")));
    }

    #[test]
    fn status_headers_and_trailers() {
        let mut h = http::HeaderMap::new();
        assert_eq!(status_of(&h), None);
        h.insert("grpc-status", "0".parse().unwrap());
        assert_eq!(status_of(&h), Some("OK"));
        h.insert("grpc-status", "3".parse().unwrap());
        assert_eq!(status_of(&h), Some("INVALID_ARGUMENT"));
        h.insert("grpc-status", "16".parse().unwrap());
        assert_eq!(status_of(&h), Some("UNAUTHENTICATED"));
        // Not a code: UNKNOWN, never the raw value as a label.
        h.insert("grpc-status", "99".parse().unwrap());
        assert_eq!(status_of(&h), Some("UNKNOWN"));
        h.insert("grpc-status", "ok".parse().unwrap());
        assert_eq!(status_of(&h), Some("UNKNOWN"));
    }

    /// A service answering with `answer()`.
    #[derive(Clone)]
    struct Fixed(fn() -> http::Response<tonic::body::Body>);

    impl tower::Service<http::Request<()>> for Fixed {
        type Response = http::Response<tonic::body::Body>;
        type Error = std::convert::Infallible;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: http::Request<()>) -> Self::Future {
            std::future::ready(Ok((self.0)()))
        }
    }

    /// A streamed answer: one message, then trailers with `code`.
    fn streamed(code: &'static str) -> http::Response<tonic::body::Body> {
        let mut trailers = http::HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static(code));
        let frames = vec![
            Ok::<_, tonic::Status>(Frame::data(Bytes::from_static(b"\0\0\0\0\0"))),
            Ok(Frame::trailers(trailers)),
        ];
        let body = http_body_util::StreamBody::new(futures::stream::iter(frames));
        http::Response::new(tonic::body::Body::new(body))
    }

    fn ok() -> http::Response<tonic::body::Body> {
        streamed("0")
    }

    fn not_found() -> http::Response<tonic::body::Body> {
        streamed("5")
    }

    fn refused() -> http::Response<tonic::body::Body> {
        tonic::Status::invalid_argument("no").into_http()
    }

    async fn call(
        metrics: &Arc<CallMetrics>,
        answer: fn() -> http::Response<tonic::body::Body>,
        path: &str,
        read_body: bool,
    ) {
        use http_body_util::BodyExt as _;
        use tower::{Layer as _, Service as _};
        let mut svc = CallMetricsLayer(Some(metrics.clone())).layer(Fixed(answer));
        let req = http::Request::builder().uri(path).body(()).unwrap();
        let response = svc.call(req).await.unwrap();
        if read_body {
            let _ = response.into_body().collect().await;
        }
    }

    fn handled(m: &CallMetrics, method: &str, code: &'static str) -> u64 {
        m.handled
            .get_or_create(&CallLabels {
                service: "ppid.v1.RequestService".into(),
                method: method.into(),
                code,
            })
            .get()
    }

    #[tokio::test]
    async fn codes_from_trailers_headers_and_drops() {
        let m = Arc::new(CallMetrics::new(Methods::of_this_server()));
        let path = "/ppid.v1.RequestService/GetRequest";
        call(&m, ok, path, true).await;
        call(&m, ok, path, true).await;
        call(&m, not_found, path, true).await;
        // Trailers-only: the status is in the headers, the body is empty.
        call(&m, refused, path, true).await;
        call(&m, refused, path, false).await;
        // The client went away before the trailers.
        call(&m, ok, path, false).await;
        assert_eq!(handled(&m, "GetRequest", "OK"), 2);
        assert_eq!(handled(&m, "GetRequest", "NOT_FOUND"), 1);
        assert_eq!(handled(&m, "GetRequest", "INVALID_ARGUMENT"), 2);
        assert_eq!(handled(&m, "GetRequest", "CANCELLED"), 1);
        let labels = MethodLabels {
            service: "ppid.v1.RequestService".into(),
            method: "GetRequest".into(),
        };
        assert_eq!(m.in_flight.get_or_create(&labels).get(), 0);
        // Unknown method: bucketed.
        call(&m, ok, "/ppid.v1.RequestService/Nope", true).await;
        assert_eq!(handled(&m, UNKNOWN, "OK"), 1);
    }
}
