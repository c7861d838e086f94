-- Issue #22.3 and #22.5. An agency's letterhead (kop surat: its name,
-- address and contacts, the PPID's and the atasan's names, the decree that
-- appoints the PPID), kept beside the agency as one JSON document, so the
-- letters written from the register are filled from it.
CREATE TABLE agency_letterheads (
    agency_id   TEXT PRIMARY KEY REFERENCES agencies (id),
    letterhead  TEXT NOT NULL,
    update_time BIGINT NOT NULL
);

-- The parts of the annual service report an office writes by hand (profile
-- and policies, facilities, staff, budget, obstacles, recommendations, how
-- objection and dispute decisions were carried out), per agency and year.
CREATE TABLE report_narratives (
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    year        INTEGER NOT NULL,
    narrative   TEXT NOT NULL,
    update_time BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (agency_id, year)
);

-- A published annual report: the report as published (the encoded
-- AnnualReport message, base64), so the public reads what was sent to the
-- Komisi Informasi, not figures that moved since.
CREATE TABLE report_publications (
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    year           INTEGER NOT NULL,
    publish_time   BIGINT NOT NULL,
    published_by   TEXT NOT NULL,
    sent_to_ki_date TEXT,
    report         TEXT NOT NULL,
    PRIMARY KEY (agency_id, year)
);
