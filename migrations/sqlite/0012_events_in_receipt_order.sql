-- A request's events are kept under its receipt time, in a table ordered by
-- (receipt time, request id, sequence) with no separate index. Keyed by the
-- random request id, each new request's first event went into a page at a
-- random place of the events' index, one page written per submission; now
-- intake's events are appended at the right edge, a group's in a page or
-- two, and a request's history is still one range (BENCHMARKS.md).
CREATE TABLE request_events_by_receipt (
    request_receive_time INTEGER NOT NULL,
    request_id  TEXT NOT NULL REFERENCES requests (id),
    sequence    INTEGER NOT NULL,
    type        TEXT NOT NULL,
    event_time  INTEGER NOT NULL,
    record_time INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    state       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    details     TEXT NOT NULL,
    PRIMARY KEY (request_receive_time, request_id, sequence)
) WITHOUT ROWID;

INSERT INTO request_events_by_receipt (request_receive_time, request_id, sequence, type,
    event_time, record_time, actor, state, summary, details)
SELECT r.receive_time, e.request_id, e.sequence, e.type, e.event_time, e.record_time, e.actor,
    e.state, e.summary, e.details
FROM request_events e JOIN requests r ON r.id = e.request_id
ORDER BY r.receive_time, e.request_id, e.sequence;

DROP TABLE request_events;
ALTER TABLE request_events_by_receipt RENAME TO request_events;
