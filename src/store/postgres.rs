//! PostgreSQL: for deployments where several `ppid serve` processes share one
//! database. Every guarantee (numbers, idempotency, etags) lives in the
//! database: counters are row-locked upserts, versions are checked in UPDATE.
use std::time::Duration;

use sqlx::{Postgres, Transaction, postgres::PgPoolOptions};

type Db = Postgres;
type DbRow = sqlx::postgres::PgRow;

/// Submissions take a share lock on the calendar version, so a holiday change
/// (which takes it exclusively) never interleaves with a due-date computation.
const CALENDAR_VERSION_SQL: &str = "SELECT version FROM calendar_state WHERE id = 1 FOR SHARE";

async fn begin_write(pool: &sqlx::Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    pool.begin().await
}

/// How long a call waits for a connection before UNAVAILABLE.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

async fn open_pool(url: &str) -> anyhow::Result<sqlx::Pool<Db>> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        // Fail fast with UNAVAILABLE when the database is down, never hang.
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect(url)
        .await?;
    // Several processes may start at once; sqlx's migrator takes an advisory lock.
    sqlx::migrate!("migrations/postgres").run(&pool).await?;
    Ok(pool)
}

/// Group commit here too: one commit and one write per figure cell for a whole
/// group measured faster than a transaction per submission (BENCHMARKS.md).
const GROUP_COMMIT: bool = true;

/// The intake writer is a task whose transactions come from the pool (it
/// reconnects after an outage); a PostgreSQL commit is durable when it
/// returns.
fn start_intake(core: Arc<Core>, queue: tokio::sync::mpsc::Receiver<Intake>) {
    tokio::spawn(intake_writer(core, queue));
}

include!("common.rs");
include!("dik.rs");
include!("figures.rs");
include!("keys.rs");
include!("report.rs");

/// PostgreSQL streams the export as one query, cut into pages here: the
/// server produces rows while this task decodes the ones before (a query per
/// page left it idle between pages: 179k rows/s against ~230k/s now), and
/// the whole export reads one snapshot. It runs on a connection of its own
/// without sqlx's slow-statement warning, which a long export would raise
/// every time.
fn spawn_export(
    pool: sqlx::Pool<Db>,
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
    pool: &sqlx::Pool<Db>,
    filter: &RequestFilter,
    after: Option<RequestCursor>,
    size: usize,
    tx: &tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
) -> Result<()> {
    use sqlx::ConnectOptions;
    let options = (*pool.connect_options())
        .clone()
        .disable_statement_logging();
    let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
        .await
        .map_err(|_| Error::Unavailable("the database did not answer in time".into()))??;
    let mut qb = page_query(filter, after, i64::MAX, Newest::Last).build();
    let mut rows = qb.build().fetch(&mut conn);
    let mut page = Vec::with_capacity(size);
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
