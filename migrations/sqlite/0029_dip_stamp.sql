-- A one-row stamp bumped by every change to the DIP or its checklists, so
-- servers can keep computed coverage until it moves (as agencies_stamp does
-- for the agency cache).
CREATE TABLE dip_stamp (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO dip_stamp (id, version) VALUES (1, 0);
CREATE TRIGGER dip_stamp_insert AFTER INSERT ON dip_entries
BEGIN UPDATE dip_stamp SET version = version + 1; END;
CREATE TRIGGER dip_stamp_update AFTER UPDATE ON dip_entries
BEGIN UPDATE dip_stamp SET version = version + 1; END;
CREATE TRIGGER dip_stamp_delete AFTER DELETE ON dip_entries
BEGIN UPDATE dip_stamp SET version = version + 1; END;
CREATE TRIGGER dip_stamp_checklist AFTER INSERT ON dip_checklists
BEGIN UPDATE dip_stamp SET version = version + 1; END;
