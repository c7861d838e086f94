//! The event feed: every event the register records, and the deadline
//! alerts, at positions in commit order (RULINGS: a reader using
//! `position > cursor` must never skip a position that commits later).
//!
//! SQLite has one writer: row ids are taken and committed in order. On
//! PostgreSQL several servers write: each group takes a transaction
//! advisory lock just before it inserts its feed rows and holds it until
//! COMMIT, so positions are taken in commit order, and a transaction's rows
//! are visible before the next one can take a position.
use jiff::Timestamp;

use super::{
    core::SqlStore,
    db::{Arg, Conn, Row, Sql},
    rows::{from_ts, subtree_bounds, ts},
};
use crate::{
    domain::{RequestState, request::Request},
    error::Result,
};

/// The advisory lock key of feed positions (any constant; "ppid feed").
const FEED_LOCK: i64 = 0x7070_6964_6665_6564;

/// A feed row to write (its position comes with the insert).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedEvent {
    /// `requests/{id}` or `objections/{id}`.
    pub subject: String,
    /// The subject's registration number.
    pub registration_number: String,
    /// The agency handling it.
    pub agency_id: String,
    /// That agency's path.
    pub agency_path: String,
    /// An event type (`domain::EventType`) or an alert kind.
    pub kind: String,
    /// The request's state after it ("" for an objection's own events).
    pub state: String,
    /// One line for people.
    pub summary: String,
    /// Effective time.
    pub event_time: Timestamp,
    /// When recorded.
    pub record_time: Timestamp,
    /// Who (an API key's label, "portal", "open mode", "ppid" for alerts).
    pub actor: String,
    /// Imported history (`ppid import register`): left out of the feed
    /// unless asked for.
    pub imported: bool,
}

impl NewFeedEvent {
    fn args(&self) -> Vec<Arg> {
        vec![
            self.subject.as_str().into(),
            self.registration_number.as_str().into(),
            self.agency_id.as_str().into(),
            self.agency_path.as_str().into(),
            self.kind.as_str().into(),
            self.state.as_str().into(),
            self.summary.as_str().into(),
            ts(self.event_time).into(),
            ts(self.record_time).into(),
            self.actor.as_str().into(),
            self.imported.into(),
        ]
    }
}

/// A feed event as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    /// Its position.
    pub position: i64,
    /// What was written.
    pub event: NewFeedEvent,
    /// Imported history (left out unless asked for).
    pub imported: bool,
}

/// Which feed events to read.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Only in this agency's subtree (its path).
    pub agency_path: Option<String>,
    /// Only of these kinds (empty: any).
    pub kinds: Vec<String>,
    /// Imported history too.
    pub include_imported: bool,
}

/// Writes a group's feed rows, in its transaction, just before COMMIT.
pub(crate) async fn insert_feed(conn: &mut Conn<'_>, rows: &[NewFeedEvent]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if conn.is_postgres() {
        Sql::new("SELECT pg_advisory_xact_lock($1)")
            .bind(FEED_LOCK)
            .execute(conn)
            .await?;
    }
    for chunk in rows.chunks(500) {
        let mut q = Sql::new(
            "INSERT INTO feed_events (subject, registration_number, agency_id, agency_path, \
             type, state, summary, event_time, record_time, actor, imported) ",
        );
        q.push_values(chunk.iter().map(NewFeedEvent::args));
        q.execute(conn).await?;
    }
    Ok(())
}

fn feed_from_row(r: &Row) -> Result<FeedEvent> {
    Ok(FeedEvent {
        position: r.get("position")?,
        event: NewFeedEvent {
            subject: r.get("subject")?,
            registration_number: r.get("registration_number")?,
            agency_id: r.get("agency_id")?,
            agency_path: r.get("agency_path")?,
            kind: r.get("type")?,
            state: r.get("state")?,
            summary: r.get("summary")?,
            event_time: from_ts(r.get("event_time")?)?,
            record_time: from_ts(r.get("record_time")?)?,
            actor: r.get("actor")?,
            imported: r.get("imported")?,
        },
        imported: r.get("imported")?,
    })
}

/// A request whose deadline may call for an alert.
#[derive(Debug, Clone)]
pub struct AlertCandidate {
    /// The request.
    pub request: Request,
    /// Its agency's path.
    pub agency_path: String,
}

#[async_trait::async_trait]
impl super::FeedStore for SqlStore {
    async fn list_feed(
        &self,
        filter: &FeedFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<FeedEvent>> {
        let mut q = Sql::new(
            "SELECT position, subject, registration_number, agency_id, agency_path, type, state, \
             summary, event_time, record_time, actor, imported FROM feed_events \
             WHERE position > ",
        );
        q.push_bind(after);
        if let Some(path) = &filter.agency_path {
            let (low, high) = subtree_bounds(path);
            q.push(" AND agency_path >= ")
                .push_bind(low)
                .push(" AND agency_path < ")
                .push_bind(high);
        }
        if !filter.kinds.is_empty() {
            q.push(" AND type IN ")
                .push_list(filter.kinds.iter().map(String::as_str));
        }
        if !filter.include_imported {
            q.push(" AND imported = ").push_bind(false);
        }
        q.push(" ORDER BY position LIMIT ").push_bind(limit);
        let mut p = self.read().await?;
        let rows = q.fetch_all(&mut p.conn()).await?;
        rows.iter().map(feed_from_row).collect()
    }

    async fn feed_head(&self) -> Result<i64> {
        let mut p = self.read().await?;
        Sql::new("SELECT COALESCE(MAX(position), 0) FROM feed_events")
            .scalar(&mut p.conn())
            .await
    }

    async fn alert_candidates(
        &self,
        kind: &str,
        state: RequestState,
        after: Timestamp,
        until: Timestamp,
        limit: i64,
    ) -> Result<Vec<AlertCandidate>> {
        let column = if state == RequestState::Responded {
            "delivery_due_end_time"
        } else {
            "due_end_time"
        };
        let mut q = Sql::new(format!(
            "SELECT {}, agency_path AS candidate_path FROM requests r WHERE r.state = ",
            super::rows::REQUEST_COLUMNS
        ));
        q.push_bind(state.as_str())
            .push(&format!(" AND r.{column} > "))
            .push_bind(ts(after))
            .push(&format!(" AND r.{column} <= "))
            .push_bind(ts(until))
            .push(
                " AND NOT EXISTS (SELECT 1 FROM deadline_alerts a WHERE a.request_id = r.id \
                 AND a.kind = ",
            )
            .push_bind(kind.to_string())
            .push(&format!(" AND a.deadline_end = r.{column})"))
            .push(&format!(" ORDER BY r.{column} LIMIT "))
            .push_bind(limit);
        let mut p = self.read().await?;
        let rows = q.fetch_all(&mut p.conn()).await?;
        rows.iter()
            .map(|row| {
                Ok(AlertCandidate {
                    request: super::rows::request_from_row(row)?,
                    agency_path: row.get("candidate_path")?,
                })
            })
            .collect()
    }
}

/// Claims an alert (false: another server, or an earlier tick, sent it).
pub(crate) async fn claim_alert(
    conn: &mut Conn<'_>,
    request_id: &str,
    kind: &str,
    deadline_end: Timestamp,
) -> Result<bool> {
    let n = Sql::new(
        "INSERT INTO deadline_alerts (request_id, kind, deadline_end) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(request_id)
    .bind(kind)
    .bind(ts(deadline_end))
    .execute(conn)
    .await?;
    Ok(n == 1)
}
