//! CalendarService: holidays, deadlines that explain themselves, and
//! holiday changes that move open requests.
use ppid::{
    pb::ppid::v1::{self as pb, holiday::Kind, request_event::Type},
    store::StoreSettings,
};
use tonic::Code;

use crate::{
    helpers::{Backend, day, reason, spawn_app, spawn_app_with, ts, violations},
    on_both_backends,
};

on_both_backends!(
    built_in_decrees,
    compute_deadline_explains_itself,
    holiday_changes_move_open_requests,
    regional_holidays_stay_regional,
    cuti_bersama_setting,
    bad_calendar_input,
);

fn date(s: &str) -> ppid::pb::google::r#type::Date {
    let d: jiff::civil::Date = s.parse().unwrap();
    ppid::pb::google::r#type::Date {
        year: d.year().into(),
        month: d.month().into(),
        day: d.day().into(),
    }
}

async fn built_in_decrees(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let y2026 = app
        .calendar
        .list_holidays(pb::ListHolidaysRequest {
            year: 2026,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(y2026.decree_loaded);
    let national = y2026
        .holidays
        .iter()
        .filter(|h| h.kind == Kind::NationalHoliday as i32)
        .count();
    let cuti = y2026
        .holidays
        .iter()
        .filter(|h| h.kind == Kind::CutiBersama as i32)
        .count();
    assert_eq!(
        (national, cuti),
        (17, 8),
        "SKB 2026: 17 national holidays, 8 cuti bersama"
    );
    assert!(y2026.holidays.iter().all(|h| h.built_in));
    let idul_fitri: Vec<_> = y2026
        .holidays
        .iter()
        .filter(|h| h.display_name.contains("Idul Fitri"))
        .map(|h| day(&h.date))
        .collect();
    assert!(
        idul_fitri.contains(&"2026-03-21".to_string())
            && idul_fitri.contains(&"2026-03-24".to_string())
    );

    let y2025 = app
        .calendar
        .list_holidays(pb::ListHolidaysRequest {
            year: 2025,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(y2025.decree_loaded);
    assert_eq!(y2025.holidays.len(), 17 + 11);

    let y2027 = app
        .calendar
        .list_holidays(pb::ListHolidaysRequest {
            year: 2027,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!y2027.decree_loaded);
    let days: Vec<String> = y2027.holidays.iter().map(|h| day(&h.date)).collect();
    assert_eq!(
        days,
        [
            "2027-01-01",
            "2027-05-01",
            "2027-06-01",
            "2027-08-17",
            "2027-12-25"
        ]
    );
}

async fn compute_deadline_explains_itself(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let compute = |start: &str, rule: pb::DeadlineRule| pb::ComputeDeadlineRequest {
        start_time: Some(ts(start)),
        agency: "agencies/kota-serang".into(),
        rule: rule as i32,
    };
    // Received Tuesday 17 March 2026 (09:00 WIB), the day before the Nyepi
    // and Idul Fitri break.
    let d = app
        .calendar
        .compute_deadline(compute("2026-03-17T02:00:00Z", pb::DeadlineRule::Response))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&d.due_date), "2026-04-08");
    assert_eq!(day(&d.start_date), "2026-03-17");
    assert_eq!(d.working_days, 10);
    assert_eq!(d.time_zone, "Asia/Jakarta");
    assert_eq!(d.legal_basis, "UU KIP Pasal 22(7)");
    let skipped: Vec<(String, String)> = d
        .skipped_days
        .iter()
        .map(|s| (day(&s.date), s.reason.clone()))
        .collect();
    assert_eq!(skipped.len(), 12);
    assert_eq!(skipped[0].0, "2026-03-18");
    assert!(skipped[0].1.starts_with("cuti bersama"), "{}", skipped[0].1);
    assert!(skipped[1].1.contains("Nyepi"));
    assert!(skipped[3].1.contains("Saturday") && skipped[3].1.contains("Idul Fitri"));
    assert!(
        skipped
            .iter()
            .any(|(d, r)| d == "2026-04-03" && r.contains("Wafat Yesus Kristus"))
    );
    assert!(d.explanation.contains("2026-04-08"));
    assert!(d.notes.is_empty());

    let cases = [
        // (start, rule, due)
        (
            "2026-03-17T02:00:00Z",
            pb::DeadlineRule::Extension,
            "2026-04-17",
        ),
        (
            "2026-03-10T02:00:00Z",
            pb::DeadlineRule::Extension,
            "2026-04-10",
        ),
        (
            "2026-03-10T02:00:00Z",
            pb::DeadlineRule::DisputeFiling,
            "2026-04-07",
        ),
        (
            "2026-03-10T02:00:00Z",
            pb::DeadlineRule::ObjectionFiling,
            "2026-04-29",
        ),
        (
            "2026-03-10T02:00:00Z",
            pb::DeadlineRule::ObjectionAnswer,
            "2026-04-29",
        ),
    ];
    for (start, rule, due) in cases {
        let d = app
            .calendar
            .compute_deadline(compute(start, rule))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(day(&d.due_date), due, "{start} {rule:?}");
    }

    // Into 2027, whose decree is not loaded: only fixed dates; the response says so.
    let d = app
        .calendar
        .compute_deadline(compute("2026-12-21T02:00:00Z", pb::DeadlineRule::Response))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&d.due_date), "2027-01-07");
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("2027"), "{:?}", d.notes);
    assert!(d.skipped_days.iter().any(|s| day(&s.date) == "2027-01-01"));
}

