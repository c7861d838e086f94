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
            exemption_service_server::ExemptionServiceServer,
            indicator_service_server::IndicatorServiceServer, key_service_server::KeyServiceServer,
            objection_service_server::ObjectionServiceServer,
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
pub mod error;
pub mod exemption;
pub mod indicator;
pub mod key;
pub mod objection;
pub mod report;
pub mod request;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// Who is calling.
    pub access: Arc<auth::Authenticator>,
}

impl AppState {
    /// The state of a server; `allow_open`: a database without keys runs
    /// open; `track_per_minute`: TrackRequest attempts per client address.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        allow_open: bool,
        track_per_minute: u32,
    ) -> Self {
        let app = App::new(store, clock);
        let access = Arc::new(auth::Authenticator::new(
            app.clone(),
            allow_open,
            track_per_minute,
        ));
        Self { app, access }
    }
}

/// The largest message a client may send: a request's texts are bounded
/// far below this (see `convert::Text`), so anything larger is abuse.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// Serves the API on `listener` until `shutdown` completes, then drains
/// in-flight calls for at most `grace`.
pub async fn serve(
    listener: TcpListener,
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
    let server = tonic::transport::Server::builder()
        .accept_http1(true)
        .layer(trace)
        .layer(CorsLayer::permissive())
        .layer(tonic_web::GrpcWebLayer::new())
        .layer(auth::AuthLayer(state.access.clone()))
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
            ReportServiceServer::new(report::ReportApi(state))
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
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
    Ok(())
}
