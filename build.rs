//! Compiles the protos with protox (pure Rust), so no system `protoc` is needed.
use std::{env, fs, path::PathBuf, process::Command};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/ppid/v1/agency.proto",
        "proto/ppid/v1/request.proto",
        "proto/ppid/v1/calendar.proto",
        "proto/ppid/v1/exemption.proto",
        "proto/ppid/v1/objection.proto",
        "proto/ppid/v1/indicator.proto",
        "proto/ppid/v1/key.proto",
        "proto/ppid/v1/report.proto",
        "proto/ppid/v1/event.proto",
        "proto/ppid/v1/letter.proto",
        "proto/ppid/v1/dip.proto",
    ];
    let includes = ["proto", "third_party/googleapis"];
    for p in protos {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rerun-if-changed=third_party/googleapis");
    // sqlx::migrate! embeds the migrations: rebuild when one is added.
    println!("cargo:rerun-if-changed=migrations");

    git_hash();

    let fds = protox::compile(protos, includes)?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    // compile_fds does not write the descriptor set; reflection needs it.
    fs::write(
        out.join("ppid_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure()
        .include_file("_includes.rs")
        .codec_path("crate::api::codec::StrictCodec")
        .compile_fds(fds)?;
    Ok(())
}

/// The commit being built, for `ppid_build_info` (`PPID_GIT_HASH`): given by
/// the packager, or read from git; none outside a checkout. Rebuilds when
/// HEAD moves (HEAD, its branch's ref and the packed refs are watched; a
/// watched path that does not exist would rebuild every time).
fn git_hash() {
    println!("cargo:rerun-if-env-changed=PPID_GIT_HASH");
    if env::var_os("PPID_GIT_HASH").is_some() {
        return;
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let Some(hash) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return;
    };
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    let watched = [
        git(&["rev-parse", "--git-path", "HEAD"]),
        branch.and_then(|b| git(&["rev-parse", "--git-path", &b])),
        git(&["rev-parse", "--git-path", "packed-refs"]),
    ];
    for path in watched.into_iter().flatten() {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rustc-env=PPID_GIT_HASH={hash}");
}
