//! Letters written from the register, as print-ready A4 HTML (the forms
//! annexed to Perki KI 1/2021 on service standards): the agency's
//! letterhead on top, the facts of the request or objection in a table,
//! the legal consequence, and the signature block of the PPID (or of the
//! atasan PPID for the answer to an objection).
use std::fmt::Write as _;

use jiff::{Timestamp, civil::Date, tz::TimeZone};

use crate::{
    domain::{
        LetterKind, ObjectionDecision, exemption::Exemption, letter::Letterhead,
        objection::Objection, request::Request, time,
    },
    report::{
        render::esc,
        texts::{self, Lang},
    },
};

/// Everything a letter is filled from, read from the register by the app.
pub struct LetterFacts<'a> {
    /// Which letter.
    pub kind: LetterKind,
    /// The agency's letterhead (its own, or the nearest above it).
    pub letterhead: &'a Letterhead,
    /// The agency's time zone: every date is its local day.
    pub tz: TimeZone,
    /// The request (for an objection, the one objected to, if any).
    pub request: Option<&'a Request>,
    /// Whether the requester's name and address may be printed (the
    /// caller may see personal data).
    pub personal: bool,
    /// The tracking code (receipts only).
    pub tracking_code: Option<String>,
    /// The return for completion: when, and what is missing.
    pub returned: Option<(Timestamp, String)>,
    /// The DIK entries a withholding notice cites.
    pub exemptions: Vec<Exemption>,
    /// The objection (objection letters).
    pub objection: Option<&'a Objection>,
}

/// A rendered letter.
#[derive(Debug, Clone)]
pub struct Letter {
    /// Its title, e.g. "Pemberitahuan Tertulis".
    pub title: String,
    /// The HTML page.
    pub html: String,
    /// The letter's date.
    pub date: Date,
}

const CSS: &str = "@page{size:A4;margin:18mm 20mm 18mm 25mm}\
*{box-sizing:border-box}\
body{font-family:'Times New Roman','Liberation Serif','DejaVu Serif',serif;font-size:12pt;line-height:1.3;color:#000;margin:0}\
@media screen{body{max-width:210mm;min-height:297mm;margin:0 auto;padding:18mm 20mm 18mm 25mm;background:#fff}}\
.kop{text-align:center;border-bottom:3px double #000;padding-bottom:6pt;margin-bottom:14pt}\
.kop .inst{font-size:14pt;font-weight:bold;text-transform:uppercase}\
.kop .unit{font-size:16pt;font-weight:bold;text-transform:uppercase}\
.kop .ppid{font-size:11pt;font-weight:bold}\
.kop .addr{font-size:10pt}\
h1{font-size:13pt;text-align:center;text-decoration:underline;text-transform:uppercase;margin:10pt 0 2pt}\
.nomor{text-align:center;margin-bottom:14pt}\
table.f{border-collapse:collapse;width:100%;margin:6pt 0}\
table.f td{vertical-align:top;padding:1pt 4pt}\
table.f td.k{width:40%}table.f td.c{width:2%}\
table.f tr{break-inside:avoid}\
.signs{display:flex;justify-content:space-between;margin-top:20pt;break-inside:avoid}\
.sign{margin-left:auto;width:48%}\
.sign .name{margin-top:50pt;font-weight:bold;text-decoration:underline}\
.foot{font-size:9.5pt;margin-top:20pt;border-top:1px solid #888;padding-top:4pt}";

/// The day of `t` in the agency's zone, as people write it.
fn day(f: &LetterFacts<'_>, lang: Lang, t: Timestamp) -> String {
    texts::date(lang, time::local_date(t, &f.tz))
}

