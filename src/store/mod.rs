//! Persistence: one store for SQLite and PostgreSQL, its SQL written once
//! over a thin seam between the drivers (`db`), every write through one
//! writer (`writer`), and one conformance suite
//! (`tests/store_conformance.rs`) run on both.
//!
//! Each write is one use case in one transaction: a state change and its
//! event are written together or not at all.
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use crate::{
    domain::{
        ExemptionLetter, ObjectionGround, Outcome, RequestState,
        agency::Agency,
        calendar::{HolidayKind, WorkingCalendar},
        exemption::{self, Exemption},
        figures::{ScoringPolicy, Totals},
        objection::{Dispute, Objection},
        request::{Event, Request},
        stats::{Contributions, Counter},
    },
    error::{Error, Result},
};

pub(crate) mod core;
pub mod db;
pub(crate) mod dik;
pub(crate) mod dip;
pub(crate) mod feed;
pub(crate) mod figures;
pub(crate) mod keys;
pub(crate) mod letters;
mod postgres;
pub(crate) mod register;
mod report;
pub(crate) mod rows;
mod sqlite;
pub(crate) mod tariff;
pub mod writer;

pub use self::core::SqlStore;
pub use dip::DipFilter;
pub use feed::{AlertCandidate, FeedEvent, FeedFilter, NewFeedEvent};
pub use writer::{FaultSwitch, Health, Tx, Writer};

/// Settings the store's use cases apply.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// Count cuti bersama as working days (default: they stop the clock).
    pub cuti_bersama_is_working_day: bool,
    /// Let a rejection rest on a Pasal 17 letter with no DIK entry (the
    /// request is flagged). Default: refused.
    pub allow_unregistered_exemption: bool,
    /// Working days the PPID gets to answer again after the atasan
    /// overturns its answer (default 10).
    pub objection_reopen_working_days: i32,
    /// Working days after receipt within which a request may be returned
    /// for completion (default 3).
    pub completion_window_working_days: i32,
    /// Working days after a notice that sets no delivery date to deliver
    /// the information (at least; default 3).
    pub delivery_working_days: i32,
    /// Working days an agency has to comply with a Komisi Informasi
    /// decision once it is final, when the decision states no date.
    pub dispute_compliance_working_days: i32,
    /// The longest period, in years from its start, of a DIK entry under
    /// Pasal 17 letters a–f (default 30).
    pub dik_max_period_years: i16,
    /// Working days ahead within which a running deadline is due soon
    /// (default 2).
    pub due_soon_working_days: i32,
    /// Keep the monthly figure cells up to date on every change (default
    /// true; switched off only to measure what they cost).
    pub maintain_figures: bool,
    /// Count new requests into the unanswered cells (default true; switched
    /// off only to measure what the national cells cost, with their
    /// triggers dropped too).
    pub maintain_unanswered_cells: bool,
    /// A PostgreSQL streaming replica (`--read-database-url`) for the reads
    /// that tolerate seconds of lag: figures, rankings, report figures,
    /// exports, the DIP's lists. Only with a PostgreSQL primary. Holds a
    /// URL that may carry a password: never log this struct.
    pub read_database_url: Option<String>,
    /// Tests only: a switch that makes the writer's next commit fail.
    pub fault: Option<FaultSwitch>,
}

/// Why a read replica is refused with SQLite.
pub const REPLICA_NEEDS_POSTGRES: &str = "--read-database-url names a PostgreSQL read replica, \
     which needs a PostgreSQL primary (--database-url postgres://...); SQLite has no replicas";

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            cuti_bersama_is_working_day: false,
            allow_unregistered_exemption: false,
            objection_reopen_working_days: 10,
            completion_window_working_days: crate::domain::lifecycle::DEFAULT_COMPLETION_WINDOW,
            dispute_compliance_working_days:
                crate::domain::dispute::DEFAULT_COMPLIANCE_WORKING_DAYS,
            delivery_working_days: crate::domain::lifecycle::DEFAULT_DELIVERY_WORKING_DAYS,
            dik_max_period_years: crate::domain::exemption::DEFAULT_MAX_PERIOD_YEARS,
            due_soon_working_days: crate::app::worklist::DEFAULT_DUE_SOON_WORKING_DAYS,
            maintain_figures: true,
            maintain_unanswered_cells: true,
            read_database_url: None,
            fault: None,
        }
    }
}

