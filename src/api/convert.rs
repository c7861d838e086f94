//! Proto <-> domain conversions and the input checks every service shares.
use std::fmt::Display;

use jiff::{Timestamp, civil::Date};

use crate::{
    domain::{self, calendar::HolidayKind},
    error::{Error, FieldViolation, Result},
    pb::{google::r#type::Date as PbDate, ppid::v1 as pb},
};

/// A domain enum with a proto twin; unspecified and unknown values map to `None`.
pub trait ProtoEnum: Sized + Copy {
    /// From the wire value.
    fn from_proto(v: i32) -> Option<Self>;
    /// To the wire value.
    fn to_proto(self) -> i32;
}

macro_rules! proto_enum {
    ($d:ty => $p:ty { $($dv:ident => $pv:ident),+ $(,)? }) => {
        impl ProtoEnum for $d {
            fn from_proto(v: i32) -> Option<Self> {
                $(if v == <$p>::$pv as i32 { return Some(<$d>::$dv); })+
                None
            }
            fn to_proto(self) -> i32 {
                match self { $(<$d>::$dv => <$p>::$pv as i32),+ }
            }
        }
    };
}

proto_enum!(domain::LetterKind => pb::letter::Kind {
    Receipt => Receipt,
    CompletionRequest => CompletionRequest,
    NoticeGranted => NoticeGranted,
    NoticePartiallyGranted => NoticePartiallyGranted,
    NoticeRejected => NoticeRejected,
    NoticeNotHeld => NoticeNotHeld,
    NoticeNotYetDocumented => NoticeNotYetDocumented,
    Extension => Extension,
    HandoverReceipt => HandoverReceipt,
    ObjectionReceipt => ObjectionReceipt,
    ObjectionAnswer => ObjectionAnswer,
});
proto_enum!(domain::AgencyKind => pb::agency::Kind {
    Pemda => Pemda, Opd => Opd, OtherPublicBody => OtherPublicBody,
});
proto_enum!(domain::Channel => pb::Channel {
    WebForm => WebForm, WalkIn => WalkIn, Email => Email, Letter => Letter, Phone => Phone,
    AgencyPortal => AgencyPortal,
});
proto_enum!(domain::AccessMethod => pb::AccessMethod { Inspect => Inspect, Copy => Copy });
proto_enum!(domain::CopyForm => pb::CopyForm { Softcopy => Softcopy, Hardcopy => Hardcopy });
proto_enum!(domain::DeliveryMethod => pb::DeliveryMethod {
    PickUp => PickUp, Courier => Courier, Post => Post, Fax => Fax, Email => Email,
});
proto_enum!(domain::RequesterType => pb::requester::Type {
    Individual => Individual, Group => Group, LegalEntity => LegalEntity,
});
proto_enum!(domain::Outcome => pb::notice::Outcome {
    Granted => Granted, PartiallyGranted => PartiallyGranted, Rejected => Rejected,
    NotHeld => NotHeld, NotYetDocumented => NotYetDocumented,
});
proto_enum!(domain::ExemptionLetter => pb::ExemptionLetter {
    A => A, B => B, C => C, D => D, E => E, F => F, G => G, H => H, I => I, J => J,
});
proto_enum!(domain::InformationKind => pb::InformationKind {
    Berkala => Berkala, SertaMerta => SertaMerta, SetiapSaat => SetiapSaat
});
proto_enum!(domain::InformationCategory => pb::InformationCategory {
    General => General, PersonalData => PersonalData, CourtDecision => CourtDecision,
    Policy => Policy, InvestigationTermination => InvestigationTermination,
    LawEnforcementSpendingPlan => LawEnforcementSpendingPlan,
    LawEnforcementFinancialReport => LawEnforcementFinancialReport,
    CorruptionRecoveryReport => CorruptionRecoveryReport,
    OpenedByObjectionOrDispute => OpenedByObjectionOrDispute,
});
proto_enum!(domain::PersonalInformationBasis => pb::PersonalInformationBasis {
    OwnData => OwnData, WrittenConsent => WrittenConsent, PublicOffice => PublicOffice,
});
proto_enum!(domain::RequestState => pb::information_request::State {
    Pending => Pending, AwaitingCompletion => AwaitingCompletion, Responded => Responded,
    Delivered => Delivered, Withdrawn => Withdrawn,
});
proto_enum!(domain::EventType => pb::request_event::Type {
    Submitted => Submitted, ReturnedForCompletion => ReturnedForCompletion,
    Resubmitted => Resubmitted, Forwarded => Forwarded, Extended => Extended,
    Responded => Responded, Delivered => Delivered, Withdrawn => Withdrawn,
    DueDateChanged => DueDateChanged, ObjectionFiled => ObjectionFiled,
    ObjectionDecided => ObjectionDecided, DisputeFiled => DisputeFiled,
    DisputeSettled => DisputeSettled, NoticeReceived => NoticeReceived,
    ObjectionAnswerReceived => ObjectionAnswerReceived,
    ObjectionDeadlineChanged => ObjectionDeadlineChanged,
    DisputeStepRecorded => DisputeStepRecorded,
});
proto_enum!(domain::ObjectionGround => pb::ObjectionGround {
    Rejected => Rejected, PeriodicNotProvided => PeriodicNotProvided, NotAnswered => NotAnswered,
    AnsweredOtherwise => AnsweredOtherwise, NotFulfilled => NotFulfilled,
    UnreasonableFee => UnreasonableFee, AnsweredLate => AnsweredLate,
});
proto_enum!(domain::ObjectionDecision => pb::objection::Decision {
    Upheld => Upheld, Overturned => Overturned, Inadmissible => Inadmissible,
});
proto_enum!(domain::OverturnEffect => pb::objection::Effect {
    Reopened => Reopened, FeeCorrected => FeeCorrected, Acknowledged => Acknowledged,
    PublicationOrdered => PublicationOrdered,
});
proto_enum!(domain::FilingTiming => pb::dispute::FilingTiming {
    WithinWindow => WithinWindow, Late => Late, Early => Early,
});
proto_enum!(domain::Admissibility => pb::ground_check::Admissibility {
    Admissible => Admissible, Late => Late, NotApplicable => NotApplicable,
});
proto_enum!(domain::DecisionExtent => pb::objection::Extent { Wholly => Wholly, Partly => Partly });
proto_enum!(domain::DisputeOutcome => pb::dispute::Outcome {
    MediationAgreement => MediationAgreement, AdjudicationGranted => AdjudicationGranted,
    AdjudicationPartlyGranted => AdjudicationPartlyGranted,
    AdjudicationRefused => AdjudicationRefused, Inadmissible => Inadmissible,
    Withdrawn => Withdrawn,
});
proto_enum!(domain::DisputeStage => pb::dispute::Stage {
    Registered => Registered, Mediation => Mediation, MediationFailed => MediationFailed,
    Adjudication => Adjudication, Decided => Decided, Appealed => Appealed,
    CourtDecided => CourtDecided, Cassation => Cassation, CassationDecided => CassationDecided,
});
proto_enum!(domain::Court => pb::Court { Ptun => Ptun, Pn => Pn });
proto_enum!(domain::Party => pb::Party { Agency => Agency, Requester => Requester });
proto_enum!(domain::CourtOutcome => pb::CourtOutcome {
    Upheld => Upheld, Overturned => Overturned, PartlyOverturned => PartlyOverturned,
    Inadmissible => Inadmissible,
});
proto_enum!(domain::exemption::Status => pb::exemption::Status {
    NotYetInForce => NotYetInForce, Active => Active, Expired => Expired, Revoked => Revoked,
});
proto_enum!(HolidayKind => pb::holiday::Kind {
    National => NationalHoliday, CutiBersama => CutiBersama, Regional => Regional,
});
proto_enum!(domain::deadline::DeadlineRule => pb::DeadlineRule {
    Response => Response, Extension => Extension, ObjectionFiling => ObjectionFiling,
    ObjectionAnswer => ObjectionAnswer, DisputeFiling => DisputeFiling,
});

/// A jiff timestamp on the wire.
pub fn timestamp(t: Timestamp) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    }
}

