//! Figures: the cells kept by every change (per agency and month, quarter
//! and year), and the reads over them; scoring policies, assessments and
//! published rankings.
use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use futures::TryStreamExt as _;
use jiff::{Timestamp, civil::Date};

use super::{
    NowCounts,
    core::SqlStore,
    db::{Arg, Conn, Sql, unique_or},
    register::push_one_agency,
    rows::{
        AGENCY_COLUMNS, DISPUTE_COLUMNS, INSERT_EVENT, INSERT_REQUEST, NewRow, OBJECTION_COLUMNS,
        OBJECTION_FROM, REQUEST_COLUMNS, agency_from_row, dispute_from_row, from_ts,
        objection_from_row, request_args, request_from_row, ts,
    },
    writer::Tx,
};
use crate::{
    domain::{
        EventType, RequestState,
        agency::Agency,
        figures::{ScoringPolicy, Totals},
        request::Request,
        stats::{self, Contributions, Counter, Key, Span},
    },
    error::{Error, Result},
};

/// Parameters per multi-row INSERT. SQLite finds each `$N` parameter's name
/// by a linear scan, so binding one statement costs the square of its
/// parameters: at 19,000 (500 whole requests) that scan took 89% of the
/// data generator's time. A thousand keeps it small on both backends.
const PARAMS_PER_STATEMENT: usize = 1000;

/// Rows of `params` parameters each in one multi-row INSERT.
fn rows_per_statement(params: usize) -> usize {
    (PARAMS_PER_STATEMENT / params.max(1)).max(1)
}

/// Multi-row INSERTs of `rows` (each a row's parameters) after `head`, each
/// of [`rows_per_statement`] rows.
fn push_inserts(out: &mut Vec<Sql>, head: &'static str, rows: Vec<Vec<Arg>>) {
    let n = rows_per_statement(rows.first().map_or(1, Vec::len));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut qb = Sql::new(head);
        qb.push_values(rows.by_ref().take(n));
        out.push(qb);
    }
}

/// Requests per transaction of the generator's bulk load.
const ROWS_PER_LOAD: usize = 500;

/// Adds a change's contributions to the cells (unless the deployment
/// switched the figures off): the writer writes a group's changes once,
/// in the same transaction, before it commits.
pub(crate) fn record_figures(tx: &mut Tx<'_>, c: &Contributions) {
    if tx.core.settings.maintain_figures {
        for (k, v) in c {
            *tx.memo.figures.entry(k.clone()).or_insert(0) += v;
        }
    }
}

/// New unanswered requests by (agency, Pemda, due month "YYYY-MM"): what a
/// group adds to `agency_unanswered` and `pemda_unanswered`.
pub type Unanswered = BTreeMap<(String, String, String), i64>;

/// The unanswered cell a request counts in, if its clock runs without a
/// notice: the same test and month as the triggers' (`substr(due_date, 1,
/// 7)` of the stored date).
pub(crate) fn unanswered_key(r: &Request) -> Option<(String, String, String)> {
    if r.state != RequestState::Pending || r.first_notice.is_some() {
        return None;
    }
    Some((
        r.agency_id.clone(),
        r.pemda_id.clone(),
        stats::month(r.due_date?),
    ))
}

/// Counts new requests (their [`unanswered_key`]s) into the unanswered
/// cells. The writer adds a group's new requests once, just before it
/// commits: a row trigger per insert was most of what the national cells
/// cost SubmitRequest on PostgreSQL. Triggers still take a stored request
/// out when it is answered, moved or deleted (migration 0036), as an upsert
/// of -1, because that may happen later in the same group (an import is
/// one write), before the request's +1 is written.
pub(crate) fn record_unanswered(
    tx: &mut Tx<'_>,
    keys: impl IntoIterator<Item = (String, String, String)>,
) {
    if tx.core.settings.maintain_unanswered_cells {
        for key in keys {
            *tx.memo.unanswered.entry(key).or_insert(0) += 1;
        }
    }
}

/// Adds a group's new unanswered requests to the agency and Pemda cells:
/// one upsert per table, in key order.
pub(crate) async fn apply_unanswered(conn: &mut Conn<'_>, u: &Unanswered) -> Result<()> {
    let mut agencies: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    let mut pemdas: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for ((agency, pemda, month), n) in u {
        *agencies.entry((agency, month)).or_insert(0) += n;
        *pemdas.entry((pemda, month)).or_insert(0) += n;
    }
    for (table, key, cells) in [
        ("agency_unanswered", "agency_id", agencies),
        ("pemda_unanswered", "pemda_id", pemdas),
    ] {
        let cells: Vec<_> = cells.into_iter().collect();
        for chunk in cells.chunks(rows_per_statement(3)) {
            let mut qb = Sql::new(format!("INSERT INTO {table} ({key}, due_month, n) "));
            qb.push_values(
                chunk
                    .iter()
                    .map(|((id, month), n)| vec![Arg::from(*id), (*month).into(), (*n).into()]),
            );
            qb.push(&format!(
                " ON CONFLICT ({key}, due_month) DO UPDATE SET n = {table}.n + excluded.n"
            ));
            qb.execute(conn).await?;
        }
    }
    Ok(())
}

/// One cell's row of counter values: (agency, month key, values).
type CellRow = (String, String, Vec<i64>);

