-- UU KIP Pasal 18: what a DIK entry covers, and why a request's personal
-- information is not exempt from its requester.
ALTER TABLE exemptions ADD COLUMN category TEXT NOT NULL DEFAULT 'general';
ALTER TABLE requests ADD COLUMN personal_information_basis TEXT;

-- Pasal 21: the fee tariff an agency's maklumat states, by version.
CREATE TABLE tariffs (
    agency_id       TEXT NOT NULL REFERENCES agencies (id),
    effective_date  TEXT NOT NULL,
    maklumat_number TEXT NOT NULL,
    items           TEXT NOT NULL,
    create_time     BIGINT NOT NULL,
    PRIMARY KEY (agency_id, effective_date)
);
