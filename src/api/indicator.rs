//! `ppid.v1.IndicatorService`: statistics, scores, rankings.
use std::collections::{BTreeMap, HashMap};

use base64::{Engine, engine::general_purpose::STANDARD};
use jiff::civil::Date;
use prost::Message;
use tonic::{Request, Response, Status};

use super::{
    AppState,
    auth::{Caller, denied},
    convert::{self, Check, Nested},
};
use crate::{
    domain::{
        DisputeOutcome, Outcome, RequestState,
        agency::Agency,
        figures::{
            self, Component, ComponentScore, PemdaAssessmentRule, Ranked, ScoringPolicy, Totals,
            Workload,
        },
        stats::{Counter, Span},
    },
    error::{Error, Result},
    pb::ppid::v1::{self as pb, indicator_service_server::IndicatorService},
};

/// The indicator service.
pub struct IndicatorApi(pub AppState);

/// How ties are broken, stated in every ranking.
const TIE_RULE: &str = "ordered by the conservative score (every rate at its 95% Wilson lower bound), \
then by the score, then by agency id; equal conservative score and score share a rank";

/// A checked period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeriodSpec {
    pub(crate) start: Date,
    pub(crate) end: Date,
    /// Stable key, e.g. "2026", "2026-Q1", "2026-01-01..2026-02-15".
    key: String,
    /// Served from the monthly cells (whole months).
    whole_months: bool,
    proto: pb::Period,
}

