//! The objection register beyond the happy path: ground b without a
//! request, what an overturn does by ground, receipt dates, and objecting to
//! a return for completion (UU KIP Pasal 35-37).
use ppid::pb::ppid::v1::{
    self as pb, ObjectionGround as G, information_request::State, objection, request_event::Type,
};
use tonic::Code;

use crate::{
    exemptions::date,
    helpers::{Backend, TestApp, day, reason, spawn_app, violations},
    indicators::{stats, year},
    objections::{decide, file, rejected_request},
    on_both_backends,
};

on_both_backends!(
    ground_b_without_a_request_keeps_its_own_history,
    an_overturn_does_what_its_grounds_ask,
    receipts_start_the_windows_the_law_counts_from_receipt,
    a_return_for_completion_can_be_objected_to,
    a_dispute_runs_its_course_before_the_commission_and_the_courts,
);

fn step(on: &str, s: pb::dispute_step::Step) -> pb::DisputeStep {
    pb::DisputeStep {
        date: Some(date(on)),
        step: Some(s),
    }
}

async fn record(
    app: &mut TestApp,
    dispute: &str,
    s: pb::DisputeStep,
) -> Result<pb::Dispute, tonic::Status> {
    app.objections
        .record_dispute_step(pb::RecordDisputeStepRequest {
            name: dispute.into(),
            step: Some(s),
        })
        .await
        .map(|r| r.into_inner())
}

