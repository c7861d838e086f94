-- National scale (#26). The writer now adds a group's new unanswered
-- requests to agency_unanswered and pemda_unanswered once, just before it
-- commits (store::figures::apply_unanswered), instead of a trigger per new
-- request. The triggers keep what changes a stored request: an update or a
-- delete.
--
-- They take a request out with an upsert of -1, not an UPDATE: a request
-- may be answered, moved or deleted later in the same group (an import
-- runs a whole register as one write) while its +1 is still waiting to be
-- written, and then its cell row may not exist yet.
DROP TRIGGER unanswered_insert;
DROP TRIGGER unanswered_delete;
DROP TRIGGER unanswered_update;
CREATE TRIGGER unanswered_delete AFTER DELETE ON requests
WHEN OLD.state = 'pending' AND OLD.first_notice IS NULL AND OLD.due_date IS NOT NULL
BEGIN
    INSERT INTO agency_unanswered (agency_id, due_month, n)
    VALUES (OLD.agency_id, substr(OLD.due_date, 1, 7), -1)
    ON CONFLICT (agency_id, due_month) DO UPDATE SET n = n - 1;
    INSERT INTO pemda_unanswered (pemda_id, due_month, n)
    VALUES (OLD.pemda_id, substr(OLD.due_date, 1, 7), -1)
    ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = n - 1;
END;
-- The store rewrites every column of a request, so the WHEN clause, not
-- UPDATE OF, decides whether the counts can have moved.
CREATE TRIGGER unanswered_update AFTER UPDATE ON requests
WHEN OLD.state IS NOT NEW.state OR OLD.first_notice IS NOT NEW.first_notice
    OR OLD.due_date IS NOT NEW.due_date OR OLD.agency_id IS NOT NEW.agency_id
    OR OLD.pemda_id IS NOT NEW.pemda_id
BEGIN
    INSERT INTO agency_unanswered (agency_id, due_month, n)
    SELECT OLD.agency_id, substr(OLD.due_date, 1, 7), -1
    WHERE OLD.state = 'pending' AND OLD.first_notice IS NULL AND OLD.due_date IS NOT NULL
    ON CONFLICT (agency_id, due_month) DO UPDATE SET n = n - 1;
    INSERT INTO pemda_unanswered (pemda_id, due_month, n)
    SELECT OLD.pemda_id, substr(OLD.due_date, 1, 7), -1
    WHERE OLD.state = 'pending' AND OLD.first_notice IS NULL AND OLD.due_date IS NOT NULL
    ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = n - 1;
    INSERT INTO agency_unanswered (agency_id, due_month, n)
    SELECT NEW.agency_id, substr(NEW.due_date, 1, 7), 1
    WHERE NEW.state = 'pending' AND NEW.first_notice IS NULL AND NEW.due_date IS NOT NULL
    ON CONFLICT (agency_id, due_month) DO UPDATE SET n = n + 1;
    INSERT INTO pemda_unanswered (pemda_id, due_month, n)
    SELECT NEW.pemda_id, substr(NEW.due_date, 1, 7), 1
    WHERE NEW.state = 'pending' AND NEW.first_notice IS NULL AND NEW.due_date IS NOT NULL
    ON CONFLICT (pemda_id, due_month) DO UPDATE SET n = n + 1;
END;
