//! A dispute's life before the Komisi Informasi and the courts (UU KIP
//! Pasal 37-50; Perki 1/2013): registration, mediation, adjudication, the
//! decision and the agency's compliance, appeal to the PTUN or the PN, and
//! cassation to the Mahkamah Agung. Steps come in the law's order; an
//! impossible order (a decision before mediation or hearings, a court
//! decision before an appeal) is refused. Late appeals are recorded and
//! flagged: the court decides admissibility.
use std::collections::BTreeMap;

use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use super::{
    Court, CourtOutcome, DisputeOutcome, DisputeStage, EventType, Party,
    calendar::WorkingCalendar,
    deadline,
    objection::{Dispute, Settlement, Window},
    request::NewEvent,
};
use crate::error::{Error, Result};

/// Working days to comply with a final decision that states no date (a
/// policy setting; the PPID's own response period, Pasal 22(7)).
pub const DEFAULT_COMPLIANCE_WORKING_DAYS: i32 = 10;
/// Working days to appeal a Komisi Informasi decision, from its receipt
/// (Pasal 48(1)).
pub const APPEAL_WORKING_DAYS: i32 = 14;
/// Days (calendar days) to file cassation, from the court decision's
/// receipt (Pasal 50).
pub const CASSATION_DAYS: i64 = 14;

/// One step, as the caller reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DisputeStep {
    /// The Komisi Informasi registered the dispute under its number.
    Registration {
        /// Day.
        date: Date,
        /// The register number.
        register_number: String,
    },
    /// Mediation began.
    MediationStart {
        /// Day.
        date: Date,
    },
    /// Mediation ended, with an agreement or without.
    MediationEnd {
        /// Day.
        date: Date,
        /// An agreement was reached (it becomes the decision).
        agreement: bool,
        /// Note.
        note: Option<String>,
    },
    /// An adjudication hearing (sidang ajudikasi).
    Hearing {
        /// Day.
        date: Date,
        /// Note.
        note: Option<String>,
    },
    /// The Komisi Informasi's decision (putusan), or the settlement.
    Decision {
        /// Day of the decision.
        date: Date,
        /// Outcome.
        outcome: DisputeOutcome,
        /// Decision (or agreement) number.
        number: String,
        /// Summary.
        summary: Option<String>,
        /// When the agency received it (the appeal window runs from it);
        /// the decision's day when not given.
        receipt_date: Option<Date>,
        /// The day the agency must comply by, as the decision states.
        compliance_due_date: Option<Date>,
    },
    /// The agency complied with the decision.
    Compliance {
        /// Day.
        date: Date,
        /// What was done.
        note: Option<String>,
    },
    /// An appeal (keberatan) to the PTUN or the PN (Pasal 47-48).
    Appeal {
        /// Day filed.
        date: Date,
        /// Court.
        court: Court,
        /// Who appealed.
        appellant: Party,
    },
    /// The court's decision.
    CourtDecision {
        /// Day.
        date: Date,
        /// Outcome.
        outcome: CourtOutcome,
        /// Case number.
        number: String,
        /// When received (the cassation window runs from it); the
        /// decision's day when not given.
        receipt_date: Option<Date>,
    },
    /// Cassation to the Mahkamah Agung (Pasal 50).
    Cassation {
        /// Day filed.
        date: Date,
        /// Who filed.
        appellant: Party,
    },
    /// The Mahkamah Agung's decision.
    CassationDecision {
        /// Day.
        date: Date,
        /// Outcome.
        outcome: CourtOutcome,
        /// Case number.
        number: String,
    },
}

impl DisputeStep {
    /// The day it happened.
    pub fn date(&self) -> Date {
        use DisputeStep as S;
        match self {
            S::Registration { date, .. }
            | S::MediationStart { date }
            | S::MediationEnd { date, .. }
            | S::Hearing { date, .. }
            | S::Decision { date, .. }
            | S::Compliance { date, .. }
            | S::Appeal { date, .. }
            | S::CourtDecision { date, .. }
            | S::Cassation { date, .. }
            | S::CassationDecision { date, .. } => *date,
        }
    }

    /// Its storage name.
    pub fn kind(&self) -> &'static str {
        use DisputeStep as S;
        match self {
            S::Registration { .. } => "registration",
            S::MediationStart { .. } => "mediation_start",
            S::MediationEnd { .. } => "mediation_end",
            S::Hearing { .. } => "hearing",
            S::Decision { .. } => "decision",
            S::Compliance { .. } => "compliance",
            S::Appeal { .. } => "appeal",
            S::CourtDecision { .. } => "court_decision",
            S::Cassation { .. } => "cassation",
            S::CassationDecision { .. } => "cassation_decision",
        }
    }
}

