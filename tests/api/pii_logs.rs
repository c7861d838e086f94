//! No personal data in logs: `ppid serve` at TRACE level (every crate's
//! spans and events, the SQL driver's and the HTTP/2 stack's included)
//! while a request is submitted, refused, read, listed, answered and
//! tracked; the log must never show the NIK, phone or email.
use std::{process::Command, time::Duration};

use ppid::pb::ppid::v1::{
    self as pb, agency_service_client::AgencyServiceClient,
    request_service_client::RequestServiceClient,
};
use tonic::transport::Channel;

use crate::helpers::{EMAIL, NIK, PHONE, serve_process, submission};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_carry_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ppid.db");
    let served = serve_process(&db.to_string_lossy(), &[("PPID_LOG", "trace")]);
    let (mut child, addr, rx) = (served.child, served.addr, served.lines);
    let mut log = served.startup;
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut agencies = AgencyServiceClient::new(channel.clone());
    agencies
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
    let mut requests = RequestServiceClient::new(channel);
    let r = requests
        .submit_request(submission("kota-serang", ""))
        .await
        .unwrap()
        .into_inner();
    // A refused submission: the violation names the field, not the value.
    let mut bad = submission("kota-serang", "");
    bad.request
        .as_mut()
        .unwrap()
        .requester
        .as_mut()
        .unwrap()
        .email = format!("{EMAIL}\u{7}");
    let err = requests.submit_request(bad).await.unwrap_err();
    assert!(!err.message().contains(EMAIL), "{}", err.message());
    requests
        .get_request(pb::GetRequestRequest {
            name: r.name.clone(),
        })
        .await
        .unwrap();
    requests
        .list_requests(pb::ListRequestsRequest::default())
        .await
        .unwrap();
    requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Permohonan dikabulkan.".into(),
                delivery_method: pb::DeliveryMethod::Email as i32,
                format: "PDF".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    requests
        .track_request(pb::TrackRequestRequest {
            registration_number: r.registration_number.clone(),
            tracking_code: r.tracking_code.clone(),
        })
        .await
        .unwrap();

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    child.wait().unwrap();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        log.push(line);
    }
    assert!(log.len() > 100, "TRACE logging is on ({} lines)", log.len());
    assert!(log.iter().any(|l| l.contains("request submitted")));
    for secret in [NIK, PHONE, EMAIL, "siti.rahayu"] {
        let leaks: Vec<&String> = log.iter().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret} logged: {leaks:#?}");
    }
}
