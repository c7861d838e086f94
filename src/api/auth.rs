//! Who is calling, and may they call this method at all. A tower layer in
//! front of every service resolves the `authorization: Bearer` token to a
//! [`Caller`], checks the method against the role table below (deny by
//! default) and hands the caller to the handler, which checks the objects
//! (agency subtree, an intake's own requests) and masks personal data.
use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tonic::{Code, Status};

use crate::{
    app::App,
    domain::{
        Role,
        access::{self, Principal},
        agency::Agency,
    },
};

/// The caller of one call.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No keys exist: local use, everything allowed (announced at start).
    Open {
        /// Name for the history (`x-ppid-actor`, else "open mode").
        actor: String,
    },
    /// A valid API key.
    Key(Box<Principal>),
    /// No key.
    Public,
}

impl Caller {
    /// The caller of a request (set by the layer; `Public` when absent).
    pub fn of<T>(req: &tonic::Request<T>) -> Caller {
        req.extensions()
            .get::<Caller>()
            .cloned()
            .unwrap_or(Caller::Public)
    }

    /// The name written in event histories: the acting key.
    pub fn actor(&self) -> String {
        match self {
            Caller::Open { actor } => actor.clone(),
            Caller::Key(p) => p.actor(),
            Caller::Public => "public".into(),
        }
    }

    /// Whether the caller reaches the agency at `path`.
    pub fn reaches(&self, path: &str) -> bool {
        match self {
            Caller::Open { .. } => true,
            Caller::Key(p) => p.reaches(path),
            Caller::Public => false,
        }
    }

    /// PERMISSION_DENIED unless the caller reaches `agency`.
    pub fn require_reach(&self, agency: &Agency) -> Result<(), Status> {
        if self.reaches(&agency.path) {
            Ok(())
        } else {
            Err(denied(&format!(
                "this key does not reach agencies/{}",
                agency.id
            )))
        }
    }

    /// PERMISSION_DENIED unless the caller reaches agency `id` (NOT_FOUND
    /// when it does not exist).
    pub async fn require_agency(&self, access: &Authenticator, id: &str) -> Result<(), Status> {
        match self {
            Caller::Open { .. } => Ok(()),
            // The operator reaches everything that exists.
            Caller::Key(p) if p.scope.is_none() => access.agency_path(id).await.map(drop),
            _ => {
                let path = access.agency_path(id).await?;
                if self.reaches(&path) {
                    Ok(())
                } else {
                    Err(denied(&format!("this key does not reach agencies/{id}")))
                }
            }
        }
    }

    /// Whether the key is bound to an agency (or is an intake key): such a
    /// caller learns nothing of objects outside its reach, not even that
    /// they exist.
    pub fn is_scoped(&self) -> bool {
        matches!(self, Caller::Key(p) if p.scope.is_some() || p.role == Role::Intake)
    }

    /// For a scoped caller, "out of reach" and "does not exist" become one
    /// answer naming neither owner nor existence (AIP-211: permission is
    /// checked before existence). Others keep NOT_FOUND.
    pub fn conceal<T>(&self, r: Result<T, Status>) -> Result<T, Status> {
        match r {
            Err(s)
                if self.is_scoped()
                    && matches!(s.code(), Code::NotFound | Code::PermissionDenied) =>
            {
                Err(denied(OUT_OF_REACH))
            }
            other => other,
        }
    }

    /// PERMISSION_DENIED unless the caller may see and act on request `id`:
    /// its handling agency is within the key's reach, or, for an intake
    /// key, the key submitted it. One answer for out of reach and missing.
    pub async fn require_request(
        &self,
        access: &Authenticator,
        id: uuid::Uuid,
    ) -> Result<(), Status> {
        let checked = self.check_request(access, id).await;
        self.conceal(checked)
    }

    async fn check_request(&self, access: &Authenticator, id: uuid::Uuid) -> Result<(), Status> {
        match self {
            Caller::Open { .. } => Ok(()),
            Caller::Key(p) if p.role == Role::Intake => {
                let submitter = access.app.request_submitter(id).await?;
                if submitter.as_deref() == Some(p.key_id.as_str()) {
                    Ok(())
                } else {
                    Err(denied(
                        "an intake key reaches only the requests it submitted",
                    ))
                }
            }
            _ => {
                let r = access.app.get_request(id).await?;
                self.require_agency(access, &r.agency_id).await
            }
        }
    }

