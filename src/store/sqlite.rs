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
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        // Statement journals (a multi-row INSERT that may fail half-way)
        // stay in memory instead of a temporary file per statement.
        .pragma("temp_store", "MEMORY")
        // The store's checkpoint thread copies the WAL into the database
        // (`checkpoint`), and the intake writer keeps it under RESTART_AFTER
        // frames; a connection checkpoints in its own commit only past twice
        // that (SQLite's default, 1,000, made every transition pay for the
        // intake writer's pages), or when nothing else writes (`ppid generate`).
        .pragma("wal_autocheckpoint", (2 * RESTART_AFTER).to_string())
        // A page cache per connection of `cache_kib()` (default 8 MiB): the intake
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

/// How long a connection waits for a lock held by another.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A rusqlite connection to the database file (the export's reader and the
/// checkpointer work outside sqlx), waiting for locks as the pool does.
fn open_direct(
    path: &std::path::Path,
    access: rusqlite::OpenFlags,
) -> rusqlite::Result<rusqlite::Connection> {
    open_via(path, access, None)
}

/// As `open_direct`, through the VFS named `vfs` (the default if `None`).
fn open_via(
    path: &std::path::Path,
    access: rusqlite::OpenFlags,
    vfs: Option<&std::ffi::CStr>,
) -> rusqlite::Result<rusqlite::Connection> {
    let flags = access | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match vfs {
        Some(vfs) => rusqlite::Connection::open_with_flags_and_vfs(path, flags, vfs)?,
        None => rusqlite::Connection::open_with_flags(path, flags)?,
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// The intake writer's connection: as `open_direct`, through the VFS that
/// writes a commit's WAL frames at once (`wal_vfs`), unless
/// `PPID_SQLITE_WAL_COALESCE=off` (to measure the difference).
fn open_writer(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    let wanted = std::env::var("PPID_SQLITE_WAL_COALESCE").map_or(true, |v| v != "off");
    let vfs = (wanted && super::wal_vfs::register()).then_some(super::wal_vfs::NAME);
    open_via(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE, vfs)
}

/// A stored column read with rusqlite (the export's reader, the intake
/// writer) held a value of another type than its own.
fn mistyped(column: &str) -> Error {
    Error::Internal(anyhow::anyhow!(
        "stored column {column} has an unexpected type"
    ))
}

/// The database's file; `None` for an in-memory database.
fn database_file(pool: &sqlx::Pool<Db>) -> Option<std::path::PathBuf> {
    use sqlx::ConnectOptions;
    let options = pool.connect_options();
    let path = options.get_filename();
    let in_memory = path.as_os_str().is_empty()
        || path.as_os_str() == ":memory:"
        || options
            .to_url_lossy()
            .query_pairs()
            .any(|(k, v)| k == "mode" && v == "memory");
    (!in_memory).then(|| path.to_path_buf())
}

/// Frames (pages) in the WAL after which the intake writer copies the rest
/// itself before a group (a restart checkpoint, once the checkpointer has
/// hurried: `checkpoint::Log`), so that the next commit starts the log
/// afresh: the checkpointer cannot, as the writer holds the write lock
/// nearly all the time. The WAL stays bounded (~16 MB) however fast
/// submissions come.
const RESTART_AFTER: i64 = 4_000;

/// A SQLite file's intake writer is a thread with a rusqlite connection of
/// its own. A whole group (reads, inserts, figures, commit) runs there
/// without a hand-off per statement, which is what sqlx's driver costs (a
/// group's statements waited on its worker thread and then on the runtime
/// about as long as SQLite worked on them). Nothing else writes through the
/// connection, so its page cache stays valid from group to group. It
/// commits with synchronous=NORMAL, which writes the WAL without waiting for
/// the disk, and two threads of their own fsync the WAL before the group's
/// callers are answered: every acknowledged submission is on disk, as with
/// FULL, but the flush overlaps the next group's work instead of holding the
/// write lock. One difference remains: other connections may read a group in
/// the millisecond between its commit and the flush (its callers are
/// answered only after). Other writers keep FULL. A group the writer cannot
/// commit whole goes through the pool's path ([`Core::commit_group`]), which
/// isolates the culprit. An in-memory database has no WAL and no file to
/// open twice: the pool's path serves it.
fn start_intake(core: Arc<Core>, queue: tokio::sync::mpsc::Receiver<Intake>) {
    let Some(file) = database_file(&core.pool) else {
        tokio::spawn(intake_writer(core, queue));
        return;
    };
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name("ppid-intake".into())
        .spawn(move || writer::run(&core, &file, queue, &runtime))
        .expect("spawning the intake writer");
}

mod wal_sync {
    use std::{
        fs::File,
        io,
        os::unix::fs::MetadataExt,
        path::Path,
        sync::{
            Mutex, PoisonError,
            mpsc::{Receiver, SyncSender},
        },
    };

    use super::Ack;
    use crate::error::Error;

    /// Threads that flush: while one waits for the disk, the next groups'
    /// callers need not wait for it to finish before their own flush
    /// starts. Each flush makes durable everything written before it began
    /// (fdatasync writes and waits for every dirty page of the file, also
    /// those another flush started), so each answers its own callers,
    /// whichever ends first.
    pub(super) const THREADS: usize = 2;

    /// Takes every group committed since the last flush, fdatasyncs the WAL
    /// once for all of them, answers their callers, and nudges the
    /// checkpointer. [`THREADS`] of these share `groups`.
    pub(super) fn run(
        wal: &Path,
        groups: &Mutex<Receiver<Vec<Ack>>>,
        checkpoint: &SyncSender<()>,
        runtime: &tokio::runtime::Handle,
    ) {
        let mut open = None;
        loop {
            // One thread at a time waits for groups; the other may be
            // flushing.
            let acks = {
                let groups = groups.lock().unwrap_or_else(PoisonError::into_inner);
                let Ok(mut acks) = groups.recv() else {
                    return;
                };
                while let Ok(more) = groups.try_recv() {
                    acks.extend(more);
                }
                acks
            };
            let started = std::time::Instant::now();
            let synced = sync(wal, &mut open);
            tracing::debug!(
                callers = acks.len(),
                elapsed_us = started.elapsed().as_micros() as u64,
                "WAL flushed"
            );
            if let Err(e) = &synced {
                tracing::error!(error = %e, wal = %wal.display(), "flushing the WAL failed; the group's callers get UNAVAILABLE and may retry");
                open = None;
            }
            match &synced {
                // One task answers them all: a send from this thread wakes
                // each caller's task through the runtime's shared queue and
                // may wake a worker each time, while sends from inside the
                // runtime queue them on the worker at hand.
                Ok(()) => drop(runtime.spawn(async move { super::answer(acks) })),
                Err(e) => {
                    for (reply, _) in acks {
                        let _ = reply.send(Err(Error::Unavailable(format!(
                            "the write-ahead log could not be flushed: {e}"
                        ))));
                    }
                }
            }
            let _ = checkpoint.try_send(());
        }
    }

    /// fdatasync of the WAL file now at `wal`, reopened when SQLite made a
    /// new one (its inode changed: the old one was checkpointed and removed
    /// when every connection closed).
    fn sync(wal: &Path, open: &mut Option<(File, u64)>) -> io::Result<()> {
        let ino = std::fs::metadata(wal)?.ino();
        let file = match open {
            Some((file, known)) if *known == ino => file,
            _ => {
                let file = File::open(wal)?;
                let ino = file.metadata()?.ino();
                // A new file's directory entry must be on disk too.
                let dir = match wal.parent() {
                    Some(dir) if !dir.as_os_str().is_empty() => dir,
                    _ => Path::new("."),
                };
                File::open(dir)?.sync_all()?;
                &mut open.insert((file, ino)).0
            }
        };
        file.sync_data()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn follows_the_wal_to_a_new_file() {
            let dir = tempfile::tempdir().expect("temp dir");
            let wal = dir.path().join("ppid.db-wal");
            let mut open = None;
            assert!(sync(&wal, &mut open).is_err(), "no WAL yet");
            std::fs::write(&wal, b"first").expect("write");
            sync(&wal, &mut open).expect("sync");
            let first = open.as_ref().expect("opened").1;
            sync(&wal, &mut open).expect("sync again");
            assert_eq!(
                open.as_ref().expect("kept").1,
                first,
                "the same file is kept"
            );
            // Keep the old file alive under another name, so that its
            // inode cannot be reused for the new one.
            std::fs::rename(&wal, dir.path().join("old-wal")).expect("rename");
            std::fs::write(&wal, b"second").expect("write");
            sync(&wal, &mut open).expect("sync the new file");
            let second = open.as_ref().expect("reopened").1;
            assert_ne!(second, first, "the new file is synced, not the old one");
            assert_eq!(second, std::fs::metadata(&wal).expect("stat").ino());
        }
    }
}

/// Copies the WAL into the database on a connection of its own, beside the
/// intake writer (a passive checkpoint takes no writer lock), after each
/// flush and at least every second. It records how long the log was, for
/// the writer's restarts ([`Log`]).
mod checkpoint {
    use std::{
        path::Path,
        sync::{
            atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
            mpsc::Receiver,
        },
        time::Duration,
    };

    use super::RESTART_AFTER;

    /// Checkpoints at most this often: each copies what came since, once
    /// per page however often it changed, and syncs the database file. At
    /// 20 ms those copies and syncs slowed the intake's WAL flushes: 250 ms
    /// measured ~12% more submissions a second (p99 +6 ms; BENCHMARKS.md).
    const PAUSE: Duration = Duration::from_millis(250);
    /// Without intake (nothing nudges), other writers' pages are still
    /// copied this often.
    const IDLE: Duration = Duration::from_secs(1);

    /// What the checkpoint thread and the intake writer know of the log.
    ///
    /// The writer restarts the log once it is past [`RESTART_AFTER`] frames
    /// (the checkpointer cannot: the writer holds the write lock nearly all
    /// the time), and intake waits while it does. A restart copies what the
    /// last checkpoint left, up to a pause's worth of pages: 18 ms on
    /// average, each one stalling every caller. So the writer first asks the
    /// checkpointer to hurry (a checkpoint after every flush, no pause): the
    /// first copies the backlog, the second what came during the first, and
    /// the restart only what came during the second.
    #[derive(Debug, Default)]
    pub(super) struct Log {
        /// Frames in the log at the last checkpoint.
        frames: AtomicI64,
        /// Checkpoints done so far.
        passes: AtomicU64,
        hurry: AtomicBool,
    }

    /// Checkpoints the writer waits for after asking the checkpointer to
    /// hurry.
    const HURRIED_PASSES: u64 = 2;
    /// Past this the writer restarts at once, however far the checkpointer
    /// is behind: the log stays bounded.
    const RESTART_NOW: i64 = 4 * RESTART_AFTER;

    impl Log {
        /// Whether the writer should restart the log before its next group;
        /// asks the checkpointer to hurry first. `asked` is the writer's
        /// note of when it asked.
        pub(super) fn restart_due(&self, asked: &mut Option<u64>) -> bool {
            let frames = self.frames.load(Ordering::Relaxed);
            if frames <= RESTART_AFTER {
                return false;
            }
            let passes = self.passes.load(Ordering::Acquire);
            let from = *asked.get_or_insert_with(|| {
                self.hurry.store(true, Ordering::Relaxed);
                passes
            });
            passes >= from + HURRIED_PASSES || frames > RESTART_NOW
        }

        /// The writer restarted the log.
        pub(super) fn restarted(&self, asked: &mut Option<u64>) {
            self.frames.store(0, Ordering::Relaxed);
            self.hurry.store(false, Ordering::Relaxed);
            *asked = None;
        }
    }

    pub(super) fn run(db: &Path, nudges: &Receiver<()>, log: &Log) {
        let mut conn = None;
        while !matches!(
            nudges.recv_timeout(IDLE),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
        ) {
            match passive(db, &mut conn) {
                Ok(frames) => {
                    log.frames.store(frames, Ordering::Relaxed);
                    log.passes.fetch_add(1, Ordering::Release);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "checkpoint failed; the next one retries");
                    conn = None;
                }
            }
            if !log.hurry.load(Ordering::Relaxed) {
                std::thread::sleep(PAUSE);
            }
        }
    }

    /// A passive checkpoint; returns the frames in the log.
    fn passive(db: &Path, conn: &mut Option<rusqlite::Connection>) -> rusqlite::Result<i64> {
        let conn = match conn {
            Some(conn) => conn,
            none => none.insert(super::open_direct(
                db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
            )?),
        };
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn restarts_after_two_hurried_checkpoints_or_when_far_behind() {
            let log = Log::default();
            let mut asked = None;
            assert!(!log.restart_due(&mut asked), "an empty log");
            log.frames.store(RESTART_AFTER, Ordering::Relaxed);
            assert!(!log.restart_due(&mut asked), "at the bound, not past it");
            assert!(!log.hurry.load(Ordering::Relaxed));

            log.frames.store(RESTART_AFTER + 1, Ordering::Relaxed);
            assert!(
                !log.restart_due(&mut asked),
                "first the checkpointer hurries"
            );
            assert!(log.hurry.load(Ordering::Relaxed));
            log.passes.fetch_add(1, Ordering::Relaxed);
            assert!(!log.restart_due(&mut asked), "one hurried checkpoint");
            log.passes.fetch_add(1, Ordering::Relaxed);
            assert!(log.restart_due(&mut asked), "two");
            log.restarted(&mut asked);
            assert!(!log.hurry.load(Ordering::Relaxed));
            assert_eq!(asked, None);
            assert!(!log.restart_due(&mut asked), "a fresh log");

            log.frames.store(RESTART_NOW + 1, Ordering::Relaxed);
            assert!(log.restart_due(&mut asked), "far behind: at once");
        }
    }
}

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
    let Some(path) = database_file(&pool) else {
        spawn_paged_export(pool, filter, after, size, tx);
        return;
    };
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

/// The export's pages of an in-memory database, read with sqlx through the
/// pool, a query per page (no statement stays open beside writers). The
/// last page sent is empty, so that the consumer tells the end from a
/// reader that died.
fn spawn_paged_export(
    pool: sqlx::Pool<Db>,
    filter: RequestFilter,
    mut after: Option<RequestCursor>,
    size: usize,
    tx: tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
) {
    tokio::spawn(async move {
        loop {
            let page = match page_requests(&pool, &filter, after, size as i64, Newest::Last).await {
                Ok(page) => page,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let more = page.len() == size;
            after = page.last().map(RequestCursor::of).or(after);
            if !page.is_empty() && tx.send(Ok(page)).await.is_err() {
                return; // the consumer went away
            }
            if !more {
                let _ = tx.send(Ok(Vec::new())).await;
                return;
            }
        }
    });
}

mod export_reader {
    use std::{
        path::Path,
        sync::mpsc::{Receiver, SyncSender},
    };

    use anyhow::Context;
    use rusqlite::{OpenFlags, types::ValueRef};

    use super::{
        Col, Columns, Newest, Piece, RequestCursor, RequestFilter, mistyped, page_query,
        request_from,
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
        let conn = super::open_direct(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("opening {} for the export", path.display()))?;
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

mod writer {
    use std::{
        collections::{BTreeMap, HashMap},
        path::Path,
        sync::{
            Arc, LazyLock,
            mpsc::{SendError, Sender},
        },
    };

    use rusqlite::{
        Connection, OptionalExtension, TransactionBehavior,
        types::{ToSqlOutput, ValueRef},
    };
    use tokio::{runtime::Handle, sync::mpsc::Receiver};
    use uuid::Uuid;

    use super::{
        AGENCIES_STAMP, Ack, Agency, Arg, CALENDAR_VERSION_SQL, CalendarData, Col, Columns,
        Contributions, Core, FigureRows, HIST_CONFLICT, INSERT_EVENT, INSERT_HIST, INSERT_REQUEST,
        Intake, RESERVE_NUMBERS, Request, acks, agency_ids, checkpoint, collect_contributions,
        counters_conflict, event_args, gather, insert_counters, mistyped, request_args, wal_sync,
    };
    use crate::{
        error::{Error, Result},
        store::Submitted,
    };

    /// How often a group whose agencies or calendar changed under it is
    /// read again before it goes through the pool's path.
    const ATTEMPTS: usize = 3;

    pub(super) fn run(core: &Core, db: &Path, mut queue: Receiver<Intake>, runtime: &Handle) {
        let log = Arc::new(checkpoint::Log::default());
        let mut asked = None;
        let syncer = start_sync(db, &log, runtime);
        let mut conn = None;
        while let Some(first) = queue.blocking_recv() {
            let mut group = vec![first];
            gather(&mut group, || queue.try_recv().ok());
            let started = std::time::Instant::now();
            match commit(core, db, &mut conn, &group, (&log, &mut asked), runtime) {
                Ok(results) => {
                    tracing::debug!(
                        size = group.len(),
                        elapsed_us = started.elapsed().as_micros() as u64,
                        "intake group committed"
                    );
                    if let Err(SendError(acks)) = syncer.send(acks(group, results)) {
                        for (reply, _) in acks {
                            let _ = reply.send(Err(Error::Unavailable(
                                "the WAL sync threads stopped".into(),
                            )));
                        }
                    }
                }
                Err(e) => {
                    // A database error (its ids cannot be taken under it:
                    // the write lock is held from the read of the ids on).
                    // The pool's path tries the group again, then with a
                    // savepoint per submission, so that only a culprit
                    // fails, and answers every caller.
                    tracing::debug!(error = %e, "the intake writer's batch failed; the group goes through the pool");
                    conn = None;
                    runtime.block_on(core.commit_group(group));
                }
            }
        }
    }

    /// Starts the WAL sync threads (and the checkpointer they nudge);
    /// returns where committed groups go to be answered.
    fn start_sync(db: &Path, log: &Arc<checkpoint::Log>, runtime: &Handle) -> Sender<Vec<Ack>> {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let wal = std::path::PathBuf::from(wal);
        let (nudge, nudges) = std::sync::mpsc::sync_channel(1);
        let shared = log.clone();
        let file = db.to_path_buf();
        std::thread::Builder::new()
            .name("ppid-checkpoint".into())
            .spawn(move || checkpoint::run(&file, &nudges, &shared))
            .expect("spawning the checkpoint thread");
        let (tx, rx) = std::sync::mpsc::channel();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for _ in 0..wal_sync::THREADS {
            let (wal, rx, nudge) = (wal.clone(), rx.clone(), nudge.clone());
            let runtime = runtime.clone();
            std::thread::Builder::new()
                .name("ppid-wal-sync".into())
                .spawn(move || wal_sync::run(&wal, &rx, &nudge, &runtime))
                .expect("spawning a WAL sync thread");
        }
        tx
    }

    fn open(db: &Path) -> rusqlite::Result<Connection> {
        let conn = super::open_writer(db)?;
        // As the pool's connections (connect_options), except: NORMAL (the
        // sync thread flushes), no automatic checkpoint (the checkpoint
        // thread copies, and `commit` restarts the log), and no foreign-key
        // checks: the writer's rows refer only to agencies it read in the
        // same transaction (agencies are never deleted) and to the request
        // it has just inserted, and the three lookups a submission cost ~6%
        // of intake (BENCHMARKS.md). Every other connection checks them.
        conn.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
             PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{};",
            super::cache_kib()
        ))?;
        // The group's statements, and one per set of figure columns.
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Registers a group in one transaction and commits it (not yet durable:
    /// the sync thread flushes). Any error leaves nothing written.
    fn commit(
        core: &Core,
        db: &Path,
        conn: &mut Option<Connection>,
        group: &[Intake],
        (log, asked): (&checkpoint::Log, &mut Option<u64>),
        runtime: &Handle,
    ) -> Result<Vec<Result<Submitted>>> {
        let conn = match conn {
            Some(conn) => conn,
            none => none.insert(open(db).map_err(sqlite)?),
        };
        if log.restart_due(asked) {
            let started = std::time::Instant::now();
            conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
                .map_err(sqlite)?;
            log.restarted(asked);
            tracing::debug!(
                elapsed_us = started.elapsed().as_micros() as u64,
                "WAL restarted"
            );
        }
        for _ in 0..ATTEMPTS {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sqlite)?;
            let Some((agencies, calendar)) = cached(core, &tx)? else {
                // Read them through the pool, outside the write lock (a pool
                // connection may be waiting for it), and begin again.
                drop(tx);
                runtime.block_on(refresh_caches(core))?;
                continue;
            };
            let results = register(core, &tx, group, &agencies, &calendar)?;
            let (answers, cells) = collect_contributions(results);
            if core.settings.maintain_figures {
                add_figures(&tx, &cells)?;
            }
            tx.commit().map_err(sqlite)?;
            return Ok(answers);
        }
        Err(Error::Aborted(
            "the agencies or the calendar changed under every attempt".into(),
        ))
    }

    /// Every agency, and the calendar data.
    type Lookups = (Arc<Vec<Agency>>, Arc<CalendarData>);

    /// The agencies and calendar as of this transaction, if the caches hold
    /// them.
    fn cached(core: &Core, tx: &Connection) -> Result<Option<Lookups>> {
        let (n, sum): (i64, Option<i64>) = tx
            .prepare_cached(AGENCIES_STAMP)
            .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))))
            .map_err(sqlite)?;
        let version: i64 = tx
            .prepare_cached(CALENDAR_VERSION_SQL)
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(sqlite)?;
        Ok(core
            .cached_agencies((n, sum.unwrap_or(0)))
            .zip(core.cached_calendar(version)))
    }

    /// Reads the agencies and the calendar into their caches, if they
    /// changed.
    async fn refresh_caches(core: &Core) -> Result<()> {
        core.load_agencies().await?;
        let mut conn = core.pool.acquire().await?;
        core.calendar_data(&mut conn).await?;
        Ok(())
    }

    static FETCH_REQUEST: &str = concat!(
        "SELECT ",
        request_columns!(),
        ", body_hash FROM requests WHERE id = $1"
    );
    static ONE_REQUEST: LazyLock<String> = LazyLock::new(|| one_row(INSERT_REQUEST, 38));
    static ONE_EVENT: LazyLock<String> = LazyLock::new(|| one_row(INSERT_EVENT, 10));
    static ONE_HIST: LazyLock<String> =
        LazyLock::new(|| format!("{}{}", one_row(INSERT_HIST, 5), HIST_CONFLICT));

    /// `head VALUES ($1, ..., $n)`.
    fn one_row(head: &str, n: usize) -> String {
        let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        format!("{head}VALUES ({})", marks.join(", "))
    }

    /// The group's registration, as `Core::register_batch` does it, with a
    /// prepared statement per row instead of multi-row statements (no
    /// round trips to save here).
    fn register(
        core: &Core,
        tx: &Connection,
        group: &[Intake],
        list: &[Agency],
        calendar: &CalendarData,
    ) -> Result<Vec<Result<(Submitted, Contributions)>>> {
        let mut existing: HashMap<Uuid, (Request, String)> = HashMap::new();
        let mut fetch = tx.prepare_cached(FETCH_REQUEST).map_err(sqlite)?;
        for job in group {
            if existing.contains_key(&job.new.id) {
                continue;
            }
            let found = fetch
                .query_row([job.new.id.to_string()], |row| {
                    let hash: String = row.get(Col::NAMES.len())?;
                    Ok(super::request_from(row).map(|r| (r, hash)))
                })
                .optional()
                .map_err(sqlite)?;
            if let Some(found) = found {
                existing.insert(job.new.id, found?);
            }
        }
        // The list is in SQLite's BINARY order of ids: byte order, as str's.
        let agencies: HashMap<String, Agency> = agency_ids(group)
            .into_iter()
            .filter_map(|id| {
                let i = list.binary_search_by(|a| a.id.as_str().cmp(&id)).ok()?;
                Some((id, list[i].clone()))
            })
            .collect();
        let plan = core.plan_batch(group, &existing, &agencies, calendar);
        let mut first = BTreeMap::new();
        let mut reserve = tx.prepare_cached(RESERVE_NUMBERS).map_err(sqlite)?;
        for ((pemda, year), n) in plan.blocks() {
            let last: i64 = reserve
                .query_row(
                    rusqlite::params![pemda, i64::from(year), "request", n],
                    |r| r.get(0),
                )
                .map_err(sqlite)?;
            first.insert((pemda, year), last - n + 1);
        }
        let rows = plan.rows(group, first);
        let mut insert = tx.prepare_cached(&ONE_REQUEST).map_err(sqlite)?;
        let mut insert_event = tx.prepare_cached(&ONE_EVENT).map_err(sqlite)?;
        for row in &rows.rows {
            insert
                .execute(rusqlite::params_from_iter(request_args(&row.new_row())?))
                .map_err(sqlite)?;
            let (r, event, record_time, actor) = row.first_event();
            insert_event
                .execute(rusqlite::params_from_iter(event_args(
                    r,
                    event,
                    record_time,
                    actor,
                )?))
                .map_err(sqlite)?;
        }
        Ok(plan.finish(group, rows))
    }

    /// Adds the group's contributions to the figures' cells.
    fn add_figures(tx: &Connection, cells: &Contributions) -> Result<()> {
        let rows = FigureRows::of(cells);
        let mut hist = tx.prepare_cached(&ONE_HIST).map_err(sqlite)?;
        for ((agency, month, span, days), n) in rows.hist {
            hist.execute(rusqlite::params![agency, month, span, days, n])
                .map_err(sqlite)?;
        }
        for (names, cells) in rows.counters {
            let sql = format!(
                "{}{}",
                one_row(&insert_counters(&names), names.len() + 2),
                counters_conflict(&names)
            );
            let mut upsert = tx.prepare_cached(&sql).map_err(sqlite)?;
            for (agency, month, values) in cells {
                let args = [agency.into(), month.into()]
                    .into_iter()
                    .chain(values.into_iter().map(Arg::from));
                upsert
                    .execute(rusqlite::params_from_iter(args))
                    .map_err(sqlite)?;
            }
        }
        Ok(())
    }

    fn sqlite(e: rusqlite::Error) -> Error {
        Error::Internal(anyhow::anyhow!("intake writer: {e}"))
    }

    impl rusqlite::ToSql for Arg {
        fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
            match self {
                Arg::Int(v) => v.to_sql(),
                Arg::Text(v) => v.to_sql(),
                Arg::Flag(v) => v.to_sql(),
            }
        }
    }

    impl Columns for rusqlite::Row<'_> {
        fn str(&self, c: Col) -> Result<Option<&str>> {
            match self.get_ref(c as usize).map_err(sqlite)? {
                ValueRef::Null => Ok(None),
                ValueRef::Text(b) => std::str::from_utf8(b)
                    .map(Some)
                    .map_err(|_| mistyped(c.name())),
                _ => Err(mistyped(c.name())),
            }
        }

        fn int(&self, c: Col) -> Result<Option<i64>> {
            match self.get_ref(c as usize).map_err(sqlite)? {
                ValueRef::Null => Ok(None),
                ValueRef::Integer(v) => Ok(Some(v)),
                _ => Err(mistyped(c.name())),
            }
        }

        fn flag(&self, c: Col) -> Result<Option<bool>> {
            Ok(self.int(c)?.map(|v| v != 0))
        }
    }
}
