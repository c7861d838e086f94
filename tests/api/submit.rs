//! SubmitRequest: registration, due date, idempotency, bad input.
use ppid::pb::ppid::v1 as pb;
use tonic::Code;

use crate::{
    helpers::{Backend, day, reason, spawn_app, submission, ts, violations},
    on_both_backends,
};

on_both_backends!(
    registers_with_number_and_due_date,
    local_day_follows_agency_zone,
    retries_are_idempotent,
    concurrent_retries_create_one_request,
    bad_submissions_write_nothing,
);

async fn registers_with_number_and_due_date(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.pemda("kab-lebak").await;
    app.set_now("2026-03-20T00:00:00Z");

    // Monday 2 March 2026, 09:00 WIB: day 1 is Tuesday 3 March; ten working
    // days end on Monday 16 March.
    let first = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    assert_eq!(first.registration_number, "KOTA-SERANG/PPID/2026/000001");
    assert_eq!(day(&first.due_date), "2026-03-16");
    assert_eq!(day(&first.original_due_date), "2026-03-16");
    assert_eq!(day(&first.clock_start_date), "2026-03-02");
    assert_eq!(first.state, pb::information_request::State::Pending as i32);
    assert_eq!(first.agency, "agencies/dinkes");
    assert_eq!(first.receiving_agency, "agencies/dinkes");
    assert!(first.overdue, "due 16 March, still pending on 20 March");
    assert!(first.name.starts_with("requests/"));

    // Tuesday 10 March: the Nyepi and Idul Fitri days (18–24 March) do not count.
    let second = app.submit("kota-serang", "2026-03-10T02:00:00Z").await;
    assert_eq!(
        second.registration_number, "KOTA-SERANG/PPID/2026/000002",
        "one sequence per Pemda, OPDs included"
    );
    assert_eq!(day(&second.due_date), "2026-03-31");

    // Received on Saturday 7 March: counting starts on Monday 9 March.
    let saturday = app.submit("kab-lebak", "2026-03-07T03:00:00Z").await;
    assert_eq!(saturday.registration_number, "KAB-LEBAK/PPID/2026/000001");
    assert_eq!(day(&saturday.due_date), "2026-03-27");

    // Received on Nyepi (a holiday).
    let nyepi = app.submit("kab-lebak", "2026-03-19T03:00:00Z").await;
    assert_eq!(day(&nyepi.due_date), "2026-04-08");

    // A receipt dated in 2025 takes the 2025 sequence.
    let old = app.submit("dinkes", "2025-12-30T02:00:00Z").await;
    assert_eq!(old.registration_number, "KOTA-SERANG/PPID/2025/000001");
    assert!(old.overdue, "due in January 2026, pending on 20 March");

    // No receive_time: received now (the server's clock).
    let mut now_req = submission("dinkes", "");
    now_req.request.as_mut().unwrap().receive_time = None;
    let now = app
        .requests
        .submit_request(now_req)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now.receive_time, Some(ts("2026-03-20T00:00:00Z")));
    assert_eq!(now.registration_number, "KOTA-SERANG/PPID/2026/000003");

    let history = app.history(&first.name).await;
    assert_eq!(history.len(), 1);
    let e = &history[0];
    assert_eq!(e.r#type, pb::request_event::Type::Submitted as i32);
    assert_eq!(e.sequence, 1);
    assert_eq!(
        e.details["registration_number"],
        "KOTA-SERANG/PPID/2026/000001"
    );
    assert_eq!(e.details["due_date"], "2026-03-16");

    let got = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: first.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    // The tracking code is given once, with the submission.
    assert_eq!(first.tracking_code.len(), 14, "{}", first.tracking_code);
    assert!(got.tracking_code.is_empty());
    let mut first = first;
    first.tracking_code.clear();
    assert_eq!(
        got, first,
        "a read returns exactly what the submission returned, but the tracking code"
    );
}

