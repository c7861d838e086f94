//! LetterService and letterheads (#22.3, #22.6): each letter rendered from
//! the register with its legal content, read back from the HTML (not a
//! byte snapshot); letters that do not fit the request's state, and
//! letterheads missing fields, refused with nothing written; `ppid letter`.
use ppid::pb::ppid::v1::{
    self as pb, ExemptionLetter as L, ObjectionGround as G, letter::Kind, objection,
};
use tonic::Code;

use crate::{
    exemptions::{create, entry},
    helpers::{Backend, TestApp, api_key, day, reason, spawn_app, submission, violations, with},
    objections::{decide, file},
    on_both_backends,
};

on_both_backends!(
    letters_from_the_register,
    letters_follow_the_request_state,
    letter_bad_input,
    personal_data_in_letters,
    letter_cli,
);

/// A complete letterhead for Kota Serang.
pub fn letterhead() -> pb::Letterhead {
    pb::Letterhead {
        institution: "Pemerintah Kota Serang".into(),
        unit: "Dinas Komunikasi, Informatika, Persandian dan Statistik".into(),
        address: "Jl. Jenderal Sudirman No. 5, Serang, Banten 42116".into(),
        city: "Serang".into(),
        phone: "(0254) 200 001".into(),
        email: "ppid@serangkota.go.id".into(),
        website: "ppid.serangkota.go.id".into(),
        ppid_name: "Drs. Wahyu Nugroho, M.Si.".into(),
        ppid_nip: "19700101 199503 1 001".into(),
        superior_name: "H. Nanang Saefudin".into(),
        superior_position: "Sekretaris Daerah Kota Serang".into(),
        superior_nip: "19680202 199003 1 002".into(),
        decree_number: "800/Kep.45-Huk/2026".into(),
    }
}

/// Sets `agency`'s letterhead through UpdateAgency.
pub async fn set_letterhead(app: &mut TestApp, agency: &str, l: pb::Letterhead) -> pb::Agency {
    app.agencies
        .update_agency(pb::UpdateAgencyRequest {
            agency: Some(pb::Agency {
                name: format!("agencies/{agency}"),
                letterhead: Some(l),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["letterhead".into()],
            }),
        })
        .await
        .expect("set the letterhead")
        .into_inner()
}

async fn render(app: &mut TestApp, name: &str, kind: Kind, lang: &str) -> pb::Letter {
    app.letters
        .render_letter(pb::RenderLetterRequest {
            name: name.into(),
            kind: kind as i32,
            language_code: lang.into(),
        })
        .await
        .unwrap_or_else(|e| panic!("{kind:?} of {name}: {e:?}"))
        .into_inner()
}

async fn render_err(app: &mut TestApp, name: &str, kind: Kind) -> tonic::Status {
    app.letters
        .render_letter(pb::RenderLetterRequest {
            name: name.into(),
            kind: kind as i32,
            language_code: String::new(),
        })
        .await
        .expect_err("refused")
}

/// The text of a letter's HTML without tags, so a check reads like the
/// printed page ("Nomor pendaftaran : KOTA-SERANG/...").
fn text(html: &str) -> String {
    // The page's own text starts after its style sheet.
    let body = html.split_once("</style>").map_or(html, |(_, b)| b);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts that `letter` is a print-ready A4 page on the Kota Serang
/// letterhead, signed by `signer`, holding every one of `facts`.
fn assert_letter(letter: &pb::Letter, signer: &str, facts: &[&str]) {
    let html = &letter.html;
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("@page{size:A4"), "A4 print CSS");
    let t = text(html);
    for f in [
        "Pemerintah Kota Serang",
        "Jl. Jenderal Sudirman No. 5, Serang, Banten 42116",
        "ppid@serangkota.go.id",
        "800/Kep.45-Huk/2026",
        signer,
    ]
    .iter()
    .chain(facts)
    {
        assert!(t.contains(f), "{:?} lacks {f:?}:\n{t}", letter.kind);
    }
    for raw in ["partially_granted", "not_held", "T02:00:00Z", "2026-03-"] {
        assert!(!t.contains(raw), "{raw:?} in {t}");
    }
}

