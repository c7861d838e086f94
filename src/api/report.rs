//! `ppid.v1.ReportService`: the annual report and the complete export.
use std::pin::Pin;

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use futures::{Stream, StreamExt};
use prost::Message;
use sha2::{Digest, Sha256};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{
    AppState,
    auth::{Caller, denied, denied_because},
    convert::{self, Check, ProtoEnum},
    indicator::{distribution_pb, parse_period, rate},
    request::to_pb,
};
use crate::{
    domain::{
        RequestState, Role,
        annual_report::{Narrative, Publication},
        time,
    },
    pb::ppid::v1::{self as pb, report_service_server::ReportService},
    report::{
        annual::{self, Counts, Section},
        export::next_page,
        personal,
    },
    store::{RequestCursor, RequestFilter},
};

/// The report service.
pub struct ReportApi(pub AppState);

/// Export streams open now, in total and per caller: each holds a
/// database reader (a connection on PostgreSQL, two threads on SQLite) and
/// a few batches of memory, so their number is bounded.
pub struct ExportSlots {
    total: std::sync::Arc<tokio::sync::Semaphore>,
    max_total: usize,
    per_caller: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    max_per_caller: usize,
}

/// One open export; dropping it frees the slot.
pub struct ExportSlot {
    _total: tokio::sync::OwnedSemaphorePermit,
    slots: std::sync::Arc<ExportSlots>,
    caller: String,
}

impl Drop for ExportSlot {
    fn drop(&mut self) {
        let mut m = self
            .slots
            .per_caller
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.caller) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.caller);
            }
        }
    }
}

impl ExportSlots {
    /// `max_total` streams at once, `max_per_caller` for one caller.
    pub fn new(max_total: usize, max_per_caller: usize) -> Self {
        Self {
            total: std::sync::Arc::new(tokio::sync::Semaphore::new(max_total.max(1))),
            max_total: max_total.max(1),
            per_caller: std::sync::Mutex::default(),
            max_per_caller: max_per_caller.max(1),
        }
    }

    /// A slot for `caller`, or RESOURCE_EXHAUSTED naming the limit.
    pub fn take(self: &std::sync::Arc<Self>, caller: &str) -> Result<ExportSlot, Status> {
        let mut m = self.per_caller.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.get(caller).copied().unwrap_or(0);
        if n >= self.max_per_caller {
            return Err(Status::resource_exhausted(format!(
                "this caller already has {n} exports streaming (--max-exports-per-caller {}); \
                 finish or cancel one first",
                self.max_per_caller
            )));
        }
        let permit = self.total.clone().try_acquire_owned().map_err(|_| {
            Status::resource_exhausted(format!(
                "{} exports are streaming on this server (--max-exports {}); retry later",
                self.max_total, self.max_total
            ))
        })?;
        m.insert(caller.to_string(), n + 1);
        Ok(ExportSlot {
            _total: permit,
            slots: self.clone(),
            caller: caller.to_string(),
        })
    }
}

/// Sends `item` unless the reader has taken nothing for `idle`; false when
/// the export should stop (the reader went away or stalled).
async fn send_or_stall(
    tx: &tokio::sync::mpsc::Sender<Result<pb::ExportRequestsResponse, Status>>,
    item: Result<pb::ExportRequestsResponse, Status>,
    idle: std::time::Duration,
    stalled: &mut Option<tokio::sync::oneshot::Sender<Status>>,
) -> bool {
    match tokio::time::timeout(idle, tx.send(item)).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) => false, // the caller went away
        Err(_) => {
            tracing::info!(
                idle_seconds = idle.as_secs(),
                "export ended: its reader took nothing"
            );
            if let Some(s) = stalled.take() {
                let _ = s.send(Status::deadline_exceeded(format!(
                    "the export was ended after {} s in which the reader took nothing; resume from the last cursor",
                    idle.as_secs()
                )));
            }
            false
        }
    }
}

/// Largest encoded batch: well under gRPC's default 4 MB message limit even
/// when one request carries the longest texts the register allows.
const BATCH_BYTES: usize = 1 << 20;
/// Most requests per message: the cursor (resume point) moves this often.
const BATCH_ROWS: usize = 100;

