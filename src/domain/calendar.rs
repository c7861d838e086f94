//! Working-day calendar (hari kerja) for the UU KIP clock.
//!
//! Government offices work Monday to Friday (Perpres 21/2023). National holidays and
//! cuti bersama are set every year by a joint decree of three ministers (SKB 3 Menteri) and
//! are amended during the year, so holiday lists are data, not code: [`builtin_holidays`] is
//! only a seed for the years in [`DECREE_YEARS`]. Regional holidays are added by the caller
//! per agency; the calendar only sees the list it is given.
//!
//! "Which day" is always the agency's local civil date (WIB/WITA/WIT); converting an instant
//! into that date is the caller's job.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Weekday};

/// What kind of day off a [`Holiday`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HolidayKind {
    /// Hari libur nasional, set by the SKB 3 Menteri.
    National,
    /// Cuti bersama (SKB 3 Menteri): collective leave. Whether it stops the KIP clock is not
    /// settled by any ruling, so it is a deployment setting (default: it does).
    CutiBersama,
    /// A holiday of one region or agency only (hari libur daerah).
    Regional,
}

impl HolidayKind {
    /// Stable snake_case name, used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            HolidayKind::National => "national",
            HolidayKind::CutiBersama => "cuti_bersama",
            HolidayKind::Regional => "regional",
        }
    }

    /// Inverse of [`HolidayKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "national" => Some(HolidayKind::National),
            "cuti_bersama" => Some(HolidayKind::CutiBersama),
            "regional" => Some(HolidayKind::Regional),
            _ => None,
        }
    }

    /// Prefix used in human-readable reasons, e.g. "national holiday: Hari Raya Natal".
    fn label(self) -> &'static str {
        match self {
            HolidayKind::National => "national holiday",
            HolidayKind::CutiBersama => "cuti bersama",
            HolidayKind::Regional => "regional holiday",
        }
    }
}

/// One day off on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    pub name: String,
    pub kind: HolidayKind,
}

impl Holiday {
    pub fn new(date: Date, name: impl Into<String>, kind: HolidayKind) -> Self {
        Holiday {
            date,
            name: name.into(),
            kind,
        }
    }

    /// "national holiday: Hari Raya Natal".
    pub fn describe(&self) -> String {
        format!("{}: {}", self.kind.label(), self.name)
    }
}

/// Years for which [`builtin_holidays`] carries the full SKB 3 Menteri list.
pub const DECREE_YEARS: &[i16] = &[2025, 2026];

/// National holidays that fall on the same civil date every year. Used for years whose
/// decree is not loaded, so that far-off deadlines at least skip these.
const FIXED_DATES: &[(i8, i8, &str)] = &[
    (1, 1, "Tahun Baru Masehi"),
    (5, 1, "Hari Buruh Internasional"),
    (6, 1, "Hari Lahir Pancasila"),
    (8, 17, "Hari Kemerdekaan Republik Indonesia"),
    (12, 25, "Hari Raya Natal"),
];

/// The fixed-date national holidays (1 Jan, 1 May, 1 Jun, 17 Aug, 25 Dec) of `year`.
/// Empty for a year outside what `jiff` supports.
pub fn fixed_date_holidays(year: i16) -> Vec<Holiday> {
    FIXED_DATES
        .iter()
        .filter_map(|&(month, day, name)| {
            let date = Date::new(year, month, day).ok()?;
            Some(Holiday::new(date, name, HolidayKind::National))
        })
        .collect()
}

