//! The portal's public pages: home, the directory of public bodies, an
//! agency's page (figures, charts, the score explained), its DIP and DIK,
//! the published rankings and the published annual reports.
use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    Caching, Ctx, Portal, Shared, document, respond,
    view::{self, layout, t},
};
use crate::{
    domain::{
        InformationKind, Outcome,
        agency::Agency,
        figures::{Component, Period, Ranking},
        time,
    },
    error::{Error, Result},
    report::texts::{self, Lang},
    store::ExemptionFilter,
};

/// An error as a page: unknown things are 404, the rest 500 (logged).
pub(crate) fn failure(ctx: &Ctx, e: Error) -> Response {
    let lang = ctx.lang;
    match e {
        Error::NotFound { .. } => respond(
            ctx,
            StatusCode::NOT_FOUND,
            Caching::Private,
            view::message(
                ctx,
                t(lang, "Tidak ditemukan", "Not found"),
                t(
                    lang,
                    "Halaman yang Anda cari tidak ada.",
                    "The page you are looking for does not exist.",
                ),
            ),
            None,
        ),
        e => {
            tracing::error!(error = %e, "portal page failed");
            respond(
                ctx,
                StatusCode::INTERNAL_SERVER_ERROR,
                Caching::Private,
                view::message(
                    ctx,
                    t(lang, "Terjadi kesalahan", "Something went wrong"),
                    t(
                        lang,
                        "Layanan sedang bermasalah. Silakan coba lagi beberapa saat lagi.",
                        "The service has a problem. Please try again in a moment.",
                    ),
                ),
                None,
            )
        }
    }
}

/// A public page, rendered once a minute at most per language and path.
async fn public_page<F>(p: &Portal, ctx: &Ctx, key: &str, make: F) -> Response
where
    F: AsyncFnOnce() -> Result<String>,
{
    // What is published moves the pages at once (a ranking or a report
    // appears); the rest may lag a minute.
    let stamp = match published(p).await {
        Ok(x) => x,
        Err(e) => return failure(ctx, e),
    };
    let key = format!("{}|{}|{key}", ctx.lang.code(), stamp.stamp);
    if let Some(page) = p.pages.as_ref().and_then(|c| c.get(&key)) {
        return respond(ctx, StatusCode::OK, Caching::Public, (*page).clone(), None);
    }
    match make().await {
        Ok(page) => {
            if let Some(c) = &p.pages {
                c.insert(key, Arc::new(page.clone()));
            }
            respond(ctx, StatusCode::OK, Caching::Public, page, None)
        }
        Err(e) => failure(ctx, e),
    }
}

/// What is published: the rankings and reports (two small tables), read
/// at most once a second, and at once after this server publishes. Another
/// server's publication shows within a second.
pub(crate) struct Published {
    local: u64,
    rankings: Vec<(String, String, jiff::Timestamp)>,
    reports: Vec<(String, i16, jiff::Timestamp)>,
    stamp: String,
}

async fn published(p: &Portal) -> Result<Arc<Published>> {
    let local = p.app.local_publications();
    if let Some(x) = p.published.get(&())
        && x.local == local
    {
        return Ok(x);
    }
    let rankings = p.app.published_rankings().await?;
    let reports = p.app.report_publications().await?;
    let stamp = format!(
        "{local}:{}:{}:{}:{}",
        rankings.len(),
        rankings.first().map_or(0, |r| r.2.as_microsecond()),
        reports.len(),
        reports.first().map_or(0, |r| r.2.as_microsecond()),
    );
    let x = Arc::new(Published {
        local,
        rankings,
        reports,
        stamp,
    });
    p.published.insert((), x.clone());
    Ok(x)
}

/// A published ranking, decoded once: a snapshot never changes.
async fn snapshot(p: &Portal, key: &str, period: &str) -> Result<Option<Arc<Ranking>>> {
    let k = (key.to_string(), period.to_string());
    if let Some(r) = p.snapshots.get(&k) {
        return Ok(Some(r));
    }
    let found = p
        .app
        .published_ranking_by_key(key, period)
        .await?
        .map(Arc::new);
    if let Some(r) = &found {
        p.snapshots.insert(k, r.clone());
    }
    Ok(found)
}

