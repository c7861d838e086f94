//! The portal's forms: the request (the Perki form's fields), tracking by
//! number and code, the objection (keberatan), and the receipt letter.
//! Each checks its CSRF token first, then the honeypot and the address's
//! quota, then hands the fields to the API's own checks and application
//! functions; a field's error is said in plain words next to it.
use std::collections::HashMap;

use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    Caching, Ctx, Portal, Shared, document,
    pages::failure,
    respond,
    view::{self, layout, t},
};
use crate::{
    api::convert::ProtoEnum,
    app::letters::LetterSubject,
    domain::{
        AccessMethod, Admissibility, CopyForm, DeliveryMethod, LetterKind, ObjectionDecision,
        ObjectionGround, RequesterType, access, objection::Objection, request::Request, time,
    },
    error::{Error, FieldViolation},
    pb::ppid::v1 as pb,
    report::texts::{self, Lang},
    store::ObjectionFilter,
};

/// Who the register records for what the portal writes (RULINGS).
const ACTOR: &str = "portal";

/// A posted form: its fields by name (a repeated name, such as the
/// objection's grounds, keeps every value).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What a form shows again after a refusal: the values typed, an error per
/// field, and one for the whole form.
#[derive(Default)]
struct Shown {
    values: HashMap<String, String>,
    multi: HashMap<String, Vec<String>>,
    errors: Vec<(String, String)>,
    top: Option<String>,
}

impl Shown {
    fn from(fields: &Fields, names: &[&str]) -> Self {
        let mut s = Shown::default();
        for n in names {
            s.values.insert((*n).to_string(), fields.get(n).to_string());
        }
        s
    }
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
    fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.as_str())
    }
    fn add(&mut self, name: &str, message: String) {
        if self.error(name).is_none() {
            self.errors.push((name.to_string(), message));
        }
    }
    /// Says each of the API's violations by its form field (`say` names
    /// the field, or "top" for the whole form).
    fn refuse(
        mut self,
        violations: &[FieldViolation],
        say: impl Fn(&FieldViolation) -> (&'static str, String),
    ) -> Self {
        for v in violations {
            match say(v) {
                ("top", message) => self.top = Some(message),
                (field, message) => self.add(field, message),
            }
        }
        self
    }
    /// The number and code every tracking form needs.
    fn require_number_and_code(&mut self, lang: Lang, f: &Fields) {
        for (name, label) in [
            ("nomor", t(lang, "Nomor registrasi", "Registration number")),
            ("kode", t(lang, "Kode lacak", "Tracking code")),
        ] {
            if f.get(name).trim().is_empty() {
                self.add(name, generic(lang, label, "is required"));
            }
        }
    }
}

// ---------------------------------------------------------------- fields

/// The ids of a field's hint and error, for `aria-describedby`.
fn described_by(id: &str, hint: bool, err: bool) -> Option<String> {
    let ids: Vec<String> = [(hint, "hint"), (err, "err")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, what)| format!("{id}-{what}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A text input with its label, hint and error (the error is tied to the
/// input by `aria-describedby`, and the input marked invalid).
#[allow(clippy::too_many_arguments)]
fn input(
    s: &Shown,
    name: &str,
    label: &str,
    hint: Option<&str>,
    kind: &str,
    autocomplete: &str,
    required: bool,
    extra_inputmode: Option<&str>,
) -> Markup {
    let id = format!("f-{name}");
    let err = s.error(name);
    let described = described_by(&id, hint.is_some(), err.is_some());
    html! {
        div.field.invalid[err.is_some()] {
            label for=(id) { (label) @if required { span.req aria-hidden="true" { " *" } } }
            @if let Some(h) = hint { p.hint id={ (id) "-hint" } { (h) } }
            @if let Some(e) = err { p.error id={ (id) "-err" } { (e) } }
            input id=(id) name=(name) type=(kind) value=(s.value(name))
                autocomplete=(autocomplete)
                inputmode=[extra_inputmode]
                required[required]
                aria-invalid=[err.map(|_| "true")]
                aria-describedby=[described.as_deref()];
        }
    }
}

fn textarea(s: &Shown, name: &str, label: &str, hint: Option<&str>, required: bool) -> Markup {
    let id = format!("f-{name}");
    let err = s.error(name);
    let described = described_by(&id, hint.is_some(), err.is_some());
    html! {
        div.field.invalid[err.is_some()] {
            label for=(id) { (label) @if required { span.req aria-hidden="true" { " *" } } }
            @if let Some(h) = hint { p.hint id={ (id) "-hint" } { (h) } }
            @if let Some(e) = err { p.error id={ (id) "-err" } { (e) } }
            textarea id=(id) name=(name) rows="5" required[required]
                aria-invalid=[err.map(|_| "true")]
                aria-describedby=[described.as_deref()] { (s.value(name)) }
        }
    }
}

/// Radio buttons (or, with `multiple`, checkboxes) in a fieldset whose
/// legend names the question.
fn choices(
    s: &Shown,
    name: &str,
    legend: &str,
    options: &[(&str, &str)],
    required: bool,
    multiple: bool,
) -> Markup {
    let err = s.error(name);
    let chosen: Vec<&str> = if multiple {
        s.multi
            .get(name)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default()
    } else {
        vec![s.value(name)]
    };
    html! {
        fieldset.field.invalid[err.is_some()] id={ "f-" (name) } aria-describedby=[err.map(|_| format!("f-{name}-err"))] {
            legend { (legend) @if required { span.req aria-hidden="true" { " *" } } }
            @if let Some(e) = err { p.error id={ "f-" (name) "-err" } { (e) } }
            @for (i, (value, label)) in options.iter().enumerate() {
                div.choice {
                    input id={ "f-" (name) "-" (i) } name=(name) type=(if multiple { "checkbox" } else { "radio" })
                        value=(value) checked[chosen.contains(value)] required[required && !multiple];
                    label for={ "f-" (name) "-" (i) } { (label) }
                }
            }
        }
    }
}

/// The hidden fields every form carries: the CSRF token, the idempotency
/// key, and the honeypot (hidden from people, filled only by bots).
fn hidden(csrf: &str, key: Option<&str>, lang: Lang) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(csrf);
        @if let Some(k) = key { input type="hidden" name="kunci" value=(k); }
        div.hp aria-hidden="true" {
            label for="f-situs" { (t(lang, "Jangan diisi", "Leave empty")) }
            input id="f-situs" name="situs" type="text" tabindex="-1" autocomplete="off" value="";
        }
    }
}

