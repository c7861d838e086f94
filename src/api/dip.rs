//! `ppid.v1.PublicInformationService`: the DIP (Daftar Informasi Publik).
use jiff::civil::Date;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check, ProtoEnum, Text},
};
use crate::{
    domain::{
        InformationKind,
        agency::Agency,
        dip::{
            self, Checklist, ChecklistItem, Coverage, Entry, EntryStatus, Freshness, ItemState,
            Version,
        },
    },
    pb::ppid::v1::{self as pb, public_information_service_server::PublicInformationService},
    report::{self, texts::Lang},
};

const LINE_MAX: usize = 300;
const TEXT_MAX: usize = 4000;

/// The DIP service.
pub struct DipApi(pub AppState);

fn version_to_pb(v: &Version) -> pb::DipVersion {
    pb::DipVersion {
        number: v.number,
        publish_date: Some(convert::date(v.publish_date)),
        url: v.url.clone().unwrap_or_default(),
        location: v.location.clone().unwrap_or_default(),
        note: v.note.clone().unwrap_or_default(),
        create_time: Some(convert::timestamp(v.create_time)),
    }
}

/// An entry on the wire, with its status on `today` (agency-local).
pub fn to_pb(e: &Entry, today: Date) -> pb::DipEntry {
    use pb::dip_entry::Status as S;
    let freshness = e.freshness(today);
    let status = match (e.status(), freshness) {
        (EntryStatus::Withdrawn, _) => S::Withdrawn,
        (EntryStatus::Proposed, _) => S::Proposed,
        (EntryStatus::Published, Freshness::Overdue(_)) => S::OverdueForUpdate,
        (EntryStatus::Published, _) => S::Published,
    };
    let next_update_due = match freshness {
        Freshness::Current(Some(d)) | Freshness::Overdue(d) => Some(convert::date(d)),
        _ => None,
    };
    let days_to_announce = match (e.event_date, e.versions.first()) {
        (Some(ev), Some(v)) => (v.publish_date - ev).get_days(),
        _ => 0,
    };
    pb::DipEntry {
        name: e.name(),
        number: e.number,
        summary: e.summary.clone(),
        holding_unit: e.holding_unit.clone(),
        responsible: e.responsible.clone(),
        production_place: e.production_place.clone().unwrap_or_default(),
        softcopy: e.softcopy,
        hardcopy: e.hardcopy,
        retention: e.retention.clone(),
        kind: e.kind.to_proto(),
        items: e.items.clone(),
        update_period_months: e.update_months.unwrap_or(0),
        event_date: e.event_date.map(convert::date),
        exemption: e
            .exemption
            .as_ref()
            .map(|(a, id)| format!("agencies/{a}/exemptions/{id}"))
            .unwrap_or_default(),
        opened_by: e.opened_by.clone().unwrap_or_default(),
        status: status as i32,
        current_version: e.current().map(version_to_pb),
        versions: e.versions.iter().map(version_to_pb).collect(),
        next_update_due,
        withdraw_time: e.withdrawn.as_ref().map(|w| convert::timestamp(w.time)),
        withdraw_reason: e
            .withdrawn
            .as_ref()
            .map(|w| w.reason.clone())
            .unwrap_or_default(),
        create_time: Some(convert::timestamp(e.create_time)),
        days_to_announce,
    }
}

fn item_to_pb(i: &ChecklistItem) -> pb::ChecklistItem {
    pb::ChecklistItem {
        code: i.code.clone(),
        kind: i.kind.to_proto(),
        obligatory: i.obligatory,
        title: i.title.clone(),
        title_en: i.title_en.clone(),
        basis: i.basis.clone(),
    }
}

fn checklist_to_pb(c: &Checklist, set: Option<jiff::Timestamp>) -> pb::DipChecklist {
    pb::DipChecklist {
        year: i32::from(c.year),
        version: c.version,
        items: c.items.iter().map(item_to_pb).collect(),
        create_time: set.map(convert::timestamp),
    }
}

