//! `ppid.v1.IndicatorService`: statistics, scores, rankings.
use std::collections::BTreeMap;

use tonic::{Request, Response, Status};

use super::{
    AppState,
    auth::{Caller, denied},
    convert::{self, Check, Nested},
};
use crate::{
    app::figures::{AgencyStatistics, RankingGroup},
    domain::{
        DisputeOutcome,
        figures::{
            self, Component, PemdaAssessmentRule, Period, PeriodKind, Ranking, ScoringPolicy,
        },
    },
    error::Error,
    pb::ppid::v1::{self as pb, indicator_service_server::IndicatorService},
};

/// The indicator service.
pub struct IndicatorApi(pub AppState);

/// A checked period on the wire.
pub(crate) fn parse_period(c: &mut Check, field: &str, p: Option<&pb::Period>) -> Option<Period> {
    let Some(p) = p else {
        c.add(field, "is required");
        return None;
    };
    let year_ok = |y: i32| (2000..2200).contains(&y);
    match &p.kind {
        Some(pb::period::Kind::Year(y)) if year_ok(*y) => Period::year(*y as i16),
        Some(pb::period::Kind::Quarter(q)) if year_ok(q.year) && (1..=4).contains(&q.quarter) => {
            Period::quarter(q.year as i16, q.quarter as i8)
        }
        Some(pb::period::Kind::Range(r)) => {
            let start = c.date(Nested(field, "range.start_date"), r.start_date.as_ref());
            let end = c.date(Nested(field, "range.end_date"), r.end_date.as_ref());
            let (start, end) = (start?, end?);
            if end < start {
                c.add(Nested(field, "range.end_date"), "is before the start date");
                return None;
            }
            if let Some(why) = Period::range_limit(start, end) {
                c.add(Nested(field, "range"), why);
                return None;
            }
            Some(Period::range(start, end))
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

/// A period on the wire.
pub(crate) fn period_to_pb(p: &Period) -> pb::Period {
    pb::Period {
        kind: Some(match p.kind {
            PeriodKind::Year(y) => pb::period::Kind::Year(i32::from(y)),
            PeriodKind::Quarter(y, q) => pb::period::Kind::Quarter(pb::period::Quarter {
                year: i32::from(y),
                quarter: i32::from(q),
            }),
            PeriodKind::Range => pb::period::Kind::Range(pb::period::DateRange {
                start_date: Some(convert::date(p.start)),
                end_date: Some(convert::date(p.end)),
            }),
        }),
    }
}

/// The group of a ranking call: exactly one of comparison_group and parent.
fn parse_group(c: &mut Check, comparison_group: &str, parent: &str) -> Option<RankingGroup> {
    match (comparison_group.is_empty(), parent.is_empty()) {
        (false, true) => {
            if comparison_group.len() > 100 || comparison_group.chars().any(char::is_control) {
                c.add("comparison_group", "is not a comparison group");
                return None;
            }
            Some(RankingGroup::Comparison(comparison_group.to_string()))
        }
        (true, false) => convert::agency_id(c, "parent", parent).map(RankingGroup::Children),
        _ => {
            c.add(
                "comparison_group",
                "set exactly one of comparison_group and parent",
            );
            None
        }
    }
}

/// A ranking on the wire.
pub(crate) fn ranking_to_pb(r: &Ranking) -> pb::Ranking {
    pb::Ranking {
        group: r.group.clone(),
        period: Some(period_to_pb(&r.period)),
        policy_version: r.policy_version,
        entries: r
            .entries
            .iter()
            .map(|e| pb::RankingEntry {
                agency: format!("agencies/{}", e.agency_id),
                display_name: e.display_name.clone(),
                score: e.score,
                conservative_score: e.conservative_score,
                band: e.band.clone(),
                rank: e.rank,
                previous_rank: e.previous_rank,
                movement: e.movement,
                movement_label: e.movement_label.clone(),
                pooled_agencies: e.pooled_agency_ids.len() as i32,
                decided: e.decided,
                assessment_used: e.assessment_used,
                insufficient_data: e.score.is_none(),
                band_indicative: e.score.is_some() && !e.assessment_used,
                // Not format!: a national ranking names 17,000 agencies.
                pooled_agency_names: e
                    .pooled_agency_ids
                    .iter()
                    .map(|id| ["agencies/", id].concat())
                    .collect(),
            })
            .collect(),
        published: r.publish_time.is_some(),
        publish_time: r.publish_time.map(convert::timestamp),
        input_received: r.input_received,
        input_decided: r.input_decided,
        tie_rule: r.tie_rule.clone(),
    }
}

/// Statistics on the wire.
fn statistics_to_pb(
    s: &AgencyStatistics,
    period: &Period,
    include_sub_agencies: bool,
) -> pb::AgencyStatistics {
    let f = &s.figures;
    let count = |outcome| {
        f.disputes
            .iter()
            .find(|(o, _)| *o == outcome)
            .map_or(0, |(_, n)| *n)
    };
    pb::AgencyStatistics {
        agency: format!("agencies/{}", s.agency.id),
        period: Some(period_to_pb(period)),
        include_sub_agencies,
        agency_count: s.agency_count as i32,
        received: f.received,
        pending_at_start: f.pending_at_start,
        pending_at_end: f.pending_at_end,
        decided: f.decided,
        withdrawn: f.withdrawn,
        outcomes: f
            .outcomes
            .iter()
            .map(|(o, count)| pb::OutcomeCount {
                outcome: convert::ProtoEnum::to_proto(*o),
                count: *count,
            })
            .collect(),
        time_to_notice: f.time_to_notice.clone().map(distribution_pb),
        time_to_delivery: f.time_to_delivery.clone().map(distribution_pb),
        on_time: Some(rate(f.on_time)),
        on_time_original: Some(rate(f.on_time_original)),
        extension_rate: Some(rate(f.extension_rate)),
        open_past_due_now: s.open_past_due_now,
        overdue_for_delivery_now: s.overdue_for_delivery_now,
        oldest_pending: s
            .oldest_pending
            .iter()
            .map(|q| pb::PendingRequest {
                name: format!("requests/{}", q.id),
                registration_number: q.registration_number.clone(),
                agency: format!("agencies/{}", q.agency_id),
                receive_time: Some(convert::timestamp(q.receive_time)),
                due_date: q.due_date.map(convert::date),
            })
            .collect(),
        exemptions_by_letter: f
            .exemptions_by_letter
            .iter()
            .map(|(l, count)| pb::LetterCount {
                letter: convert::ProtoEnum::to_proto(*l),
                count: *count,
            })
            .collect(),
        withholding_with_dik: f.withholding_with_dik,
        withholding_unregistered: f.withholding_unregistered,
        objections_filed: f.objections_filed,
        objections_answered: f.objections_answered,
        objections_answered_on_time: f.objections_answered_on_time,
        objections_overturned: f.objections_overturned,
        answers_after_overturn: f.answers_after_overturn,
        answers_after_overturn_on_time: f.answers_after_overturn_on_time,
        due_in_period: f.due_in_period,
        overdue_unanswered: f.overdue_unanswered,
        delivered_late: f.delivered_late,
        disputes_filed: f.disputes_filed,
        disputes_mediated: count(DisputeOutcome::MediationAgreement),
        disputes_granted: count(DisputeOutcome::AdjudicationGranted),
        disputes_partly_granted: count(DisputeOutcome::AdjudicationPartlyGranted),
        disputes_refused: count(DisputeOutcome::AdjudicationRefused),
        source: s.source.into(),
        dip: s.dip.as_ref().map(|c| pb::DipFigures {
            date: Some(convert::date(c.as_of)),
            published_entries: c.published,
            overdue_entries: c.stale.len() as i64,
            missing_items: c.in_state(crate::domain::dip::ItemState::Missing).count() as i64,
            obligatory_items: c.items.len() as i64,
            jenis_informasi: c.jenis_informasi(),
            digitalisasi: c.digitalisasi(),
        }),
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
        let period = parse_period(&mut c, "period", r.period.as_ref());
        c.finish()?;
        let (Some(id), Some(period)) = (id, period) else {
            return Err(convert::missing());
        };
        let agency = self.0.app.get_agency(&id).await?;
        caller.require_reach(&agency)?;
        let s = self
            .0
            .app
            .statistics(&agency, r.include_sub_agencies, &period)
            .await?;
        Ok(Response::new(statistics_to_pb(
            &s,
            &period,
            r.include_sub_agencies,
        )))
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
        let (stored, at) = self.0.app.set_policy(policy).await?;
        Ok(Response::new(policy_to_pb(&stored, Some(at))))
    }

    async fn get_scoring_policy(
        &self,
        req: Request<pb::GetScoringPolicyRequest>,
    ) -> Result<Response<pb::ScoringPolicy>, Status> {
        let year = req.get_ref().year;
        if !(2000..2200).contains(&year) {
            return Err(Error::invalid("year", "must be between 2000 and 2199").into());
        }
        let (p, at) = self.0.app.policy(year as i16).await?;
        Ok(Response::new(policy_to_pb(&p, at)))
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
        let (policy, _) = self.0.app.policy(r.year as i16).await?;
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
        let at = self
            .0
            .app
            .record_assessment(&id, r.year as i16, items.clone())
            .await?;
        Ok(Response::new(pb::Assessment {
            agency: format!("agencies/{id}"),
            year: r.year,
            items: items.into_iter().collect(),
            update_time: Some(convert::timestamp(at)),
        }))
    }

    async fn get_ranking(
        &self,
        req: Request<pb::GetRankingRequest>,
    ) -> Result<Response<pb::Ranking>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let period = parse_period(&mut c, "period", r.period.as_ref());
        let group = parse_group(&mut c, &r.comparison_group, &r.parent);
        c.finish()?;
        let (Some(period), Some(group)) = (period, group) else {
            return Err(convert::missing());
        };
        // Live figures need a figures role and every member within the
        // key's reach (the reach rules of GetAgencyStatistics and
        // ExplainScore); otherwise only what has been published.
        let (key, label, members) = self.0.app.ranking_group(&group).await?;
        let live = caller.sees_figures() && members.iter().all(|m| caller.reaches(&m.path));
        if !live {
            let Some(published) = self.0.app.published_ranking(&key, &period).await? else {
                return Err(if matches!(caller, Caller::Public) {
                    Status::unauthenticated(
                        "no ranking of that group and period is published; live rankings need an API key",
                    )
                } else if caller.sees_figures() {
                    denied(
                        "no ranking of that group and period is published, and its live ranking \
                         includes agencies outside this key's reach",
                    )
                } else {
                    denied(
                        "no ranking of that group and period is published; live rankings need an \
                         admin, officer or reader key",
                    )
                });
            };
            return Ok(Response::new(ranking_to_pb(&published)));
        }
        // The group is resolved once, above.
        Ok(Response::new(ranking_to_pb(
            &self
                .0
                .app
                .ranking_of(&key, &label, members, &period)
                .await?,
        )))
    }

    async fn explain_score(
        &self,
        req: Request<pb::ExplainScoreRequest>,
    ) -> Result<Response<pb::ScoreExplanation>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let id = convert::agency_id(&mut c, "agency", &r.agency);
        let period = parse_period(&mut c, "period", r.period.as_ref());
        c.finish()?;
        let (Some(id), Some(period)) = (id, period) else {
            return Err(convert::missing());
        };
        let agency = self.0.app.get_agency(&id).await?;
        caller.require_reach(&agency)?;
        let e = self.0.app.explain_score(&agency, &period).await?;
        Ok(Response::new(pb::ScoreExplanation {
            agency: format!("agencies/{id}"),
            period: Some(period_to_pb(&period)),
            score: e.score,
            insufficient_data: e.score.is_none(),
            band_indicative: e.score.is_some() && !e.assessment_used,
            band: e.band,
            service_score: e.service_score,
            components: e
                .components
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
            items: e
                .items
                .into_iter()
                .map(|i| pb::ItemResult {
                    item: i.item,
                    weight: i.weight,
                    score: i.score,
                    source: i.source.into(),
                    explanation: i.explanation,
                })
                .collect(),
            policy_version: e.policy_version,
            pooled_agencies: e.pooled_agencies as i32,
            summary: e.summary,
        }))
    }

    async fn publish_ranking(
        &self,
        req: Request<pb::PublishRankingRequest>,
    ) -> Result<Response<pb::Ranking>, Status> {
        Caller::of(&req).require_operator("publishing a ranking")?;
        let r = req.into_inner();
        let mut c = Check::new();
        let period = parse_period(&mut c, "period", r.period.as_ref());
        let group = parse_group(&mut c, &r.comparison_group, &r.parent);
        c.finish()?;
        let (Some(period), Some(group)) = (period, group) else {
            return Err(convert::missing());
        };
        let ranking = self.0.app.publish_ranking(&group, &period).await?;
        Ok(Response::new(ranking_to_pb(&ranking)))
    }
}