/// Holidays of the SKB 3 Menteri for 2025 and 2026 (with the 2025 amendment adding cuti
/// bersama on 18 Aug), sorted by date. Seed data: deployments must be able to edit it,
/// e.g. when the sidang isbat moves an Islamic holiday.
pub fn builtin_holidays() -> Vec<Holiday> {
    use HolidayKind::{CutiBersama as C, National as N};
    const MOVABLE: &[(i16, i8, i8, &str, HolidayKind)] = &[
        // 2025
        (2025, 1, 27, "Isra Mikraj Nabi Muhammad SAW", N),
        (
            2025,
            1,
            28,
            "Cuti Bersama Tahun Baru Imlek 2576 Kongzili",
            C,
        ),
        (2025, 1, 29, "Tahun Baru Imlek 2576 Kongzili", N),
        (
            2025,
            3,
            28,
            "Cuti Bersama Hari Suci Nyepi (Tahun Baru Saka 1947)",
            C,
        ),
        (2025, 3, 29, "Hari Suci Nyepi (Tahun Baru Saka 1947)", N),
        (2025, 3, 31, "Idul Fitri 1446 H", N),
        (2025, 4, 1, "Idul Fitri 1446 H", N),
        (2025, 4, 2, "Cuti Bersama Idul Fitri 1446 H", C),
        (2025, 4, 3, "Cuti Bersama Idul Fitri 1446 H", C),
        (2025, 4, 4, "Cuti Bersama Idul Fitri 1446 H", C),
        (2025, 4, 7, "Cuti Bersama Idul Fitri 1446 H", C),
        (2025, 4, 18, "Wafat Yesus Kristus", N),
        (2025, 4, 20, "Kebangkitan Yesus Kristus (Paskah)", N),
        (2025, 5, 12, "Hari Raya Waisak 2569 BE", N),
        (2025, 5, 13, "Cuti Bersama Hari Raya Waisak 2569 BE", C),
        (2025, 5, 29, "Kenaikan Yesus Kristus", N),
        (2025, 5, 30, "Cuti Bersama Kenaikan Yesus Kristus", C),
        (2025, 6, 6, "Idul Adha 1446 H", N),
        (2025, 6, 9, "Cuti Bersama Idul Adha 1446 H", C),
        (2025, 6, 27, "Tahun Baru Islam 1447 H", N),
        (
            2025,
            8,
            18,
            "Cuti Bersama Hari Kemerdekaan Republik Indonesia",
            C,
        ),
        (2025, 9, 5, "Maulid Nabi Muhammad SAW", N),
        (2025, 12, 26, "Cuti Bersama Hari Raya Natal", C),
        // 2026
        (2026, 1, 16, "Isra Mikraj Nabi Muhammad SAW", N),
        (
            2026,
            2,
            16,
            "Cuti Bersama Tahun Baru Imlek 2577 Kongzili",
            C,
        ),
        (2026, 2, 17, "Tahun Baru Imlek 2577 Kongzili", N),
        (
            2026,
            3,
            18,
            "Cuti Bersama Hari Suci Nyepi (Tahun Baru Saka 1948)",
            C,
        ),
        (2026, 3, 19, "Hari Suci Nyepi (Tahun Baru Saka 1948)", N),
        (2026, 3, 20, "Cuti Bersama Idul Fitri 1447 H", C),
        (2026, 3, 21, "Idul Fitri 1447 H", N),
        (2026, 3, 22, "Idul Fitri 1447 H", N),
        (2026, 3, 23, "Cuti Bersama Idul Fitri 1447 H", C),
        (2026, 3, 24, "Cuti Bersama Idul Fitri 1447 H", C),
        (2026, 4, 3, "Wafat Yesus Kristus", N),
        (2026, 4, 5, "Kebangkitan Yesus Kristus (Paskah)", N),
        (2026, 5, 14, "Kenaikan Yesus Kristus", N),
        (2026, 5, 15, "Cuti Bersama Kenaikan Yesus Kristus", C),
        (2026, 5, 27, "Idul Adha 1447 H", N),
        (2026, 5, 28, "Cuti Bersama Idul Adha 1447 H", C),
        (2026, 5, 31, "Hari Raya Waisak 2570 BE", N),
        (2026, 6, 16, "Tahun Baru Islam 1448 H", N),
        (2026, 8, 25, "Maulid Nabi Muhammad SAW", N),
        (2026, 12, 24, "Cuti Bersama Hari Raya Natal", C),
    ];
    let mut all: Vec<Holiday> = DECREE_YEARS
        .iter()
        .flat_map(|&y| fixed_date_holidays(y))
        .chain(
            MOVABLE
                .iter()
                .map(|&(y, m, d, name, kind)| Holiday::new(jiff::civil::date(y, m, d), name, kind)),
        )
        .collect();
    all.sort_by_key(|h| h.date);
    all
}

/// Whether a day counts for the KIP clock, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayStatus {
    Working,
    /// Saturday or Sunday with no holiday on it.
    Weekend(Weekday),
    /// At least one holiday closes the office. `weekend` is set when the day is also a
    /// Saturday or Sunday, so both reasons can be reported.
    Holiday {
        weekend: Option<Weekday>,
        holidays: Vec<Holiday>,
    },
}

