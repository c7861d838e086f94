//! The public portal over plain HTTP (#23): its forms go through the API's
//! checks and write once, its guards refuse and write nothing, its public
//! pages show published figures and never personal data. The browser's
//! view is `portal_browser.rs`.
use std::collections::HashMap;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use ppid::pb::ppid::v1 as pb;

use crate::helpers::{
    Backend, EMAIL, NIK, PHONE, TestApp, spawn_app, spawn_app_guarded, submission,
};

/// A browser without a browser: cookies kept, forms posted.
pub(crate) struct Web {
    base: String,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    cookies: HashMap<String, String>,
}

/// An answer: status, headers, body.
pub(crate) struct Page {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Page {
    /// The `value` of the input named `name`.
    pub fn input(&self, name: &str) -> String {
        let at = self
            .body
            .find(&format!("name=\"{name}\" value=\""))
            .unwrap_or_else(|| panic!("no input {name} in {}", self.body));
        let rest = &self.body[at + name.len() + 15..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    /// The text of the element with `id` (up to its first tag).
    pub fn text_of(&self, id: &str) -> String {
        let at = self
            .body
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in {}", self.body));
        let rest = &self.body[at..];
        let start = rest.find('>').unwrap() + 1;
        let end = rest[start..].find('<').unwrap() + start;
        rest[start..end].trim().to_string()
    }
}

impl Web {
    pub fn new(port: u16) -> Self {
        Self {
            base: format!("http://127.0.0.1:{port}"),
            client: Client::builder(TokioExecutor::new()).build_http(),
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, req: http::request::Builder, body: String) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = if cookie.is_empty() {
            req
        } else {
            req.header("cookie", cookie)
        };
        let res = self
            .client
            .request(req.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .expect("http");
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), val.to_string());
        }
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = http::Request::get(format!("{}{path}", self.base));
        self.send(req, String::new()).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_with(path, form, &[]).await
    }

    pub async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = http::Request::post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req, body).await
    }
}

fn encode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(b as char)
            }
            b' ' => o.push('+'),
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

/// A request form as a person fills it, with `nik`.
pub(crate) fn request_form<'a>(
    csrf: &'a str,
    key: &'a str,
    agency: &'a str,
    nik: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("kunci", key),
        ("situs", ""),
        ("badan", agency),
        ("jenis", "individual"),
        ("nama", "Siti Rahayu"),
        ("nik", nik),
        ("badan_hukum", ""),
        ("alamat", "Jl. Ki Mas Jong No. 5, Serang"),
        ("telepon", PHONE),
        ("email", EMAIL),
        ("pekerjaan", "Peneliti"),
        (
            "rincian",
            "Anggaran program penurunan stunting per kecamatan, 2025",
        ),
        ("tujuan", "Penelitian kebijakan kesehatan"),
        ("cara", "copy"),
        ("salinan", "softcopy"),
        ("kirim", "email"),
    ]
}

/// Publishes the ranking of Kota Serang's units for `year`.
pub(crate) async fn publish_ranking(app: &mut TestApp, year: i32) {
    app.indicators
        .publish_ranking(pb::PublishRankingRequest {
            parent: "agencies/kota-serang".into(),
            period: crate::indicators::year(year),
            ..Default::default()
        })
        .await
        .unwrap();
}

/// Publishes Kota Serang's annual report for `year`.
pub(crate) async fn publish_report(app: &mut TestApp, year: i32) {
    app.reports
        .publish_annual_report(pb::PublishAnnualReportRequest {
            agency: "agencies/kota-serang".into(),
            year,
            sent_to_ki_date: None,
        })
        .await
        .unwrap();
}

async fn serang(app: &mut TestApp) {
    app.pemda("kota-serang").await;
    app.opd("dinkes-serang", "kota-serang").await;
}

/// Files a request through the portal; its number and code.
pub(crate) async fn file_on_portal(web: &mut Web, agency: &str) -> (String, String) {
    let form = web.get("/permohonan").await;
    let (csrf, key) = (form.input("csrf"), form.input("kunci"));
    let done = web
        .post("/permohonan", &request_form(&csrf, &key, agency, NIK))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    (done.text_of("nomor"), done.text_of("kode"))
}

