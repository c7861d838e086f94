-- The DIK (exempt information list), the DIK entries each notice cites,
-- objections (keberatan) and disputes (sengketa).

CREATE TABLE exemptions (
    id                   TEXT PRIMARY KEY,
    agency_id            TEXT NOT NULL REFERENCES agencies (id),
    information          TEXT NOT NULL,
    letter               TEXT NOT NULL,
    sub_item             TEXT,
    other_law            TEXT,
    harm                 TEXT NOT NULL,
    public_interest_test TEXT NOT NULL,
    decree_number        TEXT NOT NULL,
    decree_date          TEXT NOT NULL,
    start_date           TEXT NOT NULL,
    end_date             TEXT,
    decided_by           TEXT NOT NULL,
    revoke_time          BIGINT,
    revoke_date          TEXT,
    revoke_reason        TEXT,
    create_time          BIGINT NOT NULL
);
CREATE INDEX exemptions_by_agency ON exemptions (agency_id, decree_date DESC, id DESC);

-- One row per entry cited by a notice (a request answered again after an
-- objection cites anew under its new version).
CREATE TABLE notice_citations (
    request_id      TEXT NOT NULL REFERENCES requests (id),
    request_version BIGINT NOT NULL,
    exemption_id    TEXT NOT NULL REFERENCES exemptions (id),
    letter          TEXT NOT NULL,
    notice_time     BIGINT NOT NULL,
    PRIMARY KEY (request_id, request_version, exemption_id)
);
CREATE INDEX notice_citations_by_exemption ON notice_citations (exemption_id);

ALTER TABLE requests ADD COLUMN exemption_citations TEXT;
ALTER TABLE requests ADD COLUMN unregistered_exemption_basis BOOLEAN;

CREATE TABLE objections (
    id                  TEXT PRIMARY KEY,
    registration_number TEXT NOT NULL UNIQUE,
    request_id          TEXT NOT NULL REFERENCES requests (id),
    agency_id           TEXT NOT NULL REFERENCES agencies (id),
    agency_path         TEXT NOT NULL,
    grounds             TEXT NOT NULL,
    grounds_arose       TEXT NOT NULL,
    statement           TEXT NOT NULL,
    file_time           BIGINT NOT NULL,
    file_date           TEXT NOT NULL,
    answer_due_date     TEXT NOT NULL,
    decision            TEXT,
    extent              TEXT,
    reasons             TEXT,
    superior_name       TEXT,
    superior_position   TEXT,
    decide_time         BIGINT,
    decide_date         TEXT,
    answered_on_time    BOOLEAN,
    reopened_due_date   TEXT,
    create_time         BIGINT NOT NULL
);
CREATE INDEX objections_by_request ON objections (request_id, file_time DESC);
CREATE INDEX objections_by_time ON objections (file_time DESC, id DESC);

CREATE TABLE disputes (
    id                         TEXT PRIMARY KEY,
    objection_id               TEXT NOT NULL UNIQUE REFERENCES objections (id),
    request_id                 TEXT NOT NULL REFERENCES requests (id),
    commission_register_number TEXT,
    file_time                  BIGINT NOT NULL,
    window_start               TEXT NOT NULL,
    window_due                 TEXT NOT NULL,
    outcome                    TEXT,
    decision_date              TEXT,
    decision_number            TEXT,
    summary                    TEXT,
    create_time                BIGINT NOT NULL
);