impl DayStatus {
    pub fn is_working(&self) -> bool {
        matches!(self, DayStatus::Working)
    }

    /// Human-readable reason the day does not count, e.g.
    /// "Sunday; national holiday: Hari Lahir Pancasila". `None` for a working day.
    pub fn reason(&self) -> Option<String> {
        match self {
            DayStatus::Working => None,
            DayStatus::Weekend(w) => Some(weekday_name(*w).to_string()),
            DayStatus::Holiday { weekend, holidays } => {
                let parts: Vec<String> = weekend
                    .map(|w| weekday_name(w).to_string())
                    .into_iter()
                    .chain(holidays.iter().map(Holiday::describe))
                    .collect();
                Some(parts.join("; "))
            }
        }
    }
}

/// English weekday name ("Saturday"), for explanations.
pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

fn weekend(date: Date) -> Option<Weekday> {
    let w = date.weekday();
    matches!(w, Weekday::Saturday | Weekday::Sunday).then_some(w)
}

/// The working days of one agency.
///
/// For a year whose decree is loaded, the given holidays are authoritative (a fixed-date
/// holiday deleted from the list stays deleted). For any other year the fixed-date national
/// holidays are assumed, plus whatever holidays of that year were given.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    holidays: BTreeMap<Date, Vec<Holiday>>,
    loaded_years: BTreeSet<i16>,
    cuti_bersama_is_working: bool,
}

impl WorkingCalendar {
    /// `holidays`: national, cuti bersama and regional holidays that apply to this agency.
    /// `loaded_years`: years whose holiday list was loaded explicitly.
    /// `cuti_bersama_is_working`: `false` (the default policy) means cuti bersama stops the
    /// clock because offices are closed.
    pub fn new(
        holidays: impl IntoIterator<Item = Holiday>,
        loaded_years: impl IntoIterator<Item = i16>,
        cuti_bersama_is_working: bool,
    ) -> Self {
        let mut by_date: BTreeMap<Date, Vec<Holiday>> = BTreeMap::new();
        for h in holidays {
            let on_day = by_date.entry(h.date).or_default();
            if !on_day.contains(&h) {
                on_day.push(h);
            }
        }
        WorkingCalendar {
            holidays: by_date,
            loaded_years: loaded_years.into_iter().collect(),
            cuti_bersama_is_working,
        }
    }

    /// The built-in 2025–2026 decrees, with no regional holidays.
    pub fn builtin(cuti_bersama_is_working: bool) -> Self {
        Self::new(
            builtin_holidays(),
            DECREE_YEARS.iter().copied(),
            cuti_bersama_is_working,
        )
    }

    pub fn cuti_bersama_is_working(&self) -> bool {
        self.cuti_bersama_is_working
    }

    pub fn is_decree_loaded(&self, year: i16) -> bool {
        self.loaded_years.contains(&year)
    }

    /// Every holiday on `date`, including cuti bersama that counts as a working day and the
    /// assumed fixed-date holidays of a year without a loaded decree.
    pub fn holidays_on(&self, date: Date) -> Vec<Holiday> {
        let mut out = self.holidays.get(&date).cloned().unwrap_or_default();
        if let Some(name) = self.assumed_fixed_holiday(date) {
            let h = Holiday::new(date, name, HolidayKind::National);
            if !out.contains(&h) {
                out.push(h);
            }
        }
        out
    }

    pub fn day_status(&self, date: Date) -> DayStatus {
        let weekend = weekend(date);
        let holidays: Vec<Holiday> = self
            .holidays_on(date)
            .into_iter()
            .filter(|h| self.closes_office(h.kind))
            .collect();
        match (weekend, holidays.is_empty()) {
            (None, true) => DayStatus::Working,
            (Some(w), true) => DayStatus::Weekend(w),
            (weekend, false) => DayStatus::Holiday { weekend, holidays },
        }
    }

    /// Same answer as `day_status(date).is_working()`, without allocating.
    pub fn is_working_day(&self, date: Date) -> bool {
        weekend(date).is_none()
            && self.assumed_fixed_holiday(date).is_none()
            && !self
                .holidays
                .get(&date)
                .is_some_and(|hs| hs.iter().any(|h| self.closes_office(h.kind)))
    }

    fn closes_office(&self, kind: HolidayKind) -> bool {
        kind != HolidayKind::CutiBersama || !self.cuti_bersama_is_working
    }

