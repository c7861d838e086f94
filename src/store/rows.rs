//! Rows: how the store's records map to columns and back, for both
//! backends (and, for requests, the SQLite export's own reader).
use anyhow::Context as _;
use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{
    HolidayRecord,
    db::{Arg, Row},
};
use crate::{
    domain::{
        AccessMethod, Admissibility, AgencyKind, Channel, CopyForm, DecisionExtent, DeliveryMethod,
        DisputeOutcome, ExemptionLetter, FilingTiming, InformationCategory, ObjectionDecision,
        ObjectionGround, Outcome, PersonalInformationBasis, RequestState,
        agency::Agency,
        calendar::HolidayKind,
        exemption::{Citation, Exemption, Revocation},
        objection::{Dispute, GroundCheck, Objection, ObjectionAnswer, Settlement, Window},
        request::{Extension, NewEvent, Notice, Request, Requester},
        search,
    },
    error::{Error, Result},
};

/// The columns of an agency, in [`agency_from_row`]'s terms.
pub const AGENCY_COLUMNS: &str = "id, display_name, kind, parent_id, pemda_id, path, time_zone, \
     comparison_group, create_time, update_time, version";

/// The columns of a request, in [`Col`]'s order.
pub const REQUEST_COLUMNS: &str = "id, registration_number, agency_id, receiving_agency_id, \
     pemda_id, requester, information_requested, purpose, access_method, copy_form, \
     delivery_method, channel, receive_time, state, clock_start_date, original_due_date, \
     due_date, due_end_time, extension_reason, extend_time, extension_previous_due_date, \
     outcome, notice_time, notice_working_days, notice_on_time, exemption_letters, notice, \
     deliver_time, withdraw_time, create_time, update_time, version, exemption_citations, \
     unregistered_exemption_basis, deliver_working_days, return_time, notice_receipt_date, \
     first_notice, personal_information_basis";

/// The columns of an exemption, with how many notices cite it.
pub const EXEMPTION_COLUMNS: &str = "id, agency_id, information, letter, sub_item, other_law, \
     harm, public_interest_test, decree_number, decree_date, start_date, end_date, decided_by, \
     revoke_time, revoke_date, revoke_reason, create_time, category, \
     (SELECT COUNT(*) FROM notice_citations c WHERE c.exemption_id = exemptions.id) AS citation_count";

/// The columns of an objection (`o`, joined with its request `r`), with its
/// dispute.
pub const OBJECTION_COLUMNS: &str = "o.id, o.registration_number, o.request_id, \
     r.registration_number AS request_registration_number, o.agency_id, o.grounds, \
     o.grounds_arose, o.statement, o.file_time, o.file_date, o.answer_due_date, o.decision, \
     o.extent, o.reasons, o.superior_name, o.superior_position, o.decide_time, o.decide_date, \
     o.answered_on_time, o.reopened_due_date, o.unpublished_information, o.unpublished_dip_entry, o.unpublished_item, o.ground_checks, \
     o.answer_receipt_date, o.dispute_window_start, o.dispute_window_due, \
     o.corrected_fee_rupiah, o.refund_rupiah, o.history, \
     (SELECT d.id FROM disputes d WHERE d.objection_id = o.id) AS dispute_id";

/// `FROM` an objection with its request, if any (ground b may have none).
pub const OBJECTION_FROM: &str = "FROM objections o LEFT JOIN requests r ON r.id = o.request_id";

/// The columns of a dispute.
pub const DISPUTE_COLUMNS: &str = "id, objection_id, request_id, commission_register_number, \
     file_time, window_start, window_due, outcome, decision_date, decision_number, summary, \
     filing_timing, steps";

/// The columns of an API key.
pub const KEY_COLUMNS: &str = "id, name, role, agency_id, create_time, created_by, revoke_time";

