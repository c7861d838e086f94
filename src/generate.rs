//! A realistic year of requests for benchmarks (`ppid generate`): Pemdas with
//! their OPDs, DIK entries, requests with the outcome mix, times, extensions,
//! deliveries and rejections of a busy PPID, then objections and disputes
//! through the ordinary use cases. Requests are bulk-loaded; their figures
//! come from the same contribution rules as live changes.
use std::collections::HashMap;

use anyhow::Context;
use jiff::{Timestamp, civil::Date};
use rand::{Rng, SeedableRng, rngs::StdRng};
use uuid::Uuid;

use crate::{
    app::{
        App,
        objections::{ObjectionDecisionInput, ObjectionFiling},
    },
    clock::ManualClock,
    domain::dip,
    domain::{
        AccessMethod, AgencyKind, Channel, CopyForm, DecisionExtent, DeliveryMethod,
        ExemptionLetter, ObjectionDecision, ObjectionGround, Outcome, RequestState, RequesterType,
        agency::{Agency, NewAgency},
        calendar::{WorkingCalendar, builtin_holidays},
        deadline::{self, DeadlineRule},
        exemption::{Citation, Exemption},
        request::{self, Extension, Notice, Request, Requester},
        stats::{self, Contributions},
        time,
    },
    store::Store,
};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Requests in all.
    pub requests: usize,
    /// Pemdas (top-level).
    pub pemdas: usize,
    /// OPDs under each Pemda.
    pub opds_per_pemda: usize,
    /// The year received.
    pub year: i16,
    /// Random seed (same seed, same data).
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Summary {
    /// Agencies created.
    pub agencies: usize,
    /// Requests loaded.
    pub requests: usize,
    /// Objections filed.
    pub objections: usize,
    /// Disputes filed.
    pub disputes: usize,
    /// DIP entries published.
    pub dip_entries: usize,
}

/// An agency's DIP as offices keep them: most obligatory items published
/// (about one in eight missing), berkala ones updated through the year with
/// about one in five left past its period, four in five online.
fn dip_of(rng: &mut StdRng, a: &Agency, year: i16, now: Timestamp) -> Vec<dip::Entry> {
    let checklist = dip::Checklist::default_for(year);
    // Judged at the generated year's end (or today, if it runs): a ranking
    // of that year finds the DIP as it stood then.
    let today = crate::domain::time::local_date(now, &a.tz())
        .min(Date::new(year, 12, 31).unwrap_or(Date::MAX));
    let start = Date::new(year - 1, 1, 1).unwrap_or(today);
    let mut out = Vec::new();
    for item in checklist.obligatory() {
        if rng.random_range(0..8) == 0 {
            continue;
        }
        let stale =
            item.kind == crate::domain::InformationKind::Berkala && rng.random_range(0..5) == 0;
        // The latest version: within the last six months, or (stale) before.
        let latest = if stale {
            today
                .checked_sub(jiff::Span::new().days(190 + rng.random_range(0..200)))
                .unwrap_or(start)
        } else {
            today
                .checked_sub(jiff::Span::new().days(rng.random_range(0..170)))
                .unwrap_or(today)
        };
        let mut dates = vec![latest];
        for _ in 0..rng.random_range(0..3) {
            let earlier = dates[0]
                .checked_sub(jiff::Span::new().days(rng.random_range(30..180)))
                .unwrap_or(start);
            dates.insert(0, earlier);
        }
        let online = rng.random_range(0..5) != 0;
        let slug = item.code.replace('.', "/");
        out.push(dip::Entry {
            id: Uuid::now_v7(),
            agency_id: a.id.clone(),
            number: 0,
            summary: format!("{} {}", item.title, a.display_name),
            holding_unit: format!("Sekretariat {}", a.display_name),
            responsible: format!("PPID {}", a.display_name),
            production_place: Some(a.display_name.clone()),
            softcopy: online,
            hardcopy: true,
            retention: "5 tahun".into(),
            kind: item.kind,
            items: vec![item.code.clone()],
            update_months: (item.kind == crate::domain::InformationKind::Berkala).then_some(6),
            event_date: None,
            exemption: None,
            opened_by: None,
            versions: dates
                .iter()
                .enumerate()
                .map(|(i, d)| dip::Version {
                    number: i as i32 + 1,
                    publish_date: *d,
                    url: online.then(|| format!("https://ppid.{}.go.id/{slug}/{}", a.id, i + 1)),
                    location: Some(format!("Meja layanan PPID {}", a.display_name)),
                    note: None,
                    create_time: now,
                })
                .collect(),
            withdrawn: None,
            create_time: now,
        });
    }
    out
}

