//! Command-line flags and their `PPID_*` environment variables: one struct.
use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::{
    domain::RequestState,
    report::texts::{Header, Lang},
};

/// The register of public information requests (UU KIP) over gRPC.
#[derive(Debug, Parser)]
#[command(name = "ppid", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the gRPC server (migrating the database first).
    Serve(ServeArgs),
    /// Runs the database migrations and exits.
    Migrate(DatabaseArgs),
    /// Fills an empty database with a realistic generated year (benchmarks).
    Generate(GenerateArgs),
    /// Manages API keys (on the database directly).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Reporting jobs read straight from the database (see `report.rs`).
    #[command(subcommand)]
    Report(ReportCommand),
    /// Bulk exports read straight from the database.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Writes a letter from the register (print-ready A4 HTML) on the
    /// agency's letterhead, from the database directly.
    Letter(LetterArgs),
    /// Imports an existing register (CSV or XLSX) into the database.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Backs up the SQLite database while a server may run and write
    /// (`--output FILE`), or checks an existing backup (`--verify FILE`).
    Backup(BackupArgs),
}

/// `ppid import ...`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Last year's register permohonan (the columns `ppid export register`
    /// writes, in any order, plus OPD, due date, extension, DIK entries):
    /// every row with its real dates, all or nothing.
    Register(ImportArgs),
}

impl ImportCommand {
    /// The database flags.
    pub fn database(&self) -> &DatabaseArgs {
        match self {
            ImportCommand::Register(a) => &a.database,
        }
    }
}

/// `ppid import register` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The agency the register belongs to (`kota-serang` or
    /// `agencies/kota-serang`); an OPD column may name agencies below it.
    #[arg(long)]
    pub agency: String,
    /// Check every row and list what is wrong; write nothing.
    #[arg(long, default_value_t = false)]
    pub dry_run: bool,
    /// The register: CSV (UTF-8) or XLSX.
    pub file: PathBuf,
}

/// `ppid backup` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct BackupArgs {
    /// Database (a SQLite file; PostgreSQL is backed up with pg_dump).
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The backup file to write; it must not exist.
    #[arg(long, required_unless_present = "verify", conflicts_with = "verify")]
    pub output: Option<PathBuf>,
    /// Check an existing backup instead (integrity, migrations, counts).
    #[arg(long, value_name = "FILE")]
    pub verify: Option<PathBuf>,
}

/// `--backup-every`: a duration such as `6h`, `30m` or `90s`, or seconds;
/// at least one second.
pub fn parse_every(s: &str) -> Result<Duration, String> {
    let d = match s.trim().parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(s.trim())
            .map_err(|e| format!("{s:?} is not a duration ({e}): e.g. 6h, 30m, 90s"))?,
    };
    if d < Duration::from_secs(1) {
        return Err(format!("{s:?}: at least 1s"));
    }
    Ok(d)
}

/// `ppid letter` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct LetterArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The request: its registration number (KOTA-SERANG/PPID/2026/000001)
    /// or `requests/{uuid}`.
    #[arg(
        long,
        conflicts_with = "objection",
        required_unless_present = "objection"
    )]
    pub request: Option<String>,
    /// The objection: `objections/{uuid}` or its uuid.
    #[arg(long)]
    pub objection: Option<String>,
    /// receipt, completion_request, notice_granted, notice_partially_granted,
    /// notice_rejected, notice_not_held, notice_not_yet_documented,
    /// extension, handover_receipt, objection_receipt, objection_answer.
    #[arg(long, value_parser = parse_letter_kind)]
    pub kind: crate::domain::LetterKind,
    /// Language: `id` (Indonesian, the default) or `en`.
    #[arg(long, value_parser = parse_lang, default_value = "id")]
    pub lang: Lang,
    /// Leave the requester's name and address out (the operator's own
    /// database otherwise prints them, as the PPID sends the letter).
    #[arg(long, default_value_t = false)]
    pub without_personal_data: bool,
    /// Output file; `-` or none: standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

