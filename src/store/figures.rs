// Figures: the cells kept by every change, and the queries over them (SQL
// both backends share; see common.rs).

use crate::domain::{
    figures::{ScoringPolicy, Totals},
    stats::{Counter, Key, Span},
};

impl Core {
    /// Adds a change's contributions to the cells, in the caller's
    /// transaction (unless the deployment switched the figures off).
    async fn record_figures(&self, conn: &mut Conn, c: &Contributions) -> Result<()> {
        if self.settings.maintain_figures {
            apply_contributions(conn, c).await?;
        }
        Ok(())
    }
}

/// Agencies are created and changed rarely, and every change bumps a
/// version: their count and the sum of their versions tell whether the
/// cached list is still the table (neither ever goes back).
const AGENCIES_STAMP: &str = "SELECT COUNT(*), CAST(SUM(version) AS BIGINT) FROM agencies";

impl Core {
    /// The cached agency list, if it was read at `stamp` ([`AGENCIES_STAMP`]).
    fn cached_agencies(&self, stamp: (i64, i64)) -> Option<Arc<Vec<Agency>>> {
        match self.agencies.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some((k, list)) if *k == stamp => Some(list.clone()),
            _ => None,
        }
    }

    /// Every agency, by id: from the cache while it is current.
    async fn load_agencies(&self) -> Result<Arc<Vec<Agency>>> {
        let (n, sum): (i64, Option<i64>) = sqlx::query_as(AGENCIES_STAMP)
            .fetch_one(&self.pool)
            .await?;
        let key = (n, sum.unwrap_or(0));
        if let Some(list) = self.cached_agencies(key) {
            return Ok(list);
        }
        let rows = sqlx::query(concat!(
            "SELECT ",
            agency_columns!(),
            " FROM agencies ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        let list = Arc::new(
            rows.iter()
                .map(agency_from_row)
                .collect::<Result<Vec<_>>>()?,
        );
        *self.agencies.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, list.clone()));
        Ok(list)
    }
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
        let mut counters: BTreeMap<(String, String), BTreeMap<&'static str, i64>> =
            BTreeMap::new();
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
/// counter columns and one for the histogram, however many cells a group of
/// changes touches (each statement is a round trip).
async fn apply_contributions(conn: &mut Conn, c: &Contributions) -> Result<()> {
    let rows = FigureRows::of(c);
    for chunk in rows.hist.chunks(ROWS_PER_INSERT) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(INSERT_HIST);
        qb.push_values(chunk, |mut b, ((agency, month, span, days), n)| {
            b.push_bind(agency.clone())
                .push_bind(month.clone())
                .push_bind(*span)
                .push_bind(*days)
                .push_bind(*n);
        });
        qb.push(HIST_CONFLICT);
        qb.build().execute(&mut *conn).await?;
    }
    for (names, cells) in rows.counters {
        let rows_per_statement = (30_000 / (names.len() + 2)).max(1);
        for chunk in cells.chunks(rows_per_statement) {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(insert_counters(&names));
            qb.push_values(chunk, |mut b, (agency, month, values)| {
                b.push_bind(agency.clone()).push_bind(month.clone());
                for v in values {
                    b.push_bind(*v);
                }
            });
            qb.push(counters_conflict(&names));
            qb.build().execute(&mut *conn).await?;
        }
    }
    Ok(())
}

fn push_ids(qb: &mut QueryBuilder<Db>, ids: &[String]) {
    qb.push("(");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(id.clone());
    }
    qb.push(")");
}