/// The fields that are radio buttons or checkboxes.
const CHOICES: [&str; 5] = ["jenis", "cara", "salinan", "kirim", "alasan"];

/// The list of what to fix, at the top of a refused form, each a link to
/// its field.
fn summary(lang: Lang, s: &Shown) -> Markup {
    html! {
        @if let Some(top) = &s.top {
            div.alert role="alert" { p { (top) } }
        }
        @if !s.errors.is_empty() {
            div.alert role="alert" aria-labelledby="err-title" {
                h2 #err-title { (t(lang, "Periksa kembali isian berikut", "Please check these fields")) }
                ul {
                    @for (name, e) in &s.errors {
                        // A choice's link lands on its first option.
                        li { a href={ "#f-" (name) @if CHOICES.contains(&name.as_str()) { "-0" } } { (e) } }
                    }
                }
            }
        }
    }
}

/// A form's idempotency key: the one it was sent with (a form shown again
/// keeps it: the same request, once), else a new one.
fn form_key(sent: Option<&str>) -> String {
    sent.map_or_else(|| Uuid::new_v4().to_string(), str::to_string)
}

/// The CSRF token of this visit and, when new, the cookie to set.
async fn token(p: &Portal, ctx: &Ctx) -> crate::error::Result<(String, Option<String>)> {
    let (token, new) = p.csrf_token(ctx).await?;
    Ok((token.clone(), new.then_some(token)))
}

fn refused(ctx: &Ctx, status: StatusCode, title: &str, text: &str) -> Response {
    respond(
        ctx,
        status,
        Caching::Private,
        view::message(ctx, title, text),
        None,
    )
}

/// Why a posted form is not taken.
enum Refusal {
    /// Its token is not this browser's (an old tab, cookies cleared): the
    /// form is shown again, as typed, with a fresh token.
    Expired,
    /// The answer to give (another site sent it, a bot, a failure).
    Page(Response),
}

/// The checks every posted form passes first: its token, the honeypot.
async fn guard(p: &Portal, ctx: &Ctx, f: &Fields) -> Result<(), Refusal> {
    let lang = ctx.lang;
    match p.csrf_ok(ctx, f.get("csrf")).await {
        Ok(true) => {}
        Ok(false) if !ctx.cross_site => return Err(Refusal::Expired),
        Ok(false) => {
            return Err(Refusal::Page(refused(
                ctx,
                StatusCode::FORBIDDEN,
                t(lang, "Formulir ditolak", "Form refused"),
                t(
                    lang,
                    "Formulir ini dikirim dari situs lain. Buka formulirnya di portal ini, lalu kirim lagi.",
                    "This form was sent from another site. Open the form on this portal and send it again.",
                ),
            )));
        }
        Err(e) => return Err(Refusal::Page(failure(ctx, e))),
    }
    if !f.get("situs").is_empty() {
        return Err(Refusal::Page(refused(
            ctx,
            StatusCode::BAD_REQUEST,
            t(lang, "Formulir ditolak", "Form refused"),
            t(
                lang,
                "Formulir ini tidak dapat diproses.",
                "This form cannot be processed.",
            ),
        )));
    }
    Ok(())
}

/// A refused form's page title says so first (what a screen reader reads
/// on arrival).
fn form_title(lang: Lang, s: &Shown, title: &str) -> String {
    if s.errors.is_empty() && s.top.is_none() {
        title.to_string()
    } else {
        format!("{}: {title}", t(lang, "Kesalahan", "Error"))
    }
}

fn expired(lang: Lang) -> String {
    t(
        lang,
        "Formulir ini sudah kedaluwarsa. Isian Anda masih ada: periksa, lalu kirim lagi.",
        "This form had expired. What you typed is still here: check it and send it again.",
    )
    .into()
}

fn too_many(ctx: &Ctx) -> Response {
    let lang = ctx.lang;
    refused(
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
        t(lang, "Terlalu banyak percobaan", "Too many attempts"),
        t(
            lang,
            "Terlalu banyak permintaan dari alamat Anda. Tunggu satu menit, lalu coba lagi.",
            "Too many attempts from your address. Wait a minute and try again.",
        ),
    )
}

// ---------------------------------------------------------------- request

const REQUEST_FIELDS: [&str; 14] = [
    "badan",
    "jenis",
    "nama",
    "nik",
    "badan_hukum",
    "alamat",
    "telepon",
    "email",
    "pekerjaan",
    "rincian",
    "tujuan",
    "cara",
    "salinan",
    "kirim",
];

/// The form field a violation of the API's check names, and what to say.
fn request_error(lang: Lang, v: &FieldViolation) -> (&'static str, String) {
    let d = v.description.as_str();
    let field = match v.field.as_str() {
        "request.agency" => "badan",
        "request.requester.type" => "jenis",
        "request.requester.full_name" => "nama",
        "request.requester.nik" => "nik",
        "request.requester.legal_entity_registration" => "badan_hukum",
        "request.requester.address" => "alamat",
        "request.requester.phone" => "telepon",
        "request.requester.email" => "email",
        "request.requester.occupation" => "pekerjaan",
        "request.information_requested" => "rincian",
        "request.purpose" => "tujuan",
        "request.access_method" => "cara",
        "request.copy_form" => "salinan",
        "request.delivery_method" => "kirim",
        _ => "",
    };
    let label = request_label(lang, field);
    let say = match (field, lang) {
        ("nik", Lang::Id) if d.contains("required") => {
            "NIK wajib diisi untuk perorangan atau kelompok: 16 angka sesuai KTP.".into()
        }
        ("nik", Lang::En) if d.contains("required") => {
            "The NIK is required for an individual or a group: the 16 digits on the KTP.".into()
        }
        ("nik", Lang::Id) => "NIK harus tepat 16 angka.".into(),
        ("nik", Lang::En) => "The NIK must be exactly 16 digits.".into(),
        ("telepon", Lang::Id) if d.contains("phone or email") => {
            "Isi nomor telepon atau alamat email, agar PPID dapat menghubungi Anda.".into()
        }
        ("telepon", Lang::En) if d.contains("phone or email") => {
            "Give a phone number or an email address, so the PPID can reach you.".into()
        }
        ("telepon", Lang::Id) if d.starts_with("must be") => {
            "Nomor telepon harus 6 sampai 15 angka; boleh memakai +, spasi, tanda hubung atau kurung."
                .into()
        }
        ("telepon", Lang::En) if d.starts_with("must be") => {
            "A phone number has 6 to 15 digits; +, spaces, dashes and brackets are allowed.".into()
        }
        ("email", Lang::Id) if d.starts_with("is not") => {
            "Alamat email tidak valid (contoh: nama@contoh.id).".into()
        }
        ("email", Lang::En) if d.starts_with("is not") => {
            "That is not an email address (e.g. name@example.id).".into()
        }
        ("badan_hukum", Lang::Id) if d.contains("required") => {
            "Nomor pengesahan badan hukum wajib diisi untuk pemohon badan hukum.".into()
        }
        ("badan_hukum", Lang::En) if d.contains("required") => {
            "A legal entity's registration number is required.".into()
        }
        ("salinan", Lang::Id) if d.contains("required") => {
            "Pilih bentuk salinan (softcopy atau hardcopy) bila meminta salinan.".into()
        }
        ("salinan", Lang::En) if d.contains("required") => {
            "Choose the form of the copy (softcopy or hardcopy).".into()
        }
        ("salinan", Lang::Id) => "Bentuk salinan dipilih hanya bila meminta salinan.".into(),
        ("salinan", Lang::En) => "Choose a form of copy only when asking for a copy.".into(),
        ("badan", Lang::Id) => "Pilih badan publik yang dituju.".into(),
        ("badan", Lang::En) => "Choose the public body.".into(),
        _ => generic(lang, label, d),
    };
    (if field.is_empty() { "top" } else { field }, say)
}