fn counts<T: Copy + ProtoEnum, M>(c: &Counts<T>, make: impl Fn(i32, i64) -> M) -> Vec<M> {
    c.0.iter().map(|(k, n)| make(k.to_proto(), *n)).collect()
}

fn section_pb(s: &Section) -> pb::AnnualReportSection {
    pb::AnnualReportSection {
        agency: format!("agencies/{}", s.agency_id),
        display_name: s.display_name.clone(),
        agency_count: s.agency_count as i32,
        received: s.received,
        pending_at_start: s.pending_at_start,
        pending_at_end: s.pending_at_end,
        decided: s.decided,
        withdrawn: s.withdrawn,
        outcomes: counts(&s.outcomes, |outcome, count| pb::OutcomeCount {
            outcome,
            count,
        }),
        time_to_notice: s.time_to_notice.clone().map(distribution_pb),
        time_to_delivery: s.time_to_delivery.clone().map(distribution_pb),
        on_time: Some(rate(s.on_time)),
        extended: s.extended,
        rejected_by_letter: counts(&s.rejected_by_letter, |letter, count| pb::LetterCount {
            letter,
            count,
        }),
        partially_granted_by_letter: counts(&s.partially_granted_by_letter, |letter, count| {
            pb::LetterCount { letter, count }
        }),
        withholding_with_dik: s.withholding_with_dik,
        withholding_unregistered: s.withholding_unregistered,
        objections_filed: s.objections_filed,
        objections_by_ground: counts(&s.objections_by_ground, |ground, count| {
            pb::ObjectionGroundCount { ground, count }
        }),
        objections_answered: s.objections_answered,
        objections_answered_on_time: s.objections_answered_on_time,
        objections_upheld: s.objections_upheld,
        objections_overturned: s.objections_overturned,
        disputes_filed: s.disputes_filed,
        dispute_outcomes: counts(&s.dispute_outcomes, |outcome, count| {
            pb::DisputeOutcomeCount { outcome, count }
        }),
    }
}

/// The annual report on the wire.
pub fn report_pb(r: &annual::AnnualReport) -> pb::AnnualReport {
    pb::AnnualReport {
        agency: format!("agencies/{}", r.agency_id),
        display_name: r.display_name.clone(),
        year: i32::from(r.year),
        generate_time: Some(convert::timestamp(r.generate_time)),
        total: Some(section_pb(&r.total)),
        agencies: r.agencies.iter().map(section_pb).collect(),
        previous_year: Some(section_pb(&r.previous_year)),
        year_on_year: r
            .year_on_year
            .iter()
            .map(|c| pb::YearOnYearChange {
                figure: c.figure.into(),
                current: c.current,
                previous: c.previous,
                change: c.change,
                change_percent: c.change_percent,
            })
            .collect(),
        open_past_due_now: r.open_past_due_now,
        oldest_pending: r
            .oldest_pending
            .iter()
            .map(|p| pb::PendingRequest {
                name: format!("requests/{}", p.request_id),
                registration_number: p.registration_number.clone(),
                agency: format!("agencies/{}", p.agency_id),
                receive_time: Some(convert::timestamp(p.receive_time)),
                due_date: p.due_date.map(convert::date),
            })
            .collect(),
        ranking: r
            .ranking
            .iter()
            .map(|e| pb::AnnualReportRank {
                agency: format!("agencies/{}", e.agency_id),
                display_name: e.display_name.clone(),
                rank: e.rank,
                score: e.score,
                band: e.band.clone(),
                previous_rank: e.previous_rank,
            })
            .collect(),
        method: r.method.into(),
        narrative: r
            .narrative
            .as_ref()
            .map(|n| narrative_pb(&r.agency_id, r.year, n)),
        due_date: Some(convert::date(r.due_date)),
        published: r.publication.is_some(),
        publish_time: r
            .publication
            .as_ref()
            .map(|p| convert::timestamp(p.publish_time)),
        sent_to_ki_date: r
            .publication
            .as_ref()
            .and_then(|p| p.sent_to_ki_date)
            .map(convert::date),
    }
}

