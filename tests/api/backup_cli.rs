//! `ppid backup` as an operator runs it: a consistent copy while a server
//! runs and writes, its refusals, `--verify`, and the server's scheduled
//! backups (`--backup-dir`). SQLite only: PostgreSQL is backed up with
//! pg_dump.
use std::{
    collections::BTreeMap,
    path::Path,
    process::{Command, Output},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use ppid::pb::ppid::v1::{
    self as pb, agency_service_client::AgencyServiceClient,
    request_service_client::RequestServiceClient,
};
use tonic::transport::Channel;

use crate::helpers::{EMAIL, NIK, PHONE, ServeProcess, serve_process, submission};

fn ppid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ppid"))
        .args(args)
        .env("PPID_LOG", "warn")
        .output()
        .expect("run ppid")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

async fn channel(addr: &str) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// SIGTERM, and wait for the process to end.
fn stop(mut p: ServeProcess) {
    let _ = Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status();
    let _ = p.child.wait();
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_during_load_holds_every_acknowledged_request() {
    let dir = tempfile::tempdir().unwrap();
    let db = path(&dir.path().join("ppid.db"));
    // A register with a year of history, then live submissions beside the
    // backup.
    let out = ppid(&["generate", "--database-url", &db, "--requests", "3000"]);
    assert!(out.status.success(), "{out:?}");
    let server = serve_process(&db, &[]);
    let ch = channel(&server.addr).await;
    AgencyServiceClient::new(ch.clone())
        .create_agency(pb::CreateAgencyRequest {
            agency_id: "kota-cadangan".into(),
            agency: Some(pb::Agency {
                display_name: "Kota Cadangan".into(),
                kind: pb::agency::Kind::Pemda as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();

    // request_id -> registration number, once acknowledged.
    let acked: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let running = Arc::new(AtomicBool::new(true));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let mut c = RequestServiceClient::new(ch.clone());
        let (acked, running) = (acked.clone(), running.clone());
        workers.push(tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                let body = submission("kota-cadangan", "");
                let r = c
                    .submit_request(body.clone())
                    .await
                    .expect("a submission under load");
                acked
                    .lock()
                    .unwrap()
                    .insert(body.request_id, r.into_inner().registration_number);
            }
        }));
    }
    let waited = Instant::now();
    while acked.lock().unwrap().len() < 100 {
        assert!(waited.elapsed() < Duration::from_secs(30), "the load runs");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // What was acknowledged before the backup began must be in it.
    let before = acked.lock().unwrap().clone();
    let copy = dir.path().join("copy.db");
    let (from, into) = (db.clone(), path(&copy));
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        ppid(&["backup", "--database-url", &from, "--output", &into])
    })
    .await
    .unwrap();
    let took = started.elapsed();
    let during = acked.lock().unwrap().len() - before.len();
    running.store(false, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let total = acked.lock().unwrap().len();
    stop(server);
    assert!(out.status.success(), "{out:?}");
    eprintln!(
        "backup of {} bytes in {took:?}; {during} submissions acknowledged while it ran, {total} in all",
        std::fs::metadata(&copy).unwrap().len()
    );
    let summary = text(&out.stdout);
    assert!(summary.contains("backup written"), "{summary}");
    assert!(
        summary.contains("integrity") && summary.contains("ok"),
        "{summary}"
    );
    assert!(summary.contains("newest request received"), "{summary}");
    for personal in [NIK, PHONE, EMAIL, "Siti Rahayu"] {
        assert!(!summary.contains(personal), "counts only: {summary}");
        assert!(!text(&out.stderr).contains(personal));
    }
    // One file: nothing beside it, no temporary file left.
    assert_eq!(
        names(dir.path())
            .into_iter()
            .filter(|n| n.starts_with("copy") || n.contains(".tmp-"))
            .collect::<Vec<_>>(),
        ["copy.db"]
    );

    // The copy checks out ...
    let out = ppid(&["backup", "--verify", &path(&copy)]);
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).contains("a sound backup"), "{out:?}");

    // ... holds every request acknowledged before the backup began ...
    let pool = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&copy)
            .read_only(true),
    )
    .await
    .unwrap();
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, registration_number FROM requests")
            .fetch_all(&pool)
            .await
            .unwrap();
    let stored: BTreeMap<String, String> = rows.into_iter().collect();
    pool.close().await;
    for (id, number) in &before {
        assert_eq!(
            stored.get(id),
            Some(number),
            "request {id} was acknowledged before the backup began"
        );
    }
    assert!(stored.len() >= 3000 + before.len(), "{}", stored.len());
    assert!(stored.len() <= 3000 + total);

    // ... and serves.
    let served = serve_process(&path(&copy), &[]);
    let ch = channel(&served.addr).await;
    let health = tonic_health::pb::health_client::HealthClient::new(ch.clone())
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        health.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    AgencyServiceClient::new(ch.clone())
        .get_agency(pb::GetAgencyRequest {
            name: "agencies/kota-cadangan".into(),
        })
        .await
        .unwrap();
    let (id, number) = before.iter().next_back().unwrap();
    let r = RequestServiceClient::new(ch)
        .get_request(pb::GetRequestRequest {
            name: format!("requests/{id}"),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(&r.registration_number, number);
    stop(served);
}

#[test]
fn backup_refuses_what_it_must_not_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = path(&dir.path().join("ppid.db"));
    let out = ppid(&["migrate", "--database-url", &db]);
    assert!(out.status.success(), "{out:?}");

    // An existing output is never replaced.
    let existing = dir.path().join("existing.db");
    std::fs::write(&existing, "keep me").unwrap();
    let out = ppid(&[
        "backup",
        "--database-url",
        &db,
        "--output",
        &path(&existing),
    ]);
    assert!(!out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains(&path(&existing)), "{out:?}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");

    // A directory that is missing, or a file where the directory should be.
    for place in [
        dir.path().join("no-such-dir").join("b.db"),
        existing.join("b.db"),
    ] {
        let out = ppid(&["backup", "--database-url", &db, "--output", &path(&place)]);
        assert!(!out.status.success(), "{out:?}");
        assert!(text(&out.stderr).contains(&path(&place)), "{out:?}");
        assert!(!place.exists());
    }
    assert!(!dir.path().join("no-such-dir").exists());

    // No database there: refused, and none is created.
    let nothing = dir.path().join("nothing.db");
    let out = ppid(&[
        "backup",
        "--database-url",
        &path(&nothing),
        "--output",
        &path(&dir.path().join("x.db")),
    ]);
    assert!(!out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains("no database"), "{out:?}");
    assert!(!nothing.exists() && !dir.path().join("x.db").exists());

    // PostgreSQL: pg_dump, for the command and for the schedule.
    let pg = "postgres://postgres@127.0.0.1:1/none";
    let out = ppid(&[
        "backup",
        "--database-url",
        pg,
        "--output",
        &path(&dir.path().join("pg.db")),
    ]);
    assert!(!out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains("pg_dump"), "{out:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_ppid"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", pg])
        .args(["--backup-dir", &path(&dir.path().join("pg-backups"))])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains("pg_dump"), "{out:?}");

    // Nothing half-written anywhere.
    let left = names(dir.path());
    assert!(
        left.iter().all(|n| !n.contains(".tmp-")),
        "no temporary file left: {left:?}"
    );

    // A good backup verifies; garbage, an empty file and a truncated copy do not.
    let good = dir.path().join("good.db");
    let out = ppid(&["backup", "--database-url", &db, "--output", &path(&good)]);
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).contains("requests"), "{out:?}");
    let out = ppid(&["backup", "--verify", &path(&good)]);
    assert!(out.status.success(), "{out:?}");

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "this is not a database\n".repeat(4096)).unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let truncated = dir.path().join("truncated.db");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    for bad in [&garbage, &empty, &truncated, &dir.path().join("missing.db")] {
        let out = ppid(&["backup", "--verify", &path(bad)]);
        assert!(!out.status.success(), "{bad:?}: {out:?}");
        let err = text(&out.stderr);
        assert!(err.contains(&path(bad)), "{err}");
    }
}

