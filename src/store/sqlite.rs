//! SQLite: the embedded default. WAL, a busy timeout, `synchronous=FULL` so an
//! acknowledged write survives power loss, and `BEGIN IMMEDIATE` for writes so
//! concurrent writers queue instead of failing.
use std::{str::FromStr, time::Duration};

use sqlx::{
    Sqlite, Transaction,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

type Db = Sqlite;
type DbRow = sqlx::sqlite::SqliteRow;

/// SQLite writes are serialised by the database lock, so no row locks are needed.
const CALENDAR_VERSION_SQL: &str = "SELECT version FROM calendar_state WHERE id = 1";

async fn begin_write(pool: &sqlx::Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    // A deferred BEGIN fails with SQLITE_BUSY when a read upgrades to a write
    // under contention; IMMEDIATE takes the write lock up front and waits.
    pool.begin_with("BEGIN IMMEDIATE").await
}

fn connect_options(url: &str) -> anyhow::Result<SqliteConnectOptions> {
    let opts = if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)?
    } else {
        SqliteConnectOptions::new().filename(url)
    };
    Ok(opts
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(30))
        .foreign_keys(true)
        // Statement journals (a multi-row INSERT that may fail half-way)
        // stay in memory instead of a temporary file per statement.
        .pragma("temp_store", "MEMORY")
        // A page cache per connection of CACHE_KIB (default 2 MB): the intake
        // writer's indexes stay cached instead of being re-read every group.
        .pragma("cache_size", format!("-{}", cache_kib())))
}

