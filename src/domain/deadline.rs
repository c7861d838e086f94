//! Legal time limits of UU KIP (UU No. 14 Tahun 2008), counted in working days (hari kerja).
//!
//! Day 1 is the first working day after the start date; the start date itself never counts,
//! even when it is a working day. The due date is the last day (inclusive) on which the act
//! may still be done. Every deadline carries the days it skipped and why, so it can explain
//! itself.

use std::fmt;

use jiff::civil::{Date, date};

use super::calendar::{DayStatus, Holiday, HolidayKind, WorkingCalendar, weekday_name};

/// Earliest start date accepted.
pub const MIN_SUPPORTED_DATE: Date = date(2000, 1, 1);
/// Latest date a deadline may end on.
pub const MAX_SUPPORTED_DATE: Date = date(2200, 12, 31);

/// A time limit of UU KIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeadlineRule {
    /// Written notice (pemberitahuan tertulis) after a request is received.
    Response,
    /// One extension of the written notice, with written reasons.
    Extension,
    /// Objection (keberatan) to the atasan PPID, counted from when its ground arose.
    ObjectionFiling,
    /// The atasan PPID's answer, counted from receipt of the objection.
    ObjectionAnswer,
    /// Dispute (sengketa) to the Komisi Informasi, counted from the atasan's answer.
    DisputeFiling,
}

impl DeadlineRule {
    pub const ALL: [DeadlineRule; 5] = [
        DeadlineRule::Response,
        DeadlineRule::Extension,
        DeadlineRule::ObjectionFiling,
        DeadlineRule::ObjectionAnswer,
        DeadlineRule::DisputeFiling,
    ];

    /// Working days the rule itself grants. For [`DeadlineRule::Extension`] that is the 7
    /// extra days; [`compute`] adds them on top of the 10-day response limit.
    pub fn working_days(self) -> i32 {
        match self {
            DeadlineRule::Response => 10,
            DeadlineRule::Extension => 7,
            DeadlineRule::ObjectionFiling => 30,
            DeadlineRule::ObjectionAnswer => 30,
            DeadlineRule::DisputeFiling => 14,
        }
    }

    pub fn legal_basis(self) -> &'static str {
        match self {
            DeadlineRule::Response => "UU KIP Pasal 22(7)",
            DeadlineRule::Extension => "UU KIP Pasal 22(8)",
            DeadlineRule::ObjectionFiling => "UU KIP Pasal 35–36(1)",
            DeadlineRule::ObjectionAnswer => "UU KIP Pasal 36(2)",
            DeadlineRule::DisputeFiling => "UU KIP Pasal 37",
        }
    }

    /// Stable snake_case name, used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineRule::Response => "response",
            DeadlineRule::Extension => "extension",
            DeadlineRule::ObjectionFiling => "objection_filing",
            DeadlineRule::ObjectionAnswer => "objection_answer",
            DeadlineRule::DisputeFiling => "dispute_filing",
        }
    }

    /// Inverse of [`DeadlineRule::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Why a day was skipped, in a form fit for storage or an API enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipKind {
    Weekend,
    National,
    CutiBersama,
    Regional,
}

impl SkipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipKind::Weekend => "weekend",
            SkipKind::National => "national",
            SkipKind::CutiBersama => "cuti_bersama",
            SkipKind::Regional => "regional",
        }
    }
}

impl From<HolidayKind> for SkipKind {
    fn from(kind: HolidayKind) -> Self {
        match kind {
            HolidayKind::National => SkipKind::National,
            HolidayKind::CutiBersama => SkipKind::CutiBersama,
            HolidayKind::Regional => SkipKind::Regional,
        }
    }
}

/// A non-working day inside a counted span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedDay {
    pub date: Date,
    /// E.g. "Saturday; national holiday: Idul Fitri 1447 H".
    pub reason: String,
    /// Distinct kinds, weekend first, in the order found.
    pub kinds: Vec<SkipKind>,
    /// The holidays that closed the office (empty for a plain weekend).
    pub holidays: Vec<Holiday>,
}