/// A date on the wire.
pub fn date(d: Date) -> PbDate {
    PbDate {
        year: i32::from(d.year()),
        month: i32::from(d.month()),
        day: i32::from(d.day()),
    }
}

/// The earliest and latest instants accepted from callers: a register has no
/// business with times outside 2000..2200, and the calendar covers only those.
fn supported(t: Timestamp) -> bool {
    let lo: Timestamp = "2000-01-01T00:00:00Z".parse().expect("constant");
    let hi: Timestamp = "2200-01-01T00:00:00Z".parse().expect("constant");
    (lo..hi).contains(&t)
}

/// A nested field's path, `parent.name`, formatted only when a violation
/// names it: a valid request builds no path strings.
#[derive(Debug, Clone, Copy)]
pub struct Nested<'a>(pub &'a str, pub &'a str);

impl Display for Nested<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// Collects field violations so one reply lists every problem.
#[derive(Debug, Default)]
pub struct Check {
    violations: Vec<FieldViolation>,
}

/// How a text field is checked.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// Must be present and not blank.
    pub required: bool,
    /// Maximum length in characters.
    pub max: usize,
    /// Line breaks and tabs allowed (free text such as a notice).
    pub multiline: bool,
}

impl Text {
    /// A required one-line field.
    pub const fn line(max: usize) -> Self {
        Self {
            required: true,
            max,
            multiline: false,
        }
    }
    /// An optional one-line field.
    pub const fn opt_line(max: usize) -> Self {
        Self {
            required: false,
            max,
            multiline: false,
        }
    }
    /// A required free-text field.
    pub const fn para(max: usize) -> Self {
        Self {
            required: true,
            max,
            multiline: true,
        }
    }
    /// An optional free-text field.
    pub const fn opt_para(max: usize) -> Self {
        Self {
            required: false,
            max,
            multiline: true,
        }
    }
}

