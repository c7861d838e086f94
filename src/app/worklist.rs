//! The officer's worklist: where each request stands against its running
//! deadline, in the agency's working days, and what needs action today.
use std::{collections::HashMap, sync::Arc};

use jiff::{Timestamp, civil::Date};

use super::App;
use crate::{
    domain::{
        DisputeStage, RequestState,
        agency::Agency,
        calendar::WorkingCalendar,
        deadline::{add_working_days, working_days_between},
        dispute::DisputeStep,
        request::Request,
        time,
    },
    error::{Error, Result},
    report::texts::{self, Lang},
    store::{DeadlineRange, DisputeFilter, ListCursor, RequestFilter, RequestOrder},
};

/// The due-soon threshold's default, in working days.
pub const DEFAULT_DUE_SOON_WORKING_DAYS: i32 = 2;

/// Where a request stands against the deadline that runs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineState {
    /// No deadline runs.
    None,
    /// Ends later than the due-soon threshold.
    OnTrack,
    /// Ends within the threshold, not yet past.
    DueSoon,
    /// Past.
    Overdue,
}

/// A request's running deadline as the worklist shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineView {
    /// Where it stands.
    pub state: DeadlineState,
    /// The deadline's day (none when no deadline runs).
    pub date: Option<Date>,
    /// Working days from today to `date`; negative once past.
    pub working_days_left: i32,
}

/// Working-day reckoning at one instant, with each agency's calendar read
/// once per call.
pub struct Reckoner<'a> {
    app: &'a App,
    now: Timestamp,
    due_soon: i32,
    calendars: HashMap<String, (Agency, Arc<WorkingCalendar>)>,
}

impl<'a> Reckoner<'a> {
    /// Reckoning at `now` with the deployment's due-soon threshold.
    pub fn new(app: &'a App, now: Timestamp) -> Self {
        Self {
            app,
            now,
            due_soon: app.settings().due_soon_working_days,
            calendars: HashMap::new(),
        }
    }

    async fn calendar(&mut self, agency_id: &str) -> Result<(Agency, Arc<WorkingCalendar>)> {
        if let Some(c) = self.calendars.get(agency_id) {
            return Ok(c.clone());
        }
        let agency = self.app.store().get_agency(agency_id).await?;
        let cal = Arc::new(self.app.store().calendar_for(&agency).await?);
        self.calendars
            .insert(agency_id.to_string(), (agency.clone(), cal.clone()));
        Ok((agency, cal))
    }

