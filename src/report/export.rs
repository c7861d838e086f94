//! Bulk export of the register: every matching request, page by page in
//! export order (receipt, then id), written as it is read, so memory stays
//! flat whatever the size. CSV and JSON Lines with the same columns, and the
//! register permohonan with its Indonesian headers.
use std::{collections::HashMap, io::Write};

use jiff::{Timestamp, tz::TimeZone};
use serde::Serialize;

use crate::{
    domain::{request::Request, time},
    error::{Error, Result},
    report::{
        personal,
        texts::{self, Header, Lang},
    },
};

/// What `ppid export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, one request per row; headers labelled in the
    /// document's language or the snake_case keys.
    Csv,
    /// One JSON object per line, the same fields as the CSV.
    Jsonl,
    /// The register permohonan (DOMAIN.md order, labelled headers), CSV.
    Register,
}

/// One request as exported (CSV and JSON Lines share it).
#[derive(Debug, Serialize)]
struct Row<'a> {
    request_id: String,
    registration_number: &'a str,
    agency: &'a str,
    receiving_agency: &'a str,
    pemda: &'a str,
    state: &'static str,
    receive_time: String,
    receive_date: String,
    requester_type: &'static str,
    requester_occupation: &'a str,
    requester_name: &'a str,
    requester_nik: &'a str,
    requester_legal_entity_registration: &'a str,
    requester_address: &'a str,
    requester_phone: &'a str,
    requester_email: &'a str,
    proxy_name: &'a str,
    proxy_power_of_attorney: &'a str,
    information_requested: &'a str,
    purpose: &'a str,
    access_method: &'static str,
    copy_form: &'static str,
    delivery_method: &'static str,
    channel: &'static str,
    clock_start_date: String,
    original_due_date: String,
    due_date: String,
    extended: bool,
    extension_reason: &'a str,
    decision: &'static str,
    exemption_letters: String,
    withheld_parts: &'a str,
    holder: &'a str,
    notice_time: String,
    notice_date: String,
    notice_working_days: Option<i32>,
    notice_on_time: Option<bool>,
    fee_rupiah: Option<i64>,
    payment_method: &'a str,
    deliver_time: String,
    deliver_date: String,
    delivery_working_days: Option<i32>,
    withdraw_time: String,
}

fn opt_str(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

fn opt_ts(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn local(t: Option<Timestamp>, tz: &TimeZone) -> String {
    t.map(|t| time::local_date(t, tz).to_string())
        .unwrap_or_default()
}

fn row<'a>(r: &'a Request, tz: &TimeZone) -> Row<'a> {
    let q = &r.requester;
    let n = r.notice.as_ref();
    Row {
        request_id: r.id.to_string(),
        registration_number: &r.registration_number,
        agency: &r.agency_id,
        receiving_agency: &r.receiving_agency_id,
        pemda: &r.pemda_id,
        state: r.state.as_str(),
        receive_time: r.receive_time.to_string(),
        receive_date: local(Some(r.receive_time), tz),
        requester_type: q.kind.as_str(),
        requester_occupation: opt_str(&q.occupation),
        requester_name: &q.full_name,
        requester_nik: opt_str(&q.nik),
        requester_legal_entity_registration: opt_str(&q.legal_entity_registration),
        requester_address: &q.address,
        requester_phone: opt_str(&q.phone),
        requester_email: opt_str(&q.email),
        proxy_name: q.proxy.as_ref().map_or("", |p| p.full_name.as_str()),
        proxy_power_of_attorney: q
            .proxy
            .as_ref()
            .map_or("", |p| p.power_of_attorney.as_str()),
        information_requested: &r.information_requested,
        purpose: &r.purpose,
        access_method: r.access_method.as_str(),
        copy_form: r.copy_form.map_or("", |c| c.as_str()),
        delivery_method: r.delivery_method.as_str(),
        channel: r.channel.as_str(),
        clock_start_date: r.clock_start_date.to_string(),
        original_due_date: r
            .original_due_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        due_date: r.due_date.map(|d| d.to_string()).unwrap_or_default(),
        extended: r.extension.is_some(),
        extension_reason: r.extension.as_ref().map_or("", |e| e.reason.as_str()),
        decision: n.map_or("", |n| n.outcome.as_str()),
        exemption_letters: n.map(letters).unwrap_or_default(),
        withheld_parts: n.map_or("", |n| opt_str(&n.withheld_parts)),
        holder: n.map_or("", |n| opt_str(&n.holder)),
        notice_time: opt_ts(n.map(|n| n.notice_time)),
        notice_date: local(n.map(|n| n.notice_time), tz),
        notice_working_days: n.map(|n| n.working_days_taken),
        notice_on_time: n.map(|n| n.on_time),
        fee_rupiah: n.map(|n| n.fee_rupiah),
        payment_method: n.map_or("", |n| opt_str(&n.payment_method)),
        deliver_time: opt_ts(r.deliver_time),
        deliver_date: local(r.deliver_time, tz),
        delivery_working_days: r.deliver_working_days,
        withdraw_time: opt_ts(r.withdraw_time),
    }
}

/// `row` with its vocabulary in `lang` instead of storage names.
fn worded<'a>(mut row: Row<'a>, r: &Request, lang: Lang) -> Row<'a> {
    row.state = texts::state(lang, r.state);
    row.requester_type = texts::requester_type(lang, r.requester.kind);
    row.access_method = texts::access_method(lang, r.access_method);
    row.copy_form = texts::copy_form(lang, r.copy_form);
    row.delivery_method = texts::delivery_method(lang, r.delivery_method);
    row.channel = texts::channel(lang, r.channel);
    row.decision = r
        .notice
        .as_ref()
        .map_or("", |n| texts::outcome(lang, n.outcome));
    row
}

