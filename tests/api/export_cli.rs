//! `ppid export` as a person or a job runs it: a progress bar on a terminal,
//! nothing but the rows when its output is piped.
use std::process::Command;

fn ppid() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ppid"));
    c.env("PPID_LOG", "warn");
    c
}

#[test]
fn progress_bar_only_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ppid.db").to_string_lossy().into_owned();
    let out = ppid()
        .args(["generate", "--database-url", &db, "--requests", "1200"])
        .args(["--pemdas", "1", "--opds-per-pemda", "2", "--year", "2025"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let csv = dir.path().join("x.csv").to_string_lossy().into_owned();
    let export = [
        env!("CARGO_BIN_EXE_ppid"),
        "export",
        "requests",
        "--database-url",
        &db,
        "--output",
        &csv,
    ];

    // Piped (a job): stderr stays empty, the file has every row.
    let out = ppid().args(&export[1..]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count();
    assert_eq!(rows, 1 + 1200);

    // On a terminal (util-linux `script` gives it a pseudo-terminal): the bar.
    let out = Command::new("script")
        .args(["-qefc", &export.join(" "), "/dev/null"])
        .env("PPID_LOG", "warn")
        .output()
        .expect("run script(1)");
    assert!(out.status.success(), "{out:?}");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("/1200 requests"), "{screen:?}");
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count();
    assert_eq!(rows, 1 + 1200, "the bar goes to the terminal, not the file");
}
