//! The register entry of a request (register permohonan) and its history.
use std::collections::BTreeMap;

use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    AccessMethod, Channel, CopyForm, DeliveryMethod, EventType, ExemptionLetter, Outcome,
    PersonalInformationBasis, RequestState, RequesterType,
};

/// Who asks. NIK, address, phone and email are personal data (UU PDP): they
/// never go to logs, events or error messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    /// Full name.
    pub full_name: String,
    /// Individual, group or legal entity.
    #[serde(with = "requester_type_serde")]
    pub kind: RequesterType,
    /// NIK (16 digits), for individuals and groups.
    pub nik: Option<String>,
    /// A legal entity's registration.
    pub legal_entity_registration: Option<String>,
    /// Address.
    pub address: String,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Someone filing on the requester's behalf.
    pub proxy: Option<Proxy>,
}

/// A proxy with a power of attorney (surat kuasa).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proxy {
    /// Full name.
    pub full_name: String,
    /// Reference to the power of attorney.
    pub power_of_attorney: String,
}

mod requester_type_serde {
    use super::RequesterType;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(v: &RequesterType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RequesterType, D::Error> {
        let s = String::deserialize(d)?;
        RequesterType::parse(&s).ok_or_else(|| D::Error::custom(format!("requester type {s}")))
    }
}

/// The result of a submission.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The request.
    pub request: Request,
    /// True when this was a retry of an earlier identical call.
    pub replayed: bool,
}

/// A submission whose id is already registered: a retry of the same call
/// (same body, `stored_hash` equals `new_hash`) answers as the first did;
/// anything else reuses the key, which is refused (AIP-155). The refusal
/// names neither the existing request's number nor its agency: the id may
/// belong to another agency's request.
pub fn replay(
    existing: Request,
    stored_hash: &str,
    new_hash: &str,
) -> crate::error::Result<Submitted> {
    if stored_hash == new_hash {
        Ok(Submitted {
            request: existing,
            replayed: true,
        })
    } else {
        Err(crate::error::Error::AlreadyExists {
            reason: "REQUEST_ID_REUSED",
            // Never the registration number: the id may be another agency's.
            message: format!(
                "request_id {} was already used for a different request; use a new request_id",
                existing.id
            ),
        })
    }
}

/// A validated new request.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// The idempotency key and id.
    pub id: Uuid,
    /// The agency it is filed at.
    pub agency_id: String,
    /// Who asks.
    pub requester: Requester,
    /// Rincian informasi.
    pub information_requested: String,
    /// Tujuan.
    pub purpose: String,
    /// How to obtain it.
    pub access_method: AccessMethod,
    /// Copy form.
    pub copy_form: Option<CopyForm>,
    /// Delivery.
    pub delivery_method: DeliveryMethod,
    /// Channel.
    pub channel: Channel,
    /// Why personal information asked for is not exempt from this requester
    /// (Pasal 18(2)), when the request says so.
    pub personal_information_basis: Option<PersonalInformationBasis>,
    /// Receipt time; `None` means now.
    pub receive_time: Option<Timestamp>,
    /// Hash of the call's body, to tell a retry from a reuse of the key.
    pub body_hash: String,
    /// The API key that submitted it (`None` in open mode).
    pub submitted_by: Option<String>,
}

/// The written notice as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Decision.
    pub outcome: Outcome,
    /// Text as sent.
    pub notice_text: String,
    /// Pasal 17 letters relied on.
    pub exemption_letters: Vec<ExemptionLetter>,
    /// Parts withheld, for a partial grant.
    pub withheld_parts: Option<String>,
    /// Body holding the information, for "not held".
    pub holder: Option<String>,
    /// Fee in rupiah.
    pub fee_rupiah: i64,
    /// The fee priced item by item against the tariff in force.
    #[serde(default)]
    pub fee_items: Vec<super::tariff::FeeItem>,
    /// The tariff version that priced it.
    #[serde(default)]
    pub fee_tariff: Option<String>,
    /// Payment method.
    pub payment_method: Option<String>,
    /// Delivery means.
    pub delivery_method: Option<DeliveryMethod>,
    /// Delivery format.
    pub format: Option<String>,
    /// When the notice was given.
    pub notice_time: Timestamp,
    /// Working days from the clock start to the notice.
    pub working_days_taken: i32,
    /// Given by the lawful due date.
    pub on_time: bool,
    /// Information given: the day it must be delivered by.
    #[serde(default)]
    pub delivery_due_date: Option<Date>,
    /// The instant that day ends in the agency's zone.
    #[serde(default)]
    pub delivery_due_end_time: Option<Timestamp>,
    /// The DIK entries the withholding rests on.
    pub citations: Vec<super::exemption::Citation>,
    /// Some Pasal 17 letter rests on no DIK entry.
    pub unregistered_basis: bool,
}

/// The first written notice of a request an overturned objection sent back:
/// never erased, the figures judge the request by it (Pasal 12(b): the time
/// taken for each request) and count the new answer separately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstNotice {
    /// The notice.
    pub notice: Notice,
    /// The due date it was judged against.
    pub due_date: Option<Date>,
    /// The due date without extension then.
    pub original_due_date: Option<Date>,
    /// When the requester received it, when recorded.
    pub receipt_date: Option<Date>,
}

/// A recorded extension (Pasal 22(8)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// Written reason.
    pub reason: String,
    /// When.
    pub extend_time: Timestamp,
    /// Due date before.
    pub previous_due_date: Date,
}

