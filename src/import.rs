//! Reading an existing register (`ppid import register`): a CSV or XLSX file
//! with the columns `ppid export register` writes (any order, common
//! spellings) plus optional ones (RULINGS, Operations: OPD, due date,
//! extension date and reason, DIK entry ids, personal data). This module
//! only reads and checks the file; `app::import` files the rows through the
//! lifecycle's rules.
//!
//! Problems name the file's row (as a spreadsheet numbers it, the header
//! row included) and the column as the file spells it, and never repeat a
//! personal value (NIK, phone, email, name, address).
use std::{collections::HashMap, fmt, path::Path};

use jiff::civil::Date;
use uuid::Uuid;

use crate::{
    domain::{
        AccessMethod, Channel, CopyForm, DeliveryMethod, ExemptionLetter, Outcome, RequestState,
        RequesterType,
        request::{Proxy, Requester},
    },
    report::texts::{self, Lang},
};

/// A bad cell (or a bad file: row 0 and no column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The spreadsheet row (1 is the first line of the file).
    pub row: usize,
    /// The column's header as the file spells it ("" for the whole row).
    pub column: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, self.column.is_empty()) {
            (0, _) => write!(f, "{}", self.reason),
            (r, true) => write!(f, "row {r}: {}", self.reason),
            (r, false) => write!(f, "row {r}, column \"{}\": {}", self.column, self.reason),
        }
    }
}

/// A cell as read: text, or a date an XLSX file stores as a date.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (numbers as written).
    Text(String),
    /// A date cell.
    Date(Date),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.trim().to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Cell::Text(s) if s.trim().is_empty())
    }
}

/// The columns the import understands (keys as `texts::REGISTER_COLUMNS`
/// names them, plus the optional ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// Nomor Registrasi.
    Number,
    /// Tanggal Permohonan.
    Received,
    /// Nama Pemohon.
    Name,
    /// NIK / Nomor Pengesahan Badan Hukum.
    Identity,
    /// Alamat.
    Address,
    /// Nomor Telepon.
    Phone,
    /// Email.
    Email,
    /// Pekerjaan.
    Occupation,
    /// Jenis Pemohon.
    RequesterType,
    /// Kuasa Pemohon.
    Proxy,
    /// Rincian Informasi.
    Information,
    /// Tujuan.
    Purpose,
    /// Cara Memperoleh Informasi.
    AccessMethod,
    /// Bentuk Salinan.
    CopyForm,
    /// Cara Mendapatkan Salinan.
    DeliveryMethod,
    /// Saluran Permohonan.
    Channel,
    /// Keputusan.
    Decision,
    /// Alasan Penolakan.
    RejectionReason,
    /// Tanggal Pemberitahuan.
    NoticeDate,
    /// Tanggal Penyerahan.
    DeliveryDate,
    /// Biaya.
    Fee,
    /// Cara Pembayaran.
    PaymentMethod,
    /// OPD (optional): the agency handling it.
    Opd,
    /// Tanggal Jatuh Tempo (optional).
    DueDate,
    /// Tanggal Perpanjangan (optional).
    ExtensionDate,
    /// Alasan Perpanjangan (optional).
    ExtensionReason,
    /// DIK entry ids (optional).
    Dik,
}

/// Each column with the spellings it is known by, besides the export's
/// own labels (Indonesian and English) and keys, which are added from
/// `texts::REGISTER_COLUMNS`. Compared after [`normalize`].
const SYNONYMS: &[(Column, &[&str])] = &[
    (
        Column::Number,
        &[
            "no registrasi",
            "nomor register",
            "no register",
            "nomor pendaftaran",
            "no pendaftaran",
            "nomor permohonan",
            "no permohonan",
            "no reg",
        ],
    ),
    (
        Column::Received,
        &[
            "tanggal",
            "tgl permohonan",
            "tanggal diterima",
            "tanggal penerimaan",
            "tgl diterima",
            "tanggal masuk",
        ],
    ),
    (Column::Name, &["nama", "nama pemohon informasi", "pemohon"]),
    (
        Column::Identity,
        &[
            "nik",
            "no ktp",
            "nomor ktp",
            "nik nomor pengesahan badan hukum",
        ],
    ),
    (Column::Address, &["alamat pemohon"]),
    (
        Column::Phone,
        &[
            "telepon",
            "no telepon",
            "no telp",
            "telp",
            "no hp",
            "nomor hp",
        ],
    ),
    (Column::Email, &["e mail", "surel", "alamat email"]),
    (
        Column::RequesterType,
        &["jenis pemohon informasi", "kategori pemohon"],
    ),
    (Column::Proxy, &["kuasa pemohon", "kuasa"]),
    (
        Column::Information,
        &[
            "rincian informasi",
            "informasi yang dimohon",
            "informasi yang diminta",
        ],
    ),
    (Column::Purpose, &["tujuan", "tujuan penggunaan"]),
    (Column::AccessMethod, &["cara memperoleh"]),
    (
        Column::DeliveryMethod,
        &["cara mendapatkan", "cara pengiriman"],
    ),
    (Column::Channel, &["saluran", "media permohonan"]),
    (Column::Decision, &["putusan", "status", "hasil"]),
    (Column::RejectionReason, &["alasan", "dasar penolakan"]),
    (
        Column::NoticeDate,
        &[
            "tgl pemberitahuan",
            "tanggal pemberitahuan tertulis",
            "tanggal jawaban",
        ],
    ),
    (
        Column::DeliveryDate,
        &["tgl penyerahan", "tanggal penyerahan informasi"],
    ),
    (Column::Fee, &["biaya rp", "biaya (rp)"]),
    (
        Column::Opd,
        &[
            "opd",
            "unit",
            "ppid pelaksana",
            "perangkat daerah",
            "agency",
        ],
    ),
    (
        Column::DueDate,
        &[
            "tanggal jatuh tempo",
            "jatuh tempo",
            "batas waktu",
            "due date",
            "due_date",
        ],
    ),
    (
        Column::ExtensionDate,
        &[
            "tanggal perpanjangan",
            "tgl perpanjangan",
            "perpanjangan",
            "extension date",
        ],
    ),
    (
        Column::ExtensionReason,
        &["alasan perpanjangan", "extension reason"],
    ),
    (
        Column::Dik,
        &[
            "dik",
            "id dik",
            "entri dik",
            "nomor entri dik",
            "dik entry ids",
            "dik entries",
            "exemptions",
        ],
    ),
];

