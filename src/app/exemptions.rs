//! The DIK: exempt information (UU KIP Pasal 17) with its consequence test;
//! and the fee tariffs (Pasal 21) a notice's fee is checked against.
use jiff::civil::Date;
use uuid::Uuid;

use super::App;
use crate::{
    domain::{
        agency::Agency,
        exemption::{Exemption, Revocation},
        tariff::{self, Tariff},
        time,
    },
    error::Result,
    store::{
        ExemptionFilter,
        dik::{fetch_exemption, insert_exemption, revoke_exemption},
        rows::{agency_not_found, exemption_not_found},
        tariff::insert_tariff,
    },
};

impl App {
    /// Registers a DIK entry (checked by the caller with
    /// `domain::exemption::check_new`).
    #[tracing::instrument(skip_all, fields(agency = %e.agency_id))]
    pub async fn create_exemption(&self, e: Exemption) -> Result<Exemption> {
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    tx.agency(&e.agency_id)
                        .await?
                        .ok_or_else(|| agency_not_found(&e.agency_id))?;
                    insert_exemption(&mut tx.conn, &e).await?;
                    Ok(e)
                })
            })
            .await
    }

    /// Revokes an entry (once), as of the agency's local day.
    #[tracing::instrument(skip_all, fields(exemption = %id))]
    pub async fn revoke_exemption(
        &self,
        agency_id: &str,
        id: Uuid,
        reason: String,
    ) -> Result<(Exemption, i64)> {
        let now = self.now();
        let owner = agency_id.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let agency = tx
                        .agency(&owner)
                        .await?
                        .ok_or_else(|| exemption_not_found(&owner, id))?;
                    let e = fetch_exemption(&mut tx.conn, id)
                        .await?
                        .filter(|e| e.agency_id == owner)
                        .ok_or_else(|| exemption_not_found(&owner, id))?;
                    e.check_revocable()?;
                    let revocation = Revocation {
                        time: now,
                        date: time::local_date(now, &agency.tz()),
                        reason,
                    };
                    revoke_exemption(&mut tx.conn, id, &revocation).await
                })
            })
            .await?;
        self.store.get_exemption(agency_id, id).await
    }

    /// An entry of an agency, with how many notices cite it.
    pub async fn get_exemption(&self, agency_id: &str, id: Uuid) -> Result<(Exemption, i64)> {
        self.store.get_exemption(agency_id, id).await
    }

    /// The entries of `agency` and of the agencies above it.
    pub async fn list_exemptions(
        &self,
        agency: &Agency,
        filter: &ExemptionFilter,
        after: Option<(Date, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Exemption, i64)>> {
        self.store
            .list_exemptions(agency, filter, after, limit)
            .await
    }

    /// The agency-local day of `agency` now (statuses are judged on it).
    pub async fn today_at(&self, agency_id: &str) -> Result<(Agency, Date)> {
        let a = self.store.get_agency(agency_id).await?;
        let today = time::local_date(self.now(), &a.tz());
        Ok((a, today))
    }
}

impl App {
    /// Records a version of an agency's fee tariff (checked by the caller
    /// with `domain::tariff::check_items`).
    #[tracing::instrument(skip_all, fields(agency = %t.agency_id))]
    pub async fn create_tariff(&self, t: Tariff) -> Result<Tariff> {
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    tx.agency(&t.agency_id)
                        .await?
                        .ok_or_else(|| agency_not_found(&t.agency_id))?;
                    insert_tariff(&mut tx.conn, &t).await?;
                    Ok(t)
                })
            })
            .await
    }

    /// The tariff versions that apply to `agency`, newest first, and the
    /// one in force today (agency-local).
    pub async fn list_tariffs(&self, agency: &Agency) -> Result<(Vec<Tariff>, Option<String>)> {
        let all = self.store.tariffs(&agency.path).await?;
        let today = time::local_date(self.now(), &agency.tz());
        let current = tariff::in_force(&all, &agency.path, today).map(Tariff::name);
        Ok((all, current))
    }
}
