//! `ppid.v1.ExemptionService`: the DIK.
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check, ProtoEnum, Text},
};
use crate::{
    domain::{
        ExemptionLetter, InformationCategory,
        exemption::{self, Exemption},
        time,
    },
    error::Error,
    pb::ppid::v1::{self as pb, exemption_service_server::ExemptionService},
    store::ExemptionFilter,
};

const TEXT_MAX: usize = 4000;
const LINE_MAX: usize = 200;

/// The exemption service.
pub struct ExemptionApi(pub AppState);

/// An entry on the wire, with its status on `today`.
pub fn to_pb(e: &Exemption, citations: i64, today: jiff::civil::Date) -> pb::Exemption {
    pb::Exemption {
        name: e.name(),
        information: e.information.clone(),
        letter: e.letter.to_proto(),
        category: e.category.to_proto(),
        sub_item: e.sub_item.clone().unwrap_or_default(),
        other_law: e.other_law.clone().unwrap_or_default(),
        harm: e.harm.clone(),
        public_interest_test: e.public_interest_test.clone(),
        decree_number: e.decree_number.clone(),
        decree_date: Some(convert::date(e.decree_date)),
        start_date: Some(convert::date(e.start_date)),
        end_date: e.end_date.map(convert::date),
        decided_by: e.decided_by.clone(),
        status: e.status_on(today).to_proto(),
        revoke_time: e.revoked.as_ref().map(|r| convert::timestamp(r.time)),
        revoke_reason: e
            .revoked
            .as_ref()
            .map(|r| r.reason.clone())
            .unwrap_or_default(),
        create_time: Some(convert::timestamp(e.create_time)),
        citation_count: citations,
    }
}

impl ExemptionApi {
    /// Today in the zone of the agency owning `agency_id`.
    async fn today(&self, agency_id: &str) -> Result<jiff::civil::Date, Error> {
        let a = self.0.app.get_agency(agency_id).await?;
        Ok(time::local_date(self.0.app.now(), &a.tz()))
    }
}

