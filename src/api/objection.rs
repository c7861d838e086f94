//! `ppid.v1.ObjectionService`: keberatan and sengketa.
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check, ProtoEnum, Text},
};
use crate::{
    app::{
        objections::{ObjectionDecisionInput, ObjectionFiling},
        worklist::Reckoner,
    },
    domain::{
        Court, CourtOutcome, DecisionExtent, DisputeOutcome, DisputeStage, FilingTiming,
        ObjectionDecision, ObjectionGround, Party,
        calendar::WorkingCalendar,
        deadline::{self, Deadline, DeadlineRule},
        dispute::{self, DisputeStep},
        objection::{self, Dispute, Objection},
        time,
    },
    error::{Error, Result},
    pb::ppid::v1::{self as pb, objection_service_server::ObjectionService},
    store::{DisputeFilter, ObjectionCursor, ObjectionFilter},
};

const TEXT_MAX: usize = 4000;
const LINE_MAX: usize = 200;

/// The objection service.
pub struct ObjectionApi(pub AppState);

/// A deadline with its explanation on the wire.
pub fn deadline_to_pb(rule: DeadlineRule, d: &Deadline) -> pb::Deadline {
    pb::Deadline {
        rule: rule.to_proto(),
        start_date: Some(convert::date(d.start)),
        due_date: Some(convert::date(d.due)),
        skipped_days: d
            .skipped
            .iter()
            .map(|s| pb::SkippedDay {
                date: Some(convert::date(s.date)),
                reason: s.reason.clone(),
            })
            .collect(),
        notes: d.notes.clone(),
        explanation: d.explanation(),
    }
}

impl ObjectionApi {
    /// The agency subtree a list reads: the one named (within the caller's
    /// reach), else the caller's own scope; a named request must be in reach.
    async fn list_scope(
        &self,
        caller: &Caller,
        agency: Option<String>,
        request: Option<Uuid>,
    ) -> Result<Option<crate::domain::agency::Agency>, Status> {
        let agency = match agency.or_else(|| caller.scope_agency()) {
            Some(a) => {
                let a = self.0.app.get_agency(&a).await?;
                caller.require_reach(&a)?;
                Some(a)
            }
            None => None,
        };
        if let Some(request) = request {
            caller.require_request(&self.0.access, request).await?;
        }
        Ok(agency)
    }