fn letters(n: &crate::domain::request::Notice) -> String {
    n.exemption_letters
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The register permohonan's Indonesian headers, in DOMAIN.md's order.
pub fn register_headers() -> Vec<&'static str> {
    texts::header_row(&texts::REGISTER_COLUMNS, Lang::Id, Header::Labels)
}

/// The decision as the register writes it; without a notice, the state.
fn keputusan(r: &Request, lang: Lang) -> &'static str {
    match &r.notice {
        Some(n) => texts::outcome(lang, n.outcome),
        None => texts::state(lang, r.state),
    }
}

/// "Pasal 17 huruf a, h", and what was withheld for a partial grant.
fn alasan(r: &Request) -> String {
    let Some(n) = &r.notice else {
        return String::new();
    };
    if n.exemption_letters.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "Pasal 17 huruf {}",
        n.exemption_letters
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(w) = &n.withheld_parts {
        s.push_str(": ");
        s.push_str(w);
    }
    s
}

fn register_record(r: &Request, tz: &TimeZone, lang: Lang) -> [String; 22] {
    let q = &r.requester;
    let n = r.notice.as_ref();
    let identity = q
        .nik
        .clone()
        .or_else(|| q.legal_entity_registration.clone())
        .unwrap_or_default();
    [
        r.registration_number.clone(),
        local(Some(r.receive_time), tz),
        q.full_name.clone(),
        identity,
        q.address.clone(),
        opt_str(&q.phone).to_string(),
        opt_str(&q.email).to_string(),
        opt_str(&q.occupation).to_string(),
        texts::requester_type(lang, q.kind).to_string(),
        q.proxy
            .as_ref()
            .map(|p| format!("{} ({})", p.full_name, p.power_of_attorney))
            .unwrap_or_default(),
        r.information_requested.clone(),
        r.purpose.clone(),
        texts::access_method(lang, r.access_method).to_string(),
        texts::copy_form(lang, r.copy_form).to_string(),
        texts::delivery_method(lang, r.delivery_method).to_string(),
        texts::channel(lang, r.channel).to_string(),
        keputusan(r, lang).to_string(),
        alasan(r),
        local(n.map(|n| n.notice_time), tz),
        local(r.deliver_time, tz),
        n.map(|n| n.fee_rupiah.to_string()).unwrap_or_default(),
        n.map_or("", |n| opt_str(&n.payment_method)).to_string(),
    ]
}

fn io(e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("writing the export: {e}"))
}

/// The next page of the store's export (`App::export_pages`): empty at the end; an error if
/// the reader stopped without saying so (it panicked).
pub async fn next_page(
    pages: &mut tokio::sync::mpsc::Receiver<Result<Vec<Request>>>,
) -> Result<Vec<Request>> {
    pages.recv().await.unwrap_or_else(|| {
        Err(Error::Internal(anyhow::anyhow!(
            "the export's reader stopped before the end"
        )))
    })
}

/// Writes every request of `pages` (as the store's export reads them; the
/// last page is empty) to `out`, personal data projected by
/// [`personal::project_requester`], times in each agency's zone (`zones`);
/// `progress` gets the running count after each page. Returns how many were
/// written.
pub async fn write(
    mut pages: tokio::sync::mpsc::Receiver<Result<Vec<Request>>>,
    zones: &HashMap<String, TimeZone>,
    include_personal_data: bool,
    format: Format,
    (lang, header): (Lang, Header),
    out: &mut dyn Write,
    mut progress: impl FnMut(u64),
) -> Result<u64> {
    let fallback = time::parse_time_zone(time::DEFAULT_TIME_ZONE).expect("bundled zone");
    // Each page is encoded into memory and written with one call: the
    // encoders make many small writes, and through `out` (a trait object
    // over a BufWriter) those cost more than the encoding itself. CSV
    // quotes commas, quotes and line breaks as RFC 4180 says.
    let mut buf = Vec::with_capacity(1 << 20);
    let columns: &[(&str, &str, &str)] = match format {
        Format::Register => &texts::REGISTER_COLUMNS,
        Format::Csv => &texts::EXPORT_COLUMNS,
        Format::Jsonl => &[],
    };
    if !columns.is_empty() {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(&mut buf);
        w.write_record(texts::header_row(columns, lang, header))
            .map_err(io)?;
        w.flush().map_err(io)?;
    }
    // Labelled CSV is for people: its values are words too; machine keys
    // keep the storage names a program matches on.
    let words = format == Format::Csv && header == Header::Labels;
    let mut written = 0u64;
    loop {
        let mut page = next_page(&mut pages).await?;
        let end = page.is_empty();
        for r in &mut page {
            personal::project_requester(&mut r.requester, include_personal_data);
        }
        let zone = |r: &Request| zones.get(&r.agency_id).unwrap_or(&fallback);
        match format {
            Format::Csv | Format::Register => {
                // The header row is written above, from the column table.
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(&mut buf);
                for r in &page {
                    if format == Format::Register {
                        w.write_record(register_record(r, zone(r), lang))
                            .map_err(io)?;
                    } else if words {
                        w.serialize(worded(row(r, zone(r)), r, lang)).map_err(io)?;
                    } else {
                        w.serialize(row(r, zone(r))).map_err(io)?;
                    }
                }
                w.flush().map_err(io)?;
            }
            Format::Jsonl => {
                for r in &page {
                    serde_json::to_writer(&mut buf, &row(r, zone(r))).map_err(io)?;
                    buf.push(b'\n');
                }
            }
        }
        written += page.len() as u64;
        out.write_all(&buf).map_err(io)?;
        buf.clear();
        if end {
            break;
        }
        progress(written);
    }
    out.flush().map_err(io)?;
    Ok(written)
}
