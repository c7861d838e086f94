//! The annual report as Markdown, HTML (with inline SVG charts and print
//! CSS), JSON and CSV. Every renderer takes the same [`AnnualReport`].
use std::fmt::Write as _;
use std::io::Write;

use crate::{
    domain::{
        DisputeOutcome, ExemptionLetter, ObjectionGround, Outcome,
        figures::{Distribution, display_days},
        stats::HIST_CAP,
    },
    report::{
        annual::{AnnualReport, Section},
        chart,
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

/// Writes `r` to `out` in `format`.
pub fn render(r: &AnnualReport, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Markdown => out.write_all(markdown(r).as_bytes())?,
        Format::Html => out.write_all(html(r).as_bytes())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, r)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => csv(r, out)?,
    }
    out.flush()?;
    Ok(())
}

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Granted => "Diberikan seluruhnya (granted)",
        Outcome::PartiallyGranted => "Diberikan sebagian (partly granted)",
        Outcome::Rejected => "Ditolak (rejected, Pasal 17)",
        Outcome::NotHeld => "Tidak dikuasai (not held)",
        Outcome::NotYetDocumented => "Belum didokumentasikan (not yet documented)",
    }
}

fn ground_label(g: ObjectionGround) -> &'static str {
    match g {
        ObjectionGround::Rejected => "a. rejection under Pasal 17",
        ObjectionGround::PeriodicNotProvided => "b. periodic information not provided",
        ObjectionGround::NotAnswered => "c. request not answered",
        ObjectionGround::AnsweredOtherwise => "d. answered other than as requested",
        ObjectionGround::NotFulfilled => "e. request not fulfilled",
        ObjectionGround::UnreasonableFee => "f. unreasonable fee",
        ObjectionGround::AnsweredLate => "g. answered late",
    }
}

fn dispute_label(d: DisputeOutcome) -> &'static str {
    match d {
        DisputeOutcome::MediationAgreement => "mediation agreement",
        DisputeOutcome::AdjudicationGranted => "adjudication: granted",
        DisputeOutcome::AdjudicationPartlyGranted => "adjudication: partly granted",
        DisputeOutcome::AdjudicationRefused => "adjudication: refused",
        DisputeOutcome::Inadmissible => "not admissible",
        DisputeOutcome::Withdrawn => "withdrawn",
    }
}

fn days(d: &Option<Distribution>, f: impl Fn(&Distribution) -> f64) -> String {
    d.as_ref().map_or("-".into(), |d| display_days(f(d)))
}

fn max_days(d: &Option<Distribution>) -> String {
    d.as_ref().map_or("-".into(), |d| {
        if d.max >= HIST_CAP {
            format!("{HIST_CAP}+")
        } else {
            d.max.to_string()
        }
    })
}

