//! The annual service report's own rules (UU KIP Pasal 12; Perki 1/2021
//! Pasal 56): the parts an office writes by hand, and when it is due.
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::FieldViolation;

/// The narrative parts of an agency's annual report for a year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    /// Profil dan kebijakan PPID: the PPID's profile and its policies.
    #[serde(default)]
    pub profile: String,
    /// Sarana dan prasarana: facilities for information services.
    #[serde(default)]
    pub facilities: String,
    /// Sumber daya manusia: the staff who serve information.
    #[serde(default)]
    pub staff: String,
    /// Anggaran: the budget for information services.
    #[serde(default)]
    pub budget: String,
    /// Kendala: obstacles met.
    #[serde(default)]
    pub obstacles: String,
    /// Rekomendasi dan rencana tindak lanjut.
    #[serde(default)]
    pub recommendations: String,
    /// Pelaksanaan putusan keberatan dan sengketa: how the atasan's and the
    /// Komisi Informasi's decisions were carried out.
    #[serde(default)]
    pub decisions_implementation: String,
}

/// Longest narrative part (a few pages of text).
pub const NARRATIVE_PART_MAX: usize = 20_000;

impl Narrative {
    /// The parts with their field names, in the report's order.
    pub fn parts(&self) -> [(&'static str, &str); 7] {
        [
            ("profile", &self.profile),
            ("facilities", &self.facilities),
            ("staff", &self.staff),
            ("budget", &self.budget),
            ("obstacles", &self.obstacles),
            ("recommendations", &self.recommendations),
            ("decisions_implementation", &self.decisions_implementation),
        ]
    }

    /// Over-long parts, and a narrative with nothing in it.
    pub fn violations(&self, prefix: &str) -> Vec<FieldViolation> {
        let mut out = Vec::new();
        for (name, text) in self.parts() {
            if text.chars().count() > NARRATIVE_PART_MAX {
                out.push(FieldViolation::new(
                    format!("{prefix}.{name}"),
                    format!("at most {NARRATIVE_PART_MAX} characters"),
                ));
            }
        }
        if self.parts().iter().all(|(_, t)| t.trim().is_empty()) {
            out.push(FieldViolation::new(prefix, "write at least one part"));
        }
        out
    }
}

/// The day the report of `year` is due: three months after the year ends
/// (Perki 1/2021 Pasal 56), i.e. 31 March of the next year.
pub fn due_date(year: i16) -> Date {
    jiff::civil::date(year + 1, 3, 31)
}

/// A report's publication: when, by whom, and when it was sent to the
/// Komisi Informasi (if recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publication {
    /// Published.
    pub publish_time: jiff::Timestamp,
    /// The acting key.
    pub published_by: String,
    /// Sent to the Komisi Informasi on.
    pub sent_to_ki_date: Option<Date>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_three_months_after_the_year() {
        assert_eq!(due_date(2026).to_string(), "2027-03-31");
        assert_eq!(due_date(2024).to_string(), "2025-03-31");
    }

    #[test]
    fn an_empty_narrative_is_refused_and_long_parts_named() {
        let v = Narrative::default().violations("narrative");
        assert_eq!(v[0].field, "narrative");
        let n = Narrative {
            budget: "x".repeat(NARRATIVE_PART_MAX + 1),
            ..Default::default()
        };
        let fields: Vec<String> = n.violations("n").into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["n.budget"]);
    }
}