async fn a_form_refuses_by_the_field_then_registers_once(backend: Backend) {
    let mut app = spawn_app(backend).await;
    serang(&mut app).await;
    let mut web = Web::new(app.port);
    let form = web.get("/permohonan").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("<title>Formulir permohonan informasi publik")
    );
    let (csrf, key) = (form.input("csrf"), form.input("kunci"));

    // One bad field: said next to it, in Indonesian, and nothing written.
    let bad = web
        .post(
            "/permohonan",
            &request_form(&csrf, &key, "dinkes-serang", "12345"),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.text_of("f-nik-err"), "NIK harus tepat 16 angka.");
    assert!(bad.body.contains("id=\"f-nik\" name=\"nik\""));
    assert!(bad.body.contains("aria-invalid=\"true\""));
    assert!(
        bad.body.contains("value=\"Siti Rahayu\""),
        "what was typed is kept"
    );
    assert_eq!(bad.input("kunci"), key, "the same form, the same key");
    assert!(app.all_requests().await.is_empty());

    // Fixed: the receipt.
    let good = web
        .post(
            "/permohonan",
            &request_form(&csrf, &key, "dinkes-serang", NIK),
        )
        .await;
    assert_eq!(good.status, 200, "{}", good.body);
    let number = good.text_of("nomor");
    let code = good.text_of("kode");
    assert!(number.starts_with("KOTA-SERANG/PPID/2026/"), "{number}");
    assert!(!code.is_empty());
    assert_eq!(good.headers["cache-control"], "no-store");
    assert!(
        good.body.contains("16 Maret 2026"),
        "the due date: {}",
        good.body
    );

    // A double click or a resubmit: the same receipt, one request.
    let again = web
        .post(
            "/permohonan",
            &request_form(&csrf, &key, "dinkes-serang", NIK),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.text_of("nomor"), number);
    let all = app.all_requests().await;
    assert_eq!(all.len(), 1);
    let r = &all[0];
    assert_eq!(r.channel, pb::Channel::WebForm as i32);
    assert_eq!(r.requester.as_ref().unwrap().nik, NIK);
    let history = app.history(&r.name).await;
    assert_eq!(history[0].actor, "portal");

    // The same key with other contents is refused without saying whose.
    let mut other = request_form(&csrf, &key, "dinkes-serang", NIK);
    other.retain(|(k, _)| *k != "tujuan");
    other.push(("tujuan", "Lain"));
    let clash = web.post("/permohonan", &other).await;
    assert_eq!(clash.status, 409);
    assert!(!clash.body.contains(&number));
    assert_eq!(app.all_requests().await.len(), 1);

    // Several missing fields: each named, in plain words.
    let form = web.get("/permohonan").await;
    let empty = web
        .post(
            "/permohonan",
            &[
                ("csrf", &form.input("csrf")),
                ("kunci", &form.input("kunci")),
            ],
        )
        .await;
    assert_eq!(empty.status, 422);
    for (id, say) in [
        ("f-badan-err", "Pilih badan publik yang dituju."),
        ("f-nama-err", "Nama lengkap wajib diisi."),
        (
            "f-telepon-err",
            "Isi nomor telepon atau alamat email, agar PPID dapat menghubungi Anda.",
        ),
        ("f-cara-err", "Cara memperoleh informasi wajib diisi."),
    ] {
        assert_eq!(empty.text_of(id), say, "{id}");
    }
    // In English when asked.
    let en = web.get("/permohonan?lang=en").await;
    assert!(en.body.contains("<html lang=\"en\">"));
    let empty = web
        .post(
            "/permohonan",
            &[("csrf", &en.input("csrf")), ("kunci", &en.input("kunci"))],
        )
        .await;
    assert_eq!(empty.text_of("f-nama-err"), "Full name is required.");
    assert_eq!(app.all_requests().await.len(), 1);
    app.stop().await;
}

