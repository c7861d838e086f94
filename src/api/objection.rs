//! `ppid.v1.ObjectionService`: keberatan and sengketa.
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check, ProtoEnum, Text},
};
use crate::{
    app::objections::{ObjectionDecisionInput, ObjectionFiling},
    domain::{
        DecisionExtent, DisputeOutcome, ObjectionDecision, ObjectionGround,
        deadline::{self, Deadline, DeadlineRule},
        objection::{self, Dispute, Objection, Settlement},
        time,
    },
    error::{Error, Result},
    pb::ppid::v1::{self as pb, objection_service_server::ObjectionService},
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
        let mut window = deadline::compute(&cal, d.window_start, DeadlineRule::DisputeFiling)
            .map_err(|e| Error::Internal(anyhow::anyhow!("deadline: {e}")))?;
        window.due = d.window_due;
        let s = d.settlement.as_ref();
        Ok(pb::Dispute {
            name: format!("disputes/{}", d.id),
            objection: format!("objections/{}", d.objection_id),
            request: d
                .request_id
                .map(|r| format!("requests/{r}"))
                .unwrap_or_default(),
            commission_register_number: d.commission_register_number.clone().unwrap_or_default(),
            file_time: Some(convert::timestamp(d.file_time)),
            filing_window: Some(deadline_to_pb(DeadlineRule::DisputeFiling, &window)),
            outcome: s.map_or(0, |s| s.outcome.to_proto()),
            decision_date: s.map(|s| convert::date(s.decision_date)),
            decision_number: s.map(|s| s.decision_number.clone()).unwrap_or_default(),
            summary: s.and_then(|s| s.summary.clone()).unwrap_or_default(),
            filing_timing: d.timing.to_proto(),
        })
    }
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
        let now = self.0.app.now();
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
        let statement = c.text("statement", &r.statement, Text::para(TEXT_MAX));
        let file_time = c.timestamp("file_time", r.file_time.as_ref());
        if file_time.is_some_and(|t| t > now) {
            c.add("file_time", "is in the future");
        }
        c.finish()?;
        let Some(statement) = statement else {
            return Err(convert::missing());
        };
        match (request, &agency) {
            (Some(id), _) => caller.require_request(&self.0.access, id).await?,
            (None, Some(a)) => caller.require_agency(&self.0.access, a).await?,
            (None, None) => return Err(convert::missing()),
        }
        let filing = ObjectionFiling {
            id: Uuid::now_v7(),
            request_id: request,
            agency_id: agency,
            grounds,
            statement,
            unpublished_information: unpublished,
            file_time,
        };
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
            .0
            .app
            .get_objection(id.ok_or_else(convert::missing)?)
            .await?;
        Caller::of(&req)
            .require_agency(&self.0.access, &o.agency_id)
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
        let pages = convert::Pages::of(&r, |f| {
            f.page_size = 0;
            f.page_token.clear();
        });
        let after = pages.cursor::<(jiff::Timestamp, Uuid)>(&mut c, &r.page_token);
        c.finish()?;
        // A key sees its subtree: a named agency must be within reach, and
        // no agency means the key's own scope.
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
        let mut rows = self
            .0
            .app
            .list_objections(request, agency.as_ref(), after, size + 1)
            .await?;
        let next = pages.next(&mut rows, size, |(last, _)| (last.file_time, last.id));
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
        let (o, _) = self.0.app.get_objection(id).await?;
        caller.require_agency(&self.0.access, &o.agency_id).await?;
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
        let (o, _) = self.0.app.get_objection(id).await?;
        caller.require_agency(&self.0.access, &o.agency_id).await?;
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
        let (o, _) = self.0.app.get_objection(objection).await?;
        caller.require_agency(&self.0.access, &o.agency_id).await?;
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
            .0
            .app
            .get_dispute(id.ok_or_else(convert::missing)?)
            .await?;
        let (o, _) = self.0.app.get_objection(d.objection_id).await?;
        Caller::of(&req)
            .require_agency(&self.0.access, &o.agency_id)
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
        let (Some(id), Some(outcome), Some(decision_date), Some(decision_number)) =
            (id, outcome, decision_date, number)
        else {
            return Err(convert::missing());
        };
        let d = self.0.app.get_dispute(id).await?;
        let (o, _) = self.0.app.get_objection(d.objection_id).await?;
        caller.require_agency(&self.0.access, &o.agency_id).await?;
        let s = Settlement {
            outcome,
            decision_date,
            decision_number,
            summary,
        };
        let d = self.0.app.record_dispute_outcome(id, s, &actor).await?;
        Ok(Response::new(self.dispute_to_pb(&d).await?))
    }
}
