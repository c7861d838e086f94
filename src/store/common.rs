// The SQL both backends share, compiled once per backend: `sqlite.rs` and
// `postgres.rs` define `Db`, `begin_write`, `open_pool` and
// `CALENDAR_VERSION_SQL`, then include this file. `$n` placeholders, BIGINT
// times and TEXT dates mean the same on both.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use anyhow::Context as _;
use jiff::{Timestamp, civil::Date};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use crate::{
    domain::{
        AccessMethod, AgencyKind, Channel, CopyForm, DeliveryMethod, EventType, ExemptionLetter,
        Outcome, RequestState,
        agency::{self, Agency, AgencyPatch, NewAgency},
        calendar::{self, Holiday, HolidayKind, WorkingCalendar},
        exemption::Citation,
        lifecycle::{self, Command},
        request::{self, Event, Extension, NewEvent, NewRequest, Notice, Request, Requester},
        stats::{self, Contributions},
        time,
    },
    error::{Error, Result},
    store::{
        HolidayRecord, RequestCursor, RequestFilter, StoreSettings, Submitted, is_unique_violation,
    },
};

type Conn = <Db as sqlx::Database>::Connection;

/// The store of this backend: the shared core, and the queue of the intake
/// writer that commits submissions in groups.
pub struct SqlStore {
    core: Arc<Core>,
    intake: tokio::sync::mpsc::Sender<Intake>,
}

/// What the store's use cases share with the intake writer.
pub struct Core {
    pool: sqlx::Pool<Db>,
    settings: StoreSettings,
    /// All holidays at one calendar version; reloaded when the version moves.
    calendar: Mutex<Option<Arc<CalendarData>>>,
    /// Every agency, with the (count, sum of versions) it was read at.
    agencies: Mutex<Option<AgencyCache>>,
}

/// The agency list and the (count, sum of versions) it was read at.
type AgencyCache = ((i64, i64), Arc<Vec<Agency>>);

impl std::ops::Deref for SqlStore {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}

/// One submission waiting for the intake writer.
struct Intake {
    new: NewRequest,
    now: Timestamp,
    actor: String,
    reply: tokio::sync::oneshot::Sender<Result<Submitted>>,
}

/// Most submissions committed in one transaction.
const MAX_GROUP: usize = 512;

/// The ErrorInfo reason marking a lost race on a request id inside a group.
const ID_RACE: &str = "REQUEST_ID_RACE";

struct CalendarData {
    version: i64,
    holidays: Vec<HolidayRecord>,
    decree_years: Vec<i16>,
    /// Each agency path's working calendar at this version, built on first
    /// use: intake needs one per agency in every group, and building one
    /// (every holiday filtered and copied) was a tenth of its writer's time.
    /// Data and memo belong to one store, so its settings are fixed.
    calendars: std::sync::Mutex<HashMap<String, Arc<WorkingCalendar>>>,
}

impl CalendarData {
    /// The working calendar of `agency` (see [`calendar_of`]), built once.
    fn working_calendar(&self, agency: &Agency, settings: &StoreSettings) -> Arc<WorkingCalendar> {
        let mut memo = self.calendars.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cal) = memo.get(agency.path.as_str()) {
            return cal.clone();
        }
        let cal = Arc::new(calendar_of(self, agency, settings));
        memo.insert(agency.path.clone(), cal.clone());
        cal
    }
}

macro_rules! agency_columns {
    () => {
        "id, display_name, kind, parent_id, pemda_id, path, time_zone, comparison_group, \
         create_time, update_time, version"
    };
}

macro_rules! request_columns {
    () => {
        "id, registration_number, agency_id, receiving_agency_id, pemda_id, requester, \
         information_requested, purpose, access_method, copy_form, delivery_method, channel, \
         receive_time, state, clock_start_date, original_due_date, due_date, due_end_time, \
         extension_reason, extend_time, extension_previous_due_date, outcome, notice_time, \
         notice_working_days, notice_on_time, exemption_letters, notice, deliver_time, \
         withdraw_time, create_time, update_time, version, exemption_citations, \
         unregistered_exemption_basis, deliver_working_days"
    };
}

impl SqlStore {
    /// Opens the database, migrates it, loads the built-in holidays and
    /// starts the intake writer.
    pub async fn connect(url: &str, settings: StoreSettings) -> anyhow::Result<Self> {
        let core = Arc::new(Core {
            pool: open_pool(url).await?,
            settings,
            calendar: Mutex::new(None),
            agencies: Mutex::new(None),
        });
        core.load_builtin_holidays().await?;
        let (intake, queue) = tokio::sync::mpsc::channel(4 * MAX_GROUP);
        start_intake(core.clone(), queue);
        Ok(Self { core, intake })
    }

    /// Opens the database and runs migrations only.
    pub async fn migrate_only(url: &str) -> anyhow::Result<()> {
        open_pool(url).await?.close().await;
        Ok(())
    }

    /// The connection pool (for tools and tests).
    pub fn pool(&self) -> &sqlx::Pool<Db> {
        &self.pool
    }
}

/// Group commit: takes every submission waiting (up to [`MAX_GROUP`]),
/// registers them in one transaction, commits once and only then answers
/// each caller. A failed commit answers every caller with an error, and
/// their retries (same request_id) are safe. (A SQLite file has a writer of
/// its own: `start_intake` in sqlite.rs.)
async fn intake_writer(core: Arc<Core>, mut queue: tokio::sync::mpsc::Receiver<Intake>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        gather(&mut group, || queue.try_recv().ok());
        core.commit_group(group).await;
    }
}

/// Adds what else is waiting to a group, up to [`MAX_GROUP`].
fn gather(group: &mut Vec<Intake>, mut next: impl FnMut() -> Option<Intake>) {
    while group.len() < MAX_GROUP {
        match next() {
            Some(job) => group.push(job),
            None => break,
        }
    }
}

/// A caller's answer, sent once its group's commit is durable.
type Ack = (
    tokio::sync::oneshot::Sender<Result<Submitted>>,
    Result<Submitted>,
);

/// Sends each caller its answer (one that stopped waiting is skipped).
fn answer(acks: Vec<Ack>) {
    for (reply, result) in acks {
        let _ = reply.send(result);
    }
}

/// Pairs a group's callers with their results.
fn acks(group: Vec<Intake>, results: Vec<Result<Submitted>>) -> Vec<Ack> {
    group
        .into_iter()
        .zip(results)
        .map(|(job, result)| (job.reply, result))
        .collect()
}

/// The answers of a registered group, and the figures' contributions of all
/// of it (they are additive: recorded once per group).
fn collect_contributions(
    results: Vec<Result<(Submitted, Contributions)>>,
) -> (Vec<Result<Submitted>>, Contributions) {
    let mut cells = Contributions::new();
    let answers = results
        .into_iter()
        .map(|result| {
            result.map(|(s, c)| {
                for (k, v) in c {
                    *cells.entry(k).or_insert(0) += v;
                }
                s
            })
        })
        .collect();
    (answers, cells)
}

impl Core {
    async fn commit_group(&self, group: Vec<Intake>) {
        let started = std::time::Instant::now();
        let size = group.len();
        // The fast path: the whole group as one batch. A database error in it
        // (a request id another process took a moment ago, say) undoes the
        // transaction, and the group is tried again with one savepoint per
        // submission so that only the culprit fails. (No savepoint around the
        // batch itself: SQLite would copy every page it touches to a
        // sub-journal.)
        let mut batched = true;
        let mut outcome = self.try_group(&group, true).await;
        if let Err(e) = &outcome {
            tracing::debug!(error = %e, "batch registration failed; one savepoint per submission");
            batched = false;
            outcome = self.try_group(&group, false).await;
        }
        tracing::debug!(
            size,
            batched,
            elapsed_us = started.elapsed().as_micros() as u64,
            "intake group committed"
        );
        match outcome {
            Ok(results) => answer(acks(group, results)),
            Err(e) => {
                tracing::error!(error = %e, "group commit failed; callers may retry with their request_id");
                for job in group {
                    let _ = job.reply.send(Err(echo(&e)));
                }
            }
        }
    }

