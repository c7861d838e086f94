//! SQLite: the embedded default. One file in WAL mode; one connection
//! writes (the writer's own), a read-only pool reads beside it. Every
//! connection has `synchronous=FULL` (an acknowledged write survives power
//! loss) and foreign keys on.
use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{
    RequestCursor, RequestFilter,
    core::Reader,
    report::{Newest, page_query},
    rows::{Col, Columns, request_from},
    writer::Source,
};
use crate::{
    domain::request::Request,
    error::{Error, Result},
};

/// How long a connection waits for a lock another holds. The server's
/// writer is the only writer of its file, so this covers only operator
/// commands that write beside a running server (`ppid keys`, `migrate`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Reading connections.
const READERS: u32 = 8;

fn connect_options(url: &str) -> anyhow::Result<SqliteConnectOptions> {
    let opts = if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)?
    } else {
        SqliteConnectOptions::new().filename(url)
    };
    let in_memory = opts.get_filename().as_os_str().is_empty()
        || opts.get_filename().as_os_str() == ":memory:"
        || url.contains("mode=memory");
    anyhow::ensure!(
        !in_memory,
        "an in-memory SQLite database cannot be shared by the writer and the readers: give a file"
    );
    Ok(opts
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        // Statement journals (a multi-row INSERT that may fail half-way)
        // stay in memory instead of a temporary file per statement.
        .pragma("temp_store", "MEMORY"))
}

/// The SQLite schema's migrations, embedded at build time.
pub(super) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Opens (creating and migrating) the database: the writer's source and
/// the read pool.
pub(super) async fn open(url: &str) -> anyhow::Result<(Source, Reader)> {
    let options = connect_options(url)?;
    {
        // Migrate on a connection of its own before anything reads: a
        // read-only connection cannot create the file or its WAL index.
        use sqlx::Connection as _;
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
        MIGRATOR.run(&mut conn).await?;
        super::figures::backfill_counters(&mut super::db::Conn::Sqlite(&mut conn)).await?;
        conn.close().await?;
    }
    let read = SqlitePoolOptions::new()
        .max_connections(READERS)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone().read_only(true))
        .await?;
    Ok((
        Source::Sqlite {
            options: Box::new(options),
        },
        Reader::Sqlite(read),
    ))
}

/// The file of a read pool.
fn database_file(pool: &sqlx::SqlitePool) -> std::path::PathBuf {
    pool.connect_options().get_filename().to_path_buf()
}

/// A rusqlite connection to the file, read-only, for the export.
fn open_direct(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// A stored column read with rusqlite held a value of another type than
/// its own.
fn mistyped(column: &str) -> Error {
    Error::Internal(anyhow::anyhow!(
        "stored column {column} has an unexpected type"
    ))
}

/// The export on SQLite: a reader thread with its own read-only connection
/// (rusqlite), because sqlx's SQLite driver hands every row from its worker
/// thread to the caller, copying each value, and that hand-off was two
/// thirds of an export's time (BENCHMARKS.md). WAL lets it read beside the
/// pool's writers; each page is its own statement, so no read transaction
/// outlives a page. An in-memory database has no file to open: it is read
/// through the pool.
pub(super) fn spawn_export(
    pool: sqlx::SqlitePool,
    filter: RequestFilter,
    after: Option<RequestCursor>,
    size: usize,
    tx: tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
) {
    let path = database_file(&pool);
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
    };

    use anyhow::Context;
    use rusqlite::types::ValueRef;

    use super::{
        Col, Columns, Newest, RequestCursor, RequestFilter, mistyped, page_query, request_from,
    };
    use crate::store::{db::Arg, rows::from_ts};
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
        let conn = super::open_direct(path)
            .with_context(|| format!("opening {} for the export", path.display()))?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(sqlite)?;
        loop {
            let query = page_query(filter, after, size as i64, Newest::Last, false);
            let sql = query.text();
            let params: Vec<rusqlite::types::Value> = query
                .args()
                .iter()
                .map(|a| match a {
                    Arg::Int(v) => v.map_or(rusqlite::types::Value::Null, Into::into),
                    Arg::Text(v) => v.clone().map_or(rusqlite::types::Value::Null, Into::into),
                    Arg::Flag(v) => v.map_or(rusqlite::types::Value::Null, Into::into),
                })
                .collect();
            let mut stmt = conn.prepare(sql).map_err(sqlite)?;
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
                            return Err(mistyped(Col::NAMES[i]));
                        }
                    };
                    page.cells.push(cell);
                }
            }
            let n = page.rows();
            if n > 0 {
                let last = page.row(n - 1);
                after = Some(RequestCursor {
                    receive_time: from_ts(last.num(Col::ReceiveTime)?)?,
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

    impl Columns for Row<'_> {
        fn str(&self, c: Col) -> Result<Option<&str>> {
            match self.cells[c as usize] {
                Cell::Null => Ok(None),
                Cell::Text(start, end) => Ok(Some(
                    std::str::from_utf8(&self.bytes[start..end]).map_err(|_| mistyped(c.name()))?,
                )),
                Cell::Int(_) => Err(mistyped(c.name())),
            }
        }

        fn int(&self, c: Col) -> Result<Option<i64>> {
            match self.cells[c as usize] {
                Cell::Null => Ok(None),
                Cell::Int(v) => Ok(Some(v)),
                Cell::Text(..) => Err(mistyped(c.name())),
            }
        }

        fn flag(&self, c: Col) -> Result<Option<bool>> {
            Ok(self.int(c)?.map(|v| v != 0))
        }
    }
}