pub(crate) fn ts(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn from_ts(v: i64) -> Result<Timestamp> {
    Ok(Timestamp::from_microsecond(v).context("stored time out of range")?)
}

pub(crate) fn opt_ts(v: Option<i64>) -> Result<Option<Timestamp>> {
    v.map(from_ts).transpose()
}

pub(crate) fn parse_date(s: &str) -> Result<Date> {
    Ok(s.parse::<Date>()
        .with_context(|| format!("stored date {s:?}"))?)
}

pub(crate) fn opt_date(s: Option<String>) -> Result<Option<Date>> {
    s.as_deref().map(parse_date).transpose()
}

pub(crate) fn parse_named<T>(s: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T> {
    parse(s).ok_or_else(|| Error::Internal(anyhow::anyhow!("stored {what} {s:?} is unknown")))
}

pub(crate) fn holiday_from_row(r: &Row) -> Result<HolidayRecord> {
    let scope: String = r.get("scope")?;
    Ok(HolidayRecord {
        date: parse_date(&r.get::<String>("date")?)?,
        name: r.get("name")?,
        kind: parse_named(
            &r.get::<String>("kind")?,
            HolidayKind::parse,
            "holiday kind",
        )?,
        agency_id: (!scope.is_empty()).then_some(scope),
        built_in: r.get("built_in")?,
    })
}

pub(crate) fn agency_from_row(r: &Row) -> Result<Agency> {
    Ok(Agency {
        id: r.get("id")?,
        display_name: r.get("display_name")?,
        kind: parse_named(&r.get::<String>("kind")?, AgencyKind::parse, "agency kind")?,
        parent_id: r.get("parent_id")?,
        pemda_id: r.get("pemda_id")?,
        path: r.get("path")?,
        time_zone: r.get("time_zone")?,
        comparison_group: r.get("comparison_group")?,
        create_time: from_ts(r.get("create_time")?)?,
        update_time: from_ts(r.get("update_time")?)?,
        version: r.get("version")?,
    })
}
/// The range of agency paths in the subtree at `path` ('/' + 1 is '0').
pub(crate) fn subtree_bounds(path: &str) -> (String, String) {
    let upper = format!("{}0", path.strip_suffix('/').unwrap_or(path));
    (path.to_string(), upper)
}

pub(crate) fn agency_not_found(id: &str) -> Error {
    Error::NotFound {
        kind: "agency",
        name: format!("agencies/{id}"),
    }
}

pub(crate) fn request_not_found(id: Uuid) -> Error {
    Error::NotFound {
        kind: "request",
        name: format!("requests/{id}"),
    }
}

/// The parts of a notice kept as one JSON document; what statistics need
/// (outcome, time, on-time flag, letters) has columns of its own.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct NoticeDoc {
    pub(crate) notice_text: String,
    pub(crate) withheld_parts: Option<String>,
    pub(crate) holder: Option<String>,
    pub(crate) fee_rupiah: i64,
    pub(crate) payment_method: Option<String>,
    pub(crate) delivery_method: Option<String>,
    pub(crate) format: Option<String>,
    #[serde(default)]
    pub(crate) delivery_due_date: Option<Date>,
    #[serde(default)]
    pub(crate) delivery_due_end_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) fee_items: Vec<crate::domain::tariff::FeeItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fee_tariff: Option<String>,
}

/// Citations as `agency:uuid:letter,...` (the projection; `notice_citations`
/// holds the same rows for counting).
pub(crate) fn citations_to_text(c: &[Citation]) -> String {
    c.iter()
        .map(|c| format!("{}:{}:{}", c.agency_id, c.exemption_id, c.letter.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn citations_from_text(s: &str) -> Result<Vec<Citation>> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut it = p.splitn(3, ':');
            let (Some(a), Some(id), Some(l)) = (it.next(), it.next(), it.next()) else {
                return Err(Error::Internal(anyhow::anyhow!("stored citation {p:?}")));
            };
            Ok(Citation {
                agency_id: a.to_string(),
                exemption_id: Uuid::parse_str(id).context("stored citation id")?,
                letter: parse_named(l, ExemptionLetter::parse, "exemption letter")?,
            })
        })
        .collect()
}

