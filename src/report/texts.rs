//! Every text a person reads in a document this service writes (letters,
//! the annual report, the register exports, worklist reasons): Indonesian
//! first, English as an option. One place, so a wording or a format is
//! changed once: the labels of the register's vocabularies, the report's
//! phrases, and the number, percent and date formats (52.334; 88,4%;
//! 4 Desember 2026).
use jiff::civil::Date;

use crate::domain::{
    AccessMethod, Channel, CopyForm, DeliveryMethod, DisputeOutcome, ObjectionGround, Outcome,
    RequestState, RequesterType,
};

/// The language of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia (the default: the law's and the offices' language).
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// `id` or `en` (an empty string is the default, Indonesian).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "id" | "in" | "indonesia" => Some(Lang::Id),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// `id` in Indonesian, `en` in English.
    pub fn pick(self, id: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    /// The phrase `key` of [`PHRASES`] in this language (the key itself if
    /// it is missing, which the unit tests rule out for the keys in use).
    pub fn t(self, key: &'static str) -> &'static str {
        PHRASES
            .iter()
            .chain(LETTER_PHRASES)
            .find(|p| p.0 == key)
            .map_or(key, |p| self.pick(p.1, p.2))
    }
}

/// The header row of a CSV a person opens: labels in the document's
/// language (the default), or the machine keys a program reads
/// (`--header keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// Labels in the document's language.
    #[default]
    Labels,
    /// The stable snake_case keys.
    Keys,
}

/// `v` with `places` decimals, grouped in thousands: 52.334 and 88,4 in
/// Indonesian, 52,334 and 88.4 in English.
pub fn decimal(lang: Lang, v: f64, places: usize) -> String {
    let (group, point) = match lang {
        Lang::Id => ('.', ','),
        Lang::En => (',', '.'),
    };
    let text = format!("{:.*}", places, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    // "-0" is not a number a person writes.
    if v < 0.0 && text.chars().any(|c| ('1'..='9').contains(&c)) {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A count or a figure: whole numbers without decimals (52.334), others
/// with one (2,5).
pub fn number(lang: Lang, v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        decimal(lang, v.round(), 0)
    } else {
        decimal(lang, v, 1)
    }
}

/// A whole count: 52.334.
pub fn count(lang: Lang, n: i64) -> String {
    decimal(lang, n as f64, 0)
}

/// A percentage given in percent (88.4 -> "88,4%"; 0 and 100 without
/// decimals).
pub fn percent(lang: Lang, p: f64) -> String {
    // One decimal throughout, so a column of rates lines up ("86,0%" under
    // "85,8%"); none and all are written plainly.
    if p == 0.0 || p == 100.0 {
        format!("{}%", p as i64)
    } else {
        format!("{}%", decimal(lang, p, 1))
    }
}

/// Rupiah: "Rp 10.000".
pub fn rupiah(lang: Lang, n: i64) -> String {
    format!("Rp {}", count(lang, n))
}

/// Working days as a person reads them: "<1" for a same-day answer.
pub fn days(lang: Lang, v: f64) -> String {
    if v < 1.0 {
        "<1".into()
    } else {
        number(lang, (v * 10.0).round() / 10.0)
    }
}

const BULAN: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as a person writes it: "4 Desember 2026" / "4 December 2026".
pub fn date(lang: Lang, d: Date) -> String {
    let names = match lang {
        Lang::Id => &BULAN,
        Lang::En => &MONTHS,
    };
    format!(
        "{} {} {}",
        d.day(),
        names[(d.month() - 1) as usize],
        d.year()
    )
}

/// The decision of a written notice (pemberitahuan tertulis).
pub fn outcome(lang: Lang, o: Outcome) -> &'static str {
    match o {
        Outcome::Granted => lang.pick("Diberikan seluruhnya", "Granted in full"),
        Outcome::PartiallyGranted => lang.pick("Diberikan sebagian", "Granted in part"),
        Outcome::Rejected => lang.pick(
            "Ditolak (dikecualikan, Pasal 17)",
            "Rejected (exempt, Pasal 17)",
        ),
        Outcome::NotHeld => lang.pick("Tidak dikuasai", "Not held"),
        Outcome::NotYetDocumented => lang.pick("Belum didokumentasikan", "Not yet documented"),
    }
}

/// Where a request stands.
pub fn state(lang: Lang, s: RequestState) -> &'static str {
    match s {
        RequestState::Pending => lang.pick("Dalam proses", "In progress"),
        RequestState::AwaitingCompletion => {
            lang.pick("Dikembalikan untuk dilengkapi", "Returned for completion")
        }
        RequestState::Responded => lang.pick("Sudah diberi pemberitahuan", "Answered"),
        RequestState::Delivered => lang.pick("Informasi sudah diserahkan", "Delivered"),
        RequestState::Withdrawn => lang.pick("Ditarik kembali", "Withdrawn"),
    }
}

