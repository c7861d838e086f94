// Reporting: the aggregates the annual report needs beyond the figure cells,
// and the export's keyset pages (SQL both backends share; see common.rs).

use crate::store::{ObjectionGroundCount, WithholdingCount};

/// A statement as SQL text and the values bound between it, so that sqlx
/// (through [`QueryBuilder`]) and SQLite's export reader (sqlite.rs) run the
/// same request query.
#[derive(Default)]
struct Pieces(Vec<Piece>);

enum Piece {
    Sql(String),
    Text(String),
    Int(i64),
}

impl Pieces {
    fn sql(&mut self, s: impl Into<String>) -> &mut Self {
        self.0.push(Piece::Sql(s.into()));
        self
    }

    fn text(&mut self, v: impl Into<String>) -> &mut Self {
        self.0.push(Piece::Text(v.into()));
        self
    }

    fn int(&mut self, v: i64) -> &mut Self {
        self.0.push(Piece::Int(v));
        self
    }

    fn build(self) -> QueryBuilder<Db> {
        let mut qb = QueryBuilder::<Db>::new("");
        for piece in self.0 {
            match piece {
                Piece::Sql(s) => qb.push(s),
                Piece::Text(v) => qb.push_bind(v),
                Piece::Int(v) => qb.push_bind(v),
            };
        }
        qb
    }
}

/// A request filter's conditions (everything but the cursor): the export's
/// and ListRequests'.
fn request_filter(p: &mut Pieces, filter: &RequestFilter) {
    if let Some(a) = &filter.agency {
        if filter.include_sub_agencies {
            let (low, high) = subtree_bounds(&a.path);
            p.sql(" AND agency_path >= ")
                .text(low)
                .sql(" AND agency_path < ")
                .text(high);
        } else {
            if !filter.states.is_empty() || filter.overdue_at.is_some() {
                // As push_one_agency: open requests of one agency come from
                // the index on state and path.
                p.sql(" AND agency_path = ").text(a.path.clone());
            }
            p.sql(" AND agency_id = ").text(a.id.clone());
        }
    }
    if !filter.states.is_empty() {
        p.sql(" AND state IN (");
        for (i, s) in filter.states.iter().enumerate() {
            p.sql(if i == 0 { "" } else { ", " }).text(s.as_str());
        }
        p.sql(")");
    }
    if let Some(t) = filter.receive_start {
        p.sql(" AND receive_time >= ").int(ts(t));
    }
    if let Some(t) = filter.receive_end {
        p.sql(" AND receive_time < ").int(ts(t));
    }
    if let Some(t) = filter.overdue_at {
        p.sql(" AND state = 'pending' AND due_end_time <= ")
            .int(ts(t));
    }
    if let Some(key) = &filter.submitted_by {
        p.sql(" AND submitted_by = ").text(key.clone());
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
fn page_query(
    filter: &RequestFilter,
    after: Option<RequestCursor>,
    limit: i64,
    order: Newest,
) -> Pieces {
    let (past, direction) = match order {
        Newest::First => ("<", "DESC"),
        Newest::Last => (">", "ASC"),
    };
    let mut p = Pieces::default();
    p.sql(concat!(
        "SELECT ",
        request_columns!(),
        " FROM requests WHERE 1 = 1"
    ));
    request_filter(&mut p, filter);
    if let Some(c) = after {
        p.sql(format!(" AND (receive_time, id) {past} ("))
            .int(ts(c.receive_time))
            .sql(", ")
            .text(c.id.to_string())
            .sql(")");
    }
    p.sql(format!(
        " ORDER BY receive_time {direction}, id {direction} LIMIT "
    ))
    .int(limit);
    p
}

async fn page_requests(
    pool: &sqlx::Pool<Db>,
    filter: &RequestFilter,
    after: Option<RequestCursor>,
    limit: i64,
    order: Newest,
) -> Result<Vec<Request>> {
    let mut qb = page_query(filter, after, limit, order).build();
    let mut rows = qb.build().fetch(pool);
    let mut out = Vec::with_capacity(usize::try_from(limit).unwrap_or(0).min(10_000));
    while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
        out.push(request_from_row(&row)?);
    }
    Ok(out)
}

/// Pages the export's reader runs ahead of the writer (on another thread):
/// memory stays a few pages whatever the export's size.
const EXPORT_AHEAD: usize = 2;

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

    fn export_pages(
        &self,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        page: usize,
    ) -> tokio::sync::mpsc::Receiver<Result<Vec<Request>>> {
        let (tx, rx) = tokio::sync::mpsc::channel(EXPORT_AHEAD);
        spawn_export(self.pool.clone(), filter, after, page.max(1), tx);
        rx
    }

    async fn export_count(&self, filter: &RequestFilter) -> Result<i64> {
        let mut p = Pieces::default();
        p.sql("SELECT COUNT(*) FROM requests WHERE 1 = 1");
        request_filter(&mut p, filter);
        let mut qb = p.build();
        Ok(qb.build_query_scalar::<i64>().fetch_one(&self.pool).await?)
    }
}