/// A step as recorded: with the window it was filed against (appeal,
/// cassation) and whether it came late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedStep {
    /// The step.
    pub step: DisputeStep,
    /// When it was recorded.
    pub record_time: Timestamp,
    /// For an appeal or cassation: the window it was filed against.
    pub window_start: Option<Date>,
    /// Its last day.
    pub window_due: Option<Date>,
    /// Filed after the window (recorded all the same).
    pub late: bool,
}

impl Dispute {
    /// Where the dispute stands, from its steps.
    pub fn stage(&self) -> DisputeStage {
        use DisputeStage as St;
        let mut stage = if self.settlement.is_some() {
            St::Decided
        } else {
            St::Registered
        };
        for s in &self.steps {
            stage = match (&s.step, stage) {
                (DisputeStep::MediationStart { .. }, _) => St::Mediation,
                (
                    DisputeStep::MediationEnd {
                        agreement: false, ..
                    },
                    _,
                ) => St::MediationFailed,
                (DisputeStep::Hearing { .. }, _) => St::Adjudication,
                (DisputeStep::Decision { .. }, _) => St::Decided,
                (DisputeStep::Appeal { .. }, _) => St::Appealed,
                (DisputeStep::CourtDecision { .. }, _) => St::CourtDecided,
                (DisputeStep::Cassation { .. }, _) => St::Cassation,
                (DisputeStep::CassationDecision { .. }, _) => St::CassationDecided,
                (_, st) => st,
            };
        }
        stage
    }

    fn find<T>(&self, f: impl Fn(&RecordedStep) -> Option<T>) -> Option<T> {
        self.steps.iter().rev().find_map(f)
    }

    fn mediation_agreed(&self) -> bool {
        self.steps.iter().any(|s| {
            matches!(
                s.step,
                DisputeStep::MediationEnd {
                    agreement: true,
                    ..
                }
            )
        })
    }

    /// The day the agency must comply with the decision, when it orders
    /// something (granted, partly granted, settled by mediation).
    pub fn compliance_due_date(&self) -> Option<Date> {
        self.find(|s| match &s.step {
            DisputeStep::Decision {
                compliance_due_date,
                ..
            } => *compliance_due_date,
            _ => None,
        })
    }

    /// The day the agency complied, when recorded.
    pub fn complied_date(&self) -> Option<Date> {
        self.find(|s| match &s.step {
            DisputeStep::Compliance { date, .. } => Some(*date),
            _ => None,
        })
    }

    /// Past its compliance date, not complied, and not before a court.
    pub fn compliance_overdue(&self, today: Date) -> bool {
        let in_court = matches!(
            self.stage(),
            DisputeStage::Appealed | DisputeStage::Cassation
        );
        !in_court
            && self.complied_date().is_none()
            && self.compliance_due_date().is_some_and(|due| today > due)
    }

    /// The window to appeal the Komisi Informasi's decision, once decided.
    pub fn appeal_window(&self) -> Option<Window> {
        self.find(|s| match (&s.step, s.window_start, s.window_due) {
            (DisputeStep::Decision { .. }, Some(start), Some(due)) => Some(Window { start, due }),
            _ => None,
        })
    }

    /// The window to file cassation, once a court decided.
    pub fn cassation_window(&self) -> Option<Window> {
        self.find(|s| match (&s.step, s.window_start, s.window_due) {
            (DisputeStep::CourtDecision { .. }, Some(start), Some(due)) => {
                Some(Window { start, due })
            }
            _ => None,
        })
    }
}

fn out_of_order(d: &Dispute, step: &DisputeStep, why: &str) -> Error {
    Error::precondition(
        "DISPUTE_STEP_OUT_OF_ORDER",
        format!(
            "disputes/{} is {}: a {} cannot be recorded now ({why})",
            d.id,
            d.stage(),
            step.kind().replace('_', " ")
        ),
    )
}

