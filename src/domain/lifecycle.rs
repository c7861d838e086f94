//! The states of a request and the transitions UU KIP allows between them.
//!
//! ```text
//! Pending ──ReturnForCompletion──▶ AwaitingCompletion ──Resubmit──▶ Pending (clock restarts)
//! Pending ──Forward / Extend (once, by the original due date)──▶ Pending
//! Pending ──Respond──▶ Responded ──RecordDelivery (granted, partly granted)──▶ Delivered
//! Pending | AwaitingCompletion ──Withdraw──▶ Withdrawn
//! ```
use std::collections::BTreeMap;

use jiff::{Timestamp, civil::Date, tz::TimeZone};

use super::{
    AccessMethod, AgencyKind, DeliveryMethod, EventType, ExemptionLetter, Outcome, RequestState,
    agency::Agency,
    calendar::WorkingCalendar,
    deadline::{self, DeadlineRule},
    exemption::{self, Exemption},
    request::{self, Extension, FirstNotice, NewEvent, NewRequest, Notice, Request, Requester},
    tariff::{self, FeeLine, Tariff},
    time,
};
use crate::error::{Error, Result};

/// The notice as the PPID gives it.
#[derive(Debug, Clone)]
pub struct NoticeInput {
    /// Decision.
    pub outcome: Outcome,
    /// Text as sent.
    pub notice_text: String,
    /// Pasal 17 letters.
    pub exemption_letters: Vec<ExemptionLetter>,
    /// Parts withheld.
    pub withheld_parts: Option<String>,
    /// Body holding the information.
    pub holder: Option<String>,
    /// Fee.
    pub fee_rupiah: i64,
    /// The fee itemised against the agency's tariff (required when one is
    /// in force and a fee is charged).
    pub fee_items: Vec<FeeLine>,
    /// Payment method.
    pub payment_method: Option<String>,
    /// Delivery means.
    pub delivery_method: Option<DeliveryMethod>,
    /// Format.
    pub format: Option<String>,
    /// When given; `None` means now.
    pub notice_time: Option<Timestamp>,
    /// The day the information is to be delivered by; `None`: the default
    /// rule (see [`delivery_due`]).
    pub delivery_due_date: Option<Date>,
    /// The DIK entries cited, as (agency id, entry id); the caller resolves
    /// them into [`Context::cited`].
    pub exemptions: Vec<(String, uuid::Uuid)>,
}

/// A decision on a request.
#[derive(Debug, Clone)]
pub enum Command {
    /// Required data is missing: the clock pauses.
    ReturnForCompletion {
        /// What the requester must supply.
        missing_information: String,
    },
    /// The requester completed the request: the clock starts again.
    Resubmit {
        /// What was completed.
        note: Option<String>,
        /// Replacement requester data.
        requester: Option<Requester>,
        /// Replacement description.
        information_requested: Option<String>,
        /// Replacement purpose.
        purpose: Option<String>,
        /// When the completed request was received; `None` means now.
        resubmit_time: Option<Timestamp>,
    },
    /// To another agency of the same Pemda; the clock keeps running.
    Forward {
        /// The target agency.
        target: Agency,
        /// Why.
        reason: Option<String>,
    },
    /// Once, by the original due date, +7 working days (Pasal 22(8)).
    Extend {
        /// Written reason.
        reason: String,
        /// When the extension was given; `None` means now.
        extend_time: Option<Timestamp>,
    },
    /// The written notice (Pasal 22(7)).
    Respond(NoticeInput),
    /// The information was handed over.
    RecordDelivery {
        /// When; `None` means now.
        deliver_time: Option<Timestamp>,
        /// Note.
        note: Option<String>,
    },
    /// The requester withdrew.
    Withdraw {
        /// Reason.
        reason: Option<String>,
    },
    /// The requester received the written notice on this agency-local day.
    RecordNoticeReceipt {
        /// The day.
        receipt_date: Date,
    },
}