/// A narrative on the wire.
fn narrative_pb(agency_id: &str, year: i16, n: &Narrative) -> pb::ReportNarrative {
    pb::ReportNarrative {
        agency: format!("agencies/{agency_id}"),
        year: i32::from(year),
        profile: n.profile.clone(),
        facilities: n.facilities.clone(),
        staff: n.staff.clone(),
        budget: n.budget.clone(),
        obstacles: n.obstacles.clone(),
        recommendations: n.recommendations.clone(),
        decisions_implementation: n.decisions_implementation.clone(),
    }
}

/// Checks a report's agency and year (a year of the register's range).
fn agency_year(c: &mut Check, prefix: &str, agency: &str, year: i32) -> Option<(String, i16)> {
    let id = convert::agency_id(c, &format!("{prefix}agency"), agency);
    if !(2000..2200).contains(&year) {
        c.add(format!("{prefix}year"), "must be between 2000 and 2199");
        return None;
    }
    Some((id?, year as i16))
}

/// A checked export request.
struct ExportSpec {
    filter: RequestFilter,
    after: Option<RequestCursor>,
    digest: [u8; 8],
}

/// Ties a cursor to its filter, so it cannot resume a different export.
fn filter_digest(r: &pb::ExportRequestsRequest) -> [u8; 8] {
    let mut f = r.clone();
    f.cursor.clear();
    let d = Sha256::digest(f.encode_to_vec());
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

/// The opaque cursor: the last row's (receive time, id) and the filter digest.
fn encode_cursor(c: RequestCursor, digest: &[u8; 8]) -> String {
    let mut b = Vec::with_capacity(32);
    b.extend_from_slice(&c.receive_time.as_microsecond().to_be_bytes());
    b.extend_from_slice(c.id.as_bytes());
    b.extend_from_slice(digest);
    URL_SAFE_NO_PAD.encode(b)
}

fn decode_cursor(s: &str, digest: &[u8; 8]) -> Result<RequestCursor, &'static str> {
    let b = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| "is not a cursor of this export")?;
    if b.len() != 32 {
        return Err("is not a cursor of this export");
    }
    if &b[24..32] != digest {
        return Err("belongs to an export with a different filter");
    }
    let micros = i64::from_be_bytes(b[..8].try_into().expect("8 bytes"));
    let id = Uuid::from_slice(&b[8..24]).map_err(|_| "is not a cursor of this export")?;
    let receive_time =
        jiff::Timestamp::from_microsecond(micros).map_err(|_| "is not a cursor of this export")?;
    Ok(RequestCursor { receive_time, id })
}

impl ReportApi {
    async fn export_spec(
        &self,
        caller: &Caller,
        r: &pb::ExportRequestsRequest,
    ) -> Result<ExportSpec, Status> {
        let mut c = Check::new();
        let agency_id = if r.agency.is_empty() {
            if r.include_sub_agencies {
                c.add("include_sub_agencies", "needs an agency");
            }
            None
        } else {
            convert::agency_id(&mut c, "agency", &r.agency)
        };
        let period = r
            .period
            .as_ref()
            .and_then(|p| parse_period(&mut c, "period", Some(p)));
        let mut states = Vec::new();
        for (i, s) in r.states.iter().enumerate() {
            match RequestState::from_proto(*s) {
                Some(s) => states.push(s),
                None => c.add(format!("states[{i}]"), "is not a request state"),
            }
        }
        let digest = filter_digest(r);
        let after = if r.cursor.is_empty() {
            None
        } else {
            match decode_cursor(&r.cursor, &digest) {
                Ok(k) => Some(k),
                Err(why) => {
                    c.add("cursor", why);
                    None
                }
            }
        };
        c.finish()?;
        let (agency, include_sub_agencies) = caller
            .filter_agency(&self.0.app, agency_id, r.include_sub_agencies)
            .await?;
        // Period days are the filter agency's local days (WIB without one).
        let tz = agency.as_ref().map_or_else(
            || time::parse_time_zone(time::DEFAULT_TIME_ZONE).expect("bundled zone"),
            |a| a.tz(),
        );
        let (receive_start, receive_end) = match period {
            Some(p) => (
                p.start
                    .yesterday()
                    .ok()
                    .and_then(|d| time::end_of_day(d, &tz)),
                time::end_of_day(p.end, &tz),
            ),
            None => (None, None),
        };
        Ok(ExportSpec {
            filter: RequestFilter {
                agency,
                include_sub_agencies,
                states,
                receive_start,
                receive_end,
                overdue_at: None,
                submitted_by: None,
                ..Default::default()
            },
            after,
            digest,
        })
    }
}

