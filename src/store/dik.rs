//! The DIK (exempt information), objections and disputes.
use std::collections::BTreeMap;

use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{
    ExemptionFilter, ObjectionDecisionInput, ObjectionFiling,
    core::SqlStore,
    db::{Conn, Sql},
    figures::record_figures,
    register::{
        fetch_request, push_subtree, write_request,
    },
    rows::{
        DISPUTE_COLUMNS, EXEMPTION_COLUMNS, OBJECTION_COLUMNS, agency_not_found, dispute_from_row,
        dispute_not_found, exemption_from_row, exemption_not_found, join, objection_from_row,
        objection_not_found, request_not_found, ts,
    },
    writer::Tx,
};
use crate::{
    domain::{
        EventType, ObjectionDecision, RequestState,
        agency::Agency,
        exemption::Exemption,
        lifecycle,
        objection::{self, Dispute, Objection, ObjectionAnswer, Settlement},
        request::{NewEvent, Request},
        stats, time,
    },
    error::{Error, Result},
};

/// An exemption by id (of any agency).
pub(crate) async fn fetch_exemption(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Exemption>> {
    let row = Sql::new(format!(
        "SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(row
        .as_ref()
        .map(exemption_from_row)
        .transpose()?
        .map(|(e, _)| e))
}

async fn fetch_objection(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<(Objection, Vec<Uuid>)>> {
    let row = Sql::new(format!(
        "SELECT {OBJECTION_COLUMNS} FROM objections o JOIN requests r ON r.id = o.request_id \
         WHERE o.id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(objection_from_row).transpose()
}

async fn fetch_dispute(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Dispute>> {
    let row = Sql::new(format!(
        "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(dispute_from_row).transpose()
}

/// Appends an event to a request's history and bumps its version, for
/// steps that live outside the request (objections, disputes); `next` is
/// the request's new projection (its version already bumped).
async fn append_request_event(
    tx: &mut Tx<'_>,
    before: &Request,
    next: &Request,
    event: NewEvent,
    now: Timestamp,
    actor: &str,
) -> Result<()> {
    let agency = tx.agency(&next.agency_id)
        .await?
        .ok_or_else(|| agency_not_found(&next.agency_id))?;
    write_request(&mut tx.conn, next, &agency.path, before.version).await?;
    tx.insert_event(next, &event, now, actor)?;
    let tz = agency.tz();
    let change = stats::diff(
        &stats::request_contributions(before, &tz),
        &stats::request_contributions(next, &tz),
    );
    record_figures(tx, &change).await
}

fn bumped(req: &Request, now: Timestamp) -> Request {
    let mut next = req.clone();
    next.version += 1;
    next.update_time = now;
    next
}

#[async_trait::async_trait]
impl super::DikStore for SqlStore {
    #[tracing::instrument(skip_all, fields(agency = %e.agency_id))]
    async fn create_exemption(&self, e: Exemption) -> Result<Exemption> {
        self.write(move |tx| { Box::pin(async move {
        tx.agency(&e.agency_id)
            .await?
            .ok_or_else(|| agency_not_found(&e.agency_id))?;
        Sql::new(
            "INSERT INTO exemptions (id, agency_id, information, letter, sub_item, other_law, harm, \
             public_interest_test, decree_number, decree_date, start_date, end_date, decided_by, create_time) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(e.id.to_string())
        .bind(&e.agency_id)
        .bind(&e.information)
        .bind(e.letter.as_str())
        .bind(&e.sub_item)
        .bind(&e.other_law)
        .bind(&e.harm)
        .bind(&e.public_interest_test)
        .bind(&e.decree_number)
        .bind(e.decree_date.to_string())
        .bind(e.start_date.to_string())
        .bind(e.end_date.map(|d| d.to_string()))
        .bind(&e.decided_by)
        .bind(ts(e.create_time))
        .execute(&mut tx.conn)
        .await?;
        Ok(e)
})}).await
    }

    async fn get_exemption(&self, agency_id: &str, id: Uuid) -> Result<(Exemption, i64)> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        let row = Sql::new(format!(
            "SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE id = $1 AND agency_id = $2"
        ))
        .bind(id.to_string())
        .bind(agency_id)
        .fetch_optional(&mut conn)
        .await?;
        row.as_ref()
            .map(exemption_from_row)
            .transpose()?
            .ok_or_else(|| exemption_not_found(agency_id, id))
    }

    async fn list_exemptions(
        &self,
        agency: &Agency,
        filter: &ExemptionFilter,
        after: Option<(Date, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Exemption, i64)>> {
        let mut qb = Sql::new(format!(
            "SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE agency_id IN "
        ));
        // The agency and every agency above it (its path).
        qb.push_list(agency.path.split('/').filter(|s| !s.is_empty()));
        if let Some(l) = filter.letter {
            qb.push(" AND letter = ").push_bind(l.as_str());
        }
        if let Some((d, id)) = after {
            qb.push(" AND (decree_date < ")
                .push_bind(d.to_string())
                .push(" OR (decree_date = ")
                .push_bind(d.to_string())
                .push(" AND id < ")
                .push_bind(id.to_string())
                .push("))");
        }
        qb.push(" ORDER BY decree_date DESC, id DESC");
        // Whether an entry is in force is the domain's rule
        // (`Exemption::status_on`), applied here rather than repeated in
        // SQL: an agency's list is short.
        let rows = qb.fetch_all(&mut self.read().await?.conn()).await?;
        let mut out = Vec::new();
        for row in &rows {
            let (e, cited) = exemption_from_row(row)?;
            if filter.statuses.is_empty() || filter.statuses.contains(&e.status_on(filter.today)) {
                out.push((e, cited));
                if out.len() as i64 >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all, fields(exemption = %id))]
    async fn revoke_exemption(
        &self,
        agency_id: &str,
        id: Uuid,
        reason: String,
        now: Timestamp,
    ) -> Result<(Exemption, i64)> {
        let agency_id = agency_id.to_string();
        let owner = agency_id.clone();
        self.write(move |tx| { Box::pin(async move {
        let agency_id = agency_id.as_str();
        let agency = tx.agency(agency_id)
            .await?
            .ok_or_else(|| exemption_not_found(agency_id, id))?;
        let e = fetch_exemption(&mut tx.conn, id)
            .await?
            .filter(|e| e.agency_id == agency_id)
            .ok_or_else(|| exemption_not_found(agency_id, id))?;
        if let Some(r) = &e.revoked {
            return Err(Error::precondition(
                "ALREADY_REVOKED",
                format!("{} was already revoked on {}", e.name(), r.date),
            ));
        }
        let day = time::local_date(now, &agency.tz());
        Sql::new("UPDATE exemptions SET revoke_time = $1, revoke_date = $2, revoke_reason = $3 WHERE id = $4")
            .bind(ts(now))
            .bind(day.to_string())
            .bind(&reason)
            .bind(id.to_string())
            .execute(&mut tx.conn)
            .await?;
        Ok(())
        })}).await?;
        self.get_exemption(&owner, id).await
    }

    #[tracing::instrument(skip_all, fields(request = %f.request_id))]
    async fn file_objection(
        &self,
        f: ObjectionFiling,
        now: Timestamp,
        actor: &str,
    ) -> Result<Objection> {
        let actor = actor.to_string();
        self.write(move |tx| { Box::pin(async move {
        let (req, _) = fetch_request(&mut tx.conn, f.request_id)
            .await?
            .ok_or_else(|| request_not_found(f.request_id))?;
        let agency = tx.agency(&req.agency_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("request's agency {} is missing", req.agency_id))?;
        let pending: Option<String> = Sql::new(
            "SELECT registration_number FROM objections WHERE request_id = $1 AND decision IS NULL",
        )
        .bind(req.id.to_string())
        .scalar_optional(&mut tx.conn)
        .await?;
        if let Some(number) = pending {
            return Err(Error::precondition(
                "OBJECTION_PENDING",
                format!("objection {number} on this request awaits the atasan's answer"),
            ));
        }
        let tz = agency.tz();
        let cal = tx.calendar(&agency).await?;
        let file_time = f.file_time.unwrap_or(now);
        if file_time < req.receive_time {
            return Err(Error::invalid(
                "file_time",
                "is before the request was received",
            ));
        }
        let windows = objection::check_filing(&f.grounds, &req, &tz, &cal, file_time)?;
        let file_date = time::local_date(file_time, &tz);
        let answer = objection::answer_deadline(&cal, file_date)?;
        let seq = tx.next_number(&agency.pemda_id, file_date.year(), "objection").await?;
        let o = Objection {
            id: f.id,
            registration_number: format!(
                "{}/KEB/{}/{seq:06}",
                agency.pemda_id.to_ascii_uppercase(),
                file_date.year()
            ),
            request_id: req.id,
            request_registration_number: req.registration_number.clone(),
            agency_id: agency.id.clone(),
            grounds: f.grounds.clone(),
            statement: f.statement,
            file_time,
            file_date,
            grounds_arose: windows.iter().map(|(_, arose, _)| *arose).collect(),
            answer_due_date: answer.due,
            decision: None,
        };
        Sql::new(
            "INSERT INTO objections (id, registration_number, request_id, agency_id, agency_path, grounds, \
             grounds_arose, statement, file_time, file_date, answer_due_date, create_time) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(o.id.to_string())
        .bind(&o.registration_number)
        .bind(req.id.to_string())
        .bind(&agency.id)
        .bind(&agency.path)
        .bind(join(o.grounds.iter().map(|g| g.as_str())))
        .bind(join(&o.grounds_arose))
        .bind(&o.statement)
        .bind(ts(file_time))
        .bind(file_date.to_string())
        .bind(answer.due.to_string())
        .bind(ts(now))
        .execute(&mut tx.conn)
        .await?;
        let mut details = BTreeMap::new();
        record_figures(tx, &stats::objection_contributions(&o))
            .await?;
        details.insert("objection".to_string(), format!("objections/{}", o.id));
        details.insert(
            "objection_number".to_string(),
            o.registration_number.clone(),
        );
        details.insert(
            "grounds".to_string(),
            join(o.grounds.iter().map(|g| g.as_str())),
        );
        details.insert("answer_due_date".to_string(), answer.due.to_string());
        let event = NewEvent {
            kind: EventType::ObjectionFiled,
            event_time: file_time,
            summary: format!(
                "objection {} filed (Pasal 35(1) {}); the atasan's answer is due {}",
                o.registration_number,
                join(o.grounds.iter().map(|g| g.as_str())),
                answer.due
            ),
            details,
        };
        append_request_event(tx, &req, &bumped(&req, now), event, now, &actor)
            .await?;
        Ok(o)
})}).await
    }

    async fn get_objection(&self, id: Uuid) -> Result<(Objection, Vec<Uuid>)> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        fetch_objection(&mut conn, id)
            .await?
            .ok_or_else(|| objection_not_found(id))
    }

    async fn list_objections(
        &self,
        request: Option<Uuid>,
        agency: Option<&Agency>,
        after: Option<(Timestamp, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Objection, Vec<Uuid>)>> {
        let mut qb = Sql::new(format!(
            "SELECT {OBJECTION_COLUMNS} FROM objections o JOIN requests r ON r.id = o.request_id WHERE 1 = 1"
        ));
        if let Some(r) = request {
            qb.push(" AND o.request_id = ").push_bind(r.to_string());
        }
        if let Some(a) = agency {
            push_subtree(&mut qb, "o.agency_path", &a.path);
        }
        if let Some((t, id)) = after {
            qb.push(" AND (o.file_time < ")
                .push_bind(ts(t))
                .push(" OR (o.file_time = ")
                .push_bind(ts(t))
                .push(" AND o.id < ")
                .push_bind(id.to_string())
                .push("))");
        }
        qb.push(" ORDER BY o.file_time DESC, o.id DESC LIMIT ")
            .push_bind(limit);
        let rows = qb.fetch_all(&mut self.read().await?.conn()).await?;
        rows.iter().map(objection_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(objection = %id))]
    async fn decide_objection(
        &self,
        id: Uuid,
        d: ObjectionDecisionInput,
        now: Timestamp,
        actor: &str,
    ) -> Result<(Objection, Vec<Uuid>)> {
        let actor = actor.to_string();
        self.write(move |tx| {
            Box::pin(async move {
                let (o, disputes) = fetch_objection(&mut tx.conn, id)
                    .await?
                    .ok_or_else(|| objection_not_found(id))?;
                if let Some(a) = &o.decision {
                    return Err(Error::precondition(
                        "ALREADY_DECIDED",
                        format!(
                            "objection {} was already answered on {}",
                            o.registration_number, a.decide_date
                        ),
                    ));
                }
                let (req, _) = fetch_request(&mut tx.conn, o.request_id)
                    .await?
                    .ok_or_else(|| request_not_found(o.request_id))?;
                let agency = tx.agency(&req.agency_id)
                    .await?
                    .ok_or_else(|| {
                        anyhow::anyhow!("request's agency {} is missing", req.agency_id)
                    })?;
                let tz = agency.tz();
                let decide_time = d.decide_time.unwrap_or(now);
                if decide_time < o.file_time {
                    return Err(Error::invalid(
                        "decide_time",
                        "is before the objection was filed",
                    ));
                }
                let decide_date = time::local_date(decide_time, &tz);
                let on_time = decide_date <= o.answer_due_date;
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
                Sql::new(
            "UPDATE objections SET decision = $1, extent = $2, reasons = $3, superior_name = $4, \
             superior_position = $5, decide_time = $6, decide_date = $7, answered_on_time = $8, \
             reopened_due_date = $9 WHERE id = $10",
        )
        .bind(d.decision.as_str())
        .bind(d.extent.as_str())
        .bind(&d.reasons)
        .bind(&d.superior_name)
        .bind(&d.superior_position)
        .bind(ts(decide_time))
        .bind(decide_date.to_string())
        .bind(on_time)
        .bind(reopened.map(|r| r.to_string()))
        .bind(id.to_string())
        .execute(&mut tx.conn)
        .await?;
                let mut details = BTreeMap::new();
                let mut decided = o.clone();
                decided.decision = Some(ObjectionAnswer {
                    decision: d.decision,
                    extent: d.extent,
                    reasons: d.reasons.clone(),
                    superior_name: d.superior_name.clone(),
                    superior_position: d.superior_position.clone(),
                    decide_time,
                    decide_date,
                    on_time,
                    reopened_due_date: reopened,
                });
                record_figures(
                    tx,
                    &stats::diff(
                        &stats::objection_contributions(&o),
                        &stats::objection_contributions(&decided),
                    ),
                )
                .await?;
                details.insert("objection".to_string(), format!("objections/{id}"));
                details.insert("decision".to_string(), d.decision.as_str().to_string());
                details.insert("extent".to_string(), d.extent.as_str().to_string());
                details.insert("answered_on_time".to_string(), on_time.to_string());
                details.insert("superior_position".to_string(), d.superior_position.clone());
                let mut summary = format!(
                    "objection {} {} {} by the atasan ({}){}",
                    o.registration_number,
                    d.decision.as_str(),
                    d.extent.as_str(),
                    d.superior_position,
                    if on_time { "" } else { ", answered late" }
                );
                if let Some(due) = reopened {
                    details.insert("due_date".to_string(), due.to_string());
                    summary.push_str(&format!("; the request goes back to the PPID, due {due}"));
                }
                let event = NewEvent {
                    kind: EventType::ObjectionDecided,
                    event_time: decide_time,
                    summary,
                    details,
                };
                append_request_event(tx, &req, &next, event, now, &actor).await?;
                Ok((decided, disputes))
            })
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(objection = %objection_id))]
    async fn file_dispute(
        &self,
        id: Uuid,
        objection_id: Uuid,
        file_time: Option<Timestamp>,
        commission_register_number: Option<String>,
        now: Timestamp,
        actor: &str,
    ) -> Result<Dispute> {
        let actor = actor.to_string();
        self.write(move |tx| { Box::pin(async move {
        let (o, disputes) = fetch_objection(&mut tx.conn, objection_id)
            .await?
            .ok_or_else(|| objection_not_found(objection_id))?;
        if let Some(existing) = disputes.first() {
            return Err(Error::precondition(
                "DISPUTE_ALREADY_FILED",
                format!(
                    "objection {} already went to the Komisi Informasi as disputes/{existing}",
                    o.registration_number
                ),
            ));
        }
        let (req, _) = fetch_request(&mut tx.conn, o.request_id)
            .await?
            .ok_or_else(|| request_not_found(o.request_id))?;
        let agency = tx.agency(&o.agency_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("objection's agency {} is missing", o.agency_id))?;
        let tz = agency.tz();
        let cal = tx.calendar(&agency).await?;
        let file_time = file_time.unwrap_or(now);
        let file_day = time::local_date(file_time, &tz);
        let Some(window) = objection::dispute_window(&cal, &o, file_day)? else {
            return Err(Error::precondition(
                "OBJECTION_NOT_DECIDED",
                format!(
                    "objection {} has not been answered and its answer is due on {}: a dispute can be filed after the answer, or after that date",
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
        Sql::new(
            "INSERT INTO disputes (id, objection_id, request_id, commission_register_number, file_time, \
             window_start, window_due, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(objection_id.to_string())
        .bind(req.id.to_string())
        .bind(&dispute.commission_register_number)
        .bind(ts(file_time))
        .bind(window.start.to_string())
        .bind(window.due.to_string())
        .bind(ts(now))
        .execute(&mut tx.conn)
        .await?;
        record_figures(
            tx,
            &stats::dispute_contributions(&dispute, &o.agency_id, &tz),
        )
        .await?;
        let mut details = BTreeMap::new();
        details.insert("dispute".to_string(), format!("disputes/{id}"));
        details.insert(
            "objection".to_string(),
            format!("objections/{objection_id}"),
        );
        details.insert("window_due_date".to_string(), window.due.to_string());
        let event = NewEvent {
            kind: EventType::DisputeFiled,
            event_time: file_time,
            summary: format!(
                "dispute filed with the Komisi Informasi on objection {}",
                o.registration_number
            ),
            details,
        };
        append_request_event(tx, &req, &bumped(&req, now), event, now, &actor)
            .await?;
        Ok(dispute)
})}).await
    }

    async fn get_dispute(&self, id: Uuid) -> Result<Dispute> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        fetch_dispute(&mut conn, id)
            .await?
            .ok_or_else(|| dispute_not_found(id))
    }

    #[tracing::instrument(skip_all, fields(dispute = %id))]
    async fn record_dispute_outcome(
        &self,
        id: Uuid,
        s: Settlement,
        now: Timestamp,
        actor: &str,
    ) -> Result<Dispute> {
        let actor = actor.to_string();
        self.write(move |tx| { Box::pin(async move {
        let dispute = fetch_dispute(&mut tx.conn, id)
            .await?
            .ok_or_else(|| dispute_not_found(id))?;
        if let Some(prev) = &dispute.settlement {
            return Err(Error::precondition(
                "ALREADY_SETTLED",
                format!(
                    "disputes/{id} was already settled ({}, {})",
                    prev.outcome, prev.decision_number
                ),
            ));
        }
        let (req, _) = fetch_request(&mut tx.conn, dispute.request_id)
            .await?
            .ok_or_else(|| request_not_found(dispute.request_id))?;
        let agency = tx.agency(&req.agency_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("request's agency {} is missing", req.agency_id))?;
        let tz = agency.tz();
        if s.decision_date < time::local_date(dispute.file_time, &tz) {
            return Err(Error::invalid(
                "decision_date",
                "is before the dispute was filed",
            ));
        }
        if s.decision_date > time::local_date(now, &tz) {
            return Err(Error::invalid("decision_date", "is in the future"));
        }
        Sql::new("UPDATE disputes SET outcome = $1, decision_date = $2, decision_number = $3, summary = $4 WHERE id = $5")
            .bind(s.outcome.as_str())
            .bind(s.decision_date.to_string())
            .bind(&s.decision_number)
            .bind(&s.summary)
            .bind(id.to_string())
            .execute(&mut tx.conn)
            .await?;
        let mut details = BTreeMap::new();
        details.insert("dispute".to_string(), format!("disputes/{id}"));
        let (objection, _) = fetch_objection(&mut tx.conn, dispute.objection_id)
            .await?
            .ok_or_else(|| objection_not_found(dispute.objection_id))?;
        let mut settled = dispute.clone();
        settled.settlement = Some(s.clone());
        record_figures(
            tx,
            &stats::diff(
                &stats::dispute_contributions(&dispute, &objection.agency_id, &tz),
                &stats::dispute_contributions(&settled, &objection.agency_id, &tz),
            ),
        )
        .await?;
        details.insert("outcome".to_string(), s.outcome.as_str().to_string());
        details.insert("decision_number".to_string(), s.decision_number.clone());
        details.insert("decision_date".to_string(), s.decision_date.to_string());
        let event = NewEvent {
            kind: EventType::DisputeSettled,
            event_time: now,
            summary: format!(
                "dispute settled by the Komisi Informasi: {} ({})",
                s.outcome, s.decision_number
            ),
            details,
        };
        append_request_event(tx, &req, &bumped(&req, now), event, now, &actor)
            .await?;
        Ok(settled)
})}).await
    }
}
