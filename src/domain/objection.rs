//! Objections to the atasan PPID (keberatan, UU KIP Pasal 35–36) and disputes
//! before the Komisi Informasi (sengketa, Pasal 37): which grounds a request
//! allows, when each arose, and the windows that follow.
use std::collections::BTreeMap;

use jiff::{Timestamp, civil::Date, tz::TimeZone};
use uuid::Uuid;

use serde::{Deserialize, Serialize};

use super::{
    Admissibility, DecisionExtent, DisputeOutcome, EventType, FilingTiming, ObjectionDecision,
    ObjectionGround, OverturnEffect, RequestState,
    calendar::WorkingCalendar,
    deadline::{self, Deadline, DeadlineRule},
    request::{NewEvent, Request},
    time,
};
use crate::error::{Error, Result};

/// A stored objection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    /// Id.
    pub id: Uuid,
    /// Register number `{PEMDA}/KEB/{YEAR}/{NNNNNN}`.
    pub registration_number: String,
    /// The request; `None` for ground b filed against an agency.
    pub request_id: Option<Uuid>,
    /// The request's registration number.
    pub request_registration_number: Option<String>,
    /// The agency handling the request at filing (or the one named).
    pub agency_id: String,
    /// Grounds.
    pub grounds: Vec<ObjectionGround>,
    /// The requester's statement.
    pub statement: String,
    /// Ground b without a request: what was not published.
    pub unpublished_information: Option<String>,
    /// Ground b: the DIP entry cited as not published (its name).
    pub unpublished_dip_entry: Option<String>,
    /// Ground b: the checklist item cited as not published.
    pub unpublished_item: Option<String>,
    /// Filed.
    pub file_time: Timestamp,
    /// Agency-local filing day.
    pub file_date: Date,
    /// Each ground as filed, with its admissibility (same order as `grounds`).
    pub checks: Vec<GroundCheck>,
    /// The atasan's answer is due.
    pub answer_due_date: Date,
    /// The dispute window as stored: from the answer (or its receipt) once
    /// answered, else from the answer due date (Pasal 37(2)).
    pub dispute_window: Option<Window>,
    /// The decision, once made.
    pub decision: Option<ObjectionAnswer>,
    /// Its own history, for an objection without a request.
    pub history: Vec<ObjectionEvent>,
}

impl Objection {
    /// Every ground was admissible when filed.
    pub fn admissible(&self) -> bool {
        self.checks
            .iter()
            .all(|c| c.admissibility == Admissibility::Admissible)
    }

    /// What an overturn of this objection does.
    pub fn overturn_effect(&self) -> OverturnEffect {
        use ObjectionGround as G;
        if self.request_id.is_none() {
            OverturnEffect::PublicationOrdered
        } else if self.grounds.iter().any(|g| {
            matches!(
                g,
                G::Rejected
                    | G::PeriodicNotProvided
                    | G::NotAnswered
                    | G::AnsweredOtherwise
                    | G::NotFulfilled
            )
        }) {
            OverturnEffect::Reopened
        } else if self.grounds.contains(&G::UnreasonableFee) {
            OverturnEffect::FeeCorrected
        } else {
            OverturnEffect::Acknowledged
        }
    }
}

/// A stored window: its first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The day it counts from.
    pub start: Date,
    /// Its last day.
    pub due: Date,
}

/// A ground as filed and what the register computed of it at filing. The
/// atasan decides; the register records and says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundCheck {
    /// The ground.
    pub ground: ObjectionGround,
    /// Admissible, late or not applicable.
    pub admissibility: Admissibility,
    /// The day it arose, when it did.
    pub arose: Option<Date>,
    /// What its window counts from, for people.
    pub counted_from: Option<String>,
    /// The window's last day, when it arose.
    pub window_due: Option<Date>,
    /// Why it is not admissible.
    pub reason: Option<String>,
}

