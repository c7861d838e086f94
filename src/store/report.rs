//! Reporting: the aggregates the annual report needs beyond the figure
//! cells, and the export's keyset pages.
use std::collections::BTreeMap;

use anyhow::Context as _;
use jiff::{Timestamp, civil::Date};

use super::{
    ListCursor, ObjectionGroundCount, RequestCursor, RequestFilter, RequestOrder, Search,
    WithholdingCount,
    core::SqlStore,
    db::{Conn, Sql},
    register::push_subtree,
    rows::{REQUEST_COLUMNS, from_ts, parse_named, request_from_row, subtree_bounds, ts},
};
use crate::{
    domain::{
        ExemptionLetter, ObjectionGround, Outcome, RequestState, agency::Agency, request::Request,
        search::Query, time,
    },
    error::Result,
};

/// A request filter's conditions (everything but the cursor and order):
/// the export's and ListRequests'. `pg`: the query runs on PostgreSQL
/// (search is written per backend).
pub(crate) fn request_filter(q: &mut Sql, filter: &RequestFilter, pg: bool) {
    if let Some(a) = &filter.agency {
        if filter.include_sub_agencies && by_agency_index(filter, pg) {
            let (low, high) = subtree_bounds(&a.path);
            q.push(" AND agency_id IN (SELECT id FROM agencies WHERE path >= ")
                .push_bind(low)
                .push(" AND path < ")
                .push_bind(high)
                .push(")");
        } else if filter.include_sub_agencies && pg_words_search(filter, pg) {
            // The subtree is a lexeme of the search document (see
            // search_condition).
        } else if filter.include_sub_agencies {
            let (low, high) = subtree_bounds(&a.path);
            q.push(" AND agency_path >= ")
                .push_bind(low)
                .push(" AND agency_path < ")
                .push_bind(high);
        } else {
            if !filter.states.is_empty() || filter.overdue_at.is_some() {
                // As push_one_agency: open requests of one agency come from
                // the index on state and path.
                q.push(" AND agency_path = ").push_bind(a.path.clone());
            }
            q.push(" AND agency_id = ").push_bind(a.id.clone());
        }
    }
    if !filter.states.is_empty() {
        q.push(" AND state IN ")
            .push_list(filter.states.iter().map(|s| s.as_str()));
    }
    if let Some(t) = filter.receive_start {
        q.push(" AND receive_time >= ").push_bind(ts(t));
    }
    if let Some(t) = filter.receive_end {
        q.push(" AND receive_time < ").push_bind(ts(t));
    }
    if let Some(t) = filter.overdue_at {
        // Overdue for the notice, or answered and overdue for delivery.
        q.push(" AND ((state IN ")
            .push_list(RequestState::CLOCK_RUNS.iter().map(|s| s.as_str()))
            .push(" AND due_end_time <= ")
            .push_bind(ts(t))
            .push(") OR (state = ")
            .push_bind(RequestState::Responded.as_str())
            .push(" AND delivery_due_end_time <= ")
            .push_bind(ts(t))
            .push("))");
    }
    if let Some(key) = &filter.submitted_by {
        q.push(" AND submitted_by = ").push_bind(key.clone());
    }
    if !filter.deadline_in.is_empty() {
        q.push(" AND (");
        for (i, r) in filter.deadline_in.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            deadline_range(q, r.after, r.until);
        }
        q.push(")");
    }
    if let Some(t) = filter.deadline_by {
        q.push(" AND ");
        deadline_range(q, None, Some(t));
    }
    match filter.extended {
        Some(true) => {
            q.push(" AND extension_reason IS NOT NULL");
        }
        Some(false) => {
            q.push(" AND extension_reason IS NULL");
        }
        None => {}
    }
    if let Some(s) = &filter.search {
        let scope = filter
            .agency
            .as_ref()
            .filter(|_| filter.include_sub_agencies);
        search_condition(q, s, pg, filter.agency.is_some(), scope);
    }
}

