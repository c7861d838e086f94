//! Backups of the embedded (SQLite) database: `ppid backup`, `ppid backup
//! --verify` and the server's scheduled backups (`ppid serve --backup-dir`).
//!
//! A backup is `VACUUM INTO` on a read-only connection of its own: one read
//! transaction, so the copy is the database as of one commit while the
//! server goes on writing beside it (WAL); nothing is written to the
//! database. The copy is written under a temporary name in the output's
//! directory, turned into a single file (rollback journal, no `-wal`),
//! synced, checked (integrity, migrations, counts) and only then given its
//! name; whatever fails on the way removes the temporary file.
//!
//! Summaries hold counts, sizes and times only, never a requester's data.
use std::{
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use jiff::Timestamp;
use sqlx::{
    Connection as _,
    sqlite::{SqliteConnectOptions, SqliteConnection},
};

/// What a backup of PostgreSQL is refused with.
pub const POSTGRES_REFUSAL: &str = "ppid backups cover the embedded SQLite database only; back up \
     PostgreSQL with pg_dump / pg_restore, and base backups with WAL archiving for point-in-time \
     recovery (README, section Backups)";

/// The tables a summary counts, with their labels.
const COUNTS: [(&str, &str); 6] = [
    ("requests", "SELECT COUNT(*) FROM requests"),
    ("history events", "SELECT COUNT(*) FROM request_events"),
    ("objections", "SELECT COUNT(*) FROM objections"),
    ("disputes", "SELECT COUNT(*) FROM disputes"),
    ("agencies", "SELECT COUNT(*) FROM agencies"),
    ("DIK entries", "SELECT COUNT(*) FROM exemptions"),
];

/// What a sound backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The file's size.
    pub bytes: u64,
    /// Migrations applied (all of this build's).
    pub migrations: usize,
    /// Rows of the main tables, labelled.
    pub counts: Vec<(&'static str, i64)>,
    /// When the newest request was received.
    pub newest_receive_time: Option<Timestamp>,
}

impl Summary {
    /// The count labelled `label` (0 if none is).
    pub fn count(&self, label: &str) -> i64 {
        self.counts
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(0, |(_, n)| *n)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  {:<24} ok", "integrity")?;
        writeln!(
            f,
            "  {:<24} {} of {} applied",
            "migrations", self.migrations, self.migrations
        )?;
        writeln!(
            f,
            "  {:<24} {:.1} MiB ({} bytes)",
            "size",
            self.bytes as f64 / (1024.0 * 1024.0),
            self.bytes
        )?;
        for (label, n) in &self.counts {
            writeln!(f, "  {label:<24} {n}")?;
        }
        match self.newest_receive_time {
            Some(t) => writeln!(f, "  {:<24} {t:.0}", "newest request received"),
            None => writeln!(f, "  {:<24} none", "newest request received"),
        }
    }
}

/// A read-only connection's options for the database `url` names (a file
/// path or `sqlite:` URL); it must exist.
fn source_options(url: &str) -> anyhow::Result<SqliteConnectOptions> {
    ensure!(!crate::store::is_postgres(url), POSTGRES_REFUSAL);
    let opts = if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)?
    } else {
        SqliteConnectOptions::new().filename(url)
    };
    let file = opts.get_filename().to_path_buf();
    ensure!(
        !file.as_os_str().is_empty()
            && file.as_os_str() != ":memory:"
            && !url.contains("mode=memory"),
        "an in-memory database has no file to back up"
    );
    ensure!(file.is_file(), "no database at {}", file.display());
    Ok(opts.create_if_missing(false).read_only(true))
}

