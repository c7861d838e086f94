//! The full annual report (#22.5): the parts an office writes by hand,
//! recorded per agency and year; the due date; publishing, after which the
//! report is public and no longer changes; bad input, nothing written.
use std::sync::Arc;

use ppid::{
    clock::ManualClock,
    pb::ppid::v1::{self as pb},
    report::{
        render,
        texts::{Header, Lang},
    },
    store::{self, StoreSettings},
};
use tonic::Code;

use crate::{
    exemptions::date,
    helpers::{Backend, TestApp, api_key, day, reason, spawn_app, violations, with},
    on_both_backends,
};

on_both_backends!(narratives_and_publication, narrative_bad_input);

fn narrative(year: i32) -> pb::ReportNarrative {
    pb::ReportNarrative {
        agency: "agencies/kota-serang".into(),
        year,
        profile: "PPID Utama Kota Serang ditetapkan dengan Keputusan Wali Kota.\nKebijakan: SOP layanan informasi 2026.".into(),
        facilities: "Meja layanan informasi di Puspemkot dan laman ppid.serangkota.go.id.".into(),
        staff: "Empat petugas layanan informasi, dua di antaranya bersertifikat.".into(),
        budget: "Rp 150.000.000 dari APBD 2026 untuk layanan informasi.".into(),
        obstacles: "Sebagian OPD belum memperbarui Daftar Informasi Publik.".into(),
        recommendations: "Pelatihan PPID Pelaksana pada triwulan I 2027.".into(),
        decisions_implementation: "Satu putusan Komisi Informasi dilaksanakan pada Mei 2026.".into(),
    }
}

async fn record(
    app: &mut TestApp,
    n: pb::ReportNarrative,
) -> Result<pb::ReportNarrative, tonic::Status> {
    app.reports
        .record_report_narrative(pb::RecordReportNarrativeRequest { narrative: Some(n) })
        .await
        .map(|r| r.into_inner())
}

async fn get(app: &mut TestApp, year: i32) -> pb::AnnualReport {
    app.reports
        .get_annual_report(pb::GetAnnualReportRequest {
            agency: "agencies/kota-serang".into(),
            year,
        })
        .await
        .unwrap()
        .into_inner()
}