/// A word search on PostgreSQL: a subtree is then a lexeme of the search
/// document rather than a path range.
fn pg_words_search(filter: &RequestFilter, pg: bool) -> bool {
    pg && matches!(
        filter.search,
        Some(Search {
            query: Query::Words(_),
            ..
        })
    )
}

/// Whether a subtree is best read through each agency's requests
/// (`requests_by_agency`) rather than a range of paths. A path range
/// without a state has no index of its own (SQLite reads all requests,
/// PostgreSQL the whole open-requests index); the deadline order, and on
/// SQLite a search, without state filters read a subtree's requests by
/// agency instead (1M requests, one OPD in deadline order: SQLite 360 ms to
/// 16 ms, PostgreSQL 255 ms to 25 ms). PostgreSQL searches keep the path:
/// its planner would repeat the text index scan per agency. With state or
/// deadline filters the path stays: `requests_open_by_path` serves those.
/// Exports (newest first, no search) keep the path, so they stream in order.
fn by_agency_index(filter: &RequestFilter, pg: bool) -> bool {
    let search = filter.search.is_some();
    let deadline = filter.order == RequestOrder::Deadline;
    let wanted = if pg {
        deadline && !search
    } else {
        deadline || search
    };
    wanted
        && filter.states.is_empty()
        && filter.overdue_at.is_none()
        && filter.deadline_in.is_empty()
        && filter.deadline_by.is_none()
}

/// The running deadline (the notice's while the clock runs, delivery's once
/// answered) ends in `(after, until]`: one condition per deadline, so each
/// can read its index.
fn deadline_range(q: &mut Sql, after: Option<Timestamp>, until: Option<Timestamp>) {
    let bounds = |q: &mut Sql, col: &str| {
        q.push(&format!(" AND {col} IS NOT NULL"));
        if let Some(t) = after {
            q.push(&format!(" AND {col} > ")).push_bind(ts(t));
        }
        if let Some(t) = until {
            q.push(&format!(" AND {col} <= ")).push_bind(ts(t));
        }
    };
    q.push("((state IN ")
        .push_list(RequestState::CLOCK_RUNS.iter().map(|s| s.as_str()));
    bounds(q, "due_end_time");
    q.push(") OR (state = ")
        .push_bind(RequestState::Responded.as_str());
    bounds(q, "delivery_due_end_time");
    q.push("))");
}

/// A search: a registration number (exact, or its start), or words, each a
/// whole word or a prefix, all present; in the requester's name too when
/// `with_name`. Tokens are letters and digits only (domain::search), so
/// they need no quoting beyond the backend's syntax. On PostgreSQL a
/// subtree `scope` is searched as the lexeme `@{id}` that every request
/// under it carries (migration 0020): the GIN index intersects the words
/// with the subtree, instead of fetching every match from the table and
/// filtering by path (1M requests, "stunting" in a Pemda: 148 ms to
/// 28 ms).
fn search_condition(q: &mut Sql, s: &Search, pg: bool, agency: bool, scope: Option<&Agency>) {
    match &s.query {
        Query::RegistrationNumber(n) => {
            if crate::domain::request::is_registration_number(n) {
                q.push(" AND registration_number = ").push_bind(n.clone());
            } else {
                q.push(&format!(
                    " AND substr(registration_number, 1, {}) = ",
                    n.chars().count()
                ))
                .push_bind(n.clone());
            }
        }
        Query::Words(words) if pg => {
            let column = if s.with_name {
                "search_all"
            } else {
                "search_doc"
            };
            if s.expanded.len() == words.len() {
                // The words (a-z and digits) as a tsquery of their own: each
                // one either the indexed words it starts, matched whole, or
                // a prefix (see register::expand_prefixes).
                let terms: Vec<String> = words
                    .iter()
                    .zip(&s.expanded)
                    .map(|(w, e)| match e {
                        Some(l) => {
                            let l: Vec<String> = l.iter().map(|x| format!("'{x}'")).collect();
                            format!("({})", l.join(" | "))
                        }
                        None => format!("'{w}':*"),
                    })
                    .collect();
                q.push(&format!(" AND {column} @@ ("))
                    .push_bind(terms.join(" & "))
                    .push("::tsquery");
            } else {
                let tsquery: Vec<String> = words.iter().map(|w| format!("{w}:*")).collect();
                q.push(&format!(" AND {column} @@ (to_tsquery('simple', "))
                    .push_bind(tsquery.join(" & "))
                    .push(")");
            }
            if let Some(a) = scope {
                // Agency ids are lower-case letters, digits and '-': quoted,
                // a lexeme as it stands.
                q.push(" && ")
                    .push_bind(format!("'@{}'", a.id))
                    .push("::tsquery");
            }
            q.push(")");
        }
        Query::Words(words) => {
            let terms: Vec<String> = words.iter().map(|w| format!("\"{w}\"*")).collect();
            let expr = if s.with_name {
                terms.join(" AND ")
            } else {
                format!("search_words : ({})", terms.join(" AND "))
            };
            // With an agency, its requests are read by agency and each
            // checked against the matches (`+rowid`: not the other way
            // round, a lookup per match, 33k for a common word).
            let rowid = if agency { "+rowid" } else { "rowid" };
            q.push(&format!(
                " AND {rowid} IN (SELECT rowid FROM request_search WHERE request_search MATCH "
            ))
            .push_bind(expr)
            .push(")");
        }
    }
}

