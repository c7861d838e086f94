//! Benchmark of the public portal (issue: the public portal).
//!
//! Against a running `ppid serve` on a generated database: publishes each
//! Pemda's ranking for `--year` (if not yet), then `--concurrency` readers
//! fetch the ranking pages and the agency pages, round-robin over every
//! Pemda and OPD, for `--seconds` each; reports latency (as the client
//! sees it on loopback: server time plus transfer), throughput and the
//! largest page. With `--chromedriver`, Chromium then loads the ranking and
//! an agency page `--renders` times each and reports the Navigation Timing
//! figures (server response, load event, bytes transferred).
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use bytes::Bytes;
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use ppid::pb::ppid::v1::{
    self as pb, agency_service_client::AgencyServiceClient,
    indicator_service_client::IndicatorServiceClient,
};
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:50051.
    #[arg(long)]
    url: String,
    /// The year whose rankings are published and shown.
    #[arg(long, default_value_t = 2025)]
    year: i32,
    /// Concurrent readers.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Seconds of load per page kind (after 2 s of warm-up).
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// chromedriver, to time rendering in Chromium (none: skip).
    #[arg(long)]
    chromedriver: Option<String>,
    /// Chromium (for chromedriver).
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: String,
    /// Page loads per page in Chromium.
    #[arg(long, default_value_t = 20)]
    renders: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let channel = Channel::from_shared(args.url.clone())?.connect().await?;
    let mut agencies = AgencyServiceClient::new(channel.clone());
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = agencies
            .list_agencies(pb::ListAgenciesRequest {
                page_size: 1000,
                page_token: token,
                ..Default::default()
            })
            .await?
            .into_inner();
        all.extend(page.agencies);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let id = |a: &pb::Agency| a.name.trim_start_matches("agencies/").to_string();
    let pemdas: Vec<String> = all.iter().filter(|a| a.parent.is_empty()).map(id).collect();
    let opds: Vec<String> = all
        .iter()
        .filter(|a| !a.parent.is_empty())
        .map(id)
        .collect();
    let mut indicators = IndicatorServiceClient::new(channel);
    for p in &pemdas {
        let published = indicators
            .publish_ranking(pb::PublishRankingRequest {
                parent: format!("agencies/{p}"),
                period: Some(pb::Period {
                    kind: Some(pb::period::Kind::Year(args.year)),
                }),
                ..Default::default()
            })
            .await;
        match published {
            Ok(_) => {}
            Err(s) if s.code() == tonic::Code::AlreadyExists => {}
            Err(s) => anyhow::bail!("publishing the ranking of {p}: {s}"),
        }
    }
    println!(
        "{} Pemdas, {} OPDs; rankings of {} published; {} readers, {} s per page kind",
        pemdas.len(),
        opds.len(),
        args.year,
        args.concurrency,
        args.seconds
    );
    let rankings: Vec<String> = pemdas
        .iter()
        .map(|p| format!("/peringkat?grup=parent:{p}&periode={}", args.year))
        .collect();
    let agency_pages: Vec<String> = opds.iter().map(|o| format!("/badan/{o}")).collect();
    for (kind, paths) in [("ranking", &rankings), ("agency", &agency_pages)] {
        load(&args, kind, paths.clone()).await?;
    }
    if let Some(driver) = &args.chromedriver {
        render(&args, driver, &rankings[0], &agency_pages[0]).await?;
    }
    Ok(())
}

/// `concurrency` readers over `paths` for the configured seconds.
async fn load(args: &Args, kind: &str, paths: Vec<String>) -> anyhow::Result<()> {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(args.concurrency)
        .build_http();
    let paths = Arc::new(paths);
    let next = Arc::new(AtomicUsize::new(0));
    let largest = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut histograms = Vec::new();
    for (phase, seconds) in [("warm-up", 2), ("timed", args.seconds)] {
        let until = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..args.concurrency {
            let (client, paths, next) = (client.clone(), paths.clone(), next.clone());
            let (largest, failed) = (largest.clone(), failed.clone());
            let base = args.url.clone();
            tasks.push(tokio::spawn(async move {
                let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
                while Instant::now() < until {
                    let i = next.fetch_add(1, Ordering::Relaxed) % paths.len();
                    let uri: http::Uri = format!("{base}{}", paths[i]).parse().expect("uri");
                    let t = Instant::now();
                    match client.get(uri).await {
                        Ok(res) => {
                            let ok = res.status() == http::StatusCode::OK;
                            let body = res.into_body().collect().await.map(|b| b.to_bytes());
                            match body {
                                Ok(b) if ok => {
                                    largest.fetch_max(b.len() as u64, Ordering::Relaxed);
                                }
                                _ => {
                                    failed.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    h.record(t.elapsed().as_micros() as u64).ok();
                }
                h
            }));
        }
        let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
        for t in tasks {
            total.add(t.await?).ok();
        }
        if phase == "timed" {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{kind:8} {:>7} pages  {:>8.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  largest {:>6.1} KB  failed {}",
                total.len(),
                total.len() as f64 / secs,
                total.value_at_quantile(0.5) as f64 / 1000.0,
                total.value_at_quantile(0.99) as f64 / 1000.0,
                total.max() as f64 / 1000.0,
                largest.load(Ordering::Relaxed) as f64 / 1024.0,
                failed.load(Ordering::Relaxed),
            );
        }
        histograms.push(total);
    }
    anyhow::ensure!(
        failed.load(Ordering::Relaxed) == 0,
        "{kind}: some pages failed"
    );
    Ok(())
}

/// Loads each page `renders` times in Chromium; Navigation Timing.
async fn render(args: &Args, driver: &str, ranking: &str, agency: &str) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = std::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("chromedriver")?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": args.chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--window-size=1280,900"],
        }),
    );
    let result = async {
        let c = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await?;
        for (kind, path) in [("ranking", ranking), ("agency", agency)] {
            let mut load = Vec::new();
            let mut response = Vec::new();
            let mut transfer = 0.0;
            for i in 0..args.renders {
                // A query the page ignores: the browser's cache never
                // answers for the server (the stylesheet stays cached, as
                // for a returning visitor).
                let sep = if path.contains('?') { '&' } else { '?' };
                c.goto(&format!("{}{path}{sep}v={i}", args.url)).await?;
                let t = c
                    .execute(
                        "const n = performance.getEntriesByType('navigation')[0]; \
                         return [n.responseStart - n.requestStart, n.loadEventEnd - n.startTime, \
                                 n.transferSize, n.encodedBodySize];",
                        vec![],
                    )
                    .await?;
                response.push(t[0].as_f64().unwrap_or(0.0));
                load.push(t[1].as_f64().unwrap_or(0.0));
                transfer = t[3].as_f64().unwrap_or(0.0);
            }
            load.sort_by(f64::total_cmp);
            response.sort_by(f64::total_cmp);
            println!(
                "chromium {kind:8} {} loads: server response median {:.1} ms, load event median {:.1} ms, max {:.1} ms; document {:.1} KB",
                load.len(),
                ppid_bench::percentile(&response, 0.5),
                ppid_bench::percentile(&load, 0.5),
                load.last().copied().unwrap_or(0.0),
                transfer / 1024.0
            );
        }
        c.close().await?;
        anyhow::Ok(())
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}