async fn forms_refuse_without_their_token_and_bots(backend: Backend) {
    let mut app = spawn_app(backend).await;
    serang(&mut app).await;
    let mut web = Web::new(app.port);
    // No cookie, no token.
    let page = web
        .post(
            "/permohonan",
            &request_form("x", &uuid::Uuid::new_v4().to_string(), "dinkes-serang", NIK),
        )
        .await;
    assert_eq!(page.status, 403);
    let form = web.get("/permohonan").await;
    let (csrf, key) = (form.input("csrf"), form.input("kunci"));
    // A token not this browser's (another's, or forged).
    let mut stranger = Web::new(app.port);
    let theirs = stranger.get("/permohonan").await.input("csrf");
    let page = web
        .post(
            "/permohonan",
            &request_form(&theirs, &key, "dinkes-serang", NIK),
        )
        .await;
    assert_eq!(page.status, 403);
    // An old tab's token: the form again, as typed, with a fresh token.
    assert!(page.body.contains("kedaluwarsa"));
    assert!(page.body.contains("value=\"Siti Rahayu\""));
    assert_eq!(page.input("kunci"), key);
    // Sent from another site, or a sibling subdomain, or another origin.
    for (h, v) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "http://evil.example"),
    ] {
        let page = web
            .post_with(
                "/permohonan",
                &request_form(&csrf, &key, "dinkes-serang", NIK),
                &[(h, v)],
            )
            .await;
        assert_eq!(page.status, 403, "{h}: {v}");
        assert!(page.body.contains("situs lain"), "{h}: {v}");
    }
    // The honeypot filled.
    let mut bot = request_form(&csrf, &key, "dinkes-serang", NIK);
    bot.retain(|(k, _)| *k != "situs");
    bot.push(("situs", "http://spam.example"));
    let page = web.post("/permohonan", &bot).await;
    assert_eq!(page.status, 400);
    // Tracking and objections are forms too.
    let page = web
        .post("/lacak", &[("csrf", "x"), ("nomor", "A"), ("kode", "B")])
        .await;
    assert_eq!(page.status, 403);
    // Too large a body.
    let long = "x".repeat(100_000);
    let page = web
        .post("/permohonan", &[("csrf", &csrf), ("rincian", &long)])
        .await;
    assert_eq!(page.status, 413);
    assert!(app.all_requests().await.is_empty());
    app.stop().await;
}