    /// Reads the calendars of `agency_ids` not read yet, all in one go
    /// (a subtree's list spans many agencies: one read instead of two per
    /// agency).
    pub async fn prefetch<'i>(
        &mut self,
        agency_ids: impl IntoIterator<Item = &'i str>,
    ) -> Result<()> {
        let mut missing: Vec<String> = Vec::new();
        for id in agency_ids {
            if !self.calendars.contains_key(id) && !missing.iter().any(|m| m == id) {
                missing.push(id.to_string());
            }
        }
        if missing.len() < 2 {
            return Ok(());
        }
        for (agency, cal) in self.app.store().calendars_of(&missing).await? {
            self.calendars.insert(agency.id.clone(), (agency, cal));
        }
        Ok(())
    }

    /// Today in `agency`'s zone.
    pub fn today(&self, agency: &Agency) -> Date {
        time::local_date(self.now, &agency.tz())
    }

    /// The first instant after the day `n` working days after today in
    /// `agency`'s calendar: a deadline ending by then is due within `n`.
    pub async fn cutoff(&mut self, agency: &Agency, n: i32) -> Result<Timestamp> {
        let day = self.working_day_ahead(agency, n).await?;
        time::end_of_day(day, &agency.tz())
            .ok_or_else(|| Error::invalid("due_within_working_days", "is out of range"))
    }

    /// The day `n` working days after today in `agency`'s calendar.
    pub async fn working_day_ahead(&mut self, agency: &Agency, n: i32) -> Result<Date> {
        let (_, cal) = self.calendar(&agency.id).await?;
        let today = self.today(agency);
        Ok(add_working_days(&cal, today, n)
            .map_err(|e| Error::invalid("due_within_working_days", e.to_string()))?
            .due)
    }

    /// Working days from today to `date` in `agency_id`'s calendar.
    pub async fn working_days_left(&mut self, agency_id: &str, date: Date) -> Result<i32> {
        let (agency, cal) = self.calendar(agency_id).await?;
        let today = self.today(&agency);
        Ok(if date >= today {
            working_days_between(&cal, today, date)
        } else {
            -working_days_between(&cal, date, today)
        })
    }

    /// Where `r` stands against its running deadline.
    pub async fn view(&mut self, r: &Request) -> Result<DeadlineView> {
        let (Some(end), Some(date)) = (r.running_deadline_end(), running_deadline_date(r)) else {
            return Ok(DeadlineView {
                state: DeadlineState::None,
                date: None,
                working_days_left: 0,
            });
        };
        let (agency, _) = self.calendar(&r.agency_id).await?;
        let left = self.working_days_left(&r.agency_id, date).await?;
        let state = if self.now >= end {
            DeadlineState::Overdue
        } else if end <= self.cutoff(&agency, self.due_soon).await? {
            DeadlineState::DueSoon
        } else {
            DeadlineState::OnTrack
        };
        Ok(DeadlineView {
            state,
            date: Some(date),
            working_days_left: left,
        })
    }

    /// The deadline ranges of `states` in `agency`'s calendar.
    pub async fn ranges(
        &mut self,
        agency: &Agency,
        states: &[DeadlineState],
    ) -> Result<Vec<DeadlineRange>> {
        let soon = self.cutoff(agency, self.due_soon).await?;
        Ok(states
            .iter()
            .filter_map(|s| match s {
                DeadlineState::None => None,
                DeadlineState::Overdue => Some(DeadlineRange {
                    after: None,
                    until: Some(self.now),
                }),
                DeadlineState::DueSoon => Some(DeadlineRange {
                    after: Some(self.now),
                    until: Some(soon),
                }),
                DeadlineState::OnTrack => Some(DeadlineRange {
                    after: Some(soon),
                    until: None,
                }),
            })
            .collect())
    }
}

/// The day the running deadline ends (see [`Request::running_deadline_end`]).
pub fn running_deadline_date(r: &Request) -> Option<Date> {
    match r.state {
        s if s.clock_runs() => r.due_date,
        RequestState::Responded => r.notice.as_ref().and_then(|n| n.delivery_due_date),
        _ => None,
    }
}

/// Kinds of work, in the order a workload lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkKind {
    /// A written notice due within the threshold.
    DueSoon,
    /// Not extended, due today: the last day to extend.
    LastDayToExtend,
    /// Past the due date without a written notice.
    OverdueForNotice,
    /// Answered with information not delivered by its date.
    OverdueForDelivery,
    /// An objection the atasan has not answered.
    ObjectionToAnswer,
    /// A dispute with a hearing ahead or a compliance date not met.
    DisputeDate,
}

impl WorkKind {
    /// Every kind, in order.
    pub const ALL: [WorkKind; 6] = [
        WorkKind::DueSoon,
        WorkKind::LastDayToExtend,
        WorkKind::OverdueForNotice,
        WorkKind::OverdueForDelivery,
        WorkKind::ObjectionToAnswer,
        WorkKind::DisputeDate,
    ];
}

/// One thing to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    /// `requests/…`, `objections/…` or `disputes/…`.
    pub name: String,
    /// Its registration number.
    pub registration_number: String,
    /// The agency handling it.
    pub agency_id: String,
    /// The date that makes it due.
    pub date: Date,
    /// Working days from today to `date`.
    pub working_days_left: i32,
    /// Why, in Indonesian.
    pub why: String,
}

/// The items of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkGroup {
    /// Kind.
    pub kind: WorkKind,
    /// How many in all.
    pub count: i64,
    /// The first items, earliest date first.
    pub items: Vec<WorkItem>,
}

