//! The transitions through the API: each step, its history, and refusals
//! that write nothing.
use ppid::pb::ppid::v1::{self as pb, information_request::State, request_event::Type};
use tonic::{Code, Request};

use crate::{
    exemptions::date,
    helpers::{Backend, EMAIL, NIK, PHONE, day, reason, spawn_app, ts, violations},
    indicators::{stats, year},
    on_both_backends,
};

on_both_backends!(
    full_path_with_history,
    refusals_write_nothing,
    rejection_needs_pasal_17,
    one_winner_per_transition,
    paper_registers_are_back_filed,
    delivery_has_a_due_date,
);

fn as_officer<T>(msg: T) -> Request<T> {
    let mut r = Request::new(msg);
    r.metadata_mut()
        .insert("x-ppid-actor", "petugas-ppid-dinkes".parse().unwrap());
    r
}

fn notice(outcome: pb::notice::Outcome) -> pb::Notice {
    pb::Notice {
        outcome: outcome as i32,
        notice_text: "Dengan hormat, permohonan Saudara kami jawab sebagai berikut.".into(),
        delivery_method: pb::DeliveryMethod::Email as i32,
        format: "PDF".into(),
        ..Default::default()
    }
}

async fn full_path_with_history(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("bappeda", "kota-serang").await;
    let r = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    assert_eq!(day(&r.due_date), "2026-03-16");

    // 3 March: data missing; the clock pauses.
    app.set_now("2026-03-03T03:00:00Z");
    let r = app
        .requests
        .return_for_completion(as_officer(pb::ReturnForCompletionRequest {
            name: r.name.clone(),
            etag: r.etag.clone(),
            missing_information: "Salinan KTP belum dilampirkan".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.state, State::AwaitingCompletion as i32);
    assert!(r.due_date.is_none(), "no due date while paused");

    // 10 March: completed; ten working days from 10 March skip Nyepi and Lebaran.
    app.set_now("2026-03-10T02:00:00Z");
    let r = app
        .requests
        .resubmit(pb::ResubmitRequest {
            name: r.name.clone(),
            information_requested: "Anggaran stunting 2025 per kecamatan, dengan realisasinya"
                .into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.state, State::Pending as i32);
    assert_eq!(day(&r.clock_start_date), "2026-03-10");
    assert_eq!(day(&r.due_date), "2026-03-31");
    assert_eq!(
        r.information_requested,
        "Anggaran stunting 2025 per kecamatan, dengan realisasinya"
    );

    // Forwarded within the Pemda: the clock keeps running.
    let r = app
        .requests
        .forward_request(as_officer(pb::ForwardRequestRequest {
            name: r.name.clone(),
            target_agency: "agencies/bappeda".into(),
            reason: "Data anggaran dipegang Bappeda".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.agency, "agencies/bappeda");
    assert_eq!(r.receiving_agency, "agencies/dinkes");
    assert_eq!(day(&r.due_date), "2026-03-31");

    // Extended on the due date itself: seven more working days (3 April is a holiday).
    app.set_now("2026-03-31T09:00:00Z");
    let r = app
        .requests
        .extend_request(pb::ExtendRequestRequest {
            name: r.name.clone(),
            etag: r.etag.clone(),
            reason: "Data perlu dihimpun dari 6 kecamatan".into(),
            extend_time: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&r.due_date), "2026-04-10");
    assert_eq!(day(&r.original_due_date), "2026-03-31");
    let ext = r.extension.clone().unwrap();
    assert_eq!(day(&ext.previous_due_date), "2026-03-31");
    assert_eq!(ext.reason, "Data perlu dihimpun dari 6 kecamatan");

    // Answered on 9 April: 16 working days after 10 March, on time.
    app.set_now("2026-04-09T04:00:00Z");
    let r = app
        .requests
        .respond_request(as_officer(pb::RespondRequestRequest {
            name: r.name.clone(),
            etag: r.etag.clone(),
            notice: Some(pb::Notice {
                fee_rupiah: 15_000,
                payment_method: "Transfer bank".into(),
                ..notice(pb::notice::Outcome::Granted)
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.state, State::Responded as i32);
    let n = r.notice.clone().unwrap();
    assert_eq!(n.working_days_taken, 16);
    assert!(n.on_time);
    assert_eq!(n.fee_rupiah, 15_000);
    assert_eq!(n.notice_time, Some(ts("2026-04-09T04:00:00Z")));

    app.set_now("2026-04-10T04:00:00Z");
    let r = app
        .requests
        .record_delivery(pb::RecordDeliveryRequest {
            name: r.name.clone(),
            etag: r.etag.clone(),
            note: "Dikirim ke surel pemohon".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.state, State::Delivered as i32);
    assert_eq!(r.deliver_time, Some(ts("2026-04-10T04:00:00Z")));

    let history = app.history(&r.name).await;
    let types: Vec<i32> = history.iter().map(|e| e.r#type).collect();
    assert_eq!(
        types,
        [
            Type::Submitted,
            Type::ReturnedForCompletion,
            Type::Resubmitted,
            Type::Forwarded,
            Type::Extended,
            Type::Responded,
            Type::Delivered
        ]
        .map(|t| t as i32)
    );
    assert_eq!(
        history.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        (1..=7).collect::<Vec<_>>()
    );
    assert_eq!(history[1].actor, "petugas-ppid-dinkes");
    assert_eq!(history[2].actor, "open mode");
    assert_eq!(history[3].details["from_agency"], "agencies/dinkes");
    assert_eq!(history[3].details["to_agency"], "agencies/bappeda");
    assert_eq!(history[4].details["previous_due_date"], "2026-03-31");
    assert_eq!(history[4].details["due_date"], "2026-04-10");
    assert_eq!(history[5].details["outcome"], "granted");
    assert_eq!(history[5].event_time, Some(ts("2026-04-09T04:00:00Z")));
    for e in &history {
        let text = format!("{} {:?}", e.summary, e.details);
        for secret in [NIK, PHONE, EMAIL] {
            assert!(
                !text.contains(secret),
                "history never holds personal data: {text}"
            );
        }
    }
    assert_eq!(r.etag, "\"7\"");
}

async fn refusals_write_nothing(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.pemda("kab-lebak").await;
    app.opd("dinkes-lebak", "kab-lebak").await;
    let r = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    let name = r.name.clone();

    // Forwarding outside the Pemda.
    let err = app
        .requests
        .forward_request(pb::ForwardRequestRequest {
            name: name.clone(),
            target_agency: "agencies/dinkes-lebak".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "FORWARD_OUTSIDE_PEMDA");

    // A stale etag.
    let err = app
        .requests
        .extend_request(pb::ExtendRequestRequest {
            name: name.clone(),
            etag: "\"9\"".into(),
            reason: "Butuh waktu".into(),
            extend_time: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);

    // An extension without a reason; a malformed name; an unknown request.
    let err = app
        .requests
        .extend_request(pb::ExtendRequestRequest {
            name: "requests/42".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violations(&err), vec!["reason", "name"]);
    let err = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: format!("requests/{}", uuid::Uuid::new_v4()),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // Returned for completion on day 4 after receipt (Fri 6 March): past the
    // default window of 3 working days; the clock keeps running.
    app.set_now("2026-03-06T02:00:00Z");
    let err = app
        .requests
        .return_for_completion(pb::ReturnForCompletionRequest {
            name: name.clone(),
            missing_information: "Salinan KTP".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "COMPLETION_WINDOW_PASSED");
    assert!(
        err.message().contains("until 2026-03-05"),
        "{}",
        err.message()
    );

    // Extending after the due date (16 March) has passed.
    app.set_now("2026-03-17T02:00:00Z");
    let err = app
        .requests
        .extend_request(pb::ExtendRequestRequest {
            name: name.clone(),
            reason: "Terlambat".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "EXTENSION_TOO_LATE");
    let overdue = app
        .requests
        .get_request(pb::GetRequestRequest { name: name.clone() })
        .await
        .unwrap()
        .into_inner();
    assert!(overdue.overdue);

    // A fee on a notice that gives nothing (Pasal 21: fees pay for copies).
    let err = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: name.clone(),
            notice: Some(pb::Notice {
                fee_rupiah: 5_000,
                payment_method: "Transfer bank".into(),
                holder: "Bappeda Kota Serang".into(),
                ..notice(pb::notice::Outcome::NotHeld)
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violations(&err), vec!["notice.fee_rupiah"]);

    // Withdrawn, then answered: refused.
    app.requests
        .withdraw_request(pb::WithdrawRequestRequest {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let err = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: name.clone(),
            notice: Some(notice(pb::notice::Outcome::Granted)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "TRANSITION_NOT_ALLOWED");
    assert!(err.message().contains("withdrawn"), "{}", err.message());

    let history = app.history(&name).await;
    assert_eq!(
        history.len(),
        2,
        "only submission and withdrawal were recorded"
    );
    assert_eq!(history[1].r#type, Type::Withdrawn as i32);

    // Extending twice.
    let r = app.submit("dinkes", "2026-03-16T02:00:00Z").await;
    let extend = pb::ExtendRequestRequest {
        name: r.name.clone(),
        reason: "Data banyak".into(),
        ..Default::default()
    };
    app.requests.extend_request(extend.clone()).await.unwrap();
    let err = app.requests.extend_request(extend).await.unwrap_err();
    assert_eq!(reason(&err), "ALREADY_EXTENDED");
    assert_eq!(app.history(&r.name).await.len(), 2);
}

async fn rejection_needs_pasal_17(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-04T02:00:00Z");
    let cases: Vec<(&str, pb::Notice, Vec<&str>)> = vec![
        (
            "rejection citing nothing",
            notice(pb::notice::Outcome::Rejected),
            vec!["notice.exemptions"],
        ),
        (
            "partial grant without letters or withheld parts",
            notice(pb::notice::Outcome::PartiallyGranted),
            vec!["notice.exemptions", "notice.withheld_parts"],
        ),
        (
            "grant citing an exemption",
            pb::Notice {
                exemption_letters: vec![pb::ExemptionLetter::H as i32],
                ..notice(pb::notice::Outcome::Granted)
            },
            vec!["notice.exemption_letters"],
        ),
        (
            "fee without payment method, negative",
            pb::Notice {
                fee_rupiah: -1,
                ..notice(pb::notice::Outcome::Granted)
            },
            vec!["notice.fee_rupiah"],
        ),
        (
            "holder named on a grant",
            pb::Notice {
                holder: "BPS".into(),
                ..notice(pb::notice::Outcome::Granted)
            },
            vec!["notice.holder"],
        ),
        (
            "no outcome, no text",
            pb::Notice::default(),
            vec!["notice.outcome", "notice.notice_text"],
        ),
        (
            "notice in the future",
            pb::Notice {
                notice_time: Some(ts("2026-03-05T02:00:00Z")),
                ..notice(pb::notice::Outcome::Granted)
            },
            vec!["notice.notice_time"],
        ),
    ];
    for (what, n, fields) in cases {
        let err = app
            .requests
            .respond_request(pb::RespondRequestRequest {
                name: r.name.clone(),
                notice: Some(n),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{what}: {err:?}");
        assert_eq!(violations(&err), fields, "{what}");
    }
    assert_eq!(app.history(&r.name).await.len(), 1);

    // A bare Pasal 17 letter with no DIK entry is refused (see exemptions.rs
    // for rejections that cite the DIK).
    let err = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                exemption_letters: vec![
                    pb::ExemptionLetter::H as i32,
                    pb::ExemptionLetter::A as i32,
                ],
                ..notice(pb::notice::Outcome::Rejected)
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "EXEMPTION_NOT_REGISTERED");
    assert_eq!(app.history(&r.name).await.len(), 1);

    let rejected = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(notice(pb::notice::Outcome::NotYetDocumented)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let n = rejected.notice.unwrap();
    assert_eq!(n.working_days_taken, 2);
    let err = app
        .requests
        .record_delivery(pb::RecordDeliveryRequest {
            name: r.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "NOTHING_TO_DELIVER");

    // A late answer is recorded as late. Received 2 March, due 16 March, answered 18 March.
    let late = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-25T02:00:00Z");
    let late = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: late.name.clone(),
            notice: Some(pb::Notice {
                holder: "Badan Pusat Statistik".into(),
                ..notice(pb::notice::Outcome::NotHeld)
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let n = late.notice.unwrap();
    assert!(!n.on_time);
    // 3,4,5,6,9,10,11,12,13,16,17 and 25 March.
    assert_eq!(n.working_days_taken, 12);
    assert_eq!(n.holder, "Badan Pusat Statistik");
}

async fn one_winner_per_transition(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    let calls = (0..10).map(|i| {
        let mut client = app.requests.clone();
        let name = r.name.clone();
        tokio::spawn(async move {
            client
                .extend_request(pb::ExtendRequestRequest {
                    name,
                    reason: format!("alasan {i}"),
                    ..Default::default()
                })
                .await
        })
    });
    let results = futures::future::join_all(calls).await;
    let mut ok = 0;
    for res in results {
        match res.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert!(
                matches!(e.code(), Code::Aborted | Code::FailedPrecondition),
                "losers get ABORTED or FAILED_PRECONDITION, not {e:?}"
            ),
        }
    }
    assert_eq!(ok, 1, "exactly one extension wins");
    let history = app.history(&r.name).await;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].r#type, Type::Extended as i32);
}

/// A register kept on paper is entered after the fact: an extension takes
/// the time it was given and is judged on that day.
async fn paper_registers_are_back_filed(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    assert_eq!(day(&r.due_date), "2026-03-16");
    app.set_now("2026-03-20T02:00:00Z");
    let extend = |at: &str| pb::ExtendRequestRequest {
        name: r.name.clone(),
        reason: "Arsip di gudang".into(),
        extend_time: Some(ts(at)),
        ..Default::default()
    };
    // Given the day after the due date: too late, whenever it is entered.
    let err = app
        .requests
        .extend_request(extend("2026-03-17T02:00:00Z"))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "EXTENSION_TOO_LATE");
    let err = app
        .requests
        .extend_request(extend("2026-03-21T02:00:00Z"))
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["extend_time"], "in the future");
    assert_eq!(app.history(&r.name).await.len(), 1, "nothing written");

    // Given on the due date, entered four days later: lawful; 7 working days
    // from 16 March skip Nyepi and the Idul Fitri leave (18-24 March).
    let e = app
        .requests
        .extend_request(extend("2026-03-16T03:00:00Z"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&e.due_date), "2026-04-01");
    assert_eq!(
        e.extension.unwrap().extend_time,
        Some(ts("2026-03-16T03:00:00Z"))
    );
    let history = app.history(&r.name).await;
    assert_eq!(history[1].r#type, Type::Extended as i32);
    assert_eq!(history[1].event_time, Some(ts("2026-03-16T03:00:00Z")));
}

/// A grant is delivered by the date its notice states; past it, undelivered,
/// the request is overdue for delivery: flagged, listed with the overdue,
/// counted in the delivery backlog, and a late delivery is counted.
async fn delivery_has_a_due_date(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-04T02:00:00Z");
    let err = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                delivery_due_date: Some(date("2026-03-03")),
                ..notice(pb::notice::Outcome::Granted)
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["notice.delivery_due_date"]);
    let answered = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                delivery_due_date: Some(date("2026-03-06")),
                ..notice(pb::notice::Outcome::Granted)
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        day(&answered.notice.unwrap().delivery_due_date),
        "2026-03-06"
    );
    assert!(!answered.overdue_for_delivery);

    app.set_now("2026-03-09T02:00:00Z");
    let got = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: r.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(got.overdue_for_delivery);
    assert!(!got.overdue, "the notice came on time");
    let overdue = app
        .requests
        .list_requests(pb::ListRequestsRequest {
            overdue_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(overdue.requests.len(), 1);
    let f = stats(&mut app, "kota-serang", year(2026), true).await;
    assert_eq!((f.overdue_for_delivery_now, f.delivered_late), (1, 0));

    app.requests
        .record_delivery(pb::RecordDeliveryRequest {
            name: r.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let f = stats(&mut app, "kota-serang", year(2026), true).await;
    assert_eq!((f.overdue_for_delivery_now, f.delivered_late), (0, 1));
    let delivered = app.history(&r.name).await.pop().unwrap();
    assert_eq!(delivered.details["delivered_late"], "true");
}