/// Backs up the database `url` names into `output`, which must not exist,
/// and checks the copy.
pub async fn take(url: &str, output: &Path) -> anyhow::Result<Summary> {
    let source = source_options(url)?;
    if output.symlink_metadata().is_ok() {
        bail!(
            "refusing to overwrite {}: the file exists (a backup never replaces a file)",
            output.display()
        );
    }
    let name = output
        .file_name()
        .with_context(|| format!("{} names no file", output.display()))?;
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!(
            "cannot write {}: {} is not a directory",
            output.display(),
            dir.display()
        ),
        Err(e) => bail!(
            "cannot write {}: its directory {}: {e}",
            output.display(),
            dir.display()
        ),
    }
    let temp = TempFile::create(dir.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    )))
    .with_context(|| format!("cannot write {}", output.display()))?;
    copy(&source, &temp.path)
        .await
        .with_context(|| format!("backing up into {}", output.display()))?;
    let summary = verify(&temp.path)
        .await
        .with_context(|| format!("the copy for {} failed its check", output.display()))?;
    temp.persist(output, &dir)?;
    Ok(summary)
}

/// `VACUUM INTO` the empty file `temp`, then make it a single synced file.
async fn copy(source: &SqliteConnectOptions, temp: &Path) -> anyhow::Result<()> {
    let into = temp
        .to_str()
        .context("the output's path is not valid UTF-8")?
        .to_string();
    let mut src = SqliteConnection::connect_with(source)
        .await
        .with_context(|| format!("opening {}", source.get_filename().display()))?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(into)
        .execute(&mut src)
        .await;
    let _ = src.close().await;
    copied.context("copying the database")?;
    // The copy keeps the source's journal mode; as a file on its own it
    // needs none of WAL's side files.
    let mut out = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(temp)
            .create_if_missing(false),
    )
    .await?;
    let single = sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut out)
        .await;
    out.close().await?;
    single?;
    let temp = temp.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::File::open(&temp)?.sync_all())
        .await?
        .context("syncing the copy")?;
    Ok(())
}

/// Checks an existing backup: integrity, every migration of this build
/// applied, and what it holds.
pub async fn verify(path: &Path) -> anyhow::Result<Summary> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    ensure!(meta.is_file(), "{} is not a file", path.display());
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    let mut conn = SqliteConnection::connect_with(&opts)
        .await
        .with_context(|| format!("{} is not a readable SQLite database", path.display()))?;
    let checked = check(&mut conn, meta.len()).await;
    let _ = conn.close().await;
    checked.with_context(|| format!("{} is not a sound ppid backup", path.display()))
}

async fn check(conn: &mut SqliteConnection, bytes: u64) -> anyhow::Result<Summary> {
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(20)")
        .fetch_all(&mut *conn)
        .await
        .context("not a SQLite database, or a damaged one")?;
    ensure!(
        problems == ["ok"],
        "the integrity check failed: {}",
        problems.join("; ")
    );
    let has_history: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?;
    ensure!(
        has_history == 1,
        "it holds no ppid database (no migration history)"
    );
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut *conn)
            .await?;
    let expected: Vec<i64> = crate::store::sqlite_migrator()
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .collect();
    let unknown: Vec<i64> = applied
        .iter()
        .copied()
        .filter(|v| !expected.contains(v))
        .collect();
    ensure!(
        unknown.is_empty(),
        "it was written by a newer ppid (migrations {unknown:?} are unknown to this one)"
    );
    let missing: Vec<i64> = expected
        .iter()
        .copied()
        .filter(|v| !applied.contains(v))
        .collect();
    ensure!(
        missing.is_empty(),
        "migrations {missing:?} are not applied (a database of an older ppid; `ppid migrate` on a \
         copy of it brings it up to date)"
    );
    let mut counts = Vec::with_capacity(COUNTS.len());
    for (label, sql) in COUNTS {
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("counting {label}"))?;
        counts.push((label, n));
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(receive_time) FROM requests")
        .fetch_one(&mut *conn)
        .await?;
    let newest_receive_time = newest
        .map(Timestamp::from_microsecond)
        .transpose()
        .context("the newest receive time is out of range")?;
    Ok(Summary {
        bytes,
        migrations: applied.len(),
        counts,
        newest_receive_time,
    })
}

