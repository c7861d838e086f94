//! The register: agencies, requests and their histories, and the holiday
//! calendar whose changes move running clocks.

use std::sync::Arc;

use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{
    HolidayRecord, ListCursor, RequestFilter,
    core::{SqlStore, calendar_version, load_calendar_data},
    db::{Conn, Sql, unique_or},
    report::list_query,
    rows::{
        AGENCY_COLUMNS, INSERT_REQUEST, MutableColumns, NewRow, REQUEST_COLUMNS, agency_from_row,
        agency_not_found, from_ts, parse_named, request_args, request_from_row, request_not_found,
        subtree_bounds, ts,
    },
};
use crate::{
    domain::{
        EventType, RequestState,
        agency::Agency,
        calendar::{self, WorkingCalendar},
        request::{Event, Request},
    },
    error::{Error, Result},
};

/// The ErrorInfo reason marking a request id another process registered
/// between our check and our insert (PostgreSQL with several servers).
pub(crate) const ID_RACE: &str = "REQUEST_ID_RACE";

pub(crate) async fn fetch_agency(conn: &mut Conn<'_>, id: &str) -> Result<Option<Agency>> {
    let row = Sql::new(format!(
        "SELECT {AGENCY_COLUMNS} FROM agencies WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(agency_from_row).transpose()
}

/// Restricts `column` to the subtree of `path` (`/a/b/`): the byte range
/// [`/a/b/`, `/a/b0`), which both backends serve from an index (ids hold only
/// [a-z0-9-], and '0' follows '/').
pub(crate) fn push_subtree(qb: &mut Sql, column: &str, path: &str) {
    let (low, high) = subtree_bounds(path);
    qb.push(&format!(" AND {column} >= "))
        .push_bind(low)
        .push(&format!(" AND {column} < "))
        .push_bind(high);
}

/// Restricts open requests (a state condition precedes) to one agency. The
/// path (one per agency, kept current on every row) lets the planner use
/// `requests_open_by_path`, the one index on state and agency; the id keeps
/// the meaning exact.
pub(crate) fn push_one_agency(qb: &mut Sql, agency: &Agency) {
    qb.push(" AND agency_path = ")
        .push_bind(agency.path.clone())
        .push(" AND agency_id = ")
        .push_bind(agency.id.clone());
}

/// A request and the hash of the call that registered it.
pub(crate) async fn fetch_request(
    conn: &mut Conn<'_>,
    id: Uuid,
) -> Result<Option<(Request, String)>> {
    let row = Sql::new(format!(
        "SELECT {REQUEST_COLUMNS}, body_hash FROM requests WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    match row {
        Some(r) => Ok(Some((request_from_row(&r)?, r.get("body_hash")?))),
        None => Ok(None),
    }
}

/// A request, which must exist.
pub(crate) async fn request_or_not_found(conn: &mut Conn<'_>, id: Uuid) -> Result<Request> {
    Ok(fetch_request(conn, id)
        .await?
        .ok_or_else(|| request_not_found(id))?
        .0)
}

/// Writes a request's new projection, only if nobody changed the row since
/// `previous_version` was read (else ABORTED: read it again and retry).
pub(crate) async fn write_request(
    conn: &mut Conn<'_>,
    r: &Request,
    agency_path: &str,
    previous_version: i64,
) -> Result<()> {
    let c = MutableColumns::of(r, agency_path)?;
    let done = Sql::new(
        "UPDATE requests SET agency_id = $1, agency_path = $2, requester = $3, \
         information_requested = $4, purpose = $5, state = $6, clock_start_date = $7, \
         original_due_date = $8, due_date = $9, due_end_time = $10, extension_reason = $11, \
         extend_time = $12, extension_previous_due_date = $13, outcome = $14, notice_time = $15, \
         notice_working_days = $16, notice_on_time = $17, exemption_letters = $18, notice = $19, \
         deliver_time = $20, withdraw_time = $21, update_time = $22, version = $23, \
         exemption_citations = $24, unregistered_exemption_basis = $25, \
         deliver_working_days = $26, return_time = $27, notice_receipt_date = $28, \
         first_notice = $29, delivery_due_end_time = $30, search_words = $31, search_name = $32 \
         WHERE id = $33 AND version = $34",
    )
    .bind(c.agency_id)
    .bind(c.agency_path)
    .bind(c.requester)
    .bind(c.information_requested)
    .bind(c.purpose)
    .bind(c.state)
    .bind(c.clock_start_date)
    .bind(c.original_due_date)
    .bind(c.due_date)
    .bind(c.due_end_time)
    .bind(c.extension_reason)
    .bind(c.extend_time)
    .bind(c.extension_previous_due_date)
    .bind(c.outcome)
    .bind(c.notice_time)
    .bind(c.notice_working_days)
    .bind(c.notice_on_time)
    .bind(c.exemption_letters)
    .bind(c.notice)
    .bind(c.deliver_time)
    .bind(c.withdraw_time)
    .bind(c.update_time)
    .bind(c.version)
    .bind(c.exemption_citations)
    .bind(c.unregistered_exemption_basis)
    .bind(c.deliver_working_days)
    .bind(c.return_time)
    .bind(c.notice_receipt_date)
    .bind(c.first_notice)
    .bind(c.delivery_due_end_time)
    .bind(c.search_words)
    .bind(c.search_name)
    .bind(r.id.to_string())
    .bind(previous_version)
    .execute(conn)
    .await?;
    if done != 1 {
        return Err(Error::Aborted(format!(
            "requests/{} changed since it was read; read it again and retry",
            r.id
        )));
    }
    Ok(())
}

/// Inserts a new request row (every column).
pub(crate) async fn insert_request(conn: &mut Conn<'_>, row: &NewRow<'_>) -> Result<()> {
    let mut q = Sql::new(INSERT_REQUEST);
    q.push_values([request_args(row)?]);
    unique_or(q.execute(conn).await, || Error::AlreadyExists {
        reason: ID_RACE,
        message: "the request_id was registered concurrently".into(),
    })?;
    Ok(())
}

#[async_trait::async_trait]
impl super::Store for SqlStore {
    async fn get_agency(&self, id: &str) -> Result<Agency> {
        let mut p = self.read().await?;
        fetch_agency(&mut p.conn(), id)
            .await?
            .ok_or_else(|| agency_not_found(id))
    }

    async fn list_agencies(
        &self,
        parent: Option<&str>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Agency>> {
        let mut qb = Sql::new(format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE 1 = 1"));
        if let Some(p) = parent {
            qb.push(" AND parent_id = ").push_bind(p);
        }
        if let Some(a) = after {
            qb.push(" AND id > ").push_bind(a);
        }
        qb.push(" ORDER BY id LIMIT ").push_bind(limit);
        let mut p = self.read().await?;
        let rows = qb.fetch_all(&mut p.conn()).await?;
        rows.iter().map(agency_from_row).collect()
    }

    async fn get_request(&self, id: Uuid) -> Result<Request> {
        let mut p = self.read().await?;
        request_or_not_found(&mut p.conn(), id).await
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        cursor: Option<ListCursor>,
        limit: i64,
    ) -> Result<Vec<Request>> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        let expanded = if conn.is_postgres() {
            expand_prefixes(&mut conn, filter).await?
        } else {
            None
        };
        let filter = expanded.as_ref().unwrap_or(filter);
        let rows = list_query(filter, cursor, limit, conn.is_postgres())
            .fetch_all(&mut conn)
            .await?;
        rows.iter().map(request_from_row).collect()
    }

    async fn request_history(&self, id: Uuid) -> Result<Vec<Event>> {
        let mut p = self.read().await?;
        let rows = Sql::new(
            // The receipt time leads the events' key on SQLite.
            "SELECT sequence, type, event_time, record_time, actor, state, summary, details \
             FROM request_events WHERE request_receive_time = \
             (SELECT receive_time FROM requests WHERE id = $1) AND request_id = $1 \
             ORDER BY sequence",
        )
        .bind(id.to_string())
        .fetch_all(&mut p.conn())
        .await?;
        if rows.is_empty() {
            return Err(request_not_found(id));
        }
        rows.iter()
            .map(|r| {
                let details: String = r.get("details")?;
                Ok(Event {
                    sequence: r.get("sequence")?,
                    kind: parse_named(&r.get::<String>("type")?, EventType::parse, "event type")?,
                    event_time: from_ts(r.get("event_time")?)?,
                    record_time: from_ts(r.get("record_time")?)?,
                    actor: r.get("actor")?,
                    state: parse_named(&r.get::<String>("state")?, RequestState::parse, "state")?,
                    summary: r.get("summary")?,
                    details: serde_json::from_str(&details).map_err(|e| {
                        Error::Internal(anyhow::anyhow!("stored event details: {e}"))
                    })?,
                })
            })
            .collect()
    }

    async fn list_holidays(
        &self,
        year: i16,
        agency: Option<&Agency>,
    ) -> Result<(Vec<HolidayRecord>, bool)> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        let version = calendar_version(&mut conn).await?;
        let data = load_calendar_data(&mut conn, version).await?;
        let loaded = data.decree_years.contains(&year);
        let applies = |h: &HolidayRecord| match (&h.agency_id, agency) {
            (None, _) => true,
            (Some(scope), Some(a)) => a.path.contains(&format!("/{scope}/")),
            (Some(_), None) => false,
        };
        let mut out: Vec<HolidayRecord> = data
            .holidays
            .into_iter()
            .filter(|h| h.date.year() == year && applies(h))
            .collect();
        if !loaded {
            // Without a decree only the fixed-date holidays are known.
            for h in calendar::fixed_date_holidays(year) {
                if !out
                    .iter()
                    .any(|o| o.date == h.date && o.agency_id.is_none())
                {
                    out.push(HolidayRecord {
                        date: h.date,
                        name: h.name,
                        kind: h.kind,
                        agency_id: None,
                        built_in: true,
                    });
                }
            }
        }
        out.sort_by(|a, b| (a.date, &a.agency_id).cmp(&(b.date, &b.agency_id)));
        Ok((out, loaded))
    }

    async fn calendar_for(&self, agency: &Agency) -> Result<WorkingCalendar> {
        let mut p = self.read().await?;
        Ok(WorkingCalendar::clone(
            &*self.core.calendar_in(&mut p.conn(), agency).await?,
        ))
    }

    async fn calendars_of(&self, ids: &[String]) -> Result<Vec<(Agency, Arc<WorkingCalendar>)>> {
        let mut p = self.read().await?;
        let mut conn = p.conn();
        let agencies = self.core.agencies(&mut conn).await?;
        let data = self.core.calendar_data(&mut conn).await?;
        Ok(agencies
            .iter()
            .filter(|a| ids.contains(&a.id))
            .map(|a| (a.clone(), data.working_calendar(a, &self.core.settings)))
            .collect())
    }

    fn writer(&self) -> &super::Writer {
        SqlStore::writer(self)
    }

    fn pools(&self) -> Vec<super::PoolUse> {
        SqlStore::pools(self)
    }

    fn backend(&self) -> &'static str {
        SqlStore::backend(self)
    }

    fn settings(&self) -> &super::StoreSettings {
        &self.core.settings
    }
}

/// Requests whose running clock a calendar change on `date` may move:
/// pending, started before `date`, due on or after it, within the agency
/// subtree at `scope_path` (everything when `None`).
pub(crate) async fn clocks_around(
    conn: &mut Conn<'_>,
    date: Date,
    scope_path: Option<&str>,
) -> Result<Vec<Request>> {
    let mut qb = Sql::new(format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE state IN "
    ));
    qb.push_list(RequestState::CLOCK_RUNS.iter().map(|s| s.as_str()))
        .push(" AND clock_start_date < ")
        .push_bind(date.to_string())
        .push(" AND due_date >= ")
        .push_bind(date.to_string());
    if let Some(p) = scope_path {
        push_subtree(&mut qb, "agency_path", p);
    }
    let rows = qb.fetch_all(conn).await?;
    rows.iter().map(request_from_row).collect()
}

/// Inserts a new agency (ALREADY_EXISTS when the id is taken).
pub(crate) async fn insert_agency(conn: &mut Conn<'_>, a: &Agency) -> Result<()> {
    let inserted = Sql::new(
        "INSERT INTO agencies (id, display_name, kind, parent_id, pemda_id, path, time_zone, \
         comparison_group, create_time, update_time, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&a.id)
    .bind(&a.display_name)
    .bind(a.kind.as_str())
    .bind(&a.parent_id)
    .bind(&a.pemda_id)
    .bind(&a.path)
    .bind(&a.time_zone)
    .bind(&a.comparison_group)
    .bind(ts(a.create_time))
    .bind(ts(a.update_time))
    .bind(a.version)
    .execute(conn)
    .await;
    unique_or(inserted, || Error::AlreadyExists {
        reason: "AGENCY_EXISTS",
        message: format!("agencies/{} already exists", a.id),
    })?;
    Ok(())
}

/// Writes an agency's changed fields, only if nobody changed it since
/// `previous_version` was read (else ABORTED).
pub(crate) async fn update_agency(
    conn: &mut Conn<'_>,
    a: &Agency,
    previous_version: i64,
) -> Result<()> {
    let done = Sql::new(
        "UPDATE agencies SET display_name = $1, time_zone = $2, comparison_group = $3, \
         update_time = $4, version = $5 WHERE id = $6 AND version = $7",
    )
    .bind(&a.display_name)
    .bind(&a.time_zone)
    .bind(&a.comparison_group)
    .bind(ts(a.update_time))
    .bind(a.version)
    .bind(&a.id)
    .bind(previous_version)
    .execute(conn)
    .await?;
    if done != 1 {
        return Err(Error::Aborted(format!(
            "agencies/{} changed concurrently; retry",
            a.id
        )));
    }
    Ok(())
}

/// Records which DIK entries a request's notice cites (for counting).
pub(crate) async fn insert_citations(conn: &mut Conn<'_>, r: &Request) -> Result<()> {
    let Some(n) = &r.notice else {
        return Ok(());
    };
    for c in &n.citations {
        Sql::new(
            "INSERT INTO notice_citations (request_id, request_version, exemption_id, letter, \
             notice_time) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(r.id.to_string())
        .bind(r.version)
        .bind(c.exemption_id.to_string())
        .bind(c.letter.as_str())
        .bind(ts(n.notice_time))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Adds a holiday (ALREADY_EXISTS when that day is one in that calendar).
pub(crate) async fn insert_holiday(
    conn: &mut Conn<'_>,
    h: &HolidayRecord,
    now: Timestamp,
) -> Result<()> {
    let inserted = Sql::new(
        "INSERT INTO holidays (scope, date, name, kind, built_in, create_time) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(h.agency_id.clone().unwrap_or_default())
    .bind(h.date.to_string())
    .bind(&h.name)
    .bind(h.kind.as_str())
    .bind(h.built_in)
    .bind(ts(now))
    .execute(conn)
    .await;
    unique_or(inserted, || Error::AlreadyExists {
        reason: "HOLIDAY_EXISTS",
        message: format!("{} is already a holiday in this calendar", h.date),
    })?;
    Ok(())
}

/// Removes a holiday of a calendar (national when `agency_id` is `None`);
/// its name, or `None` when there was none.
pub(crate) async fn delete_holiday(
    conn: &mut Conn<'_>,
    date: Date,
    agency_id: Option<&str>,
) -> Result<Option<String>> {
    Sql::new("DELETE FROM holidays WHERE scope = $1 AND date = $2 RETURNING name")
        .bind(agency_id.unwrap_or_default())
        .bind(date.to_string())
        .scalar_optional(conn)
        .await
}

/// Whether an imported request is already in the register: by its number,
/// or (a number of another form) by its legacy number in the Pemda.
pub(crate) async fn imported_already(
    conn: &mut Conn<'_>,
    pemda_id: &str,
    number: &str,
    legacy: bool,
) -> Result<bool> {
    let q = if legacy {
        Sql::new("SELECT COUNT(*) FROM requests WHERE pemda_id = $1 AND legacy_number = $2")
            .bind(pemda_id)
            .bind(number)
    } else {
        Sql::new("SELECT COUNT(*) FROM requests WHERE registration_number = $1").bind(number)
    };
    Ok(q.scalar::<i64>(conn).await? > 0)
}

/// Keeps an imported request's old number beside the one it was given.
pub(crate) async fn set_legacy_number(conn: &mut Conn<'_>, id: Uuid, legacy: &str) -> Result<()> {
    Sql::new("UPDATE requests SET legacy_number = $1 WHERE id = $2")
        .bind(legacy)
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Most indexed words a search word may stand for and still be searched as
/// those words rather than as a prefix.
const MAX_EXPANSION: usize = 64;

/// PostgreSQL: `filter` with each search word's indexed words (the
/// `search_lexemes` table, PostgreSQL migration 0028), when every word is letters
/// a-z and digits. A prefix is a GIN partial match, which collects every
/// match of the prefix before intersecting ("laporan:*": 102,038 requests);
/// the words it starts, matched whole, intersect fast. None: nothing to
/// expand.
async fn expand_prefixes(
    conn: &mut Conn<'_>,
    filter: &RequestFilter,
) -> Result<Option<RequestFilter>> {
    let Some(search) = &filter.search else {
        return Ok(None);
    };
    let crate::domain::search::Query::Words(words) = &search.query else {
        return Ok(None);
    };
    let plain = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if !words.iter().all(|w| plain(w)) {
        return Ok(None);
    }
    let mut expanded = Vec::with_capacity(words.len());
    for w in words {
        // Every word starting with `w` sorts (bytewise) in [w, w') where w'
        // is `w` with its last byte raised: a-z and digits stay ASCII.
        let mut upper = w.clone().into_bytes();
        if let Some(last) = upper.last_mut() {
            *last += 1;
        }
        let upper = String::from_utf8(upper).unwrap_or_default();
        let rows = Sql::new(
            "SELECT lexeme FROM search_lexemes WHERE lexeme >= $1 AND lexeme < $2 \
             ORDER BY lexeme LIMIT $3",
        )
        .bind(w.clone())
        .bind(upper)
        .bind(MAX_EXPANSION as i64 + 1)
        .fetch_all(conn)
        .await?;
        let lexemes = rows
            .iter()
            .map(|r| r.get::<String>("lexeme"))
            .collect::<Result<Vec<_>>>()?;
        expanded.push(
            (!lexemes.is_empty()
                && lexemes.len() <= MAX_EXPANSION
                && lexemes.iter().all(|l| plain(l)))
            .then_some(lexemes),
        );
    }
    let mut f = filter.clone();
    if let Some(s) = f.search.as_mut() {
        s.expanded = expanded;
    }
    Ok(Some(f))
}