/// What to say of a text or choice field from the check's description.
fn generic(lang: Lang, label: &str, d: &str) -> String {
    let limit = d
        .split("the limit is ")
        .nth(1)
        .map(|n| n.trim().to_string());
    match (lang, limit) {
        (Lang::Id, Some(n)) => format!("{label} terlalu panjang: paling banyak {n} karakter."),
        (Lang::En, Some(n)) => format!("{label} is too long: at most {n} characters."),
        (Lang::Id, None) if d.contains("required") => format!("{label} wajib diisi."),
        (Lang::En, None) if d.contains("required") => format!("{label} is required."),
        (Lang::Id, None) if d.contains("control character") => {
            format!("{label} memuat karakter yang tidak diizinkan.")
        }
        (Lang::En, None) if d.contains("control character") => {
            format!("{label} contains a character that is not allowed.")
        }
        (Lang::Id, None) => format!("{label}: isian ini tidak dapat diterima."),
        (Lang::En, None) => format!("{label}: this value cannot be accepted."),
    }
}

fn request_label(lang: Lang, field: &str) -> &'static str {
    match field {
        "badan" => t(lang, "Badan publik", "Public body"),
        "jenis" => t(lang, "Jenis pemohon", "Requester type"),
        "nama" => t(lang, "Nama lengkap", "Full name"),
        "nik" => t(
            lang,
            "NIK (Nomor Induk Kependudukan)",
            "NIK (national identity number)",
        ),
        "badan_hukum" => t(
            lang,
            "Nomor pengesahan badan hukum",
            "Legal entity registration number",
        ),
        "alamat" => t(lang, "Alamat", "Address"),
        "telepon" => t(lang, "Nomor telepon", "Phone number"),
        "email" => "Email",
        "pekerjaan" => t(lang, "Pekerjaan", "Occupation"),
        "rincian" => t(
            lang,
            "Rincian informasi yang dibutuhkan",
            "The information you need",
        ),
        "tujuan" => t(
            lang,
            "Tujuan penggunaan informasi",
            "What you will use it for",
        ),
        "cara" => t(
            lang,
            "Cara memperoleh informasi",
            "How you want to obtain it",
        ),
        "salinan" => t(lang, "Bentuk salinan", "Form of the copy"),
        "kirim" => t(lang, "Cara mendapatkan salinan", "How the copy reaches you"),
        _ => t(lang, "Formulir", "Form"),
    }
}

#[derive(Deserialize)]
pub(crate) struct RequestQuery {
    #[serde(default)]
    badan: String,
}

pub(crate) async fn request_form(
    State(p): State<Shared>,
    ctx: Ctx,
    Query(q): Query<RequestQuery>,
) -> Response {
    let mut s = Shown::default();
    s.values.insert("badan".into(), q.badan);
    show_request_form(&p, &ctx, s, StatusCode::OK, None).await
}

