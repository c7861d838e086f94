//! The order of a dispute's steps (UU KIP Pasal 37-50), as a table: which
//! step each stage accepts; windows of appeal (14 working days, Pasal 48(1))
//! and cassation (14 days, Pasal 50); late filings flagged, not refused.
use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::*;
use crate::domain::{
    FilingTiming,
    calendar::{DECREE_YEARS, WorkingCalendar, builtin_holidays},
};

fn d(s: &str) -> Date {
    s.parse().expect(s)
}

fn cal() -> WorkingCalendar {
    WorkingCalendar::new(builtin_holidays(), DECREE_YEARS.iter().copied(), false)
}

const FILED: &str = "2026-03-12";

fn filed() -> Dispute {
    Dispute {
        id: Uuid::from_u128(9),
        objection_id: Uuid::from_u128(8),
        request_id: Some(Uuid::from_u128(7)),
        commission_register_number: None,
        file_time: "2026-03-12T02:00:00Z".parse().unwrap(),
        window_start: d("2026-03-10"),
        window_due: d("2026-04-07"),
        timing: FilingTiming::WithinWindow,
        steps: Vec::new(),
        settlement: None,
    }
}

fn now() -> Timestamp {
    "2026-12-01T02:00:00Z".parse().unwrap()
}

fn run(dispute: &Dispute, step: DisputeStep) -> Result<(Dispute, NewEvent)> {
    apply(
        dispute,
        step,
        d(FILED),
        d("2026-12-01"),
        &cal(),
        DEFAULT_COMPLIANCE_WORKING_DAYS,
        now(),
    )
}

fn ok(dispute: &Dispute, step: DisputeStep) -> Dispute {
    run(dispute, step).unwrap_or_else(|e| panic!("{e}")).0
}

fn decision(on: &str, outcome: DisputeOutcome) -> DisputeStep {
    DisputeStep::Decision {
        date: d(on),
        outcome,
        number: "001/KI/2026".into(),
        summary: None,
        receipt_date: None,
        compliance_due_date: None,
    }
}

/// Every kind of step, on `on`.
fn sample(kind: &str, on: &str) -> DisputeStep {
    let date = d(on);
    match kind {
        "registration" => DisputeStep::Registration {
            date,
            register_number: "REG/1".into(),
        },
        "mediation_start" => DisputeStep::MediationStart { date },
        "mediation_end" => DisputeStep::MediationEnd {
            date,
            agreement: false,
            note: None,
        },
        "hearing" => DisputeStep::Hearing { date, note: None },
        "decision" => decision(on, DisputeOutcome::AdjudicationGranted),
        "compliance" => DisputeStep::Compliance { date, note: None },
        "appeal" => DisputeStep::Appeal {
            date,
            court: Court::Ptun,
            appellant: Party::Agency,
        },
        "court_decision" => DisputeStep::CourtDecision {
            date,
            outcome: CourtOutcome::Upheld,
            number: "1/G/2026".into(),
            receipt_date: None,
        },
        "cassation" => DisputeStep::Cassation {
            date,
            appellant: Party::Agency,
        },
        "cassation_decision" => DisputeStep::CassationDecision {
            date,
            outcome: CourtOutcome::Upheld,
            number: "1 K/2026".into(),
        },
        other => panic!("{other}"),
    }
}

const KINDS: [&str; 10] = [
    "registration",
    "mediation_start",
    "mediation_end",
    "hearing",
    "decision",
    "compliance",
    "appeal",
    "court_decision",
    "cassation",
    "cassation_decision",
];

#[test]
fn each_stage_accepts_exactly_the_next_steps_of_the_law() {
    use DisputeStage as St;
    let registered = filed();
    let mediation = ok(&registered, sample("mediation_start", "2026-03-16"));
    let failed = ok(&mediation, sample("mediation_end", "2026-03-26"));
    let adjudication = ok(&failed, sample("hearing", "2026-04-07"));
    let decided = ok(&adjudication, sample("decision", "2026-04-21"));
    let appealed = ok(&decided, sample("appeal", "2026-05-04"));
    let court = ok(&appealed, sample("court_decision", "2026-07-01"));
    let cassation = ok(&court, sample("cassation", "2026-07-10"));
    let final_ = ok(&cassation, sample("cassation_decision", "2026-09-01"));
    let table: [(&Dispute, St, &[&str]); 9] = [
        (
            &registered,
            St::Registered,
            &["registration", "mediation_start", "hearing"],
        ),
        (
            &mediation,
            St::Mediation,
            &["registration", "mediation_end"],
        ),
        (&failed, St::MediationFailed, &["registration", "hearing"]),
        (
            &adjudication,
            St::Adjudication,
            &["registration", "hearing", "decision"],
        ),
        (
            &decided,
            St::Decided,
            &["registration", "compliance", "appeal"],
        ),
        (
            &appealed,
            St::Appealed,
            &["registration", "compliance", "court_decision"],
        ),
        (
            &court,
            St::CourtDecided,
            &["registration", "compliance", "cassation"],
        ),
        (
            &cassation,
            St::Cassation,
            &["registration", "compliance", "cassation_decision"],
        ),
        (
            &final_,
            St::CassationDecided,
            &["registration", "compliance"],
        ),
    ];
    for (dispute, stage, accepted) in table {
        assert_eq!(dispute.stage(), stage);
        for kind in KINDS {
            let res = run(dispute, sample(kind, "2026-10-01"));
            let want = accepted.contains(&kind);
            assert_eq!(res.is_ok(), want, "{stage} / {kind}: {res:?}");
            if let Err(e) = res {
                let reason = match e {
                    Error::FailedPrecondition { reason, .. } => reason,
                    other => panic!("{stage} / {kind}: {other:?}"),
                };
                assert!(
                    ["DISPUTE_STEP_OUT_OF_ORDER", "ALREADY_SETTLED"].contains(&reason),
                    "{stage} / {kind}: {reason}"
                );
            }
        }
    }
}