/// A holiday as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayRecord {
    /// The day.
    pub date: Date,
    /// Its name.
    pub name: String,
    /// Kind.
    pub kind: HolidayKind,
    /// For a regional holiday: the agency whose subtree it covers.
    pub agency_id: Option<String>,
    /// Built in from the SKB 3 Menteri (or a fixed-date holiday of a year
    /// without decree, which is never stored).
    pub built_in: bool,
}

/// Filters of [`Store::list_requests`], combined with AND.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Handled by this agency ...
    pub agency: Option<Agency>,
    /// ... or one of its sub-agencies.
    pub include_sub_agencies: bool,
    /// In one of these states (empty: any).
    pub states: Vec<RequestState>,
    /// Received at or after.
    pub receive_start: Option<Timestamp>,
    /// Received before.
    pub receive_end: Option<Timestamp>,
    /// Past due at this instant: for the notice, or for delivery.
    pub overdue_at: Option<Timestamp>,
    /// Submitted with this key (an intake system's own requests).
    pub submitted_by: Option<String>,
    /// Whose running deadline ([`Request::running_deadline_end`]) ends in
    /// one of these ranges (none: no condition).
    pub deadline_in: Vec<DeadlineRange>,
    /// Whose running deadline ends at or before this instant (overdue
    /// included).
    pub deadline_by: Option<Timestamp>,
    /// Extended (true) or not (false).
    pub extended: Option<bool>,
    /// Matching a search.
    pub search: Option<Search>,
    /// List order (the export reads in receipt order whatever this says).
    pub order: RequestOrder,
}

/// Instants `t` with `after < t <= until`; an open end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineRange {
    /// Exclusive lower bound.
    pub after: Option<Timestamp>,
    /// Inclusive upper bound.
    pub until: Option<Timestamp>,
}

/// A search of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// What to look for.
    pub query: crate::domain::search::Query,
    /// Also in the requester's name (only for callers who may see personal
    /// data).
    pub with_name: bool,
    /// PostgreSQL: for each word, the indexed words it starts, read by the
    /// store before the search (None: the word stays a prefix). Empty when
    /// none were read.
    pub expanded: Vec<Option<Vec<String>>>,
}

/// Order of a list of requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequestOrder {
    /// Newest receipt first.
    #[default]
    NewestFirst,
    /// Earliest running deadline first; requests without one last.
    Deadline,
}

/// Position in a list of requests, in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListCursor {
    /// Receipt order.
    Receipt(RequestCursor),
    /// Deadline order: the row's [`deadline_key`] and id.
    Deadline(i64, Uuid),
}

impl From<RequestCursor> for ListCursor {
    fn from(c: RequestCursor) -> Self {
        Self::Receipt(c)
    }
}

/// A request's place in deadline order: its running deadline's end in
/// microseconds, `i64::MAX` without one (the store's sort key).
pub fn deadline_key(r: &Request) -> i64 {
    r.running_deadline_end()
        .map_or(i64::MAX, |t| t.as_microsecond())
}

/// Rows an export reads per statement and hands over at a time: a query's
/// cost spread over many rows, and about a megabyte a page, with a few pages
/// in flight between the reader, the decoder and the writer.
pub const EXPORT_PAGE: usize = 500;

/// Position in the list order (newest receipt first, then id descending),
/// and in the export order (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCursor {
    /// Receipt of the last row returned.
    pub receive_time: Timestamp,
    /// Id of the last row returned.
    pub id: Uuid,
}