pub(crate) fn letters_to_text(letters: &[ExemptionLetter]) -> String {
    letters
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
/// The columns of [`REQUEST_COLUMNS`], by position: a request is decoded
/// by index (a name lookup per column per row cost more than the rest of the
/// decoding). The export's reader checks the statement's names against
/// [`Col::NAMES`].
#[derive(Clone, Copy)]
pub(crate) enum Col {
    Id,
    RegistrationNumber,
    AgencyId,
    ReceivingAgencyId,
    PemdaId,
    Requester,
    InformationRequested,
    Purpose,
    AccessMethod,
    CopyForm,
    DeliveryMethod,
    Channel,
    ReceiveTime,
    State,
    ClockStartDate,
    OriginalDueDate,
    DueDate,
    DueEndTime,
    ExtensionReason,
    ExtendTime,
    ExtensionPreviousDueDate,
    Outcome,
    NoticeTime,
    NoticeWorkingDays,
    NoticeOnTime,
    ExemptionLetters,
    Notice,
    DeliverTime,
    WithdrawTime,
    CreateTime,
    UpdateTime,
    Version,
    ExemptionCitations,
    UnregisteredExemptionBasis,
    DeliverWorkingDays,
    ReturnTime,
    NoticeReceiptDate,
    FirstNotice,
    PersonalInformationBasis,
}

impl Col {
    pub(crate) const NAMES: [&str; 39] = [
        "id",
        "registration_number",
        "agency_id",
        "receiving_agency_id",
        "pemda_id",
        "requester",
        "information_requested",
        "purpose",
        "access_method",
        "copy_form",
        "delivery_method",
        "channel",
        "receive_time",
        "state",
        "clock_start_date",
        "original_due_date",
        "due_date",
        "due_end_time",
        "extension_reason",
        "extend_time",
        "extension_previous_due_date",
        "outcome",
        "notice_time",
        "notice_working_days",
        "notice_on_time",
        "exemption_letters",
        "notice",
        "deliver_time",
        "withdraw_time",
        "create_time",
        "update_time",
        "version",
        "exemption_citations",
        "unregistered_exemption_basis",
        "deliver_working_days",
        "return_time",
        "notice_receipt_date",
        "first_notice",
        "personal_information_basis",
    ];

    pub(crate) fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// A stored request's columns: from a sqlx row, and on SQLite from the
/// export's own reader (sqlite.rs), so both decode one way.
pub(crate) trait Columns {
    fn str(&self, c: Col) -> Result<Option<&str>>;
    fn int(&self, c: Col) -> Result<Option<i64>>;
    fn flag(&self, c: Col) -> Result<Option<bool>>;

    /// A NOT NULL text column.
    fn text(&self, c: Col) -> Result<&str> {
        self.str(c)?.ok_or_else(|| null_column(c))
    }

    /// A NOT NULL integer column.
    fn num(&self, c: Col) -> Result<i64> {
        self.int(c)?.ok_or_else(|| null_column(c))
    }
}

pub(crate) fn null_column(c: Col) -> Error {
    Error::Internal(anyhow::anyhow!("stored column {} is NULL", c.name()))
}

impl Columns for Row {
    fn str(&self, c: Col) -> Result<Option<&str>> {
        self.get_at(c as usize)
    }

    fn int(&self, c: Col) -> Result<Option<i64>> {
        self.get_at(c as usize)
    }

    fn flag(&self, c: Col) -> Result<Option<bool>> {
        self.get_at(c as usize)
    }
}

pub(crate) fn request_from_row(r: &Row) -> Result<Request> {
    request_from(r)
}

pub(crate) fn request_from(r: &impl Columns) -> Result<Request> {
    let requester: Requester = serde_json::from_str(r.text(Col::Requester)?)
        .context("stored requester is not valid JSON")?;
    let extension = match r.str(Col::ExtensionReason)? {
        Some(reason) => Some(Extension {
            reason: reason.to_owned(),
            extend_time: from_ts(r.num(Col::ExtendTime)?)?,
            previous_due_date: parse_date(r.text(Col::ExtensionPreviousDueDate)?)?,
        }),
        None => None,
    };
    let notice = match r.str(Col::Outcome)? {
        Some(outcome) => {
            let doc: NoticeDoc = serde_json::from_str(r.text(Col::Notice)?)
                .context("stored notice is not valid JSON")?;
            Some(Notice {
                outcome: parse_named(outcome, Outcome::parse, "outcome")?,
                notice_text: doc.notice_text,
                exemption_letters: r
                    .text(Col::ExemptionLetters)?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| parse_named(s, ExemptionLetter::parse, "exemption letter"))
                    .collect::<Result<_>>()?,
                withheld_parts: doc.withheld_parts,
                holder: doc.holder,
                fee_rupiah: doc.fee_rupiah,
                fee_items: doc.fee_items,
                fee_tariff: doc.fee_tariff,
                payment_method: doc.payment_method,
                delivery_method: doc
                    .delivery_method
                    .as_deref()
                    .map(|s| parse_named(s, DeliveryMethod::parse, "delivery method"))
                    .transpose()?,
                format: doc.format,
                notice_time: from_ts(r.num(Col::NoticeTime)?)?,
                working_days_taken: i32::try_from(r.num(Col::NoticeWorkingDays)?)
                    .context("working days out of range")?,
                on_time: r
                    .flag(Col::NoticeOnTime)?
                    .ok_or_else(|| null_column(Col::NoticeOnTime))?,
                citations: citations_from_text(r.str(Col::ExemptionCitations)?.unwrap_or(""))?,
                unregistered_basis: r.flag(Col::UnregisteredExemptionBasis)?.unwrap_or(false),
                delivery_due_date: doc.delivery_due_date,
                delivery_due_end_time: doc.delivery_due_end_time,
            })
        }
        None => None,
    };
    Ok(Request {
        id: Uuid::parse_str(r.text(Col::Id)?).context("stored request id")?,
        registration_number: r.text(Col::RegistrationNumber)?.to_owned(),
        agency_id: r.text(Col::AgencyId)?.to_owned(),
        receiving_agency_id: r.text(Col::ReceivingAgencyId)?.to_owned(),
        pemda_id: r.text(Col::PemdaId)?.to_owned(),
        requester,
        information_requested: r.text(Col::InformationRequested)?.to_owned(),
        purpose: r.text(Col::Purpose)?.to_owned(),
        access_method: parse_named(
            r.text(Col::AccessMethod)?,
            AccessMethod::parse,
            "access method",
        )?,
        copy_form: r
            .str(Col::CopyForm)?
            .map(|s| parse_named(s, CopyForm::parse, "copy form"))
            .transpose()?,
        delivery_method: parse_named(
            r.text(Col::DeliveryMethod)?,
            DeliveryMethod::parse,
            "delivery method",
        )?,
        channel: parse_named(r.text(Col::Channel)?, Channel::parse, "channel")?,
        receive_time: from_ts(r.num(Col::ReceiveTime)?)?,
        state: parse_named(r.text(Col::State)?, RequestState::parse, "state")?,
        clock_start_date: parse_date(r.text(Col::ClockStartDate)?)?,
        original_due_date: r.str(Col::OriginalDueDate)?.map(parse_date).transpose()?,
        due_date: r.str(Col::DueDate)?.map(parse_date).transpose()?,
        due_end_time: opt_ts(r.int(Col::DueEndTime)?)?,
        extension,
        notice,
        deliver_time: opt_ts(r.int(Col::DeliverTime)?)?,
        deliver_working_days: r
            .int(Col::DeliverWorkingDays)?
            .map(|d| i32::try_from(d).unwrap_or(i32::MAX)),
        withdraw_time: opt_ts(r.int(Col::WithdrawTime)?)?,
        create_time: from_ts(r.num(Col::CreateTime)?)?,
        update_time: from_ts(r.num(Col::UpdateTime)?)?,
        return_time: opt_ts(r.int(Col::ReturnTime)?)?,
        notice_receipt_date: r.str(Col::NoticeReceiptDate)?.map(parse_date).transpose()?,
        first_notice: r
            .str(Col::FirstNotice)?
            .map(|doc| serde_json::from_str(doc).context("stored first notice is not valid JSON"))
            .transpose()?,
        personal_information_basis: r
            .str(Col::PersonalInformationBasis)?
            .map(|s| {
                parse_named(
                    s,
                    PersonalInformationBasis::parse,
                    "personal information basis",
                )
            })
            .transpose()?,
        version: r.num(Col::Version)?,
    })
}
/// The columns a transition may change, in the order `write_request` binds them.
pub(crate) struct MutableColumns {
    pub(crate) agency_id: String,
    pub(crate) agency_path: String,
    pub(crate) requester: String,
    pub(crate) information_requested: String,
    pub(crate) purpose: String,
    pub(crate) state: &'static str,
    pub(crate) clock_start_date: String,
    pub(crate) original_due_date: Option<String>,
    pub(crate) due_date: Option<String>,
    pub(crate) due_end_time: Option<i64>,
    pub(crate) extension_reason: Option<String>,
    pub(crate) extend_time: Option<i64>,
    pub(crate) extension_previous_due_date: Option<String>,
    pub(crate) outcome: Option<&'static str>,
    pub(crate) notice_time: Option<i64>,
    pub(crate) notice_working_days: Option<i64>,
    pub(crate) notice_on_time: Option<bool>,
    pub(crate) exemption_letters: Option<String>,
    pub(crate) notice: Option<String>,
    pub(crate) deliver_time: Option<i64>,
    pub(crate) withdraw_time: Option<i64>,
    pub(crate) update_time: i64,
    pub(crate) version: i64,
    pub(crate) exemption_citations: Option<String>,
    pub(crate) unregistered_exemption_basis: Option<bool>,
    pub(crate) deliver_working_days: Option<i64>,
    pub(crate) return_time: Option<i64>,
    pub(crate) notice_receipt_date: Option<String>,
    pub(crate) first_notice: Option<String>,
    pub(crate) delivery_due_end_time: Option<i64>,
    /// Search tokens of the information requested (src/domain/search.rs).
    pub(crate) search_words: String,
    /// Search tokens of the requester's name (personal data).
    pub(crate) search_name: String,
}

impl MutableColumns {
    pub(crate) fn of(r: &Request, agency_path: &str) -> Result<Self> {
        let notice_doc = r
            .notice
            .as_ref()
            .map(|n| {
                serde_json::to_string(&NoticeDoc {
                    notice_text: n.notice_text.clone(),
                    withheld_parts: n.withheld_parts.clone(),
                    holder: n.holder.clone(),
                    fee_rupiah: n.fee_rupiah,
                    payment_method: n.payment_method.clone(),
                    delivery_method: n.delivery_method.map(|d| d.as_str().to_string()),
                    format: n.format.clone(),
                    delivery_due_date: n.delivery_due_date,
                    delivery_due_end_time: n.delivery_due_end_time,
                    fee_items: n.fee_items.clone(),
                    fee_tariff: n.fee_tariff.clone(),
                })
            })
            .transpose()
            .context("encoding notice")?;
        Ok(Self {
            agency_id: r.agency_id.clone(),
            agency_path: agency_path.to_string(),
            requester: serde_json::to_string(&r.requester).context("encoding requester")?,
            information_requested: r.information_requested.clone(),
            purpose: r.purpose.clone(),
            state: r.state.as_str(),
            clock_start_date: r.clock_start_date.to_string(),
            original_due_date: r.original_due_date.map(|d| d.to_string()),
            due_date: r.due_date.map(|d| d.to_string()),
            due_end_time: r.due_end_time.map(ts),
            extension_reason: r.extension.as_ref().map(|e| e.reason.clone()),
            extend_time: r.extension.as_ref().map(|e| ts(e.extend_time)),
            extension_previous_due_date: r
                .extension
                .as_ref()
                .map(|e| e.previous_due_date.to_string()),
            outcome: r.notice.as_ref().map(|n| n.outcome.as_str()),
            notice_time: r.notice.as_ref().map(|n| ts(n.notice_time)),
            notice_working_days: r.notice.as_ref().map(|n| i64::from(n.working_days_taken)),
            notice_on_time: r.notice.as_ref().map(|n| n.on_time),
            exemption_letters: r
                .notice
                .as_ref()
                .map(|n| letters_to_text(&n.exemption_letters)),
            notice: notice_doc,
            deliver_time: r.deliver_time.map(ts),
            withdraw_time: r.withdraw_time.map(ts),
            update_time: ts(r.update_time),
            version: r.version,
            exemption_citations: r.notice.as_ref().map(|n| citations_to_text(&n.citations)),
            unregistered_exemption_basis: r.notice.as_ref().map(|n| n.unregistered_basis),
            deliver_working_days: r.deliver_working_days.map(i64::from),
            return_time: r.return_time.map(ts),
            notice_receipt_date: r.notice_receipt_date.map(|d| d.to_string()),
            first_notice: r
                .first_notice
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .context("encoding first notice")?,
            delivery_due_end_time: r
                .notice
                .as_ref()
                .and_then(|n| n.delivery_due_end_time)
                .map(ts),
            search_words: search::words(&r.information_requested),
            search_name: search::words(&r.requester.full_name),
        })
    }
}
/// `INSERT INTO request_events (every column) `, in [`event_args`]' order.
pub(crate) const INSERT_EVENT: &str = "INSERT INTO request_events (request_id, sequence, type, event_time, \
     record_time, actor, state, summary, details, request_receive_time) ";

/// An event's values: the request (at its new version), the event, when it
/// was recorded and by whom.
pub(crate) fn event_args(
    r: &Request,
    event: &NewEvent,
    record_time: Timestamp,
    actor: &str,
) -> Result<Vec<Arg>> {
    let details = serde_json::to_string(&event.details).context("encoding event details")?;
    Ok(vec![
        r.id.to_string().into(),
        r.version.into(),
        event.kind.as_str().into(),
        ts(event.event_time).into(),
        ts(record_time).into(),
        actor.into(),
        r.state.as_str().into(),
        event.summary.as_str().into(),
        details.into(),
        ts(r.receive_time).into(),
    ])
}
/// A request row to insert whole.
pub(crate) struct NewRow<'a> {
    pub(crate) request: &'a Request,
    pub(crate) agency_path: &'a str,
    pub(crate) body_hash: &'a str,
    pub(crate) submitted_by: Option<&'a str>,
}

