//! The register: agencies, requests and their histories, and the holiday
//! calendar whose changes move running clocks.
use std::collections::{BTreeMap, HashMap};

use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{
    HolidayRecord, RequestCursor, RequestFilter, Submitted,
    core::{SqlStore, calendar_of, calendar_version, load_calendar_data},
    db::{Conn, Sql, unique_or},
    figures::record_figures,
    report::{Newest, page_requests},
    rows::{
        AGENCY_COLUMNS, INSERT_REQUEST, MutableColumns, NewRow, REQUEST_COLUMNS,
        agency_from_row, agency_not_found, from_ts, parse_named, request_args,
        request_from_row, request_not_found, subtree_bounds, ts,
    },
    writer::Tx,
};
use crate::{
    domain::{
        EventType, RequestState,
        agency::{self, Agency, AgencyPatch, NewAgency},
        calendar::{self, WorkingCalendar},
        lifecycle::{self, Command},
        request::{Event, NewEvent, NewRequest, Request},
        stats, time,
    },
    error::{Error, Result},
};

/// The ErrorInfo reason marking a request id another process registered
/// between our check and our insert (PostgreSQL with several servers).
const ID_RACE: &str = "REQUEST_ID_RACE";

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
         deliver_working_days = $26 WHERE id = $27 AND version = $28",
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

/// A retry must match the first call's body; anything else reuses the key.
fn replay(existing: Request, stored_hash: &str, new_hash: &str) -> Result<Submitted> {
    if stored_hash == new_hash {
        Ok(Submitted {
            request: existing,
            replayed: true,
        })
    } else {
        Err(Error::AlreadyExists {
            reason: "REQUEST_ID_REUSED",
            message: format!(
                "request_id {} was already used for a different request ({}); use a new request_id",
                existing.id, existing.registration_number
            ),
        })
    }
}

/// Registers one request inside the writer's transaction. `check_first`:
/// look for an earlier call with the same id first (a retry answers as that
/// call did); without it, a taken id fails the insert (ID_RACE) and the
/// caller tries again with the check. Most calls are new: the check is a
/// statement they need not pay for.
async fn register(
    tx: &mut Tx<'_>,
    new: NewRequest,
    now: Timestamp,
    actor: &str,
    check_first: bool,
) -> Result<Submitted> {
    if check_first && let Some((existing, hash)) = fetch_request(&mut tx.conn, new.id).await? {
        return replay(existing, &hash, &new.body_hash);
    }
    let agency = tx
        .agency(&new.agency_id)
        .await?
        .ok_or_else(|| agency_not_found(&new.agency_id))?;
    let calendar = tx.calendar(&agency).await?;
    let tz = agency.tz();
    let receive_time = new.receive_time.unwrap_or(now);
    let start = time::local_date(receive_time, &tz);
    let clock = lifecycle::run_clock(&calendar, &tz, start, false).map_err(|_| {
        Error::invalid(
            "request.receive_time",
            "is outside the supported calendar range",
        )
    })?;
    let seq = tx.next_number(&agency.pemda_id, start.year(), "request").await?;
    let body_hash = new.body_hash.clone();
    let submitted_by = new.submitted_by.clone();
    let (request, event) = lifecycle::register(new, &agency, receive_time, start, clock, seq, now);
    insert_request(
        &mut tx.conn,
        &NewRow {
            request: &request,
            agency_path: &agency.path,
            body_hash: &body_hash,
            submitted_by: submitted_by.as_deref(),
        },
    )
    .await?;
    tx.insert_event(&request, &event, now, actor)?;
    record_figures(tx, &stats::request_contributions(&request, &tz)).await?;
    Ok(Submitted {
        request,
        replayed: false,
    })
}

