//! Property tests: the deadline calculator and input validation hold their
//! promises on any input, and never panic.
use jiff::civil::Date;
use ppid::{
    api::convert::{Check, Text},
    domain::{
        agency,
        calendar::{DECREE_YEARS, WorkingCalendar, builtin_holidays},
        deadline::{self, DeadlineRule},
    },
};
use proptest::prelude::*;

fn calendar(cuti_bersama_is_working: bool) -> WorkingCalendar {
    WorkingCalendar::new(
        builtin_holidays(),
        DECREE_YEARS.iter().copied(),
        cuti_bersama_is_working,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// n working days after any start: a working day, exactly n working days
    /// later, every skipped day explained.
    #[test]
    fn deadlines_count_exactly(day in 0i64..73_000, n in 0i32..400, cuti in any::<bool>()) {
        let cal = calendar(cuti);
        let start = Date::new(2000, 1, 1).unwrap().checked_add(jiff::Span::new().days(day)).unwrap();
        match deadline::add_working_days(&cal, start, n) {
            Ok(d) => {
                prop_assert_eq!(deadline::working_days_between(&cal, start, d.due), n);
                if n > 0 {
                    prop_assert!(d.due > start);
                    prop_assert!(cal.is_working_day(d.due));
                }
                for s in &d.skipped {
                    prop_assert!(!cal.is_working_day(s.date));
                    prop_assert!(!s.reason.is_empty());
                }
                prop_assert!(d.explanation().contains(&d.due.to_string()));
            }
            // Only past the supported range.
            Err(_) => prop_assert!(start.year() >= 2199),
        }
    }

    /// Every rule on any date: a result or an error, never a panic; the
    /// extension rule is the response rule plus seven.
    #[test]
    fn rules_never_panic(y in -9999i16..=9999, m in 1i8..=12, d in 1i8..=28) {
        let cal = calendar(false);
        let start = Date::new(y, m, d).unwrap();
        for rule in DeadlineRule::ALL {
            let _ = deadline::compute(&cal, start, rule);
        }
        if let (Ok(resp), Ok(ext)) = (deadline::compute(&cal, start, DeadlineRule::Response), deadline::compute(&cal, start, DeadlineRule::Extension)) {
            prop_assert_eq!(deadline::working_days_between(&cal, resp.due, ext.due), 7);
        }
    }

    /// Text checks accept exactly what fits and reject control characters,
    /// whatever the input.
    #[test]
    fn text_validation(s in "\\PC{0,300}|[\\x00-\\x1f]{1,5}", max in 1usize..250, multiline in any::<bool>()) {
        let mut c = Check::new();
        let rule = Text { required: true, max, multiline };
        let out = c.text("f", &s, rule);
        let trimmed = s.trim();
        let control = trimmed.chars().any(|ch| ch.is_control() && !(multiline && matches!(ch, '\n' | '\r' | '\t')));
        let ok = !trimmed.is_empty() && trimmed.chars().count() <= max && !control;
        prop_assert_eq!(out.is_some(), ok);
        prop_assert_eq!(c.ok(), ok);
    }

    /// Agency ids: accepted only in the documented shape.
    #[test]
    fn agency_ids(s in "\\PC{0,80}") {
        let ok = agency::check_id(&s).is_ok();
        let shape = !s.is_empty()
            && s.len() <= 63
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && s.as_bytes()[0].is_ascii_lowercase()
            && !s.ends_with('-');
        prop_assert_eq!(ok, shape);
    }
}
