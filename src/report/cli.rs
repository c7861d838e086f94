//! `ppid report annual` and `ppid export requests|register`: the same code as
//! `ReportService`, run straight against the operator's own database
//! (`--database-url`, as `serve`), so no server needs to be running.
use std::{
    io::{BufWriter, IsTerminal, Write},
    path::PathBuf,
    sync::Arc,
};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::{
    api::AppState,
    clock::SystemClock,
    config::{DatabaseArgs, redact_url},
    domain::{RequestState, time},
    report::{annual, export, render},
    store::{self, RequestFilter, Store, StoreSettings},
};

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
    /// Output file; `-` or none: standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
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

async fn open(db: &DatabaseArgs) -> anyhow::Result<Arc<dyn Store>> {
    store::connect(&db.database_url, StoreSettings::default())
        .await
        .with_context(|| format!("opening the database {}", redact_url(&db.database_url)))
}

/// Standard output unless a file is named; always buffered.
fn output(path: &Option<PathBuf>) -> anyhow::Result<(Box<dyn Write>, bool)> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            let f =
                std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
            Ok((Box::new(BufWriter::with_capacity(1 << 16, f)), false))
        }
        _ => Ok((
            Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock())),
            true,
        )),
    }
}

fn agency_id(s: &str) -> &str {
    s.strip_prefix("agencies/").unwrap_or(s)
}

/// Runs `ppid report ...`.
pub async fn report(cmd: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Annual(a) = cmd;
    // The CLI is the operator on its own database: open access.
    let state = AppState::new(open(&a.database).await?, Arc::new(SystemClock), true, 1);
    let r = annual::build(&state, agency_id(&a.agency), a.year).await?;
    let (mut out, _) = output(&a.output)?;
    let format = match a.format {
        ReportFormat::Md => render::Format::Markdown,
        ReportFormat::Html => render::Format::Html,
        ReportFormat::Json => render::Format::Json,
        ReportFormat::Csv => render::Format::Csv,
    };
    render::render(&r, format, &mut out)?;
    Ok(())
}

/// The store filter of the flags.
pub async fn filter(store: &dyn Store, f: &FilterArgs) -> anyhow::Result<RequestFilter> {
    let agency = match &f.agency {
        Some(id) => Some(store.get_agency(agency_id(id)).await?),
        None => None,
    };
    // Days are the filter agency's local days (WIB without one), as in
    // ExportRequests.
    let tz = agency.as_ref().map_or_else(
        || time::parse_time_zone(time::DEFAULT_TIME_ZONE).expect("bundled zone"),
        |a| a.tz(),
    );
    Ok(RequestFilter {
        include_sub_agencies: agency.is_some() && !f.only_agency,
        agency,
        states: f.states.clone(),
        receive_start: f
            .from
            .and_then(|d| d.yesterday().ok())
            .and_then(|d| time::end_of_day(d, &tz)),
        receive_end: f.to.and_then(|d| time::end_of_day(d, &tz)),
        overdue_at: None,
        submitted_by: None,
    })
}

/// Runs `ppid export ...`.
pub async fn export(cmd: ExportCommand) -> anyhow::Result<()> {
    let (f, format) = match &cmd {
        ExportCommand::Requests(a) => (
            &a.filter,
            match a.format {
                ExportFormat::Csv => export::Format::Csv,
                ExportFormat::Jsonl => export::Format::Jsonl,
            },
        ),
        ExportCommand::Register(a) => (&a.filter, export::Format::Register),
    };
    let store = open(&f.database).await?;
    let filter = filter(store.as_ref(), f).await?;
    let (mut out, to_stdout) = output(&f.output)?;
    // A progress bar only for a person watching: stderr is a terminal, and
    // the rows are not going to that same terminal.
    let stderr_tty = std::io::stderr().is_terminal();
    let bar = if stderr_tty && !(to_stdout && std::io::stdout().is_terminal()) {
        let total = store.export_count(&filter).await?;
        let bar = indicatif::ProgressBar::new(total.max(0) as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} requests {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let n = export::export(
        store.as_ref(),
        &filter,
        f.include_personal_data,
        format,
        &mut out,
        |n| {
            if let Some(b) = &bar {
                b.set_position(n);
            }
        },
    )
    .await?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    drop(out);
    tracing::info!(
        requests = n,
        seconds = started.elapsed().as_secs_f64(),
        personal_data = f.include_personal_data,
        "export written"
    );
    Ok(())
}
