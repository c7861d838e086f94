//! Prometheus metrics (`serve --metrics-listen`): calls by service, method
//! and code, latency histograms, the writer, the pools, each Pemda's
//! register after a refresh, the build; and the flag's errors.
use std::{collections::BTreeMap, process::Command, time::Duration};

use ppid::pb::ppid::v1::{self as pb, ObjectionGround as G, workload_group::Kind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

use crate::{
    helpers::{
        Backend, NIK, TRACK_PER_MINUTE, TestDb, serve_process, spawn_app, spawn_app_metered,
    },
    on_both_backends,
    worklist::{MONDAY, register},
};

on_both_backends!(
    calls_register_and_build_are_scraped,
    the_binary_logs_its_metrics_address
);

/// One HTTP/1.1 GET; the status line, the headers (lower-case) and the body.
async fn get(port: u16, path: &str) -> (String, String, String) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the metrics endpoint accepts");
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("answer in time")
        .unwrap();
    let text = String::from_utf8(out).expect("UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (
        status.to_string(),
        headers.to_ascii_lowercase(),
        body.to_string(),
    )
}

/// Each sample line as `name{labels}` -> value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("series value");
            (series.to_string(), value.parse().expect("a number"))
        })
        .collect()
}

pub(crate) async fn scrape(port: u16) -> BTreeMap<String, f64> {
    let (status, headers, body) = get(port, "/metrics").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(
        headers.contains("content-type: application/openmetrics-text"),
        "{headers}"
    );
    assert!(body.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");
    samples(&body)
}

fn handled(service: &str, method: &str, code: &str) -> String {
    format!(
        "ppid_grpc_server_handled_total{{service=\"{service}\",method=\"{method}\",code=\"{code}\"}}"
    )
}

fn gauge(name: &str, pemda: &str) -> String {
    format!("{name}{{pemda=\"{pemda}\"}}")
}

/// Kota Serang: the worklist's register (due 13, 16, 17, 25, 26 March, one
/// withdrawn; on Monday 16 March: three due soon, one overdue for the
/// notice), one objection, and one request answered in February and never
/// delivered. Kabupaten Lebak: one open request, due later.
async fn calls_register_and_build_are_scraped(backend: Backend) {
    let postgres = matches!(backend, Backend::Postgres(_));
    let mut app = spawn_app_metered(
        backend,
        ppid::api::ServerSettings {
            track_per_minute: TRACK_PER_MINUTE,
            metrics_refresh_every: Duration::from_millis(200),
            ..ppid::api::ServerSettings::default()
        },
    )
    .await;
    let port = app.metrics_port.expect("metrics on");

    // Before any call: the build and the writer are there.
    let s = scrape(port).await;
    let backend_name = if postgres { "postgres" } else { "sqlite" };
    let build = format!(
        "ppid_build_info{{version=\"{}\",git_hash=\"",
        env!("CARGO_PKG_VERSION")
    );
    let info: Vec<_> = s.iter().filter(|(k, _)| k.starts_with(&build)).collect();
    assert_eq!(info.len(), 1, "one build line: {s:#?}");
    assert!(
        info[0]
            .0
            .ends_with(&format!(",backend=\"{backend_name}\"}}")),
        "{info:?}"
    );
    assert_eq!(*info[0].1, 1.0);
    assert_eq!(s.get("ppid_writer_up"), Some(&1.0));

    let rs = register(&mut app).await;
    app.objections
        .file_objection(pb::FileObjectionRequest {
            request: rs[0].name.clone(),
            grounds: vec![G::NotAnswered as i32],
            statement: "Permohonan saya tidak ditanggapi.".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    // Received 2 February, answered with information on the 3rd, never
    // delivered: overdue for delivery by 16 March.
    app.set_now("2026-02-02T02:00:00Z");
    let late = app.submit("bappeda", "2026-02-02T02:00:00Z").await;
    app.set_now("2026-02-03T02:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: late.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Permohonan Saudara kami kabulkan.".into(),
                delivery_method: pb::DeliveryMethod::Email as i32,
                format: "PDF".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    app.set_now(MONDAY);
    app.pemda("kab-lebak").await;
    app.submit("kab-lebak", MONDAY).await;
    // Two failing calls: INVALID_ARGUMENT (an empty submission).
    for _ in 0..2 {
        let err = app
            .requests
            .submit_request(pb::SubmitRequestRequest::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    }
    // A path the server does not serve: one bucket.
    let mut grpc = tonic::client::Grpc::new(app.channel.clone());
    grpc.ready().await.unwrap();
    let err = grpc
        .unary::<(), (), _>(
            tonic::Request::new(()),
            http::uri::PathAndQuery::from_static("/ppid.v1.SecretService/DumpRequesters"),
            tonic_prost::ProstCodec::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
    // A browser's gRPC-Web call counts like any other (an empty
    // ListAgenciesRequest in one frame; the status travels in the body).
    let frame = [0u8, 0, 0, 0, 0];
    let mut web = format!(
        "POST /ppid.v1.AgencyService/ListAgencies HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        frame.len()
    )
    .into_bytes();
    web.extend_from_slice(&frame);
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    conn.write_all(&web).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer))
        .await
        .expect("answer in time")
        .unwrap();
    assert!(
        String::from_utf8_lossy(&answer).contains("grpc-status:0"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // The register's figures as GetWorkload gives them.
    let w = app
        .requests
        .get_workload(pb::GetWorkloadRequest {
            agency: "agencies/kota-serang".into(),
            max_items: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let count = |k: Kind| {
        w.groups
            .iter()
            .find(|g| g.kind == k as i32)
            .map(|g| f64::from(g.count))
    };
    assert_eq!(count(Kind::DueSoon), Some(3.0));
    assert_eq!(count(Kind::OverdueForNotice), Some(1.0));
    assert_eq!(count(Kind::OverdueForDelivery), Some(1.0));
    assert_eq!(count(Kind::ObjectionToAnswer), Some(1.0));

    // The gauges follow once the refresh task has run after the last write.
    let expected = [
        ("ppid_register_open_requests", "kota-serang", Some(5.0)),
        (
            "ppid_register_due_soon_requests",
            "kota-serang",
            count(Kind::DueSoon),
        ),
        (
            "ppid_register_overdue_notice_requests",
            "kota-serang",
            count(Kind::OverdueForNotice),
        ),
        (
            "ppid_register_overdue_delivery_requests",
            "kota-serang",
            count(Kind::OverdueForDelivery),
        ),
        (
            "ppid_register_objections_awaiting_answer",
            "kota-serang",
            count(Kind::ObjectionToAnswer),
        ),
        ("ppid_register_open_requests", "kab-lebak", Some(1.0)),
        ("ppid_register_due_soon_requests", "kab-lebak", Some(0.0)),
        (
            "ppid_register_overdue_notice_requests",
            "kab-lebak",
            Some(0.0),
        ),
        (
            "ppid_register_overdue_delivery_requests",
            "kab-lebak",
            Some(0.0),
        ),
        (
            "ppid_register_objections_awaiting_answer",
            "kab-lebak",
            Some(0.0),
        ),
    ];
    let matches = |s: &BTreeMap<String, f64>| {
        expected
            .iter()
            .all(|(name, pemda, v)| s.get(&gauge(name, pemda)).copied() == *v)
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut s = scrape(port).await;
    while !matches(&s) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        s = scrape(port).await;
    }
    for (name, pemda, v) in expected {
        assert_eq!(s.get(&gauge(name, pemda)).copied(), v, "{name} of {pemda}");
    }
    assert!(s["ppid_register_refresh_timestamp_seconds"] > 0.0);
    assert_eq!(s.get("ppid_register_refresh_failures_total"), Some(&0.0));

    // Calls by service, method and code.
    let agency = "ppid.v1.AgencyService";
    let requests = "ppid.v1.RequestService";
    assert_eq!(s.get(&handled(agency, "CreateAgency", "OK")), Some(&4.0));
    assert_eq!(s.get(&handled(requests, "SubmitRequest", "OK")), Some(&8.0));
    assert_eq!(
        s.get(&handled(requests, "SubmitRequest", "INVALID_ARGUMENT")),
        Some(&2.0)
    );
    assert_eq!(
        s.get(&handled(requests, "WithdrawRequest", "OK")),
        Some(&1.0)
    );
    assert_eq!(s.get(&handled(agency, "ListAgencies", "OK")), Some(&1.0));
    assert_eq!(
        s.get(&handled(requests, "RespondRequest", "OK")),
        Some(&1.0)
    );
    assert_eq!(s.get(&handled(requests, "GetWorkload", "OK")), Some(&1.0));
    assert_eq!(
        s.get(&handled("ppid.v1.ObjectionService", "FileObjection", "OK")),
        Some(&1.0)
    );
    assert_eq!(
        s.get(&handled("unknown", "unknown", "UNIMPLEMENTED")),
        Some(&1.0)
    );
    // Latency: every bucket of the histogram, cumulative, with the count.
    let bucket = |le: &str| {
        format!(
            "ppid_grpc_server_handling_seconds_bucket{{le=\"{le}\",service=\"{requests}\",method=\"SubmitRequest\"}}"
        )
    };
    for le in ["0.001", "0.01", "0.1", "1.0", "10.0", "+Inf"] {
        assert!(s.contains_key(&bucket(le)), "{} in {s:#?}", bucket(le));
    }
    assert_eq!(s[&bucket("+Inf")], 10.0, "8 OK and 2 refused");
    assert_eq!(
        s[&format!(
            "ppid_grpc_server_handling_seconds_count{{service=\"{requests}\",method=\"SubmitRequest\"}}"
        )],
        10.0
    );
    assert_eq!(
        s.get(&format!(
            "ppid_grpc_server_in_flight{{service=\"{requests}\",method=\"SubmitRequest\"}}"
        )),
        Some(&0.0)
    );

    // The writer: every write went through it (the holidays at start too).
    assert!(s["ppid_writer_group_size_sum"] >= 15.0, "{s:#?}");
    assert!(s["ppid_writer_commit_seconds_count"] >= 1.0);
    assert!(s.contains_key("ppid_writer_commit_seconds_bucket{le=\"+Inf\"}"));
    assert_eq!(s.get("ppid_writer_queue_depth"), Some(&0.0));
    assert_eq!(s.get("ppid_writer_up"), Some(&1.0));
    // The pools.
    let pools: &[&str] = if postgres {
        &["read", "export", "write"]
    } else {
        &["read"]
    };
    for pool in pools {
        let max = s[&format!("ppid_db_pool_max_connections{{pool=\"{pool}\"}}")];
        let open = s[&format!("ppid_db_pool_connections{{pool=\"{pool}\"}}")];
        let idle = s[&format!("ppid_db_pool_idle_connections{{pool=\"{pool}\"}}")];
        assert!(
            max >= 1.0 && open <= max && idle <= open,
            "{pool}: {open} {idle} {max}"
        );
    }

    // Bounded and impersonal: no agency below the Pemda, no request, no
    // person.
    let (_, _, body) = get(port, "/metrics").await;
    for never in [
        "dinkes",
        "bappeda",
        "KOTA-SERANG/PPID",
        NIK,
        "Siti",
        "requests/",
        "SecretService",
        "DumpRequesters",
    ] {
        assert!(!body.contains(never), "{never} in the metrics");
    }

    // Only /metrics.
    let (status, _, _) = get(port, "/").await;
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
}

/// `ppid serve --metrics-listen 127.0.0.1:0` logs the address it bound
/// beside the gRPC one, and serves there.
async fn the_binary_logs_its_metrics_address(backend: Backend) {
    let db = TestDb::new(&backend).await;
    let mut server = serve_process(
        &db.url,
        &[
            ("PPID_METRICS_LISTEN", "127.0.0.1:0"),
            ("PPID_METRICS_REFRESH_EVERY", "1s"),
        ],
    );
    let line = server.startup.last().unwrap().clone();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let addr = v["fields"]["metrics"].as_str().expect("metrics address");
    let port: u16 = addr
        .strip_prefix("127.0.0.1:")
        .expect("127.0.0.1:PORT")
        .parse()
        .unwrap();
    assert_ne!(port, 0, "the bound port, not the one asked for");
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut agencies = pb::agency_service_client::AgencyServiceClient::new(channel);
    agencies
        .list_agencies(pb::ListAgenciesRequest::default())
        .await
        .unwrap();
    let s = scrape(port).await;
    assert_eq!(
        s.get(&handled("ppid.v1.AgencyService", "ListAgencies", "OK")),
        Some(&1.0)
    );
    let _ = server.child.kill();
    let _ = server.child.wait();
}

/// Off by default: the test server has no endpoint, and the binary says
/// nothing listens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_endpoint_unless_asked() {
    let app = spawn_app(Backend::Sqlite).await;
    assert_eq!(app.metrics_port, None);
    let db = TestDb::new(&Backend::Sqlite).await;
    let mut server = serve_process(&db.url, &[]);
    let v: serde_json::Value = serde_json::from_str(server.startup.last().unwrap()).unwrap();
    assert_eq!(v["fields"]["metrics"], "off");
    let _ = server.child.kill();
    let _ = server.child.wait();
}

/// A bad `--metrics-listen` stops `ppid serve` with a message naming the
/// flag and the expected form; an address in use names the flag too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_metrics_listen_is_refused_clearly() {
    let ppid = || Command::new(env!("CARGO_BIN_EXE_ppid"));
    for bad in ["localhost:9090", "9090", "127.0.0.1:http"] {
        let out = ppid()
            .args(["serve", "--metrics-listen", bad])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--metrics-listen"), "{bad}: {err}");
        assert!(err.contains("IP:PORT, e.g. 127.0.0.1:9090"), "{bad}: {err}");
    }
    let out = ppid()
        .args(["serve", "--metrics-refresh-every", "0s"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--metrics-refresh-every"),
        "{out:?}"
    );

    // In use: the server opens the database, then cannot listen, and says
    // which flag.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let db = TestDb::new(&Backend::Sqlite).await;
    let out = ppid()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db.url,
        ])
        .args(["--metrics-listen", &addr])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("--metrics-listen {addr}: cannot listen")),
        "{err}"
    );
}