/// A Pasal 35(1) ground of objection, with its letter.
pub fn ground(lang: Lang, g: ObjectionGround) -> &'static str {
    match g {
        ObjectionGround::Rejected => lang.pick(
            "a. penolakan berdasarkan Pasal 17",
            "a. rejection under Pasal 17",
        ),
        ObjectionGround::PeriodicNotProvided => lang.pick(
            "b. informasi berkala tidak disediakan",
            "b. periodic information not provided",
        ),
        ObjectionGround::NotAnswered => lang.pick(
            "c. permintaan informasi tidak ditanggapi",
            "c. request not answered",
        ),
        ObjectionGround::AnsweredOtherwise => lang.pick(
            "d. permintaan ditanggapi tidak sebagaimana yang diminta",
            "d. answered other than as requested",
        ),
        ObjectionGround::NotFulfilled => lang.pick(
            "e. permintaan informasi tidak dipenuhi",
            "e. request not fulfilled",
        ),
        ObjectionGround::UnreasonableFee => {
            lang.pick("f. pengenaan biaya yang tidak wajar", "f. unreasonable fee")
        }
        ObjectionGround::AnsweredLate => lang.pick(
            "g. penyampaian informasi melebihi waktu yang diatur",
            "g. answered later than the law allows",
        ),
    }
}

/// How a dispute before the Komisi Informasi ended.
pub fn dispute_outcome(lang: Lang, d: DisputeOutcome) -> &'static str {
    match d {
        DisputeOutcome::MediationAgreement => {
            lang.pick("Mediasi: kesepakatan", "Mediation agreement")
        }
        DisputeOutcome::AdjudicationGranted => {
            lang.pick("Ajudikasi: dikabulkan", "Adjudication: granted")
        }
        DisputeOutcome::AdjudicationPartlyGranted => lang.pick(
            "Ajudikasi: dikabulkan sebagian",
            "Adjudication: partly granted",
        ),
        DisputeOutcome::AdjudicationRefused => {
            lang.pick("Ajudikasi: ditolak", "Adjudication: refused")
        }
        DisputeOutcome::Inadmissible => lang.pick("Tidak dapat diterima", "Not admissible"),
        DisputeOutcome::Withdrawn => lang.pick("Dicabut", "Withdrawn"),
    }
}

/// Individual, group or legal entity.
pub fn requester_type(lang: Lang, t: RequesterType) -> &'static str {
    match t {
        RequesterType::Individual => lang.pick("Perorangan", "Individual"),
        RequesterType::Group => lang.pick("Kelompok Orang", "Group"),
        RequesterType::LegalEntity => lang.pick("Badan Hukum", "Legal entity"),
    }
}

/// How the requester obtains the information.
pub fn access_method(lang: Lang, a: AccessMethod) -> &'static str {
    match a {
        AccessMethod::Inspect => lang.pick(
            "Melihat/Membaca/Mendengarkan/Mencatat",
            "View/read/listen/take notes",
        ),
        AccessMethod::Copy => lang.pick("Mendapatkan Salinan", "A copy"),
    }
}

/// Softcopy or hardcopy.
pub fn copy_form(_lang: Lang, c: Option<CopyForm>) -> &'static str {
    match c {
        Some(CopyForm::Softcopy) => "Softcopy",
        Some(CopyForm::Hardcopy) => "Hardcopy",
        None => "",
    }
}

/// How a copy reaches the requester.
pub fn delivery_method(lang: Lang, d: DeliveryMethod) -> &'static str {
    match d {
        DeliveryMethod::PickUp => lang.pick("Mengambil Langsung", "Pick up"),
        DeliveryMethod::Courier => lang.pick("Kurir", "Courier"),
        DeliveryMethod::Post => lang.pick("Pos", "Post"),
        DeliveryMethod::Fax => lang.pick("Faksimili", "Fax"),
        DeliveryMethod::Email => "Email",
    }
}

/// How the request arrived.
pub fn channel(lang: Lang, c: Channel) -> &'static str {
    match c {
        Channel::WebForm => lang.pick("Formulir Daring", "Web form"),
        Channel::WalkIn => lang.pick("Datang Langsung", "Walk-in"),
        Channel::Email => "Email",
        Channel::Letter => lang.pick("Surat", "Letter"),
        Channel::Phone => lang.pick("Telepon", "Phone"),
        Channel::AgencyPortal => lang.pick("Portal Instansi", "Agency portal"),
    }
}

