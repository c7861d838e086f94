//! An agency's DIP as offices publish it: the standard columns (Perki KI
//! 1/2021 on service standards), as CSV or a printable HTML page, in
//! Indonesian (English on request).
use std::fmt::Write as _;

use jiff::civil::Date;

use super::{
    render::esc,
    texts::{self, Lang},
};
use crate::domain::{
    agency::Agency,
    dip::{Checklist, Entry, Freshness},
};

/// The column heads, in order.
pub(crate) fn head(lang: Lang) -> [&'static str; 11] {
    match lang {
        Lang::Id => [
            "No.",
            "Ringkasan Isi Informasi",
            "Pejabat/Unit/Satuan Kerja yang Menguasai Informasi",
            "Penanggung Jawab Pembuatan/Penerbitan Informasi",
            "Waktu dan Tempat Pembuatan Informasi",
            "Bentuk Informasi yang Tersedia",
            "Jangka Waktu Penyimpanan/Retensi Arsip",
            "Jenis Informasi",
            "Butir Kewajiban (Dasar Hukum)",
            "Tempat Diumumkan",
            "Status Pemutakhiran",
        ],
        Lang::En => [
            "No.",
            "Summary of the information",
            "Unit holding the information",
            "Responsible for producing it",
            "When and where produced",
            "Forms available",
            "Retention period",
            "Kind",
            "Obligation (legal basis)",
            "Where published",
            "Update status",
        ],
    }
}

/// One row of the DIP: the eleven columns as text.
pub(crate) fn row(
    e: &Entry,
    agency: &Agency,
    checklist: &Checklist,
    today: Date,
    lang: Lang,
) -> [String; 11] {
    let current = e.current();
    let when_where = {
        let when = current.map(|v| texts::date(lang, v.publish_date));
        match (when, &e.production_place) {
            (Some(w), Some(p)) => format!("{w}, {p}"),
            (Some(w), None) => w,
            (None, Some(p)) => p.clone(),
            (None, None) => String::new(),
        }
    };
    let forms = match (e.softcopy, e.hardcopy, lang) {
        (true, true, Lang::Id) => "Softcopy dan hardcopy",
        (true, true, Lang::En) => "Soft and hard copy",
        (true, false, Lang::Id) => "Softcopy",
        (true, false, Lang::En) => "Soft copy",
        (false, true, Lang::Id) => "Hardcopy",
        (false, true, Lang::En) => "Hard copy",
        (false, false, _) => "-",
    };
    let kind = match lang {
        Lang::Id => e.kind.label(),
        Lang::En => e.kind.label_en(),
    };
    let items: Vec<String> = e
        .items
        .iter()
        .map(|code| match checklist.item(code) {
            // The law's article is what a reader checks; the Perki's
            // detail is in the checklist.
            Some(it) => it
                .basis
                .split(';')
                .next()
                .unwrap_or(&it.basis)
                .trim()
                .to_string(),
            None => code.clone(),
        })
        .collect();
    let mut place: Vec<String> = Vec::new();
    if let Some(v) = current {
        place.extend(v.url.clone());
        place.extend(v.location.clone());
    }
    let status = match (e.withdrawn.as_ref(), e.freshness(today), lang) {
        (Some(w), _, Lang::Id) => format!("Ditarik {}", texts::date(lang, w.date)),
        (Some(w), _, Lang::En) => format!("Withdrawn {}", texts::date(lang, w.date)),
        (None, Freshness::Absent, Lang::Id) => "Belum diumumkan".into(),
        (None, Freshness::Absent, Lang::En) => "Not yet published".into(),
        (None, Freshness::Overdue(due), Lang::Id) => {
            format!(
                "TERLAMBAT dimutakhirkan (jatuh tempo {})",
                texts::date(lang, due)
            )
        }
        (None, Freshness::Overdue(due), Lang::En) => {
            format!("OVERDUE for update (due {})", texts::date(lang, due))
        }
        (None, Freshness::Current(Some(due)), Lang::Id) => {
            format!("Mutakhir; pemutakhiran berikut {}", texts::date(lang, due))
        }
        (None, Freshness::Current(Some(due)), Lang::En) => {
            format!("Current; next update due {}", texts::date(lang, due))
        }
        (None, Freshness::Current(None), _) => match (e.event_date, e.versions.first(), lang) {
            (Some(ev), Some(v), Lang::Id) => format!(
                "Diumumkan {} hari setelah kejadian ({})",
                (v.publish_date - ev).get_days(),
                texts::date(lang, ev)
            ),
            (Some(ev), Some(v), Lang::En) => format!(
                "Announced {} days after the event ({})",
                (v.publish_date - ev).get_days(),
                texts::date(lang, ev)
            ),
            (_, _, Lang::Id) => "Tersedia".into(),
            (_, _, Lang::En) => "Available".into(),
        },
    };
    // The Pemda's entries in an OPD's DIP say whose they are.
    let number = if e.agency_id == agency.id {
        e.number.to_string()
    } else {
        format!("{}-{}", e.agency_id.to_uppercase(), e.number)
    };
    [
        number,
        e.summary.clone(),
        e.holding_unit.clone(),
        e.responsible.clone(),
        when_where,
        forms.into(),
        e.retention.clone(),
        kind.into(),
        items.join("; "),
        place.join("; "),
        status,
    ]
}