/// The kind of a [`Command`], for the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    /// [`Command::ReturnForCompletion`].
    ReturnForCompletion,
    /// [`Command::Resubmit`].
    Resubmit,
    /// [`Command::Forward`].
    Forward,
    /// [`Command::Extend`].
    Extend,
    /// [`Command::Respond`].
    Respond,
    /// [`Command::RecordDelivery`].
    RecordDelivery,
    /// [`Command::Withdraw`].
    Withdraw,
    /// [`Command::RecordNoticeReceipt`].
    RecordNoticeReceipt,
}

impl CommandKind {
    /// Every kind.
    pub const ALL: [CommandKind; 8] = [
        Self::ReturnForCompletion,
        Self::Resubmit,
        Self::Forward,
        Self::Extend,
        Self::Respond,
        Self::RecordDelivery,
        Self::Withdraw,
        Self::RecordNoticeReceipt,
    ];

    fn verb(self) -> &'static str {
        match self {
            Self::ReturnForCompletion => "returned for completion",
            Self::Resubmit => "resubmitted",
            Self::Forward => "forwarded",
            Self::Extend => "extended",
            Self::Respond => "answered",
            Self::RecordDelivery => "marked delivered",
            Self::Withdraw => "withdrawn",
            Self::RecordNoticeReceipt => "marked as received by the requester",
        }
    }
}

impl Command {
    /// Its kind.
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::ReturnForCompletion { .. } => CommandKind::ReturnForCompletion,
            Self::Resubmit { .. } => CommandKind::Resubmit,
            Self::Forward { .. } => CommandKind::Forward,
            Self::Extend { .. } => CommandKind::Extend,
            Self::Respond(_) => CommandKind::Respond,
            Self::RecordDelivery { .. } => CommandKind::RecordDelivery,
            Self::Withdraw { .. } => CommandKind::Withdraw,
            Self::RecordNoticeReceipt { .. } => CommandKind::RecordNoticeReceipt,
        }
    }
}

/// The state table: which commands each state accepts at all. Further rules
/// (extend once, in time; deliver only what was granted) are in [`apply`].
pub fn allowed(state: RequestState, kind: CommandKind) -> bool {
    use CommandKind as K;
    use RequestState as S;
    match state {
        S::Pending => matches!(
            kind,
            K::ReturnForCompletion | K::Forward | K::Extend | K::Respond | K::Withdraw
        ),
        S::AwaitingCompletion => matches!(kind, K::Resubmit | K::Withdraw),
        S::Responded => matches!(kind, K::RecordDelivery | K::RecordNoticeReceipt),
        S::Delivered => kind == K::RecordNoticeReceipt,
        S::Withdrawn => false,
    }
}

/// What the request needs to apply a command: the time, the handling
/// agency with its zone and calendar, and for a notice the DIK entries it cites.
pub struct Context<'a> {
    /// Now.
    pub now: Timestamp,
    /// The handling agency.
    pub agency: &'a Agency,
    /// The handling agency's zone.
    pub tz: &'a TimeZone,
    /// The handling agency's working-day calendar.
    pub calendar: &'a WorkingCalendar,
    /// The DIK entries a notice cites (resolved by the caller).
    pub cited: &'a [Exemption],
    /// Deployment setting: a withholding may rest on a Pasal 17 letter
    /// without a DIK entry (flagged).
    pub allow_unregistered_exemption: bool,
    /// Deployment setting: working days after receipt within which a
    /// request may be returned for completion (see
    /// [`DEFAULT_COMPLETION_WINDOW`]).
    pub completion_window_working_days: i32,
    /// Deployment setting: working days after the notice to deliver the
    /// information when the notice sets no date (see [`delivery_due`]).
    pub delivery_working_days: i32,
    /// The fee tariffs of the handling agency and the agencies above it,
    /// every version (the one in force on the notice day applies).
    pub tariffs: &'a [Tariff],
}

/// Working days to copy and send the information after a notice that
/// sets no delivery date, when the notice comes late in the response period.
pub const DEFAULT_DELIVERY_WORKING_DAYS: i32 = 3;

