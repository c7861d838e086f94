//! The public portal: what a citizen, a journalist or a PPID's visitor
//! opens in a browser. Server-rendered pages on the API's own port (routes
//! beside the gRPC services), assets compiled into the binary, every form
//! working without JavaScript.
//!
//! Same rules as the API: the request and objection forms go through the
//! API's own checks (`api::request::checked_submission`,
//! `api::objection::checked_filing`) and the same application functions,
//! written as the actor "portal"; tracking asks for the code and the same
//! per-address limiter; public pages show published rankings, public
//! figures and no personal data.
//!
//! Safety: every form carries a CSRF token (a signed double-submit cookie,
//! `SameSite=Strict`), request and objection forms an idempotency key (a
//! double click or a resubmit registers once) and a honeypot field; bodies
//! are capped; every answer carries a strict Content-Security-Policy (no
//! script, styles from `/static` only or, for the printable documents, the
//! hash of their one style block) and the usual security headers.
mod forms;
mod pages;
mod view;

use std::{convert::Infallible, net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRequestParts, Request},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::{
    api::{AppState, auth::Authenticator},
    app::App,
    report::texts::Lang,
};

/// Largest form body accepted (the request form's free texts fit well
/// inside; anything larger is not a person typing).
const MAX_BODY: usize = 64 * 1024;
/// How long a rendered public page is reused by default (ranking, agency
/// pages, the DIP): figures move by the minute at most.
pub const DEFAULT_PAGE_CACHE: Duration = Duration::from_secs(60);

/// The policy of every portal page: nothing but this origin's stylesheet
/// and images; no script at all; forms post here only.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Portal settings (from `serve`'s flags).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Requests and objections one address may submit per minute.
    pub submits_per_minute: u32,
    /// How long a rendered public page is reused; zero renders every view
    /// (what a publication changes shows at once either way).
    pub page_cache: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            submits_per_minute: 10,
            page_cache: DEFAULT_PAGE_CACHE,
        }
    }
}

/// The portal's state, shared by its handlers.
pub(crate) struct Portal {
    app: App,
    access: Arc<Authenticator>,
    submits: DefaultKeyedRateLimiter<IpAddr>,
    /// Rendered public pages; `None` when the cache is off.
    pages: Option<moka::sync::Cache<String, Arc<String>>>,
    /// What is published (a second at most; see `pages::published`).
    published: moka::sync::Cache<(), Arc<pages::Published>>,
    /// Published rankings, decoded (a snapshot never changes).
    snapshots: moka::sync::Cache<(String, String), Arc<crate::domain::figures::Ranking>>,
    csrf_key: tokio::sync::OnceCell<String>,
}

type Shared = Arc<Portal>;

/// The portal's routes, to merge beside the gRPC services.
pub fn router(state: &AppState, settings: &Settings) -> Router {
    let portal = Arc::new(Portal {
        app: state.app.clone(),
        access: state.access.clone(),
        submits: RateLimiter::keyed(Quota::per_minute(
            NonZeroU32::new(settings.submits_per_minute.max(1)).expect("at least one"),
        )),
        pages: (!settings.page_cache.is_zero()).then(|| {
            // Weighed by bytes: at most 64 MB of pages.
            moka::sync::Cache::builder()
                .weigher(|k: &String, v: &Arc<String>| {
                    u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(64 * 1024 * 1024)
                .time_to_live(settings.page_cache)
                .build()
        }),
        published: moka::sync::Cache::builder()
            .max_capacity(1)
            .time_to_live(Duration::from_secs(1))
            .build(),
        snapshots: moka::sync::Cache::builder().max_capacity(2_000).build(),
        csrf_key: tokio::sync::OnceCell::new(),
    });
    // Addresses not seen lately leave the submission limiter each minute;
    // the task ends with the portal.
    let weak = Arc::downgrade(&portal);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match weak.upgrade() {
                Some(p) => p.submits.retain_recent(),
                None => return,
            }
        }
    });
    Router::new()
        .route("/", get(pages::home))
        .route("/static/portal.css", get(stylesheet))
        .route("/static/icon.svg", get(icon))
        .route("/favicon.ico", get(icon))
        .route("/robots.txt", get(robots))
        .route("/permohonan", get(forms::request_form).post(forms::submit))
        .route("/lacak", get(forms::track_form).post(forms::track))
        .route(
            "/keberatan",
            get(forms::objection_form).post(forms::file_objection),
        )
        .route("/surat/tanda-terima", post(forms::receipt_letter))
        .route("/peringkat", get(pages::ranking))
        .route("/badan", get(pages::directory))
        .route("/badan/{id}", get(pages::agency))
        .route("/badan/{id}/dip", get(pages::dip))
        .route("/badan/{id}/dip.csv", get(pages::dip_csv))
        .route("/badan/{id}/dik", get(pages::dik))
        .route("/laporan", get(pages::reports))
        .route("/laporan/{id}/{year}", get(pages::report))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(portal)
}

