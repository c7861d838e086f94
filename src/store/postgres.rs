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

async fn open_pool(url: &str) -> anyhow::Result<sqlx::Pool<Db>> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        // Fail fast with UNAVAILABLE when the database is down, never hang.
        .acquire_timeout(Duration::from_secs(3))
        .connect(url)
        .await?;
    // Several processes may start at once; sqlx's migrator takes an advisory lock.
    sqlx::migrate!("migrations/postgres").run(&pool).await?;
    Ok(pool)
}

/// Group commit here too: one commit and one write per figure cell for a whole
/// group measured faster than a transaction per submission (BENCHMARKS.md).
const GROUP_COMMIT: bool = true;

/// The intake writer's transactions come from the pool (it reconnects after
/// an outage), and a PostgreSQL commit is durable when it returns.
struct IntakeLine;

impl IntakeLine {
    fn new(_pool: &sqlx::Pool<Db>) -> Self {
        Self
    }

    async fn begin(&mut self, pool: &sqlx::Pool<Db>) -> Result<Transaction<'_, Db>, sqlx::Error> {
        begin_write(pool).await
    }

    fn acknowledge(&self, acks: Vec<Ack>) {
        for (reply, result) in acks {
            let _ = reply.send(result);
        }
    }

    fn failed(&mut self) {}
}

include!("common.rs");
include!("dik.rs");
include!("figures.rs");
include!("keys.rs");
include!("report.rs");

/// PostgreSQL reads the export's pages with sqlx, ahead of the consumer.
fn spawn_export(
    pool: sqlx::Pool<Db>,
    filter: RequestFilter,
    after: Option<RequestCursor>,
    size: usize,
    tx: tokio::sync::mpsc::Sender<Result<Vec<Request>>>,
) {
    spawn_paged_export(pool, filter, after, size, tx);
}
