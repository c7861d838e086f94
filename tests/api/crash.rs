//! Durability: kill -9 the `ppid serve` process under load, restart it, and
//! check that every acknowledged submission is there, intact, and that
//! retrying the in-flight ones with their request_id creates no duplicates.
use std::{
    collections::{BTreeMap, BTreeSet},
    process::{Child, Command},
    sync::{Arc, Mutex},
    time::Duration,
};

use ppid::pb::ppid::v1::{self as pb, request_service_client::RequestServiceClient};
use tonic::transport::Channel;

use crate::{
    helpers::{Backend, TestDb, serve_process, submission},
    on_both_backends,
};

on_both_backends!(kill_9_loses_no_acknowledged_request);

/// Starts the binary and returns it with the address it logged; the caller
/// kills and waits for it.
fn serve(db: &str) -> (Child, String) {
    let served = serve_process(db, &[]);
    (served.child, served.addr)
}

async fn client(addr: &str) -> RequestServiceClient<Channel> {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    RequestServiceClient::new(channel)
}

async fn kill_9_loses_no_acknowledged_request(backend: Backend) {
    let db = TestDb::new(&backend).await;
    let (mut server, addr) = serve(&db.url);
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    ppid::pb::ppid::v1::agency_service_client::AgencyServiceClient::new(channel)
        .create_agency(pb::CreateAgencyRequest {
            agency_id: "kota-serang".into(),
            agency: Some(pb::Agency {
                display_name: "Kota Serang".into(),
                kind: pb::agency::Kind::Pemda as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();

    // Load: every call remembered before it is sent, then as acknowledged.
    let sent: Arc<Mutex<BTreeMap<String, pb::SubmitRequestRequest>>> = Arc::default();
    let acked: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let mut workers = Vec::new();
    for _ in 0..16 {
        let mut c = client(&addr).await;
        let (sent, acked) = (sent.clone(), acked.clone());
        workers.push(tokio::spawn(async move {
            for _ in 0..100_000 {
                let body = submission("kota-serang", "");
                sent.lock()
                    .unwrap()
                    .insert(body.request_id.clone(), body.clone());
                match c.submit_request(body.clone()).await {
                    Ok(r) => {
                        acked
                            .lock()
                            .unwrap()
                            .insert(body.request_id, r.into_inner().registration_number);
                    }
                    Err(_) => return,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Command::new("kill")
        .args(["-KILL", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    for w in workers {
        let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
    }
    let acked = acked.lock().unwrap().clone();
    let sent = sent.lock().unwrap().clone();
    assert!(
        acked.len() > 50,
        "the load ran ({} acknowledged)",
        acked.len()
    );

    let (mut server, addr) = serve(&db.url);
    let mut c = client(&addr).await;
    for (id, number) in &acked {
        let r = c
            .get_request(pb::GetRequestRequest {
                name: format!("requests/{id}"),
            })
            .await;
        let r = r
            .unwrap_or_else(|e| panic!("acknowledged request {id} lost: {e:?}"))
            .into_inner();
        assert_eq!(&r.registration_number, number);
        assert_eq!(r.requester.unwrap().nik, crate::helpers::NIK, "intact");
    }
    // Every call, acknowledged or in flight, retried: one request each.
    for (id, body) in &sent {
        let r = c.submit_request(body.clone()).await.unwrap().into_inner();
        if let Some(number) = acked.get(id) {
            assert_eq!(
                &r.registration_number, number,
                "a retry returns the first result"
            );
        }
    }
    let mut names = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_requests(pb::ListRequestsRequest {
                page_size: 1000,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        for r in page.requests {
            assert!(names.insert(r.name.clone()), "no duplicate request");
            assert!(
                numbers.insert(r.registration_number.clone()),
                "no duplicate number"
            );
        }
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(
        names.len(),
        sent.len(),
        "exactly one request per request_id"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
}