impl SkippedDay {
    /// `None` when `status` is a working day.
    fn from_status(date: Date, status: DayStatus) -> Option<Self> {
        let reason = status.reason()?;
        let (weekend, holidays) = match status {
            DayStatus::Working => return None,
            DayStatus::Weekend(_) => (true, Vec::new()),
            DayStatus::Holiday { weekend, holidays } => (weekend.is_some(), holidays),
        };
        let mut kinds = Vec::new();
        let candidates = weekend
            .then_some(SkipKind::Weekend)
            .into_iter()
            .chain(holidays.iter().map(|h| SkipKind::from(h.kind)));
        for kind in candidates {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Some(SkippedDay {
            date,
            reason,
            kinds,
            holidays,
        })
    }
}

/// A computed due date with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The date the clock starts from (e.g. the local date of receipt); it does not count.
    pub start: Date,
    /// Last day (inclusive) on which the act must happen.
    pub due: Date,
    pub working_days: i32,
    /// Every non-working day after `start` up to and including `due`.
    pub skipped: Vec<SkippedDay>,
    /// Caveats, e.g. a year without a loaded holiday decree.
    pub notes: Vec<String>,
}

impl Deadline {
    /// Short multi-line text explaining how `due` was reached.
    pub fn explanation(&self) -> String {
        let mut lines = vec![
            format!(
                "Counted from {} ({}), which does not count itself; \
                 day 1 is the first working day after it.",
                self.start,
                weekday_name(self.start.weekday())
            ),
            format!(
                "{} working days end on {} ({}).",
                self.working_days,
                self.due,
                weekday_name(self.due.weekday())
            ),
        ];
        if self.skipped.is_empty() {
            lines.push("No days were skipped.".to_string());
        } else {
            lines.push(format!("Skipped {} non-working days:", self.skipped.len()));
            lines.extend(
                self.skipped
                    .iter()
                    .map(|s| format!("- {}: {}", s.date, s.reason)),
            );
        }
        lines.extend(self.notes.iter().map(|n| format!("Note: {n}")));
        lines.join("\n")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineError {
    /// The start date lies outside [`MIN_SUPPORTED_DATE`]..=[`MAX_SUPPORTED_DATE`].
    StartOutOfRange(Date),
    /// Counting would run past [`MAX_SUPPORTED_DATE`].
    DueOutOfRange {
        start: Date,
        working_days: i32,
    },
    NegativeWorkingDays(i32),
}

impl fmt::Display for DeadlineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeadlineError::StartOutOfRange(d) => write!(
                f,
                "date {d} is outside the supported range \
                 {MIN_SUPPORTED_DATE}..={MAX_SUPPORTED_DATE}"
            ),
            DeadlineError::DueOutOfRange {
                start,
                working_days,
            } => write!(
                f,
                "{working_days} working days after {start} end after {MAX_SUPPORTED_DATE}, \
                 the last supported date"
            ),
            DeadlineError::NegativeWorkingDays(n) => {
                write!(f, "working days must not be negative, got {n}")
            }
        }
    }
}

impl std::error::Error for DeadlineError {}

/// The due date `n` working days after `start` (see the module docs for how days count).
/// `n == 0` gives `due == start`.
pub fn add_working_days(
    cal: &WorkingCalendar,
    start: Date,
    n: i32,
) -> Result<Deadline, DeadlineError> {
    if !(MIN_SUPPORTED_DATE..=MAX_SUPPORTED_DATE).contains(&start) {
        return Err(DeadlineError::StartOutOfRange(start));
    }
    if n < 0 {
        return Err(DeadlineError::NegativeWorkingDays(n));
    }
    let mut day = start;
    let mut counted = 0;
    let mut skipped = Vec::new();
    let mut cuti_counted = Vec::new();
    while counted < n {
        day = next_supported_day(day).ok_or(DeadlineError::DueOutOfRange {
            start,
            working_days: n,
        })?;
        let status = cal.day_status(day);
        if status.is_working() {
            counted += 1;
            if cal.cuti_bersama_is_working()
                && cal
                    .holidays_on(day)
                    .iter()
                    .any(|h| h.kind == HolidayKind::CutiBersama)
            {
                cuti_counted.push(day);
            }
        } else {
            skipped.extend(SkippedDay::from_status(day, status));
        }
    }

    let mut notes = Vec::new();
    if n > 0 {
        // `day` is the due date; the counted span is start+1 ..= due.
        let first_year = next_supported_day(start).map_or(day.year(), |d| d.year());
        notes.extend(
            (first_year..=day.year())
                .filter(|&y| !cal.is_decree_loaded(y))
                .map(|y| {
                    format!(
                        "no holiday decree is loaded for {y}: only the fixed-date national \
                         holidays (1 Jan, 1 May, 1 Jun, 17 Aug, 25 Dec) were applied"
                    )
                }),
        );
    }
    if !cuti_counted.is_empty() {
        let dates: Vec<String> = cuti_counted.iter().map(Date::to_string).collect();
        notes.push(format!(
            "cuti bersama counted as working days (deployment setting): {}",
            dates.join(", ")
        ));
    }
    Ok(Deadline {
        start,
        due: day,
        working_days: n,
        skipped,
        notes,
    })
}

