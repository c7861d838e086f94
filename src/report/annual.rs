//! The annual service report (laporan layanan informasi publik, UU KIP Pasal
//! 12; Perki 1/2021 Pasal 56) built from the figure cells and a few SQL
//! aggregates: no year of rows is ever loaded. The gRPC service and the CLI
//! both call [`build`]; the renderers take the [`AnnualReport`] it returns.
use std::collections::{BTreeMap, HashMap};

use jiff::{Timestamp, civil::Date};
use serde::{Serialize, Serializer, ser::SerializeMap};

use crate::{
    api::{AppState, indicator::IndicatorApi},
    domain::{
        DisputeOutcome, ExemptionLetter, ObjectionGround, Outcome, RequestState,
        agency::Agency,
        figures::{self, Distribution, Rate, Totals},
        stats::{Counter, Span},
    },
    error::{Error, Result},
    pb::ppid::v1::{self as pb, indicator_service_server::IndicatorService},
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
    /// On time (with lawful extension), among notices.
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
}

/// What the store gives for one year of a subtree.
struct YearData {
    totals: HashMap<String, Totals>,
    pending_start: HashMap<String, i64>,
    /// (agency, outcome) -> letter -> notices.
    withholding: HashMap<(String, Outcome), BTreeMap<ExemptionLetter, i64>>,
    /// agency -> ground -> objections.
    grounds: HashMap<String, BTreeMap<ObjectionGround, i64>>,
}

async fn year_data(
    state: &AppState,
    root: &Agency,
    agencies: &[Agency],
    year: i16,
) -> Result<YearData> {
    let store = &state.store;
    let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
    let key = format!("{year:04}");
    // The year cell of each agency, with its distributions.
    let totals = store.month_totals(&ids, &key, &key, true).await?;
    let pending_start = store.pending_before(&ids, &format!("{year:04}-01")).await?;
    let (first, last) = year_bounds(year)?;
    let mut withholding: HashMap<(String, Outcome), BTreeMap<ExemptionLetter, i64>> =
        HashMap::new();
    for w in store.withholding_by_letters(agencies, first, last).await? {
        let m = withholding.entry((w.agency_id, w.outcome)).or_default();
        for l in w.letters {
            *m.entry(l).or_insert(0) += w.count;
        }
    }
    let mut grounds: HashMap<String, BTreeMap<ObjectionGround, i64>> = HashMap::new();
    for g in store.objections_by_ground(root, first, last).await? {
        let m = grounds.entry(g.agency_id).or_default();
        for gr in g.grounds {
            *m.entry(gr).or_insert(0) += g.count;
        }
    }
    Ok(YearData {
        totals,
        pending_start,
        withholding,
        grounds,
    })
}

fn year_bounds(year: i16) -> Result<(Date, Date)> {
    let first = Date::new(year, 1, 1).map_err(|e| Error::invalid("year", e.to_string()))?;
    let last = Date::new(year, 12, 31).map_err(|e| Error::invalid("year", e.to_string()))?;
    Ok((first, last))
}

impl YearData {
    /// The section of `ids` pooled, labelled as `agency`.
    fn section(&self, agency: &Agency, ids: &[&str]) -> Section {
        let mut t = Totals::default();
        let mut pending_start = 0;
        let mut rejected: BTreeMap<ExemptionLetter, i64> = BTreeMap::new();
        let mut partial: BTreeMap<ExemptionLetter, i64> = BTreeMap::new();
        let mut grounds: BTreeMap<ObjectionGround, i64> = BTreeMap::new();
        for id in ids {
            if let Some(x) = self.totals.get(*id) {
                t.merge(x);
            }
            pending_start += self.pending_start.get(*id).copied().unwrap_or(0);
            for (outcome, into) in [
                (Outcome::Rejected, &mut rejected),
                (Outcome::PartiallyGranted, &mut partial),
            ] {
                if let Some(m) = self.withholding.get(&(id.to_string(), outcome)) {
                    for (l, n) in m {
                        *into.entry(*l).or_insert(0) += n;
                    }
                }
            }
            if let Some(m) = self.grounds.get(*id) {
                for (g, n) in m {
                    *grounds.entry(*g).or_insert(0) += n;
                }
            }
        }
        let decided = t.get(Counter::Decided);
        let answered = t.get(Counter::ObjectionsDecided);
        let overturned = t.get(Counter::ObjectionsOverturned);
        let all_letters = |m: &BTreeMap<ExemptionLetter, i64>| {
            Counts(
                ExemptionLetter::ALL
                    .iter()
                    .map(|l| (*l, m.get(l).copied().unwrap_or(0)))
                    .collect(),
            )
        };
        Section {
            agency_id: agency.id.clone(),
            display_name: agency.display_name.clone(),
            agency_count: ids.len(),
            received: t.get(Counter::Received),
            pending_at_start: pending_start,
            pending_at_end: pending_start + figures::open_flow(&t),
            decided,
            withdrawn: t.get(Counter::Withdrawn),
            outcomes: Counts(
                Outcome::ALL
                    .iter()
                    .map(|o| (*o, t.get(Counter::Outcome(*o))))
                    .collect(),
            ),
            time_to_notice: figures::distribution(
                &t.histogram(Span::Notice),
                t.get(Counter::NoticeDaysSum),
            ),
            time_to_delivery: figures::distribution(
                &t.histogram(Span::Delivery),
                t.get(Counter::DeliveryDaysSum),
            ),
            on_time: figures::wilson(t.get(Counter::OnTime), decided),
            extended: t.get(Counter::Extended),
            rejected_by_letter: all_letters(&rejected),
            partially_granted_by_letter: all_letters(&partial),
            withholding_with_dik: t.get(Counter::WithholdingRegistered),
            withholding_unregistered: t.get(Counter::WithholdingUnregistered),
            objections_filed: t.get(Counter::ObjectionsFiled),
            objections_by_ground: Counts(
                ObjectionGround::ALL
                    .iter()
                    .map(|g| (*g, grounds.get(g).copied().unwrap_or(0)))
                    .collect(),
            ),
            objections_answered: answered,
            objections_answered_on_time: t.get(Counter::ObjectionsOnTime),
            objections_upheld: answered - overturned,
            objections_overturned: overturned,
            disputes_filed: t.get(Counter::DisputesFiled),
            dispute_outcomes: Counts(figures::dispute_outcomes(&t)),
        }
    }
}

