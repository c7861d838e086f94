//! Reports: the annual service report (UU KIP Pasal 12; Perki 1/2021
//! Pasal 56) and the complete export of the register.
use std::collections::{BTreeMap, HashMap};

use jiff::{civil::Date, tz::TimeZone};

use super::{App, figures::RankingGroup};
use crate::report::texts::Lang;
use crate::{
    domain::request::Request,
    domain::{
        ExemptionLetter, ObjectionGround, Outcome,
        agency::Agency,
        annual_report::{self, Narrative, Publication},
        figures::{self, Period, Totals},
        stats::{Counter, Span},
    },
    error::{Error, Result},
    report::{
        annual::{AnnualReport, Change, Counts, METHOD, Pending, RankRow, Section},
        export,
    },
    store::{CellLevel, EXPORT_PAGE, RequestCursor, RequestFilter, letters},
};

/// What the store gives for one year of a subtree.
struct YearData {
    totals: HashMap<String, Totals>,
    pending_start: HashMap<String, i64>,
    /// Requests due in the year, past due without a notice now: late.
    overdue: HashMap<String, i64>,
    /// (agency, outcome) -> letter -> notices.
    withholding: HashMap<(String, Outcome), BTreeMap<ExemptionLetter, i64>>,
    /// agency -> ground -> objections.
    grounds: HashMap<String, BTreeMap<ObjectionGround, i64>>,
}