fn coverage_to_pb(agency: &str, c: &Coverage) -> pb::DipCoverage {
    use pb::item_coverage::State;
    pb::DipCoverage {
        agency: format!("agencies/{agency}"),
        date: Some(convert::date(c.as_of)),
        checklist_year: i32::from(c.checklist_year),
        checklist_version: c.checklist_version,
        items: c
            .items
            .iter()
            .map(|i| pb::ItemCoverage {
                item: Some(item_to_pb(&i.item)),
                state: match i.state {
                    ItemState::Missing => State::Missing,
                    ItemState::Stale => State::Stale,
                    ItemState::Covered => State::Covered,
                } as i32,
                entries: i
                    .entries
                    .iter()
                    .map(|(owner, id)| format!("agencies/{owner}/dipEntries/{id}"))
                    .collect(),
            })
            .collect(),
        stale_entries: c
            .stale
            .iter()
            .map(|s| pb::StaleDipEntry {
                entry: format!("agencies/{}/dipEntries/{}", s.agency_id, s.id),
                due_date: Some(convert::date(s.due)),
            })
            .collect(),
        published_entries: c.published,
        online_entries: c.online,
        jenis_informasi: c.jenis_informasi(),
        digitalisasi: c.digitalisasi(),
        jenis_informasi_explanation: c.explain_jenis(),
        digitalisasi_explanation: c.explain_digital(),
        kept: c.kept(),
    }
}

/// Reads a version from the wire (checks that need the entry are the
/// domain's, in the app).
fn version_from_pb(c: &mut Check, field: &str, v: Option<&pb::DipVersion>) -> Option<Version> {
    let Some(v) = v else {
        c.add(field, "is required");
        return None;
    };
    let publish_date = c.date(format!("{field}.publish_date"), v.publish_date.as_ref());
    // Whether the URL is http(s) and whether a place is given are the
    // domain's checks (`dip::check_version`), run with the entry.
    let url = c.text(format!("{field}.url"), &v.url, Text::opt_line(2000));
    let location = c.text(
        format!("{field}.location"),
        &v.location,
        Text::opt_line(LINE_MAX),
    );
    let note = c.text(format!("{field}.note"), &v.note, Text::opt_para(TEXT_MAX));
    Some(Version {
        number: 0,
        publish_date: publish_date?,
        url,
        location,
        note,
        create_time: jiff::Timestamp::UNIX_EPOCH,
    })
}

impl DipApi {
    /// The entries a caller may read: what was published (current or
    /// withdrawn) for everyone; proposals, never published, only for those
    /// who reach the agency.
    fn may_see(caller: &Caller, agency: &Agency, e: &Entry) -> bool {
        !e.versions.is_empty() || caller.reaches(&agency.path)
    }
}

