-- A one-row stamp bumped by every change to the DIP or its checklists, so
-- servers can keep computed coverage until it moves (as agencies_stamp does
-- for the agency cache).
CREATE TABLE dip_stamp (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO dip_stamp (id, version) VALUES (1, 0);
CREATE FUNCTION dip_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dip_stamp SET version = version + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER dip_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dip_entries
    FOR EACH STATEMENT EXECUTE FUNCTION dip_stamp();
CREATE TRIGGER dip_stamp_checklist AFTER INSERT ON dip_checklists
    FOR EACH STATEMENT EXECUTE FUNCTION dip_stamp();
