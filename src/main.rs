//! The `ppid` binary: `serve`, `migrate`, `generate`, `report`, `export`.
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
        Command::Generate(g) => {
            telemetry::init(g.database.log_format);
            let store =
                store::connect(&g.database.database_url, store::StoreSettings::default()).await?;
            let plan = ppid::generate::Plan {
                requests: g.requests,
                pemdas: g.pemdas,
                opds_per_pemda: g.opds_per_pemda,
                year: g.year,
                seed: g.seed,
            };
            let started = std::time::Instant::now();
            let bar = indicatif::ProgressBar::new(g.requests as u64);
            let summary =
                ppid::generate::generate(store.as_ref(), &plan, |n| bar.set_position(n as u64))
                    .await?;
            bar.finish_and_clear();
            println!(
                "generated {} agencies, {} requests, {} objections, {} disputes in {:.1} s",
                summary.agencies,
                summary.requests,
                summary.objections,
                summary.disputes,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Report(cmd) => {
            telemetry::init(cmd.database().log_format);
            ppid::report::cli::report(cmd).await?;
        }
        Command::Export(cmd) => {
            telemetry::init(cmd.database().log_format);
            ppid::report::cli::export(cmd).await?;
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
                allow_personal_data_export: args.allow_personal_data_export,
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