impl RequestCursor {
    /// The position just past `r`.
    pub fn of(r: &Request) -> Self {
        Self {
            receive_time: r.receive_time,
            id: r.id,
        }
    }
}

pub use crate::domain::request::Submitted;

/// Filters of [`DikStore::list_exemptions`].
#[derive(Debug, Clone)]
pub struct ExemptionFilter {
    /// Only these statuses on `today` (empty: any).
    pub statuses: Vec<exemption::Status>,
    /// Only this letter.
    pub letter: Option<ExemptionLetter>,
    /// The agency-local day statuses are judged on.
    pub today: Date,
}

/// Filters and order of [`DikStore::list_objections`].
#[derive(Debug, Clone, Default)]
pub struct ObjectionFilter {
    /// Only this request's.
    pub request: Option<Uuid>,
    /// Only objections of this agency subtree (its path).
    pub agency_path: Option<String>,
    /// Only those the atasan has not answered.
    pub undecided_only: bool,
    /// Only unanswered ones due on or before this day.
    pub due_by: Option<jiff::civil::Date>,
    /// By answer due date, earliest first (else newest filing first).
    pub by_answer_due: bool,
}

/// Where a page of objections starts: after this row in the list's order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ObjectionCursor {
    /// Newest filing first: (file time, id).
    Filed(Timestamp, Uuid),
    /// By answer due date: (due date, id).
    Due(jiff::civil::Date, Uuid),
}

/// Filters of [`DikStore::list_disputes`].
#[derive(Debug, Clone, Default)]
pub struct DisputeFilter {
    /// Only this request's.
    pub request: Option<uuid::Uuid>,
    /// Only disputes on objections of this agency subtree (its path).
    pub agency_path: Option<String>,
    /// Only at these stages (empty: any).
    pub stages: Vec<crate::domain::DisputeStage>,
    /// Only with this outcome.
    pub outcome: Option<crate::domain::DisputeOutcome>,
    /// Only filed so.
    pub timing: Option<crate::domain::FilingTiming>,
}

/// Reads of the DIK, objections and disputes.
#[async_trait::async_trait]
pub trait DikStore: Send + Sync + 'static {
    /// The fee tariff versions of the agencies on `path` (an agency and
    /// those above it), newest first.
    async fn tariffs(&self, path: &str) -> Result<Vec<crate::domain::tariff::Tariff>>;
    /// Reads an entry of an agency, with how many notices cite it.
    async fn get_exemption(&self, agency_id: &str, id: Uuid) -> Result<(Exemption, i64)>;
    /// The entries of `agency` and of the agencies above it, newest decree
    /// first, after `after` (decree date, id).
    async fn list_exemptions(
        &self,
        agency: &Agency,
        filter: &ExemptionFilter,
        after: Option<(Date, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Exemption, i64)>>;
    /// Reads an objection with its disputes.
    async fn get_objection(&self, id: Uuid) -> Result<(Objection, Vec<Uuid>)>;
    /// Objections of a request or of an agency subtree, newest first, after `after`.
    async fn list_objections(
        &self,
        filter: &ObjectionFilter,
        after: Option<ObjectionCursor>,
        limit: i64,
    ) -> Result<Vec<(Objection, Vec<Uuid>)>>;
    /// Objections of `agency`'s subtree the atasan has not answered: how
    /// many, and the first `limit` by answer due date.
    async fn undecided_objections(
        &self,
        agency: &Agency,
        limit: i64,
    ) -> Result<(i64, Vec<Objection>)>;
    /// The registration number and agency of each objection in `ids` that
    /// exists (one read, for lists naming many objections).
    async fn objection_heads(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, (String, String)>>;
    /// Reads a dispute.
    async fn get_dispute(&self, id: Uuid) -> Result<Dispute>;
    /// Disputes matching `filter`, newest filing first, after `after`.
    async fn list_disputes(
        &self,
        filter: &DisputeFilter,
        after: Option<(Timestamp, Uuid)>,
        limit: i64,
    ) -> Result<Vec<Dispute>>;
}

/// Whose cells a figures read sums, and whose requests it counts: the
/// agencies' own, or whole Pemdas' (every agency whose Pemda it is; kept by
/// triggers in the same transaction as the agencies' cells, migration
/// sqlite 0023 / postgres 0021; their response-time histograms, sqlite 0034 /
/// postgres 0033).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellLevel {
    /// Keys are agency ids.
    Agency,
    /// Keys are Pemda ids (`pemda_id`).
    Pemda,
}