/// A file this process writes under a temporary name: removed (with any
/// journal beside it) unless persisted, also when the backup is cancelled.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    /// Creates the file, empty; fails if it exists or cannot be written.
    fn create(path: PathBuf) -> std::io::Result<Self> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Self { path, keep: false })
    }

    /// Gives the file its name, never replacing a file that appeared there
    /// meanwhile, and syncs the directory.
    fn persist(mut self, output: &Path, dir: &Path) -> anyhow::Result<()> {
        match std::fs::hard_link(&self.path, output) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
                "refusing to overwrite {}: the file appeared while the backup was taken",
                output.display()
            ),
            // A file system without hard links: rename.
            Err(_) => {
                ensure!(
                    output.symlink_metadata().is_err(),
                    "refusing to overwrite {}: the file appeared while the backup was taken",
                    output.display()
                );
                std::fs::rename(&self.path, output)
                    .with_context(|| format!("naming {}", output.display()))?;
                self.keep = true;
            }
        }
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let _ = std::fs::remove_file(&self.path);
        for side in ["-journal", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(side);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Scheduled backups (`ppid serve --backup-dir`).
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The database (a SQLite file).
    pub database_url: String,
    /// Where backups go.
    pub dir: PathBuf,
    /// How often.
    pub every: Duration,
    /// How many to keep (the newest).
    pub keep: usize,
}

/// The name of a scheduled backup taken at `t`: `ppid-YYYYMMDDTHHMMSSZ.db`
/// (names sort as times do).
pub fn file_name(t: Timestamp) -> String {
    format!("ppid-{}.db", t.strftime("%Y%m%dT%H%M%SZ"))
}

/// Whether `name` is a scheduled backup's name.
pub fn is_backup_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == "ppid-20260101T000000Z.db".len()
        && name.starts_with("ppid-")
        && name.ends_with("Z.db")
        && b[13] == b'T'
        && b[5..13].iter().chain(&b[14..20]).all(u8::is_ascii_digit)
}

/// Removes the oldest scheduled backups in `dir` beyond `keep`; how many.
fn prune(dir: &Path, keep: usize) -> std::io::Result<usize> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| is_backup_name(n))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for n in &names[..excess] {
        std::fs::remove_file(dir.join(n))?;
    }
    Ok(excess)
}

/// Takes a backup every `schedule.every` (the first at once) until `stop`
/// turns true. A failed backup is logged and the next one tried; the
/// server carries on.
pub async fn run_schedule(schedule: Schedule, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(schedule.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = crate::api::stopping(&mut stop) => return,
        }
        let name = file_name(Timestamp::now());
        let output = schedule.dir.join(&name);
        let started = Instant::now();
        // A backup under way is finished (and old ones pruned) before the
        // stop is looked at: `serve` waits a few seconds for it; if it is
        // dropped then, its temporary file is removed.
        match take(&schedule.database_url, &output).await {
            Ok(summary) => {
                let removed = match prune(&schedule.dir, schedule.keep) {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, dir = %schedule.dir.display(), "removing old backups failed");
                        0
                    }
                };
                tracing::info!(
                    file = %name,
                    bytes = summary.bytes,
                    seconds = started.elapsed().as_secs_f64(),
                    requests = summary.count("requests"),
                    removed = removed as u64,
                    "backup written"
                );
            }
            Err(e) => {
                tracing::warn!(
                    error = %format!("{e:#}"),
                    seconds = started.elapsed().as_secs_f64(),
                    "backup failed; the server carries on"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_as_times() {
        let a = file_name("2026-03-02T02:00:00Z".parse().unwrap());
        let b = file_name("2026-03-02T10:00:05Z".parse().unwrap());
        assert_eq!(a, "ppid-20260302T020000Z.db");
        assert!(a < b);
        assert!(is_backup_name(&a) && is_backup_name(&b));
        assert!(!is_backup_name("ppid-2026030T020000Z.db"));
        assert!(!is_backup_name(".ppid-20260302T020000Z.db.tmp-1-x"));
        assert!(!is_backup_name("ppid.db"));
    }
}