    /// An agency to narrow an unfiltered list to: an admin's or superior's
    /// Pemda, an officer's or reader's own agency (`None`: no narrowing).
    pub fn scope_agency(&self) -> Option<String> {
        match self {
            Caller::Key(p) => p.scope.as_ref().map(|a| a.id.clone()),
            _ => None,
        }
    }

    /// The agency a request list or export is filtered to, kept within the
    /// caller's reach: a named agency must be in it, and none means the
    /// key's own subtree. Returns the agency and whether its sub-agencies
    /// count.
    pub async fn filter_agency(
        &self,
        app: &App,
        named: Option<String>,
        include_sub_agencies: bool,
    ) -> Result<(Option<Agency>, bool), Status> {
        let agency = match named {
            Some(id) => app.get_agency(&id).await?,
            None => match self.scope_agency() {
                Some(scope) => return Ok((Some(app.get_agency(&scope).await?), true)),
                None => return Ok((None, include_sub_agencies)),
            },
        };
        self.require_reach(&agency)?;
        Ok((Some(agency), include_sub_agencies))
    }

    /// Whether the caller handles requests (admins and officers, or open
    /// mode), and so sees personal data in what it lists within its reach.
    pub fn handles_requests(&self) -> bool {
        match self {
            Caller::Open { .. } => true,
            Caller::Key(p) => matches!(p.role, Role::Admin | Role::Officer),
            Caller::Public => false,
        }
    }

    /// PERMISSION_DENIED unless agency `id` is within the caller's reach or
    /// above it: a DIK entry of the Pemda covers its OPDs, so their officers
    /// read it; another OPD's DIK is out of reach.
    pub async fn require_related(&self, access: &Authenticator, id: &str) -> Result<(), Status> {
        let p = match self {
            Caller::Open { .. } => return Ok(()),
            // Correct on its own, whatever the method table admits.
            Caller::Public => return Err(denied("this needs an API key")),
            Caller::Key(p) => p,
        };
        let path = access.agency_path(id).await?;
        let above = p.scope_path().is_none_or(|scope| scope.starts_with(&path));
        if above || self.reaches(&path) {
            Ok(())
        } else {
            Err(denied(&format!("this key does not reach agencies/{id}")))
        }
    }

    /// Whether requesters' personal data of requests handled at `path` may
    /// be shown in full.
    pub fn sees_personal_data(&self, path: &str) -> bool {
        match self {
            Caller::Open { .. } => true,
            Caller::Key(p) => p.sees_personal_data(path),
            Caller::Public => false,
        }
    }

    /// Whether the caller reads live figures and rankings (not only what
    /// is published): admins, officers and readers, or open mode.
    pub fn sees_figures(&self) -> bool {
        match self {
            Caller::Open { .. } => true,
            Caller::Key(p) => SEES_FIGURES.contains(&p.role),
            Caller::Public => false,
        }
    }

    /// The key's role, if any.
    pub fn role(&self) -> Option<Role> {
        match self {
            Caller::Key(p) => Some(p.role),
            _ => None,
        }
    }

    /// The key id, if any.
    pub fn key_id(&self) -> Option<&str> {
        match self {
            Caller::Key(p) => Some(&p.key_id),
            _ => None,
        }
    }

    /// PERMISSION_DENIED unless the caller is the operator (an admin bound
    /// to no agency) or the server is open: national settings.
    pub fn require_operator(&self, what: &str) -> Result<(), Status> {
        match self {
            Caller::Open { .. } => Ok(()),
            Caller::Key(p) if p.is_operator() => Ok(()),
            _ => Err(denied(&format!(
                "{what} needs an admin key bound to no agency"
            ))),
        }
    }
}

fn too_many_failures() -> Status {
    Status::resource_exhausted("too many failed authentications from this address; wait a minute")
}