    /// Registers the group in one transaction, adds its figures once and
    /// commits.
    async fn try_group(&self, group: &[Intake], batch: bool) -> Result<Vec<Result<Submitted>>> {
        let mut tx = begin_write(&self.pool).await?;
        let results = if batch {
            self.register_batch(&mut tx, group).await?
        } else {
            let mut results = Vec::with_capacity(group.len());
            for job in group {
                results.push(self.register_in_savepoint(&mut tx, job).await);
            }
            results
        };
        let (answers, cells) = collect_contributions(results);
        self.record_figures(&mut tx, &cells).await?;
        tx.commit().await?;
        Ok(answers)
    }

    async fn register_in_savepoint(
        &self,
        tx: &mut Transaction<'_, Db>,
        job: &Intake,
    ) -> Result<(Submitted, Contributions)> {
        use sqlx::Acquire;
        let mut sp = tx.begin().await?;
        match self
            .register(&mut sp, job.new.clone(), job.now, &job.actor)
            .await
        {
            Ok(s) => {
                sp.commit().await?;
                Ok(s)
            }
            Err(Error::AlreadyExists { reason, .. }) if reason == ID_RACE => {
                // Another process registered the same id first: answer as a retry.
                sp.rollback().await?;
                match fetch_request(tx, job.new.id).await? {
                    Some((existing, hash)) => Ok((
                        replay(existing, &hash, &job.new.body_hash)?,
                        Contributions::new(),
                    )),
                    None => Err(Error::Aborted(
                        "the request id was taken concurrently; retry".into(),
                    )),
                }
            }
            Err(e) => {
                sp.rollback().await?;
                Err(e)
            }
        }
    }
}

impl Core {
    /// Registers one request inside the caller's transaction.
    #[tracing::instrument(skip_all, fields(request = %new.id, agency = %new.agency_id))]
    async fn register(
        &self,
        conn: &mut Conn,
        new: NewRequest,
        now: Timestamp,
        actor: &str,
    ) -> Result<(Submitted, Contributions)> {
        if let Some((existing, hash)) = fetch_request(&mut *conn, new.id).await? {
            return Ok((
                replay(existing, &hash, &new.body_hash)?,
                Contributions::new(),
            ));
        }
        let agency = fetch_agency(&mut *conn, &new.agency_id)
            .await?
            .ok_or_else(|| agency_not_found(&new.agency_id))?;
        let mut clocks = AgencyClocks::new(self.calendar_in(&mut *conn, &agency).await?, &agency);
        let (receive_time, started) = clocks.start(&new, now)?;
        let year = started.start.year();
        let seq = reserve_numbers(&mut *conn, &agency.pemda_id, year, "request", 1).await?;
        let row = IntakeRow::new(new, &agency, receive_time, started, seq, now, actor);
        insert_intake(&mut *conn, std::slice::from_ref(&row)).await?;
        let cells = stats::request_contributions(&row.request, &clocks.tz);
        Ok((
            Submitted {
                request: row.request,
                replayed: false,
            },
            cells,
        ))
    }

    /// Registers a whole group with a fixed handful of statements, however
    /// many submissions it holds: one read of the ids already taken, one of
    /// the agencies, the calendar once, one counter upsert per Pemda and
    /// year, and multi-row inserts. A statement is a round trip to the
    /// database (a thread hand-off on SQLite, the network on PostgreSQL),
    /// which is what limited intake when each submission had ten of them.
    /// Any database error fails the whole batch; the caller then falls back
    /// to one savepoint per submission.
    async fn register_batch(
        &self,
        conn: &mut Conn,
        jobs: &[Intake],
    ) -> Result<Vec<Result<(Submitted, Contributions)>>> {
        let ids: Vec<String> = jobs.iter().map(|j| j.new.id.to_string()).collect();
        let existing = fetch_requests(&mut *conn, &ids).await?;
        let agencies = fetch_agencies(&mut *conn, &agency_ids(jobs)).await?;
        let data = self.calendar_data(&mut *conn).await?;
        let plan = self.plan_batch(jobs, &existing, &agencies, &data);
        let mut first = BTreeMap::new();
        for ((pemda, year), n) in plan.blocks() {
            let number = reserve_numbers(&mut *conn, pemda, year, "request", n).await?;
            first.insert((pemda, year), number);
        }
        let rows = plan.rows(jobs, first);
        insert_intake(&mut *conn, &rows.rows).await?;
        Ok(plan.finish(jobs, rows))
    }

    /// Works out a group's registration from what the database holds (the
    /// ids already taken, the agencies, the calendar): what can be answered
    /// without writing, and what is to be inserted.
    fn plan_batch<'a>(
        &self,
        jobs: &[Intake],
        existing: &HashMap<Uuid, (Request, String)>,
        agencies: &'a HashMap<String, Agency>,
        data: &CalendarData,
    ) -> BatchPlan<'a> {
        let mut plan = BatchPlan {
            out: jobs.iter().map(|_| None).collect(),
            planned: Vec::new(),
            duplicates: Vec::new(),
            clocks: HashMap::new(),
        };
        // Index of the first job of each id: a later one in the same group replays it.
        let mut first_of: HashMap<Uuid, usize> = HashMap::new();
        for (i, job) in jobs.iter().enumerate() {
            let new = &job.new;
            if let Some((request, hash)) = existing.get(&new.id) {
                plan.out[i] = Some(
                    replay(request.clone(), hash, &new.body_hash)
                        .map(|s| (s, Contributions::new())),
                );
                continue;
            }
            if let Some(&first) = first_of.get(&new.id) {
                plan.duplicates.push((i, first));
                continue;
            }
            first_of.insert(new.id, i);
            let Some(agency) = agencies.get(&new.agency_id) else {
                plan.out[i] = Some(Err(agency_not_found(&new.agency_id)));
                continue;
            };
            // The group's own map spares a lock of the memo per submission.
            let clocks = plan.clocks.entry(agency.id.as_str()).or_insert_with(|| {
                AgencyClocks::new(data.working_calendar(agency, &self.settings), agency)
            });
            match clocks.start(new, job.now) {
                Ok((receive_time, started)) => {
                    plan.planned.push(Planned {
                        job: i,
                        agency,
                        receive_time,
                        started,
                    });
                }
                Err(e) => plan.out[i] = Some(Err(e)),
            }
        }
        plan
    }
}

/// The distinct agencies a group's submissions name, in order.
fn agency_ids(jobs: &[Intake]) -> Vec<String> {
    jobs.iter()
        .map(|j| j.new.agency_id.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A group's registration, worked out: the answers known without writing
/// (replays, unknown agencies, bad times), the submissions to insert, and
/// the repeats of an id within the group (each with its first's index),
/// and each agency's calendar, time zone and clocks.
struct BatchPlan<'a> {
    out: Vec<Option<Result<(Submitted, Contributions)>>>,
    planned: Vec<Planned<'a>>,
    duplicates: Vec<(usize, usize)>,
    clocks: HashMap<&'a str, AgencyClocks>,
}

/// A submission to insert: its index in the group, agency, time of receipt
/// and clock.
struct Planned<'a> {
    job: usize,
    agency: &'a Agency,
    receive_time: Timestamp,
    started: Started,
}

/// A plan's new rows and, for each, its submission's index and agency.
struct BatchRows<'a> {
    rows: Vec<IntakeRow<'a>>,
    of: Vec<(usize, &'a Agency)>,
}

impl<'a> Planned<'a> {
    /// The (Pemda, register year) whose numbers it takes: the year of its
    /// agency's local day of receipt.
    fn block(&self) -> (&'a str, i16) {
        (self.agency.pemda_id.as_str(), self.started.start.year())
    }
}

impl<'a> BatchPlan<'a> {
    /// How many registration numbers each (Pemda, year) needs.
    fn blocks(&self) -> BTreeMap<(&'a str, i16), i64> {
        let mut blocks = BTreeMap::new();
        for p in &self.planned {
            *blocks.entry(p.block()).or_insert(0) += 1;
        }
        blocks
    }

