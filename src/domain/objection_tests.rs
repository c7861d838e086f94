//! Objections (keberatan, UU KIP Pasal 35–36), disputes (sengketa, Pasal 37) and the
//! reopening of a request after an overturn, against the real 2026 calendar (SKB 3 Menteri,
//! built in), in WIB unless said otherwise, with cuti bersama closing offices (the default).
//! Every date below was counted by hand and checked with Python's `datetime` against the
//! holiday lists of DOMAIN.md (x = no working day):
//!
//! ```text
//!          Mon  Tue  Wed  Thu  Fri
//! Mar  2    2    3    4    5    6
//! Mar  9    9   10   11   12   13
//! Mar 16   16   17   18x  19x  20x   cb Nyepi, Nyepi, cb Idul Fitri (21–22 Idul Fitri)
//! Mar 23   23x  24x  25   26   27    cb Idul Fitri
//! Mar 30   30   31    1    2    3x   Wafat Yesus Kristus (5 Apr Paskah)
//! Apr  6    6    7    8    9   10
//! Apr 27   27   28   29   30    1x   Hari Buruh
//! May 11   11   12   13   14x  15x   Kenaikan Yesus Kristus, cb
//! May 25   25   26   27x  28x  29    Idul Adha, cb (31 May Waisak)
//! Jun  1    1x   2    3    4    5    Hari Lahir Pancasila
//! ```
//!
//! The standard request is received Tue 10 Mar 09:00: its response is due Tue 31 Mar
//! (10 working days), or Fri 10 Apr when extended (7 more). Windows used below:
//!
//! | from           | working days | last day        |
//! |----------------|--------------|-----------------|
//! | Wed 4 Mar      | 30           | Thu 23 Apr      |
//! | Thu 26 Mar     | 30           | Mon 11 May      |
//! | Fri 27 Mar     | 30           | Tue 12 May      |
//! | Tue 31 Mar     | 30           | Mon 18 May      |
//! | Thu 2 Apr      | 30           | Wed 20 May      |
//! | Fri 10 Apr     | 30           | Fri 29 May      |
//! | Tue 14 Apr     | 30           | Wed 3 Jun       |
//! | Wed 13 May     | 14           | Tue 9 Jun       |
//! | Wed 20 May     | 14           | Fri 12 Jun      |
//! | Tue 26 May     | 14           | Fri 19 Jun      |
//! | Wed 13 May     | 10           | Wed 3 Jun       |
use std::fmt::Debug;

use super::*;
use crate::domain::{
    AccessMethod, AgencyKind, Channel, CopyForm, DeliveryMethod, ExemptionLetter, Outcome,
    RequesterType,
    agency::Agency,
    calendar::{DECREE_YEARS, Holiday, HolidayKind, builtin_holidays},
    lifecycle::{self, Command, Context, NoticeInput},
    request::{FirstNotice, Requester},
};

use ObjectionGround as G;

const RECEIVED: &str = "2026-03-10 09:00";

fn d(s: &str) -> Date {
    s.parse().expect(s)
}

/// The assessment in the shape of a refusal, as the register once gave it:
/// every ground admissible gives (ground, arose, window), each window checked
/// against the stored last day; the first flagged ground gives its reason
/// (late: OBJECTION_TOO_LATE; withdrawn: REQUEST_WITHDRAWN; otherwise
/// GROUND_NOT_APPLICABLE) with the recorded explanation as the message.
fn check_filing(
    grounds: &[ObjectionGround],
    req: &Request,
    tz: &TimeZone,
    cal: &WorkingCalendar,
    at: Timestamp,
) -> Result<Vec<(ObjectionGround, Date, Deadline)>> {
    let checks = assess_filing(grounds, Some(req), tz, cal, at)?;
    assert_eq!(checks.len(), grounds.len());
    let mut out = Vec::new();
    for c in checks {
        let reason = c.reason.clone().unwrap_or_default();
        match c.admissibility {
            Admissibility::Admissible => {
                assert_eq!(c.reason, None);
                let arose = c.arose.expect("an admissible ground arose");
                let window = deadline::compute(cal, arose, DeadlineRule::ObjectionFiling).unwrap();
                assert_eq!(c.window_due, Some(window.due));
                out.push((c.ground, arose, window));
            }
            Admissibility::Late => {
                assert!(c.arose.is_some() && c.window_due.is_some());
                return Err(Error::precondition("OBJECTION_TOO_LATE", reason));
            }
            Admissibility::NotApplicable if req.state == RequestState::Withdrawn => {
                return Err(Error::precondition("REQUEST_WITHDRAWN", reason));
            }
            Admissibility::NotApplicable => {
                return Err(Error::precondition("GROUND_NOT_APPLICABLE", reason));
            }
        }
    }
    Ok(out)
}

/// The reason and message of a refusal.
fn refusal<T: Debug>(res: Result<T>) -> (&'static str, String) {
    match res {
        Err(Error::FailedPrecondition { reason, message }) => (reason, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// One agency (the PPID Utama of a Pemda) in one zone, under the built-in decrees.
struct World {
    tz: TimeZone,
    cal: WorkingCalendar,
    agency: Agency,
}

impl World {
    fn new() -> Self {
        Self::in_zone("Asia/Jakarta")
    }

    fn in_zone(zone: &str) -> Self {
        let created: Timestamp = "2025-01-02T01:00:00Z".parse().unwrap();
        Self {
            tz: TimeZone::get(zone).expect("bundled tzdb"),
            cal: WorkingCalendar::new(builtin_holidays(), DECREE_YEARS.iter().copied(), false),
            agency: Agency {
                id: "kota-serang".into(),
                display_name: "Pemerintah Kota Serang".into(),
                kind: AgencyKind::Pemda,
                parent_id: None,
                pemda_id: "kota-serang".into(),
                path: "/kota-serang/".into(),
                time_zone: zone.into(),
                comparison_group: "pemda/root".into(),
                create_time: created,
                update_time: created,
                version: 1,
            },
        }
    }

    /// A wall-clock time of the agency's zone, such as "2026-03-10 09:00".
    fn t(&self, s: &str) -> Timestamp {
        self.tz.to_timestamp(s.parse().expect(s)).expect(s)
    }

    /// The agency-local day of the wall-clock time `s`.
    fn day(&self, s: &str) -> Date {
        time::local_date(self.t(s), &self.tz)
    }

    /// Withholding notices cite bare Pasal 17 letters, so the deployment allows an
    /// unregistered basis (DIK citations are tested in `exemption.rs`).
    fn ctx(&self, now: Timestamp) -> Context<'_> {
        Context {
            now,
            agency: &self.agency,
            tz: &self.tz,
            calendar: &self.cal,
            cited: &[],
            allow_unregistered_exemption: true,
            completion_window_working_days: lifecycle::DEFAULT_COMPLETION_WINDOW,
            delivery_working_days: lifecycle::DEFAULT_DELIVERY_WORKING_DAYS,
            tariffs: &[],
        }
    }

    /// A pending request received at `received` (local wall-clock time).
    fn request(&self, received: &str) -> Fixture<'_> {
        let receive_time = self.t(received);
        let start = time::local_date(receive_time, &self.tz);
        let clock = lifecycle::run_clock(&self.cal, &self.tz, start, false).unwrap();
        let req = Request {
            id: Uuid::from_u128(7),
            registration_number: "KOTA-SERANG/PPID/2026/000007".into(),
            agency_id: "kota-serang".into(),
            receiving_agency_id: "kota-serang".into(),
            pemda_id: "kota-serang".into(),
            requester: Requester {
                full_name: "Dedi Supriadi".into(),
                kind: RequesterType::Individual,
                nik: Some("3673011204880002".into()),
                legal_entity_registration: None,
                address: "Jl. Ki Mas Jong No. 12, Cipare, Serang".into(),
                phone: Some("+62 812-8800-1234".into()),
                email: Some("dedi.s@contoh.id".into()),
                occupation: Some("Peneliti".into()),
                proxy: None,
            },
            information_requested: "Dokumen kontrak pengadaan alat kesehatan 2025".into(),
            purpose: "Penelitian".into(),
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
        };
        Fixture { w: self, req }
    }

    /// The standard pending request.
    fn standard(&self) -> Fixture<'_> {
        self.request(RECEIVED)
    }

    /// An objection filed at `filed`, answered at `decided` when given.
    fn objection(&self, filed: &str, decided: Decided) -> Objection {
        let file_time = self.t(filed);
        let file_date = time::local_date(file_time, &self.tz);
        let answer_due_date = answer_deadline(&self.cal, file_date).unwrap().due;
        Objection {
            id: Uuid::from_u128(8),
            registration_number: "KOTA-SERANG/KEB/2026/000001".into(),
            request_id: Some(Uuid::from_u128(7)),
            request_registration_number: Some("KOTA-SERANG/PPID/2026/000007".into()),
            agency_id: "kota-serang".into(),
            grounds: vec![G::Rejected],
            statement: "Informasi kontrak bukan informasi yang dikecualikan".into(),
            unpublished_information: None,
            unpublished_dip_entry: None,
            unpublished_item: None,
            file_time,
            file_date,
            checks: vec![GroundCheck {
                ground: G::Rejected,
                admissibility: Admissibility::Admissible,
                arose: Some(d("2026-03-26")),
                counted_from: None,
                window_due: None,
                reason: None,
            }],
            answer_due_date,
            dispute_window: None,
            history: Vec::new(),
            decision: decided.map(|(decision, at)| {
                let decide_date = self.day(at);
                ObjectionAnswer {
                    decision,
                    extent: DecisionExtent::Wholly,
                    reasons: (decision == ObjectionDecision::Upheld)
                        .then(|| "Pengecualian sah menurut DIK".into()),
                    superior_name: "Drs. H. Ahmad Fauzi".into(),
                    superior_position: "Sekretaris Daerah".into(),
                    decide_time: self.t(at),
                    decide_date,
                    on_time: decide_date <= answer_due_date,
                    reopened_due_date: None,
                    corrected_fee_rupiah: None,
                    refund_rupiah: 0,
                    receipt_date: None,
                }
            }),
        }
    }
}

