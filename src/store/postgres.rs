//! PostgreSQL: for deployments where several `ppid serve` processes share
//! one database. Every guarantee (numbers, idempotency, etags) lives in the
//! database: counters are row-locked upserts, versions are checked in
//! UPDATE. Each server's writer has a connection of its own beside the
//! read pool.
use std::time::Duration;

use anyhow::Context as _;
use sqlx::{ConnectOptions as _, postgres::PgPoolOptions};

use super::{
    RequestCursor, RequestFilter,
    core::{Reader, Replica},
    report::{Newest, page_query},
    rows::request_from_row,
    writer::Source,
};
use crate::{
    domain::request::Request,
    error::{Error, Result},
};

/// How long a call waits for a connection before UNAVAILABLE.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Connections for export streams, apart from the read pool: as many as the
/// server streams at once by default (`--max-exports`), so that exports
/// never hold more of the database's connections than this.
const EXPORT_CONNECTIONS: u32 = crate::api::DEFAULT_MAX_EXPORTS;

/// How long an export waits for one of those connections (when an operator
/// allows more exports than connections) before UNAVAILABLE.
const EXPORT_WAIT: Duration = Duration::from_secs(30);

/// The PostgreSQL migrations this build applies.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How long a start waits for the replica to replay the schema the primary
/// was just migrated to.
const REPLICA_SCHEMA_WAIT: Duration = Duration::from_secs(30);

/// Waits until the replica has every migration of this build (it replays
/// the primary's, a moment after the start migrated it); refuses to start
/// when it does not within [`REPLICA_SCHEMA_WAIT`] (not a replica of this
/// database, or far behind).
async fn wait_for_schema(
    replica: &sqlx::PgPool,
    replica_url: &str,
    url: &str,
) -> anyhow::Result<()> {
    let want = MIGRATOR.iter().map(|m| m.version).max();
    let started = std::time::Instant::now();
    loop {
        let has: Result<Option<i64>, sqlx::Error> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(replica)
                .await;
        let problem = match has {
            Ok(has) if has >= want => return Ok(()),
            Ok(has) => format!("it has migration {has:?}, this build {want:?}"),
            Err(e) => format!("it holds no ppid schema ({e})"),
        };
        if started.elapsed() >= REPLICA_SCHEMA_WAIT {
            anyhow::bail!(
                "--read-database-url: the replica {} has not caught up with the schema of {} \
                 after {} s: {problem}; is it a streaming replica of that database?",
                crate::config::redact_url(replica_url),
                crate::config::redact_url(url),
                REPLICA_SCHEMA_WAIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Connections of the read pool (and of a replica's).
const READ_CONNECTIONS: u32 = 16;

/// A pool of `size` connections to `url` that fails fast (UNAVAILABLE)
/// when the database is down, never hangs.
async fn pool(url: &str, size: u32) -> sqlx::Result<sqlx::PgPool> {
    PgPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect(url)
        .await
}

/// A pool for export streams beside `read`, on the same database.
fn export_pool(read: &sqlx::PgPool) -> sqlx::PgPool {
    // Exports run long: without sqlx's slow-statement warning, which a long
    // export would raise every time. Connected on first use.
    PgPoolOptions::new()
        .max_connections(EXPORT_CONNECTIONS)
        .acquire_timeout(EXPORT_WAIT)
        .idle_timeout(Duration::from_secs(60))
        .connect_lazy_with(
            (*read.connect_options())
                .clone()
                .disable_statement_logging(),
        )
}

/// Opens the pools and migrates: the writer's connection (a pool of one,
/// so that it reconnects after an outage, and so that reads can never take
/// the connection the writer needs), the read pool and the export pool;
/// with `replica_url` (`--read-database-url`), a read and an export pool
/// on the replica too (never migrated: a standby is read-only and gets the
/// schema from the primary).
pub(super) async fn open(url: &str, replica_url: Option<&str>) -> anyhow::Result<(Source, Reader)> {
    let read = pool(url, READ_CONNECTIONS).await?;
    // Several processes may start at once; sqlx's migrator takes an advisory lock.
    MIGRATOR.run(&read).await?;
    super::figures::backfill_counters(&mut super::db::Conn::Postgres(&mut *read.acquire().await?))
        .await?;
    let write = pool(url, 1).await?;
    let export = export_pool(&read);
    let replica = match replica_url {
        None => None,
        Some(r) => {
            let read = pool(r, READ_CONNECTIONS).await.with_context(|| {
                format!(
                    "--read-database-url: cannot reach the replica {}",
                    crate::config::redact_url(r)
                )
            })?;
            wait_for_schema(&read, r, url).await?;
            let export = export_pool(&read);
            Some(Replica { read, export })
        }
    };
    Ok((
        Source::Postgres(write),
        Reader::Postgres {
            read,
            export,
            replica,
        },
    ))
}

/// PostgreSQL streams the export as one query, cut into pages here: the
/// server produces rows while this task decodes the ones before, and the
/// whole export reads one snapshot. It holds a connection of the export
/// pool while it streams.
pub(super) fn spawn_export(
    pool: sqlx::PgPool,
    filter: RequestFilter,
    after: Option<RequestCursor>,
    size: usize,
    tx: tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
) {
    tokio::spawn(async move {
        if let Err(e) = stream_export(&pool, &filter, after, size, &tx).await {
            let _ = tx.send(Err(e)).await;
        }
    });
}

/// Sends the export's pages, then an empty one; stops early (Ok) when the
/// consumer goes away.
async fn stream_export(
    pool: &sqlx::PgPool,
    filter: &RequestFilter,
    after: Option<RequestCursor>,
    size: usize,
    tx: &tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
) -> Result<()> {
    let mut conn = pool.acquire().await.map_err(|e| match e {
        sqlx::Error::PoolTimedOut => {
            Error::Unavailable("every export connection is busy; retry later".into())
        }
        e => e.into(),
    })?;
    let query = page_query(filter, after, i64::MAX, Newest::Last, true);
    let mut conn = super::db::Conn::Postgres(&mut conn);
    let mut page = Vec::with_capacity(size);
    let mut rows = conn.fetch(query);
    while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
        page.push(request_from_row(&row)?);
        if page.len() == size {
            let full = std::mem::replace(&mut page, Vec::with_capacity(size));
            if tx.send(Ok(full)).await.is_err() {
                return Ok(()); // the consumer went away
            }
        }
    }
    if !page.is_empty() && tx.send(Ok(page)).await.is_err() {
        return Ok(());
    }
    // The end: an empty page.
    let _ = tx.send(Ok(Vec::new())).await;
    Ok(())
}