/// The first path segments the portal answers (an allow-list: whatever
/// else arrives, gRPC's paths above all, goes through the API's
/// authorisation).
const PORTAL_SEGMENTS: [&str; 10] = [
    "static",
    "favicon.ico",
    "robots.txt",
    "permohonan",
    "lacak",
    "keberatan",
    "surat",
    "peringkat",
    "badan",
    "laporan",
];

/// Whether `path` is one of the portal's pages (which need no API key).
pub fn is_portal_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let first = rest.split('/').next().unwrap_or_default();
    !first.is_empty() && PORTAL_SEGMENTS.contains(&first)
}

/// The key a client address is limited by: IPv6 clients by their /64 (one
/// household or host holds a whole /64).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::from(seg)
        }
    }
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("portal.css"),
    )
        .into_response()
}

async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

const ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">\
<rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#0b4f8a\"/>\
<path d=\"M9 8h9a6 6 0 0 1 0 12h-5v5H9z M13 12v4h5a2 2 0 0 0 0-4z\" fill=\"#fff\"/></svg>";

async fn robots() -> &'static str {
    // The forms and tracking are no place for crawlers; public pages are.
    "User-agent: *\nDisallow: /permohonan\nDisallow: /lacak\nDisallow: /keberatan\nDisallow: /surat/\n"
}

/// What every handler knows of the request: the language, the CSRF cookie,
/// the client's address (as the API's limiter judges it).
pub(crate) struct Ctx {
    lang: Lang,
    /// `?lang=` chose the language now: remember it in a cookie.
    lang_chosen: bool,
    csrf_cookie: Option<String>,
    client: Option<IpAddr>,
    /// The path, for the language switch.
    path: String,
    /// The browser says another site or origin sent it (`Sec-Fetch-Site`
    /// other than same-origin or none, or an `Origin` not this host).
    cross_site: bool,
    /// The query, for the language switch (without `lang`).
    query: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let query_lang = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "lang")
                .and_then(|(_, v)| Lang::parse(v))
        });
        let cookie_lang = cookie(&parts.headers, "ppid_lang").and_then(|v| Lang::parse(&v));
        Ok(Ctx {
            lang: query_lang.or(cookie_lang).unwrap_or_default(),
            lang_chosen: query_lang.is_some(),
            csrf_cookie: cookie(&parts.headers, CSRF_COOKIE),
            client: parts
                .extensions
                .get::<crate::api::auth::ClientAddr>()
                .map(|c| c.0),
            path: parts.uri.path().to_string(),
            cross_site: other_origin(&parts.headers),
            query: parts
                .uri
                .query()
                .unwrap_or_default()
                .split('&')
                // Only the pages' own parameters (a cached page's link must
                // not carry a first visitor's extras).
                .filter(|kv| {
                    let k = kv.split('=').next().unwrap_or_default();
                    ["periode", "grup", "badan", "induk", "nomor"].contains(&k)
                })
                .collect::<Vec<_>>()
                .join("&"),
        })
    }
}

/// Whether the browser says the request comes from another origin: its
/// `Sec-Fetch-Site` is neither `same-origin` nor `none`, or its `Origin`
/// names another host than the one asked.
fn other_origin(h: &HeaderMap) -> bool {
    let fetch_site = h
        .get("sec-fetch-site")
        .is_some_and(|v| !matches!(v.as_bytes(), b"same-origin" | b"none"));
    let origin_host = h
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
        .map(|o| o.split_once("://").map_or(o, |(_, rest)| rest));
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_differs = matches!((origin_host, host), (Some(o), Some(h)) if o != h);
    fetch_site || origin_differs
}

/// The value of cookie `name`, if sent.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

const CSRF_COOKIE: &str = "ppid_csrf";

impl Portal {
    async fn csrf_key(&self) -> crate::error::Result<&str> {
        self.csrf_key
            .get_or_try_init(|| self.app.secret("portal_csrf"))
            .await
            .map(String::as_str)
    }

    /// Whether the client's address may submit one more request or
    /// objection this minute (IPv6 by its /64).
    fn may_submit(&self, ctx: &Ctx) -> bool {
        let ip = ctx.client.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        self.submits.check_key(&client_key(ip)).is_ok()
    }

    /// The MAC of a token's nonce under the server's key.
    fn mac(key: &str, nonce: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
        mac.update(b"portal-csrf:");
        mac.update(nonce.as_bytes());
        mac
    }

    fn sign(key: &str, nonce: &str) -> String {
        URL_SAFE_NO_PAD.encode(&Self::mac(key, nonce).finalize().into_bytes()[..SIG_BYTES])
    }

