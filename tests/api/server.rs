//! The server as a whole: health, reflection, gRPC-Web, undecodable input,
//! several servers on one database, and the `ppid` binary's lifecycle.
use std::{process::Command, sync::Arc, time::Duration};

use ppid::{pb::ppid::v1 as pb, store::StoreSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

use crate::{
    helpers::{Backend, TestDb, spawn_app, spawn_on, submission},
    on_both_backends,
};

on_both_backends!(
    health_and_reflection,
    grpc_web_from_a_browser,
    undecodable_messages,
    oversized_messages_and_texts,
    two_servers_one_database
);

async fn health_and_reflection(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(app.channel.clone());
    for service in [
        "",
        "ppid.v1.RequestService",
        "ppid.v1.AgencyService",
        "ppid.v1.CalendarService",
    ] {
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
            "{service:?}"
        );
    }

    use tonic_reflection::pb::{v1, v1alpha};
    let mut client = v1::server_reflection_client::ServerReflectionClient::new(app.channel.clone());
    let req = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
            String::new(),
        )),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([req]))
        .await
        .unwrap()
        .into_inner();
    let resp = stream.message().await.unwrap().unwrap();
    let Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        resp.message_response
    else {
        panic!("unexpected reflection answer {resp:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for s in [
        "ppid.v1.AgencyService",
        "ppid.v1.RequestService",
        "ppid.v1.CalendarService",
        "grpc.health.v1.Health",
    ] {
        assert!(names.contains(&s.to_string()), "{s} in {names:?}");
    }

    let mut alpha =
        v1alpha::server_reflection_client::ServerReflectionClient::new(app.channel.clone());
    let req = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::FileContainingSymbol(
                "ppid.v1.RequestService".into(),
            ),
        ),
    };
    let mut stream = alpha
        .server_reflection_info(tokio_stream::iter([req]))
        .await
        .unwrap()
        .into_inner();
    let resp = stream.message().await.unwrap().unwrap();
    assert!(
        matches!(
            resp.message_response,
            Some(v1alpha::server_reflection_response::MessageResponse::FileDescriptorResponse(ref f)) if !f.file_descriptor_proto.is_empty()
        ),
        "v1alpha serves the descriptors: {resp:?}"
    );
}

/// One HTTP/1.1 exchange on a fresh connection; returns the raw response.
async fn http1(port: u16, request: Vec<u8>) -> Vec<u8> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(&request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("answer in time")
        .unwrap();
    out
}

async fn grpc_web_from_a_browser(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    // An empty ListAgenciesRequest in one gRPC-Web frame: flag 0, length 0.
    let frame = [0u8, 0, 0, 0, 0];
    let mut req = format!(
        "POST /ppid.v1.AgencyService/ListAgencies HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\nOrigin: https://ppid.serangkota.go.id\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        frame.len()
    )
    .into_bytes();
    req.extend_from_slice(&frame);
    let resp = http1(app.port, req).await;
    let text = String::from_utf8_lossy(&resp);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("access-control-allow-origin"),
        "CORS for browsers: {text}"
    );
    assert!(
        text.contains("agencies/kota-serang"),
        "the answer carries the agency: {text}"
    );
    assert!(
        text.contains("grpc-status:0"),
        "trailers in the body: {text}"
    );

    let preflight = "OPTIONS /ppid.v1.RequestService/SubmitRequest HTTP/1.1\r\nHost: 127.0.0.1\r\n\
        Origin: https://ppid.serangkota.go.id\r\nAccess-Control-Request-Method: POST\r\n\
        Access-Control-Request-Headers: content-type,x-grpc-web\r\nConnection: close\r\n\r\n";
    let resp = http1(app.port, preflight.as_bytes().to_vec()).await;
    let text = String::from_utf8_lossy(&resp).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(text.contains("access-control-allow-methods"), "{text}");
}