pub(crate) async fn home(State(p): State<Shared>, ctx: Ctx) -> Response {
    public_page(&p, &ctx, "/", async || {
        let lang = ctx.lang;
        let all = p.app.all_agencies().await?;
        let mut pemdas = Vec::new();
        for a in all.iter().filter(|a| a.parent_id.is_none()) {
            pemdas.push((a.clone(), p.app.letterhead(&a.id).await?));
        }
        let limits: [(&str, &str, &str, &str, &str); 5] = [
            (
                "Pemberitahuan tertulis atas permohonan",
                "Written notice answering a request",
                "10 hari kerja sejak permohonan diterima",
                "10 working days from receipt",
                "Pasal 22 ayat (7)",
            ),
            (
                "Perpanjangan (satu kali, dengan alasan tertulis)",
                "Extension (once, with written reasons)",
                "paling lama 7 hari kerja",
                "up to 7 more working days",
                "Pasal 22 ayat (8)",
            ),
            (
                "Pengajuan keberatan kepada atasan PPID",
                "Objection to the PPID's superior",
                "30 hari kerja setelah alasan keberatan timbul",
                "30 working days after its ground arises",
                "Pasal 35–36 ayat (1)",
            ),
            (
                "Tanggapan atasan PPID atas keberatan",
                "The superior's answer to an objection",
                "30 hari kerja sejak keberatan diterima",
                "30 working days from filing",
                "Pasal 36 ayat (2)",
            ),
            (
                "Permohonan penyelesaian sengketa ke Komisi Informasi",
                "Dispute before the Information Commission",
                "14 hari kerja setelah tanggapan atasan diterima",
                "14 working days after the answer",
                "Pasal 37 ayat (2)",
            ),
        ];
        Ok(layout(
            &ctx,
            t(lang, "Beranda", "Home"),
            html! {
                h1 { (t(lang, "Layanan Informasi Publik", "Public Information Service")) }
                p.lead { (t(lang,
                    "Setiap orang berhak meminta informasi publik kepada badan publik. Ajukan permohonan di sini, simpan nomor registrasi dan kode lacak Anda, lalu pantau jawabannya.",
                    "Everyone has the right to ask a public body for public information. Make your request here, keep its registration number and tracking code, and follow the answer."))
                }
                p.actions {
                    a.button href="/permohonan" { (t(lang, "Ajukan permohonan", "Make a request")) }
                    a.button.secondary href="/lacak" { (t(lang, "Lacak permohonan", "Track a request")) }
                }
                h2 { (t(lang, "Cara mengajukan permohonan", "How to make a request")) }
                ol.steps {
                    li { (t(lang, "Pilih badan publik yang menguasai informasi, lalu isi formulir permohonan.", "Choose the public body that holds the information and fill in the request form.")) }
                    li { (t(lang, "Simpan tanda bukti: nomor registrasi dan kode lacak. Kode lacak hanya untuk Anda.", "Keep the receipt: the registration number and the tracking code. The code is for you alone.")) }
                    li { (t(lang, "PPID wajib memberi pemberitahuan tertulis paling lambat 10 hari kerja, dapat diperpanjang 7 hari kerja.", "The PPID must answer in writing within 10 working days, extendable by 7.")) }
                    li { (t(lang, "Bila tidak puas atau tidak dijawab, ajukan keberatan kepada atasan PPID.", "If you are not satisfied or get no answer, file an objection with the PPID's superior.")) }
                    li { (t(lang, "Bila tanggapan atasan tidak memuaskan, ajukan sengketa ke Komisi Informasi.", "If the superior's answer does not satisfy you, take it to the Information Commission.")) }
                }
                h2 { (t(lang, "Batas waktu menurut undang-undang", "Time limits set by the law")) }
                div.scroll role="region" aria-label=(t(lang, "Batas waktu", "Time limits")) tabindex="0" {
                    table {
                        thead { tr {
                            th scope="col" { (t(lang, "Tahap", "Step")) }
                            th scope="col" { (t(lang, "Batas waktu", "Time limit")) }
                            th scope="col" { (t(lang, "Dasar hukum (UU 14/2008)", "Legal basis (Law 14/2008)")) }
                        } }
                        tbody {
                            @for (s_id, s_en, l_id, l_en, basis) in limits {
                                tr { th scope="row" { (t(lang, s_id, s_en)) } td { (t(lang, l_id, l_en)) } td { (basis) } }
                            }
                        }
                    }
                }
                p.note { (t(lang,
                    "Hari kerja tidak termasuk Sabtu, Minggu, hari libur nasional dan cuti bersama.",
                    "Working days leave out Saturdays, Sundays, public holidays and collective leave days."))
                }
                h2 { (t(lang, "Kontak PPID", "PPID contacts")) }
                @if pemdas.is_empty() {
                    p.empty { (t(lang, "Belum ada badan publik terdaftar.", "No public body is registered yet.")) }
                }
                ul.cards {
                    @for (a, head) in &pemdas {
                        li.card {
                            h3 { a href={ "/badan/" (a.id) } { (a.display_name) } }
                            (contacts(lang, head.as_ref()))
                        }
                    }
                }
            },
        ))
    })
    .await
}

