//! `ppid.v1.RequestService`.
use prost::Message;
use sha2::{Digest, Sha256};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check, Nested, ProtoEnum, Text},
};
use crate::{
    app::worklist::{DeadlineState, Reckoner, WorkKind},
    domain::search,
    domain::{
        AccessMethod, RequestState, RequesterType, Role, access,
        lifecycle::{Command, NoticeInput},
        request::{self as model, NewRequest, Proxy, Requester},
        tariff::FeeLine,
    },
    pb::ppid::v1::{self as pb, request_service_server::RequestService},
    store::{ListCursor, RequestCursor, RequestFilter, RequestOrder, Search, deadline_key},
};

const NAME_MAX: usize = 200;
const LINE_MAX: usize = 500;
const INFO_MAX: usize = 4000;
const NOTICE_MAX: usize = 20_000;
const REASON_MAX: usize = 2000;
/// Clock skew tolerated between an intake system and this server.
const FUTURE_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// The request service.
pub struct RequestApi(pub AppState);

fn notice_to_pb(n: &model::Notice) -> pb::Notice {
    pb::Notice {
        outcome: n.outcome.to_proto(),
        notice_text: n.notice_text.clone(),
        exemption_letters: n.exemption_letters.iter().map(|l| l.to_proto()).collect(),
        withheld_parts: n.withheld_parts.clone().unwrap_or_default(),
        holder: n.holder.clone().unwrap_or_default(),
        fee_rupiah: n.fee_rupiah,
        payment_method: n.payment_method.clone().unwrap_or_default(),
        delivery_method: n.delivery_method.map_or(0, ProtoEnum::to_proto),
        format: n.format.clone().unwrap_or_default(),
        notice_time: Some(convert::timestamp(n.notice_time)),
        working_days_taken: n.working_days_taken,
        on_time: n.on_time,
        exemptions: n.citations.iter().map(|c| c.name()).collect(),
        unregistered_exemption_basis: n.unregistered_basis,
        delivery_due_date: n.delivery_due_date.map(convert::date),
        fee_items: n
            .fee_items
            .iter()
            .map(|i| pb::FeeItem {
                code: i.code.clone(),
                quantity: i.quantity,
                description: i.description.clone(),
                unit_price_rupiah: i.unit_price_rupiah,
                amount_rupiah: i.amount_rupiah,
            })
            .collect(),
        fee_tariff: n.fee_tariff.clone().unwrap_or_default(),
        published_entry: String::new(),
    }
}

/// A request on the wire, with `overdue` evaluated at `now`.
pub fn to_pb(r: &model::Request, now: jiff::Timestamp) -> pb::InformationRequest {
    let q = &r.requester;
    pb::InformationRequest {
        name: format!("requests/{}", r.id),
        registration_number: r.registration_number.clone(),
        agency: format!("agencies/{}", r.agency_id),
        receiving_agency: format!("agencies/{}", r.receiving_agency_id),
        requester: Some(pb::Requester {
            full_name: q.full_name.clone(),
            r#type: q.kind.to_proto(),
            nik: q.nik.clone().unwrap_or_default(),
            legal_entity_registration: q.legal_entity_registration.clone().unwrap_or_default(),
            address: q.address.clone(),
            phone: q.phone.clone().unwrap_or_default(),
            email: q.email.clone().unwrap_or_default(),
            occupation: q.occupation.clone().unwrap_or_default(),
            proxy: q.proxy.as_ref().map(|p| pb::Proxy {
                full_name: p.full_name.clone(),
                power_of_attorney: p.power_of_attorney.clone(),
            }),
        }),
        information_requested: r.information_requested.clone(),
        purpose: r.purpose.clone(),
        access_method: r.access_method.to_proto(),
        copy_form: r.copy_form.map_or(0, ProtoEnum::to_proto),
        delivery_method: r.delivery_method.to_proto(),
        channel: r.channel.to_proto(),
        receive_time: Some(convert::timestamp(r.receive_time)),
        state: r.state.to_proto(),
        clock_start_date: Some(convert::date(r.clock_start_date)),
        due_date: r.due_date.map(convert::date),
        original_due_date: r.original_due_date.map(convert::date),
        extension: r.extension.as_ref().map(|e| pb::Extension {
            reason: e.reason.clone(),
            extend_time: Some(convert::timestamp(e.extend_time)),
            previous_due_date: Some(convert::date(e.previous_due_date)),
            due_date: r.due_date.map(convert::date),
        }),
        notice: r.notice.as_ref().map(notice_to_pb),
        notice_receipt_date: r.notice_receipt_date.map(convert::date),
        first_notice: r.first_notice.as_ref().map(|f| notice_to_pb(&f.notice)),
        deliver_time: r.deliver_time.map(convert::timestamp),
        withdraw_time: r.withdraw_time.map(convert::timestamp),
        overdue: r.is_overdue(now),
        overdue_for_delivery: r.is_overdue_for_delivery(now),
        personal_information_basis: r.personal_information_basis.map_or(0, ProtoEnum::to_proto),
        create_time: Some(convert::timestamp(r.create_time)),
        update_time: Some(convert::timestamp(r.update_time)),
        etag: convert::etag_of(r.version),
        tracking_code: String::new(),
        // Set by `with_deadline`, which needs the agency's calendar.
        deadline_state: 0,
        deadline_date: None,
        working_days_left: 0,
    }
}