async fn show_request_form(
    p: &Portal,
    ctx: &Ctx,
    s: Shown,
    status: StatusCode,
    key: Option<&str>,
) -> Response {
    let lang = ctx.lang;
    let (csrf, cookie) = match token(p, ctx).await {
        Ok(x) => x,
        Err(e) => return failure(ctx, e),
    };
    let all = match p.app.all_agencies().await {
        Ok(a) => a,
        Err(e) => return failure(ctx, e),
    };
    let key = form_key(key);
    let pemdas: Vec<_> = all.iter().filter(|a| a.parent_id.is_none()).collect();
    let chosen = s.value("badan").to_string();
    let badan_err = s.error("badan");
    let types: Vec<(&str, &str)> = RequesterType::ALL
        .iter()
        .map(|r| (r.as_str(), texts::requester_type(lang, *r)))
        .collect();
    let methods: Vec<(&str, &str)> = AccessMethod::ALL
        .iter()
        .map(|a| (a.as_str(), texts::access_method(lang, *a)))
        .collect();
    let forms: Vec<(&str, &str)> = CopyForm::ALL
        .iter()
        .map(|c| (c.as_str(), texts::copy_form(lang, Some(*c))))
        .collect();
    let deliveries: Vec<(&str, &str)> = DeliveryMethod::ALL
        .iter()
        .map(|d| (d.as_str(), texts::delivery_method(lang, *d)))
        .collect();
    let title = t(
        lang,
        "Formulir permohonan informasi publik",
        "Public information request form",
    );
    let page = layout(
        ctx,
        &form_title(lang, &s, title),
        html! {
            h1 { (title) }
            p.lead { (t(lang,
                "Isian bertanda * wajib diisi. Data pribadi Anda hanya dipakai PPID untuk melayani permohonan ini dan tidak ditampilkan di portal.",
                "Fields marked * are required. Your personal data is used by the PPID to serve this request only and is never shown on the portal."))
            }
            (summary(lang, &s))
            form method="post" action="/permohonan" novalidate {
                (hidden(&csrf, Some(&key), lang))
                div.field.invalid[badan_err.is_some()] {
                    label for="f-badan" { (request_label(lang, "badan")) span.req aria-hidden="true" { " *" } }
                    @if let Some(e) = badan_err { p.error id="f-badan-err" { (e) } }
                    select id="f-badan" name="badan" required
                        aria-invalid=[badan_err.map(|_| "true")]
                        aria-describedby=[badan_err.map(|_| "f-badan-err")] {
                        option value="" { (t(lang, "— pilih —", "— choose —")) }
                        @for pd in &pemdas {
                            optgroup label=(pd.display_name) {
                                option value=(pd.id) selected[chosen == pd.id] { (pd.display_name) }
                                @for a in all.iter().filter(|a| a.pemda_id == pd.id && a.id != pd.id) {
                                    option value=(a.id) selected[chosen == a.id] { (a.display_name) }
                                }
                            }
                        }
                    }
                }
                h2 { (t(lang, "Identitas pemohon", "About you")) }
                (choices(&s, "jenis", request_label(lang, "jenis"), &types, true, false))
                (input(&s, "nama", request_label(lang, "nama"), None, "text", "name", true, None))
                (input(&s, "nik", request_label(lang, "nik"),
                    Some(t(lang, "16 angka sesuai KTP; wajib untuk perorangan dan kelompok.", "16 digits from the KTP; required for individuals and groups.")),
                    "text", "off", false, Some("numeric")))
                (input(&s, "badan_hukum", request_label(lang, "badan_hukum"),
                    Some(t(lang, "Wajib untuk badan hukum.", "Required for a legal entity.")),
                    "text", "off", false, None))
                (input(&s, "alamat", request_label(lang, "alamat"), None, "text", "street-address", true, None))
                (input(&s, "telepon", request_label(lang, "telepon"),
                    Some(t(lang, "Isi telepon atau email (salah satu wajib).", "Give a phone number or an email (one is required).")),
                    "tel", "tel", false, None))
                (input(&s, "email", "Email", None, "email", "email", false, None))
                (input(&s, "pekerjaan", request_label(lang, "pekerjaan"), None, "text", "organization-title", false, None))
                h2 { (t(lang, "Informasi yang diminta", "The information")) }
                (textarea(&s, "rincian", request_label(lang, "rincian"),
                    Some(t(lang, "Sebutkan sejelas mungkin: dokumen, periode, kegiatan.", "Be as precise as you can: documents, period, activity.")), true))
                (textarea(&s, "tujuan", request_label(lang, "tujuan"), None, true))
                (choices(&s, "cara", request_label(lang, "cara"), &methods, true, false))
                (choices(&s, "salinan", request_label(lang, "salinan"), &forms, false, false))
                (choices(&s, "kirim", request_label(lang, "kirim"), &deliveries, true, false))
                button.button type="submit" { (t(lang, "Kirim permohonan", "Send the request")) }
            }
        },
    );
    respond(ctx, status, Caching::Private, page, cookie.as_deref())
}

pub(crate) async fn submit(
    State(p): State<Shared>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(pairs);
    let lang = ctx.lang;
    let key = Uuid::parse_str(f.get("kunci")).ok().filter(|u| !u.is_nil());
    let mut shown = Shown::from(&f, &REQUEST_FIELDS);
    match guard(&p, &ctx, &f).await {
        Ok(()) => {}
        Err(Refusal::Page(r)) => return r,
        Err(Refusal::Expired) => {
            shown.top = Some(expired(lang));
            let key = key.map(|k| k.to_string());
            return show_request_form(&p, &ctx, shown, StatusCode::FORBIDDEN, key.as_deref()).await;
        }
    }
    let Some(key) = key else {
        shown.top = Some(
            t(
                lang,
                "Formulir ini tidak lengkap. Periksa isian lalu kirim lagi.",
                "This form was incomplete. Check it and send it again.",
            )
            .into(),
        );
        return show_request_form(&p, &ctx, shown, StatusCode::UNPROCESSABLE_ENTITY, None).await;
    };
    let enum_of =
        |name: &str, value: i32| -> i32 { if f.get(name).is_empty() { 0 } else { value } };
    let body = pb::SubmitRequestRequest {
        request_id: key.to_string(),
        request: Some(pb::InformationRequest {
            agency: if f.get("badan").is_empty() {
                String::new()
            } else {
                format!("agencies/{}", f.get("badan"))
            },
            requester: Some(pb::Requester {
                full_name: f.get("nama").into(),
                r#type: enum_of(
                    "jenis",
                    RequesterType::parse(f.get("jenis")).map_or(-1, ProtoEnum::to_proto),
                ),
                nik: f.get("nik").into(),
                legal_entity_registration: f.get("badan_hukum").into(),
                address: f.get("alamat").into(),
                phone: f.get("telepon").into(),
                email: f.get("email").into(),
                occupation: f.get("pekerjaan").into(),
                ..Default::default()
            }),
            information_requested: f.get("rincian").into(),
            purpose: f.get("tujuan").into(),
            access_method: enum_of(
                "cara",
                AccessMethod::parse(f.get("cara")).map_or(-1, ProtoEnum::to_proto),
            ),
            // A copy form left chosen while switching to "inspect" cannot
            // be unchosen without script: it means no copy.
            copy_form: if f.get("cara") == AccessMethod::Inspect.as_str() {
                0
            } else {
                enum_of(
                    "salinan",
                    CopyForm::parse(f.get("salinan")).map_or(-1, ProtoEnum::to_proto),
                )
            },
            delivery_method: enum_of(
                "kirim",
                DeliveryMethod::parse(f.get("kirim")).map_or(-1, ProtoEnum::to_proto),
            ),
            channel: crate::domain::Channel::WebForm.to_proto(),
            ..Default::default()
        }),
    };
    let now = p.app.now();
    let refuse = |shown: Shown, violations: &[FieldViolation]| {
        shown.refuse(violations, |v| request_error(lang, v))
    };
    let new = match crate::api::request::checked_submission(&body, now, None) {
        Ok(n) => n,
        Err(Error::InvalidArgument(v)) => {
            let shown = refuse(shown, &v);
            return show_request_form(
                &p,
                &ctx,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&key.to_string()),
            )
            .await;
        }
        Err(e) => return failure(&ctx, e),
    };
    // An unknown agency is the form's fault, not a missing page.
    match p.app.get_agency(&new.agency_id).await {
        Ok(_) => {}
        Err(Error::NotFound { .. }) => {
            let shown = refuse(
                shown,
                &[FieldViolation::new("request.agency", "is not known")],
            );
            return show_request_form(
                &p,
                &ctx,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&key.to_string()),
            )
            .await;
        }
        Err(e) => return failure(&ctx, e),
    }
    // The address's quota counts what passed the checks.
    if !p.may_submit(&ctx) {
        return too_many(&ctx);
    }
    match p.app.submit_request(new, ACTOR).await {
        Ok(done) => {
            let r = done.request;
            tracing::info!(
                request = %r.id,
                registration_number = %r.registration_number,
                agency = %r.agency_id,
                replayed = done.replayed,
                "request submitted on the portal"
            );
            let code = match p.access.tracking_code(&r.id).await {
                Ok(c) => c,
                Err(s) => return failure(&ctx, Error::Internal(anyhow::anyhow!("{s}"))),
            };
            receipt(&p, &ctx, &r, &code).await
        }
        Err(Error::AlreadyExists { .. }) => {
            // The key was used for a different form: never say by whom.
            shown.top = Some(
                t(
                    lang,
                    "Formulir ini sudah pernah dikirim dengan isi lain. Buka formulir baru untuk permohonan lain.",
                    "This form was already sent with other contents. Open a new form for another request.",
                )
                .into(),
            );
            show_request_form(&p, &ctx, shown, StatusCode::CONFLICT, None).await
        }
        Err(Error::InvalidArgument(v)) => {
            let shown = refuse(shown, &v);
            show_request_form(
                &p,
                &ctx,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&key.to_string()),
            )
            .await
        }
        Err(e) => failure(&ctx, e),
    }
}

