//! The lifecycle against the real 2026 calendar (SKB 3 Menteri, built in), in WIB, with
//! cuti bersama closing offices (the default). Every date below was counted by hand:
//!
//! ```text
//!          Mon  Tue  Wed  Thu  Fri
//! Mar  9    9   10   11   12   13
//! Mar 16   16   17   18x  19x  20x   cb Nyepi, Nyepi, cb Idul Fitri (21-22 Idul Fitri)
//! Mar 23   23x  24x  25   26   27    cb Idul Fitri
//! Mar 30   30   31    1    2    3x   Wafat Yesus Kristus (5 Apr Paskah)
//! Apr  6    6    7    8    9   10
//! ```
//!
//! The standard request is received Tue 10 Mar 09:00: day 1 is Wed 11 Mar, day 10 (the
//! original due date) Tue 31 Mar, and 7 more working days end on Fri 10 Apr.
use std::fmt::Debug;

use uuid::Uuid;

use super::*;
use crate::domain::{
    AccessMethod, AgencyKind, Channel, CopyForm, RequesterType, agency,
    calendar::{DECREE_YEARS, Holiday, HolidayKind, builtin_holidays},
};

const RECEIVED: &str = "2026-03-10 09:00";
const DUE: &str = "2026-03-31";
const EXTENDED_DUE: &str = "2026-04-10";

fn wib() -> TimeZone {
    TimeZone::get("Asia/Jakarta").expect("bundled tzdb")
}

/// A WIB wall-clock time such as "2026-03-10 09:00".
fn t(s: &str) -> Timestamp {
    wib().to_timestamp(s.parse().expect(s)).expect(s)
}

fn d(s: &str) -> Date {
    s.parse().expect(s)
}

fn requester(nik: &str, phone: &str, email: &str, address: &str) -> Requester {
    Requester {
        full_name: "Rina Marlina".into(),
        kind: RequesterType::Individual,
        nik: Some(nik.into()),
        legal_entity_registration: None,
        address: address.into(),
        phone: Some(phone.into()),
        email: Some(email.into()),
        occupation: Some("Wartawan".into()),
        proxy: None,
    }
}

/// The personal data (UU PDP) of `r` that must never reach an event or an error.
fn personal_data(r: &Requester) -> Vec<&str> {
    let optional = [&r.nik, &r.phone, &r.email, &r.legal_entity_registration];
    optional
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain([r.address.as_str()])
        .collect()
}

fn assert_private(text: &str, requesters: &[&Requester]) {
    for value in requesters.iter().flat_map(|r| personal_data(r)) {
        assert!(!text.contains(value), "personal data {value:?} in {text:?}");
    }
}

/// The Pemda itself when `id == pemda`, else one of its OPDs.
fn agency(id: &str, pemda: &str) -> Agency {
    let (kind, parent_id, path) = if id == pemda {
        (AgencyKind::Pemda, None, format!("/{id}/"))
    } else {
        (
            AgencyKind::Opd,
            Some(pemda.into()),
            format!("/{pemda}/{id}/"),
        )
    };
    Agency {
        id: id.into(),
        display_name: id.into(),
        kind,
        parent_id,
        pemda_id: pemda.into(),
        path,
        time_zone: "Asia/Jakarta".into(),
        comparison_group: agency::default_comparison_group(kind, pemda, None),
        create_time: t("2025-01-02 08:00"),
        update_time: t("2025-01-02 08:00"),
        version: 1,
    }
}

fn return_for_completion() -> Command {
    Command::ReturnForCompletion {
        missing_information: "salinan KTP".into(),
    }
}

fn resubmit() -> Command {
    Command::Resubmit {
        note: Some("KTP dilampirkan".into()),
        requester: None,
        information_requested: None,
        purpose: None,
        resubmit_time: None,
    }
}

fn forward(to: &str, pemda: &str) -> Command {
    Command::Forward {
        target: agency(to, pemda),
        reason: Some("informasi dikuasai Dinkes".into()),
    }
}

fn extend() -> Command {
    Command::Extend {
        reason: "arsip di gudang".into(),
        extend_time: None,
    }
}

/// A notice; withholding outcomes cite Pasal 17 h and i.
fn notice(outcome: Outcome, at: Option<&str>) -> NoticeInput {
    NoticeInput {
        outcome,
        notice_text: "Pemberitahuan tertulis".into(),
        exemption_letters: if outcome.withholds() {
            vec![ExemptionLetter::H, ExemptionLetter::I]
        } else {
            Vec::new()
        },
        withheld_parts: None,
        holder: None,
        fee_rupiah: 0,
        fee_items: vec![],
        payment_method: None,
        delivery_method: Some(DeliveryMethod::Email),
        format: Some("PDF".into()),
        notice_time: at.map(t),
        delivery_due_date: None,
        exemptions: Vec::new(),
    }
}

/// `notice` as `apply` records it.
fn recorded(n: NoticeInput, notice_time: Timestamp, taken: i32, on_time: bool) -> Notice {
    Notice {
        outcome: n.outcome,
        notice_text: n.notice_text,
        exemption_letters: n.exemption_letters,
        withheld_parts: n.withheld_parts,
        holder: n.holder,
        fee_rupiah: n.fee_rupiah,
        fee_items: Vec::new(),
        fee_tariff: None,
        payment_method: n.payment_method,
        delivery_method: n.delivery_method,
        format: n.format,
        notice_time,
        working_days_taken: taken,
        on_time,
        citations: Vec::new(),
        unregistered_basis: n.outcome.withholds(),
        delivery_due_date: None,
        delivery_due_end_time: None,
    }
}

fn respond(outcome: Outcome, at: Option<&str>) -> Command {
    Command::Respond(notice(outcome, at))
}

fn deliver(at: Option<&str>) -> Command {
    Command::RecordDelivery {
        deliver_time: at.map(t),
        note: Some("dikirim lewat surel".into()),
    }
}