    /// The new rows, numbered in arrival order from each block's `first`
    /// number.
    fn rows(&self, jobs: &'a [Intake], mut first: BTreeMap<(&'a str, i16), i64>) -> BatchRows<'a> {
        let mut rows = BatchRows {
            rows: Vec::with_capacity(self.planned.len()),
            of: Vec::with_capacity(self.planned.len()),
        };
        for p in &self.planned {
            let seq = first
                .get_mut(&p.block())
                .expect("a block was reserved for every Pemda and year");
            let job = &jobs[p.job];
            rows.rows.push(IntakeRow::new(
                job.new.clone(),
                p.agency,
                p.receive_time,
                p.started,
                *seq,
                job.now,
                &job.actor,
            ));
            *seq += 1;
            rows.of.push((p.job, p.agency));
        }
        rows
    }

    /// Every submission's answer, once `rows` are inserted.
    fn finish(
        self,
        jobs: &[Intake],
        rows: BatchRows<'_>,
    ) -> Vec<Result<(Submitted, Contributions)>> {
        let mut out = self.out;
        for (row, (i, agency)) in rows.rows.into_iter().zip(rows.of) {
            let tz = &self.clocks[agency.id.as_str()].tz;
            let cells = stats::request_contributions(&row.request, tz);
            out[i] = Some(Ok((
                Submitted {
                    request: row.request,
                    replayed: false,
                },
                cells,
            )));
        }
        for (i, first) in self.duplicates {
            let answer = match &out[first] {
                Some(Ok((s, _))) => replay(
                    s.request.clone(),
                    &jobs[first].new.body_hash,
                    &jobs[i].new.body_hash,
                )
                .map(|s| (s, Contributions::new())),
                Some(Err(e)) => Err(echo(e)),
                None => Err(Error::Internal(anyhow::anyhow!(
                    "a planned submission was lost"
                ))),
            };
            out[i] = Some(answer);
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err(Error::Internal(anyhow::anyhow!("unanswered")))))
            .collect()
    }
}

/// One agency's calendar, time zone and the clocks already run from each
/// local day of receipt: a group's submissions to an agency mostly share
/// the day, and running a clock walks the calendar day by day.
struct AgencyClocks {
    calendar: Arc<WorkingCalendar>,
    tz: jiff::tz::TimeZone,
    by_start: HashMap<Date, lifecycle::Clock>,
}

/// A clock and the agency's local day of receipt it started on.
#[derive(Clone, Copy)]
struct Started {
    start: Date,
    clock: lifecycle::Clock,
}

impl AgencyClocks {
    fn new(calendar: Arc<WorkingCalendar>, agency: &Agency) -> Self {
        Self {
            calendar,
            tz: agency.tz(),
            by_start: HashMap::new(),
        }
    }

    /// When the request counts as received, and its clock, which starts on
    /// the agency's local day of receipt.
    fn start(&mut self, new: &NewRequest, now: Timestamp) -> Result<(Timestamp, Started)> {
        let receive_time = new.receive_time.unwrap_or(now);
        let start = time::local_date(receive_time, &self.tz);
        let clock = match self.by_start.get(&start) {
            Some(clock) => *clock,
            None => {
                let clock = lifecycle::run_clock(&self.calendar, &self.tz, start, false)
                    .map_err(|_| {
                        Error::invalid(
                            "request.receive_time",
                            "is outside the supported calendar range",
                        )
                    })?;
                self.by_start.insert(start, clock);
                clock
            }
        };
        Ok((receive_time, Started { start, clock }))
    }
}

/// A new request and its first event, ready to insert.
struct IntakeRow<'a> {
    request: Request,
    body_hash: String,
    submitted_by: Option<String>,
    agency_path: &'a str,
    event: NewEvent,
    actor: &'a str,
}

impl<'a> IntakeRow<'a> {
    fn new(
        new: NewRequest,
        agency: &'a Agency,
        receive_time: Timestamp,
        Started { start, clock }: Started,
        seq: i64,
        now: Timestamp,
        actor: &'a str,
    ) -> Self {
        let request = Request {
            id: new.id,
            registration_number: request::registration_number(&agency.pemda_id, start.year(), seq),
            agency_id: agency.id.clone(),
            receiving_agency_id: agency.id.clone(),
            pemda_id: agency.pemda_id.clone(),
            requester: new.requester,
            information_requested: new.information_requested,
            purpose: new.purpose,
            access_method: new.access_method,
            copy_form: new.copy_form,
            delivery_method: new.delivery_method,
            channel: new.channel,
            receive_time,
            state: RequestState::Pending,
            clock_start_date: start,
            original_due_date: Some(clock.original_due),
            due_date: Some(clock.due),
            due_end_time: Some(clock.due_end),
            extension: None,
            notice: None,
            deliver_time: None,
            deliver_working_days: None,
            withdraw_time: None,
            create_time: now,
            update_time: now,
            version: 1,
        };
        let mut details = BTreeMap::new();
        details.insert("agency".to_string(), format!("agencies/{}", agency.id));
        details.insert("channel".to_string(), request.channel.as_str().to_string());
        details.insert("clock_start_date".to_string(), start.to_string());
        details.insert("due_date".to_string(), clock.due.to_string());
        details.insert(
            "registration_number".to_string(),
            request.registration_number.clone(),
        );
        let event = NewEvent {
            kind: EventType::Submitted,
            event_time: receive_time,
            summary: format!(
                "registered as {}, due {}",
                request.registration_number, clock.due
            ),
            details,
        };
        Self {
            request,
            body_hash: new.body_hash,
            submitted_by: new.submitted_by,
            agency_path: &agency.path,
            event,
            actor,
        }
    }
}

impl IntakeRow<'_> {
    /// The request row to insert.
    fn new_row(&self) -> NewRow<'_> {
        NewRow {
            request: &self.request,
            agency_path: self.agency_path,
            body_hash: &self.body_hash,
            submitted_by: self.submitted_by.as_deref(),
        }
    }

    /// Its Submitted event: (request, event, record time, actor).
    fn first_event(&self) -> (&Request, &NewEvent, Timestamp, &str) {
        (
            &self.request,
            &self.event,
            self.request.create_time,
            self.actor,
        )
    }
}

/// Rows per multi-row INSERT: at 38 parameters a row (the widest insert,
/// a whole request) this stays below both backends' limits (SQLite 32766,
/// PostgreSQL 65535).
const ROWS_PER_INSERT: usize = 500;

/// A request row to insert whole.
struct NewRow<'a> {
    request: &'a Request,
    agency_path: &'a str,
    body_hash: &'a str,
    submitted_by: Option<&'a str>,
}

/// `INSERT INTO requests (every column) `: the one place that lists the
/// columns of a new row (in [`request_args`]' order), for intake and for the
/// bulk loader of generated data.
const INSERT_REQUEST: &str = "INSERT INTO requests (id, body_hash, registration_number, \
     agency_id, agency_path, receiving_agency_id, pemda_id, requester, information_requested, \
     purpose, access_method, copy_form, delivery_method, channel, receive_time, state, \
     clock_start_date, original_due_date, due_date, due_end_time, extension_reason, extend_time, \
     extension_previous_due_date, outcome, notice_time, notice_working_days, notice_on_time, \
     exemption_letters, notice, deliver_time, withdraw_time, create_time, update_time, version, \
     exemption_citations, unregistered_exemption_basis, deliver_working_days, submitted_by) ";

/// A value to bind. It keeps its type when NULL (PostgreSQL needs one), so
/// that one list of a row's values serves sqlx's multi-row inserts and the
/// SQLite intake writer's own statements.
enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Flag(Option<bool>),
}

/// `From` for each Rust type a row's value comes in.
macro_rules! arg_from {
    ($($t:ty => |$v:ident| $e:expr;)+) => {$(
        impl From<$t> for Arg {
            fn from($v: $t) -> Self {
                $e
            }
        }
    )+};
}

arg_from! {
    i64 => |v| Self::Int(Some(v));
    Option<i64> => |v| Self::Int(v);
    String => |v| Self::Text(Some(v));
    Option<String> => |v| Self::Text(v);
    &str => |v| Self::Text(Some(v.to_string()));
    Option<&str> => |v| Self::Text(v.map(str::to_string));
    Option<bool> => |v| Self::Flag(v);
}

