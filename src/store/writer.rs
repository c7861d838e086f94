//! The one writer. Every write of the server goes through it: a task that
//! owns the database's write side and a queue in front of it.
//!
//! It takes what is waiting (up to [`MAX_GROUP`] writes), runs them in one
//! transaction, each inside a savepoint so that one failing write leaves
//! nothing behind and fails none of its neighbours, commits once, and only
//! then answers each caller: an acknowledged write is durable
//! (`synchronous=FULL` on SQLite; PostgreSQL's commit). On SQLite it is the
//! only connection that writes, so no write ever waits in SQLite's busy
//! handler; reads go through a read-only pool beside it.
//!
//! A failed COMMIT on SQLite (the disk refused the write or its sync) stops
//! writing for good: every later write is answered UNAVAILABLE and the
//! server's health turns NOT_SERVING, because after a failed fsync Linux may
//! report a later one as successful although the pages were lost. The
//! operator checks the disk and restarts. On PostgreSQL the database is the
//! authority on durability: a failed commit fails that group's callers only.
//!
//! On PostgreSQL each write has a budget ([`PG_BUDGET`]) counted from when
//! it was queued: a group runs only for what is left of its oldest write's
//! budget, and writes that waited longer are answered UNAVAILABLE without
//! running, so an outage answers every caller in time and recovery needs no
//! restart.
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use futures::{FutureExt as _, future::BoxFuture};
use prometheus_client::metrics::{
    gauge::Gauge,
    histogram::{Histogram, exponential_buckets},
};
use sqlx::{Connection as _, pool::PoolConnection};
use tokio::sync::{mpsc, oneshot, watch};

use super::{core::Core, db::Conn};
use crate::error::{Error, Result};

/// Most writes committed in one transaction.
pub const MAX_GROUP: usize = 256;

/// Writes waiting for the writer before callers wait to queue.
const QUEUE: usize = 4096;

/// How long a write may take on PostgreSQL, from queueing to answer.
pub const PG_BUDGET: Duration = Duration::from_secs(3);

/// A write: what it does inside the transaction. It reads, decides (by the
/// domain's rules) and writes through `tx`; an error leaves nothing written.
pub type Work<T> = Box<dyn for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T>> + Send>;

/// What a write sees: the transaction's connection, the store's shared
/// state (settings, caches) and what the group has already read.
pub struct Tx<'t> {
    /// The connection, inside the group's transaction.
    pub conn: Conn<'t>,
    /// The store's settings and caches.
    pub core: &'t Core,
    /// The group's own memo (see [`Memo`]).
    pub memo: &'t mut Memo,
}

/// What the writes of one group share inside their transaction.
///
/// Read once: the calendar and the agencies as this transaction sees them
/// (no other writer can change them before it commits: SQLite has one
/// writer, and on PostgreSQL the calendar is read under a share lock). A
/// write that changes agencies or holidays forgets what it changed; a
/// failed write forgets everything, since its savepoint undid what it may
/// have read.
///
/// Written once, for the whole group, just before COMMIT (each is a
/// statement, and a statement is a round trip to the database): the
/// history's new events, the figure cells' changes, the new unanswered
/// requests' cells, and the registration counters' last numbers. A failed
/// write's events and cells are dropped and the numbers it took are given
/// back, so numbers stay without gaps.
#[derive(Default)]
pub struct Memo {
    /// The calendar as of this transaction.
    pub calendar: Option<Arc<super::core::CalendarData>>,
    /// Agencies read in this transaction, by id.
    pub agencies: std::collections::HashMap<String, crate::domain::agency::Agency>,
    /// The figure cells' changes of the write running now.
    pub figures: crate::domain::stats::Contributions,
    /// The new requests of the write running now that count as unanswered
    /// (see [`super::figures::record_unanswered`]).
    pub unanswered: super::figures::Unanswered,
    /// The events of the write running now, as rows of `INSERT_EVENT`.
    pub events: Vec<Vec<super::db::Arg>>,
    /// The feed rows of the write running now.
    pub feed: Vec<super::feed::NewFeedEvent>,
    /// The last number taken of each register (Pemda, year, register) in
    /// this group.
    pub counters: std::collections::BTreeMap<(String, i16, &'static str), i64>,
    /// The write is an import of history (`ppid import register`): its
    /// events are marked imported in the feed.
    pub importing: bool,
}

impl Tx<'_> {
    /// The working calendar of `agency` as of this transaction.
    pub async fn calendar(
        &mut self,
        agency: &crate::domain::agency::Agency,
    ) -> Result<Arc<crate::domain::calendar::WorkingCalendar>> {
        let data = match &self.memo.calendar {
            Some(data) => data.clone(),
            None => {
                let data = self.core.calendar_data(&mut self.conn).await?;
                self.memo.calendar = Some(data.clone());
                data
            }
        };
        Ok(data.working_calendar(agency, &self.core.settings))
    }

