//! Letters written from the register: which letter a request or an
//! objection can have now, and the agency letterhead they are printed on.
use serde::{Deserialize, Serialize};

use super::{LetterKind, Outcome, objection::Objection, request::Request};
use crate::error::{Error, FieldViolation};

/// An agency's letterhead (kop surat) and the officials who sign its
/// letters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letterhead {
    /// The body's name as printed at the top, e.g. "Pemerintah Kota Serang".
    pub institution: String,
    /// The unit below it, e.g. "Dinas Kesehatan" (optional).
    #[serde(default)]
    pub unit: String,
    /// Street address.
    pub address: String,
    /// The city letters are dated from ("Serang, 4 Desember 2026").
    pub city: String,
    /// Telephone (optional).
    #[serde(default)]
    pub phone: String,
    /// Email (optional).
    #[serde(default)]
    pub email: String,
    /// Website (optional).
    #[serde(default)]
    pub website: String,
    /// The PPID's name.
    pub ppid_name: String,
    /// The PPID's civil-service number (NIP, optional).
    #[serde(default)]
    pub ppid_nip: String,
    /// The atasan PPID's name.
    pub superior_name: String,
    /// The atasan PPID's position, e.g. "Sekretaris Daerah".
    pub superior_position: String,
    /// The atasan's NIP (optional).
    #[serde(default)]
    pub superior_nip: String,
    /// The decree appointing the PPID (SK penetapan PPID).
    pub decree_number: String,
}

/// Longest field of a letterhead.
pub const LETTERHEAD_FIELD_MAX: usize = 300;

impl Letterhead {
    /// Every problem with the letterhead, each naming its field under
    /// `prefix` (e.g. `agency.letterhead`): the fields a letter cannot be
    /// printed without are required.
    pub fn violations(&self, prefix: &str) -> Vec<FieldViolation> {
        let mut out = Vec::new();
        let fields: [(&str, &str, bool); 13] = [
            ("institution", &self.institution, true),
            ("unit", &self.unit, false),
            ("address", &self.address, true),
            ("city", &self.city, true),
            ("phone", &self.phone, false),
            ("email", &self.email, false),
            ("website", &self.website, false),
            ("ppid_name", &self.ppid_name, true),
            ("ppid_nip", &self.ppid_nip, false),
            ("superior_name", &self.superior_name, true),
            ("superior_position", &self.superior_position, true),
            ("superior_nip", &self.superior_nip, false),
            ("decree_number", &self.decree_number, true),
        ];
        for (name, value, required) in fields {
            let field = format!("{prefix}.{name}");
            if required && value.trim().is_empty() {
                out.push(FieldViolation::new(field, "is required"));
            } else if value.chars().count() > LETTERHEAD_FIELD_MAX {
                out.push(FieldViolation::new(
                    field,
                    format!("at most {LETTERHEAD_FIELD_MAX} characters"),
                ));
            } else if value.chars().any(|c| c.is_control()) {
                out.push(FieldViolation::new(
                    field,
                    "one line, no control characters",
                ));
            }
        }
        out
    }

    /// The letterhead with surrounding spaces trimmed.
    pub fn trimmed(mut self) -> Self {
        for f in [
            &mut self.institution,
            &mut self.unit,
            &mut self.address,
            &mut self.city,
            &mut self.phone,
            &mut self.email,
            &mut self.website,
            &mut self.ppid_name,
            &mut self.ppid_nip,
            &mut self.superior_name,
            &mut self.superior_position,
            &mut self.superior_nip,
            &mut self.decree_number,
        ] {
            *f = f.trim().to_string();
        }
        self
    }
}

impl LetterKind {
    /// Whether the letter is about an objection (else about a request).
    pub fn is_about_objection(self) -> bool {
        matches!(
            self,
            LetterKind::ObjectionReceipt | LetterKind::ObjectionAnswer
        )
    }