#[async_trait::async_trait]
impl super::Store for SqlStore {
    #[tracing::instrument(skip_all, fields(agency = %new.id))]
    async fn create_agency(&self, new: NewAgency, now: Timestamp) -> Result<Agency> {
        self.write(move |tx| {
            Box::pin(async move {
                let parent = match &new.parent_id {
                    Some(pid) => Some(
                        tx.agency(pid)
                            .await?
                            .ok_or_else(|| agency_not_found(pid))?,
                    ),
                    None => None,
                };
                agency::check_parent(new.kind, parent.as_ref())
                    .map_err(|m| Error::invalid("agency.parent", m))?;
                let pemda_id = agency::pemda_of(&new.id, new.kind, parent.as_ref());
                let a = Agency {
                    path: agency::path_of(&new.id, parent.as_ref()),
                    comparison_group: new.comparison_group.unwrap_or_else(|| {
                        agency::default_comparison_group(new.kind, &pemda_id, parent.as_ref())
                    }),
                    pemda_id,
                    id: new.id,
                    display_name: new.display_name,
                    kind: new.kind,
                    parent_id: new.parent_id,
                    time_zone: new.time_zone,
                    create_time: now,
                    update_time: now,
                    version: 1,
                };
                let inserted = Sql::new(
                    "INSERT INTO agencies (id, display_name, kind, parent_id, pemda_id, path, \
                     time_zone, comparison_group, create_time, update_time, version) \
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
                .bind(ts(now))
                .bind(ts(now))
                .bind(a.version)
                .execute(&mut tx.conn)
                .await;
                unique_or(inserted, || Error::AlreadyExists {
                    reason: "AGENCY_EXISTS",
                    message: format!("agencies/{} already exists", a.id),
                })?;
                Ok(a)
            })
        })
        .await
    }

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

    #[tracing::instrument(skip_all, fields(agency = %id))]
    async fn update_agency(
        &self,
        id: &str,
        patch: AgencyPatch,
        expected_version: Option<i64>,
        now: Timestamp,
    ) -> Result<Agency> {
        let id = id.to_string();
        self.write(move |tx| {
            Box::pin(async move {
                let mut a = tx.agency(&id)
                    .await?
                    .ok_or_else(|| agency_not_found(&id))?;
                if expected_version.is_some_and(|v| v != a.version) {
                    return Err(Error::Aborted(format!(
                        "agencies/{id} changed since it was read (stale etag); read it again"
                    )));
                }
                if let Some(n) = patch.display_name {
                    a.display_name = n;
                }
                if let Some(z) = patch.time_zone {
                    a.time_zone = z;
                }
                if let Some(g) = patch.comparison_group {
                    a.comparison_group = g;
                }
                let previous = a.version;
                a.version += 1;
                a.update_time = now;
                let done = Sql::new(
                    "UPDATE agencies SET display_name = $1, time_zone = $2, comparison_group = $3, \
                     update_time = $4, version = $5 WHERE id = $6 AND version = $7",
                )
                .bind(&a.display_name)
                .bind(&a.time_zone)
                .bind(&a.comparison_group)
                .bind(ts(now))
                .bind(a.version)
                .bind(&id)
                .bind(previous)
                .execute(&mut tx.conn)
                .await?;
                if done != 1 {
                    return Err(Error::Aborted(format!(
                        "agencies/{id} changed concurrently; retry"
                    )));
                }
                tx.memo.agencies.remove(&id);
                Ok(a)
            })
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(request = %new.id, agency = %new.agency_id))]
    async fn submit_request(
        &self,
        new: NewRequest,
        now: Timestamp,
        actor: &str,
    ) -> Result<Submitted> {
        let retry = new.clone();
        let first_actor = actor.to_string();
        let registered = self
            .write(move |tx| {
                Box::pin(async move { register(tx, new, now, &first_actor, false).await })
            })
            .await;
        match registered {
            Err(Error::AlreadyExists { reason, .. }) if reason == ID_RACE => {
                // The id is taken (a retry, or a twin in the same group, or
                // another server's): register again, looking first.
                let actor = actor.to_string();
                self.write(move |tx| {
                    Box::pin(async move { register(tx, retry, now, &actor, true).await })
                })
                .await
            }
            other => other,
        }
    }

    async fn get_request(&self, id: Uuid) -> Result<Request> {
        let mut p = self.read().await?;
        request_or_not_found(&mut p.conn(), id).await
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        cursor: Option<RequestCursor>,
        limit: i64,
    ) -> Result<Vec<Request>> {
        let mut p = self.read().await?;
        page_requests(&mut p.conn(), filter, cursor, limit, Newest::First).await
    }

    #[tracing::instrument(skip_all, fields(request = %id, command = ?command.kind()))]
    async fn transition(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        command: Command,
        now: Timestamp,
        actor: &str,
    ) -> Result<Request> {
        let actor = actor.to_string();
        self.write(move |tx| {
            Box::pin(async move {
                let req = request_or_not_found(&mut tx.conn, id).await?;
                if expected_version.is_some_and(|v| v != req.version) {
                    return Err(Error::Aborted(format!(
                        "requests/{id} changed since it was read (stale etag); read it again"
                    )));
                }
                let agency = tx.referenced_agency(&req.agency_id).await?;
                let cal = tx.calendar(&agency).await?;
                let tz = agency.tz();
                let mut cited = Vec::new();
                if let Command::Respond(n) = &command {
                    for (i, (agency_id, eid)) in n.exemptions.iter().enumerate() {
                        let e = super::dik::fetch_exemption(&mut tx.conn, *eid)
                            .await?
                            .filter(|e| &e.agency_id == agency_id);
                        cited.push(e.ok_or_else(|| Error::NotFound {
                            kind: "exemption",
                            name: format!(
                                "agencies/{agency_id}/exemptions/{eid} (notice.exemptions[{i}])"
                            ),
                        })?);
                    }
                }
                let ctx = lifecycle::Context {
                    now,
                    agency: &agency,
                    tz: &tz,
                    calendar: &cal,
                    cited: &cited,
                    allow_unregistered_exemption: tx.core.settings.allow_unregistered_exemption,
                };
                let (next, event) = lifecycle::apply(&req, command, &ctx)?;
                let next_agency = if next.agency_id == agency.id {
                    agency.clone()
                } else {
                    tx.agency(&next.agency_id)
                        .await?
                        .ok_or_else(|| agency_not_found(&next.agency_id))?
                };
                write_request(&mut tx.conn, &next, &next_agency.path, req.version).await?;
                let change = stats::diff(
                    &stats::request_contributions(&req, &tz),
                    &stats::request_contributions(&next, &next_agency.tz()),
                );
                record_figures(tx, &change).await?;
                tx.insert_event(&next, &event, now, &actor)?;
                if let Some(n) = next
                    .notice
                    .as_ref()
                    .filter(|_| event.kind == EventType::Responded)
                {
                    for c in &n.citations {
                        Sql::new(
                            "INSERT INTO notice_citations (request_id, request_version, \
                             exemption_id, letter, notice_time) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(next.id.to_string())
                        .bind(next.version)
                        .bind(c.exemption_id.to_string())
                        .bind(c.letter.as_str())
                        .bind(ts(n.notice_time))
                        .execute(&mut tx.conn)
                        .await?;
                    }
                }
                Ok(next)
            })
        })
        .await
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

    #[tracing::instrument(skip_all, fields(date = %holiday.date))]
    async fn add_holiday(
        &self,
        holiday: HolidayRecord,
        now: Timestamp,
        actor: &str,
    ) -> Result<u32> {
        let actor = actor.to_string();
        self.write(move |tx| {
            Box::pin(async move {
                let scope_path = match &holiday.agency_id {
                    Some(id) => Some(
                        tx.agency(id)
                            .await?
                            .ok_or_else(|| agency_not_found(id))?
                            .path,
                    ),
                    None => None,
                };
                let before = load_calendar_data(&mut tx.conn, 0).await?;
                let inserted = Sql::new(
                    "INSERT INTO holidays (scope, date, name, kind, built_in, create_time) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(holiday.agency_id.clone().unwrap_or_default())
                .bind(holiday.date.to_string())
                .bind(&holiday.name)
                .bind(holiday.kind.as_str())
                .bind(false)
                .bind(ts(now))
                .execute(&mut tx.conn)
                .await;
                unique_or(inserted, || Error::AlreadyExists {
                    reason: "HOLIDAY_EXISTS",
                    message: format!("{} is already a holiday in this calendar", holiday.date),
                })?;
                tx.bump_calendar_version().await?;
                reschedule(
                    tx,
                    &before,
                    holiday.date,
                    scope_path.as_deref(),
                    now,
                    &actor,
                    &format!("holiday added: {}", holiday.name),
                )
                .await
            })
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(date = %date))]
    async fn remove_holiday(
        &self,
        date: Date,
        agency_id: Option<&str>,
        now: Timestamp,
        actor: &str,
    ) -> Result<u32> {
        let actor = actor.to_string();
        let agency_id = agency_id.map(str::to_string);
        self.write(move |tx| {
            Box::pin(async move {
                let scope_path = match &agency_id {
                    Some(id) => Some(
                        tx.agency(id)
                            .await?
                            .ok_or_else(|| agency_not_found(id))?
                            .path,
                    ),
                    None => None,
                };
                let before = load_calendar_data(&mut tx.conn, 0).await?;
                let name: Option<String> =
                    Sql::new("DELETE FROM holidays WHERE scope = $1 AND date = $2 RETURNING name")
                        .bind(agency_id.clone().unwrap_or_default())
                        .bind(date.to_string())
                        .scalar_optional(&mut tx.conn)
                        .await?;
                let Some(name) = name else {
                    return Err(Error::NotFound {
                        kind: "holiday",
                        name: match &agency_id {
                            Some(a) => format!("agencies/{a}/holidays/{date}"),
                            None => format!("holidays/{date}"),
                        },
                    });
                };
                tx.bump_calendar_version().await?;
                reschedule(
                    tx,
                    &before,
                    date,
                    scope_path.as_deref(),
                    now,
                    &actor,
                    &format!("holiday removed: {name}"),
                )
                .await
            })
        })
        .await
    }

    async fn calendar_for(&self, agency: &Agency) -> Result<WorkingCalendar> {
        let mut p = self.read().await?;
        Ok(WorkingCalendar::clone(
            &*self.core.calendar_in(&mut p.conn(), agency).await?,
        ))
    }

    fn writer_health(&self) -> tokio::sync::watch::Receiver<super::Health> {
        SqlStore::writer_health(self)
    }
}

/// Moves the due dates of the running clocks a change on `date` affects
/// (clock started before it, due on or after it), within the agency subtree
/// `scope_path` (everything when `None`), with an event on each request
/// whose due date moved. `before` is the calendar before the change.
async fn reschedule(
    tx: &mut Tx<'_>,
    before: &super::core::CalendarData,
    date: Date,
    scope_path: Option<&str>,
    now: Timestamp,
    actor: &str,
    why: &str,
) -> Result<u32> {
    let mut qb = Sql::new(format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE state = 'pending' AND clock_start_date < "
    ));
    qb.push_bind(date.to_string())
        .push(" AND due_date >= ")
        .push_bind(date.to_string());
    if let Some(p) = scope_path {
        push_subtree(&mut qb, "agency_path", p);
    }
    let rows = qb.fetch_all(&mut tx.conn).await?;
    let candidates = rows
        .iter()
        .map(request_from_row)
        .collect::<Result<Vec<_>>>()?;
    let after = load_calendar_data(&mut tx.conn, 0).await?;
    let settings = tx.core.settings.clone();
    let mut agencies: HashMap<String, (Agency, WorkingCalendar, WorkingCalendar)> = HashMap::new();
    let mut moved = 0;
    for req in candidates {
        if !agencies.contains_key(&req.agency_id) {
            let a = tx.referenced_agency(&req.agency_id).await?;
            let old = calendar_of(before, &a, &settings);
            let new = calendar_of(&after, &a, &settings);
            agencies.insert(req.agency_id.clone(), (a, old, new));
        }
        let (agency, old, new) = &agencies[&req.agency_id];
        let tz = agency.tz();
        let Some(clock) = lifecycle::reschedule(&req, date, old, new, &tz)? else {
            continue;
        };
        let mut next = req.clone();
        next.original_due_date = Some(clock.original_due);
        next.due_date = Some(clock.due);
        next.due_end_time = Some(clock.due_end);
        // The extension runs from the original due date, which moved too.
        if let Some(ext) = next.extension.as_mut() {
            ext.previous_due_date = clock.original_due;
        }
        next.version += 1;
        next.update_time = now;
        let previous = req.due_date.map(|d| d.to_string()).unwrap_or_default();
        let mut details = BTreeMap::new();
        details.insert("previous_due_date".to_string(), previous.clone());
        details.insert("due_date".to_string(), clock.due.to_string());
        details.insert("holiday_date".to_string(), date.to_string());
        details.insert("reason".to_string(), why.to_string());
        let event = NewEvent {
            kind: EventType::DueDateChanged,
            event_time: now,
            summary: format!("due date moved from {previous} to {} ({why})", clock.due),
            details,
        };
        write_request(&mut tx.conn, &next, &agency.path, req.version).await?;
        tx.insert_event(&next, &event, now, actor)?;
        moved += 1;
    }
    Ok(moved)
}
