-- National scale (#26). Each agency's and each Pemda's requests whose clock
-- runs without a notice (pending, no first notice), counted by the month
-- they fall due, kept by triggers in the same transaction as the request.
-- A month that has ended is wholly overdue, so a ranking reads its overdue
-- count from these cells and only the current month from the register:
-- the national ranking read every unanswered request of the country.
CREATE TABLE agency_unanswered (
    agency_id TEXT NOT NULL,
    due_month TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (agency_id, due_month)
) WITHOUT ROWID;
CREATE TABLE pemda_unanswered (
    pemda_id  TEXT NOT NULL,
    due_month TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (pemda_id, due_month)
) WITHOUT ROWID;
INSERT INTO agency_unanswered (agency_id, due_month, n)
SELECT agency_id, substr(due_date, 1, 7), COUNT(*) FROM requests
WHERE state = 'pending' AND first_notice IS NULL AND due_date IS NOT NULL
GROUP BY agency_id, substr(due_date, 1, 7);
INSERT INTO pemda_unanswered (pemda_id, due_month, n)
SELECT pemda_id, substr(due_date, 1, 7), COUNT(*) FROM requests
WHERE state = 'pending' AND first_notice IS NULL AND due_date IS NOT NULL
GROUP BY pemda_id, substr(due_date, 1, 7);

CREATE TRIGGER unanswered_insert AFTER INSERT ON requests
WHEN NEW.state = 'pending' AND NEW.first_notice IS NULL AND NEW.due_date IS NOT NULL
BEGIN
    INSERT INTO agency_unanswered (agency_id, due_month, n)
    VALUES (NEW.agency_id, substr(NEW.due_date, 1, 7), 1)
    ON CONFLICT (agency_id, due_month) DO UPDATE SET n = n + 1;
    INSERT INTO pemda_unanswered (pemda_id, due_month, n)
    VALUES (NEW.pemda_id, substr(NEW.due_date, 1, 7), 1)
    ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER unanswered_delete AFTER DELETE ON requests
WHEN OLD.state = 'pending' AND OLD.first_notice IS NULL AND OLD.due_date IS NOT NULL
BEGIN
    UPDATE agency_unanswered SET n = n - 1
    WHERE agency_id = OLD.agency_id AND due_month = substr(OLD.due_date, 1, 7);
    UPDATE pemda_unanswered SET n = n - 1
    WHERE pemda_id = OLD.pemda_id AND due_month = substr(OLD.due_date, 1, 7);
END;
-- The store rewrites every column of a request, so the WHEN clause, not
-- UPDATE OF, decides whether the counts can have moved.
CREATE TRIGGER unanswered_update AFTER UPDATE ON requests
WHEN OLD.state IS NOT NEW.state OR OLD.first_notice IS NOT NEW.first_notice
    OR OLD.due_date IS NOT NEW.due_date OR OLD.agency_id IS NOT NEW.agency_id
    OR OLD.pemda_id IS NOT NEW.pemda_id
BEGIN
    UPDATE agency_unanswered SET n = n - 1
    WHERE OLD.state = 'pending' AND OLD.first_notice IS NULL AND OLD.due_date IS NOT NULL
      AND agency_id = OLD.agency_id AND due_month = substr(OLD.due_date, 1, 7);
    UPDATE pemda_unanswered SET n = n - 1
    WHERE OLD.state = 'pending' AND OLD.first_notice IS NULL AND OLD.due_date IS NOT NULL
      AND pemda_id = OLD.pemda_id AND due_month = substr(OLD.due_date, 1, 7);
    INSERT INTO agency_unanswered (agency_id, due_month, n)
    SELECT NEW.agency_id, substr(NEW.due_date, 1, 7), 1
    WHERE NEW.state = 'pending' AND NEW.first_notice IS NULL AND NEW.due_date IS NOT NULL
    ON CONFLICT (agency_id, due_month) DO UPDATE SET n = n + 1;
    INSERT INTO pemda_unanswered (pemda_id, due_month, n)
    SELECT NEW.pemda_id, substr(NEW.due_date, 1, 7), 1
    WHERE NEW.state = 'pending' AND NEW.first_notice IS NULL AND NEW.due_date IS NOT NULL
    ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = n + 1;
END;