    /// The notice letter of an outcome.
    pub fn notice_of(o: Outcome) -> LetterKind {
        match o {
            Outcome::Granted => LetterKind::NoticeGranted,
            Outcome::PartiallyGranted => LetterKind::NoticePartiallyGranted,
            Outcome::Rejected => LetterKind::NoticeRejected,
            Outcome::NotHeld => LetterKind::NoticeNotHeld,
            Outcome::NotYetDocumented => LetterKind::NoticeNotYetDocumented,
        }
    }
}

fn not_applicable(kind: LetterKind, why: String) -> Error {
    Error::precondition(
        "LETTER_NOT_APPLICABLE",
        format!("no {kind} letter for this: {why}"),
    )
}

/// Whether `kind` can be written for `r` as it stands: a notice letter
/// needs a written notice with that outcome, an extension letter an
/// extension, a completion request a return for completion (`returned`:
/// the request was ever returned), a handover receipt a delivery.
pub fn check_request_letter(kind: LetterKind, r: &Request, returned: bool) -> Result<(), Error> {
    let n = &r.registration_number;
    match kind {
        LetterKind::Receipt => Ok(()),
        LetterKind::CompletionRequest if returned => Ok(()),
        LetterKind::CompletionRequest => Err(not_applicable(
            kind,
            format!("{n} was never returned for completion"),
        )),
        LetterKind::Extension if r.extension.is_some() => Ok(()),
        LetterKind::Extension => Err(not_applicable(kind, format!("{n} was not extended"))),
        LetterKind::HandoverReceipt if r.deliver_time.is_some() => Ok(()),
        LetterKind::HandoverReceipt => Err(not_applicable(
            kind,
            format!("no delivery is recorded for {n}"),
        )),
        LetterKind::ObjectionReceipt | LetterKind::ObjectionAnswer => Err(not_applicable(
            kind,
            "it is written for an objection: name the objection".into(),
        )),
        notice => match &r.notice {
            Some(x) if LetterKind::notice_of(x.outcome) == notice => Ok(()),
            Some(x) => Err(not_applicable(
                kind,
                format!("the written notice of {n} is {}", x.outcome),
            )),
            None => Err(not_applicable(
                kind,
                format!("{n} has no written notice yet"),
            )),
        },
    }
}

/// Whether `kind` can be written for objection `o`.
pub fn check_objection_letter(kind: LetterKind, o: &Objection) -> Result<(), Error> {
    match kind {
        LetterKind::ObjectionReceipt => Ok(()),
        LetterKind::ObjectionAnswer if o.decision.is_some() => Ok(()),
        LetterKind::ObjectionAnswer => Err(not_applicable(
            kind,
            format!("the atasan has not answered {} yet", o.registration_number),
        )),
        _ => Err(not_applicable(
            kind,
            "it is written for a request: name the request".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Letterhead {
        Letterhead {
            institution: "Pemerintah Kota Serang".into(),
            address: "Jl. Jend. Sudirman No. 5".into(),
            city: "Serang".into(),
            ppid_name: "Drs. Ahmad Yani".into(),
            superior_name: "H. Nanang Saefudin".into(),
            superior_position: "Sekretaris Daerah".into(),
            decree_number: "800/Kep.12-Huk/2026".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_full_letterhead_passes() {
        assert!(full().violations("x").is_empty());
    }

    #[test]
    fn each_required_field_is_named() {
        let v = Letterhead {
            city: " ".into(),
            ..Default::default()
        }
        .violations("agency.letterhead");
        let fields: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "agency.letterhead.institution",
                "agency.letterhead.address",
                "agency.letterhead.city",
                "agency.letterhead.ppid_name",
                "agency.letterhead.superior_name",
                "agency.letterhead.superior_position",
                "agency.letterhead.decree_number",
            ]
        );
    }

    #[test]
    fn long_or_multiline_fields_are_refused() {
        let mut l = full();
        l.phone = "1".repeat(LETTERHEAD_FIELD_MAX + 1);
        l.unit = "a\nb".into();
        let fields: Vec<String> = l.violations("p").into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["p.unit", "p.phone"]);
    }
}