/// The receipt (tanda bukti penerimaan): number, code, due date. Printable.
async fn receipt(p: &Portal, ctx: &Ctx, r: &Request, code: &str) -> Response {
    let lang = ctx.lang;
    let (csrf, cookie) = match token(p, ctx).await {
        Ok(x) => x,
        Err(e) => return failure(ctx, e),
    };
    let agency = match p.app.get_agency(&r.agency_id).await {
        Ok(a) => a,
        Err(e) => return failure(ctx, e),
    };
    let tz = agency.tz();
    let title = t(lang, "Tanda bukti penerimaan permohonan", "Request receipt");
    let page = layout(
        ctx,
        title,
        html! {
            h1 { (title) }
            div.success role="status" {
                p { (t(lang, "Permohonan Anda telah diterima dan dicatat.", "Your request has been received and registered.")) }
            }
            dl.receipt {
                dt { (t(lang, "Nomor registrasi", "Registration number")) } dd.big #nomor { (r.registration_number) }
                dt { (t(lang, "Kode lacak", "Tracking code")) } dd.big.code #kode { (code) }
                dt { (t(lang, "Badan publik", "Public body")) } dd { (agency.display_name) }
                dt { (t(lang, "Diterima", "Received")) } dd { (texts::date(lang, time::local_date(r.receive_time, &tz))) }
                dt { (t(lang, "Batas waktu pemberitahuan tertulis", "Written notice due by")) }
                dd #batas { @if let Some(d) = r.due_date { (texts::date(lang, d)) } @else { "–" }
                    " " span.muted { (t(lang, "(10 hari kerja; dapat diperpanjang 7 hari kerja)", "(10 working days; extendable by 7)")) } }
                dt { (t(lang, "Informasi yang diminta", "Information requested")) } dd.text { (r.information_requested) }
            }
            p.note { strong { (t(lang, "Simpan nomor registrasi dan kode lacak ini.", "Keep the registration number and the tracking code.")) } " "
                (t(lang, "Keduanya diperlukan untuk melacak permohonan dan mengajukan keberatan. Jangan bagikan kode lacak.",
                        "You need both to track the request and to file an objection. Do not share the code.")) }
            p.noprint { (t(lang, "Cetak halaman ini dengan menu cetak peramban (Ctrl+P).", "Print this page with the browser's print menu (Ctrl+P).")) }
            div.actions.noprint {
                (letter_button(lang, &csrf, &r.registration_number, code))
                a.button.secondary href="/lacak" { (t(lang, "Lacak permohonan", "Track the request")) }
            }
        },
    );
    respond(
        ctx,
        StatusCode::OK,
        Caching::Private,
        page,
        cookie.as_deref(),
    )
}

/// A button that opens the receipt letter (the Perki's form), carrying the
/// number and code in the POST body (never in a URL).
fn letter_button(lang: Lang, csrf: &str, number: &str, code: &str) -> Markup {
    html! {
        form.inline method="post" action="/surat/tanda-terima" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="nomor" value=(number);
            input type="hidden" name="kode" value=(code);
            button.button.secondary type="submit" { (t(lang, "Surat tanda bukti (siap cetak)", "Receipt letter (printable)")) }
        }
    }
}

// ---------------------------------------------------------------- tracking

#[derive(Deserialize)]
pub(crate) struct NumberQuery {
    #[serde(default)]
    nomor: String,
}

pub(crate) async fn track_form(
    State(p): State<Shared>,
    ctx: Ctx,
    Query(q): Query<NumberQuery>,
) -> Response {
    let mut s = Shown::default();
    s.values.insert("nomor".into(), q.nomor);
    show_track_form(&p, &ctx, s, StatusCode::OK).await
}

async fn show_track_form(p: &Portal, ctx: &Ctx, s: Shown, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let (csrf, cookie) = match token(p, ctx).await {
        Ok(x) => x,
        Err(e) => return failure(ctx, e),
    };
    let title = t(lang, "Lacak permohonan", "Track a request");
    let page = layout(
        ctx,
        &form_title(lang, &s, title),
        html! {
            h1 { (title) }
            p.lead { (t(lang, "Masukkan nomor registrasi dan kode lacak dari tanda bukti penerimaan.", "Enter the registration number and the tracking code from your receipt.")) }
            (summary(lang, &s))
            form method="post" action="/lacak" novalidate {
                (hidden(&csrf, None, lang))
                (input(&s, "nomor", t(lang, "Nomor registrasi", "Registration number"),
                    Some(t(lang, "Contoh: KOTA-SERANG/PPID/2026/000123", "E.g. KOTA-SERANG/PPID/2026/000123")), "text", "off", true, None))
                (input(&s, "kode", t(lang, "Kode lacak", "Tracking code"), None, "text", "off", true, None))
                button.button type="submit" { (t(lang, "Lacak", "Track")) }
            }
        },
    );
    respond(ctx, status, Caching::Private, page, cookie.as_deref())
}

/// The request a number and code name, if the code is right. The limiter
/// of the API's TrackRequest counts every try.
async fn by_number_and_code(
    p: &Portal,
    ctx: &Ctx,
    number: &str,
    code: &str,
) -> Result<Option<Request>, Response> {
    if p.access.check_track_rate(ctx.client).is_err() {
        return Err(too_many(ctx));
    }
    let (number, code) = (number.trim(), code.trim());
    if number.is_empty() || code.is_empty() || number.len() > 100 || code.len() > 40 {
        return Ok(None);
    }
    let r = match p.app.request_by_number(number).await {
        Ok(Some(r)) => r,
        Ok(None) => return Ok(None),
        Err(e) => return Err(failure(ctx, e)),
    };
    let expected = match p.access.tracking_code(&r.id).await {
        Ok(c) => c,
        Err(s) => return Err(failure(ctx, Error::Internal(anyhow::anyhow!("{s}")))),
    };
    Ok(access::code_matches(&expected, code).then_some(r))
}

