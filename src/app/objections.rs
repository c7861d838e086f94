//! Objections to the atasan PPID (keberatan, UU KIP Pasal 35–36) and
//! disputes before the Komisi Informasi (sengketa, Pasal 37).
use jiff::Timestamp;
use uuid::Uuid;

use super::App;
use crate::{
    domain::{
        DecisionExtent, ObjectionDecision, ObjectionGround, RequestState,
        agency::Agency,
        lifecycle,
        objection::{self, Dispute, Objection, ObjectionAnswer, Settlement},
        request::{NewEvent, Request},
        stats, time,
    },
    error::Result,
    store::{
        Tx,
        dik::{
            fetch_dispute, fetch_objection, insert_dispute, insert_objection, pending_objection,
            record_answer, record_settlement,
        },
        figures::record_figures,
        register::{fetch_request, write_request},
        rows::{dispute_not_found, objection_not_found, request_not_found},
    },
};

/// A new objection as received.
#[derive(Debug, Clone)]
pub struct ObjectionFiling {
    /// Its id.
    pub id: Uuid,
    /// The request.
    pub request_id: Uuid,
    /// Grounds (Pasal 35(1)).
    pub grounds: Vec<ObjectionGround>,
    /// The requester's statement.
    pub statement: String,
    /// When received; `None` means now.
    pub file_time: Option<Timestamp>,
}

/// The atasan's answer as given.
#[derive(Debug, Clone)]
pub struct ObjectionDecisionInput {
    /// Upheld or overturned.
    pub decision: ObjectionDecision,
    /// Wholly or in part.
    pub extent: DecisionExtent,
    /// Written reasons.
    pub reasons: Option<String>,
    /// Name.
    pub superior_name: String,
    /// Position.
    pub superior_position: String,
    /// When; `None` means now.
    pub decide_time: Option<Timestamp>,
}

/// A request and its handling agency, read in the writer's transaction.
async fn request_and_agency(tx: &mut Tx<'_>, id: Uuid) -> Result<(Request, Agency)> {
    let req = fetch_request(&mut tx.conn, id)
        .await?
        .ok_or_else(|| request_not_found(id))?
        .0;
    let agency = tx.referenced_agency(&req.agency_id).await?;
    Ok((req, agency))
}

/// Appends an event to a request's history and bumps its version, for steps
/// that live outside the request (objections, disputes); `next` is the
/// request's new projection (its version already bumped).
async fn append_request_event(
    tx: &mut Tx<'_>,
    before: &Request,
    next: &Request,
    event: NewEvent,
    now: Timestamp,
    actor: &str,
) -> Result<()> {
    let agency = tx.referenced_agency(&next.agency_id).await?;
    write_request(&mut tx.conn, next, &agency.path, before.version).await?;
    tx.insert_event(next, &event, now, actor)?;
    let tz = agency.tz();
    record_figures(
        tx,
        &stats::diff(
            &stats::request_contributions(before, &tz),
            &stats::request_contributions(next, &tz),
        ),
    );
    Ok(())
}

fn bumped(req: &Request, now: Timestamp) -> Request {
    let mut next = req.clone();
    next.version += 1;
    next.update_time = now;
    next
}