/// A request taken through `lifecycle::apply` step by step, so that every derived field
/// (due dates, notice time, `on_time`) is what the service would have stored.
struct Fixture<'w> {
    w: &'w World,
    req: Request,
}

impl Fixture<'_> {
    fn then(mut self, cmd: Command, at: &str) -> Self {
        let ctx = self.w.ctx(self.w.t(at));
        self.req = lifecycle::apply(&self.req, cmd, &ctx)
            .unwrap_or_else(|e| panic!("at {at}: {e}"))
            .0;
        self
    }

    fn extend(self, at: &str) -> Self {
        let reason = "arsip kontrak di gudang".into();
        self.then(
            Command::Extend {
                reason,
                extend_time: None,
            },
            at,
        )
    }

    fn return_for_completion(self, at: &str) -> Self {
        let missing_information = "salinan KTP".into();
        self.then(
            Command::ReturnForCompletion {
                missing_information,
            },
            at,
        )
    }

    /// The written notice at `at` with `fee_rupiah`; withholding outcomes cite Pasal 17 b.
    fn respond(self, outcome: Outcome, fee_rupiah: i64, at: &str) -> Self {
        let notice = NoticeInput {
            outcome,
            notice_text: "Pemberitahuan tertulis".into(),
            exemption_letters: if outcome.withholds() {
                vec![ExemptionLetter::B]
            } else {
                Vec::new()
            },
            withheld_parts: (outcome == Outcome::PartiallyGranted)
                .then(|| "harga satuan penawaran".into()),
            holder: None,
            fee_rupiah,
            fee_items: vec![],
            payment_method: (fee_rupiah > 0).then(|| "transfer bank".into()),
            delivery_method: Some(DeliveryMethod::Email),
            format: Some("PDF".into()),
            delivery_due_date: None,
            notice_time: None,
            exemptions: Vec::new(),
        };
        self.then(Command::Respond(notice), at)
    }

    fn deliver(self, at: &str) -> Self {
        let cmd = Command::RecordDelivery {
            deliver_time: None,
            note: None,
        };
        self.then(cmd, at)
    }

    fn withdraw(self, at: &str) -> Self {
        self.then(Command::Withdraw { reason: None }, at)
    }

    fn build(self) -> Request {
        self.req
    }
}

