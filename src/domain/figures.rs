//! Statistics, openness scores, bands and ranks from summed cells
//! (see `stats`). Pure arithmetic, exhaustively tested.
use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{
    DisputeOutcome, ExemptionLetter, Outcome,
    stats::{Counter, HIST_CAP, Key, Span},
};

/// Summed counters and distributions of a set of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    counters: BTreeMap<Counter, i64>,
    hist: BTreeMap<(Span, i32), i64>,
}

impl Totals {
    /// Adds `amount` to `key`. Zero totals are not kept, so two sets with the
    /// same figures compare equal however they were summed.
    pub fn add(&mut self, key: Key, amount: i64) {
        fn bump<K: Ord>(m: &mut BTreeMap<K, i64>, k: K, amount: i64) {
            use std::collections::btree_map::Entry;
            match m.entry(k) {
                Entry::Occupied(mut e) => {
                    *e.get_mut() += amount;
                    if *e.get() == 0 {
                        e.remove();
                    }
                }
                Entry::Vacant(e) if amount != 0 => {
                    e.insert(amount);
                }
                Entry::Vacant(_) => {}
            }
        }
        match key {
            Key::Count(c) => bump(&mut self.counters, c, amount),
            Key::Hist(s, d) => bump(&mut self.hist, (s, d), amount),
        }
    }

    /// Adds another set.
    pub fn merge(&mut self, other: &Totals) {
        for (c, v) in &other.counters {
            self.add(Key::Count(*c), *v);
        }
        for ((s, d), v) in &other.hist {
            self.add(Key::Hist(*s, *d), *v);
        }
    }

    /// A counter's total.
    pub fn get(&self, c: Counter) -> i64 {
        self.counters.get(&c).copied().unwrap_or(0)
    }

    /// The distribution of a span: days -> count.
    pub fn histogram(&self, s: Span) -> BTreeMap<i32, i64> {
        self.hist
            .iter()
            .filter(|((span, _), n)| *span == s && **n > 0)
            .map(|((_, d), n)| (*d, *n))
            .collect()
    }
}

/// A time in working days as people read it: a same-day answer is "<1".
pub fn display_days(v: f64) -> String {
    if v < 1.0 {
        "<1".to_string()
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Summary of a distribution of working days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// Observations.
    pub count: i64,
    /// Median (the mean of the two middle values for an even count).
    pub median: f64,
    /// Mean.
    pub mean: f64,
    /// Smallest.
    pub min: i32,
    /// Largest (capped at [`HIST_CAP`] = "401+").
    pub max: i32,
    /// Counts in 0–5, 6–10, 11–17, 18–30, 31+ working days.
    pub kip_buckets: Vec<(String, i64)>,
    /// Counts in the US DOJ annual-report buckets: 1–20 (same-day answers
    /// included), 21–40, ..., 181–200, 201–300, 301–400, 401+.
    pub doj_buckets: Vec<(String, i64)>,
}

/// The KIP bucket labels and their upper bounds.
const KIP: [(&str, i32); 5] = [
    ("0-5", 5),
    ("6-10", 10),
    ("11-17", 17),
    ("18-30", 30),
    ("31+", i32::MAX),
];

fn doj_bounds() -> Vec<(String, i32)> {
    let mut v: Vec<(String, i32)> = (1..=10)
        .map(|i| (format!("{}-{}", (i - 1) * 20 + 1, i * 20), i * 20))
        .collect();
    v.push(("201-300".into(), 300));
    v.push(("301-400".into(), 400));
    v.push(("401+".into(), i32::MAX));
    v
}

/// Summarises a histogram; `sum` is the exact sum of days (the histogram caps
/// long times). `None` without observations.
pub fn distribution(hist: &BTreeMap<i32, i64>, sum: i64) -> Option<Distribution> {
    let count: i64 = hist.values().sum();
    if count == 0 {
        return None;
    }
    let nth = |k: i64| -> i32 {
        let mut seen = 0;
        for (d, n) in hist {
            seen += n;
            if seen >= k {
                return *d;
            }
        }
        *hist.keys().last().expect("non-empty")
    };
    let median = if count % 2 == 1 {
        f64::from(nth(count / 2 + 1))
    } else {
        (f64::from(nth(count / 2)) + f64::from(nth(count / 2 + 1))) / 2.0
    };
    let bucket = |bounds: &[(String, i32)]| -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = bounds.iter().map(|(l, _)| (l.clone(), 0)).collect();
        for (d, n) in hist {
            let i = bounds
                .iter()
                .position(|(_, hi)| d <= hi)
                .unwrap_or(bounds.len() - 1);
            out[i].1 += n;
        }
        out
    };
    let kip: Vec<(String, i32)> = KIP.iter().map(|(l, h)| (l.to_string(), *h)).collect();
    Some(Distribution {
        count,
        median,
        mean: sum as f64 / count as f64,
        min: *hist.keys().next().expect("non-empty"),
        max: (*hist.keys().last().expect("non-empty")).min(HIST_CAP),
        kip_buckets: bucket(&kip),
        doj_buckets: bucket(&doj_bounds()),
    })
}

/// A proportion with its 95% Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Successes.
    pub successes: i64,
    /// Trials.
    pub trials: i64,
    /// successes / trials.
    pub value: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// The Wilson score interval (z = 1.96): honest for small samples and rates
/// near 0 or 1, unlike the normal approximation. `None` without trials.
pub fn wilson(successes: i64, trials: i64) -> Option<Rate> {
    if trials <= 0 {
        return None;
    }
    let z = 1.959_963_984_540_054_f64;
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Some(Rate {
        successes,
        trials,
        value: p,
        lower: (centre - half).max(0.0),
        upper: (centre + half).min(1.0),
    })
}

/// The request-based components of the openness score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Notices by the lawful due date, among notices.
    Timeliness,
    /// Mean working days to the notice against the policy's zero point.
    Speed,
    /// Granted in whole or part, among notices on information the agency holds.
    Fulfilment,
    /// Withholding notices resting on DIK entries in force.
    ExemptionDiscipline,
    /// Objections where the atasan upheld the PPID, among objections answered.
    ObjectionOutcomes,
    /// Work cleared: notices among notices plus requests still open at the period's end.
    Backlog,
}

impl Component {
    /// Every component.
    pub const ALL: [Component; 6] = [
        Component::Timeliness,
        Component::Speed,
        Component::Fulfilment,
        Component::ExemptionDiscipline,
        Component::ObjectionOutcomes,
        Component::Backlog,
    ];

    /// Storage and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Timeliness => "timeliness",
            Component::Speed => "speed",
            Component::Fulfilment => "fulfilment",
            Component::ExemptionDiscipline => "exemption_discipline",
            Component::ObjectionOutcomes => "objection_outcomes",
            Component::Backlog => "backlog",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How a Pemda's assessed (self-assessment) items are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PemdaAssessmentRule {
    /// The Pemda's own assessment.
    Own,
    /// The mean of its OPDs' assessments.
    MeanOfOpds,
}