fn withdraw(reason: Option<&str>) -> Command {
    Command::Withdraw {
        reason: reason.map(Into::into),
    }
}

/// A command of `kind` that succeeds wherever the state table allows it.
fn sample(kind: CommandKind) -> Command {
    match kind {
        CommandKind::ReturnForCompletion => return_for_completion(),
        CommandKind::Resubmit => resubmit(),
        CommandKind::Forward => forward("dinkes", "kota-serang"),
        CommandKind::Extend => extend(),
        CommandKind::Respond => respond(Outcome::Granted, None),
        CommandKind::RecordDelivery => deliver(None),
        CommandKind::Withdraw => withdraw(None),
        // A day after every fixture's notice (13 March), before its `now`.
        CommandKind::RecordNoticeReceipt => Command::RecordNoticeReceipt {
            receipt_date: d("2026-03-14"),
        },
    }
}

fn refusal<T: Debug>(res: Result<T>) -> &'static str {
    match res {
        Err(Error::FailedPrecondition { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn invalid_field<T: Debug>(res: Result<T>) -> String {
    match res {
        Err(Error::InvalidArgument(v)) if v.len() == 1 => v[0].field.clone(),
        other => panic!("expected one invalid field, got {other:?}"),
    }
}

/// An agency in WIB under the built-in decrees.
struct World {
    tz: TimeZone,
    cal: WorkingCalendar,
    /// The handling agency (the PPID Utama of Kota Serang).
    agency: Agency,
    /// The deployment's completion window.
    completion_window: i32,
    /// The fee tariffs recorded (none unless a test sets them).
    tariffs: Vec<Tariff>,
}

impl World {
    fn new() -> Self {
        let cal = WorkingCalendar::new(builtin_holidays(), DECREE_YEARS.iter().copied(), false);
        Self {
            tz: wib(),
            cal,
            agency: agency("kota-serang", "kota-serang"),
            completion_window: DEFAULT_COMPLETION_WINDOW,
            tariffs: Vec::new(),
        }
    }

    /// The context at `now`. Withholding notices here cite bare Pasal 17
    /// letters, so the deployment allows an unregistered basis; DIK
    /// citations have their own tests in `exemption.rs`.
    fn ctx(&self, now: Timestamp) -> Context<'_> {
        Context {
            now,
            agency: &self.agency,
            tz: &self.tz,
            calendar: &self.cal,
            cited: &[],
            allow_unregistered_exemption: true,
            completion_window_working_days: self.completion_window,
            delivery_working_days: DEFAULT_DELIVERY_WORKING_DAYS,
            tariffs: &self.tariffs,
        }
    }

    /// A pending request received at `received` by the PPID Utama of Kota Serang.
    fn pending(&self, received: &str) -> Request {
        let receive_time = t(received);
        let start = time::local_date(receive_time, &self.tz);
        let clock = run_clock(&self.cal, &self.tz, start, false).unwrap();
        Request {
            id: Uuid::from_u128(42),
            registration_number: "KOTA-SERANG/PPID/2026/000042".into(),
            agency_id: "kota-serang".into(),
            receiving_agency_id: "kota-serang".into(),
            pemda_id: "kota-serang".into(),
            requester: requester(
                "3673015208910003",
                "+62 813-1122-9087",
                "rina.marlina91@contoh.id",
                "Kp. Sukajaya RT 003/RW 007, Kaligandu, Serang",
            ),
            information_requested: "Realisasi anggaran Dinas Kesehatan 2025".into(),
            purpose: "Liputan".into(),
            access_method: AccessMethod::Copy,
            copy_form: Some(CopyForm::Softcopy),
            delivery_method: DeliveryMethod::Email,
            channel: Channel::WebForm,
            receive_time,
            state: RequestState::Pending,
            clock_start_date: start,
            original_due_date: Some(clock.original_due),
            due_date: Some(clock.due),
            due_end_time: Some(clock.due_end),
            extension: None,
            notice: None,
            deliver_time: None,
            deliver_working_days: None,
            withdraw_time: None,
            create_time: receive_time,
            update_time: receive_time,
            return_time: None,
            notice_receipt_date: None,
            first_notice: None,
            personal_information_basis: None,
            version: 1,
        }
    }

    /// `apply` at `now`, checking that neither the event nor a refusal shows the personal
    /// data of the requester (before or after a resubmission replaced it).
    fn run(&self, req: &Request, cmd: Command, now: &str) -> Result<(Request, NewEvent)> {
        let ctx = self.ctx(t(now));
        let res = apply(req, cmd, &ctx);
        match &res {
            Ok((next, ev)) => {
                let who = [&req.requester, &next.requester];
                assert_private(&ev.summary, &who);
                for (k, v) in &ev.details {
                    assert_private(&format!("{k}={v}"), &who);
                }
            }
            Err(e) => assert_private(&e.to_string(), &[&req.requester]),
        }
        res
    }

    fn ok(&self, req: &Request, cmd: Command, now: &str) -> (Request, NewEvent) {
        self.run(req, cmd, now).unwrap()
    }

    /// The standard request, extended on Thu 12 Mar.
    fn extended(&self) -> Request {
        self.ok(&self.pending(RECEIVED), extend(), "2026-03-12 10:00")
            .0
    }

    /// The standard request, returned for completion on Thu 12 Mar.
    fn awaiting(&self) -> Request {
        let cmd = return_for_completion();
        self.ok(&self.pending(RECEIVED), cmd, "2026-03-12 10:00").0
    }

    /// The standard request in every state, with a time at which each command the state
    /// allows succeeds.
    fn in_every_state(&self) -> Vec<(Request, &'static str)> {
        let pending = self.pending(RECEIVED);
        let awaiting = self.awaiting();
        let granted = respond(Outcome::Granted, None);
        let responded = self.ok(&pending, granted, "2026-03-13 14:00").0;
        let delivered = self.ok(&responded, deliver(None), "2026-03-16 09:00").0;
        let withdrawn = self.ok(&pending, withdraw(None), "2026-03-12 10:00").0;
        vec![
            (pending, "2026-03-12 10:00"),
            (awaiting, "2026-03-16 08:00"),
            (responded, "2026-03-16 09:00"),
            (delivered, "2026-03-17 09:00"),
            (withdrawn, "2026-03-17 09:00"),
        ]
    }
}

#[test]
fn the_standard_request_runs_ten_working_days_across_idul_fitri() {
    let w = World::new();
    let req = w.pending(RECEIVED);
    assert_eq!(req.clock_start_date, d("2026-03-10"));
    assert_eq!(req.original_due_date, Some(d(DUE)));
    assert_eq!(req.due_date, Some(d(DUE)));
    // Midnight after 31 Mar in WIB (UTC+7).
    assert_eq!(
        req.due_end_time,
        Some("2026-03-31T17:00:00Z".parse().unwrap())
    );
    let extended = run_clock(&w.cal, &w.tz, req.clock_start_date, true).unwrap();
    assert_eq!(
        (extended.original_due, extended.due),
        (d(DUE), d(EXTENDED_DUE))
    );
    assert_eq!(extended.due_end, t("2026-04-11 00:00"));
}

#[test]
fn the_state_table_is_exactly_the_lifecycle() {
    use CommandKind as K;
    let table: [(RequestState, &[CommandKind]); 5] = [
        (
            RequestState::Pending,
            &[
                K::ReturnForCompletion,
                K::Forward,
                K::Extend,
                K::Respond,
                K::Withdraw,
            ],
        ),
        (
            RequestState::AwaitingCompletion,
            &[K::Resubmit, K::Withdraw],
        ),
        (
            RequestState::Responded,
            &[K::RecordDelivery, K::RecordNoticeReceipt],
        ),
        (RequestState::Delivered, &[K::RecordNoticeReceipt]),
        (RequestState::Withdrawn, &[]),
    ];
    assert_eq!(table.map(|(s, _)| s).as_slice(), RequestState::ALL);
    for (state, accepted) in table {
        for kind in CommandKind::ALL {
            let expected = accepted.contains(&kind);
            assert_eq!(allowed(state, kind), expected, "{state} / {kind:?}");
        }
    }
}

#[test]
fn apply_refuses_every_pair_the_table_refuses_and_leaves_the_request_alone() {
    let w = World::new();
    let states = w.in_every_state();
    let fixture_states: Vec<_> = states.iter().map(|(r, _)| r.state).collect();
    assert_eq!(fixture_states, RequestState::ALL);
    let mut refused = 0;
    for (req, now) in &states {
        for kind in CommandKind::ALL {
            let cmd = sample(kind);
            assert_eq!(cmd.kind(), kind);
            let before = req.clone();
            let res = w.run(req, cmd, now);
            if allowed(req.state, kind) {
                assert!(res.is_ok(), "{} / {kind:?}: {res:?}", req.state);
            } else {
                assert_eq!(
                    refusal(res),
                    "TRANSITION_NOT_ALLOWED",
                    "{} / {kind:?}",
                    req.state
                );
                refused += 1;
            }
            assert_eq!(*req, before);
        }
    }
    assert_eq!(refused, 5 * 8 - 10);
}

#[test]
fn every_allowed_transition_changes_exactly_what_it_should() {
    struct Case {
        from: RequestState,
        cmd: Command,
        now: &'static str,
        event: EventType,
        event_time: &'static str,
        details: &'static [(&'static str, &'static str)],
        /// Changes besides version and update_time.
        changes: fn(&mut Request),
    }
    let cases = [
        Case {
            from: RequestState::Pending,
            cmd: return_for_completion(),
            now: "2026-03-12 10:00",
            event: EventType::ReturnedForCompletion,
            event_time: "2026-03-12 10:00",
            details: &[
                ("missing_information", "salinan KTP"),
                ("previous_due_date", DUE),
            ],
            changes: |r| {
                r.state = RequestState::AwaitingCompletion;
                r.return_time = Some(t("2026-03-12 10:00"));
                (r.original_due_date, r.due_date, r.due_end_time) = (None, None, None);
            },
        },
        Case {
            from: RequestState::Responded,
            cmd: Command::RecordNoticeReceipt {
                receipt_date: d("2026-03-14"),
            },
            now: "2026-03-16 09:00",
            event: EventType::NoticeReceived,
            event_time: "2026-03-16 09:00",
            details: &[("receipt_date", "2026-03-14")],
            changes: |r| r.notice_receipt_date = Some(d("2026-03-14")),
        },
        // Returned Thu 12 Mar, completed Mon 16 Mar: day 1 is 17 Mar, then 25 Mar on.
        Case {
            from: RequestState::AwaitingCompletion,
            cmd: resubmit(),
            now: "2026-03-16 08:00",
            event: EventType::Resubmitted,
            event_time: "2026-03-16 08:00",
            details: &[
                ("clock_start_date", "2026-03-16"),
                ("due_date", "2026-04-07"),
                ("note", "KTP dilampirkan"),
            ],
            changes: |r| {
                r.state = RequestState::Pending;
                r.clock_start_date = d("2026-03-16");
                (r.original_due_date, r.due_date) = (Some(d("2026-04-07")), Some(d("2026-04-07")));
                r.due_end_time = Some(t("2026-04-08 00:00"));
            },
        },
        // The clock keeps running: only the handling agency changes.
        Case {
            from: RequestState::Pending,
            cmd: forward("dinkes", "kota-serang"),
            now: "2026-03-12 10:00",
            event: EventType::Forwarded,
            event_time: "2026-03-12 10:00",
            details: &[
                ("from_agency", "agencies/kota-serang"),
                ("reason", "informasi dikuasai Dinkes"),
                ("to_agency", "agencies/dinkes"),
            ],
            changes: |r| r.agency_id = "dinkes".into(),
        },
        Case {
            from: RequestState::Pending,
            cmd: extend(),
            now: "2026-03-12 10:00",
            event: EventType::Extended,
            event_time: "2026-03-12 10:00",
            details: &[
                ("due_date", EXTENDED_DUE),
                ("previous_due_date", DUE),
                ("reason", "arsip di gudang"),
            ],
            changes: |r| {
                r.extension = Some(Extension {
                    reason: "arsip di gudang".into(),
                    extend_time: t("2026-03-12 10:00"),
                    previous_due_date: d(DUE),
                });
                r.due_date = Some(d(EXTENDED_DUE));
                r.due_end_time = Some(t("2026-04-11 00:00"));
            },
        },
        // No notice_time: the notice is given now, on day 2.
        Case {
            from: RequestState::Pending,
            cmd: respond(Outcome::Granted, None),
            now: "2026-03-12 10:00",
            event: EventType::Responded,
            event_time: "2026-03-12 10:00",
            details: &[
                ("delivery_due_date", DUE),
                ("due_date", DUE),
                ("on_time", "true"),
                ("outcome", "granted"),
                ("working_days_taken", "2"),
            ],
            changes: |r| {
                r.state = RequestState::Responded;
                let n = notice(Outcome::Granted, None);
                let mut n = recorded(n, t("2026-03-12 10:00"), 2, true);
                // Delivered by the request's due date (more than 3 working
                // days after the notice).
                n.delivery_due_date = Some(d(DUE));
                n.delivery_due_end_time = Some(t("2026-04-01 00:00"));
                r.notice = Some(n);
            },
        },
        // Granted Fri 13 Mar, delivered Mon 16 Mar: 11, 12, 13, 16 Mar.
        Case {
            from: RequestState::Responded,
            cmd: deliver(None),
            now: "2026-03-16 09:00",
            event: EventType::Delivered,
            event_time: "2026-03-16 09:00",
            details: &[
                ("note", "dikirim lewat surel"),
                ("working_days_since_clock_start", "4"),
            ],
            changes: |r| {
                r.state = RequestState::Delivered;
                r.deliver_time = Some(t("2026-03-16 09:00"));
                r.deliver_working_days = Some(4);
            },
        },
        Case {
            from: RequestState::Pending,
            cmd: withdraw(Some("sudah diperoleh")),
            now: "2026-03-12 10:00",
            event: EventType::Withdrawn,
            event_time: "2026-03-12 10:00",
            details: &[("reason", "sudah diperoleh")],
            changes: |r| {
                r.state = RequestState::Withdrawn;
                r.withdraw_time = Some(t("2026-03-12 10:00"));
            },
        },
        Case {
            from: RequestState::AwaitingCompletion,
            cmd: withdraw(None),
            now: "2026-03-16 08:00",
            event: EventType::Withdrawn,
            event_time: "2026-03-16 08:00",
            details: &[],
            changes: |r| {
                r.state = RequestState::Withdrawn;
                r.withdraw_time = Some(t("2026-03-16 08:00"));
            },
        },
    ];
    let w = World::new();
    let states = w.in_every_state();
    for case in cases {
        let kind = case.cmd.kind();
        let (req, _) = states.iter().find(|(r, _)| r.state == case.from).unwrap();
        let (next, ev) = w.ok(req, case.cmd, case.now);
        let mut expected = req.clone();
        expected.version += 1;
        expected.update_time = t(case.now);
        (case.changes)(&mut expected);
        assert_eq!(next, expected, "{kind:?} from {}", case.from);
        assert_eq!(
            (ev.kind, ev.event_time),
            (case.event, t(case.event_time)),
            "{kind:?}"
        );
        let details: Vec<_> = ev
            .details
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(details, case.details, "{kind:?} from {}", case.from);
    }
}

#[test]
fn extension_adds_seven_working_days_to_the_original_due_date() {
    // (received, original due, extended due), each extended on its original due date.
    let cases = [
        // 17 Mar is day 1 of the extension, then Nyepi, Idul Fitri and its cuti bersama.
        ("2026-03-02 09:00", "2026-03-16", "2026-04-01"),
        // The 10 days cross Idul Fitri; the 7 skip Wafat Yesus Kristus (3 Apr).
        (RECEIVED, DUE, EXTENDED_DUE),
        // Kenaikan 14 May and its cuti bersama; then Idul Adha 27 May, cuti bersama 28 May,
        // Pancasila 1 Jun.
        ("2026-05-08 09:00", "2026-05-26", "2026-06-09"),
    ];
    let w = World::new();
    for (received, original, extended) in cases {
        let req = w.pending(received);
        assert_eq!(req.original_due_date, Some(d(original)), "{received}");
        let (next, _) = w.ok(&req, extend(), &format!("{original} 16:00"));
        assert_eq!(next.due_date, Some(d(extended)), "{received}");
        assert_eq!(
            next.original_due_date,
            Some(d(original)),
            "kept: {received}"
        );
        let previous = next.extension.map(|e| e.previous_due_date);
        assert_eq!(previous, Some(d(original)), "{received}");
        // The same as 17 working days after receipt.
        let direct = deadline::compute(&w.cal, req.clock_start_date, DeadlineRule::Extension);
        assert_eq!(direct.unwrap().due, d(extended), "{received}");
    }
}

#[test]
fn extension_is_given_once_and_by_the_original_due_date() {
    // (now, refusal)
    let cases = [
        ("2026-03-10 09:00", None), // the moment of receipt
        ("2026-03-31 08:00", None), // on the original due date itself
        ("2026-03-31 23:59", None),
        ("2026-04-01 00:00", Some("EXTENSION_TOO_LATE")),
        ("2026-04-02 10:00", Some("EXTENSION_TOO_LATE")),
    ];
    let w = World::new();
    let req = w.pending(RECEIVED);
    for (now, refused) in cases {
        let res = w.run(&req, extend(), now);
        match refused {
            None => assert_eq!(res.unwrap().0.due_date, Some(d(EXTENDED_DUE)), "{now}"),
            Some(reason) => assert_eq!(refusal(res), reason, "{now}"),
        }
    }
    // 17:30 UTC on 31 Mar is already 1 Apr for the agency.
    let ctx = w.ctx("2026-03-31T17:30:00Z".parse().unwrap());
    assert_eq!(refusal(apply(&req, extend(), &ctx)), "EXTENSION_TOO_LATE");
    assert_eq!(
        refusal(w.run(&w.extended(), extend(), "2026-03-13 10:00")),
        "ALREADY_EXTENDED"
    );
}

// Regression: the extension counts from the recorded original due date, not
// from a recount in the (possibly different) calendar of the handling agency.
#[test]
fn extension_counts_seven_working_days_from_the_recorded_original_due_date() {
    let serang = World::new();
    let regional = Holiday::new(d("2026-03-26"), "Libur daerah", HolidayKind::Regional);
    let holidays = builtin_holidays().into_iter().chain([regional]);
    let dinkes = World {
        cal: WorkingCalendar::new(holidays, DECREE_YEARS.iter().copied(), false),
        ..World::new()
    };
    let req = serang.pending(RECEIVED);
    let forwarded = serang
        .ok(&req, forward("dinkes", "kota-serang"), "2026-03-12 10:00")
        .0;
    let (next, ev) = dinkes.ok(&forwarded, extend(), "2026-03-31 10:00");
    assert_eq!(ev.details["previous_due_date"], DUE);
    // 1, 2, 6, 7, 8, 9, 10 Apr: the regional holiday lies before the original due date.
    assert_eq!(ev.details["due_date"], EXTENDED_DUE);
    assert_eq!(next.due_date, Some(d(EXTENDED_DUE)));
}

/// UU KIP sets no period for returning a request for completion; the
/// deployment's window (default 3 working days from receipt) keeps it from
/// pausing a clock that is running out, and the due date bounds it always.
#[test]
fn return_for_completion_only_within_its_window_before_an_extension_and_the_due_date() {
    // (window, last moment allowed, first moment refused, refusal)
    let cases = [
        // Received Tue 10 Mar: days 1-3 are Wed 11, Thu 12, Fri 13.
        (
            3,
            "2026-03-13 23:59",
            "2026-03-14 00:00",
            "COMPLETION_WINDOW_PASSED",
        ),
        // Day 5 is Tue 17 Mar (Mon 16, Tue 17; 18-20 are holidays).
        (
            5,
            "2026-03-17 23:59",
            "2026-03-18 08:00",
            "COMPLETION_WINDOW_PASSED",
        ),
        // A window as long as the clock: the due date (Tue 31 Mar) decides.
        (
            10,
            "2026-03-31 23:59",
            "2026-04-01 00:00",
            "DUE_DATE_PASSED",
        ),
    ];
    for (window, last, first_refused, code) in cases {
        let w = World {
            completion_window: window,
            ..World::new()
        };
        let req = w.pending(RECEIVED);
        let at = |now| w.run(&req, return_for_completion(), now);
        assert!(at(last).is_ok(), "window {window} at {last}");
        assert_eq!(refusal(at(first_refused)), code, "window {window}");
    }
    // Counted from the first receipt: after a resubmission past the window
    // the request is answered, not returned again.
    let w = World::new();
    let (resubmitted, _) = w.ok(&w.awaiting(), resubmit(), "2026-03-13 10:00");
    let res = w.run(&resubmitted, return_for_completion(), "2026-03-16 09:00");
    assert_eq!(refusal(res), "COMPLETION_WINDOW_PASSED");
    let extended = w.extended();
    let res = w.run(&extended, return_for_completion(), "2026-03-13 10:00");
    assert_eq!(refusal(res), "ALREADY_EXTENDED");
}

#[test]
fn resubmission_restarts_the_clock_on_the_agency_local_day() {
    // (resubmitted at, clock start, due date, extended due date)
    let cases = [
        ("2026-03-16 08:00", "2026-03-16", "2026-04-07", "2026-04-16"),
        // Saturday: day 1 is Mon 16 Mar.
        ("2026-03-14 10:00", "2026-03-14", "2026-04-06", "2026-04-15"),
        // Still Sun 12 Apr in UTC. The extension skips 1 May.
        ("2026-04-13 06:30", "2026-04-13", "2026-04-27", "2026-05-07"),
    ];
    let w = World::new();
    let awaiting = w.awaiting();
    for (now, start, due, extended) in cases {
        let (next, _) = w.ok(&awaiting, resubmit(), now);
        assert_eq!(next.clock_start_date, d(start), "{now}");
        assert_eq!(
            (next.original_due_date, next.due_date),
            (Some(d(due)), Some(d(due)))
        );
        assert_eq!(next.due_end_time, time::end_of_day(d(due), &w.tz), "{now}");
        assert_eq!(next.extension, None);
        // A new clock allows a new extension, counted from the new start.
        let (extended_req, _) = w.ok(&next, extend(), &format!("{due} 10:00"));
        assert_eq!(extended_req.due_date, Some(d(extended)), "{now}");
    }
}

#[test]
fn resubmission_replaces_the_fields_given() {
    let w = World::new();
    let awaiting = w.awaiting();
    let new_requester = requester(
        "3673016102880001",
        "0877-4455-6612",
        "rina.baru@contoh.id",
        "Jl. Ahmad Yani No. 9, Cipare, Serang",
    );
    let cmd = Command::Resubmit {
        note: None,
        requester: Some(new_requester.clone()),
        information_requested: Some("Realisasi anggaran Dinkes 2025 per program".into()),
        purpose: Some("Penelitian".into()),
        resubmit_time: None,
    };
    let (next, ev) = w.ok(&awaiting, cmd, "2026-03-16 08:00");
    assert_eq!(next.requester, new_requester);
    assert_eq!(
        next.information_requested,
        "Realisasi anggaran Dinkes 2025 per program"
    );
    assert_eq!(next.purpose, "Penelitian");
    let completed = ev.details.get("completed_fields").map(String::as_str);
    assert_eq!(completed, Some("requester,information_requested,purpose"));
    assert!(!ev.details.contains_key("note"));
}

#[test]
fn forwarding_stays_within_the_pemda_and_keeps_the_clock() {
    let w = World::new();
    let req = w.pending(RECEIVED);
    let now = "2026-03-12 10:00";
    let outside = w.run(&req, forward("dinkes", "kab-lebak"), now);
    assert_eq!(refusal(outside), "FORWARD_OUTSIDE_PEMDA");
    let same = w.run(&req, forward("kota-serang", "kota-serang"), now);
    assert_eq!(refusal(same), "FORWARD_TO_SAME_AGENCY");
    // An extended request keeps its extension; it can go back to where it was filed.
    let extended = w.extended();
    let (at_dinkes, _) = w.ok(&extended, forward("dinkes", "kota-serang"), now);
    let (back, _) = w.ok(&at_dinkes, forward("kota-serang", "kota-serang"), now);
    for r in [&at_dinkes, &back] {
        assert_eq!(r.receiving_agency_id, "kota-serang");
        assert_eq!(r.clock_start_date, extended.clock_start_date);
        assert_eq!(r.original_due_date, Some(d(DUE)));
        assert_eq!(r.due_date, Some(d(EXTENDED_DUE)));
        assert_eq!(r.due_end_time, extended.due_end_time);
        assert_eq!(r.extension, extended.extension);
    }
    assert_eq!(back.agency_id, "kota-serang");
}

#[test]
fn respond_counts_working_days_and_judges_the_lawful_due_date() {
    // (extended, notice given at, working days taken, on time)
    let cases = [
        (false, RECEIVED, 0, true),           // at the moment of receipt
        (false, "2026-03-10 15:00", 0, true), // same day
        (false, "2026-03-14 10:00", 3, true), // Saturday: 11, 12, 13 Mar
        (false, "2026-03-24 10:00", 5, true), // cuti bersama; 18-24 Mar do not count
        (false, "2026-03-25 10:00", 6, true),
        (false, "2026-03-31 23:59", 10, true),
        (false, "2026-04-01 00:00", 11, false),
        (false, "2026-04-10 10:00", 17, false), // 3 Apr does not count
        (true, "2026-04-10 23:59", 17, true),   // last day of the extension
        (true, "2026-04-13 08:00", 18, false),
    ];
    let w = World::new();
    for (extended, at, taken, on_time) in cases {
        let req = if extended {
            w.extended()
        } else {
            w.pending(RECEIVED)
        };
        let cmd = respond(Outcome::NotHeld, Some(at));
        let (next, ev) = w.ok(&req, cmd, "2026-04-20 10:00");
        let n = notice(Outcome::NotHeld, Some(at));
        assert_eq!(
            next.notice,
            Some(recorded(n, t(at), taken, on_time)),
            "{at}"
        );
        assert_eq!(ev.event_time, t(at));
        assert_eq!(ev.details["working_days_taken"], taken.to_string(), "{at}");
        assert_eq!(ev.details["on_time"], on_time.to_string(), "{at}");
        let due = if extended { EXTENDED_DUE } else { DUE };
        assert_eq!(ev.details["due_date"], due);
    }
}

#[test]
fn respond_refuses_a_notice_before_receipt_or_in_the_future() {
    let w = World::new();
    let req = w.pending(RECEIVED);
    for at in ["2026-03-10 08:59", "2026-03-12 10:01"] {
        let cmd = respond(Outcome::Granted, Some(at));
        let res = w.run(&req, cmd, "2026-03-12 10:00");
        assert_eq!(invalid_field(res), "notice.notice_time", "{at}");
    }
}

/// Pasal 21: a light fee, for copies only; nothing for inspection or for a
/// notice that gives nothing.
#[test]
fn fees_only_on_copies_that_are_given() {
    // (access method, outcome, fee, refused)
    let cases = [
        (AccessMethod::Copy, Outcome::Granted, 5_000, false),
        (AccessMethod::Copy, Outcome::PartiallyGranted, 2_000, false),
        (AccessMethod::Copy, Outcome::Rejected, 5_000, true),
        (AccessMethod::Copy, Outcome::NotHeld, 1, true),
        (AccessMethod::Copy, Outcome::NotYetDocumented, 1, true),
        (AccessMethod::Inspect, Outcome::Granted, 5_000, true),
        (AccessMethod::Inspect, Outcome::Granted, 0, false),
        (AccessMethod::Copy, Outcome::Rejected, 0, false),
    ];
    let w = World::new();
    for (access, outcome, fee, refused) in cases {
        let mut req = w.pending(RECEIVED);
        req.access_method = access;
        let n = NoticeInput {
            fee_rupiah: fee,
            ..notice(outcome, Some("2026-03-13 14:00"))
        };
        let res = w.run(&req, Command::Respond(n), "2026-03-13 14:00");
        if refused {
            assert_eq!(
                invalid_field(res),
                "notice.fee_rupiah",
                "{access} {outcome}"
            );
        } else {
            assert!(res.is_ok(), "{access} {outcome} {fee}: {res:?}");
        }
    }
}

/// Pasal 21 with the maklumat: when the agency (or its Pemda) has a tariff
/// in force on the notice day, the fee is itemised against it and adds up;
/// the priced lines and the tariff are kept with the notice.
#[test]
fn fees_follow_the_tariff_in_force_on_the_notice_day() {
    use crate::domain::tariff::{FeeLine, Tariff, TariffItem};
    let mut w = World::new();
    w.tariffs = vec![Tariff {
        agency_id: "kota-serang".into(),
        effective_date: d("2026-03-13"),
        maklumat_number: "Maklumat PPID 2/2026".into(),
        items: vec![TariffItem {
            code: "fotokopi-a4".into(),
            description: "Fotokopi A4".into(),
            unit: "lembar".into(),
            price_rupiah: 200,
        }],
        create_time: t("2026-03-01 08:00"),
    }];
    let line = |quantity| FeeLine {
        code: "fotokopi-a4".into(),
        quantity,
    };
    // (notice time, fee, lines, refused field or "" when accepted)
    let cases: &[(&str, i64, Vec<FeeLine>, &str)] = &[
        // The day before the tariff: the fee is taken as stated.
        ("2026-03-12 14:00", 5_000, vec![], ""),
        ("2026-03-13 14:00", 5_000, vec![], "notice.fee_items"),
        ("2026-03-13 14:00", 5_000, vec![line(25)], ""),
        (
            "2026-03-13 14:00",
            6_000,
            vec![line(25)],
            "notice.fee_rupiah",
        ),
        ("2026-03-13 14:00", 0, vec![], ""),
    ];
    for (at, fee, lines, want) in cases {
        let req = w.pending(RECEIVED);
        let n = NoticeInput {
            fee_rupiah: *fee,
            fee_items: lines.clone(),
            ..notice(Outcome::Granted, Some(at))
        };
        let res = w.run(&req, Command::Respond(n), "2026-03-13 15:00");
        if want.is_empty() {
            let (next, _) = res.unwrap_or_else(|e| panic!("{at} {fee}: {e:?}"));
            let n = next.notice.unwrap();
            let priced: i64 = n.fee_items.iter().map(|i| i.amount_rupiah).sum();
            if n.fee_items.is_empty() {
                assert_eq!(n.fee_tariff, None);
            } else {
                assert_eq!(priced, *fee);
                assert_eq!(
                    n.fee_tariff.as_deref(),
                    Some("agencies/kota-serang/tariffs/2026-03-13")
                );
            }
        } else {
            assert_eq!(invalid_field(res), *want, "{at} {fee}");
        }
    }
}

/// Registers kept on paper are entered after the fact: an extension and a
/// resubmission take the time they happened, judged on that day.
#[test]
fn extension_and_resubmission_can_be_back_filed() {
    let w = World::new();
    let req = w.pending(RECEIVED);
    let extend_at = |at: &str| Command::Extend {
        reason: "arsip di gudang".into(),
        extend_time: Some(t(at)),
    };
    // Entered on 2 April, given on the original due date (31 March): lawful.
    let (next, ev) = w.ok(&req, extend_at("2026-03-31 15:00"), "2026-04-02 09:00");
    assert_eq!(next.due_date, Some(d(EXTENDED_DUE)));
    assert_eq!(ev.event_time, t("2026-03-31 15:00"));
    assert_eq!(next.extension.unwrap().extend_time, t("2026-03-31 15:00"));
    // (given at, entered at, refusal or invalid field)
    let cases = [
        ("2026-04-01 09:00", "2026-04-02 09:00", "EXTENSION_TOO_LATE"),
        ("2026-04-03 09:00", "2026-04-02 09:00", "extend_time"), // future
        ("2026-03-10 08:00", "2026-04-02 09:00", "extend_time"), // before receipt
    ];
    for (given, entered, want) in cases {
        let got = match w.run(&req, extend_at(given), entered) {
            Err(Error::FailedPrecondition { reason, .. }) => reason.to_string(),
            Err(Error::InvalidArgument(v)) => v[0].field.clone(),
            other => panic!("{given}: {other:?}"),
        };
        assert_eq!(got, want, "{given}");
    }

    // Returned Thu 12 Mar 10:00; the completed request came Mon 16 Mar,
    // entered Fri 20 Mar: the clock restarts on the 16th.
    let awaiting = w.awaiting();
    let resubmit_at = |at: &str| Command::Resubmit {
        note: None,
        requester: None,
        information_requested: None,
        purpose: None,
        resubmit_time: Some(t(at)),
    };
    let (next, ev) = w.ok(
        &awaiting,
        resubmit_at("2026-03-16 08:00"),
        "2026-03-20 10:00",
    );
    assert_eq!(next.clock_start_date, d("2026-03-16"));
    assert_eq!(next.due_date, Some(d("2026-04-07")));
    assert_eq!(ev.event_time, t("2026-03-16 08:00"));
    for given in ["2026-03-12 09:59", "2026-03-20 10:01"] {
        let res = w.run(&awaiting, resubmit_at(given), "2026-03-20 10:00");
        assert_eq!(invalid_field(res), "resubmit_time", "{given}");
    }
}

#[test]
fn only_granted_information_is_delivered() {
    let cases = [
        (Outcome::Granted, None),
        (Outcome::PartiallyGranted, None),
        (Outcome::Rejected, Some("NOTHING_TO_DELIVER")),
        (Outcome::NotHeld, Some("NOTHING_TO_DELIVER")),
        (Outcome::NotYetDocumented, Some("NOTHING_TO_DELIVER")),
    ];
    assert_eq!(cases.map(|(o, _)| o).as_slice(), Outcome::ALL);
    let w = World::new();
    for (outcome, refused) in cases {
        let cmd = respond(outcome, Some("2026-03-13 14:00"));
        let (responded, ev) = w.ok(&w.pending(RECEIVED), cmd, "2026-03-13 14:00");
        let letters = ev.details.get("exemption_letters").map(String::as_str);
        assert_eq!(letters, outcome.withholds().then_some("h,i"), "{outcome}");
        let delivered_at = "2026-03-17 11:00"; // day 5: 11, 12, 13, 16, 17 Mar
        let res = w.run(&responded, deliver(Some(delivered_at)), "2026-03-18 09:00");
        match refused {
            None => {
                let (next, ev) = res.unwrap();
                assert_eq!(next.deliver_time, Some(t(delivered_at)));
                assert_eq!(ev.event_time, t(delivered_at));
                assert_eq!(ev.details["working_days_since_clock_start"], "5");
            }
            Some(reason) => assert_eq!(refusal(res), reason, "{outcome}"),
        }
    }
}

#[test]
fn delivery_time_lies_between_the_notice_and_now() {
    // (delivered at, invalid field)
    let cases = [
        ("2026-03-13 13:59", Some("deliver_time")), // before the notice
        ("2026-03-13 14:00", None),                 // with the notice
        ("2026-03-16 09:00", None),                 // now
        ("2026-03-16 09:01", Some("deliver_time")), // in the future
    ];
    let w = World::new();
    let cmd = respond(Outcome::Granted, None);
    let (responded, _) = w.ok(&w.pending(RECEIVED), cmd, "2026-03-13 14:00");
    for (at, invalid) in cases {
        let res = w.run(&responded, deliver(Some(at)), "2026-03-16 09:00");
        match invalid {
            None => assert_eq!(res.unwrap().0.deliver_time, Some(t(at))),
            Some(field) => assert_eq!(invalid_field(res), field, "{at}"),
        }
    }
}

#[test]
fn no_event_reveals_the_requesters_personal_data() {
    let w = World::new();
    let req = w.pending(RECEIVED);
    // The check below is not vacuous: NIK, phone, email and address are all there.
    assert_eq!(personal_data(&req.requester).len(), 4);
    let new_requester = requester("3673016102880001", "0877-4455-6612", "r@b.id", "Jl. Baru 1");
    let resubmit_with_new_requester = Command::Resubmit {
        note: None,
        requester: Some(new_requester),
        information_requested: None,
        purpose: None,
        resubmit_time: None,
    };
    let steps = [
        (return_for_completion(), "2026-03-12 10:00"),
        (resubmit_with_new_requester, "2026-03-16 08:00"),
        (forward("dinkes", "kota-serang"), "2026-03-16 09:00"),
        (extend(), "2026-03-17 09:00"),
        (respond(Outcome::PartiallyGranted, None), "2026-04-08 09:00"),
        (deliver(None), "2026-04-09 09:00"),
        (
            Command::RecordNoticeReceipt {
                receipt_date: d("2026-04-09"),
            },
            "2026-04-10 09:00",
        ),
    ];
    let mut kinds = Vec::new();
    let mut current = req.clone();
    for (cmd, now) in steps {
        // `run` checks the event against the requester before and after the step.
        let (next, ev) = w.ok(&current, cmd, now);
        assert_private(&format!("{ev:?}"), &[&req.requester, &next.requester]);
        kinds.push(ev.kind);
        current = next;
    }
    let (_, ev) = w.ok(&req, withdraw(Some("tidak jadi")), "2026-03-12 10:00");
    assert_private(&format!("{ev:?}"), &[&req.requester]);
    kinds.push(ev.kind);
    // Every event `apply` can produce (the others are appended by the store:
    // submission, calendar changes, objections and disputes).
    let mut produced = EventType::ALL.iter().filter(|k| {
        !matches!(
            k,
            EventType::Submitted
                | EventType::DueDateChanged
                | EventType::ObjectionFiled
                | EventType::ObjectionDecided
                | EventType::DisputeFiled
                | EventType::DisputeSettled
                | EventType::ObjectionAnswerReceived
                | EventType::ObjectionDeadlineChanged
                | EventType::DisputeStepRecorded
        )
    });
    assert!(produced.all(|k| kinds.contains(k)), "{kinds:?}");
}

/// Delivery has a due date (the notice's, else the default rule): the
/// request's due date, but at least three working days after the notice.
#[test]
fn information_is_due_for_delivery_by_the_notices_date() {
    let w = World::new();
    // (outcome, notice at, given delivery date, want: Ok(due) or the field's complaint)
    type Row = (
        Outcome,
        &'static str,
        Option<&'static str>,
        Result<Option<&'static str>, &'static str>,
    );
    let rows: [Row; 6] = [
        (Outcome::Granted, "2026-03-12 10:00", None, Ok(Some(DUE))),
        // On the last day: 1, 2 April, (3 April Good Friday), 6 April.
        (
            Outcome::PartiallyGranted,
            "2026-03-31 10:00",
            None,
            Ok(Some("2026-04-06")),
        ),
        (
            Outcome::Granted,
            "2026-03-12 10:00",
            Some("2026-03-20"),
            Ok(Some("2026-03-20")),
        ),
        (
            Outcome::Granted,
            "2026-03-12 10:00",
            Some("2026-03-11"),
            Err("is before the notice"),
        ),
        (Outcome::NotHeld, "2026-03-12 10:00", None, Ok(None)),
        (
            Outcome::NotHeld,
            "2026-03-12 10:00",
            Some("2026-03-20"),
            Err("delivers nothing"),
        ),
    ];
    for (outcome, at, given, want) in rows {
        let mut n = notice(outcome, Some(at));
        n.delivery_due_date = given.map(d);
        let res = w.run(
            &w.pending(RECEIVED),
            Command::Respond(n),
            "2026-04-20 10:00",
        );
        match (want, res) {
            (Ok(due), Ok((next, _))) => {
                let got = next.notice.unwrap().delivery_due_date;
                assert_eq!(got, due.map(d), "{outcome} {at} {given:?}");
            }
            (Err(text), Err(Error::InvalidArgument(v))) => {
                assert_eq!(v[0].field, "notice.delivery_due_date");
                assert!(v[0].description.contains(text), "{}", v[0].description);
            }
            (want, got) => panic!("{outcome} {at} {given:?}: wanted {want:?}, got {got:?}"),
        }
    }
    // Delivered after its date: the event says so; overdue until then.
    let mut n = notice(Outcome::Granted, Some("2026-03-12 10:00"));
    n.delivery_due_date = Some(d("2026-03-16"));
    let (answered, _) = w.ok(
        &w.pending(RECEIVED),
        Command::Respond(n),
        "2026-03-12 10:00",
    );
    assert!(!answered.is_overdue_for_delivery(t("2026-03-16 23:59")));
    assert!(answered.is_overdue_for_delivery(t("2026-03-17 00:00")));
    let (delivered, ev) = w.ok(
        &answered,
        deliver(Some("2026-03-17 09:00")),
        "2026-03-17 10:00",
    );
    assert_eq!(ev.details["delivered_late"], "true");
    assert!(!delivered.is_overdue_for_delivery(t("2026-03-18 00:00")));
}
