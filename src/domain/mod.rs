//! Pure rules of UU KIP: no I/O, no SQL, no protobuf.

pub mod access;
pub mod agency;
pub mod annual_report;
pub mod calendar;
pub mod deadline;
pub mod dip;
pub mod dispute;
pub mod enums;
pub mod exemption;
pub mod figures;
pub mod letter;
pub mod lifecycle;
pub mod objection;
pub mod request;
pub mod search;
pub mod stats;
pub mod tariff;
pub mod time;

pub use enums::*;