/// What needs action in a subtree today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Today in the agency's zone.
    pub today: Date,
    /// The due-soon threshold.
    pub due_soon_working_days: i32,
    /// One group per kind, in [`WorkKind::ALL`]'s order.
    pub groups: Vec<WorkGroup>,
}

/// Open disputes read for a workload at most (a Pemda has a handful a year).
const MAX_DISPUTES_READ: i64 = 10_000;

/// A request group of the workload as read: its count and first rows.
type RequestGroup = (i64, Vec<crate::domain::request::Request>);

/// "3 hari kerja lagi", "hari ini", "lewat 2 hari kerja".
fn when(left: i32) -> String {
    match left {
        0 => "hari ini".to_string(),
        n if n > 0 => format!("{n} hari kerja lagi"),
        n => format!("lewat {} hari kerja", -n),
    }
}

impl App {
    /// What needs action in `agency`'s subtree today, at most `max_items`
    /// items per kind (counts are whole).
    pub async fn workload(&self, agency: &Agency, max_items: i64) -> Result<Workload> {
        let now = self.now();
        let mut rk = Reckoner::new(self, now);
        let today = rk.today(agency);
        let soon = rk.cutoff(agency, rk.due_soon).await?;
        let end_of_today = rk.cutoff(agency, 0).await?;
        let subtree = |states: &[RequestState]| RequestFilter {
            agency: Some(agency.clone()),
            include_sub_agencies: true,
            states: states.to_vec(),
            order: RequestOrder::Deadline,
            ..Default::default()
        };
        let pending = [RequestState::Pending];
        // The request groups' counts and first items, read concurrently
        // (each is an indexed read of its own; in turn they added up).
        let request_groups: Vec<(WorkKind, RequestFilter)> = WorkKind::ALL
            .iter()
            .filter_map(|kind| {
                let filter = match kind {
                    WorkKind::DueSoon => RequestFilter {
                        deadline_in: vec![DeadlineRange {
                            after: Some(now),
                            until: Some(soon),
                        }],
                        ..subtree(&pending)
                    },
                    WorkKind::LastDayToExtend => RequestFilter {
                        deadline_in: vec![DeadlineRange {
                            after: Some(now),
                            until: Some(end_of_today),
                        }],
                        extended: Some(false),
                        ..subtree(&pending)
                    },
                    WorkKind::OverdueForNotice => RequestFilter {
                        deadline_by: Some(now),
                        ..subtree(&pending)
                    },
                    WorkKind::OverdueForDelivery => RequestFilter {
                        deadline_by: Some(now),
                        ..subtree(&[RequestState::Responded])
                    },
                    WorkKind::ObjectionToAnswer | WorkKind::DisputeDate => return None,
                };
                Some((*kind, filter))
            })
            .collect();
        let requests =
            futures::future::try_join_all(request_groups.iter().map(|(kind, filter)| async move {
                let (count, rows) = tokio::try_join!(
                    self.store.export_count(filter),
                    self.store
                        .list_requests(filter, None::<ListCursor>, max_items)
                )?;
                Ok::<_, crate::error::Error>((*kind, (count, rows)))
            }));
        let dispute_filter = DisputeFilter {
            request: None,
            agency_path: Some(agency.path.clone()),
            stages: vec![],
            outcome: None,
            timing: None,
        };
        // The objection and dispute reads go with the request groups'.
        let (mut fetched, undecided, disputes): (Vec<(WorkKind, RequestGroup)>, _, _) = tokio::try_join!(
            requests,
            self.store.undecided_objections(agency, max_items),
            self.store
                .list_disputes(&dispute_filter, None, MAX_DISPUTES_READ),
        )?;
        let mut undecided = Some(undecided);
        let mut disputes = Some(disputes);
        let mut groups = Vec::new();
        for kind in WorkKind::ALL {
            match kind {
                WorkKind::ObjectionToAnswer => {
                    let (count, open) = undecided.take().unwrap_or_default();
                    groups.push(self.objections_to_answer(&mut rk, count, open).await?);
                    continue;
                }
                WorkKind::DisputeDate => {
                    let disputes = disputes.take().unwrap_or_default();
                    groups.push(
                        self.dispute_dates(&mut rk, disputes, today, max_items)
                            .await?,
                    );
                    continue;
                }
                _ => {}
            }
            let Some(at) = fetched.iter().position(|(k, _)| *k == kind) else {
                continue;
            };
            let (_, (count, rows)) = fetched.swap_remove(at);
            rk.prefetch(rows.iter().map(|r| r.agency_id.as_str()))
                .await?;
            let mut items = Vec::with_capacity(rows.len());
            for r in rows {
                let Some(date) = running_deadline_date(&r) else {
                    continue;
                };
                let left = rk.working_days_left(&r.agency_id, date).await?;
                let why = match kind {
                    WorkKind::DueSoon => format!(
                        "Pemberitahuan tertulis jatuh tempo {} ({})",
                        tanggal(date),
                        when(left)
                    ),
                    WorkKind::LastDayToExtend => format!(
                        "Hari terakhir untuk memperpanjang jangka waktu (Pasal 22 ayat 8): \
                         jatuh tempo {}",
                        tanggal(date)
                    ),
                    WorkKind::OverdueForNotice => format!(
                        "Pemberitahuan tertulis belum diberikan; jatuh tempo {} ({})",
                        tanggal(date),
                        when(left)
                    ),
                    _ => format!(
                        "Informasi belum diserahkan; batas penyerahan {} ({})",
                        tanggal(date),
                        when(left)
                    ),
                };
                items.push(WorkItem {
                    name: format!("requests/{}", r.id),
                    registration_number: r.registration_number.clone(),
                    agency_id: r.agency_id.clone(),
                    date,
                    working_days_left: left,
                    why,
                });
            }
            groups.push(WorkGroup { kind, count, items });
        }
        Ok(Workload {
            today,
            due_soon_working_days: rk.due_soon,
            groups,
        })
    }

