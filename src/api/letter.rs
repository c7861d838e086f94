//! `ppid.v1.LetterService`: letters written from the register.
use tonic::{Request, Response, Status};

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check, ProtoEnum},
};
use crate::{
    app::letters::LetterSubject,
    domain::LetterKind,
    pb::ppid::v1::{self as pb, letter_service_server::LetterService},
    report::texts::Lang,
};

/// The letter service.
pub struct LetterApi(pub AppState);

#[tonic::async_trait]
impl LetterService for LetterApi {
    async fn render_letter(
        &self,
        req: Request<pb::RenderLetterRequest>,
    ) -> Result<Response<pb::Letter>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let subject = if r.name.starts_with("objections/") {
            convert::uuid_name(&mut c, "name", "objections", &r.name).map(LetterSubject::Objection)
        } else if r.name.is_empty() || r.name.starts_with("requests/") {
            convert::request_id(&mut c, "name", &r.name).map(LetterSubject::Request)
        } else {
            c.add(
                "name",
                "must be requests/{request} or objections/{objection}",
            );
            None
        };
        let kind: Option<LetterKind> = c.required_enum("kind", r.kind);
        let lang = Lang::parse(&r.language_code);
        if lang.is_none() {
            c.add("language_code", "must be id or en");
        }
        c.finish()?;
        let (Some(subject), Some(kind), Some(lang)) = (subject, kind, lang) else {
            return Err(convert::missing());
        };
        // Out of reach and missing are one answer to a scoped caller.
        let agency_id = caller.conceal(
            async {
                let agency_id = self.0.app.letter_agency(subject).await?;
                caller.require_agency(&self.0.access, &agency_id).await?;
                Ok(agency_id)
            }
            .await,
        )?;
        let personal = caller.sees_personal_data(&self.0.access.agency_path(&agency_id).await?);
        let letter = self
            .0
            .app
            .render_letter(subject, kind, lang, personal)
            .await?;
        tracing::info!(subject = %r.name, kind = %kind, actor = %caller.actor(), "letter rendered");
        Ok(Response::new(pb::Letter {
            kind: kind.to_proto(),
            subject: r.name,
            title: letter.title,
            date: Some(convert::date(letter.date)),
            language_code: lang.code().into(),
            html: letter.html,
            personal_data_included: personal,
        }))
    }
}
