//! Database outage (PostgreSQL): a `ppid serve` process reaches its
//! database through a TCP proxy that the test cuts under load (every
//! connection dropped, new ones refused) for ten seconds and then restores.
//! Every call made meanwhile is answered UNAVAILABLE within the promised
//! 3 s (asserted with a 2x margin, against the spawned process), none
//! hangs, the server recovers by itself, and nothing is half-written: every
//! acknowledged request is whole, the registration numbers have no gaps, the
//! figures agree with the register, and retrying the failed calls with
//! their request_id registers each once.
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use ppid::pb::ppid::v1::{
    self as pb, agency_service_client::AgencyServiceClient,
    indicator_service_client::IndicatorServiceClient, request_service_client::RequestServiceClient,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};
use tonic::transport::Channel;

use crate::helpers::{Backend, TestDb, serve_process, submission};

/// The promise (README): a call during an outage is answered within 3 s.
const PROMISE: Duration = Duration::from_secs(3);
/// What the test allows: twice the promise.
const BOUND: Duration = Duration::from_secs(6);

/// One call: when it started relative to the outage, how long it took, and
/// its registration number or status code.
struct Call {
    body: pb::SubmitRequestRequest,
    during_outage: bool,
    took: Duration,
    result: Result<String, tonic::Code>,
}