/// What `ground_arose` should say.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// The ground arose on this day.
    On(&'static str),
    /// The ground does not apply; the reason contains this text.
    No(&'static str),
}

use Want::{No, On};

const NOT_ANSWERED: Want = No("the request has not been answered");
const USE_C: Want = No("has not been answered (use ground c, not answered)");
const NO_FEE: Want = No("the notice charged no fee");
const ON_TIME: Want = No("the request was answered by its due date");

/// `ground_arose` for every ground a–g (in `ObjectionGround::ALL` order) and every situation a
/// request can be in, cross-checked against `check_filing` at the same instant: an arisen
/// ground gets a 30-working-day window from its arising day, any other is refused as
/// GROUND_NOT_APPLICABLE with the same reason.
#[test]
fn every_ground_arises_on_the_right_day_or_says_why_not() {
    let w = World::new();
    let granted = |fee, at| w.standard().respond(Outcome::Granted, fee, at);
    // Granted on Thu 26 Mar, within the due date Tue 31 Mar.
    let granted_fee = granted(50_000, "2026-03-26 10:00").build();
    let rows: Vec<(&str, Request, &str, [Want; 7])> = vec![
        (
            "pending, on its due date (last minute)",
            w.standard().build(),
            "2026-03-31 23:59",
            [
                NOT_ANSWERED,
                NOT_ANSWERED,
                No("the response is not late yet: it is due on 2026-03-31"),
                NOT_ANSWERED,
                NOT_ANSWERED,
                NOT_ANSWERED,
                USE_C,
            ],
        ),
        (
            "pending, overdue from local midnight after the due date",
            w.standard().build(),
            "2026-04-01 00:00",
            [
                NOT_ANSWERED,
                On("2026-03-31"),
                On("2026-03-31"),
                NOT_ANSWERED,
                NOT_ANSWERED,
                NOT_ANSWERED,
                USE_C,
            ],
        ),
        (
            "extended, past the original due date but not the extended one",
            w.standard().extend("2026-03-12 10:00").build(),
            "2026-04-02 10:00",
            [
                NOT_ANSWERED,
                NOT_ANSWERED,
                No("not late yet: it is due on 2026-04-10"),
                NOT_ANSWERED,
                NOT_ANSWERED,
                NOT_ANSWERED,
                USE_C,
            ],
        ),
        (
            "extended and overdue",
            w.standard().extend("2026-03-12 10:00").build(),
            "2026-04-13 08:00",
            [
                NOT_ANSWERED,
                On("2026-04-10"),
                On("2026-04-10"),
                NOT_ANSWERED,
                NOT_ANSWERED,
                NOT_ANSWERED,
                USE_C,
            ],
        ),
        (
            "awaiting completion, long after the old due date",
            w.standard()
                .return_for_completion("2026-03-12 10:00")
                .build(),
            "2026-04-20 10:00",
            [
                NOT_ANSWERED,
                NOT_ANSWERED,
                // Pasal 35(1) c against the return for completion itself.
                On("2026-03-12"),
                NOT_ANSWERED,
                NOT_ANSWERED,
                NOT_ANSWERED,
                USE_C,
            ],
        ),
        (
            "granted on time, no fee",
            granted(0, "2026-03-26 10:00").build(),
            "2026-03-27 10:00",
            [
                No("the notice was granted, not a rejection under Pasal 17"),
                On("2026-03-26"),
                No("the request was answered on 2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                NO_FEE,
                ON_TIME,
            ],
        ),
        (
            "granted on time with a fee",
            granted_fee.clone(),
            "2026-03-27 10:00",
            [
                No("the notice was granted, not a rejection"),
                On("2026-03-26"),
                No("answered on 2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                ON_TIME,
            ],
        ),
        (
            "granted on time with a fee, then delivered",
            w.standard()
                .respond(Outcome::Granted, 50_000, "2026-03-26 10:00")
                .deliver("2026-03-30 11:00")
                .build(),
            "2026-04-01 10:00",
            [
                No("the notice was granted, not a rejection"),
                On("2026-03-26"),
                No("answered on 2026-03-26"),
                // d and e: from the delivery, where what was given shows.
                On("2026-03-30"),
                On("2026-03-30"),
                On("2026-03-26"),
                ON_TIME,
            ],
        ),
        (
            "granted on time, the information delivered after the due date",
            w.standard()
                .respond(Outcome::Granted, 0, "2026-03-26 10:00")
                .deliver("2026-04-02 11:00")
                .build(),
            "2026-04-06 10:00",
            [
                No("the notice was granted, not a rejection"),
                On("2026-03-26"),
                No("answered on 2026-03-26"),
                On("2026-04-02"),
                On("2026-04-02"),
                NO_FEE,
                On("2026-04-02"),
            ],
        ),
        (
            "granted on the due date itself",
            granted(0, "2026-03-31 16:00").build(),
            "2026-04-01 09:00",
            [
                No("the notice was granted"),
                On("2026-03-31"),
                No("answered on 2026-03-31"),
                On("2026-03-31"),
                On("2026-03-31"),
                NO_FEE,
                ON_TIME,
            ],
        ),
        (
            "partially granted on time with a fee",
            w.standard()
                .respond(Outcome::PartiallyGranted, 25_000, "2026-03-26 10:00")
                .build(),
            "2026-03-27 10:00",
            [
                On("2026-03-26"),
                On("2026-03-26"),
                No("answered on 2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                ON_TIME,
            ],
        ),
        (
            "partially granted at 00:30 WIB (still the 25th in UTC)",
            w.standard()
                .respond(Outcome::PartiallyGranted, 25_000, "2026-03-26 00:30")
                .build(),
            "2026-03-26 08:00",
            [
                On("2026-03-26"),
                On("2026-03-26"),
                No("answered on 2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                ON_TIME,
            ],
        ),
        (
            "rejected on time, no fee",
            w.standard()
                .respond(Outcome::Rejected, 0, "2026-03-26 10:00")
                .build(),
            "2026-03-27 10:00",
            [
                On("2026-03-26"),
                On("2026-03-26"),
                No("answered on 2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                NO_FEE,
                ON_TIME,
            ],
        ),
        (
            "not held, on time",
            w.standard()
                .respond(Outcome::NotHeld, 0, "2026-03-26 10:00")
                .build(),
            "2026-03-27 10:00",
            [
                No("the notice was not_held, not a rejection under Pasal 17"),
                On("2026-03-26"),
                No("answered on 2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                NO_FEE,
                ON_TIME,
            ],
        ),
        (
            "not yet documented, on time",
            w.standard()
                .respond(Outcome::NotYetDocumented, 0, "2026-03-26 10:00")
                .build(),
            "2026-03-27 10:00",
            [
                No("the notice was not_yet_documented, not a rejection under Pasal 17"),
                On("2026-03-26"),
                No("answered on 2026-03-26"),
                On("2026-03-26"),
                On("2026-03-26"),
                NO_FEE,
                ON_TIME,
            ],
        ),
        (
            "rejected late (Thu 2 Apr, due Tue 31 Mar)",
            w.standard()
                .respond(Outcome::Rejected, 0, "2026-04-02 10:00")
                .build(),
            "2026-04-06 09:00",
            [
                On("2026-04-02"),
                On("2026-04-02"),
                No("answered on 2026-04-02"),
                On("2026-04-02"),
                On("2026-04-02"),
                NO_FEE,
                // g arises when the late notice reaches the requester.
                On("2026-04-02"),
            ],
        ),
        (
            "granted late, then delivered",
            granted(0, "2026-04-02 10:00")
                .deliver("2026-04-06 10:00")
                .build(),
            "2026-04-07 09:00",
            [
                No("the notice was granted"),
                On("2026-04-02"),
                No("answered on 2026-04-02"),
                On("2026-04-06"),
                On("2026-04-06"),
                NO_FEE,
                // g: when the late information reached the requester.
                On("2026-04-06"),
            ],
        ),
        (
            "extended, then granted late with a fee (Tue 14 Apr, due Fri 10 Apr)",
            w.standard()
                .extend("2026-03-12 10:00")
                .respond(Outcome::Granted, 150_000, "2026-04-14 10:00")
                .build(),
            "2026-04-15 09:00",
            [
                No("the notice was granted"),
                On("2026-04-14"),
                No("answered on 2026-04-14"),
                On("2026-04-14"),
                On("2026-04-14"),
                On("2026-04-14"),
                On("2026-04-14"),
            ],
        ),
        (
            "extended, then not held on the extended due date",
            w.standard()
                .extend("2026-03-12 10:00")
                .respond(Outcome::NotHeld, 0, "2026-04-10 15:00")
                .build(),
            "2026-04-13 09:00",
            [
                No("the notice was not_held"),
                On("2026-04-10"),
                No("answered on 2026-04-10"),
                On("2026-04-10"),
                On("2026-04-10"),
                NO_FEE,
                ON_TIME,
            ],
        ),
    ];
    assert_eq!(
        G::ALL,
        [
            G::Rejected,
            G::PeriodicNotProvided,
            G::NotAnswered,
            G::AnsweredOtherwise,
            G::NotFulfilled,
            G::UnreasonableFee,
            G::AnsweredLate,
        ],
        "the table columns follow Pasal 35(1) a–g"
    );
    for (situation, req, now, wants) in &rows {
        let now = w.t(now);
        for (&g, want) in G::ALL.iter().zip(wants) {
            let case = format!("{situation}, ground {g}");
            let got = ground_arose(g, req, &w.tz, now).map(|a| a.day);
            let filed = check_filing(&[g], req, &w.tz, &w.cal, now);
            match (*want, got) {
                (On(day), Ok(arose)) => {
                    assert_eq!(arose, d(day), "{case}");
                    let windows = filed.unwrap_or_else(|e| panic!("{case}: {e}"));
                    let window = deadline::compute(&w.cal, d(day), DeadlineRule::ObjectionFiling);
                    assert_eq!(windows, vec![(g, d(day), window.unwrap())], "{case}");
                }
                (No(why), Err(msg)) => {
                    assert!(msg.contains(why), "{case}: {msg:?} lacks {why:?}");
                    let (reason, message) = refusal(filed);
                    assert_eq!(reason, "GROUND_NOT_APPLICABLE", "{case}");
                    assert!(message.contains(&msg), "{case}: {message}");
                    let letter = format!("(Pasal 35(1) {g})");
                    assert!(message.contains(&letter), "{case}: {message}");
                }
                (want, got) => panic!("{case}: wanted {want:?}, got {got:?}"),
            }
        }
    }
}

/// A withdrawn request allows no objection on any ground, whatever its history.
#[test]
fn a_withdrawn_request_refuses_every_ground() {
    let w = World::new();
    let requests = [
        w.standard().withdraw("2026-03-12 10:00").build(),
        w.standard()
            .return_for_completion("2026-03-12 10:00")
            .withdraw("2026-03-16 10:00")
            .build(),
        w.standard()
            .extend("2026-03-12 10:00")
            .withdraw("2026-04-09 10:00")
            .build(),
    ];
    // Long after every due date the requests ever had.
    for now in ["2026-03-13 10:00", "2026-04-14 10:00", "2026-05-04 10:00"] {
        for req in &requests {
            let mut sets: Vec<Vec<ObjectionGround>> = G::ALL.iter().map(|&g| vec![g]).collect();
            sets.push(G::ALL.to_vec());
            for grounds in sets {
                let res = check_filing(&grounds, req, &w.tz, &w.cal, w.t(now));
                let (reason, message) = refusal(res);
                assert_eq!(reason, "REQUEST_WITHDRAWN", "{grounds:?} at {now}");
                assert_eq!(
                    message,
                    "request KOTA-SERANG/PPID/2026/000007 was withdrawn"
                );
            }
        }
    }
}

/// What `check_filing` should say.
enum Filing {
    /// Every ground accepted: (ground, arose, last day of its window), in filing order.
    Accepted(&'static [(ObjectionGround, &'static str, &'static str)]),
    /// Refused with this reason; the message contains each text.
    Refused(&'static str, &'static [&'static str]),
}

use Filing::{Accepted, Refused};

#[test]
fn filing_windows_are_thirty_working_days_from_each_ground() {
    let w = World::new();
    // Received Mon 2 Mar (due Mon 16 Mar), rejected Wed 4 Mar: the window runs across the
    // Nyepi and Idul Fitri break to Thu 23 Apr.
    let rejected_4_mar = w
        .request("2026-03-02 09:00")
        .respond(Outcome::Rejected, 0, "2026-03-04 10:00")
        .build();
    assert_eq!(rejected_4_mar.due_date, Some(d("2026-03-16")));
    // Never answered: ground c arises on the due date Tue 31 Mar, window to Mon 18 May
    // (1 May and 14–15 May skipped).
    let unanswered = w.standard().build();
    // Partially granted late with a fee on Thu 2 Apr: a and f run to Wed 20 May, g (from
    // the due date Tue 31 Mar) only to Mon 18 May.
    let late_partial_fee = w
        .standard()
        .respond(Outcome::PartiallyGranted, 150_000, "2026-04-02 10:00")
        .build();
    // Extended to Fri 10 Apr and granted with a fee on Tue 14 Apr: g runs to Fri 29 May
    // (across 14–15 and 27–28 May), e and f to Wed 3 Jun.
    let extended_late = w
        .standard()
        .extend("2026-03-12 10:00")
        .respond(Outcome::Granted, 150_000, "2026-04-14 10:00")
        .build();
    let rejected_26_mar = w
        .standard()
        .respond(Outcome::Rejected, 0, "2026-03-26 10:00")
        .build();

    let rows: Vec<(&str, &Request, &[ObjectionGround], &str, Filing)> = vec![
        (
            "on the day of the notice",
            &rejected_4_mar,
            &[G::Rejected],
            "2026-03-04 15:00",
            Accepted(&[(G::Rejected, "2026-03-04", "2026-04-23")]),
        ),
        (
            "on the last day",
            &rejected_4_mar,
            &[G::Rejected],
            "2026-04-23 16:00",
            Accepted(&[(G::Rejected, "2026-03-04", "2026-04-23")]),
        ),
        (
            "in the last minute of the last day",
            &rejected_4_mar,
            &[G::Rejected],
            "2026-04-23 23:59",
            Accepted(&[(G::Rejected, "2026-03-04", "2026-04-23")]),
        ),
        (
            "at midnight after the last day",
            &rejected_4_mar,
            &[G::Rejected],
            "2026-04-24 00:00",
            Refused(
                "OBJECTION_TOO_LATE",
                &[
                    "ground rejected under Pasal 17 arose on 2026-03-04",
                    "within 30 working days, by 2026-04-23 (filed 2026-04-24)",
                ],
            ),
        ),
        (
            "on the next working day after a weekend",
            &rejected_4_mar,
            &[G::Rejected],
            "2026-04-27 09:00",
            Refused("OBJECTION_TOO_LATE", &["by 2026-04-23 (filed 2026-04-27)"]),
        ),
        (
            "not answered, the day after the due date",
            &unanswered,
            &[G::NotAnswered],
            "2026-04-01 08:00",
            Accepted(&[(G::NotAnswered, "2026-03-31", "2026-05-18")]),
        ),
        (
            "not answered, on the last day",
            &unanswered,
            &[G::NotAnswered],
            "2026-05-18 16:00",
            Accepted(&[(G::NotAnswered, "2026-03-31", "2026-05-18")]),
        ),
        (
            "not answered, the day after the last day",
            &unanswered,
            &[G::NotAnswered],
            "2026-05-19 08:00",
            Refused(
                "OBJECTION_TOO_LATE",
                &[
                    "ground not answered arose on 2026-03-31",
                    "by 2026-05-18 (filed 2026-05-19)",
                ],
            ),
        ),
        (
            "not answered and periodic information not provided",
            &unanswered,
            &[G::PeriodicNotProvided, G::NotAnswered],
            "2026-05-18 16:00",
            Accepted(&[
                (G::PeriodicNotProvided, "2026-03-31", "2026-05-18"),
                (G::NotAnswered, "2026-03-31", "2026-05-18"),
            ]),
        ),
        (
            "one ground that does not apply refuses the filing",
            &unanswered,
            &[G::NotAnswered, G::Rejected],
            "2026-04-06 09:00",
            Refused(
                "GROUND_NOT_APPLICABLE",
                &[
                    "ground rejected under Pasal 17 (Pasal 35(1) a)",
                    "request KOTA-SERANG/PPID/2026/000007",
                    "the request has not been answered",
                ],
            ),
        ),
        (
            "three grounds arising with the late notice (g: not at the due date, 31 March)",
            &late_partial_fee,
            &[G::Rejected, G::UnreasonableFee, G::AnsweredLate],
            "2026-05-20 16:00",
            Accepted(&[
                (G::Rejected, "2026-04-02", "2026-05-20"),
                (G::UnreasonableFee, "2026-04-02", "2026-05-20"),
                (G::AnsweredLate, "2026-04-02", "2026-05-20"),
            ]),
        ),
        (
            "the late ground named first, the day after its window",
            &late_partial_fee,
            &[G::AnsweredLate, G::Rejected],
            "2026-05-21 09:00",
            Refused(
                "OBJECTION_TOO_LATE",
                &[
                    "ground answered late arose on 2026-04-02",
                    "by 2026-05-20 (filed 2026-05-21)",
                ],
            ),
        ),
        (
            "without the late ground, the last day of the others",
            &late_partial_fee,
            &[G::Rejected, G::UnreasonableFee],
            "2026-05-20 16:00",
            Accepted(&[
                (G::Rejected, "2026-04-02", "2026-05-20"),
                (G::UnreasonableFee, "2026-04-02", "2026-05-20"),
            ]),
        ),
        (
            "without the late ground, the day after",
            &late_partial_fee,
            &[G::Rejected, G::UnreasonableFee],
            "2026-05-21 08:00",
            Refused(
                "OBJECTION_TOO_LATE",
                &["arose on 2026-04-02", "by 2026-05-20 (filed 2026-05-21)"],
            ),
        ),
        (
            "not answered, though answered late",
            &late_partial_fee,
            &[G::Rejected, G::NotAnswered],
            "2026-04-06 09:00",
            Refused(
                "GROUND_NOT_APPLICABLE",
                &["(Pasal 35(1) c)", "the request was answered on 2026-04-02"],
            ),
        ),
        (
            "extended and late, on the last day of g",
            &extended_late,
            &[G::UnreasonableFee, G::AnsweredLate, G::NotFulfilled],
            "2026-05-29 16:00",
            Accepted(&[
                (G::UnreasonableFee, "2026-04-14", "2026-06-03"),
                (G::AnsweredLate, "2026-04-14", "2026-06-03"),
                (G::NotFulfilled, "2026-04-14", "2026-06-03"),
            ]),
        ),
        (
            "extended and late, g the day after its last day",
            &extended_late,
            &[G::AnsweredLate, G::UnreasonableFee],
            "2026-06-04 09:00",
            Refused(
                "OBJECTION_TOO_LATE",
                &["answered late arose on 2026-04-14", "by 2026-06-03"],
            ),
        ),
        (
            "extended and late, f on its last day after a holiday",
            &extended_late,
            &[G::UnreasonableFee],
            "2026-06-03 16:00",
            Accepted(&[(G::UnreasonableFee, "2026-04-14", "2026-06-03")]),
        ),
        (
            "back-dated to the day before the notice",
            &rejected_26_mar,
            &[G::Rejected],
            "2026-03-25 15:00",
            // A notice later than the filing is ignored: "has not been answered".
            Refused("GROUND_NOT_APPLICABLE", &["ground rejected under Pasal 17"]),
        ),
        (
            "back-dated to the day before a late notice",
            &late_partial_fee,
            &[G::UnreasonableFee],
            "2026-04-01 10:00",
            Refused("GROUND_NOT_APPLICABLE", &["ground unreasonable fee"]),
        ),
    ];
    for (case, req, grounds, at, want) in rows {
        let res = check_filing(grounds, req, &w.tz, &w.cal, w.t(at));
        match want {
            Accepted(windows) => {
                let got = res.unwrap_or_else(|e| panic!("{case}: {e}"));
                let got: Vec<_> = got
                    .iter()
                    .map(|(g, arose, window)| {
                        assert_eq!(window.start, *arose, "{case}");
                        assert_eq!(window.working_days, 30, "{case}");
                        (*g, *arose, window.due)
                    })
                    .collect();
                let want: Vec<_> = windows
                    .iter()
                    .map(|&(g, a, due)| (g, d(a), d(due)))
                    .collect();
                assert_eq!(got, want, "{case}");
            }
            Refused(reason, texts) => {
                let (got, message) = refusal(res);
                assert_eq!(got, reason, "{case}: {message}");
                for text in texts {
                    assert!(message.contains(text), "{case}: {message:?} lacks {text:?}");
                }
            }
        }
    }
}

#[test]
fn the_window_from_4_march_skips_the_whole_nyepi_and_idul_fitri_break() {
    let w = World::new();
    let req = w
        .request("2026-03-02 09:00")
        .respond(Outcome::Rejected, 0, "2026-03-04 10:00")
        .build();
    let windows = check_filing(&[G::Rejected], &req, &w.tz, &w.cal, w.t("2026-03-05 10:00"));
    let (_, arose, window) = windows.unwrap().remove(0);
    assert_eq!(arose, d("2026-03-04"));
    assert_eq!(window.due, d("2026-04-23"));
    let skipped: Vec<String> = window.skipped.iter().map(|s| s.date.to_string()).collect();
    let want = [
        "2026-03-07",
        "2026-03-08",
        "2026-03-14",
        "2026-03-15", // weekends
        "2026-03-18",
        "2026-03-19",
        "2026-03-20", // cb Nyepi, Nyepi, cb Idul Fitri
        "2026-03-21",
        "2026-03-22", // Idul Fitri (a weekend too)
        "2026-03-23",
        "2026-03-24", // cb Idul Fitri
        "2026-03-28",
        "2026-03-29",
        "2026-04-03", // Wafat Yesus Kristus
        "2026-04-04",
        "2026-04-05", // Paskah on a Sunday
        "2026-04-11",
        "2026-04-12",
        "2026-04-18",
        "2026-04-19",
    ];
    assert_eq!(skipped, want);
    // 50 calendar days minus 20 skipped is exactly 30 working days.
    assert_eq!(window.due.since(window.start).unwrap().get_days(), 50);
}

/// "Which day" is the agency's local day: one notice instant falls on Thu 26 Mar in WIB but
/// on Fri 27 Mar in WIT, and so does one filing instant on 12 May in both.
#[test]
fn grounds_and_filings_use_the_agency_local_day() {
    let notice: Timestamp = "2026-03-26T16:30:00Z".parse().unwrap();
    let zones = [
        // zone, the notice in local time, day a arose, its last day, filing at 00:30 WIB
        // on 12 May accepted?
        (
            "Asia/Jakarta",
            "2026-03-26 23:30",
            "2026-03-26",
            "2026-05-11",
            false,
        ),
        (
            "Asia/Jayapura",
            "2026-03-27 01:30",
            "2026-03-27",
            "2026-05-12",
            true,
        ),
    ];
    for (zone, local, arose, last, accepted) in zones {
        let w = World::in_zone(zone);
        assert_eq!(w.t(local), notice, "{zone}");
        let req = w.standard().respond(Outcome::Rejected, 0, local).build();
        let day = ground_arose(G::Rejected, &req, &w.tz, w.t("2026-04-01 09:00")).map(|a| a.day);
        assert_eq!(day, Ok(d(arose)), "{zone}");

        let before_midnight_wib: Timestamp = "2026-05-11T16:59:59Z".parse().unwrap();
        let res = check_filing(&[G::Rejected], &req, &w.tz, &w.cal, before_midnight_wib);
        assert_eq!(res.unwrap()[0].2.due, d(last), "{zone}");

        let after_midnight_wib: Timestamp = "2026-05-11T17:30:00Z".parse().unwrap();
        let res = check_filing(&[G::Rejected], &req, &w.tz, &w.cal, after_midnight_wib);
        if accepted {
            assert_eq!(res.unwrap()[0].2.due, d(last), "{zone}");
        } else {
            let (reason, message) = refusal(res);
            assert_eq!(reason, "OBJECTION_TOO_LATE", "{zone}");
            assert!(
                message.contains("by 2026-05-11 (filed 2026-05-12)"),
                "{message}"
            );
        }
    }
}

// Regression: a back-dated filing is judged against the request as it was on
// the filing day (objected 6 Apr that the request due 31 Mar was never
// answered; answered late 8 Apr; recorded 9 Apr with its real filing time).
#[test]
fn a_back_dated_filing_is_judged_on_the_request_as_it_was_when_filed() {
    let w = World::new();
    let req = w
        .standard()
        .respond(Outcome::Granted, 0, "2026-04-08 10:00")
        .build();
    let filed = w.t("2026-04-06 10:00");
    let c = check_filing(&[G::NotAnswered], &req, &w.tz, &w.cal, filed);
    let windows = c.unwrap_or_else(|e| panic!("ground c on 6 Apr: {e}"));
    assert_eq!(windows[0].1, d("2026-03-31"));
    assert_eq!(windows[0].2.due, d("2026-05-18"));
    let g = check_filing(&[G::AnsweredLate], &req, &w.tz, &w.cal, filed);
    assert_eq!(
        refusal(g).0,
        "GROUND_NOT_APPLICABLE",
        "no answer yet on 6 Apr"
    );
}

#[test]
fn the_atasan_answers_within_thirty_working_days_of_filing() {
    let w = World::new();
    let rows = [
        // filed, due, skipped holidays that must appear in the explanation
        (
            "2026-03-17",
            "2026-05-07",
            &["2026-03-18", "2026-03-24", "2026-05-01"][..],
        ),
        ("2026-03-30", "2026-05-13", &["2026-04-03", "2026-05-01"]),
        (
            "2026-04-02",
            "2026-05-20",
            &["2026-04-03", "2026-05-14", "2026-05-15"],
        ),
        ("2026-04-03", "2026-05-20", &["2026-05-14", "2026-05-15"]), // Good Friday
        ("2026-04-04", "2026-05-20", &["2026-04-05", "2026-05-15"]), // Saturday
        (
            "2026-05-13",
            "2026-07-02",
            &[
                "2026-05-14",
                "2026-05-15",
                "2026-05-27",
                "2026-05-28",
                "2026-06-01",
                "2026-06-16",
            ],
        ),
    ];
    for (filed, due, holidays) in rows {
        let a = answer_deadline(&w.cal, d(filed)).unwrap();
        assert_eq!(
            (a.start, a.due, a.working_days),
            (d(filed), d(due), 30),
            "{filed}"
        );
        assert_eq!(
            deadline::working_days_between(&w.cal, d(filed), d(due)),
            30,
            "{filed}"
        );
        for h in holidays {
            assert!(
                a.skipped.iter().any(|s| s.date == d(h)),
                "{filed}: {h} not skipped"
            );
        }
        // The stored objection carries the same date.
        let o = w.objection(&format!("{filed} 10:00"), None);
        assert_eq!(o.answer_due_date, d(due), "{filed}");
    }
}

/// An answer to an objection: the decision and its local wall-clock time.
type Decided = Option<(ObjectionDecision, &'static str)>;

/// A dispute window: its start and last day.
type Window = Option<(&'static str, &'static str)>;

#[test]
fn dispute_window_runs_from_the_answer_or_from_the_unanswered_due_date() {
    use ObjectionDecision::{Overturned, Upheld};
    let w = World::new();
    // Filed Mon 30 Mar: answer due Wed 13 May. Filed Thu 2 Apr: answer due Wed 20 May.
    let rows: Vec<(&str, Decided, &str, Window)> = vec![
        // Undecided: nothing before the answer due date has passed.
        ("2026-03-30 10:00", None, "2026-03-30", None),
        ("2026-03-30 10:00", None, "2026-05-12", None),
        ("2026-03-30 10:00", None, "2026-05-13", None),
        // Undecided and past due, even on a holiday: 14 working days from the due date,
        // across 14–15 and 27–28 May and 1 Jun.
        (
            "2026-03-30 10:00",
            None,
            "2026-05-14",
            Some(("2026-05-13", "2026-06-09")),
        ),
        (
            "2026-03-30 10:00",
            None,
            "2026-06-09",
            Some(("2026-05-13", "2026-06-09")),
        ),
        // Still reported once it has closed; the caller judges lateness.
        (
            "2026-03-30 10:00",
            None,
            "2026-07-01",
            Some(("2026-05-13", "2026-06-09")),
        ),
        (
            "2026-04-02 10:00",
            None,
            "2026-05-21",
            Some(("2026-05-20", "2026-06-12")),
        ),
        // Decided: 14 working days from the decision day, whether upheld or overturned.
        (
            "2026-04-02 10:00",
            Some((Upheld, "2026-04-02 15:00")),
            "2026-04-02",
            Some(("2026-04-02", "2026-04-23")),
        ),
        (
            "2026-04-02 10:00",
            Some((Upheld, "2026-05-13 14:00")),
            "2026-05-13",
            Some(("2026-05-13", "2026-06-09")),
        ),
        (
            "2026-04-02 10:00",
            Some((Overturned, "2026-05-13 14:00")),
            "2026-06-30",
            Some(("2026-05-13", "2026-06-09")),
        ),
        // Decided on a holiday (Kenaikan Yesus Kristus): day 1 is Mon 18 May.
        (
            "2026-04-02 10:00",
            Some((Upheld, "2026-05-14 09:00")),
            "2026-05-18",
            Some(("2026-05-14", "2026-06-09")),
        ),
        // Decided late, after the answer due date: from the late decision.
        (
            "2026-03-30 10:00",
            Some((Overturned, "2026-05-26 11:00")),
            "2026-05-26",
            Some(("2026-05-26", "2026-06-19")),
        ),
    ];
    for (filed, decided, today, want) in rows {
        let o = w.objection(filed, decided);
        let case = format!("filed {filed}, decided {decided:?}, today {today}");
        let got = dispute_window(&w.cal, &o, d(today)).unwrap();
        let got = got.map(|window| (window.start, window.due));
        assert_eq!(got, want.map(|(s, due)| (d(s), d(due))), "{case}");
    }
    // Unanswered, the window ends 44 working days after filing (30 + 14).
    for filed in ["2026-03-30", "2026-04-02"] {
        let o = w.objection(&format!("{filed} 10:00"), None);
        let window = dispute_window(&w.cal, &o, d("2026-07-01"))
            .unwrap()
            .unwrap();
        let total = deadline::dispute_filing_unanswered(&w.cal, d(filed)).unwrap();
        assert_eq!(window.due, total.due, "{filed}");
    }
}

// Regression: an answer given after the day asked about does not open the
// dispute window on that day (dispute filed 18 May after the answer due 13 May
// passed; the atasan's late answer of 26 May recorded afterwards).
#[test]
fn dispute_window_ignores_a_decision_made_after_the_day_asked_about() {
    let w = World::new();
    let late = Some((ObjectionDecision::Upheld, "2026-05-26 11:00"));
    let o = w.objection("2026-03-30 10:00", late);
    assert_eq!(o.answer_due_date, d("2026-05-13"));
    let on_18_may = dispute_window(&w.cal, &o, d("2026-05-18")).unwrap();
    let on_18_may = on_18_may.map(|window| (window.start, window.due));
    assert_eq!(on_18_may, Some((d("2026-05-13"), d("2026-06-09"))));
    assert_eq!(dispute_window(&w.cal, &o, d("2026-05-12")).unwrap(), None);
}

/// An overturn sends the request back to the PPID: Pending again, the clock restarting on the
/// decision day for N working days, no extension, no delivery, the old notice kept as the first.
#[test]
fn an_overturn_reopens_the_request_from_the_decision_day() {
    let w = World::new();
    let rows: Vec<(&str, Request, &str, i32, &str)> = vec![
        (
            "rejected, reopened for 10 working days across 14–15 and 27–28 May",
            w.standard()
                .respond(Outcome::Rejected, 0, "2026-03-26 10:00")
                .build(),
            "2026-05-13 14:00",
            10,
            "2026-06-03",
        ),
        (
            "rejected, reopened for 14 working days",
            w.standard()
                .respond(Outcome::Rejected, 0, "2026-03-26 10:00")
                .build(),
            "2026-05-13 14:00",
            14,
            "2026-06-09",
        ),
        (
            "extended, granted late and delivered; decided on a holiday",
            w.standard()
                .extend("2026-03-12 10:00")
                .respond(Outcome::Granted, 150_000, "2026-04-14 10:00")
                .deliver("2026-04-16 10:00")
                .build(),
            "2026-05-14 09:00",
            10,
            "2026-06-03",
        ),
        (
            "never answered, an objection on ground c granted",
            w.standard().build(),
            "2026-05-26 10:00",
            5,
            "2026-06-05",
        ),
        (
            "partially granted, reopened with no working days",
            w.standard()
                .respond(Outcome::PartiallyGranted, 0, "2026-03-26 10:00")
                .build(),
            "2026-05-13 14:00",
            0,
            "2026-05-13",
        ),
    ];
    let now = w.t("2026-05-27 08:00");
    for (case, req, decided, n, due) in rows {
        let day = w.day(decided);
        let got = lifecycle::reopen(&req, day, n, &w.cal, &w.tz, now)
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let mut want = req.clone();
        want.state = RequestState::Pending;
        want.clock_start_date = day;
        want.original_due_date = Some(d(due));
        want.due_date = Some(d(due));
        want.due_end_time = Some(w.t(&format!("{} 00:00", d(due).tomorrow().unwrap())));
        want.extension = None;
        want.deliver_time = None;
        want.deliver_working_days = None;
        // The first notice is kept apart, never erased (Pasal 12(b)).
        want.notice = None;
        want.first_notice = req.notice.clone().map(|notice| FirstNotice {
            notice,
            due_date: req.due_date,
            original_due_date: req.original_due_date,
            receipt_date: None,
        });
        want.version = req.version + 1;
        want.update_time = now;
        assert_eq!(got, want, "{case}");
        assert_eq!(
            deadline::working_days_between(&w.cal, day, d(due)),
            n,
            "{case}"
        );
    }
}

/// The reopened clock is the one the PPID's new notice is judged by.
#[test]
fn a_reopened_request_is_due_and_overdue_by_its_new_date() {
    let w = World::new();
    let rejected = w
        .standard()
        .respond(Outcome::Rejected, 0, "2026-03-26 10:00")
        .build();
    let decided = w.day("2026-05-13 14:00");
    let now = w.t("2026-05-13 15:00");
    let reopened = lifecycle::reopen(&rejected, decided, 10, &w.cal, &w.tz, now).unwrap();
    assert!(!reopened.is_overdue(w.t("2026-06-03 23:59")));
    assert!(reopened.is_overdue(w.t("2026-06-04 00:00")));
    let on_due = Fixture {
        w: &w,
        req: reopened.clone(),
    }
    .respond(Outcome::Granted, 0, "2026-06-03 16:00")
    .build();
    let notice = on_due.notice.unwrap();
    assert_eq!((notice.on_time, notice.working_days_taken), (true, 10));
    let after = Fixture {
        w: &w,
        req: reopened,
    }
    .respond(Outcome::Granted, 0, "2026-06-04 09:00")
    .build();
    let notice = after.notice.unwrap();
    assert_eq!((notice.on_time, notice.working_days_taken), (false, 11));
}

#[test]
fn a_withdrawn_request_is_not_reopened() {
    let w = World::new();
    let withdrawn = [
        w.standard().withdraw("2026-03-12 10:00").build(),
        w.standard()
            .return_for_completion("2026-03-12 10:00")
            .withdraw("2026-03-16 10:00")
            .build(),
    ];
    for req in withdrawn {
        let res = lifecycle::reopen(
            &req,
            d("2026-05-13"),
            10,
            &w.cal,
            &w.tz,
            w.t("2026-05-13 15:00"),
        );
        let (reason, message) = refusal(res);
        assert_eq!(reason, "REQUEST_WITHDRAWN");
        assert!(
            message.contains("KOTA-SERANG/PPID/2026/000007"),
            "{message}"
        );
    }
}

#[test]
fn every_ground_has_a_name() {
    let names: Vec<&str> = G::ALL.iter().map(|&g| describe(g)).collect();
    assert_eq!(
        names,
        [
            "rejected under Pasal 17",
            "periodic information not provided",
            "not answered",
            "answered other than as requested",
            "not fulfilled",
            "unreasonable fee",
            "answered late",
        ]
    );
}

/// Grounds a and f (and g's late notice) run from the requester's receipt of
/// the written notice when it is recorded by the filing day (Pasal 35(2),
/// 36(1) read with the Perki: the requester cannot object to what has not
/// reached them); otherwise from the notice's date. A receipt dated after
/// the filing is not yet known then and is ignored.
#[test]
fn a_recorded_receipt_moves_grounds_a_f_and_g_but_not_d() {
    let w = World::new();
    // Rejected 26 Mar with a (questionable) fee; late partial grant 1 Apr.
    let rejected = w
        .standard()
        .respond(Outcome::Rejected, 0, "2026-03-26 10:00")
        .build();
    let late_fee = w
        .standard()
        .respond(Outcome::PartiallyGranted, 25_000, "2026-04-01 10:00")
        .build();
    let received = |r: &Request, day: &str| {
        let mut r = r.clone();
        r.notice_receipt_date = Some(d(day));
        r
    };
    let rows: Vec<(&str, Request, G, &str, &str, &str)> = vec![
        (
            "a, no receipt",
            rejected.clone(),
            G::Rejected,
            "2026-04-06 10:00",
            "2026-03-26",
            "the written notice of 2026-03-26",
        ),
        (
            "a, received by post",
            received(&rejected, "2026-03-30"),
            G::Rejected,
            "2026-04-06 10:00",
            "2026-03-30",
            "receipt of the written notice on 2026-03-30",
        ),
        (
            "a, receipt after the filing",
            received(&rejected, "2026-04-07"),
            G::Rejected,
            "2026-04-06 10:00",
            "2026-03-26",
            "the written notice of 2026-03-26",
        ),
        (
            "f, received by post",
            received(&late_fee, "2026-04-06"),
            G::UnreasonableFee,
            "2026-04-08 10:00",
            "2026-04-06",
            "receipt of the written notice on 2026-04-06",
        ),
        (
            "g, the late notice reaching the requester",
            received(&late_fee, "2026-04-06"),
            G::AnsweredLate,
            "2026-04-08 10:00",
            "2026-04-06",
            "late notice reaching the requester",
        ),
        (
            "d runs from the notice itself",
            received(&late_fee, "2026-04-06"),
            G::AnsweredOtherwise,
            "2026-04-08 10:00",
            "2026-04-01",
            "the written notice of 2026-04-01",
        ),
    ];
    for (case, req, g, at, arose, from) in rows {
        let a = ground_arose(g, &req, &w.tz, w.t(at)).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(a.day, d(arose), "{case}");
        assert!(a.from.contains(from), "{case}: {}", a.from);
        let checks = assess_filing(&[g], Some(&req), &w.tz, &w.cal, w.t(at)).unwrap();
        assert_eq!(checks[0].arose, Some(d(arose)), "{case}");
        assert_eq!(
            checks[0].counted_from.as_deref(),
            Some(a.from.as_str()),
            "{case}"
        );
    }
}

/// Ground b filed against an agency (no request): admissible, with no window
/// to count, whatever the day (Pasal 9(4): at least every six months, always owed).
#[test]
fn ground_b_without_a_request_has_no_window() {
    let w = World::new();
    let checks = assess_filing(
        &[G::PeriodicNotProvided],
        None,
        &w.tz,
        &w.cal,
        w.t("2026-12-30 10:00"),
    )
    .unwrap();
    assert_eq!(checks.len(), 1);
    let c = &checks[0];
    assert_eq!(c.admissibility, Admissibility::Admissible);
    assert_eq!(
        (c.arose, c.window_due, c.reason.as_deref()),
        (None, None, None)
    );
    assert!(c.counted_from.as_deref().unwrap().contains("Pasal 9(4)"));
}

/// What an overturn does, by the grounds filed (Pasal 35(1)).
#[test]
fn an_overturn_does_what_its_grounds_ask() {
    use OverturnEffect as E;
    let w = World::new();
    let rows: &[(&[G], bool, E)] = &[
        (&[G::Rejected], true, E::Reopened),
        (&[G::PeriodicNotProvided], true, E::Reopened),
        (&[G::NotAnswered], true, E::Reopened),
        (&[G::AnsweredOtherwise], true, E::Reopened),
        (&[G::NotFulfilled], true, E::Reopened),
        (&[G::UnreasonableFee], true, E::FeeCorrected),
        (&[G::AnsweredLate], true, E::Acknowledged),
        (
            &[G::UnreasonableFee, G::AnsweredLate],
            true,
            E::FeeCorrected,
        ),
        (&[G::Rejected, G::UnreasonableFee], true, E::Reopened),
        (&[G::Rejected, G::AnsweredLate], true, E::Reopened),
        (&[G::PeriodicNotProvided], false, E::PublicationOrdered),
    ];
    for (grounds, with_request, want) in rows {
        let mut o = w.objection("2026-03-30 10:00", None);
        o.grounds = grounds.to_vec();
        if !with_request {
            o.request_id = None;
        }
        assert_eq!(o.overturn_effect(), *want, "{grounds:?}");
    }
}

/// Overturning on ground f states the corrected fee, below the notice's,
/// and the refund is the difference; nothing else may carry one.
#[test]
fn a_fee_is_corrected_only_by_overturning_on_ground_f() {
    use ObjectionDecision::{Inadmissible, Overturned, Upheld};
    let w = World::new();
    let at = w.t("2026-04-02 10:00");
    type Row = (
        &'static [G],
        ObjectionDecision,
        Option<i64>,
        Result<i64, &'static str>,
    );
    let rows: &[Row] = &[
        (&[G::UnreasonableFee], Overturned, Some(20_000), Ok(30_000)),
        (&[G::UnreasonableFee], Overturned, Some(0), Ok(50_000)),
        (
            &[G::UnreasonableFee],
            Overturned,
            None,
            Err("states the corrected fee"),
        ),
        (
            &[G::UnreasonableFee],
            Overturned,
            Some(50_000),
            Err("below the notice's fee of Rp 50000"),
        ),
        (
            &[G::UnreasonableFee],
            Overturned,
            Some(-5),
            Err("at least 0"),
        ),
        (
            &[G::UnreasonableFee],
            Upheld,
            Some(20_000),
            Err("only when overturning on ground f"),
        ),
        (&[G::UnreasonableFee], Upheld, None, Ok(0)),
        (&[G::UnreasonableFee], Inadmissible, None, Ok(0)),
        (
            &[G::Rejected],
            Overturned,
            Some(10),
            Err("only when overturning on ground f"),
        ),
        (&[G::Rejected], Overturned, None, Ok(0)),
    ];
    for (grounds, decision, corrected, want) in rows {
        let mut o = w.objection("2026-03-30 10:00", None);
        o.grounds = grounds.to_vec();
        let got = check_decision(&o, *decision, at, *corrected, 50_000);
        match (want, got) {
            (Ok(refund), Ok(got)) => {
                assert_eq!(got, *refund, "{grounds:?} {decision} {corrected:?}")
            }
            (Err(text), Err(Error::InvalidArgument(violations))) => {
                assert_eq!(violations[0].field, "corrected_fee_rupiah");
                assert!(
                    violations[0].description.contains(text),
                    "{}",
                    violations[0].description
                );
            }
            (want, got) => {
                panic!("{grounds:?} {decision} {corrected:?}: wanted {want:?}, got {got:?}")
            }
        }
    }
}

/// The answer's receipt starts the dispute window (Pasal 37(2) "setelah
/// diterimanya tanggapan tertulis"); not before the answer, not in the future.
#[test]
fn the_answers_receipt_starts_the_dispute_window() {
    let w = World::new();
    let o = w.objection(
        "2026-03-30 10:00",
        Some((ObjectionDecision::Upheld, "2026-04-06 10:00")),
    );
    let now = w.t("2026-04-20 10:00");
    let today = d("2026-04-20");
    for (day, ok) in [
        ("2026-04-05", false),
        ("2026-04-06", true),
        ("2026-04-09", true),
        ("2026-04-21", false),
    ] {
        let res = record_answer_receipt(&o, d(day), &w.cal, today, now);
        assert_eq!(res.is_ok(), ok, "{day}");
        if let Ok((next, ev)) = res {
            let want = dispute_window_from(&w.cal, d(day)).unwrap();
            assert_eq!(next.dispute_window, Some(want));
            assert_eq!(next.decision.unwrap().receipt_date, Some(d(day)));
            assert_eq!(ev.kind, EventType::ObjectionAnswerReceived);
            let mut received = o.clone();
            received.dispute_window = Some(want);
            if let Some(a) = received.decision.as_mut() {
                a.receipt_date = Some(d(day));
            }
            assert_eq!(
                dispute_window(&w.cal, &received, today).unwrap(),
                Some(want)
            );
        }
    }
    let pending = w.objection("2026-03-30 10:00", None);
    let err = record_answer_receipt(&pending, d("2026-04-06"), &w.cal, today, now);
    assert_eq!(refusal(err).0, "OBJECTION_NOT_DECIDED");
}

/// A holiday inside an unanswered objection's answer window moves its due
/// date and the silence window after it; one outside moves nothing; a
/// decided objection's answer date stays, its dispute window moves.
#[test]
fn holiday_edits_move_objection_deadlines() {
    let w = World::new();
    let now = w.t("2026-04-01 10:00");
    // Filed Mon 30 Mar: answer due 13 May.
    let mut pending = w.objection("2026-03-30 10:00", None);
    pending.dispute_window = Some(dispute_window_from(&w.cal, pending.answer_due_date).unwrap());
    let mut holidays = builtin_holidays();
    holidays.push(Holiday::new(
        d("2026-04-08"),
        "Hari jadi kota",
        HolidayKind::Regional,
    ));
    let extra = WorkingCalendar::new(holidays, DECREE_YEARS.iter().copied(), false);
    let (moved, ev) = reschedule(&pending, d("2026-04-08"), &extra, "holiday added", now)
        .unwrap()
        .expect("moved");
    assert_eq!(
        moved.answer_due_date,
        d("2026-05-18"),
        "13 May + one working day (14–15 May off)"
    );
    assert_eq!(moved.dispute_window.unwrap().start, d("2026-05-18"));
    assert_eq!(ev.kind, EventType::ObjectionDeadlineChanged);
    assert_eq!(ev.details["previous_answer_due_date"], "2026-05-13");
    // Outside every window: nothing.
    assert_eq!(
        reschedule(&pending, d("2026-03-20"), &extra, "x", now).unwrap(),
        None
    );
    // Decided 6 Apr: its dispute window (from 6 Apr) spans 8 Apr and moves.
    let mut decided = w.objection(
        "2026-03-30 10:00",
        Some((ObjectionDecision::Upheld, "2026-04-06 10:00")),
    );
    let window = dispute_window_from(&w.cal, d("2026-04-06")).unwrap();
    decided.dispute_window = Some(window);
    let (moved, _) = reschedule(&decided, d("2026-04-08"), &extra, "holiday added", now)
        .unwrap()
        .expect("moved");
    assert_eq!(moved.answer_due_date, decided.answer_due_date);
    let nw = moved.dispute_window.unwrap();
    assert_eq!(nw.start, window.start);
    assert_eq!(
        nw.due,
        dispute_window_from(&extra, d("2026-04-06")).unwrap().due
    );
    assert_ne!(nw.due, window.due);
}