fn percent(s: &Section) -> String {
    s.on_time
        .map_or("-".into(), |r| format!("{:.1}%", r.value * 100.0))
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

fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The report as Markdown.
pub fn markdown(r: &AnnualReport) -> String {
    let mut s = String::new();
    let t = &r.total;
    let _ = writeln!(
        s,
        "# Laporan Layanan Informasi Publik {}: {}\n",
        r.year, r.display_name
    );
    let _ = writeln!(
        s,
        "Annual public information service report (UU KIP Pasal 12; Perki 1/2021 Pasal 56) of \
         `agencies/{}` with its {} sub-agencies, made {}.\n",
        r.agency_id,
        t.agency_count.saturating_sub(1),
        r.generate_time
    );
    let _ = writeln!(s, "## Summary\n");
    let _ = writeln!(s, "| figure | {} | {} | change |", r.year, r.year - 1);
    let _ = writeln!(s, "|---|---:|---:|---:|");
    for c in &r.year_on_year {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {}{} |",
            c.figure,
            number(c.current),
            number(c.previous),
            if c.change > 0.0 { "+" } else { "" },
            match c.change_percent {
                Some(p) => format!("{} ({p:+.1}%)", number(c.change)),
                None => number(c.change),
            }
        );
    }
    let _ = writeln!(s, "\n## Requests and outcomes (total)\n");
    let _ = writeln!(s, "| | count |\n|---|---:|");
    let _ = writeln!(s, "| received | {} |", t.received);
    let _ = writeln!(
        s,
        "| open at the start of the year | {} |",
        t.pending_at_start
    );
    let _ = writeln!(s, "| written notices | {} |", t.decided);
    for (o, n) in &t.outcomes.0 {
        let _ = writeln!(s, "| {} | {n} |", outcome_label(*o));
    }
    let _ = writeln!(s, "| withdrawn | {} |", t.withdrawn);
    let _ = writeln!(s, "| open at the end of the year | {} |", t.pending_at_end);
    let _ = writeln!(s, "| extended (Pasal 22(8)) | {} |", t.extended);
    let _ = writeln!(
        s,
        "| requests due in the year answered on time (unanswered past due: late) | {} |",
        percent(t)
    );
    let _ = writeln!(s, "\n## Time taken (working days to the written notice)\n");
    let _ = writeln!(
        s,
        "Median {}, mean {}, lowest {}, highest {} over {} notices; to delivery: median {}, mean {}.\n",
        days(&t.time_to_notice, |d| d.median),
        days(&t.time_to_notice, |d| d.mean),
        days(&t.time_to_notice, |d| f64::from(d.min)),
        max_days(&t.time_to_notice),
        t.time_to_notice.as_ref().map_or(0, |d| d.count),
        days(&t.time_to_delivery, |d| d.median),
        days(&t.time_to_delivery, |d| d.mean),
    );
    if let Some(d) = &t.time_to_notice {
        let _ = writeln!(s, "| working days | notices |\n|---|---:|");
        for (l, n) in &d.kip_buckets {
            let _ = writeln!(s, "| {l} | {n} |");
        }
        let _ = writeln!(s, "\nUS DOJ annual-report buckets:\n");
        let _ = writeln!(s, "| working days | notices |\n|---|---:|");
        for (l, n) in &d.doj_buckets {
            let _ = writeln!(s, "| {l} | {n} |");
        }
    }
    let _ = writeln!(s, "\n## Rejections by Pasal 17 letter\n");
    let _ = writeln!(s, "| letter | rejected | partly granted |\n|---|---:|---:|");
    for ((l, a), (_, b)) in t
        .rejected_by_letter
        .0
        .iter()
        .zip(&t.partially_granted_by_letter.0)
    {
        let _ = writeln!(s, "| {l} | {a} | {b} |");
    }
    let _ = writeln!(
        s,
        "\nWithholding notices resting on DIK entries: {}; resting (partly) on no DIK entry: {}.",
        t.withholding_with_dik, t.withholding_unregistered
    );
    let _ = writeln!(s, "\n## Objections (keberatan) and their answers\n");
    let _ = writeln!(
        s,
        "Filed {}; answered {} ({} on time); upheld {}; overturned {}.\n",
        t.objections_filed,
        t.objections_answered,
        t.objections_answered_on_time,
        t.objections_upheld,
        t.objections_overturned
    );
    let _ = writeln!(s, "| ground (Pasal 35(1)) | objections |\n|---|---:|");
    for (g, n) in &t.objections_by_ground.0 {
        let _ = writeln!(s, "| {} | {n} |", ground_label(*g));
    }
    let _ = writeln!(s, "\n## Disputes (sengketa) and their outcomes\n");
    let _ = writeln!(s, "Filed {}.\n", t.disputes_filed);
    let _ = writeln!(s, "| outcome | disputes |\n|---|---:|");
    for (o, n) in &t.dispute_outcomes.0 {
        let _ = writeln!(s, "| {} | {n} |", dispute_label(*o));
    }
    let _ = writeln!(s, "\n## Per agency\n");
    let _ = writeln!(
        s,
        "| agency | received | notices | granted | partly | rejected | not held | not documented | withdrawn | open at end | median days | mean days | on time | rejected by letter | objections | disputes |"
    );
    let _ = writeln!(
        s,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
    );
    for a in r.agencies.iter().chain(std::iter::once(t)) {
        let name = if std::ptr::eq(a, t) {
            "**Total**".to_string()
        } else {
            format!("{} (`{}`)", md_cell(&a.display_name), a.agency_id)
        };
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            a.received,
            a.decided,
            a.outcomes.get(Outcome::Granted),
            a.outcomes.get(Outcome::PartiallyGranted),
            a.outcomes.get(Outcome::Rejected),
            a.outcomes.get(Outcome::NotHeld),
            a.outcomes.get(Outcome::NotYetDocumented),
            a.withdrawn,
            a.pending_at_end,
            days(&a.time_to_notice, |d| d.median),
            days(&a.time_to_notice, |d| d.mean),
            percent(a),
            letters(&a.rejected_by_letter),
            a.objections_filed,
            a.disputes_filed
        );
    }
    if !r.ranking.is_empty() {
        let _ = writeln!(s, "\n## Ranking of the sub-agencies (openness score)\n");
        let _ = writeln!(
            s,
            "| rank | agency | score | band | last year |\n|---:|---|---:|---|---:|"
        );
        for e in &r.ranking {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                if e.rank > 0 {
                    e.rank.to_string()
                } else {
                    "-".into()
                },
                md_cell(&e.display_name),
                e.score.map_or("-".into(), |v| format!("{v:.1}")),
                e.band,
                if e.previous_rank > 0 {
                    e.previous_rank.to_string()
                } else {
                    "-".into()
                }
            );
        }
    }
    let _ = writeln!(s, "\n## Backlog now\n");
    let _ = writeln!(
        s,
        "Open requests past their due date: {}. The oldest open requests:\n",
        r.open_past_due_now
    );
    let _ = writeln!(
        s,
        "| registration number | agency | received | due |\n|---|---|---|---|"
    );
    for p in &r.oldest_pending {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            p.registration_number,
            p.agency_id,
            p.receive_time,
            p.due_date.map_or("paused".into(), |d| d.to_string())
        );
    }
    let _ = writeln!(s, "\n## Method\n\n{}", r.method);
    s
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn esc(s: &str) -> String {
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
                    .all(|ch| ch.is_ascii_digit() || ".%+-<".contains(ch))
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
pub fn html(r: &AnnualReport) -> String {
    let t = &r.total;
    let mut h = String::new();
    let title = format!(
        "Laporan Layanan Informasi Publik {}: {}",
        r.year, r.display_name
    );
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>{CSS}</style></head><body>",
        esc(&title)
    );
    let _ = write!(
        h,
        "<h1>{}</h1><p>Annual public information service report (UU KIP Pasal 12; Perki 1/2021 \
         Pasal 56) of <code>agencies/{}</code> with its {} sub-agencies, made {}.</p>",
        esc(&title),
        esc(&r.agency_id),
        t.agency_count.saturating_sub(1),
        r.generate_time
    );
    h.push_str("<h2>Summary</h2>");
    table(
        &mut h,
        &[
            "figure",
            &r.year.to_string(),
            &(r.year - 1).to_string(),
            "change",
        ],
        r.year_on_year
            .iter()
            .map(|c| {
                vec![
                    c.figure.to_string(),
                    number(c.current),
                    number(c.previous),
                    c.change_percent
                        .map_or(number(c.change), |p| format!("{p:+.1}%")),
                ]
            })
            .collect(),
    );
    h.push_str("<h2>Requests and outcomes</h2>");
    let mut rows = vec![
        vec!["received".into(), t.received.to_string()],
        vec![
            "open at the start of the year".into(),
            t.pending_at_start.to_string(),
        ],
        vec!["written notices".into(), t.decided.to_string()],
    ];
    for (o, n) in &t.outcomes.0 {
        rows.push(vec![outcome_label(*o).into(), n.to_string()]);
    }
    rows.push(vec!["withdrawn".into(), t.withdrawn.to_string()]);
    rows.push(vec![
        "open at the end of the year".into(),
        t.pending_at_end.to_string(),
    ]);
    rows.push(vec!["extended".into(), t.extended.to_string()]);
    rows.push(vec![
        "answered on time, of requests due in the year".into(),
        percent(t),
    ]);
    table(&mut h, &["", "count"], rows);
    let mut outcome_bars: Vec<(String, f64)> = t
        .outcomes
        .0
        .iter()
        .map(|(o, n)| (o.as_str().replace('_', " "), *n as f64))
        .collect();
    outcome_bars.push(("withdrawn".into(), t.withdrawn as f64));
    let _ = write!(
        h,
        "<figure>{}<figcaption>Outcomes of the written notices, {}</figcaption></figure>",
        chart::bar_chart("Outcomes", &outcome_bars, false),
        r.year
    );
    h.push_str("<h2>Time taken</h2>");
    let _ = write!(
        h,
        "<p>Working days to the written notice: median {}, mean {}, lowest {}, highest {} over {} \
         notices; to delivery: median {}, mean {}. The time of each request is in the export \
         (<code>ppid export requests</code>).</p>",
        days(&t.time_to_notice, |d| d.median),
        days(&t.time_to_notice, |d| d.mean),
        days(&t.time_to_notice, |d| f64::from(d.min)),
        max_days(&t.time_to_notice),
        t.time_to_notice.as_ref().map_or(0, |d| d.count),
        days(&t.time_to_delivery, |d| d.median),
        days(&t.time_to_delivery, |d| d.mean),
    );
    if let Some(d) = &t.time_to_notice {
        let bars: Vec<(String, f64)> = d
            .kip_buckets
            .iter()
            .map(|(l, n)| (l.clone(), *n as f64))
            .collect();
        let _ = write!(
            h,
            "<figure>{}<figcaption>Working days to the written notice</figcaption></figure>",
            chart::bar_chart("Response time (working days)", &bars, false)
        );
        table(
            &mut h,
            &["working days (US DOJ buckets)", "notices"],
            d.doj_buckets
                .iter()
                .map(|(l, n)| vec![l.clone(), n.to_string()])
                .collect(),
        );
    }
    h.push_str("<h2>Rejections by Pasal 17 letter</h2>");
    table(
        &mut h,
        &["letter", "rejected", "partly granted"],
        t.rejected_by_letter
            .0
            .iter()
            .zip(&t.partially_granted_by_letter.0)
            .map(|((l, a), (_, b))| vec![l.to_string(), a.to_string(), b.to_string()])
            .collect(),
    );
    let _ = write!(
        h,
        "<p>Withholding notices resting on DIK entries: {}; resting (partly) on no DIK entry: {}.</p>",
        t.withholding_with_dik, t.withholding_unregistered
    );
    h.push_str("<h2>Objections and their answers</h2>");
    let _ = write!(
        h,
        "<p>Filed {}; answered {} ({} on time); upheld {}; overturned {}.</p>",
        t.objections_filed,
        t.objections_answered,
        t.objections_answered_on_time,
        t.objections_upheld,
        t.objections_overturned
    );
    table(
        &mut h,
        &["ground (Pasal 35(1))", "objections"],
        t.objections_by_ground
            .0
            .iter()
            .map(|(g, n)| vec![ground_label(*g).into(), n.to_string()])
            .collect(),
    );
    h.push_str("<h2>Disputes and their outcomes</h2>");
    let _ = write!(h, "<p>Filed {}.</p>", t.disputes_filed);
    table(
        &mut h,
        &["outcome", "disputes"],
        t.dispute_outcomes
            .0
            .iter()
            .map(|(o, n)| vec![dispute_label(*o).into(), n.to_string()])
            .collect(),
    );
    h.push_str("<h2>Per agency</h2>");
    table(
        &mut h,
        &[
            "agency",
            "received",
            "notices",
            "granted",
            "partly",
            "rejected",
            "not held",
            "withdrawn",
            "open at end",
            "median days",
            "mean days",
            "on time",
            "rejected by letter",
            "objections",
            "disputes",
        ],
        r.agencies
            .iter()
            .chain(std::iter::once(t))
            .map(|a| {
                vec![
                    if std::ptr::eq(a, t) {
                        "Total".into()
                    } else {
                        a.display_name.clone()
                    },
                    a.received.to_string(),
                    a.decided.to_string(),
                    a.outcomes.get(Outcome::Granted).to_string(),
                    a.outcomes.get(Outcome::PartiallyGranted).to_string(),
                    a.outcomes.get(Outcome::Rejected).to_string(),
                    a.outcomes.get(Outcome::NotHeld).to_string(),
                    a.withdrawn.to_string(),
                    a.pending_at_end.to_string(),
                    days(&a.time_to_notice, |d| d.median),
                    days(&a.time_to_notice, |d| d.mean),
                    percent(a),
                    letters(&a.rejected_by_letter),
                    a.objections_filed.to_string(),
                    a.disputes_filed.to_string(),
                ]
            })
            .collect(),
    );
    h.push_str("<h2>Ranking of the sub-agencies</h2>");
    let ranked: Vec<(String, f64)> = r
        .ranking
        .iter()
        .filter_map(|e| {
            e.score
                .map(|s| (format!("{}. {}", e.rank, e.display_name), s))
        })
        .collect();
    if ranked.is_empty() {
        h.push_str(
            "<p>No sub-agency has enough written notices to be scored (insufficient data).</p>",
        );
    } else {
        let _ = write!(
            h,
            "<figure>{}<figcaption>Openness score (0–100) of the sub-agencies, best first</figcaption></figure>",
            chart::bar_chart("Ranking: openness score", &ranked, true)
        );
    }
    table(
        &mut h,
        &["rank", "agency", "score", "band", "last year"],
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
                    e.score.map_or("-".into(), |v| format!("{v:.1}")),
                    e.band.clone(),
                    if e.previous_rank > 0 {
                        e.previous_rank.to_string()
                    } else {
                        "-".into()
                    },
                ]
            })
            .collect(),
    );
    h.push_str("<h2>Backlog now</h2>");
    let _ = write!(
        h,
        "<p>Open requests past their due date: {}.</p>",
        r.open_past_due_now
    );
    table(
        &mut h,
        &["registration number", "agency", "received", "due"],
        r.oldest_pending
            .iter()
            .map(|p| {
                vec![
                    p.registration_number.clone(),
                    p.agency_id.clone(),
                    p.receive_time.to_string(),
                    p.due_date.map_or("paused".into(), |d| d.to_string()),
                ]
            })
            .collect(),
    );
    let _ = writeln!(h, "<h2>Method</h2><p>{}</p></body></html>", esc(r.method));
    h
}