/// The main figures of two sections side by side.
fn year_on_year(now: &Section, before: &Section) -> Vec<Change> {
    let median = |s: &Section| s.time_to_notice.as_ref().map_or(0.0, |d| d.median);
    let mean = |s: &Section| s.time_to_notice.as_ref().map_or(0.0, |d| d.mean);
    let on_time = |s: &Section| s.on_time.map_or(0.0, |r| r.value * 100.0);
    let figures: Vec<(&'static str, f64, f64)> = vec![
        ("received", now.received as f64, before.received as f64),
        ("decided", now.decided as f64, before.decided as f64),
        (
            "granted",
            now.outcomes.get(Outcome::Granted) as f64,
            before.outcomes.get(Outcome::Granted) as f64,
        ),
        (
            "partially_granted",
            now.outcomes.get(Outcome::PartiallyGranted) as f64,
            before.outcomes.get(Outcome::PartiallyGranted) as f64,
        ),
        (
            "rejected",
            now.outcomes.get(Outcome::Rejected) as f64,
            before.outcomes.get(Outcome::Rejected) as f64,
        ),
        ("withdrawn", now.withdrawn as f64, before.withdrawn as f64),
        (
            "pending_at_end",
            now.pending_at_end as f64,
            before.pending_at_end as f64,
        ),
        ("median_days_to_notice", median(now), median(before)),
        ("mean_days_to_notice", mean(now), mean(before)),
        ("on_time_percent", on_time(now), on_time(before)),
        (
            "objections_filed",
            now.objections_filed as f64,
            before.objections_filed as f64,
        ),
        (
            "disputes_filed",
            now.disputes_filed as f64,
            before.disputes_filed as f64,
        ),
    ];
    figures
        .into_iter()
        .map(|(figure, current, previous)| Change {
            figure,
            current,
            previous,
            change: current - previous,
            change_percent: (previous != 0.0).then(|| (current - previous) / previous * 100.0),
        })
        .collect()
}

/// Builds the report of `agency_id` with its sub-agencies for `year`.
pub async fn build(state: &AppState, agency_id: &str, year: i16) -> Result<AnnualReport> {
    let store = &state.store;
    let root = store.get_agency(agency_id).await?;
    let mut agencies = store.subtree(&root).await?;
    // The agency's own PPID first, then the others by id.
    agencies.sort_by(|a, b| (a.id != root.id, &a.id).cmp(&(b.id != root.id, &b.id)));
    let ids: Vec<&str> = agencies.iter().map(|a| a.id.as_str()).collect();
    let this = year_data(state, &root, &agencies, year).await?;
    let last = year_data(state, &root, &agencies, year - 1).await?;
    let total = this.section(&root, &ids);
    let previous_year = last.section(&root, &ids);
    let per_agency = agencies
        .iter()
        .map(|a| this.section(a, &[a.id.as_str()]))
        .collect();
    let now = state.clock.now();
    let oldest = store.oldest_pending(&root, true, 10).await?;
    let ranking = ranking(state, &root, year).await?;
    Ok(AnnualReport {
        agency_id: root.id.clone(),
        display_name: root.display_name.clone(),
        year,
        generate_time: now,
        year_on_year: year_on_year(&total, &previous_year),
        total,
        agencies: per_agency,
        previous_year,
        open_past_due_now: store.open_past_due(&root, true, now).await?,
        oldest_pending: oldest
            .into_iter()
            .filter(|q| {
                matches!(
                    q.state,
                    RequestState::Pending | RequestState::AwaitingCompletion
                )
            })
            .map(|q| Pending {
                request_id: q.id.to_string(),
                registration_number: q.registration_number,
                agency_id: q.agency_id,
                receive_time: q.receive_time,
                due_date: q.due_date,
            })
            .collect(),
        ranking,
        method: METHOD,
    })
}

/// The children of `root` ranked for the year, through the figures issue's
/// own ranking (published snapshot when there is one), so both agree.
async fn ranking(state: &AppState, root: &Agency, year: i16) -> Result<Vec<RankRow>> {
    let api = IndicatorApi(state.clone());
    let mut req = tonic::Request::new(pb::GetRankingRequest {
        parent: format!("agencies/{}", root.id),
        period: Some(pb::Period {
            kind: Some(pb::period::Kind::Year(i32::from(year))),
        }),
        ..Default::default()
    });
    // An internal call: whoever asked for the report was admitted to it.
    req.extensions_mut().insert(crate::api::auth::Caller::Open {
        actor: "annual report".into(),
    });
    let out = api
        .get_ranking(req)
        .await
        .map_err(|s| Error::Internal(anyhow::anyhow!("ranking: {}", s.message())))?
        .into_inner();
    Ok(out
        .entries
        .into_iter()
        .map(|e| RankRow {
            agency_id: e
                .agency
                .strip_prefix("agencies/")
                .unwrap_or(&e.agency)
                .to_string(),
            display_name: e.display_name,
            rank: e.rank,
            score: e.score,
            band: e.band,
            previous_rank: e.previous_rank,
        })
        .collect())
}
