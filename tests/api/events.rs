//! The event feed for portals: ListEvents in commit order by subtree and
//! type, WatchEvents resuming across a server restart without loss or
//! duplicate, two servers on one database with concurrent writers, and the
//! deadline alerts sent once per request and deadline.
use std::time::Duration;

use ppid::{
    api::ServerSettings,
    pb::ppid::v1::{self as pb, ObjectionGround as G, event_service_client::EventServiceClient},
    store::StoreSettings,
};
use tonic::{Code, transport::Channel};

use crate::{
    helpers::{
        Backend, EMAIL, NIK, PHONE, TRACK_PER_MINUTE, TestApp, TestDb, api_key, day, spawn_on_with,
        submission, violations, with,
    },
    on_both_backends,
};

on_both_backends!(
    feed_in_commit_order_by_subtree_and_type,
    bad_feed_input_and_reach,
    watch_resumes_after_a_restart,
    two_servers_with_concurrent_writers,
    deadline_alerts_once_each
);

/// Server settings with alert rounds every `alerts`.
fn settings(alerts: Duration) -> ServerSettings {
    ServerSettings {
        track_per_minute: TRACK_PER_MINUTE,
        alert_interval: alerts,
        ..ServerSettings::default()
    }
}

/// No alert round after the first during a test that moves no clock.
const QUIET: Duration = Duration::from_secs(3600);

async fn spawn(backend: &Backend, alerts: Duration) -> TestApp {
    let db = std::sync::Arc::new(TestDb::new(backend).await);
    spawn_on_with(db, StoreSettings::default(), settings(alerts)).await
}

async fn agencies(app: &mut TestApp) {
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("bappeda", "kota-serang").await;
}

fn events(app: &TestApp) -> EventServiceClient<Channel> {
    EventServiceClient::new(app.channel.clone())
}

/// Every event after `after`, read in pages of `page`.
async fn list_all(
    client: &mut EventServiceClient<Channel>,
    base: pb::ListEventsRequest,
    page: i32,
) -> Vec<pb::Event> {
    let mut out = Vec::new();
    let mut after = base.after.clone();
    loop {
        let got = client
            .list_events(pb::ListEventsRequest {
                after: after.clone(),
                page_size: page,
                ..base.clone()
            })
            .await
            .unwrap()
            .into_inner();
        if got.events.is_empty() {
            assert_eq!(got.next_cursor, after, "an empty page keeps the cursor");
            return out;
        }
        assert_eq!(got.next_cursor, got.events.last().unwrap().cursor);
        after = got.next_cursor;
        out.extend(got.events);
    }
}

fn cursors(es: &[pb::Event]) -> Vec<String> {
    es.iter().map(|e| e.cursor.clone()).collect()
}

/// The next event of a watch, failing the test after 20 s.
async fn next(stream: &mut tonic::Streaming<pb::Event>) -> pb::Event {
    tokio::time::timeout(Duration::from_secs(20), stream.message())
        .await
        .expect("an event within 20 s")
        .expect("the stream goes on")
        .expect("an event")
}

/// No event arrives for a while (nothing repeated).
async fn quiet(stream: &mut tonic::Streaming<pb::Event>) {
    if let Ok(m) = tokio::time::timeout(Duration::from_millis(700), stream.message()).await {
        panic!("unexpected: {m:?}");
    }
}