    async fn objections_to_answer(
        &self,
        rk: &mut Reckoner<'_>,
        count: i64,
        open: Vec<crate::domain::objection::Objection>,
    ) -> Result<WorkGroup> {
        rk.prefetch(open.iter().map(|o| o.agency_id.as_str()))
            .await?;
        let mut items = Vec::with_capacity(open.len());
        for o in open {
            let left = rk
                .working_days_left(&o.agency_id, o.answer_due_date)
                .await?;
            items.push(WorkItem {
                name: format!("objections/{}", o.id),
                registration_number: o.registration_number.clone(),
                agency_id: o.agency_id.clone(),
                date: o.answer_due_date,
                working_days_left: left,
                why: format!(
                    "Keberatan belum ditanggapi atasan PPID; batas tanggapan {} ({})",
                    tanggal(o.answer_due_date),
                    when(left)
                ),
            });
        }
        Ok(WorkGroup {
            kind: WorkKind::ObjectionToAnswer,
            count,
            items,
        })
    }

    async fn dispute_dates(
        &self,
        rk: &mut Reckoner<'_>,
        disputes: Vec<crate::domain::objection::Dispute>,
        today: Date,
        max_items: i64,
    ) -> Result<WorkGroup> {
        let mut due = Vec::new();
        for d in disputes {
            if let Some((date, what)) = next_dispute_date(&d, today) {
                due.push((date, what, d));
            }
        }
        due.sort_by_key(|(date, _, d)| (*date, d.id));
        let count = due.len() as i64;
        let shown: Vec<_> = due.into_iter().take(max_items.max(0) as usize).collect();
        // Each item names its objection's number and agency: one read for
        // all of them, not a round trip each.
        let ids: Vec<uuid::Uuid> = shown.iter().map(|(_, _, d)| d.objection_id).collect();
        let heads = self.store.objection_heads(&ids).await?;
        let mut items = Vec::new();
        for (date, what, d) in shown {
            let Some((number, agency_id)) = heads.get(&d.objection_id) else {
                continue;
            };
            let left = rk.working_days_left(agency_id, date).await?;
            items.push(WorkItem {
                name: format!("disputes/{}", d.id),
                registration_number: d
                    .commission_register_number
                    .clone()
                    .unwrap_or_else(|| number.clone()),
                agency_id: agency_id.clone(),
                date,
                working_days_left: left,
                why: format!("{what} {} ({})", tanggal(date), when(left)),
            });
        }
        Ok(WorkGroup {
            kind: WorkKind::DisputeDate,
            count,
            items,
        })
    }
}

