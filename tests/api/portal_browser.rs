//! The portal as a person sees it (#23), in Debian's headless Chromium
//! driven through its chromedriver (WebDriver, via fantoccini: a W3C
//! standard versioned with the browser, so no protocol drift and no
//! browser download). On each backend: a request filed with one bad field
//! (the error by the field, nothing registered), fixed, receipted; tracked
//! with a wrong code and the right one (by keyboard alone), answered
//! through the API and seen to change; an objection filed; the ranking and
//! an agency's page opened. Every page passes axe-core (from npm, run
//! inside the page) with no serious or critical violation, has no
//! sideways scroll at 360 px, and is saved as full-page screenshots at
//! 1280 and 360 px under `target/portal-screenshots/<backend>/`.
//!
//! Skipped (with a message) without chromedriver, unless
//! `PPID_TEST_CHROMIUM` is set (CI sets it, so there it must run).
use std::{path::PathBuf, process::Command, time::Duration};

use fantoccini::{Client, ClientBuilder, Locator, wd::WebDriverCompatibleCommand};
use ppid::pb::ppid::v1 as pb;
use serde_json::{Value as Json, json};

use crate::{
    helpers::{Backend, TestApp, spawn_app_guarded, submission},
    on_both_backends,
};

on_both_backends!(a_person_files_tracks_objects_and_reads_the_ranking);

/// axe-core from `tools/` (`cd tools && npm ci`).
fn axe_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/node_modules/axe-core/axe.min.js")
}

/// chromedriver, or `None` to skip (where no browser is expected).
fn chromedriver() -> Option<String> {
    if !axe_path().exists() && std::env::var_os("PPID_TEST_CHROMIUM").is_none() {
        eprintln!("portal browser test skipped: no axe-core (cd tools && npm ci)");
        return None;
    }
    let driver = std::env::var("PPID_TEST_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let found = Command::new(&driver).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("PPID_TEST_CHROMIUM").is_none(),
            "PPID_TEST_CHROMIUM is set but {driver} is missing (apt-get install chromium-driver)"
        );
        eprintln!("portal browser test skipped: no chromedriver (apt-get install chromium-driver)");
        return None;
    }
    Some(driver)
}

/// A chromedriver process on a free port, stopped when dropped.
struct Driver {
    child: std::process::Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(path: &str) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

async fn browser(driver: &Driver) -> Client {
    let chromium = std::env::var("PPID_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let binary = which(&chromium);
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": binary,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1280,900",
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// The full path of a program on PATH (chromedriver wants one).
fn which(program: &str) -> String {
    if program.contains('/') {
        return program.to_string();
    }
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|d| PathBuf::from(d).join(program))
        .find(|p| p.exists())
        .map_or_else(|| program.to_string(), |p| p.display().to_string())
}

/// A Chrome DevTools command through chromedriver (full-page screenshots
/// and the 360 px viewport).
#[derive(Debug)]
struct Cdp(&'static str, Json);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.0, "params": self.1}).to_string()),
        )
    }
}

/// What every page visit checks and keeps.
struct Visits {
    dir: PathBuf,
    axe: String,
    seen: Vec<String>,
}

