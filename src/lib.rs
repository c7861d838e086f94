//! `ppid`: the register of public information requests under UU No. 14/2008
//! (Keterbukaan Informasi Publik) and their legal clock, served over gRPC.
//!
//! The domain decides, the store remembers, the api translates.

pub mod api;
pub mod app;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod generate;
pub mod import;
pub mod metrics;
pub mod portal;
pub mod report;
pub mod shutdown;
pub mod store;
pub mod telemetry;

/// Generated protobuf and gRPC code (`ppid.v1` and the google packages it imports).
pub mod pb {
    #![allow(clippy::all, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/_includes.rs"));

    /// The encoded descriptor set, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("ppid_descriptor");
}

pub use api::{serve, serve_with_metrics};