/// The export's key of each register column.
const KEYS: &[(Column, &str)] = &[
    (Column::Number, "registration_number"),
    (Column::Received, "receive_date"),
    (Column::Name, "requester_name"),
    (Column::Identity, "requester_identity"),
    (Column::Address, "requester_address"),
    (Column::Phone, "requester_phone"),
    (Column::Email, "requester_email"),
    (Column::Occupation, "requester_occupation"),
    (Column::RequesterType, "requester_type"),
    (Column::Proxy, "proxy"),
    (Column::Information, "information_requested"),
    (Column::Purpose, "purpose"),
    (Column::AccessMethod, "access_method"),
    (Column::CopyForm, "copy_form"),
    (Column::DeliveryMethod, "delivery_method"),
    (Column::Channel, "channel"),
    (Column::Decision, "decision"),
    (Column::RejectionReason, "rejection_reason"),
    (Column::NoticeDate, "notice_date"),
    (Column::DeliveryDate, "deliver_date"),
    (Column::Fee, "fee_rupiah"),
    (Column::PaymentMethod, "payment_method"),
];

/// A header or a value as compared: lower case, punctuation and
/// underscores as spaces, runs of spaces as one ("No. Registrasi" ->
/// "no registrasi").
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// Which column a header names, if any.
pub fn match_header(header: &str) -> Option<Column> {
    let h = normalize(header);
    if h.is_empty() {
        return None;
    }
    for (key, id, en) in texts::REGISTER_COLUMNS.iter() {
        if [normalize(key), normalize(id), normalize(en)].contains(&h) {
            return KEYS.iter().find(|(_, k)| k == key).map(|(c, _)| *c);
        }
    }
    SYNONYMS
        .iter()
        .find(|(_, names)| names.iter().any(|n| normalize(n) == h))
        .map(|(c, _)| *c)
}

const BULAN: [[&str; 3]; 12] = [
    ["januari", "january", "jan"],
    ["februari", "february", "feb"],
    ["maret", "march", "mar"],
    ["april", "apr", "apr"],
    ["mei", "may", "mei"],
    ["juni", "june", "jun"],
    ["juli", "july", "jul"],
    ["agustus", "august", "agu"],
    ["september", "sep", "sept"],
    ["oktober", "october", "okt"],
    ["november", "nov", "nop"],
    ["desember", "december", "des"],
];

/// A date as registers write it: ISO `2026-03-16` (a time after it is
/// ignored), `16/03/2026`, `16-03-2026`, `16.03.2026` (day first, as
/// Indonesia writes), `16 Maret 2026` (Indonesian or English month names,
/// abbreviated or not). `None` for anything else.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    // ISO, possibly with a time ("2026-03-16T09:00:00", "2026-03-16 09:00").
    if s.len() >= 10 && s.as_bytes()[4] == b'-' && s.is_char_boundary(10) {
        let (day, rest) = s.split_at(10);
        if (rest.is_empty() || rest.starts_with('T') || rest.starts_with(' '))
            && let Ok(d) = day.parse::<Date>()
        {
            return Some(d);
        }
    }
    let numbers = |sep: char| -> Option<Date> {
        let parts: Vec<&str> = s.split(sep).collect();
        let [d, m, y] = parts.as_slice() else {
            return None;
        };
        if y.len() != 4 || d.is_empty() || d.len() > 2 || m.is_empty() || m.len() > 2 {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
    };
    for sep in ['/', '-', '.'] {
        if let Some(d) = numbers(sep) {
            return Some(d);
        }
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if let [d, m, y] = words.as_slice() {
        let m = normalize(m);
        let month = BULAN.iter().position(|names| names.contains(&m.as_str()))?;
        if y.len() != 4 {
            return None;
        }
        return Date::new(
            y.parse().ok()?,
            month as i8 + 1,
            d.trim_end_matches('.').parse().ok()?,
        )
        .ok();
    }
    None
}

/// What the register says became of a request: a written notice, or a
/// state without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A written notice with this outcome.
    Notice(Outcome),
    /// No notice: pending, returned for completion or withdrawn.
    State(RequestState),
}