/// One CSV row per agency, then the total and last year's total.
fn csv(r: &AnnualReport, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut head: Vec<String> = [
        "row",
        "year",
        "agency",
        "display_name",
        "agency_count",
        "received",
        "pending_at_start",
        "pending_at_end",
        "decided",
        "withdrawn",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    head.extend(Outcome::ALL.iter().map(|o| o.as_str().to_string()));
    head.extend(
        [
            "notice_days_median",
            "notice_days_mean",
            "notice_days_min",
            "notice_days_max",
            "delivery_days_median",
            "delivery_days_mean",
            "on_time",
            "on_time_rate",
            "extended",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    head.extend(
        ExemptionLetter::ALL
            .iter()
            .map(|l| format!("rejected_letter_{l}")),
    );
    head.extend(
        ExemptionLetter::ALL
            .iter()
            .map(|l| format!("partly_granted_letter_{l}")),
    );
    head.extend(
        [
            "withholding_with_dik",
            "withholding_unregistered",
            "objections_filed",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    head.extend(
        ObjectionGround::ALL
            .iter()
            .map(|g| format!("objections_ground_{g}")),
    );
    head.extend(
        [
            "objections_answered",
            "objections_answered_on_time",
            "objections_upheld",
            "objections_overturned",
            "disputes_filed",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    head.extend(DisputeOutcome::ALL.iter().map(|d| format!("disputes_{d}")));
    w.write_record(&head)?;
    let opt = |d: &Option<Distribution>, f: fn(&Distribution) -> f64| {
        d.as_ref().map(|d| format!("{}", f(d))).unwrap_or_default()
    };
    let rows = r.agencies.iter().map(|a| ("agency", r.year, a)).chain([
        ("total", r.year, &r.total),
        ("total", r.year - 1, &r.previous_year),
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
