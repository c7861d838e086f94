//! Exempt information (informasi yang dikecualikan, UU KIP Pasal 17) and the
//! list that records it (Daftar Informasi yang Dikecualikan, DIK). A PPID may
//! withhold only what an entry in force covers, after a consequence test
//! (uji konsekuensi, Pasal 19); entries under letters a–f are never
//! permanent (Pasal 20).
use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{ExemptionLetter, Outcome, agency::Agency};
use crate::error::{Error, FieldViolation, Result};

/// A DIK entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    /// Id.
    pub id: Uuid,
    /// The agency whose DIK holds it; it covers that agency's sub-agencies.
    pub agency_id: String,
    /// The information exempted.
    pub information: String,
    /// Pasal 17 letter.
    pub letter: ExemptionLetter,
    /// Item within the letter.
    pub sub_item: Option<String>,
    /// For letter j: the other law.
    pub other_law: Option<String>,
    /// Consequence test: the harm if disclosed.
    pub harm: String,
    /// Consequence test: the public-interest weighing.
    pub public_interest_test: String,
    /// Decree (SK) number.
    pub decree_number: String,
    /// Decree date.
    pub decree_date: Date,
    /// First day in force.
    pub start_date: Date,
    /// Last day in force (required for a–f).
    pub end_date: Option<Date>,
    /// Who decided.
    pub decided_by: String,
    /// Revocation.
    pub revoked: Option<Revocation>,
    /// Created.
    pub create_time: Timestamp,
}

/// Revocation of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// When.
    pub time: Timestamp,
    /// Why.
    pub reason: String,
    /// The agency-local day it took effect.
    pub date: Date,
}

/// An entry's status on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Before its start date.
    NotYetInForce,
    /// In force.
    Active,
    /// After its end date.
    Expired,
    /// Revoked on or before the day.
    Revoked,
}

/// Letters a–f protect interests that pass (Pasal 20): such an entry must end.
pub fn needs_end_date(letter: ExemptionLetter) -> bool {
    use ExemptionLetter::*;
    matches!(letter, A | B | C | D | E | F)
}

/// The longest period of an a–f entry by default, in years from its start:
/// PP 61/2010 has the head of the body set the period, at most 30 years.
pub const DEFAULT_MAX_PERIOD_YEARS: i16 = 30;

/// Checks the period and basis of a new entry; `field` prefixes the paths.
/// `max_years` bounds the period of an a–f entry.
pub fn check_new(
    field: &str,
    letter: ExemptionLetter,
    other_law: Option<&str>,
    decree_date: Date,
    start_date: Date,
    end_date: Option<Date>,
    max_years: i16,
) -> Vec<FieldViolation> {
    let f = |n: &str| format!("{field}.{n}");
    let mut v = Vec::new();
    match (letter, other_law) {
        (ExemptionLetter::J, None) => v.push(FieldViolation::new(
            f("other_law"),
            "letter j rests on another law: name it (e.g. \"UU 27/2022 Pasal 4\")",
        )),
        (l, Some(_)) if l != ExemptionLetter::J => v.push(FieldViolation::new(
            f("other_law"),
            "applies only to letter j",
        )),
        _ => {}
    }
    if start_date < decree_date {
        v.push(FieldViolation::new(
            f("start_date"),
            "is before the decree date",
        ));
    }
    match end_date {
        None if needs_end_date(letter) => v.push(FieldViolation::new(
            f("end_date"),
            format!(
                "an exemption under Pasal 17 letter {letter} is never permanent (Pasal 20): give the end of its period"
            ),
        )),
        Some(end) if end <= decree_date => {
            v.push(FieldViolation::new(f("end_date"), "must be after the decree date"))
        }
        Some(end) if end < start_date => {
            v.push(FieldViolation::new(f("end_date"), "is before the start date"))
        }
        Some(end)
            if needs_end_date(letter)
                && start_date
                    .checked_add(jiff::Span::new().years(max_years))
                    .is_ok_and(|last| end > last) =>
        {
            v.push(FieldViolation::new(
                f("end_date"),
                format!(
                    "an exemption under letter {letter} may last at most {max_years} years from its start (this deployment's limit)"
                ),
            ))
        }
        _ => {}
    }
    v
}