/// One year's scoring policy, versioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringPolicy {
    /// The year it applies to.
    pub year: i16,
    /// Version, 1, 2, ... (set by the store).
    pub version: i64,
    /// Request-based components and their weights.
    pub components: Vec<(Component, f64)>,
    /// Below this many observations a component reports insufficient data.
    pub min_sample: i64,
    /// Mean working days to the notice at which speed scores 0 (0 days scores 100).
    pub speed_zero_days: f64,
    /// Lower bounds of Informatif, Menuju Informatif, Cukup Informatif,
    /// Kurang Informatif (descending); below the last: Tidak Informatif.
    pub band_thresholds: [f64; 4],
    /// The KI's assessment items and their weights; empty: the final score
    /// is the request-based service score.
    pub assessment_items: Vec<(String, f64)>,
    /// The item the request-based service score feeds.
    pub service_item: String,
    /// How a Pemda's assessed items are set.
    pub pemda_assessment_rule: PemdaAssessmentRule,
}

impl ScoringPolicy {
    /// The documented default: request components weighted timeliness 30,
    /// fulfilment 20, speed 15, exemption discipline 15, objection outcomes
    /// 10, backlog 10; minimum sample 10; speed zero at 20 working days; the
    /// KI's bands 90/80/60/40; the KI's 2025 indicator weights (jenis
    /// informasi 40, digitalisasi 20, kualitas informasi 10, pelayanan
    /// informasi 10, komitmen organisasi 10, sarana prasarana 10), the
    /// service score feeding "pelayanan_informasi"; a Pemda's assessed items
    /// are its own.
    pub fn default_for(year: i16) -> Self {
        Self {
            year,
            version: 0,
            components: vec![
                (Component::Timeliness, 30.0),
                (Component::Fulfilment, 20.0),
                (Component::Speed, 15.0),
                (Component::ExemptionDiscipline, 15.0),
                (Component::ObjectionOutcomes, 10.0),
                (Component::Backlog, 10.0),
            ],
            min_sample: 10,
            speed_zero_days: 20.0,
            band_thresholds: [90.0, 80.0, 60.0, 40.0],
            assessment_items: vec![
                ("jenis_informasi".into(), 40.0),
                ("digitalisasi".into(), 20.0),
                ("kualitas_informasi".into(), 10.0),
                ("pelayanan_informasi".into(), 10.0),
                ("komitmen_organisasi".into(), 10.0),
                ("sarana_prasarana".into(), 10.0),
            ],
            service_item: "pelayanan_informasi".into(),
            pemda_assessment_rule: PemdaAssessmentRule::Own,
        }
    }

    /// Problems with the policy, as (field, description).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        if self.components.is_empty() {
            v.push((
                "policy.components".into(),
                "needs at least one component".into(),
            ));
        }
        for (i, (c, w)) in self.components.iter().enumerate() {
            if !(w.is_finite() && *w > 0.0 && *w <= 1000.0) {
                v.push((
                    format!("policy.components[{i}].weight"),
                    "must be above 0 and at most 1000".into(),
                ));
            }
            if self.components[..i].iter().any(|(o, _)| o == c) {
                v.push((
                    format!("policy.components[{i}].component"),
                    "is listed twice".into(),
                ));
            }
        }
        if !(1..=100_000).contains(&self.min_sample) {
            v.push((
                "policy.min_sample".into(),
                "must be between 1 and 100000".into(),
            ));
        }
        if !(self.speed_zero_days.is_finite()
            && self.speed_zero_days > 0.0
            && self.speed_zero_days <= 400.0)
        {
            v.push((
                "policy.speed_zero_days".into(),
                "must be above 0 and at most 400".into(),
            ));
        }
        let t = self.band_thresholds;
        if !(t.iter().all(|x| x.is_finite() && (0.0..=100.0).contains(x))
            && t[0] > t[1]
            && t[1] > t[2]
            && t[2] > t[3])
        {
            v.push((
                "policy.band_thresholds".into(),
                "must be four descending values between 0 and 100".into(),
            ));
        }
        for (i, (name, w)) in self.assessment_items.iter().enumerate() {
            if name.is_empty()
                || name.len() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                v.push((
                    format!("policy.assessment_items[{i}].item"),
                    "must be 1-64 characters of a-z, 0-9 and _".into(),
                ));
            }
            if !(w.is_finite() && *w > 0.0 && *w <= 1000.0) {
                v.push((
                    format!("policy.assessment_items[{i}].weight"),
                    "must be above 0 and at most 1000".into(),
                ));
            }
            if self.assessment_items[..i].iter().any(|(o, _)| o == name) {
                v.push((
                    format!("policy.assessment_items[{i}].item"),
                    "is listed twice".into(),
                ));
            }
        }
        if !self.assessment_items.is_empty()
            && !self
                .assessment_items
                .iter()
                .any(|(n, _)| n == &self.service_item)
        {
            v.push((
                "policy.service_item".into(),
                "must be one of the assessment items".into(),
            ));
        }
        v
    }

    /// The band of a score.
    pub fn band(&self, score: f64) -> Band {
        let t = self.band_thresholds;
        if score >= t[0] {
            Band::Informatif
        } else if score >= t[1] {
            Band::MenujuInformatif
        } else if score >= t[2] {
            Band::CukupInformatif
        } else if score >= t[3] {
            Band::KurangInformatif
        } else {
            Band::TidakInformatif
        }
    }
}

/// The KI's qualification bands (Perki 1/2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// 90–100.
    Informatif,
    /// 80–89.99.
    MenujuInformatif,
    /// 60–79.99.
    CukupInformatif,
    /// 40–59.99.
    KurangInformatif,
    /// Below 40.
    TidakInformatif,
}

impl Band {
    /// The KI's name.
    pub fn label(self) -> &'static str {
        match self {
            Band::Informatif => "Informatif",
            Band::MenujuInformatif => "Menuju Informatif",
            Band::CukupInformatif => "Cukup Informatif",
            Band::KurangInformatif => "Kurang Informatif",
            Band::TidakInformatif => "Tidak Informatif",
        }
    }
}

/// The inputs of a score beyond the summed cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Workload {
    /// Requests open at the period's end.
    pub pending_at_end: i64,
    /// Requests whose due date fell in the period, passed (by the time
    /// of reading) and still without a written notice: late in timeliness.
    pub overdue_unanswered: i64,
}

/// One component's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentScore {
    /// Which.
    pub component: Component,
    /// Its weight in the policy.
    pub weight: f64,
    /// 0–100, `None` for insufficient data.
    pub score: Option<f64>,
    /// 0–100 from the rate's Wilson lower bound (the score itself for speed).
    pub conservative: Option<f64>,
    /// The sample size.
    pub sample: i64,
    /// The raw figures, named.
    pub inputs: Vec<(String, f64)>,
    /// For rates: the 95% interval, 0–1.
    pub interval: Option<(f64, f64)>,
    /// The concrete cause, for people.
    pub explanation: String,
}

fn rate_component(
    component: Component,
    weight: f64,
    policy: &ScoringPolicy,
    good: i64,
    n: i64,
    inputs: Vec<(String, f64)>,
    explain: impl Fn(i64, i64) -> String,
) -> ComponentScore {
    let enough = n >= policy.min_sample;
    let rate = wilson(good, n);
    ComponentScore {
        component,
        weight,
        score: rate.filter(|_| enough).map(|r| r.value * 100.0),
        conservative: rate.filter(|_| enough).map(|r| r.lower * 100.0),
        sample: n,
        inputs,
        interval: rate.map(|r| (r.lower, r.upper)),
        explanation: if enough {
            explain(good, n)
        } else {
            format!("insufficient data: {n} of the {} needed", policy.min_sample)
        },
    }
}