#[tonic::async_trait]
impl ExemptionService for ExemptionApi {
    async fn create_exemption(
        &self,
        req: Request<pb::CreateExemptionRequest>,
    ) -> Result<Response<pb::Exemption>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let agency = convert::agency_id(&mut c, "parent", &r.parent);
        let Some(e) = r.exemption else {
            c.add("exemption", "is required");
            return Err(c.into_error().into());
        };
        let information = c.text(
            "exemption.information",
            &e.information,
            Text::para(TEXT_MAX),
        );
        let letter: Option<ExemptionLetter> = c.required_enum("exemption.letter", e.letter);
        let category: InformationCategory = c
            .optional_enum("exemption.category", e.category)
            .unwrap_or(InformationCategory::General);
        let sub_item = c.text("exemption.sub_item", &e.sub_item, Text::opt_line(50));
        let other_law = c.text(
            "exemption.other_law",
            &e.other_law,
            Text::opt_line(LINE_MAX),
        );
        let harm = c.text("exemption.harm", &e.harm, Text::para(TEXT_MAX));
        let public_interest = c.text(
            "exemption.public_interest_test",
            &e.public_interest_test,
            Text::para(TEXT_MAX),
        );
        let decree_number = c.text(
            "exemption.decree_number",
            &e.decree_number,
            Text::line(LINE_MAX),
        );
        let decree_date = c.date("exemption.decree_date", e.decree_date.as_ref());
        let start_date = if e.start_date.is_some() {
            c.date("exemption.start_date", e.start_date.as_ref())
        } else {
            decree_date
        };
        let end_date = if e.end_date.is_some() {
            c.date("exemption.end_date", e.end_date.as_ref())
        } else {
            None
        };
        let decided_by = c.text("exemption.decided_by", &e.decided_by, Text::line(LINE_MAX));
        if let (Some(l), Some(d), Some(s)) = (letter, decree_date, start_date)
            && (e.end_date.is_none() || end_date.is_some())
        {
            let max_years = self.0.app.settings().dik_max_period_years;
            for v in exemption::check_new(
                "exemption",
                l,
                other_law.as_deref(),
                d,
                s,
                end_date,
                max_years,
            ) {
                c.add(v.field, v.description);
            }
        }
        c.finish()?;
        let (
            Some(agency_id),
            Some(information),
            Some(letter),
            Some(harm),
            Some(public_interest_test),
        ) = (agency, information, letter, harm, public_interest)
        else {
            return Err(convert::missing());
        };
        let (Some(decree_number), Some(decree_date), Some(start_date), Some(decided_by)) =
            (decree_number, decree_date, start_date, decided_by)
        else {
            return Err(convert::missing());
        };
        caller.require_agency(&self.0.access, &agency_id).await?;
        exemption::check_category("exemption", letter, category)?;
        let entry = Exemption {
            id: Uuid::now_v7(),
            agency_id,
            information,
            letter,
            category,
            sub_item,
            other_law,
            harm,
            public_interest_test,
            decree_number,
            decree_date,
            start_date,
            end_date,
            decided_by,
            revoked: None,
            create_time: self.0.app.now(),
        };
        let created = self.0.app.create_exemption(entry).await?;
        tracing::info!(exemption = %created.id, agency = %created.agency_id, letter = %created.letter, actor = %caller.actor(), "DIK entry created");
        let today = self.today(&created.agency_id).await?;
        Ok(Response::new(to_pb(&created, 0, today)))
    }

    async fn get_exemption(
        &self,
        req: Request<pb::GetExemptionRequest>,
    ) -> Result<Response<pb::Exemption>, Status> {
        let mut c = Check::new();
        let name = convert::exemption_name(&mut c, "name", &req.get_ref().name);
        c.finish()?;
        let Some((agency, id)) = name else {
            return Err(convert::missing());
        };
        Caller::of(&req)
            .require_related(&self.0.access, &agency)
            .await?;
        let (e, n) = self.0.app.get_exemption(&agency, id).await?;
        let today = self.today(&agency).await?;
        Ok(Response::new(to_pb(&e, n, today)))
    }

    async fn list_exemptions(
        &self,
        req: Request<pb::ListExemptionsRequest>,
    ) -> Result<Response<pb::ListExemptionsResponse>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let agency = convert::agency_id(&mut c, "parent", &r.parent);
        let mut statuses = Vec::new();
        for (i, s) in r.statuses.iter().enumerate() {
            if let Some(st) = c.required_enum::<exemption::Status>(&format!("statuses[{i}]"), *s) {
                statuses.push(st);
            }
        }
        let letter = c.optional_enum::<ExemptionLetter>("letter", r.letter);
        let size = convert::page_size(&mut c, r.page_size);
        let pages = convert::Pages::of(&r, |f| {
            f.page_size = 0;
            f.page_token.clear();
        });
        let after = pages.cursor::<(jiff::civil::Date, Uuid)>(&mut c, &r.page_token);
        c.finish()?;
        let agency = agency.unwrap_or_default();
        caller.require_related(&self.0.access, &agency).await?;
        let agency = self.0.app.get_agency(&agency).await?;
        let today = time::local_date(self.0.app.now(), &agency.tz());
        let filter = ExemptionFilter {
            statuses,
            letter,
            today,
        };
        let mut rows = self
            .0
            .app
            .list_exemptions(&agency, &filter, after, size + 1)
            .await?;
        let next = pages.next(&mut rows, size, |(last, _)| (last.decree_date, last.id));
        Ok(Response::new(pb::ListExemptionsResponse {
            exemptions: rows.iter().map(|(e, n)| to_pb(e, *n, today)).collect(),
            next_page_token: next,
        }))
    }

    async fn revoke_exemption(
        &self,
        req: Request<pb::RevokeExemptionRequest>,
    ) -> Result<Response<pb::Exemption>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let name = convert::exemption_name(&mut c, "name", &r.name);
        let reason = c.text("reason", &r.reason, Text::para(TEXT_MAX));
        c.finish()?;
        let (Some((agency, id)), Some(reason)) = (name, reason) else {
            return Err(convert::missing());
        };
        caller.require_agency(&self.0.access, &agency).await?;
        let (e, n) = self.0.app.revoke_exemption(&agency, id, reason).await?;
        let today = self.today(&agency).await?;
        tracing::info!(exemption = %e.id, actor = %caller.actor(), "DIK entry revoked");
        Ok(Response::new(to_pb(&e, n, today)))
    }

    async fn check_exemption(
        &self,
        req: Request<pb::CheckExemptionRequest>,
    ) -> Result<Response<pb::CheckExemptionResponse>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let name = convert::exemption_name(&mut c, "name", &r.name);
        let date = if r.date.is_some() {
            c.date("date", r.date.as_ref())
        } else {
            None
        };
        let citing = if r.citing_agency.is_empty() {
            None
        } else {
            convert::agency_id(&mut c, "citing_agency", &r.citing_agency)
        };
        c.finish()?;
        let Some((agency, id)) = name else {
            return Err(convert::missing());
        };
        caller.require_related(&self.0.access, &agency).await?;
        let (e, _) = self.0.app.get_exemption(&agency, id).await?;
        let day = match date {
            Some(d) => d,
            None => self.today(&agency).await?,
        };
        let (mut in_force, mut explanation) = e.explain_on(day);
        if let Some(citing) = citing {
            let a = self.0.app.get_agency(&citing).await?;
            if crate::domain::agency::depth_on(&a.path, &e.agency_id).is_none() {
                in_force = false;
                explanation = format!(
                    "the entry belongs to the DIK of agencies/{}, which does not cover agencies/{}",
                    e.agency_id, a.id
                );
            }
        }
        Ok(Response::new(pb::CheckExemptionResponse {
            in_force,
            status: e.status_on(day).to_proto(),
            explanation,
        }))
    }
}