#[derive(Clone, PartialEq, prost::Message)]
struct RawCreateAgency {
    #[prost(string, tag = "1")]
    agency_id: String,
    #[prost(message, optional, tag = "2")]
    agency: Option<RawAgency>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct RawAgency {
    /// Sent as bytes so the test can put invalid UTF-8 where a string belongs.
    #[prost(bytes = "vec", tag = "2")]
    display_name: Vec<u8>,
    #[prost(int32, tag = "3")]
    kind: i32,
}

async fn undecodable_messages(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let mut grpc = tonic::client::Grpc::new(app.channel.clone());
    grpc.ready().await.unwrap();
    let raw = RawCreateAgency {
        agency_id: "kota-serang".into(),
        agency: Some(RawAgency {
            display_name: vec![b'K', 0xff, 0xfe, b'x'],
            kind: 1,
        }),
    };
    let res = grpc
        .unary(
            tonic::Request::new(raw),
            http::uri::PathAndQuery::from_static("/ppid.v1.AgencyService/CreateAgency"),
            tonic_prost::ProstCodec::<RawCreateAgency, pb::Agency>::default(),
        )
        .await;
    let err = res.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    let list = app
        .agencies
        .list_agencies(pb::ListAgenciesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(list.agencies.is_empty(), "nothing was written");
}

/// A message over the size limit is refused before it is decoded, a text
/// over its length limit gets a field violation; nothing is written and the
/// server keeps serving.
async fn oversized_messages_and_texts(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let mut huge = submission("kota-serang", "");
    huge.request.as_mut().unwrap().information_requested =
        "x".repeat(ppid::api::MAX_MESSAGE_BYTES + 1);
    let err = app.requests.submit_request(huge).await.unwrap_err();
    assert!(
        matches!(err.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{err:?}"
    );
    let mut long = submission("kota-serang", "");
    long.request.as_mut().unwrap().information_requested = "rincian ".repeat(20_000);
    let err = app.requests.submit_request(long).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert_eq!(
        crate::helpers::violations(&err),
        vec!["request.information_requested".to_string()]
    );
    assert!(app.all_requests().await.is_empty(), "nothing was written");
    // Still serving.
    app.submit("kota-serang", "").await;
    assert_eq!(app.all_requests().await.len(), 1);
}

async fn two_servers_one_database(backend: Backend) {
    let db = Arc::new(TestDb::new(&backend).await);
    let mut one = spawn_on(db.clone(), StoreSettings::default()).await;
    let two = spawn_on(db.clone(), StoreSettings::default()).await;
    one.pemda("kota-serang").await;
    // Both servers register at once; numbers stay unique and gapless.
    let calls = (0..40).map(|i| {
        let mut client = if i % 2 == 0 {
            one.requests.clone()
        } else {
            two.requests.clone()
        };
        tokio::spawn(async move {
            client
                .submit_request(submission("kota-serang", "2026-03-02T02:00:00Z"))
                .await
                .map(|r| r.into_inner())
        })
    });
    let mut numbers: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().expect("submit").registration_number)
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=40)
        .map(|n| format!("KOTA-SERANG/PPID/2026/{n:06}"))
        .collect();
    assert_eq!(numbers, expected);

    // A retry that lands on the other server returns the first result.
    let body = submission("kota-serang", "2026-03-02T02:00:00Z");
    let first = one
        .requests
        .clone()
        .submit_request(body.clone())
        .await
        .unwrap()
        .into_inner();
    let again = two
        .requests
        .clone()
        .submit_request(body)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.name, again.name);
    assert_eq!(first.registration_number, again.registration_number);

    // A holiday added through one server moves due dates the other computes.
    two.calendar
        .clone()
        .add_holiday(pb::AddHolidayRequest {
            holiday: Some(pb::Holiday {
                date: Some(ppid::pb::google::r#type::Date {
                    year: 2026,
                    month: 3,
                    day: 4,
                }),
                display_name: "Libur".into(),
                kind: pb::holiday::Kind::NationalHoliday as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let fresh = one.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    assert_eq!(crate::helpers::day(&fresh.due_date), "2026-03-17");
    one.stop().await;
    two.stop().await;
}

/// `ppid serve` as a process: starts on port 0, answers, stops on SIGTERM.
#[tokio::test]
async fn binary_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ppid.db");
    let status = Command::new(env!("CARGO_BIN_EXE_ppid"))
        .args(["migrate", "--database-url"])
        .arg(&db)
        .status()
        .unwrap();
    assert!(status.success(), "ppid migrate");

    let served = crate::helpers::serve_process(&db.to_string_lossy(), &[]);
    for line in &served.startup {
        let _: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("JSON log line: {line}"));
    }
    let (mut child, addr, rx) = (served.child, served.addr, served.lines);
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap();

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server stops after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "clean exit: {exit:?}");
    // The reader thread may still be forwarding the last lines: read until
    // it hangs up at the end of the stream.
    let mut rest = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        rest.push(line);
    }
    assert!(rest.iter().any(|l| l.contains("SIGTERM")), "{rest:?}");
    // No keys in the database: open mode, announced at WARN, never silently.
    assert!(
        rest.iter()
            .any(|l| l.contains("OPEN MODE") && l.contains("WARN")),
        "{rest:?}"
    );
}