/// The day information granted on `notice_day` must be delivered by, when
/// the notice sets none: the request's lawful due date (Pasal 22(7) expects
/// the information within the response period), but never fewer than
/// `working_days` after the notice, to copy and send it. Leans towards the
/// requester: most notices come well within the period.
pub fn delivery_due(
    calendar: &WorkingCalendar,
    notice_day: Date,
    due_date: Date,
    working_days: i32,
) -> Result<Date> {
    let min = deadline::add_working_days(calendar, notice_day, working_days)
        .map_err(|e| Error::precondition("OUT_OF_CALENDAR", e.to_string()))?
        .due;
    Ok(due_date.max(min))
}

/// Working days after receipt within which the PPID may return a request
/// for completion. UU KIP sets no number; three leans towards the
/// requester: checking that a request names the information and the
/// requester needs no search, and a later return would pause a clock the
/// PPID is already running out (the clock restarts on resubmission), so it
/// could be used to buy time. Counted from the first receipt: a request
/// resubmitted after the window cannot be returned again, only answered.
pub const DEFAULT_COMPLETION_WINDOW: i32 = 3;

/// The response clock started on `start`: original due date, due date and
/// the instant it is missed.
#[derive(Clone, Copy)]
pub struct Clock {
    /// 10 working days after `start`.
    pub original_due: Date,
    /// With the extension when there is one.
    pub due: Date,
    /// First instant past `due`.
    pub due_end: Timestamp,
}

/// Runs the response clock from `start`, extended when `extended`.
pub fn run_clock(
    calendar: &WorkingCalendar,
    tz: &TimeZone,
    start: Date,
    extended: bool,
) -> Result<Clock> {
    let original = deadline::compute(calendar, start, DeadlineRule::Response)
        .map_err(|e| Error::invalid("receive_time", e.to_string()))?;
    let due = if extended {
        deadline::extend(calendar, original.due)
            .map_err(|e| Error::invalid("receive_time", e.to_string()))?
            .due
    } else {
        original.due
    };
    let due_end = time::end_of_day(due, tz)
        .ok_or_else(|| Error::invalid("receive_time", "due date out of range"))?;
    Ok(Clock {
        original_due: original.due,
        due,
        due_end,
    })
}

/// Registers a new request (UU KIP Pasal 22(4)): its number, its clock
/// started on the agency-local day of receipt `start`, and the Submitted
/// event of its history. `seq` is the next number of the Pemda's register
/// for `start`'s year.
#[allow(clippy::too_many_arguments)]
pub fn register(
    new: NewRequest,
    agency: &Agency,
    receive_time: Timestamp,
    start: Date,
    clock: Clock,
    seq: i64,
    now: Timestamp,
) -> (Request, NewEvent) {
    let request = Request {
        id: new.id,
        registration_number: request::registration_number(&agency.pemda_id, start.year(), seq),
        agency_id: agency.id.clone(),
        receiving_agency_id: agency.id.clone(),
        pemda_id: agency.pemda_id.clone(),
        requester: new.requester,
        information_requested: new.information_requested,
        purpose: new.purpose,
        access_method: new.access_method,
        copy_form: new.copy_form,
        delivery_method: new.delivery_method,
        channel: new.channel,
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
        create_time: now,
        update_time: now,
        return_time: None,
        notice_receipt_date: None,
        first_notice: None,
        personal_information_basis: new.personal_information_basis,
        version: 1,
    };
    let mut details = BTreeMap::new();
    details.insert("agency".to_string(), format!("agencies/{}", agency.id));
    details.insert("channel".to_string(), request.channel.as_str().to_string());
    details.insert("clock_start_date".to_string(), start.to_string());
    details.insert("due_date".to_string(), clock.due.to_string());
    details.insert(
        "registration_number".to_string(),
        request.registration_number.clone(),
    );
    let event = NewEvent {
        kind: EventType::Submitted,
        event_time: receive_time,
        summary: format!(
            "registered as {}, due {}",
            request.registration_number, clock.due
        ),
        details,
    };
    (request, event)
}