fn parse_letter_kind(s: &str) -> Result<crate::domain::LetterKind, String> {
    crate::domain::LetterKind::parse(s).ok_or_else(|| {
        let all: Vec<&str> = crate::domain::LetterKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect();
        format!("unknown letter kind {s:?}: one of {}", all.join(", "))
    })
}

/// `ppid report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The annual service report (UU KIP Pasal 12; Perki 1/2021 Pasal 56) of
    /// an agency with its sub-agencies.
    Annual(AnnualArgs),
}

/// `ppid export ...`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every matching request, one per row (CSV) or line (JSON Lines).
    Requests(ExportArgs),
    /// The register permohonan: DOMAIN.md's columns in order, Indonesian
    /// headers, CSV.
    Register(RegisterArgs),
}

impl ReportCommand {
    /// The database flags.
    pub fn database(&self) -> &DatabaseArgs {
        match self {
            ReportCommand::Annual(a) => &a.database,
        }
    }
}

impl ExportCommand {
    /// The database flags.
    pub fn database(&self) -> &DatabaseArgs {
        match self {
            ExportCommand::Requests(a) => &a.filter.database,
            ExportCommand::Register(a) => &a.filter.database,
        }
    }
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Markdown.
    Md,
    /// A standalone HTML page with SVG charts, for screen and print.
    Html,
    /// JSON.
    Json,
    /// CSV, one row per agency.
    Csv,
}

/// `ppid report annual` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct AnnualArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The agency (`kota-serang` or `agencies/kota-serang`), with its sub-agencies.
    #[arg(long)]
    pub agency: String,
    /// The year.
    #[arg(long, value_parser = clap::value_parser!(i16).range(2000..2200))]
    pub year: i16,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Language of the texts: `id` (Indonesian, the default) or `en`.
    #[arg(long, value_parser = parse_lang, default_value = "id")]
    pub lang: Lang,
    /// CSV header row: `labels` (in `--lang`, the default) or `keys` (stable
    /// machine keys for programs).
    #[arg(long, value_parser = parse_header, default_value = "labels")]
    pub header: Header,
    /// Output file; `-` or none: standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Which requests to export.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Only this agency (`kota-serang` or `agencies/kota-serang`) and, unless
    /// `--only-agency`, its sub-agencies.
    #[arg(long)]
    pub agency: Option<String>,
    /// With `--agency`: leave its sub-agencies out.
    #[arg(long, default_value_t = false)]
    pub only_agency: bool,
    /// Received on or after this agency-local day (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<Date>,
    /// Received on or before this agency-local day (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<Date>,
    /// Only these states (repeat the flag): pending, awaiting_completion,
    /// responded, delivered, withdrawn.
    #[arg(long = "state", value_parser = parse_state)]
    pub states: Vec<RequestState>,
    /// Include the requester's name, NIK, address, phone, email and proxy
    /// (personal data under UU PDP). Default: left out.
    #[arg(long, default_value_t = false)]
    pub include_personal_data: bool,
    /// Language of the texts: `id` (Indonesian, the default) or `en`.
    #[arg(long, value_parser = parse_lang, default_value = "id")]
    pub lang: Lang,
    /// CSV header row: `labels` (in `--lang`, the default) or `keys` (stable
    /// machine keys for programs).
    #[arg(long, value_parser = parse_header, default_value = "labels")]
    pub header: Header,
    /// Output file; `-` or none: standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// `--lang`: `id` or `en`.
pub fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language {s:?}: id or en"))
}

fn parse_header(s: &str) -> Result<Header, String> {
    match s {
        "labels" => Ok(Header::Labels),
        "keys" => Ok(Header::Keys),
        _ => Err(format!("unknown header {s:?}: labels or keys")),
    }
}

fn parse_state(s: &str) -> Result<RequestState, String> {
    RequestState::parse(s).ok_or_else(|| {
        format!(
            "unknown state {s:?}: pending, awaiting_completion, responded, delivered, withdrawn"
        )
    })
}

/// Export formats of `ppid export requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV.
    Csv,
    /// JSON Lines.
    Jsonl,
}