fn month_of(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

impl PeriodSpec {
    pub(crate) fn parse(c: &mut Check, field: &str, p: Option<&pb::Period>) -> Option<Self> {
        let Some(p) = p else {
            c.add(field, "is required");
            return None;
        };
        let year_ok = |y: i32| (2000..2200).contains(&y);
        match &p.kind {
            Some(pb::period::Kind::Year(y)) if year_ok(*y) => {
                let y = *y as i16;
                Some(Self::months(
                    Date::new(y, 1, 1).ok()?,
                    Date::new(y, 12, 31).ok()?,
                    y.to_string(),
                    *p,
                ))
            }
            Some(pb::period::Kind::Quarter(q))
                if year_ok(q.year) && (1..=4).contains(&q.quarter) =>
            {
                let y = q.year as i16;
                let first = Date::new(y, (q.quarter as i8 - 1) * 3 + 1, 1).ok()?;
                let last = first
                    .checked_add(jiff::Span::new().months(3))
                    .ok()?
                    .yesterday()
                    .ok()?;
                Some(Self::months(first, last, format!("{y}-Q{}", q.quarter), *p))
            }
            Some(pb::period::Kind::Range(r)) => {
                let start = c.date(Nested(field, "range.start_date"), r.start_date.as_ref());
                let end = c.date(Nested(field, "range.end_date"), r.end_date.as_ref());
                let (start, end) = (start?, end?);
                if end < start {
                    c.add(Nested(field, "range.end_date"), "is before the start date");
                    return None;
                }
                let whole = start.day() == 1 && end.tomorrow().is_ok_and(|t| t.day() == 1);
                let mut s = Self::months(start, end, format!("{start}..{end}"), *p);
                s.whole_months = whole;
                Some(s)
            }
            Some(pb::period::Kind::Year(_)) => {
                c.add(Nested(field, "year"), "must be between 2000 and 2199");
                None
            }
            Some(pb::period::Kind::Quarter(_)) => {
                c.add(
                    Nested(field, "quarter"),
                    "needs a year between 2000 and 2199 and a quarter 1-4",
                );
                None
            }
            None => {
                c.add(field, "set one of year, quarter or range");
                None
            }
        }
    }

    fn months(start: Date, end: Date, key: String, proto: pb::Period) -> Self {
        Self {
            start,
            end,
            key,
            whole_months: true,
            proto,
        }
    }

    fn year(&self) -> i16 {
        self.start.year()
    }

    /// The period before, of the same kind.
    fn previous(&self) -> Option<Self> {
        match &self.proto.kind {
            Some(pb::period::Kind::Year(y)) => {
                let p = pb::Period {
                    kind: Some(pb::period::Kind::Year(y - 1)),
                };
                Self::parse(&mut Check::new(), "period", Some(&p))
            }
            Some(pb::period::Kind::Quarter(q)) => {
                let (year, quarter) = if q.quarter == 1 {
                    (q.year - 1, 4)
                } else {
                    (q.year, q.quarter - 1)
                };
                let p = pb::Period {
                    kind: Some(pb::period::Kind::Quarter(pb::period::Quarter {
                        year,
                        quarter,
                    })),
                };
                Self::parse(&mut Check::new(), "period", Some(&p))
            }
            _ => {
                let days = (self.end - self.start).get_days() as i64 + 1;
                let end = self.start.yesterday().ok()?;
                let start = end.checked_sub(jiff::Span::new().days(days - 1)).ok()?;
                let p = pb::Period {
                    kind: Some(pb::period::Kind::Range(pb::period::DateRange {
                        start_date: Some(convert::date(start)),
                        end_date: Some(convert::date(end)),
                    })),
                };
                Self::parse(&mut Check::new(), "period", Some(&p))
            }
        }
    }
}

/// Summed figures of some agencies over a period.
struct Figures {
    /// Per agency.
    totals: HashMap<String, Totals>,
    pending_start: HashMap<String, i64>,
    pending_end: HashMap<String, i64>,
    source: &'static str,
}

impl Figures {
    fn pooled(&self, ids: &[String]) -> (Totals, i64, i64) {
        let mut t = Totals::default();
        let (mut s, mut e) = (0, 0);
        for id in ids {
            if let Some(x) = self.totals.get(id) {
                t.merge(x);
            }
            s += self.pending_start.get(id).copied().unwrap_or(0);
            e += self.pending_end.get(id).copied().unwrap_or(0);
        }
        (t, s, e)
    }
}

/// Requests that came and did not go: received, less decided and withdrawn.
fn open_flow(t: Option<&Totals>) -> i64 {
    t.map_or(0, figures::open_flow)
}

/// Open at the end of a period: open at its start, plus its flow.
fn with_pending_end(
    ids: &[String],
    totals: HashMap<String, Totals>,
    pending_start: HashMap<String, i64>,
    source: &'static str,
) -> Figures {
    let pending_end = ids
        .iter()
        .map(|id| {
            let start = pending_start.get(id).copied().unwrap_or(0);
            (id.clone(), start + open_flow(totals.get(id)))
        })
        .collect();
    Figures {
        totals,
        pending_start,
        pending_end,
        source,
    }
}

pub(crate) fn rate(r: Option<figures::Rate>) -> pb::Rate {
    r.map(|r| pb::Rate {
        successes: r.successes,
        trials: r.trials,
        value: r.value,
        lower: r.lower,
        upper: r.upper,
    })
    .unwrap_or_default()
}

fn time_stats(t: &Totals, span: Span, sum: Counter) -> Option<pb::TimeStatistics> {
    figures::distribution(&t.histogram(span), t.get(sum)).map(distribution_pb)
}

/// A distribution on the wire, with the values as people read them.
pub(crate) fn distribution_pb(d: figures::Distribution) -> pb::TimeStatistics {
    let buckets = |b: Vec<(String, i64)>| {
        b.into_iter()
            .map(|(label, count)| pb::Bucket { label, count })
            .collect()
    };
    pb::TimeStatistics {
        count: d.count,
        median: d.median,
        mean: d.mean,
        min: d.min,
        max: d.max,
        median_display: figures::display_days(d.median),
        mean_display: figures::display_days(d.mean),
        min_display: figures::display_days(f64::from(d.min)),
        max_display: if d.max >= crate::domain::stats::HIST_CAP {
            "401+".into()
        } else {
            figures::display_days(f64::from(d.max))
        },
        kip_buckets: buckets(d.kip_buckets),
        doj_buckets: buckets(d.doj_buckets),
    }
}

fn band_label(policy: &ScoringPolicy, score: Option<f64>) -> String {
    score
        .map(|s| policy.band(s).label().to_string())
        .unwrap_or_else(|| "insufficient data".into())
}

fn policy_to_pb(p: &ScoringPolicy, create_time: Option<jiff::Timestamp>) -> pb::ScoringPolicy {
    pb::ScoringPolicy {
        year: i32::from(p.year),
        version: p.version,
        components: p
            .components
            .iter()
            .map(|(c, w)| pb::ComponentWeight {
                component: c.as_str().into(),
                weight: *w,
            })
            .collect(),
        min_sample: p.min_sample,
        speed_zero_days: p.speed_zero_days,
        band_thresholds: p.band_thresholds.to_vec(),
        assessment_items: p
            .assessment_items
            .iter()
            .map(|(i, w)| pb::ItemWeight {
                item: i.clone(),
                weight: *w,
            })
            .collect(),
        service_item: p.service_item.clone(),
        pemda_assessment_rule: match p.pemda_assessment_rule {
            PemdaAssessmentRule::Own => "own".into(),
            PemdaAssessmentRule::MeanOfOpds => "mean_of_opds".into(),
        },
        create_time: create_time.map(convert::timestamp),
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
    decided: i64,
    received: i64,
}

impl IndicatorApi {
    async fn policy(&self, year: i16) -> Result<ScoringPolicy> {
        Ok(self
            .0
            .store
            .get_policy(year)
            .await?
            .map(|(p, _)| p)
            .unwrap_or_else(|| ScoringPolicy::default_for(year)))
    }

    /// Figures of `agencies` for a period: from the cells, or recomputed for
    /// ranges that do not fall on whole months.
    async fn figures(
        &self,
        agencies: &[Agency],
        period: &PeriodSpec,
        with_hist: bool,
    ) -> Result<Figures> {
        let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
        if period.whole_months {
            // A year or a quarter reads its own cell; other whole-month
            // ranges read their months.
            let (from, to) = match &period.proto.kind {
                Some(pb::period::Kind::Year(y)) => (format!("{y:04}"), format!("{y:04}")),
                Some(pb::period::Kind::Quarter(q)) => {
                    let k = format!("{:04}-Q{}", q.year, q.quarter);
                    (k.clone(), k)
                }
                _ => (month_of(period.start), month_of(period.end)),
            };
            let totals = self
                .0
                .store
                .month_totals(&ids, &from, &to, with_hist)
                .await?;
            let pending_start = self
                .0
                .store
                .pending_before(&ids, &month_of(period.start))
                .await?;
            return Ok(with_pending_end(&ids, totals, pending_start, "aggregates"));
        }
        let origin = Date::new(2000, 1, 1).expect("constant");
        let before = period
            .start
            .yesterday()
            .map_err(|e| Error::invalid("period", e.to_string()))?;
        let totals = self
            .0
            .store
            .recompute_totals(agencies, period.start, period.end)
            .await?;
        let earlier = self
            .0
            .store
            .recompute_totals(agencies, origin, before)
            .await?;
        let pending_start = ids
            .iter()
            .map(|id| (id.clone(), open_flow(earlier.get(id))))
            .collect();
        Ok(with_pending_end(&ids, totals, pending_start, "recomputed"))
    }

    /// All agencies, and each one's subtree ids (itself included).
    async fn tree(&self) -> Result<(Vec<Agency>, HashMap<String, Vec<String>>)> {
        let all = self.0.store.all_agencies().await?.as_ref().clone();
        let mut subtrees: HashMap<String, Vec<String>> = HashMap::new();
        for a in &all {
            // Every ancestor-or-self on the path gets this agency.
            for anc in a.path.split('/').filter(|s| !s.is_empty()) {
                subtrees
                    .entry(anc.to_string())
                    .or_default()
                    .push(a.id.clone());
            }
        }
        Ok((all, subtrees))
    }

    /// Scores of the members of a group.
    async fn score_members(
        &self,
        members: Vec<Agency>,
        period: &PeriodSpec,
        policy: &ScoringPolicy,
    ) -> Result<Vec<MemberScore>> {
        let (all, subtrees) = self.tree().await?;
        let pooled_of = |a: &Agency| {
            subtrees
                .get(&a.id)
                .cloned()
                .unwrap_or_else(|| vec![a.id.clone()])
        };
        let mut needed: Vec<String> = members.iter().flat_map(pooled_of).collect();
        needed.sort();
        needed.dedup();
        let agencies: Vec<Agency> = all
            .into_iter()
            .filter(|a| needed.binary_search(&a.id).is_ok())
            .collect();
        let figs = self.figures(&agencies, period, false).await?;
        let assessments = self.0.store.assessments(&needed, period.year()).await?;
        let mut out = Vec::new();
        for m in members {
            let pooled = pooled_of(&m);
            let (t, _, pending_end) = figs.pooled(&pooled);
            let parts = figures::components(
                &t,
                Workload {
                    pending_at_end: pending_end,
                },
                policy,
            );
            let service = figures::service_score(&parts);
            let items = match policy.pemda_assessment_rule {
                PemdaAssessmentRule::MeanOfOpds if pooled.len() > 1 => {
                    let subs: Vec<&BTreeMap<String, f64>> = pooled
                        .iter()
                        .filter(|id| **id != m.id)
                        .filter_map(|id| assessments.get(id))
                        .collect();
                    (!subs.is_empty()).then(|| {
                        let mut mean: BTreeMap<String, f64> = BTreeMap::new();
                        for (item, _) in &policy.assessment_items {
                            let vals: Vec<f64> =
                                subs.iter().filter_map(|a| a.get(item).copied()).collect();
                            if !vals.is_empty() {
                                mean.insert(
                                    item.clone(),
                                    vals.iter().sum::<f64>() / vals.len() as f64,
                                );
                            }
                        }
                        mean
                    })
                }
                _ => assessments.get(&m.id).cloned(),
            };
            let final_score = figures::final_score(policy, service, items.as_ref());
            out.push(MemberScore {
                decided: t.get(Counter::Decided),
                received: t.get(Counter::Received),
                agency: m,
                pooled,
                parts,
                service,
                final_score,
                items,
            });
        }
        Ok(out)
    }

    /// Resolves the group of a ranking request: (key, label, members).
    async fn group(
        &self,
        c: &mut Check,
        comparison_group: &str,
        parent: &str,
    ) -> Result<Option<(String, String, Vec<Agency>)>> {
        match (comparison_group.is_empty(), parent.is_empty()) {
            (false, true) => {
                if comparison_group.len() > 100 || comparison_group.chars().any(char::is_control) {
                    c.add("comparison_group", "is not a comparison group");
                    return Ok(None);
                }
                let members = self.0.store.group_members(comparison_group).await?;
                if members.is_empty() {
                    return Err(Error::NotFound {
                        kind: "comparison group",
                        name: comparison_group.to_string(),
                    });
                }
                Ok(Some((
                    format!("group:{comparison_group}"),
                    comparison_group.to_string(),
                    members,
                )))
            }
            (true, false) => {
                let Some(id) = convert::agency_id(c, "parent", parent) else {
                    return Ok(None);
                };
                self.0.store.get_agency(&id).await?;
                let members = self.0.store.list_agencies(Some(&id), None, 100_000).await?;
                Ok(Some((
                    format!("parent:{id}"),
                    format!("children of agencies/{id}"),
                    members,
                )))
            }
            _ => {
                c.add(
                    "comparison_group",
                    "set exactly one of comparison_group and parent",
                );
                Ok(None)
            }
        }
    }

    async fn ranking(
        &self,
        group_key: &str,
        label: &str,
        members: Vec<Agency>,
        period: &PeriodSpec,
    ) -> Result<pb::Ranking> {
        if let Some((snap, _)) = self.0.store.snapshot(group_key, &period.key).await? {
            return decode_snapshot(&snap);
        }
        let policy = self.policy(period.year()).await?;
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
            Some(prev) => match self.0.store.snapshot(group_key, &prev.key).await? {
                Some((snap, _)) => decode_snapshot(&snap)?
                    .entries
                    .into_iter()
                    .map(|e| (e.agency, e.rank))
                    .collect(),
                None => HashMap::new(),
            },
            None => HashMap::new(),
        };
        let by_id: HashMap<&str, &MemberScore> =
            scores.iter().map(|s| (s.agency.id.as_str(), s)).collect();
        let entries = ranked
            .iter()
            .map(|r| {
                let s = by_id[r.agency_id.as_str()];
                let name = format!("agencies/{}", r.agency_id);
                let rank = r.rank.map_or(0, |x| x as i32);
                let prev = previous.get(&name).copied().unwrap_or(0);
                let movement = if rank > 0 && prev > 0 { prev - rank } else { 0 };
                let label = match (rank, prev) {
                    (0, _) => "unranked".to_string(),
                    (_, 0) => "new".to_string(),
                    _ if movement > 0 => format!("up {movement}"),
                    _ if movement < 0 => format!("down {}", -movement),
                    _ => "same".to_string(),
                };
                pb::RankingEntry {
                    agency: name,
                    display_name: s.agency.display_name.clone(),
                    score: r.score,
                    conservative_score: r.conservative,
                    band: band_label(&policy, r.score),
                    rank,
                    previous_rank: prev,
                    movement,
                    movement_label: label,
                    pooled_agencies: s.pooled.len() as i32,
                    decided: s.decided,
                    assessment_used: s.final_score.is_some_and(|f| f.2),
                    pooled_agency_names: s
                        .pooled
                        .iter()
                        .map(|id| format!("agencies/{id}"))
                        .collect(),
                }
            })
            .collect();
        Ok(pb::Ranking {
            group: label.to_string(),
            period: Some(period.proto),
            policy_version: policy.version,
            entries,
            published: false,
            publish_time: None,
            input_received: scores.iter().map(|s| s.received).sum(),
            input_decided: scores.iter().map(|s| s.decided).sum(),
            tie_rule: TIE_RULE.into(),
        })
    }
}

fn decode_snapshot(s: &str) -> Result<pb::Ranking> {
    let bytes = STANDARD
        .decode(s)
        .map_err(|e| Error::Internal(anyhow::anyhow!("snapshot: {e}")))?;
    pb::Ranking::decode(bytes.as_slice())
        .map_err(|e| Error::Internal(anyhow::anyhow!("snapshot: {e}")))
}

#[tonic::async_trait]
impl IndicatorService for IndicatorApi {
    async fn get_agency_statistics(
        &self,
        req: Request<pb::GetAgencyStatisticsRequest>,
    ) -> Result<Response<pb::AgencyStatistics>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let id = convert::agency_id(&mut c, "agency", &r.agency);
        let period = PeriodSpec::parse(&mut c, "period", r.period.as_ref());
        c.finish()?;
        let (Some(id), Some(period)) = (id, period) else {
            return Err(convert::missing());
        };
        let agency = self.0.store.get_agency(&id).await?;
        caller.require_reach(&agency)?;
        let agencies = if r.include_sub_agencies {
            self.0.store.subtree(&agency).await?
        } else {
            vec![agency.clone()]
        };
        let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
        let figs = self.figures(&agencies, &period, true).await?;
        let (t, pending_start, pending_end) = figs.pooled(&ids);
        let now = self.0.clock.now();
        let oldest = self
            .0
            .store
            .oldest_pending(&agency, r.include_sub_agencies, 10)
            .await?;
        let decided = t.get(Counter::Decided);
        Ok(Response::new(pb::AgencyStatistics {
            agency: format!("agencies/{id}"),
            period: Some(period.proto),
            include_sub_agencies: r.include_sub_agencies,
            agency_count: agencies.len() as i32,
            received: t.get(Counter::Received),
            pending_at_start: pending_start,
            pending_at_end: pending_end,
            decided,
            withdrawn: t.get(Counter::Withdrawn),
            outcomes: Outcome::ALL
                .iter()
                .map(|o| pb::OutcomeCount {
                    outcome: convert::ProtoEnum::to_proto(*o),
                    count: t.get(Counter::Outcome(*o)),
                })
                .collect(),
            time_to_notice: time_stats(&t, Span::Notice, Counter::NoticeDaysSum),
            time_to_delivery: time_stats(&t, Span::Delivery, Counter::DeliveryDaysSum),
            on_time: Some(rate(figures::wilson(t.get(Counter::OnTime), decided))),
            on_time_original: Some(rate(figures::wilson(
                t.get(Counter::OnTimeOriginal),
                decided,
            ))),
            extension_rate: Some(rate(figures::wilson(
                t.get(Counter::Extended).min(t.get(Counter::Received)),
                t.get(Counter::Received),
            ))),
            open_past_due_now: self
                .0
                .store
                .open_past_due(&agency, r.include_sub_agencies, now)
                .await?,
            oldest_pending: oldest
                .iter()
                .filter(|q| {
                    matches!(
                        q.state,
                        RequestState::Pending | RequestState::AwaitingCompletion
                    )
                })
                .map(|q| pb::PendingRequest {
                    name: format!("requests/{}", q.id),
                    registration_number: q.registration_number.clone(),
                    agency: format!("agencies/{}", q.agency_id),
                    receive_time: Some(convert::timestamp(q.receive_time)),
                    due_date: q.due_date.map(convert::date),
                })
                .collect(),
            exemptions_by_letter: figures::letters(&t)
                .into_iter()
                .map(|(l, count)| pb::LetterCount {
                    letter: convert::ProtoEnum::to_proto(l),
                    count,
                })
                .collect(),
            withholding_with_dik: t.get(Counter::WithholdingRegistered),
            withholding_unregistered: t.get(Counter::WithholdingUnregistered),
            objections_filed: t.get(Counter::ObjectionsFiled),
            objections_answered: t.get(Counter::ObjectionsDecided),
            objections_answered_on_time: t.get(Counter::ObjectionsOnTime),
            objections_overturned: t.get(Counter::ObjectionsOverturned),
            disputes_filed: t.get(Counter::DisputesFiled),
            disputes_mediated: t.get(Counter::Dispute(DisputeOutcome::MediationAgreement)),
            disputes_granted: t.get(Counter::Dispute(DisputeOutcome::AdjudicationGranted)),
            disputes_partly_granted: t
                .get(Counter::Dispute(DisputeOutcome::AdjudicationPartlyGranted)),
            disputes_refused: t.get(Counter::Dispute(DisputeOutcome::AdjudicationRefused)),
            source: figs.source.into(),
        }))
    }

    async fn set_scoring_policy(
        &self,
        req: Request<pb::SetScoringPolicyRequest>,
    ) -> Result<Response<pb::ScoringPolicy>, Status> {
        Caller::of(&req).require_operator("setting a scoring policy")?;
        let r = req.into_inner();
        let mut c = Check::new();
        let Some(p) = r.policy else {
            c.add("policy", "is required");
            return Err(c.into_error().into());
        };
        if !(2000..2200).contains(&p.year) {
            c.add("policy.year", "must be between 2000 and 2199");
        }
        let mut components = Vec::new();
        for (i, cw) in p.components.iter().enumerate() {
            match Component::parse(&cw.component) {
                Some(comp) => components.push((comp, cw.weight)),
                None => c.add(
                    format!("policy.components[{i}].component"),
                    "must be one of timeliness, speed, fulfilment, exemption_discipline, objection_outcomes, backlog",
                ),
            }
        }
        let thresholds: Option<[f64; 4]> = p.band_thresholds.clone().try_into().ok();
        if thresholds.is_none() {
            c.add(
                "policy.band_thresholds",
                "give four values: Informatif, Menuju, Cukup, Kurang lower bounds",
            );
        }
        let rule = match p.pemda_assessment_rule.as_str() {
            "" | "own" => PemdaAssessmentRule::Own,
            "mean_of_opds" => PemdaAssessmentRule::MeanOfOpds,
            _ => {
                c.add(
                    "policy.pemda_assessment_rule",
                    "must be own or mean_of_opds",
                );
                PemdaAssessmentRule::Own
            }
        };
        let policy = ScoringPolicy {
            year: p.year.clamp(2000, 2199) as i16,
            version: 0,
            components,
            min_sample: p.min_sample,
            speed_zero_days: p.speed_zero_days,
            band_thresholds: thresholds.unwrap_or([90.0, 80.0, 60.0, 40.0]),
            assessment_items: p
                .assessment_items
                .iter()
                .map(|i| (i.item.clone(), i.weight))
                .collect(),
            service_item: if p.service_item.is_empty() {
                "pelayanan_informasi".into()
            } else {
                p.service_item.clone()
            },
            pemda_assessment_rule: rule,
        };
        if c.ok() {
            for (field, why) in policy.problems() {
                c.add(field, why);
            }
        }
        c.finish()?;
        let now = self.0.clock.now();
        let stored = self.0.store.set_policy(policy, now).await?;
        tracing::info!(
            year = stored.year,
            version = stored.version,
            "scoring policy set"
        );
        Ok(Response::new(policy_to_pb(&stored, Some(now))))
    }

    async fn get_scoring_policy(
        &self,
        req: Request<pb::GetScoringPolicyRequest>,
    ) -> Result<Response<pb::ScoringPolicy>, Status> {
        let year = req.get_ref().year;
        if !(2000..2200).contains(&year) {
            return Err(Error::invalid("year", "must be between 2000 and 2199").into());
        }
        let out = match self.0.store.get_policy(year as i16).await? {
            Some((p, t)) => policy_to_pb(&p, Some(t)),
            None => policy_to_pb(&ScoringPolicy::default_for(year as i16), None),
        };
        Ok(Response::new(out))
    }

    async fn record_assessment(
        &self,
        req: Request<pb::RecordAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        Caller::of(&req).require_operator("recording the Komisi Informasi's assessment")?;
        let r = req.into_inner();
        let mut c = Check::new();
        let id = convert::agency_id(&mut c, "agency", &r.agency);
        if !(2000..2200).contains(&r.year) {
            c.add("year", "must be between 2000 and 2199");
            return Err(c.into_error().into());
        }
        let policy = self.policy(r.year as i16).await?;
        if r.items.is_empty() {
            c.add("items", "give at least one item score");
        }
        let mut items = BTreeMap::new();
        for (name, v) in &r.items {
            let field = format!("items[{name}]");
            if name == &policy.service_item {
                c.add(
                    field,
                    "this item is fed by the request figures, not assessed",
                );
            } else if !policy.assessment_items.iter().any(|(i, _)| i == name) {
                let known: Vec<&str> = policy
                    .assessment_items
                    .iter()
                    .map(|(i, _)| i.as_str())
                    .collect();
                c.add(
                    field,
                    format!(
                        "is not an item of the {} policy ({})",
                        r.year,
                        known.join(", ")
                    ),
                );
            } else if !(v.is_finite() && (0.0..=100.0).contains(v)) {
                c.add(field, "must be between 0 and 100");
            } else {
                items.insert(name.clone(), *v);
            }
        }
        c.finish()?;
        let id = id.ok_or_else(convert::missing)?;
        let now = self.0.clock.now();
        self.0
            .store
            .record_assessment(&id, r.year as i16, &items, now)
            .await?;
        Ok(Response::new(pb::Assessment {
            agency: format!("agencies/{id}"),
            year: r.year,
            items: items.into_iter().collect(),
            update_time: Some(convert::timestamp(now)),
        }))
    }

    async fn get_ranking(
        &self,
        req: Request<pb::GetRankingRequest>,
    ) -> Result<Response<pb::Ranking>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let period = PeriodSpec::parse(&mut c, "period", r.period.as_ref());
        let group = self.group(&mut c, &r.comparison_group, &r.parent).await?;
        c.finish()?;
        let (Some(period), Some((key, label, members))) = (period, group) else {
            return Err(convert::missing());
        };
        // Without a figures role, only what has been published.
        if !caller.sees_figures() && self.0.store.snapshot(&key, &period.key).await?.is_none() {
            return Err(if matches!(caller, Caller::Public) {
                Status::unauthenticated(
                    "no ranking of that group and period is published; live rankings need an API key",
                )
            } else {
                denied(
                    "no ranking of that group and period is published; live rankings need an \
                     admin, officer or reader key",
                )
            });
        }
        Ok(Response::new(
            self.ranking(&key, &label, members, &period).await?,
        ))
    }

    async fn explain_score(
        &self,
        req: Request<pb::ExplainScoreRequest>,
    ) -> Result<Response<pb::ScoreExplanation>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let id = convert::agency_id(&mut c, "agency", &r.agency);
        let period = PeriodSpec::parse(&mut c, "period", r.period.as_ref());
        c.finish()?;
        let (Some(id), Some(period)) = (id, period) else {
            return Err(convert::missing());
        };
        let agency = self.0.store.get_agency(&id).await?;
        caller.require_reach(&agency)?;
        let policy = self.policy(period.year()).await?;
        let mut scores = self.score_members(vec![agency], &period, &policy).await?;
        let s = scores.pop().ok_or_else(convert::missing)?;
        let mut parts = s.parts.clone();
        // Weakest first; insufficient data last.
        parts.sort_by(|a, b| match (a.score, b.score) {
            (Some(x), Some(y)) => x.total_cmp(&y).then(a.component.cmp(&b.component)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.component.cmp(&b.component),
        });
        let summary = match parts.iter().find(|p| p.score.is_some()) {
            Some(w) => format!(
                "fix first: {} ({:.1}/100): {}",
                w.component.as_str(),
                w.score.unwrap_or(0.0),
                w.explanation
            ),
            None => format!(
                "insufficient data: fewer than {} written notices in the period",
                policy.min_sample
            ),
        };
        let items = match (&s.items, s.final_score) {
            (Some(items), Some((_, _, true))) => policy
                .assessment_items
                .iter()
                .map(|(name, w)| {
                    let from_requests = name == &policy.service_item;
                    pb::ItemResult {
                        item: name.clone(),
                        weight: *w,
                        score: if from_requests {
                            s.service.map(|x| x.0).unwrap_or(0.0)
                        } else {
                            items.get(name).copied().unwrap_or(0.0)
                        },
                        source: if from_requests {
                            "requests"
                        } else {
                            "assessment"
                        }
                        .into(),
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(Response::new(pb::ScoreExplanation {
            agency: format!("agencies/{id}"),
            period: Some(period.proto),
            score: s.final_score.map(|f| f.0),
            band: band_label(&policy, s.final_score.map(|f| f.0)),
            service_score: s.service.map(|x| x.0),
            components: parts
                .iter()
                .map(|p| pb::ComponentResult {
                    component: p.component.as_str().into(),
                    weight: p.weight,
                    score: p.score,
                    conservative_score: p.conservative,
                    sample: p.sample,
                    inputs: p.inputs.iter().cloned().collect(),
                    lower: p.interval.map(|i| i.0),
                    upper: p.interval.map(|i| i.1),
                    explanation: p.explanation.clone(),
                    insufficient_data: p.score.is_none(),
                })
                .collect(),
            items,
            policy_version: policy.version,
            pooled_agencies: s.pooled.len() as i32,
            summary,
        }))
    }

    async fn publish_ranking(
        &self,
        req: Request<pb::PublishRankingRequest>,
    ) -> Result<Response<pb::Ranking>, Status> {
        Caller::of(&req).require_operator("publishing a ranking")?;
        let r = req.into_inner();
        let mut c = Check::new();
        let period = PeriodSpec::parse(&mut c, "period", r.period.as_ref());
        let group = self.group(&mut c, &r.comparison_group, &r.parent).await?;
        c.finish()?;
        let (Some(period), Some((key, label, members))) = (period, group) else {
            return Err(convert::missing());
        };
        if self.0.store.snapshot(&key, &period.key).await?.is_some() {
            return Err(Error::AlreadyExists {
                reason: "RANKING_PUBLISHED",
                message: format!(
                    "the ranking of {label} for {} is already published",
                    period.key
                ),
            }
            .into());
        }
        let now = self.0.clock.now();
        let mut ranking = self.ranking(&key, &label, members, &period).await?;
        ranking.published = true;
        ranking.publish_time = Some(convert::timestamp(now));
        let snap = STANDARD.encode(ranking.encode_to_vec());
        self.0
            .store
            .save_snapshot(&key, &period.key, ranking.policy_version, &snap, now)
            .await?;
        tracing::info!(group = %label, period = %period.key, "ranking published");
        Ok(Response::new(ranking))
    }
}
