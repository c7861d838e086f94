//! Requests: submission, the lawful transitions, reads and tracking.
use uuid::Uuid;

use super::App;
use crate::{
    domain::{
        EventType,
        lifecycle::{self, Command},
        request::{self, Event, NewRequest, Request},
        stats, time,
    },
    error::{Error, Result},
    store::{
        ListCursor, RequestFilter, Submitted, Tx,
        dik::fetch_exemption,
        figures::{record_figures, record_unanswered, unanswered_key},
        register::{ID_RACE, fetch_request, insert_citations, insert_request, write_request},
        rows::{NewRow, agency_not_found, request_not_found},
        tariff::tariffs_on_path,
    },
};

/// Registers one request in the writer's transaction. `check_first`: look
/// for an earlier call with the same id first (a retry answers as that call
/// did); without it, a taken id fails the insert (ID_RACE) and the caller
/// tries again with the check. Most calls are new: the check is a
/// statement they need not pay for.
pub(crate) async fn register(
    tx: &mut Tx<'_>,
    new: NewRequest,
    now: jiff::Timestamp,
    actor: &str,
    check_first: bool,
    number: Option<String>,
    legacy_number: Option<&str>,
) -> Result<Submitted> {
    if check_first && let Some((existing, hash)) = fetch_request(&mut tx.conn, new.id).await? {
        return request::replay(existing, &hash, &new.body_hash);
    }
    let agency = tx
        .agency(&new.agency_id)
        .await?
        .ok_or_else(|| agency_not_found(&new.agency_id))?;
    let calendar = tx.calendar(&agency).await?;
    let tz = agency.tz();
    let receive_time = new.receive_time.unwrap_or(now);
    let start = time::local_date(receive_time, &tz);
    let clock = lifecycle::run_clock(&calendar, &tz, start, false).map_err(|_| {
        Error::invalid(
            "request.receive_time",
            "is outside the supported calendar range",
        )
    })?;
    // An imported request keeps the number its register gave it.
    let seq = match number {
        Some(_) => 0,
        None => {
            tx.next_number(&agency.pemda_id, start.year(), "request")
                .await?
        }
    };
    let body_hash = new.body_hash.clone();
    let submitted_by = new.submitted_by.clone();
    let (mut request, mut event) =
        lifecycle::register(new, &agency, receive_time, start, clock, seq, now);
    if let Some(n) = number {
        event.summary = event.summary.replacen(&request.registration_number, &n, 1);
        event
            .details
            .insert("registration_number".to_string(), n.clone());
        request.registration_number = n;
    }
    if let Some(legacy) = legacy_number {
        event
            .summary
            .push_str(&format!(" (legacy number {legacy})"));
        event
            .details
            .insert("legacy_number".to_string(), legacy.to_string());
    }
    insert_request(
        &mut tx.conn,
        &NewRow {
            request: &request,
            agency_path: &agency.path,
            body_hash: &body_hash,
            submitted_by: submitted_by.as_deref(),
        },
    )
    .await?;
    tx.insert_event(&request, &event, now, actor).await?;
    record_figures(tx, &stats::request_contributions(&request, &tz));
    record_unanswered(tx, unanswered_key(&request));
    Ok(Submitted {
        request,
        replayed: false,
    })
}

/// Applies a decision to a stored request in the writer's transaction, at
/// `now` (see `domain::lifecycle`). `importing`: history entered from an
/// old register (`ppid import register`), where a withholding without a
/// DIK entry is recorded flagged rather than refused (RULINGS, Operations)
/// and fees are taken as written (tariffs came later than most registers).
pub(crate) async fn transition_in(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: Option<i64>,
    command: Command,
    now: jiff::Timestamp,
    actor: &str,
    importing: bool,
) -> Result<Request> {
    let req = fetch_request(&mut tx.conn, id)
        .await?
        .ok_or_else(|| request_not_found(id))?
        .0;
    if expected_version.is_some_and(|v| v != req.version) {
        return Err(Error::Aborted(format!(
            "requests/{id} changed since it was read (stale etag); read it again"
        )));
    }
    let agency = tx.referenced_agency(&req.agency_id).await?;
    let cal = tx.calendar(&agency).await?;
    let tz = agency.tz();
    let mut cited = Vec::new();
    let mut tariffs = Vec::new();
    if let Command::Respond(n) = &command {
        if !importing {
            tariffs = tariffs_on_path(&mut tx.conn, &agency.path).await?;
        }
        for (i, (agency_id, eid)) in n.exemptions.iter().enumerate() {
            let e = fetch_exemption(&mut tx.conn, *eid)
                .await?
                .filter(|e| &e.agency_id == agency_id);
            cited.push(e.ok_or_else(|| Error::NotFound {
                kind: "exemption",
                name: format!("agencies/{agency_id}/exemptions/{eid} (notice.exemptions[{i}])"),
            })?);
        }
    }
    let ctx = lifecycle::Context {
        now,
        agency: &agency,
        tz: &tz,
        calendar: &cal,
        cited: &cited,
        allow_unregistered_exemption: importing || tx.core.settings.allow_unregistered_exemption,
        completion_window_working_days: tx.core.settings.completion_window_working_days,
        delivery_working_days: tx.core.settings.delivery_working_days,
        tariffs: &tariffs,
    };
    let (next, event) = lifecycle::apply(&req, command, &ctx)?;
    let next_agency = if next.agency_id == agency.id {
        agency.clone()
    } else {
        tx.agency(&next.agency_id)
            .await?
            .ok_or_else(|| agency_not_found(&next.agency_id))?
    };
    write_request(&mut tx.conn, &next, &next_agency.path, req.version).await?;
    record_figures(
        tx,
        &stats::diff(
            &stats::request_contributions(&req, &tz),
            &stats::request_contributions(&next, &next_agency.tz()),
        ),
    );
    tx.insert_event(&next, &event, now, actor).await?;
    if event.kind == EventType::Responded {
        insert_citations(&mut tx.conn, &next).await?;
    }
    Ok(next)
}

