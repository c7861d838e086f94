//! ListRequests: filters, stable order, paging.
use ppid::pb::ppid::v1::{self as pb, information_request::State};
use tonic::Code;

use crate::{
    helpers::{Backend, spawn_app, ts, violations},
    on_both_backends,
};

on_both_backends!(filters_and_order, paging_is_stable, bad_list_input);

async fn names(app: &mut crate::helpers::TestApp, req: pb::ListRequestsRequest) -> Vec<String> {
    app.requests
        .list_requests(req)
        .await
        .unwrap()
        .into_inner()
        .requests
        .into_iter()
        .map(|r| r.registration_number)
        .collect()
}

async fn filters_and_order(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("bappeda", "kota-serang").await;
    app.pemda("kab-lebak").await;
    app.set_now("2026-03-20T02:00:00Z");
    let a = app.submit("dinkes", "2026-02-02T02:00:00Z").await; // due 18 Feb (16 Feb cuti bersama, 17 Feb Imlek): overdue
    let b = app.submit("bappeda", "2026-03-02T02:00:00Z").await; // due 16 March -> overdue
    let c = app.submit("kota-serang", "2026-03-10T02:00:00Z").await; // due 31 March
    let d = app.submit("kab-lebak", "2026-03-11T02:00:00Z").await;
    app.requests
        .withdraw_request(pb::WithdrawRequestRequest {
            name: b.name.clone(),
            ..Default::default()
        })
        .await
        .unwrap();

    let all = names(&mut app, pb::ListRequestsRequest::default()).await;
    assert_eq!(
        all,
        [&d, &c, &b, &a].map(|r| r.registration_number.clone()),
        "newest receipt first"
    );

    let subtree = names(
        &mut app,
        pb::ListRequestsRequest {
            agency: "agencies/kota-serang".into(),
            include_sub_agencies: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(subtree, [&c, &b, &a].map(|r| r.registration_number.clone()));
    let own = names(
        &mut app,
        pb::ListRequestsRequest {
            agency: "agencies/kota-serang".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(own, vec![c.registration_number.clone()]);

    let pending = names(
        &mut app,
        pb::ListRequestsRequest {
            agency: "agencies/kota-serang".into(),
            include_sub_agencies: true,
            states: vec![State::Pending as i32],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(pending, [&c, &a].map(|r| r.registration_number.clone()));

    let march = names(
        &mut app,
        pb::ListRequestsRequest {
            receive_time_start: Some(ts("2026-03-02T02:00:00Z")),
            receive_time_end: Some(ts("2026-03-11T02:00:00Z")),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        march,
        [&c, &b].map(|r| r.registration_number.clone()),
        "start inclusive, end exclusive"
    );

    let overdue = app
        .requests
        .list_requests(pb::ListRequestsRequest {
            overdue_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .requests;
    assert_eq!(overdue.len(), 1, "the withdrawn one is not overdue");
    assert_eq!(overdue[0].name, a.name);
    assert!(overdue[0].overdue);
}

async fn paging_is_stable(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.set_now("2026-03-05T00:00:00Z");
    // Several requests share one receipt time: the id breaks the tie.
    let mut expected = Vec::new();
    for i in 0..11 {
        let t = if i % 3 == 0 {
            "2026-03-02T02:00:00Z".to_string()
        } else {
            format!("2026-02-{:02}T02:00:00Z", 10 + i)
        };
        expected.push(app.submit("kota-serang", &t).await.name);
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = app
            .requests
            .list_requests(pb::ListRequestsRequest {
                page_size: 4,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        seen.extend(page.requests.into_iter().map(|r| r.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
        // A submission between pages does not disturb the pages after it.
        if pages == 1 {
            app.submit("kota-serang", "2026-03-04T00:00:00Z").await;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen.len(),
        11,
        "the request submitted after page 1 sorts before the cursor"
    );
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    let mut want = expected.clone();
    want.sort();
    assert_eq!(unique, want, "no row missing");
}

async fn bad_list_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    for i in 0..3 {
        app.submit("kota-serang", &format!("2026-02-0{}T02:00:00Z", i + 2))
            .await;
    }
    let page = app
        .requests
        .list_requests(pb::ListRequestsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    // The token belongs to another filter.
    let err = app
        .requests
        .list_requests(pb::ListRequestsRequest {
            page_size: 1,
            page_token: page.next_page_token.clone(),
            states: vec![State::Pending as i32],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violations(&err), vec!["page_token"]);

    let err = app
        .requests
        .list_requests(pb::ListRequestsRequest {
            include_sub_agencies: true,
            states: vec![0, 77],
            receive_time_start: Some(ts("2026-03-02T02:00:00Z")),
            receive_time_end: Some(ts("2026-03-01T02:00:00Z")),
            page_size: -1,
            page_token: "garbage".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&err),
        vec![
            "include_sub_agencies",
            "states[0]",
            "states[1]",
            "receive_time_end",
            "page_size",
            "page_token"
        ]
    );
    let err = app
        .requests
        .list_requests(pb::ListRequestsRequest {
            agency: "agencies/unknown".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}