/// Checks a requester; `field` is the path prefix.
fn check_requester(c: &mut Check, field: &str, q: Option<&pb::Requester>) -> Option<Requester> {
    let Some(q) = q else {
        c.add(field, "is required");
        return None;
    };
    let f = |name| Nested(field, name);
    let full_name = c.text(f("full_name"), &q.full_name, Text::line(NAME_MAX));
    let kind: Option<RequesterType> = c.required_enum(f("type"), q.r#type);
    let nik = c.text(f("nik"), &q.nik, Text::opt_line(16));
    let reg = c.text(
        f("legal_entity_registration"),
        &q.legal_entity_registration,
        Text::opt_line(NAME_MAX),
    );
    match kind {
        Some(RequesterType::LegalEntity) if reg.is_none() => c.add(
            f("legal_entity_registration"),
            "is required for a legal entity (its decree of legal status)",
        ),
        Some(RequesterType::Individual | RequesterType::Group)
            if nik.is_none() && q.nik.trim().is_empty() =>
        {
            c.add(
                f("nik"),
                "is required for an individual or a group (16 digits from the KTP)",
            )
        }
        _ => {}
    }
    // Never echo the NIK itself: it is personal data.
    if !q.nik.trim().is_empty() && !is_nik(q.nik.trim()) {
        c.add(f("nik"), "must be exactly 16 digits");
    }
    let address = c.text(f("address"), &q.address, Text::line(LINE_MAX));
    let phone = c.text(f("phone"), &q.phone, Text::opt_line(32));
    if phone.as_deref().is_some_and(|p| !is_phone(p)) {
        c.add(
            f("phone"),
            "must be 6 to 15 digits, optionally with +, spaces, dashes or brackets",
        );
    }
    let email = c.text(f("email"), &q.email, Text::opt_line(254));
    if email.as_deref().is_some_and(|e| !is_email(e)) {
        c.add(f("email"), "is not an email address");
    }
    if q.phone.trim().is_empty() && q.email.trim().is_empty() {
        c.add(
            f("phone"),
            "phone or email is required, so the PPID can reach the requester",
        );
    }
    let occupation = c.text(f("occupation"), &q.occupation, Text::opt_line(NAME_MAX));
    let proxy = q.proxy.as_ref().and_then(|p| {
        let full_name = c.text(f("proxy.full_name"), &p.full_name, Text::line(NAME_MAX));
        let poa = c.text(
            f("proxy.power_of_attorney"),
            &p.power_of_attorney,
            Text::line(LINE_MAX),
        );
        Some(Proxy {
            full_name: full_name?,
            power_of_attorney: poa?,
        })
    });
    Some(Requester {
        full_name: full_name?,
        kind: kind?,
        nik: nik.filter(|n| is_nik(n)),
        legal_entity_registration: reg,
        address: address?,
        phone,
        email,
        occupation,
        proxy,
    })
}

fn is_nik(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && s.chars()
            .all(|ch| ch.is_ascii_digit() || " +-()".contains(ch))
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// The idempotency fingerprint: the call's body without its key.
fn body_hash(r: &pb::SubmitRequestRequest) -> String {
    let mut body = r.clone();
    body.request_id.clear();
    format!("{:x}", Sha256::digest(body.encode_to_vec()))
}

impl RequestApi {
    async fn transition(
        &self,
        field_name: &str,
        name: &str,
        etag: &str,
        mut c: Check,
        command: Option<Command>,
        caller: Caller,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let id = convert::request_id(&mut c, field_name, name);
        let version = convert::etag(&mut c, "etag", etag);
        c.finish()?;
        let (Some(id), Some(command)) = (id, command) else {
            return Err(convert::missing());
        };
        caller.require_request(&self.0.access, id).await?;
        let now = self.0.app.now();
        let r = self
            .0
            .app
            .transition(id, version, command, &caller.actor())
            .await?;
        tracing::info!(request = %r.id, state = %r.state, "request transition");
        self.view(&caller, &r, now).await.map(Response::new)
    }

    /// A request as this caller may see it: personal data masked unless the
    /// caller handles it (an admin, or an officer of the handling agency).
    async fn view(
        &self,
        caller: &Caller,
        r: &model::Request,
        now: jiff::Timestamp,
    ) -> Result<pb::InformationRequest, Status> {
        let mut out = to_pb(r, now);
        with_deadline(&mut Reckoner::new(&self.0.app, now), r, &mut out).await?;
        let full = match caller {
            Caller::Open { .. } => true,
            Caller::Key(p) if matches!(p.role, Role::Admin | Role::Officer) => {
                caller.sees_personal_data(&self.0.access.agency_path(&r.agency_id).await?)
            }
            _ => false,
        };
        if !full {
            mask(&mut out);
        }
        Ok(out)
    }
}

fn work_kind_to_pb(k: WorkKind) -> pb::workload_group::Kind {
    use pb::workload_group::Kind as K;
    match k {
        WorkKind::DueSoon => K::DueSoon,
        WorkKind::LastDayToExtend => K::LastDayToExtend,
        WorkKind::OverdueForNotice => K::OverdueForNotice,
        WorkKind::OverdueForDelivery => K::OverdueForDelivery,
        WorkKind::ObjectionToAnswer => K::ObjectionToAnswer,
        WorkKind::DisputeDate => K::DisputeDate,
    }
}

/// Sets where `r` stands against its running deadline.
async fn with_deadline(
    rk: &mut Reckoner<'_>,
    r: &model::Request,
    out: &mut pb::InformationRequest,
) -> Result<(), Status> {
    let v = rk.view(r).await?;
    out.deadline_state = match v.state {
        DeadlineState::None => pb::DeadlineState::Unspecified,
        DeadlineState::OnTrack => pb::DeadlineState::OnTrack,
        DeadlineState::DueSoon => pb::DeadlineState::DueSoon,
        DeadlineState::Overdue => pb::DeadlineState::Overdue,
    } as i32;
    out.deadline_date = v.date.map(convert::date);
    out.working_days_left = v.working_days_left;
    Ok(())
}

/// Masks the requester's NIK, address, phone and email (UU PDP): what a
/// caller who does not handle the request may see.
pub fn mask(r: &mut pb::InformationRequest) {
    if let Some(q) = r.requester.as_mut() {
        q.nik = access::mask_tail(&q.nik, 4);
        q.address = access::mask_address(&q.address);
        q.phone = access::mask_tail(&q.phone, 3);
        q.email = access::mask_email(&q.email);
    }
}

/// The request a `SubmitRequest` body describes, checked: every field
/// violation at once. The API and the portal's form share it, so a rule is
/// kept in one place.
pub(crate) fn checked_submission(
    body: &pb::SubmitRequestRequest,
    now: jiff::Timestamp,
    submitted_by: Option<String>,
) -> crate::error::Result<NewRequest> {
    let mut c = Check::new();
    let id = if body.request_id.is_empty() {
        Some(Uuid::now_v7())
    } else {
        let id = Uuid::parse_str(&body.request_id)
            .ok()
            .filter(|u| !u.is_nil());
        if id.is_none() {
            c.add(
                "request_id",
                "must be a UUID (e.g. 123e4567-e89b-12d3-a456-426614174000)",
            );
        }
        id
    };
    let Some(r) = body.request.as_ref() else {
        c.add("request", "is required");
        return Err(c.into_error());
    };
    let agency = convert::agency_id(&mut c, "request.agency", &r.agency);
    let requester = check_requester(&mut c, "request.requester", r.requester.as_ref());
    let info = c.text(
        "request.information_requested",
        &r.information_requested,
        Text::para(INFO_MAX),
    );
    let purpose = c.text("request.purpose", &r.purpose, Text::para(REASON_MAX));
    let access: Option<AccessMethod> = c.required_enum("request.access_method", r.access_method);
    let copy_form = c.optional_enum("request.copy_form", r.copy_form);
    match (access, copy_form) {
        (Some(AccessMethod::Copy), None) if r.copy_form == 0 => c.add(
            "request.copy_form",
            "is required when the requester wants a copy",
        ),
        (Some(AccessMethod::Inspect), Some(_)) => c.add(
            "request.copy_form",
            "applies only when access_method is ACCESS_METHOD_COPY",
        ),
        _ => {}
    }
    let delivery = c.required_enum("request.delivery_method", r.delivery_method);
    let channel = c.required_enum("request.channel", r.channel);
    let personal_information_basis = c.optional_enum(
        "request.personal_information_basis",
        r.personal_information_basis,
    );
    let receive_time = c.timestamp("request.receive_time", r.receive_time.as_ref());
    if receive_time.is_some_and(|t| t > now + FUTURE_SKEW) {
        c.add("request.receive_time", "is in the future");
    }
    c.finish()?;
    let (Some(id), Some(agency_id), Some(requester), Some(information_requested), Some(purpose)) =
        (id, agency, requester, info, purpose)
    else {
        return Err(unchecked());
    };
    let (Some(access_method), Some(delivery_method), Some(channel)) = (access, delivery, channel)
    else {
        return Err(unchecked());
    };
    Ok(NewRequest {
        id,
        agency_id,
        requester,
        information_requested,
        purpose,
        access_method,
        copy_form,
        delivery_method,
        channel,
        personal_information_basis,
        receive_time: receive_time.map(|t| t.min(now)),
        body_hash: body_hash(body),
        submitted_by,
    })
}

fn unchecked() -> crate::error::Error {
    crate::error::Error::Internal(anyhow::anyhow!("validation passed without values"))
}

#[tonic::async_trait]
impl RequestService for RequestApi {
    async fn submit_request(
        &self,
        req: Request<pb::SubmitRequestRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let body = req.into_inner();
        let now = self.0.app.now();
        let new = checked_submission(&body, now, caller.key_id().map(str::to_string))?;
        caller
            .require_agency(&self.0.access, &new.agency_id)
            .await?;
        let submitted = self.0.app.submit_request(new, &caller.actor()).await?;
        let r = &submitted.request;
        tracing::info!(
            request = %r.id,
            registration_number = %r.registration_number,
            agency = %r.agency_id,
            replayed = submitted.replayed,
            "request submitted"
        );
        let mut out = self.view(&caller, r, now).await?;
        out.tracking_code = self.0.access.tracking_code(&r.id).await?;
        Ok(Response::new(out))
    }

    async fn get_request(
        &self,
        req: Request<pb::GetRequestRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let mut c = Check::new();
        let id = convert::request_id(&mut c, "name", &req.get_ref().name);
        c.finish()?;
        let Some(id) = id else {
            return Err(convert::missing());
        };
        let caller = Caller::of(&req);
        caller.require_request(&self.0.access, id).await?;
        let r = self.0.app.get_request(id).await?;
        self.view(&caller, &r, self.0.app.now())
            .await
            .map(Response::new)
    }

    async fn list_requests(
        &self,
        req: Request<pb::ListRequestsRequest>,
    ) -> Result<Response<pb::ListRequestsResponse>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let now = self.0.app.now();
        let mut c = Check::new();
        let agency_id = if r.agency.is_empty() {
            if r.include_sub_agencies {
                c.add("include_sub_agencies", "needs an agency");
            }
            None
        } else {
            convert::agency_id(&mut c, "agency", &r.agency)
        };
        let mut states = Vec::new();
        for (i, s) in r.states.iter().enumerate() {
            if let Some(st) = c.required_enum::<RequestState>(&format!("states[{i}]"), *s) {
                states.push(st);
            }
        }
        let start = c.timestamp("receive_time_start", r.receive_time_start.as_ref());
        let end = c.timestamp("receive_time_end", r.receive_time_end.as_ref());
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            c.add("receive_time_end", "must be after receive_time_start");
        }
        let size = convert::page_size(&mut c, r.page_size);
        let order = match r.order_by.trim() {
            "" | "receive_time desc" => RequestOrder::NewestFirst,
            "deadline" => RequestOrder::Deadline,
            _ => {
                c.add("order_by", "must be `receive_time desc` or `deadline`");
                RequestOrder::NewestFirst
            }
        };
        if !(0..=60).contains(&r.due_within_working_days) {
            c.add("due_within_working_days", "must be between 0 and 60");
        }
        let mut deadline_states = Vec::new();
        for (i, s) in r.deadline_states.iter().enumerate() {
            match pb::DeadlineState::try_from(*s) {
                Ok(pb::DeadlineState::OnTrack) => deadline_states.push(DeadlineState::OnTrack),
                Ok(pb::DeadlineState::DueSoon) => deadline_states.push(DeadlineState::DueSoon),
                Ok(pb::DeadlineState::Overdue) => deadline_states.push(DeadlineState::Overdue),
                _ => c.add(
                    format!("deadline_states[{i}]"),
                    "must be ON_TRACK, DUE_SOON or OVERDUE",
                ),
            }
        }
        let query = if r.query.is_empty() {
            None
        } else {
            match search::parse(&r.query) {
                Ok(q) => Some(q),
                Err(e) => {
                    c.add("query", e.to_string());
                    None
                }
            }
        };
        let deadline_filters = r.due_within_working_days > 0 || !deadline_states.is_empty();
        if deadline_filters && agency_id.is_none() && caller.scope_agency().is_none() {
            // Working days are an agency's: its calendar and its zone.
            c.add(
                if r.due_within_working_days > 0 {
                    "due_within_working_days"
                } else {
                    "deadline_states"
                },
                "needs an agency",
            );
        }
        let pages = convert::Pages::of(&r, |f| {
            f.page_size = 0;
            f.page_token.clear();
        });
        let cursor = match order {
            RequestOrder::NewestFirst => pages
                .cursor::<(jiff::Timestamp, Uuid)>(&mut c, &r.page_token)
                .map(|(receive_time, id)| ListCursor::Receipt(RequestCursor { receive_time, id })),
            RequestOrder::Deadline => pages
                .cursor::<(i64, Uuid)>(&mut c, &r.page_token)
                .map(|(key, id)| ListCursor::Deadline(key, id)),
        };
        c.finish()?;
        // Officers and admins see their subtree; an intake key its own.
        let intake = caller.role() == Some(Role::Intake);
        let (agency, include_sub_agencies) = if intake {
            let agency = match agency_id {
                Some(id) => Some(self.0.app.get_agency(&id).await?),
                None => None,
            };
            (agency, r.include_sub_agencies)
        } else {
            caller
                .filter_agency(&self.0.app, agency_id, r.include_sub_agencies)
                .await?
        };
        let submitted_by = match &caller {
            Caller::Key(p) if intake => Some(p.key_id.clone()),
            _ => None,
        };
        // Everything listed is within an admin's or officer's reach; only
        // they may find a request by its requester's name (personal data).
        let full = caller.handles_requests();
        let mut rk = Reckoner::new(&self.0.app, now);
        let (deadline_in, deadline_by) = match &agency {
            Some(a) if deadline_filters => (
                rk.ranges(a, &deadline_states).await?,
                match r.due_within_working_days {
                    0 => None,
                    n => Some(rk.cutoff(a, n).await?),
                },
            ),
            _ => (Vec::new(), None),
        };
        let filter = RequestFilter {
            agency,
            include_sub_agencies,
            states,
            receive_start: start,
            receive_end: end,
            overdue_at: r.overdue_only.then_some(now),
            submitted_by,
            deadline_in,
            deadline_by,
            extended: None,
            search: query.map(|query| Search {
                query,
                with_name: full,
                expanded: Vec::new(),
            }),
            order,
        };
        let mut rows = self.0.app.list_requests(&filter, cursor, size + 1).await?;
        let next = match order {
            RequestOrder::NewestFirst => {
                pages.next(&mut rows, size, |last| (last.receive_time, last.id))
            }
            RequestOrder::Deadline => {
                pages.next(&mut rows, size, |last| (deadline_key(last), last.id))
            }
        };
        rk.prefetch(rows.iter().map(|r| r.agency_id.as_str()))
            .await?;
        let mut requests = Vec::with_capacity(rows.len());
        for q in &rows {
            let mut out = to_pb(q, now);
            if !full {
                mask(&mut out);
            }
            with_deadline(&mut rk, q, &mut out).await?;
            requests.push(out);
        }
        Ok(Response::new(pb::ListRequestsResponse {
            requests,
            next_page_token: next,
        }))
    }

    async fn return_for_completion(
        &self,
        req: Request<pb::ReturnForCompletionRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let missing = c.text(
            "missing_information",
            &r.missing_information,
            Text::para(REASON_MAX),
        );
        let cmd = missing.map(|m| Command::ReturnForCompletion {
            missing_information: m,
        });
        self.transition("name", &r.name, &r.etag, c, cmd, caller)
            .await
    }

    async fn resubmit(
        &self,
        req: Request<pb::ResubmitRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let note = c.text("note", &r.note, Text::opt_para(REASON_MAX));
        let requester = match &r.requester {
            Some(q) => check_requester(&mut c, "requester", Some(q)),
            None => None,
        };
        let info = c.text(
            "information_requested",
            &r.information_requested,
            Text::opt_para(INFO_MAX),
        );
        let purpose = c.text("purpose", &r.purpose, Text::opt_para(REASON_MAX));
        let resubmit_time = c.timestamp("resubmit_time", r.resubmit_time.as_ref());
        let cmd = Some(Command::Resubmit {
            note,
            requester,
            information_requested: info,
            purpose,
            resubmit_time,
        });
        self.transition("name", &r.name, &r.etag, c, cmd, caller)
            .await
    }

    async fn forward_request(
        &self,
        req: Request<pb::ForwardRequestRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let target = convert::agency_id(&mut c, "target_agency", &r.target_agency);
        let reason = c.text("reason", &r.reason, Text::opt_para(REASON_MAX));
        let cmd = match target {
            Some(t) if c.ok() => Some(Command::Forward {
                target: self.0.app.get_agency(&t).await?,
                reason,
            }),
            _ => None,
        };
        self.transition("name", &r.name, &r.etag, c, cmd, caller)
            .await
    }

    async fn extend_request(
        &self,
        req: Request<pb::ExtendRequestRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let reason = c.text("reason", &r.reason, Text::para(REASON_MAX));
        let extend_time = c.timestamp("extend_time", r.extend_time.as_ref());
        let cmd = reason.map(|reason| Command::Extend {
            reason,
            extend_time,
        });
        self.transition("name", &r.name, &r.etag, c, cmd, caller)
            .await
    }

    async fn respond_request(
        &self,
        req: Request<pb::RespondRequestRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let published = match r.notice.as_ref().map(|n| n.published_entry.as_str()) {
            Some("") | None => None,
            Some(name) => convert::dip_entry_name(&mut c, "notice.published_entry", name),
        };
        let notice = check_notice(&mut c, r.notice.as_ref());
        let Some(entry) = published else {
            let cmd = notice.map(Command::Respond);
            return self
                .transition("name", &r.name, &r.etag, c, cmd, caller)
                .await;
        };
        let id = convert::request_id(&mut c, "name", &r.name);
        let version = convert::etag(&mut c, "etag", &r.etag);
        c.finish()?;
        let (Some(id), Some(notice)) = (id, notice) else {
            return Err(convert::missing());
        };
        caller.require_request(&self.0.access, id).await?;
        let now = self.0.app.now();
        let done = self
            .0
            .app
            .respond_by_reference(id, version, notice, entry, &caller.actor())
            .await?;
        tracing::info!(request = %done.id, state = %done.state, "request answered by reference to the DIP");
        self.view(&caller, &done, now).await.map(Response::new)
    }

    async fn record_delivery(
        &self,
        req: Request<pb::RecordDeliveryRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let deliver_time = c.timestamp("deliver_time", r.deliver_time.as_ref());
        let note = c.text("note", &r.note, Text::opt_para(REASON_MAX));
        let cmd = Some(Command::RecordDelivery { deliver_time, note });
        self.transition("name", &r.name, &r.etag, c, cmd, caller)
            .await
    }

    async fn record_notice_receipt(
        &self,
        req: Request<pb::RecordNoticeReceiptRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let cmd = c
            .date("receipt_date", r.receipt_date.as_ref())
            .map(|receipt_date| Command::RecordNoticeReceipt { receipt_date });
        self.transition("name", &r.name, &r.etag, c, cmd, caller)
            .await
    }

    async fn withdraw_request(
        &self,
        req: Request<pb::WithdrawRequestRequest>,
    ) -> Result<Response<pb::InformationRequest>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let reason = c.text("reason", &r.reason, Text::opt_para(REASON_MAX));
        let cmd = Some(Command::Withdraw { reason });
        self.transition("name", &r.name, &r.etag, c, cmd, caller)
            .await
    }

    async fn track_request(
        &self,
        req: Request<pb::TrackRequestRequest>,
    ) -> Result<Response<pb::TrackRequestResponse>, Status> {
        let client = req
            .extensions()
            .get::<super::auth::ClientAddr>()
            .map(|c| c.0)
            .or_else(|| req.remote_addr().map(|a| a.ip()));
        self.0.access.check_track_rate(client)?;
        let body = req.into_inner();
        let mut c = Check::new();
        let number = c.text(
            "registration_number",
            &body.registration_number,
            Text::line(100),
        );
        let code = c.text("tracking_code", &body.tracking_code, Text::line(40));
        c.finish()?;
        let (Some(number), Some(code)) = (number, code) else {
            return Err(convert::missing());
        };
        // One answer for an unknown number and a wrong code: no enumeration.
        let not_found = || Status::not_found("no request with that registration number and code");
        let Some(r) = self.0.app.request_by_number(&number).await? else {
            return Err(not_found());
        };
        let expected = self.0.access.tracking_code(&r.id).await?;
        if !access::code_matches(&expected, &code) {
            return Err(not_found());
        }
        let agency = self.0.app.get_agency(&r.agency_id).await?;
        Ok(Response::new(pb::TrackRequestResponse {
            registration_number: r.registration_number.clone(),
            agency_display_name: agency.display_name,
            receive_time: Some(convert::timestamp(r.receive_time)),
            state: r.state.to_proto(),
            due_date: r.due_date.map(convert::date),
            outcome: r.notice.as_ref().map_or(0, |n| n.outcome.to_proto()),
            notice_time: r.notice.as_ref().map(|n| convert::timestamp(n.notice_time)),
        }))
    }

    async fn get_workload(
        &self,
        req: Request<pb::GetWorkloadRequest>,
    ) -> Result<Response<pb::Workload>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let agency_id = convert::agency_id(&mut c, "agency", &r.agency);
        let max_items = match r.max_items {
            0 => 50,
            n if (1..=500).contains(&n) => i64::from(n),
            _ => {
                c.add("max_items", "must be between 1 and 500");
                0
            }
        };
        c.finish()?;
        let (Some(agency), _) = caller.filter_agency(&self.0.app, agency_id, true).await? else {
            return Err(Status::internal("an agency was named"));
        };
        let w = self.0.app.workload(&agency, max_items).await?;
        Ok(Response::new(pb::Workload {
            agency: format!("agencies/{}", agency.id),
            today: Some(convert::date(w.today)),
            due_soon_working_days: w.due_soon_working_days,
            groups: w
                .groups
                .into_iter()
                .map(|g| pb::WorkloadGroup {
                    kind: work_kind_to_pb(g.kind) as i32,
                    count: i32::try_from(g.count).unwrap_or(i32::MAX),
                    items: g
                        .items
                        .into_iter()
                        .map(|i| pb::WorkItem {
                            name: i.name,
                            registration_number: i.registration_number,
                            agency: format!("agencies/{}", i.agency_id),
                            date: Some(convert::date(i.date)),
                            working_days_left: i.working_days_left,
                            why: i.why,
                        })
                        .collect(),
                })
                .collect(),
        }))
    }

    async fn get_request_history(
        &self,
        req: Request<pb::GetRequestHistoryRequest>,
    ) -> Result<Response<pb::GetRequestHistoryResponse>, Status> {
        let mut c = Check::new();
        let id = convert::request_id(&mut c, "name", &req.get_ref().name);
        c.finish()?;
        let Some(id) = id else {
            return Err(convert::missing());
        };
        Caller::of(&req).require_request(&self.0.access, id).await?;
        let events = self.0.app.request_history(id).await?;
        Ok(Response::new(pb::GetRequestHistoryResponse {
            events: events
                .into_iter()
                .map(|e| pb::RequestEvent {
                    sequence: e.sequence,
                    r#type: e.kind.to_proto(),
                    event_time: Some(convert::timestamp(e.event_time)),
                    actor_key_id: access::split_actor(&e.actor)
                        .1
                        .unwrap_or_default()
                        .to_string(),
                    actor: e.actor,
                    state: e.state.to_proto(),
                    summary: e.summary,
                    details: e.details.into_iter().collect(),
                    record_time: Some(convert::timestamp(e.record_time)),
                })
                .collect(),
        }))
    }
}