/// A value matched against a vocabulary's words (both languages) and
/// storage names.
fn word<T: Copy>(
    value: &str,
    all: &[T],
    labels: impl Fn(Lang, T) -> &'static str,
    key: impl Fn(T) -> &'static str,
) -> Option<T> {
    let v = normalize(value);
    all.iter().copied().find(|&t| {
        normalize(labels(Lang::Id, t)) == v
            || normalize(labels(Lang::En, t)) == v
            || normalize(key(t)) == v
    })
}

fn decision(value: &str) -> Option<Decision> {
    if let Some(o) = word(value, Outcome::ALL, texts::outcome, Outcome::as_str) {
        return Some(Decision::Notice(o));
    }
    // Short forms registers use.
    let v = normalize(value);
    let short = match v.as_str() {
        "diberikan" | "dikabulkan" | "dikabulkan seluruhnya" | "diterima" => {
            Some(Decision::Notice(Outcome::Granted))
        }
        "sebagian" | "dikabulkan sebagian" | "diberikan sebagian" => {
            Some(Decision::Notice(Outcome::PartiallyGranted))
        }
        "ditolak" | "dikecualikan" => Some(Decision::Notice(Outcome::Rejected)),
        _ => None,
    };
    if short.is_some() {
        return short;
    }
    word(value, RequestState::ALL, texts::state, RequestState::as_str)
        .filter(|s| {
            matches!(
                s,
                RequestState::Pending | RequestState::AwaitingCompletion | RequestState::Withdrawn
            )
        })
        .map(Decision::State)
}

/// "Pasal 17 huruf a, h: what was withheld" (as the export writes it):
/// the letters and the withheld parts. `None` when the text names no
/// Pasal 17 letter.
pub fn parse_rejection_reason(s: &str) -> Option<(Vec<ExemptionLetter>, Option<String>)> {
    let (head, rest) = match s.split_once(':') {
        Some((h, r)) => (h, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
        None => (s, None),
    };
    let n = normalize(head);
    let after = n.split_once("huruf ")?.1;
    let mut letters = Vec::new();
    for w in after.split(' ') {
        let l = ExemptionLetter::parse(w)?;
        if !letters.contains(&l) {
            letters.push(l);
        }
    }
    (!letters.is_empty()).then_some((letters, rest))
}

/// Rupiah as written: "25000", "25.000", "Rp 25.000,00".
fn parse_fee(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s
        .strip_prefix("Rp.")
        .or_else(|| s.strip_prefix("Rp"))
        .unwrap_or(s)
        .trim();
    let s = s.strip_suffix(",00").unwrap_or(s);
    let digits: String = s.chars().filter(|c| *c != '.' && *c != ' ').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// One request as the register records it.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The spreadsheet row.
    pub row: usize,
    /// The registration number as written.
    pub number: String,
    /// Date received.
    pub received: Date,
    /// The handling OPD (id or name), when the file says.
    pub opd: Option<String>,
    /// The requester (personal fields empty when the file has none).
    pub requester: Requester,
    /// Rincian informasi.
    pub information_requested: String,
    /// Tujuan.
    pub purpose: String,
    /// How to obtain it.
    pub access_method: AccessMethod,
    /// Copy form.
    pub copy_form: Option<CopyForm>,
    /// Delivery.
    pub delivery_method: DeliveryMethod,
    /// Channel.
    pub channel: Channel,
    /// What became of it.
    pub decision: Decision,
    /// Pasal 17 letters of a withholding.
    pub letters: Vec<ExemptionLetter>,
    /// What was withheld.
    pub withheld_parts: Option<String>,
    /// DIK entries cited.
    pub dik: Vec<Uuid>,
    /// Date of the written notice.
    pub notice_date: Option<Date>,
    /// Date the information was handed over.
    pub delivery_date: Option<Date>,
    /// Fee.
    pub fee_rupiah: i64,
    /// Payment method.
    pub payment_method: Option<String>,
    /// Due date as the register records it.
    pub due_date: Option<Date>,
    /// When the deadline was extended.
    pub extension_date: Option<Date>,
    /// Why.
    pub extension_reason: Option<String>,
}

/// A register file as read.
#[derive(Debug, Default)]
pub struct Register {
    /// Rows that read well.
    pub rows: Vec<ImportRow>,
    /// Everything wrong, in file order.
    pub problems: Vec<Problem>,
    /// The file's spelling of each column found.
    pub headers: HashMap<Column, String>,
}

impl Register {
    /// The file's header of `c` (for a problem found later).
    pub fn header(&self, c: Column) -> String {
        self.headers
            .get(&c)
            .cloned()
            .unwrap_or_else(|| default_header(c).to_string())
    }
}

fn default_header(c: Column) -> &'static str {
    if let Some((_, key)) = KEYS.iter().find(|(col, _)| *col == c)
        && let Some((_, id, _)) = texts::REGISTER_COLUMNS.iter().find(|(k, ..)| k == key)
    {
        return id;
    }
    match c {
        Column::Opd => "OPD",
        Column::DueDate => "Tanggal Jatuh Tempo",
        Column::ExtensionDate => "Tanggal Perpanjangan",
        Column::ExtensionReason => "Alasan Perpanjangan",
        Column::Dik => "DIK",
        _ => "",
    }
}

