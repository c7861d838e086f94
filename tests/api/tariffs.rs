//! Fee tariffs (maklumat, UU KIP Pasal 21) and notices priced against them.
use ppid::pb::ppid::v1 as pb;
use tonic::Code;

use crate::{
    exemptions::date,
    helpers::{Backend, TestApp, reason, spawn_app, ts, violations},
    on_both_backends,
};

on_both_backends!(tariff_versions, fees_priced_by_the_tariff, tariff_bad_input);

fn item(code: &str, description: &str, unit: &str, price: i64) -> pb::TariffItem {
    pb::TariffItem {
        code: code.into(),
        description: description.into(),
        unit: unit.into(),
        price_rupiah: price,
    }
}

fn tariff(maklumat: &str, from: &str, items: Vec<pb::TariffItem>) -> pb::Tariff {
    pb::Tariff {
        maklumat_number: maklumat.into(),
        effective_date: Some(date(from)),
        items,
        ..Default::default()
    }
}

async fn create(
    app: &mut TestApp,
    agency: &str,
    t: pb::Tariff,
) -> Result<pb::Tariff, tonic::Status> {
    app.agencies
        .create_tariff(pb::CreateTariffRequest {
            parent: format!("agencies/{agency}"),
            tariff: Some(t),
        })
        .await
        .map(|r| r.into_inner())
}

/// Kota Serang's maklumat from 2 January 2026: A4 copies at Rp 200, a CD
/// at Rp 5.000.
fn serang_tariff() -> pb::Tariff {
    tariff(
        "Maklumat PPID Kota Serang No. 1/2026",
        "2026-01-02",
        vec![
            item("fotokopi-a4", "Fotokopi A4", "lembar", 200),
            item("cd", "Salinan pada CD", "keping", 5_000),
        ],
    )
}

async fn list(app: &mut TestApp, agency: &str) -> pb::ListTariffsResponse {
    app.agencies
        .list_tariffs(pb::ListTariffsRequest {
            parent: format!("agencies/{agency}"),
        })
        .await
        .expect("list tariffs")
        .into_inner()
}

async fn tariff_versions(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("disdik", "kota-serang").await;
    let pemda = create(&mut app, "kota-serang", serang_tariff())
        .await
        .expect("pemda tariff");
    assert_eq!(pemda.name, "agencies/kota-serang/tariffs/2026-01-02");
    assert!(pemda.create_time.is_some());
    // Dinkes announces free service from April.
    create(
        &mut app,
        "dinkes",
        tariff("Maklumat PPID Dinkes No. 3/2026", "2026-04-01", vec![]),
    )
    .await
    .expect("dinkes tariff");
    // Same agency and date again: refused, a correction takes a new date.
    let err = create(
        &mut app,
        "kota-serang",
        tariff("Maklumat ralat", "2026-01-02", vec![]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert_eq!(reason(&err), "TARIFF_VERSION_EXISTS");

    let d = list(&mut app, "dinkes").await;
    let names: Vec<&str> = d.tariffs.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "agencies/dinkes/tariffs/2026-04-01",
            "agencies/kota-serang/tariffs/2026-01-02"
        ],
        "own and the Pemda's, newest first"
    );
    assert_eq!(d.in_force, "agencies/kota-serang/tariffs/2026-01-02");
    app.set_now("2026-04-01T02:00:00Z");
    assert_eq!(
        list(&mut app, "dinkes").await.in_force,
        "agencies/dinkes/tariffs/2026-04-01"
    );
    assert_eq!(
        list(&mut app, "disdik").await.in_force,
        "agencies/kota-serang/tariffs/2026-01-02",
        "the Pemda's tariff covers its other OPDs"
    );
}

