//! The Daftar Informasi Publik (DIP): what a body publishes without being
//! asked (UU KIP Pasal 9–11), how fresh it is, and what it covers of the
//! obligatory checklist. Pure rules: the store keeps entries and versions,
//! this module judges them.
use std::collections::BTreeMap;

use jiff::{Span, Timestamp, civil::Date};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{InformationKind, agency::path_ids};

/// The longest update period of a berkala entry, in months (UU KIP Pasal
/// 9(1): "paling singkat 6 (enam) bulan sekali" is read by the KI as at
/// least every six months).
pub const MAX_UPDATE_MONTHS: i32 = 6;

/// The computed assessment items, by the names the scoring policy uses.
pub const JENIS_INFORMASI: &str = "jenis_informasi";
/// The digitalisation item.
pub const DIGITALISASI: &str = "digitalisasi";

/// The checklist item information opened by an objection or a dispute is
/// proposed under (Pasal 11(2)).
pub const OPENED_ITEM: &str = "setiap_saat.dibuka_keberatan_sengketa";

/// One item of the obligatory checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable code, e.g. `berkala.laporan_keuangan`.
    pub code: String,
    /// The kind of information it is.
    pub kind: InformationKind,
    /// Whether every body must publish it (coverage counts only these).
    pub obligatory: bool,
    /// Its name in Indonesian.
    pub title: String,
    /// Its name in English.
    pub title_en: String,
    /// The articles it rests on.
    pub basis: String,
}

/// The checklist of a year: a versioned policy (a later correction is
/// data, RULINGS), like the scoring policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checklist {
    /// The year it governs.
    pub year: i16,
    /// 0: the built-in one; 1, 2, ...: set by an administrator.
    pub version: i64,
    /// The items, in the order DIPs list them.
    pub items: Vec<ChecklistItem>,
}

fn item(
    code: &str,
    kind: InformationKind,
    obligatory: bool,
    title: &str,
    title_en: &str,
    basis: &str,
) -> ChecklistItem {
    ChecklistItem {
        code: code.into(),
        kind,
        obligatory,
        title: title.into(),
        title_en: title_en.into(),
        basis: basis.into(),
    }
}