/// See [`Authenticator::client_ip`].
pub fn client_ip(
    trusted: &[ipnet::IpNet],
    peer: Option<IpAddr>,
    headers: &http::HeaderMap,
) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let chain: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        chain
            .iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .or(chain.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// What a scoped caller hears of an object outside its reach, and of one
/// that does not exist.
pub const OUT_OF_REACH: &str =
    "not within this key's reach, or no such object: ask the agency that handles it";

/// PERMISSION_DENIED with the ErrorInfo reason PERMISSION_DENIED.
pub fn denied(message: &str) -> Status {
    denied_because("PERMISSION_DENIED", message)
}

/// PERMISSION_DENIED with an ErrorInfo reason.
pub fn denied_because(reason: &str, message: &str) -> Status {
    use tonic_types::{ErrorDetails, StatusExt};
    let d = ErrorDetails::with_error_info(reason, super::error::ERROR_DOMAIN, HashMap::new());
    Status::with_error_details(Code::PermissionDenied, message, d)
}

/// Who may call a method (`None`: unknown method, denied to keys).
#[derive(Debug, Clone, Copy)]
struct Rule {
    roles: &'static [Role],
    public: bool,
}

const ALL: &[Role] = &[
    Role::Admin,
    Role::Officer,
    Role::Superior,
    Role::Intake,
    Role::Reader,
];
const ADMIN: &[Role] = &[Role::Admin];
const STAFF: &[Role] = &[Role::Admin, Role::Officer];
const DESK: &[Role] = &[Role::Admin, Role::Officer, Role::Intake];
const SEES_FIGURES: &[Role] = &[Role::Admin, Role::Officer, Role::Reader];
const OBJECTIONS: &[Role] = &[Role::Admin, Role::Officer, Role::Superior];
const DECIDES: &[Role] = &[Role::Admin, Role::Superior];
/// Who works the worklist: the PPID, its officers and the atasan (who
/// answers objections).
const WORKS: &[Role] = &[Role::Admin, Role::Officer, Role::Superior];
/// Who follows the event feed: a portal's key (admin or officer), the
/// atasan, reporting jobs (events carry no personal data).
const FOLLOWS: &[Role] = &[Role::Admin, Role::Officer, Role::Superior, Role::Reader];

/// The role table: every method of every service, by full gRPC path.
fn rule(path: &str) -> Option<Rule> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    let keyed = |roles| Rule {
        roles,
        public: false,
    };
    let public = Rule {
        roles: ALL,
        public: true,
    };
    Some(match (service, method) {
        // Health and reflection describe the server, nothing more.
        ("grpc.health.v1.Health", _)
        | ("grpc.reflection.v1.ServerReflection", _)
        | ("grpc.reflection.v1alpha.ServerReflection", _) => public,
        ("ppid.v1.AgencyService", "GetAgency" | "ListAgencies") => public,
        ("ppid.v1.AgencyService", "CreateAgency" | "UpdateAgency") => keyed(ADMIN),
        ("ppid.v1.AgencyService", "CreateTariff") => keyed(STAFF),
        ("ppid.v1.AgencyService", "ListTariffs") => keyed(ALL),
        ("ppid.v1.CalendarService", "ListHolidays" | "ComputeDeadline") => keyed(STAFF),
        ("ppid.v1.CalendarService", "AddHoliday" | "RemoveHoliday") => keyed(ADMIN),
        ("ppid.v1.ExemptionService", "CreateExemption" | "RevokeExemption" | "CheckExemption") => {
            keyed(STAFF)
        }
        ("ppid.v1.ExemptionService", "GetExemption" | "ListExemptions") => keyed(SEES_FIGURES),
        ("ppid.v1.IndicatorService", "GetRanking") => public,
        ("ppid.v1.IndicatorService", "GetAgencyStatistics" | "ExplainScore") => keyed(SEES_FIGURES),
        ("ppid.v1.IndicatorService", "GetScoringPolicy") => keyed(SEES_FIGURES),
        (
            "ppid.v1.IndicatorService",
            "SetScoringPolicy" | "RecordAssessment" | "PublishRanking",
        ) => keyed(ADMIN),
        ("ppid.v1.ObjectionService", "FileObjection") => keyed(STAFF),
        (
            "ppid.v1.ObjectionService",
            "GetObjection" | "ListObjections" | "GetDispute" | "ListDisputes",
        ) => keyed(OBJECTIONS),
        ("ppid.v1.ObjectionService", "DecideObjection") => keyed(DECIDES),
        (
            "ppid.v1.ObjectionService",
            "FileDispute" | "RecordDisputeOutcome" | "RecordDisputeStep" | "RecordAnswerReceipt",
        ) => keyed(STAFF),
        ("ppid.v1.RequestService", "TrackRequest") => public,
        ("ppid.v1.RequestService", "GetWorkload") => keyed(WORKS),
        (
            "ppid.v1.RequestService",
            "SubmitRequest" | "GetRequest" | "ListRequests" | "GetRequestHistory",
        ) => keyed(DESK),
        (
            "ppid.v1.RequestService",
            "Resubmit"
            | "WithdrawRequest"
            | "ReturnForCompletion"
            | "ForwardRequest"
            | "ExtendRequest"
            | "RespondRequest"
            | "RecordDelivery"
            | "RecordNoticeReceipt",
        ) => keyed(STAFF),
        // A published annual report is public; the handler keeps an
        // unpublished one to the roles that see figures.
        ("ppid.v1.ReportService", "GetAnnualReport") => public,
        ("ppid.v1.ReportService", "RecordReportNarrative") => keyed(STAFF),
        ("ppid.v1.ReportService", "PublishAnnualReport") => keyed(DECIDES),
        ("ppid.v1.ReportService", _) => keyed(SEES_FIGURES),
        ("ppid.v1.EventService", _) => keyed(FOLLOWS),
        // Letters go to requesters from the PPID and the atasan PPID.
        ("ppid.v1.LetterService", "RenderLetter") => keyed(WORKS),
        ("ppid.v1.KeyService", _) => keyed(ADMIN),
        // The DIP is public by law: reading it needs no key; its officers
        // (or an administrator) write it.
        (
            "ppid.v1.PublicInformationService",
            "GetDipEntry" | "ListDipEntries" | "GetDipCoverage" | "GetDipChecklist" | "ExportDip",
        ) => public,
        (
            "ppid.v1.PublicInformationService",
            "CreateDipEntry" | "PublishDipVersion" | "WithdrawDipEntry",
        ) => keyed(STAFF),
        ("ppid.v1.PublicInformationService", "SetDipChecklist") => keyed(ADMIN),
        _ => return None,
    })
}