/// The running deadline's end as a sort key: `i64::MAX` without one
/// ([`super::deadline_key`] in SQL).
const DEADLINE_KEY: &str = "COALESCE(CASE WHEN state = 'pending' THEN due_end_time \
     WHEN state = 'responded' THEN delivery_due_end_time END, 9223372036854775807)";

/// The rows of PostgreSQL's index of running deadlines
/// (`requests_running_deadlines`, migration 0026: its predicate word for
/// word; `pending` is [`RequestState::CLOCK_RUNS`]).
const RUNNING_DEADLINE: &str = "((state = 'pending' AND due_end_time IS NOT NULL) \
     OR (state = 'responded' AND delivery_due_end_time IS NOT NULL))";

/// Whether only requests with a running deadline can match `filter`: a
/// deadline range, a deadline bound or overdue only, and no search (the
/// index of running deadlines does not hold the search documents).
fn running_deadlines_only(filter: &RequestFilter) -> bool {
    (!filter.deadline_in.is_empty() || filter.deadline_by.is_some() || filter.overdue_at.is_some())
        && filter.search.is_none()
}

/// Deadline order's keyset: strictly past `after`.
fn deadline_after(q: &mut Sql, after: Option<ListCursor>) {
    if let Some(ListCursor::Deadline(key, id)) = after {
        q.push(&format!(" AND ({DEADLINE_KEY}, id) > ("))
            .push_bind(key)
            .push(", ")
            .push_bind(id.to_string())
            .push(")");
    }
}

/// A page of ListRequests in the filter's order, strictly past `after`.
pub(crate) fn list_query(
    filter: &RequestFilter,
    after: Option<ListCursor>,
    limit: i64,
    pg: bool,
) -> Sql {
    match filter.order {
        RequestOrder::NewestFirst => {
            let after = match after {
                Some(ListCursor::Receipt(c)) => Some(c),
                _ => None,
            };
            page_query(filter, after, limit, Newest::First, pg)
        }
        RequestOrder::Deadline if pg && running_deadlines_only(filter) => {
            // Ids and keys from the index of running deadlines alone
            // (migration 0026), the page taken by key, then that page's
            // rows: not every matching row fetched and sorted (1M requests,
            // a Pemda's 12,200 running deadlines: 105 ms to 7 ms).
            let mut q = Sql::new(format!(
                "SELECT {REQUEST_COLUMNS} FROM (SELECT id AS page_id, {DEADLINE_KEY} AS page_key \
                 FROM requests WHERE {RUNNING_DEADLINE}"
            ));
            request_filter(&mut q, filter, pg);
            deadline_after(&mut q, after);
            q.push(" ORDER BY page_key, page_id LIMIT ")
                .push_bind(limit)
                .push(") page JOIN requests ON id = page_id ORDER BY page_key, page_id");
            q
        }
        RequestOrder::Deadline => {
            let mut q = Sql::new(format!(
                "SELECT {REQUEST_COLUMNS} FROM requests WHERE 1 = 1"
            ));
            request_filter(&mut q, filter, pg);
            deadline_after(&mut q, after);
            q.push(&format!(" ORDER BY {DEADLINE_KEY}, id LIMIT "))
                .push_bind(limit);
            q
        }
    }
}