async fn tracking_follows_the_register_and_takes_objections(backend: Backend) {
    // More tracking tries than the test servers' usual five a minute.
    let mut app = spawn_app_guarded(
        backend,
        ppid::api::ServerSettings {
            track_per_minute: 100,
            ..ppid::api::ServerSettings::default()
        },
    )
    .await;
    serang(&mut app).await;
    let mut web = Web::new(app.port);
    let (number, code) = file_on_portal(&mut web, "dinkes-serang").await;
    let form = web.get("/lacak").await;
    let csrf = form.input("csrf");

    let wrong = web
        .post(
            "/lacak",
            &[("csrf", &csrf), ("nomor", &number), ("kode", "SALAH-123")],
        )
        .await;
    assert_eq!(wrong.status, 404);
    assert!(wrong.body.contains("tidak cocok"));
    let unknown = web
        .post(
            "/lacak",
            &[("csrf", &csrf), ("nomor", "X/PPID/2026/1"), ("kode", &code)],
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("tidak cocok"), "one answer for both");

    let track = async |web: &mut Web| {
        web.post(
            "/lacak",
            &[("csrf", &csrf), ("nomor", &number), ("kode", &code)],
        )
        .await
    };
    let seen = track(&mut web).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.text_of("status"), "");
    assert!(seen.body.contains("<strong>Dalam proses</strong>"));
    assert!(!seen.body.contains(NIK) && !seen.body.contains(PHONE) && !seen.body.contains(EMAIL));

    // Answered through the API: the page follows.
    let name = app.all_requests().await[0].name.clone();
    app.set_now("2026-03-05T03:00:00Z");
    app.grant(&name, "Permohonan Saudara kami kabulkan.").await;
    let seen = track(&mut web).await;
    assert!(
        seen.body.contains("<strong>Diberikan seluruhnya</strong>"),
        "{}",
        seen.body
    );
    assert!(seen.body.contains("5 Maret 2026"));

    // An objection on it.
    let form = web.get(&format!("/keberatan?nomor={number}")).await;
    assert!(form.body.contains(&format!("value=\"{number}\"")));
    let (csrf2, key) = (form.input("csrf"), form.input("kunci"));
    let objection = [
        ("csrf", csrf2.as_str()),
        ("kunci", key.as_str()),
        ("nomor", number.as_str()),
        ("kode", code.as_str()),
        ("alasan", "e"),
        ("alasan", "d"),
        (
            "uraian",
            "Data yang diberikan tidak memuat rincian per kecamatan.",
        ),
    ];
    // No ground: said by the grounds; a wrong code: by the code.
    let mut none = objection.to_vec();
    none.retain(|(k, _)| *k != "alasan");
    let page = web.post("/keberatan", &none).await;
    assert_eq!(page.status, 422);
    assert_eq!(
        page.text_of("f-alasan-err"),
        "Pilih sekurang-kurangnya satu alasan keberatan."
    );
    let mut wrong = objection.to_vec();
    wrong.retain(|(k, _)| *k != "kode");
    wrong.push(("kode", "SALAH"));
    let page = web.post("/keberatan", &wrong).await;
    assert_eq!(page.status, 422);
    assert!(page.text_of("f-kode-err").contains("tidak cocok"));
    let mut list = app
        .objections
        .list_objections(pb::ListObjectionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .objections;
    assert!(list.is_empty(), "nothing filed yet");

    let filed = web.post("/keberatan", &objection).await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let o_number = filed.text_of("nomor-keberatan");
    assert!(
        filed
            .body
            .contains("d. permintaan ditanggapi tidak sebagaimana yang diminta")
    );
    // Resubmitted: the same objection.
    let again = web.post("/keberatan", &objection).await;
    assert_eq!(again.text_of("nomor-keberatan"), o_number);
    list = app
        .objections
        .list_objections(pb::ListObjectionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .objections;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].registration_number, o_number);
    assert_eq!(list[0].request, name);
    // And the tracking page lists it.
    let seen = track(&mut web).await;
    assert!(seen.body.contains(&o_number));

    // The receipt letter, as its own printable document.
    let letter = web
        .post(
            "/surat/tanda-terima",
            &[("csrf", &csrf), ("nomor", &number), ("kode", &code)],
        )
        .await;
    assert!(matches!(letter.status, 200 | 409), "{}", letter.status);
    assert!(!letter.body.contains(NIK));
    app.stop().await;
}

async fn public_pages_show_published_figures_and_no_personal_data(backend: Backend) {
    let mut app = spawn_app(backend).await;
    serang(&mut app).await;
    app.opd("disdik-serang", "kota-serang").await;
    app.set_now("2025-03-05T02:00:00Z");
    for agency in ["dinkes-serang", "disdik-serang"] {
        for day in ["2025-03-03T02:00:00Z", "2025-03-04T02:00:00Z"] {
            app.submit(agency, day).await;
        }
    }
    app.set_now("2026-03-02T02:00:00Z");
    let mut web = Web::new(app.port);
    let empty = web.get("/peringkat").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("Belum ada peringkat yang diumumkan."));
    publish_ranking(&mut app, 2025).await;
    publish_report(&mut app, 2025).await;

    let pages = [
        "/",
        "/badan",
        "/badan?induk=kota-serang",
        "/peringkat",
        "/badan/dinkes-serang",
        "/badan/kota-serang",
        "/badan/dinkes-serang/dip",
        "/badan/dinkes-serang/dik",
        "/laporan",
        "/laporan/kota-serang/2025",
        "/badan/dinkes-serang?lang=en",
    ];
    for path in pages {
        let p = web.get(path).await;
        assert_eq!(p.status, 200, "{path}: {}", p.body);
        for secret in [NIK, PHONE, EMAIL, "Siti Rahayu", "Ki Mas Jong"] {
            assert!(!p.body.contains(secret), "{path} shows {secret}");
        }
        let csp = p.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(p.headers["x-content-type-options"], "nosniff");
        assert_eq!(p.headers["x-frame-options"], "DENY");
        assert!(
            p.headers.get("access-control-allow-origin").is_none(),
            "{path}: pages are for their own origin"
        );
    }
    let ranking = web.get("/peringkat?lang=id").await;
    assert!(
        ranking.body.contains("Perangkat daerah Agency kota-serang"),
        "{}",
        ranking.body
    );
    assert!(ranking.body.contains("Tahun 2025"));
    assert!(
        ranking
            .body
            .contains("href=\"/badan/dinkes-serang?periode=2025\"")
    );
    let agency = web.get("/badan/dinkes-serang").await;
    assert!(agency.body.contains("<svg"), "charts");
    assert!(agency.body.contains("Permohonan diterima"));
    assert!(agency.body.contains("Ketepatan waktu") || agency.body.contains("Belum cukup data"));
    let report = web.get("/laporan/kota-serang/2025").await;
    assert!(report.body.contains("2025"));
    assert!(
        report.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("style-src 'sha256-"),
        "a printable document: its one style block by hash"
    );
    // Figures are public for published periods only.
    assert_eq!(
        web.get("/badan/dinkes-serang?periode=2024").await.status,
        404
    );
    assert_eq!(
        web.get("/badan/dinkes-serang?periode=2025").await.status,
        200
    );
    let pemda = web.get("/badan/kota-serang").await;
    assert!(
        !pemda.body.contains("<svg"),
        "no ranking includes the Pemda"
    );
    assert!(
        pemda
            .body
            .contains("setelah peringkat yang memuatnya diumumkan")
    );
    assert_eq!(web.get("/laporan/kota-serang/abc").await.status, 404);
    assert_eq!(web.get("/laporan/kota-serang/2024").await.status, 404);
    assert_eq!(web.get("/badan/tidak-ada").await.status, 404);
    assert_eq!(
        web.get("/peringkat?grup=parent:tidak-ada").await.status,
        404
    );
    let missing = web.get("/tidak-ada").await;
    assert_eq!(missing.status, 404);
    app.stop().await;
}

