//! Figures from facts. Every request, objection and dispute contributes
//! counts to the (agency, month) cells of its events; a change to a record
//! adds its new contributions and takes away its old ones, so the cells stay
//! exact without recomputation. Figures for a period sum the cells.
//!
//! Attribution: a request counts at the agency handling it now (after any
//! forward); each count goes to the agency-local month of its own event
//! (received: receipt; decided and outcome: the written notice; delivered:
//! delivery; objections: filing and answer). A request answered again after
//! an overturned objection counts with its latest notice. Timeliness is the
//! exception: an answered request counts in the month its lawful due date
//! falls in (`DueAnswered`, `DueOnTime`), so an unanswered one past its due
//! date can be counted late in the same month at read time.
use std::collections::BTreeMap;

use jiff::{civil::Date, tz::TimeZone};

use super::{
    DisputeOutcome, ExemptionLetter, ObjectionDecision, Outcome, RequestState,
    objection::{Dispute, Objection},
    request::{Notice, Request},
    time,
};

/// A counter of an (agency, month) cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Counter {
    /// Requests received.
    Received,
    /// Requests withdrawn.
    Withdrawn,
    /// Written notices given.
    Decided,
    /// Notices by outcome.
    Outcome(Outcome),
    /// Notices by the lawful due date (with extension).
    OnTime,
    /// Notices within the original 10 working days.
    OnTimeOriginal,
    /// Answered requests, by the month of their lawful due date.
    DueAnswered,
    /// Of those, answered by that date.
    DueOnTime,
    /// Rejections resting only on DIK entries in force (lawful exemption).
    RejectedRegistered,
    /// Sum of working days to the notice (for means).
    NoticeDaysSum,
    /// Requests extended (by the extension's month).
    Extended,
    /// Deliveries.
    Delivered,
    /// Sum of working days to delivery.
    DeliveryDaysSum,
    /// Withholding notices resting on DIK entries only.
    WithholdingRegistered,
    /// Withholding notices with some unregistered basis.
    WithholdingUnregistered,
    /// Pasal 17 letters cited (one per letter per notice).
    Letter(ExemptionLetter),
    /// Objections filed.
    ObjectionsFiled,
    /// Objections answered.
    ObjectionsDecided,
    /// Objections answered by their due date.
    ObjectionsOnTime,
    /// Objections overturned.
    ObjectionsOverturned,
    /// Disputes filed.
    DisputesFiled,
    /// Disputes settled, by outcome.
    Dispute(DisputeOutcome),
    /// New answers after an overturned objection sent a request back
    /// (counted apart from the first notice, by which the request is judged).
    Reanswered,
    /// Of those, given by the new due date.
    ReansweredOnTime,
    /// Deliveries after the date the notice set.
    DeliveredLate,
}

impl Counter {
    /// Every counter, in column order.
    pub fn all() -> Vec<Counter> {
        let mut v = vec![Counter::Received, Counter::Withdrawn, Counter::Decided];
        v.extend(Outcome::ALL.iter().map(|o| Counter::Outcome(*o)));
        v.extend([
            Counter::OnTime,
            Counter::OnTimeOriginal,
            Counter::DueAnswered,
            Counter::DueOnTime,
            Counter::RejectedRegistered,
            Counter::NoticeDaysSum,
            Counter::Extended,
            Counter::Delivered,
            Counter::DeliveryDaysSum,
            Counter::WithholdingRegistered,
            Counter::WithholdingUnregistered,
        ]);
        v.extend(ExemptionLetter::ALL.iter().map(|l| Counter::Letter(*l)));
        v.extend([
            Counter::ObjectionsFiled,
            Counter::ObjectionsDecided,
            Counter::ObjectionsOnTime,
            Counter::ObjectionsOverturned,
            Counter::DisputesFiled,
        ]);
        v.extend(DisputeOutcome::ALL.iter().map(|o| Counter::Dispute(*o)));
        v.extend([
            Counter::Reanswered,
            Counter::ReansweredOnTime,
            Counter::DeliveredLate,
        ]);
        v
    }