async fn narratives_and_publication(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-06-01T02:00:00Z");

    // Recorded, then replaced; the report carries it with its due date.
    record(
        &mut app,
        pb::ReportNarrative {
            budget: "draf".into(),
            ..narrative(2026)
        },
    )
    .await
    .unwrap();
    let saved = record(&mut app, narrative(2026)).await.unwrap();
    assert_eq!(saved, narrative(2026));
    let r = get(&mut app, 2026).await;
    assert_eq!(r.narrative, Some(narrative(2026)));
    assert_eq!(day(&r.due_date), "2027-03-31");
    assert!(!r.published);
    assert_eq!(get(&mut app, 2025).await.narrative, None, "per year");

    // Not before the year has ended.
    let err = app
        .reports
        .publish_annual_report(pb::PublishAnnualReportRequest {
            agency: "agencies/kota-serang".into(),
            year: 2026,
            sent_to_ki_date: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "YEAR_NOT_ENDED");

    // Published in February 2027, sent to the KI two days later.
    app.set_now("2027-02-10T02:00:00Z");
    let published = app
        .reports
        .publish_annual_report(pb::PublishAnnualReportRequest {
            agency: "agencies/kota-serang".into(),
            year: 2026,
            sent_to_ki_date: Some(date("2027-02-12")),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(published.published);
    assert_eq!(day(&published.sent_to_ki_date), "2027-02-12");
    assert_eq!(published.narrative, Some(narrative(2026)));
    assert_eq!(published.total.as_ref().unwrap().received, 1);
    let again = app
        .reports
        .publish_annual_report(pb::PublishAnnualReportRequest {
            agency: "agencies/kota-serang".into(),
            year: 2026,
            sent_to_ki_date: None,
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    assert_eq!(reason(&again), "REPORT_ALREADY_PUBLISHED");

    // A published report does not change: its narrative is refused, and
    // a request entered late for 2026 does not move its figures.
    let err = record(
        &mut app,
        pb::ReportNarrative {
            budget: "diubah".into(),
            ..narrative(2026)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "REPORT_PUBLISHED");
    app.submit("kota-serang", "2026-12-30T02:00:00Z").await;
    assert_eq!(
        get(&mut app, 2026).await,
        published,
        "the report as published"
    );

    // Public by law: read without a key once published; an unpublished
    // year needs a key with the figures role.
    let operator = api_key(&app, None, pb::api_key::Role::Admin, "").await;
    let superior = api_key(
        &app,
        Some(&operator),
        pb::api_key::Role::Superior,
        "kota-serang",
    )
    .await;
    let reader = api_key(&app, Some(&operator), pb::api_key::Role::Reader, "").await;
    assert_eq!(get(&mut app, 2026).await, published, "keyless");
    let ask = |year| pb::GetAnnualReportRequest {
        agency: "agencies/kota-serang".into(),
        year,
    };
    let err = app.reports.get_annual_report(ask(2025)).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let err = app
        .reports
        .get_annual_report(with(ask(2025), &superior))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    app.reports
        .get_annual_report(with(ask(2025), &reader))
        .await
        .unwrap();
    let ok = app
        .reports
        .get_annual_report(with(ask(2026), &superior))
        .await
        .unwrap()
        .into_inner();
    assert!(ok.published);

    // The document: the written parts in their places, the due date and
    // the publication in Indonesian.
    let reporter = ppid::app::App::new(
        store::connect(app.database_url(), StoreSettings::default())
            .await
            .unwrap(),
        Arc::new(ManualClock::new("2027-02-15T02:00:00Z".parse().unwrap())),
    );
    let report = reporter.annual_report("kota-serang", 2026).await.unwrap();
    let mut html = Vec::new();
    render::render(
        &report,
        render::Format::Html,
        Lang::Id,
        Header::Labels,
        &mut html,
    )
    .unwrap();
    let html = String::from_utf8(html).unwrap();
    for s in [
        "Profil dan kebijakan PPID",
        "Kebijakan: SOP layanan informasi 2026.",
        "Sarana dan prasarana layanan informasi",
        "Sumber daya manusia",
        "Rp 150.000.000 dari APBD 2026",
        "Kendala",
        "Rekomendasi dan rencana tindak lanjut",
        "Pelaksanaan putusan keberatan dan sengketa informasi",
        "paling lambat 31 Maret 2027",
        "Dipublikasikan 10 Februari 2027.",
        "Disampaikan kepada Komisi Informasi 12 Februari 2027.",
    ] {
        assert!(html.contains(s), "{s:?} missing");
    }
    let profile = html.find("Profil dan kebijakan PPID").unwrap();
    let figures = html.find("Ringkasan").unwrap();
    let obstacles = html.find("<h2>Kendala</h2>").unwrap();
    assert!(
        profile < figures && figures < obstacles,
        "in the report's order"
    );
    let mut md = Vec::new();
    render::render(
        &report,
        render::Format::Markdown,
        Lang::En,
        Header::Labels,
        &mut md,
    )
    .unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.contains("## Budget") && md.contains("due by 31 March 2027"),
        "{md}"
    );

    // Unwritten parts say so; a report past its due date unpublished too.
    let late = reporter.annual_report("kota-serang", 2025).await.unwrap();
    let mut html = Vec::new();
    render::render(
        &late,
        render::Format::Html,
        Lang::Id,
        Header::Labels,
        &mut html,
    )
    .unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("(belum diisi)"));
    assert!(html.contains("Belum dipublikasikan. Batas waktu penyampaian telah lewat."));
}

async fn narrative_bad_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let err = app
        .reports
        .record_report_narrative(pb::RecordReportNarrativeRequest { narrative: None })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["narrative"]);
    let err = record(
        &mut app,
        pb::ReportNarrative {
            agency: "kota serang".into(),
            year: 1999,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&err),
        vec!["narrative.agency", "narrative.year", "narrative"]
    );
    let err = record(
        &mut app,
        pb::ReportNarrative {
            budget: "x".repeat(20_001),
            ..narrative(2026)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(violations(&err), vec!["narrative.budget"]);
    let err = record(
        &mut app,
        pb::ReportNarrative {
            agency: "agencies/nowhere".into(),
            ..narrative(2026)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    // Nothing was written.
    assert_eq!(get(&mut app, 2026).await.narrative, None);
    let err = app
        .reports
        .publish_annual_report(pb::PublishAnnualReportRequest {
            agency: String::new(),
            year: 0,
            sent_to_ki_date: Some(ppid::pb::google::r#type::Date {
                year: 2027,
                month: 2,
                day: 30,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["agency", "year", "sent_to_ki_date"]);
}
