//! The annual report as Markdown, HTML (with inline SVG charts and print
//! CSS), JSON and CSV. Every renderer takes the same [`AnnualReport`].
use std::fmt::Write as _;
use std::io::Write;

use crate::{
    domain::{
        DisputeOutcome, ExemptionLetter, ObjectionGround, Outcome, figures::Distribution,
        stats::HIST_CAP, time,
    },
    report::{
        annual::{AnnualReport, Section},
        chart,
        texts::{self, Header, Lang},
    },
};

/// An output format of `ppid report annual`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown.
    Markdown,
    /// A standalone HTML page.
    Html,
    /// JSON (the report struct as is).
    Json,
    /// CSV: one row per agency, then the total and last year's total.
    Csv,
}

/// Writes `r` to `out` in `format`, its texts in `lang` (CSV: its header
/// row the labels in `lang`, or the machine keys).
pub fn render(
    r: &AnnualReport,
    format: Format,
    lang: Lang,
    header: Header,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Markdown => out.write_all(markdown(r, lang).as_bytes())?,
        Format::Html => out.write_all(html(r, lang).as_bytes())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, r)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => csv(r, lang, header, out)?,
    }
    out.flush()?;
    Ok(())
}

fn section_days(lang: Lang, d: &Option<Distribution>, f: impl Fn(&Distribution) -> f64) -> String {
    d.as_ref().map_or("-".into(), |d| texts::days(lang, f(d)))
}

fn max_days(lang: Lang, d: &Option<Distribution>) -> String {
    d.as_ref().map_or("-".into(), |d| {
        if d.max >= HIST_CAP {
            format!("{}+", texts::count(lang, i64::from(HIST_CAP)))
        } else {
            texts::count(lang, i64::from(d.max))
        }
    })
}

fn on_time(lang: Lang, s: &Section) -> String {
    s.on_time
        .map_or("-".into(), |r| texts::percent(lang, r.value * 100.0))
}