/// Which end of receipt order a page of requests starts from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Newest {
    /// ListRequests: newest receipt first.
    First,
    /// The export: oldest first.
    Last,
}

/// A page of requests matching `filter` in (receive_time, id) order, strictly
/// past `after`. The keyset is a row-value comparison: an index condition on
/// both backends (PostgreSQL cannot bound an index scan with the OR form and
/// would rescan from the start on every page).
pub(crate) fn page_query(
    filter: &RequestFilter,
    after: Option<RequestCursor>,
    limit: i64,
    order: Newest,
    pg: bool,
) -> Sql {
    let (past, direction) = match order {
        Newest::First => ("<", "DESC"),
        Newest::Last => (">", "ASC"),
    };
    let mut q = Sql::new(format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE 1 = 1"
    ));
    request_filter(&mut q, filter, pg);
    if let Some(c) = after {
        q.push(&format!(" AND (receive_time, id) {past} ("))
            .push_bind(ts(c.receive_time))
            .push(", ")
            .push_bind(c.id.to_string())
            .push(")");
    }
    q.push(&format!(
        " ORDER BY receive_time {direction}, id {direction} LIMIT "
    ))
    .push_bind(limit);
    q
}

/// A page of requests (see [`page_query`]).
pub(crate) async fn page_requests(
    conn: &mut Conn<'_>,
    filter: &RequestFilter,
    after: Option<RequestCursor>,
    limit: i64,
    order: Newest,
) -> Result<Vec<Request>> {
    let pg = conn.is_postgres();
    let rows = page_query(filter, after, limit, order, pg)
        .fetch_all(conn)
        .await?;
    rows.iter().map(request_from_row).collect()
}

/// Pages the export's reader runs ahead of its consumer: memory stays a
/// few pages whatever the export's size.
pub(crate) const EXPORT_AHEAD: usize = 2;

#[async_trait::async_trait]
impl super::ReportStore for SqlStore {
    // The report's figures and the exports tolerate seconds of lag and read
    // the replica when there is one. The letterhead, a report's narrative
    // and its publication stay on the primary (a caller reads them back
    // right after setting them), and so does `export_count`, which the
    // worklist's counts use too.
    async fn letterhead(
        &self,
        agency_id: &str,
    ) -> Result<Option<crate::domain::letter::Letterhead>> {
        let mut p = self.read().await?;
        super::letters::letterhead(&mut p.conn(), agency_id).await
    }

    async fn report_narrative(
        &self,
        agency_id: &str,
        year: i16,
    ) -> Result<Option<crate::domain::annual_report::Narrative>> {
        let mut p = self.read().await?;
        super::letters::narrative(&mut p.conn(), agency_id, year).await
    }

    async fn report_publication(
        &self,
        agency_id: &str,
        year: i16,
    ) -> Result<Option<(crate::domain::annual_report::Publication, String)>> {
        let mut p = self.read().await?;
        super::letters::publication(&mut p.conn(), agency_id, year).await
    }

    async fn report_publications(&self) -> Result<Vec<(String, i16, Timestamp)>> {
        let rows = Sql::new(
            "SELECT agency_id, year, publish_time FROM report_publications \
             ORDER BY publish_time DESC, agency_id, year",
        )
        .fetch_all(&mut self.read().await?.conn())
        .await?;
        rows.into_iter()
            .map(|r| {
                let year: i32 = r.get("year")?;
                Ok((
                    r.get("agency_id")?,
                    i16::try_from(year).context("a stored year")?,
                    from_ts(r.get("publish_time")?)?,
                ))
            })
            .collect()
    }

