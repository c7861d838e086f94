//! `spawn_app(backend)`: a server on 127.0.0.1:0 over a fresh database, with
//! typed clients and a clock the test sets.
use std::{sync::Arc, time::Duration};

use jiff::Timestamp;
use ppid::{
    api::AppState,
    clock::ManualClock,
    pb::ppid::v1::{
        self as pb, agency_service_client::AgencyServiceClient,
        calendar_service_client::CalendarServiceClient,
        exemption_service_client::ExemptionServiceClient,
        indicator_service_client::IndicatorServiceClient,
        letter_service_client::LetterServiceClient,
        objection_service_client::ObjectionServiceClient,
        report_service_client::ReportServiceClient, request_service_client::RequestServiceClient,
    },
    store::{self, StoreSettings},
};
use tonic::{Request, transport::Channel};

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server at this URL.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `PPID_TEST_DATABASE_URL` is set; `None` (skip) otherwise.
    pub fn postgres() -> Option<Self> {
        match std::env::var("PPID_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ => {
                static ONCE: std::sync::Once = std::sync::Once::new();
                ONCE.call_once(|| {
                    eprintln!("PostgreSQL API suite skipped: set PPID_TEST_DATABASE_URL")
                });
                None
            }
        }
    }
}

/// Runs each named `async fn(Backend)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(b) = $crate::helpers::Backend::postgres() {
                    super::$name(b).await;
                }
            }
        }
    )+};
}

/// A database that exists for one test.
pub struct TestDb {
    /// URL to give the server.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

impl TestDb {
    /// Creates a fresh database.
    pub async fn new(backend: &Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("ppid.db").to_string_lossy().into_owned();
                TestDb {
                    url,
                    _dir: Some(dir),
                    drop_pg: None,
                }
            }
            Backend::Postgres(admin_url) => {
                let name = format!("ppid_api_{}", uuid::Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(admin_url)
                    .await
                    .expect("PPID_TEST_DATABASE_URL is set but PostgreSQL cannot be reached");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&admin)
                    .await
                    .expect("create test database");
                admin.close().await;
                TestDb {
                    url: with_database(admin_url, &name),
                    _dir: None,
                    drop_pg: Some((admin_url.clone(), name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.drop_pg.take() {
            // Drop runs outside async; use a runtime of its own on a thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let admin = sqlx::PgPool::connect(&admin_url).await.ok()?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await
                    .ok()?;
                    admin.close().await;
                    Some(())
                })
            })
            .join();
        }
    }
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A running server and its clients.
pub struct TestApp {
    /// The port.
    pub port: u16,
    /// The metrics endpoint's port, if it has one.
    pub metrics_port: Option<u16>,
    /// The server's clock.
    pub clock: ManualClock,
    /// Clients.
    pub agencies: AgencyServiceClient<Channel>,
    /// Clients.
    pub requests: RequestServiceClient<Channel>,
    /// Clients.
    pub calendar: CalendarServiceClient<Channel>,
    /// Clients.
    pub exemptions: ExemptionServiceClient<Channel>,
    /// Clients.
    pub objections: ObjectionServiceClient<Channel>,
    /// Clients.
    pub indicators: IndicatorServiceClient<Channel>,
    /// Clients.
    pub reports: ReportServiceClient<Channel>,
    /// Clients.
    pub letters: LetterServiceClient<Channel>,
    /// The channel, for other clients (health, reflection).
    pub channel: Channel,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Kept last so the database outlives the server.
    _db: Arc<TestDb>,
}

/// "Now" in tests unless a test moves it: Monday 2 March 2026, 09:00 WIB.
pub fn default_now() -> Timestamp {
    "2026-03-02T02:00:00Z".parse().unwrap()
}

/// TrackRequest attempts per client address per minute on test servers.
pub const TRACK_PER_MINUTE: u32 = 5;

/// Starts a server on a fresh database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, StoreSettings::default()).await
}

/// Starts a server on a fresh database with settings.
pub async fn spawn_app_with(backend: Backend, settings: StoreSettings) -> TestApp {
    let db = Arc::new(TestDb::new(&backend).await);
    spawn_on(db, settings).await
}

/// Starts a server on a fresh database with the server's guards set.
pub async fn spawn_app_guarded(backend: Backend, server: ppid::api::ServerSettings) -> TestApp {
    let db = Arc::new(TestDb::new(&backend).await);
    spawn_on_with(db, StoreSettings::default(), server).await
}

/// Starts another server on an existing database (several processes sharing
/// one PostgreSQL database).
pub async fn spawn_on(db: Arc<TestDb>, settings: StoreSettings) -> TestApp {
    let server = ppid::api::ServerSettings {
        track_per_minute: TRACK_PER_MINUTE,
        ..ppid::api::ServerSettings::default()
    };
    spawn_on_with(db, settings, server).await
}