fn letters(c: &crate::report::annual::Counts<ExemptionLetter>) -> String {
    let parts: Vec<String> =
        c.0.iter()
            .filter(|(_, n)| *n > 0)
            .map(|(l, n)| format!("{l}: {n}"))
            .collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

/// `template` with each `{name}` replaced by its value.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut s = template.to_string();
    for (k, v) in values {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// The figure label of a year-on-year row ("fig.<key>" in the texts).
fn figure(lang: Lang, key: &str) -> String {
    texts::PHRASES
        .iter()
        .find(|p| p.0.strip_prefix("fig.") == Some(key))
        .map_or_else(|| key.to_string(), |p| lang.pick(p.1, p.2).to_string())
}

/// A year-on-year change: "+3 (+12,5%)".
fn change(lang: Lang, c: &crate::report::annual::Change) -> String {
    let sign = if c.change > 0.0 { "+" } else { "" };
    match c.change_percent {
        Some(p) => format!(
            "{sign}{} ({}{})",
            texts::number(lang, c.change),
            if p > 0.0 { "+" } else { "" },
            texts::percent(lang, p)
        ),
        None => format!("{sign}{}", texts::number(lang, c.change)),
    }
}

/// The year-on-year value of a figure: percentages as such.
fn figure_value(lang: Lang, key: &str, v: f64) -> String {
    if key.ends_with("_percent") {
        texts::percent(lang, v)
    } else {
        texts::number(lang, v)
    }
}

fn band(lang: Lang, e: &crate::report::annual::RankRow) -> String {
    if e.score.is_none() {
        lang.t("report.insufficient").to_string()
    } else {
        e.band.clone()
    }
}

/// The facts every rendering says in its words, in the report's language.
struct Words {
    title: String,
    intro: String,
    time_text: String,
    withholding: String,
    objections: String,
}

fn words(r: &AnnualReport, lang: Lang) -> Words {
    let t = &r.total;
    let n = |v: i64| texts::count(lang, v);
    Words {
        title: format!("{} {}: {}", lang.t("report.title"), r.year, r.display_name),
        intro: format!(
            "{} {} {} {} {} {}, {} {}.",
            lang.t("report.intro"),
            lang.t("report.of"),
            r.display_name,
            lang.t("report.with_sub"),
            n(t.agency_count.saturating_sub(1) as i64),
            lang.t("report.sub_agencies"),
            lang.t("report.made"),
            texts::date(lang, r.generate_date)
        ),
        time_text: fill(
            lang.t("report.time_text"),
            &[
                (
                    "median",
                    section_days(lang, &t.time_to_notice, |d| d.median),
                ),
                ("mean", section_days(lang, &t.time_to_notice, |d| d.mean)),
                (
                    "min",
                    section_days(lang, &t.time_to_notice, |d| f64::from(d.min)),
                ),
                ("max", max_days(lang, &t.time_to_notice)),
                ("count", n(t.time_to_notice.as_ref().map_or(0, |d| d.count))),
                (
                    "dmedian",
                    section_days(lang, &t.time_to_delivery, |d| d.median),
                ),
                ("dmean", section_days(lang, &t.time_to_delivery, |d| d.mean)),
            ],
        ),
        withholding: fill(
            lang.t("report.withholding"),
            &[
                ("with", n(t.withholding_with_dik)),
                ("without", n(t.withholding_unregistered)),
            ],
        ),
        objections: fill(
            lang.t("report.objections_text"),
            &[
                ("filed", n(t.objections_filed)),
                ("answered", n(t.objections_answered)),
                ("ontime", n(t.objections_answered_on_time)),
                ("upheld", n(t.objections_upheld)),
                ("overturned", n(t.objections_overturned)),
            ],
        ),
    }
}

/// The "requests and outcomes" rows (label, count).
fn outcome_rows(lang: Lang, t: &Section) -> Vec<(String, String)> {
    let n = |v: i64| texts::count(lang, v);
    let mut rows = vec![
        (lang.t("fig.received").to_string(), n(t.received)),
        (
            lang.t("fig.pending_at_start").to_string(),
            n(t.pending_at_start),
        ),
        (lang.t("fig.decided").to_string(), n(t.decided)),
    ];
    for (o, c) in &t.outcomes.0 {
        rows.push((texts::outcome(lang, *o).to_string(), n(*c)));
    }
    rows.push((lang.t("fig.withdrawn").to_string(), n(t.withdrawn)));
    rows.push((
        lang.t("fig.pending_at_end").to_string(),
        n(t.pending_at_end),
    ));
    rows.push((lang.t("fig.extended").to_string(), n(t.extended)));
    rows.push((lang.t("fig.on_time").to_string(), on_time(lang, t)));
    rows
}

/// The per-agency table: head and rows (the total last).
fn agency_table(r: &AnnualReport, lang: Lang) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let t = &r.total;
    let n = |v: i64| texts::count(lang, v);
    let head = vec![
        lang.t("report.agency"),
        lang.t("fig.received"),
        lang.t("fig.decided"),
        lang.t("fig.granted"),
        lang.t("report.partly"),
        lang.t("fig.rejected"),
        lang.t("report.not_held"),
        lang.t("fig.withdrawn"),
        lang.t("fig.pending_at_end"),
        lang.t("report.median_days"),
        lang.t("report.mean_days"),
        lang.t("report.on_time"),
        lang.t("report.rejected_by_letter"),
        lang.t("fig.objections_filed"),
        lang.t("fig.disputes_filed"),
    ];
    let rows = r
        .agencies
        .iter()
        .chain(std::iter::once(t))
        .map(|a| {
            vec![
                if std::ptr::eq(a, t) {
                    lang.t("report.total").to_string()
                } else {
                    a.display_name.clone()
                },
                n(a.received),
                n(a.decided),
                n(a.outcomes.get(Outcome::Granted)),
                n(a.outcomes.get(Outcome::PartiallyGranted)),
                n(a.outcomes.get(Outcome::Rejected)),
                n(a.outcomes.get(Outcome::NotHeld)),
                n(a.withdrawn),
                n(a.pending_at_end),
                section_days(lang, &a.time_to_notice, |d| d.median),
                section_days(lang, &a.time_to_notice, |d| d.mean),
                on_time(lang, a),
                letters(&a.rejected_by_letter),
                n(a.objections_filed),
                n(a.disputes_filed),
            ]
        })
        .collect();
    (head, rows)
}

fn rank_rows(r: &AnnualReport, lang: Lang) -> Vec<Vec<String>> {
    r.ranking
        .iter()
        .map(|e| {
            vec![
                if e.rank > 0 {
                    e.rank.to_string()
                } else {
                    "-".into()
                },
                e.display_name.clone(),
                e.score.map_or("-".into(), |v| texts::decimal(lang, v, 1)),
                e.conservative_score
                    .map_or("-".into(), |v| texts::decimal(lang, v, 1)),
                band(lang, e),
                if e.previous_rank > 0 {
                    e.previous_rank.to_string()
                } else {
                    "-".into()
                },
            ]
        })
        .collect()
}

fn pending_rows(r: &AnnualReport, lang: Lang) -> Vec<Vec<String>> {
    r.oldest_pending
        .iter()
        .map(|p| {
            vec![
                p.registration_number.clone(),
                p.agency_id.clone(),
                texts::date(lang, p.receive_date),
                p.due_date.map_or(lang.t("report.paused").to_string(), |d| {
                    texts::date(lang, d)
                }),
            ]
        })
        .collect()
}

fn md_table(s: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(
        s,
        "| {} |",
        head.iter()
            .map(|h| md_cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        s,
        "|{}|",
        head.iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---" } else { "---:" })
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in rows {
        let _ = writeln!(
            s,
            "| {} |",
            row.iter()
                .map(|c| md_cell(c))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
}

/// The narrative part `name` (see `Narrative::parts`): its heading and its
/// text, empty when not written.
fn part<'a>(r: &'a AnnualReport, lang: Lang, name: &str) -> (&'static str, &'a str) {
    let text = r
        .narrative
        .as_ref()
        .and_then(|n| n.parts().into_iter().find(|(k, _)| *k == name))
        .map_or("", |(_, t)| t);
    let heading = texts::PHRASES
        .iter()
        .find(|p| p.0.strip_prefix("narrative.") == Some(name))
        .map_or("", |p| lang.pick(p.1, p.2));
    (heading, text)
}

/// When the report is due, and whether it was published and sent to the
/// Komisi Informasi.
fn status(r: &AnnualReport, lang: Lang) -> String {
    let mut s = fill(
        lang.t("report.due_note"),
        &[("due", texts::date(lang, r.due_date))],
    );
    match &r.publication {
        Some(p) => {
            s.push(' ');
            s.push_str(&fill(
                lang.t("report.published"),
                &[(
                    "date",
                    texts::date(lang, time::local_date(p.publish_time, &r.time_zone)),
                )],
            ));
            if let Some(d) = p.sent_to_ki_date {
                s.push(' ');
                s.push_str(&fill(
                    lang.t("report.sent_to_ki"),
                    &[("date", texts::date(lang, d))],
                ));
            }
        }
        None => {
            s.push(' ');
            s.push_str(lang.t("report.not_published"));
            if r.generate_date > r.due_date {
                s.push(' ');
                s.push_str(lang.t("report.overdue"));
            }
        }
    }
    s
}

fn md_part(s: &mut String, r: &AnnualReport, lang: Lang, name: &str) {
    let (heading, text) = part(r, lang, name);
    let body = if text.is_empty() {
        lang.t("narrative.empty")
    } else {
        text
    };
    let _ = writeln!(s, "\n## {heading}\n\n{body}");
}

fn html_part(h: &mut String, r: &AnnualReport, lang: Lang, name: &str) {
    let (heading, text) = part(r, lang, name);
    let _ = write!(h, "<h2>{}</h2>", esc(heading));
    if text.is_empty() {
        let _ = write!(h, "<p class=\"empty\">{}</p>", lang.t("narrative.empty"));
    }
    // Each line of the office's text is a paragraph.
    for para in text.lines().filter(|l| !l.trim().is_empty()) {
        let _ = write!(h, "<p>{}</p>", esc(para.trim()));
    }
}

/// The report as Markdown.
pub fn markdown(r: &AnnualReport, lang: Lang) -> String {
    let mut s = String::new();
    let t = &r.total;
    let w = words(r, lang);
    let n = |v: i64| texts::count(lang, v);
    let _ = writeln!(s, "# {}\n\n{}\n\n{}", w.title, w.intro, status(r, lang));
    for name in ["profile", "facilities", "staff", "budget"] {
        md_part(&mut s, r, lang, name);
    }
    let _ = writeln!(s, "\n## {}\n", lang.t("report.summary"));
    md_table(
        &mut s,
        &[
            lang.t("report.figure"),
            &r.year.to_string(),
            &(r.year - 1).to_string(),
            lang.t("report.change"),
        ],
        &summary_rows(r, lang),
    );
    let _ = writeln!(s, "\n## {}\n", lang.t("report.requests_outcomes"));
    md_table(
        &mut s,
        &["", lang.t("report.count")],
        &outcome_rows(lang, t)
            .into_iter()
            .map(|(a, b)| vec![a, b])
            .collect::<Vec<_>>(),
    );
    let _ = writeln!(
        s,
        "\n## {}\n\n{}\n",
        lang.t("report.time_taken"),
        w.time_text
    );
    if let Some(d) = &t.time_to_notice {
        md_table(
            &mut s,
            &[lang.t("report.working_days"), lang.t("report.notices")],
            &d.kip_buckets
                .iter()
                .map(|(l, c)| vec![l.clone(), n(*c)])
                .collect::<Vec<_>>(),
        );
        let _ = writeln!(s);
        md_table(
            &mut s,
            &[lang.t("report.doj_buckets"), lang.t("report.notices")],
            &d.doj_buckets
                .iter()
                .map(|(l, c)| vec![l.clone(), n(*c)])
                .collect::<Vec<_>>(),
        );
    }
    let _ = writeln!(s, "\n## {}\n", lang.t("report.by_letter"));
    md_table(
        &mut s,
        &[
            lang.t("report.letter"),
            lang.t("fig.rejected"),
            lang.t("fig.partially_granted"),
        ],
        &letter_rows(t, lang),
    );
    let _ = writeln!(s, "\n{}", w.withholding);
    let _ = writeln!(
        s,
        "\n## {}\n\n{}\n",
        lang.t("report.objections"),
        w.objections
    );
    md_table(
        &mut s,
        &[lang.t("report.ground"), lang.t("report.objection_count")],
        &ground_rows(t, lang),
    );
    let _ = writeln!(
        s,
        "\n## {}\n\n{} {}.\n",
        lang.t("report.disputes"),
        lang.t("report.filed"),
        n(t.disputes_filed)
    );
    md_table(
        &mut s,
        &[lang.t("report.outcome"), lang.t("report.dispute_count")],
        &dispute_rows(t, lang),
    );
    md_part(&mut s, r, lang, "decisions_implementation");
    let _ = writeln!(s, "\n## {}\n", lang.t("report.per_agency"));
    let (head, rows) = agency_table(r, lang);
    md_table(&mut s, &head, &rows);
    if !r.ranking.is_empty() {
        let _ = writeln!(s, "\n## {}\n", lang.t("report.ranking"));
        md_table(&mut s, &rank_head(lang), &rank_rows(r, lang));
    }
    let _ = writeln!(
        s,
        "\n## {}\n\n{} {}.\n",
        lang.t("report.backlog"),
        lang.t("report.past_due"),
        n(r.open_past_due_now)
    );
    md_table(&mut s, &pending_head(lang), &pending_rows(r, lang));
    for name in ["obstacles", "recommendations"] {
        md_part(&mut s, r, lang, name);
    }
    let _ = writeln!(
        s,
        "\n## {}\n\n{}",
        lang.t("report.method"),
        lang.t("report.method_text")
    );
    s
}

fn summary_rows(r: &AnnualReport, lang: Lang) -> Vec<Vec<String>> {
    r.year_on_year
        .iter()
        .map(|c| {
            vec![
                figure(lang, c.figure),
                figure_value(lang, c.figure, c.current),
                figure_value(lang, c.figure, c.previous),
                change(lang, c),
            ]
        })
        .collect()
}

fn letter_rows(t: &Section, lang: Lang) -> Vec<Vec<String>> {
    t.rejected_by_letter
        .0
        .iter()
        .zip(&t.partially_granted_by_letter.0)
        .map(|((l, a), (_, b))| {
            vec![
                l.to_string(),
                texts::count(lang, *a),
                texts::count(lang, *b),
            ]
        })
        .collect()
}

fn ground_rows(t: &Section, lang: Lang) -> Vec<Vec<String>> {
    t.objections_by_ground
        .0
        .iter()
        .map(|(g, c)| vec![texts::ground(lang, *g).into(), texts::count(lang, *c)])
        .collect()
}

fn dispute_rows(t: &Section, lang: Lang) -> Vec<Vec<String>> {
    t.dispute_outcomes
        .0
        .iter()
        .map(|(o, c)| {
            vec![
                texts::dispute_outcome(lang, *o).into(),
                texts::count(lang, *c),
            ]
        })
        .collect()
}

fn rank_head(lang: Lang) -> Vec<&'static str> {
    vec![
        lang.t("report.rank"),
        lang.t("report.agency"),
        lang.t("report.score"),
        lang.t("report.conservative_score"),
        lang.t("report.band"),
        lang.t("report.last_year"),
    ]
}

fn pending_head(lang: Lang) -> Vec<&'static str> {
    vec![
        lang.t("report.registration_number"),
        lang.t("report.agency"),
        lang.t("report.received_on"),
        lang.t("report.due"),
    ]
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// `s` escaped for HTML text and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;\
margin:2em auto;padding:0 1em;color:#1d1d1f;line-height:1.45}\
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .5em}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f0f3f7}\
p.status{background:#f6f6f0;border-left:3px solid #b08d00;padding:.4em .6em}p.empty{color:#777;font-style:italic}\
figure{margin:1em 0}figure svg{max-width:100%;height:auto}\
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}\
figure,table{break-inside:avoid}tr{break-inside:avoid}a{color:inherit;text-decoration:none}\
@page{size:A4;margin:15mm}}";

