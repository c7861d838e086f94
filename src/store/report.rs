// Reporting: the aggregates the annual report needs beyond the figure cells,
// and the export's keyset pages (SQL both backends share; see common.rs).

use crate::store::{ObjectionGroundCount, WithholdingCount};

/// Adds a request filter's conditions (everything but the cursor): the
/// export's and ListRequests'.
fn push_request_filter(qb: &mut QueryBuilder<Db>, filter: &RequestFilter) {
    if let Some(a) = &filter.agency {
        if filter.include_sub_agencies {
            push_subtree(qb, "agency_path", &a.path);
        } else {
            qb.push(" AND agency_id = ").push_bind(a.id.clone());
        }
    }
    if !filter.states.is_empty() {
        qb.push(" AND state IN (");
        let mut sep = qb.separated(", ");
        for s in &filter.states {
            sep.push_bind(s.as_str());
        }
        qb.push(")");
    }
    if let Some(t) = filter.receive_start {
        qb.push(" AND receive_time >= ").push_bind(ts(t));
    }
    if let Some(t) = filter.receive_end {
        qb.push(" AND receive_time < ").push_bind(ts(t));
    }
    if let Some(t) = filter.overdue_at {
        qb.push(" AND state = 'pending' AND due_end_time <= ")
            .push_bind(ts(t));
    }
    if let Some(key) = &filter.submitted_by {
        qb.push(" AND submitted_by = ").push_bind(key.clone());
    }
}

/// Which end of receipt order a page of requests starts from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Newest {
    /// ListRequests: newest receipt first.
    First,
    /// The export: oldest first.
    Last,
}

/// A page of requests matching `filter` in (receive_time, id) order, strictly
/// past `after`. The keyset is a row-value comparison: an index condition on
/// both backends (PostgreSQL cannot bound an index scan with the OR form and
/// would rescan from the start on every page).
async fn page_requests(
    pool: &sqlx::Pool<Db>,
    filter: &RequestFilter,
    after: Option<RequestCursor>,
    limit: i64,
    order: Newest,
) -> Result<Vec<Request>> {
    let (past, direction) = match order {
        Newest::First => ("<", "DESC"),
        Newest::Last => (">", "ASC"),
    };
    let mut qb = QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        request_columns!(),
        " FROM requests WHERE 1 = 1"
    ));
    push_request_filter(&mut qb, filter);
    if let Some(c) = after {
        qb.push(format!(" AND (receive_time, id) {past} ("))
            .push_bind(ts(c.receive_time))
            .push(", ")
            .push_bind(c.id.to_string())
            .push(")");
    }
    qb.push(format!(
        " ORDER BY receive_time {direction}, id {direction} LIMIT "
    ))
    .push_bind(limit);
    let mut rows = qb.build().fetch(pool);
    let mut out = Vec::with_capacity(usize::try_from(limit).unwrap_or(0).min(10_000));
    while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
        out.push(request_from_row(&row)?);
    }
    Ok(out)
}

#[async_trait::async_trait]
impl crate::store::ReportStore for SqlStore {
    async fn withholding_by_letters(
        &self,
        agencies: &[Agency],
        from: Date,
        to: Date,
    ) -> Result<Vec<WithholdingCount>> {
        // A notice counts in its agency's local year: one query per time zone
        // with that zone's bounds (a Pemda usually has one zone).
        let mut zones: BTreeMap<&str, Vec<&Agency>> = BTreeMap::new();
        for a in agencies {
            zones.entry(a.time_zone.as_str()).or_default().push(a);
        }
        let mut out = Vec::new();
        for members in zones.values() {
            let tz = members[0].tz();
            let start = from
                .yesterday()
                .ok()
                .and_then(|d| time::end_of_day(d, &tz))
                .context("start of the period")?;
            let end = time::end_of_day(to, &tz).context("end of the period")?;
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT agency_id, outcome, exemption_letters, COUNT(*) AS n FROM requests \
                 WHERE outcome IN ('rejected', 'partially_granted') AND agency_id IN ",
            );
            let ids: Vec<String> = members.iter().map(|a| a.id.clone()).collect();
            push_ids(&mut qb, &ids);
            qb.push(" AND notice_time >= ")
                .push_bind(ts(start))
                .push(" AND notice_time < ")
                .push_bind(ts(end))
                .push(" GROUP BY agency_id, outcome, exemption_letters");
            for row in qb.build().fetch_all(&self.pool).await? {
                let letters: Option<String> = row.try_get("exemption_letters")?;
                out.push(WithholdingCount {
                    agency_id: row.try_get("agency_id")?,
                    outcome: parse_named(
                        &row.try_get::<String, _>("outcome")?,
                        Outcome::parse,
                        "outcome",
                    )?,
                    letters: letters
                        .as_deref()
                        .unwrap_or("")
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(|s| parse_named(s, ExemptionLetter::parse, "exemption letter"))
                        .collect::<Result<_>>()?,
                    count: row.try_get("n")?,
                });
            }
        }
        Ok(out)
    }

    async fn objections_by_ground(
        &self,
        agency: &Agency,
        from: Date,
        to: Date,
    ) -> Result<Vec<ObjectionGroundCount>> {
        // file_date is already the agency-local day of filing.
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT agency_id, grounds, COUNT(*) AS n FROM objections WHERE file_date >= ",
        );
        qb.push_bind(from.to_string())
            .push(" AND file_date <= ")
            .push_bind(to.to_string());
        push_subtree(&mut qb, "agency_path", &agency.path);
        qb.push(" GROUP BY agency_id, grounds");
        let mut out = Vec::new();
        for row in qb.build().fetch_all(&self.pool).await? {
            let grounds: String = row.try_get("grounds")?;
            out.push(ObjectionGroundCount {
                agency_id: row.try_get("agency_id")?,
                grounds: grounds
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| parse_named(s, ObjectionGround::parse, "objection ground"))
                    .collect::<Result<_>>()?,
                count: row.try_get("n")?,
            });
        }
        Ok(out)
    }

    async fn export_page(
        &self,
        filter: &RequestFilter,
        after: Option<RequestCursor>,
        limit: i64,
    ) -> Result<Vec<Request>> {
        page_requests(&self.pool, filter, after, limit, Newest::Last).await
    }

    async fn export_count(&self, filter: &RequestFilter) -> Result<i64> {
        let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM requests WHERE 1 = 1");
        push_request_filter(&mut qb, filter);
        Ok(qb.build_query_scalar::<i64>().fetch_one(&self.pool).await?)
    }
}