/// [`spawn_on`] with the server's guards.
pub async fn spawn_on_with(
    db: Arc<TestDb>,
    settings: StoreSettings,
    server: ppid::api::ServerSettings,
) -> TestApp {
    start(db, settings, server, false).await
}

/// Starts a server on a fresh database with its metrics endpoint on port 0
/// ([`TestApp::metrics_port`]).
pub async fn spawn_app_metered(backend: Backend, server: ppid::api::ServerSettings) -> TestApp {
    let db = Arc::new(TestDb::new(&backend).await);
    start(db, StoreSettings::default(), server, true).await
}

async fn start(
    db: Arc<TestDb>,
    settings: StoreSettings,
    server: ppid::api::ServerSettings,
    metered: bool,
) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        ppid::telemetry::init(ppid::config::LogFormat::Text);
    }
    let store = store::connect(&db.url, settings).await.expect("open store");
    let clock = ManualClock::new(default_now());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().unwrap().port();
    let metrics = if metered {
        Some(
            tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind metrics"),
        )
    } else {
        None
    };
    let metrics_port = metrics.as_ref().map(|l| l.local_addr().unwrap().port());
    // Open mode until a test creates a key; 5 tracking attempts a minute.
    let state = AppState::new(store, Arc::new(clock.clone()), server);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        ppid::serve_with_metrics(
            listener,
            metrics,
            state,
            async {
                let _ = stopped.await;
            },
            Duration::from_secs(5),
        )
        .await
        .expect("server");
    });
    let url = format!("http://127.0.0.1:{port}");
    let channel = Channel::from_shared(url.clone())
        .unwrap()
        .connect()
        .await
        .expect("connect");
    TestApp {
        port,
        metrics_port,
        clock,
        agencies: AgencyServiceClient::new(channel.clone()),
        requests: RequestServiceClient::new(channel.clone()),
        calendar: CalendarServiceClient::new(channel.clone()),
        exemptions: ExemptionServiceClient::new(channel.clone()),
        objections: ObjectionServiceClient::new(channel.clone()),
        indicators: IndicatorServiceClient::new(channel.clone()),
        reports: ReportServiceClient::new(channel.clone()),
        letters: LetterServiceClient::new(channel.clone()),
        channel,
        stop: Some(stop),
        server: Some(server),
        _db: db,
    }
}

impl TestApp {
    /// The URL of the server's database (for tools that read it directly).
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// The test's database, to start another server on it.
    pub fn db(&self) -> Arc<TestDb> {
        self._db.clone()
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
    }

    /// Sets the server's clock.
    pub fn set_now(&self, t: &str) {
        self.clock.set(t.parse().expect("timestamp"));
    }

    /// Creates a Pemda.
    pub async fn pemda(&mut self, id: &str) -> pb::Agency {
        self.create_agency(id, pb::agency::Kind::Pemda, None).await
    }

    /// Creates an OPD under `parent`.
    pub async fn opd(&mut self, id: &str, parent: &str) -> pb::Agency {
        self.create_agency(id, pb::agency::Kind::Opd, Some(parent))
            .await
    }

    /// Creates an agency.
    pub async fn create_agency(
        &mut self,
        id: &str,
        kind: pb::agency::Kind,
        parent: Option<&str>,
    ) -> pb::Agency {
        self.agencies
            .create_agency(pb::CreateAgencyRequest {
                agency_id: id.into(),
                agency: Some(pb::Agency {
                    display_name: format!("Agency {id}"),
                    kind: kind as i32,
                    parent: parent.map(|p| format!("agencies/{p}")).unwrap_or_default(),
                    ..Default::default()
                }),
            })
            .await
            .expect("create agency")
            .into_inner()
    }

    /// Submits a valid request to `agency` received at `receive_time`.
    pub async fn submit(&mut self, agency: &str, receive_time: &str) -> pb::InformationRequest {
        self.requests
            .submit_request(submission(agency, receive_time))
            .await
            .expect("submit")
            .into_inner()
    }