async fn local_day_follows_agency_zone(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-06T00:00:00Z");
    app.pemda("kota-serang").await;
    app.agencies
        .create_agency(pb::CreateAgencyRequest {
            agency_id: "kota-jayapura".into(),
            agency: Some(pb::Agency {
                display_name: "Pemerintah Kota Jayapura".into(),
                kind: pb::agency::Kind::Pemda as i32,
                time_zone: "Asia/Jayapura".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    // 15:30 UTC on Thursday 5 March is 22:30 Thursday in WIB and 00:30
    // Friday in WIT: one working day apart.
    let wib = app.submit("kota-serang", "2026-03-05T15:30:00Z").await;
    let wit = app.submit("kota-jayapura", "2026-03-05T15:30:00Z").await;
    assert_eq!(day(&wib.clock_start_date), "2026-03-05");
    assert_eq!(day(&wit.clock_start_date), "2026-03-06");
    assert_eq!(day(&wib.due_date), "2026-03-26");
    assert_eq!(day(&wit.due_date), "2026-03-27");
}

async fn retries_are_idempotent(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let body = submission("kota-serang", "2026-03-02T02:00:00Z");
    let first = app
        .requests
        .submit_request(body.clone())
        .await
        .unwrap()
        .into_inner();
    let again = app
        .requests
        .submit_request(body.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, again);
    assert_eq!(app.all_requests().await.len(), 1);
    assert_eq!(app.history(&first.name).await.len(), 1);

    let mut changed = body.clone();
    changed.request.as_mut().unwrap().purpose = "Something else".into();
    let err = app.requests.submit_request(changed).await.unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert_eq!(reason(&err), "REQUEST_ID_REUSED");
    assert!(
        !err.message().contains("KOTA-SERANG/PPID"),
        "an idempotency refusal never shows a registration number: {}",
        err.message()
    );
    assert_eq!(app.all_requests().await.len(), 1);

    // Without a request_id every call is a new request.
    let mut anonymous = body;
    anonymous.request_id.clear();
    let a = app
        .requests
        .submit_request(anonymous.clone())
        .await
        .unwrap()
        .into_inner();
    let b = app
        .requests
        .submit_request(anonymous)
        .await
        .unwrap()
        .into_inner();
    assert_ne!(a.name, b.name);
    assert_eq!(b.registration_number, "KOTA-SERANG/PPID/2026/000003");
}

async fn concurrent_retries_create_one_request(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let body = submission("kota-serang", "2026-03-02T02:00:00Z");
    let calls = (0..12).map(|_| {
        let mut client = app.requests.clone();
        let body = body.clone();
        tokio::spawn(async move { client.submit_request(body).await.map(|r| r.into_inner()) })
    });
    let results = futures::future::join_all(calls).await;
    let names: std::collections::BTreeSet<_> = results
        .into_iter()
        .map(|r| r.unwrap().expect("every retry succeeds").name)
        .collect();
    assert_eq!(names.len(), 1);
    assert_eq!(app.all_requests().await.len(), 1);
}

async fn bad_submissions_write_nothing(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    type Edit = fn(&mut pb::SubmitRequestRequest);
    let cases: Vec<(&str, Edit, Vec<&str>)> = vec![
        ("no request", |s| s.request = None, vec!["request"]),
        (
            "bad request_id",
            |s| s.request_id = "42".into(),
            vec!["request_id"],
        ),
        (
            "no agency",
            |s| s.request.as_mut().unwrap().agency.clear(),
            vec!["request.agency"],
        ),
        (
            "malformed agency",
            |s| s.request.as_mut().unwrap().agency = "kota-serang".into(),
            vec!["request.agency"],
        ),
        (
            "no requester",
            |s| s.request.as_mut().unwrap().requester = None,
            vec!["request.requester"],
        ),
        (
            "short NIK",
            |s| s.request.as_mut().unwrap().requester.as_mut().unwrap().nik = "367301".into(),
            vec!["request.requester.nik"],
        ),
        (
            "legal entity without registration",
            |s| {
                s.request
                    .as_mut()
                    .unwrap()
                    .requester
                    .as_mut()
                    .unwrap()
                    .r#type = pb::requester::Type::LegalEntity as i32
            },
            vec!["request.requester.legal_entity_registration"],
        ),
        (
            "no contact",
            |s| {
                let q = s.request.as_mut().unwrap().requester.as_mut().unwrap();
                q.phone.clear();
                q.email.clear();
            },
            vec!["request.requester.phone"],
        ),
        (
            "bad email and phone",
            |s| {
                let q = s.request.as_mut().unwrap().requester.as_mut().unwrap();
                q.phone = "call me".into();
                q.email = "siti at contoh".into();
            },
            vec!["request.requester.phone", "request.requester.email"],
        ),
        (
            "control character in a name",
            |s| {
                s.request
                    .as_mut()
                    .unwrap()
                    .requester
                    .as_mut()
                    .unwrap()
                    .full_name = "Siti\u{0000}Rahayu".into()
            },
            vec!["request.requester.full_name"],
        ),
        (
            "oversized description",
            |s| s.request.as_mut().unwrap().information_requested = "data ".repeat(1000),
            vec!["request.information_requested"],
        ),
        (
            "missing enums",
            |s| {
                let r = s.request.as_mut().unwrap();
                r.access_method = 0;
                r.delivery_method = 0;
                r.channel = 99;
            },
            vec![
                "request.access_method",
                "request.delivery_method",
                "request.channel",
            ],
        ),
        (
            "copy without form",
            |s| s.request.as_mut().unwrap().copy_form = 0,
            vec!["request.copy_form"],
        ),
        (
            "inspection with a copy form",
            |s| s.request.as_mut().unwrap().access_method = pb::AccessMethod::Inspect as i32,
            vec!["request.copy_form"],
        ),
        (
            "received in the future",
            |s| s.request.as_mut().unwrap().receive_time = Some(ts("2026-03-03T02:00:00Z")),
            vec!["request.receive_time"],
        ),
        (
            "received before 2000",
            |s| s.request.as_mut().unwrap().receive_time = Some(ts("1999-12-31T02:00:00Z")),
            vec!["request.receive_time"],
        ),
        (
            "nanos out of range",
            |s| {
                s.request.as_mut().unwrap().receive_time = Some(prost_types::Timestamp {
                    seconds: 1_772_416_800,
                    nanos: -5,
                })
            },
            vec!["request.receive_time"],
        ),
    ];
    for (what, edit, fields) in cases {
        let mut s = submission("kota-serang", "2026-03-02T02:00:00Z");
        edit(&mut s);
        let err = app.requests.submit_request(s).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{what}: {err:?}");
        assert_eq!(violations(&err), fields, "{what}");
        assert!(
            !err.message().contains("367301"),
            "{what}: the NIK is never echoed"
        );
    }

    let err = app
        .requests
        .submit_request(submission("kota-cilegon", "2026-03-02T02:00:00Z"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(err.message().contains("agencies/kota-cilegon"));

    assert!(app.all_requests().await.is_empty(), "nothing was written");
    // The counter did not move either: the next request is number 1.
    let ok = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    assert_eq!(ok.registration_number, "KOTA-SERANG/PPID/2026/000001");
}