impl Exemption {
    /// The entry's status on `day` (agency-local).
    pub fn status_on(&self, day: Date) -> Status {
        if self.revoked.as_ref().is_some_and(|r| r.date <= day) {
            Status::Revoked
        } else if day < self.start_date {
            Status::NotYetInForce
        } else if self.end_date.is_some_and(|end| day > end) {
            Status::Expired
        } else {
            Status::Active
        }
    }

    /// Why the entry cannot be cited on `day`, or the period it is in force.
    pub fn explain_on(&self, day: Date) -> (bool, String) {
        let period = match self.end_date {
            Some(end) => format!("in force from {} until {end}", self.start_date),
            None => format!("in force from {} without end date", self.start_date),
        };
        match self.status_on(day) {
            Status::Active => (true, period),
            Status::NotYetInForce => (false, format!("not yet in force on {day}: {period}")),
            Status::Expired => (false, format!("expired on {day}: it was {period}")),
            Status::Revoked => {
                let r = self
                    .revoked
                    .as_ref()
                    .expect("revoked status has a revocation");
                (false, format!("revoked on {}: {}", r.date, r.reason))
            }
        }
    }

    /// The resource name.
    pub fn name(&self) -> String {
        format!("agencies/{}/exemptions/{}", self.agency_id, self.id)
    }

    /// An entry is revoked once; a later revocation is refused.
    pub fn check_revocable(&self) -> Result<()> {
        match &self.revoked {
            Some(r) => Err(Error::precondition(
                "ALREADY_REVOKED",
                format!("{} was already revoked on {}", self.name(), r.date),
            )),
            None => Ok(()),
        }
    }
}

/// A DIK entry cited by a notice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Citation {
    /// The entry.
    pub exemption_id: Uuid,
    /// Its agency.
    pub agency_id: String,
    /// Its letter.
    pub letter: ExemptionLetter,
}

impl Citation {
    /// The entry's resource name.
    pub fn name(&self) -> String {
        format!(
            "agencies/{}/exemptions/{}",
            self.agency_id, self.exemption_id
        )
    }
}

/// What a notice's withholding rests on, after checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    /// The cited entries.
    pub citations: Vec<Citation>,
    /// Pasal 17 letters, sorted, unique.
    pub letters: Vec<ExemptionLetter>,
    /// Some letter rests on no entry (allowed only by deployment setting).
    pub unregistered: bool,
}