/// `INSERT INTO requests (every column) `: the one place that lists the
/// columns of a new row (in [`request_args`]' order), for intake and for the
/// bulk loader of generated data.
pub(crate) const INSERT_REQUEST: &str = "INSERT INTO requests (id, body_hash, registration_number, \
     agency_id, agency_path, receiving_agency_id, pemda_id, requester, information_requested, \
     purpose, access_method, copy_form, delivery_method, channel, receive_time, state, \
     clock_start_date, original_due_date, due_date, due_end_time, extension_reason, extend_time, \
     extension_previous_due_date, outcome, notice_time, notice_working_days, notice_on_time, \
     exemption_letters, notice, deliver_time, withdraw_time, create_time, update_time, version, \
     exemption_citations, unregistered_exemption_basis, deliver_working_days, submitted_by, \
     return_time, notice_receipt_date, first_notice, delivery_due_end_time, \
     personal_information_basis, search_words, search_name) ";

/// A new request row's values, in [`INSERT_REQUEST`]'s order.
pub(crate) fn request_args(row: &NewRow<'_>) -> Result<Vec<Arg>> {
    let r = row.request;
    let c = MutableColumns::of(r, row.agency_path)?;
    Ok(vec![
        r.id.to_string().into(),
        row.body_hash.into(),
        r.registration_number.as_str().into(),
        c.agency_id.into(),
        c.agency_path.into(),
        r.receiving_agency_id.as_str().into(),
        r.pemda_id.as_str().into(),
        c.requester.into(),
        c.information_requested.into(),
        c.purpose.into(),
        r.access_method.as_str().into(),
        r.copy_form.map(|f| f.as_str()).into(),
        r.delivery_method.as_str().into(),
        r.channel.as_str().into(),
        ts(r.receive_time).into(),
        c.state.into(),
        c.clock_start_date.into(),
        c.original_due_date.into(),
        c.due_date.into(),
        c.due_end_time.into(),
        c.extension_reason.into(),
        c.extend_time.into(),
        c.extension_previous_due_date.into(),
        c.outcome.into(),
        c.notice_time.into(),
        c.notice_working_days.into(),
        c.notice_on_time.into(),
        c.exemption_letters.into(),
        c.notice.into(),
        c.deliver_time.into(),
        c.withdraw_time.into(),
        ts(r.create_time).into(),
        c.update_time.into(),
        c.version.into(),
        c.exemption_citations.into(),
        c.unregistered_exemption_basis.into(),
        c.deliver_working_days.into(),
        row.submitted_by.into(),
        c.return_time.into(),
        c.notice_receipt_date.into(),
        c.first_notice.into(),
        c.delivery_due_end_time.into(),
        r.personal_information_basis.map(|b| b.as_str()).into(),
        c.search_words.into(),
        c.search_name.into(),
    ])
}

