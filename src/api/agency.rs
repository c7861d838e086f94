//! `ppid.v1.AgencyService`.
use tonic::{Request, Response, Status};

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check, ProtoEnum, Text},
};
use crate::{
    domain::{
        AgencyKind,
        agency::{Agency, AgencyPatch, NewAgency},
        letter::Letterhead,
        tariff::{self, Tariff, TariffItem},
        time,
    },
    pb::ppid::v1::{self as pb, agency_service_server::AgencyService},
};

/// Longest display name.
const NAME_MAX: usize = 200;
/// Longest comparison group.
const GROUP_MAX: usize = 100;

/// The agency service.
pub struct AgencyApi(pub AppState);

/// An agency on the wire.
pub fn to_pb(a: &Agency) -> pb::Agency {
    pb::Agency {
        name: format!("agencies/{}", a.id),
        display_name: a.display_name.clone(),
        kind: a.kind.to_proto(),
        parent: a
            .parent_id
            .as_ref()
            .map(|p| format!("agencies/{p}"))
            .unwrap_or_default(),
        time_zone: a.time_zone.clone(),
        comparison_group: a.comparison_group.clone(),
        pemda: format!("agencies/{}", a.pemda_id),
        create_time: Some(convert::timestamp(a.create_time)),
        update_time: Some(convert::timestamp(a.update_time)),
        etag: convert::etag_of(a.version),
        letterhead: None,
    }
}

/// An agency on the wire with its letterhead.
pub fn with_letterhead(a: &Agency, l: Option<Letterhead>) -> pb::Agency {
    let mut out = to_pb(a);
    out.letterhead = l.map(|l| pb::Letterhead {
        institution: l.institution,
        unit: l.unit,
        address: l.address,
        city: l.city,
        phone: l.phone,
        email: l.email,
        website: l.website,
        ppid_name: l.ppid_name,
        ppid_nip: l.ppid_nip,
        superior_name: l.superior_name,
        superior_position: l.superior_position,
        superior_nip: l.superior_nip,
        decree_number: l.decree_number,
    });
    out
}

/// A letterhead from the wire, checked: every missing or bad field named.
fn check_letterhead(c: &mut Check, l: Option<pb::Letterhead>) -> Option<Letterhead> {
    let Some(l) = l else {
        c.add("agency.letterhead", "is required when in the update mask");
        return None;
    };
    let l = Letterhead {
        institution: l.institution,
        unit: l.unit,
        address: l.address,
        city: l.city,
        phone: l.phone,
        email: l.email,
        website: l.website,
        ppid_name: l.ppid_name,
        ppid_nip: l.ppid_nip,
        superior_name: l.superior_name,
        superior_position: l.superior_position,
        superior_nip: l.superior_nip,
        decree_number: l.decree_number,
    }
    .trimmed();
    let violations = l.violations("agency.letterhead");
    let ok = violations.is_empty();
    for v in violations {
        c.add(v.field, v.description);
    }
    ok.then_some(l)
}

fn check_time_zone(check: &mut Check, field: &str, tz: &str) -> Option<String> {
    if tz.is_empty() {
        return Some(time::DEFAULT_TIME_ZONE.to_string());
    }
    match time::parse_time_zone(tz) {
        Some(_) => Some(tz.to_string()),
        None => {
            check.add(field, format!("{tz:?} is not an IANA time zone (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"));
            None
        }
    }
}

fn check_group(check: &mut Check, field: &str, g: &str) -> Option<String> {
    let g = check.text(field, g, Text::opt_line(GROUP_MAX))?;
    if g.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c))
    {
        Some(g)
    } else {
        check.add(field, "may hold only letters, digits and - _ / .");
        None
    }
}

/// A tariff version on the wire.
pub fn tariff_pb(t: &Tariff) -> pb::Tariff {
    pb::Tariff {
        name: t.name(),
        maklumat_number: t.maklumat_number.clone(),
        effective_date: Some(convert::date(t.effective_date)),
        items: t
            .items
            .iter()
            .map(|i| pb::TariffItem {
                code: i.code.clone(),
                description: i.description.clone(),
                unit: i.unit.clone(),
                price_rupiah: i.price_rupiah,
            })
            .collect(),
        create_time: Some(convert::timestamp(t.create_time)),
    }
}

