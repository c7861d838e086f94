-- The objection register records every objection received (UU KIP Pasal
-- 35-36): each ground's admissibility as computed at filing, objections on
-- ground b without a request (request_id NULL; their history is kept on the
-- objection), receipt dates, what an overturn did, and the dispute window as
-- stored (moved by holiday edits like any deadline). A request keeps its
-- first written notice when an overturn sends it back (Pasal 12(b)).
-- SQLite cannot drop NOT NULL in place: both tables are rebuilt (disputes
-- first, since it references objections).
ALTER TABLE requests ADD COLUMN return_time INTEGER;
ALTER TABLE requests ADD COLUMN notice_receipt_date TEXT;
ALTER TABLE requests ADD COLUMN first_notice TEXT;

ALTER TABLE agency_month_stats ADD COLUMN reanswered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN reanswered_on_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN dispute_inadmissible INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agency_month_stats ADD COLUMN dispute_withdrawn INTEGER NOT NULL DEFAULT 0;

CREATE TABLE objections_v2 (
    id                      TEXT PRIMARY KEY,
    registration_number     TEXT NOT NULL UNIQUE,
    request_id              TEXT REFERENCES requests (id),
    agency_id               TEXT NOT NULL REFERENCES agencies (id),
    agency_path             TEXT NOT NULL,
    grounds                 TEXT NOT NULL,
    grounds_arose           TEXT NOT NULL,
    statement               TEXT NOT NULL,
    file_time               INTEGER NOT NULL,
    file_date               TEXT NOT NULL,
    answer_due_date         TEXT NOT NULL,
    decision                TEXT,
    extent                  TEXT,
    reasons                 TEXT,
    superior_name           TEXT,
    superior_position       TEXT,
    decide_time             INTEGER,
    decide_date             TEXT,
    answered_on_time        BOOLEAN,
    reopened_due_date       TEXT,
    create_time             INTEGER NOT NULL,
    unpublished_information TEXT,
    ground_checks           TEXT,
    answer_receipt_date     TEXT,
    dispute_window_start    TEXT,
    dispute_window_due      TEXT,
    corrected_fee_rupiah    INTEGER,
    refund_rupiah           INTEGER,
    history                 TEXT
);
INSERT INTO objections_v2 (id, registration_number, request_id, agency_id, agency_path, grounds,
    grounds_arose, statement, file_time, file_date, answer_due_date, decision, extent, reasons,
    superior_name, superior_position, decide_time, decide_date, answered_on_time,
    reopened_due_date, create_time)
SELECT id, registration_number, request_id, agency_id, agency_path, grounds, grounds_arose,
    statement, file_time, file_date, answer_due_date, decision, extent, reasons, superior_name,
    superior_position, decide_time, decide_date, answered_on_time, reopened_due_date, create_time
FROM objections;

CREATE TABLE disputes_v2 (
    id                         TEXT PRIMARY KEY,
    objection_id               TEXT NOT NULL UNIQUE REFERENCES objections_v2 (id),
    request_id                 TEXT REFERENCES requests (id),
    commission_register_number TEXT,
    file_time                  INTEGER NOT NULL,
    window_start               TEXT NOT NULL,
    window_due                 TEXT NOT NULL,
    outcome                    TEXT,
    decision_date              TEXT,
    decision_number            TEXT,
    summary                    TEXT,
    create_time                INTEGER NOT NULL,
    filing_timing              TEXT NOT NULL DEFAULT 'within_window',
    stage                      TEXT NOT NULL DEFAULT 'registered',
    steps                      TEXT,
    agency_path                TEXT
);
INSERT INTO disputes_v2 (id, objection_id, request_id, commission_register_number, file_time,
    window_start, window_due, outcome, decision_date, decision_number, summary, create_time)
SELECT id, objection_id, request_id, commission_register_number, file_time,
    window_start, window_due, outcome, decision_date, decision_number, summary, create_time
FROM disputes;

DROP TABLE disputes;
DROP TABLE objections;
-- Renaming also points disputes_v2's reference at the new name.
ALTER TABLE objections_v2 RENAME TO objections;
ALTER TABLE disputes_v2 RENAME TO disputes;
CREATE INDEX objections_by_request ON objections (request_id, file_time DESC);
CREATE INDEX objections_by_time ON objections (file_time DESC, id DESC);
-- Settled disputes of the old register: decided.
UPDATE disputes SET stage = 'decided' WHERE outcome IS NOT NULL;
UPDATE disputes SET agency_path = (SELECT o.agency_path FROM objections o WHERE o.id = disputes.objection_id);
CREATE INDEX disputes_by_time ON disputes (file_time DESC, id DESC);