/// How long a resolved token (or the "no keys exist" answer) is trusted
/// before the database is asked again. Keys created or revoked through this
/// process take effect at once; through another process within this time.
const CACHE_TTL: Duration = Duration::from_secs(10);

/// Resolves tokens to callers, with a short cache.
pub struct Authenticator {
    app: App,
    /// Token hash -> principal (`None`: unknown or revoked), bounded in
    /// size and time, so random tokens cannot grow it.
    keys: moka::sync::Cache<String, Option<Principal>>,
    /// Agency id -> path: a path never changes (an agency cannot move or be
    /// deleted), so it is cached for good.
    paths: Mutex<HashMap<String, String>>,
    /// When the database was last seen without any key ever created.
    open_seen: Mutex<Option<Instant>>,
    /// A key has existed: open mode is over for good (never reset).
    closed: std::sync::atomic::AtomicBool,
    /// This process has served in open mode (so its end is news).
    was_open: std::sync::atomic::AtomicBool,
    track_limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Failed authentications per client address.
    failed_limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses past their failed-authentication quota, for a minute:
    /// their unknown tokens are refused without asking the database.
    blocked: moka::sync::Cache<IpAddr, ()>,
    trusted_proxies: Vec<ipnet::IpNet>,
    tracking_secret: tokio::sync::OnceCell<String>,
}

