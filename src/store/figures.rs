// Figures: the cells kept by every change, and the queries over them (SQL
// both backends share; see common.rs).

use crate::domain::{
    figures::{ScoringPolicy, Totals},
    stats::{Contributions, Counter, Key, Span},
};

/// Adds a change's contributions to the cells, in the caller's transaction.
async fn apply_contributions(conn: &mut Conn, c: &Contributions) -> Result<()> {
    let mut counters: BTreeMap<(String, String), Vec<(&'static str, i64)>> = BTreeMap::new();
    for (((agency, day), key), amount) in c {
        let cell = (agency.clone(), stats::month(*day));
        match key {
            Key::Count(counter) => {
                let cols = counters.entry(cell).or_default();
                match cols.iter_mut().find(|(c, _)| *c == counter.column()) {
                    Some((_, v)) => *v += amount,
                    None => cols.push((counter.column(), *amount)),
                }
            }
            Key::Hist(span, days) => {
                sqlx::query(
                    "INSERT INTO agency_month_hist (agency_id, month, span, days, count) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (agency_id, month, span, days) DO UPDATE SET count = agency_month_hist.count + excluded.count",
                )
                .bind(&cell.0)
                .bind(&cell.1)
                .bind(span.as_str())
                .bind(i64::from(*days))
                .bind(amount)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    for ((agency, month), cols) in counters {
        // Column names come from `Counter::column`, a fixed list.
        let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
        let placeholders: Vec<String> = (0..cols.len()).map(|i| format!("${}", i + 3)).collect();
        let updates: Vec<String> =
            names.iter().map(|c| format!("{c} = agency_month_stats.{c} + excluded.{c}")).collect();
        let sql = format!(
            "INSERT INTO agency_month_stats (agency_id, month, {}) VALUES ($1, $2, {}) \
             ON CONFLICT (agency_id, month) DO UPDATE SET {}",
            names.join(", "),
            placeholders.join(", "),
            updates.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency).bind(month);
        for (_, v) in &cols {
            q = q.bind(*v);
        }
        q.execute(&mut *conn).await?;
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
    async fn month_totals(&self, agency_ids: &[String], from: &str, to: &str, with_hist: bool) -> Result<HashMap<String, Totals>> {
        let mut out: HashMap<String, Totals> = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let counters = Counter::all();
        let sums: Vec<String> =
            counters.iter().map(|c| format!("CAST(SUM({0}) AS BIGINT) AS {0}", c.column())).collect();
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT agency_id, {} FROM agency_month_stats WHERE agency_id IN ", sums.join(", ")));
        push_ids(&mut qb, agency_ids);
        qb.push(" AND month >= ").push_bind(from.to_string()).push(" AND month <= ").push_bind(to.to_string());
        qb.push(" GROUP BY agency_id");
        for row in qb.build().fetch_all(&self.pool).await? {
            let agency: String = row.try_get("agency_id")?;
            let t = out.entry(agency).or_default();
            for c in &counters {
                let v: Option<i64> = row.try_get(c.column())?;
                t.add(Key::Count(*c), v.unwrap_or(0));
            }
        }
        if with_hist {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT agency_id, span, days, CAST(SUM(count) AS BIGINT) AS n FROM agency_month_hist WHERE agency_id IN ",
            );
            push_ids(&mut qb, agency_ids);
            qb.push(" AND month >= ").push_bind(from.to_string()).push(" AND month <= ").push_bind(to.to_string());
            qb.push(" GROUP BY agency_id, span, days");
            for row in qb.build().fetch_all(&self.pool).await? {
                let agency: String = row.try_get("agency_id")?;
                let span = match row.try_get::<String, _>("span")?.as_str() {
                    "notice" => Span::Notice,
                    _ => Span::Delivery,
                };
                let days: i64 = row.try_get("days")?;
                let n: Option<i64> = row.try_get("n")?;
                out.entry(agency).or_default().add(Key::Hist(span, days as i32), n.unwrap_or(0));
            }
        }
        Ok(out)
    }

    async fn pending_before(&self, agency_ids: &[String], month: &str) -> Result<HashMap<String, i64>> {
        let mut out = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT agency_id, CAST(SUM(received - decided - withdrawn) AS BIGINT) AS open FROM agency_month_stats WHERE agency_id IN ",
        );
        push_ids(&mut qb, agency_ids);
        qb.push(" AND month < ").push_bind(month.to_string()).push(" GROUP BY agency_id");
        for row in qb.build().fetch_all(&self.pool).await? {
            let v: Option<i64> = row.try_get("open")?;
            out.insert(row.try_get::<String, _>("agency_id")?, v.unwrap_or(0));
        }
        Ok(out)
    }

    async fn recompute_totals(&self, agencies: &[Agency], from: Date, to: Date) -> Result<HashMap<String, Totals>> {
        let mut out: HashMap<String, Totals> = HashMap::new();
        if agencies.is_empty() {
            return Ok(out);
        }
        let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
        let zones: HashMap<&str, jiff::tz::TimeZone> = agencies.iter().map(|a| (a.id.as_str(), a.tz())).collect();
        let mut keep = |c: Contributions| {
            for (((agency, day), key), amount) in c {
                if day >= from && day <= to {
                    out.entry(agency).or_default().add(key, amount);
                }
            }
        };
        // Every request of these agencies: the naive way, row by row.
        let mut qb = QueryBuilder::<Db>::new(concat!("SELECT ", request_columns!(), " FROM requests WHERE agency_id IN "));
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

    async fn open_past_due(&self, agency: &Agency, include_sub_agencies: bool, now: Timestamp) -> Result<i64> {
        let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM requests WHERE state = 'pending' AND due_end_time <= ");
        qb.push_bind(ts(now));
        if include_sub_agencies {
            qb.push(" AND agency_path LIKE ").push_bind(format!("{}%", agency.path));
        } else {
            qb.push(" AND agency_id = ").push_bind(agency.id.clone());
        }
        Ok(qb.build_query_scalar::<i64>().fetch_one(&self.pool).await?)
    }

    async fn oldest_pending(&self, agency: &Agency, include_sub_agencies: bool, limit: i64) -> Result<Vec<Request>> {
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            request_columns!(),
            " FROM requests WHERE state IN ('pending', 'awaiting_completion')"
        ));
        if include_sub_agencies {
            qb.push(" AND agency_path LIKE ").push_bind(format!("{}%", agency.path));
        } else {
            qb.push(" AND agency_id = ").push_bind(agency.id.clone());
        }
        qb.push(" ORDER BY receive_time, id LIMIT ").push_bind(limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn subtree(&self, agency: &Agency) -> Result<Vec<Agency>> {
        let rows = sqlx::query(concat!("SELECT ", agency_columns!(), " FROM agencies WHERE path LIKE $1 ORDER BY id"))
            .bind(format!("{}%", agency.path))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(agency_from_row).collect()
    }

    async fn group_members(&self, group: &str) -> Result<Vec<Agency>> {
        let rows = sqlx::query(concat!("SELECT ", agency_columns!(), " FROM agencies WHERE comparison_group = $1 ORDER BY id"))
            .bind(group)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(agency_from_row).collect()
    }

    async fn set_policy(&self, mut policy: ScoringPolicy, now: Timestamp) -> Result<ScoringPolicy> {
        let mut tx = begin_write(&self.pool).await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM scoring_policies WHERE year = $1")
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
                return Err(Error::Aborted("another policy version was set at the same time; retry".into()));
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

    async fn record_assessment(&self, agency_id: &str, year: i16, items: &BTreeMap<String, f64>, now: Timestamp) -> Result<()> {
        let mut tx = begin_write(&self.pool).await?;
        fetch_agency(&mut tx, agency_id).await?.ok_or_else(|| agency_not_found(agency_id))?;
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

    async fn assessments(&self, agency_ids: &[String], year: i16) -> Result<HashMap<String, BTreeMap<String, f64>>> {
        let mut out = HashMap::new();
        if agency_ids.is_empty() {
            return Ok(out);
        }
        let mut qb = QueryBuilder::<Db>::new("SELECT agency_id, items FROM assessments WHERE year = ");
        qb.push_bind(i64::from(year)).push(" AND agency_id IN ");
        push_ids(&mut qb, agency_ids);
        for row in qb.build().fetch_all(&self.pool).await? {
            let items: String = row.try_get("items")?;
            out.insert(row.try_get::<String, _>("agency_id")?, serde_json::from_str(&items).context("stored assessment")?);
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
            Some(r) => Ok(Some((r.try_get("snapshot")?, from_ts(r.try_get("publish_time")?)?))),
            None => Ok(None),
        }
    }

    async fn save_snapshot(&self, group_key: &str, period: &str, policy_version: i64, snapshot: &str, now: Timestamp) -> Result<()> {
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
