//! Benchmark of the figures (issue: figures, openness scores and rankings).
//!
//! On a database filled by `ppid generate`: the latency of GetRanking and
//! GetAgencyStatistics for a year through a real gRPC server, beside the time
//! of a naive recomputation of the same figures from the register; then the
//! SubmitRequest throughput with and without the figure cells, in one run.
//! Loopback only; every loop is bounded.
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use clap::Parser;
use ppid::{
    app::App,
    clock::SystemClock,
    domain::{AgencyKind, agency::NewAgency, stats::Counter},
    pb::ppid::v1::{
        self as pb, indicator_service_client::IndicatorServiceClient,
        request_service_client::RequestServiceClient,
    },
    store::{self, StoreSettings},
};
use ppid_bench::{percentile, start, submission, time_calls};
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    /// The generated database (SQLite path or postgres:// URL).
    #[arg(long)]
    database_url: String,
    /// The generated year.
    #[arg(long, default_value_t = 2025)]
    year: i32,
    /// Timed calls per query.
    #[arg(long, default_value_t = 30)]
    iterations: usize,
    /// Naive recomputations timed per query.
    #[arg(long, default_value_t = 3)]
    naive_iterations: usize,
    /// Seconds of SubmitRequest load per variant (0: skip).
    #[arg(long, default_value_t = 20)]
    submit_seconds: u64,
    /// Phases per variant of the SubmitRequest load, alternating between
    /// the variants (each gets `submit_seconds` in all): more phases, less
    /// drift between them.
    #[arg(long, default_value_t = 2)]
    submit_rounds: u32,
    /// Seconds of loadgen's mixed load per variant (0: skip), alternating
    /// like the SubmitRequest load over `submit_rounds` phases; runs the
    /// `loadgen` binary beside this one.
    #[arg(long, default_value_t = 0)]
    mix_seconds: u64,
    /// Concurrent submitting clients.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Where the with/without databases go: a directory for SQLite files, or
    /// a postgres:// admin URL (fresh databases are created and dropped).
    #[arg(long, default_value = "")]
    submit_database: String,
}

fn year(y: i32) -> Option<pb::Period> {
    Some(pb::Period {
        kind: Some(pb::period::Kind::Year(y)),
    })
}

