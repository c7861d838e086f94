//! AgencyService.
use ppid::pb::ppid::v1 as pb;
use tonic::Code;

use crate::{
    helpers::{Backend, reason, spawn_app, violations},
    on_both_backends,
};

on_both_backends!(
    create_get_list_update,
    agency_bad_input,
    agency_tree_rules,
    agency_paging
);

async fn create_get_list_update(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let serang = app.pemda("kota-serang").await;
    assert_eq!(serang.name, "agencies/kota-serang");
    assert_eq!(serang.time_zone, "Asia/Jakarta", "default zone is WIB");
    assert_eq!(serang.comparison_group, "pemda/root");
    assert_eq!(serang.pemda, "agencies/kota-serang");
    let dinkes = app.opd("dinkes-serang", "kota-serang").await;
    assert_eq!(dinkes.parent, "agencies/kota-serang");
    assert_eq!(dinkes.pemda, "agencies/kota-serang");
    assert_eq!(dinkes.comparison_group, "opd/kota-serang");

    let got = app
        .agencies
        .get_agency(pb::GetAgencyRequest {
            name: "agencies/dinkes-serang".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, dinkes);

    let children = app
        .agencies
        .list_agencies(pb::ListAgenciesRequest {
            parent: "agencies/kota-serang".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(children.agencies, vec![dinkes.clone()]);

    // Field mask: only the time zone changes.
    let updated = app
        .agencies
        .update_agency(pb::UpdateAgencyRequest {
            agency: Some(pb::Agency {
                name: dinkes.name.clone(),
                time_zone: "Asia/Makassar".into(),
                display_name: "ignored, not in the mask".into(),
                etag: dinkes.etag.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["time_zone".into()],
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.time_zone, "Asia/Makassar");
    assert_eq!(updated.display_name, dinkes.display_name);
    assert_ne!(updated.etag, dinkes.etag);

    // The old etag is stale now.
    let stale = app
        .agencies
        .update_agency(pb::UpdateAgencyRequest {
            agency: Some(pb::Agency {
                name: dinkes.name.clone(),
                display_name: "Dinas Kesehatan".into(),
                etag: dinkes.etag.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["display_name".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    let dup = app
        .agencies
        .create_agency(pb::CreateAgencyRequest {
            agency_id: "kota-serang".into(),
            agency: Some(pb::Agency {
                display_name: "Again".into(),
                kind: pb::agency::Kind::Pemda as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);
    assert_eq!(reason(&dup), "AGENCY_EXISTS");

    let missing = app
        .agencies
        .get_agency(pb::GetAgencyRequest {
            name: "agencies/nowhere".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

async fn agency_bad_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let cases: Vec<(&str, pb::CreateAgencyRequest, Vec<&str>)> = vec![
        (
            "empty",
            pb::CreateAgencyRequest::default(),
            vec!["agency_id", "agency"],
        ),
        (
            "bad id, no name, no kind",
            pb::CreateAgencyRequest {
                agency_id: "Kota Serang".into(),
                agency: Some(pb::Agency::default()),
            },
            vec!["agency_id", "agency.display_name", "agency.kind"],
        ),
        (
            "unknown zone and control characters",
            pb::CreateAgencyRequest {
                agency_id: "kab-lebak".into(),
                agency: Some(pb::Agency {
                    display_name: "Kabupaten\u{0007}Lebak".into(),
                    kind: pb::agency::Kind::Pemda as i32,
                    time_zone: "Asia/Serang".into(),
                    ..Default::default()
                }),
            },
            vec!["agency.display_name", "agency.time_zone"],
        ),
        (
            "oversized name, unknown kind",
            pb::CreateAgencyRequest {
                agency_id: "kab-lebak".into(),
                agency: Some(pb::Agency {
                    display_name: "x".repeat(201),
                    kind: 42,
                    ..Default::default()
                }),
            },
            vec!["agency.display_name", "agency.kind"],
        ),
        (
            "malformed parent",
            pb::CreateAgencyRequest {
                agency_id: "dinkes".into(),
                agency: Some(pb::Agency {
                    display_name: "Dinkes".into(),
                    kind: pb::agency::Kind::Opd as i32,
                    parent: "kota-serang".into(),
                    ..Default::default()
                }),
            },
            vec!["agency.parent"],
        ),
    ];
    for (what, req, fields) in cases {
        let err = app.agencies.create_agency(req).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{what}: {err:?}");
        assert_eq!(violations(&err), fields, "{what}");
    }
    let bad_mask = app
        .agencies
        .update_agency(pb::UpdateAgencyRequest {
            agency: Some(pb::Agency {
                name: "agencies/kota-serang".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["parent".into(), "colour".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_mask.code(), Code::InvalidArgument);
    assert_eq!(violations(&bad_mask), vec!["update_mask", "update_mask"]);

    // Nothing was written by any of them.
    let all = app
        .agencies
        .list_agencies(pb::ListAgenciesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.agencies.len(), 1);
    assert_eq!(all.agencies[0].display_name, "Agency kota-serang");
}

async fn agency_tree_rules(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    let cases = [
        (
            "opd-orphan",
            pb::agency::Kind::Opd,
            "",
            Code::InvalidArgument,
        ),
        (
            "opd-under-opd",
            pb::agency::Kind::Opd,
            "agencies/dinkes",
            Code::InvalidArgument,
        ),
        (
            "opd-unknown-parent",
            pb::agency::Kind::Opd,
            "agencies/kota-cilegon",
            Code::NotFound,
        ),
    ];
    for (id, kind, parent, code) in cases {
        let err = app
            .agencies
            .create_agency(pb::CreateAgencyRequest {
                agency_id: id.into(),
                agency: Some(pb::Agency {
                    display_name: id.into(),
                    kind: kind as i32,
                    parent: parent.into(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{id}: {err:?}");
    }
}

async fn agency_paging(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("p").await;
    for i in 0..7 {
        app.opd(&format!("opd-{i}"), "p").await;
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = app
            .agencies
            .list_agencies(pb::ListAgenciesRequest {
                page_size: 3,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.agencies.len() <= 3);
        seen.extend(page.agencies.into_iter().map(|a| a.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let mut expected: Vec<String> = (0..7).map(|i| format!("agencies/opd-{i}")).collect();
    expected.push("agencies/p".into());
    assert_eq!(seen, expected);
    let bad = app
        .agencies
        .list_agencies(pb::ListAgenciesRequest {
            page_token: "not-a-token".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert_eq!(violations(&bad), vec!["page_token"]);
}
