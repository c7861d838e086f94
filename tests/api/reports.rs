//! ReportService and the reporting jobs: the annual report of a small fixed
//! dataset field by field, export round trips across resumed cursors,
//! personal data, CSV/JSONL/register files, the HTML report's SVG, bad input.
use std::{collections::HashSet, sync::Arc};

use futures::StreamExt;
use ppid::{
    clock::ManualClock,
    pb::ppid::v1::{
        self as pb, ExemptionLetter as L, key_service_client::KeyServiceClient, notice::Outcome,
    },
    report::{
        export, render,
        texts::{self, Header, Lang},
    },
    store::{self, RequestFilter, StoreSettings},
};
use tonic::Code;

use crate::{
    exemptions::{create, entry},
    helpers::{Backend, EMAIL, NIK, PHONE, TestApp, reason, spawn_app, ts, violations},
    on_both_backends,
};

on_both_backends!(
    annual_report_of_a_fixed_dataset,
    export_round_trip_with_resumed_cursor,
    export_filters_and_personal_data,
    export_files_open_correctly,
    html_report_renders,
    bad_report_input,
);

async fn respond(app: &mut TestApp, name: &str, notice: pb::Notice) {
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: name.into(),
            notice: Some(notice),
            ..Default::default()
        })
        .await
        .expect("respond");
}

fn notice(outcome: Outcome, at: Option<&str>, dik: &[&str]) -> pb::Notice {
    pb::Notice {
        outcome: outcome as i32,
        notice_text: "Pemberitahuan tertulis".into(),
        notice_time: at.map(ts),
        exemptions: dik.iter().map(|s| s.to_string()).collect(),
        withheld_parts: if outcome == Outcome::PartiallyGranted {
            "Lampiran berisi data pribadi".into()
        } else {
            String::new()
        },
        ..Default::default()
    }
}

