//! Letterheads, the annual report's narratives and its publications: small
//! documents kept beside the agency, written once and read whole.
use anyhow::Context as _;
use jiff::{Timestamp, civil::Date};

use super::{
    db::{Conn, Sql},
    rows::{from_ts, ts},
};
use crate::{
    domain::{
        annual_report::{Narrative, Publication},
        letter::Letterhead,
    },
    error::{Error, Result},
};

/// Sets an agency's letterhead (replacing the one before).
pub(crate) async fn upsert_letterhead(
    conn: &mut Conn<'_>,
    agency_id: &str,
    l: &Letterhead,
    now: Timestamp,
) -> Result<()> {
    let doc = serde_json::to_string(l).context("encoding a letterhead")?;
    Sql::new(
        "INSERT INTO agency_letterheads (agency_id, letterhead, update_time) VALUES ($1, $2, $3) \
         ON CONFLICT (agency_id) DO UPDATE SET letterhead = excluded.letterhead, \
         update_time = excluded.update_time",
    )
    .bind(agency_id)
    .bind(doc)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// An agency's letterhead, if set.
pub(crate) async fn letterhead(conn: &mut Conn<'_>, agency_id: &str) -> Result<Option<Letterhead>> {
    let row = Sql::new("SELECT letterhead FROM agency_letterheads WHERE agency_id = $1")
        .bind(agency_id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| -> Result<Letterhead> {
        Ok(serde_json::from_str(&r.get::<String>("letterhead")?)
            .context("a stored letterhead is not valid JSON")?)
    })
    .transpose()
}

/// The narrative of an agency's report for a year, if written.
pub(crate) async fn narrative(
    conn: &mut Conn<'_>,
    agency_id: &str,
    year: i16,
) -> Result<Option<Narrative>> {
    let row =
        Sql::new("SELECT narrative FROM report_narratives WHERE agency_id = $1 AND year = $2")
            .bind(agency_id)
            .bind(i32::from(year))
            .fetch_optional(conn)
            .await?;
    row.map(|r| -> Result<Narrative> {
        Ok(serde_json::from_str(&r.get::<String>("narrative")?)
            .context("a stored narrative is not valid JSON")?)
    })
    .transpose()
}

/// A publication and the report as published, if published.
pub(crate) async fn publication(
    conn: &mut Conn<'_>,
    agency_id: &str,
    year: i16,
) -> Result<Option<(Publication, String)>> {
    let row = Sql::new(
        "SELECT publish_time, published_by, sent_to_ki_date, report FROM report_publications \
         WHERE agency_id = $1 AND year = $2",
    )
    .bind(agency_id)
    .bind(i32::from(year))
    .fetch_optional(conn)
    .await?;
    row.map(|r| -> Result<(Publication, String)> {
        let sent: Option<String> = r.get("sent_to_ki_date")?;
        Ok((
            Publication {
                publish_time: from_ts(r.get("publish_time")?)?,
                published_by: r.get("published_by")?,
                sent_to_ki_date: sent
                    .map(|d| d.parse::<Date>())
                    .transpose()
                    .context("a stored date")?,
            },
            r.get("report")?,
        ))
    })
    .transpose()
}

/// Sets the narrative of an agency's report for a year.
pub(crate) async fn upsert_narrative(
    conn: &mut Conn<'_>,
    agency_id: &str,
    year: i16,
    n: &Narrative,
    now: Timestamp,
    actor: &str,
) -> Result<()> {
    let doc = serde_json::to_string(n).context("encoding a narrative")?;
    Sql::new(
        "INSERT INTO report_narratives (agency_id, year, narrative, update_time, updated_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agency_id, year) DO UPDATE SET \
         narrative = excluded.narrative, update_time = excluded.update_time, \
         updated_by = excluded.updated_by",
    )
    .bind(agency_id)
    .bind(i32::from(year))
    .bind(doc)
    .bind(ts(now))
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a publication with the report as published (`report`: the
/// encoded message, base64). Publishing twice is refused.
pub(crate) async fn insert_publication(
    conn: &mut Conn<'_>,
    agency_id: &str,
    year: i16,
    p: &Publication,
    report: &str,
    pages: (&str, &str),
) -> Result<()> {
    let inserted = Sql::new(
        "INSERT INTO report_publications \
         (agency_id, year, publish_time, published_by, sent_to_ki_date, report, page_id, page_en) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(agency_id)
    .bind(i32::from(year))
    .bind(ts(p.publish_time))
    .bind(p.published_by.as_str())
    .bind(p.sent_to_ki_date.map(|d| d.to_string()))
    .bind(report)
    .bind(pages.0)
    .bind(pages.1)
    .execute(conn)
    .await;
    super::db::unique_or(inserted, || Error::AlreadyExists {
        reason: "REPORT_ALREADY_PUBLISHED",
        message: format!("the {year} report of agencies/{agency_id} is already published"),
    })?;
    Ok(())
}
