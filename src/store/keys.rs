// API keys and server secrets (included by `sqlite.rs` and `postgres.rs`).

fn key_from_row(r: &DbRow) -> Result<crate::domain::access::ApiKey> {
    Ok(crate::domain::access::ApiKey {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: parse_named(
            &r.try_get::<String, _>("role")?,
            crate::domain::Role::parse,
            "role",
        )?,
        agency_id: r.try_get("agency_id")?,
        create_time: from_ts(r.try_get("create_time")?)?,
        created_by: r.try_get("created_by")?,
        revoke_time: opt_ts(r.try_get("revoke_time")?)?,
    })
}

#[async_trait::async_trait]
impl crate::store::KeyStore for SqlStore {
    async fn create_key(
        &self,
        key: &crate::domain::access::ApiKey,
        token_hash: &str,
    ) -> Result<()> {
        let mut tx = begin_write(&self.pool).await?;
        if let Some(agency) = &key.agency_id
            && fetch_agency(&mut tx, agency).await?.is_none()
        {
            return Err(agency_not_found(agency));
        }
        sqlx::query(
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
        .execute(&mut *tx)
        .await?;
        // Once a key has existed, open mode never returns.
        sqlx::query(
            "INSERT INTO server_facts (name, since) VALUES ('api_keys_exist', $1) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(ts(key.create_time))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_keys(&self) -> Result<Vec<crate::domain::access::ApiKey>> {
        let rows = sqlx::query(
            "SELECT id, name, role, agency_id, create_time, created_by, revoke_time \
             FROM api_keys ORDER BY create_time, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    async fn revoke_key(
        &self,
        id: &str,
        now: Timestamp,
        force: bool,
    ) -> Result<crate::domain::access::ApiKey> {
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query(
            "SELECT id, name, role, agency_id, create_time, created_by, revoke_time \
             FROM api_keys WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut key = match row {
            Some(r) => key_from_row(&r)?,
            None => {
                return Err(Error::NotFound {
                    kind: "api key",
                    name: format!("keys/{id}"),
                });
            }
        };
        if key.revoke_time.is_some() {
            return Ok(key);
        }
        let other_managers: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_keys WHERE revoke_time IS NULL AND role = $1 AND id <> $2",
        )
        .bind(crate::domain::Role::Admin.as_str())
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if !force && crate::domain::access::revoking_leaves_no_manager(&key, other_managers) {
            return Err(Error::precondition(
                "LAST_KEY_MANAGER",
                format!(
                    "keys/{id} is the last active admin key: revoking it would leave no key that \
                     can manage keys (create another admin key first; `ppid keys revoke --force` \
                     on the database overrides)"
                ),
            ));
        }
        sqlx::query("UPDATE api_keys SET revoke_time = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        key.revoke_time = Some(now);
        Ok(key)
    }

    async fn key_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<crate::domain::access::ApiKey>> {
        let row = sqlx::query(
            "SELECT id, name, role, agency_id, create_time, created_by, revoke_time \
             FROM api_keys WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    async fn active_key_count(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE revoke_time IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn keys_exist(&self) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT since FROM server_facts WHERE name = 'api_keys_exist'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    async fn secret(&self, name: &str) -> Result<String> {
        // Two processes starting together agree on one value: the first
        // insert wins and both read it back.
        sqlx::query(
            "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(crate::domain::access::new_secret())
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn request_submitter(&self, id: Uuid) -> Result<Option<String>> {
        let row: Option<Option<String>> =
            sqlx::query_scalar("SELECT submitted_by FROM requests WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some(s) => Ok(s),
            None => Err(request_not_found(id)),
        }
    }

    async fn request_by_number(&self, registration_number: &str) -> Result<Option<Request>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM requests WHERE registration_number = $1"
        ))
        .bind(registration_number)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(request_from_row).transpose()
    }
}
