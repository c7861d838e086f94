//! The DIK (exempt information), objections and disputes.
use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{
    ExemptionFilter,
    core::SqlStore,
    db::{Conn, Sql},
    register::push_subtree,
    rows::{
        DISPUTE_COLUMNS, EXEMPTION_COLUMNS, OBJECTION_COLUMNS, dispute_from_row, dispute_not_found,
        exemption_from_row, exemption_not_found, join, objection_from_row, objection_not_found, ts,
    },
};
use crate::{
    domain::{
        agency::Agency,
        exemption::{Exemption, Revocation},
        objection::{Dispute, Objection, ObjectionAnswer, Settlement},
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
        "SELECT {OBJECTION_COLUMNS} FROM objections o JOIN requests r ON r.id = o.request_id \
         WHERE o.id = $1"
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

    async fn get_dispute(&self, id: Uuid) -> Result<Dispute> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        fetch_dispute(&mut conn, id)
            .await?
            .ok_or_else(|| dispute_not_found(id))
    }
}

/// Registers a DIK entry.
pub(crate) async fn insert_exemption(conn: &mut Conn<'_>, e: &Exemption) -> Result<()> {
    Sql::new(
        "INSERT INTO exemptions (id, agency_id, information, letter, sub_item, other_law, harm, \
         public_interest_test, decree_number, decree_date, start_date, end_date, decided_by, \
         create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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

/// The number of the objection on a request that awaits an answer, if any.
pub(crate) async fn pending_objection(
    conn: &mut Conn<'_>,
    request_id: Uuid,
) -> Result<Option<String>> {
    Sql::new(
        "SELECT registration_number FROM objections WHERE request_id = $1 AND decision IS NULL",
    )
    .bind(request_id.to_string())
    .scalar_optional(conn)
    .await
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
         grounds, grounds_arose, statement, file_time, file_date, answer_due_date, create_time) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(o.id.to_string())
    .bind(&o.registration_number)
    .bind(o.request_id.to_string())
    .bind(&o.agency_id)
    .bind(agency_path)
    .bind(join(o.grounds.iter().map(|g| g.as_str())))
    .bind(join(&o.grounds_arose))
    .bind(&o.statement)
    .bind(ts(o.file_time))
    .bind(o.file_date.to_string())
    .bind(o.answer_due_date.to_string())
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the atasan's answer to an objection.
pub(crate) async fn record_answer(
    conn: &mut Conn<'_>,
    id: Uuid,
    a: &ObjectionAnswer,
) -> Result<()> {
    Sql::new(
        "UPDATE objections SET decision = $1, extent = $2, reasons = $3, superior_name = $4, \
         superior_position = $5, decide_time = $6, decide_date = $7, answered_on_time = $8, \
         reopened_due_date = $9 WHERE id = $10",
    )
    .bind(a.decision.as_str())
    .bind(a.extent.as_str())
    .bind(&a.reasons)
    .bind(&a.superior_name)
    .bind(&a.superior_position)
    .bind(ts(a.decide_time))
    .bind(a.decide_date.to_string())
    .bind(a.on_time)
    .bind(a.reopened_due_date.map(|r| r.to_string()))
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Registers a dispute.
pub(crate) async fn insert_dispute(conn: &mut Conn<'_>, d: &Dispute, now: Timestamp) -> Result<()> {
    Sql::new(
        "INSERT INTO disputes (id, objection_id, request_id, commission_register_number, \
         file_time, window_start, window_due, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(d.id.to_string())
    .bind(d.objection_id.to_string())
    .bind(d.request_id.to_string())
    .bind(&d.commission_register_number)
    .bind(ts(d.file_time))
    .bind(d.window_start.to_string())
    .bind(d.window_due.to_string())
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records how a dispute ended.
pub(crate) async fn record_settlement(conn: &mut Conn<'_>, id: Uuid, s: &Settlement) -> Result<()> {
    Sql::new(
        "UPDATE disputes SET outcome = $1, decision_date = $2, decision_number = $3, summary = $4 \
         WHERE id = $5",
    )
    .bind(s.outcome.as_str())
    .bind(s.decision_date.to_string())
    .bind(&s.decision_number)
    .bind(&s.summary)
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