/// An upheld objection on a rejected request, taken to the Komisi Informasi.
async fn dispute_on(app: &mut TestApp, r: &pb::InformationRequest) -> pb::Dispute {
    app.set_now("2026-03-05T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::Rejected]))
        .await
        .unwrap()
        .into_inner();
    app.set_now("2026-03-10T02:00:00Z");
    app.objections
        .decide_objection(decide(
            &o.name,
            objection::Decision::Upheld,
            "Data pribadi dikecualikan.",
        ))
        .await
        .unwrap();
    app.set_now("2026-03-12T02:00:00Z");
    app.objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

fn periodic(agency: &str) -> pb::FileObjectionRequest {
    pb::FileObjectionRequest {
        agency: agency.into(),
        grounds: vec![G::PeriodicNotProvided as i32],
        statement: "Laporan keuangan tahunan tidak diumumkan di laman PPID.".into(),
        unpublished_information: "Laporan keuangan Pemerintah Kota Serang 2025".into(),
        ..Default::default()
    }
}

async fn objection(app: &mut TestApp, name: &str) -> pb::Objection {
    app.objections
        .get_objection(pb::GetObjectionRequest { name: name.into() })
        .await
        .unwrap()
        .into_inner()
}

/// Pasal 9 information is owed to everyone: ground b may name the agency
/// and what it did not publish, with no request. Its steps are kept on the
/// objection itself; it counts for its agency.
async fn ground_b_without_a_request_keeps_its_own_history(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.set_now("2026-03-05T02:00:00Z");

    // Malformed: refused with the field, nothing written.
    let cases: Vec<(pb::FileObjectionRequest, Vec<&str>)> = vec![
        (
            pb::FileObjectionRequest {
                grounds: vec![G::PeriodicNotProvided as i32, G::NotAnswered as i32],
                ..periodic("agencies/kota-serang")
            },
            vec!["grounds"],
        ),
        (
            pb::FileObjectionRequest {
                unpublished_information: String::new(),
                ..periodic("agencies/kota-serang")
            },
            vec!["unpublished_information"],
        ),
        (
            pb::FileObjectionRequest {
                agency: String::new(),
                ..periodic("")
            },
            vec!["request"],
        ),
    ];
    for (req, want) in cases {
        let err = app.objections.file_objection(req).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(violations(&err), want);
    }

    let o = app
        .objections
        .file_objection(periodic("agencies/kota-serang"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(o.registration_number, "KOTA-SERANG/KEB/2026/000001");
    assert_eq!(o.request, "");
    assert_eq!(o.agency, "agencies/kota-serang");
    assert_eq!(
        o.unpublished_information,
        "Laporan keuangan Pemerintah Kota Serang 2025"
    );
    assert!(o.admissible);
    assert!(o.ground_checks[0].counted_from.contains("Pasal 9"));
    assert!(o.filing_windows.is_empty(), "no act to count a window from");
    let kinds: Vec<i32> = o.history.iter().map(|e| e.r#type).collect();
    assert_eq!(kinds, vec![Type::ObjectionFiled as i32]);

    app.set_now("2026-03-12T02:00:00Z");
    let decided = app
        .objections
        .decide_objection(decide(&o.name, objection::Decision::Overturned, ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(decided.effect, objection::Effect::PublicationOrdered as i32);
    assert!(decided.reopened_due_date.is_none());
    app.set_now("2026-03-16T02:00:00Z");
    let d = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.request, "");
    assert_eq!(
        d.filing_timing,
        pb::dispute::FilingTiming::WithinWindow as i32
    );
    let got = objection(&mut app, &o.name).await;
    let kinds: Vec<i32> = got.history.iter().map(|e| e.r#type).collect();
    assert_eq!(
        kinds,
        [
            Type::ObjectionFiled,
            Type::ObjectionDecided,
            Type::DisputeFiled
        ]
        .map(|t| t as i32)
    );
    assert_eq!(
        got.history.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    let listed = app
        .objections
        .list_objections(pb::ListObjectionsRequest {
            agency: "agencies/kota-serang".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.objections.len(), 1);
    let f = stats(&mut app, "kota-serang", year(2026), true).await;
    assert_eq!(
        (
            f.objections_filed,
            f.objections_overturned,
            f.disputes_filed
        ),
        (1, 1, 1)
    );
}

/// a-e send the request back; f corrects the fee and refunds the
/// difference; g acknowledges the lateness and reopens nothing.
async fn an_overturn_does_what_its_grounds_ask(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    // Due 16 March; granted a day late with a fee of Rp 50.000.
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-17T02:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Diberikan; biaya penggandaan Rp 50.000.".into(),
                fee_rupiah: 50_000,
                payment_method: "Transfer ke kas daerah".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    app.set_now("2026-03-25T02:00:00Z");
    let on_fee = app
        .objections
        .file_objection(file(&r.name, &[G::UnreasonableFee]))
        .await
        .unwrap()
        .into_inner();
    let on_lateness = app
        .objections
        .file_objection(file(&r.name, &[G::AnsweredLate]))
        .await
        .unwrap()
        .into_inner();
    assert!(on_fee.admissible && on_lateness.admissible);
    assert!(
        on_lateness.ground_checks[0]
            .counted_from
            .contains("late notice"),
        "{}",
        on_lateness.ground_checks[0].counted_from
    );
    let before = app.history(&r.name).await.len();

    app.set_now("2026-03-26T02:00:00Z");
    let fee = |name: &str, decision, corrected: Option<i64>| pb::DecideObjectionRequest {
        corrected_fee_rupiah: corrected,
        ..decide(name, decision, "Tarif penggandaan sesuai maklumat.")
    };
    for (decision, corrected) in [
        (objection::Decision::Overturned, None),
        (objection::Decision::Overturned, Some(50_000)),
        (objection::Decision::Overturned, Some(-1)),
        (objection::Decision::Upheld, Some(10_000)),
    ] {
        let err = app
            .objections
            .decide_objection(fee(&on_fee.name, decision, corrected))
            .await
            .unwrap_err();
        assert_eq!(
            violations(&err),
            vec!["corrected_fee_rupiah"],
            "{decision:?} {corrected:?}"
        );
    }
    assert_eq!(app.history(&r.name).await.len(), before, "nothing written");

    let corrected = app
        .objections
        .decide_objection(fee(
            &on_fee.name,
            objection::Decision::Overturned,
            Some(20_000),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(corrected.effect, objection::Effect::FeeCorrected as i32);
    assert_eq!(corrected.corrected_fee_rupiah, Some(20_000));
    assert_eq!(corrected.refund_rupiah, 30_000);
    assert!(corrected.reopened_due_date.is_none());
    let acknowledged = app
        .objections
        .decide_objection(decide(
            &on_lateness.name,
            objection::Decision::Overturned,
            "",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(acknowledged.effect, objection::Effect::Acknowledged as i32);
    assert!(acknowledged.reopened_due_date.is_none());
    let req = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: r.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(req.state, State::Responded as i32, "nothing reopened");
    assert!(req.first_notice.is_none());
    let last = app.history(&r.name).await;
    let fee_event = &last[last.len() - 2];
    assert_eq!(fee_event.details["refund_rupiah"], "30000");
    assert_eq!(fee_event.details["effect"], "fee_corrected");
}

/// Pasal 35-37 count some windows from receipt: of the written notice
/// (grounds a and f) and of the atasan's answer (the dispute). Recorded
/// receipts move those windows; the explanation says which.
async fn receipts_start_the_windows_the_law_counts_from_receipt(backend: Backend) {
    let mut app = spawn_app(backend).await;
    // Rejected on Wednesday 4 March.
    let r = rejected_request(&mut app).await;
    app.set_now("2026-03-20T02:00:00Z");
    let receipt = |d: &str| pb::RecordNoticeReceiptRequest {
        name: r.name.clone(),
        receipt_date: Some(date(d)),
        ..Default::default()
    };
    for bad in ["2026-03-03", "2026-03-21"] {
        let err = app
            .requests
            .record_notice_receipt(receipt(bad))
            .await
            .unwrap_err();
        assert_eq!(violations(&err), vec!["receipt_date"], "{bad}");
    }
    let err = app
        .requests
        .record_notice_receipt(pb::RecordNoticeReceiptRequest::default())
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["receipt_date", "name"]);
    let pending = app.submit("kota-serang", "2026-03-19T02:00:00Z").await;
    let err = app
        .requests
        .record_notice_receipt(pb::RecordNoticeReceiptRequest {
            name: pending.name.clone(),
            receipt_date: Some(date("2026-03-19")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "no notice yet");

    // By post: received Wednesday 11 March.
    let got = app
        .requests
        .record_notice_receipt(receipt("2026-03-11"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&got.notice_receipt_date), "2026-03-11");
    let ev = app.history(&r.name).await.pop().unwrap();
    assert_eq!(ev.r#type, Type::NoticeReceived as i32);

    // From the notice (4 March) the window closed on 23 April; from the
    // receipt it runs longer, and 24 April is in time.
    app.set_now("2026-04-24T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::Rejected]))
        .await
        .unwrap()
        .into_inner();
    assert!(o.admissible, "{:?}", o.ground_checks);
    let check = &o.ground_checks[0];
    assert_eq!(day(&check.arose_date), "2026-03-11");
    assert!(
        check
            .counted_from
            .contains("receipt of the written notice on 2026-03-11"),
        "{}",
        check.counted_from
    );
    let window = check.window.clone().unwrap();
    assert_eq!(day(&window.start_date), "2026-03-11");
    assert!(day(&window.due_date).as_str() > "2026-04-24");

    app.set_now("2026-04-27T02:00:00Z");
    let decided = app
        .objections
        .decide_objection(decide(
            &o.name,
            objection::Decision::Upheld,
            "Data pribadi pasien dikecualikan.",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        day(&decided.dispute_window.unwrap().start_date),
        "2026-04-27"
    );
    app.set_now("2026-05-06T02:00:00Z");
    let answer_receipt = |d: &str| pb::RecordAnswerReceiptRequest {
        name: o.name.clone(),
        receipt_date: Some(date(d)),
    };
    for bad in ["2026-04-26", "2026-05-07"] {
        let err = app
            .objections
            .record_answer_receipt(answer_receipt(bad))
            .await
            .unwrap_err();
        assert_eq!(violations(&err), vec!["receipt_date"], "{bad}");
    }
    let received = app
        .objections
        .record_answer_receipt(answer_receipt("2026-05-04"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&received.answer_receipt_date), "2026-05-04");
    let window = received.dispute_window.unwrap();
    assert_eq!(day(&window.start_date), "2026-05-04");
    let ev = app.history(&r.name).await.pop().unwrap();
    assert_eq!(ev.r#type, Type::ObjectionAnswerReceived as i32);
    assert_eq!(ev.details["dispute_window_due_date"], day(&window.due_date));
}

/// A requester may object to a return for completion (ground c): while the
/// clock is paused the request is, in effect, not being answered.
async fn a_return_for_completion_can_be_objected_to(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-03T02:00:00Z");
    app.requests
        .return_for_completion(pb::ReturnForCompletionRequest {
            name: r.name.clone(),
            missing_information: "Salinan KTP".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    app.set_now("2026-03-05T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::NotAnswered]))
        .await
        .unwrap()
        .into_inner();
    assert!(o.admissible, "{:?}", o.ground_checks);
    let check = &o.ground_checks[0];
    assert_eq!(day(&check.arose_date), "2026-03-03");
    assert!(
        check.counted_from.contains("return for completion"),
        "{}",
        check.counted_from
    );
}

/// UU KIP Pasal 37-50: registration, mediation (failed), adjudication, the
/// decision with its compliance date, a late appeal to the PTUN recorded and
/// flagged, the court's decision, cassation in time and its decision, then
/// compliance; a second dispute settled by mediation. Impossible orders are
/// refused with a reason and write nothing; ListDisputes filters.
async fn a_dispute_runs_its_course_before_the_commission_and_the_courts(backend: Backend) {
    use pb::dispute_step::{self as ps, Step as S};
    let mut app = spawn_app(backend).await;
    let r = rejected_request(&mut app).await;
    let d = dispute_on(&mut app, &r).await;
    assert_eq!(d.stage, pb::dispute::Stage::Registered as i32);
    let n = d.name.clone();

    // Malformed steps.
    let err = app
        .objections
        .record_dispute_step(pb::RecordDisputeStepRequest {
            name: n.clone(),
            step: None,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["step"]);
    let err = record(
        &mut app,
        &n,
        step("2026-03-13", S::Decision(ps::Decision::default())),
    )
    .await
    .unwrap_err();
    assert_eq!(
        violations(&err),
        vec!["step.decision.outcome", "step.decision.number"]
    );
    let err = record(
        &mut app,
        &n,
        step("2026-03-13", S::MediationStart(ps::MediationStart {})),
    )
    .await
    .unwrap_err();
    assert_eq!(violations(&err), vec!["step.date"], "in the future");

    app.set_now("2026-04-21T02:00:00Z");
    let reg = ps::Registration {
        register_number: "REG/012/III/KI-BANTEN-PS/2026".into(),
    };
    let got = record(&mut app, &n, step("2026-03-13", S::Registration(reg)))
        .await
        .unwrap();
    assert_eq!(
        got.commission_register_number,
        "REG/012/III/KI-BANTEN-PS/2026"
    );
    record(
        &mut app,
        &n,
        step("2026-03-16", S::MediationStart(ps::MediationStart {})),
    )
    .await
    .unwrap();
    let failed = ps::MediationEnd {
        agreement: false,
        note: "Para pihak tidak sepakat.".into(),
    };
    let got = record(&mut app, &n, step("2026-03-26", S::MediationEnd(failed)))
        .await
        .unwrap();
    assert_eq!(got.stage, pb::dispute::Stage::MediationFailed as i32);
    // A step dated before the previous one; a mediated settlement without
    // agreement; compliance before any decision; an appeal before a decision.
    let err = record(
        &mut app,
        &n,
        step("2026-03-20", S::Hearing(ps::Hearing::default())),
    )
    .await
    .unwrap_err();
    assert_eq!(violations(&err), vec!["step.date"]);
    let settle = |outcome: pb::dispute::Outcome| {
        S::Decision(ps::Decision {
            outcome: outcome as i32,
            number: "001/IV/KI-BANTEN-PS-A/2026".into(),
            ..Default::default()
        })
    };
    for s in [
        settle(pb::dispute::Outcome::MediationAgreement),
        settle(pb::dispute::Outcome::AdjudicationGranted),
        S::Compliance(ps::Compliance::default()),
        S::Appeal(ps::Appeal {
            court: pb::Court::Ptun as i32,
            appellant: pb::Party::Agency as i32,
        }),
    ] {
        let err = record(&mut app, &n, step("2026-03-27", s))
            .await
            .unwrap_err();
        assert_eq!(
            reason(&err),
            "DISPUTE_STEP_OUT_OF_ORDER",
            "{}",
            err.message()
        );
    }
    for on in ["2026-04-07", "2026-04-14"] {
        record(&mut app, &n, step(on, S::Hearing(ps::Hearing::default())))
            .await
            .unwrap();
    }
    // Granted on 21 April, received the next day: the appeal window runs 14
    // working days from 22 April (1 May off) to 13 May; the decision is
    // final then, and the agency complies within 10 working days more
    // (14–15, 27–28 May and 1 June off): by 3 June.
    app.set_now("2026-04-22T08:00:00Z");
    let granted = ps::Decision {
        outcome: pb::dispute::Outcome::AdjudicationGranted as i32,
        number: "001/IV/KI-BANTEN-PS-A/2026".into(),
        summary: "Dokumen kontrak dibuka.".into(),
        receipt_date: Some(date("2026-04-22")),
        compliance_due_date: None,
    };
    let got = record(&mut app, &n, step("2026-04-21", S::Decision(granted)))
        .await
        .unwrap();
    assert_eq!(got.stage, pb::dispute::Stage::Decided as i32);
    assert_eq!(
        got.outcome,
        pb::dispute::Outcome::AdjudicationGranted as i32
    );
    let appeal = got.appeal_window.unwrap();
    assert_eq!(day(&appeal.start_date), "2026-04-22");
    assert_eq!(day(&appeal.due_date), "2026-05-13");
    assert_eq!(day(&got.compliance_due_date), "2026-06-03");
    assert!(!got.compliance_overdue);

    // Appealed on 15 May: two days late, recorded and flagged.
    app.set_now("2026-05-15T02:00:00Z");
    let got = record(
        &mut app,
        &n,
        step(
            "2026-05-15",
            S::Appeal(ps::Appeal {
                court: pb::Court::Ptun as i32,
                appellant: pb::Party::Agency as i32,
            }),
        ),
    )
    .await
    .unwrap();
    assert_eq!(got.stage, pb::dispute::Stage::Appealed as i32);
    let last = got.steps.last().unwrap();
    assert!(last.late);
    assert_eq!(day(&last.window.clone().unwrap().due_date), "2026-05-13");
    // Before a court, compliance is not overdue.
    app.set_now("2026-06-10T02:00:00Z");
    let got = app
        .objections
        .get_dispute(pb::GetDisputeRequest { name: n.clone() })
        .await
        .unwrap()
        .into_inner();
    assert!(!got.compliance_overdue);

    // The court upholds the decision on 1 July, received 3 July: cassation
    // within 14 days, by 17 July. Filed on 10 July, in time.
    app.set_now("2026-07-10T02:00:00Z");
    let court = ps::CourtDecision {
        outcome: pb::CourtOutcome::Upheld as i32,
        number: "12/G/KI/2026/PTUN.SRG".into(),
        receipt_date: Some(date("2026-07-03")),
    };
    let got = record(&mut app, &n, step("2026-07-01", S::CourtDecision(court)))
        .await
        .unwrap();
    let cassation = got.cassation_window.unwrap();
    assert_eq!(day(&cassation.due_date), "2026-07-17");
    let got = record(
        &mut app,
        &n,
        step(
            "2026-07-10",
            S::Cassation(ps::Cassation {
                appellant: pb::Party::Agency as i32,
            }),
        ),
    )
    .await
    .unwrap();
    assert!(!got.steps.last().unwrap().late);
    app.set_now("2026-09-15T02:00:00Z");
    let ma = ps::CassationDecision {
        outcome: pb::CourtOutcome::Upheld as i32,
        number: "345 K/TUN/KI/2026".into(),
    };
    let got = record(&mut app, &n, step("2026-09-01", S::CassationDecision(ma)))
        .await
        .unwrap();
    assert_eq!(got.stage, pb::dispute::Stage::CassationDecided as i32);
    assert!(got.compliance_overdue, "final, past 3 June, not complied");
    let got = record(
        &mut app,
        &n,
        step("2026-09-10", S::Compliance(ps::Compliance::default())),
    )
    .await
    .unwrap();
    assert_eq!(day(&got.complied_date), "2026-09-10");
    assert!(!got.compliance_overdue);
    assert_eq!(got.steps.len(), 11);

    // A second dispute, settled by mediation: compliance due 10 working
    // days after the agreement (3 April, Good Friday, off), nothing to appeal.
    let d2 = dispute_on(&mut app, &r).await;
    app.set_now("2026-04-01T02:00:00Z");
    record(
        &mut app,
        &d2.name,
        step("2026-03-16", S::MediationStart(ps::MediationStart {})),
    )
    .await
    .unwrap();
    let agreed = ps::MediationEnd {
        agreement: true,
        note: String::new(),
    };
    record(
        &mut app,
        &d2.name,
        step("2026-03-26", S::MediationEnd(agreed)),
    )
    .await
    .unwrap();
    let got = record(
        &mut app,
        &d2.name,
        step(
            "2026-03-26",
            settle(pb::dispute::Outcome::MediationAgreement),
        ),
    )
    .await
    .unwrap();
    assert!(got.appeal_window.is_none());
    assert_eq!(day(&got.compliance_due_date), "2026-04-10");
    let err = record(
        &mut app,
        &d2.name,
        step(
            "2026-03-30",
            S::Appeal(ps::Appeal {
                court: pb::Court::Ptun as i32,
                appellant: pb::Party::Requester as i32,
            }),
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), "DISPUTE_STEP_OUT_OF_ORDER");

    // Filters.
    app.set_now("2026-09-15T02:00:00Z");
    let list = |f: pb::ListDisputesRequest| {
        let mut c = app.objections.clone();
        async move {
            c.list_disputes(f)
                .await
                .unwrap()
                .into_inner()
                .disputes
                .into_iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(pb::ListDisputesRequest::default()).await,
        vec![d2.name.clone(), n.clone()]
    );
    let in_cassation = pb::ListDisputesRequest {
        stages: vec![pb::dispute::Stage::CassationDecided as i32],
        ..Default::default()
    };
    assert_eq!(list(in_cassation).await, vec![n.clone()]);
    let mediated = pb::ListDisputesRequest {
        outcome: pb::dispute::Outcome::MediationAgreement as i32,
        agency: "agencies/kota-serang".into(),
        ..Default::default()
    };
    assert_eq!(list(mediated).await, vec![d2.name.clone()]);
    let late = pb::ListDisputesRequest {
        filing_timing: pb::dispute::FilingTiming::Late as i32,
        ..Default::default()
    };
    assert!(list(late).await.is_empty());
    let err = app
        .objections
        .list_disputes(pb::ListDisputesRequest {
            stages: vec![0, 42],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["stages[0]", "stages[1]"]);

    let kinds: Vec<i32> = app
        .history(&r.name)
        .await
        .iter()
        .map(|e| e.r#type)
        .collect();
    let steps = kinds
        .iter()
        .filter(|k| **k == Type::DisputeStepRecorded as i32)
        .count();
    let decisions = kinds
        .iter()
        .filter(|k| **k == Type::DisputeSettled as i32)
        .count();
    assert_eq!((steps, decisions), (10 + 2, 2));
}
