//! The DIK (exempt information), objections and disputes.
use anyhow::Context;
use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{
    DisputeFilter, ExemptionFilter, ObjectionCursor, ObjectionFilter,
    core::SqlStore,
    db::{Arg, Conn, Sql},
    register::push_subtree,
    rows::{
        DISPUTE_COLUMNS, EXEMPTION_COLUMNS, OBJECTION_COLUMNS, OBJECTION_FROM, dispute_from_row,
        dispute_not_found, exemption_from_row, exemption_not_found, join, objection_from_row,
        objection_not_found, ts,
    },
};
use crate::{
    domain::{
        agency::Agency,
        exemption::{Exemption, Revocation},
        objection::{Dispute, Objection},
    },
    error::Result,
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

pub(crate) async fn fetch_objection(
    conn: &mut Conn<'_>,
    id: Uuid,
) -> Result<Option<(Objection, Vec<Uuid>)>> {
    let row = Sql::new(format!(
        "SELECT {OBJECTION_COLUMNS} {OBJECTION_FROM} WHERE o.id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(objection_from_row).transpose()
}

pub(crate) async fn fetch_dispute(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Dispute>> {
    let row = Sql::new(format!(
        "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(dispute_from_row).transpose()
}

#[async_trait::async_trait]
impl super::DikStore for SqlStore {
    async fn tariffs(&self, path: &str) -> Result<Vec<crate::domain::tariff::Tariff>> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        super::tariff::tariffs_on_path(&mut conn, path).await
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
        qb.push_list(crate::domain::agency::path_ids(&agency.path));
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

    async fn get_objection(&self, id: Uuid) -> Result<(Objection, Vec<Uuid>)> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        fetch_objection(&mut conn, id)
            .await?
            .ok_or_else(|| objection_not_found(id))
    }

    async fn list_objections(
        &self,
        filter: &ObjectionFilter,
        after: Option<ObjectionCursor>,
        limit: i64,
    ) -> Result<Vec<(Objection, Vec<Uuid>)>> {
        let mut qb = Sql::new(format!(
            "SELECT {OBJECTION_COLUMNS} {OBJECTION_FROM} WHERE 1 = 1"
        ));
        if let Some(r) = filter.request {
            qb.push(" AND o.request_id = ").push_bind(r.to_string());
        }
        if let Some(path) = &filter.agency_path {
            push_subtree(&mut qb, "o.agency_path", path);
        }
        if filter.undecided_only || filter.due_by.is_some() {
            qb.push(" AND o.decision IS NULL");
        }
        if let Some(d) = filter.due_by {
            qb.push(" AND o.answer_due_date <= ")
                .push_bind(d.to_string());
        }
        // Dates are stored as YYYY-MM-DD, so text order is date order.
        let (time, order) = if filter.by_answer_due {
            (
                "o.answer_due_date",
                " ORDER BY o.answer_due_date, o.id LIMIT ",
            )
        } else {
            (
                "o.file_time",
                " ORDER BY o.file_time DESC, o.id DESC LIMIT ",
            )
        };
        let (op, key): (&str, Arg) = match &after {
            None => ("", Arg::from(0i64)),
            Some(ObjectionCursor::Filed(t, _)) => ("<", ts(*t).into()),
            Some(ObjectionCursor::Due(d, _)) => (">", d.to_string().into()),
        };
        if let Some(ObjectionCursor::Filed(_, id) | ObjectionCursor::Due(_, id)) = &after {
            qb.push(&format!(" AND ({time} {op} "))
                .push_bind(key.clone())
                .push(&format!(" OR ({time} = "))
                .push_bind(key)
                .push(&format!(" AND o.id {op} "))
                .push_bind(id.to_string())
                .push("))");
        }
        qb.push(order).push_bind(limit);
        let rows = qb.fetch_all(&mut self.read().await?.conn()).await?;
        rows.iter().map(objection_from_row).collect()
    }

    async fn undecided_objections(
        &self,
        agency: &Agency,
        limit: i64,
    ) -> Result<(i64, Vec<Objection>)> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        let mut count = Sql::new("SELECT COUNT(*) FROM objections o WHERE o.decision IS NULL");
        push_subtree(&mut count, "o.agency_path", &agency.path);
        let count: i64 = count.scalar(&mut conn).await?;
        let mut qb = Sql::new(format!(
            "SELECT {OBJECTION_COLUMNS} {OBJECTION_FROM} WHERE o.decision IS NULL"
        ));
        push_subtree(&mut qb, "o.agency_path", &agency.path);
        qb.push(" ORDER BY o.answer_due_date, o.id LIMIT ")
            .push_bind(limit);
        let rows = qb.fetch_all(&mut conn).await?;
        let open = rows
            .iter()
            .map(|r| objection_from_row(r).map(|(o, _)| o))
            .collect::<Result<_>>()?;
        Ok((count, open))
    }

    async fn objection_heads(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, (String, String)>> {
        let mut out = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut qb =
            Sql::new("SELECT id, registration_number, agency_id FROM objections WHERE id IN ");
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        qb.push_list(ids.iter().map(String::as_str));
        for r in qb.fetch_all(&mut self.read().await?.conn()).await? {
            let id: String = r.get("id")?;
            out.insert(
                Uuid::parse_str(&id).context("a stored objection id")?,
                (r.get("registration_number")?, r.get("agency_id")?),
            );
        }
        Ok(out)
    }

    async fn get_dispute(&self, id: Uuid) -> Result<Dispute> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        fetch_dispute(&mut conn, id)
            .await?
            .ok_or_else(|| dispute_not_found(id))
    }

    async fn list_disputes(
        &self,
        filter: &DisputeFilter,
        after: Option<(Timestamp, Uuid)>,
        limit: i64,
    ) -> Result<Vec<Dispute>> {
        let mut qb = Sql::new(format!(
            "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE 1 = 1"
        ));
        if let Some(r) = filter.request {
            qb.push(" AND request_id = ").push_bind(r.to_string());
        }
        if let Some(path) = &filter.agency_path {
            push_subtree(&mut qb, "agency_path", path);
        }
        if !filter.stages.is_empty() {
            qb.push(" AND stage IN ")
                .push_list(filter.stages.iter().map(|s| s.as_str()));
        }
        if let Some(o) = filter.outcome {
            qb.push(" AND outcome = ").push_bind(o.as_str());
        }
        if let Some(t) = filter.timing {
            qb.push(" AND filing_timing = ").push_bind(t.as_str());
        }
        if let Some((t, id)) = after {
            qb.push(" AND (file_time < ")
                .push_bind(ts(t))
                .push(" OR (file_time = ")
                .push_bind(ts(t))
                .push(" AND id < ")
                .push_bind(id.to_string())
                .push("))");
        }
        qb.push(" ORDER BY file_time DESC, id DESC LIMIT ")
            .push_bind(limit);
        let rows = qb.fetch_all(&mut self.read().await?.conn()).await?;
        rows.iter().map(dispute_from_row).collect()
    }
}

/// Registers a DIK entry.
pub(crate) async fn insert_exemption(conn: &mut Conn<'_>, e: &Exemption) -> Result<()> {
    Sql::new(
        "INSERT INTO exemptions (id, agency_id, information, letter, sub_item, other_law, harm, \
         public_interest_test, decree_number, decree_date, start_date, end_date, decided_by, \
         create_time, category) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
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
    .bind(e.category.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an entry's revocation.
pub(crate) async fn revoke_exemption(conn: &mut Conn<'_>, id: Uuid, r: &Revocation) -> Result<()> {
    Sql::new(
        "UPDATE exemptions SET revoke_time = $1, revoke_date = $2, revoke_reason = $3 WHERE id = $4",
    )
    .bind(ts(r.time))
    .bind(r.date.to_string())
    .bind(&r.reason)
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Registers an objection with the agency (path) it is filed with.
pub(crate) async fn insert_objection(
    conn: &mut Conn<'_>,
    o: &Objection,
    agency_path: &str,
    now: Timestamp,
) -> Result<()> {
    Sql::new(
        "INSERT INTO objections (id, registration_number, request_id, agency_id, agency_path, \
         grounds, grounds_arose, statement, file_time, file_date, answer_due_date, create_time, \
         unpublished_information, ground_checks, unpublished_dip_entry, unpublished_item) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(o.id.to_string())
    .bind(&o.registration_number)
    .bind(o.request_id.map(|r| r.to_string()))
    .bind(&o.agency_id)
    .bind(agency_path)
    .bind(join(o.grounds.iter().map(|g| g.as_str())))
    .bind(join(o.checks.iter().filter_map(|c| c.arose)))
    .bind(&o.statement)
    .bind(ts(o.file_time))
    .bind(o.file_date.to_string())
    .bind(o.answer_due_date.to_string())
    .bind(ts(now))
    .bind(&o.unpublished_information)
    .bind(serde_json::to_string(&o.checks).context("encoding ground checks")?)
    .bind(&o.unpublished_dip_entry)
    .bind(&o.unpublished_item)
    .execute(conn)
    .await?;
    write_objection(conn, o).await
}

/// Writes what changes on an objection after filing: its deadlines (moved
/// by holiday edits), the atasan's answer and its receipt, its history.
pub(crate) async fn write_objection(conn: &mut Conn<'_>, o: &Objection) -> Result<()> {
    let a = o.decision.as_ref();
    let history = if o.history.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&o.history).context("encoding objection history")?)
    };
    Sql::new(
        "UPDATE objections SET answer_due_date = $1, dispute_window_start = $2, \
         dispute_window_due = $3, decision = $4, extent = $5, reasons = $6, superior_name = $7, \
         superior_position = $8, decide_time = $9, decide_date = $10, answered_on_time = $11, \
         reopened_due_date = $12, corrected_fee_rupiah = $13, refund_rupiah = $14, \
         answer_receipt_date = $15, history = $16 WHERE id = $17",
    )
    .bind(o.answer_due_date.to_string())
    .bind(o.dispute_window.map(|w| w.start.to_string()))
    .bind(o.dispute_window.map(|w| w.due.to_string()))
    .bind(a.map(|a| a.decision.as_str()))
    .bind(a.map(|a| a.extent.as_str()))
    .bind(a.and_then(|a| a.reasons.clone()))
    .bind(a.map(|a| a.superior_name.clone()))
    .bind(a.map(|a| a.superior_position.clone()))
    .bind(a.map(|a| ts(a.decide_time)))
    .bind(a.map(|a| a.decide_date.to_string()))
    .bind(a.map(|a| a.on_time))
    .bind(a.and_then(|a| a.reopened_due_date).map(|r| r.to_string()))
    .bind(a.and_then(|a| a.corrected_fee_rupiah))
    .bind(a.map(|a| a.refund_rupiah))
    .bind(a.and_then(|a| a.receipt_date).map(|r| r.to_string()))
    .bind(history)
    .bind(o.id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Objections whose deadlines a calendar change on `date` may move, within
/// the agency subtree `scope_path` (everything when `None`): unanswered ones
/// whose answer window spans it, and those whose stored dispute window does.
pub(crate) async fn objections_around(
    conn: &mut Conn<'_>,
    date: Date,
    scope_path: Option<&str>,
) -> Result<Vec<Objection>> {
    let d = date.to_string();
    let mut q = Sql::new(format!(
        "SELECT {OBJECTION_COLUMNS} {OBJECTION_FROM} WHERE ((o.decision IS NULL AND \
         o.file_date <= $1 AND o.answer_due_date >= $1) OR (o.dispute_window_due >= $1 \
         AND o.dispute_window_start <= $1))"
    ))
    .bind(d);
    if let Some(path) = scope_path {
        push_subtree(&mut q, "o.agency_path", path);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|r| objection_from_row(r).map(|(o, _)| o))
        .collect()
}

/// Registers a dispute under the objection's agency (path).
pub(crate) async fn insert_dispute(
    conn: &mut Conn<'_>,
    d: &Dispute,
    agency_path: &str,
    now: Timestamp,
) -> Result<()> {
    Sql::new(
        "INSERT INTO disputes (id, objection_id, request_id, commission_register_number, \
         file_time, window_start, window_due, create_time, filing_timing, agency_path) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(d.id.to_string())
    .bind(d.objection_id.to_string())
    .bind(d.request_id.map(|r| r.to_string()))
    .bind(&d.commission_register_number)
    .bind(ts(d.file_time))
    .bind(d.window_start.to_string())
    .bind(d.window_due.to_string())
    .bind(ts(now))
    .bind(d.timing.as_str())
    .bind(agency_path)
    .execute(conn)
    .await?;
    write_dispute(conn, d).await
}

/// Writes a dispute's steps, stage and decision.
pub(crate) async fn write_dispute(conn: &mut Conn<'_>, d: &Dispute) -> Result<()> {
    let s = d.settlement.as_ref();
    let steps = if d.steps.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&d.steps).context("encoding dispute steps")?)
    };
    Sql::new(
        "UPDATE disputes SET commission_register_number = $1, outcome = $2, decision_date = $3, \
         decision_number = $4, summary = $5, stage = $6, steps = $7 WHERE id = $8",
    )
    .bind(&d.commission_register_number)
    .bind(s.map(|s| s.outcome.as_str()))
    .bind(s.map(|s| s.decision_date.to_string()))
    .bind(s.map(|s| s.decision_number.clone()))
    .bind(s.and_then(|s| s.summary.clone()))
    .bind(d.stage().as_str())
    .bind(steps)
    .bind(d.id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
