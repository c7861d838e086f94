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
    tokio::task::spawn_blocking(move || {
        if let Err(e) = export_reader::read(&path, &filter, after, size, &tx) {
            let _ = tx.blocking_send(Err(e));
        }
    });
}

mod export_reader {
    use std::{collections::HashMap, path::Path, time::Duration};

    use anyhow::Context;
    use rusqlite::{OpenFlags, types::ValueRef};

    use super::{Columns, Newest, Piece, RequestCursor, RequestFilter, page_query, request_from};
    use crate::{
        domain::request::Request,
        error::{Error, Result},
    };

    /// Page cache of the reader's connection: the index it walks and the
    /// table pages it visits, within the export's memory budget.
    const CACHE_KIB: i64 = 16 * 1024;

    pub(super) fn read(
        path: &Path,
        filter: &RequestFilter,
        mut after: Option<RequestCursor>,
        size: usize,
        tx: &tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
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
            let names: HashMap<String, usize> = stmt
                .column_names()
                .into_iter()
                .enumerate()
                .map(|(i, n)| (n.to_owned(), i))
                .collect();
            let mut rows = stmt
                .query(rusqlite::params_from_iter(params))
                .map_err(sqlite)?;
            let mut page = Vec::with_capacity(size);
            while let Some(row) = rows.next().map_err(sqlite)? {
                page.push(request_from(&Row { row, names: &names })?);
            }
            let more = page.len() == size;
            after = page.last().map(RequestCursor::of).or(after);
            if !page.is_empty() && tx.blocking_send(Ok(page)).is_err() {
                return Ok(()); // the consumer went away
            }
            if !more {
                let _ = tx.blocking_send(Ok(Vec::new()));
                return Ok(());
            }
        }
    }

    fn sqlite(e: rusqlite::Error) -> Error {
        Error::Internal(anyhow::anyhow!("reading the export: {e}"))
    }

    struct Row<'a> {
        row: &'a rusqlite::Row<'a>,
        names: &'a HashMap<String, usize>,
    }

    impl Row<'_> {
        fn value(&self, name: &str) -> Result<ValueRef<'_>> {
            let i = *self
                .names
                .get(name)
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("no column {name}")))?;
            self.row.get_ref(i).map_err(sqlite)
        }
    }

    fn mismatch(name: &str) -> Error {
        Error::Internal(anyhow::anyhow!(
            "stored column {name} has an unexpected type"
        ))
    }

    impl Columns for Row<'_> {
        fn str(&self, name: &str) -> Result<Option<&str>> {
            match self.value(name)? {
                ValueRef::Null => Ok(None),
                ValueRef::Text(b) => Ok(Some(std::str::from_utf8(b).map_err(|_| mismatch(name))?)),
                _ => Err(mismatch(name)),
            }
        }

        fn int(&self, name: &str) -> Result<Option<i64>> {
            match self.value(name)? {
                ValueRef::Null => Ok(None),
                ValueRef::Integer(v) => Ok(Some(v)),
                _ => Err(mismatch(name)),
            }
        }

        fn flag(&self, name: &str) -> Result<Option<bool>> {
            Ok(self.int(name)?.map(|v| v != 0))
        }
    }
}
