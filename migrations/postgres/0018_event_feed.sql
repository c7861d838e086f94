-- The event feed for portals: every event the register records (a request's
-- history, an objection's own) and the deadline alerts, in commit order.
-- Positions come from a sequence taken under a transaction advisory lock
-- (store/feed.rs) held until COMMIT, so no position becomes visible before
-- a smaller one, whichever server wrote it.
CREATE TABLE feed_events (
    position            BIGSERIAL PRIMARY KEY,
    subject             TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    agency_id           TEXT NOT NULL,
    agency_path         TEXT NOT NULL,
    type                TEXT NOT NULL,
    state               TEXT NOT NULL,
    summary             TEXT NOT NULL,
    event_time          BIGINT NOT NULL,
    record_time         BIGINT NOT NULL,
    actor               TEXT NOT NULL,
    imported            BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX feed_events_by_path ON feed_events (agency_path, position);

CREATE TABLE deadline_alerts (
    request_id   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    deadline_end BIGINT NOT NULL,
    PRIMARY KEY (request_id, kind, deadline_end)
);