/// The client's address as the server judges it (the peer, or the
/// address a trusted proxy forwarded), for rate limits.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl Authenticator {
    /// The authenticator of a server with `settings`.
    pub fn new(app: App, settings: &super::ServerSettings) -> Self {
        let per_minute =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        Self {
            app,
            keys: moka::sync::Cache::builder()
                .max_capacity(settings.token_cache_entries.max(1))
                .time_to_live(CACHE_TTL)
                .build(),
            paths: Mutex::default(),
            open_seen: Mutex::default(),
            closed: std::sync::atomic::AtomicBool::new(!settings.allow_open),
            was_open: std::sync::atomic::AtomicBool::default(),
            track_limiter: RateLimiter::keyed(per_minute(settings.track_per_minute)),
            failed_limiter: RateLimiter::keyed(per_minute(settings.failed_auth_per_minute)),
            blocked: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            trusted_proxies: settings.trusted_proxies.clone(),
            tracking_secret: tokio::sync::OnceCell::new(),
        }
    }

    /// The client of a call from `peer`: the peer itself, unless it is a
    /// trusted proxy; then the right-most address of X-Forwarded-For that
    /// is not a trusted proxy (a client can prepend anything to the header,
    /// so only what trusted proxies appended counts).
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &http::HeaderMap) -> Option<IpAddr> {
        client_ip(&self.trusted_proxies, peer, headers)
    }

    /// Forgets rate-limit state of addresses not seen lately (called every
    /// minute), so the limiters' memory follows the active clients.
    pub fn prune(&self) {
        for l in [&self.track_limiter, &self.failed_limiter] {
            l.retain_recent();
            l.shrink_to_fit();
        }
        self.keys.run_pending_tasks();
        self.blocked.run_pending_tasks();
    }

    /// The public tracking code of a request.
    pub async fn tracking_code(&self, request_id: &uuid::Uuid) -> Result<String, Status> {
        let secret = self
            .tracking_secret
            .get_or_try_init(|| async { self.app.secret("tracking_code").await })
            .await
            .map_err(Status::from)?;
        Ok(access::tracking_code(
            secret.as_bytes(),
            &request_id.to_string(),
        ))
    }

    /// The path of agency `id` (NOT_FOUND when it does not exist).
    pub async fn agency_path(&self, id: &str) -> Result<String, Status> {
        if let Some(p) = self.paths.lock().unwrap_or_else(|e| e.into_inner()).get(id) {
            return Ok(p.clone());
        }
        let path = self.app.get_agency(id).await?.path;
        self.paths
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string(), path.clone());
        Ok(path)
    }

    /// Forgets cached answers (after a key is created or revoked here).
    pub fn invalidate(&self) {
        self.keys.invalidate_all();
        *self.open_seen.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Whether the server runs open now: open mode is allowed and no key
    /// was ever created. Once a key has existed this stays false for the
    /// life of the process (and of the database: `keys_exist` is a
    /// persisted fact), whatever is revoked later.
    pub async fn is_open(&self) -> Result<bool, Status> {
        use std::sync::atomic::Ordering;
        if self.closed.load(Ordering::Acquire) {
            return Ok(false);
        }
        if let Some(at) = *self.open_seen.lock().unwrap_or_else(|e| e.into_inner())
            && at.elapsed() < CACHE_TTL
        {
            return Ok(true);
        }
        if self.app.keys_exist().await.map_err(Status::from)? {
            if !self.closed.swap(true, Ordering::AcqRel) && self.was_open.load(Ordering::Acquire) {
                tracing::warn!(
                    "OPEN MODE ENDED: an API key exists, so calls without a key are public \
                     only from now on; open mode never returns on this database"
                );
            }
            return Ok(false);
        }
        *self.open_seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        self.was_open.store(true, Ordering::Release);
        Ok(true)
    }

    /// RESOURCE_EXHAUSTED when the client `addr` tracks too often.
    pub fn check_track_rate(&self, addr: Option<IpAddr>) -> Result<(), Status> {
        let ip = addr.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        self.track_limiter.check_key(&ip).map_err(|_| {
            Status::resource_exhausted(
                "too many tracking attempts from this address; wait a minute",
            )
        })
    }

    async fn caller(
        &self,
        headers: &http::HeaderMap,
        client: Option<IpAddr>,
    ) -> Result<Caller, Status> {
        let token = match headers.get(http::header::AUTHORIZATION) {
            None => None,
            Some(v) => Some(
                v.to_str()
                    .ok()
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        Status::unauthenticated("authorization must be `Bearer <token>`")
                    })?,
            ),
        };
        if self.is_open().await? {
            let actor = headers
                .get("x-ppid-actor")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.len() <= 100 && access::check_label(s).is_none())
                .map_or_else(|| "open mode".to_string(), str::to_string);
            return Ok(Caller::Open { actor });
        }
        let Some(token) = token else {
            return Ok(Caller::Public);
        };
        let hash = access::token_hash(token);
        let principal = match self.keys.get(&hash) {
            Some(p) => p,
            None => {
                let ip = client.unwrap_or(IpAddr::from([0, 0, 0, 0]));
                if self.blocked.contains_key(&ip) {
                    return Err(too_many_failures());
                }
                let p = self.resolve(&hash).await?;
                self.keys.insert(hash, p.clone());
                if p.is_none() && self.failed_limiter.check_key(&ip).is_err() {
                    self.blocked.insert(ip, ());
                    tracing::warn!(client = %ip, "too many failed authentications: refused for a minute");
                    return Err(too_many_failures());
                }
                p
            }
        };
        principal
            .map(|p| Caller::Key(Box::new(p)))
            .ok_or_else(|| Status::unauthenticated("unknown or revoked API key"))
    }

    async fn resolve(&self, hash: &str) -> Result<Option<Principal>, Status> {
        let Some(key) = self
            .app
            .key_by_token_hash(hash)
            .await
            .map_err(Status::from)?
        else {
            return Ok(None);
        };
        if key.revoke_time.is_some() {
            return Ok(None);
        }
        let agency = match &key.agency_id {
            Some(id) => Some(self.app.get_agency(id).await.map_err(Status::from)?),
            None => None,
        };
        // Only admins and superiors reach their whole Pemda.
        let pemda = match &agency {
            Some(a) if a.pemda_id != a.id && matches!(key.role, Role::Admin | Role::Superior) => {
                Some(
                    self.app
                        .get_agency(&a.pemda_id)
                        .await
                        .map_err(Status::from)?,
                )
            }
            _ => None,
        };
        Ok(Some(Principal::new(&key, agency, pemda)))
    }

    /// The caller of `path`, or the status refusing it.
    async fn admit(
        &self,
        path: &str,
        headers: &http::HeaderMap,
        client: Option<IpAddr>,
    ) -> Result<Caller, Status> {
        let caller = self.caller(headers, client).await?;
        let rule = rule(path);
        match (&caller, rule) {
            (Caller::Open { .. }, _) => Ok(caller),
            (_, None) => Err(denied("no role may call this method")),
            (Caller::Public, Some(r)) if r.public => Ok(caller),
            (Caller::Public, Some(_)) => Err(Status::unauthenticated(
                "this method needs an API key (authorization: Bearer <token>)",
            )),
            (Caller::Key(p), Some(r)) if r.roles.contains(&p.role) => Ok(caller),
            (Caller::Key(p), Some(_)) => {
                Err(denied(&format!("the {} role may not call {path}", p.role)))
            }
        }
    }
}