    /// The storage column.
    pub fn column(self) -> &'static str {
        use Counter as C;
        match self {
            C::Received => "received",
            C::Withdrawn => "withdrawn",
            C::Decided => "decided",
            C::Outcome(Outcome::Granted) => "granted",
            C::Outcome(Outcome::PartiallyGranted) => "partially_granted",
            C::Outcome(Outcome::Rejected) => "rejected",
            C::Outcome(Outcome::NotHeld) => "not_held",
            C::Outcome(Outcome::NotYetDocumented) => "not_yet_documented",
            C::OnTime => "on_time",
            C::OnTimeOriginal => "on_time_original",
            C::DueAnswered => "due_answered",
            C::DueOnTime => "due_on_time",
            C::RejectedRegistered => "rejected_registered",
            C::NoticeDaysSum => "notice_days_sum",
            C::Extended => "extended",
            C::Delivered => "delivered",
            C::DeliveryDaysSum => "delivery_days_sum",
            C::WithholdingRegistered => "withholding_registered",
            C::WithholdingUnregistered => "withholding_unregistered",
            C::Letter(l) => match l {
                ExemptionLetter::A => "letter_a",
                ExemptionLetter::B => "letter_b",
                ExemptionLetter::C => "letter_c",
                ExemptionLetter::D => "letter_d",
                ExemptionLetter::E => "letter_e",
                ExemptionLetter::F => "letter_f",
                ExemptionLetter::G => "letter_g",
                ExemptionLetter::H => "letter_h",
                ExemptionLetter::I => "letter_i",
                ExemptionLetter::J => "letter_j",
            },
            C::ObjectionsFiled => "objections_filed",
            C::ObjectionsDecided => "objections_decided",
            C::ObjectionsOnTime => "objections_on_time",
            C::ObjectionsOverturned => "objections_overturned",
            C::DisputesFiled => "disputes_filed",
            C::Dispute(DisputeOutcome::MediationAgreement) => "dispute_mediation",
            C::Dispute(DisputeOutcome::AdjudicationGranted) => "dispute_granted",
            C::Dispute(DisputeOutcome::AdjudicationPartlyGranted) => "dispute_partly_granted",
            C::Dispute(DisputeOutcome::AdjudicationRefused) => "dispute_refused",
            C::Dispute(DisputeOutcome::Inadmissible) => "dispute_inadmissible",
            C::Dispute(DisputeOutcome::Withdrawn) => "dispute_withdrawn",
            C::Reanswered => "reanswered",
            C::ReansweredOnTime => "reanswered_on_time",
            C::DeliveredLate => "delivered_late",
        }
    }
}

/// Which time a distribution measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Span {
    /// Working days from the clock start to the written notice.
    Notice,
    /// Working days from the clock start to delivery.
    Delivery,
}

impl Span {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Notice => "notice",
            Span::Delivery => "delivery",
        }
    }
}

/// Longest time kept exactly in a distribution; longer ones count here.
pub const HIST_CAP: i32 = 401;

/// What a cell receives: a counter increment or a distribution entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// A counter.
    Count(Counter),
    /// One observation of `days` in a distribution.
    Hist(Span, i32),
}

/// Where a contribution goes: agency and the agency-local day of the event
/// (stored per month; kept per day so arbitrary ranges can be recomputed).
pub type Cell = (String, Date);

/// Contributions of one record: cell and key to amount.
pub type Contributions = BTreeMap<(Cell, Key), i64>;