impl Check {
    /// A new, empty check.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation.
    pub fn add(&mut self, field: impl Display, description: impl Into<String>) {
        self.violations
            .push(FieldViolation::new(field.to_string(), description));
    }

    /// Whether nothing is wrong so far.
    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// Checks a text field; returns it trimmed, `None` when empty.
    pub fn text(&mut self, field: impl Display, value: &str, rule: Text) -> Option<String> {
        let v = value.trim();
        if v.is_empty() {
            if rule.required {
                self.add(field, "is required");
            }
            return None;
        }
        let len = v.chars().count();
        if len > rule.max {
            self.add(
                field,
                format!("is {len} characters long; the limit is {}", rule.max),
            );
            return None;
        }
        let bad = v
            .chars()
            .find(|c| c.is_control() && !(rule.multiline && matches!(c, '\n' | '\r' | '\t')));
        if let Some(c) = bad {
            self.add(
                field,
                format!("contains the control character U+{:04X}", c as u32),
            );
            return None;
        }
        Some(v.to_string())
    }

    /// Checks a required enum.
    pub fn required_enum<E: ProtoEnum>(&mut self, field: impl Display, v: i32) -> Option<E> {
        match E::from_proto(v) {
            Some(e) => Some(e),
            None if v == 0 => {
                self.add(field, "is required");
                None
            }
            None => {
                self.add(field, format!("has the unknown value {v}"));
                None
            }
        }
    }

    /// Checks an optional enum (0 means unset).
    pub fn optional_enum<E: ProtoEnum>(&mut self, field: impl Display, v: i32) -> Option<E> {
        if v == 0 {
            return None;
        }
        let e = E::from_proto(v);
        if e.is_none() {
            self.add(field, format!("has the unknown value {v}"));
        }
        e
    }

    /// Checks a timestamp from the wire.
    pub fn timestamp(
        &mut self,
        field: impl Display,
        t: Option<&prost_types::Timestamp>,
    ) -> Option<Timestamp> {
        let t = t?;
        // Stored with microsecond precision; truncate so reads match writes.
        let valid_nanos = (0..1_000_000_000).contains(&t.nanos);
        match Timestamp::new(t.seconds, t.nanos - t.nanos % 1000) {
            Ok(ts) if valid_nanos && supported(ts) => Some(ts),
            _ => {
                self.add(field, "is not a valid time between 2000 and 2200");
                None
            }
        }
    }