async fn holiday_changes_move_open_requests(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let open = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    let answered = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    let later = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: answered.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::NotYetDocumented as i32,
                notice_text: "Belum didokumentasikan".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(day(&open.due_date), "2026-03-16");

    // An Islamic holiday moved by the sidang isbat to Wednesday 4 March (a test date).
    let added = app
        .calendar
        .add_holiday(pb::AddHolidayRequest {
            holiday: Some(pb::Holiday {
                date: Some(date("2026-03-04")),
                display_name: "Hari libur pengganti".into(),
                kind: Kind::NationalHoliday as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        added.rescheduled_requests, 2,
        "the two open requests moved; the answered one did not"
    );
    assert_eq!(added.holiday.unwrap().name, "holidays/2026-03-04");
    let moved = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: open.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&moved.due_date), "2026-03-17");
    let h = app.history(&open.name).await;
    let last = h.last().unwrap();
    assert_eq!(last.r#type, Type::DueDateChanged as i32);
    assert_eq!(last.details["previous_due_date"], "2026-03-16");
    assert_eq!(last.details["due_date"], "2026-03-17");
    assert_eq!(
        app.history(&answered.name).await.len(),
        2,
        "an answered request keeps its history"
    );
    assert_ne!(moved.etag, open.etag);

    // New requests see the new calendar at once.
    let fresh = app.submit("kota-serang", "2026-03-02T02:00:00Z").await;
    assert_eq!(day(&fresh.due_date), "2026-03-17");

    let dup = app
        .calendar
        .add_holiday(pb::AddHolidayRequest {
            holiday: Some(pb::Holiday {
                date: Some(date("2026-03-04")),
                display_name: "Lagi".into(),
                kind: Kind::NationalHoliday as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);
    assert_eq!(reason(&dup), "HOLIDAY_EXISTS");

    let removed = app
        .calendar
        .remove_holiday(pb::RemoveHolidayRequest {
            name: "holidays/2026-03-04".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(removed.rescheduled_requests, 3);
    for name in [&open.name, &later.name, &fresh.name] {
        let r = app
            .requests
            .get_request(pb::GetRequestRequest { name: name.clone() })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(day(&r.due_date), "2026-03-16");
    }

    // A built-in holiday can be removed too (a decree amendment).
    let removed = app
        .calendar
        .remove_holiday(pb::RemoveHolidayRequest {
            name: "holidays/2026-03-18".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        removed.rescheduled_requests, 0,
        "no open request's window reaches 18 March"
    );
    let gone = app
        .calendar
        .remove_holiday(pb::RemoveHolidayRequest {
            name: "holidays/2026-03-18".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
}

async fn regional_holidays_stay_regional(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.pemda("kab-lebak").await;
    let serang = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    let lebak = app.submit("kab-lebak", "2026-03-02T02:00:00Z").await;
    // Hari jadi Kota Serang on the Pemda applies to its OPDs, not to Lebak.
    let added = app
        .calendar
        .add_holiday(pb::AddHolidayRequest {
            holiday: Some(pb::Holiday {
                date: Some(date("2026-03-05")),
                display_name: "Hari Jadi Kota Serang".into(),
                kind: Kind::Regional as i32,
                agency: "agencies/kota-serang".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(added.rescheduled_requests, 1);
    assert_eq!(
        added.holiday.unwrap().name,
        "agencies/kota-serang/holidays/2026-03-05"
    );
    let s = app
        .requests
        .get_request(pb::GetRequestRequest { name: serang.name })
        .await
        .unwrap()
        .into_inner();
    let l = app
        .requests
        .get_request(pb::GetRequestRequest { name: lebak.name })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(day(&s.due_date), "2026-03-17");
    assert_eq!(day(&l.due_date), "2026-03-16");

    let listed = app
        .calendar
        .list_holidays(pb::ListHolidaysRequest {
            year: 2026,
            agency: "agencies/dinkes".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed
            .holidays
            .iter()
            .any(|h| h.display_name == "Hari Jadi Kota Serang")
    );
    let national = app
        .calendar
        .list_holidays(pb::ListHolidaysRequest {
            year: 2026,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        !national
            .holidays
            .iter()
            .any(|h| h.display_name == "Hari Jadi Kota Serang")
    );

    let d = app
        .calendar
        .compute_deadline(pb::ComputeDeadlineRequest {
            start_time: Some(ts("2026-03-02T02:00:00Z")),
            agency: "agencies/dinkes".into(),
            rule: pb::DeadlineRule::Response as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        d.skipped_days
            .iter()
            .any(|s| s.reason.contains("Hari Jadi Kota Serang"))
    );
}

async fn cuti_bersama_setting(backend: Backend) {
    let mut app = spawn_app_with(
        backend,
        StoreSettings {
            cuti_bersama_is_working_day: true,
            ..StoreSettings::default()
        },
    )
    .await;
    app.pemda("kota-serang").await;
    app.set_now("2026-03-10T03:00:00Z");
    // Counting 18, 20, 23 and 24 March as working days: due 25 March, not 31 March.
    let r = app.submit("kota-serang", "2026-03-10T02:00:00Z").await;
    assert_eq!(day(&r.due_date), "2026-03-25");
}

async fn bad_calendar_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    let add = |h: pb::Holiday| pb::AddHolidayRequest { holiday: Some(h) };
    let cases: Vec<(&str, pb::AddHolidayRequest, Vec<&str>)> = vec![
        ("empty", pb::AddHolidayRequest::default(), vec!["holiday"]),
        (
            "regional without agency, bad date",
            add(pb::Holiday {
                date: Some(ppid::pb::google::r#type::Date {
                    year: 2026,
                    month: 13,
                    day: 1,
                }),
                display_name: "X".into(),
                kind: Kind::Regional as i32,
                ..Default::default()
            }),
            vec!["holiday.date", "holiday.agency"],
        ),
        (
            "national with agency, no name",
            add(pb::Holiday {
                date: Some(date("2026-07-01")),
                kind: Kind::NationalHoliday as i32,
                agency: "agencies/kota-serang".into(),
                ..Default::default()
            }),
            vec!["holiday.display_name", "holiday.agency"],
        ),
        (
            "date out of range",
            add(pb::Holiday {
                date: Some(ppid::pb::google::r#type::Date {
                    year: 99999,
                    month: 1,
                    day: 1,
                }),
                display_name: "X".into(),
                kind: Kind::NationalHoliday as i32,
                ..Default::default()
            }),
            vec!["holiday.date"],
        ),
    ];
    for (what, req, fields) in cases {
        let err = app.calendar.add_holiday(req).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{what}");
        assert_eq!(violations(&err), fields, "{what}");
    }
    let err = app
        .calendar
        .add_holiday(add(pb::Holiday {
            date: Some(date("2026-07-01")),
            display_name: "Hari jadi".into(),
            kind: Kind::Regional as i32,
            agency: "agencies/kab-pandeglang".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let list = app
        .calendar
        .list_holidays(pb::ListHolidaysRequest {
            year: 2026,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.holidays.len(), 25, "nothing was added");

    for name in [
        "",
        "holidays/2026-02-30",
        "holiday/2026-03-04",
        "agencies/X/holidays/2026-03-04",
    ] {
        let err = app
            .calendar
            .remove_holiday(pb::RemoveHolidayRequest { name: name.into() })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{name:?}");
    }
    let err = app
        .calendar
        .compute_deadline(pb::ComputeDeadlineRequest {
            agency: "kota-serang".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["start_time", "agency", "rule"]);
    let err = app
        .calendar
        .compute_deadline(pb::ComputeDeadlineRequest {
            start_time: Some(ts("2026-03-02T02:00:00Z")),
            agency: "agencies/unknown".into(),
            rule: pb::DeadlineRule::Response as i32,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = app
        .calendar
        .list_holidays(pb::ListHolidaysRequest {
            year: 1999,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["year"]);
}