/// The storage month of a day, `YYYY-MM`.
pub fn month(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The cells a day's counts go to: its month `YYYY-MM`, its quarter
/// `YYYY-Qn` and its year `YYYY`, so a year or a quarter reads one cell per
/// agency. The keys never collide: in a range of months only `YYYY-MM` keys
/// fall between `YYYY-01` and `YYYY-12`.
pub fn grains(d: Date) -> [String; 3] {
    [
        month(d),
        format!("{:04}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
        format!("{:04}", d.year()),
    ]
}

fn add(c: &mut Contributions, agency: &str, day: Date, key: Key, amount: i64) {
    *c.entry(((agency.to_string(), day), key)).or_insert(0) += amount;
}

/// What a request contributes in its current state; `tz` is its handling
/// agency's zone.
pub fn request_contributions(r: &Request, tz: &TimeZone) -> Contributions {
    let mut c = Contributions::new();
    let a = r.agency_id.as_str();
    let count = |c: &mut Contributions, day, counter| add(c, a, day, Key::Count(counter), 1);
    count(
        &mut c,
        time::local_date(r.receive_time, tz),
        Counter::Received,
    );
    if let (RequestState::Withdrawn, Some(t)) = (r.state, r.withdraw_time) {
        count(&mut c, time::local_date(t, tz), Counter::Withdrawn);
    }
    if let Some(e) = &r.extension {
        count(
            &mut c,
            time::local_date(e.extend_time, tz),
            Counter::Extended,
        );
    }
    // A request sent back by an overturned objection is judged by its
    // first notice; the new answer counts apart.
    let judged = match &r.first_notice {
        Some(f) => Some((&f.notice, f.due_date, f.original_due_date)),
        None => r
            .notice
            .as_ref()
            .map(|n| (n, r.due_date, r.original_due_date)),
    };
    if let Some((n, due_date, original_due_date)) = judged {
        notice_contributions(&mut c, a, n, due_date, original_due_date, tz);
    }
    if let (Some(_), Some(n)) = (&r.first_notice, &r.notice) {
        let day = time::local_date(n.notice_time, tz);
        count(&mut c, day, Counter::Reanswered);
        if n.on_time {
            count(&mut c, day, Counter::ReansweredOnTime);
        }
    }
    if let (Some(t), Some(days)) = (r.deliver_time, r.deliver_working_days) {
        let day = time::local_date(t, tz);
        count(&mut c, day, Counter::Delivered);
        let due = r.notice.as_ref().and_then(|n| n.delivery_due_date);
        if due.is_some_and(|due| day > due) {
            count(&mut c, day, Counter::DeliveredLate);
        }
        add(
            &mut c,
            a,
            day,
            Key::Count(Counter::DeliveryDaysSum),
            i64::from(days),
        );
        add(
            &mut c,
            a,
            day,
            Key::Hist(Span::Delivery, days.min(HIST_CAP)),
            1,
        );
    }
    c
}

/// What a written notice contributes, judged against its due dates.
fn notice_contributions(
    c: &mut Contributions,
    a: &str,
    n: &Notice,
    due_date: Option<Date>,
    original_due_date: Option<Date>,
    tz: &TimeZone,
) {
    let count = |c: &mut Contributions, day, counter| add(c, a, day, Key::Count(counter), 1);
    let day = time::local_date(n.notice_time, tz);
    count(c, day, Counter::Decided);
    count(c, day, Counter::Outcome(n.outcome));
    if n.on_time {
        count(c, day, Counter::OnTime);
    }
    if original_due_date.is_some_and(|d| day <= d) {
        count(c, day, Counter::OnTimeOriginal);
    }
    if let Some(due) = due_date {
        count(c, due, Counter::DueAnswered);
        if n.on_time {
            count(c, due, Counter::DueOnTime);
        }
    }
    let days = i64::from(n.working_days_taken);
    add(c, a, day, Key::Count(Counter::NoticeDaysSum), days);
    add(
        c,
        a,
        day,
        Key::Hist(Span::Notice, n.working_days_taken.min(HIST_CAP)),
        1,
    );
    if n.outcome.withholds() {
        let basis = if n.unregistered_basis || n.citations.is_empty() {
            Counter::WithholdingUnregistered
        } else {
            Counter::WithholdingRegistered
        };
        count(c, day, basis);
        if basis == Counter::WithholdingRegistered && n.outcome == Outcome::Rejected {
            count(c, day, Counter::RejectedRegistered);
        }
        for l in &n.exemption_letters {
            count(c, day, Counter::Letter(*l));
        }
    }
}

/// What an objection contributes, at the agency it was filed with.
pub fn objection_contributions(o: &Objection) -> Contributions {
    let mut c = Contributions::new();
    let a = o.agency_id.as_str();
    add(
        &mut c,
        a,
        o.file_date,
        Key::Count(Counter::ObjectionsFiled),
        1,
    );
    if let Some(d) = &o.decision {
        add(
            &mut c,
            a,
            d.decide_date,
            Key::Count(Counter::ObjectionsDecided),
            1,
        );
        if d.on_time {
            add(
                &mut c,
                a,
                d.decide_date,
                Key::Count(Counter::ObjectionsOnTime),
                1,
            );
        }
        if d.decision == ObjectionDecision::Overturned {
            add(
                &mut c,
                a,
                d.decide_date,
                Key::Count(Counter::ObjectionsOverturned),
                1,
            );
        }
    }
    c
}

/// What a dispute contributes, at `agency` (its objection's).
pub fn dispute_contributions(d: &Dispute, agency: &str, tz: &TimeZone) -> Contributions {
    let mut c = Contributions::new();
    add(
        &mut c,
        agency,
        time::local_date(d.file_time, tz),
        Key::Count(Counter::DisputesFiled),
        1,
    );
    if let Some(s) = &d.settlement {
        add(
            &mut c,
            agency,
            s.decision_date,
            Key::Count(Counter::Dispute(s.outcome)),
            1,
        );
    }
    c
}

/// `new - old`, without the zero entries: what a change adds to the cells.
pub fn diff(old: &Contributions, new: &Contributions) -> Contributions {
    let mut d = new.clone();
    for (k, v) in old {
        *d.entry(k.clone()).or_insert(0) -= v;
    }
    d.retain(|_, v| *v != 0);
    d
}