/// Renders the letter `f.kind` in `lang`. The app has checked that the
/// letter applies (`domain::letter`), so what it needs is there; a missing
/// fact prints as "-" rather than failing.
pub fn render(f: &LetterFacts<'_>, lang: Lang) -> Letter {
    let mut rows: Vec<(String, String)> = Vec::new();
    let row = |rows: &mut Vec<(String, String)>, key: &'static str, v: String| {
        rows.push((lang.t(key).to_string(), v));
    };
    let r = f.request;
    let q = r.map(|r| &r.requester);
    let name = || {
        if f.personal {
            q.map_or("-".into(), |q| q.full_name.clone())
        } else {
            lang.t("letter.hidden").to_string()
        }
    };
    let address = || {
        if f.personal {
            q.map_or("-".into(), |q| q.address.clone())
        } else {
            lang.t("letter.hidden").to_string()
        }
    };
    let request_rows = |rows: &mut Vec<(String, String)>, with_purpose: bool| {
        if let Some(r) = r {
            row(
                rows,
                "letter.registration_number",
                r.registration_number.clone(),
            );
            row(rows, "letter.receive_date", day(f, lang, r.receive_time));
            row(rows, "letter.requester", name());
            row(rows, "letter.address", address());
            row(rows, "letter.information", r.information_requested.clone());
            if with_purpose {
                row(rows, "letter.purpose", r.purpose.clone());
            }
        }
    };
    let title_key;
    let opening;
    let mut closing: Vec<String> = Vec::new();
    let mut number = r.map(|r| r.registration_number.clone()).unwrap_or_default();
    let mut date = r.map_or_else(
        || Date::constant(2000, 1, 1),
        |r| time::local_date(r.receive_time, &f.tz),
    );
    let mut superior_signs = false;
    let mut requester_signs = false;
    match f.kind {
        LetterKind::Receipt => {
            title_key = "letter.receipt.title";
            opening = lang.t("letter.receipt.opening");
            request_rows(&mut rows, true);
            if let Some(r) = r {
                // The code goes with the number it unlocks.
                rows.insert(
                    1,
                    (
                        lang.t("letter.tracking_code").to_string(),
                        f.tracking_code.clone().unwrap_or_default(),
                    ),
                );
                row(
                    &mut rows,
                    "letter.access_method",
                    texts::access_method(lang, r.access_method).into(),
                );
                if r.copy_form.is_some() {
                    row(
                        &mut rows,
                        "letter.copy_form",
                        texts::copy_form(lang, r.copy_form).into(),
                    );
                }
                row(
                    &mut rows,
                    "letter.delivery_method",
                    texts::delivery_method(lang, r.delivery_method).into(),
                );
                row(
                    &mut rows,
                    "letter.due_date",
                    match r.original_due_date.or(r.due_date) {
                        Some(d) => {
                            format!("{} ({})", texts::date(lang, d), lang.t("letter.due_note"))
                        }
                        None => lang.t("letter.paused").into(),
                    },
                );
            }
            closing.push(lang.t("letter.receipt.closing").into());
        }
        LetterKind::CompletionRequest => {
            title_key = "letter.completion.title";
            opening = lang.t("letter.completion.opening");
            request_rows(&mut rows, false);
            if let Some((at, missing)) = &f.returned {
                row(&mut rows, "letter.missing", missing.clone());
                row(&mut rows, "letter.return_date", day(f, lang, *at));
                date = time::local_date(*at, &f.tz);
            }
            closing.push(lang.t("letter.completion.closing").into());
        }
        LetterKind::NoticeGranted
        | LetterKind::NoticePartiallyGranted
        | LetterKind::NoticeRejected
        | LetterKind::NoticeNotHeld
        | LetterKind::NoticeNotYetDocumented => {
            title_key = "letter.notice.title";
            opening = lang.t("letter.notice.opening");
            request_rows(&mut rows, true);
            if let Some(n) = r.and_then(|r| r.notice.as_ref()) {
                date = time::local_date(n.notice_time, &f.tz);
                row(
                    &mut rows,
                    "letter.decision",
                    texts::outcome(lang, n.outcome).into(),
                );
                if n.outcome.gives_information() {
                    let form = n.format.clone().unwrap_or_else(|| {
                        r.map_or(String::new(), |r| {
                            texts::copy_form(lang, r.copy_form).into()
                        })
                    });
                    if !form.is_empty() {
                        row(&mut rows, "letter.format", form);
                    }
                    let method = n.delivery_method.or(r.map(|r| r.delivery_method));
                    if let Some(m) = method {
                        row(
                            &mut rows,
                            "letter.delivery_method",
                            texts::delivery_method(lang, m).into(),
                        );
                    }
                    if let Some(d) = n.delivery_due_date {
                        row(&mut rows, "letter.delivery_due", texts::date(lang, d));
                    }
                    row(&mut rows, "letter.fee", texts::rupiah(lang, n.fee_rupiah));
                    if let Some(p) = &n.payment_method {
                        row(&mut rows, "letter.payment_method", p.clone());
                    }
                }
                if let Some(w) = &n.withheld_parts {
                    row(&mut rows, "letter.withheld_parts", w.clone());
                }
                if !n.exemption_letters.is_empty() {
                    let letters: Vec<&str> =
                        n.exemption_letters.iter().map(|l| l.as_str()).collect();
                    row(
                        &mut rows,
                        "letter.basis",
                        format!("{} {}", lang.t("letter.basis_text"), letters.join(", ")),
                    );
                }
                for e in &f.exemptions {
                    row(&mut rows, "letter.dik_entry", e.information.clone());
                    row(
                        &mut rows,
                        "letter.dik",
                        format!(
                            "{} {} {} {}; {} {}{}",
                            lang.t("letter.decree_of"),
                            e.decree_number,
                            lang.t("letter.dated"),
                            texts::date(lang, e.decree_date),
                            lang.t("letter.basis_text"),
                            e.letter,
                            e.sub_item
                                .as_ref()
                                .map(|s| format!(" {s}"))
                                .unwrap_or_default()
                        ),
                    );
                    row(&mut rows, "letter.harm", e.harm.clone());
                    row(
                        &mut rows,
                        "letter.public_interest",
                        e.public_interest_test.clone(),
                    );
                    row(
                        &mut rows,
                        "letter.period",
                        match e.end_date {
                            Some(end) => format!(
                                "{} {} {}",
                                texts::date(lang, e.start_date),
                                lang.t("letter.until"),
                                texts::date(lang, end)
                            ),
                            None => format!(
                                "{} {} ({})",
                                lang.t("letter.since"),
                                texts::date(lang, e.start_date),
                                lang.t("letter.no_end")
                            ),
                        },
                    );
                }
                if n.outcome == crate::domain::Outcome::NotHeld {
                    row(
                        &mut rows,
                        "letter.holder",
                        n.holder
                            .clone()
                            .unwrap_or_else(|| lang.t("letter.holder_unknown").into()),
                    );
                }
                if n.outcome == crate::domain::Outcome::NotYetDocumented {
                    closing.push(lang.t("letter.not_documented").into());
                }
                if !n.notice_text.trim().is_empty() {
                    row(&mut rows, "letter.remarks", n.notice_text.clone());
                }
            }
            closing.push(lang.t("letter.objection_right").into());
        }
        LetterKind::Extension => {
            title_key = "letter.extension.title";
            opening = lang.t("letter.extension.opening");
            request_rows(&mut rows, false);
            if let Some((r, e)) = r.and_then(|r| r.extension.as_ref().map(|e| (r, e))) {
                date = time::local_date(e.extend_time, &f.tz);
                row(
                    &mut rows,
                    "letter.previous_due",
                    texts::date(lang, e.previous_due_date),
                );
                if let Some(d) = r.due_date {
                    row(&mut rows, "letter.new_due", texts::date(lang, d));
                }
                row(&mut rows, "letter.extension_reason", e.reason.clone());
            }
        }
        LetterKind::HandoverReceipt => {
            title_key = "letter.handover.title";
            opening = lang.t("letter.handover.opening");
            request_rows(&mut rows, false);
            requester_signs = true;
            if let Some(r) = r {
                if let Some(t) = r.deliver_time {
                    date = time::local_date(t, &f.tz);
                    row(&mut rows, "letter.deliver_date", day(f, lang, t));
                }
                let n = r.notice.as_ref();
                let form = n
                    .and_then(|n| n.format.clone())
                    .unwrap_or_else(|| texts::copy_form(lang, r.copy_form).into());
                if !form.is_empty() {
                    row(&mut rows, "letter.format", form);
                }
                row(
                    &mut rows,
                    "letter.delivery_method",
                    texts::delivery_method(
                        lang,
                        n.and_then(|n| n.delivery_method)
                            .unwrap_or(r.delivery_method),
                    )
                    .into(),
                );
                row(
                    &mut rows,
                    "letter.fee",
                    texts::rupiah(lang, n.map_or(0, |n| n.fee_rupiah)),
                );
            }
        }
        LetterKind::ObjectionReceipt | LetterKind::ObjectionAnswer => {
            let answer = f.kind == LetterKind::ObjectionAnswer;
            title_key = if answer {
                "letter.objection_answer.title"
            } else {
                "letter.objection_receipt.title"
            };
            opening = lang.t(if answer {
                "letter.objection_answer.opening"
            } else {
                "letter.objection_receipt.opening"
            });
            if let Some(o) = f.objection {
                number = o.registration_number.clone();
                date = o.file_date;
                row(
                    &mut rows,
                    "letter.objection_number",
                    o.registration_number.clone(),
                );
                if let Some(n) = &o.request_registration_number {
                    row(&mut rows, "letter.registration_number", n.clone());
                }
                row(
                    &mut rows,
                    "letter.file_date",
                    texts::date(lang, o.file_date),
                );
                if r.is_some() {
                    row(&mut rows, "letter.requester", name());
                    row(&mut rows, "letter.address", address());
                }
                if let Some(r) = r {
                    row(
                        &mut rows,
                        "letter.information",
                        r.information_requested.clone(),
                    );
                }
                if let Some(u) = &o.unpublished_information {
                    row(&mut rows, "letter.unpublished", u.clone());
                }
                row(
                    &mut rows,
                    "letter.grounds",
                    o.grounds
                        .iter()
                        .map(|g| texts::ground(lang, *g))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                if !o.statement.trim().is_empty() {
                    row(&mut rows, "letter.statement", o.statement.clone());
                }
                if !answer {
                    row(
                        &mut rows,
                        "letter.answer_due",
                        format!(
                            "{} ({})",
                            texts::date(lang, o.answer_due_date),
                            lang.t("letter.answer_due_note")
                        ),
                    );
                }
                if let (true, Some(d)) = (answer, &o.decision) {
                    superior_signs = true;
                    date = d.decide_date;
                    row(
                        &mut rows,
                        "letter.answer",
                        lang.t(match d.decision {
                            ObjectionDecision::Upheld => "letter.upheld",
                            ObjectionDecision::Overturned => "letter.overturned",
                            ObjectionDecision::Inadmissible => "letter.inadmissible",
                        })
                        .into(),
                    );
                    if let Some(why) = &d.reasons {
                        row(&mut rows, "letter.reasons", why.clone());
                    }
                    if let Some(due) = d.reopened_due_date {
                        row(&mut rows, "letter.reopened_due", texts::date(lang, due));
                    }
                    if let Some(fee) = d.corrected_fee_rupiah {
                        row(&mut rows, "letter.corrected_fee", texts::rupiah(lang, fee));
                        row(
                            &mut rows,
                            "letter.refund",
                            texts::rupiah(lang, d.refund_rupiah),
                        );
                    }
                    let mut right = lang.t("letter.dispute_right").to_string();
                    if let Some(w) = &o.dispute_window {
                        let _ = write!(right, ": {}", texts::date(lang, w.due));
                    }
                    right.push('.');
                    closing.push(right);
                }
            }
        }
    }
    let title = lang.t(title_key).to_string();
    let l = f.letterhead;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} {}</title>\
         <style>{CSS}</style></head><body><header class=\"kop\"><div class=\"inst\">{}</div>",
        lang.code(),
        esc(&title),
        esc(&number),
        esc(&l.institution)
    );
    if !l.unit.is_empty() {
        let _ = write!(h, "<div class=\"unit\">{}</div>", esc(&l.unit));
    }
    let _ = write!(
        h,
        "<div class=\"ppid\">{}</div><div class=\"addr\">{}",
        lang.t("letter.ppid"),
        esc(&l.address)
    );
    let contacts: Vec<String> = [
        (!l.phone.is_empty()).then(|| format!("{} {}", lang.t("letter.tel"), esc(&l.phone))),
        (!l.email.is_empty()).then(|| esc(&l.email)),
        (!l.website.is_empty()).then(|| esc(&l.website)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !contacts.is_empty() {
        let _ = write!(h, "<br>{}", contacts.join(" · "));
    }
    let _ = write!(
        h,
        "</div></header><h1>{}</h1><div class=\"nomor\">{}: {}</div><p>{}</p><table class=\"f\">",
        esc(&title),
        lang.t("letter.number"),
        esc(&number),
        esc(opening)
    );
    for (k, v) in &rows {
        let _ = write!(
            h,
            "<tr><td class=\"k\">{}</td><td class=\"c\">:</td><td>{}</td></tr>",
            esc(k),
            esc(v)
        );
    }
    h.push_str("</table>");
    for c in &closing {
        let _ = write!(h, "<p>{}</p>", esc(c));
    }
    let when = format!("{}, {}", esc(&l.city), texts::date(lang, date));
    h.push_str("<div class=\"signs\">");
    if requester_signs {
        let _ = write!(
            h,
            "<div class=\"sign\" style=\"margin-left:0\"><br>{}<br>{}<div class=\"name\">{}</div></div>",
            lang.t("letter.received_by"),
            lang.t("letter.requester_role"),
            esc(&if f.personal {
                name()
            } else {
                "(....................)".into()
            })
        );
    }
    let (role, signer, nip) = if superior_signs {
        let d = f.objection.and_then(|o| o.decision.as_ref());
        (
            format!(
                "{}<br>{}",
                lang.t("letter.superior"),
                esc(d.map_or(&l.superior_position, |d| &d.superior_position))
            ),
            d.map_or(l.superior_name.clone(), |d| d.superior_name.clone()),
            l.superior_nip.clone(),
        )
    } else {
        (
            format!(
                "{}{}",
                if requester_signs {
                    format!("{}<br>", lang.t("letter.handed_by"))
                } else {
                    String::new()
                },
                lang.t("letter.ppid")
            ),
            l.ppid_name.clone(),
            l.ppid_nip.clone(),
        )
    };
    let _ = write!(
        h,
        "<div class=\"sign\">{when}<br>{role}<div class=\"name\">{}</div>{}</div></div>",
        esc(&signer),
        if nip.is_empty() {
            String::new()
        } else {
            format!("{} {}", lang.t("letter.nip"), esc(&nip))
        }
    );
    let _ = writeln!(
        h,
        "<div class=\"foot\">{} {}</div></body></html>",
        lang.t("letter.decree"),
        esc(&l.decree_number)
    );
    Letter {
        title,
        html: h,
        date,
    }
}
