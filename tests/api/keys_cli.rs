//! `ppid keys` on the database directly, and how `ppid serve` starts with
//! and without keys (open mode announced; forbidden when required).
use std::process::Command;

fn ppid(args: &[&str], db: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ppid"))
        .args(args)
        .args(["--database-url", db])
        .env("PPID_LOG", "warn")
        .output()
        .expect("run ppid")
}

#[test]
fn keys_cli_and_open_mode() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ppid.db").to_string_lossy().into_owned();

    // No keys and keys required: refuses to start, saying what to do.
    let out = Command::new(env!("CARGO_BIN_EXE_ppid"))
        .args(["serve", "--listen", "127.0.0.1:0", "--require-api-keys"])
        .args(["--database-url", &db])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ppid keys create"), "{err}");

    // An officer key needs an agency; the operator's does not.
    let out = ppid(&["keys", "create", "--role", "officer"], &db);
    assert!(!out.status.success());
    let out = ppid(&["keys", "create", "--role", "root"], &db);
    assert!(!out.status.success());
    let out = ppid(
        &["keys", "create", "--role", "admin", "--name", "operator"],
        &db,
    );
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("ppid_"), "{token}");
    let id = token.split('_').nth(1).unwrap().to_string();

    let out = ppid(&["keys", "list"], &db);
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(listed.contains(&id) && listed.contains("operator") && listed.contains("active"));
    assert!(!listed.contains(&token), "tokens are never listed");

    // The last admin key goes only when forced (no key could then manage
    // keys over gRPC; open mode does not come back).
    let out = ppid(&["keys", "revoke", &id], &db);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--force"),
        "{out:?}"
    );
    let out = ppid(&["keys", "revoke", &id, "--force"], &db);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("open mode does not return"),
        "{out:?}"
    );
    let listed = String::from_utf8(ppid(&["keys", "list"], &db).stdout).unwrap();
    assert!(listed.contains("revoked"), "{listed}");
    let out = ppid(&["keys", "revoke", "nosuchkey"], &db);
    assert!(!out.status.success());
}