/// The due date of `rule` counted from `start`.
///
/// For [`DeadlineRule::Extension`] `start` is the date the request was received and the due
/// date is the response due date plus 7 working days, i.e. 17 working days after receipt.
/// To extend from an already recorded (possibly edited) response due date, use [`extend`].
pub fn compute(
    cal: &WorkingCalendar,
    start: Date,
    rule: DeadlineRule,
) -> Result<Deadline, DeadlineError> {
    match rule {
        DeadlineRule::Extension => {
            let response = DeadlineRule::Response.working_days();
            let extra = DeadlineRule::Extension.working_days();
            let mut d = add_working_days(cal, start, response + extra)?;
            d.notes.insert(
                0,
                format!(
                    "extended deadline: {response} working days for the written notice \
                     ({}) plus {extra} ({})",
                    DeadlineRule::Response.legal_basis(),
                    DeadlineRule::Extension.legal_basis()
                ),
            );
            Ok(d)
        }
        _ => add_working_days(cal, start, rule.working_days()),
    }
}

/// The extended due date: 7 working days after `original_due` (Pasal 22(8)).
pub fn extend(cal: &WorkingCalendar, original_due: Date) -> Result<Deadline, DeadlineError> {
    add_working_days(cal, original_due, DeadlineRule::Extension.working_days())
}

/// Dispute deadline when the atasan never answered: 14 working days after the 30-day answer
/// window ends, i.e. 44 working days after the objection was received (Pasal 37).
pub fn dispute_filing_unanswered(
    cal: &WorkingCalendar,
    objection_received: Date,
) -> Result<Deadline, DeadlineError> {
    let answer = DeadlineRule::ObjectionAnswer.working_days();
    let dispute = DeadlineRule::DisputeFiling.working_days();
    let mut d = add_working_days(cal, objection_received, answer + dispute)?;
    d.notes.insert(
        0,
        format!(
            "objection unanswered: {answer} working days for the answer ({}) plus {dispute} \
             to file the dispute ({})",
            DeadlineRule::ObjectionAnswer.legal_basis(),
            DeadlineRule::DisputeFiling.legal_basis()
        ),
    );
    Ok(d)
}

/// Working days `d` with `from < d <= to`; 0 when `to <= from`. For response-time
/// statistics: a notice sent on the due date of a 10-day limit gives 10.
pub fn working_days_between(cal: &WorkingCalendar, from: Date, to: Date) -> i32 {
    let mut count = 0;
    let mut day = from;
    while day < to {
        // `day < to <= Date::MAX`, so there is always a next day.
        let Ok(next) = day.tomorrow() else { break };
        day = next;
        if cal.is_working_day(day) {
            count += 1;
        }
    }
    count
}