fn no_match(lang: Lang) -> String {
    t(
        lang,
        "Nomor registrasi dan kode lacak tidak cocok. Periksa kembali tanda bukti Anda.",
        "The registration number and tracking code do not match. Check your receipt.",
    )
    .into()
}

pub(crate) async fn track(
    State(p): State<Shared>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(pairs);
    let lang = ctx.lang;
    let mut shown = Shown::from(&f, &["nomor", "kode"]);
    match guard(&p, &ctx, &f).await {
        Ok(()) => {}
        Err(Refusal::Page(r)) => return r,
        Err(Refusal::Expired) => {
            shown.top = Some(expired(lang));
            return show_track_form(&p, &ctx, shown, StatusCode::FORBIDDEN).await;
        }
    }
    shown.require_number_and_code(lang, &f);
    if !shown.errors.is_empty() {
        return show_track_form(&p, &ctx, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match by_number_and_code(&p, &ctx, f.get("nomor"), f.get("kode")).await {
        Err(r) => r,
        Ok(None) => {
            shown.top = Some(no_match(lang));
            show_track_form(&p, &ctx, shown, StatusCode::NOT_FOUND).await
        }
        Ok(Some(r)) => status_page(&p, &ctx, &r, f.get("kode").trim()).await,
    }
}

/// Where a request stands, for the person holding its code: no personal
/// data beyond what they typed.
async fn status_page(p: &Portal, ctx: &Ctx, r: &Request, code: &str) -> Response {
    let lang = ctx.lang;
    let (csrf, cookie) = match token(p, ctx).await {
        Ok(x) => x,
        Err(e) => return failure(ctx, e),
    };
    let (agency, objections) = match async {
        let agency = p.app.get_agency(&r.agency_id).await?;
        let filter = ObjectionFilter {
            request: Some(r.id),
            ..Default::default()
        };
        let objections = p.app.list_objections(&filter, None, 50).await?;
        crate::error::Result::Ok((agency, objections))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return failure(ctx, e),
    };
    let tz = agency.tz();
    let day = |ts| texts::date(lang, time::local_date(ts, &tz));
    let title = t(lang, "Status permohonan", "Request status");
    let page = layout(
        ctx,
        title,
        html! {
            h1 { (title) }
            dl.receipt {
                dt { (t(lang, "Nomor registrasi", "Registration number")) } dd.big { (r.registration_number) }
                dt { (t(lang, "Badan publik", "Public body")) } dd { (agency.display_name) }
                dt { (t(lang, "Diterima", "Received")) } dd { (day(r.receive_time)) }
                dt { (t(lang, "Status", "Status")) } dd #status { strong { (texts::state(lang, r.state)) } }
                @if r.notice.is_none() {
                    dt { (t(lang, "Batas waktu pemberitahuan", "Notice due by")) }
                    dd { @if let Some(d) = r.due_date { (texts::date(lang, d)) } @else { (t(lang, "dihentikan sementara sampai permohonan dilengkapi", "paused until the request is completed")) } }
                }
                @if let Some(x) = &r.extension {
                    dt { (t(lang, "Perpanjangan", "Extension")) }
                    dd { (t(lang, "Diperpanjang pada ", "Extended on ")) (day(x.extend_time)) ": " (x.reason) }
                }
                @if let Some(n) = &r.notice {
                    dt { (t(lang, "Pemberitahuan tertulis", "Written notice")) }
                    dd #hasil { strong { (texts::outcome(lang, n.outcome)) } " · " (day(n.notice_time))
                        @if n.on_time { " " span.muted { (t(lang, "(tepat waktu)", "(on time)")) } }
                        @else { " " span.late { (t(lang, "(terlambat)", "(late)")) } } }
                    @if !n.notice_text.is_empty() {
                        dt { (t(lang, "Isi pemberitahuan", "The notice says")) } dd.text { (n.notice_text) }
                    }
                }
                @if let Some(d) = r.deliver_time {
                    dt { (t(lang, "Informasi diserahkan", "Information delivered")) } dd { (day(d)) }
                }
            }
            h2 { (t(lang, "Keberatan", "Objections")) }
            @if objections.is_empty() {
                p.empty { (t(lang, "Belum ada keberatan atas permohonan ini.", "No objection filed on this request.")) }
            } @else {
                ul.list {
                    @for (o, _) in &objections {
                        li { (objection_line(lang, o)) }
                    }
                }
            }
            div.actions.noprint {
                a.button href={ "/keberatan?nomor=" (r.registration_number) } { (t(lang, "Ajukan keberatan", "File an objection")) }
                (letter_button(lang, &csrf, &r.registration_number, code))
            }
        },
    );
    respond(
        ctx,
        StatusCode::OK,
        Caching::Private,
        page,
        cookie.as_deref(),
    )
}

fn objection_line(lang: Lang, o: &Objection) -> Markup {
    html! {
        strong { (o.registration_number) } " · "
        (t(lang, "diajukan ", "filed ")) (texts::date(lang, o.file_date)) " · "
        @match &o.decision {
            None => { (t(lang, "tanggapan atasan PPID paling lambat ", "the superior answers by ")) (texts::date(lang, o.answer_due_date)) }
            Some(a) => { (t(lang, "ditanggapi: ", "answered: ")) (decision(lang, a.decision)) }
        }
    }
}

fn decision(lang: Lang, d: ObjectionDecision) -> &'static str {
    match d {
        ObjectionDecision::Upheld => {
            t(lang, "keputusan PPID dikuatkan", "the PPID's answer stands")
        }
        ObjectionDecision::Overturned => t(lang, "keberatan diterima", "objection granted"),
        ObjectionDecision::Inadmissible => {
            t(lang, "keberatan tidak dapat diterima", "not admissible")
        }
    }
}

// ---------------------------------------------------------------- objection

pub(crate) async fn objection_form(
    State(p): State<Shared>,
    ctx: Ctx,
    Query(q): Query<NumberQuery>,
) -> Response {
    let mut s = Shown::default();
    s.values.insert("nomor".into(), q.nomor);
    show_objection_form(&p, &ctx, s, StatusCode::OK, None).await
}

