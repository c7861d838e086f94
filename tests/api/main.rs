//! Black-box tests: the generated gRPC client against a server on port 0,
//! each test on a fresh database, on SQLite and on PostgreSQL
//! (`PPID_TEST_DATABASE_URL`); the read-replica tests also need
//! `PPID_TEST_REPLICA_URL`.
mod helpers;

mod access;
mod agencies;
mod backup_cli;
mod browser_cors;
mod calendar;
mod crash;
mod dip;
mod durability;
mod events;
mod exemptions;
mod export_cli;
mod guards;
mod import_cli;
mod indicators;
mod keys_cli;
mod letters;
mod lifecycle;
mod limits_process;
mod listing;
mod metrics;
mod objection_register;
mod objections;
mod outage;
mod pii_logs;
mod portal;
mod portal_browser;
mod replica;
mod report_narratives;
mod reports;
mod server;
mod submit;
mod tariffs;
mod worklist;