/// Columns a register must have.
const REQUIRED: [Column; 3] = [Column::Number, Column::Received, Column::Decision];

/// A file that cannot be read as a register at all.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// Reads `path` (XLSX by its name or content, otherwise CSV).
pub fn read_file(path: &Path, today: Date) -> Result<Register, Unreadable> {
    let bytes = std::fs::read(path).map_err(|e| Unreadable(format!("cannot read it: {e}")))?;
    let xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xlsm"))
        || bytes.starts_with(b"PK\x03\x04");
    let (grid, merged) = if xlsx {
        read_xlsx(bytes)?
    } else {
        (read_csv(&bytes)?, Vec::new())
    };
    parse_grid(&grid, &merged, today)
}

/// CSV rows as text; the file must be UTF-8 (a byte-order mark is fine).
/// Excel's Indonesian locale saves with semicolons: the header line decides.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, Unreadable> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let row = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            return Err(Unreadable(format!(
                "row {row}: the file is not UTF-8 text (byte {at}); save it as \"CSV UTF-8\" \
                 (Excel) or convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8"
            )));
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Unreadable(format!("row {}: {e}", i + 1)))?;
        grid.push(record.iter().map(|s| Cell::Text(s.to_string())).collect());
    }
    Ok(grid)
}

/// The first sheet of an XLSX workbook, and its merged regions (as
/// (row, column) pairs, 0-based, start and end).
type Merged = Vec<((u32, u32), (u32, u32))>;

fn read_xlsx(bytes: Vec<u8>) -> Result<(Vec<Vec<Cell>>, Merged), Unreadable> {
    use calamine::{Data, Reader, Xlsx};
    let bad = |e: &dyn fmt::Display| Unreadable(format!("not a readable XLSX workbook: {e}"));
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| Unreadable("the workbook has no sheet".into()))?;
    let range = book.worksheet_range(&sheet).map_err(|e| bad(&e))?;
    let merged = match book.worksheet_merge_cells(&sheet) {
        Some(Ok(m)) => m.into_iter().map(|d| (d.start, d.end)).collect(),
        Some(Err(e)) => return Err(bad(&e)),
        None => Vec::new(),
    };
    // Row and column offsets of the used range (a sheet may start at B3).
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut grid: Vec<Vec<Cell>> = vec![Vec::new(); row0 as usize];
    for row in range.rows() {
        let mut cells = vec![Cell::Text(String::new()); col0 as usize];
        for c in row {
            cells.push(match c {
                Data::Empty => Cell::Text(String::new()),
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                    Cell::Text(s.clone())
                }
                Data::Int(i) => Cell::Text(i.to_string()),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                    Cell::Text(format!("{}", *f as i64))
                }
                Data::Float(f) => Cell::Text(f.to_string()),
                Data::Bool(b) => Cell::Text(b.to_string()),
                Data::DateTime(dt) => {
                    let (y, m, d, ..) = dt.to_ymd_hms_milli();
                    match Date::new(y as i16, m as i8, d as i8) {
                        Ok(d) => Cell::Date(d),
                        Err(_) => Cell::Text(dt.as_f64().to_string()),
                    }
                }
                Data::Error(e) => Cell::Text(format!("#{e:?}")),
            });
        }
        grid.push(cells);
    }
    Ok((grid, merged))
}

/// The header row: the first of the first ten rows naming at least two
/// known columns (a register often has a title above it).
fn find_header(grid: &[Vec<Cell>]) -> Option<usize> {
    grid.iter().take(10).position(|row| {
        row.iter()
            .filter(|c| match_header(&c.text()).is_some())
            .count()
            >= 2
    })
}