/// The counters a score reads: [`components`], [`open_flow`] and the
/// sample sizes. A ranking sums only these (a national ranking sums every
/// Pemda's cells; the other counters would cost four times as much).
pub const SCORED: [Counter; 14] = [
    Counter::Received,
    Counter::Withdrawn,
    Counter::Decided,
    Counter::Outcome(Outcome::Granted),
    Counter::Outcome(Outcome::PartiallyGranted),
    Counter::Outcome(Outcome::NotHeld),
    Counter::DueAnswered,
    Counter::DueOnTime,
    Counter::RejectedRegistered,
    Counter::NoticeDaysSum,
    Counter::WithholdingRegistered,
    Counter::WithholdingUnregistered,
    Counter::ObjectionsDecided,
    Counter::ObjectionsOverturned,
];

/// The request-based components for summed cells.
pub fn components(t: &Totals, w: Workload, policy: &ScoringPolicy) -> Vec<ComponentScore> {
    let decided = t.get(Counter::Decided);
    // Timeliness judges every request whose due date fell in the period:
    // answered ones by their notice, unanswered ones past due as late
    // (never answering must not score better than answering late).
    let due_answered = t.get(Counter::DueAnswered);
    let due_on_time = t.get(Counter::DueOnTime);
    let due = due_answered + w.overdue_unanswered;
    let not_held = t.get(Counter::Outcome(Outcome::NotHeld));
    // A rejection resting on DIK entries in force is lawful (Pasal 17):
    // it does not count against fulfilment.
    let lawful_rejections = t.get(Counter::RejectedRegistered);
    let judged = decided - not_held - lawful_rejections;
    let given = t.get(Counter::Outcome(Outcome::Granted))
        + t.get(Counter::Outcome(Outcome::PartiallyGranted));
    let registered = t.get(Counter::WithholdingRegistered);
    let unregistered = t.get(Counter::WithholdingUnregistered);
    let obj_decided = t.get(Counter::ObjectionsDecided);
    let overturned = t.get(Counter::ObjectionsOverturned);
    policy
        .components
        .iter()
        .map(|(c, weight)| {
            let weight = *weight;
            match c {
                Component::Timeliness => rate_component(
                    *c,
                    weight,
                    policy,
                    due_on_time,
                    due,
                    vec![
                        ("on_time".into(), due_on_time as f64),
                        ("due_answered".into(), due_answered as f64),
                        ("overdue_unanswered".into(), w.overdue_unanswered as f64),
                    ],
                    |g, n| {
                        let late = n - g - w.overdue_unanswered;
                        format!(
                            "{} of {n} requests due in the period were not answered by their due date ({late} answered late, {} not answered yet)",
                            n - g,
                            w.overdue_unanswered
                        )
                    },
                ),
                Component::Fulfilment => rate_component(
                    *c,
                    weight,
                    policy,
                    given,
                    judged,
                    vec![
                        ("granted_or_partly".into(), given as f64),
                        ("decided_held".into(), (decided - not_held) as f64),
                        ("lawful_rejections".into(), lawful_rejections as f64),
                    ],
                    |g, n| format!("{} of {n} answered requests for information it holds were refused without a DIK entry or otherwise not granted (rejections resting on DIK entries in force are lawful and not counted)", n - g),
                ),
                Component::ExemptionDiscipline => rate_component(
                    *c,
                    weight,
                    policy,
                    registered,
                    registered + unregistered,
                    vec![("withholding_with_dik".into(), registered as f64), ("withholding_unregistered".into(), unregistered as f64)],
                    |g, n| format!("{} of {n} withholding notices cite no DIK entry", n - g),
                ),
                Component::ObjectionOutcomes => rate_component(
                    *c,
                    weight,
                    policy,
                    obj_decided - overturned,
                    obj_decided,
                    vec![("objections_decided".into(), obj_decided as f64), ("overturned".into(), overturned as f64)],
                    |g, n| format!("{} of {n} objections overturned the PPID's answer", n - g),
                ),
                Component::Backlog => rate_component(
                    *c,
                    weight,
                    policy,
                    decided,
                    decided + w.pending_at_end,
                    vec![("decided".into(), decided as f64), ("pending_at_end".into(), w.pending_at_end as f64)],
                    |_, _| format!("{} requests still open at the end of the period", w.pending_at_end),
                ),
                Component::Speed => {
                    let enough = decided >= policy.min_sample && decided > 0;
                    let mean = if decided > 0 { t.get(Counter::NoticeDaysSum) as f64 / decided as f64 } else { 0.0 };
                    let score = (100.0 * (1.0 - mean / policy.speed_zero_days)).clamp(0.0, 100.0);
                    ComponentScore {
                        component: *c,
                        weight,
                        score: enough.then_some(score),
                        conservative: enough.then_some(score),
                        sample: decided,
                        inputs: vec![("mean_working_days".into(), mean), ("decided".into(), decided as f64)],
                        interval: None,
                        explanation: if enough {
                            format!(
                                "written notices took {} working days on average (0 scores 100, {} scores 0)",
                                display_days(mean),
                                policy.speed_zero_days
                            )
                        } else {
                            format!("insufficient data: {decided} of the {} needed", policy.min_sample)
                        },
                    }
                }
            }
        })
        .collect()
}

/// Weighted mean over the components with data: (score, conservative score).
pub fn service_score(parts: &[ComponentScore]) -> Option<(f64, f64)> {
    let with: Vec<_> = parts.iter().filter(|p| p.score.is_some()).collect();
    let total: f64 = with.iter().map(|p| p.weight).sum();
    if with.is_empty() || total <= 0.0 {
        return None;
    }
    let score = with
        .iter()
        .map(|p| p.weight * p.score.unwrap_or(0.0))
        .sum::<f64>()
        / total;
    let cons = with
        .iter()
        .map(|p| p.weight * p.conservative.unwrap_or(0.0))
        .sum::<f64>()
        / total;
    Some((score, cons))
}

/// Where an item's value in the final score came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSource {
    /// The request-based service score (the policy's service item).
    Requests,
    /// The Komisi Informasi's recorded assessment.
    Assessment,
    /// Computed by the service from its own data (the DIP): indicative.
    Computed,
    /// Neither assessed nor computed: counts 0 when an assessment was
    /// recorded, and is left out of an indicative score.
    Missing,
}

impl ItemSource {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requests => "requests",
            Self::Assessment => "assessment",
            Self::Computed => "computed",
            Self::Missing => "missing",
        }
    }
}

/// One item of the final score: (name, weight, score, conservative, source).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemValue {
    /// The policy's item name.
    pub item: String,
    /// Its weight.
    pub weight: f64,
    /// Its value 0–100.
    pub score: f64,
    /// Its value with rates at their Wilson lower bound.
    pub conservative: f64,
    /// Where the value came from.
    pub source: ItemSource,
}

/// The items of the final score: the service item from the requests; each
/// other item from the assessment when recorded for it, else computed (the
/// DIP's jenis informasi and digitalisation), else missing.
pub fn item_values(
    policy: &ScoringPolicy,
    service: (f64, f64),
    assessment: Option<&BTreeMap<String, f64>>,
    computed: &BTreeMap<String, f64>,
) -> Vec<ItemValue> {
    policy
        .assessment_items
        .iter()
        .map(|(name, w)| {
            let (score, conservative, source) = if name == &policy.service_item {
                (service.0, service.1, ItemSource::Requests)
            } else if let Some(v) = assessment.and_then(|a| a.get(name)) {
                (*v, *v, ItemSource::Assessment)
            } else if let Some(v) = computed.get(name) {
                (*v, *v, ItemSource::Computed)
            } else {
                (0.0, 0.0, ItemSource::Missing)
            };
            ItemValue {
                item: name.clone(),
                weight: *w,
                score,
                conservative,
                source,
            }
        })
        .collect()
}

