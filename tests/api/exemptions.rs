//! ExemptionService (the DIK) and rejections that cite it.
use ppid::{
    pb::{
        google::r#type::Date,
        ppid::v1::{self as pb, ExemptionLetter as L, exemption::Status},
    },
    store::StoreSettings,
};
use tonic::Code;

use crate::{
    helpers::{Backend, TestApp, reason, spawn_app, spawn_app_with, submission, ts, violations},
    on_both_backends,
};

on_both_backends!(
    dik_register,
    dik_bad_input,
    rejections_cite_the_dik,
    unregistered_basis_when_allowed,
    pasal_18_conflicts
);

pub fn date(s: &str) -> Date {
    let d: jiff::civil::Date = s.parse().unwrap();
    Date {
        year: d.year().into(),
        month: d.month().into(),
        day: d.day().into(),
    }
}

/// A valid DIK entry under `letter`, decreed 5 January 2026.
pub fn entry(letter: L, end: Option<&str>) -> pb::Exemption {
    pb::Exemption {
        information: "Rekam medis pasien RSUD dr. Drajat Prawiranegara".into(),
        letter: letter as i32,
        harm: "Membuka rahasia pribadi pasien (riwayat penyakit)".into(),
        public_interest_test:
            "Perlindungan rahasia pribadi lebih besar daripada kepentingan membuka".into(),
        decree_number: "SK PPID Kota Serang No. 1 Tahun 2026".into(),
        decree_date: Some(date("2026-01-05")),
        end_date: end.map(date),
        decided_by: "PPID Utama Kota Serang".into(),
        other_law: if letter == L::J {
            "UU 27/2022 Pasal 4".into()
        } else {
            String::new()
        },
        ..Default::default()
    }
}

pub async fn create(app: &mut TestApp, agency: &str, e: pb::Exemption) -> pb::Exemption {
    app.exemptions
        .create_exemption(pb::CreateExemptionRequest {
            parent: format!("agencies/{agency}"),
            exemption: Some(e),
        })
        .await
        .expect("create exemption")
        .into_inner()
}

