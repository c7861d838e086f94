//! SQLite: the embedded default. WAL, a busy timeout, `synchronous=FULL` so an
//! acknowledged write survives power loss, and `BEGIN IMMEDIATE` for writes so
//! concurrent writers queue instead of failing.
use std::{str::FromStr, time::Duration};

use sqlx::{
    Sqlite, Transaction,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

type Db = Sqlite;

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
