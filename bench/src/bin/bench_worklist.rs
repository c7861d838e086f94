//! Benchmark of the officer's day (issue: worklist, event feed, letters).
//!
//! On a database filled by `ppid generate`: the latency of searches and
//! worklists through a real gRPC server; then how long a committed event
//! takes to reach a watcher while a mixed load runs (submit, get, list,
//! search), for every request submitted. Loopback only; every loop is
//! bounded.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use clap::Parser;
use ppid::{
    domain::AgencyKind,
    pb::ppid::v1::{
        self as pb, event_service_client::EventServiceClient,
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
    /// Timed calls per query.
    #[arg(long, default_value_t = 50)]
    iterations: usize,
    /// Seconds of mixed load while a watcher follows the feed (0: skip).
    #[arg(long, default_value_t = 20)]
    load_seconds: u64,
    /// Concurrent clients of the mixed load.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Watch on a second server over the same database (its own store and
    /// pool): a commit on one is seen through the database by the other.
    #[arg(long)]
    watch_on_second_server: bool,
}

/// Commit (answer received) and watcher arrival instants by subject.
type Times = Arc<Mutex<HashMap<String, Instant>>>;

/// The mixed load: per client, in turn, a submission, a read of it, a
/// list of its agency and a search; returns calls made and failed.
async fn mixed_load(
    channel: Channel,
    concurrency: usize,
    seconds: u64,
    agencies: Vec<String>,
    committed: Times,
) -> anyhow::Result<(u64, u64)> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let mut client = RequestServiceClient::new(channel.clone());
        let agency = agencies[i % agencies.len()].clone();
        let committed = committed.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u64, 0u64);
            let mut n = 0;
            while Instant::now() < until {
                n += 1;
                let name = match client
                    .submit_request(submission(&agency, &format!("Laporan uji beban nomor {n}")))
                    .await
                {
                    Ok(r) => {
                        let name = r.into_inner().name;
                        committed
                            .lock()
                            .unwrap()
                            .insert(name.clone(), Instant::now());
                        ok += 1;
                        name
                    }
                    Err(_) => {
                        failed += 1;
                        continue;
                    }
                };
                let get = client
                    .get_request(pb::GetRequestRequest { name })
                    .await
                    .is_ok();
                let list = client
                    .list_requests(pb::ListRequestsRequest {
                        agency: format!("agencies/{agency}"),
                        page_size: 20,
                        ..Default::default()
                    })
                    .await
                    .is_ok();
                let search = client
                    .list_requests(pb::ListRequestsRequest {
                        agency: format!("agencies/{agency}"),
                        query: "laporan anggaran".into(),
                        page_size: 20,
                        ..Default::default()
                    })
                    .await
                    .is_ok();
                for good in [get, list, search] {
                    if good { ok += 1 } else { failed += 1 }
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
    let backend = if store::is_postgres(&args.database_url) {
        "PostgreSQL"
    } else {
        "SQLite"
    };
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
    let requests = RequestServiceClient::new(channel.clone());
    let some = requests
        .clone()
        .list_requests(pb::ListRequestsRequest {
            agency: format!("agencies/{}", opd.id),
            page_size: 1,
            ..Default::default()
        })
        .await?
        .into_inner()
        .requests
        .into_iter()
        .next()
        .context("no request")?;
    println!(
        "# worklist and search on {backend}; Pemda {} ({} agencies), OPD {}",
        pemda.id,
        all.iter()
            .filter(|a| a.path.starts_with(&pemda.path))
            .count(),
        opd.id
    );
    println!("\n| query | p50 ms | p90 ms | max ms | rows |");
    println!("|---|---|---|---|---|");

    let list = |label: &'static str, req: pb::ListRequestsRequest| (label, req);
    let subtree = |agency: &str| pb::ListRequestsRequest {
        agency: format!("agencies/{agency}"),
        include_sub_agencies: true,
        page_size: 50,
        ..Default::default()
    };
    let lists = [
        list(
            "search a word, Pemda subtree (\"stunting\")",
            pb::ListRequestsRequest {
                query: "stunting".into(),
                ..subtree(&pemda.id)
            },
        ),
        list(
            "search two words, Pemda subtree (\"laporan anggaran\")",
            pb::ListRequestsRequest {
                query: "laporan anggaran".into(),
                ..subtree(&pemda.id)
            },
        ),
        list(
            "search a word prefix, one OPD (\"pengad\")",
            pb::ListRequestsRequest {
                query: "pengad".into(),
                ..subtree(&opd.id)
            },
        ),
        list(
            "search a requester's name, Pemda subtree (\"budi\")",
            pb::ListRequestsRequest {
                query: "budi".into(),
                ..subtree(&pemda.id)
            },
        ),
        list(
            "search a registration number, everywhere",
            pb::ListRequestsRequest {
                query: some.registration_number.clone(),
                page_size: 50,
                ..Default::default()
            },
        ),
        list(
            "worklist: Pemda subtree, due within 2 working days, deadline order",
            pb::ListRequestsRequest {
                order_by: "deadline".into(),
                due_within_working_days: 2,
                ..subtree(&pemda.id)
            },
        ),
        list(
            "worklist: one OPD, deadline order",
            pb::ListRequestsRequest {
                order_by: "deadline".into(),
                ..subtree(&opd.id)
            },
        ),
    ];
    for (label, req) in lists {
        let rows = requests
            .clone()
            .list_requests(req.clone())
            .await?
            .into_inner()
            .requests
            .len();
        let ms = time_calls(args.iterations, || {
            let mut c = requests.clone();
            let req = req.clone();
            async move {
                c.list_requests(req).await?;
                Ok(())
            }
        })
        .await?;
        report(label, &ms, rows);
    }
    for (label, agency) in [
        ("GetWorkload: Pemda subtree", pemda.id.clone()),
        ("GetWorkload: one OPD", opd.id.clone()),
    ] {
        let req = pb::GetWorkloadRequest {
            agency: format!("agencies/{agency}"),
            ..Default::default()
        };
        let rows: i32 = requests
            .clone()
            .get_workload(req.clone())
            .await?
            .into_inner()
            .groups
            .iter()
            .map(|g| g.count)
            .sum();
        let ms = time_calls(args.iterations, || {
            let mut c = requests.clone();
            let req = req.clone();
            async move {
                c.get_workload(req).await?;
                Ok(())
            }
        })
        .await?;
        report(label, &ms, rows as usize);
    }

    if args.load_seconds > 0 {
        // A watcher from now on; the mixed load on the Pemda's OPDs.
        let arrived: Times = Arc::default();
        let committed: Times = Arc::default();
        let second = if args.watch_on_second_server {
            Some(start(&args.database_url, StoreSettings::default()).await?)
        } else {
            None
        };
        let watch_channel = second.as_ref().map_or(channel.clone(), |s| s.1.clone());
        let mut watch = EventServiceClient::new(watch_channel)
            .watch_events(pb::WatchEventsRequest {
                from_now: true,
                types: vec!["submitted".into()],
                ..Default::default()
            })
            .await?
            .into_inner();
        let seen = arrived.clone();
        let watcher = tokio::spawn(async move {
            while let Ok(Some(e)) = watch.message().await {
                seen.lock().unwrap().insert(e.subject, Instant::now());
            }
        });
        let opds: Vec<String> = all
            .iter()
            .filter(|a| a.parent_id.as_deref() == Some(&pemda.id))
            .map(|a| a.id.clone())
            .collect();
        let t = Instant::now();
        let (ok, failed) = mixed_load(
            channel.clone(),
            args.concurrency,
            args.load_seconds,
            opds,
            committed.clone(),
        )
        .await?;
        let secs = t.elapsed().as_secs_f64();
        // Late arrivals have 5 s more.
        tokio::time::sleep(Duration::from_secs(5)).await;
        watcher.abort();
        let committed = committed.lock().unwrap().clone();
        let arrived = arrived.lock().unwrap().clone();
        let mut ms: Vec<f64> = Vec::new();
        let mut missing = 0;
        for (name, at) in &committed {
            match arrived.get(name) {
                // An event may reach the watcher before the submitter has
                // read its answer: that counts as no delay.
                Some(seen) => ms.push(seen.saturating_duration_since(*at).as_secs_f64() * 1000.0),
                None => missing += 1,
            }
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "\nmixed load: {} clients, {:.0} calls/s ({ok} ok, {failed} failed) over {secs:.1} s; \
             watcher on {}",
            args.concurrency,
            ok as f64 / secs,
            if second.is_some() {
                "a second server over the same database"
            } else {
                "the same server"
            }
        );
        if ms.is_empty() {
            println!("watcher: no submission committed");
        } else {
            println!(
                "watcher: {} of {} committed submissions received ({missing} missing); \
                 commit to arrival p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; over 1 s: {}",
                ms.len(),
                committed.len(),
                percentile(&ms, 0.5),
                percentile(&ms, 0.99),
                ms[ms.len() - 1],
                ms.iter().filter(|m| **m > 1000.0).count()
            );
        }
        if let Some((_, _, _, stop)) = second {
            let _ = stop.send(());
        }
    }
    let _ = stop.send(());
    Ok(())
}

fn report(label: &str, ms: &[f64], rows: usize) {
    println!(
        "| {label} | {:.2} | {:.2} | {:.2} | {rows} |",
        percentile(ms, 0.5),
        percentile(ms, 0.9),
        ms[ms.len() - 1]
    );
}