    /// Name of the fixed-date national holiday assumed on `date` because its year has no
    /// loaded decree.
    fn assumed_fixed_holiday(&self, date: Date) -> Option<&'static str> {
        if self.is_decree_loaded(date.year()) {
            return None;
        }
        FIXED_DATES
            .iter()
            .find(|&&(m, d, _)| date.month() == m && date.day() == d)
            .map(|&(_, _, name)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn builtin() -> WorkingCalendar {
        WorkingCalendar::builtin(false)
    }

    #[test]
    fn holiday_kind_round_trips() {
        for kind in [
            HolidayKind::National,
            HolidayKind::CutiBersama,
            HolidayKind::Regional,
        ] {
            assert_eq!(HolidayKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(HolidayKind::parse("cuti-bersama"), None);
        assert_eq!(HolidayKind::parse(""), None);
    }

    #[test]
    fn builtin_counts_match_decrees() {
        let all = builtin_holidays();
        let count = |year: i16, kind: HolidayKind| {
            all.iter()
                .filter(|h| h.date.year() == year && h.kind == kind)
                .count()
        };
        // DOMAIN.md: 17 national + 11 cuti bersama in 2025, 17 + 8 in 2026 (21–22 Mar is two days).
        assert_eq!(count(2025, HolidayKind::National), 17);
        assert_eq!(count(2025, HolidayKind::CutiBersama), 11);
        assert_eq!(count(2026, HolidayKind::National), 17);
        assert_eq!(count(2026, HolidayKind::CutiBersama), 8);
        assert!(all.windows(2).all(|w| w[0].date <= w[1].date));
        assert!(all.iter().all(|h| DECREE_YEARS.contains(&h.date.year())));
    }

    #[test]
    fn builtin_names_by_date() {
        use HolidayKind::{CutiBersama as C, National as N};
        let all = builtin_holidays();
        let cases: &[(Date, &str, HolidayKind)] = &[
            (date(2025, 1, 1), "Tahun Baru Masehi", N),
            (date(2025, 1, 27), "Isra Mikraj Nabi Muhammad SAW", N),
            (date(2025, 1, 29), "Tahun Baru Imlek 2576 Kongzili", N),
            (
                date(2025, 3, 29),
                "Hari Suci Nyepi (Tahun Baru Saka 1947)",
                N,
            ),
            (date(2025, 3, 31), "Idul Fitri 1446 H", N),
            (date(2025, 4, 1), "Idul Fitri 1446 H", N),
            (date(2025, 4, 7), "Cuti Bersama Idul Fitri 1446 H", C),
            (date(2025, 4, 18), "Wafat Yesus Kristus", N),
            (date(2025, 4, 20), "Kebangkitan Yesus Kristus (Paskah)", N),
            (date(2025, 5, 12), "Hari Raya Waisak 2569 BE", N),
            (date(2025, 5, 29), "Kenaikan Yesus Kristus", N),
            (date(2025, 6, 6), "Idul Adha 1446 H", N),
            (date(2025, 6, 27), "Tahun Baru Islam 1447 H", N),
            (
                date(2025, 8, 18),
                "Cuti Bersama Hari Kemerdekaan Republik Indonesia",
                C,
            ),
            (date(2025, 9, 5), "Maulid Nabi Muhammad SAW", N),
            (date(2025, 12, 26), "Cuti Bersama Hari Raya Natal", C),
            (date(2026, 1, 16), "Isra Mikraj Nabi Muhammad SAW", N),
            (date(2026, 2, 17), "Tahun Baru Imlek 2577 Kongzili", N),
            (
                date(2026, 3, 19),
                "Hari Suci Nyepi (Tahun Baru Saka 1948)",
                N,
            ),
            (date(2026, 3, 21), "Idul Fitri 1447 H", N),
            (date(2026, 3, 22), "Idul Fitri 1447 H", N),
            (date(2026, 3, 20), "Cuti Bersama Idul Fitri 1447 H", C),
            (date(2026, 4, 3), "Wafat Yesus Kristus", N),
            (date(2026, 4, 5), "Kebangkitan Yesus Kristus (Paskah)", N),
            (date(2026, 5, 1), "Hari Buruh Internasional", N),
            (date(2026, 5, 14), "Kenaikan Yesus Kristus", N),
            (date(2026, 5, 27), "Idul Adha 1447 H", N),
            (date(2026, 5, 31), "Hari Raya Waisak 2570 BE", N),
            (date(2026, 6, 1), "Hari Lahir Pancasila", N),
            (date(2026, 6, 16), "Tahun Baru Islam 1448 H", N),
            (date(2026, 8, 17), "Hari Kemerdekaan Republik Indonesia", N),
            (date(2026, 8, 25), "Maulid Nabi Muhammad SAW", N),
            (date(2026, 12, 24), "Cuti Bersama Hari Raya Natal", C),
            (date(2026, 12, 25), "Hari Raya Natal", N),
        ];
        for &(d, name, kind) in cases {
            let found: Vec<&Holiday> = all.iter().filter(|h| h.date == d).collect();
            assert_eq!(found.len(), 1, "{d}");
            assert_eq!((found[0].name.as_str(), found[0].kind), (name, kind), "{d}");
        }
    }

    #[test]
    fn fixed_date_holidays_of_a_year() {
        let got: Vec<Date> = fixed_date_holidays(2027).iter().map(|h| h.date).collect();
        assert_eq!(
            got,
            [
                date(2027, 1, 1),
                date(2027, 5, 1),
                date(2027, 6, 1),
                date(2027, 8, 17),
                date(2027, 12, 25)
            ]
        );
        assert!(
            fixed_date_holidays(2027)
                .iter()
                .all(|h| h.kind == HolidayKind::National)
        );
        // Outside jiff's range: nothing, no panic.
        assert!(fixed_date_holidays(i16::MAX).is_empty());
        assert_eq!(fixed_date_holidays(9999).len(), 5);
    }

    #[test]
    fn day_status_table() {
        let cal = builtin();
        // (date, working?, reason)
        let cases: &[(Date, bool, Option<&str>)] = &[
            (date(2026, 3, 17), true, None), // Tuesday
            (date(2026, 3, 14), false, Some("Saturday")),
            (date(2026, 3, 15), false, Some("Sunday")),
            (
                date(2026, 3, 18), // Wednesday
                false,
                Some("cuti bersama: Cuti Bersama Hari Suci Nyepi (Tahun Baru Saka 1948)"),
            ),
            (
                date(2026, 3, 19), // Thursday
                false,
                Some("national holiday: Hari Suci Nyepi (Tahun Baru Saka 1948)"),
            ),
            (
                date(2026, 3, 21),
                false,
                Some("Saturday; national holiday: Idul Fitri 1447 H"),
            ),
            (
                date(2025, 6, 1),
                false,
                Some("Sunday; national holiday: Hari Lahir Pancasila"),
            ),
            (
                date(2025, 8, 17),
                false,
                Some("Sunday; national holiday: Hari Kemerdekaan Republik Indonesia"),
            ),
            (date(2026, 3, 25), true, None), // first working day after Lebaran
            // 2027 has no decree: fixed dates only. 1 Jan 2027 is a Friday.
            (
                date(2027, 1, 1),
                false,
                Some("national holiday: Tahun Baru Masehi"),
            ),
            (date(2027, 1, 4), true, None), // Monday
        ];
        for &(d, working, reason) in cases {
            let status = cal.day_status(d);
            assert_eq!(status.is_working(), working, "{d}");
            assert_eq!(cal.is_working_day(d), working, "{d}");
            assert_eq!(status.reason().as_deref(), reason, "{d}");
        }
    }

    #[test]
    fn weekend_holiday_reports_both() {
        let cal = builtin();
        match cal.day_status(date(2026, 3, 22)) {
            DayStatus::Holiday { weekend, holidays } => {
                assert_eq!(weekend, Some(Weekday::Sunday));
                assert_eq!(holidays.len(), 1);
                assert_eq!(holidays[0].name, "Idul Fitri 1447 H");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            cal.day_status(date(2026, 3, 28)),
            DayStatus::Weekend(Weekday::Saturday)
        );
    }

    #[test]
    fn cuti_bersama_setting() {
        let closed = WorkingCalendar::builtin(false);
        let open = WorkingCalendar::builtin(true);
        for d in [
            date(2026, 3, 18),
            date(2026, 3, 20),
            date(2026, 3, 23),
            date(2026, 3, 24),
            date(2026, 12, 24),
            date(2025, 8, 18),
        ] {
            assert!(!closed.is_working_day(d), "{d}");
            assert!(open.is_working_day(d), "{d}");
            assert_eq!(open.day_status(d), DayStatus::Working, "{d}");
            // The holiday is still visible even when it counts as a working day.
            assert_eq!(open.holidays_on(d)[0].kind, HolidayKind::CutiBersama);
        }
        // National holidays are unaffected.
        assert!(!open.is_working_day(date(2026, 3, 19)));
    }

    #[test]
    fn several_holidays_on_one_date() {
        let cal = WorkingCalendar::new(
            [
                Holiday::new(
                    date(2026, 6, 1),
                    "Hari Lahir Pancasila",
                    HolidayKind::National,
                ),
                Holiday::new(
                    date(2026, 6, 1),
                    "Hari Jadi Kota Serang",
                    HolidayKind::Regional,
                ),
                // Exact duplicate is stored once.
                Holiday::new(
                    date(2026, 6, 1),
                    "Hari Lahir Pancasila",
                    HolidayKind::National,
                ),
            ],
            [2026],
            false,
        );
        assert_eq!(cal.holidays_on(date(2026, 6, 1)).len(), 2);
        assert_eq!(
            cal.day_status(date(2026, 6, 1)).reason().as_deref(),
            Some("national holiday: Hari Lahir Pancasila; regional holiday: Hari Jadi Kota Serang")
        );
    }

    #[test]
    fn loaded_year_list_is_authoritative() {
        // 2026 loaded without 1 May: it stays a working day (Friday).
        let without_may_day = builtin_holidays()
            .into_iter()
            .filter(|h| h.date != date(2026, 5, 1));
        let cal = WorkingCalendar::new(without_may_day, [2025, 2026], false);
        assert!(cal.is_working_day(date(2026, 5, 1)));
        assert!(cal.holidays_on(date(2026, 5, 1)).is_empty());
        // Same list, 2026 not marked loaded: the fixed date is assumed again.
        let without_may_day = builtin_holidays()
            .into_iter()
            .filter(|h| h.date != date(2026, 5, 1));
        let cal = WorkingCalendar::new(without_may_day, [2025], false);
        assert!(!cal.is_working_day(date(2026, 5, 1)));
        assert!(cal.is_decree_loaded(2025));
        assert!(!cal.is_decree_loaded(2026));
    }

    #[test]
    fn unloaded_year_keeps_given_holidays_and_fixed_dates() {
        let cal = WorkingCalendar::new(
            [
                Holiday::new(
                    date(2027, 3, 10),
                    "Idul Fitri 1448 H",
                    HolidayKind::National,
                ),
                // Given explicitly with the same name: not duplicated by the fixed-date rule.
                Holiday::new(date(2027, 1, 1), "Tahun Baru Masehi", HolidayKind::National),
            ],
            [],
            false,
        );
        assert!(!cal.is_working_day(date(2027, 3, 10))); // Wednesday
        assert!(cal.is_working_day(date(2027, 12, 24))); // Friday; no decree, so no cuti bersama
        assert!(cal.is_working_day(date(2027, 12, 27))); // Monday
        assert!(!cal.is_working_day(date(2027, 8, 17))); // Tuesday
        assert_eq!(cal.holidays_on(date(2027, 1, 1)).len(), 1);
    }

    #[test]
    fn regional_holiday_closes_the_office() {
        let regional = Holiday::new(
            date(2026, 4, 10), // Friday
            "Hari Jadi Kota Serang",
            HolidayKind::Regional,
        );
        let cal = WorkingCalendar::new(
            builtin_holidays().into_iter().chain([regional]),
            DECREE_YEARS.iter().copied(),
            true,
        );
        assert!(!cal.is_working_day(date(2026, 4, 10)));
        assert_eq!(
            cal.day_status(date(2026, 4, 10)).reason().as_deref(),
            Some("regional holiday: Hari Jadi Kota Serang")
        );
        assert!(builtin().is_working_day(date(2026, 4, 10)));
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let cal = builtin();
        // -9999-01-01 is assumed a fixed-date holiday (no decree for that year).
        assert!(!cal.is_working_day(Date::MIN));
        assert!(!cal.day_status(Date::MIN).is_working());
        // 9999-12-31 is a Friday.
        assert!(cal.day_status(Date::MAX).is_working());
        assert!(!cal.is_working_day(date(9999, 12, 25))); // fixed-date holiday
    }
}