/// Which outcome a decision may have depends on what came before it: a
/// mediated settlement needs an agreement, an adjudicated one a hearing;
/// dismissal and withdrawal may come at any time before a decision.
#[test]
fn a_decision_fits_what_came_before_it() {
    use DisputeOutcome as O;
    let registered = filed();
    let mediation = ok(&registered, sample("mediation_start", "2026-03-16"));
    let agreed = ok(
        &mediation,
        DisputeStep::MediationEnd {
            date: d("2026-03-20"),
            agreement: true,
            note: None,
        },
    );
    let heard = ok(&registered, sample("hearing", "2026-03-20"));
    let rows: [(&str, &Dispute, &[O]); 4] = [
        ("registered", &registered, &[O::Inadmissible, O::Withdrawn]),
        (
            "in mediation",
            &mediation,
            &[O::MediationAgreement, O::Inadmissible, O::Withdrawn],
        ),
        (
            "agreed",
            &agreed,
            &[O::MediationAgreement, O::Inadmissible, O::Withdrawn],
        ),
        (
            "heard",
            &heard,
            &[
                O::AdjudicationGranted,
                O::AdjudicationPartlyGranted,
                O::AdjudicationRefused,
                O::Inadmissible,
                O::Withdrawn,
            ],
        ),
    ];
    for (case, dispute, allowed) in rows {
        for &o in O::ALL {
            let res = run(dispute, decision("2026-04-01", o));
            assert_eq!(res.is_ok(), allowed.contains(&o), "{case} / {o}: {res:?}");
        }
    }
}

/// The windows: appeal 14 working days from the decision's receipt, the
/// decision final then and compliance due 10 working days later; cassation
/// 14 calendar days from the court decision's receipt. Late filings are
/// recorded with `late`.
#[test]
fn appeal_and_cassation_windows_and_compliance() {
    let heard = ok(&filed(), sample("hearing", "2026-04-07"));
    let granted = ok(
        &heard,
        DisputeStep::Decision {
            date: d("2026-04-21"),
            outcome: DisputeOutcome::AdjudicationGranted,
            number: "1".into(),
            summary: None,
            receipt_date: Some(d("2026-04-22")),
            compliance_due_date: None,
        },
    );
    let w = granted.appeal_window().unwrap();
    assert_eq!((w.start, w.due), (d("2026-04-22"), d("2026-05-13")));
    assert_eq!(granted.compliance_due_date(), Some(d("2026-06-03")));
    assert!(!granted.compliance_overdue(d("2026-06-03")));
    assert!(granted.compliance_overdue(d("2026-06-04")));
    // A date the decision states wins.
    let stated = ok(
        &heard,
        DisputeStep::Decision {
            date: d("2026-04-21"),
            outcome: DisputeOutcome::AdjudicationPartlyGranted,
            number: "1".into(),
            summary: None,
            receipt_date: None,
            compliance_due_date: Some(d("2026-05-29")),
        },
    );
    assert_eq!(stated.compliance_due_date(), Some(d("2026-05-29")));
    // A refusal orders nothing: no compliance date, none may be given.
    let refused = ok(
        &heard,
        decision("2026-04-21", DisputeOutcome::AdjudicationRefused),
    );
    assert_eq!(refused.compliance_due_date(), None);
    let bad = run(
        &heard,
        DisputeStep::Decision {
            date: d("2026-04-21"),
            outcome: DisputeOutcome::AdjudicationRefused,
            number: "1".into(),
            summary: None,
            receipt_date: None,
            compliance_due_date: Some(d("2026-05-29")),
        },
    );
    assert!(matches!(bad, Err(Error::InvalidArgument(_))), "{bad:?}");

    for (on, late) in [("2026-05-13", false), ("2026-05-14", true)] {
        let appealed = ok(&granted, sample("appeal", on));
        let s = appealed.steps.last().unwrap();
        assert_eq!(s.late, late, "{on}");
        assert_eq!(s.window_due, Some(d("2026-05-13")));
    }
    let appealed = ok(&granted, sample("appeal", "2026-05-04"));
    assert!(
        !appealed.compliance_overdue(d("2026-07-01")),
        "before a court"
    );
    let court = ok(
        &appealed,
        DisputeStep::CourtDecision {
            date: d("2026-07-01"),
            outcome: CourtOutcome::Upheld,
            number: "1".into(),
            receipt_date: Some(d("2026-07-03")),
        },
    );
    let c = court.cassation_window().unwrap();
    assert_eq!((c.start, c.due), (d("2026-07-03"), d("2026-07-17")));
    for (on, late) in [("2026-07-17", false), ("2026-07-18", true)] {
        let s = ok(&court, sample("cassation", on));
        assert_eq!(s.steps.last().unwrap().late, late, "{on}");
    }
}

/// Dates: not in the future, not before the previous step (or the filing).
#[test]
fn steps_come_in_date_order() {
    let f = filed();
    for (on, ok_) in [
        ("2026-03-11", false),
        ("2026-03-12", true),
        ("2026-12-02", false),
    ] {
        let res = run(&f, sample("mediation_start", on));
        assert_eq!(res.is_ok(), ok_, "{on}");
        if let Err(Error::InvalidArgument(v)) = res {
            assert_eq!(v[0].field, "step.date");
        }
    }
    let m = ok(&f, sample("mediation_start", "2026-03-20"));
    let res = run(&m, sample("mediation_end", "2026-03-19"));
    assert!(matches!(res, Err(Error::InvalidArgument(_))));
}