async fn fees_priced_by_the_tariff(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    create(&mut app, "kota-serang", serang_tariff())
        .await
        .unwrap();
    let r = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-04T02:00:00Z");
    let grant = |fee: i64, lines: &[(&str, i64)]| pb::RespondRequestRequest {
        name: r.name.clone(),
        notice: Some(pb::Notice {
            outcome: pb::notice::Outcome::Granted as i32,
            notice_text: "Informasi yang Saudara minta dapat diberikan.".into(),
            fee_rupiah: fee,
            payment_method: "transfer bank".into(),
            fee_items: lines
                .iter()
                .map(|(code, quantity)| pb::FeeItem {
                    code: code.to_string(),
                    quantity: *quantity,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }),
        ..Default::default()
    };
    // (fee, lines, the field refused)
    type Lines<'a> = &'a [(&'a str, i64)];
    let refusals: [(i64, Lines, &str); 4] = [
        (9_000, &[], "notice.fee_items"),
        (
            10_000,
            &[("fotokopi-a4", 20), ("cd", 1)],
            "notice.fee_rupiah",
        ),
        (200, &[("fotokopi-a3", 1)], "notice.fee_items[0].code"),
        (0, &[("cd", 0)], "notice.fee_items[0].quantity"),
    ];
    for (fee, lines, field) in refusals {
        let err = app
            .requests
            .respond_request(grant(fee, lines))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{fee} {lines:?}");
        assert_eq!(violations(&err), vec![field], "{}", err.message());
    }
    assert_eq!(app.history(&r.name).await.len(), 1, "nothing written");
    let err = app
        .requests
        .respond_request(grant(10_000, &[("fotokopi-a4", 20), ("cd", 1)]))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("Rp 10.000 does not match maklumat")
            && err.message().contains("= Rp 9.000"),
        "the refusal shows the sum: {}",
        err.message()
    );

    let answered = app
        .requests
        .respond_request(grant(9_000, &[("fotokopi-a4", 20), ("cd", 1)]))
        .await
        .expect("priced notice")
        .into_inner();
    let n = answered.notice.unwrap();
    assert_eq!(n.fee_tariff, "agencies/kota-serang/tariffs/2026-01-02");
    let lines: Vec<(&str, i64, i64, i64)> = n
        .fee_items
        .iter()
        .map(|i| {
            (
                i.code.as_str(),
                i.quantity,
                i.unit_price_rupiah,
                i.amount_rupiah,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![("fotokopi-a4", 20, 200, 4_000), ("cd", 1, 5_000, 5_000)]
    );
    assert_eq!(n.fee_items[1].description, "Salinan pada CD");
    // A later tariff does not change what was charged.
    create(
        &mut app,
        "kota-serang",
        tariff("Maklumat No. 2/2026", "2026-03-05", vec![]),
    )
    .await
    .unwrap();
    let read = app
        .requests
        .get_request(pb::GetRequestRequest {
            name: r.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.notice.unwrap().fee_items, n.fee_items);

    // Free service from 5 March: a fee is refused, none is fine; and a
    // notice back-filed to 4 March is priced by the tariff of that day.
    let r2 = app.submit("dinkes", "2026-03-02T02:00:00Z").await;
    app.set_now("2026-03-05T04:00:00Z");
    let free = |fee: i64, lines: &[(&str, i64)], at: Option<&str>| {
        let mut g = grant(fee, lines);
        g.name = r2.name.clone();
        g.notice.as_mut().unwrap().notice_time = at.map(ts);
        g
    };
    let err = app
        .requests
        .respond_request(free(200, &[("fotokopi-a4", 1)], None))
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["notice.fee_rupiah"]);
    assert!(err.message().contains("declares the service free"));
    app.requests
        .respond_request(free(
            200,
            &[("fotokopi-a4", 1)],
            Some("2026-03-04T08:00:00Z"),
        ))
        .await
        .expect("priced by the tariff of the notice day");
}

async fn tariff_bad_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    app.pemda("kota-serang").await;
    let cases: Vec<(pb::Tariff, Vec<&str>)> = vec![
        (
            pb::Tariff::default(),
            vec!["tariff.maklumat_number", "tariff.effective_date"],
        ),
        (
            tariff(
                "Maklumat 1",
                "2026-01-02",
                vec![
                    item("Fotokopi A4", "Fotokopi", "lembar", 200),
                    item("cd", "", "keping", -5),
                    item("cd", "CD", "", 5_000),
                ],
            ),
            vec![
                "tariff.items[1].description",
                "tariff.items[2].unit",
                "tariff.items[0].code",
                "tariff.items[1].price_rupiah",
                "tariff.items[2].code",
            ],
        ),
    ];
    for (t, want) in cases {
        let err = create(&mut app, "kota-serang", t).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        let mut got = violations(&err);
        let mut want: Vec<String> = want.into_iter().map(String::from).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }
    let err = create(
        &mut app,
        "nowhere",
        tariff("Maklumat 1", "2026-01-02", vec![]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(
        list(&mut app, "kota-serang").await.tariffs.is_empty(),
        "nothing written"
    );
}