    /// Every request of the database (all pages).
    pub async fn all_requests(&mut self) -> Vec<pb::InformationRequest> {
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let page = self
                .requests
                .list_requests(pb::ListRequestsRequest {
                    page_token: token,
                    page_size: 1000,
                    ..Default::default()
                })
                .await
                .expect("list")
                .into_inner();
            out.extend(page.requests);
            if page.next_page_token.is_empty() {
                return out;
            }
            token = page.next_page_token;
        }
    }

    /// Answers request `name` in full, to be delivered by email as PDF,
    /// with `text` as the notice.
    pub async fn grant(&mut self, name: &str, text: &str) -> pb::InformationRequest {
        self.requests
            .respond_request(pb::RespondRequestRequest {
                name: name.into(),
                notice: Some(pb::Notice {
                    outcome: pb::notice::Outcome::Granted as i32,
                    notice_text: text.into(),
                    delivery_method: pb::DeliveryMethod::Email as i32,
                    format: "PDF".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .expect("grant")
            .into_inner()
    }

    /// The event types of a request's history.
    pub async fn history(&mut self, name: &str) -> Vec<pb::RequestEvent> {
        self.requests
            .get_request_history(pb::GetRequestHistoryRequest { name: name.into() })
            .await
            .expect("history")
            .into_inner()
            .events
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Wraps a message with a bearer token.
pub fn with<T>(msg: T, token: &str) -> Request<T> {
    let mut r = Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

/// Creates an API key of `role` for `agency` (an id; empty for none), made
/// with the key `by` (none: in open mode); returns its token.
pub async fn api_key(
    app: &TestApp,
    by: Option<&str>,
    role: pb::api_key::Role,
    agency: &str,
) -> String {
    let msg = pb::CreateApiKeyRequest {
        api_key: Some(pb::ApiKey {
            display_name: format!("{role:?}"),
            role: role as i32,
            agency: if agency.is_empty() {
                String::new()
            } else {
                format!("agencies/{agency}")
            },
            ..Default::default()
        }),
    };
    let mut keys =
        ppid::pb::ppid::v1::key_service_client::KeyServiceClient::new(app.channel.clone());
    let req = match by {
        Some(t) => with(msg, t),
        None => Request::new(msg),
    };
    keys.create_api_key(req).await.unwrap().into_inner().token
}

/// Personal data used in fixtures, so tests can look for leaks.
pub const NIK: &str = "3673019876543210";
/// Fixture phone.
pub const PHONE: &str = "081298765432";
/// Fixture email.
pub const EMAIL: &str = "siti.rahayu@contoh.id";

/// A valid submission with a fresh request_id.
pub fn submission(agency: &str, receive_time: &str) -> pb::SubmitRequestRequest {
    pb::SubmitRequestRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        request: Some(pb::InformationRequest {
            agency: format!("agencies/{agency}"),
            requester: Some(pb::Requester {
                full_name: "Siti Rahayu".into(),
                r#type: pb::requester::Type::Individual as i32,
                nik: NIK.into(),
                address: "Jl. Ki Mas Jong No. 5, Serang".into(),
                phone: PHONE.into(),
                email: EMAIL.into(),
                occupation: "Peneliti".into(),
                ..Default::default()
            }),
            information_requested: "Anggaran program penurunan stunting per kecamatan, 2025".into(),
            purpose: "Penelitian kebijakan kesehatan".into(),
            access_method: pb::AccessMethod::Copy as i32,
            copy_form: pb::CopyForm::Softcopy as i32,
            delivery_method: pb::DeliveryMethod::Email as i32,
            channel: pb::Channel::WebForm as i32,
            receive_time: (!receive_time.is_empty()).then(|| ts(receive_time)),
            ..Default::default()
        }),
    }
}

/// A wire timestamp.
pub fn ts(t: &str) -> prost_types::Timestamp {
    let t: Timestamp = t.parse().expect("timestamp");
    prost_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    }
}

/// `YYYY-MM-DD` of a wire date.
pub fn day(d: &Option<ppid::pb::google::r#type::Date>) -> String {
    let d = d.as_ref().expect("date set");
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// The field paths of a status's BadRequest violations.
pub fn violations(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

/// The ErrorInfo reason of a status.
pub fn reason(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}

/// `ppid serve` as a process on port 0, its log read line by line.
pub struct ServeProcess {
    /// The process; the caller stops it.
    pub child: std::process::Child,
    /// `127.0.0.1:PORT` from the "ppid serving" line.
    pub addr: String,
    /// The log lines up to and including "ppid serving".
    pub startup: Vec<String>,
    /// Every later line, until the process closes its stderr.
    pub lines: std::sync::mpsc::Receiver<String>,
}

/// Starts `ppid serve` on `db` with `--log-format json` and extra
/// environment, and waits (60 s at most) until it says where it listens.
#[allow(clippy::zombie_processes)]
pub fn serve_process(db: &str, env: &[(&str, &str)]) -> ServeProcess {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ppid"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(["--database-url", db])
        .envs(env.iter().copied())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start ppid serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut startup = Vec::new();
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the server starts");
        startup.push(line.clone());
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if v["fields"]["message"] == "ppid serving" {
            let addr = v["fields"]["listen"].as_str().unwrap().to_string();
            return ServeProcess {
                child,
                addr,
                startup,
                lines,
            };
        }
    }
}
