//! Agencies: Pemdas, their OPDs and other public bodies.
use std::sync::Arc;

use super::App;
use crate::{
    domain::agency::{self, Agency, AgencyPatch, NewAgency},
    error::{Error, Result},
    store::{
        letters::upsert_letterhead,
        register::{insert_agency, update_agency},
        rows::agency_not_found,
    },
};

impl App {
    /// Creates an agency under an existing parent.
    #[tracing::instrument(skip_all, fields(agency = %new.id))]
    pub async fn create_agency(&self, new: NewAgency) -> Result<Agency> {
        let now = self.now();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let parent = match &new.parent_id {
                        Some(pid) => {
                            Some(tx.agency(pid).await?.ok_or_else(|| agency_not_found(pid))?)
                        }
                        None => None,
                    };
                    let a = agency::create(new, parent.as_ref(), now)?;
                    insert_agency(&mut tx.conn, &a).await?;
                    Ok(a)
                })
            })
            .await
    }

    /// Changes an agency; `expected_version` checks the etag.
    #[tracing::instrument(skip_all, fields(agency = %id))]
    pub async fn update_agency(
        &self,
        id: &str,
        mut patch: AgencyPatch,
        expected_version: Option<i64>,
    ) -> Result<Agency> {
        let now = self.now();
        let id = id.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let current = tx.agency(&id).await?.ok_or_else(|| agency_not_found(&id))?;
                    if expected_version.is_some_and(|v| v != current.version) {
                        return Err(Error::Aborted(format!(
                            "agencies/{id} changed since it was read (stale etag); read it again"
                        )));
                    }
                    let letterhead = patch.letterhead.take();
                    let a = current.patched(patch, now);
                    update_agency(&mut tx.conn, &a, current.version).await?;
                    if let Some(l) = &letterhead {
                        upsert_letterhead(&mut tx.conn, &id, l, now).await?;
                    }
                    tx.memo.agencies.remove(&id);
                    Ok(a)
                })
            })
            .await
    }

    /// An agency.
    pub async fn get_agency(&self, id: &str) -> Result<Agency> {
        self.store.get_agency(id).await
    }

    /// Agencies ordered by id, after `after`, optionally one parent's children.
    pub async fn list_agencies(
        &self,
        parent: Option<&str>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Agency>> {
        self.store.list_agencies(parent, after, limit).await
    }

    /// The agency and every agency below it.
    pub async fn subtree(&self, agency: &Agency) -> Result<Vec<Agency>> {
        self.store.subtree(agency).await
    }

    /// Every agency, by id.
    pub async fn all_agencies(&self) -> Result<Arc<Vec<Agency>>> {
        self.store.all_agencies().await
    }
}
