//! `loadgen`: a bounded load generator for a `ppid serve` on this machine.
//!
//! Scenarios (run in one process, over the same HTTP/2 channels):
//! - `noop`: `grpc.health.v1.Health/Check` on the same server, the gRPC
//!   ceiling of this machine;
//! - `submit`: `SubmitRequest`, a fresh `request_id` per call, spread over the
//!   OPDs created at start;
//! - `mix`: 50% `SubmitRequest`, 30% `GetRequest` of a recent request, 10%
//!   `ListRequests` (20 per page, one agency), 10% `ExtendRequest` or
//!   `RespondRequest` (GRANTED) on a recent pending request.
//!
//! Every call's gRPC status is checked. ABORTED and FAILED_PRECONDITION on a
//! transition (two workers raced for one request) are expected and reported
//! apart; anything else that is not OK is unexpected: it is printed and the
//! exit code is 1. Only loopback targets are accepted.
use std::{
    collections::BTreeMap,
    fmt::Write as _,
    net::IpAddr,
    path::PathBuf,
    process::ExitCode,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use ppid::metrics::grpc::code_name;
use ppid::pb::ppid::v1::{
    self as pb, agency_service_client::AgencyServiceClient,
    request_service_client::RequestServiceClient,
};
use serde::Serialize;
use tonic::{Code, Status, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// Upper bound of a run's measured part, so a typo cannot load the machine for hours.
const MAX_DURATION: Duration = Duration::from_secs(3600);
/// How many recent requests `mix` remembers for reads and transitions.
const RECENT_CAPACITY: usize = 4096;
/// How many messages of unexpected errors are kept per operation.
const SAMPLES: usize = 5;

/// Load generator for `ppid serve` (loopback targets only).
#[derive(Debug, Parser)]
#[command(name = "loadgen", version, about)]
struct Args {
    /// The server (`http://127.0.0.1:PORT`, `http://[::1]:PORT` or `http://localhost:PORT`).
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    target: String,
    /// Concurrent clients (each has one call in flight at a time).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    concurrency: u32,
    /// Measured time per scenario (`10s`, `1m`, or seconds as a number).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Unmeasured time before each scenario's measured part.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,
    /// What to run; `all` runs noop, then submit, then mix.
    #[arg(long, value_enum, default_value_t = Scenario::All)]
    scenario: Scenario,
    /// HTTP/2 connections the clients are spread over.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    connections: u32,
    /// OPDs to create (and submit to), under `--pemdas` Pemdas.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    agencies: u32,
    /// Pemdas to create; each has its own registration-number counter.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pemdas: u32,
    /// Prefix of the agency ids created (default: `lg-` and 8 random hex digits).
    #[arg(long)]
    run_id: Option<String>,
    /// Write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Wait up to this long for the server's health check to say SERVING.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    wait: Duration,
    /// Per-call timeout; a call that takes longer is an unexpected error.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    call_timeout: Duration,
    /// Worker threads of the client runtime (default: one per CPU).
    #[arg(long)]
    threads: Option<usize>,
    /// Runs the scenarios this many times in turn (noop, submit, mix, noop,
    /// ...): each ratio is to the no-op of its own round, and the median
    /// of the rounds is given, so that a machine whose speed drifts during
    /// the run compares calls measured in the same minutes.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    rounds: u32,
    /// The server's process id (it runs here): reports its CPU use per
    /// scenario and its peak RSS from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Request ids as UUIDv7 (time-ordered, what the server makes itself when
    /// a caller sends none) instead of random UUIDv4.
    #[arg(long)]
    uuid_v7: bool,
    /// API key for a server with keys (`authorization: Bearer`); an admin
    /// key, since the run creates agencies. Without one the server must be
    /// in open mode.
    #[arg(long, env = "PPID_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

/// The bearer header every call carries, when a token was given.
static AUTHORIZATION: std::sync::OnceLock<tonic::metadata::MetadataValue<tonic::metadata::Ascii>> =
    std::sync::OnceLock::new();

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    Noop,
    Submit,
    Mix,
    All,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Noop => "noop",
            Scenario::Submit => "submit",
            Scenario::Mix => "mix",
            Scenario::All => "all",
        }
    }
}

