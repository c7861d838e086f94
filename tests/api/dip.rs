//! PublicInformationService (the DIP): entries, versions, coverage, the
//! computed indicators in the score, public reads, export, and where
//! requests and objections meet the DIP.
use ppid::pb::ppid::v1::{
    self as pb, ExemptionLetter as L, InformationKind as K, ObjectionGround as G,
    dip_entry::Status, item_coverage::State, notice::Outcome,
    public_information_service_client::PublicInformationServiceClient,
};
use tonic::{Code, Request};

use crate::{
    exemptions::{create, date, entry},
    helpers::{Backend, TestApp, api_key, reason, spawn_app, ts, violations, with},
    indicators::year,
    objections::{decide, file, rejected_request},
    on_both_backends,
};

on_both_backends!(
    dip_register_versions_and_public_reads,
    dip_coverage_feeds_the_score,
    dip_bad_input,
    dip_meets_requests_and_objections,
    dip_export_reads_as_a_page,
    a_granted_dispute_proposes_an_entry,
);

pub(crate) fn client(app: &TestApp) -> PublicInformationServiceClient<tonic::transport::Channel> {
    PublicInformationServiceClient::new(app.channel.clone())
}

/// The built-in checklist's obligatory items (code, kind).
pub(crate) async fn obligatory(app: &TestApp) -> Vec<(String, i32)> {
    client(app)
        .get_dip_checklist(pb::GetDipChecklistRequest { year: 2026 })
        .await
        .unwrap()
        .into_inner()
        .items
        .into_iter()
        .filter(|i| i.obligatory)
        .map(|i| (i.code, i.kind))
        .collect()
}