/// Checks a notice: Pasal 17 letters exactly when something is withheld,
/// the holder only for "not held", a payment method when there is a fee.
fn check_notice(c: &mut Check, n: Option<&pb::Notice>) -> Option<NoticeInput> {
    let Some(n) = n else {
        c.add("notice", "is required");
        return None;
    };
    let outcome: Option<crate::domain::Outcome> = c.required_enum("notice.outcome", n.outcome);
    let text = c.text("notice.notice_text", &n.notice_text, Text::para(NOTICE_MAX));
    let mut letters = Vec::new();
    for (i, l) in n.exemption_letters.iter().enumerate() {
        if let Some(letter) = c.required_enum(format_args!("notice.exemption_letters[{i}]"), *l) {
            if letters.contains(&letter) {
                c.add(format!("notice.exemption_letters[{i}]"), "is listed twice");
            }
            letters.push(letter);
        }
    }
    letters.sort();
    let withheld = c.text(
        "notice.withheld_parts",
        &n.withheld_parts,
        Text::opt_para(NOTICE_MAX),
    );
    let holder = c.text("notice.holder", &n.holder, Text::opt_line(LINE_MAX));
    let mut exemptions = Vec::new();
    for (i, name) in n.exemptions.iter().enumerate() {
        let field = format!("notice.exemptions[{i}]");
        if let Some(e) = convert::exemption_name(c, &field, name) {
            if exemptions.contains(&e) {
                c.add(field, "is cited twice");
            }
            exemptions.push(e);
        }
    }
    if let Some(o) = outcome {
        // Whether the cited entries are in force is the store's check
        // (domain::exemption::check_basis); here only the shape.
        if o.withholds() && n.exemption_letters.is_empty() && n.exemptions.is_empty() {
            c.add(
                "notice.exemptions",
                format!("a {o} notice must cite the DIK entries (Pasal 17) it rests on"),
            );
        }
        if !o.withholds() && !n.exemption_letters.is_empty() {
            c.add(
                "notice.exemption_letters",
                format!("a {o} notice withholds nothing and cites no exemption"),
            );
        }
        if !o.withholds() && !n.exemptions.is_empty() {
            c.add(
                "notice.exemptions",
                format!("a {o} notice withholds nothing and cites no exemption"),
            );
        }
        if o == crate::domain::Outcome::PartiallyGranted
            && withheld.is_none()
            && n.withheld_parts.trim().is_empty()
        {
            c.add(
                "notice.withheld_parts",
                "a partial grant must say which parts are withheld and why",
            );
        }
        if o != crate::domain::Outcome::PartiallyGranted && !n.withheld_parts.trim().is_empty() {
            c.add("notice.withheld_parts", "applies only to a partial grant");
        }
        if o != crate::domain::Outcome::NotHeld && !n.holder.trim().is_empty() {
            c.add(
                "notice.holder",
                "applies only when the information is not held",
            );
        }
    }
    if !(0..=1_000_000_000_000).contains(&n.fee_rupiah) {
        c.add(
            "notice.fee_rupiah",
            "must be between 0 and 1,000,000,000,000",
        );
    }
    let payment = c.text(
        "notice.payment_method",
        &n.payment_method,
        Text::opt_line(NAME_MAX),
    );
    if n.fee_rupiah > 0 && n.payment_method.trim().is_empty() {
        c.add("notice.payment_method", "is required when there is a fee");
    }
    let delivery = c.optional_enum("notice.delivery_method", n.delivery_method);
    let format = c.text("notice.format", &n.format, Text::opt_line(NAME_MAX));
    let notice_time = c.timestamp("notice.notice_time", n.notice_time.as_ref());
    let delivery_due_date = n
        .delivery_due_date
        .as_ref()
        .and_then(|d| c.date("notice.delivery_due_date", Some(d)));
    if n.fee_items.len() > 50 {
        c.add("notice.fee_items", "at most 50 lines");
    }
    let fee_items = n
        .fee_items
        .iter()
        .take(50)
        .enumerate()
        .filter_map(|(i, l)| {
            let code = c.text(
                format!("notice.fee_items[{i}].code"),
                &l.code,
                Text::line(40),
            )?;
            Some(FeeLine {
                code,
                quantity: l.quantity,
            })
        })
        .collect();
    Some(NoticeInput {
        outcome: outcome?,
        notice_text: text?,
        exemption_letters: letters,
        withheld_parts: withheld,
        holder,
        fee_rupiah: n.fee_rupiah,
        fee_items,
        payment_method: payment,
        delivery_method: delivery,
        format,
        notice_time,
        delivery_due_date,
        exemptions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_formats() {
        for ok in ["081234567890", "+62 812-3456-7890", "(0254) 123456"] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in ["12345", "0812abc", "+62 812 3456 7890 1234 5678"] {
            assert!(!is_phone(bad), "{bad}");
        }
        for ok in ["a@b.id", "siti.aminah@serangkota.go.id"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["a", "a@b", "@b.id", "a@.id", "a@b.", "a b@c.id"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_nik("3673012345678901"));
        for bad in ["367301234567890", "36730123456789012", "36730123456789ab"] {
            assert!(!is_nik(bad), "{bad}");
        }
    }

    /// Stored hashes decide whether a retry is the same submission, so the
    /// hash's text must not change between versions: 64 lowercase hex digits
    /// of the SHA-256 of the body without its request_id.
    #[test]
    fn body_hash_is_stable() {
        let body = |id: &str| pb::SubmitRequestRequest {
            request_id: id.into(),
            request: Some(pb::InformationRequest {
                information_requested: "Anggaran 2025".into(),
                ..Default::default()
            }),
        };
        let hash = body_hash(&body("0190a7a8-0000-7000-8000-000000000001"));
        let mut without_id = body("");
        assert_eq!(hash, body_hash(&without_id), "the request_id is not hashed");
        let expected: String = Sha256::digest(without_id.encode_to_vec())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hash, expected);
        assert_eq!(hash.len(), 64);
        without_id.request.as_mut().unwrap().purpose = "Penelitian".into();
        assert_ne!(hash, body_hash(&without_id));
    }
}
