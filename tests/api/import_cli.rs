//! `ppid import register` as an operator runs it, on both backends: the
//! round trip through `ppid export register`, the dry run's report, all or
//! nothing, idempotence, the sequence after imported numbers, XLSX, and
//! imported history kept out of the event feed unless asked for.
use std::{path::Path, process::Command};

use ppid::pb::ppid::v1::{self as pb, event_service_client::EventServiceClient};

use crate::{
    helpers::{Backend, TestApp, TestDb, spawn_app},
    on_both_backends,
};

on_both_backends!(
    import_round_trip,
    dry_run_lists_every_bad_row,
    all_or_nothing_and_idempotent,
    sequence_continues_after_imported_numbers,
    xlsx_register,
    imported_history_stays_out_of_the_feed,
);

fn ppid() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ppid"));
    c.env("PPID_LOG", "warn");
    c
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = ppid().args(args).output().expect("run ppid");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn import(db: &str, file: &Path, extra: &[&str]) -> Run {
    let file = file.to_string_lossy();
    let mut args = vec![
        "import",
        "register",
        "--database-url",
        db,
        "--agency",
        "kota-serang",
    ];
    args.extend_from_slice(extra);
    args.push(&file);
    run(&args)
}

fn export(db: &str, agency: &str, out: &Path) -> String {
    let r = run(&[
        "export",
        "register",
        "--database-url",
        db,
        "--agency",
        agency,
        "--include-personal-data",
        "--output",
        &out.to_string_lossy(),
    ]);
    assert!(r.ok, "{}", r.stderr);
    std::fs::read_to_string(out).unwrap()
}

const HEADER: &str = "Nomor Registrasi,Tanggal Permohonan,Nama Pemohon,NIK / Nomor Pengesahan Badan Hukum,Alamat,Nomor Telepon,Email,Pekerjaan,Jenis Pemohon,Kuasa Pemohon (Surat Kuasa),Rincian Informasi yang Dibutuhkan,Tujuan Penggunaan Informasi,Cara Memperoleh Informasi,Bentuk Salinan,Cara Mendapatkan Salinan,Saluran Permohonan,Keputusan,Alasan Penolakan,Tanggal Pemberitahuan,Tanggal Penyerahan,Biaya,Cara Pembayaran";

/// A register row in the export's column order.
fn row(
    number: &str,
    received: &str,
    decision: &str,
    reason: &str,
    notice: &str,
    delivered: &str,
) -> String {
    // The decision and the reason may hold commas: quoted, as CSV does.
    format!(
        "{number},{received},Siti Aminah,3673012345678901,Jl. Veteran 1,081234567890,siti@contoh.id,Peneliti,Perorangan,,Data stunting,Penelitian,Mendapatkan Salinan,Softcopy,Email,Formulir Daring,\"{decision}\",\"{reason}\",{notice},{delivered},0,"
    )
}

/// A small good register of Kota Serang, received in January 2026.
fn good_register() -> String {
    [
        HEADER.to_string(),
        row(
            "KOTA-SERANG/PPID/2026/000001",
            "2026-01-05",
            "Diberikan seluruhnya",
            "",
            "2026-01-09",
            "2026-01-12",
        ),
        row(
            "KOTA-SERANG/PPID/2026/000002",
            "06/01/2026",
            "Ditolak (dikecualikan, Pasal 17)",
            "Pasal 17 huruf h",
            "2026-01-14",
            "",
        ),
        row(
            "KOTA-SERANG/PPID/2026/000007",
            "7 Januari 2026",
            "Dalam proses",
            "",
            "",
            "",
        ),
        row("REG-LAMA-12", "08-01-2026", "Ditarik kembali", "", "", ""),
        row(
            "KOTA-SERANG/PPID/2026/000004",
            "2026-01-09",
            "Diberikan sebagian",
            "Pasal 17 huruf h: NIK dihitamkan",
            "2026-01-20",
            "",
        ),
    ]
    .join("\n")
        + "\n"
}