/// Applies `step` to `d` (filed on `filed`, agency-local), judged on
/// `today`: checks the order and the dates, computes the appeal and
/// cassation windows. `compliance_working_days` is the default period to
/// comply after the decision becomes final (a policy setting).
pub fn apply(
    d: &Dispute,
    step: DisputeStep,
    filed: Date,
    today: Date,
    calendar: &WorkingCalendar,
    compliance_working_days: i32,
    now: Timestamp,
) -> Result<(Dispute, NewEvent)> {
    use DisputeStage as St;
    use DisputeStep as S;
    let date = step.date();
    if date > today {
        return Err(Error::invalid("step.date", "is in the future"));
    }
    let last = d.steps.last().map_or(filed, |s| s.step.date());
    if date < last {
        return Err(Error::invalid(
            "step.date",
            format!("is before the dispute's previous step ({last})"),
        ));
    }
    let stage = d.stage();
    let decided = d.settlement.is_some();
    let mut window = None;
    let mut late = false;
    let mut settlement = None;
    match &step {
        S::Registration { .. } => {}
        S::MediationStart { .. } if stage == St::Registered && !decided => {}
        S::MediationStart { .. } => return Err(out_of_order(d, &step, "mediation comes first")),
        S::MediationEnd { .. } if stage == St::Mediation => {}
        S::MediationEnd { .. } => return Err(out_of_order(d, &step, "no mediation is running")),
        S::Hearing { .. }
            if matches!(
                stage,
                St::Registered | St::MediationFailed | St::Adjudication
            ) && !decided => {}
        S::Hearing { .. } => {
            return Err(out_of_order(
                d,
                &step,
                "adjudication follows registration or a failed mediation",
            ));
        }
        S::Decision {
            outcome,
            number,
            summary,
            receipt_date,
            compliance_due_date,
            ..
        } => {
            if decided {
                return Err(Error::precondition(
                    "ALREADY_SETTLED",
                    format!("disputes/{} was already decided", d.id),
                ));
            }
            use DisputeOutcome as O;
            let fits = match outcome {
                O::MediationAgreement => stage == St::Mediation || d.mediation_agreed(),
                O::AdjudicationGranted | O::AdjudicationPartlyGranted | O::AdjudicationRefused => {
                    stage == St::Adjudication
                }
                // The Komisi Informasi may dismiss or the requester withdraw
                // at any point before a decision.
                O::Inadmissible | O::Withdrawn => true,
            };
            if !fits {
                let why = match outcome {
                    O::MediationAgreement => "a mediated settlement needs a mediation",
                    _ => "an adjudication decision needs a hearing",
                };
                return Err(out_of_order(d, &step, why));
            }
            let receipt = receipt_date.unwrap_or(date);
            if receipt < date || receipt > today {
                return Err(Error::invalid(
                    "step.decision.receipt_date",
                    "must lie between the decision and today",
                ));
            }
            if compliance_due_date.is_some_and(|c| c < date) {
                return Err(Error::invalid(
                    "step.decision.compliance_due_date",
                    "is before the decision",
                ));
            }
            let orders = matches!(
                outcome,
                O::MediationAgreement | O::AdjudicationGranted | O::AdjudicationPartlyGranted
            );
            if compliance_due_date.is_some() && !orders {
                return Err(Error::invalid(
                    "step.decision.compliance_due_date",
                    format!("a decision that orders nothing ({outcome}) has no compliance date"),
                ));
            }
            let appeal = (*outcome != O::Withdrawn && *outcome != O::MediationAgreement)
                .then(|| deadline::add_working_days(calendar, receipt, APPEAL_WORKING_DAYS))
                .transpose()
                .map_err(|e| Error::precondition("OUT_OF_CALENDAR", e.to_string()))?
                .map(|a| Window {
                    start: receipt,
                    due: a.due,
                });
            window = appeal;
            settlement = Some(Settlement {
                outcome: *outcome,
                decision_date: date,
                decision_number: number.clone(),
                summary: summary.clone(),
            });
            // The default compliance date: the decision is final when the
            // appeal window closes (a mediated agreement at once), then the
            // agency has the set number of working days.
            let due = match (orders, compliance_due_date) {
                (true, None) => {
                    let final_day = appeal.map_or(date, |w| w.due);
                    Some(
                        deadline::add_working_days(calendar, final_day, compliance_working_days)
                            .map_err(|e| Error::precondition("OUT_OF_CALENDAR", e.to_string()))?
                            .due,
                    )
                }
                (_, given) => *given,
            };
            let step = S::Decision {
                date,
                outcome: *outcome,
                number: number.clone(),
                summary: summary.clone(),
                receipt_date: Some(receipt),
                compliance_due_date: due,
            };
            return finish(d, step, window, false, settlement, now);
        }
        S::Compliance { .. } => {
            if d.compliance_due_date().is_none() {
                return Err(out_of_order(
                    d,
                    &step,
                    "only a decision that orders disclosure is complied with",
                ));
            }
            if d.complied_date().is_some() {
                return Err(out_of_order(d, &step, "compliance was already recorded"));
            }
        }
        S::Appeal { .. } => {
            let Some(w) = d.appeal_window() else {
                return Err(out_of_order(
                    d,
                    &step,
                    "an appeal follows an adjudicated decision",
                ));
            };
            if stage != St::Decided {
                return Err(out_of_order(d, &step, "the decision was already appealed"));
            }
            late = date > w.due;
            window = Some(w);
        }
        S::CourtDecision { receipt_date, .. } => {
            if stage != St::Appealed {
                return Err(out_of_order(d, &step, "a court decides an appeal"));
            }
            let receipt = receipt_date.unwrap_or(date);
            if receipt < date || receipt > today {
                return Err(Error::invalid(
                    "step.court_decision.receipt_date",
                    "must lie between the decision and today",
                ));
            }
            let due = receipt
                .checked_add(jiff::Span::new().days(CASSATION_DAYS))
                .map_err(|e| Error::invalid("step.court_decision.receipt_date", e.to_string()))?;
            window = Some(Window {
                start: receipt,
                due,
            });
        }
        S::Cassation { .. } => {
            if stage != St::CourtDecided {
                return Err(out_of_order(d, &step, "cassation follows a court decision"));
            }
            let w = d.cassation_window().expect("a court decision has a window");
            late = date > w.due;
            window = Some(w);
        }
        S::CassationDecision { .. } => {
            if stage != St::Cassation {
                return Err(out_of_order(
                    d,
                    &step,
                    "the Mahkamah Agung decides a cassation",
                ));
            }
        }
    }
    finish(d, step, window, late, settlement, now)
}