#[test]
fn scheduled_backups_keep_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let db = path(&dir.path().join("ppid.db"));
    let backups = dir.path().join("backups");
    let backup_dir = path(&backups);
    let mut server = serve_process(
        &db,
        &[
            ("PPID_BACKUP_DIR", backup_dir.as_str()),
            ("PPID_BACKUP_EVERY", "1s"),
            ("PPID_BACKUP_KEEP", "2"),
            ("PPID_LOG", "info"),
        ],
    );
    // Four backups (so older ones have been removed), within generous time.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut written = 0;
    while written < 4 {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = server
            .lines
            .recv_timeout(left)
            .expect("four backups within 30 s");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        let message = v["fields"]["message"].as_str().unwrap_or_default();
        assert!(!message.contains("backup failed"), "{line}");
        if message == "backup written" {
            assert!(v["fields"]["bytes"].as_u64().unwrap() > 0, "{line}");
            written += 1;
        }
    }
    // The server stops after the backup under way.
    let mut rest = Vec::new();
    let _ = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status();
    let _ = server.child.wait();
    while let Ok(line) = server.lines.recv_timeout(Duration::from_secs(5)) {
        rest.push(line);
    }
    assert!(
        rest.iter().all(|l| !l.contains("backup failed")),
        "{rest:?}"
    );

    let kept = names(&backups);
    assert!(!kept.is_empty() && kept.len() <= 2, "{kept:?}");
    for name in &kept {
        assert!(ppid::backup::is_backup_name(name), "only backups: {kept:?}");
        let out = ppid(&["backup", "--verify", &path(&backups.join(name))]);
        assert!(out.status.success(), "{name}: {out:?}");
    }
}
