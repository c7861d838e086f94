//! The commands that run straight against the operator's own database
//! (`--database-url`, as `serve`), so no server needs to be running:
//! `ppid report annual`, `ppid export requests|register`, `ppid keys`,
//! `ppid generate`, `ppid backup`, `ppid import register`. They call the same use cases as the gRPC
//! services.
use std::{
    io::{BufWriter, IsTerminal, Write},
    path::PathBuf,
    sync::Arc,
};

use anyhow::Context;

use crate::{
    app::App,
    clock::SystemClock,
    config::{
        BackupArgs, DatabaseArgs, ExportCommand, ExportFormat, FilterArgs, ImportCommand,
        KeysCommand, LetterArgs, ReportCommand, ReportFormat, redact_url,
    },
    domain::time,
    report::{export, render},
    store::{self, RequestFilter, StoreSettings},
};

/// The app on the operator's own database, with the real clock.
pub async fn open(db: &DatabaseArgs) -> anyhow::Result<App> {
    let store = store::connect(&db.database_url, StoreSettings::default())
        .await
        .with_context(|| format!("opening the database {}", redact_url(&db.database_url)))?;
    Ok(App::new(store, Arc::new(SystemClock)))
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
    let app = open(&a.database).await?;
    let r = app.annual_report(agency_id(&a.agency), a.year).await?;
    let (mut out, _) = output(&a.output)?;
    let format = match a.format {
        ReportFormat::Md => render::Format::Markdown,
        ReportFormat::Html => render::Format::Html,
        ReportFormat::Json => render::Format::Json,
        ReportFormat::Csv => render::Format::Csv,
    };
    render::render(&r, format, a.lang, a.header, &mut out)?;
    Ok(())
}