async fn show_objection_form(
    p: &Portal,
    ctx: &Ctx,
    s: Shown,
    status: StatusCode,
    key: Option<&str>,
) -> Response {
    let lang = ctx.lang;
    let (csrf, cookie) = match token(p, ctx).await {
        Ok(x) => x,
        Err(e) => return failure(ctx, e),
    };
    let key = form_key(key);
    let grounds: Vec<(&str, &str)> = ObjectionGround::ALL
        .iter()
        .map(|g| (g.as_str(), texts::ground(lang, *g)))
        .collect();
    let title = t(lang, "Formulir keberatan", "Objection form");
    let page = layout(
        ctx,
        &form_title(lang, &s, title),
        html! {
            h1 { (title) }
            p.lead { (t(lang,
                "Keberatan diajukan kepada atasan PPID paling lambat 30 hari kerja setelah alasannya timbul (UU 14/2008 Pasal 35–36). Atasan PPID wajib menanggapi paling lambat 30 hari kerja.",
                "An objection goes to the PPID's superior within 30 working days of its ground arising (Law 14/2008 Articles 35–36). The superior must answer within 30 working days."))
            }
            (summary(lang, &s))
            form method="post" action="/keberatan" novalidate {
                (hidden(&csrf, Some(&key), lang))
                (input(&s, "nomor", t(lang, "Nomor registrasi permohonan", "Request registration number"), None, "text", "off", true, None))
                (input(&s, "kode", t(lang, "Kode lacak", "Tracking code"), None, "text", "off", true, None))
                (choices(&s, "alasan", t(lang, "Alasan keberatan (Pasal 35 ayat 1)", "Grounds (Article 35(1))"), &grounds, true, true))
                (textarea(&s, "uraian", t(lang, "Uraian keberatan", "Your objection"),
                    Some(t(lang, "Jelaskan apa yang Anda keberatan dan apa yang Anda minta.", "Say what you object to and what you ask for.")), true))
                button.button type="submit" { (t(lang, "Kirim keberatan", "Send the objection")) }
            }
        },
    );
    respond(ctx, status, Caching::Private, page, cookie.as_deref())
}