/// The final score following the KI's method: the assessed items, the items
/// computed from the service's own data where the assessment is silent, and
/// the service item fed by the request-based score, weighted by the policy.
/// With an assessment every item counts (missing ones as 0). Without one,
/// the items the service computed count beside the service item (weights
/// renormalised over them) and the result stays indicative; with neither,
/// the final score is the service score. Returns (score, conservative,
/// used assessment).
pub fn final_score(
    policy: &ScoringPolicy,
    service: Option<(f64, f64)>,
    assessment: Option<&BTreeMap<String, f64>>,
    computed: &BTreeMap<String, f64>,
) -> Option<(f64, f64, bool)> {
    let (s, c) = service?;
    if policy.assessment_items.is_empty() {
        return Some((s, c, false));
    }
    let assessed = assessment.is_some();
    let items: Vec<ItemValue> = item_values(policy, (s, c), assessment, computed)
        .into_iter()
        .filter(|v| assessed || v.source != ItemSource::Missing)
        .collect();
    if !assessed && !items.iter().any(|v| v.source == ItemSource::Computed) {
        return Some((s, c, false));
    }
    let total: f64 = items.iter().map(|v| v.weight).sum();
    if total <= 0.0 {
        return Some((s, c, false));
    }
    let score = items.iter().map(|v| v.weight * v.score).sum::<f64>() / total;
    let cons = items.iter().map(|v| v.weight * v.conservative).sum::<f64>() / total;
    Some((score, cons, assessed))
}

/// An agency's place in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    /// Agency id.
    pub agency_id: String,
    /// Final score.
    pub score: Option<f64>,
    /// Conservative score (rates at their Wilson lower bound): the rank key.
    pub conservative: Option<f64>,
    /// Rank, 1 = best; `None` when unranked (insufficient data).
    pub rank: Option<u32>,
}

/// Ranks by the conservative score (descending), ties broken by the score,
/// then by agency id (ascending); equal keys share a rank (1, 2, 2, 4).
/// Agencies without a score come last, unranked.
pub fn rank(mut entries: Vec<Ranked>) -> Vec<Ranked> {
    entries.sort_by(|a, b| {
        let key = |r: &Ranked| {
            (
                r.conservative.is_none(),
                -(r.conservative.unwrap_or(0.0)),
                -(r.score.unwrap_or(0.0)),
            )
        };
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(ka.2.total_cmp(&kb.2))
            .then(a.agency_id.cmp(&b.agency_id))
    });
    let mut prev: Option<(f64, f64, u32)> = None;
    for (i, e) in entries.iter_mut().enumerate() {
        let Some(c) = e.conservative else {
            e.rank = None;
            continue;
        };
        let s = e.score.unwrap_or(0.0);
        let r = match prev {
            Some((pc, ps, pr)) if (pc - c).abs() < 1e-9 && (ps - s).abs() < 1e-9 => pr,
            _ => i as u32 + 1,
        };
        e.rank = Some(r);
        prev = Some((c, s, r));
    }
    entries
}

/// Requests that came and did not go in a period: received, less decided
/// and withdrawn (open at its end = open at its start + this).
pub fn open_flow(t: &Totals) -> i64 {
    t.get(Counter::Received) - t.get(Counter::Decided) - t.get(Counter::Withdrawn)
}

/// Counts of the figures in a period, for reports.
pub fn letters(t: &Totals) -> Vec<(ExemptionLetter, i64)> {
    ExemptionLetter::ALL
        .iter()
        .map(|l| (*l, t.get(Counter::Letter(*l))))
        .collect()
}

/// Dispute outcomes in a period.
pub fn dispute_outcomes(t: &Totals) -> Vec<(DisputeOutcome, i64)> {
    DisputeOutcome::ALL
        .iter()
        .map(|o| (*o, t.get(Counter::Dispute(*o))))
        .collect()
}

/// The longest range of whole months (read from the monthly cells).
pub const MAX_RANGE_MONTHS: i32 = 120;

/// The longest range not on whole months (recomputed from the register).
pub const MAX_RECOMPUTED_DAYS: i32 = 366;

/// A period of figures: a year, a quarter, or any range of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// What kind of period it is.
    pub kind: PeriodKind,
}

/// The kind of a [`Period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeriodKind {
    /// A calendar year.
    Year(i16),
    /// A quarter (1-4) of a year.
    Quarter(i16, i8),
    /// Any range of days.
    Range,
}

/// Whether `start..=end` covers whole months (the first of one month to
/// the last of another).
pub fn whole_months(start: Date, end: Date) -> bool {
    start.day() == 1 && end.tomorrow().is_ok_and(|t| t.day() == 1)
}

impl Period {
    /// A calendar year.
    pub fn year(year: i16) -> Option<Self> {
        Some(Self {
            start: Date::new(year, 1, 1).ok()?,
            end: Date::new(year, 12, 31).ok()?,
            kind: PeriodKind::Year(year),
        })
    }

    /// A quarter (1-4) of a year.
    pub fn quarter(year: i16, quarter: i8) -> Option<Self> {
        if !(1..=4).contains(&quarter) {
            return None;
        }
        let start = Date::new(year, (quarter - 1) * 3 + 1, 1).ok()?;
        let end = start
            .checked_add(jiff::Span::new().months(3))
            .ok()?
            .yesterday()
            .ok()?;
        Some(Self {
            start,
            end,
            kind: PeriodKind::Quarter(year, quarter),
        })
    }

    /// Why the range `start..=end` is refused as too long, or `None`. Whole
    /// months are read from the monthly cells, so they may span up to
    /// [`MAX_RANGE_MONTHS`]; other ranges are recomputed from the register
    /// and span at most [`MAX_RECOMPUTED_DAYS`].
    pub fn range_limit(start: Date, end: Date) -> Option<String> {
        let p = Self::range(start, end);
        if p.whole_months() {
            let months = (i32::from(end.year()) * 12 + i32::from(end.month()))
                - (i32::from(start.year()) * 12 + i32::from(start.month()))
                + 1;
            (months > MAX_RANGE_MONTHS).then(|| {
                format!("a range of whole months spans at most {MAX_RANGE_MONTHS} months; this one spans {months}")
            })
        } else {
            let days = start.until(end).map_or(i32::MAX, |s| s.get_days()) + 1;
            (days > MAX_RECOMPUTED_DAYS).then(|| {
                format!(
                    "a range that does not start on the 1st and end on a month's last day is recomputed from the register and spans at most {MAX_RECOMPUTED_DAYS} days; this one spans {days} (use whole months, a quarter or a year for longer)"
                )
            })
        }
    }

    /// The days `start..=end` (`end` not before `start`).
    pub fn range(start: Date, end: Date) -> Self {
        Self {
            start,
            end,
            kind: PeriodKind::Range,
        }
    }

    /// A stable key: "2026", "2026-Q1", "2026-01-01..2026-02-15".
    pub fn key(&self) -> String {
        match self.kind {
            PeriodKind::Year(y) => y.to_string(),
            PeriodKind::Quarter(y, q) => format!("{y}-Q{q}"),
            PeriodKind::Range => format!("{}..{}", self.start, self.end),
        }
    }