fn table(out: &mut String, head: &[&str], rows: Vec<Vec<String>>) {
    out.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let class = if i > 0
                && c.chars()
                    .all(|ch| ch.is_ascii_digit() || ".,%+-<() ".contains(ch))
            {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", esc(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// The report as a standalone HTML page with inline SVG charts.
pub fn html(r: &AnnualReport, lang: Lang) -> String {
    let t = &r.total;
    let w = words(r, lang);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>{CSS}</style></head><body>",
        lang.code(),
        esc(&w.title)
    );
    let _ = write!(
        h,
        "<h1>{}</h1><p>{}</p><p class=\"status\">{}</p>",
        esc(&w.title),
        esc(&w.intro),
        esc(&status(r, lang))
    );
    for name in ["profile", "facilities", "staff", "budget"] {
        html_part(&mut h, r, lang, name);
    }
    let _ = write!(h, "<h2>{}</h2>", lang.t("report.summary"));
    table(
        &mut h,
        &[
            lang.t("report.figure"),
            &r.year.to_string(),
            &(r.year - 1).to_string(),
            lang.t("report.change"),
        ],
        summary_rows(r, lang),
    );
    let _ = write!(h, "<h2>{}</h2>", lang.t("report.requests_outcomes"));
    table(
        &mut h,
        &["", lang.t("report.count")],
        outcome_rows(lang, t)
            .into_iter()
            .map(|(a, b)| vec![a, b])
            .collect(),
    );
    let mut outcome_bars: Vec<(String, f64)> = t
        .outcomes
        .0
        .iter()
        .map(|(o, n)| (texts::outcome(lang, *o).to_string(), *n as f64))
        .collect();
    outcome_bars.push((lang.t("fig.withdrawn").into(), t.withdrawn as f64));
    let _ = write!(
        h,
        "<figure>{}<figcaption>{} {}</figcaption></figure>",
        chart::bar_chart(lang, lang.t("report.outcomes_chart"), &outcome_bars, true),
        lang.t("report.outcomes_caption"),
        r.year
    );
    let _ = write!(
        h,
        "<h2>{}</h2><p>{}</p>",
        lang.t("report.time_taken"),
        esc(&w.time_text)
    );
    if let Some(d) = &t.time_to_notice {
        let bars: Vec<(String, f64)> = d
            .kip_buckets
            .iter()
            .map(|(l, n)| (l.clone(), *n as f64))
            .collect();
        let _ = write!(
            h,
            "<figure>{}<figcaption>{}</figcaption></figure>",
            chart::bar_chart(lang, lang.t("report.time_chart"), &bars, false),
            lang.t("report.time_caption")
        );
        table(
            &mut h,
            &[lang.t("report.doj_buckets"), lang.t("report.notices")],
            d.doj_buckets
                .iter()
                .map(|(l, n)| vec![l.clone(), texts::count(lang, *n)])
                .collect(),
        );
    }
    let _ = write!(h, "<h2>{}</h2>", lang.t("report.by_letter"));
    table(
        &mut h,
        &[
            lang.t("report.letter"),
            lang.t("fig.rejected"),
            lang.t("fig.partially_granted"),
        ],
        letter_rows(t, lang),
    );
    let _ = write!(h, "<p>{}</p>", esc(&w.withholding));
    let _ = write!(
        h,
        "<h2>{}</h2><p>{}</p>",
        lang.t("report.objections"),
        esc(&w.objections)
    );
    table(
        &mut h,
        &[lang.t("report.ground"), lang.t("report.objection_count")],
        ground_rows(t, lang),
    );
    let _ = write!(
        h,
        "<h2>{}</h2><p>{} {}.</p>",
        lang.t("report.disputes"),
        lang.t("report.filed"),
        texts::count(lang, t.disputes_filed)
    );
    table(
        &mut h,
        &[lang.t("report.outcome"), lang.t("report.dispute_count")],
        dispute_rows(t, lang),
    );
    html_part(&mut h, r, lang, "decisions_implementation");
    let _ = write!(h, "<h2>{}</h2>", lang.t("report.per_agency"));
    let (head, rows) = agency_table(r, lang);
    // Fifteen columns do not fit an A4 page: the outcomes, then what is
    // open and how fast, then what followed, each with the unit's name.
    for cols in [
        &[0, 1, 2, 3, 4, 5, 6][..],
        &[0, 7, 8, 9, 10, 11],
        &[0, 12, 13, 14],
    ] {
        let head: Vec<&str> = cols.iter().map(|&i| head[i]).collect();
        let rows = rows
            .iter()
            .map(|row| cols.iter().map(|&i| row[i].clone()).collect())
            .collect();
        table(&mut h, &head, rows);
    }
    let _ = write!(h, "<h2>{}</h2>", lang.t("report.ranking"));
    let ranked: Vec<(String, f64)> = r
        .ranking
        .iter()
        .filter_map(|e| {
            e.score
                .map(|s| (format!("{}. {}", e.rank, e.display_name), s))
        })
        .collect();
    if ranked.is_empty() {
        let _ = write!(h, "<p>{}</p>", lang.t("report.no_ranking"));
    } else {
        let _ = write!(
            h,
            "<figure>{}<figcaption>{}</figcaption></figure>",
            chart::bar_chart(lang, lang.t("report.ranking_chart"), &ranked, true),
            lang.t("report.ranking_caption")
        );
    }
    table(&mut h, &rank_head(lang), rank_rows(r, lang));
    let _ = write!(
        h,
        "<h2>{}</h2><p>{} {}.</p>",
        lang.t("report.backlog"),
        lang.t("report.past_due"),
        texts::count(lang, r.open_past_due_now)
    );
    table(&mut h, &pending_head(lang), pending_rows(r, lang));
    for name in ["obstacles", "recommendations"] {
        html_part(&mut h, r, lang, name);
    }
    let _ = writeln!(
        h,
        "<h2>{}</h2><p>{}</p></body></html>",
        lang.t("report.method"),
        esc(lang.t("report.method_text"))
    );
    h
}

/// One CSV row per agency, then the total and last year's total; the
/// header row has the labels in `lang`, or the machine keys.
fn csv(r: &AnnualReport, lang: Lang, header: Header, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let fixed = |key: &str, id: &'static str, en: &'static str| {
        (key.to_string(), lang.pick(id, en).to_string())
    };
    let mut head: Vec<(String, String)> = vec![
        fixed("row", "Baris", "Row"),
        fixed("year", "Tahun", "Year"),
        fixed("agency", "Kode Unit", "Agency id"),
        fixed("display_name", "Nama Unit", "Agency"),
        fixed("agency_count", "Jumlah Unit", "Agencies"),
        fixed("received", "Permohonan Diterima", "Received"),
        fixed(
            "pending_at_start",
            "Belum Selesai Awal Tahun",
            "Open at start",
        ),
        fixed("pending_at_end", "Belum Selesai Akhir Tahun", "Open at end"),
        fixed("decided", "Pemberitahuan Tertulis", "Written notices"),
        fixed("withdrawn", "Ditarik Kembali", "Withdrawn"),
    ];
    head.extend(
        Outcome::ALL
            .iter()
            .map(|o| (o.as_str().to_string(), texts::outcome(lang, *o).to_string())),
    );
    head.extend([
        fixed(
            "notice_days_median",
            "Median Hari ke Pemberitahuan",
            "Median days to notice",
        ),
        fixed(
            "notice_days_mean",
            "Rata-rata Hari ke Pemberitahuan",
            "Mean days to notice",
        ),
        fixed(
            "notice_days_min",
            "Tercepat (Hari)",
            "Lowest days to notice",
        ),
        fixed(
            "notice_days_max",
            "Terlama (Hari)",
            "Highest days to notice",
        ),
        fixed(
            "delivery_days_median",
            "Median Hari ke Penyerahan",
            "Median days to delivery",
        ),
        fixed(
            "delivery_days_mean",
            "Rata-rata Hari ke Penyerahan",
            "Mean days to delivery",
        ),
        fixed("on_time", "Tepat Waktu", "On time"),
        fixed("on_time_rate", "Rasio Tepat Waktu", "On-time rate"),
        fixed("extended", "Diperpanjang", "Extended"),
    ]);
    head.extend(ExemptionLetter::ALL.iter().map(|l| {
        (
            format!("rejected_letter_{l}"),
            format!("{} {l}", lang.pick("Ditolak Huruf", "Rejected, letter")),
        )
    }));
    head.extend(ExemptionLetter::ALL.iter().map(|l| {
        (
            format!("partly_granted_letter_{l}"),
            format!(
                "{} {l}",
                lang.pick("Sebagian Huruf", "Partly granted, letter")
            ),
        )
    }));
    head.extend([
        fixed(
            "withholding_with_dik",
            "Pengecualian dengan DIK",
            "Withholding with DIK",
        ),
        fixed(
            "withholding_unregistered",
            "Pengecualian tanpa DIK",
            "Withholding without DIK",
        ),
        fixed("objections_filed", "Keberatan Diajukan", "Objections filed"),
    ]);
    head.extend(ObjectionGround::ALL.iter().map(|g| {
        (
            format!("objections_ground_{g}"),
            format!(
                "{} {}",
                lang.pick("Keberatan", "Objections"),
                texts::ground(lang, *g)
            ),
        )
    }));
    head.extend([
        fixed(
            "objections_answered",
            "Keberatan Ditanggapi",
            "Objections answered",
        ),
        fixed(
            "objections_answered_on_time",
            "Keberatan Ditanggapi Tepat Waktu",
            "Objections answered on time",
        ),
        fixed(
            "objections_upheld",
            "Keberatan: Putusan PPID Dikuatkan",
            "Objections upheld",
        ),
        fixed(
            "objections_overturned",
            "Keberatan: Putusan PPID Dibatalkan",
            "Objections overturned",
        ),
        fixed("disputes_filed", "Sengketa Diajukan", "Disputes filed"),
    ]);
    head.extend(DisputeOutcome::ALL.iter().map(|d| {
        (
            format!("disputes_{d}"),
            format!(
                "{}: {}",
                lang.pick("Sengketa", "Disputes"),
                texts::dispute_outcome(lang, *d)
            ),
        )
    }));
    w.write_record(head.iter().map(|(k, l)| match header {
        Header::Keys => k.as_str(),
        Header::Labels => l.as_str(),
    }))?;
    let opt = |d: &Option<Distribution>, f: fn(&Distribution) -> f64| {
        d.as_ref().map(|d| format!("{}", f(d))).unwrap_or_default()
    };
    let (agency, total) = match header {
        Header::Keys => ("agency", "total"),
        Header::Labels => (lang.t("report.agency"), lang.t("report.total")),
    };
    let rows = r.agencies.iter().map(|a| (agency, r.year, a)).chain([
        (total, r.year, &r.total),
        (total, r.year - 1, &r.previous_year),
    ]);
    for (kind, year, a) in rows {
        let mut rec: Vec<String> = vec![
            kind.into(),
            year.to_string(),
            a.agency_id.clone(),
            a.display_name.clone(),
            a.agency_count.to_string(),
            a.received.to_string(),
            a.pending_at_start.to_string(),
            a.pending_at_end.to_string(),
            a.decided.to_string(),
            a.withdrawn.to_string(),
        ];
        rec.extend(a.outcomes.0.iter().map(|(_, n)| n.to_string()));
        rec.push(opt(&a.time_to_notice, |d| d.median));
        rec.push(opt(&a.time_to_notice, |d| d.mean));
        rec.push(opt(&a.time_to_notice, |d| f64::from(d.min)));
        rec.push(opt(&a.time_to_notice, |d| f64::from(d.max)));
        rec.push(opt(&a.time_to_delivery, |d| d.median));
        rec.push(opt(&a.time_to_delivery, |d| d.mean));
        rec.push(
            a.on_time
                .map(|r| r.successes.to_string())
                .unwrap_or_default(),
        );
        rec.push(
            a.on_time
                .map(|r| format!("{}", r.value))
                .unwrap_or_default(),
        );
        rec.push(a.extended.to_string());
        rec.extend(a.rejected_by_letter.0.iter().map(|(_, n)| n.to_string()));
        rec.extend(
            a.partially_granted_by_letter
                .0
                .iter()
                .map(|(_, n)| n.to_string()),
        );
        rec.push(a.withholding_with_dik.to_string());
        rec.push(a.withholding_unregistered.to_string());
        rec.push(a.objections_filed.to_string());
        rec.extend(a.objections_by_ground.0.iter().map(|(_, n)| n.to_string()));
        rec.push(a.objections_answered.to_string());
        rec.push(a.objections_answered_on_time.to_string());
        rec.push(a.objections_upheld.to_string());
        rec.push(a.objections_overturned.to_string());
        rec.push(a.disputes_filed.to_string());
        rec.extend(a.dispute_outcomes.0.iter().map(|(_, n)| n.to_string()));
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}