impl CellLevel {
    /// The counter cells' table.
    pub(crate) fn cells(self) -> &'static str {
        match self {
            Self::Agency => "agency_month_stats",
            Self::Pemda => "pemda_month_stats",
        }
    }

    /// The response-time histogram cells.
    pub(crate) fn hist(self) -> &'static str {
        match self {
            Self::Agency => "agency_month_hist",
            Self::Pemda => "pemda_month_hist",
        }
    }

    /// The answers awaiting delivery, by the UTC month their delivery falls
    /// due.
    pub(crate) fn undelivered(self) -> &'static str {
        match self {
            Self::Agency => "agency_undelivered",
            Self::Pemda => "pemda_undelivered",
        }
    }

    /// The unanswered requests' cells (by due month).
    pub(crate) fn unanswered(self) -> &'static str {
        match self {
            Self::Agency => "agency_unanswered",
            Self::Pemda => "pemda_unanswered",
        }
    }

    /// The key column, in the cells and in `requests`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Agency => "agency_id",
            Self::Pemda => "pemda_id",
        }
    }
}

/// What the register holds at one instant, summed over some agencies.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NowCounts {
    /// Requests whose clock runs, past their due instant.
    pub past_due: i64,
    /// Answers whose information was not delivered by the delivery date.
    pub overdue_for_delivery: i64,
}

/// Reads of the figures: counts per (agency, month), policies, assessments
/// and published rankings; and the data generator's bulk loads.
#[async_trait::async_trait]
pub trait FigureStore: Send + Sync + 'static {
    /// Summed cells per agency for months `from..=to` (`YYYY-MM`): the
    /// `counters` asked for, with the distributions when `with_hist`.
    async fn month_totals(
        &self,
        level: CellLevel,
        agency_ids: &[String],
        from: &str,
        to: &str,
        counters: &[Counter],
        with_hist: bool,
    ) -> Result<HashMap<String, Totals>>;
    /// Requests open at the start of `month` per agency.
    async fn pending_before(
        &self,
        level: CellLevel,
        agency_ids: &[String],
        month: &str,
    ) -> Result<HashMap<String, i64>>;
    /// The same cells recomputed from the register for days `from..=to`
    /// (arbitrary ranges; also the naive baseline of the benchmark).
    async fn recompute_totals(
        &self,
        agencies: &[Agency],
        from: Date,
        to: Date,
    ) -> Result<HashMap<String, Totals>>;
    /// Per agency: requests whose due date falls in `from..=to`, passed
    /// by `now`, with the clock still running (no written notice).
    async fn overdue_unanswered(
        &self,
        level: CellLevel,
        agency_ids: &[String],
        from: Date,
        to: Date,
        now: Timestamp,
    ) -> Result<HashMap<String, i64>>;
    /// The register's counts at `now` over some agencies (each alone) and
    /// some whole Pemdas (`pemdas`: each Pemda's own agency, standing for
    /// every agency whose Pemda it is): ended months from the due-month
    /// cells, the rest from the register.
    async fn now_counts(
        &self,
        agencies: &[Agency],
        pemdas: &[Agency],
        now: Timestamp,
    ) -> Result<NowCounts>;
    /// The oldest open requests of some agencies (each alone), oldest first.
    async fn oldest_pending(&self, agencies: &[Agency], limit: i64) -> Result<Vec<Request>>;
    /// The agency and every agency below it.
    async fn subtree(&self, agency: &Agency) -> Result<Vec<Agency>>;
    /// Every agency, ordered by id (cached while the table is unchanged).
    async fn all_agencies(&self) -> Result<Arc<Vec<Agency>>>;
    /// The agencies of a comparison group.
    async fn group_members(&self, group: &str) -> Result<Vec<Agency>>;
    /// The latest policy of a year, with its creation time.
    async fn get_policy(&self, year: i16) -> Result<Option<(ScoringPolicy, Timestamp)>>;
    /// Assessments of a year by agency: of `agency_ids`, or (`None`) every
    /// one of the year (at most one per agency: for a national ranking,
    /// cheaper than a list of ten thousand ids).
    async fn assessments(
        &self,
        agency_ids: Option<&[String]>,
        year: i16,
    ) -> Result<HashMap<String, BTreeMap<String, f64>>>;
    /// A published ranking (JSON), with its publish time.
    async fn snapshot(&self, group_key: &str, period: &str) -> Result<Option<(String, Timestamp)>>;
    /// Every published ranking: (group key, period key, publish time),
    /// newest first.
    async fn snapshots(&self) -> Result<Vec<(String, String, Timestamp)>>;
    /// Bulk load for the data generator: requests with their submission (and
    /// notice) events, in batches, and the registration counters' last values.
    async fn load_requests(
        &self,
        rows: &[(Request, String)],
        counters: &[(String, i16, i64)],
    ) -> Result<()>;
    /// Bulk-adds contributions to the cells (the generator's totals).
    async fn add_cells(&self, cells: &Contributions) -> Result<()>;
}

