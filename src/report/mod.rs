//! Reporting jobs: the annual service report and bulk exports. The gRPC
//! `ReportService` and the `ppid report` / `ppid export` commands share this
//! code; figures come from the store's cells and `domain::figures`.
pub mod annual;
pub mod chart;
pub mod dip;

pub mod export;
pub mod letter;
pub mod personal;
pub mod render;
pub mod texts;