/// The DIP as CSV (UTF-8, a header row).
pub fn csv(
    entries: &[Entry],
    agency: &Agency,
    checklist: &Checklist,
    today: Date,
    lang: Lang,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(head(lang))?;
    for e in entries {
        w.write_record(row(e, agency, checklist, today, lang))?;
    }
    Ok(w.into_inner()?)
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;\
max-width:1400px;padding:0 1em;color:#1d1d1f;line-height:1.4}h1{font-size:1.5em;margin-bottom:.2em}\
p.sub{color:#444;margin-top:0}table{border-collapse:collapse;width:100%;font-size:.85em;table-layout:fixed}\
th,td{border:1px solid #999;padding:.3em .45em;vertical-align:top;text-align:left;overflow-wrap:anywhere}\
th{background:#e8eef5;overflow-wrap:normal}td.late{color:#a00;font-weight:600}tr.out td{color:#777}\
h2{font-size:1.15em;margin-top:1.4em}p.empty{color:#777;font-style:italic}\
@media print{body{margin:0;max-width:none;font-size:8.5pt}tr{break-inside:avoid}\
a{color:inherit;text-decoration:none}@page{size:A4 landscape;margin:12mm}}";

/// The DIP as a standalone printable page, grouped by kind.
pub fn html(
    entries: &[Entry],
    agency: &Agency,
    checklist: &Checklist,
    today: Date,
    lang: Lang,
) -> String {
    let (title, sub, empty) = match lang {
        Lang::Id => (
            format!("Daftar Informasi Publik {}", agency.display_name),
            format!(
                "Sesuai UU No. 14 Tahun 2008 Pasal 9–11. Keadaan per {}. {} informasi.",
                texts::date(lang, today),
                entries.len()
            ),
            "Belum ada informasi pada jenis ini.",
        ),
        Lang::En => (
            format!("List of Public Information of {}", agency.display_name),
            format!(
                "Under Law 14/2008 Articles 9–11. As of {}. {} entries.",
                texts::date(lang, today),
                entries.len()
            ),
            "No information of this kind yet.",
        ),
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{CSS}</style></head><body><h1>{}</h1><p class=\"sub\">{}</p>",
        match lang {
            Lang::Id => "id",
            Lang::En => "en",
        },
        esc(&title),
        esc(&title),
        esc(&sub)
    );
    let heads = head(lang);
    for kind in crate::domain::InformationKind::ALL {
        let label = match lang {
            Lang::Id => format!("Informasi {}", kind.label()),
            Lang::En => format!("{} information", kind.label_en()),
        };
        let _ = write!(h, "<h2>{}</h2>", esc(&label));
        let of_kind: Vec<&Entry> = entries.iter().filter(|e| e.kind == *kind).collect();
        if of_kind.is_empty() {
            let _ = write!(h, "<p class=\"empty\">{}</p>", esc(empty));
            continue;
        }
        // Widths in percent, the kind column left out (it is the heading).
        h.push_str("<table><colgroup>");
        for w in [8, 15, 10, 10, 9, 7, 9, 9, 13, 10] {
            let _ = write!(h, "<col style=\"width:{w}%\">");
        }
        h.push_str("</colgroup><thead><tr>");
        // The kind column is the section's heading.
        for (i, c) in heads.iter().enumerate() {
            if i != 7 {
                // Let "Pejabat/Unit/Satuan" break at its slashes only.
                let _ = write!(h, "<th>{}</th>", esc(c).replace('/', "/\u{200b}"));
            }
        }
        h.push_str("</tr></thead><tbody>");
        for e in of_kind {
            let cells = row(e, agency, checklist, today, lang);
            let out = e.withdrawn.is_some();
            let late = matches!(e.freshness(today), Freshness::Overdue(_)) && !out;
            let _ = write!(h, "<tr{}>", if out { " class=\"out\"" } else { "" });
            for (i, c) in cells.iter().enumerate() {
                match i {
                    7 => {}
                    9 => {
                        h.push_str("<td>");
                        for (k, part) in c.split("; ").filter(|p| !p.is_empty()).enumerate() {
                            if k > 0 {
                                h.push_str("<br>");
                            }
                            if crate::domain::dip::is_web_address(part) {
                                let _ = write!(h, "<a href=\"{0}\">{0}</a>", esc(part));
                            } else {
                                h.push_str(&esc(part));
                            }
                        }
                        h.push_str("</td>");
                    }
                    10 if late => {
                        let _ = write!(h, "<td class=\"late\">{}</td>", esc(c));
                    }
                    _ => {
                        let _ = write!(h, "<td>{}</td>", esc(c));
                    }
                }
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</body></html>");
    h
}