/// The refusal of personal data to a caller who may not see it.
fn personal_data_denied() -> Status {
    denied_because(
        "PERSONAL_DATA_NOT_ALLOWED",
        "personal data goes only to admins and officers who handle the requests; \
         export without include_personal_data",
    )
}

type ExportStream =
    Pin<Box<dyn Stream<Item = Result<pb::ExportRequestsResponse, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl ReportService for ReportApi {
    async fn get_annual_report(
        &self,
        req: Request<pb::GetAnnualReportRequest>,
    ) -> Result<Response<pb::AnnualReport>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let checked = agency_year(&mut c, "", &r.agency, r.year);
        c.finish()?;
        let (id, year) = checked.ok_or_else(convert::missing)?;
        // A published report is public (RULINGS): everyone reads it as it
        // was published.
        if let Some((_, published)) = self.0.app.published_report(&id, year).await? {
            let bytes = STANDARD.decode(published).map_err(|e| {
                crate::error::Error::Internal(anyhow::anyhow!("stored report: {e}"))
            })?;
            let report = pb::AnnualReport::decode(bytes.as_slice()).map_err(|e| {
                crate::error::Error::Internal(anyhow::anyhow!("stored report: {e}"))
            })?;
            return Ok(Response::new(report));
        }
        match &caller {
            Caller::Public => {
                return Err(Status::unauthenticated(format!(
                    "the {year} report of agencies/{id} is not published: a key is needed"
                )));
            }
            Caller::Key(p) if !matches!(p.role, Role::Admin | Role::Officer | Role::Reader) => {
                return Err(denied(&format!(
                    "a {} key reads published reports only",
                    p.role
                )));
            }
            _ => {}
        }
        caller.require_agency(&self.0.access, &id).await?;
        let report = self.0.app.annual_report(&id, year).await?;
        Ok(Response::new(report_pb(&report)))
    }

    async fn record_report_narrative(
        &self,
        req: Request<pb::RecordReportNarrativeRequest>,
    ) -> Result<Response<pb::ReportNarrative>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let Some(n) = r.narrative else {
            c.add("narrative", "is required");
            return Err(c.into_error().into());
        };
        let checked = agency_year(&mut c, "narrative.", &n.agency, n.year);
        let narrative = Narrative {
            profile: n.profile.trim().to_string(),
            facilities: n.facilities.trim().to_string(),
            staff: n.staff.trim().to_string(),
            budget: n.budget.trim().to_string(),
            obstacles: n.obstacles.trim().to_string(),
            recommendations: n.recommendations.trim().to_string(),
            decisions_implementation: n.decisions_implementation.trim().to_string(),
        };
        for v in narrative.violations("narrative") {
            c.add(v.field, v.description);
        }
        c.finish()?;
        let (id, year) = checked.ok_or_else(convert::missing)?;
        caller.require_agency(&self.0.access, &id).await?;
        let saved = self
            .0
            .app
            .record_report_narrative(&id, year, narrative, &caller.actor())
            .await?;
        tracing::info!(agency = %id, year, actor = %caller.actor(), "report narrative recorded");
        Ok(Response::new(narrative_pb(&id, year, &saved)))
    }

    async fn publish_annual_report(
        &self,
        req: Request<pb::PublishAnnualReportRequest>,
    ) -> Result<Response<pb::AnnualReport>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let checked = agency_year(&mut c, "", &r.agency, r.year);
        let sent = r
            .sent_to_ki_date
            .as_ref()
            .and_then(|d| c.date("sent_to_ki_date", Some(d)));
        c.finish()?;
        let (id, year) = checked.ok_or_else(convert::missing)?;
        caller.require_agency(&self.0.access, &id).await?;
        let publication = Publication {
            publish_time: self.0.app.now(),
            published_by: caller.actor(),
            sent_to_ki_date: sent,
        };
        let mut report = self.0.app.annual_report(&id, year).await?;
        report.publication = Some(publication.clone());
        let out = report_pb(&report);
        self.0
            .app
            .publish_annual_report(
                &id,
                year,
                publication,
                &report,
                STANDARD.encode(out.encode_to_vec()),
            )
            .await?;
        tracing::info!(agency = %id, year, actor = %caller.actor(), "annual report published");
        Ok(Response::new(out))
    }

    type ExportRequestsStream = ExportStream;

    async fn export_requests(
        &self,
        req: Request<pb::ExportRequestsRequest>,
    ) -> Result<Response<Self::ExportRequestsStream>, Status> {
        let caller = Caller::of(&req);
        let client = req
            .extensions()
            .get::<super::auth::ClientAddr>()
            .map(|c| c.0);
        let r = req.into_inner();
        let spec = self.export_spec(&caller, &r).await?;
        // Personal data goes to those who handle the requests (the spec is
        // already within their reach).
        if r.include_personal_data && !caller.handles_requests() {
            return Err(personal_data_denied());
        }
        let include_personal = r.include_personal_data;
        let who = match caller.key_id() {
            Some(k) => format!("key:{k}"),
            None => format!("addr:{}", client.map_or("-".into(), |c| c.to_string())),
        };
        let slot = self.0.exports.take(&who)?;
        let idle = self.0.settings.export_idle;
        let app = self.0.app.clone();
        // Two batches in flight at most: a slow reader slows the reads, and
        // memory stays a page and two batches whatever the export's size. A
        // reader that takes nothing for `idle` ends the export (its slot and
        // database reader are freed; it gets DEADLINE_EXCEEDED after the
        // batches already sent).
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<pb::ExportRequestsResponse, Status>>(2);
        let (stall_tx, stall_rx) = tokio::sync::oneshot::channel::<Status>();
        let mut pages = app.export_pages(spec.filter.clone(), spec.after);
        tokio::spawn(async move {
            let _slot = slot;
            let mut stalled = Some(stall_tx);
            loop {
                let page = match next_page(&mut pages).await {
                    Ok(p) if p.is_empty() => return,
                    Ok(p) => p,
                    Err(e) => {
                        send_or_stall(&tx, Err(Status::from(e)), idle, &mut stalled).await;
                        return;
                    }
                };
                let now = app.now();
                let mut batch = pb::ExportRequestsResponse::default();
                let mut bytes = 0usize;
                for mut q in page {
                    personal::project_requester(&mut q.requester, include_personal);
                    let key = RequestCursor::of(&q);
                    let row = pb::ExportedRequest {
                        request: Some(to_pb(&q, now)),
                        delivery_working_days: q.deliver_working_days,
                    };
                    bytes += row.encoded_len();
                    batch.requests.push(row);
                    batch.cursor = encode_cursor(key, &spec.digest);
                    if bytes >= BATCH_BYTES || batch.requests.len() >= BATCH_ROWS {
                        let full = Ok(std::mem::take(&mut batch));
                        if !send_or_stall(&tx, full, idle, &mut stalled).await {
                            return;
                        }
                        bytes = 0;
                    }
                }
                if !batch.requests.is_empty()
                    && !send_or_stall(&tx, Ok(batch), idle, &mut stalled).await
                {
                    return;
                }
            }
        });
        // After the batches: the stall's status, if the export was cut.
        let tail =
            futures::stream::once(stall_rx).filter_map(|r| std::future::ready(r.ok().map(Err)));
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx).chain(tail),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_slots_per_caller_and_in_total() {
        let slots = std::sync::Arc::new(ExportSlots::new(3, 2));
        let a1 = slots.take("key:a").expect("a 1");
        let a2 = slots.take("key:a").expect("a 2");
        let refused = slots.take("key:a").err().expect("a 3 refused");
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert!(refused.message().contains("--max-exports-per-caller 2"));
        let b1 = slots.take("key:b").expect("b 1");
        let full = slots.take("key:c").err().expect("total reached");
        assert!(full.message().contains("--max-exports 3"));
        drop(a1);
        let c1 = slots.take("key:c").expect("a slot was freed");
        drop((a2, b1, c1));
        assert!(slots.per_caller.lock().unwrap().is_empty(), "no state left");
    }
}