/// A holiday added or removed on `day` changes a running clock only when
/// `day` turned from a working day into a non-working one (or back) and lies
/// within (clock start, due date]: each due date then moves by exactly one
/// working day. Shifting (never recounting from the clock start) keeps the
/// days counted under an earlier agency's calendar when the request was
/// forwarded. `None` when nothing moves.
pub fn reschedule(
    req: &Request,
    day: Date,
    before: &WorkingCalendar,
    after: &WorkingCalendar,
    tz: &TimeZone,
) -> Result<Option<Clock>> {
    let (Some(original), Some(due)) = (req.original_due_date, req.due_date) else {
        return Ok(None);
    };
    let was = before.is_working_day(day);
    let is = after.is_working_day(day);
    if was == is || day <= req.clock_start_date || day > due {
        return Ok(None);
    }
    let shift = |d: Date| -> Result<Date> {
        if day > d {
            return Ok(d);
        }
        let mut next = d;
        // A year has far fewer than 400 consecutive non-working days.
        for _ in 0..400 {
            next = if is {
                next.yesterday()
            } else {
                next.tomorrow()
            }
            .map_err(|e| Error::precondition("OUT_OF_CALENDAR", e.to_string()))?;
            if after.is_working_day(next) {
                return Ok(next);
            }
        }
        Err(Error::precondition(
            "OUT_OF_CALENDAR",
            "no working day within 400 days",
        ))
    };
    let original_due = shift(original)?;
    let due = shift(due)?;
    let due_end = time::end_of_day(due, tz)
        .ok_or_else(|| Error::precondition("OUT_OF_CALENDAR", "due date out of range"))?;
    Ok(Some(Clock {
        original_due,
        due,
        due_end,
    }))
}

/// The request with its running clock moved to `clock` by a calendar
/// change on `day` (`why`: the change, for people), and the event that
/// records it. The extension runs from the original due date, which moved
/// too.
pub fn move_clock(
    req: &Request,
    clock: Clock,
    day: Date,
    why: &str,
    now: Timestamp,
) -> (Request, NewEvent) {
    let mut next = req.clone();
    next.original_due_date = Some(clock.original_due);
    next.due_date = Some(clock.due);
    next.due_end_time = Some(clock.due_end);
    if let Some(ext) = next.extension.as_mut() {
        ext.previous_due_date = clock.original_due;
    }
    next.version += 1;
    next.update_time = now;
    let previous = req.due_date.map(|d| d.to_string()).unwrap_or_default();
    let mut details = BTreeMap::new();
    details.insert("previous_due_date".to_string(), previous.clone());
    details.insert("due_date".to_string(), clock.due.to_string());
    details.insert("holiday_date".to_string(), day.to_string());
    details.insert("reason".to_string(), why.to_string());
    let event = NewEvent {
        kind: EventType::DueDateChanged,
        event_time: now,
        summary: format!("due date moved from {previous} to {} ({why})", clock.due),
        details,
    };
    (next, event)
}

