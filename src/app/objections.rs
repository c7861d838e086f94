//! Objections to the atasan PPID (keberatan, UU KIP Pasal 35–36) and
//! disputes before the Komisi Informasi (sengketa, Pasal 37).
use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::App;
use crate::{
    domain::{
        DecisionExtent, DisputeOutcome, InformationKind, ObjectionDecision, ObjectionGround,
        OverturnEffect, RequestState,
        agency::Agency,
        dip,
        dispute::{self, DisputeStep},
        lifecycle,
        objection::{self, Dispute, Objection, ObjectionAnswer, ObjectionEvent},
        request::{NewEvent, Request},
        stats, time,
    },
    error::{Error, Result},
    store::{
        DisputeFilter, ObjectionCursor, ObjectionFilter, Tx,
        dik::{
            fetch_dispute, fetch_objection, insert_dispute, insert_objection, write_dispute,
            write_objection,
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
    /// The request; `None` for ground b filed against an agency.
    pub request_id: Option<Uuid>,
    /// Without a request: the agency that did not publish.
    pub agency_id: Option<String>,
    /// Grounds (Pasal 35(1)).
    pub grounds: Vec<ObjectionGround>,
    /// The requester's statement.
    pub statement: String,
    /// Without a request: what was not published.
    pub unpublished_information: Option<String>,
    /// Ground b: the DIP entry cited as not published, (agency, id).
    pub unpublished_dip_entry: Option<(String, Uuid)>,
    /// Ground b: the checklist item cited as not published.
    pub unpublished_item: Option<String>,
    /// When received; `None` means now.
    pub file_time: Option<Timestamp>,
}

/// The atasan's answer as given.
#[derive(Debug, Clone)]
pub struct ObjectionDecisionInput {
    /// Upheld, overturned or inadmissible.
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
    /// Overturning on ground f: the corrected fee.
    pub corrected_fee_rupiah: Option<i64>,
}

/// A request and its handling agency, read in the writer's transaction.
pub(crate) async fn request_and_agency(tx: &mut Tx<'_>, id: Uuid) -> Result<(Request, Agency)> {
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
    tx.insert_event(next, &event, now, actor).await?;
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

/// Records a step of an objection (or of its dispute) in its history: the
/// request's, or, for an objection without a request, the objection's own
/// (the caller writes `o` afterwards).
pub(crate) async fn record_step(
    tx: &mut Tx<'_>,
    o: &mut Objection,
    event: NewEvent,
    now: Timestamp,
    actor: &str,
) -> Result<()> {
    match o.request_id {
        Some(id) => {
            let (req, _) = request_and_agency(tx, id).await?;
            append_request_event(tx, &req, &bumped(&req, now), event, now, actor).await
        }
        None => {
            let agency = tx.referenced_agency(&o.agency_id).await?;
            tx.feed(crate::store::NewFeedEvent {
                subject: format!("objections/{}", o.id),
                registration_number: o.registration_number.clone(),
                agency_id: agency.id,
                agency_path: agency.path,
                kind: event.kind.as_str().to_string(),
                state: String::new(),
                summary: event.summary.clone(),
                event_time: event.event_time,
                record_time: now,
                actor: actor.to_string(),
                imported: false,
            });
            o.history.push(ObjectionEvent {
                sequence: o.history.len() as i64 + 1,
                kind: event.kind,
                event_time: event.event_time,
                record_time: now,
                actor: actor.to_string(),
                summary: event.summary,
                details: event.details,
            });
            Ok(())
        }
    }
}

fn bumped(req: &Request, now: Timestamp) -> Request {
    let mut next = req.clone();
    next.version += 1;
    next.update_time = now;
    next
}

async fn objection_in(tx: &mut Tx<'_>, id: Uuid) -> Result<(Objection, Vec<Uuid>)> {
    fetch_objection(&mut tx.conn, id)
        .await?
        .ok_or_else(|| objection_not_found(id))
}

impl App {
    /// Registers an objection as received: numbered in the Pemda's register,
    /// each ground assessed (never refused for lateness or fit), with an
    /// event on the request (or on the objection, without a request).
    #[tracing::instrument(skip_all)]
    pub async fn file_objection(&self, f: ObjectionFiling, actor: &str) -> Result<Objection> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let file_time = f.file_time.unwrap_or(now);
                    let (req, agency) = match (f.request_id, &f.agency_id) {
                        (Some(id), _) => {
                            let (req, agency) = request_and_agency(tx, id).await?;
                            objection::check_new_filing(&req, file_time)?;
                            (Some(req), agency)
                        }
                        (None, Some(a)) => (None, tx.referenced_agency(a).await?),
                        (None, None) => {
                            return Err(Error::invalid(
                                "request",
                                "a request or an agency is required",
                            ));
                        }
                    };
                    let tz = agency.tz();
                    let cal = tx.calendar(&agency).await?;
                    let checks =
                        objection::assess_filing(&f.grounds, req.as_ref(), &tz, &cal, file_time)?;
                    let file_date = time::local_date(file_time, &tz);
                    let cited_entry =
                        super::dip::check_unpublished_citation(tx, &agency, &f, file_date).await?;
                    let answer = objection::answer_deadline(&cal, file_date)?;
                    let seq = tx
                        .next_number(&agency.pemda_id, file_date.year(), "objection")
                        .await?;
                    let mut o = Objection {
                        id: f.id,
                        registration_number: objection::registration_number(
                            &agency.pemda_id,
                            file_date.year(),
                            seq,
                        ),
                        request_id: req.as_ref().map(|r| r.id),
                        request_registration_number: req
                            .as_ref()
                            .map(|r| r.registration_number.clone()),
                        agency_id: agency.id.clone(),
                        grounds: f.grounds,
                        statement: f.statement,
                        unpublished_information: f.unpublished_information,
                        unpublished_dip_entry: cited_entry,
                        unpublished_item: f.unpublished_item,
                        file_time,
                        file_date,
                        checks,
                        answer_due_date: answer.due,
                        // The window that opens if the atasan stays silent.
                        dispute_window: Some(objection::dispute_window_from(&cal, answer.due)?),
                        decision: None,
                        history: Vec::new(),
                    };
                    record_figures(tx, &stats::objection_contributions(&o));
                    let event = objection::filed_event(&o);
                    // The request is in hand: no second read to append its event.
                    match &req {
                        Some(r) => {
                            append_request_event(tx, r, &bumped(r, now), event, now, &actor).await?
                        }
                        None => record_step(tx, &mut o, event, now, &actor).await?,
                    }
                    insert_objection(&mut tx.conn, &o, &agency.path, now).await?;
                    Ok(o)
                })
            })
            .await
    }

    /// Records the atasan's answer. What an overturn does depends on the
    /// grounds (see [`Objection::overturn_effect`]).
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
                    let (o, disputes) = objection_in(tx, id).await?;
                    let decide_time = d.decide_time.unwrap_or(now);
                    let req = match o.request_id {
                        Some(rid) => Some(request_and_agency(tx, rid).await?.0),
                        None => None,
                    };
                    let fee = req
                        .as_ref()
                        .and_then(|r| r.notice.as_ref())
                        .map_or(0, |n| n.fee_rupiah);
                    let refund = objection::check_decision(
                        &o,
                        d.decision,
                        decide_time,
                        d.corrected_fee_rupiah,
                        fee,
                    )?;
                    let agency = tx.referenced_agency(&o.agency_id).await?;
                    let tz = agency.tz();
                    let cal = tx.calendar(&agency).await?;
                    let decide_date = time::local_date(decide_time, &tz);
                    let mut next = req.as_ref().map(|r| bumped(r, now));
                    let mut reopened = None;
                    if let Some(r) = &req
                        && d.decision == ObjectionDecision::Overturned
                        && o.overturn_effect() == OverturnEffect::Reopened
                        && r.state != RequestState::Withdrawn
                    {
                        let handling = tx.referenced_agency(&r.agency_id).await?;
                        let rcal = tx.calendar(&handling).await?;
                        let n = lifecycle::reopen(
                            r,
                            time::local_date(decide_time, &handling.tz()),
                            tx.core.settings.objection_reopen_working_days,
                            &rcal,
                            &handling.tz(),
                            now,
                        )?;
                        reopened = n.due_date;
                        next = Some(n);
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
                        corrected_fee_rupiah: d.corrected_fee_rupiah,
                        refund_rupiah: refund,
                        receipt_date: None,
                    };
                    let event = objection::decided_event(&o, &answer);
                    let mut decided = o.clone();
                    decided.decision = Some(answer);
                    decided.dispute_window =
                        Some(objection::dispute_window_from(&cal, decide_date)?);
                    record_figures(
                        tx,
                        &stats::diff(
                            &stats::objection_contributions(&o),
                            &stats::objection_contributions(&decided),
                        ),
                    );
                    match (&req, &next) {
                        (Some(r), Some(n)) => {
                            append_request_event(tx, r, n, event, now, &actor).await?
                        }
                        _ => record_step(tx, &mut decided, event, now, &actor).await?,
                    }
                    write_objection(&mut tx.conn, &decided).await?;
                    if d.decision == ObjectionDecision::Overturned {
                        propose_for_overturn(tx, &decided, req.as_ref(), now).await?;
                    }
                    Ok((decided, disputes))
                })
            })
            .await
    }

    /// Records when the requester received the atasan's answer.
    #[tracing::instrument(skip_all, fields(objection = %id))]
    pub async fn record_answer_receipt(
        &self,
        id: Uuid,
        receipt_date: Date,
        actor: &str,
    ) -> Result<(Objection, Vec<Uuid>)> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let (o, disputes) = objection_in(tx, id).await?;
                    let agency = tx.referenced_agency(&o.agency_id).await?;
                    let cal = tx.calendar(&agency).await?;
                    let today = time::local_date(now, &agency.tz());
                    let (mut next, event) =
                        objection::record_answer_receipt(&o, receipt_date, &cal, today, now)?;
                    record_step(tx, &mut next, event, now, &actor).await?;
                    write_objection(&mut tx.conn, &next).await?;
                    Ok((next, disputes))
                })
            })
            .await
    }

    /// Registers a dispute on an objection as reported to the Komisi
    /// Informasi: filed late or early, it is recorded and flagged.
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
                    let (mut o, disputes) = objection_in(tx, objection_id).await?;
                    let agency = tx.referenced_agency(&o.agency_id).await?;
                    let tz = agency.tz();
                    let cal = tx.calendar(&agency).await?;
                    let file_time = file_time.unwrap_or(now);
                    let file_day = time::local_date(file_time, &tz);
                    let window = objection::dispute_window(&cal, &o, file_day)?;
                    let timing = objection::check_dispute_filing(
                        &o,
                        disputes.first().copied(),
                        window,
                        file_day,
                    )?;
                    // Filed early: the window it should have waited for.
                    let window = match window.or(o.dispute_window) {
                        Some(w) => w,
                        None => objection::dispute_window_from(&cal, o.answer_due_date)?,
                    };
                    let dispute = Dispute {
                        id,
                        objection_id,
                        request_id: o.request_id,
                        commission_register_number,
                        file_time,
                        window_start: window.start,
                        window_due: window.due,
                        timing,
                        steps: Vec::new(),
                        settlement: None,
                    };
                    insert_dispute(&mut tx.conn, &dispute, &agency.path, now).await?;
                    record_figures(
                        tx,
                        &stats::dispute_contributions(&dispute, &o.agency_id, &tz),
                    );
                    let event = objection::dispute_filed_event(&o, &dispute);
                    record_step(tx, &mut o, event, now, &actor).await?;
                    write_objection(&mut tx.conn, &o).await?;
                    Ok(dispute)
                })
            })
            .await
    }

    /// Records a step of a dispute before the Komisi Informasi or the
    /// courts (see `domain::dispute`).
    #[tracing::instrument(skip_all, fields(dispute = %id, step = step.kind()))]
    pub async fn record_dispute_step(
        &self,
        id: Uuid,
        step: DisputeStep,
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
                    let (mut o, _) = objection_in(tx, dispute.objection_id).await?;
                    let agency = tx.referenced_agency(&o.agency_id).await?;
                    let tz = agency.tz();
                    let cal = tx.calendar(&agency).await?;
                    let (next, event) = dispute::apply(
                        &dispute,
                        step,
                        time::local_date(dispute.file_time, &tz),
                        time::local_date(now, &tz),
                        &cal,
                        tx.core.settings.dispute_compliance_working_days,
                        now,
                    )?;
                    write_dispute(&mut tx.conn, &next).await?;
                    if dispute.settlement.is_none()
                        && next.settlement.as_ref().is_some_and(|s| {
                            matches!(
                                s.outcome,
                                DisputeOutcome::AdjudicationGranted
                                    | DisputeOutcome::AdjudicationPartlyGranted
                            )
                        })
                    {
                        let information = match next.request_id {
                            Some(rid) => fetch_request(&mut tx.conn, rid)
                                .await?
                                .map(|(r, _)| r.information_requested),
                            None => o.unpublished_information.clone(),
                        };
                        if let Some(info) = information {
                            super::dip::propose_opened(
                                tx,
                                &o.agency_id,
                                &info,
                                &format!("disputes/{}", next.id),
                                InformationKind::SetiapSaat,
                                vec![dip::OPENED_ITEM.to_string()],
                                now,
                            )
                            .await?;
                        }
                    }
                    record_figures(
                        tx,
                        &stats::diff(
                            &stats::dispute_contributions(&dispute, &o.agency_id, &tz),
                            &stats::dispute_contributions(&next, &o.agency_id, &tz),
                        ),
                    );
                    record_step(tx, &mut o, event, now, &actor).await?;
                    write_objection(&mut tx.conn, &o).await?;
                    Ok(next)
                })
            })
            .await
    }

    /// Disputes matching `filter`, newest filing first.
    pub async fn list_disputes(
        &self,
        filter: &DisputeFilter,
        after: Option<(Timestamp, Uuid)>,
        limit: i64,
    ) -> Result<Vec<Dispute>> {
        self.store.list_disputes(filter, after, limit).await
    }

    /// Disputes matching `filter` in the order of the next date each asks
    /// of the agency (a hearing or a compliance date, on or after `today`),
    /// those with none last (newest filing first), from position `skip`.
    /// A subtree has a handful of disputes a year: they are ordered here.
    pub async fn list_disputes_by_next_date(
        &self,
        filter: &DisputeFilter,
        today: jiff::civil::Date,
        skip: usize,
        limit: usize,
    ) -> Result<Vec<(Dispute, Option<jiff::civil::Date>)>> {
        let all = self.store.list_disputes(filter, None, 10_000).await?;
        let mut keyed: Vec<(Dispute, Option<jiff::civil::Date>)> = all
            .into_iter()
            .map(|d| {
                let next = super::worklist::next_dispute_date(&d, today).map(|(date, _)| date);
                (d, next)
            })
            .collect();
        // Stable: among equal dates (and among those without one) the
        // store's order, newest filing first, stands.
        keyed.sort_by_key(|(_, next)| (next.is_none(), *next));
        Ok(keyed.into_iter().skip(skip).take(limit).collect())
    }

    /// An objection with its disputes.
    pub async fn get_objection(&self, id: Uuid) -> Result<(Objection, Vec<Uuid>)> {
        self.store.get_objection(id).await
    }

    /// Objections of a request or of an agency subtree, newest first.
    pub async fn list_objections(
        &self,
        filter: &ObjectionFilter,
        after: Option<ObjectionCursor>,
        limit: i64,
    ) -> Result<Vec<(Objection, Vec<Uuid>)>> {
        self.store.list_objections(filter, after, limit).await
    }

    /// A dispute.
    pub async fn get_dispute(&self, id: Uuid) -> Result<Dispute> {
        self.store.get_dispute(id).await
    }
}

/// The DIP proposal an overturned objection makes: information withheld
/// under Pasal 17 and declared open becomes setiap-saat information (Pasal
/// 11(2)); periodic information ordered published (ground b without a
/// request) is proposed as berkala, under the item the objection cited.
async fn propose_for_overturn(
    tx: &mut Tx<'_>,
    o: &Objection,
    req: Option<&Request>,
    now: Timestamp,
) -> Result<()> {
    let opened_by = format!("objections/{}", o.id);
    match (req, o.overturn_effect()) {
        (Some(r), OverturnEffect::Reopened) if o.grounds.contains(&ObjectionGround::Rejected) => {
            super::dip::propose_opened(
                tx,
                &r.agency_id,
                &r.information_requested,
                &opened_by,
                InformationKind::SetiapSaat,
                vec![dip::OPENED_ITEM.to_string()],
                now,
            )
            .await?;
        }
        (None, OverturnEffect::PublicationOrdered) => {
            let info = o
                .unpublished_information
                .clone()
                .unwrap_or_else(|| o.statement.clone());
            super::dip::propose_opened(
                tx,
                &o.agency_id,
                &info,
                &opened_by,
                InformationKind::Berkala,
                o.unpublished_item.iter().cloned().collect(),
                now,
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}