/// `10s`, `1m30s`, `500ms` (humantime) or a plain number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|e| e.to_string());
    }
    humantime::parse_duration(s).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(token) = &args.token {
        match format!("Bearer {token}").parse() {
            Ok(v) => {
                let _ = AUTHORIZATION.set(v);
            }
            Err(_) => {
                eprintln!("loadgen: the token is not a valid header value");
                return ExitCode::from(2);
            }
        }
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = args.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = match rt.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the scenarios; `Ok(false)` when any call failed unexpectedly.
async fn run(args: Args) -> anyhow::Result<bool> {
    if args.duration.is_zero() || args.duration > MAX_DURATION {
        anyhow::bail!("--duration must be more than 0 and at most {MAX_DURATION:?}");
    }
    if args.warmup > MAX_DURATION {
        anyhow::bail!("--warmup must be at most {MAX_DURATION:?}");
    }
    if args.call_timeout.is_zero() {
        anyhow::bail!("--call-timeout must be more than 0");
    }
    check_target(&args.target).await?;
    let run_id = match &args.run_id {
        Some(id) => {
            let ok = id.len() <= 40
                && id.starts_with(|c: char| c.is_ascii_lowercase())
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                anyhow::bail!(
                    "--run-id must be lowercase letters, digits and '-', start with a letter, at most 40 characters"
                );
            }
            id.clone()
        }
        None => format!("lg-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
    };
    let scenarios: Vec<Scenario> = match args.scenario {
        Scenario::All => vec![Scenario::Noop, Scenario::Submit, Scenario::Mix],
        s => vec![s],
    };
    let runs: Vec<(u32, Scenario)> = (1..=args.rounds)
        .flat_map(|round| scenarios.iter().map(move |&s| (round, s)))
        .collect();
    let started_at = jiff::Timestamp::now();

    if !args.wait.is_zero() {
        wait_serving(&args.target, args.wait).await?;
    }
    let mut channels = Vec::new();
    for _ in 0..args.connections.min(args.concurrency) {
        channels.push(connect(&args.target).await?);
    }

    let agencies = if scenarios.iter().any(|s| *s != Scenario::Noop) {
        create_agencies(&channels[0], &run_id, args.pemdas, args.agencies).await?
    } else {
        Vec::new()
    };

    println!(
        "loadgen {}: target {}, {} clients over {} connections, {:?} warm-up + {:?} measured per scenario, run id {run_id}, {} Pemda(s) / {} OPD(s)",
        env!("CARGO_PKG_VERSION"),
        args.target,
        args.concurrency,
        channels.len(),
        args.warmup,
        args.duration,
        args.pemdas,
        agencies.len(),
    );

    let shared = Arc::new(Shared {
        agencies,
        template: submission_template(),
        recent: Mutex::new(Recent::default()),
        call_timeout: args.call_timeout,
        uuid_v7: args.uuid_v7,
    });
    let mut results = Vec::new();
    for (round, scenario) in runs {
        match args.rounds {
            1 => println!("running {} ...", scenario.name()),
            n => println!("running {} (round {round} of {n}) ...", scenario.name()),
        }
        let mut r = run_scenario(scenario, &args, &channels, &shared).await;
        r.round = (args.rounds > 1).then_some(round);
        println!(
            "  {}: {} calls, {:.0} calls/s, {} unexpected errors; CPU: loadgen {:.2} cores{}, machine {:.2} cores",
            r.label(),
            r.total.calls,
            r.throughput_rps,
            r.total.unexpected_count(),
            r.client_cpu_cores.unwrap_or(f64::NAN),
            r.server_cpu_cores
                .map_or_else(String::new, |c| format!(", server {c:.2} cores")),
            r.machine_cpu_cores.unwrap_or(f64::NAN),
        );
        results.push(r);
    }

    let noops: Vec<(Option<u32>, f64)> = results
        .iter()
        .filter(|r| r.scenario == Scenario::Noop)
        .map(|r| (r.round, r.throughput_rps))
        .collect();
    for r in &mut results {
        if r.scenario != Scenario::Noop {
            let noop = noops.iter().find(|(round, _)| *round == r.round);
            r.ratio_to_noop = noop
                .map(|&(_, n)| n)
                .filter(|n| *n > 0.0)
                .map(|n| r.throughput_rps / n);
        }
    }

    print!("{}", render_table(&results));
    let unexpected: u64 = results.iter().map(|r| r.total.unexpected_count()).sum();

    if let Some(path) = &args.json {
        let report = JsonReport {
            tool: "ppid-loadgen",
            version: env!("CARGO_PKG_VERSION"),
            started_at: started_at.to_string(),
            target: args.target.clone(),
            concurrency: args.concurrency,
            connections: channels.len(),
            warmup_s: args.warmup.as_secs_f64(),
            duration_s: args.duration.as_secs_f64(),
            rounds: args.rounds,
            run_id: run_id.clone(),
            pemdas: args.pemdas,
            agencies: shared.agencies.len(),
            client_threads: args.threads,
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            server_pid: args.server_pid,
            server_peak_rss_kb: args.server_pid.and_then(peak_rss_kb),
            unexpected_errors: unexpected,
            median_ratio_to_noop: median_ratios(&results)
                .into_iter()
                .map(|(name, median, _)| (name, median))
                .collect(),
            scenarios: results.iter().map(ScenarioResult::to_json).collect(),
        };
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, text + "\n")
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
        println!("results written to {}", path.display());
    }
    Ok(unexpected == 0)
}

/// Refuses anything but a plain `http://` URL to a loopback address: load on
/// other hosts is not allowed from here.
async fn check_target(target: &str) -> anyhow::Result<()> {
    let refuse = |why: &str| {
        anyhow::anyhow!(
            "refusing target {target:?}: {why}. loadgen only loads this machine: use http://127.0.0.1:PORT, http://[::1]:PORT or http://localhost:PORT"
        )
    };
    let uri: http::Uri = target.parse().map_err(|_| refuse("not a URL"))?;
    if uri.scheme_str() != Some("http") {
        return Err(refuse("the scheme must be http"));
    }
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/") {
        return Err(refuse("a path is not allowed"));
    }
    let host = uri.host().ok_or_else(|| refuse("no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(80);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return if ip.is_loopback() {
            Ok(())
        } else {
            Err(refuse("not a loopback address"))
        };
    }
    if !host.eq_ignore_ascii_case("localhost") {
        return Err(refuse("not a loopback host"));
    }
    // localhost must resolve to loopback addresses only.
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| refuse(&format!("cannot resolve it ({e})")))?
        .collect();
    if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
        return Err(refuse("it resolves to a non-loopback address"));
    }
    Ok(())
}

async fn connect(target: &str) -> anyhow::Result<Channel> {
    let channel = Channel::from_shared(target.to_string())?
        .connect_timeout(Duration::from_secs(3))
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {target}: {e}"))?;
    Ok(channel)
}