/// Reads of API keys and facts, server secrets, and who submitted a request.
#[async_trait::async_trait]
pub trait KeyStore {
    /// Every key, revoked ones too, oldest first.
    async fn list_keys(&self) -> Result<Vec<crate::domain::access::ApiKey>>;
    /// The key a token hashes to, revoked or not.
    async fn key_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<crate::domain::access::ApiKey>>;
    /// Keys not revoked.
    async fn active_key_count(&self) -> Result<i64>;
    /// Whether a key was ever created (a persisted fact): once true, the
    /// server never runs open again, even with every key revoked.
    async fn keys_exist(&self) -> Result<bool>;
    /// A named server secret, made on first use.
    async fn secret(&self, name: &str) -> Result<String>;
    /// The key that submitted a request (`None` in open mode).
    async fn request_submitter(&self, id: Uuid) -> Result<Option<String>>;
    /// The request with this registration number, if any.
    async fn request_by_number(&self, registration_number: &str) -> Result<Option<Request>>;
}

/// Withholding notices of an agency in a period with one outcome and one set
/// of Pasal 17 letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithholdingCount {
    /// The handling agency.
    pub agency_id: String,
    /// Rejected or partially granted.
    pub outcome: Outcome,
    /// The letters the notice cites.
    pub letters: Vec<ExemptionLetter>,
    /// Notices.
    pub count: i64,
}

/// Objections of an agency filed in a period on one set of grounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionGroundCount {
    /// The agency handling the request when the objection was filed.
    pub agency_id: String,
    /// Pasal 35(1) grounds.
    pub grounds: Vec<ObjectionGround>,
    /// Objections.
    pub count: i64,
}