pub(crate) fn exemption_from_row(r: &Row) -> Result<(Exemption, i64)> {
    let revoked = match r.get::<Option<i64>>("revoke_time")? {
        Some(t) => Some(Revocation {
            time: from_ts(t)?,
            reason: r
                .get::<Option<String>>("revoke_reason")?
                .unwrap_or_default(),
            date: parse_date(&r.get::<String>("revoke_date")?)?,
        }),
        None => None,
    };
    let id: String = r.get("id")?;
    Ok((
        Exemption {
            id: Uuid::parse_str(&id).context("stored exemption id")?,
            agency_id: r.get("agency_id")?,
            information: r.get("information")?,
            letter: parse_named(
                &r.get::<String>("letter")?,
                ExemptionLetter::parse,
                "letter",
            )?,
            category: parse_named(
                &r.get::<String>("category")?,
                InformationCategory::parse,
                "information category",
            )?,
            sub_item: r.get("sub_item")?,
            other_law: r.get("other_law")?,
            harm: r.get("harm")?,
            public_interest_test: r.get("public_interest_test")?,
            decree_number: r.get("decree_number")?,
            decree_date: parse_date(&r.get::<String>("decree_date")?)?,
            start_date: parse_date(&r.get::<String>("start_date")?)?,
            end_date: opt_date(r.get("end_date")?)?,
            decided_by: r.get("decided_by")?,
            revoked,
            create_time: from_ts(r.get("create_time")?)?,
        },
        r.get("citation_count")?,
    ))
}