/// An entry of an objection's own history (an objection without a request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionEvent {
    /// 1, 2, 3, ...
    pub sequence: i64,
    /// What happened.
    pub kind: EventType,
    /// Effective time.
    pub event_time: Timestamp,
    /// When recorded.
    pub record_time: Timestamp,
    /// Who.
    pub actor: String,
    /// One line for people.
    pub summary: String,
    /// Facts.
    pub details: BTreeMap<String, String>,
}

/// The atasan's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionAnswer {
    /// Upheld, overturned or inadmissible.
    pub decision: ObjectionDecision,
    /// Wholly or in part.
    pub extent: DecisionExtent,
    /// Written reasons.
    pub reasons: Option<String>,
    /// The atasan's name.
    pub superior_name: String,
    /// The atasan's position.
    pub superior_position: String,
    /// When.
    pub decide_time: Timestamp,
    /// Agency-local day.
    pub decide_date: Date,
    /// By the answer due date.
    pub on_time: bool,
    /// For an overturn that sent the request back: its new due date.
    pub reopened_due_date: Option<Date>,
    /// Ground f overturned: the fee as corrected.
    pub corrected_fee_rupiah: Option<i64>,
    /// Ground f overturned: the refund (notice fee less corrected fee).
    pub refund_rupiah: i64,
    /// When the requester received the answer, when recorded.
    pub receipt_date: Option<Date>,
}

/// A stored dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// Id.
    pub id: Uuid,
    /// The objection.
    pub objection_id: Uuid,
    /// The request (none for an objection without one).
    pub request_id: Option<Uuid>,
    /// The Komisi Informasi's register number.
    pub commission_register_number: Option<String>,
    /// Filed.
    pub file_time: Timestamp,
    /// The day the filing window started from (answer day, or answer due date).
    pub window_start: Date,
    /// The window's last day.
    pub window_due: Date,
    /// Filed within the window, late or early (the Komisi Informasi
    /// decides admissibility).
    pub timing: FilingTiming,
    /// Its steps before the Komisi Informasi and the courts, in order.
    pub steps: Vec<super::dispute::RecordedStep>,
    /// The settlement, once recorded.
    pub settlement: Option<Settlement>,
}

/// How a dispute ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Outcome.
    pub outcome: DisputeOutcome,
    /// Date of the decision or agreement.
    pub decision_date: Date,
    /// Its number.
    pub decision_number: String,
    /// Summary.
    pub summary: Option<String>,
}

/// The day a ground arose, and what its window counts from (for people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arising {
    /// The day.
    pub day: Date,
    /// What happened that day.
    pub from: String,
}

fn arising(day: Date, from: String) -> Result<Arising, String> {
    Ok(Arising { day, from })
}