/// Polls the health check until SERVING, for at most `limit`.
async fn wait_serving(target: &str, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    let mut last = String::from("not tried");
    while Instant::now() < deadline {
        match connect(target).await {
            Ok(ch) => {
                let mut health = HealthClient::new(ch);
                match tokio::time::timeout(
                    Duration::from_secs(1),
                    health.check(HealthCheckRequest::default()),
                )
                .await
                {
                    Ok(Ok(r)) if r.get_ref().status == ServingStatus::Serving as i32 => {
                        return Ok(());
                    }
                    Ok(Ok(r)) => last = format!("status {:?}", r.get_ref().status()),
                    Ok(Err(s)) => last = format!("{}: {}", code_name(s.code()), s.message()),
                    Err(_) => last = "health check timed out".into(),
                }
            }
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{target} did not report SERVING within {limit:?} (last: {last})")
}

/// Creates `pemdas` Pemdas and `opds` OPDs spread over them; returns the OPD ids.
async fn create_agencies(
    channel: &Channel,
    run_id: &str,
    pemdas: u32,
    opds: u32,
) -> anyhow::Result<Vec<String>> {
    let mut client = AgencyServiceClient::new(channel.clone());
    let mut create = async |id: String, kind: pb::agency::Kind, parent: Option<&str>| {
        let req = pb::CreateAgencyRequest {
            agency_id: id.clone(),
            agency: Some(pb::Agency {
                display_name: format!("Loadgen {id}"),
                kind: kind as i32,
                parent: parent.map(|p| format!("agencies/{p}")).unwrap_or_default(),
                ..Default::default()
            }),
        };
        match client.create_agency(with_actor(req)).await {
            Ok(_) => Ok(()),
            Err(s) if s.code() == Code::AlreadyExists => Ok(()),
            Err(s) => Err(anyhow::anyhow!(
                "creating agencies/{id}: {}: {}",
                code_name(s.code()),
                s.message()
            )),
        }
    };
    let pemda_ids: Vec<String> = (1..=pemdas).map(|i| format!("{run_id}-p{i}")).collect();
    for p in &pemda_ids {
        create(p.clone(), pb::agency::Kind::Pemda, None).await?;
    }
    let mut out = Vec::new();
    for i in 0..opds {
        let parent = &pemda_ids[i as usize % pemda_ids.len()];
        let id = format!("{parent}-opd{:03}", i + 1);
        create(id.clone(), pb::agency::Kind::Opd, Some(parent)).await?;
        out.push(id);
    }
    Ok(out)
}

/// A valid submission (as in the API tests), `receive_time` unset.
fn submission_template() -> pb::SubmitRequestRequest {
    pb::SubmitRequestRequest {
        request_id: String::new(),
        request: Some(pb::InformationRequest {
            requester: Some(pb::Requester {
                full_name: "Siti Rahayu".into(),
                r#type: pb::requester::Type::Individual as i32,
                nik: "3673019876543210".into(),
                address: "Jl. Ki Mas Jong No. 5, Serang".into(),
                phone: "081298765432".into(),
                email: "siti.rahayu@contoh.id".into(),
                occupation: "Peneliti".into(),
                ..Default::default()
            }),
            information_requested: "Anggaran program penurunan stunting per kecamatan, 2025".into(),
            purpose: "Penelitian kebijakan kesehatan".into(),
            access_method: pb::AccessMethod::Copy as i32,
            copy_form: pb::CopyForm::Softcopy as i32,
            delivery_method: pb::DeliveryMethod::Email as i32,
            channel: pb::Channel::WebForm as i32,
            ..Default::default()
        }),
    }
}

/// What every worker shares.
struct Shared {
    agencies: Vec<String>,
    template: pb::SubmitRequestRequest,
    recent: Mutex<Recent>,
    call_timeout: Duration,
    uuid_v7: bool,
}

/// A request `mix` created, as last seen.
#[derive(Debug, Clone)]
struct Tracked {
    name: String,
    etag: String,
    extended: bool,
    responded: bool,
}

/// A ring of the most recent requests.
#[derive(Default)]
struct Recent {
    items: Vec<Tracked>,
    next: usize,
}

impl Recent {
    fn push(&mut self, t: Tracked) {
        if self.items.len() < RECENT_CAPACITY {
            self.items.push(t);
        } else {
            self.items[self.next] = t;
            self.next = (self.next + 1) % RECENT_CAPACITY;
        }
    }

    /// A random recent request and its slot.
    fn pick(&self, rng: &mut Rng) -> Option<(usize, Tracked)> {
        (!self.items.is_empty()).then(|| {
            let i = rng.below(self.items.len());
            (i, self.items[i].clone())
        })
    }

    /// A random request still pending, if a few tries find one.
    fn pick_pending(&self, rng: &mut Rng) -> Option<(usize, Tracked)> {
        (0..8)
            .filter_map(|_| self.pick(rng))
            .find(|(_, t)| !t.responded)
    }

    /// Records a transition's result, unless the slot was reused meanwhile.
    fn update(&mut self, slot: usize, t: Tracked) {
        if let Some(s) = self.items.get_mut(slot).filter(|s| s.name == t.name) {
            *s = t;
        }
    }
}

/// xorshift64*: enough to pick operations and agencies.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Health,
    Submit,
    Get,
    List,
    Extend,
    Respond,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Health => "health.Check",
            Op::Submit => "SubmitRequest",
            Op::Get => "GetRequest",
            Op::List => "ListRequests",
            Op::Extend => "ExtendRequest",
            Op::Respond => "RespondRequest",
        }
    }
    fn is_transition(self) -> bool {
        matches!(self, Op::Extend | Op::Respond)
    }
}

