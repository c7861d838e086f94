//! Figures: statistics, openness scores, rankings and their explanations,
//! scoring policies, the Komisi Informasi's assessments, and published
//! rankings.
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
};

use jiff::{Timestamp, civil::Date};

use super::App;
use crate::{
    domain::{
        agency::Agency,
        dip,
        figures::{
            self, ComponentScore, ItemSource, PemdaAssessmentRule, Period, Ranked, Ranking,
            RankingEntry, ScoringPolicy, Statistics, Totals, Workload,
        },
        request::Request,
        stats::{self, Counter},
        time,
    },
    error::{Error, Result},
    store::{
        CellLevel,
        figures::{insert_policy, insert_snapshot, upsert_assessment},
        rows::agency_not_found,
    },
};

/// Which agencies a ranking compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RankingGroup {
    /// A comparison group (e.g. `opd/kota-serang`, `pemda/banten`).
    Comparison(String),
    /// The children of an agency.
    Children(String),
}

/// Bounds on figures recomputed from the register: they read every
/// request since 2000, so a few at once would starve the pool that serves
/// ordinary calls.
pub struct RecomputeLimits {
    slots: tokio::sync::Semaphore,
    concurrency: usize,
    wait: std::time::Duration,
    timeout: std::time::Duration,
}

/// Recomputations at once by default.
pub const DEFAULT_RECOMPUTE_CONCURRENCY: usize = 2;
/// How long a recomputation waits for its turn by default.
pub const DEFAULT_RECOMPUTE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long a recomputation may run by default.
pub const DEFAULT_RECOMPUTE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Default for RecomputeLimits {
    fn default() -> Self {
        Self::new(
            DEFAULT_RECOMPUTE_CONCURRENCY,
            DEFAULT_RECOMPUTE_WAIT,
            DEFAULT_RECOMPUTE_TIMEOUT,
        )
    }
}

impl RecomputeLimits {
    /// `concurrency` at once; each waits `wait` for a slot, runs `timeout`.
    pub fn new(
        concurrency: usize,
        wait: std::time::Duration,
        timeout: std::time::Duration,
    ) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            slots: tokio::sync::Semaphore::new(concurrency),
            concurrency,
            wait,
            timeout,
        }
    }

    /// Runs `work` in a slot, within the deadline; RESOURCE_EXHAUSTED
    /// naming the limit otherwise.
    pub async fn run<T>(&self, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        let _slot = tokio::time::timeout(self.wait, self.slots.acquire())
            .await
            .map_err(|_| {
                Error::ResourceExhausted(format!(
                    "{} recomputations of figures are running (--recompute-concurrency {}); \
                     retry later, or ask for whole months, which are read from the monthly cells",
                    self.concurrency, self.concurrency
                ))
            })?
            .map_err(|_| Error::Unavailable("the server is stopping".into()))?;
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| {
                Error::ResourceExhausted(format!(
                    "recomputing these figures took longer than {} s (--recompute-timeout-seconds); \
                     ask for whole months or a shorter range",
                    self.timeout.as_secs()
                ))
            })?
    }
}

/// An agency's figures for a period.
#[derive(Debug, Clone)]
pub struct AgencyStatistics {
    /// The agency.
    pub agency: Agency,
    /// How many agencies were pooled (itself, or its subtree).
    pub agency_count: usize,
    /// The figures.
    pub figures: Statistics,
    /// Open requests past their due date now.
    pub open_past_due_now: i64,
    /// Answered requests overdue for delivery now.
    pub overdue_for_delivery_now: i64,
    /// The ten oldest open requests.
    pub oldest_pending: Vec<Request>,
    /// "aggregates" (the cells) or "recomputed" (a range not of whole months).
    pub source: &'static str,
    /// The agency's DIP on the period's last day (or today), if it keeps
    /// one here.
    pub dip: Option<dip::Coverage>,
}

/// One assessment item in a score explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult {
    /// Item name.
    pub item: String,
    /// Its weight.
    pub weight: f64,
    /// Its score.
    pub score: f64,
    /// "requests" (the service item), "assessment", "computed" (from the
    /// DIP) or "missing".
    pub source: &'static str,
    /// Where the value comes from, concretely (computed items name what is
    /// missing or stale).
    pub explanation: String,
}