/// Reporting: aggregates grouped in SQL, and the export's keyset pages.
#[async_trait::async_trait]
pub trait ReportStore: Send + Sync + 'static {
    /// Rejections and partial grants noticed in agency-local days
    /// `from..=to`, grouped by agency, outcome and letters.
    async fn withholding_by_letters(
        &self,
        agencies: &[Agency],
        from: Date,
        to: Date,
    ) -> Result<Vec<WithholdingCount>>;
    /// Objections of the agency's subtree filed in agency-local days
    /// `from..=to`, grouped by agency and grounds.
    async fn objections_by_ground(
        &self,
        agency: &Agency,
        from: Date,
        to: Date,
    ) -> Result<Vec<ObjectionGroundCount>>;
    /// A page of requests in export order (receipt, then id, ascending)
    /// strictly after `after`.
    async fn export_page(
        &self,
        filter: &RequestFilter,
        after: Option<RequestCursor>,
        limit: i64,
    ) -> Result<Vec<Request>>;
    /// Every request `filter` matches past `after`, in export order, as
    /// pages read ahead of the consumer on another task or thread. The last
    /// page is empty: a channel that closes without it means the reader
    /// failed. Dropping the receiver stops the reader.
    /// `page` is the rows per read ([`EXPORT_PAGE`] but in tests).
    fn export_pages(
        &self,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        page: usize,
    ) -> tokio::sync::mpsc::Receiver<Result<Vec<Request>>>;
    /// How many requests the filter matches.
    async fn export_count(&self, filter: &RequestFilter) -> Result<i64>;
    /// An agency's letterhead, if set.
    async fn letterhead(
        &self,
        agency_id: &str,
    ) -> Result<Option<crate::domain::letter::Letterhead>>;
    /// The narrative of an agency's annual report for a year, if written.
    async fn report_narrative(
        &self,
        agency_id: &str,
        year: i16,
    ) -> Result<Option<crate::domain::annual_report::Narrative>>;
    /// An annual report's publication and the report as published (base64
    /// of the encoded message), if published.
    async fn report_publication(
        &self,
        agency_id: &str,
        year: i16,
    ) -> Result<Option<(crate::domain::annual_report::Publication, String)>>;
    /// Every published annual report: (agency id, year, publish time),
    /// newest first.
    async fn report_publications(&self) -> Result<Vec<(String, i16, Timestamp)>>;
    /// A published report's page in `lang` ("id" or "en"), if it was
    /// rendered at publication.
    async fn report_page(&self, agency_id: &str, year: i16, lang: &str) -> Result<Option<String>>;
}

/// Reads of the event feed.
#[async_trait::async_trait]
pub trait FeedStore: Send + Sync + 'static {
    /// Feed events after position `after`, in position order.
    async fn list_feed(
        &self,
        filter: &FeedFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<FeedEvent>>;
    /// The last position written (0 for none).
    async fn feed_head(&self) -> Result<i64>;
    /// Requests in `state` whose running deadline ends in `(after, until]`
    /// and has no alert of `kind` yet, earliest first, at most `limit`.
    async fn alert_candidates(
        &self,
        kind: &str,
        state: RequestState,
        after: Timestamp,
        until: Timestamp,
        limit: i64,
    ) -> Result<Vec<AlertCandidate>>;
}

/// The register's reads, and its writer. Writes are the app's use cases
/// (`crate::app`): each runs in the writer's transaction and uses the
/// store's primitives for rows (`store::register`, `store::dik`, ...).
/// Reads of the DIP (Daftar Informasi Publik).
#[async_trait::async_trait]
pub trait DipStore: Send + Sync + 'static {
    /// The latest checklist set for a year, if an administrator set one.
    async fn dip_checklist(
        &self,
        year: i16,
    ) -> Result<Option<(crate::domain::dip::Checklist, Timestamp)>>;
    /// An entry of an agency's DIP, with its versions.
    async fn get_dip_entry(&self, agency_id: &str, id: Uuid) -> Result<crate::domain::dip::Entry>;
    /// The entries of the DIP of `agency`: those of the agencies above it
    /// first, then its own, each by number.
    async fn dip_entries(&self, agency: &Agency) -> Result<Vec<crate::domain::dip::Entry>>;
    /// A number that moves whenever the DIP or a checklist changes (read
    /// where [`DipStore::dip_facts`] reads, before it).
    async fn dip_stamp(&self) -> Result<i64>;
    /// What coverage needs of every entry of these agencies.
    async fn dip_facts(&self, agency_ids: &[String])
    -> Result<Vec<crate::domain::dip::EntryFacts>>;
}