impl App {
    /// Registers a request (UU KIP Pasal 22(4)); idempotent on its id.
    #[tracing::instrument(level = "debug", skip_all, fields(request = %new.id, agency = %new.agency_id))]
    pub async fn submit_request(&self, new: NewRequest, actor: &str) -> Result<Submitted> {
        let now = self.now();
        let retry = new.clone();
        let first_actor = actor.to_string();
        let registered = self
            .store
            .writer()
            .write(move |tx| {
                Box::pin(
                    async move { register(tx, new, now, &first_actor, false, None, None).await },
                )
            })
            .await;
        match registered {
            Err(Error::AlreadyExists { reason, .. }) if reason == ID_RACE => {
                // The id is taken (a retry, or a twin in the same group, or
                // another server's): register again, looking first.
                let actor = actor.to_string();
                self.store
                    .writer()
                    .write(move |tx| {
                        Box::pin(
                            async move { register(tx, retry, now, &actor, true, None, None).await },
                        )
                    })
                    .await
            }
            other => other,
        }
    }

    /// Applies a decision (see `domain::lifecycle`); `expected_version`
    /// checks the etag. A lost race gives ABORTED.
    #[tracing::instrument(skip_all, fields(request = %id, command = ?command.kind()))]
    pub async fn transition(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        command: Command,
        actor: &str,
    ) -> Result<Request> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    transition_in(tx, id, expected_version, command, now, &actor, false).await
                })
            })
            .await
    }

    /// A request.
    pub async fn get_request(&self, id: Uuid) -> Result<Request> {
        self.store.get_request(id).await
    }

    /// A page of requests in the filter's order, after `cursor`.
    pub async fn list_requests(
        &self,
        filter: &RequestFilter,
        cursor: Option<ListCursor>,
        limit: i64,
    ) -> Result<Vec<Request>> {
        self.store.list_requests(filter, cursor, limit).await
    }

    /// A request's history, oldest first.
    pub async fn request_history(&self, id: Uuid) -> Result<Vec<Event>> {
        self.store.request_history(id).await
    }

    /// The request with this registration number, if any (public tracking
    /// checks its code before showing anything).
    pub async fn request_by_number(&self, registration_number: &str) -> Result<Option<Request>> {
        self.store.request_by_number(registration_number).await
    }

    /// The key that submitted a request (`None` in open mode).
    pub async fn request_submitter(&self, id: Uuid) -> Result<Option<String>> {
        self.store.request_submitter(id).await
    }
}

impl App {
    /// Answers a request for information already published in the DIP: a
    /// grant in full whose notice points to the entry, delivered by
    /// reference at the notice time, in one transaction. The entry must be
    /// in the DIP of the handling agency (or one above it) on the notice day.
    #[tracing::instrument(skip_all, fields(request = %id))]
    pub async fn respond_by_reference(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        notice: lifecycle::NoticeInput,
        (owner, entry_id): (String, Uuid),
        actor: &str,
    ) -> Result<Request> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    if notice.outcome != crate::domain::Outcome::Granted {
                        return Err(Error::invalid(
                            "notice.published_entry",
                            "points to published information only for a grant in full (OUTCOME_GRANTED)",
                        ));
                    }
                    let (_, agency) = super::objections::request_and_agency(tx, id).await?;
                    let entry = crate::store::dip::fetch_entry(&mut tx.conn, entry_id)
                        .await?
                        .filter(|e| {
                            e.agency_id == owner
                                && crate::domain::agency::depth_on(&agency.path, &owner).is_some()
                        })
                        .ok_or_else(|| {
                            Error::invalid(
                                "notice.published_entry",
                                format!(
                                    "agencies/{owner}/dipEntries/{entry_id} is not an entry of the DIP of agencies/{}",
                                    agency.id
                                ),
                            )
                        })?;
                    let notice_time = notice.notice_time.unwrap_or(now);
                    let day = time::local_date(notice_time, &agency.tz());
                    let Some(version) = entry.version_on(day) else {
                        return Err(Error::precondition(
                            "DIP_ENTRY_NOT_PUBLISHED",
                            format!(
                                "notice.published_entry: {} is not in the DIP on {day} (not yet published, or withdrawn)",
                                entry.name()
                            ),
                        ));
                    };
                    let place: Vec<&str> = version
                        .url
                        .iter()
                        .chain(version.location.iter())
                        .map(String::as_str)
                        .collect();
                    transition_in(
                        tx,
                        id,
                        expected_version,
                        Command::Respond(notice),
                        now,
                        &actor,
                        false,
                    )
                    .await?;
                    let note = format!(
                        "Informasi telah diumumkan dalam Daftar Informasi Publik ({}, nomor {}): {}; diserahkan dengan merujuk tempat pengumumannya",
                        entry.name(),
                        entry.number,
                        place.join("; ")
                    );
                    transition_in(
                        tx,
                        id,
                        None,
                        Command::RecordDelivery {
                            deliver_time: Some(notice_time),
                            note: Some(note),
                        },
                        now,
                        &actor,
                        false,
                    )
                    .await
                })
            })
            .await
    }
}