/// The next date a dispute asks of the agency, on or after `today`: a
/// Komisi Informasi hearing, or the day its decision must be complied with
/// (whichever comes first), with what it is. None when nothing is coming
/// (settled and complied with, or before the courts without a compliance
/// date).
pub fn next_dispute_date(
    d: &crate::domain::objection::Dispute,
    today: Date,
) -> Option<(Date, &'static str)> {
    if matches!(
        d.stage(),
        DisputeStage::Appealed | DisputeStage::Cassation | DisputeStage::CourtDecided
    ) && d.compliance_due_date().is_none()
    {
        return None;
    }
    let hearing = d
        .steps
        .iter()
        .filter_map(|s| match &s.step {
            DisputeStep::Hearing { date, .. } if *date >= today => Some(*date),
            _ => None,
        })
        .min();
    let compliance = d
        .compliance_due_date()
        .filter(|_| d.complied_date().is_none());
    match (hearing, compliance) {
        (Some(h), Some(c)) if c < h => Some((c, "Putusan wajib dilaksanakan paling lambat")),
        (Some(h), _) => Some((h, "Sidang ajudikasi Komisi Informasi pada")),
        (None, Some(c)) => Some((c, "Putusan wajib dilaksanakan paling lambat")),
        (None, None) => None,
    }
}

/// What needs watching in one Pemda's register now: the metrics' gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegisterCounts {
    /// Open requests (no written notice yet, not withdrawn).
    pub open: i64,
    /// Written notices due soon (GetWorkload's group).
    pub due_soon: i64,
    /// Past the due date without a written notice.
    pub overdue_for_notice: i64,
    /// Answered with information not delivered by its date.
    pub overdue_for_delivery: i64,
    /// Objections the atasan has not answered.
    pub objections_to_answer: i64,
}

impl App {
    /// The roots of the agency tree (Pemdas and other top-level bodies),
    /// each with the counts GetWorkload gives for its whole subtree.
    pub async fn register_counts(&self) -> Result<Vec<(Agency, RegisterCounts)>> {
        let agencies = self.store.all_agencies().await?;
        let mut out = Vec::new();
        for root in agencies.iter().filter(|a| a.parent_id.is_none()) {
            // Counts only: no items are read.
            let w = self.workload(root, 0).await?;
            let count = |kind| {
                w.groups
                    .iter()
                    .find(|g| g.kind == kind)
                    .map_or(0, |g| g.count)
            };
            let open = self
                .store
                .export_count(&RequestFilter {
                    agency: Some(root.clone()),
                    include_sub_agencies: true,
                    states: RequestState::OPEN.to_vec(),
                    ..Default::default()
                })
                .await?;
            out.push((
                root.clone(),
                RegisterCounts {
                    open,
                    due_soon: count(WorkKind::DueSoon),
                    overdue_for_notice: count(WorkKind::OverdueForNotice),
                    overdue_for_delivery: count(WorkKind::OverdueForDelivery),
                    objections_to_answer: count(WorkKind::ObjectionToAnswer),
                },
            ));
        }
        Ok(out)
    }
}

/// A date as Indonesian text ("4 Desember 2026"): the worklist's reasons
/// are written in Indonesian, in the one format of `report::texts`.
fn tanggal(d: Date) -> String {
    texts::date(Lang::Id, d)
}
