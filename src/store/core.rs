//! The store of both backends: its connections (the writer and a read
//! pool), its settings, and the caches every write and read shares.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use anyhow::Context as _;
use futures::future::BoxFuture;
use jiff::Timestamp;
use sqlx::pool::PoolConnection;

use super::{
    HolidayRecord, StoreSettings,
    db::{Conn, Sql},
    postgres,
    rows::{AGENCY_COLUMNS, agency_from_row, holiday_from_row, ts},
    sqlite,
    writer::{Tx, Writer},
};
use crate::{
    domain::{
        agency::Agency,
        calendar::{self, Holiday, WorkingCalendar},
    },
    error::Result,
};

/// The store: one writer, and reads beside it.
pub struct SqlStore {
    pub(super) core: Arc<Core>,
    writer: Writer,
    reader: Reader,
}

/// Where reads come from: on SQLite a read-only pool beside the writer's
/// connection; on PostgreSQL a read pool, and a small pool of its own for
/// exports, so that slow export readers can never take the connections
/// ordinary calls need, nor more than a few of the database's; and, with
/// `--read-database-url`, the same two pools on a streaming replica for
/// the reads that tolerate its lag (see `SqlStore::read_lagging`).
#[derive(Clone)]
pub enum Reader {
    /// SQLite, read-only connections.
    Sqlite(sqlx::SqlitePool),
    /// PostgreSQL.
    Postgres {
        /// Ordinary reads.
        read: sqlx::PgPool,
        /// Export streams, each holding one connection while it streams.
        export: sqlx::PgPool,
        /// A read replica, if one is configured.
        replica: Option<Replica>,
    },
}

/// The pools on a PostgreSQL read replica (a hot standby that may lag the
/// primary by seconds): the same sizes as the primary's read and export
/// pools.
#[derive(Clone)]
pub struct Replica {
    /// Lag-tolerant reads.
    pub read: sqlx::PgPool,
    /// Export streams.
    pub export: sqlx::PgPool,
}

/// A pooled connection to read on.
pub enum Pooled {
    /// SQLite.
    Sqlite(PoolConnection<sqlx::Sqlite>),
    /// PostgreSQL.
    Postgres(PoolConnection<sqlx::Postgres>),
}

impl Pooled {
    /// The connection.
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(c),
            Pooled::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Reader {
    /// A connection from the pool.
    pub async fn acquire(&self) -> Result<Pooled> {
        Ok(match self {
            Reader::Sqlite(p) => Pooled::Sqlite(p.acquire().await?),
            Reader::Postgres { read, .. } => Pooled::Postgres(read.acquire().await?),
        })
    }

    /// A connection from the replica's pool when there is a replica, else
    /// from the read pool.
    pub async fn acquire_lagging(&self) -> Result<Pooled> {
        match self {
            Reader::Postgres {
                replica: Some(r), ..
            } => Ok(Pooled::Postgres(r.read.acquire().await?)),
            _ => self.acquire().await,
        }
    }
}

/// What the writer's jobs and the reads share: settings and caches.
pub struct Core {
    /// The store's settings.
    pub settings: StoreSettings,
    /// All holidays at one calendar version; reloaded when the version moves.
    calendar: Mutex<Option<Arc<CalendarData>>>,
    /// Every agency, with the stamp it was read at.
    agencies: Mutex<Option<AgencyCache>>,
}

/// The agency list and the stamp it was read at.
type AgencyCache = (i64, Arc<Vec<Agency>>);

/// Every holiday at one calendar version.
pub struct CalendarData {
    /// The version it was read at.
    pub version: i64,
    /// Every holiday.
    pub holidays: Vec<HolidayRecord>,
    /// The years whose decree is loaded.
    pub decree_years: Vec<i16>,
    /// Each agency path's working calendar at this version, built on first
    /// use (building one filters and copies every holiday).
    calendars: Mutex<HashMap<String, Arc<WorkingCalendar>>>,
}

impl CalendarData {
    /// The working calendar of `agency`, built once.
    pub fn working_calendar(
        &self,
        agency: &Agency,
        settings: &StoreSettings,
    ) -> Arc<WorkingCalendar> {
        let mut memo = self.calendars.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cal) = memo.get(agency.path.as_str()) {
            return cal.clone();
        }
        let cal = Arc::new(calendar_of(self, agency, settings));
        memo.insert(agency.path.clone(), cal.clone());
        cal
    }
}

