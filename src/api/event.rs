//! `ppid.v1.EventService`: the event feed for portals.
use std::{pin::Pin, sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures::Stream;
use tokio::sync::{Semaphore, watch};
use tonic::{Request, Response, Status};

use super::{
    AppState,
    auth::Caller,
    convert::{self, Check},
};
use crate::{
    app::feed::ALERT_KINDS,
    domain::EventType,
    pb::ppid::v1::{self as pb, event_service_server::EventService},
    store::{FeedEvent, FeedFilter},
};

/// How often a watcher looks for new events: a commit on any server sharing
/// the database reaches it within this (plus the read).
pub const WATCH_POLL: Duration = Duration::from_millis(200);
/// Watch streams open at once on this server.
pub const MAX_WATCHERS: usize = 256;
/// Events a watcher reads at a time.
const WATCH_BATCH: i64 = 500;

/// The event service.
pub struct EventApi {
    state: AppState,
    watchers: Arc<Semaphore>,
    stop: watch::Receiver<bool>,
}

impl EventApi {
    /// The service; watch streams end when `stop` turns true (the server
    /// is draining), telling their clients to resume from their cursor.
    pub fn new(state: AppState, stop: watch::Receiver<bool>) -> Self {
        Self {
            state,
            watchers: Arc::new(Semaphore::new(MAX_WATCHERS)),
            stop,
        }
    }

    /// The filter and starting position of a list or watch, checked.
    async fn scope(
        &self,
        caller: &Caller,
        mut c: Check,
        agency: &str,
        types: &[String],
        include_imported: bool,
    ) -> Result<FeedFilter, Status> {
        let agency_id = if agency.is_empty() {
            None
        } else {
            convert::agency_id(&mut c, "agency", agency)
        };
        for (i, t) in types.iter().enumerate() {
            if EventType::parse(t).is_none() && !ALERT_KINDS.contains(&t.as_str()) {
                c.add(
                    format!("types[{i}]"),
                    "is not an event type (see Event.type)",
                );
            }
        }
        c.finish()?;
        let (agency, _) = caller
            .filter_agency(&self.state.app, agency_id, true)
            .await?;
        Ok(FeedFilter {
            agency_path: agency.map(|a| a.path),
            kinds: types.to_vec(),
            include_imported,
        })
    }
}

/// An event's cursor: its position, opaque.
fn cursor(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("feed:{position}"))
}

/// The position a cursor names (0 for none).
fn position(c: &mut Check, field: &str, cursor: &str) -> i64 {
    if cursor.is_empty() {
        return 0;
    }
    let parsed = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("feed:").and_then(|p| p.parse::<i64>().ok()))
        .filter(|p| *p >= 0);
    match parsed {
        Some(p) => p,
        None => {
            c.add(field, "is not a cursor from this feed");
            0
        }
    }
}

fn to_pb(e: &FeedEvent) -> pb::Event {
    let f = &e.event;
    pb::Event {
        cursor: cursor(e.position),
        subject: f.subject.clone(),
        registration_number: f.registration_number.clone(),
        agency: format!("agencies/{}", f.agency_id),
        r#type: f.kind.clone(),
        state: f.state.clone(),
        summary: f.summary.clone(),
        event_time: Some(convert::timestamp(f.event_time)),
        record_time: Some(convert::timestamp(f.record_time)),
        actor: f.actor.clone(),
        imported: e.imported,
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::Event, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl EventService for EventApi {
    async fn list_events(
        &self,
        req: Request<pb::ListEventsRequest>,
    ) -> Result<Response<pb::ListEventsResponse>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let after = position(&mut c, "after", &r.after);
        let size = match r.page_size {
            0 => 100,
            n if (1..=1000).contains(&n) => i64::from(n),
            _ => {
                c.add("page_size", "must be between 1 and 1000");
                0
            }
        };
        let filter = self
            .scope(&caller, c, &r.agency, &r.types, r.include_imported)
            .await?;
        let events = self.state.app.list_events(&filter, after, size).await?;
        let next = events.last().map_or(after, |e| e.position);
        Ok(Response::new(pb::ListEventsResponse {
            events: events.iter().map(to_pb).collect(),
            next_cursor: if next == 0 {
                String::new()
            } else {
                cursor(next)
            },
        }))
    }

    type WatchEventsStream = EventStream;

    async fn watch_events(
        &self,
        req: Request<pb::WatchEventsRequest>,
    ) -> Result<Response<Self::WatchEventsStream>, Status> {
        let caller = Caller::of(&req);
        let r = req.into_inner();
        let mut c = Check::new();
        let after = position(&mut c, "after", &r.after);
        let filter = self
            .scope(&caller, c, &r.agency, &r.types, r.include_imported)
            .await?;
        let mut after = if r.after.is_empty() && r.from_now {
            self.state.app.feed_head().await?
        } else {
            after
        };
        let permit = self.watchers.clone().try_acquire_owned().map_err(|_| {
            Status::resource_exhausted(format!(
                "{MAX_WATCHERS} event streams are open on this server; retry later"
            ))
        })?;
        let app = self.state.app.clone();
        let mut stop = self.stop.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            let _permit = permit;
            loop {
                let events = match app.list_events(&filter, after, WATCH_BATCH).await {
                    Ok(e) => e,
                    Err(e) => {
                        let _ = tx.send(Err(Status::from(e))).await;
                        return;
                    }
                };
                if events.is_empty() {
                    tokio::select! {
                        () = tokio::time::sleep(WATCH_POLL) => continue,
                        () = tx.closed() => return,
                        () = super::stopping(&mut stop) => {
                            let _ = tx
                                .send(Err(Status::unavailable(
                                    "the server is stopping; resume from your last cursor",
                                )))
                                .await;
                            return;
                        }
                    }
                }
                for e in &events {
                    after = e.position;
                    if tx.send(Ok(to_pb(e))).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }
}