pub(crate) fn exemption_not_found(agency_id: &str, id: Uuid) -> Error {
    Error::NotFound {
        kind: "exemption",
        name: format!("agencies/{agency_id}/exemptions/{id}"),
    }
}

pub(crate) fn objection_not_found(id: Uuid) -> Error {
    Error::NotFound {
        kind: "objection",
        name: format!("objections/{id}"),
    }
}

pub(crate) fn dispute_not_found(id: Uuid) -> Error {
    Error::NotFound {
        kind: "dispute",
        name: format!("disputes/{id}"),
    }
}

pub(crate) fn split_list<T>(s: &str, parse: impl Fn(&str) -> Result<T>) -> Result<Vec<T>> {
    s.split(',').filter(|p| !p.is_empty()).map(parse).collect()
}

pub(crate) fn objection_from_row(r: &Row) -> Result<(Objection, Vec<Uuid>)> {
    let decision = match r.get::<Option<String>>("decision")? {
        Some(d) => Some(ObjectionAnswer {
            decision: parse_named(&d, ObjectionDecision::parse, "objection decision")?,
            extent: parse_named(
                &r.get::<Option<String>>("extent")?.unwrap_or_default(),
                DecisionExtent::parse,
                "decision extent",
            )?,
            reasons: r.get("reasons")?,
            superior_name: r
                .get::<Option<String>>("superior_name")?
                .unwrap_or_default(),
            superior_position: r
                .get::<Option<String>>("superior_position")?
                .unwrap_or_default(),
            decide_time: from_ts(r.get::<Option<i64>>("decide_time")?.unwrap_or_default())?,
            decide_date: parse_date(&r.get::<Option<String>>("decide_date")?.unwrap_or_default())?,
            on_time: r.get::<Option<bool>>("answered_on_time")?.unwrap_or(false),
            reopened_due_date: opt_date(r.get("reopened_due_date")?)?,
            corrected_fee_rupiah: r.get("corrected_fee_rupiah")?,
            refund_rupiah: r.get::<Option<i64>>("refund_rupiah")?.unwrap_or(0),
            receipt_date: opt_date(r.get("answer_receipt_date")?)?,
        }),
        None => None,
    };
    let id: String = r.get("id")?;
    let request_id: Option<String> = r.get("request_id")?;
    let grounds = split_list(&r.get::<String>("grounds")?, |g| {
        parse_named(g, ObjectionGround::parse, "objection ground")
    })?;
    let checks = match r.get::<Option<String>>("ground_checks")? {
        Some(doc) => serde_json::from_str(&doc).context("stored ground checks")?,
        // Registered before checks were stored: every ground was admissible
        // then (the others were refused), its window computed on read.
        None => grounds
            .iter()
            .zip(split_list(&r.get::<String>("grounds_arose")?, parse_date)?)
            .map(|(g, arose)| GroundCheck {
                ground: *g,
                admissibility: Admissibility::Admissible,
                arose: Some(arose),
                counted_from: None,
                window_due: None,
                reason: None,
            })
            .collect(),
    };
    let dispute_window = match (
        opt_date(r.get("dispute_window_start")?)?,
        opt_date(r.get("dispute_window_due")?)?,
    ) {
        (Some(start), Some(due)) => Some(Window { start, due }),
        _ => None,
    };
    let history = match r.get::<Option<String>>("history")? {
        Some(doc) => serde_json::from_str(&doc).context("stored objection history")?,
        None => Vec::new(),
    };
    let disputes = r
        .get::<Option<String>>("dispute_id")?
        .map(|d| Uuid::parse_str(&d).context("stored dispute id"))
        .transpose()?
        .into_iter()
        .collect();
    Ok((
        Objection {
            id: Uuid::parse_str(&id).context("stored objection id")?,
            registration_number: r.get("registration_number")?,
            request_id: request_id
                .map(|id| Uuid::parse_str(&id).context("stored request id"))
                .transpose()?,
            request_registration_number: r.get("request_registration_number")?,
            agency_id: r.get("agency_id")?,
            grounds,
            statement: r.get("statement")?,
            unpublished_information: r.get("unpublished_information")?,
            unpublished_dip_entry: r.get("unpublished_dip_entry")?,
            unpublished_item: r.get("unpublished_item")?,
            file_time: from_ts(r.get("file_time")?)?,
            file_date: parse_date(&r.get::<String>("file_date")?)?,
            checks,
            answer_due_date: parse_date(&r.get::<String>("answer_due_date")?)?,
            dispute_window,
            decision,
            history,
        },
        disputes,
    ))
}

