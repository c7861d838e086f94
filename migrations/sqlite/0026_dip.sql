-- The Daftar Informasi Publik (DIP): entries with the standard columns,
-- their published versions, and the obligatory checklist per year.
CREATE TABLE dip_checklists (
    year        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    checklist   TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (year, version)
);

CREATE TABLE dip_entries (
    id               TEXT PRIMARY KEY,
    agency_id        TEXT NOT NULL REFERENCES agencies (id),
    number           INTEGER NOT NULL,
    summary          TEXT NOT NULL,
    holding_unit     TEXT NOT NULL,
    responsible      TEXT NOT NULL,
    production_place TEXT,
    softcopy         INTEGER NOT NULL,
    hardcopy         INTEGER NOT NULL,
    retention        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    -- Checklist item codes, space-separated.
    items            TEXT NOT NULL,
    update_months    INTEGER,
    event_date       TEXT,
    exemption_id     TEXT REFERENCES exemptions (id),
    opened_by        TEXT,
    withdraw_time    INTEGER,
    withdraw_date    TEXT,
    withdraw_reason  TEXT,
    create_time      INTEGER NOT NULL,
    UNIQUE (agency_id, number)
);

CREATE TABLE dip_versions (
    entry_id     TEXT NOT NULL REFERENCES dip_entries (id),
    number       INTEGER NOT NULL,
    publish_date TEXT NOT NULL,
    url          TEXT,
    location     TEXT,
    note         TEXT,
    actor        TEXT NOT NULL,
    create_time  INTEGER NOT NULL,
    PRIMARY KEY (entry_id, number)
);

-- An objection on ground b cites what was not published: a DIP entry
-- (`agencies/{agency}/dipEntries/{id}`) or a checklist item code.
ALTER TABLE objections ADD COLUMN unpublished_dip_entry TEXT;
ALTER TABLE objections ADD COLUMN unpublished_item TEXT;