    /// An agency as of this transaction, if it exists.
    pub async fn agency(&mut self, id: &str) -> Result<Option<crate::domain::agency::Agency>> {
        if let Some(a) = self.memo.agencies.get(id) {
            return Ok(Some(a.clone()));
        }
        let found = super::register::fetch_agency(&mut self.conn, id).await?;
        if let Some(a) = &found {
            self.memo.agencies.insert(id.to_string(), a.clone());
        }
        Ok(found)
    }

    /// An agency a stored row refers to, which must exist.
    pub async fn referenced_agency(&mut self, id: &str) -> Result<crate::domain::agency::Agency> {
        self.agency(id).await?.ok_or_else(|| {
            Error::Internal(anyhow::anyhow!("a stored row's agency {id} is missing"))
        })
    }

    /// The next number of a register (per Pemda and year). The first in a
    /// group reads the counter with a row lock (creating it at 0), which
    /// serialises writers of that register on every backend and process
    /// until COMMIT; the rest count on from there, and the group writes the
    /// last one before it commits.
    pub async fn next_number(
        &mut self,
        pemda_id: &str,
        year: i16,
        register: &'static str,
    ) -> Result<i64> {
        let key = (pemda_id.to_string(), year, register);
        if let Some(last) = self.memo.counters.get_mut(&key) {
            *last += 1;
            return Ok(*last);
        }
        let last: i64 = super::db::Sql::new(
            "INSERT INTO registration_counters (pemda_id, year, register, last_value) \
             VALUES ($1, $2, $3, 0) ON CONFLICT (pemda_id, year, register) \
             DO UPDATE SET last_value = registration_counters.last_value RETURNING last_value",
        )
        .bind(pemda_id)
        .bind(year)
        .bind(register)
        .scalar(&mut self.conn)
        .await?;
        self.memo.counters.insert(key, last + 1);
        Ok(last + 1)
    }

    /// Makes the next number of a register follow `at_least` (imported
    /// numbers: the sequence continues after the highest), never lower.
    pub async fn raise_number(
        &mut self,
        pemda_id: &str,
        year: i16,
        register: &'static str,
        at_least: i64,
    ) -> Result<()> {
        // Reads (and locks) the counter like a number taken, then gives it back.
        let next = self.next_number(pemda_id, year, register).await?;
        let key = (pemda_id.to_string(), year, register);
        self.memo.counters.insert(key, (next - 1).max(at_least));
        Ok(())
    }

    /// Appends an event to a request's history (written with the group);
    /// its sequence is the request's new version, so the primary key also
    /// rejects two writers of the same version.
    /// The event goes to the feed too.
    pub async fn insert_event(
        &mut self,
        r: &crate::domain::request::Request,
        event: &crate::domain::request::NewEvent,
        record_time: jiff::Timestamp,
        actor: &str,
    ) -> Result<()> {
        self.memo
            .events
            .push(super::rows::event_args(r, event, record_time, actor)?);
        let agency = self.referenced_agency(&r.agency_id).await?;
        self.memo.feed.push(super::feed::NewFeedEvent {
            subject: format!("requests/{}", r.id),
            registration_number: r.registration_number.clone(),
            agency_id: agency.id,
            agency_path: agency.path,
            kind: event.kind.as_str().to_string(),
            state: r.state.as_str().to_string(),
            summary: event.summary.clone(),
            event_time: event.event_time,
            record_time,
            actor: actor.to_string(),
            imported: self.memo.importing,
        });
        Ok(())
    }

    /// Appends a row to the event feed (written with the group).
    pub fn feed(&mut self, row: super::feed::NewFeedEvent) {
        self.memo.feed.push(row);
    }