/// Why an agency scores what it scores.
#[derive(Debug, Clone)]
pub struct ScoreExplanation {
    /// The agency.
    pub agency_id: String,
    /// Final score.
    pub score: Option<f64>,
    /// Band label (see [`figures::band_label`]).
    pub band: String,
    /// Whether the Komisi Informasi's assessment entered the score.
    pub assessment_used: bool,
    /// The request-based service score.
    pub service_score: Option<f64>,
    /// Components, weakest first.
    pub components: Vec<ComponentScore>,
    /// The items of the final score, when an assessment or a computed item
    /// entered it.
    pub items: Vec<ItemResult>,
    /// The policy's version.
    pub policy_version: i64,
    /// Agencies pooled.
    pub pooled_agencies: usize,
    /// What to fix first.
    pub summary: String,
}

/// Every agency in path order: a subtree is a range, found by binary
/// search, so a ranking of thirty OPDs does not walk the country's agencies.
pub(crate) struct AgencyTree {
    all: Arc<Vec<Agency>>,
    /// Indexes into `all`, by path.
    by_path: Vec<usize>,
    /// Each agency's place in id order (by bytes, whatever the database's
    /// collation): a subtree is ordered by id without comparing strings.
    id_rank: Vec<usize>,
}

impl AgencyTree {
    fn new(all: Arc<Vec<Agency>>) -> Self {
        let mut by_path: Vec<usize> = (0..all.len()).collect();
        by_path.sort_by(|a, b| all[*a].path.cmp(&all[*b].path));
        let mut by_id: Vec<usize> = (0..all.len()).collect();
        by_id.sort_by(|a, b| all[*a].id.cmp(&all[*b].id));
        let mut id_rank = vec![0; all.len()];
        for (rank, i) in by_id.into_iter().enumerate() {
            id_rank[i] = rank;
        }
        Self {
            all,
            by_path,
            id_rank,
        }
    }

    /// `agency` and every agency under it, by id.
    fn subtree(&self, agency: &Agency) -> Vec<&Agency> {
        let (low, high) = crate::store::rows::subtree_bounds(&agency.path);
        let path = |i: &usize| self.all[*i].path.as_str();
        let from = self.by_path.partition_point(|i| path(i) < low.as_str());
        let to = self.by_path.partition_point(|i| path(i) < high.as_str());
        let mut at: Vec<usize> = self.by_path[from..to].to_vec();
        at.sort_unstable_by_key(|i| self.id_rank[*i]);
        at.into_iter().map(|i| &self.all[i]).collect()
    }
}

/// A subtree split into the agencies outside any whole Pemda in it, and
/// those Pemdas (each Pemda's own agency). A Pemda's group (the agencies
/// whose Pemda it is) lies under it, so a subtree holding the Pemda holds
/// its whole group.
fn whole_pemdas<'a>(subtree: &[&'a Agency]) -> (Vec<&'a Agency>, Vec<&'a Agency>) {
    let pemdas: Vec<&Agency> = subtree
        .iter()
        .filter(|a| a.pemda_id == a.id)
        .copied()
        .collect();
    let ids: HashSet<&str> = pemdas.iter().map(|a| a.id.as_str()).collect();
    let alone = subtree
        .iter()
        .filter(|a| !ids.contains(a.pemda_id.as_str()))
        .copied()
        .collect();
    (alone, pemdas)
}

/// The keys of pooled figures: `pemda:{id}` for each whole Pemda, then the
/// agencies' own ids.
fn pooled_keys<'a>(
    alone: impl IntoIterator<Item = &'a Agency>,
    pemdas: impl IntoIterator<Item = &'a Agency>,
) -> Vec<String> {
    pemdas
        .into_iter()
        .map(|a| format!("{PEMDA_KEY}{}", a.id))
        .chain(alone.into_iter().map(|a| a.id.clone()))
        .collect()
}

/// Where a member's pooled figures come from: the cells of each whole Pemda
/// in its subtree, and the agencies' own cells for the rest.
fn cell_keys(subtree: &[&Agency], pemda_cells: bool) -> Vec<String> {
    if !pemda_cells {
        return subtree.iter().map(|a| a.id.clone()).collect();
    }
    let (alone, pemdas) = whole_pemdas(subtree);
    pooled_keys(alone, pemdas)
}

/// The prefix of a whole Pemda's key in [`Figures`] (agency ids never hold
/// a ':').
const PEMDA_KEY: &str = "pemda:";

/// A Pemda's entry as keyed in [`Figures`].
fn pemda_key<T>((id, v): (String, T)) -> (String, T) {
    (format!("{PEMDA_KEY}{id}"), v)
}