/// A histogram cell's change: (agency, month key, span, days) and amount.
type HistRow = ((String, String, &'static str, i64), i64);

/// The rows a set of contributions adds to: histogram cells, and counter
/// cells grouped by the columns they touch (one statement per group).
struct FigureRows {
    hist: Vec<HistRow>,
    counters: BTreeMap<Vec<&'static str>, Vec<CellRow>>,
}

impl FigureRows {
    fn of(c: &Contributions) -> Self {
        let mut counters: BTreeMap<(String, String), BTreeMap<&'static str, i64>> = BTreeMap::new();
        let mut hist: BTreeMap<(String, String, &'static str, i64), i64> = BTreeMap::new();
        for (((agency, day), key), amount) in c {
            for grain in stats::grains(*day) {
                match key {
                    Key::Count(counter) => {
                        *counters
                            .entry((agency.clone(), grain))
                            .or_default()
                            .entry(counter.column())
                            .or_insert(0) += amount;
                    }
                    Key::Hist(span, days) => {
                        *hist
                            .entry((agency.clone(), grain, span.as_str(), i64::from(*days)))
                            .or_insert(0) += amount;
                    }
                }
            }
        }
        let mut by_columns: BTreeMap<Vec<&'static str>, Vec<CellRow>> = BTreeMap::new();
        for ((agency, month), cols) in counters {
            let (names, values): (Vec<_>, Vec<_>) = cols.into_iter().unzip();
            by_columns
                .entry(names)
                .or_default()
                .push((agency, month, values));
        }
        Self {
            hist: hist.into_iter().filter(|(_, n)| *n != 0).collect(),
            counters: by_columns,
        }
    }
}

const INSERT_HIST: &str = "INSERT INTO agency_month_hist (agency_id, month, span, days, count) ";
const HIST_CONFLICT: &str = " ON CONFLICT (agency_id, month, span, days) \
     DO UPDATE SET count = agency_month_hist.count + excluded.count";

/// `INSERT INTO agency_month_stats (agency_id, month, <names>) `.
fn insert_counters(names: &[&str]) -> String {
    format!(
        "INSERT INTO agency_month_stats (agency_id, month, {}) ",
        names.join(", ")
    )
}

/// Adds the inserted values to a counter cell that exists.
fn counters_conflict(names: &[&str]) -> String {
    // Column names come from `Counter::column`, a fixed list.
    let updates: Vec<String> = names
        .iter()
        .map(|c| format!("{c} = agency_month_stats.{c} + excluded.{c}"))
        .collect();
    format!(
        " ON CONFLICT (agency_id, month) DO UPDATE SET {}",
        updates.join(", ")
    )
}

/// Adds contributions to the cells: one multi-row upsert per set of
/// counter columns and one for the histogram, however many cells a change
/// touches.
pub(crate) async fn apply_contributions(conn: &mut Conn<'_>, c: &Contributions) -> Result<()> {
    let rows = FigureRows::of(c);
    for chunk in rows.hist.chunks(rows_per_statement(5)) {
        let mut qb = Sql::new(INSERT_HIST);
        qb.push_values(chunk.iter().map(|((agency, month, span, days), n)| {
            vec![
                Arg::from(agency.as_str()),
                month.as_str().into(),
                (*span).into(),
                (*days).into(),
                (*n).into(),
            ]
        }));
        qb.push(HIST_CONFLICT);
        qb.execute(conn).await?;
    }
    for (names, cells) in rows.counters {
        for chunk in cells.chunks(rows_per_statement(names.len() + 2)) {
            let mut qb = Sql::new(insert_counters(&names));
            qb.push_values(chunk.iter().map(|(agency, month, values)| {
                [Arg::from(agency.as_str()), month.as_str().into()]
                    .into_iter()
                    .chain(values.iter().map(|v| Arg::from(*v)))
                    .collect()
            }));
            qb.push(&counters_conflict(&names));
            qb.execute(conn).await?;
        }
    }
    Ok(())
}

/// The arms of [`super::FigureStore::now_counts`] over some agencies (each
/// alone) or some whole Pemdas, appended to `qb` with `UNION ALL`. One
/// statement, so every part is read at one moment; the key list is bound
/// once and named in every arm. A Pemda's arms key on its id alone, which
/// costs PostgreSQL far less planning than a list of its agencies.
fn push_now_arms(
    qb: &mut Sql,
    level: super::CellLevel,
    of: &[Agency],
    now: Timestamp,
) -> Result<()> {
    // Which count an arm adds to (typed, for PostgreSQL's UNION).
    const PAST_DUE: &str = "CAST(1 AS BIGINT)";
    const UNDELIVERED: &str = "CAST(2 AS BIGINT)";
    let key = level.key();
    let ids = of.iter().map(|a| match level {
        super::CellLevel::Agency => a.id.as_str(),
        super::CellLevel::Pemda => a.pemda_id.as_str(),
    });
    if !qb.text().is_empty() {
        qb.push(" UNION ALL ");
    }
    // Reopened by an overturn: few, their own partial index.
    qb.push(&format!(
        "SELECT {PAST_DUE} AS k, CAST(COUNT(*) AS BIGINT) AS n FROM requests \
         WHERE state = 'pending' AND first_notice IS NOT NULL AND {key} IN "
    ));
    let at = qb.text().len();
    qb.push_list(ids);
    let list = qb.text()[at..].to_string();
    qb.push(" AND due_end_time <= ").push_bind(ts(now));
    // Clock running without a notice: ended months from the cells, the
    // rest from the register.
    let OverdueSplit { cells, register } = OverdueSplit::all_time(now);
    if let Some((first, last)) = cells {
        qb.push(&format!(
            " UNION ALL SELECT {PAST_DUE}, CAST(COALESCE(SUM(n), 0) AS BIGINT) \
             FROM {} WHERE {key} IN {list} AND due_month >= ",
            level.unanswered()
        ))
        .push_bind(first)
        .push(" AND due_month <= ")
        .push_bind(last);
    }
    if let Some((first, _)) = register {
        qb.push(&format!(
            " UNION ALL SELECT {PAST_DUE}, CAST(COUNT(*) AS BIGINT) FROM requests \
             WHERE state = 'pending' AND first_notice IS NULL AND {key} IN {list} \
             AND due_date >= "
        ))
        .push_bind(first.to_string())
        .push(" AND due_end_time <= ")
        .push_bind(ts(now));
    }
    // Awaiting delivery: the months before the current UTC month from the
    // cells, this month from `requests_awaiting_delivery` (an agency's by its
    // path) or `requests_awaiting_delivery_by_pemda`.
    let month = jiff::tz::TimeZone::UTC
        .to_datetime(now)
        .date()
        .first_of_month();
    let month_start = jiff::tz::TimeZone::UTC
        .to_timestamp(month.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| Error::Internal(e.into()))?;
    qb.push(&format!(
        " UNION ALL SELECT {UNDELIVERED}, CAST(COALESCE(SUM(n), 0) AS BIGINT) \
         FROM {} WHERE {key} IN {list} AND due_month < ",
        level.undelivered()
    ))
    .push_bind(stats::month(month))
    .push(&format!(
        " UNION ALL SELECT {UNDELIVERED}, CAST(COUNT(*) AS BIGINT) FROM requests \
         WHERE state = 'responded' AND delivery_due_end_time IS NOT NULL \
         AND {key} IN {list}"
    ));
    if level == super::CellLevel::Agency {
        qb.push(" AND agency_path IN ")
            .push_list(of.iter().map(|a| a.path.as_str()));
    }
    qb.push(" AND delivery_due_end_time >= ")
        .push_bind(ts(month_start))
        .push(" AND delivery_due_end_time <= ")
        .push_bind(ts(now));
    Ok(())
}

#[async_trait::async_trait]
impl super::FigureStore for SqlStore {
    // Figures tolerate seconds of lag: the counts, totals and assessments
    // read the replica when there is one (`read_lagging`). The agency tree
    // (`subtree`, `all_agencies`, `group_members`) stays on the primary: it
    // is small, feeds the agency cache every write shares, and an import or
    // a call naming a just-created agency must find it. So do a year's
    // policy and a published ranking's snapshot: a caller reads them back
    // right after setting or publishing them (and publishing checks that
    // none exists yet).
    async fn month_totals(
        &self,
        level: super::CellLevel,
        agency_ids: &[String],
        from: &str,
        to: &str,
        counters: &[Counter],
        with_hist: bool,
    ) -> Result<HashMap<String, Totals>> {
        let mut out: HashMap<String, Totals> = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let mut p = self.read_lagging().await?;
        let mut conn = p.conn();
        let sums: Vec<String> = counters
            .iter()
            .map(|c| format!("CAST(SUM({0}) AS BIGINT) AS {0}", c.column()))
            .collect();
        let (cells, key) = (level.cells(), level.key());
        // The keys' cells over the months, after `WHERE {key} IN `.
        let keys_and_months = |qb: &mut Sql| {
            qb.push_list(agency_ids.iter().map(String::as_str));
            qb.push(" AND month >= ")
                .push_bind(from)
                .push(" AND month <= ")
                .push_bind(to);
        };
        if !counters.is_empty() {
            let mut qb = Sql::new(format!(
                "SELECT {key}, {} FROM {cells} WHERE {key} IN ",
                sums.join(", ")
            ));
            keys_and_months(&mut qb);
            qb.push(&format!(" GROUP BY {key}"));
            for row in qb.fetch_all(&mut conn).await? {
                let agency: String = row.get_at(0)?;
                let t = out.entry(agency).or_default();
                // By position: name lookups cost more than the sums.
                for (i, c) in counters.iter().enumerate() {
                    let v: Option<i64> = row.get_at(i + 1)?;
                    t.add(Key::Count(*c), v.unwrap_or(0));
                }
            }
        }
        if with_hist {
            let mut qb = Sql::new(format!(
                "SELECT {key}, span, days, CAST(SUM(count) AS BIGINT) AS n \
                 FROM {} WHERE {key} IN ",
                level.hist()
            ));
            keys_and_months(&mut qb);
            qb.push(&format!(" GROUP BY {key}, span, days"));
            for row in qb.fetch_all(&mut conn).await? {
                let agency: String = row.get_at(0)?;
                let span = match row.get::<String>("span")?.as_str() {
                    "notice" => Span::Notice,
                    _ => Span::Delivery,
                };
                let days: i64 = row.get("days")?;
                let n: Option<i64> = row.get("n")?;
                out.entry(agency)
                    .or_default()
                    .add(Key::Hist(span, days as i32), n.unwrap_or(0));
            }
        }
        Ok(out)
    }

    async fn pending_before(
        &self,
        level: super::CellLevel,
        agency_ids: &[String],
        month: &str,
    ) -> Result<HashMap<String, i64>> {
        let mut out = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let (cells, key) = (level.cells(), level.key());
        let mut qb = Sql::new(format!(
            "SELECT {key}, CAST(SUM(received - decided - withdrawn) AS BIGINT) AS open \
             FROM {cells} WHERE length(month) = 7 AND {key} IN ",
        ));
        qb.push_list(agency_ids.iter().map(String::as_str));
        qb.push(" AND month < ")
            .push_bind(month)
            .push(&format!(" GROUP BY {key}"));
        for row in qb.fetch_all(&mut self.read_lagging().await?.conn()).await? {
            let v: Option<i64> = row.get("open")?;
            out.insert(row.get_at::<String>(0)?, v.unwrap_or(0));
        }
        Ok(out)
    }

    async fn recompute_totals(
        &self,
        agencies: &[Agency],
        from: Date,
        to: Date,
    ) -> Result<HashMap<String, Totals>> {
        let mut out: HashMap<String, Totals> = HashMap::new();
        if agencies.is_empty() {
            return Ok(out);
        }
        let mut p = self.read_lagging().await?;
        let mut conn = p.conn();
        let ids: Vec<&str> = agencies.iter().map(|a| a.id.as_str()).collect();
        let zones: HashMap<&str, jiff::tz::TimeZone> =
            agencies.iter().map(|a| (a.id.as_str(), a.tz())).collect();
        let mut keep = |c: Contributions| {
            for (((agency, day), key), amount) in c {
                if day >= from && day <= to {
                    out.entry(agency).or_default().add(key, amount);
                }
            }
        };
        // Every request of these agencies: the naive way, row by row.
        let mut qb = Sql::new(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE agency_id IN "
        ));
        qb.push_list(ids.iter().copied());
        for row in qb.fetch_all(&mut conn).await? {
            let r = request_from_row(&row)?;
            if let Some(tz) = zones.get(r.agency_id.as_str()) {
                keep(stats::request_contributions(&r, tz));
            }
        }
        let mut qb = Sql::new(format!(
            "SELECT {OBJECTION_COLUMNS} {OBJECTION_FROM} WHERE o.agency_id IN "
        ));
        qb.push_list(ids.iter().copied());
        let objections = qb.fetch_all(&mut conn).await?;
        let mut agency_of = HashMap::new();
        for row in &objections {
            let (o, _) = objection_from_row(row)?;
            agency_of.insert(o.id, o.agency_id.clone());
            keep(stats::objection_contributions(&o));
        }
        let mut qb = Sql::new(format!(
            "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE objection_id IN \
             (SELECT id FROM objections WHERE agency_id IN "
        ));
        qb.push_list(ids.iter().copied());
        qb.push(")");
        for row in qb.fetch_all(&mut conn).await? {
            let d = dispute_from_row(&row)?;
            if let Some(agency) = agency_of.get(&d.objection_id)
                && let Some(tz) = zones.get(agency.as_str())
            {
                keep(stats::dispute_contributions(&d, agency, tz));
            }
        }
        Ok(out)
    }

    async fn overdue_unanswered(
        &self,
        level: super::CellLevel,
        agency_ids: &[String],
        from: Date,
        to: Date,
        now: Timestamp,
    ) -> Result<HashMap<String, i64>> {
        let mut out = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let key = level.key();
        let OverdueSplit { cells, register } = OverdueSplit::new(from, to, now);
        let with_cells = cells.is_some();
        // One statement, so the cells and the register are read at one
        // moment: the ended months from the cells, the rest from the
        // register. The key list is bound once and named in both arms.
        let mut qb = Sql::new("");
        let mut list = String::new();
        let mut push_keys = |qb: &mut Sql| {
            if list.is_empty() {
                let at = qb.text().len();
                qb.push_list(agency_ids.iter().map(String::as_str));
                list = qb.text()[at..].to_string();
            } else {
                qb.push(&list);
            }
        };
        if let Some((first, last)) = cells {
            qb.push(&format!(
                "SELECT {key}, CAST(SUM(n) AS BIGINT) AS n FROM {} WHERE {key} IN ",
                level.unanswered()
            ));
            push_keys(&mut qb);
            qb.push(" AND due_month >= ")
                .push_bind(first)
                .push(" AND due_month <= ")
                .push_bind(last)
                .push(&format!(" GROUP BY {key}"));
        }
        if let Some((first, last)) = register {
            if with_cells {
                qb.push(" UNION ALL ");
            }
            // The states as literals (fixed names), so the partial index
            // `requests_unanswered_by_pemda` matches whatever plan is cached.
            let states: Vec<String> = RequestState::CLOCK_RUNS
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            // `state = 'pending'`, not `IN ('pending')`: SQLite matches a
            // partial index's terms as written.
            let state = match states.as_slice() {
                [one] => format!("state = {one}"),
                _ => format!("state IN ({})", states.join(", ")),
            };
            qb.push(&format!(
                "SELECT {key}, CAST(COUNT(*) AS BIGINT) AS n FROM requests WHERE {state} AND {key} IN "
            ));
            push_keys(&mut qb);
            qb.push(" AND due_end_time <= ")
                .push_bind(ts(now))
                .push(" AND due_date >= ")
                .push_bind(first.to_string())
                .push(" AND due_date <= ")
                .push_bind(last.to_string())
                // A request an overturn sent back is judged by its first
                // notice (counted in the cells), not by its new due date.
                .push(&format!(" AND first_notice IS NULL GROUP BY {key}"));
        }
        if qb.text().is_empty() {
            return Ok(out);
        }
        for row in qb.fetch_all(&mut self.read_lagging().await?.conn()).await? {
            *out.entry(row.get_at::<String>(0)?).or_insert(0) += row.get::<i64>("n")?;
        }
        Ok(out)
    }

    async fn now_counts(
        &self,
        agencies: &[Agency],
        pemdas: &[Agency],
        now: Timestamp,
    ) -> Result<NowCounts> {
        let mut qb = Sql::default();
        for (level, of) in [
            (super::CellLevel::Agency, agencies),
            (super::CellLevel::Pemda, pemdas),
        ] {
            if !of.is_empty() {
                push_now_arms(&mut qb, level, of, now)?;
            }
        }
        let mut out = NowCounts::default();
        if qb.text().is_empty() {
            return Ok(out);
        }
        for row in qb.fetch_all(&mut self.read_lagging().await?.conn()).await? {
            let n = row.get::<i64>("n")?;
            match row.get::<i64>("k")? {
                1 => out.past_due += n,
                _ => out.overdue_for_delivery += n,
            }
        }
        Ok(out)
    }

    async fn oldest_pending(&self, agencies: &[Agency], limit: i64) -> Result<Vec<Request>> {
        // Each agency's oldest per open state from the index (ordered by
        // receipt there), merged: the cost follows the number of agencies,
        // not their backlog. PostgreSQL joins laterally (a statement of one
        // arm: planning sixty arms cost it 20 ms); SQLite, without LATERAL,
        // takes one arm each, in chunks under its limit of 500 arms.
        let mut out = Vec::new();
        let mut reader = self.read_lagging().await?;
        let mut conn = reader.conn();
        let states: Vec<String> = RequestState::OPEN
            .iter()
            .map(|s| format!("('{}')", s.as_str()))
            .collect();
        for chunk in agencies.chunks(100) {
            let mut qb = Sql::new(format!(
                "SELECT {REQUEST_COLUMNS} FROM requests WHERE id IN (SELECT id FROM ("
            ));
            if conn.is_postgres() {
                qb.push("SELECT o.id, o.receive_time FROM (VALUES ");
                let mut first = true;
                for a in chunk {
                    qb.push(if first { "(" } else { ", (" })
                        .push_bind(a.id.clone())
                        .push(")");
                    first = false;
                }
                qb.push(&format!(
                    ") AS a (agency_id) CROSS JOIN (VALUES {}) AS s (state) \
                     CROSS JOIN LATERAL (SELECT id, receive_time FROM requests r \
                     WHERE r.state = s.state AND r.agency_id = a.agency_id \
                     ORDER BY receive_time, id LIMIT {limit}) AS o",
                    states.join(", ")
                ));
            } else {
                let mut arm = 0;
                for a in chunk {
                    for state in RequestState::OPEN {
                        if arm > 0 {
                            qb.push(" UNION ALL ");
                        }
                        qb.push(&format!(
                            "SELECT id, receive_time FROM (SELECT id, receive_time FROM requests \
                             WHERE state = '{}'",
                            state.as_str()
                        ));
                        push_one_agency(&mut qb, a);
                        qb.push(&format!(
                            " ORDER BY receive_time, id LIMIT {limit}) AS arm{arm}"
                        ));
                        arm += 1;
                    }
                }
            }
            qb.push(&format!(
                ") AS oldest ORDER BY receive_time, id LIMIT {limit}) ORDER BY receive_time, id"
            ));
            for row in &qb.fetch_all(&mut conn.reborrow()).await? {
                out.push(request_from_row(row)?);
            }
        }
        out.sort_by_key(|r| (r.receive_time, r.id));
        out.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(out)
    }

    async fn subtree(&self, agency: &Agency) -> Result<Vec<Agency>> {
        // A path range reads the subtree from `agencies_by_path`.
        let (low, high) = super::rows::subtree_bounds(&agency.path);
        let rows = Sql::new(format!(
            "SELECT {AGENCY_COLUMNS} FROM agencies WHERE path >= $1 AND path < $2 ORDER BY id"
        ))
        .bind(low)
        .bind(high)
        .fetch_all(&mut self.read().await?.conn())
        .await?;
        rows.iter().map(agency_from_row).collect()
    }

    async fn all_agencies(&self) -> Result<std::sync::Arc<Vec<Agency>>> {
        let mut p = self.read().await?;
        self.core.agencies(&mut p.conn()).await
    }

    async fn group_members(&self, group: &str) -> Result<Vec<Agency>> {
        // From the cached list (ordered by id): the national group is every
        // Pemda, and the list costs one stamp read.
        Ok(self
            .all_agencies()
            .await?
            .iter()
            .filter(|a| a.comparison_group == group)
            .cloned()
            .collect())
    }

    async fn get_policy(&self, year: i16) -> Result<Option<(ScoringPolicy, Timestamp)>> {
        let row = Sql::new(
            "SELECT policy, create_time FROM scoring_policies WHERE year = $1 \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(year)
        .fetch_optional(&mut self.read().await?.conn())
        .await?;
        match row {
            Some(r) => {
                let json: String = r.get("policy")?;
                let p: ScoringPolicy = serde_json::from_str(&json).context("stored policy")?;
                Ok(Some((p, from_ts(r.get("create_time")?)?)))
            }
            None => Ok(None),
        }
    }

    async fn assessments(
        &self,
        agency_ids: Option<&[String]>,
        year: i16,
    ) -> Result<HashMap<String, BTreeMap<String, f64>>> {
        let mut out = HashMap::new();
        let mut qb = Sql::new("SELECT agency_id, items FROM assessments WHERE year = ");
        qb.push_bind(year);
        if let Some(ids) = agency_ids {
            if ids.is_empty() {
                return Ok(out);
            }
            qb.push(" AND agency_id IN ");
            qb.push_list(ids.iter().map(String::as_str));
        }
        let rows = qb.fetch_all(&mut self.read_lagging().await?.conn()).await?;
        for row in rows {
            let id: String = row.get("agency_id")?;
            let items: String = row.get("items")?;
            out.insert(
                id,
                serde_json::from_str(&items).context("stored assessment")?,
            );
        }
        Ok(out)
    }

    async fn snapshot(&self, group_key: &str, period: &str) -> Result<Option<(String, Timestamp)>> {
        let row = Sql::new(
            "SELECT snapshot, publish_time FROM ranking_snapshots \
             WHERE group_key = $1 AND period = $2",
        )
        .bind(group_key)
        .bind(period)
        .fetch_optional(&mut self.read().await?.conn())
        .await?;
        match row {
            Some(r) => Ok(Some((r.get("snapshot")?, from_ts(r.get("publish_time")?)?))),
            None => Ok(None),
        }
    }

    async fn snapshots(&self) -> Result<Vec<(String, String, Timestamp)>> {
        let rows = Sql::new(
            "SELECT group_key, period, publish_time FROM ranking_snapshots \
             ORDER BY publish_time DESC, group_key, period",
        )
        .fetch_all(&mut self.read().await?.conn())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.get("group_key")?,
                    r.get("period")?,
                    from_ts(r.get("publish_time")?)?,
                ))
            })
            .collect()
    }

    async fn load_requests(
        &self,
        rows: &[(Request, String)],
        counters: &[(String, i16, i64)],
    ) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_LOAD) {
            let args = chunk
                .iter()
                .map(|(r, path)| {
                    request_args(&NewRow {
                        request: r,
                        agency_path: path,
                        body_hash: "generated",
                        submitted_by: None,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let mut statements = Vec::new();
            push_inserts(&mut statements, INSERT_REQUEST, args);
            // One event per step the projection shows: submission, then notice.
            let mut events = Vec::new();
            for (r, _) in chunk {
                let mut push = |seq: i64, kind: EventType, t, state: RequestState, summary| {
                    events.push(vec![
                        Arg::from(r.id.to_string()),
                        seq.into(),
                        kind.as_str().into(),
                        ts(t).into(),
                        ts(t).into(),
                        "generator".into(),
                        state.as_str().into(),
                        Arg::from(summary),
                        "{}".into(),
                        ts(r.receive_time).into(),
                    ]);
                };
                push(
                    1,
                    EventType::Submitted,
                    r.receive_time,
                    RequestState::Pending,
                    format!("registered as {}", r.registration_number),
                );
                if let Some(n) = &r.notice {
                    push(
                        2,
                        EventType::Responded,
                        n.notice_time,
                        RequestState::Responded,
                        format!("written notice: {}", n.outcome),
                    );
                }
            }
            push_inserts(&mut statements, INSERT_EVENT, events);
            let unanswered: Vec<_> = chunk
                .iter()
                .filter_map(|(r, _)| unanswered_key(r))
                .collect();
            self.write(move |tx| {
                Box::pin(async move {
                    for q in statements {
                        q.execute(&mut tx.conn).await?;
                    }
                    record_unanswered(tx, unanswered);
                    Ok(())
                })
            })
            .await?;
        }
        let counters = counters.to_vec();
        self.write(move |tx| {
            Box::pin(async move {
                for (pemda, year, last) in counters {
                    Sql::new(
                        "INSERT INTO registration_counters (pemda_id, year, register, last_value) \
                         VALUES ($1, $2, 'request', $3) ON CONFLICT (pemda_id, year, register) \
                         DO UPDATE SET last_value = excluded.last_value",
                    )
                    .bind(pemda)
                    .bind(year)
                    .bind(last)
                    .execute(&mut tx.conn)
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn add_cells(&self, cells: &Contributions) -> Result<()> {
        // The generator's totals: as a change's, in statements of a bounded
        // size, each its own write.
        let rows = FigureRows::of(cells);
        for chunk in rows.hist.chunks(rows_per_statement(5)) {
            let mut qb = Sql::new(INSERT_HIST);
            qb.push_values(chunk.iter().map(|((a, m, s, d), n)| {
                vec![
                    Arg::from(a.as_str()),
                    m.as_str().into(),
                    (*s).into(),
                    (*d).into(),
                    (*n).into(),
                ]
            }));
            qb.push(HIST_CONFLICT);
            self.write(move |tx| {
                Box::pin(async move {
                    qb.execute(&mut tx.conn).await?;
                    Ok(())
                })
            })
            .await?;
        }
        for (names, cells) in rows.counters {
            for chunk in cells.chunks(rows_per_statement(names.len() + 2)) {
                let mut qb = Sql::new(insert_counters(&names));
                qb.push_values(chunk.iter().map(|(agency, month, values)| {
                    [Arg::from(agency.as_str()), month.as_str().into()]
                        .into_iter()
                        .chain(values.iter().map(|v| Arg::from(*v)))
                        .collect()
                }));
                qb.push(&counters_conflict(&names));
                self.write(move |tx| {
                    Box::pin(async move {
                        qb.execute(&mut tx.conn).await?;
                        Ok(())
                    })
                })
                .await?;
            }
        }
        Ok(())
    }
}

/// Stores a new version of a year's policy; returns it with its version.
pub(crate) async fn insert_policy(
    conn: &mut Conn<'_>,
    mut policy: ScoringPolicy,
    now: Timestamp,
) -> Result<ScoringPolicy> {
    let last: Option<i64> = Sql::new("SELECT MAX(version) FROM scoring_policies WHERE year = $1")
        .bind(policy.year)
        .scalar(conn)
        .await?;
    policy.version = last.unwrap_or(0) + 1;
    let json = serde_json::to_string(&policy).context("encoding policy")?;
    let inserted = Sql::new(
        "INSERT INTO scoring_policies (year, version, policy, create_time) VALUES ($1, $2, $3, $4)",
    )
    .bind(policy.year)
    .bind(policy.version)
    .bind(json)
    .bind(ts(now))
    .execute(conn)
    .await;
    unique_or(inserted, || {
        Error::Aborted("another policy version was set at the same time; retry".into())
    })?;
    Ok(policy)
}

/// Records (replaces) an agency's assessment for a year.
pub(crate) async fn upsert_assessment(
    conn: &mut Conn<'_>,
    agency_id: &str,
    year: i16,
    items: &BTreeMap<String, f64>,
    now: Timestamp,
) -> Result<()> {
    Sql::new(
        "INSERT INTO assessments (agency_id, year, items, update_time) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (agency_id, year) \
         DO UPDATE SET items = excluded.items, update_time = excluded.update_time",
    )
    .bind(agency_id)
    .bind(year)
    .bind(serde_json::to_string(items).context("encoding assessment")?)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Publishes a ranking; a period is published once (ALREADY_EXISTS).
pub(crate) async fn insert_snapshot(
    conn: &mut Conn<'_>,
    group_key: &str,
    period: &str,
    policy_version: i64,
    snapshot: &str,
    now: Timestamp,
) -> Result<()> {
    let inserted = Sql::new(
        "INSERT INTO ranking_snapshots (group_key, period, policy_version, snapshot, \
         publish_time) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(group_key)
    .bind(period)
    .bind(policy_version)
    .bind(snapshot)
    .bind(ts(now))
    .execute(conn)
    .await;
    unique_or(inserted, || Error::AlreadyExists {
        reason: "RANKING_PUBLISHED",
        message: format!("the ranking of {group_key} for {period} is already published"),
    })?;
    Ok(())
}

/// Counters added after a database began keeping cells (timeliness by the
/// due date's month, lawful rejections) are filled from the register once,
/// in one transaction, when the database is opened; `server_facts` records
/// that it was done. Idempotent: the columns are zeroed first, so two
/// servers starting at once on PostgreSQL end with the same cells.
pub(crate) async fn backfill_counters(conn: &mut Conn<'_>) -> Result<()> {
    const FACT: &str = "cells_due_month_and_lawful_rejections";
    const ADDED: [Counter; 3] = [
        Counter::DueAnswered,
        Counter::DueOnTime,
        Counter::RejectedRegistered,
    ];
    let done = Sql::new("SELECT since FROM server_facts WHERE name = $1")
        .bind(FACT)
        .fetch_optional(conn)
        .await?
        .is_some();
    if done {
        return Ok(());
    }
    conn.raw("BEGIN").await?;
    let filled = async {
        conn.execute(Sql::new(
            "UPDATE agency_month_stats SET due_answered = 0, due_on_time = 0, \
             rejected_registered = 0",
        ))
        .await?;
        let zones: HashMap<String, jiff::tz::TimeZone> = conn
            .fetch_all(Sql::new(format!("SELECT {AGENCY_COLUMNS} FROM agencies")))
            .await?
            .iter()
            .map(|row| agency_from_row(row).map(|a| (a.id.clone(), a.tz())))
            .collect::<Result<_>>()?;
        let mut added = Contributions::new();
        let mut total = 0usize;
        let mut rows = conn.fetch(Sql::new(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE notice_time IS NOT NULL"
        )));
        while let Some(row) = rows.try_next().await? {
            total += 1;
            let r = request_from_row(&row)?;
            let Some(tz) = zones.get(&r.agency_id) else {
                continue;
            };
            for (k, v) in stats::request_contributions(&r, tz) {
                if matches!(k.1, Key::Count(c) if ADDED.contains(&c)) {
                    *added.entry(k).or_insert(0) += v;
                }
            }
        }
        drop(rows);
        apply_contributions(conn, &added).await?;
        conn.execute(
            Sql::new(
                "INSERT INTO server_facts (name, since) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(FACT)
            .bind(ts(Timestamp::now())),
        )
        .await?;
        if total > 0 {
            tracing::info!(
                answered_requests = total,
                "filled the due-month timeliness and lawful-rejection counters"
            );
        }
        Ok::<(), Error>(())
    }
    .await;
    match filled {
        Ok(()) => conn.raw("COMMIT").await?,
        Err(e) => {
            let _ = conn.raw("ROLLBACK").await;
            return Err(e);
        }
    }
    Ok(())
}

/// Where an overdue count over due dates `from..=to` at `now` is read:
/// whole months that have ended in every time zone from the cells (each
/// of their due dates' ends has passed), the rest from the register.
#[derive(Debug, PartialEq, Eq)]
struct OverdueSplit {
    /// First and last due month (`YYYY-MM`) read from the cells.
    cells: Option<(String, String)>,
    /// First and last due date read from the register.
    register: Option<(Date, Date)>,
}

impl OverdueSplit {
    /// Every due date up to `now`. (The last day is not jiff's last date,
    /// which has no tomorrow and so would not end a whole month.)
    fn all_time(now: Timestamp) -> Self {
        Self::new(
            Date::new(1, 1, 1).expect("constant"),
            Date::new(9998, 12, 31).expect("constant"),
            now,
        )
    }

    fn new(from: Date, to: Date, now: Timestamp) -> Self {
        let register = |first: Date| (first <= to).then_some((first, to));
        let whole = crate::domain::figures::whole_months(from, to);
        // A due date ends at the next local midnight: at the latest 12
        // hours after UTC midnight (UTC-12). So every due date before the
        // month of `now - 12h` (UTC) has ended.
        let settled = now
            .checked_sub(jiff::SignedDuration::from_hours(12))
            .ok()
            .map(|t| {
                jiff::tz::TimeZone::UTC
                    .to_datetime(t)
                    .date()
                    .first_of_month()
            });
        let Some(settled) = settled.filter(|&s| whole && from < s) else {
            return Self {
                cells: None,
                register: register(from),
            };
        };
        let last_cell = to.min(settled.yesterday().unwrap_or(settled));
        Self {
            cells: Some((stats::month(from), stats::month(last_cell))),
            register: register(settled),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn overdue_counts_read_ended_months_from_the_cells() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let cells = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        #[rustfmt::skip]
        let cases = [
            // A past year: all cells.
            (date(2025, 1, 1), date(2025, 12, 31), "2026-12-07T03:00:00Z",
             cells("2025-01", "2025-12"), None),
            // The current year: ended months from the cells, this month
            // from the register.
            (date(2026, 1, 1), date(2026, 12, 31), "2026-12-07T03:00:00Z",
             cells("2026-01", "2026-11"), Some((date(2026, 12, 1), date(2026, 12, 31)))),
            // Within 12 hours of the month's start, last month's last day
            // may not have ended everywhere: the register reads it.
            (date(2026, 1, 1), date(2026, 12, 31), "2026-12-01T11:59:59Z",
             cells("2026-01", "2026-10"), Some((date(2026, 11, 1), date(2026, 12, 31)))),
            (date(2026, 1, 1), date(2026, 12, 31), "2026-12-01T12:00:00Z",
             cells("2026-01", "2026-11"), Some((date(2026, 12, 1), date(2026, 12, 31)))),
            // A quarter still running: the register only.
            (date(2026, 10, 1), date(2026, 12, 31), "2026-10-05T00:00:00Z",
             None, Some((date(2026, 10, 1), date(2026, 12, 31)))),
            // Not whole months: the register only.
            (date(2025, 1, 2), date(2025, 12, 31), "2026-12-07T03:00:00Z",
             None, Some((date(2025, 1, 2), date(2025, 12, 31)))),
            (date(2025, 1, 1), date(2025, 12, 30), "2026-12-07T03:00:00Z",
             None, Some((date(2025, 1, 1), date(2025, 12, 30)))),
            // A future period: the register (nothing is due there yet).
            (date(2027, 1, 1), date(2027, 12, 31), "2026-12-07T03:00:00Z",
             None, Some((date(2027, 1, 1), date(2027, 12, 31)))),
        ];
        for (from, to, now, want_cells, want_register) in cases {
            let got = OverdueSplit::new(from, to, t(now));
            assert_eq!(
                got,
                OverdueSplit {
                    cells: want_cells,
                    register: want_register
                },
                "{from}..{to} at {now}"
            );
        }
        // "Now" counts: every ended month from the cells, the rest (this
        // month on) from the register.
        assert_eq!(
            OverdueSplit::all_time(t("2026-12-07T03:00:00Z")),
            OverdueSplit {
                cells: cells("0001-01", "2026-11"),
                register: Some((date(2026, 12, 1), date(9998, 12, 31))),
            }
        );
    }
}
