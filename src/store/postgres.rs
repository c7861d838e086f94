//! PostgreSQL: for deployments where several `ppid serve` processes share
//! one database. Every guarantee (numbers, idempotency, etags) lives in the
//! database: counters are row-locked upserts, versions are checked in
//! UPDATE. Each server's writer has a connection of its own beside the
//! read pool.
use std::time::Duration;

use sqlx::{ConnectOptions as _, postgres::PgPoolOptions};

use super::{
    RequestCursor, RequestFilter,
    core::Reader,
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

/// Opens the pools and migrates: the writer's connection (a pool of one,
/// so that it reconnects after an outage, and so that reads can never take
/// the connection the writer needs), the read pool and the export pool.
pub(super) async fn open(url: &str) -> anyhow::Result<(Source, Reader)> {
    let pool = |size| {
        PgPoolOptions::new()
            .max_connections(size)
            // Fail fast with UNAVAILABLE when the database is down, never hang.
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect(url)
    };
    let read = pool(16).await?;
    // Several processes may start at once; sqlx's migrator takes an advisory lock.
    sqlx::migrate!("migrations/postgres").run(&read).await?;
    super::figures::backfill_counters(&mut super::db::Conn::Postgres(&mut *read.acquire().await?))
        .await?;
    let write = pool(1).await?;
    // Exports run long: without sqlx's slow-statement warning, which a long
    // export would raise every time. Connected on first use.
    let export = PgPoolOptions::new()
        .max_connections(EXPORT_CONNECTIONS)
        .acquire_timeout(EXPORT_WAIT)
        .idle_timeout(Duration::from_secs(60))
        .connect_lazy_with(
            (*read.connect_options())
                .clone()
                .disable_statement_logging(),
        );
    Ok((Source::Postgres(write), Reader::Postgres { read, export }))
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