    /// The year the period starts in (its scoring policy's).
    pub fn policy_year(&self) -> i16 {
        self.start.year()
    }

    /// Whether it covers whole months (then the monthly cells serve it).
    pub fn whole_months(&self) -> bool {
        whole_months(self.start, self.end)
    }

    /// The cells that sum to it when it covers whole months: a year's or a
    /// quarter's own cell, else its months (first and last key).
    pub fn cell_keys(&self) -> (String, String) {
        let month = |d: Date| format!("{:04}-{:02}", d.year(), d.month());
        match self.kind {
            PeriodKind::Year(y) => (format!("{y:04}"), format!("{y:04}")),
            PeriodKind::Quarter(y, q) => {
                let k = format!("{y:04}-Q{q}");
                (k.clone(), k)
            }
            PeriodKind::Range => (month(self.start), month(self.end)),
        }
    }

    /// The period before, of the same kind and length.
    pub fn previous(&self) -> Option<Self> {
        match self.kind {
            PeriodKind::Year(y) => Self::year(y - 1),
            PeriodKind::Quarter(y, 1) => Self::quarter(y - 1, 4),
            PeriodKind::Quarter(y, q) => Self::quarter(y, q - 1),
            PeriodKind::Range => {
                let days = (self.end - self.start).get_days() as i64 + 1;
                let end = self.start.yesterday().ok()?;
                let start = end.checked_sub(jiff::Span::new().days(days - 1)).ok()?;
                Some(Self::range(start, end))
            }
        }
    }
}

/// A Pemda's assessment when the policy averages its OPDs'
/// ([`PemdaAssessmentRule::MeanOfOpds`]): per item of the policy, the mean
/// of the OPDs that have it; `None` when no OPD has an assessment.
pub fn mean_of_opds(
    policy: &ScoringPolicy,
    opds: &[&BTreeMap<String, f64>],
) -> Option<BTreeMap<String, f64>> {
    if opds.is_empty() {
        return None;
    }
    let mut mean = BTreeMap::new();
    for (item, _) in &policy.assessment_items {
        let vals: Vec<f64> = opds.iter().filter_map(|a| a.get(item).copied()).collect();
        if !vals.is_empty() {
            mean.insert(item.clone(), vals.iter().sum::<f64>() / vals.len() as f64);
        }
    }
    Some(mean)
}

/// The move against last period's rank (`0`: none then, or unranked now):
/// positive is up, and the label people read ("up 3", "down 1", "same",
/// "new", "unranked").
pub fn movement(rank: i32, previous: i32) -> (i32, String) {
    let movement = if rank > 0 && previous > 0 {
        previous - rank
    } else {
        0
    };
    let label = match (rank, previous) {
        (0, _) => "unranked".to_string(),
        (_, 0) => "new".to_string(),
        _ if movement > 0 => format!("up {movement}"),
        _ if movement < 0 => format!("down {}", -movement),
        _ => "same".to_string(),
    };
    (movement, label)
}

/// Orders components weakest first (what to fix first); those without
/// enough data last.
pub fn weakest_first(parts: &mut [ComponentScore]) {
    parts.sort_by(|a, b| match (a.score, b.score) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(a.component.cmp(&b.component)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.component.cmp(&b.component),
    });
}

/// The one-line advice of a score explanation: the weakest component with
/// its cause, or why there is no score.
pub fn fix_first(parts: &[ComponentScore], policy: &ScoringPolicy) -> String {
    let mut parts = parts.to_vec();
    weakest_first(&mut parts);
    match parts.iter().find(|p| p.score.is_some()) {
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
    }
}

/// A score's band as people read it. The Komisi Informasi's names are a
/// qualification only when its assessment was used; a score from requests
/// alone falls in a band that is indicative ("Informatif (indikatif)").
/// Without a score it is empty: insufficient data is said in its own field.
pub fn band_label(policy: &ScoringPolicy, score: Option<f64>, assessed: bool) -> String {
    match score {
        None => String::new(),
        Some(s) if assessed => policy.band(s).label().to_string(),
        Some(s) => format!("{} (indikatif)", policy.band(s).label()),
    }
}

/// How ties are broken, stated in every ranking.
pub const TIE_RULE: &str = "ordered by the conservative score (every rate at its 95% Wilson \
lower bound), then by the score, then by agency id; equal conservative score and score share a rank";

/// A ranking of a group of agencies for a period (also what is published).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// The group, for people.
    pub group: String,
    /// The period.
    pub period: Period,
    /// The scoring policy's version.
    pub policy_version: i64,
    /// In rank order, unranked last.
    pub entries: Vec<RankingEntry>,
    /// When it was published, if it was.
    pub publish_time: Option<jiff::Timestamp>,
    /// Requests received by the ranked agencies in the period.
    pub input_received: i64,
    /// Written notices of the ranked agencies in the period.
    pub input_decided: i64,
    /// How ties are broken.
    pub tie_rule: String,
}

/// One agency in a [`Ranking`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingEntry {
    /// Agency id.
    pub agency_id: String,
    /// Its name.
    pub display_name: String,
    /// Final score.
    pub score: Option<f64>,
    /// Conservative score (the rank key).
    pub conservative_score: Option<f64>,
    /// Band label.
    pub band: String,
    /// 1 = best; 0 = unranked.
    pub rank: i32,
    /// Last period's published rank (0: none).
    pub previous_rank: i32,
    /// Up (positive) or down.
    pub movement: i32,
    /// "up 2", "same", ...
    pub movement_label: String,
    /// The agencies whose requests were pooled into its score.
    pub pooled_agency_ids: Vec<String>,
    /// Written notices in the period.
    pub decided: i64,
    /// Whether the Komisi Informasi's assessment entered the score.
    pub assessment_used: bool,
}

/// The figures of an agency (or a subtree) for a period, as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    /// Requests received.
    pub received: i64,
    /// Open at the period's start.
    pub pending_at_start: i64,
    /// Open at its end.
    pub pending_at_end: i64,
    /// Written notices.
    pub decided: i64,
    /// Withdrawn.
    pub withdrawn: i64,
    /// Notices by outcome.
    pub outcomes: Vec<(Outcome, i64)>,
    /// Working days to the written notice.
    pub time_to_notice: Option<Distribution>,
    /// Working days to delivery.
    pub time_to_delivery: Option<Distribution>,
    /// Timeliness: of the requests whose due date fell in the period, the
    /// share answered by it; one past due without a notice counts as late.
    pub on_time: Option<Rate>,
    /// Requests whose due date fell in the period (answered, or past due
    /// without a notice).
    pub due_in_period: i64,
    /// Of those, past due without a written notice at read time.
    pub overdue_unanswered: i64,
    /// Share of the period's notices within the original 10 working days.
    pub on_time_original: Option<Rate>,
    /// Share of requests extended.
    pub extension_rate: Option<Rate>,
    /// Withholding notices by Pasal 17 letter.
    pub exemptions_by_letter: Vec<(ExemptionLetter, i64)>,
    /// Withholding notices resting on DIK entries.
    pub withholding_with_dik: i64,
    /// Withholding notices without a registered basis.
    pub withholding_unregistered: i64,
    /// Objections filed.
    pub objections_filed: i64,
    /// Objections answered.
    pub objections_answered: i64,
    /// Objections answered on time.
    pub objections_answered_on_time: i64,
    /// Objections overturned.
    pub objections_overturned: i64,
    /// New answers after an overturn sent a request back.
    pub answers_after_overturn: i64,
    /// Of those, by the new due date.
    pub answers_after_overturn_on_time: i64,
    /// Deliveries after the notice's delivery date.
    pub delivered_late: i64,
    /// Disputes filed.
    pub disputes_filed: i64,
    /// Disputes by outcome.
    pub disputes: Vec<(DisputeOutcome, i64)>,
}