    /// Marks a holiday change: every cached calendar is stale.
    pub async fn bump_calendar_version(&mut self) -> Result<()> {
        self.memo.calendar = None;
        super::core::bump_calendar_version(&mut self.conn).await
    }
}

impl Memo {
    fn forget(&mut self) {
        self.calendar = None;
        self.agencies.clear();
        self.figures.clear();
        self.unanswered.clear();
        self.events.clear();
        self.feed.clear();
    }
}

/// What a group writes at its end (see [`Memo`]).
#[derive(Default)]
struct Deferred {
    figures: crate::domain::stats::Contributions,
    unanswered: super::figures::Unanswered,
    events: Vec<Vec<super::db::Arg>>,
    feed: Vec<super::feed::NewFeedEvent>,
}

impl Deferred {
    /// Writes it all, in the group's transaction.
    async fn write(
        self,
        conn: &mut Conn<'_>,
        counters: &std::collections::BTreeMap<(String, i16, &'static str), i64>,
    ) -> Result<()> {
        for chunk in self.events.chunks(500) {
            let mut q = super::db::Sql::new(super::rows::INSERT_EVENT);
            q.push_values(chunk.iter().cloned());
            q.execute(conn).await?;
        }
        if !self.figures.is_empty() {
            super::figures::apply_contributions(conn, &self.figures).await?;
        }
        super::figures::apply_unanswered(conn, &self.unanswered).await?;
        for ((pemda, year, register), last) in counters {
            super::db::Sql::new(
                "UPDATE registration_counters SET last_value = $1 \
                 WHERE pemda_id = $2 AND year = $3 AND register = $4",
            )
            .bind(*last)
            .bind(pemda.as_str())
            .bind(*year)
            .bind(*register)
            .execute(conn)
            .await?;
        }
        // Last: on PostgreSQL this takes the feed's lock, held to COMMIT.
        super::feed::insert_feed(conn, &self.feed).await?;
        Ok(())
    }
}

/// A test-only switch: the next COMMIT fails as if the disk refused it.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch(Arc<AtomicBool>);

impl FaultSwitch {
    /// Makes the next commit fail.
    pub fn fail_next_commit(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// Whether the writer still writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Writing.
    Writing,
    /// Stopped after a failed commit; why.
    Stopped(String),
}

/// What the writer measures, for the metrics endpoint (`crate::metrics`
/// registers these handles; they count whether or not it is on).
#[derive(Clone)]
pub struct WriterMetrics {
    /// Writes queued and not yet taken into a group, callers waiting for
    /// room in the queue included.
    pub queue_depth: Gauge,
    /// Writes taken into one group.
    pub group_size: Histogram,
    /// A group from BEGIN until its callers are answered.
    pub group_seconds: Histogram,
    /// The COMMIT statement alone (on SQLite, with its fsync).
    pub commit_seconds: Histogram,
}

impl Default for WriterMetrics {
    fn default() -> Self {
        Self {
            queue_depth: Gauge::default(),
            // 1, 2, 4, ... 256 (MAX_GROUP).
            group_size: Histogram::new(exponential_buckets(1.0, 2.0, 9)),
            // 100 µs to ~3.3 s: a commit's fsync up to PG_BUDGET.
            group_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
            commit_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
        }
    }
}

/// The writer's handle: where writes are queued.
pub struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
    health: watch::Receiver<Health>,
    metrics: WriterMetrics,
    /// PostgreSQL: the pool groups take their connection from (its use is
    /// reported with the read pools').
    pool: Option<sqlx::PgPool>,
}

/// Where the writer gets its connection.
pub enum Source {
    /// SQLite: one connection of its own, opened once.
    Sqlite {
        /// How to open it.
        options: Box<sqlx::sqlite::SqliteConnectOptions>,
    },
    /// PostgreSQL: a connection from the pool for each group.
    Postgres(sqlx::PgPool),
}

impl Writer {
    /// Starts the writer task.
    pub fn start(source: Source, core: Arc<Core>) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let (health_tx, health) = watch::channel(Health::Writing);
        let metrics = WriterMetrics::default();
        let pool = match &source {
            Source::Postgres(pool) => Some(pool.clone()),
            Source::Sqlite { .. } => None,
        };
        tokio::spawn(run(source, core, jobs, health_tx, metrics.clone()));
        Self {
            queue,
            health,
            metrics,
            pool,
        }
    }