    /// Checks a date from the wire.
    pub fn date(&mut self, field: impl Display, d: Option<&PbDate>) -> Option<Date> {
        let Some(d) = d else {
            self.add(field, "is required");
            return None;
        };
        let parsed = (|| {
            let y = i16::try_from(d.year)
                .ok()
                .filter(|y| (2000..2200).contains(y))?;
            Date::new(y, i8::try_from(d.month).ok()?, i8::try_from(d.day).ok()?).ok()
        })();
        if parsed.is_none() {
            self.add(field, "is not a valid calendar date between 2000 and 2199");
        }
        parsed
    }

    /// The error for the violations recorded so far.
    pub fn into_error(self) -> Error {
        Error::InvalidArgument(self.violations)
    }

    /// Ends the check: every violation at once, or nothing.
    pub fn finish(self) -> Result<()> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(self.violations))
        }
    }
}

/// The error for a value a passed check should have produced (a bug, never
/// the caller's fault).
pub fn missing() -> tonic::Status {
    Error::Internal(anyhow::anyhow!("validation passed without values")).into()
}

/// Parses `agencies/{id}`.
pub fn agency_id(check: &mut Check, field: &str, name: &str) -> Option<String> {
    let id = name.strip_prefix("agencies/").unwrap_or("");
    match domain::agency::check_id(id) {
        Ok(()) => Some(id.to_string()),
        Err(_) if name.is_empty() => {
            check.add(field, "is required");
            None
        }
        Err(why) => {
            check.add(
                field,
                format!("must be agencies/{{agency}} where the id {why}"),
            );
            None
        }
    }
}

/// Parses `requests/{uuid}`.
pub fn request_id(check: &mut Check, field: &str, name: &str) -> Option<uuid::Uuid> {
    if name.is_empty() {
        check.add(field, "is required");
        return None;
    }
    let parsed = name
        .strip_prefix("requests/")
        .and_then(|s| uuid::Uuid::parse_str(s).ok());
    if parsed.is_none() {
        check.add(
            field,
            "must be requests/{request} where {request} is a UUID",
        );
    }
    parsed
}

/// Parses `agencies/{agency}/exemptions/{uuid}`.
pub fn exemption_name(check: &mut Check, field: &str, name: &str) -> Option<(String, uuid::Uuid)> {
    agency_child_name(check, field, "exemptions", name)
}

/// Parses `agencies/{agency}/dipEntries/{uuid}`.
pub fn dip_entry_name(check: &mut Check, field: &str, name: &str) -> Option<(String, uuid::Uuid)> {
    agency_child_name(check, field, "dipEntries", name)
}

/// Parses `agencies/{agency}/{collection}/{uuid}`.
fn agency_child_name(
    check: &mut Check,
    field: &str,
    collection: &str,
    name: &str,
) -> Option<(String, uuid::Uuid)> {
    let parsed = name
        .strip_prefix("agencies/")
        .and_then(|r| r.split_once(&format!("/{collection}/")))
        .filter(|(a, _)| domain::agency::check_id(a).is_ok())
        .and_then(|(a, id)| Some((a.to_string(), uuid::Uuid::parse_str(id).ok()?)));
    if parsed.is_none() {
        check.add(
            field,
            if name.is_empty() {
                "is required".to_string()
            } else {
                format!("must be agencies/{{agency}}/{collection}/{{id}} with a UUID id")
            },
        );
    }
    parsed
}

/// Parses `{collection}/{uuid}` (objections, disputes).
pub fn uuid_name(
    check: &mut Check,
    field: &str,
    collection: &str,
    name: &str,
) -> Option<uuid::Uuid> {
    let parsed = name
        .strip_prefix(collection)
        .and_then(|r| r.strip_prefix('/'))
        .and_then(|id| uuid::Uuid::parse_str(id).ok());
    if parsed.is_none() {
        check.add(
            field,
            if name.is_empty() {
                "is required".to_string()
            } else {
                format!("must be {collection}/{{id}} with a UUID id")
            },
        );
    }
    parsed
}

/// Parses an etag we issued (the version number); empty means "no check".
pub fn etag(check: &mut Check, field: &str, etag: &str) -> Option<i64> {
    if etag.is_empty() {
        return None;
    }
    let v = etag
        .trim_matches('"')
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0);
    if v.is_none() {
        check.add(field, "is not an etag this service issued");
    }
    v
}

