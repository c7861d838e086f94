-- The event feed for portals: every event the register records (a request's
-- history, an objection's own) and the deadline alerts, in commit order.
-- SQLite has one writer, so the row id's order is the commit order.
CREATE TABLE feed_events (
    position            INTEGER PRIMARY KEY,
    subject             TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    agency_id           TEXT NOT NULL,
    agency_path         TEXT NOT NULL,
    type                TEXT NOT NULL,
    state               TEXT NOT NULL,
    summary             TEXT NOT NULL,
    event_time          INTEGER NOT NULL,
    record_time         INTEGER NOT NULL,
    actor               TEXT NOT NULL,
    imported            BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX feed_events_by_path ON feed_events (agency_path, position);

-- Deadline alerts sent: one per request, kind and deadline, whichever
-- server gets there first. A moved deadline is a new one.
CREATE TABLE deadline_alerts (
    request_id   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    deadline_end INTEGER NOT NULL,
    PRIMARY KEY (request_id, kind, deadline_end)
);