/// The columns of `ppid export requests` (CSV, JSON Lines), in order:
/// (key, Indonesian label, English label).
pub const EXPORT_COLUMNS: [(&str, &str, &str); 43] = [
    ("request_id", "ID Permohonan", "Request id"),
    (
        "registration_number",
        "Nomor Pendaftaran",
        "Registration number",
    ),
    ("agency", "Unit Penanganan", "Handling agency"),
    ("receiving_agency", "Unit Penerima", "Receiving agency"),
    ("pemda", "Pemda", "Pemda"),
    ("state", "Status", "State"),
    ("receive_time", "Waktu Diterima (UTC)", "Received at (UTC)"),
    ("receive_date", "Tanggal Diterima", "Date received"),
    ("requester_type", "Jenis Pemohon", "Requester type"),
    ("requester_occupation", "Pekerjaan", "Occupation"),
    ("requester_name", "Nama Pemohon", "Requester name"),
    ("requester_nik", "NIK", "NIK"),
    (
        "requester_legal_entity_registration",
        "Nomor Pengesahan Badan Hukum",
        "Legal entity registration",
    ),
    ("requester_address", "Alamat", "Address"),
    ("requester_phone", "Nomor Telepon", "Phone"),
    ("requester_email", "Email", "Email"),
    ("proxy_name", "Nama Kuasa", "Proxy"),
    (
        "proxy_power_of_attorney",
        "Surat Kuasa",
        "Power of attorney",
    ),
    (
        "information_requested",
        "Rincian Informasi yang Dibutuhkan",
        "Information requested",
    ),
    ("purpose", "Tujuan Penggunaan Informasi", "Purpose"),
    (
        "access_method",
        "Cara Memperoleh Informasi",
        "Access method",
    ),
    ("copy_form", "Bentuk Salinan", "Copy form"),
    (
        "delivery_method",
        "Cara Mendapatkan Salinan",
        "Delivery method",
    ),
    ("channel", "Saluran Permohonan", "Channel"),
    ("clock_start_date", "Tanggal Mulai Dihitung", "Clock start"),
    (
        "original_due_date",
        "Jatuh Tempo Semula",
        "Original due date",
    ),
    ("due_date", "Jatuh Tempo", "Due date"),
    ("extended", "Diperpanjang", "Extended"),
    (
        "extension_reason",
        "Alasan Perpanjangan",
        "Extension reason",
    ),
    ("decision", "Keputusan", "Decision"),
    ("exemption_letters", "Huruf Pasal 17", "Pasal 17 letters"),
    (
        "withheld_parts",
        "Bagian yang Dikecualikan",
        "Withheld parts",
    ),
    ("holder", "Badan Publik yang Menguasai", "Holder"),
    (
        "notice_time",
        "Waktu Pemberitahuan (UTC)",
        "Notice at (UTC)",
    ),
    ("notice_date", "Tanggal Pemberitahuan", "Notice date"),
    (
        "notice_working_days",
        "Hari Kerja sampai Pemberitahuan",
        "Working days to notice",
    ),
    ("notice_on_time", "Tepat Waktu", "On time"),
    ("fee_rupiah", "Biaya (Rp)", "Fee (Rp)"),
    ("payment_method", "Cara Pembayaran", "Payment method"),
    (
        "deliver_time",
        "Waktu Penyerahan (UTC)",
        "Delivered at (UTC)",
    ),
    ("deliver_date", "Tanggal Penyerahan", "Delivery date"),
    (
        "delivery_working_days",
        "Hari Kerja sampai Penyerahan",
        "Working days to delivery",
    ),
    ("withdraw_time", "Waktu Ditarik (UTC)", "Withdrawn at (UTC)"),
];

/// The register permohonan's columns in DOMAIN.md's order: (key,
/// Indonesian label, English label).
pub const REGISTER_COLUMNS: [(&str, &str, &str); 22] = [
    (
        "registration_number",
        "Nomor Registrasi",
        "Registration number",
    ),
    ("receive_date", "Tanggal Permohonan", "Date of request"),
    ("requester_name", "Nama Pemohon", "Requester name"),
    (
        "requester_identity",
        "NIK / Nomor Pengesahan Badan Hukum",
        "NIK / legal entity registration",
    ),
    ("requester_address", "Alamat", "Address"),
    ("requester_phone", "Nomor Telepon", "Phone"),
    ("requester_email", "Email", "Email"),
    ("requester_occupation", "Pekerjaan", "Occupation"),
    ("requester_type", "Jenis Pemohon", "Requester type"),
    (
        "proxy",
        "Kuasa Pemohon (Surat Kuasa)",
        "Proxy (power of attorney)",
    ),
    (
        "information_requested",
        "Rincian Informasi yang Dibutuhkan",
        "Information requested",
    ),
    ("purpose", "Tujuan Penggunaan Informasi", "Purpose"),
    (
        "access_method",
        "Cara Memperoleh Informasi",
        "Access method",
    ),
    ("copy_form", "Bentuk Salinan", "Copy form"),
    (
        "delivery_method",
        "Cara Mendapatkan Salinan",
        "Delivery method",
    ),
    ("channel", "Saluran Permohonan", "Channel"),
    ("decision", "Keputusan", "Decision"),
    (
        "rejection_reason",
        "Alasan Penolakan",
        "Reason for rejection",
    ),
    ("notice_date", "Tanggal Pemberitahuan", "Notice date"),
    ("deliver_date", "Tanggal Penyerahan", "Delivery date"),
    ("fee_rupiah", "Biaya", "Fee"),
    ("payment_method", "Cara Pembayaran", "Payment method"),
];