/// How one call ended.
enum Outcome {
    Ok,
    /// A status that is normal for this call (a lost race on a transition).
    Expected(&'static str),
    /// Anything else: a failure of the run.
    Unexpected(String, String),
}

/// Counts and latencies of one operation.
#[derive(Clone)]
struct Stats {
    calls: u64,
    ok: u64,
    expected: BTreeMap<&'static str, u64>,
    unexpected: BTreeMap<String, u64>,
    samples: Vec<String>,
    latency_us: Histogram<u64>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            calls: 0,
            ok: 0,
            expected: BTreeMap::new(),
            unexpected: BTreeMap::new(),
            samples: Vec::new(),
            // 1 µs to 10 minutes, 3 significant digits.
            latency_us: Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds"),
        }
    }
}

impl Stats {
    fn record(&mut self, outcome: Outcome, latency: Duration) {
        self.calls += 1;
        self.latency_us.saturating_record(
            u64::try_from(latency.as_micros())
                .unwrap_or(u64::MAX)
                .max(1),
        );
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Expected(code) => *self.expected.entry(code).or_default() += 1,
            Outcome::Unexpected(code, message) => {
                *self.unexpected.entry(code.clone()).or_default() += 1;
                if self.samples.len() < SAMPLES {
                    self.samples.push(format!("{code}: {message}"));
                }
            }
        }
    }

    fn merge(&mut self, other: &Stats) {
        self.calls += other.calls;
        self.ok += other.ok;
        for (k, v) in &other.expected {
            *self.expected.entry(k).or_default() += v;
        }
        for (k, v) in &other.unexpected {
            *self.unexpected.entry(k.clone()).or_default() += v;
        }
        for s in &other.samples {
            if self.samples.len() < SAMPLES {
                self.samples.push(s.clone());
            }
        }
        self.latency_us
            .add(&other.latency_us)
            .expect("histograms with the same bounds");
    }

    fn unexpected_count(&self) -> u64 {
        self.unexpected.values().sum()
    }

    fn expected_count(&self) -> u64 {
        self.expected.values().sum()
    }
}

/// One scenario's result.
struct ScenarioResult {
    scenario: Scenario,
    /// Which of `--rounds` (none when there is one).
    round: Option<u32>,
    measured: Duration,
    total: Stats,
    ops: BTreeMap<Op, Stats>,
    throughput_rps: f64,
    ratio_to_noop: Option<f64>,
    /// CPU used during the measured window, in cores (1.0 = one core busy).
    client_cpu_cores: Option<f64>,
    server_cpu_cores: Option<f64>,
    /// Every process of the machine, loadgen and server included.
    machine_cpu_cores: Option<f64>,
    /// The server's threads by name, over the measured window.
    server_threads: Option<BTreeMap<String, ThreadLoad>>,
}

impl ScenarioResult {
    /// The scenario's name, with its round when there are several.
    fn label(&self) -> String {
        match self.round {
            Some(round) => format!("{} #{round}", self.scenario.name()),
            None => self.scenario.name().to_string(),
        }
    }
}

/// The median of the rounds' ratios of each scenario to their no-ops.
fn median_ratios(results: &[ScenarioResult]) -> Vec<(&'static str, f64, Vec<f64>)> {
    let mut by_name: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    for r in results {
        if let Some(ratio) = r.ratio_to_noop {
            by_name.entry(r.scenario.name()).or_default().push(ratio);
        }
    }
    by_name
        .into_iter()
        .map(|(name, ratios)| {
            let mut sorted = ratios.clone();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let median = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            };
            (name, median, ratios)
        })
        .collect()
}

fn classify(op: Op, status: &Status) -> Outcome {
    match status.code() {
        c @ (Code::Aborted | Code::FailedPrecondition) if op.is_transition() => {
            Outcome::Expected(code_name(c))
        }
        c => Outcome::Unexpected(code_name(c).to_string(), status.message().to_string()),
    }
}

/// A request with the actor header (open mode) and the bearer token (a
/// server with keys), as every call but the health check carries them.
fn with_actor<T>(msg: T) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut().insert(
        "x-ppid-actor",
        tonic::metadata::MetadataValue::from_static("loadgen"),
    );
    if let Some(v) = AUTHORIZATION.get() {
        req.metadata_mut().insert("authorization", v.clone());
    }
    req
}

/// One worker's clients.
struct Worker {
    health: HealthClient<Channel>,
    requests: RequestServiceClient<Channel>,
    shared: Arc<Shared>,
    rng: Rng,
    n: usize,
}

impl Worker {
    /// Runs `fut` with the per-call timeout.
    async fn call<T>(
        &self,
        fut: impl Future<Output = Result<tonic::Response<T>, Status>>,
    ) -> Result<T, Status> {
        match tokio::time::timeout(self.shared.call_timeout, fut).await {
            Ok(r) => r.map(tonic::Response::into_inner),
            Err(_) => Err(Status::deadline_exceeded(format!(
                "no answer within --call-timeout {:?} (client side)",
                self.shared.call_timeout
            ))),
        }
    }

    async fn noop(&mut self) -> (Op, Outcome) {
        let mut h = self.health.clone();
        let r = self.call(h.check(HealthCheckRequest::default())).await;
        let outcome = match r {
            Ok(r) if r.status == ServingStatus::Serving as i32 => Outcome::Ok,
            Ok(r) => Outcome::Unexpected(
                "NOT_SERVING".into(),
                format!("health status {:?}", r.status()),
            ),
            Err(s) => classify(Op::Health, &s),
        };
        (Op::Health, outcome)
    }