async fn serang(backend: Backend) -> TestApp {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app
}

async fn import_round_trip(backend: Backend) {
    // A generated year (the ordinary rules, outcome mix, extensions,
    // withdrawals, objections) exported as the register.
    let source = TestDb::new(&backend).await;
    let g = run(&[
        "generate",
        "--database-url",
        &source.url,
        "--requests",
        "400",
        "--pemdas",
        "1",
        "--opds-per-pemda",
        "2",
        "--year",
        "2025",
    ]);
    assert!(g.ok, "{}", g.stderr);
    let dir = tempfile::tempdir().unwrap();
    let first = export(&source.url, "pemda-01", &dir.path().join("first.csv"));
    assert_eq!(first.lines().count(), 401);

    // Into an empty database with the Pemda, then exported again.
    let mut app = spawn_app(backend).await;
    app.pemda("pemda-01").await;
    let db = app.database_url().to_string();
    let file = dir.path().join("first.csv");
    let r = run(&[
        "import",
        "register",
        "--database-url",
        &db,
        "--agency",
        "pemda-01",
        &file.to_string_lossy(),
    ]);
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("400 row(s): 400 new"), "{}", r.stdout);
    let second = export(&db, "pemda-01", &dir.path().join("second.csv"));
    assert_eq!(first, second, "the register survives the round trip");
    // Every request is there under its own number.
    assert_eq!(app.all_requests().await.len(), 400);
}

