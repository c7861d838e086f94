//! The event feed for portals, and the deadline alerts it carries: a
//! portal emails or messages people from it; the service sends nothing.
use jiff::{SignedDuration, Timestamp};

use super::{
    App,
    worklist::{DeadlineState, Reckoner, running_deadline_date},
};
use crate::{
    domain::RequestState,
    error::Result,
    report::texts::{self, Lang},
    store::{FeedEvent, FeedFilter, NewFeedEvent, feed::claim_alert},
};

/// A written notice is due soon (once per request and deadline).
pub const ALERT_DUE_SOON: &str = "deadline_due_soon";
/// The written notice's deadline passed without a notice.
pub const ALERT_PASSED: &str = "deadline_passed";
/// The delivery date passed without delivery.
pub const ALERT_DELIVERY_PASSED: &str = "delivery_deadline_passed";
/// Every alert kind.
pub const ALERT_KINDS: [&str; 3] = [ALERT_DUE_SOON, ALERT_PASSED, ALERT_DELIVERY_PASSED];

/// How far back a round looks for deadlines that passed: a deadline that
/// passed while every server was down longer than this gets no alert (the
/// worklist still shows it).
pub const ALERT_LOOKBACK: SignedDuration = SignedDuration::from_hours(24 * 7);
/// How far ahead a round reads deadlines that may be due soon: more than
/// any threshold reaches in working days across the longest holidays.
const DUE_SOON_HORIZON_DAYS: i64 = 45;
/// Alerts of one kind sent per round at most (the rest follow next round).
const ALERT_BATCH: i64 = 500;
/// The actor of alerts.
const ALERT_ACTOR: &str = "ppid";

impl App {
    /// Feed events after `after`, in commit order.
    pub async fn list_events(
        &self,
        filter: &FeedFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<FeedEvent>> {
        self.store.list_feed(filter, after, limit).await
    }

    /// The feed's last position.
    pub async fn feed_head(&self) -> Result<i64> {
        self.store.feed_head().await
    }

    /// Sends the deadline alerts that are due now: each once per request and
    /// deadline, whichever server gets there first (a unique key decides);
    /// a moved deadline is a new one. Returns how many were sent.
    pub async fn emit_deadline_alerts(&self) -> Result<usize> {
        let now = self.now();
        let mut rk = Reckoner::new(self, now);
        let mut alerts: Vec<(&'static str, NewFeedEvent, Timestamp)> = Vec::new();
        let since = now.checked_sub(ALERT_LOOKBACK).unwrap_or(now);
        for (kind, state) in [
            (ALERT_PASSED, RequestState::Pending),
            (ALERT_DELIVERY_PASSED, RequestState::Responded),
        ] {
            for c in self
                .store
                .alert_candidates(kind, state, since, now, ALERT_BATCH)
                .await?
            {
                let r = &c.request;
                let (Some(end), Some(date)) = (r.running_deadline_end(), running_deadline_date(r))
                else {
                    continue;
                };
                let summary = if kind == ALERT_PASSED {
                    format!(
                        "Batas waktu pemberitahuan tertulis ({}) terlewati",
                        texts::date(Lang::Id, date)
                    )
                } else {
                    format!(
                        "Batas waktu penyerahan informasi ({}) terlewati",
                        texts::date(Lang::Id, date)
                    )
                };
                alerts.push((kind, alert(r, &c.agency_path, kind, summary, end, now), end));
            }
        }
        let horizon = now
            .checked_add(SignedDuration::from_hours(24 * DUE_SOON_HORIZON_DAYS))
            .unwrap_or(now);
        for c in self
            .store
            .alert_candidates(
                ALERT_DUE_SOON,
                RequestState::Pending,
                now,
                horizon,
                ALERT_BATCH,
            )
            .await?
        {
            let r = &c.request;
            let view = rk.view(r).await?;
            let (DeadlineState::DueSoon, Some(date), Some(end)) =
                (view.state, view.date, r.running_deadline_end())
            else {
                continue;
            };
            let summary = format!(
                "Pemberitahuan tertulis jatuh tempo {} ({} hari kerja lagi)",
                texts::date(Lang::Id, date),
                view.working_days_left
            );
            alerts.push((
                ALERT_DUE_SOON,
                alert(r, &c.agency_path, ALERT_DUE_SOON, summary, now, now),
                end,
            ));
        }
        if alerts.is_empty() {
            return Ok(0);
        }
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let mut sent = 0;
                    for (kind, row, end) in alerts {
                        let id = row.subject.trim_start_matches("requests/").to_string();
                        if claim_alert(&mut tx.conn, &id, kind, end).await? {
                            tx.feed(row);
                            sent += 1;
                        }
                    }
                    Ok(sent)
                })
            })
            .await
    }
}

fn alert(
    r: &crate::domain::request::Request,
    agency_path: &str,
    kind: &str,
    summary: String,
    event_time: Timestamp,
    now: Timestamp,
) -> NewFeedEvent {
    NewFeedEvent {
        subject: format!("requests/{}", r.id),
        registration_number: r.registration_number.clone(),
        agency_id: r.agency_id.clone(),
        agency_path: agency_path.to_string(),
        kind: kind.to_string(),
        state: r.state.as_str().to_string(),
        summary,
        event_time,
        record_time: now,
        actor: ALERT_ACTOR.to_string(),
        imported: false,
    }
}