    async fn submit(&mut self, remember: bool) -> (Op, Outcome) {
        let mut body = self.shared.template.clone();
        body.request_id = if self.shared.uuid_v7 {
            uuid::Uuid::now_v7()
        } else {
            uuid::Uuid::new_v4()
        }
        .to_string();
        self.n += 1;
        let agency = &self.shared.agencies[self.n % self.shared.agencies.len()];
        if let Some(r) = body.request.as_mut() {
            r.agency = format!("agencies/{agency}");
        }
        let expected_name = format!("requests/{}", body.request_id);
        let mut c = self.requests.clone();
        let outcome = match self.call(c.submit_request(with_actor(body))).await {
            Ok(r) if r.name != expected_name || r.registration_number.is_empty() => {
                Outcome::Unexpected(
                    "BAD_RESPONSE".into(),
                    format!(
                        "SubmitRequest answered {:?} without a registration number or for another id",
                        r.name
                    ),
                )
            }
            Ok(r) => {
                if remember {
                    let t = Tracked {
                        name: r.name,
                        etag: r.etag,
                        extended: false,
                        responded: false,
                    };
                    self.shared
                        .recent
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(t);
                }
                Outcome::Ok
            }
            Err(s) => classify(Op::Submit, &s),
        };
        (Op::Submit, outcome)
    }

    async fn get(&mut self) -> (Op, Outcome) {
        let picked = {
            let recent = self.shared.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent.pick(&mut self.rng)
        };
        let Some((_, t)) = picked else {
            return self.submit(true).await;
        };
        let mut c = self.requests.clone();
        let outcome = match self
            .call(c.get_request(with_actor(pb::GetRequestRequest {
                name: t.name.clone(),
            })))
            .await
        {
            Ok(r) if r.name != t.name => Outcome::Unexpected(
                "BAD_RESPONSE".into(),
                format!("GetRequest {} answered {}", t.name, r.name),
            ),
            Ok(_) => Outcome::Ok,
            Err(s) => classify(Op::Get, &s),
        };
        (Op::Get, outcome)
    }

    async fn list(&mut self) -> (Op, Outcome) {
        let agency = &self.shared.agencies[self.rng.below(self.shared.agencies.len())];
        let mut c = self.requests.clone();
        let outcome = match self
            .call(c.list_requests(with_actor(pb::ListRequestsRequest {
                agency: format!("agencies/{agency}"),
                page_size: 20,
                ..Default::default()
            })))
            .await
        {
            Ok(r) if r.requests.len() > 20 => Outcome::Unexpected(
                "BAD_RESPONSE".into(),
                format!("ListRequests page_size 20 returned {}", r.requests.len()),
            ),
            Ok(_) => Outcome::Ok,
            Err(s) => classify(Op::List, &s),
        };
        (Op::List, outcome)
    }

    /// ExtendRequest or RespondRequest (GRANTED) on a recent pending request,
    /// with the etag this run last saw.
    async fn transition(&mut self) -> (Op, Outcome) {
        let picked = {
            let recent = self.shared.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent.pick_pending(&mut self.rng)
        };
        let Some((slot, mut t)) = picked else {
            return self.submit(true).await;
        };
        let extend = !t.extended && self.rng.below(2) == 0;
        let mut c = self.requests.clone();
        let (op, result) = if extend {
            let req = pb::ExtendRequestRequest {
                name: t.name.clone(),
                etag: t.etag.clone(),
                reason: "Data perlu dihimpun dari beberapa kecamatan".into(),
                extend_time: None,
            };
            (
                Op::Extend,
                self.call(c.extend_request(with_actor(req))).await,
            )
        } else {
            let req = pb::RespondRequestRequest {
                name: t.name.clone(),
                etag: t.etag.clone(),
                notice: Some(pb::Notice {
                    outcome: pb::notice::Outcome::Granted as i32,
                    notice_text: "Dengan hormat, permohonan Saudara kami jawab sebagai berikut."
                        .into(),
                    delivery_method: pb::DeliveryMethod::Email as i32,
                    format: "PDF".into(),
                    ..Default::default()
                }),
            };
            (
                Op::Respond,
                self.call(c.respond_request(with_actor(req))).await,
            )
        };
        let outcome = match result {
            Ok(r) => {
                t.etag = r.etag;
                t.extended |= op == Op::Extend;
                t.responded = op == Op::Respond;
                self.shared
                    .recent
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .update(slot, t);
                Outcome::Ok
            }
            Err(s) => classify(op, &s),
        };
        (op, outcome)
    }

    async fn mix(&mut self) -> (Op, Outcome) {
        match self.rng.below(100) {
            0..50 => self.submit(true).await,
            50..80 => self.get().await,
            80..90 => self.list().await,
            _ => self.transition().await,
        }
    }
}