/// The header row of `columns` in `lang`, or their keys.
pub fn header_row(
    columns: &[(&'static str, &'static str, &'static str)],
    lang: Lang,
    header: Header,
) -> Vec<&'static str> {
    columns
        .iter()
        .map(|(k, id, en)| match header {
            Header::Keys => k,
            Header::Labels => lang.pick(id, en),
        })
        .collect()
}

/// The report's and the letters' phrases: (key, Indonesian, English).
pub const PHRASES: &[(&str, &str, &str)] = &[
    // The annual report.
    (
        "report.title",
        "Laporan Layanan Informasi Publik",
        "Public Information Service Report",
    ),
    (
        "report.intro",
        "Laporan tahunan layanan informasi publik (UU KIP Pasal 12; Perki 1/2021 Pasal 56)",
        "Annual public information service report (UU KIP Pasal 12; Perki 1/2021 Pasal 56)",
    ),
    ("report.of", "dari", "of"),
    ("report.with_sub", "beserta", "with its"),
    ("report.sub_agencies", "unit di bawahnya", "sub-agencies"),
    ("report.made", "dibuat", "made"),
    ("report.summary", "Ringkasan", "Summary"),
    ("report.figure", "Uraian", "Figure"),
    ("report.change", "Perubahan", "Change"),
    (
        "report.requests_outcomes",
        "Permohonan dan keputusan",
        "Requests and outcomes",
    ),
    ("report.count", "Jumlah", "Count"),
    ("fig.received", "Permohonan diterima", "Requests received"),
    (
        "fig.pending_at_start",
        "Belum selesai pada awal tahun",
        "Open at the start of the year",
    ),
    ("fig.decided", "Pemberitahuan tertulis", "Written notices"),
    ("fig.granted", "Diberikan seluruhnya", "Granted in full"),
    (
        "fig.partially_granted",
        "Diberikan sebagian",
        "Granted in part",
    ),
    ("fig.rejected", "Ditolak", "Rejected"),
    ("fig.withdrawn", "Ditarik kembali", "Withdrawn"),
    (
        "fig.pending_at_end",
        "Belum selesai pada akhir tahun",
        "Open at the end of the year",
    ),
    (
        "fig.extended",
        "Diperpanjang (Pasal 22 ayat (8))",
        "Extended (Pasal 22(8))",
    ),
    (
        "fig.on_time",
        "Dijawab tepat waktu (dari permohonan yang jatuh tempo pada tahun ini)",
        "Answered on time (of requests due in the year)",
    ),
    ("fig.on_time_percent", "Tepat waktu (%)", "On time (%)"),
    (
        "fig.median_days_to_notice",
        "Median hari kerja sampai pemberitahuan",
        "Median working days to the notice",
    ),
    (
        "fig.mean_days_to_notice",
        "Rata-rata hari kerja sampai pemberitahuan",
        "Mean working days to the notice",
    ),
    (
        "fig.objections_filed",
        "Keberatan diajukan",
        "Objections filed",
    ),
    ("fig.disputes_filed", "Sengketa diajukan", "Disputes filed"),
    ("report.outcomes_chart", "Keputusan", "Outcomes"),
    (
        "report.outcomes_caption",
        "Keputusan dalam pemberitahuan tertulis, tahun",
        "Outcomes of the written notices,",
    ),
    ("report.time_taken", "Jangka waktu layanan", "Time taken"),
    (
        "report.time_text",
        "Hari kerja sampai pemberitahuan tertulis: median {median}, rata-rata {mean}, tercepat {min}, terlama {max}, dari {count} pemberitahuan; sampai penyerahan: median {dmedian}, rata-rata {dmean}. Jangka waktu setiap permohonan ada dalam ekspor register (ppid export requests).",
        "Working days to the written notice: median {median}, mean {mean}, lowest {min}, highest {max} over {count} notices; to delivery: median {dmedian}, mean {dmean}. The time of each request is in the export (ppid export requests).",
    ),
    (
        "report.time_chart",
        "Waktu tanggapan (hari kerja)",
        "Response time (working days)",
    ),
    (
        "report.time_caption",
        "Hari kerja sampai pemberitahuan tertulis",
        "Working days to the written notice",
    ),
    ("report.working_days", "Hari kerja", "Working days"),
    (
        "report.doj_buckets",
        "Hari kerja (kelompok laporan FOIA US DOJ)",
        "Working days (US DOJ buckets)",
    ),
    ("report.notices", "Pemberitahuan", "Notices"),
    (
        "report.by_letter",
        "Penolakan menurut huruf Pasal 17",
        "Rejections by Pasal 17 letter",
    ),
    ("report.letter", "Huruf", "Letter"),
    ("report.partly", "Sebagian", "Partly"),
    (
        "report.withholding",
        "Pemberitahuan yang mengecualikan informasi berdasarkan entri DIK: {with}; (sebagian) tanpa entri DIK: {without}.",
        "Withholding notices resting on DIK entries: {with}; resting (partly) on no DIK entry: {without}.",
    ),
    (
        "report.objections",
        "Keberatan dan tanggapannya",
        "Objections and their answers",
    ),
    (
        "report.objections_text",
        "Diajukan {filed}; ditanggapi {answered} ({ontime} tepat waktu); menguatkan putusan PPID {upheld}; membatalkan {overturned}.",
        "Filed {filed}; answered {answered} ({ontime} on time); upheld {upheld}; overturned {overturned}.",
    ),
    (
        "report.ground",
        "Alasan (Pasal 35 ayat (1))",
        "Ground (Pasal 35(1))",
    ),
    ("report.objection_count", "Keberatan", "Objections"),
    (
        "report.disputes",
        "Sengketa informasi dan putusannya",
        "Disputes and their outcomes",
    ),
    ("report.filed", "Diajukan", "Filed"),
    ("report.outcome", "Putusan", "Outcome"),
    ("report.dispute_count", "Sengketa", "Disputes"),
    ("report.per_agency", "Per unit", "Per agency"),
    ("report.agency", "Unit", "Agency"),
    ("report.total", "Jumlah", "Total"),
    ("report.not_held", "Tidak dikuasai", "Not held"),
    ("report.median_days", "Median hari", "Median days"),
    ("report.mean_days", "Rata-rata hari", "Mean days"),
    ("report.on_time", "Tepat waktu", "On time"),
    (
        "report.rejected_by_letter",
        "Ditolak per huruf",
        "Rejected by letter",
    ),
    (
        "report.ranking",
        "Peringkat unit di bawahnya",
        "Ranking of the sub-agencies",
    ),
    (
        "report.no_ranking",
        "Belum ada unit dengan cukup pemberitahuan untuk dinilai (data tidak cukup).",
        "No sub-agency has enough written notices to be scored (insufficient data).",
    ),
    (
        "report.ranking_chart",
        "Peringkat: nilai keterbukaan",
        "Ranking: openness score",
    ),
    (
        "report.ranking_caption",
        "Nilai keterbukaan (0–100) unit di bawahnya, diurutkan menurut nilai konservatif (tingkat-tingkatnya pada batas bawah Wilson, sehingga unit dengan sedikit permohonan tidak unggul karena kebetulan)",
        "Openness score (0–100) of the sub-agencies, ordered by the conservative score (rates at their Wilson lower bound, so a unit with few requests does not lead by chance)",
    ),
    (
        "report.conservative_score",
        "Nilai konservatif",
        "Conservative score",
    ),
    ("report.rank", "Peringkat", "Rank"),
    ("report.score", "Nilai", "Score"),
    ("report.band", "Kategori", "Band"),
    ("report.last_year", "Tahun lalu", "Last year"),
    (
        "report.insufficient",
        "data tidak cukup",
        "insufficient data",
    ),
    ("report.backlog", "Tunggakan saat ini", "Backlog now"),
    (
        "report.past_due",
        "Permohonan yang belum dijawab melewati jatuh tempo:",
        "Open requests past their due date:",
    ),
    (
        "report.registration_number",
        "Nomor pendaftaran",
        "Registration number",
    ),
    ("report.received_on", "Diterima", "Received"),
    ("report.due", "Jatuh tempo", "Due"),
    ("report.paused", "dijeda", "paused"),
    ("report.method", "Metode", "Method"),
    (
        "report.due_note",
        "Laporan ini wajib disampaikan paling lambat {due} (tiga bulan setelah tahun berakhir; UU KIP Pasal 12, Perki 1/2021 Pasal 56).",
        "This report is due by {due} (three months after the year ends; UU KIP Pasal 12, Perki 1/2021 Pasal 56).",
    ),
    (
        "report.published",
        "Dipublikasikan {date}.",
        "Published {date}.",
    ),
    (
        "report.sent_to_ki",
        "Disampaikan kepada Komisi Informasi {date}.",
        "Sent to the Komisi Informasi {date}.",
    ),
    (
        "report.not_published",
        "Belum dipublikasikan.",
        "Not yet published.",
    ),
    (
        "report.overdue",
        "Batas waktu penyampaian telah lewat.",
        "The due date has passed.",
    ),
    (
        "narrative.profile",
        "Profil dan kebijakan PPID",
        "The PPID's profile and policies",
    ),
    (
        "narrative.facilities",
        "Sarana dan prasarana layanan informasi",
        "Facilities for information services",
    ),
    ("narrative.staff", "Sumber daya manusia", "Staff"),
    ("narrative.budget", "Anggaran", "Budget"),
    ("narrative.obstacles", "Kendala", "Obstacles"),
    (
        "narrative.recommendations",
        "Rekomendasi dan rencana tindak lanjut",
        "Recommendations and follow-up plan",
    ),
    (
        "narrative.decisions_implementation",
        "Pelaksanaan putusan keberatan dan sengketa informasi",
        "Implementation of objection and dispute decisions",
    ),
    ("narrative.empty", "(belum diisi)", "(not yet written)"),
    (
        "report.method_text",
        "Setiap permohonan dihitung pada unit yang menanganinya sekarang (setelah diteruskan). Setiap angka jatuh pada tahun (waktu setempat unit) dari peristiwanya sendiri: diterima pada saat penerimaan; keputusan, jangka waktu dan huruf Pasal 17 pada pemberitahuan tertulis; penyerahan pada saat penyerahan; keberatan pada saat diajukan dan ditanggapi; sengketa pada saat diajukan dan diputus. Jangka waktu dihitung dalam hari kerja sejak jam layanan mulai berjalan (hari pertama adalah hari kerja pertama setelah penerimaan). Jangka waktu setiap permohonan ada dalam ekspor register; laporan ini memuat sebarannya, rata-rata dan mediannya per unit.",
        "Each request counts at the agency handling it now (after forwards). Each figure falls in the agency-local year of its own event: received at receipt; decided, outcome, time taken and Pasal 17 letters at the written notice; delivered at delivery; objections filed at filing and answered at the answer; disputes at filing and settlement. Times are working days from the clock start (day 1 is the first working day after receipt). The time taken for each request is in the export (ppid export requests); this report gives its distribution, mean and median per agency.",
    ),
];

/// The letters' phrases: (key, Indonesian, English). Legal references
/// stay as the law writes them.
pub const LETTER_PHRASES: &[(&str, &str, &str)] = &[
    ("letter.number", "Nomor", "Number"),
    ("letter.tel", "Telp.", "Tel."),
    ("letter.nip", "NIP.", "NIP"),
    (
        "letter.ppid",
        "Pejabat Pengelola Informasi dan Dokumentasi",
        "Information and Documentation Management Officer (PPID)",
    ),
    ("letter.superior", "Atasan PPID", "Superior of the PPID"),
    (
        "letter.decree",
        "PPID ditetapkan dengan keputusan nomor",
        "The PPID is appointed by decree number",
    ),
    (
        "letter.hidden",
        "(tidak ditampilkan: data pribadi)",
        "(not shown: personal data)",
    ),
    ("letter.none", "tidak ada", "none"),
    (
        "letter.registration_number",
        "Nomor pendaftaran",
        "Registration number",
    ),
    ("letter.tracking_code", "Kode pelacakan", "Tracking code"),
    (
        "letter.receive_date",
        "Tanggal permohonan",
        "Date of request",
    ),
    ("letter.requester", "Nama pemohon", "Requester"),
    ("letter.address", "Alamat", "Address"),
    (
        "letter.information",
        "Rincian informasi yang dibutuhkan",
        "Information requested",
    ),
    ("letter.purpose", "Tujuan penggunaan informasi", "Purpose"),
    (
        "letter.access_method",
        "Cara memperoleh informasi",
        "How to obtain it",
    ),
    ("letter.copy_form", "Bentuk salinan", "Form of the copy"),
    (
        "letter.delivery_method",
        "Cara mendapatkan salinan",
        "How the copy is delivered",
    ),
    (
        "letter.due_date",
        "Batas waktu pemberitahuan tertulis",
        "Written notice due by",
    ),
    (
        "letter.due_note",
        "10 hari kerja sejak permohonan diterima, UU KIP Pasal 22 ayat (7)",
        "10 working days from receipt, UU KIP Pasal 22(7)",
    ),
    (
        "letter.paused",
        "dijeda sampai permohonan dilengkapi",
        "paused until the request is completed",
    ),
    (
        "letter.receipt.title",
        "Tanda Bukti Penerimaan Permohonan Informasi Publik",
        "Receipt of a Request for Public Information",
    ),
    (
        "letter.receipt.opening",
        "Telah diterima permohonan informasi publik dengan keterangan sebagai berikut:",
        "A request for public information has been received as follows:",
    ),
    (
        "letter.receipt.closing",
        "Simpan nomor pendaftaran dan kode pelacakan ini untuk mengetahui perkembangan permohonan Saudara.",
        "Keep the registration number and tracking code to follow your request.",
    ),
    (
        "letter.completion.title",
        "Permintaan Melengkapi Permohonan Informasi Publik",
        "Request to Complete a Request for Public Information",
    ),
    (
        "letter.completion.opening",
        "Permohonan informasi publik Saudara belum lengkap. Mohon dilengkapi sebagai berikut:",
        "Your request for public information is incomplete. Please complete it as follows:",
    ),
    ("letter.missing", "Yang perlu dilengkapi", "What is missing"),
    ("letter.return_date", "Tanggal dikembalikan", "Returned on"),
    (
        "letter.completion.closing",
        "Jangka waktu pelayanan dihitung kembali sejak permohonan yang telah dilengkapi diterima.",
        "The response period starts again when the completed request is received.",
    ),
    (
        "letter.notice.title",
        "Pemberitahuan Tertulis",
        "Written Notice",
    ),
    (
        "letter.notice.opening",
        "Berdasarkan permohonan informasi publik Saudara, dengan ini kami sampaikan pemberitahuan tertulis (UU KIP Pasal 22 ayat (7)) sebagai berikut:",
        "In answer to your request for public information, this is our written notice (UU KIP Pasal 22(7)):",
    ),
    ("letter.decision", "Keputusan", "Decision"),
    (
        "letter.format",
        "Bentuk informasi yang diberikan",
        "Form of the information given",
    ),
    (
        "letter.delivery_due",
        "Waktu penyediaan informasi",
        "Information provided by",
    ),
    ("letter.fee", "Biaya", "Fee"),
    ("letter.payment_method", "Cara pembayaran", "Payment method"),
    (
        "letter.withheld_parts",
        "Bagian informasi yang dihitamkan/dikecualikan",
        "Parts blacked out or withheld",
    ),
    (
        "letter.basis",
        "Dasar pengecualian",
        "Basis of the exemption",
    ),
    (
        "letter.basis_text",
        "UU KIP Pasal 17 huruf",
        "UU KIP Pasal 17 letter",
    ),
    (
        "letter.dik",
        "Daftar Informasi yang Dikecualikan",
        "List of exempt information (DIK)",
    ),
    (
        "letter.dik_entry",
        "Informasi yang dikecualikan",
        "Exempt information",
    ),
    ("letter.decree_of", "Keputusan nomor", "Decree number"),
    ("letter.dated", "tanggal", "dated"),
    (
        "letter.harm",
        "Uji konsekuensi: akibat yang timbul bila informasi dibuka",
        "Consequence test: the harm if disclosed",
    ),
    (
        "letter.public_interest",
        "Pertimbangan kepentingan publik",
        "Public-interest weighing",
    ),
    (
        "letter.period",
        "Jangka waktu pengecualian",
        "Period of the exemption",
    ),
    ("letter.until", "sampai dengan", "until"),
    ("letter.since", "sejak", "from"),
    ("letter.no_end", "tanpa batas waktu", "without end date"),
    (
        "letter.holder",
        "Informasi dikuasai oleh",
        "The information is held by",
    ),
    (
        "letter.holder_unknown",
        "badan publik yang menguasainya tidak diketahui",
        "the body that holds it is not known",
    ),
    ("letter.remarks", "Keterangan", "Remarks"),
    (
        "letter.not_documented",
        "Informasi yang diminta belum didokumentasikan.",
        "The information requested is not yet documented.",
    ),
    (
        "letter.objection_right",
        "Apabila Saudara keberatan atas pemberitahuan ini, Saudara dapat mengajukan keberatan kepada Atasan PPID paling lambat 30 hari kerja (UU KIP Pasal 35 dan Pasal 36 ayat (1)).",
        "If you object to this notice, you may file an objection with the superior of the PPID within 30 working days (UU KIP Pasal 35 and 36(1)).",
    ),
    (
        "letter.extension.title",
        "Pemberitahuan Perpanjangan Jangka Waktu",
        "Notice of Extension",
    ),
    (
        "letter.extension.opening",
        "Jangka waktu pemberitahuan tertulis atas permohonan Saudara diperpanjang satu kali paling lama 7 hari kerja (UU KIP Pasal 22 ayat (8)):",
        "The period for the written notice on your request is extended once by at most 7 working days (UU KIP Pasal 22(8)):",
    ),
    (
        "letter.previous_due",
        "Batas waktu semula",
        "Original due date",
    ),
    ("letter.new_due", "Batas waktu baru", "New due date"),
    (
        "letter.extension_reason",
        "Alasan perpanjangan",
        "Reason for the extension",
    ),
    (
        "letter.handover.title",
        "Tanda Bukti Penyerahan Informasi Publik",
        "Receipt of Handover of Public Information",
    ),
    (
        "letter.handover.opening",
        "Telah diserahkan informasi publik dengan keterangan sebagai berikut:",
        "Public information was handed over as follows:",
    ),
    (
        "letter.deliver_date",
        "Tanggal penyerahan",
        "Handed over on",
    ),
    ("letter.handed_by", "Yang menyerahkan", "Handed over by"),
    ("letter.received_by", "Yang menerima", "Received by"),
    ("letter.requester_role", "Pemohon Informasi", "Requester"),
    (
        "letter.objection_receipt.title",
        "Tanda Bukti Penerimaan Keberatan",
        "Receipt of an Objection",
    ),
    (
        "letter.objection_receipt.opening",
        "Telah diterima keberatan atas permohonan informasi publik dengan keterangan sebagai berikut:",
        "An objection was received as follows:",
    ),
    (
        "letter.objection_number",
        "Nomor registrasi keberatan",
        "Objection number",
    ),
    ("letter.file_date", "Tanggal keberatan diterima", "Filed on"),
    (
        "letter.grounds",
        "Alasan keberatan (UU KIP Pasal 35 ayat (1))",
        "Grounds (UU KIP Pasal 35(1))",
    ),
    ("letter.statement", "Kasus posisi", "Statement"),
    (
        "letter.unpublished",
        "Informasi berkala yang tidak disediakan",
        "Periodic information not provided",
    ),
    (
        "letter.answer_due",
        "Tanggapan atasan PPID paling lambat",
        "The superior answers by",
    ),
    (
        "letter.answer_due_note",
        "30 hari kerja sejak keberatan diterima, UU KIP Pasal 36 ayat (2)",
        "30 working days from receipt, UU KIP Pasal 36(2)",
    ),
    (
        "letter.objection_answer.title",
        "Tanggapan atas Keberatan",
        "Answer to an Objection",
    ),
    (
        "letter.objection_answer.opening",
        "Atas keberatan yang Saudara ajukan, Atasan PPID memberikan tanggapan tertulis (UU KIP Pasal 36) sebagai berikut:",
        "The superior of the PPID answers your objection in writing (UU KIP Pasal 36) as follows:",
    ),
    ("letter.answer", "Tanggapan", "Answer"),
    (
        "letter.upheld",
        "Menguatkan putusan PPID",
        "The PPID's decision is upheld",
    ),
    (
        "letter.overturned",
        "Membatalkan putusan PPID; PPID wajib menindaklanjuti",
        "The PPID's decision is overturned; the PPID must act on it",
    ),
    (
        "letter.inadmissible",
        "Keberatan tidak dapat diterima",
        "The objection is inadmissible",
    ),
    ("letter.reasons", "Alasan", "Reasons"),
    (
        "letter.reopened_due",
        "PPID menjawab kembali paling lambat",
        "The PPID answers again by",
    ),
    (
        "letter.corrected_fee",
        "Biaya setelah dikoreksi",
        "Fee as corrected",
    ),
    ("letter.refund", "Pengembalian biaya", "Refund"),
    (
        "letter.dispute_right",
        "Apabila Saudara tidak puas dengan tanggapan ini, Saudara dapat mengajukan penyelesaian sengketa informasi kepada Komisi Informasi paling lambat 14 hari kerja setelah tanggapan ini diterima (UU KIP Pasal 37 ayat (2))",
        "If you are not satisfied with this answer, you may take the dispute to the Komisi Informasi within 14 working days of receiving it (UU KIP Pasal 37(2))",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let cases: &[(f64, usize, &str, &str)] = &[
            (52334.0, 0, "52.334", "52,334"),
            (88.44, 1, "88,4", "88.4"),
            (1234567.891, 2, "1.234.567,89", "1,234,567.89"),
            (0.0, 0, "0", "0"),
            (-1500.0, 0, "-1.500", "-1,500"),
            (-0.01, 1, "0,0", "0.0"),
            (999.0, 0, "999", "999"),
        ];
        for (v, places, id, en) in cases {
            assert_eq!(decimal(Lang::Id, *v, *places), *id, "{v}");
            assert_eq!(decimal(Lang::En, *v, *places), *en, "{v}");
        }
        assert_eq!(number(Lang::Id, 30000.0), "30.000");
        assert_eq!(number(Lang::Id, 2.5), "2,5");
        assert_eq!(count(Lang::Id, 1_000_000), "1.000.000");
        assert_eq!(rupiah(Lang::Id, 10000), "Rp 10.000");
    }

    #[test]
    fn percents_and_days() {
        let cases: &[(f64, &str, &str)] = &[
            (88.4, "88,4%", "88.4%"),
            (88.44, "88,4%", "88.4%"),
            (100.0, "100%", "100%"),
            (0.0, "0%", "0%"),
            (66.666, "66,7%", "66.7%"),
            (86.0, "86,0%", "86.0%"),
            (85.96, "86,0%", "86.0%"),
        ];
        for (p, id, en) in cases {
            assert_eq!(percent(Lang::Id, *p), *id);
            assert_eq!(percent(Lang::En, *p), *en);
        }
        assert_eq!(days(Lang::Id, 0.0), "<1");
        assert_eq!(days(Lang::Id, 4.25), "4,3");
        assert_eq!(days(Lang::En, 4.25), "4.3");
        assert_eq!(days(Lang::Id, 10.0), "10");
    }

    #[test]
    fn dates() {
        let cases: &[(&str, &str, &str)] = &[
            ("2026-12-04", "4 Desember 2026", "4 December 2026"),
            ("2026-01-01", "1 Januari 2026", "1 January 2026"),
            ("2026-03-31", "31 Maret 2026", "31 March 2026"),
            ("2025-05-29", "29 Mei 2025", "29 May 2025"),
            ("2026-08-17", "17 Agustus 2026", "17 August 2026"),
        ];
        for (d, id, en) in cases {
            let d: Date = d.parse().unwrap();
            assert_eq!(date(Lang::Id, d), *id);
            assert_eq!(date(Lang::En, d), *en);
        }
    }

    #[test]
    fn languages() {
        assert_eq!(Lang::parse(""), Some(Lang::Id));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::default(), Lang::Id);
    }

    #[test]
    fn phrases_are_unique_and_complete() {
        let mut keys = std::collections::HashSet::new();
        for (k, id, en) in PHRASES.iter().chain(LETTER_PHRASES) {
            assert!(keys.insert(k), "{k} twice");
            assert!(!id.is_empty() && !en.is_empty(), "{k}");
            // No storage name leaks into a person's text.
            assert!(!id.contains('_') && !en.contains('_'), "{k}");
        }
    }

    #[test]
    fn labels_carry_no_storage_names() {
        for l in [Lang::Id, Lang::En] {
            for o in Outcome::ALL {
                assert!(!outcome(l, *o).contains('_'));
            }
            for s in RequestState::ALL {
                assert!(!state(l, *s).contains('_'));
            }
            for d in DisputeOutcome::ALL {
                assert!(!dispute_outcome(l, *d).contains('_'));
            }
            for g in ObjectionGround::ALL {
                assert!(ground(l, *g).starts_with(g.as_str()));
            }
        }
    }
}