type Calls = Arc<Mutex<Vec<Call>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_answers_every_call_in_time_and_recovers() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let mut db = TestDb::new(&backend).await;
    let (proxy_port, link) = proxy("127.0.0.1:5432").await;
    assert!(db.url.contains("127.0.0.1:5432"), "{}", db.url);
    db.url = db
        .url
        .replace("127.0.0.1:5432", &format!("127.0.0.1:{proxy_port}"));
    let mut server = serve_process(&db.url, &[("PPID_LOG", "warn,ppid=info")]);
    let channel = Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut agencies = AgencyServiceClient::new(channel.clone());
    for (id, kind, parent) in [
        ("kota-serang", pb::agency::Kind::Pemda, ""),
        (
            "kota-serang-diskominfo",
            pb::agency::Kind::Opd,
            "agencies/kota-serang",
        ),
    ] {
        agencies
            .create_agency(pb::CreateAgencyRequest {
                agency_id: id.into(),
                agency: Some(pb::Agency {
                    display_name: id.into(),
                    kind: kind as i32,
                    parent: parent.into(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
    }

    // Load: 16 clients submitting back to back; each call timed, and bounded
    // by a client-side timeout far beyond the promise so a hang shows as a
    // failure, not a stuck test.
    let outage = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let calls: Calls = Arc::default();
    let mut clients = Vec::new();
    for _ in 0..16 {
        let mut requests = RequestServiceClient::new(channel.clone());
        let (stop, outage, calls) = (stop.clone(), outage.clone(), calls.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = submission("kota-serang-diskominfo", "");
                let during_outage = outage.load(std::sync::atomic::Ordering::Relaxed);
                let started = Instant::now();
                let call = requests.submit_request(body.clone());
                let result = match tokio::time::timeout(Duration::from_secs(30), call).await {
                    Ok(Ok(r)) => Ok(r.into_inner().registration_number),
                    Ok(Err(status)) => Err(status.code()),
                    Err(_) => panic!("SubmitRequest hung for 30 s"),
                };
                let failed = result.is_err();
                calls.lock().unwrap().push(Call {
                    body,
                    during_outage,
                    took: started.elapsed(),
                    result,
                });
                if failed {
                    // Do not spin while the database is away.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    let count = |calls: &Calls, ok: bool| {
        calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.result.is_ok() == ok)
            .count()
    };
    wait_until(
        || count(&calls, true) >= 50,
        "submissions succeed before the outage",
    )
    .await;

    link.send_replace(false);
    outage.store(true, std::sync::atomic::Ordering::Relaxed);
    let cut = Instant::now();
    // Reads fail the same way, in time.
    let mut reader = RequestServiceClient::new(channel.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..3 {
        let started = Instant::now();
        let read = tokio::time::timeout(
            Duration::from_secs(30),
            reader.list_requests(pb::ListRequestsRequest::default()),
        )
        .await
        .expect("ListRequests hung during the outage");
        assert_eq!(read.unwrap_err().code(), tonic::Code::Unavailable);
        assert!(
            started.elapsed() <= BOUND,
            "a read took {:?}",
            started.elapsed()
        );
    }
    // Ten seconds without the database, as the measurement in the issue.
    tokio::time::sleep(Duration::from_secs(10).saturating_sub(cut.elapsed())).await;
    outage.store(false, std::sync::atomic::Ordering::Relaxed);
    link.send_replace(true);
    let ok_before = count(&calls, true);
    wait_until(
        || count(&calls, true) >= ok_before + 50,
        "submissions succeed again after the database is back",
    )
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.await.expect("a client task panicked");
    }

    let calls = std::mem::take(&mut *calls.lock().unwrap());
    let mut acknowledged = BTreeMap::new();
    let mut failed = Vec::new();
    let mut slowest_in_outage = Duration::ZERO;
    let mut started_in_outage = 0;
    for call in calls {
        assert!(
            call.took <= BOUND,
            "a call took {:?} (promise {PROMISE:?}): {:?}",
            call.took,
            call.result
        );
        if call.during_outage {
            started_in_outage += 1;
            slowest_in_outage = slowest_in_outage.max(call.took);
        }
        match call.result {
            Ok(number) => {
                acknowledged.insert(call.body.request_id.clone(), number);
            }
            Err(code) => {
                assert_eq!(code, tonic::Code::Unavailable, "failures say UNAVAILABLE");
                failed.push(call.body);
            }
        }
    }
    assert!(!failed.is_empty());
    assert!(
        started_in_outage >= 16,
        "calls were made during the outage ({started_in_outage})"
    );
    eprintln!(
        "outage: {started_in_outage} calls started during it, slowest answered in {slowest_in_outage:?}"
    );

    let mut requests = RequestServiceClient::new(channel.clone());
    // Every acknowledged request is whole: read back with its number.
    for (id, number) in &acknowledged {
        let r = requests
            .get_request(pb::GetRequestRequest {
                name: format!("requests/{id}"),
            })
            .await
            .expect("an acknowledged request is there")
            .into_inner();
        assert_eq!(&r.registration_number, number);
    }
    // Retrying each failed call registers it once, or finds it registered
    // (the commit may have landed just before the link went down).
    for body in &failed {
        let again = requests
            .submit_request(body.clone())
            .await
            .expect("a retry after the outage succeeds")
            .into_inner();
        let twice = requests
            .submit_request(body.clone())
            .await
            .expect("and is idempotent")
            .into_inner();
        assert_eq!(again.registration_number, twice.registration_number);
        acknowledged.insert(body.request_id.clone(), again.registration_number);
    }

    let mut all = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = requests
            .list_requests(pb::ListRequestsRequest {
                page_size: 1000,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        all.extend(page.requests);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(all.len(), acknowledged.len(), "no duplicates, nothing lost");
    for r in &all {
        let history = requests
            .get_request_history(pb::GetRequestHistoryRequest {
                name: r.name.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .events;
        assert_eq!(history.len(), 1, "{}: exactly its Submitted event", r.name);
    }
    // Numbers are allocated in the same transaction as the request, so a
    // rolled-back group leaves no gap.
    let numbers: BTreeSet<u32> = all
        .iter()
        .map(|r| {
            r.registration_number
                .rsplit('/')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    let expected: BTreeSet<u32> = (1..=all.len() as u32).collect();
    assert_eq!(numbers, expected, "registration numbers without gaps");
    // The figure cells were written in the same transactions.
    let year = jiff::Timestamp::now().in_tz("Asia/Jakarta").unwrap().year();
    let stats = IndicatorServiceClient::new(channel)
        .get_agency_statistics(pb::GetAgencyStatisticsRequest {
            agency: "agencies/kota-serang".into(),
            period: Some(pb::Period {
                kind: Some(pb::period::Kind::Year(i32::from(year))),
            }),
            include_sub_agencies: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        stats.received,
        all.len() as i64,
        "cells agree with the register"
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// A TCP proxy to `target` with a switch: while the switch is off, every
/// open connection is dropped and new ones are closed at once, which is what
/// the server sees when the database goes away.
async fn proxy(target: &'static str) -> (u16, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (link, up) = watch::channel(true);
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            let mut up = up.clone();
            if !*up.borrow() {
                continue;
            }
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(target).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    _ = up.wait_for(|up| !*up) => {}
                }
            });
        }
    });
    (port, link)
}

/// Polls `done` until it holds (bounded, so a broken server fails the test).
async fn wait_until(mut done: impl FnMut() -> bool, what: &str) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}
