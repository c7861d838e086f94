//! The portal's page frame and the small pieces its pages share.
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Ctx;
use crate::{
    domain::figures::{Period, PeriodKind},
    report::texts::{self, Lang},
};

/// `id` in Indonesian, `en` in English.
pub(crate) fn t(lang: Lang, id: &'static str, en: &'static str) -> &'static str {
    lang.pick(id, en)
}

/// A whole page: the header with the menu and the language switch, the
/// content, the footer.
pub(crate) fn layout(ctx: &Ctx, title: &str, content: Markup) -> String {
    let lang = ctx.lang;
    let (other, other_label) = match lang {
        Lang::Id => ("en", "English"),
        Lang::En => ("id", "Bahasa Indonesia"),
    };
    let menu: [(&str, &str); 6] = [
        (
            "/permohonan",
            t(lang, "Ajukan permohonan", "Make a request"),
        ),
        ("/lacak", t(lang, "Lacak permohonan", "Track a request")),
        (
            "/keberatan",
            t(lang, "Ajukan keberatan", "File an objection"),
        ),
        (
            "/peringkat",
            t(lang, "Peringkat keterbukaan", "Openness ranking"),
        ),
        ("/badan", t(lang, "Badan publik", "Public bodies")),
        ("/laporan", t(lang, "Laporan tahunan", "Annual reports")),
    ];
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t(lang, "Portal PPID", "PPID Portal")) }
                link rel="stylesheet" href="/static/portal.css";
                link rel="icon" href="/static/icon.svg" type="image/svg+xml";
            }
            body {
                a.skip href="#isi" { (t(lang, "Langsung ke isi", "Skip to content")) }
                header.site {
                    div.wrap.bar {
                        a.brand href="/" { (t(lang, "Portal PPID", "PPID Portal")) }
                        a.lang href={ (ctx.path) "?" @if !ctx.query.is_empty() { (ctx.query) "&" } "lang=" (other) } hreflang=(other) lang=(other) { (other_label) }
                    }
                    nav.wrap aria-label=(t(lang, "Menu utama", "Main menu")) {
                        ul {
                            @for (href, label) in menu {
                                li {
                                    @if ctx.path == href || (href != "/" && ctx.path.starts_with(&format!("{href}/"))) {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main #isi .wrap tabindex="-1" { (content) }
                footer.site {
                    div.wrap {
                        p { (t(lang,
                            "Layanan informasi publik menurut Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik.",
                            "Public information service under Law No. 14 of 2008 on Public Information Disclosure (UU KIP)."))
                        }
                        p { (t(lang,
                            "Halaman ini tidak memuat data pribadi pemohon.",
                            "No requester's personal data is shown on these pages."))
                        }
                    }
                }
            }
        }
    };
    page.into_string()
}

/// A period for people: "Tahun 2025", "Triwulan III 2025".
pub(crate) fn period(lang: Lang, p: &Period) -> String {
    match (p.kind, lang) {
        (PeriodKind::Year(y), Lang::Id) => format!("Tahun {y}"),
        (PeriodKind::Year(y), Lang::En) => format!("Year {y}"),
        (PeriodKind::Quarter(y, q), Lang::Id) => {
            format!(
                "Triwulan {} {y}",
                ["I", "II", "III", "IV"][(q - 1) as usize]
            )
        }
        (PeriodKind::Quarter(y, q), Lang::En) => format!("Q{q} {y}"),
        (PeriodKind::Range, _) => format!(
            "{} – {}",
            texts::date(lang, p.start),
            texts::date(lang, p.end)
        ),
    }
}

/// A period key as the ranking store keeps it ("2025", "2025-Q3").
pub(crate) fn parse_period(key: &str) -> Option<Period> {
    match key.split_once("-Q") {
        Some((y, q)) => Period::quarter(y.parse().ok()?, q.parse().ok()?),
        None => Period::year(key.parse().ok()?),
    }
}

/// A band label in the page's language (the KI's names stay Indonesian).
pub(crate) fn band(lang: Lang, label: &str) -> String {
    if label.is_empty() {
        return t(lang, "belum cukup data", "insufficient data").into();
    }
    match lang {
        Lang::Id => label.to_string(),
        Lang::En => label.replace("(indikatif)", "(indicative)"),
    }
}

/// A score out of 100.
pub(crate) fn score(lang: Lang, s: Option<f64>) -> String {
    s.map_or_else(|| "–".into(), |s| texts::decimal(lang, s, 1))
}

/// A rank's move against the last published period, in words (never by
/// colour or arrow alone).
pub(crate) fn movement(lang: Lang, rank: i32, previous: i32) -> Markup {
    if rank == 0 {
        return html! { "–" };
    }
    if previous == 0 {
        return html! { span.move { (t(lang, "baru", "new")) } };
    }
    let d = previous - rank;
    match d.cmp(&0) {
        std::cmp::Ordering::Greater => html! {
            span.move.up { span aria-hidden="true" { "▲ " } (t(lang, "naik ", "up ")) (d) }
        },
        std::cmp::Ordering::Less => html! {
            span.move.down { span aria-hidden="true" { "▼ " } (t(lang, "turun ", "down ")) (-d) }
        },
        std::cmp::Ordering::Equal => html! { span.move { (t(lang, "tetap", "same")) } },
    }
}

/// A chart from the reports' renderer (inline SVG, presentation attributes
/// only, so the page's CSP holds), with its caption and the numbers as a
/// table beside it for screen readers and for print.
pub(crate) fn chart(
    lang: Lang,
    title: &str,
    bars: (&str, &[(String, f64)]),
    value_label: &str,
    fmt: impl Fn(f64) -> String,
) -> Markup {
    let (bar_label, bars) = bars;
    let svg = crate::report::chart::bar_chart(lang, title, bars, false);
    html! {
        figure.chart {
            div aria-hidden="true" { (PreEscaped(svg)) }
            figcaption { (title) }
            details {
                summary { (t(lang, "Angka", "Figures")) }
                table {
                    thead { tr { th scope="col" { (bar_label) } th scope="col" { (value_label) } } }
                    tbody {
                        @for (label, v) in bars {
                            tr { th scope="row" { (label) } td.n { (fmt(*v)) } }
                        }
                    }
                }
            }
        }
    }
}

/// A plain message page (not found, refused).
pub(crate) fn message(ctx: &Ctx, title: &str, text: &str) -> String {
    layout(
        ctx,
        title,
        html! {
            h1 { (title) }
            p { (text) }
            p { a href="/" { (t(ctx.lang, "Kembali ke beranda", "Back to the home page")) } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_people_write_them() {
        let y = parse_period("2025").unwrap();
        let q = parse_period("2025-Q3").unwrap();
        assert_eq!(period(Lang::Id, &y), "Tahun 2025");
        assert_eq!(period(Lang::Id, &q), "Triwulan III 2025");
        assert_eq!(period(Lang::En, &q), "Q3 2025");
        assert!(parse_period("2025-Q5").is_none());
        assert!(parse_period("x").is_none());
    }

    #[test]
    fn movement_is_said_in_words() {
        let s = |r, p| movement(Lang::Id, r, p).into_string();
        assert!(s(2, 5).contains("naik 3"));
        assert!(s(5, 2).contains("turun 3"));
        assert!(s(3, 3).contains("tetap"));
        assert!(s(3, 0).contains("baru"));
    }
}
