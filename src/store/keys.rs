//! API keys, server secrets and facts, and who submitted a request.
use uuid::Uuid;

use super::{
    core::SqlStore,
    db::{Conn, Sql},
    rows::{KEY_COLUMNS, REQUEST_COLUMNS, key_from_row, request_from_row, request_not_found, ts},
};
use crate::{
    domain::{
        Role,
        access::{self, ApiKey},
        request::Request,
    },
    error::Result,
};

/// Stores a new key (its token only as a hash), and the fact that a key
/// has existed: open mode never returns.
pub(crate) async fn insert_key(conn: &mut Conn<'_>, key: &ApiKey, token_hash: &str) -> Result<()> {
    Sql::new(
        "INSERT INTO api_keys (id, name, role, agency_id, token_hash, create_time, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&key.id)
    .bind(&key.name)
    .bind(key.role.as_str())
    .bind(&key.agency_id)
    .bind(token_hash)
    .bind(ts(key.create_time))
    .bind(&key.created_by)
    .execute(conn)
    .await?;
    Sql::new(
        "INSERT INTO server_facts (name, since) VALUES ('api_keys_exist', $1) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(ts(key.create_time))
    .execute(conn)
    .await?;
    Ok(())
}

/// A key by id.
pub(crate) async fn fetch_key(conn: &mut Conn<'_>, id: &str) -> Result<Option<ApiKey>> {
    let row = Sql::new(format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(key_from_row).transpose()
}

/// Active keys that can manage keys, other than `id`.
pub(crate) async fn other_key_managers(conn: &mut Conn<'_>, id: &str) -> Result<i64> {
    Sql::new("SELECT COUNT(*) FROM api_keys WHERE revoke_time IS NULL AND role = $1 AND id <> $2")
        .bind(Role::Admin.as_str())
        .bind(id)
        .scalar(conn)
        .await
}

/// Marks a key revoked.
pub(crate) async fn mark_revoked(
    conn: &mut Conn<'_>,
    id: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    Sql::new("UPDATE api_keys SET revoke_time = $1 WHERE id = $2")
        .bind(ts(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl super::KeyStore for SqlStore {
    async fn list_keys(&self) -> Result<Vec<ApiKey>> {
        let rows = Sql::new(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY create_time, id"
        ))
        .fetch_all(&mut self.read().await?.conn())
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    async fn key_by_token_hash(&self, token_hash: &str) -> Result<Option<ApiKey>> {
        let row = Sql::new(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&mut self.read().await?.conn())
        .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    async fn active_key_count(&self) -> Result<i64> {
        Sql::new("SELECT COUNT(*) FROM api_keys WHERE revoke_time IS NULL")
            .scalar(&mut self.read().await?.conn())
            .await
    }

    async fn keys_exist(&self) -> Result<bool> {
        let found: Option<i64> =
            Sql::new("SELECT since FROM server_facts WHERE name = 'api_keys_exist'")
                .scalar_optional(&mut self.read().await?.conn())
                .await?;
        Ok(found.is_some())
    }

    async fn secret(&self, name: &str) -> Result<String> {
        // Two processes starting together agree on one value: the first
        // insert wins and both read it back.
        let (name, value) = (name.to_string(), access::new_secret());
        self.write(move |tx| {
            Box::pin(async move {
                Sql::new(
                    "INSERT INTO server_secrets (name, value) VALUES ($1, $2) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(&name)
                .bind(value)
                .execute(&mut tx.conn)
                .await?;
                Sql::new("SELECT value FROM server_secrets WHERE name = $1")
                    .bind(&name)
                    .scalar(&mut tx.conn)
                    .await
            })
        })
        .await
    }

    async fn request_submitter(&self, id: Uuid) -> Result<Option<String>> {
        let row = Sql::new("SELECT submitted_by FROM requests WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut self.read().await?.conn())
            .await?;
        match row {
            Some(r) => r.get_at(0),
            None => Err(request_not_found(id)),
        }
    }

    async fn request_by_number(&self, registration_number: &str) -> Result<Option<Request>> {
        let row = Sql::new(format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE registration_number = $1"
        ))
        .bind(registration_number)
        .fetch_optional(&mut self.read().await?.conn())
        .await?;
        row.as_ref().map(request_from_row).transpose()
    }
}