async fn watch(app: &TestApp, after: &str) -> tonic::Streaming<pb::Event> {
    events(app)
        .watch_events(pb::WatchEventsRequest {
            after: after.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// Each event the register records reaches the feed once, in commit order,
/// with the request's history as its own; subtree and type filters and
/// pages of any size give the same sequence; no personal data.
async fn feed_in_commit_order_by_subtree_and_type(backend: Backend) {
    let mut app = spawn(&backend, QUIET).await;
    agencies(&mut app).await;
    let a = app.submit("dinkes", "").await;
    let b = app.submit("bappeda", "").await;
    let c = app.submit("dinkes", "").await;
    app.requests
        .extend_request(pb::ExtendRequestRequest {
            name: a.name.clone(),
            reason: "Informasi tersebar di beberapa bidang dan perlu dihimpun.".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: b.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Permohonan Saudara kami kabulkan.".into(),
                delivery_method: pb::DeliveryMethod::Email as i32,
                format: "PDF".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    // Unanswered past its deadline, c draws an objection.
    app.set_now("2026-04-01T02:00:00Z");
    let o = app
        .objections
        .file_objection(pb::FileObjectionRequest {
            request: c.name.clone(),
            grounds: vec![G::NotAnswered as i32],
            statement: "Permohonan saya tidak ditanggapi.".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();

    let mut client = events(&app);
    let all = list_all(&mut client, pb::ListEventsRequest::default(), 1000).await;
    // In commit order: positions rise, and each request's events are its
    // history, in order.
    let ids: Vec<String> = all.iter().map(|e| e.cursor.clone()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    for r in [&a, &b, &c] {
        let history = app.history(&r.name).await;
        let fed: Vec<&pb::Event> = all.iter().filter(|e| e.subject == r.name).collect();
        assert_eq!(
            fed.iter().map(|e| e.summary.as_str()).collect::<Vec<_>>(),
            history
                .iter()
                .map(|e| e.summary.as_str())
                .collect::<Vec<_>>(),
            "{}",
            r.name
        );
        for (f, h) in fed.iter().zip(&history) {
            assert_eq!(f.registration_number, r.registration_number);
            assert_eq!(f.event_time, h.event_time);
            assert_eq!(f.record_time, h.record_time);
            assert_eq!(f.actor, h.actor);
        }
    }
    let types: Vec<&str> = all.iter().map(|e| e.r#type.as_str()).collect();
    assert_eq!(
        types,
        [
            "submitted",
            "submitted",
            "submitted",
            "extended",
            "responded",
            "objection_filed"
        ],
        "{all:#?}"
    );
    assert!(all.iter().all(|e| !e.imported && !e.summary.is_empty()));
    assert_eq!(all[4].state, "responded");
    assert_eq!(all[0].agency, "agencies/dinkes");
    assert_eq!(all[1].agency, "agencies/bappeda");
    // The objection's subject is the request; its number is known to the
    // feed too.
    assert_eq!(all[5].subject, c.name);
    assert!(!o.name.is_empty());
    let text = format!("{all:?}");
    for pii in [NIK, PHONE, EMAIL, "Siti Rahayu"] {
        assert!(!text.contains(pii), "{pii} in the feed");
    }

    // Pages of two give the same sequence; a cursor resumes after itself.
    let paged = list_all(&mut client, pb::ListEventsRequest::default(), 2).await;
    assert_eq!(cursors(&paged), cursors(&all));
    let rest = list_all(
        &mut client,
        pb::ListEventsRequest {
            after: all[2].cursor.clone(),
            ..Default::default()
        },
        1000,
    )
    .await;
    assert_eq!(cursors(&rest), cursors(&all[3..]));

    // One OPD; the Pemda's subtree; one type.
    let dinkes = list_all(
        &mut client,
        pb::ListEventsRequest {
            agency: "agencies/dinkes".into(),
            ..Default::default()
        },
        1000,
    )
    .await;
    assert_eq!(
        cursors(&dinkes),
        cursors(
            &all.iter()
                .filter(|e| e.agency == "agencies/dinkes")
                .cloned()
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(dinkes.len(), 4);
    let subtree = list_all(
        &mut client,
        pb::ListEventsRequest {
            agency: "agencies/kota-serang".into(),
            ..Default::default()
        },
        1000,
    )
    .await;
    assert_eq!(cursors(&subtree), cursors(&all));
    let extended = list_all(
        &mut client,
        pb::ListEventsRequest {
            types: vec!["extended".into(), "objection_filed".into()],
            ..Default::default()
        },
        1000,
    )
    .await;
    assert_eq!(
        extended
            .iter()
            .map(|e| e.subject.as_str())
            .collect::<Vec<_>>(),
        [a.name.as_str(), c.name.as_str()]
    );
}

/// Bad cursors, types and sizes name their field; a key sees its reach.
async fn bad_feed_input_and_reach(backend: Backend) {
    let mut app = spawn(&backend, QUIET).await;
    agencies(&mut app).await;
    app.submit("dinkes", "").await;
    let theirs = app.submit("bappeda", "").await;
    let mut client = events(&app);
    for (req, field) in [
        (
            pb::ListEventsRequest {
                after: "not-a-cursor".into(),
                ..Default::default()
            },
            "after",
        ),
        (
            pb::ListEventsRequest {
                types: vec!["submitted".into(), "sumbitted".into()],
                ..Default::default()
            },
            "types[1]",
        ),
        (
            pb::ListEventsRequest {
                page_size: 5000,
                ..Default::default()
            },
            "page_size",
        ),
        (
            pb::ListEventsRequest {
                agency: "dinkes".into(),
                ..Default::default()
            },
            "agency",
        ),
    ] {
        let err = client.list_events(req).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
        assert_eq!(violations(&err), [field]);
    }
    let err = client
        .watch_events(pb::WatchEventsRequest {
            after: "feed:1".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), ["after"]);

    // An officer of Dinkes follows Dinkes only; an intake key not at all.
    let operator = api_key(&app, None, pb::api_key::Role::Admin, "").await;
    let officer = api_key(&app, Some(&operator), pb::api_key::Role::Officer, "dinkes").await;
    let intake = api_key(&app, Some(&operator), pb::api_key::Role::Intake, "dinkes").await;
    let mine = client
        .list_events(with(pb::ListEventsRequest::default(), &officer))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.events.len(), 1);
    assert_eq!(mine.events[0].agency, "agencies/dinkes");
    for agency in ["agencies/bappeda", "agencies/kota-serang"] {
        let err = client
            .list_events(with(
                pb::ListEventsRequest {
                    agency: agency.into(),
                    ..Default::default()
                },
                &officer,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{agency}");
    }
    let first = client
        .watch_events(with(pb::WatchEventsRequest::default(), &officer))
        .await
        .unwrap()
        .into_inner()
        .message()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.agency, "agencies/dinkes");
    assert_ne!(first.subject, theirs.name);
    let err = client
        .list_events(with(pb::ListEventsRequest::default(), &intake))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

/// A watcher reads what is there, then what commits; after the server
/// stops (the stream ends with UNAVAILABLE) and another starts on the same
/// database, it resumes from its last cursor: nothing lost, nothing twice.
async fn watch_resumes_after_a_restart(backend: Backend) {
    let mut app = spawn(&backend, QUIET).await;
    agencies(&mut app).await;
    for agency in ["dinkes", "bappeda", "dinkes"] {
        app.submit(agency, "").await;
    }
    let mut stream = watch(&app, "").await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(next(&mut stream).await);
    }
    app.submit("bappeda", "").await;
    seen.push(next(&mut stream).await);
    quiet(&mut stream).await;

    let db = app.db();
    app.stop().await;
    let end = tokio::time::timeout(Duration::from_secs(20), stream.message())
        .await
        .expect("the stream ends when the server stops");
    match end {
        Err(e) => assert_eq!(e.code(), Code::Unavailable, "{e:?}"),
        Ok(m) => panic!("expected UNAVAILABLE, got {m:?}"),
    }

    let mut app = spawn_on_with(db, StoreSettings::default(), settings(QUIET)).await;
    app.submit("dinkes", "").await;
    app.submit("bappeda", "").await;
    let last = seen.last().unwrap().cursor.clone();
    let mut stream = watch(&app, &last).await;
    seen.push(next(&mut stream).await);
    seen.push(next(&mut stream).await);
    quiet(&mut stream).await;

    let all = list_all(&mut events(&app), pb::ListEventsRequest::default(), 1000).await;
    assert_eq!(all.len(), 6);
    assert_eq!(cursors(&seen), cursors(&all));
    assert!(all.iter().all(|e| e.r#type == "submitted"));
}

/// Two servers on one database, writers on both at once, a watcher on one:
/// it receives exactly the committed sequence ListEvents gives afterwards,
/// in order, none skipped (positions that commit out of order would be).
async fn two_servers_with_concurrent_writers(backend: Backend) {
    let mut a = spawn(&backend, QUIET).await;
    agencies(&mut a).await;
    let b = spawn_on_with(a.db(), StoreSettings::default(), settings(QUIET)).await;
    let mut stream = watch(&b, "").await;
    const WRITERS: usize = 3;
    const EACH: usize = 12;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        for server in [&a, &b] {
            let mut requests = server.requests.clone();
            let agency = if w % 2 == 0 { "dinkes" } else { "bappeda" };
            tasks.push(tokio::spawn(async move {
                for _ in 0..EACH {
                    requests
                        .submit_request(submission(agency, ""))
                        .await
                        .unwrap();
                }
            }));
        }
    }
    let total = WRITERS * 2 * EACH;
    let mut seen = Vec::new();
    for _ in 0..total {
        seen.push(next(&mut stream).await);
    }
    for t in tasks {
        t.await.unwrap();
    }
    quiet(&mut stream).await;
    let all = list_all(&mut events(&a), pb::ListEventsRequest::default(), 1000).await;
    assert_eq!(all.len(), total);
    assert_eq!(cursors(&seen), cursors(&all));
    // Every request once.
    let mut subjects: Vec<&str> = all.iter().map(|e| e.subject.as_str()).collect();
    subjects.sort_unstable();
    subjects.dedup();
    assert_eq!(subjects.len(), total);
}

/// Polls the feed until `n` alerts are there (or 20 s), then checks that
/// no more follow.
async fn alerts(app: &TestApp, n: usize) -> Vec<pb::Event> {
    let types: Vec<String> = [
        "deadline_due_soon",
        "deadline_passed",
        "delivery_deadline_passed",
    ]
    .map(String::from)
    .to_vec();
    let req = pb::ListEventsRequest {
        types,
        ..Default::default()
    };
    let mut client = events(app);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = list_all(&mut client, req.clone(), 1000).await;
        if got.len() >= n || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Several more rounds on both servers send nothing again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    list_all(&mut client, req, 1000).await
}

fn kinds_of(es: &[pb::Event]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = es
        .iter()
        .map(|e| (e.r#type.clone(), e.registration_number.clone()))
        .collect();
    out.sort();
    out
}

/// Two servers each look for alerts every 50 ms: each alert is sent once
/// per request and deadline; a holiday that moves a deadline brings new
/// ones.
async fn deadline_alerts_once_each(backend: Backend) {
    let every = Duration::from_millis(50);
    let mut a = spawn(&backend, every).await;
    agencies(&mut a).await;
    let b = spawn_on_with(a.db(), StoreSettings::default(), settings(every)).await;
    // Received Monday 2 March 2026: due Monday 16 March.
    let r1 = a.submit("dinkes", "").await;
    let r2 = a.submit("bappeda", "").await;
    let r3 = a.submit("dinkes", "").await;
    assert_eq!(day(&r1.deadline_date), "2026-03-16");
    a.requests
        .respond_request(pb::RespondRequestRequest {
            name: r3.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Permohonan Saudara kami kabulkan.".into(),
                delivery_method: pb::DeliveryMethod::Email as i32,
                format: "PDF".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    // Nothing is due soon yet: no alert.
    assert!(alerts(&a, 0).await.is_empty());

    // Friday 13 March: r1 and r2 are due soon (one working day left); r3's
    // information is due by the same Monday.
    let set = |t: &str| {
        a.set_now(t);
        b.set_now(t);
    };
    set("2026-03-13T02:00:00Z");
    let got = alerts(&a, 2).await;
    assert_eq!(
        kinds_of(&got),
        [
            (
                "deadline_due_soon".to_string(),
                r1.registration_number.clone()
            ),
            (
                "deadline_due_soon".to_string(),
                r2.registration_number.clone()
            ),
        ]
    );
    let soon = got
        .iter()
        .find(|e| e.registration_number == r1.registration_number)
        .unwrap();
    assert_eq!(soon.subject, r1.name);
    assert_eq!(soon.actor, "ppid");
    assert!(soon.summary.contains("16 Maret 2026"), "{}", soon.summary);

    // Tuesday 17 March: both passed their deadline, and r3 its delivery
    // date, once each.
    set("2026-03-17T02:00:00Z");
    let got = alerts(&a, 5).await;
    let mut want = vec![
        (
            "deadline_due_soon".to_string(),
            r1.registration_number.clone(),
        ),
        (
            "deadline_due_soon".to_string(),
            r2.registration_number.clone(),
        ),
        (
            "deadline_passed".to_string(),
            r1.registration_number.clone(),
        ),
        (
            "deadline_passed".to_string(),
            r2.registration_number.clone(),
        ),
        (
            "delivery_deadline_passed".to_string(),
            r3.registration_number.clone(),
        ),
    ];
    want.sort();
    assert_eq!(kinds_of(&got), want);

    // A holiday on the 16th moves both deadlines to the 17th: due soon
    // again, a new alert for the new deadline.
    a.calendar
        .add_holiday(pb::AddHolidayRequest {
            holiday: Some(pb::Holiday {
                date: Some(ppid::pb::google::r#type::Date {
                    year: 2026,
                    month: 3,
                    day: 16,
                }),
                display_name: "Hari libur pengganti".into(),
                kind: pb::holiday::Kind::NationalHoliday as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let got = alerts(&a, 7).await;
    assert_eq!(got.len(), 7, "{got:#?}");
    let again: Vec<&pb::Event> = got[5..].iter().collect();
    assert!(
        again
            .iter()
            .all(|e| e.r#type == "deadline_due_soon" && e.summary.contains("17 Maret 2026")),
        "{again:#?}"
    );
    drop(b);
}