async fn the_portal_works_when_keys_are_required(backend: Backend) {
    let mut app = spawn_app(backend).await;
    serang(&mut app).await;
    // The first key ends open mode for good.
    crate::helpers::api_key(&app, None, pb::api_key::Role::Admin, "").await;
    // A keyless API caller may not submit; the portal may.
    let err = app
        .requests
        .submit_request(submission("dinkes-serang", "2026-03-02T02:00:00Z"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    let mut web = Web::new(app.port);
    let (number, _) = file_on_portal(&mut web, "dinkes-serang").await;
    assert!(number.starts_with("KOTA-SERANG/PPID/2026/"));
    app.stop().await;
}

async fn api_only_without_the_portal_and_submissions_limited(backend: Backend) {
    let mut app = spawn_app_guarded(
        backend.clone(),
        ppid::api::ServerSettings {
            portal: None,
            ..ppid::api::ServerSettings::default()
        },
    )
    .await;
    serang(&mut app).await;
    let mut web = Web::new(app.port);
    assert_eq!(web.get("/").await.status, 404);
    assert_eq!(web.get("/permohonan").await.status, 404);
    app.submit("dinkes-serang", "2026-03-02T02:00:00Z").await;
    app.stop().await;

    let mut app = spawn_app_guarded(
        backend,
        ppid::api::ServerSettings {
            portal: Some(ppid::portal::Settings {
                submits_per_minute: 2,
                ..ppid::portal::Settings::default()
            }),
            ..ppid::api::ServerSettings::default()
        },
    )
    .await;
    serang(&mut app).await;
    let mut web = Web::new(app.port);
    file_on_portal(&mut web, "dinkes-serang").await;
    file_on_portal(&mut web, "dinkes-serang").await;
    let form = web.get("/permohonan").await;
    let page = web
        .post(
            "/permohonan",
            &request_form(
                &form.input("csrf"),
                &form.input("kunci"),
                "dinkes-serang",
                NIK,
            ),
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(page.body.contains("Tunggu satu menit"));
    assert_eq!(app.all_requests().await.len(), 2);
    app.stop().await;
}

crate::on_both_backends!(
    a_form_refuses_by_the_field_then_registers_once,
    forms_refuse_without_their_token_and_bots,
    tracking_follows_the_register_and_takes_objections,
    public_pages_show_published_figures_and_no_personal_data,
    the_portal_works_when_keys_are_required,
    api_only_without_the_portal_and_submissions_limited,
);