/// What people ask for, in the words of real requests: a document, a
/// subject, sometimes a place and a year, so that search benchmarks find
/// some words in many requests and others in few.
fn request_text(rng: &mut StdRng) -> String {
    const DOCUMENTS: [&str; 10] = [
        "Salinan",
        "Dokumen",
        "Data",
        "Laporan",
        "Daftar",
        "Rekapitulasi",
        "Rincian",
        "Surat keputusan tentang",
        "Notulen rapat tentang",
        "Kontrak",
    ];
    const SUBJECTS: [&str; 30] = [
        "anggaran dan realisasi kegiatan",
        "pengadaan barang dan jasa",
        "penerima bantuan sosial",
        "izin mendirikan bangunan",
        "perbaikan jalan lingkungan",
        "kualitas air sungai",
        "jumlah tenaga kesehatan di puskesmas",
        "penerimaan peserta didik baru",
        "penyaluran dana desa",
        "hasil pemeriksaan BPK",
        "pembangunan pasar rakyat",
        "program penurunan stunting",
        "beasiswa daerah",
        "retribusi parkir",
        "rencana tata ruang wilayah",
        "perjalanan dinas pejabat",
        "pengelolaan sampah dan TPA",
        "penanganan banjir",
        "imunisasi anak",
        "bantuan modal UMKM",
        "honorarium tenaga non-ASN",
        "inventaris aset daerah",
        "pajak hotel dan restoran",
        "analisis dampak lingkungan (AMDAL) kawasan industri",
        "rekrutmen pegawai pemerintah",
        "hibah kepada organisasi kemasyarakatan",
        "subsidi pupuk bagi petani",
        "ketersediaan obat di rumah sakit daerah",
        "perawatan penerangan jalan umum",
        "pengaduan pelayanan publik",
    ];
    const PLACES: [&str; 12] = [
        "Kecamatan Cipocok Jaya",
        "Kecamatan Taktakan",
        "Kecamatan Kasemen",
        "Kecamatan Walantaka",
        "Kecamatan Curug",
        "Kecamatan Serang",
        "Desa Sukamaju",
        "Kelurahan Sumurpecung",
        "Kelurahan Lontar Baru",
        "wilayah pesisir",
        "kawasan perkotaan",
        "seluruh kecamatan",
    ];
    let mut text = format!(
        "{} {}",
        DOCUMENTS[rng.random_range(0..DOCUMENTS.len())],
        SUBJECTS[rng.random_range(0..SUBJECTS.len())]
    );
    if rng.random_bool(0.5) {
        text.push_str(" di ");
        text.push_str(PLACES[rng.random_range(0..PLACES.len())]);
    }
    if rng.random_bool(0.7) {
        text.push_str(&format!(" tahun {}", rng.random_range(2019..=2026)));
    }
    text
}

/// A requester's name (personal data, searched only by those who may see it).
fn requester_name(rng: &mut StdRng) -> String {
    const FIRST: [&str; 16] = [
        "Siti", "Budi", "Dewi", "Agus", "Rina", "Ahmad", "Nur", "Eko", "Sri", "Hendra", "Wahyu",
        "Fitri", "Yusuf", "Ratna", "Dedi", "Indah",
    ];
    const LAST: [&str; 16] = [
        "Rahayu",
        "Santoso",
        "Lestari",
        "Hidayat",
        "Susanti",
        "Saputra",
        "Wulandari",
        "Kurniawan",
        "Pratama",
        "Handayani",
        "Setiawan",
        "Nugroho",
        "Maharani",
        "Gunawan",
        "Permata",
        "Sulaiman",
    ];
    format!(
        "{} {}",
        FIRST[rng.random_range(0..FIRST.len())],
        LAST[rng.random_range(0..LAST.len())]
    )
}

