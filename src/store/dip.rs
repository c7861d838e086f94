//! The DIP's rows: entries, their versions, and the checklist versions.
use std::collections::HashMap;

use anyhow::Context;
use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::{
    core::SqlStore,
    db::{Conn, Row, Sql},
    rows::{from_ts, opt_date, parse_date, parse_named, ts},
};
use crate::{
    domain::{
        InformationKind,
        agency::{Agency, path_ids},
        dip::{Checklist, Entry, EntryFacts, Version, Withdrawal},
    },
    error::{Error, Result},
};

const ENTRY_COLUMNS: &str = "id, agency_id, number, summary, holding_unit, responsible, \
     production_place, softcopy, hardcopy, retention, kind, items, update_months, event_date, \
     exemption_id, (SELECT x.agency_id FROM exemptions x WHERE x.id = dip_entries.exemption_id) \
     AS exemption_agency, opened_by, withdraw_time, withdraw_date, withdraw_reason, create_time";

/// NOT_FOUND for an entry.
pub(crate) fn entry_not_found(agency_id: &str, id: Uuid) -> Error {
    Error::NotFound {
        kind: "DIP entry",
        name: format!("agencies/{agency_id}/dipEntries/{id}"),
    }
}

fn items_of(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn kind_of(r: &Row) -> Result<InformationKind> {
    parse_named(
        &r.get::<String>("kind")?,
        InformationKind::parse,
        "information kind",
    )
}

fn months_of(r: &Row) -> Result<Option<i32>> {
    Ok(r.get::<Option<i64>>("update_months")?.map(|m| m as i32))
}

fn entry_from_row(r: &Row) -> Result<Entry> {
    let id: String = r.get("id")?;
    let withdrawn = match r.get::<Option<i64>>("withdraw_time")? {
        Some(t) => Some(Withdrawal {
            time: from_ts(t)?,
            date: parse_date(&r.get::<String>("withdraw_date")?)?,
            reason: r
                .get::<Option<String>>("withdraw_reason")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    let exemption = match (
        r.get::<Option<String>>("exemption_agency")?,
        r.get::<Option<String>>("exemption_id")?,
    ) {
        (Some(a), Some(e)) => Some((a, Uuid::parse_str(&e).context("stored exemption id")?)),
        _ => None,
    };
    Ok(Entry {
        id: Uuid::parse_str(&id).context("stored DIP entry id")?,
        agency_id: r.get("agency_id")?,
        number: r.get("number")?,
        summary: r.get("summary")?,
        holding_unit: r.get("holding_unit")?,
        responsible: r.get("responsible")?,
        production_place: r.get("production_place")?,
        softcopy: r.get("softcopy")?,
        hardcopy: r.get("hardcopy")?,
        retention: r.get("retention")?,
        kind: kind_of(r)?,
        items: items_of(&r.get::<String>("items")?),
        update_months: months_of(r)?,
        event_date: opt_date(r.get("event_date")?)?,
        exemption,
        opened_by: r.get("opened_by")?,
        versions: Vec::new(),
        withdrawn,
        create_time: from_ts(r.get("create_time")?)?,
    })
}

fn version_from_row(r: &Row) -> Result<(String, Version)> {
    Ok((
        r.get("entry_id")?,
        Version {
            number: r.get::<i64>("number")? as i32,
            publish_date: parse_date(&r.get::<String>("publish_date")?)?,
            url: r.get("url")?,
            location: r.get("location")?,
            note: r.get("note")?,
            create_time: from_ts(r.get("create_time")?)?,
        },
    ))
}

/// Entries with their versions, by a condition on `dip_entries` (`e`).
async fn entries_where(conn: &mut Conn<'_>, cond: impl FnOnce(&mut Sql)) -> Result<Vec<Entry>> {
    let mut q = Sql::new(format!("SELECT {ENTRY_COLUMNS} FROM dip_entries WHERE "));
    cond(&mut q);
    q.push(" ORDER BY number");
    let rows = q.fetch_all(conn).await?;
    let mut entries: Vec<Entry> = rows.iter().map(entry_from_row).collect::<Result<_>>()?;
    if entries.is_empty() {
        return Ok(entries);
    }
    let mut v = Sql::new(
        "SELECT entry_id, number, publish_date, url, location, note, create_time \
         FROM dip_versions WHERE entry_id IN ",
    );
    v.push_list(entries.iter().map(|e| e.id.to_string()));
    v.push(" ORDER BY entry_id, number");
    let mut by_entry: HashMap<String, Vec<Version>> = HashMap::new();
    for row in v.fetch_all(conn).await? {
        let (id, ver) = version_from_row(&row)?;
        by_entry.entry(id).or_default().push(ver);
    }
    for e in &mut entries {
        e.versions = by_entry.remove(&e.id.to_string()).unwrap_or_default();
    }
    Ok(entries)
}

/// An entry by id (of any agency), with its versions.
pub(crate) async fn fetch_entry(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Entry>> {
    Ok(entries_where(conn, |q| {
        q.push("id = ").push_bind(id.to_string());
    })
    .await?
    .pop())
}

/// The next number in an agency's DIP (the writer is the only one numbering).
pub(crate) async fn next_entry_number(conn: &mut Conn<'_>, agency_id: &str) -> Result<i64> {
    let n: Option<i64> = Sql::new("SELECT MAX(number) FROM dip_entries WHERE agency_id = $1")
        .bind(agency_id)
        .scalar_optional(conn)
        .await?
        .flatten();
    Ok(n.unwrap_or(0) + 1)
}

/// Inserts an entry (its versions are inserted with [`insert_version`]).
pub(crate) async fn insert_entry(conn: &mut Conn<'_>, e: &Entry) -> Result<()> {
    Sql::new(
        "INSERT INTO dip_entries (id, agency_id, number, summary, holding_unit, responsible, \
         production_place, softcopy, hardcopy, retention, kind, items, update_months, event_date, \
         exemption_id, opened_by, create_time) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(e.id.to_string())
    .bind(e.agency_id.clone())
    .bind(e.number)
    .bind(e.summary.clone())
    .bind(e.holding_unit.clone())
    .bind(e.responsible.clone())
    .bind(e.production_place.clone())
    .bind(e.softcopy)
    .bind(e.hardcopy)
    .bind(e.retention.clone())
    .bind(e.kind.as_str())
    .bind(e.items.join(" "))
    .bind(e.update_months.map(i64::from))
    .bind(e.event_date.map(|d| d.to_string()))
    .bind(e.exemption.as_ref().map(|(_, id)| id.to_string()))
    .bind(e.opened_by.clone())
    .bind(ts(e.create_time))
    .execute(conn)
    .await?;
    Ok(())
}

/// `2026-01-10:1,2026-04-24:0`: each version's date and whether it was online.
fn version_dates(s: &str) -> Result<Vec<(Date, bool)>> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (d, online) = p
                .split_once(':')
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("stored version dates {s:?}")))?;
            Ok((parse_date(d)?, online == "1"))
        })
        .collect()
}

/// Appends a version (and its date to the entry's digest of them).
pub(crate) async fn insert_version(
    conn: &mut Conn<'_>,
    entry_id: Uuid,
    v: &Version,
    actor: &str,
) -> Result<()> {
    let digest = format!(
        "{}:{}",
        v.publish_date,
        if v.url.is_some() { "1" } else { "0" }
    );
    Sql::new(
        "UPDATE dip_entries SET version_dates = CASE WHEN version_dates = '' THEN $1 \
         ELSE version_dates || ',' || $1 END WHERE id = $2",
    )
    .bind(digest)
    .bind(entry_id.to_string())
    .execute(conn)
    .await?;
    Sql::new(
        "INSERT INTO dip_versions (entry_id, number, publish_date, url, location, note, actor, \
         create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry_id.to_string())
    .bind(i64::from(v.number))
    .bind(v.publish_date.to_string())
    .bind(v.url.clone())
    .bind(v.location.clone())
    .bind(v.note.clone())
    .bind(actor)
    .bind(ts(v.create_time))
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks an entry withdrawn.
pub(crate) async fn withdraw_entry(conn: &mut Conn<'_>, id: Uuid, w: &Withdrawal) -> Result<()> {
    Sql::new(
        "UPDATE dip_entries SET withdraw_time = $1, withdraw_date = $2, withdraw_reason = $3 \
         WHERE id = $4",
    )
    .bind(ts(w.time))
    .bind(w.date.to_string())
    .bind(w.reason.clone())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores a new version of a year's checklist; returns its version.
pub(crate) async fn insert_checklist(
    conn: &mut Conn<'_>,
    c: &Checklist,
    now: Timestamp,
) -> Result<i64> {
    let version: i64 =
        Sql::new("SELECT COALESCE(MAX(version), 0) + 1 FROM dip_checklists WHERE year = $1")
            .bind(i64::from(c.year))
            .scalar(conn)
            .await?;
    let mut stored = c.clone();
    stored.version = version;
    let json = serde_json::to_string(&stored)
        .map_err(|e| Error::Internal(anyhow::anyhow!("encoding a checklist: {e}")))?;
    Sql::new(
        "INSERT INTO dip_checklists (year, version, checklist, create_time) VALUES ($1, $2, $3, $4)",
    )
    .bind(i64::from(c.year))
    .bind(version)
    .bind(json)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(version)
}

/// The latest stored checklist of a year, if one was set.
pub(crate) async fn stored_checklist(
    conn: &mut Conn<'_>,
    year: i16,
) -> Result<Option<(Checklist, Timestamp)>> {
    let row = Sql::new(
        "SELECT checklist, create_time FROM dip_checklists WHERE year = $1 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(i64::from(year))
    .fetch_optional(conn)
    .await?;
    match row {
        Some(r) => {
            let c: Checklist =
                serde_json::from_str(&r.get::<String>("checklist")?).context("stored checklist")?;
            Ok(Some((c, from_ts(r.get("create_time")?)?)))
        }
        None => Ok(None),
    }
}

/// Filters of an agency's DIP list (applied on the domain's rules: a DIP is
/// a few hundred entries).
#[derive(Debug, Clone, Default)]
pub struct DipFilter {
    /// Only this kind.
    pub kind: Option<InformationKind>,
    /// Only entries satisfying this checklist item.
    pub item: Option<String>,
    /// Only berkala entries overdue for update on `today`.
    pub overdue_only: bool,
    /// Include withdrawn entries.
    pub include_withdrawn: bool,
    /// Include proposed (unpublished) entries.
    pub include_proposed: bool,
    /// The agency-local day statuses are judged on.
    pub today: Option<Date>,
}

#[async_trait::async_trait]
impl super::DipStore for SqlStore {
    // The DIP's lists and the facts figures use tolerate seconds of lag and
    // read the replica when there is one. One entry (`get_dip_entry`) and
    // the checklist stay on the primary: an officer reads an entry back
    // right after writing it (for its etag), and a checklist right after
    // setting it.
    async fn dip_checklist(&self, year: i16) -> Result<Option<(Checklist, Timestamp)>> {
        let mut p = self.read().await?;
        stored_checklist(&mut p.conn(), year).await
    }

    async fn get_dip_entry(&self, agency_id: &str, id: Uuid) -> Result<Entry> {
        let mut p = self.read().await?;
        fetch_entry(&mut p.conn(), id)
            .await?
            .filter(|e| e.agency_id == agency_id)
            .ok_or_else(|| entry_not_found(agency_id, id))
    }

    async fn dip_entries(&self, agency: &Agency) -> Result<Vec<Entry>> {
        let mut p = self.read_lagging().await?;
        let mut conn = p.conn();
        let ids: Vec<&str> = path_ids(&agency.path).collect();
        let mut all = entries_where(&mut conn, |q| {
            q.push("agency_id IN ")
                .push_list(ids.iter().map(|s| s.to_string()));
        })
        .await?;
        // Top of the path first (the Pemda's entries before the OPD's).
        all.sort_by_key(|e| {
            (
                ids.iter()
                    .position(|i| *i == e.agency_id)
                    .unwrap_or(usize::MAX),
                e.number,
            )
        });
        Ok(all)
    }

    async fn dip_stamp(&self) -> Result<i64> {
        let mut p = self.read_lagging().await?;
        Sql::new("SELECT version FROM dip_stamp WHERE id = 1")
            .scalar(&mut p.conn())
            .await
    }

    async fn dip_facts(&self, agency_ids: &[String]) -> Result<Vec<EntryFacts>> {
        if agency_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut p = self.read_lagging().await?;
        let mut conn = p.conn();
        let mut out: Vec<EntryFacts> = Vec::new();
        // Bounded IN lists: a national ranking asks for thousands of ids.
        for chunk in agency_ids.chunks(900) {
            let mut q = Sql::new(
                "SELECT id, agency_id, kind, items, update_months, withdraw_date, version_dates \
                 FROM dip_entries WHERE agency_id IN ",
            );
            q.push_list(chunk.iter().cloned());
            for r in q.fetch_all(&mut conn).await? {
                let id: String = r.get("id")?;
                out.push(EntryFacts {
                    agency_id: r.get("agency_id")?,
                    id: Uuid::parse_str(&id).context("stored DIP entry id")?,
                    kind: kind_of(&r)?,
                    items: items_of(&r.get::<String>("items")?),
                    update_months: months_of(&r)?,
                    withdrawn_on: opt_date(r.get("withdraw_date")?)?,
                    versions: version_dates(&r.get::<String>("version_dates")?)?,
                });
            }
        }
        Ok(out)
    }
}