/// An objection overturned by the atasan sends the request back to the PPID:
/// the clock runs again from `day` (the decision) for `working_days` (a
/// policy setting: the law gives the atasan's order no period), with no
/// extension. The first notice moves to `first_notice`, kept for good.
pub fn reopen(
    req: &Request,
    day: Date,
    working_days: i32,
    calendar: &WorkingCalendar,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<Request> {
    if req.state == RequestState::Withdrawn {
        return Err(Error::precondition(
            "REQUEST_WITHDRAWN",
            format!("request {} was withdrawn", req.registration_number),
        ));
    }
    let due = deadline::add_working_days(calendar, day, working_days)
        .map_err(|e| Error::precondition("OUT_OF_CALENDAR", e.to_string()))?
        .due;
    let due_end = time::end_of_day(due, tz)
        .ok_or_else(|| Error::precondition("OUT_OF_CALENDAR", "due date out of range"))?;
    let mut next = req.clone();
    // The first written notice is never erased: the figures judge the
    // request by it and count the new answer separately.
    if next.first_notice.is_none()
        && let Some(n) = next.notice.take()
    {
        next.first_notice = Some(FirstNotice {
            notice: n,
            due_date: req.due_date,
            original_due_date: req.original_due_date,
            receipt_date: req.notice_receipt_date,
        });
    }
    next.notice = None;
    next.notice_receipt_date = None;
    next.state = RequestState::Pending;
    next.clock_start_date = day;
    next.original_due_date = Some(due);
    next.due_date = Some(due);
    next.due_end_time = Some(due_end);
    next.extension = None;
    next.deliver_time = None;
    next.deliver_working_days = None;
    next.version += 1;
    next.update_time = now;
    Ok(next)
}

/// Records when the requester received the written notice (e.g. by post),
/// on `receipt_date` (agency-local), judged on `today`. Windows the law
/// counts from receipt (an objection on grounds a and f) then run from it.
/// Recording it again corrects it; the event says what it replaced.
pub fn record_notice_receipt(
    req: &Request,
    receipt_date: Date,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<(Request, NewEvent)> {
    let Some(n) = &req.notice else {
        return Err(Error::precondition(
            "NOT_ANSWERED",
            format!(
                "request {} has no written notice to receive",
                req.registration_number
            ),
        ));
    };
    let notice_day = time::local_date(n.notice_time, tz);
    if receipt_date < notice_day {
        return Err(Error::invalid(
            "receipt_date",
            format!("is before the written notice of {notice_day}"),
        ));
    }
    if receipt_date > time::local_date(now, tz) {
        return Err(Error::invalid("receipt_date", "is in the future"));
    }
    let mut next = req.clone();
    next.notice_receipt_date = Some(receipt_date);
    next.version += 1;
    next.update_time = now;
    let mut details = BTreeMap::new();
    details.insert("receipt_date".to_string(), receipt_date.to_string());
    let mut summary = format!("the requester received the written notice on {receipt_date}");
    if let Some(prev) = req.notice_receipt_date {
        details.insert("previous_receipt_date".to_string(), prev.to_string());
        summary.push_str(&format!(" (corrected from {prev})"));
    }
    Ok((
        next,
        NewEvent {
            kind: EventType::NoticeReceived,
            event_time: now,
            summary,
            details,
        },
    ))
}

/// UU KIP Pasal 21 allows only a light fee (biaya ringan), which pays for
/// copies; its explanation and Perki 1/2021 make seeing and reading
/// information free. So no fee on a request to inspect, and none on a notice
/// that gives nothing (a refusal, information not held or not documented).
fn check_fee(req: &Request, n: &NoticeInput) -> Result<()> {
    if n.fee_rupiah <= 0 {
        return Ok(());
    }
    if !n.outcome.gives_information() {
        return Err(Error::invalid(
            "notice.fee_rupiah",
            format!(
                "a notice that gives no information ({}) carries no fee",
                n.outcome
            ),
        ));
    }
    if req.access_method == AccessMethod::Inspect {
        return Err(Error::invalid(
            "notice.fee_rupiah",
            "inspecting information (melihat dan mengetahui) is free; a fee pays only for copies (Pasal 21)",
        ));
    }
    Ok(())
}

/// A step's effective time, entered after the fact from a paper register:
/// never in the future, never before `after` (the previous step, `what`).
fn effective_time(
    field: &str,
    given: Option<Timestamp>,
    now: Timestamp,
    after: Timestamp,
    what: &str,
) -> Result<Timestamp> {
    let t = given.unwrap_or(now);
    if t > now {
        return Err(Error::invalid(field, "is in the future"));
    }
    if t < after {
        return Err(Error::invalid(field, format!("is before {what}")));
    }
    Ok(t)
}

/// The agency-local day of `at`, a step on the running clock: never before
/// the day the clock started.
fn clock_day(field: &str, at: Timestamp, req: &Request, tz: &TimeZone) -> Result<Date> {
    let day = time::local_date(at, tz);
    if day < req.clock_start_date {
        return Err(Error::invalid(
            field,
            format!(
                "is before the day the clock started ({})",
                req.clock_start_date
            ),
        ));
    }
    Ok(day)
}

/// Applies `cmd` to `req`: the new projection and the event to append, or a
/// refusal. Pure: the caller stores both in one transaction.
pub fn apply(req: &Request, cmd: Command, ctx: &Context<'_>) -> Result<(Request, NewEvent)> {
    let kind = cmd.kind();
    if !allowed(req.state, kind) {
        return Err(Error::precondition(
            "TRANSITION_NOT_ALLOWED",
            format!(
                "request {} is {} and cannot be {}",
                req.registration_number,
                req.state,
                kind.verb()
            ),
        ));
    }
    let mut next = req.clone();
    next.version += 1;
    next.update_time = ctx.now;
    let mut details = BTreeMap::new();
    let today = time::local_date(ctx.now, ctx.tz);

    let (event_kind, event_time, summary) = match cmd {
        Command::ReturnForCompletion {
            missing_information,
        } => {
            if req.extension.is_some() {
                return Err(Error::precondition(
                    "ALREADY_EXTENDED",
                    "an extended request was accepted as complete and cannot be returned for completion",
                ));
            }
            if req.is_overdue(ctx.now) {
                return Err(Error::precondition(
                    "DUE_DATE_PASSED",
                    "the due date has passed; the clock cannot be paused any more",
                ));
            }
            let received = time::local_date(req.receive_time, ctx.tz);
            let last = deadline::add_working_days(
                ctx.calendar,
                received,
                ctx.completion_window_working_days,
            )
            .map_err(|e| Error::precondition("OUT_OF_CALENDAR", e.to_string()))?
            .due;
            if today > last {
                return Err(Error::precondition(
                    "COMPLETION_WINDOW_PASSED",
                    format!(
                        "a request may be returned for completion only within {} working days \
                         of its receipt on {received} (until {last}); answer it instead",
                        ctx.completion_window_working_days
                    ),
                ));
            }
            details.insert("missing_information".into(), missing_information);
            if let Some(d) = req.due_date {
                details.insert("previous_due_date".into(), d.to_string());
            }
            next.state = RequestState::AwaitingCompletion;
            next.return_time = Some(ctx.now);
            next.original_due_date = None;
            next.due_date = None;
            next.due_end_time = None;
            (
                EventType::ReturnedForCompletion,
                ctx.now,
                "returned for completion; the clock is paused".to_string(),
            )
        }
        Command::Resubmit {
            note,
            requester,
            information_requested,
            purpose,
            resubmit_time,
        } => {
            // Awaiting completion, nothing else happens to a request: its
            // last change is the return.
            let at = effective_time(
                "resubmit_time",
                resubmit_time,
                ctx.now,
                req.return_time.unwrap_or(req.update_time),
                "the request was returned for completion",
            )?;
            let today = time::local_date(at, ctx.tz);
            let clock = run_clock(ctx.calendar, ctx.tz, today, false)?;
            next.state = RequestState::Pending;
            next.clock_start_date = today;
            next.original_due_date = Some(clock.original_due);
            next.due_date = Some(clock.due);
            next.due_end_time = Some(clock.due_end);
            let mut changed = Vec::new();
            if let Some(r) = requester {
                next.requester = r;
                changed.push("requester");
            }
            if let Some(i) = information_requested {
                next.information_requested = i;
                changed.push("information_requested");
            }
            if let Some(p) = purpose {
                next.purpose = p;
                changed.push("purpose");
            }
            if !changed.is_empty() {
                details.insert("completed_fields".into(), changed.join(","));
            }
            if let Some(n) = note {
                details.insert("note".into(), n);
            }
            details.insert("clock_start_date".into(), today.to_string());
            details.insert("due_date".into(), clock.due.to_string());
            (
                EventType::Resubmitted,
                at,
                format!("completed; the clock restarts, due {}", clock.due),
            )
        }
        Command::Forward { target, reason } => {
            if target.pemda_id != req.pemda_id {
                return Err(Error::precondition(
                    "FORWARD_OUTSIDE_PEMDA",
                    format!(
                        "agencies/{} belongs to Pemda {}, not to {}: a request is forwarded only within its Pemda",
                        target.id, target.pemda_id, req.pemda_id
                    ),
                ));
            }
            if !matches!(target.kind, AgencyKind::Opd | AgencyKind::Pemda) {
                return Err(Error::precondition(
                    "FORWARD_TARGET_NOT_PPID",
                    format!(
                        "agencies/{} is {}: a request is forwarded to an OPD or to the PPID Utama of the Pemda",
                        target.id, target.kind
                    ),
                ));
            }
            if target.id == req.agency_id {
                return Err(Error::precondition(
                    "FORWARD_TO_SAME_AGENCY",
                    format!("the request is already at agencies/{}", target.id),
                ));
            }
            details.insert("from_agency".into(), format!("agencies/{}", req.agency_id));
            details.insert("to_agency".into(), format!("agencies/{}", target.id));
            if let Some(r) = reason {
                details.insert("reason".into(), r);
            }
            next.agency_id = target.id.clone();
            (
                EventType::Forwarded,
                ctx.now,
                format!(
                    "forwarded from agencies/{} to agencies/{}; the clock keeps running",
                    req.agency_id, target.id
                ),
            )
        }
        Command::Extend {
            reason,
            extend_time,
        } => {
            // Judged against the due date on the day it was given.
            let at = effective_time(
                "extend_time",
                extend_time,
                ctx.now,
                req.receive_time,
                "the request was received",
            )?;
            let today = clock_day("extend_time", at, req, ctx.tz)?;
            if req.extension.is_some() {
                return Err(Error::precondition(
                    "ALREADY_EXTENDED",
                    "the deadline was already extended once; UU KIP Pasal 22(8) allows one extension",
                ));
            }
            let original = req
                .original_due_date
                .ok_or_else(|| anyhow::anyhow!("pending request without due date"))?;
            if today > original {
                return Err(Error::precondition(
                    "EXTENSION_TOO_LATE",
                    format!(
                        "an extension must be given by the original due date {original}, and it was given on {today}"
                    ),
                ));
            }
            // Seven working days after the recorded original due date, never
            // a recount from the clock start (the request may have been
            // forwarded to an agency with other regional holidays).
            let due = deadline::extend(ctx.calendar, original)
                .map_err(|e| Error::precondition("OUT_OF_CALENDAR", e.to_string()))?
                .due;
            let due_end = time::end_of_day(due, ctx.tz)
                .ok_or_else(|| Error::precondition("OUT_OF_CALENDAR", "due date out of range"))?;
            next.extension = Some(Extension {
                reason: reason.clone(),
                extend_time: at,
                previous_due_date: original,
            });
            next.due_date = Some(due);
            next.due_end_time = Some(due_end);
            details.insert("reason".into(), reason);
            details.insert("previous_due_date".into(), original.to_string());
            details.insert("due_date".into(), due.to_string());
            (
                EventType::Extended,
                at,
                format!("extended by 7 working days: due {due} instead of {original}"),
            )
        }
        Command::Respond(n) => {
            let notice_time = effective_time(
                "notice.notice_time",
                n.notice_time,
                ctx.now,
                req.receive_time,
                "the request was received",
            )?;
            let day = clock_day("notice.notice_time", notice_time, req, ctx.tz)?;
            check_fee(req, &n)?;
            let tariff = tariff::in_force(ctx.tariffs, &ctx.agency.path, day);
            let fee_items = tariff::price(tariff, n.fee_rupiah, &n.fee_items)?;
            let due = req
                .due_date
                .ok_or_else(|| anyhow::anyhow!("pending request without due date"))?;
            let basis = exemption::check_basis(
                n.outcome,
                &n.exemption_letters,
                ctx.cited,
                ctx.agency,
                day,
                ctx.allow_unregistered_exemption,
                req.personal_information_basis,
            )?;
            let taken = deadline::working_days_between(ctx.calendar, req.clock_start_date, day);
            let on_time = day <= due;
            let delivery_due_date = match (n.outcome.gives_information(), n.delivery_due_date) {
                (true, Some(d)) if d < day => {
                    return Err(Error::invalid(
                        "notice.delivery_due_date",
                        format!("is before the notice ({day})"),
                    ));
                }
                (true, Some(d)) => Some(d),
                (true, None) => Some(delivery_due(
                    ctx.calendar,
                    day,
                    due,
                    ctx.delivery_working_days,
                )?),
                (false, Some(_)) => {
                    return Err(Error::invalid(
                        "notice.delivery_due_date",
                        format!(
                            "a notice that gives no information ({}) delivers nothing",
                            n.outcome
                        ),
                    ));
                }
                (false, None) => None,
            };
            let delivery_due_end_time = delivery_due_date
                .map(|d| {
                    time::end_of_day(d, ctx.tz).ok_or_else(|| {
                        Error::invalid("notice.delivery_due_date", "is out of range")
                    })
                })
                .transpose()?;
            if let Some(d) = delivery_due_date {
                details.insert("delivery_due_date".into(), d.to_string());
            }
            details.insert("outcome".into(), n.outcome.as_str().into());
            details.insert("working_days_taken".into(), taken.to_string());
            details.insert("on_time".into(), on_time.to_string());
            details.insert("due_date".into(), due.to_string());
            if !basis.letters.is_empty() {
                let letters: Vec<_> = basis.letters.iter().map(|l| l.as_str()).collect();
                details.insert("exemption_letters".into(), letters.join(","));
            }
            if !basis.citations.is_empty() {
                let names: Vec<_> = basis.citations.iter().map(|c| c.name()).collect();
                details.insert("exemptions".into(), names.join(","));
            }
            if basis.unregistered {
                details.insert("unregistered_exemption_basis".into(), "true".into());
            }
            next.state = RequestState::Responded;
            next.notice = Some(Notice {
                outcome: n.outcome,
                notice_text: n.notice_text,
                exemption_letters: basis.letters,
                withheld_parts: n.withheld_parts,
                holder: n.holder,
                fee_rupiah: n.fee_rupiah,
                fee_items,
                fee_tariff: tariff.filter(|_| n.fee_rupiah > 0).map(Tariff::name),
                payment_method: n.payment_method,
                delivery_method: n.delivery_method,
                format: n.format,
                notice_time,
                working_days_taken: taken,
                on_time,
                citations: basis.citations,
                unregistered_basis: basis.unregistered,
                delivery_due_date,
                delivery_due_end_time,
            });
            let late = if on_time { "on time" } else { "late" };
            (
                EventType::Responded,
                notice_time,
                format!(
                    "written notice: {} after {taken} working day(s), {late}",
                    n.outcome
                ),
            )
        }
        Command::RecordDelivery { deliver_time, note } => {
            let notice = req
                .notice
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("responded request without notice"))?;
            if !notice.outcome.gives_information() {
                return Err(Error::precondition(
                    "NOTHING_TO_DELIVER",
                    format!(
                        "the notice was {}: no information is delivered",
                        notice.outcome
                    ),
                ));
            }
            let t = effective_time(
                "deliver_time",
                deliver_time,
                ctx.now,
                notice.notice_time,
                "the written notice",
            )?;
            let taken = deadline::working_days_between(
                ctx.calendar,
                req.clock_start_date,
                time::local_date(t, ctx.tz),
            );
            details.insert("working_days_since_clock_start".into(), taken.to_string());
            if let Some(n) = note {
                details.insert("note".into(), n);
            }
            let late = notice
                .delivery_due_date
                .filter(|due| time::local_date(t, ctx.tz) > *due);
            if let Some(due) = late {
                details.insert("delivered_late".into(), "true".into());
                details.insert("delivery_due_date".into(), due.to_string());
            }
            next.state = RequestState::Delivered;
            next.deliver_time = Some(t);
            next.deliver_working_days = Some(taken);
            (
                EventType::Delivered,
                t,
                match late {
                    Some(due) => format!(
                        "information delivered after {taken} working day(s), late (due {due})"
                    ),
                    None => format!("information delivered after {taken} working day(s)"),
                },
            )
        }
        Command::Withdraw { reason } => {
            if let Some(r) = reason {
                details.insert("reason".into(), r);
            }
            next.state = RequestState::Withdrawn;
            next.withdraw_time = Some(ctx.now);
            (
                EventType::Withdrawn,
                ctx.now,
                "withdrawn by the requester".to_string(),
            )
        }
        Command::RecordNoticeReceipt { receipt_date } => {
            return record_notice_receipt(req, receipt_date, ctx.tz, ctx.now);
        }
    };
    Ok((
        next,
        NewEvent {
            kind: event_kind,
            event_time,
            summary,
            details,
        },
    ))
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