/// `ppid export requests` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The filter and output.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
}

/// `ppid export register` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct RegisterArgs {
    /// The filter and output.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `ppid keys ...`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Creates a key and prints its token once (only a hash is stored).
    Create(CreateKeyArgs),
    /// Lists keys (never their tokens).
    List(DatabaseArgs),
    /// Revokes a key by id.
    Revoke(RevokeKeyArgs),
}

/// `ppid keys create` settings.
#[derive(Debug, Clone, clap::Args)]
pub struct CreateKeyArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// admin, officer, superior, intake or reader.
    #[arg(long)]
    pub role: String,
    /// The agency it is bound to (an admin or superior reaches the agency's
    /// whole Pemda); none: the operator's key, reaching everything.
    #[arg(long)]
    pub agency: Option<String>,
    /// A label for people.
    #[arg(long, default_value = "")]
    pub name: String,
}

/// `ppid keys revoke` settings.
#[derive(Debug, Clone, clap::Args)]
pub struct RevokeKeyArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The key id (from `ppid keys list`).
    pub id: String,
    /// Revoke it even if it is the last active admin key (no key could then
    /// manage keys over gRPC; `ppid keys create` recovers).
    #[arg(long)]
    pub force: bool,
}

/// `ppid generate` settings.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Requests in all.
    #[arg(long, default_value_t = 1_000_000)]
    pub requests: usize,
    /// Pemdas (at least one: every OPD and request belongs to one; the
    /// country has about 550).
    #[arg(long, default_value_t = 20,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub pemdas: usize,
    /// OPDs per Pemda (20 Pemdas with 24 OPDs: 500 agencies).
    #[arg(long, default_value_t = 24)]
    pub opds_per_pemda: usize,
    /// The year the requests are received.
    #[arg(long, default_value_t = 2025)]
    pub year: i16,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Where the database is.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// A SQLite file path (or `sqlite:` URL), or a `postgres://` URL.
    #[arg(long, env = "PPID_DATABASE_URL", default_value = "ppid.db")]
    pub database_url: String,
    /// Log format.
    #[arg(long, env = "PPID_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// `ppid serve` settings.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PPID_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// A PostgreSQL streaming replica of the primary (`postgres://` URL) for
    /// the reads that tolerate seconds of lag: figures, rankings, report
    /// figures, exports, the DIP's lists. Writes, and reads of what a caller
    /// may just have written, stay on the primary. PostgreSQL primary only.
    #[arg(long, env = "PPID_READ_DATABASE_URL", value_name = "URL")]
    pub read_database_url: Option<String>,
    /// Count cuti bersama (collective leave) as working days. No ruling says
    /// whether it stops the KIP clock; by default it does (offices are closed).
    #[arg(
        long,
        env = "PPID_CUTI_BERSAMA_IS_WORKING_DAY",
        default_value_t = false
    )]
    pub cuti_bersama_is_working_day: bool,
    /// Let a rejection rest on a Pasal 17 letter that cites no DIK entry; such
    /// requests are flagged (and counted as a red flag). Default: refused.
    #[arg(
        long,
        env = "PPID_ALLOW_UNREGISTERED_EXEMPTION",
        default_value_t = false
    )]
    pub allow_unregistered_exemption: bool,
    /// Working days the PPID gets to answer again when the atasan overturns
    /// its answer to an objection.
    #[arg(long, env = "PPID_OBJECTION_REOPEN_WORKING_DAYS", default_value_t = 10,
          value_parser = clap::value_parser!(i32).range(1..=60))]
    pub objection_reopen_working_days: i32,
    /// Working days after a notice that sets no delivery date within which
    /// the information is delivered, at least (the default delivery date is
    /// the request's due date, or this many working days after the notice
    /// if later).
    #[arg(long, env = "PPID_DELIVERY_WORKING_DAYS", default_value_t = crate::domain::lifecycle::DEFAULT_DELIVERY_WORKING_DAYS,
          value_parser = clap::value_parser!(i32).range(1..=60))]
    pub delivery_working_days: i32,
    /// Working days an agency has to comply with a Komisi Informasi decision
    /// once it is final (its appeal window closed), when the decision states
    /// no date. UU KIP sets none; the default (10) is the PPID's own
    /// response period (Pasal 22(7)).
    #[arg(long, env = "PPID_DISPUTE_COMPLIANCE_WORKING_DAYS", default_value_t = crate::domain::dispute::DEFAULT_COMPLIANCE_WORKING_DAYS,
          value_parser = clap::value_parser!(i32).range(1..=120))]
    pub dispute_compliance_working_days: i32,
    /// Working days after receipt within which a request may be returned for
    /// completion; later it must be answered. UU KIP sets no number; the
    /// default (3) leans towards the requester (see README).
    #[arg(long, env = "PPID_COMPLETION_WINDOW_WORKING_DAYS",
          default_value_t = crate::domain::lifecycle::DEFAULT_COMPLETION_WINDOW,
          value_parser = clap::value_parser!(i32).range(1..=10))]
    pub completion_window_working_days: i32,
    /// The longest period, in years from its start, of a DIK entry under
    /// Pasal 17 letters a–f (Pasal 20: never permanent). PP 61/2010 lets
    /// the head of the body set it; 30 is the longest it allows.
    #[arg(long, env = "PPID_DIK_MAX_PERIOD_YEARS",
          default_value_t = crate::domain::exemption::DEFAULT_MAX_PERIOD_YEARS,
          value_parser = clap::value_parser!(i16).range(1..=30))]
    pub dik_max_period_years: i16,
    /// Working days ahead within which a running deadline shows as due soon
    /// in worklists (ListRequests' deadline states, GetWorkload).
    #[arg(long, env = "PPID_DUE_SOON_WORKING_DAYS",
          default_value_t = crate::app::worklist::DEFAULT_DUE_SOON_WORKING_DAYS,
          value_parser = clap::value_parser!(i32).range(1..=20))]
    pub due_soon_working_days: i32,
    /// Seconds to let in-flight calls finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "PPID_SHUTDOWN_GRACE_SECONDS", default_value_t = 10)]
    pub shutdown_grace_seconds: u64,
    /// Refuse to run without API keys (production). Without this, a database
    /// with no keys runs in open mode, announced at start, for local use.
    #[arg(long, env = "PPID_REQUIRE_API_KEYS", default_value_t = false)]
    pub require_api_keys: bool,
    /// TrackRequest attempts allowed per client address per minute.
    #[arg(long, env = "PPID_TRACK_ATTEMPTS_PER_MINUTE", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub track_attempts_per_minute: u32,
    /// Failed authentications (unknown or revoked tokens) allowed per client
    /// address per minute; past it the address is refused for a minute.
    #[arg(long, env = "PPID_FAILED_AUTH_PER_MINUTE", default_value_t = crate::api::DEFAULT_FAILED_AUTH_PER_MINUTE,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub failed_auth_per_minute: u32,
    /// Reverse proxies (addresses or CIDR blocks, comma-separated) whose
    /// X-Forwarded-For names the client, for per-address limits. Default:
    /// none (the peer address counts).
    #[arg(long, env = "PPID_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins browsers may call from (gRPC-Web), comma-separated, e.g.
    /// `https://ppid.serangkota.go.id`. Default: any origin.
    #[arg(long, env = "PPID_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Export streams open at once on this server.
    #[arg(long, env = "PPID_MAX_EXPORTS", default_value_t = crate::api::DEFAULT_MAX_EXPORTS,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub max_exports: u32,
    /// Export streams open at once per API key (or per address).
    #[arg(long, env = "PPID_MAX_EXPORTS_PER_CALLER", default_value_t = crate::api::DEFAULT_MAX_EXPORTS_PER_CALLER,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub max_exports_per_caller: u32,
    /// Seconds an export may wait for its reader to take a batch before it
    /// is ended.
    #[arg(long, env = "PPID_EXPORT_IDLE_SECONDS", default_value_t = crate::api::DEFAULT_EXPORT_IDLE_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub export_idle_seconds: u64,
    /// HTTP/2 streams (calls) open at once per connection.
    #[arg(long, env = "PPID_MAX_CONCURRENT_STREAMS", default_value_t = crate::api::DEFAULT_MAX_CONCURRENT_STREAMS,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_concurrent_streams: u32,
    /// Figures recomputed from the register (ranges not on whole months) at
    /// once; more wait 5 s for a turn, then get RESOURCE_EXHAUSTED.
    #[arg(long, env = "PPID_RECOMPUTE_CONCURRENCY", default_value_t = crate::app::figures::DEFAULT_RECOMPUTE_CONCURRENCY as u32,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub recompute_concurrency: u32,
    /// Seconds a recomputation of figures may run.
    #[arg(long, env = "PPID_RECOMPUTE_TIMEOUT_SECONDS", default_value_t = crate::app::figures::DEFAULT_RECOMPUTE_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub recompute_timeout_seconds: u64,
    /// Seconds between rounds that put deadline alerts (due soon, passed)
    /// in the event feed.
    #[arg(long, env = "PPID_ALERT_INTERVAL_SECONDS", default_value_t = crate::api::DEFAULT_ALERT_INTERVAL_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub alert_interval_seconds: u64,
    /// Directory for scheduled backups of the SQLite database
    /// (`ppid-YYYYMMDDTHHMMSSZ.db`, each checked); none: no scheduled backups.
    #[arg(long, env = "PPID_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How often a scheduled backup is taken (the first at start), e.g.
    /// `6h`, `30m`, `90s`.
    #[arg(long, env = "PPID_BACKUP_EVERY", default_value = "6h", value_parser = parse_every)]
    pub backup_every: Duration,
    /// Scheduled backups kept (the newest); older ones are removed.
    #[arg(long, env = "PPID_BACKUP_KEEP", default_value_t = 28,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub backup_keep: u32,
    /// Address of the Prometheus metrics endpoint (`GET /metrics`), e.g.
    /// `127.0.0.1:9090`; port 0 picks a free port. Default: no metrics.
    #[arg(long, env = "PPID_METRICS_LISTEN", value_name = "ADDR", value_parser = parse_listen)]
    pub metrics_listen: Option<SocketAddr>,
    /// How often the register gauges (per Pemda: open, due soon, overdue,
    /// objections awaiting an answer) are recomputed, e.g. `60s`, `5m`.
    #[arg(long, env = "PPID_METRICS_REFRESH_EVERY", default_value = "60s", value_parser = parse_every)]
    pub metrics_refresh_every: Duration,
    /// Serve the API only: no public portal pages on the listen address.
    #[arg(long, env = "PPID_NO_PORTAL", default_value_t = false)]
    pub no_portal: bool,
    /// Requests and objections one client address may submit on the
    /// portal per minute.
    #[arg(long, env = "PPID_PORTAL_SUBMITS_PER_MINUTE", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub portal_submits_per_minute: u32,
    /// Seconds a rendered public portal page (ranking, agency pages, DIP,
    /// DIK) is reused; 0 renders every view.
    #[arg(long, env = "PPID_PORTAL_PAGE_CACHE_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub portal_page_cache_seconds: u64,
}