/// The etag of a version.
pub fn etag_of(version: i64) -> String {
    format!("\"{version}\"")
}

/// Page size: default 50, at most 1000.
pub fn page_size(check: &mut Check, size: i32) -> i64 {
    match size {
        0 => 50,
        s if s < 0 => {
            check.add("page_size", "must not be negative");
            50
        }
        s => i64::from(s.min(1000)),
    }
}

/// The caller's name for the history: the acting API key (in open mode,
/// the `x-ppid-actor` header or "open mode").
pub fn actor<T>(req: &tonic::Request<T>) -> String {
    super::auth::Caller::of(req).actor()
}

/// The one page token of every list: the cursor (the last row's sort key)
/// bound to a fingerprint of the filters it was issued for, so a token
/// cannot be replayed against other filters. Opaque to callers.
pub struct Pages {
    fingerprint: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct PageToken<C> {
    f: String,
    c: C,
}

impl Pages {
    /// Pages of `request`'s results; `strip` clears its paging fields
    /// (`page_size`, `page_token`) so only the filters are fingerprinted.
    pub fn of<M: prost::Message + Clone>(request: &M, strip: impl FnOnce(&mut M)) -> Self {
        use sha2::Digest;
        let mut filters = request.clone();
        strip(&mut filters);
        let digest = sha2::Sha256::digest(filters.encode_to_vec());
        Pages {
            fingerprint: digest[..8].iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// The cursor a token carries; an empty token is the first page. A
    /// token that is not from this list with these filters is a field
    /// violation on `page_token`.
    pub fn cursor<C: serde::de::DeserializeOwned>(
        &self,
        check: &mut Check,
        token: &str,
    ) -> Option<C> {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        if token.is_empty() {
            return None;
        }
        let cursor = URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| serde_json::from_slice::<PageToken<C>>(&b).ok())
            .filter(|t| t.f == self.fingerprint)
            .map(|t| t.c);
        if cursor.is_none() {
            check.add(
                "page_token",
                "is not a token from a previous call with the same filters",
            );
        }
        cursor
    }

    /// Trims `rows` (fetched with one extra) to `size` and returns the token
    /// for the next page, or "" when this is the last.
    pub fn next<T, C: serde::Serialize>(
        &self,
        rows: &mut Vec<T>,
        size: i64,
        key: impl FnOnce(&T) -> C,
    ) -> String {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        if rows.len() as i64 <= size {
            return String::new();
        }
        rows.truncate(size as usize);
        let last = rows.last().expect("size >= 1");
        let token = PageToken {
            f: self.fingerprint.clone(),
            c: key(last),
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).expect("a cursor serialises"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::ppid::v1 as pb;

    fn list(agency: &str, token: &str) -> pb::ListObjectionsRequest {
        pb::ListObjectionsRequest {
            agency: agency.into(),
            page_size: 7,
            page_token: token.into(),
            ..Default::default()
        }
    }

    fn pages(r: &pb::ListObjectionsRequest) -> Pages {
        Pages::of(r, |f| {
            f.page_size = 0;
            f.page_token.clear();
        })
    }

    #[test]
    fn a_page_token_carries_its_cursor_for_the_same_filters_only() {
        let first = list("agencies/a", "");
        let mut rows = vec![1, 2, 3];
        let token = pages(&first).next(&mut rows, 2, |last| (*last, "x".to_string()));
        assert_eq!(rows, vec![1, 2], "trimmed to the page size");

        let mut c = Check::new();
        let again = list("agencies/a", &token);
        let cursor: Option<(i32, String)> = pages(&again).cursor(&mut c, &token);
        assert_eq!(cursor, Some((2, "x".to_string())));
        assert!(c.ok(), "page size and token are not filters");

        for (agency, bad) in [("agencies/b", token.as_str()), ("agencies/a", "garbage")] {
            let mut c = Check::new();
            let other = list(agency, bad);
            assert_eq!(pages(&other).cursor::<(i32, String)>(&mut c, bad), None);
            assert!(!c.ok(), "{agency} {bad}");
        }

        let mut last_page = vec![1, 2];
        assert_eq!(pages(&first).next(&mut last_page, 2, |l| *l), "");
    }
}