async fn dik_register(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("bappeda", "kota-serang").await;
    let pemda_h = create(&mut app, "kota-serang", entry(L::H, None)).await;
    let dinkes_a = create(&mut app, "dinkes", entry(L::A, Some("2026-12-31"))).await;
    let expired = create(&mut app, "dinkes", entry(L::C, Some("2026-02-28"))).await;
    let later = create(
        &mut app,
        "dinkes",
        pb::Exemption {
            start_date: Some(date("2026-06-01")),
            ..entry(L::I, None)
        },
    )
    .await;
    let bappeda = create(&mut app, "bappeda", entry(L::E, Some("2027-01-01"))).await;
    assert!(pemda_h.name.starts_with("agencies/kota-serang/exemptions/"));
    assert_eq!(pemda_h.status, Status::Active as i32);
    assert_eq!(expired.status, Status::Expired as i32);
    assert_eq!(later.status, Status::NotYetInForce as i32);
    assert_eq!(
        pemda_h.start_date,
        Some(date("2026-01-05")),
        "starts on the decree date by default"
    );

    let got = app
        .exemptions
        .get_exemption(pb::GetExemptionRequest {
            name: dinkes_a.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, dinkes_a);

    let list = |statuses: Vec<Status>, letter: L| pb::ListExemptionsRequest {
        parent: "agencies/dinkes".into(),
        statuses: statuses.into_iter().map(|s| s as i32).collect(),
        letter: letter as i32,
        ..Default::default()
    };
    let names = |r: pb::ListExemptionsResponse| {
        let mut v: Vec<String> = r.exemptions.into_iter().map(|e| e.name).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // Dinkes sees its own entries and its Pemda's, never Bappeda's.
    let all = names(
        app.exemptions
            .list_exemptions(list(vec![], L::Unspecified))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(
        all,
        sorted(vec![
            pemda_h.name.clone(),
            dinkes_a.name.clone(),
            expired.name.clone(),
            later.name.clone()
        ])
    );
    assert!(!all.contains(&bappeda.name));
    let active = names(
        app.exemptions
            .list_exemptions(list(vec![Status::Active], L::Unspecified))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(
        active,
        sorted(vec![pemda_h.name.clone(), dinkes_a.name.clone()])
    );
    let expired_only = names(
        app.exemptions
            .list_exemptions(list(vec![Status::Expired], L::Unspecified))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(expired_only, vec![expired.name.clone()]);
    let letter_h = names(
        app.exemptions
            .list_exemptions(list(vec![], L::H))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(letter_h, vec![pemda_h.name.clone()]);

    // Paging returns every entry once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = app
            .exemptions
            .list_exemptions(pb::ListExemptionsRequest {
                parent: "agencies/dinkes".into(),
                page_size: 1,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.exemptions.into_iter().map(|e| e.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(sorted(seen), all);

    // In force on a date, and for whom.
    let check = |name: &str, d: &str, citing: &str| pb::CheckExemptionRequest {
        name: name.into(),
        date: Some(date(d)),
        citing_agency: citing.into(),
    };
    let c = app
        .exemptions
        .check_exemption(check(&dinkes_a.name, "2026-12-31", ""))
        .await
        .unwrap()
        .into_inner();
    assert!(c.in_force);
    assert!(c.explanation.contains("2026-12-31"));
    let c = app
        .exemptions
        .check_exemption(check(&dinkes_a.name, "2027-01-01", ""))
        .await
        .unwrap()
        .into_inner();
    assert!(!c.in_force);
    assert_eq!(c.status, Status::Expired as i32);
    let c = app
        .exemptions
        .check_exemption(check(&pemda_h.name, "2026-03-02", "agencies/dinkes"))
        .await
        .unwrap()
        .into_inner();
    assert!(c.in_force, "a Pemda's entry covers its OPDs");
    let c = app
        .exemptions
        .check_exemption(check(&dinkes_a.name, "2026-03-02", "agencies/bappeda"))
        .await
        .unwrap()
        .into_inner();
    assert!(!c.in_force, "an OPD's entry does not cover a sibling");

    let revoked = app
        .exemptions
        .revoke_exemption(pb::RevokeExemptionRequest {
            name: dinkes_a.name.clone(),
            reason: "SK pencabutan No. 7/2026".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(revoked.status, Status::Revoked as i32);
    assert_eq!(revoked.revoke_reason, "SK pencabutan No. 7/2026");
    let again = app
        .exemptions
        .revoke_exemption(pb::RevokeExemptionRequest {
            name: dinkes_a.name.clone(),
            reason: "lagi".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&again), "ALREADY_REVOKED");
    let missing = app
        .exemptions
        .get_exemption(pb::GetExemptionRequest {
            name: format!(
                "agencies/bappeda/exemptions/{}",
                dinkes_a.name.rsplit('/').next().unwrap()
            ),
        })
        .await
        .unwrap_err();
    assert_eq!(
        missing.code(),
        Code::NotFound,
        "an entry is found only under its own agency"
    );
}

async fn dik_bad_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let cases: Vec<(&str, pb::Exemption, Vec<&str>)> = vec![
        (
            "a without an end",
            entry(L::A, None),
            vec!["exemption.end_date"],
        ),
        (
            "f without an end",
            entry(L::F, None),
            vec!["exemption.end_date"],
        ),
        (
            "end before the decree",
            entry(L::B, Some("2025-12-31")),
            vec!["exemption.end_date"],
        ),
        (
            "a period longer than 30 years (the default limit)",
            entry(L::A, Some("2056-01-06")),
            vec!["exemption.end_date"],
        ),
        (
            "j without the other law",
            pb::Exemption {
                other_law: String::new(),
                ..entry(L::J, None)
            },
            vec!["exemption.other_law"],
        ),
        (
            "other law on h",
            pb::Exemption {
                other_law: "UU 36/2009".into(),
                ..entry(L::H, None)
            },
            vec!["exemption.other_law"],
        ),
        (
            "start before the decree",
            pb::Exemption {
                start_date: Some(date("2026-01-01")),
                ..entry(L::H, None)
            },
            vec!["exemption.start_date"],
        ),
        (
            "no consequence test",
            pb::Exemption {
                harm: String::new(),
                public_interest_test: " ".into(),
                ..entry(L::H, None)
            },
            vec!["exemption.harm", "exemption.public_interest_test"],
        ),
        (
            "no letter, no decree",
            pb::Exemption {
                letter: 0,
                decree_number: String::new(),
                decree_date: None,
                ..entry(L::H, None)
            },
            vec![
                "exemption.letter",
                "exemption.decree_number",
                "exemption.decree_date",
            ],
        ),
        (
            "impossible date",
            pb::Exemption {
                end_date: Some(Date {
                    year: 2026,
                    month: 2,
                    day: 30,
                }),
                ..entry(L::A, None)
            },
            vec!["exemption.end_date"],
        ),
    ];
    for (what, e, fields) in cases {
        let err = app
            .exemptions
            .create_exemption(pb::CreateExemptionRequest {
                parent: "agencies/kota-serang".into(),
                exemption: Some(e),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{what}: {err:?}");
        assert_eq!(violations(&err), fields, "{what}");
    }
    let err = app
        .exemptions
        .create_exemption(pb::CreateExemptionRequest {
            parent: "agencies/nowhere".into(),
            exemption: Some(entry(L::H, None)),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let list = app
        .exemptions
        .list_exemptions(pb::ListExemptionsRequest {
            parent: "agencies/kota-serang".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(list.exemptions.is_empty(), "nothing was written");
    for name in [
        "",
        "agencies/kota-serang/exemptions/42",
        "exemptions/0b9a4f0e-8a4c-4e53-9d6b-3f0c3d1f4a11",
    ] {
        let err = app
            .exemptions
            .get_exemption(pb::GetExemptionRequest { name: name.into() })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{name:?}");
    }
}

fn rejection(cites: &[&str]) -> pb::Notice {
    pb::Notice {
        outcome: pb::notice::Outcome::Rejected as i32,
        notice_text: "Informasi yang Saudara minta termasuk informasi yang dikecualikan.".into(),
        exemptions: cites.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

async fn rejections_cite_the_dik(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.pemda("kab-lebak").await;
    let pemda_h = create(&mut app, "kota-serang", entry(L::H, None)).await;
    let dinkes_j = create(&mut app, "dinkes", entry(L::J, None)).await;
    let lebak = create(&mut app, "kab-lebak", entry(L::H, None)).await;
    let expired = create(&mut app, "dinkes", entry(L::C, Some("2026-02-28"))).await;
    let revoked = create(&mut app, "dinkes", entry(L::G, None)).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.exemptions
        .revoke_exemption(pb::RevokeExemptionRequest {
            name: revoked.name.clone(),
            reason: "Dicabut".into(),
        })
        .await
        .unwrap();
    let r = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-04T02:00:00Z");

    let refusals = [
        (vec![lebak.name.as_str()], "EXEMPTION_OF_ANOTHER_AGENCY"),
        (vec![expired.name.as_str()], "EXEMPTION_NOT_IN_FORCE"),
        (vec![revoked.name.as_str()], "EXEMPTION_NOT_IN_FORCE"),
        (
            vec![pemda_h.name.as_str(), lebak.name.as_str()],
            "EXEMPTION_OF_ANOTHER_AGENCY",
        ),
    ];
    for (cites, why) in refusals {
        let err = app
            .requests
            .respond_request(pb::RespondRequestRequest {
                name: r.name.clone(),
                notice: Some(rejection(&cites)),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition, "{cites:?}");
        assert_eq!(reason(&err), why, "{cites:?}: {}", err.message());
    }
    let unknown = format!("agencies/dinkes/exemptions/{}", uuid::Uuid::new_v4());
    let err = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(rejection(&[&unknown])),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(
        app.history(&r.name).await.len(),
        1,
        "no refusal wrote anything"
    );

    let answered = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(rejection(&[&pemda_h.name, &dinkes_j.name])),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let n = answered.notice.unwrap();
    assert_eq!(
        n.exemption_letters,
        vec![L::H as i32, L::J as i32],
        "the letters come from the cited entries"
    );
    assert!(!n.unregistered_exemption_basis);
    // Every citation leads back to its DIK entry and consequence test.
    for name in &n.exemptions {
        let e = app
            .exemptions
            .get_exemption(pb::GetExemptionRequest { name: name.clone() })
            .await
            .unwrap()
            .into_inner();
        assert!(!e.harm.is_empty() && !e.public_interest_test.is_empty());
        assert_eq!(e.citation_count, 1);
        assert!(n.exemption_letters.contains(&e.letter));
    }
    let h = app.history(&r.name).await;
    assert!(h[1].details["exemptions"].contains(&pemda_h.name));
    assert_eq!(h[1].details["exemption_letters"], "h,j");
}

async fn unregistered_basis_when_allowed(backend: Backend) {
    let settings = StoreSettings {
        allow_unregistered_exemption: true,
        ..StoreSettings::default()
    };
    let mut app = spawn_app_with(backend, settings).await;
    app.pemda("kota-serang").await;
    let r = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    let answered = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                exemption_letters: vec![L::I as i32],
                ..rejection(&[])
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let n = answered.notice.unwrap();
    assert!(n.unregistered_exemption_basis, "flagged for the figures");
    assert_eq!(n.exemption_letters, vec![L::I as i32]);
    assert!(n.exemptions.is_empty());
}

/// UU KIP Pasal 18: what can never be exempt does not enter the DIK; a
/// person's secrets are not withheld from a request that records a Pasal
/// 18(2) basis; a decree dated after a notice cannot support it.
async fn pasal_18_conflicts(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    let try_create = |category: pb::InformationCategory, letter: L| pb::CreateExemptionRequest {
        parent: "agencies/dinkes".into(),
        exemption: Some(pb::Exemption {
            category: category as i32,
            ..entry(letter, Some("2027-01-05"))
        }),
    };
    use pb::InformationCategory as C;
    for (category, letter) in [
        (C::Policy, L::I),
        (C::CourtDecision, L::A),
        (C::OpenedByObjectionOrDispute, L::H),
    ] {
        let err = app
            .exemptions
            .create_exemption(try_create(category, letter))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition, "{category:?}");
        assert_eq!(reason(&err), "NEVER_EXEMPT");
        assert!(
            err.message().contains("Pasal 18 ayat (1)"),
            "{}",
            err.message()
        );
    }
    let err = app
        .exemptions
        .create_exemption(try_create(C::PersonalData, L::C))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violations(&err), vec!["exemption.category"]);
    let listed = app
        .exemptions
        .list_exemptions(pb::ListExemptionsRequest {
            parent: "agencies/dinkes".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(listed.exemptions.is_empty(), "no refused entry was written");

    let personal = create(
        &mut app,
        "dinkes",
        pb::Exemption {
            category: C::PersonalData as i32,
            ..entry(L::H, None)
        },
    )
    .await;
    assert_eq!(personal.category, C::PersonalData as i32);
    let general = create(&mut app, "dinkes", entry(L::H, None)).await;
    assert_eq!(general.category, C::General as i32, "unset means general");

    // The requester asks for her own medical record.
    let mut own = submission("dinkes", "2026-03-02T02:00:00Z");
    own.request.as_mut().unwrap().personal_information_basis =
        pb::PersonalInformationBasis::OwnData as i32;
    let own = app.requests.submit_request(own).await.unwrap().into_inner();
    assert_eq!(
        own.personal_information_basis,
        pb::PersonalInformationBasis::OwnData as i32
    );
    let other = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-04T02:00:00Z");
    for cited in [&personal.name, &general.name] {
        let err = app
            .requests
            .respond_request(pb::RespondRequestRequest {
                name: own.name.clone(),
                notice: Some(rejection(&[cited])),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition);
        assert_eq!(reason(&err), "PASAL_18_CONFLICT", "{}", err.message());
        assert!(err.message().contains("the requester is the person"));
    }
    assert_eq!(app.history(&own.name).await.len(), 1, "nothing written");
    // The same entry still supports a refusal to anyone else.
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: other.name.clone(),
            notice: Some(rejection(&[&personal.name])),
            ..Default::default()
        })
        .await
        .expect("withheld from a third person");

    // A notice back-filed to 2 March 2026 cannot rest on a decree of
    // 3 March.
    let later = create(
        &mut app,
        "dinkes",
        pb::Exemption {
            decree_date: Some(date("2026-03-03")),
            ..entry(L::I, None)
        },
    )
    .await;
    let third = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    let err = app
        .requests
        .respond_request(pb::RespondRequestRequest {
            name: third.name.clone(),
            notice: Some(pb::Notice {
                notice_time: Some(ts("2026-03-02T08:00:00Z")),
                ..rejection(&[&later.name])
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "EXEMPTION_NOT_IN_FORCE");
    assert!(
        err.message().contains("after the notice"),
        "{}",
        err.message()
    );
}