/// Timeliness by due date (RULINGS, Figures): every request whose due date
/// fell in the period, answered ones judged by their notice, unanswered ones
/// past due counted late. Never answering must not look better than
/// answering late.
pub fn timeliness(t: &Totals, overdue_unanswered: i64) -> Option<Rate> {
    wilson(
        t.get(Counter::DueOnTime),
        t.get(Counter::DueAnswered) + overdue_unanswered,
    )
}

/// The reported figures of summed cells, with the open counts at the
/// period's start and end.
pub fn statistics(t: &Totals, pending_at_start: i64, w: Workload) -> Statistics {
    let decided = t.get(Counter::Decided);
    let received = t.get(Counter::Received);
    Statistics {
        received,
        pending_at_start,
        pending_at_end: w.pending_at_end,
        decided,
        withdrawn: t.get(Counter::Withdrawn),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| (*o, t.get(Counter::Outcome(*o))))
            .collect(),
        time_to_notice: distribution(&t.histogram(Span::Notice), t.get(Counter::NoticeDaysSum)),
        time_to_delivery: distribution(
            &t.histogram(Span::Delivery),
            t.get(Counter::DeliveryDaysSum),
        ),
        on_time: timeliness(t, w.overdue_unanswered),
        due_in_period: t.get(Counter::DueAnswered) + w.overdue_unanswered,
        overdue_unanswered: w.overdue_unanswered,
        on_time_original: wilson(t.get(Counter::OnTimeOriginal), decided),
        extension_rate: wilson(t.get(Counter::Extended).min(received), received),
        exemptions_by_letter: letters(t),
        withholding_with_dik: t.get(Counter::WithholdingRegistered),
        withholding_unregistered: t.get(Counter::WithholdingUnregistered),
        objections_filed: t.get(Counter::ObjectionsFiled),
        objections_answered: t.get(Counter::ObjectionsDecided),
        objections_answered_on_time: t.get(Counter::ObjectionsOnTime),
        objections_overturned: t.get(Counter::ObjectionsOverturned),
        answers_after_overturn: t.get(Counter::Reanswered),
        answers_after_overturn_on_time: t.get(Counter::ReansweredOnTime),
        delivered_late: t.get(Counter::DeliveredLate),
        disputes_filed: t.get(Counter::DisputesFiled),
        disputes: dispute_outcomes(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(pairs: &[(i32, i64)]) -> BTreeMap<i32, i64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn medians_and_buckets() {
        // (histogram, sum, median, mean, min, max)
        type Case<'a> = (&'a [(i32, i64)], i64, f64, f64, i32, i32);
        let cases: &[Case] = &[
            (&[(0, 1)], 0, 0.0, 0.0, 0, 0),
            (&[(0, 1), (3, 1)], 3, 1.5, 1.5, 0, 3),
            (&[(2, 2), (5, 1), (12, 1)], 21, 3.5, 5.25, 2, 12),
            (&[(1, 1), (4, 1), (9, 1)], 14, 4.0, 14.0 / 3.0, 1, 9),
            (
                &[(10, 3), (17, 1), (401, 1)],
                30 + 17 + 650,
                10.0,
                139.4,
                10,
                401,
            ),
        ];
        for (h, sum, median, mean, min, max) in cases {
            let d = distribution(&hist(h), *sum).unwrap();
            assert_eq!(d.median, *median, "{h:?}");
            assert!((d.mean - mean).abs() < 1e-9, "{h:?}");
            assert_eq!((d.min, d.max), (*min, *max), "{h:?}");
        }
        let d = distribution(
            &hist(&[
                (0, 2),
                (5, 1),
                (6, 1),
                (10, 2),
                (11, 1),
                (17, 1),
                (18, 1),
                (31, 1),
                (250, 1),
            ]),
            0,
        )
        .unwrap();
        let kip: Vec<i64> = d.kip_buckets.iter().map(|b| b.1).collect();
        assert_eq!(kip, vec![3, 3, 2, 1, 2]);
        let doj: BTreeMap<String, i64> = d.doj_buckets.into_iter().collect();
        assert_eq!(
            doj["1-20"], 9,
            "same-day answers fall in the first DOJ bucket"
        );
        assert_eq!(doj["21-40"], 1);
        assert_eq!(doj["201-300"], 1);
        assert_eq!(doj["401+"], 0);
        assert!(distribution(&BTreeMap::new(), 0).is_none());
    }

    #[test]
    fn same_day_is_less_than_one() {
        assert_eq!(display_days(0.0), "<1");
        assert_eq!(display_days(0.5), "<1");
        assert_eq!(display_days(1.0), "1");
        assert_eq!(display_days(3.5), "3.5");
        assert_eq!(display_days(10.0), "10");
    }

    #[test]
    fn wilson_intervals() {
        // Hand-computed with z = 1.96: 7/31, 0/10, 10/10, 45/50.
        let cases = [
            (7, 31, 0.1146, 0.3975),
            (0, 10, 0.0, 0.2775),
            (10, 10, 0.7225, 1.0),
            (45, 50, 0.7864, 0.9565),
        ];
        for (s, n, lo, hi) in cases {
            let r = wilson(s, n).unwrap();
            assert!((r.lower - lo).abs() < 1e-3, "{s}/{n}: {}", r.lower);
            assert!((r.upper - hi).abs() < 1e-3, "{s}/{n}: {}", r.upper);
        }
        assert!(wilson(0, 0).is_none());
    }

    #[test]
    fn bands_at_the_thresholds() {
        let p = ScoringPolicy::default_for(2026);
        let cases = [
            (100.0, Band::Informatif),
            (90.0, Band::Informatif),
            (89.99, Band::MenujuInformatif),
            (80.0, Band::MenujuInformatif),
            (79.99, Band::CukupInformatif),
            (60.0, Band::CukupInformatif),
            (59.99, Band::KurangInformatif),
            (40.0, Band::KurangInformatif),
            (39.99, Band::TidakInformatif),
            (0.0, Band::TidakInformatif),
        ];
        for (s, b) in cases {
            assert_eq!(p.band(s), b, "{s}");
        }
    }

    #[test]
    fn a_score_reads_only_the_scored_counters() {
        // Every counter with its own value, then only the scored ones: the
        // components, the open flow and the sample sizes must not differ.
        let mut p = ScoringPolicy::default_for(2026);
        p.components = Component::ALL.iter().map(|c| (*c, 1.0)).collect();
        let (mut full, mut scored) = (Totals::default(), Totals::default());
        for (i, c) in Counter::all().into_iter().enumerate() {
            let v = 40 + 3 * i as i64;
            full.add(Key::Count(c), v);
            if SCORED.contains(&c) {
                scored.add(Key::Count(c), v);
            }
        }
        let w = Workload {
            pending_at_end: 7,
            overdue_unanswered: 5,
        };
        assert_eq!(components(&full, w, &p), components(&scored, w, &p));
        assert_eq!(open_flow(&full), open_flow(&scored));
        for c in [Counter::Decided, Counter::Received] {
            assert_eq!(full.get(c), scored.get(c));
        }
    }

    #[test]
    fn components_and_insufficient_data() {
        let p = ScoringPolicy::default_for(2026);
        let mut t = Totals::default();
        t.add(Key::Count(Counter::Decided), 31);
        t.add(Key::Count(Counter::OnTime), 24);
        t.add(Key::Count(Counter::DueAnswered), 31);
        t.add(Key::Count(Counter::DueOnTime), 24);
        t.add(Key::Count(Counter::NoticeDaysSum), 31 * 5);
        t.add(Key::Count(Counter::Outcome(Outcome::Granted)), 20);
        t.add(Key::Count(Counter::Outcome(Outcome::NotHeld)), 1);
        t.add(Key::Count(Counter::WithholdingUnregistered), 3);
        let parts = components(
            &t,
            Workload {
                pending_at_end: 9,
                overdue_unanswered: 0,
            },
            &p,
        );
        let by = |c| parts.iter().find(|x| x.component == c).unwrap();
        let tl = by(Component::Timeliness);
        assert!((tl.score.unwrap() - 24.0 / 31.0 * 100.0).abs() < 1e-9);
        assert_eq!(
            tl.explanation,
            "7 of 31 requests due in the period were not answered by their due date (7 answered late, 0 not answered yet)"
        );
        assert!(tl.conservative.unwrap() < tl.score.unwrap());
        assert_eq!(by(Component::Speed).score, Some(75.0), "5 days of 20");
        assert!((by(Component::Fulfilment).score.unwrap() - 20.0 / 30.0 * 100.0).abs() < 1e-9);
        let ex = by(Component::ExemptionDiscipline);
        assert_eq!(
            ex.score, None,
            "3 withholding notices are below the minimum sample"
        );
        assert_eq!(ex.explanation, "insufficient data: 3 of the 10 needed");
        assert_eq!(by(Component::ObjectionOutcomes).score, None);
        assert!((by(Component::Backlog).score.unwrap() - 31.0 / 40.0 * 100.0).abs() < 1e-9);

        // Only components with data count; their weights are renormalised.
        let (s, _) = service_score(&parts).unwrap();
        let expected = (30.0 * 24.0 / 31.0 * 100.0
            + 20.0 * 20.0 / 30.0 * 100.0
            + 15.0 * 75.0
            + 10.0 * 31.0 / 40.0 * 100.0)
            / 75.0;
        assert!((s - expected).abs() < 1e-9);
        assert!(service_score(&components(&Totals::default(), Workload::default(), &p)).is_none());
    }

    /// UU KIP Pasal 22(7)-(8): an answer is due in 10 (+7) working days;
    /// no answer at all is the worst lateness, never "insufficient data".
    /// Pasal 17: a rejection resting on a DIK entry in force is lawful.
    #[test]
    fn timeliness_and_fulfilment_judge_fairly() {
        let p = ScoringPolicy::default_for(2026);
        struct Case {
            name: &'static str,
            // (due answered, of which on time, overdue unanswered)
            due: (i64, i64, i64),
            // (decided, granted, rejected with DIK, rejected without)
            notices: (i64, i64, i64, i64),
            timeliness: Option<f64>,
            fulfilment: Option<f64>,
        }
        let cases = [
            Case {
                name: "never answers: every due request is late",
                due: (0, 0, 12),
                notices: (0, 0, 0, 0),
                timeliness: Some(0.0),
                fulfilment: None,
            },
            Case {
                name: "answers every request a day late",
                due: (12, 0, 0),
                notices: (12, 12, 0, 0),
                timeliness: Some(0.0),
                fulfilment: Some(100.0),
            },
            Case {
                name: "half answered on time, half never",
                due: (10, 10, 10),
                notices: (10, 10, 0, 0),
                timeliness: Some(50.0),
                fulfilment: Some(100.0),
            },
            Case {
                name: "lawful rejections do not lower fulfilment",
                due: (20, 20, 0),
                notices: (20, 10, 10, 0),
                timeliness: Some(100.0),
                fulfilment: Some(100.0),
            },
            Case {
                name: "rejections without a DIK entry do",
                due: (20, 20, 0),
                notices: (20, 10, 0, 10),
                timeliness: Some(100.0),
                fulfilment: Some(50.0),
            },
        ];
        for c in cases {
            let mut t = Totals::default();
            let (answered, on_time, overdue) = c.due;
            let (decided, granted, lawful, unlawful) = c.notices;
            t.add(Key::Count(Counter::DueAnswered), answered);
            t.add(Key::Count(Counter::DueOnTime), on_time);
            t.add(Key::Count(Counter::Decided), decided);
            t.add(Key::Count(Counter::Outcome(Outcome::Granted)), granted);
            t.add(
                Key::Count(Counter::Outcome(Outcome::Rejected)),
                lawful + unlawful,
            );
            t.add(Key::Count(Counter::RejectedRegistered), lawful);
            let parts = components(
                &t,
                Workload {
                    pending_at_end: overdue,
                    overdue_unanswered: overdue,
                },
                &p,
            );
            let by = |x| parts.iter().find(|p| p.component == x).unwrap().score;
            assert_eq!(by(Component::Timeliness), c.timeliness, "{}", c.name);
            assert_eq!(by(Component::Fulfilment), c.fulfilment, "{}", c.name);
        }
    }

    /// RULINGS (figures): the KI's names are a qualification only with its
    /// assessment; a service score's band is indicative; no score, no band.
    #[test]
    fn band_labels_say_what_they_are() {
        let p = ScoringPolicy::default_for(2026);
        for (score, assessed, label) in [
            (Some(95.0), true, "Informatif"),
            (Some(95.0), false, "Informatif (indikatif)"),
            (Some(85.0), true, "Menuju Informatif"),
            (Some(65.0), false, "Cukup Informatif (indikatif)"),
            (Some(45.0), true, "Kurang Informatif"),
            (Some(10.0), false, "Tidak Informatif (indikatif)"),
            (None, false, ""),
            (None, true, ""),
        ] {
            assert_eq!(
                band_label(&p, score, assessed),
                label,
                "{score:?} {assessed}"
            );
        }
    }

    #[test]
    fn final_score_follows_the_ki_method() {
        let p = ScoringPolicy::default_for(2025);
        let items: BTreeMap<String, f64> = [
            ("jenis_informasi", 80.0),
            ("digitalisasi", 70.0),
            ("kualitas_informasi", 90.0),
            ("komitmen_organisasi", 100.0),
            ("sarana_prasarana", 60.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let none = BTreeMap::new();
        let (s, c, used) = final_score(&p, Some((50.0, 40.0)), Some(&items), &none).unwrap();
        assert!(used);
        assert!(
            (s - (40.0 * 80.0
                + 20.0 * 70.0
                + 10.0 * 90.0
                + 10.0 * 50.0
                + 10.0 * 100.0
                + 10.0 * 60.0)
                / 100.0)
                .abs()
                < 1e-9
        );
        assert!(
            (s - c - 1.0).abs() < 1e-9,
            "only the service item differs: 10% of 10 points"
        );
        assert_eq!(
            final_score(&p, Some((50.0, 40.0)), None, &none),
            Some((50.0, 40.0, false))
        );
        assert_eq!(final_score(&p, None, Some(&items), &none), None);
    }

    #[test]
    fn computed_items_fill_what_the_assessment_leaves_open() {
        let p = ScoringPolicy::default_for(2026);
        let computed: BTreeMap<String, f64> = [("jenis_informasi", 50.0), ("digitalisasi", 100.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        // No assessment: the computed items beside the service item,
        // weights renormalised (40 + 20 + 10), indicative.
        let (s, c, used) = final_score(&p, Some((80.0, 70.0)), None, &computed).unwrap();
        assert!(!used);
        assert!((s - (40.0 * 50.0 + 20.0 * 100.0 + 10.0 * 80.0) / 70.0).abs() < 1e-9);
        assert!((c - (40.0 * 50.0 + 20.0 * 100.0 + 10.0 * 70.0) / 70.0).abs() < 1e-9);
        // An assessment that scores jenis informasi overrides the computed
        // value; digitalisasi, not assessed, is computed; the rest count.
        let assessed: BTreeMap<String, f64> =
            [("jenis_informasi", 90.0), ("sarana_prasarana", 60.0)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let (s, _, used) = final_score(&p, Some((80.0, 70.0)), Some(&assessed), &computed).unwrap();
        assert!(used);
        assert!(
            (s - (40.0 * 90.0 + 20.0 * 100.0 + 10.0 * 80.0 + 10.0 * 60.0) / 100.0).abs() < 1e-9
        );
        let sources: Vec<(String, ItemSource)> =
            item_values(&p, (80.0, 70.0), Some(&assessed), &computed)
                .into_iter()
                .map(|v| (v.item, v.source))
                .collect();
        assert_eq!(
            sources,
            vec![
                ("jenis_informasi".into(), ItemSource::Assessment),
                ("digitalisasi".into(), ItemSource::Computed),
                ("kualitas_informasi".into(), ItemSource::Missing),
                ("pelayanan_informasi".into(), ItemSource::Requests),
                ("komitmen_organisasi".into(), ItemSource::Missing),
                ("sarana_prasarana".into(), ItemSource::Assessment),
            ]
        );
        // A policy without items: the service score.
        let mut bare = p.clone();
        bare.assessment_items.clear();
        assert_eq!(
            final_score(&bare, Some((80.0, 70.0)), None, &computed),
            Some((80.0, 70.0, false))
        );
    }

    #[test]
    fn ranking_ties_are_deterministic() {
        let e = |id: &str, s: Option<f64>, c: Option<f64>| Ranked {
            agency_id: id.into(),
            score: s,
            conservative: c,
            rank: None,
        };
        let ranked = rank(vec![
            e("dinsos", Some(80.0), Some(70.0)),
            e("bappeda", Some(90.0), Some(60.0)),
            e("dinkes", Some(85.0), Some(70.0)),
            e("disdik", Some(80.0), Some(70.0)),
            e("kecamatan", None, None),
        ]);
        let got: Vec<(&str, Option<u32>)> = ranked
            .iter()
            .map(|r| (r.agency_id.as_str(), r.rank))
            .collect();
        assert_eq!(
            got,
            vec![
                ("dinkes", Some(1)),
                ("dinsos", Some(2)),
                ("disdik", Some(2)),
                ("bappeda", Some(4)),
                ("kecamatan", None)
            ],
            "by lower bound, then score; equal keys share a rank and list by id"
        );
    }

    #[test]
    fn policy_problems() {
        assert!(ScoringPolicy::default_for(2026).problems().is_empty());
        let mut p = ScoringPolicy::default_for(2026);
        p.band_thresholds = [80.0, 90.0, 60.0, 40.0];
        p.components.push((Component::Speed, -1.0));
        p.service_item = "nope".into();
        let fields: Vec<String> = p.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            vec![
                "policy.components[6].weight",
                "policy.components[6].component",
                "policy.band_thresholds",
                "policy.service_item"
            ]
        );
    }

    #[test]
    fn movement_against_last_period() {
        // (rank, previous, movement, label)
        let cases = [
            (3, 6, 3, "up 3"),
            (6, 3, -3, "down 3"),
            (2, 2, 0, "same"),
            (1, 0, 0, "new"),
            (0, 4, 0, "unranked"),
            (0, 0, 0, "unranked"),
        ];
        for (rank, prev, m, label) in cases {
            assert_eq!(
                movement(rank, prev),
                (m, label.to_string()),
                "{rank} {prev}"
            );
        }
    }

    #[test]
    fn periods_and_the_period_before() {
        let y = Period::year(2026).unwrap();
        assert_eq!(
            (y.key(), y.cell_keys().0, y.whole_months()),
            ("2026".into(), "2026".into(), true)
        );
        assert_eq!(y.previous().unwrap().key(), "2025");
        let q1 = Period::quarter(2026, 1).unwrap();
        assert_eq!(q1.end, Date::new(2026, 3, 31).unwrap());
        assert_eq!(q1.previous().unwrap().key(), "2025-Q4");
        assert_eq!(
            Period::quarter(2026, 3).unwrap().previous().unwrap().key(),
            "2026-Q2"
        );
        assert!(Period::quarter(2026, 5).is_none());
        let r = Period::range(
            Date::new(2026, 2, 1).unwrap(),
            Date::new(2026, 2, 28).unwrap(),
        );
        assert!(r.whole_months());
        assert_eq!(r.cell_keys(), ("2026-02".into(), "2026-02".into()));
        let prev = r.previous().unwrap();
        assert_eq!(
            (prev.start, prev.end),
            (
                Date::new(2026, 1, 4).unwrap(),
                Date::new(2026, 1, 31).unwrap()
            )
        );
        let odd = Period::range(
            Date::new(2026, 2, 3).unwrap(),
            Date::new(2026, 2, 28).unwrap(),
        );
        assert!(!odd.whole_months());
    }

    #[test]
    fn a_pemda_assessment_is_the_mean_of_its_opds() {
        let mut policy = ScoringPolicy::default_for(2026);
        policy.assessment_items = vec![("a".into(), 50.0), ("b".into(), 50.0)];
        let one: BTreeMap<String, f64> = [("a".to_string(), 80.0), ("b".to_string(), 60.0)].into();
        let two: BTreeMap<String, f64> = [("a".to_string(), 60.0)].into();
        let mean = mean_of_opds(&policy, &[&one, &two]).unwrap();
        assert_eq!(mean.get("a"), Some(&70.0));
        assert_eq!(
            mean.get("b"),
            Some(&60.0),
            "only the OPDs that have the item"
        );
        assert_eq!(mean_of_opds(&policy, &[]), None);
    }

    #[test]
    fn range_limits() {
        use jiff::civil::date;
        // (start, end, refused)
        let cases = [
            (date(2026, 1, 1), date(2026, 12, 31), false),
            (date(2016, 1, 1), date(2025, 12, 31), false), // 120 whole months
            (date(2015, 12, 1), date(2025, 12, 31), true), // 121
            (date(2026, 1, 2), date(2027, 1, 2), false),   // 366 days
            (date(2026, 1, 2), date(2027, 1, 3), true),    // 367
            (date(2000, 1, 2), date(2199, 12, 30), true),
            (date(2026, 3, 5), date(2026, 3, 5), false),
        ];
        for (start, end, refused) in cases {
            assert_eq!(
                Period::range_limit(start, end).is_some(),
                refused,
                "{start}..{end}"
            );
        }
    }
}