/// The holidays that apply to `agency`: national ones and those of the
/// agency or any agency above it.
pub fn calendar_of(
    data: &CalendarData,
    agency: &Agency,
    settings: &StoreSettings,
) -> WorkingCalendar {
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

/// Reads every holiday (at `version`, which the caller read).
pub async fn load_calendar_data(conn: &mut Conn<'_>, version: i64) -> Result<CalendarData> {
    let rows = conn
        .fetch_all(Sql::new(
            "SELECT scope, date, name, kind, built_in FROM holidays ORDER BY date, scope",
        ))
        .await?;
    let holidays = rows
        .iter()
        .map(holiday_from_row)
        .collect::<Result<Vec<_>>>()?;
    let years = conn
        .fetch_all(Sql::new("SELECT year FROM holiday_years ORDER BY year"))
        .await?;
    let decree_years = years
        .iter()
        .map(|r| {
            let y: i64 = r.get_at(0)?;
            Ok(i16::try_from(y).context("holiday year out of range")?)
        })
        .collect::<Result<_>>()?;
    Ok(CalendarData {
        version,
        holidays,
        decree_years,
        calendars: Mutex::default(),
    })
}

/// The calendar's version, read so that a holiday change cannot interleave
/// with what this transaction computes from it: on PostgreSQL a share lock
/// (a holiday change takes the row exclusively); SQLite has one writer.
pub async fn calendar_version(conn: &mut Conn<'_>) -> Result<i64> {
    let sql = if conn.is_postgres() {
        "SELECT version FROM calendar_state WHERE id = 1 FOR SHARE"
    } else {
        "SELECT version FROM calendar_state WHERE id = 1"
    };
    conn.scalar(Sql::new(sql)).await
}

/// Agencies are created and changed rarely; triggers bump one stamp on
/// every change (migration 0023/0021), so whether the cached list is still
/// the table costs one row, not a count of every agency in the country.
const AGENCIES_STAMP: &str = "SELECT version FROM agencies_stamp WHERE id = 1";

impl Core {
    fn new(settings: StoreSettings) -> Self {
        Self {
            settings,
            calendar: Mutex::new(None),
            agencies: Mutex::new(None),
        }
    }

    /// Forgets the caches: a write that read them failed or was cut off,
    /// so they may hold what never committed.
    pub fn forget_caches(&self) {
        *self.calendar.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *self.agencies.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The calendar of `agency`, as of `conn`'s transaction.
    pub async fn calendar_in(
        &self,
        conn: &mut Conn<'_>,
        agency: &Agency,
    ) -> Result<Arc<WorkingCalendar>> {
        let data = self.calendar_data(conn).await?;
        Ok(data.working_calendar(agency, &self.settings))
    }

    /// Every holiday at the current calendar version (cached per version).
    pub async fn calendar_data(&self, conn: &mut Conn<'_>) -> Result<Arc<CalendarData>> {
        let version = calendar_version(conn).await?;
        if let Some(data) = self.cached_calendar(version) {
            return Ok(data);
        }
        let fresh = Arc::new(load_calendar_data(conn, version).await?);
        *self.calendar.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }

    fn cached_calendar(&self, version: i64) -> Option<Arc<CalendarData>> {
        match self
            .calendar
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            Some(c) if c.version == version => Some(c.clone()),
            _ => None,
        }
    }

    /// Every agency, by id: from the cache while it is current.
    pub async fn agencies(&self, conn: &mut Conn<'_>) -> Result<Arc<Vec<Agency>>> {
        let row = conn.fetch_one(Sql::new(AGENCIES_STAMP)).await?;
        let key: i64 = row.get_at(0)?;
        if let Some((k, list)) = self
            .agencies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && *k == key
        {
            return Ok(list.clone());
        }
        let rows = conn
            .fetch_all(Sql::new(format!(
                "SELECT {AGENCY_COLUMNS} FROM agencies ORDER BY id"
            )))
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

impl SqlStore {
    /// Opens the database a URL names (`postgres://` or a SQLite file),
    /// migrates it, starts the writer and loads the built-in holidays.
    pub async fn connect(url: &str, settings: StoreSettings) -> anyhow::Result<Self> {
        let core = Arc::new(Core::new(settings));
        let (source, reader) = if super::is_postgres(url) {
            postgres::open(url, core.settings.read_database_url.as_deref()).await?
        } else {
            anyhow::ensure!(
                core.settings.read_database_url.is_none(),
                "{}",
                super::REPLICA_NEEDS_POSTGRES
            );
            sqlite::open(url).await?
        };
        let store = Self {
            writer: Writer::start(source, core.clone()),
            core,
            reader,
        };
        store.load_builtin_holidays().await?;
        Ok(store)
    }

    /// Opens the database and runs migrations only.
    pub async fn migrate_only(url: &str) -> anyhow::Result<()> {
        if super::is_postgres(url) {
            postgres::open(url, None).await?;
        } else {
            sqlite::open(url).await?;
        }
        Ok(())
    }

    /// Runs `work` through the writer (see [`Writer::write`]).
    pub(super) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        self.writer.write(work).await
    }

    /// A connection to read on: the primary's (reads of what a caller may
    /// just have written, and everything a write decides on).
    pub(super) async fn read(&self) -> Result<Pooled> {
        self.reader.acquire().await
    }

    /// A connection for reads that tolerate seconds of lag (figures,
    /// rankings, report figures, exports, the DIP's lists): the read
    /// replica's when `--read-database-url` names one, else the primary's.
    /// Never for a read a caller expects to show their own write.
    pub(super) async fn read_lagging(&self) -> Result<Pooled> {
        self.reader.acquire_lagging().await
    }

    /// The read side (for the export's own readers).
    pub(super) fn reader(&self) -> &Reader {
        &self.reader
    }

    /// The writer.
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match &self.reader {
            Reader::Sqlite(_) => "sqlite",
            Reader::Postgres { .. } => "postgres",
        }
    }

    /// How full each connection pool is (SQLite's writer has one
    /// connection of its own, no pool).
    pub fn pools(&self) -> Vec<super::PoolUse> {
        fn use_of<DB: sqlx::Database>(name: &'static str, p: &sqlx::Pool<DB>) -> super::PoolUse {
            super::PoolUse {
                name,
                size: p.size(),
                idle: p.num_idle(),
                max: p.options().get_max_connections(),
            }
        }
        let mut out = match &self.reader {
            Reader::Sqlite(p) => vec![use_of("read", p)],
            Reader::Postgres {
                read,
                export,
                replica,
            } => {
                let mut v = vec![use_of("read", read), use_of("export", export)];
                if let Some(r) = replica {
                    v.push(use_of("replica", &r.read));
                    v.push(use_of("replica_export", &r.export));
                }
                v
            }
        };
        if let Some(p) = self.writer.pool() {
            out.push(use_of("write", p));
        }
        out
    }

    /// Loads each decree year's holidays once, the first time the database
    /// sees that year; later edits (a removed or moved holiday) are kept.
    async fn load_builtin_holidays(&self) -> Result<()> {
        let now = ts(Timestamp::now());
        for &year in calendar::DECREE_YEARS {
            self.write(move |tx| {
                Box::pin(async move {
                    let fresh = tx
                        .conn
                        .execute(
                            Sql::new(
                                "INSERT INTO holiday_years (year) VALUES ($1) ON CONFLICT DO NOTHING",
                            )
                            .bind(i64::from(year)),
                        )
                        .await?
                        == 1;
                    if fresh {
                        for h in calendar::builtin_holidays()
                            .into_iter()
                            .filter(|h| h.date.year() == year)
                        {
                            tx.conn
                                .execute(
                                    Sql::new(
                                        "INSERT INTO holidays (scope, date, name, kind, built_in, create_time) \
                                         VALUES ('', $1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                                    )
                                    .bind(h.date.to_string())
                                    .bind(h.name)
                                    .bind(h.kind.as_str())
                                    .bind(true)
                                    .bind(now),
                                )
                                .await?;
                        }
                        tx.bump_calendar_version().await?;
                        tracing::info!(year, "loaded the built-in holiday decree");
                    }
                    Ok(())
                })
            })
            .await?;
        }
        Ok(())
    }
}

/// Marks a holiday change: every cached calendar is stale.
pub async fn bump_calendar_version(conn: &mut Conn<'_>) -> Result<()> {
    conn.execute(Sql::new(
        "UPDATE calendar_state SET version = version + 1 WHERE id = 1",
    ))
    .await?;
    Ok(())
}