async fn dry_run_lists_every_bad_row(backend: Backend) {
    let mut app = serang(backend).await;
    let db = app.database_url().to_string();
    let good = |n: u32| {
        row(
            &format!("KOTA-SERANG/PPID/2026/{n:06}"),
            "2026-01-05",
            "Diberikan seluruhnya",
            "",
            "2026-01-09",
            "",
        )
    };
    let rows = [
        good(1),
        // 3: a date in an unknown format.
        row(
            "KOTA-SERANG/PPID/2026/000002",
            "Januari 5th 2026",
            "Dalam proses",
            "",
            "",
            "",
        ),
        // 4: another Pemda's number.
        row(
            "KAB-LEBAK/PPID/2026/000003",
            "2026-01-05",
            "Dalam proses",
            "",
            "",
            "",
        ),
        // 5: the notice before receipt (dates going backwards).
        row(
            "KOTA-SERANG/PPID/2026/000004",
            "2026-01-09",
            "Diberikan seluruhnya",
            "",
            "2026-01-05",
            "",
        ),
        // 6: an unknown outcome.
        row(
            "KOTA-SERANG/PPID/2026/000005",
            "2026-01-05",
            "Entah",
            "",
            "2026-01-09",
            "",
        ),
        // 7: the same number twice.
        good(1),
        // 8: a NIK that is not 16 digits.
        row(
            "KOTA-SERANG/PPID/2026/000006",
            "2026-01-05",
            "Dalam proses",
            "",
            "",
            "",
        )
        .replace("3673012345678901", "36730123"),
        // 9: delivery after a rejection (nothing to deliver).
        row(
            "KOTA-SERANG/PPID/2026/000007",
            "2026-01-05",
            "Ditolak (dikecualikan, Pasal 17)",
            "Pasal 17 huruf h",
            "2026-01-09",
            "2026-01-12",
        ),
        // 10: a rejection citing no Pasal 17 letter and no DIK entry.
        row(
            "KOTA-SERANG/PPID/2026/000008",
            "2026-01-05",
            "Ditolak (dikecualikan, Pasal 17)",
            "",
            "2026-01-09",
            "",
        ),
        // 11: a fee that is not an amount.
        row(
            "KOTA-SERANG/PPID/2026/000009",
            "2026-01-05",
            "Diberikan seluruhnya",
            "",
            "2026-01-09",
            "",
        )
        .replace(",0,", ",gratis,"),
        // 12: a date in the future.
        row(
            "KOTA-SERANG/PPID/2026/000010",
            "2099-01-05",
            "Dalam proses",
            "",
            "",
            "",
        ),
        // 13: a notice date on a request the register says is pending.
        row(
            "KOTA-SERANG/PPID/2026/000011",
            "2026-01-05",
            "Dalam proses",
            "",
            "2026-01-09",
            "",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let r = import(&db, &file, &["--dry-run"]);
    assert!(!r.ok, "a dry run with problems fails: {}", r.stdout);
    let name = file.to_string_lossy();
    let expected = [
        (3, "Tanggal Permohonan", "is not a date in a known format"),
        (4, "Nomor Registrasi", "another Pemda (KAB-LEBAK)"),
        (
            5,
            "Tanggal Pemberitahuan",
            "is before the request was received",
        ),
        (6, "Keputusan", "unknown decision \"Entah\""),
        (
            7,
            "Nomor Registrasi",
            "the same registration number as row 2",
        ),
        (8, "NIK / Nomor Pengesahan Badan Hukum", "exactly 16 digits"),
        (9, "Tanggal Penyerahan", "no information is delivered"),
        (10, "Alasan Penolakan", "notice.exemptions"),
        (11, "Biaya", "\"gratis\" is not an amount"),
        (12, "Tanggal Permohonan", "2099-01-05 is in the future"),
        (
            13,
            "Tanggal Pemberitahuan",
            "the decision says \"Dalam proses\"",
        ),
    ];
    for (line, column, reason) in expected {
        let prefix = format!("{name}: row {line}, column \"{column}\": ");
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(reason)),
            "row {line} ({reason}) not reported:\n{}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains("36730123"), "never repeats a NIK");
    assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
    assert!(
        app.all_requests().await.is_empty(),
        "a dry run writes nothing"
    );

    // A good file's dry run passes and still writes nothing.
    let good_file = dir.path().join("good.csv");
    std::fs::write(&good_file, good_register()).unwrap();
    let r = import(&db, &good_file, &["--dry-run"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("dry run, nothing written; 5 row(s): 5 new"),
        "{}",
        r.stdout
    );
    assert!(app.all_requests().await.is_empty());

    // Files that are no register at all: named with the file and row.
    let latin1 = dir.path().join("latin1.csv");
    let mut bytes = good_register().into_bytes();
    bytes.extend_from_slice(b"KOTA-SERANG/PPID/2026/000009,2026-01-05,Jos\xe9\n");
    std::fs::write(&latin1, bytes).unwrap();
    let r = import(&db, &latin1, &[]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains(&format!(
            "{}: row 7: the file is not UTF-8",
            latin1.to_string_lossy()
        )),
        "{}",
        r.stderr
    );
    let headless = dir.path().join("headless.csv");
    std::fs::write(
        &headless,
        good_register()
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let r = import(&db, &headless, &[]);
    assert!(!r.ok);
    assert!(r.stderr.contains("row 1: no header row"), "{}", r.stderr);
    assert!(app.all_requests().await.is_empty());
}

async fn all_or_nothing_and_idempotent(backend: Backend) {
    let mut app = serang(backend).await;
    let db = app.database_url().to_string();
    let dir = tempfile::tempdir().unwrap();

    // One bad row (the last) in a real run: nothing is written.
    let bad = dir.path().join("one-bad.csv");
    std::fs::write(
        &bad,
        good_register()
            + &row(
                "KOTA-SERANG/PPID/2026/000009",
                "2026-01-05",
                "Tidak jelas",
                "",
                "2026-01-09",
                "",
            ),
    )
    .unwrap();
    let r = import(&db, &bad, &[]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains("row 7, column \"Keputusan\""),
        "{}",
        r.stderr
    );
    assert!(app.all_requests().await.is_empty(), "all or nothing");

    // The good file, twice: the second run adds nothing.
    let file = dir.path().join("register.csv");
    std::fs::write(&file, good_register()).unwrap();
    let r = import(&db, &file, &[]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "5 row(s): 5 new, 0 already in the register, 1 with a legacy number, 2 withholding(s)"
        ),
        "{}",
        r.stdout
    );
    let before = app.all_requests().await;
    assert_eq!(before.len(), 5);
    let r = import(&db, &file, &[]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("5 row(s): 0 new, 5 already in the register"),
        "{}",
        r.stdout
    );
    let after = app.all_requests().await;
    assert_eq!(before, after, "importing the same file twice adds nothing");

    // Real dates and the history through the rules; the rejection on a
    // letter without a DIK entry is imported, flagged.
    let by_number = |n: &str| {
        after
            .iter()
            .find(|r| r.registration_number == n)
            .unwrap_or_else(|| panic!("{n} imported"))
            .clone()
    };
    let delivered = by_number("KOTA-SERANG/PPID/2026/000001");
    assert_eq!(
        delivered.state,
        pb::information_request::State::Delivered as i32
    );
    let history = app.history(&delivered.name).await;
    let kinds: Vec<i32> = history.iter().map(|e| e.r#type).collect();
    assert_eq!(kinds.len(), 3, "{history:?}");
    assert!(history.iter().all(|e| e.actor == "import"));
    let rejected = by_number("KOTA-SERANG/PPID/2026/000002");
    let notice = rejected.notice.unwrap();
    assert!(notice.unregistered_exemption_basis, "flagged, not refused");
    // The number of another form is kept beside a new one.
    assert!(
        after
            .iter()
            .all(|r| r.registration_number.starts_with("KOTA-SERANG/PPID/2026/"))
    );
    let legacy = by_number("KOTA-SERANG/PPID/2026/000008");
    assert_eq!(
        legacy.state,
        pb::information_request::State::Withdrawn as i32
    );
    let registered = &app.history(&legacy.name).await[0];
    assert!(
        registered.summary.contains("(legacy number REG-LAMA-12)"),
        "{registered:?}"
    );
}

async fn sequence_continues_after_imported_numbers(backend: Backend) {
    let mut app = serang(backend).await;
    let db = app.database_url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("register.csv");
    std::fs::write(&file, good_register()).unwrap();
    let r = import(&db, &file, &[]);
    assert!(r.ok, "{}", r.stderr);
    // Highest imported: 000007; the legacy row was numbered 000008.
    let all = app.all_requests().await;
    let mut numbers: Vec<String> = all.iter().map(|r| r.registration_number.clone()).collect();
    numbers.sort();
    assert_eq!(numbers.last().unwrap(), "KOTA-SERANG/PPID/2026/000008");
    let next = app.submit("dinkes", "2026-03-02T01:00:00Z").await;
    assert_eq!(next.registration_number, "KOTA-SERANG/PPID/2026/000009");
}

async fn xlsx_register(backend: Backend) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut app = serang(backend).await;
    let db = app.database_url().to_string();
    let dir = tempfile::tempdir().unwrap();

    // A title above the header, spellings of people, date cells, an OPD.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .write_string(0, 0, "REGISTER PERMOHONAN INFORMASI PUBLIK 2026")
        .unwrap();
    let headers = [
        "No. Registrasi",
        "Tgl. Permohonan",
        "OPD",
        "keputusan",
        "Tanggal Pemberitahuan",
        "Rincian Informasi",
        "Biaya",
    ];
    for (i, h) in headers.iter().enumerate() {
        sheet.write_string(2, i as u16, *h).unwrap();
    }
    let rows = [
        (
            "KOTA-SERANG/PPID/2026/000001",
            (2026, 1, 5),
            "dinkes",
            "Diberikan seluruhnya",
            Some((2026, 1, 9)),
        ),
        (
            "KOTA-SERANG/PPID/2026/000002",
            (2026, 1, 6),
            "",
            "Dalam proses",
            None,
        ),
    ];
    for (i, (number, received, opd, decision, notice)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_string(r, 0, *number).unwrap();
        let d = ExcelDateTime::from_ymd(received.0, received.1, received.2).unwrap();
        sheet.write_datetime_with_format(r, 1, &d, &date).unwrap();
        sheet.write_string(r, 2, *opd).unwrap();
        sheet.write_string(r, 3, *decision).unwrap();
        if let Some(n) = notice {
            let d = ExcelDateTime::from_ymd(n.0, n.1, n.2).unwrap();
            sheet.write_datetime_with_format(r, 4, &d, &date).unwrap();
        }
        sheet.write_string(r, 5, "Anggaran kesehatan").unwrap();
        sheet.write_number(r, 6, 0).unwrap();
    }
    let file = dir.path().join("register.xlsx");
    book.save(&file).unwrap();
    let r = import(&db, &file, &[]);
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    let all = app.all_requests().await;
    assert_eq!(all.len(), 2);
    let first = all
        .iter()
        .find(|r| r.registration_number.ends_with("000001"))
        .unwrap();
    assert_eq!(first.agency, "agencies/dinkes");
    assert_eq!(
        first.receive_time.as_ref().unwrap().seconds,
        "2026-01-05T01:00:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second(),
        "received on its day, 08:00 WIB"
    );

    // A merged header cell is refused, naming the cells.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Nomor Registrasi").unwrap();
    sheet
        .merge_range(0, 1, 0, 2, "Tanggal", &Format::new())
        .unwrap();
    sheet.write_string(0, 3, "Keputusan").unwrap();
    sheet
        .write_string(1, 0, "KOTA-SERANG/PPID/2026/000003")
        .unwrap();
    sheet.write_string(1, 1, "2026-01-05").unwrap();
    sheet.write_string(1, 2, "2026-01-09").unwrap();
    sheet.write_string(1, 3, "Diberikan seluruhnya").unwrap();
    let merged = dir.path().join("merged.xlsx");
    book.save(&merged).unwrap();
    let r = import(&db, &merged, &[]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains(&format!(
            "{}: row 1: merged header cell B1..C1",
            merged.to_string_lossy()
        )),
        "{}",
        r.stderr
    );
    assert_eq!(app.all_requests().await.len(), 2);
}

async fn imported_history_stays_out_of_the_feed(backend: Backend) {
    let mut app = serang(backend).await;
    let live = app.submit("dinkes", "2026-03-02T01:00:00Z").await;
    let db = app.database_url().to_string();
    let dir = tempfile::tempdir().unwrap();
    // Numbers of 2025: the live request keeps its 2026 number.
    let file = dir.path().join("register.csv");
    std::fs::write(
        &file,
        good_register()
            .replace("/2026/", "/2025/")
            .replace("2026", "2025"),
    )
    .unwrap();
    let r = import(&db, &file, &[]);
    assert!(r.ok, "{}", r.stderr);
    let mut client = EventServiceClient::new(app.channel.clone());
    let list = |include_imported| pb::ListEventsRequest {
        page_size: 1000,
        include_imported,
        ..Default::default()
    };
    let plain = client
        .list_events(list(false))
        .await
        .unwrap()
        .into_inner()
        .events;
    assert_eq!(plain.len(), 1, "only the live submission: {plain:?}");
    assert_eq!(plain[0].registration_number, live.registration_number);
    let all = client
        .list_events(list(true))
        .await
        .unwrap()
        .into_inner()
        .events;
    let imported: Vec<_> = all.iter().filter(|e| e.imported).collect();
    // 5 submissions, 3 notices, 1 delivery, 1 withdrawal.
    assert_eq!(imported.len(), 10, "{all:?}");
    assert_eq!(all.len(), 11);
}