/// `--metrics-listen`: an IP address and port.
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    s.trim().parse().map_err(|_| {
        format!("{s:?} is not an address to listen on: give IP:PORT, e.g. 127.0.0.1:9090 (port 0 picks a free port)")
    })
}

impl ServeArgs {
    /// The server's guards.
    pub fn server_settings(&self) -> anyhow::Result<crate::api::ServerSettings> {
        let cors_origins = self
            .cors_origins
            .iter()
            .map(|o| {
                let o = o.trim().trim_end_matches('/');
                anyhow::ensure!(
                    o.starts_with("https://") || o.starts_with("http://"),
                    "--cors-origins: {o:?} is not an origin (scheme://host[:port])"
                );
                http::HeaderValue::from_str(o)
                    .map_err(|_| anyhow::anyhow!("--cors-origins: {o:?} is not a valid origin"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if let Some(replica) = &self.read_database_url {
            anyhow::ensure!(
                crate::store::is_postgres(&self.database.database_url),
                "{}",
                crate::store::REPLICA_NEEDS_POSTGRES
            );
            anyhow::ensure!(
                crate::store::is_postgres(replica),
                "--read-database-url: {} is not a postgres:// URL",
                redact_url(replica)
            );
        }
        let backup = match &self.backup_dir {
            None => None,
            Some(dir) => {
                anyhow::ensure!(
                    !crate::store::is_postgres(&self.database.database_url),
                    "--backup-dir: {}",
                    crate::backup::POSTGRES_REFUSAL
                );
                Some(crate::backup::Schedule {
                    database_url: self.database.database_url.clone(),
                    dir: dir.clone(),
                    every: self.backup_every,
                    keep: self.backup_keep as usize,
                })
            }
        };
        Ok(crate::api::ServerSettings {
            backup,
            allow_open: !self.require_api_keys,
            track_per_minute: self.track_attempts_per_minute,
            failed_auth_per_minute: self.failed_auth_per_minute,
            trusted_proxies: self.trusted_proxies.clone(),
            cors_origins,
            max_exports: self.max_exports as usize,
            max_exports_per_caller: self.max_exports_per_caller as usize,
            export_idle: Duration::from_secs(self.export_idle_seconds),
            max_concurrent_streams: self.max_concurrent_streams,
            recompute_concurrency: self.recompute_concurrency as usize,
            recompute_timeout: Duration::from_secs(self.recompute_timeout_seconds),
            alert_interval: Duration::from_secs(self.alert_interval_seconds),
            metrics_refresh_every: self.metrics_refresh_every,
            portal: (!self.no_portal).then_some(crate::portal::Settings {
                submits_per_minute: self.portal_submits_per_minute,
                page_cache: Duration::from_secs(self.portal_page_cache_seconds),
            }),
            ..crate::api::ServerSettings::default()
        })
    }

    /// The store's settings.
    pub fn store_settings(&self) -> crate::store::StoreSettings {
        crate::store::StoreSettings {
            cuti_bersama_is_working_day: self.cuti_bersama_is_working_day,
            allow_unregistered_exemption: self.allow_unregistered_exemption,
            objection_reopen_working_days: self.objection_reopen_working_days,
            dispute_compliance_working_days: self.dispute_compliance_working_days,
            delivery_working_days: self.delivery_working_days,
            completion_window_working_days: self.completion_window_working_days,
            dik_max_period_years: self.dik_max_period_years,
            due_soon_working_days: self.due_soon_working_days,
            read_database_url: self.read_database_url.clone(),
            ..crate::store::StoreSettings::default()
        }
    }

    /// The drain bound.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_seconds)
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The database URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("ppid.db"), "ppid.db");
    }

    #[test]
    fn defaults() {
        let cli = Cli::try_parse_from(["ppid", "serve"]).unwrap();
        let Command::Serve(s) = cli.command else {
            panic!("serve")
        };
        assert_eq!(s.listen.to_string(), "127.0.0.1:50051");
        assert_eq!(s.database.database_url, "ppid.db");
        assert!(!s.cuti_bersama_is_working_day);
        assert_eq!(s.backup_dir, None);
        assert_eq!(s.backup_every, Duration::from_secs(6 * 3600));
        assert_eq!(s.backup_keep, 28);
        assert_eq!(s.metrics_listen, None, "metrics are off unless asked for");
        assert_eq!(s.metrics_refresh_every, Duration::from_secs(60));
        assert_eq!(
            s.read_database_url, None,
            "no read replica unless asked for"
        );
    }

    #[test]
    fn read_replica_needs_postgres() {
        let serve = |args: &[&str]| {
            let mut all = vec!["ppid", "serve"];
            all.extend_from_slice(args);
            match Cli::try_parse_from(all).unwrap().command {
                Command::Serve(s) => s,
                _ => panic!("serve"),
            }
        };
        // With the SQLite default: refused before anything opens, saying why.
        let s = serve(&["--read-database-url", "postgres://u@replica:5433/ppid"]);
        let err = s.server_settings().unwrap_err().to_string();
        assert!(err.contains("--read-database-url"), "{err}");
        assert!(err.contains("SQLite"), "{err}");
        let s = serve(&[
            "--database-url",
            "sqlite:ppid.db",
            "--read-database-url",
            "postgres://u@replica/ppid",
        ]);
        assert!(s.server_settings().is_err());
        // Not a PostgreSQL URL: refused, with any password left out.
        let s = serve(&[
            "--database-url",
            "postgres://u@primary/ppid",
            "--read-database-url",
            "replica.db",
        ]);
        let err = s.server_settings().unwrap_err().to_string();
        assert!(err.contains("not a postgres:// URL"), "{err}");
        // With a PostgreSQL primary: carried to the store.
        let s = serve(&[
            "--database-url",
            "postgres://u@primary/ppid",
            "--read-database-url",
            "postgres://u:secret@replica:5433/ppid",
        ]);
        s.server_settings().unwrap();
        assert_eq!(
            s.store_settings().read_database_url.as_deref(),
            Some("postgres://u:secret@replica:5433/ppid")
        );
    }

    #[test]
    fn metrics_flags() {
        let serve = |args: &[&str]| {
            let mut all = vec!["ppid", "serve"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).map(|cli| match cli.command {
                Command::Serve(s) => s,
                _ => panic!("serve"),
            })
        };
        let s = serve(&[
            "--metrics-listen",
            "127.0.0.1:0",
            "--metrics-refresh-every",
            "5s",
        ])
        .unwrap();
        assert_eq!(s.metrics_listen, Some("127.0.0.1:0".parse().unwrap()));
        assert_eq!(s.metrics_refresh_every, Duration::from_secs(5));
        assert_eq!(
            s.server_settings().unwrap().metrics_refresh_every,
            Duration::from_secs(5)
        );
        let s = serve(&["--metrics-listen", "[::1]:9090"]).unwrap();
        assert_eq!(s.metrics_listen, Some("[::1]:9090".parse().unwrap()));
        for bad in ["9090", "localhost:9090", "127.0.0.1", "127.0.0.1:99999", ""] {
            let err = serve(&["--metrics-listen", bad]).unwrap_err().to_string();
            assert!(err.contains("--metrics-listen"), "{bad:?}: {err}");
            assert!(err.contains("IP:PORT"), "{bad:?}: {err}");
        }
        let err = serve(&["--metrics-refresh-every", "0s"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--metrics-refresh-every"), "{err}");
    }

    #[test]
    fn generate_shape_flags() {
        let generate = |args: &[&str]| {
            let mut all = vec!["ppid", "generate"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).map(|cli| match cli.command {
                Command::Generate(g) => g,
                _ => panic!("generate"),
            })
        };
        let g = generate(&["--pemdas", "550", "--opds-per-pemda", "30"]).unwrap();
        assert_eq!((g.pemdas, g.opds_per_pemda), (550, 30));
        // A country of Pemdas without OPDs is a shape; one without Pemdas is not.
        assert_eq!(
            generate(&["--opds-per-pemda", "0"]).unwrap().opds_per_pemda,
            0
        );
        for bad in ["0", "10001", "x"] {
            let err = generate(&["--pemdas", bad]).unwrap_err().to_string();
            assert!(err.contains("--pemdas"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn backup_intervals() {
        assert_eq!(parse_every("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_every("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_every("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_every("0s").is_err());
        assert!(parse_every("500ms").is_err());
        assert!(parse_every("often").is_err());
        let cli = Cli::try_parse_from([
            "ppid",
            "serve",
            "--database-url",
            "postgres://u@h/db",
            "--backup-dir",
            "/tmp/b",
        ])
        .unwrap();
        let Command::Serve(s) = cli.command else {
            panic!("serve")
        };
        let err = s.server_settings().unwrap_err().to_string();
        assert!(err.contains("pg_dump"), "{err}");
    }
}