/// An agency's published contacts (its letterhead), or a note that there
/// are none yet.
fn contacts(lang: Lang, head: Option<&crate::domain::letter::Letterhead>) -> Markup {
    match head {
        None => {
            html! { p.empty { (t(lang, "Kontak belum dicantumkan.", "No contacts listed yet.")) } }
        }
        Some(h) => html! {
            dl.contacts {
                @if !h.unit.is_empty() { dt { (t(lang, "Unit", "Unit")) } dd { (h.unit) } }
                @if !h.address.is_empty() { dt { (t(lang, "Alamat", "Address")) } dd { (h.address) @if !h.city.is_empty() { ", " (h.city) } } }
                @if !h.phone.is_empty() { dt { (t(lang, "Telepon", "Phone")) } dd { (h.phone) } }
                @if !h.email.is_empty() { dt { "Email" } dd { (h.email) } }
                @if !h.website.is_empty() { dt { (t(lang, "Situs web", "Website")) } dd { (h.website) } }
            }
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct DirectoryQuery {
    #[serde(default)]
    induk: String,
}

pub(crate) async fn directory(
    State(p): State<Shared>,
    ctx: Ctx,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let key = format!("/badan?induk={}", q.induk);
    public_page(&p, &ctx, &key, async || {
        let lang = ctx.lang;
        let all = p.app.all_agencies().await?;
        let parent = if q.induk.is_empty() {
            None
        } else {
            Some(
                all.iter()
                    .find(|a| a.id == q.induk)
                    .cloned()
                    .ok_or_else(|| Error::NotFound {
                        kind: "agency",
                        name: q.induk.clone(),
                    })?,
            )
        };
        let children: Vec<&Agency> = all
            .iter()
            .filter(|a| a.parent_id.as_deref() == parent.as_ref().map(|p| p.id.as_str()))
            .collect();
        let counts: HashMap<&str, usize> = all.iter().fold(HashMap::new(), |mut m, a| {
            if let Some(pid) = &a.parent_id {
                *m.entry(pid.as_str()).or_default() += 1;
            }
            m
        });
        let title = match &parent {
            Some(a) => a.display_name.clone(),
            None => t(lang, "Badan publik", "Public bodies").to_string(),
        };
        Ok(layout(
            &ctx,
            &title,
            html! {
                h1 { (title) }
                @if let Some(a) = &parent {
                    p { a href={ "/badan/" (a.id) } { (t(lang, "Halaman badan publik ini", "This body's page")) } }
                    h2 { (t(lang, "Perangkat daerah dan unit", "Its offices and units")) }
                } @else {
                    p.lead { (t(lang, "Pilih pemerintah daerah untuk melihat perangkat daerahnya.", "Choose a regional government to see its offices.")) }
                }
                @if children.is_empty() {
                    p.empty { (t(lang, "Tidak ada.", "None.")) }
                }
                ul.list {
                    @for a in &children {
                        li {
                            a href={ "/badan/" (a.id) } { (a.display_name) }
                            @if let Some(n) = counts.get(a.id.as_str()) {
                                " · " a href={ "/badan?induk=" (a.id) } { (n) " " (t(lang, "unit", "units")) }
                            }
                        }
                    }
                }
            },
        ))
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct PeriodQuery {
    #[serde(default)]
    periode: String,
}

/// The published rankings an agency appears in, newest first (at most
/// `limit`): those of its parent's units and of its comparison group, the
/// only groups it can be in (so a national database's other snapshots are
/// never read).
async fn rankings_of(
    p: &Portal,
    agency: &Agency,
    limit: usize,
) -> Result<Vec<(String, Arc<Ranking>)>> {
    let mut groups = vec![format!("group:{}", agency.comparison_group)];
    if let Some(parent) = &agency.parent_id {
        groups.push(format!("parent:{parent}"));
    }
    let mut out = Vec::new();
    for (key, period, _) in &published(p).await?.rankings {
        if out.len() >= limit {
            break;
        }
        if !groups.contains(key) {
            continue;
        }
        if let Some(r) = snapshot(p, key, period).await?
            && r.entries.iter().any(|e| e.agency_id == agency.id)
        {
            out.push((key.clone(), r));
        }
    }
    Ok(out)
}

pub(crate) async fn agency(
    State(p): State<Shared>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let key = format!("/badan/{id}?periode={}", q.periode);
    public_page(&p, &ctx, &key, async || {
        agency_page(&p, &ctx, &id, &q.periode).await
    })
    .await
}

async fn agency_page(p: &Portal, ctx: &Ctx, id: &str, periode: &str) -> Result<String> {
    let lang = ctx.lang;
    let agency = p.app.get_agency(id).await?;
    // An OPD without contacts of its own is served by its Pemda's PPID
    // (PPID Utama).
    let (head, head_of) = match p.app.letterhead(&agency.id).await? {
        Some(h) => (Some(h), None),
        None if agency.pemda_id != agency.id => (
            p.app.letterhead(&agency.pemda_id).await?,
            Some(p.app.get_agency(&agency.pemda_id).await?),
        ),
        None => (None, None),
    };
    let ranked = rankings_of(p, &agency, 4).await?;
    // Figures are public with a published ranking (RULINGS): the period
    // asked for must be one of this agency's published periods; by default
    // the newest.
    let published: Vec<Period> = ranked.iter().map(|(_, r)| r.period.clone()).collect();
    let period = if periode.is_empty() {
        published.first().cloned()
    } else {
        let asked = view::parse_period(periode).filter(|x| published.contains(x));
        Some(asked.ok_or_else(|| Error::NotFound {
            kind: "published period",
            name: periode.to_string(),
        })?)
    };
    let figures = match &period {
        Some(period) => figures_part(p, lang, &agency, period, &published).await?,
        None => html! {
            h2 { (t(lang, "Layanan permohonan", "Requests")) }
            p.empty { (t(lang,
                "Angka layanan badan ini tampil setelah peringkat yang memuatnya diumumkan.",
                "This body's figures appear once a ranking including it is published.")) }
        },
    };
    let parent = match &agency.parent_id {
        Some(pid) => Some(p.app.get_agency(pid).await?),
        None => None,
    };
    let title = agency.display_name.clone();
    Ok(layout(
        ctx,
        &title,
        html! {
            p.crumbs {
                a href="/badan" { (t(lang, "Badan publik", "Public bodies")) }
                @if let Some(pa) = &parent { " › " a href={ "/badan/" (pa.id) } { (pa.display_name) } }
            }
            h1 { (title) }
            p.actions {
                a.button href={ "/permohonan?badan=" (agency.id) } { (t(lang, "Ajukan permohonan ke badan ini", "Request information from this body")) }
                a.button.secondary href={ "/badan/" (agency.id) "/dip" } { (t(lang, "Daftar Informasi Publik", "Public information list (DIP)")) }
                a.button.secondary href={ "/badan/" (agency.id) "/dik" } { (t(lang, "Informasi yang dikecualikan", "Exempt information (DIK)")) }
            }
            h2 { (t(lang, "Kontak PPID", "PPID contacts")) }
            @if let (Some(pd), Some(_)) = (&head_of, &head) {
                p.note { (t(lang, "Dilayani PPID Utama ", "Served by the main PPID of ")) (pd.display_name) "." }
            }
            (contacts(lang, head.as_ref()))
            h2 { (t(lang, "Peringkat keterbukaan", "Openness ranking")) }
            @if ranked.is_empty() {
                p.empty { (t(lang, "Belum ada peringkat yang diumumkan untuk badan ini.", "No published ranking includes this body yet.")) }
            } @else {
                div.scroll role="region" aria-label=(t(lang, "Peringkat", "Rankings")) tabindex="0" {
                    table {
                        thead { tr {
                            th scope="col" { (t(lang, "Periode", "Period")) }
                            th scope="col" { (t(lang, "Kelompok", "Group")) }
                            th scope="col" { (t(lang, "Peringkat", "Rank")) }
                            th scope="col" { (t(lang, "Nilai", "Score")) }
                            th scope="col" { (t(lang, "Kategori", "Band")) }
                            th scope="col" { (t(lang, "Perubahan", "Change")) }
                        } }
                        tbody {
                            @for (key, r) in &ranked {
                                @if let Some(e) = r.entries.iter().find(|e| e.agency_id == agency.id) {
                                    tr {
                                        td { a href={ "/peringkat?grup=" (key) "&periode=" (r.period.key()) } { (view::period(lang, &r.period)) } }
                                        td { (group_label(p, lang, key).await) }
                                        td.n { @if e.rank > 0 { (e.rank) " / " (r.entries.len()) } @else { "–" } }
                                        td.n { (view::score(lang, e.score)) }
                                        td { (view::band(lang, &e.band)) }
                                        td { (view::movement(lang, e.rank, e.previous_rank)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (figures)
        },
    ))
}

/// The public figures of an agency for a published period: the year's
/// counts, the two charts and the score explained.
async fn figures_part(
    p: &Portal,
    lang: Lang,
    agency: &Agency,
    period: &Period,
    published: &[Period],
) -> Result<Markup> {
    let f = &p.app.period_figures(agency, period).await?;
    let explained = p.app.explain_score(agency, period).await?;
    // The on-time trend: the quarters of the published periods, up to
    // eight, ending with the period's last.
    let last_q = Period::quarter(period.end.year(), (period.end.month() - 1) / 3 + 1);
    let mut quarters = Vec::new();
    let mut q = last_q;
    while let Some(cur) = q {
        if quarters.len() == 8 {
            break;
        }
        q = cur.previous();
        if published
            .iter()
            .any(|p| p.start <= cur.start && cur.end <= p.end)
        {
            quarters.push(cur);
        }
    }
    quarters.reverse();
    let trend = p.app.on_time_trend(agency, &quarters).await?;

    let pct = |r: &Option<crate::domain::figures::Rate>| {
        r.as_ref()
            .map_or_else(|| "–".into(), |r| texts::percent(lang, r.value * 100.0))
    };
    let buckets: Vec<(String, f64)> = f
        .time_to_notice
        .as_ref()
        .map(|d| {
            d.kip_buckets
                .iter()
                .map(|(b, n)| (b.clone(), *n as f64))
                .collect()
        })
        .unwrap_or_default();
    let trend_bars: Vec<(String, f64)> = quarters
        .iter()
        .zip(&trend)
        // A quarter without a request due is no data, not 0%.
        .filter_map(|(q, r)| r.as_ref().map(|r| (view::period(lang, q), r.value * 100.0)))
        .collect();
    Ok(html! {
            h2 { (t(lang, "Layanan permohonan: ", "Requests: ")) (view::period(lang, period)) }
            dl.figures {
                div { dt { (t(lang, "Permohonan diterima", "Requests received")) } dd { (texts::count(lang, f.received)) } }
                div { dt { (t(lang, "Pemberitahuan tertulis", "Written notices")) } dd { (texts::count(lang, f.decided)) } }
                div { dt { (t(lang, "Tepat waktu", "On time")) } dd { (pct(&f.on_time)) } }
                div { dt { (t(lang, "Median hari kerja sampai pemberitahuan", "Median working days to notice")) }
                      dd { (f.time_to_notice.as_ref().map_or_else(|| "–".into(), |d| texts::days(lang, d.median))) } }
                div { dt { (t(lang, "Diperpanjang", "Extended")) } dd { (pct(&f.extension_rate)) } }
                div { dt { (t(lang, "Lewat batas waktu tanpa jawaban", "Past due, unanswered")) } dd { (texts::count(lang, f.overdue_unanswered)) } }
            }
            h3 { (t(lang, "Hasil pemberitahuan", "Outcomes")) }
            table.compact {
                tbody {
                    @for o in Outcome::ALL {
                        tr {
                            th scope="row" { (texts::outcome(lang, *o)) }
                            td.n { (texts::count(lang, f.outcomes.iter().find(|(x, _)| x == o).map_or(0, |x| x.1))) }
                        }
                    }
                }
            }
            (view::chart(
                lang,
                t(lang, "Lama sampai pemberitahuan (hari kerja)", "Time to written notice (working days)"),
                (t(lang, "Hari kerja", "Working days"), &buckets),
                t(lang, "Permohonan", "Requests"),
                |v| texts::count(lang, v as i64),
            ))
            (view::chart(
                lang,
                t(lang, "Tepat waktu per triwulan (%)", "On time by quarter (%)"),
                (t(lang, "Triwulan", "Quarter"), &trend_bars),
                t(lang, "Tepat waktu", "On time"),
                |v| texts::percent(lang, v),
            ))
            h2 { (t(lang, "Mengapa nilainya demikian", "Why it scores what it scores")) }
            @match explained.score {
                None => p.empty { (t(lang, "Belum cukup data untuk memberi nilai pada periode ini.", "Not enough data to score this period.")) },
                Some(s) => {
                    p.score {
                        (t(lang, "Nilai ", "Score ")) strong { (texts::decimal(lang, s, 1)) } " · " (view::band(lang, &explained.band))
                    }
                    @if !explained.assessment_used {
                        p.note { (t(lang,
                            "Indikatif: dihitung dari data layanan tanpa penilaian Komisi Informasi.",
                            "Indicative: computed from the service data without the Information Commission's assessment.")) }
                    }
                    div.scroll role="region" aria-label=(t(lang, "Komponen nilai", "Score components")) tabindex="0" {
                        table {
                            thead { tr {
                                th scope="col" { (t(lang, "Komponen", "Component")) }
                                th scope="col" { (t(lang, "Bobot", "Weight")) }
                                th scope="col" { (t(lang, "Nilai", "Score")) }
                                th scope="col" { (t(lang, "Data", "Sample")) }
                                th scope="col" { (t(lang, "Artinya", "What it measures")) }
                            } }
                            tbody {
                                @for c in &explained.components {
                                    tr {
                                        th scope="row" { (component(lang, c.component).0) }
                                        td.n { (texts::number(lang, c.weight)) }
                                        td.n { (view::score(lang, c.score)) }
                                        td.n { (texts::count(lang, c.sample)) }
                                        td { (component(lang, c.component).1) }
                                    }
                                }
                            }
                        }
                    }
                    @if !explained.items.is_empty() {
                        h3 { (t(lang, "Unsur penilaian", "Assessment items")) }
                        table.compact {
                            thead { tr {
                                th scope="col" { (t(lang, "Unsur", "Item")) }
                                th scope="col" { (t(lang, "Bobot", "Weight")) }
                                th scope="col" { (t(lang, "Nilai", "Score")) }
                                th scope="col" { (t(lang, "Sumber", "Source")) }
                            } }
                            tbody {
                                @for i in &explained.items {
                                    tr {
                                        th scope="row" { (i.item) }
                                        td.n { (texts::number(lang, i.weight)) }
                                        td.n { (texts::decimal(lang, i.score, 1)) }
                                        td { (source(lang, i.source)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
    })
}

/// What a score component is called and measures.
fn component(lang: Lang, c: Component) -> (&'static str, &'static str) {
    match c {
        Component::Timeliness => (
            t(lang, "Ketepatan waktu", "Timeliness"),
            t(
                lang,
                "Pemberitahuan tertulis yang disampaikan paling lambat pada batas waktu (10 hari kerja, atau 17 dengan perpanjangan).",
                "Written notices given by the due date (10 working days, or 17 with an extension).",
            ),
        ),
        Component::Speed => (
            t(lang, "Kecepatan", "Speed"),
            t(
                lang,
                "Rata-rata hari kerja sampai pemberitahuan, dibanding titik nol kebijakan penilaian.",
                "Mean working days to the notice, against the scoring policy's zero point.",
            ),
        ),
        Component::Fulfilment => (
            t(lang, "Pemenuhan", "Fulfilment"),
            t(
                lang,
                "Permohonan yang diberikan seluruhnya atau sebagian, di antara jawaban atas informasi yang dikuasai.",
                "Requests granted in whole or in part, among answers on information the body holds.",
            ),
        ),
        Component::ExemptionDiscipline => (
            t(lang, "Disiplin pengecualian", "Exemption discipline"),
            t(
                lang,
                "Penolakan yang berdasar pada Daftar Informasi yang Dikecualikan yang berlaku.",
                "Withholdings resting on an exempt-information (DIK) entry in force.",
            ),
        ),
        Component::ObjectionOutcomes => (
            t(lang, "Hasil keberatan", "Objection outcomes"),
            t(
                lang,
                "Keberatan yang tanggapannya menguatkan PPID, di antara keberatan yang dijawab.",
                "Objections where the superior upheld the PPID, among those answered.",
            ),
        ),
        Component::Backlog => (
            t(lang, "Penyelesaian", "Work cleared"),
            t(
                lang,
                "Pemberitahuan dibanding semua permohonan yang harus dijawab, termasuk yang masih terbuka.",
                "Notices against all requests to answer, open ones included.",
            ),
        ),
    }
}

fn source(lang: Lang, s: &str) -> &'static str {
    match s {
        "requests" => t(lang, "data permohonan", "request data"),
        "assessment" => t(
            lang,
            "penilaian Komisi Informasi",
            "Information Commission assessment",
        ),
        "computed" => t(lang, "dihitung dari DIP", "computed from the DIP"),
        _ => t(lang, "tidak ada data", "no data"),
    }
}

/// A ranking group for people: "Perangkat daerah Kota Serang".
async fn group_label(p: &Portal, lang: Lang, key: &str) -> String {
    if let Some(id) = key.strip_prefix("parent:") {
        // From the agency list the app keeps, not a query per label.
        let name = match p.app.all_agencies().await {
            Ok(all) => all
                .iter()
                .find(|a| a.id == id)
                .map_or_else(|| id.to_string(), |a| a.display_name.clone()),
            Err(_) => id.to_string(),
        };
        return match lang {
            Lang::Id => format!("Perangkat daerah {name}"),
            Lang::En => format!("Offices of {name}"),
        };
    }
    let g = key.strip_prefix("group:").unwrap_or(key);
    match lang {
        Lang::Id => format!("Kelompok pembanding {g}"),
        Lang::En => format!("Comparison group {g}"),
    }
}

#[derive(Deserialize)]
pub(crate) struct RankingQuery {
    #[serde(default)]
    grup: String,
    #[serde(default)]
    periode: String,
}

pub(crate) async fn ranking(
    State(p): State<Shared>,
    ctx: Ctx,
    Query(q): Query<RankingQuery>,
) -> Response {
    // Without a group the newest is shown whatever the period: one key.
    let periode = if q.grup.is_empty() {
        ""
    } else {
        q.periode.as_str()
    };
    let key = format!("/peringkat?grup={}&periode={periode}", q.grup);
    public_page(&p, &ctx, &key, async || {
        let lang = ctx.lang;
        let all_published = published(&p).await?;
        let published = &all_published.rankings;
        let chosen = if q.grup.is_empty() {
            published.first().cloned()
        } else {
            published
                .iter()
                .find(|(g, per, _)| *g == q.grup && (q.periode.is_empty() || *per == q.periode))
                .cloned()
        };
        let title = t(lang, "Peringkat keterbukaan informasi", "Openness ranking");
        let Some((group_key, period_key, publish_time)) = chosen else {
            if !q.grup.is_empty() {
                return Err(Error::NotFound {
                    kind: "ranking",
                    name: q.grup.clone(),
                });
            }
            return Ok(layout(
                &ctx,
                title,
                html! {
                    h1 { (title) }
                    p.empty { (t(lang, "Belum ada peringkat yang diumumkan.", "No ranking has been published yet.")) }
                },
            ));
        };
        let r = snapshot(&p, &group_key, &period_key)
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "ranking",
                name: group_key.clone(),
            })?;
        let group = group_label(&p, lang, &group_key).await;
        let mut others = Vec::new();
        for (g, per, _) in published.iter().take(40) {
            let label = match view::parse_period(per) {
                Some(pp) => view::period(lang, &pp),
                None => per.clone(),
            };
            others.push((g.clone(), per.clone(), group_label(&p, lang, g).await, label));
        }
        // The day in the zone of the group's Pemda (WIB when unknown).
        let zone = match group_key.strip_prefix("parent:") {
            Some(id) => p.app.get_agency(id).await.map(|a| a.tz()).ok(),
            None => None,
        }
        .unwrap_or_else(|| jiff::tz::TimeZone::get("Asia/Jakarta").unwrap_or(jiff::tz::TimeZone::UTC));
        let published_on = texts::date(lang, time::local_date(publish_time, &zone));
        Ok(layout(
            &ctx,
            &format!("{title}: {group}"),
            html! {
                h1 { (title) }
                p.lead { strong { (group) } " · " (view::period(lang, &r.period)) }
                p.note {
                    (t(lang, "Diumumkan ", "Published ")) (published_on) ". "
                    (t(lang,
                        "Peringkat disusun menurut nilai konservatif (setiap rasio pada batas bawah interval Wilson 95%), sehingga badan dengan sedikit permohonan tidak diuntungkan oleh kebetulan. Nilai yang sama berbagi peringkat.",
                        "Ranked by the conservative score (every rate at its 95% Wilson lower bound), so a body with few requests is not lifted by chance. Equal scores share a rank."))
                }
                div.scroll role="region" aria-label=(t(lang, "Tabel peringkat", "Ranking table")) tabindex="0" {
                    table.ranking {
                        thead { tr {
                            th scope="col" { (t(lang, "Peringkat", "Rank")) }
                            th scope="col" { (t(lang, "Badan publik", "Public body")) }
                            th scope="col" { (t(lang, "Nilai", "Score")) }
                            th scope="col" { (t(lang, "Kategori", "Band")) }
                            th scope="col" { (t(lang, "Dibanding periode lalu", "Against last period")) }
                            th scope="col" { (t(lang, "Pemberitahuan", "Notices")) }
                        } }
                        tbody {
                            @for e in &r.entries {
                                tr {
                                    td.n { @if e.rank > 0 { (e.rank) } @else { "–" } }
                                    th scope="row" { a href={ "/badan/" (e.agency_id) "?periode=" (r.period.key()) } { (e.display_name) } }
                                    td.n { (view::score(lang, e.score)) }
                                    td { (view::band(lang, &e.band)) }
                                    td { (view::movement(lang, e.rank, e.previous_rank))
                                         @if e.previous_rank > 0 { span.muted { " (" (t(lang, "sebelumnya ", "was ")) (e.previous_rank) ")" } } }
                                    td.n { (texts::count(lang, e.decided)) }
                                }
                            }
                        }
                    }
                }
                p.note { (t(lang,
                    "Kategori tanpa keterangan “indikatif” memakai penilaian Komisi Informasi; yang indikatif dihitung dari data layanan saja.",
                    "Bands not marked “indicative” use the Information Commission's assessment; indicative ones come from the service data alone."))
                }
                @if others.len() > 1 {
                    h2 { (t(lang, "Peringkat lain yang diumumkan", "Other published rankings")) }
                    ul.list {
                        @for (g, per, glabel, plabel) in &others {
                            li { a href={ "/peringkat?grup=" (g) "&periode=" (per) } { (glabel) " · " (plabel) } }
                        }
                    }
                }
            },
        ))
    })
    .await
}

/// An agency's DIP as the public reads it: its published entries (not
/// proposed, not withdrawn), with the agency's today and that year's
/// checklist.
async fn published_dip(
    p: &Portal,
    id: &str,
) -> Result<(
    Agency,
    jiff::civil::Date,
    crate::domain::dip::Checklist,
    Vec<crate::domain::dip::Entry>,
)> {
    let (agency, today) = p.app.today_at(id).await?;
    let (checklist, _) = p.app.dip_checklist(today.year()).await?;
    let entries = p
        .app
        .dip_entries(&agency)
        .await?
        .into_iter()
        .filter(|e| e.status() == crate::domain::dip::EntryStatus::Published)
        .collect();
    Ok((agency, today, checklist, entries))
}

pub(crate) async fn dip(State(p): State<Shared>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let key = format!("/badan/{id}/dip");
    public_page(&p, &ctx, &key, async || {
        let lang = ctx.lang;
        let (agency, today, checklist, entries) = published_dip(&p, &id).await?;
        let heads = crate::report::dip::head(lang);
        let title = match lang {
            Lang::Id => format!("Daftar Informasi Publik {}", agency.display_name),
            Lang::En => format!("List of Public Information of {}", agency.display_name),
        };
        Ok(layout(
            &ctx,
            &title,
            html! {
                p.crumbs { a href={ "/badan/" (agency.id) } { (agency.display_name) } }
                h1 { (title) }
                p.note {
                    (t(lang, "Sesuai UU No. 14 Tahun 2008 Pasal 9–11. Keadaan per ", "Under Law 14/2008 Articles 9–11. As of "))
                    (texts::date(lang, today)) ". "
                    a href={ "/badan/" (agency.id) "/dip.csv" } { (t(lang, "Unduh CSV", "Download CSV")) }
                }
                @for kind in InformationKind::ALL {
                    @let of_kind: Vec<_> = entries.iter().filter(|e| e.kind == *kind).collect();
                    h2 { @match lang { Lang::Id => { "Informasi " (kind.label()) }, Lang::En => { (kind.label_en()) " information" } } }
                    @if of_kind.is_empty() {
                        p.empty { (t(lang, "Belum ada informasi pada jenis ini.", "No information of this kind yet.")) }
                    } @else {
                        div.scroll role="region" aria-label=(match lang { Lang::Id => kind.label(), Lang::En => kind.label_en() }) tabindex="0" {
                            table.dip {
                                thead { tr {
                                    @for (i, h) in heads.iter().enumerate() {
                                        @if i != 7 { th scope="col" { (h) } }
                                    }
                                } }
                                tbody {
                                    @for e in of_kind {
                                        @let cells = crate::report::dip::row(e, &agency, &checklist, today, lang);
                                        tr.out[e.withdrawn.is_some()] {
                                            @for (i, c) in cells.iter().enumerate() {
                                                @if i == 9 {
                                                    td {
                                                        @for (k, part) in c.split("; ").filter(|x| !x.is_empty()).enumerate() {
                                                            @if k > 0 { br; }
                                                            @if crate::domain::dip::is_web_address(part) {
                                                                a href=(part) rel="nofollow noopener" { (part) }
                                                            } @else { (part) }
                                                        }
                                                    }
                                                } @else if i != 7 {
                                                    td.late[i == 10 && (c.starts_with("TERLAMBAT") || c.starts_with("OVERDUE"))] { (c) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        ))
    })
    .await
}

pub(crate) async fn dip_csv(State(p): State<Shared>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let make = async || -> Result<(String, Vec<u8>)> {
        let (agency, today, checklist, entries) = published_dip(&p, &id).await?;
        let csv = crate::report::dip::csv(&entries, &agency, &checklist, today, ctx.lang)
            .map_err(Error::Internal)?;
        Ok((agency.id, csv))
    };
    match make().await {
        Ok((agency_id, bytes)) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("attachment; filename=\"dip-{agency_id}.csv\""))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::VARY, HeaderValue::from_static("Cookie"));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            );
            res
        }
        Err(e) => failure(&ctx, e),
    }
}

pub(crate) async fn dik(State(p): State<Shared>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let key = format!("/badan/{id}/dik");
    public_page(&p, &ctx, &key, async || {
        let lang = ctx.lang;
        let (agency, today) = p.app.today_at(&id).await?;
        let filter = ExemptionFilter {
            statuses: Vec::new(),
            letter: None,
            today,
        };
        let list = p.app.list_exemptions(&agency, &filter, None, 1000).await?;
        let title = match lang {
            Lang::Id => format!("Daftar Informasi yang Dikecualikan {}", agency.display_name),
            Lang::En => format!("Exempt information of {}", agency.display_name),
        };
        Ok(layout(
            &ctx,
            &title,
            html! {
                p.crumbs { a href={ "/badan/" (agency.id) } { (agency.display_name) } }
                h1 { (title) }
                p.note { (t(lang,
                    "Informasi yang dikecualikan menurut UU No. 14 Tahun 2008 Pasal 17, masing-masing dengan uji konsekuensi dan penetapannya.",
                    "Information exempt under Law 14/2008 Article 17, each with its consequence test and decree."))
                }
                @if list.is_empty() {
                    p.empty { (t(lang, "Belum ada informasi yang dikecualikan.", "No exempt information recorded.")) }
                } @else {
                    div.scroll role="region" aria-label=(title) tabindex="0" {
                        table {
                            thead { tr {
                                th scope="col" { (t(lang, "Informasi", "Information")) }
                                th scope="col" { (t(lang, "Dasar", "Basis")) }
                                th scope="col" { (t(lang, "Uji konsekuensi", "Consequence test")) }
                                th scope="col" { (t(lang, "Kepentingan publik", "Public interest")) }
                                th scope="col" { (t(lang, "Penetapan", "Decree")) }
                                th scope="col" { (t(lang, "Berlaku", "In force")) }
                            } }
                            tbody {
                                @for (e, _) in &list {
                                    @let status = e.status_on(today);
                                    tr.out[!matches!(status, crate::domain::exemption::Status::Active)] {
                                        th scope="row" { (e.information) }
                                        td {
                                            (t(lang, "Pasal 17 huruf ", "Article 17 letter ")) (e.letter.as_str())
                                            @if let Some(s) = &e.sub_item { " " (s) }
                                            @if let Some(l) = &e.other_law { br; (l) }
                                        }
                                        td { (e.harm) }
                                        td { (e.public_interest_test) }
                                        td { (e.decree_number) br; (texts::date(lang, e.decree_date)) }
                                        td {
                                            (texts::date(lang, e.start_date)) " – "
                                            @if let Some(end) = e.end_date { (texts::date(lang, end)) } @else { (t(lang, "tidak ditentukan", "open-ended")) }
                                            @if matches!(status, crate::domain::exemption::Status::Revoked) { br; strong { (t(lang, "Dicabut", "Revoked")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        ))
    })
    .await
}

pub(crate) async fn reports(State(p): State<Shared>, ctx: Ctx) -> Response {
    public_page(&p, &ctx, "/laporan", async || {
        let lang = ctx.lang;
        let all_published = published(&p).await?;
        let list = &all_published.reports;
        let all = p.app.all_agencies().await?;
        let name = |id: &str| {
            all.iter()
                .find(|a| a.id == id)
                .map_or_else(|| id.to_string(), |a| a.display_name.clone())
        };
        let day = |id: &str, when: jiff::Timestamp| {
            let zone = all
                .iter()
                .find(|a| a.id == id)
                .map_or(jiff::tz::TimeZone::UTC, |a| a.tz());
            texts::date(lang, time::local_date(when, &zone))
        };
        let title = t(lang, "Laporan tahunan layanan informasi", "Annual information service reports");
        Ok(layout(
            &ctx,
            title,
            html! {
                h1 { (title) }
                p.note { (t(lang,
                    "Laporan menurut UU No. 14 Tahun 2008 Pasal 12 yang telah diumumkan badan publik, sebagaimana diumumkan.",
                    "Reports under Law 14/2008 Article 12 that public bodies have published, as published."))
                }
                @if list.is_empty() {
                    p.empty { (t(lang, "Belum ada laporan yang diumumkan.", "No report has been published yet.")) }
                }
                ul.list {
                    @for (id, year, when) in list.iter() {
                        li {
                            a href={ "/laporan/" (id) "/" (year) } { (name(id)) " · " (year) }
                            span.muted { " (" (t(lang, "diumumkan ", "published ")) (day(id, *when)) ")" }
                        }
                    }
                }
            },
        ))
    })
    .await
}

pub(crate) async fn report(
    State(p): State<Shared>,
    ctx: Ctx,
    Path((id, year)): Path<(String, String)>,
) -> Response {
    let Ok(year) = year.parse::<i16>() else {
        return failure(
            &ctx,
            Error::NotFound {
                kind: "report",
                name: format!("{id}/{year}"),
            },
        );
    };
    match p.app.report_page(&id, year, ctx.lang).await {
        Ok(Some(page)) => {
            let mut res = document(page);
            let h = res.headers_mut();
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            h.insert(header::VARY, HeaderValue::from_static("Cookie"));
            res
        }
        Ok(None) => failure(
            &ctx,
            Error::NotFound {
                kind: "report",
                name: format!("{id}/{year}"),
            },
        ),
        Err(e) => failure(&ctx, e),
    }
}