/// Summed figures of some agencies over a period.
struct Figures {
    totals: HashMap<String, Totals>,
    pending_start: HashMap<String, i64>,
    pending_end: HashMap<String, i64>,
    overdue: HashMap<String, i64>,
    source: &'static str,
}

impl Figures {
    /// Open at the end of a period: open at its start, plus its flow.
    fn new(
        ids: &[String],
        totals: HashMap<String, Totals>,
        pending_start: HashMap<String, i64>,
        overdue: HashMap<String, i64>,
        source: &'static str,
    ) -> Self {
        let pending_end = ids
            .iter()
            .map(|id| {
                let start = pending_start.get(id).copied().unwrap_or(0);
                (
                    id.clone(),
                    start + totals.get(id).map_or(0, figures::open_flow),
                )
            })
            .collect();
        Self {
            totals,
            pending_start,
            pending_end,
            overdue,
            source,
        }
    }

    fn pooled(&self, ids: &[String]) -> (Totals, i64, Workload) {
        let mut t = Totals::default();
        let mut s = 0;
        let mut w = Workload::default();
        for id in ids {
            if let Some(x) = self.totals.get(id) {
                t.merge(x);
            }
            s += self.pending_start.get(id).copied().unwrap_or(0);
            w.pending_at_end += self.pending_end.get(id).copied().unwrap_or(0);
            w.overdue_unanswered += self.overdue.get(id).copied().unwrap_or(0);
        }
        (t, s, w)
    }
}

/// One member's score.
struct MemberScore {
    agency: Agency,
    pooled: Vec<String>,
    parts: Vec<ComponentScore>,
    service: Option<(f64, f64)>,
    final_score: Option<(f64, f64, bool)>,
    items: Option<BTreeMap<String, f64>>,
    /// Items computed from the DIP (jenis informasi, digitalisasi).
    computed: BTreeMap<String, f64>,
    /// Why each computed item is what it is.
    computed_why: BTreeMap<String, String>,
    decided: i64,
    received: i64,
}

impl MemberScore {
    /// Whether the Komisi Informasi's assessment entered the final score.
    fn assessment_used(&self) -> bool {
        self.final_score.is_some_and(|f| f.2)
    }
}

impl App {
    /// The scoring policy of a year (the built-in default until one is set),
    /// with when it was set.
    pub async fn policy(&self, year: i16) -> Result<(ScoringPolicy, Option<Timestamp>)> {
        Ok(match self.store.get_policy(year).await? {
            Some((p, t)) => (p, Some(t)),
            None => (ScoringPolicy::default_for(year), None),
        })
    }

    /// Stores a new version of a year's policy (checked by the caller with
    /// `ScoringPolicy::problems`).
    pub async fn set_policy(&self, policy: ScoringPolicy) -> Result<(ScoringPolicy, Timestamp)> {
        let now = self.now();
        let stored = self
            .store
            .writer()
            .write(move |tx| {
                Box::pin(async move { insert_policy(&mut tx.conn, policy, now).await })
            })
            .await?;
        tracing::info!(
            year = stored.year,
            version = stored.version,
            "scoring policy set"
        );
        Ok((stored, now))
    }