/// Runs `ppid letter ...`: the letter as HTML on standard output or a file.
pub async fn letter(a: LetterArgs) -> anyhow::Result<()> {
    use crate::app::letters::LetterSubject;
    let app = open(&a.database).await?;
    let subject = match (&a.request, &a.objection) {
        (Some(r), _) => {
            let id = match r.strip_prefix("requests/").map(uuid::Uuid::parse_str) {
                Some(id) => id.with_context(|| format!("{r:?} is not requests/{{uuid}}"))?,
                None => {
                    app.request_by_number(r)
                        .await?
                        .with_context(|| format!("no request has the registration number {r:?}"))?
                        .id
                }
            };
            LetterSubject::Request(id)
        }
        (None, Some(o)) => LetterSubject::Objection(
            uuid::Uuid::parse_str(o.strip_prefix("objections/").unwrap_or(o))
                .with_context(|| format!("{o:?} is not objections/{{uuid}}"))?,
        ),
        (None, None) => anyhow::bail!("name --request or --objection"),
    };
    let letter = app
        .render_letter(subject, a.kind, a.lang, !a.without_personal_data)
        .await?;
    let (mut out, _) = output(&a.output)?;
    out.write_all(letter.html.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The store filter of the flags.
pub async fn filter(app: &App, f: &FilterArgs) -> anyhow::Result<RequestFilter> {
    let agency = match &f.agency {
        Some(id) => Some(app.get_agency(agency_id(id)).await?),
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
        ..Default::default()
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
    let app = open(&f.database).await?;
    let filter = filter(&app, f).await?;
    let (mut out, to_stdout) = output(&f.output)?;
    // A progress bar only for a person watching: stderr is a terminal, and
    // the rows are not going to that same terminal.
    let stderr_tty = std::io::stderr().is_terminal();
    let bar = if stderr_tty && !(to_stdout && std::io::stdout().is_terminal()) {
        let total = app.export_count(&filter).await?;
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
    let n = app
        .export_to(
            &filter,
            f.include_personal_data,
            format,
            (f.lang, f.header),
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

/// Runs `ppid import register`: reads the file, files every row in one
/// transaction (or, with `--dry-run`, checks and rolls back), and lists
/// each problem as `FILE: row R, column "C": reason`. Any problem: nothing
/// is written and the command fails.
pub async fn import(cmd: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Register(a) = cmd;
    let file = a.file.display().to_string();
    let app = open(&a.database).await?;
    let agency = app.get_agency(agency_id(&a.agency)).await?;
    let today = time::local_date(app.now(), &agency.tz());
    let started = std::time::Instant::now();
    let register = crate::import::read_file(&a.file, today)
        .map_err(|e| anyhow::anyhow!("{file}: {e}; nothing was imported"))?;
    let report = app
        .import_register(&agency.id, register, a.dry_run)
        .await
        .with_context(|| format!("importing {file}; nothing was imported"))?;
    let seconds = started.elapsed().as_secs_f64();
    for p in &report.problems {
        eprintln!("{file}: {p}");
    }
    let summary = format!(
        "{} row(s): {} new, {} already in the register, {} with a legacy number, {} withholding(s) without a DIK entry (flagged)",
        report.rows,
        report.imported,
        report.already_present,
        report.legacy_numbers,
        report.unregistered_basis
    );
    if !report.problems.is_empty() {
        anyhow::bail!(
            "{file}: {} problem(s) in {} row(s); nothing was imported",
            report.problems.len(),
            {
                let mut rows: Vec<usize> = report.problems.iter().map(|p| p.row).collect();
                rows.dedup();
                rows.len()
            }
        );
    }
    if a.dry_run {
        println!("{file}: dry run, nothing written; {summary}");
    } else {
        println!(
            "{file}: imported in {seconds:.1} s ({:.0} rows/s); {summary}",
            report.rows as f64 / seconds.max(1e-9)
        );
    }
    tracing::info!(
        rows = report.rows,
        imported = report.imported,
        already_present = report.already_present,
        dry_run = a.dry_run,
        seconds,
        "register import"
    );
    Ok(())
}

/// Runs `ppid keys ...` against the database directly (the operator's own).
pub async fn keys(command: KeysCommand) -> anyhow::Result<()> {
    use crate::domain::{Role, access};
    match command {
        KeysCommand::Create(args) => {
            crate::telemetry::init(args.database.log_format);
            let role = Role::parse(&args.role).with_context(|| {
                format!(
                    "unknown role {:?}: one of admin, officer, superior, intake, reader",
                    args.role
                )
            })?;
            if let Some(why) = access::check_label(&args.name) {
                anyhow::bail!("--name {why}");
            }
            anyhow::ensure!(
                args.agency.is_some() || matches!(role, Role::Admin | Role::Reader),
                "a {role} key must be bound to an agency (--agency)"
            );
            let app = open(&args.database).await?;
            let issued = access::issue_key();
            let key = access::ApiKey {
                id: issued.id.clone(),
                name: if args.name.is_empty() {
                    format!("{role} key")
                } else {
                    args.name.clone()
                },
                role,
                agency_id: args.agency.clone(),
                create_time: app.now(),
                created_by: "ppid keys create".into(),
                revoke_time: None,
            };
            let key = app.create_key(key, issued.token_hash).await?;
            eprintln!(
                "created key {} ({role}{}); the token below is shown once and cannot be recovered:",
                key.id,
                key.agency_id
                    .as_deref()
                    .map(|a| format!(", agencies/{a}"))
                    .unwrap_or_default()
            );
            println!("{}", issued.token);
        }
        KeysCommand::List(db) => {
            crate::telemetry::init(db.log_format);
            let app = open(&db).await?;
            println!(
                "{:<17} {:<9} {:<32} {:<26} NAME",
                "ID", "ROLE", "AGENCY", "STATE"
            );
            for k in app.list_keys().await? {
                let state = k
                    .revoke_time
                    .map_or_else(|| "active".to_string(), |t| format!("revoked {t:.0}"));
                println!(
                    "{:<17} {:<9} {:<32} {:<26} {}",
                    k.id,
                    k.role,
                    k.agency_id.as_deref().unwrap_or("-"),
                    state,
                    k.name
                );
            }
        }
        KeysCommand::Revoke(args) => {
            crate::telemetry::init(args.database.log_format);
            let app = open(&args.database).await?;
            let k = app.revoke_key(&args.id, args.force).await?;
            println!("revoked key {} ({})", k.id, k.name);
            if app.active_key_count().await? == 0 {
                eprintln!(
                    "no active key is left: calls without a key are public only (open mode does \
                     not return); `ppid keys create --role admin` makes a new one"
                );
            }
        }
    }
    Ok(())
}

/// Runs `ppid backup`: a checked copy of the SQLite database (`--output`),
/// or the check of an existing one (`--verify`); a short summary on
/// standard output (counts and sizes, nothing personal).
pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    if let Some(file) = &args.verify {
        let summary = crate::backup::verify(file).await?;
        println!("{}: a sound backup", file.display());
        print!("{summary}");
        return Ok(());
    }
    let output = args
        .output
        .as_ref()
        .context("name the backup file with --output FILE (or check one with --verify FILE)")?;
    let started = std::time::Instant::now();
    let summary = crate::backup::take(&args.database.database_url, output).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!("backup written: {} ({seconds:.1} s)", output.display());
    print!("{summary}");
    tracing::info!(bytes = summary.bytes, seconds, "backup written");
    Ok(())
}
