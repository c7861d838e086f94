//! API keys: made, listed and revoked by admins (and `ppid keys` on the
//! database).
use super::App;
use crate::{
    domain::access::{self, ApiKey},
    error::{Error, Result},
    store::{
        keys::{fetch_key, insert_key, mark_revoked, other_key_managers},
        rows::agency_not_found,
    },
};

impl App {
    /// Stores a new key (its token only as a hash).
    pub async fn create_key(&self, key: ApiKey, token_hash: String) -> Result<ApiKey> {
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(agency) = &key.agency_id
                        && tx.agency(agency).await?.is_none()
                    {
                        return Err(agency_not_found(agency));
                    }
                    insert_key(&mut tx.conn, &key, &token_hash).await?;
                    Ok(key)
                })
            })
            .await
    }

    /// Revokes a key (idempotent). Refuses (LAST_KEY_MANAGER) to revoke the
    /// last active key that can manage keys unless `force` (the CLI's).
    pub async fn revoke_key(&self, id: &str, force: bool) -> Result<ApiKey> {
        let now = self.now();
        let id = id.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let mut key =
                        fetch_key(&mut tx.conn, &id)
                            .await?
                            .ok_or_else(|| Error::NotFound {
                                kind: "api key",
                                name: format!("keys/{id}"),
                            })?;
                    if key.revoke_time.is_some() {
                        return Ok(key);
                    }
                    let others = other_key_managers(&mut tx.conn, &id).await?;
                    if !force && access::revoking_leaves_no_manager(&key, others) {
                        return Err(Error::precondition(
                            "LAST_KEY_MANAGER",
                            format!(
                                "keys/{id} is the last active admin key: revoking it would leave \
                                 no key that can manage keys (create another admin key first; \
                                 `ppid keys revoke --force` on the database overrides)"
                            ),
                        ));
                    }
                    mark_revoked(&mut tx.conn, &id, now).await?;
                    key.revoke_time = Some(now);
                    Ok(key)
                })
            })
            .await
    }

    /// Every key, revoked ones too, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<ApiKey>> {
        self.store.list_keys().await
    }

    /// Keys not revoked.
    pub async fn active_key_count(&self) -> Result<i64> {
        self.store.active_key_count().await
    }

    /// Whether a key was ever created (then open mode never returns).
    pub async fn keys_exist(&self) -> Result<bool> {
        self.store.keys_exist().await
    }

    /// The key a token hashes to, revoked or not.
    pub async fn key_by_token_hash(&self, token_hash: &str) -> Result<Option<ApiKey>> {
        self.store.key_by_token_hash(token_hash).await
    }

    /// A named server secret, made on first use.
    pub async fn secret(&self, name: &str) -> Result<String> {
        self.store.secret(name).await
    }
}