async fn run_scenario(
    scenario: Scenario,
    args: &Args,
    channels: &[Channel],
    shared: &Arc<Shared>,
) -> ScenarioResult {
    let start = Instant::now();
    let measure_from = start + args.warmup;
    let end = measure_from + args.duration;
    let seed = jiff::Timestamp::now().as_nanosecond() as u64;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..args.concurrency as usize {
        let ch = channels[i % channels.len()].clone();
        let mut w = Worker {
            health: HealthClient::new(ch.clone()),
            requests: RequestServiceClient::new(ch),
            shared: shared.clone(),
            rng: Rng::new(seed ^ (i as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407)),
            n: i,
        };
        tasks.spawn(async move {
            let mut ops: BTreeMap<Op, Stats> = BTreeMap::new();
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let (op, outcome) = match scenario {
                    Scenario::Noop => w.noop().await,
                    Scenario::Submit => w.submit(false).await,
                    Scenario::Mix | Scenario::All => w.mix().await,
                };
                let t1 = Instant::now();
                // Count calls that completed inside the measured window.
                if t1 >= measure_from && t1 < end {
                    ops.entry(op).or_default().record(outcome, t1 - t0);
                }
            }
            ops
        });
    }
    // CPU time of both processes over the measured window.
    tokio::time::sleep_until(measure_from.into()).await;
    let cpu_from = (
        cpu_seconds("self"),
        args.server_pid.and_then(|p| cpu_seconds(&p.to_string())),
        machine_busy_seconds(),
    );
    let threads_from = args.server_pid.and_then(thread_times);
    tokio::time::sleep_until(end.into()).await;
    let cpu_to = (
        cpu_seconds("self"),
        args.server_pid.and_then(|p| cpu_seconds(&p.to_string())),
        machine_busy_seconds(),
    );
    let server_threads = threads_from
        .zip(args.server_pid.and_then(thread_times))
        .map(|(from, to)| to.since(&from, args.duration));
    let cores = |a: Option<f64>, b: Option<f64>| Some((b? - a?) / args.duration.as_secs_f64());
    // Every worker stops starting calls at `end`; a call in flight then has
    // at most --call-timeout. Anything left after that is aborted.
    let hard_stop = end + shared.call_timeout + Duration::from_secs(2);
    let mut ops: BTreeMap<Op, Stats> = BTreeMap::new();
    loop {
        let left = hard_stop.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tasks.join_next()).await {
            Ok(Some(Ok(worker_ops))) => {
                for (op, s) in worker_ops {
                    ops.entry(op).or_default().merge(&s);
                }
            }
            Ok(Some(Err(e))) => {
                let s = ops.entry(Op::Health).or_default();
                s.record(
                    Outcome::Unexpected("WORKER_FAILED".into(), e.to_string()),
                    Duration::ZERO,
                );
            }
            Ok(None) => break,
            Err(_) => {
                eprintln!("loadgen: workers still busy after the hard stop; aborting them");
                tasks.abort_all();
                break;
            }
        }
    }
    let mut total = Stats::default();
    for s in ops.values() {
        total.merge(s);
    }
    let measured = args.duration;
    ScenarioResult {
        scenario,
        round: None,
        measured,
        throughput_rps: total.calls as f64 / measured.as_secs_f64(),
        total,
        ops,
        ratio_to_noop: None,
        client_cpu_cores: cores(cpu_from.0, cpu_to.0),
        server_cpu_cores: cores(cpu_from.1, cpu_to.1),
        machine_cpu_cores: cores(cpu_from.2, cpu_to.2),
        server_threads,
    }
}

/// Busy CPU seconds of the whole machine (all CPUs, everything but idle and
/// iowait), from /proc/stat: shows when something else was using the machine.
fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let f: Vec<u64> = cpu
        .split_whitespace()
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest is inside user).
    let busy = f.iter().take(8).sum::<u64>() - f.get(3)? - f.get(4)?;
    Some(busy as f64 / 100.0)
}

/// User + system CPU seconds of a process (`self` or a pid), from /proc.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(parse_stat(&stat)?.1)
}

/// The command name and user + system CPU seconds of a `/proc/.../stat` line.
fn parse_stat(stat: &str) -> Option<(&str, f64)> {
    // The name is in parentheses and may hold spaces and parentheses itself.
    let name = &stat[stat.find('(')? + 1..stat.rfind(')')?];
    // After it: state is the first field, utime the 12th, stime the 13th
    // (proc(5) fields 14 and 15).
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux architecture this runs on.
    Some((name, ticks / 100.0))
}

/// Seconds a thread spent runnable but waiting for a CPU: the second field
/// of `/proc/.../schedstat` (nanoseconds).
fn parse_schedstat_wait(schedstat: &str) -> Option<f64> {
    let ns: u64 = schedstat.split_whitespace().nth(1)?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// A thread name's load over a window, in cores (1.0 = one core the whole
/// window): on a CPU, and runnable but waiting for one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
struct ThreadLoad {
    cpu_cores: f64,
    wait_cores: f64,
}

/// CPU and run-queue seconds of a process's threads, summed by thread name
/// (the intake writer, its flush threads, the runtime's workers...).
/// Threads that ended are not counted.
#[derive(Debug, Default, PartialEq)]
struct ThreadTimes(BTreeMap<String, (f64, f64)>);

fn thread_times(pid: u32) -> Option<ThreadTimes> {
    let mut out = ThreadTimes::default();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        // A thread may end between the listing and the reads.
        let Ok(dir) = entry.map(|e| e.path()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            continue;
        };
        let Some((name, cpu)) = parse_stat(&stat) else {
            continue;
        };
        let wait = std::fs::read_to_string(dir.join("schedstat"))
            .ok()
            .and_then(|s| parse_schedstat_wait(&s))
            .unwrap_or(0.0);
        let e = out.0.entry(name.to_string()).or_default();
        e.0 += cpu;
        e.1 += wait;
    }
    Some(out)
}

impl ThreadTimes {
    /// Each name's load from `earlier` to these times, over `window`.
    fn since(&self, earlier: &ThreadTimes, window: Duration) -> BTreeMap<String, ThreadLoad> {
        let secs = window.as_secs_f64();
        self.0
            .iter()
            .map(|(name, &(cpu, wait))| {
                let (cpu0, wait0) = earlier.0.get(name).copied().unwrap_or_default();
                let load = ThreadLoad {
                    cpu_cores: (cpu - cpu0).max(0.0) / secs,
                    wait_cores: (wait - wait0).max(0.0) / secs,
                };
                (name.clone(), load)
            })
            .collect()
    }
}