#[async_trait::async_trait]
impl crate::store::FigureStore for SqlStore {
    async fn month_totals(
        &self,
        agency_ids: &[String],
        from: &str,
        to: &str,
        with_hist: bool,
    ) -> Result<HashMap<String, Totals>> {
        let mut out: HashMap<String, Totals> = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let counters = Counter::all();
        let sums: Vec<String> = counters
            .iter()
            .map(|c| format!("CAST(SUM({0}) AS BIGINT) AS {0}", c.column()))
            .collect();
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT agency_id, {} FROM agency_month_stats WHERE agency_id IN ",
            sums.join(", ")
        ));
        push_ids(&mut qb, agency_ids);
        qb.push(" AND month >= ")
            .push_bind(from.to_string())
            .push(" AND month <= ")
            .push_bind(to.to_string());
        qb.push(" GROUP BY agency_id");
        for row in qb.build().fetch_all(&self.pool).await? {
            let agency: String = row.try_get("agency_id")?;
            let t = out.entry(agency).or_default();
            // By position: name lookups cost more than the sums.
            for (i, c) in counters.iter().enumerate() {
                let v: Option<i64> = row.try_get(i + 1)?;
                t.add(Key::Count(*c), v.unwrap_or(0));
            }
        }
        if with_hist {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT agency_id, span, days, CAST(SUM(count) AS BIGINT) AS n FROM agency_month_hist WHERE agency_id IN ",
            );
            push_ids(&mut qb, agency_ids);
            qb.push(" AND month >= ")
                .push_bind(from.to_string())
                .push(" AND month <= ")
                .push_bind(to.to_string());
            qb.push(" GROUP BY agency_id, span, days");
            for row in qb.build().fetch_all(&self.pool).await? {
                let agency: String = row.try_get("agency_id")?;
                let span = match row.try_get::<String, _>("span")?.as_str() {
                    "notice" => Span::Notice,
                    _ => Span::Delivery,
                };
                let days: i64 = row.try_get("days")?;
                let n: Option<i64> = row.try_get("n")?;
                out.entry(agency)
                    .or_default()
                    .add(Key::Hist(span, days as i32), n.unwrap_or(0));
            }
        }
        Ok(out)
    }

    async fn pending_before(
        &self,
        agency_ids: &[String],
        month: &str,
    ) -> Result<HashMap<String, i64>> {
        let mut out = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT agency_id, CAST(SUM(received - decided - withdrawn) AS BIGINT) AS open FROM agency_month_stats \
             WHERE length(month) = 7 AND agency_id IN ",
        );
        push_ids(&mut qb, agency_ids);
        qb.push(" AND month < ")
            .push_bind(month.to_string())
            .push(" GROUP BY agency_id");
        for row in qb.build().fetch_all(&self.pool).await? {
            let v: Option<i64> = row.try_get("open")?;
            out.insert(row.try_get::<String, _>("agency_id")?, v.unwrap_or(0));
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
        let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
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
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            request_columns!(),
            " FROM requests WHERE agency_id IN "
        ));
        push_ids(&mut qb, &ids);
        for row in qb.build().fetch_all(&self.pool).await? {
            let r = request_from_row(&row)?;
            if let Some(tz) = zones.get(r.agency_id.as_str()) {
                keep(stats::request_contributions(&r, tz));
            }
        }
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            objection_columns!(),
            " FROM objections o JOIN requests r ON r.id = o.request_id WHERE o.agency_id IN "
        ));
        push_ids(&mut qb, &ids);
        let objections = qb.build().fetch_all(&self.pool).await?;
        let mut agency_of = HashMap::new();
        for row in &objections {
            let (o, _) = objection_from_row(row)?;
            agency_of.insert(o.id, o.agency_id.clone());
            keep(stats::objection_contributions(&o));
        }
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            dispute_columns!(),
            " FROM disputes WHERE objection_id IN (SELECT id FROM objections WHERE agency_id IN "
        ));
        push_ids(&mut qb, &ids);
        qb.push(")");
        for row in qb.build().fetch_all(&self.pool).await? {
            let d = dispute_from_row(&row)?;
            if let Some(agency) = agency_of.get(&d.objection_id)
                && let Some(tz) = zones.get(agency.as_str())
            {
                keep(stats::dispute_contributions(&d, agency, tz));
            }
        }
        Ok(out)
    }

    async fn open_past_due(
        &self,
        agency: &Agency,
        include_sub_agencies: bool,
        now: Timestamp,
    ) -> Result<i64> {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT COUNT(*) FROM requests WHERE state = 'pending' AND due_end_time <= ",
        );
        qb.push_bind(ts(now));
        if include_sub_agencies {
            push_subtree(&mut qb, "agency_path", &agency.path);
        } else {
            push_one_agency(&mut qb, agency);
        }
        Ok(qb.build_query_scalar::<i64>().fetch_one(&self.pool).await?)
    }

    async fn oldest_pending(
        &self,
        agency: &Agency,
        include_sub_agencies: bool,
        limit: i64,
    ) -> Result<Vec<Request>> {
        // Pick the ids from the index first; only those rows are read.
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            request_columns!(),
            " FROM requests WHERE id IN (SELECT id FROM requests WHERE state IN ('pending', 'awaiting_completion')"
        ));
        if include_sub_agencies {
            push_subtree(&mut qb, "agency_path", &agency.path);
        } else {
            push_one_agency(&mut qb, agency);
        }
        qb.push(" ORDER BY receive_time, id LIMIT ")
            .push_bind(limit);
        qb.push(") ORDER BY receive_time, id");
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn subtree(&self, agency: &Agency) -> Result<Vec<Agency>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            agency_columns!(),
            " FROM agencies WHERE path LIKE $1 ORDER BY id"
        ))
        .bind(format!("{}%", agency.path))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(agency_from_row).collect()
    }

    async fn all_agencies(&self) -> Result<Arc<Vec<Agency>>> {
        self.load_agencies().await
    }

    async fn group_members(&self, group: &str) -> Result<Vec<Agency>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            agency_columns!(),
            " FROM agencies WHERE comparison_group = $1 ORDER BY id"
        ))
        .bind(group)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(agency_from_row).collect()
    }

    async fn set_policy(&self, mut policy: ScoringPolicy, now: Timestamp) -> Result<ScoringPolicy> {
        let mut tx = begin_write(&self.pool).await?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM scoring_policies WHERE year = $1")
                .bind(i64::from(policy.year))
                .fetch_one(&mut *tx)
                .await?;
        policy.version = last.unwrap_or(0) + 1;
        let json = serde_json::to_string(&policy).context("encoding policy")?;
        let inserted = sqlx::query("INSERT INTO scoring_policies (year, version, policy, create_time) VALUES ($1, $2, $3, $4)")
            .bind(i64::from(policy.year))
            .bind(policy.version)
            .bind(json)
            .bind(ts(now))
            .execute(&mut *tx)
            .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Aborted(
                    "another policy version was set at the same time; retry".into(),
                ));
            }
            other => {
                other?;
            }
        }
        tx.commit().await?;
        Ok(policy)
    }

    async fn get_policy(&self, year: i16) -> Result<Option<(ScoringPolicy, Timestamp)>> {
        let row = sqlx::query("SELECT policy, create_time FROM scoring_policies WHERE year = $1 ORDER BY version DESC LIMIT 1")
            .bind(i64::from(year))
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => {
                let json: String = r.try_get("policy")?;
                let p: ScoringPolicy = serde_json::from_str(&json).context("stored policy")?;
                Ok(Some((p, from_ts(r.try_get("create_time")?)?)))
            }
            None => Ok(None),
        }
    }

    async fn record_assessment(
        &self,
        agency_id: &str,
        year: i16,
        items: &BTreeMap<String, f64>,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = begin_write(&self.pool).await?;
        fetch_agency(&mut tx, agency_id)
            .await?
            .ok_or_else(|| agency_not_found(agency_id))?;
        sqlx::query(
            "INSERT INTO assessments (agency_id, year, items, update_time) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (agency_id, year) DO UPDATE SET items = excluded.items, update_time = excluded.update_time",
        )
        .bind(agency_id)
        .bind(i64::from(year))
        .bind(serde_json::to_string(items).context("encoding assessment")?)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn assessments(
        &self,
        agency_ids: &[String],
        year: i16,
    ) -> Result<HashMap<String, BTreeMap<String, f64>>> {
        let mut out = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let mut qb =
            QueryBuilder::<Db>::new("SELECT agency_id, items FROM assessments WHERE year = ");
        qb.push_bind(i64::from(year)).push(" AND agency_id IN ");
        push_ids(&mut qb, agency_ids);
        for row in qb.build().fetch_all(&self.pool).await? {
            let items: String = row.try_get("items")?;
            out.insert(
                row.try_get::<String, _>("agency_id")?,
                serde_json::from_str(&items).context("stored assessment")?,
            );
        }
        Ok(out)
    }

    async fn snapshot(&self, group_key: &str, period: &str) -> Result<Option<(String, Timestamp)>> {
        let row = sqlx::query("SELECT snapshot, publish_time FROM ranking_snapshots WHERE group_key = $1 AND period = $2")
            .bind(group_key)
            .bind(period)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some((
                r.try_get("snapshot")?,
                from_ts(r.try_get("publish_time")?)?,
            ))),
            None => Ok(None),
        }
    }

    async fn load_requests(
        &self,
        rows: &[(Request, String)],
        counters: &[(String, i16, i64)],
    ) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut tx = begin_write(&self.pool).await?;
            let mut qb = QueryBuilder::<Db>::new("");
            let new_rows: Vec<NewRow<'_>> = chunk
                .iter()
                .map(|(r, path)| NewRow {
                    request: r,
                    agency_path: path,
                    body_hash: "generated",
                    submitted_by: None,
                })
                .collect();
            push_insert_requests(&mut qb, &new_rows)?;
            qb.build().execute(&mut *tx).await?;
            // One event per step the projection shows: submission, then notice.
            let mut qb = QueryBuilder::<Db>::new(INSERT_EVENT);
            let mut events = Vec::new();
            for (r, _) in chunk {
                events.push((
                    r,
                    1_i64,
                    EventType::Submitted,
                    r.receive_time,
                    RequestState::Pending,
                    format!("registered as {}", r.registration_number),
                ));
                if let Some(n) = &r.notice {
                    events.push((
                        r,
                        2,
                        EventType::Responded,
                        n.notice_time,
                        RequestState::Responded,
                        format!("written notice: {}", n.outcome),
                    ));
                }
            }
            qb.push_values(events, |mut b, (r, seq, kind, t, state, summary)| {
                b.push_bind(r.id.to_string())
                    .push_bind(seq)
                    .push_bind(kind.as_str())
                    .push_bind(ts(t))
                    .push_bind(ts(t))
                    .push_bind("generator")
                    .push_bind(state.as_str())
                    .push_bind(summary)
                    .push_bind("{}")
                    .push_bind(ts(r.receive_time));
            });
            qb.build().execute(&mut *tx).await?;
            tx.commit().await?;
        }
        let mut tx = begin_write(&self.pool).await?;
        for (pemda, year, last) in counters {
            sqlx::query(
                "INSERT INTO registration_counters (pemda_id, year, register, last_value) VALUES ($1, $2, 'request', $3) \
                 ON CONFLICT (pemda_id, year, register) DO UPDATE SET last_value = excluded.last_value",
            )
            .bind(pemda)
            .bind(i64::from(*year))
            .bind(last)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn add_cells(&self, cells: &Contributions) -> Result<()> {
        let counters = Counter::all();
        let mut rows: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
        let mut hist: Vec<(String, String, &'static str, i64, i64)> = Vec::new();
        for (((agency, day), key), amount) in cells {
            for month in stats::grains(*day) {
                match key {
                    Key::Count(c) => {
                        let i = counters
                            .iter()
                            .position(|x| x == c)
                            .expect("every counter is listed");
                        rows.entry((agency.clone(), month))
                            .or_insert_with(|| vec![0; counters.len()])[i] += amount;
                    }
                    Key::Hist(span, days) => hist.push((
                        agency.clone(),
                        month,
                        span.as_str(),
                        i64::from(*days),
                        *amount,
                    )),
                }
            }
        }
        let names: Vec<&str> = counters.iter().map(|c| c.column()).collect();
        let updates: Vec<String> = names
            .iter()
            .map(|c| format!("{c} = agency_month_stats.{c} + excluded.{c}"))
            .collect();
        let rows: Vec<_> = rows.into_iter().collect();
        for chunk in rows.chunks(400) {
            let mut tx = begin_write(&self.pool).await?;
            let mut qb = QueryBuilder::<Db>::new(format!(
                "INSERT INTO agency_month_stats (agency_id, month, {}) ",
                names.join(", ")
            ));
            qb.push_values(chunk, |mut b, ((agency, month), values)| {
                b.push_bind(agency.clone()).push_bind(month.clone());
                for v in values {
                    b.push_bind(*v);
                }
            });
            qb.push(format!(
                " ON CONFLICT (agency_id, month) DO UPDATE SET {}",
                updates.join(", ")
            ));
            qb.build().execute(&mut *tx).await?;
            tx.commit().await?;
        }
        // Rows of one statement must not repeat a key: merge first.
        let mut merged: BTreeMap<(String, String, &'static str, i64), i64> = BTreeMap::new();
        for (a, m, s, d, n) in hist {
            *merged.entry((a, m, s, d)).or_insert(0) += n;
        }
        let merged: Vec<_> = merged.into_iter().collect();
        for chunk in merged.chunks(5000) {
            let mut tx = begin_write(&self.pool).await?;
            let mut qb = QueryBuilder::<Db>::new(
                "INSERT INTO agency_month_hist (agency_id, month, span, days, count) ",
            );
            qb.push_values(chunk, |mut b, ((a, m, s, d), n)| {
                b.push_bind(a.clone())
                    .push_bind(m.clone())
                    .push_bind(*s)
                    .push_bind(*d)
                    .push_bind(*n);
            });
            qb.push(" ON CONFLICT (agency_id, month, span, days) DO UPDATE SET count = agency_month_hist.count + excluded.count");
            qb.build().execute(&mut *tx).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    async fn save_snapshot(
        &self,
        group_key: &str,
        period: &str,
        policy_version: i64,
        snapshot: &str,
        now: Timestamp,
    ) -> Result<()> {
        let inserted = sqlx::query(
            "INSERT INTO ranking_snapshots (group_key, period, policy_version, snapshot, publish_time) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(group_key)
        .bind(period)
        .bind(policy_version)
        .bind(snapshot)
        .bind(ts(now))
        .execute(&self.pool)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                reason: "RANKING_PUBLISHED",
                message: format!("the ranking of {group_key} for {period} is already published"),
            }),
            other => {
                other?;
                Ok(())
            }
        }
    }
}