async fn submit_load(
    channels: &[Channel],
    concurrency: usize,
    seconds: f64,
    agency: &str,
) -> anyhow::Result<(u64, u64)> {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let mut client = RequestServiceClient::new(channels[i % channels.len()].clone());
        let agency = agency.to_string();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u64, 0u64);
            while Instant::now() < deadline {
                let req = submission(&agency, "Data uji");
                match client.submit_request(req).await {
                    Ok(_) => ok += 1,
                    Err(_) => failed += 1,
                }
            }
            (ok, failed)
        }));
    }
    let mut total = (0, 0);
    for t in tasks {
        let (o, f) = t.await?;
        total.0 += o;
        total.1 += f;
    }
    Ok(total)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (_, channel, store, stop) = start(&args.database_url, StoreSettings::default())
        .await
        .context("opening the generated database")?;
    let ind = IndicatorServiceClient::new(channel.clone());
    println!(
        "# figures benchmark on {} (year {})",
        if store::is_postgres(&args.database_url) {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        args.year
    );

    let all = store.list_agencies(None, None, 100_000).await?;
    let pemda = all
        .iter()
        .find(|a| a.kind == AgencyKind::Pemda)
        .context("no Pemda: run ppid generate first")?
        .clone();
    let opd = all
        .iter()
        .find(|a| a.parent_id.as_deref() == Some(&pemda.id))
        .context("no OPD")?
        .clone();
    let subtree: Vec<_> = all
        .iter()
        .filter(|a| a.path.starts_with(&pemda.path))
        .cloned()
        .collect();
    let (from, to) = (
        jiff::civil::Date::new(args.year as i16, 1, 1)?,
        jiff::civil::Date::new(args.year as i16, 12, 31)?,
    );

    type Query<'a> = (&'a str, Vec<ppid::domain::agency::Agency>);
    let pemdas = all
        .iter()
        .filter(|a| a.comparison_group == "pemda/root")
        .count();
    println!(
        "\n{} agencies, {pemdas} Pemdas at the top (`pemda/root`); Pemda {} has {} agencies",
        all.len(),
        pemda.id,
        subtree.len()
    );
    println!("\n| query | p50 ms | p90 ms | max ms | naive recomputation ms | naive / p50 |");
    println!("|---|---|---|---|---|---|");
    // Labels name the shape measured: the national read grows with the
    // country, the per-Pemda reads should not.
    let labels = [
        format!("national: GetRanking of the {pemdas} Pemdas, each pooled over its agencies"),
        format!(
            "per Pemda: GetRanking of the {} OPDs of one Pemda",
            subtree.len() - 1
        ),
        format!(
            "per Pemda: GetAgencyStatistics of one Pemda with its {} OPDs",
            subtree.len() - 1
        ),
        "per agency: GetAgencyStatistics of one OPD".to_string(),
    ];
    let queries: Vec<Query> = vec![
        (&labels[0], all.clone()),
        (&labels[1], subtree.clone()),
        (&labels[2], subtree.clone()),
        (&labels[3], vec![opd.clone()]),
    ];
    for (i, (label, naive_scope)) in queries.into_iter().enumerate() {
        let ms = time_calls(args.iterations, || {
            let mut c = ind.clone();
            let pemda = pemda.id.clone();
            let opd = opd.id.clone();
            let y = args.year;
            async move {
                match i {
                    0 => drop(
                        c.get_ranking(pb::GetRankingRequest {
                            comparison_group: "pemda/root".into(),
                            period: year(y),
                            ..Default::default()
                        })
                        .await?,
                    ),
                    1 => drop(
                        c.get_ranking(pb::GetRankingRequest {
                            parent: format!("agencies/{pemda}"),
                            period: year(y),
                            ..Default::default()
                        })
                        .await?,
                    ),
                    2 => drop(
                        c.get_agency_statistics(pb::GetAgencyStatisticsRequest {
                            agency: format!("agencies/{pemda}"),
                            period: year(y),
                            include_sub_agencies: true,
                        })
                        .await?,
                    ),
                    _ => drop(
                        c.get_agency_statistics(pb::GetAgencyStatisticsRequest {
                            agency: format!("agencies/{opd}"),
                            period: year(y),
                            include_sub_agencies: false,
                        })
                        .await?,
                    ),
                }
                Ok(())
            }
        })
        .await?;
        let mut naive = Vec::new();
        for _ in 0..args.naive_iterations {
            let t = Instant::now();
            store.recompute_totals(&naive_scope, from, to).await?;
            naive.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        naive.sort_by(f64::total_cmp);
        let p50 = percentile(&ms, 0.5);
        // `--naive-iterations 0` leaves the recomputation out (at national
        // size it takes minutes).
        let (naive_ms, ratio) = if naive.is_empty() {
            ("–".to_string(), "–".to_string())
        } else {
            let n50 = percentile(&naive, 0.5);
            (format!("{n50:.0}"), format!("{:.0}x", n50 / p50))
        };
        println!(
            "| {label} | {p50:.2} | {:.2} | {:.2} | {naive_ms} | {ratio} |",
            percentile(&ms, 0.9),
            ms[ms.len() - 1],
        );
    }
    // The cells and the recomputation must agree.
    let ids: Vec<String> = subtree.iter().map(|a| a.id.clone()).collect();
    let cells = store
        .month_totals(
            store::CellLevel::Agency,
            &ids,
            &format!("{}-01", args.year),
            &format!("{}-12", args.year),
            &Counter::all(),
            true,
        )
        .await?;
    let naive = store.recompute_totals(&subtree, from, to).await?;
    let mut mismatches = 0;
    for id in &ids {
        if cells.get(id).cloned().unwrap_or_default() != naive.get(id).cloned().unwrap_or_default()
        {
            mismatches += 1;
        }
    }
    println!(
        "\ncells vs recomputation for {} agencies of {}: {mismatches} mismatches",
        ids.len(),
        pemda.id
    );
    // Each Pemda's own cells against the sum of its agencies' cells.
    let (first, last) = (format!("{}-01", args.year), format!("{}-12", args.year));
    let all_ids: Vec<String> = all.iter().map(|a| a.id.clone()).collect();
    let agency_cells = store
        .month_totals(
            store::CellLevel::Agency,
            &all_ids,
            &first,
            &last,
            &Counter::all(),
            false,
        )
        .await?;
    let mut summed: HashMap<&str, ppid::domain::figures::Totals> = HashMap::new();
    for a in &all {
        if let Some(t) = agency_cells.get(&a.id) {
            summed.entry(a.pemda_id.as_str()).or_default().merge(t);
        }
    }
    let pemda_ids: Vec<String> = summed.keys().map(|k| k.to_string()).collect();
    let pemda_cells = store
        .month_totals(
            store::CellLevel::Pemda,
            &pemda_ids,
            &first,
            &last,
            &Counter::all(),
            false,
        )
        .await?;
    let pemda_mismatches = pemda_ids
        .iter()
        .filter(|p| pemda_cells.get(*p) != summed.get(p.as_str()))
        .count();
    println!(
        "Pemda cells vs the sum of their agencies' cells for {} Pemdas: {pemda_mismatches} mismatches",
        pemda_ids.len()
    );
    // Each Pemda's overdue requests from its unanswered cells (the year's
    // ended months) against the register alone (the same year in two
    // ranges that are not whole months, which the store reads from it).
    let now = jiff::Timestamp::now();
    let overdue = |from: jiff::civil::Date, to: jiff::civil::Date| {
        store.overdue_unanswered(store::CellLevel::Pemda, &pemda_ids, from, to, now)
    };
    let from_cells = overdue(from, to).await?;
    let mid = jiff::civil::Date::new(args.year as i16, 6, 14)?;
    let mut from_register = overdue(from, mid).await?;
    for (k, n) in overdue(mid.tomorrow()?, to).await? {
        *from_register.entry(k).or_insert(0) += n;
    }
    let overdue_mismatches = pemda_ids
        .iter()
        .filter(|p| {
            from_cells.get(*p).copied().unwrap_or(0) != from_register.get(*p).copied().unwrap_or(0)
        })
        .count();
    println!(
        "unanswered cells vs the register for {} Pemdas ({} overdue requests): {overdue_mismatches} mismatches",
        pemda_ids.len(),
        from_register.values().sum::<i64>()
    );
    // Each Pemda's "now" figures (past due, overdue for delivery) from the
    // due-month cells against one pass over the register.
    let now_micros = now.as_microsecond();
    let register_sql = "SELECT pemda_id, \
         CAST(SUM(CASE WHEN state = 'pending' AND due_end_time <= $1 THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN state = 'responded' AND delivery_due_end_time <= $1 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM requests GROUP BY pemda_id";
    // The same query on either backend's pool.
    macro_rules! fetch_register {
        ($pool:expr) => {{
            let pool = $pool;
            let rows: Vec<(String, i64, i64)> = sqlx::query_as(register_sql)
                .bind(now_micros)
                .fetch_all(&pool)
                .await?;
            pool.close().await;
            rows
        }};
    }
    let rows = if store::is_postgres(&args.database_url) {
        fetch_register!(sqlx::PgPool::connect(&args.database_url).await?)
    } else {
        fetch_register!(
            sqlx::SqlitePool::connect(&format!("sqlite://{}", args.database_url)).await?
        )
    };
    let register: HashMap<String, (i64, i64)> =
        rows.into_iter().map(|(p, a, b)| (p, (a, b))).collect();
    let mut by_pemda: HashMap<&str, Vec<ppid::domain::agency::Agency>> = HashMap::new();
    for a in &all {
        by_pemda
            .entry(a.pemda_id.as_str())
            .or_default()
            .push(a.clone());
    }
    let (mut now_mismatches, mut counted) = (0, (0, 0));
    for (p, agencies) in &by_pemda {
        let want = register.get(*p).copied().unwrap_or((0, 0));
        // Agency by agency, and from the Pemda's own cells.
        let root: Vec<_> = agencies.iter().filter(|a| a.id == *p).cloned().collect();
        for got in [
            store.now_counts(agencies, &[], now).await?,
            store.now_counts(&[], &root, now).await?,
        ] {
            if (got.past_due, got.overdue_for_delivery) != want {
                now_mismatches += 1;
            }
        }
        counted = (counted.0 + want.0, counted.1 + want.1);
    }
    println!(
        "now figures (by agency, by Pemda) vs the register for {} Pemdas ({} past due, {} overdue for delivery): {now_mismatches} mismatches",
        by_pemda.len(),
        counted.0,
        counted.1
    );
    let _ = stop.send(());

    if args.submit_seconds > 0 || args.mix_seconds > 0 {
        // Three fresh databases, the same load, alternating phases.
        let dir = tempfile_dir()?;
        let mut servers = Vec::new();
        let mut created = Vec::new();
        for (label, maintain, national_cells) in [
            ("with figure cells and national cells", true, true),
            ("with figure cells, without national cells", true, false),
            ("without any cells", false, false),
        ] {
            let url = if store::is_postgres(&args.submit_database) {
                let name = format!("ppid_bench_{}", uuid::Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(&args.submit_database).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                created.push(name.clone());
                let base = args
                    .submit_database
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or_default();
                format!("{base}/{name}")
            } else {
                format!(
                    "{}/{}.db",
                    if args.submit_database.is_empty() {
                        dir.clone()
                    } else {
                        args.submit_database.clone()
                    },
                    label.replace(' ', "_").replace(',', "")
                )
            };
            let settings = StoreSettings {
                maintain_figures: maintain,
                maintain_unanswered_cells: national_cells,
                ..StoreSettings::default()
            };
            let (addr, channel, store, stop) = start(&url, settings).await?;
            if !national_cells {
                drop_national_triggers(&url).await?;
            }
            App::new(store.clone(), Arc::new(SystemClock))
                .create_agency(NewAgency {
                    id: "bench".into(),
                    display_name: "Bench".into(),
                    kind: AgencyKind::Pemda,
                    parent_id: None,
                    time_zone: "Asia/Jakarta".into(),
                    comparison_group: None,
                })
                .await?;
            let mut channels = vec![channel];
            for _ in 1..8 {
                channels.push(
                    Channel::from_shared(format!("http://{addr}"))?
                        .connect()
                        .await?,
                );
            }
            servers.push((label, addr, channels, stop));
        }
        let rounds = args.submit_rounds.max(1);
        if args.submit_seconds > 0 {
            let phase = args.submit_seconds as f64 / rounds as f64;
            let mut totals = [(0u64, 0u64, 0f64); 3];
            for _ in 0..rounds {
                for (i, (_, _, channels, _)) in servers.iter().enumerate() {
                    let t = Instant::now();
                    let (ok, failed) =
                        submit_load(channels, args.concurrency, phase, "bench").await?;
                    totals[i].0 += ok;
                    totals[i].1 += failed;
                    totals[i].2 += t.elapsed().as_secs_f64();
                }
            }
            let rates = totals.map(|t| t.0 as f64 / t.2);
            print_variants(
                &format!("SubmitRequest, {} clients | requests/s", args.concurrency),
                &servers,
                &rates,
                &totals.map(|t| t.1),
            );
        }
        if args.mix_seconds > 0 {
            let phase = (args.mix_seconds / u64::from(rounds)).max(1);
            let mut totals = [(0f64, 0u64); 3];
            for _ in 0..rounds {
                for (i, (_, addr, _, _)) in servers.iter().enumerate() {
                    let (rate, errors) = mix_load(*addr, args.concurrency, phase).await?;
                    totals[i].0 += rate / f64::from(rounds);
                    totals[i].1 += errors;
                }
            }
            print_variants(
                &format!("loadgen mix, {} clients | calls/s", args.concurrency),
                &servers,
                &totals.map(|t| t.0),
                &totals.map(|t| t.1),
            );
        }
        for (_, _, _, stop) in servers {
            let _ = stop.send(());
        }
        if !created.is_empty() {
            let admin = sqlx::PgPool::connect(&args.submit_database).await?;
            for name in created {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE \"{name}\" WITH (FORCE)"
                )))
                .execute(&admin)
                .await?;
            }
            admin.close().await;
        }
    }
    Ok(())
}

