//! Exempt information (informasi yang dikecualikan, UU KIP Pasal 17) and the
//! list that records it (Daftar Informasi yang Dikecualikan, DIK). A PPID may
//! withhold only what an entry in force covers, after a consequence test
//! (uji konsekuensi, Pasal 19); entries under letters a–f are never
//! permanent (Pasal 20).
use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{
    ExemptionLetter, InformationCategory, Outcome, PersonalInformationBasis, agency::Agency,
};
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
    /// What the information is, for the Pasal 18 checks.
    pub category: InformationCategory,
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

impl InformationCategory {
    /// The Pasal 18(1) letter and what the law names, for information that
    /// can never be exempt.
    pub fn never_exempt(self) -> Option<(char, &'static str)> {
        use InformationCategory::*;
        Some(match self {
            General | PersonalData => return None,
            CourtDecision => ('a', "a court decision (putusan badan peradilan)"),
            Policy => (
                'b',
                "a decree, decision, regulation, circular or other policy (ketetapan, keputusan, peraturan, surat edaran, kebijakan)",
            ),
            InvestigationTermination => (
                'c',
                "an order ending an investigation or prosecution (SP3/SKPP)",
            ),
            LawEnforcementSpendingPlan => ('d', "a law enforcer's annual spending plan"),
            LawEnforcementFinancialReport => ('e', "a law enforcer's annual financial report"),
            CorruptionRecoveryReport => ('f', "a report on corruption proceeds recovered"),
            OpenedByObjectionOrDispute => (
                'g',
                "information declared open after an objection or a dispute (Pasal 11(2))",
            ),
        })
    }
}

/// Pasal 18 against a new entry's category: what can never be exempt is
/// refused with the article; personal data rests on letter g, h or j.
pub fn check_category(
    field: &str,
    letter: ExemptionLetter,
    category: InformationCategory,
) -> Result<()> {
    if let Some((l, what)) = category.never_exempt() {
        return Err(Error::precondition(
            "NEVER_EXEMPT",
            format!(
                "{what} is never exempt information (UU KIP Pasal 18 ayat (1) huruf {l}): it cannot enter the DIK"
            ),
        ));
    }
    if category == InformationCategory::PersonalData
        && !matches!(
            letter,
            ExemptionLetter::G | ExemptionLetter::H | ExemptionLetter::J
        )
    {
        return Err(Error::invalid(
            format!("{field}.category"),
            format!(
                "personal data is exempt under Pasal 17 letter g or h (or j with the personal-data law), not letter {letter}"
            ),
        ));
    }
    Ok(())
}

/// Whether withholding under `letter` (an entry of `category`) protects a
/// person's secrets, which Pasal 18(2) opens in the cases it names.
fn protects_a_person(letter: ExemptionLetter, category: Option<InformationCategory>) -> bool {
    matches!(letter, ExemptionLetter::G | ExemptionLetter::H)
        || category == Some(InformationCategory::PersonalData)
}

impl PersonalInformationBasis {
    /// Why the request says the information is not exempt from it.
    pub fn explain(self) -> &'static str {
        match self {
            Self::OwnData => {
                "the requester is the person the information is about (letters g and h protect a person's secrets from others, not from the person)"
            }
            Self::WrittenConsent => {
                "the person whose secret it is consented in writing (UU KIP Pasal 18 ayat (2) huruf a)"
            }
            Self::PublicOffice => {
                "it concerns the person's position in a public office (UU KIP Pasal 18 ayat (2) huruf b)"
            }
        }
    }
}

