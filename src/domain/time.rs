//! Agency-local days: "which day" is the agency's local day (WIB, WITA, WIT).
use jiff::{Timestamp, civil::Date, tz::TimeZone};

/// The default zone, WIB.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Jakarta";

/// Looks up an IANA zone in the bundled database.
pub fn parse_time_zone(name: &str) -> Option<TimeZone> {
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    TimeZone::get(name).ok()
}

/// The local calendar date of `t` in `tz`.
pub fn local_date(t: Timestamp, tz: &TimeZone) -> Date {
    tz.to_datetime(t).date()
}

/// The first instant after the local day `d` (midnight of the next day);
/// a deadline on `d` is missed from this instant on.
pub fn end_of_day(d: Date, tz: &TimeZone) -> Option<Timestamp> {
    let next = d.tomorrow().ok()?;
    tz.to_timestamp(next.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn local_day_follows_the_agency_zone() {
        // 16:30 UTC is late Monday evening in WIB (UTC+7) but already Tuesday in WIT (UTC+9).
        let t: Timestamp = "2026-03-16T16:30:00Z".parse().unwrap();
        let wib = parse_time_zone("Asia/Jakarta").unwrap();
        let wit = parse_time_zone("Asia/Jayapura").unwrap();
        assert_eq!(local_date(t, &wib), date(2026, 3, 16)); // 23:30 WIB
        assert_eq!(local_date(t, &wit), date(2026, 3, 17)); // 01:30 WIT
    }

    #[test]
    fn end_of_day_is_next_local_midnight() {
        let wita = parse_time_zone("Asia/Makassar").unwrap();
        let end = end_of_day(date(2026, 4, 6), &wita).unwrap();
        assert_eq!(end, "2026-04-06T16:00:00Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn unknown_zones_are_refused() {
        for bad in ["", "Mars/Olympus", "Asia/Jakarta ", &"x".repeat(100)] {
            assert!(parse_time_zone(bad).is_none(), "{bad:?}");
        }
        assert!(parse_time_zone("Asia/Jayapura").is_some());
    }
}
