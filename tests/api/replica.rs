//! Read replicas (`serve --read-database-url`): figures come from a real
//! PostgreSQL streaming replica, a caller's own writes read back from the
//! primary. Runs where a replica is set up (`.ci/run` starts one on port
//! 5433 with `.ci/replica` and sets `PPID_TEST_REPLICA_URL`); plain
//! `cargo test` says it skipped them.
use std::{sync::Arc, time::Duration};

use futures::StreamExt as _;
use ppid::{pb::ppid::v1 as pb, store::StoreSettings};
use tonic::Request;

use crate::{
    helpers::{Backend, TestDb, serve_process, spawn_on, with_database},
    indicators::{stats, year},
    metrics::scrape,
};

/// The primary's URL (`PPID_TEST_DATABASE_URL`) and the replica's base URL
/// (`PPID_TEST_REPLICA_URL`, a database name is put in as for the
/// primary's); `None` (skip, said once) unless both are set.
fn urls() -> Option<(String, String)> {
    let get = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
    match (get("PPID_TEST_DATABASE_URL"), get("PPID_TEST_REPLICA_URL")) {
        (Some(p), Some(r)) => Some((p, r)),
        _ => {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                eprintln!(
                    "read-replica suite skipped: set PPID_TEST_DATABASE_URL and \
                     PPID_TEST_REPLICA_URL (a streaming replica of it; .ci/replica starts one)"
                )
            });
            None
        }
    }
}

/// One replica test at a time: pausing the replica's replay holds up every
/// database on it.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The database name at the end of a URL.
fn database_of(url: &str) -> &str {
    let base = url.split('?').next().unwrap();
    base.rsplit('/').next().unwrap()
}

/// Waits (30 s at most) until the replica has replayed everything the
/// primary has written so far.
async fn catch_up(primary: &sqlx::PgPool, replica: &sqlx::PgPool) {
    let lsn: String = sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
        .fetch_one(primary)
        .await
        .unwrap();
    for _ in 0..300 {
        let done: Option<bool> =
            sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn")
                .bind(&lsn)
                .fetch_one(replica)
                .await
                .unwrap();
        if done == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica did not replay up to {lsn} within 30 s");
}

/// How many requests an export (ExportRequests, all of them) streams.
async fn exported(app: &mut crate::helpers::TestApp) -> usize {
    let mut stream = app
        .reports
        .export_requests(pb::ExportRequestsRequest::default())
        .await
        .expect("export")
        .into_inner();
    let mut n = 0;
    while let Some(batch) = stream.next().await {
        n += batch.expect("batch").requests.len();
    }
    n
}

/// Resumes the replica's replay when dropped, even when the test fails:
/// a paused replica would hold up every later test on it.
struct ResumeReplay(String);

impl Drop for ResumeReplay {
    fn drop(&mut self) {
        let url = self.0.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let pool = sqlx::PgPool::connect(&url).await.ok()?;
                sqlx::query("SELECT pg_wal_replay_resume()")
                    .execute(&pool)
                    .await
                    .ok()?;
                pool.close().await;
                Some(())
            })
        })
        .join();
    }
}