/// A request as stored: the projection of its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Id.
    pub id: Uuid,
    /// Nomor pendaftaran.
    pub registration_number: String,
    /// Handling agency now.
    pub agency_id: String,
    /// Agency where it was filed.
    pub receiving_agency_id: String,
    /// The Pemda (scope of numbers and forwarding).
    pub pemda_id: String,
    /// Who asks.
    pub requester: Requester,
    /// Rincian informasi.
    pub information_requested: String,
    /// Tujuan.
    pub purpose: String,
    /// How to obtain it.
    pub access_method: AccessMethod,
    /// Copy form.
    pub copy_form: Option<CopyForm>,
    /// Delivery.
    pub delivery_method: DeliveryMethod,
    /// Channel.
    pub channel: Channel,
    /// Receipt.
    pub receive_time: Timestamp,
    /// State.
    pub state: RequestState,
    /// Local date the clock runs from.
    pub clock_start_date: Date,
    /// 10 working days from the clock start; `None` while paused.
    pub original_due_date: Option<Date>,
    /// Lawful due date with any extension; `None` while paused.
    pub due_date: Option<Date>,
    /// First instant past the due date (agency-local midnight), for cheap
    /// overdue queries; `None` while paused.
    pub due_end_time: Option<Timestamp>,
    /// The extension, if any.
    pub extension: Option<Extension>,
    /// The notice, once given.
    pub notice: Option<Notice>,
    /// Delivery time.
    pub deliver_time: Option<Timestamp>,
    /// Working days from the clock start to delivery.
    pub deliver_working_days: Option<i32>,
    /// Withdrawal time.
    pub withdraw_time: Option<Timestamp>,
    /// Created.
    pub create_time: Timestamp,
    /// Last changed.
    pub update_time: Timestamp,
    /// When it was last returned for completion (ground c may object to
    /// the return while the clock is paused).
    pub return_time: Option<Timestamp>,
    /// When the requester received the written notice, when recorded.
    pub notice_receipt_date: Option<Date>,
    /// The first written notice, kept when an overturned objection sent the
    /// request back for a new answer.
    pub first_notice: Option<FirstNotice>,
    /// Why personal information asked for is not exempt from this requester
    /// (Pasal 18(2)), as recorded at intake.
    pub personal_information_basis: Option<PersonalInformationBasis>,
    /// Version (the etag).
    pub version: i64,
}

impl Request {
    /// Its clock runs and its due date has passed at `now`.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.state.clock_runs() && self.due_end_time.is_some_and(|end| now >= end)
    }

    /// The end of the deadline that runs now: the written notice's while the
    /// clock runs, delivery's once answered with information; none otherwise.
    pub fn running_deadline_end(&self) -> Option<Timestamp> {
        match self.state {
            s if s.clock_runs() => self.due_end_time,
            RequestState::Responded => self.notice.as_ref().and_then(|n| n.delivery_due_end_time),
            _ => None,
        }
    }

    /// Answered with information that was not delivered by the date the
    /// notice set, at `now`.
    pub fn is_overdue_for_delivery(&self, now: Timestamp) -> bool {
        self.state == RequestState::Responded
            && self
                .notice
                .as_ref()
                .and_then(|n| n.delivery_due_end_time)
                .is_some_and(|end| now >= end)
    }
}

/// One history entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventType,
    /// Effective time.
    pub event_time: Timestamp,
    /// One line for people (no personal data).
    pub summary: String,
    /// Facts (no personal data).
    pub details: BTreeMap<String, String>,
}

/// A stored history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// 1, 2, 3, ...
    pub sequence: i64,
    /// What happened.
    pub kind: EventType,
    /// Effective time.
    pub event_time: Timestamp,
    /// When recorded.
    pub record_time: Timestamp,
    /// Who.
    pub actor: String,
    /// State after it.
    pub state: RequestState,
    /// One line.
    pub summary: String,
    /// Facts.
    pub details: BTreeMap<String, String>,
}

/// The registration number (nomor pendaftaran): `{PEMDA}/PPID/{YEAR}/{NNNNNN}`,
/// e.g. `KOTA-SERANG/PPID/2026/000042`. The sequence restarts each year per
/// Pemda, so a number tells where and when a request was registered.
pub fn registration_number(pemda_id: &str, year: i16, seq: i64) -> String {
    format!("{}/PPID/{year}/{seq:06}", pemda_id.to_ascii_uppercase())
}

/// Whether `s` has the whole form of a registration number (a search for
/// it is exact; anything shorter is a search by its start).
pub fn is_registration_number(s: &str) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    matches!(parts.as_slice(), [pemda, "PPID", year, seq]
        if !pemda.is_empty()
            && year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())
            && seq.len() >= 6 && seq.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_registration_numbers() {
        let cases = [
            ("KOTA-SERANG/PPID/2026/000042", true),
            ("KOTA-SERANG/PPID/2026/1000042", true),
            ("KOTA-SERANG/PPID/2026/", false),
            ("KOTA-SERANG/PPID/26/000042", false),
            ("/PPID/2026/000042", false),
            ("KOTA-SERANG/KEBERATAN/2026/000042", false),
        ];
        for (s, want) in cases {
            assert_eq!(is_registration_number(s), want, "{s}");
        }
    }

    #[test]
    fn registration_numbers_are_readable_and_padded() {
        assert_eq!(
            registration_number("kota-serang", 2026, 42),
            "KOTA-SERANG/PPID/2026/000042"
        );
        assert_eq!(
            registration_number("kab-lebak", 2025, 1_234_567),
            "KAB-LEBAK/PPID/2025/1234567"
        );
    }
}
