//! The officer's worklist: deadline order and states, "due within N
//! working days" across holidays, search, and GetWorkload.
use ppid::pb::ppid::v1::{
    self as pb, DeadlineState as DS, ObjectionGround as G, workload_group::Kind,
};
use tonic::Code;

use crate::{
    helpers::{Backend, TestApp, api_key, day, spawn_app, submission, violations, with},
    on_both_backends,
};

on_both_backends!(
    deadline_order_and_states,
    search_by_number_words_and_name,
    workload_of_the_day,
    bad_worklist_input,
    objections_in_answer_due_order,
    disputes_in_next_date_order
);

/// Monday 16 March 2026, 09:00 WIB. Ahead: Tue 17 (working), 18 (cuti
/// bersama), 19 (Nyepi), 20 (cuti bersama), the weekend, 23 and 24 (cuti
/// bersama), Wed 25 (working): two working days ahead is the 25th.
pub(crate) const MONDAY: &str = "2026-03-16T02:00:00Z";

/// Requests due on 13 (overdue), 16, 17, 25 and 26 March, and one withdrawn.
pub(crate) async fn register(app: &mut TestApp) -> Vec<pb::InformationRequest> {
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("bappeda", "kota-serang").await;
    let texts = [
        (
            "2026-02-27T02:00:00Z",
            "dinkes",
            "Daftar penerima beasiswa tahun 2025",
        ),
        (
            "2026-03-02T02:00:00Z",
            "bappeda",
            "Laporan keuangan daerah (LKPD) 2025",
        ),
        (
            "2026-03-03T02:00:00Z",
            "dinkes",
            "Data kualitas udara di kawasan industri",
        ),
        (
            "2026-03-04T02:00:00Z",
            "dinkes",
            "Rencana anggaran pengadaan AMBULANS, Dinas Kesehatan",
        ),
        (
            "2026-03-05T02:00:00Z",
            "kota-serang",
            "Notulen rapat di Kafé Balai Kota",
        ),
        (
            "2026-03-04T03:00:00Z",
            "dinkes",
            "Dokumen AMDAL pembangunan pasar",
        ),
    ];
    let mut out = Vec::new();
    for (i, (at, agency, text)) in texts.into_iter().enumerate() {
        let mut s = submission(agency, at);
        let r = s.request.as_mut().unwrap();
        r.information_requested = text.into();
        if i == 2 {
            r.requester.as_mut().unwrap().full_name = "Budi Santoso".into();
        }
        app.set_now(at);
        out.push(app.requests.submit_request(s).await.unwrap().into_inner());
    }
    app.set_now(MONDAY);
    app.requests
        .withdraw_request(pb::WithdrawRequestRequest {
            name: out[5].name.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let due: Vec<String> = out.iter().map(|r| day(&r.due_date)).collect();
    assert_eq!(
        due[..5],
        [
            "2026-03-13",
            "2026-03-16",
            "2026-03-17",
            "2026-03-25",
            "2026-03-26"
        ]
    );
    out
}

async fn list(app: &mut TestApp, req: pb::ListRequestsRequest) -> Vec<pb::InformationRequest> {
    app.requests
        .list_requests(req)
        .await
        .unwrap()
        .into_inner()
        .requests
}

fn numbers(rs: &[pb::InformationRequest]) -> Vec<String> {
    rs.iter().map(|r| r.registration_number.clone()).collect()
}

fn of(rs: &[pb::InformationRequest], idx: &[usize]) -> Vec<String> {
    idx.iter()
        .map(|i| rs[*i].registration_number.clone())
        .collect()
}

fn subtree() -> pb::ListRequestsRequest {
    pb::ListRequestsRequest {
        agency: "agencies/kota-serang".into(),
        include_sub_agencies: true,
        order_by: "deadline".into(),
        ..Default::default()
    }
}

async fn deadline_order_and_states(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let rs = register(&mut app).await;

    // Earliest deadline first; the withdrawn one (no deadline) last.
    let all = list(&mut app, subtree()).await;
    assert_eq!(numbers(&all), of(&rs, &[0, 1, 2, 3, 4, 5]));
    let states: Vec<i32> = all.iter().map(|r| r.deadline_state).collect();
    let want = [
        DS::Overdue,
        DS::DueSoon,
        DS::DueSoon,
        DS::DueSoon,
        DS::OnTrack,
        DS::Unspecified,
    ];
    assert_eq!(states, want.map(|s| s as i32));
    let left: Vec<i32> = all.iter().map(|r| r.working_days_left).collect();
    assert_eq!(left, [-1, 0, 1, 2, 3, 0], "working days, holidays skipped");
    assert_eq!(day(&all[3].deadline_date), "2026-03-25");
    assert!(all[5].deadline_date.is_none());

    // Read one by one, the same.
    let one = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: rs[3].name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.deadline_state, DS::DueSoon as i32);
    assert_eq!(one.working_days_left, 2);

    // Due within 2 working days reaches across the holidays to the 25th
    // (nine calendar days), overdue included; within 1 stops at the 17th.
    let within = |n: i32| pb::ListRequestsRequest {
        due_within_working_days: n,
        ..subtree()
    };
    assert_eq!(
        numbers(&list(&mut app, within(2)).await),
        of(&rs, &[0, 1, 2, 3])
    );
    assert_eq!(
        numbers(&list(&mut app, within(1)).await),
        of(&rs, &[0, 1, 2])
    );

    let by_state = |s: &[DS]| pb::ListRequestsRequest {
        deadline_states: s.iter().map(|s| *s as i32).collect(),
        ..subtree()
    };
    assert_eq!(
        numbers(&list(&mut app, by_state(&[DS::DueSoon])).await),
        of(&rs, &[1, 2, 3])
    );
    assert_eq!(
        numbers(&list(&mut app, by_state(&[DS::Overdue, DS::OnTrack])).await),
        of(&rs, &[0, 4])
    );
    // One OPD only, due soon.
    let dinkes = list(
        &mut app,
        pb::ListRequestsRequest {
            agency: "agencies/dinkes".into(),
            include_sub_agencies: false,
            ..by_state(&[DS::DueSoon])
        },
    )
    .await;
    assert_eq!(numbers(&dinkes), of(&rs, &[2, 3]));

    // Pages of two in deadline order give the whole list once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = app
            .requests
            .list_requests(pb::ListRequestsRequest {
                page_size: 2,
                page_token: token.clone(),
                ..subtree()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(numbers(&page.requests));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, numbers(&all));

    // Answered with information: the delivery deadline runs (3 working
    // days after the notice, at least), then it is overdue for delivery.
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: rs[4].name.clone(),
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
    app.set_now("2026-04-20T02:00:00Z");
    let overdue = list(&mut app, by_state(&[DS::Overdue])).await;
    assert_eq!(numbers(&overdue), of(&rs, &[0, 1, 2, 3, 4]));
    assert!(overdue[4].overdue_for_delivery);
}

async fn search(app: &mut TestApp, q: &str) -> Vec<String> {
    numbers(
        &list(
            app,
            pb::ListRequestsRequest {
                query: q.into(),
                ..Default::default()
            },
        )
        .await,
    )
}

async fn search_by_number_words_and_name(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let rs = register(&mut app).await;

    assert_eq!(search(&mut app, "ambulans").await, of(&rs, &[3]));
    assert_eq!(search(&mut app, "Ambul").await, of(&rs, &[3]), "a prefix");
    assert_eq!(
        search(&mut app, "kesehatan ambulans").await,
        of(&rs, &[3]),
        "every word"
    );
    assert!(search(&mut app, "ambulans udara").await.is_empty());
    assert_eq!(
        search(&mut app, "kafe").await,
        of(&rs, &[4]),
        "accents folded"
    );
    assert_eq!(search(&mut app, "KAFÉ").await, of(&rs, &[4]));
    assert!(
        search(&mut app, "af").await.is_empty(),
        "words, not inner parts"
    );
    assert_eq!(
        search(&mut app, "2025").await,
        of(&rs, &[1, 0]),
        "newest receipt first"
    );
    let number = rs[2].registration_number.clone();
    assert_eq!(
        search(&mut app, &number.to_lowercase()).await,
        vec![number.clone()]
    );
    assert_eq!(
        search(&mut app, "KOTA-SERANG/PPID/2026/").await.len(),
        6,
        "the start of a number"
    );
    // With deadline order and a filter.
    let found = list(
        &mut app,
        pb::ListRequestsRequest {
            query: "2025".into(),
            ..subtree()
        },
    )
    .await;
    assert_eq!(numbers(&found), of(&rs, &[0, 1]));

    // The requester's name is personal data: found in open mode (and by
    // officers), never by a caller who may not see personal data.
    assert_eq!(search(&mut app, "santoso").await, of(&rs, &[2]));
    assert_eq!(search(&mut app, "budi udara").await, of(&rs, &[2]));
    let operator = api_key(&app, None, pb::api_key::Role::Admin, "").await;
    let intake = api_key(&app, Some(&operator), pb::api_key::Role::Intake, "dinkes").await;
    let officer = api_key(&app, Some(&operator), pb::api_key::Role::Officer, "dinkes").await;
    let mut s = submission("dinkes", "2026-03-16T01:00:00Z");
    let r = s.request.as_mut().unwrap();
    r.information_requested = "Jadwal posyandu bulan April".into();
    r.requester.as_mut().unwrap().full_name = "Dewi Lestari".into();
    let posyandu = app
        .requests
        .submit_request(with(s, &intake))
        .await
        .unwrap()
        .into_inner()
        .registration_number;
    let as_key = |q: &str, token: &str| {
        with(
            pb::ListRequestsRequest {
                query: q.into(),
                ..Default::default()
            },
            token,
        )
    };
    let by = async |app: &mut TestApp, q: &str, token: &str| {
        numbers(
            &app.requests
                .list_requests(as_key(q, token))
                .await
                .unwrap()
                .into_inner()
                .requests,
        )
    };
    // An intake system sees its own requests, masked: it finds them by
    // their words, never by the requester's name.
    assert_eq!(
        by(&mut app, "posyandu", &intake).await,
        vec![posyandu.clone()]
    );
    assert!(by(&mut app, "lestari", &intake).await.is_empty());
    assert_eq!(by(&mut app, "lestari", &officer).await, vec![posyandu]);
    assert_eq!(by(&mut app, "santoso", &officer).await, of(&rs, &[2]));
    // The officer's reach: Bappeda's LKPD is not Dinkes'.
    assert!(by(&mut app, "lkpd", &officer).await.is_empty());
}

async fn workload_of_the_day(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let rs = register(&mut app).await;
    // The overdue request draws an objection (not answered, ground e).
    let o = app
        .objections
        .file_objection(pb::FileObjectionRequest {
            request: rs[0].name.clone(),
            grounds: vec![G::NotAnswered as i32],
            statement: "Permohonan saya tidak ditanggapi.".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();

    let w = app
        .requests
        .get_workload(pb::GetWorkloadRequest {
            agency: "agencies/kota-serang".into(),
            max_items: 2,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&w.today), "2026-03-16");
    assert_eq!(w.due_soon_working_days, 2);
    let kinds: Vec<i32> = w.groups.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::DueSoon,
            Kind::LastDayToExtend,
            Kind::OverdueForNotice,
            Kind::OverdueForDelivery,
            Kind::ObjectionToAnswer,
            Kind::DisputeDate
        ]
        .map(|k| k as i32)
    );
    let group = |k: Kind| w.groups.iter().find(|g| g.kind == k as i32).unwrap();

    let soon = group(Kind::DueSoon);
    assert_eq!(soon.count, 3, "counts are whole");
    let names: Vec<&str> = soon.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [rs[1].name.as_str(), rs[2].name.as_str()],
        "max_items"
    );
    assert_eq!(
        soon.items[0].why,
        "Pemberitahuan tertulis jatuh tempo 16 Maret 2026 (hari ini)"
    );
    assert_eq!(soon.items[1].working_days_left, 1);
    assert_eq!(soon.items[1].agency, "agencies/dinkes");

    let last = group(Kind::LastDayToExtend);
    assert_eq!(last.count, 1);
    assert_eq!(last.items[0].registration_number, rs[1].registration_number);
    assert!(
        last.items[0].why.contains("Pasal 22 ayat 8"),
        "{}",
        last.items[0].why
    );

    let overdue = group(Kind::OverdueForNotice);
    assert_eq!(overdue.count, 1);
    assert_eq!(overdue.items[0].working_days_left, -1);
    assert!(overdue.items[0].why.contains("lewat 1 hari kerja"));

    assert_eq!(group(Kind::OverdueForDelivery).count, 0);
    let objections = group(Kind::ObjectionToAnswer);
    assert_eq!(objections.count, 1);
    assert_eq!(objections.items[0].name, o.name);
    assert_eq!(
        objections.items[0].registration_number,
        o.registration_number
    );
    assert_eq!(
        day(&objections.items[0].date),
        day(&o.answer_deadline.as_ref().unwrap().due_date)
    );

    // Extending the request due today takes it off the last-day list.
    app.requests
        .extend_request(pb::ExtendRequestRequest {
            name: rs[1].name.clone(),
            reason: "Informasi tersebar di beberapa bidang dan perlu dihimpun.".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let w = app
        .requests
        .get_workload(pb::GetWorkloadRequest {
            agency: "agencies/dinkes".into(),
            max_items: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let counts: Vec<i32> = w.groups.iter().map(|g| g.count).collect();
    // Dinkes alone: due soon 17th and 25th; overdue the 13th; its objection.
    assert_eq!(counts, [2, 0, 1, 0, 1, 0]);
}

async fn bad_worklist_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    register(&mut app).await;
    let cases = [
        (
            pb::ListRequestsRequest {
                query: "x".repeat(201),
                ..Default::default()
            },
            "query",
        ),
        (
            pb::ListRequestsRequest {
                query: "-- ,,".into(),
                ..Default::default()
            },
            "query",
        ),
        (
            pb::ListRequestsRequest {
                query: "a b c d e f g h i".into(),
                ..Default::default()
            },
            "query",
        ),
        (
            pb::ListRequestsRequest {
                order_by: "due_date asc".into(),
                ..Default::default()
            },
            "order_by",
        ),
        (
            pb::ListRequestsRequest {
                due_within_working_days: 61,
                ..subtree()
            },
            "due_within_working_days",
        ),
        (
            pb::ListRequestsRequest {
                due_within_working_days: 2,
                ..Default::default()
            },
            "due_within_working_days",
        ),
        (
            pb::ListRequestsRequest {
                deadline_states: vec![DS::Unspecified as i32],
                ..subtree()
            },
            "deadline_states[0]",
        ),
    ];
    for (req, field) in cases {
        let err = app.requests.list_requests(req).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{field}");
        assert!(
            violations(&err).iter().any(|v| v.starts_with(field)),
            "{field}: {:?}",
            violations(&err)
        );
    }
    // A page token from receipt order is refused in deadline order.
    let page = app
        .requests
        .list_requests(pb::ListRequestsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let err = app
        .requests
        .list_requests(pb::ListRequestsRequest {
            page_size: 1,
            page_token: page.next_page_token,
            order_by: "deadline".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);

    for (req, field) in [
        (pb::GetWorkloadRequest::default(), "agency"),
        (
            pb::GetWorkloadRequest {
                agency: "agencies/kota-serang".into(),
                max_items: 501,
            },
            "max_items",
        ),
    ] {
        let err = app.requests.get_workload(req).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{field}");
        assert!(violations(&err).iter().any(|v| v.starts_with(field)));
    }
}

async fn file(app: &mut TestApp, request: &str) -> pb::Objection {
    app.objections
        .file_objection(pb::FileObjectionRequest {
            request: request.into(),
            grounds: vec![G::NotAnswered as i32],
            statement: "Permohonan saya tidak ditanggapi.".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn objections(app: &mut TestApp, req: pb::ListObjectionsRequest) -> Vec<String> {
    app.objections
        .list_objections(req)
        .await
        .unwrap()
        .into_inner()
        .objections
        .into_iter()
        .map(|o| o.name)
        .collect()
}

/// The atasan's worklist: objections by answer due date, unanswered only,
/// due within N working days; pages keep the order; bad input named.
async fn objections_in_answer_due_order(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let rs = register(&mut app).await;
    // Each request unanswered past its deadline draws an objection, a
    // week or more apart.
    let o1 = file(&mut app, &rs[0].name).await;
    app.set_now("2026-03-26T02:00:00Z");
    let o2 = file(&mut app, &rs[1].name).await;
    app.set_now("2026-04-02T02:00:00Z");
    let o3 = file(&mut app, &rs[2].name).await;
    let due = |o: &pb::Objection| day(&o.answer_deadline.as_ref().unwrap().due_date);
    assert!(due(&o1) < due(&o2) && due(&o2) < due(&o3));
    let subtree = || pb::ListObjectionsRequest {
        agency: "agencies/kota-serang".into(),
        ..Default::default()
    };
    let by_due = || pb::ListObjectionsRequest {
        order_by: "answer_due_date".into(),
        ..subtree()
    };
    let names = |os: &[&pb::Objection]| os.iter().map(|o| o.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        objections(&mut app, subtree()).await,
        names(&[&o3, &o2, &o1])
    );
    assert_eq!(
        objections(&mut app, by_due()).await,
        names(&[&o1, &o2, &o3])
    );

    // Pages of one keep the order.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = app
            .objections
            .list_objections(pb::ListObjectionsRequest {
                page_size: 1,
                page_token: token.clone(),
                ..by_due()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.objections.into_iter().map(|o| o.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, names(&[&o1, &o2, &o3]));

    // The atasan answers the first: it leaves the unanswered list.
    app.objections
        .decide_objection(pb::DecideObjectionRequest {
            name: o1.name.clone(),
            decision: pb::objection::Decision::Upheld as i32,
            extent: pb::objection::Extent::Wholly as i32,
            reasons: "Permohonan sedang diproses sesuai jadwal.".into(),
            superior_name: "Sekda".into(),
            superior_position: "Sekretaris Daerah".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let open = || pb::ListObjectionsRequest {
        undecided_only: true,
        ..by_due()
    };
    assert_eq!(objections(&mut app, open()).await, names(&[&o2, &o3]));

    // On o2's due day: within 1 working day reaches o2 alone; within 10
    // both.
    app.set_now(&format!("{}T02:00:00Z", due(&o2)));
    let within = |n: i32| pb::ListObjectionsRequest {
        due_within_working_days: n,
        ..by_due()
    };
    assert_eq!(objections(&mut app, within(1)).await, names(&[&o2]));
    assert_eq!(objections(&mut app, within(10)).await, names(&[&o2, &o3]));

    // Bad input names its field; nothing listed.
    for (req, field) in [
        (
            pb::ListObjectionsRequest {
                order_by: "deadline desc".into(),
                ..subtree()
            },
            "order_by",
        ),
        (
            pb::ListObjectionsRequest {
                due_within_working_days: 61,
                ..subtree()
            },
            "due_within_working_days",
        ),
        (
            pb::ListObjectionsRequest {
                due_within_working_days: 2,
                ..Default::default()
            },
            "agency",
        ),
    ] {
        let err = app.objections.list_objections(req).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(violations(&err), [field]);
    }
}

/// ListDisputes by the next date each dispute asks of the agency: the
/// earliest hearing first, one with nothing coming last; paged.
async fn disputes_in_next_date_order(backend: Backend) {
    use crate::objections::{decide, file, rejected_request};
    let mut app = spawn_app(backend).await;
    let r = rejected_request(&mut app).await;
    let second = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: second.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::NotHeld as i32,
                notice_text: "Tidak dikuasai.".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut disputes = Vec::new();
    for (req, ground, register) in [
        (&r.name, G::Rejected, "REG/1"),
        (&second.name, G::AnsweredOtherwise, "REG/2"),
    ] {
        app.set_now("2026-03-05T02:00:00Z");
        let o = app
            .objections
            .file_objection(file(req, &[ground]))
            .await
            .unwrap()
            .into_inner();
        app.objections
            .decide_objection(decide(&o.name, pb::objection::Decision::Upheld, "Alasan."))
            .await
            .unwrap();
        app.set_now("2026-03-06T02:00:00Z");
        disputes.push(
            app.objections
                .file_dispute(pb::FileDisputeRequest {
                    objection: o.name.clone(),
                    file_time: None,
                    commission_register_number: register.into(),
                })
                .await
                .unwrap()
                .into_inner(),
        );
    }
    // The older dispute is heard and decided: its decision must be
    // complied with by a coming date. The newer one has nothing coming.
    app.set_now("2026-03-09T02:00:00Z");
    app.objections
        .record_dispute_step(pb::RecordDisputeStepRequest {
            name: disputes[0].name.clone(),
            step: Some(pb::DisputeStep {
                date: Some(crate::exemptions::date("2026-03-09")),
                step: Some(pb::dispute_step::Step::Hearing(
                    pb::dispute_step::Hearing::default(),
                )),
            }),
        })
        .await
        .unwrap();
    app.objections
        .record_dispute_outcome(pb::RecordDisputeOutcomeRequest {
            name: disputes[0].name.clone(),
            outcome: pb::dispute::Outcome::AdjudicationGranted as i32,
            decision_date: Some(crate::exemptions::date("2026-03-09")),
            decision_number: "003/KIP-BANTEN/2026".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    app.set_now("2026-03-10T02:00:00Z");
    let list = |order: &str, token: &str| pb::ListDisputesRequest {
        agency: "agencies/kota-serang".into(),
        order_by: order.into(),
        page_size: 1,
        page_token: token.into(),
        ..Default::default()
    };
    let names = |r: pb::ListDisputesResponse| {
        (
            r.disputes.into_iter().map(|d| d.name).collect::<Vec<_>>(),
            r.next_page_token,
        )
    };
    let (first, token) = names(
        app.objections
            .list_disputes(list("next_date", ""))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(
        first,
        vec![disputes[0].name.clone()],
        "the coming hearing first"
    );
    let (rest, end) = names(
        app.objections
            .list_disputes(list("next_date", &token))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(rest, vec![disputes[1].name.clone()]);
    assert!(end.is_empty(), "two disputes, two pages");
    let (newest, _) = names(
        app.objections
            .list_disputes(list("", ""))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(
        newest,
        vec![disputes[1].name.clone()],
        "default: newest filing first"
    );
    let bad = app
        .objections
        .list_disputes(list("hearing", ""))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert_eq!(violations(&bad), vec!["order_by"]);

    // GetWorkload names the dispute with a coming date, by its register
    // number, with its objection's agency.
    let w = app
        .requests
        .get_workload(pb::GetWorkloadRequest {
            agency: "agencies/kota-serang".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let group = w
        .groups
        .iter()
        .find(|g| g.kind == Kind::DisputeDate as i32)
        .unwrap();
    assert_eq!(group.count, 1);
    assert_eq!(group.items[0].name, disputes[0].name);
    assert_eq!(group.items[0].registration_number, "REG/1");
    assert_eq!(group.items[0].agency, "agencies/kota-serang");
}