impl Checklist {
    /// The built-in checklist: UU KIP Pasal 9(2) with the Perki KI 1/2021's
    /// detail of berkala information, Pasal 10 (serta-merta: not a coverage
    /// item, it exists when the event does), Pasal 11(1) with the Perki's
    /// detail of setiap-saat information, and Pasal 11(2) (opened by an
    /// objection or a dispute: only when there was one). The Perki's own
    /// article numbers are not cited: they could not be checked against its
    /// text here; a corrected checklist is data (SetDipChecklist).
    pub fn default_for(year: i16) -> Self {
        use InformationKind::{Berkala as B, SertaMerta as S, SetiapSaat as T};
        const UU: &str = "UU 14/2008";
        const PK: &str = "Perki KI 1/2021 tentang Standar Layanan Informasi Publik";
        let items = vec![
            item(
                "berkala.profil",
                B,
                true,
                "Informasi tentang profil Badan Publik (kedudukan, alamat, tugas dan fungsi, struktur organisasi, profil pejabat)",
                "Profile of the public body (seat, address, duties, structure, officials)",
                &format!("{UU} Pasal 9 ayat (2) huruf a; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.program_kegiatan",
                B,
                true,
                "Ringkasan informasi tentang program dan/atau kegiatan yang sedang dijalankan",
                "Summary of programmes and activities under way",
                &format!("{UU} Pasal 9 ayat (2) huruf b; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.kinerja",
                B,
                true,
                "Ringkasan informasi tentang kinerja dalam lingkup Badan Publik",
                "Summary of performance",
                &format!("{UU} Pasal 9 ayat (2) huruf b; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.laporan_keuangan",
                B,
                true,
                "Ringkasan laporan keuangan (rencana dan realisasi anggaran, neraca, arus kas, catatan atas laporan keuangan)",
                "Summary financial reports (budget and outturn, balance sheet, cash flow, notes)",
                &format!("{UU} Pasal 9 ayat (2) huruf c; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.laporan_akses_informasi",
                B,
                true,
                "Ringkasan laporan akses Informasi Publik",
                "Summary report on access to public information",
                &format!("{UU} Pasal 9 ayat (2) huruf d; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.peraturan_kebijakan",
                B,
                true,
                "Informasi tentang peraturan, keputusan, dan/atau kebijakan yang mengikat dan/atau berdampak bagi publik",
                "Regulations, decisions and policies binding on or affecting the public",
                &format!("{UU} Pasal 9 ayat (2) huruf d; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.tata_cara_informasi",
                B,
                true,
                "Informasi tentang hak dan tata cara memperoleh Informasi Publik, tata cara pengajuan keberatan dan penyelesaian sengketa",
                "Rights and procedures to obtain information, to object and to settle disputes",
                &format!("{UU} Pasal 9 ayat (2) huruf d; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.pengaduan",
                B,
                true,
                "Informasi tentang tata cara pengaduan penyalahgunaan wewenang atau pelanggaran",
                "How to report abuse of authority or misconduct",
                &format!("{UU} Pasal 9 ayat (2) huruf d; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.pengadaan",
                B,
                true,
                "Informasi tentang pengumuman pengadaan barang dan jasa",
                "Procurement notices",
                &format!("{UU} Pasal 9 ayat (2) huruf d; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.ketenagakerjaan",
                B,
                true,
                "Informasi tentang ketenagakerjaan",
                "Employment information (vacancies, recruitment)",
                &format!("{UU} Pasal 9 ayat (2) huruf d; {PK} (rincian informasi berkala)"),
            ),
            item(
                "berkala.peringatan_dini",
                B,
                true,
                "Informasi tentang prosedur peringatan dini dan prosedur evakuasi keadaan darurat",
                "Early-warning and emergency evacuation procedures",
                &format!("{UU} Pasal 9 ayat (2) huruf d; {PK} (rincian informasi berkala)"),
            ),
            item(
                "serta_merta.ancaman",
                S,
                false,
                "Informasi yang dapat mengancam hajat hidup orang banyak dan ketertiban umum",
                "Information on threats to lives and public order",
                &format!("{UU} Pasal 10"),
            ),
            item(
                "setiap_saat.dip",
                T,
                true,
                "Daftar seluruh Informasi Publik yang berada di bawah penguasaannya, tidak termasuk informasi yang dikecualikan",
                "The list of all public information held (the DIP itself)",
                &format!("{UU} Pasal 11 ayat (1) huruf a; {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.keputusan",
                T,
                true,
                "Hasil keputusan Badan Publik dan pertimbangannya",
                "Decisions of the body and their grounds",
                &format!("{UU} Pasal 11 ayat (1) huruf b"),
            ),
            item(
                "setiap_saat.kebijakan",
                T,
                true,
                "Seluruh kebijakan yang ada berikut dokumen pendukungnya",
                "All policies with their supporting documents",
                &format!("{UU} Pasal 11 ayat (1) huruf c; {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.rencana_kerja",
                T,
                true,
                "Rencana kerja proyek termasuk di dalamnya perkiraan pengeluaran tahunan",
                "Project work plans with estimated annual spending",
                &format!("{UU} Pasal 11 ayat (1) huruf d; {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.perjanjian",
                T,
                true,
                "Perjanjian Badan Publik dengan pihak ketiga",
                "Agreements with third parties",
                &format!("{UU} Pasal 11 ayat (1) huruf e; {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.pertemuan_terbuka",
                T,
                true,
                "Informasi dan kebijakan yang disampaikan Pejabat Publik dalam pertemuan yang terbuka untuk umum",
                "What officials said in meetings open to the public",
                &format!("{UU} Pasal 11 ayat (1) huruf f; {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.prosedur_kerja",
                T,
                true,
                "Prosedur kerja pegawai Badan Publik yang berkaitan dengan pelayanan masyarakat",
                "Staff work procedures for public services",
                &format!("{UU} Pasal 11 ayat (1) huruf g"),
            ),
            item(
                "setiap_saat.laporan_pelayanan_informasi",
                T,
                true,
                "Laporan mengenai pelayanan akses Informasi Publik",
                "Reports on information services",
                &format!("{UU} Pasal 11 ayat (1) huruf h; {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.organisasi_kepegawaian",
                T,
                true,
                "Informasi tentang organisasi, administrasi, kepegawaian, dan keuangan",
                "Organisation, administration, staffing and finance",
                &format!("{UU} Pasal 11 ayat (1); {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.surat_menyurat",
                T,
                true,
                "Surat-menyurat pimpinan atau pejabat dalam rangka pelaksanaan tugas, fungsi, dan wewenangnya",
                "Correspondence of the head and officials in the course of their duties",
                &format!("{UU} Pasal 11 ayat (1); {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.perizinan",
                T,
                true,
                "Syarat-syarat perizinan, izin yang diterbitkan dan/atau dikeluarkan",
                "Licence requirements and licences issued",
                &format!("{UU} Pasal 11 ayat (1); {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.inventaris",
                T,
                true,
                "Data perbendaharaan atau inventaris",
                "Treasury and inventory records",
                &format!("{UU} Pasal 11 ayat (1); {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.agenda_pimpinan",
                T,
                true,
                "Agenda kerja pimpinan satuan kerja",
                "Work agenda of the unit's head",
                &format!("{UU} Pasal 11 ayat (1); {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.pelanggaran",
                T,
                true,
                "Jumlah, jenis, dan gambaran umum pelanggaran yang ditemukan dalam pengawasan internal serta laporan penindakannya",
                "Misconduct found by internal oversight and what was done",
                &format!("{UU} Pasal 11 ayat (1); {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.penelitian",
                T,
                true,
                "Daftar serta hasil-hasil penelitian yang dilakukan",
                "Research commissioned and its results",
                &format!("{UU} Pasal 11 ayat (1); {PK} (rincian informasi setiap saat)"),
            ),
            item(
                "setiap_saat.standar_pengumuman",
                T,
                true,
                "Informasi tentang standar pengumuman informasi",
                "The body's standard for announcing information",
                &format!("{UU} Pasal 11 ayat (1); {PK} (rincian informasi setiap saat)"),
            ),
            item(
                OPENED_ITEM,
                T,
                false,
                "Informasi Publik yang dinyatakan terbuka berdasarkan mekanisme keberatan dan/atau penyelesaian sengketa",
                "Information declared open after an objection or a dispute",
                &format!("{UU} Pasal 11 ayat (2)"),
            ),
        ];
        Self {
            year,
            version: 0,
            items,
        }
    }

    /// An item by code.
    pub fn item(&self, code: &str) -> Option<&ChecklistItem> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The obligatory items.
    pub fn obligatory(&self) -> impl Iterator<Item = &ChecklistItem> {
        self.items.iter().filter(|i| i.obligatory)
    }

    /// Problems with a checklist an administrator sets, as (field, description).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        if self.obligatory().next().is_none() {
            v.push((
                "checklist.items".into(),
                "needs at least one obligatory item".into(),
            ));
        }
        for (i, it) in self.items.iter().enumerate() {
            if it.code.is_empty()
                || it.code.len() > 64
                || !it
                    .code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
            {
                v.push((
                    format!("checklist.items[{i}].code"),
                    "must be 1-64 characters of a-z, 0-9, _ and .".into(),
                ));
            }
            if self.items[..i].iter().any(|o| o.code == it.code) {
                v.push((
                    format!("checklist.items[{i}].code"),
                    "is listed twice".into(),
                ));
            }
            if it.title.trim().is_empty() {
                v.push((format!("checklist.items[{i}].title"), "is required".into()));
            }
            if it.basis.trim().is_empty() {
                v.push((
                    format!("checklist.items[{i}].basis"),
                    "is required: cite the article the item rests on".into(),
                ));
            }
        }
        v
    }
}

/// One published version of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1, 2, ...
    pub number: i32,
    /// The date of this version (the agency-local day it was published).
    pub publish_date: Date,
    /// Where it is published online (http or https), if it is.
    pub url: Option<String>,
    /// Where it can be read or collected in person (an office, a notice board).
    pub location: Option<String>,
    /// A note (what changed).
    pub note: Option<String>,
    /// When it was recorded.
    pub create_time: Timestamp,
}

/// The withdrawal of an entry from the DIP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// When.
    pub time: Timestamp,
    /// The agency-local day: the entry counts up to the day before.
    pub date: Date,
    /// Why.
    pub reason: String,
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    /// Recorded, not published yet (e.g. proposed after an objection).
    Proposed,
    /// Published: it has a version.
    Published,
    /// Taken off the DIP.
    Withdrawn,
}

/// A DIP entry with the standard columns (Perki KI 1/2021 on service
/// standards) and its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Id.
    pub id: Uuid,
    /// The agency whose DIP it is in.
    pub agency_id: String,
    /// Its number in that DIP (1, 2, ...).
    pub number: i64,
    /// Ringkasan isi informasi.
    pub summary: String,
    /// Pejabat atau unit/satuan kerja yang menguasai informasi.
    pub holding_unit: String,
    /// Penanggung jawab pembuatan atau penerbitan informasi.
    pub responsible: String,
    /// Tempat pembuatan informasi (its "when" is each version's date).
    pub production_place: Option<String>,
    /// Available as soft copy.
    pub softcopy: bool,
    /// Available as hard copy.
    pub hardcopy: bool,
    /// Jangka waktu penyimpanan atau retensi arsip.
    pub retention: String,
    /// Its kind.
    pub kind: InformationKind,
    /// The checklist items it satisfies.
    pub items: Vec<String>,
    /// Berkala: the update period in months (1–6).
    pub update_months: Option<i32>,
    /// Serta-merta: the day the event happened.
    pub event_date: Option<Date>,
    /// A DIK entry covering (part of) this information: while it is in
    /// force, the entry cannot be published.
    pub exemption: Option<(String, Uuid)>,
    /// What opened the information (`objections/{id}` or `disputes/{id}`),
    /// for entries proposed under Pasal 11(2).
    pub opened_by: Option<String>,
    /// Versions, oldest first.
    pub versions: Vec<Version>,
    /// Withdrawal, if withdrawn.
    pub withdrawn: Option<Withdrawal>,
    /// When recorded.
    pub create_time: Timestamp,
}

impl Entry {
    /// `agencies/{agency}/dipEntries/{id}`.
    pub fn name(&self) -> String {
        format!("agencies/{}/dipEntries/{}", self.agency_id, self.id)
    }

    /// Its status now.
    pub fn status(&self) -> EntryStatus {
        if self.withdrawn.is_some() {
            EntryStatus::Withdrawn
        } else if self.versions.is_empty() {
            EntryStatus::Proposed
        } else {
            EntryStatus::Published
        }
    }

    /// The latest version.
    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// The facts coverage is judged on.
    pub fn facts(&self) -> EntryFacts {
        EntryFacts {
            agency_id: self.agency_id.clone(),
            id: self.id,
            kind: self.kind,
            items: self.items.clone(),
            update_months: self.update_months,
            withdrawn_on: self.withdrawn.as_ref().map(|w| w.date),
            versions: self
                .versions
                .iter()
                .map(|v| (v.publish_date, v.url.is_some()))
                .collect(),
        }
    }

    /// The version in force on `day` (see [`EntryFacts::version_on`]).
    pub fn version_on(&self, day: Date) -> Option<&Version> {
        if self.withdrawn.as_ref().is_some_and(|w| w.date <= day) {
            return None;
        }
        self.versions.iter().rev().find(|v| v.publish_date <= day)
    }

    /// The freshness of the entry on `day` (see [`EntryFacts::freshness`]).
    pub fn freshness(&self, day: Date) -> Freshness {
        freshness(
            self.kind,
            self.update_months,
            self.version_on(day).map(|v| v.publish_date),
            day,
        )
    }
}

/// What coverage needs of an entry (read in bulk for rankings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFacts {
    /// Its agency.
    pub agency_id: String,
    /// Its id.
    pub id: Uuid,
    /// Kind.
    pub kind: InformationKind,
    /// Checklist items.
    pub items: Vec<String>,
    /// Berkala update period.
    pub update_months: Option<i32>,
    /// Withdrawn on this day (counts up to the day before).
    pub withdrawn_on: Option<Date>,
    /// Versions, oldest first: (date, published online).
    pub versions: Vec<(Date, bool)>,
}

/// How fresh an entry is on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Not in the DIP that day (not yet published, or withdrawn).
    Absent,
    /// In the DIP and up to date (not berkala, or within its period); the
    /// date is a berkala entry's next update due.
    Current(Option<Date>),
    /// A berkala entry whose period ran out: the day its update was due.
    Overdue(Date),
}

/// The day a berkala version published on `published` is due for update.
pub fn update_due(published: Date, months: i32) -> Date {
    published
        .checked_add(Span::new().months(months))
        .unwrap_or(Date::MAX)
}

impl EntryFacts {
    /// The version in force on `day`: the latest dated on or before it, if
    /// the entry was not withdrawn by then.
    pub fn version_on(&self, day: Date) -> Option<(Date, bool)> {
        if self.withdrawn_on.is_some_and(|w| w <= day) {
            return None;
        }
        self.versions.iter().rev().find(|(d, _)| *d <= day).copied()
    }

    /// Its freshness on `day`: a berkala entry is overdue the day after its
    /// period (from the version in force) ends.
    pub fn freshness(&self, day: Date) -> Freshness {
        freshness(
            self.kind,
            self.update_months,
            self.version_on(day).map(|(d, _)| d),
            day,
        )
    }
}

/// The freshness on `day` of an entry whose version in force then was
/// published on `published` (`None`: not in the DIP that day).
fn freshness(
    kind: InformationKind,
    months: Option<i32>,
    published: Option<Date>,
    day: Date,
) -> Freshness {
    let Some(published) = published else {
        return Freshness::Absent;
    };
    match kind {
        InformationKind::Berkala => {
            let due = update_due(published, months.unwrap_or(MAX_UPDATE_MONTHS));
            if day > due {
                Freshness::Overdue(due)
            } else {
                Freshness::Current(Some(due))
            }
        }
        _ => Freshness::Current(None),
    }
}

/// How an obligatory item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// No entry in the DIP satisfies it.
    Missing,
    /// Satisfied, but a berkala entry for it is overdue for update.
    Stale,
    /// Satisfied and up to date.
    Covered,
}

impl ItemState {
    /// Its contribution to jenis informasi: covered 1, stale ½, missing 0.
    pub fn credit(self) -> f64 {
        match self {
            Self::Missing => 0.0,
            Self::Stale => 0.5,
            Self::Covered => 1.0,
        }
    }

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Stale => "stale",
            Self::Covered => "covered",
        }
    }
}

/// An entry named by (its agency, its id).
pub type EntryRef = (String, Uuid);

/// One obligatory item in a coverage report.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCoverage {
    /// The item.
    pub item: ChecklistItem,
    /// Its state.
    pub state: ItemState,
    /// The entries that satisfy it (in the DIP on the day), as (agency, id):
    /// a Pemda's entries serve its OPDs.
    pub entries: Vec<EntryRef>,
}

/// A berkala entry overdue for update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleEntry {
    /// The entry's agency.
    pub agency_id: String,
    /// The entry.
    pub id: Uuid,
    /// The day its update was due.
    pub due: Date,
}

/// What an agency's DIP covers on a day, and the two computed indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The day judged.
    pub as_of: Date,
    /// The checklist's year and version.
    pub checklist_year: i16,
    /// Checklist version (0: built in).
    pub checklist_version: i64,
    /// Every obligatory item, in checklist order.
    pub items: Vec<ItemCoverage>,
    /// Berkala entries overdue for update.
    pub stale: Vec<StaleEntry>,
    /// Entries in the DIP on the day.
    pub published: i64,
    /// Of those, the ones reachable online (an http(s) URL recorded).
    pub online: i64,
}

impl Coverage {
    /// Jenis informasi, 0–100: the mean credit of the obligatory items.
    pub fn jenis_informasi(&self) -> f64 {
        if self.items.is_empty() {
            return 0.0;
        }
        100.0 * self.items.iter().map(|i| i.state.credit()).sum::<f64>() / self.items.len() as f64
    }

    /// Digitalisation, 0–100: the share of entries in the DIP reachable
    /// online (0 when none is published).
    pub fn digitalisasi(&self) -> f64 {
        if self.published == 0 {
            0.0
        } else {
            100.0 * self.online as f64 / self.published as f64
        }
    }

    /// Whether the agency keeps its DIP in the service: an entry of its DIP
    /// (its own or one above it) was published by the day. Without one the
    /// computed items are not offered (its DIP lives elsewhere).
    pub fn kept(&self) -> bool {
        self.published > 0
    }

    /// Items in a state.
    pub fn in_state(&self, s: ItemState) -> impl Iterator<Item = &ItemCoverage> {
        self.items.iter().filter(move |i| i.state == s)
    }

    /// The computed items, by policy item name.
    pub fn computed(&self) -> BTreeMap<String, f64> {
        if !self.kept() {
            return BTreeMap::new();
        }
        BTreeMap::from([
            (JENIS_INFORMASI.to_string(), self.jenis_informasi()),
            (DIGITALISASI.to_string(), self.digitalisasi()),
        ])
    }

    /// Why jenis informasi is what it is, naming missing and stale items.
    pub fn explain_jenis(&self) -> String {
        let total = self.items.len();
        let covered = self.in_state(ItemState::Covered).count();
        let mut s = format!(
            "computed from the DIP on {}: {covered} of {total} obligatory items published and current",
            self.as_of
        );
        let missing: Vec<&str> = self
            .in_state(ItemState::Missing)
            .map(|i| i.item.code.as_str())
            .collect();
        if !missing.is_empty() {
            s.push_str(&format!("; missing: {}", missing.join(", ")));
        }
        let stale: Vec<String> = self
            .in_state(ItemState::Stale)
            .map(|i| {
                let due = self
                    .stale
                    .iter()
                    .filter(|e| i.entries.iter().any(|(_, id)| *id == e.id))
                    .map(|e| e.due)
                    .min();
                match due {
                    Some(d) => format!("{} (update due {d})", i.item.code),
                    None => i.item.code.clone(),
                }
            })
            .collect();
        if !stale.is_empty() {
            s.push_str(&format!("; overdue for update: {}", stale.join(", ")));
        }
        s
    }

    /// Why digitalisation is what it is.
    pub fn explain_digital(&self) -> String {
        format!(
            "computed from the DIP on {}: {} of {} published entries have an online (http/https) address",
            self.as_of, self.online, self.published
        )
    }
}

/// The coverage of the DIP of the agency at `path` on `day`: its own
/// entries and those of the agencies above it (a Pemda's DIP covers its
/// OPDs, RULINGS). `entries` may hold other agencies' entries: they are
/// ignored.
pub fn coverage(checklist: &Checklist, path: &str, entries: &[EntryFacts], day: Date) -> Coverage {
    let on_path: Vec<&EntryFacts> = entries
        .iter()
        .filter(|e| path_ids(path).any(|p| p == e.agency_id))
        .collect();
    let mut published = 0;
    let mut online = 0;
    let mut stale = Vec::new();
    let mut state_of: BTreeMap<&str, (ItemState, Vec<EntryRef>)> = BTreeMap::new();
    for e in &on_path {
        let f = e.freshness(day);
        let Some((_, is_online)) = e.version_on(day) else {
            continue;
        };
        published += 1;
        online += i64::from(is_online);
        let s = match f {
            Freshness::Overdue(due) => {
                stale.push(StaleEntry {
                    agency_id: e.agency_id.clone(),
                    id: e.id,
                    due,
                });
                ItemState::Stale
            }
            _ => ItemState::Covered,
        };
        for code in &e.items {
            let slot = state_of
                .entry(code.as_str())
                .or_insert((ItemState::Covered, Vec::new()));
            // One overdue berkala entry makes its item stale.
            if s == ItemState::Stale {
                slot.0 = ItemState::Stale;
            }
            slot.1.push((e.agency_id.clone(), e.id));
        }
    }
    let items = checklist
        .obligatory()
        .map(|it| match state_of.get(it.code.as_str()) {
            Some((s, ids)) => ItemCoverage {
                item: it.clone(),
                state: *s,
                entries: ids.clone(),
            },
            None => ItemCoverage {
                item: it.clone(),
                state: ItemState::Missing,
                entries: Vec::new(),
            },
        })
        .collect();
    stale.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
    Coverage {
        as_of: day,
        checklist_year: checklist.year,
        checklist_version: checklist.version,
        items,
        stale,
        published,
        online,
    }
}

/// A field problem (field, description).
pub type Problem = (String, String);

/// Checks an entry's items against the checklist, its update period and
/// its event date; `prefix` names the message field (e.g. `entry`).
pub fn check_entry(prefix: &str, e: &Entry, checklist: &Checklist) -> Vec<Problem> {
    let mut v = Vec::new();
    for (i, code) in e.items.iter().enumerate() {
        match checklist.item(code) {
            None => v.push((
                format!("{prefix}.items[{i}]"),
                format!(
                    "{code:?} is not an item of the {} checklist (version {})",
                    checklist.year, checklist.version
                ),
            )),
            Some(it) if it.kind != e.kind => v.push((
                format!("{prefix}.items[{i}]"),
                format!(
                    "{code} is {} information; this entry is {}",
                    it.kind.as_str(),
                    e.kind.as_str()
                ),
            )),
            Some(_) => {}
        }
        if e.items[..i].contains(code) {
            v.push((format!("{prefix}.items[{i}]"), "is listed twice".into()));
        }
    }
    match (e.kind, e.update_months) {
        (InformationKind::Berkala, Some(m)) if !(1..=MAX_UPDATE_MONTHS).contains(&m) => v.push((
            format!("{prefix}.update_period_months"),
            format!(
                "must be 1 to {MAX_UPDATE_MONTHS}: berkala information is updated at least every six months (UU KIP Pasal 9 ayat (1))"
            ),
        )),
        (InformationKind::Berkala, _) => {}
        (_, Some(_)) => v.push((
            format!("{prefix}.update_period_months"),
            "only berkala entries have an update period".into(),
        )),
        _ => {}
    }
    match (e.kind, e.event_date) {
        (InformationKind::SertaMerta, None) => v.push((
            format!("{prefix}.event_date"),
            "is required for serta-merta information: the day the event happened".into(),
        )),
        (InformationKind::SertaMerta, Some(_)) => {}
        (_, Some(_)) => v.push((
            format!("{prefix}.event_date"),
            "only serta-merta entries record an event".into(),
        )),
        _ => {}
    }
    v
}

/// Whether `url` is an absolute http or https address with a host.
pub fn is_web_address(url: &str) -> bool {
    match url.parse::<http::Uri>() {
        Ok(u) => {
            matches!(u.scheme_str(), Some("http" | "https"))
                && u.host().is_some_and(|h| !h.is_empty())
                && !url.chars().any(char::is_whitespace)
        }
        Err(_) => false,
    }
}

/// Checks a new version against the entry: dated on or after the previous
/// version, not in the future, not before a serta-merta event; an http(s)
/// URL or a location. `Err` with FAILED_PRECONDITION problems (order),
/// and INVALID_ARGUMENT ones in the returned list.
pub fn check_version(
    prefix: &str,
    e: &Entry,
    v: &Version,
    today: Date,
) -> (Vec<Problem>, Vec<Problem>) {
    let mut invalid = Vec::new();
    let mut precondition = Vec::new();
    if let Some(url) = &v.url
        && !is_web_address(url)
    {
        invalid.push((
            format!("{prefix}.url"),
            "must be an absolute http:// or https:// address".into(),
        ));
    }
    if v.url.is_none() && v.location.is_none() {
        invalid.push((
            format!("{prefix}.url"),
            "say where it is published: a URL, a location, or both".into(),
        ));
    }
    if v.publish_date > today {
        invalid.push((
            format!("{prefix}.publish_date"),
            format!("is in the future (today is {today})"),
        ));
    }
    if let Some(prev) = e.current()
        && v.publish_date < prev.publish_date
    {
        precondition.push((
            format!("{prefix}.publish_date"),
            format!(
                "is before version {}'s date {}: versions are dated in order",
                prev.number, prev.publish_date
            ),
        ));
    }
    if let Some(ev) = e.event_date
        && v.publish_date < ev
    {
        invalid.push((
            format!("{prefix}.publish_date"),
            format!("is before the event it announces ({ev})"),
        ));
    }
    (invalid, precondition)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn facts(kind: InformationKind, items: &[&str], versions: &[(Date, bool)]) -> EntryFacts {
        EntryFacts {
            agency_id: "opd".into(),
            id: Uuid::now_v7(),
            kind,
            items: items.iter().map(|s| s.to_string()).collect(),
            update_months: None,
            withdrawn_on: None,
            versions: versions.to_vec(),
        }
    }

    #[test]
    fn the_default_checklist_is_sound_and_cites_an_article_per_item() {
        let c = Checklist::default_for(2026);
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        assert_eq!(c.obligatory().count(), 27);
        assert!(c.items.iter().all(|i| i.basis.contains("Pasal")));
        assert!(
            c.obligatory()
                .all(|i| i.kind != InformationKind::SertaMerta)
        );
    }

    #[test]
    fn freshness_of_berkala_entries() {
        use Freshness::*;
        let jan = date(2026, 1, 15);
        let mut f = facts(InformationKind::Berkala, &[], &[(jan, true)]);
        let cases = [
            // (period, day, expected)
            (None, date(2026, 1, 14), Absent),
            (None, jan, Current(Some(date(2026, 7, 15)))),
            (None, date(2026, 7, 15), Current(Some(date(2026, 7, 15)))),
            (None, date(2026, 7, 16), Overdue(date(2026, 7, 15))),
            (Some(3), date(2026, 4, 15), Current(Some(date(2026, 4, 15)))),
            (Some(3), date(2026, 4, 16), Overdue(date(2026, 4, 15))),
            (Some(1), date(2026, 2, 16), Overdue(date(2026, 2, 15))),
        ];
        for (months, day, want) in cases {
            f.update_months = months;
            assert_eq!(f.freshness(day), want, "{months:?} {day}");
        }
        // A new version restarts the period; the old one still judges
        // days before it.
        f.update_months = None;
        f.versions.push((date(2026, 7, 1), true));
        assert_eq!(
            f.freshness(date(2026, 8, 1)),
            Current(Some(date(2027, 1, 1)))
        );
        assert_eq!(
            f.freshness(date(2026, 6, 30)),
            Current(Some(date(2026, 7, 15)))
        );
        // Withdrawn: absent from that day.
        f.withdrawn_on = Some(date(2026, 9, 1));
        assert_eq!(f.freshness(date(2026, 9, 1)), Absent);
        assert_eq!(
            f.freshness(date(2026, 8, 31)),
            Current(Some(date(2027, 1, 1)))
        );
        // Setiap saat entries never go stale.
        let t = facts(InformationKind::SetiapSaat, &[], &[(jan, false)]);
        assert_eq!(t.freshness(date(2030, 1, 1)), Current(None));
    }

    #[test]
    fn coverage_counts_items_staleness_and_online_share() {
        let c = Checklist::default_for(2026);
        let day = date(2026, 12, 1);
        let all: Vec<EntryFacts> = c
            .obligatory()
            .map(|i| facts(i.kind, &[i.code.as_str()], &[(date(2026, 11, 1), true)]))
            .collect();
        let full = coverage(&c, "/pemda/opd/", &all, day);
        assert_eq!(full.jenis_informasi(), 100.0);
        assert_eq!(full.digitalisasi(), 100.0);
        assert!(full.stale.is_empty());

        // Two items missing, one berkala entry stale, one entry offline.
        let mut some = all.clone();
        some.retain(|e| {
            e.items[0] != "berkala.pengadaan" && e.items[0] != "setiap_saat.penelitian"
        });
        let k = some
            .iter()
            .position(|e| e.items[0] == "berkala.kinerja")
            .unwrap();
        some[k].versions = vec![(date(2026, 3, 1), false)];
        let cov = coverage(&c, "/pemda/opd/", &some, day);
        let n = c.obligatory().count() as f64;
        assert!((cov.jenis_informasi() - 100.0 * (n - 2.0 - 0.5) / n).abs() < 1e-9);
        assert_eq!(cov.published, n as i64 - 2);
        assert_eq!(cov.online, n as i64 - 3);
        let why = cov.explain_jenis();
        assert!(
            why.contains("missing: berkala.pengadaan, setiap_saat.penelitian"),
            "{why}"
        );
        assert!(
            why.contains("berkala.kinerja (update due 2026-09-01)"),
            "{why}"
        );
        assert_eq!(cov.stale.len(), 1);

        // Entries of agencies off the path do not count; a Pemda's do.
        let mut pemda = all.clone();
        for e in &mut pemda {
            e.agency_id = "pemda".into();
        }
        let via_pemda = coverage(&c, "/pemda/opd/", &pemda, day);
        assert_eq!(via_pemda.jenis_informasi(), 100.0);
        assert!(
            via_pemda.items.iter().all(|i| i.entries[0].0 == "pemda"),
            "an OPD's coverage names the Pemda's entries as the Pemda's"
        );
        assert_eq!(
            coverage(&c, "/pemda/other/", &all, day).jenis_informasi(),
            0.0
        );
        assert!(!coverage(&c, "/pemda/other/", &all, day).kept());
        assert!(
            coverage(&c, "/pemda/other/", &all, day)
                .computed()
                .is_empty()
        );
    }

    #[test]
    fn entries_are_checked_against_the_checklist() {
        let c = Checklist::default_for(2026);
        let base = Entry {
            id: Uuid::now_v7(),
            agency_id: "opd".into(),
            number: 1,
            summary: "Laporan keuangan".into(),
            holding_unit: "Sekretariat".into(),
            responsible: "Kepala".into(),
            production_place: None,
            softcopy: true,
            hardcopy: false,
            retention: "5 tahun".into(),
            kind: InformationKind::Berkala,
            items: vec!["berkala.laporan_keuangan".into()],
            update_months: Some(6),
            event_date: None,
            exemption: None,
            opened_by: None,
            versions: Vec::new(),
            withdrawn: None,
            create_time: Timestamp::UNIX_EPOCH,
        };
        assert!(check_entry("entry", &base, &c).is_empty());
        type Change = Box<dyn Fn(&mut Entry)>;
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|e| e.items = vec!["berkala.unknown".into()]),
                "entry.items[0]",
            ),
            (
                Box::new(|e| e.items = vec!["setiap_saat.dip".into()]),
                "entry.items[0]",
            ),
            (
                Box::new(|e| e.update_months = Some(7)),
                "entry.update_period_months",
            ),
            (
                Box::new(|e| e.update_months = Some(0)),
                "entry.update_period_months",
            ),
            (
                Box::new(|e| {
                    e.kind = InformationKind::SetiapSaat;
                    e.items = vec![];
                }),
                "entry.update_period_months",
            ),
            (
                Box::new(|e| {
                    e.kind = InformationKind::SertaMerta;
                    e.items = vec![];
                    e.update_months = None;
                }),
                "entry.event_date",
            ),
            (
                Box::new(|e| e.event_date = Some(date(2026, 1, 1))),
                "entry.event_date",
            ),
            (
                Box::new(|e| e.items = vec!["berkala.kinerja".into(), "berkala.kinerja".into()]),
                "entry.items[1]",
            ),
        ];
        for (change, field) in cases {
            let mut e = base.clone();
            change(&mut e);
            let p = check_entry("entry", &e, &c);
            assert!(p.iter().any(|(f, _)| f == field), "{field}: {p:?}");
        }
    }

    #[test]
    fn versions_are_checked() {
        let today = date(2026, 6, 1);
        let mut e = Entry {
            id: Uuid::now_v7(),
            agency_id: "opd".into(),
            number: 1,
            summary: "s".into(),
            holding_unit: "u".into(),
            responsible: "r".into(),
            production_place: None,
            softcopy: true,
            hardcopy: true,
            retention: "".into(),
            kind: InformationKind::SertaMerta,
            items: vec![],
            update_months: None,
            event_date: Some(date(2026, 5, 10)),
            exemption: None,
            opened_by: None,
            versions: vec![],
            withdrawn: None,
            create_time: Timestamp::UNIX_EPOCH,
        };
        let v = |d: Date, url: Option<&str>| Version {
            number: 1,
            publish_date: d,
            url: url.map(String::from),
            location: None,
            note: None,
            create_time: Timestamp::UNIX_EPOCH,
        };
        let ok = v(date(2026, 5, 11), Some("https://ppid.example.go.id/banjir"));
        assert_eq!(check_version("version", &e, &ok, today), (vec![], vec![]));
        for (bad, field) in [
            (
                v(date(2026, 5, 11), Some("ftp://x.example/a")),
                "version.url",
            ),
            (
                v(date(2026, 5, 11), Some("javascript:alert(1)")),
                "version.url",
            ),
            (v(date(2026, 5, 11), Some("https:///nohost")), "version.url"),
            (v(date(2026, 5, 11), None), "version.url"),
            (
                v(date(2026, 6, 2), Some("http://a.example")),
                "version.publish_date",
            ),
            (
                v(date(2026, 5, 9), Some("http://a.example")),
                "version.publish_date",
            ),
        ] {
            let (inv, pre) = check_version("version", &e, &bad, today);
            assert!(pre.is_empty());
            assert!(inv.iter().any(|(f, _)| f == field), "{field}: {inv:?}");
        }
        e.versions
            .push(v(date(2026, 5, 20), Some("http://a.example")));
        let (inv, pre) = check_version(
            "version",
            &e,
            &v(date(2026, 5, 19), Some("http://a.example")),
            today,
        );
        assert!(inv.is_empty());
        assert_eq!(pre[0].0, "version.publish_date");
    }
}
