//! A commit that fails (the disk refused the write or its sync, injected
//! through the store's test switch) is never acknowledged. On SQLite it
//! stops writing for good: later writes are UNAVAILABLE, health turns
//! NOT_SERVING, reads go on, and a restarted server writes again. On
//! PostgreSQL the database decides durability: the failed group's callers
//! get UNAVAILABLE and the next write succeeds.
use ppid::{
    pb::ppid::v1 as pb,
    store::{FaultSwitch, StoreSettings},
};
use tonic::Code;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::{
    helpers::{Backend, TestApp, spawn_app_with, spawn_on, submission},
    on_both_backends,
};

on_both_backends!(a_failed_commit_is_never_acknowledged);

async fn serving(app: &TestApp, service: &str) -> i32 {
    HealthClient::new(app.channel.clone())
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status
}

async fn a_failed_commit_is_never_acknowledged(backend: Backend) {
    let postgres = matches!(backend, Backend::Postgres(_));
    let fault = FaultSwitch::default();
    let mut app = spawn_app_with(
        backend,
        StoreSettings {
            fault: Some(fault.clone()),
            ..StoreSettings::default()
        },
    )
    .await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    let first = app.submit("dinkes", "").await;

    fault.fail_next_commit();
    let lost = submission("dinkes", "");
    let err = app.requests.submit_request(lost.clone()).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    // Nothing of it was written.
    let err = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: format!("requests/{}", lost.request_id),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // Reads go on either way.
    let read = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: first.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.registration_number, first.registration_number);

    if postgres {
        assert_eq!(serving(&app, "").await, ServingStatus::Serving as i32);
        let again = app
            .requests
            .submit_request(lost)
            .await
            .unwrap()
            .into_inner();
        assert!(
            again.registration_number.ends_with("/000002"),
            "{}",
            again.registration_number
        );
        return;
    }

    // SQLite: writing stopped for good, and health says so.
    for _ in 0..50 {
        if serving(&app, "").await == ServingStatus::NotServing as i32 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(serving(&app, "").await, ServingStatus::NotServing as i32);
    assert_eq!(
        serving(&app, "ppid.v1.RequestService").await,
        ServingStatus::NotServing as i32
    );
    let err = app
        .requests
        .submit_request(submission("dinkes", ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    assert!(
        err.message().contains("stopped writing"),
        "{}",
        err.message()
    );
    let err = app
        .requests
        .extend_request(pb::ExtendRequestRequest {
            name: first.name.clone(),
            reason: "Dokumen tersebar di beberapa bidang".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);

    // A restarted server writes again; the lost call, retried, registers
    // once with the next number.
    let mut restarted = spawn_on(app.db(), StoreSettings::default()).await;
    assert_eq!(serving(&restarted, "").await, ServingStatus::Serving as i32);
    let again = restarted
        .requests
        .submit_request(lost)
        .await
        .unwrap()
        .into_inner();
    assert!(
        again.registration_number.ends_with("/000002"),
        "{}",
        again.registration_number
    );
    assert_eq!(restarted.all_requests().await.len(), 2);
    restarted.stop().await;
    app.stop().await;
}
