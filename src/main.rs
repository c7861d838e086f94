//! The `ppid` binary: `serve`, `migrate`, `generate`, `report`, `export`,
//! `letter`, `keys`, `backup`, `import`.
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use ppid::{
    api::AppState,
    clock::SystemClock,
    config::{Cli, Command, redact_url},
    store, telemetry,
};

/// mimalloc: many small strings are allocated on one thread and freed on
/// another (the export's reader and writer; handlers and the store's writer).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Keys(command) => ppid::cli::keys(command).await?,
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
                ppid::generate::generate(store, &plan, |n| bar.set_position(n as u64)).await?;
            bar.finish_and_clear();
            println!(
                "generated {} agencies ({} DIP entries), {} requests, {} objections, {} disputes in {:.1} s",
                summary.agencies,
                summary.dip_entries,
                summary.requests,
                summary.objections,
                summary.disputes,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Report(cmd) => {
            telemetry::init(cmd.database().log_format);
            ppid::cli::report(cmd).await?;
        }
        Command::Export(cmd) => {
            telemetry::init(cmd.database().log_format);
            ppid::cli::export(cmd).await?;
        }
        Command::Import(cmd) => {
            telemetry::init(cmd.database().log_format);
            ppid::cli::import(cmd).await?;
        }
        Command::Backup(args) => {
            telemetry::init(args.database.log_format);
            ppid::cli::backup(args).await?;
        }
        Command::Letter(args) => {
            telemetry::init(args.database.log_format);
            ppid::cli::letter(args).await?;
        }
        Command::Serve(args) => {
            telemetry::init(args.database.log_format);
            // Refused before anything opens (e.g. scheduled backups on
            // PostgreSQL).
            let server_settings = args.server_settings()?;
            if let Some(dir) = &args.backup_dir {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("--backup-dir {}", dir.display()))?;
            }
            let settings = args.store_settings();
            let store = store::connect(&args.database.database_url, settings)
                .await
                .with_context(|| {
                    format!(
                        "opening the database {}",
                        redact_url(&args.database.database_url)
                    )
                })?;
            // Listen for signals before saying we serve (see `shutdown`).
            let shutdown = ppid::shutdown::signal();
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("listening on {}", args.listen))?;
            let metrics = match args.metrics_listen {
                Some(addr) => Some(
                    tokio::net::TcpListener::bind(addr)
                        .await
                        .with_context(|| format!("--metrics-listen {addr}: cannot listen"))?,
                ),
                None => None,
            };
            // The metrics address as bound (port 0 picks one), or "off".
            let metrics_listen = match &metrics {
                Some(l) => l.local_addr()?.to_string(),
                None => "off".to_string(),
            };
            // Where a person opens the portal (or "off").
            let portal = if args.no_portal {
                "off".to_string()
            } else {
                format!("http://{}/", listener.local_addr()?)
            };
            tracing::info!(
                listen = %listener.local_addr()?,
                portal = %portal,
                metrics = %metrics_listen,
                database = %redact_url(&args.database.database_url),
                read_replica = %args.read_database_url.as_deref().map_or("none".to_string(), redact_url),
                cuti_bersama_is_working_day = args.cuti_bersama_is_working_day,
                "ppid serving"
            );
            let keys = store.active_key_count().await?;
            if !store.keys_exist().await? {
                anyhow::ensure!(
                    !args.require_api_keys,
                    "no API keys exist and PPID_REQUIRE_API_KEYS is set: create one with \
                     `ppid keys create --role admin --name operator`"
                );
                tracing::warn!(
                    "OPEN MODE: no API keys exist, so every caller may do everything and sees \
                     personal data. For local use only: create a key with `ppid keys create` \
                     (open mode ends with the first key) and set PPID_REQUIRE_API_KEYS=true in \
                     production"
                );
            } else if keys == 0 {
                tracing::warn!(
                    "API keys required, but every key is revoked: only public calls work. \
                     `ppid keys create --role admin` on the database makes a new one"
                );
            } else {
                tracing::info!(active_keys = keys, "API keys required");
            }
            let state = AppState::new(store, Arc::new(SystemClock), server_settings);
            ppid::serve_with_metrics(listener, metrics, state, shutdown, args.shutdown_grace())
                .await?;
            tracing::info!("stopped");
        }
    }
    Ok(())
}