    /// Records (replaces) the Komisi Informasi's assessment of an agency for
    /// a year (checked by the caller against the year's policy).
    pub async fn record_assessment(
        &self,
        agency_id: &str,
        year: i16,
        items: BTreeMap<String, f64>,
    ) -> Result<Timestamp> {
        let now = self.now();
        let agency_id = agency_id.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    tx.agency(&agency_id)
                        .await?
                        .ok_or_else(|| agency_not_found(&agency_id))?;
                    upsert_assessment(&mut tx.conn, &agency_id, year, &items, now).await
                })
            })
            .await?;
        Ok(now)
    }

    /// Figures of `agencies` for a period: from the cells, or recomputed for
    /// ranges that do not fall on whole months.
    ///
    /// `pemdas`: whole Pemdas read from their own cells (whole months only),
    /// keyed `pemda:{id}`. `counters`: the cells read (a recomputation
    /// counts them all).
    async fn figures(
        &self,
        agencies: &[Agency],
        pemdas: &[String],
        period: &Period,
        counters: &[Counter],
        with_hist: bool,
    ) -> Result<Figures> {
        let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
        let (now, (start, end)) = (self.now(), (period.start, period.end));
        let store = &self.store;
        if period.whole_months() {
            let (from, to) = period.cell_keys();
            let first_month = stats::month(period.start);
            // Independent reads, issued together (each on its own
            // connection): the latency is the slowest, not the sum.
            let (mut totals, mut pending_start, mut overdue, p_totals, p_pending, p_overdue) = tokio::try_join!(
                store.month_totals(CellLevel::Agency, &ids, &from, &to, counters, with_hist),
                store.pending_before(CellLevel::Agency, &ids, &first_month),
                store.overdue_unanswered(CellLevel::Agency, &ids, start, end, now),
                store.month_totals(CellLevel::Pemda, pemdas, &from, &to, counters, with_hist),
                store.pending_before(CellLevel::Pemda, pemdas, &first_month),
                store.overdue_unanswered(CellLevel::Pemda, pemdas, start, end, now),
            )?;
            totals.extend(p_totals.into_iter().map(pemda_key));
            pending_start.extend(p_pending.into_iter().map(pemda_key));
            overdue.extend(p_overdue.into_iter().map(pemda_key));
            let keys: Vec<String> = ids
                .iter()
                .cloned()
                .chain(pemdas.iter().map(|p| format!("{PEMDA_KEY}{p}")))
                .collect();
            return Ok(Figures::new(
                &keys,
                totals,
                pending_start,
                overdue,
                "aggregates",
            ));
        }
        let overdue = store
            .overdue_unanswered(CellLevel::Agency, &ids, start, end, now)
            .await?;
        if !pemdas.is_empty() {
            return Err(Error::Internal(anyhow::anyhow!(
                "a Pemda's cells hold whole months only"
            )));
        }
        let origin = Date::new(2000, 1, 1).expect("constant");
        let before = period
            .start
            .yesterday()
            .map_err(|e| Error::invalid("period", e.to_string()))?;
        let (totals, earlier) = self
            .recompute
            .run(async {
                let totals = self
                    .store
                    .recompute_totals(agencies, period.start, period.end)
                    .await?;
                let earlier = self
                    .store
                    .recompute_totals(agencies, origin, before)
                    .await?;
                Ok((totals, earlier))
            })
            .await?;
        let pending_start = ids
            .iter()
            .map(|id| (id.clone(), earlier.get(id).map_or(0, figures::open_flow)))
            .collect();
        Ok(Figures::new(
            &ids,
            totals,
            pending_start,
            overdue,
            "recomputed",
        ))
    }

    /// An agency's figures for a period, alone or with its sub-agencies.
    pub async fn statistics(
        &self,
        agency: &Agency,
        include_sub_agencies: bool,
        period: &Period,
    ) -> Result<AgencyStatistics> {
        let agencies = if include_sub_agencies {
            self.store.subtree(agency).await?
        } else {
            vec![agency.clone()]
        };
        // A whole Pemda in a subtree is read from its own cells: the
        // instant's counts always, the period's figures for whole months.
        // (A Pemda alone is not its whole group.)
        let (alone, roots): (Vec<Agency>, Vec<Agency>) = if include_sub_agencies {
            let refs: Vec<&Agency> = agencies.iter().collect();
            let (alone, roots) = whole_pemdas(&refs);
            (
                alone.into_iter().cloned().collect(),
                roots.into_iter().cloned().collect(),
            )
        } else {
            (agencies.clone(), Vec::new())
        };
        let (own, pemdas, keys): (&[Agency], Vec<String>, Vec<String>) = if period.whole_months() {
            let pemdas = roots.iter().map(|a| a.id.clone()).collect();
            (&alone, pemdas, pooled_keys(&alone, &roots))
        } else {
            let ids = agencies.iter().map(|a| a.id.clone()).collect();
            (&agencies, Vec::new(), ids)
        };
        let day = period.end.min(time::local_date(self.now(), &agency.tz()));
        let counters = Counter::all();
        let (figs, oldest, now, dip) = tokio::try_join!(
            self.figures(own, &pemdas, period, &counters, true),
            self.store.oldest_pending(&agencies, 10),
            self.store.now_counts(&alone, &roots, self.now()),
            self.dip_coverage(agency, day),
        )?;
        let (t, pending_start, w) = figs.pooled(&keys);
        Ok(AgencyStatistics {
            agency: agency.clone(),
            agency_count: agencies.len(),
            figures: figures::statistics(&t, pending_start, w),
            open_past_due_now: now.past_due,
            overdue_for_delivery_now: now.overdue_for_delivery,
            oldest_pending: oldest,
            source: figs.source,
            dip: Some(dip).filter(dip::Coverage::kept),
        })
    }

    /// Every agency in path order, rebuilt when the store's list changes.
    async fn agency_tree(&self) -> Result<Arc<AgencyTree>> {
        let all = self.store.all_agencies().await?;
        let mut cached = self.tree.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = cached.as_ref()
            && Arc::ptr_eq(&t.all, &all)
        {
            return Ok(t.clone());
        }
        let t = Arc::new(AgencyTree::new(all));
        *cached = Some(t.clone());
        Ok(t)
    }

    /// Scores of the members of a group, each pooled over its subtree.
    async fn score_members(
        &self,
        members: Vec<Agency>,
        period: &Period,
        policy: &ScoringPolicy,
    ) -> Result<Vec<MemberScore>> {
        let tree = self.agency_tree().await?;
        // Whole months read whole Pemdas from their own cells.
        let pemda_cells = period.whole_months();
        let subtrees: Vec<Vec<&Agency>> = members.iter().map(|m| tree.subtree(m)).collect();
        let keys: Vec<Vec<String>> = subtrees.iter().map(|s| cell_keys(s, pemda_cells)).collect();
        let mut agencies: Vec<Agency> = Vec::new();
        let mut pemdas: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for (sub, ks) in subtrees.iter().zip(&keys) {
            for k in ks {
                if let Some(p) = k.strip_prefix(PEMDA_KEY)
                    && seen.insert(k.as_str())
                {
                    pemdas.push(p.to_string());
                }
            }
            let own: HashSet<&str> = ks.iter().map(String::as_str).collect();
            for a in sub {
                if own.contains(a.id.as_str()) && seen.insert(a.id.as_str()) {
                    agencies.push((*a).clone());
                }
            }
        }
        // The assessments of every pooled agency: past a thousand (a
        // national ranking), all of the year's rather than a list of ids.
        let needed: Option<Vec<String>> = (subtrees.iter().map(Vec::len).sum::<usize>() <= 1000)
            .then(|| {
                let mut once = HashSet::new();
                subtrees
                    .iter()
                    .flatten()
                    .filter(|a| once.insert(a.id.as_str()))
                    .map(|a| a.id.clone())
                    .collect()
            });
        let (figs, assessments, mut dips) = tokio::try_join!(
            self.figures(&agencies, &pemdas, period, &figures::SCORED, false),
            self.store
                .assessments(needed.as_deref(), period.policy_year()),
            self.dip_items(&members, &subtrees, period, policy),
        )?;
        let mut out = Vec::new();
        for ((m, sub), ks) in members.iter().zip(&subtrees).zip(&keys) {
            let pooled: Vec<String> = sub.iter().map(|a| a.id.clone()).collect();
            let (t, _, workload) = figs.pooled(ks);
            let parts = figures::components(&t, workload, policy);
            let service = figures::service_score(&parts);
            let items = match policy.pemda_assessment_rule {
                PemdaAssessmentRule::MeanOfOpds if pooled.len() > 1 => {
                    let opds: Vec<&BTreeMap<String, f64>> = pooled
                        .iter()
                        .filter(|id| **id != m.id)
                        .filter_map(|id| assessments.get(id))
                        .collect();
                    figures::mean_of_opds(policy, &opds)
                }
                _ => assessments.get(&m.id).cloned(),
            };
            let (computed, computed_why) = dips.remove(&m.id).unwrap_or_default();
            let final_score = figures::final_score(policy, service, items.as_ref(), &computed);
            out.push(MemberScore {
                computed,
                computed_why,
                decided: t.get(Counter::Decided),
                received: t.get(Counter::Received),
                agency: m.clone(),
                pooled,
                parts,
                service,
                final_score,
                items,
            });
        }
        Ok(out)
    }

    /// The group of a ranking: (key, label, members). NOT_FOUND for an
    /// unknown group or parent.
    pub async fn ranking_group(
        &self,
        group: &RankingGroup,
    ) -> Result<(String, String, Vec<Agency>)> {
        match group {
            RankingGroup::Comparison(g) => {
                let members = self.store.group_members(g).await?;
                if members.is_empty() {
                    return Err(Error::NotFound {
                        kind: "comparison group",
                        name: g.clone(),
                    });
                }
                Ok((format!("group:{g}"), g.clone(), members))
            }
            RankingGroup::Children(id) => {
                self.store.get_agency(id).await?;
                let members = self.store.list_agencies(Some(id), None, 100_000).await?;
                Ok((
                    format!("parent:{id}"),
                    format!("children of agencies/{id}"),
                    members,
                ))
            }
        }
    }

    /// Every published ranking: (group key, period key, publish time),
    /// newest first.
    pub async fn published_rankings(&self) -> Result<Vec<(String, String, Timestamp)>> {
        self.store.snapshots().await
    }

    /// The public figures of `agency` (its own requests) for `period`:
    /// [`App::statistics`] without the register's live lists (oldest open
    /// requests, what is past due now, the DIP), for the portal.
    pub async fn period_figures(&self, agency: &Agency, period: &Period) -> Result<Statistics> {
        self.own_figures(agency, period, true).await
    }

    /// The on-time rate of `agency` (its own requests) in each of `periods`:
    /// the trend on its public page.
    pub async fn on_time_trend(
        &self,
        agency: &Agency,
        periods: &[Period],
    ) -> Result<Vec<Option<figures::Rate>>> {
        let mut out = Vec::with_capacity(periods.len());
        for p in periods {
            out.push(self.own_figures(agency, p, false).await?.on_time);
        }
        Ok(out)
    }

    async fn own_figures(
        &self,
        agency: &Agency,
        period: &Period,
        with_hist: bool,
    ) -> Result<Statistics> {
        let figs = self
            .figures(
                std::slice::from_ref(agency),
                &[],
                period,
                &Counter::all(),
                with_hist,
            )
            .await?;
        let (t, pending_start, w) = figs.pooled(std::slice::from_ref(&agency.id));
        Ok(figures::statistics(&t, pending_start, w))
    }

    /// The published ranking of group `key` for the period keyed
    /// `period_key` (as [`App::published_rankings`] lists them), if any.
    pub async fn published_ranking_by_key(
        &self,
        key: &str,
        period_key: &str,
    ) -> Result<Option<Ranking>> {
        match self.store.snapshot(key, period_key).await? {
            Some((snap, _)) => Ok(Some(decode_snapshot(&snap)?)),
            None => Ok(None),
        }
    }

    /// The published ranking of a group for a period, if there is one.
    pub async fn published_ranking(&self, key: &str, period: &Period) -> Result<Option<Ranking>> {
        match self.store.snapshot(key, &period.key()).await? {
            Some((snap, _)) => Ok(Some(decode_snapshot(&snap)?)),
            None => Ok(None),
        }
    }

    /// The ranking of a group for a period: the published one when there is
    /// one, else computed now, with last period's published ranks beside.
    pub async fn ranking(&self, group: &RankingGroup, period: &Period) -> Result<Ranking> {
        let (key, label, members) = self.ranking_group(group).await?;
        self.ranking_of(&key, &label, members, period).await
    }

    /// [`App::ranking`] of a group already resolved by [`App::ranking_group`].
    pub async fn ranking_of(
        &self,
        key: &str,
        label: &str,
        members: Vec<Agency>,
        period: &Period,
    ) -> Result<Ranking> {
        if let Some(published) = self.published_ranking(key, period).await? {
            return Ok(published);
        }
        self.compute_ranking(key, label, members, period).await
    }

    async fn compute_ranking(
        &self,
        key: &str,
        label: &str,
        members: Vec<Agency>,
        period: &Period,
    ) -> Result<Ranking> {
        let (policy, _) = self.policy(period.policy_year()).await?;
        let scores = self.score_members(members, period, &policy).await?;
        let ranked = figures::rank(
            scores
                .iter()
                .map(|s| Ranked {
                    agency_id: s.agency.id.clone(),
                    score: s.final_score.map(|f| f.0),
                    conservative: s.final_score.map(|f| f.1),
                    rank: None,
                })
                .collect(),
        );
        let previous: HashMap<String, i32> = match period.previous() {
            Some(prev) => match self.published_ranking(key, &prev).await? {
                Some(r) => r
                    .entries
                    .into_iter()
                    .map(|e| (e.agency_id, e.rank))
                    .collect(),
                None => HashMap::new(),
            },
            None => HashMap::new(),
        };
        let (input_received, input_decided) = scores
            .iter()
            .fold((0, 0), |(r, d), s| (r + s.received, d + s.decided));
        // By value: a national ranking's pooled lists are moved, not copied.
        let mut by_id: HashMap<String, MemberScore> = scores
            .into_iter()
            .map(|s| (s.agency.id.clone(), s))
            .collect();
        let entries = ranked
            .iter()
            .map(|r| {
                let s = by_id
                    .remove(&r.agency_id)
                    .expect("every ranked agency was scored");
                let rank = r.rank.map_or(0, |x| x as i32);
                let previous_rank = previous.get(&r.agency_id).copied().unwrap_or(0);
                let (movement, movement_label) = figures::movement(rank, previous_rank);
                let assessment_used = s.assessment_used();
                RankingEntry {
                    agency_id: r.agency_id.clone(),
                    display_name: s.agency.display_name,
                    score: r.score,
                    conservative_score: r.conservative,
                    band: figures::band_label(&policy, r.score, assessment_used),
                    rank,
                    previous_rank,
                    movement,
                    movement_label,
                    assessment_used,
                    pooled_agency_ids: s.pooled,
                    decided: s.decided,
                }
            })
            .collect();
        Ok(Ranking {
            group: label.to_string(),
            period: period.clone(),
            policy_version: policy.version,
            entries,
            publish_time: None,
            input_received,
            input_decided,
            tie_rule: figures::TIE_RULE.into(),
        })
    }

    /// Publishes the ranking of a group for a period (once: ALREADY_EXISTS
    /// after).
    pub async fn publish_ranking(&self, group: &RankingGroup, period: &Period) -> Result<Ranking> {
        let (key, label, members) = self.ranking_group(group).await?;
        if self.store.snapshot(&key, &period.key()).await?.is_some() {
            return Err(Error::AlreadyExists {
                reason: "RANKING_PUBLISHED",
                message: format!(
                    "the ranking of {label} for {} is already published",
                    period.key()
                ),
            });
        }
        let now = self.now();
        let mut ranking = self.compute_ranking(&key, &label, members, period).await?;
        ranking.publish_time = Some(now);
        let snapshot = serde_json::to_string(&ranking)
            .map_err(|e| Error::Internal(anyhow::anyhow!("encoding a ranking: {e}")))?;
        let (period_key, version) = (period.key(), ranking.policy_version);
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    insert_snapshot(&mut tx.conn, &key, &period_key, version, &snapshot, now).await
                })
            })
            .await?;
        self.published_one();
        tracing::info!(group = %label, period = %period.key(), "ranking published");
        Ok(ranking)
    }

    /// Why an agency scores what it scores in a period.
    pub async fn explain_score(
        &self,
        agency: &Agency,
        period: &Period,
    ) -> Result<ScoreExplanation> {
        let (policy, _) = self.policy(period.policy_year()).await?;
        let mut scores = self
            .score_members(vec![agency.clone()], period, &policy)
            .await?;
        let s = scores
            .pop()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("no score for {}", agency.id)))?;
        let mut parts = s.parts.clone();
        figures::weakest_first(&mut parts);
        let entered = s.assessment_used() || !s.computed.is_empty();
        let items = match (s.service, s.final_score) {
            (Some(service), Some(_)) if entered => {
                figures::item_values(&policy, service, s.items.as_ref(), &s.computed)
                    .into_iter()
                    .map(|v| ItemResult {
                        explanation: match v.source {
                            ItemSource::Requests => "the request-based service score".into(),
                            ItemSource::Assessment => "recorded by the Komisi Informasi".into(),
                            ItemSource::Computed => {
                                s.computed_why.get(&v.item).cloned().unwrap_or_default()
                            }
                            ItemSource::Missing if s.assessment_used() => {
                                "not in the recorded assessment: counts 0".into()
                            }
                            ItemSource::Missing => {
                                "not assessed and not computed: left out of this indicative score"
                                    .into()
                            }
                        },
                        item: v.item,
                        weight: v.weight,
                        score: v.score,
                        source: v.source.as_str(),
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        Ok(ScoreExplanation {
            agency_id: agency.id.clone(),
            score: s.final_score.map(|f| f.0),
            band: figures::band_label(&policy, s.final_score.map(|f| f.0), s.assessment_used()),
            assessment_used: s.assessment_used(),
            service_score: s.service.map(|x| x.0),
            summary: figures::fix_first(&parts, &policy),
            components: parts,
            items,
            policy_version: policy.version,
            pooled_agencies: s.pooled.len(),
        })
    }
}

/// A published ranking as stored: JSON of [`Ranking`]; snapshots published
/// before it was JSON are base64 of the `ppid.v1.Ranking` message and are
/// read as such.
fn decode_snapshot(s: &str) -> Result<Ranking> {
    if s.starts_with('{') {
        return serde_json::from_str(s)
            .map_err(|e| Error::Internal(anyhow::anyhow!("stored ranking: {e}")));
    }
    legacy_snapshot(s)
}

fn legacy_snapshot(s: &str) -> Result<Ranking> {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use prost::Message;

    use crate::pb::ppid::v1 as pb;
    let bad = |e: String| Error::Internal(anyhow::anyhow!("stored ranking: {e}"));
    let bytes = STANDARD.decode(s).map_err(|e| bad(e.to_string()))?;
    let r = pb::Ranking::decode(bytes.as_slice()).map_err(|e| bad(e.to_string()))?;
    let date = |d: &Option<crate::pb::google::r#type::Date>| {
        d.as_ref()
            .and_then(|d| Date::new(d.year as i16, d.month as i8, d.day as i8).ok())
            .ok_or_else(|| bad("a range without dates".into()))
    };
    let period = match r.period.and_then(|p| p.kind) {
        Some(pb::period::Kind::Year(y)) => Period::year(y as i16),
        Some(pb::period::Kind::Quarter(q)) => Period::quarter(q.year as i16, q.quarter as i8),
        Some(pb::period::Kind::Range(range)) => Some(Period::range(
            date(&range.start_date)?,
            date(&range.end_date)?,
        )),
        None => None,
    }
    .ok_or_else(|| bad("no period".into()))?;
    let strip = |name: &str| name.strip_prefix("agencies/").unwrap_or(name).to_string();
    Ok(Ranking {
        group: r.group,
        period,
        policy_version: r.policy_version,
        entries: r
            .entries
            .into_iter()
            .map(|e| RankingEntry {
                agency_id: strip(&e.agency),
                display_name: e.display_name,
                score: e.score,
                conservative_score: e.conservative_score,
                band: e.band,
                rank: e.rank,
                previous_rank: e.previous_rank,
                movement: e.movement,
                movement_label: e.movement_label,
                pooled_agency_ids: e.pooled_agency_names.iter().map(|n| strip(n)).collect(),
                decided: e.decided,
                assessment_used: e.assessment_used,
            })
            .collect(),
        publish_time: r
            .publish_time
            .and_then(|t| Timestamp::new(t.seconds, t.nanos).ok()),
        input_received: r.input_received,
        input_decided: r.input_decided,
        tie_rule: r.tie_rule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rankings published before snapshots were JSON still read.
    #[test]
    fn reads_legacy_snapshots() {
        use base64::{Engine, engine::general_purpose::STANDARD};
        use prost::Message;

        use crate::pb::ppid::v1 as pb;
        let old = pb::Ranking {
            group: "opd/kota-serang".into(),
            period: Some(pb::Period {
                kind: Some(pb::period::Kind::Year(2025)),
            }),
            policy_version: 2,
            entries: vec![pb::RankingEntry {
                agency: "agencies/dinkes".into(),
                display_name: "Dinas Kesehatan".into(),
                rank: 1,
                pooled_agency_names: vec!["agencies/dinkes".into()],
                ..Default::default()
            }],
            published: true,
            publish_time: Some(prost_types::Timestamp {
                seconds: 1_767_225_600,
                nanos: 0,
            }),
            ..Default::default()
        };
        let r = decode_snapshot(&STANDARD.encode(old.encode_to_vec())).unwrap();
        assert_eq!(r.period, Period::year(2025).unwrap());
        assert_eq!(r.entries[0].agency_id, "dinkes");
        assert_eq!(r.entries[0].pooled_agency_ids, vec!["dinkes".to_string()]);
        assert!(r.publish_time.is_some());
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(decode_snapshot(&json).unwrap(), r);
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn recomputations_wait_for_a_slot_and_have_a_deadline() {
        let limits = std::sync::Arc::new(RecomputeLimits::new(
            1,
            Duration::from_millis(50),
            Duration::from_millis(50),
        ));
        // One recomputation holds the only slot until told to finish.
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
        let holder = {
            let limits = limits.clone();
            tokio::spawn(async move {
                limits
                    .run(async {
                        let _ = started_tx.send(());
                        let _ = hold.await;
                        Ok(())
                    })
                    .await
            })
        };
        started.await.unwrap();
        let waited = limits.run(async { Ok(()) }).await;
        match waited {
            Err(Error::ResourceExhausted(m)) => {
                assert!(m.contains("--recompute-concurrency 1"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        let _ = release.send(());
        // The holder outlived its 50 ms deadline while held.
        match holder.await.unwrap() {
            Err(Error::ResourceExhausted(m)) => {
                assert!(m.contains("--recompute-timeout-seconds"), "{m}")
            }
            Ok(()) => {} // released before its deadline on a fast machine
            Err(e) => panic!("{e:?}"),
        }
        // The slot is free again.
        limits.run(async { Ok(()) }).await.expect("free slot");
    }
}