/// Checks the header and reads every row of `grid`.
pub fn parse_grid(
    grid: &[Vec<Cell>],
    merged: &Merged,
    today: Date,
) -> Result<Register, Unreadable> {
    let Some(h) = find_header(grid) else {
        return Err(Unreadable(format!(
            "row 1: no header row found in the first rows (expected the register's columns, \
             e.g. \"{}\", \"{}\", \"{}\")",
            default_header(Column::Number),
            default_header(Column::Received),
            default_header(Column::Decision)
        )));
    };
    let header_row = h + 1;
    // A merged cell in the header hides which column is which.
    for (start, end) in merged {
        if start.0 as usize <= h && h <= end.0 as usize && (start != end) {
            return Err(Unreadable(format!(
                "row {header_row}: merged header cell {}..{} (columns {}..{}): unmerge it and give \
                 each column a header of its own",
                cell_name(start.0, start.1),
                cell_name(end.0, end.1),
                start.1 + 1,
                end.1 + 1
            )));
        }
    }
    let mut reg = Register::default();
    let mut columns: Vec<Option<Column>> = Vec::new();
    let widest = grid.iter().skip(h + 1).map(Vec::len).max().unwrap_or(0);
    for (i, c) in grid[h].iter().enumerate() {
        let text = c.text();
        let col = match_header(&text);
        if let Some(col) = col {
            if let Some(first) = reg.headers.get(&col) {
                return Err(Unreadable(format!(
                    "row {header_row}, column {} \"{text}\": the same column as \"{first}\"",
                    i + 1
                )));
            }
            reg.headers.insert(col, text.clone());
        } else if text.is_empty() {
            // An empty header over data: typically a merged header cell
            // saved as CSV.
            let has_data = grid
                .iter()
                .skip(h + 1)
                .any(|r| r.get(i).is_some_and(|c| !c.is_empty()));
            if has_data {
                return Err(Unreadable(format!(
                    "row {header_row}, column {}: no header over data (a merged or missing header \
                     cell?): give each column a header of its own",
                    i + 1
                )));
            }
        }
        // Other unknown headers: columns the import does not read.
        columns.push(col);
    }
    if widest > columns.len() {
        let has_data = grid
            .iter()
            .skip(h + 1)
            .any(|r| r.iter().skip(columns.len()).any(|c| !c.is_empty()));
        if has_data {
            return Err(Unreadable(format!(
                "row {header_row}, column {}: no header over data (a merged or missing header \
                 cell?): give each column a header of its own",
                columns.len() + 1
            )));
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !reg.headers.contains_key(c))
        .map(|c| default_header(*c))
        .collect();
    if !missing.is_empty() {
        return Err(Unreadable(format!(
            "row {header_row}: missing column(s) {}",
            missing
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, cells) in grid.iter().enumerate().skip(h + 1) {
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let row = i + 1;
        let mut values: HashMap<Column, &Cell> = HashMap::new();
        for (c, cell) in columns.iter().zip(cells) {
            if let Some(c) = c
                && !cell.is_empty()
            {
                values.insert(*c, cell);
            }
        }
        let mut r = RowReader {
            reg: &mut reg,
            row,
            values,
            today,
            ok: true,
        };
        if let Some(parsed) = r.read() {
            if let Some(first) = seen.get(&parsed.number) {
                let column = reg.header(Column::Number);
                reg.problems.push(Problem {
                    row,
                    column,
                    reason: format!("the same registration number as row {first}"),
                });
                continue;
            }
            seen.insert(parsed.number.clone(), row);
            reg.rows.push(parsed);
        }
    }
    Ok(reg)
}

fn cell_name(row: u32, col: u32) -> String {
    let mut name = String::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        name.insert(0, (b'A' + rem as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{name}{}", row + 1)
}

/// Reads one row, noting each bad cell.
struct RowReader<'a> {
    reg: &'a mut Register,
    row: usize,
    values: HashMap<Column, &'a Cell>,
    today: Date,
    ok: bool,
}

impl RowReader<'_> {
    fn bad(&mut self, c: Column, reason: impl Into<String>) {
        self.ok = false;
        let column = self.reg.header(c);
        self.reg.problems.push(Problem {
            row: self.row,
            column,
            reason: reason.into(),
        });
    }

    fn text(&self, c: Column) -> Option<String> {
        self.values.get(&c).map(|v| v.text())
    }

    fn date(&mut self, c: Column) -> Option<Date> {
        let cell = *self.values.get(&c)?;
        let d = match cell {
            Cell::Date(d) => Some(*d),
            Cell::Text(s) => parse_date(s),
        };
        match d {
            Some(d) if d > self.today => {
                self.bad(c, format!("{d} is in the future"));
                None
            }
            Some(d) => Some(d),
            None => {
                let shown = cell.text();
                self.bad(
                    c,
                    format!(
                        "\"{shown}\" is not a date in a known format (2026-03-16, 16/03/2026, \
                         16-03-2026, 16 Maret 2026)"
                    ),
                );
                None
            }
        }
    }

    fn vocabulary<T: Copy>(
        &mut self,
        c: Column,
        default: T,
        all: &[T],
        labels: impl Fn(Lang, T) -> &'static str,
        key: impl Fn(T) -> &'static str,
    ) -> T {
        let Some(v) = self.text(c) else {
            return default;
        };
        match word(&v, all, &labels, &key) {
            Some(t) => t,
            None => {
                let known: Vec<&str> = all.iter().map(|t| labels(Lang::Id, *t)).collect();
                self.bad(
                    c,
                    format!("unknown value \"{v}\" (one of: {})", known.join("; ")),
                );
                default
            }
        }
    }

    fn read(&mut self) -> Option<ImportRow> {
        let number = match self.text(Column::Number) {
            Some(n) => n,
            None => {
                self.bad(Column::Number, "is empty");
                String::new()
            }
        };
        let received = match self.values.contains_key(&Column::Received) {
            true => self.date(Column::Received),
            false => {
                self.bad(Column::Received, "is empty");
                None
            }
        };
        let kind = self.vocabulary(
            Column::RequesterType,
            RequesterType::Individual,
            RequesterType::ALL,
            texts::requester_type,
            RequesterType::as_str,
        );
        let identity = self.text(Column::Identity);
        let (nik, legal) = match (kind, identity) {
            (_, None) => (None, None),
            (RequesterType::LegalEntity, Some(i)) => (None, Some(i)),
            (_, Some(i)) => {
                // Never repeat the NIK itself: it is personal data.
                if i.len() != 16 || !i.bytes().all(|b| b.is_ascii_digit()) {
                    self.bad(Column::Identity, "a NIK must be exactly 16 digits");
                }
                (Some(i), None)
            }
        };
        let email = self.text(Column::Email);
        if email.as_deref().is_some_and(|e| !e.contains('@')) {
            self.bad(Column::Email, "is not an email address");
        }
        let proxy = self.text(Column::Proxy).map(|p| match p.rsplit_once(" (") {
            Some((name, rest)) if rest.ends_with(')') => Proxy {
                full_name: name.to_string(),
                power_of_attorney: rest.trim_end_matches(')').to_string(),
            },
            _ => Proxy {
                full_name: p,
                power_of_attorney: String::new(),
            },
        });
        let requester = Requester {
            full_name: self.text(Column::Name).unwrap_or_default(),
            kind,
            nik,
            legal_entity_registration: legal,
            address: self.text(Column::Address).unwrap_or_default(),
            phone: self.text(Column::Phone),
            email,
            occupation: self.text(Column::Occupation),
            proxy,
        };
        let access_method = self.vocabulary(
            Column::AccessMethod,
            AccessMethod::Copy,
            AccessMethod::ALL,
            texts::access_method,
            AccessMethod::as_str,
        );
        let copy_form = match self.text(Column::CopyForm) {
            None => None,
            Some(v) => match CopyForm::ALL.iter().copied().find(|f| {
                normalize(texts::copy_form(Lang::Id, Some(*f))) == normalize(&v)
                    || normalize(f.as_str()) == normalize(&v)
            }) {
                Some(f) => Some(f),
                None => {
                    self.bad(
                        Column::CopyForm,
                        format!("unknown value \"{v}\" (Softcopy or Hardcopy)"),
                    );
                    None
                }
            },
        };
        let delivery_method = self.vocabulary(
            Column::DeliveryMethod,
            DeliveryMethod::PickUp,
            DeliveryMethod::ALL,
            texts::delivery_method,
            DeliveryMethod::as_str,
        );
        let channel = self.vocabulary(
            Column::Channel,
            Channel::WalkIn,
            Channel::ALL,
            texts::channel,
            Channel::as_str,
        );
        let decision = match self.text(Column::Decision) {
            None => {
                self.bad(Column::Decision, "is empty");
                None
            }
            Some(v) => {
                let d = decision(&v);
                if d.is_none() {
                    let known: Vec<&str> = Outcome::ALL
                        .iter()
                        .map(|o| texts::outcome(Lang::Id, *o))
                        .chain(
                            [
                                RequestState::Pending,
                                RequestState::AwaitingCompletion,
                                RequestState::Withdrawn,
                            ]
                            .iter()
                            .map(|s| texts::state(Lang::Id, *s)),
                        )
                        .collect();
                    self.bad(
                        Column::Decision,
                        format!("unknown decision \"{v}\" (one of: {})", known.join("; ")),
                    );
                }
                d
            }
        };
        let (letters, withheld_parts) = match self.text(Column::RejectionReason) {
            None => (Vec::new(), None),
            Some(v) => match parse_rejection_reason(&v) {
                Some(x) => x,
                None if matches!(decision, Some(Decision::Notice(o)) if o.withholds()) => {
                    // Free text only: the DIK column may still carry it.
                    (Vec::new(), Some(v))
                }
                None => {
                    self.bad(
                        Column::RejectionReason,
                        "names no Pasal 17 letter (e.g. \"Pasal 17 huruf h\")",
                    );
                    (Vec::new(), None)
                }
            },
        };
        let mut dik = Vec::new();
        if let Some(v) = self.text(Column::Dik) {
            for part in v.split([',', ';', ' ']).filter(|p| !p.is_empty()) {
                let id = part.rsplit('/').next().unwrap_or(part);
                match Uuid::parse_str(id) {
                    Ok(u) => dik.push(u),
                    Err(_) => self.bad(Column::Dik, format!("\"{part}\" is not a DIK entry id")),
                }
            }
        }
        let notice_date = self.date(Column::NoticeDate);
        let delivery_date = self.date(Column::DeliveryDate);
        let due_date = self.date(Column::DueDate);
        let extension_date = self.date(Column::ExtensionDate);
        let fee_rupiah = match self.text(Column::Fee) {
            None => 0,
            Some(v) => match parse_fee(&v) {
                Some(f) => f,
                None => {
                    self.bad(
                        Column::Fee,
                        format!("\"{v}\" is not an amount in rupiah (e.g. 25000 or Rp 25.000)"),
                    );
                    0
                }
            },
        };
        match decision {
            Some(Decision::Notice(_))
                if notice_date.is_none() && !self.values.contains_key(&Column::NoticeDate) =>
            {
                self.bad(
                    Column::NoticeDate,
                    "is empty, but the register records a written notice",
                );
            }
            Some(Decision::State(s)) if notice_date.is_some() => {
                self.bad(
                    Column::NoticeDate,
                    format!(
                        "a written notice is dated, but the decision says \"{}\"",
                        texts::state(Lang::Id, s)
                    ),
                );
            }
            _ => {}
        }
        let row = ImportRow {
            row: self.row,
            number,
            received: received?,
            opd: self.text(Column::Opd),
            requester,
            information_requested: self.text(Column::Information).unwrap_or_default(),
            purpose: self.text(Column::Purpose).unwrap_or_default(),
            access_method,
            copy_form,
            delivery_method,
            channel,
            decision: decision?,
            letters,
            withheld_parts,
            dik,
            notice_date,
            delivery_date,
            fee_rupiah,
            payment_method: self.text(Column::PaymentMethod),
            due_date,
            extension_date,
            extension_reason: self.text(Column::ExtensionReason),
        };
        self.ok.then_some(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_common_spellings() {
        let cases = [
            ("Nomor Registrasi", Some(Column::Number)),
            ("No. Registrasi", Some(Column::Number)),
            ("NO_REGISTRASI", Some(Column::Number)),
            ("Nomor Pendaftaran", Some(Column::Number)),
            ("registration_number", Some(Column::Number)),
            ("Registration number", Some(Column::Number)),
            ("\u{feff}Nomor Registrasi", Some(Column::Number)),
            ("tanggal permohonan", Some(Column::Received)),
            ("Tgl. Permohonan", Some(Column::Received)),
            ("NIK / Nomor Pengesahan Badan Hukum", Some(Column::Identity)),
            ("NIK", Some(Column::Identity)),
            ("Kuasa Pemohon (Surat Kuasa)", Some(Column::Proxy)),
            (
                "Rincian Informasi yang Dibutuhkan",
                Some(Column::Information),
            ),
            ("Keputusan", Some(Column::Decision)),
            ("Alasan Penolakan", Some(Column::RejectionReason)),
            ("Tanggal  Pemberitahuan", Some(Column::NoticeDate)),
            ("Biaya (Rp)", Some(Column::Fee)),
            ("OPD", Some(Column::Opd)),
            ("Tanggal Jatuh Tempo", Some(Column::DueDate)),
            ("Tanggal Perpanjangan", Some(Column::ExtensionDate)),
            ("Alasan Perpanjangan", Some(Column::ExtensionReason)),
            ("DIK", Some(Column::Dik)),
            ("E-mail", Some(Column::Email)),
            ("Keterangan", None),
            ("", None),
        ];
        for (header, want) in cases {
            assert_eq!(match_header(header), want, "{header:?}");
        }
    }

    #[test]
    fn every_export_header_is_known() {
        for (key, id, en) in texts::REGISTER_COLUMNS.iter() {
            for h in [key, id, en] {
                assert!(match_header(h).is_some(), "{h}");
            }
        }
    }

    #[test]
    fn dates_in_the_formats_registers_use() {
        let d = |y, m, d| Some(Date::new(y, m, d).unwrap());
        let cases = [
            ("2026-03-16", d(2026, 3, 16)),
            ("2026-03-16T09:30:00", d(2026, 3, 16)),
            ("2026-03-16 09:30", d(2026, 3, 16)),
            ("16/03/2026", d(2026, 3, 16)),
            ("6/3/2026", d(2026, 3, 6)),
            ("16-03-2026", d(2026, 3, 16)),
            ("16.03.2026", d(2026, 3, 16)),
            ("16 Maret 2026", d(2026, 3, 16)),
            ("16 maret 2026", d(2026, 3, 16)),
            ("4 Desember 2026", d(2026, 12, 4)),
            ("17 Agustus 2025", d(2025, 8, 17)),
            ("17 Agu 2025", d(2025, 8, 17)),
            ("1 Mei 2026", d(2026, 5, 1)),
            ("4 December 2026", d(2026, 12, 4)),
            (" 16/03/2026 ", d(2026, 3, 16)),
            ("03/16/2026", None),
            ("31/02/2026", None),
            ("2026/03/16", None),
            ("16 Maretz 2026", None),
            ("16/03/26", None),
            ("Maret 16, 2026", None),
            ("kemarin", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_date(s), want, "{s:?}");
        }
    }

    #[test]
    fn rejection_reasons_and_fees() {
        use ExemptionLetter as L;
        assert_eq!(
            parse_rejection_reason("Pasal 17 huruf a, h: Data pribadi dihitamkan"),
            Some((vec![L::A, L::H], Some("Data pribadi dihitamkan".into())))
        );
        assert_eq!(
            parse_rejection_reason("Pasal 17 huruf c"),
            Some((vec![L::C], None))
        );
        assert_eq!(parse_rejection_reason("rahasia"), None);
        assert_eq!(parse_fee("25000"), Some(25_000));
        assert_eq!(parse_fee("Rp 25.000"), Some(25_000));
        assert_eq!(parse_fee("Rp25.000,00"), Some(25_000));
        assert_eq!(parse_fee("-5"), None);
        assert_eq!(parse_fee("gratis"), None);
    }

    #[test]
    fn decisions_in_words() {
        assert_eq!(
            decision("Diberikan seluruhnya"),
            Some(Decision::Notice(Outcome::Granted))
        );
        assert_eq!(
            decision("Ditolak (dikecualikan, Pasal 17)"),
            Some(Decision::Notice(Outcome::Rejected))
        );
        assert_eq!(
            decision("partially_granted"),
            Some(Decision::Notice(Outcome::PartiallyGranted))
        );
        assert_eq!(
            decision("Dalam proses"),
            Some(Decision::State(RequestState::Pending))
        );
        assert_eq!(
            decision("Ditarik kembali"),
            Some(Decision::State(RequestState::Withdrawn))
        );
        assert_eq!(decision("Sudah diberi pemberitahuan"), None);
        assert_eq!(
            decision("Dikabulkan?"),
            Some(Decision::Notice(Outcome::Granted))
        );
        assert_eq!(decision("entah"), None);
    }

    #[test]
    fn not_utf8_names_the_row() {
        let e = read_csv(b"Nomor Registrasi,Keputusan\nA,Diberikan\nB,Caf\xe9\n").unwrap_err();
        assert!(e.0.starts_with("row 3: the file is not UTF-8"), "{e}");
    }

    #[test]
    fn header_problems() {
        let t = |s: &str| Cell::Text(s.into());
        let today = Date::new(2026, 12, 1).unwrap();
        let no_header = vec![vec![
            t("KOTA/PPID/2026/000001"),
            t("2026-03-16"),
            t("Diberikan"),
        ]];
        let e = parse_grid(&no_header, &Vec::new(), today).unwrap_err();
        assert!(e.0.contains("no header row"), "{e}");
        let merged_as_csv = vec![
            vec![
                t("Nomor Registrasi"),
                t("Tanggal Permohonan"),
                t("Keputusan"),
                t(""),
            ],
            vec![
                t("X/PPID/2026/000001"),
                t("2026-03-16"),
                t("Diberikan"),
                t("2026-03-20"),
            ],
        ];
        let e = parse_grid(&merged_as_csv, &Vec::new(), today).unwrap_err();
        assert!(e.0.contains("row 1, column 4: no header over data"), "{e}");
        let merged = vec![
            vec![t("Nomor Registrasi"), t("Tanggal"), t(""), t("Keputusan")],
            vec![
                t("X/PPID/2026/000001"),
                t("2026-03-16"),
                t("2026-03-20"),
                t("Diberikan"),
            ],
        ];
        let e = parse_grid(&merged, &vec![((0, 1), (0, 2))], today).unwrap_err();
        assert!(e.0.contains("row 1: merged header cell B1..C1"), "{e}");
        let missing = vec![vec![t("Nomor Registrasi"), t("Tanggal Permohonan")]];
        let e = parse_grid(&missing, &Vec::new(), today).unwrap_err();
        assert!(e.0.contains("missing column(s) \"Keputusan\""), "{e}");
    }
}