/// Binds a row's values in a multi-row insert.
fn push_args(mut b: sqlx::query_builder::Separated<'_, Db, &'static str>, args: Vec<Arg>) {
    for arg in args {
        match arg {
            Arg::Int(v) => b.push_bind(v),
            Arg::Text(v) => b.push_bind(v),
            Arg::Flag(v) => b.push_bind(v),
        };
    }
}

/// A new request row's values, in [`INSERT_REQUEST`]'s order.
fn request_args(row: &NewRow<'_>) -> Result<Vec<Arg>> {
    let r = row.request;
    let c = MutableColumns::of(r, row.agency_path)?;
    Ok(vec![
        r.id.to_string().into(),
        row.body_hash.into(),
        r.registration_number.as_str().into(),
        c.agency_id.into(),
        c.agency_path.into(),
        r.receiving_agency_id.as_str().into(),
        r.pemda_id.as_str().into(),
        c.requester.into(),
        c.information_requested.into(),
        c.purpose.into(),
        r.access_method.as_str().into(),
        r.copy_form.map(|f| f.as_str()).into(),
        r.delivery_method.as_str().into(),
        r.channel.as_str().into(),
        ts(r.receive_time).into(),
        c.state.into(),
        c.clock_start_date.into(),
        c.original_due_date.into(),
        c.due_date.into(),
        c.due_end_time.into(),
        c.extension_reason.into(),
        c.extend_time.into(),
        c.extension_previous_due_date.into(),
        c.outcome.into(),
        c.notice_time.into(),
        c.notice_working_days.into(),
        c.notice_on_time.into(),
        c.exemption_letters.into(),
        c.notice.into(),
        c.deliver_time.into(),
        c.withdraw_time.into(),
        ts(r.create_time).into(),
        c.update_time.into(),
        c.version.into(),
        c.exemption_citations.into(),
        c.unregistered_exemption_basis.into(),
        c.deliver_working_days.into(),
        row.submitted_by.into(),
    ])
}

