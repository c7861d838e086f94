//! IndicatorService: hand-computed figures on small fixed datasets.
use ppid::pb::ppid::v1::{self as pb, notice::Outcome};
use tonic::Code;

use crate::{
    exemptions::{create, date, entry},
    helpers::{Backend, TestApp, reason, spawn_app, ts, violations},
    on_both_backends,
};

on_both_backends!(
    statistics_of_a_small_year,
    scores_rankings_and_snapshots,
    assessments_follow_the_ki_method,
    exemption_and_objection_figures,
    bad_indicator_input,
    silence_and_lawful_rejections,
);

pub(crate) fn year(y: i32) -> Option<pb::Period> {
    Some(pb::Period {
        kind: Some(pb::period::Kind::Year(y)),
    })
}

fn range(start: &str, end: &str) -> Option<pb::Period> {
    Some(pb::Period {
        kind: Some(pb::period::Kind::Range(pb::period::DateRange {
            start_date: Some(date(start)),
            end_date: Some(date(end)),
        })),
    })
}

/// Submits a request to `agency` received at `received` and, when given,
/// answers it with `outcome` at `answered`.
async fn request(
    app: &mut TestApp,
    agency: &str,
    received: &str,
    answer: Option<(Outcome, &str)>,
) -> String {
    let r = app.submit(agency, received).await;
    if let Some((outcome, at)) = answer {
        app.requests
            .respond_request(pb::RespondRequestRequest {
                name: r.name.clone(),
                notice: Some(pb::Notice {
                    outcome: outcome as i32,
                    notice_text: "Pemberitahuan tertulis".into(),
                    notice_time: Some(ts(at)),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    r.name
}

pub(crate) async fn stats(
    app: &mut TestApp,
    agency: &str,
    period: Option<pb::Period>,
    subs: bool,
) -> pb::AgencyStatistics {
    app.indicators
        .get_agency_statistics(pb::GetAgencyStatisticsRequest {
            agency: format!("agencies/{agency}"),
            period,
            include_sub_agencies: subs,
        })
        .await
        .unwrap()
        .into_inner()
}

/// Dinkes: four requests received Monday 2 March 2026 (due 16 March):
/// answered the same day (granted), after 2 working days (granted, delivered
/// after 3), after 11 (17 March, late: not held), and one still open.
async fn dinkes_march(app: &mut TestApp) {
    app.set_now("2026-04-01T02:00:00Z");
    request(
        app,
        "dinkes",
        "2026-03-02T02:00:00Z",
        Some((Outcome::Granted, "2026-03-02T08:00:00Z")),
    )
    .await;
    let r2 = request(
        app,
        "dinkes",
        "2026-03-02T02:00:00Z",
        Some((Outcome::Granted, "2026-03-04T03:00:00Z")),
    )
    .await;
    app.requests
        .record_delivery(pb::RecordDeliveryRequest {
            name: r2,
            deliver_time: Some(ts("2026-03-05T03:00:00Z")),
            ..Default::default()
        })
        .await
        .unwrap();
    request(
        app,
        "dinkes",
        "2026-03-02T02:00:00Z",
        Some((Outcome::NotHeld, "2026-03-17T03:00:00Z")),
    )
    .await;
    request(app, "dinkes", "2026-03-02T02:00:00Z", None).await;
}

async fn statistics_of_a_small_year(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    dinkes_march(&mut app).await;

    let s = stats(&mut app, "dinkes", year(2026), false).await;
    assert_eq!(s.source, "aggregates");
    assert_eq!(
        (s.received, s.decided, s.pending_at_start, s.pending_at_end),
        (4, 3, 0, 1)
    );
    let outcomes: Vec<i64> = s.outcomes.iter().map(|o| o.count).collect();
    assert_eq!(
        outcomes,
        vec![2, 0, 0, 1, 0],
        "granted, partly, rejected, not held, not documented"
    );
    let n = s.time_to_notice.clone().unwrap();
    // 0, 2 and 11 working days.
    assert_eq!((n.count, n.median, n.min, n.max), (3, 2.0, 0, 11));
    assert!((n.mean - 13.0 / 3.0).abs() < 1e-9);
    assert_eq!(n.min_display, "<1", "a same-day answer is reported as <1");
    assert_eq!(n.median_display, "2");
    let kip: Vec<i64> = n.kip_buckets.iter().map(|b| b.count).collect();
    assert_eq!(kip, vec![2, 0, 1, 0, 0]);
    assert_eq!(n.doj_buckets[0].label, "1-20");
    assert_eq!(n.doj_buckets[0].count, 3);
    let d = s.time_to_delivery.clone().unwrap();
    assert_eq!((d.count, d.median), (1, 3.0));
    // Timeliness by due date: the unanswered request is past its due date,
    // so it counts late beside the two on time and the one answered late.
    let on_time = s.on_time.unwrap();
    assert_eq!((on_time.successes, on_time.trials), (2, 4));
    assert_eq!((s.due_in_period, s.overdue_unanswered), (4, 1));
    assert!(
        (on_time.lower - 0.1500).abs() < 1e-3 && (on_time.upper - 0.8500).abs() < 1e-3,
        "Wilson 95% of 2/4"
    );
    assert_eq!(s.on_time_original.unwrap().successes, 2);
    assert_eq!(s.open_past_due_now, 1);
    assert_eq!(s.oldest_pending.len(), 1);

    // The Pemda pools its OPDs; alone it has nothing.
    assert_eq!(
        stats(&mut app, "kota-serang", year(2026), false)
            .await
            .received,
        0
    );
    let pooled = stats(&mut app, "kota-serang", year(2026), true).await;
    assert_eq!(
        (pooled.agency_count, pooled.received, pooled.decided),
        (2, 4, 3)
    );
    // Read from the Pemda's own cells (histograms included) and keys: the
    // same figures as its one OPD's.
    assert_eq!(pooled.time_to_notice, s.time_to_notice);
    assert_eq!(pooled.time_to_delivery, s.time_to_delivery);
    assert_eq!(pooled.on_time, s.on_time);
    assert_eq!(
        (
            pooled.open_past_due_now,
            pooled.overdue_unanswered,
            pooled.pending_at_end
        ),
        (1, 1, 1)
    );
    assert_eq!(pooled.oldest_pending, s.oldest_pending);

    // Q2 has nothing new; one request was still open when it started.
    let q2 = stats(
        &mut app,
        "dinkes",
        Some(pb::Period {
            kind: Some(pb::period::Kind::Quarter(pb::period::Quarter {
                year: 2026,
                quarter: 2,
            })),
        }),
        false,
    )
    .await;
    assert_eq!(
        (
            q2.received,
            q2.decided,
            q2.pending_at_start,
            q2.pending_at_end
        ),
        (0, 0, 1, 1)
    );
    assert!(q2.time_to_notice.is_none());

    // A range that does not fall on whole months is recomputed from the register.
    let early = stats(&mut app, "dinkes", range("2026-03-01", "2026-03-10"), false).await;
    assert_eq!(early.source, "recomputed");
    assert_eq!(
        (
            early.received,
            early.decided,
            early.pending_at_start,
            early.pending_at_end
        ),
        (4, 2, 0, 2)
    );
    // The same month from the cells and recomputed agree.
    let cells = stats(&mut app, "dinkes", range("2026-03-01", "2026-03-31"), false).await;
    let mut recomputed = stats(&mut app, "dinkes", range("2026-03-01", "2026-03-31"), false).await;
    assert_eq!(cells.source, "aggregates");
    recomputed.source = cells.source.clone();
    assert_eq!(cells, recomputed);
}

/// A policy for tests: timeliness only, minimum sample 1.
async fn timeliness_policy(app: &mut TestApp, y: i32) -> pb::ScoringPolicy {
    app.indicators
        .set_scoring_policy(pb::SetScoringPolicyRequest {
            policy: Some(pb::ScoringPolicy {
                year: y,
                components: vec![pb::ComponentWeight {
                    component: "timeliness".into(),
                    weight: 1.0,
                }],
                min_sample: 1,
                speed_zero_days: 20.0,
                band_thresholds: vec![90.0, 80.0, 60.0, 40.0],
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn ranking(app: &mut TestApp, parent: &str, y: i32) -> pb::Ranking {
    app.indicators
        .get_ranking(pb::GetRankingRequest {
            parent: format!("agencies/{parent}"),
            period: year(y),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

fn table(r: &pb::Ranking) -> Vec<(String, i32, i32, String)> {
    r.entries
        .iter()
        .map(|e| {
            (
                e.agency.replace("agencies/", ""),
                e.rank,
                e.previous_rank,
                e.movement_label.clone(),
            )
        })
        .collect()
}

async fn scores_rankings_and_snapshots(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    for opd in ["bappeda", "dinkes", "disdik", "dinsos"] {
        app.opd(opd, "kota-serang").await;
    }
    // The default policy's minimum sample (10) leaves every OPD unranked.
    app.set_now("2025-07-01T02:00:00Z");
    request(
        &mut app,
        "dinkes",
        "2025-06-02T02:00:00Z",
        Some((Outcome::Granted, "2025-06-02T05:00:00Z")),
    )
    .await;
    request(
        &mut app,
        "disdik",
        "2025-06-02T02:00:00Z",
        Some((Outcome::Granted, "2025-06-30T05:00:00Z")),
    )
    .await;
    let r = ranking(&mut app, "kota-serang", 2025).await;
    assert!(
        r.entries
            .iter()
            .all(|e| e.rank == 0 && e.movement_label == "unranked" && e.score.is_none())
    );
    let dinkes = r
        .entries
        .iter()
        .find(|e| e.agency == "agencies/dinkes")
        .unwrap();
    assert!(dinkes.insufficient_data && !dinkes.band_indicative);
    assert_eq!(dinkes.band, "", "insufficient data has its own field");

    // 2025 with a minimum sample of 1: dinkes on time, disdik late.
    let p = timeliness_policy(&mut app, 2025).await;
    assert_eq!(p.version, 1);
    let r2025 = app
        .indicators
        .publish_ranking(pb::PublishRankingRequest {
            parent: "agencies/kota-serang".into(),
            period: year(2025),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r2025.published);
    assert_eq!(
        table(&r2025),
        vec![
            ("dinkes".into(), 1, 0, "new".into()),
            ("disdik".into(), 2, 0, "new".into()),
            ("bappeda".into(), 0, 0, "unranked".into()),
            ("dinsos".into(), 0, 0, "unranked".into()),
        ]
    );

    // 2026: dinkes 2 of 4 on time (three answered, two of them in time, and one
    // unanswered past its due date, which counts late); disdik and dinsos 2 of 2: a tie.
    timeliness_policy(&mut app, 2026).await;
    dinkes_march(&mut app).await;
    for opd in ["disdik", "dinsos"] {
        for _ in 0..2 {
            request(
                &mut app,
                opd,
                "2026-03-02T02:00:00Z",
                Some((Outcome::Granted, "2026-03-03T02:00:00Z")),
            )
            .await;
        }
    }
    let r = ranking(&mut app, "kota-serang", 2026).await;
    assert_eq!(
        table(&r),
        vec![
            ("dinsos".into(), 1, 0, "new".into()),
            ("disdik".into(), 1, 2, "up 1".into()),
            ("dinkes".into(), 3, 1, "down 2".into()),
            ("bappeda".into(), 0, 0, "unranked".into()),
        ],
        "ties share a rank and list by id; previous ranks come from the 2025 snapshot"
    );
    let dinkes = &r.entries[2];
    assert!((dinkes.score.unwrap() - 50.0).abs() < 1e-6);
    assert!(
        (dinkes.conservative_score.unwrap() - 15.004).abs() < 1e-2,
        "ranked by the Wilson lower bound of 2 in 4"
    );
    assert_eq!(
        dinkes.band, "Kurang Informatif (indikatif)",
        "without the KI's assessment the band is indicative"
    );
    assert!(dinkes.band_indicative && !dinkes.insufficient_data);
    assert_eq!(r.entries[0].band, "Informatif (indikatif)");
    assert!(r.tie_rule.contains("Wilson"));

    // Publish 2026; later data does not change the published ranking.
    let published = app
        .indicators
        .publish_ranking(pb::PublishRankingRequest {
            parent: "agencies/kota-serang".into(),
            period: year(2026),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    request(
        &mut app,
        "disdik",
        "2026-03-02T02:00:00Z",
        Some((Outcome::Granted, "2026-03-31T02:00:00Z")),
    )
    .await;
    let after = ranking(&mut app, "kota-serang", 2026).await;
    assert_eq!(after, published, "a published period reads as its snapshot");
    let again = app
        .indicators
        .publish_ranking(pb::PublishRankingRequest {
            parent: "agencies/kota-serang".into(),
            period: year(2026),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);

    // The Pemdas rank with their OPDs pooled.
    app.pemda("kab-lebak").await;
    request(
        &mut app,
        "kab-lebak",
        "2026-03-02T02:00:00Z",
        Some((Outcome::Granted, "2026-03-31T02:00:00Z")),
    )
    .await;
    let pemdas = app
        .indicators
        .get_ranking(pb::GetRankingRequest {
            comparison_group: "pemda/root".into(),
            period: year(2026),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let serang = pemdas
        .entries
        .iter()
        .find(|e| e.agency == "agencies/kota-serang")
        .unwrap();
    assert_eq!(serang.pooled_agencies, 5);
    assert!(
        serang
            .pooled_agency_names
            .contains(&"agencies/dinkes".to_string())
    );
    assert_eq!(
        serang.pooled_agency_names.len(),
        5,
        "the composition: the Pemda and its four OPDs"
    );
    assert_eq!(
        serang.decided, 8,
        "3 + 2 + 2 + the late one after publication"
    );
    assert_eq!(serang.rank, 1);
    let lebak = pemdas
        .entries
        .iter()
        .find(|e| e.agency == "agencies/kab-lebak")
        .unwrap();
    assert_eq!((lebak.rank, lebak.score), (2, Some(0.0)));

    // Explained weakest first, with the concrete cause.
    let e = app
        .indicators
        .explain_score(pb::ExplainScoreRequest {
            agency: "agencies/dinkes".into(),
            period: year(2026),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(e.components.len(), 1);
    assert_eq!(
        e.components[0].explanation,
        "2 of 4 requests due in the period were not answered by their due date \
         (1 answered late, 1 not answered yet)"
    );
    assert!(e.summary.contains("timeliness"));
}

async fn assessments_follow_the_ki_method(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    dinkes_march(&mut app).await;
    app.indicators
        .set_scoring_policy(pb::SetScoringPolicyRequest {
            policy: Some(pb::ScoringPolicy {
                year: 2026,
                components: vec![
                    pb::ComponentWeight {
                        component: "timeliness".into(),
                        weight: 30.0,
                    },
                    pb::ComponentWeight {
                        component: "speed".into(),
                        weight: 10.0,
                    },
                    pb::ComponentWeight {
                        component: "exemption_discipline".into(),
                        weight: 10.0,
                    },
                ],
                min_sample: 3,
                speed_zero_days: 20.0,
                band_thresholds: vec![90.0, 80.0, 60.0, 40.0],
                assessment_items: vec![
                    pb::ItemWeight {
                        item: "jenis_informasi".into(),
                        weight: 50.0,
                    },
                    pb::ItemWeight {
                        item: "pelayanan_informasi".into(),
                        weight: 50.0,
                    },
                ],
                service_item: "pelayanan_informasi".into(),
                pemda_assessment_rule: "own".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let explain = |app: &mut TestApp| {
        let mut c = app.indicators.clone();
        async move {
            c.explain_score(pb::ExplainScoreRequest {
                agency: "agencies/dinkes".into(),
                period: year(2026),
            })
            .await
            .unwrap()
            .into_inner()
        }
    };
    // Service score: timeliness 2/4 (the unanswered request is past due) with
    // weight 30, and speed: mean 13/3 days of 20 (weight 10); exemption
    // discipline has no data and drops out.
    let timeliness = 50.0;
    let speed = 100.0 * (1.0 - 13.0 / 3.0 / 20.0);
    let service = (30.0 * timeliness + 10.0 * speed) / 40.0;
    let e = explain(&mut app).await;
    assert!((e.service_score.unwrap() - service).abs() < 1e-6);
    assert!(
        (e.score.unwrap() - service).abs() < 1e-6,
        "without an assessment the final score is the service score"
    );
    assert_eq!(e.components[0].component, "timeliness", "weakest first");
    assert_eq!(e.components[1].component, "speed");
    assert!(e.components[2].insufficient_data);
    assert!(
        e.band_indicative && e.band.ends_with(" (indikatif)"),
        "{}",
        e.band
    );

    app.indicators
        .record_assessment(pb::RecordAssessmentRequest {
            agency: "agencies/dinkes".into(),
            year: 2026,
            items: [("jenis_informasi".to_string(), 80.0)]
                .into_iter()
                .collect(),
        })
        .await
        .unwrap();
    let e = explain(&mut app).await;
    assert!((e.score.unwrap() - (80.0 + service) / 2.0).abs() < 1e-6);
    assert!(
        !e.band_indicative,
        "with the assessment the band is a qualification"
    );
    assert!(!e.band.contains("indikatif"), "{}", e.band);
    assert_eq!(e.items.len(), 2);
    assert_eq!(e.items[1].source, "requests");

    for (items, field) in [
        (
            vec![("pelayanan_informasi", 90.0)],
            "items[pelayanan_informasi]",
        ),
        (vec![("digitalisasi", 90.0)], "items[digitalisasi]"),
        (vec![("jenis_informasi", 101.0)], "items[jenis_informasi]"),
    ] {
        let err = app
            .indicators
            .record_assessment(pb::RecordAssessmentRequest {
                agency: "agencies/dinkes".into(),
                year: 2026,
                items: items.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            })
            .await
            .unwrap_err();
        assert_eq!(violations(&err), vec![field]);
    }
}

async fn exemption_and_objection_figures(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let dik = create(&mut app, "kota-serang", entry(pb::ExemptionLetter::H, None)).await;
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-04T02:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                outcome: Outcome::Rejected as i32,
                notice_text: "Ditolak".into(),
                exemptions: vec![dik.name],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    app.set_now("2026-03-05T02:00:00Z");
    let o = app
        .objections
        .file_objection(pb::FileObjectionRequest {
            request: r.name.clone(),
            grounds: vec![pb::ObjectionGround::Rejected as i32],
            statement: "Keberatan".into(),
            file_time: None,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    app.set_now("2026-03-06T02:00:00Z");
    app.objections
        .decide_objection(pb::DecideObjectionRequest {
            name: o.name,
            decision: pb::objection::Decision::Overturned as i32,
            extent: pb::objection::Extent::Wholly as i32,
            superior_name: "Sekda".into(),
            superior_position: "Sekretaris Daerah".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let s = stats(&mut app, "kota-serang", year(2026), true).await;
    let h = s
        .exemptions_by_letter
        .iter()
        .find(|l| l.letter == pb::ExemptionLetter::H as i32)
        .unwrap();
    assert_eq!(h.count, 1);
    assert_eq!((s.withholding_with_dik, s.withholding_unregistered), (1, 0));
    assert_eq!(
        (
            s.objections_filed,
            s.objections_answered,
            s.objections_answered_on_time,
            s.objections_overturned
        ),
        (1, 1, 1, 1)
    );
    // The overturn reopened the request: it counts as open again... with its notice kept.
    assert_eq!(s.decided, 1);
}

async fn bad_indicator_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let err = app
        .indicators
        .get_agency_statistics(pb::GetAgencyStatisticsRequest {
            agency: "kota".into(),
            period: None,
            include_sub_agencies: false,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["agency", "period"]);
    let err = app
        .indicators
        .get_agency_statistics(pb::GetAgencyStatisticsRequest {
            agency: "agencies/kota-serang".into(),
            period: range("2026-03-10", "2026-03-01"),
            include_sub_agencies: false,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["period.range.end_date"]);
    let err = app
        .indicators
        .get_agency_statistics(pb::GetAgencyStatisticsRequest {
            agency: "agencies/kota-serang".into(),
            period: year(1999),
            include_sub_agencies: false,
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["period.year"]);
    let err = app
        .indicators
        .get_ranking(pb::GetRankingRequest {
            comparison_group: "x".into(),
            parent: "agencies/kota-serang".into(),
            period: year(2026),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let err = app
        .indicators
        .get_ranking(pb::GetRankingRequest {
            comparison_group: "opd/nowhere".into(),
            period: year(2026),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = app
        .indicators
        .set_scoring_policy(pb::SetScoringPolicyRequest {
            policy: Some(pb::ScoringPolicy {
                year: 2026,
                components: vec![pb::ComponentWeight {
                    component: "happiness".into(),
                    weight: 1.0,
                }],
                min_sample: 0,
                band_thresholds: vec![90.0, 80.0],
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violations(&err),
        vec!["policy.components[0].component", "policy.band_thresholds"]
    );
    let p = app
        .indicators
        .get_scoring_policy(pb::GetScoringPolicyRequest { year: 2026 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p.version, 0, "nothing was stored; the default is served");
    assert_eq!(p.band_thresholds, vec![90.0, 80.0, 60.0, 40.0]);
    let _ = reason(&err);
}

/// Never answering must not score better than answering late (UU KIP Pasal
/// 22(7): an answer is due in 10 working days), and a rejection resting on a
/// DIK entry in force (Pasal 17) is lawful, not a failure to fulfil.
async fn silence_and_lawful_rejections(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    for opd in ["diam", "telat", "dik"] {
        app.opd(opd, "kota-serang").await;
    }
    app.indicators
        .set_scoring_policy(pb::SetScoringPolicyRequest {
            policy: Some(pb::ScoringPolicy {
                year: 2026,
                min_sample: 3,
                ..ppid_default_policy()
            }),
        })
        .await
        .unwrap();
    app.set_now("2026-04-01T02:00:00Z");
    // Received Monday 2 March 2026: due Monday 16 March.
    for _ in 0..3 {
        request(&mut app, "diam", "2026-03-02T02:00:00Z", None).await;
        request(
            &mut app,
            "telat",
            "2026-03-02T02:00:00Z",
            Some((Outcome::Granted, "2026-03-17T03:00:00Z")),
        )
        .await;
    }
    let r = ranking(&mut app, "kota-serang", 2026).await;
    let at = |id: &str| {
        r.entries
            .iter()
            .find(|e| e.agency == format!("agencies/{id}"))
            .unwrap()
            .clone()
    };
    let (diam, telat) = (at("diam"), at("telat"));
    assert!(diam.rank > 0, "silence is ranked, not 'insufficient data'");
    assert!(
        telat.rank < diam.rank,
        "a day late ({}) ranks above never answering ({})",
        telat.rank,
        diam.rank
    );
    assert!(telat.score.unwrap() > diam.score.unwrap());
    let e = app
        .indicators
        .explain_score(pb::ExplainScoreRequest {
            agency: "agencies/diam".into(),
            period: year(2026),
        })
        .await
        .unwrap()
        .into_inner();
    let timeliness = e
        .components
        .iter()
        .find(|c| c.component == "timeliness")
        .unwrap();
    assert_eq!(timeliness.score, Some(0.0));
    assert_eq!(
        timeliness.explanation,
        "3 of 3 requests due in the period were not answered by their due date \
         (0 answered late, 3 not answered yet)"
    );

    // Three granted, two rejected on a DIK entry in force: fulfilment 3 of 3.
    let dik = create(&mut app, "dik", entry(pb::ExemptionLetter::H, None)).await;
    for i in 0..5 {
        let r = app.submit("dik", "2026-03-02T02:00:00Z").await;
        let notice = if i < 3 {
            pb::Notice {
                outcome: Outcome::Granted as i32,
                notice_text: "Diberikan".into(),
                notice_time: Some(ts("2026-03-04T03:00:00Z")),
                ..Default::default()
            }
        } else {
            pb::Notice {
                outcome: Outcome::Rejected as i32,
                notice_text: "Ditolak: informasi yang dikecualikan".into(),
                notice_time: Some(ts("2026-03-04T03:00:00Z")),
                exemptions: vec![dik.name.clone()],
                ..Default::default()
            }
        };
        app.requests
            .respond_request(pb::RespondRequestRequest {
                name: r.name,
                notice: Some(notice),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let e = app
        .indicators
        .explain_score(pb::ExplainScoreRequest {
            agency: "agencies/dik".into(),
            period: year(2026),
        })
        .await
        .unwrap()
        .into_inner();
    let fulfilment = e
        .components
        .iter()
        .find(|c| c.component == "fulfilment")
        .unwrap();
    assert_eq!(fulfilment.score, Some(100.0));
    assert_eq!(fulfilment.sample, 3, "the lawful rejections are not judged");
    assert_eq!(fulfilment.inputs["lawful_rejections"], 2.0);
}

/// The service's default policy as sent over the wire.
fn ppid_default_policy() -> pb::ScoringPolicy {
    pb::ScoringPolicy {
        year: 2026,
        components: [
            ("timeliness", 30.0),
            ("fulfilment", 20.0),
            ("speed", 15.0),
            ("exemption_discipline", 15.0),
            ("objection_outcomes", 10.0),
            ("backlog", 10.0),
        ]
        .into_iter()
        .map(|(c, w)| pb::ComponentWeight {
            component: c.into(),
            weight: w,
        })
        .collect(),
        min_sample: 10,
        speed_zero_days: 20.0,
        band_thresholds: vec![90.0, 80.0, 60.0, 40.0],
        ..Default::default()
    }
}