/// Peak resident set (VmHWM) of a process, in kB.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn render_table(results: &[ScenarioResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<22} {:>9} {:>9} {:>8} {:>8} {:>10} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "scenario / call",
        "calls",
        "ok",
        "expected",
        "errors",
        "calls/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "vs noop"
    );
    let line = |out: &mut String, label: &str, s: &Stats, rps: f64, ratio: Option<f64>| {
        let h = &s.latency_us;
        let _ = writeln!(
            out,
            "{:<22} {:>9} {:>9} {:>8} {:>8} {:>10.0} {:>8} {:>8} {:>8} {:>9} {:>8}",
            label,
            s.calls,
            s.ok,
            s.expected_count(),
            s.unexpected_count(),
            rps,
            ms(h.value_at_quantile(0.50)),
            ms(h.value_at_quantile(0.90)),
            ms(h.value_at_quantile(0.99)),
            ms(h.max()),
            ratio.map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0)),
        );
    };
    for r in results {
        line(
            &mut out,
            &r.label(),
            &r.total,
            r.throughput_rps,
            r.ratio_to_noop,
        );
        if r.ops.len() > 1 {
            for (op, s) in &r.ops {
                line(
                    &mut out,
                    &format!("  {}", op.name()),
                    s,
                    s.calls as f64 / r.measured.as_secs_f64(),
                    None,
                );
            }
        }
    }
    let _ = writeln!(out);
    for r in results {
        let _ = writeln!(
            out,
            "{} CPU over the measured window: loadgen {} cores, server {} cores, whole machine {} of {} cores",
            r.label(),
            r.client_cpu_cores
                .map_or_else(|| "?".into(), |c| format!("{c:.2}")),
            r.server_cpu_cores
                .map_or_else(|| "? (no --server-pid)".into(), |c| format!("{c:.2}")),
            r.machine_cpu_cores
                .map_or_else(|| "?".into(), |c| format!("{c:.2}")),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
        );
    }
    for r in results {
        let Some(threads) = &r.server_threads else {
            continue;
        };
        let mut busiest: Vec<_> = threads
            .iter()
            .filter(|(_, l)| l.cpu_cores >= 0.005)
            .collect();
        busiest.sort_by(|a, b| b.1.cpu_cores.total_cmp(&a.1.cpu_cores));
        let list: Vec<String> = busiest
            .iter()
            .map(|(name, l)| {
                format!(
                    "{name} {:.2} ({:.0} us a call, waiting {:.2})",
                    l.cpu_cores,
                    l.cpu_cores / r.throughput_rps.max(f64::MIN_POSITIVE) * 1e6,
                    l.wait_cores
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "{} server threads, cores on a CPU and waiting for one: {}",
            r.label(),
            list.join(", ")
        );
    }
    for r in results.iter().filter(|r| r.scenario != Scenario::Noop) {
        let noop = results
            .iter()
            .find(|n| n.scenario == Scenario::Noop && n.round == r.round);
        match (r.ratio_to_noop, noop) {
            (Some(ratio), Some(n)) => {
                let _ = writeln!(
                    out,
                    "{} = {:.1}% of the no-op baseline ({:.0} / {:.0} calls/s)",
                    r.label(),
                    ratio * 100.0,
                    r.throughput_rps,
                    n.throughput_rps
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{}: no ratio (the noop scenario was not run in this run)",
                    r.label()
                );
            }
        }
    }
    if results.iter().any(|r| r.round.is_some()) {
        for (name, median, ratios) in median_ratios(results) {
            let each: Vec<String> = ratios
                .iter()
                .map(|r| format!("{:.1}%", r * 100.0))
                .collect();
            let _ = writeln!(
                out,
                "{name} = {:.1}% of the no-op baseline: the median of {} rounds ({})",
                median * 100.0,
                ratios.len(),
                each.join(", ")
            );
        }
    }
    for r in results {
        for (op, s) in &r.ops {
            for (code, n) in &s.expected {
                let _ = writeln!(
                    out,
                    "expected: {} {}: {} x {} (lost race on a recent request)",
                    r.label(),
                    op.name(),
                    n,
                    code
                );
            }
        }
    }
    for r in results {
        for (op, s) in &r.ops {
            if s.unexpected_count() == 0 {
                continue;
            }
            let _ = writeln!(
                out,
                "UNEXPECTED ERRORS in {} {}: {:?}",
                r.label(),
                op.name(),
                s.unexpected
            );
            for m in &s.samples {
                let _ = writeln!(out, "    {m}");
            }
        }
    }
    out
}

#[derive(Serialize)]
struct JsonReport {
    tool: &'static str,
    version: &'static str,
    started_at: String,
    target: String,
    concurrency: u32,
    connections: usize,
    warmup_s: f64,
    duration_s: f64,
    rounds: u32,
    run_id: String,
    pemdas: u32,
    agencies: usize,
    client_threads: Option<usize>,
    cpus: usize,
    server_pid: Option<u32>,
    server_peak_rss_kb: Option<u64>,
    unexpected_errors: u64,
    /// Each scenario's median ratio to its round's no-op.
    median_ratio_to_noop: BTreeMap<&'static str, f64>,
    scenarios: Vec<JsonScenario>,
}

#[derive(Serialize)]
struct JsonScenario {
    name: &'static str,
    round: Option<u32>,
    #[serde(flatten)]
    stats: JsonStats,
    ratio_to_noop: Option<f64>,
    client_cpu_cores: Option<f64>,
    server_cpu_cores: Option<f64>,
    machine_cpu_cores: Option<f64>,
    server_threads: Option<BTreeMap<String, ThreadLoad>>,
    ops: BTreeMap<&'static str, JsonStats>,
}

#[derive(Serialize)]
struct JsonStats {
    calls: u64,
    ok: u64,
    expected: BTreeMap<&'static str, u64>,
    errors: BTreeMap<String, u64>,
    error_samples: Vec<String>,
    throughput_rps: f64,
    latency_us: JsonLatency,
}

#[derive(Serialize)]
struct JsonLatency {
    p50: u64,
    p90: u64,
    p99: u64,
    p999: u64,
    max: u64,
    mean: f64,
}

impl JsonStats {
    fn of(s: &Stats, measured: Duration) -> Self {
        let h = &s.latency_us;
        JsonStats {
            calls: s.calls,
            ok: s.ok,
            expected: s.expected.clone(),
            errors: s.unexpected.clone(),
            error_samples: s.samples.clone(),
            throughput_rps: s.calls as f64 / measured.as_secs_f64(),
            latency_us: JsonLatency {
                p50: h.value_at_quantile(0.50),
                p90: h.value_at_quantile(0.90),
                p99: h.value_at_quantile(0.99),
                p999: h.value_at_quantile(0.999),
                max: h.max(),
                mean: h.mean(),
            },
        }
    }
}

impl ScenarioResult {
    fn to_json(&self) -> JsonScenario {
        JsonScenario {
            name: self.scenario.name(),
            round: self.round,
            stats: JsonStats::of(&self.total, self.measured),
            ratio_to_noop: self.ratio_to_noop,
            client_cpu_cores: self.client_cpu_cores,
            server_cpu_cores: self.server_cpu_cores,
            machine_cpu_cores: self.machine_cpu_cores,
            server_threads: self.server_threads.clone(),
            ops: self
                .ops
                .iter()
                .map(|(op, s)| (op.name(), JsonStats::of(s, self.measured)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(scenario: Scenario, round: Option<u32>, ratio: Option<f64>) -> ScenarioResult {
        ScenarioResult {
            scenario,
            round,
            measured: Duration::from_secs(1),
            total: Stats::default(),
            ops: BTreeMap::new(),
            throughput_rps: 0.0,
            ratio_to_noop: ratio,
            client_cpu_cores: None,
            server_cpu_cores: None,
            machine_cpu_cores: None,
            server_threads: None,
        }
    }

    #[test]
    fn rounds_are_labelled_and_their_ratios_take_the_median() {
        assert_eq!(result(Scenario::Submit, None, None).label(), "submit");
        assert_eq!(result(Scenario::Submit, Some(2), None).label(), "submit #2");
        let results = [
            result(Scenario::Noop, Some(1), None),
            result(Scenario::Submit, Some(1), Some(0.22)),
            result(Scenario::Mix, Some(1), Some(0.07)),
            result(Scenario::Noop, Some(2), None),
            result(Scenario::Submit, Some(2), Some(0.18)),
            result(Scenario::Mix, Some(2), Some(0.06)),
            result(Scenario::Noop, Some(3), None),
            result(Scenario::Submit, Some(3), Some(0.25)),
        ];
        let medians = median_ratios(&results);
        assert_eq!(
            medians,
            vec![
                ("mix", (0.07 + 0.06) / 2.0, vec![0.07, 0.06]),
                ("submit", 0.22, vec![0.22, 0.18, 0.25]),
            ]
        );
    }

    #[test]
    fn reads_thread_names_cpu_and_waits() {
        // proc(5): the name may hold spaces and parentheses.
        let stat = "4242 (tokio-rt (x) 1) S 1 2 3 0 -1 4194368 100 0 0 0 250 75 0 0 20 0 9 0 5 6 7";
        assert_eq!(parse_stat(stat), Some(("tokio-rt (x) 1", 3.25)));
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(
            parse_schedstat_wait("8000000000 1500000000 42\n"),
            Some(1.5)
        );
        assert_eq!(parse_schedstat_wait("8000000000"), None);

        let earlier = ThreadTimes(BTreeMap::from([
            ("ppid-intake".to_string(), (10.0, 2.0)),
            ("tokio-rt-worker".to_string(), (20.0, 4.0)),
        ]));
        let later = ThreadTimes(BTreeMap::from([
            ("ppid-intake".to_string(), (15.0, 5.0)),
            ("tokio-rt-worker".to_string(), (30.0, 10.0)),
            // Started inside the window: counted from zero.
            ("ppid-wal-sync".to_string(), (1.0, 0.5)),
        ]));
        let load = later.since(&earlier, Duration::from_secs(10));
        assert_eq!(
            load["ppid-intake"],
            ThreadLoad {
                cpu_cores: 0.5,
                wait_cores: 0.3
            }
        );
        assert_eq!(load["tokio-rt-worker"].cpu_cores, 1.0);
        assert_eq!(load["ppid-wal-sync"].wait_cores, 0.05);
        assert!(thread_times(std::process::id()).is_some_and(|t| !t.0.is_empty()));
    }

    #[tokio::test]
    async fn only_loopback_targets() {
        for ok in [
            "http://127.0.0.1:50051",
            "http://127.0.0.2:1",
            "http://[::1]:50051",
            "http://localhost:50051",
            "http://127.0.0.1:50051/",
        ] {
            assert!(check_target(ok).await.is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:50051",
            "http://0.0.0.0:50051",
            "http://example.com:50051",
            "https://127.0.0.1:50051",
            "http://127.0.0.1:50051/x",
            "127.0.0.1:50051",
        ] {
            let e = check_target(bad).await.unwrap_err().to_string();
            assert!(e.contains("refusing target"), "{bad}: {e}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn ring_keeps_the_newest() {
        let mut r = Recent::default();
        for i in 0..RECENT_CAPACITY + 10 {
            r.push(Tracked {
                name: format!("requests/{i}"),
                etag: String::new(),
                extended: false,
                responded: false,
            });
        }
        assert_eq!(r.items.len(), RECENT_CAPACITY);
        assert!(!r.items.iter().any(|t| t.name == "requests/0"));
        assert!(r.items.iter().any(|t| t.name == "requests/4105"));
    }
}