/// The day `ground` arose for `req`, or why the request does not allow it.
/// "Not answered" arises when the response deadline passes, or, while the
/// clock is paused, at the return for completion the requester objects to;
/// "answered late" (Pasal 35(1) g) when the late notice or the late
/// information reaches the requester: before it, the requester has nothing
/// late to object to, only silence (ground c). d and e arise from the
/// notice or, once delivered, from the delivery. Grounds a and f (and g's
/// late notice) run from the requester's receipt of the notice when it is
/// recorded (by post it may come days later), else from its date.
pub fn ground_arose(
    ground: ObjectionGround,
    req: &Request,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<Arising, String> {
    use ObjectionGround as G;
    let today = time::local_date(now, tz);
    // Judge the request as it stood at `now` (a filing may be entered late):
    // a notice given afterwards does not count yet.
    let notice = req.notice.as_ref().filter(|n| n.notice_time <= now);
    let notice_day = notice.map(|n| time::local_date(n.notice_time, tz));
    // When the notice reached the requester, as far as the register knows.
    let reached = notice_day.map(|d| match req.notice_receipt_date {
        Some(r) if r <= today && r >= d => (
            r,
            format!("the requester's receipt of the written notice on {r}"),
        ),
        _ => (d, format!("the written notice of {d}")),
    });
    // The information handed over, as it stood at `now`.
    let delivery_day = req
        .deliver_time
        .filter(|t| *t <= now)
        .map(|t| time::local_date(t, tz));
    let delivered = delivery_day.map(|d| (d, format!("the delivery of the information on {d}")));
    // d and e may lie in the notice or in what was delivered: the window
    // runs from the later of the two (towards the requester, who cannot
    // judge what was given before receiving it).
    let answer = match (notice_day, &delivered) {
        (Some(n), Some((d, from))) if *d >= n => Some((*d, from.clone())),
        (Some(n), _) => Some((n, format!("the written notice of {n}"))),
        (None, _) => None,
    };
    let past_due = req.due_end_time.is_some_and(|end| now >= end);
    let not_answered = || "the request has not been answered".to_string();
    match ground {
        G::NotAnswered => match (notice, req.due_date) {
            (Some(_), _) => Err(format!(
                "the request was answered on {}",
                notice_day.expect("notice has a day")
            )),
            (None, Some(due)) if past_due => arising(
                due,
                format!("the due date {due} passing without a written notice"),
            ),
            (None, Some(due)) => Err(format!("the response is not late yet: it is due on {due}")),
            // Objecting to a return for completion: the request is, in
            // effect, not being answered.
            (None, None) => match req.return_time.filter(|t| *t <= now) {
                Some(t) if req.state == RequestState::AwaitingCompletion => {
                    let d = time::local_date(t, tz);
                    arising(d, format!("the return for completion on {d}"))
                }
                _ => Err("the request's clock is paused and it was not returned".into()),
            },
        },
        G::AnsweredLate => match notice {
            Some(n) if !n.on_time => {
                let (d, from) = match (&reached, &delivered) {
                    (Some((r, _)), Some((d, from))) if d > r => (*d, from.clone()),
                    (Some((r, from)), _) => (*r, from.clone()),
                    (None, _) => unreachable!("a notice has a day"),
                };
                arising(
                    d,
                    format!("{from} (the late notice reaching the requester)"),
                )
            }
            // An answer on time whose information came after the due date.
            Some(_) => match (&delivered, req.due_date) {
                (Some((d, from)), Some(due)) if *d > due => {
                    arising(*d, format!("{from}, after the due date {due}"))
                }
                _ => Err("the request was answered by its due date".into()),
            },
            None => Err("the request has not been answered (use ground c, not answered)".into()),
        },
        G::Rejected => match notice {
            Some(n) if n.outcome.withholds() => {
                let (d, from) = reached.expect("notice has a day");
                arising(d, from)
            }
            Some(n) => Err(format!(
                "the notice was {}, not a rejection under Pasal 17",
                n.outcome
            )),
            None => Err(not_answered()),
        },
        G::UnreasonableFee => match notice {
            Some(n) if n.fee_rupiah > 0 => {
                let (d, from) = reached.expect("notice has a day");
                arising(d, from)
            }
            Some(_) => Err("the notice charged no fee".into()),
            None => Err(not_answered()),
        },
        G::AnsweredOtherwise | G::NotFulfilled => match answer {
            Some((d, from)) => arising(d, from),
            None => Err(not_answered()),
        },
        G::PeriodicNotProvided => match (notice_day, req.due_date) {
            (Some(d), _) => arising(d, format!("the written notice of {d}")),
            (None, Some(due)) if past_due => arising(
                due,
                format!("the due date {due} passing without a written notice"),
            ),
            _ => Err(not_answered()),
        },
    }
}

/// Assesses a filing at `file_time`: for each ground, whether it fits the
/// request and was raised within 30 working days of arising (Pasal 35(2)).
/// Nothing is refused: a late or unfitting ground is recorded with why.
/// Without a request (ground b against an agency) there is no act to count
/// a window from.
pub fn assess_filing(
    grounds: &[ObjectionGround],
    req: Option<&Request>,
    tz: &TimeZone,
    calendar: &WorkingCalendar,
    file_time: Timestamp,
) -> Result<Vec<GroundCheck>> {
    let file_day = time::local_date(file_time, tz);
    let mut out = Vec::with_capacity(grounds.len());
    for &g in grounds {
        let not = |reason: String| GroundCheck {
            ground: g,
            admissibility: Admissibility::NotApplicable,
            arose: None,
            counted_from: None,
            window_due: None,
            reason: Some(reason),
        };
        let Some(req) = req else {
            out.push(GroundCheck {
                ground: g,
                admissibility: Admissibility::Admissible,
                arose: None,
                counted_from: Some(
                    "no act to count from: periodic information is owed continuously, \
                     at least every six months (Pasal 9(4))"
                        .into(),
                ),
                window_due: None,
                reason: None,
            });
            continue;
        };
        if req.state == RequestState::Withdrawn {
            out.push(not(format!(
                "request {} was withdrawn",
                req.registration_number
            )));
            continue;
        }
        let a = match ground_arose(g, req, tz, file_time) {
            Ok(a) => a,
            Err(why) => {
                out.push(not(format!(
                    "ground {} (Pasal 35(1) {}) does not fit request {}: {why}",
                    describe(g),
                    g.as_str(),
                    req.registration_number
                )));
                continue;
            }
        };
        if a.day > file_day {
            out.push(not(format!(
                "ground {} arose on {}, after the filing date {file_day}",
                describe(g),
                a.day
            )));
            continue;
        }
        let window = deadline::compute(calendar, a.day, DeadlineRule::ObjectionFiling)
            .map_err(|e| Error::invalid("file_time", e.to_string()))?;
        let late = file_day > window.due;
        out.push(GroundCheck {
            ground: g,
            admissibility: if late {
                Admissibility::Late
            } else {
                Admissibility::Admissible
            },
            arose: Some(a.day),
            reason: late.then(|| {
                format!(
                    "ground {} arose on {} ({}); an objection had to be filed within 30 working \
                     days, by {} (filed {file_day})",
                    describe(g),
                    a.day,
                    a.from,
                    window.due
                )
            }),
            counted_from: Some(a.from),
            window_due: Some(window.due),
        });
    }
    Ok(out)
}

/// The answer to an objection filed on `file_day` is due 30 working days later.
pub fn answer_deadline(calendar: &WorkingCalendar, file_day: Date) -> Result<Deadline> {
    deadline::compute(calendar, file_day, DeadlineRule::ObjectionAnswer)
        .map_err(|e| Error::invalid("file_time", e.to_string()))
}

/// The window for a dispute (14 working days, Pasal 37(2)) from `start`.
pub fn dispute_window_from(calendar: &WorkingCalendar, start: Date) -> Result<Window> {
    let d = deadline::compute(calendar, start, DeadlineRule::DisputeFiling)
        .map_err(|e| Error::precondition("OUT_OF_CALENDAR", e.to_string()))?;
    Ok(Window {
        start: d.start,
        due: d.due,
    })
}

/// The window for a dispute as it stands on `today`: from the answer (or
/// the requester's receipt of it), or, when the atasan has not answered,
/// from the day the answer window ended. `None` while neither has happened.
/// The stored window is shown (moved by holiday edits, never recomputed);
/// objections registered before windows were stored compute it.
pub fn dispute_window(
    calendar: &WorkingCalendar,
    o: &Objection,
    today: Date,
) -> Result<Option<Window>> {
    // An answer given after `today` does not open a window on `today`.
    let start = match &o.decision {
        Some(d) if d.decide_date <= today => d.receipt_date.unwrap_or(d.decide_date),
        _ if today > o.answer_due_date => o.answer_due_date,
        _ => return Ok(None),
    };
    match o.dispute_window {
        Some(w) if w.start == start => Ok(Some(w)),
        _ => dispute_window_from(calendar, start).map(Some),
    }
}

/// Number of an objection in the Pemda's register of objections.
pub fn registration_number(pemda_id: &str, year: i16, seq: i64) -> String {
    format!("{}/KEB/{year}/{seq:06}", pemda_id.to_ascii_uppercase())
}

/// A filing on `req` at `file_time`: none before the request was received
/// (an impossible order). Everything else is recorded and assessed.
pub fn check_new_filing(req: &Request, file_time: Timestamp) -> Result<()> {
    if file_time < req.receive_time {
        return Err(Error::invalid(
            "file_time",
            "is before the request was received",
        ));
    }
    Ok(())
}

/// The atasan answers an objection once (Pasal 36), not before it was
/// filed. Overturning on ground f states the corrected fee (below the
/// notice's `fee`); nothing else does. Returns the refund.
pub fn check_decision(
    o: &Objection,
    decision: ObjectionDecision,
    decide_time: Timestamp,
    corrected_fee: Option<i64>,
    fee: i64,
) -> Result<i64> {
    if let Some(a) = &o.decision {
        return Err(Error::precondition(
            "ALREADY_DECIDED",
            format!(
                "objection {} was already answered on {}",
                o.registration_number, a.decide_date
            ),
        ));
    }
    if decide_time < o.file_time {
        return Err(Error::invalid(
            "decide_time",
            "is before the objection was filed",
        ));
    }
    let on_fee = decision == ObjectionDecision::Overturned
        && o.grounds.contains(&ObjectionGround::UnreasonableFee);
    match (on_fee, corrected_fee) {
        (true, None) => Err(Error::invalid(
            "corrected_fee_rupiah",
            "overturning on ground f (unreasonable fee) states the corrected fee",
        )),
        (true, Some(c)) if c < 0 || c >= fee => Err(Error::invalid(
            "corrected_fee_rupiah",
            format!("must be at least 0 and below the notice's fee of Rp {fee}"),
        )),
        (true, Some(c)) => Ok(fee - c),
        (false, Some(_)) => Err(Error::invalid(
            "corrected_fee_rupiah",
            "is given only when overturning on ground f (unreasonable fee)",
        )),
        (false, None) => Ok(0),
    }
}

/// Records when the requester received the atasan's answer: the dispute
/// window runs from it (Pasal 37(2), "setelah diterimanya tanggapan
/// tertulis"). Not before the answer, not after `today`.
pub fn record_answer_receipt(
    o: &Objection,
    receipt_date: Date,
    calendar: &WorkingCalendar,
    today: Date,
    now: Timestamp,
) -> Result<(Objection, NewEvent)> {
    let Some(a) = &o.decision else {
        return Err(Error::precondition(
            "OBJECTION_NOT_DECIDED",
            format!("objection {} has not been answered", o.registration_number),
        ));
    };
    if receipt_date < a.decide_date {
        return Err(Error::invalid(
            "receipt_date",
            format!("is before the atasan's answer of {}", a.decide_date),
        ));
    }
    if receipt_date > today {
        return Err(Error::invalid("receipt_date", "is in the future"));
    }
    let window = dispute_window_from(calendar, receipt_date)?;
    let mut next = o.clone();
    let previous = a.receipt_date;
    if let Some(a) = next.decision.as_mut() {
        a.receipt_date = Some(receipt_date);
    }
    next.dispute_window = Some(window);
    let mut details = BTreeMap::new();
    details.insert("objection".to_string(), format!("objections/{}", o.id));
    details.insert("receipt_date".to_string(), receipt_date.to_string());
    details.insert(
        "dispute_window_due_date".to_string(),
        window.due.to_string(),
    );
    let mut summary = format!(
        "the requester received the atasan's answer to objection {} on {receipt_date}; a \
         dispute may be filed until {}",
        o.registration_number, window.due
    );
    if let Some(p) = previous {
        details.insert("previous_receipt_date".to_string(), p.to_string());
        summary.push_str(&format!(" (receipt corrected from {p})"));
    }
    Ok((
        next,
        NewEvent {
            kind: EventType::ObjectionAnswerReceived,
            event_time: now,
            summary,
            details,
        },
    ))
}

/// Moves an objection's deadlines that a calendar change on `date` affects
/// (`calendar` is the new one): the answer due date of an unanswered
/// objection, and the stored dispute window. `None` when nothing moved.
pub fn reschedule(
    o: &Objection,
    date: Date,
    calendar: &WorkingCalendar,
    why: &str,
    now: Timestamp,
) -> Result<Option<(Objection, NewEvent)>> {
    let mut next = o.clone();
    let mut details = BTreeMap::new();
    let mut moved = Vec::new();
    if o.decision.is_none() && o.file_date <= date && date <= o.answer_due_date {
        let due = answer_deadline(calendar, o.file_date)?.due;
        if due != o.answer_due_date {
            details.insert(
                "previous_answer_due_date".to_string(),
                o.answer_due_date.to_string(),
            );
            details.insert("answer_due_date".to_string(), due.to_string());
            moved.push(format!(
                "the atasan's answer is now due {due} (was {})",
                o.answer_due_date
            ));
            next.answer_due_date = due;
        }
    }
    if let Some(w) = o.dispute_window {
        // Unanswered, the window opens when the answer falls due.
        let start = if o.decision.is_none() {
            next.answer_due_date
        } else {
            w.start
        };
        if start != w.start || (w.start <= date && date <= w.due) {
            let nw = dispute_window_from(calendar, start)?;
            if nw != w {
                details.insert(
                    "previous_dispute_window_due_date".to_string(),
                    w.due.to_string(),
                );
                details.insert("dispute_window_due_date".to_string(), nw.due.to_string());
                moved.push(format!(
                    "a dispute may be filed until {} (was {})",
                    nw.due, w.due
                ));
                next.dispute_window = Some(nw);
            }
        }
    }
    if moved.is_empty() {
        return Ok(None);
    }
    details.insert("objection".to_string(), format!("objections/{}", o.id));
    details.insert("reason".to_string(), why.to_string());
    Ok(Some((
        next,
        NewEvent {
            kind: EventType::ObjectionDeadlineChanged,
            event_time: now,
            summary: format!(
                "objection {}: {} ({why})",
                o.registration_number,
                moved.join("; ")
            ),
            details,
        },
    )))
}

/// When a dispute on `o` filed on `file_day` came, against the window
/// (`window`, from [`dispute_window`] on `file_day`): within it, late, or
/// before it opened. One dispute per objection; the Komisi Informasi
/// decides admissibility, so nothing else is refused.
pub fn check_dispute_filing(
    o: &Objection,
    existing: Option<Uuid>,
    window: Option<Window>,
    file_day: Date,
) -> Result<FilingTiming> {
    if let Some(existing) = existing {
        return Err(Error::precondition(
            "DISPUTE_ALREADY_FILED",
            format!(
                "objection {} already went to the Komisi Informasi as disputes/{existing}",
                o.registration_number
            ),
        ));
    }
    if file_day < o.file_date {
        return Err(Error::invalid(
            "file_time",
            "is before the objection was filed",
        ));
    }
    Ok(match window {
        None => FilingTiming::Early,
        Some(w) if file_day > w.due => FilingTiming::Late,
        Some(_) => FilingTiming::WithinWindow,
    })
}

fn joined<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The request's history entry for a filed objection.
pub fn filed_event(o: &Objection) -> NewEvent {
    let grounds = joined(o.grounds.iter().map(|g| g.as_str()));
    let mut details = BTreeMap::new();
    details.insert("objection".to_string(), format!("objections/{}", o.id));
    details.insert(
        "objection_number".to_string(),
        o.registration_number.clone(),
    );
    details.insert("grounds".to_string(), grounds.clone());
    details.insert("answer_due_date".to_string(), o.answer_due_date.to_string());
    let mut summary = format!(
        "objection {} filed (Pasal 35(1) {grounds}); the atasan's answer is due {}",
        o.registration_number, o.answer_due_date
    );
    let flagged: Vec<String> = o
        .checks
        .iter()
        .filter(|c| c.admissibility != Admissibility::Admissible)
        .map(|c| format!("{} {}", c.ground.as_str(), c.admissibility.as_str()))
        .collect();
    if !flagged.is_empty() {
        details.insert("not_admissible".to_string(), flagged.join(","));
        summary.push_str(&format!(
            "; not admissible as computed: {}",
            flagged.join(", ")
        ));
    }
    NewEvent {
        kind: EventType::ObjectionFiled,
        event_time: o.file_time,
        summary,
        details,
    }
}

/// The request's history entry for the atasan's answer.
pub fn decided_event(o: &Objection, a: &ObjectionAnswer) -> NewEvent {
    let mut details = BTreeMap::new();
    details.insert("objection".to_string(), format!("objections/{}", o.id));
    details.insert("decision".to_string(), a.decision.as_str().to_string());
    details.insert("extent".to_string(), a.extent.as_str().to_string());
    details.insert("answered_on_time".to_string(), a.on_time.to_string());
    details.insert("superior_position".to_string(), a.superior_position.clone());
    let mut summary = format!(
        "objection {} {} {} by the atasan ({}){}",
        o.registration_number,
        a.decision.as_str(),
        a.extent.as_str(),
        a.superior_position,
        if a.on_time { "" } else { ", answered late" }
    );
    if a.decision == ObjectionDecision::Overturned {
        details.insert(
            "effect".to_string(),
            o.overturn_effect().as_str().to_string(),
        );
    }
    if let Some(due) = a.reopened_due_date {
        details.insert("due_date".to_string(), due.to_string());
        summary.push_str(&format!("; the request goes back to the PPID, due {due}"));
    }
    if let Some(fee) = a.corrected_fee_rupiah {
        details.insert("corrected_fee_rupiah".to_string(), fee.to_string());
        details.insert("refund_rupiah".to_string(), a.refund_rupiah.to_string());
        summary.push_str(&format!(
            "; the fee is corrected to Rp {fee} (refund Rp {})",
            a.refund_rupiah
        ));
    }
    NewEvent {
        kind: EventType::ObjectionDecided,
        event_time: a.decide_time,
        summary,
        details,
    }
}

/// The request's history entry for a dispute filed with the Komisi Informasi.
pub fn dispute_filed_event(o: &Objection, d: &Dispute) -> NewEvent {
    let mut details = BTreeMap::new();
    details.insert("dispute".to_string(), format!("disputes/{}", d.id));
    details.insert("objection".to_string(), format!("objections/{}", o.id));
    details.insert("window_due_date".to_string(), d.window_due.to_string());
    details.insert("filing_timing".to_string(), d.timing.as_str().to_string());
    let timing = match d.timing {
        FilingTiming::WithinWindow => String::new(),
        FilingTiming::Late => format!(
            " after its window closed on {} (the Komisi Informasi decides whether it is admissible)",
            d.window_due
        ),
        FilingTiming::Early => " before the atasan answered or the answer window passed (the \
             Komisi Informasi decides whether it is admissible)"
            .to_string(),
    };
    NewEvent {
        kind: EventType::DisputeFiled,
        event_time: d.file_time,
        summary: format!(
            "dispute filed with the Komisi Informasi on objection {}{timing}",
            o.registration_number
        ),
        details,
    }
}

/// A short English name of a ground.
pub fn describe(g: ObjectionGround) -> &'static str {
    use ObjectionGround as G;
    match g {
        G::Rejected => "rejected under Pasal 17",
        G::PeriodicNotProvided => "periodic information not provided",
        G::NotAnswered => "not answered",
        G::AnsweredOtherwise => "answered other than as requested",
        G::NotFulfilled => "not fulfilled",
        G::UnreasonableFee => "unreasonable fee",
        G::AnsweredLate => "answered late",
    }
}

#[cfg(test)]
#[path = "objection_tests.rs"]
mod tests;
