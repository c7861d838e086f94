//! Database outage (PostgreSQL): the server reaches its database through a
//! TCP proxy that the test cuts under load (every connection dropped, new
//! ones refused) and later restores. Calls during the outage fail with
//! UNAVAILABLE instead of hanging, the server recovers by itself, and
//! nothing is half-written: every acknowledged request is whole, the
//! registration numbers have no gaps, the figures agree with the register,
//! and retrying the failed calls with their request_id registers each once.
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use ppid::{pb::ppid::v1 as pb, store::StoreSettings};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

use crate::helpers::{Backend, TestDb, spawn_on, submission};

/// Each call's body and its registration number or status code.
type Outcomes = Arc<Mutex<Vec<(pb::SubmitRequestRequest, Result<String, tonic::Code>)>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_fails_fast_and_recovers() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let mut db = TestDb::new(&backend).await;
    let (proxy_port, link) = proxy("127.0.0.1:5432").await;
    assert!(db.url.contains("127.0.0.1:5432"), "{}", db.url);
    db.url = db
        .url
        .replace("127.0.0.1:5432", &format!("127.0.0.1:{proxy_port}"));
    let mut app = spawn_on(Arc::new(db), StoreSettings::default()).await;
    app.pemda("kota-serang").await;
    app.opd("kota-serang-diskominfo", "kota-serang").await;

    // Load: 16 clients submitting back to back, each call bounded by a
    // client-side timeout so that a hang shows as a failure, not a stuck test.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let outcomes: Outcomes = Arc::default();
    let mut clients = Vec::new();
    for _ in 0..16 {
        let mut requests = app.requests.clone();
        let stop = stop.clone();
        let outcomes = outcomes.clone();
        clients.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = submission("kota-serang-diskominfo", "");
                let call = requests.submit_request(body.clone());
                let result = match tokio::time::timeout(Duration::from_secs(20), call).await {
                    Ok(Ok(r)) => Ok(r.into_inner().registration_number),
                    Ok(Err(status)) => Err(status.code()),
                    Err(_) => panic!("SubmitRequest hung for 20 s during the outage"),
                };
                let failed = result.is_err();
                outcomes.lock().unwrap().push((body, result));
                if failed {
                    // Do not spin while the database is away.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    let count = |outcomes: &Outcomes, ok: bool| {
        outcomes
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, r)| r.is_ok() == ok)
            .count()
    };
    wait_until(
        || count(&outcomes, true) >= 50,
        "submissions succeed before the outage",
    )
    .await;

    link.send_replace(false);
    wait_until(
        || count(&outcomes, false) >= 16,
        "calls fail during the outage",
    )
    .await;
    // Reads fail the same way, promptly.
    let mut reader = app.requests.clone();
    let read = tokio::time::timeout(
        Duration::from_secs(20),
        reader.list_requests(pb::ListRequestsRequest::default()),
    )
    .await
    .expect("ListRequests hung during the outage");
    assert_eq!(read.unwrap_err().code(), tonic::Code::Unavailable);

    link.send_replace(true);
    let ok_before = count(&outcomes, true);
    wait_until(
        || count(&outcomes, true) >= ok_before + 50,
        "submissions succeed again after the database is back",
    )
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.await.expect("a client task panicked");
    }

    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    let mut acknowledged = BTreeMap::new();
    let mut failed = Vec::new();
    for (body, result) in outcomes {
        match result {
            Ok(number) => {
                acknowledged.insert(body.request_id.clone(), number);
            }
            Err(code) => {
                assert_eq!(code, tonic::Code::Unavailable, "failures say UNAVAILABLE");
                failed.push(body);
            }
        }
    }
    assert!(!failed.is_empty());

    // Every acknowledged request is whole: read back with its one Submitted event.
    for (id, number) in &acknowledged {
        let r = app
            .requests
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
        let again = app
            .requests
            .submit_request(body.clone())
            .await
            .expect("a retry after the outage succeeds")
            .into_inner();
        let twice = app
            .requests
            .submit_request(body.clone())
            .await
            .expect("and is idempotent")
            .into_inner();
        assert_eq!(again.registration_number, twice.registration_number);
        acknowledged.insert(body.request_id.clone(), again.registration_number);
    }

    let all = app.all_requests().await;
    assert_eq!(all.len(), acknowledged.len(), "no duplicates, nothing lost");
    for r in &all {
        let history = app.history(&r.name).await;
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
    // Received "now" on the test server's clock: 2 March 2026.
    let stats = app
        .indicators
        .get_agency_statistics(pb::GetAgencyStatisticsRequest {
            agency: "agencies/kota-serang".into(),
            period: Some(pb::Period {
                kind: Some(pb::period::Kind::Year(2026)),
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
    app.stop().await;
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