impl App {
    /// Files an objection: numbered in the Pemda's register, with an event
    /// on the request.
    #[tracing::instrument(skip_all, fields(request = %f.request_id))]
    pub async fn file_objection(&self, f: ObjectionFiling, actor: &str) -> Result<Objection> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let (req, agency) = request_and_agency(tx, f.request_id).await?;
                    let file_time = f.file_time.unwrap_or(now);
                    let pending = pending_objection(&mut tx.conn, req.id).await?;
                    objection::check_new_filing(&req, pending.as_deref(), file_time)?;
                    let tz = agency.tz();
                    let cal = tx.calendar(&agency).await?;
                    let windows = objection::check_filing(&f.grounds, &req, &tz, &cal, file_time)?;
                    let file_date = time::local_date(file_time, &tz);
                    let answer = objection::answer_deadline(&cal, file_date)?;
                    let seq = tx
                        .next_number(&agency.pemda_id, file_date.year(), "objection")
                        .await?;
                    let o = Objection {
                        id: f.id,
                        registration_number: objection::registration_number(
                            &agency.pemda_id,
                            file_date.year(),
                            seq,
                        ),
                        request_id: req.id,
                        request_registration_number: req.registration_number.clone(),
                        agency_id: agency.id.clone(),
                        grounds: f.grounds,
                        statement: f.statement,
                        file_time,
                        file_date,
                        grounds_arose: windows.iter().map(|(_, arose, _)| *arose).collect(),
                        answer_due_date: answer.due,
                        decision: None,
                    };
                    insert_objection(&mut tx.conn, &o, &agency.path, now).await?;
                    record_figures(tx, &stats::objection_contributions(&o));
                    let event = objection::filed_event(&o);
                    append_request_event(tx, &req, &bumped(&req, now), event, now, &actor).await?;
                    Ok(o)
                })
            })
            .await
    }

    /// Records the atasan's answer; an overturn sends the request back to
    /// the PPID.
    #[tracing::instrument(skip_all, fields(objection = %id))]
    pub async fn decide_objection(
        &self,
        id: Uuid,
        d: ObjectionDecisionInput,
        actor: &str,
    ) -> Result<(Objection, Vec<Uuid>)> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let (o, disputes) = fetch_objection(&mut tx.conn, id)
                        .await?
                        .ok_or_else(|| objection_not_found(id))?;
                    let decide_time = d.decide_time.unwrap_or(now);
                    objection::check_decision(&o, decide_time)?;
                    let (req, agency) = request_and_agency(tx, o.request_id).await?;
                    let tz = agency.tz();
                    let decide_date = time::local_date(decide_time, &tz);
                    let mut next = bumped(&req, now);
                    let mut reopened = None;
                    if d.decision == ObjectionDecision::Overturned
                        && req.state != RequestState::Withdrawn
                    {
                        let cal = tx.calendar(&agency).await?;
                        next = lifecycle::reopen(
                            &req,
                            decide_date,
                            tx.core.settings.objection_reopen_working_days,
                            &cal,
                            &tz,
                            now,
                        )?;
                        reopened = next.due_date;
                    }
                    let answer = ObjectionAnswer {
                        decision: d.decision,
                        extent: d.extent,
                        reasons: d.reasons,
                        superior_name: d.superior_name,
                        superior_position: d.superior_position,
                        decide_time,
                        decide_date,
                        on_time: decide_date <= o.answer_due_date,
                        reopened_due_date: reopened,
                    };
                    record_answer(&mut tx.conn, id, &answer).await?;
                    let event = objection::decided_event(&o, &answer);
                    let mut decided = o.clone();
                    decided.decision = Some(answer);
                    record_figures(
                        tx,
                        &stats::diff(
                            &stats::objection_contributions(&o),
                            &stats::objection_contributions(&decided),
                        ),
                    );
                    append_request_event(tx, &req, &next, event, now, &actor).await?;
                    Ok((decided, disputes))
                })
            })
            .await
    }

    /// Files a dispute on an objection with the Komisi Informasi.
    #[tracing::instrument(skip_all, fields(objection = %objection_id))]
    pub async fn file_dispute(
        &self,
        id: Uuid,
        objection_id: Uuid,
        file_time: Option<Timestamp>,
        commission_register_number: Option<String>,
        actor: &str,
    ) -> Result<Dispute> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let (o, disputes) = fetch_objection(&mut tx.conn, objection_id)
                        .await?
                        .ok_or_else(|| objection_not_found(objection_id))?;
                    let (req, _) = request_and_agency(tx, o.request_id).await?;
                    let agency = tx.referenced_agency(&o.agency_id).await?;
                    let tz = agency.tz();
                    let cal = tx.calendar(&agency).await?;
                    let file_time = file_time.unwrap_or(now);
                    let file_day = time::local_date(file_time, &tz);
                    let window = objection::dispute_window(&cal, &o, file_day)?;
                    let window = objection::check_dispute_filing(
                        &o,
                        disputes.first().copied(),
                        window,
                        file_day,
                    )?;
                    let dispute = Dispute {
                        id,
                        objection_id,
                        request_id: req.id,
                        commission_register_number,
                        file_time,
                        window_start: window.start,
                        window_due: window.due,
                        settlement: None,
                    };
                    insert_dispute(&mut tx.conn, &dispute, now).await?;
                    record_figures(
                        tx,
                        &stats::dispute_contributions(&dispute, &o.agency_id, &tz),
                    );
                    let event = objection::dispute_filed_event(&o, &dispute);
                    append_request_event(tx, &req, &bumped(&req, now), event, now, &actor).await?;
                    Ok(dispute)
                })
            })
            .await
    }

    /// Records how a dispute ended.
    #[tracing::instrument(skip_all, fields(dispute = %id))]
    pub async fn record_dispute_outcome(
        &self,
        id: Uuid,
        s: Settlement,
        actor: &str,
    ) -> Result<Dispute> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let dispute = fetch_dispute(&mut tx.conn, id)
                        .await?
                        .ok_or_else(|| dispute_not_found(id))?;
                    let (req, agency) = request_and_agency(tx, dispute.request_id).await?;
                    let tz = agency.tz();
                    objection::check_settlement(
                        &dispute,
                        &s,
                        time::local_date(dispute.file_time, &tz),
                        time::local_date(now, &tz),
                    )?;
                    record_settlement(&mut tx.conn, id, &s).await?;
                    let (o, _) = fetch_objection(&mut tx.conn, dispute.objection_id)
                        .await?
                        .ok_or_else(|| objection_not_found(dispute.objection_id))?;
                    let event = objection::settled_event(&dispute, &s, now);
                    let mut settled = dispute.clone();
                    settled.settlement = Some(s);
                    record_figures(
                        tx,
                        &stats::diff(
                            &stats::dispute_contributions(&dispute, &o.agency_id, &tz),
                            &stats::dispute_contributions(&settled, &o.agency_id, &tz),
                        ),
                    );
                    append_request_event(tx, &req, &bumped(&req, now), event, now, &actor).await?;
                    Ok(settled)
                })
            })
            .await
    }

    /// An objection with its disputes.
    pub async fn get_objection(&self, id: Uuid) -> Result<(Objection, Vec<Uuid>)> {
        self.store.get_objection(id).await
    }

    /// Objections of a request or of an agency subtree, newest first.
    pub async fn list_objections(
        &self,
        request: Option<Uuid>,
        agency: Option<&Agency>,
        after: Option<(Timestamp, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Objection, Vec<Uuid>)>> {
        self.store
            .list_objections(request, agency, after, limit)
            .await
    }

    /// A dispute.
    pub async fn get_dispute(&self, id: Uuid) -> Result<Dispute> {
        self.store.get_dispute(id).await
    }
}
