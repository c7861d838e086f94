//! ObjectionService: keberatan to the atasan and sengketa before the Komisi
//! Informasi, with their deadlines across the 2026 Idul Fitri weeks.
use ppid::pb::ppid::v1::{
    self as pb, ExemptionLetter as L, ObjectionGround as G, information_request::State, objection,
    request_event::Type,
};
use tonic::Code;

use crate::{
    exemptions::{create, date, entry},
    helpers::{Backend, TestApp, day, reason, spawn_app, ts, violations},
    on_both_backends,
};

on_both_backends!(
    overturned_rejection_is_answered_again,
    upheld_objection_goes_to_dispute,
    unanswered_objection_opens_the_dispute_window,
    objection_refusals_write_nothing,
    answer_deadline_is_the_one_fixed_at_filing,
);

/// Kota Serang with a DIK entry (h) and a request received Monday 2 March
/// 2026 that the PPID rejected on Wednesday 4 March citing it.
async fn rejected_request(app: &mut TestApp) -> pb::InformationRequest {
    app.pemda("kota-serang").await;
    let dik = create(app, "kota-serang", entry(L::H, None)).await;
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-04T02:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Rejected as i32,
                notice_text: "Ditolak: rahasia pribadi.".into(),
                exemptions: vec![dik.name],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

fn file(request: &str, grounds: &[G]) -> pb::FileObjectionRequest {
    pb::FileObjectionRequest {
        request: request.into(),
        grounds: grounds.iter().map(|g| *g as i32).collect(),
        statement: "Informasi tersebut menyangkut anggaran publik, bukan rahasia pribadi.".into(),
        file_time: None,
    }
}

fn decide(name: &str, decision: objection::Decision, reasons: &str) -> pb::DecideObjectionRequest {
    pb::DecideObjectionRequest {
        name: name.into(),
        decision: decision as i32,
        extent: objection::Extent::Wholly as i32,
        reasons: reasons.into(),
        superior_name: "Drs. H. Ahmad Sobari".into(),
        superior_position: "Sekretaris Daerah Kota Serang".into(),
        decide_time: None,
    }
}

async fn overturned_rejection_is_answered_again(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let r = rejected_request(&mut app).await;

    app.set_now("2026-03-09T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::Rejected]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(o.registration_number, "KOTA-SERANG/KEB/2026/000001");
    assert_eq!(o.request_registration_number, r.registration_number);
    assert_eq!(o.state, objection::State::Pending as i32);
    // Ground a arose with the notice on 4 March: 30 working days, across
    // Nyepi and Idul Fitri, end on 23 April.
    assert_eq!(o.filing_windows.len(), 1);
    assert_eq!(day(&o.filing_windows[0].start_date), "2026-03-04");
    assert_eq!(day(&o.filing_windows[0].due_date), "2026-04-23");
    // The atasan answers within 30 working days of 9 March: by 28 April.
    let answer = o.answer_deadline.clone().unwrap();
    assert_eq!(day(&answer.due_date), "2026-04-28");
    assert!(
        answer
            .skipped_days
            .iter()
            .any(|s| s.reason.contains("Idul Fitri"))
    );
    assert!(answer.explanation.contains("2026-04-28"));
    assert!(
        o.dispute_window.is_none(),
        "no dispute before the answer or its due date"
    );

    app.set_now("2026-03-12T02:00:00Z");
    let decided = app
        .objections
        .decide_objection(decide(&o.name, objection::Decision::Overturned, ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(decided.state, objection::State::Decided as i32);
    assert!(decided.answered_on_time);
    // Back to the PPID: 10 working days from 12 March, across the break: 2 April.
    assert_eq!(day(&decided.reopened_due_date), "2026-04-02");
    let again = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: r.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.state, State::Pending as i32);
    assert_eq!(day(&again.due_date), "2026-04-02");

    // Deciding twice is refused.
    let err = app
        .objections
        .decide_objection(decide(&o.name, objection::Decision::Upheld, "x"))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "ALREADY_DECIDED");

    app.set_now("2026-03-26T02:00:00Z");
    let granted = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Diberikan sesuai putusan atasan PPID.".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let n = granted.notice.unwrap();
    assert!(n.on_time);
    assert!(n.exemptions.is_empty());
    app.requests
        .record_delivery(pb::RecordDeliveryRequest {
            name: r.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap();

    let types: Vec<i32> = app
        .history(&r.name)
        .await
        .iter()
        .map(|e| e.r#type)
        .collect();
    assert_eq!(
        types,
        [
            Type::Submitted,
            Type::Responded,
            Type::ObjectionFiled,
            Type::ObjectionDecided,
            Type::Responded,
            Type::Delivered
        ]
        .map(|t| t as i32)
    );
    let listed = app
        .objections
        .list_objections(pb::ListObjectionsRequest {
            request: r.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.objections.len(), 1);
    assert_eq!(
        listed.objections[0].decision,
        objection::Decision::Overturned as i32
    );
}

async fn upheld_objection_goes_to_dispute(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let r = rejected_request(&mut app).await;
    app.set_now("2026-03-05T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::Rejected]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&o.answer_deadline.unwrap().due_date), "2026-04-24");

    app.set_now("2026-03-10T02:00:00Z");
    let err = app
        .objections
        .decide_objection(decide(&o.name, objection::Decision::Upheld, ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&err),
        vec!["reasons"],
        "an upheld answer gives written reasons"
    );
    let decided = app
        .objections
        .decide_objection(decide(
            &o.name,
            objection::Decision::Upheld,
            "Rekam medis adalah rahasia pribadi (Pasal 17 huruf h).",
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(decided.reopened_due_date.is_none());
    // 14 working days from 10 March, skipping 18–24 March: 7 April.
    let window = decided.dispute_window.unwrap();
    assert_eq!(day(&window.due_date), "2026-04-07");
    let still = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: r.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        still.state,
        State::Responded as i32,
        "an upheld objection leaves the answer standing"
    );

    // 8 April is one day late; filed on 7 April (received late) it stands.
    app.set_now("2026-04-08T02:00:00Z");
    let late = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
    assert_eq!(reason(&late), "DISPUTE_TOO_LATE");
    assert!(late.message().contains("2026-04-07"), "{}", late.message());
    let d = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            file_time: Some(ts("2026-04-07T03:00:00Z")),
            commission_register_number: "REG/SENGKETA/KI-BANTEN/2026/012".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.request, r.name);
    assert_eq!(day(&d.filing_window.unwrap().due_date), "2026-04-07");
    let twice = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            file_time: Some(ts("2026-04-07T03:00:00Z")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&twice), "DISPUTE_ALREADY_FILED");

    app.set_now("2026-06-10T02:00:00Z");
    let early = app
        .objections
        .record_dispute_outcome(pb::RecordDisputeOutcomeRequest {
            name: d.name.clone(),
            outcome: pb::dispute::Outcome::AdjudicationPartlyGranted as i32,
            decision_date: Some(date("2026-04-01")),
            decision_number: "001/KIP-BANTEN/2026".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        violations(&early),
        vec!["decision_date"],
        "not before the filing"
    );
    let settled = app
        .objections
        .record_dispute_outcome(pb::RecordDisputeOutcomeRequest {
            name: d.name.clone(),
            outcome: pb::dispute::Outcome::AdjudicationPartlyGranted as i32,
            decision_date: Some(date("2026-06-09")),
            decision_number: "001/KIP-BANTEN/2026".into(),
            summary: "Rekapitulasi tanpa identitas pasien wajib dibuka.".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        settled.outcome,
        pb::dispute::Outcome::AdjudicationPartlyGranted as i32
    );
    let got = app
        .objections
        .get_dispute(pb::GetDisputeRequest {
            name: d.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, settled);
    let types: Vec<i32> = app
        .history(&r.name)
        .await
        .iter()
        .map(|e| e.r#type)
        .collect();
    assert_eq!(
        types[2..],
        [
            Type::ObjectionFiled,
            Type::ObjectionDecided,
            Type::DisputeFiled,
            Type::DisputeSettled
        ]
        .map(|t| t as i32)
    );
}

async fn unanswered_objection_opens_the_dispute_window(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    // Never answered: due 16 March; ground c arises then.
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-10T02:00:00Z");
    let early = app
        .objections
        .file_objection(file(&r.name, &[G::NotAnswered]))
        .await
        .unwrap_err();
    assert_eq!(reason(&early), "GROUND_NOT_APPLICABLE");
    assert!(
        early.message().contains("2026-03-16"),
        "{}",
        early.message()
    );

    app.set_now("2026-03-17T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::NotAnswered]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&o.filing_windows[0].start_date), "2026-03-16");
    assert_eq!(day(&o.filing_windows[0].due_date), "2026-05-06");
    // 30 working days from 17 March.
    let answer_due = day(&o.answer_deadline.clone().unwrap().due_date);
    assert_eq!(answer_due, "2026-05-07");

    app.set_now("2026-04-20T02:00:00Z");
    let err = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "OBJECTION_NOT_DECIDED");
    assert!(err.message().contains("2026-05-07"), "{}", err.message());

    // The answer window passed unanswered: 14 working days from 7 May
    // (14–15 May, 27–28 May, 1 June are holidays or cuti bersama).
    app.set_now("2026-05-11T02:00:00Z");
    let got = app
        .objections
        .get_objection(pb::GetObjectionRequest {
            name: o.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&got.dispute_window.unwrap().due_date), "2026-06-03");
    let d = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&d.filing_window.unwrap().start_date), "2026-05-07");

    // An answer after the window is recorded as late.
    let late = app
        .objections
        .decide_objection(decide(&o.name, objection::Decision::Overturned, ""))
        .await
        .unwrap()
        .into_inner();
    assert!(!late.answered_on_time);
}

async fn objection_refusals_write_nothing(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let granted = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-04T02:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: granted.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Diberikan.".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();

    // Objecting to a rejection, on a granted request.
    let err = app
        .objections
        .file_objection(file(&granted.name, &[G::Rejected]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "GROUND_NOT_APPLICABLE");
    // "Answered late" on an answer given on time; an unreasonable fee with no fee.
    for g in [G::AnsweredLate, G::UnreasonableFee] {
        let err = app
            .objections
            .file_objection(file(&granted.name, &[g]))
            .await
            .unwrap_err();
        assert_eq!(reason(&err), "GROUND_NOT_APPLICABLE", "{g:?}");
    }
    // Ground d (answered otherwise) is open until 30 working days after 4 March: 23 April.
    app.set_now("2026-04-24T02:00:00Z");
    let err = app
        .objections
        .file_objection(file(&granted.name, &[G::AnsweredOtherwise]))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "OBJECTION_TOO_LATE");
    assert!(err.message().contains("2026-04-23"), "{}", err.message());

    let err = app
        .objections
        .file_objection(pb::FileObjectionRequest {
            request: "requests/x".into(),
            grounds: vec![0, 99],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&err),
        vec!["request", "grounds[0]", "grounds[1]", "statement"]
    );
    let err = app
        .objections
        .file_objection(file(
            &format!("requests/{}", uuid::Uuid::new_v4()),
            &[G::NotAnswered],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: format!("objections/{}", uuid::Uuid::new_v4()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    assert_eq!(
        app.history(&granted.name).await.len(),
        2,
        "nothing was written"
    );
    let list = app
        .objections
        .list_objections(pb::ListObjectionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(list.objections.is_empty());
}

/// The answer deadline shown is the one stored at filing: a holiday added
/// to the calendar afterwards does not make the shown date drift.
async fn answer_deadline_is_the_one_fixed_at_filing(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let r = rejected_request(&mut app).await;
    app.set_now("2026-03-05T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::Rejected]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&o.answer_deadline.unwrap().due_date), "2026-04-24");
    app.calendar
        .add_holiday(pb::AddHolidayRequest {
            holiday: Some(pb::Holiday {
                date: Some(date("2026-04-08")),
                display_name: "Hari libur daerah".into(),
                kind: pb::holiday::Kind::NationalHoliday as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let shown = app
        .objections
        .get_objection(pb::GetObjectionRequest {
            name: o.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .answer_deadline
        .unwrap();
    assert_eq!(day(&shown.due_date), "2026-04-24");
    assert!(
        shown.notes.iter().any(|n| n.contains("fixed at filing")),
        "{:?}",
        shown.notes
    );
}