fn finish(
    d: &Dispute,
    step: DisputeStep,
    window: Option<Window>,
    late: bool,
    settlement: Option<Settlement>,
    now: Timestamp,
) -> Result<(Dispute, NewEvent)> {
    let mut next = d.clone();
    if let DisputeStep::Registration {
        register_number, ..
    } = &step
    {
        next.commission_register_number = Some(register_number.clone());
    }
    let event = step_event(d, &step, window, late, now);
    if let Some(s) = settlement {
        next.settlement = Some(s);
    }
    next.steps.push(RecordedStep {
        step,
        record_time: now,
        window_start: window.map(|w| w.start),
        window_due: window.map(|w| w.due),
        late,
    });
    Ok((next, event))
}

fn step_event(
    d: &Dispute,
    step: &DisputeStep,
    window: Option<Window>,
    late: bool,
    now: Timestamp,
) -> NewEvent {
    use DisputeStep as S;
    let mut details = BTreeMap::new();
    details.insert("dispute".to_string(), format!("disputes/{}", d.id));
    details.insert("step".to_string(), step.kind().to_string());
    details.insert("date".to_string(), step.date().to_string());
    let summary = match step {
        S::Registration {
            register_number, ..
        } => format!("the Komisi Informasi registered the dispute as {register_number}"),
        S::MediationStart { date } => format!("mediation began on {date}"),
        S::MediationEnd {
            date, agreement, ..
        } => {
            details.insert("agreement".to_string(), agreement.to_string());
            if *agreement {
                format!("mediation reached an agreement on {date}")
            } else {
                format!("mediation failed on {date}; the dispute goes to adjudication")
            }
        }
        S::Hearing { date, .. } => format!("adjudication hearing on {date}"),
        S::Decision {
            outcome,
            number,
            compliance_due_date,
            ..
        } => {
            details.insert("outcome".to_string(), outcome.as_str().to_string());
            details.insert("decision_number".to_string(), number.clone());
            let mut s = format!("the Komisi Informasi decided: {outcome} ({number})");
            if let Some(c) = compliance_due_date {
                details.insert("compliance_due_date".to_string(), c.to_string());
                s.push_str(&format!("; the agency complies by {c}"));
            }
            s
        }
        S::Compliance { date, .. } => format!("the agency complied with the decision on {date}"),
        S::Appeal {
            court, appellant, ..
        } => {
            details.insert("court".to_string(), court.as_str().to_string());
            details.insert("appellant".to_string(), appellant.as_str().to_string());
            format!(
                "the {appellant} appealed to the {}",
                court.as_str().to_uppercase()
            )
        }
        S::CourtDecision {
            outcome, number, ..
        } => {
            details.insert("outcome".to_string(), outcome.as_str().to_string());
            format!("the court decided: {outcome} ({number})")
        }
        S::Cassation { appellant, .. } => {
            details.insert("appellant".to_string(), appellant.as_str().to_string());
            format!("the {appellant} filed cassation with the Mahkamah Agung")
        }
        S::CassationDecision {
            outcome, number, ..
        } => {
            details.insert("outcome".to_string(), outcome.as_str().to_string());
            format!("the Mahkamah Agung decided: {outcome} ({number})")
        }
    };
    let mut summary = summary;
    if let Some(w) = window {
        details.insert("window_due_date".to_string(), w.due.to_string());
    }
    if late {
        details.insert("late".to_string(), "true".to_string());
        summary.push_str(&format!(
            ", after its window closed on {} (the court decides whether it is admissible)",
            window.map(|w| w.due.to_string()).unwrap_or_default()
        ));
    }
    NewEvent {
        kind: if matches!(step, S::Decision { .. }) {
            EventType::DisputeSettled
        } else {
            EventType::DisputeStepRecorded
        },
        event_time: now,
        summary,
        details,
    }
}

#[cfg(test)]
#[path = "dispute_tests.rs"]
mod tests;