/// The tower layer that admits calls.
#[derive(Clone)]
pub struct AuthLayer(pub Arc<Authenticator>);

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            auth: self.0.clone(),
            inner,
        }
    }
}

/// See [`AuthLayer`].
#[derive(Clone)]
pub struct AuthService<S> {
    auth: Arc<Authenticator>,
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        // The clone is ready only after poll_ready; keep the ready one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            // No exception for OPTIONS: CORS preflights are answered by the
            // CORS layer outside this one; here every request is admitted or
            // refused on its own (deny unless open mode or a rule admits it).
            let peer = req
                .extensions()
                .get::<tonic::transport::server::TcpConnectInfo>()
                .and_then(|i| i.remote_addr())
                .map(|a| a.ip());
            let client = auth.client_ip(peer, req.headers());
            if let Some(ip) = client {
                req.extensions_mut().insert(ClientAddr(ip));
            }
            // The portal's pages are the server's own (RULINGS): no key,
            // and no path of theirs reaches a gRPC service.
            if crate::portal::is_portal_path(req.uri().path()) {
                return inner.call(req).await;
            }
            match auth.admit(req.uri().path(), req.headers(), client).await {
                Ok(caller) => {
                    req.extensions_mut().insert(caller);
                    inner.call(req).await
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_behind_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // (peer, X-Forwarded-For, client)
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("203.0.113.7", Some("198.51.100.1"), "203.0.113.7"), // untrusted peer: its own address
            ("127.0.0.1", None, "127.0.0.1"),
            ("127.0.0.1", Some("198.51.100.1"), "198.51.100.1"),
            // The right-most address not of a trusted proxy; what the client
            // wrote before it is ignored.
            (
                "127.0.0.1",
                Some("192.0.2.9, 198.51.100.1, 10.1.2.3"),
                "198.51.100.1",
            ),
            ("127.0.0.1", Some("10.1.2.3"), "10.1.2.3"), // only proxies: the first
            ("127.0.0.1", Some("not-an-address"), "127.0.0.1"),
        ];
        for (peer, xff, want) in cases {
            let mut h = http::HeaderMap::new();
            if let Some(x) = xff {
                h.insert("x-forwarded-for", x.parse().unwrap());
            }
            assert_eq!(
                client_ip(&trusted, Some(ip(peer)), &h),
                Some(ip(want)),
                "{peer} {xff:?}"
            );
        }
        assert_eq!(client_ip(&trusted, None, &http::HeaderMap::new()), None);
    }
}