/// Kota Serang with Dinkes and Disdik; one request in 2025, five in 2026
/// (two granted the same day, one rejected and one partly granted under
/// Pasal 17 h after 2 and 3 working days, one still open), and an objection
/// on the rejection, upheld.
async fn fixed_dataset(app: &mut TestApp) {
    app.set_now("2025-06-01T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("disdik", "kota-serang").await;
    app.set_now("2025-06-10T02:00:00Z");
    let r0 = app.submit("dinkes", "2025-06-02T02:00:00Z").await;
    respond(
        app,
        &r0.name,
        notice(Outcome::Granted, Some("2025-06-03T03:00:00Z"), &[]),
    )
    .await;

    app.set_now("2026-01-06T02:00:00Z");
    let dik = create(app, "kota-serang", entry(L::H, None)).await;
    app.set_now("2026-03-02T09:00:00Z");
    let r1 = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    let r2 = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    let r4 = app.submit("disdik", "2026-03-02T02:00:00Z").await;
    respond(
        app,
        &r1.name,
        notice(Outcome::Granted, Some("2026-03-02T08:00:00Z"), &[]),
    )
    .await;
    app.set_now("2026-03-03T06:00:00Z");
    let r5 = app.submit("kota-serang", "2026-03-03T02:00:00Z").await;
    respond(
        app,
        &r5.name,
        notice(Outcome::Granted, Some("2026-03-03T05:00:00Z"), &[]),
    )
    .await;
    app.set_now("2026-03-04T03:00:00Z");
    respond(app, &r2.name, notice(Outcome::Rejected, None, &[&dik.name])).await;
    app.set_now("2026-03-05T03:00:00Z");
    respond(
        app,
        &r4.name,
        notice(Outcome::PartiallyGranted, None, &[&dik.name]),
    )
    .await;
    let o = app
        .objections
        .file_objection(pb::FileObjectionRequest {
            request: r2.name.clone(),
            grounds: vec![pb::ObjectionGround::Rejected as i32],
            statement: "Keberatan atas penolakan".into(),
            file_time: None,
            ..Default::default()
        })
        .await
        .expect("objection")
        .into_inner();
    app.set_now("2026-03-06T02:00:00Z");
    app.objections
        .decide_objection(pb::DecideObjectionRequest {
            name: o.name,
            decision: pb::objection::Decision::Upheld as i32,
            extent: pb::objection::Extent::Wholly as i32,
            reasons: "Informasi rekam medis dikecualikan (Pasal 17 huruf h)".into(),
            superior_name: "Sekda".into(),
            superior_position: "Sekretaris Daerah".into(),
            ..Default::default()
        })
        .await
        .expect("decide");
    app.set_now("2026-04-01T02:00:00Z");
}

fn by<T>(items: &[T], key: impl Fn(&T) -> i32, want: i32, count: impl Fn(&T) -> i64) -> i64 {
    items.iter().find(|i| key(i) == want).map_or(0, count)
}

fn letter(s: &[pb::LetterCount], l: L) -> i64 {
    by(s, |x| x.letter, l as i32, |x| x.count)
}

fn outcome(s: &pb::AnnualReportSection, o: Outcome) -> i64 {
    by(&s.outcomes, |x| x.outcome, o as i32, |x| x.count)
}

async fn annual_report_of_a_fixed_dataset(backend: Backend) {
    let mut app = spawn_app(backend).await;
    fixed_dataset(&mut app).await;
    let r = app
        .reports
        .get_annual_report(pb::GetAnnualReportRequest {
            agency: "agencies/kota-serang".into(),
            year: 2026,
        })
        .await
        .expect("report")
        .into_inner();
    assert_eq!((r.agency.as_str(), r.year), ("agencies/kota-serang", 2026));
    let t = r.total.clone().unwrap();
    assert_eq!(t.agency_count, 3);
    assert_eq!(
        (
            t.received,
            t.pending_at_start,
            t.decided,
            t.withdrawn,
            t.pending_at_end
        ),
        (5, 0, 4, 0, 1)
    );
    assert_eq!(
        [
            outcome(&t, Outcome::Granted),
            outcome(&t, Outcome::PartiallyGranted),
            outcome(&t, Outcome::Rejected),
            outcome(&t, Outcome::NotHeld),
            outcome(&t, Outcome::NotYetDocumented)
        ],
        [2, 1, 1, 0, 0]
    );
    // 0, 0, 2 and 3 working days.
    let n = t.time_to_notice.clone().unwrap();
    assert_eq!(
        (n.count, n.median, n.mean, n.min, n.max),
        (4, 1.0, 1.25, 0, 3)
    );
    assert_eq!(n.kip_buckets[0].count, 4, "all within 0-5 working days");
    assert_eq!(n.doj_buckets[0].count, 4, "all within the DOJ's 1-20");
    // Timeliness by due date: the request still open on 1 April is past its
    // due date and counts late beside the four answered on time.
    let on_time = t.on_time.unwrap();
    assert_eq!((on_time.successes, on_time.trials), (4, 5));
    assert_eq!(t.extended, 0);
    assert_eq!(letter(&t.rejected_by_letter, L::H), 1);
    assert_eq!(letter(&t.partially_granted_by_letter, L::H), 1);
    assert_eq!(t.rejected_by_letter.iter().map(|l| l.count).sum::<i64>(), 1);
    assert_eq!((t.withholding_with_dik, t.withholding_unregistered), (2, 0));
    assert_eq!(
        (
            t.objections_filed,
            t.objections_answered,
            t.objections_answered_on_time,
            t.objections_upheld,
            t.objections_overturned
        ),
        (1, 1, 1, 1, 0)
    );
    let ground_a = by(
        &t.objections_by_ground,
        |g| g.ground,
        pb::ObjectionGround::Rejected as i32,
        |g| g.count,
    );
    assert_eq!(ground_a, 1);
    assert_eq!(
        t.objections_by_ground.iter().map(|g| g.count).sum::<i64>(),
        1
    );
    assert_eq!(t.disputes_filed, 0);
    assert_eq!(t.dispute_outcomes.iter().map(|d| d.count).sum::<i64>(), 0);

    // Per agency: the Pemda's own PPID first, then the OPDs by id.
    let names: Vec<&str> = r.agencies.iter().map(|a| a.agency.as_str()).collect();
    assert_eq!(
        names,
        ["agencies/kota-serang", "agencies/dinkes", "agencies/disdik"]
    );
    let (own, dinkes, disdik) = (&r.agencies[0], &r.agencies[1], &r.agencies[2]);
    assert_eq!(
        (own.received, own.decided, outcome(own, Outcome::Granted)),
        (1, 1, 1)
    );
    assert_eq!(
        (dinkes.received, dinkes.decided, dinkes.pending_at_end),
        (3, 2, 1)
    );
    assert_eq!(letter(&dinkes.rejected_by_letter, L::H), 1);
    assert_eq!(dinkes.objections_filed, 1);
    let d = dinkes.time_to_notice.clone().unwrap();
    assert_eq!((d.count, d.median, d.mean), (2, 1.0, 1.0));
    assert_eq!(
        (disdik.received, outcome(disdik, Outcome::PartiallyGranted)),
        (1, 1)
    );
    assert_eq!(letter(&disdik.partially_granted_by_letter, L::H), 1);
    assert_eq!(letter(&disdik.rejected_by_letter, L::H), 0);
    assert_eq!(disdik.time_to_notice.clone().unwrap().median, 3.0);
    let sum: i64 = r.agencies.iter().map(|a| a.received).sum();
    assert_eq!(sum, t.received, "the agencies add up to the total");

    // Last year and the comparison.
    let p = r.previous_year.clone().unwrap();
    assert_eq!(
        (p.received, p.decided, outcome(&p, Outcome::Granted)),
        (1, 1, 1)
    );
    let received = r
        .year_on_year
        .iter()
        .find(|c| c.figure == "received")
        .unwrap();
    assert_eq!(
        (
            received.current,
            received.previous,
            received.change,
            received.change_percent
        ),
        (5.0, 1.0, 4.0, Some(400.0))
    );
    let rejected = r
        .year_on_year
        .iter()
        .find(|c| c.figure == "rejected")
        .unwrap();
    assert_eq!(
        (rejected.current, rejected.previous, rejected.change_percent),
        (1.0, 0.0, None)
    );

    // The figures issue's ranking of the OPDs: too few notices to score.
    let ranked: Vec<(&str, i32, &str)> = r
        .ranking
        .iter()
        .map(|e| (e.agency.as_str(), e.rank, e.band.as_str()))
        .collect();
    assert_eq!(ranked.len(), 2);
    assert!(
        ranked
            .iter()
            .all(|(_, rank, band)| *rank == 0 && *band == "insufficient data")
    );
    // The one open request, received 2 March, due 16 March: past due on 1 April.
    assert_eq!(r.open_past_due_now, 1);
    assert_eq!(r.oldest_pending.len(), 1);
    assert_eq!(r.oldest_pending[0].agency, "agencies/dinkes");

    // A year without requests is all zeros, not an error.
    let empty = app
        .reports
        .get_annual_report(pb::GetAnnualReportRequest {
            agency: "agencies/disdik".into(),
            year: 2024,
        })
        .await
        .expect("empty year")
        .into_inner();
    let e = empty.total.unwrap();
    assert_eq!((e.received, e.decided, e.agency_count), (0, 0, 1));
    assert!(e.time_to_notice.is_none());
}

async fn export_all(
    app: &mut TestApp,
    req: pb::ExportRequestsRequest,
) -> Vec<pb::ExportRequestsResponse> {
    let mut stream = app
        .reports
        .export_requests(req)
        .await
        .expect("export")
        .into_inner();
    let mut out = Vec::new();
    while let Some(b) = stream.next().await {
        out.push(b.expect("batch"));
    }
    out
}

/// 250 requests over three agencies, submitted concurrently.
async fn many(app: &mut TestApp) {
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("disdik", "kota-serang").await;
    let agencies = ["kota-serang", "dinkes", "disdik"];
    for chunk in 0..5 {
        let calls = (0..50).map(|i| {
            let mut client = app.requests.clone();
            let n = chunk * 50 + i;
            // Several requests share a receipt instant: the id breaks ties.
            let at = format!("2026-02-{:02}T0{}:00:00Z", 2 + n % 20, n % 3);
            async move {
                client
                    .submit_request(crate::helpers::submission(agencies[n % 3], &at))
                    .await
                    .expect("submit")
            }
        });
        futures::future::join_all(calls).await;
    }
}

async fn export_round_trip_with_resumed_cursor(backend: Backend) {
    let mut app = spawn_app(backend).await;
    many(&mut app).await;
    let listed = app.all_requests().await;
    assert_eq!(listed.len(), 250);

    let full = export_all(&mut app, pb::ExportRequestsRequest::default()).await;
    assert!(full.len() >= 3, "several batches, each with its cursor");
    let rows: Vec<pb::ExportedRequest> = full.iter().flat_map(|b| b.requests.clone()).collect();
    assert_eq!(rows.len(), 250);
    // Every row and every field: the request as GetRequest shows it, the
    // requester without personal data.
    let mut by_name: std::collections::HashMap<String, pb::InformationRequest> =
        listed.into_iter().map(|r| (r.name.clone(), r)).collect();
    let mut previous: Option<(i64, i32, String)> = None;
    for row in &rows {
        let got = row.request.clone().unwrap();
        let mut want = by_name.remove(&got.name).expect("exported once");
        let q = want.requester.as_mut().unwrap();
        *q = pb::Requester {
            r#type: q.r#type,
            occupation: q.occupation.clone(),
            ..Default::default()
        };
        // The worklist's view (deadline state, working days left) is read
        // time's, from the agency's calendar; an export carries `overdue`.
        want.deadline_state = 0;
        want.deadline_date = None;
        want.working_days_left = 0;
        assert_eq!(got, want);
        // Receipt order, ties broken by id.
        let t = got.receive_time.unwrap();
        let key = (t.seconds, t.nanos, got.name.clone());
        if let Some(p) = &previous {
            assert!(*p < key, "stable order");
        }
        previous = Some(key);
    }
    assert!(by_name.is_empty(), "no request left out");

    // Stop after two batches, resume from the second's cursor.
    let mut stream = app
        .reports
        .export_requests(pb::ExportRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut first: Vec<String> = Vec::new();
    let mut cursor = String::new();
    for _ in 0..2 {
        let b = stream.next().await.unwrap().unwrap();
        first.extend(b.requests.iter().map(|r| r.request.clone().unwrap().name));
        cursor = b.cursor;
    }
    drop(stream);
    let rest = export_all(
        &mut app,
        pb::ExportRequestsRequest {
            cursor,
            ..Default::default()
        },
    )
    .await;
    let resumed: Vec<String> = first
        .into_iter()
        .chain(
            rest.iter()
                .flat_map(|b| b.requests.iter().map(|r| r.request.clone().unwrap().name)),
        )
        .collect();
    let all: Vec<String> = rows
        .iter()
        .map(|r| r.request.clone().unwrap().name)
        .collect();
    assert_eq!(resumed, all, "no duplicates and no gaps across the resume");
    assert_eq!(resumed.iter().collect::<HashSet<_>>().len(), 250);

    // A cursor belongs to its filter.
    let err = app
        .reports
        .export_requests(pb::ExportRequestsRequest {
            agency: "agencies/dinkes".into(),
            cursor: full[0].cursor.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violations(&err), vec!["cursor"]);
}

async fn export_filters_and_personal_data(backend: Backend) {
    let mut app = spawn_app(backend.clone()).await;
    fixed_dataset(&mut app).await;
    let names = |b: &[pb::ExportRequestsResponse]| -> Vec<pb::InformationRequest> {
        b.iter()
            .flat_map(|b| b.requests.iter().map(|r| r.request.clone().unwrap()))
            .collect()
    };
    let year = |y: i32| {
        Some(pb::Period {
            kind: Some(pb::period::Kind::Year(y)),
        })
    };
    let all = names(&export_all(&mut app, pb::ExportRequestsRequest::default()).await);
    assert_eq!(all.len(), 6);
    let subtree = names(
        &export_all(
            &mut app,
            pb::ExportRequestsRequest {
                agency: "agencies/kota-serang".into(),
                include_sub_agencies: true,
                period: year(2026),
                ..Default::default()
            },
        )
        .await,
    );
    assert_eq!(subtree.len(), 5, "2026 only");
    let dinkes_answered = names(
        &export_all(
            &mut app,
            pb::ExportRequestsRequest {
                agency: "agencies/dinkes".into(),
                period: year(2026),
                states: vec![pb::information_request::State::Responded as i32],
                ..Default::default()
            },
        )
        .await,
    );
    assert_eq!(dinkes_answered.len(), 2);
    assert!(
        dinkes_answered
            .iter()
            .all(|r| r.agency == "agencies/dinkes")
    );
    let rejected = dinkes_answered
        .iter()
        .find(|r| r.notice.as_ref().unwrap().outcome == Outcome::Rejected as i32)
        .unwrap();
    let n = rejected.notice.as_ref().unwrap();
    assert_eq!((n.working_days_taken, n.on_time), (2, true));
    assert_eq!(n.exemption_letters, vec![L::H as i32]);
    assert!(rejected.due_date.is_some());

    // No personal data by default, anywhere in the stream.
    let text = format!("{all:?}");
    for secret in [NIK, PHONE, EMAIL, "Siti Rahayu", "Ki Mas Jong"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(
        all.iter()
            .all(|r| r.requester.as_ref().unwrap().occupation == "Peneliti")
    );
    // With keys: a reader asking for personal data is refused; an
    // officer gets it for its own agency and cannot export another's.
    let mut keys = KeyServiceClient::new(app.channel.clone());
    let key = |role: pb::api_key::Role, agency: &str| pb::CreateApiKeyRequest {
        api_key: Some(pb::ApiKey {
            display_name: format!("{role:?}"),
            role: role as i32,
            agency: agency.to_string(),
            ..Default::default()
        }),
    };
    let operator = keys
        .create_api_key(key(pb::api_key::Role::Admin, ""))
        .await
        .unwrap()
        .into_inner()
        .token;
    let token = |role, agency: &'static str| {
        let mut req = tonic::Request::new(key(role, agency));
        req.metadata_mut().insert(
            "authorization",
            format!("Bearer {operator}").parse().unwrap(),
        );
        let mut keys = keys.clone();
        async move { keys.create_api_key(req).await.unwrap().into_inner().token }
    };
    let reader = token(pb::api_key::Role::Reader, "").await;
    let officer = token(pb::api_key::Role::Officer, "agencies/dinkes").await;
    let with = |msg: pb::ExportRequestsRequest, t: &str| {
        let mut req = tonic::Request::new(msg);
        req.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
        req
    };
    let personal = pb::ExportRequestsRequest {
        include_personal_data: true,
        ..Default::default()
    };
    let err = app
        .reports
        .export_requests(with(personal.clone(), &reader))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert_eq!(reason(&err), "PERSONAL_DATA_NOT_ALLOWED");
    let err = app
        .reports
        .export_requests(with(
            pb::ExportRequestsRequest {
                agency: "agencies/disdik".into(),
                ..Default::default()
            },
            &officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::PermissionDenied,
        "another agency by export filter"
    );
    let mut stream = app
        .reports
        .export_requests(with(personal, &officer))
        .await
        .unwrap()
        .into_inner();
    let mut mine = Vec::new();
    while let Some(b) = stream.next().await {
        mine.extend(b.unwrap().requests.into_iter().map(|r| r.request.unwrap()));
    }
    assert!(!mine.is_empty());
    assert!(
        mine.iter().all(|r| r.agency == "agencies/dinkes"),
        "narrowed to its agency"
    );
    let q = mine[0].requester.as_ref().unwrap();
    assert_eq!(
        (q.nik.as_str(), q.phone.as_str(), q.email.as_str()),
        (NIK, PHONE, EMAIL)
    );
}

/// Text that breaks naive CSV: commas, quotes, line breaks, Indonesian.
const TRICKY: &str = "Data \"stunting\", per kecamatan;\nTahun 2025: Kec. Cipocok Jaya — anggaran Rp1.000.000,00\r\nÉdisi khusus, 'ñ'";

async fn export_files_open_correctly(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let mut s = crate::helpers::submission("kota-serang", "2026-03-02T02:00:00Z");
    let q = s.request.as_mut().unwrap();
    q.information_requested = TRICKY.into();
    q.purpose = "Penelitian, \"skripsi\"\nUniversitas Sultan Ageng Tirtayasa".into();
    let r = app.requests.submit_request(s).await.unwrap().into_inner();
    app.set_now("2026-03-03T02:00:00Z");
    respond(&mut app, &r.name, notice(Outcome::Granted, None, &[])).await;
    app.set_now("2026-03-05T02:00:00Z");
    app.submit("kota-serang", "2026-03-04T02:00:00Z").await;

    let store = store::connect(app.database_url(), StoreSettings::default())
        .await
        .unwrap();
    let filter = RequestFilter::default();
    let write = |format, personal, header| {
        let store = store.clone();
        let filter = filter.clone();
        async move {
            let mut buf = Vec::new();
            let app = ppid::app::App::new(store, Arc::new(ppid::clock::SystemClock));
            let n = app
                .export_to(
                    &filter,
                    personal,
                    format,
                    (Lang::Id, header),
                    &mut buf,
                    |_| {},
                )
                .await
                .unwrap();
            (n, buf)
        }
    };

    // CSV: the tricky fields read back exactly.
    let (n, csv_bytes) = write(export::Format::Csv, false, Header::Keys).await;
    assert_eq!(n, 2);
    let mut rd = csv::Reader::from_reader(csv_bytes.as_slice());
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let recs: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 2, "line breaks inside fields do not split rows");
    assert_eq!(&recs[0][col("information_requested")], TRICKY);
    assert_eq!(
        &recs[0][col("purpose")],
        "Penelitian, \"skripsi\"\nUniversitas Sultan Ageng Tirtayasa"
    );
    assert_eq!(&recs[0][col("decision")], "granted");
    assert_eq!(&recs[0][col("notice_working_days")], "1");
    assert_eq!(&recs[0][col("receive_date")], "2026-03-02");
    assert_eq!(&recs[0][col("requester_nik")], "");
    assert_eq!(&recs[0][col("requester_occupation")], "Peneliti");
    assert_eq!(&recs[1][col("decision")], "");
    assert!(!String::from_utf8_lossy(&csv_bytes).contains(NIK));
    let keys: Vec<&str> = head.iter().collect();
    assert_eq!(
        keys,
        texts::EXPORT_COLUMNS.map(|c| c.0),
        "the column table names the serialised fields in order"
    );

    // By default the CSV is for people: Indonesian labels and words.
    let (_, labelled) = write(export::Format::Csv, false, Header::Labels).await;
    let mut rd = csv::Reader::from_reader(labelled.as_slice());
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let recs: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(&recs[0][col("Rincian Informasi yang Dibutuhkan")], TRICKY);
    assert_eq!(&recs[0][col("Keputusan")], "Diberikan seluruhnya");
    assert_eq!(&recs[0][col("Status")], "Sudah diberi pemberitahuan");
    assert_eq!(&recs[0][col("Jenis Pemohon")], "Perorangan");
    assert!(!head.iter().any(|h| h.contains('_')), "{head:?}");

    // English on request; the register keeps its keys for programs.
    let en = {
        let store = store.clone();
        let filter = filter.clone();
        let mut buf = Vec::new();
        let app = ppid::app::App::new(store, Arc::new(ppid::clock::SystemClock));
        app.export_to(
            &filter,
            false,
            export::Format::Csv,
            (Lang::En, Header::Labels),
            &mut buf,
            |_| {},
        )
        .await
        .unwrap();
        buf
    };
    let mut rd = csv::Reader::from_reader(en.as_slice());
    let head = rd.headers().unwrap().clone();
    let decision = head.iter().position(|h| h == "Decision").unwrap();
    let first = rd.records().next().unwrap().unwrap();
    assert_eq!(&first[decision], "Granted in full");
    let (_, reg_keys) = write(export::Format::Register, false, Header::Keys).await;
    let mut rd = csv::Reader::from_reader(reg_keys.as_slice());
    assert_eq!(&rd.headers().unwrap()[0], "registration_number");

    // JSON Lines: one object per line, same fields.
    let (_, jl) = write(export::Format::Jsonl, false, Header::Labels).await;
    let lines: Vec<serde_json::Value> = String::from_utf8(jl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["information_requested"], TRICKY);
    assert_eq!(lines[0]["registration_number"], r.registration_number);

    // The register permohonan: DOMAIN.md's columns in order, Indonesian
    // headers; personal columns empty unless asked for.
    let (_, reg) = write(export::Format::Register, false, Header::Labels).await;
    let mut rd = csv::Reader::from_reader(reg.as_slice());
    let head: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(head, export::register_headers());
    assert_eq!(head[0], "Nomor Registrasi");
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(&rows[0][0], r.registration_number);
    assert_eq!(&rows[0][1], "2026-03-02");
    assert_eq!((&rows[0][2], &rows[0][3], &rows[0][5]), ("", "", ""));
    assert_eq!(&rows[0][7], "Peneliti");
    assert_eq!(&rows[0][8], "Perorangan");
    assert_eq!(&rows[0][10], TRICKY);
    assert_eq!(&rows[0][16], "Diberikan seluruhnya");
    assert_eq!(&rows[0][18], "2026-03-03");
    assert_eq!(&rows[1][16], "Dalam proses");
    let (_, reg) = write(export::Format::Register, true, Header::Labels).await;
    let mut rd = csv::Reader::from_reader(reg.as_slice());
    let row = rd.records().next().unwrap().unwrap();
    assert_eq!(
        (&row[2], &row[3], &row[5], &row[6]),
        ("Siti Rahayu", NIK, PHONE, EMAIL)
    );
}

async fn html_report_renders(backend: Backend) {
    let mut app = spawn_app(backend).await;
    fixed_dataset(&mut app).await;
    let reporter = ppid::app::App::new(
        store::connect(app.database_url(), StoreSettings::default())
            .await
            .unwrap(),
        Arc::new(ManualClock::new("2026-04-01T02:00:00Z".parse().unwrap())),
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
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@media print"));
    // Indonesian first: labels, not storage names; dates and numbers as
    // people write them.
    assert!(html.contains("<html lang=\"id\">"));
    assert!(html.contains("Laporan Layanan Informasi Publik 2026"));
    assert!(html.contains("Diberikan sebagian"));
    assert!(
        html.contains("dibuat 1 April 2026"),
        "the date, not a timestamp"
    );
    for raw in [
        "partially_granted",
        "pending_at_end",
        "not_held",
        ".0<",
        "T02:00:00Z",
    ] {
        assert!(!html.contains(raw), "{raw} in the report");
    }
    let mut en = Vec::new();
    render::render(
        &report,
        render::Format::Html,
        Lang::En,
        Header::Labels,
        &mut en,
    )
    .unwrap();
    let en = String::from_utf8(en).unwrap();
    assert!(en.contains("Granted in part") && en.contains("made 1 April 2026"));
    // Every inline chart is well-formed SVG with its text as <text>.
    let mut charts = 0;
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        let svg = &rest[start..end];
        let doc = roxmltree::Document::parse(svg).expect("the SVG parses");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert!(
            doc.descendants().any(|n| n.tag_name().name() == "rect"),
            "bars are drawn"
        );
        assert!(doc.descendants().any(|n| n.tag_name().name() == "text"));
        charts += 1;
        rest = &rest[end..];
    }
    assert_eq!(
        charts, 2,
        "outcomes and response times (the OPDs are unscored)"
    );

    // The other formats carry the same figures.
    let mut json = Vec::new();
    render::render(
        &report,
        render::Format::Json,
        Lang::Id,
        Header::Keys,
        &mut json,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["total"]["received"], 5);
    assert_eq!(v["total"]["rejected_by_letter"]["h"], 1);
    assert_eq!(v["previous_year"]["received"], 1);
    let mut md = Vec::new();
    render::render(
        &report,
        render::Format::Markdown,
        Lang::Id,
        Header::Labels,
        &mut md,
    )
    .unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("| Permohonan diterima | 5 |"), "{md}");
    let mut csv_out = Vec::new();
    render::render(
        &report,
        render::Format::Csv,
        Lang::Id,
        Header::Keys,
        &mut csv_out,
    )
    .unwrap();
    let mut rd = csv::Reader::from_reader(csv_out.as_slice());
    let head = rd.headers().unwrap().clone();
    let received = head.iter().position(|h| h == "received").unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(
        rows.len(),
        5,
        "three agencies, the total, last year's total"
    );
    let got: Vec<&str> = rows.iter().map(|r| &r[received]).collect();
    assert_eq!(got, ["1", "3", "1", "5", "1"]);
}

async fn bad_report_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let err = app
        .reports
        .get_annual_report(pb::GetAnnualReportRequest {
            agency: "kota".into(),
            year: 1999,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violations(&err), vec!["agency", "year"]);
    let err = app
        .reports
        .get_annual_report(pb::GetAnnualReportRequest {
            agency: "agencies/nowhere".into(),
            year: 2026,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = app
        .reports
        .export_requests(pb::ExportRequestsRequest {
            agency: "kota serang".into(),
            period: Some(pb::Period {
                kind: Some(pb::period::Kind::Year(1990)),
            }),
            states: vec![0, 42],
            cursor: "not-a-cursor".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&err),
        vec!["agency", "period.year", "states[0]", "states[1]", "cursor"]
    );
    let err = app
        .reports
        .export_requests(pb::ExportRequestsRequest {
            include_sub_agencies: true,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["include_sub_agencies"]);
}
