//! Letters written from the register (#22.3): the app reads the request or
//! objection, checks with the domain that the letter applies now, finds the
//! letterhead and renders. Nothing is written.
use uuid::Uuid;

use super::App;
use crate::{
    domain::{
        EventType, LetterKind,
        agency::{self, Agency},
        letter::{self, Letterhead},
        request::Request,
    },
    error::{Error, Result},
    report::{
        letter::{Letter, LetterFacts, render},
        texts::Lang,
    },
};

/// What a letter is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterSubject {
    /// A request.
    Request(Uuid),
    /// An objection.
    Objection(Uuid),
}

impl App {
    /// The letterhead letters of `agency` are printed on: its own, else the
    /// nearest agency's above it (an OPD without one writes on its Pemda's
    /// PPID Utama's). FAILED_PRECONDITION / LETTERHEAD_INCOMPLETE when none
    /// is set, naming where to set it.
    pub async fn letterhead_for(&self, agency: &Agency) -> Result<Letterhead> {
        let ids: Vec<&str> = agency::path_ids(&agency.path).collect();
        for id in ids.iter().rev() {
            if let Some(l) = self.store.letterhead(id).await? {
                let missing = l.violations("letterhead");
                if missing.is_empty() {
                    return Ok(l);
                }
                return Err(Error::precondition(
                    "LETTERHEAD_INCOMPLETE",
                    format!(
                        "the letterhead of agencies/{id} is incomplete ({}): set it with \
                         UpdateAgency (update_mask letterhead)",
                        missing
                            .iter()
                            .map(|v| v.field.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Err(Error::precondition(
            "LETTERHEAD_INCOMPLETE",
            format!(
                "agencies/{} has no letterhead (nor any agency above it): set one with \
                 UpdateAgency (update_mask letterhead: institution, address, city, ppid_name, \
                 superior_name, superior_position, decree_number)",
                agency.id
            ),
        ))
    }

    /// An agency's own letterhead, if set.
    pub async fn letterhead(&self, agency_id: &str) -> Result<Option<Letterhead>> {
        self.store.letterhead(agency_id).await
    }

    /// The agency a letter's subject belongs to (for the caller's reach).
    pub async fn letter_agency(&self, subject: LetterSubject) -> Result<String> {
        Ok(match subject {
            LetterSubject::Request(id) => self.store.get_request(id).await?.agency_id,
            LetterSubject::Objection(id) => self.store.get_objection(id).await?.0.agency_id,
        })
    }

    /// Renders letter `kind` about `subject` in `lang`; the requester's
    /// name and address only when `personal` (the caller may see personal
    /// data). LETTER_NOT_APPLICABLE when the subject's state has no such
    /// letter; LETTERHEAD_INCOMPLETE without a letterhead.
    pub async fn render_letter(
        &self,
        subject: LetterSubject,
        kind: LetterKind,
        lang: Lang,
        personal: bool,
    ) -> Result<Letter> {
        let store = self.store();
        let (request, objection): (Option<Request>, _) = match subject {
            LetterSubject::Request(id) => (Some(store.get_request(id).await?), None),
            LetterSubject::Objection(id) => {
                let (o, _) = store.get_objection(id).await?;
                let r = match o.request_id {
                    Some(rid) => Some(store.get_request(rid).await?),
                    None => None,
                };
                (r, Some(o))
            }
        };
        let mut returned = None;
        match (&objection, &request) {
            (Some(o), _) => letter::check_objection_letter(kind, o)?,
            (None, Some(r)) => {
                // The latest return for completion, with what it asked for.
                if kind == LetterKind::CompletionRequest {
                    returned = store
                        .request_history(r.id)
                        .await?
                        .into_iter()
                        .rev()
                        .find(|e| e.kind == EventType::ReturnedForCompletion)
                        .map(|e| {
                            (
                                e.event_time,
                                e.details
                                    .get("missing_information")
                                    .cloned()
                                    .unwrap_or_default(),
                            )
                        });
                }
                letter::check_request_letter(kind, r, returned.is_some())?;
            }
            (None, None) => unreachable!("a request letter has its request"),
        }
        let agency_id = objection
            .as_ref()
            .map(|o| o.agency_id.clone())
            .or_else(|| request.as_ref().map(|r| r.agency_id.clone()))
            .unwrap_or_default();
        let agency = store.get_agency(&agency_id).await?;
        let letterhead = self.letterhead_for(&agency).await?;
        let tracking_code = match (&request, kind) {
            (Some(r), LetterKind::Receipt) => Some(crate::domain::access::tracking_code(
                self.secret("tracking_code").await?.as_bytes(),
                &r.id.to_string(),
            )),
            _ => None,
        };
        let mut exemptions = Vec::new();
        if objection.is_none()
            && let Some(n) = request.as_ref().and_then(|r| r.notice.as_ref())
        {
            for c in &n.citations {
                exemptions.push(store.get_exemption(&c.agency_id, c.exemption_id).await?.0);
            }
        }
        let facts = LetterFacts {
            kind,
            letterhead: &letterhead,
            tz: agency.tz(),
            request: request.as_ref(),
            personal,
            tracking_code,
            returned,
            exemptions,
            objection: objection.as_ref(),
        };
        Ok(render(&facts, lang))
    }
}
