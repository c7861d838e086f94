//! `ppid.v1.KeyService`: API keys over gRPC, for admins.
use tonic::{Request, Response, Status};

use super::{
    AppState,
    auth::{Caller, denied},
    convert::{self, Check, Text},
};
use crate::{
    domain::{
        Role,
        access::{self, ApiKey},
    },
    pb::ppid::v1::{self as pb, key_service_server::KeyService},
};

/// The key service.
pub struct KeyApi(pub AppState);

fn role_to_pb(r: Role) -> i32 {
    (match r {
        Role::Admin => pb::api_key::Role::Admin,
        Role::Officer => pb::api_key::Role::Officer,
        Role::Superior => pb::api_key::Role::Superior,
        Role::Intake => pb::api_key::Role::Intake,
        Role::Reader => pb::api_key::Role::Reader,
    }) as i32
}

fn role_from_pb(v: i32) -> Option<Role> {
    match pb::api_key::Role::try_from(v).ok()? {
        pb::api_key::Role::Admin => Some(Role::Admin),
        pb::api_key::Role::Officer => Some(Role::Officer),
        pb::api_key::Role::Superior => Some(Role::Superior),
        pb::api_key::Role::Intake => Some(Role::Intake),
        pb::api_key::Role::Reader => Some(Role::Reader),
        pb::api_key::Role::Unspecified => None,
    }
}

fn to_pb(k: &ApiKey) -> pb::ApiKey {
    pb::ApiKey {
        name: format!("keys/{}", k.id),
        display_name: k.name.clone(),
        role: role_to_pb(k.role),
        agency: k
            .agency_id
            .as_ref()
            .map(|a| format!("agencies/{a}"))
            .unwrap_or_default(),
        create_time: Some(convert::timestamp(k.create_time)),
        creator: k.created_by.clone(),
        revoke_time: k.revoke_time.map(convert::timestamp),
    }
}

impl KeyApi {
    /// Whether `caller` manages `key`: the operator all, an admin those of
    /// agencies in its Pemda.
    async fn manages(&self, caller: &Caller, agency_id: Option<&str>) -> Result<bool, Status> {
        match (caller, agency_id) {
            (Caller::Open { .. }, _) => Ok(true),
            (Caller::Key(p), _) if p.is_operator() => Ok(true),
            (Caller::Key(_), None) => Ok(false),
            (Caller::Key(_), Some(id)) => Ok(caller.reaches(&self.0.access.agency_path(id).await?)),
            (Caller::Public, _) => Ok(false),
        }
    }
}

#[tonic::async_trait]
impl KeyService for KeyApi {
    async fn create_api_key(
        &self,
        req: Request<pb::CreateApiKeyRequest>,
    ) -> Result<Response<pb::CreateApiKeyResponse>, Status> {
        let caller = Caller::of(&req);
        let body = req.into_inner();
        let mut c = Check::new();
        let Some(k) = body.api_key.as_ref() else {
            c.add("api_key", "is required");
            return Err(c.into_error().into());
        };
        let name = c.text("api_key.display_name", &k.display_name, Text::line(200));
        if let Some(why) = crate::domain::access::check_label(&k.display_name) {
            c.add("api_key.display_name", why);
        }
        let role = role_from_pb(k.role);
        if role.is_none() {
            c.add("api_key.role", "must be one of the ROLE_ values");
        }
        let agency = if k.agency.is_empty() {
            if role.is_some_and(|r| !matches!(r, Role::Admin | Role::Reader)) {
                c.add("api_key.agency", "is required for this role");
            }
            None
        } else {
            convert::agency_id(&mut c, "api_key.agency", &k.agency)
        };
        c.finish()?;
        let (Some(name), Some(role)) = (name, role) else {
            return Err(convert::missing());
        };
        if !self.manages(&caller, agency.as_deref()).await? {
            return Err(denied("this key may not make keys for that agency"));
        }
        let issued = access::issue_key();
        let key = ApiKey {
            id: issued.id.clone(),
            name,
            role,
            agency_id: agency,
            create_time: self.0.app.now(),
            created_by: caller.actor(),
            revoke_time: None,
        };
        let key = self.0.app.create_key(key, issued.token_hash).await?;
        self.0.access.invalidate();
        tracing::info!(key = %key.id, role = %key.role, "API key created");
        Ok(Response::new(pb::CreateApiKeyResponse {
            api_key: Some(to_pb(&key)),
            token: issued.token,
        }))
    }

    async fn list_api_keys(
        &self,
        req: Request<pb::ListApiKeysRequest>,
    ) -> Result<Response<pb::ListApiKeysResponse>, Status> {
        let caller = Caller::of(&req);
        let mut out = Vec::new();
        for k in self.0.app.list_keys().await? {
            if self.manages(&caller, k.agency_id.as_deref()).await? {
                out.push(to_pb(&k));
            }
        }
        Ok(Response::new(pb::ListApiKeysResponse { api_keys: out }))
    }

    async fn revoke_api_key(
        &self,
        req: Request<pb::RevokeApiKeyRequest>,
    ) -> Result<Response<pb::ApiKey>, Status> {
        let caller = Caller::of(&req);
        let name = &req.get_ref().name;
        let id = name.strip_prefix("keys/").filter(|id| {
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        let Some(id) = id else {
            let mut c = Check::new();
            c.add("name", "must be keys/{key}");
            return Err(c.into_error().into());
        };
        let Some(existing) = self
            .0
            .app
            .list_keys()
            .await?
            .into_iter()
            .find(|k| k.id == id)
        else {
            return Err(crate::error::Error::NotFound {
                kind: "api key",
                name: name.clone(),
            }
            .into());
        };
        if !self.manages(&caller, existing.agency_id.as_deref()).await? {
            return Err(denied("this key may not revoke that key"));
        }
        let k = self.0.app.revoke_key(id, false).await?;
        self.0.access.invalidate();
        tracing::info!(key = %k.id, "API key revoked");
        Ok(Response::new(to_pb(&k)))
    }
}