pub(crate) async fn file_objection(
    State(p): State<Shared>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(pairs);
    let lang = ctx.lang;
    let mut shown = Shown::from(&f, &["nomor", "kode", "uraian"]);
    let chosen: Vec<String> = f.all("alasan").into_iter().map(str::to_string).collect();
    shown.multi.insert("alasan".into(), chosen.clone());
    let key = Uuid::parse_str(f.get("kunci")).ok().filter(|u| !u.is_nil());
    match guard(&p, &ctx, &f).await {
        Ok(()) => {}
        Err(Refusal::Page(r)) => return r,
        Err(Refusal::Expired) => {
            shown.top = Some(expired(lang));
            let key = key.map(|k| k.to_string());
            return show_objection_form(&p, &ctx, shown, StatusCode::FORBIDDEN, key.as_deref())
                .await;
        }
    }
    let Some(key) = key else {
        shown.top = Some(
            t(
                lang,
                "Formulir ini tidak lengkap. Periksa isian lalu kirim lagi.",
                "This form was incomplete. Check it and send it again.",
            )
            .into(),
        );
        return show_objection_form(&p, &ctx, shown, StatusCode::UNPROCESSABLE_ENTITY, None).await;
    };
    let key_s = key.to_string();
    let again = async |shown: Shown, status: StatusCode| {
        show_objection_form(&p, &ctx, shown, status, Some(&key_s)).await
    };
    shown.require_number_and_code(lang, &f);
    if !shown.errors.is_empty() {
        return again(shown, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let r = match by_number_and_code(&p, &ctx, f.get("nomor"), f.get("kode")).await {
        Err(r) => return r,
        Ok(None) => {
            shown.add("kode", no_match(lang));
            return again(shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Ok(Some(r)) => r,
    };
    // A resubmitted form: the objection it already filed.
    if let Ok((o, _)) = p.app.get_objection(key).await {
        if o.request_id == Some(r.id) {
            return objection_receipt(&ctx, &o);
        }
        shown.top = Some(
            t(
                lang,
                "Formulir ini sudah pernah dikirim. Buka formulir baru.",
                "This form was already sent. Open a new form.",
            )
            .into(),
        );
        return show_objection_form(&p, &ctx, shown, StatusCode::CONFLICT, None).await;
    }
    if !p.may_submit(&ctx) {
        return too_many(&ctx);
    }
    let body = pb::FileObjectionRequest {
        request: format!("requests/{}", r.id),
        grounds: chosen
            .iter()
            .map(|g| ObjectionGround::parse(g).map_or(-1, ProtoEnum::to_proto))
            .collect(),
        statement: f.get("uraian").into(),
        ..Default::default()
    };
    let field_of = |v: &FieldViolation| -> (&'static str, String) {
        let (field, label) = if v.field.starts_with("grounds") {
            ("alasan", t(lang, "Alasan keberatan", "Grounds"))
        } else if v.field == "statement" {
            ("uraian", t(lang, "Uraian keberatan", "Your objection"))
        } else {
            ("top", t(lang, "Keberatan", "Objection"))
        };
        let say = if field == "alasan" && v.description.contains("at least one") {
            t(
                lang,
                "Pilih sekurang-kurangnya satu alasan keberatan.",
                "Choose at least one ground.",
            )
            .to_string()
        } else {
            generic(lang, label, &v.description)
        };
        (field, say)
    };
    let mut filing = match crate::api::objection::checked_filing(&body, p.app.now()) {
        Ok(x) => x,
        Err(Error::InvalidArgument(vs)) => {
            let shown = shown.refuse(&vs, field_of);
            return again(shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return failure(&ctx, e),
    };
    filing.id = key;
    match p.app.file_objection(filing, ACTOR).await {
        Ok(o) => {
            tracing::info!(objection = %o.id, number = %o.registration_number, "objection filed on the portal");
            objection_receipt(&ctx, &o)
        }
        Err(Error::AlreadyExists { .. }) => match p.app.get_objection(key).await {
            // Two clicks at once: the other one filed it.
            Ok((o, _)) if o.request_id == Some(r.id) => objection_receipt(&ctx, &o),
            _ => failure(
                &ctx,
                Error::Internal(anyhow::anyhow!("objection key taken")),
            ),
        },
        Err(Error::InvalidArgument(vs)) => {
            let shown = shown.refuse(&vs, field_of);
            again(shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Error::FailedPrecondition { message, .. }) => {
            tracing::debug!(%message, "portal objection refused");
            shown.top = Some(
                t(
                    lang,
                    "Keberatan belum dapat dicatat untuk permohonan ini pada tahap ini. Hubungi PPID bila Anda memerlukan bantuan.",
                    "An objection cannot be recorded for this request at this stage. Contact the PPID if you need help.",
                )
                .into(),
            );
            again(shown, StatusCode::CONFLICT).await
        }
        Err(e) => failure(&ctx, e),
    }
}

fn objection_receipt(ctx: &Ctx, o: &Objection) -> Response {
    let lang = ctx.lang;
    let title = t(
        lang,
        "Tanda bukti penerimaan keberatan",
        "Objection receipt",
    );
    let page = layout(
        ctx,
        title,
        html! {
            h1 { (title) }
            div.success role="status" {
                p { (t(lang, "Keberatan Anda telah diterima dan dicatat.", "Your objection has been received and registered.")) }
            }
            dl.receipt {
                dt { (t(lang, "Nomor keberatan", "Objection number")) } dd.big #nomor-keberatan { (o.registration_number) }
                @if let Some(n) = &o.request_registration_number {
                    dt { (t(lang, "Atas permohonan", "On request")) } dd { (n) }
                }
                dt { (t(lang, "Diajukan", "Filed")) } dd { (texts::date(lang, o.file_date)) }
                dt { (t(lang, "Tanggapan atasan PPID paling lambat", "The superior answers by")) } dd #batas-tanggapan { (texts::date(lang, o.answer_due_date)) }
                dt { (t(lang, "Alasan", "Grounds")) }
                dd {
                    ul.plain {
                        @for c in &o.checks {
                            li { (texts::ground(lang, c.ground)) " — " (admissibility(lang, c.admissibility)) }
                        }
                    }
                }
            }
            p.note { (t(lang,
                "Bila tanggapan atasan PPID tidak memuaskan atau tidak diberikan, Anda dapat mengajukan sengketa ke Komisi Informasi dalam 14 hari kerja (Pasal 37).",
                "If the superior's answer does not satisfy you or does not come, you may take the dispute to the Information Commission within 14 working days (Article 37)."))
            }
        },
    );
    respond(ctx, StatusCode::OK, Caching::Private, page, None)
}

fn admissibility(lang: Lang, a: Admissibility) -> &'static str {
    match a {
        Admissibility::Admissible => t(lang, "dapat diterima", "admissible"),
        Admissibility::Late => t(
            lang,
            "melewati batas 30 hari kerja",
            "past the 30 working days",
        ),
        Admissibility::NotApplicable => t(
            lang,
            "tidak sesuai dengan keadaan permohonan",
            "does not fit the request as it stands",
        ),
    }
}

// ---------------------------------------------------------------- letters

/// The receipt letter (tanda bukti penerimaan, the Perki's form) of the
/// request a number and code name, without personal data.
pub(crate) async fn receipt_letter(
    State(p): State<Shared>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(pairs);
    let lang = ctx.lang;
    match guard(&p, &ctx, &f).await {
        Ok(()) => {}
        Err(Refusal::Page(r)) => return r,
        Err(Refusal::Expired) => {
            return refused(
                &ctx,
                StatusCode::FORBIDDEN,
                t(lang, "Formulir kedaluwarsa", "The form has expired"),
                &expired(lang),
            );
        }
    }
    let r = match by_number_and_code(&p, &ctx, f.get("nomor"), f.get("kode")).await {
        Err(r) => return r,
        Ok(None) => {
            return refused(
                &ctx,
                StatusCode::NOT_FOUND,
                t(lang, "Tidak ditemukan", "Not found"),
                &no_match(lang),
            );
        }
        Ok(Some(r)) => r,
    };
    match p
        .app
        .render_letter(
            LetterSubject::Request(r.id),
            LetterKind::Receipt,
            lang,
            false,
        )
        .await
    {
        Ok(letter) => document(letter.html),
        Err(Error::FailedPrecondition { .. } | Error::NotFound { .. }) => refused(
            &ctx,
            StatusCode::CONFLICT,
            t(lang, "Surat belum tersedia", "Letter not available yet"),
            t(
                lang,
                "PPID belum melengkapi kop surat. Halaman tanda bukti tetap dapat dicetak.",
                "The PPID has not set up its letterhead yet. The receipt page can still be printed.",
            ),
        ),
        Err(e) => failure(&ctx, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_violation_is_said_by_its_field_in_plain_words() {
        // (field, the API's description, form field, what the person reads)
        let cases = [
            (
                "request.agency",
                "is required",
                "badan",
                "Pilih badan publik yang dituju.",
            ),
            (
                "request.requester.full_name",
                "is required",
                "nama",
                "Nama lengkap wajib diisi.",
            ),
            (
                "request.requester.full_name",
                "is 300 characters long; the limit is 200",
                "nama",
                "Nama lengkap terlalu panjang: paling banyak 200 karakter.",
            ),
            (
                "request.requester.nik",
                "must be exactly 16 digits",
                "nik",
                "NIK harus tepat 16 angka.",
            ),
            (
                "request.requester.nik",
                "is required for an individual or a group (16 digits from the KTP)",
                "nik",
                "NIK wajib diisi untuk perorangan atau kelompok: 16 angka sesuai KTP.",
            ),
            (
                "request.requester.phone",
                "phone or email is required, so the PPID can reach the requester",
                "telepon",
                "Isi nomor telepon atau alamat email, agar PPID dapat menghubungi Anda.",
            ),
            (
                "request.requester.email",
                "is not an email address",
                "email",
                "Alamat email tidak valid (contoh: nama@contoh.id).",
            ),
            (
                "request.copy_form",
                "is required when the requester wants a copy",
                "salinan",
                "Pilih bentuk salinan (softcopy atau hardcopy) bila meminta salinan.",
            ),
            (
                "request.purpose",
                "contains the control character U+0007",
                "tujuan",
                "Tujuan penggunaan informasi memuat karakter yang tidak diizinkan.",
            ),
            (
                "request.receive_time",
                "is in the future",
                "top",
                "Formulir: isian ini tidak dapat diterima.",
            ),
        ];
        for (field, description, want_field, want) in cases {
            let (f, say) = request_error(Lang::Id, &FieldViolation::new(field, description));
            assert_eq!(
                (f, say.as_str()),
                (want_field, want),
                "{field}: {description}"
            );
        }
        let (f, say) = request_error(
            Lang::En,
            &FieldViolation::new("request.requester.full_name", "is required"),
        );
        assert_eq!((f, say.as_str()), ("nama", "Full name is required."));
    }
}