#[tonic::async_trait]
impl PublicInformationService for DipApi {
    async fn create_dip_entry(
        &self,
        req: Request<pb::CreateDipEntryRequest>,
    ) -> Result<Response<pb::DipEntry>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let agency = convert::agency_id(&mut c, "parent", &r.parent);
        let Some(e) = r.entry else {
            c.add("entry", "is required");
            return Err(c.into_error().into());
        };
        let summary = c.text("entry.summary", &e.summary, Text::para(TEXT_MAX));
        let holding_unit = c.text("entry.holding_unit", &e.holding_unit, Text::line(LINE_MAX));
        let responsible = c.text("entry.responsible", &e.responsible, Text::line(LINE_MAX));
        let place = c.text(
            "entry.production_place",
            &e.production_place,
            Text::opt_line(LINE_MAX),
        );
        let retention = c.text("entry.retention", &e.retention, Text::opt_line(LINE_MAX));
        let kind: Option<InformationKind> = c.required_enum("entry.kind", e.kind);
        let mut items = Vec::new();
        for (i, code) in e.items.iter().enumerate() {
            if let Some(code) = c.text(format!("entry.items[{i}]"), code, Text::line(64)) {
                items.push(code);
            }
        }
        let update_months = match (kind, e.update_period_months) {
            (Some(InformationKind::Berkala), 0) => Some(dip::MAX_UPDATE_MONTHS),
            (_, 0) => None,
            (_, m) => Some(m),
        };
        let event_date = if e.event_date.is_some() {
            c.date("entry.event_date", e.event_date.as_ref())
        } else {
            None
        };
        let exemption = if e.exemption.is_empty() {
            None
        } else {
            convert::exemption_name(&mut c, "entry.exemption", &e.exemption)
        };
        let first = r
            .first_version
            .as_ref()
            .and_then(|v| version_from_pb(&mut c, "first_version", Some(v)));
        c.finish()?;
        let (Some(agency_id), Some(summary), Some(holding_unit), Some(responsible), Some(kind)) =
            (agency, summary, holding_unit, responsible, kind)
        else {
            return Err(convert::missing());
        };
        caller.require_agency(&self.0.access, &agency_id).await?;
        let entry = Entry {
            id: Uuid::now_v7(),
            agency_id,
            number: 0,
            summary,
            holding_unit,
            responsible,
            production_place: place,
            softcopy: e.softcopy,
            hardcopy: e.hardcopy,
            retention: retention.unwrap_or_default(),
            kind,
            items,
            update_months,
            event_date,
            exemption,
            opened_by: None,
            versions: Vec::new(),
            withdrawn: None,
            create_time: self.0.app.now(),
        };
        let created = self
            .0
            .app
            .create_dip_entry(entry, first, &caller.actor())
            .await?;
        tracing::info!(entry = %created.id, agency = %created.agency_id, kind = %created.kind, actor = %caller.actor(), "DIP entry created");
        let (_, today) = self.0.app.today_at(&created.agency_id).await?;
        Ok(Response::new(to_pb(&created, today)))
    }

    async fn get_dip_entry(
        &self,
        req: Request<pb::GetDipEntryRequest>,
    ) -> Result<Response<pb::DipEntry>, Status> {
        let caller = Caller::of(&req);
        let mut c = Check::new();
        let name = convert::dip_entry_name(&mut c, "name", &req.get_ref().name);
        c.finish()?;
        let Some((agency, id)) = name else {
            return Err(convert::missing());
        };
        let (a, today) = self.0.app.today_at(&agency).await?;
        let e = self.0.app.get_dip_entry(&agency, id).await?;
        if !Self::may_see(&caller, &a, &e) {
            return Err(crate::store::dip::entry_not_found(&agency, id).into());
        }
        Ok(Response::new(to_pb(&e, today)))
    }

    async fn list_dip_entries(
        &self,
        req: Request<pb::ListDipEntriesRequest>,
    ) -> Result<Response<pb::ListDipEntriesResponse>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let agency = convert::agency_id(&mut c, "parent", &r.parent);
        let kind = c.optional_enum::<InformationKind>("kind", r.kind);
        let item = c.text("item", &r.item, Text::opt_line(64));
        let size = convert::page_size(&mut c, r.page_size);
        let pages = convert::Pages::of(&r, |f| {
            f.page_size = 0;
            f.page_token.clear();
        });
        let after = pages.cursor::<usize>(&mut c, &r.page_token);
        c.finish()?;
        let agency = agency.unwrap_or_default();
        let (a, today) = self.0.app.today_at(&agency).await?;
        if r.include_proposed && !caller.reaches(&a.path) {
            return Err(super::auth::denied(
                "proposed entries are read by the agency's officers; the public DIP lists published ones",
            ));
        }
        let all = self.0.app.dip_entries(&a).await?;
        let matching: Vec<&Entry> = all
            .iter()
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .filter(|e| item.as_ref().is_none_or(|i| e.items.contains(i)))
            .filter(|e| r.include_withdrawn || e.withdrawn.is_none())
            .filter(|e| r.include_proposed || !e.versions.is_empty())
            .filter(|e| !r.overdue_only || matches!(e.freshness(today), Freshness::Overdue(_)))
            .collect();
        let overdue = matching
            .iter()
            .filter(|e| matches!(e.freshness(today), Freshness::Overdue(_)))
            .count();
        let start = after.unwrap_or(0);
        let mut page: Vec<(usize, &Entry)> = matching
            .iter()
            .enumerate()
            .skip(start)
            .take(size as usize + 1)
            .map(|(i, e)| (i + 1, *e))
            .collect();
        let next = pages.next(&mut page, size, |(i, _)| *i);
        Ok(Response::new(pb::ListDipEntriesResponse {
            entries: page.iter().map(|(_, e)| to_pb(e, today)).collect(),
            next_page_token: next,
            total_size: matching.len() as i32,
            overdue_count: overdue as i32,
        }))
    }

    async fn publish_dip_version(
        &self,
        req: Request<pb::PublishDipVersionRequest>,
    ) -> Result<Response<pb::DipEntry>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let name = convert::dip_entry_name(&mut c, "name", &r.name);
        let version = version_from_pb(&mut c, "version", r.version.as_ref());
        c.finish()?;
        let (Some((agency, id)), Some(version)) = (name, version) else {
            return Err(convert::missing());
        };
        caller.require_agency(&self.0.access, &agency).await?;
        let e = self
            .0
            .app
            .publish_dip_version(&agency, id, version, &caller.actor())
            .await?;
        tracing::info!(entry = %e.id, version = e.versions.len(), actor = %caller.actor(), "DIP version published");
        let (_, today) = self.0.app.today_at(&agency).await?;
        Ok(Response::new(to_pb(&e, today)))
    }

    async fn withdraw_dip_entry(
        &self,
        req: Request<pb::WithdrawDipEntryRequest>,
    ) -> Result<Response<pb::DipEntry>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let name = convert::dip_entry_name(&mut c, "name", &r.name);
        let reason = c.text("reason", &r.reason, Text::para(TEXT_MAX));
        c.finish()?;
        let (Some((agency, id)), Some(reason)) = (name, reason) else {
            return Err(convert::missing());
        };
        caller.require_agency(&self.0.access, &agency).await?;
        let e = self.0.app.withdraw_dip_entry(&agency, id, reason).await?;
        tracing::info!(entry = %e.id, actor = %caller.actor(), "DIP entry withdrawn");
        let (_, today) = self.0.app.today_at(&agency).await?;
        Ok(Response::new(to_pb(&e, today)))
    }

    async fn get_dip_coverage(
        &self,
        req: Request<pb::GetDipCoverageRequest>,
    ) -> Result<Response<pb::DipCoverage>, Status> {
        let r = req.into_inner();
        let mut c = Check::new();
        let agency = convert::agency_id(&mut c, "agency", &r.agency);
        let date = if r.date.is_some() {
            c.date("date", r.date.as_ref())
        } else {
            None
        };
        c.finish()?;
        let agency = agency.unwrap_or_default();
        let (a, today) = self.0.app.today_at(&agency).await?;
        let cov = self.0.app.dip_coverage(&a, date.unwrap_or(today)).await?;
        Ok(Response::new(coverage_to_pb(&a.id, &cov)))
    }

    async fn get_dip_checklist(
        &self,
        req: Request<pb::GetDipChecklistRequest>,
    ) -> Result<Response<pb::DipChecklist>, Status> {
        let year = req.get_ref().year;
        let mut c = Check::new();
        if !(2000..2200).contains(&year) {
            c.add("year", "must be between 2000 and 2199");
        }
        c.finish()?;
        let (cl, set) = self.0.app.dip_checklist(year as i16).await?;
        Ok(Response::new(checklist_to_pb(&cl, set)))
    }

    async fn set_dip_checklist(
        &self,
        req: Request<pb::SetDipChecklistRequest>,
    ) -> Result<Response<pb::DipChecklist>, Status> {
        Caller::of(&req).require_operator("setting the DIP checklist")?;
        let r = req.into_inner();
        let mut c = Check::new();
        let Some(cl) = r.checklist else {
            c.add("checklist", "is required");
            return Err(c.into_error().into());
        };
        if !(2000..2200).contains(&cl.year) {
            c.add("checklist.year", "must be between 2000 and 2199");
        }
        let mut items = Vec::new();
        for (i, it) in cl.items.iter().enumerate() {
            let kind: Option<InformationKind> =
                c.required_enum(format!("checklist.items[{i}].kind"), it.kind);
            let title = c.text(
                format!("checklist.items[{i}].title"),
                &it.title,
                Text::line(LINE_MAX),
            );
            let title_en = c.text(
                format!("checklist.items[{i}].title_en"),
                &it.title_en,
                Text::opt_line(LINE_MAX),
            );
            let basis = c.text(
                format!("checklist.items[{i}].basis"),
                &it.basis,
                Text::line(LINE_MAX),
            );
            if let (Some(kind), Some(title), Some(basis)) = (kind, title, basis) {
                items.push(ChecklistItem {
                    code: it.code.clone(),
                    kind,
                    obligatory: it.obligatory,
                    title,
                    title_en: title_en.unwrap_or_default(),
                    basis,
                });
            }
        }
        let checklist = Checklist {
            year: cl.year.clamp(2000, 2199) as i16,
            version: 0,
            items,
        };
        for (f, d) in checklist.problems() {
            c.add(f, d);
        }
        c.finish()?;
        let (stored, t) = self.0.app.set_dip_checklist(checklist).await?;
        tracing::info!(
            year = stored.year,
            version = stored.version,
            "DIP checklist set"
        );
        Ok(Response::new(checklist_to_pb(&stored, Some(t))))
    }

    async fn export_dip(
        &self,
        req: Request<pb::ExportDipRequest>,
    ) -> Result<Response<pb::DipDocument>, Status> {
        let r = req.into_inner();
        let mut c = Check::new();
        let agency = convert::agency_id(&mut c, "parent", &r.parent);
        let format = pb::export_dip_request::Format::try_from(r.format).ok();
        if format.is_none() {
            c.add("format", "is not a known format");
        }
        let lang = Lang::parse(&r.language_code);
        if lang.is_none() {
            c.add("language_code", "must be id or en");
        }
        c.finish()?;
        let (Some(agency), Some(format), Some(lang)) = (agency, format, lang) else {
            return Err(convert::missing());
        };
        let (a, today) = self.0.app.today_at(&agency).await?;
        let entries: Vec<Entry> = self
            .0
            .app
            .dip_entries(&a)
            .await?
            .into_iter()
            .filter(|e| !e.versions.is_empty() && e.withdrawn.is_none())
            .collect();
        let (checklist, _) = self.0.app.dip_checklist(today.year()).await?;
        use pb::export_dip_request::Format as F;
        let (content_type, ext, data) = match format {
            F::Html => (
                "text/html; charset=utf-8",
                "html",
                report::dip::html(&entries, &a, &checklist, today, lang).into_bytes(),
            ),
            F::Csv | F::Unspecified => (
                "text/csv; charset=utf-8",
                "csv",
                report::dip::csv(&entries, &a, &checklist, today, lang)
                    .map_err(|e| Status::internal(format!("writing the CSV: {e}")))?,
            ),
        };
        Ok(Response::new(pb::DipDocument {
            content_type: content_type.into(),
            filename: format!("dip-{}-{today}.{ext}", a.id),
            data,
            entry_count: entries.len() as i32,
        }))
    }
}