#[async_trait::async_trait]
pub trait Store:
    DikStore + DipStore + FeedStore + FigureStore + KeyStore + ReportStore + Send + Sync + 'static
{
    /// Reads an agency.
    async fn get_agency(&self, id: &str) -> Result<Agency>;
    /// Agencies ordered by id, after `after`, optionally one parent's children.
    async fn list_agencies(
        &self,
        parent: Option<&str>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Agency>>;

    /// Reads a request.
    async fn get_request(&self, id: Uuid) -> Result<Request>;
    /// A page of requests in list order, after `cursor`.
    async fn list_requests(
        &self,
        filter: &RequestFilter,
        cursor: Option<ListCursor>,
        limit: i64,
    ) -> Result<Vec<Request>>;
    /// The request's history, oldest first.
    async fn request_history(&self, id: Uuid) -> Result<Vec<Event>>;

    /// The holidays of `year` that apply to `agency` (national ones only when
    /// `None`), and whether the year's decree is loaded.
    async fn list_holidays(
        &self,
        year: i16,
        agency: Option<&Agency>,
    ) -> Result<(Vec<HolidayRecord>, bool)>;
    /// The working-day calendar of an agency.
    async fn calendar_for(&self, agency: &Agency) -> Result<WorkingCalendar>;
    /// The agencies `ids` names, each with its working-day calendar, read
    /// at one calendar version in two statements (ids not found are left
    /// out): a list spanning a subtree reads every agency's calendar at
    /// once instead of two round trips per agency.
    async fn calendars_of(&self, ids: &[String]) -> Result<Vec<(Agency, Arc<WorkingCalendar>)>>;

    /// The one writer: every write of the app goes through it.
    fn writer(&self) -> &writer::Writer;

    /// The deployment's settings.
    fn settings(&self) -> &StoreSettings;

    /// How full each connection pool is now (for metrics).
    fn pools(&self) -> Vec<PoolUse>;

    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}

/// One connection pool's use at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUse {
    /// `read`, `export` (PostgreSQL), `write` (PostgreSQL), `replica` and
    /// `replica_export` (with `--read-database-url`).
    pub name: &'static str,
    /// Connections open.
    pub size: u32,
    /// Of those, idle.
    pub idle: usize,
    /// The most it opens.
    pub max: u32,
}

/// Opens the store a URL names: `postgres://` or `postgresql://` selects
/// PostgreSQL, anything else is a SQLite file path or `sqlite:` URL.
/// Migrations run and the built-in holidays are loaded.
pub async fn connect(url: &str, settings: StoreSettings) -> anyhow::Result<Arc<dyn Store>> {
    Ok(Arc::new(SqlStore::connect(url, settings).await?))
}

/// Whether a database URL names PostgreSQL (else it is SQLite).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The SQLite migrations this build applies (a backup is checked against
/// them).
pub fn sqlite_migrator() -> &'static sqlx::migrate::Migrator {
    &sqlite::MIGRATOR
}

/// Runs migrations only.
pub async fn migrate(url: &str) -> anyhow::Result<()> {
    SqlStore::migrate_only(url).await
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match e {
            E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::Protocol(_) => {
                Error::Unavailable("the database cannot be reached".into())
            }
            // Two servers' writes crossed (PostgreSQL broke a deadlock or a
            // serialization conflict): nothing of this write was kept.
            E::Database(ref d) if matches!(d.code().as_deref(), Some("40P01" | "40001")) => {
                Error::Aborted(
                    "a concurrent change on another server crossed this one; retry".into(),
                )
            }
            E::Database(ref d) if is_connection_loss(d.code().as_deref()) => {
                Error::Unavailable("the database cannot be reached".into())
            }
            other => Error::Internal(anyhow::Error::new(other).context("database")),
        }
    }
}

/// PostgreSQL SQLSTATEs meaning the server went away (class 08, 57P0x).
fn is_connection_loss(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P0"))
}
