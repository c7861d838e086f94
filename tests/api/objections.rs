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
    indicators::{stats, year},
    on_both_backends,
};

on_both_backends!(
    overturned_rejection_is_answered_again,
    upheld_objection_goes_to_dispute,
    unanswered_objection_opens_the_dispute_window,
    unfit_and_late_grounds_are_recorded_and_flagged,
    holiday_edits_move_objection_deadlines,
);

/// Kota Serang with a DIK entry (h) and a request received Monday 2 March
/// 2026 that the PPID rejected on Wednesday 4 March citing it.
pub(crate) async fn rejected_request(app: &mut TestApp) -> pb::InformationRequest {
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

pub(crate) fn file(request: &str, grounds: &[G]) -> pb::FileObjectionRequest {
    pb::FileObjectionRequest {
        request: request.into(),
        grounds: grounds.iter().map(|g| *g as i32).collect(),
        statement: "Informasi tersebut menyangkut anggaran publik, bukan rahasia pribadi.".into(),
        file_time: None,
        ..Default::default()
    }
}

pub(crate) fn decide(
    name: &str,
    decision: objection::Decision,
    reasons: &str,
) -> pb::DecideObjectionRequest {
    pb::DecideObjectionRequest {
        name: name.into(),
        decision: decision as i32,
        extent: objection::Extent::Wholly as i32,
        reasons: reasons.into(),
        superior_name: "Drs. H. Ahmad Sobari".into(),
        superior_position: "Sekretaris Daerah Kota Serang".into(),
        decide_time: None,
        ..Default::default()
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
    assert_eq!(
        listed.objections[0].effect,
        objection::Effect::Reopened as i32
    );
    // The first notice is never erased: the request is judged by it, the
    // new answer is counted apart.
    let got = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: r.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = got.first_notice.expect("first notice kept");
    assert_eq!(first.outcome, pb::notice::Outcome::Rejected as i32);
    assert_eq!(
        got.notice.unwrap().outcome,
        pb::notice::Outcome::Granted as i32
    );
    let f = stats(&mut app, "kota-serang", year(2026), true).await;
    assert_eq!(f.decided, 1, "one request, one decision: the first notice");
    let outcomes: Vec<(i32, i64)> = f
        .outcomes
        .iter()
        .filter(|o| o.count > 0)
        .map(|o| (o.outcome, o.count))
        .collect();
    assert_eq!(outcomes, vec![(pb::notice::Outcome::Rejected as i32, 1)]);
    assert_eq!(f.answers_after_overturn, 1);
    assert_eq!(f.answers_after_overturn_on_time, 1);
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

    // 8 April is one day late: recorded as reported and flagged; the
    // Komisi Informasi decides whether it is admissible.
    app.set_now("2026-04-08T02:00:00Z");
    let d = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            file_time: Some(ts("2026-04-08T01:00:00Z")),
            commission_register_number: "REG/SENGKETA/KI-BANTEN/2026/012".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.request, r.name);
    assert_eq!(d.filing_timing, pb::dispute::FilingTiming::Late as i32);
    assert_eq!(day(&d.filing_window.unwrap().due_date), "2026-04-07");
    let filed = app.history(&r.name).await.pop().unwrap();
    assert!(
        filed
            .summary
            .contains("after its window closed on 2026-04-07"),
        "{}",
        filed.summary
    );
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
    // An adjudicated outcome needs a hearing first.
    let out_of_order = app
        .objections
        .record_dispute_outcome(pb::RecordDisputeOutcomeRequest {
            name: d.name.clone(),
            outcome: pb::dispute::Outcome::AdjudicationPartlyGranted as i32,
            decision_date: Some(date("2026-06-09")),
            decision_number: "001/KIP-BANTEN/2026".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&out_of_order), "DISPUTE_STEP_OUT_OF_ORDER");
    app.objections
        .record_dispute_step(pb::RecordDisputeStepRequest {
            name: d.name.clone(),
            step: Some(pb::DisputeStep {
                date: Some(date("2026-05-20")),
                step: Some(pb::dispute_step::Step::Hearing(
                    pb::dispute_step::Hearing::default(),
                )),
            }),
        })
        .await
        .unwrap();
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
            Type::DisputeStepRecorded,
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
    // Too early for ground c: registered all the same, flagged.
    let early = app
        .objections
        .file_objection(file(&r.name, &[G::NotAnswered]))
        .await
        .unwrap()
        .into_inner();
    assert!(!early.admissible);
    let check = &early.ground_checks[0];
    assert_eq!(
        check.admissibility,
        pb::ground_check::Admissibility::NotApplicable as i32
    );
    assert!(check.reason.contains("2026-03-16"), "{}", check.reason);
    assert!(early.filing_windows.is_empty());
    // A dispute on it before the atasan could answer: recorded, early.
    let premature = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: early.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        premature.filing_timing,
        pb::dispute::FilingTiming::Early as i32
    );

    app.set_now("2026-03-17T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::NotAnswered]))
        .await
        .unwrap()
        .into_inner();
    assert!(o.admissible);
    assert_eq!(o.registration_number, "KOTA-SERANG/KEB/2026/000002");
    assert_eq!(day(&o.filing_windows[0].start_date), "2026-03-16");
    assert_eq!(day(&o.filing_windows[0].due_date), "2026-05-06");
    assert!(
        o.ground_checks[0].counted_from.contains("2026-03-16"),
        "{}",
        o.ground_checks[0].counted_from
    );
    // 30 working days from 17 March.
    let answer_due = day(&o.answer_deadline.clone().unwrap().due_date);
    assert_eq!(answer_due, "2026-05-07");

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

/// Grounds that do not fit, or come late, are registered and flagged with
/// why; only malformed input is refused, and then nothing is written.
async fn unfit_and_late_grounds_are_recorded_and_flagged(backend: Backend) {
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

    // Objecting to a rejection, to lateness and to a fee, on a granted
    // request answered on time without a fee.
    let o = app
        .objections
        .file_objection(file(
            &granted.name,
            &[G::Rejected, G::UnreasonableFee, G::AnsweredLate],
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!o.admissible);
    let checks: Vec<(i32, i32)> = o
        .ground_checks
        .iter()
        .map(|c| (c.ground, c.admissibility))
        .collect();
    let na = pb::ground_check::Admissibility::NotApplicable as i32;
    assert_eq!(
        checks,
        vec![
            (G::Rejected as i32, na),
            (G::UnreasonableFee as i32, na),
            (G::AnsweredLate as i32, na),
        ]
    );
    assert!(
        o.ground_checks[0]
            .reason
            .contains("not a rejection under Pasal 17")
    );
    assert!(o.ground_checks[1].reason.contains("charged no fee"));
    assert!(o.ground_checks[2].reason.contains("by its due date"));
    // The atasan declares it inadmissible, with reasons.
    let err = app
        .objections
        .decide_objection(decide(&o.name, objection::Decision::Inadmissible, ""))
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["reasons"]);
    let decided = app
        .objections
        .decide_objection(decide(
            &o.name,
            objection::Decision::Inadmissible,
            "Permohonan telah dipenuhi tepat waktu tanpa biaya.",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(decided.decision, objection::Decision::Inadmissible as i32);
    assert_eq!(decided.effect, 0);

    // Ground d (answered otherwise) is open until 30 working days after 4
    // March: 23 April. On 24 April it is late, and says by when.
    app.set_now("2026-04-24T02:00:00Z");
    let late = app
        .objections
        .file_objection(file(&granted.name, &[G::AnsweredOtherwise]))
        .await
        .unwrap()
        .into_inner();
    let check = &late.ground_checks[0];
    assert_eq!(
        check.admissibility,
        pb::ground_check::Admissibility::Late as i32
    );
    assert!(check.reason.contains("by 2026-04-23"), "{}", check.reason);
    assert_eq!(day(&check.window.clone().unwrap().due_date), "2026-04-23");
    assert_eq!(day(&check.arose_date), "2026-03-04");
    let history = app.history(&granted.name).await;
    assert!(
        history
            .last()
            .unwrap()
            .summary
            .contains("not admissible as computed: d late"),
        "{}",
        history.last().unwrap().summary
    );
    let before = history.len();

    // Malformed: refused, nothing written.
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
        .file_objection(pb::FileObjectionRequest {
            file_time: Some(ts("2026-03-01T02:00:00Z")),
            ..file(&granted.name, &[G::AnsweredOtherwise])
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["file_time"], "before the request");
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

    assert_eq!(app.history(&granted.name).await.len(), before);
    let list = app
        .objections
        .list_objections(pb::ListObjectionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.objections.len(), 2, "the two filings, nothing more");
}

/// A holiday added within an objection's answer window moves its due date
/// (and the dispute window that follows silence), with an event, as it
/// moves request due dates; the date shown is the one stored.
async fn holiday_edits_move_objection_deadlines(backend: Backend) {
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
    let added = app
        .calendar
        .add_holiday(pb::AddHolidayRequest {
            holiday: Some(pb::Holiday {
                date: Some(date("2026-04-08")),
                display_name: "Hari libur daerah".into(),
                kind: pb::holiday::Kind::NationalHoliday as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(added.rescheduled_objections, 1);
    let got = app
        .objections
        .get_objection(pb::GetObjectionRequest {
            name: o.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let shown = got.answer_deadline.unwrap();
    // Friday 24 April moves to Monday 27 April.
    assert_eq!(day(&shown.due_date), "2026-04-27");
    assert!(shown.notes.is_empty(), "{:?}", shown.notes);
    let moved = app.history(&r.name).await.pop().unwrap();
    assert_eq!(moved.r#type, Type::ObjectionDeadlineChanged as i32);
    assert_eq!(moved.details["answer_due_date"], "2026-04-27");
    assert_eq!(moved.details["previous_answer_due_date"], "2026-04-24");
    // Removing it moves it back.
    let removed = app
        .calendar
        .remove_holiday(pb::RemoveHolidayRequest {
            name: "holidays/2026-04-08".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(removed.rescheduled_objections, 1);
    let got = app
        .objections
        .get_objection(pb::GetObjectionRequest {
            name: o.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&got.answer_deadline.unwrap().due_date), "2026-04-24");
}
