//! `ppid.v1.CalendarService`.
use tonic::{Request, Response, Status};

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check, ProtoEnum, Text},
};
use crate::{
    domain::{
        calendar::HolidayKind,
        deadline::{self, DeadlineRule},
        time,
    },
    error::Error,
    pb::ppid::v1::{self as pb, calendar_service_server::CalendarService},
    store::HolidayRecord,
};

/// The calendar service.
pub struct CalendarApi(pub AppState);

fn holiday_to_pb(h: &HolidayRecord) -> pb::Holiday {
    pb::Holiday {
        name: match &h.agency_id {
            Some(a) => format!("agencies/{a}/holidays/{}", h.date),
            None => format!("holidays/{}", h.date),
        },
        date: Some(convert::date(h.date)),
        display_name: h.name.clone(),
        kind: h.kind.to_proto(),
        agency: h
            .agency_id
            .as_ref()
            .map(|a| format!("agencies/{a}"))
            .unwrap_or_default(),
        built_in: h.built_in,
    }
}

/// Parses `holidays/{date}` or `agencies/{agency}/holidays/{date}`.
fn parse_holiday_name(c: &mut Check, name: &str) -> Option<(Option<String>, jiff::civil::Date)> {
    let (agency, date) = if let Some(d) = name.strip_prefix("holidays/") {
        (None, d)
    } else if let Some((a, d)) = name
        .strip_prefix("agencies/")
        .and_then(|r| r.split_once("/holidays/"))
    {
        if crate::domain::agency::check_id(a).is_err() {
            c.add("name", "has a malformed agency id");
            return None;
        }
        (Some(a.to_string()), d)
    } else {
        c.add(
            "name",
            if name.is_empty() {
                "is required"
            } else {
                "must be holidays/{YYYY-MM-DD} or agencies/{agency}/holidays/{YYYY-MM-DD}"
            },
        );
        return None;
    };
    match date.parse::<jiff::civil::Date>() {
        Ok(d) if (2000..2200).contains(&d.year()) => Some((agency, d)),
        _ => {
            c.add(
                "name",
                "ends with a date that is not YYYY-MM-DD between 2000 and 2199",
            );
            None
        }
    }
}

#[tonic::async_trait]
impl CalendarService for CalendarApi {
    async fn list_holidays(
        &self,
        req: Request<pb::ListHolidaysRequest>,
    ) -> Result<Response<pb::ListHolidaysResponse>, Status> {
        let r = req.into_inner();
        let mut c = Check::new();
        if !(2000..2200).contains(&r.year) {
            c.add("year", "must be between 2000 and 2199");
        }
        let agency = if r.agency.is_empty() {
            None
        } else {
            convert::agency_id(&mut c, "agency", &r.agency)
        };
        c.finish()?;
        let agency = match agency {
            Some(id) => Some(self.0.app.get_agency(&id).await?),
            None => None,
        };
        let year = i16::try_from(r.year).map_err(|_| Error::invalid("year", "out of range"))?;
        let (holidays, loaded) = self.0.app.list_holidays(year, agency.as_ref()).await?;
        Ok(Response::new(pb::ListHolidaysResponse {
            holidays: holidays.iter().map(holiday_to_pb).collect(),
            decree_loaded: loaded,
        }))
    }