    async fn report_page(&self, agency_id: &str, year: i16, lang: &str) -> Result<Option<String>> {
        // The column is chosen here, never from the caller's text.
        let column = if lang == "en" { "page_en" } else { "page_id" };
        let row = Sql::new(format!(
            "SELECT {column} AS page FROM report_publications WHERE agency_id = $1 AND year = $2"
        ))
        .bind(agency_id)
        .bind(i32::from(year))
        .fetch_optional(&mut self.read().await?.conn())
        .await?;
        match row {
            Some(r) => Ok(r.get("page")?),
            None => Ok(None),
        }
    }

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
        let mut p = self.read_lagging().await?;
        let mut conn = p.conn();
        let mut out = Vec::new();
        for members in zones.values() {
            let tz = members[0].tz();
            let start = from
                .yesterday()
                .ok()
                .and_then(|d| time::end_of_day(d, &tz))
                .context("start of the period")?;
            let end = time::end_of_day(to, &tz).context("end of the period")?;
            let mut qb = Sql::new(
                "SELECT agency_id, outcome, exemption_letters, COUNT(*) AS n FROM requests \
                 WHERE outcome IN ('rejected', 'partially_granted') AND agency_id IN ",
            );
            qb.push_list(members.iter().map(|a| a.id.as_str()));
            qb.push(" AND notice_time >= ")
                .push_bind(ts(start))
                .push(" AND notice_time < ")
                .push_bind(ts(end))
                .push(" GROUP BY agency_id, outcome, exemption_letters");
            for row in qb.fetch_all(&mut conn).await? {
                let letters: Option<String> = row.get("exemption_letters")?;
                out.push(WithholdingCount {
                    agency_id: row.get("agency_id")?,
                    outcome: parse_named(
                        &row.get::<String>("outcome")?,
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
                    count: row.get("n")?,
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
        let mut qb = Sql::new(
            "SELECT agency_id, grounds, COUNT(*) AS n FROM objections WHERE file_date >= ",
        );
        qb.push_bind(from.to_string())
            .push(" AND file_date <= ")
            .push_bind(to.to_string());
        push_subtree(&mut qb, "agency_path", &agency.path);
        qb.push(" GROUP BY agency_id, grounds");
        let mut out = Vec::new();
        for row in qb.fetch_all(&mut self.read_lagging().await?.conn()).await? {
            let grounds: String = row.get("grounds")?;
            out.push(ObjectionGroundCount {
                agency_id: row.get("agency_id")?,
                grounds: grounds
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| parse_named(s, ObjectionGround::parse, "objection ground"))
                    .collect::<Result<_>>()?,
                count: row.get("n")?,
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
        let mut p = self.read_lagging().await?;
        page_requests(&mut p.conn(), filter, after, limit, Newest::Last).await
    }

    fn export_pages(
        &self,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        page: usize,
    ) -> tokio::sync::mpsc::Receiver<Result<Vec<Request>>> {
        let (tx, rx) = tokio::sync::mpsc::channel(EXPORT_AHEAD);
        let page = page.max(1);
        match self.reader() {
            super::core::Reader::Sqlite(pool) => {
                super::sqlite::spawn_export(pool.clone(), filter, after, page, tx)
            }
            super::core::Reader::Postgres {
                replica: Some(r), ..
            } => super::postgres::spawn_export(r.export.clone(), filter, after, page, tx),
            super::core::Reader::Postgres { export, .. } => {
                super::postgres::spawn_export(export.clone(), filter, after, page, tx)
            }
        }
        rx
    }

    async fn export_count(&self, filter: &RequestFilter) -> Result<i64> {
        let mut q = Sql::new("SELECT COUNT(*) FROM requests WHERE 1 = 1");
        let mut p = self.read().await?;
        let mut conn = p.conn();
        request_filter(&mut q, filter, conn.is_postgres());
        q.scalar(&mut conn).await
    }
}
