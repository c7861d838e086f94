//! Compiles the protos with protox (pure Rust), so no system `protoc` is needed.
use std::{env, fs, path::PathBuf};

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
    ];
    let includes = ["proto", "third_party/googleapis"];
    for p in protos {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rerun-if-changed=third_party/googleapis");
    // sqlx::migrate! embeds the migrations: rebuild when one is added.
    println!("cargo:rerun-if-changed=migrations");

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
