//! Objections to the atasan PPID (keberatan, UU KIP Pasal 35–36) and disputes
//! before the Komisi Informasi (sengketa, Pasal 37): which grounds a request
//! allows, when each arose, and the windows that follow.
use std::collections::BTreeMap;

use jiff::{Timestamp, civil::Date, tz::TimeZone};
use uuid::Uuid;

use super::{
    DecisionExtent, DisputeOutcome, EventType, ObjectionDecision, ObjectionGround, RequestState,
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
    /// The request.
    pub request_id: Uuid,
    /// The request's registration number.
    pub request_registration_number: String,
    /// The agency handling the request at filing.
    pub agency_id: String,
    /// Grounds.
    pub grounds: Vec<ObjectionGround>,
    /// The requester's statement.
    pub statement: String,
    /// Filed.
    pub file_time: Timestamp,
    /// Agency-local filing day.
    pub file_date: Date,
    /// The day each ground arose (same order as `grounds`).
    pub grounds_arose: Vec<Date>,
    /// The atasan's answer is due.
    pub answer_due_date: Date,
    /// The decision, once made.
    pub decision: Option<ObjectionAnswer>,
}

/// The atasan's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionAnswer {
    /// Upheld or overturned.
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
}

/// A stored dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// Id.
    pub id: Uuid,
    /// The objection.
    pub objection_id: Uuid,
    /// The request.
    pub request_id: Uuid,
    /// The Komisi Informasi's register number.
    pub commission_register_number: Option<String>,
    /// Filed.
    pub file_time: Timestamp,
    /// The day the filing window started from (answer day, or answer due date).
    pub window_start: Date,
    /// The window's last day.
    pub window_due: Date,
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