    /// What the writer measures.
    pub fn metrics(&self) -> &WriterMetrics {
        &self.metrics
    }

    /// The pool the writer takes connections from (PostgreSQL only).
    pub fn pool(&self) -> Option<&sqlx::PgPool> {
        self.pool.as_ref()
    }

    /// Runs `work` in the next group and answers once it is committed.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        self.queue_job(Box::new(work), false).await
    }

    async fn queue_job<T: Send + 'static>(&self, work: Work<T>, unbounded: bool) -> Result<T> {
        if let Health::Stopped(why) = &*self.health.borrow() {
            return Err(stopped(why));
        }
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Typed {
            work,
            reply,
            queued: Instant::now(),
            unbounded,
        });
        self.metrics.queue_depth.inc();
        if self.queue.send(job).await.is_err() {
            self.metrics.queue_depth.dec();
            return Err(Error::Unavailable("the writer stopped".into()));
        }
        // A dropped reply: the group was cut off by its budget (PostgreSQL).
        answer.await.map_err(|_| {
            Error::Unavailable("the database did not answer in time; retry later".into())
        })?
    }

    /// Like [`Writer::write`], without the PostgreSQL budget: for an
    /// operator's long write in one transaction (`ppid import register`),
    /// which must commit whole or not at all however long it takes.
    pub async fn write_unbounded<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        self.queue_job(Box::new(work), true).await
    }

    /// Follows the writer's health.
    pub fn health(&self) -> watch::Receiver<Health> {
        self.health.clone()
    }
}

fn stopped(why: &str) -> Error {
    Error::Unavailable(format!(
        "this server stopped writing after a failed commit ({why}); check the disk and restart it"
    ))
}

/// A queued write of any result type.
trait Job: Send {
    fn run<'c, 't>(self: Box<Self>, tx: &'c mut Tx<'t>) -> BoxFuture<'c, Box<dyn Answer>>;
    fn refuse(self: Box<Self>, e: Error);
    fn queued(&self) -> Instant;
    /// Exempt from the PostgreSQL budget.
    fn unbounded(&self) -> bool;
}

/// A write's outcome, sent once the group's fate is known.
trait Answer: Send {
    fn failed(&self) -> bool;
    /// Sends the outcome, or `Unavailable(why)` if the commit failed.
    fn send(self: Box<Self>, commit_failed: Option<&str>);
}

struct Typed<T> {
    work: Work<T>,
    reply: oneshot::Sender<Result<T>>,
    queued: Instant,
    unbounded: bool,
}

struct Reply<T> {
    result: Result<T>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T: Send + 'static> Job for Typed<T> {
    fn run<'c, 't>(self: Box<Self>, tx: &'c mut Tx<'t>) -> BoxFuture<'c, Box<dyn Answer>> {
        let Typed { work, reply, .. } = *self;
        Box::pin(async move {
            let result = work(tx).await;
            Box::new(Reply { result, reply }) as Box<dyn Answer>
        })
    }

    fn refuse(self: Box<Self>, e: Error) {
        let _ = self.reply.send(Err(e));
    }

    fn queued(&self) -> Instant {
        self.queued
    }

    fn unbounded(&self) -> bool {
        self.unbounded
    }
}

impl<T: Send> Answer for Reply<T> {
    fn failed(&self) -> bool {
        self.result.is_err()
    }

    fn send(self: Box<Self>, commit_failed: Option<&str>) {
        let out = match commit_failed {
            Some(why) if self.result.is_ok() => Err(Error::Unavailable(format!(
                "the write could not be committed ({why}); retry"
            ))),
            _ => self.result,
        };
        let _ = self.reply.send(out);
    }
}