    /// The CSRF token of this browser: its cookie's when that is one of
    /// ours, else a new one (`true`: set the cookie).
    async fn csrf_token(&self, ctx: &Ctx) -> crate::error::Result<(String, bool)> {
        let key = self.csrf_key().await?;
        if let Some(c) = &ctx.csrf_cookie
            && Self::valid_token(key, c)
        {
            return Ok((c.clone(), false));
        }
        let nonce = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 18]>());
        let sig = Self::sign(key, &nonce);
        Ok((format!("{nonce}.{sig}"), true))
    }

    fn valid_token(key: &str, token: &str) -> bool {
        let Some((nonce, sig)) = token.split_once('.') else {
            return false;
        };
        // The MAC crate compares in constant time.
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap_or_default();
        nonce.len() == 24
            && sig.len() == SIG_BYTES
            && Self::mac(key, nonce).verify_truncated_left(&sig).is_ok()
    }

    /// Whether a form's token is this browser's own and one we signed, and
    /// no other site sent the form.
    async fn csrf_ok(&self, ctx: &Ctx, form_token: &str) -> crate::error::Result<bool> {
        if ctx.cross_site {
            return Ok(false);
        }
        let Some(cookie) = &ctx.csrf_cookie else {
            return Ok(false);
        };
        let key = self.csrf_key().await?;
        // The form's token must be this browser's own cookie, and ours.
        Ok(cookie == form_token && Self::valid_token(key, form_token))
    }
}

/// Bytes of a token's MAC kept (144 bits).
const SIG_BYTES: usize = 18;

/// How a page may be cached.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caching {
    /// Public figures: shared caches may keep it a minute.
    Public,
    /// Forms, receipts, tracking: never stored.
    Private,
}

/// A page answer: the HTML, its status and caching, and the cookies the
/// visit sets (the chosen language, a new CSRF token).
pub(crate) fn respond(
    ctx: &Ctx,
    status: StatusCode,
    caching: Caching,
    html: String,
    csrf_cookie: Option<&str>,
) -> Response {
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // A visit that sets the language cookie is that visitor's own.
    let caching = if ctx.lang_chosen {
        Caching::Private
    } else {
        caching
    };
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(match caching {
            Caching::Public => "public, max-age=60",
            Caching::Private => "no-store",
        }),
    );
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    if ctx.lang_chosen
        && let Ok(v) = HeaderValue::from_str(&format!(
            "ppid_lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
            ctx.lang.code()
        ))
    {
        h.append(header::SET_COOKIE, v);
    }
    if let Some(token) = csrf_cookie
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
        ))
    {
        h.append(header::SET_COOKIE, v);
    }
    res
}

/// A standalone printable document (a letter, a published report): its
/// one `<style>` block is allowed by hash, nothing else.
pub(crate) fn document(html: String) -> Response {
    let style_hash = html
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(css, _)| {
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()))
        });
    let csp = match style_hash {
        Some(h) => format!(
            "default-src 'none'; style-src 'sha256-{h}'; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        ),
        None => CSP.to_string(),
    };
    let mut res = html.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_paths_never_reach_a_grpc_service() {
        let cases = [
            ("/", true),
            ("/permohonan", true),
            ("/badan/kota-serang/dip", true),
            ("/favicon.ico", true),
            ("/laporan/kota-serang/2025", true),
            ("/ppid.v1.RequestService/SubmitRequest", false),
            ("/grpc.health.v1.Health/Check", false),
            ("/ppid.v1.RequestService/x/y", false),
            (
                "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                false,
            ),
            ("ppid.v1.RequestService/SubmitRequest", false),
            ("//ppid.v1.RequestService/SubmitRequest", false),
            ("/other", false),
        ];
        for (path, portal) in cases {
            assert_eq!(is_portal_path(path), portal, "{path}");
        }
    }

    #[test]
    fn forms_from_other_origins_are_told_apart() {
        let h = |pairs: &[(&str, &str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                );
            }
            m
        };
        let host = ("host", "ppid.serangkota.go.id");
        assert!(!other_origin(&h(&[host])));
        assert!(!other_origin(&h(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!other_origin(&h(&[host, ("sec-fetch-site", "none")])));
        assert!(other_origin(&h(&[host, ("sec-fetch-site", "same-site")])));
        assert!(other_origin(&h(&[host, ("sec-fetch-site", "cross-site")])));
        assert!(!other_origin(&h(&[
            host,
            ("origin", "https://ppid.serangkota.go.id")
        ])));
        assert!(other_origin(&h(&[
            host,
            ("origin", "https://evil.serangkota.go.id")
        ])));
        assert!(!other_origin(&h(&[host, ("origin", "null")])));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(client_key(v4), v4);
    }

    #[test]
    fn csrf_tokens_are_signed() {
        let key = "k";
        let nonce = URL_SAFE_NO_PAD.encode([7u8; 18]);
        let good = format!("{nonce}.{}", Portal::sign(key, &nonce));
        assert!(Portal::valid_token(key, &good));
        assert!(!Portal::valid_token("other", &good));
        assert!(!Portal::valid_token(key, &format!("{nonce}.AAAA")));
        assert!(!Portal::valid_token(key, "no-dot"));
        assert!(!Portal::valid_token(
            key,
            &format!("short.{}", Portal::sign(key, "short"))
        ));
    }
}