async fn year_data(app: &App, root: &Agency, agencies: &[Agency], year: i16) -> Result<YearData> {
    let store = app.store();
    let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
    let key = format!("{year:04}");
    // The year cell of each agency, with its distributions.
    let totals = store
        .month_totals(CellLevel::Agency, &ids, &key, &key, &Counter::all(), true)
        .await?;
    let pending_start = store
        .pending_before(CellLevel::Agency, &ids, &format!("{year:04}-01"))
        .await?;
    let (first, last) = year_bounds(year)?;
    let overdue = store
        .overdue_unanswered(CellLevel::Agency, &ids, first, last, app.now())
        .await?;
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
        overdue,
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
        let mut overdue = 0;
        let mut rejected: BTreeMap<ExemptionLetter, i64> = BTreeMap::new();
        let mut partial: BTreeMap<ExemptionLetter, i64> = BTreeMap::new();
        let mut grounds: BTreeMap<ObjectionGround, i64> = BTreeMap::new();
        for id in ids {
            if let Some(x) = self.totals.get(*id) {
                t.merge(x);
            }
            pending_start += self.pending_start.get(*id).copied().unwrap_or(0);
            overdue += self.overdue.get(*id).copied().unwrap_or(0);
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
            on_time: figures::timeliness(&t, overdue),
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

impl App {
    /// The annual service report of `agency_id` with its sub-agencies for
    /// `year` (UU KIP Pasal 12; Perki 1/2021 Pasal 56).
    pub async fn annual_report(&self, agency_id: &str, year: i16) -> Result<AnnualReport> {
        let store = self.store();
        let root = store.get_agency(agency_id).await?;
        let mut agencies = store.subtree(&root).await?;
        // The agency's own PPID first, then the others by id.
        agencies.sort_by(|a, b| (a.id != root.id, &a.id).cmp(&(b.id != root.id, &b.id)));
        let ids: Vec<&str> = agencies.iter().map(|a| a.id.as_str()).collect();
        let this = year_data(self, &root, &agencies, year).await?;
        let last = year_data(self, &root, &agencies, year - 1).await?;
        let total = this.section(&root, &ids);
        let previous_year = last.section(&root, &ids);
        let per_agency = agencies
            .iter()
            .map(|a| this.section(a, &[a.id.as_str()]))
            .collect();
        let now = self.now();
        let oldest = store.oldest_pending(&agencies, 10).await?;
        let ranking = self.report_ranking(&root, year).await?;
        Ok(AnnualReport {
            agency_id: root.id.clone(),
            display_name: root.display_name.clone(),
            year,
            generate_time: now,
            generate_date: crate::domain::time::local_date(now, &root.tz()),
            year_on_year: year_on_year(&total, &previous_year),
            total,
            agencies: per_agency,
            previous_year,
            open_past_due_now: store.now_counts(&agencies, &[], now).await?.past_due,
            oldest_pending: oldest
                .into_iter()
                .map(|q| Pending {
                    request_id: q.id.to_string(),
                    registration_number: q.registration_number,
                    agency_id: q.agency_id,
                    receive_time: q.receive_time,
                    receive_date: crate::domain::time::local_date(q.receive_time, &root.tz()),
                    due_date: q.due_date,
                })
                .collect(),
            ranking,
            method: METHOD,
            narrative: store.report_narrative(&root.id, year).await?,
            due_date: annual_report::due_date(year),
            publication: store
                .report_publication(&root.id, year)
                .await?
                .map(|(p, _)| p),
            time_zone: root.tz(),
        })
    }
}

impl App {
    /// The children of `root` ranked for the year, by the figures' own
    /// ranking (the published one when there is one), so both agree.
    async fn report_ranking(&self, root: &Agency, year: i16) -> Result<Vec<RankRow>> {
        let period = Period::year(year).ok_or_else(|| Error::invalid("year", "out of range"))?;
        let ranking = self
            .ranking(&RankingGroup::Children(root.id.clone()), &period)
            .await?;
        Ok(ranking
            .entries
            .into_iter()
            .map(|e| RankRow {
                agency_id: e.agency_id,
                display_name: e.display_name,
                rank: e.rank,
                score: e.score,
                conservative_score: e.conservative_score,
                // A ranking says "insufficient data" in its own field; a
                // report's table says it in the band's column (the
                // renderers in the report's language).
                band: if e.score.is_none() {
                    "insufficient data".into()
                } else {
                    e.band
                },
                previous_rank: e.previous_rank,
            })
            .collect())
    }
}

impl App {
    /// Every request `filter` matches past `after`, in export order, as
    /// pages read ahead of the consumer (the last page is empty).
    pub fn export_pages(
        &self,
        filter: RequestFilter,
        after: Option<RequestCursor>,
    ) -> tokio::sync::mpsc::Receiver<Result<Vec<Request>>> {
        self.store.export_pages(filter, after, EXPORT_PAGE)
    }

    /// How many requests the filter matches.
    pub async fn export_count(&self, filter: &RequestFilter) -> Result<i64> {
        self.store.export_count(filter).await
    }

    /// Writes the export of `filter` to `out` (see [`export::write`]);
    /// returns how many requests were written.
    pub async fn export_to(
        &self,
        filter: &RequestFilter,
        include_personal_data: bool,
        format: export::Format,
        texts: (crate::report::texts::Lang, crate::report::texts::Header),
        out: &mut dyn std::io::Write,
        progress: impl FnMut(u64),
    ) -> Result<u64> {
        let zones: HashMap<String, TimeZone> = self
            .store
            .all_agencies()
            .await?
            .iter()
            .map(|a| (a.id.clone(), a.tz()))
            .collect();
        let pages = self.export_pages(filter.clone(), None);
        export::write(
            pages,
            &zones,
            include_personal_data,
            format,
            texts,
            out,
            progress,
        )
        .await
    }
}

impl App {
    /// Records the narrative of `agency_id`'s report for `year` (checked by
    /// the caller with `Narrative::violations`), replacing the one before.
    /// FAILED_PRECONDITION / REPORT_PUBLISHED once the report is published:
    /// a published report does not change under its readers.
    #[tracing::instrument(skip_all, fields(agency = %agency_id, year))]
    pub async fn record_report_narrative(
        &self,
        agency_id: &str,
        year: i16,
        narrative: Narrative,
        actor: &str,
    ) -> Result<Narrative> {
        let now = self.now();
        let (agency_id, actor) = (agency_id.to_string(), actor.to_string());
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    tx.agency(&agency_id)
                        .await?
                        .ok_or_else(|| crate::store::rows::agency_not_found(&agency_id))?;
                    if letters::publication(&mut tx.conn, &agency_id, year)
                        .await?
                        .is_some()
                    {
                        return Err(Error::precondition(
                            "REPORT_PUBLISHED",
                            format!(
                                "the {year} report of agencies/{agency_id} is published; \
                                 its narrative no longer changes"
                            ),
                        ));
                    }
                    letters::upsert_narrative(
                        &mut tx.conn,
                        &agency_id,
                        year,
                        &narrative,
                        now,
                        &actor,
                    )
                    .await?;
                    Ok(narrative)
                })
            })
            .await
    }

    /// Publishes `agency_id`'s report for `year`: `published` is the report
    /// as published (the API's encoding), kept so later readers get it
    /// unchanged. The year must have ended in the agency's zone.
    #[tracing::instrument(skip_all, fields(agency = %agency_id, year))]
    pub async fn publish_annual_report(
        &self,
        agency_id: &str,
        year: i16,
        publication: Publication,
        report: &AnnualReport,
        published: String,
    ) -> Result<()> {
        let agency = self.store.get_agency(agency_id).await?;
        let today = crate::domain::time::local_date(self.now(), &agency.tz());
        if today.year() <= year {
            return Err(Error::precondition(
                "YEAR_NOT_ENDED",
                format!("{year} has not ended at agencies/{agency_id} (today is {today})"),
            ));
        }
        // The pages people read on the portal, as published.
        let pages = (
            crate::report::render::html(report, Lang::Id),
            crate::report::render::html(report, Lang::En),
        );
        let agency_id = agency_id.to_string();
        let published = self
            .store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    letters::insert_publication(
                        &mut tx.conn,
                        &agency_id,
                        year,
                        &publication,
                        &published,
                        (&pages.0, &pages.1),
                    )
                    .await
                })
            })
            .await;
        if published.is_ok() {
            self.published_one();
        }
        published
    }

    /// Every published annual report: (agency id, year, publish time),
    /// newest first.
    pub async fn report_publications(&self) -> Result<Vec<(String, i16, jiff::Timestamp)>> {
        self.store.report_publications().await
    }

    /// A published report's page in `lang`, if it was rendered at
    /// publication.
    pub async fn report_page(
        &self,
        agency_id: &str,
        year: i16,
        lang: Lang,
    ) -> Result<Option<String>> {
        self.store.report_page(agency_id, year, lang.code()).await
    }

    /// The report of `agency_id` for `year` as published, if it is.
    pub async fn published_report(
        &self,
        agency_id: &str,
        year: i16,
    ) -> Result<Option<(Publication, String)>> {
        self.store.report_publication(agency_id, year).await
    }
}