impl Visits {
    fn new(backend: &str) -> Self {
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
        let dir = target.join("portal-screenshots").join(backend);
        std::fs::create_dir_all(&dir).unwrap();
        let axe_path = axe_path();
        let axe = std::fs::read_to_string(&axe_path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `cd tools && npm ci`",
                axe_path.display()
            )
        });
        Self {
            dir,
            axe,
            seen: Vec::new(),
        }
    }

    /// Checks the page in view: axe (no serious or critical violation), a
    /// title, no sideways scroll at 360 px; saves it at 1280 and 360 px.
    async fn check(&mut self, c: &Client, name: &str) {
        let title = c.title().await.unwrap();
        assert!(!title.trim().is_empty(), "{name}: a page title");
        c.execute(&self.axe, vec![]).await.expect("load axe");
        let found = c
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, {resultTypes: ['violations']})
                  .then(r => done(r.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id + ' (' + v.help + '): ' +
                         v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | '))))
                  .catch(e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await
            .expect("run axe");
        let found: Vec<String> = serde_json::from_value(found).unwrap();
        assert!(found.is_empty(), "{name}: accessibility: {found:#?}");
        self.shots(c, name).await;
    }

    /// Saves the page in view at 1280 and 360 px (and checks it does not
    /// scroll sideways at 360).
    async fn shots(&mut self, c: &Client, name: &str) {
        for width in [1280, 360] {
            c.issue_cmd(Cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}),
            ))
            .await
            .unwrap();
            if width == 360 {
                let wide = c
                    .execute(
                        "return document.documentElement.scrollWidth - window.innerWidth",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert!(
                    wide.as_i64().unwrap_or(0) <= 0,
                    "{name}: scrolls sideways at 360 px by {wide}"
                );
            }
            let metrics = c
                .issue_cmd(Cdp("Page.getLayoutMetrics", json!({})))
                .await
                .unwrap();
            let height = metrics["cssContentSize"]["height"]
                .as_f64()
                .unwrap_or(900.0)
                .ceil();
            let shot = c
                .issue_cmd(Cdp(
                    "Page.captureScreenshot",
                    json!({"format": "png", "captureBeyondViewport": true,
                           "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
                ))
                .await
                .unwrap();
            let png = base64_decode(shot["data"].as_str().unwrap());
            std::fs::write(self.dir.join(format!("{name}-{width}.png")), png).unwrap();
        }
        c.issue_cmd(Cdp("Emulation.clearDeviceMetricsOverride", json!({})))
            .await
            .unwrap();
        self.seen.push(name.to_string());
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

async fn text(c: &Client, css: &str) -> String {
    // Waits for the page a click or a submit leads to.
    let found = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await;
    match found {
        Ok(e) => e.text().await.unwrap(),
        Err(_) => {
            let page = c.source().await.unwrap_or_default();
            let main = page.split("<main").nth(1).unwrap_or(&page);
            panic!("no {css} in: {main}")
        }
    }
}

/// Types `keys` into whatever has the focus (as a keyboard does).
async fn press(c: &Client, keys: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

async fn fill(c: &Client, id: &str, value: &str) {
    let e = c.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn agency(app: &mut TestApp, id: &str, name: &str, parent: Option<&str>) {
    app.agencies
        .create_agency(pb::CreateAgencyRequest {
            agency_id: id.into(),
            agency: Some(pb::Agency {
                display_name: name.into(),
                kind: if parent.is_some() {
                    pb::agency::Kind::Opd
                } else {
                    pb::agency::Kind::Pemda
                } as i32,
                parent: parent.map(|p| format!("agencies/{p}")).unwrap_or_default(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
}

/// A Kota Serang with two years of answered requests, both years' rankings
/// published, a DIP, a DIK entry and a published annual report.
async fn seed(app: &mut TestApp) {
    agency(app, "kota-serang", "Pemerintah Kota Serang", None).await;
    let opds = [
        ("dinkes-serang", "Dinas Kesehatan Kota Serang", [3, 8]),
        (
            "disdik-serang",
            "Dinas Pendidikan dan Kebudayaan Kota Serang",
            [12, 4],
        ),
        (
            "diskominfo-serang",
            "Dinas Komunikasi dan Informatika Kota Serang",
            [6, 14],
        ),
    ];
    for (id, name, _) in &opds {
        agency(app, id, name, Some("kota-serang")).await;
    }
    crate::letters::set_letterhead(app, "kota-serang", crate::letters::letterhead()).await;
    // Requests in 2024 and 2025, answered after the OPD's usual days
    // (calendar days; a few left unanswered).
    for (y, year) in [2024, 2025].into_iter().enumerate() {
        for (id, _, days) in &opds {
            for month in 1..=10 {
                let receive = format!("{year}-{month:02}-06T02:00:00Z");
                app.set_now(&receive);
                let r = app
                    .requests
                    .submit_request(submission(id, &receive))
                    .await
                    .unwrap()
                    .into_inner();
                if month == 10 && *id == "diskominfo-serang" {
                    continue;
                }
                let at: jiff::Timestamp = receive.parse().unwrap();
                let answered = at + jiff::SignedDuration::from_hours(24 * (days[y] + month % 3));
                app.clock.set(answered);
                app.grant(&r.name, "Permohonan Saudara kami kabulkan.")
                    .await;
            }
        }
        app.set_now(&format!("{}-01-20T02:00:00Z", year + 1));
        crate::portal::publish_ranking(app, year).await;
    }
    crate::portal::publish_report(app, 2025).await;
    crate::exemptions::create(
        app,
        "dinkes-serang",
        crate::exemptions::entry(pb::ExemptionLetter::H, None),
    )
    .await;
    let items = crate::dip::obligatory(app).await;
    for (i, (code, kind)) in items.iter().take(3).enumerate() {
        let summary = [
            "Profil Pemerintah Kota Serang",
            "Ringkasan laporan keuangan",
            "Rencana strategis",
        ][i];
        crate::dip::add(
            app,
            "kota-serang",
            crate::dip::new_entry(summary, *kind, &[code]),
            Some(crate::dip::version(
                "2026-01-10",
                "https://ppid.serangkota.go.id/dip",
            )),
        )
        .await
        .unwrap();
    }
    app.set_now("2026-03-02T02:00:00Z");
}

async fn a_person_files_tracks_objects_and_reads_the_ranking(backend: Backend) {
    let Some(driver_path) = chromedriver() else {
        return;
    };
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let mut app = spawn_app_guarded(
        backend,
        ppid::api::ServerSettings {
            track_per_minute: 100,
            ..ppid::api::ServerSettings::default()
        },
    )
    .await;
    seed(&mut app).await;
    let driver = start_driver(&driver_path).await;
    let c = browser(&driver).await;
    let base = format!("http://127.0.0.1:{}", app.port);
    let mut v = Visits::new(name);

    c.goto(&format!("{base}/")).await.unwrap();
    v.check(&c, "beranda").await;

    // The request form: one bad field, said next to it; nothing written.
    let before = app.all_requests().await.len();
    c.goto(&format!("{base}/permohonan?badan=dinkes-serang"))
        .await
        .unwrap();
    v.check(&c, "permohonan").await;
    click(&c, "#f-jenis-0").await;
    fill(&c, "f-nama", "Siti Rahayu").await;
    fill(&c, "f-nik", "36730198").await;
    fill(&c, "f-alamat", "Jl. Ki Mas Jong No. 5, Serang").await;
    fill(&c, "f-telepon", "081298765432").await;
    fill(&c, "f-email", "siti.rahayu@contoh.id").await;
    fill(
        &c,
        "f-rincian",
        "Anggaran program penurunan stunting per kecamatan, 2025",
    )
    .await;
    fill(&c, "f-tujuan", "Penelitian kebijakan kesehatan").await;
    click(&c, "#f-cara-1").await;
    click(&c, "#f-salinan-0").await;
    click(&c, "#f-kirim-4").await;
    click(&c, "form button[type=submit]").await;
    assert_eq!(text(&c, "#f-nik-err").await, "NIK harus tepat 16 angka.");
    let described = c
        .find(Locator::Id("f-nik"))
        .await
        .unwrap()
        .attr("aria-describedby")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        described.contains("f-nik-err"),
        "the error is the field's: {described}"
    );
    v.check(&c, "permohonan-galat").await;
    assert_eq!(app.all_requests().await.len(), before, "nothing registered");

    fill(&c, "f-nik", "3673019876543210").await;
    click(&c, "form button[type=submit]").await;
    let number = text(&c, "#nomor").await;
    let code = text(&c, "#kode").await;
    assert!(number.starts_with("KOTA-SERANG/PPID/2026/"), "{number}");
    v.check(&c, "tanda-terima").await;
    // The browser's resubmit (reload of the POST) keeps one request.
    c.refresh().await.unwrap();
    assert_eq!(text(&c, "#nomor").await, number);
    let filed = app.all_requests().await;
    assert_eq!(
        filed
            .iter()
            .filter(|r| r.registration_number == number)
            .count(),
        1
    );
    // The receipt letter, printable.
    click(&c, "form.inline button").await;
    assert!(c.source().await.unwrap().contains(&number));
    v.shots(&c, "surat-tanda-terima").await;
    c.back().await.unwrap();

    // Tracking: a wrong code fails; the right one, typed by keyboard alone.
    c.goto(&format!("{base}/lacak")).await.unwrap();
    fill(&c, "f-nomor", &number).await;
    fill(&c, "f-kode", "SALAH-KODE").await;
    click(&c, "form button[type=submit]").await;
    assert!(text(&c, ".alert").await.contains("tidak cocok"));
    v.check(&c, "lacak-galat").await;
    c.goto(&format!("{base}/lacak")).await.unwrap();
    let tab = "\u{e004}";
    press(&c, tab).await;
    let first = c.active_element().await.unwrap();
    assert_eq!(first.attr("class").await.unwrap().as_deref(), Some("skip"));
    let ring = c
        .execute(
            "return getComputedStyle(document.activeElement).outlineStyle",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(ring, json!("none"), "a visible focus ring");
    first.send_keys("\u{e007}").await.unwrap(); // Enter: to the content
    let mut reached = Vec::new();
    for _ in 0..6 {
        press(&c, tab).await;
        let id = c.active_element().await.unwrap().attr("id").await.unwrap();
        reached.push(id.clone().unwrap_or_default());
        if id.as_deref() == Some("f-nomor") {
            break;
        }
    }
    assert_eq!(
        reached.last().map(String::as_str),
        Some("f-nomor"),
        "{reached:?}"
    );
    press(&c, &number).await;
    press(&c, tab).await;
    press(&c, &code).await;
    press(&c, "\u{e007}").await;
    assert_eq!(text(&c, "#status").await, "Dalam proses");
    v.check(&c, "status").await;

    // Answered through the API: the tracking page changes.
    let r = filed
        .iter()
        .find(|r| r.registration_number == number)
        .unwrap();
    app.set_now("2026-03-05T03:00:00Z");
    app.grant(&r.name, "Data anggaran terlampir.").await;
    c.refresh().await.unwrap();
    assert_eq!(text(&c, "#status").await, "Sudah diberi pemberitahuan");
    assert!(text(&c, "#hasil").await.starts_with("Diberikan seluruhnya"));
    v.check(&c, "status-dijawab").await;

    // An objection, from the tracking page.
    click(&c, ".actions a.button").await;
    v.check(&c, "keberatan").await;
    fill(&c, "f-kode", &code).await;
    click(&c, "#f-alasan-3").await; // d. answered otherwise
    fill(
        &c,
        "f-uraian",
        "Data yang diberikan tidak memuat rincian per kecamatan.",
    )
    .await;
    click(&c, "form button[type=submit]").await;
    let o_number = text(&c, "#nomor-keberatan").await;
    assert!(!o_number.is_empty());
    v.check(&c, "keberatan-diterima").await;
    let objections = app
        .objections
        .list_objections(pb::ListObjectionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .objections;
    assert_eq!(objections.len(), 1);
    assert_eq!(objections[0].registration_number, o_number);

    // The ranking, then an agency's page from it.
    c.goto(&format!("{base}/peringkat")).await.unwrap();
    let table = text(&c, "table.ranking").await;
    assert!(table.contains("Dinas Kesehatan Kota Serang"), "{table}");
    assert!(
        table.contains("naik") || table.contains("turun") || table.contains("tetap"),
        "movement against the last published year: {table}"
    );
    v.check(&c, "peringkat").await;
    click(&c, "table.ranking tbody tr:first-child th a").await;
    assert!(c.find(Locator::Css("figure.chart svg")).await.is_ok());
    assert!(text(&c, "main").await.contains("Mengapa nilainya demikian"));
    v.check(&c, "badan").await;
    for (path, shot) in [
        ("/badan", "direktori"),
        ("/badan/kota-serang/dip", "dip"),
        ("/badan/dinkes-serang/dik", "dik"),
        ("/laporan", "laporan"),
        ("/badan/dinkes-serang?lang=en", "badan-en"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        v.check(&c, shot).await;
    }
    // The published report, a printable document of its own.
    c.goto(&format!("{base}/laporan/kota-serang/2025?lang=id"))
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains("2025"));
    v.shots(&c, "laporan-2025").await;
    // No personal data on any public page seen.
    for path in [
        "/",
        "/peringkat",
        "/badan/dinkes-serang",
        "/badan/kota-serang/dip",
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        let page = c.source().await.unwrap();
        for secret in [
            "3673019876543210",
            "081298765432",
            "siti.rahayu@contoh.id",
            "Siti Rahayu",
        ] {
            assert!(!page.contains(secret), "{path} shows {secret}");
        }
    }
    eprintln!(
        "portal screenshots ({}): {}",
        v.dir.display(),
        v.seen.join(", ")
    );
    c.close().await.unwrap();
    app.stop().await;
}
