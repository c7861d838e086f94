//! What keeps one caller from exhausting the server (#25): failed
//! authentications limited per address, addresses behind a trusted proxy,
//! oversize figure ranges refused. Stalled exports and random tokens are
//! measured against a spawned server (`limits_process.rs`).
use ppid::{api::ServerSettings, pb::ppid::v1 as pb};
use tonic::{Code, Request};

use crate::{
    helpers::{Backend, TestApp, spawn_app_guarded, violations, with},
    on_both_backends,
};

on_both_backends!(
    failed_authentications_are_limited_per_address,
    a_trusted_proxy_names_the_client,
    oversize_ranges_are_refused
);

/// An operator key (ends open mode).
async fn operator(app: &mut TestApp) -> String {
    ppid::pb::ppid::v1::key_service_client::KeyServiceClient::new(app.channel.clone())
        .create_api_key(pb::CreateApiKeyRequest {
            api_key: Some(pb::ApiKey {
                display_name: "operator".into(),
                role: pb::api_key::Role::Admin as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .token
}

async fn get_agency(app: &mut TestApp, token: &str) -> Result<pb::Agency, tonic::Status> {
    app.agencies
        .get_agency(with(
            pb::GetAgencyRequest {
                name: "agencies/kota-serang".into(),
            },
            token,
        ))
        .await
        .map(|r| r.into_inner())
}

async fn failed_authentications_are_limited_per_address(backend: Backend) {
    let mut app = spawn_app_guarded(
        backend,
        ServerSettings {
            failed_auth_per_minute: 5,
            ..ServerSettings::default()
        },
    )
    .await;
    app.pemda("kota-serang").await;
    let good = operator(&mut app).await;
    get_agency(&mut app, &good)
        .await
        .expect("a known key works");
    for i in 0..5 {
        let err = get_agency(&mut app, &format!("ppid_0000_random-{i}"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "attempt {i}");
    }
    let err = get_agency(&mut app, "ppid_0000_random-5")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert!(
        err.message().contains("failed authentications"),
        "{}",
        err.message()
    );
    // The address is refused for a minute, new guesses included; a key
    // resolved before (cached) keeps working.
    let err = get_agency(&mut app, "ppid_0000_random-6")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    get_agency(&mut app, &good).await.expect("cached key");
}

async fn track(app: &mut TestApp, forwarded_for: &str) -> Code {
    let mut r = Request::new(pb::TrackRequestRequest {
        registration_number: "KOTA-SERANG/PPID/2026/999999".into(),
        tracking_code: "AAAA-BBBB-CCCC".into(),
    });
    r.metadata_mut()
        .insert("x-forwarded-for", forwarded_for.parse().unwrap());
    match app.requests.track_request(r).await {
        Ok(_) => Code::Ok,
        Err(e) => e.code(),
    }
}

async fn a_trusted_proxy_names_the_client(backend: Backend) {
    // Not trusted: X-Forwarded-For is the client's own claim and is
    // ignored, so every "client" shares the peer's bucket.
    let mut app = spawn_app_guarded(
        backend.clone(),
        ServerSettings {
            track_per_minute: 2,
            ..ServerSettings::default()
        },
    )
    .await;
    let codes = [
        track(&mut app, "203.0.113.1").await,
        track(&mut app, "203.0.113.2").await,
        track(&mut app, "203.0.113.3").await,
    ];
    assert_eq!(
        codes,
        [Code::NotFound, Code::NotFound, Code::ResourceExhausted]
    );
    // Behind a trusted proxy (the test client's 127.0.0.1) each citizen
    // has a bucket; a forged address prepended by the client is not used.
    let mut app = spawn_app_guarded(
        backend,
        ServerSettings {
            track_per_minute: 2,
            trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
            ..ServerSettings::default()
        },
    )
    .await;
    for _ in 0..2 {
        assert_eq!(track(&mut app, "203.0.113.1").await, Code::NotFound);
    }
    assert_eq!(
        track(&mut app, "203.0.113.1").await,
        Code::ResourceExhausted
    );
    assert_eq!(track(&mut app, "203.0.113.2").await, Code::NotFound);
    assert_eq!(
        track(&mut app, "198.51.100.9, 203.0.113.1").await,
        Code::ResourceExhausted,
        "the right-most untrusted address counts, not a forged one before it"
    );
}

async fn oversize_ranges_are_refused(backend: Backend) {
    let mut app = spawn_app_guarded(backend, ServerSettings::default()).await;
    app.pemda("kota-serang").await;
    let range = |start: &str, end: &str| pb::Period {
        kind: Some(pb::period::Kind::Range(pb::period::DateRange {
            start_date: Some(crate::exemptions::date(start)),
            end_date: Some(crate::exemptions::date(end)),
        })),
    };
    for (start, end) in [("2000-01-02", "2199-12-30"), ("2015-12-01", "2025-12-31")] {
        let err = app
            .indicators
            .get_ranking(pb::GetRankingRequest {
                parent: "agencies/kota-serang".into(),
                period: Some(range(start, end)),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{start}..{end}");
        assert_eq!(violations(&err), vec!["period.range"]);
        assert!(err.message().contains("spans at most"), "{}", err.message());
        let err = app
            .indicators
            .get_agency_statistics(pb::GetAgencyStatisticsRequest {
                agency: "agencies/kota-serang".into(),
                period: Some(range(start, end)),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    }
    // A year of days off the month boundaries is still served.
    app.indicators
        .get_agency_statistics(pb::GetAgencyStatisticsRequest {
            agency: "agencies/kota-serang".into(),
            period: Some(range("2026-01-02", "2027-01-02")),
            ..Default::default()
        })
        .await
        .expect("366 days");
}