pub(crate) fn new_entry(summary: &str, kind: i32, items: &[&str]) -> pb::DipEntry {
    pb::DipEntry {
        summary: summary.into(),
        holding_unit: "Sekretariat Dinas Kesehatan".into(),
        responsible: "Kepala Dinas Kesehatan".into(),
        production_place: "Kota Serang".into(),
        softcopy: true,
        hardcopy: true,
        retention: "5 tahun".into(),
        kind,
        items: items.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

pub(crate) fn version(day: &str, url: &str) -> pb::DipVersion {
    pb::DipVersion {
        publish_date: Some(date(day)),
        url: url.into(),
        location: "Meja Layanan PPID, Jl. Jend. Sudirman No. 5".into(),
        ..Default::default()
    }
}

pub(crate) async fn add(
    app: &TestApp,
    agency: &str,
    e: pb::DipEntry,
    first: Option<pb::DipVersion>,
) -> Result<pb::DipEntry, tonic::Status> {
    client(app)
        .create_dip_entry(pb::CreateDipEntryRequest {
            parent: format!("agencies/{agency}"),
            entry: Some(e),
            first_version: first,
        })
        .await
        .map(|r| r.into_inner())
}

/// One entry per obligatory item, published on `day` online.
async fn full_dip(app: &TestApp, agency: &str, day: &str) -> Vec<pb::DipEntry> {
    let mut out = Vec::new();
    for (code, kind) in obligatory(app).await {
        out.push(
            add(
                app,
                agency,
                new_entry(&format!("Informasi {code}"), kind, &[&code]),
                Some(version(
                    day,
                    &format!("https://ppid.serangkota.go.id/{agency}/{code}"),
                )),
            )
            .await
            .unwrap(),
        );
    }
    out
}

async fn coverage(app: &TestApp, agency: &str, day: Option<&str>) -> pb::DipCoverage {
    client(app)
        .get_dip_coverage(pb::GetDipCoverageRequest {
            agency: format!("agencies/{agency}"),
            date: day.map(date),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn list(app: &TestApp, r: pb::ListDipEntriesRequest) -> pb::ListDipEntriesResponse {
    client(app).list_dip_entries(r).await.unwrap().into_inner()
}

async fn dip_register_versions_and_public_reads(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    // The Pemda's profile counts for its OPDs.
    let profil = add(
        &app,
        "kota-serang",
        new_entry(
            "Profil Pemerintah Kota Serang",
            K::Berkala as i32,
            &["berkala.profil"],
        ),
        Some(version("2026-01-10", "https://serangkota.go.id/profil")),
    )
    .await
    .unwrap();
    assert_eq!(profil.number, 1);
    assert_eq!(profil.status, Status::Published as i32);
    assert_eq!(
        profil.update_period_months, 6,
        "the law's longest by default"
    );
    assert_eq!(day_of(&profil.next_update_due), "2026-07-10");
    let lk = add(
        &app,
        "dinkes",
        pb::DipEntry {
            update_period_months: 3,
            ..new_entry(
                "Laporan realisasi anggaran Dinas Kesehatan triwulan IV 2025",
                K::Berkala as i32,
                &["berkala.laporan_keuangan"],
            )
        },
        Some(version(
            "2026-01-20",
            "https://ppid.serangkota.go.id/dinkes/lra-2025",
        )),
    )
    .await
    .unwrap();
    assert_eq!(lk.number, 1, "numbered in the agency's own DIP");
    // A proposed entry: recorded, not published.
    let draft = add(
        &app,
        "dinkes",
        new_entry(
            "SOP pelayanan vaksinasi",
            K::SetiapSaat as i32,
            &["setiap_saat.prosedur_kerja"],
        ),
        None,
    )
    .await
    .unwrap();
    assert_eq!(draft.status, Status::Proposed as i32);

    // A new version keeps the old one's date.
    app.set_now("2026-04-25T02:00:00Z");
    let stale = client(&app)
        .get_dip_entry(pb::GetDipEntryRequest {
            name: lk.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        stale.status,
        Status::OverdueForUpdate as i32,
        "period ran out on 20 April"
    );
    let listed = list(
        &app,
        pb::ListDipEntriesRequest {
            parent: "agencies/dinkes".into(),
            overdue_only: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        (listed.entries.len(), listed.overdue_count),
        (1, 1),
        "lists show what is overdue"
    );
    let v2 = client(&app)
        .publish_dip_version(pb::PublishDipVersionRequest {
            name: lk.name.clone(),
            version: Some(pb::DipVersion {
                note: "Triwulan I 2026".into(),
                ..version(
                    "2026-04-24",
                    "https://ppid.serangkota.go.id/dinkes/lra-2026-q1",
                )
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v2.status, Status::Published as i32);
    assert_eq!(
        v2.versions
            .iter()
            .map(|v| (v.number, day_of(&v.publish_date)))
            .collect::<Vec<_>>(),
        vec![(1, "2026-01-20".to_string()), (2, "2026-04-24".to_string())]
    );
    assert_eq!(day_of(&v2.next_update_due), "2026-07-24");

    // The OPD's DIP lists the Pemda's entries first; proposed ones only on
    // request.
    let all = list(
        &app,
        pb::ListDipEntriesRequest {
            parent: "agencies/dinkes".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        all.entries
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>(),
        vec![profil.name.clone(), lk.name.clone()]
    );
    let with_draft = list(
        &app,
        pb::ListDipEntriesRequest {
            parent: "agencies/dinkes".into(),
            include_proposed: true,
            page_size: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(with_draft.total_size, 3);
    assert_eq!(with_draft.entries.len(), 2);
    let page2 = list(
        &app,
        pb::ListDipEntriesRequest {
            parent: "agencies/dinkes".into(),
            include_proposed: true,
            page_size: 2,
            page_token: with_draft.next_page_token.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(page2.entries[0].name, draft.name);
    assert!(page2.next_page_token.is_empty());

    // Withdrawn: off the DIP from today.
    let w = client(&app)
        .withdraw_dip_entry(pb::WithdrawDipEntryRequest {
            name: profil.name.clone(),
            reason: "Diganti profil baru".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(w.status, Status::Withdrawn as i32);
    let e = client(&app)
        .publish_dip_version(pb::PublishDipVersionRequest {
            name: profil.name.clone(),
            version: Some(version("2026-04-25", "https://serangkota.go.id/profil")),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), reason(&e).as_str()),
        (Code::FailedPrecondition, "DIP_ENTRY_WITHDRAWN")
    );

    // Public by law: once keys exist, reads still need none; writes do.
    let admin = api_key(&app, None, pb::api_key::Role::Admin, "").await;
    let officer = api_key(&app, Some(&admin), pb::api_key::Role::Officer, "dinkes").await;
    let public = list(
        &app,
        pb::ListDipEntriesRequest {
            parent: "agencies/dinkes".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(public.entries.len(), 1);
    client(&app)
        .get_dip_entry(pb::GetDipEntryRequest {
            name: lk.name.clone(),
        })
        .await
        .expect("public read of an entry");
    let hidden = client(&app)
        .get_dip_entry(pb::GetDipEntryRequest {
            name: draft.name.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound, "a proposal is not public");
    let denied = client(&app)
        .list_dip_entries(pb::ListDipEntriesRequest {
            parent: "agencies/dinkes".into(),
            include_proposed: true,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    coverage(&app, "dinkes", None).await;
    let keyless = add(
        &app,
        "dinkes",
        new_entry("x", K::SetiapSaat as i32, &[]),
        Some(version("2026-04-25", "https://a.example/x")),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        keyless.code(),
        Code::Unauthenticated | Code::PermissionDenied
    ));
    let mut c = client(&app);
    let by_officer = c
        .list_dip_entries(with(
            pb::ListDipEntriesRequest {
                parent: "agencies/dinkes".into(),
                include_proposed: true,
                ..Default::default()
            },
            &officer,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_officer.entries.len(), 2, "the officer sees the proposal");
    let other = c
        .create_dip_entry(with(
            pb::CreateDipEntryRequest {
                parent: "agencies/kota-serang".into(),
                entry: Some(new_entry("x", K::SetiapSaat as i32, &[])),
                first_version: None,
            },
            &officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        other.code(),
        Code::PermissionDenied,
        "an OPD officer writes its own DIP"
    );
}

fn day_of(d: &Option<ppid::pb::google::r#type::Date>) -> String {
    crate::helpers::day(d)
}

/// A policy whose service score needs one written notice, with the KI's
/// items.
async fn small_sample_policy(app: &mut TestApp) {
    let mut p = app
        .indicators
        .get_scoring_policy(pb::GetScoringPolicyRequest { year: 2026 })
        .await
        .unwrap()
        .into_inner();
    p.min_sample = 1;
    app.indicators
        .set_scoring_policy(pb::SetScoringPolicyRequest { policy: Some(p) })
        .await
        .unwrap();
}

async fn answered(app: &mut TestApp, agency: &str) {
    let r = app.submit(agency, "2026-03-02T02:00:00Z").await;
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name,
            notice: Some(pb::Notice {
                outcome: Outcome::Granted as i32,
                notice_text: "Diberikan".into(),
                notice_time: Some(ts("2026-03-03T02:00:00Z")),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
}

async fn explain(app: &mut TestApp, agency: &str) -> pb::ScoreExplanation {
    app.indicators
        .explain_score(pb::ExplainScoreRequest {
            agency: format!("agencies/{agency}"),
            period: year(2026),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn dip_coverage_feeds_the_score(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("dishub", "kota-serang").await;
    app.opd("disdik", "kota-serang").await;
    small_sample_policy(&mut app).await;
    app.set_now("2026-03-10T02:00:00Z");
    for a in ["dinkes", "dishub", "disdik"] {
        answered(&mut app, a).await;
    }
    // Dinkes publishes everything; Dishub misses two items and lets one
    // berkala entry go stale; Disdik keeps no DIP here.
    full_dip(&app, "dinkes", "2026-02-02").await;
    let items = obligatory(&app).await;
    let n = items.len() as f64;
    for (code, kind) in &items {
        if code == "berkala.pengadaan" || code == "setiap_saat.penelitian" {
            continue;
        }
        let day = if code == "berkala.kinerja" {
            "2025-06-30"
        } else {
            "2026-02-02"
        };
        let url = if code.starts_with("berkala") {
            format!("https://dishub.serangkota.go.id/{code}")
        } else {
            String::new()
        };
        add(
            &app,
            "dishub",
            new_entry(&format!("Informasi {code}"), *kind, &[code]),
            Some(version(day, &url)),
        )
        .await
        .unwrap();
    }

    let full = coverage(&app, "dinkes", None).await;
    assert_eq!(full.jenis_informasi, 100.0);
    assert_eq!(full.digitalisasi, 100.0);
    assert!(full.items.iter().all(|i| i.state == State::Covered as i32));

    let partial = coverage(&app, "dishub", None).await;
    let want = 100.0 * (n - 2.0 - 0.5) / n;
    assert!(
        (partial.jenis_informasi - want).abs() < 1e-9,
        "{}",
        partial.jenis_informasi
    );
    let missing: Vec<&str> = partial
        .items
        .iter()
        .filter(|i| i.state == State::Missing as i32)
        .map(|i| i.item.as_ref().unwrap().code.as_str())
        .collect();
    assert_eq!(missing, vec!["berkala.pengadaan", "setiap_saat.penelitian"]);
    assert_eq!(partial.stale_entries.len(), 1);
    assert_eq!(day_of(&partial.stale_entries[0].due_date), "2025-12-30");
    let online = items
        .iter()
        .filter(|(c, _)| c.starts_with("berkala"))
        .count() as i64
        - 1;
    assert_eq!(
        (partial.published_entries, partial.online_entries),
        (n as i64 - 2, online)
    );
    // Judged on an earlier day, before the entries existed: nothing kept.
    assert!(!coverage(&app, "dishub", Some("2025-06-29")).await.kept);

    // The figures show what is missing and overdue.
    let f = crate::indicators::stats(&mut app, "dishub", year(2026), false).await;
    let d = f.dip.expect("dishub keeps its DIP here");
    assert_eq!(
        (d.overdue_entries, d.missing_items, d.obligatory_items),
        (1, 2, n as i64)
    );
    assert!(
        crate::indicators::stats(&mut app, "disdik", year(2026), false)
            .await
            .dip
            .is_none()
    );

    // The score: computed items beside the service item, indicative.
    let e = explain(&mut app, "dinkes").await;
    let jenis = e
        .items
        .iter()
        .find(|i| i.item == "jenis_informasi")
        .unwrap();
    assert_eq!((jenis.score, jenis.source.as_str()), (100.0, "computed"));
    assert!(e.band_indicative, "computed items are not the KI's verdict");
    let e = explain(&mut app, "dishub").await;
    let jenis = e
        .items
        .iter()
        .find(|i| i.item == "jenis_informasi")
        .unwrap();
    assert!((jenis.score - want).abs() < 1e-9);
    assert_eq!(jenis.source, "computed");
    for named in [
        "berkala.pengadaan",
        "setiap_saat.penelitian",
        "berkala.kinerja",
    ] {
        assert!(jenis.explanation.contains(named), "{}", jenis.explanation);
    }
    let digital = e.items.iter().find(|i| i.item == "digitalisasi").unwrap();
    assert_eq!(digital.source, "computed");
    assert!((digital.score - 100.0 * online as f64 / (n - 2.0)).abs() < 1e-9);
    let service = e.service_score.unwrap();
    let expected = (40.0 * want + 20.0 * digital.score + 10.0 * service) / 70.0;
    assert!(
        (e.score.unwrap() - expected).abs() < 1e-6,
        "{:?} vs {expected}",
        e.score
    );
    // Without a DIP kept here, the service score alone.
    let e = explain(&mut app, "disdik").await;
    assert!(e.items.is_empty());
    assert_eq!(e.score, e.service_score);

    // The KI's assessment overrides the computed value for its items.
    app.indicators
        .record_assessment(pb::RecordAssessmentRequest {
            agency: "agencies/dishub".into(),
            year: 2026,
            items: [("jenis_informasi".to_string(), 70.0)]
                .into_iter()
                .collect(),
        })
        .await
        .unwrap();
    let e = explain(&mut app, "dishub").await;
    let jenis = e
        .items
        .iter()
        .find(|i| i.item == "jenis_informasi")
        .unwrap();
    assert_eq!((jenis.score, jenis.source.as_str()), (70.0, "assessment"));
    let digital = e.items.iter().find(|i| i.item == "digitalisasi").unwrap();
    assert_eq!(digital.source, "computed", "the assessment is silent on it");
    assert!(!e.band_indicative);

    // Rankings use the same scores.
    let ranking = app
        .indicators
        .get_ranking(pb::GetRankingRequest {
            parent: "agencies/kota-serang".into(),
            period: year(2026),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let dinkes = ranking
        .entries
        .iter()
        .find(|e| e.agency == "agencies/dinkes")
        .unwrap();
    let explained = explain(&mut app, "dinkes").await;
    assert_eq!(dinkes.score, explained.score);
    assert!(dinkes.band_indicative);

    // A DIP change shows at the next read (the computed items are kept
    // only while the DIP stands still).
    let before = explain(&mut app, "dishub").await;
    let digital = |e: &pb::ScoreExplanation| {
        e.items
            .iter()
            .find(|i| i.item == "digitalisasi")
            .unwrap()
            .score
    };
    add(
        &app,
        "dishub",
        new_entry(
            "Pengumuman pengadaan 2026",
            K::Berkala as i32,
            &["berkala.pengadaan"],
        ),
        Some(version(
            "2026-03-09",
            "https://dishub.serangkota.go.id/pengadaan",
        )),
    )
    .await
    .unwrap();
    let after = explain(&mut app, "dishub").await;
    assert!(digital(&after) > digital(&before));
    let why = &after
        .items
        .iter()
        .find(|i| i.item == "digitalisasi")
        .unwrap()
        .explanation;
    assert!(
        why.contains(&format!("{} of {}", online + 1, n as i64 - 1)),
        "{why}"
    );
}

async fn dip_bad_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    let berkala = || new_entry("Laporan kinerja", K::Berkala as i32, &["berkala.kinerja"]);
    let cases: Vec<(pb::DipEntry, Option<pb::DipVersion>, &str)> = vec![
        (
            new_entry("x", K::Berkala as i32, &["berkala.tidak_ada"]),
            None,
            "entry.items[0]",
        ),
        (
            new_entry("x", K::Berkala as i32, &["setiap_saat.dip"]),
            None,
            "entry.items[0]",
        ),
        (
            pb::DipEntry {
                update_period_months: 7,
                ..berkala()
            },
            None,
            "entry.update_period_months",
        ),
        (
            berkala(),
            Some(version("2026-02-01", "ftp://ppid.example.go.id/kinerja")),
            "first_version.url",
        ),
        (
            berkala(),
            Some(version("2026-02-01", "javascript:alert(1)")),
            "first_version.url",
        ),
        (
            berkala(),
            Some(version("2026-03-03", "https://a.example/k")),
            "first_version.publish_date",
        ),
        (
            new_entry("Banjir", K::SertaMerta as i32, &[]),
            None,
            "entry.event_date",
        ),
        (
            pb::DipEntry {
                kind: 0,
                ..berkala()
            },
            None,
            "entry.kind",
        ),
        (
            pb::DipEntry {
                summary: String::new(),
                ..berkala()
            },
            None,
            "entry.summary",
        ),
    ];
    for (e, v, field) in cases {
        let err = add(&app, "dinkes", e, v).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{field}: {err:?}");
        assert!(
            violations(&err).contains(&field.to_string()),
            "{field}: {err:?}"
        );
    }
    // A version dated before the previous one.
    let e = add(
        &app,
        "dinkes",
        berkala(),
        Some(version("2026-02-10", "https://a.example/k")),
    )
    .await
    .unwrap();
    let err = client(&app)
        .publish_dip_version(pb::PublishDipVersionRequest {
            name: e.name.clone(),
            version: Some(version("2026-02-09", "https://a.example/k2")),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(
        err.message().contains("version.publish_date"),
        "{}",
        err.message()
    );
    // Exempt and published: refused while the DIK entry is in force.
    let dik = create(&mut app, "dinkes", entry(L::H, None)).await;
    let err = add(
        &app,
        "dinkes",
        pb::DipEntry {
            exemption: dik.name.clone(),
            ..new_entry("Rekam medis", K::SetiapSaat as i32, &[])
        },
        Some(version("2026-03-02", "https://a.example/rm")),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.code(), reason(&err).as_str()),
        (Code::FailedPrecondition, "DIP_ENTRY_EXEMPT")
    );
    // Recorded unpublished, it still cannot be published.
    let linked = add(
        &app,
        "dinkes",
        pb::DipEntry {
            exemption: dik.name.clone(),
            ..new_entry("Rekam medis", K::SetiapSaat as i32, &[])
        },
        None,
    )
    .await
    .unwrap();
    let err = client(&app)
        .publish_dip_version(pb::PublishDipVersionRequest {
            name: linked.name.clone(),
            version: Some(version("2026-03-02", "https://a.example/rm")),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "DIP_ENTRY_EXEMPT");
    // Nothing of the refused calls was written.
    let all = list(
        &app,
        pb::ListDipEntriesRequest {
            parent: "agencies/dinkes".into(),
            include_proposed: true,
            include_withdrawn: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(all.total_size, 2);
    assert_eq!(all.entries[0].versions.len(), 1);
    assert_eq!(all.entries[1].status, Status::Proposed as i32);
    // A checklist without an article per item is refused.
    let err = client(&app)
        .set_dip_checklist(pb::SetDipChecklistRequest {
            checklist: Some(pb::DipChecklist {
                year: 2027,
                items: vec![pb::ChecklistItem {
                    code: "berkala.profil".into(),
                    kind: K::Berkala as i32,
                    obligatory: true,
                    title: "Profil".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert!(violations(&err).contains(&"checklist.items[0].basis".to_string()));
}

async fn dip_meets_requests_and_objections(backend: Backend) {
    let mut app = spawn_app(backend).await;
    // Kota Serang, a DIK entry, and a request rejected on 4 March.
    let rejected = rejected_request(&mut app).await;
    let published = add(
        &app,
        "kota-serang",
        new_entry(
            "Rencana kerja dan anggaran Pemerintah Kota Serang 2026",
            K::SetiapSaat as i32,
            &["setiap_saat.rencana_kerja"],
        ),
        Some(version("2026-02-02", "https://serangkota.go.id/rka-2026")),
    )
    .await
    .unwrap();

    // A request for what is already published: granted, delivered by
    // reference the same day.
    let r = app.submit("kota-serang", "2026-03-04T02:00:00Z").await;
    let done = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                outcome: Outcome::Granted as i32,
                notice_text: "Informasi telah tersedia di situs resmi.".into(),
                published_entry: published.name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.state, pb::information_request::State::Delivered as i32);
    let history = app.history(&r.name).await;
    let last = history.last().unwrap();
    assert!(
        last.summary.contains("Daftar Informasi Publik")
            || last.details.values().any(|v| v.contains(&published.name)),
        "{last:?}"
    );
    // Only a grant in full points to the DIP.
    let r2 = app.submit("kota-serang", "2026-03-04T02:00:00Z").await;
    let err = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r2.name.clone(),
            notice: Some(pb::Notice {
                outcome: Outcome::NotHeld as i32,
                notice_text: "x".into(),
                published_entry: published.name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["notice.published_entry"]);

    // Ground b cites the checklist item, or an entry, that was not published.
    let ground_b = |item: &str, entry: &str| pb::FileObjectionRequest {
        agency: "agencies/kota-serang".into(),
        grounds: vec![G::PeriodicNotProvided as i32],
        statement: "Laporan keuangan tidak diumumkan".into(),
        unpublished_information: "Ringkasan laporan keuangan 2025".into(),
        unpublished_item: item.into(),
        unpublished_dip_entry: entry.into(),
        ..Default::default()
    };
    let o = app
        .objections
        .file_objection(ground_b("berkala.laporan_keuangan", ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(o.unpublished_item, "berkala.laporan_keuangan");
    let err = app
        .objections
        .file_objection(ground_b("setiap_saat.rencana_kerja", ""))
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["unpublished_item"]);
    let err = app
        .objections
        .file_objection(ground_b("berkala.tidak_ada", ""))
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["unpublished_item"]);
    let err = app
        .objections
        .file_objection(ground_b("", &published.name))
        .await
        .unwrap_err();
    assert_eq!(
        violations(&err),
        vec!["unpublished_dip_entry"],
        "a setiap-saat entry is not periodic information"
    );
    // Overturned: publication ordered, proposed as berkala under the item.
    app.objections
        .decide_objection(decide(&o.name, pb::objection::Decision::Overturned, ""))
        .await
        .unwrap();

    // An overturned rejection opens the information: proposed for the DIP
    // as setiap saat (Pasal 11(2)).
    app.set_now("2026-03-09T02:00:00Z");
    let o2 = app
        .objections
        .file_objection(file(&rejected.name, &[G::Rejected]))
        .await
        .unwrap()
        .into_inner();
    app.objections
        .decide_objection(decide(&o2.name, pb::objection::Decision::Overturned, ""))
        .await
        .unwrap();
    let proposals: Vec<pb::DipEntry> = list(
        &app,
        pb::ListDipEntriesRequest {
            parent: "agencies/kota-serang".into(),
            include_proposed: true,
            ..Default::default()
        },
    )
    .await
    .entries
    .into_iter()
    .filter(|e| e.status == Status::Proposed as i32)
    .collect();
    assert_eq!(proposals.len(), 2, "{proposals:?}");
    let by_b = proposals.iter().find(|e| e.opened_by == o.name).unwrap();
    assert_eq!(
        (by_b.kind, by_b.items.clone()),
        (
            K::Berkala as i32,
            vec!["berkala.laporan_keuangan".to_string()]
        )
    );
    let opened = proposals.iter().find(|e| e.opened_by == o2.name).unwrap();
    assert_eq!(opened.kind, K::SetiapSaat as i32);
    assert_eq!(opened.items, vec!["setiap_saat.dibuka_keberatan_sengketa"]);
    // The officer publishes it.
    let p = client(&app)
        .publish_dip_version(pb::PublishDipVersionRequest {
            name: opened.name.clone(),
            version: Some(version("2026-03-09", "https://serangkota.go.id/dibuka/1")),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p.status, Status::Published as i32);
}

async fn dip_export_reads_as_a_page(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    add(
        &app,
        "dinkes",
        new_entry(
            "Laporan realisasi anggaran 2025",
            K::Berkala as i32,
            &["berkala.laporan_keuangan"],
        ),
        Some(version(
            "2025-08-01",
            "https://ppid.serangkota.go.id/dinkes/lra",
        )),
    )
    .await
    .unwrap();
    add(
        &app,
        "dinkes",
        new_entry(
            "SOP layanan informasi",
            K::SetiapSaat as i32,
            &["setiap_saat.prosedur_kerja"],
        ),
        Some(version("2026-02-01", "")),
    )
    .await
    .unwrap();
    add(
        &app,
        "kota-serang",
        new_entry(
            "Profil Pemerintah Kota Serang: kedudukan, tugas dan fungsi, struktur organisasi",
            K::Berkala as i32,
            &["berkala.profil"],
        ),
        Some(version("2026-01-05", "https://serangkota.go.id/profil")),
    )
    .await
    .unwrap();
    add(
        &app,
        "dinkes",
        pb::DipEntry {
            event_date: Some(date("2026-02-26")),
            ..new_entry(
                "Peringatan kejadian luar biasa demam berdarah di Kecamatan Kasemen",
                K::SertaMerta as i32,
                &["serta_merta.ancaman"],
            )
        },
        Some(version(
            "2026-02-26",
            "https://ppid.serangkota.go.id/dinkes/klb-dbd",
        )),
    )
    .await
    .unwrap();
    let csv = client(&app)
        .export_dip(pb::ExportDipRequest {
            parent: "agencies/dinkes".into(),
            format: pb::export_dip_request::Format::Csv as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(csv.entry_count, 4);
    let text = String::from_utf8(csv.data).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let head: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(head[1], "Ringkasan Isi Informasi");
    assert_eq!(head[6], "Jangka Waktu Penyimpanan/Retensi Arsip");
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    // The Pemda's entry first, numbered as its own.
    assert_eq!(&records[0][0], "KOTA-SERANG-1");
    assert_eq!(&records[1][7], "Berkala");
    assert!(
        records[1][10].starts_with("TERLAMBAT"),
        "{:?}",
        &records[1][10]
    );
    assert!(records[1][8].contains("Pasal 9"), "{:?}", &records[1][8]);
    assert_eq!(&records[2][7], "Setiap saat");
    assert_eq!(&records[3][7], "Serta-merta");

    let html = client(&app)
        .export_dip(pb::ExportDipRequest {
            parent: "agencies/dinkes".into(),
            format: pb::export_dip_request::Format::Html as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(html.content_type.starts_with("text/html"));
    let page = String::from_utf8(html.data).unwrap();
    assert!(page.contains("Daftar Informasi Publik"));
    // For looking at it: PPID_TEST_SAVE_PAGES=dir keeps the page.
    if let Ok(dir) = std::env::var("PPID_TEST_SAVE_PAGES") {
        std::fs::write(format!("{dir}/dip-{}.html", app.port), &page).unwrap();
    }
    // As a person sees it: the page parses and shows its table, where a
    // browser is at hand.
    if let Some(chromium) = crate::browser_cors::chromium() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dip.html");
        std::fs::write(&file, &page).unwrap();
        let profile = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--dump-dom")
            .arg(format!("file://{}", file.display()))
            .output()
            .expect("run chromium");
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(dom.contains("<th>Ringkasan Isi Informasi</th>"), "{dom}");
        assert!(
            dom.contains("class=\"late\""),
            "the stale entry is marked: {dom}"
        );
        assert!(dom.contains("href=\"https://ppid.serangkota.go.id/dinkes/lra\""));
    }
    // English on request.
    let en = client(&app)
        .export_dip(pb::ExportDipRequest {
            parent: "agencies/dinkes".into(),
            format: pb::export_dip_request::Format::Html as i32,
            language_code: "en".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        String::from_utf8(en.data)
            .unwrap()
            .contains("List of Public Information")
    );
    let bad = client(&app)
        .export_dip(Request::new(pb::ExportDipRequest {
            parent: "agencies/dinkes".into(),
            language_code: "fr".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(violations(&bad), vec!["language_code"]);
}

/// A dispute the Komisi Informasi decides for the requester opens the
/// information: proposed for the DIP as setiap saat, naming the dispute.
async fn a_granted_dispute_proposes_an_entry(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let r = rejected_request(&mut app).await;
    app.set_now("2026-03-09T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::Rejected]))
        .await
        .unwrap()
        .into_inner();
    app.set_now("2026-03-10T02:00:00Z");
    app.objections
        .decide_objection(decide(
            &o.name,
            pb::objection::Decision::Upheld,
            "Rekam medis adalah rahasia pribadi (Pasal 17 huruf h).",
        ))
        .await
        .unwrap();
    let proposed = |app: &TestApp| {
        let app_channel = app.channel.clone();
        async move {
            PublicInformationServiceClient::new(app_channel)
                .list_dip_entries(pb::ListDipEntriesRequest {
                    parent: "agencies/kota-serang".into(),
                    include_proposed: true,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .entries
        }
    };
    assert!(
        proposed(&app).await.is_empty(),
        "an upheld answer opens nothing"
    );
    app.set_now("2026-03-20T02:00:00Z");
    let d = app
        .objections
        .file_dispute(pb::FileDisputeRequest {
            objection: o.name.clone(),
            file_time: Some(ts("2026-03-20T01:00:00Z")),
            commission_register_number: "REG/SENGKETA/KI-BANTEN/2026/013".into(),
        })
        .await
        .unwrap()
        .into_inner();
    app.set_now("2026-06-10T02:00:00Z");
    app.objections
        .record_dispute_step(pb::RecordDisputeStepRequest {
            name: d.name.clone(),
            step: Some(pb::DisputeStep {
                date: Some(date("2026-05-20")),
                step: Some(pb::dispute_step::Step::Hearing(
                    pb::dispute_step::Hearing::default(),
                )),
            }),
        })
        .await
        .unwrap();
    app.objections
        .record_dispute_outcome(pb::RecordDisputeOutcomeRequest {
            name: d.name.clone(),
            outcome: pb::dispute::Outcome::AdjudicationGranted as i32,
            decision_date: Some(date("2026-06-09")),
            decision_number: "002/KIP-BANTEN/2026".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let entries = proposed(&app).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].opened_by, d.name);
    assert_eq!(entries[0].kind, K::SetiapSaat as i32);
    assert_eq!(entries[0].status, Status::Proposed as i32);
}