/// `INSERT INTO requests (every column) VALUES ...` for `rows`.
fn push_insert_requests(qb: &mut QueryBuilder<Db>, rows: &[NewRow<'_>]) -> Result<()> {
    qb.push(INSERT_REQUEST);
    let args = rows.iter().map(request_args).collect::<Result<Vec<_>>>()?;
    qb.push_values(args, push_args);
    Ok(())
}

/// Inserts new requests and their Submitted events. A taken id (another
/// process registered it first) is reported as [`ID_RACE`].
async fn insert_intake(conn: &mut Conn, rows: &[IntakeRow<'_>]) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut qb = QueryBuilder::new("");
        let rows = chunk.iter().map(IntakeRow::new_row).collect::<Vec<_>>();
        push_insert_requests(&mut qb, &rows)?;
        if let Err(e) = qb.build().execute(&mut *conn).await {
            if is_unique_violation(&e) {
                return Err(Error::AlreadyExists {
                    reason: ID_RACE,
                    message: "a request_id was registered concurrently".into(),
                });
            }
            return Err(e.into());
        }
        let events: Vec<_> = chunk.iter().map(IntakeRow::first_event).collect();
        insert_events(&mut *conn, &events).await?;
    }
    Ok(())
}

impl Core {
    /// One submission in its own transaction (PostgreSQL: concurrent
    /// transactions scale better than one writer).
    async fn submit_alone(
        &self,
        new: NewRequest,
        now: Timestamp,
        actor: &str,
    ) -> Result<Submitted> {
        let mut tx = begin_write(&self.pool).await?;
        match self.register(&mut tx, new.clone(), now, actor).await {
            Ok((s, cells)) => {
                self.record_figures(&mut tx, &cells).await?;
                tx.commit().await?;
                Ok(s)
            }
            Err(Error::AlreadyExists { reason, .. }) if reason == ID_RACE => {
                drop(tx);
                let mut conn = self.pool.acquire().await?;
                match fetch_request(&mut conn, new.id).await? {
                    Some((existing, hash)) => replay(existing, &hash, &new.body_hash),
                    None => Err(Error::Aborted(
                        "the request id was taken concurrently; retry".into(),
                    )),
                }
            }
            Err(e) => Err(e),
        }
    }
}

/// The same error for another caller of a failed group.
fn echo(e: &Error) -> Error {
    match e {
        Error::Unavailable(m) => Error::Unavailable(m.clone()),
        other => Error::Internal(anyhow::anyhow!("{other}")),
    }
}

impl Core {
    /// Loads each decree year's holidays once, the first time the database
    /// sees that year; later edits (a removed or moved holiday) are kept.
    async fn load_builtin_holidays(&self) -> Result<()> {
        let now = ts(Timestamp::now());
        for &year in calendar::DECREE_YEARS {
            let mut tx = begin_write(&self.pool).await?;
            let fresh =
                sqlx::query("INSERT INTO holiday_years (year) VALUES ($1) ON CONFLICT DO NOTHING")
                    .bind(i64::from(year))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
            if fresh {
                for h in calendar::builtin_holidays()
                    .into_iter()
                    .filter(|h| h.date.year() == year)
                {
                    sqlx::query(
                        "INSERT INTO holidays (scope, date, name, kind, built_in, create_time) \
                         VALUES ('', $1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    )
                    .bind(h.date.to_string())
                    .bind(&h.name)
                    .bind(h.kind.as_str())
                    .bind(true)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                bump_calendar_version(&mut tx).await?;
                tracing::info!(year, "loaded the built-in holiday decree");
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// The calendar of `agency`, read inside `conn`'s transaction.
    async fn calendar_in(&self, conn: &mut Conn, agency: &Agency) -> Result<Arc<WorkingCalendar>> {
        let data = self.calendar_data(conn).await?;
        Ok(data.working_calendar(agency, &self.settings))
    }

    /// Every holiday at the current calendar version (cached per version).
    async fn calendar_data(&self, conn: &mut Conn) -> Result<Arc<CalendarData>> {
        let version: i64 = sqlx::query_scalar(CALENDAR_VERSION_SQL)
            .fetch_one(&mut *conn)
            .await?;
        if let Some(data) = self.cached_calendar(version) {
            return Ok(data);
        }
        let fresh = Arc::new(load_calendar_data(conn, version).await?);
        *self.calendar.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }

    /// The cached calendar data, if it is at `version`.
    fn cached_calendar(&self, version: i64) -> Option<Arc<CalendarData>> {
        match self.calendar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(c) if c.version == version => Some(c.clone()),
            _ => None,
        }
    }
}

/// The holidays that apply to `agency`: national ones and those of the
/// agency or any agency above it.
fn calendar_of(data: &CalendarData, agency: &Agency, settings: &StoreSettings) -> WorkingCalendar {
    let applies = |h: &&HolidayRecord| match &h.agency_id {
        None => true,
        Some(scope) => agency.path.contains(&format!("/{scope}/")),
    };
    WorkingCalendar::new(
        data.holidays.iter().filter(applies).map(|h| Holiday {
            date: h.date,
            name: h.name.clone(),
            kind: h.kind,
        }),
        data.decree_years.iter().copied(),
        settings.cuti_bersama_is_working_day,
    )
}

async fn load_calendar_data(conn: &mut Conn, version: i64) -> Result<CalendarData> {
    let rows =
        sqlx::query("SELECT scope, date, name, kind, built_in FROM holidays ORDER BY date, scope")
            .fetch_all(&mut *conn)
            .await?;
    let holidays = rows
        .iter()
        .map(holiday_from_row)
        .collect::<Result<Vec<_>>>()?;
    let years: Vec<i64> = sqlx::query_scalar("SELECT year FROM holiday_years ORDER BY year")
        .fetch_all(&mut *conn)
        .await?;
    let decree_years = years
        .into_iter()
        .map(|y| i16::try_from(y).context("holiday year out of range"))
        .collect::<anyhow::Result<_>>()?;
    Ok(CalendarData {
        version,
        holidays,
        decree_years,
        calendars: Default::default(),
    })
}

async fn bump_calendar_version(conn: &mut Conn) -> Result<()> {
    sqlx::query("UPDATE calendar_state SET version = version + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn ts(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn from_ts(v: i64) -> Result<Timestamp> {
    Ok(Timestamp::from_microsecond(v).context("stored time out of range")?)
}

fn opt_ts(v: Option<i64>) -> Result<Option<Timestamp>> {
    v.map(from_ts).transpose()
}

fn parse_date(s: &str) -> Result<Date> {
    Ok(s.parse::<Date>()
        .with_context(|| format!("stored date {s:?}"))?)
}

fn opt_date(s: Option<String>) -> Result<Option<Date>> {
    s.as_deref().map(parse_date).transpose()
}

fn parse_named<T>(s: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T> {
    parse(s).ok_or_else(|| Error::Internal(anyhow::anyhow!("stored {what} {s:?} is unknown")))
}

fn holiday_from_row(r: &DbRow) -> Result<HolidayRecord> {
    let scope: String = r.try_get("scope")?;
    Ok(HolidayRecord {
        date: parse_date(&r.try_get::<String, _>("date")?)?,
        name: r.try_get("name")?,
        kind: parse_named(
            &r.try_get::<String, _>("kind")?,
            HolidayKind::parse,
            "holiday kind",
        )?,
        agency_id: (!scope.is_empty()).then_some(scope),
        built_in: r.try_get("built_in")?,
    })
}

fn agency_from_row(r: &DbRow) -> Result<Agency> {
    Ok(Agency {
        id: r.try_get("id")?,
        display_name: r.try_get("display_name")?,
        kind: parse_named(
            &r.try_get::<String, _>("kind")?,
            AgencyKind::parse,
            "agency kind",
        )?,
        parent_id: r.try_get("parent_id")?,
        pemda_id: r.try_get("pemda_id")?,
        path: r.try_get("path")?,
        time_zone: r.try_get("time_zone")?,
        comparison_group: r.try_get("comparison_group")?,
        create_time: from_ts(r.try_get("create_time")?)?,
        update_time: from_ts(r.try_get("update_time")?)?,
        version: r.try_get("version")?,
    })
}

async fn fetch_agency(conn: &mut Conn, id: &str) -> Result<Option<Agency>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        agency_columns!(),
        " FROM agencies WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(agency_from_row).transpose()
}

/// Restricts `column` to the subtree of `path` (`/a/b/`): the byte range
/// [`/a/b/`, `/a/b0`), which both backends serve from an index (ids hold only
/// [a-z0-9-], and '0' follows '/').
fn push_subtree(qb: &mut QueryBuilder<Db>, column: &str, path: &str) {
    let (low, high) = subtree_bounds(path);
    qb.push(format!(" AND {column} >= "))
        .push_bind(low)
        .push(format!(" AND {column} < "))
        .push_bind(high);
}

/// Restricts open requests (a state condition precedes) to one agency. The
/// path (one per agency, kept current on every row) lets the planner use
/// `requests_open_by_path`, the one index on state and agency since intake
/// stopped paying for a second (SQLite migration 0010); the id keeps the
/// meaning exact.
fn push_one_agency(qb: &mut QueryBuilder<Db>, agency: &Agency) {
    qb.push(" AND agency_path = ")
        .push_bind(agency.path.clone())
        .push(" AND agency_id = ")
        .push_bind(agency.id.clone());
}

/// The range of agency paths in the subtree at `path` ('/' + 1 is '0').
fn subtree_bounds(path: &str) -> (String, String) {
    let upper = format!("{}0", path.strip_suffix('/').unwrap_or(path));
    (path.to_string(), upper)
}

fn agency_not_found(id: &str) -> Error {
    Error::NotFound {
        kind: "agency",
        name: format!("agencies/{id}"),
    }
}

fn request_not_found(id: Uuid) -> Error {
    Error::NotFound {
        kind: "request",
        name: format!("requests/{id}"),
    }
}

/// The parts of a notice kept as one JSON document; what statistics need
/// (outcome, time, on-time flag, letters) has columns of its own.
#[derive(serde::Serialize, serde::Deserialize)]
struct NoticeDoc {
    notice_text: String,
    withheld_parts: Option<String>,
    holder: Option<String>,
    fee_rupiah: i64,
    payment_method: Option<String>,
    delivery_method: Option<String>,
    format: Option<String>,
}

/// Citations as `agency:uuid:letter,...` (the projection; `notice_citations`
/// holds the same rows for counting).
fn citations_to_text(c: &[Citation]) -> String {
    c.iter()
        .map(|c| format!("{}:{}:{}", c.agency_id, c.exemption_id, c.letter.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

fn citations_from_text(s: &str) -> Result<Vec<Citation>> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut it = p.splitn(3, ':');
            let (Some(a), Some(id), Some(l)) = (it.next(), it.next(), it.next()) else {
                return Err(Error::Internal(anyhow::anyhow!("stored citation {p:?}")));
            };
            Ok(Citation {
                agency_id: a.to_string(),
                exemption_id: Uuid::parse_str(id).context("stored citation id")?,
                letter: parse_named(l, ExemptionLetter::parse, "exemption letter")?,
            })
        })
        .collect()
}

fn letters_to_text(letters: &[ExemptionLetter]) -> String {
    letters
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The columns of [`request_columns!`], by position: a request is decoded
/// by index (a name lookup per column per row cost more than the rest of the
/// decoding). The export's reader checks the statement's names against
/// [`Col::NAMES`].
#[derive(Clone, Copy)]
enum Col {
    Id,
    RegistrationNumber,
    AgencyId,
    ReceivingAgencyId,
    PemdaId,
    Requester,
    InformationRequested,
    Purpose,
    AccessMethod,
    CopyForm,
    DeliveryMethod,
    Channel,
    ReceiveTime,
    State,
    ClockStartDate,
    OriginalDueDate,
    DueDate,
    DueEndTime,
    ExtensionReason,
    ExtendTime,
    ExtensionPreviousDueDate,
    Outcome,
    NoticeTime,
    NoticeWorkingDays,
    NoticeOnTime,
    ExemptionLetters,
    Notice,
    DeliverTime,
    WithdrawTime,
    CreateTime,
    UpdateTime,
    Version,
    ExemptionCitations,
    UnregisteredExemptionBasis,
    DeliverWorkingDays,
}

impl Col {
    const NAMES: [&str; 35] = [
        "id",
        "registration_number",
        "agency_id",
        "receiving_agency_id",
        "pemda_id",
        "requester",
        "information_requested",
        "purpose",
        "access_method",
        "copy_form",
        "delivery_method",
        "channel",
        "receive_time",
        "state",
        "clock_start_date",
        "original_due_date",
        "due_date",
        "due_end_time",
        "extension_reason",
        "extend_time",
        "extension_previous_due_date",
        "outcome",
        "notice_time",
        "notice_working_days",
        "notice_on_time",
        "exemption_letters",
        "notice",
        "deliver_time",
        "withdraw_time",
        "create_time",
        "update_time",
        "version",
        "exemption_citations",
        "unregistered_exemption_basis",
        "deliver_working_days",
    ];

    fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// A stored request's columns: from a sqlx row, and on SQLite from the
/// export's own reader (sqlite.rs), so both decode one way.
trait Columns {
    fn str(&self, c: Col) -> Result<Option<&str>>;
    fn int(&self, c: Col) -> Result<Option<i64>>;
    fn flag(&self, c: Col) -> Result<Option<bool>>;

    /// A NOT NULL text column.
    fn text(&self, c: Col) -> Result<&str> {
        self.str(c)?.ok_or_else(|| null_column(c))
    }

    /// A NOT NULL integer column.
    fn num(&self, c: Col) -> Result<i64> {
        self.int(c)?.ok_or_else(|| null_column(c))
    }
}

fn null_column(c: Col) -> Error {
    Error::Internal(anyhow::anyhow!("stored column {} is NULL", c.name()))
}

impl Columns for DbRow {
    fn str(&self, c: Col) -> Result<Option<&str>> {
        Ok(self.try_get(c as usize)?)
    }

    fn int(&self, c: Col) -> Result<Option<i64>> {
        Ok(self.try_get(c as usize)?)
    }

    fn flag(&self, c: Col) -> Result<Option<bool>> {
        Ok(self.try_get(c as usize)?)
    }
}

fn request_from_row(r: &DbRow) -> Result<Request> {
    request_from(r)
}

fn request_from(r: &impl Columns) -> Result<Request> {
    let requester: Requester = serde_json::from_str(r.text(Col::Requester)?)
        .context("stored requester is not valid JSON")?;
    let extension = match r.str(Col::ExtensionReason)? {
        Some(reason) => Some(Extension {
            reason: reason.to_owned(),
            extend_time: from_ts(r.num(Col::ExtendTime)?)?,
            previous_due_date: parse_date(r.text(Col::ExtensionPreviousDueDate)?)?,
        }),
        None => None,
    };
    let notice = match r.str(Col::Outcome)? {
        Some(outcome) => {
            let doc: NoticeDoc = serde_json::from_str(r.text(Col::Notice)?)
                .context("stored notice is not valid JSON")?;
            Some(Notice {
                outcome: parse_named(outcome, Outcome::parse, "outcome")?,
                notice_text: doc.notice_text,
                exemption_letters: r
                    .text(Col::ExemptionLetters)?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| parse_named(s, ExemptionLetter::parse, "exemption letter"))
                    .collect::<Result<_>>()?,
                withheld_parts: doc.withheld_parts,
                holder: doc.holder,
                fee_rupiah: doc.fee_rupiah,
                payment_method: doc.payment_method,
                delivery_method: doc
                    .delivery_method
                    .as_deref()
                    .map(|s| parse_named(s, DeliveryMethod::parse, "delivery method"))
                    .transpose()?,
                format: doc.format,
                notice_time: from_ts(r.num(Col::NoticeTime)?)?,
                working_days_taken: i32::try_from(r.num(Col::NoticeWorkingDays)?)
                    .context("working days out of range")?,
                on_time: r
                    .flag(Col::NoticeOnTime)?
                    .ok_or_else(|| null_column(Col::NoticeOnTime))?,
                citations: citations_from_text(r.str(Col::ExemptionCitations)?.unwrap_or(""))?,
                unregistered_basis: r.flag(Col::UnregisteredExemptionBasis)?.unwrap_or(false),
            })
        }
        None => None,
    };
    Ok(Request {
        id: Uuid::parse_str(r.text(Col::Id)?).context("stored request id")?,
        registration_number: r.text(Col::RegistrationNumber)?.to_owned(),
        agency_id: r.text(Col::AgencyId)?.to_owned(),
        receiving_agency_id: r.text(Col::ReceivingAgencyId)?.to_owned(),
        pemda_id: r.text(Col::PemdaId)?.to_owned(),
        requester,
        information_requested: r.text(Col::InformationRequested)?.to_owned(),
        purpose: r.text(Col::Purpose)?.to_owned(),
        access_method: parse_named(
            r.text(Col::AccessMethod)?,
            AccessMethod::parse,
            "access method",
        )?,
        copy_form: r
            .str(Col::CopyForm)?
            .map(|s| parse_named(s, CopyForm::parse, "copy form"))
            .transpose()?,
        delivery_method: parse_named(
            r.text(Col::DeliveryMethod)?,
            DeliveryMethod::parse,
            "delivery method",
        )?,
        channel: parse_named(r.text(Col::Channel)?, Channel::parse, "channel")?,
        receive_time: from_ts(r.num(Col::ReceiveTime)?)?,
        state: parse_named(r.text(Col::State)?, RequestState::parse, "state")?,
        clock_start_date: parse_date(r.text(Col::ClockStartDate)?)?,
        original_due_date: r.str(Col::OriginalDueDate)?.map(parse_date).transpose()?,
        due_date: r.str(Col::DueDate)?.map(parse_date).transpose()?,
        due_end_time: opt_ts(r.int(Col::DueEndTime)?)?,
        extension,
        notice,
        deliver_time: opt_ts(r.int(Col::DeliverTime)?)?,
        deliver_working_days: r
            .int(Col::DeliverWorkingDays)?
            .map(|d| i32::try_from(d).unwrap_or(i32::MAX)),
        withdraw_time: opt_ts(r.int(Col::WithdrawTime)?)?,
        create_time: from_ts(r.num(Col::CreateTime)?)?,
        update_time: from_ts(r.num(Col::UpdateTime)?)?,
        version: r.num(Col::Version)?,
    })
}

async fn fetch_request(conn: &mut Conn, id: Uuid) -> Result<Option<(Request, String)>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        request_columns!(),
        ", body_hash FROM requests WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => Ok(Some((request_from_row(&r)?, r.try_get("body_hash")?))),
        None => Ok(None),
    }
}

/// The columns a transition may change, in the order `write_request` binds them.
struct MutableColumns {
    agency_id: String,
    agency_path: String,
    requester: String,
    information_requested: String,
    purpose: String,
    state: &'static str,
    clock_start_date: String,
    original_due_date: Option<String>,
    due_date: Option<String>,
    due_end_time: Option<i64>,
    extension_reason: Option<String>,
    extend_time: Option<i64>,
    extension_previous_due_date: Option<String>,
    outcome: Option<&'static str>,
    notice_time: Option<i64>,
    notice_working_days: Option<i64>,
    notice_on_time: Option<bool>,
    exemption_letters: Option<String>,
    notice: Option<String>,
    deliver_time: Option<i64>,
    withdraw_time: Option<i64>,
    update_time: i64,
    version: i64,
    exemption_citations: Option<String>,
    unregistered_exemption_basis: Option<bool>,
    deliver_working_days: Option<i64>,
}

impl MutableColumns {
    fn of(r: &Request, agency_path: &str) -> Result<Self> {
        let notice_doc = r
            .notice
            .as_ref()
            .map(|n| {
                serde_json::to_string(&NoticeDoc {
                    notice_text: n.notice_text.clone(),
                    withheld_parts: n.withheld_parts.clone(),
                    holder: n.holder.clone(),
                    fee_rupiah: n.fee_rupiah,
                    payment_method: n.payment_method.clone(),
                    delivery_method: n.delivery_method.map(|d| d.as_str().to_string()),
                    format: n.format.clone(),
                })
            })
            .transpose()
            .context("encoding notice")?;
        Ok(Self {
            agency_id: r.agency_id.clone(),
            agency_path: agency_path.to_string(),
            requester: serde_json::to_string(&r.requester).context("encoding requester")?,
            information_requested: r.information_requested.clone(),
            purpose: r.purpose.clone(),
            state: r.state.as_str(),
            clock_start_date: r.clock_start_date.to_string(),
            original_due_date: r.original_due_date.map(|d| d.to_string()),
            due_date: r.due_date.map(|d| d.to_string()),
            due_end_time: r.due_end_time.map(ts),
            extension_reason: r.extension.as_ref().map(|e| e.reason.clone()),
            extend_time: r.extension.as_ref().map(|e| ts(e.extend_time)),
            extension_previous_due_date: r
                .extension
                .as_ref()
                .map(|e| e.previous_due_date.to_string()),
            outcome: r.notice.as_ref().map(|n| n.outcome.as_str()),
            notice_time: r.notice.as_ref().map(|n| ts(n.notice_time)),
            notice_working_days: r.notice.as_ref().map(|n| i64::from(n.working_days_taken)),
            notice_on_time: r.notice.as_ref().map(|n| n.on_time),
            exemption_letters: r
                .notice
                .as_ref()
                .map(|n| letters_to_text(&n.exemption_letters)),
            notice: notice_doc,
            deliver_time: r.deliver_time.map(ts),
            withdraw_time: r.withdraw_time.map(ts),
            update_time: ts(r.update_time),
            version: r.version,
            exemption_citations: r.notice.as_ref().map(|n| citations_to_text(&n.citations)),
            unregistered_exemption_basis: r.notice.as_ref().map(|n| n.unregistered_basis),
            deliver_working_days: r.deliver_working_days.map(i64::from),
        })
    }
}

/// Writes a transition's new projection, only if nobody changed the row
/// since `previous_version` was read. Returns false on a lost race.
async fn write_request(
    conn: &mut Conn,
    r: &Request,
    agency_path: &str,
    previous_version: i64,
) -> Result<bool> {
    let c = MutableColumns::of(r, agency_path)?;
    let done = sqlx::query(
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
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Appends an event; its sequence is the request's new version, so the
/// primary key also rejects two writers of the same version.
async fn insert_event(
    conn: &mut Conn,
    r: &Request,
    event: &NewEvent,
    record_time: Timestamp,
    actor: &str,
) -> Result<()> {
    insert_events(conn, &[(r, event, record_time, actor)]).await
}

/// `INSERT INTO request_events (every column) `, in [`event_args`]' order.
const INSERT_EVENT: &str = "INSERT INTO request_events (request_id, sequence, type, event_time, \
     record_time, actor, state, summary, details, request_receive_time) ";

/// An event's values: the request (at its new version), the event, when it
/// was recorded and by whom.
fn event_args(
    r: &Request,
    event: &NewEvent,
    record_time: Timestamp,
    actor: &str,
) -> Result<Vec<Arg>> {
    let details = serde_json::to_string(&event.details).context("encoding event details")?;
    Ok(vec![
        r.id.to_string().into(),
        r.version.into(),
        event.kind.as_str().into(),
        ts(event.event_time).into(),
        ts(record_time).into(),
        actor.into(),
        r.state.as_str().into(),
        event.summary.as_str().into(),
        details.into(),
        ts(r.receive_time).into(),
    ])
}

/// Appends events (request, event, record time, actor) in one statement.
async fn insert_events(
    conn: &mut Conn,
    events: &[(&Request, &NewEvent, Timestamp, &str)],
) -> Result<()> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let args = chunk
            .iter()
            .map(|(r, event, record_time, actor)| event_args(r, event, *record_time, actor))
            .collect::<Result<Vec<_>>>()?;
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(INSERT_EVENT);
        qb.push_values(args, push_args);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The next number of a register (per Pemda and year). The upsert's row lock
/// serialises concurrent writers on every backend and process.
async fn next_number(conn: &mut Conn, pemda_id: &str, year: i16, register: &str) -> Result<i64> {
    reserve_numbers(conn, pemda_id, year, register, 1).await
}

/// Adds `$4` to a register's (Pemda `$1`, year `$2`, register `$3`) last
/// number and returns the new last.
const RESERVE_NUMBERS: &str = "INSERT INTO registration_counters \
     (pemda_id, year, register, last_value) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (pemda_id, year, register) \
     DO UPDATE SET last_value = registration_counters.last_value + excluded.last_value \
     RETURNING last_value";

/// Reserves the next `n` numbers of a register and returns the first.
async fn reserve_numbers(
    conn: &mut Conn,
    pemda_id: &str,
    year: i16,
    register: &str,
    n: i64,
) -> Result<i64> {
    let last: i64 = sqlx::query_scalar(RESERVE_NUMBERS)
    .bind(pemda_id)
    .bind(i64::from(year))
    .bind(register)
    .bind(n)
    .fetch_one(&mut *conn)
    .await?;
    Ok(last - n + 1)
}

/// Requests (with their body hashes) by id, for the ids that exist.
async fn fetch_requests(
    conn: &mut Conn,
    ids: &[String],
) -> Result<HashMap<Uuid, (Request, String)>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(concat!(
            "SELECT ",
            request_columns!(),
            ", body_hash FROM requests WHERE id IN "
        ));
        push_ids(&mut qb, chunk);
        for row in qb.build().fetch_all(&mut *conn).await? {
            let r = request_from_row(&row)?;
            found.insert(r.id, (r, row.try_get("body_hash")?));
        }
    }
    Ok(found)
}

/// Agencies by id, for the ids that exist.
async fn fetch_agencies(conn: &mut Conn, ids: &[String]) -> Result<HashMap<String, Agency>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(concat!(
            "SELECT ",
            agency_columns!(),
            " FROM agencies WHERE id IN "
        ));
        push_ids(&mut qb, chunk);
        for row in qb.build().fetch_all(&mut *conn).await? {
            let a = agency_from_row(&row)?;
            found.insert(a.id.clone(), a);
        }
    }
    Ok(found)
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

#[async_trait::async_trait]
impl crate::store::Store for SqlStore {
    #[tracing::instrument(skip_all, fields(agency = %new.id))]
    async fn create_agency(&self, new: NewAgency, now: Timestamp) -> Result<Agency> {
        let mut tx = begin_write(&self.pool).await?;
        let parent = match &new.parent_id {
            Some(pid) => Some(
                fetch_agency(&mut tx, pid)
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
        let inserted = sqlx::query(
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
        .bind(ts(now))
        .bind(ts(now))
        .bind(a.version)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::AlreadyExists {
                    reason: "AGENCY_EXISTS",
                    message: format!("agencies/{} already exists", a.id),
                });
            }
            other => {
                other?;
            }
        }
        tx.commit().await?;
        Ok(a)
    }

    async fn get_agency(&self, id: &str) -> Result<Agency> {
        let mut conn = self.pool.acquire().await?;
        fetch_agency(&mut conn, id)
            .await?
            .ok_or_else(|| agency_not_found(id))
    }

    async fn list_agencies(
        &self,
        parent: Option<&str>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Agency>> {
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            agency_columns!(),
            " FROM agencies WHERE 1 = 1"
        ));
        if let Some(p) = parent {
            qb.push(" AND parent_id = ").push_bind(p);
        }
        if let Some(a) = after {
            qb.push(" AND id > ").push_bind(a);
        }
        qb.push(" ORDER BY id LIMIT ").push_bind(limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
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
        let mut tx = begin_write(&self.pool).await?;
        let mut a = fetch_agency(&mut tx, id)
            .await?
            .ok_or_else(|| agency_not_found(id))?;
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
        let done = sqlx::query(
            "UPDATE agencies SET display_name = $1, time_zone = $2, comparison_group = $3, \
             update_time = $4, version = $5 WHERE id = $6 AND version = $7",
        )
        .bind(&a.display_name)
        .bind(&a.time_zone)
        .bind(&a.comparison_group)
        .bind(ts(now))
        .bind(a.version)
        .bind(id)
        .bind(previous)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(Error::Aborted(format!(
                "agencies/{id} changed concurrently; retry"
            )));
        }
        tx.commit().await?;
        Ok(a)
    }

    // At DEBUG: nothing logs inside it on the grouped path (the handler logs
    // the outcome with the same fields), and at INFO its creation, entries
    // and exits were ~5% of the runtime's CPU a submission (BENCHMARKS.md).
    #[tracing::instrument(level = "debug", skip_all, fields(request = %new.id, agency = %new.agency_id))]
    async fn submit_request(
        &self,
        new: NewRequest,
        now: Timestamp,
        actor: &str,
    ) -> Result<Submitted> {
        // No read before queueing: the group looks up all its ids in one
        // query, and a read per submission cost more than retries gain.
        if !GROUP_COMMIT {
            // Boxed: inline, this rarely taken path made every
            // submission's future ~5.8 KB, copied as it is boxed and moved.
            return Box::pin(self.submit_alone(new, now, actor)).await;
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Intake {
            new,
            now,
            actor: actor.to_string(),
            reply,
        };
        let stopped = || Error::Unavailable("the intake writer stopped".into());
        self.intake.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    async fn get_request(&self, id: Uuid) -> Result<Request> {
        let mut conn = self.pool.acquire().await?;
        Ok(fetch_request(&mut conn, id)
            .await?
            .ok_or_else(|| request_not_found(id))?
            .0)
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        cursor: Option<RequestCursor>,
        limit: i64,
    ) -> Result<Vec<Request>> {
        page_requests(&self.pool, filter, cursor, limit, Newest::First).await
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
        let mut tx = begin_write(&self.pool).await?;
        let (req, _) = fetch_request(&mut tx, id)
            .await?
            .ok_or_else(|| request_not_found(id))?;
        if expected_version.is_some_and(|v| v != req.version) {
            return Err(Error::Aborted(format!(
                "requests/{id} changed since it was read (stale etag); read it again"
            )));
        }
        let agency = fetch_agency(&mut tx, &req.agency_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("request's agency {} is missing", req.agency_id))?;
        let cal = self.calendar_in(&mut tx, &agency).await?;
        let tz = agency.tz();
        let mut cited = Vec::new();
        if let Command::Respond(n) = &command {
            for (i, (agency_id, id)) in n.exemptions.iter().enumerate() {
                let e = fetch_exemption(&mut tx, *id)
                    .await?
                    .filter(|e| &e.agency_id == agency_id);
                cited.push(e.ok_or_else(|| Error::NotFound {
                    kind: "exemption",
                    name: format!("agencies/{agency_id}/exemptions/{id} (notice.exemptions[{i}])"),
                })?);
            }
        }
        let ctx = lifecycle::Context {
            now,
            agency: &agency,
            tz: &tz,
            calendar: &cal,
            cited: &cited,
            allow_unregistered_exemption: self.settings.allow_unregistered_exemption,
        };
        let (next, event) = lifecycle::apply(&req, command, &ctx)?;
        let next_agency = if next.agency_id == agency.id {
            agency.clone()
        } else {
            fetch_agency(&mut tx, &next.agency_id)
                .await?
                .ok_or_else(|| agency_not_found(&next.agency_id))?
        };
        if !write_request(&mut tx, &next, &next_agency.path, req.version).await? {
            return Err(Error::Aborted(format!(
                "requests/{id} changed concurrently; read it again and retry"
            )));
        }
        let change = stats::diff(
            &stats::request_contributions(&req, &tz),
            &stats::request_contributions(&next, &next_agency.tz()),
        );
        self.record_figures(&mut tx, &change).await?;
        insert_event(&mut tx, &next, &event, now, actor).await?;
        if let Some(n) = next
            .notice
            .as_ref()
            .filter(|_| event.kind == EventType::Responded)
        {
            for c in &n.citations {
                sqlx::query(
                    "INSERT INTO notice_citations (request_id, request_version, exemption_id, letter, notice_time) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(next.id.to_string())
                .bind(next.version)
                .bind(c.exemption_id.to_string())
                .bind(c.letter.as_str())
                .bind(ts(n.notice_time))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(next)
    }

    async fn request_history(&self, id: Uuid) -> Result<Vec<Event>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(
            // The receipt time leads the events' key on SQLite.
            "SELECT sequence, type, event_time, record_time, actor, state, summary, details \
             FROM request_events WHERE request_receive_time = \
             (SELECT receive_time FROM requests WHERE id = $1) AND request_id = $1 \
             ORDER BY sequence",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Err(request_not_found(id));
        }
        rows.iter()
            .map(|r| {
                let details: String = r.try_get("details")?;
                Ok(Event {
                    sequence: r.try_get("sequence")?,
                    kind: parse_named(
                        &r.try_get::<String, _>("type")?,
                        EventType::parse,
                        "event type",
                    )?,
                    event_time: from_ts(r.try_get("event_time")?)?,
                    record_time: from_ts(r.try_get("record_time")?)?,
                    actor: r.try_get("actor")?,
                    state: parse_named(
                        &r.try_get::<String, _>("state")?,
                        RequestState::parse,
                        "state",
                    )?,
                    summary: r.try_get("summary")?,
                    details: serde_json::from_str(&details).context("stored event details")?,
                })
            })
            .collect()
    }

    async fn list_holidays(
        &self,
        year: i16,
        agency: Option<&Agency>,
    ) -> Result<(Vec<HolidayRecord>, bool)> {
        let mut conn = self.pool.acquire().await?;
        let version: i64 = sqlx::query_scalar("SELECT version FROM calendar_state WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
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
        let mut tx = begin_write(&self.pool).await?;
        let scope_path = match &holiday.agency_id {
            Some(id) => Some(
                fetch_agency(&mut tx, id)
                    .await?
                    .ok_or_else(|| agency_not_found(id))?
                    .path,
            ),
            None => None,
        };
        let before = load_calendar_data(&mut tx, 0).await?;
        let inserted = sqlx::query(
            "INSERT INTO holidays (scope, date, name, kind, built_in, create_time) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(holiday.agency_id.clone().unwrap_or_default())
        .bind(holiday.date.to_string())
        .bind(&holiday.name)
        .bind(holiday.kind.as_str())
        .bind(false)
        .bind(ts(now))
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::AlreadyExists {
                    reason: "HOLIDAY_EXISTS",
                    message: format!("{} is already a holiday in this calendar", holiday.date),
                });
            }
            other => {
                other?;
            }
        }
        bump_calendar_version(&mut tx).await?;
        let moved = self
            .reschedule(
                &mut tx,
                &before,
                holiday.date,
                scope_path.as_deref(),
                now,
                actor,
                &format!("holiday added: {}", holiday.name),
            )
            .await?;
        tx.commit().await?;
        Ok(moved)
    }

    #[tracing::instrument(skip_all, fields(date = %date))]
    async fn remove_holiday(
        &self,
        date: Date,
        agency_id: Option<&str>,
        now: Timestamp,
        actor: &str,
    ) -> Result<u32> {
        let mut tx = begin_write(&self.pool).await?;
        let scope_path = match agency_id {
            Some(id) => Some(
                fetch_agency(&mut tx, id)
                    .await?
                    .ok_or_else(|| agency_not_found(id))?
                    .path,
            ),
            None => None,
        };
        let before = load_calendar_data(&mut tx, 0).await?;
        let name: Option<String> = sqlx::query_scalar(
            "DELETE FROM holidays WHERE scope = $1 AND date = $2 RETURNING name",
        )
        .bind(agency_id.unwrap_or_default())
        .bind(date.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(name) = name else {
            return Err(Error::NotFound {
                kind: "holiday",
                name: match agency_id {
                    Some(a) => format!("agencies/{a}/holidays/{date}"),
                    None => format!("holidays/{date}"),
                },
            });
        };
        bump_calendar_version(&mut tx).await?;
        let moved = self
            .reschedule(
                &mut tx,
                &before,
                date,
                scope_path.as_deref(),
                now,
                actor,
                &format!("holiday removed: {name}"),
            )
            .await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn calendar_for(&self, agency: &Agency) -> Result<WorkingCalendar> {
        let mut conn = self.pool.acquire().await?;
        Ok(WorkingCalendar::clone(&*self.calendar_in(&mut conn, agency).await?))
    }
}

impl Core {
    /// Moves the due dates of the running clocks a change on `date` affects
    /// (clock started before it, due on or after it), within the agency
    /// subtree `scope_path` (everything when `None`), with an event on each
    /// request whose due date moved. `before` is the calendar before the change.
    #[allow(clippy::too_many_arguments)]
    async fn reschedule(
        &self,
        conn: &mut Conn,
        before: &CalendarData,
        date: Date,
        scope_path: Option<&str>,
        now: Timestamp,
        actor: &str,
        why: &str,
    ) -> Result<u32> {
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            request_columns!(),
            " FROM requests WHERE state = 'pending' AND clock_start_date < "
        ));
        qb.push_bind(date.to_string())
            .push(" AND due_date >= ")
            .push_bind(date.to_string());
        if let Some(p) = scope_path {
            push_subtree(&mut qb, "agency_path", p);
        }
        let rows = qb.build().fetch_all(&mut *conn).await?;
        let candidates = rows
            .iter()
            .map(request_from_row)
            .collect::<Result<Vec<_>>>()?;
        let after = load_calendar_data(conn, 0).await?;
        let mut agencies: HashMap<String, (Agency, WorkingCalendar, WorkingCalendar)> =
            HashMap::new();
        let mut moved = 0;
        for req in candidates {
            if !agencies.contains_key(&req.agency_id) {
                let a = fetch_agency(conn, &req.agency_id).await?.ok_or_else(|| {
                    anyhow::anyhow!("request's agency {} is missing", req.agency_id)
                })?;
                let old = calendar_of(before, &a, &self.settings);
                let new = calendar_of(&after, &a, &self.settings);
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
            if !write_request(conn, &next, &agency.path, req.version).await? {
                return Err(Error::Aborted(
                    "a request changed while its due date was moved; retry".into(),
                ));
            }
            insert_event(conn, &next, &event, now, actor).await?;
            moved += 1;
        }
        Ok(moved)
    }
}
