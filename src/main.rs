//! The `ppid` binary: `serve` and `migrate`.
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use ppid::{
    api::AppState,
    clock::SystemClock,
    config::{Cli, Command, redact_url},
    store, telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Migrate(db) => {
            telemetry::init(db.log_format);
            store::migrate(&db.database_url).await?;
            tracing::info!(database = %redact_url(&db.database_url), "migrations applied");
        }
        Command::Serve(args) => {
            telemetry::init(args.database.log_format);
            let settings = args.store_settings();
            let store = store::connect(&args.database.database_url, settings)
                .await
                .with_context(|| {
                    format!(
                        "opening the database {}",
                        redact_url(&args.database.database_url)
                    )
                })?;
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("listening on {}", args.listen))?;
            tracing::info!(
                listen = %listener.local_addr()?,
                database = %redact_url(&args.database.database_url),
                cuti_bersama_is_working_day = args.cuti_bersama_is_working_day,
                "ppid serving"
            );
            let state = AppState {
                store,
                clock: Arc::new(SystemClock),
            };
            ppid::serve(
                listener,
                state,
                ppid::shutdown::signal(),
                args.shutdown_grace(),
            )
            .await?;
            tracing::info!("stopped");
        }
    }
    Ok(())
}