fn pick<T: Copy>(rng: &mut StdRng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (v, w) in weighted {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    weighted[0].0
}

/// Working days added to a date, cached (the same few hundred dates recur).
struct Days {
    cal: WorkingCalendar,
    cache: HashMap<(Date, i32), Date>,
}

impl Days {
    fn add(&mut self, d: Date, n: i32) -> anyhow::Result<Date> {
        if let Some(x) = self.cache.get(&(d, n)) {
            return Ok(*x);
        }
        let due = deadline::add_working_days(&self.cal, d, n)?.due;
        self.cache.insert((d, n), due);
        Ok(due)
    }
}

/// Fills `store` with `plan`, reporting progress through `progress(done)`.
pub async fn generate(
    store: std::sync::Arc<dyn Store>,
    plan: &Plan,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<Summary> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let now = Timestamp::now();
    // The ordinary use cases, on a clock set to each generated step's time.
    let clock = ManualClock::new(now);
    let app = App::new(store.clone(), std::sync::Arc::new(clock.clone()));
    let mut summary = Summary::default();
    let zones = [
        "Asia/Jakarta",
        "Asia/Jakarta",
        "Asia/Jakarta",
        "Asia/Makassar",
        "Asia/Jayapura",
    ];
    let mut agencies: Vec<Agency> = Vec::new();
    let mut dik: HashMap<String, Vec<Exemption>> = HashMap::new();
    for p in 0..plan.pemdas {
        let pemda_id = format!("pemda-{:02}", p + 1);
        let pemda = app
            .create_agency(NewAgency {
                id: pemda_id.clone(),
                display_name: format!("Pemerintah Daerah {:02}", p + 1),
                kind: AgencyKind::Pemda,
                parent_id: None,
                time_zone: zones[p % zones.len()].into(),
                comparison_group: None,
            })
            .await
            .with_context(|| format!("creating {pemda_id} (generate into an empty database)"))?;
        agencies.push(pemda.clone());
        for o in 0..plan.opds_per_pemda {
            let a = app
                .create_agency(NewAgency {
                    id: format!("{pemda_id}-opd-{:02}", o + 1),
                    display_name: format!("OPD {:02} of Pemda {:02}", o + 1, p + 1),
                    kind: AgencyKind::Opd,
                    parent_id: Some(pemda_id.clone()),
                    time_zone: pemda.time_zone.clone(),
                    comparison_group: None,
                })
                .await?;
            agencies.push(a);
        }
        let decree = Date::new(plan.year - 1, 12, 1)?;
        for (letter, end) in [
            (ExemptionLetter::H, None),
            (ExemptionLetter::I, None),
            (ExemptionLetter::A, Some(Date::new(plan.year + 1, 12, 31)?)),
        ] {
            let e = app
                .create_exemption(Exemption {
                    id: Uuid::now_v7(),
                    agency_id: pemda_id.clone(),
                    information: format!("Informasi dikecualikan huruf {letter}"),
                    letter,
                    category: crate::domain::InformationCategory::General,
                    sub_item: None,
                    other_law: None,
                    harm: "Membuka informasi ini merugikan kepentingan yang dilindungi Pasal 17"
                        .into(),
                    public_interest_test: "Kepentingan yang dilindungi lebih besar".into(),
                    decree_number: format!("SK PPID {pemda_id} 1/{}", plan.year),
                    decree_date: decree,
                    start_date: decree,
                    end_date: end,
                    decided_by: "PPID Utama".into(),
                    revoked: None,
                    create_time: now,
                })
                .await?;
            dik.entry(pemda_id.clone()).or_default().push(e);
        }
    }
    summary.agencies = agencies.len();
    for a in &agencies {
        let entries = dip_of(&mut rng, a, plan.year, now);
        summary.dip_entries += app.load_dip_entries(entries, "generator").await?;
    }

    // Busy OPDs get more requests than quiet ones.
    let weights: Vec<(usize, u32)> = agencies
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                i,
                if a.kind == AgencyKind::Pemda {
                    6
                } else {
                    1 + (i as u32 * 7) % 9
                },
            )
        })
        .collect();
    let zone_of: HashMap<String, jiff::tz::TimeZone> =
        agencies.iter().map(|a| (a.id.clone(), a.tz())).collect();
    let mut days = Days {
        cal: WorkingCalendar::new(
            builtin_holidays(),
            crate::domain::calendar::DECREE_YEARS.iter().copied(),
            false,
        ),
        cache: HashMap::new(),
    };
    let mut numbers: HashMap<String, i64> = HashMap::new();
    let mut cells = Contributions::new();
    let mut batch: Vec<(Request, String)> = Vec::with_capacity(10_000);
    let mut candidates: Vec<Request> = Vec::new();
    let year_start = Date::new(plan.year, 1, 1)?;
    let last_day = Date::new(plan.year, 12, 31)?;
    // Requests are filed in order of receipt, as a real register fills: rows,
    // ids and registration numbers follow the clock. (Drawn first, then
    // sorted; the draw order breaks ties.)
    let mut arrivals: Vec<(Timestamp, usize, Date)> = Vec::with_capacity(plan.requests);
    for _ in 0..plan.requests {
        let agency = pick(&mut rng, &weights);
        let tz = &zone_of[&agencies[agency].id];
        // A working day of the year, office hours.
        let mut day = year_start.checked_add(jiff::Span::new().days(rng.random_range(0..365)))?;
        while !days.cal.is_working_day(day) {
            day = day.tomorrow()?;
        }
        let day = day.min(last_day);
        let local = day.to_datetime(jiff::civil::Time::new(
            rng.random_range(8..16),
            rng.random_range(0..60),
            0,
            0,
        )?);
        arrivals.push((tz.to_timestamp(local)?, agency, day));
    }
    arrivals.sort_by_key(|&(receive_time, ..)| receive_time);
    for (i, (receive_time, agency, day)) in arrivals.into_iter().enumerate() {
        let a = &agencies[agency];
        let tz = &zone_of[&a.id];
        let original_due = days.add(day, DeadlineRule::Response.working_days())?;
        let seq = numbers.entry(a.pemda_id.clone()).or_insert(0);
        *seq += 1;
        let late_in_year = day.month() == 12 && day.day() > 10;
        let fate = pick(
            &mut rng,
            &[
                ("decided", 96),
                ("pending", if late_in_year { 200 } else { 2 }),
                ("withdrawn", 1),
            ],
        );
        let mut r = Request {
            id: Uuid::now_v7(),
            registration_number: request::registration_number(&a.pemda_id, plan.year, *seq),
            agency_id: a.id.clone(),
            receiving_agency_id: a.id.clone(),
            pemda_id: a.pemda_id.clone(),
            requester: Requester {
                full_name: requester_name(&mut rng),
                kind: pick(
                    &mut rng,
                    &[
                        (RequesterType::Individual, 85),
                        (RequesterType::Group, 5),
                        (RequesterType::LegalEntity, 10),
                    ],
                ),
                nik: Some(format!("{:016}", 3_600_000_000_000_000_u64 + i as u64)),
                legal_entity_registration: None,
                address: format!("Jl. Contoh No. {}", i % 200),
                phone: Some(format!("0812{:08}", i % 100_000_000)),
                email: None,
                occupation: Some("Wiraswasta".into()),
                proxy: None,
            },
            information_requested: request_text(&mut rng),
            purpose: "Pengawasan publik".into(),
            access_method: AccessMethod::Copy,
            copy_form: Some(CopyForm::Softcopy),
            delivery_method: DeliveryMethod::Email,
            channel: pick(
                &mut rng,
                &[
                    (Channel::WebForm, 55),
                    (Channel::WalkIn, 20),
                    (Channel::Email, 15),
                    (Channel::Letter, 5),
                    (Channel::AgencyPortal, 5),
                ],
            ),
            receive_time,
            state: RequestState::Pending,
            clock_start_date: day,
            original_due_date: Some(original_due),
            due_date: Some(original_due),
            due_end_time: time::end_of_day(original_due, tz),
            extension: None,
            notice: None,
            deliver_time: None,
            deliver_working_days: None,
            withdraw_time: None,
            create_time: receive_time,
            update_time: receive_time,
            return_time: None,
            notice_receipt_date: None,
            first_notice: None,
            personal_information_basis: None,
            version: 1,
        };
        match fate {
            "withdrawn" => {
                r.state = RequestState::Withdrawn;
                r.withdraw_time =
                    Some(receive_time.checked_add(jiff::SignedDuration::from_hours(48))?);
            }
            "decided" => {
                let taken = pick(
                    &mut rng,
                    &[
                        (0, 8),
                        (1, 10),
                        (2, 12),
                        (3, 12),
                        (5, 15),
                        (7, 12),
                        (9, 10),
                        (12, 6),
                        (16, 5),
                        (20, 5),
                        (30, 3),
                        (60, 2),
                    ],
                );
                let extended =
                    taken > DeadlineRule::Response.working_days() || rng.random_bool(0.03);
                if extended {
                    let due = days.add(original_due, DeadlineRule::Extension.working_days())?;
                    r.extension = Some(Extension {
                        reason: "Informasi perlu dihimpun dari beberapa bidang".into(),
                        extend_time: tz.to_timestamp(
                            original_due.to_datetime(jiff::civil::Time::new(9, 0, 0, 0)?),
                        )?,
                        previous_due_date: original_due,
                    });
                    r.due_date = Some(due);
                    r.due_end_time = time::end_of_day(due, tz);
                }
                let notice_day = if taken == 0 {
                    day
                } else {
                    days.add(day, taken)?
                };
                let notice_time =
                    tz.to_timestamp(notice_day.to_datetime(jiff::civil::Time::new(15, 30, 0, 0)?))?;
                let outcome = pick(
                    &mut rng,
                    &[
                        (Outcome::Granted, 62),
                        (Outcome::PartiallyGranted, 12),
                        (Outcome::Rejected, 6),
                        (Outcome::NotHeld, 12),
                        (Outcome::NotYetDocumented, 8),
                    ],
                );
                let mut citations = Vec::new();
                let mut letters = Vec::new();
                let mut unregistered = false;
                if outcome.withholds() {
                    if rng.random_bool(0.92) {
                        let entries = &dik[&a.pemda_id];
                        let e = &entries[rng.random_range(0..entries.len())];
                        citations.push(Citation {
                            exemption_id: e.id,
                            agency_id: e.agency_id.clone(),
                            letter: e.letter,
                        });
                        letters.push(e.letter);
                    } else {
                        unregistered = true;
                        letters.push(ExemptionLetter::C);
                    }
                }
                // Drawn for every notice (the same data as before), charged
                // only where information is given (Pasal 21: no fee on a
                // notice that gives nothing).
                let fee = if rng.random_bool(0.05) { 25_000 } else { 0 };
                let due = r.due_date.expect("set");
                // The default delivery date (lifecycle::delivery_due).
                let delivery_due_date = if outcome.gives_information() {
                    Some(due.max(days.add(
                        notice_day,
                        crate::domain::lifecycle::DEFAULT_DELIVERY_WORKING_DAYS,
                    )?))
                } else {
                    None
                };
                r.state = RequestState::Responded;
                r.notice = Some(Notice {
                    outcome,
                    notice_text: "Pemberitahuan tertulis".into(),
                    exemption_letters: letters,
                    withheld_parts: (outcome == Outcome::PartiallyGranted)
                        .then(|| "Data pribadi dihitamkan".into()),
                    holder: None,
                    fee_rupiah: if outcome.gives_information() { fee } else { 0 },
                    fee_items: Vec::new(),
                    fee_tariff: None,
                    payment_method: None,
                    delivery_method: Some(DeliveryMethod::Email),
                    format: Some("PDF".into()),
                    notice_time,
                    working_days_taken: taken,
                    on_time: notice_day <= due,
                    citations,
                    unregistered_basis: unregistered,
                    delivery_due_date,
                    delivery_due_end_time: delivery_due_date.and_then(|d| time::end_of_day(d, tz)),
                });
                r.update_time = notice_time;
                r.version = 2;
                if outcome.gives_information() && rng.random_bool(0.75) {
                    let later = rng.random_range(0..4);
                    let deliver_day = if later == 0 {
                        notice_day
                    } else {
                        days.add(notice_day, later)?
                    };
                    r.state = RequestState::Delivered;
                    r.deliver_time = Some(tz.to_timestamp(
                        deliver_day.to_datetime(jiff::civil::Time::new(16, 0, 0, 0)?),
                    )?);
                    r.deliver_working_days = Some(taken + later);
                }
                if (outcome == Outcome::Rejected || !notice_day.le(&due))
                    && rng.random_bool(0.15)
                    && notice_day.month() < 11
                {
                    candidates.push(r.clone());
                }
            }
            _ => {}
        }
        // The bulk load stores two events (submission, notice): version matches.
        for (k, v) in stats::request_contributions(&r, tz) {
            *cells.entry(k).or_insert(0) += v;
        }
        batch.push((r, a.path.clone()));
        if batch.len() == 10_000 {
            store.load_requests(&batch, &[]).await?;
            summary.requests += batch.len();
            progress(summary.requests);
            batch.clear();
        }
    }
    let counters: Vec<(String, i16, i64)> = numbers
        .into_iter()
        .map(|(p, n)| (p, plan.year, n))
        .collect();
    store.load_requests(&batch, &counters).await?;
    summary.requests += batch.len();
    progress(summary.requests);
    store.add_cells(&cells).await?;

    // Objections and disputes go through the ordinary use cases.
    for r in candidates {
        let n = r.notice.as_ref().expect("candidates are answered");
        let ground = if n.outcome == Outcome::Rejected {
            ObjectionGround::Rejected
        } else {
            ObjectionGround::AnsweredLate
        };
        let filed = n
            .notice_time
            .checked_add(jiff::SignedDuration::from_hours(72))?;
        clock.set(filed);
        let o = match app
            .file_objection(
                ObjectionFiling {
                    id: Uuid::now_v7(),
                    request_id: Some(r.id),
                    agency_id: None,
                    grounds: vec![ground],
                    statement: "Keberatan pemohon".into(),
                    unpublished_information: None,
                    unpublished_dip_entry: None,
                    unpublished_item: None,
                    file_time: Some(filed),
                },
                "generator",
            )
            .await
        {
            Ok(o) => o,
            Err(_) => continue,
        };
        summary.objections += 1;
        let decided = filed.checked_add(jiff::SignedDuration::from_hours(
            24 * rng.random_range(3..40),
        ))?;
        let decision = if rng.random_bool(0.3) {
            ObjectionDecision::Overturned
        } else {
            ObjectionDecision::Upheld
        };
        let input = ObjectionDecisionInput {
            decision,
            extent: DecisionExtent::Wholly,
            reasons: Some("Sesuai Pasal 17".into()),
            superior_name: "Sekretaris Daerah".into(),
            superior_position: "Atasan PPID".into(),
            decide_time: Some(decided),
            // Overturning an unreasonable fee halves it.
            corrected_fee_rupiah: (decision == ObjectionDecision::Overturned
                && ground == ObjectionGround::UnreasonableFee)
                .then_some(n.fee_rupiah / 2),
        };
        clock.set(decided);
        if app
            .decide_objection(o.id, input, "generator")
            .await
            .is_err()
        {
            continue;
        }
        if decision == ObjectionDecision::Upheld && rng.random_bool(0.2) {
            let t = decided.checked_add(jiff::SignedDuration::from_hours(48))?;
            clock.set(t);
            if app
                .file_dispute(Uuid::now_v7(), o.id, Some(t), None, "generator")
                .await
                .is_ok()
            {
                summary.disputes += 1;
            }
        }
    }
    Ok(summary)
}