/// The day `ground` arose for `req`, or why the request does not allow it.
/// "Not answered" arises when the response deadline passes; "answered late"
/// (Pasal 35(1) g) when the late notice or the late information reaches the
/// requester (their days until receipt dates are recorded): before it, the
/// requester has nothing late to object to, only silence (ground c). d and
/// e arise from the notice or, once delivered, from the delivery.
pub fn ground_arose(
    ground: ObjectionGround,
    req: &Request,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<Date, String> {
    use ObjectionGround as G;
    // Judge the request as it stood at `now` (a filing may be entered late):
    // a notice given afterwards does not count yet.
    let notice = req.notice.as_ref().filter(|n| n.notice_time <= now);
    let notice_day = notice.map(|n| time::local_date(n.notice_time, tz));
    // The information handed over, as it stood at `now`.
    let delivery_day = req
        .deliver_time
        .filter(|t| *t <= now)
        .map(|t| time::local_date(t, tz));
    // d and e may lie in the notice or in what was delivered: the window
    // runs from the later of the two (towards the requester, who cannot
    // judge what was given before receiving it).
    let answer_day = notice_day.max(delivery_day);
    let past_due = req.due_end_time.is_some_and(|end| now >= end);
    match ground {
        G::NotAnswered => match (notice, req.due_date) {
            (Some(_), _) => Err(format!(
                "the request was answered on {}",
                notice_day.expect("notice has a day")
            )),
            (None, Some(due)) if past_due => Ok(due),
            (None, Some(due)) => Err(format!("the response is not late yet: it is due on {due}")),
            (None, None) => Err(
                "the request is awaiting completion by the requester; its clock is paused".into(),
            ),
        },
        G::AnsweredLate => match notice {
            Some(n) if !n.on_time => Ok(answer_day.expect("notice has a day")),
            // An answer on time whose information came after the due date.
            Some(_)
                if delivery_day
                    .zip(req.due_date)
                    .is_some_and(|(d, due)| d > due) =>
            {
                Ok(delivery_day.expect("delivered"))
            }
            Some(_) => Err("the request was answered by its due date".into()),
            None => Err("the request has not been answered (use ground c, not answered)".into()),
        },
        G::Rejected => match notice {
            Some(n) if n.outcome.withholds() => Ok(notice_day.expect("notice has a day")),
            Some(n) => Err(format!(
                "the notice was {}, not a rejection under Pasal 17",
                n.outcome
            )),
            None => Err("the request has not been answered".into()),
        },
        G::UnreasonableFee => match notice {
            Some(n) if n.fee_rupiah > 0 => Ok(notice_day.expect("notice has a day")),
            Some(_) => Err("the notice charged no fee".into()),
            None => Err("the request has not been answered".into()),
        },
        G::AnsweredOtherwise | G::NotFulfilled => match answer_day {
            Some(d) => Ok(d),
            None => Err("the request has not been answered".into()),
        },
        G::PeriodicNotProvided => match notice_day {
            Some(d) => Ok(d),
            None if ground == G::PeriodicNotProvided && past_due => {
                Ok(req.due_date.expect("overdue has a due date"))
            }
            None => Err("the request has not been answered".into()),
        },
    }
}

/// Checks a filing on `file_day`: every ground applies to the request and was
/// raised within 30 working days of arising. Returns each ground's window.
pub fn check_filing(
    grounds: &[ObjectionGround],
    req: &Request,
    tz: &TimeZone,
    calendar: &WorkingCalendar,
    file_time: Timestamp,
) -> Result<Vec<(ObjectionGround, Date, Deadline)>> {
    if req.state == RequestState::Withdrawn {
        return Err(Error::precondition(
            "REQUEST_WITHDRAWN",
            format!("request {} was withdrawn", req.registration_number),
        ));
    }
    let file_day = time::local_date(file_time, tz);
    let mut out = Vec::new();
    for &g in grounds {
        let arose = ground_arose(g, req, tz, file_time).map_err(|why| {
            Error::precondition(
                "GROUND_NOT_APPLICABLE",
                format!(
                    "ground {} (Pasal 35(1) {}) does not apply to request {}: {why}",
                    describe(g),
                    g.as_str(),
                    req.registration_number
                ),
            )
        })?;
        if arose > file_day {
            return Err(Error::precondition(
                "GROUND_NOT_APPLICABLE",
                format!(
                    "ground {} arose on {arose}, after the filing date {file_day}",
                    describe(g)
                ),
            ));
        }
        let window = deadline::compute(calendar, arose, DeadlineRule::ObjectionFiling)
            .map_err(|e| Error::invalid("file_time", e.to_string()))?;
        if file_day > window.due {
            return Err(Error::precondition(
                "OBJECTION_TOO_LATE",
                format!(
                    "ground {} arose on {arose}; an objection had to be filed within 30 working days, by {} (filed {file_day})",
                    describe(g),
                    window.due
                ),
            ));
        }
        out.push((g, arose, window));
    }
    Ok(out)
}

/// The answer to an objection filed on `file_day` is due 30 working days later.
pub fn answer_deadline(calendar: &WorkingCalendar, file_day: Date) -> Result<Deadline> {
    deadline::compute(calendar, file_day, DeadlineRule::ObjectionAnswer)
        .map_err(|e| Error::invalid("file_time", e.to_string()))
}

/// The window for a dispute: 14 working days from the answer, or, when the
/// atasan has not answered, from the day the answer window ended. `None`
/// while neither has happened by `today`.
pub fn dispute_window(
    calendar: &WorkingCalendar,
    o: &Objection,
    today: Date,
) -> Result<Option<Deadline>> {
    // An answer given after `today` does not open a window on `today`.
    let start = match &o.decision {
        Some(d) if d.decide_date <= today => d.decide_date,
        _ if today > o.answer_due_date => o.answer_due_date,
        _ => return Ok(None),
    };
    deadline::compute(calendar, start, DeadlineRule::DisputeFiling)
        .map(Some)
        .map_err(|e| Error::invalid("file_time", e.to_string()))
}

/// Number of an objection in the Pemda's register of objections.
pub fn registration_number(pemda_id: &str, year: i16, seq: i64) -> String {
    format!("{}/KEB/{year}/{seq:06}", pemda_id.to_ascii_uppercase())
}

/// A filing on `req` at `file_time`, while the objection numbered
/// `pending` (if any) on the same request awaits the atasan's answer: one
/// objection at a time, and none before the request was received.
pub fn check_new_filing(req: &Request, pending: Option<&str>, file_time: Timestamp) -> Result<()> {
    if let Some(number) = pending {
        return Err(Error::precondition(
            "OBJECTION_PENDING",
            format!("objection {number} on this request awaits the atasan's answer"),
        ));
    }
    if file_time < req.receive_time {
        return Err(Error::invalid(
            "file_time",
            "is before the request was received",
        ));
    }
    Ok(())
}

/// The atasan answers an objection once (Pasal 36), not before it was filed.
pub fn check_decision(o: &Objection, decide_time: Timestamp) -> Result<()> {
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
    Ok(())
}

/// A dispute on `o` filed on `file_day` (Pasal 37(2)): one per objection,
/// after the answer or its window, within 14 working days (`window`, from
/// [`dispute_window`] on `file_day`). Returns the window.
pub fn check_dispute_filing(
    o: &Objection,
    existing: Option<Uuid>,
    window: Option<Deadline>,
    file_day: Date,
) -> Result<Deadline> {
    if let Some(existing) = existing {
        return Err(Error::precondition(
            "DISPUTE_ALREADY_FILED",
            format!(
                "objection {} already went to the Komisi Informasi as disputes/{existing}",
                o.registration_number
            ),
        ));
    }
    let Some(window) = window else {
        return Err(Error::precondition(
            "OBJECTION_NOT_DECIDED",
            format!(
                "objection {} has not been answered and its answer is due on {}: a dispute can be \
                 filed after the answer, or after that date",
                o.registration_number, o.answer_due_date
            ),
        ));
    };
    if file_day < window.start {
        return Err(Error::invalid("file_time", "is before the atasan's answer"));
    }
    if file_day > window.due {
        return Err(Error::precondition(
            "DISPUTE_TOO_LATE",
            format!(
                "a dispute had to be filed within 14 working days after {}, by {} (filed {file_day})",
                window.start, window.due
            ),
        ));
    }
    Ok(window)
}

/// The Komisi Informasi's decision is recorded once, dated between the
/// dispute's filing (`filed`, agency-local) and `today`.
pub fn check_settlement(d: &Dispute, s: &Settlement, filed: Date, today: Date) -> Result<()> {
    if let Some(prev) = &d.settlement {
        return Err(Error::precondition(
            "ALREADY_SETTLED",
            format!(
                "disputes/{} was already settled ({}, {})",
                d.id, prev.outcome, prev.decision_number
            ),
        ));
    }
    if s.decision_date < filed {
        return Err(Error::invalid(
            "decision_date",
            "is before the dispute was filed",
        ));
    }
    if s.decision_date > today {
        return Err(Error::invalid("decision_date", "is in the future"));
    }
    Ok(())
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
    NewEvent {
        kind: EventType::ObjectionFiled,
        event_time: o.file_time,
        summary: format!(
            "objection {} filed (Pasal 35(1) {grounds}); the atasan's answer is due {}",
            o.registration_number, o.answer_due_date
        ),
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
    if let Some(due) = a.reopened_due_date {
        details.insert("due_date".to_string(), due.to_string());
        summary.push_str(&format!("; the request goes back to the PPID, due {due}"));
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
    NewEvent {
        kind: EventType::DisputeFiled,
        event_time: d.file_time,
        summary: format!(
            "dispute filed with the Komisi Informasi on objection {}",
            o.registration_number
        ),
        details,
    }
}

/// The request's history entry for the Komisi Informasi's decision.
pub fn settled_event(d: &Dispute, s: &Settlement, now: Timestamp) -> NewEvent {
    let mut details = BTreeMap::new();
    details.insert("dispute".to_string(), format!("disputes/{}", d.id));
    details.insert("outcome".to_string(), s.outcome.as_str().to_string());
    details.insert("decision_number".to_string(), s.decision_number.clone());
    details.insert("decision_date".to_string(), s.decision_date.to_string());
    NewEvent {
        kind: EventType::DisputeSettled,
        event_time: now,
        summary: format!(
            "dispute settled by the Komisi Informasi: {} ({})",
            s.outcome, s.decision_number
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