/// A request received Monday 2 March 2026 at Kota Serang, with its
/// tracking code (given once, on submission).
async fn submitted(app: &mut TestApp, agency: &str) -> (pb::InformationRequest, String) {
    let r = app
        .requests
        .submit_request(submission(agency, "2026-03-02T02:00:00Z"))
        .await
        .unwrap()
        .into_inner();
    let code = r.tracking_code.clone();
    (r, code)
}

async fn letters_from_the_register(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    let a = set_letterhead(&mut app, "kota-serang", letterhead()).await;
    assert_eq!(a.letterhead, Some(letterhead()), "UpdateAgency returns it");
    let got = app
        .agencies
        .get_agency(pb::GetAgencyRequest {
            name: "agencies/kota-serang".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.letterhead, Some(letterhead()), "GetAgency returns it");

    // The receipt: registration number, tracking code, due date.
    let (r, code) = submitted(&mut app, "kota-serang").await;
    assert_eq!(day(&r.due_date), "2026-03-16");
    let receipt = render(&mut app, &r.name, Kind::Receipt, "").await;
    assert_eq!(receipt.language_code, "id");
    assert_eq!(
        receipt.title,
        "Tanda Bukti Penerimaan Permohonan Informasi Publik"
    );
    assert_eq!(day(&receipt.date), "2026-03-02");
    assert_letter(
        &receipt,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Tanda Bukti Penerimaan Permohonan Informasi Publik",
            &format!(
                "Nomor pendaftaran : {} Kode pelacakan : {code}",
                r.registration_number
            ),
            "Tanggal permohonan : 2 Maret 2026",
            "Nama pemohon : Siti Rahayu",
            "Alamat : Jl. Ki Mas Jong No. 5, Serang",
            "Anggaran program penurunan stunting per kecamatan, 2025",
            "Batas waktu pemberitahuan tertulis : 16 Maret 2026",
            "Pasal 22 ayat (7)",
            "Serang, 2 Maret 2026",
        ],
    );
    // English on request.
    let en = render(&mut app, &r.name, Kind::Receipt, "en").await;
    assert_eq!(en.language_code, "en");
    assert_letter(
        &en,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Receipt of a Request for Public Information",
            "Date of request : 2 March 2026",
            "Written notice due by : 16 March 2026",
        ],
    );
    assert!(en.html.contains("<html lang=\"en\">"));

    // The rejection: the Pasal 17 basis, the DIK entry and its
    // consequence test.
    let dik = create(&mut app, "kota-serang", entry(L::H, None)).await;
    app.set_now("2026-03-04T02:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Rejected as i32,
                notice_text: "Ditolak: rahasia pribadi pasien.".into(),
                exemptions: vec![dik.name.clone()],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let notice = render(&mut app, &r.name, Kind::NoticeRejected, "id").await;
    assert_eq!(day(&notice.date), "2026-03-04");
    assert_letter(
        &notice,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Pemberitahuan Tertulis",
            "Keputusan : Ditolak (dikecualikan, Pasal 17)",
            "Dasar pengecualian : UU KIP Pasal 17 huruf h",
            "Informasi yang dikecualikan : Rekam medis pasien RSUD dr. Drajat Prawiranegara",
            "Keputusan nomor SK PPID Kota Serang No. 1 Tahun 2026 tanggal 5 Januari 2026",
            "Uji konsekuensi: akibat yang timbul bila informasi dibuka : Membuka rahasia pribadi pasien (riwayat penyakit)",
            "Pertimbangan kepentingan publik : Perlindungan rahasia pribadi lebih besar",
            "tanpa batas waktu",
            "Keterangan : Ditolak: rahasia pribadi pasien.",
            "Pasal 35",
            "Serang, 4 Maret 2026",
        ],
    );

    // The objection: its receipt, then the atasan's answer.
    app.set_now("2026-03-05T02:00:00Z");
    let o = app
        .objections
        .file_objection(file(&r.name, &[G::Rejected]))
        .await
        .unwrap()
        .into_inner();
    let receipt = render(&mut app, &o.name, Kind::ObjectionReceipt, "").await;
    assert_letter(
        &receipt,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Tanda Bukti Penerimaan Keberatan",
            &format!("Nomor registrasi keberatan : {}", o.registration_number),
            &format!("Nomor pendaftaran : {}", r.registration_number),
            "Tanggal keberatan diterima : 5 Maret 2026",
            "a. penolakan berdasarkan Pasal 17",
            "Informasi tersebut menyangkut anggaran publik",
            "Tanggapan atasan PPID paling lambat : 24 April 2026",
        ],
    );
    let early = render_err(&mut app, &o.name, Kind::ObjectionAnswer).await;
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert_eq!(reason(&early), "LETTER_NOT_APPLICABLE");
    app.set_now("2026-03-10T02:00:00Z");
    app.objections
        .decide_objection(decide(
            &o.name,
            objection::Decision::Upheld,
            "Rekam medis adalah rahasia pribadi (Pasal 17 huruf h).",
        ))
        .await
        .unwrap();
    let answer = render(&mut app, &o.name, Kind::ObjectionAnswer, "").await;
    assert_eq!(day(&answer.date), "2026-03-10");
    assert_letter(
        &answer,
        "Drs. H. Ahmad Sobari",
        &[
            "Tanggapan atas Keberatan",
            "Tanggapan : Menguatkan putusan PPID",
            "Alasan : Rekam medis adalah rahasia pribadi (Pasal 17 huruf h).",
            "Sekretaris Daerah Kota Serang",
            "Komisi Informasi",
            "7 April 2026",
            "Serang, 10 Maret 2026",
        ],
    );

    // At Dinkes, which has no letterhead of its own: its Pemda's. An
    // extension with its reason, then "not held" naming the holder.
    app.set_now("2026-03-03T02:00:00Z");
    let (r2, _) = submitted(&mut app, "dinkes").await;
    app.set_now("2026-03-16T02:00:00Z");
    let extended = app
        .requests
        .extend_request(pb::ExtendRequestRequest {
            name: r2.name.clone(),
            reason: "Data perlu dihimpun dari 6 kecamatan".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let ext = render(&mut app, &r2.name, Kind::Extension, "").await;
    assert_letter(
        &ext,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Pemberitahuan Perpanjangan Jangka Waktu",
            "Pasal 22 ayat (8)",
            "Batas waktu semula : 16 Maret 2026",
            &format!(
                "Batas waktu baru : {}",
                ppid::report::texts::date(
                    ppid::report::texts::Lang::Id,
                    day(&extended.due_date).parse().unwrap()
                )
            ),
            "Alasan perpanjangan : Data perlu dihimpun dari 6 kecamatan",
            "Serang, 16 Maret 2026",
        ],
    );
    app.set_now("2026-03-17T02:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: r2.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::NotHeld as i32,
                notice_text: "Data anggaran dikelola Bappeda.".into(),
                holder: "Badan Perencanaan Pembangunan Daerah Kota Serang".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let not_held = render(&mut app, &r2.name, Kind::NoticeNotHeld, "").await;
    assert_letter(
        &not_held,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Keputusan : Tidak dikuasai",
            "Informasi dikuasai oleh : Badan Perencanaan Pembangunan Daerah Kota Serang",
            "Serang, 17 Maret 2026",
        ],
    );

    // Returned for completion: what is missing.
    app.set_now("2026-03-02T03:00:00Z");
    let (r3, _) = submitted(&mut app, "kota-serang").await;
    app.requests
        .return_for_completion(pb::ReturnForCompletionRequest {
            name: r3.name.clone(),
            missing_information: "Salinan KTP belum dilampirkan".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let completion = render(&mut app, &r3.name, Kind::CompletionRequest, "").await;
    assert_letter(
        &completion,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Permintaan Melengkapi",
            "Yang perlu dilengkapi : Salinan KTP belum dilampirkan",
            "Tanggal dikembalikan : 2 Maret 2026",
        ],
    );
    let paused = render(&mut app, &r3.name, Kind::Receipt, "").await;
    assert!(text(&paused.html).contains("dijeda sampai permohonan dilengkapi"));

    // Granted, then handed over: the handover receipt with both signatures.
    app.set_now("2026-03-02T04:00:00Z");
    let (r4, _) = submitted(&mut app, "kota-serang").await;
    app.set_now("2026-03-04T04:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: r4.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Informasi diberikan seluruhnya.".into(),
                format: "PDF".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let granted = render(&mut app, &r4.name, Kind::NoticeGranted, "").await;
    assert_letter(
        &granted,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Keputusan : Diberikan seluruhnya",
            "Bentuk informasi yang diberikan : PDF",
            "Cara mendapatkan salinan : Email",
            "Biaya : Rp 0",
        ],
    );
    app.set_now("2026-03-05T04:00:00Z");
    app.requests
        .record_delivery(pb::RecordDeliveryRequest {
            name: r4.name.clone(),
            note: "Dikirim ke surel pemohon".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let handover = render(&mut app, &r4.name, Kind::HandoverReceipt, "").await;
    assert_letter(
        &handover,
        "Drs. Wahyu Nugroho, M.Si.",
        &[
            "Tanda Bukti Penyerahan Informasi Publik",
            "Tanggal penyerahan : 5 Maret 2026",
            "Yang menerima",
            "Yang menyerahkan",
            "Siti Rahayu",
        ],
    );
}

/// A letter the request's state does not have is refused with
/// LETTER_NOT_APPLICABLE and the reason.
async fn letters_follow_the_request_state(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    set_letterhead(&mut app, "kota-serang", letterhead()).await;
    let (r, _) = submitted(&mut app, "kota-serang").await;
    for kind in [
        Kind::NoticeGranted,
        Kind::NoticeRejected,
        Kind::Extension,
        Kind::HandoverReceipt,
        Kind::CompletionRequest,
        Kind::ObjectionReceipt,
    ] {
        let err = render_err(&mut app, &r.name, kind).await;
        assert_eq!(err.code(), Code::FailedPrecondition, "{kind:?}");
        assert_eq!(reason(&err), "LETTER_NOT_APPLICABLE", "{kind:?}");
    }
    app.set_now("2026-03-03T02:00:00Z");
    app.requests
        .respond_request(pb::RespondRequestRequest {
            name: r.name.clone(),
            notice: Some(pb::Notice {
                outcome: pb::notice::Outcome::Granted as i32,
                notice_text: "Diberikan.".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    // No rejection notice for a granted request.
    let err = render_err(&mut app, &r.name, Kind::NoticeRejected).await;
    assert_eq!(reason(&err), "LETTER_NOT_APPLICABLE");
    assert!(err.message().contains("granted"), "{}", err.message());
    render(&mut app, &r.name, Kind::NoticeGranted, "").await;
}

async fn letter_bad_input(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let before = app.pemda("kota-serang").await;
    let (r, _) = submitted(&mut app, "kota-serang").await;

    // Without a letterhead: refused, saying where to set it.
    let err = render_err(&mut app, &r.name, Kind::Receipt).await;
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(reason(&err), "LETTERHEAD_INCOMPLETE");
    assert!(err.message().contains("letterhead"), "{}", err.message());

    // A letterhead missing its required fields: every one named, nothing
    // written (no letterhead, the same etag).
    let err = app
        .agencies
        .update_agency(pb::UpdateAgencyRequest {
            agency: Some(pb::Agency {
                name: "agencies/kota-serang".into(),
                letterhead: Some(pb::Letterhead {
                    institution: "Pemerintah Kota Serang".into(),
                    city: "  ".into(),
                    phone: "0254\n200".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["letterhead".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&err),
        vec![
            "agency.letterhead.address",
            "agency.letterhead.city",
            "agency.letterhead.phone",
            "agency.letterhead.ppid_name",
            "agency.letterhead.superior_name",
            "agency.letterhead.superior_position",
            "agency.letterhead.decree_number",
        ]
    );
    let err = app
        .agencies
        .update_agency(pb::UpdateAgencyRequest {
            agency: Some(pb::Agency {
                name: "agencies/kota-serang".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["letterhead".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["agency.letterhead"]);
    let after = app
        .agencies
        .get_agency(pb::GetAgencyRequest {
            name: "agencies/kota-serang".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.letterhead, None, "nothing written");
    assert_eq!(after.etag, before.etag, "nothing written");

    // Malformed calls: every field named.
    let err = app
        .letters
        .render_letter(pb::RenderLetterRequest {
            name: "permohonan/42".into(),
            kind: 0,
            language_code: "fr".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violations(&err), vec!["name", "kind", "language_code"]);
    let err = app
        .letters
        .render_letter(pb::RenderLetterRequest {
            name: "objections/not-a-uuid".into(),
            kind: 99,
            language_code: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&err), vec!["name", "kind"]);
    let err = render_err(
        &mut app,
        "requests/00000000-0000-4000-8000-000000000000",
        Kind::Receipt,
    )
    .await;
    assert_eq!(err.code(), Code::NotFound);
}

/// The requester's name and address are printed only for callers who may
/// see personal data (the PPID's officers and admins); the atasan's letter
/// leaves them out. Other agencies' callers learn nothing.
async fn personal_data_in_letters(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.pemda("kab-lebak").await;
    set_letterhead(&mut app, "kota-serang", letterhead()).await;
    let (r, _) = submitted(&mut app, "dinkes").await;
    let operator = api_key(&app, None, pb::api_key::Role::Admin, "").await;
    let officer = api_key(&app, Some(&operator), pb::api_key::Role::Officer, "dinkes").await;
    let superior = api_key(
        &app,
        Some(&operator),
        pb::api_key::Role::Superior,
        "kota-serang",
    )
    .await;
    let lebak = api_key(
        &app,
        Some(&operator),
        pb::api_key::Role::Officer,
        "kab-lebak",
    )
    .await;
    let ask = |token: &str| {
        with(
            pb::RenderLetterRequest {
                name: r.name.clone(),
                kind: Kind::Receipt as i32,
                language_code: String::new(),
            },
            token,
        )
    };
    let full = app
        .letters
        .render_letter(ask(&officer))
        .await
        .unwrap()
        .into_inner();
    assert!(full.personal_data_included);
    let t = text(&full.html);
    assert!(t.contains("Siti Rahayu") && t.contains("Jl. Ki Mas Jong No. 5"));
    let masked = app
        .letters
        .render_letter(ask(&superior))
        .await
        .unwrap()
        .into_inner();
    assert!(!masked.personal_data_included);
    let t = text(&masked.html);
    assert!(
        !t.contains("Siti Rahayu") && !t.contains("Ki Mas Jong"),
        "{t}"
    );
    assert!(t.contains("(tidak ditampilkan: data pribadi)"));
    assert!(t.contains(&r.registration_number));
    let err = app.letters.render_letter(ask(&lebak)).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

/// `ppid letter` writes the same letter from the database directly.
async fn letter_cli(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    set_letterhead(&mut app, "kota-serang", letterhead()).await;
    let (r, code) = submitted(&mut app, "kota-serang").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tanda-terima.html");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ppid"))
            .env("PPID_LOG", "warn")
            .args(["letter", "--database-url", app.database_url()])
            .args(args)
            .output()
            .unwrap()
    };
    let done = run(&[
        "--request",
        &r.registration_number,
        "--kind",
        "receipt",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{done:?}");
    let html = std::fs::read_to_string(&out).unwrap();
    let t = text(&html);
    assert!(t.contains(&format!("Kode pelacakan : {code}")), "{t}");
    assert!(t.contains("Tanggal permohonan : 2 Maret 2026"));
    assert!(t.contains("Nama pemohon : Siti Rahayu"));

    let en = run(&["--request", &r.name, "--kind", "receipt", "--lang", "en"]);
    assert!(en.status.success(), "{en:?}");
    assert!(String::from_utf8_lossy(&en.stdout).contains("2 March 2026"));

    let bad = run(&["--request", &r.name, "--kind", "notice_rejected"]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("no written notice"), "{err}");
    let bad = run(&["--request", &r.name, "--kind", "surat"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("objection_answer"));
}
