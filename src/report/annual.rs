//! The annual service report (laporan layanan informasi publik, UU KIP Pasal
//! 12; Perki 1/2021 Pasal 56): what it holds. `App::annual_report` builds
//! it from the figure cells and a few SQL aggregates (no year of rows is
//! ever loaded); the renderers (`render`) and the gRPC service take it.
use jiff::{Timestamp, civil::Date};
use serde::{Serialize, Serializer, ser::SerializeMap};

use crate::domain::{
    DisputeOutcome, ExemptionLetter, ObjectionGround, Outcome,
    annual_report::{Narrative, Publication},
    figures::{Distribution, Rate},
};

/// How the figures are attributed (printed in every report).
pub const METHOD: &str = "Each request counts at the agency handling it now (after forwards). \
Each figure falls in the agency-local year of its own event: received at receipt; decided, \
outcome, time taken and Pasal 17 letters at the written notice; delivered at delivery; \
objections filed at filing and answered at the answer; disputes at filing and settlement. \
Times are working days from the clock start (day 1 is the first working day after receipt). \
The time taken for each request is in the export (ppid export requests); this report gives \
its distribution, mean and median per agency.";

/// Counts keyed by a closed vocabulary, serialised as `{name: count}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts<T>(pub Vec<(T, i64)>);

impl<T: std::fmt::Display> Serialize for Counts<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(&k.to_string(), v)?;
        }
        m.end()
    }
}

impl<T: Copy + PartialEq> Counts<T> {
    /// The count of one key (0 when absent).
    pub fn get(&self, k: T) -> i64 {
        self.0.iter().find(|(x, _)| *x == k).map_or(0, |(_, n)| *n)
    }
}

/// Times and dates as their ISO 8601 text.
fn display<T: std::fmt::Display, S: Serializer>(
    v: &T,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn display_opt<T: std::fmt::Display, S: Serializer>(
    v: &Option<T>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// The Pasal 56 figures of one agency or of a pooled subtree for a year.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Agency id.
    pub agency_id: String,
    /// Display name.
    pub display_name: String,
    /// Agencies pooled (1 for one agency).
    pub agency_count: usize,
    /// Requests received.
    pub received: i64,
    /// Open at the start of the year.
    pub pending_at_start: i64,
    /// Open at the end of the year.
    pub pending_at_end: i64,
    /// Written notices.
    pub decided: i64,
    /// Withdrawn.
    pub withdrawn: i64,
    /// Notices by outcome.
    pub outcomes: Counts<Outcome>,
    /// Working days to the notice.
    pub time_to_notice: Option<Distribution>,
    /// Working days to delivery.
    pub time_to_delivery: Option<Distribution>,
    /// Of the requests due in the year, answered by the due date (with
    /// lawful extension); unanswered ones past due count late.
    pub on_time: Option<Rate>,
    /// Requests extended.
    pub extended: i64,
    /// Rejections by Pasal 17 letter.
    pub rejected_by_letter: Counts<ExemptionLetter>,
    /// Partial grants by the letter of what was withheld.
    pub partially_granted_by_letter: Counts<ExemptionLetter>,
    /// Withholding notices resting on DIK entries.
    pub withholding_with_dik: i64,
    /// Withholding notices resting (partly) on no DIK entry.
    pub withholding_unregistered: i64,
    /// Objections filed.
    pub objections_filed: i64,
    /// Objections filed, by Pasal 35(1) ground.
    pub objections_by_ground: Counts<ObjectionGround>,
    /// Objections answered.
    pub objections_answered: i64,
    /// ... by their due date.
    pub objections_answered_on_time: i64,
    /// ... upholding the PPID.
    pub objections_upheld: i64,
    /// ... overturning it.
    pub objections_overturned: i64,
    /// Disputes filed.
    pub disputes_filed: i64,
    /// Disputes settled, by outcome.
    pub dispute_outcomes: Counts<DisputeOutcome>,
}

/// One figure this year and last.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Figure name.
    pub figure: &'static str,
    /// This year.
    pub current: f64,
    /// Last year.
    pub previous: f64,
    /// current - previous.
    pub change: f64,
    /// Relative change in percent (none when last year was 0).
    pub change_percent: Option<f64>,
}

/// An open request, for the ten oldest.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    /// Request id.
    pub request_id: String,
    /// Registration number.
    pub registration_number: String,
    /// Handling agency.
    pub agency_id: String,
    /// Receipt.
    #[serde(serialize_with = "display")]
    pub receive_time: Timestamp,
    /// The day of receipt in the agency's zone (what a person reads).
    #[serde(serialize_with = "display")]
    pub receive_date: Date,
    /// Due date (none while paused).
    #[serde(serialize_with = "display_opt")]
    pub due_date: Option<Date>,
}

/// A sub-agency's place in the year's ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// Agency id.
    pub agency_id: String,
    /// Display name.
    pub display_name: String,
    /// 1 is best; 0 unranked.
    pub rank: i32,
    /// Openness score.
    pub score: Option<f64>,
    /// The score with its rates at their Wilson lower bound: the rank key,
    /// so a unit with fewer requests may rank below a higher score.
    pub conservative_score: Option<f64>,
    /// Band or "insufficient data".
    pub band: String,
    /// Last year's published rank (0: none).
    pub previous_rank: i32,
}

/// The annual report of an agency with its sub-agencies.
#[derive(Debug, Clone, Serialize)]
pub struct AnnualReport {
    /// Agency id.
    pub agency_id: String,
    /// Display name.
    pub display_name: String,
    /// The year.
    pub year: i16,
    /// When made.
    #[serde(serialize_with = "display")]
    pub generate_time: Timestamp,
    /// The day it was made in the agency's zone.
    #[serde(serialize_with = "display")]
    pub generate_date: Date,
    /// The whole subtree.
    pub total: Section,
    /// Each agency on its own: the agency first, then the others by id.
    pub agencies: Vec<Section>,
    /// The whole subtree last year.
    pub previous_year: Section,
    /// This year against last.
    pub year_on_year: Vec<Change>,
    /// Open requests past due when made.
    pub open_past_due_now: i64,
    /// The ten oldest open requests when made.
    pub oldest_pending: Vec<Pending>,
    /// The sub-agencies ranked by openness score.
    pub ranking: Vec<RankRow>,
    /// Attribution, for the reader.
    pub method: &'static str,
    /// The parts written by hand, when recorded.
    pub narrative: Option<Narrative>,
    /// Due three months after the year ends (31 March).
    #[serde(serialize_with = "display")]
    pub due_date: Date,
    /// The publication, once published.
    pub publication: Option<Publication>,
    /// The agency's zone (for the days people read).
    #[serde(skip)]
    pub time_zone: jiff::tz::TimeZone,
}
