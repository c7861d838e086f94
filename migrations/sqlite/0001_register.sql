-- The request register and its calendar. Times are microseconds since the
-- Unix epoch (UTC); dates are agency-local 'YYYY-MM-DD' text, which sorts.
-- The PostgreSQL history holds the same schema meaning.

CREATE TABLE agencies (
    id               TEXT PRIMARY KEY,
    display_name     TEXT NOT NULL,
    kind             TEXT NOT NULL,
    parent_id        TEXT REFERENCES agencies (id),
    pemda_id         TEXT NOT NULL,
    path             TEXT NOT NULL,
    time_zone        TEXT NOT NULL,
    comparison_group TEXT NOT NULL,
    create_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL,
    version          INTEGER NOT NULL
);
CREATE INDEX agencies_parent ON agencies (parent_id, id);

CREATE TABLE requests (
    id                    TEXT PRIMARY KEY,
    body_hash             TEXT NOT NULL,
    registration_number   TEXT NOT NULL UNIQUE,
    agency_id             TEXT NOT NULL REFERENCES agencies (id),
    agency_path           TEXT NOT NULL,
    receiving_agency_id   TEXT NOT NULL REFERENCES agencies (id),
    pemda_id              TEXT NOT NULL,
    -- personal data (JSON): read only by handlers who need it
    requester             TEXT NOT NULL,
    information_requested TEXT NOT NULL,
    purpose               TEXT NOT NULL,
    access_method         TEXT NOT NULL,
    copy_form             TEXT,
    delivery_method       TEXT NOT NULL,
    channel               TEXT NOT NULL,
    receive_time          INTEGER NOT NULL,
    state                 TEXT NOT NULL,
    clock_start_date      TEXT NOT NULL,
    original_due_date     TEXT,
    due_date              TEXT,
    due_end_time          INTEGER,
    extension_reason      TEXT,
    extend_time           INTEGER,
    extension_previous_due_date TEXT,
    outcome               TEXT,
    notice_time           INTEGER,
    notice_working_days   INTEGER,
    notice_on_time        BOOLEAN,
    exemption_letters     TEXT,
    notice                TEXT,
    deliver_time          INTEGER,
    withdraw_time         INTEGER,
    create_time           INTEGER NOT NULL,
    update_time           INTEGER NOT NULL,
    version               INTEGER NOT NULL
);
CREATE INDEX requests_by_receipt ON requests (receive_time DESC, id DESC);
CREATE INDEX requests_by_agency ON requests (agency_id, receive_time DESC, id DESC);
CREATE INDEX requests_open ON requests (state, due_end_time);

CREATE TABLE request_events (
    request_id  TEXT NOT NULL REFERENCES requests (id),
    sequence    INTEGER NOT NULL,
    type        TEXT NOT NULL,
    event_time  INTEGER NOT NULL,
    record_time INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    state       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    details     TEXT NOT NULL,
    PRIMARY KEY (request_id, sequence)
);

-- Registration numbers: one counter per Pemda, year and register.
CREATE TABLE registration_counters (
    pemda_id   TEXT NOT NULL,
    year       INTEGER NOT NULL,
    register   TEXT NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (pemda_id, year, register)
);

-- scope '' is national; otherwise the agency id whose subtree it covers.
CREATE TABLE holidays (
    scope       TEXT NOT NULL,
    date        TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    built_in    BOOLEAN NOT NULL,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (scope, date)
);

-- Years whose holiday decree (SKB 3 Menteri) is loaded.
CREATE TABLE holiday_years (
    year INTEGER PRIMARY KEY
);

-- Bumped on every holiday change, so processes know when their cached
-- calendar is stale.
CREATE TABLE calendar_state (
    id      INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO calendar_state (id, version) VALUES (1, 1);