/// The variants' rates as a table, and what the national cells cost.
fn print_variants<A, C, S>(
    head: &str,
    servers: &[(&str, A, C, S)],
    rates: &[f64; 3],
    failed: &[u64; 3],
) {
    println!("\n| {head} | failed |");
    println!("|---|---|---|");
    for (i, (label, ..)) in servers.iter().enumerate() {
        println!("| {label} | {:.0} | {} |", rates[i], failed[i]);
    }
    println!(
        "\nthe cells added for national scale (Pemda, unanswered, undelivered) cost {:.1}% of the throughput; all cells {:.1}%",
        100.0 * (1.0 - rates[0] / rates[1]),
        100.0 * (1.0 - rates[0] / rates[2])
    );
}

/// One phase of loadgen's mix against `addr`: its calls/s and unexpected
/// errors (loadgen creates its own agencies in each run).
async fn mix_load(
    addr: std::net::SocketAddr,
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<(f64, u64)> {
    let loadgen = std::env::current_exe()?.with_file_name("loadgen");
    let json =
        std::env::temp_dir().join(format!("ppid-mix-{}.json", uuid::Uuid::new_v4().simple()));
    let mut cmd = std::process::Command::new(&loadgen);
    cmd.args([
        "--target",
        &format!("http://{addr}"),
        "--scenario",
        "mix",
        "--warmup",
        "1s",
    ])
    .args([
        "--duration",
        &format!("{seconds}s"),
        "--concurrency",
        &concurrency.to_string(),
    ])
    .arg("--json")
    .arg(&json);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await?
        .with_context(|| format!("running {}", loadgen.display()))?;
    let written = std::fs::read(&json).with_context(|| {
        format!(
            "loadgen wrote no report ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let report: serde_json::Value =
        serde_json::from_slice(&written).context("reading loadgen's JSON")?;
    let _ = std::fs::remove_file(&json);
    // loadgen flattens the scenario's totals into it.
    let stats = &report["scenarios"][0];
    let rate = stats["throughput_rps"].as_f64().with_context(|| {
        format!(
            "loadgen gave no rate: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let errors = stats["errors"].as_object().map_or(0, |e| {
        e.values().filter_map(serde_json::Value::as_u64).sum()
    });
    Ok((rate, errors))
}

/// The baseline without the national cells: the same schema, with the
/// triggers dropped of the Pemda cells (migration sqlite 0023 / postgres
/// 0021, by statement on PostgreSQL since 0034), the unanswered cells
/// (sqlite 0032 / postgres 0031, since 0036 only for updates and deletes;
/// the writer's own counting is switched off by the caller), the
/// undelivered cells (sqlite 0033 /
/// postgres 0032), and the Pemda histogram and undelivered cells (sqlite
/// 0034 / postgres 0033).
async fn drop_national_triggers(url: &str) -> anyhow::Result<()> {
    if store::is_postgres(url) {
        let pool = sqlx::PgPool::connect(url).await?;
        for t in [
            "pemda_cells_insert ON agency_month_stats",
            "pemda_cells_update ON agency_month_stats",
            "pemda_cells_delete ON agency_month_stats",
            "unanswered_cells ON requests",
            "unanswered_cells_update ON requests",
            "undelivered_cells_insert ON requests",
            "undelivered_cells_delete ON requests",
            "undelivered_cells_update ON requests",
            "pemda_hist_insert ON agency_month_hist",
            "pemda_hist_update ON agency_month_hist",
            "pemda_hist_delete ON agency_month_hist",
            "pemda_undelivered_insert ON requests",
            "pemda_undelivered_delete ON requests",
            "pemda_undelivered_update ON requests",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {t}")))
                .execute(&pool)
                .await?;
        }
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{url}")).await?;
        for t in [
            "pemda_cells_insert",
            "pemda_cells_update",
            "pemda_cells_delete",
            "unanswered_update",
            "unanswered_delete",
            "undelivered_insert",
            "undelivered_update",
            "undelivered_delete",
            "pemda_hist_insert",
            "pemda_hist_update",
            "pemda_hist_delete",
            "pemda_undelivered_insert",
            "pemda_undelivered_update",
            "pemda_undelivered_delete",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {t}")))
                .execute(&pool)
                .await?;
        }
        pool.close().await;
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<String> {
    let dir = std::env::temp_dir().join(format!("ppid-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir.to_string_lossy().into_owned())
}
