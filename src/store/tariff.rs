//! Fee tariffs (maklumat, UU KIP Pasal 21), by version.
use anyhow::Context as _;
use jiff::civil::Date;

use super::{
    db::{Conn, Sql, unique_or},
    rows::{from_ts, ts},
};
use crate::{
    domain::tariff::{Tariff, TariffItem},
    error::{Error, Result},
};

const COLUMNS: &str = "agency_id, effective_date, maklumat_number, items, create_time";

fn from_row(r: &super::db::Row) -> Result<Tariff> {
    let items: Vec<TariffItem> = serde_json::from_str(&r.get::<String>("items")?)
        .context("stored tariff items are not valid JSON")?;
    Ok(Tariff {
        agency_id: r.get("agency_id")?,
        effective_date: r
            .get::<String>("effective_date")?
            .parse::<Date>()
            .context("stored tariff date")?,
        maklumat_number: r.get("maklumat_number")?,
        items,
        create_time: from_ts(r.get("create_time")?)?,
    })
}

/// Records a version; one per agency and effective date.
pub(crate) async fn insert_tariff(conn: &mut Conn<'_>, t: &Tariff) -> Result<()> {
    let items = serde_json::to_string(&t.items).context("encoding tariff items")?;
    let inserted = Sql::new(format!(
        "INSERT INTO tariffs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(t.agency_id.as_str())
    .bind(t.effective_date.to_string())
    .bind(t.maklumat_number.as_str())
    .bind(items)
    .bind(ts(t.create_time))
    .execute(conn)
    .await;
    unique_or(inserted, || Error::AlreadyExists {
        reason: "TARIFF_VERSION_EXISTS",
        message: format!(
            "{} already has a tariff in force from {}: record a correction with a new effective date",
            t.agency_id, t.effective_date
        ),
    })?;
    Ok(())
}

/// Every version of the agencies on `path` (`/pemda/.../agency/`), newest
/// first.
pub(crate) async fn tariffs_on_path(conn: &mut Conn<'_>, path: &str) -> Result<Vec<Tariff>> {
    let mut q = Sql::new(format!("SELECT {COLUMNS} FROM tariffs WHERE agency_id IN "));
    q.push_list(crate::domain::agency::path_ids(path).map(str::to_string));
    q.push(" ORDER BY effective_date DESC, agency_id");
    q.fetch_all(conn).await?.iter().map(from_row).collect()
}