async fn run(
    source: Source,
    core: Arc<Core>,
    mut jobs: mpsc::Receiver<Box<dyn Job>>,
    health: watch::Sender<Health>,
    metrics: WriterMetrics,
) {
    let mut sqlite: Option<sqlx::SqliteConnection> = None;
    let mut stopped_because: Option<String> = None;
    while let Some(first) = jobs.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        metrics.queue_depth.dec_by(group.len() as i64);
        if let Some(why) = &stopped_because {
            for job in group {
                job.refuse(stopped(why));
            }
            continue;
        }
        let started = Instant::now();
        let size = group.len();
        match &source {
            Source::Sqlite { options } => {
                let conn = match &mut sqlite {
                    Some(c) => c,
                    none => match sqlx::SqliteConnection::connect_with(options).await {
                        Ok(c) => none.insert(c),
                        Err(e) => {
                            tracing::error!(error = %e, "the writer cannot open the database");
                            for job in group {
                                job.refuse(Error::Unavailable(
                                    "the database cannot be opened for writing".into(),
                                ));
                            }
                            continue;
                        }
                    },
                };
                let outcome = commit_group(
                    Conn::Sqlite(conn),
                    &core,
                    group,
                    "BEGIN IMMEDIATE",
                    &metrics,
                )
                .await;
                if let Err(why) = outcome {
                    tracing::error!(
                        reason = %why,
                        "a commit failed: this server stops writing (reads go on); check the disk and restart"
                    );
                    sqlite = None;
                    let _ = health.send(Health::Stopped(why.clone()));
                    stopped_because = Some(why);
                }
            }
            Source::Postgres(pool) => {
                let oldest = group.iter().map(|j| j.queued()).min().unwrap_or(started);
                let mut live = Vec::with_capacity(group.len());
                for job in group {
                    if !job.unbounded() && job.queued().elapsed() >= PG_BUDGET {
                        job.refuse(late());
                    } else {
                        live.push(job);
                    }
                }
                if live.is_empty() {
                    continue;
                }
                // A group with an unbounded write runs to its end.
                let left = if live.iter().any(|j| j.unbounded()) {
                    Duration::MAX
                } else {
                    PG_BUDGET.saturating_sub(oldest.elapsed())
                };
                // Cut off at the budget: the group's jobs are dropped with
                // it, and their callers answered UNAVAILABLE.
                let attempt =
                    tokio::time::timeout(left, postgres_group(pool, &core, live, &metrics)).await;
                if attempt.is_err() {
                    core.forget_caches();
                    tracing::warn!(
                        size,
                        "a write group ran out of time (is the database reachable?); its callers get UNAVAILABLE"
                    );
                }
            }
        }
        metrics.group_size.observe(size as f64);
        metrics
            .group_seconds
            .observe(started.elapsed().as_secs_f64());
        tracing::debug!(
            size,
            elapsed_us = started.elapsed().as_micros() as u64,
            "write group done"
        );
    }
}

fn late() -> Error {
    Error::Unavailable("the database did not answer in time; retry later".into())
}

/// A group on a pooled PostgreSQL connection. The connection is closed, not
/// returned to the pool, unless the group ends cleanly (a cut-off group
/// leaves it mid-transaction).
async fn postgres_group(
    pool: &sqlx::PgPool,
    core: &Core,
    group: Vec<Box<dyn Job>>,
    metrics: &WriterMetrics,
) {
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            let e = Error::from(e);
            for job in group {
                job.refuse(echo(&e));
            }
            return;
        }
    };
    let mut guard = CloseUnlessClean(Some(&mut conn));
    let inner = guard.0.as_deref_mut().expect("set above");
    // A commit failure is not fatal here: PostgreSQL decides durability.
    let _ = commit_group(Conn::Postgres(inner), core, group, "BEGIN", metrics).await;
    guard.0 = None;
}

/// Marks a pooled connection to be closed when dropped, unless disarmed.
struct CloseUnlessClean<'a>(Option<&'a mut PoolConnection<sqlx::Postgres>>);

impl Drop for CloseUnlessClean<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.close_on_drop();
        }
    }
}

/// The same error for each caller of a failed group.
fn echo(e: &Error) -> Error {
    match e {
        Error::Unavailable(m) => Error::Unavailable(m.clone()),
        other => Error::Unavailable(format!("the write failed: {other}")),
    }
}