    async fn add_holiday(
        &self,
        req: Request<pb::AddHolidayRequest>,
    ) -> Result<Response<pb::AddHolidayResponse>, Status> {
        let caller = Caller::of(&req);
        let actor = caller.actor();
        let r = req.into_inner();
        let mut c = Check::new();
        let Some(h) = r.holiday else {
            c.add("holiday", "is required");
            return Err(c.into_error().into());
        };
        let date = c.date("holiday.date", h.date.as_ref());
        let name = c.text("holiday.display_name", &h.display_name, Text::line(200));
        let kind: Option<HolidayKind> = c.required_enum("holiday.kind", h.kind);
        let agency = if h.agency.is_empty() {
            None
        } else {
            convert::agency_id(&mut c, "holiday.agency", &h.agency)
        };
        match (kind, &agency) {
            (Some(HolidayKind::Regional), None) => c.add("holiday.agency", "a regional holiday names its agency"),
            (Some(HolidayKind::National | HolidayKind::CutiBersama), Some(_)) => {
                c.add("holiday.agency", "national holidays and cuti bersama apply everywhere; use KIND_REGIONAL for one agency")
            }
            _ => {}
        }
        c.finish()?;
        let (Some(date), Some(name), Some(kind)) = (date, name, kind) else {
            return Err(convert::missing());
        };
        // National days change every clock: the operator's; a regional
        // day, an admin of that region.
        match &agency {
            None => caller.require_operator("a national holiday or cuti bersama")?,
            Some(a) => caller.require_agency(&self.0.access, a).await?,
        }
        let record = HolidayRecord {
            date,
            name,
            kind,
            agency_id: agency,
            built_in: false,
        };
        let moved = self.0.app.add_holiday(record.clone(), &actor).await?;
        tracing::info!(date = %record.date, kind = %kind.as_str(), rescheduled = moved.requests, objections = moved.objections, %actor, "holiday added");
        Ok(Response::new(pb::AddHolidayResponse {
            holiday: Some(holiday_to_pb(&record)),
            rescheduled_requests: i32::try_from(moved.requests).unwrap_or(i32::MAX),
            rescheduled_objections: i32::try_from(moved.objections).unwrap_or(i32::MAX),
        }))
    }

    async fn remove_holiday(
        &self,
        req: Request<pb::RemoveHolidayRequest>,
    ) -> Result<Response<pb::RemoveHolidayResponse>, Status> {
        let caller = Caller::of(&req);
        let actor = caller.actor();
        let mut c = Check::new();
        let parsed = parse_holiday_name(&mut c, &req.get_ref().name);
        c.finish()?;
        let Some((agency, date)) = parsed else {
            return Err(convert::missing());
        };
        match &agency {
            None => caller.require_operator("a national holiday or cuti bersama")?,
            Some(a) => caller.require_agency(&self.0.access, a).await?,
        }
        let moved = self
            .0
            .app
            .remove_holiday(date, agency.as_deref(), &actor)
            .await?;
        tracing::info!(%date, rescheduled = moved.requests, objections = moved.objections, %actor, "holiday removed");
        Ok(Response::new(pb::RemoveHolidayResponse {
            rescheduled_requests: i32::try_from(moved.requests).unwrap_or(i32::MAX),
            rescheduled_objections: i32::try_from(moved.objections).unwrap_or(i32::MAX),
        }))
    }

    async fn compute_deadline(
        &self,
        req: Request<pb::ComputeDeadlineRequest>,
    ) -> Result<Response<pb::ComputeDeadlineResponse>, Status> {
        let r = req.into_inner();
        let mut c = Check::new();
        let start = c.timestamp("start_time", r.start_time.as_ref());
        if r.start_time.is_none() {
            c.add("start_time", "is required");
        }
        let agency = convert::agency_id(&mut c, "agency", &r.agency);
        let rule: Option<DeadlineRule> = c.required_enum("rule", r.rule);
        c.finish()?;
        let (Some(start), Some(agency), Some(rule)) = (start, agency, rule) else {
            return Err(convert::missing());
        };
        let agency = self.0.app.get_agency(&agency).await?;
        let calendar = self.0.app.calendar_for(&agency).await?;
        let tz = agency.tz();
        let d = deadline::compute(&calendar, time::local_date(start, &tz), rule)
            .map_err(|e| Error::invalid("start_time", e.to_string()))?;
        Ok(Response::new(pb::ComputeDeadlineResponse {
            due_date: Some(convert::date(d.due)),
            start_date: Some(convert::date(d.start)),
            working_days: d.working_days,
            time_zone: agency.time_zone.clone(),
            legal_basis: rule.legal_basis().to_string(),
            skipped_days: d
                .skipped
                .iter()
                .map(|s| pb::SkippedDay {
                    date: Some(convert::date(s.date)),
                    reason: s.reason.clone(),
                })
                .collect(),
            notes: d.notes.clone(),
            explanation: d.explanation(),
        }))
    }
}