/// Checks the legal basis of a notice: a withholding outcome cites DIK entries
/// in force on `notice_day` of the handling agency or an agency above it;
/// letters given without an entry are accepted only when `allow_unregistered`.
pub fn check_basis(
    outcome: Outcome,
    letters: &[ExemptionLetter],
    cited: &[Exemption],
    handling: &Agency,
    notice_day: Date,
    allow_unregistered: bool,
) -> Result<Basis> {
    if !outcome.withholds() {
        if !cited.is_empty() || !letters.is_empty() {
            return Err(Error::invalid(
                "notice.exemptions",
                format!("a {outcome} notice withholds nothing and cites no exemption"),
            ));
        }
        return Ok(Basis {
            citations: vec![],
            letters: vec![],
            unregistered: false,
        });
    }
    for e in cited {
        if !handling.path.contains(&format!("/{}/", e.agency_id)) {
            return Err(Error::precondition(
                "EXEMPTION_OF_ANOTHER_AGENCY",
                format!(
                    "{} belongs to the DIK of agencies/{}, which does not cover agencies/{}: cite an entry of the handling agency or of its Pemda",
                    e.name(),
                    e.agency_id,
                    handling.id
                ),
            ));
        }
        let (in_force, why) = e.explain_on(notice_day);
        if !in_force {
            return Err(Error::precondition(
                "EXEMPTION_NOT_IN_FORCE",
                format!("{} cannot be cited on {notice_day}: {why}", e.name()),
            ));
        }
    }
    let mut all: Vec<ExemptionLetter> = cited.iter().map(|e| e.letter).collect();
    let unregistered_letters: Vec<ExemptionLetter> = letters
        .iter()
        .copied()
        .filter(|l| !all.contains(l))
        .collect();
    if cited.is_empty() && letters.is_empty() {
        return Err(Error::invalid(
            "notice.exemptions",
            format!("a {outcome} notice must cite the DIK entries (Pasal 17) it rests on"),
        ));
    }
    if !unregistered_letters.is_empty() && !allow_unregistered {
        let names: Vec<&str> = unregistered_letters.iter().map(|l| l.as_str()).collect();
        return Err(Error::precondition(
            "EXEMPTION_NOT_REGISTERED",
            format!(
                "Pasal 17 letter(s) {} rest on no DIK entry: register the exemption with its consequence test (ExemptionService.CreateExemption) and cite it in notice.exemptions",
                names.join(", ")
            ),
        ));
    }
    all.extend(unregistered_letters.iter().copied());
    all.sort();
    all.dedup();
    Ok(Basis {
        citations: cited
            .iter()
            .map(|e| Citation {
                exemption_id: e.id,
                agency_id: e.agency_id.clone(),
                letter: e.letter,
            })
            .collect(),
        letters: all,
        unregistered: !unregistered_letters.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgencyKind, agency};
    use jiff::civil::date;

    fn entry(agency_id: &str, letter: ExemptionLetter, end: Option<Date>) -> Exemption {
        Exemption {
            id: Uuid::new_v4(),
            agency_id: agency_id.into(),
            information: "Rekam medis pasien RSUD".into(),
            letter,
            sub_item: None,
            other_law: None,
            harm: "Mengungkap rahasia pribadi".into(),
            public_interest_test: "Perlindungan data pribadi lebih besar".into(),
            decree_number: "SK PPID 1/2026".into(),
            decree_date: date(2026, 1, 5),
            start_date: date(2026, 1, 5),
            end_date: end,
            decided_by: "PPID Utama".into(),
            revoked: None,
            create_time: Timestamp::UNIX_EPOCH,
        }
    }

    fn agency_at(path: &str) -> Agency {
        let id = path
            .trim_matches('/')
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        Agency {
            id: id.clone(),
            display_name: id.clone(),
            kind: AgencyKind::Opd,
            parent_id: None,
            pemda_id: path.trim_matches('/').split('/').next().unwrap().into(),
            path: path.into(),
            time_zone: "Asia/Jakarta".into(),
            comparison_group: agency::default_comparison_group(AgencyKind::Opd, "x", None),
            create_time: Timestamp::UNIX_EPOCH,
            update_time: Timestamp::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn new_entry_rules() {
        use ExemptionLetter::*;
        let d = date(2026, 1, 5);
        type Case<'a> = (
            ExemptionLetter,
            Option<&'a str>,
            Date,
            Option<Date>,
            &'a [&'a str],
        );
        let cases: &[Case] = &[
            (H, None, d, None, &[]),             // personal secrets may be open-ended
            (A, None, d, None, &["x.end_date"]), // a–f must end
            (F, None, d, Some(date(2027, 1, 5)), &[]),
            (C, None, d, Some(d), &["x.end_date"]), // ends on the decree date
            (C, None, d, Some(date(2025, 12, 31)), &["x.end_date"]), // before the decree
            (J, None, d, None, &["x.other_law"]),
            (J, Some("UU 27/2022"), d, None, &[]),
            (H, Some("UU 27/2022"), d, None, &["x.other_law"]),
            (H, None, date(2026, 1, 4), None, &["x.start_date"]), // start before decree
            (A, None, d, Some(date(2056, 1, 5)), &[]),            // 30 years: the limit
            (A, None, d, Some(date(2056, 1, 6)), &["x.end_date"]), // a day longer
            (H, None, d, Some(date(2086, 1, 5)), &[]),            // g–j: no limit
        ];
        for (letter, law, start, end, want) in cases {
            let got: Vec<String> = check_new("x", *letter, *law, d, *start, *end, 30)
                .into_iter()
                .map(|v| v.field)
                .collect();
            assert_eq!(got, want.to_vec(), "{letter:?} {law:?} {start} {end:?}");
        }
    }

    #[test]
    fn status_by_day() {
        let mut e = entry("kota", ExemptionLetter::A, Some(date(2026, 12, 31)));
        e.start_date = date(2026, 2, 1);
        assert_eq!(e.status_on(date(2026, 1, 31)), Status::NotYetInForce);
        assert_eq!(e.status_on(date(2026, 2, 1)), Status::Active);
        assert_eq!(e.status_on(date(2026, 12, 31)), Status::Active);
        assert_eq!(e.status_on(date(2027, 1, 1)), Status::Expired);
        e.revoked = Some(Revocation {
            time: Timestamp::UNIX_EPOCH,
            reason: "SK pencabutan".into(),
            date: date(2026, 6, 1),
        });
        assert_eq!(e.status_on(date(2026, 5, 31)), Status::Active);
        assert_eq!(e.status_on(date(2026, 6, 1)), Status::Revoked);
        assert!(e.explain_on(date(2026, 6, 2)).1.contains("SK pencabutan"));
    }

    #[test]
    fn basis_of_a_notice() {
        let dinkes = agency_at("/kota/dinkes/");
        let own = entry("dinkes", ExemptionLetter::H, None);
        let pemda = entry("kota", ExemptionLetter::I, None);
        let other = entry("lebak", ExemptionLetter::H, None);
        let expired = entry("dinkes", ExemptionLetter::A, Some(date(2026, 2, 1)));
        let day = date(2026, 3, 2);
        use ExemptionLetter::*;
        use Outcome::*;

        let ok = check_basis(
            Rejected,
            &[],
            &[own.clone(), pemda.clone()],
            &dinkes,
            day,
            false,
        )
        .unwrap();
        assert_eq!(ok.letters, vec![H, I]);
        assert!(!ok.unregistered);
        assert_eq!(ok.citations.len(), 2);

        let reason = |r: Result<Basis>| match r {
            Err(Error::FailedPrecondition { reason, .. }) => reason,
            Err(Error::InvalidArgument(v)) => {
                if v[0].field == "notice.exemptions" {
                    "INVALID"
                } else {
                    "?"
                }
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(check_basis(Rejected, &[], &[other], &dinkes, day, false)),
            "EXEMPTION_OF_ANOTHER_AGENCY"
        );
        assert_eq!(
            reason(check_basis(Rejected, &[], &[expired], &dinkes, day, false)),
            "EXEMPTION_NOT_IN_FORCE"
        );
        assert_eq!(
            reason(check_basis(Rejected, &[H], &[], &dinkes, day, false)),
            "EXEMPTION_NOT_REGISTERED"
        );
        assert_eq!(
            reason(check_basis(PartiallyGranted, &[], &[], &dinkes, day, false)),
            "INVALID"
        );
        assert_eq!(
            reason(check_basis(
                Granted,
                &[],
                std::slice::from_ref(&own),
                &dinkes,
                day,
                false
            )),
            "INVALID"
        );
        // A letter beyond the cited entries is an unregistered basis.
        assert_eq!(
            reason(check_basis(
                Rejected,
                &[A],
                std::slice::from_ref(&own),
                &dinkes,
                day,
                false
            )),
            "EXEMPTION_NOT_REGISTERED"
        );

        let flagged = check_basis(Rejected, &[A], &[own], &dinkes, day, true).unwrap();
        assert_eq!(flagged.letters, vec![A, H]);
        assert!(flagged.unregistered);
        let bare = check_basis(Rejected, &[C], &[], &dinkes, day, true).unwrap();
        assert!(bare.unregistered && bare.citations.is_empty());
        assert_eq!(
            check_basis(NotHeld, &[], &[], &dinkes, day, false)
                .unwrap()
                .letters,
            vec![]
        );
    }
}