/// Runs a group in one transaction and answers every caller. `Err` (with
/// why) only when COMMIT (or the ROLLBACK after a failure) itself failed;
/// every caller has been answered either way.
async fn commit_group(
    mut conn: Conn<'_>,
    core: &Core,
    group: Vec<Box<dyn Job>>,
    begin: &'static str,
    metrics: &WriterMetrics,
) -> std::result::Result<(), String> {
    if let Err(e) = conn.raw(begin).await {
        let e = Error::from(e);
        tracing::warn!(error = %e, "BEGIN failed");
        for job in group {
            job.refuse(echo(&e));
        }
        return Ok(());
    }
    // One write alone needs no savepoint: its failure rolls back the whole.
    let alone = group.len() == 1;
    let mut done: Vec<Box<dyn Answer>> = Vec::with_capacity(group.len());
    let mut broken: Option<Error> = None;
    let mut memo = Memo::default();
    let mut deferred = Deferred::default();
    let mut savepoint = false;
    for job in group {
        if let Some(e) = &broken {
            job.refuse(echo(e));
            continue;
        }
        if !alone {
            // One statement: the previous write's savepoint ends, this one's
            // begins (COMMIT releases the last).
            let sql = if savepoint {
                "RELEASE SAVEPOINT write; SAVEPOINT write"
            } else {
                "SAVEPOINT write"
            };
            if let Err(e) = conn.raw(sql).await {
                broken = Some(e.into());
                job.refuse(echo(broken.as_ref().expect("just set")));
                continue;
            }
            savepoint = true;
        }
        let counters = memo.counters.clone();
        let ran = {
            let mut tx = Tx {
                conn: conn.reborrow(),
                core,
                memo: &mut memo,
            };
            std::panic::AssertUnwindSafe(job.run(&mut tx))
                .catch_unwind()
                .await
        };
        // A panicking write is a bug: its caller's answer is dropped (it
        // sees UNAVAILABLE) and its savepoint undone like a failure's.
        let answer = match ran {
            Ok(answer) if !answer.failed() => {
                for (k, v) in std::mem::take(&mut memo.figures) {
                    *deferred.figures.entry(k).or_insert(0) += v;
                }
                for (k, v) in std::mem::take(&mut memo.unanswered) {
                    *deferred.unanswered.entry(k).or_insert(0) += v;
                }
                deferred.events.append(&mut memo.events);
                deferred.feed.append(&mut memo.feed);
                done.push(answer);
                continue;
            }
            Ok(answer) => Some(answer),
            Err(_) => {
                tracing::error!("a write panicked; it is rolled back");
                None
            }
        };
        // The write failed: undo it. What it read may be gone with it, and
        // the numbers it took are free again.
        memo.forget();
        memo.counters = counters;
        core.forget_caches();
        if alone {
            if let Some(a) = answer {
                a.send(None);
            }
            return rollback(&mut conn).await;
        }
        if let Err(e) = conn.raw("ROLLBACK TO SAVEPOINT write").await {
            broken = Some(e.into());
        }
        if let Some(a) = answer {
            a.send(None);
        }
    }
    if broken.is_none()
        && !done.is_empty()
        && let Err(e) = deferred.write(&mut conn, &memo.counters).await
    {
        broken = Some(e);
    }
    if let Some(e) = broken {
        core.forget_caches();
        let why = e.to_string();
        for a in done {
            a.send(Some(&why));
        }
        return rollback(&mut conn).await;
    }
    if done.is_empty() {
        return rollback(&mut conn).await;
    }
    let committed = if core.settings.fault.as_ref().is_some_and(FaultSwitch::take) {
        let _ = conn.raw("ROLLBACK").await;
        Err("injected commit failure".to_string())
    } else {
        let started = Instant::now();
        let committed = conn.raw("COMMIT").await.map_err(|e| e.to_string());
        metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        committed
    };
    match committed {
        Ok(()) => {
            for a in done {
                a.send(None);
            }
            Ok(())
        }
        Err(why) => {
            core.forget_caches();
            for a in done {
                a.send(Some(&why));
            }
            if conn.is_postgres() {
                // The connection is closed (not pooled) by the caller's guard
                // only on a cut-off; a failed commit leaves it usable or
                // broken, and the pool tests it before reuse.
                Ok(())
            } else {
                Err(why)
            }
        }
    }
}

/// Rolls back; a failed ROLLBACK on SQLite leaves the connection in an
/// unknown state, so it counts as a failed commit.
async fn rollback(conn: &mut Conn<'_>) -> std::result::Result<(), String> {
    match conn.raw("ROLLBACK").await {
        Ok(()) => Ok(()),
        Err(e) if conn.is_postgres() => {
            tracing::warn!(error = %e, "ROLLBACK failed");
            Ok(())
        }
        Err(e) => Err(format!("rollback failed: {e}")),
    }
}
