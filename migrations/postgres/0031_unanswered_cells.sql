-- National scale (#26). Each agency's and each Pemda's requests whose clock
-- runs without a notice (pending, no first notice), counted by the month
-- they fall due, kept by a trigger in the same transaction as the request.
-- A month that has ended is wholly overdue, so a ranking reads its overdue
-- count from these cells and only the current month from the register:
-- the national ranking read every unanswered request of the country.
CREATE TABLE agency_unanswered (
    agency_id TEXT NOT NULL,
    due_month TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (agency_id, due_month)
);
CREATE TABLE pemda_unanswered (
    pemda_id  TEXT NOT NULL,
    due_month TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (pemda_id, due_month)
);
INSERT INTO agency_unanswered (agency_id, due_month, n)
SELECT agency_id, substr(due_date, 1, 7), COUNT(*) FROM requests
WHERE state = 'pending' AND first_notice IS NULL AND due_date IS NOT NULL
GROUP BY agency_id, substr(due_date, 1, 7);
INSERT INTO pemda_unanswered (pemda_id, due_month, n)
SELECT pemda_id, substr(due_date, 1, 7), COUNT(*) FROM requests
WHERE state = 'pending' AND first_notice IS NULL AND due_date IS NOT NULL
GROUP BY pemda_id, substr(due_date, 1, 7);

CREATE FUNCTION unanswered_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'pending'
       AND OLD.first_notice IS NULL AND OLD.due_date IS NOT NULL THEN
        UPDATE agency_unanswered SET n = n - 1
        WHERE agency_id = OLD.agency_id AND due_month = substr(OLD.due_date, 1, 7);
        UPDATE pemda_unanswered SET n = n - 1
        WHERE pemda_id = OLD.pemda_id AND due_month = substr(OLD.due_date, 1, 7);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'pending'
       AND NEW.first_notice IS NULL AND NEW.due_date IS NOT NULL THEN
        INSERT INTO agency_unanswered (agency_id, due_month, n)
        VALUES (NEW.agency_id, substr(NEW.due_date, 1, 7), 1)
        ON CONFLICT (agency_id, due_month) DO UPDATE SET n = agency_unanswered.n + 1;
        INSERT INTO pemda_unanswered (pemda_id, due_month, n)
        VALUES (NEW.pemda_id, substr(NEW.due_date, 1, 7), 1)
        ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = pemda_unanswered.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER unanswered_cells AFTER INSERT OR DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION unanswered_cells();
-- The store rewrites every column of a request, so the WHEN clause, not
-- UPDATE OF, decides whether the counts can have moved.
CREATE TRIGGER unanswered_cells_update AFTER UPDATE ON requests
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state
          OR OLD.first_notice IS DISTINCT FROM NEW.first_notice
          OR OLD.due_date IS DISTINCT FROM NEW.due_date
          OR OLD.agency_id IS DISTINCT FROM NEW.agency_id
          OR OLD.pemda_id IS DISTINCT FROM NEW.pemda_id)
    EXECUTE FUNCTION unanswered_cells();