fn personal_conflict(what: &str, basis: PersonalInformationBasis) -> Error {
    Error::precondition(
        "PASAL_18_CONFLICT",
        format!(
            "{what} cannot support this notice: the request records that {}",
            basis.explain()
        ),
    )
}

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
/// A decree dated after the notice cannot support it; a person's secrets
/// cannot be withheld where the request records a Pasal 18(2) basis.
pub fn check_basis(
    outcome: Outcome,
    letters: &[ExemptionLetter],
    cited: &[Exemption],
    handling: &Agency,
    notice_day: Date,
    allow_unregistered: bool,
    personal: Option<PersonalInformationBasis>,
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
        if super::agency::depth_on(&handling.path, &e.agency_id).is_none() {
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
        if e.decree_date > notice_day {
            return Err(Error::precondition(
                "EXEMPTION_NOT_IN_FORCE",
                format!(
                    "{} was decreed on {}, after the notice of {notice_day}: a later decree cannot support an earlier notice",
                    e.name(),
                    e.decree_date
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
    if let Some(basis) = personal {
        if let Some(e) = cited
            .iter()
            .find(|e| protects_a_person(e.letter, Some(e.category)))
        {
            return Err(personal_conflict(&e.name(), basis));
        }
        if let Some(l) = unregistered_letters
            .iter()
            .find(|l| protects_a_person(**l, None))
        {
            return Err(personal_conflict(&format!("Pasal 17 letter {l}"), basis));
        }
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
            category: InformationCategory::General,
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
            None,
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
            reason(check_basis(
                Rejected,
                &[],
                &[other],
                &dinkes,
                day,
                false,
                None
            )),
            "EXEMPTION_OF_ANOTHER_AGENCY"
        );
        assert_eq!(
            reason(check_basis(
                Rejected,
                &[],
                &[expired],
                &dinkes,
                day,
                false,
                None
            )),
            "EXEMPTION_NOT_IN_FORCE"
        );
        assert_eq!(
            reason(check_basis(Rejected, &[H], &[], &dinkes, day, false, None)),
            "EXEMPTION_NOT_REGISTERED"
        );
        assert_eq!(
            reason(check_basis(
                PartiallyGranted,
                &[],
                &[],
                &dinkes,
                day,
                false,
                None
            )),
            "INVALID"
        );
        assert_eq!(
            reason(check_basis(
                Granted,
                &[],
                std::slice::from_ref(&own),
                &dinkes,
                day,
                false,
                None
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
                false,
                None
            )),
            "EXEMPTION_NOT_REGISTERED"
        );

        let flagged = check_basis(Rejected, &[A], &[own], &dinkes, day, true, None).unwrap();
        assert_eq!(flagged.letters, vec![A, H]);
        assert!(flagged.unregistered);
        let bare = check_basis(Rejected, &[C], &[], &dinkes, day, true, None).unwrap();
        assert!(bare.unregistered && bare.citations.is_empty());
        assert_eq!(
            check_basis(NotHeld, &[], &[], &dinkes, day, false, None)
                .unwrap()
                .letters,
            vec![]
        );
    }

    #[test]
    fn pasal_18_categories() {
        use ExemptionLetter::*;
        use InformationCategory::*;
        // (letter, category, refusal reason or field; "" when accepted)
        let cases: &[(ExemptionLetter, InformationCategory, &str)] = &[
            (A, General, ""),
            (H, PersonalData, ""),
            (G, PersonalData, ""),
            (J, PersonalData, ""), // under the personal-data law
            (C, PersonalData, "x.category"),
            (I, PersonalData, "x.category"),
            // Pasal 18(1) a–g: never exempt, whatever the letter.
            (A, CourtDecision, "NEVER_EXEMPT"),
            (I, Policy, "NEVER_EXEMPT"),
            (A, InvestigationTermination, "NEVER_EXEMPT"),
            (C, LawEnforcementSpendingPlan, "NEVER_EXEMPT"),
            (C, LawEnforcementFinancialReport, "NEVER_EXEMPT"),
            (A, CorruptionRecoveryReport, "NEVER_EXEMPT"),
            (H, OpenedByObjectionOrDispute, "NEVER_EXEMPT"),
        ];
        for (letter, category, want) in cases {
            let got = match check_category("x", *letter, *category) {
                Ok(()) => String::new(),
                Err(Error::FailedPrecondition { reason, message }) => {
                    assert!(message.contains("Pasal 18 ayat (1)"), "{message}");
                    reason.to_string()
                }
                Err(Error::InvalidArgument(v)) => v[0].field.clone(),
                Err(e) => panic!("{e:?}"),
            };
            assert_eq!(&got, want, "{letter:?} {category:?}");
        }
        // Every category has a rule: never exempt ones name their letter.
        for c in InformationCategory::ALL {
            let never = c.never_exempt().is_some();
            assert_eq!(never, !matches!(c, General | PersonalData), "{c:?}");
        }
    }

    #[test]
    fn pasal_18_against_a_notice() {
        use ExemptionLetter::*;
        use PersonalInformationBasis::*;
        let dinkes = agency_at("/kota/dinkes/");
        let day = date(2026, 3, 2);
        let secret = entry("dinkes", H, None);
        let mut pdp = entry("dinkes", J, None);
        pdp.other_law = Some("UU 27/2022".into());
        pdp.category = InformationCategory::PersonalData;
        let security = entry("dinkes", C, Some(date(2027, 1, 1)));
        let mut late_decree = entry("dinkes", I, None);
        late_decree.decree_date = date(2026, 3, 3);
        late_decree.start_date = date(2026, 3, 3);
        let check =
            |cited: &[Exemption], letters: &[ExemptionLetter], allow, basis| match check_basis(
                Outcome::Rejected,
                letters,
                cited,
                &dinkes,
                day,
                allow,
                basis,
            ) {
                Ok(_) => String::new(),
                Err(Error::FailedPrecondition { reason, message }) => {
                    format!("{reason}: {message}")
                }
                Err(e) => panic!("{e:?}"),
            };
        // (cited, unregistered letters, allow unregistered, basis, reason prefix)
        type Case<'a> = (
            &'a [Exemption],
            &'a [ExemptionLetter],
            bool,
            Option<PersonalInformationBasis>,
            &'a str,
        );
        let one = std::slice::from_ref;
        let cases: &[Case] = &[
            (one(&secret), &[], false, None, ""),
            (one(&secret), &[], false, Some(OwnData), "PASAL_18_CONFLICT"),
            (
                one(&secret),
                &[],
                false,
                Some(WrittenConsent),
                "PASAL_18_CONFLICT",
            ),
            (
                one(&secret),
                &[],
                false,
                Some(PublicOffice),
                "PASAL_18_CONFLICT",
            ),
            // Letter j resting on the personal-data law, categorised as such.
            (one(&pdp), &[], false, Some(OwnData), "PASAL_18_CONFLICT"),
            // A security exemption is not opened by the person's consent.
            (one(&security), &[], false, Some(WrittenConsent), ""),
            // An unregistered g withheld from the person concerned.
            (&[], &[G], true, Some(OwnData), "PASAL_18_CONFLICT"),
            (&[], &[C], true, Some(OwnData), ""),
            // A decree dated after the notice cannot support it.
            (
                one(&late_decree),
                &[],
                false,
                None,
                "EXEMPTION_NOT_IN_FORCE",
            ),
        ];
        for (cited, letters, allow, basis, want) in cases {
            let got = check(cited, letters, *allow, *basis);
            assert!(got.starts_with(want), "{letters:?} {basis:?}: {got}");
            assert_eq!(
                got.is_empty(),
                want.is_empty(),
                "{letters:?} {basis:?}: {got}"
            );
        }
        assert!(
            check(one(&late_decree), &[], false, None)
                .contains("decreed on 2026-03-03, after the notice"),
        );
        assert!(
            check(one(&secret), &[], false, Some(WrittenConsent))
                .contains("Pasal 18 ayat (2) huruf a")
        );
    }
}