fn next_supported_day(day: Date) -> Option<Date> {
    day.tomorrow().ok().filter(|d| *d <= MAX_SUPPORTED_DATE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::builtin_holidays;
    use DeadlineRule::*;

    fn cal() -> WorkingCalendar {
        WorkingCalendar::builtin(false)
    }

    fn cal_cuti_working() -> WorkingCalendar {
        WorkingCalendar::builtin(true)
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    /// (cuti bersama counts as working?, start, rule, expected due)
    const COMPUTE_CASES: &[(bool, &str, DeadlineRule, &str)] = &[
        // Ordinary weeks in July 2026 (no holidays until 17 Aug).
        (false, "2026-07-06", Response, "2026-07-20"), // Monday: two full weeks
        (false, "2026-07-10", Response, "2026-07-24"), // Friday: day 1 is Mon 13 Jul
        (false, "2026-07-11", Response, "2026-07-24"), // Saturday counts like Friday
        (false, "2026-07-12", Response, "2026-07-24"), // Sunday counts like Friday
        (false, "2026-07-13", Response, "2026-07-27"),
        (false, "2026-07-06", Extension, "2026-07-29"), // 17 working days
        // Imlek: 16 Feb cuti bersama, 17 Feb Imlek.
        (false, "2026-02-13", Response, "2026-03-03"), // Friday before Imlek
        (true, "2026-02-13", Response, "2026-03-02"),
        (false, "2026-02-17", Response, "2026-03-03"), // receipt on a holiday
        // Nyepi and Idul Fitri: 18 cb, 19 Nyepi, 20 cb, 21-22 Idul Fitri (weekend), 23-24 cb,
        // then Wafat 3 Apr, Paskah 5 Apr (Sunday), 1 May.
        (false, "2026-03-13", Response, "2026-04-06"), // Fri: 16, 17 Mar, then 25 Mar on
        (false, "2026-03-14", Response, "2026-04-06"), // Saturday
        (false, "2026-03-15", Response, "2026-04-06"), // Sunday
        (false, "2026-03-16", Response, "2026-04-07"),
        (false, "2026-03-17", Response, "2026-04-08"), // day 1 is Wed 25 Mar
        (false, "2026-03-18", Response, "2026-04-08"), // receipt on cuti bersama
        (false, "2026-03-19", Response, "2026-04-08"), // receipt on Nyepi
        (false, "2026-03-21", Response, "2026-04-08"), // receipt on Idul Fitri (Saturday)
        (false, "2026-03-17", Extension, "2026-04-17"),
        (false, "2026-03-17", ObjectionFiling, "2026-05-07"), // skips 1 May
        (false, "2026-03-17", ObjectionAnswer, "2026-05-07"),
        (false, "2026-03-17", DisputeFiling, "2026-04-14"),
        (false, "2026-03-20", Response, "2026-04-08"),
        (false, "2026-03-20", Extension, "2026-04-17"),
        (false, "2026-03-20", ObjectionFiling, "2026-05-07"),
        (false, "2026-03-20", ObjectionAnswer, "2026-05-07"),
        (false, "2026-03-20", DisputeFiling, "2026-04-14"),
        // Same cases with cuti bersama as working days: never later, mostly earlier.
        (true, "2026-03-13", Response, "2026-03-30"),
        (true, "2026-03-16", Response, "2026-03-31"),
        (true, "2026-03-17", Response, "2026-04-01"), // 18, 20, 23, 24 Mar count
        (true, "2026-03-18", Response, "2026-04-02"),
        (true, "2026-03-19", Response, "2026-04-02"),
        (true, "2026-03-17", Extension, "2026-04-13"),
        (true, "2026-03-17", ObjectionFiling, "2026-04-30"),
        (true, "2026-03-17", ObjectionAnswer, "2026-04-30"),
        (true, "2026-03-17", DisputeFiling, "2026-04-08"),
        (true, "2026-03-20", Response, "2026-04-06"),
        (true, "2026-03-20", Extension, "2026-04-15"),
        (true, "2026-03-20", ObjectionFiling, "2026-05-05"),
        (true, "2026-03-20", ObjectionAnswer, "2026-05-05"),
        (true, "2026-03-20", DisputeFiling, "2026-04-10"),
        // Year end 2025: 25 Dec Natal, 26 Dec cuti bersama, 1 Jan, 16 Jan Isra Mikraj.
        (false, "2025-12-22", Response, "2026-01-08"),
        (false, "2025-12-22", Extension, "2026-01-20"), // also skips 16 Jan
        (false, "2025-12-22", ObjectionFiling, "2026-02-06"),
        (false, "2025-12-22", ObjectionAnswer, "2026-02-06"),
        (false, "2025-12-22", DisputeFiling, "2026-01-14"),
        (true, "2025-12-22", Response, "2026-01-07"), // 26 Dec counts
        (true, "2025-12-22", Extension, "2026-01-19"),
        // Year end 2026 into 2027 (no decree): 24 Dec cb, 25 Dec, 1 Jan 2027 (Friday).
        (false, "2026-12-21", Response, "2027-01-07"),
        (false, "2026-12-21", Extension, "2027-01-18"),
        (false, "2026-12-21", ObjectionFiling, "2027-02-04"),
        (false, "2026-12-21", ObjectionAnswer, "2027-02-04"),
        (false, "2026-12-21", DisputeFiling, "2027-01-13"),
        (true, "2026-12-21", Response, "2027-01-06"), // 24 Dec counts
        (true, "2026-12-21", DisputeFiling, "2027-01-12"),
    ];

    #[test]
    fn compute_table() {
        let (closed, open) = (cal(), cal_cuti_working());
        for &(cuti_working, start, rule, due) in COMPUTE_CASES {
            let c = if cuti_working { &open } else { &closed };
            let got = compute(c, d(start), rule).unwrap();
            assert_eq!(
                got.due,
                d(due),
                "{start} {rule:?} cuti_working={cuti_working}"
            );
            assert_eq!(got.start, d(start));
            let n = match rule {
                Extension => 17,
                _ => rule.working_days(),
            };
            assert_eq!(got.working_days, n);
            // The counted span holds exactly n working days.
            assert_eq!(
                working_days_between(c, got.start, got.due),
                n,
                "{start} {rule:?}"
            );
            // The due date itself is a working day and every skipped day lies in the span.
            assert!(c.is_working_day(got.due));
            assert!(
                got.skipped
                    .iter()
                    .all(|s| s.date > got.start && s.date < got.due)
            );
        }
    }

    #[test]
    fn cuti_bersama_as_working_is_never_later() {
        let (closed, open) = (cal(), cal_cuti_working());
        for &(_, start, rule, _) in COMPUTE_CASES {
            let a = compute(&closed, d(start), rule).unwrap().due;
            let b = compute(&open, d(start), rule).unwrap().due;
            assert!(b <= a, "{start} {rule:?}");
        }
    }

    #[test]
    fn idul_fitri_skipped_days_explain_themselves() {
        let got = compute(&cal(), d("2026-03-17"), Response).unwrap();
        let skipped: Vec<(String, &str)> = got
            .skipped
            .iter()
            .map(|s| (s.date.to_string(), s.reason.as_str()))
            .collect();
        let expected = [
            (
                "2026-03-18",
                "cuti bersama: Cuti Bersama Hari Suci Nyepi (Tahun Baru Saka 1948)",
            ),
            (
                "2026-03-19",
                "national holiday: Hari Suci Nyepi (Tahun Baru Saka 1948)",
            ),
            ("2026-03-20", "cuti bersama: Cuti Bersama Idul Fitri 1447 H"),
            (
                "2026-03-21",
                "Saturday; national holiday: Idul Fitri 1447 H",
            ),
            ("2026-03-22", "Sunday; national holiday: Idul Fitri 1447 H"),
            ("2026-03-23", "cuti bersama: Cuti Bersama Idul Fitri 1447 H"),
            ("2026-03-24", "cuti bersama: Cuti Bersama Idul Fitri 1447 H"),
            ("2026-03-28", "Saturday"),
            ("2026-03-29", "Sunday"),
            ("2026-04-03", "national holiday: Wafat Yesus Kristus"),
            ("2026-04-04", "Saturday"),
            (
                "2026-04-05",
                "Sunday; national holiday: Kebangkitan Yesus Kristus (Paskah)",
            ),
        ];
        let expected: Vec<(String, &str)> =
            expected.iter().map(|&(a, b)| (a.to_string(), b)).collect();
        assert_eq!(skipped, expected);
        assert_eq!(
            got.skipped[3].kinds,
            [SkipKind::Weekend, SkipKind::National]
        );
        assert_eq!(got.skipped[0].kinds, [SkipKind::CutiBersama]);
        assert_eq!(got.skipped[7].kinds, [SkipKind::Weekend]);
        assert!(got.skipped[7].holidays.is_empty());
        assert!(got.notes.is_empty(), "{:?}", got.notes);
    }

    #[test]
    fn cuti_bersama_as_working_is_noted() {
        let got = compute(&cal_cuti_working(), d("2026-03-17"), Response).unwrap();
        let skipped: Vec<String> = got.skipped.iter().map(|s| s.date.to_string()).collect();
        // Only Nyepi and weekends remain.
        assert_eq!(
            skipped,
            [
                "2026-03-19",
                "2026-03-21",
                "2026-03-22",
                "2026-03-28",
                "2026-03-29"
            ]
        );
        assert_eq!(
            got.notes,
            [
                "cuti bersama counted as working days (deployment setting): \
              2026-03-18, 2026-03-20, 2026-03-23, 2026-03-24"
            ]
        );
    }

    #[test]
    fn year_end_2025_is_fully_decreed() {
        let got = compute(&cal(), d("2025-12-22"), Response).unwrap();
        let skipped: Vec<String> = got.skipped.iter().map(|s| s.date.to_string()).collect();
        assert_eq!(
            skipped,
            [
                "2025-12-25",
                "2025-12-26",
                "2025-12-27",
                "2025-12-28",
                "2026-01-01",
                "2026-01-03",
                "2026-01-04"
            ]
        );
        assert_eq!(
            got.skipped[1].reason,
            "cuti bersama: Cuti Bersama Hari Raya Natal"
        );
        assert!(got.notes.is_empty());
    }

    #[test]
    fn year_end_2026_notes_missing_2027_decree() {
        let got = compute(&cal(), d("2026-12-21"), Response).unwrap();
        assert_eq!(got.due, d("2027-01-07"));
        let skipped: Vec<(String, &str)> = got
            .skipped
            .iter()
            .map(|s| (s.date.to_string(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                (
                    "2026-12-24".to_string(),
                    "cuti bersama: Cuti Bersama Hari Raya Natal"
                ),
                (
                    "2026-12-25".to_string(),
                    "national holiday: Hari Raya Natal"
                ),
                ("2026-12-26".to_string(), "Saturday"),
                ("2026-12-27".to_string(), "Sunday"),
                // Fixed-date holiday assumed without a 2027 decree.
                (
                    "2027-01-01".to_string(),
                    "national holiday: Tahun Baru Masehi"
                ),
                ("2027-01-02".to_string(), "Saturday"),
                ("2027-01-03".to_string(), "Sunday"),
            ]
        );
        assert_eq!(
            got.notes,
            [
                "no holiday decree is loaded for 2027: only the fixed-date national holidays \
              (1 Jan, 1 May, 1 Jun, 17 Aug, 25 Dec) were applied"
            ]
        );
        // Ending on 31 Dec 2026 does not touch 2027: only the cuti bersama note.
        let got = add_working_days(&cal_cuti_working(), d("2026-12-21"), 7).unwrap();
        assert_eq!(got.due, d("2026-12-31"));
        assert_eq!(
            got.notes,
            ["cuti bersama counted as working days (deployment setting): 2026-12-24"]
        );
        // Starting on 31 Dec 2026: the counted span is all in 2027.
        let got = add_working_days(&cal(), d("2026-12-31"), 1).unwrap();
        assert_eq!(got.due, d("2027-01-04")); // Fri 1 Jan holiday, then a weekend
        assert_eq!(got.notes.len(), 1);
    }

    #[test]
    fn long_spans() {
        let c = cal();
        // (start, n, due, skipped days, undecreed years noted)
        let cases: &[(&str, i32, &str, usize, &[i16])] = &[
            ("2025-01-02", 400, "2026-09-14", 220, &[]),
            ("2026-01-05", 400, "2027-08-19", 191, &[2027]),
            ("2026-12-21", 400, "2028-07-12", 169, &[2027, 2028]),
            ("2026-03-17", 250, "2027-03-26", 124, &[2027]),
        ];
        for &(start, n, due, skipped, years) in cases {
            let got = add_working_days(&c, d(start), n).unwrap();
            assert_eq!(got.due, d(due), "{start} +{n}");
            assert_eq!(got.skipped.len(), skipped, "{start} +{n}");
            assert_eq!(got.notes.len(), years.len(), "{start} +{n}");
            for (note, year) in got.notes.iter().zip(years) {
                assert!(
                    note.starts_with(&format!("no holiday decree is loaded for {year}:")),
                    "{note}"
                );
            }
        }
    }

    #[test]
    fn zero_working_days_is_the_start() {
        let got = add_working_days(&cal(), d("2026-03-21"), 0).unwrap();
        assert_eq!(got.due, d("2026-03-21"));
        assert!(got.skipped.is_empty() && got.notes.is_empty());
    }

    #[test]
    fn extend_from_recorded_due_date() {
        let c = cal();
        let response = compute(&c, d("2026-03-17"), Response).unwrap();
        let extended = extend(&c, response.due).unwrap();
        assert_eq!(extended.start, d("2026-04-08"));
        assert_eq!(extended.due, d("2026-04-17"));
        assert_eq!(extended.working_days, 7);
        assert_eq!(
            extended.due,
            compute(&c, d("2026-03-17"), Extension).unwrap().due
        );
        assert!(
            compute(&c, d("2026-03-17"), Extension).unwrap().notes[0]
                .starts_with("extended deadline: 10 working days")
        );
        // Across the year end: 7 working days after 2026-12-28 skip 1 Jan 2027.
        let extended = extend(&c, d("2026-12-28")).unwrap();
        assert_eq!(extended.due, d("2027-01-07"));
        assert_eq!(extended.notes.len(), 1);
    }

    #[test]
    fn dispute_after_unanswered_objection() {
        let c = cal();
        let got = dispute_filing_unanswered(&c, d("2026-03-17")).unwrap();
        // Answer window ends 2026-05-07, then 14 working days (14 May Kenaikan, 15 May cb,
        // 27 May Idul Adha, 28 May cb, 1 Jun Pancasila skipped).
        assert_eq!(got.due, d("2026-06-03"));
        let answer_due = compute(&c, d("2026-03-17"), ObjectionAnswer).unwrap().due;
        assert_eq!(compute(&c, answer_due, DisputeFiling).unwrap().due, got.due);
        assert_eq!(got.working_days, 44);
    }

    #[test]
    fn loaded_year_with_removed_fixed_holiday() {
        // An amended 2026 list without 1 May: Friday 1 May 2026 counts.
        let amended = WorkingCalendar::new(
            builtin_holidays()
                .into_iter()
                .filter(|h| h.date != d("2026-05-01")),
            [2025, 2026],
            false,
        );
        let got = compute(&amended, d("2026-04-27"), Response).unwrap();
        assert_eq!(got.due, d("2026-05-11"));
        assert!(got.skipped.iter().all(|s| s.date != d("2026-05-01")));
        assert_eq!(
            compute(&cal(), d("2026-04-27"), Response).unwrap().due,
            d("2026-05-12")
        );
    }

    #[test]
    fn regional_holiday_moves_the_deadline() {
        let serang = WorkingCalendar::new(
            builtin_holidays().into_iter().chain([Holiday::new(
                d("2026-08-10"), // Monday
                "Hari Jadi Kota Serang",
                HolidayKind::Regional,
            )]),
            [2025, 2026],
            false,
        );
        // Without it: 17 Aug is the only holiday before 24 Aug. With it, one more day, and
        // 25 Aug (Maulid) is skipped too.
        assert_eq!(
            compute(&cal(), d("2026-08-07"), Response).unwrap().due,
            d("2026-08-24")
        );
        let got = compute(&serang, d("2026-08-07"), Response).unwrap();
        assert_eq!(got.due, d("2026-08-26"));
        let regional = &got.skipped[2];
        assert_eq!(regional.date, d("2026-08-10"));
        assert_eq!(regional.reason, "regional holiday: Hari Jadi Kota Serang");
        assert_eq!(regional.kinds, [SkipKind::Regional]);
    }

    #[test]
    fn working_days_between_table() {
        let (closed, open) = (cal(), cal_cuti_working());
        // (cuti working?, from, to, expected)
        let cases: &[(bool, &str, &str, i32)] = &[
            (false, "2026-07-06", "2026-07-06", 0), // same day
            (false, "2026-07-06", "2026-07-07", 1), // next working day
            (false, "2026-07-10", "2026-07-13", 1), // Friday to Monday, across a weekend
            (false, "2026-07-11", "2026-07-12", 0), // Saturday to Sunday
            (false, "2026-07-06", "2026-07-13", 5),
            (false, "2026-07-13", "2026-07-06", 0), // reversed
            (false, "2026-03-17", "2026-03-25", 1), // whole Lebaran break
            (false, "2026-03-18", "2026-03-24", 0),
            (true, "2026-03-18", "2026-03-24", 3), // 20, 23, 24 Mar
            (false, "2026-03-17", "2026-04-08", 10),
            (true, "2026-03-17", "2026-04-08", 14),
            (false, "2025-12-22", "2026-01-08", 10),
            (false, "2026-12-31", "2027-01-04", 1), // 1 Jan 2027 assumed a holiday
        ];
        for &(cuti_working, from, to, expected) in cases {
            let c = if cuti_working { &open } else { &closed };
            assert_eq!(
                working_days_between(c, d(from), d(to)),
                expected,
                "{from}..{to} cuti_working={cuti_working}"
            );
        }
        // Near jiff's limits: no panic.
        assert_eq!(working_days_between(&closed, Date::MAX, Date::MAX), 0);
        assert_eq!(working_days_between(&closed, d("9999-12-30"), Date::MAX), 1);
    }

    #[test]
    fn out_of_range_is_an_error() {
        let c = cal();
        for start in [Date::MIN, d("1999-12-31"), d("2201-01-01"), Date::MAX] {
            assert_eq!(
                add_working_days(&c, start, 10),
                Err(DeadlineError::StartOutOfRange(start))
            );
            for rule in DeadlineRule::ALL {
                assert!(compute(&c, start, rule).is_err());
            }
            assert!(extend(&c, start).is_err());
            assert!(dispute_filing_unanswered(&c, start).is_err());
        }
        // Counting past 2200-12-31 (a Wednesday).
        assert_eq!(
            add_working_days(&c, d("2200-12-20"), 30),
            Err(DeadlineError::DueOutOfRange {
                start: d("2200-12-20"),
                working_days: 30
            })
        );
        assert_eq!(
            add_working_days(&c, d("2200-12-31"), 1)
                .unwrap_err()
                .to_string(),
            "1 working days after 2200-12-31 end after 2200-12-31, the last supported date"
        );
        assert_eq!(
            add_working_days(&c, d("2200-12-30"), 1).unwrap().due,
            d("2200-12-31")
        );
        assert_eq!(
            add_working_days(&c, d("2000-01-01"), 1).unwrap().due,
            d("2000-01-03") // Saturday start, Monday 3 Jan
        );
        assert!(add_working_days(&c, d("2200-12-31"), 0).is_ok());
        // Huge n stops at the range end instead of looping forever.
        assert!(add_working_days(&c, d("2200-01-01"), i32::MAX).is_err());
        assert_eq!(
            add_working_days(&c, d("2026-03-17"), -1),
            Err(DeadlineError::NegativeWorkingDays(-1))
        );
        assert_eq!(
            DeadlineError::StartOutOfRange(Date::MAX).to_string(),
            "date 9999-12-31 is outside the supported range 2000-01-01..=2200-12-31"
        );
    }

    #[test]
    fn explanation_text() {
        let got = compute(&cal(), d("2026-12-21"), Response).unwrap();
        let text = got.explanation();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Counted from 2026-12-21 (Monday), which does not count itself; \
             day 1 is the first working day after it."
        );
        assert_eq!(lines[1], "10 working days end on 2027-01-07 (Thursday).");
        assert_eq!(lines[2], "Skipped 7 non-working days:");
        assert_eq!(
            lines[3],
            "- 2026-12-24: cuti bersama: Cuti Bersama Hari Raya Natal"
        );
        assert!(
            lines
                .last()
                .unwrap()
                .starts_with("Note: no holiday decree is loaded for 2027")
        );
        assert_eq!(lines.len(), 3 + 7 + 1);

        // Monday + 4 working days stays inside one week.
        let plain = add_working_days(&cal(), d("2026-07-06"), 4).unwrap();
        assert_eq!(plain.due, d("2026-07-10"));
        assert!(plain.explanation().contains("No days were skipped."));
    }

    #[test]
    fn rule_table() {
        let cases = [
            (Response, 10, "response", "UU KIP Pasal 22(7)"),
            (Extension, 7, "extension", "UU KIP Pasal 22(8)"),
            (
                ObjectionFiling,
                30,
                "objection_filing",
                "UU KIP Pasal 35–36(1)",
            ),
            (
                ObjectionAnswer,
                30,
                "objection_answer",
                "UU KIP Pasal 36(2)",
            ),
            (DisputeFiling, 14, "dispute_filing", "UU KIP Pasal 37"),
        ];
        for (rule, days, name, basis) in cases {
            assert_eq!(rule.working_days(), days);
            assert_eq!(rule.as_str(), name);
            assert_eq!(rule.legal_basis(), basis);
            assert_eq!(DeadlineRule::parse(name), Some(rule));
        }
        assert_eq!(DeadlineRule::parse("Response"), None);
    }
}