    /// An objection the caller may see and act on. Out of reach and
    /// missing give one answer to a scoped caller (AIP-211).
    async fn reachable_objection(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(crate::domain::objection::Objection, Vec<Uuid>), Status> {
        caller.conceal(
            async {
                let (o, d) = self.0.app.get_objection(id).await?;
                caller.require_agency(&self.0.access, &o.agency_id).await?;
                Ok((o, d))
            }
            .await,
        )
    }

    /// A dispute the caller may see and act on (through its objection).
    async fn reachable_dispute(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<crate::domain::objection::Dispute, Status> {
        caller.conceal(
            async {
                let d = self.0.app.get_dispute(id).await?;
                let (o, _) = self.0.app.get_objection(d.objection_id).await?;
                caller.require_agency(&self.0.access, &o.agency_id).await?;
                Ok(d)
            }
            .await,
        )
    }

    /// Records a dispute step for a caller who may act on its objection;
    /// `date_field` names the step's date in the caller's message.
    async fn dispute_step(
        &self,
        caller: &Caller,
        actor: &str,
        id: Uuid,
        step: DisputeStep,
        date_field: &str,
    ) -> Result<Response<pb::Dispute>, Status> {
        self.reachable_dispute(caller, id).await?;
        let kind = step.kind();
        let d = match self.0.app.record_dispute_step(id, step, actor).await {
            Ok(d) => d,
            Err(Error::InvalidArgument(mut v)) => {
                for f in &mut v {
                    if f.field == "step.date" {
                        f.field = date_field.to_string();
                    }
                }
                return Err(Error::InvalidArgument(v).into());
            }
            Err(e) => return Err(e.into()),
        };
        tracing::info!(dispute = %d.id, step = kind, "dispute step recorded");
        Ok(Response::new(self.dispute_to_pb(&d).await?))
    }

    /// An objection on the wire, its deadlines explained by the calendar of
    /// the agency it was filed with. The due dates shown are the stored ones;
    /// today's calendar only explains them.
    async fn objection_to_pb(&self, o: &Objection, disputes: &[Uuid]) -> Result<pb::Objection> {
        let agency = self.0.app.get_agency(&o.agency_id).await?;
        let cal = self.0.app.calendar_for(&agency).await?;
        let today = time::local_date(self.0.app.now(), &agency.tz());
        let explain = |start, rule, stored: Option<jiff::civil::Date>| {
            let mut d = deadline::compute(&cal, start, rule)
                .map_err(|e| Error::Internal(anyhow::anyhow!("deadline: {e}")))?;
            if let Some(stored) = stored
                && stored != d.due
            {
                d.notes.push(format!(
                    "the calendar changed since; the due date as recorded ({stored}) stands"
                ));
                d.due = stored;
            }
            Ok::<_, Error>(d)
        };
        let mut windows = Vec::new();
        let mut checks = Vec::new();
        for gc in &o.checks {
            let window = match gc.arose {
                Some(arose) => Some(deadline_to_pb(
                    DeadlineRule::ObjectionFiling,
                    &explain(arose, DeadlineRule::ObjectionFiling, gc.window_due)?,
                )),
                None => None,
            };
            if let Some(w) = &window {
                windows.push(w.clone());
            }
            checks.push(pb::GroundCheck {
                ground: gc.ground.to_proto(),
                admissibility: gc.admissibility.to_proto(),
                arose_date: gc.arose.map(convert::date),
                counted_from: gc.counted_from.clone().unwrap_or_default(),
                window,
                reason: gc.reason.clone().unwrap_or_default(),
            });
        }
        let answer = explain(
            o.file_date,
            DeadlineRule::ObjectionAnswer,
            Some(o.answer_due_date),
        )?;
        let dispute_window = match objection::dispute_window(&cal, o, today)? {
            Some(w) => Some(deadline_to_pb(
                DeadlineRule::DisputeFiling,
                &explain(w.start, DeadlineRule::DisputeFiling, Some(w.due))?,
            )),
            None => None,
        };
        let a = o.decision.as_ref();
        let overturned = a.is_some_and(|a| a.decision == ObjectionDecision::Overturned);
        Ok(pb::Objection {
            name: format!("objections/{}", o.id),
            registration_number: o.registration_number.clone(),
            request: o
                .request_id
                .map(|r| format!("requests/{r}"))
                .unwrap_or_default(),
            request_registration_number: o.request_registration_number.clone().unwrap_or_default(),
            agency: format!("agencies/{}", o.agency_id),
            grounds: o.grounds.iter().map(|g| g.to_proto()).collect(),
            statement: o.statement.clone(),
            file_time: Some(convert::timestamp(o.file_time)),
            filing_windows: windows,
            answer_deadline: Some(deadline_to_pb(DeadlineRule::ObjectionAnswer, &answer)),
            state: if a.is_some() {
                pb::objection::State::Decided
            } else {
                pb::objection::State::Pending
            } as i32,
            decision: a.map_or(0, |a| a.decision.to_proto()),
            extent: a.map_or(0, |a| a.extent.to_proto()),
            reasons: a.and_then(|a| a.reasons.clone()).unwrap_or_default(),
            superior_name: a.map(|a| a.superior_name.clone()).unwrap_or_default(),
            superior_position: a.map(|a| a.superior_position.clone()).unwrap_or_default(),
            decide_time: a.map(|a| convert::timestamp(a.decide_time)),
            answered_on_time: a.is_some_and(|a| a.on_time),
            reopened_due_date: a.and_then(|a| a.reopened_due_date).map(convert::date),
            dispute_window,
            disputes: disputes.iter().map(|d| format!("disputes/{d}")).collect(),
            unpublished_information: o.unpublished_information.clone().unwrap_or_default(),
            unpublished_dip_entry: o.unpublished_dip_entry.clone().unwrap_or_default(),
            unpublished_item: o.unpublished_item.clone().unwrap_or_default(),
            ground_checks: checks,
            admissible: o.admissible(),
            answer_receipt_date: a.and_then(|a| a.receipt_date).map(convert::date),
            effect: if overturned {
                o.overturn_effect().to_proto()
            } else {
                0
            },
            corrected_fee_rupiah: a.and_then(|a| a.corrected_fee_rupiah),
            refund_rupiah: a.map_or(0, |a| a.refund_rupiah),
            history: o
                .history
                .iter()
                .map(|e| pb::RequestEvent {
                    sequence: e.sequence,
                    r#type: e.kind.to_proto(),
                    event_time: Some(convert::timestamp(e.event_time)),
                    actor: e.actor.clone(),
                    actor_key_id: crate::domain::access::split_actor(&e.actor)
                        .1
                        .unwrap_or_default()
                        .to_string(),
                    state: 0,
                    summary: e.summary.clone(),
                    details: e.details.clone().into_iter().collect(),
                    record_time: Some(convert::timestamp(e.record_time)),
                })
                .collect(),
        })
    }

    async fn dispute_to_pb(&self, d: &Dispute) -> Result<pb::Dispute> {
        let (o, _) = self.0.app.get_objection(d.objection_id).await?;
        let agency = self.0.app.get_agency(&o.agency_id).await?;
        let cal = self.0.app.calendar_for(&agency).await?;
        let today = time::local_date(self.0.app.now(), &agency.tz());
        Ok(dispute_pb(d, &cal, today))
    }
}

/// A window on the wire: explained by the calendar, its stored last day shown.
fn window_pb(
    cal: &WorkingCalendar,
    rule: DeadlineRule,
    start: jiff::civil::Date,
    due: jiff::civil::Date,
    working_days: Option<i32>,
) -> pb::Deadline {
    let mut d = match working_days {
        Some(n) => deadline::add_working_days(cal, start, n),
        None => deadline::compute(cal, start, rule),
    }
    .unwrap_or_else(|_| Deadline {
        start,
        due,
        working_days: 0,
        skipped: Vec::new(),
        notes: Vec::new(),
    });
    if d.due != due {
        d.notes
            .push(format!("the due date as recorded ({due}) stands"));
        d.due = due;
    }
    deadline_to_pb(rule, &d)
}

fn dispute_pb(d: &Dispute, cal: &WorkingCalendar, today: jiff::civil::Date) -> pb::Dispute {
    let s = d.settlement.as_ref();
    let appeal = d.appeal_window().map(|w| {
        window_pb(
            cal,
            DeadlineRule::DisputeFiling,
            w.start,
            w.due,
            Some(dispute::APPEAL_WORKING_DAYS),
        )
    });
    let cassation = d.cassation_window().map(|w| pb::Deadline {
        rule: 0,
        start_date: Some(convert::date(w.start)),
        due_date: Some(convert::date(w.due)),
        skipped_days: Vec::new(),
        notes: vec![
            "14 days (calendar days) from receiving the court's decision, UU KIP Pasal 50".into(),
        ],
        explanation: format!(
            "cassation may be filed until {} (14 days after {}, UU KIP Pasal 50)",
            w.due, w.start
        ),
    });
    pb::Dispute {
        name: format!("disputes/{}", d.id),
        objection: format!("objections/{}", d.objection_id),
        request: d
            .request_id
            .map(|r| format!("requests/{r}"))
            .unwrap_or_default(),
        commission_register_number: d.commission_register_number.clone().unwrap_or_default(),
        file_time: Some(convert::timestamp(d.file_time)),
        filing_window: Some(window_pb(
            cal,
            DeadlineRule::DisputeFiling,
            d.window_start,
            d.window_due,
            None,
        )),
        outcome: s.map_or(0, |s| s.outcome.to_proto()),
        decision_date: s.map(|s| convert::date(s.decision_date)),
        decision_number: s.map(|s| s.decision_number.clone()).unwrap_or_default(),
        summary: s.and_then(|s| s.summary.clone()).unwrap_or_default(),
        filing_timing: d.timing.to_proto(),
        stage: d.stage().to_proto(),
        steps: d
            .steps
            .iter()
            .map(|r| pb::RecordedDisputeStep {
                step: Some(step_pb(&r.step)),
                record_time: Some(convert::timestamp(r.record_time)),
                window: match (r.window_start, r.window_due) {
                    (Some(start), Some(due)) => Some(pb::Deadline {
                        rule: 0,
                        start_date: Some(convert::date(start)),
                        due_date: Some(convert::date(due)),
                        skipped_days: Vec::new(),
                        notes: Vec::new(),
                        explanation: format!("from {start} until {due}"),
                    }),
                    _ => None,
                },
                late: r.late,
            })
            .collect(),
        compliance_due_date: d.compliance_due_date().map(convert::date),
        complied_date: d.complied_date().map(convert::date),
        compliance_overdue: d.compliance_overdue(today),
        appeal_window: appeal,
        cassation_window: cassation,
    }
}

fn opt_text(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn step_pb(s: &DisputeStep) -> pb::DisputeStep {
    use pb::dispute_step as ps;
    use ps::Step as P;
    let step = match s {
        DisputeStep::Registration {
            register_number, ..
        } => P::Registration(ps::Registration {
            register_number: register_number.clone(),
        }),
        DisputeStep::MediationStart { .. } => P::MediationStart(ps::MediationStart {}),
        DisputeStep::MediationEnd {
            agreement, note, ..
        } => P::MediationEnd(ps::MediationEnd {
            agreement: *agreement,
            note: opt_text(note),
        }),
        DisputeStep::Hearing { note, .. } => P::Hearing(ps::Hearing {
            note: opt_text(note),
        }),
        DisputeStep::Decision {
            outcome,
            number,
            summary,
            receipt_date,
            compliance_due_date,
            ..
        } => P::Decision(ps::Decision {
            outcome: outcome.to_proto(),
            number: number.clone(),
            summary: opt_text(summary),
            receipt_date: receipt_date.map(convert::date),
            compliance_due_date: compliance_due_date.map(convert::date),
        }),
        DisputeStep::Compliance { note, .. } => P::Compliance(ps::Compliance {
            note: opt_text(note),
        }),
        DisputeStep::Appeal {
            court, appellant, ..
        } => P::Appeal(ps::Appeal {
            court: court.to_proto(),
            appellant: appellant.to_proto(),
        }),
        DisputeStep::CourtDecision {
            outcome,
            number,
            receipt_date,
            ..
        } => P::CourtDecision(ps::CourtDecision {
            outcome: outcome.to_proto(),
            number: number.clone(),
            receipt_date: receipt_date.map(convert::date),
        }),
        DisputeStep::Cassation { appellant, .. } => P::Cassation(ps::Cassation {
            appellant: appellant.to_proto(),
        }),
        DisputeStep::CassationDecision {
            outcome, number, ..
        } => P::CassationDecision(ps::CassationDecision {
            outcome: outcome.to_proto(),
            number: number.clone(),
        }),
    };
    pb::DisputeStep {
        date: Some(convert::date(s.date())),
        step: Some(step),
    }
}

/// A step from the wire, every field checked.
fn step_from_pb(c: &mut Check, s: Option<&pb::DisputeStep>) -> Option<DisputeStep> {
    use pb::dispute_step::Step as P;
    let Some(s) = s else {
        c.add("step", "is required");
        return None;
    };
    let date = c.date("step.date", s.date.as_ref());
    let note = |c: &mut Check, field: &str, v: &str| c.text(field, v, Text::opt_para(TEXT_MAX));
    let step = match s.step.as_ref() {
        None => {
            c.add("step", "names no step (registration, mediation_start, ...)");
            return None;
        }
        Some(P::Registration(r)) => {
            let n = c.text(
                "step.registration.register_number",
                &r.register_number,
                Text::line(LINE_MAX),
            );
            DisputeStep::Registration {
                date: date?,
                register_number: n?,
            }
        }
        Some(P::MediationStart(_)) => DisputeStep::MediationStart { date: date? },
        Some(P::MediationEnd(m)) => {
            let note = note(c, "step.mediation_end.note", &m.note);
            DisputeStep::MediationEnd {
                date: date?,
                agreement: m.agreement,
                note,
            }
        }
        Some(P::Hearing(h)) => {
            let note = note(c, "step.hearing.note", &h.note);
            DisputeStep::Hearing { date: date?, note }
        }
        Some(P::Decision(dec)) => {
            let outcome: Option<DisputeOutcome> =
                c.required_enum("step.decision.outcome", dec.outcome);
            let number = c.text("step.decision.number", &dec.number, Text::line(LINE_MAX));
            let summary = note(c, "step.decision.summary", &dec.summary);
            let receipt = dec
                .receipt_date
                .as_ref()
                .and_then(|d| c.date("step.decision.receipt_date", Some(d)));
            let comply = dec
                .compliance_due_date
                .as_ref()
                .and_then(|d| c.date("step.decision.compliance_due_date", Some(d)));
            DisputeStep::Decision {
                date: date?,
                outcome: outcome?,
                number: number?,
                summary,
                receipt_date: receipt,
                compliance_due_date: comply,
            }
        }
        Some(P::Compliance(x)) => {
            let note = note(c, "step.compliance.note", &x.note);
            DisputeStep::Compliance { date: date?, note }
        }
        Some(P::Appeal(a)) => {
            let court: Option<Court> = c.required_enum("step.appeal.court", a.court);
            let who: Option<Party> = c.required_enum("step.appeal.appellant", a.appellant);
            DisputeStep::Appeal {
                date: date?,
                court: court?,
                appellant: who?,
            }
        }
        Some(P::CourtDecision(x)) => {
            let outcome: Option<CourtOutcome> =
                c.required_enum("step.court_decision.outcome", x.outcome);
            let number = c.text(
                "step.court_decision.number",
                &x.number,
                Text::line(LINE_MAX),
            );
            let receipt = x
                .receipt_date
                .as_ref()
                .and_then(|d| c.date("step.court_decision.receipt_date", Some(d)));
            DisputeStep::CourtDecision {
                date: date?,
                outcome: outcome?,
                number: number?,
                receipt_date: receipt,
            }
        }
        Some(P::Cassation(x)) => {
            let who: Option<Party> = c.required_enum("step.cassation.appellant", x.appellant);
            DisputeStep::Cassation {
                date: date?,
                appellant: who?,
            }
        }
        Some(P::CassationDecision(x)) => {
            let outcome: Option<CourtOutcome> =
                c.required_enum("step.cassation_decision.outcome", x.outcome);
            let number = c.text(
                "step.cassation_decision.number",
                &x.number,
                Text::line(LINE_MAX),
            );
            DisputeStep::CassationDecision {
                date: date?,
                outcome: outcome?,
                number: number?,
            }
        }
    };
    Some(step)
}

/// The objection a `FileObjection` body describes, checked: every field
/// violation at once (shared by the API and the portal's form).
pub(crate) fn checked_filing(
    r: &pb::FileObjectionRequest,
    now: jiff::Timestamp,
) -> crate::error::Result<ObjectionFiling> {
    let mut c = Check::new();
    // Ground b may name an agency instead of a request (Pasal 9
    // information is owed to everyone, asked for or not).
    let request = if r.request.is_empty() && !r.agency.is_empty() {
        None
    } else {
        convert::request_id(&mut c, "request", &r.request)
    };
    let agency = if r.agency.is_empty() {
        None
    } else if !r.request.is_empty() {
        c.add("agency", "is given only without a request (ground b)");
        None
    } else {
        convert::agency_id(&mut c, "agency", &r.agency)
    };
    let unpublished = c.text(
        "unpublished_information",
        &r.unpublished_information,
        if agency.is_some() {
            Text::para(TEXT_MAX)
        } else {
            Text::opt_para(TEXT_MAX)
        },
    );
    if !r.request.is_empty() && unpublished.is_some() {
        c.add(
            "unpublished_information",
            "is given only without a request (ground b); say it in the statement",
        );
    }
    let mut grounds = Vec::new();
    if r.grounds.is_empty() {
        c.add("grounds", "at least one ground of Pasal 35(1) is required");
    }
    for (i, g) in r.grounds.iter().enumerate() {
        if let Some(g) = c.required_enum::<ObjectionGround>(&format!("grounds[{i}]"), *g) {
            if grounds.contains(&g) {
                c.add(format!("grounds[{i}]"), "is listed twice");
            }
            grounds.push(g);
        }
    }
    grounds.sort();
    if agency.is_some()
        && grounds
            .iter()
            .any(|g| *g != ObjectionGround::PeriodicNotProvided)
    {
        c.add(
            "grounds",
            "without a request only ground b (periodic information not published, Pasal 9) \
             can be filed",
        );
    }
    let cites_entry = if r.unpublished_dip_entry.is_empty() {
        None
    } else {
        convert::dip_entry_name(&mut c, "unpublished_dip_entry", &r.unpublished_dip_entry)
    };
    let cites_item = c.text("unpublished_item", &r.unpublished_item, Text::opt_line(64));
    if (!r.unpublished_dip_entry.is_empty() || cites_item.is_some())
        && !grounds.contains(&ObjectionGround::PeriodicNotProvided)
    {
        c.add(
            if cites_item.is_some() {
                "unpublished_item"
            } else {
                "unpublished_dip_entry"
            },
            "is cited only on ground b (periodic information not published, Pasal 9)",
        );
    }
    let statement = c.text("statement", &r.statement, Text::para(TEXT_MAX));
    let file_time = c.timestamp("file_time", r.file_time.as_ref());
    if file_time.is_some_and(|t| t > now) {
        c.add("file_time", "is in the future");
    }
    c.finish()?;
    let Some(statement) = statement else {
        return Err(crate::error::Error::Internal(anyhow::anyhow!(
            "validation passed without values"
        )));
    };
    if request.is_none() && agency.is_none() {
        return Err(crate::error::Error::Internal(anyhow::anyhow!(
            "validation passed without values"
        )));
    }
    Ok(ObjectionFiling {
        id: Uuid::now_v7(),
        request_id: request,
        agency_id: agency,
        grounds,
        statement,
        unpublished_information: unpublished,
        unpublished_dip_entry: cites_entry,
        unpublished_item: cites_item,
        file_time,
    })
}

#[tonic::async_trait]
impl ObjectionService for ObjectionApi {
    async fn file_objection(
        &self,
        req: Request<pb::FileObjectionRequest>,
    ) -> Result<Response<pb::Objection>, Status> {
        let caller = Caller::of(&req);
        let actor = caller.actor();
        let r = req.into_inner();
        let filing = checked_filing(&r, self.0.app.now())?;
        match (filing.request_id, &filing.agency_id) {
            (Some(id), _) => caller.require_request(&self.0.access, id).await?,
            (None, Some(a)) => caller.require_agency(&self.0.access, a).await?,
            (None, None) => return Err(convert::missing()),
        }
        let o = self.0.app.file_objection(filing, &actor).await?;
        tracing::info!(objection = %o.id, number = %o.registration_number, "objection filed");
        Ok(Response::new(self.objection_to_pb(&o, &[]).await?))
    }

    async fn get_objection(
        &self,
        req: Request<pb::GetObjectionRequest>,
    ) -> Result<Response<pb::Objection>, Status> {
        let mut c = Check::new();
        let id = convert::uuid_name(&mut c, "name", "objections", &req.get_ref().name);
        c.finish()?;
        let (o, d) = self
            .reachable_objection(&Caller::of(&req), id.ok_or_else(convert::missing)?)
            .await?;
        Ok(Response::new(self.objection_to_pb(&o, &d).await?))
    }

    async fn list_objections(
        &self,
        req: Request<pb::ListObjectionsRequest>,
    ) -> Result<Response<pb::ListObjectionsResponse>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let request = if r.request.is_empty() {
            None
        } else {
            convert::request_id(&mut c, "request", &r.request)
        };
        let agency = if r.agency.is_empty() {
            None
        } else {
            convert::agency_id(&mut c, "agency", &r.agency)
        };
        let size = convert::page_size(&mut c, r.page_size);
        let by_answer_due = match r.order_by.trim() {
            "" | "file_time desc" => false,
            "answer_due_date" => true,
            _ => {
                c.add(
                    "order_by",
                    "must be \"file_time desc\" or \"answer_due_date\"",
                );
                false
            }
        };
        let within = r.due_within_working_days;
        if within != 0 {
            if !(1..=60).contains(&within) {
                c.add("due_within_working_days", "must be between 1 and 60");
            } else if agency.is_none() {
                c.add(
                    "agency",
                    "is required with due_within_working_days (its calendar counts the days)",
                );
            }
        }
        let pages = convert::Pages::of(&r, |f| {
            f.page_size = 0;
            f.page_token.clear();
        });
        let after = pages.cursor::<ObjectionCursor>(&mut c, &r.page_token);
        c.finish()?;
        // A key sees its subtree: a named agency must be within reach, and
        // no agency means the key's own scope.
        let agency = self.list_scope(&caller, agency, request).await?;
        let due_by = match (&agency, within) {
            (Some(a), 1..) => {
                let now = self.0.app.now();
                Some(
                    Reckoner::new(&self.0.app, now)
                        .working_day_ahead(a, within)
                        .await?,
                )
            }
            _ => None,
        };
        let filter = ObjectionFilter {
            request,
            agency_path: agency.map(|a| a.path),
            undecided_only: r.undecided_only,
            due_by,
            by_answer_due,
        };
        let mut rows = self.0.app.list_objections(&filter, after, size + 1).await?;
        let next = pages.next(&mut rows, size, |(last, _)| {
            if by_answer_due {
                ObjectionCursor::Due(last.answer_due_date, last.id)
            } else {
                ObjectionCursor::Filed(last.file_time, last.id)
            }
        });
        let mut objections = Vec::with_capacity(rows.len());
        for (o, d) in &rows {
            objections.push(self.objection_to_pb(o, d).await?);
        }
        Ok(Response::new(pb::ListObjectionsResponse {
            objections,
            next_page_token: next,
        }))
    }

    async fn decide_objection(
        &self,
        req: Request<pb::DecideObjectionRequest>,
    ) -> Result<Response<pb::Objection>, Status> {
        let caller = Caller::of(&req);
        let actor = caller.actor();
        let r = req.into_inner();
        let now = self.0.app.now();
        let mut c = Check::new();
        let id = convert::uuid_name(&mut c, "name", "objections", &r.name);
        let decision: Option<ObjectionDecision> = c.required_enum("decision", r.decision);
        let extent: Option<DecisionExtent> = c.required_enum("extent", r.extent);
        let reasons = c.text("reasons", &r.reasons, Text::opt_para(TEXT_MAX));
        if decision == Some(ObjectionDecision::Upheld) && r.reasons.trim().is_empty() {
            c.add(
                "reasons",
                "an atasan who upholds the PPID gives written reasons (UU KIP Pasal 36(3))",
            );
        }
        if decision == Some(ObjectionDecision::Inadmissible) && r.reasons.trim().is_empty() {
            c.add(
                "reasons",
                "an objection declared inadmissible (tidak dapat diterima) says why",
            );
        }
        let superior_name = c.text("superior_name", &r.superior_name, Text::line(LINE_MAX));
        let superior_position = c.text(
            "superior_position",
            &r.superior_position,
            Text::line(LINE_MAX),
        );
        let decide_time = c.timestamp("decide_time", r.decide_time.as_ref());
        if decide_time.is_some_and(|t| t > now) {
            c.add("decide_time", "is in the future");
        }
        c.finish()?;
        let (Some(id), Some(decision), Some(extent), Some(superior_name), Some(superior_position)) =
            (id, decision, extent, superior_name, superior_position)
        else {
            return Err(convert::missing());
        };
        self.reachable_objection(&caller, id).await?;
        let input = ObjectionDecisionInput {
            decision,
            extent,
            reasons,
            superior_name,
            superior_position,
            decide_time,
            corrected_fee_rupiah: r.corrected_fee_rupiah,
        };
        let (o, d) = self.0.app.decide_objection(id, input, &actor).await?;
        tracing::info!(objection = %o.id, decision = %decision, "objection decided");
        Ok(Response::new(self.objection_to_pb(&o, &d).await?))
    }

    async fn record_answer_receipt(
        &self,
        req: Request<pb::RecordAnswerReceiptRequest>,
    ) -> Result<Response<pb::Objection>, Status> {
        let caller = Caller::of(&req);
        let actor = caller.actor();
        let r = req.into_inner();
        let mut c = Check::new();
        let id = convert::uuid_name(&mut c, "name", "objections", &r.name);
        let receipt_date = c.date("receipt_date", r.receipt_date.as_ref());
        c.finish()?;
        let (Some(id), Some(receipt_date)) = (id, receipt_date) else {
            return Err(convert::missing());
        };
        self.reachable_objection(&caller, id).await?;
        let (o, d) = self
            .0
            .app
            .record_answer_receipt(id, receipt_date, &actor)
            .await?;
        Ok(Response::new(self.objection_to_pb(&o, &d).await?))
    }

    async fn file_dispute(
        &self,
        req: Request<pb::FileDisputeRequest>,
    ) -> Result<Response<pb::Dispute>, Status> {
        let caller = Caller::of(&req);
        let actor = caller.actor();
        let r = req.into_inner();
        let now = self.0.app.now();
        let mut c = Check::new();
        let objection = convert::uuid_name(&mut c, "objection", "objections", &r.objection);
        let file_time = c.timestamp("file_time", r.file_time.as_ref());
        if file_time.is_some_and(|t| t > now) {
            c.add("file_time", "is in the future");
        }
        let number = c.text(
            "commission_register_number",
            &r.commission_register_number,
            Text::opt_line(LINE_MAX),
        );
        c.finish()?;
        let objection = objection.ok_or_else(convert::missing)?;
        self.reachable_objection(&caller, objection).await?;
        let d = self
            .0
            .app
            .file_dispute(Uuid::now_v7(), objection, file_time, number, &actor)
            .await?;
        tracing::info!(dispute = %d.id, "dispute filed");
        Ok(Response::new(self.dispute_to_pb(&d).await?))
    }

    async fn get_dispute(
        &self,
        req: Request<pb::GetDisputeRequest>,
    ) -> Result<Response<pb::Dispute>, Status> {
        let mut c = Check::new();
        let id = convert::uuid_name(&mut c, "name", "disputes", &req.get_ref().name);
        c.finish()?;
        let d = self
            .reachable_dispute(&Caller::of(&req), id.ok_or_else(convert::missing)?)
            .await?;
        Ok(Response::new(self.dispute_to_pb(&d).await?))
    }

    async fn record_dispute_outcome(
        &self,
        req: Request<pb::RecordDisputeOutcomeRequest>,
    ) -> Result<Response<pb::Dispute>, Status> {
        let caller = Caller::of(&req);
        let actor = caller.actor();
        let r = req.into_inner();
        let mut c = Check::new();
        let id = convert::uuid_name(&mut c, "name", "disputes", &r.name);
        let outcome: Option<DisputeOutcome> = c.required_enum("outcome", r.outcome);
        let decision_date = c.date("decision_date", r.decision_date.as_ref());
        let number = c.text("decision_number", &r.decision_number, Text::line(LINE_MAX));
        let summary = c.text("summary", &r.summary, Text::opt_para(TEXT_MAX));
        c.finish()?;
        let (Some(id), Some(outcome), Some(date), Some(number)) =
            (id, outcome, decision_date, number)
        else {
            return Err(convert::missing());
        };
        self.dispute_step(
            &caller,
            &actor,
            id,
            DisputeStep::Decision {
                date,
                outcome,
                number,
                summary,
                receipt_date: None,
                compliance_due_date: None,
            },
            "decision_date",
        )
        .await
    }

    async fn record_dispute_step(
        &self,
        req: Request<pb::RecordDisputeStepRequest>,
    ) -> Result<Response<pb::Dispute>, Status> {
        let caller = Caller::of(&req);
        let actor = caller.actor();
        let r = req.into_inner();
        let mut c = Check::new();
        let id = convert::uuid_name(&mut c, "name", "disputes", &r.name);
        let step = step_from_pb(&mut c, r.step.as_ref());
        c.finish()?;
        let (Some(id), Some(step)) = (id, step) else {
            return Err(convert::missing());
        };
        self.dispute_step(&caller, &actor, id, step, "step.date")
            .await
    }

    async fn list_disputes(
        &self,
        req: Request<pb::ListDisputesRequest>,
    ) -> Result<Response<pb::ListDisputesResponse>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let request = if r.request.is_empty() {
            None
        } else {
            convert::request_id(&mut c, "request", &r.request)
        };
        let agency = if r.agency.is_empty() {
            None
        } else {
            convert::agency_id(&mut c, "agency", &r.agency)
        };
        let mut stages = Vec::new();
        for (i, s) in r.stages.iter().enumerate() {
            if let Some(s) = c.required_enum::<DisputeStage>(format!("stages[{i}]"), *s) {
                stages.push(s);
            }
        }
        let outcome: Option<DisputeOutcome> = c.optional_enum("outcome", r.outcome);
        let timing: Option<FilingTiming> = c.optional_enum("filing_timing", r.filing_timing);
        let size = convert::page_size(&mut c, r.page_size);
        let pages = convert::Pages::of(&r, |f| {
            f.page_size = 0;
            f.page_token.clear();
        });
        let by_next_date = match r.order_by.trim() {
            "" | "file_time desc" => false,
            "next_date" => true,
            _ => {
                c.add("order_by", "must be `file_time desc` or `next_date`");
                false
            }
        };
        // The date order pages by position; the default by the last row.
        let (after, skip) = if by_next_date {
            (
                None,
                pages.cursor::<usize>(&mut c, &r.page_token).unwrap_or(0),
            )
        } else {
            (
                pages.cursor::<(jiff::Timestamp, Uuid)>(&mut c, &r.page_token),
                0,
            )
        };
        c.finish()?;
        let scope = self.list_scope(&caller, agency, request).await?;
        let today = match &scope {
            Some(a) => crate::domain::time::local_date(self.0.app.now(), &a.tz()),
            None => crate::domain::time::local_date(
                self.0.app.now(),
                &jiff::tz::TimeZone::get("Asia/Jakarta").unwrap_or(jiff::tz::TimeZone::UTC),
            ),
        };
        let filter = DisputeFilter {
            request,
            agency_path: scope.map(|a| a.path),
            stages,
            outcome,
            timing,
        };
        if by_next_date {
            let mut rows = self
                .0
                .app
                .list_disputes_by_next_date(&filter, today, skip, size as usize + 1)
                .await?;
            let mut numbered: Vec<(usize, Dispute)> = rows
                .drain(..)
                .enumerate()
                .map(|(i, (d, _))| (skip + i + 1, d))
                .collect();
            let next = pages.next(&mut numbered, size, |(i, _)| *i);
            let mut disputes = Vec::with_capacity(numbered.len());
            for (_, d) in &numbered {
                disputes.push(self.dispute_to_pb(d).await?);
            }
            return Ok(Response::new(pb::ListDisputesResponse {
                disputes,
                next_page_token: next,
            }));
        }
        let mut rows = self.0.app.list_disputes(&filter, after, size + 1).await?;
        let next = pages.next(&mut rows, size, |last| (last.file_time, last.id));
        let mut disputes = Vec::with_capacity(rows.len());
        for d in &rows {
            disputes.push(self.dispute_to_pb(d).await?);
        }
        Ok(Response::new(pb::ListDisputesResponse {
            disputes,
            next_page_token: next,
        }))
    }
}