/// Statistics (figures) and exports read the replica: while its replay is
/// paused they show the register as it was, while the caller's new request reads back
/// from the primary (GetRequest, ListRequests); once replay resumes the
/// figures count it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_lag_on_the_replica_own_writes_read_the_primary() {
    let Some((primary_url, replica_base)) = urls() else {
        return;
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let db = Arc::new(TestDb::new(&Backend::Postgres(primary_url)).await);
    let name = database_of(&db.url).to_string();
    let replica_admin_url = with_database(&replica_base, "postgres");
    let replica_admin = sqlx::PgPool::connect(&replica_admin_url)
        .await
        .expect("PPID_TEST_REPLICA_URL is set but the replica cannot be reached");
    let in_recovery: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(&replica_admin)
        .await
        .unwrap();
    assert!(in_recovery, "PPID_TEST_REPLICA_URL must name a standby");
    let primary = sqlx::PgPool::connect(&db.url).await.unwrap();
    // The fresh database reaches the replica by replication.
    catch_up(&primary, &replica_admin).await;
    let settings = StoreSettings {
        read_database_url: Some(with_database(&replica_base, &name)),
        ..StoreSettings::default()
    };
    let mut app = spawn_on(db.clone(), settings).await;
    let replica = sqlx::PgPool::connect(&with_database(&replica_base, &name))
        .await
        .unwrap();

    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    catch_up(&primary, &replica).await;
    assert_eq!(
        stats(&mut app, "dinkes", year(2026), false).await.received,
        1
    );

    // Replay stops: the replica keeps the register as it is now.
    let _resume = ResumeReplay(replica_admin_url.clone());
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&replica_admin)
        .await
        .unwrap();
    for _ in 0..100 {
        let state: String = sqlx::query_scalar("SELECT pg_get_wal_replay_pause_state()")
            .fetch_one(&replica_admin)
            .await
            .unwrap();
        if state == "paused" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let second = app.submit("dinkes", "2026-03-02T01:30:00Z").await;
    // The caller's read-after-write: from the primary.
    let got = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: second.name.clone(),
        })
        .await
        .expect("a request just submitted reads back")
        .into_inner();
    assert_eq!(got.registration_number, second.registration_number);
    assert_eq!(
        app.all_requests().await.len(),
        2,
        "the worklist reads the primary"
    );
    // Figures and exports: from the replica, which has not seen the second
    // request.
    let on_replica: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM requests")
        .fetch_one(&replica)
        .await
        .unwrap();
    assert_eq!(
        on_replica, 1,
        "the replica is behind while replay is paused"
    );
    assert_eq!(
        stats(&mut app, "dinkes", year(2026), false).await.received,
        1,
        "statistics are served by the paused replica"
    );
    assert_eq!(
        stats(&mut app, "kota-serang", year(2026), true)
            .await
            .received,
        1
    );
    assert_eq!(exported(&mut app).await, 1, "exports read the replica");

    // Replay resumes: the figures catch up.
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&replica_admin)
        .await
        .unwrap();
    catch_up(&primary, &replica).await;
    assert_eq!(
        stats(&mut app, "dinkes", year(2026), false).await.received,
        2
    );
    assert_eq!(
        stats(&mut app, "kota-serang", year(2026), true)
            .await
            .received,
        2
    );
    assert_eq!(exported(&mut app).await, 2);

    replica.close().await;
    replica_admin.close().await;
    primary.close().await;
    app.stop().await;
}

/// The binary: `--read-database-url` (here by its environment variable)
/// opens the replica's pools, which the metrics report as `replica`, and
/// the start line names the replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reads_the_replica_and_meters_its_pool() {
    let Some((primary_url, replica_base)) = urls() else {
        return;
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let db = TestDb::new(&Backend::Postgres(primary_url)).await;
    let replica_url = with_database(&replica_base, database_of(&db.url));
    let primary = sqlx::PgPool::connect(&db.url).await.unwrap();
    let replica_admin = sqlx::PgPool::connect(&with_database(&replica_base, "postgres"))
        .await
        .expect("PPID_TEST_REPLICA_URL is set but the replica cannot be reached");
    catch_up(&primary, &replica_admin).await;
    let mut server = serve_process(
        &db.url,
        &[
            ("PPID_READ_DATABASE_URL", replica_url.as_str()),
            ("PPID_METRICS_LISTEN", "127.0.0.1:0"),
        ],
    );
    let v: serde_json::Value = serde_json::from_str(server.startup.last().unwrap()).unwrap();
    assert_eq!(v["fields"]["read_replica"], replica_url.as_str());
    let port: u16 = v["fields"]["metrics"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut agencies = pb::agency_service_client::AgencyServiceClient::new(channel.clone());
    agencies
        .create_agency(pb::CreateAgencyRequest {
            agency_id: "kota-serang".into(),
            agency: Some(pb::Agency {
                display_name: "Pemerintah Kota Serang".into(),
                kind: pb::agency::Kind::Pemda as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    catch_up(&primary, &replica_admin).await;
    let mut indicators = pb::indicator_service_client::IndicatorServiceClient::new(channel);
    let s = indicators
        .get_agency_statistics(Request::new(pb::GetAgencyStatisticsRequest {
            agency: "agencies/kota-serang".into(),
            period: year(2026),
            include_sub_agencies: true,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(s.received, 0);
    let m = scrape(port).await;
    for pool in ["read", "export", "write", "replica", "replica_export"] {
        assert!(
            m.contains_key(&format!("ppid_db_pool_max_connections{{pool=\"{pool}\"}}")),
            "{pool} pool reported: {m:?}"
        );
    }
    assert!(
        m[r#"ppid_db_pool_connections{pool="replica"}"#] >= 1.0,
        "the statistics opened a replica connection"
    );
    let _ = server.child.kill();
    let _ = server.child.wait();
    primary.close().await;
    replica_admin.close().await;
}

/// With SQLite, `ppid serve --read-database-url` stops before it opens
/// anything, saying a replica needs PostgreSQL (runs everywhere).
#[test]
fn a_replica_with_sqlite_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ppid.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ppid"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url"])
        .arg(&db)
        .args([
            "--read-database-url",
            "postgres://ppid:secret@127.0.0.1:5433/ppid",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--read-database-url"), "{err}");
    assert!(err.contains("PostgreSQL primary"), "{err}");
    assert!(!err.contains("secret"), "{err}");
    assert!(!db.exists(), "refused before the database is opened");
}