/// KiB of page cache per connection: `PPID_SQLITE_CACHE_KIB`, default 8 MiB.
fn cache_kib() -> u32 {
    std::env::var("PPID_SQLITE_CACHE_KIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8 * 1024)
}

async fn open_pool(url: &str) -> anyhow::Result<sqlx::Pool<Db>> {
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(connect_options(url)?)
        .await?;
    sqlx::migrate!("migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

/// SQLite has one writer at a time: commit submissions in groups.
const GROUP_COMMIT: bool = true;

include!("common.rs");
include!("dik.rs");
include!("figures.rs");
include!("keys.rs");
include!("report.rs");

/// The export on SQLite: a reader thread with its own read-only connection
/// (rusqlite), because sqlx's SQLite driver hands every row from its worker
/// thread to the caller, copying each value, and that hand-off was two
/// thirds of an export's time (BENCHMARKS.md). WAL lets it read beside the
/// pool's writers; each page is its own statement, so no read transaction
/// outlives a page. An in-memory database has no file to open: it is read
/// through the pool.
fn spawn_export(
    pool: sqlx::Pool<Db>,
    filter: RequestFilter,
    after: Option<RequestCursor>,
    size: usize,
    tx: tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
) {
    use sqlx::ConnectOptions;
    let options = pool.connect_options();
    let path = options.get_filename();
    let in_memory = path.as_os_str().is_empty()
        || path.as_os_str() == ":memory:"
        || options
            .to_url_lossy()
            .query_pairs()
            .any(|(k, v)| k == "mode" && v == "memory");
    if in_memory {
        spawn_paged_export(pool, filter, after, size, tx);
        return;
    }
    let path = path.to_path_buf();
    // Two threads: one steps the statement and copies each page's bytes,
    // the other decodes them into requests (as much work again), while the
    // consumer writes the page before.
    let (raw_tx, raw_rx) = std::sync::mpsc::sync_channel(1);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = export_reader::read(&path, &filter, after, size, &raw_tx) {
            let _ = raw_tx.send(Err(e));
        }
    });
    tokio::task::spawn_blocking(move || export_reader::decode(&raw_rx, &tx));
}

mod export_reader {
    use std::{
        path::Path,
        sync::mpsc::{Receiver, SyncSender},
        time::Duration,
    };

    use anyhow::Context;
    use rusqlite::{OpenFlags, types::ValueRef};

    use super::{
        Col, Columns, Newest, Piece, RequestCursor, RequestFilter, page_query, request_from,
    };
    use crate::{
        domain::request::Request,
        error::{Error, Result},
    };

    /// Page cache of the reader's connection: the index it walks and the
    /// table pages it visits, within the export's memory budget.
    const CACHE_KIB: i64 = 4 * 1024;

    /// A page of rows as read: every column's bytes in one buffer, so that
    /// the reading thread only steps and copies.
    pub(super) struct RawPage {
        bytes: Vec<u8>,
        cells: Vec<Cell>,
    }

    #[derive(Clone, Copy)]
    enum Cell {
        Null,
        Int(i64),
        /// A range of `bytes`.
        Text(usize, usize),
    }

    const WIDTH: usize = Col::NAMES.len();

    impl RawPage {
        fn rows(&self) -> usize {
            self.cells.len() / WIDTH
        }

        fn row(&self, i: usize) -> Row<'_> {
            Row {
                bytes: &self.bytes,
                cells: &self.cells[i * WIDTH..(i + 1) * WIDTH],
            }
        }
    }

    /// Reads pages of `size` rows past `after` and sends them raw; an empty
    /// page marks the end.
    pub(super) fn read(
        path: &Path,
        filter: &RequestFilter,
        mut after: Option<RequestCursor>,
        size: usize,
        tx: &SyncSender<Result<RawPage>>,
    ) -> Result<()> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("opening {} for the export", path.display()))?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(sqlite)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(sqlite)?;
        loop {
            let mut sql = String::new();
            let mut params: Vec<rusqlite::types::Value> = Vec::new();
            for piece in page_query(filter, after, size as i64, Newest::Last).0 {
                match piece {
                    Piece::Sql(s) => sql.push_str(&s),
                    Piece::Text(v) => {
                        sql.push('?');
                        params.push(v.into());
                    }
                    Piece::Int(v) => {
                        sql.push('?');
                        params.push(v.into());
                    }
                }
            }
            let mut stmt = conn.prepare(&sql).map_err(sqlite)?;
            // Decoding is by position: the statement must list the columns
            // as Col does.
            let names = stmt.column_names();
            if names != Col::NAMES {
                return Err(Error::Internal(anyhow::anyhow!(
                    "the export's columns are {names:?}, not {:?}",
                    Col::NAMES
                )));
            }
            drop(names);
            let mut rows = stmt
                .query(rusqlite::params_from_iter(params))
                .map_err(sqlite)?;
            let mut page = RawPage {
                bytes: Vec::with_capacity(size * 1024),
                cells: Vec::with_capacity(size * WIDTH),
            };
            while let Some(row) = rows.next().map_err(sqlite)? {
                for i in 0..WIDTH {
                    let cell = match row.get_ref(i).map_err(sqlite)? {
                        ValueRef::Null => Cell::Null,
                        ValueRef::Integer(v) => Cell::Int(v),
                        ValueRef::Text(b) => {
                            let start = page.bytes.len();
                            page.bytes.extend_from_slice(b);
                            Cell::Text(start, page.bytes.len())
                        }
                        ValueRef::Real(_) | ValueRef::Blob(_) => {
                            return Err(mismatch(Col::NAMES[i]));
                        }
                    };
                    page.cells.push(cell);
                }
            }
            let n = page.rows();
            if n > 0 {
                let last = page.row(n - 1);
                after = Some(RequestCursor {
                    receive_time: super::from_ts(last.num(Col::ReceiveTime)?)?,
                    id: uuid::Uuid::parse_str(last.text(Col::Id)?).context("stored request id")?,
                });
                if tx.send(Ok(page)).is_err() {
                    return Ok(()); // the consumer went away
                }
            }
            if n < size {
                let _ = tx.send(Ok(RawPage {
                    bytes: Vec::new(),
                    cells: Vec::new(),
                }));
                return Ok(());
            }
        }
    }

    /// Decodes the reader's pages into requests, in order, passing on its
    /// end (an empty page) and its errors.
    pub(super) fn decode(
        rx: &Receiver<Result<RawPage>>,
        tx: &tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
    ) {
        while let Ok(raw) = rx.recv() {
            let decoded = raw.and_then(|raw| {
                (0..raw.rows())
                    .map(|i| request_from(&raw.row(i)))
                    .collect::<Result<Vec<_>>>()
            });
            let last = !matches!(&decoded, Ok(p) if !p.is_empty());
            if tx.blocking_send(decoded).is_err() || last {
                return;
            }
        }
    }

    fn sqlite(e: rusqlite::Error) -> Error {
        Error::Internal(anyhow::anyhow!("reading the export: {e}"))
    }

    struct Row<'a> {
        bytes: &'a [u8],
        cells: &'a [Cell],
    }

    fn mismatch(name: &str) -> Error {
        Error::Internal(anyhow::anyhow!(
            "stored column {name} has an unexpected type"
        ))
    }

    impl Columns for Row<'_> {
        fn str(&self, c: Col) -> Result<Option<&str>> {
            match self.cells[c as usize] {
                Cell::Null => Ok(None),
                Cell::Text(start, end) => Ok(Some(
                    std::str::from_utf8(&self.bytes[start..end]).map_err(|_| mismatch(c.name()))?,
                )),
                Cell::Int(_) => Err(mismatch(c.name())),
            }
        }

        fn int(&self, c: Col) -> Result<Option<i64>> {
            match self.cells[c as usize] {
                Cell::Null => Ok(None),
                Cell::Int(v) => Ok(Some(v)),
                Cell::Text(..) => Err(mismatch(c.name())),
            }
        }

        fn flag(&self, c: Col) -> Result<Option<bool>> {
            Ok(self.int(c)?.map(|v| v != 0))
        }
    }
}
