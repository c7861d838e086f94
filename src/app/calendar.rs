//! The working-day calendar: holidays (national, cuti bersama, regional),
//! edits that move running clocks, and deadlines that explain themselves.
use std::collections::HashMap;

use jiff::{Timestamp, civil::Date};

use super::{App, objections::record_step};
use crate::{
    domain::{
        agency::Agency,
        calendar::WorkingCalendar,
        deadline::{self, Deadline, DeadlineRule},
        lifecycle, objection, time,
    },
    error::{Error, Result},
    store::{
        HolidayRecord, Tx,
        core::{CalendarData, calendar_of, load_calendar_data},
        dik::{objections_around, write_objection},
        register::{clocks_around, delete_holiday, insert_holiday, write_request},
        rows::agency_not_found,
    },
};

impl App {
    /// The holidays of `year` that apply to `agency` (national ones only
    /// when `None`), and whether the year's decree is loaded.
    pub async fn list_holidays(
        &self,
        year: i16,
        agency: Option<&Agency>,
    ) -> Result<(Vec<HolidayRecord>, bool)> {
        self.store.list_holidays(year, agency).await
    }

    /// Adds a holiday and moves the due dates of the running clocks and the
    /// objection deadlines it affects, with an event on each; returns how
    /// many moved.
    #[tracing::instrument(skip_all, fields(date = %holiday.date))]
    pub async fn add_holiday(&self, holiday: HolidayRecord, actor: &str) -> Result<Rescheduled> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let scope = scope_path(tx, holiday.agency_id.as_deref()).await?;
                    let before = load_calendar_data(&mut tx.conn, 0).await?;
                    let holiday = HolidayRecord {
                        built_in: false,
                        ..holiday
                    };
                    insert_holiday(&mut tx.conn, &holiday, now).await?;
                    tx.bump_calendar_version().await?;
                    let why = format!("holiday added: {}", holiday.name);
                    reschedule(
                        tx,
                        &before,
                        holiday.date,
                        scope.as_deref(),
                        now,
                        &actor,
                        &why,
                    )
                    .await
                })
            })
            .await
    }

    /// Removes a holiday (national when `agency_id` is `None`) and moves the
    /// due dates it affected back; returns how many moved.
    #[tracing::instrument(skip_all, fields(date = %date))]
    pub async fn remove_holiday(
        &self,
        date: Date,
        agency_id: Option<&str>,
        actor: &str,
    ) -> Result<Rescheduled> {
        let now = self.now();
        let actor = actor.to_string();
        let agency_id = agency_id.map(str::to_string);
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let scope = scope_path(tx, agency_id.as_deref()).await?;
                    let before = load_calendar_data(&mut tx.conn, 0).await?;
                    let Some(name) =
                        delete_holiday(&mut tx.conn, date, agency_id.as_deref()).await?
                    else {
                        return Err(Error::NotFound {
                            kind: "holiday",
                            name: match &agency_id {
                                Some(a) => format!("agencies/{a}/holidays/{date}"),
                                None => format!("holidays/{date}"),
                            },
                        });
                    };
                    tx.bump_calendar_version().await?;
                    let why = format!("holiday removed: {name}");
                    reschedule(tx, &before, date, scope.as_deref(), now, &actor, &why).await
                })
            })
            .await
    }

    /// The working-day calendar of an agency.
    pub async fn calendar_for(&self, agency: &Agency) -> Result<WorkingCalendar> {
        self.store.calendar_for(agency).await
    }

    /// A legal deadline from `start` in `agency`'s calendar and local day,
    /// with every day skipped and why.
    pub async fn compute_deadline(
        &self,
        agency_id: &str,
        start: Timestamp,
        rule: DeadlineRule,
    ) -> Result<(Agency, Deadline)> {
        let agency = self.store.get_agency(agency_id).await?;
        let calendar = self.store.calendar_for(&agency).await?;
        let d = deadline::compute(&calendar, time::local_date(start, &agency.tz()), rule)
            .map_err(|e| Error::invalid("start_time", e.to_string()))?;
        Ok((agency, d))
    }
}

/// The path of a regional holiday's agency (`None`: national).
async fn scope_path(tx: &mut Tx<'_>, agency_id: Option<&str>) -> Result<Option<String>> {
    match agency_id {
        Some(id) => Ok(Some(
            tx.agency(id)
                .await?
                .ok_or_else(|| agency_not_found(id))?
                .path,
        )),
        None => Ok(None),
    }
}

/// What a holiday edit moved.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rescheduled {
    /// Running requests whose due date moved.
    pub requests: u32,
    /// Objections whose answer due date or dispute window moved.
    pub objections: u32,
}

/// Moves the due dates of the running clocks a change on `date` affects,
/// within the agency subtree `scope_path` (everything when `None`), with an
/// event on each request whose due date moved. `before` is the calendar
/// before the change.
async fn reschedule(
    tx: &mut Tx<'_>,
    before: &CalendarData,
    date: Date,
    scope_path: Option<&str>,
    now: Timestamp,
    actor: &str,
    why: &str,
) -> Result<Rescheduled> {
    let candidates = clocks_around(&mut tx.conn, date, scope_path).await?;
    let after = load_calendar_data(&mut tx.conn, 0).await?;
    let settings = tx.core.settings.clone();
    let mut agencies: HashMap<String, (Agency, WorkingCalendar, WorkingCalendar)> = HashMap::new();
    let mut moved = 0;
    for req in candidates {
        if !agencies.contains_key(&req.agency_id) {
            let a = tx.referenced_agency(&req.agency_id).await?;
            let old = calendar_of(before, &a, &settings);
            let new = calendar_of(&after, &a, &settings);
            agencies.insert(req.agency_id.clone(), (a, old, new));
        }
        let (agency, old, new) = &agencies[&req.agency_id];
        let Some(clock) = lifecycle::reschedule(&req, date, old, new, &agency.tz())? else {
            continue;
        };
        let (next, event) = lifecycle::move_clock(&req, clock, date, why, now);
        write_request(&mut tx.conn, &next, &agency.path, req.version).await?;
        tx.insert_event(&next, &event, now, actor).await?;
        moved += 1;
    }
    // Objections keep their deadlines in the same calendar (Pasal 36(1):
    // 30 working days; Pasal 37(2): 14), so the same edit moves them.
    let mut objections = 0;
    for mut o in objections_around(&mut tx.conn, date, scope_path).await? {
        if !agencies.contains_key(&o.agency_id) {
            let a = tx.referenced_agency(&o.agency_id).await?;
            let old = calendar_of(before, &a, &settings);
            let new = calendar_of(&after, &a, &settings);
            agencies.insert(o.agency_id.clone(), (a, old, new));
        }
        let (_, _, new) = &agencies[&o.agency_id];
        let Some((next, event)) = objection::reschedule(&o, date, new, why, now)? else {
            continue;
        };
        o = next;
        record_step(tx, &mut o, event, now, actor).await?;
        write_objection(&mut tx.conn, &o).await?;
        objections += 1;
    }
    Ok(Rescheduled {
        requests: moved,
        objections,
    })
}