pub(crate) fn dispute_from_row(r: &Row) -> Result<Dispute> {
    let settlement = match r.get::<Option<String>>("outcome")? {
        Some(o) => Some(Settlement {
            outcome: parse_named(&o, DisputeOutcome::parse, "dispute outcome")?,
            decision_date: parse_date(
                &r.get::<Option<String>>("decision_date")?
                    .unwrap_or_default(),
            )?,
            decision_number: r
                .get::<Option<String>>("decision_number")?
                .unwrap_or_default(),
            summary: r.get("summary")?,
        }),
        None => None,
    };
    let id: String = r.get("id")?;
    let oid: String = r.get("objection_id")?;
    let rid: Option<String> = r.get("request_id")?;
    Ok(Dispute {
        id: Uuid::parse_str(&id).context("stored dispute id")?,
        objection_id: Uuid::parse_str(&oid).context("stored objection id")?,
        request_id: rid
            .map(|id| Uuid::parse_str(&id).context("stored request id"))
            .transpose()?,
        timing: parse_named(
            &r.get::<String>("filing_timing")?,
            FilingTiming::parse,
            "filing timing",
        )?,
        steps: match r.get::<Option<String>>("steps")? {
            Some(doc) => serde_json::from_str(&doc).context("stored dispute steps")?,
            None => Vec::new(),
        },
        commission_register_number: r.get("commission_register_number")?,
        file_time: from_ts(r.get("file_time")?)?,
        window_start: parse_date(&r.get::<String>("window_start")?)?,
        window_due: parse_date(&r.get::<String>("window_due")?)?,
        settlement,
    })
}

pub(crate) fn join<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn key_from_row(r: &Row) -> Result<crate::domain::access::ApiKey> {
    Ok(crate::domain::access::ApiKey {
        id: r.get("id")?,
        name: r.get("name")?,
        role: parse_named(
            &r.get::<String>("role")?,
            crate::domain::Role::parse,
            "role",
        )?,
        agency_id: r.get("agency_id")?,
        create_time: from_ts(r.get("create_time")?)?,
        created_by: r.get("created_by")?,
        revoke_time: opt_ts(r.get("revoke_time")?)?,
    })
}