/// Most items in one tariff.
const TARIFF_ITEMS_MAX: usize = 100;

#[tonic::async_trait]
impl AgencyService for AgencyApi {
    async fn create_tariff(
        &self,
        req: Request<pb::CreateTariffRequest>,
    ) -> Result<Response<pb::Tariff>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let agency = convert::agency_id(&mut c, "parent", &r.parent);
        let Some(t) = r.tariff else {
            c.add("tariff", "is required");
            return Err(c.into_error().into());
        };
        let maklumat = c.text(
            "tariff.maklumat_number",
            &t.maklumat_number,
            Text::line(NAME_MAX),
        );
        let effective = c.date("tariff.effective_date", t.effective_date.as_ref());
        if t.items.len() > TARIFF_ITEMS_MAX {
            c.add("tariff.items", format!("at most {TARIFF_ITEMS_MAX} items"));
        }
        let mut items = Vec::new();
        for (i, item) in t.items.iter().take(TARIFF_ITEMS_MAX).enumerate() {
            let description = c.text(
                format!("tariff.items[{i}].description"),
                &item.description,
                Text::line(NAME_MAX),
            );
            let unit = c.text(
                format!("tariff.items[{i}].unit"),
                &item.unit,
                Text::line(50),
            );
            items.push(TariffItem {
                code: item.code.trim().to_string(),
                description: description.unwrap_or_default(),
                unit: unit.unwrap_or_default(),
                price_rupiah: item.price_rupiah,
            });
        }
        for v in tariff::check_items("tariff.items", &items) {
            c.add(v.field, v.description);
        }
        c.finish()?;
        let (Some(agency_id), Some(maklumat_number), Some(effective_date)) =
            (agency, maklumat, effective)
        else {
            return Err(convert::missing());
        };
        caller.require_agency(&self.0.access, &agency_id).await?;
        let created = self
            .0
            .app
            .create_tariff(Tariff {
                agency_id,
                effective_date,
                maklumat_number,
                items,
                create_time: self.0.app.now(),
            })
            .await?;
        tracing::info!(tariff = %created.name(), items = created.items.len(), actor = %caller.actor(), "tariff recorded");
        Ok(Response::new(tariff_pb(&created)))
    }

    async fn list_tariffs(
        &self,
        req: Request<pb::ListTariffsRequest>,
    ) -> Result<Response<pb::ListTariffsResponse>, Status> {
        let caller = Caller::of(&req);
        let mut c = Check::new();
        let id = convert::agency_id(&mut c, "parent", &req.get_ref().parent);
        c.finish()?;
        let Some(id) = id else {
            return Err(convert::missing());
        };
        caller.require_related(&self.0.access, &id).await?;
        let agency = self.0.app.get_agency(&id).await?;
        let (all, in_force) = self.0.app.list_tariffs(&agency).await?;
        Ok(Response::new(pb::ListTariffsResponse {
            tariffs: all.iter().map(tariff_pb).collect(),
            in_force: in_force.unwrap_or_default(),
        }))
    }

    async fn create_agency(
        &self,
        req: Request<pb::CreateAgencyRequest>,
    ) -> Result<Response<pb::Agency>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let id = match crate::domain::agency::check_id(&r.agency_id) {
            Ok(()) => Some(r.agency_id.clone()),
            Err(why) => {
                c.add(
                    "agency_id",
                    if r.agency_id.is_empty() {
                        "is required"
                    } else {
                        why
                    },
                );
                None
            }
        };
        let Some(a) = r.agency else {
            c.add("agency", "is required");
            return Err(c.into_error().into());
        };
        let display_name = c.text("agency.display_name", &a.display_name, Text::line(NAME_MAX));
        let kind: Option<AgencyKind> = c.required_enum("agency.kind", a.kind);
        let parent = if a.parent.is_empty() {
            None
        } else {
            convert::agency_id(&mut c, "agency.parent", &a.parent)
        };
        let tz = check_time_zone(&mut c, "agency.time_zone", &a.time_zone);
        let group = check_group(&mut c, "agency.comparison_group", &a.comparison_group);
        c.finish()?;
        let (Some(id), Some(display_name), Some(kind), Some(time_zone)) =
            (id, display_name, kind, tz)
        else {
            return Err(convert::missing());
        };
        // A top-level body is the operator's to add; an admin adds OPDs
        // under the agencies of its Pemda.
        match &parent {
            None => caller.require_operator("creating a top-level agency")?,
            Some(p) => caller.require_agency(&self.0.access, p).await?,
        }
        let new = NewAgency {
            id,
            display_name,
            kind,
            parent_id: parent,
            time_zone,
            comparison_group: group,
        };
        let created = self.0.app.create_agency(new).await?;
        tracing::info!(agency = %created.id, actor = %caller.actor(), "agency created");
        Ok(Response::new(to_pb(&created)))
    }

    async fn get_agency(
        &self,
        req: Request<pb::GetAgencyRequest>,
    ) -> Result<Response<pb::Agency>, Status> {
        let mut c = Check::new();
        let id = convert::agency_id(&mut c, "name", &req.get_ref().name);
        c.finish()?;
        let a = self.0.app.get_agency(&id.unwrap_or_default()).await?;
        let l = self.0.app.letterhead(&a.id).await?;
        Ok(Response::new(with_letterhead(&a, l)))
    }

    async fn list_agencies(
        &self,
        req: Request<pb::ListAgenciesRequest>,
    ) -> Result<Response<pb::ListAgenciesResponse>, Status> {
        let r = req.into_inner();
        let mut c = Check::new();
        let parent = if r.parent.is_empty() {
            None
        } else {
            convert::agency_id(&mut c, "parent", &r.parent)
        };
        let size = convert::page_size(&mut c, r.page_size);
        let pages = convert::Pages::of(&r, |f| {
            f.page_size = 0;
            f.page_token.clear();
        });
        let after = pages.cursor::<String>(&mut c, &r.page_token);
        c.finish()?;
        let mut rows = self
            .0
            .app
            .list_agencies(parent.as_deref(), after.as_deref(), size + 1)
            .await?;
        let next = pages.next(&mut rows, size, |last| last.id.clone());
        Ok(Response::new(pb::ListAgenciesResponse {
            agencies: rows.iter().map(to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_agency(
        &self,
        req: Request<pb::UpdateAgencyRequest>,
    ) -> Result<Response<pb::Agency>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let Some(a) = r.agency else {
            c.add("agency", "is required");
            return Err(c.into_error().into());
        };
        let id = convert::agency_id(&mut c, "agency.name", &a.name);
        let version = convert::etag(&mut c, "agency.etag", &a.etag);
        let paths: Vec<String> = match r.update_mask {
            Some(m) if !m.paths.is_empty() => m.paths,
            _ => vec![
                "display_name".into(),
                "time_zone".into(),
                "comparison_group".into(),
            ],
        };
        let mut patch = AgencyPatch::default();
        for p in &paths {
            match p.as_str() {
                "display_name" => {
                    patch.display_name =
                        c.text("agency.display_name", &a.display_name, Text::line(NAME_MAX))
                }
                "time_zone" => {
                    patch.time_zone = if a.time_zone.is_empty() {
                        c.add("agency.time_zone", "is required when in the update mask");
                        None
                    } else {
                        check_time_zone(&mut c, "agency.time_zone", &a.time_zone)
                    }
                }
                "comparison_group" => {
                    patch.comparison_group =
                        check_group(&mut c, "agency.comparison_group", &a.comparison_group);
                    if patch.comparison_group.is_none() && c.ok() {
                        c.add(
                            "agency.comparison_group",
                            "is required when in the update mask",
                        );
                    }
                }
                "letterhead" => patch.letterhead = check_letterhead(&mut c, a.letterhead.clone()),
                "kind" | "parent" | "name" | "pemda" | "create_time" | "update_time" | "etag" => {
                    c.add("update_mask", format!("{p} cannot be changed"))
                }
                other => c.add("update_mask", format!("{other:?} is not a field of Agency")),
            }
        }
        c.finish()?;
        let id = id.unwrap_or_default();
        caller.require_agency(&self.0.access, &id).await?;
        let updated = self.0.app.update_agency(&id, patch, version).await?;
        tracing::info!(agency = %updated.id, actor = %caller.actor(), "agency updated");
        let l = self.0.app.letterhead(&updated.id).await?;
        Ok(Response::new(with_letterhead(&updated, l)))
    }
}
