//! The bounds the server promises against abuse (#25), measured on a
//! spawned `ppid serve` (RULINGS: a promised bound with at least a 2x
//! margin, against a process of its own; never a benchmark figure).
use std::process::Command;

use ppid::pb::ppid::v1::{self as pb, agency_service_client::AgencyServiceClient};
use tonic::{Code, Request, transport::Channel};

use crate::helpers::{ServeProcess, serve_process};

fn ppid() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ppid"));
    c.env("PPID_LOG", "warn");
    c
}

/// A key made on the database from the command line; its token.
fn key(db: &str, name: &str) -> String {
    let out = ppid()
        .args(["keys", "create", "--database-url", db, "--role", "admin"])
        .args(["--name", name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A /proc/PID/status field in kB (VmRSS) or a count (Threads).
fn status(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

fn with<T>(msg: T, token: &str) -> Request<T> {
    let mut r = Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

fn stop(mut p: ServeProcess) {
    let _ = p.child.kill();
    let _ = p.child.wait();
}

/// 100k random tokens (each one a lookup, none valid) leave the server's
/// memory within 32 MiB of where it started (measured: +15 MiB; an unbounded cache grows ~50 MiB): the token cache is bounded.
/// Before the bound, 170k tokens took RSS from 59 to 147 MB and kept it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_tokens_leave_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ppid.db").to_string_lossy().into_owned();
    key(&db, "operator");
    // The failed-authentication limit is lifted so that every token reaches
    // the cache (the limit is tested in guards.rs).
    let p = serve_process(&db, &[("PPID_FAILED_AUTH_PER_MINUTE", "1000000")]);
    let pid = p.child.id();
    // A connection that makes thousands of failing calls is sent GOAWAY by
    // HTTP/2's own abuse guard; so each batch of 500 comes on a new one.
    let addr = p.addr.clone();
    let probe = move |from: usize, n: usize| {
        let addr = addr.clone();
        async move {
            for chunk in (from..from + n).collect::<Vec<_>>().chunks(500) {
                let ch = Channel::from_shared(format!("http://{addr}"))
                    .unwrap()
                    .connect()
                    .await
                    .unwrap();
                let mut c = AgencyServiceClient::new(ch);
                for i in chunk {
                    let err = c
                        .get_agency(with(
                            pb::GetAgencyRequest {
                                name: "agencies/x".into(),
                            },
                            &format!("ppid_{i:016x}_{}", uuid::Uuid::new_v4().simple()),
                        ))
                        .await
                        .unwrap_err();
                    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
                }
            }
        }
    };
    probe(0, 2_000).await;
    let before = status(pid, "VmRSS:");
    let tasks: Vec<_> = (0..16)
        .map(|t| tokio::spawn(probe(10_000 + t * 10_000, 100_000 / 16)))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let after = status(pid, "VmRSS:");
    eprintln!("RSS {before} kB -> {after} kB after 100k random tokens");
    assert!(
        after < before + 32 * 1024,
        "RSS grew from {before} kB to {after} kB"
    );
    stop(p);
}
